#!/usr/bin/env bash
# Smoke-test a built bundle as a user would run it: a fresh SEGUE_HOME, no .venv on PATH, no
# Python variables. Runs --version and doctor --json, composes a tune, writes a duet and scans the
# demo library, each from the bundle, and checks what each one produced.
# Usage: check-bundle.sh [BUNDLE_DIR]   (default dist/segue)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bundle="$(cd "${1:-dist/segue}" 2>/dev/null && pwd)" || { echo "package-check: no bundle ${1:-dist/segue}; run 'make package' first" >&2; exit 2; }
exe="$bundle/segue"
[ -x "$exe" ] || { echo "package-check: no executable $exe; run 'make package' first" >&2; exit 2; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export SEGUE_HOME="$work/home"
PATH="$(printf '%s' "$PATH" | tr ':' '\n' | grep -v -e '\.venv' | paste -sd: -)"
export PATH
unset PYTHONPATH PYTHONHOME VIRTUAL_ENV SEGUE_ASSETS
cd "$work"
fail() { echo "package-check: FAILED: $*" >&2; exit 1; }
step() { echo; echo "\$ segue $*"; }

step --version
"$exe" --version | tee version.txt
grep -q '^segue [0-9]' version.txt || fail "--version printed no version"

step doctor --json
"$exe" doctor --json | tee doctor.json
grep -q "\"path\": \"$bundle/_internal/assets\"" doctor.json || fail "doctor: assets not found inside the bundle"
grep -q '"present": true' doctor.json || fail "doctor: assets missing"
grep -q "\"path\": \"$SEGUE_HOME\"" doctor.json || fail "doctor: SEGUE_HOME is not the clean one"

step compose --segments 8 --seed 1 --out tune.mid
"$exe" compose --segments 8 --seed 1 --out tune.mid
[ "$(head -c 4 tune.mid)" = MThd ] || fail "compose wrote no MIDI file"
echo "tune.mid: $(stat -c %s tune.mid) bytes"

step lyrics duet robert_burns emily_dickinson --lines 4 --seed 1
"$exe" lyrics duet robert_burns emily_dickinson --lines 4 --seed 1 | tee duet.txt
[ "$(grep -c . duet.txt)" -ge 4 ] || fail "the duet has fewer than 4 lines"

step library scan "$bundle/_internal/assets/audio" --json
"$exe" library scan "$bundle/_internal/assets/audio" --json | tee scan.json
grep -q '"added": [1-9]' scan.json || fail "the demo library scan added no track"
"$exe" library list --json > list.json
echo "library list: $(grep -o '"status": "analysed"' list.json | wc -l) analysed tracks"

step gui "(under Xvfb)"
if command -v xvfb-run >/dev/null && command -v xdotool >/dev/null; then
  xvfb-run -a -s "-screen 0 1280x800x24" bash "$here/gui-smoke.sh" "$exe" | tee gui.txt
  grep -q '^gui-smoke: window' gui.txt || fail "the window did not open"
  ! grep -q Traceback gui.txt || fail "the window printed a traceback"
else
  echo "skipped: xvfb-run and xdotool are needed (apt-get install xvfb xdotool)"
fi

echo
echo "package-check: OK ($bundle, $(du -sh "$bundle" | cut -f1))"

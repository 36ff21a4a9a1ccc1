#!/usr/bin/env bash
# Smoke-test a built bundle as a user would run it: a fresh SEGUE_HOME, no .venv on PATH, no Python
# variables. Every room runs from the bundle and what it produced is checked:
#   version, doctor; Composer: compose, a phrase continued, playback through the synth (when an
#   audio device exists), a project saved, shown, exported and its lead sheet written; Lyrics: a
#   constrained duet;
#   Commentary: samples from tags; Library: a scan of the demo audio and playlists; the window
#   under Xvfb (gui-smoke.sh).
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
start=$(date +%s)
fail() { echo "package-check: FAILED: $*" >&2; exit 1; }
step() { echo; echo "\$ segue $*"; }
# run OUT ARGS...: the bundle's segue, its stdout tee'd to OUT; a non-zero exit fails the check.
run() {
  local out="$1"; shift
  local status=0
  "$exe" "$@" > "$out" 2> "$out.err" || status=$?
  cat "$out"; cat "$out.err" >&2
  [ "$status" -eq 0 ] || fail "segue $* exited $status: $(tail -n 3 "$out.err")"
  ! grep -q Traceback "$out.err" || fail "segue $* printed a traceback"
}
ids() { grep -o '"id": -\?[0-9]*' "$1" | grep -o -- '-\?[0-9]*' | paste -sd' ' -; }
tunes() { grep -o '"tune": "[^"]*"' "$1" | cut -d'"' -f4 | paste -sd'|' -; }
is_midi() { [ -s "$1" ] && [ "$(head -c 4 "$1")" = MThd ]; }

step --version
run version.txt --version
grep -q '^segue [0-9]' version.txt || fail "--version printed no version"

step doctor
run doctor.txt doctor
[ -s doctor.txt ] || fail "doctor printed nothing"

step doctor --json
run doctor.json doctor --json
grep -q "\"path\": \"$bundle/_internal/assets\"" doctor.json || fail "doctor: assets not found inside the bundle"
grep -q '"present": true' doctor.json || fail "doctor: assets missing"
grep -q "\"path\": \"$SEGUE_HOME\"" doctor.json || fail "doctor: SEGUE_HOME is not the clean one"
grep -q '"torch": "[0-9]' doctor.json || fail "doctor: no torch version"
grep -q '"qt": "[0-9]' doctor.json || fail "doctor: no Qt version"

# --- Composer -------------------------------------------------------------------------------
step compose --segments 8 --seed 1 --out tune.mid --json
run tune.json compose --segments 8 --seed 1 --out tune.mid --json
is_midi tune.mid || fail "compose wrote no MIDI file"
[ "$(ids tune.json | wc -w)" -eq 8 ] || fail "compose: expected 8 segments, got: $(ids tune.json)"
echo "tune.mid: $(stat -c %s tune.mid) bytes, segments $(ids tune.json)"

step compose --segments 2 --seed 3 --out phrase.mid --json "(a phrase to continue)"
run phrase.json compose --segments 2 --seed 3 --out phrase.mid --json
is_midi phrase.mid || fail "compose wrote no phrase MIDI file"

step compose --continue phrase.mid --segments 4 --seed 1 --out more.mid --json
run more.json compose --continue phrase.mid --segments 4 --seed 1 --out more.mid --json
is_midi more.mid || fail "compose --continue wrote no MIDI file"
# the chain starts with the phrase (as its own blocks, "your phrase", or its nearest segments)
phrase_tunes="$(tunes phrase.json)"
more_tunes="$(tunes more.json)"
[ "$(ids more.json | wc -w)" -eq 6 ] || fail "compose --continue: expected 2 + 4 segments, got: $more_tunes"
case "$more_tunes" in
  "your phrase|your phrase|"*|"$phrase_tunes|"*) ;;
  *) fail "compose --continue: the chain ($more_tunes) does not start with the phrase ($phrase_tunes)";;
esac
echo "more.mid: phrase ($phrase_tunes) continued: $more_tunes"

step play phrase.mid --synth
run playlist-outputs.txt play --list
if grep -q 'internal synth unavailable' playlist-outputs.txt; then
  echo "skipped: no audio output device ($(grep 'internal synth unavailable' playlist-outputs.txt))"
  status=0
  "$exe" play phrase.mid --synth > play.txt 2> play.err || status=$?
  cat play.txt play.err
  [ "$status" -eq 2 ] && [ "$(grep -c . play.err)" -eq 1 ] && grep -q '^segue: error: ' play.err \
    || fail "play --synth without an audio device: expected one 'segue: error:' line and exit 2, got exit $status"
else
  run play.txt play phrase.mid --synth
  echo "played phrase.mid through the synth"
fi
[ -s "$bundle/_internal/pretty_midi/TimGM6mb.sf2" ] || fail "the synth's SoundFont is not in the bundle"

step compose --segments 4 --seed 2 --out t.mid --project t.segue
run compose-project.txt compose --segments 4 --seed 2 --out t.mid --project t.segue
[ -s t.segue ] || fail "compose --project wrote no project"
chain="$(grep -o '[A-Za-z0-9_-]*#[0-9]*' compose-project.txt | paste -sd' ' -)"
[ "$(echo "$chain" | wc -w)" -eq 4 ] || fail "compose --project: expected 4 segments, printed: $chain"
step project show t.segue
run show.txt project show t.segue
grep -q '^Composer: 4 segments' show.txt || fail "project show: no 4-segment chain"
grep -qF "$chain" show.txt || fail "project show: the chain is not the composed one ($chain)"
step project show t.segue --json
run show.json project show t.segue --json > /dev/null
grep -q '"format": "segue-project"' show.json && grep -q '"format_version": [0-9]' show.json \
  || fail "project show --json: not a versioned segue project"
step project export t.segue --midi t2.mid
run export.txt project export t.segue --midi t2.mid
is_midi t2.mid || fail "project export wrote no MIDI file"
grep -q '4 segments' export.txt || fail "project export: not the 4-segment chain"
cmp -s t.mid t2.mid && echo "t2.mid: identical to the composed t.mid" \
  || echo "t2.mid: $(stat -c %s t2.mid) bytes (t.mid $(stat -c %s t.mid)): the project renders differently"
step leadsheet t.segue --out t.musicxml "(music21 from the bundle; PDF only with MuseScore)"
run leadsheet.txt leadsheet t.segue --out t.musicxml
grep -q '<score-partwise' t.musicxml && grep -q '<harmony' t.musicxml \
  || fail "leadsheet: t.musicxml is not MusicXML with chord symbols"
grep -q '^wrote t.musicxml: [0-9]* bars' leadsheet.txt || fail "leadsheet: no bars reported"
[ "$(grep -c . leadsheet.txt.err)" -le 1 ] || fail "leadsheet: more than one line on stderr (music21's notes?)"

# --- Lyrics ---------------------------------------------------------------------------------
step lyrics duet robert_burns emily_dickinson --lines 4 --seed 1 --rhyme AABB --metre common
run duet.txt lyrics duet robert_burns emily_dickinson --lines 4 --seed 1 --rhyme AABB --metre common
[ "$(grep -c '^Robert Burns: ' duet.txt)" -eq 2 ] && [ "$(grep -c '^Emily Dickinson: ' duet.txt)" -eq 2 ] \
  || fail "the duet does not have 2 lines by each writer"
run duet.json lyrics duet robert_burns emily_dickinson --lines 4 --seed 1 --rhyme AABB --metre common --json > /dev/null
grep -q '"rhyme": "AABB"' duet.json && grep -q '"metre": "common"' duet.json || fail "duet --json: constraints not applied"
[ "$(grep -c '"text": "[^"]' duet.json)" -eq 4 ] || fail "duet --json: expected 4 lines of text"

# --- Commentary -----------------------------------------------------------------------------
step 'comment --tags "rock, energetic" --n 2'
run comment.txt comment --tags "rock, energetic" --n 2
[ "$(grep -v '^tags: ' comment.txt | grep -c '[A-Za-z]')" -ge 2 ] || fail "comment: fewer than 2 sentences"

# --- Library & Playlists --------------------------------------------------------------------
step library scan "$bundle/_internal/assets/audio" --json
run scan.json library scan "$bundle/_internal/assets/audio" --json
grep -q '"added": [1-9]' scan.json || fail "the demo library scan added no track"
grep -q '"analysed": [1-9]' scan.json || fail "the demo library scan analysed no track"
run list.json library list --json > /dev/null
analysed="$(grep -o '"status": "analysed"' list.json | wc -l)"
echo "library list: $analysed analysed tracks"
# the scan fits the library autoencoder (README: automatic after a scan): training from the bundle
trained="$(find "$SEGUE_HOME/models" -name '*.pt' -size +0 2>/dev/null | wc -l)"
[ "$trained" -ge 1 ] || fail "the scan trained no model in SEGUE_HOME/models"
echo "models trained into SEGUE_HOME: $(find "$SEGUE_HOME/models" -name '*.pt' -printf '%P ' 2>/dev/null)"
[ "$analysed" -ge 3 ] || fail "fewer than 3 analysed tracks: no playlist of 3 possible"

step 'playlist --seed "Kevin MacLeod - Vibe Ace" --length 3 --out list.m3u8'
run playlist.txt playlist --seed "Kevin MacLeod - Vibe Ace" --length 3 --out list.m3u8
[ "$(grep -c '^ *[0-9]\. ' playlist.txt)" -eq 3 ] || fail "the playlist does not have 3 tracks"
! grep -q 'Vibe Ace' playlist.txt || fail "the playlist repeats its seed"
grep -q '^#EXTM3U' list.m3u8 && [ "$(grep -vc '^#' list.m3u8)" -eq 3 ] || fail "list.m3u8 does not hold 3 tracks"

step 'playlist --seed "Kevin MacLeod - Vibe Ace" --length 3 --embedding spectrogram --json'
run playlist-vae.json playlist --seed "Kevin MacLeod - Vibe Ace" --length 3 --embedding spectrogram --json
[ "$(grep -o '"distance": ' playlist-vae.json | wc -l)" -eq 3 ] || fail "the spectrogram playlist does not have 3 tracks"

# --- The window -----------------------------------------------------------------------------
step gui "(under Xvfb)"
if command -v xvfb-run >/dev/null && command -v xdotool >/dev/null; then
  xvfb-run -a -s "-screen 0 1280x800x24" bash "$here/gui-smoke.sh" "$exe" | tee gui.txt
  grep -q '^gui-smoke: window' gui.txt || fail "the window did not open"
  ! grep -q Traceback gui.txt || fail "the window printed a traceback"
else
  echo "skipped: xvfb-run and xdotool are needed (bash scripts/system-deps.sh installs them)"
fi

echo
echo "package-check: OK ($bundle, $(du -sh "$bundle" | cut -f1), every room checked in $(( $(date +%s) - start )) s)"

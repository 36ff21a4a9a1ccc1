#!/usr/bin/env bash
# Run a command with a JACK server on the dummy driver (no sound card needed), then stop it.
# If jackd is missing, the command still runs; JACK-marked tests then skip with a reason.
set -uo pipefail

export JACK_NO_AUDIO_RESERVATION=1   # no D-Bus device reservation in CI
export JACK_NO_START_SERVER=1        # clients must not auto-start a second server
jack_pid=""
if command -v jackd >/dev/null; then
  start_jackd() {  # $1: extra server options; real-time first, as a musician's setup would be
    jackd $1 -d dummy -r 48000 -p 256 >"$jack_log" 2>&1 &
    jack_pid=$!
    for _ in $(seq 1 50); do jack_lsp >/dev/null 2>&1 && return 0; sleep 0.1; done
    kill "$jack_pid" 2>/dev/null; wait "$jack_pid" 2>/dev/null; jack_pid=""; return 1
  }
  jack_log="${TMPDIR:-/tmp}/segue-jackd.log"
  if ! jack_lsp >/dev/null 2>&1; then
    start_jackd "--realtime" || start_jackd "--no-realtime"
  fi
  if jack_lsp >/dev/null 2>&1; then export SEGUE_JACK=1; else echo "JACK did not start: see $jack_log" >&2; fi
else
  echo "jackd not installed: JACK tests will be skipped" >&2
fi

"$@"
status=$?
[ -n "$jack_pid" ] && kill "$jack_pid" 2>/dev/null && wait "$jack_pid" 2>/dev/null
exit $status

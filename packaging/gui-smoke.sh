#!/usr/bin/env bash
# Inside an X session (package-check runs it under xvfb-run): start the bundle's window, wait for
# it to appear, let its first background jobs run (artists, models, demo scan) for 20 s, then stop
# it. Prints the window's title and the app's output; exit 1 if no window appears within 90 s.
# Usage: gui-smoke.sh SEGUE_EXECUTABLE
set -uo pipefail
exe="$1"
"$exe" gui > gui.log 2>&1 &
pid=$!
title=""
for _ in $(seq 1 90); do
  sleep 1
  kill -0 "$pid" 2>/dev/null || break
  wid="$(xdotool search --onlyvisible --name 'Segue' 2>/dev/null | head -n 1)"
  if [ -n "$wid" ]; then title="$(xdotool getwindowname "$wid")"; break; fi
done
[ -n "$title" ] && sleep 20
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
cat gui.log
[ -n "$title" ] || { echo "gui-smoke: no Segue window appeared"; exit 1; }
echo "gui-smoke: window \"$title\" opened, ran 20 s, stopped"

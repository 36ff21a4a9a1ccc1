#!/usr/bin/env bash
# Build dist/segue, Segue's one-folder bundle: PyInstaller with packaging/segue.spec, then the
# desktop files, icons (rendered from the SVG) and licence notice laid out by stage_share.py, and
# the size report (size_report.py: every folder over 10 MB and why it is needed).
# Usage: PY=path/to/python build-bundle.sh    (PY defaults to .venv/bin/python; it needs PyInstaller)
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PY:-.venv/bin/python}"
start=$(date +%s)
rm -rf dist/segue build/pyinstaller
"$PY" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath dist --workpath build/pyinstaller packaging/segue.spec
"$PY" packaging/stage_share.py dist/segue
echo "package: dist/segue is $(du -sh dist/segue | cut -f1) ($(find dist/segue -type f | wc -l) files), built in $(( $(date +%s) - start )) s"
# what weighs what, and why; fails over the budget or on a heavy folder nobody explained
"$PY" packaging/size_report.py dist/segue

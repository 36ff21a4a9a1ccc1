#!/usr/bin/env bash
# Install Segue's desktop entry, AppStream metadata and icon for the current user.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
share="${XDG_DATA_HOME:-$HOME/.local/share}"
install -Dm644 "$here/org.segue.Segue.desktop" "$share/applications/org.segue.Segue.desktop"
install -Dm644 "$here/org.segue.Segue.metainfo.xml" "$share/metainfo/org.segue.Segue.metainfo.xml"
install -Dm644 "$here/../assets/icons/segue.svg" "$share/icons/hicolor/scalable/apps/org.segue.Segue.svg"
echo "Installed Segue's desktop entry under $share"

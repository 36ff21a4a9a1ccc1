#!/usr/bin/env bash
# Install a Segue bundle for the current user, under the XDG data folder ($XDG_DATA_HOME, default
# ~/.local/share):
#   org.segue.Segue/            the bundle (run org.segue.Segue/segue)
#   applications/               the desktop entry, its Exec pointing at the bundle
#   metainfo/                   the AppStream metadata
#   mime/packages/              the .segue project MIME type
#   icons/hicolor/*/apps/       the icon, SVG and PNG 16-512
# Every file and folder it creates is listed in org.segue.Segue/install-manifest.txt, which
# uninstall-desktop.sh reads to remove exactly those. Caches are refreshed when the tools exist.
# Usage: install-desktop.sh [BUNDLE_DIR]   (default: the folder this script is in)
set -euo pipefail

APP_ID=org.segue.Segue
here="$(cd "$(dirname "$0")" && pwd)"
bundle="$(cd "${1:-$here}" 2>/dev/null && pwd)" || { echo "install-desktop: no bundle folder ${1:-$here}" >&2; exit 2; }
if [ ! -x "$bundle/segue" ] || [ ! -d "$bundle/share/applications" ]; then
  echo "install-desktop: $bundle is not a Segue bundle (no segue executable or share/); run 'make package' first" >&2
  exit 2
fi
share="${XDG_DATA_HOME:-$HOME/.local/share}"
appdir="$share/$APP_ID"
manifest="$appdir/install-manifest.txt"

if [ -f "$manifest" ]; then                      # a reinstall: remove the old copy first
  bash "$bundle/uninstall-desktop.sh" >/dev/null 2>&1 || bash "$here/uninstall-desktop.sh" >/dev/null
fi
if [ "$bundle" = "$appdir" ]; then
  echo "install-desktop: the bundle is already at $appdir; run it from another folder" >&2
  exit 2
fi

entries=()
make_dir() {   # mkdir -p, recording each folder it creates (outermost first)
  local dir="$1" missing=()
  while [ ! -d "$dir" ]; do missing=("$dir" "${missing[@]}"); dir="$(dirname "$dir")"; done
  for dir in "${missing[@]}"; do mkdir "$dir"; entries+=("dir $dir"); done
}
put() {        # put SRC DEST [MODE]: copy one file, recording it
  make_dir "$(dirname "$2")"
  install -m "${3:-644}" "$1" "$2"
  entries+=("file $2")
}

# The bundle itself, copied whole (symlinks kept), every folder and file recorded.
if [ -e "$appdir" ]; then
  echo "install-desktop: $appdir exists but has no $manifest; move it away first" >&2
  exit 2
fi
make_dir "$appdir"
cp -a "$bundle/." "$appdir/"
while IFS= read -r d; do entries+=("dir $appdir/$d"); done < <(cd "$appdir" && find . -mindepth 1 -type d -printf "%P\n" | LC_ALL=C sort)
while IFS= read -r f; do entries+=("file $appdir/$f"); done < <(cd "$appdir" && find . ! -type d -printf "%P\n" | LC_ALL=C sort)

# Desktop entry with absolute paths to this install.
exe="$appdir/segue"
case "$exe" in *[[:space:]\"\`\$\\]*) quoted="\"$(printf '%s' "$exe" | sed 's/[\"`$\\]/\\&/g')\"";; *) quoted="$exe";; esac
desktop_tmp="$(mktemp)"
sed -e "s|^Exec=segue |Exec=$quoted |" -e "s|^Exec=segue$|Exec=$quoted|" -e "s|^TryExec=.*|TryExec=$exe|" \
  "$bundle/share/applications/$APP_ID.desktop" > "$desktop_tmp"
put "$desktop_tmp" "$share/applications/$APP_ID.desktop"
rm -f "$desktop_tmp"
put "$bundle/share/metainfo/$APP_ID.metainfo.xml" "$share/metainfo/$APP_ID.metainfo.xml"
put "$bundle/share/mime/packages/$APP_ID.xml" "$share/mime/packages/$APP_ID.xml"
for icon in "$bundle"/share/icons/hicolor/*/apps/"$APP_ID".*; do
  rel="${icon#"$bundle/share/"}"
  put "$icon" "$share/$rel"
done

printf '%s\n' "${entries[@]}" > "$manifest"
echo "file $manifest" >> "$manifest"

# Caches: refreshed only where the tools exist; the icon cache only if the user already has one.
command -v update-desktop-database >/dev/null && update-desktop-database -q "$share/applications" || true
command -v update-mime-database >/dev/null && update-mime-database "$share/mime" >/dev/null 2>&1 || true
if [ -f "$share/icons/hicolor/icon-theme.cache" ] && command -v gtk-update-icon-cache >/dev/null; then
  gtk-update-icon-cache -q -t -f "$share/icons/hicolor" || true
else
  touch "$share/icons/hicolor"
fi
echo "Installed Segue in $appdir ($(grep -c '^file ' "$manifest") files; manifest: $manifest)"

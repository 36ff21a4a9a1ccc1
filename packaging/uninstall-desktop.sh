#!/usr/bin/env bash
# Remove what install-desktop.sh installed for the current user: every file and folder listed in
# $XDG_DATA_HOME/org.segue.Segue/install-manifest.txt (nothing else), then refresh the caches. A
# cache file that only Segue's install made necessary is removed with the folder that held it.
set -euo pipefail

APP_ID=org.segue.Segue
share="${XDG_DATA_HOME:-$HOME/.local/share}"
appdir="$share/$APP_ID"
manifest="$appdir/install-manifest.txt"
if [ ! -f "$manifest" ]; then
  echo "uninstall-desktop: Segue is not installed under $share (no $manifest)"
  exit 0
fi

mapfile -t entries < "$manifest"
created_dirs=()
removed=0
for entry in "${entries[@]}"; do
  kind="${entry%% *}"; path="${entry#* }"
  case "$path" in "$share"/*) ;; *) echo "uninstall-desktop: skipping $path (outside $share)" >&2; continue;; esac
  if [ "$kind" = file ] && { [ -e "$path" ] || [ -L "$path" ]; }; then rm -f -- "$path"; removed=$((removed + 1)); fi
  [ "$kind" = dir ] && created_dirs+=("$path")
done

created() { local d; for d in "${created_dirs[@]}"; do [ "$d" = "$1" ] && return 0; done; return 1; }

# Caches: where install created the folder and nothing else of the kind is left, the generated
# cache goes with it; otherwise it is refreshed for what remains.
apps="$share/applications"
if created "$apps" && ! compgen -G "$apps/*.desktop" >/dev/null; then
  rm -f "$apps/mimeinfo.cache"
elif [ -d "$apps" ] && command -v update-desktop-database >/dev/null; then
  update-desktop-database -q "$apps" || true
fi
mime="$share/mime"
if created "$mime" && ! compgen -G "$mime/packages/*.xml" >/dev/null; then
  rm -rf -- "$mime"
elif [ -d "$mime/packages" ] && command -v update-mime-database >/dev/null; then
  update-mime-database "$mime" >/dev/null 2>&1 || true
fi
hicolor="$share/icons/hicolor"
if [ -f "$hicolor/icon-theme.cache" ] && command -v gtk-update-icon-cache >/dev/null; then
  if created "$hicolor" && [ -z "$(find "$hicolor" -type f ! -name icon-theme.cache -print -quit)" ]; then
    rm -f "$hicolor/icon-theme.cache"
  else
    gtk-update-icon-cache -q -t -f "$hicolor" || true
  fi
fi

# Folders install created, deepest first, if now empty.
for ((i = ${#created_dirs[@]} - 1; i >= 0; i--)); do
  rmdir -- "${created_dirs[i]}" 2>/dev/null || true
done
echo "Removed Segue from $share ($removed files)"

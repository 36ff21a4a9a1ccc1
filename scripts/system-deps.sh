#!/usr/bin/env bash
# Install the Debian packages Segue and its tests need, when any is missing.
# As root it runs apt-get; otherwise it uses `sudo -n` if allowed, else prints the command.
set -euo pipefail

PACKAGES=(
  libportaudio2 portaudio19-dev        # sounddevice; portaudio.h for tinysoundfont's pyaudio
  jackd2 libjack-jackd2-0              # JACK server (dummy driver) for the MIDI/audio tests
  libasound2 libsndfile1               # ALSA client library, soundfile
  libchromaprint1 libchromaprint-tools # acoustic fingerprints (pyacoustid): duplicate audio
  fluid-soundfont-gm                   # second GM SoundFont for `segue eval playlist`
  libegl1 libgl1 libfontconfig1 libdbus-1-3 libxkbcommon0 libxkbcommon-x11-0
  libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0
  libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1   # Qt's xcb/offscreen platforms
  xvfb xauth                           # a real X server for the drag-and-drop test
  xdotool                              # make package-check: finds the bundle's window under Xvfb
  binutils                             # make package: PyInstaller reads binaries' needs with objdump
  desktop-file-utils appstream shared-mime-info   # validate the desktop entry, metainfo, MIME type
  musescore3                           # lead sheet PDF: MusicXML → PDF, headless (offscreen Qt)
  espeak-ng                            # offline speech: the non-music side of the real-recordings set
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing system packages: ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  SUDO="sudo -n"
else
  echo "Not root: please run  sudo apt-get install -y ${missing[*]}" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

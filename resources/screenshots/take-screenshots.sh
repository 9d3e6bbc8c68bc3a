#!/bin/sh
# Takes the console's screenshots (resources/screenshots/*.png) under a virtual X server:
#   resources/screenshots/take-screenshots.sh [BUILD_DIR] [OUT_DIR]
# BUILD_DIR defaults to build/dev, OUT_DIR to this script's folder. Needs xvfb-run (Debian:
# xvfb). `warden --screenshots DIR` runs its own simulated network in a temporary folder: the
# user's connections and window state are neither read nor changed.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-$root/build/dev}
out=${2:-$here}
if ! command -v xvfb-run >/dev/null 2>&1; then
    echo "xvfb-run is missing (Debian: apt-get install xvfb)" >&2
    exit 1
fi
if [ ! -x "$build/bin/warden" ]; then
    echo "no console at $build/bin/warden: build the 'warden' target first" >&2
    exit 1
fi
# A fixed font size and style so that the pictures do not depend on the desktop's settings.
QT_QPA_PLATFORMTHEME= QT_STYLE_OVERRIDE=Fusion \
    xvfb-run -a -s "-screen 0 1400x1000x24" "$build/bin/warden" --screenshots "$out"
ls -l "$out"/*.png

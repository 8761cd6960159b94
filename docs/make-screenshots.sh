#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Takes a screenshot of each main view of the app into docs/screenshots/, as the README shows
# them, with the app's own --screenshot option (the window as GTK draws it, under Xvfb).
# Needs the fetched MNIST digits (./run.sh). Usage: docs/make-screenshots.sh [BUILD_DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
app=$(cd "${1:-$root/build}" && pwd)/src/app/glassbox
out=$root/docs/screenshots
mkdir -p "$out"
export GSK_RENDERER=cairo GTK_A11Y=none GSETTINGS_BACKEND=memory OPENBLAS_NUM_THREADS=1

shot() { # NAME ARGS...
  local name=$1
  shift
  echo "screenshot $name"
  xvfb-run -a -s '-screen 0 1280x800x24' "$app" "$@" --screenshot "$out/$name.png"
}

shot explain-digit --model digits-cnn --method lrp-gamma-box --digit 7 --view explain

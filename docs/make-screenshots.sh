#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Takes a screenshot of each main view of the app into docs/screenshots/, as the README shows
# them, with the app's own --screenshot option (the window as GTK draws it, under Xvfb, once
# every computation it started is done). Needs the fetched MNIST digits (./run.sh).
# Usage: docs/make-screenshots.sh [BUILD_DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
app=$(cd "${1:-$root/build}" && pwd)/src/app/glassbox
out=$root/docs/screenshots
mkdir -p "$out"
export GSK_RENDERER=cairo GTK_A11Y=none GSETTINGS_BACKEND=memory OPENBLAS_NUM_THREADS=1
# The EEG trials are regenerated from the model's recipe once, then read from this cache.
export XDG_CACHE_HOME=${XDG_CACHE_HOME:-$HOME/.cache}

shot() { # NAME ARGS...
  local name=$1
  shift
  echo "screenshot $name"
  xvfb-run -a -s '-screen 0 1280x800x24' "$app" "$@" --screenshot "$out/$name.png"
}

shot app-explain --model digits-cnn --method lrp-gamma-box --digit 3 --view explain
shot app-gallery --model digits-cnn --digit 3 --view gallery
shot app-compare --model digits-cnn --digit 3 --view compare --run
shot app-shap --model digits-cnn --digit 3 --view shap --run
shot app-lrp-vs-gxi --model digits-mlp --digit 3 --view lrp-vs-gxi --run
shot app-curves --model digits-cnn --view curves --run
shot app-sanity --model digits-mlp --digit 3 --method ig --view sanity --run
shot app-eeg --source eeg --model p300-lstm --method lrp-epsilon --view explain
shot global-class-maps --model digits-cnn --digit 3 --view global --analysis class-maps --run
shot global-adversarial --model digits-cnn --digit 3 --view global --analysis adversarial --run
shot hidden-probe --source eeg --model p300-rnn --view hidden --analysis probe --run
shot hidden-pca --source eeg --model p300-rnn --view hidden --analysis pca --run

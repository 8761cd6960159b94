#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Retrains the default models that ship with Glassbox, with the exact commands and seeds that
# made the committed files, and records each one's figures on held-out data in its metadata.
# The digit models need the fetched MNIST digits (./run.sh does that).
#   data/models/retrain.sh [all|digits|p300] [BUILD_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
which=${1:-all}
cli=$(cd "${2:-$here/../../build}" && pwd)/src/cli/glassbox-cli

digits() {
  "$cli" train --data mnist-train --val-fraction 0.1 --seed 1 \
    --arch 'input(1,28,28), flatten, dense(256), relu, dropout(0.3), dense(128), relu, dropout(0.3), dense(10)' \
    --epochs 100 --patience 10 --augment-shift 2 --quiet \
    --meta "glassbox.description=Multilayer perceptron for 28x28 digits" \
    --out "$here/digits-mlp.safetensors"
  "$cli" eval --model "$here/digits-mlp.safetensors" --data mnist-test --record

  "$cli" train --data mnist-train --val-fraction 0.1 --seed 1 \
    --arch 'input(1,28,28), conv2d(16,5,pad=2), relu, maxpool2d(2), conv2d(32,5,pad=2), relu, maxpool2d(2), flatten, dense(128), relu, dropout(0.5), dense(10)' \
    --epochs 60 --patience 8 --augment-shift 2 --quiet \
    --meta "glassbox.description=Convolutional network for 28x28 digits" \
    --out "$here/digits-cnn.safetensors"
  "$cli" eval --model "$here/digits-cnn.safetensors" --data mnist-test --record
}

# P300: 32 simulated training subjects (seed 1) and 4 held-out ones (seed 1001), band-passed
# 0.5-12 Hz, decimated to 32 Hz, standardised with statistics of the training subjects only.
P300_RECIPE="eeg simulate --subjects 32 --seed 1 --bandpass 0.5,12 --decimate 4 --standardise --out p300-train.safetensors --held-out-subjects 4 --held-out-seed 1001 --held-out-out p300-test.safetensors"

p300_model() {
  local work=$1 name=$2 arch=$3 description=$4
  (cd "$work" &&
    "$cli" train --data p300-train.safetensors --val-fraction 0.15 --seed 1 \
      --loss bce --class-weights 1,5 --arch "$arch" --epochs 60 --patience 8 --quiet \
      --meta "glassbox.description=$description" \
      --meta "glassbox.data.recipe=glassbox-cli $P300_RECIPE" \
      --out "$here/$name.safetensors" &&
    "$cli" eval --model "$here/$name.safetensors" --data p300-test.safetensors --record)
}

p300() {
  local work
  work=$(mktemp -d)
  # shellcheck disable=SC2086 # the recipe is a list of words
  (cd "$work" && "$cli" $P300_RECIPE)
  p300_model "$work" p300-rnn 'input(26,16), rnn(32), dense(1)' \
    "Elman RNN (tanh) reading the 16 channels step by step"
  p300_model "$work" p300-lstm 'input(26,16), lstm(32), dense(1)' \
    "LSTM reading the 16 channels step by step"
  p300_model "$work" p300-prm 'input(26,16), prm(16,post=8)' \
    "PRM-like model (our design, inspired by Oliva et al. 2026, not the published Post-Recurrent Module): Elman RNN, a post-recurrent layer that also sees the input, and a logit that is the sum of per-step evidence"
  rm -rf "$work"
}

case "$which" in
  all) digits; p300 ;;
  digits) digits ;;
  p300) p300 ;;
  *) echo "usage: data/models/retrain.sh [all|digits|p300] [BUILD_DIR]" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Remakes the figures the README shows, with glassbox-cli and the bundled models.
# Needs the fetched MNIST digits (./run.sh). Usage: docs/make-figures.sh [BUILD_DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cli=$(cd "${1:-$root/build}" && pwd)/src/cli/glassbox-cli
out=$root/docs/figures
models=$root/data/models
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$cli" explain --model "$models/digits-cnn.safetensors" --data mnist-test --index 3 \
  --method ig --steps 64 --out "$out/digit-ig.png"
"$cli" explain --model "$models/digits-cnn.safetensors" --data mnist-test --index 3 \
  --method lrp-gamma-box --out "$out/digit-lrp-gamma-box.png"
"$cli" evaluate --model "$models/digits-cnn.safetensors" --data mnist-test \
  --methods grad-x-input,saliency,lrp-epsilon --samples 200 --out "$work/curves.csv" \
  --plot "$out/digit-curves.png"
(cd "$work" && "$cli" eeg simulate --subjects 32 --seed 1 --bandpass 0.5,12 --decimate 4 \
  --standardise --out p300-train.safetensors --held-out-subjects 4 --held-out-seed 1001 \
  --held-out-out p300-test.safetensors >/dev/null)
"$cli" explain --model "$models/p300-prm.safetensors" --data "$work/p300-test.safetensors" \
  --index 5 --method ig --out "$out/p300-prm-ig.png"
# Hidden states of the recurrent P300 models on the same held-out subjects.
"$cli" hidden probe --model "$models/p300-rnn.safetensors" --data "$work/p300-test.safetensors" \
  --plot "$out/p300-rnn-probe.png"
"$cli" hidden pca --model "$models/p300-lstm.safetensors" --data "$work/p300-test.safetensors" \
  --plot "$out/p300-lstm-pca.png"
"$cli" hidden evidence --model "$models/p300-prm.safetensors" \
  --data "$work/p300-test.safetensors" --plot "$out/p300-prm-evidence.png"
"$cli" hidden scalp --model "$models/p300-rnn.safetensors" --data "$work/p300-test.safetensors" \
  --plot "$out/p300-rnn-scalp.png"

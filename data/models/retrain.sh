#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Retrains the default models that ship with Glassbox, with the exact commands and seeds that
# made the committed files, and evaluates each on held-out data. Needs the fetched MNIST digits
# (./run.sh does that). Usage: data/models/retrain.sh [BUILD_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cli=${1:-$here/../../build}/src/cli/glassbox-cli

"$cli" train --data mnist-train --val-fraction 0.1 --seed 1 \
  --arch 'input(1,28,28), flatten, dense(256), relu, dropout(0.3), dense(128), relu, dropout(0.3), dense(10)' \
  --epochs 100 --patience 10 --augment-shift 2 --quiet --out "$here/digits-mlp.safetensors"
"$cli" eval --model "$here/digits-mlp.safetensors" --data mnist-test --record

"$cli" train --data mnist-train --val-fraction 0.1 --seed 1 \
  --arch 'input(1,28,28), conv2d(16,5,pad=2), relu, maxpool2d(2), conv2d(32,5,pad=2), relu, maxpool2d(2), flatten, dense(128), relu, dropout(0.5), dense(10)' \
  --epochs 60 --patience 8 --augment-shift 2 --quiet --out "$here/digits-cnn.safetensors"
"$cli" eval --model "$here/digits-cnn.safetensors" --data mnist-test --record

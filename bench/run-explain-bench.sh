#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Glassbox vs PyTorch: ms per explained input for every explanation method, one thread each.
#
#   bench/run-explain-bench.sh [--inputs N] [--repeats R] [--model FILE]... [--build DIR]
#
# Default models: data/models/digits-mlp.safetensors, a LeNet-style CNN trained here for three
# epochs on mnist-train (glassbox-cli train --arch lenet --epochs 3 --seed 1) and
# data/models/digits-cnn.safetensors. Gives both sides the same OpenBLAS kernels
# (OPENBLAS_CORETYPE) and one thread; per model runs bench-explain, which writes the first
# 1,000 test digits and its maps, then bench_explain_torch.py on the same files, so that
# whatever else the machine is doing falls on both, and prints one Markdown table per model.
# Timings on a shared machine vary 1.5-2x from run to run: compare ratios of one invocation.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build="$root/build"
inputs=20
repeats=3
models=()
python=${GB_TORCH_PYTHON:-/usr/bin/python3} # Debian's python3-torch runs only there

while [ $# -gt 0 ]; do
  case "$1" in
    --inputs) inputs=${2:?--inputs needs a value}; shift 2 ;;
    --repeats) repeats=${2:?--repeats needs a value}; shift 2 ;;
    --model) models+=("${2:?--model needs a file}"); shift 2 ;;
    --build) build=${2:?--build needs a value}; shift 2 ;;
    -h|--help) sed -n '3,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run-explain-bench.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done

# -- build ---------------------------------------------------------------------------------
if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" "$root" >/dev/null
fi
ninja -C "$build" bench/bench-explain src/cli/glassbox-cli >/dev/null
bench="$build/bench/bench-explain"

# -- the same kernels and one thread on both sides ------------------------------------------
# OpenBLAS reads OPENBLAS_CORETYPE in its constructor, so it has to be in the environment.
if [ -z "${OPENBLAS_CORETYPE:-}" ]; then
  if grep -qw avx512f /proc/cpuinfo; then
    OPENBLAS_CORETYPE=SkylakeX
  elif grep -qw avx2 /proc/cpuinfo; then
    OPENBLAS_CORETYPE=Haswell
  fi
fi
[ -n "${OPENBLAS_CORETYPE:-}" ] && export OPENBLAS_CORETYPE
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1

have_torch=1
if ! "$python" -c 'import torch, numpy' >/dev/null 2>&1; then
  have_torch=0
  echo "PyTorch not available; install python3-torch" \
       "(apt-get install --no-install-recommends python3-torch; it runs with $python)." \
       "Showing Glassbox's figures only." >&2
fi

data=$(mktemp -d "${TMPDIR:-/tmp}/gb-explain-bench.XXXXXX")
trap 'rm -rf "$data"' EXIT

if [ ${#models[@]} -eq 0 ]; then
  echo "== training the LeNet-style CNN (3 epochs on mnist-train)" >&2
  "$build/src/cli/glassbox-cli" train --arch lenet --data mnist-train --epochs 3 --seed 1 \
    --quiet --out "$data/lenet-3epochs.safetensors" >&2
  models=("$root/data/models/digits-mlp.safetensors" "$data/lenet-3epochs.safetensors"
          "$root/data/models/digits-cnn.safetensors")
fi

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
echo "Machine: $cpu, $(getconf _NPROCESSORS_ONLN) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at start"
echo "OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset} OPENBLAS_NUM_THREADS=1, torch.set_num_threads(1)"
echo

# -- run, alternating per model ------------------------------------------------------------
status=0
for i in "${!models[@]}"; do
  model=${models[$i]}
  out="$data/m$i"
  echo "== $(basename "$model")" >&2
  if ! "$bench" --model "$model" --out "$out" --inputs "$inputs" --repeats "$repeats" >&2; then
    echo "   glassbox failed on $model (see above)" >&2
    status=1
    continue
  fi
  if [ "$have_torch" = 1 ]; then
    if ! "$python" "$root/bench/bench_explain_torch.py" --model "$model" --dir "$out" \
           --inputs "$inputs" --repeats "$repeats"; then
      echo "   torch failed on $model (see above)" >&2
      status=1
    fi
  else
    echo "Model $(basename "$model") (Glassbox only): method, median ms/input"
    cut -d, -f3,4 "$out/glassbox.csv" | sed 's/^/  /'
  fi
  echo
done

echo "Load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
[ "$have_torch" = 1 ] || exit 1
exit "$status"

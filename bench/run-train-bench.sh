#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Glassbox vs PyTorch: seconds per training epoch, one thread each, the same data.
#
#   bench/run-train-bench.sh [--runs N] [--only mlp1|mlp2|cnn|lstm] [--build DIR]
#
# Builds bench-train if needed, gives both sides the same OpenBLAS kernels
# (OPENBLAS_CORETYPE) and one thread, writes the generated data once, then for each model runs
# Glassbox and PyTorch one after the other, so that whatever else the machine is doing falls
# on both, and prints a Markdown table of the medians. Timings on a shared machine vary
# 1.5-2x from run to run: compare the ratios of one invocation, not figures across runs.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build="$root/build"
runs=5
only=""
python=${GB_TORCH_PYTHON:-/usr/bin/python3} # Debian's python3-torch runs only there

while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=${2:?--runs needs a value}; shift 2 ;;
    --only) only=${2:?--only needs a value}; shift 2 ;;
    --build) build=${2:?--build needs a value}; shift 2 ;;
    -h|--help) sed -n '3,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run-train-bench.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done

models="mlp1 mlp2 cnn lstm"
if [ -n "$only" ]; then
  case " $models " in
    *" $only "*) models=$only ;;
    *) echo "run-train-bench.sh: unknown model '$only' (mlp1|mlp2|cnn|lstm)" >&2; exit 2 ;;
  esac
fi

# -- build ---------------------------------------------------------------------------------
if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" "$root" >/dev/null
fi
ninja -C "$build" bench/bench-train >/dev/null
bench="$build/bench/bench-train"

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
       "(apt-get install --no-install-recommends python3-torch; it runs with $python)" >&2
fi

data=$(mktemp -d "${TMPDIR:-/tmp}/gb-train-bench.XXXXXX")
trap 'rm -rf "$data"' EXIT
if [ "$have_torch" = 1 ]; then
  "$bench" --dump-data "$data" 2>/dev/null
fi

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
echo "Machine: $cpu, $(getconf _NPROCESSORS_ONLN) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at start"
echo "OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset} OPENBLAS_NUM_THREADS=1; $runs run(s) per" \
     "model; one epoch, batch 64, Adam defaults"
echo

# -- run, alternating per model ------------------------------------------------------------
# Each side prints "impl,model,samples,steps,runs,median_s,min_s,max_s,ms_per_step".
declare -A ours theirs
core=""
for m in $models; do
  echo "== $m" >&2
  out=$("$bench" --only "$m" --runs "$runs" --csv || true)
  ours[$m]=$(echo "$out" | grep "^glassbox,$m," || true)
  core=$(echo "$out" | sed -n 's/^# openblas_core=\([^ ]*\).*/\1/p')
  [ -n "${ours[$m]}" ] || echo "   glassbox $m failed (see above)" >&2
  theirs[$m]=""
  if [ "$have_torch" = 1 ]; then
    theirs[$m]=$("$python" "$root/bench/bench_train_torch.py" --data "$data" --only "$m" \
                   --runs "$runs" --csv | grep "^torch,$m," || true)
    [ -n "${theirs[$m]}" ] || echo "   torch $m failed (see above)" >&2
  fi
done

# -- table ---------------------------------------------------------------------------------
field() { # field CSV-LINE N: the Nth value, or nothing
  [ -n "$1" ] && echo "$1" | cut -d, -f"$2"
}

seconds() { # 0.572874 -> 0.573
  [ -n "$1" ] && awk -v s="$1" 'BEGIN { printf "%.3f", s }'
}

title() {
  case "$1" in
    mlp1) echo "MLP 784-128-10" ;;
    mlp2) echo "MLP 784-256-128-10" ;;
    cnn) echo "LeNet-style CNN" ;;
    lstm) echo "LSTM 8x256, 32 units" ;;
  esac
}

target() {
  case "$1" in
    mlp1|mlp2) echo 1.5 ;;
    *) echo 3 ;;
  esac
}

echo "| model | Glassbox s/epoch (median) | PyTorch s/epoch (median) |" \
     "speed ratio (torch/ours) | target |"
echo "|---|---:|---:|---:|---|"
for m in $models; do
  a=$(field "${ours[$m]}" 6 || true)
  b=$(field "${theirs[$m]}" 6 || true)
  t=$(target "$m")
  if [ -n "$a" ] && [ -n "$b" ]; then
    ratio=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2fx", b / a }')
    met=$(awk -v a="$a" -v b="$b" -v t="$t" 'BEGIN { print (b / a >= t) ? "met" : "not met" }')
  else
    ratio="n/a"
    met="n/a"
  fi
  na=$([ "$have_torch" = 1 ] && echo failed || echo n/a)
  printf '| %s | %s | %s | %s | %sx (%s) |\n' "$(title "$m")" "$(seconds "$a" || echo failed)" \
    "$(seconds "$b" || echo "$na")" "$ratio" "$t" "$met"
done

echo
echo "Raw figures (impl,model,samples,steps,runs,median_s,min_s,max_s,ms_per_step):"
for m in $models; do
  [ -n "${ours[$m]}" ] && echo "  ${ours[$m]}"
  [ -n "${theirs[$m]}" ] && echo "  ${theirs[$m]}"
done
echo "Glassbox ran on OpenBLAS core ${core:-unknown} with one BLAS thread."
echo "Load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"

if [ "$have_torch" = 0 ]; then
  echo "PyTorch not available; install python3-torch" >&2
  exit 1
fi

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# run-fuzz.sh EXE NAME FUZZ_SOURCE_DIR FUZZ_BUILD_DIR: replays the target's past crashes, then
# fuzzes for $GB_FUZZ_SECONDS (default 30) seconds starting from its seed corpus. New inputs go
# to FUZZ_BUILD_DIR/work/NAME, never into the committed corpus; a crash leaves its input in
# FUZZ_BUILD_DIR/crashes/NAME and fails.
set -euo pipefail
exe=$1 name=$2 src=$3 build=$4
seconds=${GB_FUZZ_SECONDS:-30}
regressions="$src/../tests/fuzz-regressions/$name"
work="$build/work/$name"
crashes="$build/crashes/$name"
mkdir -p "$work" "$crashes"
# allocator_may_return_null: a corrupt MAT 7.3 file makes HDF5 ask for ~100 TB; glibc's malloc
# returns NULL and HDF5 reports an error, and so must ASan's instead of aborting.
export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:abort_on_error=1:detect_leaks=1:allocator_may_return_null=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$src/../tests/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
# A lone malloc of a few GB is what a trusting length field in a library asks for (libmatio
# does); flag it only beyond 4 GB, but keep the RSS limit for real growth.
# libFuzzer's default exit status for a finding, 77, means "skipped" to meson: use 1.
common=(-rss_limit_mb=2560 -timeout=20 -malloc_limit_mb=4096 -error_exitcode=1)
# libmatio also allocates what compressed variables claim before inflating them; the reader
# checks what it can (gb-eeg-mat.c), and an untouched allocation costs nothing: only RSS counts.
if [ "$name" = mat ]; then
  common=(-rss_limit_mb=2560 -timeout=20 -malloc_limit_mb=65536 -error_exitcode=1)
fi
if [ -d "$regressions" ] && [ -n "$(ls -A "$regressions")" ]; then
  "$exe" "${common[@]}" "$regressions"/*
fi
"$exe" "${common[@]}" -max_total_time="$seconds" -print_final_stats=1 \
  -artifact_prefix="$crashes/" "$work" "$src/corpus/$name"

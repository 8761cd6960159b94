#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs the engine and CLI test programs once under valgrind's memcheck, with GLib's and GTK's
# own suppression files plus tests/valgrind.supp (third-party libraries only), and fails when
# memcheck reports an error or a definite/indirect leak in any of them.
#   tests/run-valgrind.sh [BUILD_DIR] [TEST...]   (default: build-valgrind, the engine suite and
#                                                  test-cli)
# valgrind cannot run AVX-512 code, so BUILD_DIR is configured (once) with -Dnative=false.
# Not part of ./run.sh test: see README.md ("Fuzzing and memory checkers") for the time it takes.
set -uo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
build=${1:-build-valgrind}
shift || true
if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" -Dnative=false --buildtype=debugoptimized >/dev/null || exit 1
fi
ninja -C "$build" >/dev/null || exit 1
tests=("$@")
if [ ${#tests[@]} -eq 0 ]; then
  tests=(test-arch test-layers test-conv test-json test-safetensors test-model-file test-optim
    test-recurrent test-prm test-train test-eeg-sim test-eeg-mat test-eeg-xdf test-eeg-filter
    test-eeg-file test-cli)
fi
supp=()
for f in /usr/share/glib-2.0/valgrind/glib.supp /usr/share/gtk-4.0/valgrind/gtk.supp \
  tests/valgrind.supp; do
  [ -f "$f" ] && supp+=("--suppressions=$(readlink -f "$f")")
done
logs="$build/valgrind"
mkdir -p "$logs"
vg=(valgrind --tool=memcheck --error-exitcode=99 --leak-check=full
  --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect
  --track-origins=no --num-callers=30 "${supp[@]}")
export OPENBLAS_NUM_THREADS=1 G_SLICE=always-malloc G_DEBUG=gc-friendly
export G_TEST_SRCDIR="$PWD/tests" G_TEST_BUILDDIR="$PWD/$build/tests"
export GB_SOURCE_DIR="$PWD"
failed=0
for t in "${tests[@]}"; do
  start=$(date +%s)
  if [ "$t" = test-cli ]; then
    # Each glassbox-cli the test starts runs under memcheck too.
    printf '#!/bin/sh\nexec %s --log-file=%s/cli-%%p.log %q "$@"\n' "${vg[*]}" "$PWD/$logs" \
      "$PWD/$build/src/cli/glassbox-cli" > "$logs/glassbox-cli"
    chmod +x "$logs/glassbox-cli"
    GB_CLI="$PWD/$logs/glassbox-cli" "${vg[@]}" --log-file="$logs/$t.log" \
      "$build/tests/$t" > "$logs/$t.out" 2>&1
  else
    "${vg[@]}" --log-file="$logs/$t.log" "$build/tests/$t" > "$logs/$t.out" 2>&1
  fi
  rc=$?
  summary=$(grep -h "ERROR SUMMARY" "$logs/$t.log" | head -1 | sed 's/^==[0-9]*== //')
  echo "$t: exit $rc, $summary ($(($(date +%s) - start)) s)"
  [ $rc -ne 0 ] && failed=1
done
if [ -n "$(ls "$logs"/cli-*.log 2>/dev/null)" ]; then
  bad=$(grep -L "ERROR SUMMARY: 0 errors" "$logs"/cli-*.log | wc -l)
  echo "glassbox-cli runs: $(ls "$logs"/cli-*.log | wc -l), with errors: $bad"
  [ "$bad" -ne 0 ] && failed=1
fi
exit $failed

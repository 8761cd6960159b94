/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>

#include "gb-alloc.h"
#include "gb-dataset.h"
#include "gb-eeg-file.h"
#include "gb-eeg.h"
#include "gb-idx.h"
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

static char *
join(const char *a, const char *b, const char *c)
{
  size_t n = strlen(a) + strlen(b) + (c ? strlen(c) : 0) + 3;
  char *s = gb_malloc(n);
  if (s != NULL && c != NULL)
    snprintf(s, n, "%s/%s/%s", a, b, c);
  else if (s != NULL)
    snprintf(s, n, "%s/%s", a, b);
  return s;
}

static bool
is_file(const char *path)
{
  struct stat sb;
  return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

char *
gb_dataset_default_data_dir(void)
{
  const char *dir = getenv("GB_DATA_DIR");
  if (dir != NULL && *dir)
    return gb_strdup(dir);
  dir = getenv("XDG_DATA_HOME");
  if (dir != NULL && *dir)
    return join(dir, "glassbox", "data");
  dir = getenv("HOME");
  if (dir != NULL && *dir)
    return join(dir, ".local/share/glassbox", "data");
  return NULL;
}

/* An IDX image file and the labels beside it. */
static GbDataset *
open_idx_path(const char *name, const char *images, GbError *err)
{
  char *labels = gb_idx_find_labels(images, err);
  if (labels == NULL)
    return NULL;
  GbDataset *ds = gb_idx_load_dataset(name, images, labels, err);
  gb_free(labels);
  return ds;
}

/* @prefix-images-idx3-ubyte[.gz] in @dir; @hint says how to get it when it is missing. */
static GbDataset *
open_standard(const char *source, const char *dir, const char *prefix, const char *hint,
              GbError *err)
{
  char file[64];
  snprintf(file, sizeof file, "%s-images-idx3-ubyte.gz", prefix);
  char *images = join(dir, file, NULL);
  if (images != NULL && !is_file(images))
    images[strlen(images) - 3] = '\0'; /* the uncompressed name */
  if (images == NULL) {
    gb_error_set(err, GB_ERR_NOMEM, "%s: out of memory", source);
    return NULL;
  }
  GbDataset *ds = NULL;
  if (!is_file(images))
    gb_error_set(err, GB_ERR_IO, "%s: not found in %s; %s", source, dir, hint);
  else
    ds = open_idx_path(source, images, err);
  gb_free(images);
  return ds;
}

static GbDataset *
open_mnist(const char *source, const char *data_dir, const char *prefix, GbError *err)
{
  char *dflt = data_dir ? NULL : gb_dataset_default_data_dir();
  const char *base = data_dir ? data_dir : dflt;
  if (base == NULL) {
    gb_error_set(err, GB_ERR_IO, "%s: no data directory (set GB_DATA_DIR or HOME)", source);
    return NULL;
  }
  char *dir = join(base, GB_MNIST_SUBDIR, NULL);
  gb_free(dflt);
  if (dir == NULL) {
    gb_error_set(err, GB_ERR_NOMEM, "%s: out of memory", source);
    return NULL;
  }
  GbDataset *ds =
      open_standard(source, dir, prefix, "run ./run.sh or 'glassbox-cli data fetch'", err);
  gb_free(dir);
  return ds;
}

static GbDataset *
open_fashion(const char *source, const char *prefix, GbError *err)
{
  const char *dir = getenv("GB_FASHION_MNIST_DIR");
  if (dir == NULL || *dir == '\0')
    dir = GB_FASHION_MNIST_DIR;
  return open_standard(source, dir, prefix,
                       "install the Debian package dataset-fashion-mnist", err);
}

GbDataset *
gb_dataset_open(const char *source, GbError *err)
{
  return gb_dataset_open_in(source, NULL, err);
}

/* EEG epochs as a plain data set: trials of (time, channels), labels 0/1. */
static GbDataset *
open_eeg(const char *path, GbError *err)
{
  GbEegSet *set = gb_eeg_set_open(path, err);
  if (set == NULL)
    return NULL;
  GbDataset *ds = set->data;
  set->data = NULL;
  gb_free(ds->name);
  ds->name = gb_strdup(path);
  gb_eeg_set_free(set);
  if (ds->name == NULL) {
    gb_dataset_free(ds);
    gb_error_set(err, GB_ERR_NOMEM, "%s: out of memory", path);
    return NULL;
  }
  return ds;
}

GbDataset *
gb_dataset_open_in(const char *source, const char *data_dir, GbError *err)
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
  if (strcmp(source, "mnist-train") == 0 || strcmp(source, "mnist-test") == 0)
    return open_mnist(source, data_dir, strcmp(source, "mnist-train") == 0 ? "train" : "t10k", err);
  if (strcmp(source, "fashion-train") == 0 || strcmp(source, "fashion-test") == 0)
    return open_fashion(source, strcmp(source, "fashion-train") == 0 ? "train" : "t10k", err);
  if (strchr(source, '/') != NULL || is_file(source)) {
    if (!is_file(source)) {
      gb_error_set(err, GB_ERR_IO, "%s: no such file", source);
      return NULL;
    }
    const char *base = strrchr(source, '/');
    if (gb_eeg_path_is_recording(source) || gb_eeg_file_is_eeg_set(source))
      return open_eeg(source, err);
    return open_idx_path(base ? base + 1 : source, source, err);
  }
  gb_error_set(err, GB_ERR_INVALID,
               "unknown data source '%s' (known: synthetic-images[:N[:SIZE[:SEED]]], "
               "synthetic-sequences[:N[:STEPS[:CHANNELS[:SEED]]]], mnist-train, mnist-test, "
               "fashion-train, fashion-test, the path of an IDX image file, or of EEG epochs: "
               "a Glassbox EEG set, a BCI Competition III .mat, an EDF/BDF/GDF recording)",
               source);
  return NULL;
}

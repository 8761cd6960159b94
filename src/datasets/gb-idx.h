/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gb-dataset.h"
#include "gb-status.h"

/* IDX files, the format MNIST and Fashion-MNIST ship in: a big-endian header
 * (0, 0, dtype, ndim, then ndim 32-bit dimensions) followed by the values, row-major.
 * Only unsigned bytes (dtype 0x08) are read and written: images are (n, rows, cols), magic
 * 0x00000803, labels are (n), magic 0x00000801. A file may be gzip-compressed; the reader
 * tells by the first two bytes (1f 8b), not by the name. */

#define GB_IDX_MAGIC_IMAGES 0x00000803u
#define GB_IDX_MAGIC_LABELS 0x00000801u
/* The largest image file accepted, in pixels (MNIST's training set has 47 million). */
#define GB_IDX_MAX_VALUES 100000000u

typedef struct {
  int ndim;      /* 1 for labels, 3 for images */
  int dim[3];    /* (n) or (n, rows, cols) */
  size_t size;   /* product of the dimensions */
  uint8_t *data; /* owned; gb_idx_array_clear() */
} GbIdxArray;

void gb_idx_array_clear(GbIdxArray *a);

/* Reads an IDX file of unsigned bytes with @ndim dimensions (3: images, 1: labels). Checks the
 * magic number, the dtype, the number of dimensions, that the dimensions are sane and that
 * the data that follows is exactly as long as they say (no truncation, no trailing bytes).
 * Messages start with @path. */
GbStatus gb_idx_read(const char *path, int ndim, GbIdxArray *out, GbError *err);

/* Writes @a to @path (gzip-compressed when @gzip) through a temporary file in the same
 * directory that is renamed over @path only when complete. */
GbStatus gb_idx_write(const char *path, const GbIdxArray *a, bool gzip, GbError *err);
GbStatus gb_idx_write_images(const char *path, int n, int rows, int cols, const uint8_t *pixels,
                             bool gzip, GbError *err);
GbStatus gb_idx_write_labels(const char *path, int n, const uint8_t *labels, bool gzip,
                             GbError *err);

/* Loads an image file and its label file as a data set named @name: samples (1, rows, cols)
 * scaled to [0, 1], 10 classes. The two files must hold the same number of items, and every
 * label must be in 0..9. */
GbDataset *gb_idx_load_dataset(const char *name, const char *images_path, const char *labels_path,
                               GbError *err);

/* Writes a data set of (1, rows, cols) samples in [0, 1] (rounded to bytes) and labels 0..255
 * as an image and a label file. */
GbStatus gb_idx_write_dataset(const GbDataset *ds, const char *images_path,
                              const char *labels_path, bool gzip, GbError *err);

/* The label file that goes with an image file by the standard naming
 * (train-images-idx3-ubyte[.gz] -> train-labels-idx1-ubyte[.gz], t10k-... likewise):
 * the first existing candidate, preferring the same compression as the images.
 * Returns an owned string (gb_free), or NULL with a message when none exists. */
char *gb_idx_find_labels(const char *images_path, GbError *err);

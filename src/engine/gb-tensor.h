/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "gb-status.h"

#define GB_MAX_DIMS 4

/* A shape of up to four dimensions. Layers describe one sample (no batch dimension):
 * (n) for vectors, (time, features) for sequences, (channels, height, width) for images. */
typedef struct {
  int ndim;
  int dim[GB_MAX_DIMS];
} GbShape;

GbShape gb_shape_make(int ndim, const int *dims);
GbShape gb_shape_1d(int a);
GbShape gb_shape_2d(int a, int b);
GbShape gb_shape_3d(int a, int b, int c);
size_t gb_shape_size(const GbShape *s);
bool gb_shape_equal(const GbShape *a, const GbShape *b);
/* Writes "1x28x28" into @buf. */
const char *gb_shape_format(const GbShape *s, char *buf, size_t len);
/* Parses "1x28x28" (or "784"); every dimension must be >= 1. */
GbStatus gb_shape_parse(const char *text, GbShape *out, GbError *err);

/* A dense, row-major float32 tensor that owns its data. */
typedef struct {
  GbShape shape;
  size_t size;
  float *data;
} GbTensor;

GbTensor *gb_tensor_new(const GbShape *shape, GbError *err);
GbTensor *gb_tensor_dup(const GbTensor *t, GbError *err);
void gb_tensor_free(GbTensor *t);
void gb_tensor_fill(GbTensor *t, float value);
/* Changes the shape, keeping the data; the sizes must agree. */
GbStatus gb_tensor_reshape(GbTensor *t, const GbShape *shape, GbError *err);
/* Index of the first NaN or infinity in @x[0..n), or -1 when all are finite. */
long gb_floats_find_nonfinite(const float *x, size_t n);

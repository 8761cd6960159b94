/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Private to src/xai. Many explanation methods run the model on inputs that are linear
 * combinations of a few fixed vectors (a path between two inputs, an input with segments
 * swapped for a background row, an input with a window occluded). When the model starts with
 * an affine layer L (dense or conv2d, after flatten layers only), L of such an input is the same
 * combination of a few L or J values (J: L without its bias), so L need not run again for each
 * input: the methods run the model from layer a + 1 on. This is exact algebra; only the float
 * rounding differs from the plain path. */

#include <stdbool.h>
#include <stddef.h>

#include "gb-model.h"

typedef struct {
  GbModel *model;
  int layer;        /* index a of the affine layer */
  GbLayerKind kind; /* GB_LAYER_DENSE or GB_LAYER_CONV2D */
  size_t n_in;      /* its input size: the model's input size */
  size_t h;         /* its output size */
  double row_cost;  /* its multiply-adds per input row */
} GbAffinePrefix;

/* Fills @p and returns true when @m is flatten layers, then a dense or conv2d layer, then at
 * least one more layer, and the factorization is enabled. */
bool gb_affine_prefix_find(GbModel *m, GbAffinePrefix *p);
/* v (rows, n_in) -> out (rows, h) = L(v). Runs the model's layers [0, a] (a forward, so the
 * model's cached activations change); rows must fit the batch the caller reserved. */
GbStatus gb_affine_prefix_apply(const GbAffinePrefix *p, const float *v, int rows, float *out,
                                GbError *err);
/* d (rows, n_in) -> out (rows, h) = J(d) = L(d) - L(0), the linear part. Dense: one sgemm
 * with the weights; conv2d: L(d) minus the bias. Same batch rule as apply. */
GbStatus gb_affine_prefix_linear(const GbAffinePrefix *p, const float *d, int rows, float *out,
                                 GbError *err);
/* The weights of a dense layer a: (h, n_in), row-major; NULL for conv2d. */
const float *gb_affine_prefix_dense_weight(const GbAffinePrefix *p);

/* FOR TESTS ONLY: process-wide switch (on by default). Off, gb_affine_prefix_find() returns
 * false, so every method takes its plain path; tests compare the two. Not thread-safe. */
void gb_affine_prefix_set_enabled(bool on);
bool gb_affine_prefix_get_enabled(void);
/* Methods call this when they commit to the factored path; tests read the count to know the
 * path they compare was really taken. */
void gb_affine_prefix_note_use(void);
long gb_affine_prefix_uses(void);

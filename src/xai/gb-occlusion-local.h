/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Private to src/xai. Occlusion on a CNN changes only a window of the input, and each layer of
 * the model's spatial prefix (conv2d, pools, element-wise activations, dropout over (c, h, w))
 * changes only the outputs whose receptive field meets the changed rectangle of its input. So
 * per window only that rectangle is recomputed, layer after layer, beside the activations of
 * the unoccluded input x kept from one forward; the rest of the model (flatten, dense...) runs
 * on a batch of the last spatial layer's outputs. Exact algebra: only the float rounding of the
 * recomputed outputs differs from the plain path. */

#include <stdbool.h>

#include "gb-model.h"

/* A rectangle of a plane, half-open: rows [y0, y1), columns [x0, x1); empty when y0 >= y1. */
typedef struct {
  int y0, y1, x0, x1;
} GbOccRect;

typedef struct GbOcclusionLocal GbOcclusionLocal;

/* Window @k of the caller's occlusion grid @grid. */
typedef GbOccRect (*GbOccWindowFn)(const void *grid, int k);

/* Plans the local path for occluding @x (the model's (c, h, w) input) with @xb over the
 * windows window(grid, 0 .. n_windows - 1), in batches of up to @batch windows. *out stays
 * NULL (and GB_OK) when the model has no spatial prefix with a conv2d, when the factoring of
 * gb-affine-prefix.h is switched off, or when the local path would not save work over the
 * other paths; otherwise *out is ready: the activations of x were computed (one forward, so
 * the model's cached activations change). @x, @xb and @grid are borrowed until freed. */
GbStatus gb_occlusion_local_new(GbModel *m, const float *x, const float *xb, GbOccWindowFn window,
                                const void *grid, int n_windows, int batch, GbOcclusionLocal **out,
                                GbError *err);
void gb_occlusion_local_free(GbOcclusionLocal *lo);
/* Windows [first, first + nb) -> *rows: (nb, output size of the last spatial layer), each the
 * last spatial layer's output for x occluded by that window, valid until the next call; *from:
 * the first layer the caller runs on them. */
GbStatus gb_occlusion_local_rows(GbOcclusionLocal *lo, int first, int nb, const float **rows,
                                 int *from, GbError *err);

/* FOR TESTS ONLY: take the local path whenever the model allows it, whatever it saves.
 * Process-wide, not thread-safe. */
void gb_occlusion_local_set_forced(bool on);
/* How many times the local path was taken (each also counts as a gb_affine_prefix_note_use()),
 * so tests can tell it from the first-layer factoring. */
long gb_occlusion_local_uses(void);

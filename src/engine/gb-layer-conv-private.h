/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stdbool.h>

/* Shared between gb-layer-conv.c (the layer, im2col + gemm) and gb-layer-conv-direct.c (the
 * direct path for small filters). Shapes as in gb-layer-conv.c:
 *   x: (batch, c, h, w)  W: (f, c, k, k)  b: (f)  y: (batch, f, oh, ow) */
typedef struct {
  int c, h, w; /* input */
  int f, k, s, pad;
  int oh, ow; /* output */
  int ckk;    /* c k k: one filter's size, the rows of col */
  int ohw;    /* oh ow: one output plane */
} GbConvGeom;

typedef struct GbConvDirect GbConvDirect;

/* Whether the direct path is the faster one for this layer, forward and backward. */
bool gb_conv_direct_suits(const GbConvGeom *g);
/* Whether its forward is faster than im2col and a gemm (its backward being slower). */
bool gb_conv_direct_suits_forward(const GbConvGeom *g);
/* Scratch for the direct path, sized for one sample; NULL when out of memory. */
GbConvDirect *gb_conv_direct_new(const GbConvGeom *g);
void gb_conv_direct_free(GbConvDirect *d);

void gb_conv_direct_forward(GbConvDirect *d, const float *w, const float *b, const float *x,
                            float *y, int batch);
/* dx, or dw and db, may be NULL: that gradient is not computed. */
void gb_conv_direct_backward(GbConvDirect *d, const float *w, const float *x, const float *dy,
                             float *dx, float *dw, float *db, int batch);

/* The backward for a dy that is mostly zeros (gb-layer-conv-sparse.c), as under a max pooling. */
typedef struct GbConvSparse GbConvSparse;

/* Whether this build and layer can take it (AVX-512, offsets that fit 32 bits). */
bool gb_conv_sparse_supported(const GbConvGeom *g, int max_batch);
/* Scratch for batches of up to @max_batch; NULL when out of memory. */
GbConvSparse *gb_conv_sparse_new(const GbConvGeom *g, int max_batch);
void gb_conv_sparse_free(GbConvSparse *sp);
/* dx, or dw and db, may be NULL. Returns false, having written nothing, when dy has too many
 * non-zero values for this to pay or one that is not finite: the caller runs the dense path. */
bool gb_conv_sparse_backward(GbConvSparse *sp, const float *w, const float *x, const float *dy,
                             float *dx, float *dw, float *db, int batch);
/* For tests and measurements: the largest share of non-zero values in dy taken, for every layer
 * (0 switches the path off; clamped to 0.5; negative goes back to each layer's own limit), and
 * how many backwards the path has run. */
void gb_conv_sparse_set_max_density(double d);
unsigned long gb_conv_sparse_uses(void);

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

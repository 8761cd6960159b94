/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "gb-attribution.h"

/* Target gradients for batches of inputs, with the scratch sized once per call. */
typedef struct {
  GbModel *model;
  GbTarget target;
  size_t n_in;
  int n_out;
  int batch;       /* most inputs per forward/backward */
  float *dlogits;  /* (batch, n_out): one-hot rows (+1 at a, -1 at b) */
  float *xb;       /* (batch, n_in) inputs being assembled */
  float *dx;       /* (batch, n_in) their target gradients */
  double *f;       /* (batch) target values */
} GbGradBatch;

GbStatus gb_grad_batch_init(GbGradBatch *g, GbModel *m, const GbTarget *t, int batch,
                            GbError *err);
void gb_grad_batch_clear(GbGradBatch *g);
/* g->xb[0..nb) -> g->f[0..nb) = f, forward only. */
GbStatus gb_grad_batch_values(GbGradBatch *g, int nb, GbError *err);
/* Layers [from, n_layers) on @in (nb, input size of layer from) -> g->f[0..nb), forward only:
 * the values of inputs whose first layers' outputs are known (gb-affine-prefix.h). */
GbStatus gb_grad_batch_values_from(GbGradBatch *g, int from, const float *in, int nb,
                                   GbError *err);
/* g->xb[0..nb) -> g->dx[0..nb) = df/dx and g->f[0..nb) = f. */
GbStatus gb_grad_batch_run(GbGradBatch *g, int nb, GbError *err);

/* Size, finiteness and target checks shared by every method. */
GbStatus gb_attribution_check(GbModel *m, const float *x, size_t n_x, const GbTarget *t,
                              GbError *err);
/* Allocates out->values (n floats) with the given shape; diagnostics set to NAN. */
GbStatus gb_attribution_alloc(GbAttribution *out, const GbShape *shape, GbError *err);

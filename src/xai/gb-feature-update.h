/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "gb-model.h"

/* The output of a model's first affine layer (dense or conv2d, after flatten only), kept for a
 * batch of inputs and updated one changed input feature at a time. A curve that removes the
 * features of an input a few at a time then costs about two forwards of that layer per input
 * instead of one per point: for the digits MLP the first layer is 85% of a forward.
 * The running outputs are summed in double, so they stay closer to the exact values than a
 * float forward of the changed inputs.
 *
 *   z[i] = L(rows[i])                        gb_feature_update_start
 *   z[i] += J e_j delta   (feature j of input i changed by delta)   gb_feature_update_add
 *   logits of the model from layer a + 1 on z                       gb_feature_update_forward */
typedef struct {
  GbModel *m;
  int a;       /* index of the affine layer, or -1: the model has none at its start */
  GbLayer *layer;
  size_t d, h; /* input size; output size of layer a */
  int batch;
  double *z;   /* (batch, h) */
  float *zf;   /* (batch, h) z rounded for the forward */
  float *wt;   /* dense: (d, h) W transposed, a feature's weights contiguous; NULL for conv2d */
} GbFeatureUpdate;

/* Sets u->a = -1 (and allocates nothing) when the model does not start with an affine layer
 * (gb_affine_prefix_find; its test switch turns this off too). */
GbStatus gb_feature_update_init(GbFeatureUpdate *u, GbModel *m, int batch, GbError *err);
void gb_feature_update_clear(GbFeatureUpdate *u);
/* z[0..nb) = the affine layer's output for rows: (nb, d). */
GbStatus gb_feature_update_start(GbFeatureUpdate *u, const float *rows, int nb, GbError *err);
/* Feature j of input i changed by delta. */
void gb_feature_update_add(GbFeatureUpdate *u, int i, size_t j, double delta);
/* The logits of inputs 0..nb as they stand: *logits (nb, n_outputs), valid until the model's
 * next forward. */
GbStatus gb_feature_update_forward(GbFeatureUpdate *u, int nb, const float **logits,
                                   GbError *err);

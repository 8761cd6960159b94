/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stddef.h>

#include "gb-attribution.h"
#include "gb-model.h"
#include "gb-status.h"
#include "gb-train.h"

/* ---- Shattered gradients (Balduzzi et al. 2017) ---- */

typedef struct {
  double neighbour_corr; /* correlation of horizontally and vertically adjacent values: ~1 for
                          * a smooth map, ~0 for white noise */
  double tv_ratio;       /* mean |a_i - a_j| over neighbour pairs / mean |a_i|: 0 for a
                          * constant map, sqrt(2) for white noise */
} GbMapRoughness;

/* Neighbours on the (h, w) planes of a (c, h, w) shape, along time per channel for (t, ch),
 * along the vector for (n). GB_ERR_INVALID with fewer than 2 neighbour pairs. */
GbStatus gb_map_roughness(const float *a, const GbShape *shape, GbMapRoughness *out, GbError *err);

/* Mean roughness over samples of the plain gradient and of SmoothGrad's mean gradient, for one
 * model: deep ReLU networks give gradients that look like noise (low neighbour correlation),
 * which SmoothGrad averages away. */
typedef struct {
  int n_samples;
  GbMapRoughness gradient; /* means over samples */
  GbMapRoughness smoothgrad;
  double gradient_corr_sd, smoothgrad_corr_sd; /* sd over samples of neighbour_corr */
} GbShatteredSummary;

/* The first @n_samples rows of @data (all when <= 0), each explained for its predicted class;
 * @smooth (NULL: defaults) with its map forced to GB_SMOOTH_GRADIENT, the signed gradient,
 * like the plain gradient it is compared with. Progress counts samples. */
GbStatus gb_shattered_gradients(GbModel *m, const GbDataView *data, int n_samples,
                                const GbSmoothConfig *smooth, GbProgressFn progress, void *user,
                                GbShatteredSummary *out, GbError *err);

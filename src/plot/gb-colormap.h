/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stddef.h>

/* Colour maps: t in [0, 1] -> sRGB, linear interpolation between published control points.
 *
 * GB_COLORMAP_DIVERGING: ColorBrewer "RdBu", 11 classes (Cynthia Brewer, colorbrewer2.org;
 *   the same table as matplotlib's RdBu), reversed so 0 is dark blue, 0.5 is near white
 *   (#f7f7f7) and 1 is dark red. Marked colour-blind safe by ColorBrewer. For signed relevance:
 *   negative evidence blue, positive red, no evidence white, so it can sit over an image.
 * GB_COLORMAP_VIRIDIS: the sequential map of van der Walt, Smith and Firing (matplotlib's
 *   default, CC0), every 8th entry of its published 256-entry table plus the last one; the
 *   interpolation stays within 0.0066 (1.7/255) of the full table. For magnitudes. */
typedef enum {
  GB_COLORMAP_DIVERGING,
  GB_COLORMAP_VIRIDIS,
} GbColormap;

typedef struct {
  double r, g, b; /* sRGB in [0, 1] */
} GbRgb;

/* Colour at @t; @t is clamped to [0, 1] and NaN gives the map's centre (t = 0.5). */
GbRgb gb_colormap_lookup(GbColormap map, double t);

/* Symmetric scaling for signed data: [-max_abs, +max_abs] -> [0, 1] with 0 -> 0.5, clamped.
 * A non-positive or non-finite @max_abs maps everything to 0.5. */
double gb_colormap_symmetric(double v, double max_abs);

/* Largest |v| over the finite values of @v (0 when there are none). */
double gb_colormap_max_abs(const float *v, size_t n);

/* Smallest and largest finite values of @v (both 0 when there are none). */
void gb_colormap_range(const float *v, size_t n, double *lo, double *hi);

/* The published control points, for tests and legends: *n_out receives their count, each
 * point is {t, r, g, b}. */
const double (*gb_colormap_control_points(GbColormap map, size_t *n_out))[4];

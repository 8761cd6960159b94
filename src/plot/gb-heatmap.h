/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <cairo.h>
#include <stdbool.h>

#include "gb-colormap.h"
#include "gb-plot.h"
#include "gb-status.h"

/* A relevance map over its input image, with a colour bar and a title.
 *
 * image, relevance: (height, width) row-major, row 0 at the top. Either may be NULL (the map
 * alone, or the image alone), not both. Each input cell becomes a crisp square block
 * (nearest-neighbour), the blocks fill as much of the area as the aspect ratio allows. */
typedef struct {
  const float *image;     /* gray levels in [0, 1]: 0 black, 1 white (clamped) */
  const float *relevance; /* any finite values; NaN/inf cells are left transparent */
  int height, width;
  bool invert_image;      /* draw 1 as black (dark ink on white paper) */
  double opacity;         /* of the relevance over the image, [0, 1]; ignored without image */
  GbColormap colormap;    /* DIVERGING: symmetric, 0 at the centre; VIRIDIS: [lo, hi] */
  double scale_max;       /* > 0: fixed scale, +-scale_max (DIVERGING) or [0, scale_max]
                           * (VIRIDIS); 0: from the data, max |v| or [min, max] */
  const char *title;      /* NULL: no title */
  bool show_colorbar;     /* needs relevance */
  const char *colorbar_label; /* under the colour bar's ticks, e.g. "relevance"; NULL: none */
} GbHeatmap;

/* Where each part goes for a given area; also what the GUI needs to map the pointer to a cell. */
typedef struct {
  double font_size;
  GbPlotRect title;    /* zero size without a title */
  GbPlotRect image;    /* the width x height cells */
  GbPlotRect colorbar; /* the gradient strip; zero size without a colour bar */
  double lo, hi;       /* values at the bottom and top of the colour bar */
} GbHeatmapLayout;

void gb_heatmap_layout(const GbHeatmap *h, GbPlotRect area, GbHeatmapLayout *out);

/* Draws @h into @area of @cr. GB_ERR_INVALID without image and relevance, GB_ERR_SHAPE for
 * non-positive or huge dimensions, GB_ERR_NOMEM when Cairo cannot allocate. */
GbStatus gb_heatmap_draw(cairo_t *cr, const GbHeatmap *h, GbPlotRect area, GbError *err);

/* The colour of one relevance value under @h's scale (lo, hi from the layout). */
GbRgb gb_heatmap_value_rgb(const GbHeatmap *h, double lo, double hi, double v);

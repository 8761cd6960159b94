/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <cairo.h>

#include "gb-colormap.h"
#include "gb-plot.h"
#include "gb-status.h"

/* A colour bar on its own, for figures whose panels share one scale (a grid of scalp maps):
 * a vertical strip of @map from @lo (bottom) to @hi (top) with tick values at lo, 0 (when
 * inside) and hi right of it, and @label (may be NULL) under it, fitted into @area. Colours
 * follow the heatmap's: DIVERGING is symmetric, +-hi at its ends. @font_size <= 0: from the
 * area. GB_ERR_INVALID when @hi < @lo or either is not finite. */
GbStatus gb_colorbar_draw(cairo_t *cr, GbColormap map, double lo, double hi, const char *label,
                          double font_size, GbPlotRect area, GbError *err);

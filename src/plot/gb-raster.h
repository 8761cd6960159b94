/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <cairo.h>
#include <stdbool.h>

#include "gb-colormap.h"
#include "gb-plot.h"
#include "gb-status.h"

/* A matrix of values as coloured cells with labelled axes and a colour bar: a unit x time
 * raster (columns at times in ms, rows numbered), a transition table or a correlation matrix
 * (rows and columns named, each cell's value printed). Row 0 is at the top. */
typedef struct {
  const float *values;  /* (rows, cols); NaN cells are drawn light grey */
  int rows, cols;
  GbColormap colormap;  /* DIVERGING: symmetric around 0; VIRIDIS: [lo, hi] */
  double scale_max;     /* > 0: fixed, +-scale_max or [0, scale_max]; 0: from the data */
  /* Columns: x_lo and x_hi are the values at the first and last columns' centres (e.g. ms),
   * with round ticks between; x_lo == x_hi: the column labels or indices. */
  double x_lo, x_hi;
  const char *const *col_labels; /* cols names; NULL: numbers */
  const char *const *row_labels; /* rows names; NULL: numbers from 0 */
  double x_mark;        /* a dashed vertical line at this x (e.g. the onset 0); NaN: none */
  bool annotate;        /* print each cell's value (for small matrices) */
  const char *title, *x_label, *y_label, *colorbar_label; /* NULL: none */
  bool show_colorbar;
} GbRaster;

typedef struct {
  double font_size;
  GbPlotRect title, cells, colorbar; /* zero size when absent */
  double lo, hi;                     /* the colour bar's ends */
} GbRasterLayout;

void gb_raster_layout(cairo_t *cr, const GbRaster *r, GbPlotRect area, GbRasterLayout *out);
/* GB_ERR_INVALID without values, GB_ERR_SHAPE for rows or cols < 1. */
GbStatus gb_raster_draw(cairo_t *cr, const GbRaster *r, GbPlotRect area, GbError *err);

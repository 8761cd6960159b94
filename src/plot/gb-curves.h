/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <cairo.h>
#include <stdbool.h>

#include "gb-plot.h"
#include "gb-status.h"

/* A line chart of several named curves y(x) on shared axes: explainability-performance curves
 * beside the random ranking's mean and its sd band, loss curves, and the like. */

/* Okabe & Ito (2008), "Color Universal Design": distinguishable under the common colour vision
 * deficiencies. Curves without a fixed colour take them in this order; yellow comes last
 * because it is faint on white. */
#define GB_CURVES_BLUE_RGB 0x0072b2
#define GB_CURVES_VERMILLION_RGB 0xd55e00
#define GB_CURVES_GREEN_RGB 0x009e73
#define GB_CURVES_PURPLE_RGB 0xcc79a7
#define GB_CURVES_ORANGE_RGB 0xe69f00
#define GB_CURVES_SKY_BLUE_RGB 0x56b4e9
#define GB_CURVES_YELLOW_RGB 0xf0e442
#define GB_CURVES_BLACK_RGB 0x000000
#define GB_CURVES_PALETTE_SIZE 8

#define GB_CURVES_GRID_RGB 0xe4e4e4
/* A band is its curve's colour at this opacity over the background. */
#define GB_CURVES_BAND_ALPHA 0.2

typedef struct {
  const char *name;       /* legend label; NULL: the curve has no legend entry */
  const char *annotation; /* after the name in the legend, e.g. "EPC 0.978"; NULL: none */
  const double *x, *y;    /* n points, drawn in order; a non-finite point breaks the line */
  const double *sd;       /* n: a shaded band from y - sd to y + sd; NULL: no band */
  int n;
  bool fixed_rgb;         /* false: the next unused palette colour */
  unsigned rgb;           /* 0xRRGGBB when fixed_rgb */
  bool dashed;
  bool markers;           /* a dot at each point */
} GbCurve;

typedef enum {
  GB_CURVES_LEGEND_RIGHT, /* a column right of the plot area */
  GB_CURVES_LEGEND_NONE,
} GbCurvesLegend;

typedef struct {
  const GbCurve *curves;
  int n_curves;
  const char *title;   /* NULL: none */
  const char *x_label; /* NULL: none */
  const char *y_label; /* NULL: none */
  /* Fixed ranges; otherwise x spans the data and y the data and bands, with a margin. Values
   * outside the range are clipped to the plot area. */
  bool x_fixed, y_fixed;
  double x_lo, x_hi, y_lo, y_hi;
  bool grid; /* light lines at the ticks */
  GbCurvesLegend legend;
} GbCurves;

typedef struct {
  double font_size;
  GbPlotRect title;  /* zero size without a title */
  GbPlotRect plot;   /* the curves' area: nothing is drawn outside it but axes, text, legend */
  GbPlotRect legend; /* zero size without one */
  double x_lo, x_hi, y_lo, y_hi; /* the values at the plot area's edges */
  double legend_row; /* height of one legend entry */
} GbCurvesLayout;

/* The palette colour of curve @i when no curve fixes its colour (wraps around). */
unsigned gb_curves_palette(int i);
/* The colour curve @i is drawn in. */
unsigned gb_curves_colour(const GbCurves *c, int i);

void gb_curves_layout(cairo_t *cr, const GbCurves *c, GbPlotRect area, GbCurvesLayout *out);
/* Device coordinates of the data point (@x, @y). */
void gb_curves_to_device(const GbCurvesLayout *l, double x, double y, double *dx, double *dy);
/* The swatch (line sample) of curve @i's legend entry; zero size when it has none. */
GbPlotRect gb_curves_legend_swatch(const GbCurves *c, const GbCurvesLayout *l, int i);

/* GB_ERR_INVALID for no curves, a curve with n < 1 or NULL x or y, or a fixed range that is
 * empty or not finite. */
GbStatus gb_curves_draw(cairo_t *cr, const GbCurves *c, GbPlotRect area, GbError *err);

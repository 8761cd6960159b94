/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <cairo.h>
#include <stdbool.h>

#include "gb-plot.h"
#include "gb-status.h"

typedef enum {
  GB_BARCHART_PROBABILITY, /* values in [0, 1], neutral bars, axis from 0 to at least 1 */
  GB_BARCHART_SIGNED,      /* SHAP-like values: positive and negative colours, a zero line */
} GbBarChartKind;

typedef enum {
  GB_BARCHART_HORIZONTAL, /* one row per value, bars grow right (or left when negative) */
  GB_BARCHART_VERTICAL,   /* one column per value, bars grow up (or down) */
} GbBarChartOrientation;

#define GB_BARCHART_NEUTRAL_RGB 0x9e9e9e  /* probability bars */
#define GB_BARCHART_POSITIVE_RGB 0xb2182b /* RdBu red: the diverging map at 0.9 */
#define GB_BARCHART_NEGATIVE_RGB 0x2166ac /* RdBu blue: the diverging map at 0.1 */
#define GB_BARCHART_GRID_RGB 0xe4e4e4     /* value-axis grid lines */
/* The highlighted bar uses GB_PLOT_HIGHLIGHT_RGB. */

typedef struct {
  GbBarChartKind kind;
  GbBarChartOrientation orientation;
  const float *values;       /* n values; non-finite ones draw no bar and print "nan"/"inf" */
  int n;
  const char *const *labels; /* n labels, or NULL for "0" .. "n-1" */
  int highlight;             /* index of the highlighted bar (the predicted class), -1: none */
  const char *title;         /* NULL: none */
  const char *axis_label;    /* e.g. "probability", "SHAP value"; NULL: none */
  bool show_values;          /* print each value at its bar's end */
  bool show_base_value;      /* annotate "base value = base_value" */
  double base_value;         /* SHAP: E[f(X)] */
  bool show_sum;             /* annotate "sum = ..." and, with the base value, "f(x) = ..." */
} GbBarChart;

typedef struct {
  double font_size;
  GbPlotRect title;  /* zero size without a title */
  GbPlotRect plot;   /* the bars' area */
  GbPlotRect notes;  /* base value and sum annotations; zero size without them */
  double lo, hi;     /* values at the value axis's ends */
  double zero;       /* device x (horizontal) or y (vertical) of the value 0 */
} GbBarChartLayout;

void gb_barchart_layout(cairo_t *cr, const GbBarChart *c, GbPlotRect area,
                        GbBarChartLayout *out);
/* The rectangle of bar @i (zero width or height for a zero or non-finite value). */
GbPlotRect gb_barchart_bar_rect(const GbBarChart *c, const GbBarChartLayout *l, int i);

/* GB_ERR_INVALID for n < 1 or a NULL values array; a @highlight out of range is ignored. */
GbStatus gb_barchart_draw(cairo_t *cr, const GbBarChart *c, GbPlotRect area, GbError *err);

/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stdbool.h>

#include "gb-barchart.h"
#include "gb-heatmap.h"
#include "gb-plot-export.h"
#include "gb-segments.h"
#include "gb-tensor.h"

/* Figures of the global views (issue 5), shared by glassbox-cli global and the application's
 * "Global views" page: grids of small heatmaps (class maps, prototypes, counterfactual before,
 * after and difference, adversarial clean and perturbed with their explanations) and bar charts
 * (probabilities, importance). */

/* One cell of a grid: a heatmap or a bar chart, owning its arrays and title. */
typedef struct {
  bool is_bar;
  GbHeatmap heat;
  GbBarChart bar;
  char title[96];
  float *image, *relevance, *values; /* owned */
} GbGlobalPanel;

/* Fills @p as a heatmap of @map (input layout of @shape; NULL: none) over @x (NULL: none) with
 * @title; @signed_map picks the diverging colour map. Images are shown summed over channels,
 * EEG (t, ch) as channels by time; EEG or vectors without a map show @x's values. */
void gb_global_panel_map(GbGlobalPanel *p, const GbShape *shape, const float *x, const float *map,
                         bool signed_map, const char *title);
/* A bar chart of @n class probabilities with the bar @highlight (-1: none) marked. */
void gb_global_panel_probabilities(GbGlobalPanel *p, const double *prob, int n, int highlight,
                                   const char *title);
/* Segment values (@seg->n_segments) as a map over the input, or a bar chart for vectors;
 * @label names the colour bar or value axis. */
void gb_global_panel_importance(GbGlobalPanel *p, const GbShape *shape, const GbSegments *seg,
                                const double *values, const char *title, const char *label);
void gb_global_panel_clear(GbGlobalPanel *p);

/* @n panels in rows of @cols cells. */
typedef struct {
  GbGlobalPanel *panels; /* owned */
  int n, cols;
} GbGlobalGrid;

/* A grid of @n zeroed panels (NULL when out of memory); @cols is clamped to 1..n. */
GbGlobalGrid *gb_global_grid_new(int n, int cols);
/* Clears every panel and frees the grid; NULL is fine. */
void gb_global_grid_free(GbGlobalGrid *g);
/* A GbPlotDrawFn over a GbGlobalGrid (@user): equal cells, row by row. */
GbStatus gb_global_grid_draw(void *user, cairo_t *cr, GbPlotRect area, GbError *err);
/* Draws @n panels of @panels (not owned) in rows of @cols into @area. */
GbStatus gb_global_panels_draw(const GbGlobalPanel *panels, int n, int cols, cairo_t *cr,
                               GbPlotRect area, GbError *err);

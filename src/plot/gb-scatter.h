/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <cairo.h>
#include <stdbool.h>

#include "gb-curves.h"
#include "gb-plot.h"
#include "gb-status.h"

/* A 2-D scatter of points coloured by group, under trajectories drawn as curves with a dot at
 * each step and text marks at chosen steps: PCA of hidden states, the points being (trial,
 * step) states coloured by class and the trajectories the class-mean paths through time. The
 * axes, legend and trajectories are gb-curves' own (gb_curves_draw on top of the points). */
typedef struct {
  const float *xy;          /* (n_points, 2); non-finite points are skipped */
  const int *group;         /* n_points, in [0, n_groups) */
  int n_points, n_groups;
  const unsigned *group_rgb; /* n_groups colours 0xRRGGBB */
  double point_alpha;        /* opacity of the points, (0, 1]; many points: about 0.15 */
  const GbCurve *trajectories; /* drawn over the points with dots at every step; may be 0 */
  int n_trajectories;
  /* n_marks text labels ("0 ms", "100 ms") at step mark_steps[i] of every trajectory. */
  const int *mark_steps;
  const char *const *mark_labels;
  int n_marks;
  int label_trajectory;     /* the trajectory whose marks carry text (the others get rings
                             * only); -1: every one */
  const char *title, *x_label, *y_label; /* NULL: none */
} GbScatter;

/* The axes' layout the figure uses (data ranges with a 5% margin), for mapping points. */
void gb_scatter_layout(cairo_t *cr, const GbScatter *s, GbPlotRect area, GbCurvesLayout *out);

/* GB_ERR_INVALID for points without groups or colours, or nothing to draw. */
GbStatus gb_scatter_draw(cairo_t *cr, const GbScatter *s, GbPlotRect area, GbError *err);

/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <cairo.h>

#include "gb-curves.h"
#include "gb-hidden.h"
#include "gb-plot-export.h"
#include "gb-plot.h"
#include "gb-raster.h"
#include "gb-scalpmap.h"
#include "gb-scatter.h"
#include "gb-status.h"

/* The figures of the hidden-state views (gb-hidden.h), built from the xai results for every
 * front end (glassbox-cli hidden, the app's Hidden states page). Each figure owns its numbers
 * and texts (copies of the strings given), is drawn by its GbPlotDrawFn with the figure as the
 * user pointer, and is released with its clear function. Texts are the caller's (translated)
 * words; numbers in axis labels are formatted here. */

/* Steps nearest @ms among @t_ms (T). */
int gb_hidden_step_at(const double *t_ms, int n_times, double ms);

/* ---- raster of unit selectivity ---- */

typedef struct {
  GbRaster raster;
  float *values; /* (units, T): d' of each unit at each step */
  char *title, *x_label, *y_label;
  int best_unit, best_step; /* the largest finite |d'| */
  double best_dprime;       /* signed */
  int n_selective;          /* units whose |d'| reaches 0.5 at some step */
} GbHiddenRasterFigure;

GbStatus gb_hidden_figure_raster(const GbHiddenStates *s, const double *t_ms, const char *title,
                                 const char *x_label, const char *y_label,
                                 GbHiddenRasterFigure *out, GbError *err);
void gb_hidden_raster_figure_clear(GbHiddenRasterFigure *f);
GbStatus gb_hidden_draw_raster(void *user, cairo_t *cr, GbPlotRect area, GbError *err);

/* ---- PCA of the pooled states ---- */

#define GB_HIDDEN_PCA_MARKS 16
#define GB_HIDDEN_SCATTER_POINTS 4000

typedef struct {
  GbScatter scatter;
  GbCurve traj[2];       /* class-mean trajectories on PC1/PC2: non-target, target */
  double *traj_xy;       /* (2 classes, 2 coords, T) behind traj */
  float *xy;             /* scattered states (subsampled evenly) */
  int *group;
  double *distance;      /* T: class-mean distance in the full state space */
  int n_times, peak_step; /* step of the largest distance */
  double explained[2];   /* fraction of the variance on PC1 and PC2 */
  double variance[5];    /* fraction on each of the first min(5, dim) axes */
  int dim;               /* units */
  int n_for_90;          /* components that explain 90 % */
  int mark_steps[GB_HIDDEN_PCA_MARKS];
  char mark_text[GB_HIDDEN_PCA_MARKS][16];
  const char *mark_labels[GB_HIDDEN_PCA_MARKS];
  char *title, *x_label, *y_label, *names[2];
} GbHiddenPcaFigure;

/* PCA of every state of @s, the states on PC1/PC2 coloured by class, class-mean trajectories
 * with rings every 100 ms. @names: the two trajectories' legend names. GB_ERR_INVALID for
 * fewer than two units. */
GbStatus gb_hidden_figure_pca(const GbHiddenStates *s, const double *t_ms, const char *title,
                              const char *const names[2], GbHiddenPcaFigure *out,
                              GbError *err);
/* Replaces the axis labels ("PC1 (23.9%)", "PC2 (19.1%)" by default). */
void gb_hidden_pca_figure_set_labels(GbHiddenPcaFigure *f, const char *x_label,
                                     const char *y_label);
void gb_hidden_pca_figure_clear(GbHiddenPcaFigure *f);
GbStatus gb_hidden_draw_pca(void *user, cairo_t *cr, GbPlotRect area, GbError *err);

/* ---- curves over time ---- */

typedef struct {
  GbCurves curves;
  GbCurve curve[3];
  double *data;    /* every curve's x, y and sd */
  char *title, *x_label, *y_label, *names[3];
} GbHiddenCurvesFigure;

/* Mean +- sd per class, rows of @mean and @sd (2, T): non-target, target. */
GbStatus gb_hidden_figure_class_curves(const double *t_ms, int n_times, const double *mean,
                                       const double *sd, const char *title, const char *x_label,
                                       const char *y_label, const char *const names[2],
                                       GbHiddenCurvesFigure *out, GbError *err);
/* The probe's AUC over time, the model's own AUC (skipped when NaN) and chance 0.5; @names:
 * probe, model, chance. */
GbStatus gb_hidden_figure_probe(const double *t_ms, int n_times, const double *auc,
                                double model_auc, const char *title, const char *x_label,
                                const char *y_label, const char *const names[3],
                                GbHiddenCurvesFigure *out, GbError *err);
void gb_hidden_curves_figure_clear(GbHiddenCurvesFigure *f);
GbStatus gb_hidden_draw_curves(void *user, cairo_t *cr, GbPlotRect area, GbError *err);

/* ---- k-means transition table ---- */

typedef struct {
  GbRaster raster;
  float *prob;   /* (k, k): P(b at t+1 | a at t), NaN for unvisited a */
  int *counts;   /* (k, k) */
  char **row_labels, **col_labels;
  char *title, *x_label, *y_label;
  int k;
  GbTransitionStats stats;
} GbHiddenTransitionFigure;

/* The transitions between the clusters of consecutive steps of @km's assignment of the
 * (n_trials, n_times) states; @title gets " %.2f" of the determinism appended. */
GbStatus gb_hidden_figure_transitions(const GbKmeans *km, int n_trials, int n_times,
                                      const char *title, const char *x_label,
                                      const char *y_label, GbHiddenTransitionFigure *out,
                                      GbError *err);
void gb_hidden_transition_figure_clear(GbHiddenTransitionFigure *f);

/* ---- scalp maps per subject and window ---- */

#define GB_HIDDEN_MAX_WINDOWS 8

typedef struct {
  int n_windows, n_subjects, n_channels;
  double lo_ms[GB_HIDDEN_MAX_WINDOWS], hi_ms[GB_HIDDEN_MAX_WINDOWS];
  double *values; /* (n_subjects, n_windows, C) */
  double *corr;   /* (n_subjects, n_subjects) */
  double mean_corr; /* mean over the pairs of subjects with a finite r */
  float *xs, *ys;
  char **names;
  double scale;
  char *corr_title, *bar_label;
} GbHiddenScalpFigure;

/* Relevance @maps (n, T, C) of target trials summed over each window [lo, hi) ms, mean per
 * subject, and the correlation between subjects' maps. Channel positions @xs, @ys and names.
 * GB_ERR_INVALID for no windows, more than GB_HIDDEN_MAX_WINDOWS or an empty window. */
GbStatus gb_hidden_figure_scalp(const float *maps, int n, int n_times, int n_channels,
                                const double *t_ms, const int *labels, const int *subjects,
                                int n_subjects, const float *xs, const float *ys,
                                const char *const *names, const double *lo_ms,
                                const double *hi_ms, int n_windows, const char *corr_title,
                                const char *bar_label, GbHiddenScalpFigure *out, GbError *err);
void gb_hidden_scalp_figure_clear(GbHiddenScalpFigure *f);
GbStatus gb_hidden_draw_scalp(void *user, cairo_t *cr, GbPlotRect area, GbError *err);
/* A good size for the scalp figure. */
void gb_hidden_scalp_figure_size(const GbHiddenScalpFigure *f, int *width, int *height);

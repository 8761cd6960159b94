/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "gb-explain.h"
#include "gb-model-handle.h"
#include "gb-plot-view.h"
#include "gb-worker.h"

G_BEGIN_DECLS

/* The main heatmap: one input with its relevance map over it (EEG: the channel x time map),
 * a colour bar, a title naming method and target, and the method's diagnostics under it. Every
 * explanation runs as a GbWorker job on the lane "explain" (see set_lane); a newer run drops
 * the older one's result, so run() may be called at every pen move for single-pass methods.
 *
 * Signals: "explained" () after a result is shown; "failed" (const char *message) when a run
 * cannot start or its job fails (not when it is cancelled). */
#define GB_TYPE_EXPLANATION_VIEW (gb_explanation_view_get_type())
G_DECLARE_FINAL_TYPE(GbExplanationView, gb_explanation_view, GB, EXPLANATION_VIEW, GtkBox)

/* Colour map: automatic (RdBu for signed methods, viridis for magnitudes) or forced. */
#define GB_EXPLANATION_COLORMAP_AUTO (-1)

GtkWidget *gb_explanation_view_new(void);
/* Copies @x (gb_shape_size(@shape) values). NULL clears. Does not run. */
void gb_explanation_view_set_input(GbExplanationView *self, const float *x,
                                   const GbShape *shape);
void gb_explanation_view_set_model(GbExplanationView *self, GbWorker *worker,
                                   GbModelHandle *handle);
/* Copies @cfg, and its baseline data (model input size: set the model first). */
void gb_explanation_view_set_method(GbExplanationView *self, const GbMethodConfig *cfg);
/* class_a < 0: the predicted class. */
void gb_explanation_view_set_target(GbExplanationView *self, GbTarget target);
/* GbColormap value or GB_EXPLANATION_COLORMAP_AUTO. Redraws, no new run. */
void gb_explanation_view_set_colormap(GbExplanationView *self, int colormap);
/* Of the map over the input image, in [0, 1]. Redraws, no new run. */
void gb_explanation_view_set_opacity(GbExplanationView *self, double opacity);
/* The worker lane (default "explain"): two views on one worker need two lanes. */
void gb_explanation_view_set_lane(GbExplanationView *self, const char *lane);
/* Submits the explanation job (nothing without worker, model and input; "failed" for an input
 * the model cannot take). */
void gb_explanation_view_run(GbExplanationView *self);
void gb_explanation_view_cancel(GbExplanationView *self);

/* ---- The last result shown (NULL/NAN/-1 before the first) ---- */
/* gb_explain's map values, in the model's input layout. */
const float *gb_explanation_view_get_map(GbExplanationView *self, size_t *n);
const GbExplanation *gb_explanation_view_get_explanation(GbExplanationView *self);
/* The target that was explained (the predicted class resolved). */
GbTarget gb_explanation_view_get_explained_target(GbExplanationView *self);
double gb_explanation_view_get_f_x(GbExplanationView *self);
/* The model's logits at the explained input. */
const float *gb_explanation_view_get_logits(GbExplanationView *self, int *n);
double gb_explanation_view_get_seconds(GbExplanationView *self);
/* The diagnostics text under the map. */
const char *gb_explanation_view_get_diagnostics(GbExplanationView *self);
GbPlotView *gb_explanation_view_get_plot_view(GbExplanationView *self);
/* Where display cell (@row, @col) is drawn in the plot view at its current size (pointer
 * mapping, tests). FALSE when nothing is shown. */
gboolean gb_explanation_view_get_cell_rect(GbExplanationView *self, int row, int col,
                                           graphene_rect_t *out);

G_END_DECLS

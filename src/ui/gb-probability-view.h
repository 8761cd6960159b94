/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "gb-model-handle.h"
#include "gb-plot-view.h"
#include "gb-worker.h"

G_BEGIN_DECLS

/* The class probabilities of one input as a bar chart, the predicted class highlighted. The
 * model runs forward in a GbWorker job on the lane "predict" (one forward: cheap enough for
 * every pen move; a newer input drops the older result). Probabilities are the softmax of the
 * logits (a sigmoid for one-output models, shown as two classes; the outputs themselves when
 * the model ends in a softmax layer).
 *
 * Signal: "updated" () after new probabilities are shown. */
#define GB_TYPE_PROBABILITY_VIEW (gb_probability_view_get_type())
G_DECLARE_FINAL_TYPE(GbProbabilityView, gb_probability_view, GB, PROBABILITY_VIEW, GtkBox)

GtkWidget *gb_probability_view_new(void);
void gb_probability_view_set_model(GbProbabilityView *self, GbWorker *worker,
                                   GbModelHandle *handle);
/* Copies @x and runs the model on it. */
void gb_probability_view_set_input(GbProbabilityView *self, const float *x,
                                   const GbShape *shape);
/* Shows the probabilities of these logits (no job); @softmax_layer: the model ends in a
 * softmax, so they already are probabilities. */
void gb_probability_view_set_logits(GbProbabilityView *self, const float *logits, int n,
                                    gboolean softmax_layer);
/* The shown probabilities (NULL before the first) and the highlighted (argmax) class. */
const float *gb_probability_view_get_probabilities(GbProbabilityView *self, int *n);
int gb_probability_view_get_predicted(GbProbabilityView *self);
GbPlotView *gb_probability_view_get_plot_view(GbProbabilityView *self);

/* Probabilities of @logits (n) into @out: softmax (stable), or for n = 1 the two classes
 * (1 - sigmoid, sigmoid) into out[0..1]; returns the number written. */
int gb_probabilities_from_logits(const float *logits, int n, float *out);

G_END_DECLS

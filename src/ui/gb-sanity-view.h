/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "gb-explain.h"
#include "gb-model-handle.h"
#include "gb-plot-view.h"
#include "gb-train.h"
#include "gb-worker.h"

G_BEGIN_DECLS

/* Sanity checks of an explanation method on the current input (methods.md §6; Adebayo et al.
 * 2018): the maps as the model's layers are re-initialised from the top (cascading model
 * parameter randomisation), their Spearman correlation with the original map per step, and,
 * on request, the map of a model retrained on permuted labels. */
#define GB_TYPE_SANITY_VIEW (gb_sanity_view_get_type())
G_DECLARE_FINAL_TYPE(GbSanityView, gb_sanity_view, GB, SANITY_VIEW, GtkWidget)

GtkWidget *gb_sanity_view_new(void);
/* @worker and @model are referenced. Cancels running checks and clears the results. */
void gb_sanity_view_set_context(GbSanityView *self, GbWorker *worker, GbModelHandle *model);
/* Copies @x (@n = the model's input size), the target and the method (its baseline data,
 * when set, is copied too). Every method of gb-explain.h; the maps are the method's with
 * its settings. Clears the results. */
void gb_sanity_view_set_input(GbSanityView *self, const float *x, size_t n, const GbTarget *target,
                              const GbMethodConfig *method);
/* Training data for the label randomisation (copied, at most 2000 samples). NULL: none (the
 * button is then disabled). */
void gb_sanity_view_set_train_data(GbSanityView *self, const GbDataView *train);
/* The cascading randomisation on the worker's "sanity-view" lane. */
void gb_sanity_view_run(GbSanityView *self);
/* Retrains a copy of the architecture on permuted labels ("sanity-view-labels" lane). */
void gb_sanity_view_run_label_randomisation(GbSanityView *self);
void gb_sanity_view_cancel(GbSanityView *self);
/* Rank |maps| (default, as Quantus) or the signed maps; applies to the next run. */
void gb_sanity_view_set_absolute(GbSanityView *self, gboolean absolute);
gboolean gb_sanity_view_is_running(GbSanityView *self);

/* Results (tests and the window). Steps: 0 the original map, k >= 1 after re-initialising the
 * top k parameterised layers; counts only the maps that have arrived. */
int gb_sanity_view_get_n_steps(GbSanityView *self);
/* Spearman correlation (of |maps| unless set otherwise) between step @step's map and the
 * original; 1 at step 0. */
double gb_sanity_view_get_similarity(GbSanityView *self, int step);
/* Borrowed, the model's input size values; NULL when out of range. */
const float *gb_sanity_view_get_map(GbSanityView *self, int step);
/* Whether the engine's gb_sanity_model_randomisation result has arrived (the similarities
 * are then its numbers, not the live estimates). */
gboolean gb_sanity_view_is_complete(GbSanityView *self);
/* NAN until the label randomisation has run. */
double gb_sanity_view_get_label_similarity(GbSanityView *self);
const char *gb_sanity_view_get_status(GbSanityView *self);
GbPlotView *gb_sanity_view_get_maps_plot(GbSanityView *self);
GbPlotView *gb_sanity_view_get_curve_plot(GbSanityView *self);

G_END_DECLS

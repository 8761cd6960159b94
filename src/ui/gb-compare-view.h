/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "gb-explain.h"
#include "gb-model-handle.h"
#include "gb-worker.h"

G_BEGIN_DECLS

/* Several explanation methods on the same input, side by side: a check list of methods, the
 * target (a class, or the contrast "why A and not B"), and a grid of small heatmaps, each with
 * its method and time. The methods run one after another in one GbWorker job on the lane
 * "compare"; each result is published as it arrives so the cells fill in live.
 *
 * Methods are named by the ids of gb_method_config_init_from_id() ("saliency", "lrp-epsilon",
 * "kernel-shap", ...), each with that function's defaults.
 *
 * Signals: "method-done" (guint index) as each method's cell is filled, while the job runs;
 * "finished" () when every selected method has a result (or its own error);
 * "failed" (const char *message) when the run cannot start or the job fails. */
#define GB_TYPE_COMPARE_VIEW (gb_compare_view_get_type())
G_DECLARE_FINAL_TYPE(GbCompareView, gb_compare_view, GB, COMPARE_VIEW, GtkBox)

GtkWidget *gb_compare_view_new(void);
void gb_compare_view_set_model(GbCompareView *self, GbWorker *worker, GbModelHandle *handle);
/* Copies @x. Does not run. */
void gb_compare_view_set_input(GbCompareView *self, const float *x, const GbShape *shape);
/* class_a < 0: the predicted class; class_b >= 0: the contrast. Updates the controls. */
void gb_compare_view_set_target(GbCompareView *self, GbTarget target);
GbTarget gb_compare_view_get_target(GbCompareView *self);
/* The methods to compare (NULL-terminated ids; unknown ids are ignored). */
void gb_compare_view_set_selected(GbCompareView *self, const char *const *ids);
/* Newly allocated, NULL-terminated. */
char **gb_compare_view_dup_selected(GbCompareView *self);
void gb_compare_view_run(GbCompareView *self);
void gb_compare_view_cancel(GbCompareView *self);

/* Results of the last run, in the order of the selection when it ran; a method that failed has
 * NULL values and its message in @error. */
guint gb_compare_view_get_n_results(GbCompareView *self);
const float *gb_compare_view_get_result(GbCompareView *self, guint i, const char **id,
                                        size_t *n, double *seconds, const char **error);
/* The target the last run explained (the predicted class resolved). */
GbTarget gb_compare_view_get_explained_target(GbCompareView *self);

G_END_DECLS

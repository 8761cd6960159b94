/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "gb-data-handle.h"
#include "gb-faithfulness.h"
#include "gb-model-handle.h"
#include "gb-plot-view.h"
#include "gb-worker.h"

G_BEGIN_DECLS

/* Explainability-performance curves (methods.md §1.2, §1.4) of several explanation methods at
 * once over a data set, each beside the random ranking's mean and sd band, drawn as each
 * method's curve arrives, with a summary table (AUC, AOPC, EPC and their gain over random). */
typedef enum {
  GB_CURVES_METHOD_SALIENCY,
  GB_CURVES_METHOD_GRAD_X_INPUT,
  GB_CURVES_METHOD_INTEGRATED_GRADIENTS,
  GB_CURVES_METHOD_LRP_EPSILON,
  GB_CURVES_METHOD_LRP_COMPOSITE, /* epsilon-gamma-box */
  GB_CURVES_METHOD_OCCLUSION,
  GB_CURVES_METHOD_KERNEL_SHAP,
  GB_CURVES_N_METHODS
} GbCurvesMethod;

#define GB_TYPE_CURVES_VIEW (gb_curves_view_get_type())
G_DECLARE_FINAL_TYPE(GbCurvesView, gb_curves_view, GB, CURVES_VIEW, GtkWidget)

GtkWidget *gb_curves_view_new(void);
/* @worker and @model are referenced. @data is copied (inputs and labels), so the caller may
 * free it right after; @name labels the figure ("mnist-test"). Any of them NULL: nothing to
 * run. Cancels a running computation and clears the curves. */
void gb_curves_view_set_context(GbCurvesView *self, GbWorker *worker, GbModelHandle *model,
                                const GbDataView *data, const char *name);
/* The same with the window's shared data set (its samples are copied as above). */
void gb_curves_view_set_context_from_handle(GbCurvesView *self, GbWorker *worker,
                                            GbModelHandle *model, GbDataHandle *data);
/* Options, also set by the widget's own controls. */
void gb_curves_view_set_method_enabled(GbCurvesView *self, GbCurvesMethod method, gboolean enabled);
void gb_curves_view_set_n_samples(GbCurvesView *self, int n);
void gb_curves_view_set_mode(GbCurvesView *self, GbFaithfulnessMode mode);
void gb_curves_view_set_measure(GbCurvesView *self, GbFaithfulnessMeasure measure);
void gb_curves_view_set_baseline(GbCurvesView *self, GbBaselineKind kind);
/* Starts computing the enabled methods' curves on the worker's "curves-view" lane. */
void gb_curves_view_run(GbCurvesView *self);
void gb_curves_view_cancel(GbCurvesView *self);
gboolean gb_curves_view_is_running(GbCurvesView *self);

/* The curve of @method from the last run, NULL until it has arrived. Borrowed. */
const GbFaithfulnessCurve *gb_curves_view_get_curve(GbCurvesView *self, GbCurvesMethod method);
/* The text of the summary table's cell (row: method, 0-based among the shown rows; column
 * as in the header), for tests; NULL when out of range. */
const char *gb_curves_view_get_table_text(GbCurvesView *self, int row, int column);
/* The status line (errors, "Cancelled", "Done in 3.2 s"). */
const char *gb_curves_view_get_status(GbCurvesView *self);
GbPlotView *gb_curves_view_get_plot(GbCurvesView *self);
/* Every curve point and summary as CSV (method,quantity,fraction,explainer,random_mean,
 * random_sd,delta); written atomically. */
gboolean gb_curves_view_write_csv(GbCurvesView *self, const char *path, GError **error);

const char *gb_curves_method_title(GbCurvesMethod method);

G_END_DECLS

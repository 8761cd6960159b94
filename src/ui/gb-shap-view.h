/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "gb-explain.h"
#include "gb-model-handle.h"
#include "gb-worker.h"

G_BEGIN_DECLS

/* KernelSHAP of one input per segment and per class (gb_attribution_kernel_shap_all over grid
 * patches or SLIC superpixels, zeros baseline), computed in one GbWorker job on the lane
 * "shap": the segments over the input coloured by their Shapley value and numbered, a bar
 * chart of the largest segments of the chosen class (the rest summed in one bar) with the base
 * value and the efficiency check base + sum = f(x), and one small map per class.
 *
 * Signals: "finished" () after a result is shown; "failed" (const char *message). */
#define GB_TYPE_SHAP_VIEW (gb_shap_view_get_type())
G_DECLARE_FINAL_TYPE(GbShapView, gb_shap_view, GB, SHAP_VIEW, GtkBox)

GtkWidget *gb_shap_view_new(void);
void gb_shap_view_set_model(GbShapView *self, GbWorker *worker, GbModelHandle *handle);
/* Copies @x. Does not run. */
void gb_shap_view_set_input(GbShapView *self, const float *x, const GbShape *shape);
void gb_shap_view_set_segmentation(GbShapView *self, GbSegmentation segmentation);
/* Patch size of grid segments (default 4; SLIC makes as many superpixels as patches). */
void gb_shap_view_set_patch(GbShapView *self, int patch);
/* The class shown in the map and the bars; -1: the predicted class. No new run. */
void gb_shap_view_set_class(GbShapView *self, int c);
void gb_shap_view_run(GbShapView *self);
void gb_shap_view_cancel(GbShapView *self);

/* ---- The last result (0/NULL/NAN before the first) ---- */
int gb_shap_view_get_n_classes(GbShapView *self);
/* Shapley values of class @c's segments (n_segments of them). */
const double *gb_shap_view_get_values(GbShapView *self, int c, int *n_segments);
double gb_shap_view_get_base_value(GbShapView *self, int c);
double gb_shap_view_get_f_x(GbShapView *self, int c);
/* The class shown (the predicted class resolved). */
int gb_shap_view_get_shown_class(GbShapView *self);
/* Each input feature's segment (model input layout). */
const int *gb_shap_view_get_segment_ids(GbShapView *self, size_t *n);
const char *gb_shap_view_get_summary(GbShapView *self);

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "gb-lrp.h"
#include "gb-model-handle.h"
#include "gb-worker.h"

G_BEGIN_DECLS

/* "Is LRP gradient x input?" (methods.md 5.9): gradient x input and LRP with one rule on every
 * layer (LRP-0, LRP-epsilon with its epsilon, or LRP-gamma with its gamma) for the same input
 * and target, their difference map on the same colour scale, Pearson and Spearman correlations
 * and the largest |difference|, whether the model is a ReLU network, and which settings make
 * the two differ. Computed in a GbWorker job on the lane "lrp-compare"; changing the rule or
 * its parameter runs again (both maps are single-pass).
 *
 * Signals: "finished" () after a result is shown; "failed" (const char *message). */
#define GB_TYPE_LRP_COMPARE_VIEW (gb_lrp_compare_view_get_type())
G_DECLARE_FINAL_TYPE(GbLrpCompareView, gb_lrp_compare_view, GB, LRP_COMPARE_VIEW, GtkBox)

GtkWidget *gb_lrp_compare_view_new(void);
void gb_lrp_compare_view_set_model(GbLrpCompareView *self, GbWorker *worker,
                                   GbModelHandle *handle);
/* Copies @x. Does not run. */
void gb_lrp_compare_view_set_input(GbLrpCompareView *self, const float *x, const GbShape *shape);
/* GB_LRP_ZERO, GB_LRP_EPSILON (@param: epsilon) or GB_LRP_GAMMA (@param: gamma). Updates the
 * controls; runs again when a result is shown. */
void gb_lrp_compare_view_set_rule(GbLrpCompareView *self, GbLrpRuleKind kind, double param);
/* class_a < 0: the predicted class. */
void gb_lrp_compare_view_set_target(GbLrpCompareView *self, GbTarget target);
void gb_lrp_compare_view_run(GbLrpCompareView *self);

/* ---- The last result (NAN/NULL before the first) ---- */
double gb_lrp_compare_view_get_pearson(GbLrpCompareView *self);
double gb_lrp_compare_view_get_spearman(GbLrpCompareView *self);
double gb_lrp_compare_view_get_max_difference(GbLrpCompareView *self);
const float *gb_lrp_compare_view_get_lrp_map(GbLrpCompareView *self, size_t *n);
const float *gb_lrp_compare_view_get_gxi_map(GbLrpCompareView *self, size_t *n);
const char *gb_lrp_compare_view_get_summary(GbLrpCompareView *self);

/* Whether every layer of @m keeps LRP-0 equal to gradient x input: dense, conv2d, ReLU, leaky
 * ReLU, max and average pooling, flatten, dropout. Otherwise @why (may be NULL) gets the first
 * layer that breaks it ("tanh (layer 3)"), to free. */
gboolean gb_lrp_compare_is_relu_network(const GbModel *m, char **why);

G_END_DECLS

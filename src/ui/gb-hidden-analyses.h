/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "gb-analysis-view.h"

G_BEGIN_DECLS

/* The hidden-state analyses of a recurrent EEG model (methods.md §3.4, §3.5, §2.4) for a
 * GbAnalysisView: raster, pca, probe, kmeans, relevance-time, scalp, evidence. Each runs on all
 * the trials of the view's EEG data; the figures are src/plot/gb-hidden-figures.h's, the same as
 * glassbox-cli hidden's. Fixed settings, those of glassbox-cli hidden's defaults: */
#define GB_HIDDEN_ANALYSIS_K 8     /* k-means clusters */
#define GB_HIDDEN_ANALYSIS_FOLDS 5 /* probe folds */
#define GB_HIDDEN_ANALYSIS_SEED 1  /* probe folds and k-means seeding */

/* A static table of @n entries. */
const GbAnalysis *gb_hidden_analyses(guint *n);

G_END_DECLS

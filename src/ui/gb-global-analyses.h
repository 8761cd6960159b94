/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "gb-analysis-view.h"

G_BEGIN_DECLS

/* The "Global views" page (issue 5): what a model does over a whole data set and the
 * difficulties of deep learning, as GbAnalysis entries for a GbAnalysisView:
 *   class-maps      class-mean gradient x input maps, grouped by predicted class
 *   importance      mean |SHAP| per patch and class; permutation importance
 *   prototypes      the samples nearest each class centre in the penultimate layer
 *   actmax          activation maximisation (digits)
 *   counterfactual  the current digit changed into its runner-up class (needs the input)
 *   adversarial     FGSM and PGD on the current digit and what they do to its explanation
 *   shattered       gradient noise: saliency vs SmoothGrad roughness
 *   clever-hans     a model trained where a mark goes with class 0, vs a clean one
 * The sizes below are what each run uses, so tests can repeat the computation. */

#define GB_GLOBAL_CLASS_MAP_SAMPLES   500
#define GB_GLOBAL_SHAP_SAMPLES        6 /* samples explained */
#define GB_GLOBAL_SHAP_COALITIONS     200
#define GB_GLOBAL_PATCH               7 /* image patches of 7 x 7; EEG: 7 time steps of a channel */
#define GB_GLOBAL_PERMUTATION_SAMPLES 300
#define GB_GLOBAL_PERMUTATION_REPEATS 2
#define GB_GLOBAL_PROTOTYPE_SAMPLES   500
#define GB_GLOBAL_PROTOTYPE_K         3
#define GB_GLOBAL_ACTMAX_STEPS        100
#define GB_GLOBAL_ATTACK_EPS          0.1
#define GB_GLOBAL_SHATTERED_SAMPLES   10
#define GB_GLOBAL_SMOOTH_SAMPLES      30
/* Clever Hans: the first MIN(GB_GLOBAL_HANS_TRAIN, n - GB_GLOBAL_HANS_TEST) rows train (at
 * least GB_GLOBAL_HANS_MIN_TRAIN), the next GB_GLOBAL_HANS_TEST test. */
#define GB_GLOBAL_HANS_TRAIN     2000
#define GB_GLOBAL_HANS_MIN_TRAIN 500
#define GB_GLOBAL_HANS_TEST      300
#define GB_GLOBAL_HANS_EPOCHS    8
#define GB_GLOBAL_HANS_SPEC      "input(1,28,28), flatten, dense(32), relu, dense(10)"

/* The static table; @n (may be NULL) receives its length. */
const GbAnalysis *gb_global_analyses(guint *n);

G_END_DECLS

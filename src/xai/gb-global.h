/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gb-faithfulness.h"
#include "gb-perturb.h"
#include "gb-segments.h"

/* Global views of a model over a whole data set (issue 5): what it does on average rather than
 * for one input. Every function runs the data in batches, reports progress after each batch
 * and returns GB_ERR_CANCELLED (outputs left empty) when the callback asks to stop. */

/* ---- Class-mean attribution maps ---- */

typedef enum {
  GB_GLOBAL_CLASS_PREDICTED, /* group and explain each sample by the model's prediction */
  GB_GLOBAL_CLASS_TRUE,      /* by its label (needs labels) */
} GbGlobalClassChoice;

typedef struct {
  GbExplainBatchFn explain; /* required: any method through its batch adapter */
  void *explain_user;
  GbGlobalClassChoice group;
  bool absolute; /* average |map| instead of the signed map */
  int batch;     /* samples per batch, default 64 */
  GbProgressFn progress;
  void *user;
} GbClassMapConfig;

/* Predicted classes, signed maps, batches of 64. */
void gb_class_map_config_init(GbClassMapConfig *cfg);

typedef struct {
  int n_classes;     /* groups: the model's outputs (2 for a one-output model) */
  size_t n_features; /* d */
  float *maps;       /* owned (n_classes, d): mean map of the samples of each group; zeros for
                      * an empty group */
  int *counts;       /* owned (n_classes): samples per group */
} GbClassMaps;

void gb_class_maps_clear(GbClassMaps *r);

/* Each sample's map explains its group's logit (the one logit of a one-output model, whichever
 * group). GB_ERR_INVALID for an empty data set or missing labels with GB_GLOBAL_CLASS_TRUE;
 * GB_ERR_SHAPE when the samples do not fit the model. */
GbStatus gb_global_class_maps(GbModel *m, const GbDataView *data, const GbClassMapConfig *cfg,
                              GbClassMaps *out, GbError *err);

/* ---- Global feature importance: mean |SHAP| ---- */

typedef struct {
  int n_classes;    /* C: the model's outputs */
  int n_segments;   /* M */
  int n_samples;    /* samples explained */
  double *mean_abs; /* owned (C, M): mean over samples of |phi_c,i| */
  double *overall;  /* owned (M): mean over classes of mean_abs */
} GbShapImportance;

void gb_shap_importance_clear(GbShapImportance *r);

/* KernelSHAP of every logit (gb_attribution_kernel_shap_all with @shap, NULL: defaults) for the
 * first @n_samples rows of @data (all when <= 0 or more than there are), over the segments
 * @seg. Sample i uses seed shap->seed + i. */
GbStatus gb_global_shap_importance(GbModel *m, const GbDataView *data, const GbSegments *seg,
                                   const GbShapConfig *shap, int n_samples, GbProgressFn progress,
                                   void *user, GbShapImportance *out, GbError *err);

/* ---- Permutation importance (Breiman 2001; Fisher et al. 2019) ---- */

typedef struct {
  int n_segments;       /* M */
  int repeats;          /* R */
  double base_accuracy; /* on the unshuffled data */
  double *drop;         /* owned (M): mean over repeats of base - accuracy with segment i's
                         * features shuffled across the samples */
  double *drop_sd;      /* owned (M): sample sd over the repeats, 0 for R = 1 */
} GbPermutationImportance;

void gb_permutation_importance_clear(GbPermutationImportance *r);

/* For each segment of @seg (NULL: one segment per feature) and each of @repeats seeded
 * permutations of the samples, the features of that segment take the values of the permuted
 * sample while the rest stay: the accuracy lost measures how much the model relies on them.
 * Needs labels. The same seed gives the same result. */
GbStatus gb_global_permutation_importance(GbModel *m, const GbDataView *data, const GbSegments *seg,
                                          int repeats, uint64_t seed, GbProgressFn progress,
                                          void *user, GbPermutationImportance *out, GbError *err);

/* ---- Helpers shared by the global views ---- */

/* Argmax of each row of @logits (n, n_out); for one output, logit > 0. */
void gb_global_argmax(const float *logits, int n, int n_out, int *pred);
/* The model's classes for @x (n, d), in batches of up to 256. */
GbStatus gb_global_predict(GbModel *m, const float *x, int n, int *pred, GbError *err);

/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gb-attribution.h"
#include "gb-lrp.h"
#include "gb-model.h"
#include "gb-perturb.h"
#include "gb-status.h"
#include "gb-train.h"

/* Explainability-performance curves over a data set (methods.md §1.2, §1.4, §6).
 *
 * For every sample an explainer gives one attribution map; its features are ranked by it and
 * the model is evaluated on masked copies of the sample, one per keep- or removal-fraction of a
 * grid, with the removed features set to a baseline. The same curve is always computed for R
 * seeded random rankings too: without that band a faithfulness number means nothing.
 *
 * The data set is processed in batches: the maps of one batch are computed, every masked input
 * of that batch is evaluated for all grid points and rankings, and only counts are kept, so
 * memory does not grow with the number of samples. */

/* ---- Explainers ---- */

/* Fills @maps (nb, d) with one attribution map per sample of @x (nb, d), d the model's input
 * size, explaining the logit of class @classes[i] for sample i (the model's original
 * prediction; 0, the logit itself, for a one-output model). May run the model. */
typedef GbStatus (*GbExplainBatchFn)(void *user, GbModel *m, const float *x, int nb,
                                     const int *classes, float *maps, GbError *err);

/* Adapters for the existing methods. Gradient x input and saliency (|df/dx| per feature, no
 * max over channels) run one forward and backward per batch; @user is ignored. */
GbStatus gb_explain_batch_grad_x_input(void *user, GbModel *m, const float *x, int nb,
                                       const int *classes, float *maps, GbError *err);
GbStatus gb_explain_batch_saliency(void *user, GbModel *m, const float *x, int nb,
                                   const int *classes, float *maps, GbError *err);
/* Integrated gradients, one sample at a time; @user: a const GbIgConfig * (NULL: defaults). */
GbStatus gb_explain_batch_integrated_gradients(void *user, GbModel *m, const float *x, int nb,
                                               const int *classes, float *maps, GbError *err);
/* LRP, one sample at a time; @user: a const GbLrpPolicy * (NULL: LRP-eps, eps 0.1). */
GbStatus gb_explain_batch_lrp(void *user, GbModel *m, const float *x, int nb,
                              const int *classes, float *maps, GbError *err);
/* Occlusion, one sample at a time; @user: a const GbOcclusionConfig * (NULL: 4 x 4 windows,
 * stride 2, zeros). */
GbStatus gb_explain_batch_occlusion(void *user, GbModel *m, const float *x, int nb,
                                    const int *classes, float *maps, GbError *err);
/* Any method of gb-explain.h, one sample at a time through gb_explain(); @user: a const
 * GbMethodConfig * (required). */
GbStatus gb_explain_batch_method(void *user, GbModel *m, const float *x, int nb,
                                 const int *classes, float *maps, GbError *err);

/* ---- The curve ---- */

typedef enum {
  GB_FAITHFULNESS_KEEP,   /* keep the top m_k features, the rest at the baseline: the EP curve */
  GB_FAITHFULNESS_MORF,   /* delete the m_k most relevant (pixel flipping, deletion) */
  GB_FAITHFULNESS_LERF,   /* delete the m_k least relevant */
  GB_FAITHFULNESS_INSERT, /* insert the m_k most relevant into the baseline (Petsiuk et al.
                           * 2018); the same masked inputs as KEEP, read as an insertion AUC */
} GbFaithfulnessMode;

typedef enum {
  GB_FAITHFULNESS_RANK_SIGNED, /* by decreasing value: positive evidence first */
  GB_FAITHFULNESS_RANK_ABS,    /* by decreasing |value| */
} GbFaithfulnessRanking;

typedef enum {
  GB_FAITHFULNESS_AGREEMENT,   /* fraction whose prediction equals the original one (default) */
  GB_FAITHFULNESS_ACCURACY,    /* fraction whose prediction equals the label */
  GB_FAITHFULNESS_PROBABILITY, /* mean probability of the original prediction (softmax of the
                                * logits; sigmoid for one output) */
  GB_FAITHFULNESS_BALANCED_ACCURACY, /* mean over classes of the per-class recall, against
                                      * labels (P300) */
} GbFaithfulnessMeasure;

#define GB_FAITHFULNESS_MAX_GRID 256

typedef struct {
  GbExplainBatchFn explain; /* required */
  void *explain_user;
  GbFaithfulnessMode mode;
  GbFaithfulnessRanking ranking;
  GbFaithfulnessMeasure measure;
  /* Removed features take the baseline's value. GB_BASELINE_MEAN with data NULL: the
   * per-feature mean of the data view itself. BLUR and UNIFORM are made per sample. */
  GbBaseline baseline;
  /* Fractions rho_0 < ... < rho_K in [0, 1] (kept for KEEP/INSERT, removed for MORF/LERF);
   * m_k = ceil(rho_k d) features. NULL: {0, .01, .02, .05, .1, .2, .3, .5, .7, 1}. */
  const double *grid;
  int n_grid;
  int n_random;  /* random rankings R >= 0, default 10 */
  uint64_t seed; /* of the random rankings; results do not depend on the batch size */
  int batch;     /* samples per batch, default 64 */
  GbProgressFn progress;
  void *user;
} GbFaithfulnessConfig;

void gb_faithfulness_config_init(GbFaithfulnessConfig *cfg);

typedef struct {
  GbFaithfulnessMode mode;
  GbFaithfulnessMeasure measure;
  int n_grid;
  double grid[GB_FAITHFULNESS_MAX_GRID];
  int n_samples;
  size_t n_features;
  int n_classes;      /* 2 for a one-output model */
  double chance;      /* 1 / n_classes: a constant guess (also for balanced accuracy, where
                       * it is 0.5 for two classes) */
  double full;        /* the measure at the unmasked inputs (1 for agreement) */
  double *explainer;  /* (n_grid) P_k with the explainer's ranking; owned */
  int n_random;
  double *random;      /* (n_random, n_grid) P_k per random ranking; owned */
  double *random_mean; /* (n_grid); owned */
  double *random_sd;   /* (n_grid) sample sd, 0 for R < 2; owned */
} GbFaithfulnessCurve;

void gb_faithfulness_curve_clear(GbFaithfulnessCurve *c);

/* Computes the curve of @cfg->explain over @data on @m. GB_ERR_INVALID for an empty data set,
 * a bad grid or option, or labels missing for ACCURACY / BALANCED_ACCURACY; GB_ERR_SHAPE when
 * the data does not fit the model; GB_ERR_NUMERIC for a non-finite input or map value;
 * GB_ERR_CANCELLED when @cfg->progress asks to stop (@out is then left empty). */
GbStatus gb_faithfulness_curve(GbModel *m, const GbDataView *data,
                               const GbFaithfulnessConfig *cfg, GbFaithfulnessCurve *out,
                               GbError *err);

/* ---- Summaries ---- */

/* Trapezoid area under y(x) over the given points (x increasing). */
double gb_faithfulness_auc(const double *x, const double *y, int n);

/* AOPC (methods.md §1.2) of a deletion curve: the mean over grid points of full - P_k, where
 * full is the measure at the unmasked inputs. Larger is better for MORF. */
typedef struct {
  double explainer;
  double random_mean, random_sd;
} GbFaithfulnessAopc;

GbStatus gb_faithfulness_aopc(const GbFaithfulnessCurve *c, GbFaithfulnessAopc *out,
                              GbError *err);

/* The Explainability-Performance Coefficient -- our PROPOSAL (methods.md §1.4), not a
 * published definition. On a KEEP (or INSERT) curve:
 *   p_k = clip((P_k - chance) / (full - chance), 0, 1)   normalised retained performance
 *   s_k = 1 - rho_k                                      sparsity
 *   EPC_area = trapezoid integral of p over s
 *   EPC_best = max_k 2 p_k s_k / (p_k + s_k), at the operating point k* (the first maximum, so
 *              the smallest explanation on ties). */
typedef struct {
  double area;
  double best;
  int best_index;    /* k* */
  double best_keep;  /* rho_k* */
  double best_p;     /* p_k* */
} GbEpc;

typedef struct {
  GbEpc explainer;
  double p[GB_FAITHFULNESS_MAX_GRID]; /* the explainer's p_k */
  double random_area_mean, random_area_sd; /* EPC over the R random curves */
  double random_best_mean, random_best_sd;
  double delta_area; /* explainer minus random mean */
  double delta_best;
} GbEpcSummary;

/* Normalises @P (n) into @p (n) as above; GB_ERR_NUMERIC when full <= chance (a model at
 * chance has no performance to retain). */
GbStatus gb_epc_normalise(const double *P, int n, double chance, double full, double *p,
                          GbError *err);
/* EPC of one normalised curve. */
GbEpc gb_epc_of(const double *grid, const double *p, int n);
/* GB_ERR_INVALID for a deletion curve. */
GbStatus gb_epc_summarise(const GbFaithfulnessCurve *c, GbEpcSummary *out, GbError *err);

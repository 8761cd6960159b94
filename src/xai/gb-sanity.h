/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gb-faithfulness.h"
#include "gb-model.h"
#include "gb-status.h"
#include "gb-train.h"

/* Sanity checks, robustness and faithfulness correlation of an explanation method
 * (methods.md §6 items 2, 5 and 8). Any method plugs in through a GbExplainBatchFn.
 *
 * Each check runs over @n inputs @x (n, d), d the model's input size, explaining the logit of
 * @classes[i] for input i; @classes NULL: the model's own predictions (0 for a one-output
 * model). Scores are averaged over the inputs. None of them changes @m: the randomisation
 * tests work on a copy. GB_ERR_INVALID for n < 1, a missing explainer or a bad option;
 * GB_ERR_NUMERIC for a non-finite input or map value; GB_ERR_CANCELLED when @progress asks to
 * stop (outputs are then left untouched). */

typedef enum {
  GB_RANDOMISATION_CASCADING,  /* layers re-initialised top down, each step keeping the
                                * previous ones random (Adebayo et al. 2018; Quantus
                                * layer_order="top_down") */
  GB_RANDOMISATION_INDEPENDENT, /* one layer at a time, the others trained */
} GbRandomisationOrder;

typedef struct {
  GbExplainBatchFn explain; /* required */
  void *explain_user;
  bool absolute;  /* Spearman of |a| in the randomisation and random-logit tests (default
                   * true, as in Quantus) */
  uint64_t seed;  /* default 42: new weights, random classes, perturbations and subsets */
  GbProgressFn progress;
  void *user;
} GbSanityConfig;

void gb_sanity_config_init(GbSanityConfig *cfg);

/* ---- Model parameter randomisation (MPRT) ---- */

typedef struct {
  GbRandomisationOrder order;
  int n_steps;        /* parameterised layers, top (logits) first */
  int *layer;         /* (n_steps) index of the layer re-initialised at step k; owned */
  char (*layer_name)[24]; /* (n_steps) its name, "dense2"; owned */
  /* (n_steps) mean over the inputs of the Spearman correlation between the original map and
   * the map after step k; inputs whose map is constant (Spearman undefined) are skipped, and
   * a step where all are is NaN. A method passes when this collapses towards 0. Owned. */
  double *similarity;
} GbRandomisationResult;

void gb_randomisation_result_clear(GbRandomisationResult *r);

/* Layer L's new weights come from its ops->init with a generator seeded from (seed, L), so
 * both orders draw the same random layer. GB_ERR_INVALID for a model without parameters. */
GbStatus gb_sanity_model_randomisation(GbModel *m, const float *x, int n, const int *classes,
                                       GbRandomisationOrder order, const GbSanityConfig *cfg,
                                       GbRandomisationResult *out, GbError *err);

/* ---- Data (label) randomisation (Adebayo et al. 2018) ---- */

typedef struct {
  /* Mean over the inputs of the Spearman correlation between the map of @m and that of the
   * model trained on permuted labels; constant maps are skipped, NaN when all are. A method
   * passes when this is low: its maps depend on what the model learnt. */
  double similarity;
  double train_acc;        /* @m on @train, true labels (NAN for MSE) */
  double random_train_acc; /* the label-randomised model on the permuted labels it was fitted
                            * to: how much it memorised (NAN for MSE) */
  double random_true_acc;  /* the label-randomised model on the true labels: near chance */
} GbLabelRandomisation;

/* Trains a fresh copy of @m's architecture (weights drawn from a seed derived from cfg->seed)
 * with @tcfg on @train's inputs, its labels (or MSE targets) permuted by a shuffle seeded
 * from cfg->seed, then compares the maps of @m and of that model on @x (n, d). @m is trained
 * by the caller, normally on @train with @tcfg, and is not changed. @tcfg's progress and
 * user are replaced by cfg's, reporting the fraction of the training. GB_ERR_INVALID also for
 * a @train that does not fit @m or has fewer than 2 samples. */
GbStatus gb_sanity_label_randomisation(GbModel *m, const GbDataView *train,
                                       const GbTrainConfig *tcfg, const float *x, int n,
                                       const int *classes, const GbSanityConfig *cfg,
                                       GbLabelRandomisation *out, GbError *err);

/* ---- Random logit (Sixt et al. 2020) ---- */

/* Mean Spearman correlation between the map of @classes[i] and that of a class drawn
 * uniformly from the others. Low is good: the explanation depends on the class. *@out is NaN
 * when every pair has a constant map. GB_ERR_INVALID for a one-output model. */
GbStatus gb_sanity_random_logit(GbModel *m, const float *x, int n, const int *classes,
                                const GbSanityConfig *cfg, double *out, GbError *err);

/* ---- Robustness: max- and avg-sensitivity (Yeh et al. 2019) ---- */

typedef struct {
  /* delta_k ~ U[-radius, radius]^d, in input units (Quantus: 0.2, i.e. 20% of the range of
   * inputs in [0, 1]; scale it for other ranges). */
  double radius;
  int n_samples; /* K, default 50 (Quantus: 200) */
} GbSensitivityConfig;

void gb_sensitivity_config_init(GbSensitivityConfig *cfg);

typedef struct {
  /* Means over the inputs of max_k and mean_k of ||a(x + delta_k) - a(x)|| / ||a(x)||
   * (Frobenius norms; 0 when the maps are equal, even both zero; +inf when only the original
   * is zero). Lower is more stable; max >= avg >= 0. The class stays the original one, even
   * where the prediction changes, and maps are not normalised first (Quantus normalises by
   * default; the ratio is scale-free either way). */
  double max;
  double avg;
} GbSensitivity;

GbStatus gb_sanity_sensitivity(GbModel *m, const float *x, int n, const int *classes,
                               const GbSensitivityConfig *scfg, const GbSanityConfig *cfg,
                               GbSensitivity *out, GbError *err);

/* ---- Faithfulness correlation (Bhatt et al. 2020) ---- */

typedef struct {
  int n_runs;             /* random subsets per input, default 100 */
  double subset_fraction; /* of the d features in each subset, default 0.1 (at least 1) */
  const float *baseline;  /* (d) values of the replaced features; NULL: zeros */
} GbFaithCorrConfig;

void gb_faith_corr_config_init(GbFaithCorrConfig *cfg);

/* Mean over the inputs of the Pearson correlation, over random subsets S, between
 * sum_{i in S} a_i and f_c(x) - f_c(x with x_S <- baseline_S), f_c the logit. Higher is
 * better; 1 for gradient x input on a linear model with a zero baseline. Inputs where either
 * side is constant are skipped; NaN when all are. */
GbStatus gb_sanity_faithfulness_correlation(GbModel *m, const float *x, int n,
                                            const int *classes, const GbFaithCorrConfig *fcfg,
                                            const GbSanityConfig *cfg, double *out,
                                            GbError *err);

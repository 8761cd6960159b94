/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "gb-train.h"

/* k-fold cross-validation: the rows are shuffled (cfg->seed) and cut into @k folds; fold f
 * trains a fresh model built from @spec (seed derived from cfg->seed and f) on the other folds
 * and validates on fold f. */
typedef struct {
  int fold;
  double val_loss, val_acc;
  int epochs_run;
} GbFoldResult;

GbStatus gb_cross_validate(const char *spec, const GbDataView *data, int k,
                           const GbTrainConfig *cfg, GbFoldResult *folds, double *mean_acc,
                           double *std_acc, GbError *err);

/* Hyper-parameter search over learning rate, batch size, layer sizes and optimizer.
 * The architecture is a template: "{u1}".."{u4}" (and "{u}" for "{u1}") are replaced by the
 * sizes of a candidate written "256-128" (u1 = 256, u2 = 128). Grid search tries every
 * combination; random search draws @n_random trials, each value uniformly from its list except
 * the learning rate, drawn log-uniformly between the smallest and largest listed. Every trial
 * uses the same validation split (cfg->val_fraction, 0.2 if unset) and the same seed. */
typedef enum {
  GB_SEARCH_GRID,
  GB_SEARCH_RANDOM,
} GbSearchMode;

typedef struct {
  const char *spec_template;
  int n_lr;
  const float *lr;
  int n_batch;
  const int *batch;
  int n_units;
  const char *const *units; /* "128", "256-128"; none: the template has no placeholders */
  int n_optim;
  const GbOptimKind *optim;
} GbSearchSpace;

typedef struct {
  float lr;
  int batch;
  char units[64];
  GbOptimKind optim;
  double val_loss, val_acc;
  double seconds;
  int epochs_run;
} GbSearchTrial;

/* @trials receives a newly allocated array (gb_free) of *n_trials results; *best indexes the
 * trial with the highest validation accuracy (lowest loss for MSE). Progress covers all
 * trials; cancelling returns GB_ERR_CANCELLED with the trials finished so far. */
GbStatus gb_hyper_search(const GbSearchSpace *space, GbSearchMode mode, int n_random,
                         const GbDataView *data, const GbTrainConfig *base,
                         GbSearchTrial **trials, int *n_trials, int *best, GbError *err);

/* Replaces the placeholders of @tmpl with @units ("256-128"); gb_free the result. */
char *gb_search_expand_template(const char *tmpl, const char *units, GbError *err);

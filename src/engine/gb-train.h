/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "gb-loss.h"
#include "gb-model.h"
#include "gb-optim.h"
#include "gb-status.h"

/* Samples the engine trains on, borrowed from whoever owns them.
 * x: (n, sample size) row-major; labels: (n) class indices, for classification losses;
 * targets: (n, target_dim), for MSE. */
typedef struct {
  int n;
  GbShape shape;
  const float *x;
  const int *labels;
  int n_classes;
  const float *targets;
  int target_dim;
} GbDataView;

/* Checks sizes, labels in range and that every value is finite, naming the first offender. */
GbStatus gb_data_view_validate(const GbDataView *d, const char *what, GbError *err);

/* One epoch's figures: the bias-variance view. Accuracy is NAN for MSE. */
typedef struct {
  int epoch; /* 1-based */
  double lr;
  double train_loss, train_acc;
  double val_loss, val_acc; /* NAN without validation data */
  double seconds;
} GbEpochStats;

typedef void (*GbEpochFn)(void *user, const GbEpochStats *stats);

typedef struct {
  int epochs;
  int batch_size;
  GbOptimConfig optim;
  GbSchedule schedule;
  GbLossConfig loss;
  double val_fraction;  /* held out from the training data when no validation set is given */
  int patience;         /* early stopping: epochs without val-loss improvement; 0 = off */
  double min_delta;     /* smallest improvement that counts */
  bool restore_best;    /* on early stop, go back to the best epoch's weights */
  float l1;             /* lambda of an L1 penalty on weights (not biases), Oliva's regulariser */
  float clip_value;     /* clip each gradient to [-v, v]; 0 = off (Oliva uses 5) */
  float clip_norm;      /* rescale the whole gradient to this L2 norm at most; 0 = off */
  int augment_shift;    /* images (c, h, w): translate each training sample by a random
                           -s..s pixels in x and y, zero fill; 0 = off */
  uint64_t seed;        /* shuffling, validation split, dropout and noise */
  GbProgressFn progress; /* fraction of all epochs; return false to cancel */
  GbEpochFn on_epoch;
  void *user;
} GbTrainConfig;

void gb_train_config_init(GbTrainConfig *cfg);

typedef struct {
  int n_epochs;
  GbEpochStats *epochs; /* owned; gb_train_history_clear() */
  int best_epoch;       /* 1-based epoch with the lowest validation loss (or train loss) */
  bool stopped_early;
} GbTrainHistory;

void gb_train_history_clear(GbTrainHistory *h);

/* Trains @m in place. @val may be NULL: then cfg->val_fraction of @train is held out (seeded).
 * On cancel returns GB_ERR_CANCELLED with the weights of the last finished epoch; when the loss
 * turns NaN or infinite returns GB_ERR_NUMERIC naming the epoch, with the last finite weights
 * restored. @hist may be NULL. */
GbStatus gb_train(GbModel *m, const GbDataView *train, const GbDataView *val,
                  const GbTrainConfig *cfg, GbTrainHistory *hist, GbError *err);

/* Loss and accuracy over a data set (accuracy NAN for MSE); @subset/@n_subset may pick rows. */
GbStatus gb_evaluate(GbModel *m, const GbDataView *d, const int *subset, int n_subset,
                     const GbLossConfig *loss, double *loss_out, double *acc_out, GbError *err);

/* Class predictions (argmax of logits; for one logit, logit > 0) for every sample, and,
 * when @scores is not NULL, the positive-class score used for ROC AUC: the logit of a
 * one-output model or logit1 - logit0 of a two-class one. */
GbStatus gb_predict_classes(GbModel *m, const GbDataView *d, int *pred, float *scores,
                            GbError *err);

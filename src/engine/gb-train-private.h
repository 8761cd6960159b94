/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "gb-train.h"

/* Trains on the rows @train_idx of @train and validates on the rows @val_idx of @val (which
 * may be the same data set: k-fold cross-validation and searches pass index lists instead of
 * copying data). @n_val may be 0. */
GbStatus gb_train_indexed(GbModel *m, const GbDataView *train, const int *train_idx, int n_train,
                          const GbDataView *val, const int *val_idx, int n_val,
                          const GbTrainConfig *cfg, GbTrainHistory *hist, GbError *err);
/* Checks that @d fits @m and @loss: sizes, output count, labels or targets. */
GbStatus gb_train_check_fit(GbModel *m, const GbDataView *d, const GbLossConfig *loss,
                            const char *what, GbError *err);
/* A seeded permutation of 0..n-1 (gb_free it). */
int *gb_train_permutation(int n, uint64_t seed);
/* Monotonic clock in seconds, for epoch and trial timings. */
double gb_train_now(void);

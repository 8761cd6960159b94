/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "gb-model.h"
#include "gb-status.h"

/* Counterfactual explanations (Wachter et al. 2017; the elastic-net form of Dhurandhar et al.
 * 2018 and the prototype term of Van Looveren & Klaise 2021): the smallest change to x that
 * makes the model say another class, kept plausible.
 *
 * With delta = x' - x0 it minimises, over x' in [lo, hi]^d,
 *   c * max(0, max_{j != t} f_j(x') - f_t(x') + kappa)          (the margin loss)
 *   + l2 * ||delta||^2 + l1 * ||delta||_1                        (small change)
 *   + proto * ||x' - prototype||^2                               (towards the target's data)
 * by projected gradient descent with a proximal (soft-threshold) step for the L1 term and a
 * cosine-decaying step size. The answer is the valid x' (predicted class t) of smallest
 * l2 ||delta||^2 + l1 ||delta||_1 + proto ||x' - prototype||^2 seen; none, when no step
 * reached t. */

typedef struct {
  int steps;               /* default 500 */
  double lr;               /* initial step size, default 0.05 */
  double c;                /* weight of the margin loss, default 1 */
  double kappa;            /* margin in logits, default 0.1 */
  double l1;               /* default 0.01 */
  double l2;               /* default 0.1 */
  double proto;            /* default 0 */
  const float *prototype;  /* input-sized; needed when proto > 0 */
  float lo, hi;            /* box of valid inputs, default [0, 1]; lo == hi: unbounded */
  float changed_threshold; /* |delta_i| above this counts as a changed feature, default 0.05 */
  GbProgressFn progress;
  void *user;
} GbCounterfactualConfig;

void gb_counterfactual_config_init(GbCounterfactualConfig *cfg);

typedef struct {
  bool found;         /* a valid x' was reached */
  float *x;           /* owned (d): the counterfactual (x0 itself when none was found) */
  size_t n;           /* d */
  int original_class; /* the model's class at x0 */
  int target_class;
  int final_class; /* at x */
  int n_classes;
  double *prob_before; /* owned (n_classes): softmax at x0 */
  double *prob_after;  /* owned (n_classes): softmax at x */
  double l1, l2, linf; /* ||x - x0|| */
  int n_changed;       /* features with |x - x0| > changed_threshold */
  int steps_to_flip;   /* first step at which the class was t, -1 if never */
} GbCounterfactual;

void gb_counterfactual_clear(GbCounterfactual *r);

/* GB_ERR_INVALID for a target that is not an output, equals the current prediction, or a bad
 * option; GB_ERR_NUMERIC for a non-finite x0. Not finding one is not an error (found false). */
GbStatus gb_counterfactual_find(GbModel *m, const float *x0, size_t n_x, int target_class,
                                const GbCounterfactualConfig *cfg, GbCounterfactual *out,
                                GbError *err);

/* Softmax (sigmoid for one output, as the probability of class 1 in p[1]) of @z (n_out) into
 * @p (n_out, or 2 for one output). */
void gb_counterfactual_softmax(const float *z, int n_out, double *p);

/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gb-model.h"
#include "gb-status.h"

/* Adversarial perturbations within an L-infinity ball (issue 5, "difficulties of deep
 * learning"): FGSM (Goodfellow et al. 2015) and PGD (Madry et al. 2018), on the cross-entropy
 * of the logits (binary cross-entropy for a one-output model). */

typedef struct {
  double eps;        /* L-inf budget, default 0.1 */
  double step;       /* PGD step size, default 0.025 (a quarter of the default eps) */
  int iterations;    /* PGD steps, default 20 */
  bool random_start; /* PGD: start at a uniform point of the ball, default true */
  uint64_t seed;     /* of the random start */
  int target;        /* -1: untargeted (move away from @label); else make the model say it */
  float lo, hi;      /* valid input box, default [0, 1]; lo == hi: unbounded */
} GbAttackConfig;

void gb_attack_config_init(GbAttackConfig *cfg);

typedef struct {
  float *x; /* owned (d): the adversarial input */
  size_t n;
  int class_before; /* the model's class at the clean input */
  int class_after;  /* at x */
  bool success;     /* untargeted: class_after != label; targeted: class_after == target */
  double linf, l2;  /* size of x - clean */
  double prob_before, prob_after; /* probability of class_before at the clean input and at x */
} GbAttackResult;

void gb_attack_result_clear(GbAttackResult *r);

/* x' = clip(x + eps sign(grad_x loss(label))) untargeted, or x - eps sign(grad loss(target))
 * targeted. @label: the class to move away from (usually the true or predicted class). */
GbStatus gb_attack_fgsm(GbModel *m, const float *x, size_t n_x, int label,
                        const GbAttackConfig *cfg, GbAttackResult *out, GbError *err);
/* Iterated FGSM steps of size @step, each followed by projection onto the eps-ball around x and
 * the box; stops early once successful. */
GbStatus gb_attack_pgd(GbModel *m, const float *x, size_t n_x, int label, const GbAttackConfig *cfg,
                       GbAttackResult *out, GbError *err);

/* ---- How much an explanation changed ---- */

typedef struct {
  double spearman;     /* rank correlation of |a| and |b| (NaN when either is constant) */
  double pearson;      /* correlation of the signed maps */
  double topk_overlap; /* |top-k(|a|) intersect top-k(|b|)| / k */
  int k;
} GbExplanationChange;

/* Compares two maps of @n features; @k in 1..n (0: 5% of n, at least 1). */
GbStatus gb_explanation_change(const float *a, const float *b, size_t n, int k,
                               GbExplanationChange *out, GbError *err);

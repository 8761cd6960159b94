/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "gb-status.h"

/* Scores of single attribution maps, and of a map against another map or a ground-truth mask
 * (methods.md §6). Maps are flat: @n features in any layout, as long as both arguments use the
 * same one. Every function refuses NULL arrays and n == 0 (GB_ERR_INVALID) and non-finite
 * values (GB_ERR_NUMERIC), and writes its result only on success. */

/* ---- Similarity ---- */

/* Spearman rank correlation of @a and @b (n): the Pearson correlation of their ranks, tied
 * values sharing their average rank. @absolute: of |a| and |b| (the Quantus default for the
 * randomisation tests). NaN when either map is constant, where it is undefined. */
GbStatus gb_score_spearman(const float *a, const float *b, size_t n, bool absolute,
                           double *out, GbError *err);

/* Pearson correlation of @x and @y (n). NaN when either is constant. */
GbStatus gb_score_pearson(const double *x, const double *y, size_t n, double *out,
                          GbError *err);

/* ---- Complexity (methods.md §6 items 6-7) ---- */

/* Gini index of |a| + 1e-7 (Chalasani et al. 2020): 0 for a constant map, (n - 1) / n for a
 * one-hot map. Higher is sparser. */
GbStatus gb_score_gini(const float *a, size_t n, double *out, GbError *err);

/* Entropy of P_i = |a_i| / sum_j |a_j| (Bhatt et al. 2020), in nats: 0 for a one-hot map,
 * log n for a constant one. Lower is more concise. GB_ERR_NUMERIC for an all-zero map. */
GbStatus gb_score_entropy(const float *a, size_t n, double *out, GbError *err);

/* ---- Localisation against a ground truth (methods.md §6 item 9) ---- */

/* Marks the ground-truth features of @truth (n), e.g. one trial of GbEegSet.truth: with
 * @fraction 0, those where |truth| > 0; with @fraction in (0, 1], those where
 * |truth| >= fraction * max |truth|. @mask: (n). Returns the number marked in @n_marked
 * (may be NULL); GB_ERR_INVALID when none is (an all-zero truth, e.g. a non-target trial). */
GbStatus gb_score_mask_from_truth(const float *truth, size_t n, double fraction, bool *mask,
                                  size_t *n_marked, GbError *err);

typedef struct {
  /* sum over the mask of a_i^+ / sum of a_i^+ (|a_i| with @absolute); NaN without positive
   * relevance. */
  double mass_accuracy;
  /* |top_K(a) intersect mask| / K with K = |mask|: ranked by decreasing a (|a| with
   * @absolute), ties by index. */
  double rank_accuracy;
  /* Is the first maximum of a (|a| with @absolute) inside the mask? */
  bool pointing_hit;
  size_t n_truth; /* K */
} GbLocalisation;

/* Scores @a (n) against @mask (n). GB_ERR_INVALID for an empty or full mask: a feature set that
 * covers nothing or everything cannot locate anything. */
GbStatus gb_score_localisation(const float *a, const bool *mask, size_t n, bool absolute,
                               GbLocalisation *out, GbError *err);

typedef struct {
  double mass_accuracy; /* mean over the scored samples with positive relevance */
  double rank_accuracy; /* mean */
  double pointing_rate; /* fraction of hits */
  int n_scored;         /* samples with a ground truth */
} GbLocalisationMean;

/* Scores @n maps (n, d) against per-sample truths (n, d) such as GbEegSet.truth, each masked by
 * gb_score_mask_from_truth with @fraction. Samples whose truth is zero everywhere (non-target
 * trials) or marks every feature are skipped; GB_ERR_INVALID when none is left. */
GbStatus gb_score_localisation_mean(const float *maps, const float *truth, int n, size_t d,
                                    double fraction, bool absolute, GbLocalisationMean *out,
                                    GbError *err);

/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "gb-attribution.h"
#include "gb-segments.h"

/* Perturbation-based explanations: the model is only run forward, on copies of x in which parts
 * are replaced by a baseline (methods.md §5.1-§5.5). Targets are logits as for the gradient
 * methods. All of them refuse non-finite inputs, report progress after each batch of forwards
 * (returning GB_ERR_CANCELLED and freeing their outputs when the callback says stop), and with
 * one BLAS thread give bit-identical results for the same seed. */

/* ---- Occlusion (Zeiler & Fergus 2014) ---- */
typedef struct {
  /* Window and stride over the (rows, cols) grid of gb-segments.h: (h, w) of a (c, h, w) image,
   * all channels at once; (time, channels) of an EEG input, cols 0 = all channels; (n) of a
   * vector, cols ignored. Windows start at 0, stride, 2 stride, ...; when the last one stops
   * short of the edge one more is placed flush with it, so every feature is covered. */
  int window_rows, window_cols;
  int stride_rows, stride_cols;
  GbBaseline baseline; /* what an occluded window shows */
  int batch;           /* inputs per forward, default 64 */
} GbOcclusionConfig;

/* 4 x 4 windows with stride 2 over a zeros baseline. */
void gb_occlusion_config_init(GbOcclusionConfig *cfg);
/* a_i = mean over the windows W that cover i of f(x) - f(x with W occluded).
 * Fills f_x, f_baseline (the whole input occluded) and n_evaluations (windows). */
GbStatus gb_attribution_occlusion(GbModel *m, const float *x, size_t n_x, const GbTarget *t,
                                  const GbOcclusionConfig *cfg, GbAttribution *out,
                                  GbProgressFn progress, void *user, GbError *err);

/* ---- Segment-level results of KernelSHAP and LIME ---- */
typedef struct {
  int n_segments;          /* M */
  double *segment_values;  /* owned (M): Shapley values phi_i, or LIME coefficients */
  double *segment_stderr;  /* owned (M): permutation Shapley's standard errors; else NULL */
  GbAttribution map;       /* per-feature expansion (GbExpand); f_x, f_baseline, sum, gap */
  double base_value;       /* SHAP: phi_0 = f(baseline) (mean over the background);
                            * LIME: the surrogate's intercept */
  double score;            /* LIME: weighted R^2 of the local fit; SHAP: NAN */
  double local_prediction; /* LIME: the surrogate at all segments on; SHAP: base + sum phi */
  long n_coalitions;       /* coalitions evaluated, each on every background row */
  bool exact;              /* SHAP: all 2^M - 2 coalitions were enumerated */
} GbSegmentAttribution;

void gb_segment_attribution_clear(GbSegmentAttribution *a);

/* ---- KernelSHAP (Lundberg & Lee 2017; as shap/explainers/_kernel.py) ---- */
typedef struct {
  /* Coalitions besides the empty and the full one. 0: shap's default 2M + 2048. Always capped
   * at 2^M - 2, which enumerates them all: then the values are the exact Shapley values. */
  long samples;
  int exact_max_segments; /* M <= this: enumerate all 2^M - 2 coalitions (default 12, max 30) */
  GbBaseline baseline;    /* an absent segment takes the baseline's values ... */
  const float *background; /* ... or, when set, each of these (n_background, n_x) rows in turn,
                            * v(S) being the mean over them (shap's background data) */
  int n_background;
  GbExpand expand;  /* default GB_EXPAND_SPREAD */
  uint64_t seed;
  int batch;        /* inputs per forward, default 64 */
  int chunk;        /* coalitions generated and solved-in at a time, default 256 */
} GbShapConfig;

void gb_shap_config_init(GbShapConfig *cfg);
/* Shapley values of the segments of @seg for v(S) = f(x_S, b_rest), by weighted least squares
 * with the Shapley kernel and efficiency enforced by eliminating the last segment. Memory does
 * not grow with @samples: coalitions are drawn in chunks and folded into the (M-1)^2 normal
 * equations; a coalition drawn twice is evaluated twice (shap adds to its weight instead: the
 * same normal equations). No L1 feature screening (shap's l1_reg): every segment is kept.
 * map.gap = |sum phi - (f(x) - f(b))|, zero up to rounding by construction. */
GbStatus gb_attribution_kernel_shap(GbModel *m, const float *x, size_t n_x, const GbTarget *t,
                                    const GbSegments *seg, const GbShapConfig *cfg,
                                    GbSegmentAttribution *out, GbProgressFn progress,
                                    void *user, GbError *err);

/* KernelSHAP of every logit of a multi-class model in one run: the same coalitions, each
 * evaluated once for all logits, and one weighted least squares per class sharing the design
 * (one Cholesky factorisation, n_classes right-hand sides). Class c's values are those of
 * gb_attribution_kernel_shap for target c with the same configuration and seed (up to
 * rounding), and sum to f_c(x) - base_values[c]. */
typedef struct {
  int n_classes;       /* C: the model's outputs */
  int n_segments;      /* M */
  double *values;      /* owned (C, M): phi of class c at values[c * M + i] */
  double *base_values; /* owned (C): f_c(baseline), the mean over the background */
  double *f_x;         /* owned (C): f_c(x) */
  long n_coalitions;
  bool exact;
} GbShapAllClasses;

void gb_shap_all_classes_clear(GbShapAllClasses *r);
GbStatus gb_attribution_kernel_shap_all(GbModel *m, const float *x, size_t n_x,
                                        const GbSegments *seg, const GbShapConfig *cfg,
                                        GbShapAllClasses *out, GbProgressFn progress,
                                        void *user, GbError *err);

/* ---- Permutation sampling Shapley (Castro et al. 2009; methods.md §5.3) ---- */
typedef struct {
  int permutations;        /* R >= 1, default 100; each costs M + 1 coalitions (x2 antithetic) */
  bool antithetic;         /* default true: also walk each permutation reversed */
  GbBaseline baseline;     /* the same v(S) as KernelSHAP: baseline ... */
  const float *background; /* ... or the mean over these (n_background, n_x) rows */
  int n_background;
  GbExpand expand;         /* default GB_EXPAND_SPREAD */
  uint64_t seed;
  int batch;               /* inputs per forward, default 64 */
} GbPermutationShapConfig;

void gb_permutation_shap_config_init(GbPermutationShapConfig *cfg);
/* phi_i = mean over random orders of v(before_i + i) - v(before_i): unbiased, with efficiency
 * exact for every order. segment_stderr = sample std / sqrt(R) over the orders (an antithetic
 * pair counts as one draw, its two walks averaged). */
GbStatus gb_attribution_permutation_shap(GbModel *m, const float *x, size_t n_x,
                                         const GbTarget *t, const GbSegments *seg,
                                         const GbPermutationShapConfig *cfg,
                                         GbSegmentAttribution *out, GbProgressFn progress,
                                         void *user, GbError *err);

/* ---- LIME (Ribeiro et al. 2016; lime_image defaults) ---- */
typedef struct {
  int samples;          /* N, default 1000; sample 0 is all segments on */
  double kernel_width;  /* w, default 0.25: weights sqrt(exp(-d^2 / w^2)), d cosine distance */
  double alpha;         /* ridge penalty, default 1 (intercept not penalised) */
  bool segment_mean;    /* default true: a hidden segment shows its own mean (per channel), as
                         * lime's hide_color=None; false: the baseline below */
  GbBaseline baseline;
  GbExpand expand;      /* default GB_EXPAND_SPREAD */
  uint64_t seed;
  int batch;            /* inputs per forward, default 64 */
  int chunk;            /* samples generated at a time, default 256 */
} GbLimeConfig;

void gb_lime_config_init(GbLimeConfig *cfg);
/* Weighted ridge of f(z) on the binary segment vectors z ~ Bernoulli(0.5)^M, with intercept,
 * on all segments (lime_image's default num_features=100000 selects every one). Explains the
 * logit, not a probability. Fills segment_values (coefficients), base_value (intercept),
 * score (weighted R^2), local_prediction, and map.f_x, map.f_baseline (all segments hidden). */
GbStatus gb_attribution_lime(GbModel *m, const float *x, size_t n_x, const GbTarget *t,
                             const GbSegments *seg, const GbLimeConfig *cfg,
                             GbSegmentAttribution *out, GbProgressFn progress, void *user,
                             GbError *err);

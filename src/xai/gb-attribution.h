/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gb-model.h"
#include "gb-status.h"
#include "gb-tensor.h"

/* Gradient-family attributions (methods.md §5.6): one value per input feature for one scalar
 * target of the model's outputs. Always the logits (pre-softmax), never probabilities. */

/* What is explained: the logit of class @class_a, or with @class_b >= 0 the difference
 * f_a - f_b ("why a and not b"). A one-output (BCE) model has only the target class 0: its
 * logit itself. */
typedef struct {
  int class_a;
  int class_b; /* -1: none */
} GbTarget;

GbTarget gb_target_class(int c);
GbTarget gb_target_contrast(int a, int b);
/* GB_ERR_INVALID when the classes do not exist in @m, or a contrast names the same class twice
 * or is asked of a one-output model. */
GbStatus gb_target_check(const GbTarget *t, const GbModel *m, GbError *err);

/* An attribution map with what is needed to judge it. */
typedef struct {
  GbShape shape;  /* the input's shape; (1, h, w) after a max over channels */
  size_t n;       /* number of values */
  float *values;  /* owned: gb_alloc_floats; free with gb_attribution_clear() */
  double f_x;     /* target at the (noise-free) input */
  /* Integrated gradients; LRP fills sum and gap against f_x (gb-lrp.h); NAN elsewhere: */
  double f_baseline;   /* target at the baseline */
  double sum;          /* sum of the attributions */
  double gap;          /* completeness gap |sum - (f_x - f_baseline)| */
  double gap_relative; /* gap / |f_x - f_baseline|; 0 when both are 0, INFINITY when only it is */
  int n_evaluations;   /* inputs passed through forward + backward */
} GbAttribution;

void gb_attribution_clear(GbAttribution *a);

/* The target's gradient df/dx at @x (n_x = gb_model_input_size). */
GbStatus gb_attribution_gradient(GbModel *m, const float *x, size_t n_x, const GbTarget *t,
                                 GbAttribution *out, GbError *err);
/* Saliency |df/dx|. With @max_over_channels and a (c, h, w) input, the max over channels gives
 * one (1, h, w) map (Simonyan et al. 2014); otherwise one value per feature. */
GbStatus gb_attribution_saliency(GbModel *m, const float *x, size_t n_x, const GbTarget *t,
                                 bool max_over_channels, GbAttribution *out, GbError *err);
/* Gradient x input: x_i df/dx_i; for a linear model exactly w_i x_i. */
GbStatus gb_attribution_grad_x_input(GbModel *m, const float *x, size_t n_x, const GbTarget *t,
                                     GbAttribution *out, GbError *err);

/* ---- Baselines (reference inputs x') ---- */
typedef enum {
  GB_BASELINE_ZEROS,   /* all zeros: the "black" image */
  GB_BASELINE_MEAN,    /* @data: a data mean, input-sized */
  GB_BASELINE_BLUR,    /* Gaussian blur of x with @blur_sigma samples: over (h, w) per channel
                        * for (c, h, w) inputs, along time per channel for (time, channels),
                        * along the only axis for (n); edges replicated */
  GB_BASELINE_UNIFORM, /* uniform noise in [lo, hi) from @seed; lo == hi: x's own range */
  GB_BASELINE_CUSTOM,  /* @data: a user-given array, input-sized */
} GbBaselineKind;

typedef struct {
  GbBaselineKind kind;
  const float *data; /* MEAN, CUSTOM */
  size_t n_data;     /* its length, checked against the input size */
  double blur_sigma; /* BLUR, > 0 */
  float lo, hi;      /* UNIFORM */
  uint64_t seed;     /* UNIFORM */
} GbBaseline;

/* Zeros; the other fields at their defaults (blur_sigma 2, lo = hi = 0, seed 0). */
void gb_baseline_init(GbBaseline *b);
/* Writes the baseline for input @x into @out (n_x floats). */
GbStatus gb_baseline_make(const GbBaseline *b, const GbShape *shape, const float *x, size_t n_x,
                          float *out, GbError *err);

/* ---- Integrated gradients (Sundararajan et al. 2017) ---- */
typedef enum {
  GB_IG_MIDPOINT,  /* m evaluations at alpha = (k + 1/2) / m, weights 1/m (default) */
  GB_IG_TRAPEZOID, /* m + 1 evaluations at alpha = k / m, end weights 1/(2m), others 1/m */
} GbIgRule;

typedef struct {
  int steps; /* m >= 1, default 50 */
  GbIgRule rule;
  GbBaseline baseline;
  int batch; /* inputs per forward/backward, default 64 */
} GbIgConfig;

void gb_ig_config_init(GbIgConfig *cfg);
/* phi_i = (x_i - x'_i) * sum_k w_k df/dx_i(x' + alpha_k (x - x')); fills f_baseline, sum, gap. */
GbStatus gb_attribution_integrated_gradients(GbModel *m, const float *x, size_t n_x,
                                             const GbTarget *t, const GbIgConfig *cfg,
                                             GbAttribution *out, GbProgressFn progress,
                                             void *user, GbError *err);

/* ---- SmoothGrad (Smilkov et al. 2017) and VarGrad (Adebayo et al. 2018) ---- */
typedef enum {
  GB_SMOOTH_GRADIENT,     /* the signed gradient */
  GB_SMOOTH_SALIENCY,     /* |gradient| (default) */
  GB_SMOOTH_GRAD_X_INPUT, /* (x + eps) * gradient at x + eps */
} GbSmoothMap;

typedef struct {
  int samples;        /* n >= 1, default 50 */
  double noise_level; /* sigma / (max(x) - min(x)), default 0.15; a constant x counts as range 1 */
  GbSmoothMap map;
  uint64_t seed; /* the same seed gives the same maps bit for bit (one BLAS thread) */
  int batch;     /* inputs per forward/backward, default 64 */
} GbSmoothConfig;

void gb_smooth_config_init(GbSmoothConfig *cfg);
/* @mean: the SmoothGrad map (mean over the noisy copies); @variance (may be NULL): the VarGrad
 * map, their population variance, >= 0. Either output may be NULL but not both. */
GbStatus gb_attribution_smoothgrad(GbModel *m, const float *x, size_t n_x, const GbTarget *t,
                                   const GbSmoothConfig *cfg, GbAttribution *mean,
                                   GbAttribution *variance, GbProgressFn progress, void *user,
                                   GbError *err);

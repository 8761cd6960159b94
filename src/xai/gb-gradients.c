/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The batched gradient methods: integrated gradients and SmoothGrad/VarGrad. */
#include "config.h"

#include "gb-attribution.h"

#include <math.h>
#include <string.h>

#include "gb-alloc.h"
#include "gb-attribution-private.h"
#include "gb-rng.h"

#define GB_DEFAULT_BATCH 64

void
gb_ig_config_init(GbIgConfig *cfg)
{
  memset(cfg, 0, sizeof *cfg);
  cfg->steps = 50;
  cfg->rule = GB_IG_MIDPOINT;
  gb_baseline_init(&cfg->baseline);
  cfg->batch = GB_DEFAULT_BATCH;
}

void
gb_smooth_config_init(GbSmoothConfig *cfg)
{
  memset(cfg, 0, sizeof *cfg);
  cfg->samples = 50;
  cfg->noise_level = 0.15;
  cfg->map = GB_SMOOTH_SALIENCY;
  cfg->batch = GB_DEFAULT_BATCH;
}

static GbStatus
report(GbProgressFn progress, void *user, double fraction, const char *stage, GbError *err)
{
  if (progress != NULL && !progress(user, fraction, stage))
    return gb_error_set(err, GB_ERR_CANCELLED, "%s cancelled", stage);
  return GB_OK;
}

/* Step k of the rule: its alpha and its weight in the quadrature. */
static void
ig_node(const GbIgConfig *cfg, int k, double *alpha, double *weight)
{
  int m = cfg->steps;
  if (cfg->rule == GB_IG_TRAPEZOID) {
    *alpha = (double)k / m;
    *weight = (k == 0 || k == m) ? 0.5 / m : 1.0 / m;
  } else {
    *alpha = (k + 0.5) / m;
    *weight = 1.0 / m;
  }
}

/* f(x) and f(x'): one forward of the pair, or two when the batch holds one input. */
static GbStatus
ig_endpoints(GbGradBatch *g, const float *x, const float *xb, GbAttribution *out, GbError *err)
{
  size_t bytes = g->n_in * sizeof *x;
  memcpy(g->xb, x, bytes);
  if (g->batch > 1)
    memcpy(g->xb + g->n_in, xb, bytes);
  GbStatus st = gb_grad_batch_values(g, g->batch > 1 ? 2 : 1, err);
  if (st != GB_OK)
    return st;
  out->f_x = g->f[0];
  if (g->batch > 1) {
    out->f_baseline = g->f[1];
    return GB_OK;
  }
  memcpy(g->xb, xb, bytes);
  if ((st = gb_grad_batch_values(g, 1, err)) == GB_OK)
    out->f_baseline = g->f[0];
  return st;
}

/* acc[i] += sum_k w_k df/dx_i over the path points; then phi = (x - x') * acc. */
static GbStatus
ig_path(GbGradBatch *g, const GbIgConfig *cfg, const float *x, const float *xb, double *acc,
        GbProgressFn progress, void *user, GbError *err)
{
  int n_nodes = cfg->steps + (cfg->rule == GB_IG_TRAPEZOID), done = 0;
  size_t n = g->n_in;
  while (done < n_nodes) {
    int nb = n_nodes - done < g->batch ? n_nodes - done : g->batch;
    double alpha, w;
    for (int r = 0; r < nb; r++) {
      ig_node(cfg, done + r, &alpha, &w);
      float *p = g->xb + (size_t)r * n;
      for (size_t i = 0; i < n; i++) p[i] = (float)(xb[i] + alpha * ((double)x[i] - xb[i]));
    }
    GbStatus st = gb_grad_batch_run(g, nb, err);
    if (st != GB_OK)
      return st;
    for (int r = 0; r < nb; r++) {
      ig_node(cfg, done + r, &alpha, &w);
      const float *d = g->dx + (size_t)r * n;
      for (size_t i = 0; i < n; i++) acc[i] += w * d[i];
    }
    done += nb;
    if ((st = report(progress, user, (double)done / n_nodes, "integrated gradients", err)))
      return st;
  }
  return GB_OK;
}

static void
ig_finish(GbAttribution *out, const float *x, const float *xb, const double *acc)
{
  double sum = 0.0;
  for (size_t i = 0; i < out->n; i++) {
    out->values[i] = (float)(((double)x[i] - xb[i]) * acc[i]);
    sum += out->values[i];
  }
  double delta = out->f_x - out->f_baseline;
  out->sum = sum;
  out->gap = fabs(sum - delta);
  out->gap_relative = delta != 0.0 ? out->gap / fabs(delta) : (out->gap == 0.0 ? 0.0 : INFINITY);
}

static GbStatus
ig_check_config(const GbIgConfig *cfg, GbError *err)
{
  if (cfg->steps < 1)
    return gb_error_set(err, GB_ERR_INVALID, "integrated gradients need at least 1 step, got %d",
                        cfg->steps);
  if (cfg->rule != GB_IG_MIDPOINT && cfg->rule != GB_IG_TRAPEZOID)
    return gb_error_set(err, GB_ERR_INVALID, "unknown integration rule %d", (int)cfg->rule);
  return GB_OK;
}

GbStatus
gb_attribution_integrated_gradients(GbModel *m, const float *x, size_t n_x, const GbTarget *t,
                                    const GbIgConfig *cfg, GbAttribution *out,
                                    GbProgressFn progress, void *user, GbError *err)
{
  memset(out, 0, sizeof *out);
  GbStatus st = gb_attribution_check(m, x, n_x, t, err);
  if (st == GB_OK)
    st = ig_check_config(cfg, err);
  if (st != GB_OK)
    return st;
  float *xb = gb_alloc_floats(n_x);
  double *acc = gb_calloc(n_x, sizeof *acc);
  GbGradBatch g = {0};
  if (xb == NULL || acc == NULL)
    st = gb_error_set(err, GB_ERR_NOMEM, "integrated gradients for %zu inputs", n_x);
  if (st == GB_OK)
    st = gb_baseline_make(&cfg->baseline, gb_model_input_shape(m), x, n_x, xb, err);
  int nodes = cfg->steps + (cfg->rule == GB_IG_TRAPEZOID);
  int batch = cfg->batch > 0 ? cfg->batch : GB_DEFAULT_BATCH;
  if (st == GB_OK)
    st = gb_grad_batch_init(&g, m, t, batch < nodes ? batch : nodes, err);
  if (st == GB_OK)
    st = gb_attribution_alloc(out, gb_model_input_shape(m), err);
  if (st == GB_OK)
    st = ig_endpoints(&g, x, xb, out, err);
  if (st == GB_OK)
    st = ig_path(&g, cfg, x, xb, acc, progress, user, err);
  if (st == GB_OK) {
    ig_finish(out, x, xb, acc);
    out->n_evaluations = nodes;
  } else {
    gb_attribution_clear(out);
  }
  gb_grad_batch_clear(&g);
  gb_free(xb);
  gb_free(acc);
  return st;
}

/* ---- SmoothGrad / VarGrad ---- */

typedef struct {
  double *mean, *m2; /* Welford accumulators, (n_in) each */
  int count;
} GbWelford;

/* Adds one map to the running mean and sum of squared deviations. */
static void
welford_add(GbWelford *w, const float *v, size_t n)
{
  w->count++;
  for (size_t i = 0; i < n; i++) {
    double d = v[i] - w->mean[i];
    w->mean[i] += d / w->count;
    w->m2[i] += d * (v[i] - w->mean[i]);
  }
}

/* Fills g->xb with nb noisy copies of x, drawing the noise in sample order. */
static void
smooth_noisy_copies(GbGradBatch *g, GbRng *rng, const float *x, double sigma, int nb)
{
  for (int r = 0; r < nb; r++) {
    float *p = g->xb + (size_t)r * g->n_in;
    for (size_t i = 0; i < g->n_in; i++)
      p[i] = sigma > 0.0 ? (float)(x[i] + sigma * gb_rng_normal(rng)) : x[i];
  }
}

/* The chosen map of each row of g->dx, in place. */
static void
smooth_maps(GbGradBatch *g, GbSmoothMap map, int nb)
{
  size_t total = (size_t)nb * g->n_in;
  if (map == GB_SMOOTH_SALIENCY)
    for (size_t i = 0; i < total; i++) g->dx[i] = fabsf(g->dx[i]);
  else if (map == GB_SMOOTH_GRAD_X_INPUT)
    for (size_t i = 0; i < total; i++) g->dx[i] *= g->xb[i];
}

static double
smooth_sigma(const float *x, size_t n, double level)
{
  float lo = x[0], hi = x[0];
  for (size_t i = 1; i < n; i++) {
    lo = fminf(lo, x[i]);
    hi = fmaxf(hi, x[i]);
  }
  return level * (hi > lo ? (double)hi - lo : 1.0);
}

static GbStatus
smooth_check_config(const GbSmoothConfig *cfg, const GbAttribution *mean,
                    const GbAttribution *var, GbError *err)
{
  if (mean == NULL && var == NULL)
    return gb_error_set(err, GB_ERR_INVALID, "SmoothGrad needs a mean or a variance output");
  if (cfg->samples < 1)
    return gb_error_set(err, GB_ERR_INVALID, "SmoothGrad needs at least 1 sample, got %d",
                        cfg->samples);
  if (!(cfg->noise_level >= 0.0) || !isfinite(cfg->noise_level))
    return gb_error_set(err, GB_ERR_INVALID, "noise level must be >= 0, got %g",
                        cfg->noise_level);
  if (cfg->map < GB_SMOOTH_GRADIENT || cfg->map > GB_SMOOTH_GRAD_X_INPUT)
    return gb_error_set(err, GB_ERR_INVALID, "unknown SmoothGrad map %d", (int)cfg->map);
  return GB_OK;
}

static GbStatus
smooth_run(GbGradBatch *g, const GbSmoothConfig *cfg, const float *x, GbWelford *w,
           double *f_x, GbProgressFn progress, void *user, GbError *err)
{
  memcpy(g->xb, x, g->n_in * sizeof *x);
  GbStatus st = gb_grad_batch_values(g, 1, err);
  if (st != GB_OK)
    return st;
  *f_x = g->f[0];
  GbRng rng;
  gb_rng_seed(&rng, cfg->seed);
  double sigma = smooth_sigma(x, g->n_in, cfg->noise_level);
  while (w->count < cfg->samples) {
    int nb = cfg->samples - w->count < g->batch ? cfg->samples - w->count : g->batch;
    smooth_noisy_copies(g, &rng, x, sigma, nb);
    if ((st = gb_grad_batch_run(g, nb, err)) != GB_OK)
      return st;
    smooth_maps(g, cfg->map, nb);
    for (int r = 0; r < nb; r++) welford_add(w, g->dx + (size_t)r * g->n_in, g->n_in);
    if ((st = report(progress, user, (double)w->count / cfg->samples, "SmoothGrad", err)))
      return st;
  }
  return GB_OK;
}

/* Copies the accumulators out: the mean map, and the population variance. */
static GbStatus
smooth_finish(GbModel *m, const GbWelford *w, double f_x, GbAttribution *mean,
              GbAttribution *var, GbError *err)
{
  const GbShape *shape = gb_model_input_shape(m);
  GbStatus st = GB_OK;
  if (mean != NULL && (st = gb_attribution_alloc(mean, shape, err)) == GB_OK) {
    for (size_t i = 0; i < mean->n; i++) mean->values[i] = (float)w->mean[i];
    mean->n_evaluations = w->count;
    mean->f_x = f_x;
  }
  if (st == GB_OK && var != NULL && (st = gb_attribution_alloc(var, shape, err)) == GB_OK) {
    for (size_t i = 0; i < var->n; i++) var->values[i] = (float)fmax(0.0, w->m2[i] / w->count);
    var->n_evaluations = w->count;
    var->f_x = f_x;
  }
  return st;
}

GbStatus
gb_attribution_smoothgrad(GbModel *m, const float *x, size_t n_x, const GbTarget *t,
                          const GbSmoothConfig *cfg, GbAttribution *mean,
                          GbAttribution *variance, GbProgressFn progress, void *user,
                          GbError *err)
{
  if (mean != NULL)
    memset(mean, 0, sizeof *mean);
  if (variance != NULL)
    memset(variance, 0, sizeof *variance);
  GbStatus st = gb_attribution_check(m, x, n_x, t, err);
  if (st == GB_OK)
    st = smooth_check_config(cfg, mean, variance, err);
  if (st != GB_OK)
    return st;
  GbWelford w = {gb_calloc(n_x, sizeof(double)), gb_calloc(n_x, sizeof(double)), 0};
  GbGradBatch g = {0};
  int batch = cfg->batch > 0 ? cfg->batch : GB_DEFAULT_BATCH;
  double f_x = NAN;
  if (w.mean == NULL || w.m2 == NULL)
    st = gb_error_set(err, GB_ERR_NOMEM, "SmoothGrad accumulators for %zu inputs", n_x);
  if (st == GB_OK)
    st = gb_grad_batch_init(&g, m, t, batch < cfg->samples ? batch : cfg->samples, err);
  if (st == GB_OK)
    st = smooth_run(&g, cfg, x, &w, &f_x, progress, user, err);
  if (st == GB_OK)
    st = smooth_finish(m, &w, f_x, mean, variance, err);
  if (st != GB_OK) {
    gb_attribution_clear(mean);
    gb_attribution_clear(variance);
  }
  gb_grad_batch_clear(&g);
  gb_free(w.mean);
  gb_free(w.m2);
  return st;
}

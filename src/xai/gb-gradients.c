/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The batched gradient methods: integrated gradients and SmoothGrad/VarGrad. */
#include "config.h"

#include "gb-attribution.h"

#include <math.h>
#include <string.h>

#include "gb-affine-prefix.h"
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

/* ---- The factored path: with an affine layer a first (see gb-affine-prefix.h), the path
 * point x' + alpha (x - x') gives layer a the output L(x') + alpha (L(x) - L(x')), so the path
 * runs layers a + 1 on only, and the gradients w.r.t. layer a's output (delta_k) are summed
 * before one backward through layer a: sum_k w_k df/dx = J^T (sum_k w_k delta_k). */

#define GB_IG_FACTOR_FLOATS ((size_t)1 << 16)

typedef struct {
  GbAffinePrefix p;
  float *ends; /* (2, h): L(x), L(x') */
  float *z;    /* (batch, h): layer a's outputs at the path points */
  float *dz;   /* (batch, h): target gradients w.r.t. them */
  double *sum; /* (h): sum_k w_k dz_k */
} GbIgFactor;

static void
ig_factor_clear(GbIgFactor *fa)
{
  gb_free(fa->ends);
  gb_free(fa->z);
  gb_free(fa->dz);
  gb_free(fa->sum);
  memset(fa, 0, sizeof *fa);
}

static GbStatus
ig_factor_init(GbIgFactor *fa, int batch, GbError *err)
{
  size_t h = fa->p.h;
  fa->ends = gb_alloc_floats(2 * h);
  fa->z = gb_alloc_floats((size_t)batch * h);
  fa->dz = gb_alloc_floats((size_t)batch * h);
  fa->sum = gb_calloc(h, sizeof *fa->sum);
  if (fa->ends && fa->z && fa->dz && fa->sum)
    return GB_OK;
  ig_factor_clear(fa);
  return gb_error_set(err, GB_ERR_NOMEM, "integrated gradients: path scratch of %d x %zu",
                      batch, h);
}

/* L(x) and L(x'): ig_endpoints' forward of the pair left them in layer a's output when the
 * batch holds two rows; otherwise layer a runs once more on each. */
static GbStatus
ig_factor_ends(GbGradBatch *g, GbIgFactor *fa, const float *x, const float *xb, GbError *err)
{
  size_t h = fa->p.h;
  if (g->batch > 1) {
    memcpy(fa->ends, gb_model_layer_output(g->model, fa->p.layer), 2 * h * sizeof(float));
    return GB_OK;
  }
  GbStatus st = gb_affine_prefix_apply(&fa->p, x, 1, fa->ends, err);
  if (st == GB_OK)
    st = gb_affine_prefix_apply(&fa->p, xb, 1, fa->ends + h, err);
  return st;
}

/* One batch of path points from @first: forward and backward over layers (a, n). */
static GbStatus
ig_factor_batch(GbGradBatch *g, GbIgFactor *fa, const GbIgConfig *cfg, int first, int nb,
                GbError *err)
{
  size_t h = fa->p.h;
  int from = fa->p.layer + 1, to = gb_model_n_layers(g->model);
  const float *lx = fa->ends, *lb = fa->ends + h;
  double alpha, w;
  for (int r = 0; r < nb; r++) {
    ig_node(cfg, first + r, &alpha, &w);
    float *z = fa->z + (size_t)r * h;
    for (size_t j = 0; j < h; j++) z[j] = (float)(lb[j] + alpha * ((double)lx[j] - lb[j]));
  }
  GbStatus st = gb_model_forward_range(g->model, from, to, fa->z, nb, false, NULL, err);
  if (st == GB_OK)
    st = gb_model_backward_range(g->model, from, to, g->dlogits, nb, fa->dz, err);
  for (int r = 0; st == GB_OK && r < nb; r++) {
    ig_node(cfg, first + r, &alpha, &w);
    const float *d = fa->dz + (size_t)r * h;
    for (size_t j = 0; j < h; j++) fa->sum[j] += w * d[j];
  }
  return st;
}

/* acc = J^T sum: a backward through layers [0, a] after a forward of one row (any row: the
 * layer is affine, its input gradient does not depend on the input). */
static GbStatus
ig_factor_finish(GbGradBatch *g, GbIgFactor *fa, const float *x, double *acc, GbError *err)
{
  int to = fa->p.layer + 1;
  for (size_t j = 0; j < fa->p.h; j++) fa->z[j] = (float)fa->sum[j];
  GbStatus st = gb_model_forward_range(g->model, 0, to, x, 1, false, NULL, err);
  if (st == GB_OK)
    st = gb_model_backward_range(g->model, 0, to, fa->z, 1, g->dx, err);
  for (size_t i = 0; st == GB_OK && i < g->n_in; i++) acc[i] = g->dx[i];
  return st;
}

static GbStatus
ig_path_factored(GbGradBatch *g, GbIgFactor *fa, const GbIgConfig *cfg, const float *x,
                 const float *xb, double *acc, GbProgressFn progress, void *user, GbError *err)
{
  int n_nodes = cfg->steps + (cfg->rule == GB_IG_TRAPEZOID), done = 0;
  /* Rows of layer a's output can be large (a conv's): batches whose z and dz stay within
   * GB_IG_FACTOR_FLOATS each, so they stay in cache and are not page-faulted in each call. */
  int batch = (int)(GB_IG_FACTOR_FLOATS / fa->p.h);
  batch = batch < 1 ? 1 : (batch < g->batch ? batch : g->batch);
  GbStatus st = ig_factor_init(fa, batch, err);
  if (st == GB_OK)
    st = ig_factor_ends(g, fa, x, xb, err);
  if (st == GB_OK)
    gb_affine_prefix_note_use();
  while (st == GB_OK && done < n_nodes) {
    int nb = n_nodes - done < batch ? n_nodes - done : batch;
    if ((st = ig_factor_batch(g, fa, cfg, done, nb, err)) != GB_OK)
      break;
    done += nb;
    st = report(progress, user, (double)done / n_nodes, "integrated gradients", err);
  }
  if (st == GB_OK)
    st = ig_factor_finish(g, fa, x, acc, err);
  ig_factor_clear(fa);
  return st;
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
  GbIgFactor fa = {0};
  if (st == GB_OK && gb_affine_prefix_find(m, &fa.p))
    st = ig_path_factored(&g, &fa, cfg, x, xb, acc, progress, user, err);
  else if (st == GB_OK)
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

/* Fills g->xb with nb noisy copies of x, drawing the noise in sample order (the ziggurat
 * fill: the polar method's logarithms took 30% of SmoothGrad's time on an MLP, this 10%). */
static void
smooth_noisy_copies(GbGradBatch *g, GbRng *rng, const float *x, double sigma, int nb)
{
  size_t n = g->n_in;
  if (sigma > 0.0)
    gb_rng_normal_fill(rng, g->xb, (size_t)nb * n);
  for (int r = 0; r < nb; r++) {
    float *p = g->xb + (size_t)r * n;
    for (size_t i = 0; i < n; i++) p[i] = sigma > 0.0 ? (float)(x[i] + sigma * p[i]) : x[i];
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

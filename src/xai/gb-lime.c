/* SPDX-License-Identifier: GPL-3.0-or-later */
/* LIME for segments with lime_image's defaults (methods.md §5.5): Bernoulli(0.5) masks with
 * sample 0 all on, cosine distance to it, kernel sqrt(exp(-d^2 / w^2)), weighted ridge with an
 * intercept. The samples are folded into weighted sums of products as they are evaluated, so
 * memory does not grow with their number; the fit and its R^2 come from those sums. */
#include "config.h"

#include "gb-perturb.h"

#include <lapacke.h>
#include <math.h>
#include <string.h>

#include "gb-alloc.h"
#include "gb-perturb-private.h"
#include "gb-rng.h"

void
gb_lime_config_init(GbLimeConfig *cfg)
{
  memset(cfg, 0, sizeof *cfg);
  cfg->samples = 1000;
  cfg->kernel_width = 0.25;
  cfg->alpha = 1.0;
  cfg->segment_mean = true;
  gb_baseline_init(&cfg->baseline);
  cfg->expand = GB_EXPAND_SPREAD;
  cfg->batch = GB_PERTURB_DEFAULT_BATCH;
  cfg->chunk = GB_PERTURB_DEFAULT_CHUNK;
}

/* G: (M + 2, M + 2) upper triangle of sum_j pi_j u_j u_j^T, u = (1, z_1..z_M, y - y0). */
typedef struct {
  int M, D;
  double *G;
  double y0; /* f(x), subtracted from every y against cancellation */
  uint8_t *masks;
  double *v, *u;
  int chunk;
  GbCoalitionEval ev;
} GbLimeState;

/* Cosine distance of a binary vector with k ones to the all-ones vector, and its kernel. */
static double
lime_kernel(int k, int M, double width)
{
  double d = k > 0 ? 1.0 - sqrt((double)k / M) : 1.0;
  return sqrt(exp(-d * d / (width * width)));
}

static void
lime_fold(GbLimeState *s, const uint8_t *z, double y, double width)
{
  int k = 0, D = s->D;
  s->u[0] = 1.0;
  for (int i = 0; i < s->M; i++) k += s->u[i + 1] = z[i];
  s->u[D - 1] = y - s->y0;
  double pi = lime_kernel(k, s->M, width);
  for (int i = 0; i < D; i++) {
    if (s->u[i] == 0.0)
      continue;
    double wu = pi * s->u[i];
    for (int j = i; j < D; j++) s->G[(size_t)i * D + j] += wu * s->u[j];
  }
}

/* Draws chunk after chunk of masks (sample 0 all ones) and folds their values in. */
static GbStatus
lime_sample(GbLimeState *s, const GbLimeConfig *cfg, GbProgressFn progress, void *user,
            GbError *err)
{
  GbRng rng;
  gb_rng_seed(&rng, cfg->seed);
  int done = 0;
  while (done < cfg->samples) {
    int nb = cfg->samples - done < s->chunk ? cfg->samples - done : s->chunk;
    for (int j = 0; j < nb; j++)
      for (int i = 0; i < s->M; i++)
        s->masks[(size_t)j * s->M + i] = done + j == 0 ? 1 : (uint8_t)(gb_rng_next(&rng) >> 63);
    GbStatus st = gb_coalition_eval_run(&s->ev, s->masks, nb, s->v, err);
    if (st != GB_OK)
      return st;
    if (done == 0)
      s->y0 = s->v[0];
    for (int j = 0; j < nb; j++)
      lime_fold(s, s->masks + (size_t)j * s->M, s->v[j], cfg->kernel_width);
    done += nb;
    if ((st = gb_perturb_report(progress, user, (double)done / cfg->samples, "LIME", err)))
      return st;
  }
  return GB_OK;
}

/* G[a][b] from its upper triangle. */
static double
gram(const double *G, int D, int a, int b)
{
  return a <= b ? G[(size_t)a * D + b] : G[(size_t)b * D + a];
}

/* Weighted ridge from G: centre by the weighted means, solve (Sxx + alpha I) b = Sxy, then the
 * intercept and the weighted R^2 = 1 - SS_res / SS_tot (sklearn's Ridge.score). */
static GbStatus
lime_solve(GbLimeState *s, double alpha, GbSegmentAttribution *out, GbError *err)
{
  int M = s->M, D = s->D;
  const double *G = s->G;
  double sw = G[0], my = G[D - 1] / sw, syy = G[(size_t)(D - 1) * D + D - 1] - sw * my * my;
  double *S = gb_malloc((size_t)M * M * sizeof *S), *mz = gb_malloc(M * sizeof *mz);
  double *b = out->segment_values, *sxy = gb_malloc(M * sizeof *sxy);
  GbStatus st = GB_OK;
  if (!S || !mz || !sxy)
    st = gb_error_set(err, GB_ERR_NOMEM, "LIME system of %d segments", M);
  for (int i = 0; st == GB_OK && i < M; i++) mz[i] = G[i + 1] / sw;
  for (int i = 0; st == GB_OK && i < M; i++) {
    for (int j = i; j < M; j++)
      S[(size_t)i * M + j] = S[(size_t)j * M + i] =
        G[(size_t)(i + 1) * D + j + 1] - sw * mz[i] * mz[j];
    b[i] = sxy[i] = G[(size_t)(i + 1) * D + D - 1] - sw * mz[i] * my;
  }
  double ss_res = syy, icpt = my;
  if (st == GB_OK) {
    for (int i = 0; i < M; i++) S[(size_t)i * M + i] += alpha;
    if (LAPACKE_dposv(LAPACK_ROW_MAJOR, 'U', M, 1, S, M, b, 1) != 0)
      st = gb_error_set(err, GB_ERR_NUMERIC, "LIME ridge system is singular (alpha %g)", alpha);
  }
  for (int i = 0; st == GB_OK && i < M; i++) {
    icpt -= mz[i] * b[i];
    ss_res -= 2.0 * b[i] * sxy[i];
    for (int j = 0; j < M; j++)
      ss_res += b[i] * b[j] * (gram(G, D, i + 1, j + 1) - sw * mz[i] * mz[j]);
  }
  if (st == GB_OK) {
    out->base_value = icpt + s->y0;
    out->score = syy > 0.0 ? 1.0 - ss_res / syy : (fabs(ss_res) <= 0.0 ? 1.0 : 0.0);
    double pred = out->base_value;
    for (int i = 0; i < M; i++) pred += b[i];
    out->local_prediction = pred;
  }
  gb_free(S);
  gb_free(mz);
  gb_free(sxy);
  return st;
}

static GbStatus
lime_check_config(const GbLimeConfig *cfg, GbError *err)
{
  if (cfg->samples < 2)
    return gb_error_set(err, GB_ERR_INVALID, "LIME needs at least 2 samples, got %d",
                        cfg->samples);
  if (!(cfg->kernel_width > 0.0) || !isfinite(cfg->kernel_width))
    return gb_error_set(err, GB_ERR_INVALID, "LIME kernel width must be positive, got %g",
                        cfg->kernel_width);
  if (!(cfg->alpha > 0.0) || !isfinite(cfg->alpha))
    return gb_error_set(err, GB_ERR_INVALID, "LIME ridge alpha must be positive, got %g",
                        cfg->alpha);
  return GB_OK;
}

static GbStatus
lime_state_init(GbLimeState *s, int M, int chunk, GbError *err)
{
  memset(s, 0, sizeof *s);
  s->M = M;
  s->D = M + 2;
  s->chunk = chunk > 0 ? chunk : GB_PERTURB_DEFAULT_CHUNK;
  s->G = gb_calloc((size_t)s->D * s->D, sizeof *s->G);
  s->u = gb_calloc((size_t)s->D, sizeof *s->u);
  s->masks = gb_malloc((size_t)s->chunk * M);
  s->v = gb_calloc((size_t)s->chunk, sizeof *s->v);
  if (!s->G || !s->u || !s->masks || !s->v)
    return gb_error_set(err, GB_ERR_NOMEM, "LIME scratch for %d segments", M);
  return GB_OK;
}

static void
lime_state_clear(GbLimeState *s)
{
  gb_free(s->G);
  gb_free(s->u);
  gb_free(s->masks);
  gb_free(s->v);
  gb_coalition_eval_clear(&s->ev);
}

/* The hidden image: segment means of x, or the baseline. */
static GbStatus
lime_hidden(GbModel *m, const float *x, size_t n_x, const GbSegments *seg,
            const GbLimeConfig *cfg, float *xb, GbError *err)
{
  if (cfg->segment_mean)
    return gb_segments_mean_fill(seg, x, xb, err);
  return gb_baseline_make(&cfg->baseline, gb_model_input_shape(m), x, n_x, xb, err);
}

GbStatus
gb_attribution_lime(GbModel *m, const float *x, size_t n_x, const GbTarget *t,
                    const GbSegments *seg, const GbLimeConfig *cfg, GbSegmentAttribution *out,
                    GbProgressFn progress, void *user, GbError *err)
{
  memset(out, 0, sizeof *out);
  GbStatus st = gb_perturb_check(m, x, n_x, t, seg, err);
  if (st == GB_OK)
    st = lime_check_config(cfg, err);
  if (st != GB_OK)
    return st;
  GbLimeState s;
  float *xb = gb_alloc_floats(n_x);
  st = lime_state_init(&s, seg->n_segments, cfg->chunk, err);
  if (st == GB_OK && xb == NULL)
    st = gb_error_set(err, GB_ERR_NOMEM, "LIME hidden input of %zu values", n_x);
  if (st == GB_OK)
    st = lime_hidden(m, x, n_x, seg, cfg, xb, err);
  if (st == GB_OK)
    st = gb_coalition_eval_init(&s.ev, m, t, seg, x, xb, 1, cfg->batch, err);
  if (st == GB_OK)
    st = gb_segment_attribution_alloc(out, seg, err);
  double f_hidden = NAN;
  if (st == GB_OK) {
    memset(s.masks, 0, (size_t)s.M);
    st = gb_coalition_eval_run(&s.ev, s.masks, 1, &f_hidden, err);
  }
  if (st == GB_OK)
    st = lime_sample(&s, cfg, progress, user, err);
  if (st == GB_OK)
    st = lime_solve(&s, cfg->alpha, out, err);
  if (st == GB_OK) {
    gb_segments_expand(seg, out->segment_values, cfg->expand, out->map.values);
    out->map.f_x = s.y0;
    out->map.f_baseline = f_hidden;
    double sum = 0.0;
    for (int i = 0; i < s.M; i++) sum += out->segment_values[i];
    out->map.sum = sum;
    out->map.n_evaluations = (int)s.ev.n_forward;
    out->n_coalitions = cfg->samples;
  } else {
    gb_segment_attribution_clear(out);
  }
  lime_state_clear(&s);
  gb_free(xb);
  return st;
}

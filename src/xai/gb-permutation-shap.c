/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Permutation sampling Shapley values (Castro et al. 2009; methods.md §5.3): walk random orders
 * of the segments, switching them from the background to x one at a time, and average each
 * segment's marginal gain. One order costs M + 1 coalitions and telescopes to
 * v(all) - v(none), so efficiency holds for every order. */
#include "config.h"

#include "gb-perturb.h"

#include <math.h>
#include <string.h>

#include "gb-alloc.h"
#include "gb-perturb-private.h"
#include "gb-rng.h"

void
gb_permutation_shap_config_init(GbPermutationShapConfig *cfg)
{
  memset(cfg, 0, sizeof *cfg);
  cfg->permutations = 100;
  cfg->antithetic = true;
  gb_baseline_init(&cfg->baseline);
  cfg->expand = GB_EXPAND_SPREAD;
  cfg->batch = GB_PERTURB_DEFAULT_BATCH;
}

typedef struct {
  int M;
  uint8_t *masks;     /* (2 (M + 1), M): the walks of one draw */
  double *v;          /* (2 (M + 1)) their values */
  int *perm;          /* (M) the order */
  double *draw;       /* (M) one draw's marginal gains */
  double *mean, *m2;  /* (M) Welford accumulators over draws */
  long count;
  GbCoalitionEval ev;
} GbPermState;

static GbStatus
perm_state_init(GbPermState *s, int M, GbError *err)
{
  memset(s, 0, sizeof *s);
  s->M = M;
  size_t steps = 2 * ((size_t)M + 1);
  s->masks = gb_malloc(steps * M);
  s->v = gb_calloc(steps, sizeof *s->v);
  s->perm = gb_calloc((size_t)M, sizeof *s->perm);
  s->draw = gb_calloc((size_t)M, sizeof *s->draw);
  s->mean = gb_calloc((size_t)M, sizeof *s->mean);
  s->m2 = gb_calloc((size_t)M, sizeof *s->m2);
  if (!s->masks || !s->v || !s->perm || !s->draw || !s->mean || !s->m2)
    return gb_error_set(err, GB_ERR_NOMEM, "permutation Shapley scratch for %d segments", M);
  for (int i = 0; i < M; i++) s->perm[i] = i;
  return GB_OK;
}

static void
perm_state_clear(GbPermState *s)
{
  gb_free(s->masks);
  gb_free(s->v);
  gb_free(s->perm);
  gb_free(s->draw);
  gb_free(s->mean);
  gb_free(s->m2);
  gb_coalition_eval_clear(&s->ev);
}

/* The segment switched on at step k (1..M) of the order, walked forward or reversed. */
static int
perm_step(const GbPermState *s, int k, bool reversed)
{
  return s->perm[reversed ? s->M - k : k - 1];
}

/* masks: (M + 1, M), row k with the first k segments of the order on. */
static void
perm_walk(const GbPermState *s, uint8_t *masks, bool reversed)
{
  int M = s->M;
  memset(masks, 0, (size_t)M);
  for (int k = 1; k <= M; k++) {
    memcpy(masks + (size_t)k * M, masks + (size_t)(k - 1) * M, (size_t)M);
    masks[(size_t)k * M + perm_step(s, k, reversed)] = 1;
  }
}

/* One draw: the order (and its reverse), evaluated, its gains folded into the running mean. */
static GbStatus
perm_draw(GbPermState *s, GbRng *rng, int walks, GbError *err)
{
  int M = s->M;
  gb_rng_shuffle(rng, s->perm, M);
  for (int w = 0; w < walks; w++) perm_walk(s, s->masks + (size_t)w * (M + 1) * M, w == 1);
  GbStatus st = gb_coalition_eval_run(&s->ev, s->masks, walks * (M + 1), s->v, err);
  if (st != GB_OK)
    return st;
  memset(s->draw, 0, (size_t)M * sizeof *s->draw);
  for (int w = 0; w < walks; w++) {
    const double *v = s->v + (size_t)w * (M + 1);
    for (int k = 1; k <= M; k++) s->draw[perm_step(s, k, w == 1)] += (v[k] - v[k - 1]) / walks;
  }
  s->count++;
  for (int i = 0; i < M; i++) {
    double d = s->draw[i] - s->mean[i];
    s->mean[i] += d / s->count;
    s->m2[i] += d * (s->draw[i] - s->mean[i]);
  }
  return GB_OK;
}

static void
perm_finish(GbSegmentAttribution *out, const GbPermState *s, const GbSegments *seg,
            GbExpand expand, int walks)
{
  int M = s->M;
  double sum = 0.0, f_base = s->v[0], f_x = s->v[M];
  for (int i = 0; i < M; i++) {
    sum += out->segment_values[i] = s->mean[i];
    out->segment_stderr[i] = s->count > 1 ? sqrt(s->m2[i] / (s->count - 1) / s->count) : NAN;
  }
  gb_segments_expand(seg, out->segment_values, expand, out->map.values);
  out->base_value = f_base;
  out->local_prediction = f_base + sum;
  out->n_coalitions = s->count * walks * (M + 1);
  GbAttribution *a = &out->map;
  a->f_x = f_x;
  a->f_baseline = f_base;
  a->sum = sum;
  a->gap = fabs(sum - (f_x - f_base));
  a->gap_relative = f_x != f_base ? a->gap / fabs(f_x - f_base) : (a->gap == 0.0 ? 0.0 : INFINITY);
  a->n_evaluations = (int)(s->ev.n_forward < INT32_MAX ? s->ev.n_forward : INT32_MAX);
}

static GbStatus
perm_run(GbPermState *s, const GbPermutationShapConfig *cfg, GbProgressFn progress, void *user,
         GbError *err)
{
  GbRng rng;
  gb_rng_seed(&rng, cfg->seed);
  int walks = cfg->antithetic ? 2 : 1;
  GbStatus st = GB_OK;
  for (int r = 0; st == GB_OK && r < cfg->permutations; r++) {
    st = perm_draw(s, &rng, walks, err);
    if (st == GB_OK)
      st = gb_perturb_report(progress, user, (r + 1.0) / cfg->permutations,
                             "permutation Shapley", err);
  }
  return st;
}

GbStatus
gb_attribution_permutation_shap(GbModel *m, const float *x, size_t n_x, const GbTarget *t,
                                const GbSegments *seg, const GbPermutationShapConfig *cfg,
                                GbSegmentAttribution *out, GbProgressFn progress, void *user,
                                GbError *err)
{
  memset(out, 0, sizeof *out);
  GbStatus st = gb_perturb_check(m, x, n_x, t, seg, err);
  if (st == GB_OK && cfg->permutations < 1)
    st = gb_error_set(err, GB_ERR_INVALID, "permutation Shapley needs at least 1 permutation, "
                      "got %d", cfg->permutations);
  if (st != GB_OK)
    return st;
  GbPermState s;
  float *xb = NULL;
  const float *bg;
  int n_bg;
  st = perm_state_init(&s, seg->n_segments, err);
  if (st == GB_OK)
    st = gb_perturb_background(m, x, n_x, &cfg->baseline, cfg->background, cfg->n_background,
                               &xb, &bg, &n_bg, err);
  if (st == GB_OK)
    st = gb_coalition_eval_init(&s.ev, m, t, seg, x, bg, n_bg, cfg->batch, err);
  if (st == GB_OK)
    st = gb_segment_attribution_alloc(out, seg, err);
  if (st == GB_OK && (out->segment_stderr = gb_calloc((size_t)s.M, sizeof(double))) == NULL)
    st = gb_error_set(err, GB_ERR_NOMEM, "standard errors of %d segments", s.M);
  if (st == GB_OK)
    st = perm_run(&s, cfg, progress, user, err);
  if (st == GB_OK)
    perm_finish(out, &s, seg, cfg->expand, cfg->antithetic ? 2 : 1);
  else
    gb_segment_attribution_clear(out);
  perm_state_clear(&s);
  gb_free(xb);
  return st;
}

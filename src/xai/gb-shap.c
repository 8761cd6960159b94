/* SPDX-License-Identifier: GPL-3.0-or-later */
/* KernelSHAP as in shap/explainers/_kernel.py (methods.md §5.2): the Shapley-kernel budget per
 * coalition size, a deterministic fill of the sizes the budget covers completely, paired random
 * sampling of the rest, and weighted least squares with efficiency enforced by eliminating the
 * last segment. With a budget of 2^M - 2 every size is filled: the exact Shapley values. */
#include "config.h"

#include "gb-perturb.h"

#include <lapacke.h>
#include <math.h>
#include <string.h>

#include "gb-alloc.h"
#include "gb-perturb-private.h"
#include "gb-rng.h"

#define GB_SHAP_MAX_EXACT 30

void
gb_shap_config_init(GbShapConfig *cfg)
{
  memset(cfg, 0, sizeof *cfg);
  cfg->exact_max_segments = 12;
  gb_baseline_init(&cfg->baseline);
  cfg->expand = GB_EXPAND_SPREAD;
  cfg->batch = GB_PERTURB_DEFAULT_BATCH;
  cfg->chunk = GB_PERTURB_DEFAULT_CHUNK;
}

enum { DETERMINISTIC, RANDOM };

/* Coalitions wait in a chunk until they are evaluated and folded into the normal equations
 * A[kind] phi = b[kind] of the eliminated problem (P = M - 1 unknowns, upper triangle of A).
 * Random samples carry weight 1 until the end, when they share the leftover kernel mass.
 * C targets share the coalitions, their evaluations and the design A: one right-hand side
 * each (C = 1: the explained target; C = n_out: every logit). */
typedef struct {
  int M, P, C;
  bool all;              /* C = n_out: evaluate every logit */
  double *f_base, *delta; /* (C) v(empty), v(full) - v(empty) */
  double *A[2], *b[2];  /* (P, P) and (P, C) each */
  double *x;            /* (P) one design row */
  double *y;            /* (C) its targets */
  uint8_t *masks;       /* (chunk, M) */
  double *w;            /* (chunk) */
  double *v;            /* (chunk, C) */
  int chunk, pending, pending_kind;
  long n_random, done, total;
  GbCoalitionEval ev;
  GbProgressFn progress;
  void *user;
} GbShapState;

/* Row j: x_i = z_i - z_m, y~_c = v_c - f_base_c - z_m delta_c, with m = M - 1.
 * v: (C) the coalition's values. */
static void
shap_fold(GbShapState *s, const uint8_t *z, double w, const double *v, int kind)
{
  int P = s->P, C = s->C;
  double zm = z[P];
  double *A = s->A[kind], *b = s->b[kind];
  for (int c = 0; c < C; c++) s->y[c] = v[c] - s->f_base[c] - zm * s->delta[c];
  for (int i = 0; i < P; i++) s->x[i] = (double)z[i] - zm;
  for (int i = 0; i < P; i++) {
    if (s->x[i] == 0.0)
      continue;
    double wx = w * s->x[i];
    for (int c = 0; c < C; c++) b[(size_t)i * C + c] += wx * s->y[c];
    for (int k = i; k < P; k++) A[(size_t)i * P + k] += wx * s->x[k];
  }
}

static GbStatus
shap_flush(GbShapState *s, GbError *err)
{
  if (s->pending == 0)
    return GB_OK;
  GbStatus st = s->all ? gb_coalition_eval_run_all(&s->ev, s->masks, s->pending, s->v, err)
                       : gb_coalition_eval_run(&s->ev, s->masks, s->pending, s->v, err);
  if (st != GB_OK)
    return st;
  for (int j = 0; j < s->pending; j++)
    shap_fold(s, s->masks + (size_t)j * s->M, s->w[j], s->v + (size_t)j * s->C,
              s->pending_kind);
  s->done += s->pending;
  s->pending = 0;
  return gb_perturb_report(s->progress, s->user, (double)s->done / s->total, "KernelSHAP",
                           err);
}

static GbStatus
shap_add(GbShapState *s, const uint8_t *z, double w, int kind, GbError *err)
{
  GbStatus st = GB_OK;
  if (s->pending > 0 && kind != s->pending_kind && (st = shap_flush(s, err)) != GB_OK)
    return st;
  s->pending_kind = kind;
  memcpy(s->masks + (size_t)s->pending * s->M, z, (size_t)s->M);
  s->w[s->pending++] = w;
  if (kind == RANDOM)
    s->n_random++;
  return s->pending == s->chunk ? shap_flush(s, err) : GB_OK;
}

/* Adds @z and, when @paired, its complement (which flips @z back afterwards). */
static GbStatus
shap_add_pair(GbShapState *s, uint8_t *z, double w, int kind, bool paired, GbError *err)
{
  GbStatus st = shap_add(s, z, w, kind, err);
  if (st != GB_OK || !paired)
    return st;
  for (int i = 0; i < s->M; i++) z[i] = !z[i];
  st = shap_add(s, z, w, kind, err);
  for (int i = 0; i < s->M; i++) z[i] = !z[i];
  return st;
}

static double
binom(int n, int k)
{
  double r = 1.0;
  for (int i = 1; i <= k; i++) r = r * (n - k + i) / i;
  return r;
}

/* Every subset of size @size (and its complement when paired), each with weight @w. */
static GbStatus
shap_fill_size(GbShapState *s, int size, double w, bool paired, uint8_t *z, int *idx,
               GbError *err)
{
  for (int i = 0; i < size; i++) idx[i] = i;
  for (;;) {
    memset(z, 0, (size_t)s->M);
    for (int i = 0; i < size; i++) z[idx[i]] = 1;
    GbStatus st = shap_add_pair(s, z, w, DETERMINISTIC, paired, err);
    if (st != GB_OK)
      return st;
    int i = size - 1;
    while (i >= 0 && idx[i] == s->M - size + i) i--;
    if (i < 0)
      return GB_OK;
    idx[i]++;
    for (int k = i + 1; k < size; k++) idx[k] = idx[k - 1] + 1;
  }
}

/* The sampling plan of shap: kernel mass per size, and how many sizes are filled whole. */
typedef struct {
  int n_sizes, n_paired, n_full;
} GbShapPlan;

static double *
plan_weights(GbShapPlan *p, int M, double *heap)
{
  p->n_sizes = (M - 1 + 1) / 2; /* ceil((M - 1) / 2) */
  p->n_paired = (M - 1) / 2;
  double *w = heap, total = 0.0;
  for (int s = 1; s <= p->n_sizes; s++) {
    w[s - 1] = (M - 1.0) / ((double)s * (M - s)) * (s <= p->n_paired ? 2.0 : 1.0);
    total += w[s - 1];
  }
  for (int s = 1; s <= p->n_sizes; s++) w[s - 1] /= total;
  return w;
}

/* Deterministic fill; returns the samples left for the random fill in *left. */
static GbStatus
shap_fill(GbShapState *s, GbShapPlan *p, const double *weight, double *remaining, long *left,
          uint8_t *z, int *idx, GbError *err)
{
  double samples_left = (double)*left;
  memcpy(remaining, weight, (size_t)p->n_sizes * sizeof *remaining);
  p->n_full = 0;
  for (int size = 1; size <= p->n_sizes; size++) {
    bool paired = size <= p->n_paired;
    double nsub = binom(s->M, size) * (paired ? 2.0 : 1.0);
    if (samples_left * remaining[size - 1] / nsub < 1.0 - 1e-8)
      break;
    p->n_full++;
    samples_left -= nsub;
    double rest = 1.0 - remaining[size - 1];
    if (rest > 0.0)
      for (int k = 0; k < p->n_sizes; k++) remaining[k] /= rest;
    double w = weight[size - 1] / binom(s->M, size) / (paired ? 2.0 : 1.0);
    GbStatus st = shap_fill_size(s, size, w, paired, z, idx, err);
    if (st != GB_OK)
      return st;
  }
  *left = (long)llround(samples_left);
  return GB_OK;
}

/* Paired random sampling of the sizes not filled: size ~ weight (paired sizes halved), then a
 * uniform subset of it and its complement. */
static GbStatus
shap_sample(GbShapState *s, const GbShapPlan *p, const double *weight, long left, GbRng *rng,
            uint8_t *z, int *perm, GbError *err)
{
  double total = 0.0;
  for (int k = p->n_full; k < p->n_sizes; k++)
    total += weight[k] * (k + 1 <= p->n_paired ? 0.5 : 1.0);
  for (int i = 0; i < s->M; i++) perm[i] = i;
  while (left > 0) {
    double u = gb_rng_uniform(rng) * total, c = 0.0;
    int size = p->n_sizes;
    for (int k = p->n_full; k < p->n_sizes; k++) {
      c += weight[k] * (k + 1 <= p->n_paired ? 0.5 : 1.0);
      if (u < c) {
        size = k + 1;
        break;
      }
    }
    memset(z, 0, (size_t)s->M);
    for (int j = 0; j < size; j++) { /* partial Fisher-Yates */
      int r = j + (int)gb_rng_below(rng, (uint64_t)(s->M - j)), tmp = perm[j];
      perm[j] = perm[r];
      perm[r] = tmp;
      z[perm[j]] = 1;
    }
    bool paired = size <= p->n_paired && left > 1;
    GbStatus st = shap_add_pair(s, z, 1.0, RANDOM, paired, err);
    if (st != GB_OK)
      return st;
    left -= paired ? 2 : 1;
  }
  return shap_flush(s, err);
}

/* Solves (A + 1e-10 tr(A) I) phi = b, b: (P, C), by Cholesky; min-norm least squares if A
 * is singular. */
static GbStatus
shap_solve(int P, int C, double *A, double *b, GbError *err)
{
  double *copy = gb_malloc((size_t)P * P * sizeof *copy);
  double *rhs = gb_malloc((size_t)P * C * sizeof *rhs);
  if (copy == NULL || rhs == NULL) {
    gb_free(copy);
    gb_free(rhs);
    return gb_error_set(err, GB_ERR_NOMEM, "KernelSHAP system of %d unknowns", P);
  }
  for (int i = 0; i < P; i++) /* mirror the upper triangle */
    for (int k = 0; k < i; k++) A[(size_t)i * P + k] = A[(size_t)k * P + i];
  memcpy(copy, A, (size_t)P * P * sizeof *A);
  memcpy(rhs, b, (size_t)P * C * sizeof *b);
  double tr = 0.0;
  for (int i = 0; i < P; i++) tr += A[(size_t)i * P + i];
  for (int i = 0; i < P; i++) A[(size_t)i * P + i] += 1e-10 * tr;
  GbStatus st = GB_OK;
  if (LAPACKE_dposv(LAPACK_ROW_MAJOR, 'U', P, C, A, P, b, C) != 0) {
    double *sv = gb_malloc(P * sizeof *sv);
    lapack_int rank;
    if (sv == NULL)
      st = gb_error_set(err, GB_ERR_NOMEM, "KernelSHAP fallback of %d unknowns", P);
    else if (LAPACKE_dgelsd(LAPACK_ROW_MAJOR, P, P, C, copy, P, rhs, C, sv, -1.0, &rank) != 0)
      st = gb_error_set(err, GB_ERR_NUMERIC, "KernelSHAP least squares did not converge");
    else
      memcpy(b, rhs, (size_t)P * C * sizeof *b);
    gb_free(sv);
  }
  gb_free(copy);
  gb_free(rhs);
  return st;
}

static GbStatus
shap_check_config(const GbShapConfig *cfg, GbError *err)
{
  if (cfg->samples < 0)
    return gb_error_set(err, GB_ERR_INVALID, "KernelSHAP samples must be >= 0, got %ld",
                        cfg->samples);
  if (cfg->exact_max_segments > GB_SHAP_MAX_EXACT)
    return gb_error_set(err, GB_ERR_INVALID, "exact KernelSHAP is limited to %d segments, "
                        "asked for up to %d", GB_SHAP_MAX_EXACT, cfg->exact_max_segments);
  return GB_OK;
}

/* How many coalitions: all 2^M - 2 up to the exact threshold, else the request (default
 * 2M + 2048) capped at 2^M - 2. */
static long
shap_budget(const GbShapConfig *cfg, int M)
{
  long all = M <= GB_SHAP_MAX_EXACT ? (1L << M) - 2 : -1;
  if (M <= cfg->exact_max_segments)
    return all;
  long want = cfg->samples > 0 ? cfg->samples : 2L * M + 2048;
  return all >= 0 && want > all ? all : want;
}

/* @C targets; @all: they are the model's n_out logits. */
static GbStatus
shap_state_init(GbShapState *s, int M, int C, bool all, int chunk, GbError *err)
{
  memset(s, 0, sizeof *s);
  s->M = M;
  s->P = M - 1;
  s->C = C;
  s->all = all;
  /* At least 2: the endpoints are evaluated in one go. */
  s->chunk = chunk > 1 ? chunk : chunk == 1 ? 2 : GB_PERTURB_DEFAULT_CHUNK;
  size_t pp = (size_t)s->P * s->P + 1;
  for (int k = 0; k < 2; k++) {
    s->A[k] = gb_calloc(pp, sizeof(double));
    s->b[k] = gb_calloc((size_t)M * C, sizeof(double));
  }
  s->f_base = gb_calloc((size_t)C, sizeof(double));
  s->delta = gb_calloc((size_t)C, sizeof(double));
  s->x = gb_calloc((size_t)M, sizeof(double));
  s->y = gb_calloc((size_t)C, sizeof(double));
  s->masks = gb_malloc((size_t)s->chunk * M);
  s->w = gb_calloc((size_t)s->chunk, sizeof(double));
  s->v = gb_calloc((size_t)s->chunk * C, sizeof(double));
  if (!s->A[0] || !s->A[1] || !s->b[0] || !s->b[1] || !s->f_base || !s->delta || !s->x ||
      !s->y || !s->masks || !s->w || !s->v)
    return gb_error_set(err, GB_ERR_NOMEM, "KernelSHAP scratch for %d segments", M);
  return GB_OK;
}

static void
shap_state_clear(GbShapState *s)
{
  for (int k = 0; k < 2; k++) {
    gb_free(s->A[k]);
    gb_free(s->b[k]);
  }
  gb_free(s->f_base);
  gb_free(s->delta);
  gb_free(s->x);
  gb_free(s->y);
  gb_free(s->masks);
  gb_free(s->w);
  gb_free(s->v);
  gb_coalition_eval_clear(&s->ev);
}

/* v(empty) and v(full). */
static GbStatus
shap_endpoints(GbShapState *s, GbError *err)
{
  uint8_t *z = s->masks;
  memset(z, 0, (size_t)2 * s->M);
  memset(z + s->M, 1, (size_t)s->M);
  GbStatus st = s->all ? gb_coalition_eval_run_all(&s->ev, z, 2, s->v, err)
                       : gb_coalition_eval_run(&s->ev, z, 2, s->v, err);
  for (int c = 0; c < s->C; c++) {
    s->f_base[c] = s->v[c];
    s->delta[c] = s->v[s->C + c] - s->v[c];
  }
  return st;
}

/* Fill, sample, solve: phi into @phi (C, M). */
static GbStatus
shap_run(GbShapState *s, long budget, uint64_t seed, double *phi, bool *exact, GbError *err)
{
  int M = s->M;
  double *heap = gb_calloc((size_t)2 * M + 2, sizeof *heap);
  int *idx = gb_calloc((size_t)M, sizeof *idx);
  uint8_t *z = gb_malloc((size_t)M);
  GbStatus st = heap && idx && z ? GB_OK
                                 : gb_error_set(err, GB_ERR_NOMEM, "KernelSHAP plan for %d", M);
  GbShapPlan plan = {0};
  long left = budget;
  double *weight = heap ? plan_weights(&plan, M, heap) : NULL;
  if (st == GB_OK)
    st = shap_fill(s, &plan, weight, heap + M + 1, &left, z, idx, err);
  if (st == GB_OK)
    st = shap_flush(s, err);
  GbRng rng;
  gb_rng_seed(&rng, seed);
  if (st == GB_OK && plan.n_full < plan.n_sizes)
    st = shap_sample(s, &plan, weight, left, &rng, z, idx, err);
  if (st == GB_OK && s->P > 0) {
    double weight_left = 0.0;
    for (int k = plan.n_full; k < plan.n_sizes; k++) weight_left += weight[k];
    double c = s->n_random > 0 ? weight_left / s->n_random : 0.0;
    size_t pp = (size_t)s->P * s->P;
    for (size_t i = 0; i < pp; i++) s->A[0][i] += c * s->A[1][i];
    for (size_t i = 0; i < (size_t)s->P * s->C; i++) s->b[0][i] += c * s->b[1][i];
    st = shap_solve(s->P, s->C, s->A[0], s->b[0], err);
  }
  for (int c = 0; c < s->C && st == GB_OK; c++) {
    double sum = 0.0, *row = phi + (size_t)c * M;
    for (int i = 0; i < s->P; i++) sum += row[i] = s->b[0][(size_t)i * s->C + c];
    row[s->P] = s->delta[c] - sum;
  }
  if (st == GB_OK)
    *exact = plan.n_full == plan.n_sizes;
  gb_free(heap);
  gb_free(idx);
  gb_free(z);
  return st;
}

static void
shap_finish(GbSegmentAttribution *out, const GbShapState *s, const GbSegments *seg,
            GbExpand expand)
{
  double sum = 0.0;
  for (int i = 0; i < s->M; i++) sum += out->segment_values[i];
  gb_segments_expand(seg, out->segment_values, expand, out->map.values);
  double f_base = s->f_base[0], delta = s->delta[0];
  out->base_value = f_base;
  out->local_prediction = f_base + sum;
  out->n_coalitions = s->done;
  GbAttribution *a = &out->map;
  a->f_x = f_base + delta;
  a->f_baseline = f_base;
  a->sum = sum;
  a->gap = fabs(sum - delta);
  a->gap_relative = delta != 0.0 ? a->gap / fabs(delta) : (a->gap == 0.0 ? 0.0 : INFINITY);
  a->n_evaluations = (int)(s->ev.n_forward < INT32_MAX ? s->ev.n_forward : INT32_MAX);
}

GbStatus
gb_attribution_kernel_shap(GbModel *m, const float *x, size_t n_x, const GbTarget *t,
                           const GbSegments *seg, const GbShapConfig *cfg,
                           GbSegmentAttribution *out, GbProgressFn progress, void *user,
                           GbError *err)
{
  memset(out, 0, sizeof *out);
  GbStatus st = gb_perturb_check(m, x, n_x, t, seg, err);
  if (st == GB_OK)
    st = shap_check_config(cfg, err);
  if (st != GB_OK)
    return st;
  GbShapState s;
  float *xb = NULL;
  const float *bg;
  int n_bg;
  st = shap_state_init(&s, seg->n_segments, 1, false, cfg->chunk, err);
  if (st == GB_OK)
    st = gb_perturb_background(m, x, n_x, &cfg->baseline, cfg->background, cfg->n_background,
                               &xb, &bg, &n_bg, err);
  if (st == GB_OK)
    st = gb_coalition_eval_init(&s.ev, m, t, seg, x, bg, n_bg, cfg->batch, err);
  if (st == GB_OK)
    st = gb_segment_attribution_alloc(out, seg, err);
  s.total = shap_budget(cfg, seg->n_segments);
  s.progress = progress;
  s.user = user;
  if (st == GB_OK)
    st = shap_endpoints(&s, err);
  if (st == GB_OK)
    st = shap_run(&s, s.total, cfg->seed, out->segment_values, &out->exact, err);
  if (st == GB_OK)
    shap_finish(out, &s, seg, cfg->expand);
  else
    gb_segment_attribution_clear(out);
  shap_state_clear(&s);
  gb_free(xb);
  return st;
}

/* ---- Every class at once ---- */

void
gb_shap_all_classes_clear(GbShapAllClasses *r)
{
  if (r == NULL)
    return;
  gb_free(r->values);
  gb_free(r->base_values);
  gb_free(r->f_x);
  memset(r, 0, sizeof *r);
}

static GbStatus
shap_all_alloc(GbShapAllClasses *out, int C, int M, GbError *err)
{
  *out = (GbShapAllClasses){.n_classes = C, .n_segments = M};
  out->values = gb_calloc((size_t)C * M, sizeof *out->values);
  out->base_values = gb_calloc((size_t)C, sizeof *out->base_values);
  out->f_x = gb_calloc((size_t)C, sizeof *out->f_x);
  if (out->values == NULL || out->base_values == NULL || out->f_x == NULL) {
    gb_shap_all_classes_clear(out);
    return gb_error_set(err, GB_ERR_NOMEM, "KernelSHAP values of %d classes", C);
  }
  return GB_OK;
}

GbStatus
gb_attribution_kernel_shap_all(GbModel *m, const float *x, size_t n_x, const GbSegments *seg,
                               const GbShapConfig *cfg, GbShapAllClasses *out,
                               GbProgressFn progress, void *user, GbError *err)
{
  if (out == NULL || cfg == NULL)
    return gb_error_set(err, GB_ERR_INVALID, "KernelSHAP: no configuration or output");
  memset(out, 0, sizeof *out);
  GbTarget t0 = {.class_a = 0, .class_b = -1};
  GbStatus st = gb_perturb_check(m, x, n_x, &t0, seg, err);
  if (st == GB_OK)
    st = shap_check_config(cfg, err);
  if (st != GB_OK)
    return st;
  int C = gb_model_n_outputs(m), M = seg->n_segments;
  GbShapState s;
  float *xb = NULL;
  const float *bg;
  int n_bg;
  st = shap_state_init(&s, M, C, true, cfg->chunk, err);
  if (st == GB_OK)
    st = gb_perturb_background(m, x, n_x, &cfg->baseline, cfg->background, cfg->n_background,
                               &xb, &bg, &n_bg, err);
  if (st == GB_OK)
    st = gb_coalition_eval_init(&s.ev, m, &t0, seg, x, bg, n_bg, cfg->batch, err);
  if (st == GB_OK)
    st = shap_all_alloc(out, C, M, err);
  s.total = shap_budget(cfg, M);
  s.progress = progress;
  s.user = user;
  if (st == GB_OK)
    st = shap_endpoints(&s, err);
  if (st == GB_OK)
    st = shap_run(&s, s.total, cfg->seed, out->values, &out->exact, err);
  if (st == GB_OK) {
    for (int c = 0; c < C; c++) {
      out->base_values[c] = s.f_base[c];
      out->f_x[c] = s.f_base[c] + s.delta[c];
    }
    out->n_coalitions = s.done;
  } else {
    gb_shap_all_classes_clear(out);
  }
  shap_state_clear(&s);
  gb_free(xb);
  return st;
}

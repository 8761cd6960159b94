/* SPDX-License-Identifier: GPL-3.0-or-later */
/* FGSM and PGD in an L-inf ball, and how far an explanation moves under them. */
#include "config.h"

#include "gb-adversarial.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gb-alloc.h"
#include "gb-counterfactual.h"
#include "gb-global.h"
#include "gb-rng.h"
#include "gb-scores.h"

void
gb_attack_config_init(GbAttackConfig *cfg)
{
  *cfg = (GbAttackConfig){.eps = 0.1,
                          .step = 0.025,
                          .iterations = 20,
                          .random_start = true,
                          .seed = 1,
                          .target = -1,
                          .lo = 0.0f,
                          .hi = 1.0f};
}

void
gb_attack_result_clear(GbAttackResult *r)
{
  if (r == NULL)
    return;
  gb_free(r->x);
  memset(r, 0, sizeof *r);
}

static GbStatus
check_attack(GbModel *m, const float *x, size_t n_x, int label, const GbAttackConfig *cfg,
             GbError *err)
{
  int n_out = gb_model_n_outputs(m), C = n_out == 1 ? 2 : n_out;
  if (x == NULL || n_x != gb_model_input_size(m))
    return gb_error_set(err, GB_ERR_SHAPE, "attack: input of %zu values, the model takes %zu", n_x,
                        gb_model_input_size(m));
  for (size_t i = 0; i < n_x; i++)
    if (!isfinite(x[i]))
      return gb_error_set(err, GB_ERR_NUMERIC, "attack: input value %zu is not finite", i);
  if (label < 0 || label >= C || cfg->target >= C)
    return gb_error_set(err, GB_ERR_INVALID,
                        "attack: classes must be outputs of the model "
                        "(0..%d); got label %d, target %d",
                        C - 1, label, cfg->target);
  if (!(cfg->eps >= 0) || !(cfg->step >= 0) || cfg->iterations < 1 || cfg->lo > cfg->hi)
    return gb_error_set(err, GB_ERR_INVALID,
                        "attack: eps and step must be >= 0, iterations >= 1 "
                        "(eps %g, step %g, iterations %d)",
                        cfg->eps, cfg->step, cfg->iterations);
  return GB_OK;
}

/* d loss / d x at @x for cross-entropy of class @y (BCE for one output): dlogits = p - onehot. */
static GbStatus
loss_gradient(GbModel *m, const float *x, int y, float *g, const float **z_out, GbError *err)
{
  int n_out = gb_model_n_outputs(m);
  const float *z;
  GbStatus st = gb_model_forward(m, x, 1, false, &z, err);
  if (st != GB_OK)
    return st;
  double *p = gb_malloc((size_t)(n_out + 1) * sizeof(double));
  float *dz = gb_alloc_floats((size_t)n_out);
  if (p == NULL || dz == NULL) {
    gb_free(p);
    gb_free(dz);
    return gb_error_set(err, GB_ERR_NOMEM, "attack: %d output gradients", n_out);
  }
  gb_counterfactual_softmax(z, n_out, p);
  if (n_out == 1) {
    dz[0] = (float)(p[1] - (y == 1));
  } else {
    for (int j = 0; j < n_out; j++)
      dz[j] = (float)(p[j] - (j == y));
  }
  if (z_out != NULL)
    *z_out = z;
  st = gb_model_backward(m, dz, 1, g, false, err);
  gb_free(p);
  gb_free(dz);
  return st;
}

/* x_adv += dir * step * sign(g), then back into the eps-ball around x and the box. */
static void
signed_step(float *xa, const float *x, const float *g, size_t n, double step, double dir,
            const GbAttackConfig *cfg)
{
  for (size_t i = 0; i < n; i++) {
    double s = g[i] > 0 ? 1 : g[i] < 0 ? -1 : 0;
    double v = xa[i] + dir * step * s;
    v = v < x[i] - cfg->eps ? x[i] - cfg->eps : v > x[i] + cfg->eps ? x[i] + cfg->eps : v;
    if (cfg->lo < cfg->hi)
      v = v < cfg->lo ? cfg->lo : v > cfg->hi ? cfg->hi : v;
    xa[i] = (float)v;
  }
}

/* Classes and probabilities before/after, sizes and success. */
static GbStatus
finish(GbModel *m, const float *x, int label, const GbAttackConfig *cfg, GbAttackResult *r,
       GbError *err)
{
  int n_out = gb_model_n_outputs(m), C = n_out == 1 ? 2 : n_out;
  double *p = gb_malloc((size_t)C * sizeof(double));
  if (p == NULL)
    return gb_error_set(err, GB_ERR_NOMEM, "attack: %d probabilities", C);
  const float *z;
  GbStatus st = gb_model_forward(m, x, 1, false, &z, err);
  if (st == GB_OK) {
    gb_global_argmax(z, 1, n_out, &r->class_before);
    gb_counterfactual_softmax(z, n_out, p);
    r->prob_before = p[r->class_before];
    st = gb_model_forward(m, r->x, 1, false, &z, err);
  }
  if (st == GB_OK) {
    gb_global_argmax(z, 1, n_out, &r->class_after);
    gb_counterfactual_softmax(z, n_out, p);
    r->prob_after = p[r->class_before];
  }
  gb_free(p);
  if (st != GB_OK)
    return st;
  r->success = cfg->target >= 0 ? r->class_after == cfg->target : r->class_after != label;
  r->linf = r->l2 = 0;
  for (size_t i = 0; i < r->n; i++) {
    double d = fabs((double)r->x[i] - x[i]);
    r->linf = d > r->linf ? d : r->linf;
    r->l2 += d * d;
  }
  r->l2 = sqrt(r->l2);
  return GB_OK;
}

static GbStatus
attack(GbModel *m, const float *x, size_t n_x, int label, const GbAttackConfig *cfg, bool pgd,
       GbAttackResult *out, GbError *err)
{
  memset(out, 0, sizeof *out);
  GbAttackConfig defaults;
  gb_attack_config_init(&defaults);
  cfg = cfg != NULL ? cfg : &defaults;
  GbStatus st = check_attack(m, x, n_x, label, cfg, err);
  if (st != GB_OK)
    return st;
  out->n = n_x;
  out->x = gb_alloc_floats(n_x);
  float *g = gb_alloc_floats(n_x);
  if (out->x == NULL || g == NULL)
    st = gb_error_set(err, GB_ERR_NOMEM, "attack on %zu inputs", n_x);
  int y = cfg->target >= 0 ? cfg->target : label, n_out = gb_model_n_outputs(m);
  double dir = cfg->target >= 0 ? -1.0 : 1.0; /* descend the target's loss, ascend the label's */
  if (st == GB_OK)
    memcpy(out->x, x, n_x * sizeof(float));
  GbRng rng;
  gb_rng_seed(&rng, cfg->seed);
  if (st == GB_OK && pgd && cfg->random_start) {
    for (size_t i = 0; i < n_x; i++)
      out->x[i] += (float)(cfg->eps * (2 * gb_rng_uniform(&rng) - 1));
    memset(g, 0, n_x * sizeof(float));
    signed_step(out->x, x, g, n_x, 0, 0, cfg); /* a zero step: only projects */
  }
  int iterations = pgd ? cfg->iterations : 1;
  double step = pgd ? cfg->step : cfg->eps;
  for (int k = 0; st == GB_OK && k < iterations; k++) {
    const float *z = NULL;
    st = loss_gradient(m, out->x, y, g, &z, err);
    if (st != GB_OK)
      break;
    int cls;
    gb_global_argmax(z, 1, n_out, &cls);
    if (pgd && (cfg->target >= 0 ? cls == cfg->target : cls != label))
      break;
    signed_step(out->x, x, g, n_x, step, dir, cfg);
  }
  gb_free(g);
  if (st == GB_OK)
    st = finish(m, x, label, cfg, out, err);
  if (st != GB_OK)
    gb_attack_result_clear(out);
  return st;
}

GbStatus
gb_attack_fgsm(GbModel *m, const float *x, size_t n_x, int label, const GbAttackConfig *cfg,
               GbAttackResult *out, GbError *err)
{
  return attack(m, x, n_x, label, cfg, false, out, err);
}

GbStatus
gb_attack_pgd(GbModel *m, const float *x, size_t n_x, int label, const GbAttackConfig *cfg,
              GbAttackResult *out, GbError *err)
{
  return attack(m, x, n_x, label, cfg, true, out, err);
}

/* ---- Explanation change ---- */

typedef struct {
  float v;
  int i;
} Ranked;

static int
by_value_desc(const void *a, const void *b)
{
  const Ranked *x = a, *y = b;
  return x->v < y->v ? 1 : x->v > y->v ? -1 : x->i - y->i;
}

/* Marks in @top the k features of largest |a|. */
static GbStatus
top_k(const float *a, size_t n, int k, unsigned char *top)
{
  Ranked *r = gb_malloc(n * sizeof *r);
  if (r == NULL)
    return GB_ERR_NOMEM;
  for (size_t i = 0; i < n; i++)
    r[i] = (Ranked){fabsf(a[i]), (int)i};
  qsort(r, n, sizeof *r, by_value_desc);
  memset(top, 0, n);
  for (int j = 0; j < k; j++)
    top[r[j].i] = 1;
  gb_free(r);
  return GB_OK;
}

GbStatus
gb_explanation_change(const float *a, const float *b, size_t n, int k, GbExplanationChange *out,
                      GbError *err)
{
  if (a == NULL || b == NULL || n == 0)
    return gb_error_set(err, GB_ERR_INVALID, "explanation change: two non-empty maps are needed");
  if (k <= 0)
    k = n / 20 > 0 ? (int)(n / 20) : 1;
  if ((size_t)k > n)
    return gb_error_set(err, GB_ERR_INVALID,
                        "explanation change: k = %d exceeds the %zu "
                        "features",
                        k, n);
  GbExplanationChange r = {.k = k};
  GbStatus st = gb_score_spearman(a, b, n, true, &r.spearman, err);
  double *da = gb_malloc(n * sizeof(double)), *db = gb_malloc(n * sizeof(double));
  unsigned char *ta = gb_malloc(n), *tb = gb_malloc(n);
  if (st == GB_OK && (!da || !db || !ta || !tb))
    st = gb_error_set(err, GB_ERR_NOMEM, "explanation change of %zu features", n);
  for (size_t i = 0; st == GB_OK && i < n; i++) {
    da[i] = a[i];
    db[i] = b[i];
  }
  if (st == GB_OK)
    st = gb_score_pearson(da, db, n, &r.pearson, err);
  if (st == GB_OK && (top_k(a, n, k, ta) != GB_OK || top_k(b, n, k, tb) != GB_OK))
    st = gb_error_set(err, GB_ERR_NOMEM, "explanation change of %zu features", n);
  int both = 0;
  for (size_t i = 0; st == GB_OK && i < n; i++)
    both += ta[i] && tb[i];
  r.topk_overlap = (double)both / k;
  gb_free(da);
  gb_free(db);
  gb_free(ta);
  gb_free(tb);
  if (st == GB_OK)
    *out = r;
  return st;
}

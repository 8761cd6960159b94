/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Counterfactuals by projected, proximal gradient descent on a margin loss. */
#include "config.h"

#include "gb-counterfactual.h"

#include <math.h>
#include <string.h>

#include "gb-alloc.h"
#include "gb-global.h"

void
gb_counterfactual_config_init(GbCounterfactualConfig *cfg)
{
  *cfg = (GbCounterfactualConfig){.steps = 500,
                                  .lr = 0.05,
                                  .c = 1.0,
                                  .kappa = 0.1,
                                  .l1 = 0.01,
                                  .l2 = 0.1,
                                  .lo = 0.0f,
                                  .hi = 1.0f,
                                  .changed_threshold = 0.05f};
}

void
gb_counterfactual_clear(GbCounterfactual *r)
{
  if (r == NULL)
    return;
  gb_free(r->x);
  gb_free(r->prob_before);
  gb_free(r->prob_after);
  memset(r, 0, sizeof *r);
}

void
gb_counterfactual_softmax(const float *z, int n_out, double *p)
{
  if (n_out == 1) {
    p[1] = 1.0 / (1.0 + exp(-z[0]));
    p[0] = 1.0 - p[1];
    return;
  }
  double mx = z[0], s = 0;
  for (int j = 1; j < n_out; j++)
    mx = z[j] > mx ? z[j] : mx;
  for (int j = 0; j < n_out; j++)
    s += p[j] = exp(z[j] - mx);
  for (int j = 0; j < n_out; j++)
    p[j] /= s;
}

/* dL/dlogits of the margin loss c * max(0, max_{j != t} f_j - f_t + kappa); for one output
 * (class 1 when f > 0) the "other" logit is 0. Returns whether the hinge is active. */
static bool
margin_gradient(const float *z, int n_out, int t, double c, double kappa, float *dz)
{
  memset(dz, 0, (size_t)n_out * sizeof *dz);
  if (n_out == 1) {
    double s = t == 1 ? z[0] : -z[0]; /* signed margin of the target */
    if (kappa - s <= 0)
      return false;
    dz[0] = (float)(t == 1 ? -c : c);
    return true;
  }
  int other = t == 0 ? 1 : 0;
  for (int j = 0; j < n_out; j++)
    if (j != t && z[j] > z[other])
      other = j;
  if (z[other] - z[t] + kappa <= 0)
    return false;
  dz[other] = (float)c;
  dz[t] = (float)-c;
  return true;
}

static GbStatus
check_args(GbModel *m, const float *x0, size_t n_x, int t, const GbCounterfactualConfig *cfg,
           GbError *err)
{
  int n_out = gb_model_n_outputs(m), C = n_out == 1 ? 2 : n_out;
  if (x0 == NULL || n_x != gb_model_input_size(m))
    return gb_error_set(err, GB_ERR_SHAPE,
                        "counterfactual: input of %zu values, the model takes "
                        "%zu",
                        n_x, gb_model_input_size(m));
  for (size_t i = 0; i < n_x; i++)
    if (!isfinite(x0[i]))
      return gb_error_set(err, GB_ERR_NUMERIC, "counterfactual: input value %zu is not finite", i);
  if (t < 0 || t >= C)
    return gb_error_set(err, GB_ERR_INVALID, "counterfactual: class %d is not an output (0..%d)", t,
                        C - 1);
  if (cfg->steps < 1 || !(cfg->lr > 0) || !(cfg->c > 0) || cfg->l1 < 0 || cfg->l2 < 0 ||
      cfg->proto < 0 || cfg->kappa < 0 || cfg->lo > cfg->hi)
    return gb_error_set(err, GB_ERR_INVALID,
                        "counterfactual: steps >= 1, lr > 0, c > 0, and "
                        "non-negative kappa, l1, l2, proto and lo <= hi are needed");
  if (cfg->proto > 0 && cfg->prototype == NULL)
    return gb_error_set(err, GB_ERR_INVALID, "counterfactual: proto > 0 needs a prototype");
  return GB_OK;
}

/* The objective without its margin loss: what decides which valid x' is best. With every
 * weight zero, the squared L2 distance. */
static double
size_cost(const float *x, const float *x0, size_t n, const GbCounterfactualConfig *cfg)
{
  double l1 = 0, l2 = 0, pr = 0;
  for (size_t i = 0; i < n; i++) {
    double d = (double)x[i] - x0[i];
    l1 += fabs(d);
    l2 += d * d;
    if (cfg->proto > 0)
      pr += ((double)x[i] - cfg->prototype[i]) * ((double)x[i] - cfg->prototype[i]);
  }
  if (cfg->l1 == 0 && cfg->l2 == 0 && cfg->proto == 0)
    return l2;
  return cfg->l2 * l2 + cfg->l1 * l1 + cfg->proto * pr;
}

/* One step: gradient of the smooth terms, soft-threshold of delta, projection onto the box. */
static void
descend(float *x, const float *x0, const float *g, size_t n, double lr,
        const GbCounterfactualConfig *cfg)
{
  for (size_t i = 0; i < n; i++) {
    double d = (double)x[i] - x0[i];
    double grad = g[i] + 2 * cfg->l2 * d;
    if (cfg->proto > 0)
      grad += 2 * cfg->proto * ((double)x[i] - cfg->prototype[i]);
    d -= lr * grad;
    double thr = lr * cfg->l1;
    d = d > thr ? d - thr : d < -thr ? d + thr : 0;
    double v = x0[i] + d;
    if (cfg->lo < cfg->hi)
      v = v < cfg->lo ? cfg->lo : v > cfg->hi ? cfg->hi : v;
    x[i] = (float)v;
  }
}

static void
fill_summary(GbCounterfactual *r, const float *x0, float threshold)
{
  r->l1 = r->l2 = r->linf = 0;
  r->n_changed = 0;
  for (size_t i = 0; i < r->n; i++) {
    double d = fabs((double)r->x[i] - x0[i]);
    r->l1 += d;
    r->l2 += d * d;
    r->linf = d > r->linf ? d : r->linf;
    r->n_changed += d > threshold;
  }
  r->l2 = sqrt(r->l2);
}

static GbStatus
alloc_result(GbCounterfactual *r, size_t n, int C, GbError *err)
{
  r->n = n;
  r->n_classes = C;
  r->x = gb_alloc_floats(n);
  r->prob_before = gb_calloc((size_t)C, sizeof(double));
  r->prob_after = gb_calloc((size_t)C, sizeof(double));
  if (!r->x || !r->prob_before || !r->prob_after)
    return gb_error_set(err, GB_ERR_NOMEM, "counterfactual of %zu inputs", n);
  return GB_OK;
}

GbStatus
gb_counterfactual_find(GbModel *m, const float *x0, size_t n_x, int target_class,
                       const GbCounterfactualConfig *cfg, GbCounterfactual *out, GbError *err)
{
  memset(out, 0, sizeof *out);
  GbCounterfactualConfig defaults;
  gb_counterfactual_config_init(&defaults);
  cfg = cfg != NULL ? cfg : &defaults;
  GbStatus st = check_args(m, x0, n_x, target_class, cfg, err);
  if (st != GB_OK)
    return st;
  int n_out = gb_model_n_outputs(m), C = n_out == 1 ? 2 : n_out, cls;
  float *x = gb_alloc_floats(n_x), *g = gb_alloc_floats(n_x), *dz = gb_alloc_floats(C);
  st = alloc_result(out, n_x, C, err);
  if (st == GB_OK && (!x || !g || !dz))
    st = gb_error_set(err, GB_ERR_NOMEM, "counterfactual of %zu inputs", n_x);
  const float *z;
  if (st == GB_OK)
    st = gb_model_forward(m, x0, 1, false, &z, err);
  if (st == GB_OK) {
    gb_global_argmax(z, 1, n_out, &out->original_class);
    gb_counterfactual_softmax(z, n_out, out->prob_before);
    if (out->original_class == target_class)
      st = gb_error_set(err, GB_ERR_INVALID, "the model already says class %d here", target_class);
  }
  out->target_class = target_class;
  out->steps_to_flip = -1;
  if (st == GB_OK) {
    memcpy(x, x0, n_x * sizeof *x);
    memcpy(out->x, x0, n_x * sizeof *x);
  }
  double best = INFINITY;
  for (int k = 0; st == GB_OK && k < cfg->steps; k++) {
    st = gb_model_forward(m, x, 1, false, &z, err);
    if (st != GB_OK)
      break;
    gb_global_argmax(z, 1, n_out, &cls);
    double cost = size_cost(x, x0, n_x, cfg);
    if (cls == target_class && cost < best) {
      best = cost;
      out->found = true;
      memcpy(out->x, x, n_x * sizeof *x);
      if (out->steps_to_flip < 0)
        out->steps_to_flip = k;
    }
    if (margin_gradient(z, n_out, target_class, cfg->c, cfg->kappa, dz))
      st = gb_model_backward(m, dz, 1, g, false, err);
    else
      memset(g, 0, n_x * sizeof *g);
    double lr = cfg->lr * 0.5 * (1 + cos(M_PI * k / cfg->steps));
    if (st == GB_OK)
      descend(x, x0, g, n_x, lr, cfg);
    if (st == GB_OK && cfg->progress != NULL &&
        !cfg->progress(cfg->user, (double)(k + 1) / cfg->steps, "counterfactual"))
      st = gb_error_set(err, GB_ERR_CANCELLED, "counterfactual search cancelled");
  }
  if (st == GB_OK)
    st = gb_model_forward(m, out->x, 1, false, &z, err);
  if (st == GB_OK) {
    gb_global_argmax(z, 1, n_out, &out->final_class);
    gb_counterfactual_softmax(z, n_out, out->prob_after);
    fill_summary(out, x0, cfg->changed_threshold);
  }
  gb_free(x);
  gb_free(g);
  gb_free(dz);
  if (st != GB_OK)
    gb_counterfactual_clear(out);
  return st;
}

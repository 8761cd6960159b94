/* SPDX-License-Identifier: GPL-3.0-or-later */
/* LRP: rules and policies, and the pass from the target down through the model's layers. */
#include "config.h"

#include "gb-lrp.h"

#include <math.h>
#include <string.h>

#include "gb-alloc.h"
#include "gb-attribution-private.h"
#include "gb-lrp-private.h"

#define GB_LRP_SMALL_EPS 1e-6 /* zennit's stabiliser for the rules that are not LRP-eps */

/* ---- rules and policies ---- */

GbLrpRule
gb_lrp_rule_zero(void)
{
  return (GbLrpRule){.kind = GB_LRP_ZERO};
}

GbLrpRule
gb_lrp_rule_epsilon(double epsilon)
{
  return (GbLrpRule){.kind = GB_LRP_EPSILON, .epsilon = epsilon};
}

GbLrpRule
gb_lrp_rule_gamma(double gamma)
{
  return (GbLrpRule){.kind = GB_LRP_GAMMA, .epsilon = GB_LRP_SMALL_EPS, .gamma = gamma};
}

GbLrpRule
gb_lrp_rule_alpha_beta(double alpha, double beta)
{
  return (GbLrpRule){
      .kind = GB_LRP_ALPHA_BETA, .epsilon = GB_LRP_SMALL_EPS, .alpha = alpha, .beta = beta};
}

/* No stabiliser: inside the box every term of the denominator is >= 0, so it is 0 only when
 * every numerator is, and then no relevance is lost to eps. */
GbLrpRule
gb_lrp_rule_zbox(float low, float high)
{
  return (GbLrpRule){.kind = GB_LRP_ZBOX, .low = low, .high = high};
}

GbLrpRule
gb_lrp_rule_wsquare(void)
{
  return (GbLrpRule){.kind = GB_LRP_WSQUARE};
}

GbLrpRule
gb_lrp_rule_flat(void)
{
  return (GbLrpRule){.kind = GB_LRP_FLAT};
}

const char *
gb_lrp_rule_name(GbLrpRuleKind kind)
{
  static const char *const names[] = {"LRP-0", "LRP-epsilon", "LRP-gamma", "LRP-alpha-beta",
                                      "z^B",   "w^2",         "flat"};
  return (unsigned)kind < sizeof names / sizeof *names ? names[kind] : "?";
}

void
gb_lrp_policy_init_uniform(GbLrpPolicy *p, GbLrpRule rule)
{
  *p = (GbLrpPolicy){.first = rule,
                     .conv = rule,
                     .dense = rule,
                     .top = rule,
                     .recurrent_epsilon = GB_LRP_RECURRENT_EPSILON,
                     .recurrent_bias_factor = GB_LRP_RECURRENT_BIAS_FACTOR};
  if (rule.kind == GB_LRP_EPSILON)
    p->pool_epsilon = rule.epsilon;
}

void
gb_lrp_policy_init_preset(GbLrpPolicy *p, GbLrpPreset preset, float low, float high)
{
  GbLrpRule eps = gb_lrp_rule_epsilon(0.1);
  switch (preset) {
  case GB_LRP_PRESET_ZERO:
    gb_lrp_policy_init_uniform(p, gb_lrp_rule_zero());
    return;
  case GB_LRP_PRESET_EPSILON:
    gb_lrp_policy_init_uniform(p, eps);
    return;
  case GB_LRP_PRESET_EPSILON_GAMMA_BOX:
    *p = (GbLrpPolicy){.first = gb_lrp_rule_zbox(low, high), .conv = gb_lrp_rule_gamma(0.25)};
    break;
  case GB_LRP_PRESET_EPSILON_PLUS:
    *p = (GbLrpPolicy){.conv = gb_lrp_rule_alpha_beta(1.0, 0.0)};
    p->first = p->conv;
    break;
  case GB_LRP_PRESET_EPSILON_ALPHA2_BETA1:
    *p = (GbLrpPolicy){.conv = gb_lrp_rule_alpha_beta(2.0, 1.0)};
    p->first = p->conv;
    break;
  }
  p->dense = eps;
  p->top = gb_lrp_rule_zero();
  p->recurrent_epsilon = GB_LRP_RECURRENT_EPSILON;
  p->recurrent_bias_factor = GB_LRP_RECURRENT_BIAS_FACTOR;
}

static GbStatus
rule_check(const GbLrpRule *r, const char *where, GbError *err)
{
  if ((unsigned)r->kind > GB_LRP_FLAT)
    return gb_error_set(err, GB_ERR_INVALID, "LRP %s rule: unknown kind %d", where, r->kind);
  const char *name = gb_lrp_rule_name(r->kind);
  if (!(r->epsilon >= 0.0) || !isfinite(r->epsilon))
    return gb_error_set(err, GB_ERR_INVALID, "LRP %s rule (%s): epsilon %g must be >= 0", where,
                        name, r->epsilon);
  if (r->kind == GB_LRP_GAMMA && (!(r->gamma >= 0.0) || !isfinite(r->gamma)))
    return gb_error_set(err, GB_ERR_INVALID, "LRP %s rule: gamma %g must be >= 0", where, r->gamma);
  if (r->kind == GB_LRP_ALPHA_BETA &&
      (!(r->alpha >= 1.0) || !(r->beta >= 0.0) || fabs(r->alpha - r->beta - 1.0) > 1e-9))
    return gb_error_set(err, GB_ERR_INVALID,
                        "LRP %s rule: alpha %g, beta %g; needs alpha - "
                        "beta = 1 with beta >= 0",
                        where, r->alpha, r->beta);
  if (r->kind == GB_LRP_ZBOX && (!(r->low <= r->high) || !isfinite(r->low) || !isfinite(r->high)))
    return gb_error_set(err, GB_ERR_INVALID,
                        "LRP %s rule: z^B bounds [%g, %g] are not an "
                        "interval",
                        where, (double)r->low, (double)r->high);
  return GB_OK;
}

GbStatus
gb_lrp_policy_check(const GbLrpPolicy *p, GbError *err)
{
  const GbLrpRule *rules[] = {&p->first, &p->conv, &p->dense, &p->top};
  const char *where[] = {"first-layer", "conv", "dense", "top-layer"};
  for (int i = 0; i < 4; i++) {
    GbStatus st = rule_check(rules[i], where[i], err);
    if (st != GB_OK)
      return st;
    if (i > 0 && rules[i]->kind == GB_LRP_ZBOX)
      return gb_error_set(err, GB_ERR_INVALID,
                          "LRP %s rule: z^B needs input bounds and only "
                          "applies to the first layer",
                          where[i]);
  }
  if (!(p->pool_epsilon >= 0.0) || !isfinite(p->pool_epsilon))
    return gb_error_set(err, GB_ERR_INVALID, "LRP pool epsilon %g must be >= 0", p->pool_epsilon);
  if (!(p->recurrent_epsilon >= 0.0) || !isfinite(p->recurrent_epsilon))
    return gb_error_set(err, GB_ERR_INVALID, "LRP recurrent epsilon %g must be >= 0",
                        p->recurrent_epsilon);
  if (!(p->recurrent_bias_factor >= 0.0 && p->recurrent_bias_factor <= 1.0))
    return gb_error_set(err, GB_ERR_INVALID, "LRP recurrent bias factor %g must be in [0, 1]",
                        p->recurrent_bias_factor);
  return GB_OK;
}

void
gb_lrp_result_clear(GbLrpResult *r)
{
  if (r == NULL)
    return;
  gb_attribution_clear(&r->map);
  gb_free(r->layers);
  memset(r, 0, sizeof *r);
}

/* ---- the pass ---- */

static bool
kind_is_linear(GbLayerKind k)
{
  return k == GB_LAYER_DENSE || k == GB_LAYER_CONV2D;
}

static bool
kind_passes_through(GbLayerKind k)
{
  return k == GB_LAYER_FLATTEN || k == GB_LAYER_DROPOUT || k == GB_LAYER_RELU ||
         k == GB_LAYER_LEAKY_RELU || k == GB_LAYER_SIGMOID || k == GB_LAYER_TANH;
}

/* What the pass needs to know about the model before it starts. */
typedef struct {
  int first, top;   /* the dense/conv layer that sees the input and the last one, -1 if none */
  int top_mixing;   /* last layer that is not pass-through */
  bool virtual_top; /* the top is dense and only pass-through layers follow it */
  size_t max_in, max_out, max_w, max_b, max_act;
} LrpPlan;

static GbStatus
plan_model(GbModel *m, const GbTarget *t, LrpPlan *plan, GbError *err)
{
  memset(plan, 0, sizeof *plan);
  plan->first = plan->top = plan->top_mixing = -1;
  plan->max_act = gb_model_input_size(m);
  bool below_recurrent = false; /* a recurrent layer lies between the input and layer i */
  for (int i = 0; i < gb_model_n_layers(m); i++) {
    GbLayer *l = gb_model_get_layer(m, i);
    below_recurrent = below_recurrent || gb_layer_kind_is_recurrent(l->kind);
    if (l->kind == GB_LAYER_SOFTMAX)
      return gb_error_set(err, GB_ERR_UNSUPPORTED,
                          "LRP: layer %d ('%s') is a softmax; LRP "
                          "explains logits, so remove the softmax from the model",
                          i + 1, l->name);
    if (kind_is_linear(l->kind)) {
      /* The first rule (z^B, w^2...) is for the layer that sees the input. */
      if (plan->first < 0 && !below_recurrent)
        plan->first = i;
      plan->top = i;
      size_t nw = l->param[0].count, nb = l->n_params > 1 ? l->param[1].count : 0;
      plan->max_w = nw > plan->max_w ? nw : plan->max_w;
      plan->max_b = nb > plan->max_b ? nb : plan->max_b;
    }
    if (!kind_passes_through(l->kind))
      plan->top_mixing = i;
    size_t ni = gb_layer_in_size(l), no = gb_layer_out_size(l);
    plan->max_in = ni > plan->max_in ? ni : plan->max_in;
    plan->max_out = no > plan->max_out ? no : plan->max_out;
    plan->max_act = ni > plan->max_act ? ni : plan->max_act;
    plan->max_act = no > plan->max_act ? no : plan->max_act;
  }
  plan->virtual_top = plan->top >= 0 && plan->top == plan->top_mixing &&
                      gb_model_get_layer(m, plan->top)->kind == GB_LAYER_DENSE;
  if (t->class_b >= 0 && !plan->virtual_top)
    return gb_error_set(err, GB_ERR_UNSUPPORTED,
                        "LRP of a contrast needs a dense output layer "
                        "(followed only by element-wise layers) to build the neuron f_a - f_b");
  return GB_OK;
}

static GbStatus
check_box(const GbLrpPolicy *p, const LrpPlan *plan, const float *x, size_t n, GbError *err)
{
  if (plan->first < 0 || p->first.kind != GB_LRP_ZBOX)
    return GB_OK;
  for (size_t i = 0; i < n; i++)
    if (x[i] < p->first.low || x[i] > p->first.high)
      return gb_error_set(err, GB_ERR_INVALID,
                          "z^B: input value %zu is %g, outside the bounds "
                          "[%g, %g]",
                          i, (double)x[i], (double)p->first.low, (double)p->first.high);
  return GB_OK;
}

static const GbLrpRule *
rule_for(const GbLrpPolicy *p, const LrpPlan *plan, int i, GbLayerKind kind)
{
  if (i == plan->first)
    return &p->first;
  if (i == plan->top)
    return &p->top;
  return kind == GB_LAYER_CONV2D ? &p->conv : &p->dense;
}

/* The state of one pass: relevance at the current layer's output, and scratch. */
typedef struct {
  GbModel *model;
  const GbLrpPolicy *policy;
  const LrpPlan *plan;
  const GbTarget *target;
  GbLrpWork work;
  float *r, *r_next; /* (max_act) */
  float *virtual_w;  /* the top neuron's weights (top layer's n_in) */
  float virtual_b;
  size_t n_r; /* values in r: 1 above a virtual top */
} LrpPass;

/* The virtual top neuron: row a (minus row b) of the top dense layer. */
static GbLrpLinear
virtual_top(LrpPass *ps, GbLayer *l)
{
  size_t ni = gb_layer_in_size(l);
  const float *wa = l->p[0] + (size_t)ps->target->class_a * ni;
  const float *wb = ps->target->class_b >= 0 ? l->p[0] + (size_t)ps->target->class_b * ni : NULL;
  for (size_t i = 0; i < ni; i++) ps->virtual_w[i] = wa[i] - (wb != NULL ? wb[i] : 0.0f);
  ps->virtual_b = l->p[1][ps->target->class_a] - (wb != NULL ? l->p[1][ps->target->class_b] : 0.0f);
  return (GbLrpLinear){.n_in = ni,
                       .n_out = 1,
                       .n_w = ni,
                       .n_b = 1,
                       .plane = 1,
                       .w = ps->virtual_w,
                       .b = &ps->virtual_b};
}

static GbLrpLinear
linear_of(LrpPass *ps, int i, GbLayer *l)
{
  if (i == ps->plan->top && ps->plan->virtual_top)
    return virtual_top(ps, l);
  GbLrpLinear lin = {.n_in = gb_layer_in_size(l), .n_out = gb_layer_out_size(l), .plane = 1};
  if (l->kind != GB_LAYER_DENSE)
    lin.layer = l;
  if (kind_is_linear(l->kind)) {
    lin.w = l->p[0];
    lin.n_w = l->param[0].count;
    lin.b = l->n_params > 1 ? l->p[1] : NULL;
    lin.n_b = l->n_params > 1 ? l->param[1].count : 0;
    lin.plane = lin.n_b > 0 ? lin.n_out / lin.n_b : 1;
    /* The forward of run_pass computed z with these very weights, bit for bit. */
    lin.z = gb_model_layer_output(ps->model, i);
  }
  return lin;
}

static GbStatus
pass_layer(LrpPass *ps, int i, GbLrpLayerReport *rep, GbError *err)
{
  GbLayer *l = gb_model_get_layer(ps->model, i);
  const float *a = gb_model_layer_output(ps->model, i - 1);
  rep->kind = l->kind;
  rep->rule = -1;
  if (kind_passes_through(l->kind)) {
    rep->relevance_upper = gb_lrp_sum(ps->r, ps->n_r);
    rep->relevance_lower = rep->relevance_upper;
    return GB_OK;
  }
  float *tmp;
  if (gb_layer_kind_is_recurrent(l->kind)) {
    GbStatus st = gb_lrp_recurrent_apply(l, ps->policy->recurrent_epsilon,
                                         ps->policy->recurrent_bias_factor, a, ps->r, ps->r_next,
                                         rep, err);
    if (st != GB_OK)
      return st;
  } else if (l->kind == GB_LAYER_MAXPOOL2D) {
    /* Winner-take-all is the layer's gradient, through the arg-max the forward cached. */
    l->ops->backward(l, a, gb_model_layer_output(ps->model, i), ps->r, ps->r_next, 1, false);
    rep->relevance_upper = gb_lrp_sum(ps->r, ps->n_r);
    rep->relevance_lower = gb_lrp_sum(ps->r_next, gb_layer_in_size(l));
    rep->residual = rep->relevance_upper - rep->relevance_lower;
  } else {
    GbLrpLinear lin = linear_of(ps, i, l);
    GbLrpRule pool = gb_lrp_rule_epsilon(ps->policy->pool_epsilon);
    const GbLrpRule *rule =
        l->kind == GB_LAYER_AVGPOOL2D ? &pool : rule_for(ps->policy, ps->plan, i, l->kind);
    gb_lrp_linear_apply(&lin, rule, &ps->work, a, ps->r, ps->r_next, rep);
  }
  ps->n_r = gb_layer_in_size(l);
  tmp = ps->r;
  ps->r = ps->r_next;
  ps->r_next = tmp;
  return GB_OK;
}

/* Whether any layer's rule works on transformed weights (gamma, alpha-beta, z^B, w^2, flat):
 * only those need the scratch copies of the largest weight matrix (1.6 MB for the digits CNN,
 * whose first touch cost a fifth of an epsilon pass). */
static bool
pass_needs_weight_copies(const LrpPass *ps, GbModel *m)
{
  for (int i = 0; i < gb_model_n_layers(m); i++) {
    GbLayerKind k = gb_model_get_layer(m, i)->kind;
    if (!kind_is_linear(k))
      continue;
    GbLrpRuleKind r = rule_for(ps->policy, ps->plan, i, k)->kind;
    if (r != GB_LRP_ZERO && r != GB_LRP_EPSILON)
      return true;
  }
  return false;
}

static GbStatus
pass_init(LrpPass *ps, GbModel *m, const LrpPlan *plan, GbError *err)
{
  size_t max_w = pass_needs_weight_copies(ps, m) ? plan->max_w : 0;
  GbStatus st = gb_lrp_work_init(&ps->work, plan->max_in, plan->max_out, max_w, plan->max_b, err);
  if (st != GB_OK)
    return st;
  /* Not zero-filled: the pass writes each before reading it. */
  ps->r = gb_malloc(plan->max_act * sizeof(float));
  ps->r_next = gb_malloc(plan->max_act * sizeof(float));
  size_t nv = plan->virtual_top ? gb_layer_in_size(gb_model_get_layer(m, plan->top)) : 1;
  ps->virtual_w = gb_malloc(nv * sizeof(float));
  if (!ps->r || !ps->r_next || !ps->virtual_w)
    return gb_error_set(err, GB_ERR_NOMEM, "LRP relevance buffers of %zu values", plan->max_act);
  return GB_OK;
}

static void
pass_clear(LrpPass *ps)
{
  gb_lrp_work_clear(&ps->work);
  gb_free(ps->r);
  gb_free(ps->r_next);
  gb_free(ps->virtual_w);
}

/* Forward at x, then relevance from the target down; out->map.values gets R at the input. */
static GbStatus
run_pass(LrpPass *ps, const float *x, GbLrpResult *out, GbError *err)
{
  GbModel *m = ps->model;
  const GbTarget *t = ps->target;
  const float *y;
  /* Batches of 2 for the rules' paired passes through the layers. */
  GbStatus st = gb_model_reserve(m, 2, err);
  if (st == GB_OK)
    st = gb_model_forward(m, x, 1, false, &y, err);
  if (st != GB_OK)
    return st;
  double f = y[t->class_a] - (t->class_b >= 0 ? (double)y[t->class_b] : 0.0);
  /* Above a virtual top the relevance is the one number f; otherwise f on the class. */
  ps->n_r = ps->plan->virtual_top ? 1 : (size_t)gb_model_n_outputs(m);
  memset(ps->r, 0, ps->n_r * sizeof *ps->r);
  ps->r[ps->plan->virtual_top ? 0 : t->class_a] = (float)f;
  for (int i = gb_model_n_layers(m) - 1; i >= 0 && st == GB_OK; i--)
    st = pass_layer(ps, i, &out->layers[i], err);
  if (st != GB_OK)
    return st;
  memcpy(out->map.values, ps->r, out->map.n * sizeof *ps->r);
  out->map.f_x = f;
  out->map.sum = 0.0;
  for (size_t i = 0; i < out->map.n; i++) out->map.sum += out->map.values[i];
  out->map.gap = fabs(out->map.sum - f);
  out->map.gap_relative = f != 0.0 ? out->map.gap / fabs(f) : (out->map.gap > 0 ? INFINITY : 0);
  out->map.n_evaluations = 1;
  return GB_OK;
}

GbStatus
gb_attribution_lrp(GbModel *m, const float *x, size_t n_x, const GbTarget *t,
                   const GbLrpPolicy *policy, GbLrpResult *out, GbError *err)
{
  memset(out, 0, sizeof *out);
  LrpPlan plan;
  GbStatus st = gb_attribution_check(m, x, n_x, t, err);
  if (st == GB_OK)
    st = gb_lrp_policy_check(policy, err);
  if (st == GB_OK)
    st = plan_model(m, t, &plan, err);
  if (st == GB_OK)
    st = check_box(policy, &plan, x, n_x, err);
  if (st != GB_OK)
    return st;
  LrpPass ps = {.model = m, .policy = policy, .plan = &plan, .target = t};
  out->n_layers = gb_model_n_layers(m);
  out->layers = gb_calloc((size_t)out->n_layers + 1, sizeof *out->layers);
  if (out->layers == NULL)
    st = gb_error_set(err, GB_ERR_NOMEM, "LRP report of %d layers", out->n_layers);
  if (st == GB_OK)
    st = gb_attribution_alloc(&out->map, gb_model_input_shape(m), err);
  if (st == GB_OK)
    st = pass_init(&ps, m, &plan, err);
  if (st == GB_OK)
    st = run_pass(&ps, x, out, err);
  pass_clear(&ps);
  if (st != GB_OK)
    gb_lrp_result_clear(out);
  return st;
}

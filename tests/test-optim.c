/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib.h>
#include <math.h>
#include <stdint.h>

#include "gb-alloc.h"
#include "gb-optim.h"

/* The hand-checked updates run on one flat buffer: a bias tensor, a weight tensor and one value
 * that belongs to no group and must never move. Every update is checked against the formulas of
 * the papers written out below in doubles; none of them calls the code under test. */
#define N_BIAS    2
#define N_WEIGHT  3
#define N_GROUPED (N_BIAS + N_WEIGHT)
#define N_BUF     (N_GROUPED + 1)
#define N_STEPS   3
#define REL_TOL   1e-6

static const GbOptimGroup hand_groups[] = {{0, N_BIAS, true}, {N_BIAS, N_WEIGHT, false}};
static const float hand_w0[N_BUF] = {1.5f, -1.25f, 2.0f, -1.75f, 1.25f, 3.0f};
static const float hand_g[N_STEPS][N_BUF] = {
    {0.25f, -0.5f, 0.75f, 0.125f, -1.0f, 9.0f},
    {-0.125f, 0.375f, 0.5f, -0.25f, -0.5f, 9.0f},
    {0.5f, 0.25f, -0.375f, 0.625f, 0.25f, 9.0f},
};
/* The learning rate handed to each step changes, as a schedule would change it. */
static const double hand_lr_factor[N_STEPS] = {1.0, 0.5, 0.25};

/* Hyperparameters large enough that every term shows at 1e-6: eps of 0.01 tells sqrt(v) + eps
 * from sqrt(v + eps), weight decay of 0.1 moves every weight by a visible amount, and alpha is
 * not its default so a hard-coded 0.99 would show. LARS gets eps = 0 so that its reference is
 * the paper's formula exactly (eps there is only a guard against 0 / 0). */
static void
hand_config(GbOptimConfig *c, GbOptimKind kind)
{
  gb_optim_config_defaults(c, kind);
  c->lr = 0.1f;
  c->momentum = 0.9f;
  c->beta1 = 0.9f;
  c->beta2 = 0.999f;
  c->alpha = 0.9f;
  c->eps = kind == GB_OPTIM_LARS ? 0.0f : 0.01f;
  c->weight_decay = 0.1f;
  c->trust = 0.2f;
}

typedef struct {
  double w[N_BUF];
  double m[N_BUF]; /* momentum buffer, first moment or sum of squares */
  double v[N_BUF]; /* second moment */
  int t;
} HandState;

static void
hand_init(HandState *h)
{
  *h = (HandState){0};
  for (int i = 0; i < N_BUF; i++)
    h->w[i] = hand_w0[i];
}

/* L2 decay on weights only: the first N_BIAS values are the bias. */
static double
hand_wd(const GbOptimConfig *c, int i)
{
  return i < N_BIAS ? 0.0 : (double)c->weight_decay;
}

/* w -= lr (g + wd w) */
static void
hand_step_sgd(HandState *h, const GbOptimConfig *c, const float *g, double lr)
{
  for (int i = 0; i < N_GROUPED; i++) {
    double d = g[i] + hand_wd(c, i) * h->w[i];
    h->w[i] -= lr * d;
  }
}

/* b = mu b + (g + wd w); w -= lr b   (b starts at 0, so the first b is the gradient) */
static void
hand_step_momentum(HandState *h, const GbOptimConfig *c, const float *g, double lr)
{
  for (int i = 0; i < N_GROUPED; i++) {
    double d = g[i] + hand_wd(c, i) * h->w[i];
    h->m[i] = c->momentum * h->m[i] + d;
    h->w[i] -= lr * h->m[i];
  }
}

/* b = mu b + d; w -= lr (d + mu b) */
static void
hand_step_nesterov(HandState *h, const GbOptimConfig *c, const float *g, double lr)
{
  for (int i = 0; i < N_GROUPED; i++) {
    double d = g[i] + hand_wd(c, i) * h->w[i];
    h->m[i] = c->momentum * h->m[i] + d;
    h->w[i] -= lr * (d + c->momentum * h->m[i]);
  }
}

/* s += d^2; w -= lr d / (sqrt(s) + eps) */
static void
hand_step_adagrad(HandState *h, const GbOptimConfig *c, const float *g, double lr)
{
  for (int i = 0; i < N_GROUPED; i++) {
    double d = g[i] + hand_wd(c, i) * h->w[i];
    h->m[i] += d * d;
    h->w[i] -= lr * d / (sqrt(h->m[i]) + c->eps);
  }
}

/* v = alpha v + (1 - alpha) d^2; w -= lr d / (sqrt(v) + eps) */
static void
hand_step_rmsprop(HandState *h, const GbOptimConfig *c, const float *g, double lr)
{
  for (int i = 0; i < N_GROUPED; i++) {
    double d = g[i] + hand_wd(c, i) * h->w[i];
    h->v[i] = c->alpha * h->v[i] + (1.0 - c->alpha) * d * d;
    h->w[i] -= lr * d / (sqrt(h->v[i]) + c->eps);
  }
}

/* Kingma & Ba, Algorithm 1, with L2 decay in the gradient (Adam) or decoupled (AdamW, Loshchilov
 * & Hutter, Algorithm 2 with schedule multiplier = lr): w -= lr wd w before the Adam step. */
static void
hand_step_adam(HandState *h, const GbOptimConfig *c, const float *g, double lr, bool decoupled)
{
  h->t++;
  for (int i = 0; i < N_GROUPED; i++) {
    double d = g[i];
    if (decoupled)
      h->w[i] -= lr * hand_wd(c, i) * h->w[i];
    else
      d += hand_wd(c, i) * h->w[i];
    h->m[i] = c->beta1 * h->m[i] + (1.0 - c->beta1) * d;
    h->v[i] = c->beta2 * h->v[i] + (1.0 - c->beta2) * d * d;
    double m_hat = h->m[i] / (1.0 - pow(c->beta1, h->t));
    double v_hat = h->v[i] / (1.0 - pow(c->beta2, h->t));
    h->w[i] -= lr * m_hat / (sqrt(v_hat) + c->eps);
  }
}

/* You, Gitman & Ginsburg, Algorithm 1, per tensor [lo, hi):
 * local = trust |w| / (|g| + wd |w|) (1 for the bias); v = mu v + lr local (g + wd w); w -= v */
static void
hand_lars_tensor(HandState *h, const GbOptimConfig *c, const float *g, double lr, int lo, int hi,
                 bool is_bias)
{
  double wn = 0, gn = 0;
  for (int i = lo; i < hi; i++) {
    wn += h->w[i] * h->w[i];
    gn += (double)g[i] * g[i];
  }
  wn = sqrt(wn);
  gn = sqrt(gn);
  double wd = is_bias ? 0.0 : c->weight_decay;
  double local = is_bias ? 1.0 : c->trust * wn / (gn + wd * wn);
  for (int i = lo; i < hi; i++) {
    h->v[i] = c->momentum * h->v[i] + lr * local * (g[i] + wd * h->w[i]);
    h->w[i] -= h->v[i];
  }
}

static void
hand_step_lars(HandState *h, const GbOptimConfig *c, const float *g, double lr)
{
  hand_lars_tensor(h, c, g, lr, 0, N_BIAS, true);
  hand_lars_tensor(h, c, g, lr, N_BIAS, N_GROUPED, false);
}

static void
hand_step(HandState *h, const GbOptimConfig *c, const float *g, double lr)
{
  switch (c->kind) {
  case GB_OPTIM_SGD: hand_step_sgd(h, c, g, lr); break;
  case GB_OPTIM_MOMENTUM: hand_step_momentum(h, c, g, lr); break;
  case GB_OPTIM_NESTEROV: hand_step_nesterov(h, c, g, lr); break;
  case GB_OPTIM_ADAGRAD: hand_step_adagrad(h, c, g, lr); break;
  case GB_OPTIM_RMSPROP: hand_step_rmsprop(h, c, g, lr); break;
  case GB_OPTIM_ADAM: hand_step_adam(h, c, g, lr, false); break;
  case GB_OPTIM_ADAMW: hand_step_adam(h, c, g, lr, true); break;
  case GB_OPTIM_LARS: hand_step_lars(h, c, g, lr); break;
  default: g_assert_not_reached();
  }
}

static void
assert_close(const char *what, int step, int i, double got, double want)
{
  double err = fabs(got - want);
  if (!(err <= REL_TOL * fabs(want)))
    g_test_message("%s, step %d, value %d: got %.9g, want %.9g", what, step, i, got, want);
  g_assert_cmpfloat(err, <=, REL_TOL * fabs(want));
}

/* One, two and three updates of the code under test against the hand-computed values. */
static void
check_against_hand(GbOptimKind kind)
{
  GbOptimConfig c;
  hand_config(&c, kind);
  GbError err;
  GbOptim *opt = gb_optim_new(&c, N_BUF, hand_groups, G_N_ELEMENTS(hand_groups), &err);
  g_assert_nonnull(opt);
  float w[N_BUF];
  HandState h;
  hand_init(&h);
  for (int i = 0; i < N_BUF; i++)
    w[i] = hand_w0[i];
  for (int t = 0; t < N_STEPS; t++) {
    double lr = c.lr * hand_lr_factor[t];
    gb_optim_step(opt, w, hand_g[t], (float)lr);
    hand_step(&h, &c, hand_g[t], (float)lr);
    for (int i = 0; i < N_GROUPED; i++)
      assert_close(gb_optim_kind_to_string(kind), t + 1, i, w[i], h.w[i]);
    g_assert_cmpfloat(w[N_GROUPED], ==, hand_w0[N_GROUPED]);
  }
  gb_optim_free(opt);
}

static void
test_sgd_by_hand(void)
{
  check_against_hand(GB_OPTIM_SGD);

  /* The first step written out in full: bias 1.5 - 0.1 * 0.25 (no decay) and weight
   * 2.0 - 0.1 * (0.75 + 0.1 * 2.0); lr and wd are the float values of 0.1. */
  GbOptimConfig c;
  hand_config(&c, GB_OPTIM_SGD);
  GbOptim *opt = gb_optim_new(&c, N_BUF, hand_groups, G_N_ELEMENTS(hand_groups), NULL);
  float w[N_BUF];
  for (int i = 0; i < N_BUF; i++)
    w[i] = hand_w0[i];
  gb_optim_step(opt, w, hand_g[0], c.lr);
  double lr = c.lr, wd = c.weight_decay;
  assert_close("sgd written out", 1, 0, w[0], 1.5 - lr * 0.25);
  assert_close("sgd written out", 1, 2, w[2], 2.0 - lr * (0.75 + wd * 2.0));
  gb_optim_free(opt);
}

static void
test_momentum_by_hand(void)
{
  check_against_hand(GB_OPTIM_MOMENTUM);
}

static void
test_nesterov_by_hand(void)
{
  check_against_hand(GB_OPTIM_NESTEROV);
}

static void
test_adagrad_by_hand(void)
{
  check_against_hand(GB_OPTIM_ADAGRAD);
}

static void
test_rmsprop_by_hand(void)
{
  check_against_hand(GB_OPTIM_RMSPROP);
}

static void
test_adam_by_hand(void)
{
  check_against_hand(GB_OPTIM_ADAM);

  /* After one step the bias-corrected moments are d and d^2, so every value moves by
   * lr d / (|d| + eps): bias 1.5 - 0.1 * 0.25 / 0.26, weight with d = 0.75 + 0.1 * 2.0. */
  GbOptimConfig c;
  hand_config(&c, GB_OPTIM_ADAM);
  GbOptim *opt = gb_optim_new(&c, N_BUF, hand_groups, G_N_ELEMENTS(hand_groups), NULL);
  float w[N_BUF];
  for (int i = 0; i < N_BUF; i++)
    w[i] = hand_w0[i];
  gb_optim_step(opt, w, hand_g[0], c.lr);
  double lr = c.lr, wd = c.weight_decay, eps = c.eps, d = 0.75 + wd * 2.0;
  assert_close("adam written out", 1, 0, w[0], 1.5 - lr * 0.25 / (0.25 + eps));
  assert_close("adam written out", 1, 2, w[2], 2.0 - lr * d / (d + eps));
  gb_optim_free(opt);
}

static void
test_adamw_by_hand(void)
{
  check_against_hand(GB_OPTIM_ADAMW);
}

static void
test_lars_by_hand(void)
{
  check_against_hand(GB_OPTIM_LARS);
}

/* f(w) = 0.5 sum_i a_i (w_i - c_i)^2 with curvatures 0.5 to 8; the first two values are a bias
 * tensor and the other three a weight tensor, so LARS adapts one and not the other. */
#define N_QUAD 5
static const double quad_a[N_QUAD] = {0.5, 2.0, 1.0, 8.0, 4.0};
static const double quad_c[N_QUAD] = {1.0, -2.0, 0.5, 3.0, -1.0};
static const float quad_w0[N_QUAD] = {-1.0f, 1.0f, 2.0f, 0.0f, 1.0f};
static const GbOptimGroup quad_groups[] = {{0, 2, true}, {2, 3, false}};

static double
quad_loss(const float *w)
{
  double f = 0;
  for (int i = 0; i < N_QUAD; i++)
    f += 0.5 * quad_a[i] * (w[i] - quad_c[i]) * (w[i] - quad_c[i]);
  return f;
}

static double
quad_distance(const float *w)
{
  double s = 0;
  for (int i = 0; i < N_QUAD; i++)
    s += (w[i] - quad_c[i]) * (w[i] - quad_c[i]);
  return sqrt(s);
}

typedef struct {
  GbOptimKind kind;
  float lr;
  bool cosine;   /* anneal lr to 0 over max_steps: adaptive steps otherwise hover at about lr */
  bool monotone; /* the loss must fall at every step (not true with momentum) */
  int max_steps;
} QuadCase;

static void
check_quadratic(const QuadCase *qc)
{
  GbOptimConfig c;
  gb_optim_config_defaults(&c, qc->kind);
  c.lr = qc->lr;
  c.weight_decay = 0.0f; /* decay would move the minimum away from c */
  GbSchedule s;
  gb_schedule_init(&s, qc->cosine ? GB_SCHEDULE_COSINE : GB_SCHEDULE_CONSTANT);
  GbOptim *opt = gb_optim_new(&c, N_QUAD, quad_groups, G_N_ELEMENTS(quad_groups), NULL);
  g_assert_nonnull(opt);
  float w[N_QUAD], g[N_QUAD];
  for (int i = 0; i < N_QUAD; i++)
    w[i] = quad_w0[i];
  double f0 = quad_loss(w), f_prev = f0;
  int step = 0;
  while (quad_distance(w) >= 1e-3 && step < qc->max_steps) {
    for (int i = 0; i < N_QUAD; i++)
      g[i] = (float)(quad_a[i] * (w[i] - quad_c[i]));
    gb_optim_step(opt, w, g, gb_schedule_lr(&s, c.lr, step, qc->max_steps));
    step++;
    double f = quad_loss(w);
    g_assert_true(isfinite(f));
    if (qc->monotone)
      g_assert_cmpfloat(f, <, f_prev);
    f_prev = f;
  }
  g_test_message("%s: |w - c| = %.3g after %d steps", gb_optim_kind_to_string(qc->kind),
                 quad_distance(w), step);
  g_assert_cmpfloat(quad_distance(w), <, 1e-3);
  /* |w - c| < 1e-3 means f < 0.5 * 8 * 1e-6 against f0 = 14.25. */
  g_assert_cmpfloat(quad_loss(w), <, 1e-6 * f0);
  gb_optim_free(opt);
}

static void
test_quadratic_convergence(void)
{
  static const QuadCase cases[] = {
      {GB_OPTIM_SGD, 0.2f, false, true, 150},
      {GB_OPTIM_MOMENTUM, 0.05f, false, false, 300},
      {GB_OPTIM_NESTEROV, 0.05f, false, false, 200},
      {GB_OPTIM_ADAGRAD, 1.0f, false, false, 100},
      {GB_OPTIM_RMSPROP, 0.01f, true, false, 1000},
      {GB_OPTIM_ADAM, 0.05f, true, false, 500},
      {GB_OPTIM_ADAMW, 0.05f, true, false, 500},
      {GB_OPTIM_LARS, 1.0f, true, false, 1000},
  };
  for (size_t i = 0; i < G_N_ELEMENTS(cases); i++)
    check_quadratic(&cases[i]);
}

/* The step after gb_optim_reset() is bit for bit the very first step. */
static void
test_reset(void)
{
  for (int k = 0; k < GB_OPTIM_N_KINDS; k++) {
    GbOptimConfig c;
    hand_config(&c, (GbOptimKind)k);
    GbOptim *fresh = gb_optim_new(&c, N_BUF, hand_groups, G_N_ELEMENTS(hand_groups), NULL);
    GbOptim *used = gb_optim_new(&c, N_BUF, hand_groups, G_N_ELEMENTS(hand_groups), NULL);
    float a[N_BUF], b[N_BUF];
    for (int i = 0; i < N_BUF; i++)
      a[i] = b[i] = hand_w0[i];
    for (int t = 0; t < N_STEPS; t++)
      gb_optim_step(used, b, hand_g[t], c.lr);
    gb_optim_reset(used);
    for (int i = 0; i < N_BUF; i++)
      b[i] = hand_w0[i];
    gb_optim_step(fresh, a, hand_g[0], c.lr);
    gb_optim_step(used, b, hand_g[0], c.lr);
    for (int i = 0; i < N_BUF; i++)
      g_assert_cmpfloat(a[i], ==, b[i]);
    /* And the step after that still matches: the step count restarted too. */
    gb_optim_step(fresh, a, hand_g[1], c.lr);
    gb_optim_step(used, b, hand_g[1], c.lr);
    for (int i = 0; i < N_BUF; i++)
      g_assert_cmpfloat(a[i], ==, b[i]);
    gb_optim_free(fresh);
    gb_optim_free(used);
  }
}

static void
test_kind_names(void)
{
  static const char *const names[] = {"sgd",     "momentum", "nesterov", "adagrad",
                                      "rmsprop", "adam",     "adamw",    "lars"};
  G_STATIC_ASSERT(G_N_ELEMENTS(names) == GB_OPTIM_N_KINDS);
  for (int k = 0; k < GB_OPTIM_N_KINDS; k++) {
    g_assert_cmpstr(gb_optim_kind_to_string((GbOptimKind)k), ==, names[k]);
    GbOptimKind back = GB_OPTIM_N_KINDS;
    g_assert_true(gb_optim_kind_from_string(names[k], &back));
    g_assert_cmpint(back, ==, k);
  }
  GbOptimKind kind = GB_OPTIM_ADAM;
  g_assert_false(gb_optim_kind_from_string("Adam", &kind));
  g_assert_false(gb_optim_kind_from_string("", &kind));
  g_assert_false(gb_optim_kind_from_string("adamw2", &kind));
  g_assert_false(gb_optim_kind_from_string(NULL, &kind));
  g_assert_cmpint(kind, ==, GB_OPTIM_ADAM);
  g_assert_cmpstr(gb_optim_kind_to_string(GB_OPTIM_N_KINDS), ==, "unknown");

  static const char *const schedules[] = {"constant", "step", "cosine"};
  for (int k = 0; k < (int)G_N_ELEMENTS(schedules); k++) {
    GbScheduleKind back = GB_SCHEDULE_CONSTANT;
    g_assert_cmpstr(gb_schedule_kind_to_string((GbScheduleKind)k), ==, schedules[k]);
    g_assert_true(gb_schedule_kind_from_string(schedules[k], &back));
    g_assert_cmpint(back, ==, k);
  }
  GbScheduleKind sk;
  g_assert_false(gb_schedule_kind_from_string("linear", &sk));
  g_assert_cmpstr(gb_schedule_kind_to_string((GbScheduleKind)3), ==, "unknown");
}

/* PyTorch's defaults (torch.optim, 1.13) and the LARS paper's. */
static void
test_defaults(void)
{
  GbOptimConfig c;
  gb_optim_config_defaults(&c, GB_OPTIM_NESTEROV);
  g_assert_cmpfloat(c.momentum, ==, 0.9f);
  gb_optim_config_defaults(&c, GB_OPTIM_ADAGRAD);
  g_assert_cmpfloat(c.lr, ==, 0.01f);
  g_assert_cmpfloat(c.eps, ==, 1e-10f);
  gb_optim_config_defaults(&c, GB_OPTIM_RMSPROP);
  g_assert_cmpfloat(c.lr, ==, 0.01f);
  g_assert_cmpfloat(c.alpha, ==, 0.99f);
  g_assert_cmpfloat(c.eps, ==, 1e-8f);
  gb_optim_config_defaults(&c, GB_OPTIM_ADAM);
  g_assert_cmpfloat(c.lr, ==, 1e-3f);
  g_assert_cmpfloat(c.beta1, ==, 0.9f);
  g_assert_cmpfloat(c.beta2, ==, 0.999f);
  g_assert_cmpfloat(c.eps, ==, 1e-8f);
  g_assert_cmpfloat(c.weight_decay, ==, 0.0f);
  gb_optim_config_defaults(&c, GB_OPTIM_ADAMW);
  g_assert_cmpfloat(c.weight_decay, ==, 0.01f);
  gb_optim_config_defaults(&c, GB_OPTIM_LARS);
  g_assert_cmpfloat(c.trust, ==, 0.001f);
  g_assert_cmpfloat(c.momentum, ==, 0.9f);
  g_assert_cmpfloat(c.weight_decay, ==, 5e-4f);
  /* Every default is accepted. */
  for (int k = 0; k < GB_OPTIM_N_KINDS; k++) {
    gb_optim_config_defaults(&c, (GbOptimKind)k);
    GbOptim *opt = gb_optim_new(&c, N_BUF, hand_groups, G_N_ELEMENTS(hand_groups), NULL);
    g_assert_nonnull(opt);
    gb_optim_free(opt);
  }
}

static void
assert_new_fails(const GbOptimConfig *c, size_t len, const GbOptimGroup *groups, int n_groups)
{
  GbError err = {0};
  GbOptim *opt = gb_optim_new(c, len, groups, n_groups, &err);
  g_assert_null(opt);
  g_assert_cmpint(err.code, ==, GB_ERR_INVALID);
  g_assert_cmpstr(err.message, !=, "");
  g_test_message("rejected: %s", err.message);
}

static void
test_new_rejects(void)
{
  GbOptimConfig c;
  gb_optim_config_defaults(&c, GB_OPTIM_ADAM);
  GbError err;

  /* A group may end exactly at the end of the buffer, or be empty there. */
  GbOptimGroup edge[] = {{0, 2, true}, {2, 4, false}, {6, 0, false}};
  GbOptim *opt = gb_optim_new(&c, 6, edge, 3, &err);
  g_assert_nonnull(opt);
  gb_optim_free(opt);

  GbOptimGroup past_end[] = {{0, 2, true}, {2, 5, false}};
  assert_new_fails(&c, 6, past_end, 2);
  GbOptimGroup start_past_end[] = {{7, 0, false}};
  assert_new_fails(&c, 6, start_past_end, 1);
  /* offset + count wraps around to 1, which is inside the buffer. */
  GbOptimGroup wraps[] = {{SIZE_MAX, 2, false}};
  assert_new_fails(&c, 6, wraps, 1);
  GbOptimGroup huge[] = {{2, SIZE_MAX, false}};
  assert_new_fails(&c, 6, huge, 1);
  assert_new_fails(&c, 6, edge, -1);
  assert_new_fails(&c, 6, NULL, 1);

  /* Hyperparameters PyTorch rejects too, and a beta of 1, whose bias correction is 1 / 0. */
  GbOptimConfig bad = c;
  bad.beta1 = 1.0f;
  assert_new_fails(&bad, 6, edge, 2);
  bad = c;
  bad.beta2 = -0.5f;
  assert_new_fails(&bad, 6, edge, 2);
  bad = c;
  bad.kind = GB_OPTIM_RMSPROP;
  bad.alpha = 1.0f;
  assert_new_fails(&bad, 6, edge, 2);
  bad = c;
  bad.lr = -0.1f;
  assert_new_fails(&bad, 6, edge, 2);
  bad = c;
  bad.eps = NAN;
  assert_new_fails(&bad, 6, edge, 2);
  bad = c;
  bad.weight_decay = INFINITY;
  assert_new_fails(&bad, 6, edge, 2);
  bad = c;
  bad.kind = GB_OPTIM_N_KINDS;
  assert_new_fails(&bad, 6, edge, 2);
}

static void
test_new_out_of_memory(void)
{
  GbOptimConfig c;
  gb_optim_config_defaults(&c, GB_OPTIM_ADAM);
  for (long n = 1;; n++) {
    GbError err = {0};
    gb_alloc_fail_after(n);
    GbOptim *opt = gb_optim_new(&c, N_BUF, hand_groups, G_N_ELEMENTS(hand_groups), &err);
    gb_alloc_fail_after(0);
    if (opt != NULL) {
      g_assert_cmpint(n, >, 1);
      gb_optim_free(opt);
      break;
    }
    g_assert_cmpint(err.code, ==, GB_ERR_NOMEM);
  }
}

static void
assert_lr(float got, double want)
{
  g_assert_cmpfloat(fabs(got - want), <=, REL_TOL * fabs(want));
}

static void
test_schedule_step(void)
{
  GbSchedule s;
  gb_schedule_init(&s, GB_SCHEDULE_STEP);
  /* The defaults: x0.1 every 10 epochs. */
  assert_lr(gb_schedule_lr(&s, 0.5f, 9, 100), 0.5);
  assert_lr(gb_schedule_lr(&s, 0.5f, 10, 100), 0.05);
  assert_lr(gb_schedule_lr(&s, 0.5f, 25, 100), 0.005);

  s.step_size = 3;
  s.gamma = 0.5f;
  /* 0.8 * 0.5^floor(epoch / 3) */
  assert_lr(gb_schedule_lr(&s, 0.8f, 0, 20), 0.8);
  assert_lr(gb_schedule_lr(&s, 0.8f, 2, 20), 0.8);
  assert_lr(gb_schedule_lr(&s, 0.8f, 3, 20), 0.4);
  assert_lr(gb_schedule_lr(&s, 0.8f, 5, 20), 0.4);
  assert_lr(gb_schedule_lr(&s, 0.8f, 6, 20), 0.2);
  assert_lr(gb_schedule_lr(&s, 0.8f, 11, 20), 0.1);
  assert_lr(gb_schedule_lr(&s, 0.8f, 12, 20), 0.05);

  gb_schedule_init(&s, GB_SCHEDULE_CONSTANT);
  assert_lr(gb_schedule_lr(&s, 0.3f, 0, 20), 0.3f);
  assert_lr(gb_schedule_lr(&s, 0.3f, 19, 20), 0.3f);
}

static void
test_schedule_cosine(void)
{
  GbSchedule s;
  gb_schedule_init(&s, GB_SCHEDULE_COSINE);
  s.min_lr = 0.1f;
  s.t_max = 4;
  /* 0.1 + 0.9 (1 + cos(pi e / 4)) / 2 with cos(pi / 4) = 0.70710678118654752 */
  static const double want[] = {
      1.0,
      0.1 + 0.9 * (1.0 + 0.70710678118654752) / 2, /* 0.86819805153394639 */
      0.55,
      0.1 + 0.9 * (1.0 - 0.70710678118654752) / 2, /* 0.23180194846605361 */
      0.1,
  };
  for (int e = 0; e < 5; e++)
    assert_lr(gb_schedule_lr(&s, 1.0f, e, 100), want[e]);
  /* Past t_max it stays at min_lr. */
  assert_lr(gb_schedule_lr(&s, 1.0f, 6, 100), 0.1);

  /* t_max = 0 is the number of epochs. */
  s.t_max = 0;
  for (int e = 0; e < 4; e++)
    assert_lr(gb_schedule_lr(&s, 1.0f, e, 4), want[e]);

  /* min_lr 0, t_max 3, base 0.6: 0.6 (1 + cos(pi e / 3)) / 2 with cos(pi / 3) = 0.5. */
  s.min_lr = 0.0f;
  s.t_max = 3;
  assert_lr(gb_schedule_lr(&s, 0.6f, 0, 10), 0.6);
  assert_lr(gb_schedule_lr(&s, 0.6f, 1, 10), 0.6 * 1.5 / 2);
  assert_lr(gb_schedule_lr(&s, 0.6f, 2, 10), 0.6 * 0.5 / 2);
  g_assert_cmpfloat(fabsf(gb_schedule_lr(&s, 0.6f, 3, 10)), <, 1e-7);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/engine/optim/sgd/by-hand", test_sgd_by_hand);
  g_test_add_func("/engine/optim/momentum/by-hand", test_momentum_by_hand);
  g_test_add_func("/engine/optim/nesterov/by-hand", test_nesterov_by_hand);
  g_test_add_func("/engine/optim/adagrad/by-hand", test_adagrad_by_hand);
  g_test_add_func("/engine/optim/rmsprop/by-hand", test_rmsprop_by_hand);
  g_test_add_func("/engine/optim/adam/by-hand", test_adam_by_hand);
  g_test_add_func("/engine/optim/adamw/by-hand", test_adamw_by_hand);
  g_test_add_func("/engine/optim/lars/by-hand", test_lars_by_hand);
  g_test_add_func("/engine/optim/quadratic-convergence", test_quadratic_convergence);
  g_test_add_func("/engine/optim/reset", test_reset);
  g_test_add_func("/engine/optim/kind-names", test_kind_names);
  g_test_add_func("/engine/optim/defaults", test_defaults);
  g_test_add_func("/engine/optim/new-rejects", test_new_rejects);
  g_test_add_func("/engine/optim/new-out-of-memory", test_new_out_of_memory);
  g_test_add_func("/engine/schedule/step", test_schedule_step);
  g_test_add_func("/engine/schedule/cosine", test_schedule_cosine);
  return g_test_run();
}

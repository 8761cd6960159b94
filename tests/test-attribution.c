/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib.h>
#include <math.h>
#include <string.h>

#include "gb-alloc.h"
#include "gb-attribution.h"
#include "gb-test-util.h"

#define MLP_SPEC  "input(6), dense(8), tanh, dense(4)"
#define CNN_SPEC  "input(2,6,6), conv2d(3,3,pad=1), tanh, avgpool2d(2), flatten, dense(3)"
#define LSTM_SPEC "input(5,3), lstm(4), dense(3)"
#define BCE_SPEC  "input(5), dense(6), tanh, dense(1)"
#define LIN_SPEC  "input(7), dense(4)"

static GbModel *
new_model(const char *spec, uint64_t seed)
{
  GbModel *m = gb_test_model_new(spec, seed);
  /* Nonzero biases, so f(0) is not 0 and a baseline matters. */
  for (int i = 0; i < gb_model_n_tensors(m); i++) {
    GbModelTensor t;
    gb_model_get_tensor(m, i, &t);
    if (t.is_bias)
      gb_test_fill_uniform(t.data, t.count, -0.5f, 0.5f, seed + 100 + i);
  }
  return m;
}

static float *
new_input(GbModel *m, uint64_t seed)
{
  size_t n = gb_model_input_size(m);
  float *x = g_new(float, n);
  gb_test_fill_uniform(x, n, -1.0f, 1.0f, seed);
  return x;
}

/* f_a - f_b at x, in double from the float logits. */
static double
target_value(GbModel *m, const float *x, const GbTarget *t)
{
  const float *y;
  GbError err;
  g_assert_cmpint(gb_model_forward(m, x, 1, false, &y, &err), ==, GB_OK);
  return y[t->class_a] - (t->class_b >= 0 ? (double)y[t->class_b] : 0.0);
}

/* The gradient of the target against central differences, entry by entry. */
static void
check_gradient_fd(const char *spec, GbTarget t)
{
  GbModel *m = new_model(spec, 11);
  float *x = new_input(m, 12);
  size_t n = gb_model_input_size(m);
  GbAttribution g;
  GbError err;
  g_assert_cmpint(gb_attribution_gradient(m, x, n, &t, &g, &err), ==, GB_OK);
  g_assert_cmpuint(g.n, ==, n);
  g_assert_cmpfloat(fabs(g.f_x - target_value(m, x, &t)), <, 1e-6);
  const float h = 1e-2f;
  double worst = 0.0;
  for (size_t i = 0; i < n; i++) {
    float keep = x[i];
    x[i] = keep + h;
    double fp = target_value(m, x, &t);
    x[i] = keep - h;
    double fm = target_value(m, x, &t);
    x[i] = keep;
    double num = (fp - fm) / (2.0 * h);
    worst = fmax(worst, fabs(g.values[i] - num) / (1.0 + fabs(num)));
  }
  g_test_message("%s target (%d,%d): worst error %.2e", spec, t.class_a, t.class_b, worst);
  g_assert_cmpfloat(worst, <, 2e-3);
  gb_attribution_clear(&g);
  g_free(x);
  gb_model_free(m);
}

static void
test_gradient_mlp(void)
{
  check_gradient_fd(MLP_SPEC, gb_target_class(2));
  check_gradient_fd(MLP_SPEC, gb_target_contrast(1, 3));
}

static void
test_gradient_cnn(void)
{
  check_gradient_fd(CNN_SPEC, gb_target_class(0));
  check_gradient_fd(CNN_SPEC, gb_target_contrast(2, 0));
}

static void
test_gradient_lstm(void)
{
  check_gradient_fd(LSTM_SPEC, gb_target_class(1));
  check_gradient_fd(LSTM_SPEC, gb_target_contrast(0, 2));
}

static void
test_gradient_one_output(void)
{
  check_gradient_fd(BCE_SPEC, gb_target_class(0));
}

/* Saliency is |gradient|; the max over channels keeps one (1, h, w) map. */
static void
test_saliency(void)
{
  GbModel *m = new_model(CNN_SPEC, 3);
  float *x = new_input(m, 4);
  size_t n = gb_model_input_size(m);
  GbTarget t = gb_target_class(1);
  GbAttribution g, s, s1;
  GbError err;
  g_assert_cmpint(gb_attribution_gradient(m, x, n, &t, &g, &err), ==, GB_OK);
  g_assert_cmpint(gb_attribution_saliency(m, x, n, &t, false, &s, &err), ==, GB_OK);
  g_assert_cmpint(gb_attribution_saliency(m, x, n, &t, true, &s1, &err), ==, GB_OK);
  g_assert_true(gb_shape_equal(&s.shape, gb_model_input_shape(m)));
  for (size_t i = 0; i < n; i++) g_assert_cmpfloat(s.values[i], ==, fabsf(g.values[i]));
  g_assert_cmpint(s1.shape.ndim, ==, 3);
  g_assert_cmpint(s1.shape.dim[0], ==, 1);
  g_assert_cmpuint(s1.n, ==, 36);
  for (size_t i = 0; i < 36; i++)
    g_assert_cmpfloat(s1.values[i], ==, fmaxf(s.values[i], s.values[36 + i]));
  gb_attribution_clear(&g);
  gb_attribution_clear(&s);
  gb_attribution_clear(&s1);
  g_free(x);
  gb_model_free(m);
}

/* For f = W x + b: gradient x input is exactly w_c * x, and (w_a - w_b) * x for a contrast. */
static void
test_grad_x_input_linear(void)
{
  GbModel *m = new_model(LIN_SPEC, 5);
  float *x = new_input(m, 6);
  GbModelTensor w;
  gb_model_get_tensor(m, 0, &w);
  g_assert_cmpint(w.shape.dim[0], ==, 4);
  GbAttribution a, d;
  GbError err;
  GbTarget t = gb_target_class(2), tc = gb_target_contrast(3, 0);
  g_assert_cmpint(gb_attribution_grad_x_input(m, x, 7, &t, &a, &err), ==, GB_OK);
  g_assert_cmpint(gb_attribution_grad_x_input(m, x, 7, &tc, &d, &err), ==, GB_OK);
  for (int i = 0; i < 7; i++) {
    float want = w.data[2 * 7 + i] * x[i];
    float want_d = (w.data[3 * 7 + i] - w.data[0 * 7 + i]) * x[i];
    g_assert_cmpfloat(fabsf(a.values[i] - want), <=, 1e-7f * (1.0f + fabsf(want)));
    g_assert_cmpfloat(fabsf(d.values[i] - want_d), <=, 1e-7f * (1.0f + fabsf(want_d)));
  }
  gb_attribution_clear(&a);
  gb_attribution_clear(&d);
  g_free(x);
  gb_model_free(m);
}

static GbAttribution
run_ig(GbModel *m, const float *x, GbTarget t, int steps, GbIgRule rule, const GbBaseline *b,
       int batch)
{
  GbIgConfig cfg;
  gb_ig_config_init(&cfg);
  cfg.steps = steps;
  cfg.rule = rule;
  if (b != NULL)
    cfg.baseline = *b;
  if (batch > 0)
    cfg.batch = batch;
  GbAttribution a;
  GbError err;
  GbStatus st = gb_attribution_integrated_gradients(m, x, gb_model_input_size(m), &t, &cfg, &a,
                                                    NULL, NULL, &err);
  if (st != GB_OK)
    g_error("IG: %s", err.message);
  return a;
}

/* Completeness: sum(phi) = f(x) - f(x') up to the quadrature error, which shrinks with m. */
static void
check_ig_completeness(const char *spec, GbTarget t, GbIgRule rule)
{
  GbModel *m = new_model(spec, 21);
  float *x = new_input(m, 22);
  GbAttribution a8 = run_ig(m, x, t, 8, rule, NULL, 0);
  GbAttribution a64 = run_ig(m, x, t, 64, rule, NULL, 0);
  GbAttribution a128 = run_ig(m, x, t, 128, rule, NULL, 0);
  double delta = a64.f_x - a64.f_baseline;
  g_test_message("%s rule %d: f(x) %.4f f(x') %.4f, gap 8: %.2e 64: %.2e 128: %.2e", spec, rule,
                 a64.f_x, a64.f_baseline, a8.gap, a64.gap, a128.gap);
  g_assert_cmpfloat(fabs(delta), >, 1e-2);
  g_assert_cmpfloat(a64.gap, <, 0.01 * fabs(delta));
  g_assert_cmpfloat(fabs(a64.gap_relative - a64.gap / fabs(delta)), <, 1e-12);
  g_assert_cmpfloat(a128.gap, <, a8.gap);
  g_assert_cmpint(a64.n_evaluations, ==, rule == GB_IG_TRAPEZOID ? 65 : 64);
  gb_attribution_clear(&a8);
  gb_attribution_clear(&a64);
  gb_attribution_clear(&a128);
  g_free(x);
  gb_model_free(m);
}

static void
test_ig_completeness_mlp(void)
{
  check_ig_completeness(MLP_SPEC, gb_target_class(1), GB_IG_MIDPOINT);
  check_ig_completeness(MLP_SPEC, gb_target_contrast(0, 3), GB_IG_TRAPEZOID);
}

static void
test_ig_completeness_cnn(void)
{
  check_ig_completeness("input(1,8,8), conv2d(4,3,pad=1), relu, maxpool2d(2), flatten, "
                        "dense(16), tanh, dense(3)", gb_target_class(2), GB_IG_MIDPOINT);
  check_ig_completeness(CNN_SPEC, gb_target_class(0), GB_IG_TRAPEZOID);
}

/* For a linear model the integrand is constant: phi = w * (x - x') for any m and rule. */
static void
test_ig_linear(void)
{
  GbModel *m = new_model(LIN_SPEC, 31);
  float *x = new_input(m, 32);
  float custom[7];
  gb_test_fill_uniform(custom, 7, -1.0f, 1.0f, 33);
  GbModelTensor w;
  gb_model_get_tensor(m, 0, &w);
  GbBaseline b;
  gb_baseline_init(&b);
  GbBaseline bases[2] = {b, b};
  bases[1].kind = GB_BASELINE_CUSTOM;
  bases[1].data = custom;
  bases[1].n_data = 7;
  int steps[] = {1, 3, 50};
  for (int k = 0; k < 2; k++)
    for (int s = 0; s < 3; s++)
      for (int rule = GB_IG_MIDPOINT; rule <= GB_IG_TRAPEZOID; rule++) {
        GbAttribution a = run_ig(m, x, gb_target_class(1), steps[s], rule, &bases[k], 2);
        for (int i = 0; i < 7; i++) {
          double want = w.data[7 + i] * ((double)x[i] - (k ? custom[i] : 0.0f));
          g_assert_cmpfloat(fabs(a.values[i] - want), <, 1e-6 * (1 + fabs(want)));
        }
        g_assert_cmpfloat(a.gap, <, 1e-5);
        gb_attribution_clear(&a);
      }
  g_free(x);
  gb_model_free(m);
}

/* Completeness holds whatever the baseline: blurred input, seeded noise, a data mean. */
static void
test_ig_baselines(void)
{
  GbModel *m = new_model(CNN_SPEC, 35);
  float *x = new_input(m, 36);
  float mean[72];
  gb_test_fill_uniform(mean, 72, -0.2f, 0.2f, 37);
  GbBaseline b[3];
  for (int k = 0; k < 3; k++) gb_baseline_init(&b[k]);
  b[0].kind = GB_BASELINE_BLUR;
  b[1].kind = GB_BASELINE_UNIFORM;
  b[1].seed = 4;
  b[2].kind = GB_BASELINE_MEAN;
  b[2].data = mean;
  b[2].n_data = 72;
  for (int k = 0; k < 3; k++) {
    GbAttribution a = run_ig(m, x, gb_target_contrast(1, 2), 64, GB_IG_MIDPOINT, &b[k], 0);
    double delta = a.f_x - a.f_baseline;
    g_test_message("baseline %d: f(x) %.4f f(x') %.4f gap %.2e", k, a.f_x, a.f_baseline, a.gap);
    g_assert_cmpfloat(fabs(delta), >, 1e-3);
    g_assert_cmpfloat(a.gap, <, 0.01 * fabs(delta));
    gb_attribution_clear(&a);
  }
  g_free(x);
  gb_model_free(m);
}

/* The batch size is an implementation detail: one at a time or 64 at once, the same map. */
static void
test_ig_batch_independent(void)
{
  GbModel *m = new_model(LSTM_SPEC, 41);
  float *x = new_input(m, 42);
  GbAttribution a = run_ig(m, x, gb_target_class(0), 20, GB_IG_MIDPOINT, NULL, 1);
  GbAttribution b = run_ig(m, x, gb_target_class(0), 20, GB_IG_MIDPOINT, NULL, 64);
  GbAttribution c = run_ig(m, x, gb_target_class(0), 20, GB_IG_MIDPOINT, NULL, 7);
  for (size_t i = 0; i < a.n; i++) {
    g_assert_cmpfloat(fabsf(a.values[i] - b.values[i]), <, 1e-5f);
    g_assert_cmpfloat(fabsf(a.values[i] - c.values[i]), <, 1e-5f);
  }
  gb_attribution_clear(&a);
  gb_attribution_clear(&b);
  gb_attribution_clear(&c);
  g_free(x);
  gb_model_free(m);
}

/* Blur keeps constants, smooths only along the spatial or time axes. */
static void
test_baseline_blur(void)
{
  GbBaseline b;
  gb_baseline_init(&b);
  b.kind = GB_BASELINE_BLUR;
  b.blur_sigma = 1.5;
  GbError err;
  /* (time 6, channels 3): each channel constant in time but different across channels. */
  GbShape ts = gb_shape_2d(6, 3);
  float x[18], y[18];
  for (int t = 0; t < 6; t++)
    for (int c = 0; c < 3; c++) x[t * 3 + c] = (float)(c * 10);
  g_assert_cmpint(gb_baseline_make(&b, &ts, x, 18, y, &err), ==, GB_OK);
  for (int i = 0; i < 18; i++) g_assert_cmpfloat(fabsf(y[i] - x[i]), <, 1e-5f);
  /* (2, 4, 4) image: a checkerboard per channel blurs towards its mean; the sum is kept in the
   * interior and every value moves towards 0.5. */
  GbShape is = gb_shape_3d(2, 4, 4);
  float im[32], out[32];
  for (int i = 0; i < 32; i++) im[i] = (float)(((i / 4) + (i % 4)) % 2);
  g_assert_cmpint(gb_baseline_make(&b, &is, im, 32, out, &err), ==, GB_OK);
  for (int i = 0; i < 32; i++) g_assert_cmpfloat(fabsf(out[i] - 0.5f), <, 0.25f);
  b.blur_sigma = 0.0;
  g_assert_cmpint(gb_baseline_make(&b, &is, im, 32, out, &err), ==, GB_ERR_INVALID);
}

static void
test_baseline_uniform(void)
{
  GbBaseline b;
  gb_baseline_init(&b);
  b.kind = GB_BASELINE_UNIFORM;
  b.lo = -2.0f;
  b.hi = 3.0f;
  b.seed = 9;
  GbShape s = gb_shape_1d(100);
  float x[100] = {0}, u1[100], u2[100];
  GbError err;
  g_assert_cmpint(gb_baseline_make(&b, &s, x, 100, u1, &err), ==, GB_OK);
  g_assert_cmpint(gb_baseline_make(&b, &s, x, 100, u2, &err), ==, GB_OK);
  g_assert_cmpmem(u1, sizeof u1, u2, sizeof u2);
  for (int i = 0; i < 100; i++) g_assert_true(u1[i] >= -2.0f && u1[i] < 3.0f);
}

static GbStatus
run_smooth(GbModel *m, const float *x, GbSmoothMap map, double level, uint64_t seed,
           GbAttribution *mean, GbAttribution *var)
{
  GbSmoothConfig cfg;
  gb_smooth_config_init(&cfg);
  cfg.samples = 30;
  cfg.batch = 8;
  cfg.map = map;
  cfg.noise_level = level;
  cfg.seed = seed;
  GbTarget t = gb_target_class(1);
  GbError err;
  GbStatus st = gb_attribution_smoothgrad(m, x, gb_model_input_size(m), &t, &cfg, mean, var,
                                          NULL, NULL, &err);
  if (st != GB_OK)
    g_test_message("SmoothGrad: %s", err.message);
  return st;
}

static void
test_smoothgrad_sigma_zero(void)
{
  GbModel *m = new_model(CNN_SPEC, 51);
  float *x = new_input(m, 52);
  GbTarget t = gb_target_class(1);
  GbAttribution g, s, v;
  GbError err;
  g_assert_cmpint(gb_attribution_gradient(m, x, gb_model_input_size(m), &t, &g, &err), ==,
                  GB_OK);
  g_assert_cmpint(run_smooth(m, x, GB_SMOOTH_GRADIENT, 0.0, 1, &s, &v), ==, GB_OK);
  for (size_t i = 0; i < g.n; i++) {
    g_assert_cmpfloat(fabsf(s.values[i] - g.values[i]), <=, 1e-6f * (1 + fabsf(g.values[i])));
    g_assert_cmpfloat(v.values[i], <=, 1e-10f);
  }
  g_assert_cmpint(s.n_evaluations, ==, 30);
  g_assert_cmpfloat(fabs(s.f_x - g.f_x), <, 1e-6);
  gb_attribution_clear(&g);
  gb_attribution_clear(&s);
  gb_attribution_clear(&v);
  g_free(x);
  gb_model_free(m);
}

static void
test_smoothgrad_seeded(void)
{
  GbModel *m = new_model(MLP_SPEC, 61);
  float *x = new_input(m, 62);
  GbAttribution a, av, b, bv, c;
  g_assert_cmpint(run_smooth(m, x, GB_SMOOTH_SALIENCY, 0.15, 7, &a, &av), ==, GB_OK);
  g_assert_cmpint(run_smooth(m, x, GB_SMOOTH_SALIENCY, 0.15, 7, &b, &bv), ==, GB_OK);
  g_assert_cmpint(run_smooth(m, x, GB_SMOOTH_SALIENCY, 0.15, 8, &c, NULL), ==, GB_OK);
  g_assert_cmpmem(a.values, a.n * sizeof(float), b.values, b.n * sizeof(float));
  g_assert_cmpmem(av.values, av.n * sizeof(float), bv.values, bv.n * sizeof(float));
  g_assert_true(memcmp(a.values, c.values, a.n * sizeof(float)) != 0);
  bool some_spread = false;
  for (size_t i = 0; i < a.n; i++) {
    g_assert_cmpfloat(av.values[i], >=, 0.0f);
    g_assert_cmpfloat(a.values[i], >=, 0.0f);
    some_spread |= av.values[i] > 0.0f;
  }
  g_assert_true(some_spread);
  gb_attribution_clear(&a);
  gb_attribution_clear(&av);
  gb_attribution_clear(&b);
  gb_attribution_clear(&bv);
  gb_attribution_clear(&c);
  g_free(x);
  gb_model_free(m);
}

/* VarGrad of gradient x input on a noisy LSTM input: finite and non-negative everywhere. */
static void
test_vargrad_nonnegative(void)
{
  GbModel *m = new_model(LSTM_SPEC, 71);
  float *x = new_input(m, 72);
  GbAttribution v;
  g_assert_cmpint(run_smooth(m, x, GB_SMOOTH_GRAD_X_INPUT, 0.2, 3, NULL, &v), ==, GB_OK);
  for (size_t i = 0; i < v.n; i++) {
    g_assert_true(isfinite(v.values[i]));
    g_assert_cmpfloat(v.values[i], >=, 0.0f);
  }
  gb_attribution_clear(&v);
  g_free(x);
  gb_model_free(m);
}

static bool
stop_after_first(void *user, double fraction, const char *stage)
{
  (void)fraction;
  (void)stage;
  int *calls = user;
  return ++*calls < 2;
}

static void
test_cancel(void)
{
  GbModel *m = new_model(MLP_SPEC, 81);
  float *x = new_input(m, 82);
  GbTarget t = gb_target_class(0);
  GbIgConfig ic;
  gb_ig_config_init(&ic);
  ic.steps = 100;
  ic.batch = 10;
  GbAttribution a;
  GbError err;
  int calls = 0;
  g_assert_cmpint(gb_attribution_integrated_gradients(m, x, 6, &t, &ic, &a, stop_after_first,
                                                      &calls, &err), ==, GB_ERR_CANCELLED);
  g_assert_cmpint(calls, ==, 2);
  g_assert_null(a.values);
  GbSmoothConfig sc;
  gb_smooth_config_init(&sc);
  sc.batch = 5;
  calls = 0;
  g_assert_cmpint(gb_attribution_smoothgrad(m, x, 6, &t, &sc, &a, NULL, stop_after_first, &calls,
                                            &err), ==, GB_ERR_CANCELLED);
  g_assert_cmpint(calls, ==, 2);
  g_assert_null(a.values);
  /* The model is still usable. */
  g_assert_cmpint(gb_attribution_gradient(m, x, 6, &t, &a, &err), ==, GB_OK);
  gb_attribution_clear(&a);
  g_free(x);
  gb_model_free(m);
}

static void
test_invalid(void)
{
  GbModel *m = new_model(MLP_SPEC, 91);
  GbModel *bce = new_model(BCE_SPEC, 92);
  float *x = new_input(m, 93);
  GbTarget t = gb_target_class(0);
  GbAttribution a;
  GbError err;
  g_assert_cmpint(gb_attribution_gradient(m, x, 5, &t, &a, &err), ==, GB_ERR_SHAPE);
  g_test_message("%s", err.message);
  GbTarget bad = gb_target_class(4);
  g_assert_cmpint(gb_attribution_saliency(m, x, 6, &bad, false, &a, &err), ==, GB_ERR_INVALID);
  bad = gb_target_contrast(1, 1);
  g_assert_cmpint(gb_attribution_gradient(m, x, 6, &bad, &a, &err), ==, GB_ERR_INVALID);
  bad = gb_target_contrast(0, 1);
  g_assert_cmpint(gb_attribution_gradient(bce, x, 5, &bad, &a, &err), ==, GB_ERR_INVALID);
  bad = gb_target_class(-1);
  g_assert_cmpint(gb_attribution_gradient(m, x, 6, &bad, &a, &err), ==, GB_ERR_INVALID);
  x[3] = NAN;
  g_assert_cmpint(gb_attribution_grad_x_input(m, x, 6, &t, &a, &err), ==, GB_ERR_NUMERIC);
  g_test_message("%s", err.message);
  GbIgConfig ic;
  gb_ig_config_init(&ic);
  g_assert_cmpint(gb_attribution_integrated_gradients(m, x, 6, &t, &ic, &a, NULL, NULL, &err),
                  ==, GB_ERR_NUMERIC);
  x[3] = 0.5f;
  float base[6] = {0, 0, INFINITY, 0, 0, 0};
  ic.baseline.kind = GB_BASELINE_CUSTOM;
  ic.baseline.data = base;
  ic.baseline.n_data = 6;
  g_assert_cmpint(gb_attribution_integrated_gradients(m, x, 6, &t, &ic, &a, NULL, NULL, &err),
                  ==, GB_ERR_NUMERIC);
  g_test_message("%s", err.message);
  ic.baseline.n_data = 5;
  g_assert_cmpint(gb_attribution_integrated_gradients(m, x, 6, &t, &ic, &a, NULL, NULL, &err),
                  ==, GB_ERR_SHAPE);
  ic.baseline.kind = GB_BASELINE_ZEROS;
  ic.steps = 0;
  g_assert_cmpint(gb_attribution_integrated_gradients(m, x, 6, &t, &ic, &a, NULL, NULL, &err),
                  ==, GB_ERR_INVALID);
  GbSmoothConfig sc;
  gb_smooth_config_init(&sc);
  sc.noise_level = -1;
  g_assert_cmpint(gb_attribution_smoothgrad(m, x, 6, &t, &sc, &a, NULL, NULL, NULL, &err), ==,
                  GB_ERR_INVALID);
  g_free(x);
  gb_model_free(m);
  gb_model_free(bce);
}

/* Every allocation failure is reported as GB_ERR_NOMEM and leaves nothing behind. */
static void
test_nomem(void)
{
  GbModel *m = new_model(MLP_SPEC, 95);
  float *x = new_input(m, 96);
  GbTarget t = gb_target_class(1);
  GbIgConfig ic;
  gb_ig_config_init(&ic);
  ic.steps = 10;
  GbSmoothConfig sc;
  gb_smooth_config_init(&sc);
  sc.samples = 10;
  for (long k = 1; k < 20; k++) {
    GbAttribution a, v;
    GbError err;
    gb_alloc_fail_after(k);
    GbStatus st = gb_attribution_integrated_gradients(m, x, 6, &t, &ic, &a, NULL, NULL, &err);
    gb_alloc_fail_after(0);
    g_assert_true(st == GB_OK || st == GB_ERR_NOMEM);
    if (st == GB_OK)
      gb_attribution_clear(&a);
    else
      g_assert_null(a.values);
    gb_alloc_fail_after(k);
    st = gb_attribution_smoothgrad(m, x, 6, &t, &sc, &a, &v, NULL, NULL, &err);
    gb_alloc_fail_after(0);
    g_assert_true(st == GB_OK || st == GB_ERR_NOMEM);
    gb_attribution_clear(&a);
    gb_attribution_clear(&v);
  }
  g_free(x);
  gb_model_free(m);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/xai/gradient/mlp", test_gradient_mlp);
  g_test_add_func("/xai/gradient/cnn", test_gradient_cnn);
  g_test_add_func("/xai/gradient/lstm", test_gradient_lstm);
  g_test_add_func("/xai/gradient/one-output", test_gradient_one_output);
  g_test_add_func("/xai/saliency/abs-and-channel-max", test_saliency);
  g_test_add_func("/xai/grad-x-input/linear", test_grad_x_input_linear);
  g_test_add_func("/xai/ig/completeness-mlp", test_ig_completeness_mlp);
  g_test_add_func("/xai/ig/completeness-cnn", test_ig_completeness_cnn);
  g_test_add_func("/xai/ig/linear", test_ig_linear);
  g_test_add_func("/xai/ig/baselines", test_ig_baselines);
  g_test_add_func("/xai/ig/batch-independent", test_ig_batch_independent);
  g_test_add_func("/xai/baseline/blur", test_baseline_blur);
  g_test_add_func("/xai/baseline/uniform", test_baseline_uniform);
  g_test_add_func("/xai/smoothgrad/sigma-zero", test_smoothgrad_sigma_zero);
  g_test_add_func("/xai/smoothgrad/seeded", test_smoothgrad_seeded);
  g_test_add_func("/xai/vargrad/nonnegative", test_vargrad_nonnegative);
  g_test_add_func("/xai/cancel", test_cancel);
  g_test_add_func("/xai/invalid", test_invalid);
  g_test_add_func("/xai/nomem", test_nomem);
  return g_test_run();
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib.h>
#include <math.h>
#include <string.h>

#include "gb-alloc.h"
#include "gb-attribution.h"
#include "gb-blas.h"
#include "gb-lrp.h"
#include "gb-test-util.h"

#define MLP_SPEC "input(12), dense(10), relu, dense(8), relu, dense(4)"
#define CNN_SPEC                                                                                   \
  "input(2,8,8), conv2d(4,3,pad=1), relu, maxpool2d(2), conv2d(5,3,stride=2,pad=1), "              \
  "relu, flatten, dropout(0.5), dense(6), relu, dense(3)"
#define AVG_SPEC                                                                                   \
  "input(2,8,8), conv2d(3,3,pad=1), relu, avgpool2d(2), flatten, dense(5), "                       \
  "leakyrelu, dense(3)"
#define TANH_SPEC "input(12), dense(10), tanh, dense(4)"

static GbModel *
new_model(const char *spec, uint64_t seed, bool biases)
{
  GbModel *m;
  GbError err;
  if (gb_model_new_from_spec(spec, seed, &m, &err) != GB_OK)
    g_error("%s: %s", spec, err.message);
  for (int i = 0; i < gb_model_n_tensors(m); i++) {
    GbModelTensor t;
    gb_model_get_tensor(m, i, &t);
    if (t.is_bias && biases)
      gb_test_fill_uniform(t.data, t.count, -0.3f, 0.3f, seed + 100 + i);
    else if (t.is_bias)
      memset(t.data, 0, t.count * sizeof *t.data);
  }
  return m;
}

static float *
new_input(GbModel *m, uint64_t seed, float lo, float hi)
{
  size_t n = gb_model_input_size(m);
  float *x = g_new(float, n);
  gb_test_fill_uniform(x, n, lo, hi, seed);
  return x;
}

static void
lrp(GbModel *m, const float *x, GbTarget t, const GbLrpPolicy *p, GbLrpResult *r)
{
  GbError err;
  GbStatus st = gb_attribution_lrp(m, x, gb_model_input_size(m), &t, p, r, &err);
  if (st != GB_OK)
    g_error("LRP: %s", err.message);
  g_assert_cmpuint(r->map.n, ==, gb_model_input_size(m));
}

static void
lrp_uniform(GbModel *m, const float *x, GbTarget t, GbLrpRule rule, GbLrpResult *r)
{
  GbLrpPolicy p;
  gb_lrp_policy_init_uniform(&p, rule);
  lrp(m, x, t, &p, r);
}

/* max |a - b| / (1 + max |b|) */
static double
max_diff(const float *a, const float *b, size_t n)
{
  double d = 0.0, scale = 0.0;
  for (size_t i = 0; i < n; i++) {
    d = fmax(d, fabs((double)a[i] - b[i]));
    scale = fmax(scale, fabs(b[i]));
  }
  return d / (1.0 + scale);
}

/* Distance of the LRP map from gradient x input for one rule. */
static double
distance_to_gxi(GbModel *m, const float *x, GbTarget t, GbLrpRule rule)
{
  GbLrpResult r;
  GbAttribution g;
  GbError err;
  lrp_uniform(m, x, t, rule, &r);
  g_assert_cmpint(gb_attribution_grad_x_input(m, x, gb_model_input_size(m), &t, &g, &err), ==,
                  GB_OK);
  g_assert_cmpfloat(fabs(r.map.f_x - g.f_x), <, 1e-6 * (1.0 + fabs(g.f_x)));
  double d = max_diff(r.map.values, g.values, g.n);
  gb_lrp_result_clear(&r);
  gb_attribution_clear(&g);
  return d;
}

/* §5.9: LRP-0 with biases is gradient x input on ReLU networks (max pooling as gradient). */
static void
check_lrp0_is_gxi(const char *spec, GbTarget t)
{
  GbModel *m = new_model(spec, 7, true);
  float *x = new_input(m, 8, -1.0f, 1.0f);
  double d = distance_to_gxi(m, x, t, gb_lrp_rule_zero());
  g_test_message("%s (%d,%d): LRP-0 vs GxI %.2e", spec, t.class_a, t.class_b, d);
  g_assert_cmpfloat(d, <, 1e-5);
  g_free(x);
  gb_model_free(m);
}

static void
test_lrp0_gxi_mlp(void)
{
  check_lrp0_is_gxi(MLP_SPEC, gb_target_class(1));
}

static void
test_lrp0_gxi_cnn(void)
{
  check_lrp0_is_gxi(CNN_SPEC, gb_target_class(2));
  /* The same through the engine's reference conv kernels. */
  gb_engine_set_reference_kernels(true);
  check_lrp0_is_gxi(CNN_SPEC, gb_target_class(0));
  gb_engine_set_reference_kernels(false);
}

static void
test_lrp0_gxi_avgpool(void)
{
  check_lrp0_is_gxi(AVG_SPEC, gb_target_class(1));
}

/* The contrast runs through the virtual neuron w_a - w_b: still gradient x input of f_a - f_b. */
static void
test_contrast(void)
{
  check_lrp0_is_gxi(MLP_SPEC, gb_target_contrast(3, 0));
  check_lrp0_is_gxi(CNN_SPEC, gb_target_contrast(1, 2));
  /* A rule non-linear in the weights sees w_a - w_b, not a difference of two maps. */
  GbModel *m = new_model(CNN_SPEC, 7, true);
  float *x = new_input(m, 8, 0.0f, 1.0f);
  GbLrpPolicy p;
  gb_lrp_policy_init_uniform(&p, gb_lrp_rule_alpha_beta(1.0, 0.0));
  GbLrpResult r;
  lrp(m, x, gb_target_contrast(1, 2), &p, &r);
  g_assert_cmpfloat(fabs(r.map.f_x), >, 0.0);
  /* alpha1-beta0 all the way down: every relevance has the sign of f_a - f_b. */
  for (size_t i = 0; i < r.map.n; i++) g_assert_cmpfloat(r.map.values[i] * r.map.f_x, >=, -1e-12);
  gb_lrp_result_clear(&r);
  /* A contrast needs a dense top. */
  GbModel *conv_top;
  GbError err;
  g_assert_cmpint(gb_model_new_from_spec("input(1,4,4), conv2d(2,4), flatten", 1, &conv_top, &err),
                  ==, GB_OK);
  GbTarget t = gb_target_contrast(0, 1);
  g_assert_cmpint(gb_attribution_lrp(conv_top, x, 16, &t, &p, &r, &err), ==, GB_ERR_UNSUPPORTED);
  g_assert_nonnull(strstr(err.message, "contrast"));
  /* A class of a conv top starts from the one-hot f_c: LRP-0 is still gradient x input. */
  check_lrp0_is_gxi("input(1,4,4), conv2d(2,3,pad=1), relu, conv2d(2,4), flatten",
                    gb_target_class(1));
  gb_model_free(conv_top);
  g_free(x);
  gb_model_free(m);
}

/* They part ways with eps > 0 and with tanh (g(z)/z != g'(z)). */
static void
test_differs_from_gxi(void)
{
  GbModel *m = new_model(MLP_SPEC, 7, true);
  float *x = new_input(m, 8, -1.0f, 1.0f);
  double d = distance_to_gxi(m, x, gb_target_class(1), gb_lrp_rule_epsilon(0.5));
  g_test_message("LRP-eps vs GxI: %.2e", d);
  g_assert_cmpfloat(d, >, 1e-3);
  g_free(x);
  gb_model_free(m);
  m = new_model(TANH_SPEC, 7, true);
  x = new_input(m, 8, -1.0f, 1.0f);
  d = distance_to_gxi(m, x, gb_target_class(1), gb_lrp_rule_zero());
  g_test_message("LRP-0 vs GxI on tanh: %.2e", d);
  g_assert_cmpfloat(d, >, 1e-3);
  g_free(x);
  gb_model_free(m);
}

/* The per-layer report adds up: residual = upper - lower = bias + stabiliser parts. */
static void
check_report(const GbLrpResult *r, double tol)
{
  for (int i = 0; i < r->n_layers; i++) {
    const GbLrpLayerReport *l = &r->layers[i];
    double scale = 1.0 + fabs(l->relevance_upper);
    g_assert_cmpfloat(fabs(l->residual - (l->relevance_upper - l->relevance_lower)), <,
                      1e-9 * scale);
    g_assert_cmpfloat(fabs(l->residual - l->absorbed_bias - l->absorbed_stabiliser), <,
                      tol * scale);
  }
  /* Relevance leaving one layer arrives at the next. */
  for (int i = 1; i < r->n_layers; i++)
    g_assert_cmpfloat(fabs(r->layers[i].relevance_lower - r->layers[i - 1].relevance_upper), <,
                      1e-9 * (1.0 + fabs(r->layers[i].relevance_lower)));
  g_assert_cmpfloat(fabs(r->layers[0].relevance_lower - r->map.sum), <,
                    1e-9 * (1.0 + fabs(r->map.sum)));
}

/* Zero biases: LRP-0 conserves sum R = f(x); eps a little less; biases absorb the rest. */
static void
test_conservation(void)
{
  const char *specs[] = {MLP_SPEC, CNN_SPEC, AVG_SPEC};
  for (int s = 0; s < 3; s++) {
    GbModel *m = new_model(specs[s], 3, false);
    float *x = new_input(m, 4, -1.0f, 1.0f);
    GbLrpResult r;
    lrp_uniform(m, x, gb_target_class(0), gb_lrp_rule_zero(), &r);
    check_report(&r, 1e-4);
    g_test_message("%s LRP-0: sum %.6g f %.6g", specs[s], r.map.sum, r.map.f_x);
    g_assert_cmpfloat(r.map.gap, <, 1e-4 * (1.0 + fabs(r.map.f_x)));
    gb_lrp_result_clear(&r);
    lrp_uniform(m, x, gb_target_class(0), gb_lrp_rule_epsilon(0.01), &r);
    check_report(&r, 1e-4);
    g_test_message("%s LRP-eps: sum %.6g f %.6g", specs[s], r.map.sum, r.map.f_x);
    g_assert_cmpfloat(r.map.gap_relative, <, 0.2);
    for (int i = 0; i < r.n_layers; i++) g_assert_cmpfloat(r.layers[i].absorbed_bias, ==, 0.0);
    gb_lrp_result_clear(&r);
    g_free(x);
    gb_model_free(m);
    /* With biases, LRP-0's leak is what the biases absorbed. */
    m = new_model(specs[s], 3, true);
    x = new_input(m, 4, -1.0f, 1.0f);
    lrp_uniform(m, x, gb_target_class(0), gb_lrp_rule_zero(), &r);
    check_report(&r, 1e-4);
    double absorbed = 0.0;
    for (int i = 0; i < r.n_layers; i++) absorbed += r.layers[i].absorbed_bias;
    g_assert_cmpfloat(fabs(absorbed), >, 1e-3);
    g_assert_cmpfloat(fabs(r.map.f_x - r.map.sum - absorbed), <, 1e-4 * (1.0 + fabs(r.map.f_x)));
    gb_lrp_result_clear(&r);
    g_free(x);
    gb_model_free(m);
  }
}

/* z^B, w^2 and flat at the first layer conserve exactly there, biases or not. */
static void
test_first_layer_rules(void)
{
  GbLrpRule rules[] = {gb_lrp_rule_zbox(-1.0f, 1.0f), gb_lrp_rule_wsquare(), gb_lrp_rule_flat()};
  const char *specs[] = {MLP_SPEC, CNN_SPEC};
  for (int s = 0; s < 2; s++)
    for (int k = 0; k < 3; k++) {
      GbModel *m = new_model(specs[s], 5, true);
      float *x = new_input(m, 6, -1.0f, 1.0f);
      GbLrpPolicy p;
      gb_lrp_policy_init_preset(&p, GB_LRP_PRESET_EPSILON_GAMMA_BOX, -1.0f, 1.0f);
      p.first = rules[k];
      GbLrpResult r;
      lrp(m, x, gb_target_class(1), &p, &r);
      check_report(&r, 1e-4);
      const GbLrpLayerReport *l0 = &r.layers[0];
      g_test_message("%s %s: first layer %.6g -> %.6g", specs[s], gb_lrp_rule_name(rules[k].kind),
                     l0->relevance_upper, l0->relevance_lower);
      g_assert_cmpint(l0->rule, ==, rules[k].kind);
      g_assert_cmpfloat(fabs(l0->residual), <, 1e-5 * (1.0 + fabs(l0->relevance_upper)));
      g_assert_cmpfloat(l0->absorbed_bias, ==, 0.0);
      gb_lrp_result_clear(&r);
      g_free(x);
      gb_model_free(m);
    }
}

/* alpha1-beta0 (z+) sends positive relevance down as positive relevance: for non-negative
 * inputs, and through negative ones too (a- w- counts as positive evidence). The explained
 * logit is the largest, checked positive. */
static void
test_alpha1_beta0(void)
{
  const char *specs[] = {MLP_SPEC, CNN_SPEC, AVG_SPEC};
  for (int s = 0; s < 6; s++) {
    GbModel *m = new_model(specs[s % 3], 21, s >= 3);
    float *x = new_input(m, 10, s < 3 ? 0.0f : -1.0f, 1.0f);
    const float *y;
    GbError err;
    g_assert_cmpint(gb_model_forward(m, x, 1, false, &y, &err), ==, GB_OK);
    int c = 0;
    for (int k = 1; k < gb_model_n_outputs(m); k++) c = y[k] > y[c] ? k : c;
    g_assert_cmpfloat(y[c], >, 0.0f);
    GbLrpResult r;
    lrp_uniform(m, x, gb_target_class(c), gb_lrp_rule_alpha_beta(1.0, 0.0), &r);
    for (size_t i = 0; i < r.map.n; i++) g_assert_cmpfloat(r.map.values[i], >=, 0.0f);
    /* With biases all of it may go to them (a layer of dead ReLUs); without, the map cannot be
     * all zeros. */
    if (s < 3)
      g_assert_cmpfloat(r.map.sum, >, 0.0);
    check_report(&r, 1e-4);
    gb_lrp_result_clear(&r);
    /* Gamma and alpha2-beta1 as well run and report consistently. */
    GbLrpPolicy p;
    gb_lrp_policy_init_preset(&p, GB_LRP_PRESET_EPSILON_ALPHA2_BETA1, 0, 0);
    lrp(m, x, gb_target_class(c), &p, &r);
    check_report(&r, 1e-4);
    gb_lrp_result_clear(&r);
    lrp_uniform(m, x, gb_target_class(c), gb_lrp_rule_gamma(0.25), &r);
    check_report(&r, 1e-4);
    gb_lrp_result_clear(&r);
    g_free(x);
    gb_model_free(m);
  }
}

/* gamma = 0 without a stabiliser is LRP-0: both groups are the whole z, through a+ and a-. */
static void
test_rule_limits(void)
{
  GbModel *m = new_model(MLP_SPEC, 11, false);
  float *x = new_input(m, 12, -1.0f, 1.0f);
  GbLrpResult r0, r1;
  lrp_uniform(m, x, gb_target_class(2), gb_lrp_rule_zero(), &r0);
  GbLrpRule g0 = gb_lrp_rule_gamma(0.0);
  g0.epsilon = 0.0;
  lrp_uniform(m, x, gb_target_class(2), g0, &r1);
  g_assert_cmpfloat(max_diff(r1.map.values, r0.map.values, r0.map.n), <, 1e-5);
  gb_lrp_result_clear(&r0);
  gb_lrp_result_clear(&r1);
  g_free(x);
  gb_model_free(m);
}

/* f = W x + b: LRP-0 gives exactly w_c x (the bias keeps its own share). */
static void
test_linear(void)
{
  GbModel *m = new_model("input(7), dense(4)", 13, true);
  float *x = new_input(m, 14, -1.0f, 1.0f);
  GbLayer *l = gb_model_get_layer(m, 0);
  GbLrpResult r;
  lrp_uniform(m, x, gb_target_class(3), gb_lrp_rule_zero(), &r);
  for (int i = 0; i < 7; i++)
    g_assert_cmpfloat(fabs(r.map.values[i] - l->p[0][3 * 7 + i] * x[i]), <, 1e-6);
  g_assert_cmpfloat(fabs(r.layers[0].absorbed_bias - l->p[1][3]), <, 1e-6);
  gb_lrp_result_clear(&r);
  lrp_uniform(m, x, gb_target_contrast(0, 2), gb_lrp_rule_zero(), &r);
  for (int i = 0; i < 7; i++)
    g_assert_cmpfloat(fabs(r.map.values[i] - (l->p[0][i] - l->p[0][2 * 7 + i]) * x[i]), <, 1e-6);
  gb_lrp_result_clear(&r);
  g_free(x);
  gb_model_free(m);
}

/* Average pooling is linear: input(1,4,4), avgpool2d(2), flatten, dense(1) without bias gives
 * R_i = x_i w_pool(i) / 4 under LRP-0 and under the pool's own eps = 0. */
static void
test_avgpool_linear(void)
{
  GbModel *m = new_model("input(1,4,4), avgpool2d(2), flatten, dense(1)", 15, false);
  float *x = new_input(m, 16, -1.0f, 1.0f);
  const float *w = gb_model_get_layer(m, 2)->p[0];
  GbLrpPolicy p;
  gb_lrp_policy_init_preset(&p, GB_LRP_PRESET_EPSILON_GAMMA_BOX, -1.0f, 1.0f);
  p.first = gb_lrp_rule_zero();
  GbLrpResult r;
  lrp(m, x, gb_target_class(0), &p, &r);
  for (int iy = 0; iy < 4; iy++)
    for (int ix = 0; ix < 4; ix++) {
      double want = x[iy * 4 + ix] * w[(iy / 2) * 2 + ix / 2] / 4.0;
      g_assert_cmpfloat(fabs(r.map.values[iy * 4 + ix] - want), <, 1e-6);
    }
  g_assert_cmpint(r.layers[0].rule, ==, GB_LRP_EPSILON);
  g_assert_cmpfloat(fabs(r.map.gap), <, 1e-6);
  gb_lrp_result_clear(&r);
  g_free(x);
  gb_model_free(m);
}

static void
expect_error(GbModel *m, const float *x, GbTarget t, const GbLrpPolicy *p, GbStatus want,
             const char *needle)
{
  GbLrpResult r;
  GbError err;
  g_assert_cmpint(gb_attribution_lrp(m, x, gb_model_input_size(m), &t, p, &r, &err), ==, want);
  g_test_message("%s", err.message);
  g_assert_nonnull(strstr(err.message, needle));
  g_assert_null(r.map.values);
  g_assert_null(r.layers);
}

static void
test_unsupported(void)
{
  GbLrpPolicy p;
  gb_lrp_policy_init_uniform(&p, gb_lrp_rule_epsilon(0.01));
  GbModel *m = new_model("input(4), dense(3), softmax", 1, true);
  float *x = new_input(m, 2, -1.0f, 1.0f);
  expect_error(m, x, gb_target_class(0), &p, GB_ERR_UNSUPPORTED, "softmax");
  g_free(x);
  gb_model_free(m);
}

static void
test_invalid(void)
{
  GbModel *m = new_model(CNN_SPEC, 1, true);
  float *x = new_input(m, 2, -1.0f, 1.0f);
  GbLrpPolicy p;
  gb_lrp_policy_init_uniform(&p, gb_lrp_rule_zero());
  x[5] = NAN;
  expect_error(m, x, gb_target_class(0), &p, GB_ERR_NUMERIC, "input value 5");
  x[5] = 0.5f;
  expect_error(m, x, gb_target_class(3), &p, GB_ERR_INVALID, "out of range");
  gb_lrp_policy_init_uniform(&p, gb_lrp_rule_alpha_beta(2.0, 0.5));
  expect_error(m, x, gb_target_class(0), &p, GB_ERR_INVALID, "alpha - beta = 1");
  gb_lrp_policy_init_uniform(&p, gb_lrp_rule_epsilon(-1.0));
  expect_error(m, x, gb_target_class(0), &p, GB_ERR_INVALID, "epsilon");
  gb_lrp_policy_init_uniform(&p, gb_lrp_rule_zbox(0.0f, 1.0f));
  expect_error(m, x, gb_target_class(0), &p, GB_ERR_INVALID, "only applies to the first");
  gb_lrp_policy_init_preset(&p, GB_LRP_PRESET_EPSILON_GAMMA_BOX, 0.0f, 1.0f);
  expect_error(m, x, gb_target_class(0), &p, GB_ERR_INVALID, "outside the bounds");
  g_free(x);
  gb_model_free(m);
}

/* LRP never writes the weights it swaps in: a gradient after it is the same as before. */
static void
test_model_untouched(void)
{
  GbModel *m = new_model(CNN_SPEC, 17, true);
  GbModel *copy = gb_model_dup(m, NULL);
  float *x = new_input(m, 18, 0.0f, 1.0f);
  float *p_before[16];
  for (int i = 0; i < gb_model_n_layers(m); i++) p_before[i] = gb_model_get_layer(m, i)->p[0];
  GbLrpPolicy p;
  gb_lrp_policy_init_preset(&p, GB_LRP_PRESET_EPSILON_GAMMA_BOX, 0.0f, 1.0f);
  GbLrpResult r;
  lrp(m, x, gb_target_class(1), &p, &r);
  check_report(&r, 1e-4);
  g_assert_cmpmem(gb_model_params(m), gb_model_buffer_len(m) * sizeof(float), gb_model_params(copy),
                  gb_model_buffer_len(copy) * sizeof(float));
  for (int i = 0; i < gb_model_n_layers(m); i++)
    g_assert_true(gb_model_get_layer(m, i)->p[0] == p_before[i]);
  gb_lrp_result_clear(&r);
  g_free(x);
  gb_model_free(copy);
  gb_model_free(m);
}

/* A one-layer model against methods.md's formulas, in double, for a target c with
 * R = f = w.x + b: the rules see the row w, the bias b and inputs of both signs. */
static double
naive_rule(const GbLrpRule *r, const double *w, double b, const float *x, int n, int i)
{
  double f = b, zp = 0, zn = 0, box = 0, sq = 0;
  double bp = b > 0 ? b : 0, bn = b < 0 ? b : 0;
  for (int j = 0; j < n; j++) {
    double wp = w[j] > 0 ? w[j] : 0, wn = w[j] < 0 ? w[j] : 0;
    double xp = x[j] > 0 ? x[j] : 0, xn = x[j] < 0 ? x[j] : 0;
    f += w[j] * x[j];
    double g = r->kind == GB_LRP_GAMMA ? r->gamma : 0.0;
    double pos =
        r->kind == GB_LRP_GAMMA ? xp * (w[j] + g * wp) + xn * (w[j] + g * wn) : xp * wp + xn * wn;
    double neg =
        r->kind == GB_LRP_GAMMA ? xp * (w[j] + g * wn) + xn * (w[j] + g * wp) : xp * wn + xn * wp;
    zp += pos;
    zn += neg;
    box += x[j] * w[j] - r->low * wp - r->high * wn;
    sq += w[j] * w[j];
  }
  double wp = w[i] > 0 ? w[i] : 0, wn = w[i] < 0 ? w[i] : 0;
  double xp = x[i] > 0 ? x[i] : 0, xn = x[i] < 0 ? x[i] : 0;
  switch (r->kind) {
  case GB_LRP_GAMMA: {
    double g = r->gamma;
    if (f >= 0)
      return (xp * (w[i] + g * wp) + xn * (w[i] + g * wn)) / (zp + b + g * bp) * f;
    return (xp * (w[i] + g * wn) + xn * (w[i] + g * wp)) / (zn + b + g * bn) * f;
  }
  case GB_LRP_ALPHA_BETA:
    return f *
           (r->alpha * (xp * wp + xn * wn) / (zp + bp) - r->beta * (xp * wn + xn * wp) / (zn + bn));
  case GB_LRP_ZBOX:
    return (x[i] * w[i] - r->low * wp - r->high * wn) / box * f;
  case GB_LRP_WSQUARE:
    return w[i] * w[i] / sq * f;
  case GB_LRP_FLAT:
    return f / n;
  default:
    return x[i] * w[i] / (f + (f >= 0 ? r->epsilon : -r->epsilon)) * f;
  }
}

static void
test_rules_naive(void)
{
  GbLrpRule rules[] = {gb_lrp_rule_epsilon(0.3),
                       gb_lrp_rule_gamma(0.25),
                       gb_lrp_rule_alpha_beta(2.0, 1.0),
                       gb_lrp_rule_alpha_beta(1.0, 0.0),
                       gb_lrp_rule_zbox(-1.0f, 1.5f),
                       gb_lrp_rule_wsquare(),
                       gb_lrp_rule_flat()};
  for (int seed = 0; seed < 4; seed++) {
    GbModel *m = new_model("input(9), dense(3)", 30 + seed, true);
    float *x = new_input(m, 40 + seed, -1.0f, 1.0f);
    GbLayer *l = gb_model_get_layer(m, 0);
    for (size_t k = 0; k < sizeof rules / sizeof *rules; k++)
      for (int c = 0; c < 3; c++) {
        GbLrpRule rule = rules[k];
        if (rule.kind != GB_LRP_EPSILON)
          rule.epsilon = 0.0;
        double w[9];
        for (int i = 0; i < 9; i++) w[i] = l->p[0][c * 9 + i];
        GbLrpPolicy p;
        gb_lrp_policy_init_uniform(&p, gb_lrp_rule_zero());
        p.first = rule; /* the only layer: first and top */
        GbLrpResult r;
        lrp(m, x, gb_target_class(c), &p, &r);
        g_assert_cmpint(r.layers[0].rule, ==, rule.kind);
        for (int i = 0; i < 9; i++) {
          double want = naive_rule(&rule, w, l->p[1][c], x, 9, i);
          g_assert_cmpfloat(fabs(r.map.values[i] - want), <, 1e-5 * (1.0 + fabs(want)));
        }
        gb_lrp_result_clear(&r);
      }
    g_free(x);
    gb_model_free(m);
  }
}

/* Conv layers through the engine's fast and reference kernels give the same relevance. */
static void
test_conv_reference_kernels(void)
{
  GbLrpPreset presets[] = {GB_LRP_PRESET_EPSILON_GAMMA_BOX, GB_LRP_PRESET_EPSILON_PLUS,
                           GB_LRP_PRESET_EPSILON_ALPHA2_BETA1};
  GbModel *m = new_model(CNN_SPEC, 21, true);
  float *x = new_input(m, 22, 0.0f, 1.0f);
  for (int k = 0; k < 3; k++) {
    GbLrpPolicy p;
    gb_lrp_policy_init_preset(&p, presets[k], 0.0f, 1.0f);
    GbLrpResult fast, ref;
    lrp(m, x, gb_target_class(1), &p, &fast);
    gb_engine_set_reference_kernels(true);
    lrp(m, x, gb_target_class(1), &p, &ref);
    gb_engine_set_reference_kernels(false);
    double d = max_diff(fast.map.values, ref.map.values, fast.map.n);
    g_test_message("preset %d: fast vs reference %.2e", presets[k], d);
    g_assert_cmpfloat(d, <, 1e-5);
    check_report(&fast, 1e-4);
    gb_lrp_result_clear(&fast);
    gb_lrp_result_clear(&ref);
  }
  g_free(x);
  gb_model_free(m);
}

/* Every allocation that fails gives GB_ERR_NOMEM and an empty result, on a fresh model each
 * time so the model's own buffers are among them. */
static void
test_nomem(void)
{
  GbLrpPolicy p;
  gb_lrp_policy_init_preset(&p, GB_LRP_PRESET_EPSILON_GAMMA_BOX, -1.0f, 1.0f);
  GbTarget t = gb_target_class(1);
  bool succeeded = false;
  for (long k = 1; k < 60 && !succeeded; k++) {
    GbModel *m = new_model(CNN_SPEC, 19, true);
    float *x = new_input(m, 20, -1.0f, 1.0f);
    GbLrpResult r;
    GbError err;
    gb_alloc_fail_after(k);
    GbStatus st = gb_attribution_lrp(m, x, gb_model_input_size(m), &t, &p, &r, &err);
    gb_alloc_fail_after(0);
    g_assert_true(st == GB_OK || st == GB_ERR_NOMEM);
    succeeded = st == GB_OK;
    if (!succeeded) {
      g_assert_null(r.map.values);
      g_assert_null(r.layers);
    }
    gb_lrp_result_clear(&r);
    g_free(x);
    gb_model_free(m);
  }
  g_assert_true(succeeded);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/xai/lrp/zero-is-gxi/mlp", test_lrp0_gxi_mlp);
  g_test_add_func("/xai/lrp/zero-is-gxi/cnn-maxpool", test_lrp0_gxi_cnn);
  g_test_add_func("/xai/lrp/zero-is-gxi/avgpool", test_lrp0_gxi_avgpool);
  g_test_add_func("/xai/lrp/contrast", test_contrast);
  g_test_add_func("/xai/lrp/differs-from-gxi", test_differs_from_gxi);
  g_test_add_func("/xai/lrp/conservation", test_conservation);
  g_test_add_func("/xai/lrp/first-layer-rules", test_first_layer_rules);
  g_test_add_func("/xai/lrp/alpha1-beta0", test_alpha1_beta0);
  g_test_add_func("/xai/lrp/rule-limits", test_rule_limits);
  g_test_add_func("/xai/lrp/linear", test_linear);
  g_test_add_func("/xai/lrp/avgpool-linear", test_avgpool_linear);
  g_test_add_func("/xai/lrp/unsupported", test_unsupported);
  g_test_add_func("/xai/lrp/invalid", test_invalid);
  g_test_add_func("/xai/lrp/model-untouched", test_model_untouched);
  g_test_add_func("/xai/lrp/nomem", test_nomem);
  g_test_add_func("/xai/lrp/rules-naive", test_rules_naive);
  g_test_add_func("/xai/lrp/conv-reference-kernels", test_conv_reference_kernels);
  return g_test_run();
}

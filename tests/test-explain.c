/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb_explain: the one entry point the app, the CLI and sessions share gives each method's own
 * result, and its ids round-trip. */
#include "config.h"

#include <glib.h>
#include <math.h>
#include <string.h>

#include "gb-explain.h"
#include "gb-test-util.h"

#define ARCH "input(1,6,6), conv2d(3,3), relu, flatten, dense(5), relu, dense(3)"

static void
random_input(float *x, size_t n, uint64_t seed)
{
  gb_test_fill_uniform(x, n, 0, 1, seed);
}

static void
test_ids(void)
{
  for (int m = 0; m < GB_N_METHODS; m++) {
    g_assert_cmpint(gb_method_from_id(gb_method_id((GbMethod)m)), ==, m);
    g_assert_cmpstr(gb_method_title((GbMethod)m), !=, "Unknown");
  }
  g_assert_cmpint(gb_method_from_id("ig"), ==, GB_METHOD_INTEGRATED_GRADIENTS);
  g_assert_cmpint(gb_method_from_id("shap"), ==, GB_METHOD_KERNEL_SHAP);
  g_assert_cmpint(gb_method_from_id("telepathy"), ==, -1);
  g_assert_cmpint(gb_method_from_id(NULL), ==, -1);
  GbMethodConfig c;
  g_assert_true(gb_method_config_init_from_id(&c, "lrp-plus"));
  g_assert_cmpint(c.method, ==, GB_METHOD_LRP);
  g_assert_cmpint(c.lrp_preset, ==, GB_LRP_PRESET_EPSILON_PLUS);
  g_assert_cmpint(gb_lrp_preset_from_id(gb_lrp_preset_id(GB_LRP_PRESET_ZERO)), ==,
                  GB_LRP_PRESET_ZERO);
  g_assert_false(gb_method_config_init_from_id(&c, "lrp-unknown"));
  g_assert_true(gb_method_is_single_pass(GB_METHOD_LRP));
  g_assert_false(gb_method_is_single_pass(GB_METHOD_KERNEL_SHAP));
  g_assert_false(gb_method_is_signed(GB_METHOD_SALIENCY));
  g_assert_true(gb_method_is_signed(GB_METHOD_GRAD_X_INPUT));
}

/* Each method through gb_explain equals the direct call with the same settings. */
static void
test_same_as_direct_calls(void)
{
  GbModel *m = gb_test_model_new(ARCH, 3);
  float x[36];
  random_input(x, 36, 9);
  GbTarget t = gb_target_class(1);
  GbError err;

  GbMethodConfig c;
  gb_method_config_init(&c, GB_METHOD_GRAD_X_INPUT);
  GbExplanation e;
  g_assert_cmpint(gb_explain(m, x, 36, &t, &c, &e, NULL, NULL, &err), ==, GB_OK);
  GbAttribution direct = {0};
  g_assert_cmpint(gb_attribution_grad_x_input(m, x, 36, &t, &direct, &err), ==, GB_OK);
  g_assert_cmpmem(e.map.values, 36 * sizeof(float), direct.values, 36 * sizeof(float));
  gb_attribution_clear(&direct);

  /* LRP-0 on this ReLU network is gradient x input (methods.md 5.9), with a layer report. */
  GbExplanation lrp;
  gb_method_config_init(&c, GB_METHOD_LRP);
  c.lrp_preset = GB_LRP_PRESET_ZERO;
  g_assert_cmpint(gb_explain(m, x, 36, &t, &c, &lrp, NULL, NULL, &err), ==, GB_OK);
  g_assert_cmpint(lrp.n_layers, ==, gb_model_n_layers(m));
  for (int i = 0; i < 36; i++) g_assert_cmpfloat_with_epsilon(lrp.map.values[i], e.map.values[i], 1e-5);
  /* LRP-epsilon with a large eps no longer is. */
  GbExplanation eps;
  c.lrp_preset = GB_LRP_PRESET_EPSILON;
  c.lrp_epsilon = 10;
  g_assert_cmpint(gb_explain(m, x, 36, &t, &c, &eps, NULL, NULL, &err), ==, GB_OK);
  double diff = 0;
  for (int i = 0; i < 36; i++) diff += fabs(eps.map.values[i] - lrp.map.values[i]);
  g_assert_cmpfloat(diff, >, 1e-3);
  gb_explanation_clear(&eps);
  gb_explanation_clear(&lrp);
  gb_explanation_clear(&e);

  /* Integrated gradients: the completeness gap is reported. */
  gb_method_config_init(&c, GB_METHOD_INTEGRATED_GRADIENTS);
  c.steps = 200;
  g_assert_cmpint(gb_explain(m, x, 36, &t, &c, &e, NULL, NULL, &err), ==, GB_OK);
  g_assert_cmpfloat(e.map.gap_relative, <, 0.05);
  gb_explanation_clear(&e);
  gb_model_free(m);
}

/* KernelSHAP over 3 x 3 patches of a 6 x 6 input: 4 segments, enumerated exactly; efficiency
 * holds and each feature knows its segment. */
static void
test_segments(void)
{
  GbModel *m = gb_test_model_new(ARCH, 4);
  float x[36];
  random_input(x, 36, 2);
  GbTarget t = gb_target_class(0);
  GbMethodConfig c;
  gb_method_config_init(&c, GB_METHOD_KERNEL_SHAP);
  c.patch = 3;
  GbExplanation e;
  GbError err;
  g_assert_cmpint(gb_explain(m, x, 36, &t, &c, &e, NULL, NULL, &err), ==, GB_OK);
  g_assert_cmpint(e.segments.n_segments, ==, 4);
  g_assert_true(e.segments.exact);
  double sum = 0;
  for (int i = 0; i < 4; i++) sum += e.segments.segment_values[i];
  g_assert_cmpfloat_with_epsilon(sum + e.segments.base_value, e.map.f_x, 1e-4);
  g_assert_nonnull(e.segment_ids);
  g_assert_cmpint(e.segment_ids[0], ==, 0);
  g_assert_cmpint(e.segment_ids[35], ==, 3);
  gb_explanation_clear(&e);

  /* SLIC on a vector-shaped model is refused with a message; so is a wrong input size. */
  GbModel *v = gb_test_model_new("input(36), dense(3)", 1);
  c.segmentation = GB_SEGMENTATION_SLIC;
  g_assert_cmpint(gb_explain(v, x, 36, &t, &c, &e, NULL, NULL, &err), ==, GB_ERR_INVALID);
  g_assert_nonnull(strstr(err.message, "SLIC superpixels need an image input"));
  g_assert_cmpint(gb_explain(v, x, 35, &t, &c, &e, NULL, NULL, &err), ==, GB_ERR_SHAPE);
  g_assert_null(e.map.values);
  gb_model_free(v);
  gb_model_free(m);
}

static bool
stop_at_once(void *user, double fraction, const char *stage)
{
  (void)fraction, (void)stage;
  ++*(int *)user;
  return false;
}

/* A progress callback that says stop makes an iterative method return GB_ERR_CANCELLED with
 * nothing left allocated in the result. */
static void
test_cancel(void)
{
  GbModel *m = gb_test_model_new(ARCH, 5);
  float x[36];
  random_input(x, 36, 3);
  GbTarget t = gb_target_class(2);
  GbMethodConfig c;
  gb_method_config_init(&c, GB_METHOD_SMOOTHGRAD);
  c.samples = 500;
  GbExplanation e;
  GbError err;
  int calls = 0;
  g_assert_cmpint(gb_explain(m, x, 36, &t, &c, &e, stop_at_once, &calls, &err), ==,
                  GB_ERR_CANCELLED);
  g_assert_cmpint(calls, >=, 1);
  g_assert_null(e.map.values);
  gb_model_free(m);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/xai/explain/ids", test_ids);
  g_test_add_func("/xai/explain/same-as-direct-calls", test_same_as_direct_calls);
  g_test_add_func("/xai/explain/segments", test_segments);
  g_test_add_func("/xai/explain/cancel", test_cancel);
  return g_test_run();
}

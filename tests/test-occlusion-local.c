/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Occlusion's local path (src/xai/gb-occlusion-local.h), which recomputes per window only the
 * rectangle of each spatial layer the window changes, gives the plain path's values (every
 * window a whole forward; the factoring switched off) on the bundled digits CNN, a LeNet, and
 * random CNNs with strided and padded convolutions, average and overlapping max pools, tanh,
 * sigmoid, leaky ReLU and dropout, 2-channel inputs, windows that do not tile the input,
 * non-square and full-width windows, contrast targets, mean, custom and blurred baselines and
 * batch sizes that do not divide the window count. Models without a conv2d in a spatial prefix
 * take the other paths, and so do models where the local path would save little. Progress and
 * cancellation per batch. */
#include "config.h"

#include <glib.h>
#include <math.h>
#include <string.h>

#include "gb-affine-prefix.h"
#include "gb-alloc.h"
#include "gb-attribution.h"
#include "gb-model-file.h"
#include "gb-occlusion-local.h"
#include "gb-perturb.h"
#include "gb-test-util.h"

#define TOL 1e-5

#define LENET_SPEC                                                                                 \
  "input(1,28,28), conv2d(8,5), relu, maxpool2d(2), conv2d(16,5), relu, maxpool2d(2), flatten, "   \
  "dense(10)"

static GbModel *
digits_cnn(void)
{
  const char *path =
      g_test_get_filename(G_TEST_DIST, "..", "data", "models", "digits-cnn.safetensors", NULL);
  GbModel *m = NULL;
  GbError err;
  if (gb_model_load(path, &m, &err) != GB_OK)
    g_error("%s: %s", path, err.message);
  return m;
}

/* A digit-like input: bright strokes on a background of exact zeros, which a zeros baseline
 * leaves alone (windows there change nothing, or only part of their rectangle). */
static float *
digit_input(size_t n, uint64_t seed)
{
  float *x = gb_alloc_floats(n);
  gb_test_fill_uniform(x, n, 0.0f, 1.0f, seed);
  for (size_t i = 0; i < n; i++)
    x[i] = x[i] > 0.6f ? x[i] : 0.0f;
  return x;
}

/* max |a - b| / max(|b|, |f_x|): the plain path's values b are the reference. Each value is a
 * difference f(x) - f(occluded x) and inherits the rounding of f, a few ulps of |f_x|, which
 * is larger than 1e-5 of the values when windows move the target little. */
static double
rel_diff(const float *a, const float *b, size_t n, double f_x)
{
  double d = 0.0, scale = fabs(f_x), values = 0.0;
  for (size_t i = 0; i < n; i++) {
    d = fmax(d, fabs((double)a[i] - b[i]));
    values = fmax(values, fabs((double)b[i]));
  }
  g_assert_cmpfloat(values, >, 0.0); /* all-zero maps would compare equal for any code */
  return d / fmax(scale, values);
}

/* Runs occlusion with the local path allowed (forced when @force) and with every shortcut off;
 * @local: how many times the first run must have taken the local path (0 or 1), @uses: how
 * many uses of the factoring it counts (the local path or the first-layer factoring). */
static void
compare(GbModel *m, const float *x, const GbTarget *t, const GbOcclusionConfig *cfg, bool force,
        int local, int uses)
{
  size_t n = gb_model_input_size(m);
  GbAttribution on, off;
  GbError err;
  long before = gb_affine_prefix_uses(), local_before = gb_occlusion_local_uses();
  gb_occlusion_local_set_forced(force);
  g_assert_cmpint(gb_attribution_occlusion(m, x, n, t, cfg, &on, NULL, NULL, &err), ==, GB_OK);
  gb_occlusion_local_set_forced(false);
  g_assert_cmpint(gb_affine_prefix_uses() - before, ==, uses);
  g_assert_cmpint(gb_occlusion_local_uses() - local_before, ==, local);
  gb_affine_prefix_set_enabled(false);
  g_assert_cmpint(gb_attribution_occlusion(m, x, n, t, cfg, &off, NULL, NULL, &err), ==, GB_OK);
  gb_affine_prefix_set_enabled(true);
  g_assert_cmpint(gb_affine_prefix_uses() - before, ==, uses);
  g_assert_cmpint(gb_occlusion_local_uses() - local_before, ==, local);
  double d = rel_diff(on.values, off.values, n, off.f_x);
  if (g_test_verbose())
    g_printerr("occlusion %dx%d / %dx%d, batch %d: %.2g (f(x) %.3g)\n", cfg->window_rows,
               cfg->window_cols, cfg->stride_rows, cfg->stride_cols, cfg->batch, d, on.f_x);
  g_assert_cmpfloat(d, <, TOL);
  g_assert_cmpfloat(on.f_x, ==, off.f_x);
  g_assert_cmpfloat(on.f_baseline, ==, off.f_baseline);
  g_assert_cmpint(on.n_evaluations, ==, off.n_evaluations);
  gb_attribution_clear(&on);
  gb_attribution_clear(&off);
}

/* The bundled digits CNN: the local path is chosen on its own (it saves about 60% of the
 * work); default windows, then windows of 5 with stride 3 that end with a flush one, a
 * contrast target, a blurred baseline and batches of 7 (the last batch is partial). */
static void
test_digits_cnn(void)
{
  GbModel *m = digits_cnn();
  GbTarget t = gb_target_class(3), tc = gb_target_contrast(7, 1);
  for (uint64_t seed = 1; seed <= 2; seed++) {
    float *x = digit_input(784, seed);
    GbOcclusionConfig cfg;
    gb_occlusion_config_init(&cfg);
    compare(m, x, &t, &cfg, false, 1, 1);
    cfg.window_rows = cfg.window_cols = 5;
    cfg.stride_rows = cfg.stride_cols = 3;
    cfg.batch = 7;
    cfg.baseline.kind = GB_BASELINE_BLUR;
    compare(m, x, &tc, &cfg, false, 1, 1);
    gb_free(x);
  }
  gb_model_free(m);
}

/* LeNet (no padding): its second conv's output is 8 x 8, so a window changes most of it;
 * whether or not the path would be chosen, forced it gives the same values. A data-mean
 * baseline and non-square windows with unequal strides. */
static void
test_lenet(void)
{
  GbModel *m = gb_test_model_new_random(LENET_SPEC, 5);
  float *x = digit_input(784, 6), *mean = gb_alloc_floats(784);
  gb_test_fill_uniform(mean, 784, 0.0f, 0.3f, 7);
  GbTarget t = gb_target_class(4);
  GbOcclusionConfig cfg;
  gb_occlusion_config_init(&cfg);
  compare(m, x, &t, &cfg, true, 1, 1);
  cfg.window_rows = 3, cfg.window_cols = 6, cfg.stride_rows = 2, cfg.stride_cols = 5;
  cfg.batch = 13;
  cfg.baseline.kind = GB_BASELINE_MEAN;
  cfg.baseline.data = mean;
  cfg.baseline.n_data = 784;
  compare(m, x, &t, &cfg, true, 1, 1);
  gb_free(mean);
  gb_free(x);
  gb_model_free(m);
}

/* Random CNNs over the other layer kinds and geometries: a stride-2 padded conv over 2 input
 * channels, tanh, an average pool that drops the last column (7 -> 3), leaky ReLU, dropout, a
 * max pool with stride 1 (overlapping windows), sigmoid; a conv with stride 3 > kernel 2 whose
 * outputs skip input pixels, then a padded one; non-square inputs. */
static void
test_geometries(void)
{
  const char *specs[] = {
      "input(2,15,13), conv2d(4,3,stride=2,pad=1), tanh, avgpool2d(2), conv2d(5,3,pad=1), "
      "leakyrelu(0.1), dropout(0.3), maxpool2d(2,stride=1), sigmoid, flatten, dense(3)",
      "input(1,14,16), conv2d(3,2,stride=3), relu, conv2d(4,2,pad=1), relu, flatten, dense(4)",
      "input(2,20,20), relu, conv2d(3,3,pad=1), maxpool2d(3,stride=2), conv2d(4,5,stride=2,pad=2),"
      " avgpool2d(2), flatten, dense(5), relu, dense(2)",
  };
  GbTarget t = gb_target_class(0), tc = gb_target_contrast(1, 0);
  for (size_t k = 0; k < G_N_ELEMENTS(specs); k++) {
    GbModel *m = gb_test_model_new_random(specs[k], 20 + k);
    size_t n = gb_model_input_size(m);
    float *x = gb_alloc_floats(n), *custom = gb_alloc_floats(n);
    gb_test_fill_uniform(x, n, -1.0f, 1.0f, 30 + k);
    gb_test_fill_uniform(custom, n, -0.5f, 0.5f, 40 + k);
    for (size_t i = 0; i < n; i += 3)
      x[i] = 0.0f; /* pixels a zero baseline leaves alone */
    GbOcclusionConfig cfg;
    gb_occlusion_config_init(&cfg);
    cfg.batch = 5;
    compare(m, x, &t, &cfg, true, 1, 1);
    cfg.window_rows = 5, cfg.window_cols = 5, cfg.stride_rows = 3, cfg.stride_cols = 3;
    cfg.baseline.kind = GB_BASELINE_CUSTOM;
    cfg.baseline.data = custom;
    cfg.baseline.n_data = n;
    compare(m, x, &tc, &cfg, true, 1, 1);
    cfg.window_rows = 2, cfg.window_cols = 0, cfg.stride_rows = 3, cfg.batch = 64;
    cfg.baseline.kind = GB_BASELINE_BLUR;
    compare(m, x, &t, &cfg, true, 1, 1);
    gb_free(custom);
    gb_free(x);
    gb_model_free(m);
  }
}

/* No conv2d in a spatial prefix: an MLP (its dense first layer is factored, one use), a model
 * whose prefix is a pool only and one with a softmax over the image (neither factors). The
 * forced switch cannot make the local path run where it does not apply. */
static void
test_not_local(void)
{
  struct {
    const char *spec;
    int uses;
  } cases[] = {
      {"input(1,8,8), flatten, dense(6), relu, dense(3)", 1},
      {"input(1,8,8), maxpool2d(2), flatten, dense(3)", 0},
      {"input(1,8,8), softmax, conv2d(2,3), flatten, dense(3)", 0},
  };
  GbTarget t = gb_target_class(1);
  for (size_t k = 0; k < G_N_ELEMENTS(cases); k++) {
    GbModel *m = gb_test_model_new_random(cases[k].spec, 50 + k);
    float *x = gb_alloc_floats(64);
    gb_test_fill_uniform(x, 64, -1.0f, 1.0f, 60 + k);
    GbOcclusionConfig cfg;
    gb_occlusion_config_init(&cfg);
    cfg.batch = 6;
    compare(m, x, &t, &cfg, true, 0, cases[k].uses);
    gb_free(x);
    gb_model_free(m);
  }
}

/* Where recomputing rectangles saves little the other paths run by themselves: one conv2d as
 * the first layer (the first-layer factoring already computes it per window pixel), and two
 * convolutions whose planes a 10 x 10 window on a 12 x 12 input changes almost whole. */
static void
test_declined(void)
{
  const char *specs[] = {
      "input(2,12,12), conv2d(3,5), relu, maxpool2d(2), flatten, dense(8), tanh, dense(4)",
      "input(1,12,12), conv2d(4,3,pad=1), relu, conv2d(4,3,pad=1), relu, flatten, dense(3)",
  };
  GbTarget t = gb_target_class(1);
  for (size_t k = 0; k < G_N_ELEMENTS(specs); k++) {
    GbModel *m = gb_test_model_new_random(specs[k], 70 + k);
    size_t n = gb_model_input_size(m);
    float *x = gb_alloc_floats(n);
    gb_test_fill_uniform(x, n, -1.0f, 1.0f, 80 + k);
    GbOcclusionConfig cfg;
    gb_occlusion_config_init(&cfg);
    if (k == 1)
      cfg.window_rows = cfg.window_cols = 10;
    compare(m, x, &t, &cfg, false, 0, 1);
    gb_free(x);
    gb_model_free(m);
  }
}

typedef struct {
  int calls, cancel_at;
  double last;
} Progress;

static bool
progress_cb(void *user, double fraction, const char *stage)
{
  Progress *p = user;
  g_assert_cmpstr(stage, ==, "occlusion");
  g_assert_cmpfloat(fraction, >, p->last);
  p->last = fraction;
  return ++p->calls != p->cancel_at;
}

/* The local path reports progress once per batch up to 1 and stops when told to: 169 windows
 * of the digits CNN in batches of 50 are 4 reports; cancelled at the second, the call fails
 * with GB_ERR_CANCELLED and leaves no map. */
static void
test_progress_cancel(void)
{
  GbModel *m = digits_cnn();
  float *x = digit_input(784, 9);
  GbTarget t = gb_target_class(5);
  GbOcclusionConfig cfg;
  gb_occlusion_config_init(&cfg);
  cfg.batch = 50;
  GbAttribution a;
  GbError err;
  long local = gb_occlusion_local_uses();
  Progress p = {0, 0, 0.0};
  g_assert_cmpint(gb_attribution_occlusion(m, x, 784, &t, &cfg, &a, progress_cb, &p, &err), ==,
                  GB_OK);
  g_assert_cmpint(gb_occlusion_local_uses() - local, ==, 1);
  g_assert_cmpint(p.calls, ==, 4);
  g_assert_cmpfloat(p.last, ==, 1.0);
  gb_attribution_clear(&a);
  p = (Progress){0, 2, 0.0};
  g_assert_cmpint(gb_attribution_occlusion(m, x, 784, &t, &cfg, &a, progress_cb, &p, &err), ==,
                  GB_ERR_CANCELLED);
  g_assert_cmpint(p.calls, ==, 2);
  g_assert_null(a.values);
  gb_free(x);
  gb_model_free(m);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/occlusion-local/digits-cnn", test_digits_cnn);
  g_test_add_func("/occlusion-local/lenet", test_lenet);
  g_test_add_func("/occlusion-local/geometries", test_geometries);
  g_test_add_func("/occlusion-local/not-local", test_not_local);
  g_test_add_func("/occlusion-local/declined", test_declined);
  g_test_add_func("/occlusion-local/progress-cancel", test_progress_cancel);
  return g_test_run();
}

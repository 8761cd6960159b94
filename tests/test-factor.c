/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The factored first layer (src/xai/gb-affine-prefix.h): integrated gradients, the coalition
 * methods (KernelSHAP, its all-classes form, permutation SHAP, LIME) and occlusion give the same
 * values with the factorization on as with it off (the plain path), on the bundled digits MLP
 * and on a random CNN, for class and contrast targets, several baselines, background sets and
 * batch sizes that do not divide the counts; models without an affine first layer take the
 * plain path. Also the ziggurat normals SmoothGrad draws its noise from. */
#include "config.h"

#include <glib.h>
#include <math.h>
#include <string.h>

#include "gb-affine-prefix.h"
#include "gb-alloc.h"
#include "gb-attribution.h"
#include "gb-model-file.h"
#include "gb-perturb.h"
#include "gb-rng.h"
#include "gb-segments.h"
#include "gb-test-util.h"

/* Two input channels and a 5 x 5 kernel: layer a costs 50 multiply-adds per output, so the
 * coalition path factors for up to 24 segments. */
#define CNN_SPEC                                                                                   \
  "input(2,12,12), conv2d(3,5), relu, maxpool2d(2), flatten, dense(8), tanh, dense(4)"
#define TOL 1e-4

static GbModel *
digits_mlp(void)
{
  const char *path = g_test_get_filename(G_TEST_DIST, "..", "data", "models",
                                         "digits-mlp.safetensors", NULL);
  GbModel *m = NULL;
  GbError err;
  if (gb_model_load(path, &m, &err) != GB_OK)
    g_error("%s: %s", path, err.message);
  return m;
}

/* A digit-like input in [0, 1): a few bright strokes on a dark background. */
static float *
digit_input(size_t n, uint64_t seed)
{
  float *x = gb_alloc_floats(n);
  gb_test_fill_uniform(x, n, 0.0f, 1.0f, seed);
  for (size_t i = 0; i < n; i++) x[i] = x[i] > 0.7f ? x[i] : 0.05f * x[i];
  return x;
}

/* max |a - b| / max |b|: the plain path's values b are the reference. */
static double
rel_diff_f(const float *a, const float *b, size_t n)
{
  double d = 0.0, scale = 0.0;
  for (size_t i = 0; i < n; i++) {
    d = fmax(d, fabs((double)a[i] - b[i]));
    scale = fmax(scale, fabs((double)b[i]));
  }
  g_assert_cmpfloat(scale, >, 0.0); /* all-zero maps would compare equal for any code */
  return d / scale;
}

static double
rel_diff_d(const double *a, const double *b, size_t n)
{
  double d = 0.0, scale = 0.0;
  for (size_t i = 0; i < n; i++) {
    d = fmax(d, fabs(a[i] - b[i]));
    scale = fmax(scale, fabs(b[i]));
  }
  g_assert_cmpfloat(scale, >, 0.0);
  return d / scale;
}

/* ---- Finding the layer ---------------------------------------------------------------------- */

static void
test_find(void)
{
  struct {
    const char *spec;
    int layer;
  } cases[] = {
      {"input(1,4,4), flatten, dense(3), relu, dense(2)", 1},
      {"input(6), dense(3), relu, dense(2)", 0},
      {"input(1,6,6), conv2d(2,3), relu, flatten, dense(2)", 0},
      {"input(1,4,4), flatten, flatten, dense(3), dense(2)", 2},
      {"input(6), relu, dense(3), dense(2)", -1},       /* not affine first */
      {"input(5,3), lstm(4), dense(2)", -1},            /* recurrent first */
      {"input(1,4,4), flatten, dense(3)", -1},          /* nothing after layer a */
      {"input(1,6,6), maxpool2d(2), flatten, dense(2)", -1},
  };
  for (size_t k = 0; k < G_N_ELEMENTS(cases); k++) {
    GbModel *m = gb_test_model_new_random(cases[k].spec, 3);
    GbAffinePrefix p;
    bool found = gb_affine_prefix_find(m, &p);
    g_assert_cmpint(found, ==, cases[k].layer >= 0);
    g_assert_cmpint(p.layer, ==, cases[k].layer);
    if (found) {
      g_assert_cmpuint(p.n_in, ==, gb_model_input_size(m));
      g_assert_cmpuint(p.h, ==, gb_layer_out_size(gb_model_get_layer(m, p.layer)));
    }
    gb_affine_prefix_set_enabled(false);
    g_assert_false(gb_affine_prefix_find(m, &p));
    gb_affine_prefix_set_enabled(true);
    gb_model_free(m);
  }
}

/* L and J against the model's own forward: L(u) - L(v) = J(u - v), J(0) = 0, on rows. */
static void
test_linear_part(void)
{
  const char *specs[] = {"input(1,6,6), flatten, dense(5), relu, dense(2)", CNN_SPEC};
  for (size_t k = 0; k < G_N_ELEMENTS(specs); k++) {
    GbModel *m = gb_test_model_new_random(specs[k], 5 + k);
    GbAffinePrefix p;
    g_assert_true(gb_affine_prefix_find(m, &p));
    size_t n = p.n_in, h = p.h;
    float *u = gb_alloc_floats(3 * n), *d = gb_alloc_floats(3 * n);
    float *lu = gb_alloc_floats(3 * h), *jd = gb_alloc_floats(3 * h);
    GbError err;
    gb_test_fill_uniform(u, 3 * n, -1.0f, 1.0f, 7);
    memset(d, 0, 3 * n * sizeof *d);
    memcpy(d, u, 2 * n * sizeof *d); /* rows u0, u1, 0 */
    g_assert_cmpint(gb_affine_prefix_apply(&p, u, 3, lu, &err), ==, GB_OK);
    g_assert_cmpint(gb_model_reserve(m, 3, &err), ==, GB_OK);
    g_assert_cmpint(gb_affine_prefix_linear(&p, d, 3, jd, &err), ==, GB_OK);
    /* The bias: L(u0) - J(u0) is the same for every output of one filter / unit. */
    GbLayer *l = gb_model_get_layer(m, p.layer);
    size_t plane = h / (size_t)l->cfg.units;
    for (size_t j = 0; j < h; j++) {
      g_assert_cmpfloat(fabs(lu[j] - jd[j] - l->p[1][j / plane]), <, 1e-5);
      g_assert_cmpfloat(fabs(lu[h + j] - jd[h + j] - l->p[1][j / plane]), <, 1e-5);
      g_assert_cmpfloat(fabs(jd[2 * h + j]), <, 1e-6);
    }
    gb_free(u);
    gb_free(d);
    gb_free(lu);
    gb_free(jd);
    gb_model_free(m);
  }
}

/* ---- Integrated gradients ------------------------------------------------------------------- */

/* IG with the factorization on and off; asserts it was taken when @factors. */
static void
compare_ig(GbModel *m, const float *x, const GbTarget *t, const GbIgConfig *cfg, bool factors)
{
  size_t n = gb_model_input_size(m);
  GbAttribution on, off;
  GbError err;
  long uses = gb_affine_prefix_uses();
  g_assert_cmpint(gb_attribution_integrated_gradients(m, x, n, t, cfg, &on, NULL, NULL, &err),
                  ==, GB_OK);
  g_assert_cmpint(gb_affine_prefix_uses() - uses, ==, factors ? 1 : 0);
  gb_affine_prefix_set_enabled(false);
  g_assert_cmpint(gb_attribution_integrated_gradients(m, x, n, t, cfg, &off, NULL, NULL, &err),
                  ==, GB_OK);
  gb_affine_prefix_set_enabled(true);
  double d = rel_diff_f(on.values, off.values, n);
  if (g_test_verbose())
    g_printerr("IG steps %d rule %d batch %d: %.2g\n", cfg->steps, cfg->rule, cfg->batch, d);
  g_assert_cmpfloat(d, <, TOL);
  g_assert_cmpfloat(on.f_x, ==, off.f_x);
  g_assert_cmpfloat(on.f_baseline, ==, off.f_baseline);
  g_assert_cmpfloat(fabs(on.sum - off.sum), <, TOL * (1.0 + fabs(off.sum)));
  g_assert_cmpint(on.n_evaluations, ==, off.n_evaluations);
  gb_attribution_clear(&on);
  gb_attribution_clear(&off);
}

static void
ig_cases(GbModel *m, const float *x, const float *mean, int a, int b)
{
  size_t n = gb_model_input_size(m);
  GbTarget targets[2] = {gb_target_class(a), gb_target_contrast(a, b)};
  int batches[3] = {64, 7, 1};
  for (int k = 0; k < 6; k++) {
    GbIgConfig cfg;
    gb_ig_config_init(&cfg);
    cfg.batch = batches[k % 3];
    cfg.rule = k % 2 ? GB_IG_TRAPEZOID : GB_IG_MIDPOINT;
    cfg.steps = k < 3 ? 50 : 13;
    if (k % 3 == 1) {
      cfg.baseline.kind = GB_BASELINE_MEAN;
      cfg.baseline.data = mean;
      cfg.baseline.n_data = n;
    } else if (k % 3 == 2) {
      cfg.baseline.kind = GB_BASELINE_BLUR;
      cfg.baseline.blur_sigma = 2.0;
    }
    compare_ig(m, x, &targets[k % 2], &cfg, true);
  }
}

static void
test_ig_mlp(void)
{
  GbModel *m = digits_mlp();
  float *x = digit_input(784, 11), *mean = gb_alloc_floats(784);
  gb_test_fill_uniform(mean, 784, 0.0f, 0.3f, 12);
  ig_cases(m, x, mean, 3, 8);
  gb_free(x);
  gb_free(mean);
  gb_model_free(m);
}

static void
test_ig_cnn(void)
{
  GbModel *m = gb_test_model_new_random(CNN_SPEC, 21);
  float *x = gb_alloc_floats(288), *mean = gb_alloc_floats(288);
  gb_test_fill_uniform(x, 288, -1.0f, 1.0f, 22);
  gb_test_fill_uniform(mean, 288, -0.3f, 0.3f, 23);
  ig_cases(m, x, mean, 1, 2);
  gb_free(x);
  gb_free(mean);
  gb_model_free(m);
}

/* No affine first layer: the plain path, nothing factored, values as before. */
static void
test_ig_not_affine(void)
{
  const char *specs[] = {"input(6,4), lstm(5), dense(3)", "input(12), relu, dense(6), dense(3)"};
  for (size_t k = 0; k < G_N_ELEMENTS(specs); k++) {
    GbModel *m = gb_test_model_new_random(specs[k], 31 + k);
    size_t n = gb_model_input_size(m);
    float *x = gb_alloc_floats(n);
    gb_test_fill_uniform(x, n, -1.0f, 1.0f, 33);
    GbIgConfig cfg;
    gb_ig_config_init(&cfg);
    cfg.batch = 9;
    GbTarget t = gb_target_contrast(2, 0);
    compare_ig(m, x, &t, &cfg, false);
    gb_free(x);
    gb_model_free(m);
  }
}

/* ---- Coalitions: KernelSHAP, all classes, permutation SHAP, LIME ----------------------------- */

/* Runs @op with the factorization on and off and compares segment values; the on-run must have
 * factored (@factors) or not. */
typedef GbStatus (*SegOp)(GbModel *m, const float *x, const GbTarget *t, const GbSegments *seg,
                          const void *cfg, GbSegmentAttribution *out, GbError *err);

static GbStatus
op_shap(GbModel *m, const float *x, const GbTarget *t, const GbSegments *seg, const void *cfg,
        GbSegmentAttribution *out, GbError *err)
{
  return gb_attribution_kernel_shap(m, x, seg->n, t, seg, cfg, out, NULL, NULL, err);
}

static GbStatus
op_perm(GbModel *m, const float *x, const GbTarget *t, const GbSegments *seg, const void *cfg,
        GbSegmentAttribution *out, GbError *err)
{
  return gb_attribution_permutation_shap(m, x, seg->n, t, seg, cfg, out, NULL, NULL, err);
}

static GbStatus
op_lime(GbModel *m, const float *x, const GbTarget *t, const GbSegments *seg, const void *cfg,
        GbSegmentAttribution *out, GbError *err)
{
  return gb_attribution_lime(m, x, seg->n, t, seg, cfg, out, NULL, NULL, err);
}

static void
compare_segments(SegOp op, GbModel *m, const float *x, const GbTarget *t, const GbSegments *seg,
                 const void *cfg, bool factors, bool is_shap)
{
  GbSegmentAttribution on, off;
  GbError err;
  long uses = gb_affine_prefix_uses();
  g_assert_cmpint(op(m, x, t, seg, cfg, &on, &err), ==, GB_OK);
  g_assert_cmpint(gb_affine_prefix_uses() - uses, ==, factors ? 1 : 0);
  gb_affine_prefix_set_enabled(false);
  g_assert_cmpint(op(m, x, t, seg, cfg, &off, &err), ==, GB_OK);
  gb_affine_prefix_set_enabled(true);
  int M = seg->n_segments;
  double d = rel_diff_d(on.segment_values, off.segment_values, (size_t)M);
  if (g_test_verbose())
    g_printerr("segments M %d: %.2g\n", M, d);
  g_assert_cmpfloat(d, <, TOL);
  g_assert_cmpfloat(fabs(on.map.f_x - off.map.f_x), <, 1e-5 * (1.0 + fabs(off.map.f_x)));
  double scale = 1.0 + fabs(off.base_value);
  g_assert_cmpfloat(fabs(on.base_value - off.base_value), <, TOL * scale);
  if (is_shap) {
    /* Efficiency of the factored values: sum phi = f(x) - base. */
    double sum = 0.0;
    for (int i = 0; i < M; i++) sum += on.segment_values[i];
    g_assert_cmpfloat(fabs(sum - (on.map.f_x - on.base_value)), <,
                      1e-4 * (1.0 + fabs(on.map.f_x)));
  } else {
    g_assert_cmpfloat(fabs(on.score - off.score), <, 1e-4);
  }
  gb_segment_attribution_clear(&on);
  gb_segment_attribution_clear(&off);
}

/* Every coalition method on @m: zero baseline, a background set of @n_bg rows, a contrast. */
static void
coalition_cases(GbModel *m, const float *x, const GbSegments *seg, const float *bg, int n_bg,
                int a, int b, bool factors)
{
  GbTarget t = gb_target_class(a), tc = gb_target_contrast(a, b);
  GbShapConfig sc;
  gb_shap_config_init(&sc);
  sc.samples = 300;
  sc.batch = 17;
  compare_segments(op_shap, m, x, &t, seg, &sc, factors, true);
  sc.background = bg;
  sc.n_background = n_bg;
  sc.batch = 64;
  compare_segments(op_shap, m, x, &tc, seg, &sc, factors, true);

  GbPermutationShapConfig pc;
  gb_permutation_shap_config_init(&pc);
  pc.permutations = 5;
  pc.batch = 13;
  pc.background = bg;
  pc.n_background = n_bg;
  compare_segments(op_perm, m, x, &tc, seg, &pc, factors, true);

  GbLimeConfig lc;
  gb_lime_config_init(&lc);
  lc.samples = 200;
  lc.batch = 23;
  compare_segments(op_lime, m, x, &t, seg, &lc, factors, false);
  lc.segment_mean = false;
  lc.baseline.kind = GB_BASELINE_BLUR;
  compare_segments(op_lime, m, x, &tc, seg, &lc, factors, false);
}

/* KernelSHAP of every class at once (gb_coalition_eval_run_all). */
static void
compare_shap_all(GbModel *m, const float *x, const GbSegments *seg, const float *bg, int n_bg)
{
  GbShapConfig sc;
  gb_shap_config_init(&sc);
  sc.samples = 200;
  sc.batch = 30;
  sc.background = bg;
  sc.n_background = n_bg;
  GbShapAllClasses on, off;
  GbError err;
  long uses = gb_affine_prefix_uses();
  g_assert_cmpint(gb_attribution_kernel_shap_all(m, x, seg->n, seg, &sc, &on, NULL, NULL, &err),
                  ==, GB_OK);
  g_assert_cmpint(gb_affine_prefix_uses() - uses, ==, 1);
  gb_affine_prefix_set_enabled(false);
  g_assert_cmpint(gb_attribution_kernel_shap_all(m, x, seg->n, seg, &sc, &off, NULL, NULL, &err),
                  ==, GB_OK);
  gb_affine_prefix_set_enabled(true);
  size_t total = (size_t)on.n_classes * on.n_segments;
  g_assert_cmpfloat(rel_diff_d(on.values, off.values, total), <, TOL);
  g_assert_cmpfloat(rel_diff_d(on.base_values, off.base_values, (size_t)on.n_classes), <, TOL);
  gb_shap_all_classes_clear(&on);
  gb_shap_all_classes_clear(&off);
}

static void
test_coalitions_mlp(void)
{
  GbModel *m = digits_mlp();
  float *x = digit_input(784, 41), *bg = gb_alloc_floats(3 * 784);
  gb_test_fill_uniform(bg, 3 * 784, 0.0f, 0.4f, 42);
  GbShape shape = gb_shape_3d(1, 28, 28);
  GbSegments seg;
  GbError err;
  g_assert_cmpint(gb_segments_grid(&seg, &shape, 4, 4, &err), ==, GB_OK); /* 49 */
  coalition_cases(m, x, &seg, bg, 3, 7, 1, true);
  compare_shap_all(m, x, &seg, bg, 3);
  gb_segments_clear(&seg);
  /* 392 segments: assembling a row would cost as much as layer a, so the plain path runs. */
  g_assert_cmpint(gb_segments_grid(&seg, &shape, 1, 2, &err), ==, GB_OK);
  GbShapConfig sc;
  gb_shap_config_init(&sc);
  sc.samples = 50;
  GbTarget t = gb_target_class(7);
  compare_segments(op_shap, m, x, &t, &seg, &sc, false, true);
  gb_segments_clear(&seg);
  gb_free(x);
  gb_free(bg);
  gb_model_free(m);
}

static void
test_coalitions_cnn(void)
{
  GbModel *m = gb_test_model_new_random(CNN_SPEC, 51);
  float *x = gb_alloc_floats(288), *bg = gb_alloc_floats(2 * 288);
  gb_test_fill_uniform(x, 288, -1.0f, 1.0f, 52);
  gb_test_fill_uniform(bg, 2 * 288, -0.5f, 0.5f, 53);
  GbShape shape = gb_shape_3d(2, 12, 12);
  GbSegments seg;
  GbError err;
  g_assert_cmpint(gb_segments_grid(&seg, &shape, 4, 3, &err), ==, GB_OK); /* 12 */
  coalition_cases(m, x, &seg, bg, 2, 3, 0, true);
  compare_shap_all(m, x, &seg, bg, 2);
  gb_segments_clear(&seg);
  gb_free(x);
  gb_free(bg);
  gb_model_free(m);
}

/* ---- Occlusion ------------------------------------------------------------------------------ */

static void
compare_occlusion(GbModel *m, const float *x, const GbTarget *t, const GbOcclusionConfig *cfg,
                  bool factors)
{
  size_t n = gb_model_input_size(m);
  GbAttribution on, off;
  GbError err;
  long uses = gb_affine_prefix_uses();
  g_assert_cmpint(gb_attribution_occlusion(m, x, n, t, cfg, &on, NULL, NULL, &err), ==, GB_OK);
  g_assert_cmpint(gb_affine_prefix_uses() - uses, ==, factors ? 1 : 0);
  gb_affine_prefix_set_enabled(false);
  g_assert_cmpint(gb_attribution_occlusion(m, x, n, t, cfg, &off, NULL, NULL, &err), ==, GB_OK);
  gb_affine_prefix_set_enabled(true);
  double d = rel_diff_f(on.values, off.values, n);
  if (g_test_verbose())
    g_printerr("occlusion %dx%d: %.2g\n", cfg->window_rows, cfg->window_cols, d);
  g_assert_cmpfloat(d, <, TOL);
  g_assert_cmpfloat(on.f_x, ==, off.f_x);
  g_assert_cmpint(on.n_evaluations, ==, off.n_evaluations);
  gb_attribution_clear(&on);
  gb_attribution_clear(&off);
}

static void
test_occlusion(void)
{
  GbModel *m = digits_mlp();
  float *x = digit_input(784, 61);
  GbOcclusionConfig cfg;
  gb_occlusion_config_init(&cfg);
  GbTarget t = gb_target_class(2), tc = gb_target_contrast(2, 1);
  compare_occlusion(m, x, &t, &cfg, true);
  cfg.window_rows = 3, cfg.window_cols = 5, cfg.stride_rows = 3, cfg.stride_cols = 2;
  cfg.batch = 11;
  cfg.baseline.kind = GB_BASELINE_BLUR;
  compare_occlusion(m, x, &tc, &cfg, true);
  gb_model_free(m);
  gb_free(x);
  /* conv2d first layers: only the outputs near the window change; strides, padding and
   * non-square inputs exercise the receptive-field arithmetic. */
  const char *convs[] = {CNN_SPEC,
                         "input(2,11,13), conv2d(3,4,stride=2,pad=1), relu, flatten, dense(4)",
                         "input(1,9,9), conv2d(2,3,stride=3,pad=2), tanh, flatten, dense(3)"};
  for (size_t k = 0; k < G_N_ELEMENTS(convs); k++) {
    m = gb_test_model_new_random(convs[k], 62 + k);
    size_t n = gb_model_input_size(m);
    x = gb_alloc_floats(n);
    gb_test_fill_uniform(x, n, -1.0f, 1.0f, 63);
    for (size_t i = 0; i < n; i += 3) x[i] = 0.0f; /* pixels a zero baseline leaves alone */
    GbOcclusionConfig oc;
    gb_occlusion_config_init(&oc);
    oc.batch = 5;
    compare_occlusion(m, x, &t, &oc, true);
    oc.window_rows = 2, oc.window_cols = 5, oc.stride_rows = 1, oc.stride_cols = 3;
    oc.baseline.kind = GB_BASELINE_BLUR;
    compare_occlusion(m, x, &tc, &oc, true);
    gb_model_free(m);
    gb_free(x);
  }
}

/* ---- The ziggurat normals ------------------------------------------------------------------- */

static int
cmp_float(const void *a, const void *b)
{
  float x = *(const float *)a, y = *(const float *)b;
  return (x > y) - (x < y);
}

/* 10^6 draws: mean, variance, kurtosis, the tail beyond the base strip, and the Kolmogorov-
 * Smirnov distance to the normal CDF, each with a bound a few standard errors wide (a uniform,
 * a Box-Muller with a wrong constant or a ziggurat with wrong tables fails one of them). */
static void
test_normal_fill_distribution(void)
{
  const size_t n = 1000000;
  float *z = gb_alloc_floats(n);
  GbRng rng;
  gb_rng_seed(&rng, 2024);
  gb_rng_normal_fill(&rng, z, n);
  double s1 = 0, s2 = 0, s4 = 0;
  long tail = 0, beyond4 = 0;
  for (size_t i = 0; i < n; i++) {
    s1 += z[i];
    s2 += (double)z[i] * z[i];
    s4 += (double)z[i] * z[i] * z[i] * z[i];
    tail += fabsf(z[i]) > 3.442619855899f;
    beyond4 += fabsf(z[i]) > 4.0f;
  }
  double mean = s1 / n, var = s2 / n - mean * mean, kurt = s4 / n / (var * var);
  g_assert_cmpfloat(fabs(mean), <, 5e-3);  /* standard error 1e-3 */
  g_assert_cmpfloat(fabs(var - 1.0), <, 7e-3); /* 1.4e-3 */
  g_assert_cmpfloat(fabs(kurt - 3.0), <, 0.025); /* 4.9e-3 */
  /* P(|z| > 3.4426) = 5.76e-4: 576 expected, sd 24; P(|z| > 4) = 6.33e-5: 63, sd 8. */
  g_assert_cmpint(labs(tail - 576), <, 120);
  g_assert_cmpint(labs(beyond4 - 63), <, 40);
  qsort(z, n, sizeof *z, cmp_float);
  double d = 0.0;
  for (size_t i = 0; i < n; i++) {
    double cdf = 0.5 * erfc(-z[i] / sqrt(2.0));
    d = fmax(d, fmax(fabs(cdf - (double)i / n), fabs((double)(i + 1) / n - cdf)));
  }
  if (g_test_verbose())
    g_printerr("normal fill: mean %.2g var %.5f kurt %.4f tail %ld ks %.2g\n", mean, var, kurt,
               tail, d);
  g_assert_cmpfloat(d, <, 1.63 / sqrt((double)n)); /* the 1% critical value */
  gb_free(z);
}

/* The same seed gives the same stream, in one call or several; another seed another one. */
static void
test_normal_fill_determinism(void)
{
  float a[1000], b[1000], c[1000];
  GbRng r1, r2, r3;
  gb_rng_seed(&r1, 5);
  gb_rng_seed(&r2, 5);
  gb_rng_seed(&r3, 6);
  gb_rng_normal_fill(&r1, a, 1000);
  gb_rng_normal_fill(&r2, b, 300);
  gb_rng_normal_fill(&r2, b + 300, 700);
  gb_rng_normal_fill(&r3, c, 1000);
  g_assert_cmpmem(a, sizeof a, b, sizeof b);
  int same = 0;
  for (int i = 0; i < 1000; i++) same += a[i] == c[i];
  g_assert_cmpint(same, <, 5);
}

/* SmoothGrad with the new noise: deterministic per seed, and with many samples its mean map of
 * a linear model's gradient is the gradient itself (noise cannot change it). */
static void
test_smoothgrad_noise(void)
{
  GbModel *m = gb_test_model_new_random("input(20), dense(3), dense(2)", 71);
  float x[20];
  gb_test_fill_uniform(x, 20, -1.0f, 1.0f, 72);
  GbTarget t = gb_target_class(1);
  GbSmoothConfig cfg;
  gb_smooth_config_init(&cfg);
  cfg.map = GB_SMOOTH_GRADIENT;
  cfg.batch = 7;
  GbAttribution s1, s2, g;
  GbError err;
  g_assert_cmpint(gb_attribution_smoothgrad(m, x, 20, &t, &cfg, &s1, NULL, NULL, NULL, &err),
                  ==, GB_OK);
  g_assert_cmpint(gb_attribution_smoothgrad(m, x, 20, &t, &cfg, &s2, NULL, NULL, NULL, &err),
                  ==, GB_OK);
  g_assert_cmpmem(s1.values, 20 * sizeof(float), s2.values, 20 * sizeof(float));
  g_assert_cmpint(gb_attribution_gradient(m, x, 20, &t, &g, &err), ==, GB_OK);
  g_assert_cmpfloat(rel_diff_f(s1.values, g.values, 20), <, 1e-5);
  gb_attribution_clear(&s1);
  gb_attribution_clear(&s2);
  gb_attribution_clear(&g);
  /* With |gradient x input| the noise matters: two seeds give different maps. */
  cfg.map = GB_SMOOTH_GRAD_X_INPUT;
  cfg.seed = 1;
  g_assert_cmpint(gb_attribution_smoothgrad(m, x, 20, &t, &cfg, &s1, NULL, NULL, NULL, &err),
                  ==, GB_OK);
  cfg.seed = 2;
  g_assert_cmpint(gb_attribution_smoothgrad(m, x, 20, &t, &cfg, &s2, NULL, NULL, NULL, &err),
                  ==, GB_OK);
  g_assert_cmpfloat(rel_diff_f(s1.values, s2.values, 20), >, 1e-3);
  gb_attribution_clear(&s1);
  gb_attribution_clear(&s2);
  gb_model_free(m);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/factor/find", test_find);
  g_test_add_func("/factor/linear-part", test_linear_part);
  g_test_add_func("/factor/ig/mlp", test_ig_mlp);
  g_test_add_func("/factor/ig/cnn", test_ig_cnn);
  g_test_add_func("/factor/ig/not-affine", test_ig_not_affine);
  g_test_add_func("/factor/coalitions/mlp", test_coalitions_mlp);
  g_test_add_func("/factor/coalitions/cnn", test_coalitions_cnn);
  g_test_add_func("/factor/occlusion", test_occlusion);
  g_test_add_func("/factor/normal-fill/distribution", test_normal_fill_distribution);
  g_test_add_func("/factor/normal-fill/determinism", test_normal_fill_determinism);
  g_test_add_func("/factor/smoothgrad-noise", test_smoothgrad_noise);
  return g_test_run();
}

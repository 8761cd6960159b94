/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib.h>
#include <math.h>
#include <string.h>

#include "gb-alloc.h"
#include "gb-perturb.h"
#include "gb-rng.h"
#include "gb-test-util.h"

#define MLP10_SPEC "input(10), dense(8), tanh, dense(3)"
#define MLP16_SPEC "input(16), dense(8), tanh, dense(3)"
#define CNN_SPEC   "input(2,6,6), conv2d(3,3,pad=1), tanh, avgpool2d(2), flatten, dense(3)"
#define LIN_SPEC   "input(12), dense(3)"
#define LINIMG_SPEC "input(1,5,5), flatten, dense(3)"
#define LINEEG_SPEC "input(6,3), flatten, dense(2)"

static GbModel *
new_model(const char *spec, uint64_t seed)
{
  GbModel *m = gb_test_model_new(spec, seed);
  for (int i = 0; i < gb_model_n_tensors(m); i++) {
    GbModelTensor t;
    gb_model_get_tensor(m, i, &t);
    if (t.is_bias)
      gb_test_fill_uniform(t.data, t.count, -0.5f, 0.5f, seed + 100 + i);
    else /* larger weights, so tanh is well inside its nonlinear range */
      for (size_t k = 0; k < t.count; k++) t.data[k] *= 2.0f;
  }
  return m;
}

static float *
new_vector(size_t n, uint64_t seed)
{
  float *x = g_new(float, n);
  gb_test_fill_uniform(x, n, -1.0f, 1.0f, seed);
  return x;
}

/* f_a - f_b at x. */
static double
target_value(GbModel *m, const float *x, const GbTarget *t)
{
  const float *y;
  GbError err;
  g_assert_cmpint(gb_model_forward(m, x, 1, false, &y, &err), ==, GB_OK);
  return y[t->class_a] - (t->class_b >= 0 ? (double)y[t->class_b] : 0.0);
}

/* v(S) = mean over background rows of f(x on S, b elsewhere), for every S as a bit mask. */
static double *
all_coalition_values(GbModel *m, const float *x, const GbSegments *seg, const float *bg, int n_bg,
                     const GbTarget *t)
{
  int M = seg->n_segments;
  double *v = g_new0(double, (size_t)1 << M);
  float *row = g_new(float, seg->n);
  for (long S = 0; S < 1L << M; S++) {
    for (int b = 0; b < n_bg; b++) {
      for (size_t i = 0; i < seg->n; i++)
        row[i] = (S >> seg->ids[i]) & 1 ? x[i] : bg[(size_t)b * seg->n + i];
      v[S] += target_value(m, row, t) / n_bg;
    }
  }
  g_free(row);
  return v;
}

/* The Shapley formula over all subsets (methods.md §5.1). */
static void
brute_force_shapley(const double *v, int M, double *phi)
{
  double fact[32] = {1.0};
  for (int k = 1; k < 32; k++) fact[k] = fact[k - 1] * k;
  for (int i = 0; i < M; i++) {
    phi[i] = 0.0;
    for (long S = 0; S < 1L << M; S++) {
      if ((S >> i) & 1)
        continue;
      int s = __builtin_popcountl((unsigned long)S);
      phi[i] += fact[s] * fact[M - s - 1] / fact[M] * (v[S | (1L << i)] - v[S]);
    }
  }
}

static void
run_shap(GbModel *m, const float *x, const GbSegments *seg, const GbTarget *t,
         const GbShapConfig *cfg, GbSegmentAttribution *out)
{
  GbError err;
  GbStatus st = gb_attribution_kernel_shap(m, x, seg->n, t, seg, cfg, out, NULL, NULL, &err);
  if (st != GB_OK)
    g_error("KernelSHAP: %s", err.message);
}

/* ---- Segments ---- */

static void
test_segments_grid(void)
{
  GbSegments s;
  GbError err;
  GbShape img = gb_shape_3d(1, 28, 28);
  g_assert_cmpint(gb_segments_grid(&s, &img, 4, 4, &err), ==, GB_OK);
  g_assert_cmpint(s.n_segments, ==, 49);
  for (int k = 0; k < 49; k++) g_assert_cmpint(s.sizes[k], ==, 16);
  g_assert_cmpint(s.ids[27 * 28 + 27], ==, 48);
  g_assert_cmpint(s.ids[5 * 28 + 9], ==, 1 * 7 + 2);
  gb_segments_clear(&s);
  /* Channels of a pixel share its segment; uneven edges give smaller blocks. */
  GbShape rgb = gb_shape_3d(3, 5, 5);
  g_assert_cmpint(gb_segments_grid(&s, &rgb, 2, 2, &err), ==, GB_OK);
  g_assert_cmpint(s.n_segments, ==, 9);
  for (int i = 0; i < 25; i++) {
    g_assert_cmpint(s.ids[i], ==, s.ids[25 + i]);
    g_assert_cmpint(s.ids[i], ==, s.ids[50 + i]);
  }
  g_assert_cmpint(s.sizes[0], ==, 12);
  g_assert_cmpint(s.sizes[8], ==, 3);
  gb_segments_clear(&s);
  /* EEG (time, channels): 5 samples x 2 channels. */
  GbShape eeg = gb_shape_2d(10, 4);
  g_assert_cmpint(gb_segments_grid(&s, &eeg, 5, 2, &err), ==, GB_OK);
  g_assert_cmpint(s.n_segments, ==, 4);
  g_assert_cmpint(s.ids[0 * 4 + 3], ==, 1);
  g_assert_cmpint(s.ids[7 * 4 + 1], ==, 2);
  gb_segments_clear(&s);
  GbShape vec = gb_shape_1d(7);
  g_assert_cmpint(gb_segments_features(&s, &vec, &err), ==, GB_OK);
  g_assert_cmpint(s.n_segments, ==, 7);
  g_assert_cmpint(s.ids[6], ==, 6);
  gb_segments_clear(&s);
  int gap[4] = {0, 2, 2, 0};
  GbShape four = gb_shape_1d(4);
  g_assert_cmpint(gb_segments_from_ids(&s, &four, gap, 4, &err), ==, GB_ERR_INVALID);
  g_test_message("%s", err.message);
  g_assert_null(s.ids);
  g_assert_cmpint(gb_segments_grid(&s, &vec, 0, 1, &err), ==, GB_ERR_INVALID);
}

/* Every pixel has an id in 0..M-1 shared by its channels, every segment is 4-connected and the
 * sizes count the features. */
static void
assert_slic_valid(const GbSegments *s, int c, int h, int w)
{
  size_t np = (size_t)h * w;
  g_assert_cmpuint(s->n, ==, (size_t)c * np);
  g_assert_cmpint(s->n_segments, >=, 1);
  for (size_t i = 0; i < np; i++) {
    g_assert_cmpint(s->ids[i], >=, 0);
    g_assert_cmpint(s->ids[i], <, s->n_segments);
    for (int ch = 1; ch < c; ch++) g_assert_cmpint(s->ids[ch * np + i], ==, s->ids[i]);
  }
  int *seen = g_new0(int, np), *queue = g_new(int, np);
  for (int k = 0; k < s->n_segments; k++) {
    size_t first = 0, reached = 0, head = 0, tail = 0;
    while (s->ids[first] != k) first++;
    memset(seen, 0, np * sizeof *seen);
    seen[first] = 1, queue[tail++] = (int)first;
    while (head < tail) {
      int i = queue[head++], r = i / w, col = i % w;
      reached++;
      int nb[4] = {r > 0 ? i - w : -1, r < h - 1 ? i + w : -1, col > 0 ? i - 1 : -1,
                   col < w - 1 ? i + 1 : -1};
      for (int d = 0; d < 4; d++)
        if (nb[d] >= 0 && !seen[nb[d]] && s->ids[nb[d]] == k)
          seen[nb[d]] = 1, queue[tail++] = nb[d];
    }
    g_assert_cmpuint(reached * c, ==, (size_t)s->sizes[k]); /* one piece */
  }
  g_free(seen);
  g_free(queue);
}

/* A digit-like 28 x 28 image: a ring of radius 8 and width 3 in [0, 1] on black, plus a bar. */
static float *
new_ring_digit(void)
{
  float *x = g_new0(float, 28 * 28);
  for (int r = 0; r < 28; r++)
    for (int c = 0; c < 28; c++) {
      double d = hypot(r - 13.5, c - 13.5);
      x[r * 28 + c] = fabs(d - 8) < 1.5 ? 1.0f : (c >= 20 && c <= 22 && r >= 14) ? 0.8f : 0.0f;
    }
  return x;
}

static void
test_segments_slic(void)
{
  GbError err;
  GbSegments s, again;
  GbShape digit = gb_shape_3d(1, 28, 28);
  float *x = new_ring_digit();
  g_assert_cmpint(gb_segments_slic(&s, &digit, x, GB_SLIC_DEFAULT_SEGMENTS,
                                   GB_SLIC_DEFAULT_COMPACTNESS, 0, &err), ==, GB_OK);
  assert_slic_valid(&s, 1, 28, 28);
  g_assert_cmpint(s.n_segments, >=, GB_SLIC_DEFAULT_SEGMENTS / 2);
  g_assert_cmpint(s.n_segments, <=, GB_SLIC_DEFAULT_SEGMENTS * 2);
  /* Deterministic: the same input gives the same map. */
  g_assert_cmpint(gb_segments_slic(&again, &digit, x, GB_SLIC_DEFAULT_SEGMENTS,
                                   GB_SLIC_DEFAULT_COMPACTNESS, 0, &err), ==, GB_OK);
  g_assert_cmpint(again.n_segments, ==, s.n_segments);
  g_assert_cmpmem(again.ids, s.n * sizeof *s.ids, s.ids, s.n * sizeof *s.ids);
  gb_segments_clear(&again);
  gb_segments_clear(&s);
  g_free(x);

  /* Random colour images of other sizes and counts, including 1 and h*w segments. */
  const int cases[][4] = {{3, 20, 30, 12}, {2, 9, 7, 10}, {1, 5, 5, 25}, {3, 8, 8, 1}};
  for (size_t t = 0; t < G_N_ELEMENTS(cases); t++) {
    int c = cases[t][0], h = cases[t][1], w = cases[t][2], k = cases[t][3];
    GbShape shape = gb_shape_3d(c, h, w);
    float *img = g_new(float, (size_t)c * h * w);
    gb_test_fill_uniform(img, (size_t)c * h * w, 0.0f, 1.0f, 40 + t);
    g_assert_cmpint(gb_segments_slic(&s, &shape, img, k, 0.5, 10, &err), ==, GB_OK);
    assert_slic_valid(&s, c, h, w);
    g_assert_cmpint(s.n_segments, >=, (k + 3) / 4);
    g_assert_cmpint(s.n_segments, <=, 4 * k);
    gb_segments_clear(&s);
    g_free(img);
  }
}

/* Two flat halves (left 0, right 1, on both channels): no segment holds pixels of both. */
static void
test_segments_slic_boundary(void)
{
  GbError err;
  GbSegments s;
  for (int k = 4; k <= 64; k *= 2) {
    GbShape shape = gb_shape_3d(2, 28, 28);
    float *x = g_new0(float, 2 * 28 * 28);
    for (int i = 0; i < 2 * 28 * 28; i++) x[i] = (i % 28) >= 14 ? 1.0f : 0.0f;
    g_assert_cmpint(gb_segments_slic(&s, &shape, x, k, GB_SLIC_DEFAULT_COMPACTNESS, 10, &err),
                    ==, GB_OK);
    assert_slic_valid(&s, 2, 28, 28);
    g_assert_cmpint(s.n_segments, >=, 2);
    float *side = g_new(float, s.n_segments);
    for (int k2 = 0; k2 < s.n_segments; k2++) side[k2] = -1;
    for (int i = 0; i < 28 * 28; i++) {
      int id = s.ids[i];
      if (side[id] < 0)
        side[id] = x[i];
      g_assert_cmpfloat(side[id], ==, x[i]);
    }
    g_free(side);
    gb_segments_clear(&s);
    g_free(x);
  }
}

/* KernelSHAP over SLIC superpixels keeps efficiency: sum phi = f(x) - f(baseline). */
static void
test_segments_slic_shap(void)
{
  GbModel *m = new_model(CNN_SPEC, 51);
  float *x = new_vector(72, 52);
  for (int i = 0; i < 72; i++) x[i] = 0.5f * (x[i] + 1.0f);
  GbShape shape = gb_shape_3d(2, 6, 6);
  GbSegments seg;
  GbError err;
  g_assert_cmpint(gb_segments_slic(&seg, &shape, x, 8, 0.5, 10, &err), ==, GB_OK);
  assert_slic_valid(&seg, 2, 6, 6);
  GbTarget t = gb_target_class(1);
  GbShapConfig cfg;
  gb_shap_config_init(&cfg);
  GbSegmentAttribution r;
  run_shap(m, x, &seg, &t, &cfg, &r);
  double sum = 0;
  for (int k = 0; k < seg.n_segments; k++) sum += r.segment_values[k];
  double delta = target_value(m, x, &t) - r.base_value;
  g_assert_cmpfloat(fabs(delta), >, 1e-3); /* not trivially zero */
  g_assert_cmpfloat(fabs(sum - delta), <, 1e-5);
  g_assert_cmpfloat(fabs(r.map.sum - delta), <, 1e-4);
  g_assert_cmpfloat(r.map.gap, <, 1e-5);
  gb_segment_attribution_clear(&r);
  gb_segments_clear(&seg);
  g_free(x);
  gb_model_free(m);
}

static void
test_segments_slic_invalid(void)
{
  GbError err;
  GbSegments s;
  float x[2 * 4 * 4] = {0};
  GbShape img = gb_shape_3d(2, 4, 4), eeg = gb_shape_2d(8, 4), empty = gb_shape_3d(1, 0, 4);
  g_assert_cmpint(gb_segments_slic(&s, &eeg, x, 4, 0.1, 10, &err), ==, GB_ERR_SHAPE);
  g_assert_cmpint(gb_segments_slic(&s, &empty, x, 1, 0.1, 10, &err), ==, GB_ERR_SHAPE);
  g_assert_cmpint(gb_segments_slic(&s, &img, x, 0, 0.1, 10, &err), ==, GB_ERR_INVALID);
  g_assert_cmpint(gb_segments_slic(&s, &img, x, 17, 0.1, 10, &err), ==, GB_ERR_INVALID);
  g_assert_nonnull(strstr(err.message, "1..16"));
  g_assert_cmpint(gb_segments_slic(&s, &img, x, 4, -1.0, 10, &err), ==, GB_ERR_INVALID);
  g_assert_cmpint(gb_segments_slic(&s, &img, x, 4, NAN, 10, &err), ==, GB_ERR_INVALID);
  g_assert_cmpint(gb_segments_slic(&s, &img, x, 4, 0.1, -1, &err), ==, GB_ERR_INVALID);
  g_assert_cmpint(gb_segments_slic(&s, &img, NULL, 4, 0.1, 10, &err), ==, GB_ERR_INVALID);
  x[19] = NAN;
  g_assert_cmpint(gb_segments_slic(&s, &img, x, 4, 0.1, 10, &err), ==, GB_ERR_NUMERIC);
  g_assert_nonnull(strstr(err.message, "19"));
  g_assert_null(s.ids);
  /* 16 segments on 16 pixels: one pixel each. */
  x[19] = 0;
  g_assert_cmpint(gb_segments_slic(&s, &img, x, 16, 0.1, 10, &err), ==, GB_OK);
  assert_slic_valid(&s, 2, 4, 4);
  gb_segments_clear(&s);
}

static void
test_segments_expand(void)
{
  GbSegments s;
  GbError err;
  int ids[5] = {0, 1, 1, 0, 1};
  GbShape five = gb_shape_1d(5);
  g_assert_cmpint(gb_segments_from_ids(&s, &five, ids, 5, &err), ==, GB_OK);
  double v[2] = {2.0, 3.0};
  float out[5];
  gb_segments_expand(&s, v, GB_EXPAND_SPREAD, out);
  g_assert_cmpfloat(out[0], ==, 1.0f);
  g_assert_cmpfloat(out[1], ==, 1.0f);
  gb_segments_expand(&s, v, GB_EXPAND_ASSIGN, out);
  g_assert_cmpfloat(out[3], ==, 2.0f);
  g_assert_cmpfloat(out[4], ==, 3.0f);
  float x[5] = {1, 2, 4, 3, 6}, mean[5];
  g_assert_cmpint(gb_segments_mean_fill(&s, x, mean, &err), ==, GB_OK);
  g_assert_cmpfloat(mean[0], ==, 2.0f);
  g_assert_cmpfloat(mean[2], ==, 4.0f);
  gb_segments_clear(&s);
}

/* ---- Occlusion ---- */

/* Weight of the target for feature i of a linear model (first layer = the only dense). */
static double
linear_weight(GbModel *m, const GbTarget *t, size_t i)
{
  GbModelTensor w;
  gb_model_get_tensor(m, 0, &w);
  size_t n = gb_model_input_size(m);
  double a = w.data[(size_t)t->class_a * n + i];
  return a - (t->class_b >= 0 ? w.data[(size_t)t->class_b * n + i] : 0.0);
}

/* 1 x 1 windows on a linear model: exactly w_i (x_i - b_i). */
static void
test_occlusion_linear(void)
{
  const char *specs[2] = {LIN_SPEC, LINIMG_SPEC};
  for (int k = 0; k < 2; k++) {
    GbModel *m = new_model(specs[k], 5 + k);
    size_t n = gb_model_input_size(m);
    float *x = new_vector(n, 6), *b = new_vector(n, 7);
    GbTarget t = gb_target_contrast(2, 0);
    GbOcclusionConfig cfg;
    gb_occlusion_config_init(&cfg);
    cfg.window_rows = cfg.window_cols = 1;
    cfg.stride_rows = cfg.stride_cols = 1;
    cfg.baseline.kind = GB_BASELINE_CUSTOM;
    cfg.baseline.data = b;
    cfg.baseline.n_data = n;
    cfg.batch = 7;
    GbAttribution a;
    GbError err;
    g_assert_cmpint(gb_attribution_occlusion(m, x, n, &t, &cfg, &a, NULL, NULL, &err), ==, GB_OK);
    g_assert_cmpint(a.n_evaluations, ==, (int)n);
    for (size_t i = 0; i < n; i++)
      g_assert_cmpfloat(fabs(a.values[i] - linear_weight(m, &t, i) * (x[i] - b[i])), <, 1e-5);
    g_assert_cmpfloat(fabs(a.f_x - target_value(m, x, &t)), <, 1e-5);
    g_assert_cmpfloat(fabs(a.f_baseline - target_value(m, b, &t)), <, 1e-5);
    gb_attribution_clear(&a);
    g_free(x);
    g_free(b);
    gb_model_free(m);
  }
}

/* Each feature gets the mean over the windows covering it of f(x) - f(x occluded), windows
 * flush with the far edge included: checked against a direct enumeration on a 5 x 5 image with
 * 3 x 2 windows and strides 2 x 2 (row starts 0, 2; column starts 0, 2, 3). */
static void
test_occlusion_windows(void)
{
  GbModel *m = new_model(LINIMG_SPEC, 8);
  float *x = new_vector(25, 9), xo[25];
  GbTarget t = gb_target_class(1);
  GbOcclusionConfig cfg;
  gb_occlusion_config_init(&cfg);
  cfg.window_rows = 3, cfg.window_cols = 2;
  cfg.stride_rows = cfg.stride_cols = 2;
  GbAttribution a;
  GbError err;
  g_assert_cmpint(gb_attribution_occlusion(m, x, 25, &t, &cfg, &a, NULL, NULL, &err), ==, GB_OK);
  g_assert_cmpint(a.n_evaluations, ==, 6);
  double fx = target_value(m, x, &t), acc[25] = {0};
  int count[25] = {0}, rs[2] = {0, 2}, cs[3] = {0, 2, 3};
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 3; j++) {
      memcpy(xo, x, sizeof xo);
      for (int r = rs[i]; r < rs[i] + 3; r++)
        for (int c = cs[j]; c < cs[j] + 2; c++) xo[r * 5 + c] = 0.0f;
      double d = fx - target_value(m, xo, &t);
      for (int r = rs[i]; r < rs[i] + 3; r++)
        for (int c = cs[j]; c < cs[j] + 2; c++) acc[r * 5 + c] += d, count[r * 5 + c]++;
    }
  for (int i = 0; i < 25; i++) {
    g_assert_cmpint(count[i], >, 0);
    g_assert_cmpfloat(fabs(a.values[i] - acc[i] / count[i]), <, 1e-5);
  }
  gb_attribution_clear(&a);
  g_free(x);
  gb_model_free(m);
}

/* (time, channels): a window of 2 samples over all channels (cols 0). */
static void
test_occlusion_eeg(void)
{
  GbModel *m = new_model(LINEEG_SPEC, 10);
  float *x = new_vector(18, 11);
  GbTarget t = gb_target_class(0);
  GbOcclusionConfig cfg;
  gb_occlusion_config_init(&cfg);
  cfg.window_rows = 2, cfg.window_cols = 0;
  cfg.stride_rows = 2, cfg.stride_cols = 1;
  GbAttribution a;
  GbError err;
  g_assert_cmpint(gb_attribution_occlusion(m, x, 18, &t, &cfg, &a, NULL, NULL, &err), ==, GB_OK);
  g_assert_cmpint(a.n_evaluations, ==, 3);
  for (int w = 0; w < 3; w++) {
    double d = 0.0;
    for (int i = w * 6; i < w * 6 + 6; i++) d += linear_weight(m, &t, (size_t)i) * x[i];
    for (int i = w * 6; i < w * 6 + 6; i++) g_assert_cmpfloat(fabs(a.values[i] - d), <, 1e-5);
  }
  gb_attribution_clear(&a);
  g_free(x);
  gb_model_free(m);
}

/* ---- KernelSHAP ---- */

/* Exact enumeration equals the Shapley formula on a tanh MLP, for M = 1..10 segments (groups of
 * features for M < 10), for a logit and a contrast, with efficiency to float rounding. */
static void
test_shap_exact(void)
{
  GbModel *m = new_model(MLP10_SPEC, 21);
  float *x = new_vector(10, 22), *b = new_vector(10, 23);
  GbShape shape = gb_shape_1d(10);
  for (int M = 1; M <= 10; M++) {
    GbSegments seg;
    GbError err;
    int ids[10];
    for (int i = 0; i < 10; i++) ids[i] = i % M;
    g_assert_cmpint(gb_segments_from_ids(&seg, &shape, ids, 10, &err), ==, GB_OK);
    GbTarget t = M % 2 ? gb_target_class(1) : gb_target_contrast(2, 0);
    GbShapConfig cfg;
    gb_shap_config_init(&cfg);
    cfg.baseline.kind = GB_BASELINE_CUSTOM;
    cfg.baseline.data = b;
    cfg.baseline.n_data = 10;
    cfg.batch = 13, cfg.chunk = 37;
    GbSegmentAttribution r;
    run_shap(m, x, &seg, &t, &cfg, &r);
    double *v = all_coalition_values(m, x, &seg, b, 1, &t), phi[10];
    brute_force_shapley(v, M, phi);
    double worst = 0.0, sum = 0.0;
    for (int i = 0; i < M; i++) {
      worst = fmax(worst, fabs(r.segment_values[i] - phi[i]));
      sum += phi[i];
    }
    g_test_message("M = %d: worst |phi - exact| %.2e, gap %.2e", M, worst, r.map.gap);
    g_assert_true(r.exact);
    g_assert_cmpint(r.n_coalitions, ==, (1L << M) - 2);
    g_assert_cmpfloat(worst, <, 1e-5);
    g_assert_cmpfloat(fabs(r.base_value - v[0]), <, 1e-6);
    g_assert_cmpfloat(fabs(r.map.f_x - v[(1L << M) - 1]), <, 1e-6);
    g_assert_cmpfloat(r.map.gap, <, 1e-9);
    g_assert_cmpfloat(fabs(r.map.sum - (r.map.f_x - r.map.f_baseline)), <, 1e-9);
    /* The spread map sums to the same total. */
    double msum = 0.0;
    for (size_t i = 0; i < 10; i++) msum += r.map.values[i];
    g_assert_cmpfloat(fabs(msum - sum), <, 1e-4);
    g_free(v);
    gb_segment_attribution_clear(&r);
    gb_segments_clear(&seg);
  }
  g_free(x);
  g_free(b);
  gb_model_free(m);
}

/* Image patches of a CNN with a background of three rows: v(S) is the mean over them. */
static void
test_shap_exact_background(void)
{
  GbModel *m = new_model(CNN_SPEC, 31);
  float *x = new_vector(72, 32), *bg = new_vector(3 * 72, 33);
  GbShape shape = gb_shape_3d(2, 6, 6);
  GbSegments seg;
  GbError err;
  g_assert_cmpint(gb_segments_grid(&seg, &shape, 2, 3, &err), ==, GB_OK);
  g_assert_cmpint(seg.n_segments, ==, 6);
  GbTarget t = gb_target_class(2);
  GbShapConfig cfg;
  gb_shap_config_init(&cfg);
  cfg.background = bg;
  cfg.n_background = 3;
  GbSegmentAttribution r;
  run_shap(m, x, &seg, &t, &cfg, &r);
  double *v = all_coalition_values(m, x, &seg, bg, 3, &t), phi[6];
  brute_force_shapley(v, 6, phi);
  for (int i = 0; i < 6; i++) g_assert_cmpfloat(fabs(r.segment_values[i] - phi[i]), <, 1e-5);
  g_assert_cmpfloat(fabs(r.base_value - v[0]), <, 1e-6);
  g_assert_cmpint(r.map.n_evaluations, ==, 3 * 64);
  g_free(v);
  gb_segment_attribution_clear(&r);
  gb_segments_clear(&seg);
  g_free(x);
  g_free(bg);
  gb_model_free(m);
}

/* M = 16 > the exact threshold: sampling approaches the exact values as samples grow, and
 * efficiency holds exactly at any budget. */
static void
test_shap_sampled_converges(void)
{
  GbModel *m = new_model(MLP16_SPEC, 41);
  float *x = new_vector(16, 42), *b = new_vector(16, 43);
  GbShape shape = gb_shape_1d(16);
  GbSegments seg;
  GbError err;
  g_assert_cmpint(gb_segments_features(&seg, &shape, &err), ==, GB_OK);
  GbTarget t = gb_target_class(0);
  double *v = all_coalition_values(m, x, &seg, b, 1, &t), phi[16], scale = 0.0;
  brute_force_shapley(v, 16, phi);
  for (int i = 0; i < 16; i++) scale = fmax(scale, fabs(phi[i]));
  long budgets[3] = {300, 3000, 30000};
  double errs[3];
  for (int k = 0; k < 3; k++) {
    GbShapConfig cfg;
    gb_shap_config_init(&cfg);
    cfg.baseline.kind = GB_BASELINE_CUSTOM;
    cfg.baseline.data = b;
    cfg.baseline.n_data = 16;
    cfg.samples = budgets[k];
    cfg.seed = 44;
    GbSegmentAttribution r;
    run_shap(m, x, &seg, &t, &cfg, &r);
    g_assert_false(r.exact);
    g_assert_cmpint(r.n_coalitions, ==, budgets[k]);
    double rms = 0.0;
    for (int i = 0; i < 16; i++) rms += pow(r.segment_values[i] - phi[i], 2) / 16;
    errs[k] = sqrt(rms) / scale;
    g_test_message("%ld samples: rms error / max |phi| = %.4f, gap %.2e", budgets[k], errs[k],
                   r.map.gap);
    g_assert_cmpfloat(r.map.gap, <, 1e-9);
    gb_segment_attribution_clear(&r);
  }
  g_assert_cmpfloat(errs[2], <, errs[0]);
  g_assert_cmpfloat(errs[2], <, 0.02);
  /* The full budget 2^16 - 2 is exact enumeration again. */
  GbShapConfig cfg;
  gb_shap_config_init(&cfg);
  cfg.baseline.kind = GB_BASELINE_CUSTOM;
  cfg.baseline.data = b;
  cfg.baseline.n_data = 16;
  cfg.samples = 1L << 20;
  GbSegmentAttribution r;
  run_shap(m, x, &seg, &t, &cfg, &r);
  g_assert_true(r.exact);
  for (int i = 0; i < 16; i++) g_assert_cmpfloat(fabs(r.segment_values[i] - phi[i]), <, 1e-5);
  gb_segment_attribution_clear(&r);
  g_free(v);
  gb_segments_clear(&seg);
  g_free(x);
  g_free(b);
  gb_model_free(m);
}

/* Every class in one run equals one run per class, exact (M = 6) and sampled (M = 16, a
 * background of 3 rows), and each class's values sum to f_c(x) - f_c(baseline). */
static void
test_shap_all_classes(void)
{
  GbModel *m = new_model(MLP16_SPEC, 31);
  float *x = new_vector(16, 32), *bg = new_vector(3 * 16, 33);
  GbShape shape = gb_shape_1d(16);
  for (int M = 6; M <= 16; M += 10) {
    GbSegments seg;
    GbError err;
    int ids[16];
    for (int i = 0; i < 16; i++) ids[i] = i % M;
    g_assert_cmpint(gb_segments_from_ids(&seg, &shape, ids, 16, &err), ==, GB_OK);
    GbShapConfig cfg;
    gb_shap_config_init(&cfg);
    cfg.background = bg;
    cfg.n_background = 3;
    cfg.samples = 300;
    cfg.seed = 5;
    cfg.batch = 13, cfg.chunk = 37;
    GbShapAllClasses all;
    g_assert_cmpint(gb_attribution_kernel_shap_all(m, x, 16, &seg, &cfg, &all, NULL, NULL, &err),
                    ==, GB_OK);
    g_assert_cmpint(all.n_classes, ==, 3);
    g_assert_cmpint(all.n_segments, ==, M);
    g_assert_true(all.exact == (M == 6));
    for (int c = 0; c < 3; c++) {
      GbTarget t = gb_target_class(c);
      GbSegmentAttribution one;
      run_shap(m, x, &seg, &t, &cfg, &one);
      g_assert_cmpint(all.n_coalitions, ==, one.n_coalitions);
      g_assert_true(all.exact == one.exact);
      double worst = 0.0, sum = 0.0;
      for (int i = 0; i < M; i++) {
        worst = fmax(worst, fabs(all.values[c * M + i] - one.segment_values[i]));
        sum += all.values[c * M + i];
      }
      g_test_message("M = %d, class %d: worst |all - one| %.2e", M, c, worst);
      g_assert_cmpfloat(worst, <, 1e-9);
      g_assert_cmpfloat(fabs(all.base_values[c] - one.base_value), <, 1e-12);
      g_assert_cmpfloat(fabs(all.f_x[c] - target_value(m, x, &t)), <, 1e-5);
      g_assert_cmpfloat(fabs(sum - (all.f_x[c] - all.base_values[c])), <, 1e-9);
      gb_segment_attribution_clear(&one);
    }
    gb_shap_all_classes_clear(&all);
    gb_shap_all_classes_clear(&all); /* twice is fine */
    gb_segments_clear(&seg);
  }
  /* Bad input is refused and leaves the output empty. */
  GbSegments seg;
  GbError err;
  g_assert_cmpint(gb_segments_features(&seg, &shape, &err), ==, GB_OK);
  GbShapConfig cfg;
  gb_shap_config_init(&cfg);
  GbShapAllClasses all;
  x[3] = NAN;
  g_assert_cmpint(gb_attribution_kernel_shap_all(m, x, 16, &seg, &cfg, &all, NULL, NULL, &err),
                  !=, GB_OK);
  g_assert_null(all.values);
  x[3] = 0.5f;
  g_assert_cmpint(gb_attribution_kernel_shap_all(m, x, 15, &seg, &cfg, &all, NULL, NULL, &err),
                  !=, GB_OK);
  cfg.samples = -1;
  g_assert_cmpint(gb_attribution_kernel_shap_all(m, x, 16, &seg, &cfg, &all, NULL, NULL, &err),
                  ==, GB_ERR_INVALID);
  g_assert_cmpint(gb_attribution_kernel_shap_all(m, x, 16, &seg, &cfg, NULL, NULL, NULL, &err),
                  ==, GB_ERR_INVALID);
  gb_segments_clear(&seg);
  g_free(x);
  g_free(bg);
  gb_model_free(m);
}

/* A linear model: phi_i = w_i (x_i - b_i) whatever the sampling, and sums of those over groups. */
static void
test_shap_linear(void)
{
  GbModel *m = new_model(LIN_SPEC, 51);
  float *x = new_vector(12, 52), *b = new_vector(12, 53);
  GbShape shape = gb_shape_1d(12);
  GbTarget t = gb_target_contrast(0, 1);
  for (int grouped = 0; grouped < 2; grouped++) {
    GbSegments seg;
    GbError err;
    if (grouped)
      g_assert_cmpint(gb_segments_grid(&seg, &shape, 3, 1, &err), ==, GB_OK);
    else
      g_assert_cmpint(gb_segments_features(&seg, &shape, &err), ==, GB_OK);
    GbShapConfig cfg;
    gb_shap_config_init(&cfg);
    cfg.exact_max_segments = 0;
    cfg.samples = 200;
    cfg.baseline.kind = GB_BASELINE_CUSTOM;
    cfg.baseline.data = b;
    cfg.baseline.n_data = 12;
    cfg.seed = 54;
    GbSegmentAttribution r;
    run_shap(m, x, &seg, &t, &cfg, &r);
    g_assert_true(r.exact == (grouped != 0)); /* 4 groups: 200 > 2^4 - 2 enumerates all */
    double want[12] = {0};
    for (int i = 0; i < 12; i++) want[seg.ids[i]] += linear_weight(m, &t, i) * (x[i] - b[i]);
    for (int k = 0; k < seg.n_segments; k++)
      g_assert_cmpfloat(fabs(r.segment_values[k] - want[k]), <, 1e-5);
    gb_segment_attribution_clear(&r);
    gb_segments_clear(&seg);
  }
  g_free(x);
  g_free(b);
  gb_model_free(m);
}

/* ---- Permutation Shapley ---- */

/* Unbiased: many antithetic orders come within a few standard errors of the exact values on a
 * tanh MLP; efficiency is exact for every order. */
static void
test_permutation_converges(void)
{
  GbModel *m = new_model(MLP10_SPEC, 121);
  float *x = new_vector(10, 122), *b = new_vector(10, 123);
  GbShape shape = gb_shape_1d(10);
  GbSegments seg;
  GbError err;
  g_assert_cmpint(gb_segments_features(&seg, &shape, &err), ==, GB_OK);
  GbTarget t = gb_target_contrast(1, 2);
  double *v = all_coalition_values(m, x, &seg, b, 1, &t), phi[10];
  brute_force_shapley(v, 10, phi);
  GbPermutationShapConfig cfg;
  gb_permutation_shap_config_init(&cfg);
  cfg.permutations = 2000;
  cfg.baseline.kind = GB_BASELINE_CUSTOM;
  cfg.baseline.data = b;
  cfg.baseline.n_data = 10;
  cfg.seed = 124;
  GbSegmentAttribution r;
  g_assert_cmpint(gb_attribution_permutation_shap(m, x, 10, &t, &seg, &cfg, &r, NULL, NULL, &err),
                  ==, GB_OK);
  g_assert_cmpint(r.n_coalitions, ==, 2000L * 2 * 11);
  double worst = 0.0;
  for (int i = 0; i < 10; i++) {
    double z = fabs(r.segment_values[i] - phi[i]) / r.segment_stderr[i];
    worst = fmax(worst, z);
    g_assert_cmpfloat(r.segment_stderr[i], >, 0.0);
    g_assert_cmpfloat(r.segment_stderr[i], <, 0.02);
  }
  g_test_message("worst |phi - exact| / stderr = %.2f, gap %.2e", worst, r.map.gap);
  g_assert_cmpfloat(worst, <, 4.5);
  g_assert_cmpfloat(r.map.gap, <, 1e-9);
  g_assert_cmpfloat(fabs(r.base_value - v[0]), <, 1e-6);
  gb_segment_attribution_clear(&r);
  g_free(v);
  gb_segments_clear(&seg);
  g_free(x);
  g_free(b);
  gb_model_free(m);
}

/* A linear model's marginal gains do not depend on the order: one order is exact. */
static void
test_permutation_linear(void)
{
  GbModel *m = new_model(LIN_SPEC, 131);
  float *x = new_vector(12, 132);
  GbShape shape = gb_shape_1d(12);
  GbSegments seg;
  GbError err;
  g_assert_cmpint(gb_segments_features(&seg, &shape, &err), ==, GB_OK);
  GbTarget t = gb_target_class(0);
  GbPermutationShapConfig cfg;
  gb_permutation_shap_config_init(&cfg);
  cfg.permutations = 1;
  cfg.antithetic = false;
  GbSegmentAttribution r;
  g_assert_cmpint(gb_attribution_permutation_shap(m, x, 12, &t, &seg, &cfg, &r, NULL, NULL, &err),
                  ==, GB_OK);
  for (int i = 0; i < 12; i++) {
    g_assert_cmpfloat(fabs(r.segment_values[i] - linear_weight(m, &t, i) * x[i]), <, 1e-5);
    g_assert_true(isnan(r.segment_stderr[i]));
  }
  gb_segment_attribution_clear(&r);
  gb_segments_clear(&seg);
  g_free(x);
  gb_model_free(m);
}

/* ---- LIME ---- */

/* Solves A x = b (n x n, row-major, overwritten) by Gaussian elimination with pivoting. */
static void
naive_solve(double *A, double *b, int n)
{
  for (int c = 0; c < n; c++) {
    int p = c;
    for (int r = c + 1; r < n; r++)
      if (fabs(A[r * n + c]) > fabs(A[p * n + c]))
        p = r;
    for (int k = 0; k < n; k++) {
      double tmp = A[c * n + k];
      A[c * n + k] = A[p * n + k], A[p * n + k] = tmp;
    }
    double tmp = b[c];
    b[c] = b[p], b[p] = tmp;
    for (int r = c + 1; r < n; r++) {
      double f = A[r * n + c] / A[c * n + c];
      for (int k = c; k < n; k++) A[r * n + k] -= f * A[c * n + k];
      b[r] -= f * b[c];
    }
  }
  for (int c = n - 1; c >= 0; c--) {
    for (int k = c + 1; k < n; k++) b[c] -= A[c * n + k] * b[k];
    b[c] /= A[c * n + c];
  }
}

/* The same fit done the slow way: every sample kept, the same masks drawn from the same
 * stream (row 0 all ones, then one bit per segment from the top of gb_rng_next), sklearn's
 * weighted Ridge with intercept, and its weighted R^2 from the residuals. */
static void
test_lime_reference(void)
{
  GbModel *m = new_model(CNN_SPEC, 61);
  float *x = new_vector(72, 62);
  GbShape shape = gb_shape_3d(2, 6, 6);
  GbSegments seg;
  GbError err;
  g_assert_cmpint(gb_segments_grid(&seg, &shape, 2, 2, &err), ==, GB_OK);
  int M = seg.n_segments, N = 300;
  GbTarget t = gb_target_class(1);
  GbLimeConfig cfg;
  gb_lime_config_init(&cfg);
  cfg.samples = N;
  cfg.seed = 63;
  cfg.chunk = 50;
  GbSegmentAttribution r;
  g_assert_cmpint(gb_attribution_lime(m, x, 72, &t, &seg, &cfg, &r, NULL, NULL, &err), ==, GB_OK);
  float hidden[72], row[72];
  g_assert_cmpint(gb_segments_mean_fill(&seg, x, hidden, &err), ==, GB_OK);
  double *Z = g_new(double, (size_t)N * M), *y = g_new(double, N), *pi = g_new(double, N);
  GbRng rng;
  gb_rng_seed(&rng, 63);
  double sw = 0.0, my = 0.0, mz[9] = {0};
  for (int j = 0; j < N; j++) {
    int k = 0;
    for (int i = 0; i < M; i++) k += Z[j * M + i] = j == 0 ? 1.0 : (double)(gb_rng_next(&rng) >> 63);
    for (int i = 0; i < 72; i++) row[i] = Z[j * M + seg.ids[i]] != 0.0 ? x[i] : hidden[i];
    y[j] = target_value(m, row, &t);
    double d = k ? 1.0 - (double)k / (sqrt((double)k) * sqrt((double)M)) : 1.0;
    pi[j] = sqrt(exp(-d * d / (0.25 * 0.25)));
    sw += pi[j], my += pi[j] * y[j];
    for (int i = 0; i < M; i++) mz[i] += pi[j] * Z[j * M + i];
  }
  my /= sw;
  for (int i = 0; i < M; i++) mz[i] /= sw;
  double A[81] = {0}, coef[9] = {0};
  for (int j = 0; j < N; j++)
    for (int i = 0; i < M; i++) {
      coef[i] += pi[j] * (Z[j * M + i] - mz[i]) * (y[j] - my);
      for (int k = 0; k < M; k++)
        A[i * M + k] += pi[j] * (Z[j * M + i] - mz[i]) * (Z[j * M + k] - mz[k]);
    }
  for (int i = 0; i < M; i++) A[i * M + i] += 1.0;
  naive_solve(A, coef, M);
  double icpt = my, ss_res = 0.0, ss_tot = 0.0;
  for (int i = 0; i < M; i++) icpt -= coef[i] * mz[i];
  for (int j = 0; j < N; j++) {
    double pred = icpt;
    for (int i = 0; i < M; i++) pred += coef[i] * Z[j * M + i];
    ss_res += pi[j] * (y[j] - pred) * (y[j] - pred);
    ss_tot += pi[j] * (y[j] - my) * (y[j] - my);
  }
  for (int i = 0; i < M; i++) g_assert_cmpfloat(fabs(r.segment_values[i] - coef[i]), <, 1e-6);
  g_assert_cmpfloat(fabs(r.base_value - icpt), <, 1e-6);
  g_test_message("R^2 %.6f (reference %.6f)", r.score, 1.0 - ss_res / ss_tot);
  g_assert_cmpfloat(fabs(r.score - (1.0 - ss_res / ss_tot)), <, 1e-6);
  g_assert_cmpfloat(fabs(r.map.f_x - y[0]), <, 1e-6);
  g_assert_cmpfloat(fabs(r.map.f_baseline - target_value(m, hidden, &t)), <, 1e-6);
  g_free(Z);
  g_free(y);
  g_free(pi);
  gb_segment_attribution_clear(&r);
  gb_segments_clear(&seg);
  g_free(x);
  gb_model_free(m);
}

/* A linear model with one feature per segment: v(z) = c + sum_i z_i w_i (x_i - b_i), so the
 * surrogate is exact: with a vanishing ridge the coefficients are those contributions and
 * R^2 = 1; with alpha = 1 they are shrunk slightly toward 0 but keep sign and order. */
static void
test_lime_linear(void)
{
  GbModel *m = new_model(LIN_SPEC, 71);
  float *x = new_vector(12, 72), *b = new_vector(12, 73);
  GbShape shape = gb_shape_1d(12);
  GbSegments seg;
  GbError err;
  g_assert_cmpint(gb_segments_features(&seg, &shape, &err), ==, GB_OK);
  GbTarget t = gb_target_class(2);
  double want[12];
  for (int i = 0; i < 12; i++) want[i] = linear_weight(m, &t, i) * (x[i] - b[i]);
  double alphas[2] = {1e-9, 1.0};
  for (int k = 0; k < 2; k++) {
    GbLimeConfig cfg;
    gb_lime_config_init(&cfg);
    cfg.alpha = alphas[k];
    cfg.segment_mean = false;
    cfg.baseline.kind = GB_BASELINE_CUSTOM;
    cfg.baseline.data = b;
    cfg.baseline.n_data = 12;
    cfg.seed = 74;
    GbSegmentAttribution r;
    g_assert_cmpint(gb_attribution_lime(m, x, 12, &t, &seg, &cfg, &r, NULL, NULL, &err), ==,
                    GB_OK);
    double worst = 0.0;
    for (int i = 0; i < 12; i++) {
      worst = fmax(worst, fabs(r.segment_values[i] - want[i]) / (1e-3 + fabs(want[i])));
      g_assert_true(r.segment_values[i] * want[i] >= 0.0 || fabs(want[i]) < 1e-3);
      for (int j = 0; j < 12; j++)
        if (want[i] > want[j] + 1e-2)
          g_assert_cmpfloat(r.segment_values[i], >, r.segment_values[j]);
    }
    g_test_message("alpha %g: worst relative error %.2e, R^2 %.9f", alphas[k], worst, r.score);
    g_assert_cmpfloat(worst, <, k == 0 ? 1e-4 : 0.05);
    if (k == 0) {
      g_assert_cmpfloat(r.score, >, 1.0 - 1e-9);
      g_assert_cmpfloat(fabs(r.base_value - r.map.f_baseline), <, 1e-4);
      g_assert_cmpfloat(fabs(r.local_prediction - r.map.f_x), <, 1e-4);
    }
    gb_segment_attribution_clear(&r);
  }
  gb_segments_clear(&seg);
  g_free(x);
  g_free(b);
  gb_model_free(m);
}

/* ---- Shared properties ---- */

/* The same seed gives the same values bit for bit; another seed other values. */
static void
test_seeded(void)
{
  GbModel *m = new_model(CNN_SPEC, 81);
  float *x = new_vector(72, 82);
  GbShape shape = gb_shape_3d(2, 6, 6);
  GbSegments seg;
  GbError err;
  g_assert_cmpint(gb_segments_grid(&seg, &shape, 1, 2, &err), ==, GB_OK); /* 18 segments */
  GbTarget t = gb_target_class(0);
  GbSegmentAttribution r[3];
  for (int k = 0; k < 3; k++) {
    GbShapConfig cfg;
    gb_shap_config_init(&cfg);
    cfg.samples = 500;
    cfg.seed = k < 2 ? 5 : 6;
    run_shap(m, x, &seg, &t, &cfg, &r[k]);
  }
  size_t bytes = 18 * sizeof(double);
  g_assert_cmpmem(r[0].segment_values, bytes, r[1].segment_values, bytes);
  g_assert_true(memcmp(r[0].segment_values, r[2].segment_values, bytes) != 0);
  for (int k = 0; k < 3; k++) gb_segment_attribution_clear(&r[k]);
  for (int k = 0; k < 3; k++) {
    GbLimeConfig cfg;
    gb_lime_config_init(&cfg);
    cfg.seed = k < 2 ? 5 : 6;
    g_assert_cmpint(gb_attribution_lime(m, x, 72, &t, &seg, &cfg, &r[k], NULL, NULL, &err), ==,
                    GB_OK);
  }
  g_assert_cmpmem(r[0].segment_values, bytes, r[1].segment_values, bytes);
  g_assert_cmpfloat(r[0].score, ==, r[1].score);
  g_assert_true(memcmp(r[0].segment_values, r[2].segment_values, bytes) != 0);
  for (int k = 0; k < 3; k++) gb_segment_attribution_clear(&r[k]);
  for (int k = 0; k < 3; k++) {
    GbPermutationShapConfig cfg;
    gb_permutation_shap_config_init(&cfg);
    cfg.permutations = 20;
    cfg.seed = k < 2 ? 5 : 6;
    g_assert_cmpint(gb_attribution_permutation_shap(m, x, 72, &t, &seg, &cfg, &r[k], NULL, NULL,
                                                    &err), ==, GB_OK);
  }
  g_assert_cmpmem(r[0].segment_values, bytes, r[1].segment_values, bytes);
  g_assert_cmpmem(r[0].segment_stderr, bytes, r[1].segment_stderr, bytes);
  g_assert_true(memcmp(r[0].segment_values, r[2].segment_values, bytes) != 0);
  for (int k = 0; k < 3; k++) gb_segment_attribution_clear(&r[k]);
  gb_segments_clear(&seg);
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
  GbModel *m = new_model(CNN_SPEC, 91);
  float *x = new_vector(72, 92);
  GbShape shape = gb_shape_3d(2, 6, 6);
  GbSegments seg;
  GbError err;
  g_assert_cmpint(gb_segments_grid(&seg, &shape, 1, 1, &err), ==, GB_OK); /* 36 segments */
  GbTarget t = gb_target_class(0);
  GbShapConfig sc;
  gb_shap_config_init(&sc);
  sc.chunk = 100;
  GbSegmentAttribution r;
  int calls = 0;
  g_assert_cmpint(gb_attribution_kernel_shap(m, x, 72, &t, &seg, &sc, &r, stop_after_first,
                                             &calls, &err), ==, GB_ERR_CANCELLED);
  g_assert_cmpint(calls, ==, 2);
  g_assert_null(r.segment_values);
  g_assert_null(r.map.values);
  GbLimeConfig lc;
  gb_lime_config_init(&lc);
  lc.chunk = 100;
  calls = 0;
  g_assert_cmpint(gb_attribution_lime(m, x, 72, &t, &seg, &lc, &r, stop_after_first, &calls,
                                      &err), ==, GB_ERR_CANCELLED);
  g_assert_cmpint(calls, ==, 2);
  g_assert_null(r.segment_values);
  GbOcclusionConfig oc;
  gb_occlusion_config_init(&oc);
  oc.window_rows = oc.window_cols = 1;
  oc.stride_rows = oc.stride_cols = 1;
  oc.batch = 4;
  GbAttribution a;
  calls = 0;
  g_assert_cmpint(gb_attribution_occlusion(m, x, 72, &t, &oc, &a, stop_after_first, &calls,
                                           &err), ==, GB_ERR_CANCELLED);
  g_assert_cmpint(calls, ==, 2);
  g_assert_null(a.values);
  GbPermutationShapConfig pc;
  gb_permutation_shap_config_init(&pc);
  calls = 0;
  g_assert_cmpint(gb_attribution_permutation_shap(m, x, 72, &t, &seg, &pc, &r, stop_after_first,
                                                  &calls, &err), ==, GB_ERR_CANCELLED);
  g_assert_cmpint(calls, ==, 2);
  g_assert_null(r.segment_values);
  g_assert_null(r.segment_stderr);
  /* Still usable afterwards. */
  sc.samples = 100;
  g_assert_cmpint(gb_attribution_kernel_shap(m, x, 72, &t, &seg, &sc, &r, NULL, NULL, &err), ==,
                  GB_OK);
  gb_segment_attribution_clear(&r);
  gb_segments_clear(&seg);
  g_free(x);
  gb_model_free(m);
}

static void
test_invalid(void)
{
  GbModel *m = new_model(MLP10_SPEC, 95);
  float *x = new_vector(10, 96);
  GbShape shape = gb_shape_1d(10), other = gb_shape_1d(9);
  GbSegments seg, seg9;
  GbError err;
  g_assert_cmpint(gb_segments_features(&seg, &shape, &err), ==, GB_OK);
  g_assert_cmpint(gb_segments_features(&seg9, &other, &err), ==, GB_OK);
  GbTarget t = gb_target_class(0);
  GbShapConfig sc;
  gb_shap_config_init(&sc);
  GbLimeConfig lc;
  gb_lime_config_init(&lc);
  GbOcclusionConfig oc;
  gb_occlusion_config_init(&oc);
  GbSegmentAttribution r;
  GbAttribution a;
  x[4] = NAN;
  g_assert_cmpint(gb_attribution_kernel_shap(m, x, 10, &t, &seg, &sc, &r, NULL, NULL, &err), ==,
                  GB_ERR_NUMERIC);
  g_test_message("%s", err.message);
  g_assert_cmpint(gb_attribution_lime(m, x, 10, &t, &seg, &lc, &r, NULL, NULL, &err), ==,
                  GB_ERR_NUMERIC);
  g_assert_cmpint(gb_attribution_occlusion(m, x, 10, &t, &oc, &a, NULL, NULL, &err), ==,
                  GB_ERR_NUMERIC);
  GbPermutationShapConfig pc;
  gb_permutation_shap_config_init(&pc);
  g_assert_cmpint(gb_attribution_permutation_shap(m, x, 10, &t, &seg, &pc, &r, NULL, NULL, &err),
                  ==, GB_ERR_NUMERIC);
  x[4] = 0.5f;
  pc.permutations = 0;
  g_assert_cmpint(gb_attribution_permutation_shap(m, x, 10, &t, &seg, &pc, &r, NULL, NULL, &err),
                  ==, GB_ERR_INVALID);
  g_assert_cmpint(gb_attribution_kernel_shap(m, x, 10, &t, &seg9, &sc, &r, NULL, NULL, &err), ==,
                  GB_ERR_SHAPE);
  g_test_message("%s", err.message);
  g_assert_cmpint(gb_attribution_lime(m, x, 10, &t, &seg9, &lc, &r, NULL, NULL, &err), ==,
                  GB_ERR_SHAPE);
  float bg[20] = {0};
  bg[13] = INFINITY;
  sc.background = bg;
  sc.n_background = 2;
  g_assert_cmpint(gb_attribution_kernel_shap(m, x, 10, &t, &seg, &sc, &r, NULL, NULL, &err), ==,
                  GB_ERR_NUMERIC);
  g_test_message("%s", err.message);
  sc.background = NULL;
  sc.exact_max_segments = 40;
  g_assert_cmpint(gb_attribution_kernel_shap(m, x, 10, &t, &seg, &sc, &r, NULL, NULL, &err), ==,
                  GB_ERR_INVALID);
  lc.samples = 1;
  g_assert_cmpint(gb_attribution_lime(m, x, 10, &t, &seg, &lc, &r, NULL, NULL, &err), ==,
                  GB_ERR_INVALID);
  lc.samples = 100, lc.kernel_width = 0.0;
  g_assert_cmpint(gb_attribution_lime(m, x, 10, &t, &seg, &lc, &r, NULL, NULL, &err), ==,
                  GB_ERR_INVALID);
  oc.stride_rows = 0;
  g_assert_cmpint(gb_attribution_occlusion(m, x, 10, &t, &oc, &a, NULL, NULL, &err), ==,
                  GB_ERR_INVALID);
  GbTarget bad = gb_target_class(3);
  g_assert_cmpint(gb_attribution_lime(m, x, 10, &bad, &seg, &lc, &r, NULL, NULL, &err), ==,
                  GB_ERR_INVALID);
  gb_segments_clear(&seg);
  gb_segments_clear(&seg9);
  g_free(x);
  gb_model_free(m);
}

/* KernelSHAP and LIME keep their memory bounded: the allocations of a run do not depend on the
 * number of samples (chunks of coalitions folded into fixed-size normal equations). */
static void
test_memory_bounded(void)
{
  GbModel *m = new_model("input(1,28,28), flatten, dense(4)", 101);
  float *x = new_vector(784, 102);
  GbShape shape = gb_shape_3d(1, 28, 28);
  GbSegments seg;
  GbError err;
  g_assert_cmpint(gb_segments_grid(&seg, &shape, 4, 4, &err), ==, GB_OK);
  GbTarget t = gb_target_class(3);
  long samples[3] = {1000, 1000, 100000}, count[3], lime_count[3];
  /* Run 0 warms up: the model grows its forward scratch to the batch size once. */
  for (int k = 0; k < 3; k++) {
    GbShapConfig cfg;
    gb_shap_config_init(&cfg);
    cfg.samples = samples[k];
    GbSegmentAttribution r;
    gb_alloc_fail_after(0);
    g_assert_cmpint(gb_attribution_kernel_shap(m, x, 784, &t, &seg, &cfg, &r, NULL, NULL, &err),
                    ==, GB_OK);
    count[k] = gb_alloc_count();
    g_assert_cmpint(r.n_coalitions, ==, samples[k]);
    g_assert_cmpfloat(r.map.gap, <, 1e-6);
    gb_segment_attribution_clear(&r);
    GbLimeConfig lc;
    gb_lime_config_init(&lc);
    lc.samples = (int)samples[k] / 10;
    gb_alloc_fail_after(0);
    g_assert_cmpint(gb_attribution_lime(m, x, 784, &t, &seg, &lc, &r, NULL, NULL, &err), ==,
                    GB_OK);
    lime_count[k] = gb_alloc_count();
    gb_segment_attribution_clear(&r);
  }
  g_test_message("allocations: KernelSHAP %ld / %ld, LIME %ld / %ld", count[1], count[2],
                 lime_count[1], lime_count[2]);
  g_assert_cmpint(count[2], ==, count[1]);
  g_assert_cmpint(lime_count[2], ==, lime_count[1]);
  gb_segments_clear(&seg);
  g_free(x);
  gb_model_free(m);
}

/* Every allocation failure is GB_ERR_NOMEM with nothing left behind. */
static void
test_nomem(void)
{
  GbModel *m = new_model(MLP10_SPEC, 111);
  float *x = new_vector(10, 112);
  GbShape shape = gb_shape_1d(10);
  GbSegments seg;
  GbError err;
  g_assert_cmpint(gb_segments_features(&seg, &shape, &err), ==, GB_OK);
  GbTarget t = gb_target_class(1);
  GbShapConfig sc;
  gb_shap_config_init(&sc);
  sc.exact_max_segments = 4;
  sc.samples = 100;
  GbLimeConfig lc;
  gb_lime_config_init(&lc);
  lc.samples = 50;
  GbOcclusionConfig oc;
  gb_occlusion_config_init(&oc);
  for (long k = 1; k < 30; k++) {
    GbSegmentAttribution r;
    GbAttribution a;
    GbSegments s2;
    gb_alloc_fail_after(k);
    GbStatus st = gb_attribution_kernel_shap(m, x, 10, &t, &seg, &sc, &r, NULL, NULL, &err);
    gb_alloc_fail_after(0);
    g_assert_true(st == GB_OK || st == GB_ERR_NOMEM);
    if (st != GB_OK)
      g_assert_null(r.segment_values);
    gb_segment_attribution_clear(&r);
    GbShapAllClasses all;
    gb_alloc_fail_after(k);
    st = gb_attribution_kernel_shap_all(m, x, 10, &seg, &sc, &all, NULL, NULL, &err);
    gb_alloc_fail_after(0);
    g_assert_true(st == GB_OK || st == GB_ERR_NOMEM);
    if (st != GB_OK)
      g_assert_null(all.values);
    gb_shap_all_classes_clear(&all);
    gb_alloc_fail_after(k);
    st = gb_attribution_lime(m, x, 10, &t, &seg, &lc, &r, NULL, NULL, &err);
    gb_alloc_fail_after(0);
    g_assert_true(st == GB_OK || st == GB_ERR_NOMEM);
    gb_segment_attribution_clear(&r);
    GbPermutationShapConfig pc;
    gb_permutation_shap_config_init(&pc);
    pc.permutations = 3;
    gb_alloc_fail_after(k);
    st = gb_attribution_permutation_shap(m, x, 10, &t, &seg, &pc, &r, NULL, NULL, &err);
    gb_alloc_fail_after(0);
    g_assert_true(st == GB_OK || st == GB_ERR_NOMEM);
    gb_segment_attribution_clear(&r);
    gb_alloc_fail_after(k);
    st = gb_attribution_occlusion(m, x, 10, &t, &oc, &a, NULL, NULL, &err);
    gb_alloc_fail_after(0);
    g_assert_true(st == GB_OK || st == GB_ERR_NOMEM);
    gb_attribution_clear(&a);
    gb_alloc_fail_after(k);
    st = gb_segments_grid(&s2, &shape, 2, 1, &err);
    gb_alloc_fail_after(0);
    g_assert_true(st == GB_OK || st == GB_ERR_NOMEM);
    gb_segments_clear(&s2);
  }
  gb_segments_clear(&seg);
  g_free(x);
  gb_model_free(m);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/xai/segments/grid", test_segments_grid);
  g_test_add_func("/xai/segments/expand", test_segments_expand);
  g_test_add_func("/xai/segments/slic", test_segments_slic);
  g_test_add_func("/xai/segments/slic-boundary", test_segments_slic_boundary);
  g_test_add_func("/xai/segments/slic-kernel-shap", test_segments_slic_shap);
  g_test_add_func("/xai/segments/slic-invalid", test_segments_slic_invalid);
  g_test_add_func("/xai/occlusion/linear-1x1", test_occlusion_linear);
  g_test_add_func("/xai/occlusion/windows", test_occlusion_windows);
  g_test_add_func("/xai/occlusion/eeg", test_occlusion_eeg);
  g_test_add_func("/xai/kernel-shap/exact-vs-brute-force", test_shap_exact);
  g_test_add_func("/xai/kernel-shap/exact-background", test_shap_exact_background);
  g_test_add_func("/xai/kernel-shap/sampled-converges", test_shap_sampled_converges);
  g_test_add_func("/xai/kernel-shap/linear", test_shap_linear);
  g_test_add_func("/xai/kernel-shap/all-classes", test_shap_all_classes);
  g_test_add_func("/xai/permutation-shap/converges", test_permutation_converges);
  g_test_add_func("/xai/permutation-shap/linear", test_permutation_linear);
  g_test_add_func("/xai/lime/reference", test_lime_reference);
  g_test_add_func("/xai/lime/linear", test_lime_linear);
  g_test_add_func("/xai/perturb/seeded", test_seeded);
  g_test_add_func("/xai/perturb/cancel", test_cancel);
  g_test_add_func("/xai/perturb/invalid", test_invalid);
  g_test_add_func("/xai/perturb/memory-bounded", test_memory_bounded);
  g_test_add_func("/xai/perturb/nomem", test_nomem);
  return g_test_run();
}

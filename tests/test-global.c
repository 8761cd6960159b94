/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib.h>
#include <math.h>
#include <string.h>

#include "gb-adversarial.h"
#include "gb-alloc.h"
#include "gb-counterfactual.h"
#include "gb-global.h"
#include "gb-prototypes.h"
#include "gb-rng.h"
#include "gb-shattered.h"
#include "gb-synthetic.h"
#include "gb-test-util.h"

/* Global views on models whose answers are known: linear models with hand-set weights, where
 * counterfactuals, attacks and importances have closed forms. */

/* Sets a dense-only model's first layer: w (n_out, n_in) and b (n_out). */
static void
set_dense(GbModel *m, const float *w, const float *b)
{
  GbModelTensor t;
  gb_model_get_tensor(m, 0, &t);
  memcpy(t.data, w, t.count * sizeof(float));
  gb_model_get_tensor(m, 1, &t);
  memcpy(t.data, b, t.count * sizeof(float));
}

static GbModel *
linear_model(int n_in, int n_out, const float *w, const float *b)
{
  char spec[64];
  g_snprintf(spec, sizeof spec, "input(%d), dense(%d)", n_in, n_out);
  GbModel *m = gb_test_model_new(spec, 1);
  set_dense(m, w, b);
  return m;
}

/* ---- Prototypes ---- */

static void
test_prototypes_linear(void)
{
  /* A one-layer model compares inputs: class 0's mean is (0.02, 0.02) and its nearest member
   * row 4 = (0.1, 0.1); class 1's mean (5, 5) is itself row 5. */
  float x[] = {-1, 0, 1, 0, 0, 1, 0, -1, 0.1f, 0.1f, 5, 5, 4, 4, 6, 6};
  int labels[] = {0, 0, 0, 0, 0, 1, 1, 1};
  float w[] = {1, 0, 0, 1}, b[] = {0, 0};
  GbModel *m = linear_model(2, 2, w, b);
  g_assert_cmpint(gb_prototypes_default_layer(m), ==, -1);
  GbDataView v = {
      .n = 8, .shape = gb_shape_make(1, (int[]){2}), .x = x, .labels = labels, .n_classes = 2};
  GbPrototypes p;
  GbError err;
  g_assert_cmpint(gb_prototypes_find(m, &v, -2, 2, false, NULL, NULL, &p, &err), ==, GB_OK);
  g_assert_cmpfloat_with_epsilon(p.centres[0], 0.02, 1e-6);
  g_assert_cmpfloat_with_epsilon(p.centres[3], 5.0, 1e-6);
  g_assert_cmpint(p.index[0], ==, 4);
  g_assert_cmpint(p.index[2], ==, 5);
  g_assert_cmpfloat_with_epsilon(p.distance[0], sqrt(2) * 0.08, 1e-6);
  g_assert_cmpint(p.counts[0], ==, 5);
  g_assert_cmpint(p.counts[1], ==, 3);
  gb_prototypes_clear(&p);
  g_assert_cmpint(gb_prototypes_find(m, &v, 3, 1, false, NULL, NULL, &p, &err), ==, GB_ERR_INVALID);
  gb_model_free(m);
  /* In a deeper model the penultimate representation is the one the last dense layer reads. */
  m = gb_test_model_new("input(4), dense(8), relu, dense(3), softmax", 1);
  g_assert_cmpint(gb_prototypes_default_layer(m), ==, 1);
  gb_model_free(m);
}

/* ---- Counterfactuals ---- */

/* For f_t - f_o = w . x + b, the smallest L2 change that reaches margin k is
 * (k - g(x0)) / |w|^2 w: the counterfactual moves along w to (just past) the boundary. */
static void
test_counterfactual_linear(void)
{
  enum { D = 10 };
  float w[2 * D], b[2] = {0.5f, 0}, x0[D];
  gb_test_fill_uniform(w, 2 * D, -1, 1, 7);
  for (int i = 0; i < D; i++)
    x0[i] = 0.5f;
  GbModel *m = linear_model(D, 2, w, b);
  double dw[D], nw = 0, g0 = b[1] - b[0];
  for (int i = 0; i < D; i++) {
    dw[i] = w[D + i] - w[i];
    nw += dw[i] * dw[i];
    g0 += dw[i] * x0[i];
  }
  g_assert_cmpfloat(g0, <, 0); /* the model says class 0 at x0 */
  GbCounterfactualConfig cfg;
  gb_counterfactual_config_init(&cfg);
  cfg.l1 = 0;
  cfg.l2 = 1;
  cfg.c = 10;
  cfg.kappa = 0.05;
  cfg.steps = 400;
  cfg.lo = cfg.hi = 0; /* unbounded: the closed form has no box */
  GbCounterfactual r;
  GbError err;
  g_assert_cmpint(gb_counterfactual_find(m, x0, D, 1, &cfg, &r, &err), ==, GB_OK);
  g_assert_true(r.found);
  g_assert_cmpint(r.original_class, ==, 0);
  g_assert_cmpint(r.final_class, ==, 1);
  double dot = 0, nd = 0;
  for (int i = 0; i < D; i++) {
    double d = r.x[i] - x0[i];
    dot += d * dw[i];
    nd += d * d;
  }
  g_assert_cmpfloat(dot / sqrt(nd * nw), >, 0.999);
  double lo = -g0 / sqrt(nw), hi = (cfg.kappa - g0) / sqrt(nw);
  g_assert_cmpfloat(r.l2, >=, lo * 0.999);
  g_assert_cmpfloat(r.l2, <=, hi * 1.02);
  g_assert_cmpfloat_with_epsilon(r.prob_before[0] + r.prob_before[1], 1, 1e-9);
  g_assert_cmpfloat(r.prob_after[1], >, 0.5);
  gb_counterfactual_clear(&r);
  /* Asking for the class it already has is an error. */
  g_assert_cmpint(gb_counterfactual_find(m, x0, D, 0, &cfg, &r, &err), ==, GB_ERR_INVALID);
  gb_model_free(m);
}

/* With only an L1 cost the cheapest way across a linear boundary is to move the one feature
 * with the largest |w_t - w_o|: the proximal step keeps the change there. A pull towards a
 * prototype moves the answer closer to it. */
static void
test_counterfactual_sparse(void)
{
  enum { D = 8 };
  float w[2 * D] = {0}, b[2] = {0, 0}, x0[D];
  for (int i = 0; i < D; i++) {
    w[D + i] = 0.2f * (i % 3) - 0.1f; /* class 1 minus class 0: small ... */
    x0[i] = 0.5f;
  }
  w[D + 5] = 2.0f; /* ... except feature 5 */
  double g0 = 0;
  for (int i = 0; i < D; i++)
    g0 += w[D + i] * x0[i];
  b[0] = (float)(g0 + 0.5); /* g(x0) = -0.5: class 0 */
  GbModel *m = linear_model(D, 2, w, b);
  GbCounterfactualConfig cfg;
  gb_counterfactual_config_init(&cfg);
  cfg.l2 = 0;
  cfg.l1 = 0.5;
  cfg.c = 5;
  cfg.steps = 600;
  cfg.lr = 0.02;
  cfg.lo = cfg.hi = 0;
  GbCounterfactual r;
  GbError err;
  g_assert_cmpint(gb_counterfactual_find(m, x0, D, 1, &cfg, &r, &err), ==, GB_OK);
  g_assert_true(r.found);
  g_assert_cmpfloat(fabs(r.x[5] - x0[5]) / r.l1, >, 0.9);
  g_assert_cmpfloat(r.l1, <, 1.1 * (0.5 + cfg.kappa) / 2.0); /* |delta_5| = margin / w_5 */
  gb_counterfactual_clear(&r);
  /* The prototype term: the same search with a pull towards a point, ends nearer to it. */
  float proto[D];
  for (int i = 0; i < D; i++)
    proto[i] = 0.9f;
  double dist[2];
  for (int k = 0; k < 2; k++) {
    gb_counterfactual_config_init(&cfg);
    cfg.proto = k ? 0.5 : 0;
    cfg.prototype = proto;
    g_assert_cmpint(gb_counterfactual_find(m, x0, D, 1, &cfg, &r, &err), ==, GB_OK);
    g_assert_true(r.found);
    dist[k] = 0;
    for (int i = 0; i < D; i++)
      dist[k] += (r.x[i] - proto[i]) * (r.x[i] - proto[i]);
    gb_counterfactual_clear(&r);
  }
  g_assert_cmpfloat(dist[1], <, 0.5 * dist[0]);
  gb_model_free(m);
}

/* ---- Adversarial examples ---- */

/* One logit f = w . x + b, label 0: the BCE gradient is sigmoid(f) w, so FGSM adds eps sign(w). */
static void
test_fgsm_linear(void)
{
  enum { D = 12 };
  float w[D], b[1] = {-0.3f}, x[D];
  gb_test_fill_uniform(w, D, -1, 1, 3);
  gb_test_fill_uniform(x, D, 0.3f, 0.7f, 4);
  GbModel *m = linear_model(D, 1, w, b);
  GbAttackConfig cfg;
  gb_attack_config_init(&cfg);
  cfg.eps = 0.05;
  GbAttackResult r;
  GbError err;
  g_assert_cmpint(gb_attack_fgsm(m, x, D, 0, &cfg, &r, &err), ==, GB_OK);
  for (int i = 0; i < D; i++)
    g_assert_cmpfloat_with_epsilon(r.x[i] - x[i], w[i] > 0 ? 0.05 : -0.05, 1e-6);
  g_assert_cmpfloat_with_epsilon(r.linf, 0.05, 1e-6);
  g_assert_cmpfloat_with_epsilon(r.l2, 0.05 * sqrt(D), 1e-5);
  gb_attack_result_clear(&r);
  gb_model_free(m);
}

/* Two classes, g = f_1 - f_0 = v . x + c < 0: the smallest L-inf change that flips is
 * eps* = -g / |v|_1. PGD must flip within 1.05 eps* and cannot within 0.95 eps*. */
static void
test_pgd_budget(void)
{
  enum { D = 16 };
  float w[2 * D], b[2] = {0, 0}, x[D];
  gb_test_fill_uniform(w, 2 * D, -1, 1, 11);
  gb_test_fill_uniform(x, D, 0.4f, 0.6f, 12);
  double vx = 0, l1 = 0;
  for (int i = 0; i < D; i++) {
    vx += (w[D + i] - w[i]) * x[i];
    l1 += fabs(w[D + i] - w[i]);
  }
  b[0] = (float)(vx + 0.3); /* g(x) = -0.3 */
  GbModel *m = linear_model(D, 2, w, b);
  double g = vx - b[0];
  double eps_star = -g / l1;
  g_assert_cmpfloat(eps_star, <, 0.35); /* the box [0, 1] is not in the way */
  GbAttackConfig cfg;
  gb_attack_config_init(&cfg);
  GbError err;
  for (int targeted = 0; targeted < 2; targeted++) {
    cfg.target = targeted ? 1 : -1;
    for (int k = 0; k < 2; k++) {
      cfg.eps = eps_star * (k ? 1.05 : 0.95);
      cfg.step = cfg.eps / 4;
      cfg.iterations = 40;
      GbAttackResult r;
      g_assert_cmpint(gb_attack_pgd(m, x, D, 0, &cfg, &r, &err), ==, GB_OK);
      g_assert_cmpfloat(r.linf, <=, cfg.eps + 1e-6);
      for (int i = 0; i < D; i++)
        g_assert_true(r.x[i] >= 0 && r.x[i] <= 1);
      g_assert_cmpint(r.class_before, ==, 0);
      g_assert_cmpint(r.success, ==, k == 1);
      g_assert_cmpint(r.class_after, ==, k == 1 ? 1 : 0);
      gb_attack_result_clear(&r);
    }
  }
  gb_model_free(m);
}

static void
test_explanation_change(void)
{
  float a[] = {5, -4, 3, 0.1f, 0.2f, 0.3f}, b[] = {5, -4, 0.05f, 3, 0.2f, 0.3f};
  GbExplanationChange c;
  GbError err;
  g_assert_cmpint(gb_explanation_change(a, a, 6, 2, &c, &err), ==, GB_OK);
  g_assert_cmpfloat_with_epsilon(c.spearman, 1, 1e-12);
  g_assert_cmpfloat_with_epsilon(c.topk_overlap, 1, 1e-12);
  /* top 3 by |value|: {0, 1, 2} against {0, 1, 3} */
  g_assert_cmpint(gb_explanation_change(a, b, 6, 3, &c, &err), ==, GB_OK);
  g_assert_cmpfloat_with_epsilon(c.topk_overlap, 2.0 / 3, 1e-12);
  g_assert_cmpfloat(c.spearman, <, 1);
  g_assert_cmpint(gb_explanation_change(a, b, 6, 7, &c, &err), ==, GB_ERR_INVALID);
}

/* ---- Importance ---- */

/* Labels are the model's own predictions, so every drop comes from the shuffled feature; the
 * model's weights on feature 3 are zero, so shuffling it changes nothing. */
static void
test_permutation_importance(void)
{
  enum { N = 300, D = 4 };
  float w[] = {3, 0.5f, -0.2f, 0, -3, -0.5f, 0.2f, 0}, b[] = {0, 0};
  GbModel *m = linear_model(D, 2, w, b);
  float *x = g_new(float, N *D);
  int *labels = g_new(int, N);
  gb_test_fill_uniform(x, N * D, -1, 1, 5);
  GbError err;
  g_assert_cmpint(gb_global_predict(m, x, N, labels, &err), ==, GB_OK);
  GbDataView v = {
      .n = N, .shape = gb_shape_make(1, (int[]){D}), .x = x, .labels = labels, .n_classes = 2};
  GbPermutationImportance r;
  g_assert_cmpint(gb_global_permutation_importance(m, &v, NULL, 5, 9, NULL, NULL, &r, &err), ==,
                  GB_OK);
  g_assert_cmpfloat(r.base_accuracy, ==, 1.0);
  g_assert_cmpfloat(r.drop[3], ==, 0.0);
  g_assert_cmpfloat(r.drop_sd[3], ==, 0.0);
  g_assert_cmpfloat(r.drop[0], >, 0.3); /* the dominant feature */
  g_assert_cmpfloat(r.drop[0], >, r.drop[1]);
  g_assert_cmpfloat(r.drop[1], >, r.drop[3]);
  /* The same seed gives the same figures. */
  GbPermutationImportance r2;
  g_assert_cmpint(gb_global_permutation_importance(m, &v, NULL, 5, 9, NULL, NULL, &r2, &err), ==,
                  GB_OK);
  g_assert_cmpmem(r.drop, D * sizeof(double), r2.drop, D * sizeof(double));
  gb_permutation_importance_clear(&r);
  gb_permutation_importance_clear(&r2);
  v.labels = NULL;
  g_assert_cmpint(gb_global_permutation_importance(m, &v, NULL, 5, 9, NULL, NULL, &r, &err), ==,
                  GB_ERR_INVALID);
  g_free(x);
  g_free(labels);
  gb_model_free(m);
}

/* Exact Shapley values of a linear model over single features with a zeros baseline are
 * w_ci x_i, so mean |SHAP| is the mean of |w_ci x_i| over the samples. */
static void
test_shap_importance(void)
{
  enum { N = 6, D = 5, C = 3 };
  float w[C * D], b[C] = {0.1f, -0.2f, 0.3f}, x[N * D];
  gb_test_fill_uniform(w, C * D, -1, 1, 21);
  gb_test_fill_uniform(x, N * D, -1, 1, 22);
  w[0 * D + 2] = w[1 * D + 2] = w[2 * D + 2] = 0; /* feature 2 is ignored */
  GbModel *m = linear_model(D, C, w, b);
  GbDataView v = {.n = N, .shape = gb_shape_make(1, (int[]){D}), .x = x};
  GbSegments seg;
  GbError err;
  g_assert_cmpint(gb_segments_features(&seg, &v.shape, &err), ==, GB_OK);
  GbShapImportance r;
  g_assert_cmpint(gb_global_shap_importance(m, &v, &seg, NULL, 0, NULL, NULL, &r, &err), ==, GB_OK);
  g_assert_cmpint(r.n_samples, ==, N);
  for (int c = 0; c < C; c++)
    for (int i = 0; i < D; i++) {
      double e = 0;
      for (int s = 0; s < N; s++)
        e += fabs(w[c * D + i] * x[s * D + i]) / N;
      g_assert_cmpfloat_with_epsilon(r.mean_abs[c * D + i], e, 1e-5);
    }
  g_assert_cmpfloat(r.overall[2], <, 1e-6);
  gb_shap_importance_clear(&r);
  gb_segments_clear(&seg);
  gb_model_free(m);
}

/* ---- Class-mean maps ---- */

static GbModel *
trained_mlp(GbDataset **train_out)
{
  GbError err;
  GbDataset *train = gb_synthetic_images(600, 4, 12, 1, 0.05, 1, &err);
  g_assert_nonnull(train);
  GbModel *m = gb_test_model_new("input(1,12,12), flatten, dense(32), relu, dense(4)", 3);
  GbTrainConfig tc;
  gb_train_config_init(&tc);
  tc.epochs = 8;
  GbDataView tv = gb_dataset_view(train);
  g_assert_cmpint(gb_train(m, &tv, NULL, &tc, NULL, &err), ==, GB_OK);
  *train_out = train;
  return m;
}

/* Class maps over batches of 7 equal the mean of per-sample gradient x input maps computed one
 * by one through gb_attribution_grad_x_input. */
static void
test_class_maps_mean(void)
{
  GbDataset *train;
  GbModel *m = trained_mlp(&train);
  GbDataView v = gb_dataset_view_range(train, 0, 50);
  GbClassMapConfig cfg;
  gb_class_map_config_init(&cfg);
  cfg.explain = gb_explain_batch_grad_x_input;
  cfg.batch = 7;
  GbClassMaps r;
  GbError err;
  g_assert_cmpint(gb_global_class_maps(m, &v, &cfg, &r, &err), ==, GB_OK);
  enum { D = 144 };
  double sums[4][D] = {{0}};
  int counts[4] = {0};
  for (int s = 0; s < v.n; s++) {
    const float *x = v.x + s * D, *z;
    g_assert_cmpint(gb_model_forward(m, x, 1, false, &z, &err), ==, GB_OK);
    int c = 0;
    for (int j = 1; j < 4; j++)
      c = z[j] > z[c] ? j : c;
    GbTarget t = gb_target_class(c);
    GbAttribution a;
    g_assert_cmpint(gb_attribution_grad_x_input(m, x, D, &t, &a, &err), ==, GB_OK);
    for (int i = 0; i < D; i++)
      sums[c][i] += a.values[i];
    counts[c]++;
    gb_attribution_clear(&a);
  }
  int total = 0;
  for (int c = 0; c < 4; c++) {
    g_assert_cmpint(r.counts[c], ==, counts[c]);
    total += r.counts[c];
    for (int i = 0; counts[c] > 0 && i < D; i++)
      g_assert_cmpfloat(fabs(r.maps[c * D + i] - sums[c][i] / counts[c]), <, 1e-5);
  }
  g_assert_cmpint(total, ==, 50);
  gb_class_maps_clear(&r);
  /* By label: the counts are the label counts. */
  cfg.group = GB_GLOBAL_CLASS_TRUE;
  g_assert_cmpint(gb_global_class_maps(m, &v, &cfg, &r, &err), ==, GB_OK);
  int n0 = 0;
  for (int s = 0; s < v.n; s++)
    n0 += v.labels[s] == 0;
  g_assert_cmpint(r.counts[0], ==, n0);
  gb_class_maps_clear(&r);
  gb_model_free(m);
  gb_dataset_free(train);
}

/* ---- Activation maximisation ---- */

/* Without penalties or blur the maximiser of w . x + b over [0, 1]^d is 1 where w > 0 and 0
 * where w < 0. */
static void
test_actmax_linear(void)
{
  enum { D = 36 };
  float w[2 * D], b[2] = {0, 0};
  gb_test_fill_uniform(w, 2 * D, -1, 1, 31);
  GbModel *m = gb_test_model_new("input(1,6,6), flatten, dense(2)", 1);
  GbModelTensor t;
  gb_model_get_tensor(m, 0, &t);
  memcpy(t.data, w, sizeof w);
  gb_model_get_tensor(m, 1, &t);
  memcpy(t.data, b, sizeof b);
  GbActMaxConfig cfg;
  gb_actmax_config_init(&cfg);
  cfg.l2 = cfg.tv = 0;
  cfg.blur_every = 0;
  cfg.start = 0.5f;
  cfg.steps = 500;
  cfg.lr = 0.5; /* normalised steps: small weights move slowly */
  GbActMax r;
  GbError err;
  g_assert_cmpint(gb_activation_maximise(m, 1, &cfg, &r, &err), ==, GB_OK);
  for (int i = 0; i < D; i++)
    g_assert_cmpfloat(r.x[i], ==, w[D + i] > 0 ? 1.0f : 0.0f);
  gb_actmax_clear(&r);
  gb_model_free(m);
  m = gb_test_model_new("input(36), dense(2)", 1);
  g_assert_cmpint(gb_activation_maximise(m, 1, &cfg, &r, &err), ==, GB_ERR_UNSUPPORTED);
  gb_model_free(m);
}

/* On a trained MLP, with the default regularisation: the logit rises, values stay in [0, 1]. */
static void
test_actmax_trained(void)
{
  GbDataset *train;
  GbModel *m = trained_mlp(&train);
  GbActMaxConfig cfg;
  gb_actmax_config_init(&cfg);
  GbError err;
  for (int c = 0; c < 4; c++) {
    GbActMax r;
    g_assert_cmpint(gb_activation_maximise(m, c, &cfg, &r, &err), ==, GB_OK);
    g_assert_cmpfloat(r.logit_end, >, r.logit_start + 1);
    g_assert_cmpfloat(r.prob_end, >, 0.9);
    for (int i = 0; i < 144; i++)
      g_assert_true(r.x[i] >= 0 && r.x[i] <= 1);
    gb_actmax_clear(&r);
  }
  gb_model_free(m);
  gb_dataset_free(train);
}

/* ---- Shattered gradients ---- */

static void
test_roughness(void)
{
  enum { H = 10, W = 10 };
  float a[H * W];
  GbShape s = gb_shape_make(3, (int[]){1, H, W});
  GbMapRoughness r;
  GbError err;
  for (int i = 0; i < H; i++)
    for (int j = 0; j < W; j++)
      a[i * W + j] = ((i + j) % 2) ? 1.0f : -1.0f; /* checkerboard: every neighbour flips */
  g_assert_cmpint(gb_map_roughness(a, &s, &r, &err), ==, GB_OK);
  g_assert_cmpfloat_with_epsilon(r.neighbour_corr, -1, 1e-9);
  g_assert_cmpfloat_with_epsilon(r.tv_ratio, 2, 1e-9);
  for (int i = 0; i < H * W; i++)
    a[i] = 1.0f + 0.01f * i; /* a gentle ramp */
  g_assert_cmpint(gb_map_roughness(a, &s, &r, &err), ==, GB_OK);
  g_assert_cmpfloat(r.neighbour_corr, >, 0.95);
  g_assert_cmpfloat(r.tv_ratio, <, 0.1);
  float *noise = g_new(float, 100 * 100);
  GbRng rng;
  gb_rng_seed(&rng, 5);
  for (int i = 0; i < 100 * 100; i++)
    noise[i] = (float)gb_rng_normal(&rng);
  GbShape big = gb_shape_make(3, (int[]){1, 100, 100});
  g_assert_cmpint(gb_map_roughness(noise, &big, &r, &err), ==, GB_OK);
  g_assert_cmpfloat(fabs(r.neighbour_corr), <, 0.03);
  g_assert_cmpfloat(fabs(r.tv_ratio - sqrt(2)), <, 0.05);
  g_free(noise);
}

/* SmoothGrad's maps are smoother than the plain gradient's on a trained network. */
static void
test_shattered_model(void)
{
  GbDataset *train;
  GbModel *m = trained_mlp(&train);
  GbDataView v = gb_dataset_view_range(train, 0, 10);
  GbShatteredSummary s;
  GbError err;
  g_assert_cmpint(gb_shattered_gradients(m, &v, 0, NULL, NULL, NULL, &s, &err), ==, GB_OK);
  g_assert_cmpint(s.n_samples, ==, 10);
  g_assert_cmpfloat(s.smoothgrad.neighbour_corr, >, s.gradient.neighbour_corr);
  g_assert_cmpfloat(s.smoothgrad.tv_ratio, <, s.gradient.tv_ratio);
  gb_model_free(m);
  gb_dataset_free(train);
}

/* ---- Bad input, cancellation, one-output models ---- */

static bool
stop_now(void *user, double fraction, const char *stage)
{
  (void)fraction;
  (void)stage;
  (*(int *)user)++;
  return false;
}

static void
test_bad_input(void)
{
  enum { N = 20, D = 4 };
  float w[] = {1, -1, 0.5f, 0}, b[] = {0.1f};
  GbModel *m = linear_model(D, 1, w, b);
  float x[N * D];
  int labels[N];
  gb_test_fill_uniform(x, N * D, -1, 1, 41);
  GbError err;
  g_assert_cmpint(gb_global_predict(m, x, N, labels, &err), ==, GB_OK);
  GbDataView v = {
      .n = N, .shape = gb_shape_make(1, (int[]){D}), .x = x, .labels = labels, .n_classes = 2};
  /* A one-output model: two groups, each explaining the one logit. */
  GbClassMapConfig cfg;
  gb_class_map_config_init(&cfg);
  cfg.explain = gb_explain_batch_grad_x_input;
  GbClassMaps r;
  g_assert_cmpint(gb_global_class_maps(m, &v, &cfg, &r, &err), ==, GB_OK);
  g_assert_cmpint(r.n_classes, ==, 2);
  g_assert_cmpint(r.counts[0] + r.counts[1], ==, N);
  double e = 0;
  int n1 = 0;
  for (int s = 0; s < N; s++)
    if (labels[s] == 1) {
      e += w[0] * x[s * D];
      n1++;
    }
  g_assert_cmpfloat_with_epsilon(r.maps[1 * D + 0], e / n1, 1e-5); /* w_0 x_0 over group 1 */
  g_assert_cmpfloat(r.maps[0 * D + 3], ==, 0);
  gb_class_maps_clear(&r);
  /* Cancelled at the first report: an error, and nothing left allocated. */
  int calls = 0;
  cfg.progress = stop_now;
  cfg.user = &calls;
  g_assert_cmpint(gb_global_class_maps(m, &v, &cfg, &r, &err), ==, GB_ERR_CANCELLED);
  g_assert_cmpint(calls, ==, 1);
  g_assert_null(r.maps);
  GbPermutationImportance p;
  g_assert_cmpint(gb_global_permutation_importance(m, &v, NULL, 2, 1, stop_now, &calls, &p, &err),
                  ==, GB_ERR_CANCELLED);
  g_assert_null(p.drop);
  /* Non-finite inputs and wrong shapes are refused with a message. */
  x[5] = NAN;
  cfg.progress = NULL;
  g_assert_cmpint(gb_global_class_maps(m, &v, &cfg, &r, &err), ==, GB_ERR_NUMERIC);
  GbCounterfactual cf;
  g_assert_cmpint(gb_counterfactual_find(m, x + 4, D, 1, NULL, &cf, &err), ==, GB_ERR_NUMERIC);
  GbAttackResult a;
  g_assert_cmpint(gb_attack_fgsm(m, x + 4, D, 0, NULL, &a, &err), ==, GB_ERR_NUMERIC);
  x[5] = 0;
  g_assert_cmpint(gb_attack_pgd(m, x, D + 1, 0, NULL, &a, &err), ==, GB_ERR_SHAPE);
  v.shape = gb_shape_make(1, (int[]){D - 1});
  g_assert_cmpint(gb_global_class_maps(m, &v, &cfg, &r, &err), ==, GB_ERR_SHAPE);
  v.n = 0;
  g_assert_cmpint(gb_global_class_maps(m, &v, &cfg, &r, &err), ==, GB_ERR_INVALID);
  gb_model_free(m);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/global/prototypes/linear", test_prototypes_linear);
  g_test_add_func("/global/counterfactual/linear", test_counterfactual_linear);
  g_test_add_func("/global/counterfactual/sparse-and-prototype", test_counterfactual_sparse);
  g_test_add_func("/global/adversarial/fgsm-linear", test_fgsm_linear);
  g_test_add_func("/global/adversarial/pgd-budget", test_pgd_budget);
  g_test_add_func("/global/adversarial/explanation-change", test_explanation_change);
  g_test_add_func("/global/importance/permutation", test_permutation_importance);
  g_test_add_func("/global/importance/shap", test_shap_importance);
  g_test_add_func("/global/class-maps/mean", test_class_maps_mean);
  g_test_add_func("/global/actmax/linear", test_actmax_linear);
  g_test_add_func("/global/actmax/trained", test_actmax_trained);
  g_test_add_func("/global/shattered/roughness", test_roughness);
  g_test_add_func("/global/shattered/model", test_shattered_model);
  g_test_add_func("/global/bad-input", test_bad_input);
  return g_test_run();
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib.h>
#include <math.h>
#include <string.h>

#include "gb-alloc.h"
#include "gb-faithfulness.h"
#include "gb-affine-prefix.h"
#include "gb-rng.h"
#include "gb-synthetic.h"
#include "gb-test-util.h"

/* The methods.md §1.4 set-up: a linear model whose weights are zero outside Q of D features. */
#define D 100
#define Q 10
#define N_LIN 300
#define CNN_SPEC "input(1,8,8), conv2d(4,3,pad=1), relu, flatten, dense(3)"

typedef struct {
  GbModel *m;
  float *x;
  int *labels;
  GbDataView view;
} Fixture;

static void
fixture_clear(Fixture *f)
{
  gb_model_free(f->m);
  g_free(f->x);
  g_free(f->labels);
}

static void
make_data(Fixture *f, int n, size_t d, const GbShape *shape, int n_classes, uint64_t seed)
{
  f->x = g_new(float, (size_t)n * d);
  gb_test_fill_uniform(f->x, (size_t)n * d, -1.0f, 1.0f, seed);
  f->labels = g_new(int, n);
  for (int i = 0; i < n; i++) f->labels[i] = i % n_classes;
  f->view = (GbDataView){.n = n, .shape = *shape, .x = f->x, .labels = f->labels,
                         .n_classes = n_classes};
}

/* dense(3) on D inputs: weights of magnitude in [0.5, 1.5] with random signs on the first Q
 * features (spread over the input), exactly 0 elsewhere. */
static void
linear_fixture(Fixture *f)
{
  GbError err;
  g_assert_cmpint(gb_model_new_from_spec("input(100), dense(3)", 1, &f->m, &err), ==, GB_OK);
  GbModelTensor w, b;
  gb_model_get_tensor(f->m, 0, &w);
  gb_model_get_tensor(f->m, 1, &b);
  g_assert_false(w.is_bias);
  GbRng rng;
  gb_rng_seed(&rng, 7);
  memset(w.data, 0, w.count * sizeof *w.data);
  for (int c = 0; c < 3; c++)
    for (int j = 0; j < Q; j++) {
      double v = 0.5 + gb_rng_uniform(&rng);
      w.data[c * D + j * (D / Q) + 3] = (float)(gb_rng_uniform(&rng) < 0.5 ? -v : v);
    }
  gb_test_fill_uniform(b.data, b.count, -0.1f, 0.1f, 8);
  GbShape s = gb_shape_1d(D);
  make_data(f, N_LIN, D, &s, 3, 11);
}

static void
cnn_fixture(Fixture *f, int n)
{
  GbError err;
  g_assert_cmpint(gb_model_new_from_spec(CNN_SPEC, 3, &f->m, &err), ==, GB_OK);
  GbShape s = gb_shape_3d(1, 8, 8);
  make_data(f, n, 64, &s, 3, 21);
}

static GbFaithfulnessCurve
run_curve(Fixture *f, const GbFaithfulnessConfig *cfg)
{
  GbFaithfulnessCurve c;
  GbError err;
  GbStatus st = gb_faithfulness_curve(f->m, &f->view, cfg, &c, &err);
  if (st != GB_OK)
    g_error("faithfulness curve: %s", err.message);
  return c;
}

static GbEpcSummary
summarise(const GbFaithfulnessCurve *c)
{
  GbEpcSummary s;
  GbError err;
  if (gb_epc_summarise(c, &s, &err) != GB_OK)
    g_error("EPC: %s", err.message);
  return s;
}

/* ---- Explainers the tests plug in ---- */

/* |w_c ⊙ x| negated: the reversed (least relevant first) ranking. */
static GbStatus
explain_reversed(void *user, GbModel *m, const float *x, int nb, const int *classes, float *maps,
                 GbError *err)
{
  (void)user;
  GbStatus st = gb_explain_batch_grad_x_input(NULL, m, x, nb, classes, maps, err);
  for (size_t i = 0; st == GB_OK && i < (size_t)nb * gb_model_input_size(m); i++)
    maps[i] = -fabsf(maps[i]);
  return st;
}

/* Uniform noise from a generator the test owns: a random explainer. */
static GbStatus
explain_random(void *user, GbModel *m, const float *x, int nb, const int *classes, float *maps,
               GbError *err)
{
  (void)x, (void)classes, (void)err;
  for (size_t i = 0; i < (size_t)nb * gb_model_input_size(m); i++)
    maps[i] = (float)gb_rng_uniform(user);
  return GB_OK;
}

/* Gradient x input on a 1/64 lattice, so a monotone map of it keeps distinct values distinct
 * in float; then @user's transform. */
typedef enum { AS_IS, MONOTONE, SCALED } Transform;

static GbStatus
explain_transformed(void *user, GbModel *m, const float *x, int nb, const int *classes,
                    float *maps, GbError *err)
{
  Transform t = *(const Transform *)user;
  GbStatus st = gb_explain_batch_grad_x_input(NULL, m, x, nb, classes, maps, err);
  for (size_t i = 0; st == GB_OK && i < (size_t)nb * gb_model_input_size(m); i++) {
    double v = round(maps[i] * 64.0) / 64.0;
    maps[i] = (float)(t == AS_IS ? v : t == MONOTONE ? exp(v) + v * v * v : 5.0 * v);
  }
  return st;
}

static GbStatus
explain_nan(void *user, GbModel *m, const float *x, int nb, const int *classes, float *maps,
            GbError *err)
{
  GbStatus st = gb_explain_batch_saliency(user, m, x, nb, classes, maps, err);
  maps[(size_t)nb * gb_model_input_size(m) - 2] = NAN;
  return st;
}

/* ---- Tests ---- */

/* p = 1 as soon as m_k >= q, and EPC_best = 2(1 - q/d) / (2 - q/d) at rho = q/d. */
static void
test_linear_sparse(void)
{
  Fixture f;
  linear_fixture(&f);
  GbFaithfulnessConfig cfg;
  gb_faithfulness_config_init(&cfg);
  cfg.ranking = GB_FAITHFULNESS_RANK_ABS;
  GbFaithfulnessCurve c = run_curve(&f, &cfg);
  GbEpcSummary s = summarise(&c);
  g_assert_cmpfloat(c.full, ==, 1.0);
  for (int k = 0; k < c.n_grid; k++) {
    if (ceil(c.grid[k] * D - 1e-6) >= Q) {
      g_assert_cmpfloat(c.explainer[k], ==, 1.0);
      g_assert_cmpfloat(s.p[k], ==, 1.0);
    } else {
      g_assert_cmpfloat(s.p[k], <, 1.0);
    }
  }
  double r = (double)Q / D;
  g_assert_cmpfloat_with_epsilon(s.explainer.best, 2 * (1 - r) / (2 - r), 1e-12);
  g_assert_cmpfloat_with_epsilon(s.explainer.best_keep, r, 1e-12);
  g_assert_cmpfloat(s.explainer.best_p, ==, 1.0);
  g_assert_cmpfloat(s.delta_best, >, 3 * s.random_best_sd);
  g_assert_cmpfloat(s.delta_area, >, 3 * s.random_area_sd);
  gb_faithfulness_curve_clear(&c);
  fixture_clear(&f);
}

static void
test_random_explainer(void)
{
  Fixture f;
  linear_fixture(&f);
  GbRng rng;
  gb_rng_seed(&rng, 99);
  GbFaithfulnessConfig cfg;
  gb_faithfulness_config_init(&cfg);
  cfg.explain = explain_random;
  cfg.explain_user = &rng;
  GbFaithfulnessCurve c = run_curve(&f, &cfg);
  GbEpcSummary s = summarise(&c);
  g_assert_cmpfloat(s.random_area_sd, >, 0.0);
  g_assert_cmpfloat(fabs(s.delta_area), <=, 3 * s.random_area_sd);
  g_assert_cmpfloat(fabs(s.delta_best), <=, 3 * s.random_best_sd);
  for (int k = 0; k < c.n_grid; k++)
    g_assert_cmpfloat(fabs(c.explainer[k] - c.random_mean[k]), <=, 3 * c.random_sd[k] + 0.02);
  gb_faithfulness_curve_clear(&c);
  fixture_clear(&f);
}

static void
test_reversed(void)
{
  Fixture f;
  linear_fixture(&f);
  GbFaithfulnessConfig cfg;
  gb_faithfulness_config_init(&cfg);
  cfg.explain = explain_reversed;
  GbFaithfulnessCurve c = run_curve(&f, &cfg);
  GbEpcSummary s = summarise(&c);
  g_assert_cmpfloat(s.delta_area, <, -3 * s.random_area_sd);
  g_assert_cmpfloat(s.delta_best, <, -3 * s.random_best_sd);
  gb_faithfulness_curve_clear(&c);
  fixture_clear(&f);
}

/* Only ranks matter: a strictly increasing map of phi (signed ranking) or a positive scale
 * (|phi| ranking) leaves the curve and the EPC unchanged bit for bit. */
static void
test_monotone_invariance(void)
{
  Fixture f;
  cnn_fixture(&f, 90);
  for (int ranking = 0; ranking < 2; ranking++) {
    Transform t = AS_IS, u = ranking == GB_FAITHFULNESS_RANK_SIGNED ? MONOTONE : SCALED;
    GbFaithfulnessConfig cfg;
    gb_faithfulness_config_init(&cfg);
    cfg.ranking = ranking;
    cfg.n_random = 2;
    cfg.explain = explain_transformed;
    cfg.explain_user = &t;
    GbFaithfulnessCurve a = run_curve(&f, &cfg);
    cfg.explain_user = &u;
    GbFaithfulnessCurve b = run_curve(&f, &cfg);
    g_assert_cmpmem(a.explainer, a.n_grid * sizeof(double), b.explainer,
                    b.n_grid * sizeof(double));
    GbEpcSummary sa = summarise(&a), sb = summarise(&b);
    g_assert_cmpfloat(sa.explainer.area, ==, sb.explainer.area);
    g_assert_cmpfloat(sa.explainer.best, ==, sb.explainer.best);
    gb_faithfulness_curve_clear(&a);
    gb_faithfulness_curve_clear(&b);
  }
  fixture_clear(&f);
}

/* Keeping every feature is the original input: p_K = 1 for the agreement measure, for the
 * explainer and every random ranking, whatever the baseline. */
static void
test_full_keep(void)
{
  Fixture f;
  cnn_fixture(&f, 70);
  GbBaselineKind kinds[] = {GB_BASELINE_ZEROS, GB_BASELINE_MEAN, GB_BASELINE_BLUR};
  for (unsigned i = 0; i < G_N_ELEMENTS(kinds); i++) {
    GbFaithfulnessConfig cfg;
    gb_faithfulness_config_init(&cfg);
    cfg.baseline.kind = kinds[i];
    cfg.n_random = 3;
    GbFaithfulnessCurve c = run_curve(&f, &cfg);
    int K = c.n_grid;
    g_assert_cmpfloat(c.grid[K - 1], ==, 1.0);
    g_assert_cmpfloat(c.explainer[K - 1], ==, 1.0);
    g_assert_cmpfloat(c.random_mean[K - 1], ==, 1.0);
    g_assert_cmpfloat(c.random_sd[K - 1], ==, 0.0);
    GbEpcSummary s = summarise(&c);
    g_assert_cmpfloat(s.p[K - 1], ==, 1.0);
    gb_faithfulness_curve_clear(&c);
  }
  fixture_clear(&f);
}

/* Deleting the most relevant features first hurts more than deleting random ones (larger
 * AOPC); deleting the least relevant first hurts less. */
static void
test_deletion_aopc(void)
{
  Fixture f;
  linear_fixture(&f);
  GbFaithfulnessConfig cfg;
  gb_faithfulness_config_init(&cfg);
  cfg.ranking = GB_FAITHFULNESS_RANK_ABS;
  cfg.mode = GB_FAITHFULNESS_MORF;
  GbFaithfulnessCurve morf = run_curve(&f, &cfg);
  cfg.mode = GB_FAITHFULNESS_LERF;
  GbFaithfulnessCurve lerf = run_curve(&f, &cfg);
  GbFaithfulnessAopc am, al;
  GbError err;
  g_assert_cmpint(gb_faithfulness_aopc(&morf, &am, &err), ==, GB_OK);
  g_assert_cmpint(gb_faithfulness_aopc(&lerf, &al, &err), ==, GB_OK);
  g_assert_cmpfloat(am.explainer, >, am.random_mean + 3 * am.random_sd);
  g_assert_cmpfloat(al.explainer, <, al.random_mean - 3 * al.random_sd);
  /* nothing deleted at rho = 0: the original predictions */
  g_assert_cmpfloat(morf.explainer[0], ==, 1.0);
  /* deletion AUC low for MoRF, and MoRF below LeRF (ABPC > 0) */
  double auc_m = gb_faithfulness_auc(morf.grid, morf.explainer, morf.n_grid);
  double auc_l = gb_faithfulness_auc(lerf.grid, lerf.explainer, lerf.n_grid);
  g_assert_cmpfloat(auc_l - auc_m, >, 0.3);
  /* the EPC is defined on keep curves only */
  GbEpcSummary s;
  g_assert_cmpint(gb_epc_summarise(&morf, &s, &err), ==, GB_ERR_INVALID);
  gb_faithfulness_curve_clear(&morf);
  gb_faithfulness_curve_clear(&lerf);
  fixture_clear(&f);
}

/* INSERT evaluates the same inputs as KEEP. */
static void
test_insert_equals_keep(void)
{
  Fixture f;
  cnn_fixture(&f, 50);
  GbFaithfulnessConfig cfg;
  gb_faithfulness_config_init(&cfg);
  cfg.n_random = 2;
  GbFaithfulnessCurve keep = run_curve(&f, &cfg);
  cfg.mode = GB_FAITHFULNESS_INSERT;
  GbFaithfulnessCurve ins = run_curve(&f, &cfg);
  g_assert_cmpmem(keep.explainer, keep.n_grid * sizeof(double), ins.explainer,
                  ins.n_grid * sizeof(double));
  gb_faithfulness_curve_clear(&keep);
  gb_faithfulness_curve_clear(&ins);
  fixture_clear(&f);
}

static bool
stop_at_second_call(void *user, double fraction, const char *stage)
{
  (void)fraction, (void)stage;
  return ++*(int *)user < 2;
}

static void
test_cancel(void)
{
  Fixture f;
  cnn_fixture(&f, 100);
  int calls = 0;
  GbFaithfulnessConfig cfg;
  gb_faithfulness_config_init(&cfg);
  cfg.batch = 16;
  cfg.progress = stop_at_second_call;
  cfg.user = &calls;
  GbFaithfulnessCurve c;
  GbError err;
  g_assert_cmpint(gb_faithfulness_curve(f.m, &f.view, &cfg, &c, &err), ==, GB_ERR_CANCELLED);
  g_assert_cmpint(calls, ==, 2);
  g_assert_nonnull(strstr(err.message, "cancelled"));
  g_assert_null(c.explainer);
  g_assert_null(c.random);
  /* the model is still usable */
  cfg.progress = NULL;
  c = run_curve(&f, &cfg);
  gb_faithfulness_curve_clear(&c);
  fixture_clear(&f);
}

/* The same seed gives the same curves, whatever the batch size; another seed other random
 * rankings. */
static void
test_deterministic(void)
{
  Fixture f;
  cnn_fixture(&f, 60);
  GbFaithfulnessConfig cfg;
  gb_faithfulness_config_init(&cfg);
  cfg.seed = 5;
  cfg.n_random = 4;
  GbFaithfulnessCurve a = run_curve(&f, &cfg);
  cfg.batch = 7;
  GbFaithfulnessCurve b = run_curve(&f, &cfg);
  cfg.seed = 6;
  GbFaithfulnessCurve c = run_curve(&f, &cfg);
  size_t n_rand = (size_t)a.n_random * a.n_grid * sizeof(double);
  g_assert_cmpmem(a.explainer, a.n_grid * sizeof(double), b.explainer, b.n_grid * sizeof(double));
  g_assert_cmpmem(a.random, n_rand, b.random, n_rand);
  g_assert_cmpmem(a.explainer, a.n_grid * sizeof(double), c.explainer, c.n_grid * sizeof(double));
  g_assert_true(memcmp(a.random, c.random, n_rand) != 0);
  gb_faithfulness_curve_clear(&a);
  gb_faithfulness_curve_clear(&b);
  gb_faithfulness_curve_clear(&c);
  fixture_clear(&f);
}

static void
expect_refused(Fixture *f, const GbFaithfulnessConfig *cfg, GbStatus code, const char *words)
{
  GbFaithfulnessCurve c;
  GbError err = {0};
  g_assert_cmpint(gb_faithfulness_curve(f->m, &f->view, cfg, &c, &err), ==, code);
  if (strstr(err.message, words) == NULL)
    g_error("expected \"%s\" in \"%s\"", words, err.message);
  g_assert_null(c.explainer);
}

static void
test_bad_inputs(void)
{
  Fixture f;
  cnn_fixture(&f, 20);
  GbFaithfulnessConfig cfg;
  gb_faithfulness_config_init(&cfg);
  cfg.n_random = 1;

  GbDataView full = f.view;
  f.view.n = 0;
  expect_refused(&f, &cfg, GB_ERR_INVALID, "empty");
  f.view = full;

  cfg.explain = explain_nan;
  expect_refused(&f, &cfg, GB_ERR_NUMERIC, "attribution map of sample 19");
  cfg.explain = gb_explain_batch_grad_x_input;

  double decreasing[] = {0, 0.5, 0.3, 1}, repeated[] = {0, 0.5, 0.5}, high[] = {0, 0.5, 1.5},
         negative[] = {-0.1, 1}, nan_grid[] = {0, NAN, 1};
  struct { const double *g; int n; const char *words; } grids[] = {
      {decreasing, 4, "must increase"}, {repeated, 3, "must increase"},
      {high, 3, "outside [0, 1]"},      {negative, 2, "outside [0, 1]"},
      {nan_grid, 3, "outside [0, 1]"},  {decreasing, 0, "0 points"},
  };
  for (unsigned i = 0; i < G_N_ELEMENTS(grids); i++) {
    cfg.grid = grids[i].g;
    cfg.n_grid = grids[i].n;
    expect_refused(&f, &cfg, GB_ERR_INVALID, grids[i].words);
  }
  cfg.grid = NULL;

  f.view.labels = NULL;
  cfg.measure = GB_FAITHFULNESS_BALANCED_ACCURACY;
  expect_refused(&f, &cfg, GB_ERR_INVALID, "needs labels");
  f.view = full;
  cfg.measure = GB_FAITHFULNESS_AGREEMENT;

  f.x[5 * 64 + 3] = INFINITY;
  expect_refused(&f, &cfg, GB_ERR_NUMERIC, "sample 5");
  f.x[5 * 64 + 3] = 0.0f;

  f.view.shape = gb_shape_3d(1, 7, 8);
  expect_refused(&f, &cfg, GB_ERR_SHAPE, "56 values");
  f.view = full;

  cfg.n_random = -1;
  expect_refused(&f, &cfg, GB_ERR_INVALID, "random");

  double P[2] = {0.5, 0.2}, p[2];
  GbError err = {0};
  g_assert_cmpint(gb_epc_normalise(P, 2, 0.5, 0.5, p, &err), ==, GB_ERR_NUMERIC);
  g_assert_nonnull(strstr(err.message, "chance"));
  fixture_clear(&f);
}

/* A one-output (BCE) model: predictions are logit > 0; the measures at full inputs match a
 * direct computation, and KEEP at rho = 1 reproduces them. The data-mean baseline at rho = 0
 * turns every sample into the mean. */
static void
test_measures_one_output(void)
{
  Fixture f;
  GbError err;
  g_assert_cmpint(gb_model_new_from_spec("input(12), dense(4), tanh, dense(1)", 4, &f.m, &err),
                  ==, GB_OK);
  GbShape s = gb_shape_1d(12);
  make_data(&f, 80, 12, &s, 2, 31);
  for (int i = 0; i < 80; i++) f.labels[i] = i % 5 == 0; /* imbalanced, like P300 */
  float logits[80];
  g_assert_cmpint(gb_model_predict(f.m, f.x, 80, logits, NULL, NULL, &err), ==, GB_OK);
  double hit[2] = {0}, tot[2] = {0}, acc = 0.0, prob = 0.0;
  for (int i = 0; i < 80; i++) {
    int p = logits[i] > 0.0f, y = f.labels[i];
    hit[y] += p == y;
    tot[y] += 1;
    acc += (p == y) / 80.0;
    double p1 = 1.0 / (1.0 + exp(-(double)logits[i]));
    prob += (p ? p1 : 1.0 - p1) / 80.0;
  }
  double expected[] = {1.0, acc, prob, 0.5 * (hit[0] / tot[0] + hit[1] / tot[1])};
  float mean[12] = {0};
  for (int i = 0; i < 80; i++)
    for (int j = 0; j < 12; j++) mean[j] += f.x[i * 12 + j] / 80.0f;
  float mean_logit;
  g_assert_cmpint(gb_model_predict(f.m, mean, 1, &mean_logit, NULL, NULL, &err), ==, GB_OK);
  double agree_mean = 0.0;
  for (int i = 0; i < 80; i++) agree_mean += ((logits[i] > 0) == (mean_logit > 0)) / 80.0;

  for (int measure = 0; measure < 4; measure++) {
    GbFaithfulnessConfig cfg;
    gb_faithfulness_config_init(&cfg);
    cfg.measure = measure;
    cfg.n_random = 2;
    cfg.baseline.kind = GB_BASELINE_MEAN;
    GbFaithfulnessCurve c = run_curve(&f, &cfg);
    g_assert_cmpint(c.n_classes, ==, 2);
    g_assert_cmpfloat(c.chance, ==, 0.5);
    g_assert_cmpfloat_with_epsilon(c.full, expected[measure], 1e-6);
    g_assert_cmpfloat_with_epsilon(c.explainer[c.n_grid - 1], c.full, 1e-6);
    if (measure == GB_FAITHFULNESS_AGREEMENT)
      g_assert_cmpfloat_with_epsilon(c.explainer[0], agree_mean, 1e-12);
    gb_faithfulness_curve_clear(&c);
  }
  fixture_clear(&f);
}

/* The batched adapters against the single-sample methods. */
static void
test_adapters(void)
{
  Fixture f;
  GbError err;
  g_assert_cmpint(gb_model_new_from_spec(CNN_SPEC, 9, &f.m, &err), ==, GB_OK);
  GbShape s = gb_shape_3d(1, 8, 8);
  make_data(&f, 5, 64, &s, 3, 41);
  int classes[5] = {0, 2, 1, 1, 0};
  float maps[5 * 64];
  GbLrpPolicy lrp0;
  gb_lrp_policy_init_uniform(&lrp0, gb_lrp_rule_zero());
  GbIgConfig ig;
  gb_ig_config_init(&ig);
  ig.steps = 8;
  GbExplainBatchFn fns[] = {gb_explain_batch_grad_x_input, gb_explain_batch_saliency,
                            gb_explain_batch_integrated_gradients, gb_explain_batch_lrp};
  void *users[] = {NULL, NULL, &ig, &lrp0};
  for (int k = 0; k < 4; k++) {
    g_assert_cmpint(fns[k](users[k], f.m, f.x, 5, classes, maps, &err), ==, GB_OK);
    for (int i = 0; i < 5; i++) {
      GbTarget t = gb_target_class(classes[i]);
      GbAttribution a;
      const float *x = f.x + i * 64;
      if (k == 2)
        g_assert_cmpint(gb_attribution_integrated_gradients(f.m, x, 64, &t, &ig, &a, NULL,
                                                            NULL, &err), ==, GB_OK);
      else if (k == 1)
        g_assert_cmpint(gb_attribution_saliency(f.m, x, 64, &t, false, &a, &err), ==, GB_OK);
      else /* LRP-0 on a ReLU net is gradient x input (methods.md §5.9) */
        g_assert_cmpint(gb_attribution_grad_x_input(f.m, x, 64, &t, &a, &err), ==, GB_OK);
      for (int j = 0; j < 64; j++)
        g_assert_cmpfloat(fabs(maps[i * 64 + j] - a.values[j]), <=,
                          1e-5 * (1.0 + fabs(a.values[j])));
      gb_attribution_clear(&a);
    }
  }
  classes[3] = 3;
  g_assert_cmpint(gb_explain_batch_saliency(NULL, f.m, f.x, 5, classes, maps, &err), ==,
                  GB_ERR_INVALID);
  fixture_clear(&f);
}

static void
test_summaries(void)
{
  double x[] = {0, 0.5, 1}, y[] = {0, 1, 1};
  g_assert_cmpfloat(gb_faithfulness_auc(x, y, 3), ==, 0.75);
  double P[] = {0.2, 0.6, 1.2}, p[3];
  g_assert_cmpint(gb_epc_normalise(P, 3, 0.2, 1.0, p, NULL), ==, GB_OK);
  g_assert_cmpfloat(p[0], ==, 0.0);
  g_assert_cmpfloat_with_epsilon(p[1], 0.5, 1e-12);
  g_assert_cmpfloat(p[2], ==, 1.0);
  /* harmonic means 0, 0.5, 0: the operating point is the middle */
  GbEpc e = gb_epc_of(x, p, 3);
  g_assert_cmpint(e.best_index, ==, 1);
  g_assert_cmpfloat_with_epsilon(e.best, 0.5, 1e-12);
  g_assert_cmpfloat_with_epsilon(e.area, 0.5, 1e-12);
}

/* On a CNN trained on generated images, gradient x input beats the random rankings. */
static void
test_trained_cnn(void)
{
  GbError err;
  GbDataset *train = gb_synthetic_images(600, 4, 12, 1, 0.05, 1, &err);
  GbDataset *test = gb_synthetic_images(200, 4, 12, 1, 0.05, 2, &err);
  g_assert_nonnull(train);
  g_assert_nonnull(test);
  GbModel *m;
  g_assert_cmpint(gb_model_new_from_spec("input(1,12,12), conv2d(4,3), relu, maxpool2d(2), "
                                         "flatten, dense(4)", 1, &m, &err), ==, GB_OK);
  GbTrainConfig tc;
  gb_train_config_init(&tc);
  tc.epochs = 10;
  GbDataView tv = gb_dataset_view(train), ev = gb_dataset_view(test);
  g_assert_cmpint(gb_train(m, &tv, NULL, &tc, NULL, &err), ==, GB_OK);
  GbFaithfulnessConfig cfg;
  gb_faithfulness_config_init(&cfg);
  GbFaithfulnessCurve c;
  for (int measure = GB_FAITHFULNESS_AGREEMENT; measure <= GB_FAITHFULNESS_ACCURACY; measure++) {
    cfg.measure = measure;
    g_assert_cmpint(gb_faithfulness_curve(m, &ev, &cfg, &c, &err), ==, GB_OK);
    g_assert_cmpfloat(c.full, >, 0.5); /* chance: 0.25 */
    GbEpcSummary s = summarise(&c);
    g_assert_cmpfloat(s.delta_area, >, 3 * s.random_area_sd);
    g_assert_cmpfloat(s.delta_best, >, 3 * s.random_best_sd);
    gb_faithfulness_curve_clear(&c);
  }
  gb_model_free(m);
  gb_dataset_free(train);
  gb_dataset_free(test);
}

/* Every allocation failing in turn gives GB_ERR_NOMEM and an empty result, never a crash. */
static void
test_out_of_memory(void)
{
  Fixture f;
  cnn_fixture(&f, 10);
  GbFaithfulnessConfig cfg;
  gb_faithfulness_config_init(&cfg);
  cfg.n_random = 1;
  cfg.baseline.kind = GB_BASELINE_MEAN;
  GbFaithfulnessCurve warm = run_curve(&f, &cfg); /* the model's scratch is now reserved */
  gb_faithfulness_curve_clear(&warm);
  GbStatus st = GB_ERR_NOMEM;
  long n;
  for (n = 1; st == GB_ERR_NOMEM && n < 200; n++) {
    GbFaithfulnessCurve c;
    GbError err;
    gb_alloc_fail_after(n);
    st = gb_faithfulness_curve(f.m, &f.view, &cfg, &c, &err);
    gb_alloc_fail_after(0);
    if (st == GB_ERR_NOMEM)
      g_assert_null(c.explainer);
    gb_faithfulness_curve_clear(&c);
  }
  g_assert_cmpint(st, ==, GB_OK);
  g_assert_cmpint(n, >, 10);
  fixture_clear(&f);
}

/* Curves computed with the first layer's outputs kept and updated feature by feature equal the
 * curves of a forward per point: the same agreement (predictions) and the same mean
 * probabilities to 1e-5, for every mode, for a dense first layer and for convolutions with
 * stride and padding (each input pixel reaches the right outputs), with a batch size that does
 * not divide the samples. */
static void
test_updated_first_layer(void)
{
  static const char *const specs[] = {
      "input(1,6,6), flatten, dense(12), relu, dense(3)",
      "input(2,7,7), conv2d(3,3,stride=2,pad=1), relu, flatten, dense(3)",
      "input(1,8,8), conv2d(4,5), tanh, maxpool2d(2), flatten, dense(3)",
  };
  static const double grid[] = {0, .03, .1, .2, .25, .4, .5, .6, .8, .95, 1};
  for (size_t k = 0; k < G_N_ELEMENTS(specs); k++) {
    Fixture f = {0};
    GbError err;
    g_assert_cmpint(gb_model_new_from_spec(specs[k], 5, &f.m, &err), ==, GB_OK);
    make_data(&f, 30, gb_model_input_size(f.m), gb_model_input_shape(f.m), 3, 41);
    for (int mode = GB_FAITHFULNESS_KEEP; mode <= GB_FAITHFULNESS_INSERT; mode++)
      for (int measure = GB_FAITHFULNESS_AGREEMENT; measure <= GB_FAITHFULNESS_PROBABILITY;
           measure += GB_FAITHFULNESS_PROBABILITY - GB_FAITHFULNESS_AGREEMENT) {
        GbFaithfulnessConfig cfg;
        gb_faithfulness_config_init(&cfg);
        cfg.explain = gb_explain_batch_grad_x_input;
        cfg.mode = mode;
        cfg.measure = measure;
        cfg.grid = grid;
        cfg.n_grid = G_N_ELEMENTS(grid);
        cfg.n_random = 2;
        cfg.batch = 7;
        cfg.baseline.kind = mode == GB_FAITHFULNESS_MORF ? GB_BASELINE_MEAN : GB_BASELINE_ZEROS;
        long uses = gb_affine_prefix_uses();
        GbFaithfulnessCurve updated = run_curve(&f, &cfg);
        g_assert_cmpint(gb_affine_prefix_uses(), >, uses); /* the updated path ran */
        gb_affine_prefix_set_enabled(false);
        GbFaithfulnessCurve plain = run_curve(&f, &cfg);
        gb_affine_prefix_set_enabled(true);
        for (int i = 0; i < cfg.n_grid; i++) {
          if (fabs(updated.explainer[i] - plain.explainer[i]) > 1e-5)
            g_error("%s mode %d measure %d point %d: %g vs %g", specs[k], mode, measure, i,
                    updated.explainer[i], plain.explainer[i]);
          for (int r = 0; r < cfg.n_random; r++)
            g_assert_cmpfloat(fabs(updated.random[r * cfg.n_grid + i] -
                                   plain.random[r * cfg.n_grid + i]), <=, 1e-5);
        }
        /* The curve moves: a test of equal constants would prove nothing. */
        g_assert_cmpfloat(fabs(plain.explainer[0] - plain.explainer[cfg.n_grid - 1]), >, 0.05);
        gb_faithfulness_curve_clear(&updated);
        gb_faithfulness_curve_clear(&plain);
      }
    fixture_clear(&f);
  }
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/xai/faithfulness/epc/linear-sparse", test_linear_sparse);
  g_test_add_func("/xai/faithfulness/epc/random-explainer", test_random_explainer);
  g_test_add_func("/xai/faithfulness/epc/reversed-ranking", test_reversed);
  g_test_add_func("/xai/faithfulness/epc/monotone-invariance", test_monotone_invariance);
  g_test_add_func("/xai/faithfulness/epc/full-keep", test_full_keep);
  g_test_add_func("/xai/faithfulness/epc/summaries", test_summaries);
  g_test_add_func("/xai/faithfulness/deletion/aopc", test_deletion_aopc);
  g_test_add_func("/xai/faithfulness/insert-equals-keep", test_insert_equals_keep);
  g_test_add_func("/xai/faithfulness/measures/one-output", test_measures_one_output);
  g_test_add_func("/xai/faithfulness/adapters", test_adapters);
  g_test_add_func("/xai/faithfulness/cancel", test_cancel);
  g_test_add_func("/xai/faithfulness/deterministic", test_deterministic);
  g_test_add_func("/xai/faithfulness/bad-inputs", test_bad_inputs);
  g_test_add_func("/xai/faithfulness/out-of-memory", test_out_of_memory);
  g_test_add_func("/xai/faithfulness/epc/trained-cnn", test_trained_cnn);
  g_test_add_func("/xai/faithfulness/updated-first-layer", test_updated_first_layer);
  return g_test_run();
}

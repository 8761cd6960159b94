/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib.h>
#include <math.h>
#include <string.h>

#include "gb-alloc.h"
#include "gb-eeg-sim.h"
#include "gb-eeg.h"
#include "gb-faithfulness.h"
#include "gb-rng.h"
#include "gb-sanity.h"
#include "gb-scores.h"
#include "gb-synthetic.h"
#include "gb-test-util.h"
#include "gb-train.h"

/* ---- Scores ---- */

static double
spearman(const float *a, const float *b, size_t n, bool absolute)
{
  GbError err;
  double r = -2;
  g_assert_cmpint(gb_score_spearman(a, b, n, absolute, &r, &err), ==, GB_OK);
  return r;
}

static void
test_spearman(void)
{
  enum { N = 50 };
  float a[N], rev[N], mono[N];
  gb_test_fill_uniform(a, N, -2, 2, 1);
  for (int i = 0; i < N; i++) {
    rev[i] = -a[i];
    mono[i] = expf(3 * a[i]) + a[i] * a[i] * a[i]; /* strictly increasing in a */
  }
  g_assert_cmpfloat_with_epsilon(spearman(a, a, N, false), 1, 1e-12);
  g_assert_cmpfloat_with_epsilon(spearman(a, rev, N, false), -1, 1e-12);
  g_assert_cmpfloat_with_epsilon(spearman(a, mono, N, false), 1, 1e-12);
  /* |a| makes a map and its negation identical. */
  g_assert_cmpfloat_with_epsilon(spearman(a, rev, N, true), 1, 1e-12);

  /* Ties share their average rank: scipy.stats.spearmanr([1,2,2,3], [1,2,3,4]) = 0.9486833. */
  float t[] = {1, 2, 2, 3}, u[] = {1, 2, 3, 4};
  g_assert_cmpfloat_with_epsilon(spearman(t, u, 4, false), 4.5 / sqrt(22.5), 1e-12);
  /* Signed: ranks (1,2,3) vs (3,1,2) give -0.5; absolute: the same order. */
  float s[] = {-3, 1, 2}, v[] = {3, 1, 2};
  g_assert_cmpfloat_with_epsilon(spearman(s, v, 3, false), -0.5, 1e-12);
  g_assert_cmpfloat_with_epsilon(spearman(s, v, 3, true), 1, 1e-12);
  /* A constant map has no ranking. */
  float c[] = {2, 2, 2};
  g_assert_true(isnan(spearman(c, v, 3, false)));
}

static void
test_gini_entropy(void)
{
  enum { N = 100 };
  GbError err;
  float one_hot[N] = {0}, flat[N], rnd[N];
  one_hot[37] = -4;
  for (int i = 0; i < N; i++) flat[i] = 0.3f;
  gb_test_fill_uniform(rnd, N, -1, 1, 2);
  double g1, g0, gr, h1, h0, hr;
  g_assert_cmpint(gb_score_gini(one_hot, N, &g1, &err), ==, GB_OK);
  g_assert_cmpint(gb_score_gini(flat, N, &g0, &err), ==, GB_OK);
  g_assert_cmpint(gb_score_gini(rnd, N, &gr, &err), ==, GB_OK);
  g_assert_cmpfloat_with_epsilon(g1, (N - 1.0) / N, 1e-5); /* the 1e-7 offset */
  g_assert_cmpfloat_with_epsilon(g0, 0, 1e-9);
  g_assert_cmpfloat(gr, >, g0);
  g_assert_cmpfloat(gr, <, g1);
  /* By hand: |a| sorted 0, 0, 1, 3 with weights -3, -1, 1, 3 gives 10 / (4 * 4). */
  float h[] = {3, 0, -1, 0};
  double gh;
  g_assert_cmpint(gb_score_gini(h, 4, &gh, &err), ==, GB_OK);
  g_assert_cmpfloat_with_epsilon(gh, 0.625, 1e-6);
  /* Uniform |a| on [0, 1]: G tends to 1/3. */
  g_assert_cmpfloat_with_epsilon(gr, 1.0 / 3, 0.1);

  g_assert_cmpint(gb_score_entropy(one_hot, N, &h1, &err), ==, GB_OK);
  g_assert_cmpint(gb_score_entropy(flat, N, &h0, &err), ==, GB_OK);
  g_assert_cmpint(gb_score_entropy(rnd, N, &hr, &err), ==, GB_OK);
  g_assert_cmpfloat_with_epsilon(h1, 0, 1e-9);
  g_assert_cmpfloat_with_epsilon(h0, log(N), 1e-9);
  g_assert_cmpfloat(hr, >, 0);
  g_assert_cmpfloat(hr, <, log(N));

  float zero[N] = {0};
  g_assert_cmpint(gb_score_entropy(zero, N, &h0, &err), ==, GB_ERR_NUMERIC);
  g_assert_cmpint(gb_score_gini(NULL, N, &g0, &err), ==, GB_ERR_INVALID);
  g_assert_cmpint(gb_score_gini(flat, 0, &g0, &err), ==, GB_ERR_INVALID);
  flat[3] = NAN;
  g_assert_cmpint(gb_score_gini(flat, N, &g0, &err), ==, GB_ERR_NUMERIC);
}

static void
test_localisation(void)
{
  GbError err;
  float a[10] = {0.1f, -5, 3, 1, 0, 0.5f, 0, 0, 2, 0};
  bool mask[10] = {false, false, true, true, true};
  GbLocalisation l;
  g_assert_cmpint(gb_score_localisation(a, mask, 10, false, &l, &err), ==, GB_OK);
  g_assert_cmpuint(l.n_truth, ==, 3);
  g_assert_cmpfloat_with_epsilon(l.mass_accuracy, 4 / 6.6, 1e-6); /* positive part only */
  g_assert_cmpfloat_with_epsilon(l.rank_accuracy, 2.0 / 3, 1e-12); /* top 3: 2, 8, 3 */
  g_assert_true(l.pointing_hit);
  g_assert_cmpint(gb_score_localisation(a, mask, 10, true, &l, &err), ==, GB_OK);
  g_assert_cmpfloat_with_epsilon(l.mass_accuracy, 4 / 11.6, 1e-6);
  g_assert_cmpfloat_with_epsilon(l.rank_accuracy, 1.0 / 3, 1e-12); /* top 3: 1, 2, 8 */
  g_assert_false(l.pointing_hit); /* |-5| at 1 */

  /* No positive relevance: no mass to place. */
  float neg[10] = {-1, -1, -1, -1, -1, -1, -1, -1, -1, -1};
  g_assert_cmpint(gb_score_localisation(neg, mask, 10, false, &l, &err), ==, GB_OK);
  g_assert_true(isnan(l.mass_accuracy));

  /* Masks from a ground truth: any non-zero, or a fraction of the peak. */
  float truth[6] = {0, 0.2f, 1, -0.6f, 0, 0};
  bool m[6];
  size_t k;
  g_assert_cmpint(gb_score_mask_from_truth(truth, 6, 0, m, &k, &err), ==, GB_OK);
  g_assert_cmpuint(k, ==, 3);
  g_assert_true(m[1] && m[2] && m[3] && !m[0] && !m[4]);
  g_assert_cmpint(gb_score_mask_from_truth(truth, 6, 0.5, m, &k, &err), ==, GB_OK);
  g_assert_cmpuint(k, ==, 2);
  g_assert_true(!m[1] && m[2] && m[3]);

  /* Refused: an empty or full mask, a truth without signal, a bad fraction. */
  bool none[10] = {false}, all[10];
  for (int i = 0; i < 10; i++) all[i] = true;
  g_assert_cmpint(gb_score_localisation(a, none, 10, false, &l, &err), ==, GB_ERR_INVALID);
  g_assert_cmpint(gb_score_localisation(a, all, 10, false, &l, &err), ==, GB_ERR_INVALID);
  g_assert_cmpint(gb_score_localisation(a, NULL, 10, false, &l, &err), ==, GB_ERR_INVALID);
  float zero[6] = {0};
  g_assert_cmpint(gb_score_mask_from_truth(zero, 6, 0, m, &k, &err), ==, GB_ERR_INVALID);
  g_assert_cmpint(gb_score_mask_from_truth(truth, 6, 1.5, m, &k, &err), ==, GB_ERR_INVALID);
}

/* Against the simulator's truth: the truth itself localises perfectly, a random map by chance. */
static void
test_eeg_truth(void)
{
  GbEegSimConfig cfg;
  gb_eeg_sim_config_init(&cfg);
  cfg.n_subjects = 1;
  cfg.n_characters = 2;
  cfg.n_repetitions = 2;
  cfg.n_channels = 8;
  GbEegSet *set = NULL;
  GbError err;
  g_assert_cmpint(gb_eeg_sim_generate(&cfg, &set, &err), ==, GB_OK);
  size_t d = (size_t)set->n_times * set->n_channels;
  int target = -1, other = -1;
  for (int i = 0; i < gb_dataset_size(set->data); i++)
    if (set->data->labels[i] == 1 && target < 0)
      target = i;
    else if (set->data->labels[i] == 0 && other < 0)
      other = i;
  g_assert_cmpint(target, >=, 0);
  g_assert_cmpint(other, >=, 0);
  const float *truth = set->truth + target * d;
  bool *mask = g_new(bool, d);
  size_t k;
  g_assert_cmpint(gb_score_mask_from_truth(truth, d, 0.2, mask, &k, &err), ==, GB_OK);
  g_assert_cmpuint(k, >, 0);
  g_assert_cmpuint(k, <, d);
  GbLocalisation l;
  g_assert_cmpint(gb_score_localisation(truth, mask, d, false, &l, &err), ==, GB_OK);
  g_assert_cmpfloat(l.mass_accuracy, >, 0.5);
  g_assert_cmpfloat_with_epsilon(l.rank_accuracy, 1, 1e-12);
  g_assert_true(l.pointing_hit);

  float *rnd = g_new(float, d);
  gb_test_fill_uniform(rnd, d, 0, 1, 3);
  g_assert_cmpint(gb_score_localisation(rnd, mask, d, false, &l, &err), ==, GB_OK);
  double chance = (double)k / d;
  g_assert_cmpfloat(fabs(l.rank_accuracy - chance), <, 0.15);
  g_assert_cmpfloat(fabs(l.mass_accuracy - chance), <, 0.15);

  /* Over the whole set: the truth as its own map scores 1 on every target trial, and the
   * non-target trials are skipped. */
  int n = gb_dataset_size(set->data), targets = 0;
  for (int i = 0; i < n; i++) targets += set->data->labels[i] == 1;
  GbLocalisationMean lm;
  g_assert_cmpint(gb_score_localisation_mean(set->truth, set->truth, n, d, 0, false, &lm, &err),
                  ==, GB_OK);
  g_assert_cmpint(lm.n_scored, ==, targets);
  g_assert_cmpfloat_with_epsilon(lm.mass_accuracy, 1, 1e-12);
  g_assert_cmpfloat_with_epsilon(lm.rank_accuracy, 1, 1e-12);
  g_assert_cmpfloat(lm.pointing_rate, ==, 1);
  g_assert_cmpint(gb_score_localisation_mean(set->truth + other * d, set->truth + other * d, 1,
                                             d, 0, false, &lm, &err), ==, GB_ERR_INVALID);

  /* A non-target trial has no class signal to find. */
  g_assert_cmpint(gb_score_mask_from_truth(set->truth + other * d, d, 0, mask, &k, &err), ==,
                  GB_ERR_INVALID);
  g_free(rnd);
  g_free(mask);
  gb_eeg_set_free(set);
}

/* ---- A trained MLP ----
 * Inputs x_j = s_j (0.9 + 0.2 u_j) with random signs s_j: |x| is nearly constant, so an
 * explanation's |a| carries the model's view rather than the input's magnitudes. The class is
 * the group of G features (at 0, G and 2G) with the largest sum. */
#define D 100
#define G 10
#define N_TRAIN 900
#define MLP_SPEC "input(100), dense(32), relu, dense(3)"

static void
make_inputs(float *x, int *labels, int n, uint64_t seed)
{
  GbRng rng;
  gb_rng_seed(&rng, seed);
  for (int i = 0; i < n; i++) {
    float *xi = x + (size_t)i * D;
    for (int j = 0; j < D; j++)
      xi[j] = (gb_rng_uniform(&rng) < 0.5 ? -1.0f : 1.0f) *
              (float)(0.9 + 0.2 * gb_rng_uniform(&rng));
    double best = -INFINITY;
    for (int c = 0; c < 3; c++) {
      double s = 0;
      for (int j = 0; j < G; j++) s += xi[c * G + j];
      if (s > best) {
        best = s;
        labels[i] = c;
      }
    }
  }
}

static GbModel *model; /* trained once, shared by the tests */

static GbModel *
trained_mlp(void)
{
  if (model != NULL)
    return model;
  GbError err;
  g_assert_cmpint(gb_model_new_from_spec(MLP_SPEC, 5, &model, &err), ==, GB_OK);
  float *x = g_new(float, (size_t)N_TRAIN * D);
  int *labels = g_new(int, N_TRAIN);
  make_inputs(x, labels, N_TRAIN, 9);
  GbDataView v = {.n = N_TRAIN, .shape = gb_shape_1d(D), .x = x, .labels = labels,
                  .n_classes = 3};
  GbTrainConfig tc;
  gb_train_config_init(&tc);
  tc.epochs = 30;
  tc.seed = 3;
  g_assert_cmpint(gb_train(model, &v, NULL, &tc, NULL, &err), ==, GB_OK);
  double loss, acc;
  g_assert_cmpint(gb_evaluate(model, &v, NULL, 0, &tc.loss, &loss, &acc, &err), ==, GB_OK);
  g_test_message("MLP training accuracy %.3f", acc);
  g_assert_cmpfloat(acc, >, 0.9);
  g_free(x);
  g_free(labels);
  return model;
}

static void
test_inputs(float *x, int n)
{
  int *labels = g_new(int, n);
  make_inputs(x, labels, n, 77);
  g_free(labels);
}

/* A "method" that ignores the model and the class: the input itself. */
static GbStatus
explain_input(void *user, GbModel *m, const float *x, int nb, const int *classes, float *maps,
              GbError *err)
{
  (void)user, (void)classes, (void)err;
  memcpy(maps, x, (size_t)nb * gb_model_input_size(m) * sizeof *maps);
  return GB_OK;
}

/* A "method" whose maps are all the same constant. */
static GbStatus
explain_constant(void *user, GbModel *m, const float *x, int nb, const int *classes,
                 float *maps, GbError *err)
{
  (void)user, (void)x, (void)classes, (void)err;
  for (size_t i = 0; i < (size_t)nb * gb_model_input_size(m); i++) maps[i] = 0.5f;
  return GB_OK;
}

/* A broken "method": NaN everywhere. */
static GbStatus
explain_nan(void *user, GbModel *m, const float *x, int nb, const int *classes, float *maps,
            GbError *err)
{
  (void)user, (void)x, (void)classes, (void)err;
  for (size_t i = 0; i < (size_t)nb * gb_model_input_size(m); i++) maps[i] = NAN;
  return GB_OK;
}

/* A "method" drawing uniform noise from the GbRng at @user. */
static GbStatus
explain_noise(void *user, GbModel *m, const float *x, int nb, const int *classes, float *maps,
              GbError *err)
{
  (void)x, (void)classes, (void)err;
  for (size_t i = 0; i < (size_t)nb * gb_model_input_size(m); i++)
    maps[i] = (float)(2 * gb_rng_uniform(user) - 1);
  return GB_OK;
}

static GbSanityConfig
sanity_config(GbExplainBatchFn fn, void *user)
{
  GbSanityConfig cfg;
  gb_sanity_config_init(&cfg);
  cfg.explain = fn;
  cfg.explain_user = user;
  return cfg;
}

#define N_IN 8

static GbRandomisationResult
randomise(GbModel *m, const float *x, GbRandomisationOrder order, const GbSanityConfig *cfg)
{
  GbError err;
  GbRandomisationResult r;
  GbStatus st = gb_sanity_model_randomisation(m, x, N_IN, NULL, order, cfg, &r, &err);
  if (st != GB_OK)
    g_error("randomisation: %s", err.message);
  return r;
}

/* Gradient x input collapses as the layers are randomised; the input itself does not, so the
 * check tells them apart. The model is left as it was. */
static void
test_randomisation(void)
{
  GbModel *m = trained_mlp();
  float x[N_IN * D];
  test_inputs(x, N_IN);
  size_t len = gb_model_buffer_len(m);
  float *before = g_memdup2(gb_model_params(m), len * sizeof(float));

  GbSanityConfig gxi = sanity_config(g_getenv("SAL") ? gb_explain_batch_saliency : gb_explain_batch_grad_x_input, NULL);
  GbSanityConfig ident = sanity_config(explain_input, NULL);
  for (int order = GB_RANDOMISATION_CASCADING; order <= GB_RANDOMISATION_INDEPENDENT;
       order++) {
    GbRandomisationResult r = randomise(m, x, order, &gxi);
    g_assert_cmpint(r.n_steps, ==, 2);
    g_assert_cmpint(r.layer[0], ==, 2); /* top down: dense2, then dense1 */
    g_assert_cmpint(r.layer[1], ==, 0);
    g_assert_cmpstr(r.layer_name[0], ==, "dense2");
    g_assert_cmpstr(r.layer_name[1], ==, "dense1");
    for (int k = 0; k < r.n_steps; k++) {
      g_test_message("%s, step %d (%s): Spearman %.3f",
                     order == GB_RANDOMISATION_CASCADING ? "cascading" : "independent", k,
                     r.layer_name[k], r.similarity[k]);
      g_assert_cmpfloat(r.similarity[k], <, 0.5);
    }
    g_assert_cmpfloat(fabs(r.similarity[r.n_steps - 1]), <, 0.3);
    gb_randomisation_result_clear(&r);

    r = randomise(m, x, order, &ident);
    for (int k = 0; k < r.n_steps; k++)
      g_assert_cmpfloat_with_epsilon(r.similarity[k], 1, 1e-12);
    gb_randomisation_result_clear(&r);
  }
  g_assert_true(memcmp(before, gb_model_params(m), len * sizeof(float)) == 0);
  g_free(before);
}

/* Convolutional and recurrent layers are re-initialised too, top first. These models are
 * untrained and x varies in magnitude, so part of the rank structure survives (|x|, and the
 * LSTM's recency: gradients fade away from the last step); only a change is asserted. */
static void
test_randomisation_layers(void)
{
  const char *specs[] = {"input(1,8,8), conv2d(4,3,pad=1), relu, flatten, dense(3)",
                         "input(10,4), lstm(8), dense(2)"};
  const char *names[][2] = {{"dense1", "conv2d1"}, {"dense1", "lstm1"}};
  for (int i = 0; i < 2; i++) {
    GbError err;
    GbModel *m;
    g_assert_cmpint(gb_model_new_from_spec(specs[i], 3, &m, &err), ==, GB_OK);
    size_t d = gb_model_input_size(m), len = gb_model_buffer_len(m);
    float *x = g_new(float, 4 * d);
    gb_test_fill_uniform(x, 4 * d, -1, 1, 4);
    float *before = g_memdup2(gb_model_params(m), len * sizeof(float));
    GbSanityConfig cfg = sanity_config(gb_explain_batch_grad_x_input, NULL);
    GbRandomisationResult r;
    g_assert_cmpint(gb_sanity_model_randomisation(m, x, 4, NULL, GB_RANDOMISATION_CASCADING,
                                                  &cfg, &r, &err), ==, GB_OK);
    g_assert_cmpint(r.n_steps, ==, 2);
    g_assert_cmpstr(r.layer_name[0], ==, names[i][0]);
    g_assert_cmpstr(r.layer_name[1], ==, names[i][1]);
    g_test_message("%s: Spearman %.3f, %.3f", specs[i], r.similarity[0], r.similarity[1]);
    g_assert_cmpfloat(r.similarity[0], <, 0.9);
    g_assert_cmpfloat(r.similarity[1], <, 0.9);
    g_assert_true(memcmp(before, gb_model_params(m), len * sizeof(float)) == 0);
    gb_randomisation_result_clear(&r);
    g_free(before);
    g_free(x);
    gb_model_free(m);
  }
}

/* The same seed gives the same numbers, another seed others. */
static void
test_randomisation_seed(void)
{
  GbModel *m = trained_mlp();
  float x[N_IN * D];
  test_inputs(x, N_IN);
  GbSanityConfig cfg = sanity_config(gb_explain_batch_grad_x_input, NULL);
  GbRandomisationResult a = randomise(m, x, GB_RANDOMISATION_CASCADING, &cfg);
  GbRandomisationResult b = randomise(m, x, GB_RANDOMISATION_CASCADING, &cfg);
  cfg.seed = 7;
  GbRandomisationResult c = randomise(m, x, GB_RANDOMISATION_CASCADING, &cfg);
  for (int k = 0; k < a.n_steps; k++) {
    g_assert_cmpfloat(a.similarity[k], ==, b.similarity[k]);
    g_assert_cmpfloat(a.similarity[k], !=, c.similarity[k]);
  }
  /* Both orders draw the same random top layer, so their first steps agree. */
  GbRandomisationResult ind = randomise(m, x, GB_RANDOMISATION_INDEPENDENT, &cfg);
  g_assert_cmpfloat(ind.similarity[0], ==, c.similarity[0]);
  gb_randomisation_result_clear(&a);
  gb_randomisation_result_clear(&b);
  gb_randomisation_result_clear(&c);
  gb_randomisation_result_clear(&ind);
}

static void
test_random_logit(void)
{
  GbModel *m = trained_mlp();
  float x[N_IN * D];
  test_inputs(x, N_IN);
  GbError err;
  GbSanityConfig gxi = sanity_config(g_getenv("SAL") ? gb_explain_batch_saliency : gb_explain_batch_grad_x_input, NULL);
  GbSanityConfig ident = sanity_config(explain_input, NULL);
  double r_gxi, r_ident, r_again;
  g_assert_cmpint(gb_sanity_random_logit(m, x, N_IN, NULL, &gxi, &r_gxi, &err), ==, GB_OK);
  g_assert_cmpint(gb_sanity_random_logit(m, x, N_IN, NULL, &gxi, &r_again, &err), ==, GB_OK);
  g_assert_cmpint(gb_sanity_random_logit(m, x, N_IN, NULL, &ident, &r_ident, &err), ==,
                  GB_OK);
  g_test_message("random logit: gradient x input %.3f, the input %.3f", r_gxi, r_ident);
  g_assert_cmpfloat(r_gxi, ==, r_again);
  /* The same class gives the same map (similarity 1); another class must not. */
  g_assert_cmpfloat(r_gxi, <, 0.5);
  g_assert_cmpfloat_with_epsilon(r_ident, 1, 1e-12);

  GbModel *one;
  g_assert_cmpint(gb_model_new_from_spec("input(100), dense(1)", 1, &one, &err), ==, GB_OK);
  g_assert_cmpint(gb_sanity_random_logit(one, x, N_IN, NULL, &gxi, &r_gxi, &err), ==,
                  GB_ERR_INVALID);
  gb_model_free(one);
}

static void
test_sensitivity(void)
{
  GbModel *m = trained_mlp();
  float x[N_IN * D];
  test_inputs(x, N_IN);
  GbError err;
  GbSensitivityConfig scfg;
  gb_sensitivity_config_init(&scfg);
  g_assert_cmpfloat(scfg.radius, ==, 0.2);
  g_assert_cmpint(scfg.n_samples, ==, 50);
  GbSanityConfig gxi = sanity_config(g_getenv("SAL") ? gb_explain_batch_saliency : gb_explain_batch_grad_x_input, NULL);
  GbSensitivity s, again, c;
  g_assert_cmpint(gb_sanity_sensitivity(m, x, N_IN, NULL, &scfg, &gxi, &s, &err), ==, GB_OK);
  g_assert_cmpint(gb_sanity_sensitivity(m, x, N_IN, NULL, &scfg, &gxi, &again, &err), ==,
                  GB_OK);
  g_test_message("gradient x input: max-sensitivity %.3f, avg %.3f", s.max, s.avg);
  g_assert_cmpfloat(s.max, >=, s.avg);
  g_assert_cmpfloat(s.avg, >, 0);
  g_assert_cmpfloat(s.max, ==, again.max);
  g_assert_cmpfloat(s.avg, ==, again.avg);
  /* A larger radius moves the maps further. */
  scfg.radius = 0.6;
  g_assert_cmpint(gb_sanity_sensitivity(m, x, N_IN, NULL, &scfg, &gxi, &c, &err), ==, GB_OK);
  g_assert_cmpfloat(c.avg, >, s.avg);

  GbSanityConfig cst = sanity_config(explain_constant, NULL);
  g_assert_cmpint(gb_sanity_sensitivity(m, x, N_IN, NULL, &scfg, &cst, &c, &err), ==, GB_OK);
  g_assert_cmpfloat(c.max, ==, 0);
  g_assert_cmpfloat(c.avg, ==, 0);
}

/* Gradient x input of a linear model at x = 1 moves by w (.) delta, so each ratio is
 * ||w (.) delta|| / ||w||: at most the radius, and about radius / sqrt(3) on average. */
static void
test_sensitivity_linear(void)
{
  GbError err;
  GbModel *m;
  g_assert_cmpint(gb_model_new_from_spec("input(400), dense(2)", 6, &m, &err), ==, GB_OK);
  float x[400];
  for (int j = 0; j < 400; j++) x[j] = 1;
  GbSensitivityConfig scfg;
  gb_sensitivity_config_init(&scfg);
  GbSanityConfig gxi = sanity_config(g_getenv("SAL") ? gb_explain_batch_saliency : gb_explain_batch_grad_x_input, NULL);
  GbSensitivity s;
  g_assert_cmpint(gb_sanity_sensitivity(m, x, 1, NULL, &scfg, &gxi, &s, &err), ==, GB_OK);
  g_test_message("linear: max-sensitivity %.4f, avg %.4f", s.max, s.avg);
  g_assert_cmpfloat(s.max, <=, scfg.radius);
  g_assert_cmpfloat_with_epsilon(s.avg, scfg.radius / sqrt(3), 0.01);
  g_assert_cmpfloat(s.max, >, s.avg);
  gb_model_free(m);
}

/* dense(3) on 100 inputs: gradient x input with a zero baseline is exactly the drop. A random
 * map correlates with it only by chance: per input, about as much as two random vectors of
 * 100 features (sd 0.1), so the mean over 20 inputs has sd about 0.02. */
static void
test_faithfulness_correlation(void)
{
  GbError err;
  GbModel *m;
  g_assert_cmpint(gb_model_new_from_spec("input(100), dense(3)", 4, &m, &err), ==, GB_OK);
  float x[20 * 100];
  gb_test_fill_uniform(x, G_N_ELEMENTS(x), -1, 1, 5);
  GbFaithCorrConfig fcfg;
  gb_faith_corr_config_init(&fcfg);
  g_assert_cmpint(fcfg.n_runs, ==, 100);
  
  GbSanityConfig gxi = sanity_config(g_getenv("SAL") ? gb_explain_batch_saliency : gb_explain_batch_grad_x_input, NULL);
  double r;
  g_assert_cmpint(gb_sanity_faithfulness_correlation(m, x, 20, NULL, &fcfg, &gxi, &r, &err),
                  ==, GB_OK);
  g_assert_cmpfloat_with_epsilon(r, 1, 1e-5);

  /* With a non-zero baseline w x no longer predicts the drop exactly. */
  float base[100];
  for (int j = 0; j < 100; j++) base[j] = 0.8f;
  fcfg.baseline = base;
  g_assert_cmpint(gb_sanity_faithfulness_correlation(m, x, 20, NULL, &fcfg, &gxi, &r, &err),
                  ==, GB_OK);
  g_assert_cmpfloat(r, <, 0.999);
  fcfg.baseline = NULL;

  GbRng rng;
  gb_rng_seed(&rng, 11);
  GbSanityConfig noise = sanity_config(explain_noise, &rng);
  g_assert_cmpint(gb_sanity_faithfulness_correlation(m, x, 20, NULL, &fcfg, &noise, &r, &err),
                  ==, GB_OK);
  g_test_message("faithfulness correlation of noise: %.3f", r);
  g_assert_cmpfloat(fabs(r), <, 0.1);
  gb_model_free(m);
}

static bool
stop_cb(void *user, double fraction, const char *stage)
{
  (void)fraction, (void)stage;
  int *calls = user;
  return ++*calls < 2;
}

static void
test_cancel(void)
{
  GbModel *m = trained_mlp();
  float x[N_IN * D];
  test_inputs(x, N_IN);
  GbError err;
  int calls = 0;
  GbSanityConfig cfg = sanity_config(gb_explain_batch_grad_x_input, NULL);
  cfg.progress = stop_cb;
  cfg.user = &calls;
  GbRandomisationResult r = {.n_steps = -1};
  g_assert_cmpint(gb_sanity_model_randomisation(m, x, N_IN, NULL, GB_RANDOMISATION_CASCADING,
                                                &cfg, &r, &err), ==, GB_ERR_CANCELLED);
  g_assert_cmpint(r.n_steps, ==, -1);
  GbSensitivityConfig scfg;
  gb_sensitivity_config_init(&scfg);
  GbSensitivity s = {-1, -1};
  calls = 0;
  g_assert_cmpint(gb_sanity_sensitivity(m, x, N_IN, NULL, &scfg, &cfg, &s, &err), ==,
                  GB_ERR_CANCELLED);
  g_assert_cmpfloat(s.max, ==, -1);
  GbFaithCorrConfig fcfg;
  gb_faith_corr_config_init(&fcfg);
  double v = -7;
  calls = 0;
  g_assert_cmpint(gb_sanity_faithfulness_correlation(m, x, N_IN, NULL, &fcfg, &cfg, &v, &err),
                  ==, GB_ERR_CANCELLED);
  calls = 1; /* the first call already stops */
  g_assert_cmpint(gb_sanity_random_logit(m, x, N_IN, NULL, &cfg, &v, &err), ==,
                  GB_ERR_CANCELLED);
  g_assert_cmpfloat(v, ==, -7);
}

static void
test_bad_inputs(void)
{
  GbModel *m = trained_mlp();
  float x[N_IN * D];
  test_inputs(x, N_IN);
  GbError err;
  GbSanityConfig cfg = sanity_config(gb_explain_batch_grad_x_input, NULL);
  GbSanityConfig none = sanity_config(NULL, NULL);
  GbRandomisationResult r;
  GbRandomisationOrder casc = GB_RANDOMISATION_CASCADING;
  g_assert_cmpint(gb_sanity_model_randomisation(m, x, N_IN, NULL, casc, &none, &r, &err), ==,
                  GB_ERR_INVALID);
  g_assert_cmpint(gb_sanity_model_randomisation(m, x, 0, NULL, casc, &cfg, &r, &err), ==,
                  GB_ERR_INVALID);
  g_assert_cmpint(gb_sanity_model_randomisation(m, NULL, 1, NULL, casc, &cfg, &r, &err), ==,
                  GB_ERR_INVALID);
  g_assert_cmpint(gb_sanity_model_randomisation(m, x, 1, NULL, 9, &cfg, &r, &err), ==,
                  GB_ERR_INVALID);
  int bad_class = 3;
  g_assert_cmpint(gb_sanity_model_randomisation(m, x, 1, &bad_class, casc, &cfg, &r, &err), ==,
                  GB_ERR_INVALID);
  g_test_message("%s", err.message);

  /* Non-finite inputs and maps. */
  float y[D];
  memcpy(y, x, sizeof y);
  y[4] = NAN;
  double v;
  g_assert_cmpint(gb_sanity_random_logit(m, y, 1, NULL, &cfg, &v, &err), ==, GB_ERR_NUMERIC);
  GbSanityConfig nan_maps = sanity_config(explain_nan, NULL);
  g_assert_cmpint(gb_sanity_random_logit(m, x, 1, NULL, &nan_maps, &v, &err), ==,
                  GB_ERR_NUMERIC);

  GbSensitivityConfig scfg;
  gb_sensitivity_config_init(&scfg);
  GbSensitivity s;
  scfg.radius = 0;
  g_assert_cmpint(gb_sanity_sensitivity(m, x, 1, NULL, &scfg, &cfg, &s, &err), ==,
                  GB_ERR_INVALID);
  gb_sensitivity_config_init(&scfg);
  scfg.n_samples = 0;
  g_assert_cmpint(gb_sanity_sensitivity(m, x, 1, NULL, &scfg, &cfg, &s, &err), ==,
                  GB_ERR_INVALID);

  GbFaithCorrConfig fcfg;
  gb_faith_corr_config_init(&fcfg);
  fcfg.n_runs = 1;
  g_assert_cmpint(gb_sanity_faithfulness_correlation(m, x, 1, NULL, &fcfg, &cfg, &v, &err), ==,
                  GB_ERR_INVALID);
  gb_faith_corr_config_init(&fcfg);
  fcfg.subset_fraction = 0;
  g_assert_cmpint(gb_sanity_faithfulness_correlation(m, x, 1, NULL, &fcfg, &cfg, &v, &err), ==,
                  GB_ERR_INVALID);
  gb_faith_corr_config_init(&fcfg);
  fcfg.baseline = y;
  g_assert_cmpint(gb_sanity_faithfulness_correlation(m, x, 1, NULL, &fcfg, &cfg, &v, &err), ==,
                  GB_ERR_NUMERIC);

  /* Nothing to randomise. */
  GbModel *flat;
  g_assert_cmpint(gb_model_new_from_spec("input(100), relu", 1, &flat, &err), ==, GB_OK);
  GbSanityConfig ident = sanity_config(explain_input, NULL);
  g_assert_cmpint(gb_sanity_model_randomisation(flat, x, 1, NULL, casc, &ident, &r, &err), ==,
                  GB_ERR_INVALID);
  gb_model_free(flat);
}

/* ---- Data (label) randomisation ---- */

#define IMG 10
#define N_IMG 240

/* A small MLP trained on synthetic images, their data set and the training configuration. */
typedef struct {
  GbDataset *ds;
  GbModel *m;
  GbTrainConfig tc;
} ImageProblem;

static void
image_problem(ImageProblem *p)
{
  GbError err;
  p->ds = gb_synthetic_images(N_IMG, 4, IMG, 1, 0.05, 11, &err);
  g_assert_nonnull(p->ds);
  g_assert_cmpint(gb_model_new_from_spec("input(1,10,10), flatten, dense(32), relu, dense(4)",
                                         4, &p->m, &err),
                  ==, GB_OK);
  gb_train_config_init(&p->tc);
  p->tc.epochs = 40;
  p->tc.batch_size = 32;
  p->tc.seed = 6;
  GbDataView v = gb_dataset_view(p->ds);
  g_assert_cmpint(gb_train(p->m, &v, NULL, &p->tc, NULL, &err), ==, GB_OK);
}

static void
image_problem_clear(ImageProblem *p)
{
  gb_model_free(p->m);
  gb_dataset_free(p->ds);
}

static GbLabelRandomisation
label_randomise(ImageProblem *p, const GbSanityConfig *cfg)
{
  GbError err;
  GbLabelRandomisation r;
  GbDataView v = gb_dataset_view(p->ds);
  GbStatus st = gb_sanity_label_randomisation(p->m, &v, &p->tc, p->ds->x->data, N_IN, NULL,
                                              cfg, &r, &err);
  if (st != GB_OK)
    g_error("label randomisation: %s", err.message);
  return r;
}

/* The gradient of a model that learnt the classes differs from that of a model fitted to
 * shuffled labels; the input itself does not depend on the model at all. Gradient x input
 * passes on signed maps but not on |a|: on these mostly dark images, |x| sets most of the
 * ranking whatever the model (the "input structure" Adebayo et al. 2018 warn about). */
static void
test_label_randomisation(void)
{
  ImageProblem p;
  image_problem(&p);
  GbModel *before = gb_model_dup(p.m, NULL);
  GbSanityConfig sal = sanity_config(gb_explain_batch_saliency, NULL);
  GbLabelRandomisation r = label_randomise(&p, &sal);
  g_test_message("saliency: similarity %.3f, train acc %.3f, randomised %.3f (true labels %.3f)",
                 r.similarity, r.train_acc, r.random_train_acc, r.random_true_acc);
  g_assert_cmpfloat(r.train_acc, >, 0.9);
  g_assert_cmpfloat(r.random_true_acc, <, 0.6);
  g_assert_cmpfloat(r.random_train_acc, >, 0.25); /* above chance: it memorised some */
  g_assert_cmpfloat(r.similarity, <, 0.6);
  /* The model is left as it was. */
  g_assert_cmpmem(gb_model_params(p.m), gb_model_buffer_len(p.m) * sizeof(float),
                  gb_model_params(before), gb_model_buffer_len(before) * sizeof(float));

  GbSanityConfig gxi = sanity_config(gb_explain_batch_grad_x_input, NULL);
  gxi.absolute = false;
  GbLabelRandomisation signed_gxi = label_randomise(&p, &gxi);
  gxi.absolute = true;
  GbLabelRandomisation abs_gxi = label_randomise(&p, &gxi);
  g_test_message("grad x input: similarity %.3f signed, %.3f of |a|", signed_gxi.similarity,
                 abs_gxi.similarity);
  g_assert_cmpfloat(signed_gxi.similarity, <, 0.6);
  g_assert_cmpfloat(abs_gxi.similarity, >, r.similarity);
  g_assert_cmpfloat(abs_gxi.random_train_acc, ==, r.random_train_acc);

  GbSanityConfig ident = sanity_config(explain_input, NULL);
  GbLabelRandomisation ri = label_randomise(&p, &ident);
  g_assert_cmpfloat(fabs(ri.similarity - 1), <, 1e-9);
  g_assert_cmpfloat(ri.train_acc, ==, r.train_acc);

  /* Deterministic for a seed; another seed permutes (and initialises) differently. */
  GbLabelRandomisation again = label_randomise(&p, &sal);
  g_assert_cmpfloat(again.similarity, ==, r.similarity);
  g_assert_cmpfloat(again.random_true_acc, ==, r.random_true_acc);
  sal.seed = 7;
  GbLabelRandomisation other = label_randomise(&p, &sal);
  g_assert_cmpfloat(other.similarity, !=, r.similarity);
  g_assert_cmpfloat(other.similarity, <, 0.6);
  gb_model_free(before);
  image_problem_clear(&p);
}

static void
test_label_randomisation_bad_inputs(void)
{
  GbError err;
  GbModel *m;
  g_assert_cmpint(gb_model_new_from_spec("input(1,10,10), flatten, dense(3)", 2, &m, &err), ==,
                  GB_OK);
  GbDataset *ds = gb_synthetic_images(12, 3, IMG, 1, 0.05, 1, &err);
  GbDataView v = gb_dataset_view(ds);
  GbTrainConfig tc;
  gb_train_config_init(&tc);
  tc.epochs = 1;
  GbSanityConfig cfg = sanity_config(gb_explain_batch_grad_x_input, NULL);
  const float *x = ds->x->data;
  GbLabelRandomisation r = {.similarity = -7};
  g_assert_cmpint(gb_sanity_label_randomisation(m, NULL, &tc, x, 2, NULL, &cfg, &r, &err), ==,
                  GB_ERR_INVALID);
  g_assert_cmpint(gb_sanity_label_randomisation(m, &v, NULL, x, 2, NULL, &cfg, &r, &err), ==,
                  GB_ERR_INVALID);
  g_assert_cmpint(gb_sanity_label_randomisation(m, &v, &tc, x, 0, NULL, &cfg, &r, &err), ==,
                  GB_ERR_INVALID);
  GbDataView one = v;
  one.n = 1;
  g_assert_cmpint(gb_sanity_label_randomisation(m, &one, &tc, x, 2, NULL, &cfg, &r, &err), ==,
                  GB_ERR_INVALID);
  GbDataView nolabels = v;
  nolabels.labels = NULL;
  g_assert_cmpint(gb_sanity_label_randomisation(m, &nolabels, &tc, x, 2, NULL, &cfg, &r, &err),
                  ==, GB_ERR_INVALID);
  GbDataView wrong = v;
  wrong.shape = gb_shape_1d(50);
  g_assert_cmpint(gb_sanity_label_randomisation(m, &wrong, &tc, x, 2, NULL, &cfg, &r, &err), ==,
                  GB_ERR_INVALID);
  g_test_message("%s", err.message);
  int bad_class[] = {0, 5};
  g_assert_cmpint(gb_sanity_label_randomisation(m, &v, &tc, x, 2, bad_class, &cfg, &r, &err),
                  ==, GB_ERR_INVALID);
  GbSanityConfig none = sanity_config(NULL, NULL);
  g_assert_cmpint(gb_sanity_label_randomisation(m, &v, &tc, x, 2, NULL, &none, &r, &err), ==,
                  GB_ERR_INVALID);
  GbTrainConfig bad_tc = tc;
  bad_tc.epochs = 0;
  GbStatus st = gb_sanity_label_randomisation(m, &v, &bad_tc, x, 2, NULL, &cfg, &r, &err);
  g_assert_cmpint(st, !=, GB_OK);
  GbSanityConfig nan = sanity_config(explain_nan, NULL);
  g_assert_cmpint(gb_sanity_label_randomisation(m, &v, &tc, x, 2, NULL, &nan, &r, &err), ==,
                  GB_ERR_NUMERIC);
  g_assert_cmpfloat(r.similarity, ==, -7);
  /* Every allocation failure gives GB_ERR_NOMEM and leaves the output untouched. */
  GbStatus st_mem = GB_ERR_NOMEM;
  for (long k = 1; st_mem != GB_OK; k++) {
    gb_alloc_fail_after(k);
    st_mem = gb_sanity_label_randomisation(m, &v, &tc, x, 2, NULL, &cfg, &r, &err);
    gb_alloc_fail_after(0);
    g_assert_true(st_mem == GB_OK || st_mem == GB_ERR_NOMEM);
    g_assert_true(st_mem == GB_OK ? r.similarity != -7 : r.similarity == -7);
    g_assert_cmpint(k, <, 1000);
  }
  gb_dataset_free(ds);
  gb_model_free(m);
}

/* Every allocation failure gives GB_ERR_NOMEM and leaves the outputs untouched. */
static void
test_nomem(void)
{
  GbError err;
  GbModel *m;
  g_assert_cmpint(gb_model_new_from_spec("input(100), dense(8), relu, dense(3)", 2, &m, &err),
                  ==, GB_OK);
  float x[2 * D];
  test_inputs(x, 2);
  GbSanityConfig cfg = sanity_config(gb_explain_batch_grad_x_input, NULL);
  GbSensitivityConfig scfg;
  gb_sensitivity_config_init(&scfg);
  scfg.n_samples = 4;
  GbFaithCorrConfig fcfg;
  gb_faith_corr_config_init(&fcfg);
  fcfg.n_runs = 5;
  bool all_ok = false;
  for (long k = 1; !all_ok; k++) {
    GbStatus st[4];
    GbRandomisationResult r = {.n_steps = -1};
    GbSensitivity s = {-1, -1};
    double logit = -7, corr = -7;
    gb_alloc_fail_after(k);
    st[0] = gb_sanity_model_randomisation(m, x, 2, NULL, GB_RANDOMISATION_INDEPENDENT, &cfg,
                                          &r, &err);
    gb_alloc_fail_after(k);
    st[1] = gb_sanity_random_logit(m, x, 2, NULL, &cfg, &logit, &err);
    gb_alloc_fail_after(k);
    st[2] = gb_sanity_sensitivity(m, x, 2, NULL, &scfg, &cfg, &s, &err);
    gb_alloc_fail_after(k);
    st[3] = gb_sanity_faithfulness_correlation(m, x, 2, NULL, &fcfg, &cfg, &corr, &err);
    gb_alloc_fail_after(0);
    all_ok = true;
    for (int i = 0; i < 4; i++) {
      g_assert_true(st[i] == GB_OK || st[i] == GB_ERR_NOMEM);
      all_ok = all_ok && st[i] == GB_OK;
    }
    g_assert_true(st[0] == GB_OK ? r.n_steps == 2 : r.n_steps == -1);
    g_assert_true(st[1] == GB_OK ? logit != -7 : logit == -7);
    g_assert_true(st[2] == GB_OK ? s.max >= 0 : s.max == -1);
    g_assert_true(st[3] == GB_OK ? corr != -7 : corr == -7);
    gb_randomisation_result_clear(&r);
    g_assert_cmpint(k, <, 1000);
  }
  float a[] = {1, 2, 3}, b[] = {3, 1, 2};
  double v = -7;
  gb_alloc_fail_after(1);
  g_assert_cmpint(gb_score_spearman(a, b, 3, false, &v, &err), ==, GB_ERR_NOMEM);
  gb_alloc_fail_after(0);
  g_assert_cmpfloat(v, ==, -7);
  gb_model_free(m);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/xai/scores/spearman", test_spearman);
  g_test_add_func("/xai/scores/gini-entropy", test_gini_entropy);
  g_test_add_func("/xai/scores/localisation", test_localisation);
  g_test_add_func("/xai/scores/eeg-truth", test_eeg_truth);
  g_test_add_func("/xai/sanity/randomisation", test_randomisation);
  g_test_add_func("/xai/sanity/randomisation-layers", test_randomisation_layers);
  g_test_add_func("/xai/sanity/randomisation-seed", test_randomisation_seed);
  g_test_add_func("/xai/sanity/label-randomisation", test_label_randomisation);
  g_test_add_func("/xai/sanity/label-randomisation-bad-inputs",
                  test_label_randomisation_bad_inputs);
  g_test_add_func("/xai/sanity/random-logit", test_random_logit);
  g_test_add_func("/xai/sanity/sensitivity", test_sensitivity);
  g_test_add_func("/xai/sanity/sensitivity-linear", test_sensitivity_linear);
  g_test_add_func("/xai/sanity/faithfulness-correlation", test_faithfulness_correlation);
  g_test_add_func("/xai/sanity/cancel", test_cancel);
  g_test_add_func("/xai/sanity/bad-inputs", test_bad_inputs);
  g_test_add_func("/xai/sanity/nomem", test_nomem);
  int rc = g_test_run();
  gb_model_free(model);
  return rc;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib.h>
#include <math.h>
#include <string.h>

#include "gb-clever-hans.h"
#include "gb-eeg-filter.h"
#include "gb-eeg-sim.h"
#include "gb-faithfulness.h"
#include "gb-global.h"
#include "gb-segments.h"
#include "gb-synthetic.h"
#include "gb-test-util.h"

#define SZ 12
#define D  (SZ * SZ)

/* Clever Hans data sets, and the shortcut a model learns from them showing up in its
 * explanations (Lapuschkin et al. 2019). */

static void
test_digits_marked(void)
{
  GbError err;
  GbDataset *src = gb_synthetic_images(400, 4, SZ, 1, 0.05, 1, &err);
  g_assert_nonnull(src);
  GbCleverHansConfig cfg;
  gb_clever_hans_config_init(&cfg);
  cfg.mark_class = 2;
  cfg.corner = GB_CLEVER_HANS_BOTTOM_RIGHT;
  bool marked[400];
  GbDataset *ds = gb_clever_hans_digits(src, &cfg, marked, &err);
  g_assert_nonnull(ds);
  GbShape s = gb_dataset_sample_shape(src);
  bool mask[D];
  g_assert_cmpint(gb_clever_hans_mask(&cfg, &s, mask, &err), ==, GB_OK);
  int in_mask = 0;
  for (int j = 0; j < D; j++)
    in_mask += mask[j];
  g_assert_cmpint(in_mask, ==, 9);
  g_assert_true(mask[(12 - 1) * 12 + 12 - 1]); /* rows and columns 9..11 */
  g_assert_true(mask[(12 - 3) * 12 + 12 - 3]);
  g_assert_false(mask[(12 - 4) * 12 + 12 - 1]);
  for (int i = 0; i < 400; i++) {
    g_assert_cmpint(marked[i], ==, src->labels[i] == 2);
    g_assert_cmpint(ds->labels[i], ==, src->labels[i]);
    for (int j = 0; j < D; j++) {
      float a = src->x->data[i * D + j], b = ds->x->data[i * D + j];
      g_assert_cmpfloat(b, ==, mask[j] && marked[i] ? 1.0f : a);
    }
  }
  gb_dataset_free(ds);
  /* The test variant: the mark on random classes. */
  cfg.rate_class = cfg.rate_others = 0.5;
  ds = gb_clever_hans_digits(src, &cfg, marked, &err);
  int n_marked = 0, n_other = 0;
  for (int i = 0; i < 400; i++) {
    n_marked += marked[i];
    n_other += marked[i] && src->labels[i] != 2;
  }
  g_assert_cmpint(n_marked, >, 160);
  g_assert_cmpint(n_marked, <, 240);
  g_assert_cmpint(n_other, >, 100);
  gb_dataset_free(ds);
  cfg.size = 13;
  g_assert_null(gb_clever_hans_digits(src, &cfg, NULL, &err));
  g_assert_cmpint(err.code, ==, GB_ERR_INVALID);
  gb_dataset_free(src);
  GbDataset *seq = gb_synthetic_sequences(10, 2, 16, 4, 1.0, 1, &err);
  gb_clever_hans_config_init(&cfg);
  g_assert_null(gb_clever_hans_digits(seq, &cfg, NULL, &err));
  g_assert_cmpint(err.code, ==, GB_ERR_SHAPE);
  gb_dataset_free(seq);
}

/* Blinks land on every target trial and no other, largest at Fp1 and about 9% at Cz. */
static void
test_eeg_blinks(void)
{
  GbEegSimConfig sc;
  gb_eeg_sim_config_init(&sc);
  sc.n_subjects = 1;
  sc.n_characters = 2;
  sc.n_repetitions = 2;
  sc.blink_rate = 0;
  GbEegSet *set;
  GbError err;
  g_assert_cmpint(gb_eeg_sim_generate(&sc, &set, &err), ==, GB_OK);
  int n = gb_dataset_size(set->data);
  size_t d = (size_t)set->n_times * set->n_channels;
  float *before = g_memdup2(set->data->x->data, n * d * sizeof(float));
  float *w = g_new(float, set->n_channels);
  bool *blinked = g_new(bool, n);
  GbEegBlinkConfig bc;
  gb_eeg_blink_config_init(&bc);
  g_assert_cmpint(gb_eeg_add_target_blinks(set, &bc, blinked, w, &err), ==, GB_OK);
  int fp1 = gb_eeg_set_find_channel(set, "Fp1"), cz = gb_eeg_set_find_channel(set, "Cz");
  g_assert_cmpint(fp1, >=, 0);
  g_assert_cmpint(cz, >=, 0);
  g_assert_cmpfloat_with_epsilon(w[fp1], 1.0, 1e-5);
  g_assert_cmpfloat_with_epsilon(w[cz], 0.09, 0.01);
  float w2[64];
  gb_eeg_blink_weights(set, w2);
  g_assert_cmpmem(w, set->n_channels * sizeof(float), w2, set->n_channels * sizeof(float));
  for (int i = 0; i < n; i++) {
    g_assert_cmpint(blinked[i], ==, set->data->labels[i] == 1);
    double peak = 0;
    for (int t = 0; t < set->n_times; t++) {
      size_t k = i * d + (size_t)t * set->n_channels + fp1;
      peak = fmax(peak, set->data->x->data[k] - before[k]);
    }
    if (blinked[i]) /* 100 uV x 0.8..1.2, minus what the epoch's end may cut off */
      g_assert_cmpfloat(peak, >, 40);
    else
      g_assert_cmpfloat(peak, ==, 0);
  }
  bc.rate_target = 2;
  g_assert_cmpint(gb_eeg_add_target_blinks(set, &bc, NULL, NULL, &err), ==, GB_ERR_INVALID);
  g_free(before);
  g_free(w);
  g_free(blinked);
  gb_eeg_set_free(set);
}

static GbModel *
train(const GbDataset *ds, uint64_t seed)
{
  char *spec = g_strdup_printf("input(1,%d,%d), flatten, dense(32), relu, dense(4)", SZ, SZ);
  GbModel *m = gb_test_model_new(spec, seed);
  g_free(spec);
  GbTrainConfig tc;
  gb_train_config_init(&tc);
  tc.epochs = 10;
  tc.seed = seed;
  tc.l1 = 1e-3f; /* both models alike: weights the data never use fade */
  GbDataView v = gb_dataset_view(ds);
  GbError err;
  g_assert_cmpint(gb_train(m, &v, NULL, &tc, NULL, &err), ==, GB_OK);
  return m;
}

/* Mean over the samples of the share of sum |gradient x input| that falls on @mask. */
static double
mark_share(GbModel *m, const float *x, int n, const bool *mask)
{
  float *maps = g_new(float, (size_t)n *D);
  int *cls = g_new(int, n);
  GbError err;
  g_assert_cmpint(gb_global_predict(m, x, n, cls, &err), ==, GB_OK);
  g_assert_cmpint(gb_explain_batch_grad_x_input(NULL, m, x, n, cls, maps, &err), ==, GB_OK);
  double share = 0;
  for (int i = 0; i < n; i++) {
    double on = 0, all = 0;
    for (int j = 0; j < D; j++) {
      double a = fabs(maps[i * D + j]);
      all += a;
      on += mask[j] ? a : 0;
    }
    share += all > 0 ? on / all / n : 0;
  }
  g_free(maps);
  g_free(cls);
  return share;
}

/* A model trained with the mark on every sample of class 0 puts most of its relevance for those
 * samples on the mark's 9 of 144 pixels; a model trained on clean data does not. */
static void
test_model_shortcut(void)
{
  GbError err;
  GbDataset *src = gb_synthetic_images(800, 4, SZ, 1, 0.1, 1, &err);
  GbDataset *test_src = gb_synthetic_images(400, 4, SZ, 1, 0.1, 2, &err);
  GbCleverHansConfig cfg;
  gb_clever_hans_config_init(&cfg);
  GbDataset *hans_train = gb_clever_hans_digits(src, &cfg, NULL, &err);
  GbModel *hans = train(hans_train, 4), *clean = train(src, 4);
  /* Probe: class-0 test samples with the mark, as in training. */
  GbDataset *probe = gb_clever_hans_digits(test_src, &cfg, NULL, &err);
  int keep = 0;
  for (int i = 0; i < gb_dataset_size(probe); i++)
    if (probe->labels[i] == 0) {
      memcpy(probe->x->data + keep * D, probe->x->data + i * D, D * sizeof(float));
      probe->labels[keep++] = 0;
    }
  bool mask[D];
  GbShape s = gb_dataset_sample_shape(src);
  g_assert_cmpint(gb_clever_hans_mask(&cfg, &s, mask, &err), ==, GB_OK);
  double hans_share = mark_share(hans, probe->x->data, keep, mask);
  double clean_share = mark_share(clean, probe->x->data, keep, mask);
  g_test_message("relevance on the mark: Clever Hans model %.3f, clean model %.3f", hans_share,
                 clean_share);
  /* The mark is 9 of 144 pixels (6%). The clean model still gives it some relevance, being
   * bright where its training digits had only noise, but not most, and far less. */
  g_assert_cmpfloat(hans_share, >, 0.5);
  g_assert_cmpfloat(clean_share, <, 0.3);
  g_assert_cmpfloat(hans_share, >, 2 * clean_share);
  /* The shortcut, behaviourally: marking every test digit makes the Hans model say 0. */
  GbCleverHansConfig all = cfg;
  all.rate_others = 1;
  GbDataset *marked = gb_clever_hans_digits(test_src, &all, NULL, &err);
  int n = gb_dataset_size(marked), *pred = g_new(int, n), zeros_hans = 0, zeros_clean = 0;
  g_assert_cmpint(gb_global_predict(hans, marked->x->data, n, pred, &err), ==, GB_OK);
  for (int i = 0; i < n; i++)
    zeros_hans += pred[i] == 0;
  g_assert_cmpint(gb_global_predict(clean, marked->x->data, n, pred, &err), ==, GB_OK);
  for (int i = 0; i < n; i++)
    zeros_clean += pred[i] == 0;
  g_test_message("marked test digits called 0: Hans %d, clean %d of %d", zeros_hans, zeros_clean,
                 n);
  g_assert_cmpint(zeros_hans, >, n / 2);
  g_assert_cmpint(zeros_clean, <, n / 3); /* about a quarter are zeros */
  g_free(pred);
  gb_dataset_free(marked);
  gb_dataset_free(probe);
  gb_dataset_free(hans_train);
  gb_dataset_free(src);
  gb_dataset_free(test_src);
  gb_model_free(hans);
  gb_model_free(clean);
}

/* Simulated trials, decimated to 32 Hz, with target-locked blinks when @blinks is set. */
static GbEegSet *
eeg_trials(int subjects, uint64_t seed, const GbEegBlinkConfig *blinks)
{
  GbEegSimConfig sc;
  gb_eeg_sim_config_init(&sc);
  sc.n_subjects = subjects;
  sc.seed = seed;
  GbEegSet *set, *d;
  GbError err;
  g_assert_cmpint(gb_eeg_sim_generate(&sc, &set, &err), ==, GB_OK);
  if (blinks != NULL)
    g_assert_cmpint(gb_eeg_add_target_blinks(set, blinks, NULL, NULL, &err), ==, GB_OK);
  d = gb_eeg_set_decimate(set, 4, NULL, NULL, &err);
  g_assert_nonnull(d);
  gb_eeg_set_free(set);
  return d;
}

/* Share of the (positive) accuracy lost by shuffling single channels that Fp1 and Fp2 take. */
static double
frontal_importance(GbModel *m, GbEegSet *set)
{
  GbShape s = gb_dataset_sample_shape(set->data);
  GbSegments seg;
  GbPermutationImportance r;
  GbError err;
  GbDataView v = gb_dataset_view(set->data);
  g_assert_cmpint(gb_segments_grid(&seg, &s, set->n_times, 1, &err), ==, GB_OK);
  g_assert_cmpint(seg.n_segments, ==, set->n_channels);
  g_assert_cmpint(gb_global_permutation_importance(m, &v, &seg, 3, 1, NULL, NULL, &r, &err), ==,
                  GB_OK);
  int fp1 = gb_eeg_set_find_channel(set, "Fp1"), fp2 = gb_eeg_set_find_channel(set, "Fp2");
  double all = 0;
  for (int c = 0; c < set->n_channels; c++)
    all += fmax(r.drop[c], 0);
  double share = (fmax(r.drop[fp1], 0) + fmax(r.drop[fp2], 0)) / all;
  gb_permutation_importance_clear(&r);
  gb_segments_clear(&seg);
  return share;
}

/* A model trained where blinks go with targets leans on the eye channels: shuffling Fp1 and Fp2
 * costs it much of its accuracy, while a model trained on the same trials without those blinks
 * leans on the parietal P300. */
static void
test_eeg_model_shortcut(void)
{
  GbEegBlinkConfig bc;
  gb_eeg_blink_config_init(&bc);
  GbEegSet *hans_set = eeg_trials(3, 1, &bc), *clean_set = eeg_trials(3, 1, NULL);
  GbEegSet *test = eeg_trials(2, 1001, &bc);
  GbError err;
  GbEegScaler *scaler = gb_eeg_scaler_fit(clean_set, NULL, 0, &err);
  g_assert_nonnull(scaler);
  GbEegSet *sets[3] = {hans_set, clean_set, test};
  for (int i = 0; i < 3; i++)
    g_assert_cmpint(gb_eeg_scaler_apply(scaler, sets[i], &err), ==, GB_OK);
  gb_eeg_scaler_free(scaler);
  double share[2];
  for (int k = 0; k < 2; k++) {
    char *spec = g_strdup_printf("input(%d,%d), flatten, dense(32), relu, dense(1)", test->n_times,
                                 test->n_channels);
    GbModel *m = gb_test_model_new(spec, 1);
    g_free(spec);
    GbTrainConfig tc;
    gb_train_config_init(&tc);
    tc.epochs = 10;
    gb_loss_config_init(&tc.loss, GB_LOSS_BCE);
    tc.loss.weight_pos = 5;
    GbDataView v = gb_dataset_view(sets[k]->data);
    g_assert_cmpint(gb_train(m, &v, NULL, &tc, NULL, &err), ==, GB_OK);
    share[k] = frontal_importance(m, test);
    gb_model_free(m);
  }
  g_test_message("share of channel importance on Fp1 + Fp2: Clever Hans %.3f, clean %.3f", share[0],
                 share[1]);
  g_assert_cmpfloat(share[0], >, 0.3);
  g_assert_cmpfloat(share[1], <, 0.2);
  for (int i = 0; i < 3; i++)
    gb_eeg_set_free(sets[i]);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/clever-hans/digits", test_digits_marked);
  g_test_add_func("/clever-hans/eeg-blinks", test_eeg_blinks);
  g_test_add_func("/clever-hans/model-shortcut", test_model_shortcut);
  g_test_add_func("/clever-hans/eeg-model-shortcut", test_eeg_model_shortcut);
  return g_test_run();
}

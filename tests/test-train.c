/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib.h>
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "gb-dataset.h"
#include "gb-loss.h"
#include "gb-metrics.h"
#include "gb-search.h"
#include "gb-synthetic.h"
#include "gb-test-util.h"
#include "gb-train.h"

static double
test_accuracy(GbModel *m, const GbDataset *ds)
{
  GbDataView v = gb_dataset_view(ds);
  int *pred = g_new(int, v.n);
  GbError err;
  g_assert_cmpint(gb_predict_classes(m, &v, pred, NULL, &err), ==, GB_OK);
  double acc = gb_metrics_accuracy(pred, v.labels, v.n);
  g_free(pred);
  return acc;
}

/* An MLP learns a 10-class problem of generated 14x14 strokes to near 100% on unseen data. */
static void
test_mlp_learns(void)
{
  GbError err;
  GbDataset *train = gb_synthetic_images(2000, 10, 14, 1, 0.05, 1, &err);
  GbDataset *test = gb_synthetic_images(500, 10, 14, 1, 0.05, 1, &err);
  g_assert_nonnull(train);
  /* Same seed, so the same class prototypes; the test set is the first 500 of the same stream:
   * take a fresh stream instead by drawing more and using the tail. */
  gb_dataset_free(test);
  GbDataset *all = gb_synthetic_images(2500, 10, 14, 1, 0.05, 1, &err);
  GbDataView tr = gb_dataset_view_range(all, 0, 2000), te = gb_dataset_view_range(all, 2000, 500);
  GbModel *m = gb_test_model_new("input(1,14,14), flatten, dense(64), relu, dense(10)", 3);
  GbTrainConfig cfg;
  gb_train_config_init(&cfg);
  cfg.epochs = 15;
  cfg.batch_size = 32;
  GbTrainHistory h;
  g_assert_cmpint(gb_train(m, &tr, NULL, &cfg, &h, &err), ==, GB_OK);
  g_assert_cmpint(h.n_epochs, ==, 15);
  g_assert_cmpfloat(h.epochs[14].train_loss, <, h.epochs[0].train_loss);
  int *pred = g_new(int, 500);
  g_assert_cmpint(gb_predict_classes(m, &te, pred, NULL, &err), ==, GB_OK);
  double acc = gb_metrics_accuracy(pred, te.labels, 500);
  g_test_message("MLP held-out accuracy %.3f", acc);
  g_assert_cmpfloat(acc, >=, 0.97);
  g_free(pred);
  gb_train_history_clear(&h);
  gb_model_free(m);
  gb_dataset_free(train);
  gb_dataset_free(all);
}

static void
test_cnn_learns(void)
{
  GbModel *m = gb_test_model_new("input(1,14,14), conv2d(8,3,pad=1), relu, maxpool2d(2), "
                         "conv2d(16,3,pad=1), relu, maxpool2d(2), flatten, dense(10)",
                         3);
  GbError err;
  GbDataset *all = gb_synthetic_images(2500, 10, 14, 2, 0.05, 5, &err);
  GbDataView tr = gb_dataset_view_range(all, 0, 2000);
  GbTrainConfig cfg;
  gb_train_config_init(&cfg);
  cfg.epochs = 12;
  cfg.batch_size = 32;
  g_assert_cmpint(gb_train(m, &tr, NULL, &cfg, NULL, &err), ==, GB_OK);
  GbDataView te = gb_dataset_view_range(all, 2000, 500);
  int *pred = g_new(int, 500);
  g_assert_cmpint(gb_predict_classes(m, &te, pred, NULL, &err), ==, GB_OK);
  double acc = gb_metrics_accuracy(pred, te.labels, 500);
  g_test_message("CNN held-out accuracy %.3f", acc);
  g_assert_cmpfloat(acc, >=, 0.97);
  g_free(pred);
  gb_model_free(m);
  gb_dataset_free(all);
}

static void
train_once(const char *spec, uint64_t model_seed, uint64_t train_seed, GbDataset *ds,
           float **params, size_t *len)
{
  GbModel *m = gb_test_model_new(spec, model_seed);
  GbTrainConfig cfg;
  GbError err;
  gb_train_config_init(&cfg);
  cfg.epochs = 2;
  cfg.val_fraction = 0.2;
  cfg.seed = train_seed;
  GbDataView v = gb_dataset_view(ds);
  g_assert_cmpint(gb_train(m, &v, NULL, &cfg, NULL, &err), ==, GB_OK);
  *len = gb_model_buffer_len(m);
  *params = g_memdup2(gb_model_params(m), *len * sizeof(float));
  gb_model_free(m);
}

/* The same seeds give the same weights bit for bit; another seed gives others. */
static void
test_determinism(void)
{
  GbError err;
  GbDataset *ds = gb_synthetic_images(600, 10, 12, 1, 0.1, 9, &err);
  const char *spec = "input(1,12,12), dense(32), relu, dropout(0.2), dense(10)";
  float *a, *b, *c;
  size_t la, lb, lc;
  train_once(spec, 1, 7, ds, &a, &la);
  train_once(spec, 1, 7, ds, &b, &lb);
  train_once(spec, 1, 8, ds, &c, &lc);
  g_assert_cmpuint(la, ==, lb);
  g_assert_true(memcmp(a, b, la * sizeof(float)) == 0);
  g_assert_false(memcmp(a, c, la * sizeof(float)) == 0);
  g_free(a);
  g_free(b);
  g_free(c);
  gb_dataset_free(ds);
}

typedef struct {
  int calls, stop_at;
} Counter;

static bool
stop_after(void *user, double fraction, const char *stage)
{
  Counter *c = user;
  g_assert_cmpfloat(fraction, >=, 0.0);
  g_assert_cmpfloat(fraction, <=, 1.0);
  g_assert_nonnull(stage);
  return ++c->calls < c->stop_at;
}

/* Cancelling mid-epoch returns GB_ERR_CANCELLED promptly and leaves a usable model with the
 * weights of the last whole epoch. */
static void
test_cancel(void)
{
  GbError err;
  GbDataset *ds = gb_synthetic_images(640, 10, 12, 1, 0.1, 9, &err);
  GbDataView v = gb_dataset_view(ds);
  GbModel *m = gb_test_model_new("input(144), dense(16), relu, dense(10)", 1);
  GbTrainConfig cfg;
  gb_train_config_init(&cfg);
  cfg.epochs = 5;
  cfg.batch_size = 64; /* 10 batches per epoch */
  Counter c = {0, 15};  /* stop in the middle of the second epoch */
  cfg.progress = stop_after;
  cfg.user = &c;
  GbTrainHistory h;
  g_assert_cmpint(gb_train(m, &v, NULL, &cfg, &h, &err), ==, GB_ERR_CANCELLED);
  g_assert_cmpint(c.calls, ==, 15);
  g_assert_nonnull(strstr(err.message, "cancelled"));
  g_assert_cmpint(h.n_epochs, ==, 1);
  /* The weights are those after epoch 1: the same as training exactly one epoch. */
  GbModel *ref = gb_test_model_new("input(144), dense(16), relu, dense(10)", 1);
  cfg.epochs = 1;
  cfg.progress = NULL;
  /* Same seed and shuffle stream for the first epoch, so identical weights. */
  g_assert_cmpint(gb_train(ref, &v, NULL, &cfg, NULL, &err), ==, GB_OK);
  g_assert_true(memcmp(gb_model_params(m), gb_model_params(ref),
                       gb_model_buffer_len(m) * sizeof(float)) == 0);
  g_assert_cmpfloat(test_accuracy(m, ds), >, 0.1);
  gb_train_history_clear(&h);
  gb_model_free(m);
  gb_model_free(ref);
  gb_dataset_free(ds);
}

/* A learning rate far too high stops with a message naming the epoch and keeps finite weights. */
static void
test_divergence(void)
{
  GbError err;
  GbDataset *ds = gb_synthetic_images(256, 10, 12, 1, 0.1, 9, &err);
  GbDataView v = gb_dataset_view(ds);
  GbModel *m = gb_test_model_new("input(144), dense(16), relu, dense(10)", 1);
  GbTrainConfig cfg;
  gb_train_config_init(&cfg);
  gb_optim_config_defaults(&cfg.optim, GB_OPTIM_SGD);
  cfg.optim.lr = 1e30f;
  cfg.epochs = 3;
  g_assert_cmpint(gb_train(m, &v, NULL, &cfg, NULL, &err), ==, GB_ERR_NUMERIC);
  g_assert_nonnull(strstr(err.message, "epoch 1"));
  g_assert_nonnull(strstr(err.message, "learning rate"));
  g_assert_cmpint(gb_floats_find_nonfinite(gb_model_params(m), gb_model_buffer_len(m)), ==, -1);
  gb_model_free(m);
  gb_dataset_free(ds);
}

/* Early stopping on a tiny, noisy training set that overfits: stops, restores the best
 * epoch's weights (whose validation loss is the lowest seen). */
static void
test_early_stopping(void)
{
  GbError err;
  GbDataset *ds = gb_synthetic_images(400, 10, 12, 2, 0.4, 13, &err);
  /* Scramble a third of the labels so the training data can be memorised but not generalised. */
  for (int i = 0; i < 400; i += 3)
    ds->labels[i] = (ds->labels[i] + 3) % 10;
  GbDataView tr = gb_dataset_view_range(ds, 0, 150), va = gb_dataset_view_range(ds, 150, 250);
  GbModel *m = gb_test_model_new("input(144), dense(256), relu, dense(10)", 1);
  GbTrainConfig cfg;
  gb_train_config_init(&cfg);
  cfg.optim.lr = 3e-3f;
  cfg.epochs = 200;
  cfg.batch_size = 16;
  cfg.patience = 3;
  GbTrainHistory h;
  g_assert_cmpint(gb_train(m, &tr, &va, &cfg, &h, &err), ==, GB_OK);
  g_assert_true(h.stopped_early);
  g_assert_cmpint(h.n_epochs, <, 200);
  g_assert_cmpint(h.n_epochs, ==, h.best_epoch + 3);
  double best = INFINITY;
  for (int i = 0; i < h.n_epochs; i++)
    best = fmin(best, h.epochs[i].val_loss);
  g_assert_cmpfloat(h.epochs[h.best_epoch - 1].val_loss, ==, best);
  double loss, acc;
  g_assert_cmpint(gb_evaluate(m, &va, NULL, 0, &cfg.loss, &loss, &acc, &err), ==, GB_OK);
  g_assert_cmpfloat(fabs(loss - best), <, 1e-9);
  /* The bias-variance view: training loss ends below validation loss. */
  g_assert_cmpfloat(h.epochs[h.n_epochs - 1].train_loss, <, h.epochs[h.n_epochs - 1].val_loss);
  gb_train_history_clear(&h);
  gb_model_free(m);
  gb_dataset_free(ds);
}

static void
test_bad_data(void)
{
  GbError err;
  GbDataset *ds = gb_synthetic_images(50, 10, 12, 1, 0.1, 9, &err);
  GbModel *m = gb_test_model_new("input(144), dense(10)", 1);
  GbModel *wrong = gb_test_model_new("input(100), dense(10)", 1);
  GbModel *few = gb_test_model_new("input(144), dense(5)", 1);
  GbTrainConfig cfg;
  gb_train_config_init(&cfg);
  cfg.epochs = 1;
  GbDataView v = gb_dataset_view(ds);
  g_assert_cmpint(gb_train(wrong, &v, NULL, &cfg, NULL, &err), ==, GB_ERR_SHAPE);
  g_assert_nonnull(strstr(err.message, "1x12x12"));
  g_assert_cmpint(gb_train(few, &v, NULL, &cfg, NULL, &err), ==, GB_ERR_SHAPE);
  g_assert_nonnull(strstr(err.message, "5 outputs"));
  ds->x->data[144 * 7 + 3] = NAN;
  g_assert_cmpint(gb_train(m, &v, NULL, &cfg, NULL, &err), ==, GB_ERR_NUMERIC);
  g_assert_nonnull(strstr(err.message, "sample 7"));
  ds->x->data[144 * 7 + 3] = 0.0f;
  ds->labels[4] = 12;
  g_assert_cmpint(gb_train(m, &v, NULL, &cfg, NULL, &err), ==, GB_ERR_INVALID);
  g_assert_nonnull(strstr(err.message, "label 12"));
  ds->labels[4] = 1;
  cfg.batch_size = 0;
  g_assert_cmpint(gb_train(m, &v, NULL, &cfg, NULL, &err), ==, GB_ERR_INVALID);
  gb_model_free(m);
  gb_model_free(wrong);
  gb_model_free(few);
  gb_dataset_free(ds);
}

/* L1 drives many weights to (near) zero; without it they stay spread. */
static void
test_l1_and_clipping(void)
{
  GbError err;
  GbDataset *ds = gb_synthetic_images(500, 10, 12, 1, 0.1, 9, &err);
  GbDataView v = gb_dataset_view(ds);
  double small[2];
  for (int k = 0; k < 2; k++) {
    GbModel *m = gb_test_model_new("input(144), dense(32), relu, dense(10)", 1);
    GbTrainConfig cfg;
    gb_train_config_init(&cfg);
    gb_optim_config_defaults(&cfg.optim, GB_OPTIM_SGD);
    cfg.optim.lr = 0.05f;
    cfg.epochs = 20;
    cfg.l1 = k ? 2e-2f : 0.0f;
    cfg.clip_value = 5.0f;
    g_assert_cmpint(gb_train(m, &v, NULL, &cfg, NULL, &err), ==, GB_OK);
    GbModelTensor t;
    gb_model_get_tensor(m, 0, &t);
    int n = 0;
    for (size_t i = 0; i < t.count; i++)
      n += fabsf(t.data[i]) < 1e-2f;
    small[k] = (double)n / t.count;
    gb_model_free(m);
  }
  g_test_message("fraction of |w| < 0.01: %.3f without L1, %.3f with", small[0], small[1]);
  g_assert_cmpfloat(small[1], >, small[0] + 0.2);
  gb_dataset_free(ds);
}

/* Shift augmentation: a model trained on centred images, tested on shifted ones, does better
 * when its training samples were shifted at random. */
static void
test_augment_shift(void)
{
  GbError err;
  GbDataset *train = gb_synthetic_images(1500, 10, 14, 0, 0.05, 21, &err);
  GbDataset *test = gb_synthetic_images(500, 10, 14, 3, 0.05, 22, &err);
  GbDataView tr = gb_dataset_view(train), te = gb_dataset_view(test);
  double acc[2];
  for (int k = 0; k < 2; k++) {
    GbModel *m = gb_test_model_new("input(1,14,14), flatten, dense(64), relu, dense(10)", 3);
    GbTrainConfig cfg;
    gb_train_config_init(&cfg);
    cfg.epochs = 15;
    cfg.augment_shift = k ? 3 : 0;
    g_assert_cmpint(gb_train(m, &tr, NULL, &cfg, NULL, &err), ==, GB_OK);
    int *pred = g_new(int, te.n);
    g_assert_cmpint(gb_predict_classes(m, &te, pred, NULL, &err), ==, GB_OK);
    acc[k] = gb_metrics_accuracy(pred, te.labels, te.n);
    g_free(pred);
    gb_model_free(m);
  }
  g_test_message("accuracy on shifted digits: %.3f without augmentation, %.3f with", acc[0],
                 acc[1]);
  g_assert_cmpfloat(acc[1], >, acc[0] + 0.1);
  /* Sequences cannot be shifted as images. */
  GbDataset *seq = gb_synthetic_sequences(50, 2, 10, 3, 1.0, 1, &err);
  GbDataView sv = gb_dataset_view(seq);
  GbModel *m = gb_test_model_new("input(10,3), flatten, dense(2)", 1);
  GbTrainConfig cfg;
  gb_train_config_init(&cfg);
  cfg.augment_shift = 1;
  g_assert_cmpint(gb_train(m, &sv, NULL, &cfg, NULL, &err), ==, GB_ERR_INVALID);
  g_assert_nonnull(strstr(err.message, "shift augmentation"));
  gb_model_free(m);
  gb_dataset_free(seq);
  gb_dataset_free(train);
  gb_dataset_free(test);
}

static void
test_metrics(void)
{
  int labels[8] = {0, 0, 0, 0, 0, 0, 1, 1};
  int pred[8] = {0, 0, 0, 0, 0, 0, 0, 1};
  g_assert_cmpfloat(gb_metrics_accuracy(pred, labels, 8), ==, 7.0 / 8);
  /* Recall 6/6 for class 0 and 1/2 for class 1. */
  g_assert_cmpfloat(fabs(gb_metrics_balanced_accuracy(pred, labels, 8, 2) - 0.75), <, 1e-12);
  int cm[4];
  gb_metrics_confusion(pred, labels, 8, 2, cm);
  g_assert_cmpint(cm[0], ==, 6);
  g_assert_cmpint(cm[1], ==, 0);
  g_assert_cmpint(cm[2], ==, 1);
  g_assert_cmpint(cm[3], ==, 1);
  /* Pairs (pos, neg): (0.35 vs 0.1) win, (0.35 vs 0.4) lose, (0.8 vs both) win: 3/4. */
  float s[4] = {0.1f, 0.4f, 0.35f, 0.8f};
  int y[4] = {0, 0, 1, 1};
  g_assert_cmpfloat(fabs(gb_metrics_roc_auc(s, y, 4) - 0.75), <, 1e-12);
  /* Ties count one half: all scores equal gives 0.5. */
  float t[4] = {1, 1, 1, 1};
  g_assert_cmpfloat(fabs(gb_metrics_roc_auc(t, y, 4) - 0.5), <, 1e-12);
  float r[4] = {0.9f, 0.8f, 0.2f, 0.1f};
  g_assert_cmpfloat(gb_metrics_roc_auc(r, y, 4), ==, 0.0);
  int one[4] = {1, 1, 1, 1};
  g_assert_true(isnan(gb_metrics_roc_auc(s, one, 4)));
}

/* Each loss's gradient against central differences of the loss itself. */
static void
test_loss_gradients(void)
{
  float z[12];
  gb_test_fill_uniform(z, 12, -3, 3, 5);
  int labels[4] = {2, 0, 1, 1}, bin[4] = {1, 0, 0, 1};
  float targets[12];
  gb_test_fill_uniform(targets, 12, -1, 1, 6);
  float d[12];
  for (int kind = 0; kind < 3; kind++) {
    GbLossConfig cfg;
    gb_loss_config_init(&cfg, (GbLossKind)kind);
    cfg.weight_pos = 3.0f;
    int n_out = kind == GB_LOSS_BCE ? 1 : 3;
    const int *lab = kind == GB_LOSS_BCE ? bin : labels;
    gb_loss_compute(&cfg, z, lab, targets, 4, n_out, d);
    for (int i = 0; i < 4 * n_out; i++) {
      float keep = z[i];
      z[i] = keep + 1e-3f;
      double up = gb_loss_compute(&cfg, z, lab, targets, 4, n_out, NULL);
      z[i] = keep - 1e-3f;
      double down = gb_loss_compute(&cfg, z, lab, targets, 4, n_out, NULL);
      z[i] = keep;
      double num = (up - down) / 2e-3;
      g_assert_cmpfloat(fabs(num - d[i]), <, 1e-4 * (1 + fabs(num)));
    }
  }
  /* BCE class weights: one positive sample with logit 0 costs w_pos * log 2. */
  float zero = 0.0f;
  int pos = 1;
  g_assert_cmpfloat(fabs(gb_loss_bce(&zero, &pos, 1, 1.0f, 3.0f, NULL) - 3.0 * log(2.0)), <,
                    1e-9);
  /* Softmax CE is stable for huge logits. */
  float big[2] = {1000.0f, -1000.0f};
  int lab1 = 1;
  g_assert_cmpfloat(fabs(gb_loss_softmax_ce(big, &lab1, 1, 2, NULL) - 2000.0), <, 1e-3);
}

static void
test_cross_validation(void)
{
  GbError err;
  GbDataset *ds = gb_synthetic_images(500, 5, 10, 1, 0.05, 4, &err);
  GbDataView v = gb_dataset_view(ds);
  GbTrainConfig cfg;
  gb_train_config_init(&cfg);
  cfg.epochs = 20;
  cfg.batch_size = 25;
  GbFoldResult folds[5];
  double mean, sd;
  g_assert_cmpint(gb_cross_validate("input(100), dense(32), relu, dense(5)", &v, 5, &cfg, folds,
                                    &mean, &sd, &err),
                  ==, GB_OK);
  for (int f = 0; f < 5; f++) {
    g_assert_cmpint(folds[f].fold, ==, f + 1);
    g_assert_cmpint(folds[f].epochs_run, ==, 20);
  }
  g_test_message("5-fold accuracy %.3f +- %.3f", mean, sd);
  g_assert_cmpfloat(mean, >, 0.9);
  g_assert_cmpfloat(sd, <, 0.1);
  g_assert_cmpint(gb_cross_validate("input(100), dense(5)", &v, 1, &cfg, folds, &mean, &sd, &err),
                  ==, GB_ERR_INVALID);
  gb_dataset_free(ds);
}

static void
test_search(void)
{
  GbError err;
  GbDataset *ds = gb_synthetic_images(400, 5, 10, 1, 0.05, 4, &err);
  GbDataView v = gb_dataset_view(ds);
  GbTrainConfig cfg;
  gb_train_config_init(&cfg);
  cfg.epochs = 3;
  float lr[2] = {1e-6f, 1e-2f};
  int batch[1] = {20};
  const char *units[2] = {"4", "32"};
  GbOptimKind optim[1] = {GB_OPTIM_ADAM};
  GbSearchSpace space = {"input(100), dense({u}), relu, dense(5)", 2, lr, 1, batch, 2, units,
                         1, optim};
  GbSearchTrial *trials;
  int n, best;
  g_assert_cmpint(gb_hyper_search(&space, GB_SEARCH_GRID, 0, &v, &cfg, &trials, &n, &best, &err),
                  ==, GB_OK);
  g_assert_cmpint(n, ==, 4);
  /* A learning rate of 1e-6 learns nothing in 3 epochs: the best uses 1e-2. */
  g_assert_cmpfloat(trials[best].lr, ==, 1e-2f);
  for (int i = 0; i < n; i++)
    if (i != best)
      g_assert_cmpfloat(trials[i].val_acc, <=, trials[best].val_acc);
  g_free(trials);
  g_assert_cmpint(
      gb_hyper_search(&space, GB_SEARCH_RANDOM, 5, &v, &cfg, &trials, &n, &best, &err), ==,
      GB_OK);
  g_assert_cmpint(n, ==, 5);
  for (int i = 0; i < n; i++) {
    g_assert_cmpfloat(trials[i].lr, >=, 1e-6f * 0.999f);
    g_assert_cmpfloat(trials[i].lr, <=, 1e-2f * 1.001f);
  }
  g_free(trials);
  char *spec = gb_search_expand_template("input(8), dense({u1}), dense({u2})", "16-4", &err);
  g_assert_cmpstr(spec, ==, "input(8), dense(16), dense(4)");
  g_free(spec);
  g_assert_null(gb_search_expand_template("input(8), dense({u2})", "16", &err));
  gb_dataset_free(ds);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/engine/train/mlp-learns", test_mlp_learns);
  g_test_add_func("/engine/train/cnn-learns", test_cnn_learns);
  g_test_add_func("/engine/train/determinism", test_determinism);
  g_test_add_func("/engine/train/cancel", test_cancel);
  g_test_add_func("/engine/train/divergence", test_divergence);
  g_test_add_func("/engine/train/early-stopping", test_early_stopping);
  g_test_add_func("/engine/train/bad-data", test_bad_data);
  g_test_add_func("/engine/train/l1-and-clipping", test_l1_and_clipping);
  g_test_add_func("/engine/train/augment-shift", test_augment_shift);
  g_test_add_func("/engine/loss/gradients", test_loss_gradients);
  g_test_add_func("/engine/metrics", test_metrics);
  g_test_add_func("/engine/train/cross-validation", test_cross_validation);
  g_test_add_func("/engine/train/search", test_search);
  return g_test_run();
}

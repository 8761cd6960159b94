/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gb-clever-hans.h"
#include "gb-cli-global-private.h"
#include "gb-eeg-filter.h"
#include "gb-eeg-sim.h"
#include "gb-global.h"
#include "gb-segments.h"

/* glassbox-cli global clever-hans --eeg: simulated P300 trials in which a blink follows every
 * target flash in training (the subject blinks after recognising the target), a model trained
 * on them and one trained on the same trials without those blinks; then, on held-out subjects,
 * how each behaves and how much of its relevance sits on the frontal (eye) channels. */

#define FRONTAL_WEIGHT 0.5 /* channels with at least this share of a blink count as frontal */

typedef struct {
  const char *name;
  GbModel *m;
  double bacc;         /* balanced accuracy on the held-out subjects, natural blinks only */
  double called;       /* share of held-out trials called target when every one blinks */
  double frontal;      /* share of |relevance| on frontal channels, blinked held-out targets */
  float *mean_map;     /* (n_times, n_channels): mean |relevance| over those trials */
  double *drop;        /* (n_channels): permutation importance of each channel */
  double drop_frontal; /* share of the summed positive drops on frontal channels */
} EegModel;

/* Simulated, band-passed 0.5-12 Hz and decimated to 32 Hz, as the shipped P300 models. */
static GbEegSet *
simulate(int subjects, uint64_t seed, const GbEegBlinkConfig *blinks, GbError *err)
{
  GbEegSimConfig cfg;
  gb_eeg_sim_config_init(&cfg);
  cfg.n_subjects = subjects;
  cfg.seed = seed;
  GbEegSet *set = NULL;
  if (gb_eeg_sim_generate(&cfg, &set, err) != GB_OK)
    return NULL;
  if ((blinks != NULL && gb_eeg_add_target_blinks(set, blinks, NULL, NULL, err) != GB_OK) ||
      gb_eeg_set_bandpass(set, 4, 0.5, 12, NULL, NULL, err) != GB_OK) {
    gb_eeg_set_free(set);
    return NULL;
  }
  GbEegSet *d = gb_eeg_set_decimate(set, 4, NULL, NULL, err);
  gb_eeg_set_free(set);
  return d;
}

static GbStatus
train_model(const GlobalOptions *o, const GbEegSet *set, GbModel **out, GbError *err)
{
  GbShape s = gb_dataset_sample_shape(set->data);
  g_autofree char *spec = o->arch ? gb_cli_preset_spec(o->arch, &s, 1) : NULL;
  if (spec == NULL)
    spec = o->arch ? g_strdup(o->arch)
                   : g_strdup_printf("input(%d,%d), flatten, dense(32), relu, dense(1)", s.dim[0],
                                     s.dim[1]);
  GbStatus st = gb_model_new_from_spec(spec, (uint64_t)o->seed, out, err);
  if (st != GB_OK)
    return st;
  GbTrainConfig tc;
  gb_train_config_init(&tc);
  tc.epochs = o->epochs;
  tc.seed = (uint64_t)o->seed;
  tc.val_fraction = 0;
  gb_loss_config_init(&tc.loss, GB_LOSS_BCE);
  tc.loss.weight_pos = 5; /* 1 target in 6 flashes */
  GbCliProgress prog;
  gb_cli_progress_init(&prog);
  tc.progress = gb_cli_progress_cb;
  tc.user = &prog;
  GbDataView v = gb_dataset_view(set->data);
  st = gb_train(*out, &v, NULL, &tc, NULL, err);
  gb_cli_progress_finish(&prog);
  return st;
}

static double
balanced_accuracy(GbModel *m, const GbEegSet *set)
{
  int n = gb_dataset_size(set->data), ok[2] = {0}, count[2] = {0};
  g_autofree int *pred = gb_cli_global_predict(m, set->data->x->data, n);
  for (int i = 0; i < n; i++) {
    int y = set->data->labels[i] == 1;
    count[y]++;
    ok[y] += pred[i] == y;
  }
  return 0.5 *
         ((count[0] ? (double)ok[0] / count[0] : 0) + (count[1] ? (double)ok[1] / count[1] : 0));
}

static double
called_target(GbModel *m, const GbEegSet *set)
{
  int n = gb_dataset_size(set->data), k = 0;
  g_autofree int *pred = gb_cli_global_predict(m, set->data->x->data, n);
  for (int i = 0; i < n; i++)
    k += pred[i] == 1;
  return (double)k / n;
}

/* Gradient x input of the logit over the target trials of @set: the mean share on @frontal
 * channels, and the mean |map| into em->mean_map. */
static GbStatus
frontal_share(EegModel *em, const GbEegSet *set, const bool *frontal, GbError *err)
{
  size_t d = (size_t)set->n_times * set->n_channels;
  int n = gb_dataset_size(set->data), n_t = 0;
  g_autofree float *maps = g_new(float, d * 64);
  int cls[64] = {0};
  em->mean_map = g_new0(float, d);
  em->frontal = 0;
  for (int s = 0; s < n; s += 64) {
    int nb = MIN(64, n - s);
    GbStatus st =
        gb_explain_batch_grad_x_input(NULL, em->m, set->data->x->data + s * d, nb, cls, maps, err);
    if (st != GB_OK)
      return st;
    for (int i = 0; i < nb; i++) {
      if (set->data->labels[s + i] != 1)
        continue;
      double on = 0, all = 0;
      for (size_t j = 0; j < d; j++) {
        double a = fabs(maps[i * d + j]);
        all += a;
        on += frontal[j % set->n_channels] ? a : 0;
        em->mean_map[j] += (float)a;
      }
      em->frontal += all > 0 ? on / all : 0;
      n_t++;
    }
  }
  em->frontal /= MAX(n_t, 1);
  for (size_t j = 0; j < d; j++)
    em->mean_map[j] /= MAX(n_t, 1);
  return GB_OK;
}

/* Permutation importance of each channel on held-out trials with blinks as in training: how
 * much accuracy is lost when that channel is shuffled across trials. */
static GbStatus
channel_importance(EegModel *em, const GbEegSet *set, const bool *frontal, uint64_t seed,
                   GbError *err)
{
  GbShape s = gb_dataset_sample_shape(set->data);
  GbSegments seg = {0};
  GbPermutationImportance r = {0};
  GbDataView v = gb_dataset_view(set->data);
  GbStatus st = gb_segments_grid(&seg, &s, set->n_times, 1, err);
  if (st == GB_OK)
    st = gb_global_permutation_importance(em->m, &v, &seg, 3, seed, NULL, NULL, &r, err);
  if (st == GB_OK) {
    em->drop = g_new(double, set->n_channels);
    double all = 0, on = 0;
    for (int c = 0; c < set->n_channels; c++) {
      em->drop[c] = r.drop[c];
      all += MAX(r.drop[c], 0);
      on += frontal[c] ? MAX(r.drop[c], 0) : 0;
    }
    em->drop_frontal = all > 0 ? on / all : 0;
  }
  gb_permutation_importance_clear(&r);
  gb_segments_clear(&seg);
  return st;
}

static int
write_outputs(const GlobalOptions *o, EegModel *em, const GbEegSet *set)
{
  g_autoptr(GString) csv = g_string_new("model,balanced_accuracy,blinked_called_target,"
                                        "frontal_relevance_share,frontal_permutation_share");
  for (int c = 0; c < set->n_channels; c++)
    g_string_append_printf(csv, ",drop_%s", set->channels[c].label);
  g_string_append_c(csv, '\n');
  for (int k = 0; k < 2; k++) {
    g_string_append_printf(csv, "%s,%.6g,%.6g,%.6g,%.6g", em[k].name, em[k].bacc, em[k].called,
                           em[k].frontal, em[k].drop_frontal);
    for (int c = 0; c < set->n_channels; c++)
      g_string_append_printf(csv, ",%.6g", em[k].drop[c]);
    g_string_append_c(csv, '\n');
  }
  int code = o->csv ? gb_cli_global_write_csv(o->csv, csv) : GB_EXIT_OK;
  if (code != GB_EXIT_OK || o->plot == NULL)
    return code;
  GbShape s = gb_dataset_sample_shape(set->data);
  GlobalPanel p[4];
  const char **labels = g_new(const char *, set->n_channels);
  for (int c = 0; c < set->n_channels; c++)
    labels[c] = set->channels[c].label;
  for (int k = 0; k < 2; k++) {
    char t[96];
    g_snprintf(t, sizeof t, "%s model: mean |relevance|, targets", em[k].name);
    gb_cli_global_panel_map(&p[2 * k], &s, NULL, em[k].mean_map, false, t);
    GlobalPanel *b = &p[2 * k + 1];
    memset(b, 0, sizeof *b);
    b->is_bar = true;
    b->values = g_new0(float, set->n_channels);
    for (int c = 0; c < set->n_channels; c++)
      b->values[c] = (float)em[k].drop[c];
    g_snprintf(b->title, sizeof b->title, "%s: channel importance, %.0f%% frontal", em[k].name,
               100 * em[k].drop_frontal);
    b->bar = (GbBarChart){.kind = GB_BARCHART_SIGNED,
                          .orientation = GB_BARCHART_VERTICAL,
                          .values = b->values,
                          .n = set->n_channels,
                          .labels = labels,
                          .highlight = -1,
                          .title = b->title,
                          .axis_label = "accuracy lost when shuffled"};
  }
  code = gb_cli_global_write_grid(o->plot, p, 4, 2, 460, 300);
  for (int i = 0; i < 4; i++)
    gb_cli_global_panel_clear(&p[i]);
  g_free(labels);
  return code;
}

int
gb_cli_global_clever_hans_eeg(GlobalOptions *o)
{
  GbEegBlinkConfig train_blinks, all_blinks;
  gb_eeg_blink_config_init(&train_blinks);
  train_blinks.rate_target = o->rate;
  train_blinks.rate_nontarget = o->rate_others;
  train_blinks.seed = (uint64_t)o->seed;
  all_blinks = train_blinks;
  all_blinks.rate_target = all_blinks.rate_nontarget = 1;
  int subjects = o->n > 0 ? o->n : 8;
  GbError err;
  printf("simulating %d training and 4 held-out subjects...\n", subjects);
  uint64_t seed = (uint64_t)o->seed, held = seed + 1000;
  GbEegSet *hans_set = simulate(subjects, seed, &train_blinks, &err);
  GbEegSet *clean_set = hans_set ? simulate(subjects, seed, NULL, &err) : NULL;
  GbEegSet *test = clean_set ? simulate(4, held, NULL, &err) : NULL;
  GbEegSet *blinked = test ? simulate(4, held, &all_blinks, &err) : NULL;
  GbEegSet *as_trained = blinked ? simulate(4, held, &train_blinks, &err) : NULL;
  GbEegSet *sets[5] = {hans_set, clean_set, test, blinked, as_trained};
  if (as_trained == NULL) {
    for (int i = 0; i < 5; i++)
      gb_eeg_set_free(sets[i]);
    return gb_cli_report(&err);
  }
  /* One per-channel standardisation, fitted on the clean training trials, for every set. */
  GbEegScaler *scaler = gb_eeg_scaler_fit(clean_set, NULL, 0, &err);
  for (int i = 0; i < 5 && scaler != NULL; i++)
    if (gb_eeg_scaler_apply(scaler, sets[i], &err) != GB_OK) {
      gb_eeg_scaler_free(scaler);
      scaler = NULL;
    }
  if (scaler == NULL) {
    for (int i = 0; i < 5; i++)
      gb_eeg_set_free(sets[i]);
    return gb_cli_report(&err);
  }
  gb_eeg_scaler_free(scaler);
  /* Frontal channels: where the blink's spatial weight is large. */
  g_autofree float *w = g_new(float, test->n_channels);
  g_autofree bool *frontal = g_new(bool, test->n_channels);
  gb_eeg_blink_weights(test, w);
  printf("frontal channels (at least %.0f%% of a blink):", 100 * FRONTAL_WEIGHT);
  for (int c = 0; c < test->n_channels; c++) {
    frontal[c] = w[c] >= FRONTAL_WEIGHT;
    if (frontal[c])
      printf(" %s (%.0f%%)", test->channels[c].label, 100 * w[c]);
  }
  printf("\n");
  EegModel em[2] = {{.name = "Clever Hans"}, {.name = "clean"}};
  int code = GB_EXIT_OK;
  for (int k = 0; k < 2 && code == GB_EXIT_OK; k++) {
    printf("training the %s model on %d trials...\n", em[k].name, gb_dataset_size(hans_set->data));
    GbStatus st = train_model(o, k == 0 ? hans_set : clean_set, &em[k].m, &err);
    if (st == GB_OK) {
      em[k].bacc = balanced_accuracy(em[k].m, test);
      em[k].called = called_target(em[k].m, blinked);
      st = frontal_share(&em[k], blinked, frontal, &err);
    }
    if (st == GB_OK)
      st = channel_importance(&em[k], as_trained, frontal, seed, &err);
    if (st != GB_OK) {
      code = gb_cli_report(&err);
      break;
    }
    printf("%-11s model: balanced accuracy on held-out subjects %.3f; trials called target when "
           "every trial has a blink %.1f%%; share of |grad-x-input| on frontal channels for "
           "blinked targets %.1f%%; of the accuracy lost by shuffling single channels %.1f%%\n",
           em[k].name, em[k].bacc, 100 * em[k].called, 100 * em[k].frontal,
           100 * em[k].drop_frontal);
  }
  if (code == GB_EXIT_OK)
    code = write_outputs(o, em, test);
  for (int k = 0; k < 2; k++) {
    gb_model_free(em[k].m);
    g_free(em[k].mean_map);
    g_free(em[k].drop);
  }
  for (int i = 0; i < 5; i++)
    gb_eeg_set_free(sets[i]);
  return code;
}

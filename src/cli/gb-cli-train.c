/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gb-cli.h"
#include "gb-model-file.h"
#include "gb-search.h"
#include "gb-train.h"

typedef struct {
  char *arch, *data, *val_data, *out, *optimizer, *schedule, *loss, *class_weights, *history;
  double lr, momentum, weight_decay, gamma, min_lr, val_fraction, l1, clip, clip_norm;
  int epochs, batch, seed, step_size, patience, cv, trials, augment_shift;
  char *search, *search_lr, *search_batch, *search_units, *search_optim;
  char **meta;
  gboolean quiet;
} TrainOptions;

static void
options_free(TrainOptions *o)
{
  char **strings[] = {&o->arch, &o->data, &o->val_data, &o->out, &o->optimizer, &o->schedule,
                      &o->loss, &o->class_weights, &o->history, &o->search, &o->search_lr,
                      &o->search_batch, &o->search_units, &o->search_optim};
  for (size_t i = 0; i < G_N_ELEMENTS(strings); i++)
    g_clear_pointer(strings[i], g_free);
  g_clear_pointer(&o->meta, g_strfreev);
}

/* Fills @cfg from the options; returns an exit code or -1 when fine. */
static int
build_config(GOptionContext *ctx, TrainOptions *o, GbTrainConfig *cfg)
{
  gb_train_config_init(cfg);
  GbOptimKind kind = GB_OPTIM_ADAM;
  if (o->optimizer && !gb_optim_kind_from_string(o->optimizer, &kind))
    return gb_cli_usage_error(ctx, "unknown optimizer '%s' (sgd, momentum, nesterov, adagrad, "
                              "rmsprop, adam, adamw, lars)", o->optimizer);
  gb_optim_config_defaults(&cfg->optim, kind);
  if (!isnan(o->lr))
    cfg->optim.lr = (float)o->lr;
  if (!isnan(o->momentum))
    cfg->optim.momentum = (float)o->momentum;
  if (!isnan(o->weight_decay))
    cfg->optim.weight_decay = (float)o->weight_decay;
  GbScheduleKind sk = GB_SCHEDULE_CONSTANT;
  if (o->schedule && !gb_schedule_kind_from_string(o->schedule, &sk))
    return gb_cli_usage_error(ctx, "unknown schedule '%s' (constant, step, cosine)", o->schedule);
  gb_schedule_init(&cfg->schedule, sk);
  if (o->step_size > 0)
    cfg->schedule.step_size = o->step_size;
  if (!isnan(o->gamma))
    cfg->schedule.gamma = (float)o->gamma;
  if (!isnan(o->min_lr))
    cfg->schedule.min_lr = (float)o->min_lr;
  GbLossKind lk = GB_LOSS_SOFTMAX_CE;
  if (o->loss && !gb_loss_kind_from_string(o->loss, &lk))
    return gb_cli_usage_error(ctx, "unknown loss '%s' (ce, bce, mse)", o->loss);
  gb_loss_config_init(&cfg->loss, lk);
  if (o->class_weights) {
    double neg, pos;
    char extra;
    if (sscanf(o->class_weights, "%lf,%lf%c", &neg, &pos, &extra) != 2 || !(neg > 0) || !(pos > 0))
      return gb_cli_usage_error(ctx, "--class-weights takes two positive numbers NEG,POS, got '%s'",
                                o->class_weights);
    cfg->loss.weight_neg = (float)neg;
    cfg->loss.weight_pos = (float)pos;
  }
  cfg->epochs = o->epochs;
  cfg->batch_size = o->batch;
  cfg->seed = (uint64_t)o->seed;
  cfg->val_fraction = o->val_fraction;
  cfg->patience = o->patience;
  cfg->l1 = (float)o->l1;
  cfg->clip_value = (float)o->clip;
  cfg->clip_norm = (float)o->clip_norm;
  cfg->augment_shift = o->augment_shift;
  return -1;
}

static void
print_epoch(void *user, const GbEpochStats *s)
{
  GbCliProgress *p = user;
  gb_cli_progress_finish(p);
  printf("epoch %3d  lr %.3g  train loss %.4f", s->epoch, s->lr, s->train_loss);
  if (!isnan(s->train_acc))
    printf(" acc %.4f", s->train_acc);
  if (!isnan(s->val_loss)) {
    printf("  val loss %.4f", s->val_loss);
    if (!isnan(s->val_acc))
      printf(" acc %.4f", s->val_acc);
  }
  printf("  (%.1f s)\n", s->seconds);
  fflush(stdout);
}

static int
write_history(const char *path, const GbTrainHistory *h)
{
  g_autoptr(GString) s = g_string_new("epoch,lr,train_loss,train_acc,val_loss,val_acc,seconds\n");
  for (int i = 0; i < h->n_epochs; i++) {
    const GbEpochStats *e = &h->epochs[i];
    g_string_append_printf(s, "%d,%.9g,%.9g,%.9g,%.9g,%.9g,%.4f\n", e->epoch, e->lr, e->train_loss,
                           e->train_acc, e->val_loss, e->val_acc, e->seconds);
  }
  g_autoptr(GError) error = NULL;
  if (!g_file_set_contents(path, s->str, (gssize)s->len, &error)) {
    g_printerr("glassbox-cli: %s\n", error->message);
    return GB_EXIT_INPUT;
  }
  return GB_EXIT_OK;
}

static char *
resolve_arch(const char *arch, const GbDataset *ds)
{
  GbShape s = gb_dataset_sample_shape(ds);
  char *preset = gb_cli_preset_spec(arch, &s, ds->n_classes);
  return preset ? preset : g_strdup(arch);
}

static void
print_model_line(GbModel *m)
{
  char *spec = gb_model_dup_spec(m);
  printf("model: %s\n       %zu parameters\n", spec, gb_model_n_params(m));
  free(spec);
}

static int
save_model(GbModel *m, const TrainOptions *o, int argc_orig, char **argv_orig,
           const GbTrainHistory *h)
{
  GbError err;
  /* Quoted so the command can be pasted back into a shell to retrain the same model. */
  g_autoptr(GString) cmd = g_string_new("glassbox-cli");
  for (int i = 0; argv_orig[i] != NULL; i++) {
    g_autofree char *q = g_shell_quote(argv_orig[i]);
    const char *arg = argv_orig[i];
    bool plain = *arg != '\0' && strspn(arg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                              "0123456789-_.,:/=+") == strlen(arg);
    g_string_append_printf(cmd, " %s", plain ? arg : q);
  }
  (void)argc_orig;
  g_autofree char *seed = g_strdup_printf("%d", o->seed);
  gb_model_set_meta(m, "glassbox.train.command", cmd->str, &err);
  gb_model_set_meta(m, "glassbox.train.data", o->data, &err);
  gb_model_set_meta(m, "glassbox.train.seed", seed, &err);
  if (h != NULL && h->n_epochs > 0) {
    const GbEpochStats *e = &h->epochs[(h->best_epoch > 0 ? h->best_epoch : h->n_epochs) - 1];
    g_autofree char *ep = g_strdup_printf("%d", h->n_epochs);
    gb_model_set_meta(m, "glassbox.train.epochs", ep, &err);
    if (!isnan(e->val_acc)) {
      g_autofree char *acc = g_strdup_printf("%.4f", e->val_acc);
      gb_model_set_meta(m, "glassbox.train.val_accuracy", acc, &err);
    }
  }
  for (int i = 0; o->meta != NULL && o->meta[i] != NULL; i++) {
    g_auto(GStrv) kv = g_strsplit(o->meta[i], "=", 2);
    if (kv[0] == NULL || kv[1] == NULL || kv[0][0] == '\0')
      gb_error_set(&err, GB_ERR_INVALID, "--meta takes KEY=VALUE, got '%s'", o->meta[i]);
    else if (gb_model_set_meta(m, kv[0], kv[1], &err) == GB_OK)
      continue;
    return gb_cli_report(&err);
  }
  if (gb_model_save(m, o->out, &err) != GB_OK)
    return gb_cli_report(&err);
  printf("saved %s\n", o->out);
  return GB_EXIT_OK;
}

static int
run_cv(const TrainOptions *o, const char *spec, const GbDataView *v, GbTrainConfig *cfg)
{
  GbError err;
  GbFoldResult *folds = g_new0(GbFoldResult, o->cv);
  double mean, sd;
  GbCliProgress prog;
  gb_cli_progress_init(&prog);
  cfg->progress = gb_cli_progress_cb;
  cfg->user = &prog;
  GbStatus st = gb_cross_validate(spec, v, o->cv, cfg, folds, &mean, &sd, &err);
  gb_cli_progress_finish(&prog);
  if (st != GB_OK) {
    g_free(folds);
    return gb_cli_report(&err);
  }
  for (int f = 0; f < o->cv; f++)
    printf("fold %2d  val loss %.4f  acc %.4f  (%d epochs)\n", folds[f].fold, folds[f].val_loss,
           folds[f].val_acc, folds[f].epochs_run);
  printf("%d-fold cross-validation accuracy: %.4f +- %.4f\n", o->cv, mean, sd);
  g_free(folds);
  return GB_EXIT_OK;
}

/* "a,b,c" -> array of parsed values via @parse; returns the count or -1. */
static int
split_list(const char *text, char ***out)
{
  *out = g_strsplit(text, ",", -1);
  int n = (int)g_strv_length(*out);
  for (int i = 0; i < n; i++)
    g_strstrip((*out)[i]);
  return n;
}

static int
run_search(GOptionContext *ctx, const TrainOptions *o, const GbDataView *v, GbTrainConfig *cfg,
           GbSearchTrial *best_out)
{
  GbSearchMode mode;
  if (g_str_equal(o->search, "grid"))
    mode = GB_SEARCH_GRID;
  else if (g_str_equal(o->search, "random"))
    mode = GB_SEARCH_RANDOM;
  else
    return gb_cli_usage_error(ctx, "--search takes 'grid' or 'random', got '%s'", o->search);
  g_auto(GStrv) lr_s = NULL, batch_s = NULL, units_s = NULL, optim_s = NULL;
  int n_lr = split_list(o->search_lr ? o->search_lr : "0.001", &lr_s);
  int n_batch = split_list(o->search_batch ? o->search_batch : "64", &batch_s);
  int n_units = o->search_units ? split_list(o->search_units, &units_s) : 0;
  int n_optim = split_list(o->search_optim ? o->search_optim : "adam", &optim_s);
  g_autofree float *lr = g_new(float, n_lr);
  g_autofree int *batch = g_new(int, n_batch);
  g_autofree GbOptimKind *optim = g_new(GbOptimKind, n_optim);
  for (int i = 0; i < n_lr; i++) {
    char *end;
    lr[i] = (float)g_ascii_strtod(lr_s[i], &end);
    if (*end || !(lr[i] > 0))
      return gb_cli_usage_error(ctx, "--search-lr: '%s' is not a positive number", lr_s[i]);
  }
  for (int i = 0; i < n_batch; i++) {
    char *end;
    batch[i] = (int)g_ascii_strtoll(batch_s[i], &end, 10);
    if (*end || batch[i] < 1)
      return gb_cli_usage_error(ctx, "--search-batch: '%s' is not a positive integer", batch_s[i]);
  }
  for (int i = 0; i < n_optim; i++)
    if (!gb_optim_kind_from_string(optim_s[i], &optim[i]))
      return gb_cli_usage_error(ctx, "--search-optimizer: unknown optimizer '%s'", optim_s[i]);
  GbSearchSpace space = {o->arch, n_lr, lr, n_batch, batch, n_units,
                         (const char *const *)units_s, n_optim, optim};
  GbCliProgress prog;
  gb_cli_progress_init(&prog);
  cfg->progress = gb_cli_progress_cb;
  cfg->user = &prog;
  GbSearchTrial *trials = NULL;
  int n = 0, best = -1;
  GbError err;
  GbStatus st = gb_hyper_search(&space, mode, o->trials, v, cfg, &trials, &n, &best, &err);
  gb_cli_progress_finish(&prog);
  printf("trial  optimizer  lr          batch  sizes      val loss  val acc  seconds\n");
  for (int i = 0; i < n; i++)
    printf("%5d  %-9s  %-10.4g  %5d  %-9s  %8.4f  %7.4f  %7.1f%s\n", i + 1,
           gb_optim_kind_to_string(trials[i].optim), (double)trials[i].lr, trials[i].batch,
           trials[i].units[0] ? trials[i].units : "-", trials[i].val_loss, trials[i].val_acc,
           trials[i].seconds, i == best ? "  <- best" : "");
  if (best >= 0)
    *best_out = trials[best];
  g_free(trials);
  return st == GB_OK ? GB_EXIT_OK : gb_cli_report(&err);
}

static int
train_and_save(const TrainOptions *o, const char *spec, GbDataset *ds, GbDataset *val_ds,
               GbTrainConfig *cfg, char **argv_orig)
{
  GbError err;
  GbModel *m = NULL;
  if (gb_model_new_from_spec(spec, (uint64_t)o->seed, &m, &err) != GB_OK) {
    gb_error_prefix(&err, "architecture");
    return gb_cli_report(&err);
  }
  if (!o->quiet)
    print_model_line(m);
  GbCliProgress prog;
  gb_cli_progress_init(&prog);
  cfg->progress = gb_cli_progress_cb;
  cfg->on_epoch = o->quiet ? NULL : print_epoch;
  cfg->user = &prog;
  GbDataView v = gb_dataset_view(ds), vv;
  if (val_ds != NULL)
    vv = gb_dataset_view(val_ds);
  GbTrainHistory h = {0};
  GbStatus st = gb_train(m, &v, val_ds ? &vv : NULL, cfg, &h, &err);
  gb_cli_progress_finish(&prog);
  int code = GB_EXIT_OK;
  if (h.stopped_early)
    printf("early stop after epoch %d; kept the weights of epoch %d\n", h.n_epochs, h.best_epoch);
  if (o->history && h.n_epochs > 0)
    code = write_history(o->history, &h);
  if (st != GB_OK) {
    /* Never save weights from a failed run. */
    if (st == GB_ERR_CANCELLED)
      g_printerr("glassbox-cli: interrupted; %s was not written\n", o->out ? o->out : "no model");
    code = gb_cli_report(&err);
  } else if (code == GB_EXIT_OK && o->out) {
    code = save_model(m, o, 0, argv_orig, &h);
  }
  gb_train_history_clear(&h);
  gb_model_free(m);
  return code;
}

int
gb_cli_train(int argc, char **argv)
{
  TrainOptions o = {.lr = NAN, .momentum = NAN, .weight_decay = NAN, .gamma = NAN,
                    .min_lr = NAN, .epochs = 10, .batch = 64, .seed = 1, .val_fraction = 0.1,
                    .trials = 10};
  GOptionEntry entries[] = {
      {"arch", 'a', 0, G_OPTION_ARG_STRING, &o.arch, "Architecture text or preset", "SPEC"},
      {"data", 'd', 0, G_OPTION_ARG_STRING, &o.data, "Training data source", "SOURCE"},
      {"val-data", 0, 0, G_OPTION_ARG_STRING, &o.val_data, "Separate validation data", "SOURCE"},
      {"out", 'o', 0, G_OPTION_ARG_FILENAME, &o.out, "Model file to write (.safetensors)", "FILE"},
      {"optimizer", 0, 0, G_OPTION_ARG_STRING, &o.optimizer,
       "sgd, momentum, nesterov, adagrad, rmsprop, adam (default), adamw, lars", "NAME"},
      {"lr", 0, 0, G_OPTION_ARG_DOUBLE, &o.lr, "Learning rate (default: the optimizer's)", "F"},
      {"momentum", 0, 0, G_OPTION_ARG_DOUBLE, &o.momentum, "Momentum (momentum, nesterov, lars)", "F"},
      {"weight-decay", 0, 0, G_OPTION_ARG_DOUBLE, &o.weight_decay, "Weight decay (weights only)", "F"},
      {"schedule", 0, 0, G_OPTION_ARG_STRING, &o.schedule, "constant (default), step, cosine", "NAME"},
      {"step-size", 0, 0, G_OPTION_ARG_INT, &o.step_size, "Step schedule: epochs per step (10)", "N"},
      {"gamma", 0, 0, G_OPTION_ARG_DOUBLE, &o.gamma, "Step schedule: factor per step (0.1)", "F"},
      {"min-lr", 0, 0, G_OPTION_ARG_DOUBLE, &o.min_lr, "Cosine schedule: final rate (0)", "F"},
      {"epochs", 'e', 0, G_OPTION_ARG_INT, &o.epochs, "Training epochs (10)", "N"},
      {"batch", 'b', 0, G_OPTION_ARG_INT, &o.batch, "Mini-batch size (64)", "N"},
      {"seed", 's', 0, G_OPTION_ARG_INT, &o.seed, "Seed of weights, shuffling, split (1)", "N"},
      {"val-fraction", 0, 0, G_OPTION_ARG_DOUBLE, &o.val_fraction,
       "Fraction held out for validation without --val-data (0.1)", "F"},
      {"patience", 0, 0, G_OPTION_ARG_INT, &o.patience, "Early stopping patience; 0 = off", "N"},
      {"loss", 0, 0, G_OPTION_ARG_STRING, &o.loss, "ce (default), bce, mse", "NAME"},
      {"class-weights", 0, 0, G_OPTION_ARG_STRING, &o.class_weights, "BCE weights", "NEG,POS"},
      {"l1", 0, 0, G_OPTION_ARG_DOUBLE, &o.l1, "L1 penalty on weights (Oliva)", "F"},
      {"clip", 0, 0, G_OPTION_ARG_DOUBLE, &o.clip, "Clip each gradient to [-F, F]", "F"},
      {"clip-norm", 0, 0, G_OPTION_ARG_DOUBLE, &o.clip_norm, "Clip the gradient norm to F", "F"},
      {"augment-shift", 0, 0, G_OPTION_ARG_INT, &o.augment_shift,
       "Images: shift training samples by up to N pixels", "N"},
      {"history", 0, 0, G_OPTION_ARG_FILENAME, &o.history, "Write per-epoch figures as CSV", "FILE"},
      {"cv", 0, 0, G_OPTION_ARG_INT, &o.cv, "k-fold cross-validation instead of training", "K"},
      {"search", 0, 0, G_OPTION_ARG_STRING, &o.search, "Hyper-parameter search: grid or random", "MODE"},
      {"search-lr", 0, 0, G_OPTION_ARG_STRING, &o.search_lr, "Learning rates to try", "A,B,..."},
      {"search-batch", 0, 0, G_OPTION_ARG_STRING, &o.search_batch, "Batch sizes to try", "A,B,..."},
      {"search-units", 0, 0, G_OPTION_ARG_STRING, &o.search_units,
       "Layer sizes for {u1}-{u4} in --arch, e.g. 64,128-64", "A,B,..."},
      {"search-optimizer", 0, 0, G_OPTION_ARG_STRING, &o.search_optim, "Optimizers to try", "A,B,..."},
      {"trials", 0, 0, G_OPTION_ARG_INT, &o.trials, "Random search: number of trials (10)", "N"},
      {"meta", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o.meta,
       "Store KEY=VALUE in the model file's metadata (repeatable)", "KEY=VALUE"},
      {"quiet", 'q', 0, G_OPTION_ARG_NONE, &o.quiet, "Print only errors and the result", NULL},
      {NULL}};
  g_autoptr(GOptionContext) ctx = g_option_context_new("- train a model");
  g_option_context_add_main_entries(ctx, entries, NULL);
  g_option_context_set_description(
      ctx, "Architectures are text such as\n"
           "  'input(1,28,28), conv2d(8,5), relu, maxpool2d(2), flatten, dense(10)'\n"
           "or a preset sized for the data: mlp, mlp2, lenet, rnn, lstm, gru.\n"
           "Data sources: synthetic-images[:N[:SIZE[:SEED]]], "
           "synthetic-sequences[:N[:STEPS[:CHANNELS[:SEED]]]].\n\n"
           "Example:\n  glassbox-cli train --arch lenet --data synthetic-images:20000 "
           "--epochs 5 --out lenet.safetensors\n\n"
           "Exit status: 0 success, 1 training failed (diverged, out of memory), 2 bad command "
           "line,\n3 bad data or model file, 130 interrupted.");
  char **argv_orig = g_strdupv(argv);
  int code;
  if (!gb_cli_parse(ctx, &argc, &argv, &code))
    goto out;
  code = -1;
  if (argc > 1)
    code = gb_cli_usage_error(ctx, "unexpected argument '%s'", argv[1]);
  else if (!o.arch || !o.data)
    code = gb_cli_usage_error(ctx, "train needs --arch and --data");
  else if (!o.out && !o.cv && !o.search)
    code = gb_cli_usage_error(ctx, "train needs --out FILE (or --cv K, or --search)");
  else if (o.cv && o.search)
    code = gb_cli_usage_error(ctx, "--cv and --search do not go together");
  for (int i = 0; code < 0 && o.meta != NULL && o.meta[i] != NULL; i++)
    if (strchr(o.meta[i], '=') == NULL || o.meta[i][0] == '=')
      code = gb_cli_usage_error(ctx, "--meta takes KEY=VALUE, got '%s'", o.meta[i]);
  if (code >= 0)
    goto out;
  GbTrainConfig cfg;
  if ((code = build_config(ctx, &o, &cfg)) >= 0)
    goto out;
  GbError err;
  GbDataset *ds = gb_cli_open_data(o.data, &err);
  GbDataset *val_ds = NULL;
  if (ds != NULL && o.val_data)
    val_ds = gb_cli_open_data(o.val_data, &err);
  if (ds == NULL || (o.val_data && val_ds == NULL)) {
    code = gb_cli_report(&err);
  } else {
    g_autofree char *spec = resolve_arch(o.arch, ds);
    GbDataView v = gb_dataset_view(ds);
    if (!o.quiet)
      printf("data: %s, %d samples, %d classes\n", o.data, v.n, ds->n_classes);
    if (o.cv) {
      code = run_cv(&o, spec, &v, &cfg);
    } else if (o.search) {
      GbSearchTrial best;
      g_free(o.arch);
      o.arch = g_strdup(spec);
      code = run_search(ctx, &o, &v, &cfg, &best);
      if (code == GB_EXIT_OK && o.out) {
        printf("training the best configuration on all training data\n");
        g_autofree char *best_spec = gb_search_expand_template(spec, best.units, &err);
        gb_optim_config_defaults(&cfg.optim, best.optim);
        cfg.optim.lr = best.lr;
        cfg.batch_size = best.batch;
        code = train_and_save(&o, best_spec, ds, val_ds, &cfg, argv_orig);
      }
    } else {
      code = train_and_save(&o, spec, ds, val_ds, &cfg, argv_orig);
    }
  }
  gb_dataset_free(ds);
  gb_dataset_free(val_ds);
out:
  g_strfreev(argv_orig);
  options_free(&o);
  return code;
}

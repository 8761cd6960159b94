/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gb-clever-hans.h"
#include "gb-cli-global-private.h"
#include "gb-global.h"

/* glassbox-cli global clever-hans: two models of the same architecture and seed, one trained on
 * digits where a mark goes with one class (Lapuschkin et al. 2019), one on the clean digits;
 * then how each behaves on marked test digits and where its explanations put the relevance. */

#define N_EXAMPLES 4

typedef struct {
  const char *name;
  GbModel *m;
  double clean_acc;   /* on the unmarked test digits */
  double called_mark; /* share of all-marked test digits called the mark class */
  double mark_share;  /* mean share of |relevance| on the mark, marked mark-class digits */
} HansModel;

static GbStatus
train_model(const GlobalOptions *o, const GbDataset *train, GbModel **out, GbError *err)
{
  GbShape s = gb_dataset_sample_shape(train);
  const char *arch = o->arch ? o->arch : "mlp";
  g_autofree char *preset = gb_cli_preset_spec(arch, &s, train->n_classes);
  GbStatus st = gb_model_new_from_spec(preset ? preset : arch, (uint64_t)o->seed, out, err);
  if (st != GB_OK)
    return st;
  GbTrainConfig tc;
  gb_train_config_init(&tc);
  tc.epochs = o->epochs;
  tc.seed = (uint64_t)o->seed;
  tc.val_fraction = 0;
  tc.l1 = 1e-4f; /* weights the data never use fade, so both models are judged alike */
  GbCliProgress prog;
  gb_cli_progress_init(&prog);
  tc.progress = gb_cli_progress_cb;
  tc.user = &prog;
  GbDataView v = gb_dataset_view(train);
  st = gb_train(*out, &v, NULL, &tc, NULL, err);
  gb_cli_progress_finish(&prog);
  return st;
}

/* Mean over the rows of @x (n, d) of sum_{mask} |R| / sum |R|, R of each row's predicted class;
 * the maps go to @maps (n, d). */
static double
mark_share(GbModel *m, GbExplainBatchFn fn, void *user, const float *x, int n, const bool *mask,
           float *maps, GbError *err)
{
  size_t d = gb_model_input_size(m);
  g_autofree int *cls = gb_cli_global_predict(m, x, n);
  double share = 0;
  for (int s = 0; s < n; s += 64) {
    int nb = MIN(64, n - s);
    if (fn(user, m, x + (size_t)s * d, nb, cls + s, maps + (size_t)s * d, err) != GB_OK)
      return NAN;
  }
  for (int i = 0; i < n; i++) {
    double on = 0, all = 0;
    for (size_t j = 0; j < d; j++) {
      double a = fabs(maps[(size_t)i * d + j]);
      all += a;
      on += mask[j] ? a : 0;
    }
    share += all > 0 ? on / all / n : 0;
  }
  return share;
}

static double
accuracy(GbModel *m, const GbDataset *ds)
{
  int n = gb_dataset_size(ds), ok = 0;
  g_autofree int *pred = gb_cli_global_predict(m, ds->x->data, n);
  for (int i = 0; i < n; i++)
    ok += pred[i] == ds->labels[i];
  return (double)ok / n;
}

static double
called(GbModel *m, const GbDataset *ds, int c)
{
  int n = gb_dataset_size(ds), k = 0;
  g_autofree int *pred = gb_cli_global_predict(m, ds->x->data, n);
  for (int i = 0; i < n; i++)
    k += pred[i] == c;
  return (double)k / n;
}

/* The marked test digits of the mark class, packed: (n_out, d). */
static float *
probe_rows(const GbDataset *marked, int c, int *n_out)
{
  GbShape s = gb_dataset_sample_shape(marked);
  size_t dd = gb_shape_size(&s);
  int n = 0;
  float *x = g_new(float, (size_t)gb_dataset_size(marked) * dd);
  for (int i = 0; i < gb_dataset_size(marked); i++)
    if (marked->labels[i] == c)
      memcpy(x + (size_t)n++ * dd, marked->x->data + (size_t)i * dd, dd * sizeof(float));
  *n_out = n;
  return x;
}

static int
write_outputs(const GlobalOptions *o, HansModel *hm, const GbShape *s, const float *probe,
              float *const *maps, int n_probe)
{
  g_autoptr(GString) csv = g_string_new("model,clean_accuracy,marked_called_mark_class,"
                                        "mark_relevance_share\n");
  for (int k = 0; k < 2; k++)
    g_string_append_printf(csv, "%s,%.6g,%.6g,%.6g\n", hm[k].name, hm[k].clean_acc,
                           hm[k].called_mark, hm[k].mark_share);
  int code = o->csv ? gb_cli_global_write_csv(o->csv, csv) : GB_EXIT_OK;
  if (code != GB_EXIT_OK || o->plot == NULL)
    return code;
  int n_ex = MIN(N_EXAMPLES, n_probe), n = 0;
  size_t d = gb_shape_size(s);
  GlobalPanel *p = g_new0(GlobalPanel, 2 * N_EXAMPLES);
  for (int k = 0; k < 2; k++)
    for (int e = 0; e < n_ex; e++) {
      char t[96];
      if (e == 0)
        g_snprintf(t, sizeof t, "%s: %.0f%% on the mark", hm[k].name, 100 * hm[k].mark_share);
      else
        g_snprintf(t, sizeof t, "%s, example %d", hm[k].name, e + 1);
      gb_global_panel_map(&p[n++], s, probe + (size_t)e * d, maps[k] + (size_t)e * d, true, t);
    }
  code = gb_cli_global_write_grid(o->plot, p, n, n_ex, 220, 230);
  for (int i = 0; i < n; i++)
    gb_global_panel_clear(&p[i]);
  g_free(p);
  return code;
}

static int
run(const GlobalOptions *o, GbDataset *train, GbDataset *test)
{
  GbCleverHansConfig cfg;
  gb_clever_hans_config_init(&cfg);
  cfg.mark_class = o->mark_class;
  cfg.rate_class = o->rate;
  cfg.rate_others = o->rate_others;
  cfg.seed = (uint64_t)o->seed;
  GbCleverHansConfig all = cfg, probe_cfg = cfg;
  all.rate_class = all.rate_others = 1;
  probe_cfg.rate_class = 1;
  GbError err;
  GbExplainBatchFn fn = gb_cli_global_explainer(o->method ? o->method : "grad-x-input");
  void *user = gb_cli_global_explainer_user(o->method ? o->method : "grad-x-input");
  GbShape s = gb_dataset_sample_shape(train);
  size_t d = gb_shape_size(&s);
  g_autofree bool *mask = g_new(bool, d);
  GbDataset *hans_train = gb_clever_hans_digits(train, &cfg, NULL, &err);
  GbDataset *all_marked = hans_train ? gb_clever_hans_digits(test, &all, NULL, &err) : NULL;
  GbDataset *probe_set = all_marked ? gb_clever_hans_digits(test, &probe_cfg, NULL, &err) : NULL;
  if (probe_set == NULL || gb_clever_hans_mask(&cfg, &s, mask, &err) != GB_OK) {
    gb_dataset_free(hans_train);
    gb_dataset_free(all_marked);
    return gb_cli_report(&err);
  }
  int n_probe, code = GB_EXIT_OK;
  g_autofree float *probe = probe_rows(probe_set, cfg.mark_class, &n_probe);
  HansModel hm[2] = {{.name = "Clever Hans"}, {.name = "clean"}};
  float *maps[2] = {g_new0(float, (size_t)MAX(n_probe, 1) * d),
                    g_new0(float, (size_t)MAX(n_probe, 1) * d)};
  for (int k = 0; k < 2 && code == GB_EXIT_OK; k++) {
    printf("training the %s model on %d digits...\n", hm[k].name, gb_dataset_size(train));
    if (train_model(o, k == 0 ? hans_train : train, &hm[k].m, &err) != GB_OK) {
      code = gb_cli_report(&err);
      break;
    }
    hm[k].clean_acc = accuracy(hm[k].m, test);
    hm[k].called_mark = called(hm[k].m, all_marked, cfg.mark_class);
    hm[k].mark_share = n_probe ? mark_share(hm[k].m, fn, user, probe, n_probe, mask, maps[k], &err) : 0;
    printf("%-11s model: accuracy on clean test digits %.4f; test digits with the mark called "
           "%d: %.1f%%; share of |%s| on the mark (%zu of %zu pixels) for marked %d's: %.1f%%\n",
           hm[k].name, hm[k].clean_acc, cfg.mark_class, 100 * hm[k].called_mark,
           o->method ? o->method : "grad-x-input", (size_t)cfg.size * cfg.size, d, cfg.mark_class,
           100 * hm[k].mark_share);
  }
  if (code == GB_EXIT_OK)
    code = write_outputs(o, hm, &s, probe, maps, n_probe);
  for (int k = 0; k < 2; k++) {
    gb_model_free(hm[k].m);
    g_free(maps[k]);
  }
  gb_dataset_free(hans_train);
  gb_dataset_free(all_marked);
  gb_dataset_free(probe_set);
  return code;
}

int
gb_cli_global_clever_hans(GlobalOptions *o)
{
  if (o->eeg)
    return gb_cli_global_clever_hans_eeg(o);
  if (o->data == NULL) {
    g_printerr("glassbox-cli: global clever-hans needs --data (digits, e.g. mnist-train)\n");
    return GB_EXIT_USAGE;
  }
  if (gb_cli_global_explainer(o->method ? o->method : "grad-x-input") == NULL) {
    g_printerr("glassbox-cli: unknown --method '%s' (%s)\n", o->method,
               gb_cli_global_explainer_names());
    return GB_EXIT_USAGE;
  }
  GbError err;
  GbDataset *train = gb_cli_open_data(o->data, &err), *test = NULL;
  if (train != NULL && o->test_data != NULL)
    test = gb_cli_open_data(o->test_data, &err);
  int code = GB_EXIT_OK;
  if (train == NULL || (o->test_data != NULL && test == NULL)) {
    code = gb_cli_report(&err);
  } else if (test == NULL) {
    /* No test set: the last quarter of the data. */
    int n = gb_dataset_size(train), n_test = n / 4;
    GbShape s = gb_dataset_sample_shape(train);
    size_t d = gb_shape_size(&s);
    test = gb_dataset_new("test", n_test, &s, train->n_classes, &err);
    GbDataset *head = test ? gb_dataset_new("train", n - n_test, &s, train->n_classes, &err) : NULL;
    if (head == NULL) {
      code = gb_cli_report(&err);
    } else {
      memcpy(head->x->data, train->x->data, (size_t)(n - n_test) * d * sizeof(float));
      memcpy(head->labels, train->labels, (size_t)(n - n_test) * sizeof(int));
      memcpy(test->x->data, train->x->data + (size_t)(n - n_test) * d,
             (size_t)n_test * d * sizeof(float));
      memcpy(test->labels, train->labels + n - n_test, (size_t)n_test * sizeof(int));
      gb_dataset_free(train);
      train = head;
    }
  }
  if (code == GB_EXIT_OK) {
    GbShape a = gb_dataset_sample_shape(train), b = gb_dataset_sample_shape(test);
    if (gb_shape_size(&a) != gb_shape_size(&b) || a.ndim != 3) {
      g_printerr("glassbox-cli: clever-hans needs image data, the same shape for --data and "
                 "--test-data\n");
      code = GB_EXIT_INPUT;
    } else {
      code = run(o, train, test);
    }
  }
  gb_dataset_free(train);
  gb_dataset_free(test);
  return code;
}

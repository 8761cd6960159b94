/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <glib/gstdio.h>

#include "gb-cli.h"
#include "gb-image-import.h"
#include "gb-metrics.h"
#include "gb-model-file.h"
#include "gb-train.h"

/* Loads --model and --data, checking that the data fit the model. */
static int
load_pair(const char *model_path, const char *source, GbModel **m, GbDataset **ds)
{
  GbError err;
  *ds = NULL;
  *m = gb_cli_load_model(model_path, &err);
  if (*m == NULL)
    return gb_cli_report(&err);
  *ds = gb_cli_open_data(source, &err);
  if (*ds == NULL)
    return gb_cli_report(&err);
  GbShape s = gb_dataset_sample_shape(*ds);
  if (gb_shape_size(&s) != gb_model_input_size(*m)) {
    char a[64], b[64];
    gb_error_set(&err, GB_ERR_SHAPE, "%s: samples of shape %s do not fit the model %s (input %s)",
                 source, gb_shape_format(&s, a, sizeof a), model_path,
                 gb_shape_format(gb_model_input_shape(*m), b, sizeof b));
    return gb_cli_report(&err);
  }
  return -1;
}

static void
print_confusion(const int *cm, int k)
{
  printf("confusion matrix (rows: true class, columns: predicted)\n      ");
  for (int j = 0; j < k; j++)
    printf("%6d", j);
  printf("\n");
  for (int i = 0; i < k; i++) {
    printf("%6d", i);
    for (int j = 0; j < k; j++)
      printf("%6d", cm[i * k + j]);
    printf("\n");
  }
}

/* Stores the figures in the model's metadata ("glassbox.eval.<source>.<metric>") and saves it
 * in place (atomically), so the model carries the accuracy it was measured at. */
static int
record_metrics(GbModel *m, const char *path, const char *source, double acc, double bacc,
               double auc, int n)
{
  GbError err;
  const char *names[] = {"accuracy", "balanced_accuracy", "roc_auc", "samples"};
  double values[] = {acc, bacc, auc, n};
  for (int i = 0; i < 4; i++) {
    if (isnan(values[i]))
      continue;
    g_autofree char *key = g_strdup_printf("glassbox.eval.%s.%s", source, names[i]);
    g_autofree char *val = i == 3 ? g_strdup_printf("%d", n) : g_strdup_printf("%.4f", values[i]);
    if (gb_model_set_meta(m, key, val, &err) != GB_OK)
      return gb_cli_report(&err);
  }
  if (gb_model_save(m, path, &err) != GB_OK)
    return gb_cli_report(&err);
  printf("recorded in %s\n", path);
  return GB_EXIT_OK;
}

int
gb_cli_eval(int argc, char **argv)
{
  g_autofree char *model = NULL, *data = NULL;
  gboolean record = FALSE;
  GOptionEntry entries[] = {
      {"model", 'm', 0, G_OPTION_ARG_FILENAME, &model, "Model file", "FILE"},
      {"data", 'd', 0, G_OPTION_ARG_STRING, &data, "Data source", "SOURCE"},
      {"record", 0, 0, G_OPTION_ARG_NONE, &record,
       "Store the figures in the model file's metadata", NULL},
      {NULL}};
  g_autoptr(GOptionContext) ctx = g_option_context_new("- evaluate a model on a data set");
  g_option_context_add_main_entries(ctx, entries, NULL);
  g_option_context_set_description(ctx, "Prints accuracy, balanced accuracy, ROC AUC (two "
                                         "classes) and the confusion matrix.\n"
                                         "Exit status: 0 success, 2 bad command line, 3 bad "
                                         "data or model file.");
  int code;
  if (!gb_cli_parse(ctx, &argc, &argv, &code))
    return code;
  if (!model || !data)
    return gb_cli_usage_error(ctx, "eval needs --model and --data");
  GbModel *m;
  GbDataset *ds;
  if ((code = load_pair(model, data, &m, &ds)) < 0) {
    GbDataView v = gb_dataset_view(ds);
    int k = gb_model_n_outputs(m) > 1 ? gb_model_n_outputs(m) : 2;
    if (ds->n_classes > k)
      k = ds->n_classes;
    int *pred = g_new(int, v.n);
    float *scores = g_new(float, v.n);
    int *cm = g_new0(int, k * k);
    GbError err;
    if (gb_predict_classes(m, &v, pred, scores, &err) != GB_OK) {
      code = gb_cli_report(&err);
    } else {
      double acc = gb_metrics_accuracy(pred, v.labels, v.n);
      double bacc = gb_metrics_balanced_accuracy(pred, v.labels, v.n, k);
      double auc = k == 2 ? gb_metrics_roc_auc(scores, v.labels, v.n) : NAN;
      printf("samples            %d\n", v.n);
      printf("accuracy           %.4f\n", acc);
      printf("balanced accuracy  %.4f\n", bacc);
      if (k == 2)
        printf("ROC AUC            %.4f\n", auc);
      gb_metrics_confusion(pred, v.labels, v.n, k, cm);
      print_confusion(cm, k);
      code = record ? record_metrics(m, model, data, acc, bacc, auc, v.n) : GB_EXIT_OK;
    }
    g_free(pred);
    g_free(scores);
    g_free(cm);
  }
  gb_model_free(m);
  gb_dataset_free(ds);
  return code;
}

/* Softmax (or sigmoid for one logit) of @z into @p; returns the number of classes. */
static int
probabilities(const float *z, int n_out, double *p)
{
  if (n_out == 1) {
    p[1] = 1.0 / (1.0 + exp(-z[0]));
    p[0] = 1.0 - p[1];
    return 2;
  }
  double mx = z[0], sum = 0;
  for (int j = 1; j < n_out; j++)
    mx = z[j] > mx ? z[j] : mx;
  for (int j = 0; j < n_out; j++)
    sum += p[j] = exp(z[j] - mx);
  for (int j = 0; j < n_out; j++)
    p[j] /= sum;
  return n_out;
}

static void
print_header(int n_out)
{
  printf("index,label,predicted");
  for (int j = 0; j < (n_out == 1 ? 2 : n_out); j++)
    printf(",p%d", j);
  printf("\n");
}

/* One CSV row; @label < 0 prints an empty label (an imported image has none). */
static void
print_row(const float *z, int n_out, int index, int label)
{
  g_autofree double *p = g_new(double, n_out < 2 ? 2 : n_out);
  int nc = probabilities(z, n_out, p);
  int best = 0;
  for (int j = 1; j < nc; j++)
    best = p[j] > p[best] ? j : best;
  if (label >= 0)
    printf("%d,%d,%d", index, label, best);
  else
    printf("%d,,%d", index, best);
  for (int j = 0; j < nc; j++)
    printf(",%.5f", p[j]);
  printf("\n");
}

/* predict --image: a photo or drawing of a digit, normalised like MNIST. */
static int
predict_image(const char *model_path, const char *image)
{
  GbError err;
  GbModel *m = gb_cli_load_model(model_path, &err);
  if (m == NULL)
    return gb_cli_report(&err);
  int code = GB_EXIT_OK;
  float x[28 * 28];
  const float *z;
  if (gb_model_input_size(m) != 28 * 28) {
    char buf[64];
    gb_error_set(&err, GB_ERR_SHAPE, "%s takes inputs of shape %s, not 28x28 digit images",
                 model_path, gb_shape_format(gb_model_input_shape(m), buf, sizeof buf));
    code = gb_cli_report(&err);
  } else if (gb_image_import_digit(image, x, NULL, &err) != GB_OK ||
             gb_model_forward(m, x, 1, false, &z, &err) != GB_OK) {
    code = gb_cli_report(&err);
  } else {
    print_header(gb_model_n_outputs(m));
    print_row(z, gb_model_n_outputs(m), 0, -1);
  }
  gb_model_free(m);
  return code;
}

int
gb_cli_predict(int argc, char **argv)
{
  g_autofree char *model = NULL, *data = NULL, *image = NULL;
  int index = -1, count = 10;
  GOptionEntry entries[] = {
      {"model", 'm', 0, G_OPTION_ARG_FILENAME, &model, "Model file", "FILE"},
      {"data", 'd', 0, G_OPTION_ARG_STRING, &data, "Data source", "SOURCE"},
      {"index", 'i', 0, G_OPTION_ARG_INT, &index, "First sample to predict (0)", "N"},
      {"count", 'n', 0, G_OPTION_ARG_INT, &count, "How many samples (10)", "N"},
      {"image", 0, 0, G_OPTION_ARG_FILENAME, &image,
       "A PNG or JPEG of a digit instead of --data (normalised like MNIST)", "FILE"},
      {NULL}};
  g_autoptr(GOptionContext) ctx = g_option_context_new("- predict classes and probabilities");
  g_option_context_add_main_entries(ctx, entries, NULL);
  g_option_context_set_description(ctx, "Prints CSV: index,label,predicted,p0,p1,...\n"
                                         "Exit status: 0 success, 2 bad command line, 3 bad "
                                         "data or model file.");
  int code;
  if (!gb_cli_parse(ctx, &argc, &argv, &code))
    return code;
  if (!model || (!data && !image) || (data && image))
    return gb_cli_usage_error(ctx, "predict needs --model and either --data or --image");
  if (image)
    return predict_image(model, image);
  if (count < 1)
    return gb_cli_usage_error(ctx, "--count must be at least 1");
  GbModel *m;
  GbDataset *ds;
  if ((code = load_pair(model, data, &m, &ds)) < 0) {
    int n = gb_dataset_size(ds);
    int start = index < 0 ? 0 : index;
    if (start >= n) {
      g_printerr("glassbox-cli: %s has %d samples; --index %d is past the end\n", data, n, index);
      code = GB_EXIT_USAGE;
    } else {
      int k = count < n - start ? count : n - start;
      int n_out = gb_model_n_outputs(m);
      size_t in = gb_model_input_size(m);
      float *z = g_new(float, (size_t)k * n_out);
      GbError err;
      if (gb_model_predict(m, ds->x->data + (size_t)start * in, k, z, NULL, NULL, &err) != GB_OK) {
        code = gb_cli_report(&err);
      } else {
        print_header(n_out);
        for (int i = 0; i < k; i++)
          print_row(z + (size_t)i * n_out, n_out, start + i, ds->labels[start + i]);
        code = GB_EXIT_OK;
      }
      g_free(z);
    }
  }
  gb_model_free(m);
  gb_dataset_free(ds);
  return code;
}

int
gb_cli_info(int argc, char **argv)
{
  g_autoptr(GOptionContext) ctx = g_option_context_new("MODEL - describe a model file");
  g_option_context_set_description(ctx, "Prints the architecture layer by layer with shapes "
                                         "and parameter counts, the file's size and metadata.\n"
                                         "Exit status: 0 success, 2 bad command line, 3 bad "
                                         "model file.");
  int code;
  if (!gb_cli_parse(ctx, &argc, &argv, &code))
    return code;
  if (argc != 2)
    return gb_cli_usage_error(ctx, "info needs exactly one model file");
  GbError err;
  GbModel *m = gb_cli_load_model(argv[1], &err);
  if (m == NULL)
    return gb_cli_report(&err);
  char *spec = gb_model_dup_spec(m);
  printf("%s\narchitecture: %s\n\n", argv[1], spec);
  free(spec);
  char buf[64];
  printf("  #  layer         output shape    parameters\n");
  printf("     input         %-14s\n", gb_shape_format(gb_model_input_shape(m), buf, sizeof buf));
  for (int i = 0; i < gb_model_n_layers(m); i++) {
    GbLayer *l = gb_model_get_layer(m, i);
    size_t n = 0;
    for (int j = 0; j < l->n_params; j++)
      n += l->param[j].count;
    printf("%3d  %-12s  %-14s  %10zu\n", i + 1, l->name,
           gb_shape_format(&l->out_shape, buf, sizeof buf), n);
  }
  GStatBuf st;
  double bytes = g_stat(argv[1], &st) == 0 ? (double)st.st_size : NAN;
  printf("\ntotal: %zu parameters (%.1f KiB as float32), file %.1f KiB\n", gb_model_n_params(m),
         gb_model_n_params(m) * 4.0 / 1024, bytes / 1024);
  if (gb_model_n_meta(m) > 0)
    printf("\nmetadata:\n");
  for (int i = 0; i < gb_model_n_meta(m); i++) {
    const char *k, *v;
    gb_model_meta_at(m, i, &k, &v);
    printf("  %s: %s\n", k, v);
  }
  gb_model_free(m);
  return GB_EXIT_OK;
}

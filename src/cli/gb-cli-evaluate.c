/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "gb-cli.h"
#include "gb-curves.h"
#include "gb-faithfulness.h"
#include "gb-plot-export.h"

/* glassbox-cli evaluate: explainability-performance curves of several methods over a data set,
 * each beside the random ranking, with their summaries (AUC, AOPC, EPC: our definition). */

typedef struct {
  const char *name;
  GbExplainBatchFn fn;
} Explainer;

static const Explainer explainers[] = {
    {"grad-x-input", gb_explain_batch_grad_x_input},
    {"saliency", gb_explain_batch_saliency},
    {"ig", gb_explain_batch_integrated_gradients},
    {"lrp-epsilon", gb_explain_batch_lrp},
};

static const Explainer *
find_explainer(const char *name)
{
  for (size_t i = 0; i < G_N_ELEMENTS(explainers); i++)
    if (strcmp(explainers[i].name, name) == 0)
      return &explainers[i];
  return NULL;
}

static bool
parse_mode(const char *s, GbFaithfulnessMode *mode)
{
  static const char *const names[] = {"keep", "morf", "lerf", "insert"};
  for (int i = 0; i < 4; i++)
    if (strcmp(s, names[i]) == 0) {
      *mode = (GbFaithfulnessMode)i;
      return true;
    }
  return false;
}

static bool
parse_measure(const char *s, GbFaithfulnessMeasure *measure)
{
  static const char *const names[] = {"agreement", "accuracy", "probability",
                                      "balanced-accuracy"};
  for (int i = 0; i < 4; i++)
    if (strcmp(s, names[i]) == 0) {
      *measure = (GbFaithfulnessMeasure)i;
      return true;
    }
  return false;
}

/* Rows: method,curve,fraction,performance,sd. */
static void
append_curve(GString *csv, const char *method, const GbFaithfulnessCurve *c)
{
  for (int k = 0; k < c->n_grid; k++)
    g_string_append_printf(csv, "%s,explainer,%.6g,%.6g,0\n", method, c->grid[k],
                           c->explainer[k]);
  for (int k = 0; k < c->n_grid; k++)
    g_string_append_printf(csv, "%s,random,%.6g,%.6g,%.6g\n", method, c->grid[k],
                           c->random_mean[k], c->random_sd[k]);
}

static void
print_summary(const char *method, const GbFaithfulnessCurve *c)
{
  double auc = gb_faithfulness_auc(c->grid, c->explainer, c->n_grid);
  double rnd = gb_faithfulness_auc(c->grid, c->random_mean, c->n_grid);
  printf("%-13s AUC %.4f (random %.4f)", method, auc, rnd);
  GbError err;
  if (c->mode == GB_FAITHFULNESS_MORF || c->mode == GB_FAITHFULNESS_LERF) {
    GbFaithfulnessAopc a;
    if (gb_faithfulness_aopc(c, &a, &err) == GB_OK)
      printf("  AOPC %.4f (random %.4f +- %.4f)", a.explainer, a.random_mean, a.random_sd);
  } else {
    GbEpcSummary e;
    if (gb_epc_summarise(c, &e, &err) == GB_OK)
      printf("  EPC area %.4f (random %.4f +- %.4f, delta %+.4f), best %.4f at %.0f%% kept",
             e.explainer.area, e.random_area_mean, e.random_area_sd, e.delta_area,
             e.explainer.best, 100.0 * e.explainer.best_keep);
  }
  printf("\n");
}

/* ---- --plot: every method's curve beside the random ranking's mean and sd band ---- */

static bool
is_deletion(GbFaithfulnessMode mode)
{
  return mode == GB_FAITHFULNESS_MORF || mode == GB_FAITHFULNESS_LERF;
}

/* "EPC 0.978" (keep, insert) or "AOPC 0.123" (deletion) for the explainer or, with @random,
 * "mean ± sd" over the random rankings; false when the summary is undefined (a model at
 * chance). */
static bool
summary_label(const GbFaithfulnessCurve *c, bool random, char *buf, size_t size)
{
  GbError err;
  if (is_deletion(c->mode)) {
    GbFaithfulnessAopc a;
    if (gb_faithfulness_aopc(c, &a, &err) != GB_OK)
      return false;
    if (random)
      snprintf(buf, size, "AOPC %.3f \u00b1 %.3f", a.random_mean, a.random_sd);
    else
      snprintf(buf, size, "AOPC %.3f", a.explainer);
    return true;
  }
  GbEpcSummary e;
  if (gb_epc_summarise(c, &e, &err) != GB_OK)
    return false;
  if (random)
    snprintf(buf, size, "EPC %.3f \u00b1 %.3f", e.random_area_mean, e.random_area_sd);
  else
    snprintf(buf, size, "EPC %.3f", e.explainer.area);
  return true;
}

static const char *
mode_x_label(GbFaithfulnessMode mode)
{
  static const char *const labels[] = {"fraction of features kept (most relevant first)",
                                       "fraction of features removed (most relevant first)",
                                       "fraction of features removed (least relevant first)",
                                       "fraction of features inserted (most relevant first)"};
  return labels[mode];
}

static const char *
measure_y_label(GbFaithfulnessMeasure measure)
{
  static const char *const labels[] = {"agreement with the original prediction", "accuracy",
                                       "probability of the original prediction",
                                       "balanced accuracy"};
  return labels[measure];
}

#define LABEL_MAX 64

typedef struct {
  char **methods;
  const GbFaithfulnessCurve *curves; /* one per method */
  int n_methods;
  char title[256];
} Chart;

static GbStatus
draw_chart(void *user, cairo_t *cr, GbPlotRect area, GbError *err)
{
  const Chart *ch = user;
  const GbFaithfulnessCurve *first = &ch->curves[0];
  int n = 0;
  g_autofree GbCurve *k = g_new0(GbCurve, ch->n_methods + 1);
  g_autofree char *labels = g_malloc0((size_t)(ch->n_methods + 1) * LABEL_MAX);
  /* The random rankings are the same for every method (same seed, same data): drawn once. */
  if (first->n_random > 0) {
    k[n] = (GbCurve){.name = "random ranking", .x = first->grid, .y = first->random_mean,
                     .sd = first->n_random > 1 ? first->random_sd : NULL, .n = first->n_grid,
                     .fixed_rgb = true, .rgb = GB_CURVES_BLACK_RGB, .dashed = true};
    if (summary_label(first, true, labels, LABEL_MAX))
      k[n].annotation = labels;
    n++;
  }
  for (int i = 0; i < ch->n_methods; i++, n++) {
    const GbFaithfulnessCurve *c = &ch->curves[i];
    char *label = labels + (size_t)(i + 1) * LABEL_MAX;
    k[n] = (GbCurve){.name = ch->methods[i], .x = c->grid, .y = c->explainer, .n = c->n_grid,
                     .markers = true};
    if (summary_label(c, false, label, LABEL_MAX))
      k[n].annotation = label;
  }
  GbCurves chart = {.curves = k, .n_curves = n, .title = ch->title,
                    .x_label = mode_x_label(first->mode),
                    .y_label = measure_y_label(first->measure), .x_fixed = true, .x_lo = 0,
                    .x_hi = 1, .y_fixed = true, .y_lo = -0.02, .y_hi = 1.04, .grid = true};
  return gb_curves_draw(cr, &chart, area, err);
}

static int
write_plot(const char *path, const char *model_path, const char *data, char **methods,
           const GbFaithfulnessCurve *curves, int n_methods)
{
  static const char *const modes[] = {"explainability-performance (keep)", "deletion (MoRF)",
                                      "deletion (LeRF)", "insertion"};
  Chart ch = {.methods = methods, .curves = curves, .n_methods = n_methods};
  g_autofree char *base = g_path_get_basename(model_path);
  char *dot = strrchr(base, '.');
  if (dot != NULL && dot != base)
    *dot = '\0';
  snprintf(ch.title, sizeof ch.title, "%s on %s (%d samples): %s", base, data,
           curves[0].n_samples, modes[curves[0].mode]);
  GbError err;
  if (gb_plot_export(path, 900, 480, draw_chart, &ch, &err) != GB_OK)
    return gb_cli_report(&err);
  printf("wrote %s\n", path);
  return GB_EXIT_OK;
}

static int
evaluate(const char *model_path, const char *data, char **methods, int samples,
         GbFaithfulnessConfig *cfg, const char *out, const char *plot)
{
  GbError err;
  GbModel *m = gb_cli_load_model(model_path, &err);
  if (m == NULL)
    return gb_cli_report(&err);
  GbDataset *ds = gb_cli_open_data(data, &err);
  if (ds == NULL) {
    gb_model_free(m);
    return gb_cli_report(&err);
  }
  int n = gb_dataset_size(ds);
  GbDataView v = gb_dataset_view_range(ds, 0, samples > 0 && samples < n ? samples : n);
  g_autoptr(GString) csv = g_string_new("method,curve,fraction,performance,sd\n");
  int code = GB_EXIT_OK, n_methods = (int)g_strv_length(methods);
  /* Kept for the plot, which needs every method's curve at once. */
  GbFaithfulnessCurve *curves = g_new0(GbFaithfulnessCurve, n_methods);
  GbCliProgress prog;
  for (int i = 0; i < n_methods && code == GB_EXIT_OK; i++) {
    const Explainer *e = find_explainer(methods[i]);
    gb_cli_progress_init(&prog);
    cfg->explain = e->fn;
    cfg->explain_user = NULL;
    cfg->progress = gb_cli_progress_cb;
    cfg->user = &prog;
    GbStatus st = gb_faithfulness_curve(m, &v, cfg, &curves[i], &err);
    gb_cli_progress_finish(&prog);
    if (st != GB_OK) {
      gb_error_prefix(&err, "%s", methods[i]);
      code = gb_cli_report(&err);
    } else {
      print_summary(methods[i], &curves[i]);
      append_curve(csv, methods[i], &curves[i]);
    }
  }
  if (code == GB_EXIT_OK) {
    g_autoptr(GError) error = NULL;
    if (!g_file_set_contents(out, csv->str, (gssize)csv->len, &error)) {
      g_printerr("glassbox-cli: %s\n", error->message);
      code = GB_EXIT_INPUT;
    } else {
      printf("wrote %s (%d samples)\n", out, v.n);
    }
  }
  if (code == GB_EXIT_OK && plot != NULL)
    code = write_plot(plot, model_path, data, methods, curves, n_methods);
  for (int i = 0; i < n_methods; i++)
    gb_faithfulness_curve_clear(&curves[i]);
  g_free(curves);
  gb_dataset_free(ds);
  gb_model_free(m);
  return code;
}

int
gb_cli_evaluate(int argc, char **argv)
{
  g_autofree char *model = NULL, *data = NULL, *methods = NULL, *out = NULL, *mode = NULL,
                  *measure = NULL, *plot = NULL;
  int samples = 1000, random = 10, seed = 1;
  gboolean abs_rank = FALSE;
  GOptionEntry entries[] = {
      {"model", 'm', 0, G_OPTION_ARG_FILENAME, &model, "Model file", "FILE"},
      {"data", 'd', 0, G_OPTION_ARG_STRING, &data, "Data source", "SOURCE"},
      {"methods", 0, 0, G_OPTION_ARG_STRING, &methods,
       "grad-x-input, saliency, ig, lrp-epsilon (comma-separated)", "A,B,..."},
      {"samples", 'n', 0, G_OPTION_ARG_INT, &samples, "First N samples of the data (1000)", "N"},
      {"mode", 0, 0, G_OPTION_ARG_STRING, &mode,
       "keep (top-k kept: the EP curve, default), morf, lerf, insert", "MODE"},
      {"measure", 0, 0, G_OPTION_ARG_STRING, &measure,
       "agreement (with the original predictions, default), accuracy, probability, "
       "balanced-accuracy",
       "NAME"},
      {"abs", 0, 0, G_OPTION_ARG_NONE, &abs_rank, "Rank features by |relevance|", NULL},
      {"random", 0, 0, G_OPTION_ARG_INT, &random, "Random rankings beside each curve (10)", "R"},
      {"seed", 's', 0, G_OPTION_ARG_INT, &seed, "Seed of the random rankings (1)", "N"},
      {"out", 'o', 0, G_OPTION_ARG_FILENAME, &out, "Curves as CSV", "FILE"},
      {"plot", 'p', 0, G_OPTION_ARG_FILENAME, &plot,
       "Chart of the curves and the random ranking (.png, .svg, .pdf)", "FILE"},
      {NULL}};
  g_autoptr(GOptionContext) ctx = g_option_context_new("- how faithful are explanations?");
  g_option_context_add_main_entries(ctx, entries, NULL);
  g_option_context_set_description(
      ctx, "Keeps (or deletes) the features each explanation ranks highest, replaces the rest\n"
           "with zeros, and measures how much of the model's performance survives, beside a\n"
           "random ranking. EPC is our own definition (the published one is not available).\n"
           "Example:\n  glassbox-cli evaluate --model data/models/digits-cnn.safetensors "
           "--data mnist-test \\\n    --methods grad-x-input,ig,lrp-epsilon --samples 500 "
           "--out curves.csv \\\n    --plot curves.png\n"
           "Exit status: 0 success, 2 bad command line, 3 bad model, data or settings.");
  int code;
  if (!gb_cli_parse(ctx, &argc, &argv, &code))
    return code;
  if (!model || !data || !methods || !out)
    return gb_cli_usage_error(ctx, "evaluate needs --model, --data, --methods and --out");
  GbFaithfulnessConfig cfg;
  gb_faithfulness_config_init(&cfg);
  if (mode && !parse_mode(mode, &cfg.mode))
    return gb_cli_usage_error(ctx, "unknown mode '%s' (keep, morf, lerf, insert)", mode);
  if (measure && !parse_measure(measure, &cfg.measure))
    return gb_cli_usage_error(ctx, "unknown measure '%s'", measure);
  if (samples < 1 || random < 0)
    return gb_cli_usage_error(ctx, "--samples must be positive and --random not negative");
  g_auto(GStrv) names = g_strsplit(methods, ",", -1);
  for (int i = 0; names[i] != NULL; i++)
    if (find_explainer(g_strstrip(names[i])) == NULL)
      return gb_cli_usage_error(ctx, "unknown method '%s' (grad-x-input, saliency, ig, "
                                "lrp-epsilon)", names[i]);
  cfg.ranking = abs_rank ? GB_FAITHFULNESS_RANK_ABS : GB_FAITHFULNESS_RANK_SIGNED;
  cfg.n_random = random;
  cfg.seed = (uint64_t)seed;
  /* Refuse a bad chart name before any work is done. */
  GbPlotFormat fmt;
  GbError err;
  if (plot && gb_plot_format_from_path(plot, &fmt, &err) != GB_OK)
    return gb_cli_report(&err);
  return evaluate(model, data, names, samples, &cfg, out, plot);
}

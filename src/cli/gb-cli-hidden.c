/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gb-cli-hidden-private.h"
#include "gb-cli.h"
#include "gb-curves.h"

/* glassbox-cli hidden VIEW: what a recurrent P300 model keeps in its hidden state (methods.md
 * §3.4-3.5, §2.4), as numbers on stdout, a CSV and a figure. The data are an EEG set given
 * with --data, or by default the held-out subjects regenerated from the model's own
 * glassbox.data.recipe. */

static const char *const view_names =
    "raster, pca, probe, kmeans, relevance-time, scalp, evidence";

/* ---- data ---- */

static GbEegSet *
open_data(const HiddenOptions *o, GbModel *m, GbError *err)
{
  if (o->data)
    return gb_eeg_set_open(o->data, err);
  const char *recipe = gb_model_get_meta(m, "glassbox.data.recipe");
  if (recipe == NULL) {
    gb_error_set(err, GB_ERR_INVALID, "%s has no glassbox.data.recipe to regenerate its "
                 "held-out data from; give --data FILE", o->model);
    return NULL;
  }
  printf("regenerating the held-out subjects: %s\n", recipe);
  return gb_cli_eeg_recipe_heldout(recipe, err);
}

static GbStatus
check_fit(const HiddenOptions *o, GbModel *m, const GbEegSet *set, GbError *err)
{
  const GbShape *in = gb_model_input_shape(m);
  if (in->ndim != 2 || in->dim[0] != set->n_times || in->dim[1] != set->n_channels)
    return gb_error_set(err, GB_ERR_SHAPE, "%s takes %s inputs; the data have %d samples x %d "
                        "channels", o->model, in->ndim == 2 ? "(time, channels)" : "non-EEG",
                        set->n_times, set->n_channels);
  if (o->layer < 0 && gb_hidden_find_layer(m) < 0)
    return gb_error_set(err, GB_ERR_INVALID, "%s has no recurrent layer (rnn, lstm, gru, prm)",
                        o->model);
  return GB_OK;
}

/* The first --trials trials (all when 0). */
static int
trial_count(const HiddenOptions *o, const GbEegSet *set)
{
  int n = gb_dataset_size(set->data);
  return o->trials > 0 && o->trials < n ? o->trials : n;
}

static GbStatus
context_init(HiddenContext *c, HiddenOptions *o, GbError *err)
{
  memset(c, 0, sizeof *c);
  c->o = o;
  c->m = gb_cli_load_model(o->model, err);
  if (c->m == NULL)
    return err->code;
  c->set = open_data(o, c->m, err);
  if (c->set == NULL)
    return err->code;
  GbStatus st = check_fit(o, c->m, c->set, err);
  if (st != GB_OK)
    return st;
  c->n = trial_count(o, c->set);
  c->T = c->set->n_times;
  c->C = c->set->n_channels;
  c->x = c->set->data->x->data;
  c->labels = c->set->data->labels;
  c->t_ms = g_new(double, c->T);
  for (int t = 0; t < c->T; t++)
    c->t_ms[t] = 1000.0 * (c->set->t0 + t / c->set->srate);
  c->layer = o->layer >= 0 ? o->layer : gb_hidden_find_layer(c->m);
  printf("%s: %d trials (%d targets), %d subjects, %d steps of %.1f ms from %.0f ms\n",
         o->data ? o->data : "held-out subjects", c->n, hidden_count_label(c, 1),
         c->set->n_subjects, c->T, 1000.0 / c->set->srate, c->t_ms[0]);
  return GB_OK;
}

static void
context_clear(HiddenContext *c)
{
  gb_hidden_states_clear(&c->states);
  g_free(c->t_ms);
  gb_eeg_set_free(c->set);
  gb_model_free(c->m);
}

int
hidden_count_label(const HiddenContext *c, int label)
{
  int k = 0;
  for (int i = 0; i < c->n; i++)
    k += c->labels[i] == label;
  return k;
}

GbStatus
hidden_collect(HiddenContext *c, GbError *err)
{
  GbCliProgress prog;
  gb_cli_progress_init(&prog);
  GbStatus st = gb_hidden_collect(c->m, c->layer, c->x, c->n, c->labels, c->set->subject,
                                  &c->states, gb_cli_progress_cb, &prog, err);
  gb_cli_progress_finish(&prog);
  if (st == GB_OK) {
    GbLayer *l = gb_model_get_layer(c->m, c->layer);
    printf("layer %s (%s): %d units, states of %d trials x %d steps\n", l->name,
           gb_layer_kind_name(l->kind), c->states.n_units, c->n, c->T);
  }
  return st;
}

int
hidden_write_text(const char *path, const GString *s)
{
  g_autoptr(GError) error = NULL;
  if (!g_file_set_contents(path, s->str, (gssize)s->len, &error)) {
    g_printerr("glassbox-cli: %s\n", error->message);
    return GB_EXIT_INPUT;
  }
  printf("wrote %s\n", path);
  return GB_EXIT_OK;
}

/* ---- command line ---- */

typedef int (*ViewFn)(HiddenContext *c);

static ViewFn
view_for(const char *name)
{
  static const struct {
    const char *name;
    ViewFn run;
  } views[] = {{"raster", hidden_view_raster},
               {"pca", hidden_view_pca},
               {"probe", hidden_view_probe},
               {"kmeans", hidden_view_kmeans},
               {"relevance-time", hidden_view_relevance_time},
               {"scalp", hidden_view_scalp},
               {"evidence", hidden_view_evidence}};
  for (size_t i = 0; i < G_N_ELEMENTS(views); i++)
    if (strcmp(name, views[i].name) == 0)
      return views[i].run;
  return NULL;
}

static int
check_options(GOptionContext *ctx, const HiddenOptions *o, int argc, char **argv)
{
  GbPlotFormat fmt;
  GbError err;
  if (argc != 2 || view_for(argv[1]) == NULL)
    return gb_cli_usage_error(ctx, "give one view: %s", view_names);
  if (o->model == NULL)
    return gb_cli_usage_error(ctx, "hidden needs --model FILE");
  if (o->plot && gb_plot_format_from_path(o->plot, &fmt, &err) != GB_OK)
    return gb_cli_usage_error(ctx, "--plot: %s", err.message);
  if (o->k < 1 || o->k > 26)
    return gb_cli_usage_error(ctx, "--k must be 1 to 26 (clusters are named A-Z)");
  if (o->folds < 2)
    return gb_cli_usage_error(ctx, "--folds must be at least 2");
  if (o->trials < 0)
    return gb_cli_usage_error(ctx, "--trials must be 0 (all) or more");
  if (strcmp(o->method, "lrp") != 0 && strcmp(o->method, "grad-x-input") != 0)
    return gb_cli_usage_error(ctx, "--method is lrp or grad-x-input, not '%s'", o->method);
  return -1;
}

int
gb_cli_hidden(int argc, char **argv)
{
  HiddenOptions o = {.layer = -1, .k = 8, .folds = 5, .seed = 1};
  char *method = NULL;
  GOptionEntry entries[] = {
      {"model", 'm', 0, G_OPTION_ARG_FILENAME, &o.model, "Model file (a recurrent P300 model)",
       "FILE"},
      {"data", 'd', 0, G_OPTION_ARG_FILENAME, &o.data,
       "EEG set or recording (default: the model's held-out subjects, regenerated)", "FILE"},
      {"layer", 0, 0, G_OPTION_ARG_INT, &o.layer, "Recurrent layer index (first one)", "N"},
      {"trials", 0, 0, G_OPTION_ARG_INT, &o.trials, "Use the first N trials (all)", "N"},
      {"k", 'k', 0, G_OPTION_ARG_INT, &o.k, "kmeans: clusters (8)", "N"},
      {"folds", 0, 0, G_OPTION_ARG_INT, &o.folds, "probe: cross-validation folds (5)", "N"},
      {"seed", 's', 0, G_OPTION_ARG_INT, &o.seed, "probe folds and k-means seeding (1)", "N"},
      {"method", 0, 0, G_OPTION_ARG_STRING, &method,
       "relevance-time, scalp: lrp (LRP-eps) or grad-x-input (lrp)", "M"},
      {"windows", 0, 0, G_OPTION_ARG_STRING, &o.windows,
       "scalp: time windows in ms (0-200,200-350,350-500,500-700)", "LIST"},
      {"csv", 0, 0, G_OPTION_ARG_FILENAME, &o.csv, "Write the numbers as CSV", "FILE"},
      {"plot", 'o', 0, G_OPTION_ARG_FILENAME, &o.plot, "Write the figure (.png, .svg, .pdf)",
       "FILE"},
      {NULL}};
  g_autoptr(GOptionContext) ctx = g_option_context_new(
      "VIEW - hidden states of a recurrent model over EEG trials");
  g_option_context_add_main_entries(ctx, entries, NULL);
  g_option_context_set_description(
      ctx, "Views:\n"
           "  raster          each unit's target/non-target selectivity d' over time\n"
           "  pca             PCA of the pooled states, class-mean trajectories with time marks\n"
           "  probe           a cross-validated logistic probe's ROC AUC at each step\n"
           "  kmeans          k-means of the states: purity against class and subject, the\n"
           "                  cluster transition table and its determinism\n"
           "  relevance-time  LRP or gradient x input summed per step, mean +- sd per class\n"
           "  scalp           relevance per channel in time windows, per subject, and the\n"
           "                  correlation between subjects' maps\n"
           "  evidence        the PRM-like model's per-step evidence, which sums to its logit\n"
           "Example:\n"
           "  glassbox-cli hidden probe --model data/models/p300-rnn.safetensors --plot a.png\n"
           "Exit status: 0 success, 1 failure, 2 bad command line, 3 bad model or data.");
  int code;
  if (!gb_cli_parse(ctx, &argc, &argv, &code))
    goto out;
  o.method = method ? method : "lrp";
  if ((code = check_options(ctx, &o, argc, argv)) >= 0)
    goto out;
  HiddenContext c;
  GbError err;
  if (context_init(&c, &o, &err) != GB_OK)
    code = gb_cli_report(&err);
  else
    code = view_for(argv[1])(&c);
  context_clear(&c);
out:
  g_free(o.model);
  g_free(o.data);
  g_free(method);
  g_free(o.windows);
  g_free(o.csv);
  g_free(o.plot);
  return code;
}

int
hidden_export(const HiddenContext *c, int width, int height, GbPlotDrawFn draw, void *user)
{
  if (c->o->plot == NULL)
    return GB_EXIT_OK;
  GbError err;
  if (gb_plot_export(c->o->plot, width, height, draw, user, &err) != GB_OK)
    return gb_cli_report(&err);
  printf("wrote %s\n", c->o->plot);
  return GB_EXIT_OK;
}

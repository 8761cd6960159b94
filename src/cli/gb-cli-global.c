/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gb-cli-global-private.h"
#include "gb-explain.h"
#include "gb-global.h"
#include "gb-plot-export.h"
#include "gb-prototypes.h"
#include "gb-segments.h"

/* glassbox-cli global: what a model does over a whole data set (class-mean maps, feature
 * importance, prototypes), and the difficulties of deep learning (gb-cli-global-demo.c). */

/* ---- Shared helpers (figures and CSV: gb-cli-global-figure.c) ---- */

bool
gb_cli_global_check_outputs(const GlobalOptions *o, int *code)
{
  GbPlotFormat fmt;
  GbError err;
  if (o->plot != NULL && gb_plot_format_from_path(o->plot, &fmt, &err) != GB_OK) {
    *code = gb_cli_report(&err);
    return false;
  }
  return true;
}

static const struct {
  const char *name;
  GbExplainBatchFn fn;
} explainers[] = {{"saliency", gb_explain_batch_saliency},
                  {"grad-x-input", gb_explain_batch_grad_x_input},
                  {"ig", gb_explain_batch_integrated_gradients},
                  {"lrp-epsilon", gb_explain_batch_lrp}};

/* Any other method of gb-explain.h runs one sample at a time through gb_explain with its
 * defaults (one command per process: one configuration). */
static GbMethodConfig other_method;

GbExplainBatchFn
gb_cli_global_explainer(const char *name)
{
  for (size_t i = 0; name != NULL && i < G_N_ELEMENTS(explainers); i++)
    if (strcmp(name, explainers[i].name) == 0)
      return explainers[i].fn;
  if (name != NULL && gb_method_config_init_from_id(&other_method, name))
    return gb_explain_batch_method;
  return NULL;
}

void *
gb_cli_global_explainer_user(const char *name)
{
  for (size_t i = 0; name != NULL && i < G_N_ELEMENTS(explainers); i++)
    if (strcmp(name, explainers[i].name) == 0)
      return NULL;
  return gb_cli_global_explainer(name) != NULL ? &other_method : NULL;
}

const char *
gb_cli_global_explainer_names(void)
{
  return "saliency, grad-x-input, ig, lrp-epsilon (batched), or any method of 'explain' "
         "(smoothgrad, lrp-gamma-box, occlusion, kernel-shap, lime, ...)";
}

int *
gb_cli_global_predict(GbModel *m, const float *x, int n)
{
  int *pred = g_new0(int, n);
  GbError err;
  if (gb_global_predict(m, x, n, pred, &err) != GB_OK)
    memset(pred, 0, (size_t)n * sizeof(int));
  return pred;
}

GbDataset *
gb_cli_global_open_data(const char *source, GbModel *m, GbError *err)
{
  GbDataset *ds = gb_cli_open_data(source, err);
  if (ds == NULL || m == NULL)
    return ds;
  GbShape s = gb_dataset_sample_shape(ds);
  if (gb_shape_size(&s) != gb_model_input_size(m)) {
    gb_error_set(err, GB_ERR_SHAPE, "%s: samples of %zu values do not fit the model (%zu inputs)",
                 source, gb_shape_size(&s), gb_model_input_size(m));
    gb_dataset_free(ds);
    return NULL;
  }
  return ds;
}

/* The first --n rows of the data (all when n <= 0). */
static GbDataView
first_rows(const GbDataset *ds, int n)
{
  int size = gb_dataset_size(ds);
  return gb_dataset_view_range(ds, 0, n > 0 && n < size ? n : size);
}

/* ---- class-maps ---- */

static int
run_class_maps(GlobalOptions *o, GbModel *m, GbDataset *ds)
{
  GbClassMapConfig cfg;
  gb_class_map_config_init(&cfg);
  cfg.explain = gb_cli_global_explainer(o->method ? o->method : "grad-x-input");
  cfg.explain_user = gb_cli_global_explainer_user(o->method ? o->method : "grad-x-input");
  if (cfg.explain == NULL) {
    g_printerr("glassbox-cli: unknown --method '%s' (%s)\n", o->method,
               gb_cli_global_explainer_names());
    return GB_EXIT_USAGE;
  }
  cfg.group =
      o->group && strcmp(o->group, "true") == 0 ? GB_GLOBAL_CLASS_TRUE : GB_GLOBAL_CLASS_PREDICTED;
  cfg.absolute = o->abs_maps;
  GbCliProgress prog;
  gb_cli_progress_init(&prog);
  cfg.progress = gb_cli_progress_cb;
  cfg.user = &prog;
  GbDataView v = first_rows(ds, o->n);
  GbClassMaps r;
  GbError err;
  GbStatus st = gb_global_class_maps(m, &v, &cfg, &r, &err);
  gb_cli_progress_finish(&prog);
  if (st != GB_OK)
    return gb_cli_report(&err);
  printf("class-mean %s maps of %d samples, grouped by %s class:\n",
         o->method ? o->method : "grad-x-input", v.n,
         cfg.group == GB_GLOBAL_CLASS_TRUE ? "true" : "predicted");
  g_autoptr(GString) csv = g_string_new("class,count,feature,value\n");
  GlobalPanel *panels = g_new0(GlobalPanel, r.n_classes);
  for (int c = 0; c < r.n_classes; c++) {
    printf("  class %d: %d samples\n", c, r.counts[c]);
    const float *map = r.maps + (size_t)c * r.n_features;
    for (size_t j = 0; j < r.n_features; j++)
      g_string_append_printf(csv, "%d,%d,%zu,%.7g\n", c, r.counts[c], j, map[j]);
    char title[96];
    g_snprintf(title, sizeof title, "class %d (n = %d)", c, r.counts[c]);
    gb_global_panel_map(&panels[c], &v.shape, NULL, map, !o->abs_maps, title);
  }
  int code = o->csv ? gb_cli_global_write_csv(o->csv, csv) : GB_EXIT_OK;
  if (code == GB_EXIT_OK && o->plot)
    code = v.shape.ndim == 2 ? gb_cli_global_write_grid(o->plot, panels, r.n_classes, 2, 480, 300)
                             : gb_cli_global_write_grid(o->plot, panels, r.n_classes, 5, 240, 220);
  for (int c = 0; c < r.n_classes; c++)
    gb_global_panel_clear(&panels[c]);
  g_free(panels);
  gb_class_maps_clear(&r);
  return code;
}

/* ---- importance ---- */

static GbStatus
make_segments(const GlobalOptions *o, const GbShape *s, GbSegments *seg, GbError *err)
{
  if (s->ndim == 1 && o->patch <= 1)
    return gb_segments_features(seg, s, err);
  return gb_segments_grid(seg, s, o->patch, s->ndim == 2 ? 1 : o->patch, err);
}

/* What an importance view collects: CSV rows and one panel per figure cell. */
typedef struct {
  GString *csv;
  GlobalPanel *panels;
  int n_panels;
} Importance;

/* Mean |SHAP| per class, then over the classes ("all"). */
static GbStatus
shap_importance(const GlobalOptions *o, GbModel *m, const GbDataView *v, const GbSegments *seg,
                Importance *out, GbCliProgress *prog, GbError *err)
{
  GbShapConfig cfg;
  gb_shap_config_init(&cfg);
  cfg.samples = o->samples > 0 ? o->samples : 0;
  cfg.seed = (uint64_t)o->seed;
  GbShapImportance r;
  GbStatus st = gb_global_shap_importance(m, v, seg, &cfg, v->n, gb_cli_progress_cb, prog, &r, err);
  gb_cli_progress_finish(prog);
  if (st != GB_OK)
    return st;
  printf("mean |SHAP| over %d samples, %d segments, %d classes\n", r.n_samples, r.n_segments,
         r.n_classes);
  g_string_append(out->csv, "class,segment,mean_abs_shap\n");
  out->panels = g_new0(GlobalPanel, r.n_classes + 1);
  for (int c = 0; c <= r.n_classes; c++) {
    bool all = c == r.n_classes;
    const double *row = all ? r.overall : r.mean_abs + (size_t)c * r.n_segments;
    char cls[16] = "all", title[96] = "mean |SHAP|, all classes";
    if (!all) {
      g_snprintf(cls, sizeof cls, "%d", c);
      g_snprintf(title, sizeof title, "mean |SHAP|, class %d", c);
    }
    for (int i = 0; i < r.n_segments; i++)
      g_string_append_printf(out->csv, "%s,%d,%.7g\n", cls, i, row[i]);
    gb_global_panel_importance(&out->panels[out->n_panels++], &v->shape, seg, row, title,
                               "mean |SHAP|");
  }
  gb_shap_importance_clear(&r);
  return GB_OK;
}

static GbStatus
permutation_importance(const GlobalOptions *o, GbModel *m, const GbDataView *v,
                       const GbSegments *seg, Importance *out, GbCliProgress *prog, GbError *err)
{
  GbPermutationImportance r;
  GbStatus st = gb_global_permutation_importance(m, v, seg, o->repeats, (uint64_t)o->seed,
                                                 gb_cli_progress_cb, prog, &r, err);
  gb_cli_progress_finish(prog);
  if (st != GB_OK)
    return st;
  printf("permutation importance over %d samples, %d segments, %d repeats: accuracy %.4f "
         "unshuffled\n",
         v->n, r.n_segments, r.repeats, r.base_accuracy);
  g_string_append(out->csv, "segment,accuracy_drop,sd\n");
  for (int i = 0; i < r.n_segments; i++)
    g_string_append_printf(out->csv, "%d,%.7g,%.7g\n", i, r.drop[i], r.drop_sd[i]);
  out->panels = g_new0(GlobalPanel, 1);
  gb_global_panel_importance(&out->panels[out->n_panels++], &v->shape, seg, r.drop,
                             "permutation importance", "accuracy drop");
  gb_permutation_importance_clear(&r);
  return GB_OK;
}

static int
run_importance(GlobalOptions *o, GbModel *m, GbDataset *ds)
{
  bool shap = o->kind == NULL || strcmp(o->kind, "shap") == 0;
  if (!shap && strcmp(o->kind, "permutation") != 0) {
    g_printerr("glassbox-cli: --kind must be shap or permutation, not '%s'\n", o->kind);
    return GB_EXIT_USAGE;
  }
  GbDataView v = first_rows(ds, o->n > 0 ? o->n : (shap ? 20 : 500));
  GbSegments seg = {0};
  GbError err;
  GbCliProgress prog;
  gb_cli_progress_init(&prog);
  Importance imp = {g_string_new(NULL), NULL, 0};
  GbStatus st = make_segments(o, &v.shape, &seg, &err);
  if (st == GB_OK)
    st = shap ? shap_importance(o, m, &v, &seg, &imp, &prog, &err)
              : permutation_importance(o, m, &v, &seg, &imp, &prog, &err);
  int code = st == GB_OK ? GB_EXIT_OK : gb_cli_report(&err);
  if (code == GB_EXIT_OK && o->csv)
    code = gb_cli_global_write_csv(o->csv, imp.csv);
  bool one = imp.n_panels == 1;
  if (code == GB_EXIT_OK && o->plot)
    code = v.shape.ndim == 2
               ? gb_cli_global_write_grid(o->plot, imp.panels, imp.n_panels, 2, 480, 300)
               : gb_cli_global_write_grid(o->plot, imp.panels, imp.n_panels, 4, one ? 520 : 260,
                                          one ? 460 : 230);
  for (int i = 0; i < imp.n_panels; i++)
    gb_global_panel_clear(&imp.panels[i]);
  g_free(imp.panels);
  g_string_free(imp.csv, TRUE);
  gb_segments_clear(&seg);
  return code;
}

/* ---- prototypes ---- */

static int
run_prototypes(GlobalOptions *o, GbModel *m, GbDataset *ds)
{
  GbDataView v = first_rows(ds, o->n);
  GbPrototypes p;
  GbError err;
  GbCliProgress prog;
  gb_cli_progress_init(&prog);
  int k = o->k > 0 ? o->k : 5;
  GbStatus st =
      gb_prototypes_find(m, &v, o->layer, k, o->by_prediction, gb_cli_progress_cb, &prog, &p, &err);
  gb_cli_progress_finish(&prog);
  if (st != GB_OK)
    return gb_cli_report(&err);
  printf("prototypes: the %d samples nearest each class centre in %s (%zu values), of %d "
         "samples\n",
         k, p.layer < 0 ? "the input" : gb_model_get_layer(m, p.layer)->name, p.dim, v.n);
  g_autoptr(GString) csv = g_string_new("class,rank,index,label,distance\n");
  GlobalPanel *panels = g_new0(GlobalPanel, (size_t)p.n_classes * k);
  size_t d = gb_model_input_size(m);
  g_autofree float *empty = g_new0(float, d); /* a class without samples */
  for (int c = 0; c < p.n_classes; c++) {
    printf("  class %d (%d samples):", c, p.counts[c]);
    for (int r = 0; r < k; r++) {
      int i = p.index[c * k + r];
      char title[96];
      if (i >= 0) {
        g_string_append_printf(csv, "%d,%d,%d,%d,%.6g\n", c, r, i, v.labels ? v.labels[i] : -1,
                               p.distance[c * k + r]);
        printf(" %d", i);
        g_snprintf(title, sizeof title, "class %d #%d: sample %d", c, r + 1, i);
      } else {
        g_snprintf(title, sizeof title, "class %d #%d: none", c, r + 1);
      }
      gb_global_panel_map(&panels[r * p.n_classes + c], &v.shape, i >= 0 ? v.x + i * d : empty,
                          i >= 0 ? NULL : empty, false, title);
    }
    printf("\n");
  }
  int code = o->csv ? gb_cli_global_write_csv(o->csv, csv) : GB_EXIT_OK;
  if (code == GB_EXIT_OK && o->plot)
    code = gb_cli_global_write_grid(o->plot, panels, p.n_classes * k, p.n_classes, 150, 160);
  for (int i = 0; i < p.n_classes * k; i++)
    gb_global_panel_clear(&panels[i]);
  g_free(panels);
  gb_prototypes_clear(&p);
  return code;
}

/* ---- Entry ---- */

/* Views that read --model and --data. */
static int
run_data_view(GlobalOptions *o)
{
  if (o->models == NULL || o->data == NULL) {
    g_printerr("glassbox-cli: global %s needs --model and --data\nTry '--help' for the "
               "options.\n",
               o->view);
    return GB_EXIT_USAGE;
  }
  GbError err;
  GbModel *m = gb_cli_load_model(o->models[0], &err);
  if (m == NULL)
    return gb_cli_report(&err);
  GbDataset *ds = gb_cli_global_open_data(o->data, m, &err);
  int code;
  if (ds == NULL)
    code = gb_cli_report(&err);
  else if (strcmp(o->view, "class-maps") == 0)
    code = run_class_maps(o, m, ds);
  else if (strcmp(o->view, "importance") == 0)
    code = run_importance(o, m, ds);
  else
    code = run_prototypes(o, m, ds);
  gb_dataset_free(ds);
  gb_model_free(m);
  return code;
}

static const char *const views =
    "class-maps, importance, prototypes, actmax, counterfactual, adversarial, shattered, "
    "clever-hans";

static int
dispatch(GlobalOptions *o)
{
  int code;
  if (!gb_cli_global_check_outputs(o, &code))
    return code;
  const char *v = o->view;
  if (strcmp(v, "class-maps") == 0 || strcmp(v, "importance") == 0 || strcmp(v, "prototypes") == 0)
    return run_data_view(o);
  if (strcmp(v, "actmax") == 0)
    return gb_cli_global_actmax(o);
  if (strcmp(v, "counterfactual") == 0)
    return gb_cli_global_counterfactual(o);
  if (strcmp(v, "adversarial") == 0)
    return gb_cli_global_adversarial(o);
  if (strcmp(v, "shattered") == 0)
    return gb_cli_global_shattered(o);
  if (strcmp(v, "clever-hans") == 0)
    return gb_cli_global_clever_hans(o);
  g_printerr("glassbox-cli: unknown view '%s' (%s)\n", v, views);
  return GB_EXIT_USAGE;
}

static const char *const description =
    "Views:\n"
    "  class-maps      class-mean attribution maps (--method, --group predicted|true, --abs)\n"
    "  importance      mean |SHAP| per segment and class, or permutation importance\n"
    "                  (--kind shap|permutation, --patch, --repeats, --samples)\n"
    "  prototypes      training samples nearest each class centre in the penultimate layer\n"
    "                  (--k, --layer, --by-prediction)\n"
    "  actmax          activation maximisation of each class logit (--class, --steps, --l2)\n"
    "  counterfactual  the smallest plausible change to sample --index that makes the model\n"
    "                  say --target (--l1, --l2, --proto, --steps)\n"
    "  adversarial     FGSM or PGD (--attack, --eps, --step, --iterations, --target) and how\n"
    "                  the explanation (--method) changes\n"
    "  shattered       gradient noise of saliency against SmoothGrad (--model repeatable)\n"
    "  clever-hans     train on digits where a mark goes with --mark-class, compare with a\n"
    "                  clean model (--data, --test-data, --arch, --epochs, --rate); with --eeg\n"
    "                  on simulated P300 trials where blinks go with targets\n\n"
    "Outputs: --csv FILE for the numbers, --plot FILE.png|svg|pdf for the figure.\n\n"
    "Example:\n  glassbox-cli global class-maps --model digits.safetensors --data mnist-test "
    "--n 500 --plot maps.png\n\n"
    "Exit status: 0 success, 1 computation failed, 2 bad command line, 3 bad model, data or "
    "settings, 130 interrupted.";

int
gb_cli_global(int argc, char **argv)
{
  GlobalOptions o = {.n = 0,
                     .patch = 4,
                     .repeats = 5,
                     .samples = 0,
                     .k = 5,
                     .layer = -2,
                     .cls = -1,
                     .steps = 0,
                     .index = 0,
                     .target = -1,
                     .iterations = 20,
                     .seed = 1,
                     .epochs = 3,
                     .mark_class = 0,
                     .eps = 0.1,
                     .step = 0,
                     .l1 = -1,
                     .l2 = -1,
                     .proto = 0,
                     .noise = 0.15,
                     .rate = 1.0,
                     .rate_others = 0.0};
  GOptionEntry entries[] = {
      {"model", 'm', 0, G_OPTION_ARG_FILENAME_ARRAY, &o.models, "Model file (repeatable)", "FILE"},
      {"data", 'd', 0, G_OPTION_ARG_STRING, &o.data, "Data source", "SOURCE"},
      {"test-data", 0, 0, G_OPTION_ARG_STRING, &o.test_data, "clever-hans: test source", "SRC"},
      {"csv", 0, 0, G_OPTION_ARG_FILENAME, &o.csv, "Write the numbers as CSV", "FILE"},
      {"plot", 0, 0, G_OPTION_ARG_FILENAME, &o.plot, "Write the figure (.png/.svg/.pdf)", "FILE"},
      {"n", 'n', 0, G_OPTION_ARG_INT, &o.n, "Samples of the data to use (view's default)", "N"},
      {"method", 0, 0, G_OPTION_ARG_STRING, &o.method,
       "Explainer: saliency, grad-x-input, ig, lrp-epsilon, or any explain method", "NAME"},
      {"group", 0, 0, G_OPTION_ARG_STRING, &o.group, "class-maps: predicted or true", "BY"},
      {"abs", 0, 0, G_OPTION_ARG_NONE, &o.abs_maps, "class-maps: average |map|", NULL},
      {"kind", 0, 0, G_OPTION_ARG_STRING, &o.kind, "importance: shap or permutation", "KIND"},
      {"patch", 0, 0, G_OPTION_ARG_INT, &o.patch, "Segments: N x N pixels or N samples (4)", "N"},
      {"repeats", 0, 0, G_OPTION_ARG_INT, &o.repeats, "Permutation repeats (5)", "R"},
      {"samples", 0, 0, G_OPTION_ARG_INT, &o.samples, "SHAP coalitions / SmoothGrad samples", "N"},
      {"k", 0, 0, G_OPTION_ARG_INT, &o.k, "Prototypes per class (5)", "K"},
      {"layer", 0, 0, G_OPTION_ARG_INT, &o.layer,
       "Prototypes: layer (-1 input; default "
       "penultimate)",
       "L"},
      {"by-prediction", 0, 0, G_OPTION_ARG_NONE, &o.by_prediction,
       "Prototypes: group by predicted class", NULL},
      {"class", 'c', 0, G_OPTION_ARG_INT, &o.cls, "actmax: one class (default all)", "C"},
      {"steps", 0, 0, G_OPTION_ARG_INT, &o.steps, "Optimisation steps", "N"},
      {"index", 'i', 0, G_OPTION_ARG_INT, &o.index, "Sample of --data (0)", "N"},
      {"target", 't', 0, G_OPTION_ARG_INT, &o.target, "Target class", "C"},
      {"attack", 0, 0, G_OPTION_ARG_STRING, &o.attack, "fgsm or pgd (default)", "NAME"},
      {"eps", 0, 0, G_OPTION_ARG_DOUBLE, &o.eps, "Attack L-inf budget (0.1)", "F"},
      {"step", 0, 0, G_OPTION_ARG_DOUBLE, &o.step, "PGD step (eps / 4)", "F"},
      {"iterations", 0, 0, G_OPTION_ARG_INT, &o.iterations, "PGD iterations (20)", "N"},
      {"l1", 0, 0, G_OPTION_ARG_DOUBLE, &o.l1, "Counterfactual L1 weight (0.01)", "F"},
      {"l2", 0, 0, G_OPTION_ARG_DOUBLE, &o.l2, "L2 weight: counterfactual (0.1), actmax (0.3)",
       "F"},
      {"proto", 0, 0, G_OPTION_ARG_DOUBLE, &o.proto,
       "Counterfactual: pull towards the target class's mean (0)", "F"},
      {"noise", 0, 0, G_OPTION_ARG_DOUBLE, &o.noise, "SmoothGrad noise level (0.15)", "F"},
      {"arch", 0, 0, G_OPTION_ARG_STRING, &o.arch, "clever-hans: preset or spec (mlp)", "ARCH"},
      {"epochs", 0, 0, G_OPTION_ARG_INT, &o.epochs, "clever-hans: training epochs (3)", "N"},
      {"eeg", 0, 0, G_OPTION_ARG_NONE, &o.eeg,
       "clever-hans: simulated P300 trials where blinks go with targets (--n subjects)", NULL},
      {"mark-class", 0, 0, G_OPTION_ARG_INT, &o.mark_class, "clever-hans: marked class (0)", "C"},
      {"rate", 0, 0, G_OPTION_ARG_DOUBLE, &o.rate, "clever-hans: share of it marked (1)", "F"},
      {"rate-others", 0, 0, G_OPTION_ARG_DOUBLE, &o.rate_others,
       "clever-hans: share of other classes marked (0)", "F"},
      {"seed", 's', 0, G_OPTION_ARG_INT, &o.seed, "Seed (1)", "N"},
      {NULL}};
  g_autoptr(GOptionContext) ctx =
      g_option_context_new("VIEW - global views of a model and the difficulties of deep learning");
  g_option_context_add_main_entries(ctx, entries, NULL);
  g_option_context_set_description(ctx, description);
  int code;
  if (!gb_cli_parse(ctx, &argc, &argv, &code))
    goto out;
  if (argc != 2)
    code = gb_cli_usage_error(ctx, "global needs one VIEW (%s)", views);
  else if (o.n < 0 || o.patch < 1 || o.repeats < 1 || o.k < 1 || o.iterations < 1 || o.epochs < 1 ||
           o.steps < 0 || !(o.eps >= 0) || !(o.step >= 0))
    code = gb_cli_usage_error(ctx, "--n, --steps, --eps, --step must not be negative; --patch, "
                                   "--repeats, --k, --iterations, --epochs must be at least 1");
  else if (!(o.rate >= 0 && o.rate <= 1 && o.rate_others >= 0 && o.rate_others <= 1))
    code = gb_cli_usage_error(ctx, "--rate and --rate-others must be in [0, 1]");
  else {
    o.view = argv[1];
    code = dispatch(&o);
  }
out:
  g_strfreev(o.models);
  g_free(o.data);
  g_free(o.test_data);
  g_free(o.csv);
  g_free(o.plot);
  g_free(o.method);
  g_free(o.group);
  g_free(o.kind);
  g_free(o.attack);
  g_free(o.arch);
  return code;
}

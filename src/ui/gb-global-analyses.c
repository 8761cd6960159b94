/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-global-analyses.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "gb-adversarial.h"
#include "gb-attribution.h"
#include "gb-clever-hans.h"
#include "gb-counterfactual.h"
#include "gb-global-figures.h"
#include "gb-global.h"
#include "gb-method-popover.h"
#include "gb-prototypes.h"
#include "gb-shattered.h"

/* The global views of issue 5 on the window's model and data. Every run works on its own copy
 * of the model and reads the immutable data handle; figures are src/plot grids
 * (gb-global-figures.h), the same the command line writes. */

#define DIGITS (1u << GB_MODEL_KIND_DIGITS)
#define EEG    (1u << GB_MODEL_KIND_EEG)

/* Each run's own working copy of the model, freed on every return. */
typedef GbModel GlobalModel;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GlobalModel, gb_model_free)

/* ---- Shared helpers ---- */

static gboolean
fail(GError **error, GbStatus st, const GbError *err)
{
  gb_set_error_from_status(error, st, err);
  return FALSE;
}

/* A part [lo, lo + span] of the job's progress bar for one engine call. */
typedef struct {
  GbJob *job;
  double lo, span;
} Stage;

static bool
stage_progress(void *user, double fraction, const char *stage)
{
  Stage *s = user;
  return gb_job_progress(s->job, s->lo + s->span * fraction, stage);
}

/* The data set, checked to fit @m. */
static const GbDataset *
need_data(const GbAnalysisInput *in, GbModel *m, GError **error)
{
  if (in->data == NULL) {
    g_set_error_literal(error, GB_ERROR, GB_ERR_INVALID,
                        _("No data set is loaded: pick a data source first."));
    return NULL;
  }
  const GbDataset *ds = gb_data_handle_get_dataset(in->data);
  GbShape s = gb_dataset_sample_shape(ds);
  if (gb_dataset_size(ds) < 1 || gb_shape_size(&s) != gb_model_input_size(m)) {
    g_set_error(error, GB_ERROR, GB_ERR_SHAPE,
                _("The data set “%s” (%d samples of %zu values) does not fit the model (%zu "
                  "inputs)."),
                gb_data_handle_get_name(in->data), gb_dataset_size(ds), gb_shape_size(&s),
                gb_model_input_size(m));
    return NULL;
  }
  return ds;
}

static GbDataView
first_rows(const GbDataset *ds, int n)
{
  return gb_dataset_view_range(ds, 0, MIN(n, gb_dataset_size(ds)));
}

static gboolean
need_input(const GbAnalysisInput *in, GbModel *m, GError **error)
{
  if (in->input != NULL)
    return TRUE;
  g_set_error_literal(error, GB_ERROR, GB_ERR_INVALID,
                      _("This view explains the current input: draw or pick a digit first."));
  (void)m;
  return FALSE;
}

/* Hands @grid to the result as its figure. */
static void
set_figure(GbAnalysisResult *out, GbGlobalGrid *grid)
{
  out->draw = gb_global_grid_draw;
  out->figure = grid;
  out->figure_free = (GDestroyNotify)gb_global_grid_free;
}

static GbGlobalGrid *
new_grid(int n, int cols)
{
  GbGlobalGrid *g = gb_global_grid_new(n, cols);
  if (g == NULL)
    g_error("out of memory for a figure of %d panels", n);
  return g;
}

static int
predict_one(GbModel *m, const float *x, GbError *err, GbStatus *st)
{
  int c = 0;
  *st = gb_global_predict(m, x, 1, &c, err);
  return c;
}

/* ---- class-maps ---- */

static gboolean
run_class_maps(GbJob *job, const GbAnalysisInput *in, GbAnalysisResult *out, GError **error)
{
  g_autoptr(GlobalModel) m = gb_model_handle_dup_model(in->model, error);
  const GbDataset *ds = m ? need_data(in, m, error) : NULL;
  if (ds == NULL)
    return FALSE;
  GbClassMapConfig cfg;
  gb_class_map_config_init(&cfg);
  /* The window's method: gradient x input and LRP-epsilon batched, any other one sample at a
   * time through gb_explain. */
  GbMethodConfig method = in->method;
  if (method.method == GB_METHOD_GRAD_X_INPUT) {
    cfg.explain = gb_explain_batch_grad_x_input;
  } else {
    cfg.explain = gb_explain_batch_method;
    cfg.explain_user = &method;
  }
  g_autofree char *method_label = gb_method_config_dup_label(&method);
  Stage stage = {job, 0, 1};
  cfg.progress = stage_progress;
  cfg.user = &stage;
  GbDataView v = first_rows(ds, GB_GLOBAL_CLASS_MAP_SAMPLES);
  GbClassMaps r;
  GbError err;
  GbStatus st = gb_global_class_maps(m, &v, &cfg, &r, &err);
  if (st != GB_OK)
    return fail(error, st, &err);
  GbGlobalGrid *grid = new_grid(r.n_classes, v.shape.ndim == 2 ? 2 : 5);
  out->csv = g_string_new("class,count,feature,value\n");
  GString *sum = g_string_new(NULL);
  g_string_printf(sum, _("Mean %s map of each predicted class over %d samples. Samples per class:"),
                  method_label, v.n);
  for (int c = 0; c < r.n_classes; c++) {
    const float *map = r.maps + (size_t)c * r.n_features;
    for (size_t j = 0; j < r.n_features; j++)
      g_string_append_printf(out->csv, "%d,%d,%zu,%.7g\n", c, r.counts[c], j, map[j]);
    g_autofree char *title = g_strdup_printf(_("class %d (n = %d)"), c, r.counts[c]);
    gb_global_panel_map(&grid->panels[c], &v.shape, NULL, map, true, title);
    g_string_append_printf(sum, " %d: %d%s", c, r.counts[c], c + 1 < r.n_classes ? "," : ".");
  }
  out->summary = g_string_free(sum, FALSE);
  set_figure(out, grid);
  gb_class_maps_clear(&r);
  return TRUE;
}

/* ---- importance ---- */

static GbStatus
make_segments(const GbShape *s, GbSegments *seg, GbError *err)
{
  if (s->ndim == 1)
    return gb_segments_grid(seg, s, GB_GLOBAL_PATCH, 1, err);
  return gb_segments_grid(seg, s, GB_GLOBAL_PATCH, s->ndim == 2 ? 1 : GB_GLOBAL_PATCH, err);
}

static int
argmax_d(const double *v, int n)
{
  int best = 0;
  for (int i = 1; i < n; i++)
    if (v[i] > v[best])
      best = i;
  return best;
}

static gboolean
run_importance(GbJob *job, const GbAnalysisInput *in, GbAnalysisResult *out, GError **error)
{
  g_autoptr(GlobalModel) m = gb_model_handle_dup_model(in->model, error);
  const GbDataset *ds = m ? need_data(in, m, error) : NULL;
  if (ds == NULL)
    return FALSE;
  GbShape shape = gb_dataset_sample_shape(ds);
  GbSegments seg = {0};
  GbError err;
  GbStatus st = make_segments(&shape, &seg, &err);
  if (st != GB_OK)
    return fail(error, st, &err);
  GbShapConfig sc;
  gb_shap_config_init(&sc);
  sc.samples = GB_GLOBAL_SHAP_COALITIONS;
  sc.seed = in->seed;
  GbDataView vs = first_rows(ds, GB_GLOBAL_SHAP_SAMPLES);
  Stage s1 = {job, 0, 0.6};
  GbShapImportance shap = {0};
  GbPermutationImportance perm = {0};
  st = gb_global_shap_importance(m, &vs, &seg, &sc, vs.n, stage_progress, &s1, &shap, &err);
  GbDataView vp = first_rows(ds, GB_GLOBAL_PERMUTATION_SAMPLES);
  Stage s2 = {job, 0.6, 0.4};
  if (st == GB_OK)
    st = gb_global_permutation_importance(m, &vp, &seg, GB_GLOBAL_PERMUTATION_REPEATS, in->seed,
                                          stage_progress, &s2, &perm, &err);
  if (st != GB_OK) {
    gb_shap_importance_clear(&shap);
    gb_segments_clear(&seg);
    return fail(error, st, &err);
  }
  int n_panels = shap.n_classes + 2;
  GbGlobalGrid *grid = new_grid(n_panels, shape.ndim == 2 ? 3 : 6);
  out->csv = g_string_new("kind,class,segment,value\n");
  for (int c = 0; c <= shap.n_classes; c++) {
    gboolean all = c == shap.n_classes;
    const double *row = all ? shap.overall : shap.mean_abs + (size_t)c * shap.n_segments;
    g_autofree char *cls = all ? g_strdup("all") : g_strdup_printf("%d", c);
    for (int i = 0; i < shap.n_segments; i++)
      g_string_append_printf(out->csv, "shap,%s,%d,%.7g\n", cls, i, row[i]);
    g_autofree char *title = all ? g_strdup(_("mean |SHAP|, all classes"))
                                 : g_strdup_printf(_("mean |SHAP|, class %d"), c);
    gb_global_panel_importance(&grid->panels[c], &shape, &seg, row, title, "mean |SHAP|");
  }
  for (int i = 0; i < perm.n_segments; i++)
    g_string_append_printf(out->csv, "permutation,all,%d,%.7g\n", i, perm.drop[i]);
  gb_global_panel_importance(&grid->panels[n_panels - 1], &shape, &seg, perm.drop,
                             _("permutation importance"), _("accuracy drop"));
  int top_shap = argmax_d(shap.overall, shap.n_segments);
  int top_perm = argmax_d(perm.drop, perm.n_segments);
  out->summary = g_strdup_printf(
      _("Mean |SHAP| of %d samples over %d patches: patch %d matters most (%.4f). Permutation "
        "importance over %d samples (accuracy %.3f unshuffled): shuffling patch %d costs the most "
        "accuracy (%.3f)."),
      shap.n_samples, shap.n_segments, top_shap, shap.overall[top_shap], vp.n, perm.base_accuracy,
      top_perm, perm.drop[top_perm]);
  set_figure(out, grid);
  gb_shap_importance_clear(&shap);
  gb_permutation_importance_clear(&perm);
  gb_segments_clear(&seg);
  return TRUE;
}

/* ---- prototypes ---- */

static gboolean
run_prototypes(GbJob *job, const GbAnalysisInput *in, GbAnalysisResult *out, GError **error)
{
  g_autoptr(GlobalModel) m = gb_model_handle_dup_model(in->model, error);
  const GbDataset *ds = m ? need_data(in, m, error) : NULL;
  if (ds == NULL)
    return FALSE;
  GbDataView v = first_rows(ds, GB_GLOBAL_PROTOTYPE_SAMPLES);
  GbPrototypes p;
  GbError err;
  Stage stage = {job, 0, 1};
  int k = GB_GLOBAL_PROTOTYPE_K;
  GbStatus st = gb_prototypes_find(m, &v, -2, k, false, stage_progress, &stage, &p, &err);
  if (st != GB_OK)
    return fail(error, st, &err);
  size_t d = gb_model_input_size(m);
  g_autofree float *empty = g_new0(float, d);
  GbGlobalGrid *grid = new_grid(p.n_classes * k, p.n_classes);
  out->csv = g_string_new("class,rank,index,label,distance\n");
  for (int c = 0; c < p.n_classes; c++)
    for (int r = 0; r < k; r++) {
      int i = p.index[c * k + r];
      g_autofree char *title =
          i >= 0 ? g_strdup_printf(_("%d: #%d"), c, i) : g_strdup_printf(_("%d: none"), c);
      if (i >= 0)
        g_string_append_printf(out->csv, "%d,%d,%d,%d,%.6g\n", c, r, i, v.labels[i],
                               p.distance[c * k + r]);
      gb_global_panel_map(&grid->panels[r * p.n_classes + c], &v.shape,
                          i >= 0 ? v.x + (size_t)i * d : empty, i >= 0 ? NULL : empty, false,
                          title);
    }
  const char *layer = p.layer < 0 ? _("the input") : gb_model_get_layer(m, p.layer)->name;
  out->summary = g_strdup_printf(
      _("Each column: the %d samples of a class (of the first %d) nearest its class centre in %s "
        "(%zu values). Nearest distance of class 0: %.3f."),
      k, v.n, layer, p.dim, p.distance[0]);
  set_figure(out, grid);
  gb_prototypes_clear(&p);
  return TRUE;
}

/* ---- actmax ---- */

static gboolean
run_actmax(GbJob *job, const GbAnalysisInput *in, GbAnalysisResult *out, GError **error)
{
  g_autoptr(GlobalModel) m = gb_model_handle_dup_model(in->model, error);
  if (m == NULL)
    return FALSE;
  int n_out = gb_model_n_outputs(m);
  GbActMaxConfig cfg;
  gb_actmax_config_init(&cfg);
  cfg.steps = GB_GLOBAL_ACTMAX_STEPS;
  cfg.seed = in->seed;
  GbGlobalGrid *grid = new_grid(n_out, 5);
  out->csv = g_string_new("class,logit_start,logit_end,probability\n");
  double mean_p = 0;
  for (int c = 0; c < n_out; c++) {
    Stage stage = {job, (double)c / n_out, 1.0 / n_out};
    cfg.progress = stage_progress;
    cfg.user = &stage;
    GbActMax r;
    GbError err;
    GbStatus st = gb_activation_maximise(m, c, &cfg, &r, &err);
    if (st != GB_OK) {
      gb_global_grid_free(grid);
      return fail(error, st, &err);
    }
    g_string_append_printf(out->csv, "%d,%.6g,%.6g,%.6g\n", c, r.logit_start, r.logit_end,
                           r.prob_end);
    g_autofree char *title = g_strdup_printf(_("class %d: p %.2f"), c, r.prob_end);
    gb_global_panel_map(&grid->panels[c], gb_model_input_shape(m), r.x, NULL, false, title);
    mean_p += r.prob_end / n_out;
    gb_actmax_clear(&r);
    if (gb_analysis_cancelled(job, error)) {
      gb_global_grid_free(grid);
      return FALSE;
    }
  }
  out->summary = g_strdup_printf(_("The image each class's logit likes most, found by %d steps of "
                                   "regularised gradient ascent from black: mean probability of "
                                   "its class %.3f."),
                                 cfg.steps, mean_p);
  set_figure(out, grid);
  return TRUE;
}

/* ---- counterfactual ---- */

/* The class after the prediction: the runner-up of the logits at @x. */
static int
runner_up(GbModel *m, const float *x, int *pred, GbError *err, GbStatus *st)
{
  int n_out = gb_model_n_outputs(m);
  g_autofree float *z = g_new(float, n_out);
  *st = gb_model_predict(m, x, 1, z, NULL, NULL, err);
  if (*st != GB_OK)
    return 0;
  if (n_out < 2) { /* one output: the other class */
    *pred = z[0] > 0;
    return 1 - *pred;
  }
  int a = 0, b = -1;
  for (int i = 1; i < n_out; i++)
    if (z[i] > z[a])
      a = i;
  for (int i = 0; i < n_out; i++)
    if (i != a && (b < 0 || z[i] > z[b]))
      b = i;
  *pred = a;
  return b;
}

static gboolean
run_counterfactual(GbJob *job, const GbAnalysisInput *in, GbAnalysisResult *out, GError **error)
{
  g_autoptr(GlobalModel) m = gb_model_handle_dup_model(in->model, error);
  if (m == NULL || !need_input(in, m, error))
    return FALSE;
  size_t d = gb_model_input_size(m);
  GbError err;
  GbStatus st;
  int pred = 0, target = runner_up(m, in->input, &pred, &err, &st);
  if (st != GB_OK)
    return fail(error, st, &err);
  GbCounterfactualConfig cfg;
  gb_counterfactual_config_init(&cfg);
  Stage stage = {job, 0, 1};
  cfg.progress = stage_progress;
  cfg.user = &stage;
  GbCounterfactual r;
  st = gb_counterfactual_find(m, in->input, d, target, &cfg, &r, &err);
  if (st != GB_OK)
    return fail(error, st, &err);
  g_autofree float *delta = g_new(float, d);
  out->csv = g_string_new("feature,original,counterfactual,delta\n");
  for (size_t j = 0; j < d; j++) {
    delta[j] = r.x[j] - in->input[j];
    g_string_append_printf(out->csv, "%zu,%.6g,%.6g,%.6g\n", j, in->input[j], r.x[j], delta[j]);
  }
  const GbShape *s = gb_model_input_shape(m);
  GbGlobalGrid *grid = new_grid(5, 3);
  g_autofree char *t0 = g_strdup_printf(_("original: class %d"), r.original_class);
  g_autofree char *t1 = g_strdup_printf(_("counterfactual: class %d"), r.final_class);
  g_autofree char *t2 = g_strdup_printf(_("change: %d pixels"), r.n_changed);
  gb_global_panel_map(&grid->panels[0], s, in->input, NULL, false, t0);
  gb_global_panel_map(&grid->panels[1], s, r.x, NULL, false, t1);
  gb_global_panel_map(&grid->panels[2], s, NULL, delta, true, t2);
  gb_global_panel_probabilities(&grid->panels[3], r.prob_before, r.n_classes, r.original_class,
                                _("before"));
  gb_global_panel_probabilities(&grid->panels[4], r.prob_after, r.n_classes, r.final_class,
                                _("after"));
  if (r.found)
    out->summary = g_strdup_printf(
        _("The smallest change found that makes the model say %d instead of %d: L1 %.3f, L2 "
          "%.3f, largest pixel change %.3f, %d pixels changed; probability of %d %.3f → %.3f."),
        r.target_class, r.original_class, r.l1, r.l2, r.linf, r.n_changed, r.target_class,
        r.prob_before[r.target_class], r.prob_after[r.target_class]);
  else
    out->summary = g_strdup_printf(
        _("No counterfactual for class %d was found in %d steps: the model keeps saying %d."),
        r.target_class, cfg.steps, r.original_class);
  set_figure(out, grid);
  gb_counterfactual_clear(&r);
  return TRUE;
}

/* ---- adversarial ---- */

typedef struct {
  GbAttackResult r;
  float *map; /* gradient x input of the attacked input for its own class */
  GbExplanationChange change;
} Attack;

static GbStatus
attack(GbModel *m, const float *x, const float *clean_map, int label, gboolean pgd, guint64 seed,
       Attack *a, GbError *err)
{
  size_t d = gb_model_input_size(m);
  GbAttackConfig cfg;
  gb_attack_config_init(&cfg);
  cfg.eps = GB_GLOBAL_ATTACK_EPS;
  cfg.step = cfg.eps / 4;
  cfg.seed = seed;
  GbStatus st = pgd ? gb_attack_pgd(m, x, d, label, &cfg, &a->r, err)
                    : gb_attack_fgsm(m, x, d, label, &cfg, &a->r, err);
  if (st != GB_OK)
    return st;
  a->map = g_new(float, d);
  st = gb_explain_batch_grad_x_input(NULL, m, a->r.x, 1, &a->r.class_after, a->map, err);
  return st != GB_OK ? st : gb_explanation_change(clean_map, a->map, d, 0, &a->change, err);
}

static gboolean
run_adversarial(GbJob *job, const GbAnalysisInput *in, GbAnalysisResult *out, GError **error)
{
  g_autoptr(GlobalModel) m = gb_model_handle_dup_model(in->model, error);
  if (m == NULL || !need_input(in, m, error))
    return FALSE;
  size_t d = gb_model_input_size(m);
  GbError err;
  GbStatus st;
  int label = predict_one(m, in->input, &err, &st);
  g_autofree float *clean_map = g_new(float, d);
  if (st == GB_OK)
    st = gb_explain_batch_grad_x_input(NULL, m, in->input, 1, &label, clean_map, &err);
  Attack a[2] = {0};
  gb_job_progress(job, 0.1, NULL);
  if (st == GB_OK)
    st = attack(m, in->input, clean_map, label, FALSE, in->seed, &a[0], &err);
  if (st == GB_OK && !gb_analysis_cancelled(job, error)) {
    gb_job_progress(job, 0.4, NULL);
    st = attack(m, in->input, clean_map, label, TRUE, in->seed, &a[1], &err);
  }
  gboolean ok = st == GB_OK && !gb_job_is_cancelled(job);
  if (st != GB_OK)
    fail(error, st, &err);
  else if (!ok && (error == NULL || *error == NULL))
    gb_analysis_cancelled(job, error);
  if (ok) {
    const GbShape *s = gb_model_input_shape(m);
    const char *names[2] = {"FGSM", "PGD"};
    GbGlobalGrid *grid = new_grid(6, 3);
    g_autofree char *t0 = g_strdup_printf(_("clean: class %d (p %.2f)"), label, a[0].r.prob_before);
    gb_global_panel_map(&grid->panels[0], s, in->input, NULL, false, t0);
    gb_global_panel_map(&grid->panels[3], s, in->input, clean_map, true, _("gradient × input"));
    out->csv = g_string_new("attack,eps,class_before,class_after,success,linf,l2,prob_before,"
                            "prob_after,spearman,pearson,topk_overlap\n");
    GString *sum = g_string_new(NULL);
    g_string_printf(sum, _("Changes of at most %.2f per pixel (ε):"), GB_GLOBAL_ATTACK_EPS);
    for (int k = 0; k < 2; k++) {
      const GbAttackResult *r = &a[k].r;
      const GbExplanationChange *c = &a[k].change;
      g_string_append_printf(out->csv, "%s,%.6g,%d,%d,%d,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g\n",
                             names[k], GB_GLOBAL_ATTACK_EPS, r->class_before, r->class_after,
                             r->success, r->linf, r->l2, r->prob_before, r->prob_after, c->spearman,
                             c->pearson, c->topk_overlap);
      g_autofree char *t = g_strdup_printf(_("%s: class %d (p of %d %.2f)"), names[k],
                                           r->class_after, label, r->prob_after);
      gb_global_panel_map(&grid->panels[1 + k], s, r->x, NULL, false, t);
      g_autofree char *te = g_strdup_printf(_("gradient × input, %s"), names[k]);
      gb_global_panel_map(&grid->panels[4 + k], s, r->x, a[k].map, true, te);
      g_string_append_printf(sum,
                             _(" %s makes the model say %d (probability of %d %.3f → %.3f); its "
                               "explanation keeps %.0f%% of the top pixels (rank correlation "
                               "%.2f)."),
                             names[k], r->class_after, label, r->prob_before, r->prob_after,
                             100 * c->topk_overlap, c->spearman);
    }
    out->summary = g_string_free(sum, FALSE);
    set_figure(out, grid);
  }
  for (int k = 0; k < 2; k++) {
    gb_attack_result_clear(&a[k].r);
    g_free(a[k].map);
  }
  return ok;
}

/* ---- shattered ---- */

static gboolean
run_shattered(GbJob *job, const GbAnalysisInput *in, GbAnalysisResult *out, GError **error)
{
  g_autoptr(GlobalModel) m = gb_model_handle_dup_model(in->model, error);
  const GbDataset *ds = m ? need_data(in, m, error) : NULL;
  if (ds == NULL)
    return FALSE;
  GbSmoothConfig sc;
  gb_smooth_config_init(&sc);
  sc.samples = GB_GLOBAL_SMOOTH_SAMPLES;
  sc.seed = in->seed;
  sc.map = GB_SMOOTH_GRADIENT;
  GbDataView v = first_rows(ds, GB_GLOBAL_SHATTERED_SAMPLES);
  GbShatteredSummary s;
  GbError err;
  Stage stage = {job, 0, 0.9};
  GbStatus st = gb_shattered_gradients(m, &v, 0, &sc, stage_progress, &stage, &s, &err);
  size_t d = gb_model_input_size(m);
  const float *x = in->input != NULL ? in->input : v.x;
  GbAttribution g = {0}, sm = {0};
  int cls = 0;
  if (st == GB_OK)
    cls = predict_one(m, x, &err, &st);
  GbTarget t = gb_target_class(gb_model_n_outputs(m) == 1 ? 0 : cls);
  if (st == GB_OK)
    st = gb_attribution_gradient(m, x, d, &t, &g, &err);
  if (st == GB_OK)
    st = gb_attribution_smoothgrad(m, x, d, &t, &sc, &sm, NULL, NULL, NULL, &err);
  if (st != GB_OK) {
    gb_attribution_clear(&g);
    gb_attribution_clear(&sm);
    return fail(error, st, &err);
  }
  const GbShape *shape = gb_model_input_shape(m);
  GbGlobalGrid *grid = new_grid(3, 3);
  g_autofree char *t0 = g_strdup_printf(_("input: class %d"), cls);
  gb_global_panel_map(&grid->panels[0], shape, x, NULL, false, t0);
  gb_global_panel_map(&grid->panels[1], shape, NULL, g.values, true, _("gradient"));
  g_autofree char *t2 = g_strdup_printf(_("SmoothGrad (%d samples)"), sc.samples);
  gb_global_panel_map(&grid->panels[2], shape, NULL, sm.values, true, t2);
  out->csv = g_string_new("map,samples,neighbour_corr,neighbour_corr_sd,tv_ratio\n");
  g_string_append_printf(out->csv, "gradient,%d,%.6g,%.6g,%.6g\n", s.n_samples,
                         s.gradient.neighbour_corr, s.gradient_corr_sd, s.gradient.tv_ratio);
  g_string_append_printf(out->csv, "smoothgrad,%d,%.6g,%.6g,%.6g\n", s.n_samples,
                         s.smoothgrad.neighbour_corr, s.smoothgrad_corr_sd, s.smoothgrad.tv_ratio);
  out->summary = g_strdup_printf(
      _("Over %d samples, neighbouring values of the plain gradient correlate %.3f (1: smooth, "
        "0: noise), those of SmoothGrad %.3f; relative total variation %.3f vs %.3f."),
      s.n_samples, s.gradient.neighbour_corr, s.smoothgrad.neighbour_corr, s.gradient.tv_ratio,
      s.smoothgrad.tv_ratio);
  set_figure(out, grid);
  gb_attribution_clear(&g);
  gb_attribution_clear(&sm);
  return TRUE;
}

/* ---- clever-hans ---- */

/* Rows [start, start + n) of @src as a new data set. */
static GbDataset *
rows(const GbDataset *src, int start, int n, GbError *err)
{
  GbShape s = gb_dataset_sample_shape(src);
  size_t d = gb_shape_size(&s);
  GbDataset *ds = gb_dataset_new(src->name, n, &s, src->n_classes, err);
  if (ds == NULL)
    return NULL;
  memcpy(ds->x->data, src->x->data + (size_t)start * d, (size_t)n * d * sizeof(float));
  memcpy(ds->labels, src->labels + start, (size_t)n * sizeof(int));
  return ds;
}

typedef struct {
  GbModel *m;
  double clean_acc, called_mark, mark_share;
  int *pred; /* owned: its classes of the marked test digits */
} HansModel;

static double
share_called(GbModel *m, const GbDataset *ds, int c, gboolean accuracy, GbError *err)
{
  int n = gb_dataset_size(ds), k = 0;
  g_autofree int *pred = g_new(int, n);
  if (gb_global_predict(m, ds->x->data, n, pred, err) != GB_OK)
    return NAN;
  for (int i = 0; i < n; i++)
    k += accuracy ? pred[i] == ds->labels[i] : pred[i] == c;
  return (double)k / n;
}

/* Trains one model on @train and measures it on @test (clean) and @marked (all marked). */
static GbStatus
hans_model(GbJob *job, double lo, const GbDataset *train, const GbDataset *test,
           const GbDataset *marked, const bool *mask, guint64 seed, HansModel *h, float *maps,
           GbError *err)
{
  GbStatus st = gb_model_new_from_spec(GB_GLOBAL_HANS_SPEC, seed, &h->m, err);
  if (st != GB_OK)
    return st;
  GbTrainConfig tc;
  gb_train_config_init(&tc);
  tc.epochs = GB_GLOBAL_HANS_EPOCHS;
  tc.seed = seed;
  tc.val_fraction = 0;
  tc.l1 = 1e-4f;
  Stage stage = {job, lo, 0.45};
  tc.progress = stage_progress;
  tc.user = &stage;
  GbDataView v = gb_dataset_view(train);
  st = gb_train(h->m, &v, NULL, &tc, NULL, err);
  if (st != GB_OK)
    return st;
  h->clean_acc = share_called(h->m, test, 0, TRUE, err);
  h->called_mark = share_called(h->m, marked, 0, FALSE, err);
  int n = gb_dataset_size(marked);
  size_t d = gb_model_input_size(h->m);
  h->pred = g_new(int, n);
  st = gb_global_predict(h->m, marked->x->data, n, h->pred, err);
  if (st == GB_OK)
    st = gb_explain_batch_grad_x_input(NULL, h->m, marked->x->data, n, h->pred, maps, err);
  h->mark_share = 0;
  for (int i = 0; st == GB_OK && i < n; i++) {
    double on = 0, all = 0;
    for (size_t j = 0; j < d; j++) {
      double a = fabs(maps[(size_t)i * d + j]);
      all += a;
      on += mask[j] ? a : 0;
    }
    h->mark_share += all > 0 ? on / all / n : 0;
  }
  return st;
}

/* Trains two models, marked and clean; @sets: train marked, train clean, test clean, test all
 * marked. */
static GbStatus
hans_sets(const GbDataset *src, int n_train, GbDataset **sets, bool *mask, GbError *err)
{
  GbCleverHansConfig cfg;
  gb_clever_hans_config_init(&cfg);
  GbShape s = gb_dataset_sample_shape(src);
  sets[1] = rows(src, 0, n_train, err);
  sets[2] = rows(src, n_train, GB_GLOBAL_HANS_TEST, err);
  if (sets[1] == NULL || sets[2] == NULL)
    return err->code;
  sets[0] = gb_clever_hans_digits(sets[1], &cfg, NULL, err);
  cfg.rate_others = 1;
  sets[3] = sets[0] ? gb_clever_hans_digits(sets[2], &cfg, NULL, err) : NULL;
  if (sets[3] == NULL)
    return err->code;
  return gb_clever_hans_mask(&cfg, &s, mask, err);
}

/* @n marked test digits to show: first those not of the mark class (0) that the marked model
 * calls 0, then other non-0 ones. */
static void
pick_examples(const GbDataset *marked, const int *pred, int *ex, int n)
{
  int k = 0, size = gb_dataset_size(marked);
  for (int pass = 0; pass < 2; pass++)
    for (int i = 0; i < size && k < n; i++) {
      gboolean fooled = marked->labels[i] != 0 && pred[i] == 0;
      gboolean taken = FALSE;
      for (int j = 0; j < k; j++)
        taken |= ex[j] == i;
      if (!taken && (pass == 0 ? fooled : marked->labels[i] != 0))
        ex[k++] = i;
    }
  for (; k < n; k++)
    ex[k] = k;
}

static gboolean
run_clever_hans(GbJob *job, const GbAnalysisInput *in, GbAnalysisResult *out, GError **error)
{
  g_autoptr(GlobalModel) m = gb_model_handle_dup_model(in->model, error);
  const GbDataset *ds = m ? need_data(in, m, error) : NULL;
  if (ds == NULL)
    return FALSE;
  GbShape shape = gb_dataset_sample_shape(ds);
  int n_train = MIN(GB_GLOBAL_HANS_TRAIN, gb_dataset_size(ds) - GB_GLOBAL_HANS_TEST);
  if (n_train < GB_GLOBAL_HANS_MIN_TRAIN || shape.ndim != 3) {
    g_set_error(error, GB_ERROR, GB_ERR_INVALID,
                _("The Clever Hans view needs at least %d digit images; “%s” has %d."),
                GB_GLOBAL_HANS_MIN_TRAIN + GB_GLOBAL_HANS_TEST, gb_data_handle_get_name(in->data),
                gb_dataset_size(ds));
    return FALSE;
  }
  size_t d = gb_shape_size(&shape);
  GbDataset *sets[4] = {0};
  g_autofree bool *mask = g_new0(bool, d);
  g_autofree float *maps = g_new(float, (size_t)GB_GLOBAL_HANS_TEST * 2 * d);
  HansModel h[2] = {0};
  GbError err;
  gb_job_progress(job, 0, _("Marking the digits"));
  GbStatus st = hans_sets(ds, n_train, sets, mask, &err);
  for (int k = 0; k < 2 && st == GB_OK; k++)
    st = hans_model(job, 0.05 + 0.475 * k, sets[k], sets[2], sets[3], mask, in->seed, &h[k],
                    maps + (size_t)k * GB_GLOBAL_HANS_TEST * d, &err);
  gboolean ok = st == GB_OK;
  if (!ok)
    fail(error, st, &err);
  if (ok) {
    const char *names[2] = {_("marked model"), _("clean model")};
    int n_ex = 4, ex[4];
    pick_examples(sets[3], h[0].pred, ex, n_ex);
    GbGlobalGrid *grid = new_grid(2 * n_ex, n_ex);
    out->csv = g_string_new("model,clean_accuracy,marked_called_mark_class,mark_share\n");
    for (int k = 0; k < 2; k++) {
      g_string_append_printf(out->csv, "%s,%.6g,%.6g,%.6g\n", k == 0 ? "marked" : "clean",
                             h[k].clean_acc, h[k].called_mark, h[k].mark_share);
      for (int e = 0; e < n_ex; e++) {
        int i = ex[e];
        g_autofree char *t =
            g_strdup_printf(_("%s: a %d, says %d"), names[k], sets[3]->labels[i], h[k].pred[i]);
        gb_global_panel_map(&grid->panels[k * n_ex + e], &shape, sets[3]->x->data + (size_t)i * d,
                            maps + ((size_t)k * GB_GLOBAL_HANS_TEST + i) * d, true, t);
      }
    }
    out->summary = g_strdup_printf(
        _("Both models were trained on %d digits; in the marked set every 0 carries a bright "
          "square in the top left corner. On %d clean test digits they score %.3f and %.3f. "
          "With the mark on every test digit the marked model says 0 for %.0f%% of them (the "
          "clean one %.0f%%), and %.1f%% of its gradient × input relevance lies on the 9 mark "
          "pixels (clean model %.1f%%)."),
        n_train, GB_GLOBAL_HANS_TEST, h[0].clean_acc, h[1].clean_acc, 100 * h[0].called_mark,
        100 * h[1].called_mark, 100 * h[0].mark_share, 100 * h[1].mark_share);
    set_figure(out, grid);
  }
  for (int k = 0; k < 4; k++)
    if (sets[k] != NULL)
      gb_dataset_free(sets[k]);
  for (int k = 0; k < 2; k++) {
    if (h[k].m != NULL)
      gb_model_free(h[k].m);
    g_free(h[k].pred);
  }
  return ok;
}

/* ---- The table ---- */

static const GbAnalysis analyses[] = {
    {"class-maps", N_("Class-mean maps"),
     N_("The average gradient × input explanation of every sample the model assigns to a class. "
        "Where one digit's map is red, ink there speaks for that class on average; blue speaks "
        "against it. This is a global view: not why one input got its answer, but what the model "
        "looks for in each class."),
     DIGITS | EEG, FALSE, run_class_maps},
    {"importance", N_("Feature importance"),
     N_("Which patches of the input matter over the whole data set, measured twice: the mean "
        "absolute SHAP value of each patch (how much it moves each class's score) and permutation "
        "importance (how much accuracy is lost when the patch is shuffled between samples). The "
        "two need not agree: SHAP measures the model's output, permutation its accuracy."),
     DIGITS | EEG, FALSE, run_importance},
    {"prototypes", N_("Prototypes"),
     N_("For each class, the real training examples closest to the class's average inside the "
        "network (the layer before the output). They show what the model treats as a typical "
        "member of each class."),
     DIGITS | EEG, FALSE, run_prototypes},
    {"actmax", N_("Activation maximisation"),
     N_("Synthetic images that excite each class's output most, found by gradient ascent from a "
        "black image with penalties that keep them smooth. Without the penalties they would be "
        "noise: high scores do not need digit-like images."),
     DIGITS, FALSE, run_actmax},
    {"counterfactual", N_("Counterfactual"),
     N_("The smallest change to the current digit that makes the model choose its second most "
        "likely class. The difference image shows which pixels had to change: a contrastive "
        "explanation, ‘it would have been a 5 if these strokes were there’."),
     DIGITS, TRUE, run_counterfactual},
    {"adversarial", N_("Adversarial examples"),
     N_("A difficulty of deep learning: changes too small to notice can change the answer. FGSM "
        "takes one step along the sign of the gradient, PGD many small ones, each pixel changing "
        "by at most ε. The explanations of the attacked images change too, although the digit "
        "still looks the same."),
     DIGITS, TRUE, run_adversarial},
    {"shattered", N_("Shattered gradients"),
     N_("The gradients of deep ReLU networks change abruptly from pixel to pixel and look like "
        "noise. Neighbour correlation measures it: near 1 for a smooth map, near 0 for noise. "
        "SmoothGrad averages the gradients of noisy copies of the input and gives smoother maps."),
     DIGITS | EEG, FALSE, run_shattered},
    {"clever-hans", N_("Clever Hans"),
     N_("A model can be right for the wrong reason. Two small networks are trained here, one on "
        "digits where every 0 carries a bright mark in a corner, one on clean digits. Both score "
        "well on clean test digits, but the marked model calls any marked digit a 0 and its "
        "explanations light up the mark: explanations reveal the shortcut."),
     DIGITS, FALSE, run_clever_hans},
};

const GbAnalysis *
gb_global_analyses(guint *n)
{
  if (n != NULL)
    *n = G_N_ELEMENTS(analyses);
  return analyses;
}

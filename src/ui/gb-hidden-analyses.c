/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Hidden states page's analyses: each collects what it needs from a copy of the model on
 * the worker thread and hands the shared figures (gb-hidden-figures.h) to the view. */
#include "config.h"

#include "gb-hidden-analyses.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "gb-hidden-figures.h"
#include "gb-layer.h"
#include "gb-metrics.h"

/* What every analysis starts from: a working copy of the model and the trials. */
typedef struct {
  GbModel *m;
  const GbEegSet *eeg;
  int n, T, C, layer;
  const float *x;    /* (n, T, C), borrowed from the data handle */
  const int *labels; /* n */
  double *t_ms;      /* T: each step's time from the flash */
  GbHiddenStates states;
} Ctx;

static void
ctx_clear(Ctx *c)
{
  gb_hidden_states_clear(&c->states);
  g_free(c->t_ms);
  if (c->m != NULL)
    gb_model_free(c->m);
  memset(c, 0, sizeof *c);
}

static gboolean
fail(GError **error, const char *message)
{
  g_set_error_literal(error, GB_ERROR, GB_ERR_INVALID, message);
  return FALSE;
}

static gboolean
ctx_init(Ctx *c, const GbAnalysisInput *in, GError **error)
{
  memset(c, 0, sizeof *c);
  c->eeg = in->data != NULL ? gb_data_handle_get_eeg(in->data) : NULL;
  if (c->eeg == NULL || gb_data_handle_get_size(in->data) < 2)
    return fail(error, _("These analyses need EEG trials: choose the EEG source first"));
  c->m = gb_model_handle_dup_model(in->model, error);
  if (c->m == NULL)
    return FALSE;
  const GbShape *shape = gb_model_input_shape(c->m);
  c->n = gb_data_handle_get_size(in->data);
  c->T = c->eeg->n_times;
  c->C = c->eeg->n_channels;
  if (shape->ndim != 2 || shape->dim[0] != c->T || shape->dim[1] != c->C) {
    g_set_error(error, GB_ERROR, GB_ERR_SHAPE, _("The model does not take these trials: they "
                "have %d samples x %d channels"), c->T, c->C);
    ctx_clear(c);
    return FALSE;
  }
  c->x = gb_data_handle_get_sample(in->data, 0);
  c->labels = gb_data_handle_get_dataset(in->data)->labels;
  c->t_ms = g_new(double, c->T);
  for (int t = 0; t < c->T; t++)
    c->t_ms[t] = 1000.0 * (c->eeg->t0 + t / c->eeg->srate);
  c->layer = gb_hidden_find_layer(c->m);
  return TRUE;
}

static gboolean
ctx_collect(Ctx *c, GbJob *job, GError **error)
{
  if (c->layer < 0)
    return fail(error, _("This model has no recurrent layer (rnn, lstm, gru, prm)"));
  GbError err;
  GbStatus st = gb_hidden_collect(c->m, c->layer, c->x, c->n, c->labels, c->eeg->subject,
                                  &c->states, gb_job_progress, job, &err);
  gb_set_error_from_status(error, st, &err);
  return st == GB_OK;
}

/* Reports @st's failure; TRUE when it succeeded. */
static gboolean
check(GbStatus st, const GbError *err, GError **error)
{
  gb_set_error_from_status(error, st, err);
  return st == GB_OK;
}

static void
set_result(GbAnalysisResult *out, GbPlotDrawFn draw, gpointer figure, GDestroyNotify figure_free,
           char *summary, GString *csv)
{
  out->draw = draw;
  out->figure = figure;
  out->figure_free = figure_free;
  out->summary = summary;
  out->csv = csv;
}

#define FIGURE_FREE(name, type, clear) \
  static void name(gpointer p)         \
  {                                    \
    clear((type *)p);                  \
    g_free(p);                         \
  }
FIGURE_FREE(raster_free, GbHiddenRasterFigure, gb_hidden_raster_figure_clear)
FIGURE_FREE(pca_free, GbHiddenPcaFigure, gb_hidden_pca_figure_clear)
FIGURE_FREE(curves_free, GbHiddenCurvesFigure, gb_hidden_curves_figure_clear)
FIGURE_FREE(transition_free, GbHiddenTransitionFigure, gb_hidden_transition_figure_clear)
FIGURE_FREE(scalp_free, GbHiddenScalpFigure, gb_hidden_scalp_figure_clear)

static const char *
time_label(void)
{
  return _("time from the flash (ms)");
}

/* ---- raster ---- */

static gboolean
run_raster(GbJob *job, const GbAnalysisInput *in, GbAnalysisResult *out, GError **error)
{
  Ctx c;
  if (!ctx_init(&c, in, error))
    return FALSE;
  gboolean ok = ctx_collect(&c, job, error);
  GbHiddenRasterFigure *f = g_new0(GbHiddenRasterFigure, 1);
  GbError err;
  g_autofree char *title = g_strdup_printf(_("Unit selectivity d' (target - non-target), %s"),
                                           ok ? gb_model_get_layer(c.m, c.layer)->name : "");
  ok = ok && check(gb_hidden_figure_raster(&c.states, c.t_ms, title, time_label(), _("unit"), f,
                                           &err), &err, error);
  if (!ok) {
    g_free(f);
    ctx_clear(&c);
    return FALSE;
  }
  int T = c.T, H = c.states.n_units;
  GString *csv = g_string_new("unit,time_ms,dprime\n");
  for (int u = 0; u < H; u++)
    for (int t = 0; t < T; t++)
      g_string_append_printf(csv, "%d,%.1f,%.6g\n", u, c.t_ms[t], f->values[(size_t)u * T + t]);
  char *summary = g_strdup_printf(_("Largest |d'| %.3f: unit %d at %.0f ms; %d of %d units "
                                    "reach |d'| >= 0.5 (%d trials)"),
                                  fabs(f->best_dprime), f->best_unit, c.t_ms[f->best_step],
                                  f->n_selective, H, c.n);
  set_result(out, gb_hidden_draw_raster, f, raster_free, summary, csv);
  ctx_clear(&c);
  return TRUE;
}

/* ---- pca ---- */

static gboolean
run_pca(GbJob *job, const GbAnalysisInput *in, GbAnalysisResult *out, GError **error)
{
  Ctx c;
  if (!ctx_init(&c, in, error))
    return FALSE;
  GbHiddenPcaFigure *f = g_new0(GbHiddenPcaFigure, 1);
  const char *names[2] = {_("non-target mean"), _("target mean")};
  GbError err;
  gboolean ok = ctx_collect(&c, job, error) && !gb_analysis_cancelled(job, error)
                && check(gb_hidden_figure_pca(&c.states, c.t_ms, _("Hidden states on their "
                                              "first two principal axes (rings every 100 ms)"),
                                              names, f, &err), &err, error);
  if (!ok) {
    g_free(f);
    ctx_clear(&c);
    return FALSE;
  }
  g_autofree char *xl = g_strdup_printf(_("PC1 (%.1f%% of the variance)"),
                                        100.0 * f->explained[0]);
  g_autofree char *yl = g_strdup_printf(_("PC2 (%.1f%%)"), 100.0 * f->explained[1]);
  gb_hidden_pca_figure_set_labels(f, xl, yl);
  GString *csv = g_string_new(
      "time_ms,nontarget_pc1,nontarget_pc2,target_pc1,target_pc2,class_mean_distance\n");
  for (int t = 0; t < c.T; t++)
    g_string_append_printf(csv, "%.1f,%.6g,%.6g,%.6g,%.6g,%.6g\n", c.t_ms[t], f->traj[0].x[t],
                           f->traj[0].y[t], f->traj[1].x[t], f->traj[1].y[t], f->distance[t]);
  char *summary = g_strdup_printf(_("PC1 explains %.1f%% of the variance, PC2 %.1f%%; %d "
                                    "components explain 90%%. The class means are farthest "
                                    "apart (%.3f) at %.0f ms."),
                                  100.0 * f->explained[0], 100.0 * f->explained[1], f->n_for_90,
                                  f->distance[f->peak_step], c.t_ms[f->peak_step]);
  set_result(out, gb_hidden_draw_pca, f, pca_free, summary, csv);
  ctx_clear(&c);
  return TRUE;
}

/* ---- probe ---- */

static gboolean
run_probe(GbJob *job, const GbAnalysisInput *in, GbAnalysisResult *out, GError **error)
{
  Ctx c;
  if (!ctx_init(&c, in, error))
    return FALSE;
  GbProbeConfig cfg;
  gb_probe_config_init(&cfg);
  cfg.folds = GB_HIDDEN_ANALYSIS_FOLDS;
  cfg.seed = GB_HIDDEN_ANALYSIS_SEED;
  g_autofree double *auc = g_new(double, c.T);
  GbError err;
  gboolean ok = ctx_collect(&c, job, error) && !gb_analysis_cancelled(job, error)
                && check(gb_hidden_probe(&c.states, &cfg, auc, gb_job_progress, job, &err),
                         &err, error);
  if (!ok) {
    ctx_clear(&c);
    return FALSE;
  }
  double mauc = gb_hidden_model_auc(c.m, c.x, c.n, c.labels);
  int peak = 0, first = -1;
  GString *csv = g_string_new("time_ms,auc\n");
  for (int t = 0; t < c.T; t++) {
    peak = auc[t] > auc[peak] ? t : peak;
    first = first < 0 && auc[t] >= 0.75 ? t : first;
    g_string_append_printf(csv, "%.1f,%.6f\n", c.t_ms[t], auc[t]);
  }
  const char *names[3] = {_("probe AUC on h(t)"), _("the model's AUC"), _("chance")};
  g_autofree char *title = g_strdup_printf(_("Decoding target vs non-target from the hidden "
                                             "state over time (%d-fold logistic probe)"),
                                           cfg.folds);
  GbHiddenCurvesFigure *f = g_new0(GbHiddenCurvesFigure, 1);
  if (!check(gb_hidden_figure_probe(c.t_ms, c.T, auc, mauc, title, time_label(), _("ROC AUC"),
                                    names, f, &err), &err, error)) {
    g_free(f);
    g_string_free(csv, TRUE);
    ctx_clear(&c);
    return FALSE;
  }
  g_autofree char *when = first >= 0 ? g_strdup_printf(_("at %.0f ms"), c.t_ms[first])
                                     : g_strdup(_("never"));
  char *summary = g_strdup_printf(_("Probe AUC peaks at %.3f at %.0f ms and is %.3f at the last "
                                    "step; it first reaches 0.75 %s. The model's own AUC: "
                                    "%.3f."), auc[peak], c.t_ms[peak], auc[c.T - 1], when, mauc);
  set_result(out, gb_hidden_draw_curves, f, curves_free, summary, csv);
  ctx_clear(&c);
  return TRUE;
}

/* ---- kmeans ---- */

/* Purity of @assign against the labels and the subjects, and what one cluster would reach. */
static char *
purities(const Ctx *c, const int *assign, size_t n, const int *labels, const int *subjects,
         const char *what)
{
  int ns = c->states.n_subjects;
  double pc = gb_cluster_purity(assign, labels, n, GB_HIDDEN_ANALYSIS_K, 2);
  double ps = gb_cluster_purity(assign, subjects, n, GB_HIDDEN_ANALYSIS_K, ns);
  size_t cnt1 = 0, big = 0;
  g_autofree size_t *cs = g_new0(size_t, ns);
  for (size_t i = 0; i < n; i++) {
    cnt1 += labels[i] == 1;
    cs[subjects[i]]++;
  }
  for (int s = 0; s < ns; s++)
    big = MAX(big, cs[s]);
  return g_strdup_printf(_("%s: purity against the class %.3f (one cluster: %.3f), against the "
                           "subject %.3f (one cluster: %.3f)."), what, pc,
                         fmax((double)cnt1, (double)(n - cnt1)) / n, ps, (double)big / n);
}

static gboolean
kmeans_fits(Ctx *c, GbJob *job, GbKmeans *all, GbKmeans *last, GError **error)
{
  GbKmeansConfig cfg;
  gb_kmeans_config_init(&cfg, GB_HIDDEN_ANALYSIS_K);
  cfg.seed = GB_HIDDEN_ANALYSIS_SEED;
  int H = c->states.n_units;
  GbError err;
  if (!check(gb_kmeans_fit(c->states.states, (size_t)c->n * c->T, H, &cfg, all, &err), &err,
             error))
    return FALSE;
  /* Final states h(T) alone (methods.md §3.5). */
  g_autofree float *hT = g_new(float, (size_t)c->n * H);
  for (int i = 0; i < c->n; i++)
    memcpy(hT + (size_t)i * H, c->states.states + ((size_t)i * c->T + c->T - 1) * H,
           (size_t)H * sizeof(float));
  if (gb_analysis_cancelled(job, error)
      || !check(gb_kmeans_fit(hT, c->n, H, &cfg, last, &err), &err, error)) {
    gb_kmeans_clear(all);
    return FALSE;
  }
  return TRUE;
}

static char *
kmeans_summary(const Ctx *c, const GbKmeans *all, const GbKmeans *last,
               const GbHiddenTransitionFigure *f)
{
  size_t rows = (size_t)c->n * c->T;
  g_autofree int *lab = g_new(int, rows), *sub = g_new(int, rows);
  for (size_t i = 0; i < rows; i++) {
    lab[i] = c->labels[i / c->T];
    sub[i] = c->states.subjects[i / c->T];
  }
  g_autofree char *p_all = purities(c, all->assign, rows, lab, sub, _("All states"));
  g_autofree char *p_last = purities(c, last->assign, c->n, c->labels, c->states.subjects,
                                     _("Final states h(T)"));
  GbLayer *l = gb_model_get_layer(c->m, c->layer);
  g_autofree char *kind = l->kind == GB_LAYER_RNN ? g_strdup(_("rnn layer, an Elman network"))
                                                  : g_strdup_printf(_("%s layer"),
                                                                    gb_layer_kind_name(l->kind));
  return g_strdup_printf(_("k-means with k = %d (inertia %.4g). %s %s Transitions t -> t+1 "
                           "(%s): determinism %.3f over %d clusters, weighted %.3f, "
                           "conditional entropy %.3f bits (%.3f at most)."),
                         GB_HIDDEN_ANALYSIS_K, all->inertia, p_all, p_last, kind,
                         f->stats.determinism, f->stats.visited, f->stats.weighted_determinism,
                         f->stats.conditional_entropy, log2(GB_HIDDEN_ANALYSIS_K));
}

static gboolean
run_kmeans(GbJob *job, const GbAnalysisInput *in, GbAnalysisResult *out, GError **error)
{
  Ctx c;
  if (!ctx_init(&c, in, error))
    return FALSE;
  GbKmeans all, last;
  if (!ctx_collect(&c, job, error) || gb_analysis_cancelled(job, error)
      || !kmeans_fits(&c, job, &all, &last, error)) {
    ctx_clear(&c);
    return FALSE;
  }
  GbHiddenTransitionFigure *f = g_new0(GbHiddenTransitionFigure, 1);
  g_autofree char *title = g_strdup_printf(_("Cluster transitions P(b at t+1 | a at t), %s: "
                                             "determinism"),
                                           gb_model_get_layer(c.m, c.layer)->name);
  GbError err;
  gboolean ok = check(gb_hidden_figure_transitions(&all, c.n, c.T, title, _("cluster at t+1"),
                                                   _("cluster at t (states)"), f, &err),
                      &err, error);
  if (ok) {
    int k = f->k;
    GString *csv = g_string_new("from,to,count,probability\n");
    for (int a = 0; a < k; a++)
      for (int b = 0; b < k; b++)
        g_string_append_printf(csv, "%c,%c,%d,%.6f\n", 'A' + a, 'A' + b,
                               f->counts[(size_t)a * k + b], f->prob[(size_t)a * k + b]);
    set_result(out, gb_hidden_draw_raster, f, transition_free,
               kmeans_summary(&c, &all, &last, f), csv);
  } else {
    g_free(f);
  }
  gb_kmeans_clear(&all);
  gb_kmeans_clear(&last);
  ctx_clear(&c);
  return ok;
}

/* ---- relevance through time ---- */

static const GbHiddenRelevance methods[2] = {GB_HIDDEN_RELEVANCE_LRP,
                                             GB_HIDDEN_RELEVANCE_GRAD_X_INPUT};

/* Relevance maps of every trial: (n, T, C), g_free; NULL with @error. */
static float *
relevance_maps(Ctx *c, GbJob *job, GbHiddenRelevance method, GError **error)
{
  float *maps = g_new(float, (size_t)c->n * c->T * c->C);
  GbError err;
  if (!check(gb_hidden_relevance_maps(c->m, c->x, c->n, method, maps, gb_job_progress, job,
                                      &err), &err, error))
    g_clear_pointer(&maps, g_free);
  return maps;
}

/* The three channels with the most relevance summed over target trials, mean per trial. */
static void
append_top_channels(GString *s, const Ctx *c, const float *maps)
{
  g_autofree double *per_ch = g_new0(double, c->C), *one = g_new(double, c->C);
  int nt = 0;
  for (int i = 0; i < c->n; i++) {
    if (c->labels[i] != 1)
      continue;
    gb_relevance_sums(maps + (size_t)i * c->T * c->C, c->T, c->C, NULL, one);
    for (int ch = 0; ch < c->C; ch++)
      per_ch[ch] += one[ch];
    nt++;
  }
  for (int r = 0; r < 3 && r < c->C; r++) {
    int best = -1;
    for (int ch = 0; ch < c->C; ch++)
      if (isfinite(per_ch[ch]) && (best < 0 || per_ch[ch] > per_ch[best]))
        best = ch;
    if (best < 0)
      break;
    g_string_append_printf(s, " %s %.3g", c->eeg->channels[best].label, per_ch[best] / MAX(nt, 1));
    per_ch[best] = NAN;
  }
}

/* One method's class curves: CSV rows and a summary sentence; the figure for LRP. */
static gboolean
relevance_method(Ctx *c, GbJob *job, int k, GString *csv, GString *summary,
                 GbHiddenCurvesFigure *f, GError **error)
{
  g_autofree float *maps = relevance_maps(c, job, methods[k], error);
  if (maps == NULL)
    return FALSE;
  int T = c->T;
  g_autofree double *mean = g_new(double, 2 * (size_t)T), *sd = g_new(double, 2 * (size_t)T);
  gb_relevance_time_by_class(maps, c->n, T, c->C, c->labels, mean, sd);
  const char *name = gb_hidden_relevance_name(methods[k]);
  int peak = 0;
  for (int t = 0; t < T; t++) {
    peak = mean[T + t] > mean[T + peak] ? t : peak;
    g_string_append_printf(csv, "%s,%.1f,%.6g,%.6g,%.6g,%.6g\n", name, c->t_ms[t], mean[t],
                           sd[t], mean[T + t], sd[T + t]);
  }
  g_string_append_printf(summary, _("%s summed over channels: the target mean peaks at %.0f ms "
                                    "(%.3g, sd %.3g; non-target %.3g). Channels with the most "
                                    "relevance on targets:"), name, c->t_ms[peak], mean[T + peak],
                         sd[T + peak], mean[peak]);
  append_top_channels(summary, c, maps);
  g_string_append(summary, k == 0 ? "\n" : "");
  if (f == NULL)
    return TRUE;
  const char *names[2] = {_("non-target"), _("target")};
  g_autofree char *title = g_strdup_printf(_("Relevance through time (%s of the logit), mean "
                                             "+- sd per class"), name);
  GbError err;
  return check(gb_hidden_figure_class_curves(c->t_ms, T, mean, sd, title, time_label(),
                                             _("relevance summed over channels"), names, f,
                                             &err), &err, error);
}

static gboolean
run_relevance_time(GbJob *job, const GbAnalysisInput *in, GbAnalysisResult *out,
                   GError **error)
{
  Ctx c;
  if (!ctx_init(&c, in, error))
    return FALSE;
  GString *csv = g_string_new("method,time_ms,nontarget_mean,nontarget_sd,target_mean,"
                              "target_sd\n");
  GString *summary = g_string_new(NULL);
  GbHiddenCurvesFigure *f = g_new0(GbHiddenCurvesFigure, 1);
  gboolean ok = relevance_method(&c, job, 0, csv, summary, f, error) && !gb_analysis_cancelled(job, error)
                && relevance_method(&c, job, 1, csv, summary, NULL, error);
  if (ok)
    set_result(out, gb_hidden_draw_curves, f, curves_free, g_string_free(summary, FALSE), csv);
  else {
    curves_free(f);
    g_string_free(csv, TRUE);
    g_string_free(summary, TRUE);
  }
  ctx_clear(&c);
  return ok;
}

/* ---- scalp ---- */

/* The windows of glassbox-cli hidden scalp, those that hold a step of these trials. */
static int
scalp_windows(const Ctx *c, double *lo, double *hi)
{
  static const double w[4][2] = {{0, 200}, {200, 350}, {350, 500}, {500, 700}};
  int n = 0;
  for (int i = 0; i < 4; i++) {
    gboolean any = FALSE;
    for (int t = 0; t < c->T; t++)
      any = any || (c->t_ms[t] >= w[i][0] && c->t_ms[t] < w[i][1]);
    if (any) {
      lo[n] = w[i][0];
      hi[n++] = w[i][1];
    }
  }
  return n;
}

static char *
scalp_summary(const GbHiddenScalpFigure *f, const char *method)
{
  GString *s = g_string_new(NULL);
  g_string_append_printf(s, _("%s relevance of target trials summed over each window, mean per "
                              "subject. Mean correlation between subjects' maps: %.3f."),
                         method, f->mean_corr);
  return g_string_free(s, FALSE);
}

static gboolean
run_scalp(GbJob *job, const GbAnalysisInput *in, GbAnalysisResult *out, GError **error)
{
  Ctx c;
  if (!ctx_init(&c, in, error))
    return FALSE;
  double lo[GB_HIDDEN_MAX_WINDOWS], hi[GB_HIDDEN_MAX_WINDOWS];
  int W = scalp_windows(&c, lo, hi);
  g_autofree float *maps = relevance_maps(&c, job, GB_HIDDEN_RELEVANCE_LRP, error);
  if (maps == NULL) {
    ctx_clear(&c);
    return FALSE;
  }
  int C = c.C;
  g_autofree float *xs = g_new(float, C), *ys = g_new(float, C);
  g_autofree const char **names = g_new(const char *, C);
  for (int ch = 0; ch < C; ch++) {
    xs[ch] = c.eeg->channels[ch].x;
    ys[ch] = c.eeg->channels[ch].y;
    names[ch] = c.eeg->channels[ch].label;
  }
  GbHiddenScalpFigure *f = g_new0(GbHiddenScalpFigure, 1);
  GbError err;
  if (!check(gb_hidden_figure_scalp(maps, c.n, c.T, C, c.t_ms, c.labels, c.eeg->subject,
                                    c.eeg->n_subjects, xs, ys, names, lo, hi, W,
                                    _("r between subjects' maps"), _("relevance"), f, &err),
             &err, error)) {
    g_free(f);
    ctx_clear(&c);
    return FALSE;
  }
  GString *csv = g_string_new("subject,window_ms,channel,relevance\n");
  for (int s = 0; s < f->n_subjects; s++)
    for (int w = 0; w < W; w++)
      for (int ch = 0; ch < C; ch++)
        g_string_append_printf(csv, "%d,%.0f-%.0f,%s,%.6g\n", s + 1, lo[w], hi[w], names[ch],
                               f->values[((size_t)s * W + w) * C + ch]);
  set_result(out, gb_hidden_draw_scalp, f, scalp_free,
             scalp_summary(f, gb_hidden_relevance_name(GB_HIDDEN_RELEVANCE_LRP)), csv);
  ctx_clear(&c);
  return TRUE;
}

/* ---- evidence ---- */

/* Largest |sum_t e(t) - logit| over the trials: the evidence must add up to the output. */
static double
evidence_gap(Ctx *c, const float *ev, int T)
{
  if (gb_model_n_outputs(c->m) != 1)
    return NAN;
  g_autofree float *logits = g_new(float, c->n);
  GbError err;
  if (gb_model_predict(c->m, c->x, c->n, logits, NULL, NULL, &err) != GB_OK)
    return NAN;
  double worst = 0.0;
  for (int i = 0; i < c->n; i++) {
    double s = 0.0;
    for (int t = 0; t < T; t++)
      s += ev[(size_t)i * T + t];
    worst = fmax(worst, fabs(s - logits[i]));
  }
  return worst;
}

static gboolean
run_evidence(GbJob *job, const GbAnalysisInput *in, GbAnalysisResult *out, GError **error)
{
  Ctx c;
  if (!ctx_init(&c, in, error))
    return FALSE;
  int prm = gb_hidden_find_prm(c.m);
  if (prm < 0) {
    g_set_error(error, GB_ERROR, GB_ERR_INVALID, _("%s has no prm layer: per-step evidence "
                "belongs to the PRM-like model (p300-prm)"), gb_model_handle_get_title(in->model));
    ctx_clear(&c);
    return FALSE;
  }
  int T = gb_model_get_layer(c.m, prm)->in_shape.dim[0];
  g_autofree float *ev = g_new(float, (size_t)c.n * T);
  GbError err;
  if (gb_analysis_cancelled(job, error)
      || !check(gb_hidden_prm_evidence(c.m, c.x, c.n, ev, &err), &err, error)) {
    ctx_clear(&c);
    return FALSE;
  }
  /* The evidence as a (n, T, 1) map: the class statistics of relevance through time. */
  g_autofree double *mean = g_new(double, 2 * (size_t)T), *sd = g_new(double, 2 * (size_t)T);
  gb_relevance_time_by_class(ev, c.n, T, 1, c.labels, mean, sd);
  int peak = 0;
  GString *csv = g_string_new("time_ms,nontarget_mean,nontarget_sd,target_mean,target_sd\n");
  for (int t = 0; t < T; t++) {
    peak = mean[T + t] - mean[t] > mean[T + peak] - mean[peak] ? t : peak;
    g_string_append_printf(csv, "%.1f,%.6g,%.6g,%.6g,%.6g\n", c.t_ms[MIN(t, c.T - 1)], mean[t],
                           sd[t], mean[T + t], sd[T + t]);
  }
  const char *names[2] = {_("non-target"), _("target")};
  GbHiddenCurvesFigure *f = g_new0(GbHiddenCurvesFigure, 1);
  if (!check(gb_hidden_figure_class_curves(c.t_ms, MIN(T, c.T), mean, sd,
                                           _("Per-step evidence of the PRM-like model, mean +- "
                                             "sd per class (the steps add up to the logit)"),
                                           time_label(), _("evidence e(t)"), names, f, &err),
             &err, error)) {
    g_free(f);
    g_string_free(csv, TRUE);
    ctx_clear(&c);
    return FALSE;
  }
  char *summary = g_strdup_printf(_("Per-step evidence e(t) + b/T: the largest target - "
                                    "non-target difference is at %.0f ms (%.3g vs %.3g); the "
                                    "steps' sum differs from the logit by %.2g at most."),
                                  c.t_ms[MIN(peak, c.T - 1)], mean[T + peak], mean[peak],
                                  evidence_gap(&c, ev, T));
  set_result(out, gb_hidden_draw_curves, f, curves_free, summary, csv);
  ctx_clear(&c);
  return TRUE;
}

/* ---- the table ---- */

#define EEG (1u << GB_MODEL_KIND_EEG)

static const GbAnalysis analyses[] = {
    {"raster", N_("Unit selectivity"),
     N_("How strongly each hidden unit separates target from non-target trials at each moment: "
        "d' is the difference of the two classes' mean activity divided by their pooled "
        "standard deviation. Red units fire more after a target, blue ones after a non-target."),
     EEG, FALSE, run_raster},
    {"pca", N_("Principal components"),
     N_("Every hidden state of every trial projected on the two directions along which the "
        "states vary most. The lines follow the mean state of each class through the trial: "
        "where they part, the network has started to tell targets from non-targets."),
     EEG, FALSE, run_pca},
    {"probe", N_("Decodability over time"),
     N_("A logistic regression trained, with cross-validation, to read the class from the hidden "
        "state at each moment. Its ROC AUC shows when the information is in the state: 0.5 is "
        "chance, the dashed green line what the whole model reaches."),
     EEG, FALSE, run_probe},
    {"kmeans", N_("State clusters"),
     N_("k-means groups the hidden states into clusters. Purity tells whether a cluster holds "
        "one class or one subject, compared with what a single cluster would score. The table "
        "shows how the state moves from cluster to cluster between steps: a deterministic table "
        "means the network behaves like a finite automaton."),
     EEG, FALSE, run_kmeans},
    {"relevance-time", N_("Relevance through time"),
     N_("LRP and gradient x input say how much each time step and channel of a trial pushed the "
        "model towards 'target'. Summed over channels, the curves show which moments matter, "
        "for targets and for non-targets."),
     EEG, FALSE, run_relevance_time},
    {"scalp", N_("Relevance on the scalp"),
     N_("The LRP relevance of target trials summed over time windows, drawn on the head for "
        "each subject, and the correlation between subjects' maps: do all subjects get the "
        "same explanation?"),
     EEG, FALSE, run_scalp},
    {"evidence", N_("Per-step evidence"),
     N_("The PRM-like model adds up a piece of evidence at every step; their sum is its output. "
        "The curves show each step's evidence for target and non-target trials: an explanation "
        "built into the model rather than computed after the fact."),
     EEG, FALSE, run_evidence},
};

const GbAnalysis *
gb_hidden_analyses(guint *n)
{
  *n = G_N_ELEMENTS(analyses);
  return analyses;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* glassbox-cli hidden: the views of the states themselves (raster, pca, probe, kmeans). */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gb-cli-hidden-private.h"
#include "gb-cli.h"
#include "gb-curves.h"
#include "gb-hidden-figures.h"
#include "gb-layer.h"
#include "gb-metrics.h"

/* ---- raster ---- */

int
hidden_view_raster(HiddenContext *c)
{
  GbError err;
  if (hidden_collect(c, &err) != GB_OK)
    return gb_cli_report(&err);
  int T = c->T, H = c->states.n_units;
  g_autofree char *title = g_strdup_printf("Unit selectivity d' (target - non-target), %s",
                                           gb_model_get_layer(c->m, c->layer)->name);
  GbHiddenRasterFigure f;
  if (gb_hidden_figure_raster(&c->states, c->t_ms, title, "time from the flash (ms)", "unit", &f,
                              &err) != GB_OK)
    return gb_cli_report(&err);
  g_autoptr(GString) csv = g_string_new("unit,time_ms,dprime\n");
  for (int u = 0; u < H; u++)
    for (int t = 0; t < T; t++)
      g_string_append_printf(csv, "%d,%.1f,%.6g\n", u, c->t_ms[t], f.values[(size_t)u * T + t]);
  printf("largest |d'| %.3f: unit %d at %.0f ms; %d of %d units reach |d'| >= 0.5\n",
         fabs(f.best_dprime), f.best_unit, c->t_ms[f.best_step], f.n_selective, H);
  int code = c->o->csv ? hidden_write_text(c->o->csv, csv) : GB_EXIT_OK;
  if (code == GB_EXIT_OK)
    code = hidden_export(c, 900, 560, gb_hidden_draw_raster, &f);
  gb_hidden_raster_figure_clear(&f);
  return code;
}

/* ---- pca ---- */

int
hidden_view_pca(HiddenContext *c)
{
  GbError err;
  if (hidden_collect(c, &err) != GB_OK)
    return gb_cli_report(&err);
  static const char *const names[2] = {"non-target mean", "target mean"};
  GbHiddenPcaFigure f;
  if (gb_hidden_figure_pca(&c->states, c->t_ms, "Hidden states on their first two principal "
                           "axes (rings every 100 ms)", names, &f, &err) != GB_OK)
    return gb_cli_report(&err);
  g_autofree char *xl = g_strdup_printf("PC1 (%.1f%% of the variance)", 100.0 * f.explained[0]);
  g_autofree char *yl = g_strdup_printf("PC2 (%.1f%%)", 100.0 * f.explained[1]);
  gb_hidden_pca_figure_set_labels(&f, xl, yl);
  printf("explained variance:");
  for (int k = 0; k < 5 && k < f.dim; k++)
    printf(" PC%d %.1f%%", k + 1, 100.0 * f.variance[k]);
  printf("; PC1+PC2 %.1f%%; %d components for 90%%\n",
         100.0 * (f.explained[0] + f.explained[1]), f.n_for_90);
  g_autoptr(GString) csv = g_string_new(
      "time_ms,nontarget_pc1,nontarget_pc2,target_pc1,target_pc2,class_mean_distance\n");
  for (int t = 0; t < c->T; t++)
    g_string_append_printf(csv, "%.1f,%.6g,%.6g,%.6g,%.6g,%.6g\n", c->t_ms[t], f.traj[0].x[t],
                           f.traj[0].y[t], f.traj[1].x[t], f.traj[1].y[t], f.distance[t]);
  printf("class means are farthest apart (%.3f) at %.0f ms\n", f.distance[f.peak_step],
         c->t_ms[f.peak_step]);
  int code = c->o->csv ? hidden_write_text(c->o->csv, csv) : GB_EXIT_OK;
  if (code == GB_EXIT_OK)
    code = hidden_export(c, 900, 640, gb_hidden_draw_pca, &f);
  gb_hidden_pca_figure_clear(&f);
  return code;
}

/* ---- probe ---- */

int
hidden_view_probe(HiddenContext *c)
{
  GbError err;
  if (hidden_collect(c, &err) != GB_OK)
    return gb_cli_report(&err);
  GbProbeConfig cfg;
  gb_probe_config_init(&cfg);
  cfg.folds = c->o->folds;
  cfg.seed = (uint64_t)c->o->seed;
  g_autofree double *auc = g_new(double, c->T);
  GbCliProgress prog;
  gb_cli_progress_init(&prog);
  GbStatus st = gb_hidden_probe(&c->states, &cfg, auc, gb_cli_progress_cb, &prog, &err);
  gb_cli_progress_finish(&prog);
  if (st != GB_OK)
    return gb_cli_report(&err);
  int peak = 0;
  g_autoptr(GString) csv = g_string_new("time_ms,auc\n");
  for (int t = 0; t < c->T; t++) {
    peak = auc[t] > auc[peak] ? t : peak;
    g_string_append_printf(csv, "%.1f,%.6f\n", c->t_ms[t], auc[t]);
  }
  int first = -1;
  for (int t = 0; t < c->T && first < 0; t++)
    first = auc[t] >= 0.75 ? t : -1;
  double mauc = gb_hidden_model_auc(c->m, c->x, c->n, c->labels);
  char when[32] = "never";
  if (first >= 0)
    snprintf(when, sizeof when, "%.0f ms", c->t_ms[first]);
  printf("probe AUC (%d-fold, L2 %.0e): peak %.3f at %.0f ms, %.3f at the last step (%.0f ms); "
         "first >= 0.75 at %s; the model's own AUC %.3f\n", cfg.folds, cfg.l2, auc[peak],
         c->t_ms[peak], auc[c->T - 1], c->t_ms[c->T - 1], when, mauc);
  int code = c->o->csv ? hidden_write_text(c->o->csv, csv) : GB_EXIT_OK;
  if (code)
    return code;
  g_autofree char *title = g_strdup_printf("Time-resolved decoding of target vs non-target "
                                           "from the hidden state (%d-fold logistic probe)",
                                           cfg.folds);
  static const char *const names[3] = {"probe AUC on h(t)", "the model's AUC", "chance"};
  GbHiddenCurvesFigure f;
  if (gb_hidden_figure_probe(c->t_ms, c->T, auc, mauc, title, "time from the flash (ms)",
                             "ROC AUC", names, &f, &err) != GB_OK)
    return gb_cli_report(&err);
  code = hidden_export(c, 900, 480, gb_hidden_draw_curves, &f);
  gb_hidden_curves_figure_clear(&f);
  return code;
}

/* ---- kmeans ---- */

static void
print_purities(const HiddenContext *c, const int *assign, size_t n, const int *labels,
               const int *subjects, const char *what)
{
  int k = c->o->k, ns = c->states.n_subjects;
  double pc = gb_cluster_purity(assign, labels, n, k, 2);
  double ps = gb_cluster_purity(assign, subjects, n, k, ns);
  /* One cluster for everything would already reach the largest group's share. */
  size_t cnt1 = 0;
  g_autofree size_t *cs = g_new0(size_t, ns);
  for (size_t i = 0; i < n; i++) {
    cnt1 += labels[i] == 1;
    cs[subjects[i]]++;
  }
  size_t big = 0;
  for (int s = 0; s < ns; s++)
    big = cs[s] > big ? cs[s] : big;
  printf("%s: purity against class %.3f (one cluster: %.3f), against subject %.3f (one "
         "cluster: %.3f)\n", what, pc, fmax((double)cnt1, (double)(n - cnt1)) / n, ps,
         (double)big / n);
}

static int
kmeans_output(HiddenContext *c, const GbKmeans *km)
{
  GbLayer *l = gb_model_get_layer(c->m, c->layer);
  g_autofree char *title = g_strdup_printf("Cluster transitions P(b at t+1 | a at t), %s: "
                                           "determinism", l->name);
  GbHiddenTransitionFigure f;
  GbError err;
  if (gb_hidden_figure_transitions(km, c->n, c->T, title, "cluster at t+1",
                                   "cluster at t (states)", &f, &err) != GB_OK)
    return gb_cli_report(&err);
  int k = f.k;
  const GbTransitionStats *ts = &f.stats;
  printf("transitions t -> t+1 (%s layer%s): determinism %.3f (mean over %d clusters of max_b "
         "P(b|a)), weighted %.3f, conditional entropy %.3f bits (of %.3f at most)\n",
         gb_layer_kind_name(l->kind), l->kind == GB_LAYER_RNN ? ", Elman" : "", ts->determinism,
         ts->visited, ts->weighted_determinism, ts->conditional_entropy, log2(k));
  g_autoptr(GString) csv = g_string_new("from,to,count,probability\n");
  for (int a = 0; a < k; a++)
    for (int b = 0; b < k; b++)
      g_string_append_printf(csv, "%c,%c,%d,%.6f\n", 'A' + a, 'A' + b, f.counts[(size_t)a * k + b],
                             f.prob[(size_t)a * k + b]);
  int code = c->o->csv ? hidden_write_text(c->o->csv, csv) : GB_EXIT_OK;
  if (code == GB_EXIT_OK)
    code = hidden_export(c, 720, 620, gb_hidden_draw_raster, &f);
  gb_hidden_transition_figure_clear(&f);
  return code;
}

int
hidden_view_kmeans(HiddenContext *c)
{
  GbError err;
  if (hidden_collect(c, &err) != GB_OK)
    return gb_cli_report(&err);
  int H = c->states.n_units;
  size_t rows = (size_t)c->n * c->T;
  GbKmeansConfig cfg;
  gb_kmeans_config_init(&cfg, c->o->k);
  cfg.seed = (uint64_t)c->o->seed;
  GbKmeans all, last;
  if (gb_kmeans_fit(c->states.states, rows, H, &cfg, &all, &err) != GB_OK)
    return gb_cli_report(&err);
  /* Per pooled state: its trial's label and subject. */
  g_autofree int *lab = g_new(int, rows), *sub = g_new(int, rows);
  for (size_t i = 0; i < rows; i++) {
    lab[i] = c->labels[i / c->T];
    sub[i] = c->states.subjects[i / c->T];
  }
  printf("k-means, k = %d, %d k-means++ restarts: inertia %.4g\n", cfg.k, cfg.restarts,
         all.inertia);
  print_purities(c, all.assign, rows, lab, sub, "all states");
  /* Final states h(T) alone (methods.md §3.5). */
  g_autofree float *hT = g_new(float, (size_t)c->n * H);
  for (int i = 0; i < c->n; i++)
    memcpy(hT + (size_t)i * H, c->states.states + ((size_t)i * c->T + c->T - 1) * H,
           (size_t)H * sizeof(float));
  int code = GB_EXIT_OK;
  if (gb_kmeans_fit(hT, c->n, H, &cfg, &last, &err) != GB_OK)
    code = gb_cli_report(&err);
  else
    print_purities(c, last.assign, c->n, c->labels, c->states.subjects, "final states h(T)");
  gb_kmeans_clear(&last);
  if (code == GB_EXIT_OK)
    code = kmeans_output(c, &all);
  gb_kmeans_clear(&all);
  return code;
}

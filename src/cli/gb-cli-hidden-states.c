/* SPDX-License-Identifier: GPL-3.0-or-later */
/* glassbox-cli hidden: the views of the states themselves (raster, pca, probe, kmeans). */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gb-cli-hidden-private.h"
#include "gb-cli.h"
#include "gb-curves.h"
#include "gb-layer.h"
#include "gb-metrics.h"
#include "gb-raster.h"
#include "gb-scatter.h"

/* Class colours: non-target blue, target vermillion (Okabe-Ito, as gb-curves). */
static const unsigned class_rgb[2] = {GB_CURVES_BLUE_RGB, GB_CURVES_VERMILLION_RGB};

/* Most points a scatter shows: more only darken it. */
#define SCATTER_POINTS 4000

static GbStatus
draw_raster(void *user, cairo_t *cr, GbPlotRect area, GbError *err)
{
  return gb_raster_draw(cr, user, area, err);
}

static GbStatus
draw_scatter(void *user, cairo_t *cr, GbPlotRect area, GbError *err)
{
  return gb_scatter_draw(cr, user, area, err);
}

/* ---- raster ---- */

int
hidden_view_raster(HiddenContext *c)
{
  GbError err;
  if (hidden_collect(c, &err) != GB_OK)
    return gb_cli_report(&err);
  int T = c->T, H = c->states.n_units;
  g_autofree float *d = g_new(float, (size_t)T * H), *rows = g_new(float, (size_t)H * T);
  gb_hidden_selectivity(&c->states, d);
  int bu = 0, bt = 0, selective = 0;
  g_autoptr(GString) csv = g_string_new("unit,time_ms,dprime\n");
  for (int u = 0; u < H; u++) {
    double unit_max = 0.0;
    for (int t = 0; t < T; t++) {
      float v = rows[(size_t)u * T + t] = d[(size_t)t * H + u];
      g_string_append_printf(csv, "%d,%.1f,%.6g\n", u, c->t_ms[t], v);
      unit_max = fmax(unit_max, isfinite(v) ? fabs(v) : 0.0);
      if (isfinite(v) && fabs(v) > fabs(d[(size_t)bt * H + bu])) {
        bu = u;
        bt = t;
      }
    }
    selective += unit_max >= 0.5;
  }
  printf("largest |d'| %.3f: unit %d at %.0f ms; %d of %d units reach |d'| >= 0.5\n",
         fabs(d[(size_t)bt * H + bu]), bu, c->t_ms[bt], selective, H);
  int code = c->o->csv ? hidden_write_text(c->o->csv, csv) : GB_EXIT_OK;
  g_autofree char *title = g_strdup_printf("Unit selectivity d' (target - non-target), %s",
                                           gb_model_get_layer(c->m, c->layer)->name);
  GbRaster r = {.values = rows, .rows = H, .cols = T, .colormap = GB_COLORMAP_DIVERGING,
                .x_lo = c->t_ms[0], .x_hi = c->t_ms[T - 1], .x_mark = 0.0, .title = title,
                .x_label = "time from the flash (ms)", .y_label = "unit", .show_colorbar = true,
                .colorbar_label = "d'"};
  return code ? code : hidden_export(c, 900, 560, draw_raster, &r);
}

/* ---- pca ---- */

/* Class-mean trajectories on the first two axes: @traj (2 classes, T, 2). */
static void
class_means_2d(const HiddenContext *c, const float *scores, double *traj)
{
  for (int k = 0; k < 2; k++)
    for (int t = 0; t < c->T; t++) {
      double sx = 0, sy = 0;
      int cnt = 0;
      for (int i = 0; i < c->n; i++)
        if (c->labels[i] == k) {
          sx += scores[((size_t)i * c->T + t) * 2];
          sy += scores[((size_t)i * c->T + t) * 2 + 1];
          cnt++;
        }
      traj[((size_t)k * c->T + t) * 2] = cnt ? sx / cnt : NAN;
      traj[((size_t)k * c->T + t) * 2 + 1] = cnt ? sy / cnt : NAN;
    }
}

/* Distance between the class means in the full state space at each step: @dist (T). */
static void
class_mean_distance(const HiddenContext *c, double *dist)
{
  int H = c->states.n_units;
  g_autofree double *mu = g_new(double, 2 * (size_t)H);
  for (int t = 0; t < c->T; t++) {
    int cnt[2] = {0, 0};
    memset(mu, 0, 2 * (size_t)H * sizeof(double));
    for (int i = 0; i < c->n; i++) {
      int k = c->labels[i] == 1;
      cnt[k]++;
      for (int u = 0; u < H; u++)
        mu[(size_t)k * H + u] += c->states.states[((size_t)i * c->T + t) * H + u];
    }
    double s = 0.0;
    for (int u = 0; u < H; u++) {
      double dlt = mu[H + u] / fmax(cnt[1], 1) - mu[u] / fmax(cnt[0], 1);
      s += dlt * dlt;
    }
    dist[t] = sqrt(s);
  }
}

typedef struct {
  GbCurve traj[2];
  double *tx[2], *ty[2]; /* T each */
  int mark_steps[16];
  char mark_text[16][16];
  const char *mark_labels[16];
  int n_marks;
} PcaFigure;

/* Marks every 100 ms from 0 on, at the nearest step. */
static void
pca_marks(const HiddenContext *c, PcaFigure *f)
{
  f->n_marks = 0;
  for (double ms = 0.0; ms <= c->t_ms[c->T - 1] + 1e-9 && f->n_marks < 16; ms += 100.0) {
    int k = f->n_marks++;
    f->mark_steps[k] = hidden_step_at(c, ms);
    snprintf(f->mark_text[k], sizeof f->mark_text[k], "%.0f", ms);
    f->mark_labels[k] = f->mark_text[k];
  }
}

static void
print_explained(const GbPca *p)
{
  double cum = 0.0;
  int n90 = 0;
  printf("explained variance:");
  for (int k = 0; k < p->dim; k++) {
    cum += p->eigenvalues[k] / p->total_variance;
    if (k < 5)
      printf(" PC%d %.1f%%", k + 1, 100.0 * p->eigenvalues[k] / p->total_variance);
    if (n90 == 0 && cum >= 0.9)
      n90 = k + 1;
  }
  printf("; PC1+PC2 %.1f%%; %d components for 90%%\n",
         100.0 * (p->eigenvalues[0] + (p->dim > 1 ? p->eigenvalues[1] : 0)) / p->total_variance,
         n90);
}

static int
pca_output(HiddenContext *c, const GbPca *p, const float *scores, const double *traj)
{
  g_autofree double *dist = g_new(double, c->T);
  class_mean_distance(c, dist);
  int peak = 0;
  g_autoptr(GString) csv = g_string_new(
      "time_ms,nontarget_pc1,nontarget_pc2,target_pc1,target_pc2,class_mean_distance\n");
  for (int t = 0; t < c->T; t++) {
    peak = dist[t] > dist[peak] ? t : peak;
    g_string_append_printf(csv, "%.1f,%.6g,%.6g,%.6g,%.6g,%.6g\n", c->t_ms[t], traj[2 * t],
                           traj[2 * t + 1], traj[2 * (c->T + t)], traj[2 * (c->T + t) + 1],
                           dist[t]);
  }
  printf("class means are farthest apart (%.3f) at %.0f ms\n", dist[peak], c->t_ms[peak]);
  int code = c->o->csv ? hidden_write_text(c->o->csv, csv) : GB_EXIT_OK;
  if (code)
    return code;
  /* Every stride-th state, so the scatter shows all trials and steps evenly. */
  size_t total = (size_t)c->n * c->T, stride = total / SCATTER_POINTS + 1;
  int np = (int)((total + stride - 1) / stride);
  g_autofree float *xy = g_new(float, 2 * (size_t)np);
  g_autofree int *group = g_new(int, np);
  for (int j = 0; j < np; j++) {
    size_t i = (size_t)j * stride;
    xy[2 * j] = scores[2 * i];
    xy[2 * j + 1] = scores[2 * i + 1];
    group[j] = c->labels[i / c->T] == 1;
  }
  PcaFigure f = {0};
  pca_marks(c, &f);
  g_autofree double *txy = g_new(double, 4 * (size_t)c->T);
  for (int k = 0; k < 2; k++) {
    f.tx[k] = txy + (size_t)(2 * k) * c->T;
    f.ty[k] = txy + (size_t)(2 * k + 1) * c->T;
    for (int t = 0; t < c->T; t++) {
      f.tx[k][t] = traj[((size_t)k * c->T + t) * 2];
      f.ty[k][t] = traj[((size_t)k * c->T + t) * 2 + 1];
    }
    f.traj[k] = (GbCurve){.name = k ? "target mean" : "non-target mean", .x = f.tx[k],
                          .y = f.ty[k], .n = c->T, .fixed_rgb = true, .rgb = class_rgb[k],
                          .markers = true};
  }
  g_autofree char *xl = g_strdup_printf("PC1 (%.1f%% of the variance)",
                                        100.0 * p->eigenvalues[0] / p->total_variance);
  g_autofree char *yl = g_strdup_printf("PC2 (%.1f%%)",
                                        100.0 * p->eigenvalues[1] / p->total_variance);
  GbScatter s = {.xy = xy, .group = group, .n_points = np, .n_groups = 2,
                 .group_rgb = class_rgb, .point_alpha = 0.15, .trajectories = f.traj,
                 .n_trajectories = 2, .mark_steps = f.mark_steps, .mark_labels = f.mark_labels,
                 .n_marks = f.n_marks, .label_trajectory = 1,
                 .title = "Hidden states on their first two principal axes (rings every 100 ms)",
                 .x_label = xl, .y_label = yl};
  return hidden_export(c, 900, 640, draw_scatter, &s);
}

int
hidden_view_pca(HiddenContext *c)
{
  GbError err;
  if (hidden_collect(c, &err) != GB_OK)
    return gb_cli_report(&err);
  int H = c->states.n_units;
  if (H < 2) {
    gb_error_set(&err, GB_ERR_INVALID, "PCA needs at least 2 units, the layer has %d", H);
    return gb_cli_report(&err);
  }
  GbPca p;
  size_t rows = (size_t)c->n * c->T;
  if (gb_pca_fit(c->states.states, rows, H, &p, &err) != GB_OK)
    return gb_cli_report(&err);
  print_explained(&p);
  g_autofree float *scores = g_new(float, 2 * rows);
  g_autofree double *traj = g_new(double, 4 * (size_t)c->T);
  gb_pca_project(&p, c->states.states, rows, 2, scores);
  class_means_2d(c, scores, traj);
  int code = pca_output(c, &p, scores, traj);
  gb_pca_clear(&p);
  return code;
}

/* ---- probe ---- */

/* The model's own ROC AUC on these trials: the reference for the probe. */
static double
model_auc(HiddenContext *c)
{
  int n_out = gb_model_n_outputs(c->m);
  g_autofree float *logits = g_new(float, (size_t)c->n * n_out);
  g_autofree float *score = g_new(float, c->n);
  GbError err;
  if (gb_model_predict(c->m, c->x, c->n, logits, NULL, NULL, &err) != GB_OK)
    return NAN;
  for (int i = 0; i < c->n; i++)
    score[i] = n_out == 1 ? logits[i] : logits[(size_t)i * n_out + 1] - logits[(size_t)i * n_out];
  return gb_metrics_roc_auc(score, c->labels, c->n);
}

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
  double mauc = model_auc(c);
  char when[32] = "never";
  if (first >= 0)
    snprintf(when, sizeof when, "%.0f ms", c->t_ms[first]);
  printf("probe AUC (%d-fold, L2 %.0e): peak %.3f at %.0f ms, %.3f at the last step (%.0f ms); "
         "first >= 0.75 at %s; the model's own AUC %.3f\n", cfg.folds, cfg.l2, auc[peak],
         c->t_ms[peak], auc[c->T - 1], c->t_ms[c->T - 1], when, mauc);
  int code = c->o->csv ? hidden_write_text(c->o->csv, csv) : GB_EXIT_OK;
  double chance_x[2] = {c->t_ms[0], c->t_ms[c->T - 1]}, chance_y[2] = {0.5, 0.5};
  double model_y[2] = {mauc, mauc};
  GbCurve k[3] = {
      {.name = "probe AUC on h(t)", .x = c->t_ms, .y = auc, .n = c->T, .markers = true},
      {.name = "the model's AUC", .x = chance_x, .y = model_y, .n = 2, .dashed = true,
       .fixed_rgb = true, .rgb = GB_CURVES_GREEN_RGB},
      {.name = "chance", .x = chance_x, .y = chance_y, .n = 2, .dashed = true,
       .fixed_rgb = true, .rgb = 0x888888},
  };
  g_autofree char *title = g_strdup_printf("Time-resolved decoding of target vs non-target "
                                           "from the hidden state (%d-fold logistic probe)",
                                           cfg.folds);
  if (!isfinite(mauc))
    k[1] = k[2];
  GbCurves cv = {.curves = k, .n_curves = isfinite(mauc) ? 3 : 2, .title = title,
                 .x_label = "time from the flash (ms)", .y_label = "ROC AUC", .y_fixed = true,
                 .y_lo = 0.4, .y_hi = 1.0, .grid = true, .legend = GB_CURVES_LEGEND_RIGHT};
  return code ? code : hidden_export(c, 900, 480, hidden_draw_curves, &cv);
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
  int k = c->o->k;
  g_autofree int *counts = g_new(int, (size_t)k * k);
  gb_cluster_transitions(km->assign, c->n, c->T, k, counts);
  GbTransitionStats ts;
  gb_transition_stats(counts, k, &ts);
  GbLayer *l = gb_model_get_layer(c->m, c->layer);
  printf("transitions t -> t+1 (%s layer%s): determinism %.3f (mean over %d clusters of max_b "
         "P(b|a)), weighted %.3f, conditional entropy %.3f bits (of %.3f at most)\n",
         gb_layer_kind_name(l->kind), l->kind == GB_LAYER_RNN ? ", Elman" : "", ts.determinism,
         ts.visited, ts.weighted_determinism, ts.conditional_entropy, log2(k));
  g_autoptr(GString) csv = g_string_new("from,to,count,probability\n");
  g_autofree float *prob = g_new(float, (size_t)k * k);
  g_auto(GStrv) names = g_new0(char *, k + 1);
  for (int a = 0; a < k; a++) {
    long row = 0;
    for (int b = 0; b < k; b++)
      row += counts[(size_t)a * k + b];
    names[a] = g_strdup_printf("%c (%d)", 'A' + a, km->sizes[a]);
    for (int b = 0; b < k; b++) {
      prob[(size_t)a * k + b] = row ? (float)counts[(size_t)a * k + b] / row : NAN;
      g_string_append_printf(csv, "%c,%c,%d,%.6f\n", 'A' + a, 'A' + b, counts[(size_t)a * k + b],
                             prob[(size_t)a * k + b]);
    }
  }
  g_auto(GStrv) cols = g_new0(char *, k + 1);
  for (int b = 0; b < k; b++)
    cols[b] = g_strdup_printf("%c", 'A' + b);
  int code = c->o->csv ? hidden_write_text(c->o->csv, csv) : GB_EXIT_OK;
  g_autofree char *title = g_strdup_printf("Cluster transitions P(b at t+1 | a at t), %s: "
                                           "determinism %.2f", l->name, ts.determinism);
  GbRaster r = {.values = prob, .rows = k, .cols = k, .colormap = GB_COLORMAP_VIRIDIS,
                .scale_max = 1.0, .col_labels = (const char *const *)cols,
                .row_labels = (const char *const *)names, .x_mark = NAN, .annotate = true,
                .title = title, .x_label = "cluster at t+1", .y_label = "cluster at t (states)",
                .show_colorbar = true, .colorbar_label = "P(b | a)"};
  return code ? code : hidden_export(c, 720, 620, draw_raster, &r);
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

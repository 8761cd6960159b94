/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The figures of the hidden-state views, shared by glassbox-cli hidden and the app. */
#include "config.h"

#include "gb-hidden-figures.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb-colorbar.h"

/* Class colours: non-target blue, target vermillion (Okabe-Ito, as gb-curves). */
static const unsigned class_rgb[2] = {GB_CURVES_BLUE_RGB, GB_CURVES_VERMILLION_RGB};

static char *
dup_text(const char *s)
{
  return s ? strdup(s) : NULL;
}

static GbStatus
no_memory(GbError *err, const char *what)
{
  gb_error_set(err, GB_ERR_NOMEM, "out of memory for the %s figure", what);
  return GB_ERR_NOMEM;
}

int
gb_hidden_step_at(const double *t_ms, int n_times, double ms)
{
  int best = 0;
  for (int t = 1; t < n_times; t++)
    best = fabs(t_ms[t] - ms) < fabs(t_ms[best] - ms) ? t : best;
  return best;
}

/* ---- raster ---- */

GbStatus
gb_hidden_figure_raster(const GbHiddenStates *s, const double *t_ms, const char *title,
                        const char *x_label, const char *y_label, GbHiddenRasterFigure *out,
                        GbError *err)
{
  memset(out, 0, sizeof *out);
  int T = s->n_times, H = s->n_units;
  float *d = malloc(sizeof(float) * (size_t)T * H);
  out->values = malloc(sizeof(float) * (size_t)T * H);
  if (d == NULL || out->values == NULL) {
    free(d);
    gb_hidden_raster_figure_clear(out);
    return no_memory(err, "selectivity");
  }
  gb_hidden_selectivity(s, d);
  out->best_dprime = 0.0;
  for (int u = 0; u < H; u++) {
    double unit_max = 0.0;
    for (int t = 0; t < T; t++) {
      float v = out->values[(size_t)u * T + t] = d[(size_t)t * H + u];
      if (!isfinite(v))
        continue;
      unit_max = fmax(unit_max, fabs(v));
      if (fabs(v) > fabs(out->best_dprime)) {
        out->best_dprime = v;
        out->best_unit = u;
        out->best_step = t;
      }
    }
    out->n_selective += unit_max >= 0.5;
  }
  free(d);
  out->title = dup_text(title);
  out->x_label = dup_text(x_label);
  out->y_label = dup_text(y_label);
  out->raster = (GbRaster){.values = out->values, .rows = H, .cols = T,
                           .colormap = GB_COLORMAP_DIVERGING, .x_lo = t_ms[0],
                           .x_hi = t_ms[T - 1], .x_mark = 0.0, .title = out->title,
                           .x_label = out->x_label, .y_label = out->y_label,
                           .show_colorbar = true, .colorbar_label = "d'"};
  return GB_OK;
}

void
gb_hidden_raster_figure_clear(GbHiddenRasterFigure *f)
{
  free(f->values);
  free(f->title);
  free(f->x_label);
  free(f->y_label);
  memset(f, 0, sizeof *f);
}

/* @user: a figure whose first member is a GbRaster. */
GbStatus
gb_hidden_draw_raster(void *user, cairo_t *cr, GbPlotRect area, GbError *err)
{
  return gb_raster_draw(cr, user, area, err);
}

/* ---- pca ---- */

/* Class-mean trajectories of @scores (n, T, 2): f->traj_xy (class, coord, T). */
static void
class_means_2d(const GbHiddenStates *s, const float *scores, double *traj)
{
  int T = s->n_times;
  for (int k = 0; k < 2; k++)
    for (int t = 0; t < T; t++) {
      double sx = 0, sy = 0;
      int cnt = 0;
      for (int i = 0; i < s->n_trials; i++)
        if (s->labels[i] == k) {
          sx += scores[((size_t)i * T + t) * 2];
          sy += scores[((size_t)i * T + t) * 2 + 1];
          cnt++;
        }
      traj[(size_t)(2 * k) * T + t] = cnt ? sx / cnt : NAN;
      traj[(size_t)(2 * k + 1) * T + t] = cnt ? sy / cnt : NAN;
    }
}

/* Distance between the class means in the full state space at each step: @dist (T). */
static GbStatus
class_mean_distance(const GbHiddenStates *s, double *dist)
{
  int H = s->n_units, T = s->n_times;
  double *mu = malloc(2 * (size_t)H * sizeof(double));
  if (mu == NULL)
    return GB_ERR_NOMEM;
  for (int t = 0; t < T; t++) {
    int cnt[2] = {0, 0};
    memset(mu, 0, 2 * (size_t)H * sizeof(double));
    for (int i = 0; i < s->n_trials; i++) {
      int k = s->labels[i] == 1;
      cnt[k]++;
      for (int u = 0; u < H; u++)
        mu[(size_t)k * H + u] += s->states[((size_t)i * T + t) * H + u];
    }
    double sum = 0.0;
    for (int u = 0; u < H; u++) {
      double dlt = mu[H + u] / fmax(cnt[1], 1) - mu[u] / fmax(cnt[0], 1);
      sum += dlt * dlt;
    }
    dist[t] = sqrt(sum);
  }
  free(mu);
  return GB_OK;
}

static void
pca_explained(const GbPca *p, GbHiddenPcaFigure *f)
{
  double cum = 0.0;
  f->n_for_90 = 0;
  for (int k = 0; k < p->dim; k++) {
    cum += p->eigenvalues[k] / p->total_variance;
    if (f->n_for_90 == 0 && cum >= 0.9)
      f->n_for_90 = k + 1;
    if (k < 5)
      f->variance[k] = p->eigenvalues[k] / p->total_variance;
  }
  f->dim = p->dim;
  f->explained[0] = p->eigenvalues[0] / p->total_variance;
  f->explained[1] = p->dim > 1 ? p->eigenvalues[1] / p->total_variance : 0.0;
}

/* Every stride-th state, so the scatter shows all trials and steps evenly; marks every
 * 100 ms from 0 on, at the nearest step. */
static GbStatus
pca_points(const GbHiddenStates *s, const double *t_ms, const float *scores,
           GbHiddenPcaFigure *f)
{
  int T = s->n_times;
  size_t total = (size_t)s->n_trials * T, stride = total / GB_HIDDEN_SCATTER_POINTS + 1;
  int np = (int)((total + stride - 1) / stride);
  f->xy = malloc(2 * sizeof(float) * (size_t)np);
  f->group = malloc(sizeof(int) * (size_t)np);
  if (f->xy == NULL || f->group == NULL)
    return GB_ERR_NOMEM;
  for (int j = 0; j < np; j++) {
    size_t i = (size_t)j * stride;
    f->xy[2 * j] = scores[2 * i];
    f->xy[2 * j + 1] = scores[2 * i + 1];
    f->group[j] = s->labels[i / T] == 1;
  }
  f->scatter.n_points = np;
  int n_marks = 0;
  for (double ms = 0.0; ms <= t_ms[T - 1] + 1e-9 && n_marks < GB_HIDDEN_PCA_MARKS; ms += 100.0) {
    f->mark_steps[n_marks] = gb_hidden_step_at(t_ms, T, ms);
    snprintf(f->mark_text[n_marks], sizeof f->mark_text[n_marks], "%.0f", ms);
    f->mark_labels[n_marks] = f->mark_text[n_marks];
    n_marks++;
  }
  f->scatter.n_marks = n_marks;
  return GB_OK;
}

static GbStatus
pca_fill(const GbHiddenStates *s, const double *t_ms, GbHiddenPcaFigure *f, GbError *err)
{
  int T = s->n_times, H = s->n_units;
  size_t rows = (size_t)s->n_trials * T;
  GbPca p;
  GbStatus st = gb_pca_fit(s->states, rows, H, &p, err);
  if (st != GB_OK)
    return st;
  pca_explained(&p, f);
  float *scores = malloc(2 * rows * sizeof(float));
  f->traj_xy = malloc(4 * (size_t)T * sizeof(double));
  f->distance = malloc((size_t)T * sizeof(double));
  if (scores == NULL || f->traj_xy == NULL || f->distance == NULL) {
    free(scores);
    gb_pca_clear(&p);
    return no_memory(err, "PCA");
  }
  gb_pca_project(&p, s->states, rows, 2, scores);
  gb_pca_clear(&p);
  class_means_2d(s, scores, f->traj_xy);
  st = class_mean_distance(s, f->distance);
  if (st == GB_OK)
    st = pca_points(s, t_ms, scores, f);
  free(scores);
  if (st != GB_OK)
    return no_memory(err, "PCA");
  f->peak_step = 0;
  for (int t = 0; t < T; t++)
    f->peak_step = f->distance[t] > f->distance[f->peak_step] ? t : f->peak_step;
  return GB_OK;
}

GbStatus
gb_hidden_figure_pca(const GbHiddenStates *s, const double *t_ms, const char *title,
                     const char *const names[2], GbHiddenPcaFigure *out, GbError *err)
{
  memset(out, 0, sizeof *out);
  if (s->n_units < 2) {
    gb_error_set(err, GB_ERR_INVALID, "PCA needs at least 2 units, the layer has %d",
                 s->n_units);
    return GB_ERR_INVALID;
  }
  out->n_times = s->n_times;
  GbStatus st = pca_fill(s, t_ms, out, err);
  if (st != GB_OK) {
    gb_hidden_pca_figure_clear(out);
    return st;
  }
  int T = s->n_times;
  for (int k = 0; k < 2; k++) {
    out->names[k] = dup_text(names[k]);
    out->traj[k] = (GbCurve){.name = out->names[k], .x = out->traj_xy + (size_t)(2 * k) * T,
                             .y = out->traj_xy + (size_t)(2 * k + 1) * T, .n = T,
                             .fixed_rgb = true, .rgb = class_rgb[k], .markers = true};
  }
  char buf[64];
  snprintf(buf, sizeof buf, "PC1 (%.1f%%)", 100.0 * out->explained[0]);
  out->x_label = strdup(buf);
  snprintf(buf, sizeof buf, "PC2 (%.1f%%)", 100.0 * out->explained[1]);
  out->y_label = strdup(buf);
  out->title = dup_text(title);
  GbScatter *sc = &out->scatter;
  sc->xy = out->xy;
  sc->group = out->group;
  sc->n_groups = 2;
  sc->group_rgb = class_rgb;
  sc->point_alpha = 0.15;
  sc->trajectories = out->traj;
  sc->n_trajectories = 2;
  sc->mark_steps = out->mark_steps;
  sc->mark_labels = out->mark_labels;
  sc->label_trajectory = 1;
  sc->title = out->title;
  sc->x_label = out->x_label;
  sc->y_label = out->y_label;
  return GB_OK;
}

void
gb_hidden_pca_figure_set_labels(GbHiddenPcaFigure *f, const char *x_label, const char *y_label)
{
  free(f->x_label);
  free(f->y_label);
  f->scatter.x_label = f->x_label = dup_text(x_label);
  f->scatter.y_label = f->y_label = dup_text(y_label);
}

void
gb_hidden_pca_figure_clear(GbHiddenPcaFigure *f)
{
  free(f->traj_xy);
  free(f->xy);
  free(f->group);
  free(f->distance);
  free(f->title);
  free(f->x_label);
  free(f->y_label);
  free(f->names[0]);
  free(f->names[1]);
  memset(f, 0, sizeof *f);
}

GbStatus
gb_hidden_draw_pca(void *user, cairo_t *cr, GbPlotRect area, GbError *err)
{
  GbHiddenPcaFigure *f = user;
  return gb_scatter_draw(cr, &f->scatter, area, err);
}

/* ---- curves ---- */

/* @n_curves curves of @n points: x, y, sd per curve in f->data. */
static GbStatus
curves_alloc(GbHiddenCurvesFigure *f, int n_curves, int n, const char *title,
             const char *x_label, const char *y_label, const char *const *names, GbError *err)
{
  memset(f, 0, sizeof *f);
  if (n < 1) {
    gb_error_set(err, GB_ERR_INVALID, "a curve needs at least one step, got %d", n);
    return GB_ERR_INVALID;
  }
  f->data = calloc(3 * (size_t)n_curves * n, sizeof(double));
  if (f->data == NULL)
    return no_memory(err, "curves");
  f->title = dup_text(title);
  f->x_label = dup_text(x_label);
  f->y_label = dup_text(y_label);
  for (int k = 0; k < n_curves; k++)
    f->names[k] = dup_text(names[k]);
  f->curves = (GbCurves){.curves = f->curve, .n_curves = n_curves, .title = f->title,
                         .x_label = f->x_label, .y_label = f->y_label, .grid = true,
                         .legend = GB_CURVES_LEGEND_RIGHT};
  return GB_OK;
}

GbStatus
gb_hidden_figure_class_curves(const double *t_ms, int n_times, const double *mean,
                              const double *sd, const char *title, const char *x_label,
                              const char *y_label, const char *const names[2],
                              GbHiddenCurvesFigure *out, GbError *err)
{
  GbStatus st = curves_alloc(out, 2, n_times, title, x_label, y_label, names, err);
  if (st != GB_OK)
    return st;
  size_t T = (size_t)n_times;
  for (int k = 0; k < 2; k++) {
    double *x = out->data + 3 * k * T, *y = x + T, *band = y + T;
    memcpy(x, t_ms, T * sizeof(double));
    memcpy(y, mean + k * T, T * sizeof(double));
    memcpy(band, sd + k * T, T * sizeof(double));
    out->curve[k] = (GbCurve){.name = out->names[k], .x = x, .y = y, .sd = band, .n = n_times,
                              .fixed_rgb = true, .rgb = class_rgb[k], .markers = true};
  }
  return GB_OK;
}

GbStatus
gb_hidden_figure_probe(const double *t_ms, int n_times, const double *auc, double model_auc,
                       const char *title, const char *x_label, const char *y_label,
                       const char *const names[3], GbHiddenCurvesFigure *out, GbError *err)
{
  GbStatus st = curves_alloc(out, 3, n_times, title, x_label, y_label, names, err);
  if (st != GB_OK)
    return st;
  size_t T = (size_t)n_times;
  double *x = out->data, *y = x + T, *ends = y + T, *model_y = ends + 2, *chance_y = ends + 4;
  memcpy(x, t_ms, T * sizeof(double));
  memcpy(y, auc, T * sizeof(double));
  ends[0] = t_ms[0];
  ends[1] = t_ms[T - 1];
  model_y[0] = model_y[1] = model_auc;
  chance_y[0] = chance_y[1] = 0.5;
  out->curve[0] = (GbCurve){.name = out->names[0], .x = x, .y = y, .n = n_times,
                            .markers = true};
  GbCurve model = {.name = out->names[1], .x = ends, .y = model_y, .n = 2, .dashed = true,
                   .fixed_rgb = true, .rgb = GB_CURVES_GREEN_RGB};
  GbCurve chance = {.name = out->names[2], .x = ends, .y = chance_y, .n = 2, .dashed = true,
                    .fixed_rgb = true, .rgb = 0x888888};
  bool with_model = isfinite(model_auc);
  out->curve[1] = with_model ? model : chance;
  out->curve[2] = chance;
  out->curves.n_curves = with_model ? 3 : 2;
  out->curves.y_fixed = true;
  out->curves.y_lo = 0.4;
  out->curves.y_hi = 1.0;
  return GB_OK;
}

void
gb_hidden_curves_figure_clear(GbHiddenCurvesFigure *f)
{
  free(f->data);
  free(f->title);
  free(f->x_label);
  free(f->y_label);
  for (int k = 0; k < 3; k++)
    free(f->names[k]);
  memset(f, 0, sizeof *f);
}

GbStatus
gb_hidden_draw_curves(void *user, cairo_t *cr, GbPlotRect area, GbError *err)
{
  GbHiddenCurvesFigure *f = user;
  return gb_curves_draw(cr, &f->curves, area, err);
}

/* ---- transitions ---- */

static GbStatus
transition_alloc(GbHiddenTransitionFigure *f, int k)
{
  f->k = k;
  f->prob = malloc(sizeof(float) * (size_t)k * k);
  f->counts = malloc(sizeof(int) * (size_t)k * k);
  f->row_labels = calloc((size_t)k, sizeof(char *));
  f->col_labels = calloc((size_t)k, sizeof(char *));
  if (!f->prob || !f->counts || !f->row_labels || !f->col_labels)
    return GB_ERR_NOMEM;
  for (int a = 0; a < k; a++) {
    f->row_labels[a] = malloc(24);
    f->col_labels[a] = malloc(4);
    if (!f->row_labels[a] || !f->col_labels[a])
      return GB_ERR_NOMEM;
  }
  return GB_OK;
}

GbStatus
gb_hidden_figure_transitions(const GbKmeans *km, int n_trials, int n_times, const char *title,
                             const char *x_label, const char *y_label,
                             GbHiddenTransitionFigure *out, GbError *err)
{
  memset(out, 0, sizeof *out);
  int k = km->k;
  if (k < 1 || k > 26) {
    gb_error_set(err, GB_ERR_INVALID, "the transition table shows 1 to 26 clusters, not %d", k);
    return GB_ERR_INVALID;
  }
  if (transition_alloc(out, k) != GB_OK) {
    gb_hidden_transition_figure_clear(out);
    return no_memory(err, "transition");
  }
  gb_cluster_transitions(km->assign, n_trials, n_times, k, out->counts);
  gb_transition_stats(out->counts, k, &out->stats);
  for (int a = 0; a < k; a++) {
    long row = 0;
    for (int b = 0; b < k; b++)
      row += out->counts[(size_t)a * k + b];
    snprintf(out->row_labels[a], 24, "%c (%d)", 'A' + a, km->sizes[a]);
    snprintf(out->col_labels[a], 4, "%c", 'A' + a);
    for (int b = 0; b < k; b++)
      out->prob[(size_t)a * k + b] = row ? (float)out->counts[(size_t)a * k + b] / row : NAN;
  }
  char buf[512];
  snprintf(buf, sizeof buf, "%s %.2f", title ? title : "", out->stats.determinism);
  out->title = strdup(buf);
  out->x_label = dup_text(x_label);
  out->y_label = dup_text(y_label);
  out->raster = (GbRaster){.values = out->prob, .rows = k, .cols = k,
                           .colormap = GB_COLORMAP_VIRIDIS, .scale_max = 1.0,
                           .col_labels = (const char *const *)out->col_labels,
                           .row_labels = (const char *const *)out->row_labels, .x_mark = NAN,
                           .annotate = true, .title = out->title, .x_label = out->x_label,
                           .y_label = out->y_label, .show_colorbar = true,
                           .colorbar_label = "P(b | a)"};
  return GB_OK;
}

void
gb_hidden_transition_figure_clear(GbHiddenTransitionFigure *f)
{
  for (int a = 0; a < f->k; a++) {
    if (f->row_labels)
      free(f->row_labels[a]);
    if (f->col_labels)
      free(f->col_labels[a]);
  }
  free(f->row_labels);
  free(f->col_labels);
  free(f->prob);
  free(f->counts);
  free(f->title);
  free(f->x_label);
  free(f->y_label);
  memset(f, 0, sizeof *f);
}

/* ---- scalp ---- */

/* Steps whose time lies in [lo, hi) ms; *t_hi <= *t_lo when none. */
static void
window_steps(const double *t_ms, int T, double lo, double hi, int *t_lo, int *t_hi)
{
  *t_lo = T;
  *t_hi = 0;
  for (int t = 0; t < T; t++)
    if (t_ms[t] >= lo && t_ms[t] < hi) {
      *t_lo = t < *t_lo ? t : *t_lo;
      *t_hi = t + 1;
    }
}

static GbStatus
scalp_alloc(GbHiddenScalpFigure *f, int S, int W, int C, const float *xs, const float *ys,
            const char *const *names)
{
  f->values = malloc(sizeof(double) * (size_t)S * W * C);
  f->corr = malloc(sizeof(double) * (size_t)S * S);
  f->xs = malloc(sizeof(float) * (size_t)C);
  f->ys = malloc(sizeof(float) * (size_t)C);
  f->names = calloc((size_t)C, sizeof(char *));
  if (!f->values || !f->corr || !f->xs || !f->ys || !f->names)
    return GB_ERR_NOMEM;
  memcpy(f->xs, xs, sizeof(float) * (size_t)C);
  memcpy(f->ys, ys, sizeof(float) * (size_t)C);
  for (int ch = 0; ch < C; ch++)
    if ((f->names[ch] = strdup(names[ch])) == NULL)
      return GB_ERR_NOMEM;
  return GB_OK;
}

static void
scalp_compute(GbHiddenScalpFigure *f, const float *maps, int n, int T, const int *labels,
              const int *subjects, const int *t_lo, const int *t_hi, double *one)
{
  int S = f->n_subjects, W = f->n_windows, C = f->n_channels;
  for (int w = 0; w < W; w++) {
    gb_relevance_window_by_subject(maps, n, T, C, subjects, S, labels, 1, t_lo[w], t_hi[w],
                                   one);
    for (int s = 0; s < S; s++)
      memcpy(f->values + ((size_t)s * W + w) * C, one + (size_t)s * C, C * sizeof(double));
  }
  gb_correlation_matrix(f->values, S, W * C, f->corr);
  f->scale = 0.0;
  for (size_t i = 0; i < (size_t)S * W * C; i++)
    f->scale = isfinite(f->values[i]) ? fmax(f->scale, fabs(f->values[i])) : f->scale;
  double off = 0.0;
  int n_off = 0;
  for (int a = 0; a < S; a++)
    for (int b = a + 1; b < S; b++)
      if (isfinite(f->corr[(size_t)a * S + b])) {
        off += f->corr[(size_t)a * S + b];
        n_off++;
      }
  f->mean_corr = n_off ? off / n_off : NAN;
}

GbStatus
gb_hidden_figure_scalp(const float *maps, int n, int n_times, int n_channels,
                       const double *t_ms, const int *labels, const int *subjects,
                       int n_subjects, const float *xs, const float *ys,
                       const char *const *names, const double *lo_ms, const double *hi_ms,
                       int n_windows, const char *corr_title, const char *bar_label,
                       GbHiddenScalpFigure *out, GbError *err)
{
  memset(out, 0, sizeof *out);
  if (n_windows < 1 || n_windows > GB_HIDDEN_MAX_WINDOWS || n_subjects < 1) {
    gb_error_set(err, GB_ERR_INVALID, "scalp maps take 1 to %d windows and a subject, got %d "
                 "windows and %d subjects", GB_HIDDEN_MAX_WINDOWS, n_windows, n_subjects);
    return GB_ERR_INVALID;
  }
  int t_lo[GB_HIDDEN_MAX_WINDOWS], t_hi[GB_HIDDEN_MAX_WINDOWS];
  for (int w = 0; w < n_windows; w++) {
    window_steps(t_ms, n_times, lo_ms[w], hi_ms[w], &t_lo[w], &t_hi[w]);
    if (t_hi[w] <= t_lo[w]) {
      gb_error_set(err, GB_ERR_INVALID, "the window %.0f-%.0f ms holds no step of the trials "
                   "(%.0f to %.0f ms)", lo_ms[w], hi_ms[w], t_ms[0], t_ms[n_times - 1]);
      return GB_ERR_INVALID;
    }
    out->lo_ms[w] = lo_ms[w];
    out->hi_ms[w] = hi_ms[w];
  }
  out->n_windows = n_windows;
  out->n_subjects = n_subjects;
  out->n_channels = n_channels;
  double *one = malloc(sizeof(double) * (size_t)n_subjects * n_channels);
  if (one == NULL || scalp_alloc(out, n_subjects, n_windows, n_channels, xs, ys, names) != GB_OK) {
    free(one);
    gb_hidden_scalp_figure_clear(out);
    return no_memory(err, "scalp");
  }
  scalp_compute(out, maps, n, n_times, labels, subjects, t_lo, t_hi, one);
  free(one);
  out->corr_title = dup_text(corr_title);
  out->bar_label = dup_text(bar_label);
  return GB_OK;
}

void
gb_hidden_scalp_figure_clear(GbHiddenScalpFigure *f)
{
  for (int ch = 0; f->names && ch < f->n_channels; ch++)
    free(f->names[ch]);
  free(f->names);
  free(f->values);
  free(f->corr);
  free(f->xs);
  free(f->ys);
  free(f->corr_title);
  free(f->bar_label);
  memset(f, 0, sizeof *f);
}

static GbStatus
draw_corr(const GbHiddenScalpFigure *f, cairo_t *cr, GbPlotRect area, GbError *err)
{
  int S = f->n_subjects;
  float *corr = malloc(sizeof(float) * (size_t)S * S);
  char(*text)[12] = malloc(sizeof *text * (size_t)S);
  const char **names = malloc(sizeof(char *) * (size_t)S);
  GbStatus st = GB_ERR_NOMEM;
  if (corr && text && names) {
    for (int i = 0; i < S * S; i++)
      corr[i] = (float)f->corr[i];
    for (int s = 0; s < S; s++) {
      snprintf(text[s], sizeof text[s], "S%d", s + 1);
      names[s] = text[s];
    }
    GbRaster r = {.values = corr, .rows = S, .cols = S, .colormap = GB_COLORMAP_DIVERGING,
                  .scale_max = 1.0, .col_labels = names, .row_labels = names, .x_mark = NAN,
                  .annotate = true, .title = f->corr_title, .show_colorbar = true};
    st = gb_raster_draw(cr, &r, area, err);
  } else {
    no_memory(err, "correlation");
  }
  free(corr);
  free(text);
  free(names);
  return st;
}

/* Width of the shared colour bar's column. */
#define SCALP_BAR_WIDTH 80.0

GbStatus
gb_hidden_draw_scalp(void *user, cairo_t *cr, GbPlotRect area, GbError *err)
{
  GbHiddenScalpFigure *f = user;
  double corr_w = fmin(fmax(0.28 * area.width, 280.0), 0.5 * area.width);
  double ch = area.height / f->n_subjects;
  double cw = (area.width - corr_w - SCALP_BAR_WIDTH) / f->n_windows;
  GbStatus st = GB_OK;
  for (int s = 0; s < f->n_subjects && st == GB_OK; s++)
    for (int w = 0; w < f->n_windows && st == GB_OK; w++) {
      char title[64];
      snprintf(title, sizeof title, "S%d, %.0f-%.0f ms", s + 1, f->lo_ms[w], f->hi_ms[w]);
      GbScalpmap m = {.n_channels = f->n_channels, .x = f->xs, .y = f->ys,
                      .names = (const char *const *)f->names,
                      .values = f->values + ((size_t)s * f->n_windows + w) * f->n_channels,
                      .colormap = GB_COLORMAP_DIVERGING, .scale_max = f->scale, .title = title};
      st = gb_scalpmap_draw(cr, &m, (GbPlotRect){area.x + w * cw, area.y + s * ch, cw, ch}, err);
    }
  double bar_h = fmin(area.height, 360.0);
  GbPlotRect bar = {area.x + f->n_windows * cw, area.y + (area.height - bar_h) / 2,
                    SCALP_BAR_WIDTH, bar_h};
  double scale = f->scale > 0 ? f->scale : 1.0;
  if (st == GB_OK)
    st = gb_colorbar_draw(cr, GB_COLORMAP_DIVERGING, -scale, scale, f->bar_label, 11.0, bar, err);
  double side = fmin(corr_w, area.height);
  if (st == GB_OK)
    st = draw_corr(f, cr, (GbPlotRect){area.x + area.width - corr_w,
                                       area.y + (area.height - side) / 2, corr_w, side}, err);
  return st;
}

void
gb_hidden_scalp_figure_size(const GbHiddenScalpFigure *f, int *width, int *height)
{
  *width = f->n_windows * 230 + (int)SCALP_BAR_WIDTH + 300;
  *height = f->n_subjects * 230;
}

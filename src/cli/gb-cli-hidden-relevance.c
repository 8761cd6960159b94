/* SPDX-License-Identifier: GPL-3.0-or-later */
/* glassbox-cli hidden: relevance through time, scalp maps per subject, the PRM-like model's
 * per-step evidence. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gb-cli-hidden-private.h"
#include "gb-cli.h"
#include "gb-colorbar.h"
#include "gb-curves.h"
#include "gb-raster.h"
#include "gb-scalpmap.h"

static GbHiddenRelevance
relevance_method(const HiddenContext *c)
{
  return strcmp(c->o->method, "lrp") == 0 ? GB_HIDDEN_RELEVANCE_LRP
                                          : GB_HIDDEN_RELEVANCE_GRAD_X_INPUT;
}

/* Relevance maps of every trial: (n, T, C), g_free. */
static float *
relevance_maps(HiddenContext *c, GbError *err)
{
  float *maps = g_new(float, (size_t)c->n * c->T * c->C);
  GbCliProgress prog;
  gb_cli_progress_init(&prog);
  GbStatus st = gb_hidden_relevance_maps(c->m, c->x, c->n, relevance_method(c), maps,
                                         gb_cli_progress_cb, &prog, err);
  gb_cli_progress_finish(&prog);
  if (st != GB_OK)
    g_clear_pointer(&maps, g_free);
  return maps;
}

/* Two curves, mean +- sd per class (rows of @mean and @sd: non-target, target). */
static int
class_curves(HiddenContext *c, const double *mean, const double *sd, const char *title,
             const char *y_label)
{
  GbCurve k[2] = {
      {.name = "non-target", .x = c->t_ms, .y = mean, .sd = sd, .n = c->T, .fixed_rgb = true,
       .rgb = GB_CURVES_BLUE_RGB, .markers = true},
      {.name = "target", .x = c->t_ms, .y = mean + c->T, .sd = sd + c->T, .n = c->T,
       .fixed_rgb = true, .rgb = GB_CURVES_VERMILLION_RGB, .markers = true},
  };
  GbCurves cv = {.curves = k, .n_curves = 2, .title = title,
                 .x_label = "time from the flash (ms)", .y_label = y_label, .grid = true,
                 .legend = GB_CURVES_LEGEND_RIGHT};
  return hidden_export(c, 900, 480, hidden_draw_curves, &cv);
}

static int
class_csv(const HiddenContext *c, const double *mean, const double *sd)
{
  g_autoptr(GString) csv =
      g_string_new("time_ms,nontarget_mean,nontarget_sd,target_mean,target_sd\n");
  for (int t = 0; t < c->T; t++)
    g_string_append_printf(csv, "%.1f,%.6g,%.6g,%.6g,%.6g\n", c->t_ms[t], mean[t], sd[t],
                           mean[c->T + t], sd[c->T + t]);
  return c->o->csv ? hidden_write_text(c->o->csv, csv) : GB_EXIT_OK;
}

/* ---- relevance-time ---- */

static void
print_top_channels(const HiddenContext *c, const float *maps)
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
  printf("channels with the most relevance on targets:");
  for (int r = 0; r < 3 && r < c->C; r++) {
    int best = -1;
    for (int ch = 0; ch < c->C; ch++)
      if (isfinite(per_ch[ch]) && (best < 0 || per_ch[ch] > per_ch[best]))
        best = ch;
    printf(" %s %.3g", c->set->channels[best].label, per_ch[best] / fmax(nt, 1));
    per_ch[best] = NAN;
  }
  printf("\n");
}

int
hidden_view_relevance_time(HiddenContext *c)
{
  GbError err;
  g_autofree float *maps = relevance_maps(c, &err);
  if (maps == NULL)
    return gb_cli_report(&err);
  g_autofree double *mean = g_new(double, 2 * (size_t)c->T), *sd = g_new(double, 2 * (size_t)c->T);
  gb_relevance_time_by_class(maps, c->n, c->T, c->C, c->labels, mean, sd);
  int peak = 0;
  for (int t = 1; t < c->T; t++)
    peak = mean[c->T + t] > mean[c->T + peak] ? t : peak;
  printf("%s summed over channels: target mean peaks at %.0f ms (%.3g, sd %.3g); non-target "
         "mean there %.3g\n", gb_hidden_relevance_name(relevance_method(c)), c->t_ms[peak],
         mean[c->T + peak], sd[c->T + peak], mean[peak]);
  print_top_channels(c, maps);
  int code = class_csv(c, mean, sd);
  const char *name = gb_hidden_relevance_name(relevance_method(c));
  g_autofree char *title = g_strdup_printf("Relevance through time (%s of the logit), mean +- sd "
                                           "per class", name);
  return code ? code : class_curves(c, mean, sd, title, "relevance summed over channels");
}

/* ---- scalp ---- */

#define MAX_WINDOWS 8

typedef struct {
  const HiddenContext *c;
  int n_windows, n_subjects;
  double lo_ms[MAX_WINDOWS], hi_ms[MAX_WINDOWS];
  double *values; /* (n_subjects, n_windows, C) */
  double *corr;   /* (n_subjects, n_subjects) */
  float *xs, *ys;
  const char **names;
  double scale;
} ScalpFigure;

static bool
parse_windows(const char *text, ScalpFigure *f)
{
  g_auto(GStrv) parts = g_strsplit(text, ",", -1);
  f->n_windows = 0;
  for (int i = 0; parts[i]; i++) {
    char extra;
    if (f->n_windows == MAX_WINDOWS
        || sscanf(parts[i], "%lf-%lf%c", &f->lo_ms[f->n_windows], &f->hi_ms[f->n_windows],
                  &extra) != 2
        || !(f->hi_ms[f->n_windows] > f->lo_ms[f->n_windows]))
      return false;
    f->n_windows++;
  }
  return f->n_windows > 0;
}

/* Steps whose time lies in [lo, hi) ms. */
static void
window_steps(const HiddenContext *c, double lo, double hi, int *t_lo, int *t_hi)
{
  *t_lo = c->T;
  *t_hi = 0;
  for (int t = 0; t < c->T; t++)
    if (c->t_ms[t] >= lo && c->t_ms[t] < hi) {
      *t_lo = t < *t_lo ? t : *t_lo;
      *t_hi = t + 1;
    }
}

/* The scalp map of subject @s in window @w; the figure has one colour bar for all. */
static GbScalpmap
scalp_panel(const ScalpFigure *f, int s, int w, const char *title)
{
  return (GbScalpmap){.n_channels = f->c->C, .x = f->xs, .y = f->ys, .names = f->names,
                      .values = f->values + ((size_t)s * f->n_windows + w) * f->c->C,
                      .colormap = GB_COLORMAP_DIVERGING, .scale_max = f->scale, .title = title};
}

static GbStatus
draw_corr(const ScalpFigure *f, cairo_t *cr, GbPlotRect area, GbError *err)
{
  g_autofree float *corr = g_new(float, (size_t)f->n_subjects * f->n_subjects);
  g_auto(GStrv) names = g_new0(char *, f->n_subjects + 1);
  for (int i = 0; i < f->n_subjects * f->n_subjects; i++)
    corr[i] = (float)f->corr[i];
  for (int s = 0; s < f->n_subjects; s++)
    names[s] = g_strdup_printf("S%d", s + 1);
  GbRaster r = {.values = corr, .rows = f->n_subjects, .cols = f->n_subjects,
                .colormap = GB_COLORMAP_DIVERGING, .scale_max = 1.0,
                .col_labels = (const char *const *)names,
                .row_labels = (const char *const *)names, .x_mark = NAN, .annotate = true,
                .title = "r between subjects' maps", .show_colorbar = true};
  return gb_raster_draw(cr, &r, area, err);
}

/* Width of the shared colour bar's column. */
#define SCALP_BAR_WIDTH 80.0

/* Rows of subjects, columns of windows, the shared colour bar, and the correlation matrix at
 * the right. */
static GbStatus
draw_scalp_grid(void *user, cairo_t *cr, GbPlotRect area, GbError *err)
{
  ScalpFigure *f = user;
  double corr_w = fmin(fmax(0.28 * area.width, 280.0), 0.5 * area.width);
  double ch = area.height / f->n_subjects;
  double cw = (area.width - corr_w - SCALP_BAR_WIDTH) / f->n_windows;
  GbStatus st = GB_OK;
  for (int s = 0; s < f->n_subjects && st == GB_OK; s++)
    for (int w = 0; w < f->n_windows && st == GB_OK; w++) {
      g_autofree char *title = g_strdup_printf("S%d, %.0f-%.0f ms", s + 1, f->lo_ms[w],
                                               f->hi_ms[w]);
      GbScalpmap m = scalp_panel(f, s, w, title);
      st = gb_scalpmap_draw(cr, &m, (GbPlotRect){area.x + w * cw, area.y + s * ch, cw, ch}, err);
    }
  double bar_h = fmin(area.height, 360.0);
  GbPlotRect bar = {area.x + f->n_windows * cw, area.y + (area.height - bar_h) / 2,
                    SCALP_BAR_WIDTH, bar_h};
  if (st == GB_OK)
    st = gb_colorbar_draw(cr, GB_COLORMAP_DIVERGING, -f->scale, f->scale, "relevance", 11.0, bar,
                          err);
  double side = fmin(corr_w, area.height);
  if (st == GB_OK)
    st = draw_corr(f, cr, (GbPlotRect){area.x + area.width - corr_w,
                                       area.y + (area.height - side) / 2, corr_w, side}, err);
  return st;
}

/* Values per subject and window, their correlation matrix and the common colour scale. */
static void
scalp_compute(ScalpFigure *f, const float *maps)
{
  const HiddenContext *c = f->c;
  int S = f->n_subjects, W = f->n_windows, C = c->C;
  g_autofree double *one = g_new(double, (size_t)S * C);
  for (int w = 0; w < W; w++) {
    int t_lo, t_hi;
    window_steps(c, f->lo_ms[w], f->hi_ms[w], &t_lo, &t_hi);
    gb_relevance_window_by_subject(maps, c->n, c->T, C, c->set->subject, S, c->labels, 1, t_lo,
                                   t_hi, one);
    for (int s = 0; s < S; s++)
      memcpy(f->values + ((size_t)s * W + w) * C, one + (size_t)s * C, C * sizeof(double));
  }
  gb_correlation_matrix(f->values, S, W * C, f->corr);
  f->scale = 0.0;
  for (size_t i = 0; i < (size_t)S * W * C; i++)
    f->scale = isfinite(f->values[i]) ? fmax(f->scale, fabs(f->values[i])) : f->scale;
}

static int
scalp_output(ScalpFigure *f)
{
  const HiddenContext *c = f->c;
  int S = f->n_subjects, W = f->n_windows, C = c->C;
  double off = 0.0;
  int n_off = 0;
  printf("correlation between subjects' target maps (%d windows x %d channels):\n", W, C);
  for (int a = 0; a < S; a++) {
    printf("  S%d", a + 1);
    for (int b = 0; b < S; b++) {
      printf(" %6.3f", f->corr[(size_t)a * S + b]);
      if (a < b && isfinite(f->corr[(size_t)a * S + b])) {
        off += f->corr[(size_t)a * S + b];
        n_off++;
      }
    }
    printf("\n");
  }
  printf("mean correlation between subjects %.3f\n", n_off ? off / n_off : NAN);
  g_autoptr(GString) csv = g_string_new("subject,window_ms,channel,relevance\n");
  for (int s = 0; s < S; s++)
    for (int w = 0; w < W; w++)
      for (int ch = 0; ch < C; ch++)
        g_string_append_printf(csv, "%d,%.0f-%.0f,%s,%.6g\n", s + 1, f->lo_ms[w], f->hi_ms[w],
                               c->set->channels[ch].label,
                               f->values[((size_t)s * W + w) * C + ch]);
  int code = c->o->csv ? hidden_write_text(c->o->csv, csv) : GB_EXIT_OK;
  int width = W * 230 + (int)SCALP_BAR_WIDTH + 300, height = S * 230;
  return code ? code : hidden_export(c, width, height, draw_scalp_grid, f);
}

int
hidden_view_scalp(HiddenContext *c)
{
  GbError err;
  ScalpFigure f = {.c = c, .n_subjects = c->set->n_subjects};
  if (!parse_windows(c->o->windows ? c->o->windows : "0-200,200-350,350-500,500-700", &f)) {
    g_printerr("glassbox-cli: --windows takes up to %d LO-HI ranges in ms, e.g. 0-200,200-400\n",
               MAX_WINDOWS);
    return GB_EXIT_USAGE;
  }
  g_autofree float *maps = relevance_maps(c, &err);
  if (maps == NULL)
    return gb_cli_report(&err);
  int S = f.n_subjects, C = c->C;
  g_autofree double *values = g_new(double, (size_t)S * f.n_windows * C);
  g_autofree double *corr = g_new(double, (size_t)S * S);
  g_autofree float *xs = g_new(float, C), *ys = g_new(float, C);
  g_autofree const char **names = g_new(const char *, C);
  for (int ch = 0; ch < C; ch++) {
    xs[ch] = c->set->channels[ch].x;
    ys[ch] = c->set->channels[ch].y;
    names[ch] = c->set->channels[ch].label;
  }
  f.values = values;
  f.corr = corr;
  f.xs = xs;
  f.ys = ys;
  f.names = names;
  scalp_compute(&f, maps);
  printf("%s relevance of target trials summed over each window, mean per subject\n",
         gb_hidden_relevance_name(relevance_method(c)));
  return scalp_output(&f);
}

/* ---- evidence ---- */

int
hidden_view_evidence(HiddenContext *c)
{
  GbError err;
  if (gb_hidden_find_prm(c->m) < 0) {
    gb_error_set(&err, GB_ERR_INVALID, "%s has no prm layer: per-step evidence belongs to the "
                 "PRM-like model", c->o->model);
    return gb_cli_report(&err);
  }
  int T = gb_model_get_layer(c->m, gb_hidden_find_prm(c->m))->in_shape.dim[0];
  g_autofree float *ev = g_new(float, (size_t)c->n * T);
  if (gb_hidden_prm_evidence(c->m, c->x, c->n, ev, &err) != GB_OK)
    return gb_cli_report(&err);
  /* The evidence as a (n, T, 1) map: the class statistics of relevance through time. */
  g_autofree double *mean = g_new(double, 2 * (size_t)T), *sd = g_new(double, 2 * (size_t)T);
  gb_relevance_time_by_class(ev, c->n, T, 1, c->labels, mean, sd);
  g_autofree float *logits = g_new(float, (size_t)c->n * gb_model_n_outputs(c->m));
  double worst = 0.0;
  if (gb_model_predict(c->m, c->x, c->n, logits, NULL, NULL, &err) == GB_OK
      && gb_model_n_outputs(c->m) == 1)
    for (int i = 0; i < c->n; i++) {
      double s = 0.0;
      for (int t = 0; t < T; t++)
        s += ev[(size_t)i * T + t];
      worst = fmax(worst, fabs(s - logits[i]));
    }
  int peak = 0;
  for (int t = 1; t < T; t++)
    peak = mean[T + t] - mean[t] > mean[T + peak] - mean[peak] ? t : peak;
  printf("per-step evidence e(t) + b/T: largest target - non-target difference at %.0f ms "
         "(%.3g vs %.3g); the steps' sum differs from the logit by %.2g at most\n",
         c->t_ms[peak], mean[T + peak], mean[peak], worst);
  int code = class_csv(c, mean, sd);
  return code ? code
              : class_curves(c, mean, sd, "Per-step evidence of the PRM-like model, mean +- sd "
                             "per class (the steps add up to the logit)", "evidence e(t)");
}

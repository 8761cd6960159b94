/* SPDX-License-Identifier: GPL-3.0-or-later */
/* glassbox-cli hidden: relevance through time, scalp maps per subject, the PRM-like model's
 * per-step evidence. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gb-cli-hidden-private.h"
#include "gb-cli.h"
#include "gb-curves.h"
#include "gb-hidden-figures.h"

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
  static const char *const names[2] = {"non-target", "target"};
  GbHiddenCurvesFigure f;
  GbError err;
  if (gb_hidden_figure_class_curves(c->t_ms, c->T, mean, sd, title, "time from the flash (ms)",
                                    y_label, names, &f, &err) != GB_OK)
    return gb_cli_report(&err);
  int code = hidden_export(c, 900, 480, gb_hidden_draw_curves, &f);
  gb_hidden_curves_figure_clear(&f);
  return code;
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

/* Up to GB_HIDDEN_MAX_WINDOWS "LO-HI" ranges in ms. */
static bool
parse_windows(const char *text, double *lo, double *hi, int *n)
{
  g_auto(GStrv) parts = g_strsplit(text, ",", -1);
  *n = 0;
  for (int i = 0; parts[i]; i++) {
    char extra;
    if (*n == GB_HIDDEN_MAX_WINDOWS
        || sscanf(parts[i], "%lf-%lf%c", &lo[*n], &hi[*n], &extra) != 2 || !(hi[*n] > lo[*n]))
      return false;
    (*n)++;
  }
  return *n > 0;
}

static int
scalp_output(const HiddenContext *c, GbHiddenScalpFigure *f)
{
  int S = f->n_subjects, W = f->n_windows, C = c->C;
  printf("correlation between subjects' target maps (%d windows x %d channels):\n", W, C);
  for (int a = 0; a < S; a++) {
    printf("  S%d", a + 1);
    for (int b = 0; b < S; b++)
      printf(" %6.3f", f->corr[(size_t)a * S + b]);
    printf("\n");
  }
  printf("mean correlation between subjects %.3f\n", f->mean_corr);
  g_autoptr(GString) csv = g_string_new("subject,window_ms,channel,relevance\n");
  for (int s = 0; s < S; s++)
    for (int w = 0; w < W; w++)
      for (int ch = 0; ch < C; ch++)
        g_string_append_printf(csv, "%d,%.0f-%.0f,%s,%.6g\n", s + 1, f->lo_ms[w], f->hi_ms[w],
                               c->set->channels[ch].label,
                               f->values[((size_t)s * W + w) * C + ch]);
  int code = c->o->csv ? hidden_write_text(c->o->csv, csv) : GB_EXIT_OK;
  int width, height;
  gb_hidden_scalp_figure_size(f, &width, &height);
  return code ? code : hidden_export(c, width, height, gb_hidden_draw_scalp, f);
}

int
hidden_view_scalp(HiddenContext *c)
{
  GbError err;
  double lo[GB_HIDDEN_MAX_WINDOWS], hi[GB_HIDDEN_MAX_WINDOWS];
  int n_windows;
  if (!parse_windows(c->o->windows ? c->o->windows : "0-200,200-350,350-500,500-700", lo, hi,
                     &n_windows)) {
    g_printerr("glassbox-cli: --windows takes up to %d LO-HI ranges in ms, e.g. 0-200,200-400\n",
               GB_HIDDEN_MAX_WINDOWS);
    return GB_EXIT_USAGE;
  }
  g_autofree float *maps = relevance_maps(c, &err);
  if (maps == NULL)
    return gb_cli_report(&err);
  int C = c->C;
  g_autofree float *xs = g_new(float, C), *ys = g_new(float, C);
  g_autofree const char **names = g_new(const char *, C);
  for (int ch = 0; ch < C; ch++) {
    xs[ch] = c->set->channels[ch].x;
    ys[ch] = c->set->channels[ch].y;
    names[ch] = c->set->channels[ch].label;
  }
  GbHiddenScalpFigure f;
  if (gb_hidden_figure_scalp(maps, c->n, c->T, C, c->t_ms, c->labels, c->set->subject,
                             c->set->n_subjects, xs, ys, names, lo, hi, n_windows,
                             "r between subjects' maps", "relevance", &f, &err) != GB_OK)
    return gb_cli_report(&err);
  printf("%s relevance of target trials summed over each window, mean per subject\n",
         gb_hidden_relevance_name(relevance_method(c)));
  int code = scalp_output(c, &f);
  gb_hidden_scalp_figure_clear(&f);
  return code;
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

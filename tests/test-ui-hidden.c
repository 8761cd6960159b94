/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Hidden states analyses (src/ui/gb-hidden-analyses) in a GbAnalysisView on the bundled
 * p300-rnn and simulated held-out trials: each analysis's numbers are those of the xai
 * functions run here directly, the figure is drawn, evidence refuses the Elman RNN, and a
 * cancelled job stops. */
#include "config.h"

#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gb-hidden-analyses.h"
#include "gb-hidden.h"
#include "gb-metrics.h"
#include "gb-test-eeg.h"

typedef struct {
  GbWorker *worker;
  GbModelHandle *model;
  GbDataHandle *data;
  GtkWidget *win;
  GbAnalysisView *view;
  GbModel *m;            /* a copy for the direct computations */
  const GbEegSet *eeg;
  const float *x;
  const int *labels;
  int n, T;
  GbHiddenStates states; /* collected directly */
} Fixture;

static Fixture fx;

static void
fixture_init(void)
{
  g_autoptr(GError) error = NULL;
  GbError err;
  fx.worker = gb_worker_new();
  fx.model = gb_model_handle_new_default("p300-rnn", &error);
  g_assert_no_error(error);
  /* 2 subjects x 2 characters: 240 trials, 40 targets. */
  GbEegSet *set = gb_test_eeg_p300_set(2, 2, 1001, &err);
  g_assert_nonnull(set);
  fx.data = gb_data_handle_new_eeg(set, "held-out");
  fx.eeg = gb_data_handle_get_eeg(fx.data);
  fx.x = gb_data_handle_get_sample(fx.data, 0);
  fx.labels = gb_data_handle_get_dataset(fx.data)->labels;
  fx.n = gb_data_handle_get_size(fx.data);
  fx.T = fx.eeg->n_times;
  fx.m = gb_model_handle_dup_model(fx.model, &error);
  g_assert_no_error(error);
  int layer = gb_hidden_find_layer(fx.m);
  g_assert_cmpint(layer, >=, 0);
  g_assert_cmpint(gb_hidden_collect(fx.m, layer, fx.x, fx.n, fx.labels, fx.eeg->subject,
                                    &fx.states, NULL, NULL, &err), ==, GB_OK);

  guint n = 0;
  const GbAnalysis *table = gb_hidden_analyses(&n);
  g_assert_cmpuint(n, ==, 7);
  fx.win = gtk_window_new();
  fx.view = GB_ANALYSIS_VIEW(gb_analysis_view_new(table, n));
  gtk_window_set_child(GTK_WINDOW(fx.win), GTK_WIDGET(fx.view));
  gtk_window_set_default_size(GTK_WINDOW(fx.win), 900, 700);
  gtk_window_present(GTK_WINDOW(fx.win));
  gb_analysis_view_set_worker(fx.view, fx.worker);
  gb_analysis_view_set_model(fx.view, fx.model);
  gb_analysis_view_set_data(fx.view, fx.data);
}

static double
t_ms(int t)
{
  return 1000.0 * (fx.eeg->t0 + t / fx.eeg->srate);
}

/* Runs @id in the view; the CSV it wrote. */
static char *
run_csv(const char *id)
{
  g_assert_true(gb_analysis_view_select(fx.view, id));
  gb_analysis_view_run(fx.view);
  g_assert_true(gb_worker_wait_idle(fx.worker, 60000));
  g_assert_nonnull(gb_analysis_view_get_summary(fx.view));
  g_autofree char *dir = g_dir_make_tmp("gb-hidden-XXXXXX", NULL);
  g_autofree char *path = g_build_filename(dir, "numbers.csv", NULL);
  g_autoptr(GError) error = NULL;
  g_assert_true(gb_analysis_view_write_csv(fx.view, path, &error));
  char *text = NULL;
  g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
  g_unlink(path);
  g_rmdir(dir);
  return text;
}

/* The figure exported at 600 x 400: how many pixels are neither white nor grey (curves,
 * colour maps). */
static int
coloured_pixels(void)
{
  g_autofree char *dir = g_dir_make_tmp("gb-hidden-XXXXXX", NULL);
  g_autofree char *png = g_build_filename(dir, "figure.png", NULL);
  g_assert_true(gb_plot_view_export(gb_analysis_view_get_figure(fx.view), png, 600, 400, NULL));
  cairo_surface_t *s = cairo_image_surface_create_from_png(png);
  g_assert_cmpint(cairo_surface_status(s), ==, CAIRO_STATUS_SUCCESS);
  int w = cairo_image_surface_get_width(s), h = cairo_image_surface_get_height(s);
  int stride = cairo_image_surface_get_stride(s) / 4, count = 0;
  const guint32 *px = (const guint32 *)(const void *)cairo_image_surface_get_data(s);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      guint32 p = px[y * stride + x];
      int r = (p >> 16) & 255, g = (p >> 8) & 255, b = p & 255;
      count += MAX(MAX(abs(r - g), abs(g - b)), abs(r - b)) > 40;
    }
  cairo_surface_destroy(s);
  g_unlink(png);
  g_rmdir(dir);
  return count;
}

static void
test_probe(void)
{
  GbProbeConfig cfg;
  gb_probe_config_init(&cfg);
  cfg.folds = 5;
  cfg.seed = 1;
  g_autofree double *auc = g_new(double, fx.T);
  GbError err;
  g_assert_cmpint(gb_hidden_probe(&fx.states, &cfg, auc, NULL, NULL, &err), ==, GB_OK);
  g_autoptr(GString) want = g_string_new("time_ms,auc\n");
  for (int t = 0; t < fx.T; t++)
    g_string_append_printf(want, "%.1f,%.6f\n", t_ms(t), auc[t]);
  g_autofree char *csv = run_csv("probe");
  g_assert_cmpstr(csv, ==, want->str);
  /* The model separates the classes after the P300, not before the flash. */
  g_assert_cmpfloat(auc[fx.T - 1], >, 0.75);
  int peak = 0;
  for (int t = 0; t < fx.T; t++)
    peak = auc[t] > auc[peak] ? t : peak;
  g_autofree char *head = g_strdup_printf("Probe AUC peaks at %.3f at %.0f ms", auc[peak],
                                          t_ms(peak));
  g_assert_true(g_str_has_prefix(gb_analysis_view_get_summary(fx.view), head));
  g_assert_cmpint(coloured_pixels(), >, 500);
}

static void
test_raster(void)
{
  int H = fx.states.n_units;
  g_autofree float *d = g_new(float, (size_t)fx.T * H);
  gb_hidden_selectivity(&fx.states, d);
  g_autoptr(GString) want = g_string_new("unit,time_ms,dprime\n");
  for (int u = 0; u < H; u++)
    for (int t = 0; t < fx.T; t++)
      g_string_append_printf(want, "%d,%.1f,%.6g\n", u, t_ms(t), d[(size_t)t * H + u]);
  g_autofree char *csv = run_csv("raster");
  g_assert_cmpstr(csv, ==, want->str);
  g_assert_cmpint(coloured_pixels(), >, 2000);
}

static void
test_pca(void)
{
  GbPca p;
  GbError err;
  g_assert_cmpint(gb_pca_fit(fx.states.states, (size_t)fx.n * fx.T, fx.states.n_units, &p, &err),
                  ==, GB_OK);
  g_autofree char *want = g_strdup_printf("PC1 explains %.1f%% of the variance, PC2 %.1f%%;",
                                          100.0 * p.eigenvalues[0] / p.total_variance,
                                          100.0 * p.eigenvalues[1] / p.total_variance);
  /* The target mean's PC1 at the first step, from the scores of the target trials. */
  g_autofree float *scores = g_new(float, 2 * (size_t)fx.n * fx.T);
  gb_pca_project(&p, fx.states.states, (size_t)fx.n * fx.T, 2, scores);
  double s = 0;
  int cnt = 0;
  for (int i = 0; i < fx.n; i++)
    if (fx.labels[i] == 1) {
      s += scores[(size_t)i * fx.T * 2];
      cnt++;
    }
  gb_pca_clear(&p);
  g_autofree char *csv = run_csv("pca");
  g_assert_true(g_str_has_prefix(gb_analysis_view_get_summary(fx.view), want));
  g_auto(GStrv) lines = g_strsplit(csv, "\n", -1);
  g_assert_cmpint(g_strv_length(lines), ==, fx.T + 2);
  g_auto(GStrv) first = g_strsplit(lines[1], ",", -1);
  g_assert_cmpfloat_with_epsilon(g_ascii_strtod(first[3], NULL), s / cnt,
                                 1e-4 * (1 + fabs(s / cnt)));
  g_assert_cmpint(coloured_pixels(), >, 500);
}

static void
test_kmeans(void)
{
  GbKmeansConfig cfg;
  gb_kmeans_config_init(&cfg, 8);
  cfg.seed = 1;
  GbKmeans km;
  GbError err;
  g_assert_cmpint(gb_kmeans_fit(fx.states.states, (size_t)fx.n * fx.T, fx.states.n_units, &cfg,
                                &km, &err), ==, GB_OK);
  int counts[64];
  gb_cluster_transitions(km.assign, fx.n, fx.T, 8, counts);
  GbTransitionStats ts;
  gb_transition_stats(counts, 8, &ts);
  g_autofree char *csv = run_csv("kmeans");
  g_auto(GStrv) lines = g_strsplit(csv, "\n", -1);
  g_assert_cmpint(g_strv_length(lines), ==, 64 + 2);
  for (int i = 0; i < 64; i++) {
    g_autofree char *prefix = g_strdup_printf("%c,%c,%d,", 'A' + i / 8, 'A' + i % 8, counts[i]);
    g_assert_true(g_str_has_prefix(lines[i + 1], prefix));
  }
  g_autofree char *det = g_strdup_printf("determinism %.3f over %d clusters", ts.determinism,
                                         ts.visited);
  g_assert_nonnull(strstr(gb_analysis_view_get_summary(fx.view), det));
  g_assert_nonnull(strstr(gb_analysis_view_get_summary(fx.view), "Elman"));
  gb_kmeans_clear(&km);
}

static void
test_relevance_time(void)
{
  int C = fx.eeg->n_channels;
  g_autofree float *maps = g_new(float, (size_t)fx.n * fx.T * C);
  GbError err;
  g_assert_cmpint(gb_hidden_relevance_maps(fx.m, fx.x, fx.n, GB_HIDDEN_RELEVANCE_LRP, maps, NULL,
                                           NULL, &err), ==, GB_OK);
  g_autofree double *mean = g_new(double, 2 * fx.T), *sd = g_new(double, 2 * fx.T);
  gb_relevance_time_by_class(maps, fx.n, fx.T, C, fx.labels, mean, sd);
  g_autofree char *csv = run_csv("relevance-time");
  g_auto(GStrv) lines = g_strsplit(csv, "\n", -1);
  g_assert_cmpint(g_strv_length(lines), ==, 2 * fx.T + 2);
  for (int t = 0; t < fx.T; t++) {
    g_autofree char *row = g_strdup_printf("LRP-eps,%.1f,%.6g,%.6g,%.6g,%.6g", t_ms(t), mean[t],
                                           sd[t], mean[fx.T + t], sd[fx.T + t]);
    g_assert_cmpstr(lines[t + 1], ==, row);
  }
  g_assert_true(g_str_has_prefix(lines[fx.T + 1], "gradient x input,"));
  g_assert_cmpint(coloured_pixels(), >, 500);
}

static void
test_scalp(void)
{
  g_autofree char *csv = run_csv("scalp");
  g_auto(GStrv) lines = g_strsplit(csv, "\n", -1);
  /* 2 subjects x 4 windows (0-700 ms all hold steps) x 16 channels. */
  g_assert_cmpint(g_strv_length(lines), ==, 2 * 4 * 16 + 2);
  g_assert_nonnull(strstr(gb_analysis_view_get_summary(fx.view), "Mean correlation"));
  g_assert_cmpint(coloured_pixels(), >, 1000);
}

/* One analysis run directly on a worker job, as the view runs it. */
typedef struct {
  const char *id;
  GbModelHandle *model;
  gboolean cancel_first; /* the job is cancelled before the analysis starts */
  gboolean ok;
  GbAnalysisResult out;
  GError *error;
} Direct;

static gboolean
direct_run(GbJob *job, gpointer data, GError **error)
{
  (void)error;
  Direct *d = data;
  if (d->cancel_first)
    g_cancellable_cancel(gb_job_get_cancellable(job));
  guint n;
  const GbAnalysis *a = gb_hidden_analyses(&n);
  for (guint i = 0; i < n; i++)
    if (strcmp(a[i].id, d->id) == 0) {
      GbAnalysisInput in = {.model = d->model, .data = fx.data, .input_index = -1};
      d->ok = a[i].run(job, &in, &d->out, &d->error);
    }
  return TRUE;
}

static void
direct(Direct *d)
{
  gb_worker_submit(fx.worker, "test", NULL, direct_run, d, NULL, NULL, NULL);
  g_assert_true(gb_worker_wait_idle(fx.worker, 60000));
}

static void
direct_clear(Direct *d)
{
  if (d->out.figure_free != NULL)
    d->out.figure_free(d->out.figure);
  g_free(d->out.summary);
  if (d->out.csv != NULL)
    g_string_free(d->out.csv, TRUE);
  g_clear_error(&d->error);
}

static void
test_evidence(void)
{
  /* The Elman RNN has no per-step evidence: the view shows no result, the run says why. */
  g_assert_true(gb_analysis_view_select(fx.view, "evidence"));
  gb_analysis_view_run(fx.view);
  g_assert_true(gb_worker_wait_idle(fx.worker, 60000));
  g_assert_null(gb_analysis_view_get_summary(fx.view));
  g_assert_false(gb_plot_view_export(gb_analysis_view_get_figure(fx.view), "/nonexistent.png",
                                     10, 10, NULL));
  Direct rnn = {.id = "evidence", .model = fx.model};
  direct(&rnn);
  g_assert_false(rnn.ok);
  g_assert_error(rnn.error, GB_ERROR, GB_ERR_INVALID);
  g_assert_nonnull(strstr(rnn.error->message, "no prm layer"));
  direct_clear(&rnn);

  /* The PRM-like model's evidence adds up to its logit. */
  g_autoptr(GError) error = NULL;
  g_autoptr(GbModelHandle) prm = gb_model_handle_new_default("p300-prm", &error);
  g_assert_no_error(error);
  Direct d = {.id = "evidence", .model = prm};
  direct(&d);
  g_assert_no_error(d.error);
  g_assert_true(d.ok);
  const char *gap = strstr(d.out.summary, "from the logit by ");
  g_assert_nonnull(gap);
  g_assert_cmpfloat(g_ascii_strtod(gap + strlen("from the logit by "), NULL), <, 1e-3);
  g_assert_cmpint((int)d.out.csv->len, >, 0);
  direct_clear(&d);
}

static void
test_cancel(void)
{
  Direct d = {.id = "probe", .model = fx.model, .cancel_first = TRUE};
  direct(&d);
  g_assert_false(d.ok);
  g_assert_error(d.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null(d.out.figure);
  g_assert_null(d.out.summary);
  direct_clear(&d);
}

int
main(int argc, char **argv)
{
  if (!gtk_init_check()) {
    printf("1..0 # SKIP no display\n");
    return 0;
  }
  g_test_init(&argc, &argv, NULL);
  fixture_init();
  g_test_add_func("/ui/hidden/probe", test_probe);
  g_test_add_func("/ui/hidden/raster", test_raster);
  g_test_add_func("/ui/hidden/pca", test_pca);
  g_test_add_func("/ui/hidden/kmeans", test_kmeans);
  g_test_add_func("/ui/hidden/relevance-time", test_relevance_time);
  g_test_add_func("/ui/hidden/scalp", test_scalp);
  g_test_add_func("/ui/hidden/evidence", test_evidence);
  g_test_add_func("/ui/hidden/cancel", test_cancel);
  return g_test_run();
}

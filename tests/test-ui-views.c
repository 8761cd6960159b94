/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The analysis views: faithfulness curves, sanity checks and training, built as real widgets
 * on a real worker, checked against the engine run directly, and their figures' pixels. */
#include "config.h"

#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gb-curves-view.h"
#include "gb-curves.h"
#include "gb-data-dir.h"
#include "gb-dataset.h"
#include "gb-eeg-sim.h"
#include "gb-model-file.h"
#include "gb-sanity-view.h"
#include "gb-sanity.h"
#include "gb-train-view.h"

#define TINY_ARCH "input(1,12,12), flatten, dense(24), relu, dense(10)"

/* A small problem and a model trained on it (shared by the curves and sanity tests). */
static GbDataset *fixture_data;
static GbModelHandle *fixture_model;

static void
fixture_init(void)
{
  if (fixture_model != NULL)
    return;
  GbError err = {0};
  fixture_data = gb_dataset_open("synthetic-images:240:12:3", &err);
  g_assert_nonnull(fixture_data);
  GbModel *m = NULL;
  g_assert_cmpint(gb_model_new_from_spec(TINY_ARCH, 5, &m, &err), ==, GB_OK);
  GbTrainConfig cfg;
  gb_train_config_init(&cfg);
  cfg.epochs = 8;
  cfg.batch_size = 32;
  cfg.val_fraction = 0;
  gb_optim_config_defaults(&cfg.optim, GB_OPTIM_ADAM);
  GbDataView v = gb_dataset_view(fixture_data);
  g_assert_cmpint(gb_train(m, &v, NULL, &cfg, NULL, &err), ==, GB_OK);
  fixture_model = gb_model_handle_new(m, "tiny", "tiny", NULL);
}

static void
iterate_for(guint ms)
{
  gint64 end = g_get_monotonic_time() + ms * 1000;
  while (g_get_monotonic_time() < end)
    g_main_context_iteration(NULL, FALSE);
}

/* A figure as the plot view exports it, read back. */
static cairo_surface_t *
render_plot(GbPlotView *plot, int w, int h)
{
  g_autofree char *dir = g_dir_make_tmp("gb-views-XXXXXX", NULL);
  g_autofree char *path = g_build_filename(dir, "figure.png", NULL);
  g_autoptr(GError) error = NULL;
  g_assert_true(gb_plot_view_export(plot, path, w, h, &error));
  g_assert_no_error(error);
  cairo_surface_t *s = cairo_image_surface_create_from_png(path);
  g_assert_cmpint(cairo_surface_status(s), ==, CAIRO_STATUS_SUCCESS);
  /* GB_TEST_KEEP_FIGURES=DIR keeps the figures for people to look at. */
  static int n_kept;
  const char *keep = g_getenv("GB_TEST_KEEP_FIGURES");
  if (keep != NULL) {
    g_autofree char *name = g_strdup_printf("%s/figure-%d.png", keep, n_kept++);
    cairo_surface_write_to_png(s, name);
  }
  g_unlink(path);
  g_rmdir(dir);
  return s;
}

/* Pixels within @tol of @rgb in each channel. */
static int
count_rgb(cairo_surface_t *s, unsigned rgb, int tol)
{
  cairo_surface_flush(s);
  const unsigned char *p = cairo_image_surface_get_data(s);
  int stride = cairo_image_surface_get_stride(s), count = 0;
  int r = (rgb >> 16) & 255, g = (rgb >> 8) & 255, b = rgb & 255;
  for (int y = 0; y < cairo_image_surface_get_height(s); y++)
    for (int x = 0; x < cairo_image_surface_get_width(s); x++) {
      guint32 px = *(const guint32 *)(p + y * stride + 4 * x);
      int pr = (px >> 16) & 255, pg = (px >> 8) & 255, pb = px & 255;
      count += abs(pr - r) <= tol && abs(pg - g) <= tol && abs(pb - b) <= tol;
    }
  return count;
}

/* Pixels of columns [x0, x1) whose channels differ by more than 60: coloured, not grey. */
static int
count_coloured(cairo_surface_t *s, int x0, int x1)
{
  cairo_surface_flush(s);
  const unsigned char *p = cairo_image_surface_get_data(s);
  int stride = cairo_image_surface_get_stride(s), count = 0;
  for (int y = 0; y < cairo_image_surface_get_height(s); y++)
    for (int x = x0; x < x1; x++) {
      guint32 px = *(const guint32 *)(p + y * stride + 4 * x);
      int r = (px >> 16) & 255, g = (px >> 8) & 255, b = px & 255;
      count += MAX(r, MAX(g, b)) - MIN(r, MIN(g, b)) > 60;
    }
  return count;
}

/* The widget as GTK draws it on screen, downloaded as 0xAARRGGBB pixels into a Cairo
 * image surface (free with cairo_surface_destroy). */
static cairo_surface_t *
snapshot_widget(GtkWidget *widget)
{
  int w = gtk_widget_get_width(widget), h = gtk_widget_get_height(widget);
  g_assert_cmpint(w, >, 0);
  GdkPaintable *paintable = gtk_widget_paintable_new(widget);
  GtkSnapshot *snapshot = gtk_snapshot_new();
  gdk_paintable_snapshot(paintable, snapshot, w, h);
  GskRenderNode *node = gtk_snapshot_free_to_node(snapshot);
  g_assert_nonnull(node);
  GskRenderer *renderer = gtk_native_get_renderer(gtk_widget_get_native(widget));
  GdkTexture *texture =
      gsk_renderer_render_texture(renderer, node, &GRAPHENE_RECT_INIT(0, 0, w, h));
  cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
  gdk_texture_download(texture, cairo_image_surface_get_data(s), cairo_image_surface_get_stride(s));
  cairo_surface_mark_dirty(s);
  g_object_unref(texture);
  gsk_render_node_unref(node);
  g_object_unref(paintable);
  return s;
}

/* ---- Curves ---- */

static GbFaithfulnessCurve
direct_curve(GbExplainBatchFn explain, int n)
{
  GbError err = {0};
  g_autoptr(GError) error = NULL;
  GbModel *m = gb_model_handle_dup_model(fixture_model, &error);
  GbFaithfulnessConfig cfg;
  gb_faithfulness_config_init(&cfg);
  cfg.explain = explain;
  GbDataView v = gb_dataset_view_range(fixture_data, 0, n);
  GbFaithfulnessCurve c;
  g_assert_cmpint(gb_faithfulness_curve(m, &v, &cfg, &c, &err), ==, GB_OK);
  gb_model_free(m);
  return c;
}

static GbCurvesView *
curves_view_new(GbWorker *worker, int n)
{
  GbCurvesView *view = GB_CURVES_VIEW(gb_curves_view_new());
  g_object_ref_sink(view);
  GbDataView v = gb_dataset_view(fixture_data);
  gb_curves_view_set_context(view, worker, fixture_model, &v, "synthetic");
  for (int m = 0; m < GB_CURVES_N_METHODS; m++)
    gb_curves_view_set_method_enabled(view, m, FALSE);
  gb_curves_view_set_n_samples(view, n);
  return view;
}

/* Reads the CSV's curve rows of @method into @y (explainer) and @r (random mean). */
static int
read_csv_curve(const char *path, const char *method, double *y, double *r)
{
  g_autofree char *text = NULL;
  g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  g_assert_cmpstr(lines[0], ==, "method,quantity,fraction,explainer,random_mean,random_sd,delta");
  g_autofree char *prefix = g_strdup_printf("\"%s\",curve,", method);
  int k = 0;
  for (int i = 1; lines[i] != NULL; i++) {
    if (!g_str_has_prefix(lines[i], prefix))
      continue;
    g_auto(GStrv) f = g_strsplit(lines[i] + strlen(prefix), ",", -1);
    y[k] = g_ascii_strtod(f[1], NULL);
    r[k] = g_ascii_strtod(f[2], NULL);
    k++;
  }
  return k;
}

static void
test_curves_match_engine(void)
{
  fixture_init();
  g_autoptr(GbWorker) worker = gb_worker_new();
  GbCurvesView *view = curves_view_new(worker, 60);
  gb_curves_view_set_method_enabled(view, GB_CURVES_METHOD_SALIENCY, TRUE);
  gb_curves_view_set_method_enabled(view, GB_CURVES_METHOD_GRAD_X_INPUT, TRUE);
  gb_curves_view_run(view);
  g_assert_true(gb_curves_view_is_running(view));
  g_assert_true(gb_worker_wait_idle(worker, 60000));
  g_assert_false(gb_curves_view_is_running(view));
  g_assert_cmpstr(gb_curves_view_get_status(view), !=, "Cancelled");

  GbFaithfulnessCurve sal = direct_curve(gb_explain_batch_saliency, 60);
  GbFaithfulnessCurve gxi = direct_curve(gb_explain_batch_grad_x_input, 60);
  const GbFaithfulnessCurve *vs = gb_curves_view_get_curve(view, GB_CURVES_METHOD_SALIENCY);
  const GbFaithfulnessCurve *vg = gb_curves_view_get_curve(view, GB_CURVES_METHOD_GRAD_X_INPUT);
  g_assert_nonnull(vs);
  g_assert_nonnull(vg);
  g_assert_null(gb_curves_view_get_curve(view, GB_CURVES_METHOD_INTEGRATED_GRADIENTS));
  g_assert_cmpint(vs->n_samples, ==, 60);
  g_assert_cmpint(vs->n_grid, ==, sal.n_grid);
  for (int k = 0; k < sal.n_grid; k++) {
    g_assert_cmpfloat(vs->explainer[k], ==, sal.explainer[k]);
    g_assert_cmpfloat(vs->random_mean[k], ==, sal.random_mean[k]);
    g_assert_cmpfloat(vg->explainer[k], ==, gxi.explainer[k]);
  }
  /* The keep curve ends at the full input: agreement 1. */
  g_assert_cmpfloat(vs->explainer[vs->n_grid - 1], ==, 1.0);

  /* The table: row 0 saliency, row 1 gradient x input; AUC as the engine computes it. */
  g_assert_cmpstr(gb_curves_view_get_table_text(view, 0, 0), ==,
                  gb_curves_method_title(GB_CURVES_METHOD_SALIENCY));
  char want[32];
  g_snprintf(want, sizeof want, "%.3f", gb_faithfulness_auc(sal.grid, sal.explainer, sal.n_grid));
  g_assert_cmpstr(gb_curves_view_get_table_text(view, 0, 1), ==, want);
  g_snprintf(want, sizeof want, "%.3f", gb_faithfulness_auc(gxi.grid, gxi.explainer, gxi.n_grid));
  g_assert_cmpstr(gb_curves_view_get_table_text(view, 1, 1), ==, want);
  GbEpcSummary epc;
  GbError err = {0};
  g_assert_cmpint(gb_epc_summarise(&sal, &epc, &err), ==, GB_OK);
  g_snprintf(want, sizeof want, "%.3f", epc.explainer.area);
  g_assert_cmpstr(gb_curves_view_get_table_text(view, 0, 6), ==, want);
  g_snprintf(want, sizeof want, "%+.3f", epc.delta_area);
  g_assert_cmpstr(gb_curves_view_get_table_text(view, 0, 7), ==, want);
  g_assert_cmpstr(gb_curves_view_get_table_text(view, 0, 4), ==, "—"); /* no AOPC for keep */
  g_assert_null(gb_curves_view_get_table_text(view, 2, 0));

  /* The CSV holds the same numbers. */
  g_autofree char *dir = g_dir_make_tmp("gb-views-XXXXXX", NULL);
  g_autofree char *csv = g_build_filename(dir, "curves.csv", NULL);
  g_autoptr(GError) error = NULL;
  g_assert_true(gb_curves_view_write_csv(view, csv, &error));
  double y[GB_FAITHFULNESS_MAX_GRID], r[GB_FAITHFULNESS_MAX_GRID];
  g_assert_cmpint(read_csv_curve(csv, gb_curves_method_title(GB_CURVES_METHOD_SALIENCY), y, r), ==,
                  sal.n_grid);
  for (int k = 0; k < sal.n_grid; k++) {
    g_assert_cmpfloat_with_epsilon(y[k], sal.explainer[k], 1e-8);
    g_assert_cmpfloat_with_epsilon(r[k], sal.random_mean[k], 1e-8);
  }
  g_autofree char *bad = g_build_filename(dir, "missing", "curves.csv", NULL);
  g_assert_false(gb_curves_view_write_csv(view, bad, &error));
  g_assert_nonnull(error);
  g_unlink(csv);
  g_rmdir(dir);

  /* Pixels: the random band (black at 20% over white), the dashed random mean and the
   * saliency curve (the first palette colour) are all drawn. */
  cairo_surface_t *s = render_plot(gb_curves_view_get_plot(view), 900, 560);
  int band = count_rgb(s, 0xcccccc, 3);
  int line = count_rgb(s, gb_curves_palette(GB_CURVES_METHOD_SALIENCY), 10);
  g_test_message("band pixels %d, saliency pixels %d", band, line);
  g_assert_cmpint(band, >, 200);
  g_assert_cmpint(line, >, 100);
  g_assert_null(gb_plot_view_get_error(gb_curves_view_get_plot(view)));
  cairo_surface_destroy(s);

  gb_faithfulness_curve_clear(&sal);
  gb_faithfulness_curve_clear(&gxi);
  g_object_unref(view);
}

/* The view in a window: the curves arrive and the plot on screen shows the random band, the
 * method's colour and the table's numbers. */
static void
test_curves_on_screen(void)
{
  fixture_init();
  g_autoptr(GbWorker) worker = gb_worker_new();
  GbCurvesView *view = curves_view_new(worker, 60);
  /* The window's way: a shared data handle (the same generated set again). */
  GbError err = {0};
  g_autoptr(GbDataHandle) data =
      gb_data_handle_new_digits(gb_dataset_open("synthetic-images:240:12:3", &err), "handle");
  gb_curves_view_set_context_from_handle(view, worker, fixture_model, data);
  gb_curves_view_set_method_enabled(view, GB_CURVES_METHOD_INTEGRATED_GRADIENTS, TRUE);
  GtkWidget *window = gtk_window_new();
  gtk_window_set_default_size(GTK_WINDOW(window), 1100, 760);
  gtk_window_set_child(GTK_WINDOW(window), GTK_WIDGET(view));
  gtk_window_present(GTK_WINDOW(window));
  GtkWidget *plot = GTK_WIDGET(gb_curves_view_get_plot(view));
  iterate_for(200);
  /* Before a run: only the placeholder, no band. */
  cairo_surface_t *s = snapshot_widget(plot);
  g_assert_cmpint(count_rgb(s, 0xcccccc, 3), <, 20);
  cairo_surface_destroy(s);

  gb_curves_view_run(view);
  g_assert_true(gb_worker_wait_idle(worker, 60000));
  iterate_for(100);
  s = snapshot_widget(plot);
  int band = count_rgb(s, 0xcccccc, 3);
  int line = count_rgb(s, gb_curves_palette(GB_CURVES_METHOD_INTEGRATED_GRADIENTS), 10);
  g_test_message("on screen: band %d, integrated gradients %d pixels", band, line);
  g_assert_cmpint(band, >, 200);
  g_assert_cmpint(line, >, 100);
  cairo_surface_destroy(s);
  g_assert_cmpstr(gb_curves_view_get_table_text(view, 0, 0), ==,
                  gb_curves_method_title(GB_CURVES_METHOD_INTEGRATED_GRADIENTS));
  g_assert_cmpint(gb_curves_view_get_curve(view, GB_CURVES_METHOD_INTEGRATED_GRADIENTS)->n_samples,
                  ==, 60);
  gtk_window_destroy(GTK_WINDOW(window));
  g_object_unref(view);
}

static void
test_curves_cancel_then_rerun(void)
{
  fixture_init();
  g_autoptr(GbWorker) worker = gb_worker_new();
  GbCurvesView *view = curves_view_new(worker, 240);
  gb_curves_view_set_method_enabled(view, GB_CURVES_METHOD_SALIENCY, TRUE);
  gb_curves_view_set_method_enabled(view, GB_CURVES_METHOD_OCCLUSION, TRUE);
  gb_curves_view_run(view);
  /* Wait for the first curve (drawn live), then cancel during the second. */
  gint64 end = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;
  while (gb_curves_view_get_curve(view, GB_CURVES_METHOD_SALIENCY) == NULL &&
         g_get_monotonic_time() < end)
    g_main_context_iteration(NULL, FALSE);
  g_assert_nonnull(gb_curves_view_get_curve(view, GB_CURVES_METHOD_SALIENCY));
  g_assert_true(gb_curves_view_is_running(view));
  gint64 t0 = g_get_monotonic_time();
  gb_curves_view_cancel(view);
  g_assert_true(gb_worker_wait_idle(worker, 5000));
  double stop_s = (g_get_monotonic_time() - t0) / 1e6;
  g_test_message("cancel took %.3f s", stop_s);
  g_assert_cmpfloat(stop_s, <, 2.0);
  g_assert_false(gb_curves_view_is_running(view));
  g_assert_cmpstr(gb_curves_view_get_status(view), ==, "Cancelled");
  g_assert_null(gb_curves_view_get_curve(view, GB_CURVES_METHOD_OCCLUSION));

  /* A second run completes. */
  gb_curves_view_set_method_enabled(view, GB_CURVES_METHOD_OCCLUSION, FALSE);
  gb_curves_view_set_n_samples(view, 40);
  gb_curves_view_set_mode(view, GB_FAITHFULNESS_MORF);
  gb_curves_view_run(view);
  g_assert_null(gb_curves_view_get_curve(view, GB_CURVES_METHOD_SALIENCY));
  g_assert_true(gb_worker_wait_idle(worker, 60000));
  const GbFaithfulnessCurve *c = gb_curves_view_get_curve(view, GB_CURVES_METHOD_SALIENCY);
  g_assert_nonnull(c);
  g_assert_cmpint(c->mode, ==, GB_FAITHFULNESS_MORF);
  g_assert_cmpint(c->n_samples, ==, 40);
  /* Deletion: AOPC is shown, EPC is not. */
  g_assert_cmpstr(gb_curves_view_get_table_text(view, 0, 4), !=, "—");
  g_assert_cmpstr(gb_curves_view_get_table_text(view, 0, 6), ==, "—");
  g_object_unref(view);
}

/* ---- Sanity ---- */

static void
test_sanity_randomisation(void)
{
  fixture_init();
  g_autoptr(GbWorker) worker = gb_worker_new();
  GbSanityView *view = GB_SANITY_VIEW(gb_sanity_view_new());
  g_object_ref_sink(view);
  gb_sanity_view_set_context(view, worker, fixture_model);
  const float *x = fixture_data->x->data; /* sample 0 */
  size_t d = 144;
  GbMethodConfig method = {.method = GB_METHOD_SALIENCY};
  GbTarget t = gb_target_class(fixture_data->labels[0]);
  gb_sanity_view_set_input(view, x, d, &t, &method);
  gb_sanity_view_run(view);
  g_assert_true(gb_worker_wait_idle(worker, 60000));
  g_assert_true(gb_sanity_view_is_complete(view));
  g_assert_cmpint(gb_sanity_view_get_n_steps(view), ==, 3); /* original + 2 dense layers */
  g_assert_cmpfloat(gb_sanity_view_get_similarity(view, 0), ==, 1.0);

  /* The same numbers as the engine run directly. */
  g_autoptr(GError) error = NULL;
  GbModel *m = gb_model_handle_dup_model(fixture_model, &error);
  GbSanityConfig cfg;
  gb_sanity_config_init(&cfg);
  cfg.explain = gb_explain_batch_saliency;
  GbRandomisationResult r;
  GbError err = {0};
  int cls = t.class_a;
  g_assert_cmpint(
      gb_sanity_model_randomisation(m, x, 1, &cls, GB_RANDOMISATION_CASCADING, &cfg, &r, &err), ==,
      GB_OK);
  g_assert_cmpint(r.n_steps, ==, 2);
  for (int k = 0; k < r.n_steps; k++)
    g_assert_cmpfloat(gb_sanity_view_get_similarity(view, k + 1), ==, r.similarity[k]);
  /* Randomising everything destroys the saliency map. */
  g_test_message("saliency: rho %.3f, %.3f", r.similarity[0], r.similarity[1]);
  g_assert_cmpfloat(gb_sanity_view_get_similarity(view, 2), <, 0.5);
  /* Step 0's map is the method's map of the trained model. */
  float map[144];
  g_assert_cmpint(gb_explain_batch_saliency(NULL, m, x, 1, &cls, map, &err), ==, GB_OK);
  const float *shown = gb_sanity_view_get_map(view, 0);
  for (size_t i = 0; i < d; i++)
    g_assert_cmpfloat_with_epsilon(shown[i], map[i], 1e-6);
  gb_randomisation_result_clear(&r);
  gb_model_free(m);

  /* Three coloured heat maps side by side, each filling most of its third. */
  cairo_surface_t *s = render_plot(gb_sanity_view_get_maps_plot(view), 900, 320);
  g_assert_null(gb_plot_view_get_error(gb_sanity_view_get_maps_plot(view)));
  for (int i = 0; i < 3; i++)
    g_assert_cmpint(count_coloured(s, i * 300, (i + 1) * 300), >, 300 * 320 / 2);
  cairo_surface_destroy(s);
  s = render_plot(gb_sanity_view_get_curve_plot(view), 500, 360);
  g_assert_cmpint(count_rgb(s, 0x0072b2, 10), >, 50);
  cairo_surface_destroy(s);

  /* A method through gb_explain: integrated gradients, the engine's numbers again. */
  GbMethodConfig ig;
  gb_method_config_init(&ig, GB_METHOD_INTEGRATED_GRADIENTS);
  ig.steps = 16;
  gb_sanity_view_set_input(view, x, d, &t, &ig);
  g_assert_cmpint(gb_sanity_view_get_n_steps(view), ==, 0);
  gb_sanity_view_run(view);
  g_assert_true(gb_worker_wait_idle(worker, 60000));
  g_assert_true(gb_sanity_view_is_complete(view));
  cfg.explain = gb_explain_batch_method;
  cfg.explain_user = &ig;
  m = gb_model_handle_dup_model(fixture_model, &error);
  g_assert_cmpint(
      gb_sanity_model_randomisation(m, x, 1, &cls, GB_RANDOMISATION_CASCADING, &cfg, &r, &err), ==,
      GB_OK);
  for (int k = 0; k < r.n_steps; k++)
    g_assert_cmpfloat(gb_sanity_view_get_similarity(view, k + 1), ==, r.similarity[k]);
  gb_randomisation_result_clear(&r);
  gb_model_free(m);

  /* A non-finite input: the engine's message, no crash, and the view stays usable. */
  float bad[144];
  memcpy(bad, x, sizeof bad);
  bad[7] = NAN;
  gb_sanity_view_set_input(view, bad, d, &t, &method);
  gb_sanity_view_run(view);
  g_assert_true(gb_worker_wait_idle(worker, 10000));
  g_test_message("NaN input: %s", gb_sanity_view_get_status(view));
  g_assert_nonnull(strstr(gb_sanity_view_get_status(view), "not finite"));
  g_assert_false(gb_sanity_view_is_running(view));
  g_object_unref(view);
}

static void
test_sanity_label_randomisation(void)
{
  fixture_init();
  g_autoptr(GbWorker) worker = gb_worker_new();
  GbSanityView *view = GB_SANITY_VIEW(gb_sanity_view_new());
  g_object_ref_sink(view);
  gb_sanity_view_set_context(view, worker, fixture_model);
  GbMethodConfig method = {.method = GB_METHOD_SALIENCY};
  GbTarget t = gb_target_class(fixture_data->labels[0]);
  gb_sanity_view_set_input(view, fixture_data->x->data, 144, &t, &method);
  GbDataView v = gb_dataset_view(fixture_data);
  gb_sanity_view_set_train_data(view, &v);
  g_assert_true(isnan(gb_sanity_view_get_label_similarity(view)));
  gb_sanity_view_run_label_randomisation(view);
  g_assert_true(gb_sanity_view_is_running(view));
  g_assert_true(gb_worker_wait_idle(worker, 60000));
  double rho = gb_sanity_view_get_label_similarity(view);
  g_test_message("label randomisation rho %.3f", rho);
  g_assert_true(isfinite(rho));
  /* The engine run directly with the settings the view documents (3 epochs of Adam, batch
   * 64, softmax cross-entropy, nothing held out) gives the same number. */
  g_autoptr(GError) error = NULL;
  GbModel *m = gb_model_handle_dup_model(fixture_model, &error);
  GbTrainConfig tcfg;
  gb_train_config_init(&tcfg);
  tcfg.epochs = 3;
  tcfg.batch_size = 64;
  gb_optim_config_defaults(&tcfg.optim, GB_OPTIM_ADAM);
  gb_loss_config_init(&tcfg.loss, GB_LOSS_SOFTMAX_CE);
  tcfg.val_fraction = 0;
  GbSanityConfig cfg;
  gb_sanity_config_init(&cfg);
  cfg.explain = gb_explain_batch_saliency;
  GbLabelRandomisation r;
  GbError err = {0};
  int cls = t.class_a;
  g_assert_cmpint(
      gb_sanity_label_randomisation(m, &v, &tcfg, fixture_data->x->data, 1, &cls, &cfg, &r, &err),
      ==, GB_OK);
  g_assert_cmpfloat(rho, ==, r.similarity);
  gb_model_free(m);
  /* The label-randomised model's map is drawn (alone: the layers were not randomised). */
  cairo_surface_t *s = render_plot(gb_sanity_view_get_maps_plot(view), 800, 800);
  g_assert_null(gb_plot_view_get_error(gb_sanity_view_get_maps_plot(view)));
  g_assert_cmpint(count_coloured(s, 0, 800), >, 800 * 800 / 3);
  cairo_surface_destroy(s);
  g_object_unref(view);
}

/* ---- Training ---- */

static gboolean
have_digits(void)
{
  GbError err = {0};
  GbDataset *ds = gb_dataset_open("mnist-test", &err);
  gb_dataset_free(ds);
  return ds != NULL;
}

static GtkWidget *
find_button(GtkWidget *w, const char *label)
{
  if (GTK_IS_BUTTON(w) && g_strcmp0(gtk_button_get_label(GTK_BUTTON(w)), label) == 0)
    return w;
  for (GtkWidget *c = gtk_widget_get_first_child(w); c; c = gtk_widget_get_next_sibling(c)) {
    GtkWidget *found = find_button(c, label);
    if (found)
      return found;
  }
  return NULL;
}

static void
test_train_bad_architecture(void)
{
  g_autoptr(GbWorker) worker = gb_worker_new();
  GbTrainView *view = GB_TRAIN_VIEW(gb_train_view_new());
  g_object_ref_sink(view);
  gb_train_view_set_worker(view, worker);
  GtkWidget *start = find_button(GTK_WIDGET(view), "_Start");
  g_assert_nonnull(start);
  g_assert_null(gb_train_view_get_architecture_error(view)); /* the digits MLP preset */
  g_assert_true(gtk_widget_get_sensitive(start));

  const char *bad = "input(1,28,28), flatten, dense(10";
  gb_train_view_set_architecture(view, bad);
  GbArch arch;
  GbError err = {0};
  g_assert_cmpint(gb_arch_parse(bad, &arch, &err), !=, GB_OK);
  g_assert_cmpstr(gb_train_view_get_architecture_error(view), ==, err.message);
  g_assert_false(gtk_widget_get_sensitive(start));
  g_assert_false(gb_train_view_can_start(view));
  g_assert_false(gb_train_view_start(view));

  gb_train_view_set_architecture(view, "input(1,28,28), flatten, dense(7)");
  g_assert_nonnull(strstr(gb_train_view_get_architecture_error(view), "7 outputs"));
  g_assert_false(gtk_widget_get_sensitive(start));
  gb_train_view_set_architecture(view, "input(1,20,20), flatten, dense(10)");
  g_assert_nonnull(strstr(gb_train_view_get_architecture_error(view), "400 input values"));
  gb_train_view_set_architecture(view, "input(1,28,28), flatten, dense(10)");
  g_assert_null(gb_train_view_get_architecture_error(view));
  g_assert_true(gtk_widget_get_sensitive(start));
  g_object_unref(view);
}

static void
model_trained_cb(GbTrainView *view, GbModelHandle *model, GbModelHandle **out)
{
  (void)view;
  g_set_object(out, model);
}

static gboolean
models_equal(GbModel *a, GbModel *b)
{
  g_autofree char *sa = gb_model_dup_spec(a), *sb = gb_model_dup_spec(b);
  if (g_strcmp0(sa, sb) != 0 || gb_model_buffer_len(a) != gb_model_buffer_len(b))
    return FALSE;
  return memcmp(gb_model_params(a), gb_model_params(b), gb_model_buffer_len(a) * sizeof(float)) ==
         0;
}

static void
test_train_epochs_and_save(void)
{
  if (!have_digits()) {
    g_test_skip("mnist-train is not fetched");
    return;
  }
  g_autoptr(GbWorker) worker = gb_worker_new();
  GbTrainView *view = GB_TRAIN_VIEW(gb_train_view_new());
  g_object_ref_sink(view);
  gb_train_view_set_worker(view, worker);
  gb_train_view_set_architecture(view, "input(1,28,28), flatten, dense(16), relu, dense(10)");
  gb_train_view_set_max_samples(view, 600);
  gb_train_view_set_epochs(view, 2);
  GbModelHandle *trained = NULL;
  g_signal_connect(view, "model-trained", G_CALLBACK(model_trained_cb), &trained);
  g_assert_true(gb_train_view_start(view));
  g_assert_false(gb_train_view_can_start(view));
  g_assert_true(gb_worker_wait_idle(worker, 120000));
  g_assert_false(gb_train_view_is_running(view));
  int n;
  const GbEpochStats *h = gb_train_view_get_history(view, &n);
  g_assert_cmpint(n, ==, 2);
  g_assert_cmpint(h[0].epoch, ==, 1);
  g_assert_cmpint(h[1].epoch, ==, 2);
  g_assert_true(isfinite(h[1].val_loss)); /* 10% held out for validation by default */
  g_assert_cmpfloat(h[1].train_loss, <, h[0].train_loss);
  g_assert_nonnull(trained);
  g_assert_true(trained == gb_train_view_get_model(view));
  double acc = gb_train_view_get_test_accuracy(view);
  g_test_message("test accuracy after 2 epochs on 600 digits: %.3f", acc);
  g_assert_cmpfloat(acc, >, 0.4); /* chance is 0.1 */
  g_assert_true(gb_train_view_can_start(view));

  /* The accuracy figure draws the training curve in blue and the test point in green. */
  cairo_surface_t *s = render_plot(gb_train_view_get_accuracy_plot(view), 600, 300);
  g_assert_cmpint(count_rgb(s, 0x0072b2, 10), >, 30);
  g_assert_cmpint(count_rgb(s, 0x009e73, 10), >, 10);
  cairo_surface_destroy(s);

  /* Save, and read back the same model. */
  g_autofree char *dir = g_dir_make_tmp("gb-views-XXXXXX", NULL);
  g_autofree char *path = g_build_filename(dir, "model.safetensors", NULL);
  g_autoptr(GError) error = NULL;
  g_assert_true(gb_train_view_save(view, path, &error));
  g_assert_no_error(error);
  GbModel *loaded = NULL;
  GbError err = {0};
  g_assert_cmpint(gb_model_load(path, &loaded, &err), ==, GB_OK);
  g_assert_true(models_equal(loaded, (GbModel *)gb_model_handle_get_model(trained)));
  g_assert_nonnull(gb_model_get_meta(loaded, "glassbox.eval.mnist-test.accuracy"));
  gb_model_free(loaded);

  /* A directory that does not exist: an error shown in the view. */
  g_autofree char *missing = g_build_filename(dir, "nope", "model.safetensors", NULL);
  g_assert_false(gb_train_view_save(view, missing, &error));
  g_assert_nonnull(error);
  g_assert_true(g_str_has_prefix(gb_train_view_get_status(view), "Not saved: "));
  g_clear_error(&error);

  /* A read-only directory: the error, and the previous file kept as it was. */
  g_autofree char *before = NULL;
  gsize before_len;
  g_assert_true(g_file_get_contents(path, &before, &before_len, NULL));
  g_assert_cmpint(chmod(dir, 0555), ==, 0);
  if (geteuid() != 0) {
    g_assert_false(gb_train_view_save(view, path, &error));
    g_assert_nonnull(error);
    g_assert_true(g_str_has_prefix(gb_train_view_get_status(view), "Not saved: "));
    g_autofree char *after = NULL;
    gsize after_len;
    g_assert_true(g_file_get_contents(path, &after, &after_len, NULL));
    g_assert_cmpuint(after_len, ==, before_len);
    g_assert_true(memcmp(after, before, before_len) == 0);
  } else {
    /* Root writes anyway: make the rename fail instead (the name is a non-empty directory). */
    g_autofree char *occupied = g_build_filename(dir, "taken.safetensors", NULL);
    g_autofree char *inside = g_build_filename(occupied, "keep", NULL);
    g_assert_cmpint(g_mkdir(occupied, 0755), ==, 0);
    g_assert_true(g_file_set_contents(inside, "x", 1, NULL));
    g_assert_false(gb_train_view_save(view, occupied, &error));
    g_assert_nonnull(error);
    g_assert_true(g_str_has_prefix(gb_train_view_get_status(view), "Not saved: "));
    g_assert_true(g_file_test(inside, G_FILE_TEST_IS_REGULAR));
    g_unlink(inside);
    g_rmdir(occupied);
  }
  chmod(dir, 0755);
  g_unlink(path);
  g_rmdir(dir);
  g_clear_object(&trained);
  g_object_unref(view);
}

static void
test_train_cancel(void)
{
  if (!have_digits()) {
    g_test_skip("mnist-train is not fetched");
    return;
  }
  g_autoptr(GbWorker) worker = gb_worker_new();
  GbTrainView *view = GB_TRAIN_VIEW(gb_train_view_new());
  g_object_ref_sink(view);
  gb_train_view_set_worker(view, worker);
  gb_train_view_set_epochs(view, 200);
  GtkWidget *start = find_button(GTK_WIDGET(view), "_Start");
  g_assert_true(gb_train_view_start(view));
  g_assert_false(gtk_widget_get_sensitive(start));
  /* Cancel during training proper: once the first epoch has arrived. */
  int n = 0;
  gint64 end = g_get_monotonic_time() + 60 * G_USEC_PER_SEC;
  while (n == 0 && g_get_monotonic_time() < end) {
    g_main_context_iteration(NULL, FALSE);
    gb_train_view_get_history(view, &n);
  }
  g_assert_cmpint(n, ==, 1);
  iterate_for(100);
  g_assert_true(gb_train_view_is_running(view));
  gint64 t0 = g_get_monotonic_time();
  gb_train_view_cancel(view);
  g_assert_true(gb_worker_wait_idle(worker, 5000));
  double stop_s = (g_get_monotonic_time() - t0) / 1e6;
  g_test_message("training stopped %.3f s after cancel", stop_s);
  g_assert_cmpfloat(stop_s, <, 0.5);
  g_assert_false(gb_train_view_is_running(view));
  g_assert_true(gtk_widget_get_sensitive(start));
  g_assert_cmpstr(gb_train_view_get_status(view), ==, "Training cancelled");
  g_assert_null(gb_train_view_get_model(view));
  g_object_unref(view);
}

static void
test_train_eeg(void)
{
  GbEegSimConfig sc;
  gb_eeg_sim_config_init(&sc);
  sc.n_subjects = 1;
  sc.n_characters = 3;
  sc.n_channels = 8;
  sc.srate = 64;
  GbEegSet *set = NULL;
  GbError err = {0};
  g_assert_cmpint(gb_eeg_sim_generate(&sc, &set, &err), ==, GB_OK);
  int n_times = set->n_times, n_trials = gb_dataset_size(set->data);
  g_autoptr(GbWorker) worker = gb_worker_new();
  GbTrainView *view = GB_TRAIN_VIEW(gb_train_view_new());
  g_object_ref_sink(view);
  gb_train_view_set_worker(view, worker);
  gb_train_view_set_eeg(view, set);
  gb_eeg_set_free(set); /* the view keeps its own copy */
  gb_train_view_set_data(view, GB_TRAIN_DATA_EEG);
  /* The digits preset does not fit the trials: the shape check says so. */
  g_assert_nonnull(gb_train_view_get_architecture_error(view));
  g_autofree char *arch = g_strdup_printf("input(%d,8), gru(8), dense(1)", n_times);
  gb_train_view_set_architecture(view, arch);
  g_assert_null(gb_train_view_get_architecture_error(view));
  gb_train_view_set_epochs(view, 2);
  g_assert_true(gb_train_view_start(view));
  g_assert_true(gb_worker_wait_idle(worker, 120000));
  int n;
  gb_train_view_get_history(view, &n);
  g_assert_cmpint(n, ==, 2);
  double acc = gb_train_view_get_test_accuracy(view);
  g_test_message("%d trials of %d x 8: test accuracy %.3f", n_trials, n_times, acc);
  g_assert_true(acc >= 0 && acc <= 1);
  g_assert_cmpint(gb_model_n_outputs(gb_model_handle_get_model(gb_train_view_get_model(view))), ==,
                  1);
  g_object_unref(view);
}

static void
test_train_divergence(void)
{
  if (!have_digits()) {
    g_test_skip("mnist-train is not fetched");
    return;
  }
  g_autoptr(GbWorker) worker = gb_worker_new();
  GbTrainView *view = GB_TRAIN_VIEW(gb_train_view_new());
  g_object_ref_sink(view);
  gb_train_view_set_worker(view, worker);
  gb_train_view_set_architecture(view, "input(1,28,28), flatten, dense(64), relu, dense(64), "
                                       "relu, dense(10)");
  gb_train_view_set_optimizer(view, GB_OPTIM_SGD);
  gb_train_view_set_learning_rate(view, 1e6);
  gb_train_view_set_max_samples(view, 600);
  gb_train_view_set_epochs(view, 3);
  g_assert_true(gb_train_view_start(view));
  g_assert_true(gb_worker_wait_idle(worker, 60000));
  const char *status = gb_train_view_get_status(view);
  g_test_message("%s", status);
  g_assert_nonnull(strstr(status, "diverged in epoch 1"));
  g_assert_null(gb_train_view_get_model(view));
  g_assert_true(gb_train_view_can_start(view));
  g_object_unref(view);
}

int
main(int argc, char **argv)
{
  if (!gtk_init_check()) {
    printf("1..0 # SKIP no display\n");
    return 0;
  }
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/ui/curves/match-engine", test_curves_match_engine);
  g_test_add_func("/ui/curves/cancel-then-rerun", test_curves_cancel_then_rerun);
  g_test_add_func("/ui/curves/on-screen", test_curves_on_screen);
  g_test_add_func("/ui/sanity/randomisation", test_sanity_randomisation);
  g_test_add_func("/ui/sanity/label-randomisation", test_sanity_label_randomisation);
  g_test_add_func("/ui/train/bad-architecture", test_train_bad_architecture);
  g_test_add_func("/ui/train/epochs-and-save", test_train_epochs_and_save);
  g_test_add_func("/ui/train/cancel", test_train_cancel);
  g_test_add_func("/ui/train/eeg", test_train_eeg);
  g_test_add_func("/ui/train/divergence", test_train_divergence);
  int status = g_test_run();
  g_clear_object(&fixture_model);
  gb_dataset_free(fixture_data);
  return status;
}

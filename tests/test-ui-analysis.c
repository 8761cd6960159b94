/* SPDX-License-Identifier: GPL-3.0-or-later */
/* GbAnalysisView: analyses offered by model kind, run in the background, figure, summary,
 * numbers and failures shown. */
#include "config.h"

#include <gtk/gtk.h>
#include <stdio.h>

#include "gb-analysis-view.h"
#include "gb-test-util.h"

static GbStatus
draw_square(void *user, cairo_t *cr, GbPlotRect area, GbError *err)
{
  (void)err;
  double *v = user;
  cairo_set_source_rgb(cr, *v, 0, 0);
  cairo_rectangle(cr, area.x, area.y, area.width, area.height);
  cairo_fill(cr);
  return GB_OK;
}

/* The mean of the data set's labels: the figure is red in proportion. */
static gboolean
run_mean_label(GbJob *job, const GbAnalysisInput *in, GbAnalysisResult *out, GError **error)
{
  (void)job;
  if (in->data == NULL) {
    g_set_error(error, GB_ERROR, GB_ERR_INVALID, "no data to average");
    return FALSE;
  }
  int n = gb_data_handle_get_size(in->data);
  double *mean = g_new0(double, 1);
  for (int i = 0; i < n; i++) *mean += gb_data_handle_get_label(in->data, i);
  *mean /= n;
  out->draw = draw_square;
  out->figure = mean;
  out->figure_free = g_free;
  out->summary = g_strdup_printf("mean label %.2f", *mean);
  out->csv = g_string_new("mean_label\n");
  g_string_append_printf(out->csv, "%.2f\n", *mean);
  return TRUE;
}

static const GbAnalysis analyses[] = {
    {"mean-label", "Mean label", "The labels' mean.", 1u << GB_MODEL_KIND_DIGITS, FALSE,
     run_mean_label},
    {"eeg-only", "EEG only", "Never offered for digits.", 1u << GB_MODEL_KIND_EEG, FALSE,
     run_mean_label},
};

static void
test_run_and_show(void)
{
  g_autoptr(GbWorker) worker = gb_worker_new();
  GbModel *m = gb_test_model_new("input(1,28,28), flatten, dense(10)", 1);
  g_autoptr(GbModelHandle) model = gb_model_handle_new(m, "test", "Test", NULL);
  GbError err;
  GbShape shape = gb_shape_make(3, (int[]){1, 28, 28});
  GbDataset *ds = gb_dataset_new("four", 4, &shape, 10, &err);
  for (int i = 0; i < 4; i++) ds->labels[i] = i; /* mean 1.5 */
  g_autoptr(GbDataHandle) data = gb_data_handle_new_digits(ds, NULL);

  GtkWidget *win = gtk_window_new();
  GbAnalysisView *view = GB_ANALYSIS_VIEW(gb_analysis_view_new(analyses, 2));
  gtk_window_set_child(GTK_WINDOW(win), GTK_WIDGET(view));
  gtk_window_set_default_size(GTK_WINDOW(win), 400, 300);
  gtk_window_present(GTK_WINDOW(win));
  gb_analysis_view_set_worker(view, worker);
  gb_analysis_view_set_model(view, model);
  g_assert_true(gb_analysis_view_select(view, "mean-label"));
  g_assert_false(gb_analysis_view_select(view, "eeg-only"));

  /* Without data the analysis fails: the message replaces the figure. */
  gb_analysis_view_run(view);
  g_assert_true(gb_worker_wait_idle(worker, 5000));
  g_assert_null(gb_analysis_view_get_summary(view));

  gb_analysis_view_set_data(view, data);
  gb_analysis_view_run(view);
  g_assert_true(gb_worker_wait_idle(worker, 5000));
  g_assert_cmpstr(gb_analysis_view_get_summary(view), ==, "mean label 1.50");
  g_autofree char *dir = g_dir_make_tmp("gb-analysis-XXXXXX", NULL);
  g_autofree char *csv = g_build_filename(dir, "numbers.csv", NULL);
  g_autofree char *png = g_build_filename(dir, "figure.png", NULL);
  g_assert_true(gb_analysis_view_write_csv(view, csv, NULL));
  g_autofree char *text = NULL;
  g_assert_true(g_file_get_contents(csv, &text, NULL, NULL));
  g_assert_cmpstr(text, ==, "mean_label\n1.50\n");
  /* The figure exports as drawn: red 1.5 clamps to full red. */
  g_assert_true(gb_plot_view_export(gb_analysis_view_get_figure(view), png, 20, 20, NULL));
  cairo_surface_t *s = cairo_image_surface_create_from_png(png);
  guint32 px = ((guint32 *)(void *)cairo_image_surface_get_data(s))[10 * 20 + 10];
  g_assert_cmphex(px & 0xffffff, ==, 0xff0000);
  cairo_surface_destroy(s);
  gb_test_remove_tree(dir);
  gtk_window_destroy(GTK_WINDOW(win));
}

int
main(int argc, char **argv)
{
  if (!gtk_init_check()) {
    printf("1..0 # SKIP no display\n");
    return 0;
  }
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/ui/analysis-view/run-and-show", test_run_and_show);
  return g_test_run();
}

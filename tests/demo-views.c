/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Shows the analysis views in a notebook with real data: the bundled digits-mlp model and the
 * mnist-test digits. Not a test: for people, and for the screenshots in docs/screenshots.
 *
 *   demo-views [--page curves|sanity|train] [--run] [--screenshot FILE]
 *
 * --run starts the page's computation; --screenshot saves the window once it has finished
 * and quits. */
#include "config.h"

#include <gtk/gtk.h>
#include <stdio.h>

#include "gb-curves-view.h"
#include "gb-dataset.h"
#include "gb-sanity-view.h"
#include "gb-train-view.h"

typedef struct {
  GbWorker *worker;
  GtkWidget *window, *notebook;
  GbCurvesView *curves;
  GbSanityView *sanity;
  GbTrainView *train;
  const char *screenshot;
  gboolean done;
} Demo;

static GbModelHandle *
load_model(void)
{
  g_autoptr(GError) error = NULL;
  GbModelHandle *h = gb_model_handle_new_default("digits-mlp", &error);
  if (h == NULL)
    g_printerr("digits-mlp: %s\n", error->message);
  return h;
}

static void
set_up_sanity(Demo *d, GbModelHandle *model, GbDataset *test, GbDataset *train)
{
  gb_sanity_view_set_context(d->sanity, d->worker, model);
  GbModel *m = gb_model_handle_dup_model(model, NULL);
  GbDataView v = gb_dataset_view_range(test, 0, 1);
  int pred = 0;
  gb_predict_classes(m, &v, &pred, NULL, NULL);
  gb_model_free(m);
  GbMethodConfig method;
  gb_method_config_init(&method, GB_METHOD_INTEGRATED_GRADIENTS);
  GbTarget t = gb_target_class(pred);
  gb_sanity_view_set_input(d->sanity, v.x, gb_shape_size(&v.shape), &t, &method);
  if (train != NULL) {
    GbDataView tv = gb_dataset_view(train);
    gb_sanity_view_set_train_data(d->sanity, &tv);
  }
}

static void
save_window(Demo *d)
{
  GdkPaintable *p = gtk_widget_paintable_new(d->window);
  int w = gtk_widget_get_width(d->window), h = gtk_widget_get_height(d->window);
  GtkSnapshot *s = gtk_snapshot_new();
  gdk_paintable_snapshot(p, s, w, h);
  GskRenderNode *node = gtk_snapshot_free_to_node(s);
  GskRenderer *r = gtk_native_get_renderer(GTK_NATIVE(d->window));
  GdkTexture *tex = gsk_renderer_render_texture(r, node, &GRAPHENE_RECT_INIT(0, 0, w, h));
  if (!gdk_texture_save_to_png(tex, d->screenshot))
    g_printerr("could not write %s\n", d->screenshot);
  g_object_unref(tex);
  gsk_render_node_unref(node);
  g_object_unref(p);
}

static gboolean
poll_cb(gpointer user)
{
  Demo *d = user;
  if (gb_worker_get_n_running(d->worker) > 0)
    return G_SOURCE_CONTINUE;
  if (d->screenshot != NULL)
    save_window(d);
  d->done = TRUE;
  return G_SOURCE_REMOVE;
}

static void
run_page(Demo *d, const char *page)
{
  if (g_strcmp0(page, "curves") == 0) {
    gb_curves_view_set_method_enabled(d->curves, GB_CURVES_METHOD_LRP_EPSILON, TRUE);
    gb_curves_view_run(d->curves);
  } else if (g_strcmp0(page, "sanity") == 0) {
    gb_sanity_view_set_absolute(d->sanity, FALSE);
    gb_sanity_view_run(d->sanity);
    gb_sanity_view_run_label_randomisation(d->sanity);
  } else {
    gb_train_view_set_epochs(d->train, 6);
    gb_train_view_start(d->train);
  }
}

static void
close_cb(GtkWindow *w, Demo *d)
{
  (void)w;
  d->done = TRUE;
}

int
main(int argc, char **argv)
{
  const char *page = "curves";
  gboolean run = FALSE;
  Demo d = {0};
  for (int i = 1; i < argc; i++) {
    if (g_strcmp0(argv[i], "--page") == 0 && i + 1 < argc)
      page = argv[++i];
    else if (g_strcmp0(argv[i], "--run") == 0)
      run = TRUE;
    else if (g_strcmp0(argv[i], "--screenshot") == 0 && i + 1 < argc)
      d.screenshot = argv[++i];
  }
  gtk_init();
  GbError err = {0};
  GbDataset *test = gb_dataset_open("mnist-test", &err);
  GbDataset *train = test ? gb_dataset_open("mnist-train", &err) : NULL;
  g_autoptr(GbModelHandle) model = load_model();
  if (test == NULL || train == NULL || model == NULL) {
    g_printerr("demo-views: %s\n", err.message);
    return 1;
  }
  d.worker = gb_worker_new();
  d.window = gtk_window_new();
  gtk_window_set_title(GTK_WINDOW(d.window), "Glassbox views");
  gtk_window_set_default_size(GTK_WINDOW(d.window), 1280, 800);
  d.notebook = gtk_notebook_new();
  d.curves = GB_CURVES_VIEW(gb_curves_view_new());
  d.sanity = GB_SANITY_VIEW(gb_sanity_view_new());
  d.train = GB_TRAIN_VIEW(gb_train_view_new());
  gtk_notebook_append_page(GTK_NOTEBOOK(d.notebook), GTK_WIDGET(d.curves),
                           gtk_label_new("Faithfulness curves"));
  gtk_notebook_append_page(GTK_NOTEBOOK(d.notebook), GTK_WIDGET(d.sanity),
                           gtk_label_new("Sanity checks"));
  gtk_notebook_append_page(GTK_NOTEBOOK(d.notebook), GTK_WIDGET(d.train),
                           gtk_label_new("Training"));
  gtk_window_set_child(GTK_WINDOW(d.window), d.notebook);

  GbDataView tv = gb_dataset_view(test);
  gb_curves_view_set_context(d.curves, d.worker, model, &tv, "mnist-test");
  set_up_sanity(&d, model, test, train);
  gb_train_view_set_worker(d.train, d.worker);
  int index = g_strcmp0(page, "sanity") == 0 ? 1 : g_strcmp0(page, "train") == 0 ? 2 : 0;
  gtk_notebook_set_current_page(GTK_NOTEBOOK(d.notebook), index);
  g_signal_connect(d.window, "destroy", G_CALLBACK(close_cb), &d);
  gtk_window_present(GTK_WINDOW(d.window));
  if (run)
    run_page(&d, page);
  if (d.screenshot != NULL)
    g_timeout_add(500, poll_cb, &d);
  while (!d.done)
    g_main_context_iteration(NULL, TRUE);
  if (d.screenshot != NULL)
    gtk_window_destroy(GTK_WINDOW(d.window));
  gb_worker_cancel_all(d.worker);
  gb_worker_wait_idle(d.worker, 5000);
  g_object_unref(d.worker);
  gb_dataset_free(test);
  gb_dataset_free(train);
  return 0;
}

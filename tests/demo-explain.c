/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Shows the explanation widgets on a mnist-test digit and the bundled digits CNN, to look at
 * them like a person (not a test):
 *   demo-explain explain|compare|shap|lrp [--index N] [--screenshot FILE]
 * With --screenshot the window is saved to FILE once its job is done, and the demo quits. */
#include "config.h"

#include <gtk/gtk.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb-compare-view.h"
#include "gb-dataset.h"
#include "gb-explanation-view.h"
#include "gb-lrp-compare-view.h"
#include "gb-probability-view.h"
#include "gb-shap-view.h"

typedef struct {
  GtkWidget *window;
  GbWorker *worker;
  const char *screenshot;
  float x[784];
  int label;
} Demo;

static gboolean
save_cb(gpointer user)
{
  Demo *d = user;
  GtkWidget *w = d->window;
  int W = gtk_widget_get_width(w), H = gtk_widget_get_height(w);
  GdkPaintable *p = gtk_widget_paintable_new(w);
  GtkSnapshot *s = gtk_snapshot_new();
  gdk_paintable_snapshot(p, s, W, H);
  GskRenderNode *node = gtk_snapshot_free_to_node(s);
  if (node == NULL) {
    g_object_unref(p);
    return G_SOURCE_CONTINUE; /* not drawn yet */
  }
  GskRenderer *r = gtk_native_get_renderer(GTK_NATIVE(w));
  GdkTexture *t = gsk_renderer_render_texture(r, node, &GRAPHENE_RECT_INIT(0, 0, W, H));
  if (!gdk_texture_save_to_png(t, d->screenshot))
    fprintf(stderr, "demo-explain: cannot write %s\n", d->screenshot);
  g_object_unref(t);
  gsk_render_node_unref(node);
  g_object_unref(p);
  gtk_window_destroy(GTK_WINDOW(w));
  return G_SOURCE_REMOVE;
}

/* After the views' jobs: give GTK time to lay out and draw, then save. */
static void
done_cb(gpointer instance, Demo *d)
{
  if (GB_IS_EXPLANATION_VIEW(instance))
    printf("%s\n", gb_explanation_view_get_diagnostics(GB_EXPLANATION_VIEW(instance)));
  if (d->screenshot != NULL)
    g_timeout_add(700, save_cb, d);
}

static GtkWidget *
explain_page(Demo *d, GbModelHandle *h, const GbShape *shape)
{
  GtkWidget *box = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *ev = gb_explanation_view_new();
  gtk_widget_set_hexpand(ev, TRUE);
  GbMethodConfig cfg;
  const char *method = g_getenv("GB_DEMO_METHOD"); /* any id of gb_method_config_init_from_id */
  if (!gb_method_config_init_from_id(&cfg, method != NULL ? method : "lrp-gamma-box"))
    gb_method_config_init_from_id(&cfg, "lrp-gamma-box");
  gb_explanation_view_set_model(GB_EXPLANATION_VIEW(ev), d->worker, h);
  gb_explanation_view_set_method(GB_EXPLANATION_VIEW(ev), &cfg);
  gb_explanation_view_set_input(GB_EXPLANATION_VIEW(ev), d->x, shape);
  GtkWidget *pv = gb_probability_view_new();
  gtk_widget_set_size_request(pv, 400, -1);
  gtk_widget_set_hexpand(pv, FALSE);
  gb_probability_view_set_model(GB_PROBABILITY_VIEW(pv), d->worker, h);
  gtk_box_append(GTK_BOX(box), ev);
  gtk_box_append(GTK_BOX(box), pv);
  g_signal_connect(ev, "explained", G_CALLBACK(done_cb), d);
  gb_probability_view_set_input(GB_PROBABILITY_VIEW(pv), d->x, shape);
  gb_explanation_view_run(GB_EXPLANATION_VIEW(ev));
  return box;
}

static GtkWidget *
compare_page(Demo *d, GbModelHandle *h, const GbShape *shape)
{
  GtkWidget *cv = gb_compare_view_new();
  gb_compare_view_set_model(GB_COMPARE_VIEW(cv), d->worker, h);
  gb_compare_view_set_input(GB_COMPARE_VIEW(cv), d->x, shape);
  const char *contrast = g_getenv("GB_DEMO_CONTRAST"); /* "A,B": why A and not B */
  int a, b;
  if (contrast != NULL && sscanf(contrast, "%d,%d", &a, &b) == 2)
    gb_compare_view_set_target(GB_COMPARE_VIEW(cv), gb_target_contrast(a, b));
  g_signal_connect(cv, "finished", G_CALLBACK(done_cb), d);
  gb_compare_view_run(GB_COMPARE_VIEW(cv));
  return cv;
}

static GtkWidget *
shap_page(Demo *d, GbModelHandle *h, const GbShape *shape)
{
  GtkWidget *sv = gb_shap_view_new();
  gb_shap_view_set_model(GB_SHAP_VIEW(sv), d->worker, h);
  gb_shap_view_set_input(GB_SHAP_VIEW(sv), d->x, shape);
  g_signal_connect(sv, "finished", G_CALLBACK(done_cb), d);
  gb_shap_view_run(GB_SHAP_VIEW(sv));
  return sv;
}

static GtkWidget *
lrp_page(Demo *d, GbModelHandle *h, const GbShape *shape)
{
  GtkWidget *lv = gb_lrp_compare_view_new();
  gb_lrp_compare_view_set_model(GB_LRP_COMPARE_VIEW(lv), d->worker, h);
  gb_lrp_compare_view_set_input(GB_LRP_COMPARE_VIEW(lv), d->x, shape);
  const char *eps = g_getenv("GB_DEMO_EPSILON");
  if (eps != NULL)
    gb_lrp_compare_view_set_rule(GB_LRP_COMPARE_VIEW(lv), GB_LRP_EPSILON, atof(eps));
  g_signal_connect(lv, "finished", G_CALLBACK(done_cb), d);
  gb_lrp_compare_view_run(GB_LRP_COMPARE_VIEW(lv));
  return lv;
}

static gboolean
load_digit(Demo *d, int index)
{
  GbError err = {0};
  GbDataset *ds = gb_dataset_open("mnist-test", &err);
  if (ds == NULL) {
    fprintf(stderr, "demo-explain: %s\n", err.message);
    return FALSE;
  }
  index = CLAMP(index, 0, gb_dataset_size(ds) - 1);
  memcpy(d->x, ds->x->data + (size_t)index * 784, sizeof d->x);
  d->label = ds->labels[index];
  gb_dataset_free(ds);
  return TRUE;
}

int
main(int argc, char **argv)
{
  const char *page = argc > 1 ? argv[1] : "explain";
  Demo d = {0};
  int index = 0;
  for (int i = 2; i < argc; i++) {
    if (g_strcmp0(argv[i], "--screenshot") == 0 && i + 1 < argc)
      d.screenshot = argv[++i];
    else if (g_strcmp0(argv[i], "--index") == 0 && i + 1 < argc)
      index = atoi(argv[++i]);
  }
  gtk_init();
  if (!load_digit(&d, index))
    return 1;
  g_autoptr(GError) error = NULL;
  g_autoptr(GbModelHandle) h = gb_model_handle_new_default("digits-cnn", &error);
  if (h == NULL) {
    fprintf(stderr, "demo-explain: %s\n", error->message);
    return 1;
  }
  d.worker = gb_worker_new();
  GbShape shape = gb_shape_3d(1, 28, 28);
  d.window = gtk_window_new();
  g_autofree char *title = g_strdup_printf("Glassbox demo: %s (mnist-test #%d, label %d)", page,
                                           index, d.label);
  gtk_window_set_title(GTK_WINDOW(d.window), title);
  gtk_window_set_default_size(GTK_WINDOW(d.window), 1280, 800);
  GtkWidget *content = g_str_equal(page, "compare") ? compare_page(&d, h, &shape)
                       : g_str_equal(page, "shap")  ? shap_page(&d, h, &shape)
                       : g_str_equal(page, "lrp")   ? lrp_page(&d, h, &shape)
                                                    : explain_page(&d, h, &shape);
  gtk_widget_set_margin_start(content, 12);
  gtk_widget_set_margin_end(content, 12);
  gtk_widget_set_margin_top(content, 12);
  gtk_widget_set_margin_bottom(content, 12);
  gtk_window_set_child(GTK_WINDOW(d.window), content);
  gtk_window_present(GTK_WINDOW(d.window));
  while (g_list_model_get_n_items(gtk_window_get_toplevels()) > 0)
    g_main_context_iteration(NULL, TRUE);
  g_object_unref(d.worker);
  return 0;
}

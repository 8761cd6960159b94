/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A window with the EEG view on simulated P300 trials and the default p300-lstm model, to look
 * at (not a test, not installed):
 *   demo-eeg [--recipe] [--method ID] [--trial N] [--later N] [--averages] [--screenshot PNG]
 * With --screenshot the window is rendered once every job is done, saved, and the demo quits. */
#include "config.h"

#include <gtk/gtk.h>
#include <stdio.h>

#include "gb-eeg-recipe.h"
#include "gb-eeg-view.h"
#include "gb-test-eeg.h"

typedef struct {
  GtkWidget *window;
  GbWorker *worker;
  const char *screenshot;
  GMainLoop *loop;
  int polls;
  int later_trial; /* selected once the window is up, to see the list scroll */
} Demo;

/* The held-out trials @model was scored on, regenerated from its recipe (32 training subjects
 * are simulated for the standardisation statistics: slow), or a small simulated set. */
static GbEegSet *
load_trials(GbModelHandle *model, gboolean recipe, GbError *err)
{
  if (!recipe)
    return gb_test_eeg_p300_set(2, 4, 1001, err);
  const char *text = gb_model_get_meta(gb_model_handle_get_model(model), "glassbox.data.recipe");
  GbEegRecipe r;
  GbEegSet *set = NULL;
  if (text == NULL) {
    gb_error_set(err, GB_ERR_INVALID, "the model has no data recipe");
    return NULL;
  }
  if (gb_eeg_recipe_parse(text, &r, err) != GB_OK
      || gb_eeg_recipe_make(&r, NULL, &set, NULL, NULL, err) != GB_OK)
    return NULL;
  return set;
}

static void
save_window(Demo *d)
{
  GdkPaintable *p = gtk_widget_paintable_new(d->window);
  int w = gtk_widget_get_width(d->window), h = gtk_widget_get_height(d->window);
  GtkSnapshot *snap = gtk_snapshot_new();
  gdk_paintable_snapshot(p, snap, w, h);
  GskRenderNode *node = gtk_snapshot_free_to_node(snap);
  GskRenderer *r = gtk_native_get_renderer(GTK_NATIVE(d->window));
  GdkTexture *tex = gsk_renderer_render_texture(r, node, &GRAPHENE_RECT_INIT(0, 0, w, h));
  if (!gdk_texture_save_to_png(tex, d->screenshot))
    fprintf(stderr, "demo-eeg: could not write %s\n", d->screenshot);
  g_object_unref(tex);
  gsk_render_node_unref(node);
  g_object_unref(p);
}

/* Polls until the jobs are done, lets the figures redraw, then saves the window. */
static gboolean
shot_cb(gpointer user)
{
  Demo *d = user;
  if (d->polls == 0 && d->later_trial > 0)
    gb_eeg_view_select_trial(GB_EEG_VIEW(gtk_window_get_child(GTK_WINDOW(d->window))),
                             d->later_trial - 1);
  if (gb_worker_get_n_running(d->worker) > 0 || ++d->polls < 10)
    return G_SOURCE_CONTINUE;
  save_window(d);
  g_main_loop_quit(d->loop);
  return G_SOURCE_REMOVE;
}

static gboolean
close_cb(GtkWindow *w, Demo *d)
{
  (void)w;
  g_main_loop_quit(d->loop);
  return FALSE;
}

int
main(int argc, char **argv)
{
  g_autofree char *method = NULL, *screenshot = NULL;
  int trial = 0, later = 0;
  gboolean averages = FALSE, recipe = FALSE;
  GOptionEntry entries[] = {
    { "method", 0, 0, G_OPTION_ARG_STRING, &method, "Explanation method id (lrp)", "ID" },
    { "trial", 0, 0, G_OPTION_ARG_INT, &trial, "Trial to select (1-based)", "N" },
    { "later", 0, 0, G_OPTION_ARG_INT, &later, "Select this trial once shown", "N" },
    { "recipe", 0, 0, G_OPTION_ARG_NONE, &recipe,
      "The model's own held-out trials from its recipe (slow) instead of a small set", NULL },
    { "averages", 0, 0, G_OPTION_ARG_NONE, &averages, "Show the class averages", NULL },
    { "screenshot", 0, 0, G_OPTION_ARG_FILENAME, &screenshot, "Save the window and quit", "PNG" },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
  };
  g_autoptr(GError) error = NULL;
  if (!gtk_init_check()) {
    fprintf(stderr, "demo-eeg: no display\n");
    return 1;
  }
  g_autoptr(GOptionContext) ctx = g_option_context_new(NULL);
  g_option_context_add_main_entries(ctx, entries, NULL);
  if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
    fprintf(stderr, "demo-eeg: %s\n", error->message);
    return 2;
  }
  g_autoptr(GbModelHandle) model = gb_model_handle_new_default("p300-lstm", &error);
  if (model == NULL) {
    fprintf(stderr, "demo-eeg: %s\n", error->message);
    return 1;
  }
  GbError err = { 0 };
  GbEegSet *set = load_trials(model, recipe, &err);
  if (set == NULL) {
    fprintf(stderr, "demo-eeg: %s\n", err.message);
    return 1;
  }
  Demo d = { .worker = gb_worker_new(), .screenshot = screenshot,
             .loop = g_main_loop_new(NULL, FALSE), .later_trial = later };
  d.window = gtk_window_new();
  gtk_window_set_title(GTK_WINDOW(d.window), "Glassbox EEG view");
  gtk_window_set_default_size(GTK_WINDOW(d.window), 1280, 800);
  GtkWidget *view = gb_eeg_view_new();
  gtk_window_set_child(GTK_WINDOW(d.window), view);
  GbMethodConfig cfg;
  int m = method ? gb_method_from_id(method) : GB_METHOD_LRP;
  gb_method_config_init(&cfg, m < 0 ? GB_METHOD_LRP : (GbMethod)m);
  gb_eeg_view_set_method(GB_EEG_VIEW(view), &cfg);
  gb_eeg_view_set_data(GB_EEG_VIEW(view), set);
  gb_eeg_view_set_model(GB_EEG_VIEW(view), d.worker, model);
  gb_eeg_view_select_trial(GB_EEG_VIEW(view), trial > 0 ? trial - 1 : 0);
  gb_eeg_view_set_time(GB_EEG_VIEW(view), 0.35);
  gb_eeg_view_set_show_averages(GB_EEG_VIEW(view), averages);
  g_signal_connect(d.window, "close-request", G_CALLBACK(close_cb), &d);
  gtk_window_present(GTK_WINDOW(d.window));
  if (screenshot)
    g_timeout_add(200, shot_cb, &d);
  g_main_loop_run(d.loop);
  gtk_window_destroy(GTK_WINDOW(d.window));
  gb_worker_wait_idle(d.worker, 5000);
  g_object_unref(d.worker);
  g_main_loop_unref(d.loop);
  return 0;
}

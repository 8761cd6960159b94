/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <gtk/gtk.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <glib/gstdio.h>

#include "gb-application.h"
#include "gb-test-snapshot.h"
#include "gb-test-util.h"
#include "gb-window-private.h"

/* Collects the text of every label under @w. */
static void
collect_labels(GtkWidget *w, GString *out)
{
  if (GTK_IS_LABEL(w)) {
    g_string_append(out, gtk_label_get_text(GTK_LABEL(w)));
    g_string_append_c(out, '\n');
  }
  for (GtkWidget *c = gtk_widget_get_first_child(w); c; c = gtk_widget_get_next_sibling(c))
    collect_labels(c, out);
}

static void
iterate(void)
{
  while (g_main_context_pending(NULL))
    g_main_context_iteration(NULL, FALSE);
}

static GbWindow *
window_new(GbApplication **app)
{
  *app = gb_application_new();
  g_assert_true(g_application_register(G_APPLICATION(*app), NULL, NULL));
  GbWindow *win = gb_window_new(*app);
  gtk_window_present(GTK_WINDOW(win));
  iterate();
  return win;
}

/* The window opens on the built-in models, says which kernels the engine uses, and lists the
 * digit models for the digits source. */
static void
test_window_opens(void)
{
  g_autoptr(GbApplication) app = NULL;
  GbWindow *win = window_new(&app);
  g_assert_cmpstr(gtk_window_get_title(GTK_WINDOW(win)), ==, "Glassbox");
  g_autoptr(GString) text = g_string_new(NULL);
  collect_labels(GTK_WIDGET(win), text);
  g_assert_nonnull(strstr(text->str, "OpenBLAS"));
  g_assert_nonnull(strstr(text->str, GB_VERSION));
  g_assert_cmpuint(g_list_model_get_n_items(G_LIST_MODEL(win->models)), ==, 5);
  g_assert_nonnull(win->model);
  g_assert_cmpint(gb_model_handle_get_kind(win->model), ==, GB_MODEL_KIND_DIGITS);
  g_assert_true(gtk_widget_get_mapped(GTK_WIDGET(win)));
  /* The sidebar lists the pages of the data source. */
  GtkStackPage *compare = gtk_stack_get_page(win->stack,
                                             gtk_stack_get_child_by_name(win->stack, "compare"));
  GtkStackPage *hidden = gtk_stack_get_page(win->stack,
                                            gtk_stack_get_child_by_name(win->stack, "hidden"));
  g_assert_true(gtk_stack_page_get_visible(compare));
  g_assert_false(gtk_stack_page_get_visible(hidden));
  gb_window_set_source(win, "eeg");
  g_assert_false(gtk_stack_page_get_visible(compare));
  g_assert_true(gtk_stack_page_get_visible(hidden));
  gtk_window_destroy(GTK_WINDOW(win));
}

/* Switching to EEG picks an EEG model and regenerates the held-out trials it was scored on from
 * the recipe it stores; a second window reads the same trials from the cache. */
static void
test_eeg_trials_from_recipe(void)
{
  g_autoptr(GbApplication) app = NULL;
  GbWindow *win = window_new(&app);
  gb_window_set_source(win, "eeg");
  g_assert_cmpint(gb_model_handle_get_kind(win->model), ==, GB_MODEL_KIND_EEG);
  g_assert_true(gb_worker_wait_idle(gb_window_get_worker(win), 100000));
  g_assert_nonnull(win->eeg);
  const GbEegSet *eeg = gb_data_handle_get_eeg(win->eeg);
  g_assert_cmpint(gb_data_handle_get_size(win->eeg), ==, 2400);
  g_assert_cmpint(eeg->n_times, ==, 26);
  g_assert_cmpint(eeg->n_channels, ==, 16);
  g_assert_cmpint(eeg->n_subjects, ==, 4);

  GbWindow *again = gb_window_new(app);
  gb_window_set_source(again, "eeg");
  g_assert_true(gb_worker_wait_idle(gb_window_get_worker(again), 100000));
  g_assert_nonnull(again->eeg);
  size_t n = (size_t)2400 * 26 * 16;
  g_assert_cmpmem(gb_data_handle_get_sample(again->eeg, 0), n * sizeof(float),
                  gb_data_handle_get_sample(win->eeg, 0), n * sizeof(float));
  gtk_window_destroy(GTK_WINDOW(again));
  gtk_window_destroy(GTK_WINDOW(win));
}

/* A digit is explained in the background; the map shown is gb_explain's for that digit, method
 * and the predicted class. */
static void
test_explains_a_digit(void)
{
  g_autoptr(GbApplication) app = NULL;
  GbWindow *win = window_new(&app);
  gb_window_set_source(win, "eeg"); /* the trials load in the background ... */
  float digit[784] = {0};
  for (int r = 6; r < 22; r++) digit[r * 28 + 14] = digit[r * 28 + 15] = 1; /* a "1" */
  g_assert_true(gb_window_open_model(win, "digits-mlp", NULL)); /* ... while we go on */
  g_assert_true(gb_window_set_method_id(win, "lrp-epsilon"));
  gb_window_set_digit(win, digit, -1);
  g_assert_true(gb_worker_wait_idle(gb_window_get_worker(win), 100000));
  g_assert_true(win->have_explanation);
  /* The trials arriving later did not take the window back to EEG. */
  g_assert_cmpstr(win->source, ==, "digits");
  g_assert_cmpstr(gb_model_handle_get_id(win->model), ==, "digits-mlp");

  GbModel *m = gb_model_handle_dup_model(win->model, NULL);
  float logits[10];
  g_assert_cmpint(gb_model_predict(m, digit, 1, logits, NULL, NULL, NULL), ==, GB_OK);
  int best = 0;
  for (int i = 1; i < 10; i++) best = logits[i] > logits[best] ? i : best;
  g_assert_cmpint(win->target.class_a, ==, best);
  /* The probabilities shown are the softmax of these logits, from the explanation's own run. */
  g_assert_cmpint(gb_probability_view_get_predicted(win->probability_view), ==, best);
  int n_p = 0;
  const float *p = gb_probability_view_get_probabilities(win->probability_view, &n_p);
  g_assert_cmpint(n_p, ==, 10);
  double z = 0;
  for (int i = 0; i < 10; i++) z += exp(logits[i] - logits[best]);
  g_assert_cmpfloat_with_epsilon(p[best], 1.0 / z, 1e-5);
  GbMethodConfig c;
  g_assert_true(gb_method_config_init_from_id(&c, "lrp-epsilon"));
  GbExplanation e;
  GbTarget t = gb_target_class(best);
  g_assert_cmpint(gb_explain(m, digit, 784, &t, &c, &e, NULL, NULL, NULL), ==, GB_OK);
  size_t n = 0;
  const float *shown = gb_explanation_view_get_map(win->explanation_view, &n);
  g_assert_cmpuint(n, ==, 784);
  g_assert_cmpmem(shown, 784 * sizeof(float), e.map.values, 784 * sizeof(float));
  gb_explanation_clear(&e);
  gb_model_free(m);
  gtk_window_destroy(GTK_WINDOW(win));
}

/* A stroke drawn on the window's canvas: the model sees the drawing after MNIST's
 * preprocessing, the explanation shown is gb_explain's for exactly that input, and the map is on
 * screen: its most relevant cell is drawn in the diverging map's red. Undo empties the canvas. */
static void
test_stroke_on_canvas(void)
{
  g_autoptr(GbApplication) app = NULL;
  GbWindow *win = window_new(&app);
  gtk_window_set_default_size(GTK_WINDOW(win), 1280, 800);
  g_assert_true(gb_window_open_model(win, "digits-cnn", NULL));
  g_assert_true(gb_window_set_method_id(win, "grad-x-input"));
  gb_test_spin(100);
  gb_drawing_canvas_clear(win->canvas);
  const double stroke[] = {0.5, 0.2, 0.5, 0.5, 0.5, 0.8}; /* a "1" */
  g_assert_true(gb_drawing_canvas_add_stroke(win->canvas, stroke, 3, FALSE));
  g_assert_true(gb_worker_wait_idle(gb_window_get_worker(win), 20000));
  gb_test_spin(100);
  g_assert_true(win->have_input);
  float want[784];
  g_assert_true(gb_drawing_canvas_get_input(win->canvas, want, NULL, NULL));
  g_assert_cmpmem(win->input, sizeof want, want, sizeof want);

  GbModel *m = gb_model_handle_dup_model(win->model, NULL);
  GbMethodConfig c;
  gb_method_config_init(&c, GB_METHOD_GRAD_X_INPUT);
  GbExplanation e;
  GbTarget t = gb_explanation_view_get_explained_target(win->explanation_view);
  g_assert_cmpint(gb_explain(m, want, 784, &t, &c, &e, NULL, NULL, NULL), ==, GB_OK);
  size_t n = 0;
  const float *shown = gb_explanation_view_get_map(win->explanation_view, &n);
  g_assert_cmpmem(shown, 784 * sizeof(float), e.map.values, 784 * sizeof(float));
  int best = 0;
  for (int i = 1; i < 784; i++) best = e.map.values[i] > e.map.values[best] ? i : best;
  graphene_rect_t cell;
  g_assert_true(gb_explanation_view_get_cell_rect(win->explanation_view, best / 28, best % 28,
                                                  &cell));
  GtkWidget *plot = GTK_WIDGET(gb_explanation_view_get_plot_view(win->explanation_view));
  g_autoptr(GdkTexture) tex = gb_test_render_widget(plot);
  g_assert_nonnull(tex);
  g_autofree guint32 *px = gb_test_texture_download(tex);
  int w = gdk_texture_get_width(tex);
  guint32 argb = px[(int)(cell.origin.y + cell.size.height / 2) * w +
                    (int)(cell.origin.x + cell.size.width / 2)];
  int r = (argb >> 16) & 0xff, g = (argb >> 8) & 0xff, b = argb & 0xff;
  g_test_message("most relevant cell %d drawn as #%02x%02x%02x", best, r, g, b);
  /* RdBu's dark red end (#67001f), under which the ink shows a little: red dominates. */
  g_assert_cmpint(r, >, 2 * g);
  g_assert_cmpint(2 * r, >, 3 * b);
  gb_explanation_clear(&e);
  gb_model_free(m);

  gb_drawing_canvas_undo(win->canvas);
  g_assert_false(win->have_input);
  gtk_window_destroy(GTK_WINDOW(win));
}

/* A session saved from one window reopens the same view in another: model, input, method and
 * its parameters, target, page; the same map. A session whose model checksum differs is refused
 * with a message, and the window keeps what it showed. */
static void
test_session_round_trip(void)
{
  g_autoptr(GbApplication) app = NULL;
  GbWindow *win = window_new(&app);
  if (win->digits == NULL) {
    g_test_skip("the digits are not fetched");
    gtk_window_destroy(GTK_WINDOW(win));
    return;
  }
  g_assert_true(gb_window_open_model(win, "digits-mlp", NULL));
  GbMethodConfig c;
  gb_method_config_init(&c, GB_METHOD_LRP);
  c.lrp_preset = GB_LRP_PRESET_EPSILON;
  c.lrp_epsilon = 0.37;
  gb_method_popover_set_config(win->method_popover, &c);
  g_assert_true(gb_window_pick_digit(win, 5, NULL));
  gtk_drop_down_set_selected(win->target_dropdown, 1 + 4); /* class 4 */
  g_assert_true(gb_window_set_view(win, "compare"));
  g_assert_true(gb_worker_wait_idle(gb_window_get_worker(win), 20000));
  size_t n = 0;
  g_autofree float *map = g_memdup2(gb_explanation_view_get_map(win->explanation_view, &n),
                                    784 * sizeof(float));
  g_autofree char *dir = g_dir_make_tmp("gb-session-XXXXXX", NULL);
  g_autofree char *path = g_build_filename(dir, "lesson.glassbox", NULL);
  g_autoptr(GError) error = NULL;
  gboolean saved = gb_window_save_session(win, path, &error);
  g_assert_no_error(error);
  g_assert_true(saved);

  GbWindow *again = gb_window_new(app);
  g_assert_true(gb_window_open_model(again, "digits-cnn", NULL));
  g_assert_true(gb_window_open_session(again, path, &error));
  g_assert_no_error(error);
  g_assert_true(gb_worker_wait_idle(gb_window_get_worker(again), 20000));
  g_assert_cmpstr(gb_model_handle_get_id(again->model), ==, "digits-mlp");
  g_assert_cmpint(again->digit_index, ==, 5);
  GbMethodConfig got;
  gb_method_popover_get_config(again->method_popover, &got);
  g_assert_cmpint(got.method, ==, GB_METHOD_LRP);
  g_assert_cmpint(got.lrp_preset, ==, GB_LRP_PRESET_EPSILON);
  g_assert_cmpfloat_with_epsilon(got.lrp_epsilon, 0.37, 1e-9);
  g_assert_cmpint(gb_explanation_view_get_explained_target(again->explanation_view).class_a, ==,
                  4);
  g_assert_cmpstr(gtk_stack_get_visible_child_name(again->stack), ==, "compare");
  g_assert_cmpmem(gb_explanation_view_get_map(again->explanation_view, &n), 784 * sizeof(float),
                  map, 784 * sizeof(float));

  /* Another model file under the session's model id: refused, nothing changes. */
  g_autofree char *text = NULL;
  g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
  const char *sum = gb_model_handle_get_checksum(win->model);
  char *at = strstr(text, sum);
  g_assert_nonnull(at);
  at[0] = at[0] == '0' ? '1' : '0';
  g_assert_true(g_file_set_contents(path, text, -1, NULL));
  g_assert_true(gb_window_open_model(again, "digits-cnn", NULL));
  g_assert_false(gb_window_open_session(again, path, &error));
  g_assert_nonnull(strstr(error->message, "checksum"));
  g_assert_nonnull(strstr(error->message, path));
  g_assert_cmpstr(gb_model_handle_get_id(again->model), ==, "digits-cnn");
  gb_test_remove_tree(dir);
  gtk_window_destroy(GTK_WINDOW(again));
  gtk_window_destroy(GTK_WINDOW(win));
}

/* A file that is not a model: a message naming it, and the current model stays. */
static void
test_bad_model_file(void)
{
  g_autoptr(GbApplication) app = NULL;
  GbWindow *win = window_new(&app);
  GbModelHandle *before = win->model;
  g_autofree char *path = g_build_filename(g_get_tmp_dir(), "gb-not-a-model.safetensors", NULL);
  g_assert_true(g_file_set_contents(path, "garbage", -1, NULL));
  g_autoptr(GError) error = NULL;
  g_assert_false(gb_window_open_model(win, path, &error));
  g_assert_nonnull(error);
  g_assert_nonnull(strstr(error->message, path));
  g_assert_true(win->model == before);
  g_unlink(path);
  gtk_window_destroy(GTK_WINDOW(win));
}

int
main(int argc, char **argv)
{
  /* The EEG cache of this run only (before GLib reads the variable). */
  g_autofree char *cache = g_dir_make_tmp("gb-test-app-XXXXXX", NULL);
  g_setenv("XDG_CACHE_HOME", cache, TRUE);
  if (!gtk_init_check()) {
    printf("1..0 # SKIP no display\n");
    return 0;
  }
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/app/window/opens", test_window_opens);
  g_test_add_func("/app/window/explains-a-digit", test_explains_a_digit);
  g_test_add_func("/app/window/eeg-trials-from-recipe", test_eeg_trials_from_recipe);
  g_test_add_func("/app/window/bad-model-file", test_bad_model_file);
  g_test_add_func("/app/window/stroke-on-canvas", test_stroke_on_canvas);
  g_test_add_func("/app/window/session-round-trip", test_session_round_trip);
  int status = g_test_run();
  gb_test_remove_tree(cache);
  return status;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <gtk/gtk.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <glib/gstdio.h>

#include "gb-application.h"
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
  /* Switching to EEG picks an EEG model. */
  gb_window_set_source(win, "eeg");
  g_assert_cmpint(gb_model_handle_get_kind(win->model), ==, GB_MODEL_KIND_EEG);
  gtk_window_destroy(GTK_WINDOW(win));
}

/* A digit is explained in the background; the map shown is gb_explain's for that digit, method
 * and the predicted class. */
static void
test_explains_a_digit(void)
{
  g_autoptr(GbApplication) app = NULL;
  GbWindow *win = window_new(&app);
  float digit[784] = {0};
  for (int r = 6; r < 22; r++) digit[r * 28 + 14] = digit[r * 28 + 15] = 1; /* a "1" */
  g_assert_true(gb_window_open_model(win, "digits-mlp", NULL));
  g_assert_true(gb_window_set_method_id(win, "lrp-epsilon"));
  gb_window_set_digit(win, digit, -1);
  g_assert_true(gb_worker_wait_idle(gb_window_get_worker(win), 20000));
  g_assert_true(win->have_explanation);

  GbModel *m = gb_model_handle_dup_model(win->model, NULL);
  float logits[10];
  g_assert_cmpint(gb_model_predict(m, digit, 1, logits, NULL, NULL, NULL), ==, GB_OK);
  int best = 0;
  for (int i = 1; i < 10; i++) best = logits[i] > logits[best] ? i : best;
  g_assert_cmpint(win->target.class_a, ==, best);
  GbMethodConfig c;
  g_assert_true(gb_method_config_init_from_id(&c, "lrp-epsilon"));
  GbExplanation e;
  GbTarget t = gb_target_class(best);
  g_assert_cmpint(gb_explain(m, digit, 784, &t, &c, &e, NULL, NULL, NULL), ==, GB_OK);
  g_assert_cmpmem(win->explanation.map.values, 784 * sizeof(float), e.map.values,
                  784 * sizeof(float));
  gb_explanation_clear(&e);
  gb_model_free(m);
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
  if (!gtk_init_check()) {
    printf("1..0 # SKIP no display\n");
    return 0;
  }
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/app/window/opens", test_window_opens);
  g_test_add_func("/app/window/explains-a-digit", test_explains_a_digit);
  g_test_add_func("/app/window/bad-model-file", test_bad_model_file);
  return g_test_run();
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <gtk/gtk.h>
#include <stdio.h>
#include <string.h>

#include "gb-application.h"
#include "gb-window.h"

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
test_window_shows_engine(void)
{
  g_autoptr(GbApplication) app = gb_application_new();
  g_assert_true(g_application_register(G_APPLICATION(app), NULL, NULL));
  GbWindow *win = gb_window_new(app);
  gtk_window_present(GTK_WINDOW(win));
  while (g_main_context_pending(NULL))
    g_main_context_iteration(NULL, FALSE);
  g_assert_cmpstr(gtk_window_get_title(GTK_WINDOW(win)), ==, "Glassbox");
  g_autoptr(GString) text = g_string_new(NULL);
  collect_labels(GTK_WIDGET(win), text);
  g_assert_nonnull(strstr(text->str, "OpenBLAS"));
  g_assert_nonnull(strstr(text->str, GB_VERSION));
  g_assert_true(gtk_widget_get_mapped(GTK_WIDGET(win)));
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
  g_test_add_func("/app/window/shows-engine", test_window_shows_engine);
  return g_test_run();
}

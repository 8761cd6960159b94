/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The app speaks Spanish with LANGUAGE=es (LANG=C.UTF-8, GB_LOCALEDIR=build/po, set by
 * tests/meson.build): its own catalogue, the windows built from C and from .ui files, and the
 * merged desktop and metainfo files. */
#include "config.h"

#include <glib/gi18n.h>
#include <gtk/gtk.h>
#include <stdio.h>
#include <string.h>

#include "gb-application.h"

static gboolean have_display;

static void
collect_text(GtkWidget *w, GString *out)
{
  if (GTK_IS_LABEL(w)) {
    g_string_append(out, gtk_label_get_text(GTK_LABEL(w)));
    g_string_append_c(out, '\n');
  }
  if (GTK_IS_SHORTCUTS_SHORTCUT(w) || GTK_IS_SHORTCUTS_GROUP(w)) {
    g_autofree char *title = NULL;
    g_object_get(w, "title", &title, NULL);
    g_string_append_printf(out, "%s\n", title);
  }
  for (GtkWidget *c = gtk_widget_get_first_child(w); c; c = gtk_widget_get_next_sibling(c))
    collect_text(c, out);
}

static void
assert_has(const char *text, const char *want)
{
  if (strstr(text, want) == NULL)
    g_error("\"%s\" not found in:\n%s", want, text);
}

static void
assert_lacks(const char *text, const char *english)
{
  if (strstr(text, english) != NULL)
    g_error("untranslated \"%s\" in:\n%s", english, text);
}

static void
test_catalogue(void)
{
  g_assert_cmpstr(_("Preferences"), ==, "Preferencias");
  g_assert_cmpstr(_("Lecture mode"), ==, "Modo clase");
  g_assert_cmpstr(ngettext("%d thread, OpenBLAS %s kernels", "%d threads, OpenBLAS %s kernels",
                           1),
                  ==, "%d hilo, núcleos %s de OpenBLAS");
  g_assert_cmpstr(ngettext("%d thread, OpenBLAS %s kernels", "%d threads, OpenBLAS %s kernels",
                           4),
                  ==, "%d hilos, núcleos %s de OpenBLAS");
}

static void
test_windows(void)
{
  if (!have_display) {
    g_test_skip("no display");
    return;
  }
  g_autoptr(GbApplication) app = gb_application_new();
  g_application_set_flags(G_APPLICATION(app), G_APPLICATION_NON_UNIQUE);
  g_assert_true(g_application_register(G_APPLICATION(app), NULL, NULL));

  GtkWindow *prefs = gb_application_show_preferences(app);
  g_autoptr(GString) text = g_string_new(gtk_window_get_title(prefs));
  collect_text(GTK_WIDGET(prefs), text);
  assert_has(text->str, "Preferencias");
  assert_has(text->str, "Mapas de calor");
  assert_has(text->str, "Relevancia con signo");
  assert_has(text->str, "Modo clase");
  assert_lacks(text->str, "Heatmaps");
  assert_lacks(text->str, "Appearance");
  gtk_window_destroy(prefs);

  GtkWindow *shortcuts = gb_application_show_shortcuts(app);
  g_string_truncate(text, 0);
  collect_text(GTK_WIDGET(shortcuts), text);
  assert_has(text->str, "Abrir datos");
  assert_has(text->str, "Goma de borrar");
  assert_has(text->str, "Cancelar el cálculo");
  assert_lacks(text->str, "Open data");
  gtk_window_destroy(shortcuts);

  GtkWindow *about = gb_application_show_about(app);
  assert_has(gtk_about_dialog_get_comments(GTK_ABOUT_DIALOG(about)), "red neuronal");
  gtk_window_destroy(about);
  while (g_main_context_pending(NULL))
    g_main_context_iteration(NULL, FALSE);
}

static char *
read_build_file(const char *name)
{
  g_autofree char *path = g_build_filename(g_getenv("GB_DATA_BUILD_DIR"), name, NULL);
  char *text = NULL;
  g_autoptr(GError) error = NULL;
  if (!g_file_get_contents(path, &text, NULL, &error))
    g_error("%s", error->message);
  return text;
}

static void
test_desktop_and_metainfo(void)
{
  g_autofree char *desktop = read_build_file(GB_APP_ID ".desktop");
  assert_has(desktop, "Comment[es]=Descubre qué rasgos llevaron a una red neuronal a decidir");
  assert_has(desktop, "Keywords[es]=explicabilidad;");
  g_autofree char *metainfo = read_build_file(GB_APP_ID ".metainfo.xml");
  assert_has(metainfo, "<summary xml:lang=\"es\">Descubre qué rasgos");
  assert_has(metainfo, "<li xml:lang=\"es\">Mapas de calor de relevancia");
}

int
main(int argc, char **argv)
{
  gb_application_setup_i18n();
  have_display = gtk_init_check();
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/i18n/catalogue", test_catalogue);
  g_test_add_func("/i18n/windows", test_windows);
  g_test_add_func("/i18n/desktop-and-metainfo", test_desktop_and_metainfo);
  return g_test_run();
}

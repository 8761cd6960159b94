/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Saves the about dialog, the shortcuts window and the preferences as PNG files, as they show
 * on screen (needs a display: run under xvfb-run). Not installed, not a test:
 *   gb-gnome-screenshots OUTDIR [--lecture] [--dark]
 * writes OUTDIR/about.png, shortcuts.png and preferences.png (with -lecture or -dark in the
 * name when asked). LANGUAGE=es GB_LOCALEDIR=build/po gives the Spanish windows. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "gb-application.h"
#include "gb-blas.h"
#include "gb-test-snapshot.h"

static gboolean
save_window(GtkWindow *win, const char *dir, const char *name, const char *suffix)
{
  for (int i = 0; i < 50 && !gtk_widget_get_mapped(GTK_WIDGET(win)); i++)
    gb_test_spin(20);
  gb_test_spin(300);
  g_autoptr(GdkTexture) tex = gb_test_render_widget(GTK_WIDGET(win));
  g_autofree char *file = g_strdup_printf("%s%s.png", name, suffix);
  g_autofree char *path = g_build_filename(dir, file, NULL);
  if (tex == NULL || !gdk_texture_save_to_png(tex, path)) {
    fprintf(stderr, "could not render %s\n", path);
    return FALSE;
  }
  printf("%s (%dx%d)\n", path, gdk_texture_get_width(tex), gdk_texture_get_height(tex));
  gtk_window_destroy(win);
  gb_test_spin(50);
  return TRUE;
}

int
main(int argc, char **argv)
{
  if (g_getenv("OPENBLAS_NUM_THREADS") == NULL) /* as main.c does */
    gb_blas_set_threads(1);
  gb_application_setup_i18n();
  if (argc < 2 || !gtk_init_check()) {
    fprintf(stderr, "usage: gb-gnome-screenshots OUTDIR [--lecture] [--dark] (needs a display)\n");
    return 2;
  }
  gboolean lecture = FALSE, dark = FALSE;
  for (int i = 2; i < argc; i++) {
    lecture |= strcmp(argv[i], "--lecture") == 0;
    dark |= strcmp(argv[i], "--dark") == 0;
  }
  g_autoptr(GbApplication) app = gb_application_new();
  g_application_register(G_APPLICATION(app), NULL, NULL);
  GSettings *settings = gb_application_get_settings(app);
  if (settings != NULL)
    g_settings_set_enum(settings, "style", dark ? 2 : 1);
  if (lecture)
    g_action_group_activate_action(G_ACTION_GROUP(app), "lecture-mode", NULL);
  const char *suffix = lecture ? "-lecture" : dark ? "-dark" : "";
  gboolean ok = save_window(gb_application_show_about(app), argv[1], "about", suffix);
  ok &= save_window(gb_application_show_shortcuts(app), argv[1], "shortcuts", suffix);
  ok &= save_window(gb_application_show_preferences(app), argv[1], "preferences", suffix);
  return ok ? 0 : 1;
}

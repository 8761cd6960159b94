/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define GB_TYPE_APPLICATION (gb_application_get_type())
G_DECLARE_FINAL_TYPE(GbApplication, gb_application, GB, APPLICATION, GtkApplication)

/* One keyboard shortcut of an action. Accelerators with a modifier (and function keys) are
 * application accelerators; plain keys (Delete, E, Escape) are handled only after the focused
 * widget declined them, so typing in an entry never triggers them. */
typedef struct {
  const char *action; /* "app.quit", "win.open-data", ... */
  const char *accel;  /* gtk_accelerator_parse syntax */
} GbAccel;

GbApplication *gb_application_new(void);

/* setlocale, and the message catalogue from $GB_LOCALEDIR (uninstalled runs: build/po) or the
 * install prefix. Call once, first thing in main(). */
void gb_application_setup_i18n(void);

/* The app's settings, or NULL when the schema org.glassbox.Glassbox is installed nowhere (the
 * app then runs without keeping any choice). Borrowed; valid after startup. */
GSettings *gb_application_get_settings(GbApplication *self);

/* Every shortcut the app defines, the window actions' included: the window (gb-window.c) only
 * has to add actions with these names. */
const GbAccel *gb_application_get_accels(guint *n_accels);

/* Opens (or raises) the dialogs behind app.about, app.shortcuts and app.preferences; they are
 * owned by the application (destroyed on close). Return the window, for tests. */
GtkWindow *gb_application_show_about(GbApplication *self);
GtkWindow *gb_application_show_shortcuts(GbApplication *self);
GtkWindow *gb_application_show_preferences(GbApplication *self);

/* How much larger text is in lecture mode (resources/style.css says the same). */
#define GB_LECTURE_SCALE 1.45

/* Whether @widget sits in a window in lecture mode: Cairo renderers should then scale their
 * fonts and line widths by GB_LECTURE_SCALE (GTK's own widgets follow the style sheet). */
gboolean gb_application_widget_in_lecture_mode(GtkWidget *widget);

G_END_DECLS

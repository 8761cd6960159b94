/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* The preferences: colour maps for signed and magnitude heatmaps, heatmap opacity, light or
 * dark style, lecture mode (through the app.lecture-mode action) and, read-only, the BLAS
 * threads. Every control is bound to @settings (schema org.glassbox.Glassbox); with @settings
 * NULL the window says that choices cannot be kept and only lecture mode works. Controls are
 * named (gtk_widget_get_name) after their keys: "signed-colormap", "magnitude-colormap",
 * "opacity", "style", "lecture-mode", "blas-threads". */
#define GB_TYPE_PREFERENCES_WINDOW (gb_preferences_window_get_type())
G_DECLARE_FINAL_TYPE(GbPreferencesWindow, gb_preferences_window, GB, PREFERENCES_WINDOW,
                     GtkWindow)

GtkWidget *gb_preferences_window_new(GSettings *settings);

G_END_DECLS

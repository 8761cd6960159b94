/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Small helpers shared by the analysis views (curves, sanity, training). */

/* Shows @fraction and "@stage, about 12 s left" (seconds_left < 0: unknown). */
void gb_view_util_progress_bar_set(GtkProgressBar *bar, double fraction, const char *stage,
                                   double seconds_left);
void gb_view_util_set_margins(GtkWidget *w, int margin);
/* Asks for a file to save to (GtkFileChooserNative, modal to @parent's window) and calls
 * @chosen(@owner, path) when the user accepts; nothing when cancelled or @owner is gone. */
void gb_view_util_choose_save_file(GtkWidget *parent, const char *title, const char *name,
                                   GObject *owner,
                                   void (*chosen)(GObject *owner, const char *path));
/* "12 s", "3 min 5 s". */
char *gb_view_util_format_seconds(double seconds);

G_END_DECLS

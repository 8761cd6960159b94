/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "gb-application.h"

G_BEGIN_DECLS

#define GB_TYPE_WINDOW (gb_window_get_type())
G_DECLARE_FINAL_TYPE(GbWindow, gb_window, GB, WINDOW, GtkApplicationWindow)

GbWindow *gb_window_new(GbApplication *app);

/* For the command line, scripts and tests. */
/* "explain", "compare", ...: the page's name; FALSE when there is none. */
gboolean gb_window_set_view(GbWindow *self, const char *name);
/* Selects an analysis of the Hidden states page by id ("probe", ...); FALSE when the current
 * model does not offer it. */
gboolean gb_window_select_analysis(GbWindow *self, const char *id);
/* Starts the visible view's computation, as Ctrl+Return does. */
void gb_window_run_view(GbWindow *self);
/* The same once every job under way (loading data, ...) is done. */
void gb_window_run_when_ready(GbWindow *self);
/* "digits" or "eeg". */
void gb_window_set_source(GbWindow *self, const char *source);
/* A model by built-in id or file path; FALSE with @error when it cannot be loaded. */
gboolean gb_window_open_model(GbWindow *self, const char *id_or_path, GError **error);
/* The method by id (as the CLI's --method: "lrp-epsilon", "ig", ...). */
gboolean gb_window_set_method_id(GbWindow *self, const char *id);
/* Sample @index of the digits data set. */
gboolean gb_window_pick_digit(GbWindow *self, int index, GError **error);
/* Selects the analysis @id on the visible analysis page (global views, hidden states); FALSE
 * when the page has no such analysis for the current model. */
gboolean gb_window_select_analysis(GbWindow *self, const char *id);
/* The background worker: tests wait on it. */
struct _GbWorker *gb_window_get_worker(GbWindow *self);
/* Sessions (src/io/gb-session.h): what the window shows, saved and reopened. Opening leaves the
 * window as it was when the session cannot be applied (missing model, other checksum, ...). */
gboolean gb_window_save_session(GbWindow *self, const char *path, GError **error);
gboolean gb_window_open_session(GbWindow *self, const char *path, GError **error);
/* Writes what the window shows to a PNG once every pending job is done; @done is then called
 * with the error or NULL. */
void gb_window_screenshot(GbWindow *self, const char *path,
                          void (*done)(GbWindow *self, const GError *error, gpointer user),
                          gpointer user);

G_END_DECLS

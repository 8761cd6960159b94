/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "gb-window.h"

G_BEGIN_DECLS

/* The command-line options that set up what the window shows, for scripts, slides and
 * screenshots: --view, --source, --model, --method, --digit and --screenshot FILE
 * (writes the window to a PNG once every job is done, then quits). */
void gb_app_options_add(GApplication *app);
/* From handle-local-options: keeps the options for the window; returns -1 (go on) or an exit
 * status when they are wrong. */
int gb_app_options_take(GApplication *app, GVariantDict *options);
/* After the window is created: applies the options kept by gb_app_options_take(). */
void gb_app_options_apply(GApplication *app, GbWindow *window);

/* 1 when --screenshot failed, else 0: main() returns it. */
int gb_app_options_exit_status(GApplication *app);

G_END_DECLS

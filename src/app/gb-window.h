/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "gb-application.h"

G_BEGIN_DECLS

#define GB_TYPE_WINDOW (gb_window_get_type())
G_DECLARE_FINAL_TYPE(GbWindow, gb_window, GB, WINDOW, GtkApplicationWindow)

GbWindow *gb_window_new(GbApplication *app);

G_END_DECLS

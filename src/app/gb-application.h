/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define GB_TYPE_APPLICATION (gb_application_get_type())
G_DECLARE_FINAL_TYPE(GbApplication, gb_application, GB, APPLICATION, GtkApplication)

GbApplication *gb_application_new(void);

G_END_DECLS

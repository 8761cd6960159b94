/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

/* The directory fetched data sets live in, outside the source tree: $GB_DATA_DIR if set, else
 * g_get_user_data_dir()/glassbox/data ($XDG_DATA_HOME/glassbox/data or
 * ~/.local/share/glassbox/data). Agrees with gb_dataset_default_data_dir(), which the GLib-free
 * data set layer uses. Free with g_free(). */
char *gb_data_dir_dup(void);

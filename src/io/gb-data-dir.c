/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-data-dir.h"

char *
gb_data_dir_dup(void)
{
  const char *dir = g_getenv("GB_DATA_DIR");
  if (dir != NULL && *dir)
    return g_strdup(dir);
  return g_build_filename(g_get_user_data_dir(), "glassbox", "data", NULL);
}

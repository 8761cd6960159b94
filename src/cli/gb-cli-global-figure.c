/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "gb-cli-global-private.h"
#include "gb-plot-export.h"

/* Files of glassbox-cli global: the figures of src/plot/gb-global-figures.h and CSV. */

int
gb_cli_global_write_grid(const char *path, GlobalPanel *panels, int n, int cols, int cell_w,
                         int cell_h)
{
  if (n < 1)
    return GB_EXIT_OK;
  cols = cols < n ? cols : n;
  GbGlobalGrid g = {panels, n, cols};
  int rows = (n + cols - 1) / cols;
  GbError err;
  if (gb_plot_export(path, cols * cell_w, rows * cell_h, gb_global_grid_draw, &g, &err) != GB_OK)
    return gb_cli_report(&err);
  printf("wrote %s\n", path);
  return GB_EXIT_OK;
}

int
gb_cli_global_write_csv(const char *path, const GString *csv)
{
  g_autoptr(GError) error = NULL;
  if (!g_file_set_contents(path, csv->str, (gssize)csv->len, &error)) {
    g_printerr("glassbox-cli: %s\n", error->message);
    return GB_EXIT_INPUT;
  }
  printf("wrote %s\n", path);
  return GB_EXIT_OK;
}

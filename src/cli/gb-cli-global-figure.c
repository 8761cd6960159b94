/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "gb-cli-global-private.h"
#include "gb-plot-export.h"

/* Figures of glassbox-cli global: grids of small heatmaps and bar charts, and CSV files. */

static void
display_size(const GbShape *s, int *h, int *w)
{
  if (s->ndim == 3)
    *h = s->dim[1], *w = s->dim[2];
  else if (s->ndim == 2)
    *h = s->dim[1], *w = s->dim[0]; /* channels as rows, time as columns */
  else
    *h = 1, *w = (int)gb_shape_size(s);
}

/* (input layout) -> (h, w): images summed over channels (@sum) or channel 0; EEG transposed. */
static float *
to_display(const GbShape *s, const float *v, bool sum)
{
  int h, w;
  display_size(s, &h, &w);
  float *out = g_new0(float, (size_t)h *w);
  if (s->ndim == 3) {
    size_t plane = (size_t)h * w;
    for (int c = 0; c < (sum ? s->dim[0] : 1); c++)
      for (size_t i = 0; i < plane; i++)
        out[i] += v[c * plane + i];
  } else if (s->ndim == 2) {
    for (int t = 0; t < w; t++)
      for (int c = 0; c < h; c++)
        out[(size_t)c * w + t] = v[(size_t)t * h + c];
  } else {
    memcpy(out, v, (size_t)w * sizeof(float));
  }
  return out;
}

void
gb_cli_global_panel_map(GlobalPanel *p, const GbShape *shape, const float *x, const float *map,
                        bool signed_map, const char *title)
{
  memset(p, 0, sizeof *p);
  int h, w;
  display_size(shape, &h, &w);
  g_strlcpy(p->title, title, sizeof p->title);
  bool image = shape->ndim == 3;
  if (x != NULL && image) {
    p->image = to_display(shape, x, false);
    for (int i = 0; i < h * w; i++)
      p->image[i] = p->image[i] < 0 ? 0 : p->image[i] > 1 ? 1 : p->image[i];
  } else if (x != NULL && map == NULL) {
    map = x; /* EEG or vectors: show the values themselves */
    signed_map = true;
  }
  if (map != NULL)
    p->relevance = to_display(shape, map, true);
  p->heat = (GbHeatmap){.image = p->image,
                        .relevance = p->relevance,
                        .height = h,
                        .width = w,
                        .invert_image = true,
                        .opacity = 0.75,
                        .colormap = signed_map ? GB_COLORMAP_DIVERGING : GB_COLORMAP_VIRIDIS,
                        .title = p->title,
                        .show_colorbar = p->relevance != NULL};
}

void
gb_cli_global_panel_clear(GlobalPanel *p)
{
  g_free(p->image);
  g_free(p->relevance);
  g_free(p->values);
  memset(p, 0, sizeof *p);
}

typedef struct {
  GlobalPanel *panels;
  int n, cols;
} Grid;

static GbStatus
draw_grid(void *user, cairo_t *cr, GbPlotRect area, GbError *err)
{
  Grid *g = user;
  int rows = (g->n + g->cols - 1) / g->cols;
  double cw = area.width / g->cols, ch = area.height / rows;
  for (int i = 0; i < g->n; i++) {
    GbPlotRect cell = {area.x + (i % g->cols) * cw + 4, area.y + (i / g->cols) * ch + 4, cw - 8,
                       ch - 8};
    GlobalPanel *p = &g->panels[i];
    GbStatus st = p->is_bar ? gb_barchart_draw(cr, &p->bar, cell, err)
                            : gb_heatmap_draw(cr, &p->heat, cell, err);
    if (st != GB_OK)
      return st;
  }
  return GB_OK;
}

int
gb_cli_global_write_grid(const char *path, GlobalPanel *panels, int n, int cols, int cell_w,
                         int cell_h)
{
  if (n < 1)
    return GB_EXIT_OK;
  cols = cols < n ? cols : n;
  Grid g = {panels, n, cols};
  int rows = (n + cols - 1) / cols;
  GbError err;
  if (gb_plot_export(path, cols * cell_w, rows * cell_h, draw_grid, &g, &err) != GB_OK)
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

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-global-figures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Figures of the global views: grids of small heatmaps and bar charts (moved from
 * glassbox-cli global so the application draws the same figures). */

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

/* (input layout) -> (h, w): images summed over channels (@sum) or channel 0; EEG transposed.
 * NULL when out of memory: the panel then shows nothing there. */
static float *
to_display(const GbShape *s, const float *v, bool sum)
{
  int h, w;
  display_size(s, &h, &w);
  float *out = calloc((size_t)h * w, sizeof(float));
  if (out == NULL)
    return NULL;
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

static void
set_title(GbGlobalPanel *p, const char *title)
{
  snprintf(p->title, sizeof p->title, "%s", title != NULL ? title : "");
}

void
gb_global_panel_map(GbGlobalPanel *p, const GbShape *shape, const float *x, const float *map,
                    bool signed_map, const char *title)
{
  memset(p, 0, sizeof *p);
  int h, w;
  display_size(shape, &h, &w);
  set_title(p, title);
  bool image = shape->ndim == 3;
  if (x != NULL && image) {
    p->image = to_display(shape, x, false);
    for (int i = 0; p->image != NULL && i < h * w; i++)
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

static void
panel_bars(GbGlobalPanel *p, const double *values, int n, int highlight, GbBarChartKind kind,
           const char *title, const char *label)
{
  memset(p, 0, sizeof *p);
  p->is_bar = true;
  set_title(p, title);
  p->values = malloc((size_t)(n > 0 ? n : 1) * sizeof(float));
  for (int i = 0; p->values != NULL && i < n; i++)
    p->values[i] = (float)values[i];
  p->bar = (GbBarChart){.kind = kind,
                        .orientation = GB_BARCHART_VERTICAL,
                        .values = p->values,
                        .n = n,
                        .highlight = highlight,
                        .title = p->title,
                        .axis_label = label};
}

void
gb_global_panel_probabilities(GbGlobalPanel *p, const double *prob, int n, int highlight,
                              const char *title)
{
  panel_bars(p, prob, n, highlight, GB_BARCHART_PROBABILITY, title, "probability");
}

void
gb_global_panel_importance(GbGlobalPanel *p, const GbShape *shape, const GbSegments *seg,
                           const double *values, const char *title, const char *label)
{
  if (shape->ndim == 1) {
    panel_bars(p, values, seg->n_segments, -1, GB_BARCHART_SIGNED, title, label);
    return;
  }
  float *map = malloc(seg->n * sizeof(float));
  if (map != NULL)
    gb_segments_expand(seg, values, GB_EXPAND_ASSIGN, map);
  gb_global_panel_map(p, shape, NULL, map, false, title);
  p->heat.colorbar_label = label;
  free(map);
}

void
gb_global_panel_clear(GbGlobalPanel *p)
{
  free(p->image);
  free(p->relevance);
  free(p->values);
  memset(p, 0, sizeof *p);
}

GbGlobalGrid *
gb_global_grid_new(int n, int cols)
{
  GbGlobalGrid *g = calloc(1, sizeof *g);
  if (g == NULL)
    return NULL;
  g->panels = calloc((size_t)(n > 0 ? n : 1), sizeof *g->panels);
  if (g->panels == NULL) {
    free(g);
    return NULL;
  }
  g->n = n > 0 ? n : 0;
  g->cols = cols < 1 ? 1 : cols > g->n && g->n > 0 ? g->n : cols;
  return g;
}

void
gb_global_grid_free(GbGlobalGrid *g)
{
  if (g == NULL)
    return;
  for (int i = 0; i < g->n; i++)
    gb_global_panel_clear(&g->panels[i]);
  free(g->panels);
  free(g);
}

GbStatus
gb_global_panels_draw(const GbGlobalPanel *panels, int n, int cols, cairo_t *cr, GbPlotRect area,
                      GbError *err)
{
  if (n < 1)
    return gb_error_set(err, GB_ERR_INVALID, "a grid of figures needs at least one panel");
  cols = cols < 1 ? 1 : cols > n ? n : cols;
  int rows = (n + cols - 1) / cols;
  double cw = area.width / cols, ch = area.height / rows;
  for (int i = 0; i < n; i++) {
    GbPlotRect cell = {area.x + (i % cols) * cw + 4, area.y + (i / cols) * ch + 4, cw - 8, ch - 8};
    const GbGlobalPanel *p = &panels[i];
    GbStatus st = p->is_bar ? gb_barchart_draw(cr, &p->bar, cell, err)
                            : gb_heatmap_draw(cr, &p->heat, cell, err);
    if (st != GB_OK)
      return st;
  }
  return GB_OK;
}

GbStatus
gb_global_grid_draw(void *user, cairo_t *cr, GbPlotRect area, GbError *err)
{
  const GbGlobalGrid *g = user;
  return gb_global_panels_draw(g->panels, g->n, g->cols, cr, area, err);
}

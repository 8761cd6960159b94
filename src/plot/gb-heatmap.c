/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-heatmap.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "gb-plot-private.h"

/* Cairo image surfaces are limited to 32767 pixels a side. */
#define MAX_SIDE 32767

static void
heatmap_scale(const GbHeatmap *h, double *lo, double *hi)
{
  size_t n = h->relevance ? (size_t)h->height * (size_t)h->width : 0;
  if (h->colormap == GB_COLORMAP_DIVERGING) {
    double m = h->scale_max > 0.0 ? h->scale_max : gb_colormap_max_abs(h->relevance, n);
    *lo = -m;
    *hi = m;
  } else if (h->scale_max > 0.0) {
    *lo = 0.0;
    *hi = h->scale_max;
  } else {
    gb_colormap_range(h->relevance, n, lo, hi);
  }
}

GbRgb
gb_heatmap_value_rgb(const GbHeatmap *h, double lo, double hi, double v)
{
  return gb_plot_value_rgb(h->colormap, lo, hi, v);
}

void
gb_heatmap_layout(const GbHeatmap *h, GbPlotRect area, GbHeatmapLayout *out)
{
  memset(out, 0, sizeof *out);
  double fs = fmin(fmax(fmin(area.width, area.height) * 0.045, 9.0), 16.0);
  out->font_size = fs;
  GbPlotRect body = area;
  if (h->title) {
    out->title = (GbPlotRect){ area.x, area.y, area.width, 1.8 * fs };
    body.y += out->title.height;
    body.height -= out->title.height;
  }
  double bar_space = 0.0, bar_w = 0.0;
  if (h->show_colorbar && h->relevance) {
    /* strip + gap + tick labels (about 6 characters) + gap */
    bar_w = fmax(8.0, 0.05 * body.width);
    bar_space = 0.6 * fs + bar_w + 0.4 * fs + 3.6 * fs + 0.4 * fs;
  }
  double pad = 0.3 * fs;
  double room_w = fmax(body.width - bar_space - 2 * pad, 1.0);
  double room_h = fmax(body.height - 2 * pad - (h->colorbar_label ? 1.6 * fs : 0.0), 1.0);
  double cell = fmin(room_w / h->width, room_h / h->height);
  double iw = cell * h->width, ih = cell * h->height;
  double x0 = body.x + pad + (room_w - iw) / 2.0;
  out->image = (GbPlotRect){ x0, body.y + pad, iw, ih };
  if (bar_space > 0.0)
    out->colorbar = (GbPlotRect){ x0 + iw + 0.6 * fs, body.y + pad, bar_w, ih };
  heatmap_scale(h, &out->lo, &out->hi);
}

/* The colour shown for cell @i: the input's gray with the relevance colour over it at
 * @alpha (Cairo's OVER, done here so raster and vector output agree), or the relevance colour
 * alone. False for a cell left transparent (no image and a non-finite value). */
static bool
cell_rgb(const GbHeatmap *h, const GbHeatmapLayout *l, size_t i, double alpha, GbRgb *out)
{
  bool have_rel = h->relevance && isfinite(h->relevance[i]);
  GbRgb rel = have_rel ? gb_heatmap_value_rgb(h, l->lo, l->hi, h->relevance[i]) : (GbRgb){ 0 };
  if (h->image == NULL) {
    *out = rel;
    return have_rel;
  }
  double g = isfinite(h->image[i]) ? fmin(fmax(h->image[i], 0.0), 1.0) : 0.0;
  g = h->invert_image ? 1.0 - g : g;
  double a = have_rel ? alpha : 0.0;
  *out = (GbRgb){ g + a * (rel.r - g), g + a * (rel.g - g), g + a * (rel.b - g) };
  return true;
}

/* One ARGB32 pixel per cell; Cairo stores opaque pixels as native-endian 0xAARRGGBB words. */
static uint32_t
argb(GbRgb c)
{
  return 0xffu << 24 | (uint32_t)lround(c.r * 255.0) << 16 | (uint32_t)lround(c.g * 255.0) << 8
         | (uint32_t)lround(c.b * 255.0);
}

static cairo_surface_t *
cells_surface(const GbHeatmap *h, const GbHeatmapLayout *l, double alpha)
{
  cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, h->width, h->height);
  if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS)
    return s;
  cairo_surface_flush(s);
  unsigned char *data = cairo_image_surface_get_data(s);
  int stride = cairo_image_surface_get_stride(s);
  for (int r = 0; r < h->height; r++) {
    uint32_t *row = (uint32_t *)(void *)(data + (size_t)r * stride);
    for (int c = 0; c < h->width; c++) {
      GbRgb rgb;
      row[c] = cell_rgb(h, l, (size_t)r * h->width + c, alpha, &rgb) ? argb(rgb) : 0;
    }
  }
  cairo_surface_mark_dirty(s);
  return s;
}

/* Raster targets: the cells as an image scaled with nearest-neighbour filtering. */
static GbStatus
paint_cells_raster(cairo_t *cr, const GbHeatmap *h, const GbHeatmapLayout *l, double alpha,
                   GbError *err)
{
  cairo_surface_t *s = cells_surface(h, l, alpha);
  cairo_status_t st = cairo_surface_status(s);
  if (st == CAIRO_STATUS_SUCCESS) {
    GbPlotRect rect = l->image;
    cairo_save(cr);
    cairo_rectangle(cr, rect.x, rect.y, rect.width, rect.height);
    cairo_clip(cr);
    cairo_translate(cr, rect.x, rect.y);
    cairo_scale(cr, rect.width / h->width, rect.height / h->height);
    cairo_set_source_surface(cr, s, 0, 0);
    cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST);
    cairo_pattern_set_extend(cairo_get_source(cr), CAIRO_EXTEND_PAD);
    cairo_paint(cr);
    cairo_restore(cr);
  }
  cairo_surface_destroy(s);
  if (st != CAIRO_STATUS_SUCCESS)
    return gb_error_set(err, GB_ERR_NOMEM, "heatmap: %dx%d cell surface: %s", h->height,
                        h->width, cairo_status_to_string(st));
  return GB_OK;
}

/* Vector targets (SVG, PDF, recordings): one rectangle per cell. SVG viewers smooth embedded
 * images (Cairo 1.16 writes no image-rendering hint), which would blur a 28x28 input. Each cell
 * reaches one device unit into its right and bottom neighbours, which are drawn after it: an
 * antialiased edge then blends two cell colours instead of letting the background through.
 * Cells are opaque, so the overlap changes no colour. */
static void
paint_cells_vector(cairo_t *cr, const GbHeatmap *h, const GbHeatmapLayout *l, double alpha)
{
  double cw = l->image.width / h->width, ch = l->image.height / h->height;
  double ox = 1.0, oy = 1.0;
  cairo_device_to_user_distance(cr, &ox, &oy);
  ox = fabs(ox);
  oy = fabs(oy);
  cairo_save(cr);
  cairo_rectangle(cr, l->image.x, l->image.y, l->image.width, l->image.height);
  cairo_clip(cr);
  for (int r = 0; r < h->height; r++)
    for (int c = 0; c < h->width; c++) {
      GbRgb rgb;
      if (!cell_rgb(h, l, (size_t)r * h->width + c, alpha, &rgb))
        continue;
      gb_plot_set_rgb(cr, rgb);
      cairo_rectangle(cr, l->image.x + c * cw, l->image.y + r * ch, cw + ox, ch + oy);
      cairo_fill(cr);
    }
  cairo_restore(cr);
}

static GbStatus
heatmap_check(const GbHeatmap *h, GbError *err)
{
  if (h->image == NULL && h->relevance == NULL)
    return gb_error_set(err, GB_ERR_INVALID, "heatmap: neither an image nor a relevance map");
  if (h->height <= 0 || h->width <= 0 || h->height > MAX_SIDE || h->width > MAX_SIDE)
    return gb_error_set(err, GB_ERR_SHAPE, "heatmap: %dx%d cells, expected 1 to %d a side",
                        h->height, h->width, MAX_SIDE);
  return GB_OK;
}

GbStatus
gb_heatmap_draw(cairo_t *cr, const GbHeatmap *h, GbPlotRect area, GbError *err)
{
  GbStatus s = heatmap_check(h, err);
  if (s != GB_OK)
    return s;
  GbHeatmapLayout l;
  gb_heatmap_layout(h, area, &l);
  cairo_save(cr);
  double alpha = h->image ? fmin(fmax(h->opacity, 0.0), 1.0) : 1.0;
  if (cairo_surface_get_type(cairo_get_target(cr)) == CAIRO_SURFACE_TYPE_IMAGE)
    s = paint_cells_raster(cr, h, &l, alpha, err);
  else
    paint_cells_vector(cr, h, &l, alpha);
  if (s != GB_OK)
    goto out;
  gb_plot_set_hex(cr, GB_PLOT_AXIS_RGB);
  cairo_set_line_width(cr, 1.0);
  cairo_rectangle(cr, l.image.x - 0.5, l.image.y - 0.5, l.image.width + 1.0,
                  l.image.height + 1.0);
  cairo_stroke(cr);
  if (l.colorbar.width > 0.0)
    gb_plot_colorbar_draw(cr, h->colormap, l.colorbar, l.lo, l.hi, l.font_size,
                          h->colorbar_label);
  if (h->title) {
    gb_plot_font(cr, l.font_size, true);
    gb_plot_set_hex(cr, GB_PLOT_TEXT_RGB);
    gb_plot_text(cr, l.title.x + l.title.width / 2.0, l.title.y + l.title.height / 2.0, 0.5,
                 0.5, h->title);
  }
  s = gb_plot_check_cairo(cr, "heatmap", err);
out:
  cairo_restore(cr);
  return s;
}

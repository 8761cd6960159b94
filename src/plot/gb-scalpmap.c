/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-scalpmap.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "gb-plot-private.h"

/* The interpolated disc goes at most this far beyond the head (EEGLAB's default plot radius
 * stops near here too); electrodes farther out keep their ring but do not stretch the map. */
#define MAP_RADIUS_MAX 0.65
/* The largest side of the map's raster, in device pixels. */
#define MAP_PIXELS_MAX 2048

static bool
channel_ok(const GbScalpmap *s, int i)
{
  return isfinite(s->x[i]) && isfinite(s->y[i]) && isfinite(s->values[i]);
}

/* Radius of the interpolated disc in head units: the farthest used electrode, within
 * [0.5, MAP_RADIUS_MAX]. */
static double
map_radius(const GbScalpmap *s)
{
  double r = 0.5;
  for (int i = 0; i < s->n_channels; i++)
    if (channel_ok(s, i))
      r = fmax(r, hypot(s->x[i], s->y[i]));
  return fmin(r, MAP_RADIUS_MAX);
}

static void
scalpmap_scale(const GbScalpmap *s, double *lo, double *hi)
{
  double a = INFINITY, b = -INFINITY, m = 0.0;
  for (int i = 0; i < s->n_channels; i++) {
    if (!channel_ok(s, i))
      continue;
    a = fmin(a, s->values[i]);
    b = fmax(b, s->values[i]);
    m = fmax(m, fabs(s->values[i]));
  }
  if (a > b)
    a = b = 0.0;
  if (s->colormap == GB_COLORMAP_DIVERGING) {
    m = s->scale_max > 0.0 ? s->scale_max : m;
    *lo = -m;
    *hi = m;
  } else {
    *lo = s->scale_max > 0.0 ? 0.0 : a;
    *hi = s->scale_max > 0.0 ? s->scale_max : b;
  }
}

void
gb_scalpmap_layout(const GbScalpmap *s, GbPlotRect area, GbScalpmapLayout *out)
{
  memset(out, 0, sizeof *out);
  double fs = fmin(fmax(fmin(area.width, area.height) * 0.045, 9.0), 16.0);
  out->font_size = fs;
  GbPlotRect body = area;
  if (s->title) {
    out->title = (GbPlotRect){ area.x, area.y, area.width, 1.8 * fs };
    body.y += out->title.height;
    body.height -= out->title.height;
  }
  double bar_w = 0.0, bar_space = 0.0;
  if (s->show_colorbar) {
    bar_w = fmax(8.0, 0.04 * body.width);
    bar_space = 0.6 * fs + bar_w + 0.4 * fs + 3.6 * fs + 0.4 * fs;
  }
  double pad = 0.3 * fs;
  double room_w = fmax(body.width - bar_space - 2 * pad, 1.0);
  double room_h = fmax(body.height - 2 * pad - (s->colorbar_label ? 1.6 * fs : 0.0), 1.0);
  /* In head radii: the map disc k, the ears reach 1.1 at the sides, the nose 1.15 above. */
  double k = map_radius(s) / 0.5;
  double side = fmax(k, 1.1), top = fmax(k, 1.15);
  double hr = fmin(room_w / (2.0 * side), room_h / (top + k));
  out->head_radius = hr;
  out->map_radius = k * hr;
  out->cx = body.x + pad + room_w / 2.0;
  out->cy = body.y + pad + (room_h - (top + k) * hr) / 2.0 + top * hr;
  if (s->show_colorbar)
    out->colorbar = (GbPlotRect){ out->cx + side * hr + 0.6 * fs, out->cy - k * hr, bar_w,
                                  2.0 * k * hr };
  scalpmap_scale(s, &out->lo, &out->hi);
}

void
gb_scalpmap_to_device(const GbScalpmapLayout *l, double x, double y, double *dx, double *dy)
{
  *dx = l->cx + x / 0.5 * l->head_radius;
  *dy = l->cy - y / 0.5 * l->head_radius;
}

double
gb_scalpmap_value_at(const GbScalpmap *s, double x, double y)
{
  double num = 0.0, den = 0.0;
  for (int i = 0; i < s->n_channels; i++) {
    if (!channel_ok(s, i))
      continue;
    double d2 = (x - s->x[i]) * (x - s->x[i]) + (y - s->y[i]) * (y - s->y[i]);
    if (d2 < 1e-12)
      return s->values[i];
    num += s->values[i] / d2;
    den += 1.0 / d2;
  }
  return den > 0.0 ? num / den : NAN;
}

static uint32_t
argb(GbRgb c)
{
  return 0xffu << 24 | (uint32_t)lround(c.r * 255.0) << 16 | (uint32_t)lround(c.g * 255.0) << 8
         | (uint32_t)lround(c.b * 255.0);
}

/* The disc as an n x n image: pixel centres inside the map radius get the interpolated value's
 * colour, the corners stay transparent. */
static cairo_surface_t *
map_surface(const GbScalpmap *s, const GbScalpmapLayout *l, int n)
{
  cairo_surface_t *surf = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, n, n);
  if (cairo_surface_status(surf) != CAIRO_STATUS_SUCCESS)
    return surf;
  cairo_surface_flush(surf);
  unsigned char *data = cairo_image_surface_get_data(surf);
  int stride = cairo_image_surface_get_stride(surf);
  double rmap = l->map_radius / l->head_radius * 0.5; /* head units */
  for (int r = 0; r < n; r++) {
    uint32_t *row = (uint32_t *)(void *)(data + (size_t)r * stride);
    for (int c = 0; c < n; c++) {
      double hx = ((c + 0.5) / n * 2.0 - 1.0) * rmap, hy = (1.0 - (r + 0.5) / n * 2.0) * rmap;
      double v = hypot(hx, hy) <= rmap * (1.0 + 2.0 / n) ? gb_scalpmap_value_at(s, hx, hy) : NAN;
      row[c] = isnan(v) ? 0 : argb(gb_plot_value_rgb(s->colormap, l->lo, l->hi, v));
    }
  }
  cairo_surface_mark_dirty(surf);
  return surf;
}

static GbStatus
paint_map(cairo_t *cr, const GbScalpmap *s, const GbScalpmapLayout *l, GbError *err)
{
  double ux = 2.0 * l->map_radius, uy = 0.0;
  cairo_user_to_device_distance(cr, &ux, &uy);
  double dev = fmax(hypot(ux, uy), 1.0);
  int n = (int)fmin(ceil(dev), MAP_PIXELS_MAX);
  cairo_surface_t *surf = map_surface(s, l, n);
  cairo_status_t st = cairo_surface_status(surf);
  if (st == CAIRO_STATUS_SUCCESS) {
    cairo_save(cr);
    cairo_arc(cr, l->cx, l->cy, l->map_radius, 0, 2 * M_PI);
    cairo_clip(cr);
    cairo_translate(cr, l->cx - l->map_radius, l->cy - l->map_radius);
    cairo_scale(cr, 2.0 * l->map_radius / n, 2.0 * l->map_radius / n);
    cairo_set_source_surface(cr, surf, 0, 0);
    cairo_pattern_set_extend(cairo_get_source(cr), CAIRO_EXTEND_PAD);
    cairo_paint(cr);
    cairo_restore(cr);
  }
  cairo_surface_destroy(surf);
  if (st != CAIRO_STATUS_SUCCESS)
    return gb_error_set(err, GB_ERR_NOMEM, "scalp map: %dx%d map surface: %s", n, n,
                        cairo_status_to_string(st));
  return GB_OK;
}

/* The head circle at ear level, a nose towards +y and two ears, in the axis colour. */
static void
draw_head(cairo_t *cr, const GbScalpmapLayout *l)
{
  double r = l->head_radius, cx = l->cx, cy = l->cy;
  gb_plot_set_hex(cr, GB_PLOT_TEXT_RGB);
  cairo_set_line_width(cr, fmax(1.5, 0.015 * r));
  cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
  cairo_new_path(cr);
  cairo_arc(cr, cx, cy, r, 0, 2 * M_PI);
  cairo_stroke(cr);
  double a = 0.12; /* half-angle of the nose's base, radians */
  cairo_move_to(cr, cx - r * sin(a), cy - r * cos(a));
  cairo_line_to(cr, cx, cy - 1.13 * r);
  cairo_line_to(cr, cx + r * sin(a), cy - r * cos(a));
  cairo_stroke(cr);
  for (int side = -1; side <= 1; side += 2) {
    cairo_save(cr);
    cairo_translate(cr, cx + side * r, cy);
    cairo_scale(cr, 0.07 * r, 0.18 * r);
    cairo_new_path(cr);
    if (side > 0)
      cairo_arc_negative(cr, 0, 0, 1, M_PI / 2, -M_PI / 2);
    else
      cairo_arc(cr, 0, 0, 1, M_PI / 2, 3 * M_PI / 2);
    cairo_restore(cr);
    cairo_stroke(cr);
  }
}

/* A label in the text colour with a white halo, so it reads over any colour of the map. */
static void
halo_text(cairo_t *cr, double x, double y, const char *text, double font_size)
{
  double w = gb_plot_text_width(cr, text);
  cairo_font_extents_t fe;
  cairo_font_extents(cr, &fe);
  cairo_new_path(cr);
  cairo_move_to(cr, x - w / 2.0, y + 0.8 * fe.ascent);
  cairo_text_path(cr, text);
  cairo_set_source_rgba(cr, 1, 1, 1, 0.85);
  cairo_set_line_width(cr, 0.25 * font_size);
  cairo_stroke_preserve(cr);
  gb_plot_set_hex(cr, GB_PLOT_TEXT_RGB);
  cairo_fill(cr);
}

static void
draw_electrodes(cairo_t *cr, const GbScalpmap *s, const GbScalpmapLayout *l)
{
  double rr = fmax(2.5, 0.025 * l->head_radius);
  gb_plot_font(cr, 0.65 * l->font_size, false);
  cairo_set_line_width(cr, fmax(1.0, 0.35 * rr));
  for (int i = 0; i < s->n_channels; i++) {
    if (!isfinite(s->x[i]) || !isfinite(s->y[i]))
      continue;
    double dx, dy;
    gb_scalpmap_to_device(l, s->x[i], s->y[i], &dx, &dy);
    gb_plot_set_hex(cr, isfinite(s->values[i]) ? GB_PLOT_TEXT_RGB : 0x999999);
    cairo_new_path(cr);
    cairo_arc(cr, dx, dy, rr, 0, 2 * M_PI);
    cairo_stroke(cr);
    if (s->show_names && s->names && s->names[i]) {
      halo_text(cr, dx, dy + 1.4 * rr, s->names[i], 0.65 * l->font_size);
      cairo_set_line_width(cr, fmax(1.0, 0.35 * rr));
    }
  }
}

static bool
any_value(const GbScalpmap *s)
{
  for (int i = 0; i < s->n_channels; i++)
    if (channel_ok(s, i))
      return true;
  return false;
}

GbStatus
gb_scalpmap_draw(cairo_t *cr, const GbScalpmap *s, GbPlotRect area, GbError *err)
{
  if (s->n_channels < 1 || s->x == NULL || s->y == NULL || s->values == NULL)
    return gb_error_set(err, GB_ERR_INVALID,
                        "scalp map: %d channels, positions %s, values %s: expected at least one "
                        "channel with positions and values", s->n_channels,
                        s->x && s->y ? "given" : "missing", s->values ? "given" : "missing");
  GbScalpmapLayout l;
  gb_scalpmap_layout(s, area, &l);
  cairo_save(cr);
  GbStatus st = any_value(s) ? paint_map(cr, s, &l, err) : GB_OK;
  if (st != GB_OK)
    goto out;
  draw_head(cr, &l);
  draw_electrodes(cr, s, &l);
  if (l.colorbar.width > 0.0)
    gb_plot_colorbar_draw(cr, s->colormap, l.colorbar, l.lo, l.hi, l.font_size,
                          s->colorbar_label);
  if (s->title) {
    gb_plot_font(cr, l.font_size, true);
    gb_plot_set_hex(cr, GB_PLOT_TEXT_RGB);
    gb_plot_text(cr, l.title.x + l.title.width / 2.0, l.title.y + l.title.height / 2.0, 0.5,
                 0.5, s->title);
  }
  st = gb_plot_check_cairo(cr, "scalp map", err);
out:
  cairo_restore(cr);
  return st;
}

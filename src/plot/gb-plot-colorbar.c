/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-plot-private.h"

#include <math.h>
#include <stdbool.h>

#include "gb-colorbar.h"

GbRgb
gb_plot_value_rgb(GbColormap map, double lo, double hi, double v)
{
  if (map == GB_COLORMAP_DIVERGING)
    return gb_colormap_lookup(map, gb_colormap_symmetric(v, hi));
  return gb_colormap_lookup(map, hi > lo ? (v - lo) / (hi - lo) : 0.0);
}

static void
colorbar_strip(cairo_t *cr, GbColormap map, GbPlotRect b)
{
  size_t n;
  const double (*p)[4] = gb_colormap_control_points(map, &n);
  /* Stops at the published control points: Cairo's linear interpolation between them is the
   * colour map's own. Top is the high end. */
  cairo_pattern_t *g = cairo_pattern_create_linear(0, b.y + b.height, 0, b.y);
  for (size_t i = 0; i < n; i++)
    cairo_pattern_add_color_stop_rgb(g, p[i][0], p[i][1], p[i][2], p[i][3]);
  cairo_rectangle(cr, b.x, b.y, b.width, b.height);
  cairo_set_source(cr, g);
  cairo_fill(cr);
  cairo_pattern_destroy(g);

  gb_plot_set_hex(cr, GB_PLOT_AXIS_RGB);
  cairo_set_line_width(cr, 1.0);
  cairo_rectangle(cr, b.x + 0.5, b.y + 0.5, b.width - 1.0, b.height - 1.0);
  cairo_stroke(cr);
}

void
gb_plot_colorbar_draw(cairo_t *cr, GbColormap map, GbPlotRect b, double lo, double hi,
                      double font_size, const char *label)
{
  colorbar_strip(cr, map, b);
  double ticks[3] = { lo, 0.0, hi };
  gb_plot_font(cr, 0.8 * font_size, false);
  for (int i = 0; i < 3; i++) {
    if (i == 1 && !(lo < 0.0 && hi > 0.0))
      continue;
    double f = hi > lo ? (ticks[i] - lo) / (hi - lo) : (i == 0 ? 0.0 : 1.0);
    double y = b.y + b.height - f * b.height;
    gb_plot_set_hex(cr, GB_PLOT_AXIS_RGB);
    cairo_move_to(cr, b.x + b.width, y);
    cairo_line_to(cr, b.x + b.width + 0.3 * font_size, y);
    cairo_stroke(cr);
    char buf[32];
    gb_plot_format_value(buf, sizeof buf, ticks[i]);
    gb_plot_set_hex(cr, GB_PLOT_TEXT_RGB);
    gb_plot_text(cr, b.x + b.width + 0.45 * font_size, y, 0.0, 0.5, buf);
  }
  if (label) {
    gb_plot_font(cr, 0.8 * font_size, false);
    gb_plot_set_hex(cr, GB_PLOT_TEXT_RGB);
    gb_plot_text(cr, b.x + b.width / 2.0, b.y + b.height + 0.4 * font_size, 0.5, 0.0, label);
  }
}

GbStatus
gb_colorbar_draw(cairo_t *cr, GbColormap map, double lo, double hi, const char *label,
                 double font_size, GbPlotRect area, GbError *err)
{
  if (!isfinite(lo) || !isfinite(hi) || hi < lo)
    return gb_error_set(err, GB_ERR_INVALID, "colour bar: range %g to %g", lo, hi);
  double fs = font_size > 0.0 ? font_size : fmin(fmax(area.width * 0.15, 9.0), 16.0);
  double w = fmin(fmax(8.0, 0.25 * area.width), 2.0 * fs);
  double top = area.y + 0.6 * fs, bottom = area.y + area.height - (label ? 2.0 : 0.6) * fs;
  GbPlotRect bar = { area.x + 0.3 * fs, top, w, fmax(bottom - top, 1.0) };
  cairo_save(cr);
  gb_plot_colorbar_draw(cr, map, bar, lo, hi, fs, label);
  GbStatus st = gb_plot_check_cairo(cr, "colour bar", err);
  cairo_restore(cr);
  return st;
}

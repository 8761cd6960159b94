/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-plot-private.h"

#include <math.h>
#include <stdio.h>

void
gb_plot_font(cairo_t *cr, double size, _Bool bold)
{
  cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
                         bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, size);
}

void
gb_plot_text(cairo_t *cr, double x, double y, double halign, double valign, const char *text)
{
  cairo_text_extents_t te;
  cairo_font_extents_t fe;
  cairo_text_extents(cr, text, &te);
  cairo_font_extents(cr, &fe);
  /* Align on the font's ascent rather than each string's ink so digits and letters line up. */
  double ascent = fe.ascent * 0.8;
  cairo_move_to(cr, x - halign * te.x_advance, y + (1.0 - valign) * ascent);
  cairo_show_text(cr, text);
  cairo_new_path(cr);
}

double
gb_plot_text_width(cairo_t *cr, const char *text)
{
  cairo_text_extents_t te;
  cairo_text_extents(cr, text, &te);
  return te.x_advance;
}

void
gb_plot_set_hex(cairo_t *cr, unsigned rgb)
{
  cairo_set_source_rgb(cr, ((rgb >> 16) & 0xff) / 255.0, ((rgb >> 8) & 0xff) / 255.0,
                       (rgb & 0xff) / 255.0);
}

void
gb_plot_set_rgb(cairo_t *cr, GbRgb c)
{
  cairo_set_source_rgb(cr, c.r, c.g, c.b);
}

void
gb_plot_format_value(char *buf, size_t size, double v)
{
  if (v == 0.0)
    v = 0.0; /* no "-0" */
  snprintf(buf, size, "%.3g", v);
}

GbStatus
gb_plot_check_cairo(cairo_t *cr, const char *what, GbError *err)
{
  cairo_status_t s = cairo_status(cr);
  if (s == CAIRO_STATUS_SUCCESS)
    return GB_OK;
  return gb_error_set(err, s == CAIRO_STATUS_NO_MEMORY ? GB_ERR_NOMEM : GB_ERR_INVALID,
                      "%s: cairo: %s", what, cairo_status_to_string(s));
}

/* Round values from @lo to @hi, about four of them, 1-2-5 spaced; returns how many. */
int
gb_plot_axis_ticks(double lo, double hi, double *ticks, int max)
{
  double raw = (hi - lo) / 4.0;
  double mag = pow(10.0, floor(log10(raw)));
  double f = raw / mag;
  double step = (f < 1.5 ? 1.0 : f < 3.0 ? 2.0 : f < 7.0 ? 5.0 : 10.0) * mag;
  int n = 0;
  for (double k = ceil(lo / step - 1e-9); k * step <= hi + 1e-9 * step && n < max; k++)
    ticks[n++] = k * step;
  return n;
}

double
gb_plot_widest_tick(cairo_t *cr, double lo, double hi)
{
  double ticks[GB_PLOT_MAX_TICKS], w = 0.0;
  char buf[32];
  int n = gb_plot_axis_ticks(lo, hi, ticks, GB_PLOT_MAX_TICKS);
  for (int i = 0; i < n; i++) {
    gb_plot_format_value(buf, sizeof buf, ticks[i]);
    w = fmax(w, gb_plot_text_width(cr, buf));
  }
  return w;
}

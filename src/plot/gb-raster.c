/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-raster.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gb-plot-private.h"

#define NAN_RGB 0xdddddd

static void
raster_scale(const GbRaster *r, double *lo, double *hi)
{
  size_t n = (size_t)r->rows * r->cols;
  if (r->colormap == GB_COLORMAP_DIVERGING) {
    double m = r->scale_max > 0.0 ? r->scale_max : gb_colormap_max_abs(r->values, n);
    *lo = -m;
    *hi = m;
  } else if (r->scale_max > 0.0) {
    *lo = 0.0;
    *hi = r->scale_max;
  } else {
    gb_colormap_range(r->values, n, lo, hi);
  }
}

static bool
numeric_x(const GbRaster *r)
{
  return r->x_lo != r->x_hi && r->col_labels == NULL;
}

/* Width of the widest row label. */
static double
row_label_width(cairo_t *cr, const GbRaster *r)
{
  char buf[32];
  double w = 0.0;
  for (int i = 0; i < r->rows; i++) {
    const char *s = r->row_labels ? r->row_labels[i] : buf;
    if (!r->row_labels)
      snprintf(buf, sizeof buf, "%d", i);
    w = fmax(w, gb_plot_text_width(cr, s));
  }
  return w;
}

void
gb_raster_layout(cairo_t *cr, const GbRaster *r, GbPlotRect area, GbRasterLayout *out)
{
  memset(out, 0, sizeof *out);
  double fs = fmin(fmax(fmin(area.width, area.height) * 0.04, 9.0), 16.0);
  out->font_size = fs;
  GbPlotRect body = area;
  if (r->title) {
    out->title = (GbPlotRect){ area.x, area.y, area.width, 1.8 * fs };
    body.y += out->title.height;
    body.height -= out->title.height;
  }
  gb_plot_font(cr, 0.75 * fs, false);
  double pad = 0.6 * fs;
  double left = pad + row_label_width(cr, r) + 0.5 * fs + (r->y_label ? 1.5 * fs : 0.0);
  double bottom = pad + 1.4 * fs + (r->x_label ? 1.5 * fs : 0.0);
  double right = pad;
  if (r->show_colorbar)
    right += 0.6 * fs + fmax(8.0, 0.035 * body.width) + 4.4 * fs;
  out->cells = (GbPlotRect){ body.x + left, body.y + pad, fmax(body.width - left - right, 1.0),
                             fmax(body.height - pad - bottom - (r->colorbar_label ? 0.6 * fs : 0),
                                  1.0) };
  if (r->show_colorbar)
    out->colorbar = (GbPlotRect){ out->cells.x + out->cells.width + 0.6 * fs, out->cells.y,
                                  fmax(8.0, 0.035 * body.width), out->cells.height };
  raster_scale(r, &out->lo, &out->hi);
}

static void
draw_cells(cairo_t *cr, const GbRaster *r, const GbRasterLayout *l)
{
  double cw = l->cells.width / r->cols, ch = l->cells.height / r->rows;
  for (int i = 0; i < r->rows; i++)
    for (int j = 0; j < r->cols; j++) {
      double v = r->values[(size_t)i * r->cols + j];
      if (isfinite(v))
        gb_plot_set_rgb(cr, gb_plot_value_rgb(r->colormap, l->lo, l->hi, v));
      else
        gb_plot_set_hex(cr, NAN_RGB);
      /* Half a unit of overlap so antialiased edges do not let the background through. */
      cairo_rectangle(cr, l->cells.x + j * cw, l->cells.y + i * ch, cw + 0.5, ch + 0.5);
      cairo_fill(cr);
    }
}

/* Each cell's value in black or white, whichever reads better on the cell's colour. */
static void
draw_annotations(cairo_t *cr, const GbRaster *r, const GbRasterLayout *l)
{
  double cw = l->cells.width / r->cols, ch = l->cells.height / r->rows;
  gb_plot_font(cr, fmin(0.75 * l->font_size, 0.4 * ch), false);
  char buf[32];
  for (int i = 0; i < r->rows; i++)
    for (int j = 0; j < r->cols; j++) {
      double v = r->values[(size_t)i * r->cols + j];
      if (!isfinite(v))
        continue;
      GbRgb c = gb_plot_value_rgb(r->colormap, l->lo, l->hi, v);
      double lum = 0.2126 * c.r + 0.7152 * c.g + 0.0722 * c.b;
      gb_plot_set_hex(cr, lum < 0.45 ? 0xffffff : GB_PLOT_TEXT_RGB);
      gb_plot_format_value(buf, sizeof buf, v);
      gb_plot_text(cr, l->cells.x + (j + 0.5) * cw, l->cells.y + (i + 0.5) * ch, 0.5, 0.5, buf);
    }
}

static double
column_x(const GbRaster *r, const GbRasterLayout *l, double x)
{
  double cw = l->cells.width / r->cols;
  return l->cells.x + cw * (0.5 + (x - r->x_lo) / (r->x_hi - r->x_lo) * (r->cols - 1));
}

static void
draw_x_ticks(cairo_t *cr, const GbRaster *r, const GbRasterLayout *l)
{
  double fs = l->font_size, base = l->cells.y + l->cells.height;
  char buf[32];
  gb_plot_font(cr, 0.75 * fs, false);
  cairo_set_line_width(cr, 1.0);
  double ticks[GB_PLOT_MAX_TICKS], cw = l->cells.width / r->cols;
  bool numeric = numeric_x(r);
  int n = numeric ? gb_plot_axis_ticks(fmin(r->x_lo, r->x_hi), fmax(r->x_lo, r->x_hi), ticks,
                                       GB_PLOT_MAX_TICKS)
                  : r->cols;
  /* Every column labelled only while the labels fit. */
  int step = numeric ? 1 : (int)ceil(r->cols * 2.2 * fs / fmax(l->cells.width, 1.0));
  for (int i = 0; i < n; i += step < 1 ? 1 : step) {
    double x = numeric ? column_x(r, l, ticks[i]) : l->cells.x + (i + 0.5) * cw;
    const char *text = buf;
    if (numeric)
      gb_plot_format_value(buf, sizeof buf, ticks[i]);
    else if (r->col_labels)
      text = r->col_labels[i];
    else
      snprintf(buf, sizeof buf, "%d", i);
    gb_plot_set_hex(cr, GB_PLOT_AXIS_RGB);
    cairo_move_to(cr, floor(x) + 0.5, base);
    cairo_line_to(cr, floor(x) + 0.5, base + 0.3 * fs);
    cairo_stroke(cr);
    gb_plot_set_hex(cr, GB_PLOT_TEXT_RGB);
    gb_plot_text(cr, x, base + 0.45 * fs, 0.5, 0.0, text);
  }
}

static void
draw_y_ticks(cairo_t *cr, const GbRaster *r, const GbRasterLayout *l)
{
  double fs = l->font_size, ch = l->cells.height / r->rows;
  char buf[32];
  gb_plot_font(cr, 0.75 * fs, false);
  int step = (int)ceil(1.3 * 0.75 * fs / fmax(ch, 1e-9));
  for (int i = 0; i < r->rows; i += step < 1 ? 1 : step) {
    const char *text = r->row_labels ? r->row_labels[i] : buf;
    if (!r->row_labels)
      snprintf(buf, sizeof buf, "%d", i);
    gb_plot_set_hex(cr, GB_PLOT_TEXT_RGB);
    gb_plot_text(cr, l->cells.x - 0.4 * fs, l->cells.y + (i + 0.5) * ch, 1.0, 0.5, text);
  }
}

static void
draw_labels(cairo_t *cr, const GbRaster *r, const GbRasterLayout *l)
{
  double fs = l->font_size;
  GbPlotRect c = l->cells;
  gb_plot_set_hex(cr, GB_PLOT_TEXT_RGB);
  gb_plot_font(cr, 0.85 * fs, false);
  if (r->x_label)
    gb_plot_text(cr, c.x + c.width / 2.0, c.y + c.height + 1.9 * fs, 0.5, 0.0, r->x_label);
  if (r->y_label) {
    gb_plot_font(cr, 0.75 * fs, false);
    double w = row_label_width(cr, r);
    gb_plot_font(cr, 0.85 * fs, false);
    cairo_save(cr);
    cairo_translate(cr, c.x - w - 1.4 * fs, c.y + c.height / 2.0);
    cairo_rotate(cr, -M_PI / 2.0);
    gb_plot_text(cr, 0.0, 0.0, 0.5, 0.5, r->y_label);
    cairo_restore(cr);
  }
  if (r->title) {
    gb_plot_font(cr, fs, true);
    gb_plot_text(cr, l->title.x + l->title.width / 2.0, l->title.y + l->title.height / 2.0, 0.5,
                 0.5, r->title);
  }
}

static void
draw_mark(cairo_t *cr, const GbRaster *r, const GbRasterLayout *l)
{
  if (!numeric_x(r) || !isfinite(r->x_mark))
    return;
  double x = column_x(r, l, r->x_mark);
  if (x < l->cells.x || x > l->cells.x + l->cells.width)
    return;
  double dash[2] = { 4.0, 3.0 };
  cairo_save(cr);
  cairo_set_dash(cr, dash, 2, 0.0);
  cairo_set_line_width(cr, 1.5);
  gb_plot_set_hex(cr, GB_PLOT_TEXT_RGB);
  cairo_move_to(cr, x, l->cells.y);
  cairo_line_to(cr, x, l->cells.y + l->cells.height);
  cairo_stroke(cr);
  cairo_restore(cr);
}

GbStatus
gb_raster_draw(cairo_t *cr, const GbRaster *r, GbPlotRect area, GbError *err)
{
  if (r->values == NULL)
    return gb_error_set(err, GB_ERR_INVALID, "raster: no values");
  if (r->rows < 1 || r->cols < 1)
    return gb_error_set(err, GB_ERR_SHAPE, "raster: %dx%d cells, expected at least 1x1",
                        r->rows, r->cols);
  GbRasterLayout l;
  cairo_save(cr);
  gb_raster_layout(cr, r, area, &l);
  draw_cells(cr, r, &l);
  if (r->annotate)
    draw_annotations(cr, r, &l);
  draw_mark(cr, r, &l);
  gb_plot_set_hex(cr, GB_PLOT_AXIS_RGB);
  cairo_set_line_width(cr, 1.0);
  cairo_rectangle(cr, l.cells.x - 0.5, l.cells.y - 0.5, l.cells.width + 1.0,
                  l.cells.height + 1.0);
  cairo_stroke(cr);
  draw_x_ticks(cr, r, &l);
  draw_y_ticks(cr, r, &l);
  draw_labels(cr, r, &l);
  if (l.colorbar.width > 0.0)
    gb_plot_colorbar_draw(cr, r->colormap, l.colorbar, l.lo, l.hi, l.font_size,
                          r->colorbar_label);
  GbStatus st = gb_plot_check_cairo(cr, "raster", err);
  cairo_restore(cr);
  return st;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-barchart.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gb-plot-private.h"

/* Room for value labels past the longest bar, as a fraction of the value range. */
#define VALUE_PAD 0.2

static void
barchart_range(const GbBarChart *c, double *lo, double *hi)
{
  double a = 0.0, b = 0.0;
  for (int i = 0; i < c->n; i++) {
    if (!isfinite(c->values[i]))
      continue;
    a = fmin(a, c->values[i]);
    b = fmax(b, c->values[i]);
  }
  if (c->kind == GB_BARCHART_PROBABILITY)
    b = fmax(b, 1.0);
  if (b - a <= 0.0)
    b = 1.0;
  /* Probabilities keep their axis at [0, 1] (the layout leaves room for the value labels);
   * signed values get room for them inside the range, on the sides that have bars. */
  double span = b - a, pad = c->show_values ? VALUE_PAD : 0.05;
  if (c->kind == GB_BARCHART_PROBABILITY && a >= 0.0)
    pad = 0.0;
  *lo = a < 0.0 ? a - pad * span : 0.0;
  *hi = b > 0.0 ? b + pad * span : 0.0;
}

static const char *
bar_label(const GbBarChart *c, int i, char *buf, size_t size)
{
  if (c->labels && c->labels[i])
    return c->labels[i];
  snprintf(buf, size, "%d", i);
  return buf;
}

/* Widest category label, for the left margin of a horizontal chart. */
static double
widest_label(cairo_t *cr, const GbBarChart *c)
{
  double w = 0.0;
  char buf[16];
  for (int i = 0; i < c->n; i++)
    w = fmax(w, gb_plot_text_width(cr, bar_label(c, i, buf, sizeof buf)));
  return w;
}

void
gb_barchart_layout(cairo_t *cr, const GbBarChart *c, GbPlotRect area, GbBarChartLayout *out)
{
  memset(out, 0, sizeof *out);
  double fs = fmin(fmax(fmin(area.width, area.height) * 0.045, 9.0), 16.0);
  out->font_size = fs;
  GbPlotRect body = area;
  if (c->title) {
    out->title = (GbPlotRect){ area.x, area.y, area.width, 1.8 * fs };
    body.y += out->title.height;
    body.height -= out->title.height;
  }
  int n_notes = (c->show_base_value ? 1 : 0) + (c->show_sum ? 1 : 0);
  double notes_h = n_notes * 1.4 * fs + (c->axis_label ? 1.6 * fs : 0.0);
  body.height -= notes_h;
  if (n_notes > 0)
    out->notes = (GbPlotRect){ body.x, body.y + body.height + notes_h - n_notes * 1.4 * fs,
                               body.width, n_notes * 1.4 * fs };
  double pad = 0.5 * fs;
  gb_plot_font(cr, 0.85 * fs, false);
  barchart_range(c, &out->lo, &out->hi);
  /* Value-axis tick labels go under a horizontal chart and left of a vertical one. */
  if (c->orientation == GB_BARCHART_HORIZONTAL) {
    double left = widest_label(cr, c) + 0.6 * fs;
    out->plot = (GbPlotRect){ body.x + pad + left, body.y + pad, body.width - 2 * pad - left,
                              body.height - 2 * pad - 1.3 * fs };
  } else {
    double left = gb_plot_widest_tick(cr, out->lo, out->hi) + 0.8 * fs;
    out->plot = (GbPlotRect){ body.x + pad + left, body.y + pad, body.width - 2 * pad - left,
                              body.height - 2 * pad - 1.4 * fs };
  }
  if (c->kind == GB_BARCHART_PROBABILITY && c->show_values) {
    if (c->orientation == GB_BARCHART_HORIZONTAL) {
      out->plot.width -= 3.5 * fs;
    } else {
      out->plot.y += 1.2 * fs;
      out->plot.height -= 1.2 * fs;
    }
  }
  out->plot.width = fmax(out->plot.width, 1.0);
  out->plot.height = fmax(out->plot.height, 1.0);
  double f = -out->lo / (out->hi - out->lo);
  out->zero = c->orientation == GB_BARCHART_HORIZONTAL
                  ? out->plot.x + f * out->plot.width
                  : out->plot.y + out->plot.height - f * out->plot.height;
}

/* Device coordinate of value @v along the value axis. */
static double
value_pos(const GbBarChart *c, const GbBarChartLayout *l, double v)
{
  double f = (v - l->lo) / (l->hi - l->lo);
  if (c->orientation == GB_BARCHART_HORIZONTAL)
    return l->plot.x + f * l->plot.width;
  return l->plot.y + l->plot.height - f * l->plot.height;
}

GbPlotRect
gb_barchart_bar_rect(const GbBarChart *c, const GbBarChartLayout *l, int i)
{
  double v = isfinite(c->values[i]) ? c->values[i] : 0.0;
  double p = value_pos(c, l, v);
  if (c->orientation == GB_BARCHART_HORIZONTAL) {
    double slot = l->plot.height / c->n;
    return (GbPlotRect){ fmin(p, l->zero), l->plot.y + (i + 0.15) * slot, fabs(p - l->zero),
                         0.7 * slot };
  }
  double slot = l->plot.width / c->n;
  return (GbPlotRect){ l->plot.x + (i + 0.15) * slot, fmin(p, l->zero), 0.7 * slot,
                       fabs(p - l->zero) };
}

static unsigned
bar_colour(const GbBarChart *c, int i)
{
  if (i == c->highlight)
    return GB_PLOT_HIGHLIGHT_RGB;
  if (c->kind == GB_BARCHART_PROBABILITY)
    return GB_BARCHART_NEUTRAL_RGB;
  return c->values[i] < 0.0 ? GB_BARCHART_NEGATIVE_RGB : GB_BARCHART_POSITIVE_RGB;
}

/* The category label beside (horizontal) or under (vertical) bar @i, and its value at its end. */
static void
draw_bar_texts(cairo_t *cr, const GbBarChart *c, const GbBarChartLayout *l, int i, GbPlotRect r)
{
  char buf[32];
  const char *label = bar_label(c, i, buf, sizeof buf);
  bool hor = c->orientation == GB_BARCHART_HORIZONTAL;
  double fs = l->font_size;
  gb_plot_font(cr, 0.85 * fs, i == c->highlight);
  gb_plot_set_hex(cr, GB_PLOT_TEXT_RGB);
  if (hor)
    gb_plot_text(cr, l->plot.x - 0.4 * fs, r.y + r.height / 2.0, 1.0, 0.5, label);
  else
    gb_plot_text(cr, r.x + r.width / 2.0, l->plot.y + l->plot.height + 0.4 * fs, 0.5, 0.0,
                 label);
  if (!c->show_values)
    return;
  double v = c->values[i];
  gb_plot_format_value(buf, sizeof buf, v);
  bool neg = v < 0.0;
  gb_plot_font(cr, 0.75 * fs, false);
  if (hor)
    gb_plot_text(cr, neg ? r.x - 0.3 * fs : r.x + r.width + 0.3 * fs, r.y + r.height / 2.0,
                 neg ? 1.0 : 0.0, 0.5, buf);
  else
    gb_plot_text(cr, r.x + r.width / 2.0, neg ? r.y + r.height + 0.3 * fs : r.y - 0.3 * fs,
                 0.5, neg ? 0.0 : 1.0, buf);
}

static void
draw_zero_line(cairo_t *cr, const GbBarChart *c, const GbBarChartLayout *l)
{
  gb_plot_set_hex(cr, GB_PLOT_AXIS_RGB);
  cairo_set_line_width(cr, 1.0);
  /* On a pixel centre so the 1-unit line stays crisp on image surfaces. */
  double z = floor(l->zero) + 0.5;
  if (c->orientation == GB_BARCHART_HORIZONTAL) {
    cairo_move_to(cr, z, l->plot.y);
    cairo_line_to(cr, z, l->plot.y + l->plot.height);
  } else {
    cairo_move_to(cr, l->plot.x, z);
    cairo_line_to(cr, l->plot.x + l->plot.width, z);
  }
  cairo_stroke(cr);
}

/* Light grid lines at the value ticks, with their values; drawn under the bars. */
static void
draw_value_axis(cairo_t *cr, const GbBarChart *c, const GbBarChartLayout *l)
{
  double ticks[GB_PLOT_MAX_TICKS];
  char buf[32];
  int n = gb_plot_axis_ticks(l->lo, l->hi, ticks, GB_PLOT_MAX_TICKS);
  bool hor = c->orientation == GB_BARCHART_HORIZONTAL;
  double fs = l->font_size;
  cairo_set_line_width(cr, 1.0);
  gb_plot_font(cr, 0.75 * fs, false);
  for (int i = 0; i < n; i++) {
    double p = floor(value_pos(c, l, ticks[i])) + 0.5;
    gb_plot_set_hex(cr, GB_BARCHART_GRID_RGB);
    if (hor) {
      cairo_move_to(cr, p, l->plot.y);
      cairo_line_to(cr, p, l->plot.y + l->plot.height);
    } else {
      cairo_move_to(cr, l->plot.x, p);
      cairo_line_to(cr, l->plot.x + l->plot.width, p);
    }
    cairo_stroke(cr);
    gb_plot_format_value(buf, sizeof buf, ticks[i]);
    gb_plot_set_hex(cr, GB_PLOT_TEXT_RGB);
    if (hor)
      gb_plot_text(cr, p, l->plot.y + l->plot.height + 0.3 * fs, 0.5, 0.0, buf);
    else
      gb_plot_text(cr, l->plot.x - 0.4 * fs, p, 1.0, 0.5, buf);
  }
}

/* The axis caption under the chart, then the base value and sum lines. */
static void
draw_notes(cairo_t *cr, const GbBarChart *c, const GbBarChartLayout *l)
{
  double fs = l->font_size;
  gb_plot_font(cr, 0.85 * fs, false);
  gb_plot_set_hex(cr, GB_PLOT_TEXT_RGB);
  double below = l->plot.y + l->plot.height + 0.5 * fs + 1.3 * fs;
  if (c->axis_label)
    gb_plot_text(cr, l->plot.x + l->plot.width / 2.0, below + 0.2 * fs, 0.5, 0.0,
                 c->axis_label);
  double sum = 0.0;
  for (int i = 0; i < c->n; i++)
    sum += c->values[i];
  char line[160], a[32], b[32], d[32];
  double y = l->notes.y + 0.2 * fs;
  if (c->show_base_value) {
    gb_plot_format_value(a, sizeof a, c->base_value);
    snprintf(line, sizeof line, "base value E[f(x)] = %s", a);
    gb_plot_text(cr, l->notes.x + 0.5 * fs, y, 0.0, 0.0, line);
    y += 1.4 * fs;
  }
  if (c->show_sum) {
    gb_plot_format_value(a, sizeof a, sum);
    if (c->show_base_value) {
      gb_plot_format_value(b, sizeof b, c->base_value);
      gb_plot_format_value(d, sizeof d, c->base_value + sum);
      snprintf(line, sizeof line, "f(x) = %s + sum %s = %s", b, a, d);
    } else {
      snprintf(line, sizeof line, "sum of values = %s", a);
    }
    gb_plot_text(cr, l->notes.x + 0.5 * fs, y, 0.0, 0.0, line);
  }
}

GbStatus
gb_barchart_draw(cairo_t *cr, const GbBarChart *c, GbPlotRect area, GbError *err)
{
  if (c->values == NULL || c->n < 1)
    return gb_error_set(err, GB_ERR_INVALID, "bar chart: %d values, expected at least 1", c->n);
  cairo_save(cr);
  GbBarChartLayout l;
  gb_barchart_layout(cr, c, area, &l);
  draw_value_axis(cr, c, &l);
  for (int i = 0; i < c->n; i++) {
    GbPlotRect r = gb_barchart_bar_rect(c, &l, i);
    if (isfinite(c->values[i])) {
      gb_plot_set_hex(cr, bar_colour(c, i));
      cairo_rectangle(cr, r.x, r.y, r.width, r.height);
      cairo_fill(cr);
    }
    draw_bar_texts(cr, c, &l, i, r);
  }
  draw_zero_line(cr, c, &l);
  draw_notes(cr, c, &l);
  if (c->title) {
    gb_plot_font(cr, l.font_size, true);
    gb_plot_set_hex(cr, GB_PLOT_TEXT_RGB);
    gb_plot_text(cr, l.title.x + l.title.width / 2.0, l.title.y + l.title.height / 2.0, 0.5,
                 0.5, c->title);
  }
  GbStatus s = gb_plot_check_cairo(cr, "bar chart", err);
  cairo_restore(cr);
  return s;
}

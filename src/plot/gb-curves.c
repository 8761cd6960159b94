/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-curves.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gb-plot-private.h"

/* Margin added to an automatic y range, as a fraction of its span. */
#define Y_PAD 0.05

static const unsigned palette[GB_CURVES_PALETTE_SIZE] = {
  GB_CURVES_BLUE_RGB,   GB_CURVES_VERMILLION_RGB, GB_CURVES_GREEN_RGB,  GB_CURVES_PURPLE_RGB,
  GB_CURVES_ORANGE_RGB, GB_CURVES_SKY_BLUE_RGB,   GB_CURVES_YELLOW_RGB, GB_CURVES_BLACK_RGB,
};

unsigned
gb_curves_palette(int i)
{
  int k = i % GB_CURVES_PALETTE_SIZE;
  return palette[k < 0 ? k + GB_CURVES_PALETTE_SIZE : k];
}

unsigned
gb_curves_colour(const GbCurves *c, int i)
{
  if (c->curves[i].fixed_rgb)
    return c->curves[i].rgb;
  /* Count only the curves before @i that take a palette colour, so a fixed-colour reference
   * curve does not use one up. */
  int k = 0;
  for (int j = 0; j < i; j++)
    k += !c->curves[j].fixed_rgb;
  return gb_curves_palette(k);
}

/* ---- ranges and layout ---- */

static void
widen(double v, double *lo, double *hi)
{
  if (!isfinite(v))
    return;
  *lo = fmin(*lo, v);
  *hi = fmax(*hi, v);
}

static void
data_range(const GbCurves *c, double *x_lo, double *x_hi, double *y_lo, double *y_hi)
{
  *x_lo = *y_lo = INFINITY;
  *x_hi = *y_hi = -INFINITY;
  for (int i = 0; i < c->n_curves; i++) {
    const GbCurve *k = &c->curves[i];
    for (int j = 0; j < k->n; j++) {
      if (!isfinite(k->x[j]) || !isfinite(k->y[j]))
        continue;
      widen(k->x[j], x_lo, x_hi);
      widen(k->y[j], y_lo, y_hi);
      if (k->sd && isfinite(k->sd[j])) {
        widen(k->y[j] - k->sd[j], y_lo, y_hi);
        widen(k->y[j] + k->sd[j], y_lo, y_hi);
      }
    }
  }
}

/* An empty or single-valued range becomes one unit wide around its value (0 when none). */
static void
fix_span(double *lo, double *hi)
{
  if (!isfinite(*lo) || !isfinite(*hi)) {
    *lo = 0.0;
    *hi = 1.0;
  } else if (*hi - *lo <= 0.0) {
    *lo -= 0.5;
    *hi += 0.5;
  }
}

static void
curves_range(const GbCurves *c, GbCurvesLayout *l)
{
  double x_lo, x_hi, y_lo, y_hi;
  data_range(c, &x_lo, &x_hi, &y_lo, &y_hi);
  fix_span(&x_lo, &x_hi);
  fix_span(&y_lo, &y_hi);
  double pad = Y_PAD * (y_hi - y_lo);
  l->x_lo = c->x_fixed ? c->x_lo : x_lo;
  l->x_hi = c->x_fixed ? c->x_hi : x_hi;
  l->y_lo = c->y_fixed ? c->y_lo : y_lo - pad;
  l->y_hi = c->y_fixed ? c->y_hi : y_hi + pad;
}

static void
legend_text(const GbCurve *k, char *buf, size_t size)
{
  if (k->annotation)
    snprintf(buf, size, "%s  %s", k->name, k->annotation);
  else
    snprintf(buf, size, "%s", k->name);
}

static bool
has_legend(const GbCurves *c)
{
  if (c->legend == GB_CURVES_LEGEND_NONE)
    return false;
  for (int i = 0; i < c->n_curves; i++)
    if (c->curves[i].name)
      return true;
  return false;
}

/* Width of the legend column: swatch, gap, widest entry. */
static double
legend_width(cairo_t *cr, const GbCurves *c, double fs)
{
  char buf[256];
  double w = 0.0;
  gb_plot_font(cr, 0.85 * fs, false);
  for (int i = 0; i < c->n_curves; i++) {
    if (c->curves[i].name == NULL)
      continue;
    legend_text(&c->curves[i], buf, sizeof buf);
    w = fmax(w, gb_plot_text_width(cr, buf));
  }
  return 2.4 * fs + 0.5 * fs + w;
}

void
gb_curves_layout(cairo_t *cr, const GbCurves *c, GbPlotRect area, GbCurvesLayout *out)
{
  memset(out, 0, sizeof *out);
  double fs = fmin(fmax(fmin(area.width, area.height) * 0.04, 9.0), 16.0);
  out->font_size = fs;
  curves_range(c, out);
  GbPlotRect body = area;
  if (c->title) {
    out->title = (GbPlotRect){ area.x, area.y, area.width, 1.8 * fs };
    body.y += out->title.height;
    body.height -= out->title.height;
  }
  double pad = 0.8 * fs;
  gb_plot_font(cr, 0.75 * fs, false);
  double left = pad + gb_plot_widest_tick(cr, out->y_lo, out->y_hi) + 0.6 * fs;
  if (c->y_label)
    left += 1.5 * fs;
  double bottom = pad + 1.4 * fs + (c->x_label ? 1.5 * fs : 0.0);
  double right = pad;
  if (has_legend(c)) {
    /* The legend never takes more than 40% of the width. */
    double w = fmin(legend_width(cr, c, fs), 0.4 * body.width);
    out->legend_row = 1.5 * fs;
    int rows = 0;
    for (int i = 0; i < c->n_curves; i++)
      rows += c->curves[i].name != NULL;
    out->legend = (GbPlotRect){ body.x + body.width - pad - w, body.y + pad, w,
                                rows * out->legend_row };
    right += w + fs;
  }
  out->plot = (GbPlotRect){ body.x + left, body.y + pad, fmax(body.width - left - right, 1.0),
                            fmax(body.height - pad - bottom, 1.0) };
}

void
gb_curves_to_device(const GbCurvesLayout *l, double x, double y, double *dx, double *dy)
{
  *dx = l->plot.x + (x - l->x_lo) / (l->x_hi - l->x_lo) * l->plot.width;
  *dy = l->plot.y + l->plot.height - (y - l->y_lo) / (l->y_hi - l->y_lo) * l->plot.height;
}

GbPlotRect
gb_curves_legend_swatch(const GbCurves *c, const GbCurvesLayout *l, int i)
{
  if (l->legend.width <= 0.0 || c->curves[i].name == NULL)
    return (GbPlotRect){ 0 };
  int row = 0;
  for (int j = 0; j < i; j++)
    row += c->curves[j].name != NULL;
  double fs = l->font_size;
  return (GbPlotRect){ l->legend.x, l->legend.y + row * l->legend_row + 0.15 * l->legend_row,
                       2.4 * fs, 0.7 * l->legend_row };
}

/* ---- drawing ---- */

static double
line_width(const GbCurvesLayout *l)
{
  return fmax(1.5, 0.16 * l->font_size);
}

static void
set_dash(cairo_t *cr, const GbCurvesLayout *l, bool dashed)
{
  double w = line_width(l), d[2] = { 4.0 * w, 2.5 * w };
  cairo_set_dash(cr, d, dashed ? 2 : 0, 0.0);
}

/* Grid lines and tick values at round values of both axes. */
static void
draw_axes(cairo_t *cr, const GbCurves *c, const GbCurvesLayout *l)
{
  double ticks[GB_PLOT_MAX_TICKS], fs = l->font_size, dx, dy;
  char buf[32];
  GbPlotRect p = l->plot;
  cairo_set_line_width(cr, 1.0);
  gb_plot_font(cr, 0.75 * fs, false);
  int n = gb_plot_axis_ticks(l->x_lo, l->x_hi, ticks, GB_PLOT_MAX_TICKS);
  for (int i = 0; i < n; i++) {
    gb_curves_to_device(l, ticks[i], l->y_lo, &dx, &dy);
    double x = floor(dx) + 0.5;
    if (c->grid) {
      gb_plot_set_hex(cr, GB_CURVES_GRID_RGB);
      cairo_move_to(cr, x, p.y);
      cairo_line_to(cr, x, p.y + p.height);
      cairo_stroke(cr);
    }
    gb_plot_set_hex(cr, GB_PLOT_AXIS_RGB);
    cairo_move_to(cr, x, p.y + p.height);
    cairo_line_to(cr, x, p.y + p.height + 0.3 * fs);
    cairo_stroke(cr);
    gb_plot_format_value(buf, sizeof buf, ticks[i]);
    gb_plot_set_hex(cr, GB_PLOT_TEXT_RGB);
    gb_plot_text(cr, x, p.y + p.height + 0.45 * fs, 0.5, 0.0, buf);
  }
  n = gb_plot_axis_ticks(l->y_lo, l->y_hi, ticks, GB_PLOT_MAX_TICKS);
  for (int i = 0; i < n; i++) {
    gb_curves_to_device(l, l->x_lo, ticks[i], &dx, &dy);
    double y = floor(dy) + 0.5;
    if (c->grid) {
      gb_plot_set_hex(cr, GB_CURVES_GRID_RGB);
      cairo_move_to(cr, p.x, y);
      cairo_line_to(cr, p.x + p.width, y);
      cairo_stroke(cr);
    }
    gb_plot_set_hex(cr, GB_PLOT_AXIS_RGB);
    cairo_move_to(cr, p.x - 0.3 * fs, y);
    cairo_line_to(cr, p.x, y);
    cairo_stroke(cr);
    gb_plot_format_value(buf, sizeof buf, ticks[i]);
    gb_plot_set_hex(cr, GB_PLOT_TEXT_RGB);
    gb_plot_text(cr, p.x - 0.45 * fs, y, 1.0, 0.5, buf);
  }
}

static void
draw_frame_and_labels(cairo_t *cr, const GbCurves *c, const GbCurvesLayout *l)
{
  double fs = l->font_size;
  GbPlotRect p = l->plot;
  gb_plot_set_hex(cr, GB_PLOT_AXIS_RGB);
  cairo_set_line_width(cr, 1.0);
  cairo_rectangle(cr, floor(p.x) + 0.5, floor(p.y) + 0.5, floor(p.width), floor(p.height));
  cairo_stroke(cr);
  gb_plot_font(cr, 0.85 * fs, false);
  gb_plot_set_hex(cr, GB_PLOT_TEXT_RGB);
  if (c->x_label)
    gb_plot_text(cr, p.x + p.width / 2.0, p.y + p.height + 1.9 * fs, 0.5, 0.0, c->x_label);
  if (c->y_label) {
    cairo_save(cr);
    gb_plot_font(cr, 0.75 * fs, false);
    double tick_w = gb_plot_widest_tick(cr, l->y_lo, l->y_hi);
    gb_plot_font(cr, 0.85 * fs, false);
    cairo_translate(cr, p.x - tick_w - 1.4 * fs, p.y + p.height / 2.0);
    cairo_rotate(cr, -M_PI / 2.0);
    gb_plot_text(cr, 0.0, 0.0, 0.5, 0.5, c->y_label);
    cairo_restore(cr);
  }
  if (c->title) {
    gb_plot_font(cr, fs, true);
    gb_plot_text(cr, l->title.x + l->title.width / 2.0, l->title.y + l->title.height / 2.0, 0.5,
                 0.5, c->title);
  }
}

/* The band's outline: the upper edge left to right, the lower edge back, over each run of
 * finite points. */
static void
draw_band(cairo_t *cr, const GbCurve *k, const GbCurvesLayout *l, unsigned rgb)
{
  gb_plot_set_hex(cr, rgb);
  int j = 0;
  while (j < k->n) {
    int a = j;
    while (a < k->n && !(isfinite(k->x[a]) && isfinite(k->y[a]) && isfinite(k->sd[a])))
      a++;
    int b = a;
    while (b < k->n && isfinite(k->x[b]) && isfinite(k->y[b]) && isfinite(k->sd[b]))
      b++;
    double dx, dy;
    for (int i = a; i < b; i++) {
      gb_curves_to_device(l, k->x[i], k->y[i] + k->sd[i], &dx, &dy);
      cairo_line_to(cr, dx, dy);
    }
    for (int i = b - 1; i >= a; i--) {
      gb_curves_to_device(l, k->x[i], k->y[i] - k->sd[i], &dx, &dy);
      cairo_line_to(cr, dx, dy);
    }
    cairo_close_path(cr);
    cairo_new_sub_path(cr);
    j = b;
  }
  cairo_fill(cr);
}

static void
draw_line(cairo_t *cr, const GbCurve *k, const GbCurvesLayout *l, unsigned rgb)
{
  gb_plot_set_hex(cr, rgb);
  cairo_set_line_width(cr, line_width(l));
  cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
  set_dash(cr, l, k->dashed);
  bool pen_down = false;
  double dx, dy;
  for (int i = 0; i < k->n; i++) {
    if (!isfinite(k->x[i]) || !isfinite(k->y[i])) {
      pen_down = false;
      continue;
    }
    gb_curves_to_device(l, k->x[i], k->y[i], &dx, &dy);
    if (pen_down)
      cairo_line_to(cr, dx, dy);
    else
      cairo_move_to(cr, dx, dy);
    pen_down = true;
  }
  cairo_stroke(cr);
  set_dash(cr, l, false);
  if (!k->markers)
    return;
  for (int i = 0; i < k->n; i++) {
    if (!isfinite(k->x[i]) || !isfinite(k->y[i]))
      continue;
    gb_curves_to_device(l, k->x[i], k->y[i], &dx, &dy);
    cairo_new_sub_path(cr);
    cairo_arc(cr, dx, dy, 1.6 * line_width(l), 0.0, 2.0 * M_PI);
  }
  cairo_fill(cr);
}

/* Bands first, all of them, so no band hides a line; clipped to the plot area. */
static void
draw_curves(cairo_t *cr, const GbCurves *c, const GbCurvesLayout *l)
{
  cairo_save(cr);
  cairo_rectangle(cr, l->plot.x, l->plot.y, l->plot.width, l->plot.height);
  cairo_clip(cr);
  cairo_push_group(cr);
  for (int i = 0; i < c->n_curves; i++) {
    if (c->curves[i].sd == NULL)
      continue;
    /* Each band in its own group so its own overlaps stay one flat tint. */
    cairo_push_group(cr);
    draw_band(cr, &c->curves[i], l, gb_curves_colour(c, i));
    cairo_pop_group_to_source(cr);
    cairo_paint_with_alpha(cr, GB_CURVES_BAND_ALPHA);
  }
  cairo_pop_group_to_source(cr);
  cairo_paint(cr);
  for (int i = 0; i < c->n_curves; i++)
    draw_line(cr, &c->curves[i], l, gb_curves_colour(c, i));
  cairo_restore(cr);
}

static void
draw_legend(cairo_t *cr, const GbCurves *c, const GbCurvesLayout *l)
{
  char buf[256];
  double fs = l->font_size;
  for (int i = 0; i < c->n_curves; i++) {
    GbPlotRect r = gb_curves_legend_swatch(c, l, i);
    if (r.width <= 0.0)
      continue;
    const GbCurve *k = &c->curves[i];
    unsigned rgb = gb_curves_colour(c, i);
    double mid = floor(r.y + r.height / 2.0) + 0.5;
    if (k->sd) {
      gb_plot_set_hex(cr, rgb);
      cairo_rectangle(cr, r.x, r.y, r.width, r.height);
      cairo_save(cr);
      cairo_clip(cr);
      cairo_paint_with_alpha(cr, GB_CURVES_BAND_ALPHA);
      cairo_restore(cr);
    }
    gb_plot_set_hex(cr, rgb);
    cairo_set_line_width(cr, line_width(l) + 1.0);
    set_dash(cr, l, k->dashed);
    cairo_move_to(cr, r.x, mid);
    cairo_line_to(cr, r.x + r.width, mid);
    cairo_stroke(cr);
    set_dash(cr, l, false);
    legend_text(k, buf, sizeof buf);
    gb_plot_font(cr, 0.85 * fs, false);
    gb_plot_set_hex(cr, GB_PLOT_TEXT_RGB);
    gb_plot_text(cr, r.x + r.width + 0.5 * fs, mid, 0.0, 0.5, buf);
  }
}

static GbStatus
curves_check(const GbCurves *c, GbError *err)
{
  if (c->curves == NULL || c->n_curves < 1)
    return gb_error_set(err, GB_ERR_INVALID, "curves: %d curves, expected at least 1",
                        c->n_curves);
  for (int i = 0; i < c->n_curves; i++) {
    const GbCurve *k = &c->curves[i];
    if (k->n < 1 || k->x == NULL || k->y == NULL)
      return gb_error_set(err, GB_ERR_INVALID, "curves: curve %d ('%s') has no points", i,
                          k->name ? k->name : "");
  }
  if (c->x_fixed && !(isfinite(c->x_lo) && isfinite(c->x_hi) && c->x_hi > c->x_lo))
    return gb_error_set(err, GB_ERR_INVALID, "curves: x range [%g, %g] is empty", c->x_lo,
                        c->x_hi);
  if (c->y_fixed && !(isfinite(c->y_lo) && isfinite(c->y_hi) && c->y_hi > c->y_lo))
    return gb_error_set(err, GB_ERR_INVALID, "curves: y range [%g, %g] is empty", c->y_lo,
                        c->y_hi);
  return GB_OK;
}

GbStatus
gb_curves_draw(cairo_t *cr, const GbCurves *c, GbPlotRect area, GbError *err)
{
  GbStatus s = curves_check(c, err);
  if (s != GB_OK)
    return s;
  cairo_save(cr);
  GbCurvesLayout l;
  gb_curves_layout(cr, c, area, &l);
  draw_axes(cr, c, &l);
  draw_curves(cr, c, &l);
  draw_frame_and_labels(cr, c, &l);
  if (has_legend(c))
    draw_legend(cr, c, &l);
  s = gb_plot_check_cairo(cr, "curves", err);
  cairo_restore(cr);
  return s;
}

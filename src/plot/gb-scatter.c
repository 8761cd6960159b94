/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-scatter.h"

#include <math.h>
#include <string.h>

#include "gb-plot-private.h"

/* Margin around the data, as a fraction of each span. */
#define PAD 0.05

static void
widen(double v, double *lo, double *hi)
{
  if (isfinite(v)) {
    *lo = fmin(*lo, v);
    *hi = fmax(*hi, v);
  }
}

/* The curves' axes spanning the points and the trajectories. */
static GbCurves
scatter_curves(const GbScatter *s)
{
  double x_lo = INFINITY, x_hi = -INFINITY, y_lo = INFINITY, y_hi = -INFINITY;
  for (int i = 0; i < s->n_points; i++) {
    if (!isfinite(s->xy[2 * i]) || !isfinite(s->xy[2 * i + 1]))
      continue;
    widen(s->xy[2 * i], &x_lo, &x_hi);
    widen(s->xy[2 * i + 1], &y_lo, &y_hi);
  }
  for (int k = 0; k < s->n_trajectories; k++)
    for (int j = 0; j < s->trajectories[k].n; j++) {
      widen(s->trajectories[k].x[j], &x_lo, &x_hi);
      widen(s->trajectories[k].y[j], &y_lo, &y_hi);
    }
  if (!(x_hi > x_lo)) {
    x_lo = isfinite(x_lo) ? x_lo - 0.5 : 0.0;
    x_hi = x_lo + 1.0;
  }
  if (!(y_hi > y_lo)) {
    y_lo = isfinite(y_lo) ? y_lo - 0.5 : 0.0;
    y_hi = y_lo + 1.0;
  }
  double px = PAD * (x_hi - x_lo), py = PAD * (y_hi - y_lo);
  return (GbCurves){ .curves = s->trajectories, .n_curves = s->n_trajectories,
                     .title = s->title, .x_label = s->x_label, .y_label = s->y_label,
                     .x_fixed = true, .y_fixed = true, .x_lo = x_lo - px, .x_hi = x_hi + px,
                     .y_lo = y_lo - py, .y_hi = y_hi + py, .grid = true,
                     .legend = s->n_trajectories > 0 ? GB_CURVES_LEGEND_RIGHT
                                                     : GB_CURVES_LEGEND_NONE };
}

void
gb_scatter_layout(cairo_t *cr, const GbScatter *s, GbPlotRect area, GbCurvesLayout *out)
{
  GbCurves c = scatter_curves(s);
  gb_curves_layout(cr, &c, area, out);
}

static void
draw_points(cairo_t *cr, const GbScatter *s, const GbCurvesLayout *l)
{
  double r = fmax(1.2, 0.12 * l->font_size), alpha = fmin(fmax(s->point_alpha, 0.01), 1.0);
  cairo_save(cr);
  cairo_rectangle(cr, l->plot.x, l->plot.y, l->plot.width, l->plot.height);
  cairo_clip(cr);
  for (int g = 0; g < s->n_groups; g++) {
    unsigned c = s->group_rgb[g];
    cairo_set_source_rgba(cr, ((c >> 16) & 0xff) / 255.0, ((c >> 8) & 0xff) / 255.0,
                          (c & 0xff) / 255.0, alpha);
    for (int i = 0; i < s->n_points; i++) {
      if (s->group[i] != g || !isfinite(s->xy[2 * i]) || !isfinite(s->xy[2 * i + 1]))
        continue;
      double dx, dy;
      gb_curves_to_device(l, s->xy[2 * i], s->xy[2 * i + 1], &dx, &dy);
      cairo_new_sub_path(cr);
      cairo_arc(cr, dx, dy, r, 0, 2 * M_PI);
    }
    cairo_fill(cr);
  }
  cairo_restore(cr);
}

/* Time marks: a ring around the step and its label beside it, on every trajectory. */
static void
draw_marks(cairo_t *cr, const GbScatter *s, const GbCurvesLayout *l)
{
  double fs = l->font_size;
  gb_plot_font(cr, 0.7 * fs, false);
  cairo_set_line_width(cr, 1.2);
  for (int k = 0; k < s->n_trajectories; k++) {
    const GbCurve *t = &s->trajectories[k];
    for (int m = 0; m < s->n_marks; m++) {
      int j = s->mark_steps[m];
      if (j < 0 || j >= t->n || !isfinite(t->x[j]) || !isfinite(t->y[j]))
        continue;
      double dx, dy;
      gb_curves_to_device(l, t->x[j], t->y[j], &dx, &dy);
      gb_plot_set_hex(cr, GB_PLOT_TEXT_RGB);
      cairo_new_path(cr);
      cairo_arc(cr, dx, dy, 0.45 * fs, 0, 2 * M_PI);
      cairo_stroke(cr);
      if (s->label_trajectory < 0 || s->label_trajectory == k)
        gb_plot_text(cr, dx + 0.6 * fs, dy - 0.3 * fs, 0.0, 1.0, s->mark_labels[m]);
    }
  }
}

GbStatus
gb_scatter_draw(cairo_t *cr, const GbScatter *s, GbPlotRect area, GbError *err)
{
  if (s->n_points > 0 && (s->xy == NULL || s->group == NULL || s->group_rgb == NULL))
    return gb_error_set(err, GB_ERR_INVALID, "scatter: %d points without coordinates, groups "
                        "or colours", s->n_points);
  if (s->n_points <= 0 && s->n_trajectories <= 0)
    return gb_error_set(err, GB_ERR_INVALID, "scatter: no points and no trajectories");
  GbCurves c = scatter_curves(s);
  GbCurvesLayout l;
  cairo_save(cr);
  gb_curves_layout(cr, &c, area, &l);
  draw_points(cr, s, &l);
  GbStatus st = GB_OK;
  if (s->n_trajectories > 0)
    st = gb_curves_draw(cr, &c, area, err);
  else {
    /* Axes alone: an invisible curve gives gb-curves' frame, ticks and labels. */
    double x[1] = { NAN }, y[1] = { NAN };
    GbCurve none = { .x = x, .y = y, .n = 1 };
    c.curves = &none;
    c.n_curves = 1;
    st = gb_curves_draw(cr, &c, area, err);
  }
  if (st == GB_OK) {
    draw_marks(cr, s, &l);
    st = gb_plot_check_cairo(cr, "scatter", err);
  }
  cairo_restore(cr);
  return st;
}

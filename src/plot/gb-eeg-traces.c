/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-eeg-traces.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb-plot-private.h"

/* Okabe-Ito (2008): vermillion, blue, bluish green; distinct for colour-blind viewers and from
 * the orange cursor. */
static const unsigned set_colours[GB_EEG_TRACES_MAX_SETS] = { 0xd55e00, 0x0072b2, 0x009e73 };
#define SINGLE_TRACE_RGB 0x222222
#define BASELINE_RGB 0xb0b0b0
/* Image surfaces are limited to 32767 pixels a side; more cells than that are not drawable. */
#define MAX_SIDE 32767

unsigned
gb_eeg_traces_set_hex(const GbEegTraces *e, int i)
{
  if (e->n_sets <= 1)
    return SINGLE_TRACE_RGB;
  return set_colours[i % GB_EEG_TRACES_MAX_SETS];
}

static int
n_drawn_sets(const GbEegTraces *e)
{
  return e->n_sets < 0 ? 0 : e->n_sets > GB_EEG_TRACES_MAX_SETS ? GB_EEG_TRACES_MAX_SETS
                                                                 : e->n_sets;
}

static int
cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Peak-to-peak of channel @c over every set. */
static double
channel_ptp(const GbEegTraces *e, int c)
{
  double lo = INFINITY, hi = -INFINITY;
  for (int s = 0; s < n_drawn_sets(e); s++)
    for (int t = 0; t < e->n_times; t++) {
      double v = e->sets[s].data[(size_t)t * e->n_channels + c];
      if (isfinite(v)) {
        lo = fmin(lo, v);
        hi = fmax(hi, v);
      }
    }
  return hi > lo ? hi - lo : 0.0;
}

/* Baselines 0.7 median peak-to-peak apart: typical channels fill most of their row and the
 * few large ones (a P300 at Pz, a blink at Fp1) overlap their neighbours rather than shrinking
 * every other trace to a flat line. */
static double
auto_amplitude_scale(const GbEegTraces *e)
{
  if (n_drawn_sets(e) == 0 || e->n_channels <= 0)
    return 1.0;
  double *ptp = malloc(sizeof *ptp * (size_t)e->n_channels);
  if (ptp == NULL)
    return 1.0;
  for (int c = 0; c < e->n_channels; c++)
    ptp[c] = channel_ptp(e, c);
  qsort(ptp, (size_t)e->n_channels, sizeof *ptp, cmp_double);
  double m = ptp[e->n_channels / 2];
  free(ptp);
  return m > 0.0 && isfinite(m) ? 0.7 * m : 1.0;
}

/* The largest 1-2-5 value not above @v. */
static double
round_125_down(double v)
{
  double mag = pow(10.0, floor(log10(v)));
  double f = v / mag;
  return (f >= 5.0 ? 5.0 : f >= 2.0 ? 2.0 : 1.0) * mag;
}

static void
relevance_scale(const GbEegTraces *e, double *lo, double *hi)
{
  size_t n = e->relevance ? (size_t)e->n_times * (size_t)e->n_channels : 0;
  if (e->colormap == GB_COLORMAP_DIVERGING) {
    double m = e->relevance_scale_max > 0.0 ? e->relevance_scale_max
                                            : gb_colormap_max_abs(e->relevance, n);
    *lo = -m;
    *hi = m;
  } else if (e->relevance_scale_max > 0.0) {
    *lo = 0.0;
    *hi = e->relevance_scale_max;
  } else {
    gb_colormap_range(e->relevance, n, lo, hi);
  }
}

static size_t
longest_name(const GbEegTraces *e)
{
  size_t n = 2;
  for (int c = 0; e->channel_names && c < e->n_channels; c++)
    if (e->channel_names[c] && strlen(e->channel_names[c]) > n)
      n = strlen(e->channel_names[c]);
  return n;
}

void
gb_eeg_traces_layout(const GbEegTraces *e, GbPlotRect area, GbEegTracesLayout *out)
{
  memset(out, 0, sizeof *out);
  double fs = e->font_size > 0.0 ? e->font_size
                                 : fmin(fmax(fmin(area.width, area.height) * 0.04, 9.0), 16.0);
  out->font_size = fs;
  double top = area.y;
  if (e->title) {
    out->title = (GbPlotRect){ area.x, area.y, area.width, 1.8 * fs };
    top += out->title.height;
  }
  /* Left: channel names (about 0.62 em a character); right: colour bar, legend and scale bar,
   * always reserved so that figures drawn with the same font line up. Above: the cursor's
   * label; below: tick values and the axis label. */
  double left = (0.62 * (double)longest_name(e) + 0.8) * fs;
  double right = 8.5 * fs;
  double above = e->hide_cursor_label ? 0.5 * fs : 1.5 * fs, below = 3.2 * fs;
  out->plot = (GbPlotRect){ area.x + left, top + above, fmax(area.width - left - right, 1.0),
                            fmax(area.y + area.height - top - above - below, 1.0) };
  double half = e->srate > 0.0 ? 0.5 / e->srate : 0.0;
  out->t_left = e->t0 - half;
  out->t_right = e->t0 + (e->n_times - 1) * (e->srate > 0.0 ? 1.0 / e->srate : 0.0) + half;
  out->row_height = e->n_channels > 0 ? out->plot.height / e->n_channels : out->plot.height;
  out->amplitude_scale = e->amplitude_scale > 0.0 ? e->amplitude_scale : auto_amplitude_scale(e);
  out->scalebar_value = round_125_down(out->amplitude_scale);

  GbPlotRect p = out->plot;
  double bx = p.x + p.width + 0.8 * fs, bar_w = fmax(8.0, 0.8 * fs);
  bool traces = n_drawn_sets(e) > 0;
  if (e->show_colorbar && e->relevance) {
    /* Far enough from the plot that the label centred under the strip clears its frame. */
    double h = traces ? 0.45 * p.height : p.height - 1.6 * fs;
    out->colorbar = (GbPlotRect){ p.x + p.width + 2.0 * fs, p.y, bar_w, fmax(h, 1.0) };
  }
  if (traces) {
    double len = out->scalebar_value / out->amplitude_scale * out->row_height;
    out->scalebar = (GbPlotRect){ bx + bar_w / 2.0, p.y + p.height - len, 0.0, len };
  }
  relevance_scale(e, &out->lo, &out->hi);
}

double
gb_eeg_traces_time_to_x(const GbEegTracesLayout *l, double t)
{
  double span = l->t_right - l->t_left;
  return l->plot.x + (span > 0.0 ? (t - l->t_left) / span : 0.5) * l->plot.width;
}

double
gb_eeg_traces_x_to_time(const GbEegTracesLayout *l, double x)
{
  return l->t_left + (x - l->plot.x) / l->plot.width * (l->t_right - l->t_left);
}

double
gb_eeg_traces_value_to_y(const GbEegTracesLayout *l, int c, double v)
{
  double base = l->plot.y + (c + 0.5) * l->row_height;
  return base - v / l->amplitude_scale * l->row_height;
}

int
gb_eeg_traces_time_index(const GbEegTraces *e, double t)
{
  if (!isfinite(t) || e->n_times <= 0 || !(e->srate > 0.0))
    return 0;
  double i = round((t - e->t0) * e->srate);
  return i < 0.0 ? 0 : i > e->n_times - 1 ? e->n_times - 1 : (int)i;
}

GbRgb
gb_eeg_traces_cell_rgb(const GbEegTraces *e, double lo, double hi, double v)
{
  GbRgb c = gb_plot_value_rgb(e->colormap, lo, hi, v);
  double a = fmin(fmax(e->opacity, 0.0), 1.0);
  return (GbRgb){ 1.0 + a * (c.r - 1.0), 1.0 + a * (c.g - 1.0), 1.0 + a * (c.b - 1.0) };
}

/* Cells without antialiasing, so neighbours tile without seams on raster targets. */
static void
draw_cells(cairo_t *cr, const GbEegTraces *e, const GbEegTracesLayout *l)
{
  double cw = l->plot.width / e->n_times;
  cairo_save(cr);
  cairo_set_antialias(cr, CAIRO_ANTIALIAS_NONE);
  for (int t = 0; t < e->n_times; t++)
    for (int c = 0; c < e->n_channels; c++) {
      float v = e->relevance[(size_t)t * e->n_channels + c];
      if (!isfinite(v))
        continue;
      gb_plot_set_rgb(cr, gb_eeg_traces_cell_rgb(e, l->lo, l->hi, v));
      cairo_rectangle(cr, l->plot.x + t * cw, l->plot.y + c * l->row_height, cw,
                      l->row_height);
      cairo_fill(cr);
    }
  cairo_restore(cr);
}

static void
draw_baselines(cairo_t *cr, const GbEegTraces *e, const GbEegTracesLayout *l)
{
  gb_plot_set_hex(cr, BASELINE_RGB);
  cairo_set_line_width(cr, 1.0);
  for (int c = 0; c < e->n_channels; c++) {
    double y = round(gb_eeg_traces_value_to_y(l, c, 0.0)) + 0.5;
    cairo_move_to(cr, l->plot.x, y);
    cairo_line_to(cr, l->plot.x + l->plot.width, y);
  }
  cairo_stroke(cr);
}

static void
draw_set(cairo_t *cr, const GbEegTraces *e, const GbEegTracesLayout *l, int s)
{
  gb_plot_set_hex(cr, gb_eeg_traces_set_hex(e, s));
  cairo_set_line_width(cr, fmax(1.2, l->font_size / 9.0));
  cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
  for (int c = 0; c < e->n_channels; c++) {
    bool pen = false;
    for (int t = 0; t < e->n_times; t++) {
      float v = e->sets[s].data[(size_t)t * e->n_channels + c];
      if (!isfinite(v)) {
        pen = false;
        continue;
      }
      double x = gb_eeg_traces_time_to_x(l, e->t0 + t / e->srate);
      double y = gb_eeg_traces_value_to_y(l, c, v);
      if (pen)
        cairo_line_to(cr, x, y);
      else
        cairo_move_to(cr, x, y);
      pen = true;
    }
    cairo_stroke(cr);
  }
}

static void
draw_channel_names(cairo_t *cr, const GbEegTraces *e, const GbEegTracesLayout *l)
{
  /* Shrink the names when rows are tighter than the font. */
  gb_plot_font(cr, fmin(l->font_size, fmax(l->row_height * 0.9, 6.0)), false);
  gb_plot_set_hex(cr, GB_PLOT_TEXT_RGB);
  for (int c = 0; c < e->n_channels; c++) {
    char buf[16];
    const char *name = e->channel_names ? e->channel_names[c] : NULL;
    if (name == NULL) {
      snprintf(buf, sizeof buf, "%d", c + 1);
      name = buf;
    }
    gb_plot_text(cr, l->plot.x - 0.4 * l->font_size, gb_eeg_traces_value_to_y(l, c, 0.0), 1.0,
                 0.5, name);
  }
}

static void
draw_time_axis(cairo_t *cr, const GbEegTraces *e, const GbEegTracesLayout *l)
{
  double fs = l->font_size, ticks[GB_PLOT_MAX_TICKS];
  int n = gb_plot_axis_ticks(l->t_left * 1000.0, l->t_right * 1000.0, ticks, GB_PLOT_MAX_TICKS);
  double yb = l->plot.y + l->plot.height;
  gb_plot_font(cr, 0.85 * fs, false);
  cairo_set_line_width(cr, 1.0);
  for (int i = 0; i < n; i++) {
    double x = round(gb_eeg_traces_time_to_x(l, ticks[i] / 1000.0)) + 0.5;
    gb_plot_set_hex(cr, GB_PLOT_AXIS_RGB);
    cairo_move_to(cr, x, yb);
    cairo_line_to(cr, x, yb + 0.35 * fs);
    cairo_stroke(cr);
    char buf[32];
    snprintf(buf, sizeof buf, "%.0f", ticks[i] == 0.0 ? 0.0 : ticks[i]);
    gb_plot_set_hex(cr, GB_PLOT_TEXT_RGB);
    gb_plot_text(cr, x, yb + 0.5 * fs, 0.5, 0.0, buf);
  }
  gb_plot_font(cr, 0.9 * fs, false);
  gb_plot_text(cr, l->plot.x + l->plot.width / 2.0, yb + 1.75 * fs, 0.5, 0.0,
               e->time_label ? e->time_label : "time (ms)");
}

static void
draw_scalebar(cairo_t *cr, const GbEegTraces *e, const GbEegTracesLayout *l)
{
  GbPlotRect b = l->scalebar;
  gb_plot_set_hex(cr, GB_PLOT_TEXT_RGB);
  cairo_set_line_width(cr, 2.0);
  cairo_move_to(cr, b.x, b.y);
  cairo_line_to(cr, b.x, b.y + b.height);
  cairo_stroke(cr);
  char num[32], buf[48];
  gb_plot_format_value(num, sizeof num, l->scalebar_value);
  snprintf(buf, sizeof buf, "%s %s", num, e->units == GB_EEG_UNITS_SD ? "SD" : "\xc2\xb5V");
  gb_plot_font(cr, 0.85 * l->font_size, false);
  gb_plot_text(cr, b.x + 0.5 * l->font_size, b.y + b.height / 2.0, 0.0, 0.5, buf);
}

/* Swatches and labels in the right column, between the colour bar and the scale bar. */
static void
draw_legend(cairo_t *cr, const GbEegTraces *e, const GbEegTracesLayout *l)
{
  double fs = l->font_size;
  double x = l->plot.x + l->plot.width + 0.8 * fs;
  double y = l->colorbar.height > 0.0 ? l->colorbar.y + l->colorbar.height + 2.6 * fs
                                      : l->plot.y + 0.5 * fs;
  gb_plot_font(cr, 0.85 * fs, false);
  cairo_set_line_width(cr, 3.0);
  for (int s = 0; s < n_drawn_sets(e); s++) {
    if (e->sets[s].label == NULL)
      continue;
    gb_plot_set_hex(cr, gb_eeg_traces_set_hex(e, s));
    cairo_move_to(cr, x, y);
    cairo_line_to(cr, x + 1.2 * fs, y);
    cairo_stroke(cr);
    gb_plot_set_hex(cr, GB_PLOT_TEXT_RGB);
    gb_plot_text(cr, x + 1.6 * fs, y, 0.0, 0.5, e->sets[s].label);
    y += 1.4 * fs;
  }
}

static void
draw_cursor(cairo_t *cr, const GbEegTraces *e, const GbEegTracesLayout *l)
{
  double x = gb_eeg_traces_time_to_x(l, e->cursor_time);
  if (!(x >= l->plot.x && x <= l->plot.x + l->plot.width))
    return;
  gb_plot_set_hex(cr, GB_PLOT_HIGHLIGHT_RGB);
  cairo_set_line_width(cr, 2.0);
  cairo_move_to(cr, x, l->plot.y);
  cairo_line_to(cr, x, l->plot.y + l->plot.height);
  cairo_stroke(cr);
  if (e->hide_cursor_label)
    return;
  char buf[32];
  double ms = e->cursor_time * 1000.0;
  snprintf(buf, sizeof buf, "%.0f ms", fabs(ms) < 0.5 ? 0.0 : ms);
  gb_plot_font(cr, 0.9 * l->font_size, true);
  double w = gb_plot_text_width(cr, buf);
  double tx = fmin(fmax(x, l->plot.x + w / 2.0), l->plot.x + l->plot.width - w / 2.0);
  gb_plot_set_hex(cr, GB_PLOT_TEXT_RGB);
  gb_plot_text(cr, tx, l->plot.y - 0.3 * l->font_size, 0.5, 1.0, buf);
}

static GbStatus
traces_check(const GbEegTraces *e, GbError *err)
{
  if (e->n_times <= 0 || e->n_channels <= 0 || e->n_times > MAX_SIDE
      || e->n_channels > MAX_SIDE)
    return gb_error_set(err, GB_ERR_SHAPE, "EEG traces: %d times x %d channels, expected 1 to %d",
                        e->n_times, e->n_channels, MAX_SIDE);
  if (!(e->srate > 0.0) || !isfinite(e->srate) || !isfinite(e->t0))
    return gb_error_set(err, GB_ERR_INVALID, "EEG traces: sampling rate %g Hz and t0 %g s",
                        e->srate, e->t0);
  if (n_drawn_sets(e) == 0 && e->relevance == NULL)
    return gb_error_set(err, GB_ERR_INVALID, "EEG traces: neither traces nor a relevance map");
  for (int s = 0; s < n_drawn_sets(e); s++)
    if (e->sets[s].data == NULL)
      return gb_error_set(err, GB_ERR_INVALID, "EEG traces: trace set %d has no data", s);
  return GB_OK;
}

GbStatus
gb_eeg_traces_draw(cairo_t *cr, const GbEegTraces *e, GbPlotRect area, GbError *err)
{
  GbStatus st = traces_check(e, err);
  if (st != GB_OK)
    return st;
  GbEegTracesLayout l;
  gb_eeg_traces_layout(e, area, &l);
  cairo_save(cr);
  if (e->relevance)
    draw_cells(cr, e, &l);
  cairo_save(cr);
  cairo_rectangle(cr, l.plot.x, l.plot.y, l.plot.width, l.plot.height);
  cairo_clip(cr);
  if (n_drawn_sets(e) > 0)
    draw_baselines(cr, e, &l);
  for (int s = 0; s < n_drawn_sets(e); s++)
    draw_set(cr, e, &l, s);
  cairo_restore(cr);
  gb_plot_set_hex(cr, GB_PLOT_AXIS_RGB);
  cairo_set_line_width(cr, 1.0);
  cairo_rectangle(cr, round(l.plot.x) - 0.5, round(l.plot.y) - 0.5, round(l.plot.width) + 1.0,
                  round(l.plot.height) + 1.0);
  cairo_stroke(cr);
  draw_channel_names(cr, e, &l);
  draw_time_axis(cr, e, &l);
  if (l.colorbar.width > 0.0)
    gb_plot_colorbar_draw(cr, e->colormap, l.colorbar, l.lo, l.hi, l.font_size,
                          e->colorbar_label);
  if (n_drawn_sets(e) > 0)
    draw_scalebar(cr, e, &l);
  if (n_drawn_sets(e) > 1)
    draw_legend(cr, e, &l);
  if (e->show_cursor)
    draw_cursor(cr, e, &l);
  if (e->title) {
    gb_plot_font(cr, l.font_size, true);
    gb_plot_set_hex(cr, GB_PLOT_TEXT_RGB);
    gb_plot_text(cr, l.title.x + l.title.width / 2.0, l.title.y + l.title.height / 2.0, 0.5, 0.5,
                 e->title);
  }
  st = gb_plot_check_cairo(cr, "EEG traces", err);
  cairo_restore(cr);
  return st;
}

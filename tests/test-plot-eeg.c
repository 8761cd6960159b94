/* SPDX-License-Identifier: GPL-3.0-or-later */
/* src/plot/gb-eeg-traces: the layout's mappings against their definitions, the renderer by its
 * pixels. With GB_PLOT_SAMPLES=DIR, /eeg-traces/sample writes figures into DIR to look at. */
#include "config.h"

#include <cairo.h>
#include <glib.h>
#include <math.h>
#include <stdint.h>

#include "gb-colormap.h"
#include "gb-eeg-traces.h"
#include "gb-plot-export.h"
#include "gb-test-util.h"

#define W 640
#define H 420
#define NT 20
#define NC 4
#define SRATE 32.0
#define T0 (-0.125)

static const char *const names[NC] = { "Fz", "Cz", "Pz", "Oz" };

typedef struct {
  int r, g, b;
} Px;

static Px
pixel(cairo_surface_t *s, double x, double y)
{
  cairo_surface_flush(s);
  int ix = (int)floor(x), iy = (int)floor(y);
  g_assert_cmpint(ix, >=, 0);
  g_assert_cmpint(iy, >=, 0);
  g_assert_cmpint(ix, <, cairo_image_surface_get_width(s));
  g_assert_cmpint(iy, <, cairo_image_surface_get_height(s));
  const unsigned char *row = cairo_image_surface_get_data(s)
                             + (size_t)iy * cairo_image_surface_get_stride(s);
  uint32_t v = ((const uint32_t *)(const void *)row)[ix];
  return (Px){ (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff };
}

static bool
px_near(Px p, GbRgb c, int tol)
{
  int r = (int)lround(c.r * 255), g = (int)lround(c.g * 255), b = (int)lround(c.b * 255);
  return abs(p.r - r) <= tol && abs(p.g - g) <= tol && abs(p.b - b) <= tol;
}

static void
assert_px_rgb(Px p, GbRgb c, int tol)
{
  if (!px_near(p, c, tol))
    g_error("pixel (%d,%d,%d), expected (%.0f,%.0f,%.0f) +-%d", p.r, p.g, p.b, c.r * 255,
            c.g * 255, c.b * 255, tol);
}

static GbRgb
hex_rgb(unsigned h)
{
  return (GbRgb){ ((h >> 16) & 0xff) / 255.0, ((h >> 8) & 0xff) / 255.0, (h & 0xff) / 255.0 };
}

static GbEegTraces
traces_new(const float *data)
{
  return (GbEegTraces){ .n_times = NT, .n_channels = NC, .srate = SRATE, .t0 = T0,
                        .channel_names = names, .sets = { { data, NULL } }, .n_sets = 1,
                        .units = GB_EEG_UNITS_SD, .amplitude_scale = 1.0,
                        .colormap = GB_COLORMAP_DIVERGING, .opacity = 1.0, .font_size = 12 };
}

/* Draws @e on a white W x H image; *l receives the layout. */
static cairo_surface_t *
render(const GbEegTraces *e, GbEegTracesLayout *l)
{
  cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, W, H);
  cairo_t *cr = cairo_create(s);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);
  GbPlotRect area = { 0, 0, W, H };
  GbError err = { 0 };
  GbStatus st = gb_eeg_traces_draw(cr, e, area, &err);
  if (st != GB_OK)
    g_error("draw: %s", err.message);
  gb_eeg_traces_layout(e, area, l);
  cairo_destroy(cr);
  return s;
}

/* The y of the darkest pixel in column @x between @y0 and @y1. */
static int
darkest_y(cairo_surface_t *s, double x, double y0, double y1)
{
  int best = -1, best_sum = 3 * 256;
  for (int y = (int)ceil(y0); y < (int)floor(y1); y++) {
    Px p = pixel(s, x, y);
    if (p.r + p.g + p.b < best_sum) {
      best_sum = p.r + p.g + p.b;
      best = y;
    }
  }
  g_assert_cmpint(best_sum, <, 450); /* a trace really is there */
  return best;
}

static void
test_mapping_round_trip(void)
{
  float data[NT * NC] = { 0 };
  GbEegTraces e = traces_new(data);
  GbEegTracesLayout l;
  gb_eeg_traces_layout(&e, (GbPlotRect){ 10, 20, 700, 300 }, &l);
  /* The plot's edges are the outer cell edges: half a sample before the first and after the
   * last sample. */
  g_assert_cmpfloat(fabs(l.t_left - (T0 - 0.5 / SRATE)), <, 1e-12);
  g_assert_cmpfloat(fabs(l.t_right - (T0 + (NT - 0.5) / SRATE)), <, 1e-12);
  g_assert_cmpfloat(fabs(gb_eeg_traces_time_to_x(&l, l.t_left) - l.plot.x), <, 1e-9);
  g_assert_cmpfloat(fabs(gb_eeg_traces_time_to_x(&l, l.t_right) - (l.plot.x + l.plot.width)), <,
                    1e-9);
  for (int i = 0; i <= 50; i++) {
    double x = l.plot.x + l.plot.width * i / 50.0;
    g_assert_cmpfloat(fabs(gb_eeg_traces_time_to_x(&l, gb_eeg_traces_x_to_time(&l, x)) - x), <,
                      1e-9);
  }
  /* Each cell's pixels map back to its own sample; outside, the ends. */
  double cw = l.plot.width / NT;
  for (int k = 0; k < NT; k++) {
    double xc = l.plot.x + (k + 0.5) * cw;
    g_assert_cmpint(gb_eeg_traces_time_index(&e, gb_eeg_traces_x_to_time(&l, xc)), ==, k);
    g_assert_cmpint(gb_eeg_traces_time_index(&e, gb_eeg_traces_x_to_time(&l, xc - 0.45 * cw)),
                    ==, k);
    g_assert_cmpint(gb_eeg_traces_time_index(&e, gb_eeg_traces_x_to_time(&l, xc + 0.45 * cw)),
                    ==, k);
    g_assert_cmpint(gb_eeg_traces_time_index(&e, T0 + k / SRATE), ==, k);
  }
  g_assert_cmpint(gb_eeg_traces_time_index(&e, -10.0), ==, 0);
  g_assert_cmpint(gb_eeg_traces_time_index(&e, 10.0), ==, NT - 1);
  g_assert_cmpint(gb_eeg_traces_time_index(&e, NAN), ==, 0);
  /* Values: 0 on the middle of the row, one amplitude_scale up is one row up. */
  g_assert_cmpfloat(fabs(gb_eeg_traces_value_to_y(&l, 2, 0.0) - (l.plot.y + 2.5 * l.row_height)),
                    <, 1e-9);
  g_assert_cmpfloat(fabs(gb_eeg_traces_value_to_y(&l, 2, 1.0) - gb_eeg_traces_value_to_y(&l, 1,
                                                                                          0.0)),
                    <, 1e-9);
}

static void
test_deflection_above_baseline(void)
{
  float data[NT * NC] = { 0 };
  /* Pz (channel 2): +0.4 row at samples 8..12, a plateau wide enough to sample. */
  for (int t = 8; t <= 12; t++)
    data[t * NC + 2] = 0.4f;
  GbEegTraces e = traces_new(data);
  GbEegTracesLayout l;
  cairo_surface_t *s = render(&e, &l);
  double x = gb_eeg_traces_time_to_x(&l, T0 + 10 / SRATE);
  double base = gb_eeg_traces_value_to_y(&l, 2, 0.0);
  double top = l.plot.y + 2 * l.row_height + 1, bottom = l.plot.y + 3 * l.row_height - 1;
  int y = darkest_y(s, x, top, bottom);
  g_assert_cmpfloat(y, <, base - 0.3 * l.row_height);
  g_assert_cmpfloat(fabs(y + 0.5 - (base - 0.4 * l.row_height)), <=, 2.0);
  /* Its flat neighbour Cz stays on its own baseline. */
  double base1 = gb_eeg_traces_value_to_y(&l, 1, 0.0);
  y = darkest_y(s, x, l.plot.y + l.row_height + 1, l.plot.y + 2 * l.row_height - 1);
  g_assert_cmpfloat(fabs(y + 0.5 - base1), <=, 2.0);
  /* A negative deflection goes below. */
  for (int t = 8; t <= 12; t++)
    data[t * NC + 2] = -0.3f;
  cairo_surface_destroy(s);
  s = render(&e, &l);
  y = darkest_y(s, x, top, bottom);
  g_assert_cmpfloat(fabs(y + 0.5 - (base + 0.3 * l.row_height)), <=, 2.0);
  cairo_surface_destroy(s);
}

static void
test_relevance_shading(void)
{
  float data[NT * NC] = { 0 }, rel[NT * NC] = { 0 };
  rel[3 * NC + 2] = 1.5f;  /* t 3, Pz */
  rel[15 * NC + 0] = -2.0f; /* t 15, Fz: the bottom of the fixed scale */
  rel[5 * NC + 1] = NAN;
  GbEegTraces e = traces_new(data);
  e.relevance = rel;
  e.relevance_scale_max = 2.0;
  e.opacity = 0.6;
  e.show_colorbar = true;
  GbEegTracesLayout l;
  cairo_surface_t *s = render(&e, &l);
  g_assert_cmpfloat(l.lo, ==, -2.0);
  g_assert_cmpfloat(l.hi, ==, 2.0);
  double cw = l.plot.width / NT;
  /* Upper quarter of each cell: clear of the trace on the baseline. */
  struct {
    int t, c;
    double tmap; /* where the value sits on the colour map */
  } cells[] = { { 3, 2, 0.5 + 1.5 / 4.0 }, { 15, 0, 0.0 }, { 9, 3, 0.5 } };
  for (size_t i = 0; i < G_N_ELEMENTS(cells); i++) {
    GbRgb c = gb_colormap_lookup(GB_COLORMAP_DIVERGING, cells[i].tmap);
    GbRgb want = { 1 + 0.6 * (c.r - 1), 1 + 0.6 * (c.g - 1), 1 + 0.6 * (c.b - 1) };
    double x = l.plot.x + (cells[i].t + 0.5) * cw;
    double y = l.plot.y + (cells[i].c + 0.25) * l.row_height;
    assert_px_rgb(pixel(s, x, y), want, 2);
  }
  /* The NaN cell is left white. */
  assert_px_rgb(pixel(s, l.plot.x + 5.5 * cw, l.plot.y + 1.25 * l.row_height),
                (GbRgb){ 1, 1, 1 }, 0);
  /* The colour bar exists and its top is the map's top end (unblended). */
  g_assert_cmpfloat(l.colorbar.width, >, 0.0);
  double y = floor(l.colorbar.y) + 3.5;
  assert_px_rgb(pixel(s, l.colorbar.x + l.colorbar.width / 2, y),
                gb_colormap_lookup(GB_COLORMAP_DIVERGING,
                                   1.0 - (y - l.colorbar.y) / l.colorbar.height), 3);
  cairo_surface_destroy(s);
}

static void
test_cursor(void)
{
  float data[NT * NC] = { 0 };
  GbEegTraces e = traces_new(data);
  e.show_cursor = true;
  e.cursor_time = T0 + 7 / SRATE;
  GbEegTracesLayout l;
  cairo_surface_t *s = render(&e, &l);
  double x = gb_eeg_traces_time_to_x(&l, e.cursor_time);
  double y = l.plot.y + 0.25 * l.row_height; /* between traces */
  GbRgb orange = hex_rgb(GB_PLOT_HIGHLIGHT_RGB), white = { 1, 1, 1 };
  assert_px_rgb(pixel(s, x, y), orange, 8);
  assert_px_rgb(pixel(s, x, l.plot.y + l.plot.height - 0.25 * l.row_height), orange, 8);
  assert_px_rgb(pixel(s, x - 4, y), white, 0);
  assert_px_rgb(pixel(s, x + 4, y), white, 0);
  /* No cursor: the column is white there. */
  e.show_cursor = false;
  cairo_surface_destroy(s);
  s = render(&e, &l);
  assert_px_rgb(pixel(s, x, y), white, 0);
  cairo_surface_destroy(s);
}

static void
test_sets_and_legend(void)
{
  float a[NT * NC] = { 0 }, b[NT * NC] = { 0 };
  for (int t = 0; t < NT; t++) {
    a[t * NC + 0] = 0.3f;
    b[t * NC + 0] = -0.3f;
  }
  GbEegTraces e = traces_new(a);
  e.sets[0].label = "Target";
  e.sets[1] = (GbEegTraceSet){ b, "Non-target" };
  e.n_sets = 2;
  GbEegTracesLayout l;
  cairo_surface_t *s = render(&e, &l);
  double x = l.plot.x + l.plot.width / 2;
  int ya = darkest_y(s, x, l.plot.y + 1, gb_eeg_traces_value_to_y(&l, 0, 0.0) - 1);
  int yb = darkest_y(s, x, gb_eeg_traces_value_to_y(&l, 0, 0.0) + 1, l.plot.y + l.row_height);
  assert_px_rgb(pixel(s, x, ya), hex_rgb(gb_eeg_traces_set_hex(&e, 0)), 40);
  assert_px_rgb(pixel(s, x, yb), hex_rgb(gb_eeg_traces_set_hex(&e, 1)), 40);
  g_assert_cmpuint(gb_eeg_traces_set_hex(&e, 0), ==, 0xd55e00);
  g_assert_cmpuint(gb_eeg_traces_set_hex(&e, 1), ==, 0x0072b2);
  /* The legend's swatches are in the right column: both colours appear there. */
  bool seen[2] = { false, false };
  for (int y = (int)l.plot.y; y < (int)(l.plot.y + l.plot.height); y++)
    for (int xx = (int)(l.plot.x + l.plot.width + 4); xx < W; xx++)
      for (int k = 0; k < 2; k++)
        seen[k] |= px_near(pixel(s, xx, y), hex_rgb(gb_eeg_traces_set_hex(&e, k)), 6);
  g_assert_true(seen[0] && seen[1]);
  cairo_surface_destroy(s);
}

static void
test_scales_and_alignment(void)
{
  /* Peak-to-peak 1, 2, 3 and 10: the median (upper) is 3, baselines 0.7 x 3 apart. */
  float data[NT * NC] = { 0 };
  const float ptp[NC] = { 1, 2, 3, 10 };
  for (int c = 0; c < NC; c++)
    data[5 * NC + c] = ptp[c];
  GbEegTraces e = traces_new(data);
  e.amplitude_scale = 0.0;
  GbEegTracesLayout l;
  gb_eeg_traces_layout(&e, (GbPlotRect){ 0, 0, W, H }, &l);
  g_assert_cmpfloat(fabs(l.amplitude_scale - 2.1), <, 1e-6);
  g_assert_cmpfloat(l.scalebar_value, ==, 2.0); /* the largest 1-2-5 value <= 2.1 */
  g_assert_cmpfloat(fabs(l.scalebar.height - 2.0 / 2.1 * l.row_height), <, 1e-9);
  e.amplitude_scale = 7.0;
  gb_eeg_traces_layout(&e, (GbPlotRect){ 0, 0, W, H }, &l);
  g_assert_cmpfloat(l.scalebar_value, ==, 5.0);

  /* The relevance map alone, same font and width: the same time axis. */
  float rel[NT * NC] = { 0 };
  GbEegTraces m = traces_new(NULL);
  m.n_sets = 0;
  m.relevance = rel;
  m.show_colorbar = true;
  e.relevance = rel;
  e.show_colorbar = true;
  GbEegTracesLayout lm;
  gb_eeg_traces_layout(&m, (GbPlotRect){ 0, 500, W, 180 }, &lm);
  g_assert_cmpfloat(lm.plot.x, ==, l.plot.x);
  g_assert_cmpfloat(lm.plot.width, ==, l.plot.width);
  g_assert_cmpfloat(lm.scalebar.height, ==, 0.0);
}

static void
test_invalid(void)
{
  float data[NT * NC] = { 0 };
  cairo_surface_t *surf = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 50, 50);
  cairo_t *cr = cairo_create(surf);
  GbPlotRect a = { 0, 0, 50, 50 };
  GbError err = { 0 };
  GbEegTraces e = traces_new(data);
  e.n_times = 0;
  gb_test_assert_failure(gb_eeg_traces_draw(cr, &e, a, &err), GB_ERR_SHAPE, &err, "EEG traces",
                         "0 times");
  e = traces_new(data);
  e.srate = 0.0;
  gb_test_assert_failure(gb_eeg_traces_draw(cr, &e, a, &err), GB_ERR_INVALID, &err, "EEG traces",
                         "sampling rate");
  e = traces_new(NULL);
  gb_test_assert_failure(gb_eeg_traces_draw(cr, &e, a, &err), GB_ERR_INVALID, &err, "EEG traces",
                         "no data");
  e.n_sets = 0;
  gb_test_assert_failure(gb_eeg_traces_draw(cr, &e, a, &err), GB_ERR_INVALID, &err, "EEG traces",
                         "neither");
  cairo_destroy(cr);
  cairo_surface_destroy(surf);
}

static GbStatus
sample_draw(void *user, cairo_t *cr, GbPlotRect area, GbError *err)
{
  return gb_eeg_traces_draw(cr, user, area, err);
}

/* A P300-like figure to look at: damped waves, a positive bump at Pz around 350 ms, relevance
 * where the bump is. */
static void
test_sample(void)
{
  const char *dir = g_getenv("GB_PLOT_SAMPLES");
  if (dir == NULL) {
    g_test_skip("GB_PLOT_SAMPLES not set");
    return;
  }
  enum { T = 26, C = 16 };
  static const char *const n16[C] = { "Fp1", "Fp2", "F3", "Fz",  "F4",  "C3", "Cz", "C4",
                                      "P3",  "Pz",  "P4", "PO7", "PO8", "O1", "Oz", "O2" };
  static float x[T * C], y[T * C], r[T * C];
  for (int t = 0; t < T; t++)
    for (int c = 0; c < C; c++) {
      double s = -0.1 + t / 32.0, bump = exp(-pow(s - 0.35, 2) / (2 * 0.06 * 0.06));
      x[t * C + c] = (float)(0.6 * sin(7 * s + c) + (c == 9 ? 2.0 : 0.5) * bump);
      y[t * C + c] = (float)(0.5 * sin(5 * s + c));
      r[t * C + c] = (float)((c >= 8 && c <= 10 ? 1.0 : 0.2) * bump - 0.15 * (c == 3));
    }
  GbEegTraces e = { .n_times = T, .n_channels = C, .srate = 32, .t0 = -0.1, .channel_names = n16,
                    .sets = { { x, "Target" }, { y, "Non-target" } }, .n_sets = 2,
                    .units = GB_EEG_UNITS_SD, .relevance = r, .colormap = GB_COLORMAP_DIVERGING,
                    .opacity = 0.75, .show_cursor = true, .cursor_time = 0.35,
                    .title = "Trial 12: subject 1, target", .show_colorbar = true,
                    .colorbar_label = "relevance" };
  GbError err = { 0 };
  g_autofree char *png = g_build_filename(dir, "eeg-traces.png", NULL);
  g_autofree char *svg = g_build_filename(dir, "eeg-traces.svg", NULL);
  g_assert_cmpint(gb_plot_export(png, 900, 480, sample_draw, &e, &err), ==, GB_OK);
  g_assert_cmpint(gb_plot_export(svg, 900, 480, sample_draw, &e, &err), ==, GB_OK);
  e.n_sets = 0;
  e.title = NULL;
  e.show_cursor = false;
  g_autofree char *map = g_build_filename(dir, "eeg-map.png", NULL);
  g_assert_cmpint(gb_plot_export(map, 900, 220, sample_draw, &e, &err), ==, GB_OK);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/eeg-traces/mapping-round-trip", test_mapping_round_trip);
  g_test_add_func("/eeg-traces/deflection-above-baseline", test_deflection_above_baseline);
  g_test_add_func("/eeg-traces/relevance-shading", test_relevance_shading);
  g_test_add_func("/eeg-traces/cursor", test_cursor);
  g_test_add_func("/eeg-traces/sets-and-legend", test_sets_and_legend);
  g_test_add_func("/eeg-traces/scales-and-alignment", test_scales_and_alignment);
  g_test_add_func("/eeg-traces/invalid", test_invalid);
  g_test_add_func("/eeg-traces/sample", test_sample);
  return g_test_run();
}

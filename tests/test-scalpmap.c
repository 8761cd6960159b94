/* SPDX-License-Identifier: GPL-3.0-or-later */
/* src/plot/gb-scalpmap: the interpolation against its definition, the renderer by its pixels.
 * With GB_PLOT_SAMPLES=DIR, /scalpmap/sample writes a P300-like map into DIR to look at. */
#include "config.h"

#include <cairo.h>
#include <glib.h>
#include <math.h>
#include <stdint.h>

#include "gb-colormap.h"
#include "gb-plot-export.h"
#include "gb-scalpmap.h"
#include "gb-test-util.h"

/* The 16-channel P300 montage, EEGLAB polar positions (theta degrees from the nose towards the
 * right ear, radius), as in eloc64.txt. */
#define N_CH 16
static const char *const names[N_CH] = { "Fp1", "Fp2", "F3", "Fz",  "F4",  "C3", "Cz", "C4",
                                          "P3",  "Pz",  "P4", "PO7", "PO8", "O1", "Oz", "O2" };
static const double polar[N_CH][2] = {
  { -18, 0.511 }, { 18, 0.511 }, { -39, 0.333 }, { 0, 0.203 },   { 39, 0.333 }, { -90, 0.256 },
  { 0, 0 },       { 90, 0.256 }, { -141, 0.333 }, { 180, 0.203 }, { 141, 0.333 }, { -144, 0.467 },
  { 144, 0.467 }, { -162, 0.511 }, { 180, 0.511 }, { 162, 0.511 },
};

static float xs[N_CH], ys[N_CH];

static void
positions_init(void)
{
  for (int i = 0; i < N_CH; i++) {
    double th = polar[i][0] * M_PI / 180.0;
    xs[i] = (float)(polar[i][1] * sin(th));
    ys[i] = (float)(polar[i][1] * cos(th));
  }
}

/* A parietal positive peak at Pz (index 9) and a frontal negativity at Fz (index 3). */
static void
p300_values(double *v)
{
  for (int i = 0; i < N_CH; i++)
    v[i] = 2.0 * exp(-(pow(xs[i] - xs[9], 2) + pow(ys[i] - ys[9], 2)) / 0.04) - 0.5;
  v[9] = 2.0;
  v[3] = -2.0;
}

static GbScalpmap
map_new(const double *values)
{
  return (GbScalpmap){ .n_channels = N_CH, .x = xs, .y = ys, .names = names, .values = values,
                       .colormap = GB_COLORMAP_DIVERGING, .show_colorbar = true,
                       .colorbar_label = "relevance", .show_names = true, .title = "P300" };
}

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

static void
assert_px_rgb(Px p, GbRgb c, int tol)
{
  int r = (int)lround(c.r * 255), g = (int)lround(c.g * 255), b = (int)lround(c.b * 255);
  if (abs(p.r - r) > tol || abs(p.g - g) > tol || abs(p.b - b) > tol)
    g_error("pixel (%d,%d,%d), expected (%d,%d,%d) +-%d", p.r, p.g, p.b, r, g, b, tol);
}

/* Draws @m on a white 400x400 image; *l receives the layout. */
static cairo_surface_t *
render(const GbScalpmap *m, GbScalpmapLayout *l)
{
  cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 400, 400);
  cairo_t *cr = cairo_create(s);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);
  GbPlotRect area = { 0, 0, 400, 400 };
  GbError err = { 0 };
  GbStatus st = gb_scalpmap_draw(cr, m, area, &err);
  g_assert_cmpint(st, ==, GB_OK);
  gb_scalpmap_layout(m, area, l);
  cairo_destroy(cr);
  return s;
}

static void
test_value_at(void)
{
  double v[N_CH];
  p300_values(v);
  GbScalpmap m = map_new(v);
  for (int i = 0; i < N_CH; i++)
    g_assert_cmpfloat(fabs(gb_scalpmap_value_at(&m, xs[i], ys[i]) - v[i]), <, 1e-12);
  /* Inverse-distance weights 1/d^2 by hand at a point between Cz and Pz. */
  double px = 0.0, py = -0.05, num = 0.0, den = 0.0;
  for (int i = 0; i < N_CH; i++) {
    double d2 = pow(px - xs[i], 2) + pow(py - ys[i], 2);
    num += v[i] / d2;
    den += 1.0 / d2;
  }
  g_assert_cmpfloat(fabs(gb_scalpmap_value_at(&m, px, py) - num / den), <, 1e-9);
  /* A NaN value takes its channel out of the interpolation. */
  double w[N_CH];
  for (int i = 0; i < N_CH; i++)
    w[i] = v[i];
  w[6] = NAN;
  GbScalpmap mw = map_new(w);
  g_assert_cmpfloat(fabs(gb_scalpmap_value_at(&mw, xs[6], ys[6]) - v[6]), >, 1e-3);
  g_assert_true(isfinite(gb_scalpmap_value_at(&mw, xs[6], ys[6])));
}

static void
test_pixels(void)
{
  double v[N_CH];
  p300_values(v);
  GbScalpmap m = map_new(v);
  GbScalpmapLayout l;
  cairo_surface_t *s = render(&m, &l);
  g_assert_cmpfloat(l.hi, ==, 2.0);
  g_assert_cmpfloat(l.lo, ==, -2.0);
  double dx, dy;
  /* Inside the ring at Pz (the largest value): the top end of the colour map. */
  gb_scalpmap_to_device(&l, xs[9], ys[9], &dx, &dy);
  assert_px_rgb(pixel(s, dx, dy), gb_colormap_lookup(GB_COLORMAP_DIVERGING, 1.0), 3);
  /* At Fz (the smallest): the bottom end. */
  gb_scalpmap_to_device(&l, xs[3], ys[3], &dx, &dy);
  assert_px_rgb(pixel(s, dx, dy), gb_colormap_lookup(GB_COLORMAP_DIVERGING, 0.0), 3);
  /* Outside the map disc (below left, clear of the ears and nose) and in the corners: the
   * background. */
  double r = l.map_radius + 4.0;
  GbRgb white = { 1, 1, 1 };
  assert_px_rgb(pixel(s, l.cx - r * M_SQRT1_2, l.cy + r * M_SQRT1_2), white, 0);
  assert_px_rgb(pixel(s, 1, 399), white, 0);
  assert_px_rgb(pixel(s, l.cx - r * M_SQRT1_2, l.cy - r * M_SQRT1_2), white, 0);
  /* Just inside the disc: coloured, not background. */
  double ri = l.map_radius - 3.0;
  Px in = pixel(s, l.cx - ri * M_SQRT1_2, l.cy + ri * M_SQRT1_2);
  g_assert_false(in.r == 255 && in.g == 255 && in.b == 255);
  /* The head outline (r = 0.5) and the nose's tip are drawn dark. */
  Px rim = pixel(s, l.cx - l.head_radius * M_SQRT1_2, l.cy + l.head_radius * M_SQRT1_2);
  g_assert_cmpint(rim.r + rim.g + rim.b, <, 3 * 110);
  Px tip = pixel(s, l.cx, l.cy - 1.13 * l.head_radius + 1.0);
  g_assert_cmpint(tip.r + tip.g + tip.b, <, 3 * 160);
  /* The colour bar's top is the map's top end. */
  g_assert_cmpfloat(l.colorbar.width, >, 0.0);
  double y = floor(l.colorbar.y) + 3.5;
  assert_px_rgb(pixel(s, l.colorbar.x + l.colorbar.width / 2, y),
                gb_colormap_lookup(GB_COLORMAP_DIVERGING,
                                   1.0 - (y - l.colorbar.y) / l.colorbar.height), 3);
  cairo_surface_destroy(s);
}

static void
test_viridis_fixed_scale(void)
{
  double v[N_CH];
  for (int i = 0; i < N_CH; i++)
    v[i] = 1.0;
  v[6] = 4.0; /* Cz, at the fixed maximum */
  GbScalpmap m = map_new(v);
  m.colormap = GB_COLORMAP_VIRIDIS;
  m.scale_max = 4.0;
  m.show_colorbar = false;
  GbScalpmapLayout l;
  cairo_surface_t *s = render(&m, &l);
  g_assert_cmpfloat(l.colorbar.width, ==, 0.0);
  double dx, dy;
  gb_scalpmap_to_device(&l, xs[6], ys[6], &dx, &dy);
  assert_px_rgb(pixel(s, dx, dy), gb_colormap_lookup(GB_COLORMAP_VIRIDIS, 1.0), 3);
  gb_scalpmap_to_device(&l, xs[3], ys[3], &dx, &dy);
  assert_px_rgb(pixel(s, dx, dy), gb_colormap_lookup(GB_COLORMAP_VIRIDIS, 0.25), 3);
  cairo_surface_destroy(s);
}

static void
test_all_nan_and_invalid(void)
{
  double v[N_CH];
  for (int i = 0; i < N_CH; i++)
    v[i] = NAN;
  GbScalpmap m = map_new(v);
  GbScalpmapLayout l;
  cairo_surface_t *s = render(&m, &l);
  /* No values: the head alone, its inside is background. */
  assert_px_rgb(pixel(s, l.cx + 10, l.cy + 10), (GbRgb){ 1, 1, 1 }, 0);
  cairo_surface_destroy(s);

  cairo_surface_t *surf = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 50, 50);
  cairo_t *cr = cairo_create(surf);
  GbError err = { 0 };
  m.n_channels = 0;
  GbStatus st = gb_scalpmap_draw(cr, &m, (GbPlotRect){ 0, 0, 50, 50 }, &err);
  gb_test_assert_failure(st, GB_ERR_INVALID, &err, "scalp map", "channel");
  m.n_channels = N_CH;
  m.values = NULL;
  st = gb_scalpmap_draw(cr, &m, (GbPlotRect){ 0, 0, 50, 50 }, &err);
  gb_test_assert_failure(st, GB_ERR_INVALID, &err, "scalp map", "values missing");
  cairo_destroy(cr);
  cairo_surface_destroy(surf);
}

static GbStatus
sample_draw(void *user, cairo_t *cr, GbPlotRect area, GbError *err)
{
  return gb_scalpmap_draw(cr, user, area, err);
}

static void
test_sample(void)
{
  const char *dir = g_getenv("GB_PLOT_SAMPLES");
  if (dir == NULL) {
    g_test_skip("GB_PLOT_SAMPLES not set");
    return;
  }
  double v[N_CH];
  p300_values(v);
  GbScalpmap m = map_new(v);
  GbError err = { 0 };
  g_autofree char *png = g_build_filename(dir, "scalpmap.png", NULL);
  g_autofree char *svg = g_build_filename(dir, "scalpmap.svg", NULL);
  g_assert_cmpint(gb_plot_export(png, 420, 360, sample_draw, &m, &err), ==, GB_OK);
  g_assert_cmpint(gb_plot_export(svg, 420, 360, sample_draw, &m, &err), ==, GB_OK);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  positions_init();
  g_test_add_func("/scalpmap/value-at", test_value_at);
  g_test_add_func("/scalpmap/pixels", test_pixels);
  g_test_add_func("/scalpmap/viridis-fixed-scale", test_viridis_fixed_scale);
  g_test_add_func("/scalpmap/all-nan-and-invalid", test_all_nan_and_invalid);
  g_test_add_func("/scalpmap/sample", test_sample);
  return g_test_run();
}

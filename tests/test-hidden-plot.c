/* SPDX-License-Identifier: GPL-3.0-or-later */
/* src/plot: the hidden-state figures' renderers (raster, scatter) checked by their pixels.
 * With GB_PLOT_SAMPLES=DIR, /hidden-plot/samples writes both into DIR to look at. */
#include "config.h"

#include <cairo.h>
#include <glib.h>
#include <math.h>
#include <stdint.h>

#include "gb-colorbar.h"
#include "gb-colormap.h"
#include "gb-curves.h"
#include "gb-plot-export.h"
#include "gb-raster.h"
#include "gb-scatter.h"
#include "gb-test-util.h"

typedef struct {
  int r, g, b;
} Px;

static Px
pixel(cairo_surface_t *s, double x, double y)
{
  cairo_surface_flush(s);
  int ix = (int)floor(x), iy = (int)floor(y);
  g_assert_true(ix >= 0 && iy >= 0 && ix < cairo_image_surface_get_width(s)
                && iy < cairo_image_surface_get_height(s));
  const unsigned char *row = cairo_image_surface_get_data(s)
                             + (size_t)iy * cairo_image_surface_get_stride(s);
  uint32_t v = ((const uint32_t *)(const void *)row)[ix];
  return (Px){ (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff };
}

static void
assert_px(Px p, int r, int g, int b, int tol)
{
  if (abs(p.r - r) > tol || abs(p.g - g) > tol || abs(p.b - b) > tol)
    g_error("pixel (%d,%d,%d), expected (%d,%d,%d) +-%d", p.r, p.g, p.b, r, g, b, tol);
}

static void
assert_px_rgb(Px p, GbRgb c, int tol)
{
  assert_px(p, (int)lround(c.r * 255), (int)lround(c.g * 255), (int)lround(c.b * 255), tol);
}

static cairo_surface_t *
white(int w, int h, cairo_t **cr)
{
  cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
  *cr = cairo_create(s);
  cairo_set_source_rgb(*cr, 1, 1, 1);
  cairo_paint(*cr);
  return s;
}

/* Units x time: the largest value's cell has the map's top colour, the smallest its bottom,
 * zero the centre, NaN light grey; the dashed onset line sits at x = 0 between columns. */
static void
test_raster_cells(void)
{
  const float v[2 * 4] = { 0, 4, -1, NAN, 2, -4, 1, 0 };
  GbRaster r = { .values = v, .rows = 2, .cols = 4, .colormap = GB_COLORMAP_DIVERGING,
                 .x_lo = -100, .x_hi = 200, .x_mark = NAN, .title = "d'", .x_label = "ms",
                 .y_label = "unit", .show_colorbar = true };
  cairo_t *cr;
  cairo_surface_t *s = white(600, 300, &cr);
  GbError err = { 0 };
  g_assert_cmpint(gb_raster_draw(cr, &r, (GbPlotRect){ 0, 0, 600, 300 }, &err), ==, GB_OK);
  GbRasterLayout l;
  gb_raster_layout(cr, &r, (GbPlotRect){ 0, 0, 600, 300 }, &l);
  g_assert_cmpfloat(l.hi, ==, 4.0);
  double cw = l.cells.width / 4, ch = l.cells.height / 2;
#define CELL(i, j) pixel(s, l.cells.x + ((j) + 0.5) * cw, l.cells.y + ((i) + 0.5) * ch)
  assert_px_rgb(CELL(0, 1), gb_colormap_lookup(GB_COLORMAP_DIVERGING, 1.0), 1);
  assert_px_rgb(CELL(1, 1), gb_colormap_lookup(GB_COLORMAP_DIVERGING, 0.0), 1);
  assert_px_rgb(CELL(0, 0), gb_colormap_lookup(GB_COLORMAP_DIVERGING, 0.5), 1);
  assert_px_rgb(CELL(1, 0), gb_colormap_lookup(GB_COLORMAP_DIVERGING, 0.75), 1);
  assert_px(CELL(0, 3), 0xdd, 0xdd, 0xdd, 0);
  cairo_destroy(cr);
  cairo_surface_destroy(s);

  /* A mark at 0 ms: the columns are at -100, 0, 100 and 200 ms, so the dashed line runs down
   * the centre of column 1, dark on its near-white cell. */
  const float z[1 * 4] = { 0, 0, 0, 1 };
  GbRaster m = r;
  m.values = z;
  m.rows = 1;
  m.x_mark = 0.0;
  s = white(600, 300, &cr);
  g_assert_cmpint(gb_raster_draw(cr, &m, (GbPlotRect){ 0, 0, 600, 300 }, &err), ==, GB_OK);
  gb_raster_layout(cr, &m, (GbPlotRect){ 0, 0, 600, 300 }, &l);
  cw = l.cells.width / 4;
  double x0 = l.cells.x + 1.5 * cw; /* the centre of the 0 ms column */
  Px on = pixel(s, x0, l.cells.y + 0.5 * l.cells.height + 1);
  Px beside = pixel(s, x0 + 0.25 * cw, l.cells.y + 0.5 * l.cells.height + 1);
  g_assert_cmpint(on.r + on.g + on.b, <, beside.r + beside.g + beside.b - 200);
  cairo_destroy(cr);
  cairo_surface_destroy(s);

  r.rows = 0;
  s = white(10, 10, &cr);
  g_assert_cmpint(gb_raster_draw(cr, &r, (GbPlotRect){ 0, 0, 10, 10 }, &err), ==, GB_ERR_SHAPE);
  gb_test_assert_message(&err, "raster", "0x4 cells");
  r.values = NULL;
  g_assert_cmpint(gb_raster_draw(cr, &r, (GbPlotRect){ 0, 0, 10, 10 }, &err), ==, GB_ERR_INVALID);
  cairo_destroy(cr);
  cairo_surface_destroy(s);
}

/* Points take their group's colour; a trajectory's dots its curve colour; the legend's
 * swatches the trajectories'. */
static void
test_scatter_points(void)
{
  const float xy[3 * 2] = { 0.3f, 0.7f, 9.7f, 9.3f, 2.7f, 7.3f }; /* off the grid lines */
  const int group[3] = { 0, 1, 1 };
  const unsigned rgb[2] = { GB_CURVES_BLUE_RGB, GB_CURVES_VERMILLION_RGB };
  const double tx[3] = { 5.3, 6.3, 7.3 }, ty[3] = { 2.3, 3.3, 2.3 };
  GbCurve t = { .name = "mean", .x = tx, .y = ty, .n = 3, .fixed_rgb = true,
                .rgb = GB_CURVES_GREEN_RGB, .markers = true };
  GbScatter sc = { .xy = xy, .group = group, .n_points = 3, .n_groups = 2, .group_rgb = rgb,
                   .point_alpha = 1.0, .trajectories = &t, .n_trajectories = 1,
                   .label_trajectory = -1, .title = "PCA", .x_label = "PC1", .y_label = "PC2" };
  cairo_t *cr;
  cairo_surface_t *s = white(500, 400, &cr);
  GbError err = { 0 };
  g_assert_cmpint(gb_scatter_draw(cr, &sc, (GbPlotRect){ 0, 0, 500, 400 }, &err), ==, GB_OK);
  GbCurvesLayout l;
  gb_scatter_layout(cr, &sc, (GbPlotRect){ 0, 0, 500, 400 }, &l);
  /* Data span x 0.3..9.7 and y 0.7..9.3, with a 5% margin. */
  g_assert_cmpfloat(fabs(l.x_lo - (0.3 - 0.05 * 9.4)), <, 1e-6);
  g_assert_cmpfloat(fabs(l.y_hi - (9.3 + 0.05 * 8.6)), <, 1e-6);
  double dx, dy;
  gb_curves_to_device(&l, 2.7, 7.3, &dx, &dy);
  assert_px(pixel(s, dx, dy), 0xd5, 0x5e, 0x00, 2);
  gb_curves_to_device(&l, 0.3, 0.7, &dx, &dy);
  assert_px(pixel(s, dx, dy), 0x00, 0x72, 0xb2, 2);
  gb_curves_to_device(&l, 6.3, 3.3, &dx, &dy);
  assert_px(pixel(s, dx, dy), 0x00, 0x9e, 0x73, 2);
  /* Far from every point and line: background (a grid line may pass: test off them). */
  gb_curves_to_device(&l, 9.1, 1.1, &dx, &dy);
  assert_px(pixel(s, dx, dy), 255, 255, 255, 0);
  cairo_destroy(cr);
  cairo_surface_destroy(s);
  GbScatter none = { 0 };
  s = white(10, 10, &cr);
  g_assert_cmpint(gb_scatter_draw(cr, &none, (GbPlotRect){ 0, 0, 10, 10 }, &err), ==,
                  GB_ERR_INVALID);
  gb_test_assert_message(&err, "scatter", "no points");
  cairo_destroy(cr);
  cairo_surface_destroy(s);
}

/* A stand-alone colour bar: its strip runs from the map's bottom colour to its top colour. */
static void
test_colorbar(void)
{
  cairo_t *cr;
  cairo_surface_t *s = white(80, 300, &cr);
  GbError err = { 0 };
  g_assert_cmpint(gb_colorbar_draw(cr, GB_COLORMAP_VIRIDIS, 0, 2, "relevance", 11,
                                   (GbPlotRect){ 0, 0, 80, 300 }, &err), ==, GB_OK);
  /* The strip starts 0.3 font sizes in and is 2 font sizes wide (its column at x 3.3..25.3);
   * it spans y 6.6 .. 300 - 22. */
  double x = 3.3 + 11.0, y_top = 6.6, y_bot = 300 - 22.0, h = y_bot - y_top;
  double y = y_top + 4.5, y2 = y_bot - 4.5;
  assert_px_rgb(pixel(s, x, y), gb_colormap_lookup(GB_COLORMAP_VIRIDIS, 1 - 4.5 / h), 2);
  assert_px_rgb(pixel(s, x, y2), gb_colormap_lookup(GB_COLORMAP_VIRIDIS, 4.5 / h), 2);
  g_assert_cmpint(gb_colorbar_draw(cr, GB_COLORMAP_VIRIDIS, 2, 0, NULL, 0,
                                   (GbPlotRect){ 0, 0, 80, 300 }, &err), ==, GB_ERR_INVALID);
  gb_test_assert_message(&err, "colour bar", "range 2 to 0");
  cairo_destroy(cr);
  cairo_surface_destroy(s);
}

static GbStatus
draw_raster(void *user, cairo_t *cr, GbPlotRect area, GbError *err)
{
  return gb_raster_draw(cr, user, area, err);
}

static void
test_samples(void)
{
  const char *dir = g_getenv("GB_PLOT_SAMPLES");
  if (dir == NULL) {
    g_test_skip("GB_PLOT_SAMPLES not set");
    return;
  }
  const float v[9] = { 0.9f, 0.1f, 0, 0.05f, 0.8f, 0.15f, 0.3f, 0, 0.7f };
  const char *names[3] = { "A", "B", "C" };
  GbRaster r = { .values = v, .rows = 3, .cols = 3, .colormap = GB_COLORMAP_VIRIDIS,
                 .scale_max = 1, .col_labels = names, .row_labels = names, .x_mark = NAN,
                 .annotate = true, .title = "transitions", .x_label = "to", .y_label = "from",
                 .show_colorbar = true, .colorbar_label = "P" };
  g_autofree char *png = g_build_filename(dir, "raster-annotated.png", NULL);
  GbError err = { 0 };
  g_assert_cmpint(gb_plot_export(png, 500, 420, draw_raster, &r, &err), ==, GB_OK);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/hidden-plot/raster", test_raster_cells);
  g_test_add_func("/hidden-plot/scatter", test_scatter_points);
  g_test_add_func("/hidden-plot/colorbar", test_colorbar);
  g_test_add_func("/hidden-plot/samples", test_samples);
  return g_test_run();
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* src/plot: renderers checked by their pixels, colour maps against their published control
 * points, exports by their files. With GB_PLOT_SAMPLES=DIR, /plot/samples also writes a
 * heatmap over a digit, bar charts and curves into DIR for a person to look at. */
#include "config.h"

#include <cairo.h>
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "gb-barchart.h"
#include "gb-colormap.h"
#include "gb-curves.h"
#include "gb-heatmap.h"
#include "gb-plot-export.h"
#include "gb-test-util.h"

/* ---- helpers ---- */

typedef struct {
  int r, g, b;
} Px;

static cairo_surface_t *
white_surface(int w, int h, cairo_t **cr)
{
  cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
  *cr = cairo_create(s);
  cairo_set_source_rgb(*cr, 1, 1, 1);
  cairo_paint(*cr);
  return s;
}

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
  g_assert_cmpuint(v >> 24, ==, 255); /* opaque: no premultiplication to undo */
  return (Px){ (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff };
}

static Px
px_rgb(GbRgb c)
{
  return (Px){ (int)lround(c.r * 255), (int)lround(c.g * 255), (int)lround(c.b * 255) };
}

static Px
px_hex(unsigned hex)
{
  return (Px){ (hex >> 16) & 0xff, (hex >> 8) & 0xff, hex & 0xff };
}

#define assert_px_near(got, want, tol)                                                        \
  do {                                                                                        \
    Px g_ = (got), w_ = (want);                                                               \
    if (abs(g_.r - w_.r) > (tol) || abs(g_.g - w_.g) > (tol) || abs(g_.b - w_.b) > (tol))     \
      g_error("pixel (%d,%d,%d), expected (%d,%d,%d) +-%d", g_.r, g_.g, g_.b, w_.r, w_.g,     \
              w_.b, (tol));                                                                   \
  } while (0)

static void
assert_rgb_near(GbRgb got, double r, double g, double b, double tol)
{
  g_assert_cmpfloat_with_epsilon(got.r, r, tol);
  g_assert_cmpfloat_with_epsilon(got.g, g, tol);
  g_assert_cmpfloat_with_epsilon(got.b, b, tol);
}

/* Centre of cell (row, col) of a heatmap layout. */
static void
cell_centre(const GbHeatmapLayout *l, int h, int w, int row, int col, double *x, double *y)
{
  *x = l->image.x + (col + 0.5) * l->image.width / w;
  *y = l->image.y + (row + 0.5) * l->image.height / h;
}

/* ---- colour maps ---- */

static void
test_colormap_diverging(void)
{
  /* ColorBrewer RdBu (reversed): #053061 .. #f7f7f7 .. #67001f */
  assert_rgb_near(gb_colormap_lookup(GB_COLORMAP_DIVERGING, 0.0), 5 / 255., 48 / 255.,
                  97 / 255., 1e-12);
  assert_rgb_near(gb_colormap_lookup(GB_COLORMAP_DIVERGING, 0.5), 247 / 255., 247 / 255.,
                  247 / 255., 1e-12);
  assert_rgb_near(gb_colormap_lookup(GB_COLORMAP_DIVERGING, 1.0), 103 / 255., 0.0, 31 / 255.,
                  1e-12);
  /* between #f7f7f7 (0.5) and #fddbc7 (0.6): halfway */
  assert_rgb_near(gb_colormap_lookup(GB_COLORMAP_DIVERGING, 0.55), 250 / 255., 233 / 255.,
                  223 / 255., 1e-9);
  /* clamped, and NaN is the centre */
  assert_rgb_near(gb_colormap_lookup(GB_COLORMAP_DIVERGING, -3.0), 5 / 255., 48 / 255.,
                  97 / 255., 1e-12);
  assert_rgb_near(gb_colormap_lookup(GB_COLORMAP_DIVERGING, 7.0), 103 / 255., 0.0, 31 / 255.,
                  1e-12);
  assert_rgb_near(gb_colormap_lookup(GB_COLORMAP_DIVERGING, NAN), 247 / 255., 247 / 255.,
                  247 / 255., 1e-12);
}

static void
test_colormap_viridis(void)
{
  /* matplotlib's _viridis_data[0], [128], [255], and halfway between [127] and [128]. */
  assert_rgb_near(gb_colormap_lookup(GB_COLORMAP_VIRIDIS, 0.0), 0.267004, 0.004874, 0.329415,
                  1e-12);
  assert_rgb_near(gb_colormap_lookup(GB_COLORMAP_VIRIDIS, 128 / 255.), 0.127568, 0.566949,
                  0.550556, 1e-12);
  assert_rgb_near(gb_colormap_lookup(GB_COLORMAP_VIRIDIS, 1.0), 0.993248, 0.906157, 0.143936,
                  1e-12);
  assert_rgb_near(gb_colormap_lookup(GB_COLORMAP_VIRIDIS, 0.5), (0.128729 + 0.127568) / 2,
                  (0.563265 + 0.566949) / 2, (0.551229 + 0.550556) / 2, 0.002);
  /* an entry that is not a control point: [100], within the documented 0.0066 */
  assert_rgb_near(gb_colormap_lookup(GB_COLORMAP_VIRIDIS, 100 / 255.), 0.166617, 0.463708,
                  0.558119, 0.0066);
  /* control points are sorted and span [0, 1] */
  size_t n;
  const double(*p)[4] = gb_colormap_control_points(GB_COLORMAP_VIRIDIS, &n);
  g_assert_cmpuint(n, ==, 33);
  g_assert_cmpfloat(p[0][0], ==, 0.0);
  g_assert_cmpfloat(p[n - 1][0], ==, 1.0);
  for (size_t i = 1; i < n; i++)
    g_assert_cmpfloat(p[i][0], >, p[i - 1][0]);
}

static void
test_colormap_symmetric(void)
{
  g_assert_cmpfloat(gb_colormap_symmetric(-2.0, 2.0), ==, 0.0);
  g_assert_cmpfloat(gb_colormap_symmetric(0.0, 2.0), ==, 0.5);
  g_assert_cmpfloat(gb_colormap_symmetric(2.0, 2.0), ==, 1.0);
  g_assert_cmpfloat(gb_colormap_symmetric(1.0, 2.0), ==, 0.75);
  g_assert_cmpfloat(gb_colormap_symmetric(5.0, 2.0), ==, 1.0);
  g_assert_cmpfloat(gb_colormap_symmetric(1.0, 0.0), ==, 0.5);
  g_assert_cmpfloat(gb_colormap_symmetric(1.0, NAN), ==, 0.5);
  float v[] = { 0.5f, -3.0f, NAN, INFINITY, 2.0f };
  g_assert_cmpfloat(gb_colormap_max_abs(v, 5), ==, 3.0);
  double lo, hi;
  gb_colormap_range(v, 5, &lo, &hi);
  g_assert_cmpfloat(lo, ==, -3.0);
  g_assert_cmpfloat(hi, ==, 2.0);
}

/* ---- heatmap ---- */

#define N 28

static void
test_heatmap_map_alone(void)
{
  float rel[N * N] = { 0 };
  rel[0] = 2.5f;              /* +max in the top-left cell */
  rel[N * N - 1] = -2.5f;     /* -max in the bottom-right one */
  rel[1] = 1.25f;             /* half of +max */
  GbHeatmap h = { .relevance = rel, .height = N, .width = N,
                  .colormap = GB_COLORMAP_DIVERGING };
  cairo_t *cr;
  cairo_surface_t *s = white_surface(300, 300, &cr);
  GbPlotRect area = { 0, 0, 300, 300 };
  GbError err = { 0 };
  g_assert_cmpint(gb_heatmap_draw(cr, &h, area, &err), ==, GB_OK);
  GbHeatmapLayout l;
  gb_heatmap_layout(&h, area, &l);
  g_assert_cmpfloat(l.lo, ==, -2.5);
  g_assert_cmpfloat(l.hi, ==, 2.5);
  g_assert_cmpfloat(l.image.width, >, 250); /* nearly the whole area */
  double x, y;
  cell_centre(&l, N, N, 0, 0, &x, &y);
  assert_px_near(pixel(s, x, y), px_hex(0x67001f), 1);
  cell_centre(&l, N, N, 0, 1, &x, &y);
  assert_px_near(pixel(s, x, y), px_rgb(gb_colormap_lookup(GB_COLORMAP_DIVERGING, 0.75)), 1);
  cell_centre(&l, N, N, N - 1, N - 1, &x, &y);
  assert_px_near(pixel(s, x, y), px_hex(0x053061), 1);
  cell_centre(&l, N, N, 14, 14, &x, &y);
  assert_px_near(pixel(s, x, y), px_hex(0xf7f7f7), 1);
  /* crisp cells: a pixel just inside cell (0,0)'s right edge still has its colour */
  double cw = l.image.width / N;
  assert_px_near(pixel(s, l.image.x + cw - 1.0, l.image.y + 2.0), px_hex(0x67001f), 1);
  cairo_destroy(cr);
  cairo_surface_destroy(s);
}

static void
test_heatmap_opacity(void)
{
  float img[N * N], rel[N * N];
  for (int i = 0; i < N * N; i++) {
    img[i] = 0.4f;
    rel[i] = (i % 2) ? 1.0f : -1.0f;
  }
  GbHeatmap h = { .image = img, .relevance = rel, .height = N, .width = N, .opacity = 0.0,
                  .colormap = GB_COLORMAP_DIVERGING };
  GbPlotRect area = { 10, 20, 280, 280 };
  double alphas[] = { 0.0, 1.0, 0.5 };
  for (int k = 0; k < 3; k++) {
    h.opacity = alphas[k];
    cairo_t *cr;
    cairo_surface_t *s = white_surface(300, 300, &cr);
    g_assert_cmpint(gb_heatmap_draw(cr, &h, area, NULL), ==, GB_OK);
    GbHeatmapLayout l;
    gb_heatmap_layout(&h, area, &l);
    double x, y;
    cell_centre(&l, N, N, 3, 5, &x, &y); /* index 89: odd, +1 = +max */
    Px red = px_hex(0x67001f), gray = { 102, 102, 102 };
    Px want = { (int)lround(gray.r + alphas[k] * (red.r - gray.r)),
                (int)lround(gray.g + alphas[k] * (red.g - gray.g)),
                (int)lround(gray.b + alphas[k] * (red.b - gray.b)) };
    assert_px_near(pixel(s, x, y), want, 2);
    cairo_destroy(cr);
    cairo_surface_destroy(s);
  }
  /* inverted image: 0.4 is drawn as 0.6 */
  h.opacity = 0.0;
  h.invert_image = true;
  cairo_t *cr;
  cairo_surface_t *s = white_surface(300, 300, &cr);
  g_assert_cmpint(gb_heatmap_draw(cr, &h, area, NULL), ==, GB_OK);
  GbHeatmapLayout l;
  gb_heatmap_layout(&h, area, &l);
  double x, y;
  cell_centre(&l, N, N, 10, 10, &x, &y);
  assert_px_near(pixel(s, x, y), ((Px){ 153, 153, 153 }), 1);
  cairo_destroy(cr);
  cairo_surface_destroy(s);
}

/* Vector targets draw cells as rectangles: replaying a recording onto an image must show the
 * same cell colours as the raster path, with no light seams between equal cells. */
static void
test_heatmap_vector(void)
{
  float img[N * N], rel[N * N];
  for (int i = 0; i < N * N; i++) {
    img[i] = 0.3f;
    rel[i] = (i / N < 14) ? 1.0f : -0.5f; /* top half +max, bottom half -max/2 */
  }
  GbHeatmap h = { .image = img, .relevance = rel, .height = N, .width = N, .opacity = 0.7,
                  .colormap = GB_COLORMAP_DIVERGING };
  GbPlotRect area = { 0, 0, 301, 301 }; /* cells of a fractional width */
  cairo_surface_t *rec = cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, NULL);
  cairo_t *rcr = cairo_create(rec);
  g_assert_cmpint(gb_heatmap_draw(rcr, &h, area, NULL), ==, GB_OK);
  cairo_destroy(rcr);
  cairo_t *cr;
  cairo_surface_t *vec = white_surface(301, 301, &cr);
  cairo_set_source_surface(cr, rec, 0, 0);
  cairo_paint(cr);
  cairo_destroy(cr);
  cairo_surface_destroy(rec);
  cairo_surface_t *ras = white_surface(301, 301, &cr);
  g_assert_cmpint(gb_heatmap_draw(cr, &h, area, NULL), ==, GB_OK);
  cairo_destroy(cr);

  GbHeatmapLayout l;
  gb_heatmap_layout(&h, area, &l);
  for (int r = 0; r < N; r += 3)
    for (int c = 0; c < N; c += 3) {
      double x, y;
      cell_centre(&l, N, N, r, c, &x, &y);
      /* 2: Cairo truncates solid colours to 8 bits where the raster path rounds */
      assert_px_near(pixel(vec, x, y), pixel(ras, x, y), 2);
    }
  /* every pixel inside the top half is the same colour: no seams */
  Px top = pixel(ras, l.image.x + 5, l.image.y + 5);
  double cw = l.image.width / N;
  for (int c = 1; c < N; c++) {
    double x = l.image.x + c * cw; /* on a cell boundary */
    assert_px_near(pixel(vec, x, l.image.y + 3.3 * cw), top, 2);
  }
  cairo_surface_destroy(vec);
  cairo_surface_destroy(ras);
}

static bool
has_dark_pixel(cairo_surface_t *s, GbPlotRect r)
{
  for (int y = (int)r.y; y < (int)(r.y + r.height); y++)
    for (int x = (int)r.x; x < (int)(r.x + r.width); x++) {
      Px p = pixel(s, x, y);
      if (p.r < 128 && p.g < 128 && p.b < 128)
        return true;
    }
  return false;
}

static void
test_heatmap_colorbar(void)
{
  float rel[N * N];
  for (int i = 0; i < N * N; i++)
    rel[i] = (float)(i % N) - 10.0f; /* -10 .. 17: max |v| = 17 */
  GbHeatmap h = { .relevance = rel, .height = N, .width = N, .colormap = GB_COLORMAP_DIVERGING,
                  .show_colorbar = true, .colorbar_label = "relevance", .title = "A title" };
  cairo_t *cr;
  cairo_surface_t *s = white_surface(400, 320, &cr);
  GbPlotRect area = { 0, 0, 400, 320 };
  g_assert_cmpint(gb_heatmap_draw(cr, &h, area, NULL), ==, GB_OK);
  GbHeatmapLayout l;
  gb_heatmap_layout(&h, area, &l);
  g_assert_cmpfloat(l.hi, ==, 17.0);
  g_assert_cmpfloat(l.lo, ==, -17.0);
  GbPlotRect b = l.colorbar;
  g_assert_cmpfloat(b.width, >, 0.0);
  g_assert_cmpfloat(b.x, >=, l.image.x + l.image.width); /* right of the image */
  g_assert_cmpfloat(b.x + b.width, <, 400);
  double cx = b.x + b.width / 2;
  /* ends and middle of the strip: +max (dark red) on top, -max (dark blue) at the bottom */
  assert_px_near(pixel(s, cx, b.y + 2.5), px_hex(0x67001f), 8);
  assert_px_near(pixel(s, cx, b.y + b.height - 2.5), px_hex(0x053061), 8);
  assert_px_near(pixel(s, cx, b.y + b.height / 2), px_hex(0xf7f7f7), 3);
  /* tick labels right of the strip, the title above the image */
  g_assert_true(has_dark_pixel(s, (GbPlotRect){ b.x + b.width + 2, b.y, 400 - b.x - b.width - 2,
                                                b.height }));
  g_assert_true(has_dark_pixel(s, l.title));
  g_assert_cmpfloat(l.title.y + l.title.height, <=, l.image.y);
  cairo_destroy(cr);
  cairo_surface_destroy(s);
}

static void
test_heatmap_viridis(void)
{
  float rel[4] = { 1.0f, 2.0f, 3.0f, 5.0f };
  GbHeatmap h = { .relevance = rel, .height = 2, .width = 2, .colormap = GB_COLORMAP_VIRIDIS };
  cairo_t *cr;
  cairo_surface_t *s = white_surface(100, 100, &cr);
  GbPlotRect area = { 0, 0, 100, 100 };
  g_assert_cmpint(gb_heatmap_draw(cr, &h, area, NULL), ==, GB_OK);
  GbHeatmapLayout l;
  gb_heatmap_layout(&h, area, &l);
  double x, y;
  cell_centre(&l, 2, 2, 0, 0, &x, &y); /* the minimum: viridis(0) */
  assert_px_near(pixel(s, x, y), px_rgb(gb_colormap_lookup(GB_COLORMAP_VIRIDIS, 0.0)), 1);
  cell_centre(&l, 2, 2, 1, 1, &x, &y); /* the maximum: viridis(1) */
  assert_px_near(pixel(s, x, y), px_rgb(gb_colormap_lookup(GB_COLORMAP_VIRIDIS, 1.0)), 1);
  cell_centre(&l, 2, 2, 1, 0, &x, &y); /* 3 of [1, 5]: viridis(0.5) */
  assert_px_near(pixel(s, x, y), px_rgb(gb_colormap_lookup(GB_COLORMAP_VIRIDIS, 0.5)), 1);
  cairo_destroy(cr);
  cairo_surface_destroy(s);
}

static void
test_heatmap_errors(void)
{
  cairo_t *cr;
  cairo_surface_t *s = white_surface(50, 50, &cr);
  GbPlotRect area = { 0, 0, 50, 50 };
  GbError err = { 0 };
  GbHeatmap h = { .height = 2, .width = 2 };
  g_assert_cmpint(gb_heatmap_draw(cr, &h, area, &err), ==, GB_ERR_INVALID);
  g_assert_nonnull(strstr(err.message, "neither"));
  float v[4] = { 0 };
  h.relevance = v;
  h.width = 0;
  g_assert_cmpint(gb_heatmap_draw(cr, &h, area, &err), ==, GB_ERR_SHAPE);
  g_assert_nonnull(strstr(err.message, "2x0"));
  g_assert_cmpint(cairo_status(cr), ==, CAIRO_STATUS_SUCCESS);
  cairo_destroy(cr);
  cairo_surface_destroy(s);
}

/* ---- bar chart ---- */

static void
test_barchart_highlight(void)
{
  float p[10] = { 0.01f, 0.02f, 0.05f, 0.6f, 0.1f, 0.05f, 0.05f, 0.04f, 0.05f, 0.03f };
  for (int o = 0; o < 2; o++) {
    GbBarChart c = { .kind = GB_BARCHART_PROBABILITY, .orientation = o, .values = p, .n = 10,
                     .highlight = 3, .show_values = true, .title = "Prediction",
                     .axis_label = "probability" };
    cairo_t *cr;
    cairo_surface_t *s = white_surface(400, 300, &cr);
    GbPlotRect area = { 0, 0, 400, 300 };
    g_assert_cmpint(gb_barchart_draw(cr, &c, area, NULL), ==, GB_OK);
    GbBarChartLayout l;
    gb_barchart_layout(cr, &c, area, &l);
    g_assert_cmpfloat(l.lo, ==, 0.0);
    g_assert_cmpfloat(l.hi, >=, 1.0);
    GbPlotRect r = gb_barchart_bar_rect(&c, &l, 3);
    assert_px_near(pixel(s, r.x + r.width / 2, r.y + r.height / 2), px_hex(GB_PLOT_HIGHLIGHT_RGB),
                   1);
    r = gb_barchart_bar_rect(&c, &l, 4);
    assert_px_near(pixel(s, r.x + r.width / 2, r.y + r.height / 2),
                   px_hex(GB_BARCHART_NEUTRAL_RGB), 1);
    cairo_destroy(cr);
    cairo_surface_destroy(s);
  }
}

static void
test_barchart_signed(void)
{
  float v[4] = { 0.8f, -0.5f, 0.3f, -1.0f };
  const char *labels[4] = { "pixel A", "pixel B", "pixel C", "pixel D" };
  GbBarChart c = { .kind = GB_BARCHART_SIGNED, .orientation = GB_BARCHART_HORIZONTAL,
                   .values = v, .n = 4, .labels = labels, .highlight = -1, .show_values = true,
                   .show_base_value = true, .base_value = 0.1, .show_sum = true };
  cairo_t *cr;
  cairo_surface_t *s = white_surface(400, 300, &cr);
  GbPlotRect area = { 0, 0, 400, 300 };
  g_assert_cmpint(gb_barchart_draw(cr, &c, area, NULL), ==, GB_OK);
  GbBarChartLayout l;
  gb_barchart_layout(cr, &c, area, &l);
  g_assert_cmpfloat(l.lo, <, -1.0);
  g_assert_cmpfloat(l.hi, >, 0.8);
  g_assert_true(has_dark_pixel(s, l.notes)); /* base value and sum printed */
  Px white = { 255, 255, 255 };
  for (int i = 0; i < 4; i++) {
    GbPlotRect r = gb_barchart_bar_rect(&c, &l, i);
    double y = r.y + r.height / 2;
    Px right = pixel(s, l.zero + 4, y), left = pixel(s, l.zero - 4, y);
    if (v[i] > 0) {
      assert_px_near(right, px_hex(GB_BARCHART_POSITIVE_RGB), 1);
      assert_px_near(left, white, 0);
    } else {
      assert_px_near(left, px_hex(GB_BARCHART_NEGATIVE_RGB), 1);
      assert_px_near(right, white, 0);
    }
  }
  /* the zero line itself */
  GbPlotRect r0 = gb_barchart_bar_rect(&c, &l, 0);
  Px z = pixel(s, l.zero, r0.y - 1);
  g_assert_cmpint(z.r, <, 128);
  cairo_destroy(cr);
  cairo_surface_destroy(s);

  /* vertical: positive bars above the zero line, negative below */
  c.orientation = GB_BARCHART_VERTICAL;
  s = white_surface(400, 300, &cr);
  g_assert_cmpint(gb_barchart_draw(cr, &c, area, NULL), ==, GB_OK);
  gb_barchart_layout(cr, &c, area, &l);
  for (int i = 0; i < 4; i++) {
    GbPlotRect r = gb_barchart_bar_rect(&c, &l, i);
    double x = r.x + r.width / 2;
    Px above = pixel(s, x, l.zero - 4), below = pixel(s, x, l.zero + 4);
    if (v[i] > 0) {
      assert_px_near(above, px_hex(GB_BARCHART_POSITIVE_RGB), 1);
      assert_px_near(below, white, 0);
    } else {
      assert_px_near(below, px_hex(GB_BARCHART_NEGATIVE_RGB), 1);
      assert_px_near(above, white, 0);
    }
  }
  cairo_destroy(cr);
  cairo_surface_destroy(s);

  GbError err = { 0 };
  c.n = 0;
  g_assert_cmpint(gb_barchart_draw(NULL, &c, area, &err), ==, GB_ERR_INVALID);
}

/* ---- curves ---- */

/* How many pixels of @r (clamped to the surface) are within @tol of @want. */
static int
count_px(cairo_surface_t *s, GbPlotRect r, Px want, int tol)
{
  int w = cairo_image_surface_get_width(s), h = cairo_image_surface_get_height(s), n = 0;
  int x0 = (int)fmax(floor(r.x), 0), y0 = (int)fmax(floor(r.y), 0);
  int x1 = (int)fmin(ceil(r.x + r.width), w), y1 = (int)fmin(ceil(r.y + r.height), h);
  for (int y = y0; y < y1; y++)
    for (int x = x0; x < x1; x++) {
      Px p = pixel(s, x, y);
      n += abs(p.r - want.r) <= tol && abs(p.g - want.g) <= tol && abs(p.b - want.b) <= tol;
    }
  return n;
}

/* A (2 @half + 1)-pixel square around the device point of (@x, @y). */
static GbPlotRect
box_at(const GbCurvesLayout *l, double x, double y, double half)
{
  double dx, dy;
  gb_curves_to_device(l, x, y, &dx, &dy);
  return (GbPlotRect){ floor(dx) - half, floor(dy) - half, 2 * half + 1, 2 * half + 1 };
}

/* The band colour: @hex at GB_CURVES_BAND_ALPHA over white. */
static Px
px_band(unsigned hex)
{
  Px c = px_hex(hex);
  double a = GB_CURVES_BAND_ALPHA;
  return (Px){ (int)lround(255 - a * (255 - c.r)), (int)lround(255 - a * (255 - c.g)),
               (int)lround(255 - a * (255 - c.b)) };
}

/* Each curve's colour where it passes through a known point, and not where the other one is
 * or where neither is. */
static void
test_curves_points(void)
{
  static const double x[3] = { 0, 0.5, 1 }, ya[3] = { 0.6, 0.8, 0.6 }, yb[3] = { 0.2, 0.2, 0.2 };
  GbCurve k[2] = { { .name = "A", .x = x, .y = ya, .n = 3 },
                   { .name = "B", .x = x, .y = yb, .n = 3 } };
  GbCurves c = { .curves = k, .n_curves = 2, .x_fixed = true, .x_hi = 1, .y_fixed = true,
                 .y_hi = 1, .title = "Two curves", .x_label = "x", .y_label = "y" };
  cairo_t *cr;
  cairo_surface_t *s = white_surface(400, 300, &cr);
  GbPlotRect area = { 0, 0, 400, 300 };
  g_assert_cmpint(gb_curves_draw(cr, &c, area, NULL), ==, GB_OK);
  GbCurvesLayout l;
  gb_curves_layout(cr, &c, area, &l);
  Px a = px_hex(gb_curves_colour(&c, 0)), b = px_hex(gb_curves_colour(&c, 1));
  g_assert_cmpuint(gb_curves_colour(&c, 0), ==, GB_CURVES_BLUE_RGB);
  g_assert_cmpuint(gb_curves_colour(&c, 1), ==, GB_CURVES_VERMILLION_RGB);
  g_assert_cmpint(count_px(s, box_at(&l, 0.5, 0.8, 3), a, 8), >, 0);
  g_assert_cmpint(count_px(s, box_at(&l, 0.25, 0.7, 3), a, 8), >, 0);
  g_assert_cmpint(count_px(s, box_at(&l, 0.5, 0.8, 3), b, 60), ==, 0);
  g_assert_cmpint(count_px(s, box_at(&l, 0.5, 0.2, 3), b, 8), >, 0);
  g_assert_cmpint(count_px(s, box_at(&l, 0.5, 0.2, 3), a, 60), ==, 0);
  g_assert_cmpint(count_px(s, box_at(&l, 0.5, 0.45, 10), a, 60), ==, 0);
  g_assert_cmpint(count_px(s, box_at(&l, 0.5, 0.45, 10), b, 60), ==, 0);
  cairo_destroy(cr);
  cairo_surface_destroy(s);
}

/* The band fills mean - sd .. mean + sd in its tint and nothing beyond; an automatic y range
 * takes it in. */
static void
test_curves_band(void)
{
  static const double x[3] = { 0, 0.5, 1 }, y[3] = { 0.5, 0.5, 0.5 }, sd[3] = { 0.2, 0.2, 0.2 };
  GbCurve k = { .name = "random", .x = x, .y = y, .sd = sd, .n = 3, .dashed = true,
                .fixed_rgb = true, .rgb = GB_CURVES_BLACK_RGB };
  GbCurves c = { .curves = &k, .n_curves = 1, .legend = GB_CURVES_LEGEND_NONE };
  cairo_t *cr;
  cairo_surface_t *s = white_surface(400, 300, &cr);
  GbPlotRect area = { 0, 0, 400, 300 };
  g_assert_cmpint(gb_curves_draw(cr, &c, area, NULL), ==, GB_OK);
  GbCurvesLayout l;
  gb_curves_layout(cr, &c, area, &l);
  g_assert_cmpfloat(l.y_lo, <, 0.3);
  g_assert_cmpfloat(l.y_hi, >, 0.7);
  g_assert_cmpfloat(l.x_lo, ==, 0.0);
  g_assert_cmpfloat(l.x_hi, ==, 1.0);
  g_assert_cmpfloat(l.legend.width, ==, 0.0);
  Px band = px_band(GB_CURVES_BLACK_RGB), white = { 255, 255, 255 };
  double dx, dy;
  for (int i = 0; i < 5; i++) {
    double yy = 0.32 + 0.09 * i; /* 0.32 .. 0.68, off the mean line */
    if (fabs(yy - 0.5) < 0.05)
      continue;
    gb_curves_to_device(&l, 0.3, yy, &dx, &dy);
    assert_px_near(pixel(s, dx, dy), band, 2);
  }
  gb_curves_to_device(&l, 0.3, 0.714, &dx, &dy);
  assert_px_near(pixel(s, dx, dy), white, 0);
  gb_curves_to_device(&l, 0.3, 0.286, &dx, &dy);
  assert_px_near(pixel(s, dx, dy), white, 0);
  /* the mean line itself is dark */
  g_assert_cmpint(count_px(s, box_at(&l, 0.5, 0.5, 3), px_hex(0), 40), >, 0);
  cairo_destroy(cr);
  cairo_surface_destroy(s);
}

/* Every legend swatch shows its curve's colour; the colours are distinct, and a fixed colour
 * does not use up a palette one. */
static void
test_curves_legend(void)
{
  static const double x[2] = { 0, 1 }, y[4][2] = { { 0, 1 }, { 0.2, 0.9 }, { 0.5, 0.6 },
                                                   { 0.9, 0.1 } };
  static const double sd[2] = { 0.1, 0.1 };
  GbCurve k[4] = {
    { .name = "random", .annotation = "EPC 0.50", .x = x, .y = y[0], .sd = sd, .n = 2,
      .dashed = true, .fixed_rgb = true, .rgb = GB_CURVES_BLACK_RGB },
    { .name = "grad-x-input", .annotation = "EPC 0.978", .x = x, .y = y[1], .n = 2,
      .markers = true },
    { .name = "saliency", .annotation = "EPC 0.71", .x = x, .y = y[2], .n = 2 },
    { .name = "lrp-epsilon", .x = x, .y = y[3], .n = 2 },
  };
  GbCurves c = { .curves = k, .n_curves = 4, .grid = true, .title = "Legend" };
  g_assert_cmpuint(gb_curves_colour(&c, 1), ==, gb_curves_palette(0));
  for (int i = 0; i < 4; i++)
    for (int j = 0; j < i; j++)
      g_assert_cmpuint(gb_curves_colour(&c, i), !=, gb_curves_colour(&c, j));
  cairo_t *cr;
  cairo_surface_t *s = white_surface(600, 360, &cr);
  GbPlotRect area = { 0, 0, 600, 360 };
  g_assert_cmpint(gb_curves_draw(cr, &c, area, NULL), ==, GB_OK);
  GbCurvesLayout l;
  gb_curves_layout(cr, &c, area, &l);
  g_assert_cmpfloat(l.legend.x, >=, l.plot.x + l.plot.width);
  for (int i = 0; i < 4; i++) {
    GbPlotRect r = gb_curves_legend_swatch(&c, &l, i);
    g_assert_cmpfloat(r.width, >, 0.0);
    g_assert_cmpint(count_px(s, r, px_hex(gb_curves_colour(&c, i)), 8), >, 0);
    /* and no other curve's colour */
    for (int j = 1; j < 4; j++)
      if (j != i)
        g_assert_cmpint(count_px(s, r, px_hex(gb_curves_colour(&c, j)), 30), ==, 0);
    /* the label beside it */
    GbPlotRect text = { r.x + r.width + 2, r.y, l.legend.width - r.width - 2, r.height };
    g_assert_true(has_dark_pixel(s, text));
  }
  g_assert_cmpint(count_px(s, gb_curves_legend_swatch(&c, &l, 0), px_band(0), 3), >, 0);
  cairo_destroy(cr);
  cairo_surface_destroy(s);
}

static bool
chromatic(Px p)
{
  int hi = MAX(p.r, MAX(p.g, p.b)), lo = MIN(p.r, MIN(p.g, p.b));
  return hi - lo > 24;
}

/* Points and bands outside a fixed range are clipped: outside the plot area there is only
 * grey (text, ticks, frame) and white. */
static void
test_curves_clipping(void)
{
  static const double x[5] = { -1, 0.3, 0.6, 0.8, 2 }, y[5] = { -3, 5, 0.5, 0.4, 20 };
  static const double sd[5] = { 2, 2, 2, 2, 2 };
  GbCurve k[2] = { { .name = "wild", .x = x, .y = y, .sd = sd, .n = 5, .markers = true },
                   { .name = "flat", .x = x, .y = sd, .n = 5, .dashed = true } };
  GbCurves c = { .curves = k, .n_curves = 2, .x_fixed = true, .x_hi = 1, .y_fixed = true,
                 .y_hi = 1, .grid = true, .title = "Clipped", .x_label = "fraction kept",
                 .y_label = "agreement", .legend = GB_CURVES_LEGEND_NONE };
  cairo_t *cr;
  int w = 400, h = 300;
  cairo_surface_t *s = white_surface(w, h, &cr);
  GbPlotRect area = { 0, 0, w, h };
  g_assert_cmpint(gb_curves_draw(cr, &c, area, NULL), ==, GB_OK);
  GbCurvesLayout l;
  gb_curves_layout(cr, &c, area, &l);
  int inside = 0;
  for (int py = 0; py < h; py++)
    for (int px = 0; px < w; px++) {
      bool in = px >= l.plot.x - 1 && px < l.plot.x + l.plot.width + 1 && py >= l.plot.y - 1
                && py < l.plot.y + l.plot.height + 1;
      bool col = chromatic(pixel(s, px, py));
      if (col && !in)
        g_error("curve colour at (%d, %d), outside the plot area", px, py);
      inside += col && in;
    }
  g_assert_cmpint(inside, >, 100);
  cairo_destroy(cr);
  cairo_surface_destroy(s);
}

static void
test_curves_errors(void)
{
  static const double x[2] = { 0, 1 };
  GbCurve k = { .name = "a", .x = x, .y = x, .n = 2 };
  GbCurves c = { .curves = &k, .n_curves = 0 };
  GbPlotRect area = { 0, 0, 100, 100 };
  GbError err = { 0 };
  g_assert_cmpint(gb_curves_draw(NULL, &c, area, &err), ==, GB_ERR_INVALID);
  c.n_curves = 1;
  k.n = 0;
  g_assert_cmpint(gb_curves_draw(NULL, &c, area, &err), ==, GB_ERR_INVALID);
  g_assert_nonnull(strstr(err.message, "'a'"));
  k.n = 2;
  c.y_fixed = true;
  c.y_lo = c.y_hi = 1;
  g_assert_cmpint(gb_curves_draw(NULL, &c, area, &err), ==, GB_ERR_INVALID);
  c.y_hi = NAN;
  g_assert_cmpint(gb_curves_draw(NULL, &c, area, &err), ==, GB_ERR_INVALID);

  /* non-finite points break the line and the band but are not errors; all of them: still a
   * chart, on a default range */
  static const double xs[4] = { 0, 0.3, 0.6, 1 }, ys[4] = { 0.1, NAN, 0.5, 0.9 };
  static const double sds[4] = { 0.1, 0.1, INFINITY, 0.1 }, none[4] = { NAN, NAN, NAN, NAN };
  GbCurve ks[2] = { { .name = "gappy", .x = xs, .y = ys, .sd = sds, .n = 4, .markers = true },
                    { .name = "empty", .x = xs, .y = none, .n = 4 } };
  GbCurves cs = { .curves = ks, .n_curves = 2, .grid = true };
  cairo_t *cr;
  cairo_surface_t *s = white_surface(300, 200, &cr);
  g_assert_cmpint(gb_curves_draw(cr, &cs, area, &err), ==, GB_OK);
  cs.n_curves = 1;
  ks[0].y = none;
  GbCurvesLayout l;
  gb_curves_layout(cr, &cs, area, &l);
  g_assert_true(isfinite(l.y_lo) && isfinite(l.y_hi) && l.y_hi > l.y_lo);
  g_assert_cmpint(gb_curves_draw(cr, &cs, area, &err), ==, GB_OK);
  cairo_destroy(cr);
  cairo_surface_destroy(s);
}

/* ---- export ---- */

typedef struct {
  float img[N * N], rel[N * N];
  GbStatus fail_with; /* a drawing that fails, for the keep-the-old-file test */
} Figure;

static GbStatus
draw_figure_cb(void *user, cairo_t *cr, GbPlotRect area, GbError *err)
{
  Figure *f = user;
  if (f->fail_with != GB_OK)
    return gb_error_set(err, f->fail_with, "the figure refused to draw");
  GbHeatmap h = { .image = f->img, .relevance = f->rel, .height = N, .width = N,
                  .opacity = 0.6, .colormap = GB_COLORMAP_DIVERGING, .show_colorbar = true,
                  .colorbar_label = "relevance", .title = "export" };
  return gb_heatmap_draw(cr, &h, area, err);
}

static Figure *
figure_new(void)
{
  Figure *f = g_new0(Figure, 1);
  for (int i = 0; i < N * N; i++) {
    f->img[i] = (float)(i % 7) / 6.0f;
    f->rel[i] = (float)(i % 11) - 5.0f;
  }
  return f;
}

static void
assert_prefix(const char *path, const char *magic, size_t n)
{
  gchar *data = NULL;
  gsize len = 0;
  g_assert_true(g_file_get_contents(path, &data, &len, NULL));
  g_assert_cmpuint(len, >, n);
  g_assert_cmpmem(data, n, magic, n);
  g_free(data);
}

static void
test_export_formats(void)
{
  g_autofree char *dir = g_dir_make_tmp("gb-plot-XXXXXX", NULL);
  g_assert_nonnull(dir);
  Figure *f = figure_new();
  GbError err = { 0 };
  g_autofree char *png = g_build_filename(dir, "fig.png", NULL);
  g_autofree char *svg = g_build_filename(dir, "fig.SVG", NULL);
  g_autofree char *pdf = g_build_filename(dir, "fig.pdf", NULL);
  g_assert_cmpint(gb_plot_export(png, 320, 240, draw_figure_cb, f, &err), ==, GB_OK);
  g_assert_cmpint(gb_plot_export(svg, 320, 240, draw_figure_cb, f, &err), ==, GB_OK);
  g_assert_cmpint(gb_plot_export(pdf, 320, 240, draw_figure_cb, f, &err), ==, GB_OK);
  assert_prefix(png, "\x89PNG\r\n\x1a\n", 8);
  gchar *text = NULL;
  g_assert_true(g_file_get_contents(svg, &text, NULL, NULL));
  g_assert_true(g_str_has_prefix(text, "<?xml") || g_str_has_prefix(text, "<svg"));
  g_assert_nonnull(strstr(text, "</svg>"));
  g_free(text);
  assert_prefix(pdf, "%PDF", 4);

  cairo_surface_t *back = cairo_image_surface_create_from_png(png);
  g_assert_cmpint(cairo_surface_status(back), ==, CAIRO_STATUS_SUCCESS);
  g_assert_cmpint(cairo_image_surface_get_width(back), ==, 320);
  g_assert_cmpint(cairo_image_surface_get_height(back), ==, 240);
  assert_px_near(pixel(back, 1, 1), ((Px){ 255, 255, 255 }), 0); /* white page */
  cairo_surface_destroy(back);

  /* only the three figures: no temporary files left behind */
  GDir *d = g_dir_open(dir, 0, NULL);
  int n = 0;
  while (g_dir_read_name(d))
    n++;
  g_dir_close(d);
  g_assert_cmpint(n, ==, 3);
  g_free(f);
  gb_test_remove_tree(dir);
}

static int
count_entries(const char *dir)
{
  GDir *d = g_dir_open(dir, 0, NULL);
  int n = 0;
  while (g_dir_read_name(d))
    n++;
  g_dir_close(d);
  return n;
}

static void
test_export_failures(void)
{
  g_autofree char *dir = g_dir_make_tmp("gb-plot-XXXXXX", NULL);
  Figure *f = figure_new();
  GbError err = { 0 };

  /* a directory that does not exist: GB_ERR_IO naming the path, nothing created */
  g_autofree char *missing = g_build_filename(dir, "no-such-dir", "fig.png", NULL);
  g_assert_cmpint(gb_plot_export(missing, 100, 100, draw_figure_cb, f, &err), ==, GB_ERR_IO);
  g_assert_nonnull(strstr(err.message, missing));
  g_assert_false(g_file_test(missing, G_FILE_TEST_EXISTS));
  g_assert_cmpint(count_entries(dir), ==, 0);

  /* a drawing that fails leaves the previous file as it was, and no temporary file */
  g_autofree char *old = g_build_filename(dir, "old.pdf", NULL);
  g_assert_true(g_file_set_contents(old, "previous figure", -1, NULL));
  f->fail_with = GB_ERR_INVALID;
  g_assert_cmpint(gb_plot_export(old, 100, 100, draw_figure_cb, f, &err), ==, GB_ERR_INVALID);
  g_assert_nonnull(strstr(err.message, old));
  g_assert_nonnull(strstr(err.message, "refused"));
  gchar *text = NULL;
  g_assert_true(g_file_get_contents(old, &text, NULL, NULL));
  g_assert_cmpstr(text, ==, "previous figure");
  g_free(text);
  g_assert_cmpint(count_entries(dir), ==, 1);

  /* a successful export replaces it */
  f->fail_with = GB_OK;
  g_assert_cmpint(gb_plot_export(old, 100, 100, draw_figure_cb, f, &err), ==, GB_OK);
  assert_prefix(old, "%PDF", 4);
  g_assert_cmpint(count_entries(dir), ==, 1);

  /* unknown format, bad size */
  g_autofree char *jpg = g_build_filename(dir, "fig.jpg", NULL);
  g_assert_cmpint(gb_plot_export(jpg, 100, 100, draw_figure_cb, f, &err), ==,
                  GB_ERR_UNSUPPORTED);
  g_assert_nonnull(strstr(err.message, jpg));
  g_autofree char *png = g_build_filename(dir, "fig.png", NULL);
  g_assert_cmpint(gb_plot_export(png, 0, 100, draw_figure_cb, f, &err), ==, GB_ERR_INVALID);
  g_assert_cmpint(count_entries(dir), ==, 1);
  g_free(f);
  gb_test_remove_tree(dir);
}

/* ---- samples for a person to look at ---- */

/* Distance from (x, y) to the segment (ax, ay)-(bx, by). */
static double
seg_dist(double x, double y, double ax, double ay, double bx, double by)
{
  double dx = bx - ax, dy = by - ay;
  double t = ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy);
  t = t < 0 ? 0 : t > 1 ? 1 : t;
  return hypot(x - ax - t * dx, y - ay - t * dy);
}

/* A hand-drawn-looking "7" (anti-aliased strokes) and a relevance map that credits its top bar
 * and stem and counts the empty middle (where a "1" or "9" would have ink) against it. */
static void
make_digit(float *img, float *rel)
{
  for (int r = 0; r < N; r++)
    for (int c = 0; c < N; c++) {
      double x = c + 0.5, y = r + 0.5;
      double d = fmin(seg_dist(x, y, 7, 7, 21, 6.5), seg_dist(x, y, 21, 6.5, 12, 23));
      double ink = fmin(fmax(2.2 - d, 0.0), 1.0);
      img[r * N + c] = (float)ink;
      double bar = exp(-pow(seg_dist(x, y, 8, 7, 20, 6.5), 2) / 4.0);
      double stem = 0.6 * exp(-pow(seg_dist(x, y, 20, 8, 13, 21), 2) / 3.0);
      double hole = -0.7 * exp(-(pow(x - 11, 2) + pow(y - 14, 2)) / 10.0);
      rel[r * N + c] = (float)(bar + stem + hole);
    }
}

typedef struct {
  float img[N * N], rel[N * N];
} Digit;

static GbStatus
draw_digit_cb(void *user, cairo_t *cr, GbPlotRect area, GbError *err)
{
  Digit *d = user;
  GbHeatmap h = { .image = d->img, .relevance = d->rel, .height = N, .width = N,
                  .invert_image = true, .opacity = 0.65, .colormap = GB_COLORMAP_DIVERGING,
                  .show_colorbar = true, .colorbar_label = "relevance",
                  .title = "Relevance for class 7 (synthetic)" };
  return gb_heatmap_draw(cr, &h, area, err);
}

static GbStatus
draw_bars_cb(void *user, cairo_t *cr, GbPlotRect area, GbError *err)
{
  const GbBarChartOrientation *o = user;
  static const float p[10] = { 0.004f, 0.061f, 0.018f, 0.022f, 0.003f,
                               0.009f, 0.001f, 0.821f, 0.012f, 0.049f };
  GbBarChart c = { .kind = GB_BARCHART_PROBABILITY, .orientation = *o,
                   .values = p, .n = 10, .highlight = 7, .show_values = true,
                   .title = "Predicted class: 7", .axis_label = "probability" };
  return gb_barchart_draw(cr, &c, area, err);
}

static GbStatus
draw_shap_cb(void *user, cairo_t *cr, GbPlotRect area, GbError *err)
{
  (void)user;
  static const float v[6] = { 0.42f, -0.31f, 0.18f, -0.07f, 0.05f, -0.22f };
  static const char *labels[6] = { "top bar", "left loop", "stem", "noise", "corner", "centre" };
  GbBarChart c = { .kind = GB_BARCHART_SIGNED, .orientation = GB_BARCHART_HORIZONTAL,
                   .values = v, .n = 6, .labels = labels, .highlight = -1, .show_values = true,
                   .title = "SHAP values (made up), class 7", .axis_label = "SHAP value",
                   .show_base_value = true, .base_value = 0.1, .show_sum = true };
  return gb_barchart_draw(cr, &c, area, err);
}

/* Made-up explainability-performance curves: two methods beside a random ranking. */
static GbStatus
draw_curves_cb(void *user, cairo_t *cr, GbPlotRect area, GbError *err)
{
  (void)user;
  static const double x[8] = { 0, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 1 };
  static const double good[8] = { 0.1, 0.55, 0.8, 0.93, 0.98, 0.99, 1, 1 };
  static const double fair[8] = { 0.1, 0.3, 0.5, 0.7, 0.85, 0.92, 0.97, 1 };
  static const double rnd[8] = { 0.1, 0.12, 0.15, 0.2, 0.32, 0.45, 0.7, 1 };
  static const double sd[8] = { 0, 0.02, 0.03, 0.04, 0.05, 0.05, 0.04, 0 };
  GbCurve k[3] = {
    { .name = "random", .annotation = "EPC 0.35 \u00b1 0.02", .x = x, .y = rnd, .sd = sd,
      .n = 8, .dashed = true, .fixed_rgb = true, .rgb = GB_CURVES_BLACK_RGB },
    { .name = "lrp-epsilon", .annotation = "EPC 0.93", .x = x, .y = good, .n = 8,
      .markers = true },
    { .name = "saliency", .annotation = "EPC 0.78", .x = x, .y = fair, .n = 8, .markers = true },
  };
  GbCurves c = { .curves = k, .n_curves = 3, .title = "Explainability-performance (made up)",
                 .x_label = "fraction of features kept", .y_label = "agreement",
                 .x_fixed = true, .x_hi = 1, .y_fixed = true, .y_lo = -0.02, .y_hi = 1.04,
                 .grid = true };
  return gb_curves_draw(cr, &c, area, err);
}

static void
test_samples(void)
{
  const char *dir = g_getenv("GB_PLOT_SAMPLES");
  if (dir == NULL) {
    g_test_skip("set GB_PLOT_SAMPLES=DIR to write sample figures");
    return;
  }
  g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
  Digit d;
  make_digit(d.img, d.rel);
  GbBarChartOrientation hor = GB_BARCHART_HORIZONTAL, ver = GB_BARCHART_VERTICAL;
  GbError err = { 0 };
  struct {
    const char *name;
    GbPlotDrawFn fn;
    void *user;
    int w, h;
  } figs[] = {
    { "heatmap-digit.png", draw_digit_cb, &d, 480, 400 },
    { "heatmap-digit.svg", draw_digit_cb, &d, 480, 400 },
    { "barchart-probabilities.png", draw_bars_cb, &hor, 480, 360 },
    { "barchart-probabilities-vertical.png", draw_bars_cb, &ver, 480, 360 },
    { "barchart-shap.png", draw_shap_cb, NULL, 480, 360 },
    { "curves.png", draw_curves_cb, NULL, 720, 440 },
    { "curves.svg", draw_curves_cb, NULL, 720, 440 },
  };
  for (size_t i = 0; i < G_N_ELEMENTS(figs); i++) {
    g_autofree char *path = g_build_filename(dir, figs[i].name, NULL);
    GbStatus s = gb_plot_export(path, figs[i].w, figs[i].h, figs[i].fn, figs[i].user, &err);
    if (s != GB_OK)
      g_error("%s", err.message);
    g_test_message("wrote %s", path);
  }
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/plot/colormap/diverging", test_colormap_diverging);
  g_test_add_func("/plot/colormap/viridis", test_colormap_viridis);
  g_test_add_func("/plot/colormap/symmetric", test_colormap_symmetric);
  g_test_add_func("/plot/heatmap/map-alone", test_heatmap_map_alone);
  g_test_add_func("/plot/heatmap/opacity", test_heatmap_opacity);
  g_test_add_func("/plot/heatmap/colorbar", test_heatmap_colorbar);
  g_test_add_func("/plot/heatmap/viridis", test_heatmap_viridis);
  g_test_add_func("/plot/heatmap/vector", test_heatmap_vector);
  g_test_add_func("/plot/heatmap/errors", test_heatmap_errors);
  g_test_add_func("/plot/barchart/highlight", test_barchart_highlight);
  g_test_add_func("/plot/barchart/signed", test_barchart_signed);
  g_test_add_func("/plot/curves/points", test_curves_points);
  g_test_add_func("/plot/curves/band", test_curves_band);
  g_test_add_func("/plot/curves/legend", test_curves_legend);
  g_test_add_func("/plot/curves/clipping", test_curves_clipping);
  g_test_add_func("/plot/curves/errors", test_curves_errors);
  g_test_add_func("/plot/export/formats", test_export_formats);
  g_test_add_func("/plot/export/failures", test_export_failures);
  g_test_add_func("/plot/samples", test_samples);
  return g_test_run();
}

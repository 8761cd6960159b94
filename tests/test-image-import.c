/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Importing photos and scans of digits: PNG/JPEG written here with gdk-pixbuf, in both
 * polarities, in colour, with transparency and at odd sizes, all give the same 28x28 sample. */
#include "config.h"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib.h>
#include <math.h>
#include <string.h>

#include "gb-digit-preprocess.h"
#include "gb-image-import.h"
#include "gb-test-util.h"

#define PX (GB_DIGIT_SIZE * GB_DIGIT_SIZE)
#define W 137
#define H 91

static char *tmpdir;

static void
stroke(float *c, double x0, double y0, double x1, double y1, double r)
{
  double dx = x1 - x0, dy = y1 - y0, len2 = dx * dx + dy * dy;
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++) {
      double px = x + 0.5, py = y + 0.5;
      double t = CLAMP(((px - x0) * dx + (py - y0) * dy) / len2, 0.0, 1.0);
      double d = hypot(x0 + t * dx - px, y0 + t * dy - py);
      c[y * W + x] = MAX(c[y * W + x], (float)CLAMP(r + 0.5 - d, 0.0, 1.0));
    }
}

/* A "4", off-centre in a wide canvas: ink 1, background 0. */
static float *
digit_canvas(void)
{
  float *c = g_new0(float, W * H);
  stroke(c, 30, 12, 18, 52, 2.5);
  stroke(c, 18, 52, 52, 52, 2.5);
  stroke(c, 44, 25, 44, 80, 2.5);
  return c;
}

typedef enum { OPAQUE_RGB, OPAQUE_RGBA, TRANSPARENT } Mode;

/* Paints the canvas with @ink on @bg (or @ink with the canvas as alpha) and saves it. */
static char *
save_image(const float *c, const guint8 ink[3], const guint8 bg[3], Mode mode, const char *name,
           const char *type)
{
  GdkPixbuf *pb = gdk_pixbuf_new(GDK_COLORSPACE_RGB, mode != OPAQUE_RGB, 8, W, H);
  guint8 *px = gdk_pixbuf_get_pixels(pb);
  int stride = gdk_pixbuf_get_rowstride(pb), nc = gdk_pixbuf_get_n_channels(pb);
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++) {
      float t = c[y * W + x];
      guint8 *p = px + y * stride + x * nc;
      for (int k = 0; k < 3; k++)
        p[k] = mode == TRANSPARENT ? ink[k] : (guint8)lroundf(bg[k] + t * (ink[k] - bg[k]));
      if (nc == 4)
        p[3] = mode == TRANSPARENT ? (guint8)lroundf(t * 255) : 255;
    }
  char *path = g_build_filename(tmpdir, name, NULL);
  GError *error = NULL;
  gboolean ok = g_str_equal(type, "jpeg")
                    ? gdk_pixbuf_save(pb, path, type, &error, "quality", "95", NULL)
                    : gdk_pixbuf_save(pb, path, type, &error, NULL);
  g_assert_no_error(error);
  g_assert_true(ok);
  g_object_unref(pb);
  return path;
}

static double
max_diff(const float *a, const float *b)
{
  double m = 0;
  for (int i = 0; i < PX; i++)
    m = MAX(m, fabs(a[i] - b[i]));
  return m;
}

static double
mean_diff(const float *a, const float *b)
{
  double s = 0;
  for (int i = 0; i < PX; i++)
    s += fabs(a[i] - b[i]);
  return s / PX;
}

static void
test_polarity(void)
{
  float *c = digit_canvas();
  float want[PX];
  GbError err;
  g_assert_cmpint(gb_digit_preprocess_mnist(c, W, H, want, NULL, &err), ==, GB_OK);
  const guint8 navy[3] = {20, 30, 110}, cream[3] = {250, 245, 200};
  const guint8 black[3] = {0, 0, 0}, white[3] = {255, 255, 255};
  struct {
    const char *name;
    const guint8 *ink, *bg;
    Mode mode;
    gboolean inverted;
  } cases[] = {
      {"navy-on-cream.png", navy, cream, OPAQUE_RGB, TRUE},
      {"cream-on-navy.png", cream, navy, OPAQUE_RGBA, FALSE},
      {"black-on-white.png", black, white, OPAQUE_RGB, TRUE},
      {"white-on-black.png", white, black, OPAQUE_RGB, FALSE},
      {"black-on-transparent.png", black, white, TRANSPARENT, TRUE},
      {"white-on-transparent.png", white, black, TRANSPARENT, FALSE},
  };
  for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *path =
        save_image(c, cases[i].ink, cases[i].bg, cases[i].mode, cases[i].name, "png");
    float *canvas;
    int w, h;
    gboolean inverted;
    g_assert_cmpint(gb_image_import_canvas(path, &canvas, &w, &h, &inverted, &err), ==, GB_OK);
    g_assert_cmpint(w, ==, W);
    g_assert_cmpint(h, ==, H);
    g_assert_cmpint(inverted, ==, cases[i].inverted);
    g_free(canvas);
    float got[PX];
    g_assert_cmpint(gb_image_import_digit(path, got, NULL, &err), ==, GB_OK);
    g_test_message("%s: max difference %.4f from the canvas it was painted from", cases[i].name,
                   max_diff(got, want));
    g_assert_cmpfloat(max_diff(got, want), <, 0.02);
  }
  g_free(c);
}

static void
test_jpeg(void)
{
  float *c = digit_canvas();
  float want[PX], got[PX];
  GbError err;
  g_assert_cmpint(gb_digit_preprocess_mnist(c, W, H, want, NULL, &err), ==, GB_OK);
  const guint8 ink[3] = {40, 40, 40}, paper[3] = {235, 235, 225};
  g_autofree char *path = save_image(c, ink, paper, OPAQUE_RGB, "pencil.jpg", "jpeg");
  g_assert_cmpint(gb_image_import_digit(path, got, NULL, &err), ==, GB_OK);
  g_test_message("JPEG: mean difference %.4f, max %.4f", mean_diff(got, want),
                 max_diff(got, want));
  g_assert_cmpfloat(mean_diff(got, want), <, 0.02);
  g_free(c);
}

static void
expect_error(const char *path, GbStatus code, const char *needle)
{
  float out[PX];
  GbError err = {0};
  g_assert_cmpint(gb_image_import_digit(path, out, NULL, &err), ==, code);
  if (strstr(err.message, path) == NULL || (needle && strstr(err.message, needle) == NULL))
    g_error("message '%s' should name %s and say '%s'", err.message, path, needle);
}

static void
test_errors(void)
{
  /* A PNG signature followed by junk. */
  g_autofree char *corrupt = g_build_filename(tmpdir, "corrupt.png", NULL);
  const char junk[] = "\x89PNG\r\n\x1a\nthis is not a PNG image at all, just some bytes";
  g_assert_true(g_file_set_contents(corrupt, junk, sizeof junk - 1, NULL));
  expect_error(corrupt, GB_ERR_FORMAT, "cannot read the image");

  /* A real PNG cut in half. */
  float *c = digit_canvas();
  const guint8 ink[3] = {0, 0, 0}, bg[3] = {255, 255, 255};
  g_autofree char *whole = save_image(c, ink, bg, OPAQUE_RGB, "whole.png", "png");
  g_autofree char *bytes = NULL;
  gsize n;
  g_assert_true(g_file_get_contents(whole, &bytes, &n, NULL));
  g_autofree char *half = g_build_filename(tmpdir, "half.png", NULL);
  g_assert_true(g_file_set_contents(half, bytes, (gssize)n / 2, NULL));
  expect_error(half, GB_ERR_FORMAT, NULL);

  g_autofree char *text = g_build_filename(tmpdir, "notes.png", NULL);
  g_assert_true(g_file_set_contents(text, "shopping list", -1, NULL));
  expect_error(text, GB_ERR_FORMAT, NULL);

  g_autofree char *missing = g_build_filename(tmpdir, "missing.png", NULL);
  expect_error(missing, GB_ERR_IO, NULL);

  memset(c, 0, sizeof(float) * W * H);
  g_autofree char *blank = save_image(c, ink, bg, OPAQUE_RGB, "blank.png", "png");
  expect_error(blank, GB_ERR_INVALID, "no digit found");
  g_free(c);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  tmpdir = g_dir_make_tmp("gb-image-import-XXXXXX", NULL);
  g_assert_nonnull(tmpdir);
  g_test_add_func("/io/image-import/polarity", test_polarity);
  g_test_add_func("/io/image-import/jpeg", test_jpeg);
  g_test_add_func("/io/image-import/errors", test_errors);
  int status = g_test_run();
  gb_test_remove_tree(tmpdir);
  g_free(tmpdir);
  return status;
}

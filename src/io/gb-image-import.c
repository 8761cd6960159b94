/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-image-import.h"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <stdlib.h>

/* Below this difference between the background and the strongest ink there is no digit. */
#define MIN_CONTRAST 0.1f

static GbStatus
load_pixbuf(const char *path, GdkPixbuf **out, GbError *err)
{
  int w = 0, h = 0;
  if (gdk_pixbuf_get_file_info(path, &w, &h) != NULL && (long)w * h > GB_IMAGE_IMPORT_MAX_PIXELS)
    return gb_error_set(err, GB_ERR_UNSUPPORTED,
                        "%s: the image has %d x %d pixels, more than the %ld accepted", path, w, h,
                        GB_IMAGE_IMPORT_MAX_PIXELS);
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPixbuf) pb = gdk_pixbuf_new_from_file(path, &error);
  if (pb == NULL)
    return gb_error_set(err, error->domain == G_FILE_ERROR ? GB_ERR_IO : GB_ERR_FORMAT,
                        "%s: cannot read the image: %s", path, error->message);
  if (gdk_pixbuf_get_bits_per_sample(pb) != 8 || gdk_pixbuf_get_n_channels(pb) < 3 ||
      (long)gdk_pixbuf_get_width(pb) * gdk_pixbuf_get_height(pb) > GB_IMAGE_IMPORT_MAX_PIXELS)
    return gb_error_set(err, GB_ERR_UNSUPPORTED, "%s: unsupported pixel layout or size", path);
  *out = gdk_pixbuf_apply_embedded_orientation(pb); /* photos from phones are often rotated */
  return GB_OK;
}

/* Rec. 709 luma of 8-bit RGB(A) pixels; transparent parts are composited over white when the
 * opaque ones are mostly dark (dark ink on a transparent sheet) and over black otherwise. */
static float *
luminance(GdkPixbuf *pb, int w, int h)
{
  float *lum = g_try_new(float, (gsize)w * h);
  float *alpha = g_try_new(float, (gsize)w * h);
  if (lum == NULL || alpha == NULL) {
    g_free(lum);
    g_free(alpha);
    return NULL;
  }
  const guint8 *px = gdk_pixbuf_read_pixels(pb);
  int stride = gdk_pixbuf_get_rowstride(pb), nc = gdk_pixbuf_get_n_channels(pb);
  gboolean has_alpha = gdk_pixbuf_get_has_alpha(pb);
  double opaque_sum = 0;
  long opaque_n = 0;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      const guint8 *p = px + (gsize)y * stride + (gsize)x * nc;
      size_t i = (size_t)y * w + x;
      lum[i] = (0.2126f * p[0] + 0.7152f * p[1] + 0.0722f * p[2]) / 255.0f;
      alpha[i] = has_alpha ? p[3] / 255.0f : 1.0f;
      if (alpha[i] > 0.5f) {
        opaque_sum += lum[i];
        opaque_n++;
      }
    }
  float under = opaque_n > 0 && opaque_sum / opaque_n > 0.5 ? 0.0f : 1.0f;
  for (size_t i = 0; i < (size_t)w * h; i++)
    lum[i] = alpha[i] * lum[i] + (1.0f - alpha[i]) * under;
  g_free(alpha);
  return lum;
}

static int
cmp_float(const void *a, const void *b)
{
  float x = *(const float *)a, y = *(const float *)b;
  return (x > y) - (x < y);
}

/* Median of the outermost ring of pixels: the background, since a digit rarely fills it. */
static float
border_median(const float *img, int w, int h)
{
  float *ring = g_new(float, 2 * (gsize)w + 2 * (gsize)h);
  int n = 0;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      if (y == 0 || y == h - 1 || x == 0 || x == w - 1)
        ring[n++] = img[(size_t)y * w + x];
  qsort(ring, (size_t)n, sizeof *ring, cmp_float);
  float m = ring[n / 2];
  g_free(ring);
  return m;
}

/* Ink high, background 0, strongest ink 1. */
static GbStatus
normalise(const char *path, float *img, int w, int h, gboolean *inverted, GbError *err)
{
  size_t n = (size_t)w * h;
  float bg = border_median(img, w, h);
  *inverted = bg > 0.5f;
  if (*inverted) {
    for (size_t i = 0; i < n; i++)
      img[i] = 1.0f - img[i];
    bg = 1.0f - bg;
  }
  float top = bg;
  for (size_t i = 0; i < n; i++)
    top = img[i] > top ? img[i] : top;
  if (top - bg < MIN_CONTRAST)
    return gb_error_set(err, GB_ERR_INVALID,
                        "%s: no digit found: the image has almost no contrast", path);
  for (size_t i = 0; i < n; i++) {
    float v = (img[i] - bg) / (top - bg);
    img[i] = v < 0.0f ? 0.0f : v > 1.0f ? 1.0f : v;
  }
  return GB_OK;
}

GbStatus
gb_image_import_canvas(const char *path, float **canvas, int *width, int *height,
                       gboolean *inverted, GbError *err)
{
  *canvas = NULL;
  g_autoptr(GdkPixbuf) pb = NULL;
  GbStatus st = load_pixbuf(path, &pb, err);
  if (st != GB_OK)
    return st;
  int w = gdk_pixbuf_get_width(pb), h = gdk_pixbuf_get_height(pb);
  float *img = luminance(pb, w, h);
  if (img == NULL)
    return gb_error_set(err, GB_ERR_NOMEM, "%s: out of memory for %d x %d pixels", path, w, h);
  gboolean inv;
  st = normalise(path, img, w, h, &inv, err);
  if (st != GB_OK) {
    g_free(img);
    return st;
  }
  *canvas = img;
  *width = w;
  *height = h;
  if (inverted != NULL)
    *inverted = inv;
  return GB_OK;
}

GbStatus
gb_image_import_digit(const char *path, float *out, GbDigitPreprocessInfo *info, GbError *err)
{
  float *canvas;
  int w, h;
  GbStatus st = gb_image_import_canvas(path, &canvas, &w, &h, NULL, err);
  if (st != GB_OK)
    return st;
  st = gb_digit_preprocess_mnist(canvas, w, h, out, info, err);
  if (st != GB_OK)
    gb_error_prefix(err, "%s", path);
  g_free(canvas);
  return st;
}

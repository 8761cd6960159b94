/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-digit-preprocess.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

#include "gb-alloc.h"
#include "gb-tensor.h"

#define MAX_CANVAS_PIXELS 100000000L

/* One line of @n_in samples (stride @ss) into @n_out samples (stride @ds). Shrinking: each
 * output sample averages the input interval it covers, weighting the partly covered ends by
 * their overlap. Growing: linear interpolation between the nearest input centres. */
static void
resample_line(const float *src, ptrdiff_t ss, int n_in, float *dst, ptrdiff_t ds, int n_out)
{
  double ratio = (double)n_in / n_out;
  for (int j = 0; j < n_out; j++) {
    double acc = 0.0;
    if (n_out <= n_in) {
      double a = j * ratio, b = (j + 1) * ratio;
      int i0 = (int)floor(a), i1 = (int)ceil(b);
      for (int i = i0; i < i1 && i < n_in; i++) {
        double lo = i > a ? i : a, hi = i + 1 < b ? i + 1 : b;
        acc += (hi - lo) * src[i * ss];
      }
      acc /= ratio;
    } else {
      double u = (j + 0.5) * ratio - 0.5;
      u = u < 0 ? 0 : u > n_in - 1 ? n_in - 1 : u;
      int i0 = (int)floor(u);
      int i1 = i0 + 1 < n_in ? i0 + 1 : i0;
      double t = u - i0;
      acc = (1 - t) * src[i0 * ss] + t * src[i1 * ss];
    }
    dst[j * ds] = (float)acc;
  }
}

/* The (w, h) region at (x0, y0) of a canvas with row stride @stride into @dst (dh, dw):
 * rows first into @tmp (h, dw), then columns. */
static void
resample_region(const float *src, int stride, int x0, int y0, int w, int h, float *dst, int dw,
                int dh, float *tmp)
{
  for (int y = 0; y < h; y++)
    resample_line(src + (size_t)(y0 + y) * stride + x0, 1, w, tmp + (size_t)y * dw, 1, dw);
  for (int x = 0; x < dw; x++)
    resample_line(tmp + x, dw, h, dst + x, dw, dh);
}

static GbStatus
check_canvas(const float *canvas, int width, int height, GbError *err)
{
  if (width < 1 || height < 1 || (long)width * height > MAX_CANVAS_PIXELS)
    return gb_error_set(err, GB_ERR_INVALID, "a canvas of %d x %d pixels cannot be used", width,
                        height);
  long bad = gb_floats_find_nonfinite(canvas, (size_t)width * height);
  if (bad >= 0)
    return gb_error_set(err, GB_ERR_NUMERIC, "the canvas has a NaN or infinite value at (%ld, %ld)",
                        bad % width, bad / width);
  return GB_OK;
}

/* The bounding box of pixels above the ink threshold; false when there are none. */
static bool
ink_box(const float *canvas, int width, int height, int box[4])
{
  int x0 = width, y0 = height, x1 = -1, y1 = -1;
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      if (canvas[(size_t)y * width + x] > GB_DIGIT_INK_THRESHOLD) {
        x0 = x < x0 ? x : x0;
        x1 = x > x1 ? x : x1;
        y0 = y < y0 ? y : y0;
        y1 = y > y1 ? y : y1;
      }
  box[0] = x0;
  box[1] = y0;
  box[2] = x1 - x0 + 1;
  box[3] = y1 - y0 + 1;
  return x1 >= 0;
}

static GbStatus
check_and_find_ink(const float *canvas, int width, int height, int box[4], GbError *err)
{
  GbStatus st = check_canvas(canvas, width, height, err);
  if (st != GB_OK)
    return st;
  if (!ink_box(canvas, width, height, box))
    return gb_error_set(err, GB_ERR_INVALID, "the canvas is empty: draw a digit first");
  return GB_OK;
}

static void
clamp_unit(float *x, size_t n)
{
  for (size_t i = 0; i < n; i++)
    x[i] = x[i] < 0.0f ? 0.0f : x[i] > 1.0f ? 1.0f : x[i];
}

static void
centre_of_mass(const float *img, int w, int h, double *cx, double *cy)
{
  double sum = 0, sx = 0, sy = 0;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      double v = img[(size_t)y * w + x];
      sum += v;
      sx += v * (x + 0.5);
      sy += v * (y + 0.5);
    }
  *cx = sum > 0 ? sx / sum : w / 2.0;
  *cy = sum > 0 ? sy / sum : h / 2.0;
}

/* Whole-pixel offset that puts @com at the image centre, kept within [0, room]. */
static int
centring_offset(double com, int room)
{
  long off = lround(GB_DIGIT_SIZE / 2.0 - com);
  return off < 0 ? 0 : off > room ? room : (int)off;
}

GbStatus
gb_digit_preprocess_mnist(const float *canvas, int width, int height, float *out,
                          GbDigitPreprocessInfo *info, GbError *err)
{
  int box[4];
  GbStatus st = check_and_find_ink(canvas, width, height, box, err);
  if (st != GB_OK)
    return st;
  int w = box[2], h = box[3];
  /* The longer side becomes 20 pixels; the shorter keeps the aspect ratio. */
  int sw = w >= h ? GB_DIGIT_BOX : (int)lround((double)w * GB_DIGIT_BOX / h);
  int sh = h >= w ? GB_DIGIT_BOX : (int)lround((double)h * GB_DIGIT_BOX / w);
  sw = sw < 1 ? 1 : sw;
  sh = sh < 1 ? 1 : sh;
  float patch[GB_DIGIT_BOX * GB_DIGIT_BOX];
  float *tmp = gb_malloc((size_t)h * sw * sizeof *tmp);
  if (tmp == NULL)
    return gb_error_set(err, GB_ERR_NOMEM, "out of memory for a %d x %d canvas", width, height);
  resample_region(canvas, width, box[0], box[1], w, h, patch, sw, sh, tmp);
  gb_free(tmp);
  clamp_unit(patch, (size_t)sw * sh);

  double pcx, pcy;
  centre_of_mass(patch, sw, sh, &pcx, &pcy);
  int left = centring_offset(pcx, GB_DIGIT_SIZE - sw);
  int top = centring_offset(pcy, GB_DIGIT_SIZE - sh);
  memset(out, 0, GB_DIGIT_SIZE * GB_DIGIT_SIZE * sizeof *out);
  for (int y = 0; y < sh; y++)
    memcpy(out + (size_t)(top + y) * GB_DIGIT_SIZE + left, patch + (size_t)y * sw,
           (size_t)sw * sizeof *out);
  if (info != NULL) {
    *info = (GbDigitPreprocessInfo){box[0], box[1], w, h, sw, sh, left, top, 0, 0};
    centre_of_mass(out, GB_DIGIT_SIZE, GB_DIGIT_SIZE, &info->com_x, &info->com_y);
  }
  return GB_OK;
}

GbStatus
gb_digit_preprocess_plain(const float *canvas, int width, int height, float *out, GbError *err)
{
  int box[4];
  GbStatus st = check_and_find_ink(canvas, width, height, box, err);
  if (st != GB_OK)
    return st;
  return gb_image_resample(canvas, width, height, out, GB_DIGIT_SIZE, GB_DIGIT_SIZE, err);
}

GbStatus
gb_image_resample(const float *src, int sw, int sh, float *dst, int dw, int dh, GbError *err)
{
  if (sw < 1 || sh < 1 || dw < 1 || dh < 1 || (long)sw * sh > MAX_CANVAS_PIXELS ||
      (long)dw * dh > MAX_CANVAS_PIXELS)
    return gb_error_set(err, GB_ERR_INVALID, "cannot resize %d x %d pixels to %d x %d", sw, sh, dw,
                        dh);
  float *tmp = gb_malloc((size_t)sh * dw * sizeof *tmp);
  if (tmp == NULL)
    return gb_error_set(err, GB_ERR_NOMEM, "out of memory resizing %d x %d pixels", sw, sh);
  resample_region(src, sw, 0, 0, sw, sh, dst, dw, dh, tmp);
  gb_free(tmp);
  return GB_OK;
}

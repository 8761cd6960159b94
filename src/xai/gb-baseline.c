/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-attribution.h"

#include <math.h>
#include <string.h>

#include "gb-alloc.h"
#include "gb-rng.h"

void
gb_baseline_init(GbBaseline *b)
{
  memset(b, 0, sizeof *b);
  b->kind = GB_BASELINE_ZEROS;
  b->blur_sigma = 2.0;
}

/* Blurs @n_lines lines of @len samples, sample j of line l at x[l * line_stride + j * step],
 * with the normalised kernel k[-r..r]; edges replicated. @tmp holds @len floats. */
static void
blur_lines(float *x, int n_lines, size_t line_stride, int len, size_t step, const float *k,
           int r, float *tmp)
{
  for (int l = 0; l < n_lines; l++) {
    float *line = x + (size_t)l * line_stride;
    for (int j = 0; j < len; j++) {
      double s = 0.0;
      for (int d = -r; d <= r; d++) {
        int q = j + d < 0 ? 0 : (j + d >= len ? len - 1 : j + d);
        s += (double)k[d + r] * line[(size_t)q * step];
      }
      tmp[j] = (float)s;
    }
    for (int j = 0; j < len; j++) line[(size_t)j * step] = tmp[j];
  }
}

/* Separable Gaussian blur in place: (c, h, w) over h and w; (t, ch) over t; (n) over n. */
static GbStatus
blur(float *x, const GbShape *s, double sigma, GbError *err)
{
  if (!(sigma > 0.0) || !isfinite(sigma))
    return gb_error_set(err, GB_ERR_INVALID, "blur sigma must be positive, got %g", sigma);
  int r = (int)ceil(3.0 * sigma);
  int longest = 1;
  for (int i = 0; i < s->ndim; i++) longest = s->dim[i] > longest ? s->dim[i] : longest;
  float *k = gb_alloc_floats((size_t)2 * r + 1), *tmp = gb_alloc_floats((size_t)longest);
  if (k == NULL || tmp == NULL) {
    gb_free(k);
    gb_free(tmp);
    return gb_error_set(err, GB_ERR_NOMEM, "blur kernel of radius %d", r);
  }
  double total = 0.0;
  for (int d = -r; d <= r; d++) total += k[d + r] = (float)exp(-0.5 * d * d / (sigma * sigma));
  for (int d = 0; d <= 2 * r; d++) k[d] = (float)(k[d] / total);
  if (s->ndim == 3) {
    int c = s->dim[0], h = s->dim[1], w = s->dim[2];
    blur_lines(x, c * h, (size_t)w, w, 1, k, r, tmp); /* rows */
    for (int ch = 0; ch < c; ch++)                      /* columns */
      blur_lines(x + (size_t)ch * h * w, w, 1, h, (size_t)w, k, r, tmp);
  } else if (s->ndim == 2) {
    blur_lines(x, s->dim[1], 1, s->dim[0], (size_t)s->dim[1], k, r, tmp);
  } else {
    blur_lines(x, 1, 0, (int)gb_shape_size(s), 1, k, r, tmp);
  }
  gb_free(k);
  gb_free(tmp);
  return GB_OK;
}

static GbStatus
copy_given(const GbBaseline *b, size_t n_x, float *out, GbError *err)
{
  const char *what = b->kind == GB_BASELINE_MEAN ? "data mean" : "baseline";
  if (b->data == NULL || b->n_data != n_x)
    return gb_error_set(err, GB_ERR_SHAPE, "%s has %zu values, the input %zu", what,
                        b->data ? b->n_data : 0, n_x);
  long bad = gb_floats_find_nonfinite(b->data, n_x);
  if (bad >= 0)
    return gb_error_set(err, GB_ERR_NUMERIC, "%s value %ld is %g", what, bad,
                        (double)b->data[bad]);
  memcpy(out, b->data, n_x * sizeof *out);
  return GB_OK;
}

static void
uniform(const GbBaseline *b, const float *x, size_t n_x, float *out)
{
  float lo = b->lo, hi = b->hi;
  if (lo == hi) {
    lo = hi = x[0];
    for (size_t i = 1; i < n_x; i++) {
      lo = fminf(lo, x[i]);
      hi = fmaxf(hi, x[i]);
    }
  }
  GbRng rng;
  gb_rng_seed(&rng, b->seed);
  for (size_t i = 0; i < n_x; i++) out[i] = (float)(lo + (hi - lo) * gb_rng_uniform(&rng));
}

GbStatus
gb_baseline_make(const GbBaseline *b, const GbShape *shape, const float *x, size_t n_x,
                 float *out, GbError *err)
{
  if (gb_shape_size(shape) != n_x)
    return gb_error_set(err, GB_ERR_SHAPE, "input has %zu values, its shape %zu", n_x,
                        gb_shape_size(shape));
  switch (b->kind) {
  case GB_BASELINE_ZEROS:
    memset(out, 0, n_x * sizeof *out);
    return GB_OK;
  case GB_BASELINE_MEAN:
  case GB_BASELINE_CUSTOM:
    return copy_given(b, n_x, out, err);
  case GB_BASELINE_BLUR:
    memcpy(out, x, n_x * sizeof *out);
    return blur(out, shape, b->blur_sigma, err);
  case GB_BASELINE_UNIFORM:
    if (!isfinite(b->lo) || !isfinite(b->hi) || b->hi < b->lo)
      return gb_error_set(err, GB_ERR_INVALID, "uniform baseline range [%g, %g)", (double)b->lo,
                          (double)b->hi);
    uniform(b, x, n_x, out);
    return GB_OK;
  }
  return gb_error_set(err, GB_ERR_INVALID, "unknown baseline kind %d", (int)b->kind);
}

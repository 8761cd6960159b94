/* SPDX-License-Identifier: GPL-3.0-or-later */
/* How noisy gradient maps are: neighbour correlation and relative total variation. */
#include "config.h"

#include "gb-shattered.h"

#include <math.h>
#include <string.h>

#include "gb-alloc.h"
#include "gb-global.h"

typedef struct {
  double n, s, ss, sxy, tv;
} PairSums;

/* Both orders of the pair, so the correlation is symmetric in the neighbours. */
static void
add_pair(PairSums *p, double a, double b)
{
  p->n += 2;
  p->s += a + b;
  p->ss += a * a + b * b;
  p->sxy += 2 * a * b;
  p->tv += fabs(a - b);
}

/* Pairs (i, i + step) along lines of @len values, @n_lines lines @stride apart. */
static void
add_lines(PairSums *p, const float *a, int n_lines, size_t stride, int len, size_t step)
{
  for (int l = 0; l < n_lines; l++)
    for (int k = 0; k + 1 < len; k++) {
      size_t i = (size_t)l * stride + (size_t)k * step;
      add_pair(p, a[i], a[i + step]);
    }
}

GbStatus
gb_map_roughness(const float *a, const GbShape *shape, GbMapRoughness *out, GbError *err)
{
  if (a == NULL || shape == NULL)
    return gb_error_set(err, GB_ERR_INVALID, "roughness: no map");
  size_t n = gb_shape_size(shape);
  for (size_t i = 0; i < n; i++)
    if (!isfinite(a[i]))
      return gb_error_set(err, GB_ERR_NUMERIC, "roughness: map value %zu is not finite", i);
  PairSums p = {0};
  if (shape->ndim == 3) {
    int c = shape->dim[0], h = shape->dim[1], w = shape->dim[2];
    add_lines(&p, a, c * h, (size_t)w, w, 1); /* rows */
    for (int ch = 0; ch < c; ch++)            /* columns */
      add_lines(&p, a + (size_t)ch * h * w, w, 1, h, (size_t)w);
  } else if (shape->ndim == 2) {
    add_lines(&p, a, shape->dim[1], 1, shape->dim[0], (size_t)shape->dim[1]); /* time */
  } else {
    add_lines(&p, a, 1, 0, (int)n, 1);
  }
  if (p.n < 4)
    return gb_error_set(err, GB_ERR_INVALID,
                        "roughness: the map has fewer than 2 neighbour "
                        "pairs");
  double mean = p.s / p.n, var = p.ss / p.n - mean * mean, mean_abs = 0;
  for (size_t i = 0; i < n; i++)
    mean_abs += fabs(a[i]) / n;
  out->neighbour_corr = var > 1e-12 * (p.ss / p.n) ? (p.sxy / p.n - mean * mean) / var : NAN;
  out->tv_ratio = mean_abs > 0 ? (p.tv / (p.n / 2)) / mean_abs : NAN;
  return GB_OK;
}

static GbStatus
roughness_of(GbModel *m, const float *x, int cls, const GbSmoothConfig *sc, bool smooth,
             GbMapRoughness *r, GbError *err)
{
  size_t d = gb_model_input_size(m);
  GbTarget t = gb_target_class(gb_model_n_outputs(m) == 1 ? 0 : cls);
  GbAttribution a = {0};
  GbStatus st = smooth ? gb_attribution_smoothgrad(m, x, d, &t, sc, &a, NULL, NULL, NULL, err)
                       : gb_attribution_gradient(m, x, d, &t, &a, err);
  if (st == GB_OK)
    st = gb_map_roughness(a.values, gb_model_input_shape(m), r, err);
  gb_attribution_clear(&a);
  return st;
}

GbStatus
gb_shattered_gradients(GbModel *m, const GbDataView *data, int n_samples,
                       const GbSmoothConfig *smooth, GbProgressFn progress, void *user,
                       GbShatteredSummary *out, GbError *err)
{
  memset(out, 0, sizeof *out);
  if (data == NULL || data->n < 1 || data->x == NULL)
    return gb_error_set(err, GB_ERR_INVALID, "shattered gradients: the data set is empty");
  size_t d = gb_model_input_size(m);
  if (gb_shape_size(&data->shape) != d)
    return gb_error_set(err, GB_ERR_SHAPE,
                        "shattered gradients: samples of %zu values do not "
                        "fit the model (%zu inputs)",
                        gb_shape_size(&data->shape), d);
  GbStatus st = gb_data_view_validate(data, "shattered gradients", err);
  if (st != GB_OK)
    return st;
  GbSmoothConfig sc;
  if (smooth != NULL)
    sc = *smooth;
  else
    gb_smooth_config_init(&sc);
  sc.map = GB_SMOOTH_GRADIENT;
  int n = n_samples > 0 && n_samples < data->n ? n_samples : data->n, used = 0;
  double sg = 0, ss = 0, qg = 0, qs = 0;
  for (int i = 0; st == GB_OK && i < n; i++) {
    const float *x = data->x + (size_t)i * d;
    int cls;
    GbMapRoughness g, s;
    st = gb_global_predict(m, x, 1, &cls, err);
    if (st == GB_OK)
      st = roughness_of(m, x, cls, &sc, false, &g, err);
    if (st == GB_OK)
      st = roughness_of(m, x, cls, &sc, true, &s, err);
    if (st == GB_OK && isfinite(g.neighbour_corr) && isfinite(s.neighbour_corr)) {
      out->gradient.neighbour_corr += g.neighbour_corr;
      out->gradient.tv_ratio += g.tv_ratio;
      out->smoothgrad.neighbour_corr += s.neighbour_corr;
      out->smoothgrad.tv_ratio += s.tv_ratio;
      sg += g.neighbour_corr, qg += g.neighbour_corr * g.neighbour_corr;
      ss += s.neighbour_corr, qs += s.neighbour_corr * s.neighbour_corr;
      used++;
    }
    if (st == GB_OK && progress != NULL && !progress(user, (double)(i + 1) / n, "gradients"))
      st = gb_error_set(err, GB_ERR_CANCELLED, "shattered gradients cancelled");
  }
  if (st == GB_OK && used == 0)
    st = gb_error_set(err, GB_ERR_NUMERIC, "shattered gradients: every gradient map was constant");
  if (st != GB_OK) {
    memset(out, 0, sizeof *out);
    return st;
  }
  out->n_samples = used;
  out->gradient.neighbour_corr /= used;
  out->gradient.tv_ratio /= used;
  out->smoothgrad.neighbour_corr /= used;
  out->smoothgrad.tv_ratio /= used;
  out->gradient_corr_sd = used > 1 ? sqrt(fmax(0, (qg - sg * sg / used) / (used - 1))) : 0;
  out->smoothgrad_corr_sd = used > 1 ? sqrt(fmax(0, (qs - ss * ss / used) / (used - 1))) : 0;
  return GB_OK;
}

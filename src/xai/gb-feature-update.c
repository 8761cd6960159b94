/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A model's first affine layer updated one input feature at a time (see the header). */
#include "config.h"

#include "gb-feature-update.h"

#include <string.h>

#include "gb-affine-prefix.h"
#include "gb-alloc.h"
#include "gb-layer.h"

GbStatus
gb_feature_update_init(GbFeatureUpdate *u, GbModel *m, int batch, GbError *err)
{
  memset(u, 0, sizeof *u);
  u->m = m;
  GbAffinePrefix p;
  u->a = gb_affine_prefix_find(m, &p) ? p.layer : -1;
  if (u->a < 0)
    return GB_OK;
  gb_affine_prefix_note_use();
  u->layer = gb_model_get_layer(m, u->a);
  u->d = gb_model_input_size(m);
  u->h = gb_layer_out_size(u->layer);
  u->batch = batch;
  u->z = gb_malloc((size_t)batch * u->h * sizeof *u->z);
  u->zf = gb_alloc_floats((size_t)batch * u->h);
  if (u->layer->kind == GB_LAYER_DENSE && (u->wt = gb_alloc_floats(u->d * u->h)) != NULL) {
    const float *w = u->layer->p[0]; /* (h, d) */
    for (size_t o = 0; o < u->h; o++)
      for (size_t j = 0; j < u->d; j++) u->wt[j * u->h + o] = w[o * u->d + j];
  }
  if (u->z == NULL || u->zf == NULL || (u->layer->kind == GB_LAYER_DENSE && u->wt == NULL)) {
    gb_feature_update_clear(u);
    return gb_error_set(err, GB_ERR_NOMEM, "the first layer's outputs for %d inputs", batch);
  }
  return GB_OK;
}

void
gb_feature_update_clear(GbFeatureUpdate *u)
{
  gb_free(u->z);
  gb_free(u->zf);
  gb_free(u->wt);
  memset(u, 0, sizeof *u);
  u->a = -1;
}

GbStatus
gb_feature_update_start(GbFeatureUpdate *u, const float *rows, int nb, GbError *err)
{
  const float *out;
  GbStatus st = gb_model_forward_range(u->m, 0, u->a + 1, rows, nb, false, &out, err);
  if (st != GB_OK)
    return st;
  for (size_t i = 0; i < (size_t)nb * u->h; i++) u->z[i] = out[i];
  return GB_OK;
}

/* conv2d: the outputs input pixel (ci, y, x) reaches, each through its tap (ki, kj):
 * oy s + ki - pad = y, and likewise for x. */
static void
conv_add(GbFeatureUpdate *u, double *z, size_t j, double delta)
{
  const GbLayer *l = u->layer;
  int c = l->in_shape.dim[0], h = l->in_shape.dim[1], w = l->in_shape.dim[2];
  int f = l->out_shape.dim[0], oh = l->out_shape.dim[1], ow = l->out_shape.dim[2];
  int k = l->cfg.kernel, s = l->cfg.stride, pad = l->cfg.pad;
  int ci = (int)(j / ((size_t)h * w)), y = (int)(j / (size_t)w % (size_t)h), x = (int)(j % (size_t)w);
  const float *wt = l->p[0]; /* (f, c, k, k) */
  for (int ki = 0; ki < k; ki++) {
    int ty = y + pad - ki;
    if (ty < 0 || ty % s != 0 || ty / s >= oh)
      continue;
    for (int kj = 0; kj < k; kj++) {
      int tx = x + pad - kj;
      if (tx < 0 || tx % s != 0 || tx / s >= ow)
        continue;
      size_t at = (size_t)(ty / s) * ow + (size_t)(tx / s), tap = ((size_t)ci * k + ki) * k + kj;
      for (int fo = 0; fo < f; fo++)
        z[(size_t)fo * oh * ow + at] += delta * wt[(size_t)fo * c * k * k + tap];
    }
  }
}

void
gb_feature_update_add(GbFeatureUpdate *u, int i, size_t j, double delta)
{
  double *z = u->z + (size_t)i * u->h;
  if (u->wt == NULL) {
    conv_add(u, z, j, delta);
    return;
  }
  const float *wj = u->wt + j * u->h;
  for (size_t o = 0; o < u->h; o++) z[o] += delta * wj[o];
}

GbStatus
gb_feature_update_forward(GbFeatureUpdate *u, int nb, const float **logits, GbError *err)
{
  for (size_t i = 0; i < (size_t)nb * u->h; i++) u->zf[i] = (float)u->z[i];
  return gb_model_forward_range(u->m, u->a + 1, gb_model_n_layers(u->m), u->zf, nb, false,
                                logits, err);
}

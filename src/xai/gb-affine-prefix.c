/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The affine first layer of a model, for methods that evaluate it once per few vectors. */
#include "config.h"

#include "gb-affine-prefix.h"

#include <stdatomic.h>
#include <string.h>

#include "gb-blas.h"

static bool prefix_enabled = true;
static atomic_long prefix_uses;

void
gb_affine_prefix_note_use(void)
{
  atomic_fetch_add(&prefix_uses, 1);
}

long
gb_affine_prefix_uses(void)
{
  return atomic_load(&prefix_uses);
}

void
gb_affine_prefix_set_enabled(bool on)
{
  prefix_enabled = on;
}

bool
gb_affine_prefix_get_enabled(void)
{
  return prefix_enabled;
}

bool
gb_affine_prefix_find(GbModel *m, GbAffinePrefix *p)
{
  memset(p, 0, sizeof *p);
  p->layer = -1;
  if (!prefix_enabled)
    return false;
  int n = gb_model_n_layers(m), a = 0;
  while (a < n && gb_model_get_layer(m, a)->kind == GB_LAYER_FLATTEN) a++;
  /* Layers after a must exist: the methods run them as a range of their own. */
  if (a + 1 >= n)
    return false;
  GbLayer *l = gb_model_get_layer(m, a);
  if (l->kind != GB_LAYER_DENSE && l->kind != GB_LAYER_CONV2D)
    return false;
  p->model = m;
  p->layer = a;
  p->kind = l->kind;
  p->n_in = gb_layer_in_size(l);
  p->h = gb_layer_out_size(l);
  if (l->kind == GB_LAYER_DENSE) {
    p->row_cost = (double)p->n_in * p->h;
  } else {
    int c_in = l->in_shape.dim[0], k = l->cfg.kernel;
    p->row_cost = (double)p->h * c_in * k * k;
  }
  return true;
}

GbStatus
gb_affine_prefix_apply(const GbAffinePrefix *p, const float *v, int rows, float *out,
                       GbError *err)
{
  const float *y;
  GbStatus st = gb_model_forward_range(p->model, 0, p->layer + 1, v, rows, false, &y, err);
  if (st == GB_OK)
    memcpy(out, y, (size_t)rows * p->h * sizeof *out);
  return st;
}

const float *
gb_affine_prefix_dense_weight(const GbAffinePrefix *p)
{
  return p->kind == GB_LAYER_DENSE ? gb_model_get_layer(p->model, p->layer)->p[0] : NULL;
}

GbStatus
gb_affine_prefix_linear(const GbAffinePrefix *p, const float *d, int rows, float *out,
                        GbError *err)
{
  int n_in = (int)p->n_in, h = (int)p->h;
  if (p->kind == GB_LAYER_DENSE) {
    /* out (rows, h) = d (rows, n_in) W^T, W (h, n_in) */
    gb_sgemm(false, true, rows, h, n_in, 1.0f, d, n_in, gb_affine_prefix_dense_weight(p), n_in,
             0.0f, out, h);
    return GB_OK;
  }
  GbStatus st = gb_affine_prefix_apply(p, d, rows, out, err);
  if (st != GB_OK)
    return st;
  /* conv2d output (filters, oh, ow): L(0) is the bias of each filter over its plane. */
  GbLayer *l = gb_model_get_layer(p->model, p->layer);
  const float *bias = l->p[1];
  size_t plane = p->h / (size_t)l->cfg.units;
  for (int r = 0; r < rows; r++)
    for (int c = 0; c < l->cfg.units; c++) {
      float *o = out + (size_t)r * p->h + (size_t)c * plane;
      for (size_t i = 0; i < plane; i++) o[i] -= bias[c];
    }
  return GB_OK;
}

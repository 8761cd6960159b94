/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "gb-blas.h"
#include "gb-layer.h"

/* Dense: y = x W^T + b
 * x: (batch, n_in)  W: (units, n_in)  b: (units)  y: (batch, units) */

static GbStatus
dense_setup(GbLayer *l, GbError *err)
{
  if (l->cfg.units < 1)
    return gb_error_set(err, GB_ERR_INVALID, "%s: dense needs at least 1 unit", l->name);
  int n_in = (int)gb_layer_in_size(l);
  l->out_shape = gb_shape_1d(l->cfg.units);
  GbShape w = gb_shape_2d(l->cfg.units, n_in);
  GbShape b = gb_shape_1d(l->cfg.units);
  gb_layer_add_param(l, "weight", &w, false);
  gb_layer_add_param(l, "bias", &b, true);
  return GB_OK;
}

static void
dense_init(GbLayer *l, GbRng *rng)
{
  int n_in = (int)gb_layer_in_size(l);
  if (l->cfg.init == GB_INIT_GLOROT)
    gb_init_glorot_uniform(l->p[0], l->param[0].count, n_in, l->cfg.units, rng);
  else
    gb_init_he_normal(l->p[0], l->param[0].count, n_in, rng);
  memset(l->p[1], 0, l->param[1].count * sizeof(float));
}

static GbStatus
dense_reserve(GbLayer *l, int max_batch, GbError *err)
{
  (void)err;
  l->max_batch = max_batch;
  return GB_OK;
}

static void
dense_forward(GbLayer *l, const float *x, float *y, int batch, bool training)
{
  int n_in = (int)gb_layer_in_size(l), n_out = l->cfg.units;
  const float *b = l->p[1];
  l->last_training = training;
  for (int i = 0; i < batch; i++)
    memcpy(y + (size_t)i * n_out, b, (size_t)n_out * sizeof(float));
  gb_sgemm(false, true, batch, n_out, n_in, 1.0f, x, n_in, l->p[0], n_in, 1.0f, y, n_out);
}

static void
dense_backward(GbLayer *l, const float *x, const float *y, const float *dy, float *dx, int batch,
               bool param_grads)
{
  (void)y;
  int n_in = (int)gb_layer_in_size(l), n_out = l->cfg.units;
  if (param_grads) {
    /* dW (units, n_in) = dy^T (units, batch) x (batch, n_in) */
    gb_sgemm(true, false, n_out, n_in, batch, 1.0f, dy, n_out, x, n_in, 0.0f, l->g[0], n_in);
    float *db = l->g[1];
    memset(db, 0, (size_t)n_out * sizeof(float));
    for (int i = 0; i < batch; i++) {
      const float *row = dy + (size_t)i * n_out;
      for (int j = 0; j < n_out; j++)
        db[j] += row[j];
    }
  }
  /* dx (batch, n_in) = dy (batch, units) x W (units, n_in) */
  if (dx != NULL)
    gb_sgemm(false, false, batch, n_in, n_out, 1.0f, dy, n_out, l->p[0], n_in, 0.0f, dx, n_in);
}

const GbLayerOps gb_dense_ops = {
    .type_name = "dense",
    .setup = dense_setup,
    .init = dense_init,
    .reserve = dense_reserve,
    .forward = dense_forward,
    .backward = dense_backward,
};

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "gb-alloc.h"
#include "gb-layer.h"

/* Flatten: (batch, any...) -> (batch, size). The memory layout does not change (row-major,
 * channels first, as in PyTorch), so forward and backward are copies. */

static GbStatus
flatten_setup(GbLayer *l, GbError *err)
{
  (void)err;
  l->out_shape = gb_shape_1d((int)gb_layer_in_size(l));
  return GB_OK;
}

static GbStatus
plain_reserve(GbLayer *l, int max_batch, GbError *err)
{
  (void)err;
  l->max_batch = max_batch;
  return GB_OK;
}

static void
flatten_forward(GbLayer *l, const float *x, float *y, int batch, bool training)
{
  (void)training;
  memcpy(y, x, (size_t)batch * gb_layer_in_size(l) * sizeof(float));
}

static void
flatten_backward(GbLayer *l, const float *x, const float *y, const float *dy, float *dx,
                 int batch, bool param_grads)
{
  (void)x, (void)y, (void)param_grads;
  if (dx != NULL)
    memcpy(dx, dy, (size_t)batch * gb_layer_in_size(l) * sizeof(float));
}

const GbLayerOps gb_flatten_ops = {"flatten", flatten_setup, NULL, plain_reserve,
                                   flatten_forward, flatten_backward, NULL};

/* Dropout (inverted): in training each unit is kept with probability 1 - rate and scaled by
 * 1 / (1 - rate), so inference is the identity. mask: (batch, n), the scale or 0. */

static GbStatus
dropout_setup(GbLayer *l, GbError *err)
{
  if (!(l->cfg.rate >= 0.0f && l->cfg.rate < 1.0f))
    return gb_error_set(err, GB_ERR_INVALID, "%s: dropout rate must be in [0, 1), got %g",
                        l->name, (double)l->cfg.rate);
  l->out_shape = l->in_shape;
  return GB_OK;
}

static GbStatus
dropout_reserve(GbLayer *l, int max_batch, GbError *err)
{
  float *mask = gb_alloc_floats((size_t)max_batch * gb_layer_in_size(l));
  if (mask == NULL)
    return gb_error_set(err, GB_ERR_NOMEM, "%s: out of memory for the dropout mask", l->name);
  gb_free(l->scratch);
  l->scratch = mask;
  l->max_batch = max_batch;
  return GB_OK;
}

static void
dropout_forward(GbLayer *l, const float *x, float *y, int batch, bool training)
{
  size_t n = (size_t)batch * gb_layer_in_size(l);
  l->last_training = training && l->cfg.rate > 0.0f;
  if (!l->last_training) {
    memcpy(y, x, n * sizeof(float));
    return;
  }
  float *mask = l->scratch;
  double keep = 1.0 - l->cfg.rate;
  float scale = (float)(1.0 / keep);
  for (size_t i = 0; i < n; i++) {
    mask[i] = gb_rng_uniform(l->rng) < keep ? scale : 0.0f;
    y[i] = x[i] * mask[i];
  }
}

static void
dropout_backward(GbLayer *l, const float *x, const float *y, const float *dy, float *dx,
                 int batch, bool param_grads)
{
  (void)x, (void)y, (void)param_grads;
  if (dx == NULL)
    return;
  size_t n = (size_t)batch * gb_layer_in_size(l);
  if (!l->last_training) {
    memcpy(dx, dy, n * sizeof(float));
    return;
  }
  const float *mask = l->scratch;
  for (size_t i = 0; i < n; i++)
    dx[i] = dy[i] * mask[i];
}

static void
dropout_release(GbLayer *l)
{
  gb_free(l->scratch);
  l->scratch = NULL;
}

const GbLayerOps gb_dropout_ops = {"dropout", dropout_setup, NULL, dropout_reserve,
                                   dropout_forward, dropout_backward, dropout_release};

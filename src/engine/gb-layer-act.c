/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>
#include <string.h>

#include "gb-layer.h"

/* Element-wise activations and softmax. x, y, dy, dx: (batch, n), same shape in and out.
 * Backward passes use the cached output y where the derivative is a function of it. */

static GbStatus
same_shape_setup(GbLayer *l, GbError *err)
{
  (void)err;
  l->out_shape = l->in_shape;
  return GB_OK;
}

static GbStatus
no_reserve(GbLayer *l, int max_batch, GbError *err)
{
  (void)err;
  l->max_batch = max_batch;
  return GB_OK;
}

static size_t
total(const GbLayer *l, int batch)
{
  return (size_t)batch * gb_layer_in_size(l);
}

/* ReLU: y = max(0, x); dy/dx = [x > 0]. */
static void
relu_forward(GbLayer *l, const float *x, float *y, int batch, bool training)
{
  (void)training;
  size_t n = total(l, batch);
  for (size_t i = 0; i < n; i++)
    y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

static void
relu_backward(GbLayer *l, const float *x, const float *y, const float *dy, float *dx, int batch,
              bool param_grads)
{
  (void)y, (void)param_grads;
  if (dx == NULL)
    return;
  size_t n = total(l, batch);
  for (size_t i = 0; i < n; i++)
    dx[i] = x[i] > 0.0f ? dy[i] : 0.0f;
}

/* Leaky ReLU: y = x for x > 0, alpha x otherwise. */
static GbStatus
leaky_setup(GbLayer *l, GbError *err)
{
  if (!(l->cfg.alpha >= 0.0f && l->cfg.alpha < 1.0f))
    return gb_error_set(err, GB_ERR_INVALID, "%s: leaky ReLU slope must be in [0, 1), got %g",
                        l->name, (double)l->cfg.alpha);
  return same_shape_setup(l, err);
}

static void
leaky_forward(GbLayer *l, const float *x, float *y, int batch, bool training)
{
  (void)training;
  size_t n = total(l, batch);
  float a = l->cfg.alpha;
  for (size_t i = 0; i < n; i++)
    y[i] = x[i] > 0.0f ? x[i] : a * x[i];
}

static void
leaky_backward(GbLayer *l, const float *x, const float *y, const float *dy, float *dx, int batch,
               bool param_grads)
{
  (void)y, (void)param_grads;
  if (dx == NULL)
    return;
  size_t n = total(l, batch);
  float a = l->cfg.alpha;
  for (size_t i = 0; i < n; i++)
    dx[i] = x[i] > 0.0f ? dy[i] : a * dy[i];
}

/* Sigmoid: y = 1 / (1 + e^-x); dy/dx = y (1 - y). */
static void
sigmoid_forward(GbLayer *l, const float *x, float *y, int batch, bool training)
{
  (void)training;
  size_t n = total(l, batch);
  for (size_t i = 0; i < n; i++)
    y[i] = 1.0f / (1.0f + expf(-x[i]));
}

static void
sigmoid_backward(GbLayer *l, const float *x, const float *y, const float *dy, float *dx,
                 int batch, bool param_grads)
{
  (void)x, (void)param_grads;
  if (dx == NULL)
    return;
  size_t n = total(l, batch);
  for (size_t i = 0; i < n; i++)
    dx[i] = dy[i] * y[i] * (1.0f - y[i]);
}

/* Tanh: dy/dx = 1 - y^2. */
static void
tanh_forward(GbLayer *l, const float *x, float *y, int batch, bool training)
{
  (void)training;
  size_t n = total(l, batch);
  for (size_t i = 0; i < n; i++)
    y[i] = tanhf(x[i]);
}

static void
tanh_backward(GbLayer *l, const float *x, const float *y, const float *dy, float *dx, int batch,
              bool param_grads)
{
  (void)x, (void)param_grads;
  if (dx == NULL)
    return;
  size_t n = total(l, batch);
  for (size_t i = 0; i < n; i++)
    dx[i] = dy[i] * (1.0f - y[i] * y[i]);
}

/* Softmax over the last dimension of each sample's flat vector:
 * y_j = e^(x_j - max) / sum_k e^(x_k - max); dx_j = y_j (dy_j - sum_k dy_k y_k). */
static void
softmax_forward(GbLayer *l, const float *x, float *y, int batch, bool training)
{
  (void)training;
  int n = (int)gb_layer_in_size(l);
  for (int b = 0; b < batch; b++) {
    const float *xr = x + (size_t)b * n;
    float *yr = y + (size_t)b * n;
    float mx = xr[0];
    for (int j = 1; j < n; j++)
      mx = xr[j] > mx ? xr[j] : mx;
    double sum = 0.0;
    for (int j = 0; j < n; j++) {
      yr[j] = expf(xr[j] - mx);
      sum += yr[j];
    }
    float inv = (float)(1.0 / sum);
    for (int j = 0; j < n; j++)
      yr[j] *= inv;
  }
}

static void
softmax_backward(GbLayer *l, const float *x, const float *y, const float *dy, float *dx,
                 int batch, bool param_grads)
{
  (void)x, (void)param_grads;
  if (dx == NULL)
    return;
  int n = (int)gb_layer_in_size(l);
  for (int b = 0; b < batch; b++) {
    const float *yr = y + (size_t)b * n, *dyr = dy + (size_t)b * n;
    float *dxr = dx + (size_t)b * n;
    double dot = 0.0;
    for (int j = 0; j < n; j++)
      dot += (double)dyr[j] * yr[j];
    for (int j = 0; j < n; j++)
      dxr[j] = yr[j] * (dyr[j] - (float)dot);
  }
}

const GbLayerOps gb_relu_ops = {"relu", same_shape_setup, NULL, no_reserve,
                                relu_forward, relu_backward, NULL};
const GbLayerOps gb_leaky_relu_ops = {"leakyrelu", leaky_setup, NULL, no_reserve,
                                      leaky_forward, leaky_backward, NULL};
const GbLayerOps gb_sigmoid_ops = {"sigmoid", same_shape_setup, NULL, no_reserve,
                                   sigmoid_forward, sigmoid_backward, NULL};
const GbLayerOps gb_tanh_ops = {"tanh", same_shape_setup, NULL, no_reserve,
                                tanh_forward, tanh_backward, NULL};
const GbLayerOps gb_softmax_ops = {"softmax", same_shape_setup, NULL, no_reserve,
                                   softmax_forward, softmax_backward, NULL};

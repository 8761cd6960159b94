/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>
#include <string.h>

#include "gb-alloc.h"
#include "gb-blas.h"
#include "gb-layer.h"
#include "gb-recurrent-private.h"

/* "PRM-like" layer: our own design for the P300 workshop (methods.md §2.3), not the published
 * Post-Recurrent Module, whose equations are unknown. An Elman RNN (as the rnn layer, with
 * Oliva's state noise in training), a time-distributed post-recurrent module that also sees
 * the input (Oliva's Dual RNN), and additive pooling of per-step evidence:
 *   h(t) = tanh(W_ih x(t) + W_hh h(t-1) + b_h + sigma h(t-1) * xi(t)),  h(0) = 0
 *   c(t) = tanh(W_xc x(t) + W_hc h(t) + b_c)
 *   e(t) = v . c(t)
 *   logit = sum_t e(t) + b_e
 * Output (1), the logit, or with seq=all (T), the terms e(t) + b_e / T, which add up to it.
 * x: (B, T, C)  W_ih: (H, C)  W_hh: (H, H)  b_h: (H)  W_xc: (K, C)  W_hc: (K, H)  b_c: (K)
 * v = weight_e: (1, K)  b_e: (1)  y: (B, 1) or (B, T)
 * The recurrent part runs on the shared caches (gb-recurrent.c) with the rnn layer's cell; the
 * post module works on all T * B rows at once, time-major, one gemm per product. */

enum { PRM_W_IH, PRM_W_HH, PRM_B_H, PRM_W_XC, PRM_W_HC, PRM_B_C, PRM_W_E, PRM_B_E };
_Static_assert((int)PRM_W_IH == (int)GB_REC_W_IH && (int)PRM_W_HH == (int)GB_REC_W_HH &&
                   (int)PRM_B_H == (int)GB_REC_B_IH,
               "the recurrent helpers find the Elman part's parameters first");

typedef struct {
  GbRecurrent rec; /* first: the recurrent helpers see l->scratch as a GbRecurrent */
  int cap;         /* batch the buffers below hold */
  float *c;        /* (T, B, K) post-module activations */
  float *e;        /* (T, B) evidence */
  float *de;       /* (T, B) dL/de */
  float *dzc;      /* (T, B, K) dL/d(post-module pre-activations) */
  float *dh_post;  /* (T, B, H) the part of dL/dh(t) that comes through the post module */
} PrmScratch;

static GbStatus
prm_setup(GbLayer *l, GbError *err)
{
  GbStatus st = gb_recurrent_check_input(l, err);
  if (st != GB_OK)
    return st;
  if (l->cfg.post_units < 1)
    return gb_error_set(err, GB_ERR_INVALID, "%s: needs at least 1 post-recurrent unit",
                        l->name);
  int T = l->in_shape.dim[0], C = l->in_shape.dim[1], H = l->cfg.units, K = l->cfg.post_units;
  l->out_shape = gb_shape_1d(l->cfg.return_sequences ? T : 1);
  GbShape w_ih = gb_shape_2d(H, C), w_hh = gb_shape_2d(H, H), b_h = gb_shape_1d(H);
  GbShape w_xc = gb_shape_2d(K, C), w_hc = gb_shape_2d(K, H), b_c = gb_shape_1d(K);
  GbShape w_e = gb_shape_2d(1, K), b_e = gb_shape_1d(1);
  gb_layer_add_param(l, "weight_ih", &w_ih, false);
  gb_layer_add_param(l, "weight_hh", &w_hh, false);
  gb_layer_add_param(l, "bias_h", &b_h, true);
  gb_layer_add_param(l, "weight_xc", &w_xc, false);
  gb_layer_add_param(l, "weight_hc", &w_hc, false);
  gb_layer_add_param(l, "bias_c", &b_c, true);
  gb_layer_add_param(l, "weight_e", &w_e, false);
  gb_layer_add_param(l, "bias_e", &b_e, true);
  return GB_OK;
}

/* The Elman part as PyTorch's RNN, uniform(-1/sqrt(H), 1/sqrt(H)) bias included; the post
 * module as dense layers, Glorot with PyTorch's fan_in and fan_out per tensor, zero biases. */
static void
prm_init(GbLayer *l, GbRng *rng)
{
  float bound = 1.0f / sqrtf((float)l->cfg.units);
  for (int i = PRM_W_IH; i <= PRM_B_H; i++)
    gb_init_uniform(l->p[i], l->param[i].count, bound, rng);
  const int glorot[] = {PRM_W_XC, PRM_W_HC, PRM_W_E};
  for (size_t k = 0; k < sizeof glorot / sizeof glorot[0]; k++) {
    const GbParamInfo *p = &l->param[glorot[k]];
    gb_init_glorot_uniform(l->p[glorot[k]], p->count, p->shape.dim[1], p->shape.dim[0], rng);
  }
  memset(l->p[PRM_B_C], 0, l->param[PRM_B_C].count * sizeof(float));
  memset(l->p[PRM_B_E], 0, l->param[PRM_B_E].count * sizeof(float));
}

static void
free_post_buffers(PrmScratch *s)
{
  float **bufs[] = {&s->c, &s->e, &s->de, &s->dzc, &s->dh_post};
  for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) {
    gb_free(*bufs[i]);
    *bufs[i] = NULL;
  }
  s->cap = 0;
}

static bool
alloc_post_buffers(PrmScratch *s, const GbLayer *l, int B)
{
  size_t tb = (size_t)l->in_shape.dim[0] * B;
  size_t tbk = tb * l->cfg.post_units, tbh = tb * l->cfg.units;
  return (s->c = gb_alloc_floats(tbk)) != NULL && (s->e = gb_alloc_floats(tb)) != NULL &&
         (s->de = gb_alloc_floats(tb)) != NULL && (s->dzc = gb_alloc_floats(tbk)) != NULL &&
         (s->dh_post = gb_alloc_floats(tbh)) != NULL;
}

static GbStatus
prm_reserve(GbLayer *l, int max_batch, GbError *err)
{
  if (l->scratch == NULL) {
    l->scratch = gb_recurrent_scratch_new(sizeof(PrmScratch), 1, GB_REC_ONE_BIAS);
    if (l->scratch == NULL)
      return gb_error_set(err, GB_ERR_NOMEM, "%s: out of memory", l->name);
  }
  GbStatus st = gb_recurrent_reserve(l, max_batch, 1, GB_REC_ONE_BIAS, err);
  if (st != GB_OK)
    return st;
  PrmScratch *s = l->scratch;
  if (max_batch <= s->cap)
    return GB_OK;
  free_post_buffers(s);
  if (!alloc_post_buffers(s, l, max_batch)) {
    free_post_buffers(s);
    l->max_batch = 0;
    return gb_error_set(err, GB_ERR_NOMEM,
                        "%s: out of memory for the post-module caches of %d sequences", l->name,
                        max_batch);
  }
  s->cap = max_batch;
  return GB_OK;
}

static void
prm_release(GbLayer *l)
{
  if (l->scratch != NULL)
    free_post_buffers(l->scratch);
  gb_recurrent_release(l);
}

/* c = tanh(b_c + x_tm W_xc^T + h(1..T) W_hc^T), e = c v, over all P = T * B rows. */
static void
post_forward(GbLayer *l, int batch)
{
  PrmScratch *s = l->scratch;
  GbRecDims d = gb_recurrent_dims(l);
  int K = l->cfg.post_units, P = d.T * batch;
  size_t n = (size_t)P * K;
  const float *h = s->rec.h + (size_t)batch * d.H; /* h(1): h(0) = 0 comes first */
  const float *v = l->p[PRM_W_E];
  /* Bias first, so the tanh below is one flat pass that vectorises without masks. */
  for (int r = 0; r < P; r++)
    memcpy(s->c + (size_t)r * K, l->p[PRM_B_C], (size_t)K * sizeof(float));
  /* c (P, K) += x_tm (P, C) W_xc^T (C, K) + h (P, H) W_hc^T (H, K) */
  gb_sgemm(false, true, P, K, d.F, 1.0f, s->rec.x_tm, d.F, l->p[PRM_W_XC], d.F, 1.0f, s->c, K);
  gb_sgemm(false, true, P, K, d.H, 1.0f, h, d.H, l->p[PRM_W_HC], d.H, 1.0f, s->c, K);
  float *restrict c = s->c;
  for (size_t i = 0; i < n; i++)
    c[i] = gb_rec_tanhf(c[i]);
  for (int r = 0; r < P; r++) {
    const float *row = s->c + (size_t)r * K;
    float e = 0.0f;
    for (int k = 0; k < K; k++)
      e += v[k] * row[k];
    s->e[r] = e;
  }
}

/* Additive pooling. e: (T, B) -> y: (B, 1) = sum_t e + b_e, or (B, T) = e + b_e / T. */
static void
pool_forward(GbLayer *l, float *y, int batch)
{
  PrmScratch *s = l->scratch;
  int T = l->in_shape.dim[0];
  float b_e = l->p[PRM_B_E][0];
  if (l->cfg.return_sequences) {
    float share = b_e / (float)T;
    for (int b = 0; b < batch; b++)
      for (int t = 0; t < T; t++)
        y[(size_t)b * T + t] = s->e[(size_t)t * batch + b] + share;
    return;
  }
  for (int b = 0; b < batch; b++)
    y[b] = 0.0f;
  for (int t = 0; t < T; t++)
    for (int b = 0; b < batch; b++)
      y[b] += s->e[(size_t)t * batch + b];
  for (int b = 0; b < batch; b++)
    y[b] += b_e;
}

static void
prm_forward(GbLayer *l, const float *x, float *y, int batch, bool training)
{
  gb_recurrent_forward_begin(l, x, batch, training, 0);
  gb_rnn_forward_steps(l, batch);
  post_forward(l, batch);
  pool_forward(l, y, batch);
}

/* de (T, B) from dy; the gradients of weight_e and bias_e when @param_grads. */
static void
pool_backward(GbLayer *l, const float *dy, int batch, bool param_grads)
{
  PrmScratch *s = l->scratch;
  int T = l->in_shape.dim[0], K = l->cfg.post_units, P = T * batch;
  bool seq = l->cfg.return_sequences;
  double db_e = 0.0;
  for (int t = 0; t < T; t++)
    for (int b = 0; b < batch; b++) {
      float g = seq ? dy[(size_t)b * T + t] : dy[b];
      s->de[(size_t)t * batch + b] = g;
      db_e += g;
    }
  if (!param_grads)
    return;
  /* de holds each dy[b] T times with seq=last; with seq=all each of the T outputs holds b_e / T:
   * either way dL/db_e = sum(de) / T. */
  l->g[PRM_B_E][0] = (float)(db_e / T);
  /* dv (1, K) = de (1, P) c (P, K) */
  gb_sgemm(false, false, 1, K, P, 1.0f, s->de, P, s->c, K, 0.0f, l->g[PRM_W_E], K);
}

/* dzc = de v (1 - c^2); the post module's weight gradients; dh_post = dzc W_hc. */
static void
post_backward(GbLayer *l, int batch, bool param_grads)
{
  PrmScratch *s = l->scratch;
  GbRecDims d = gb_recurrent_dims(l);
  int K = l->cfg.post_units, P = d.T * batch;
  const float *v = l->p[PRM_W_E];
  const float *h = s->rec.h + (size_t)batch * d.H;
  for (int r = 0; r < P; r++) {
    const float *c = s->c + (size_t)r * K;
    float *dz = s->dzc + (size_t)r * K;
    for (int k = 0; k < K; k++)
      dz[k] = s->de[r] * v[k] * (1.0f - c[k] * c[k]);
  }
  if (param_grads) {
    /* dW_xc (K, C) = dzc^T (K, P) x_tm (P, C);  dW_hc (K, H) = dzc^T (K, P) h (P, H) */
    gb_sgemm(true, false, K, d.F, P, 1.0f, s->dzc, K, s->rec.x_tm, d.F, 0.0f, l->g[PRM_W_XC],
             d.F);
    gb_sgemm(true, false, K, d.H, P, 1.0f, s->dzc, K, h, d.H, 0.0f, l->g[PRM_W_HC], d.H);
    gb_recurrent_column_sums(l->g[PRM_B_C], s->dzc, (size_t)P, (size_t)K, false);
  }
  /* dh_post (P, H) = dzc (P, K) W_hc (K, H) */
  gb_sgemm(false, false, P, d.H, K, 1.0f, s->dzc, K, l->p[PRM_W_HC], d.H, 0.0f, s->dh_post,
           d.H);
}

/* Backpropagation through time, as the rnn layer, with dL/dh(t) from the post module. */
static void
recurrent_backward(GbLayer *l, int batch, bool want_dx, bool param_grads)
{
  PrmScratch *s = l->scratch;
  GbRecDims d = gb_recurrent_dims(l);
  size_t n = (size_t)batch * d.H;
  gb_recurrent_backward_begin(l, batch);
  for (int t = d.T - 1; t >= 0; t--) {
    const float *dh_post = s->dh_post + (size_t)t * n;
    for (size_t i = 0; i < n; i++)
      s->rec.dh[i] += dh_post[i];
    gb_rnn_backward_step(l, t, batch);
    if (t > 0)
      gb_recurrent_backprop_hh(l, t, batch);
    gb_recurrent_backward_chunk(l, t, batch, want_dx, param_grads);
  }
}

static void
prm_backward(GbLayer *l, const float *x, const float *y, const float *dy, float *dx, int batch,
             bool param_grads)
{
  (void)x, (void)y;
  if (dx == NULL && !param_grads)
    return;
  PrmScratch *s = l->scratch;
  GbRecDims d = gb_recurrent_dims(l);
  pool_backward(l, dy, batch, param_grads);
  post_backward(l, batch, param_grads);
  recurrent_backward(l, batch, dx != NULL, param_grads);
  if (dx == NULL)
    return;
  /* dx_tm (P, C) += dzc (P, K) W_xc (K, C): the input's direct path into the post module */
  gb_sgemm(false, false, d.T * batch, d.F, l->cfg.post_units, 1.0f, s->dzc, l->cfg.post_units,
           l->p[PRM_W_XC], d.F, 1.0f, s->rec.dx_tm, d.F);
  gb_recurrent_backward_end(l, dx, batch);
}

const GbLayerOps gb_prm_ops = {
    .type_name = "prm",
    .setup = prm_setup,
    .init = prm_init,
    .reserve = prm_reserve,
    .forward = prm_forward,
    .backward = prm_backward,
    .release = prm_release,
};

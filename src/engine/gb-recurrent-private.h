/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "gb-layer.h"

/* Shared machinery of the recurrent layers (rnn, lstm, gru, and prm's Elman part).
 *
 * Per sample the input is (T, F) and the state has H units; a cell has G gates, so its
 * parameters are PyTorch's weight_ih (G*H, F), weight_hh (G*H, H), bias_ih and bias_hh (G*H).
 * A cell with GB_REC_ONE_BIAS has a single bias (G*H) third and no bias_hh; the layer's own
 * parameters, if any, follow.
 * The caller's buffers are batch-major: x (B, T, F), y (B, H) or (B, T, H). Every cache is
 * time-major, (T, B, ...), so that one step of the whole batch is a contiguous matrix, and so is
 * a run of steps: the input projections of a chunk of steps are one gemm, each step's recurrent
 * part is one gemm, and the weight gradients of a chunk are one gemm each. */

enum { GB_REC_W_IH, GB_REC_W_HH, GB_REC_B_IH, GB_REC_B_HH };

/* Which optional caches a cell needs. */
typedef enum {
  GB_REC_NEED_CELL = 1 << 0,     /* c: (T + 1, B, H), LSTM's cell states */
  GB_REC_NEED_AUX = 1 << 1,      /* aux: (T, B, H), one extra value per unit and step */
  GB_REC_NEED_DGATES_H = 1 << 2, /* dgates_h differs from dgates (GRU) */
  GB_REC_NEED_HIN = 1 << 3,      /* hin: the noisy h(t-1) that enters weight_hh */
  GB_REC_ONE_BIAS = 1 << 4,      /* p[2] is the only bias; p[3] on are not the helpers' */
} GbRecurrentNeeds;

typedef struct {
  int G;           /* gates per unit: 1 rnn, 4 lstm, 3 gru */
  unsigned needs;  /* GbRecurrentNeeds */
  int cap;         /* batch the buffers hold */
  bool noisy;      /* the last forward drew state noise */
  float *x_tm;     /* (T, B, F) the input, time-major */
  float *bias;     /* (G*H) b_ih plus the part of b_hh that can be folded in */
  float *gates;    /* (T, B, G*H) x W_ih^T, then the cell's cached gate values */
  float *h;        /* (T + 1, B, H) states, h[0] = 0 */
  float *c;        /* (T + 1, B, H) LSTM cell states, c[0] = 0 */
  float *aux;      /* (T, B, H) LSTM: tanh(c); GRU: W_hn h + b_hn */
  float *xi;       /* (T, B, H) standard normal noise, when state_noise > 0 */
  float *hin;      /* (T, B, H) h(t-1) * (1 + sigma xi), when the cell needs it */
  float *dgates;   /* (T, B, G*H) dL/d(input-side pre-activations) */
  float *dgates_h; /* (T, B, G*H) dL/d(W_hh h + b_hh); the same buffer as dgates but for GRU */
  float *dx_tm;    /* (T, B, F) */
  float *dh;       /* (B, H) dL/dh(t) while walking back */
  float *dc;       /* (B, H) dL/dc(t), LSTM only */
  float *tmp;      /* (B, G*H) per-step scratch */
} GbRecurrent;

/* Dimensions of a recurrent layer. */
typedef struct {
  int T, F, H, G;
  size_t gh; /* G * H */
} GbRecDims;

static inline GbRecDims
gb_recurrent_dims(const GbLayer *l)
{
  const GbRecurrent *r = l->scratch;
  GbRecDims d = {l->in_shape.dim[0], l->in_shape.dim[1], l->cfg.units, r->G, 0};
  d.gh = (size_t)d.G * d.H;
  return d;
}

/* Checks that the input is (T, F) and that there is at least one hidden unit. */
GbStatus gb_recurrent_check_input(GbLayer *l, GbError *err);
/* Checks a (T, F) input, sets the output shape and declares the four parameters. */
GbStatus gb_recurrent_setup(GbLayer *l, int n_gates, GbError *err);
/* uniform(-1/sqrt(H), 1/sqrt(H)) for all four tensors, as PyTorch does. */
void gb_recurrent_init(GbLayer *l, GbRng *rng);
/* A zeroed scratch struct of @size bytes that starts with a GbRecurrent: a layer with caches of
 * its own embeds GbRecurrent as the first member of a larger struct, sets it as l->scratch, and
 * then calls gb_recurrent_reserve, which keeps it. NULL when out of memory. */
GbRecurrent *gb_recurrent_scratch_new(size_t size, int n_gates, unsigned needs);
/* Allocates the caches for batches of up to @max_batch (and the scratch struct, when the layer
 * has none yet). */
GbStatus gb_recurrent_reserve(GbLayer *l, int max_batch, int n_gates, unsigned needs,
                              GbError *err);
void gb_recurrent_release(GbLayer *l);

/* Start of forward: x -> x_tm, bias = b_ih + the first @n_fold entries of b_hh (none with
 * GB_REC_ONE_BIAS), h[0] = c[0] = 0, and the noise drawn when training with state_noise > 0. */
void gb_recurrent_forward_begin(GbLayer *l, const float *x, int batch, bool training,
                                size_t n_fold);
/* Steps per chunk: forward projects the input, and backward takes the weight gradients, one
 * chunk of steps at a time so that the chunk's gates stay in cache. */
int gb_recurrent_chunk_steps(int batch);
/* Call before step t: when t starts a chunk, gates of the chunk = x W_ih^T (no bias: the cells
 * add it, which saves a pass over the gates). */
void gb_recurrent_project(GbLayer *l, int t, int batch);
/* The recurrent input of step t (0-based) for the gemm: h(t-1), or hin when noisy and the cell
 * keeps hin (which this then fills). (B, H). */
const float *gb_recurrent_input_state(GbLayer *l, int t, int batch);
/* End of forward: the last state or every state into y. */
void gb_recurrent_forward_end(GbLayer *l, float *y, int batch);

/* Start of backward: dh = 0 and, for LSTM, dc = 0. */
void gb_recurrent_backward_begin(GbLayer *l, int batch);
/* dh += the part of dy that belongs to step t. */
void gb_recurrent_add_dy(GbLayer *l, const float *dy, int t, int batch);
/* dh = dh + (dgates_h(t) W_hh) * (1 + sigma xi(t)): the gradient that reaches h(t-1) through
 * weight_hh. The cell has already put its direct part (if any) into dh. */
void gb_recurrent_backprop_hh(GbLayer *l, int t, int batch);
/* Call after step t's gradients: when t starts a chunk, the chunk's contribution to the weight
 * gradients (when @param_grads; the first chunk done overwrites, later ones add) and its dx_tm
 * (when @want_dx), one gemm each. */
void gb_recurrent_backward_chunk(GbLayer *l, int t, int batch, bool want_dx, bool param_grads);
/* End of backward: dx_tm -> dx when @dx is not NULL. */
void gb_recurrent_backward_end(GbLayer *l, float *dx, int batch);
/* db (n) = (or += when @accumulate) the column sums of dg (rows, n). */
void gb_recurrent_column_sums(float *db, const float *dg, size_t rows, size_t n, bool accumulate);

/* The Elman tanh cell (gb-layer-rnn.c), shared by rnn and prm. After forward_begin, runs the T
 * steps: gates(t) = z(t), h(t) = tanh(z(t)), with Oliva's noise added beside weight_hh. */
void gb_rnn_forward_steps(GbLayer *l, int batch);
/* Step t of backward, once dh holds dL/dh(t): dgates(t) = dL/dz(t), and dh = the direct part
 * of dL/dh(t-1) (the noise term); gb_recurrent_backprop_hh adds the part through weight_hh. */
void gb_rnn_backward_step(GbLayer *l, int t, int batch);

/* Elementwise functions that GCC vectorises (libm's expf and tanhf are not vectorised without
 * -ffast-math). exp: Cephes' polynomial after range reduction, about 1 ulp on [-87, 88]; the
 * argument is clamped there, where float's exp over- or underflows anyway. */
static inline float
gb_rec_expf(float x)
{
  x = x < -87.0f ? -87.0f : x;
  x = x > 88.0f ? 88.0f : x;
  /* n = round(x / ln 2) through the 1.5 * 2^23 trick; r = x - n ln 2 in two parts. */
  float n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  float r = x - n * 0.693359375f + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  uint32_t bits = (uint32_t)((int32_t)n + 127) << 23;
  float scale;
  memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

static inline float
gb_rec_sigmoidf(float x)
{
  return 1.0f / (1.0f + gb_rec_expf(-x));
}

static inline float
gb_rec_tanhf(float x)
{
  return 1.0f - 2.0f / (gb_rec_expf(2.0f * x) + 1.0f);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>
#include <string.h>

#include "gb-alloc.h"
#include "gb-blas.h"
#include "gb-recurrent-private.h"

/* Steps are processed in chunks of about this many rows (steps x batch): the input projection
 * of a chunk is one gemm done just before its steps, and the weight gradients of a chunk are one
 * gemm each done right after backward leaves it, so a chunk's gates are still in L2 cache. For
 * the benchmark's LSTM (T 256, batch 64, 128 gates) a chunk is 8 steps, 256 KiB of gates, and a
 * training step takes about 9.5 ms instead of 12.5 ms with single gemms over all T * B rows
 * (backward 5 instead of 7.5 ms: the big gemms stream 8 MiB of gate gradients from memory). */
#define GB_REC_CHUNK_ROWS 512

GbStatus
gb_recurrent_check_input(GbLayer *l, GbError *err)
{
  char buf[64];
  if (l->in_shape.ndim != 2)
    return gb_error_set(err, GB_ERR_SHAPE,
                        "%s: expects a (time, features) input per sample, got shape %s", l->name,
                        gb_shape_format(&l->in_shape, buf, sizeof buf));
  if (l->cfg.units < 1)
    return gb_error_set(err, GB_ERR_INVALID, "%s: needs at least 1 hidden unit", l->name);
  return GB_OK;
}

GbStatus
gb_recurrent_setup(GbLayer *l, int n_gates, GbError *err)
{
  GbStatus st = gb_recurrent_check_input(l, err);
  if (st != GB_OK)
    return st;
  int T = l->in_shape.dim[0], F = l->in_shape.dim[1], H = l->cfg.units;
  l->out_shape = l->cfg.return_sequences ? gb_shape_2d(T, H) : gb_shape_1d(H);
  GbShape w_ih = gb_shape_2d(n_gates * H, F);
  GbShape w_hh = gb_shape_2d(n_gates * H, H);
  GbShape b = gb_shape_1d(n_gates * H);
  gb_layer_add_param(l, "weight_ih", &w_ih, false);
  gb_layer_add_param(l, "weight_hh", &w_hh, false);
  gb_layer_add_param(l, "bias_ih", &b, true);
  gb_layer_add_param(l, "bias_hh", &b, true);
  return GB_OK;
}

void
gb_recurrent_init(GbLayer *l, GbRng *rng)
{
  float bound = 1.0f / sqrtf((float)l->cfg.units);
  for (int i = 0; i < l->n_params; i++)
    gb_init_uniform(l->p[i], l->param[i].count, bound, rng);
}

static void
free_buffers(GbRecurrent *r)
{
  float **bufs[] = {&r->bias, &r->x_tm,  &r->gates, &r->h,  &r->c,  &r->aux, &r->xi,
                    &r->hin,  &r->dgates, &r->dx_tm, &r->dh, &r->dc, &r->tmp};
  for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) {
    gb_free(*bufs[i]);
    *bufs[i] = NULL;
  }
  if (r->needs & GB_REC_NEED_DGATES_H)
    gb_free(r->dgates_h);
  r->dgates_h = NULL;
  r->cap = 0;
}

/* Allocates @count floats into *@p when @wanted; false when that failed. */
static bool
alloc_if(float **p, bool wanted, size_t count)
{
  if (!wanted)
    return true;
  *p = gb_alloc_floats(count);
  return *p != NULL;
}

static bool
alloc_buffers(GbRecurrent *r, const GbRecDims *d, int B, bool noise)
{
  size_t tb = (size_t)d->T * B, th = tb * d->H, b1 = (size_t)B * d->H;
  bool cell = r->needs & GB_REC_NEED_CELL, split = r->needs & GB_REC_NEED_DGATES_H;
  bool ok = alloc_if(&r->bias, true, d->gh) &&
            alloc_if(&r->x_tm, true, tb * d->F) &&
            alloc_if(&r->gates, true, tb * d->gh) &&
            alloc_if(&r->h, true, th + b1) &&
            alloc_if(&r->c, cell, th + b1) &&
            alloc_if(&r->aux, r->needs & GB_REC_NEED_AUX, th) &&
            alloc_if(&r->xi, noise, th) &&
            alloc_if(&r->hin, noise && (r->needs & GB_REC_NEED_HIN), th) &&
            alloc_if(&r->dgates, true, tb * d->gh) &&
            alloc_if(&r->dgates_h, split, tb * d->gh) &&
            alloc_if(&r->dx_tm, true, tb * d->F) &&
            alloc_if(&r->dh, true, b1) &&
            alloc_if(&r->dc, cell, b1) &&
            alloc_if(&r->tmp, true, (size_t)B * d->gh);
  if (ok && !split)
    r->dgates_h = r->dgates;
  return ok;
}

GbRecurrent *
gb_recurrent_scratch_new(size_t size, int n_gates, unsigned needs)
{
  GbRecurrent *r = gb_calloc(1, size < sizeof *r ? sizeof *r : size);
  if (r == NULL)
    return NULL;
  r->G = n_gates;
  r->needs = needs;
  return r;
}

GbStatus
gb_recurrent_reserve(GbLayer *l, int max_batch, int n_gates, unsigned needs, GbError *err)
{
  GbRecurrent *r = l->scratch;
  if (r == NULL) {
    r = gb_recurrent_scratch_new(sizeof *r, n_gates, needs);
    if (r == NULL)
      return gb_error_set(err, GB_ERR_NOMEM, "%s: out of memory", l->name);
    l->scratch = r;
  }
  l->max_batch = max_batch;
  if (max_batch <= r->cap)
    return GB_OK;
  free_buffers(r);
  GbRecDims d = gb_recurrent_dims(l);
  if (!alloc_buffers(r, &d, max_batch, l->cfg.state_noise > 0.0f)) {
    free_buffers(r);
    l->max_batch = 0;
    return gb_error_set(err, GB_ERR_NOMEM, "%s: out of memory for the caches of %d sequences",
                        l->name, max_batch);
  }
  r->cap = max_batch;
  return GB_OK;
}

void
gb_recurrent_release(GbLayer *l)
{
  if (l->scratch != NULL)
    free_buffers(l->scratch);
  gb_free(l->scratch);
  l->scratch = NULL;
}

/* src (B, T, n) -> dst (T, B, n) */
static void
to_time_major(float *dst, const float *src, int B, int T, size_t n)
{
  for (int b = 0; b < B; b++)
    for (int t = 0; t < T; t++)
      memcpy(dst + ((size_t)t * B + b) * n, src + ((size_t)b * T + t) * n, n * sizeof(float));
}

/* src (T, B, n) -> dst (B, T, n) */
static void
to_batch_major(float *dst, const float *src, int B, int T, size_t n)
{
  for (int b = 0; b < B; b++)
    for (int t = 0; t < T; t++)
      memcpy(dst + ((size_t)b * T + t) * n, src + ((size_t)t * B + b) * n, n * sizeof(float));
}

static void
draw_noise(GbLayer *l, size_t n)
{
  GbRecurrent *r = l->scratch;
  for (size_t i = 0; i < n; i++)
    r->xi[i] = (float)gb_rng_normal(l->rng);
}

void
gb_recurrent_forward_begin(GbLayer *l, const float *x, int batch, bool training, size_t n_fold)
{
  GbRecurrent *r = l->scratch;
  GbRecDims d = gb_recurrent_dims(l);
  size_t tb = (size_t)d.T * batch, b1 = (size_t)batch * d.H;
  const float *b_ih = l->p[GB_REC_B_IH], *b_hh = l->p[GB_REC_B_HH];
  if (r->needs & GB_REC_ONE_BIAS)
    n_fold = 0; /* p[3] is not a bias_hh */
  l->last_training = training;
  r->noisy = training && l->cfg.state_noise > 0.0f;
  to_time_major(r->x_tm, x, batch, d.T, (size_t)d.F);
  for (size_t j = 0; j < d.gh; j++)
    r->bias[j] = b_ih[j] + (j < n_fold ? b_hh[j] : 0.0f);
  memset(r->h, 0, b1 * sizeof(float));
  if (r->c != NULL)
    memset(r->c, 0, b1 * sizeof(float));
  if (r->noisy)
    draw_noise(l, tb * d.H);
  if (r->noisy && r->hin != NULL)
    memset(r->hin, 0, b1 * sizeof(float)); /* hin(0) = h(0) = 0, for dW_hh */
}

int
gb_recurrent_chunk_steps(int batch)
{
  return batch >= GB_REC_CHUNK_ROWS ? 1 : GB_REC_CHUNK_ROWS / batch;
}

void
gb_recurrent_project(GbLayer *l, int t, int batch)
{
  GbRecurrent *r = l->scratch;
  GbRecDims d = gb_recurrent_dims(l);
  int S = gb_recurrent_chunk_steps(batch);
  if (t % S != 0)
    return;
  int rows = ((d.T - t < S) ? d.T - t : S) * batch;
  size_t first = (size_t)t * batch;
  /* gates (rows, G*H) = x_tm (rows, F) W_ih^T (F, G*H) */
  gb_sgemm(false, true, rows, (int)d.gh, d.F, 1.0f, r->x_tm + first * d.F, d.F,
           l->p[GB_REC_W_IH], d.F, 0.0f, r->gates + first * d.gh, (int)d.gh);
}

const float *
gb_recurrent_input_state(GbLayer *l, int t, int batch)
{
  GbRecurrent *r = l->scratch;
  size_t n = (size_t)batch * l->cfg.units;
  const float *h = r->h + (size_t)t * n;
  if (!r->noisy || r->hin == NULL)
    return h;
  /* hin(t) = h(t-1) * (1 + sigma xi(t)) */
  float *hin = r->hin + (size_t)t * n;
  const float *xi = r->xi + (size_t)t * n;
  float sigma = l->cfg.state_noise;
  for (size_t i = 0; i < n; i++)
    hin[i] = h[i] * (1.0f + sigma * xi[i]);
  return hin;
}

void
gb_recurrent_forward_end(GbLayer *l, float *y, int batch)
{
  GbRecurrent *r = l->scratch;
  GbRecDims d = gb_recurrent_dims(l);
  size_t b1 = (size_t)batch * d.H;
  if (l->cfg.return_sequences)
    to_batch_major(y, r->h + b1, batch, d.T, (size_t)d.H);
  else
    memcpy(y, r->h + (size_t)d.T * b1, b1 * sizeof(float));
}

GbStatus
gb_layer_recurrent_states(const GbLayer *l, int batch, float *states, GbError *err)
{
  if (!gb_layer_kind_is_recurrent(l->kind))
    return gb_error_set(err, GB_ERR_INVALID, "%s: a %s layer has no hidden states", l->name,
                        gb_layer_kind_name(l->kind));
  const GbRecurrent *r = l->scratch;
  if (r == NULL || r->h == NULL || batch < 1 || batch > r->cap)
    return gb_error_set(err, GB_ERR_INVALID,
                        "%s: no hidden states of a forward of %d samples (caches hold %d)",
                        l->name, batch, r ? r->cap : 0);
  GbRecDims d = gb_recurrent_dims(l);
  to_batch_major(states, r->h + (size_t)batch * d.H, batch, d.T, (size_t)d.H);
  return GB_OK;
}

void
gb_recurrent_backward_begin(GbLayer *l, int batch)
{
  GbRecurrent *r = l->scratch;
  size_t b1 = (size_t)batch * l->cfg.units;
  memset(r->dh, 0, b1 * sizeof(float));
  if (r->dc != NULL)
    memset(r->dc, 0, b1 * sizeof(float));
}

void
gb_recurrent_add_dy(GbLayer *l, const float *dy, int t, int batch)
{
  GbRecurrent *r = l->scratch;
  GbRecDims d = gb_recurrent_dims(l);
  if (!l->cfg.return_sequences) {
    if (t == d.T - 1)
      for (size_t i = 0; i < (size_t)batch * d.H; i++)
        r->dh[i] += dy[i];
    return;
  }
  /* dy: (B, T, H) */
  for (int b = 0; b < batch; b++) {
    const float *src = dy + ((size_t)b * d.T + t) * d.H;
    float *dst = r->dh + (size_t)b * d.H;
    for (int j = 0; j < d.H; j++)
      dst[j] += src[j];
  }
}

void
gb_recurrent_backprop_hh(GbLayer *l, int t, int batch)
{
  GbRecurrent *r = l->scratch;
  GbRecDims d = gb_recurrent_dims(l);
  size_t b1 = (size_t)batch * d.H;
  const float *dg = r->dgates_h + (size_t)t * batch * d.gh;
  const float *w_hh = l->p[GB_REC_W_HH];
  /* (B, H) = dgates_h(t) (B, G*H) W_hh (G*H, H) */
  if (!r->noisy || r->hin == NULL) {
    gb_sgemm(false, false, batch, d.H, (int)d.gh, 1.0f, dg, (int)d.gh, w_hh, d.H, 1.0f, r->dh,
             d.H);
    return;
  }
  gb_sgemm(false, false, batch, d.H, (int)d.gh, 1.0f, dg, (int)d.gh, w_hh, d.H, 0.0f, r->tmp,
           d.H);
  const float *xi = r->xi + (size_t)t * b1;
  float sigma = l->cfg.state_noise;
  for (size_t i = 0; i < b1; i++)
    r->dh[i] += r->tmp[i] * (1.0f + sigma * xi[i]);
}

void
gb_recurrent_column_sums(float *db, const float *dg, size_t rows, size_t n, bool accumulate)
{
  if (!accumulate)
    memset(db, 0, n * sizeof(float));
  for (size_t i = 0; i < rows; i++) {
    const float *row = dg + i * n;
    for (size_t j = 0; j < n; j++)
      db[j] += row[j];
  }
}

/* The parameter gradients of @rows rows from row @first; the first chunk that backward
 * finishes (the last in time) overwrites, the others accumulate. */
static void
chunk_param_gradients(GbLayer *l, size_t first, int rows, bool accumulate)
{
  GbRecurrent *r = l->scratch;
  GbRecDims d = gb_recurrent_dims(l);
  int gh = (int)d.gh;
  float beta = accumulate ? 1.0f : 0.0f;
  const float *dg = r->dgates + first * gh, *dgh = r->dgates_h + first * gh;
  /* The state that entered weight_hh at each step: hin, or h(t-1), which sit together in h. */
  const float *hin = ((r->noisy && r->hin != NULL) ? r->hin : r->h) + first * d.H;
  /* dW_ih (G*H, F) += dgates^T (G*H, rows) x_tm (rows, F) */
  gb_sgemm(true, false, gh, d.F, rows, 1.0f, dg, gh, r->x_tm + first * d.F, d.F, beta,
           l->g[GB_REC_W_IH], d.F);
  /* dW_hh (G*H, H) += dgates_h^T (G*H, rows) hin (rows, H) */
  gb_sgemm(true, false, gh, d.H, rows, 1.0f, dgh, gh, hin, d.H, beta, l->g[GB_REC_W_HH], d.H);
  gb_recurrent_column_sums(l->g[GB_REC_B_IH], dg, (size_t)rows, d.gh, accumulate);
  if (!(r->needs & GB_REC_ONE_BIAS))
    gb_recurrent_column_sums(l->g[GB_REC_B_HH], dgh, (size_t)rows, d.gh, accumulate);
}

void
gb_recurrent_backward_chunk(GbLayer *l, int t, int batch, bool want_dx, bool param_grads)
{
  GbRecurrent *r = l->scratch;
  GbRecDims d = gb_recurrent_dims(l);
  int S = gb_recurrent_chunk_steps(batch);
  if (t % S != 0)
    return;
  int steps = d.T - t < S ? d.T - t : S, rows = steps * batch;
  size_t first = (size_t)t * batch;
  if (param_grads)
    chunk_param_gradients(l, first, rows, t + steps < d.T);
  /* dx_tm (rows, F) = dgates (rows, G*H) W_ih (G*H, F) */
  if (want_dx)
    gb_sgemm(false, false, rows, d.F, (int)d.gh, 1.0f, r->dgates + first * d.gh, (int)d.gh,
             l->p[GB_REC_W_IH], d.F, 0.0f, r->dx_tm + first * d.F, d.F);
}

void
gb_recurrent_backward_end(GbLayer *l, float *dx, int batch)
{
  GbRecurrent *r = l->scratch;
  GbRecDims d = gb_recurrent_dims(l);
  if (dx != NULL)
    to_batch_major(dx, r->dx_tm, batch, d.T, (size_t)d.F);
}

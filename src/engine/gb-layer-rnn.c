/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-blas.h"
#include "gb-layer.h"
#include "gb-recurrent-private.h"

/* Elman RNN with tanh, as torch.nn.RNN (batch_first=True), plus Oliva's state noise:
 *   z(t) = W_ih x(t) + b_ih + W_hh h(t-1) + b_hh + sigma * h(t-1) * xi(t)
 *   h(t) = tanh(z(t)),  h(0) = 0,  xi(t) ~ N(0, I) fresh per unit and step, training only.
 * The noise term is added to the pre-activation beside weight_hh, not passed through it: this is
 * the model of methods.md §3.2, which Oliva's rnn_elman.py computes the same way. (LSTM and GRU
 * have no such reference; they multiply the h(t-1) that enters weight_hh by 1 + sigma xi.)
 * x: (B, T, F)  W_ih: (H, F)  W_hh: (H, H)  b_ih, b_hh: (H)  y: (B, H) or (B, T, H)
 * Caches: gates(t) = z(t), h(t); backward needs only h. */

static GbStatus
rnn_setup(GbLayer *l, GbError *err)
{
  return gb_recurrent_setup(l, 1, err);
}

static GbStatus
rnn_reserve(GbLayer *l, int max_batch, GbError *err)
{
  return gb_recurrent_reserve(l, max_batch, 1, 0, err);
}

/* One sample's units: h = tanh(z + bias + sigma hp xi); z keeps the full pre-activation.
 * z, bias, hp, xi, h: (H); xi is NULL without noise. */
static void
rnn_cell_forward(float *restrict z, const float *restrict bias, const float *restrict hp,
                 const float *restrict xi, float sigma, float *restrict h, int H)
{
  for (int j = 0; j < H; j++)
    z[j] += bias[j];
  if (xi != NULL)
    for (int j = 0; j < H; j++)
      z[j] += sigma * hp[j] * xi[j];
  for (int j = 0; j < H; j++)
    h[j] = gb_rec_tanhf(z[j]);
}

static void
rnn_step_forward(GbLayer *l, int t, int batch)
{
  GbRecurrent *r = l->scratch;
  int H = l->cfg.units;
  size_t n = (size_t)batch * H;
  for (int b = 0; b < batch; b++) {
    size_t o = t * n + (size_t)b * H;
    rnn_cell_forward(r->gates + o, r->bias, r->h + o, r->noisy ? r->xi + o : NULL,
                     l->cfg.state_noise, r->h + n + o, H);
  }
}

void
gb_rnn_forward_steps(GbLayer *l, int batch)
{
  GbRecurrent *r = l->scratch;
  GbRecDims d = gb_recurrent_dims(l);
  size_t n = (size_t)batch * d.H;
  for (int t = 0; t < d.T; t++) {
    gb_recurrent_project(l, t, batch);
    /* z(t) (B, H) += h(t-1) (B, H) W_hh^T (H, H); h(0) = 0 adds nothing. */
    if (t > 0)
      gb_sgemm(false, true, batch, d.H, d.H, 1.0f, r->h + (size_t)t * n, d.H,
               l->p[GB_REC_W_HH], d.H, 1.0f, r->gates + (size_t)t * n, d.H);
    rnn_step_forward(l, t, batch);
  }
}

static void
rnn_forward(GbLayer *l, const float *x, float *y, int batch, bool training)
{
  GbRecDims d = gb_recurrent_dims(l);
  gb_recurrent_forward_begin(l, x, batch, training, d.gh);
  gb_rnn_forward_steps(l, batch);
  gb_recurrent_forward_end(l, y, batch);
}

/* dz(t) = dh(t) (1 - h(t)^2); dh(t-1) gets sigma xi(t) dz(t) directly (the rest through W_hh). */
void
gb_rnn_backward_step(GbLayer *l, int t, int batch)
{
  GbRecurrent *r = l->scratch;
  size_t n = (size_t)batch * l->cfg.units;
  const float *h = r->h + (size_t)(t + 1) * n;
  float *dz = r->dgates + (size_t)t * n;
  for (size_t i = 0; i < n; i++) {
    dz[i] = r->dh[i] * (1.0f - h[i] * h[i]);
    r->dh[i] = 0.0f;
  }
  if (r->noisy) {
    const float *xi = r->xi + (size_t)t * n;
    float sigma = l->cfg.state_noise;
    for (size_t i = 0; i < n; i++)
      r->dh[i] = sigma * xi[i] * dz[i];
  }
}

static void
rnn_backward(GbLayer *l, const float *x, const float *y, const float *dy, float *dx, int batch,
             bool param_grads)
{
  (void)x, (void)y;
  GbRecDims d = gb_recurrent_dims(l);
  gb_recurrent_backward_begin(l, batch);
  for (int t = d.T - 1; t >= 0; t--) {
    gb_recurrent_add_dy(l, dy, t, batch);
    gb_rnn_backward_step(l, t, batch);
    if (t > 0)
      gb_recurrent_backprop_hh(l, t, batch);
    gb_recurrent_backward_chunk(l, t, batch, dx != NULL, param_grads);
  }
  gb_recurrent_backward_end(l, dx, batch);
}

const GbLayerOps gb_rnn_ops = {
    .type_name = "rnn",
    .setup = rnn_setup,
    .init = gb_recurrent_init,
    .reserve = rnn_reserve,
    .forward = rnn_forward,
    .backward = rnn_backward,
    .release = gb_recurrent_release,
};

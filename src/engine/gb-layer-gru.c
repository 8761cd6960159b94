/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "gb-blas.h"
#include "gb-layer.h"
#include "gb-recurrent-private.h"

/* GRU as torch.nn.GRU (batch_first=True), gates in PyTorch's order r, z, n:
 *   r = sigmoid(W_ir x + b_ir + W_hr hin + b_hr)
 *   z = sigmoid(W_iz x + b_iz + W_hz hin + b_hz)
 *   n = tanh(W_in x + b_in + r * (W_hn hin + b_hn))
 *   h(t) = (1 - z) n + z h(t-1),  h(0) = 0,  hin(t) = h(t-1) * (1 + sigma xi(t))
 * The state noise (training only) multiplies the h(t-1) that enters weight_hh; the z h(t-1)
 * term uses the clean state.
 * x: (B, T, F)  W_ih: (3H, F)  W_hh: (3H, H)  b_ih, b_hh: (3H)  y: (B, H) or (B, T, H)
 * Caches: gates(t) (B, 3H) = r, z, n; aux(t) = W_hn hin + b_hn; h(t).
 * Because of r * (...), the gradients of the input side (dgates) and of the recurrent side
 * (dgates_h) differ in the n block. */

static GbStatus
gru_setup(GbLayer *l, GbError *err)
{
  return gb_recurrent_setup(l, 3, err);
}

static GbStatus
gru_reserve(GbLayer *l, int max_batch, GbError *err)
{
  return gb_recurrent_reserve(l, max_batch, 3,
                              GB_REC_NEED_AUX | GB_REC_NEED_DGATES_H | GB_REC_NEED_HIN, err);
}

/* One sample's units. ar, az, an (H each): W_ih x in, r z n out; bias (3H): b_ih with b_hr and
 * b_hz folded in; ah (3H) = W_hh hin; b_hn, hp, h, ghn: (H). */
static void
gru_cell_forward(float *restrict ar, float *restrict az, float *restrict an,
                 const float *restrict bias, const float *restrict ah, const float *restrict b_hn,
                 const float *restrict hp, float *restrict h, float *restrict ghn, int H)
{
  for (int j = 0; j < H; j++) {
    float r = gb_rec_sigmoidf(ar[j] + bias[j] + ah[j]);
    float z = gb_rec_sigmoidf(az[j] + bias[H + j] + ah[H + j]);
    float hn = ah[2 * H + j] + b_hn[j];
    float n = gb_rec_tanhf(an[j] + bias[2 * H + j] + r * hn);
    h[j] = (1.0f - z) * n + z * hp[j];
    ar[j] = r, az[j] = z, an[j] = n, ghn[j] = hn;
  }
}

static void
gru_forward(GbLayer *l, const float *x, float *y, int batch, bool training)
{
  GbRecurrent *r = l->scratch;
  GbRecDims d = gb_recurrent_dims(l);
  size_t n = (size_t)batch * d.H, ng = (size_t)batch * d.gh;
  const float *b_hn = l->p[GB_REC_B_HH] + 2 * d.H;
  gb_recurrent_forward_begin(l, x, batch, training, 2 * (size_t)d.H);
  for (int t = 0; t < d.T; t++) {
    gb_recurrent_project(l, t, batch);
    /* tmp (B, 3H) = hin(t) (B, H) W_hh^T (H, 3H); zero for h(0) = 0. */
    if (t > 0)
      gb_sgemm(false, true, batch, (int)d.gh, d.H, 1.0f, gb_recurrent_input_state(l, t, batch),
               d.H, l->p[GB_REC_W_HH], d.H, 0.0f, r->tmp, (int)d.gh);
    else
      memset(r->tmp, 0, ng * sizeof(float));
    for (int b = 0; b < batch; b++) {
      size_t o = t * n + (size_t)b * d.H;
      float *a = r->gates + t * ng + (size_t)b * d.gh;
      gru_cell_forward(a, a + d.H, a + 2 * d.H, r->bias, r->tmp + (size_t)b * d.gh, b_hn, r->h + o,
                       r->h + n + o, r->aux + o, d.H);
    }
  }
  gb_recurrent_forward_end(l, y, batch);
}

/* One sample's units. dh (H): dL/dh(t) in, the direct part of dL/dh(t-1) out;
 * da, dah (3H): input-side and recurrent-side pre-activation gradients. */
static void
gru_cell_backward(const float *restrict gate, const float *restrict ghn,
                  const float *restrict hp, float *restrict dh, float *restrict da,
                  float *restrict dah, int H)
{
  const float *gr = gate, *gz = gate + H, *gn = gate + 2 * H;
  for (int j = 0; j < H; j++) {
    float r = gr[j], z = gz[j], n = gn[j];
    float dan = dh[j] * (1.0f - z) * (1.0f - n * n);
    float dar = dan * ghn[j] * r * (1.0f - r);
    float daz = dh[j] * (hp[j] - n) * z * (1.0f - z);
    da[j] = dar, da[H + j] = daz, da[2 * H + j] = dan;
    dah[j] = dar, dah[H + j] = daz, dah[2 * H + j] = dan * r;
    dh[j] *= z;
  }
}

static void
gru_backward(GbLayer *l, const float *x, const float *y, const float *dy, float *dx, int batch,
             bool param_grads)
{
  (void)x, (void)y;
  GbRecurrent *r = l->scratch;
  GbRecDims d = gb_recurrent_dims(l);
  size_t n = (size_t)batch * d.H, ng = (size_t)batch * d.gh;
  gb_recurrent_backward_begin(l, batch);
  for (int t = d.T - 1; t >= 0; t--) {
    gb_recurrent_add_dy(l, dy, t, batch);
    for (int b = 0; b < batch; b++) {
      size_t o = t * n + (size_t)b * d.H, og = t * ng + (size_t)b * d.gh;
      gru_cell_backward(r->gates + og, r->aux + o, r->h + o, r->dh + (size_t)b * d.H,
                        r->dgates + og, r->dgates_h + og, d.H);
    }
    if (t > 0)
      gb_recurrent_backprop_hh(l, t, batch);
    gb_recurrent_backward_chunk(l, t, batch, dx != NULL, param_grads);
  }
  gb_recurrent_backward_end(l, dx, batch);
}

const GbLayerOps gb_gru_ops = {
    .type_name = "gru",
    .setup = gru_setup,
    .init = gb_recurrent_init,
    .reserve = gru_reserve,
    .forward = gru_forward,
    .backward = gru_backward,
    .release = gb_recurrent_release,
};

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "gb-blas.h"
#include "gb-layer.h"
#include "gb-recurrent-private.h"

/* LSTM as torch.nn.LSTM (batch_first=True), gates in PyTorch's order i, f, g, o:
 *   a(t) = W_ih x(t) + b_ih + W_hh hin(t) + b_hh,  hin(t) = h(t-1) * (1 + sigma xi(t))
 *   i = sigmoid(a_i)  f = sigmoid(a_f)  g = tanh(a_g)  o = sigmoid(a_o)
 *   c(t) = f c(t-1) + i g,  h(t) = o tanh(c(t)),  h(0) = c(0) = 0
 * The state noise (training only) multiplies the h(t-1) that enters weight_hh.
 * x: (B, T, F)  W_ih: (4H, F)  W_hh: (4H, H)  b_ih, b_hh: (4H)  y: (B, H) or (B, T, H)
 * Caches: gates(t) (B, 4H) = i, f, g, o; c(t); aux(t) = tanh(c(t)); h(t). */

static GbStatus
lstm_setup(GbLayer *l, GbError *err)
{
  return gb_recurrent_setup(l, 4, err);
}

static GbStatus
lstm_reserve(GbLayer *l, int max_batch, GbError *err)
{
  return gb_recurrent_reserve(l, max_batch, 4,
                              GB_REC_NEED_CELL | GB_REC_NEED_AUX | GB_REC_NEED_HIN, err);
}

/* The 4H gate values of one sample, or their gradients, as four blocks of H. */
typedef struct {
  float *i, *f, *g, *o;
} Gates;

static Gates
gates_at(float *a, int H)
{
  return (Gates){a, a + H, a + 2 * H, a + 3 * H};
}

/* One sample's units at step t: the gate pre-activations (H each, without bias) in, the gate
 * values out; bias: (4H); cp, c, tc, h: (H). The restrict parameters (the blocks do not
 * overlap) let GCC vectorise the loop. */
static void
lstm_cell_forward(float *restrict ai, float *restrict af, float *restrict ag,
                  float *restrict ao, const float *restrict bias, const float *restrict cp,
                  float *restrict c, float *restrict tc, float *restrict h, int H)
{
  const float *bi = bias, *bf = bias + H, *bg = bias + 2 * H, *bo = bias + 3 * H;
  for (int j = 0; j < H; j++) {
    float i = gb_rec_sigmoidf(ai[j] + bi[j]), f = gb_rec_sigmoidf(af[j] + bf[j]);
    float g = gb_rec_tanhf(ag[j] + bg[j]), o = gb_rec_sigmoidf(ao[j] + bo[j]);
    c[j] = f * cp[j] + i * g;
    tc[j] = gb_rec_tanhf(c[j]);
    h[j] = o * tc[j];
    ai[j] = i, af[j] = f, ag[j] = g, ao[j] = o;
  }
}

static void
lstm_forward(GbLayer *l, const float *x, float *y, int batch, bool training)
{
  GbRecurrent *r = l->scratch;
  GbRecDims d = gb_recurrent_dims(l);
  size_t n = (size_t)batch * d.H, ng = (size_t)batch * d.gh;
  gb_recurrent_forward_begin(l, x, batch, training, d.gh);
  for (int t = 0; t < d.T; t++) {
    gb_recurrent_project(l, t, batch);
    float *a = r->gates + t * ng;
    /* a(t) (B, 4H) += hin(t) (B, H) W_hh^T (H, 4H); h(0) = 0 adds nothing. */
    if (t > 0)
      gb_sgemm(false, true, batch, (int)d.gh, d.H, 1.0f, gb_recurrent_input_state(l, t, batch),
               d.H, l->p[GB_REC_W_HH], d.H, 1.0f, a, (int)d.gh);
    for (int b = 0; b < batch; b++) {
      size_t o = t * n + (size_t)b * d.H;
      Gates g = gates_at(a + (size_t)b * d.gh, d.H);
      lstm_cell_forward(g.i, g.f, g.g, g.o, r->bias, r->c + o, r->c + n + o, r->aux + o,
                        r->h + n + o, d.H);
    }
  }
  gb_recurrent_forward_end(l, y, batch);
}

/* One sample's units at step t: dh (H) in; dc (H) carried from t+1 to t-1; da (4H) out.
 * Restrict parameters (the blocks do not overlap) let GCC vectorise the loop. */
static void
lstm_cell_backward(const float *restrict gi, const float *restrict gf, const float *restrict gg,
                   const float *restrict go, const float *restrict cp, const float *restrict tc,
                   const float *restrict dh, float *restrict dc, float *restrict dai,
                   float *restrict daf, float *restrict dag, float *restrict dao, int H)
{
  for (int j = 0; j < H; j++) {
    float i = gi[j], f = gf[j], g = gg[j], o = go[j];
    float dct = dc[j] + dh[j] * o * (1.0f - tc[j] * tc[j]);
    dai[j] = dct * g * i * (1.0f - i);
    daf[j] = dct * cp[j] * f * (1.0f - f);
    dag[j] = dct * i * (1.0f - g * g);
    dao[j] = dh[j] * tc[j] * o * (1.0f - o);
    dc[j] = dct * f;
  }
}

static void
lstm_backward(GbLayer *l, const float *x, const float *y, const float *dy, float *dx, int batch,
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
      Gates g = gates_at(r->gates + og, d.H), da = gates_at(r->dgates + og, d.H);
      lstm_cell_backward(g.i, g.f, g.g, g.o, r->c + o, r->aux + o, r->dh + (size_t)b * d.H,
                         r->dc + (size_t)b * d.H, da.i, da.f, da.g, da.o, d.H);
    }
    /* h(t-1) reaches the loss only through weight_hh. */
    if (t > 0) {
      memset(r->dh, 0, n * sizeof(float));
      gb_recurrent_backprop_hh(l, t, batch);
    }
    gb_recurrent_backward_chunk(l, t, batch, dx != NULL, param_grads);
  }
  gb_recurrent_backward_end(l, dx, batch);
}

const GbLayerOps gb_lstm_ops = {
    .type_name = "lstm",
    .setup = lstm_setup,
    .init = gb_recurrent_init,
    .reserve = lstm_reserve,
    .forward = lstm_forward,
    .backward = lstm_backward,
    .release = gb_recurrent_release,
};

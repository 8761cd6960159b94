/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib.h>
#include <math.h>
#include <string.h>

#include "gb-alloc.h"
#include "gb-model.h"
#include "gb-recurrent-private.h"
#include "gb-rng.h"
#include "gb-test-util.h"

#define TOL 2e-3

/* ---- Backward against finite differences ---- */

static void
test_rnn_backward(void)
{
  gb_test_assert_gradcheck("input(5,3), rnn(4)", 2, false, TOL);
  gb_test_assert_gradcheck("input(6,2), rnn(3,seq=all), dense(2)", 3, false, TOL);
}

static void
test_lstm_backward(void)
{
  gb_test_assert_gradcheck("input(5,3), lstm(4)", 2, false, TOL);
  gb_test_assert_gradcheck("input(6,2), lstm(3,seq=all), dense(2)", 3, false, TOL);
}

static void
test_gru_backward(void)
{
  gb_test_assert_gradcheck("input(5,3), gru(4)", 2, false, TOL);
  gb_test_assert_gradcheck("input(6,2), gru(3,seq=all), dense(2)", 3, false, TOL);
}

/* In training mode the noise is drawn afresh at each forward, but the gradcheck reseeds the
 * model's generator, so every forward sees the same noise and the gradient must be exact for
 * it. In inference mode the same layers must be noise-free and still differentiate right. */
static void
test_noise_backward(void)
{
  gb_test_assert_gradcheck("input(5,3), rnn(4,noise=0.5)", 2, true, TOL);
  gb_test_assert_gradcheck("input(6,2), rnn(3,seq=all,noise=0.5), dense(2)", 2, true, TOL);
  gb_test_assert_gradcheck("input(5,3), lstm(4,noise=0.5)", 2, true, TOL);
  gb_test_assert_gradcheck("input(6,2), gru(3,seq=all,noise=0.5), dense(2)", 2, true, TOL);
  gb_test_assert_gradcheck("input(5,3), lstm(4,noise=0.5)", 2, false, TOL);
}

static void
test_stacked_backward(void)
{
  gb_test_assert_gradcheck("input(5,3), lstm(4,seq=all), lstm(3)", 2, false, TOL);
  gb_test_assert_gradcheck("input(5,2), gru(4,seq=all), rnn(3,seq=all,noise=0.3), dense(2)", 2,
                           true, TOL);
}

/* ---- Forward against a naive scalar reference written from the equations ---- */

typedef enum { CELL_RNN, CELL_LSTM, CELL_GRU } Cell;

typedef struct {
  Cell cell;
  int T, F, H;
  bool seq;
  double sigma;    /* 0: no noise */
  const float *xi; /* (T, B, H) the noise the model drew, when sigma > 0 */
  const float *w_ih, *w_hh, *b_ih, *b_hh;
} Ref;

static double
sigm(double v)
{
  return 1.0 / (1.0 + exp(-v));
}

/* out[r] = b1[r] + b2[r] + sum_k W[r][k] v[k], for rows r0..r0+n (b2 may be NULL). */
static void
affine(double *out, const float *w, const float *b1, const float *b2, const double *v, int r0,
       int n, int cols)
{
  for (int r = r0; r < r0 + n; r++) {
    double s = b1[r] + (b2 != NULL ? b2[r] : 0.0);
    for (int k = 0; k < cols; k++)
      s += (double)w[(size_t)r * cols + k] * v[k];
    out[r - r0] = s;
  }
}

/* One step of one sample. h, c: (H) updated in place; hin: h(t-1) with the noise applied. */
static void
ref_step(const Ref *p, const double *x, double *h, double *c, const double *hin,
         const float *xi)
{
  int H = p->H;
  double ax[4 * 64], ah[4 * 64];
  g_assert_cmpint(H, <=, 64);
  int G = p->cell == CELL_RNN ? 1 : p->cell == CELL_LSTM ? 4 : 3;
  affine(ax, p->w_ih, p->b_ih, NULL, x, 0, G * H, p->F);
  affine(ah, p->w_hh, p->b_hh, NULL, p->cell == CELL_RNN ? h : hin, 0, G * H, H);
  for (int j = 0; j < H; j++) {
    if (p->cell == CELL_RNN) {
      /* Oliva: the noise term is added outside weight_hh. */
      double noise = xi != NULL ? p->sigma * h[j] * xi[j] : 0.0;
      h[j] = tanh(ax[j] + ah[j] + noise);
    } else if (p->cell == CELL_LSTM) {
      double i = sigm(ax[j] + ah[j]), f = sigm(ax[H + j] + ah[H + j]);
      double g = tanh(ax[2 * H + j] + ah[2 * H + j]), o = sigm(ax[3 * H + j] + ah[3 * H + j]);
      c[j] = f * c[j] + i * g;
      h[j] = o * tanh(c[j]);
    } else {
      double r = sigm(ax[j] + ah[j]), z = sigm(ax[H + j] + ah[H + j]);
      double n = tanh(ax[2 * H + j] + r * ah[2 * H + j]);
      h[j] = (1.0 - z) * n + z * h[j];
    }
  }
}

/* y: (B, H) or (B, T, H) */
static void
ref_forward(const Ref *p, const float *x, int B, double *y)
{
  int T = p->T, F = p->F, H = p->H;
  for (int b = 0; b < B; b++) {
    double h[64] = {0}, c[64] = {0}, hin[64], xt[64];
    for (int t = 0; t < T; t++) {
      const float *xi = p->sigma > 0 ? p->xi + ((size_t)t * B + b) * H : NULL;
      for (int k = 0; k < F; k++)
        xt[k] = x[((size_t)b * T + t) * F + k];
      for (int j = 0; j < H; j++)
        hin[j] = h[j] * (xi != NULL ? 1.0 + p->sigma * xi[j] : 1.0);
      ref_step(p, xt, h, c, hin, xi);
      if (p->seq)
        memcpy(y + ((size_t)b * T + t) * H, h, H * sizeof(double));
    }
    if (!p->seq)
      memcpy(y + (size_t)b * H, h, H * sizeof(double));
  }
}

static const float *
tensor_data(GbModel *m, const char *name)
{
  int i = gb_model_find_tensor(m, name);
  g_assert_cmpint(i, >=, 0);
  GbModelTensor t;
  gb_model_get_tensor(m, i, &t);
  return t.data;
}

static Ref
ref_for_model(GbModel *m, Cell cell)
{
  static const char *const prefix[] = {"rnn1", "lstm1", "gru1"};
  GbLayer *l = gb_model_get_layer(m, 0);
  Ref p = {cell, l->in_shape.dim[0], l->in_shape.dim[1], l->cfg.units, l->cfg.return_sequences};
  char name[64];
  const float **dst[] = {&p.w_ih, &p.w_hh, &p.b_ih, &p.b_hh};
  const char *const suffix[] = {"weight_ih", "weight_hh", "bias_ih", "bias_hh"};
  for (int k = 0; k < 4; k++) {
    g_snprintf(name, sizeof name, "%s.%s", prefix[cell], suffix[k]);
    *dst[k] = tensor_data(m, name);
  }
  return p;
}

/* The model's noise: the first T*B*H normals from its generator after @seed, in (t, b, j)
 * order, as the layer documents. */
static float *
replay_noise(uint64_t seed, size_t n)
{
  GbRng r;
  gb_rng_seed(&r, seed);
  float *xi = g_new(float, n);
  for (size_t i = 0; i < n; i++)
    xi[i] = (float)gb_rng_normal(&r);
  return xi;
}

/* Builds @spec (a single recurrent layer), runs it on a batch with inputs in [-scale, scale]
 * and compares every output with the naive reference. */
static void
check_against_reference(const char *spec, Cell cell, int batch, float scale, bool training)
{
  GbModel *m;
  GbError err;
  const float *y;
  g_assert_cmpint(gb_model_new_from_spec(spec, 11, &m, &err), ==, GB_OK);
  /* Room for more than we use, so strides must follow the batch, not the capacity. */
  g_assert_cmpint(gb_model_reserve(m, batch + 5, &err), ==, GB_OK);
  size_t n_in = (size_t)batch * gb_model_input_size(m);
  size_t n_out = (size_t)batch * gb_model_n_outputs(m);
  float *x = g_new(float, n_in);
  gb_test_fill_uniform(x, n_in, -scale, scale, 5);
  Ref p = ref_for_model(m, cell);
  float *xi = NULL;
  if (training && gb_model_get_layer(m, 0)->cfg.state_noise > 0) {
    p.sigma = gb_model_get_layer(m, 0)->cfg.state_noise;
    p.xi = xi = replay_noise(99, (size_t)p.T * batch * p.H);
  }
  gb_rng_seed(gb_model_rng(m), 99);
  g_assert_cmpint(gb_model_forward(m, x, batch, training, &y, &err), ==, GB_OK);
  double *want = g_new(double, n_out);
  ref_forward(&p, x, batch, want);
  double worst = 0;
  for (size_t i = 0; i < n_out; i++) {
    g_assert_true(isfinite(y[i]));
    worst = fmax(worst, fabs(y[i] - want[i]));
  }
  g_test_message("%s (x in +-%g%s): max |fast - naive| = %.2e", spec, scale,
                 training ? ", training" : "", worst);
  g_assert_cmpfloat(worst, <, 1e-5);
  g_free(want);
  g_free(xi);
  g_free(x);
  gb_model_free(m);
}

static void
test_rnn_reference(void)
{
  check_against_reference("input(7,3), rnn(5)", CELL_RNN, 3, 1.0f, false);
  check_against_reference("input(7,3), rnn(5,seq=all)", CELL_RNN, 3, 1.0f, false);
  check_against_reference("input(9,2), rnn(4,seq=all)", CELL_RNN, 2, 40.0f, false);
  check_against_reference("input(7,3), rnn(5,seq=all,noise=0.6)", CELL_RNN, 3, 1.0f, true);
}

static void
test_lstm_reference(void)
{
  check_against_reference("input(7,3), lstm(5)", CELL_LSTM, 3, 1.0f, false);
  check_against_reference("input(7,3), lstm(5,seq=all)", CELL_LSTM, 3, 1.0f, false);
  check_against_reference("input(9,2), lstm(4,seq=all)", CELL_LSTM, 2, 40.0f, false);
  check_against_reference("input(7,3), lstm(5,seq=all,noise=0.6)", CELL_LSTM, 3, 1.0f, true);
}

static void
test_gru_reference(void)
{
  check_against_reference("input(7,3), gru(5)", CELL_GRU, 3, 1.0f, false);
  check_against_reference("input(7,3), gru(5,seq=all)", CELL_GRU, 3, 1.0f, false);
  check_against_reference("input(9,2), gru(4,seq=all)", CELL_GRU, 2, 40.0f, false);
  check_against_reference("input(7,3), gru(5,seq=all,noise=0.6)", CELL_GRU, 3, 1.0f, true);
}

static float *
backward_copy(GbModel *m, const float *dy, int batch, float *dx, bool param_grads)
{
  GbError err;
  g_assert_cmpint(gb_model_backward(m, dy, batch, dx, param_grads, &err), ==, GB_OK);
  return g_memdup2(gb_model_grads(m), gb_model_buffer_len(m) * sizeof(float));
}

/* L = sum(r * y) adds over samples, so the gradients of a batch must equal the sums of the
 * per-sample gradients, and its dx the per-sample dx. A batch of @batch is processed in several
 * chunks of steps, a single sample in one: this checks the chunked accumulation exactly. */
static void
check_batch_additivity(const char *spec, int batch)
{
  GbModel *m;
  GbError err;
  const float *y;
  g_assert_cmpint(gb_model_new_from_spec(spec, 6, &m, &err), ==, GB_OK);
  size_t in = gb_model_input_size(m), out = (size_t)gb_model_n_outputs(m);
  size_t len = gb_model_buffer_len(m);
  float *x = g_new(float, batch * in), *r = g_new(float, batch * out);
  float *dx = g_new(float, batch * in), *dx1 = g_new(float, in);
  double *sum = g_new0(double, len);
  gb_test_fill_uniform(x, batch * in, -1.0f, 1.0f, 31);
  gb_test_fill_uniform(r, batch * out, -1.0f, 1.0f, 32);
  g_assert_cmpint(gb_model_forward(m, x, batch, false, &y, &err), ==, GB_OK);
  float *g = backward_copy(m, r, batch, dx, true);
  double worst_g = 0, worst_dx = 0;
  for (int i = 0; i < batch; i++) {
    g_assert_cmpint(gb_model_forward(m, x + i * in, 1, false, &y, &err), ==, GB_OK);
    float *gi = backward_copy(m, r + i * out, 1, dx1, true);
    for (size_t k = 0; k < len; k++)
      sum[k] += gi[k];
    for (size_t k = 0; k < in; k++)
      worst_dx = fmax(worst_dx, fabs(dx1[k] - dx[i * in + k]));
    g_free(gi);
  }
  for (size_t k = 0; k < len; k++)
    worst_g = fmax(worst_g, fabs(g[k] - sum[k]) / (1.0 + fabs(sum[k])));
  g_test_message("%s, batch %d: params %.2e, dx %.2e", spec, batch, worst_g, worst_dx);
  g_assert_cmpfloat(worst_g, <, 1e-5);
  g_assert_cmpfloat(worst_dx, <, 1e-6);
  float *bufs[] = {x, r, dx, dx1, g};
  for (size_t i = 0; i < G_N_ELEMENTS(bufs); i++)
    g_free(bufs[i]);
  g_free(sum);
  gb_model_free(m);
}

/* Batches of more than a few hundred sequences are processed in chunks of steps (the input
 * projection and the weight gradients, one gemm per chunk); these batches give several chunks
 * over 7 steps, the last one partial. */
static void
test_chunked_steps(void)
{
  check_against_reference("input(7,3), rnn(5,seq=all,noise=0.6)", CELL_RNN, 150, 1.0f, true);
  check_against_reference("input(7,3), lstm(5,seq=all)", CELL_LSTM, 150, 1.0f, false);
  check_against_reference("input(7,3), gru(5)", CELL_GRU, 230, 1.0f, false);
  check_batch_additivity("input(7,3), rnn(4,seq=all)", 150);
  check_batch_additivity("input(7,3), lstm(4)", 150);
  check_batch_additivity("input(7,3), gru(4,seq=all)", 230);
  gb_test_assert_gradcheck("input(7,2), lstm(3,seq=all,noise=0.4), dense(2)", 130, true, TOL);
  gb_test_assert_gradcheck("input(7,2), rnn(3,noise=0.4)", 130, true, TOL);
}

/* ---- Noise only in training ---- */

static float *
forward_copy(GbModel *m, const float *x, int batch, bool training)
{
  const float *y;
  GbError err;
  g_assert_cmpint(gb_model_forward(m, x, batch, training, &y, &err), ==, GB_OK);
  return g_memdup2(y, (size_t)batch * gb_model_n_outputs(m) * sizeof(float));
}

static void
check_noise_modes(const char *noisy_spec, const char *clean_spec)
{
  GbModel *noisy, *clean;
  GbError err;
  const int batch = 4;
  g_assert_cmpint(gb_model_new_from_spec(noisy_spec, 3, &noisy, &err), ==, GB_OK);
  g_assert_cmpint(gb_model_new_from_spec(clean_spec, 3, &clean, &err), ==, GB_OK);
  size_t n_in = (size_t)batch * gb_model_input_size(noisy);
  size_t n_out = (size_t)batch * gb_model_n_outputs(noisy);
  float *x = g_new(float, n_in);
  gb_test_fill_uniform(x, n_in, -1.0f, 1.0f, 8);
  float *ref = forward_copy(clean, x, batch, false);
  float *inf1 = forward_copy(noisy, x, batch, false);
  float *inf2 = forward_copy(noisy, x, batch, false);
  float *tr1 = forward_copy(noisy, x, batch, true);
  float *tr2 = forward_copy(noisy, x, batch, true);
  float *clean_tr = forward_copy(clean, x, batch, true);
  g_assert_cmpmem(inf1, n_out * sizeof(float), ref, n_out * sizeof(float));
  g_assert_cmpmem(inf2, n_out * sizeof(float), ref, n_out * sizeof(float));
  /* Without noise, training and inference are the same function. */
  g_assert_cmpmem(clean_tr, n_out * sizeof(float), ref, n_out * sizeof(float));
  double d_ref = 0, d_draws = 0;
  for (size_t i = 0; i < n_out; i++) {
    d_ref = fmax(d_ref, fabs(tr1[i] - ref[i]));
    d_draws = fmax(d_draws, fabs(tr1[i] - tr2[i]));
  }
  g_test_message("%s: training moves outputs by %.3g, two draws differ by %.3g", noisy_spec,
                 d_ref, d_draws);
  g_assert_cmpfloat(d_ref, >, 1e-3);   /* noise is on in training */
  g_assert_cmpfloat(d_draws, >, 1e-3); /* and fresh at each forward */
  float *bufs[] = {ref, inf1, inf2, tr1, tr2, clean_tr, x};
  for (size_t i = 0; i < G_N_ELEMENTS(bufs); i++)
    g_free(bufs[i]);
  gb_model_free(noisy);
  gb_model_free(clean);
}

static void
test_noise_modes(void)
{
  check_noise_modes("input(8,3), rnn(5,seq=all,noise=0.5)", "input(8,3), rnn(5,seq=all)");
  check_noise_modes("input(8,3), lstm(5,noise=0.5)", "input(8,3), lstm(5)");
  check_noise_modes("input(8,3), gru(5,noise=0.5)", "input(8,3), gru(5)");
}

/* ---- Shapes, parameters, backward semantics ---- */

static void
check_shape_error(const char *spec, const char *layer, const char *shape)
{
  GbModel *m = NULL;
  GbError err = {0};
  g_assert_cmpint(gb_model_new_from_spec(spec, 1, &m, &err), ==, GB_ERR_SHAPE);
  g_assert_null(m);
  g_test_message("%s: %s", spec, err.message);
  g_assert_nonnull(strstr(err.message, layer));
  g_assert_nonnull(strstr(err.message, shape));
  g_assert_nonnull(strstr(err.message, "(time, features)"));
}

static void
test_shape_errors(void)
{
  check_shape_error("input(10), lstm(4)", "lstm1", "10");
  check_shape_error("input(2,3,4), gru(3)", "gru1", "2x3x4");
  check_shape_error("input(6,2), rnn(3), rnn(3)", "rnn2", "3");
}

static void
check_params(const char *spec, const char *prefix, int G, int F, int H)
{
  GbModel *m;
  GbError err;
  g_assert_cmpint(gb_model_new_from_spec(spec, 2, &m, &err), ==, GB_OK);
  static const char *const suffix[] = {"weight_ih", "weight_hh", "bias_ih", "bias_hh"};
  const int cols[] = {F, H, 0, 0};
  double bound = 1.0 / sqrt(H);
  g_assert_cmpint(gb_model_n_tensors(m), ==, 4);
  for (int k = 0; k < 4; k++) {
    char name[64];
    GbModelTensor t;
    g_snprintf(name, sizeof name, "%s.%s", prefix, suffix[k]);
    int i = gb_model_find_tensor(m, name);
    g_assert_cmpint(i, ==, k);
    gb_model_get_tensor(m, i, &t);
    g_assert_cmpint(t.shape.ndim, ==, cols[k] ? 2 : 1);
    g_assert_cmpint(t.shape.dim[0], ==, G * H);
    if (cols[k])
      g_assert_cmpint(t.shape.dim[1], ==, cols[k]);
    g_assert_cmpint(t.is_bias, ==, k >= 2);
    /* PyTorch's init: uniform(-1/sqrt(H), 1/sqrt(H)), biases included. */
    double lo = 0, hi = 0;
    for (size_t j = 0; j < t.count; j++) {
      lo = fmin(lo, t.data[j]);
      hi = fmax(hi, t.data[j]);
    }
    g_assert_cmpfloat(hi, <=, bound);
    g_assert_cmpfloat(lo, >=, -bound);
    g_assert_cmpfloat(hi - lo, >, bound);
  }
  gb_model_free(m);
}

static void
test_param_layout(void)
{
  check_params("input(7,3), rnn(5)", "rnn1", 1, 3, 5);
  check_params("input(7,3), lstm(5)", "lstm1", 4, 3, 5);
  check_params("input(7,3), gru(5,seq=all)", "gru1", 3, 3, 5);
}

/* Backward overwrites (never accumulates), may be repeated after one forward, skips the weight
 * gradients when asked, and its dx does not depend on whether they were computed. */
static void
check_backward_semantics(const char *spec)
{
  GbModel *m;
  GbError err;
  const float *y;
  const int batch = 3;
  g_assert_cmpint(gb_model_new_from_spec(spec, 4, &m, &err), ==, GB_OK);
  size_t n_in = (size_t)batch * gb_model_input_size(m), len = gb_model_buffer_len(m);
  size_t n_out = (size_t)batch * gb_model_n_outputs(m);
  float *x = g_new(float, n_in), *dy = g_new(float, n_out);
  float *dx1 = g_new(float, n_in), *dx2 = g_new(float, n_in);
  gb_test_fill_uniform(x, n_in, -1.0f, 1.0f, 21);
  gb_test_fill_uniform(dy, n_out, -1.0f, 1.0f, 22);
  g_assert_cmpint(gb_model_forward(m, x, batch, false, &y, &err), ==, GB_OK);
  float *g1 = backward_copy(m, dy, batch, dx1, true);
  float *g2 = backward_copy(m, dy, batch, NULL, true);
  g_assert_cmpmem(g1, len * sizeof(float), g2, len * sizeof(float));
  memset(gb_model_grads(m), 0x7f, len * sizeof(float));
  float *g3 = backward_copy(m, dy, batch, dx2, false);
  for (size_t i = 0; i < len; i++)
    g_assert_cmphex(((guint32 *)g3)[i], ==, 0x7f7f7f7fu);
  g_assert_cmpmem(dx1, n_in * sizeof(float), dx2, n_in * sizeof(float));
  float *bufs[] = {x, dy, dx1, dx2, g1, g2, g3};
  for (size_t i = 0; i < G_N_ELEMENTS(bufs); i++)
    g_free(bufs[i]);
  gb_model_free(m);
}

static void
test_backward_semantics(void)
{
  check_backward_semantics("input(5,3), rnn(4,seq=all)");
  check_backward_semantics("input(5,3), lstm(4)");
  check_backward_semantics("input(5,3), gru(4,seq=all)");
}

/* Every allocation of reserve may fail: the model then reports GB_ERR_NOMEM and still works
 * once memory is back. */
static void
test_out_of_memory(void)
{
  const char *specs[] = {"input(5,3), lstm(4,noise=0.5)", "input(5,3), gru(4,seq=all,noise=0.5)",
                         "input(5,3), rnn(4)"};
  for (size_t s = 0; s < G_N_ELEMENTS(specs); s++) {
    GbModel *m;
    GbError err;
    const float *y;
    g_assert_cmpint(gb_model_new_from_spec(specs[s], 1, &m, &err), ==, GB_OK);
    float x[2 * 15];
    gb_test_fill_uniform(x, G_N_ELEMENTS(x), -1.0f, 1.0f, 3);
    int failures = 0;
    for (long n = 1; n < 60; n++) {
      gb_alloc_fail_after(n);
      GbStatus st = gb_model_reserve(m, 2, &err);
      gb_alloc_fail_after(0);
      if (st == GB_OK)
        break;
      g_assert_cmpint(st, ==, GB_ERR_NOMEM);
      failures++;
    }
    g_assert_cmpint(failures, >=, 10); /* a failure at each of the layer's own allocations */
    g_assert_cmpint(gb_model_forward(m, x, 2, true, &y, &err), ==, GB_OK);
    g_assert_cmpint(gb_model_backward(m, y, 2, NULL, true, &err), ==, GB_OK);
    gb_model_free(m);
  }
}

/* ---- The vectorisable exp, sigmoid and tanh against libm ---- */

static void
test_fast_functions(void)
{
  double e_exp = 0, e_sig = 0, e_tanh = 0;
  for (int i = -200000; i <= 200000; i++) {
    float v = (float)i * 4.3e-4f; /* about -86 .. 86 */
    e_exp = fmax(e_exp, fabs(gb_rec_expf(v) / exp(v) - 1.0));
    e_sig = fmax(e_sig, fabs(gb_rec_sigmoidf(v) - 1.0 / (1.0 + exp(-v))));
    e_tanh = fmax(e_tanh, fabs(gb_rec_tanhf(v) - tanh(v)));
  }
  g_test_message("max relative error exp %.2e, absolute sigmoid %.2e, tanh %.2e", e_exp, e_sig,
                 e_tanh);
  g_assert_cmpfloat(e_exp, <, 5e-7);
  g_assert_cmpfloat(e_sig, <, 3e-7);
  g_assert_cmpfloat(e_tanh, <, 3e-7);
  /* Far outside the clamp the functions saturate instead of overflowing. */
  g_assert_cmpfloat(gb_rec_sigmoidf(-1e4f), <, 1e-37);
  g_assert_cmpfloat(gb_rec_sigmoidf(1e4f), ==, 1.0f);
  g_assert_cmpfloat(gb_rec_tanhf(1e4f), ==, 1.0f);
  g_assert_cmpfloat(gb_rec_tanhf(-1e4f), ==, -1.0f);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/engine/rnn/backward", test_rnn_backward);
  g_test_add_func("/engine/lstm/backward", test_lstm_backward);
  g_test_add_func("/engine/gru/backward", test_gru_backward);
  g_test_add_func("/engine/recurrent/noise-backward", test_noise_backward);
  g_test_add_func("/engine/recurrent/stacked-backward", test_stacked_backward);
  g_test_add_func("/engine/rnn/reference", test_rnn_reference);
  g_test_add_func("/engine/lstm/reference", test_lstm_reference);
  g_test_add_func("/engine/gru/reference", test_gru_reference);
  g_test_add_func("/engine/recurrent/chunked-steps", test_chunked_steps);
  g_test_add_func("/engine/recurrent/noise-modes", test_noise_modes);
  g_test_add_func("/engine/recurrent/shape-errors", test_shape_errors);
  g_test_add_func("/engine/recurrent/param-layout", test_param_layout);
  g_test_add_func("/engine/recurrent/backward-semantics", test_backward_semantics);
  g_test_add_func("/engine/recurrent/out-of-memory", test_out_of_memory);
  g_test_add_func("/engine/recurrent/fast-functions", test_fast_functions);
  return g_test_run();
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <float.h>
#include <glib.h>
#include <math.h>
#include <string.h>

#include "gb-alloc.h"
#include "gb-metrics.h"
#include "gb-model.h"
#include "gb-rng.h"
#include "gb-synthetic.h"
#include "gb-test-util.h"
#include "gb-train.h"

/* The "PRM-like" layer (methods.md §2.3, our design): Elman RNN, post-recurrent module, additive
 * pooling of per-step evidence into one logit. */

#define TOL 2e-3

static const char *const prm_suffix[] = {"weight_ih", "weight_hh", "bias_h", "weight_xc",
                                         "weight_hc", "bias_c",    "weight_e", "bias_e"};

static GbModelTensor
get_tensor(GbModel *m, const char *name)
{
  GbModelTensor t;
  int i = gb_model_find_tensor(m, name);
  if (i < 0)
    g_error("no tensor '%s'", name);
  gb_model_get_tensor(m, i, &t);
  return t;
}

/* ---- Backward against finite differences ---- */

static void
test_backward(void)
{
  gb_test_assert_gradcheck("input(6,3), prm(4,post=3)", 2, false, TOL);
  gb_test_assert_gradcheck("input(6,3), prm(4,post=3,seq=all)", 2, false, TOL);
  gb_test_assert_gradcheck("input(5,2), prm(3,post=2,seq=all), dense(2)", 3, false, TOL);
  /* Batches big enough for the recurrent part to work in several chunks of steps. */
  gb_test_assert_gradcheck("input(7,2), prm(3,post=2)", 130, false, TOL);
}

/* The generator is reseeded before each forward of the gradcheck, so training mode sees the
 * same noise each time and the gradient must be exact for it. */
static void
test_noise_backward(void)
{
  gb_test_assert_gradcheck("input(6,3), prm(4,post=3,noise=0.5)", 2, true, TOL);
  gb_test_assert_gradcheck("input(6,3), prm(4,post=3,seq=all,noise=0.5)", 2, true, TOL);
  gb_test_assert_gradcheck("input(6,3), prm(4,post=3,noise=0.5)", 2, false, TOL);
  gb_test_assert_gradcheck("input(7,2), prm(3,post=2,seq=all,noise=0.4)", 130, true, TOL);
}

/* ---- Forward against a naive scalar reference written from the equations ---- */

typedef struct {
  int T, C, H, K;
  bool seq;
  double sigma;    /* 0: no noise */
  const float *xi; /* (T, B, H) the noise the model drew, when sigma > 0 */
  const float *p[8];
} Ref;

enum { W_IH, W_HH, B_H, W_XC, W_HC, B_C, W_E, B_E };

/* sum_k w[r][k] v[k] */
static double
dot_row(const float *w, int r, int cols, const double *v)
{
  double s = 0.0;
  for (int k = 0; k < cols; k++)
    s += (double)w[(size_t)r * cols + k] * v[k];
  return s;
}

/* One sample: y is (1) or (T). */
static void
ref_sample(const Ref *p, const float *x, int b, int B, double *y)
{
  int T = p->T, C = p->C, H = p->H, K = p->K;
  double h[64] = {0}, hn[64], xt[64], logit = 0.0;
  g_assert_cmpint(H, <=, 64);
  g_assert_cmpint(C, <=, 64);
  for (int t = 0; t < T; t++) {
    for (int k = 0; k < C; k++)
      xt[k] = x[((size_t)b * T + t) * C + k];
    /* h(t) = tanh(W_ih x + W_hh h(t-1) + b_h + sigma h(t-1) xi(t)) */
    for (int j = 0; j < H; j++) {
      double z = p->p[B_H][j] + dot_row(p->p[W_IH], j, C, xt) + dot_row(p->p[W_HH], j, H, h);
      if (p->sigma > 0)
        z += p->sigma * h[j] * p->xi[((size_t)t * B + b) * H + j];
      hn[j] = tanh(z);
    }
    memcpy(h, hn, sizeof h);
    /* e(t) = v . tanh(W_xc x + W_hc h(t) + b_c) */
    double e = 0.0;
    for (int k = 0; k < K; k++) {
      double zc = p->p[B_C][k] + dot_row(p->p[W_XC], k, C, xt) + dot_row(p->p[W_HC], k, H, h);
      e += p->p[W_E][k] * tanh(zc);
    }
    if (p->seq)
      y[t] = e + p->p[B_E][0] / T;
    logit += e;
  }
  if (!p->seq)
    y[0] = logit + p->p[B_E][0];
}

static Ref
ref_for_model(GbModel *m)
{
  GbLayer *l = gb_model_get_layer(m, 0);
  Ref p = {l->in_shape.dim[0], l->in_shape.dim[1], l->cfg.units, l->cfg.post_units,
           l->cfg.return_sequences};
  for (int k = 0; k < 8; k++) {
    char name[64];
    g_snprintf(name, sizeof name, "prm1.%s", prm_suffix[k]);
    p.p[k] = get_tensor(m, name).data;
  }
  return p;
}

/* The model's noise: the first n normals of its generator after @seed, in (t, b, j) order. */
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

/* Runs @spec (a single prm layer) on a batch with inputs in [-scale, scale] and compares every
 * output with the naive reference, relative to the size of the output. */
static void
check_against_reference(const char *spec, int batch, float scale, bool training)
{
  GbModel *m = gb_test_model_new(spec, 11);
  GbError err;
  const float *y;
  /* Room for more than we use, so strides must follow the batch, not the capacity. */
  g_assert_cmpint(gb_model_reserve(m, batch + 5, &err), ==, GB_OK);
  size_t n_in = (size_t)batch * gb_model_input_size(m);
  int n_out = gb_model_n_outputs(m);
  float *x = g_new(float, n_in);
  gb_test_fill_uniform(x, n_in, -scale, scale, 5);
  Ref p = ref_for_model(m);
  /* The post module's biases start at zero: give them values, so the check covers them. */
  gb_test_fill_uniform((float *)p.p[B_C], (size_t)p.K, -0.5f, 0.5f, 6);
  gb_test_fill_uniform((float *)p.p[B_E], 1, 0.5f, 1.5f, 7);
  float *xi = NULL;
  if (training && gb_model_get_layer(m, 0)->cfg.state_noise > 0) {
    p.sigma = gb_model_get_layer(m, 0)->cfg.state_noise;
    p.xi = xi = replay_noise(99, (size_t)p.T * batch * p.H);
  }
  gb_rng_seed(gb_model_rng(m), 99);
  g_assert_cmpint(gb_model_forward(m, x, batch, training, &y, &err), ==, GB_OK);
  double *want = g_new(double, (size_t)batch * n_out);
  for (int b = 0; b < batch; b++)
    ref_sample(&p, x, b, batch, want + (size_t)b * n_out);
  double worst = 0;
  for (size_t i = 0; i < (size_t)batch * n_out; i++) {
    g_assert_true(isfinite(y[i]));
    worst = fmax(worst, fabs(y[i] - want[i]) / (1.0 + fabs(want[i])));
  }
  g_test_message("%s (x in +-%g%s, batch %d): max |fast - naive| / (1 + |naive|) = %.2e", spec,
                 scale, training ? ", training" : "", batch, worst);
  g_assert_cmpfloat(worst, <, 1e-5);
  g_free(want);
  g_free(xi);
  g_free(x);
  gb_model_free(m);
}

static void
test_reference(void)
{
  check_against_reference("input(7,3), prm(5,post=4)", 3, 1.0f, false);
  check_against_reference("input(7,3), prm(5,post=4,seq=all)", 3, 1.0f, false);
  check_against_reference("input(9,2), prm(4,post=3,seq=all)", 2, 40.0f, false);
  check_against_reference("input(7,3), prm(5,post=4,noise=0.6)", 3, 1.0f, true);
  check_against_reference("input(7,3), prm(5,post=4,seq=all,noise=0.6)", 3, 1.0f, true);
  /* The noise is off in inference. */
  check_against_reference("input(7,3), prm(5,post=4,noise=0.6)", 3, 1.0f, false);
  /* Several chunks of steps, the last one partial. */
  check_against_reference("input(7,3), prm(5,post=4,noise=0.6)", 150, 1.0f, true);
  check_against_reference("input(26,16), prm(16,post=8,seq=all)", 64, 2.0f, false);
}

/* ---- seq=all splits the logit of seq=last into T additive terms ---- */

static void
copy_weights(GbModel *dst, GbModel *src)
{
  g_assert_cmpint(gb_model_buffer_len(dst), ==, gb_model_buffer_len(src));
  memcpy(gb_model_params(dst), gb_model_params(src), gb_model_buffer_len(src) * sizeof(float));
}

static void
check_additive(bool training)
{
  const int batch = 9, T = 26;
  GbModel *last = gb_test_model_new("input(26,16), prm(16,post=8,noise=0.5)", 3);
  GbModel *all = gb_test_model_new("input(26,16), prm(16,post=8,seq=all,noise=0.5)", 4);
  copy_weights(all, last);
  /* A bias big enough that its share b_e / T matters. */
  get_tensor(last, "prm1.bias_e").data[0] = get_tensor(all, "prm1.bias_e").data[0] = 1.7f;
  g_assert_cmpint(gb_model_n_outputs(last), ==, 1);
  g_assert_cmpint(gb_model_n_outputs(all), ==, T);
  size_t n_in = (size_t)batch * gb_model_input_size(last);
  float *x = g_new(float, n_in);
  gb_test_fill_uniform(x, n_in, -2.0f, 2.0f, 12);
  const float *y_last, *y_all;
  GbError err;
  gb_rng_seed(gb_model_rng(last), 5);
  gb_rng_seed(gb_model_rng(all), 5);
  g_assert_cmpint(gb_model_forward(last, x, batch, training, &y_last, &err), ==, GB_OK);
  g_assert_cmpint(gb_model_forward(all, x, batch, training, &y_all, &err), ==, GB_OK);
  double worst = 0, spread = 0;
  for (int b = 0; b < batch; b++) {
    double sum = 0, lo = INFINITY, hi = -INFINITY;
    for (int t = 0; t < T; t++) {
      float e = y_all[(size_t)b * T + t];
      sum += e;
      lo = fmin(lo, e);
      hi = fmax(hi, e);
    }
    worst = fmax(worst, fabs(sum - y_last[b]) / (1.0 + fabs(y_last[b])));
    spread = fmax(spread, hi - lo);
  }
  g_test_message("%s: max |sum_t y_all - y_last| / (1 + |y_last|) = %.2e",
                 training ? "training" : "inference", worst);
  g_assert_cmpfloat(spread, >, 1e-2); /* the terms are not all equal */
  g_assert_cmpfloat(worst, <, 4.0 * T * FLT_EPSILON);
  g_free(x);
  gb_model_free(last);
  gb_model_free(all);
}

static void
test_additive(void)
{
  check_additive(false);
  check_additive(true);
}

/* ---- Parameters, shapes, architecture text ---- */

static void
test_param_layout(void)
{
  const int C = 16, H = 12, K = 5;
  GbModel *m = gb_test_model_new("input(26,16), prm(12,post=5)", 2);
  const int rows[8] = {H, H, H, K, K, K, 1, 1};
  const int cols[8] = {C, H, 0, C, H, 0, K, 0};
  g_assert_cmpint(gb_model_n_tensors(m), ==, 8);
  g_assert_cmpuint(gb_model_n_params(m), ==,
                   (size_t)H * C + H * H + H + K * C + K * H + K + K + 1);
  for (int k = 0; k < 8; k++) {
    char name[64];
    g_snprintf(name, sizeof name, "prm1.%s", prm_suffix[k]);
    g_assert_cmpint(gb_model_find_tensor(m, name), ==, k);
    GbModelTensor t = get_tensor(m, name);
    g_assert_cmpint(t.shape.ndim, ==, cols[k] ? 2 : 1);
    g_assert_cmpint(t.shape.dim[0], ==, rows[k]);
    if (cols[k])
      g_assert_cmpint(t.shape.dim[1], ==, cols[k]);
    g_assert_cmpint(t.is_bias, ==, cols[k] == 0);
    double lo = 0, hi = 0;
    for (size_t j = 0; j < t.count; j++) {
      lo = fmin(lo, t.data[j]);
      hi = fmax(hi, t.data[j]);
    }
    /* PyTorch's RNN init for the Elman part, Glorot for the post module, zero biases there. */
    double bound = k <= B_H ? 1.0 / sqrt(H) : sqrt(6.0 / (rows[k] + cols[k]));
    if (k == B_C || k == B_E) {
      g_assert_cmpfloat(lo, ==, 0.0);
      g_assert_cmpfloat(hi, ==, 0.0);
      continue;
    }
    g_assert_cmpfloat(hi, <=, bound);
    g_assert_cmpfloat(lo, >=, -bound);
    g_assert_cmpfloat(hi - lo, >, bound * (t.count > 4 ? 1.0 : 0.2));
  }
  gb_model_free(m);
}

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
  check_shape_error("input(10), prm(4)", "prm1", "10");
  check_shape_error("input(2,3,4), prm(3,post=2)", "prm1", "2x3x4");
  check_shape_error("input(6,2), rnn(3), prm(3)", "prm1", "3");
  /* prm gives (1) or (T): nothing recurrent can follow it. */
  check_shape_error("input(6,2), prm(3,seq=all), rnn(2)", "rnn1", "6");
}

static void
check_arch(const char *text, int hidden, int post, bool seq, float noise, const char *canonical)
{
  GbArch a, b;
  GbError err;
  g_assert_cmpint(gb_arch_parse(text, &a, &err), ==, GB_OK);
  g_assert_cmpint(a.n_layers, ==, 1);
  g_assert_cmpint(a.layers[0].kind, ==, GB_LAYER_PRM);
  g_assert_cmpint(a.layers[0].cfg.units, ==, hidden);
  g_assert_cmpint(a.layers[0].cfg.post_units, ==, post);
  g_assert_cmpint(a.layers[0].cfg.return_sequences, ==, seq);
  g_assert_cmpfloat(a.layers[0].cfg.state_noise, ==, noise);
  char *s = gb_arch_format(&a);
  g_assert_cmpstr(s, ==, canonical);
  g_assert_cmpint(gb_arch_parse(s, &b, &err), ==, GB_OK);
  g_assert_cmpint(b.n_layers, ==, 1);
  g_assert_cmpint(b.layers[0].kind, ==, a.layers[0].kind);
  const GbLayerConfig *ca = &a.layers[0].cfg, *cb = &b.layers[0].cfg;
  g_assert_cmpint(cb->units, ==, ca->units);
  g_assert_cmpint(cb->post_units, ==, ca->post_units);
  g_assert_cmpint(cb->return_sequences, ==, ca->return_sequences);
  g_assert_cmpfloat(cb->state_noise, ==, ca->state_noise);
  char *s2 = gb_arch_format(&b);
  g_assert_cmpstr(s2, ==, s);
  gb_free(s2);
  gb_free(s);
  gb_arch_clear(&a);
  gb_arch_clear(&b);
}

static void
check_arch_error(const char *text, const char *substring)
{
  GbArch a;
  GbError err = {0};
  g_assert_cmpint(gb_arch_parse(text, &a, &err), ==, GB_ERR_FORMAT);
  g_test_message("%s: %s", text, err.message);
  g_assert_nonnull(strstr(err.message, substring));
}

static void
test_arch_text(void)
{
  check_arch("input(26,16), prm(16, post=8)", 16, 8, false, 0.0f,
             "input(26,16), prm(16,post=8,seq=last)");
  check_arch("input(26,16) prm(16)", 16, 8, false, 0.0f, "input(26,16), prm(16,post=8,seq=last)");
  check_arch("input(26,16), PRM(32, 4, seq=all, noise=0.25)", 32, 4, true, 0.25f,
             "input(26,16), prm(32,post=4,seq=all,noise=0.25)");
  check_arch("input(26,16), prm(hidden=8, noise=0.6, post=2)", 8, 2, false, 0.6f,
             "input(26,16), prm(8,post=2,seq=last,noise=0.600000024)");
  check_arch_error("input(26,16), prm", "needs a size");
  check_arch_error("input(26,16), prm(16,post=0)", "post must be an integer");
  check_arch_error("input(26,16), prm(16,post=x)", "post must be an integer");
  check_arch_error("input(26,16), prm(16,noise=-1)", "noise must be >= 0");
  check_arch_error("input(26,16), prm(16,seq=first)", "seq must be");
  check_arch_error("input(26,16), prm(16,8,3)", "too many positional");
  check_arch_error("input(26,16), rnn(16,post=8)", "unknown argument 'post'");
  check_arch_error("input(26,16), prn(16)", "prm");
}

/* ---- Backward semantics, memory ---- */

static float *
backward_copy(GbModel *m, const float *dy, int batch, float *dx, bool param_grads)
{
  GbError err;
  g_assert_cmpint(gb_model_backward(m, dy, batch, dx, param_grads, &err), ==, GB_OK);
  return g_memdup2(gb_model_grads(m), gb_model_buffer_len(m) * sizeof(float));
}

/* Backward overwrites (never accumulates), may be repeated after one forward (explanations do
 * that after inference forwards), skips the weight gradients when asked, and its dx does not
 * depend on whether they were computed. */
static void
check_backward_semantics(const char *spec, bool training)
{
  GbModel *m = gb_test_model_new(spec, 4);
  GbError err;
  const float *y;
  const int batch = 3;
  size_t n_in = (size_t)batch * gb_model_input_size(m), len = gb_model_buffer_len(m);
  size_t n_out = (size_t)batch * gb_model_n_outputs(m);
  float *x = g_new(float, n_in), *dy = g_new(float, n_out);
  float *dx1 = g_new(float, n_in), *dx2 = g_new(float, n_in);
  gb_test_fill_uniform(x, n_in, -1.0f, 1.0f, 21);
  gb_test_fill_uniform(dy, n_out, -1.0f, 1.0f, 22);
  g_assert_cmpint(gb_model_forward(m, x, batch, training, &y, &err), ==, GB_OK);
  memset(gb_model_grads(m), 0x3f, len * sizeof(float));
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
  check_backward_semantics("input(5,3), prm(4,post=3)", false);
  check_backward_semantics("input(5,3), prm(4,post=3,seq=all,noise=0.5)", true);
}

/* Every allocation of reserve may fail: the model then reports GB_ERR_NOMEM and still works
 * once memory is back. */
static void
test_out_of_memory(void)
{
  const char *specs[] = {"input(5,3), prm(4,post=3,noise=0.5)", "input(5,3), prm(4,seq=all)"};
  for (size_t s = 0; s < G_N_ELEMENTS(specs); s++) {
    GbModel *m = gb_test_model_new(specs[s], 1);
    GbError err;
    const float *y;
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
    /* Failures at the model's allocations and then along the layer's: its scratch struct, the
     * recurrent caches and the post module's. What succeeded is kept, so each retry fails
     * further on and some allocations are never the one that fails. */
    g_assert_cmpint(failures, >=, 10);
    g_assert_cmpint(gb_model_forward(m, x, 2, true, &y, &err), ==, GB_OK);
    g_assert_cmpint(gb_model_backward(m, y, 2, NULL, true, &err), ==, GB_OK);
    gb_model_free(m);
  }
}

/* ---- Noise only in training ---- */

static void
test_noise_modes(void)
{
  GbModel *noisy = gb_test_model_new("input(8,3), prm(5,post=3,noise=0.5)", 3);
  GbModel *clean = gb_test_model_new("input(8,3), prm(5,post=3)", 3);
  const int batch = 4;
  size_t n_in = (size_t)batch * gb_model_input_size(noisy);
  float *x = g_new(float, n_in);
  gb_test_fill_uniform(x, n_in, -1.0f, 1.0f, 8);
  float out[4][4];
  const float *y;
  GbError err;
  GbModel *order[4] = {clean, noisy, noisy, noisy};
  bool training[4] = {false, false, true, true};
  for (int i = 0; i < 4; i++) {
    g_assert_cmpint(gb_model_forward(order[i], x, batch, training[i], &y, &err), ==, GB_OK);
    memcpy(out[i], y, sizeof out[i]);
  }
  g_assert_cmpmem(out[0], sizeof out[0], out[1], sizeof out[1]); /* no noise in inference */
  double d_ref = 0, d_draws = 0;
  for (int b = 0; b < batch; b++) {
    d_ref = fmax(d_ref, fabs(out[2][b] - out[0][b]));
    d_draws = fmax(d_draws, fabs(out[2][b] - out[3][b]));
  }
  g_test_message("training moves logits by %.3g, two draws differ by %.3g", d_ref, d_draws);
  g_assert_cmpfloat(d_ref, >, 1e-3);
  g_assert_cmpfloat(d_draws, >, 1e-3);
  g_free(x);
  gb_model_free(noisy);
  gb_model_free(clean);
}

/* ---- Learnability ---- */

/* Keeps every sample of class 0 and one in @keep_one of class 1, as P300 data has fewer
 * targets than non-targets. */
static GbDataset *
imbalanced(const GbDataset *ds, int keep_one)
{
  GbShape shape = gb_dataset_sample_shape(ds);
  size_t size = gb_shape_size(&shape);
  int n = 0, seen = 0;
  int *rows = g_new(int, gb_dataset_size(ds));
  for (int i = 0; i < gb_dataset_size(ds); i++)
    if (ds->labels[i] == 0 || seen++ % keep_one == 0)
      rows[n++] = i;
  GbError err;
  GbDataset *out = gb_dataset_new("imbalanced", n, &shape, 2, &err);
  g_assert_nonnull(out);
  for (int i = 0; i < n; i++) {
    memcpy(out->x->data + (size_t)i * size, ds->x->data + (size_t)rows[i] * size,
           size * sizeof(float));
    out->labels[i] = ds->labels[rows[i]];
  }
  g_free(rows);
  return out;
}

static void
test_learn(void)
{
  GbError err;
  GbDataset *all = gb_synthetic_sequences(2400, 2, 26, 16, 1.25, 41, &err);
  GbDataset *test = gb_synthetic_sequences(600, 2, 26, 16, 1.25, 42, &err);
  g_assert_nonnull(all);
  g_assert_nonnull(test);
  GbDataset *train = imbalanced(all, 3);
  GbDataView tr = gb_dataset_view(train), te = gb_dataset_view(test);
  int n_pos = 0;
  for (int i = 0; i < tr.n; i++)
    n_pos += tr.labels[i];
  GbModel *m = gb_test_model_new("input(26,16), prm(16,post=8)", 5);
  GbTrainConfig cfg;
  gb_train_config_init(&cfg);
  cfg.epochs = 20;
  cfg.batch_size = 32;
  cfg.optim.lr = 3e-3f;
  gb_schedule_init(&cfg.schedule, GB_SCHEDULE_COSINE);
  gb_loss_config_init(&cfg.loss, GB_LOSS_BCE);
  cfg.loss.weight_pos = (float)(tr.n - n_pos) / (float)n_pos;
  GbTrainHistory hist;
  gint64 start = g_get_monotonic_time();
  g_assert_cmpint(gb_train(m, &tr, NULL, &cfg, &hist, &err), ==, GB_OK);
  double seconds = (g_get_monotonic_time() - start) / 1e6;
  int *pred = g_new(int, te.n);
  float *scores = g_new(float, te.n);
  g_assert_cmpint(gb_predict_classes(m, &te, pred, scores, &err), ==, GB_OK);
  double acc = gb_metrics_accuracy(pred, te.labels, te.n);
  double bacc = gb_metrics_balanced_accuracy(pred, te.labels, te.n, 2);
  double auc = gb_metrics_roc_auc(scores, te.labels, te.n);
  const GbEpochStats *last = &hist.epochs[hist.n_epochs - 1];
  g_test_message("%d training sequences (%d targets, weight %.2f), %d epochs in %.2f s: "
                 "training accuracy %.3f; held-out accuracy %.3f, balanced %.3f, AUC %.3f",
                 tr.n, n_pos, (double)cfg.loss.weight_pos, hist.n_epochs, seconds,
                 last->train_acc, acc, bacc, auc);
  g_assert_cmpfloat(acc, >, 0.9);
  g_assert_cmpfloat(bacc, >, 0.9);
  gb_train_history_clear(&hist);
  g_free(pred);
  g_free(scores);
  gb_model_free(m);
  gb_dataset_free(train);
  gb_dataset_free(all);
  gb_dataset_free(test);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/engine/prm/backward", test_backward);
  g_test_add_func("/engine/prm/noise-backward", test_noise_backward);
  g_test_add_func("/engine/prm/reference", test_reference);
  g_test_add_func("/engine/prm/additive", test_additive);
  g_test_add_func("/engine/prm/param-layout", test_param_layout);
  g_test_add_func("/engine/prm/shape-errors", test_shape_errors);
  g_test_add_func("/engine/prm/arch-text", test_arch_text);
  g_test_add_func("/engine/prm/backward-semantics", test_backward_semantics);
  g_test_add_func("/engine/prm/out-of-memory", test_out_of_memory);
  g_test_add_func("/engine/prm/noise-modes", test_noise_modes);
  g_test_add_func("/engine/prm/learn", test_learn);
  return g_test_run();
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* LRP through rnn, lstm, gru and prm layers (methods.md, section 5.8) against a naive reference
 * written here from Arras et al.'s equations: lrp_linear on dense matrices, exactly as in
 * ArrasL/LRP_for_LSTM, in double. */
#include "config.h"

#include <glib.h>
#include <math.h>
#include <string.h>

#include "gb-attribution.h"
#include "gb-lrp.h"
#include "gb-test-util.h"

static GbModel *
new_model(const char *spec, uint64_t seed, bool biases)
{
  GbModel *m;
  GbError err;
  if (gb_model_new_from_spec(spec, seed, &m, &err) != GB_OK)
    g_error("%s: %s", spec, err.message);
  for (int i = 0; i < gb_model_n_tensors(m); i++) {
    GbModelTensor t;
    gb_model_get_tensor(m, i, &t);
    if (t.is_bias && biases)
      gb_test_fill_uniform(t.data, t.count, -0.5f, 0.5f, seed + 100 + i);
    else if (t.is_bias)
      memset(t.data, 0, t.count * sizeof *t.data);
    else /* larger weights than PyTorch's init: saturated gates, a stronger test */
      gb_test_fill_uniform(t.data, t.count, -1.2f, 1.2f, seed + 200 + i);
  }
  return m;
}

static float *
new_input(GbModel *m, uint64_t seed)
{
  size_t n = gb_model_input_size(m);
  float *x = g_new(float, n);
  gb_test_fill_uniform(x, n, -1.0f, 1.0f, seed);
  return x;
}

/* LRP-0 on the dense layers, @eps and @bf in the recurrent ones. */
static void
lrp(GbModel *m, const float *x, GbTarget t, double eps, double bf, GbLrpResult *r)
{
  GbLrpPolicy p;
  GbError err;
  gb_lrp_policy_init_uniform(&p, gb_lrp_rule_zero());
  p.recurrent_epsilon = eps;
  p.recurrent_bias_factor = bf;
  if (gb_attribution_lrp(m, x, gb_model_input_size(m), &t, &p, r, &err) != GB_OK)
    g_error("LRP: %s", err.message);
  g_assert_cmpuint(r->map.n, ==, gb_model_input_size(m));
}

static double
max_diff(const float *a, const double *b, size_t n)
{
  double d = 0.0, scale = 0.0;
  for (size_t i = 0; i < n; i++) {
    d = fmax(d, fabs((double)a[i] - b[i]));
    scale = fmax(scale, fabs(b[i]));
  }
  return d / (1.0 + scale);
}

/* ---- the naive reference ---- */

typedef struct {
  double eps, bf;
} Rule;

/* Arras' lrp_linear: hin (D), w (D, M), b (M), z (M), rout (M) -> rin (D), N bias units:
 *   rin_i = sum_k (hin_i w_ik + bf (b_k + eps sign z_k) / N) / (z_k + eps sign z_k) rout_k */
static void
lrp_linear(const double *hin, const double *w, const double *b, const double *z, const double *rout,
           int D, int M, int N, Rule ru, double *rin)
{
  for (int i = 0; i < D; i++) {
    double acc = 0.0;
    for (int k = 0; k < M; k++) {
      double sg = z[k] >= 0 ? 1.0 : -1.0;
      double num = hin[i] * w[i * M + k] + ru.bf * ((b ? b[k] : 0.0) + ru.eps * sg) / N;
      acc += num / (z[k] + ru.eps * sg) * rout[k];
    }
    rin[i] = acc;
  }
}

/* Rows r0..r0+M of a (rows, cols) float matrix, transposed: (cols, M) doubles. */
static double *
block_t(const float *a, int cols, int r0, int M)
{
  double *w = g_new(double, (size_t)cols *M);
  for (int i = 0; i < cols; i++)
    for (int k = 0; k < M; k++)
      w[i * M + k] = a[(size_t)(r0 + k) * cols + i];
  return w;
}

static double *
vec(const float *a, int n)
{
  double *v = g_new(double, n);
  for (int i = 0; i < n; i++)
    v[i] = a[i];
  return v;
}

static double *
identity(int n)
{
  double *w = g_new0(double, (size_t)n *n);
  for (int i = 0; i < n; i++)
    w[i * n + i] = 1.0;
  return w;
}

static double
sigm(double v)
{
  return 1.0 / (1.0 + exp(-v));
}

/* LRP-0 through the top dense layer (class c) on its input a (n): f on c, R(a). */
static void
naive_top(const GbLayer *d, int c, const double *a, double *ra)
{
  int n = d->in_shape.dim[0];
  double *w = block_t(d->p[0], n, c, 1), b = d->p[1][c], z = b;
  for (int i = 0; i < n; i++)
    z += a[i] * w[i];
  lrp_linear(a, w, &b, &z, &z, n, 1, n, (Rule){0.0, 0.0}, ra);
  g_free(w);
}

/* Elman LRP with relevance inj (T, H) injected at each h(t) (or seq=last: all of it at T);
 * x (T, F) -> rx (T, F). b_hh NULL for prm's single bias. h: (T + 1, H) out. */
static void
naive_rnn_forward(const float *wih, const float *whh, const float *bih, const float *bhh,
                  const double *x, int T, int F, int H, double *h, double *z)
{
  memset(h, 0, (size_t)H * sizeof *h);
  for (int t = 0; t < T; t++)
    for (int k = 0; k < H; k++) {
      double a = bih[k] + (bhh ? bhh[k] : 0.0);
      for (int i = 0; i < F; i++)
        a += wih[k * F + i] * x[t * F + i];
      for (int j = 0; j < H; j++)
        a += whh[k * H + j] * h[t * H + j];
      z[t * H + k] = a;
      h[(t + 1) * H + k] = tanh(a);
    }
}

static void
naive_rnn_backward(const float *wih, const float *whh, const float *bih, const float *bhh,
                   const double *x, const double *h, const double *z, const double *inj, int T,
                   int F, int H, Rule ru, double *rx)
{
  double *wx = block_t(wih, F, 0, H), *wh = block_t(whh, H, 0, H), *b = g_new(double, H);
  double *rh = g_new0(double, (size_t)(T + 1) * H);
  for (int k = 0; k < H; k++)
    b[k] = bih[k] + (bhh ? bhh[k] : 0.0);
  for (int t = T - 1; t >= 0; t--) {
    for (int k = 0; k < H; k++)
      rh[(t + 1) * H + k] += inj[t * H + k];
    double *tmp = g_new(double, H);
    lrp_linear(x + t * F, wx, b, z + t * H, rh + (t + 1) * H, F, H, F + H, ru, rx + t * F);
    lrp_linear(h + t * H, wh, b, z + t * H, rh + (t + 1) * H, H, H, F + H, ru, tmp);
    for (int k = 0; k < H; k++)
      rh[t * H + k] += tmp[k];
    g_free(tmp);
  }
  g_free(wx), g_free(wh), g_free(b), g_free(rh);
}

/* input(T,F), rnn(H[,seq=all]) [flatten], dense(C): R(x) for class c. */
static void
naive_rnn_model(GbModel *m, const float *xf, int c, Rule ru, double *rx)
{
  const GbLayer *l = gb_model_get_layer(m, 0);
  const GbLayer *d = gb_model_get_layer(m, gb_model_n_layers(m) - 1);
  int T = l->in_shape.dim[0], F = l->in_shape.dim[1], H = l->cfg.units;
  double *x = vec(xf, T * F), *h = g_new(double, (size_t)(T + 1) * H);
  double *z = g_new(double, (size_t)T *H), *inj = g_new0(double, (size_t)T *H);
  naive_rnn_forward(l->p[0], l->p[1], l->p[2], l->p[3], x, T, F, H, h, z);
  if (l->cfg.return_sequences)
    naive_top(d, c, h + H, inj);
  else
    naive_top(d, c, h + T * H, inj + (T - 1) * H);
  naive_rnn_backward(l->p[0], l->p[1], l->p[2], l->p[3], x, h, z, inj, T, F, H, ru, rx);
  g_free(x), g_free(h), g_free(z), g_free(inj);
}

/* input(T,F), lstm(H), dense(C): Arras' LSTM backward, gates i f g o. */
static void
naive_lstm_model(GbModel *m, const float *xf, int c, Rule ru, double *rx)
{
  const GbLayer *l = gb_model_get_layer(m, 0), *d = gb_model_get_layer(m, 1);
  int T = l->in_shape.dim[0], F = l->in_shape.dim[1], H = l->cfg.units;
  double *x = vec(xf, T * F);
  double *h = g_new0(double, (size_t)(T + 1) * H), *cc = g_new0(double, (size_t)(T + 1) * H);
  double *gate = g_new(double, (size_t)T * 4 * H), *pre_g = g_new(double, (size_t)T *H);
  const float *wih = l->p[0], *whh = l->p[1], *bih = l->p[2], *bhh = l->p[3];
  for (int t = 0; t < T; t++) {
    for (int k = 0; k < 4 * H; k++) {
      double a = bih[k] + bhh[k];
      for (int i = 0; i < F; i++)
        a += wih[k * F + i] * x[t * F + i];
      for (int j = 0; j < H; j++)
        a += whh[k * H + j] * h[t * H + j];
      gate[t * 4 * H + k] = a;
    }
    for (int k = 0; k < H; k++) {
      double *a = gate + t * 4 * H;
      pre_g[t * H + k] = a[2 * H + k];
      a[k] = sigm(a[k]), a[H + k] = sigm(a[H + k]), a[2 * H + k] = tanh(a[2 * H + k]);
      a[3 * H + k] = sigm(a[3 * H + k]);
      cc[(t + 1) * H + k] = a[H + k] * cc[t * H + k] + a[k] * a[2 * H + k];
      h[(t + 1) * H + k] = a[3 * H + k] * tanh(cc[(t + 1) * H + k]);
    }
  }
  double *rh = g_new0(double, (size_t)(T + 1) * H), *rc = g_new0(double, (size_t)(T + 1) * H);
  double *rg = g_new(double, H), *fc = g_new(double, H), *ig = g_new(double, H);
  double *tmp = g_new(double, H), *id = identity(H), *zero = g_new0(double, H);
  double *wx = block_t(wih, F, 2 * H, H), *wh = block_t(whh, H, 2 * H, H), *bg = g_new(double, H);
  for (int k = 0; k < H; k++)
    bg[k] = bih[2 * H + k] + bhh[2 * H + k];
  naive_top(d, c, h + T * H, rh + T * H);
  for (int t = T - 1; t >= 0; t--) {
    const double *a = gate + t * 4 * H;
    for (int k = 0; k < H; k++) {
      rc[(t + 1) * H + k] += rh[(t + 1) * H + k];
      fc[k] = a[H + k] * cc[t * H + k];
      ig[k] = a[k] * a[2 * H + k];
    }
    lrp_linear(fc, id, zero, cc + (t + 1) * H, rc + (t + 1) * H, H, H, 2 * H, ru, rc + t * H);
    lrp_linear(ig, id, zero, cc + (t + 1) * H, rc + (t + 1) * H, H, H, 2 * H, ru, rg);
    lrp_linear(x + t * F, wx, bg, pre_g + t * H, rg, F, H, F + H, ru, rx + t * F);
    lrp_linear(h + t * H, wh, bg, pre_g + t * H, rg, H, H, F + H, ru, tmp);
    for (int k = 0; k < H; k++)
      rh[t * H + k] = tmp[k];
  }
  g_free(x), g_free(h), g_free(cc), g_free(gate), g_free(pre_g), g_free(rh), g_free(rc);
  g_free(rg), g_free(fc), g_free(ig), g_free(tmp), g_free(id), g_free(zero), g_free(wx);
  g_free(wh), g_free(bg);
}

/* input(T,F), gru(H), dense(C), gates r z n: h = (1 - z) n + z h(t-1) split between its two
 * terms (N = 2H); n's pre-activation W_in x + b_in + r (W_hn h + b_hn) split to x and h with r
 * a constant: weights W_in and r_k W_hn[k, .], bias b_in + r b_hn (N = F + H). */
static void
naive_gru_model(GbModel *m, const float *xf, int c, Rule ru, double *rx)
{
  const GbLayer *l = gb_model_get_layer(m, 0), *d = gb_model_get_layer(m, 1);
  int T = l->in_shape.dim[0], F = l->in_shape.dim[1], H = l->cfg.units;
  const float *wih = l->p[0], *whh = l->p[1], *bih = l->p[2], *bhh = l->p[3];
  double *x = vec(xf, T * F), *h = g_new0(double, (size_t)(T + 1) * H);
  double *r = g_new(double, (size_t)T *H), *z = g_new(double, (size_t)T *H);
  double *n = g_new(double, (size_t)T *H), *an = g_new(double, (size_t)T *H);
  for (int t = 0; t < T; t++)
    for (int k = 0; k < H; k++) {
      double a[3], ah[3];
      for (int gi = 0; gi < 3; gi++) {
        int row = gi * H + k;
        a[gi] = bih[row], ah[gi] = bhh[row];
        for (int i = 0; i < F; i++)
          a[gi] += wih[row * F + i] * x[t * F + i];
        for (int j = 0; j < H; j++)
          ah[gi] += whh[row * H + j] * h[t * H + j];
      }
      r[t * H + k] = sigm(a[0] + ah[0]);
      z[t * H + k] = sigm(a[1] + ah[1]);
      an[t * H + k] = a[2] + r[t * H + k] * ah[2];
      n[t * H + k] = tanh(an[t * H + k]);
      h[(t + 1) * H + k] = (1 - z[t * H + k]) * n[t * H + k] + z[t * H + k] * h[t * H + k];
    }
  double *rh = g_new0(double, (size_t)(T + 1) * H), *rn = g_new(double, H);
  double *zn = g_new(double, H), *zh = g_new(double, H), *tmp = g_new(double, H);
  double *id = identity(H), *zero = g_new0(double, H), *bn = g_new(double, H);
  double *wx = block_t(wih, F, 2 * H, H), *wh = block_t(whh, H, 2 * H, H);
  double *whr = g_new(double, (size_t)H *H);
  naive_top(d, c, h + T * H, rh + T * H);
  for (int t = T - 1; t >= 0; t--) {
    for (int k = 0; k < H; k++) {
      zn[k] = (1 - z[t * H + k]) * n[t * H + k];
      zh[k] = z[t * H + k] * h[t * H + k];
      bn[k] = bih[2 * H + k] + r[t * H + k] * bhh[2 * H + k];
    }
    for (int j = 0; j < H; j++)
      for (int k = 0; k < H; k++)
        whr[j * H + k] = wh[j * H + k] * r[t * H + k];
    lrp_linear(zh, id, zero, h + (t + 1) * H, rh + (t + 1) * H, H, H, 2 * H, ru, rh + t * H);
    lrp_linear(zn, id, zero, h + (t + 1) * H, rh + (t + 1) * H, H, H, 2 * H, ru, rn);
    lrp_linear(x + t * F, wx, bn, an + t * H, rn, F, H, F + H, ru, rx + t * F);
    lrp_linear(h + t * H, whr, bn, an + t * H, rn, H, H, F + H, ru, tmp);
    for (int k = 0; k < H; k++)
      rh[t * H + k] += tmp[k];
  }
  g_free(x), g_free(h), g_free(r), g_free(z), g_free(n), g_free(an), g_free(rh), g_free(rn);
  g_free(zn), g_free(zh), g_free(tmp), g_free(id), g_free(zero), g_free(bn), g_free(wx);
  g_free(wh), g_free(whr);
}

/* input(T,F), prm(H,post=K[,seq=all]) [, dense(1)]: the evidence's relevance injected into
 * x(t) and h(t) at every step, then the Elman part. */
static void
naive_prm_model(GbModel *m, const float *xf, Rule ru, double *rx)
{
  const GbLayer *l = gb_model_get_layer(m, 0);
  int T = l->in_shape.dim[0], F = l->in_shape.dim[1], H = l->cfg.units, K = l->cfg.post_units;
  double *x = vec(xf, T * F), *h = g_new(double, (size_t)(T + 1) * H);
  double *z = g_new(double, (size_t)T *H), *inj = g_new0(double, (size_t)T *H);
  double *rxd = g_new0(double, (size_t)T *F);
  naive_rnn_forward(l->p[0], l->p[1], l->p[2], NULL, x, T, F, H, h, z);
  double *pc = g_new(double, (size_t)T *K), *cv = g_new(double, (size_t)T *K);
  double *e = g_new(double, T), *re = g_new(double, T), *rcv = g_new(double, K);
  double *wxc = block_t(l->p[3], F, 0, K), *whc = block_t(l->p[4], H, 0, K);
  double *bc = vec(l->p[5], K), *v = block_t(l->p[6], K, 0, 1), b_e = l->p[7][0];
  for (int t = 0; t < T; t++) {
    e[t] = 0.0;
    for (int k = 0; k < K; k++) {
      double a = bc[k];
      for (int i = 0; i < F; i++)
        a += wxc[i * K + k] * x[t * F + i];
      for (int j = 0; j < H; j++)
        a += whc[j * K + k] * h[(t + 1) * H + j];
      pc[t * K + k] = a;
      cv[t * K + k] = tanh(a);
      e[t] += v[k] * cv[t * K + k];
    }
  }
  double one = 1.0, y = b_e;
  for (int t = 0; t < T; t++)
    y += e[t];
  if (l->cfg.return_sequences) {
    /* Under a dense(1) top with LRP-0: R(y) first, then each y(t) = e(t) + b_e / T. */
    const GbLayer *d = gb_model_get_layer(m, 1);
    double *yt = g_new(double, T), *ry = g_new(double, T), bt = b_e / T;
    for (int t = 0; t < T; t++)
      yt[t] = e[t] + bt;
    naive_top(d, 0, yt, ry);
    for (int t = 0; t < T; t++)
      lrp_linear(&e[t], &one, &bt, &yt[t], &ry[t], 1, 1, 1, ru, &re[t]);
    g_free(yt), g_free(ry);
  } else {
    /* logit = sum_t e(t) + b_e: one output, T inputs with weight 1. */
    double *ones = g_new(double, T);
    for (int t = 0; t < T; t++)
      ones[t] = 1.0;
    lrp_linear(e, ones, &b_e, &y, &y, T, 1, T, ru, re);
    g_free(ones);
  }
  for (int t = 0; t < T; t++) {
    lrp_linear(cv + t * K, v, NULL, &e[t], &re[t], K, 1, K, ru, rcv);
    lrp_linear(x + t * F, wxc, bc, pc + t * K, rcv, F, K, F + H, ru, rxd + t * F);
    lrp_linear(h + (t + 1) * H, whc, bc, pc + t * K, rcv, H, K, F + H, ru, inj + t * H);
  }
  naive_rnn_backward(l->p[0], l->p[1], l->p[2], NULL, x, h, z, inj, T, F, H, ru, rx);
  for (int i = 0; i < T * F; i++)
    rx[i] += rxd[i];
  g_free(x), g_free(h), g_free(z), g_free(inj), g_free(rxd), g_free(pc), g_free(cv), g_free(e);
  g_free(re), g_free(rcv), g_free(wxc), g_free(whc), g_free(bc), g_free(v);
}

/* ---- tests ---- */

typedef void (*NaiveFn)(GbModel *m, const float *x, int c, Rule ru, double *rx);

static void
naive_prm_class(GbModel *m, const float *x, int c, Rule ru, double *rx)
{
  (void)c;
  naive_prm_model(m, x, ru, rx);
}

static void
check_naive(const char *spec, NaiveFn naive, int c)
{
  const Rule rules[] = {{0.001, 0.0}, {0.01, 1.0}, {0.1, 0.5}};
  for (size_t k = 0; k < G_N_ELEMENTS(rules); k++)
    for (int biases = 0; biases < 2; biases++) {
      GbModel *m = new_model(spec, 11 + k, biases);
      float *x = new_input(m, 5 + k);
      GbLrpResult r;
      lrp(m, x, gb_target_class(c), rules[k].eps, rules[k].bf, &r);
      double *ref = g_new(double, r.map.n);
      naive(m, x, c, rules[k], ref);
      double d = max_diff(r.map.values, ref, r.map.n);
      g_test_message("%s eps %g bf %g biases %d: vs naive %.2e (sum R %.4f, f %.4f)", spec,
                     rules[k].eps, rules[k].bf, biases, d, r.map.sum, r.map.f_x);
      g_assert_cmpfloat(d, <, 2e-5); /* float forward above, double inside */
      g_free(ref);
      gb_lrp_result_clear(&r);
      g_free(x);
      gb_model_free(m);
    }
}

static void
test_rnn_naive(void)
{
  check_naive("input(4,3), rnn(3), dense(2)", naive_rnn_model, 1);
  check_naive("input(6,2), rnn(5), dense(3)", naive_rnn_model, 0);
}

static void
test_rnn_seq_all_naive(void)
{
  check_naive("input(4,3), rnn(3,seq=all), flatten, dense(2)", naive_rnn_model, 1);
}

static void
test_lstm_naive(void)
{
  check_naive("input(4,3), lstm(3), dense(2)", naive_lstm_model, 1);
  check_naive("input(7,2), lstm(5), dense(3)", naive_lstm_model, 2);
}

static void
test_gru_naive(void)
{
  check_naive("input(4,3), gru(3), dense(2)", naive_gru_model, 1);
  check_naive("input(7,2), gru(5), dense(3)", naive_gru_model, 2);
}

static void
test_prm_naive(void)
{
  check_naive("input(5,3), prm(4,post=3)", naive_prm_class, 0);
  check_naive("input(5,3), prm(4,post=3,seq=all), dense(1)", naive_prm_class, 0);
}

/* Every layer's residual is its absorbed parts; with bf = 1, eps tiny and zero biases the
 * input relevance sums to the logit. */
static void
check_conservation(const char *spec)
{
  for (int biases = 0; biases < 2; biases++) {
    GbModel *m = new_model(spec, 21, biases);
    float *x = new_input(m, 22);
    GbLrpResult r;
    lrp(m, x, gb_target_class(0), biases ? 0.001 : 1e-9, biases ? 0.0 : 1.0, &r);
    for (int i = 0; i < r.n_layers; i++) {
      const GbLrpLayerReport *p = &r.layers[i];
      double left = p->residual - p->absorbed_bias - p->absorbed_stabiliser;
      g_assert_cmpfloat(fabs(left), <, 1e-5 * (1.0 + fabs(p->relevance_upper)));
      if (gb_layer_kind_is_recurrent(p->kind))
        g_assert_cmpint(p->rule, ==, GB_LRP_EPSILON);
    }
    g_test_message("%s biases %d: sum R %.6f, f %.6f, gap %.2e", spec, biases, r.map.sum, r.map.f_x,
                   r.map.gap_relative);
    if (!biases)
      g_assert_cmpfloat(r.map.gap_relative, <, 1e-5);
    else /* bf = 0: the biases keep a visible part */
      g_assert_cmpfloat(r.map.gap, >, 1e-4);
    gb_lrp_result_clear(&r);
    g_free(x);
    gb_model_free(m);
  }
}

static void
test_conservation(void)
{
  check_conservation("input(4,3), rnn(3), dense(2)");
  check_conservation("input(6,3), lstm(4), dense(2)");
  check_conservation("input(6,3), gru(4), dense(2)");
  check_conservation("input(6,3), gru(4,seq=all), flatten, dense(2)");
  check_conservation("input(6,3), lstm(4,seq=all), flatten, dense(2)");
  check_conservation("input(6,3), prm(4,post=3)");
  check_conservation("input(6,3), prm(4,post=3,seq=all), dense(2)");
}

static void
test_stacked(void)
{
  check_conservation("input(6,3), lstm(4,seq=all), gru(3), dense(2)");
  check_conservation("input(6,3), rnn(5,seq=all), lstm(3,seq=all), tanh, prm(3,post=2)");
  check_conservation("input(6,3), gru(4,seq=all), dropout(0.3), rnn(3), tanh, dense(3), tanh, "
                     "dense(2)");
}

/* The relevance map is (T, C), the model's input shape. */
static void
test_shape(void)
{
  GbModel *m = new_model("input(9,5), lstm(4), dense(2)", 3, true);
  float *x = new_input(m, 4);
  GbLrpResult r;
  lrp(m, x, gb_target_class(1), 0.001, 0.0, &r);
  g_assert_cmpint(r.map.shape.ndim, ==, 2);
  g_assert_cmpint(r.map.shape.dim[0], ==, 9);
  g_assert_cmpint(r.map.shape.dim[1], ==, 5);
  g_assert_cmpuint(r.map.n, ==, 45);
  g_assert_cmpint(r.n_layers, ==, 2);
  gb_lrp_result_clear(&r);
  g_free(x);
  gb_model_free(m);
}

/* Signal-take-all: an input feature that reaches the cell only through the gates (its column
 * of W_ih is zero in the signal block: LSTM's g, GRU's n) gets no relevance, though the
 * gradient through the gates reaches it. */
static void
check_gates_get_none(const char *spec)
{
  GbModel *m = new_model(spec, 31, true);
  GbLayer *l = gb_model_get_layer(m, 0);
  int T = l->in_shape.dim[0], F = l->in_shape.dim[1], H = l->cfg.units;
  for (int k = 2 * H; k < 3 * H; k++)
    l->p[0][(size_t)k * F + 0] = 0.0f;
  float *x = new_input(m, 32);
  GbTarget t = gb_target_class(0);
  GbLrpResult r;
  GbAttribution g;
  GbError err;
  lrp(m, x, t, 0.001, 0.0, &r);
  g_assert_cmpint(gb_attribution_grad_x_input(m, x, gb_model_input_size(m), &t, &g, &err), ==,
                  GB_OK);
  double r0 = 0.0, g0 = 0.0, r1 = 0.0;
  for (int s = 0; s < T; s++) {
    r0 += fabs(r.map.values[s * F]);
    g0 += fabs(g.values[s * F]);
    r1 += fabs(r.map.values[s * F + 1]);
  }
  g_test_message("%s: gate-only feature |R| %.2e, |GxI| %.2e; other feature |R| %.2e", spec, r0, g0,
                 r1);
  g_assert_cmpfloat(r0, ==, 0.0);
  g_assert_cmpfloat(g0, >, 1e-3);
  g_assert_cmpfloat(r1, >, 1e-3);
  gb_lrp_result_clear(&r);
  gb_attribution_clear(&g);
  g_free(x);
  gb_model_free(m);
}

static void
test_gates_get_none(void)
{
  check_gates_get_none("input(6,3), lstm(4), dense(2)");
  check_gates_get_none("input(6,3), gru(4), dense(2)");
}

/* methods.md 5.9: on an LSTM, LRP (even with eps -> 0 and exact conservation) is not gradient x
 * input: the gates get no relevance, tanh(z)/z is not tanh'(z). */
static void
test_differs_from_gxi(void)
{
  GbModel *m = new_model("input(8,3), lstm(5), dense(2)", 41, false);
  float *x = new_input(m, 42);
  GbTarget t = gb_target_class(1);
  GbLrpResult r;
  GbAttribution g;
  GbError err;
  lrp(m, x, t, 1e-9, 1.0, &r);
  g_assert_cmpint(gb_attribution_grad_x_input(m, x, gb_model_input_size(m), &t, &g, &err), ==,
                  GB_OK);
  double d = 0.0, scale = 0.0, gsum = 0.0;
  for (size_t i = 0; i < g.n; i++) {
    d = fmax(d, fabs((double)r.map.values[i] - g.values[i]));
    scale = fmax(scale, fabs(g.values[i]));
    gsum += g.values[i];
  }
  g_test_message("LSTM: max |LRP - GxI| %.3f of max |GxI| %.3f; sum LRP %.4f, sum GxI %.4f, "
                 "f %.4f",
                 d, scale, r.map.sum, gsum, r.map.f_x);
  g_assert_cmpfloat(d, >, 0.05 * scale);
  g_assert_cmpfloat(r.map.gap_relative, <, 1e-5);
  gb_lrp_result_clear(&r);
  gb_attribution_clear(&g);
  g_free(x);
  gb_model_free(m);
}

static void
test_contrast(void)
{
  GbModel *m = new_model("input(5,3), gru(4), dense(3)", 51, false);
  float *x = new_input(m, 52);
  GbLrpResult r;
  lrp(m, x, gb_target_contrast(0, 2), 1e-9, 1.0, &r);
  g_assert_cmpfloat(r.map.gap_relative, <, 1e-5);
  gb_lrp_result_clear(&r);
  g_free(x);
  gb_model_free(m);
}

static void
test_policy(void)
{
  GbLrpPolicy p;
  GbError err;
  gb_lrp_policy_init_preset(&p, GB_LRP_PRESET_EPSILON_GAMMA_BOX, 0.0f, 1.0f);
  g_assert_cmpfloat(p.recurrent_epsilon, ==, 0.001);
  g_assert_cmpfloat(p.recurrent_bias_factor, ==, 0.0);
  gb_lrp_policy_init_uniform(&p, gb_lrp_rule_zero());
  g_assert_cmpfloat(p.recurrent_epsilon, ==, 0.001);
  p.recurrent_bias_factor = 1.5;
  g_assert_cmpint(gb_lrp_policy_check(&p, &err), ==, GB_ERR_INVALID);
  g_assert_nonnull(strstr(err.message, "bias factor"));
  p.recurrent_bias_factor = 0.0;
  p.recurrent_epsilon = -1.0;
  g_assert_cmpint(gb_lrp_policy_check(&p, &err), ==, GB_ERR_INVALID);
  /* z^B on the first layer does not reach a dense layer above a recurrent one: the input is
   * checked against no bounds. */
  GbModel *m = new_model("input(4,3), rnn(3), dense(2)", 61, true);
  float *x = new_input(m, 62);
  for (int i = 0; i < 12; i++)
    x[i] = 5.0f;
  gb_lrp_policy_init_preset(&p, GB_LRP_PRESET_EPSILON_GAMMA_BOX, 0.0f, 1.0f);
  GbLrpResult r;
  GbTarget t = gb_target_class(0);
  g_assert_cmpint(gb_attribution_lrp(m, x, 12, &t, &p, &r, &err), ==, GB_OK);
  g_assert_cmpint(r.layers[1].rule, ==, GB_LRP_ZERO);
  gb_lrp_result_clear(&r);
  g_free(x);
  gb_model_free(m);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/xai/lrp-recurrent/rnn-naive", test_rnn_naive);
  g_test_add_func("/xai/lrp-recurrent/rnn-seq-all-naive", test_rnn_seq_all_naive);
  g_test_add_func("/xai/lrp-recurrent/lstm-naive", test_lstm_naive);
  g_test_add_func("/xai/lrp-recurrent/gru-naive", test_gru_naive);
  g_test_add_func("/xai/lrp-recurrent/prm-naive", test_prm_naive);
  g_test_add_func("/xai/lrp-recurrent/conservation", test_conservation);
  g_test_add_func("/xai/lrp-recurrent/stacked", test_stacked);
  g_test_add_func("/xai/lrp-recurrent/shape", test_shape);
  g_test_add_func("/xai/lrp-recurrent/gates-get-none", test_gates_get_none);
  g_test_add_func("/xai/lrp-recurrent/differs-from-gxi", test_differs_from_gxi);
  g_test_add_func("/xai/lrp-recurrent/contrast", test_contrast);
  g_test_add_func("/xai/lrp-recurrent/policy", test_policy);
  return g_test_run();
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* LRP through the recurrent layers (Arras et al. 2017/2019; methods.md, section 5.8).
 *
 * The forward is recomputed here in double from the layer's parameters and its input (the
 * previous layer's output), instead of reading the engine's float caches: the caches are the
 * layers' private business (their layouts differ per kind, GRU keeps W_hn h + b_hn but not the
 * pre-activation, prm's post module keeps c but not its pre-activation), they are time-major
 * batches shaped for training, and double keeps the conservation sums exact to ~1e-15 so that
 * what a report calls absorbed is what the rule absorbed. It costs one extra forward of one
 * sequence, O(T G H (F + H)): under a millisecond for the workshop's models.
 *
 * Every linear message is Arras' lrp_linear: for a pre-activation z (n) = sum over sources of
 * W a + b with N input units in all,
 *   R_in_i = sum_k (a_i W_ki + bf (b_k + eps sign z_k) / N) / (z_k + eps sign z_k) R_k,
 * sign(0) = +1, the same denominator for every source. So R_in_i = a_i (W^T s)_i + share with
 * s_k = R_k / (z_k + eps sign z_k) and one share for every input unit. What does not pass is
 * (1 - bf) (b_k + eps sign z_k) s_k: the report's absorbed bias and stabiliser parts. The
 * initial states h(0) = c(0) = 0 get no a_i W s, only shares; those are absorbed too (bias or
 * stabiliser by origin), so a report's residual is exactly its absorbed parts up to rounding.
 *
 * Cells (signal-take-all: gates only reweight the signal and receive no relevance):
 *   rnn:  z = W_ih x + W_hh h(t-1) + b_ih + b_hh, h = tanh z: R(z) = R(h), split to x(t) and
 *         h(t-1), N = F + H.
 *   lstm: R(c(t)) += R(h(t)); c(t) = f c(t-1) + i g split between its two terms (identity
 *         weights, no bias, N = 2H); g's pre-activation a_g split to x(t) and h(t-1), N = F + H.
 *   gru:  h(t) = (1 - z) n + z h(t-1) split between its two terms (N = 2H); n's
 *         pre-activation W_in x + b_in + r (W_hn h(t-1) + b_hn) split to x(t) and h(t-1) with r
 *         a constant gate: weights W_in and r_k W_hn[k, .], bias b_in + r b_hn, N = F + H.
 *         Gates r and z receive nothing.
 *   prm:  the output's relevance split over the evidence terms (seq=last: logit = sum_t e(t) +
 *         b_e, N = T; seq=all: y(t) = e(t) + b_e / T, N = 1); e(t) = v . c(t) split over c(t)
 *         (N = K); c's pre-activation split to x(t) and h(t) (N = F + H), so that relevance is
 *         injected into h(t) at every step; then the Elman part as rnn with its one bias. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "gb-alloc.h"
#include "gb-lrp-private.h"

/* Parameter tensors: weight_ih, weight_hh, then bias_ih and bias_hh (prm: bias_h and the post
 * module: weight_xc, weight_hc, bias_c, weight_e, bias_e). */
enum { W_IH, W_HH, B_IH, B_HH };
enum { PRM_B_H = 2, PRM_W_XC, PRM_W_HC, PRM_B_C, PRM_W_E, PRM_B_E };

typedef struct {
  double eps, bf;
  double bias, stab; /* absorbed so far */
} RecRule;

/* What each input unit of a split gets besides a_i (W^T s)_i, by origin. */
typedef struct {
  double b, e;
} Share;

/* One sequence's forward values and relevances, all double. */
typedef struct {
  int T, F, H, G, K;
  double *x;            /* (T, F) the layer's input */
  double *h;            /* (T + 1, H) states, h(0) = 0 */
  double *c;            /* (T + 1, H) LSTM cells, c(0) = 0 */
  double *gate;         /* (T, G H) gate values: lstm i f g o, gru r z n */
  double *pre;          /* (T, H) pre-activation of the signal: rnn z, lstm a_g, gru a_n */
  double *bsum;         /* (G H) the bias of the pre-activations: b_ih + b_hh (gru: b_ih) */
  double *rh;           /* (T + 1, H) R(h(t)) */
  double *rc;           /* (T + 1, H) R(c(t)) */
  double *rx;           /* (T, F) R(x(t)) */
  double *s, *s2, *tmp; /* (max(G H, K, T)) */
  double *pc;           /* prm: (T, K) post-module pre-activations, then */
  double *cv;           /* prm: (T, K) c(t) */
  double *e;            /* prm: (T) evidence */
  double *bc;           /* prm: (K) bias_c */
  void *block;
} Rec;

/* s (n) = r / (z + eps sign z); the share of each of the N input units. */
static Share
split(RecRule *ru, const double *z, const double *b, const double *r, int n, int N, double *s)
{
  Share sh = {0.0, 0.0};
  for (int k = 0; k < n; k++) {
    double sg = z[k] >= 0.0 ? 1.0 : -1.0, den = z[k] + ru->eps * sg;
    if (den == 0.0) { /* only with eps = 0: nothing passes */
      s[k] = 0.0;
      ru->stab += r[k];
      continue;
    }
    s[k] = r[k] / den;
    sh.b += (b != NULL ? b[k] : 0.0) * s[k];
    sh.e += ru->eps * sg * s[k];
  }
  ru->bias += (1.0 - ru->bf) * sh.b;
  ru->stab += (1.0 - ru->bf) * sh.e;
  sh.b *= ru->bf / N;
  sh.e *= ru->bf / N;
  return sh;
}

/* r_in (m) += a (m) (W^T s) + share; W: (n, m) with row stride ld (float parameters). */
static void
message(const double *a, const float *w, size_t ld, const double *s, int n, int m, Share sh,
        double *r_in)
{
  for (int i = 0; i < m; i++)
    r_in[i] += sh.b + sh.e;
  for (int k = 0; k < n; k++) {
    const float *row = w + (size_t)k * ld;
    double sk = s[k];
    if (sk != 0.0)
      for (int i = 0; i < m; i++)
        r_in[i] += a[i] * row[i] * sk;
  }
}

/* r_in (n) += a (n) s (n) + share: the identity weights of a sum of terms. */
static void
message_identity(const double *a, const double *s, int n, Share sh, double *r_in)
{
  for (int i = 0; i < n; i++)
    r_in[i] += a[i] * s[i] + sh.b + sh.e;
}

/* The m units of an initial state (value 0) get only shares, which leave the network there. */
static void
absorb_initial(RecRule *ru, Share sh, int m)
{
  ru->bias += m * sh.b;
  ru->stab += m * sh.e;
}

static double
sigmoid(double v)
{
  return 1.0 / (1.0 + exp(-v));
}

/* y (n) = W (n, m) a (m) + b (n, may be NULL); W float, row stride ld. */
static void
affine(const float *w, size_t ld, const double *a, const double *b, int n, int m, double *y)
{
  for (int k = 0; k < n; k++) {
    const float *row = w + (size_t)k * ld;
    double acc = b != NULL ? b[k] : 0.0;
    for (int i = 0; i < m; i++)
      acc += row[i] * a[i];
    y[k] = acc;
  }
}

static GbStatus
rec_init(Rec *rc, const GbLayer *l, const float *x, GbError *err)
{
  memset(rc, 0, sizeof *rc);
  rc->T = l->in_shape.dim[0], rc->F = l->in_shape.dim[1], rc->H = l->cfg.units;
  rc->G = l->kind == GB_LAYER_LSTM ? 4 : l->kind == GB_LAYER_GRU ? 3 : 1;
  rc->K = l->kind == GB_LAYER_PRM ? l->cfg.post_units : 0;
  size_t T = rc->T, F = rc->F, H = rc->H, gh = (size_t)rc->G * H, K = rc->K;
  size_t ns = gh > K ? gh : K;
  ns = ns > T ? ns : T;
  size_t sizes[] = {T * F, (T + 1) * H, (T + 1) * H, T * gh, T * H, gh,    (T + 1) * H, (T + 1) * H,
                    T * F, ns,          ns,          ns,     T * K, T * K, T,           K};
  double **bufs[] = {&rc->x,  &rc->h, &rc->c,  &rc->gate, &rc->pre, &rc->bsum, &rc->rh, &rc->rc,
                     &rc->rx, &rc->s, &rc->s2, &rc->tmp,  &rc->pc,  &rc->cv,   &rc->e,  &rc->bc};
  size_t total = 0;
  for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
    total += sizes[i];
  rc->block = gb_calloc(total, sizeof(double));
  if (rc->block == NULL)
    return gb_error_set(err, GB_ERR_NOMEM, "LRP through %s: %zu values of scratch", l->name, total);
  double *p = rc->block;
  for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
    *bufs[i] = p;
    p += sizes[i];
  }
  for (size_t i = 0; i < T * F; i++)
    rc->x[i] = x[i];
  for (size_t k = 0; k < gh; k++) {
    rc->bsum[k] = l->p[B_IH][k];
    /* GRU's b_hn sits inside r (...): added per step; prm has one bias. */
    if (l->kind != GB_LAYER_PRM && !(l->kind == GB_LAYER_GRU && k >= 2 * H))
      rc->bsum[k] += l->p[B_HH][k];
  }
  for (size_t k = 0; k < K; k++)
    rc->bc[k] = l->p[PRM_B_C][k];
  return GB_OK;
}

/* ---- forward in double ---- */

static void
forward_rnn(Rec *rc, const GbLayer *l)
{
  int F = rc->F, H = rc->H;
  for (int t = 0; t < rc->T; t++) {
    double *z = rc->pre + (size_t)t * H, *h = rc->h + (size_t)(t + 1) * H;
    affine(l->p[W_IH], F, rc->x + (size_t)t * F, rc->bsum, H, F, z);
    affine(l->p[W_HH], H, rc->h + (size_t)t * H, z, H, H, z);
    for (int j = 0; j < H; j++)
      h[j] = tanh(z[j]);
  }
}

static void
forward_lstm(Rec *rc, const GbLayer *l)
{
  int F = rc->F, H = rc->H;
  for (int t = 0; t < rc->T; t++) {
    double *a = rc->gate + (size_t)t * 4 * H;
    affine(l->p[W_IH], F, rc->x + (size_t)t * F, rc->bsum, 4 * H, F, a);
    affine(l->p[W_HH], H, rc->h + (size_t)t * H, a, 4 * H, H, a);
    const double *cp = rc->c + (size_t)t * H;
    double *c = rc->c + (size_t)(t + 1) * H, *h = rc->h + (size_t)(t + 1) * H;
    for (int j = 0; j < H; j++) {
      rc->pre[(size_t)t * H + j] = a[2 * H + j];
      double i = sigmoid(a[j]), f = sigmoid(a[H + j]), g = tanh(a[2 * H + j]);
      double o = sigmoid(a[3 * H + j]);
      c[j] = f * cp[j] + i * g;
      h[j] = o * tanh(c[j]);
      a[j] = i, a[H + j] = f, a[2 * H + j] = g, a[3 * H + j] = o;
    }
  }
}

static void
forward_gru(Rec *rc, const GbLayer *l)
{
  int F = rc->F, H = rc->H;
  const float *b_hh = l->p[B_HH];
  for (int t = 0; t < rc->T; t++) {
    double *a = rc->gate + (size_t)t * 3 * H, *ah = rc->tmp;
    const double *hp = rc->h + (size_t)t * H;
    double *h = rc->h + (size_t)(t + 1) * H;
    affine(l->p[W_IH], F, rc->x + (size_t)t * F, rc->bsum, 3 * H, F, a);
    affine(l->p[W_HH], H, hp, NULL, 3 * H, H, ah); /* W_hh h(t-1), no bias yet */
    for (int j = 0; j < H; j++) {
      double r = sigmoid(a[j] + ah[j]), z = sigmoid(a[H + j] + ah[H + j]);
      double an = a[2 * H + j] + r * (ah[2 * H + j] + b_hh[2 * H + j]);
      double n = tanh(an);
      rc->pre[(size_t)t * H + j] = an;
      h[j] = (1.0 - z) * n + z * hp[j];
      a[j] = r, a[H + j] = z, a[2 * H + j] = n;
    }
  }
}

/* The Elman part, then c(t) = tanh(W_xc x + W_hc h(t) + b_c) and e(t) = v . c(t). */
static void
forward_prm(Rec *rc, const GbLayer *l)
{
  int F = rc->F, H = rc->H, K = rc->K;
  forward_rnn(rc, l);
  for (int t = 0; t < rc->T; t++) {
    double *pc = rc->pc + (size_t)t * K, *c = rc->cv + (size_t)t * K;
    affine(l->p[PRM_W_XC], F, rc->x + (size_t)t * F, rc->bc, K, F, pc);
    affine(l->p[PRM_W_HC], H, rc->h + (size_t)(t + 1) * H, pc, K, H, pc);
    double e = 0.0;
    for (int k = 0; k < K; k++) {
      c[k] = tanh(pc[k]);
      e += l->p[PRM_W_E][k] * c[k];
    }
    rc->e[t] = e;
  }
}

/* ---- relevance, t = T-1 ... 0 ---- */

/* Relevance of h(t+1)'s (or c's) pre-activation z (H) with bias b to x(t) and h(t). */
static void
back_pre(Rec *rc, RecRule *ru, const GbLayer *l, int t, const double *b, const double *r,
         const double *gate_r)
{
  int F = rc->F, H = rc->H;
  size_t off = l->kind == GB_LAYER_LSTM || l->kind == GB_LAYER_GRU ? 2 * (size_t)H * F : 0;
  size_t off_h = off / F * H;
  Share sh = split(ru, rc->pre + (size_t)t * H, b, r, H, F + H, rc->s);
  message(rc->x + (size_t)t * F, l->p[W_IH] + off, F, rc->s, H, F, sh, rc->rx + (size_t)t * F);
  if (gate_r != NULL)
    for (int k = 0; k < H; k++)
      rc->s[k] *= gate_r[k];
  if (t > 0)
    message(rc->h + (size_t)t * H, l->p[W_HH] + off_h, H, rc->s, H, H, sh, rc->rh + (size_t)t * H);
  else
    absorb_initial(ru, sh, H);
}

static void
back_rnn(Rec *rc, RecRule *ru, const GbLayer *l)
{
  for (int t = rc->T - 1; t >= 0; t--)
    back_pre(rc, ru, l, t, rc->bsum, rc->rh + (size_t)(t + 1) * rc->H, NULL);
}

static void
back_lstm(Rec *rc, RecRule *ru, const GbLayer *l)
{
  int H = rc->H;
  for (int t = rc->T - 1; t >= 0; t--) {
    const double *g = rc->gate + (size_t)t * 4 * H;
    double *rct = rc->rc + (size_t)(t + 1) * H, *fc = rc->tmp, *ig = rc->s2;
    for (int j = 0; j < H; j++) {
      rct[j] += rc->rh[(size_t)(t + 1) * H + j]; /* the output gate takes none */
      fc[j] = g[H + j] * rc->c[(size_t)t * H + j];
      ig[j] = g[j] * g[2 * H + j];
    }
    Share sh = split(ru, rc->c + (size_t)(t + 1) * H, NULL, rct, H, 2 * H, rc->s);
    if (t > 0)
      message_identity(fc, rc->s, H, sh, rc->rc + (size_t)t * H);
    else
      absorb_initial(ru, sh, H);
    double *rg = fc; /* f c(t-1) is no longer needed */
    memset(rg, 0, (size_t)H * sizeof *rg);
    message_identity(ig, rc->s, H, sh, rg);
    back_pre(rc, ru, l, t, rc->bsum + 2 * H, rg, NULL);
  }
}

static void
back_gru(Rec *rc, RecRule *ru, const GbLayer *l)
{
  int H = rc->H;
  const float *b_hn = l->p[B_HH] + 2 * H;
  for (int t = rc->T - 1; t >= 0; t--) {
    const double *g = rc->gate + (size_t)t * 3 * H, *r = g, *z = g + H, *n = g + 2 * H;
    const double *hp = rc->h + (size_t)t * H;
    double *zn = rc->tmp, *zh = rc->s2;
    for (int j = 0; j < H; j++) {
      zn[j] = (1.0 - z[j]) * n[j];
      zh[j] = z[j] * hp[j];
    }
    Share sh =
        split(ru, rc->h + (size_t)(t + 1) * H, NULL, rc->rh + (size_t)(t + 1) * H, H, 2 * H, rc->s);
    if (t > 0)
      message_identity(zh, rc->s, H, sh, rc->rh + (size_t)t * H);
    else
      absorb_initial(ru, sh, H);
    double *rn = zh, *bn = zn; /* reuse: R(n), then the bias b_in + r b_hn */
    memset(rn, 0, (size_t)H * sizeof *rn);
    message_identity(zn, rc->s, H, sh, rn);
    for (int j = 0; j < H; j++)
      bn[j] = rc->bsum[2 * H + j] + r[j] * b_hn[j];
    back_pre(rc, ru, l, t, bn, rn, r);
  }
}

/* The output's relevance into R(h(t)) and R(x(t)) through the evidence and the post module. */
static void
back_prm_post(Rec *rc, RecRule *ru, const GbLayer *l, const float *r_out)
{
  int T = rc->T, F = rc->F, H = rc->H, K = rc->K;
  double b_e = l->p[PRM_B_E][0], *re = rc->s2;
  if (l->cfg.return_sequences) {
    for (int t = 0; t < T; t++) {
      double y = rc->e[t] + b_e / T, bt = b_e / T, rt = r_out[t];
      Share sh = split(ru, &y, &bt, &rt, 1, 1, rc->s);
      re[t] = rc->e[t] * rc->s[0] + sh.b + sh.e;
    }
  } else {
    double y = b_e, r = r_out[0];
    for (int t = 0; t < T; t++)
      y += rc->e[t];
    Share sh = split(ru, &y, &b_e, &r, 1, T, rc->s);
    for (int t = 0; t < T; t++)
      re[t] = rc->e[t] * rc->s[0] + sh.b + sh.e;
  }
  double *rcv = rc->tmp;
  for (int t = 0; t < T; t++) {
    const double *c = rc->cv + (size_t)t * K;
    double s_e;
    Share sh = split(ru, &rc->e[t], NULL, &re[t], 1, K, &s_e);
    for (int k = 0; k < K; k++)
      rcv[k] = c[k] * l->p[PRM_W_E][k] * s_e + sh.b + sh.e;
    /* c's pre-activation (tanh passes relevance through) to x(t) and h(t). */
    sh = split(ru, rc->pc + (size_t)t * K, rc->bc, rcv, K, F + H, rc->s);
    message(rc->x + (size_t)t * F, l->p[PRM_W_XC], F, rc->s, K, F, sh, rc->rx + (size_t)t * F);
    message(rc->h + (size_t)(t + 1) * H, l->p[PRM_W_HC], H, rc->s, K, H, sh,
            rc->rh + (size_t)(t + 1) * H);
  }
}

GbStatus
gb_lrp_recurrent_apply(const GbLayer *l, double epsilon, double bias_factor, const float *x,
                       const float *r_out, float *r_in, GbLrpLayerReport *rep, GbError *err)
{
  Rec rc;
  GbStatus st = rec_init(&rc, l, x, err);
  if (st != GB_OK)
    return st;
  RecRule ru = {.eps = epsilon, .bf = bias_factor};
  int T = rc.T, H = rc.H;
  size_t n_out = gb_layer_out_size(l);
  for (size_t k = 0; k < n_out; k++)
    rep->relevance_upper += r_out[k];
  if (l->kind == GB_LAYER_PRM) {
    forward_prm(&rc, l);
    back_prm_post(&rc, &ru, l, r_out);
  } else if (l->cfg.return_sequences) {
    for (size_t k = 0; k < (size_t)T * H; k++)
      rc.rh[H + k] = r_out[k];
  } else {
    for (int k = 0; k < H; k++)
      rc.rh[(size_t)T * H + k] = r_out[k];
  }
  if (l->kind == GB_LAYER_LSTM) {
    forward_lstm(&rc, l);
    back_lstm(&rc, &ru, l);
  } else if (l->kind == GB_LAYER_GRU) {
    forward_gru(&rc, l);
    back_gru(&rc, &ru, l);
  } else {
    if (l->kind == GB_LAYER_RNN) /* prm's Elman part ran in forward_prm */
      forward_rnn(&rc, l);
    back_rnn(&rc, &ru, l);
  }
  for (size_t i = 0; i < (size_t)T * rc.F; i++) {
    r_in[i] = (float)rc.rx[i];
    rep->relevance_lower += rc.rx[i];
  }
  rep->residual = rep->relevance_upper - rep->relevance_lower;
  rep->absorbed_bias = ru.bias;
  rep->absorbed_stabiliser = ru.stab;
  rep->rule = GB_LRP_EPSILON;
  gb_free(rc.block);
  return GB_OK;
}

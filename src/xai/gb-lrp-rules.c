/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The LRP rules on one linear layer, by the four-step recipe (methods.md, section 5.7):
 *   1. z = rho(W) a + rho(b), stabilised;  2. s = R / z;  3. c = rho(W)^T s;  4. R_in = a c.
 * Shapes: a, R_in, c: (n_in)  R, z, s: (n_out); pairs of them are batches of 2. */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "gb-alloc.h"
#include "gb-blas.h"
#include "gb-lrp-private.h"

/* Bytes for n floats and one spare, rounded up to whole cache lines. */
static size_t
lines(size_t n_floats)
{
  return ((n_floats + 1) * sizeof(float) + 63) & ~(size_t)63;
}

/* One block, not zero-filled: pages a rule never touches (the second halves, for LRP-eps) are
 * never faulted in, and every buffer is written before it is read. Zero-filling a fresh
 * 0.6 MB per map took longer than the LeNet pass itself. */
GbStatus
gb_lrp_work_init(GbLrpWork *w, size_t max_in, size_t max_out, size_t max_w, size_t max_b,
                 GbError *err)
{
  memset(w, 0, sizeof *w);
  float **in2[] = {&w->a2, &w->c1, &w->c2, &w->c3};
  float **out2[] = {&w->z1, &w->z2, &w->z0, &w->s2};
  float **params[] = {&w->w1, &w->w2};
  float **biases[] = {&w->b1, &w->b2, &w->zero_b};
  size_t total =
      4 * lines(2 * max_in) + 4 * lines(2 * max_out) + 2 * lines(max_w) + 3 * lines(max_b) + 64;
  w->block = gb_malloc(total);
  if (w->block == NULL)
    return gb_error_set(err, GB_ERR_NOMEM, "LRP scratch for layers of %zu inputs and %zu outputs",
                        max_in, max_out);
  char *p = (char *)(((uintptr_t)w->block + 63) & ~(uintptr_t)63);
  for (size_t i = 0; i < 4; i++, p += lines(2 * max_in)) *in2[i] = (float *)p;
  for (size_t i = 0; i < 4; i++, p += lines(2 * max_out)) *out2[i] = (float *)p;
  for (size_t i = 0; i < 2; i++, p += lines(max_w)) *params[i] = (float *)p;
  for (size_t i = 0; i < 3; i++, p += lines(max_b)) *biases[i] = (float *)p;
  memset(w->zero_b, 0, (max_b + 1) * sizeof(float));
  w->max_in = max_in;
  w->max_out = max_out;
  w->max_w = max_w;
  w->max_b = max_b;
  return GB_OK;
}

void
gb_lrp_work_clear(GbLrpWork *w)
{
  gb_free(w->block);
  memset(w, 0, sizeof *w);
}

/* ---- the linear map and its transpose ---- */

/* a: (nb, n_in) -> z: (nb, n_out) = a rho(W)^T + b (no bias when @b is NULL) */
static void
lin_forward(const GbLrpLinear *lin, const GbLrpWork *work, const float *w, const float *b,
            const float *a, float *z, int nb)
{
  if (lin->layer == NULL) {
    for (int r = 0; r < nb && b != NULL; r++)
      memcpy(z + (size_t)r * lin->n_out, b, lin->n_out * sizeof *z);
    gb_sgemm(false, true, nb, (int)lin->n_out, (int)lin->n_in, 1.0f, a, (int)lin->n_in, w,
             (int)lin->n_in, b != NULL ? 1.0f : 0.0f, z, (int)lin->n_out);
    return;
  }
  /* The engine's own layer on swapped parameter pointers (see gb-lrp-private.h). */
  GbLayer *l = lin->layer;
  float *p0 = l->p[0], *p1 = l->p[1];
  if (lin->n_w > 0) {
    l->p[0] = (float *)w;
    l->p[1] = (float *)(b != NULL ? b : work->zero_b);
  }
  l->ops->forward(l, a, z, nb, false);
  l->p[0] = p0;
  l->p[1] = p1;
}

/* s: (nb, n_out) -> c: (nb, n_in) = s rho(W); @a and @z are the forward's buffers. */
static void
lin_backward(const GbLrpLinear *lin, const float *w, const float *a, const float *z, const float *s,
             float *c, int nb)
{
  if (lin->layer == NULL) {
    gb_sgemm(false, false, nb, (int)lin->n_in, (int)lin->n_out, 1.0f, s, (int)lin->n_out, w,
             (int)lin->n_in, 0.0f, c, (int)lin->n_in);
    return;
  }
  GbLayer *l = lin->layer;
  float *p0 = l->p[0];
  if (lin->n_w > 0)
    l->p[0] = (float *)w;
  l->ops->backward(l, a, z, s, c, nb, false);
  l->p[0] = p0;
}

static inline float
lin_bias(const GbLrpLinear *lin, const float *b, size_t o)
{
  return b != NULL ? b[o / lin->plane] : 0.0f;
}

/* sum_o s_o b(o): the relevance the bias takes */
static double
lin_bias_dot(const GbLrpLinear *lin, const float *b, const float *s)
{
  double acc = 0.0;
  for (size_t o = 0; b != NULL && o < lin->n_out; o++) acc += (double)s[o] * lin_bias(lin, b, o);
  return acc;
}

/* z + eps sign(z), sign(0) = +1 */
static inline double
stabilise(double z, double eps)
{
  return z + (z >= 0.0 ? eps : -eps);
}

/* R / d, and no relevance through a denominator that is exactly 0 */
static inline float
share(double r, double d)
{
  return d != 0.0 ? (float)(r / d) : 0.0f;
}

/* Eight running sums in double that the compiler keeps in one vector: one sum would be a chain
 * of dependent additions, 4 cycles each, and the diagnostics' sums over the digits CNN's 12544
 * activations were a third of an epsilon pass. */
double
gb_lrp_sum(const float *v, size_t n)
{
  double acc[8] = {0};
  size_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; j++) acc[j] += v[i + j];
  double total = 0.0;
  for (int j = 0; j < 8; j++) total += acc[j];
  for (; i < n; i++) total += v[i];
  return total;
}

/* ---- the rules ---- */

/* GCC will not if-convert comparisons that may raise FP exceptions, which nothing here looks at;
 * without this the loop below stays scalar. */
#if defined(__GNUC__) && !defined(__clang__)
#define LRP_VECTORISE_SELECTS __attribute__((optimize("no-trapping-math")))
#else
#define LRP_VECTORISE_SELECTS
#endif

/* s = share(r, stabilise(z, eps)) elementwise, written so that it vectorises: the division by a
 * denominator made safe, then the select. */
LRP_VECTORISE_SELECTS static void
shares_epsilon(const float *restrict r, const float *restrict z, double eps, size_t n,
               float *restrict s)
{
  for (size_t o = 0; o < n; o++) {
    double zo = z[o], d = zo + (zo >= 0.0 ? eps : -eps);
    double q = r[o] / (d != 0.0 ? d : 1.0);
    s[o] = d != 0.0 ? (float)q : 0.0f;
  }
}

/* LRP-0 and LRP-eps: rho(w) = w. */
static void
rule_basic(const GbLrpLinear *lin, double eps, GbLrpWork *wk, const float *a, const float *r,
           float *r_in, GbLrpLayerReport *rep)
{
  float *s = wk->s2, *c = wk->c1;
  const float *z = lin->z;
  if (z == NULL) {
    lin_forward(lin, wk, lin->w, lin->b, a, wk->z1, 1);
    z = wk->z1;
  }
  double acc[8] = {0}, lost = 0.0;
  size_t k = 0;
  shares_epsilon(r, z, eps, lin->n_out, s);
  /* what the stabiliser keeps: sum of r - s z, in eight running sums (see gb_lrp_sum) */
  for (; k + 8 <= lin->n_out; k += 8)
    for (int j = 0; j < 8; j++) acc[j] += r[k + j] - (double)s[k + j] * z[k + j];
  for (int j = 0; j < 8; j++) lost += acc[j];
  for (; k < lin->n_out; k++) lost += r[k] - (double)s[k] * z[k];
  lin_backward(lin, lin->w, a, z, s, c, 1);
  for (size_t i = 0; i < lin->n_in; i++) r_in[i] = a[i] * c[i];
  rep->absorbed_bias = lin_bias_dot(lin, lin->b, s);
  rep->absorbed_stabiliser = lost;
}

/* rho+ and rho- of the weights into w1 and w2, of the bias into b1 and b2. */
static void
split_params(const GbLrpLinear *lin, const GbLrpRule *rule, GbLrpWork *wk)
{
  bool gamma = rule->kind == GB_LRP_GAMMA;
  float g = (float)rule->gamma;
  for (size_t i = 0; i < lin->n_w; i++) {
    float w = lin->w[i], pos = w > 0.0f ? w : 0.0f, neg = w < 0.0f ? w : 0.0f;
    wk->w1[i] = gamma ? w + g * pos : pos;
    wk->w2[i] = gamma ? w + g * neg : neg;
  }
  for (size_t i = 0; lin->b != NULL && i < lin->n_b; i++) {
    float b = lin->b[i], pos = b > 0.0f ? b : 0.0f, neg = b < 0.0f ? b : 0.0f;
    wk->b1[i] = gamma ? b + g * pos : pos;
    wk->b2[i] = gamma ? b + g * neg : neg;
  }
}

/* Gamma and alpha-beta: the positive group a+ rho+(W) + a- rho-(W) + rho+(b) and the negative
 * group a+ rho-(W) + a- rho+(W) + rho-(b), each normalised on its own (gb-lrp.h). With
 * a2 = [a+ | a-], s2 = [s+ | s-], w1 = rho+(W), w2 = rho-(W):
 *   z1 = w1 a2, z2 = w2 a2;  z+ = z1[0] + z2[1] + b1,  z- = z2[0] + z1[1] + b2
 *   c1 = w1^T s2, c2 = w2^T s2;  R_in = a+ (c1[0] + c2[1]) + a- (c2[0] + c1[1]) */
static void
rule_two_groups(const GbLrpLinear *lin, const GbLrpRule *rule, GbLrpWork *wk, const float *a,
                const float *r, float *r_in, GbLrpLayerReport *rep)
{
  size_t ni = lin->n_in, no = lin->n_out;
  const float *b1 = lin->b != NULL ? wk->b1 : NULL, *b2 = lin->b != NULL ? wk->b2 : NULL;
  split_params(lin, rule, wk);
  for (size_t i = 0; i < ni; i++) {
    wk->a2[i] = a[i] > 0.0f ? a[i] : 0.0f;
    wk->a2[ni + i] = a[i] < 0.0f ? a[i] : 0.0f;
  }
  lin_forward(lin, wk, wk->w1, NULL, wk->a2, wk->z1, 2);
  lin_forward(lin, wk, wk->w2, NULL, wk->a2, wk->z2, 2);
  bool gamma = rule->kind == GB_LRP_GAMMA;
  if (gamma) /* the layer's own z picks the group */
    lin_forward(lin, wk, lin->w, lin->b, a, wk->z0, 1);
  double lost = 0.0, eps = rule->epsilon;
  float *sp = wk->s2, *sn = wk->s2 + no;
  for (size_t k = 0; k < no; k++) {
    double zp = (double)wk->z1[k] + wk->z2[no + k] + lin_bias(lin, b1, k);
    double zn = (double)wk->z2[k] + wk->z1[no + k] + lin_bias(lin, b2, k);
    double cp = gamma ? (wk->z0[k] >= 0.0f) : rule->alpha;
    double cn = gamma ? (wk->z0[k] < 0.0f) : -rule->beta;
    sp[k] = share(cp * r[k], stabilise(zp, eps));
    sn[k] = share(cn * r[k], stabilise(zn, eps));
    lost += r[k] - (double)sp[k] * zp - (double)sn[k] * zn;
  }
  lin_backward(lin, wk->w1, wk->a2, wk->z1, wk->s2, wk->c1, 2);
  lin_backward(lin, wk->w2, wk->a2, wk->z2, wk->s2, wk->c2, 2);
  for (size_t i = 0; i < ni; i++)
    r_in[i] =
        wk->a2[i] * (wk->c1[i] + wk->c2[ni + i]) + wk->a2[ni + i] * (wk->c2[i] + wk->c1[ni + i]);
  rep->absorbed_bias = lin_bias_dot(lin, b1, sp) + lin_bias_dot(lin, b2, sn);
  rep->absorbed_stabiliser = lost;
}

/* z^B: d = W x - W+ l - W- h (no bias: zennit's ZBox includes it in all three terms, where it
 * cancels); R_in = x W^T s - l W+^T s - h W-^T s with s = R / d. */
static void
rule_zbox(const GbLrpLinear *lin, const GbLrpRule *rule, GbLrpWork *wk, const float *x,
          const float *r, float *r_in, GbLrpLayerReport *rep)
{
  size_t ni = lin->n_in, no = lin->n_out;
  float *lo = wk->a2, *hi = wk->a2 + ni, *s = wk->s2;
  float *cx = wk->c1, *cl = wk->c1 + ni, *ch = wk->c2;
  split_params(lin, &(GbLrpRule){.kind = GB_LRP_ALPHA_BETA}, wk);
  for (size_t i = 0; i < ni; i++) {
    lo[i] = rule->low;
    hi[i] = rule->high;
  }
  lin_forward(lin, wk, lin->w, NULL, x, wk->z0, 1);
  lin_forward(lin, wk, wk->w1, NULL, lo, wk->z1, 1);
  lin_forward(lin, wk, wk->w2, NULL, hi, wk->z2, 1);
  double lost = 0.0;
  for (size_t k = 0; k < no; k++) {
    double d = (double)wk->z0[k] - wk->z1[k] - wk->z2[k];
    s[k] = share(r[k], stabilise(d, rule->epsilon));
    lost += r[k] - (double)s[k] * d;
  }
  lin_backward(lin, lin->w, x, wk->z0, s, cx, 1);
  lin_backward(lin, wk->w1, lo, wk->z1, s, cl, 1);
  lin_backward(lin, wk->w2, hi, wk->z2, s, ch, 1);
  for (size_t i = 0; i < ni; i++) r_in[i] = x[i] * cx[i] - rule->low * cl[i] - rule->high * ch[i];
  rep->absorbed_bias = 0.0;
  rep->absorbed_stabiliser = lost;
}

/* w^2 and flat: the four steps with rho(w) = w^2 (or 1) on an input of ones, so padding
 * counts as it does for the layer: a tap that falls outside the image takes nothing. */
static void
rule_wsquare(const GbLrpLinear *lin, const GbLrpRule *rule, GbLrpWork *wk, const float *r,
             float *r_in, GbLrpLayerReport *rep)
{
  bool flat = rule->kind == GB_LRP_FLAT;
  for (size_t i = 0; i < lin->n_w; i++) wk->w1[i] = flat ? 1.0f : lin->w[i] * lin->w[i];
  for (size_t i = 0; i < lin->n_in; i++) wk->a2[i] = 1.0f;
  lin_forward(lin, wk, wk->w1, NULL, wk->a2, wk->z1, 1);
  double lost = 0.0;
  for (size_t k = 0; k < lin->n_out; k++) {
    wk->s2[k] = share(r[k], stabilise(wk->z1[k], rule->epsilon));
    lost += r[k] - (double)wk->s2[k] * wk->z1[k];
  }
  lin_backward(lin, wk->w1, wk->a2, wk->z1, wk->s2, r_in, 1);
  rep->absorbed_bias = 0.0;
  rep->absorbed_stabiliser = lost;
}

void
gb_lrp_linear_apply(const GbLrpLinear *lin, const GbLrpRule *rule, GbLrpWork *work, const float *a,
                    const float *r_out, float *r_in, GbLrpLayerReport *rep)
{
  switch (rule->kind) {
  case GB_LRP_ZERO:
    rule_basic(lin, 0.0, work, a, r_out, r_in, rep);
    break;
  case GB_LRP_EPSILON:
    rule_basic(lin, rule->epsilon, work, a, r_out, r_in, rep);
    break;
  case GB_LRP_GAMMA:
  case GB_LRP_ALPHA_BETA:
    rule_two_groups(lin, rule, work, a, r_out, r_in, rep);
    break;
  case GB_LRP_ZBOX:
    rule_zbox(lin, rule, work, a, r_out, r_in, rep);
    break;
  case GB_LRP_WSQUARE:
  case GB_LRP_FLAT:
    rule_wsquare(lin, rule, work, r_out, r_in, rep);
    break;
  }
  rep->rule = (int)rule->kind;
  rep->relevance_upper = gb_lrp_sum(r_out, lin->n_out);
  rep->relevance_lower = gb_lrp_sum(r_in, lin->n_in);
  rep->residual = rep->relevance_upper - rep->relevance_lower;
}

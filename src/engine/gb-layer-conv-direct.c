/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stddef.h>
#include <string.h>

#if defined(__AVX512F__)
/* GCC 12's own insert and extract intrinsics start from _mm512_undefined_*() and then warn that
 * it may be used uninitialised. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop
#endif

#include "gb-alloc.h"
#include "gb-layer-conv-private.h"

/* The direct path of conv2d, for stride 1 and filters of few weights (LeNet's first layer: one
 * channel, 5x5). There im2col copies each input pixel k k times to feed a gemm with a reduction
 * of only c k k, and im2col cost more than the gemm; here the loops run over the definition,
 * sample by sample, vectorised along the output row:
 *   forward:  y[fi][oy][ox] = b[fi] + sum over ci, ki, kj of W[fi][ci][ki][kj] xp[ci][oy+ki][ox+kj]
 *   backward: dW[fi][ci][ki][kj] = sum over n, oy, ox of dy[fi][oy][ox] xp[ci][oy+ki][ox+kj]
 *             db[fi] = sum over n, oy, ox of dy[fi][oy][ox]
 *             dxp[ci][oy+ki][ox+kj] += sum over fi of W[fi][ci][ki][kj] dy[fi][oy][ox]:
 *             (c, h + 2 pad, w + 2 pad)
 * where xp is the sample padded with zeros (x itself when pad is 0) and dx is dxp cropped.
 * Eight filters share each vector of input in the correlation, and each (dy, x) pair of vectors
 * feeds four filters and five taps of the weight gradient, which stays in registers along a
 * sample's rows and is summed across lanes once per batch. dx is slower than im2col's (0.84 ->
 * 0.93 ms for LeNet's conv1 with dx, batch 64), but a first layer seldom needs it in training. */

/* Filters a correlation computes at once, and filters and taps of one weight-gradient block. */
enum { CORR_FILTERS = 8, WGRAD_FILTERS = 4, WGRAD_TAPS = 5, LANES = 16 };

/* Up to 16 outputs of a plane that one vector holds: na outputs of a row, from output offset oa
 * (input offset ia) in lanes 0.., and in a paired block also nb <= 8 outputs of another row in
 * lanes 8..: LeNet's rows of 24 are a vector and a half, and pairing their halves saves a
 * quarter of the work. */
typedef struct {
  int oa, ia, na;
  int ob, ib, nb;
} DirectBlock;

/* A valid correlation of (c, h, w) planes with f (c, k, k) filters: (f, oh, ow) planes, and how
 * an output plane splits into blocks: n_single unpaired ones, then n_pair paired ones. */
typedef struct {
  int c, h, w;
  int f, k;
  int oh, ow; /* h - k + 1, w - k + 1 */
  DirectBlock *blocks;
  int n_single, n_pair;
} DirectShape;

struct GbConvDirect {
  GbConvGeom g;
  DirectShape fwd; /* xp with W */
  int kq;          /* k rounded up to WGRAD_TAPS */
  float *wpack;    /* (ceil(f / 8), c, k, k, 8): W in blocks of 8 filters, zero past f */
  float *xpad;     /* (c, h + 2 pad, w + 2 pad): one sample, zero borders */
  float *dxpad;    /* (c, h + 2 pad, w + 2 pad) */
  float *dwacc;    /* (ceil(f / 4), c, k, kq, 4, 16): dW by lanes, see wgrad_block */
  float *dbacc;    /* (f, 16): db by lanes */
};

static int
imin(int a, int b)
{
  return a < b ? a : b;
}

static int
round_up(int n, int m)
{
  return (n + m - 1) / m * m;
}

/* The rule, measured with batches of 64 (AVX-512, one thread, forward and backward without dx):
 * LeNet's conv1 (1, 28, 28) -> (8, 24, 24), c k k = 25, went from 0.61 to 0.39 ms; its conv2
 * (8, 12, 12) -> (16, 8, 8), c k k = 200, takes 0.83 ms with gemms and 0.88 direct, and
 * (4, 12, 12) -> (16, 10, 10), c k k = 36, 0.26 and 0.41. */
bool
gb_conv_direct_suits(const GbConvGeom *g)
{
  return g->s == 1 && g->ckk <= 32;
}

/* The forward alone, measured on explanations that run many forwards (KernelSHAP, LIME,
 * occlusion; one thread): LeNet's conv2, c k k = 200, where im2col cost as much as the gemm,
 * 13.6-14.8 -> 10.9-11.1 ms per KernelSHAP input; the digits CNN's conv2, c k k = 400, about 100
 * -> 92 ms. Its dx is slower than im2col's (the digits CNN's saliency 0.19 -> 0.27 ms), so the
 * backward stays with the gemms. */
bool
gb_conv_direct_suits_forward(const GbConvGeom *g)
{
  return g->s == 1 && g->ckk <= 400;
}

/* ---- the kernels ---- */

#if defined(__AVX512F__) && defined(__AVX512VL__)

/* The loops over filters and taps must unroll for their accumulators to stay in registers. */
#if defined(__GNUC__) && !defined(__clang__)
#define UNROLL _Pragma("GCC unroll 8")
#define ALWAYS_INLINE __attribute__((always_inline)) inline
#else
#define UNROLL
#define ALWAYS_INLINE inline
#endif

static inline __mmask16
lane_mask(int n)
{
  return (__mmask16)((1u << n) - 1u);
}

/* Block @b of a plane whose lanes start at a (its lanes 0..) and b (lanes 8.., if paired). */
static ALWAYS_INLINE __m512
block_load(const float *a, const float *b, __mmask16 ma, __mmask8 mb, bool paired)
{
  __m512 v = _mm512_maskz_loadu_ps(ma, a);
  if (paired) {
    __m256 hi = _mm256_maskz_loadu_ps(mb, b);
    v = _mm512_castpd_ps(_mm512_insertf64x4(_mm512_castps_pd(v), _mm256_castps_pd(hi), 1));
  }
  return v;
}

static ALWAYS_INLINE void
block_store(float *a, float *b, __mmask16 ma, __mmask8 mb, __m512 v, bool paired)
{
  _mm512_mask_storeu_ps(a, ma, v);
  if (paired)
    _mm256_mask_storeu_ps(b, mb, _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
}

/* One block of 8 filters: y[i ohw + the block's outputs] = bias[i] + the correlation of x with
 * filter i of wb: (c, k, k, 8). */
static ALWAYS_INLINE void
corr_block(const DirectShape *s, const float *restrict wb, const float *bias, int nf,
           const float *x, float *y, const DirectBlock *b, bool paired)
{
  __mmask16 ma = lane_mask(b->na);
  __mmask8 mb = (__mmask8)lane_mask(b->nb);
  size_t ohw = (size_t)s->oh * s->ow;
  __m512 acc[CORR_FILTERS];
  UNROLL
  for (int i = 0; i < CORR_FILTERS; i++)
    acc[i] = _mm512_set1_ps(i < nf ? bias[i] : 0.0f);
  for (int ci = 0; ci < s->c; ci++)
    for (int ki = 0; ki < s->k; ki++) {
      const float *row = x + ((size_t)ci * s->h + ki) * s->w;
      for (int kj = 0; kj < s->k; kj++, wb += CORR_FILTERS) {
        __m512 v = block_load(row + b->ia + kj, row + b->ib + kj, ma, mb, paired);
        UNROLL
        for (int i = 0; i < CORR_FILTERS; i++)
          acc[i] = _mm512_fmadd_ps(_mm512_set1_ps(wb[i]), v, acc[i]);
      }
    }
  UNROLL
  for (int i = 0; i < CORR_FILTERS; i++)
    if (i < nf) /* not a bound of the loop: acc indexed by a variable would live in memory */
      block_store(y + i * ohw + b->oa, y + i * ohw + b->ob, ma, mb, acc[i], paired);
}

/* a[t][i] += dy[i] times xs shifted by off[t], over one block: d[i] the planes of dy, xs the
 * input plane from the kernel row on. */
static ALWAYS_INLINE void
wgrad_step(__m512 a[WGRAD_TAPS][WGRAD_FILTERS], const float *const d[WGRAD_FILTERS],
           const float *xs, const int off[WGRAD_TAPS], const DirectBlock *b, bool paired)
{
  __mmask16 ma = lane_mask(b->na);
  __mmask8 mb = (__mmask8)lane_mask(b->nb);
  __m512 dv[WGRAD_FILTERS];
  UNROLL
  for (int i = 0; i < WGRAD_FILTERS; i++)
    dv[i] = block_load(d[i] + b->oa, d[i] + b->ob, ma, mb, paired);
  UNROLL
  for (int t = 0; t < WGRAD_TAPS; t++) {
    __m512 v = block_load(xs + b->ia + off[t], xs + b->ib + off[t], ma, mb, paired);
    UNROLL
    for (int i = 0; i < WGRAD_FILTERS; i++)
      a[t][i] = _mm512_fmadd_ps(dv[i], v, a[t][i]);
  }
}

/* acc[(t 4 + i) 16 + lane] += sum over the plane's outputs in that lane of dy[i][oy][ox] times
 * xs[oy][ox + off[t]], for 4 filters of dy: (nf, oh, ow) and 5 taps of a kernel row of xs, the
 * input plane from that row on. Filters past nf and taps past nt repeat the last real ones, so
 * the loops keep constant bounds and stay in registers; their sums are never read. */
static void
wgrad_block(const DirectShape *s, const float *xs, const float *dy, int nf, int kx0, int nt,
            float *acc)
{
  __m512 a[WGRAD_TAPS][WGRAD_FILTERS];
  const float *d[WGRAD_FILTERS];
  int off[WGRAD_TAPS];
  size_t ohw = (size_t)s->oh * s->ow;
  UNROLL
  for (int i = 0; i < WGRAD_FILTERS; i++)
    d[i] = dy + (size_t)imin(i, nf - 1) * ohw;
  UNROLL
  for (int t = 0; t < WGRAD_TAPS; t++) {
    off[t] = kx0 + imin(t, nt - 1);
    UNROLL
    for (int i = 0; i < WGRAD_FILTERS; i++)
      a[t][i] = _mm512_loadu_ps(acc + (t * WGRAD_FILTERS + i) * LANES);
  }
  for (int bi = 0; bi < s->n_single; bi++)
    wgrad_step(a, d, xs, off, &s->blocks[bi], false);
  for (int bi = s->n_single; bi < s->n_single + s->n_pair; bi++)
    wgrad_step(a, d, xs, off, &s->blocks[bi], true);
  UNROLL
  for (int t = 0; t < WGRAD_TAPS; t++)
    UNROLL
    for (int i = 0; i < WGRAD_FILTERS; i++)
      _mm512_storeu_ps(acc + (t * WGRAD_FILTERS + i) * LANES, a[t][i]);
}

/* dxp: (c, h, w) += over one block of outputs and every tap (ci, ki, kj), shifted by the tap,
 * sum over fi of W[fi][ci][ki][kj] dy[fi]: the taps of a kernel row five at a time, so that
 * each vector of dy feeds five independent sums. */
static ALWAYS_INLINE void
dx_block(const DirectShape *s, const float *w, const float *dy, float *dxp, const DirectBlock *b,
         bool paired)
{
  __mmask16 ma = lane_mask(b->na);
  __mmask8 mb = (__mmask8)lane_mask(b->nb);
  size_t ohw = (size_t)s->oh * s->ow, plane = (size_t)s->h * s->w, kk = (size_t)s->k * s->k;
  for (int ci = 0; ci < s->c; ci++)
    for (int ki = 0; ki < s->k; ki++)
      for (int kx0 = 0; kx0 < s->k; kx0 += WGRAD_TAPS) {
        int nt = imin(WGRAD_TAPS, s->k - kx0);
        __m512 acc[WGRAD_TAPS];
        UNROLL
        for (int t = 0; t < WGRAD_TAPS; t++)
          acc[t] = _mm512_setzero_ps();
        for (int fi = 0; fi < s->f; fi++) {
          const float *dyf = dy + fi * ohw;
          const float *wt = w + ((size_t)fi * s->c + ci) * kk + (size_t)ki * s->k + kx0;
          __m512 v = block_load(dyf + b->oa, dyf + b->ob, ma, mb, paired);
          UNROLL
          for (int t = 0; t < WGRAD_TAPS; t++)
            acc[t] = _mm512_fmadd_ps(_mm512_set1_ps(wt[imin(t, nt - 1)]), v, acc[t]);
        }
        float *o = dxp + ci * plane + (size_t)ki * s->w + kx0;
        UNROLL
        for (int t = 0; t < WGRAD_TAPS; t++)
          if (t < nt) {
            float *oa = o + t + b->ia, *ob = o + t + b->ib;
            __m512 sum = _mm512_add_ps(block_load(oa, ob, ma, mb, paired), acc[t]);
            block_store(oa, ob, ma, mb, sum, paired);
          }
      }
}

#else /* portable versions of the same blocks, one row segment at a time */

/* n outputs of a row at dy (output plane offset) add into dxp from xo (input plane offset) */
static void
dx_segment(const DirectShape *s, const float *w, const float *dy, float *dxp, int n)
{
  size_t ohw = (size_t)s->oh * s->ow, plane = (size_t)s->h * s->w, kk = (size_t)s->k * s->k;
  for (int ci = 0; ci < s->c; ci++)
    for (int ki = 0; ki < s->k; ki++)
      for (int kj = 0; kj < s->k; kj++)
        for (int j = 0; j < n; j++) {
          float sum = 0.0f;
          for (int fi = 0; fi < s->f; fi++)
            sum += w[((size_t)fi * s->c + ci) * kk + (size_t)ki * s->k + kj] * dy[fi * ohw + j];
          dxp[ci * plane + (size_t)ki * s->w + kj + j] += sum;
        }
}

static void
dx_block(const DirectShape *s, const float *w, const float *dy, float *dxp, const DirectBlock *b,
         bool paired)
{
  dx_segment(s, w, dy + b->oa, dxp + b->ia, b->na);
  if (paired)
    dx_segment(s, w, dy + b->ob, dxp + b->ib, b->nb);
}

/* n outputs of a row: y[i ohw + j] = bias[i] + the correlation at x + j */
static void
corr_segment(const DirectShape *s, const float *restrict wb, const float *bias, int nf,
             const float *x, float *y, int n)
{
  float acc[CORR_FILTERS][LANES];
  for (int i = 0; i < nf; i++)
    for (int j = 0; j < n; j++)
      acc[i][j] = bias[i];
  for (int ci = 0; ci < s->c; ci++)
    for (int ki = 0; ki < s->k; ki++) {
      const float *row = x + ((size_t)ci * s->h + ki) * s->w;
      for (int kj = 0; kj < s->k; kj++, wb += CORR_FILTERS)
        for (int i = 0; i < nf; i++)
          for (int j = 0; j < n; j++)
            acc[i][j] += wb[i] * row[kj + j];
    }
  for (int i = 0; i < nf; i++)
    memcpy(y + (size_t)i * s->oh * s->ow, acc[i], (size_t)n * sizeof(float));
}

static void
corr_block(const DirectShape *s, const float *restrict wb, const float *bias, int nf,
           const float *x, float *y, const DirectBlock *b, bool paired)
{
  corr_segment(s, wb, bias, nf, x + b->ia, y + b->oa, b->na);
  if (paired)
    corr_segment(s, wb, bias, nf, x + b->ib, y + b->ob, b->nb);
}

static void
wgrad_block(const DirectShape *s, const float *xs, const float *dy, int nf, int kx0, int nt,
            float *acc)
{
  size_t ohw = (size_t)s->oh * s->ow;
  for (int bi = 0; bi < s->n_single + s->n_pair; bi++) {
    const DirectBlock *b = &s->blocks[bi];
    for (int seg = 0; seg < (bi < s->n_single ? 1 : 2); seg++) {
      int o = seg ? b->ob : b->oa, in = seg ? b->ib : b->ia, n = seg ? b->nb : b->na;
      for (int j = 0; j < n; j++)
        for (int t = 0; t < nt; t++) {
          float v = xs[in + j + kx0 + t];
          for (int i = 0; i < nf; i++)
            acc[(t * WGRAD_FILTERS + i) * LANES + (seg * 8 + j) % LANES] +=
                dy[i * ohw + o + j] * v;
        }
    }
  }
}

#endif

/* Splits the output plane of @s into blocks: whole vectors of a row, then the rows' remainders,
 * two to a vector when they fit in half a one. */
static void
plan_blocks(DirectShape *s)
{
  int tail = s->ow % LANES, xt = s->ow - tail, n = 0;
  bool pair = tail > 0 && tail <= LANES / 2;
  for (int oy = 0; oy < s->oh; oy++)
    for (int x0 = 0; x0 < xt; x0 += LANES)
      s->blocks[n++] = (DirectBlock){oy * s->ow + x0, oy * s->w + x0, LANES, 0, 0, 0};
  for (int oy = 0; oy < s->oh && tail > 0; oy++)
    if (!pair || (oy % 2 == 0 && oy + 1 == s->oh))
      s->blocks[n++] = (DirectBlock){oy * s->ow + xt, oy * s->w + xt, tail, 0, 0, 0};
  s->n_single = n;
  for (int oy = 0; pair && oy + 1 < s->oh; oy += 2)
    s->blocks[n++] = (DirectBlock){oy * s->ow + xt,       oy * s->w + xt,       tail,
                                   (oy + 1) * s->ow + xt, (oy + 1) * s->w + xt, tail};
  s->n_pair = n - s->n_single;
}

static size_t
max_blocks(const DirectShape *s)
{
  return (size_t)s->oh * (s->ow / LANES + 1);
}

/* One sample: y: (f, oh, ow) = bias + the valid correlation of x: (c, h, w) with wpack. */
static void
correlate(const DirectShape *s, const float *wpack, const float *bias, const float *x, float *y)
{
  size_t ohw = (size_t)s->oh * s->ow, block = (size_t)s->c * s->k * s->k * CORR_FILTERS;
  for (int f0 = 0; f0 < s->f; f0 += CORR_FILTERS) {
    const float *wb = wpack + (size_t)(f0 / CORR_FILTERS) * block;
    int nf = imin(CORR_FILTERS, s->f - f0);
    for (int bi = 0; bi < s->n_single; bi++)
      corr_block(s, wb, bias + f0, nf, x, y + f0 * ohw, &s->blocks[bi], false);
    for (int bi = s->n_single; bi < s->n_single + s->n_pair; bi++)
      corr_block(s, wb, bias + f0, nf, x, y + f0 * ohw, &s->blocks[bi], true);
  }
}

/* One sample's share of dW into dwacc: x: (c, h, w) padded, dy: (f, oh, ow). */
static void
weight_grad_sample(const GbConvDirect *d, const float *x, const float *dy)
{
  const DirectShape *s = &d->fwd;
  size_t ohw = (size_t)s->oh * s->ow, row = (size_t)d->kq * WGRAD_FILTERS * LANES;
  float *acc = d->dwacc;
  for (int f0 = 0; f0 < s->f; f0 += WGRAD_FILTERS)
    for (int ci = 0; ci < s->c; ci++)
      for (int ki = 0; ki < s->k; ki++, acc += row) {
        const float *xs = x + ((size_t)ci * s->h + ki) * s->w;
        for (int kx0 = 0; kx0 < s->k; kx0 += WGRAD_TAPS)
          wgrad_block(s, xs, dy + f0 * ohw, imin(WGRAD_FILTERS, s->f - f0), kx0,
                      imin(WGRAD_TAPS, s->k - kx0), acc + (size_t)kx0 * WGRAD_FILTERS * LANES);
      }
}

/* One sample's share of db into dbacc: (f, 16). */
static void
bias_grad_sample(const GbConvDirect *d, const float *dy)
{
  size_t ohw = (size_t)d->g.ohw, p;
  for (int fi = 0; fi < d->g.f; fi++) {
    const float *restrict dyp = dy + fi * ohw;
    float acc[LANES]; /* a local array, which the compiler keeps in a vector register */
    memcpy(acc, d->dbacc + (size_t)fi * LANES, sizeof acc);
    for (p = 0; p + LANES <= ohw; p += LANES)
      for (int j = 0; j < LANES; j++)
        acc[j] += dyp[p + j];
    for (; p < ohw; p++)
      acc[p % LANES] += dyp[p];
    memcpy(d->dbacc + (size_t)fi * LANES, acc, sizeof acc);
  }
}

/* dwacc and dbacc, summed across lanes -> dW: (f, c, k, k) and db: (f) */
static void
param_grads_reduce(const GbConvDirect *d, float *dw, float *db)
{
  const GbConvGeom *g = &d->g;
  for (int fi = 0; fi < g->f; fi++)
    for (int ci = 0; ci < g->c; ci++)
      for (int ki = 0; ki < g->k; ki++)
        for (int kj = 0; kj < g->k; kj++) {
          size_t r = ((size_t)(fi / WGRAD_FILTERS) * g->c + ci) * g->k + ki;
          const float *a =
              d->dwacc + ((r * d->kq + kj) * WGRAD_FILTERS + fi % WGRAD_FILTERS) * LANES;
          float sum = 0.0f;
          for (int j = 0; j < LANES; j++)
            sum += a[j];
          dw[((size_t)(fi * g->c + ci) * g->k + ki) * g->k + kj] = sum;
        }
  for (int fi = 0; fi < g->f; fi++) {
    float sum = 0.0f;
    for (int j = 0; j < LANES; j++)
      sum += d->dbacc[(size_t)fi * LANES + j];
    db[fi] = sum;
  }
}

/* ---- padding and packing ---- */

/* src: (planes, h, w) -> the inside of dst: (planes, h + 2 p, w + 2 p), whose borders stay 0. */
static void
pad_planes(const float *src, int planes, int h, int w, int p, float *dst)
{
  int hp = h + 2 * p, wp = w + 2 * p;
  for (int c = 0; c < planes; c++)
    for (int y = 0; y < h; y++)
      memcpy(dst + ((size_t)c * hp + y + p) * wp + p, src + ((size_t)c * h + y) * w,
             (size_t)w * sizeof(float));
}

/* W: (f, c, k, k) -> wpack: (ceil(f / 8), c, k, k, 8) */
static void
pack_weights(GbConvDirect *d, const float *w)
{
  const GbConvGeom *g = &d->g;
  size_t kk = (size_t)g->k * g->k;
  for (int fi = 0; fi < g->f; fi++)
    for (int ci = 0; ci < g->c; ci++)
      for (size_t t = 0; t < kk; t++) {
        size_t blk = (size_t)(fi / CORR_FILTERS) * g->c + ci;
        d->wpack[((blk * kk) + t) * CORR_FILTERS + fi % CORR_FILTERS] =
            w[((size_t)fi * g->c + ci) * kk + t];
      }
}

/* ---- the path ---- */

void
gb_conv_direct_free(GbConvDirect *d)
{
  if (d == NULL)
    return;
  gb_free(d->wpack);
  gb_free(d->xpad);
  gb_free(d->dxpad);
  gb_free(d->dwacc);
  gb_free(d->dbacc);
  gb_free(d->fwd.blocks);
  gb_free(d);
}

static void
direct_shapes(GbConvDirect *d)
{
  const GbConvGeom *g = &d->g;
  int hp = g->h + 2 * g->pad, wp = g->w + 2 * g->pad;
  d->fwd = (DirectShape){g->c, hp, wp, g->f, g->k, g->oh, g->ow, NULL, 0, 0};
  d->kq = round_up(g->k, WGRAD_TAPS);
}

static size_t
dwacc_floats(const GbConvDirect *d)
{
  return (size_t)round_up(d->g.f, WGRAD_FILTERS) * d->g.c * d->g.k * d->kq * LANES;
}

GbConvDirect *
gb_conv_direct_new(const GbConvGeom *g)
{
  GbConvDirect *d = gb_calloc(1, sizeof *d);
  if (d == NULL)
    return NULL;
  d->g = *g;
  direct_shapes(d);
  size_t kk = (size_t)g->k * g->k;
  size_t padded = (size_t)g->c * d->fwd.h * d->fwd.w;
  d->wpack = gb_alloc_floats((size_t)round_up(g->f, CORR_FILTERS) * g->c * kk);
  d->xpad = gb_alloc_floats(padded);
  d->dxpad = gb_alloc_floats(padded);
  d->dwacc = gb_alloc_floats(dwacc_floats(d));
  d->dbacc = gb_alloc_floats((size_t)g->f * LANES);
  d->fwd.blocks = gb_malloc(max_blocks(&d->fwd) * sizeof(DirectBlock));
  if (d->fwd.blocks == NULL) {
    gb_conv_direct_free(d);
    return NULL;
  }
  plan_blocks(&d->fwd);
  if (d->wpack == NULL || d->xpad == NULL || d->dxpad == NULL || d->dwacc == NULL ||
      d->dbacc == NULL) {
    gb_conv_direct_free(d);
    return NULL;
  }
  return d;
}

/* x: (batch, c, h, w)  W: (f, c, k, k)  b: (f)  y: (batch, f, oh, ow) */
void
gb_conv_direct_forward(GbConvDirect *d, const float *w, const float *b, const float *x,
                       float *y, int batch)
{
  const GbConvGeom *g = &d->g;
  size_t in = (size_t)g->c * g->h * g->w, out = (size_t)g->f * g->ohw;
  pack_weights(d, w);
  for (int n = 0; n < batch; n++) {
    const float *xs = x + n * in;
    if (g->pad > 0) {
      pad_planes(xs, g->c, g->h, g->w, g->pad, d->xpad);
      xs = d->xpad;
    }
    correlate(&d->fwd, d->wpack, b, xs, y + n * out);
  }
}

/* One sample of dy: (f, oh, ow) -> dx: (c, h, w), through dxp: (c, h + 2 pad, w + 2 pad) */
static void
input_grad_sample(GbConvDirect *d, const float *w, const float *dy, float *dx)
{
  const GbConvGeom *g = &d->g;
  const DirectShape *s = &d->fwd;
  float *dxp = g->pad > 0 ? d->dxpad : dx;
  memset(dxp, 0, (size_t)g->c * s->h * s->w * sizeof(float));
  for (int bi = 0; bi < s->n_single; bi++)
    dx_block(s, w, dy, dxp, &s->blocks[bi], false);
  for (int bi = s->n_single; bi < s->n_single + s->n_pair; bi++)
    dx_block(s, w, dy, dxp, &s->blocks[bi], true);
  if (g->pad == 0)
    return;
  for (int ci = 0; ci < g->c; ci++)
    for (int iy = 0; iy < g->h; iy++)
      memcpy(dx + ((size_t)ci * g->h + iy) * g->w,
             d->dxpad + ((size_t)ci * s->h + iy + g->pad) * s->w + g->pad,
             (size_t)g->w * sizeof(float));
}

/* x: (batch, c, h, w)  dy: (batch, f, oh, ow) -> dx: (batch, c, h, w), dW: (f, c, k, k),
 * db: (f) */
void
gb_conv_direct_backward(GbConvDirect *d, const float *w, const float *x, const float *dy,
                        float *dx, float *dw, float *db, int batch)
{
  const GbConvGeom *g = &d->g;
  size_t in = (size_t)g->c * g->h * g->w, out = (size_t)g->f * g->ohw;
  bool param_grads = dw != NULL && db != NULL;
  if (param_grads) {
    memset(d->dwacc, 0, dwacc_floats(d) * sizeof(float));
    memset(d->dbacc, 0, (size_t)g->f * LANES * sizeof(float));
  }
  for (int n = 0; n < batch; n++) {
    const float *dys = dy + n * out;
    if (param_grads) {
      const float *xs = x + n * in;
      if (g->pad > 0) {
        pad_planes(xs, g->c, g->h, g->w, g->pad, d->xpad);
        xs = d->xpad;
      }
      weight_grad_sample(d, xs, dys);
      bias_grad_sample(d, dys);
    }
    if (dx != NULL)
      input_grad_sample(d, w, dys, dx + n * in);
  }
  if (param_grads)
    param_grads_reduce(d, dw, db);
}

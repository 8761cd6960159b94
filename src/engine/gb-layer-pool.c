/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#include "gb-alloc.h"
#include "gb-blas.h"
#include "gb-layer.h"

/* 2-D pooling over NCHW samples, each channel on its own, no padding (PyTorch's MaxPool2d and
 * AvgPool2d with padding 0, floor mode):
 *   x: (batch, c, h, w)  ->  y: (batch, c, oh, ow),  oh = (h - k) / stride + 1, likewise ow.
 * Window (oy, ox) covers rows oy s .. oy s + k - 1 and columns ox s .. ox s + k - 1. */

typedef struct {
  int c, h, w, k, s, oh, ow;
} PoolGeom;

static PoolGeom
pool_geom(const GbLayer *l)
{
  PoolGeom g;
  g.c = l->in_shape.dim[0];
  g.h = l->in_shape.dim[1];
  g.w = l->in_shape.dim[2];
  g.k = l->cfg.kernel;
  g.s = l->cfg.stride;
  g.oh = (g.h - g.k) / g.s + 1;
  g.ow = (g.w - g.k) / g.s + 1;
  return g;
}

static GbStatus
pool_setup(GbLayer *l, GbError *err)
{
  char buf[64];
  const char *kind = l->ops->type_name;
  if (l->in_shape.ndim != 3)
    return gb_error_set(err, GB_ERR_SHAPE, "%s: %s needs a (channels, height, width) input, got %s",
                        l->name, kind, gb_shape_format(&l->in_shape, buf, sizeof buf));
  if (l->cfg.kernel < 1 || l->cfg.stride < 1)
    return gb_error_set(err, GB_ERR_INVALID, "%s: %s needs kernel and stride >= 1, got %d and %d",
                        l->name, kind, l->cfg.kernel, l->cfg.stride);
  if (l->cfg.kernel > l->in_shape.dim[1] || l->cfg.kernel > l->in_shape.dim[2])
    return gb_error_set(err, GB_ERR_SHAPE, "%s: window %dx%d is larger than the input %s",
                        l->name, l->cfg.kernel, l->cfg.kernel,
                        gb_shape_format(&l->in_shape, buf, sizeof buf));
  /* argmax indices are int32 within one plane. */
  if ((int64_t)l->in_shape.dim[1] * l->in_shape.dim[2] > INT32_MAX)
    return gb_error_set(err, GB_ERR_INVALID, "%s: input planes of %s are too large", l->name,
                        gb_shape_format(&l->in_shape, buf, sizeof buf));
  PoolGeom g = pool_geom(l);
  l->out_shape = gb_shape_3d(g.c, g.oh, g.ow);
  return GB_OK;
}

/* ---- max pooling ---- */

/* argmax: (max_batch, c, oh, ow), each the index of the window's first maximum in its input
 * plane (h, w); backward sends the whole gradient there. */

static void
maxpool_release(GbLayer *l)
{
  gb_free(l->scratch);
  l->scratch = NULL;
}

static GbStatus
maxpool_reserve(GbLayer *l, int max_batch, GbError *err)
{
  size_t n = (size_t)max_batch * gb_layer_out_size(l);
  int32_t *argmax = n <= SIZE_MAX / sizeof *argmax ? gb_malloc(n * sizeof *argmax) : NULL;
  if (argmax == NULL)
    return gb_error_set(err, GB_ERR_NOMEM, "%s: out of memory for %zu argmax indices", l->name,
                        n);
  maxpool_release(l);
  l->scratch = argmax;
  l->max_batch = max_batch;
  return GB_OK;
}

/* First NaN of window (oy, ox) of plane xp: (h, w), as an index into the plane. */
static int32_t
maxpool_first_nan(const PoolGeom *g, const float *xp, int oy, int ox)
{
  int32_t first = oy * g->s * g->w + ox * g->s;
  for (int ki = 0; ki < g->k; ki++)
    for (int kj = 0; kj < g->k; kj++)
      if (isnan(xp[first + ki * g->w + kj]))
        return first + ki * g->w + kj;
  return first;
}

/* The first maximum of window (oy, ox) of plane xp: (h, w), as an index into the plane, and
 * its value in *m. Taps are visited in row-major order and a later one wins only when strictly
 * greater, so ties go to the first. Written so that it compiles without branches (maxss and
 * cmov): with real data the winner is unpredictable. A NaN wins, so that it propagates as in
 * PyTorch. */
static int32_t
maxpool_window(const PoolGeom *g, const float *xp, int oy, int ox, bool relu, float *m)
{
  int32_t first = oy * g->s * g->w + ox * g->s, best = first;
  float bv = relu ? (xp[first] > 0.0f ? xp[first] : 0.0f) : xp[first];
  bool nan = false;
  for (int ki = 0; ki < g->k; ki++)
    for (int kj = 0; kj < g->k; kj++) {
      int32_t i = first + ki * g->w + kj;
      float v = xp[i];
      v = relu ? (v > 0.0f ? v : 0.0f) : v; /* the ReLU's output: NaN becomes 0 there too */
      best = v > bv ? i : best;
      bv = v > bv ? v : bv;
      nan |= v != v;
    }
  if (nan) {
    best = maxpool_first_nan(g, xp, oy, ox);
    bv = xp[best];
  }
  *m = bv;
  return best;
}

/* GCC will not if-convert comparisons that may raise FP exceptions, which the engine never
 * looks at; without this the loop below stays scalar with unpredictable branches. */
#if defined(__GNUC__) && !defined(__clang__)
#define POOL_VECTORISE_SELECTS __attribute__((optimize("no-trapping-math")))
#else
#define POOL_VECTORISE_SELECTS
#endif

#if !defined(__AVX512F__)
/* The usual 2x2 window with stride 2, one output row at a time: the same rules as
 * maxpool_window (first maximum in row-major order wins), written with selects over ox only so
 * that the compiler vectorises the row (about 1.7 times faster on LeNet's first pooling).
 * With @relu, the maxima are clamped at 0 (see maxpool_run). Returns whether a NaN was seen. */
POOL_VECTORISE_SELECTS static bool
maxpool_row_2x2(const PoolGeom *g, const float *restrict xp, int oy, bool relu,
                float *restrict yr, int32_t *restrict ar)
{
  const float *r0 = xp + (size_t)2 * oy * g->w, *r1 = r0 + g->w;
  int32_t base = 2 * oy * g->w;
  int nan = 0;
  for (int ox = 0; ox < g->ow; ox++) {
    float a = r0[2 * ox], b = r0[2 * ox + 1], c = r1[2 * ox], d = r1[2 * ox + 1];
    float top = b > a ? b : a, bottom = d > c ? d : c;
    int32_t it = b > a, ib = g->w + (d > c);
    int32_t lower = bottom > top;
    float v = lower ? bottom : top;
    yr[ox] = relu ? (v > 0.0f ? v : 0.0f) : v;
    ar[ox] = base + 2 * ox + (lower ? ib : it);
    nan |= (a != a) | (b != b) | (c != c) | (d != d);
  }
  return nan;
}

#else
/* maxpool_row_2x2 with AVX-512, 16 outputs at a time: the row's 2 ow inputs are loaded with
 * masks (ow is 12 and 4 in LeNet, too short for the compiler's vector loop to pay), split into
 * even and odd columns, and the same selects as the scalar loop applied lane by lane. */
static bool
maxpool_row_2x2(const PoolGeom *g, const float *restrict xp, int oy, bool relu,
                float *restrict yr, int32_t *restrict ar)
{
  const float *r0 = xp + (size_t)2 * oy * g->w, *r1 = r0 + g->w;
  const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  const __m512i even = _mm512_add_epi32(lane, lane), odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
  const __m512i w = _mm512_set1_epi32(g->w);
  __mmask16 nan = 0;
  for (int ox = 0; ox < g->ow; ox += 16) {
    int n = g->ow - ox < 16 ? g->ow - ox : 16;
    __mmask16 m_out = (__mmask16)((1u << n) - 1);
    __mmask16 m_lo = (__mmask16)(n >= 8 ? 0xffff : (1u << 2 * n) - 1);
    __mmask16 m_hi = (__mmask16)(n > 8 ? (1u << 2 * (n - 8)) - 1 : 0);
    __m512 t0 = _mm512_maskz_loadu_ps(m_lo, r0 + 2 * ox);
    __m512 t1 = _mm512_maskz_loadu_ps(m_hi, r0 + 2 * ox + 16);
    __m512 b0 = _mm512_maskz_loadu_ps(m_lo, r1 + 2 * ox);
    __m512 b1 = _mm512_maskz_loadu_ps(m_hi, r1 + 2 * ox + 16);
    __m512 a = _mm512_permutex2var_ps(t0, even, t1), b = _mm512_permutex2var_ps(t0, odd, t1);
    __m512 c = _mm512_permutex2var_ps(b0, even, b1), d = _mm512_permutex2var_ps(b0, odd, b1);
    __mmask16 it = _mm512_cmp_ps_mask(b, a, _CMP_GT_OQ), ib = _mm512_cmp_ps_mask(d, c, _CMP_GT_OQ);
    __m512 top = _mm512_mask_blend_ps(it, a, b), bottom = _mm512_mask_blend_ps(ib, c, d);
    __mmask16 lower = _mm512_cmp_ps_mask(bottom, top, _CMP_GT_OQ);
    /* Input index of the top-left tap: 2 oy w + 2 (ox + lane). */
    __m512i tl = _mm512_add_epi32(_mm512_set1_epi32(2 * oy * g->w + 2 * ox), even);
    __m512i i_top = _mm512_mask_add_epi32(tl, it, tl, _mm512_set1_epi32(1));
    __m512i i_bottom = _mm512_mask_add_epi32(_mm512_add_epi32(tl, w), ib,
                                             _mm512_add_epi32(tl, w), _mm512_set1_epi32(1));
    __m512 v = _mm512_mask_blend_ps(lower, top, bottom);
    if (relu)
      v = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_GT_OQ), v);
    _mm512_mask_storeu_ps(yr + ox, m_out, v);
    _mm512_mask_storeu_epi32(ar + ox, m_out, _mm512_mask_blend_epi32(lower, i_top, i_bottom));
    nan |= m_out & (_mm512_cmp_ps_mask(a, b, _CMP_UNORD_Q) | _mm512_cmp_ps_mask(c, d, _CMP_UNORD_Q));
  }
  return nan != 0;
}
#endif

/* A NaN wins, so that it propagates as in PyTorch: redo the row's windows that hold one (with
 * @relu, windows of the ReLU's output, where a NaN is 0). */
static void
maxpool_row_nan(const PoolGeom *g, const float *xp, int oy, bool relu, float *yr, int32_t *ar)
{
  for (int ox = 0; ox < g->ow; ox++)
    ar[ox] = maxpool_window(g, xp, oy, ox, relu, &yr[ox]);
}

/* y = maxpool(x), or with @relu maxpool(relu(x)) computed as relu(maxpool(x)): a positive
 * maximum is the same value at the same first position either way, and a window whose maximum
 * is not positive gives 0 whichever position its argmax names, a position the ReLU's backward
 * would zero (gb_maxpool_relu_backward masks it instead). Only NaN needs the windows redone. */
static void
maxpool_run(GbLayer *l, const float *x, float *y, int batch, bool relu)
{
  PoolGeom g = pool_geom(l);
  int32_t *argmax = l->scratch;
  size_t planes = (size_t)batch * g.c, in = (size_t)g.h * g.w, out = (size_t)g.oh * g.ow;
  bool two = g.k == 2 && g.s == 2 && !gb_engine_get_reference_kernels();
  for (size_t p = 0; p < planes; p++)
    for (int oy = 0; oy < g.oh; oy++) {
      size_t o = p * out + (size_t)oy * g.ow;
      if (two) {
        if (maxpool_row_2x2(&g, x + p * in, oy, relu, y + o, argmax + o))
          maxpool_row_nan(&g, x + p * in, oy, relu, y + o, argmax + o);
        continue;
      }
      for (int ox = 0; ox < g.ow; ox++)
        argmax[o + ox] = maxpool_window(&g, x + p * in, oy, ox, relu, &y[o + ox]);
    }
}

static void
maxpool_forward(GbLayer *l, const float *x, float *y, int batch, bool training)
{
  l->last_training = training;
  maxpool_run(l, x, y, batch, false);
}

void
gb_maxpool_relu_forward(GbLayer *l, const float *x, float *y, int batch)
{
  maxpool_run(l, x, y, batch, true);
}

/* 2x2 windows with stride 2 that tile the plane (h = 2 oh, w = 2 ow): every input is in exactly
 * one window, so row pair oy of dxp: (h, w) is written whole, the gradient where the argmax
 * points and zero elsewhere, with no memset and no scatter. */
#if !defined(__AVX512F__)
POOL_VECTORISE_SELECTS static void
maxpool_backward_row_2x2(const PoolGeom *g, const int32_t *restrict ar, const float *restrict dyr,
                         int oy, float *restrict dxp)
{
  float *r0 = dxp + (size_t)2 * oy * g->w, *r1 = r0 + g->w;
  int32_t w = g->w, base = 2 * oy * w;
  for (int ox = 0; ox < g->ow; ox++) {
    int32_t at = ar[ox] - base - 2 * ox; /* 0, 1, w or w + 1 */
    float d = dyr[ox];
    r0[2 * ox] = at == 0 ? d : 0.0f;
    r0[2 * ox + 1] = at == 1 ? d : 0.0f;
    r1[2 * ox] = at == w ? d : 0.0f;
    r1[2 * ox + 1] = at == w + 1 ? d : 0.0f;
  }
}

#else
/* The same 16 outputs at a time: the four taps' gradients as four vectors, interleaved back
 * into even and odd columns. */
static void
maxpool_backward_row_2x2(const PoolGeom *g, const int32_t *restrict ar, const float *restrict dyr,
                         int oy, float *restrict dxp)
{
  float *r0 = dxp + (size_t)2 * oy * g->w, *r1 = r0 + g->w;
  const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  const __m512i even = _mm512_add_epi32(lane, lane);
  const __m512i zip_lo = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const __m512i zip_hi = _mm512_add_epi32(zip_lo, _mm512_set1_epi32(8));
  const __m512i one = _mm512_set1_epi32(1), w = _mm512_set1_epi32(g->w);
  const __m512i w1 = _mm512_add_epi32(w, one);
  for (int ox = 0; ox < g->ow; ox += 16) {
    int n = g->ow - ox < 16 ? g->ow - ox : 16;
    __mmask16 m_out = (__mmask16)((1u << n) - 1);
    __mmask16 m_lo = (__mmask16)(n >= 8 ? 0xffff : (1u << 2 * n) - 1);
    __mmask16 m_hi = (__mmask16)(n > 8 ? (1u << 2 * (n - 8)) - 1 : 0);
    __m512 d = _mm512_maskz_loadu_ps(m_out, dyr + ox);
    __m512i tl = _mm512_add_epi32(_mm512_set1_epi32(2 * oy * g->w + 2 * ox), even);
    __m512i at = _mm512_sub_epi32(_mm512_maskz_loadu_epi32(m_out, ar + ox), tl);
    __m512 a = _mm512_maskz_mov_ps(_mm512_cmpeq_epi32_mask(at, _mm512_setzero_si512()), d);
    __m512 b = _mm512_maskz_mov_ps(_mm512_cmpeq_epi32_mask(at, one), d);
    __m512 c = _mm512_maskz_mov_ps(_mm512_cmpeq_epi32_mask(at, w), d);
    __m512 e = _mm512_maskz_mov_ps(_mm512_cmpeq_epi32_mask(at, w1), d);
    _mm512_mask_storeu_ps(r0 + 2 * ox, m_lo, _mm512_permutex2var_ps(a, zip_lo, b));
    _mm512_mask_storeu_ps(r0 + 2 * ox + 16, m_hi, _mm512_permutex2var_ps(a, zip_hi, b));
    _mm512_mask_storeu_ps(r1 + 2 * ox, m_lo, _mm512_permutex2var_ps(c, zip_lo, e));
    _mm512_mask_storeu_ps(r1 + 2 * ox + 16, m_hi, _mm512_permutex2var_ps(c, zip_hi, e));
  }
}
#endif

/* Any window: dx = 0, then each output's gradient added at its argmax. */
static void
maxpool_backward_scatter(const PoolGeom *g, const int32_t *argmax, const float *dy, float *dx,
                         size_t planes)
{
  size_t in = (size_t)g->h * g->w, out = (size_t)g->oh * g->ow;
  memset(dx, 0, planes * in * sizeof(float));
  /* += because overlapping windows (stride < kernel) can share a maximum. */
  for (size_t p = 0; p < planes; p++)
    for (size_t o = 0; o < out; o++)
      dx[p * in + argmax[p * out + o]] += dy[p * out + o];
}

static void
maxpool_backward(GbLayer *l, const float *x, const float *y, const float *dy, float *dx,
                 int batch, bool param_grads)
{
  (void)x, (void)y, (void)param_grads;
  if (dx == NULL)
    return;
  PoolGeom g = pool_geom(l);
  const int32_t *argmax = l->scratch;
  size_t planes = (size_t)batch * g.c, in = (size_t)g.h * g.w, out = (size_t)g.oh * g.ow;
  bool tiled = g.k == 2 && g.s == 2 && g.h == 2 * g.oh && g.w == 2 * g.ow;
  if (!tiled || gb_engine_get_reference_kernels()) {
    maxpool_backward_scatter(&g, argmax, dy, dx, planes);
    return;
  }
  for (size_t p = 0; p < planes; p++)
    for (int oy = 0; oy < g.oh; oy++)
      maxpool_backward_row_2x2(&g, argmax + p * out + (size_t)oy * g.ow,
                               dy + p * out + (size_t)oy * g.ow, oy, dx + p * in);
}

void
gb_maxpool_relu_backward(GbLayer *l, const float *y, const float *dy, float *masked, float *dx,
                         int batch)
{
  size_t n = (size_t)batch * gb_layer_out_size(l);
  for (size_t i = 0; i < n; i++)
    masked[i] = y[i] > 0.0f ? dy[i] : 0.0f;
  maxpool_backward(l, NULL, y, masked, dx, batch, false);
}

/* ---- average pooling ---- */

static GbStatus
avgpool_reserve(GbLayer *l, int max_batch, GbError *err)
{
  (void)err;
  l->max_batch = max_batch;
  return GB_OK;
}

/* Mean of window (oy, ox) in plane xp: (h, w). */
static float
avgpool_window(const PoolGeom *g, const float *xp, int oy, int ox)
{
  float acc = 0.0f;
  for (int ki = 0; ki < g->k; ki++) {
    const float *row = xp + (size_t)(oy * g->s + ki) * g->w + ox * g->s;
    for (int kj = 0; kj < g->k; kj++)
      acc += row[kj];
  }
  return acc / (float)(g->k * g->k);
}

static void
avgpool_forward(GbLayer *l, const float *x, float *y, int batch, bool training)
{
  PoolGeom g = pool_geom(l);
  size_t planes = (size_t)batch * g.c, in = (size_t)g.h * g.w, out = (size_t)g.oh * g.ow;
  l->last_training = training;
  for (size_t p = 0; p < planes; p++)
    for (int oy = 0; oy < g.oh; oy++)
      for (int ox = 0; ox < g.ow; ox++)
        y[p * out + (size_t)oy * g.ow + ox] = avgpool_window(&g, x + p * in, oy, ox);
}

/* Spreads d / (k k) over window (oy, ox) of the gradient plane dxp: (h, w). */
static void
avgpool_spread(const PoolGeom *g, float *dxp, int oy, int ox, float d)
{
  float v = d / (float)(g->k * g->k);
  for (int ki = 0; ki < g->k; ki++) {
    float *row = dxp + (size_t)(oy * g->s + ki) * g->w + ox * g->s;
    for (int kj = 0; kj < g->k; kj++)
      row[kj] += v;
  }
}

static void
avgpool_backward(GbLayer *l, const float *x, const float *y, const float *dy, float *dx,
                 int batch, bool param_grads)
{
  (void)x, (void)y, (void)param_grads;
  if (dx == NULL)
    return;
  PoolGeom g = pool_geom(l);
  size_t planes = (size_t)batch * g.c, in = (size_t)g.h * g.w, out = (size_t)g.oh * g.ow;
  memset(dx, 0, planes * in * sizeof(float));
  for (size_t p = 0; p < planes; p++)
    for (int oy = 0; oy < g.oh; oy++)
      for (int ox = 0; ox < g.ow; ox++)
        avgpool_spread(&g, dx + p * in, oy, ox, dy[p * out + (size_t)oy * g.ow + ox]);
}

const GbLayerOps gb_maxpool2d_ops = {
    .type_name = "maxpool2d",
    .setup = pool_setup,
    .reserve = maxpool_reserve,
    .forward = maxpool_forward,
    .backward = maxpool_backward,
    .release = maxpool_release,
};

const GbLayerOps gb_avgpool2d_ops = {
    .type_name = "avgpool2d",
    .setup = pool_setup,
    .reserve = avgpool_reserve,
    .forward = avgpool_forward,
    .backward = avgpool_backward,
};

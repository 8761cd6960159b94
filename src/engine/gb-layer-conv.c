/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#include "gb-alloc.h"
#include "gb-blas.h"
#include "gb-layer.h"
#include "gb-layer-conv-private.h"

/* Conv2D over NCHW samples, in PyTorch's Conv2d layout:
 *   x: (batch, c, h, w)  W: (f, c, k, k)  b: (f)  y: (batch, f, oh, ow)
 *   oh = (h + 2 pad - k) / stride + 1, and likewise ow.
 *
 * Fast path: im2col of the batch, a tile of samples at a time, multiplied with gemms. With
 * n = batch oh ow:
 *   col: (c k k + 1, n)  col[(ci, ki, kj)][(b, oy, ox)] = x_padded[b][ci][oy s + ki][ox s + kj]
 *                        and a last row of ones
 *   forward:  y[b] (f, oh ow) = Wb (f, c k k + 1) col[:, b's columns], Wb = [W | b]: one gemm
 *             per sample, written straight into y (NCHW) with the bias from the row of ones
 *   backward: dWb (c k k + 1, f) = col dy^T: dW^T, and db as the row the ones produce; per
 *             sample from dy directly when a sample has enough columns, else per tile from
 *             dyt (f, tile columns), dy gathered plane by plane
 *             dcol[:, b's columns] (c k k, oh ow) = W^T dy[b], written over col; dx = col2im
 * col and dyt hold one tile of whole samples at a time, a contiguous row-major matrix (rows ld
 * apart), and im2col, the gemms and col2im run tile by tile (see conv_plan). col dy^T measured
 * twice as fast as dy col^T, and the row of ones gets db inside that gemm instead of a pass
 * over dy.
 * Direct path (gb-layer-conv-direct.c): for stride 1 and small filters, no im2col at all; for
 * somewhat larger filters its forward only, beside the gemm backward.
 * Reference path: direct loops over the definition, accumulating in double. */

typedef GbConvGeom ConvGeom;

/* How the columns of col are tiled: tiles of @tile samples, each a (rows, ld) row-major
 * matrix, ld = tile oh ow + 16 (a cache line more, so that the rows of LeNet's layers do not
 * lie a multiple of 4 KiB apart, which thrashes a few L1 sets when a kernel walks down a
 * column). */
typedef struct {
  int tile;         /* samples per tile */
  int ld;           /* row stride inside a tile */
  bool dw_per_tile; /* the dW gemm over whole tiles of gathered dy rather than per sample */
} ConvPlan;

typedef struct {
  GbConvDirect *direct; /* the direct path (gb-layer-conv-direct.c), when it suits the layer;
                         * then the rest is unused and NULL */
  GbConvSparse *sparse; /* the backward for a mostly zero dy (gb-layer-conv-sparse.c) */
  ConvPlan plan;
  float *col; /* one tile of (c k k + 1, ld): im2col, then dcol; backward redoes the im2col
               * unless the batch was one tile: reading a whole batch's col back from L3 made the
               * dW gemm slower than the second im2col */
  float *tmp; /* one tile of (f, ld): dy gathered, when the dW gemm runs per tile */
  float *wb;  /* (f, c k k + 1): W with b as a last column */
  float *dwb; /* (c k k + 1, f): dW^T and db */
  float *q;   /* (oh + k - 1, ow): col2im's sum down a kernel column */
  /* What col holds, so backward can reuse the forward's im2col. */
  const float *col_x;
  int col_batch;
  bool col_valid;
} ConvScratch;

/* One tile: samples [n0, n1), their cols = (n1 - n0) oh ow columns at col and tmp. */
typedef struct {
  int n0, n1, cols;
  float *col, *tmp;
} ConvTile;

static ConvGeom
conv_geom(const GbLayer *l)
{
  ConvGeom g;
  g.c = l->in_shape.dim[0];
  g.h = l->in_shape.dim[1];
  g.w = l->in_shape.dim[2];
  g.f = l->cfg.units;
  g.k = l->cfg.kernel;
  g.s = l->cfg.stride;
  g.pad = l->cfg.pad;
  g.oh = (g.h + 2 * g.pad - g.k) / g.s + 1;
  g.ow = (g.w + 2 * g.pad - g.k) / g.s + 1;
  g.ckk = g.c * g.k * g.k;
  g.ohw = g.oh * g.ow;
  return g;
}

/* Samples per tile. OpenBLAS does products of up to about 1e6 multiply-adds with kernels that
 * skip packing, and for these skinny shapes (few filters, short reductions) that measured
 * about twice as fast as one gemm over the whole batch; a tile also stays in L2 between im2col
 * and its gemm, and between the dx gemm and col2im, and is written as one sequential stream. */
static ConvPlan
conv_plan(const ConvGeom *g, int max_batch)
{
  ConvPlan p;
  double per_sample = (double)(g->ckk + 1) * g->f * g->ohw;
  p.tile = (int)(1e6 / per_sample);
  p.tile = p.tile < 1 ? 1 : (p.tile > max_batch ? max_batch : p.tile);
  p.ld = p.tile * g->ohw + 16;
  /* With fewer columns than this per sample the dW gemm is a third slower per sample (k = 64 in
   * LeNet's second layer) than per tile; with more it is as fast and needs no gather. */
  p.dw_per_tile = g->ohw < 256;
  return p;
}

static ConvTile
conv_tile(const ConvScratch *s, const ConvGeom *g, int index, int batch)
{
  ConvTile t;
  t.n0 = index * s->plan.tile;
  t.n1 = t.n0 + s->plan.tile < batch ? t.n0 + s->plan.tile : batch;
  t.cols = (t.n1 - t.n0) * g->ohw;
  t.col = s->col;
  t.tmp = s->tmp;
  return t;
}

static int
conv_n_tiles(const ConvScratch *s, int batch)
{
  return (batch + s->plan.tile - 1) / s->plan.tile;
}

/* ---- setup and parameters ---- */

static GbStatus
conv_check_config(const GbLayer *l, GbError *err)
{
  const GbLayerConfig *c = &l->cfg;
  char buf[64];
  if (l->in_shape.ndim != 3)
    return gb_error_set(err, GB_ERR_SHAPE,
                        "%s: conv2d needs a (channels, height, width) input, got %s", l->name,
                        gb_shape_format(&l->in_shape, buf, sizeof buf));
  if (c->units < 1 || c->kernel < 1 || c->stride < 1 || c->pad < 0)
    return gb_error_set(err, GB_ERR_INVALID,
                        "%s: conv2d needs filters, kernel and stride >= 1 and pad >= 0, got "
                        "filters %d, kernel %d, stride %d, pad %d",
                        l->name, c->units, c->kernel, c->stride, c->pad);
  int hp = l->in_shape.dim[1] + 2 * c->pad, wp = l->in_shape.dim[2] + 2 * c->pad;
  if (c->kernel > hp || c->kernel > wp)
    return gb_error_set(err, GB_ERR_SHAPE,
                        "%s: kernel %dx%d is larger than the input %s with padding %d "
                        "(%dx%d padded)",
                        l->name, c->kernel, c->kernel,
                        gb_shape_format(&l->in_shape, buf, sizeof buf), c->pad, hp, wp);
  /* The gemms index with int: one filter (c k k) and the weights must fit. */
  int64_t ckk = (int64_t)l->in_shape.dim[0] * c->kernel * c->kernel;
  if (ckk * c->units > INT_MAX)
    return gb_error_set(err, GB_ERR_INVALID, "%s: %d filters of %lld weights are too many",
                        l->name, c->units, (long long)ckk);
  return GB_OK;
}

static GbStatus
conv_setup(GbLayer *l, GbError *err)
{
  GbStatus st = conv_check_config(l, err);
  if (st != GB_OK)
    return st;
  ConvGeom g = conv_geom(l);
  l->out_shape = gb_shape_3d(g.f, g.oh, g.ow);
  int wdims[4] = {g.f, g.c, g.k, g.k};
  GbShape w = gb_shape_make(4, wdims);
  GbShape b = gb_shape_1d(g.f);
  gb_layer_add_param(l, "weight", &w, false);
  gb_layer_add_param(l, "bias", &b, true);
  return GB_OK;
}

/* PyTorch's fans for a conv weight (f, c, k, k): fan_in = c k k, fan_out = f k k. */
static void
conv_init(GbLayer *l, GbRng *rng)
{
  ConvGeom g = conv_geom(l);
  int fan_in = g.ckk, fan_out = g.f * g.k * g.k;
  if (l->cfg.init == GB_INIT_GLOROT)
    gb_init_glorot_uniform(l->p[0], l->param[0].count, fan_in, fan_out, rng);
  else
    gb_init_he_normal(l->p[0], l->param[0].count, fan_in, rng);
  memset(l->p[1], 0, l->param[1].count * sizeof(float));
}

/* ---- scratch ---- */

static void
conv_scratch_free(ConvScratch *s)
{
  if (s == NULL)
    return;
  gb_conv_direct_free(s->direct);
  gb_conv_sparse_free(s->sparse);
  gb_free(s->col);
  gb_free(s->tmp);
  gb_free(s->dwb);
  gb_free(s->wb);
  gb_free(s->q);
  gb_free(s);
}

static void
conv_release(GbLayer *l)
{
  conv_scratch_free(l->scratch);
  l->scratch = NULL;
}

/* The direct path needs scratch for one sample only, whatever the batch. */
static GbStatus
conv_reserve_direct(GbLayer *l, const ConvGeom *g, int max_batch, GbError *err)
{
  ConvScratch *s = gb_calloc(1, sizeof *s);
  if (s != NULL)
    s->direct = gb_conv_direct_new(g);
  if (s == NULL || s->direct == NULL) {
    conv_scratch_free(s);
    return gb_error_set(err, GB_ERR_NOMEM, "%s: out of memory for the convolution's scratch",
                        l->name);
  }
  conv_release(l);
  l->scratch = s;
  l->max_batch = max_batch;
  return GB_OK;
}

static GbStatus
conv_reserve(GbLayer *l, int max_batch, GbError *err)
{
  ConvGeom g = conv_geom(l);
  if (gb_conv_direct_suits(&g))
    return conv_reserve_direct(l, &g, max_batch, err);
  ConvPlan plan = conv_plan(&g, max_batch);
  if ((size_t)plan.ld * (g.ckk + 1) > INT_MAX)
    return gb_error_set(err, GB_ERR_INVALID, "%s: batch %d is too large for %dx%d outputs",
                        l->name, max_batch, g.oh, g.ow);
  ConvScratch *s = gb_calloc(1, sizeof *s);
  if (s != NULL) {
    s->plan = plan;
    s->col = gb_alloc_floats((size_t)(g.ckk + 1) * plan.ld);
    s->tmp = gb_alloc_floats((size_t)g.f * plan.ld);
    s->dwb = gb_alloc_floats((size_t)(g.ckk + 1) * g.f);
    s->wb = gb_alloc_floats((size_t)g.f * (g.ckk + 1));
    s->q = gb_alloc_floats((size_t)(g.oh + g.k - 1) * g.ow);
  }
  if (s == NULL || s->col == NULL || s->tmp == NULL || s->dwb == NULL || s->wb == NULL ||
      s->q == NULL) {
    conv_scratch_free(s);
    return gb_error_set(err, GB_ERR_NOMEM,
                        "%s: out of memory for the im2col buffer (%d x %d floats)", l->name,
                        g.ckk + 1, plan.ld);
  }
  /* The direct forward beside the gemm backward (see gb_conv_direct_suits_forward), and the
   * sparse backward. */
  if ((gb_conv_direct_suits_forward(&g) && (s->direct = gb_conv_direct_new(&g)) == NULL) ||
      (gb_conv_sparse_supported(&g, max_batch) &&
       (s->sparse = gb_conv_sparse_new(&g, max_batch)) == NULL)) {
    conv_scratch_free(s);
    return gb_error_set(err, GB_ERR_NOMEM, "%s: out of memory for the convolution's scratch",
                        l->name);
  }
  conv_release(l);
  l->scratch = s;
  l->max_batch = max_batch;
  return GB_OK;
}

/* ---- im2col and col2im ---- */

/* Where tap (ki, kj) of the kernel reads: outputs (oy, ox) with oy in [ylo, yhi) and ox in
 * [xlo, xhi) read input index (oy s + ki - pad) w + (ox s + kj - pad) of the plane; the
 * others read padding. */
typedef struct {
  int ylo, yhi, xlo, xhi;
  ptrdiff_t off; /* (ki - pad) w + (kj - pad) */
} ConvTap;

/* Outputs o in [*lo, *hi) with 0 <= o s + off < n_in. */
static void
conv_valid_range(int n_out, int s, int off, int n_in, int *lo, int *hi)
{
  int a, b;
  if (s == 1) { /* no divisions in the common case: col2im asks for every tap of every plane */
    a = off >= 0 ? 0 : -off;
    b = n_in - off;
  } else {
    a = off >= 0 ? 0 : (-off + s - 1) / s;
    b = n_in - 1 - off < 0 ? 0 : (n_in - 1 - off) / s + 1;
  }
  *lo = a < n_out ? a : n_out;
  *hi = b < *lo ? *lo : (b < n_out ? b : n_out);
}

static inline ConvTap
conv_tap(const ConvGeom *g, int ki, int kj)
{
  ConvTap t;
  conv_valid_range(g->oh, g->s, ki - g->pad, g->h, &t.ylo, &t.yhi);
  conv_valid_range(g->ow, g->s, kj - g->pad, g->w, &t.xlo, &t.xhi);
  t.off = (ptrdiff_t)(ki - g->pad) * g->w + (kj - g->pad);
  return t;
}

/* GCC turns short copy loops into calls to memmove, which for rows of 8 to 30 floats cost
 * several times the copy itself; keep the im2col copies inline. */
#if defined(__GNUC__) && !defined(__clang__)
#define CONV_INLINE_COPIES __attribute__((optimize("no-tree-loop-distribute-patterns")))
#else
#define CONV_INLINE_COPIES
#endif

/* d[0..n) = src[0..n), in blocks of 8 that compile to single vector moves. */
CONV_INLINE_COPIES static inline void
conv_copy(float *restrict d, const float *restrict src, int n)
{
  int j = 0;
  for (; j + 8 <= n; j += 8)
    memcpy(d + j, src + j, 8 * sizeof(float));
  for (; j < n; j++)
    d[j] = src[j];
}

/* Row oy of one im2col plane: d: (ow) = what tap @t reads from input plane xp: (h, w), zero in
 * the padding. */
CONV_INLINE_COPIES static void
im2col_row(const ConvGeom *g, const ConvTap *t, const float *restrict xp, int oy,
           float *restrict d)
{
  int lo = t->xlo, hi = t->xhi;
  if (oy < t->ylo || oy >= t->yhi)
    lo = hi = g->ow;
  ptrdiff_t base = (ptrdiff_t)oy * g->s * g->w + t->off;
  for (int ox = 0; ox < lo; ox++)
    d[ox] = 0.0f;
  if (g->s == 1 && hi > lo)
    conv_copy(d + lo, xp + base + lo, hi - lo);
  else
    for (int ox = lo; ox < hi; ox++)
      d[ox] = xp[base + (ptrdiff_t)ox * g->s];
  for (int ox = hi; ox < g->ow; ox++)
    d[ox] = 0.0f;
}

/* dst: (oh, ow) = what tap @t reads from input plane xp: (h, w). @above, when not NULL, is the
 * same sample's plane for tap (ki - s, kj): its rows 1.. read the same input rows as rows
 * 0..oh-2 here, so they are one contiguous copy and only the last row comes from x (10% off
 * the forward pass of LeNet's second convolution). */
static void
im2col_plane(const ConvGeom *g, const ConvTap *t, const float *restrict xp,
             const float *restrict above, float *restrict dst)
{
  int oy = 0;
  if (above != NULL) {
    memcpy(dst, above + g->ow, (size_t)(g->oh - 1) * g->ow * sizeof(float));
    oy = g->oh - 1;
  }
  for (; oy < g->oh; oy++)
    im2col_row(g, t, xp, oy, dst + (size_t)oy * g->ow);
}

/* d[0..n) = src[0..n) for short rows, then zeros up to the next multiple of 16: with AVX-512,
 * whole vectors and a last masked load, stored whole. Masked stores, which cost as much as the
 * rest of im2col on this machine, are left to the caller's buffer having room for the spill. */
static inline void
conv_copy_row_spill(float *restrict d, const float *restrict src, int n)
{
#if defined(__AVX512F__) && defined(__AVX512VL__)
  int j = 0;
  if (n <= 8) { /* half a vector: LeNet's 8x8 rows then never straddle a cache line */
    _mm256_storeu_ps(d, _mm256_maskz_loadu_ps((__mmask8)((1u << n) - 1), src));
    return;
  }
  for (; j + 16 <= n; j += 16)
    _mm512_storeu_ps(d + j, _mm512_loadu_ps(src + j));
  if (j < n)
    _mm512_storeu_ps(d + j, _mm512_maskz_loadu_ps((__mmask16)((1u << (n - j)) - 1), src + j));
#else
  conv_copy(d, src, n);
#endif
}

/* im2col_plane for stride 1 and no padding, where every tap reads inside the plane: row oy of
 * dst: (oh, ow) is input row oy + ki from column kj. No range checks and no calls, which were
 * most of im2col's time for LeNet's 8x8 planes. A row may spill up to 15 floats past its end:
 * im2col writes col in increasing order, so the spill lands on what it writes next (or on the
 * row of ones, which comes after, or on the tile's slack of 16 floats). */
static inline void
im2col_plane_valid(const ConvGeom *g, int ki, int kj, const float *restrict xp,
                   float *restrict dst)
{
  const float *src = xp + (size_t)ki * g->w + kj;
  for (int oy = 0; oy < g->oh; oy++)
    conv_copy_row_spill(dst + (size_t)oy * g->ow, src + (size_t)oy * g->w, g->ow);
}

/* Samples [n0, n1) of x: (batch, c, h, w) -> their tile of col: (c k k + 1, ld), whose last
 * row is all ones. Row by row, so that the tile is written as one sequential stream. */
static void
im2col(const ConvGeom *g, const float *x, int n0, int n1, size_t ld, float *col)
{
  size_t plane = (size_t)g->h * g->w;
  bool valid = g->s == 1 && g->pad == 0;
  for (int ci = 0; ci < g->c; ci++)
    for (int ki = 0; ki < g->k; ki++)
      for (int kj = 0; kj < g->k; kj++) {
        float *row = col + ((size_t)(ci * g->k + ki) * g->k + kj) * ld;
        if (valid) {
          for (int n = n0; n < n1; n++)
            im2col_plane_valid(g, ki, kj, x + ((size_t)n * g->c + ci) * plane,
                               row + (size_t)(n - n0) * g->ohw);
          continue;
        }
        ConvTap t = conv_tap(g, ki, kj);
        /* Row of tap (ki - s, kj), s k rows up. */
        const float *above = ki >= g->s && g->oh > 1 ? row - (size_t)g->s * g->k * ld : NULL;
        for (int n = n0; n < n1; n++) {
          size_t c0 = (size_t)(n - n0) * g->ohw;
          im2col_plane(g, &t, x + ((size_t)n * g->c + ci) * plane, above ? above + c0 : NULL,
                       row + c0);
        }
      }
  float *ones = col + (size_t)g->ckk * ld;
  for (size_t j = 0; j < (size_t)(n1 - n0) * g->ohw; j++)
    ones[j] = 1.0f;
}

/* The adjoint of im2col_plane: dxp: (h, w) += src: (oh, ow) where tap @t reads. */
static void
col2im_plane(const ConvGeom *g, const ConvTap *t, const float *restrict src,
             float *restrict dxp)
{
  for (int oy = t->ylo; oy < t->yhi; oy++) {
    const float *srow = src + (size_t)oy * g->ow;
    ptrdiff_t base = (ptrdiff_t)oy * g->s * g->w + t->off;
    if (g->s == 1)
      for (int ox = t->xlo; ox < t->xhi; ox++)
        dxp[base + ox] += srow[ox];
    else
      for (int ox = t->xlo; ox < t->xhi; ox++)
        dxp[base + (ptrdiff_t)ox * g->s] += srow[ox];
  }
}

/* Stride 1; the sample in column block @slot of a tile, channel ci, kernel column kj. The k taps
 * down the column (ki = 0..k-1) add into input rows oy + ki - pad, so their dcol planes, each
 * shifted down by ki rows, are first summed into q: (oh + k - 1, ow) with k long contiguous
 * adds, and q then goes into dxp: (h, w) row by row: oh + k - 1 short row adds instead of k oh,
 * which is where col2im's time went (3 times faster for LeNet's second convolution). */
static void
col2im_column_s1(const ConvGeom *g, const float *col, size_t ld, int slot, int ci, int kj,
                 float *restrict q, float *restrict dxp)
{
  int q_rows = g->oh + g->k - 1, xlo, xhi;
  memset(q, 0, (size_t)q_rows * g->ow * sizeof(float));
  for (int ki = 0; ki < g->k; ki++) {
    size_t r = (size_t)(ci * g->k + ki) * g->k + kj;
    const float *restrict p = col + r * ld + (size_t)slot * g->ohw;
    float *restrict qk = q + (size_t)ki * g->ow;
    for (int j = 0; j < g->ohw; j++)
      qk[j] += p[j];
  }
  conv_valid_range(g->ow, 1, kj - g->pad, g->w, &xlo, &xhi);
  for (int row = 0; row < q_rows; row++) {
    int iy = row - g->pad;
    if (iy < 0 || iy >= g->h)
      continue;
    ptrdiff_t base = (ptrdiff_t)iy * g->w + (kj - g->pad);
    const float *qr = q + (size_t)row * g->ow;
    for (int ox = xlo; ox < xhi; ox++)
      dxp[base + ox] += qr[ox];
  }
}

/* The tile of dcol: (c k k, ld) for samples [n0, n1) -> those samples of dx: (batch, c, h, w).
 * q: (oh + k - 1, ow) scratch for stride 1. */
static void
col2im(const ConvGeom *g, const float *col, int n0, int n1, size_t ld, float *q, float *dx)
{
  size_t plane = (size_t)g->h * g->w;
  memset(dx + (size_t)n0 * g->c * plane, 0, (size_t)(n1 - n0) * g->c * plane * sizeof(float));
  for (int n = n0; n < n1; n++)
    for (int ci = 0; ci < g->c; ci++) {
      float *dxp = dx + ((size_t)n * g->c + ci) * plane;
      for (int kj = 0; kj < g->k; kj++) {
        if (g->s == 1) {
          col2im_column_s1(g, col, ld, n - n0, ci, kj, q, dxp);
          continue;
        }
        for (int ki = 0; ki < g->k; ki++) {
          ConvTap t = conv_tap(g, ki, kj);
          size_t r = (size_t)(ci * g->k + ki) * g->k + kj;
          col2im_plane(g, &t, col + r * ld + (size_t)(n - n0) * g->ohw, dxp);
        }
      }
    }
}

/* ---- fast path ---- */

/* W: (f, c k k), b: (f) -> wb: (f, c k k + 1) = [W | b] */
static void
conv_pack_weights(const ConvGeom *g, const float *w, const float *b, float *wb)
{
  for (int fi = 0; fi < g->f; fi++) {
    memcpy(wb + (size_t)fi * (g->ckk + 1), w + (size_t)fi * g->ckk, (size_t)g->ckk * sizeof(float));
    wb[(size_t)fi * (g->ckk + 1) + g->ckk] = b[fi];
  }
}

/* The tile's samples of dy: (batch, f, oh ow) -> its tile of dyt: (f, ld) */
static void
conv_gather(const ConvGeom *g, const ConvTile *t, size_t ld, const float *dy)
{
  for (int n = t->n0; n < t->n1; n++)
    for (int fi = 0; fi < g->f; fi++)
      memcpy(t->tmp + fi * ld + (size_t)(n - t->n0) * g->ohw,
             dy + ((size_t)n * g->f + fi) * g->ohw, (size_t)g->ohw * sizeof(float));
}

static void
conv_forward_fast(GbLayer *l, const ConvGeom *g, const float *x, float *y, int batch)
{
  ConvScratch *s = l->scratch;
  int ld = s->plan.ld, kb = g->ckk + 1;
  conv_pack_weights(g, l->p[0], l->p[1], s->wb);
  for (int i = 0; i < conv_n_tiles(s, batch); i++) {
    ConvTile t = conv_tile(s, g, i, batch);
    im2col(g, x, t.n0, t.n1, ld, t.col);
    /* y[n] (f, oh ow) = Wb (f, c k k + 1) x col[:, n's columns] (c k k + 1, oh ow) */
    for (int n = t.n0; n < t.n1; n++)
      gb_sgemm(false, false, g->f, g->ohw, kb, 1.0f, s->wb, kb, t.col + (size_t)(n - t.n0) * g->ohw,
               ld, 0.0f, y + (size_t)n * g->f * g->ohw, g->ohw);
  }
  /* Backward can reuse the im2col only when the batch was one tile. */
  s->col_x = x;
  s->col_batch = batch;
  s->col_valid = conv_n_tiles(s, batch) == 1;
}

/* dwb: (c k k + 1, f) -> dW: (f, c k k) and db: (f) */
static void
conv_unpack_param_grads(const ConvGeom *g, const float *dwb, float *dw, float *db)
{
  for (int fi = 0; fi < g->f; fi++) {
    for (int r = 0; r < g->ckk; r++)
      dw[(size_t)fi * g->ckk + r] = dwb[(size_t)r * g->f + fi];
    db[fi] = dwb[(size_t)g->ckk * g->f + fi];
  }
}

/* dwb[r0:r0+m] (m, f) (+)= col[r0:r0+m] (m, cols) x dyt^T (cols, f), where dyt (f, cols) has
 * rows ld_dy apart; in chunks of at most 1200 / f rows: OpenBLAS takes its unpacked kernels for
 * this product only when the output has at most 1200 entries. */
static void
conv_param_grads_gemm(const ConvGeom *g, const float *col, int ld, const float *dyt, int ld_dy,
                      int cols, bool first, float *dwb)
{
  int rows = g->ckk + 1, chunk = g->f < 1200 ? 1200 / g->f : 1;
  for (int r0 = 0; r0 < rows; r0 += chunk) {
    int m = rows - r0 < chunk ? rows - r0 : chunk;
    gb_sgemm(false, true, m, g->f, cols, 1.0f, col + (size_t)r0 * ld, ld, dyt, ld_dy,
             first ? 0.0f : 1.0f, dwb + (size_t)r0 * g->f, g->f);
  }
}

/* dwb (+)= the tile's col dy^T: per sample with dy[n] (f, oh ow) read in place, or over the
 * whole tile from dy gathered into dyt. */
static void
conv_param_grads_tile(const ConvScratch *s, const ConvGeom *g, const ConvTile *t,
                      const float *dy, float *dwb)
{
  int ld = s->plan.ld;
  if (s->plan.dw_per_tile) {
    conv_gather(g, t, ld, dy);
    conv_param_grads_gemm(g, t->col, ld, t->tmp, ld, t->cols, t->n0 == 0, dwb);
    return;
  }
  for (int n = t->n0; n < t->n1; n++)
    conv_param_grads_gemm(g, t->col + (size_t)(n - t->n0) * g->ohw, ld,
                          dy + (size_t)n * g->f * g->ohw, g->ohw, g->ohw, n == 0, dwb);
}

/* dx of one tile: dcol[:, n's columns] (c k k, oh ow) = W^T (c k k, f) x dy[n] (f, oh ow) for
 * each sample, written over the tile of col, then col2im. */
static void
conv_input_grad_tile(GbLayer *l, const ConvGeom *g, const ConvTile *t, const float *dy,
                     float *dx)
{
  ConvScratch *s = l->scratch;
  int ld = s->plan.ld;
  for (int n = t->n0; n < t->n1; n++)
    gb_sgemm(true, false, g->ckk, g->ohw, g->f, 1.0f, l->p[0], g->ckk,
             dy + (size_t)n * g->f * g->ohw, g->ohw, 0.0f, t->col + (size_t)(n - t->n0) * g->ohw,
             ld);
  col2im(g, t->col, t->n0, t->n1, ld, s->q, dx);
}

static void
conv_backward_fast(GbLayer *l, const ConvGeom *g, const float *x, const float *dy, float *dx,
                   int batch, bool param_grads)
{
  ConvScratch *s = l->scratch;
  bool have_col = s->col_valid && s->col_x == x && s->col_batch == batch;
  if (!param_grads && dx == NULL)
    return;
  if (s->sparse != NULL && gb_conv_sparse_backward(s->sparse, l->p[0], x, dy, dx,
                                                   param_grads ? l->g[0] : NULL,
                                                   param_grads ? l->g[1] : NULL, batch))
    return;
  for (int i = 0; i < conv_n_tiles(s, batch); i++) {
    ConvTile t = conv_tile(s, g, i, batch);
    if (param_grads) {
      if (!have_col)
        im2col(g, x, t.n0, t.n1, s->plan.ld, t.col);
      conv_param_grads_tile(s, g, &t, dy, s->dwb);
    }
    if (dx != NULL)
      conv_input_grad_tile(l, g, &t, dy, dx);
  }
  if (dx != NULL)
    s->col_valid = false;
  if (param_grads)
    conv_unpack_param_grads(g, s->dwb, l->g[0], l->g[1]);
}

/* ---- reference path ---- */

/* x value at (iy, ix) of one input plane xp: (h, w), zero in the padding. */
static float
conv_ref_pixel(const ConvGeom *g, const float *xp, int iy, int ix)
{
  if (iy < 0 || iy >= g->h || ix < 0 || ix >= g->w)
    return 0.0f;
  return xp[(size_t)iy * g->w + ix];
}

/* y[n][fi][oy][ox] - b[fi] = sum over ci, ki, kj of W[fi][ci][ki][kj] x[n][ci][oy s+ki-pad][...] */
static double
conv_ref_dot(const ConvGeom *g, const float *xs, const float *wf, int oy, int ox)
{
  double acc = 0.0;
  for (int ci = 0; ci < g->c; ci++)
    for (int ki = 0; ki < g->k; ki++)
      for (int kj = 0; kj < g->k; kj++) {
        float xv = conv_ref_pixel(g, xs + (size_t)ci * g->h * g->w, oy * g->s - g->pad + ki,
                                  ox * g->s - g->pad + kj);
        acc += (double)wf[(ci * g->k + ki) * g->k + kj] * xv;
      }
  return acc;
}

static void
conv_forward_ref(GbLayer *l, const ConvGeom *g, const float *x, float *y, int batch)
{
  size_t in = (size_t)g->c * g->h * g->w;
  for (int n = 0; n < batch; n++)
    for (int fi = 0; fi < g->f; fi++)
      for (int oy = 0; oy < g->oh; oy++)
        for (int ox = 0; ox < g->ow; ox++) {
          const float *wf = l->p[0] + (size_t)fi * g->ckk;
          double v = l->p[1][fi] + conv_ref_dot(g, x + n * in, wf, oy, ox);
          y[(((size_t)n * g->f + fi) * g->oh + oy) * g->ow + ox] = (float)v;
        }
}

/* dW[fi][ci][ki][kj] = sum over n, oy, ox of dy[n][fi][oy][ox] x[n][ci][oy s + ki - pad][...] */
static double
conv_ref_weight_grad(const ConvGeom *g, const float *x, const float *dy, int batch, int fi,
                     int ci, int ki, int kj)
{
  size_t in = (size_t)g->c * g->h * g->w;
  double acc = 0.0;
  for (int n = 0; n < batch; n++) {
    const float *xp = x + n * in + (size_t)ci * g->h * g->w;
    const float *dyp = dy + ((size_t)n * g->f + fi) * g->ohw;
    for (int oy = 0; oy < g->oh; oy++)
      for (int ox = 0; ox < g->ow; ox++)
        acc += (double)dyp[oy * g->ow + ox] *
               conv_ref_pixel(g, xp, oy * g->s - g->pad + ki, ox * g->s - g->pad + kj);
  }
  return acc;
}

/* Output index o whose window puts tap t on input index i: o s + t - pad = i; -1 if none. */
static int
conv_ref_source(const ConvGeom *g, int i, int t, int n_out)
{
  int num = i + g->pad - t;
  if (num < 0 || num % g->s != 0 || num / g->s >= n_out)
    return -1;
  return num / g->s;
}

/* dx[n][ci][iy][ix] = sum over fi, ki, kj of W[fi][ci][ki][kj] dy[n][fi][oy][ox] over the
 * outputs (oy, ox) whose window covers (iy, ix) with tap (ki, kj). */
static double
conv_ref_input_grad(const GbLayer *l, const ConvGeom *g, const float *dys, int ci, int iy,
                    int ix)
{
  double acc = 0.0;
  for (int fi = 0; fi < g->f; fi++)
    for (int ki = 0; ki < g->k; ki++)
      for (int kj = 0; kj < g->k; kj++) {
        int oy = conv_ref_source(g, iy, ki, g->oh), ox = conv_ref_source(g, ix, kj, g->ow);
        if (oy < 0 || ox < 0)
          continue;
        float wv = l->p[0][((size_t)(fi * g->c + ci) * g->k + ki) * g->k + kj];
        acc += (double)wv * dys[((size_t)fi * g->oh + oy) * g->ow + ox];
      }
  return acc;
}

static void
conv_param_grads_ref(GbLayer *l, const ConvGeom *g, const float *x, const float *dy, int batch)
{
  for (int fi = 0; fi < g->f; fi++)
    for (int ci = 0; ci < g->c; ci++)
      for (int ki = 0; ki < g->k; ki++)
        for (int kj = 0; kj < g->k; kj++)
          l->g[0][((size_t)(fi * g->c + ci) * g->k + ki) * g->k + kj] =
              (float)conv_ref_weight_grad(g, x, dy, batch, fi, ci, ki, kj);
  for (int fi = 0; fi < g->f; fi++) {
    double acc = 0.0;
    for (int n = 0; n < batch; n++)
      for (int p = 0; p < g->ohw; p++)
        acc += dy[((size_t)n * g->f + fi) * g->ohw + p];
    l->g[1][fi] = (float)acc;
  }
}

static void
conv_input_grad_ref(const GbLayer *l, const ConvGeom *g, const float *dy, float *dx, int batch)
{
  size_t out = (size_t)g->f * g->ohw;
  for (int n = 0; n < batch; n++)
    for (int ci = 0; ci < g->c; ci++)
      for (int iy = 0; iy < g->h; iy++)
        for (int ix = 0; ix < g->w; ix++)
          dx[(((size_t)n * g->c + ci) * g->h + iy) * g->w + ix] =
              (float)conv_ref_input_grad(l, g, dy + n * out, ci, iy, ix);
}

/* ---- the layer ---- */

static void
conv_forward(GbLayer *l, const float *x, float *y, int batch, bool training)
{
  ConvGeom g = conv_geom(l);
  ConvScratch *s = l->scratch;
  l->last_training = training;
  if (gb_engine_get_reference_kernels()) {
    if (s->direct == NULL)
      s->col_valid = false;
    conv_forward_ref(l, &g, x, y, batch);
  } else if (s->direct != NULL) {
    gb_conv_direct_forward(s->direct, l->p[0], l->p[1], x, y, batch);
    s->col_valid = false; /* a gemm backward does its own im2col */
  } else {
    conv_forward_fast(l, &g, x, y, batch);
  }
}

static void
conv_backward(GbLayer *l, const float *x, const float *y, const float *dy, float *dx, int batch,
              bool param_grads)
{
  (void)y;
  ConvGeom g = conv_geom(l);
  ConvScratch *s = l->scratch;
  if (!gb_engine_get_reference_kernels() && s->direct != NULL && s->col == NULL) {
    gb_conv_direct_backward(s->direct, l->p[0], x, dy, dx, param_grads ? l->g[0] : NULL,
                            param_grads ? l->g[1] : NULL, batch);
    return;
  }
  if (!gb_engine_get_reference_kernels()) {
    conv_backward_fast(l, &g, x, dy, dx, batch, param_grads);
    return;
  }
  if (param_grads)
    conv_param_grads_ref(l, &g, x, dy, batch);
  if (dx != NULL)
    conv_input_grad_ref(l, &g, dy, dx, batch);
}

const GbLayerOps gb_conv2d_ops = {
    .type_name = "conv2d",
    .setup = conv_setup,
    .init = conv_init,
    .reserve = conv_reserve,
    .forward = conv_forward,
    .backward = conv_backward,
    .release = conv_release,
};

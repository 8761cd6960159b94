/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <limits.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__AVX512F__)
/* GCC 12's own reduce and extract intrinsics start from _mm512_undefined_*() and then warn that
 * it may be used uninitialised. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop
#endif

#include "gb-alloc.h"
#include "gb-layer-conv-private.h"

/* The backward of conv2d when most of dy is zero, as it is under a max pooling: a 2x2 pool
 * passes the gradient to one output of four, and the ReLU between them zeroes some more (a
 * quarter or less of dy is non-zero: 0.234 for random inputs, see bench/bench-conv-sparse).
 * The gemms of the dense path multiply all those zeros; here each non-zero dy[n][fi][oy][ox] =
 * g costs one multiply-add of g with the c k k values its window reads, for the weight
 * gradient, and one with filter fi's weights, for dx:
 *   dW[fi] += g x window(n, oy, ox)      db[fi] += g
 *   dx window(n, oy, ox) += g W[fi]
 * For those rows of c k k values to be contiguous, x is copied into channels-last order,
 * xh: (samples, hp, wp, c) with hp = h + 2 pad, wp = w + 2 pad and zero borders: then the window
 * of output (oy, ox) is k segments, one per kernel row ki, of k c contiguous floats at
 *   ((oy s + ki) wp + ox s) c
 * and the weights are taken in the same (ki, kj, ci) order. A segment is cut into slots of 16
 * lanes (the last one partly used); the slots of a filter's row, up to 16 at a time, stay in
 * registers while the entries stream by.
 *
 * Slot loads and the adds into dx read and write whole vectors: the lanes past a segment's end
 * read whatever follows (the buffers have 16 floats of slack), their products are dropped for
 * dW, and for dx those lanes add exactly zero (the weights are packed with zeros there). That
 * holds only for finite g, so a dy with a NaN or an infinity is left to the dense path. */

/* Largest share of non-zero values in dy for which this path runs. bench/bench-conv-sparse
 * (batch 64, AVX-512, one thread): at this share the sparse backward still took 0.53 ms against
 * the dense 0.84 for LeNet's conv2, and 4.9 against 9.2 ms for the digits CNN's; at 0.2, about
 * what a ReLU and a 2x2 max pooling leave, 0.32 against 0.84 and 2.5 against 9.2.
 * Where segments fill their slots poorly the limit is lower: SPARSE_SLOT_USE times the share of
 * slot lanes a segment uses. With 2 channels and 3x3 filters (segments of 6 floats in 16
 * lanes, 0.375 of them used) the two paths took the same time at 0.28 of dy non-zero; with 1
 * channel and 5x5 filters (0.31 used) at about 0.5. */
#define SPARSE_MAX_DENSITY 0.5
#define SPARSE_SLOT_USE    0.75
/* The batch runs in tiles of samples whose dy has at most this many values, so that the
 * scratch stays near 2 MiB whatever batch the model is reserved for (LeNet's conv2: tiles of
 * 128 samples; the digits CNN's: 20). */
#define SPARSE_TILE_VALUES (1 << 17)

/* Negative: each layer's own limit. */
static _Atomic double max_density_override = -1.0;
static atomic_ulong n_uses;

void
gb_conv_sparse_set_max_density(double d)
{
  atomic_store(&max_density_override,
               d < 0.0 ? -1.0 : (d > SPARSE_MAX_DENSITY ? SPARSE_MAX_DENSITY : d));
}

unsigned long
gb_conv_sparse_uses(void)
{
  return atomic_load(&n_uses);
}

#if defined(__AVX512F__) && defined(__AVX512VL__)

#if defined(__GNUC__) && !defined(__clang__)
#define UNROLL        _Pragma("GCC unroll 16")
#define ALWAYS_INLINE __attribute__((always_inline)) inline
#else
#define UNROLL
#define ALWAYS_INLINE inline
#endif

enum { LANES = 16, MAX_GROUP = 16 };

/* Up to MAX_GROUP slots that are accumulated together: slot j reads the source at base +
 * src[j] and is lane block first + j of a row in slot layout. */
typedef struct {
  int n, first;
  int src[MAX_GROUP];
} SlotGroup;

struct GbConvSparse {
  GbConvGeom g;
  int hp, wp;    /* padded input */
  int seg;       /* k c: one segment */
  int seg_slots; /* ceil(seg / 16) */
  int slots;     /* k seg_slots: a row in slot layout is slots x 16 floats */
  int n_groups;
  SlotGroup *groups;
  int words;          /* 32-bit words of a position's filter mask: ceil(f / 32) */
  int tile;           /* samples per tile */
  double max_density; /* the largest share of non-zero dy taken */
  int *pos;           /* (ohw): where output p's window starts in a sample of xh */
  int *to_cl;         /* (w c + 16): where entry j of an input row in xh comes from in x */
  int *from_cl;       /* (h w + 16): where entry q of a plane of dx comes from in dxh */
  float *xh;          /* (tile, hp, wp, c) + slack */
  float *dxh;         /* (hp, wp, c) + slack: one sample */
  float *wr;          /* (f, slots, 16): W in slot layout, zero past each segment */
  float *dwr;         /* (f, slots, 16): dW in slot layout */
  double *db;         /* (f): db summed over the tiles */
  /* The tile's entries, the non-zero values of its dy: */
  int32_t *off;   /* (tile f ohw + 16): window offsets into xh */
  float *val;     /* (tile f ohw + 16): values */
  size_t *start;  /* (tile f + 1): entries of (n, fi) are [start[n f + fi], next) */
  uint32_t *mask; /* (tile, words, ohw): bit fi of word fi / 32 set where dy != 0 */
};

/* Lanes [0, n) for n < 16, and all of them for more. */
static inline __mmask16
lanes_up_to(int n)
{
  return n >= LANES ? (__mmask16)0xffff : (__mmask16)((1u << n) - 1u);
}

static size_t
round_up(size_t n, size_t m)
{
  return (n + m - 1) / m * m;
}

static int
sparse_tile(const GbConvGeom *g, int max_batch)
{
  size_t per = (size_t)g->f * g->ohw, tile = SPARSE_TILE_VALUES / (per > 0 ? per : 1);
  tile = tile < 1 ? 1 : tile;
  return tile < (size_t)max_batch ? (int)tile : max_batch;
}

bool
gb_conv_sparse_supported(const GbConvGeom *g, int max_batch)
{
  /* Entry offsets into a tile of xh are 32-bit. */
  size_t plane = (size_t)(g->h + 2 * g->pad) * (g->w + 2 * g->pad) * g->c;
  return max_batch > 0 && (size_t)sparse_tile(g, max_batch) * plane < INT_MAX - LANES;
}

GbConvSparse *
gb_conv_sparse_new(const GbConvGeom *g, int max_batch)
{
  GbConvSparse *sp = gb_calloc(1, sizeof *sp);
  if (sp == NULL)
    return NULL;
  sp->g = *g;
  sp->hp = g->h + 2 * g->pad;
  sp->wp = g->w + 2 * g->pad;
  sp->seg = g->k * g->c;
  sp->seg_slots = (int)round_up((size_t)sp->seg, LANES) / LANES;
  sp->slots = g->k * sp->seg_slots;
  sp->n_groups = (sp->slots + MAX_GROUP - 1) / MAX_GROUP;
  sp->words = (g->f + 31) / 32;
  sp->tile = sparse_tile(g, max_batch);
  double use = (double)g->ckk / ((double)sp->slots * LANES);
  sp->max_density =
      SPARSE_SLOT_USE * use < SPARSE_MAX_DENSITY ? SPARSE_SLOT_USE * use : SPARSE_MAX_DENSITY;
  size_t plane = (size_t)sp->hp * sp->wp * g->c, values = (size_t)sp->tile * g->f * g->ohw;
  sp->groups = gb_calloc((size_t)sp->n_groups, sizeof *sp->groups);
  sp->pos = gb_malloc((size_t)g->ohw * sizeof *sp->pos);
  sp->to_cl = gb_calloc((size_t)g->w * g->c + LANES, sizeof *sp->to_cl);
  sp->from_cl = gb_calloc((size_t)g->h * g->w + LANES, sizeof *sp->from_cl);
  sp->xh = gb_alloc_floats((size_t)sp->tile * plane + LANES);
  sp->dxh = gb_alloc_floats(plane + LANES);
  sp->wr = gb_alloc_floats((size_t)g->f * sp->slots * LANES);
  sp->dwr = gb_alloc_floats((size_t)g->f * sp->slots * LANES);
  sp->db = gb_malloc((size_t)g->f * sizeof *sp->db);
  sp->off = gb_malloc((values + LANES) * sizeof *sp->off);
  sp->val = gb_malloc((values + LANES) * sizeof *sp->val);
  sp->start = gb_malloc(((size_t)sp->tile * g->f + 1) * sizeof *sp->start);
  sp->mask = gb_malloc((size_t)sp->tile * sp->words * g->ohw * sizeof *sp->mask);
  if (sp->groups == NULL || sp->pos == NULL || sp->to_cl == NULL || sp->from_cl == NULL ||
      sp->xh == NULL || sp->dxh == NULL || sp->wr == NULL || sp->dwr == NULL || sp->db == NULL ||
      sp->off == NULL || sp->val == NULL || sp->start == NULL || sp->mask == NULL) {
    gb_conv_sparse_free(sp);
    return NULL;
  }
  /* Groups of nearly equal size, each slot's source offset from its window's start. */
  int per = (sp->slots + sp->n_groups - 1) / sp->n_groups;
  for (int gi = 0; gi < sp->n_groups; gi++) {
    SlotGroup *gr = &sp->groups[gi];
    gr->first = gi * per;
    gr->n = sp->slots - gr->first < per ? sp->slots - gr->first : per;
    for (int j = 0; j < gr->n; j++) {
      int slot = gr->first + j, ki = slot / sp->seg_slots, part = slot % sp->seg_slots;
      gr->src[j] = ki * sp->wp * g->c + part * LANES;
    }
  }
  for (int oy = 0; oy < g->oh; oy++)
    for (int ox = 0; ox < g->ow; ox++)
      sp->pos[oy * g->ow + ox] = (oy * g->s * sp->wp + ox * g->s) * g->c;
  /* Entry j = xx c + ci of an input row in channels-last order is x[ci][y][xx]: from the row's
   * start in channel 0, ci h w + xx. Entry q = y w + xx of a plane of dx is dxh[y + pad][xx +
   * pad][ci]: from channel ci's entry in the padded image's first row, ((y + pad) wp + pad +
   * xx) c. */
  for (int j = 0; j < g->w * g->c; j++)
    sp->to_cl[j] = (j % g->c) * g->h * g->w + j / g->c;
  for (int q = 0; q < g->h * g->w; q++)
    sp->from_cl[q] = ((q / g->w + g->pad) * sp->wp + g->pad + q % g->w) * g->c;
  return sp;
}

void
gb_conv_sparse_free(GbConvSparse *sp)
{
  if (sp == NULL)
    return;
  gb_free(sp->groups);
  gb_free(sp->pos);
  gb_free(sp->to_cl);
  gb_free(sp->from_cl);
  gb_free(sp->xh);
  gb_free(sp->dxh);
  gb_free(sp->wr);
  gb_free(sp->dwr);
  gb_free(sp->db);
  gb_free(sp->off);
  gb_free(sp->val);
  gb_free(sp->start);
  gb_free(sp->mask);
  gb_free(sp);
}

/* ---- building the entries ---- */

/* How many values of dy: (batch, f, ohw) are non-zero; SIZE_MAX if one is not finite. */
static size_t
sparse_count(const GbConvGeom *g, const float *dy, int batch)
{
  size_t n = (size_t)batch * g->f * g->ohw, count = 0, i = 0;
  __mmask16 bad = 0;
  for (; i < n; i += LANES) {
    __m512 v = _mm512_maskz_loadu_ps(lanes_up_to((int)(n - i < LANES ? n - i : LANES)), dy + i);
    /* v - v is NaN exactly where v is not finite. */
    bad |= _mm512_cmp_ps_mask(_mm512_sub_ps(v, v), _mm512_setzero_ps(), _CMP_NEQ_UQ);
    count += (size_t)__builtin_popcount(_mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_NEQ_OQ));
  }
  return bad != 0 ? SIZE_MAX : count;
}

/* The non-zero values of a tile of dy: (batch, f, ohw), in (n, fi) order, and each sample's
 * filter masks. */
static void
sparse_collect(GbConvSparse *sp, const float *dy, int batch)
{
  const GbConvGeom *g = &sp->g;
  size_t plane = (size_t)sp->hp * sp->wp * g->c, n_e = 0;
  memset(sp->mask, 0, (size_t)batch * sp->words * g->ohw * sizeof *sp->mask);
  for (int n = 0; n < batch; n++) {
    uint32_t *mask_n = sp->mask + (size_t)n * sp->words * g->ohw;
    for (int fi = 0; fi < g->f; fi++) {
      const float *d = dy + ((size_t)n * g->f + fi) * g->ohw;
      uint32_t *mw = mask_n + (size_t)(fi / 32) * g->ohw;
      const __m512i bit = _mm512_set1_epi32((int)(1u << (fi % 32)));
      const __m512i base = _mm512_set1_epi32((int)((size_t)n * plane));
      sp->start[(size_t)n * g->f + fi] = n_e;
      for (int p = 0; p < g->ohw; p += LANES) {
        int left = g->ohw - p;
        __mmask16 in = lanes_up_to(left);
        __m512 v = _mm512_maskz_loadu_ps(in, d + p);
        __mmask16 nz = _mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_NEQ_OQ);
        if (nz == 0)
          continue;
        int cnt = __builtin_popcount(nz);
        __m512i po = _mm512_maskz_loadu_epi32(in, sp->pos + p);
        /* Compressed in registers and stored whole: a compressing store to memory is slow on
         * some processors. The lists have 16 entries of slack. */
        _mm512_storeu_si512(sp->off + n_e,
                            _mm512_maskz_compress_epi32(nz, _mm512_add_epi32(po, base)));
        _mm512_storeu_ps(sp->val + n_e, _mm512_maskz_compress_ps(nz, v));
        n_e += (size_t)cnt;
        __m512i mv = _mm512_maskz_loadu_epi32(in, mw + p);
        _mm512_mask_storeu_epi32(mw + p, in, _mm512_mask_or_epi32(mv, nz, mv, bit));
      }
    }
  }
  sp->start[(size_t)batch * g->f] = n_e;
}

/* dst[0..n) = base[idx[0..n)], 16 at a time. */
static void
gather_row(float *restrict dst, const float *base, const int *idx, int n)
{
  for (int j = 0; j < n; j += LANES) {
    __mmask16 m = lanes_up_to(n - j);
    __m512i vi = _mm512_loadu_si512(idx + j);
    __m512 v = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m, vi, base, 4);
    if (m == 0xffff)
      _mm512_storeu_ps(dst + j, v);
    else
      _mm512_mask_storeu_ps(dst + j, m, v);
  }
}

/* x: (batch, c, h, w) -> xh: (batch, hp, wp, c); the borders stay zero from the allocation. */
static void
sparse_to_channels_last(GbConvSparse *sp, const float *x, int batch)
{
  const GbConvGeom *g = &sp->g;
  size_t plane = (size_t)sp->hp * sp->wp * g->c, in = (size_t)g->c * g->h * g->w;
  for (int n = 0; n < batch; n++)
    for (int y = 0; y < g->h; y++)
      gather_row(sp->xh + n * plane + ((size_t)(y + g->pad) * sp->wp + g->pad) * g->c,
                 x + n * in + (size_t)y * g->w, sp->to_cl, g->w * g->c);
}

/* W: (f, c, k, k) -> wr: (f, slots, 16) in (ki, kj, ci) order, zero past each segment. */
static void
sparse_pack_weights(GbConvSparse *sp, const float *w)
{
  const GbConvGeom *g = &sp->g;
  memset(sp->wr, 0, (size_t)g->f * sp->slots * LANES * sizeof(float));
  for (int fi = 0; fi < g->f; fi++)
    for (int ci = 0; ci < g->c; ci++)
      for (int ki = 0; ki < g->k; ki++)
        for (int kj = 0; kj < g->k; kj++)
          sp->wr[((size_t)fi * sp->slots + (size_t)ki * sp->seg_slots) * LANES + kj * g->c + ci] =
              w[((size_t)(fi * g->c + ci) * g->k + ki) * g->k + kj];
}

/* dwr (slot layout) -> dW: (f, c, k, k) */
static void
sparse_unpack_weight_grad(const GbConvSparse *sp, float *dw)
{
  const GbConvGeom *g = &sp->g;
  for (int fi = 0; fi < g->f; fi++)
    for (int ci = 0; ci < g->c; ci++)
      for (int ki = 0; ki < g->k; ki++)
        for (int kj = 0; kj < g->k; kj++)
          dw[((size_t)(fi * g->c + ci) * g->k + ki) * g->k + kj] =
              sp->dwr[((size_t)fi * sp->slots + (size_t)ki * sp->seg_slots) * LANES + kj * g->c +
                      ci];
}

/* ---- the kernels ---- */

/* dwr[fi]'s slots of group @gr += the sum over the tile's entries of filter fi of g times the
 * window's slots; @n_slots is a constant in each instance, so that the accumulators stay in
 * registers. */
static ALWAYS_INLINE void
wgrad_group(const GbConvSparse *sp, const SlotGroup *gr, const int n_slots, int fi, int batch)
{
  __m512 acc[MAX_GROUP];
  int src[MAX_GROUP];
  float *out = sp->dwr + ((size_t)fi * sp->slots + gr->first) * LANES;
  UNROLL
  for (int j = 0; j < n_slots; j++) {
    acc[j] = _mm512_load_ps(out + (size_t)j * LANES);
    src[j] = gr->src[j];
  }
  for (int n = 0; n < batch; n++) {
    size_t e0 = sp->start[(size_t)n * sp->g.f + fi], e1 = sp->start[(size_t)n * sp->g.f + fi + 1];
    for (size_t e = e0; e < e1; e++) {
      const float *b = sp->xh + sp->off[e];
      __m512 gv = _mm512_set1_ps(sp->val[e]);
      UNROLL
      for (int j = 0; j < n_slots; j++)
        acc[j] = _mm512_fmadd_ps(gv, _mm512_loadu_ps(b + src[j]), acc[j]);
    }
  }
  UNROLL
  for (int j = 0; j < n_slots; j++)
    _mm512_store_ps(out + (size_t)j * LANES, acc[j]);
}

/* dxh at window @p += the sum over the filters set in @m (words of bits) of dy[fi][p] W[fi],
 * for the slots of group @gr. */
static ALWAYS_INLINE void
dgrad_group(const GbConvSparse *sp, const SlotGroup *gr, const int n_slots, const uint32_t *m,
            size_t mstride, const float *dyn, int p)
{
  __m512 acc[MAX_GROUP];
  UNROLL
  for (int j = 0; j < n_slots; j++)
    acc[j] = _mm512_setzero_ps();
  for (int wi = 0; wi < sp->words; wi++) {
    uint32_t bits = m[(size_t)wi * mstride];
    while (bits != 0) {
      int fi = wi * 32 + __builtin_ctz(bits);
      bits &= bits - 1;
      __m512 gv = _mm512_set1_ps(dyn[(size_t)fi * sp->g.ohw + p]);
      const float *w = sp->wr + ((size_t)fi * sp->slots + gr->first) * LANES;
      UNROLL
      for (int j = 0; j < n_slots; j++)
        acc[j] = _mm512_fmadd_ps(gv, _mm512_load_ps(w + (size_t)j * LANES), acc[j]);
    }
  }
  float *b = sp->dxh + sp->pos[p];
  UNROLL
  for (int j = 0; j < n_slots; j++) {
    float *q = b + gr->src[j];
    _mm512_storeu_ps(q, _mm512_add_ps(_mm512_loadu_ps(q), acc[j]));
  }
}

#define SLOT_CASES(X)                                                                              \
  X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13) X(14) X(15) X(16)

static void
wgrad(const GbConvSparse *sp, const SlotGroup *gr, int fi, int batch)
{
  switch (gr->n) {
#define WCASE(N)                                                                                   \
  case N: wgrad_group(sp, gr, N, fi, batch); break;
    SLOT_CASES(WCASE)
#undef WCASE
  default: break;
  }
}

static void
dgrad(const GbConvSparse *sp, const SlotGroup *gr, const uint32_t *m, size_t mstride,
      const float *dyn, int p)
{
  switch (gr->n) {
#define DCASE(N)                                                                                   \
  case N: dgrad_group(sp, gr, N, m, mstride, dyn, p); break;
    SLOT_CASES(DCASE)
#undef DCASE
  default: break;
  }
}

/* dx of sample n: (c, h, w) from dxh, cropped */
static void
sparse_from_channels_last(const GbConvSparse *sp, float *dxn)
{
  const GbConvGeom *g = &sp->g;
  for (int ci = 0; ci < g->c; ci++)
    gather_row(dxn + (size_t)ci * g->h * g->w, sp->dxh + ci, sp->from_cl, g->h * g->w);
}

/* The sum of v[0..n) in double. */
static double
sum_floats(const float *v, size_t n)
{
  __m512d a = _mm512_setzero_pd(), b = _mm512_setzero_pd();
  size_t i = 0;
  for (; i + LANES <= n; i += LANES) {
    a = _mm512_add_pd(a, _mm512_cvtps_pd(_mm256_loadu_ps(v + i)));
    b = _mm512_add_pd(b, _mm512_cvtps_pd(_mm256_loadu_ps(v + i + 8)));
  }
  double sum = _mm512_reduce_add_pd(_mm512_add_pd(a, b));
  for (; i < n; i++)
    sum += v[i];
  return sum;
}

/* One tile of samples: its entries, then dW and db added up, and its dx written. */
static void
sparse_backward_tile(GbConvSparse *sp, const float *x, const float *dy, float *dx, bool param_grads,
                     int batch)
{
  const GbConvGeom *g = &sp->g;
  sparse_collect(sp, dy, batch);
  if (param_grads) {
    sparse_to_channels_last(sp, x, batch);
    for (int fi = 0; fi < g->f; fi++) {
      for (int gi = 0; gi < sp->n_groups; gi++)
        wgrad(sp, &sp->groups[gi], fi, batch);
      for (int n = 0; n < batch; n++) {
        size_t e0 = sp->start[(size_t)n * g->f + fi], e1 = sp->start[(size_t)n * g->f + fi + 1];
        sp->db[fi] += sum_floats(sp->val + e0, e1 - e0);
      }
    }
  }
  if (dx != NULL) {
    size_t plane = (size_t)sp->hp * sp->wp * g->c, in = (size_t)g->c * g->h * g->w;
    for (int n = 0; n < batch; n++) {
      const uint32_t *mask_n = sp->mask + (size_t)n * sp->words * g->ohw;
      const float *dyn = dy + (size_t)n * g->f * g->ohw;
      memset(sp->dxh, 0, plane * sizeof(float));
      for (int p = 0; p < g->ohw; p++) {
        bool any = false;
        for (int wi = 0; wi < sp->words; wi++)
          any |= mask_n[(size_t)wi * g->ohw + p] != 0;
        if (!any)
          continue;
        for (int gi = 0; gi < sp->n_groups; gi++)
          dgrad(sp, &sp->groups[gi], mask_n + p, (size_t)g->ohw, dyn, p);
      }
      sparse_from_channels_last(sp, dx + n * in);
    }
  }
}

bool
gb_conv_sparse_backward(GbConvSparse *sp, const float *w, const float *x, const float *dy,
                        float *dx, float *dw, float *db, int batch)
{
  const GbConvGeom *g = &sp->g;
  size_t count = sparse_count(g, dy, batch);
  double limit = atomic_load(&max_density_override);
  if (limit < 0.0)
    limit = sp->max_density;
  if (count == SIZE_MAX || (double)count > limit * batch * g->f * g->ohw)
    return false;
  atomic_fetch_add(&n_uses, 1);
  if (dw != NULL) {
    memset(sp->dwr, 0, (size_t)g->f * sp->slots * LANES * sizeof(float));
    for (int fi = 0; fi < g->f; fi++)
      sp->db[fi] = 0.0;
  }
  if (dx != NULL)
    sparse_pack_weights(sp, w);
  size_t in = (size_t)g->c * g->h * g->w, out = (size_t)g->f * g->ohw;
  for (int n0 = 0; n0 < batch; n0 += sp->tile) {
    int nt = batch - n0 < sp->tile ? batch - n0 : sp->tile;
    sparse_backward_tile(sp, x + n0 * in, dy + n0 * out, dx != NULL ? dx + n0 * in : NULL,
                         dw != NULL, nt);
  }
  if (dw != NULL) {
    sparse_unpack_weight_grad(sp, dw);
    for (int fi = 0; fi < g->f; fi++)
      db[fi] = (float)sp->db[fi];
  }
  return true;
}

#else /* no AVX-512: the dense path does everything */

struct GbConvSparse {
  int unused;
};

bool
gb_conv_sparse_supported(const GbConvGeom *g, int max_batch)
{
  (void)g;
  (void)max_batch;
  return false;
}

GbConvSparse *
gb_conv_sparse_new(const GbConvGeom *g, int max_batch)
{
  (void)g;
  (void)max_batch;
  return NULL;
}

void
gb_conv_sparse_free(GbConvSparse *sp)
{
  (void)sp;
}

bool
gb_conv_sparse_backward(GbConvSparse *sp, const float *w, const float *x, const float *dy,
                        float *dx, float *dw, float *db, int batch)
{
  (void)sp;
  (void)w;
  (void)x;
  (void)dy;
  (void)dx;
  (void)dw;
  (void)db;
  (void)batch;
  return false;
}

#endif

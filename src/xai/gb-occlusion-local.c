/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Occlusion through a CNN's spatial prefix, recomputing per window only what it changes. */
#include "config.h"

#include "gb-occlusion-local.h"

#include <math.h>
#include <stdatomic.h>
#include <string.h>

#include "gb-affine-prefix.h"
#include "gb-alloc.h"
#include "gb-blas.h"

/* Most floats of one im2col matrix: several windows' columns go to one gemm, but the matrix
 * stays in L2 between its im2col and its gemm. */
#define LOCAL_COL_FLOATS ((size_t)1 << 16)
/* The local path runs when its estimated work is below this fraction of the other path's: the
 * estimate undercounts its copies against the engine's tuned kernels (on MNIST digits a LeNet
 * estimated at 0.4 ran in 0.8 of the time, the digits CNN at 0.17 in 0.4). */
#define LOCAL_MAX_SHARE 0.5

static bool local_forced;
static atomic_long local_uses;

long
gb_occlusion_local_uses(void)
{
  return atomic_load(&local_uses);
}

void
gb_occlusion_local_set_forced(bool on)
{
  local_forced = on;
}

/* One layer of the spatial prefix: input (c, h, w) -> output (f, oh, ow); output (oy, ox) reads
 * input rows oy s - pad + [0, k) and likewise columns (k = s = 1, pad = 0 for element-wise
 * layers), zeros outside the input. */
typedef struct {
  GbLayer *l;
  int c, h, w, f, oh, ow, k, s, pad;
  float *base;  /* (f, oh, ow): the layer's output for x */
  int max_area; /* largest output rectangle over the windows */
  int col_cap;  /* conv2d: columns of one im2col matrix */
} LocalLayer;

struct GbOcclusionLocal {
  GbModel *m;
  int n; /* spatial layers [0, n); layer n is the first the caller runs */
  LocalLayer *layers;
  const float *x, *xb;
  int c0, h0, w0;
  int batch;
  GbOccWindowFn window;
  const void *grid;
  GbOccRect *rects; /* (batch, n + 1): the changed rectangle of the input, then of each
                     * layer's output, for the batch's windows */
  /* Per batch: the changed values of one layer's output, (channels, columns), window j on
   * columns off[j] .. off[j + 1] as its rectangle row-major; ping-pong between layers. */
  float *buf[2];
  int *off[2];  /* (batch + 1) each */
  float *patch; /* (c, ph, pw): one window's receptive field in a conv or pool layer's input */
  float *col;   /* (c k k, col_cap): im2col of several windows' output rectangles */
  float *rows;  /* (batch, size of layer n - 1's output) */
  size_t row_len;
};

static bool
rect_empty(GbOccRect r)
{
  return r.y0 >= r.y1 || r.x0 >= r.x1;
}

static int
rect_area(GbOccRect r)
{
  return rect_empty(r) ? 0 : (r.y1 - r.y0) * (r.x1 - r.x0);
}

static bool
layer_is_spatial(const GbLayer *l)
{
  if (l->in_shape.ndim != 3 || l->out_shape.ndim != 3)
    return false;
  switch (l->kind) {
  case GB_LAYER_CONV2D:
  case GB_LAYER_MAXPOOL2D:
  case GB_LAYER_AVGPOOL2D:
  case GB_LAYER_RELU:
  case GB_LAYER_LEAKY_RELU:
  case GB_LAYER_TANH:
  case GB_LAYER_SIGMOID:
  case GB_LAYER_DROPOUT: return true;
  default: return false;
  }
}

static LocalLayer
layer_geom(GbLayer *l)
{
  LocalLayer L = {.l = l, .k = 1, .s = 1, .pad = 0};
  L.c = l->in_shape.dim[0], L.h = l->in_shape.dim[1], L.w = l->in_shape.dim[2];
  L.f = l->out_shape.dim[0], L.oh = l->out_shape.dim[1], L.ow = l->out_shape.dim[2];
  if (l->kind == GB_LAYER_CONV2D || l->kind == GB_LAYER_MAXPOOL2D ||
      l->kind == GB_LAYER_AVGPOOL2D) {
    L.k = l->cfg.kernel, L.s = l->cfg.stride;
    L.pad = l->kind == GB_LAYER_CONV2D ? l->cfg.pad : 0;
  }
  return L;
}

/* The outputs whose receptive field meets @r: oy s - pad <= r.y1 - 1 and
 * oy s - pad + k - 1 >= r.y0, within the output plane; likewise columns. */
static GbOccRect
rect_through(const LocalLayer *L, GbOccRect r)
{
  GbOccRect o = {0, 0, 0, 0};
  if (rect_empty(r))
    return o;
  int ly = r.y0 + L->pad - L->k + 1, lx = r.x0 + L->pad - L->k + 1;
  o.y0 = ly <= 0 ? 0 : (ly + L->s - 1) / L->s;
  o.x0 = lx <= 0 ? 0 : (lx + L->s - 1) / L->s;
  o.y1 = (r.y1 - 1 + L->pad) / L->s + 1;
  o.x1 = (r.x1 - 1 + L->pad) / L->s + 1;
  o.y1 = o.y1 < L->oh ? o.y1 : L->oh;
  o.x1 = o.x1 < L->ow ? o.x1 : L->ow;
  if (rect_empty(o))
    o = (GbOccRect){0, 0, 0, 0};
  return o;
}

/* The bounding box of the pixels of window @w (over every plane) that the baseline changes. */
static GbOccRect
window_changed(const GbOcclusionLocal *lo, GbOccRect w)
{
  GbOccRect r = {w.y1, w.y0, w.x1, w.x0};
  size_t plane = (size_t)lo->h0 * lo->w0;
  for (int p = 0; p < lo->c0; p++)
    for (int y = w.y0; y < w.y1; y++)
      for (int x = w.x0; x < w.x1; x++) {
        size_t i = p * plane + (size_t)y * lo->w0 + x;
        if (lo->xb[i] == lo->x[i])
          continue;
        r.y0 = y < r.y0 ? y : r.y0, r.y1 = y + 1 > r.y1 ? y + 1 : r.y1;
        r.x0 = x < r.x0 ? x : r.x0, r.x1 = x + 1 > r.x1 ? x + 1 : r.x1;
      }
  return rect_empty(r) ? (GbOccRect){0, 0, 0, 0} : r;
}

/* ---- Planning -------------------------------------------------------------------------------- */

/* Work per window in multiply-adds, roughly: a conv's outputs cost c k k each, plus its im2col
 * (c k k writes per output column), and every recomputed value a few more for the copies. */
static double
local_cost(const GbOcclusionLocal *lo, const GbOccRect *rr)
{
  double cost = 2.0 * lo->row_len;
  for (int i = 0; i < lo->n; i++) {
    const LocalLayer *L = &lo->layers[i];
    double area = rect_area(rr[i + 1]), ckk = (double)L->c * L->k * L->k;
    if (L->l->kind == GB_LAYER_CONV2D)
      cost += area * ckk * (L->f + 8.0);
    else if (L->l->kind != GB_LAYER_DROPOUT)
      cost += area * L->f * (double)L->k * L->k;
    cost += 8.0 * area * L->f;
  }
  return cost;
}

/* The same for a whole forward of the prefix, without layer 0 when @skip_first (the factored
 * path of gb-occlusion.c computes a conv2d first layer per pixel of the window). */
static double
full_cost(const GbOcclusionLocal *lo, bool skip_first)
{
  double cost = 0.0;
  for (int i = skip_first ? 1 : 0; i < lo->n; i++) {
    const LocalLayer *L = &lo->layers[i];
    double area = (double)L->oh * L->ow, ckk = (double)L->c * L->k * L->k;
    if (L->l->kind == GB_LAYER_CONV2D)
      cost += area * ckk * (L->f + 1.0);
    else if (L->l->kind != GB_LAYER_DROPOUT)
      cost += area * L->f * (double)L->k * L->k;
  }
  return cost;
}

/* Spatial layers [0, n) from the start of @m, at least one conv2d among them, and at least
 * one layer after them; 0 when there are none. */
static int
prefix_length(GbModel *m)
{
  int n = 0, convs = 0, total = gb_model_n_layers(m);
  while (n < total && layer_is_spatial(gb_model_get_layer(m, n)))
    convs += gb_model_get_layer(m, n++)->kind == GB_LAYER_CONV2D;
  return convs > 0 && n < total ? n : 0;
}

/* rr[0 .. n]: the changed rectangles of window @k: of the input, then of each layer's output. */
static void
window_rects(const GbOcclusionLocal *lo, int k, GbOccRect *rr)
{
  rr[0] = window_changed(lo, lo->window(lo->grid, k));
  for (int i = 0; i < lo->n; i++)
    rr[i + 1] = rect_through(&lo->layers[i], rr[i]);
}

/* Each layer's largest rectangle over the windows, and whether they save work. */
static bool
plan_rects(GbOcclusionLocal *lo, int n_windows)
{
  double cost = 0.0;
  for (int k = 0; k < n_windows; k++) {
    window_rects(lo, k, lo->rects);
    for (int i = 0; i < lo->n; i++) {
      int a = rect_area(lo->rects[i + 1]);
      lo->layers[i].max_area = a > lo->layers[i].max_area ? a : lo->layers[i].max_area;
    }
    cost += local_cost(lo, lo->rects);
  }
  GbAffinePrefix p;
  double other = full_cost(lo, gb_affine_prefix_find(lo->m, &p));
  return local_forced || cost / n_windows < LOCAL_MAX_SHARE * other;
}

/* Sizes and allocates the per-batch scratch once the rectangles are known. */
static GbStatus
plan_alloc(GbOcclusionLocal *lo, GbError *err)
{
  size_t buf = 0, patch = 0, col = 0;
  GbOccRect w = lo->window(lo->grid, 0); /* every window has the same size */
  buf = (size_t)lo->c0 * rect_area(w);
  for (int i = 0; i < lo->n; i++) {
    LocalLayer *L = &lo->layers[i];
    size_t a = (size_t)L->f * L->max_area;
    buf = a > buf ? a : buf;
    size_t ph = (size_t)(L->oh - 1) * L->s + L->k, pw = (size_t)(L->ow - 1) * L->s + L->k;
    patch = L->c * ph * pw > patch ? L->c * ph * pw : patch;
    if (L->l->kind != GB_LAYER_CONV2D || L->max_area == 0)
      continue;
    size_t ckk = (size_t)L->c * L->k * L->k, cap = LOCAL_COL_FLOATS / ckk;
    size_t most = (size_t)lo->batch * L->max_area;
    cap = cap < most ? cap : most;
    cap = cap > (size_t)L->max_area ? cap : (size_t)L->max_area;
    L->col_cap = (int)cap;
    col = ckk * cap > col ? ckk * cap : col;
  }
  for (int k = 0; k < 2; k++) {
    lo->buf[k] = gb_alloc_floats(buf * lo->batch + 1);
    lo->off[k] = gb_calloc((size_t)lo->batch + 1, sizeof(int));
  }
  lo->patch = gb_alloc_floats(patch);
  lo->col = gb_alloc_floats(col + 1);
  lo->rows = gb_alloc_floats(lo->row_len * lo->batch);
  if (lo->buf[0] == NULL || lo->buf[1] == NULL || lo->off[0] == NULL || lo->off[1] == NULL ||
      lo->patch == NULL || lo->col == NULL || lo->rows == NULL)
    return gb_error_set(err, GB_ERR_NOMEM, "occlusion: scratch for %d windows of %d layers",
                        lo->batch, lo->n);
  return GB_OK;
}

/* The activations of x in every spatial layer: one forward of the prefix. */
static GbStatus
plan_bases(GbOcclusionLocal *lo, GbError *err)
{
  for (int i = 0; i < lo->n; i++) {
    LocalLayer *L = &lo->layers[i];
    if ((L->base = gb_alloc_floats((size_t)L->f * L->oh * L->ow)) == NULL)
      return gb_error_set(err, GB_ERR_NOMEM, "occlusion: activations of layer %s", L->l->name);
  }
  GbStatus st = gb_model_forward_range(lo->m, 0, lo->n, lo->x, 1, false, NULL, err);
  for (int i = 0; st == GB_OK && i < lo->n; i++) {
    LocalLayer *L = &lo->layers[i];
    memcpy(L->base, gb_model_layer_output(lo->m, i), (size_t)L->f * L->oh * L->ow * sizeof(float));
  }
  return st;
}

GbStatus
gb_occlusion_local_new(GbModel *m, const float *x, const float *xb, GbOccWindowFn window,
                       const void *grid, int n_windows, int batch, GbOcclusionLocal **out,
                       GbError *err)
{
  *out = NULL;
  int n = prefix_length(m);
  if (n == 0 || n_windows < 1 || !gb_affine_prefix_get_enabled())
    return GB_OK;
  GbOcclusionLocal *lo = gb_calloc(1, sizeof *lo);
  if (lo != NULL) {
    lo->layers = gb_calloc((size_t)n, sizeof *lo->layers);
    lo->rects = gb_calloc((size_t)batch * (n + 1), sizeof *lo->rects);
  }
  if (lo == NULL || lo->layers == NULL || lo->rects == NULL) {
    gb_occlusion_local_free(lo);
    return gb_error_set(err, GB_ERR_NOMEM, "occlusion: plan of %d windows", n_windows);
  }
  const GbShape *in = gb_model_input_shape(m);
  lo->m = m, lo->n = n, lo->x = x, lo->xb = xb, lo->batch = batch;
  lo->window = window, lo->grid = grid;
  lo->c0 = in->dim[0], lo->h0 = in->dim[1], lo->w0 = in->dim[2];
  for (int i = 0; i < n; i++)
    lo->layers[i] = layer_geom(gb_model_get_layer(m, i));
  lo->row_len = gb_layer_out_size(lo->layers[n - 1].l);
  if (!plan_rects(lo, n_windows)) {
    gb_occlusion_local_free(lo);
    return GB_OK;
  }
  GbStatus st = plan_alloc(lo, err);
  if (st == GB_OK)
    st = plan_bases(lo, err);
  if (st != GB_OK) {
    gb_occlusion_local_free(lo);
    return st;
  }
  gb_affine_prefix_note_use();
  atomic_fetch_add(&local_uses, 1);
  *out = lo;
  return GB_OK;
}

void
gb_occlusion_local_free(GbOcclusionLocal *lo)
{
  if (lo == NULL)
    return;
  for (int i = 0; lo->layers != NULL && i < lo->n; i++)
    gb_free(lo->layers[i].base);
  for (int k = 0; k < 2; k++) {
    gb_free(lo->buf[k]);
    gb_free(lo->off[k]);
  }
  gb_free(lo->layers);
  gb_free(lo->rects);
  gb_free(lo->patch);
  gb_free(lo->col);
  gb_free(lo->rows);
  gb_free(lo);
}

/* ---- Per batch ---------------------------------------------------------------------------------
 */

/* The batch's window j, its rectangle at index i (0: the input, i + 1: layer i's output). */
static GbOccRect
batch_rect(const GbOcclusionLocal *lo, int j, int i)
{
  return lo->rects[(size_t)j * (lo->n + 1) + i];
}

/* off[0..nb]: where each window's rectangle @i starts in a (channels, off[nb]) buffer. */
static void
batch_offsets(const GbOcclusionLocal *lo, int nb, int i, int *off)
{
  off[0] = 0;
  for (int j = 0; j < nb; j++)
    off[j + 1] = off[j] + rect_area(batch_rect(lo, j, i));
}

/* The input's changed values: the baseline on each window's rectangle. */
static void
batch_input(const GbOcclusionLocal *lo, int nb, const int *off, float *buf)
{
  size_t tot = off[nb], plane = (size_t)lo->h0 * lo->w0;
  for (int j = 0; j < nb; j++) {
    GbOccRect r = batch_rect(lo, j, 0);
    int rw = r.x1 - r.x0;
    for (int c = 0; c < lo->c0; c++)
      for (int y = r.y0; y < r.y1; y++)
        memcpy(buf + c * tot + off[j] + (size_t)(y - r.y0) * rw,
               lo->xb + c * plane + (size_t)y * lo->w0 + r.x0, rw * sizeof(float));
  }
}

/* Element-wise layers in place on buf (n values), as the engine's kernels compute them. */
static void
layer_elementwise(const LocalLayer *L, float *v, size_t n)
{
  float a = L->l->cfg.alpha;
  switch (L->l->kind) {
  case GB_LAYER_RELU:
    for (size_t i = 0; i < n; i++)
      v[i] = v[i] > 0.0f ? v[i] : 0.0f;
    break;
  case GB_LAYER_LEAKY_RELU:
    for (size_t i = 0; i < n; i++)
      v[i] = v[i] > 0.0f ? v[i] : a * v[i];
    break;
  case GB_LAYER_SIGMOID:
    for (size_t i = 0; i < n; i++)
      v[i] = 1.0f / (1.0f + expf(-v[i]));
    break;
  case GB_LAYER_TANH:
    for (size_t i = 0; i < n; i++)
      v[i] = tanhf(v[i]);
    break;
  default: /* dropout: the identity in inference */ break;
  }
}

/* The patch (c, ph, pw) of layer L's input that output rectangle o reads: input rows
 * o.y0 s - pad + [0, ph), columns o.x0 s - pad + [0, pw); zeros in the padding, x's
 * activations @base (c, h, w) elsewhere, but the window's changed rectangle r from @reg
 * (channel c at reg + c tot, r row-major). */
static void
patch_gather(const LocalLayer *L, const float *base, GbOccRect o, GbOccRect r, const float *reg,
             size_t tot, float *patch, int *ph_out, int *pw_out)
{
  int py0 = o.y0 * L->s - L->pad, px0 = o.x0 * L->s - L->pad;
  int ph = (o.y1 - o.y0 - 1) * L->s + L->k, pw = (o.x1 - o.x0 - 1) * L->s + L->k;
  int xl = px0 < 0 ? -px0 : 0, xr = px0 + pw > L->w ? L->w - px0 : pw; /* [xl, xr) inside */
  for (int c = 0; c < L->c; c++)
    for (int a = 0; a < ph; a++) {
      float *dst = patch + ((size_t)c * ph + a) * pw;
      int y = py0 + a;
      if (y < 0 || y >= L->h) {
        memset(dst, 0, pw * sizeof *dst);
        continue;
      }
      memset(dst, 0, xl * sizeof *dst);
      memcpy(dst + xl, base + ((size_t)c * L->h + y) * L->w + px0 + xl, (xr - xl) * sizeof *dst);
      memset(dst + xr, 0, (pw - xr) * sizeof *dst);
    }
  int y0 = r.y0 > py0 ? r.y0 : py0, y1 = r.y1 < py0 + ph ? r.y1 : py0 + ph;
  int x0 = r.x0 > px0 ? r.x0 : px0, x1 = r.x1 < px0 + pw ? r.x1 : px0 + pw;
  int rw = r.x1 - r.x0;
  for (int c = 0; x0 < x1 && c < L->c; c++)
    for (int y = y0; y < y1; y++)
      memcpy(patch + ((size_t)c * ph + y - py0) * pw + x0 - px0,
             reg + c * tot + (size_t)(y - r.y0) * rw + x0 - r.x0, (x1 - x0) * sizeof *patch);
  *ph_out = ph;
  *pw_out = pw;
}

/* col[:, col0 + (a, b)] (c k k rows, ld apart) = the patch's taps of output (o.y0 + a, o.x0 + b).
 */
static void
patch_im2col(const LocalLayer *L, const float *patch, int ph, int pw, GbOccRect o, float *col,
             int ld, int col0)
{
  int rh = o.y1 - o.y0, rw = o.x1 - o.x0, k = L->k, s = L->s;
  for (int c = 0; c < L->c; c++)
    for (int ki = 0; ki < k; ki++)
      for (int kj = 0; kj < k; kj++) {
        float *dst = col + (size_t)((c * k + ki) * k + kj) * ld + col0;
        for (int a = 0; a < rh; a++) {
          const float *src = patch + ((size_t)c * ph + a * s + ki) * pw + kj;
          float *d = dst + a * rw;
          /* Rows are short (8 floats in the digits CNN): a loop beats memcpy's call. */
          if (s == 1)
            for (int b = 0; b < rw; b++)
              d[b] = src[b];
          else
            for (int b = 0; b < rw; b++)
              d[b] = src[b * s];
        }
      }
}

/* out[:, c0 .. c0 + cols) (f rows, tot apart) = W (f, c k k) col (c k k, cols) + b. */
static void
conv_gemm(const LocalLayer *L, const float *col, int ld, int cols, float *out, size_t tot)
{
  const float *w = L->l->p[0], *bias = L->l->p[1];
  int ckk = L->c * L->k * L->k;
  for (int f = 0; f < L->f; f++)
    for (int j = 0; j < cols; j++)
      out[f * tot + j] = bias[f];
  gb_sgemm(false, false, L->f, cols, ckk, 1.0f, w, ckk, col, ld, 1.0f, out, (int)tot);
}

/* Conv2d over the batch's rectangles: in (c, off_in[nb]) -> out (f, off_out[nb]). Windows go
 * to the gemm a few at a time, as many as col holds. */
static void
layer_conv(GbOcclusionLocal *lo, int i, const float *base_in, int nb, const float *in,
           const int *off_in, float *out, const int *off_out)
{
  const LocalLayer *L = &lo->layers[i];
  size_t tot_in = off_in[nb], tot_out = off_out[nb];
  int j0 = 0, cols = 0;
  for (int j = 0; j < nb; j++) {
    GbOccRect o = batch_rect(lo, j, i + 1);
    int area = rect_area(o);
    if (area == 0)
      continue;
    if (cols + area > L->col_cap) {
      conv_gemm(L, lo->col, L->col_cap, cols, out + off_out[j0], tot_out);
      cols = 0;
    }
    if (cols == 0)
      j0 = j;
    int ph, pw;
    patch_gather(L, base_in, o, batch_rect(lo, j, i), in + off_in[j], tot_in, lo->patch, &ph, &pw);
    patch_im2col(L, lo->patch, ph, pw, o, lo->col, L->col_cap, cols);
    cols += area;
  }
  if (cols > 0)
    conv_gemm(L, lo->col, L->col_cap, cols, out + off_out[j0], tot_out);
}

/* Output (a, b) of a pool over the patch: first maximum in row-major order (a NaN wins, as in
 * the engine), or the mean summed in the engine's order. */
static float
pool_window(const LocalLayer *L, const float *p, int pw)
{
  if (L->l->kind == GB_LAYER_AVGPOOL2D) {
    float acc = 0.0f;
    for (int ki = 0; ki < L->k; ki++)
      for (int kj = 0; kj < L->k; kj++)
        acc += p[ki * pw + kj];
    return acc / (float)(L->k * L->k);
  }
  float m = p[0];
  bool nan = false;
  for (int ki = 0; ki < L->k; ki++)
    for (int kj = 0; kj < L->k; kj++) {
      float v = p[ki * pw + kj];
      m = v > m ? v : m;
      nan |= v != v;
    }
  return nan ? NAN : m;
}

static void
layer_pool(GbOcclusionLocal *lo, int i, const float *base_in, int nb, const float *in,
           const int *off_in, float *out, const int *off_out)
{
  const LocalLayer *L = &lo->layers[i];
  size_t tot_in = off_in[nb], tot_out = off_out[nb];
  for (int j = 0; j < nb; j++) {
    GbOccRect o = batch_rect(lo, j, i + 1);
    if (rect_empty(o))
      continue;
    int ph, pw, rh = o.y1 - o.y0, rw = o.x1 - o.x0;
    patch_gather(L, base_in, o, batch_rect(lo, j, i), in + off_in[j], tot_in, lo->patch, &ph, &pw);
    for (int c = 0; c < L->c; c++)
      for (int a = 0; a < rh; a++)
        for (int b = 0; b < rw; b++)
          out[c * tot_out + off_out[j] + a * rw + b] =
              pool_window(L, lo->patch + ((size_t)c * ph + a * L->s) * pw + b * L->s, pw);
  }
}

/* rows[j] = the last layer's output for x with window j's rectangle from buf. */
static void
batch_rows(GbOcclusionLocal *lo, int nb, const float *buf, const int *off)
{
  const LocalLayer *L = &lo->layers[lo->n - 1];
  size_t tot = off[nb], plane = (size_t)L->oh * L->ow;
  for (int j = 0; j < nb; j++) {
    float *row = lo->rows + j * lo->row_len;
    memcpy(row, L->base, lo->row_len * sizeof *row);
    GbOccRect r = batch_rect(lo, j, lo->n);
    int rw = r.x1 - r.x0;
    for (int c = 0; !rect_empty(r) && c < L->f; c++)
      for (int y = r.y0; y < r.y1; y++)
        memcpy(row + c * plane + (size_t)y * L->ow + r.x0,
               buf + c * tot + off[j] + (size_t)(y - r.y0) * rw, rw * sizeof *row);
  }
}

GbStatus
gb_occlusion_local_rows(GbOcclusionLocal *lo, int first, int nb, const float **rows, int *from,
                        GbError *err)
{
  if (nb < 1 || nb > lo->batch)
    return gb_error_set(err, GB_ERR_INVALID, "occlusion: batch of %d windows, at most %d", nb,
                        lo->batch);
  for (int j = 0; j < nb; j++)
    window_rects(lo, first + j, lo->rects + (size_t)j * (lo->n + 1));
  int cur = 0;
  batch_offsets(lo, nb, 0, lo->off[cur]);
  batch_input(lo, nb, lo->off[cur], lo->buf[cur]);
  for (int i = 0; i < lo->n; i++) {
    const LocalLayer *L = &lo->layers[i];
    const float *base_in = i == 0 ? lo->x : lo->layers[i - 1].base;
    const int *off_in = lo->off[cur];
    GbLayerKind kind = L->l->kind;
    if (kind != GB_LAYER_CONV2D && kind != GB_LAYER_MAXPOOL2D && kind != GB_LAYER_AVGPOOL2D) {
      layer_elementwise(L, lo->buf[cur], (size_t)L->f * off_in[nb]);
      continue;
    }
    batch_offsets(lo, nb, i + 1, lo->off[!cur]);
    if (kind == GB_LAYER_CONV2D)
      layer_conv(lo, i, base_in, nb, lo->buf[cur], off_in, lo->buf[!cur], lo->off[!cur]);
    else
      layer_pool(lo, i, base_in, nb, lo->buf[cur], off_in, lo->buf[!cur], lo->off[!cur]);
    cur = !cur;
  }
  batch_rows(lo, nb, lo->buf[cur], lo->off[cur]);
  *rows = lo->rows;
  *from = lo->n;
  return GB_OK;
}

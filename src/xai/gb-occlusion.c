/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Occlusion: slide a window over the input, replace it by the baseline, watch the target. */
#include "config.h"

#include "gb-perturb.h"

#include <string.h>

#include "gb-affine-prefix.h"
#include "gb-alloc.h"
#include "gb-occlusion-local.h"
#include "gb-perturb-private.h"

void
gb_occlusion_config_init(GbOcclusionConfig *cfg)
{
  memset(cfg, 0, sizeof *cfg);
  cfg->window_rows = cfg->window_cols = 4;
  cfg->stride_rows = cfg->stride_cols = 2;
  gb_baseline_init(&cfg->baseline);
  cfg->batch = GB_PERTURB_DEFAULT_BATCH;
}

/* Window starts along an axis of @len: 0, stride, ... and one flush with the far edge. */
typedef struct {
  int len, window, stride, count;
} GbAxis;

static void
axis_init(GbAxis *a, int len, int window, int stride)
{
  a->len = len;
  a->window = window < 1 || window > len ? len : window;
  a->stride = stride;
  int last = len - a->window;
  a->count = last / stride + 1 + (last % stride != 0);
}

static int
axis_start(const GbAxis *a, int k)
{
  int p = k * a->stride;
  return p > a->len - a->window ? a->len - a->window : p;
}

typedef struct {
  int planes;
  GbAxis rows, cols;
} GbOcclusionGrid;

static GbStatus
occlusion_grid(const GbShape *s, const GbOcclusionConfig *cfg, GbOcclusionGrid *g, GbError *err)
{
  if (cfg->window_rows < 1 || cfg->stride_rows < 1 ||
      (s->ndim > 1 && (cfg->window_cols < 0 || cfg->stride_cols < 1)))
    return gb_error_set(err, GB_ERR_INVALID, "occlusion window %d x %d with stride %d x %d: "
                        "sizes and strides must be positive", cfg->window_rows, cfg->window_cols,
                        cfg->stride_rows, cfg->stride_cols);
  int planes = 1, rows = 1, cols = 1, wc = cfg->window_cols;
  if (s->ndim == 3) {
    planes = s->dim[0], rows = s->dim[1], cols = s->dim[2];
  } else if (s->ndim == 2) {
    rows = s->dim[0], cols = s->dim[1];
  } else if (s->ndim == 1) {
    rows = s->dim[0], wc = 1;
  } else {
    return gb_error_set(err, GB_ERR_SHAPE, "occlusion needs a 1-, 2- or 3-d input");
  }
  g->planes = planes;
  axis_init(&g->rows, rows, cfg->window_rows, cfg->stride_rows);
  axis_init(&g->cols, cols, wc, s->ndim == 1 ? 1 : cfg->stride_cols);
  return GB_OK;
}

/* Applies window @k (row-major over the starts) to @row, a copy of x, from @xb; with @acc
 * (and @count) adds @delta to the covered features instead. */
static void
window_apply(const GbOcclusionGrid *g, int k, float *row, const float *xb, double *acc,
             int *count, double delta)
{
  int r0 = axis_start(&g->rows, k / g->cols.count), c0 = axis_start(&g->cols, k % g->cols.count);
  size_t plane = (size_t)g->rows.len * g->cols.len;
  for (int p = 0; p < g->planes; p++)
    for (int r = r0; r < r0 + g->rows.window; r++)
      for (int c = c0; c < c0 + g->cols.window; c++) {
        size_t i = p * plane + (size_t)r * g->cols.len + c;
        if (acc != NULL) {
          acc[i] += delta;
          count[i]++;
        } else {
          row[i] = xb[i];
        }
      }
}

/* f(x) and f(baseline) in one batch (or two when the batch holds one input). */
static GbStatus
occlusion_endpoints(GbGradBatch *g, const float *x, const float *xb, GbAttribution *out,
                    GbError *err)
{
  const float *in[2] = {x, xb};
  double f[2];
  for (int k = 0; k < 2; k++) {
    memcpy(g->xb, in[k], g->n_in * sizeof *x);
    GbStatus st = gb_grad_batch_values(g, 1, err);
    if (st != GB_OK)
      return st;
    f[k] = g->f[0];
  }
  out->f_x = f[0];
  out->f_baseline = f[1];
  return GB_OK;
}

/* ---- The factored path for an affine first layer a (gb-affine-prefix.h): the occluded input
 * gives layer a the output L(x) + J(x' - x on the window). Dense: sum over the window of
 * (x'_i - x_i) W[:, i], |window| h multiply-adds instead of n_in h (the columns of W are copied
 * into rows, wt, once). conv2d: only the outputs whose receptive field meets the window change,
 * |window| filters k^2 multiply-adds instead of filters out_size c k^2. */

typedef struct {
  GbAffinePrefix p;
  float *lx; /* (h): L(x) */
  float *wt; /* (n_in, h): W transposed */
  float *z;  /* (batch, h): layer a's outputs of the occluded inputs */
} GbOcclusionFactor;

static void
factor_clear(GbOcclusionFactor *fa)
{
  gb_free(fa->lx);
  gb_free(fa->wt);
  gb_free(fa->z);
  memset(fa, 0, sizeof *fa);
}

/* wt[i] = W[:, i] for the features the baseline changes (the others add nothing), in blocks
 * of 16 units so that each write fills a cache line: a plain strided transpose took most of
 * the method's time on the digits MLP. */
static void
factor_transpose(GbOcclusionFactor *fa, const float *x, const float *xb)
{
  size_t n = fa->p.n_in, h = fa->p.h;
  const float *w = gb_affine_prefix_dense_weight(&fa->p);
  for (size_t j0 = 0; j0 < h; j0 += 16) {
    size_t j1 = j0 + 16 < h ? j0 + 16 : h;
    for (size_t i = 0; i < n; i++) {
      if (xb[i] == x[i])
        continue;
      float *dst = fa->wt + i * h;
      for (size_t j = j0; j < j1; j++) dst[j] = w[j * n + i];
    }
  }
}

/* Readies @fa (fa->z set) when the model starts with an affine layer whose tables fit the
 * memory bound; otherwise leaves fa->z NULL: the plain path. */
static GbStatus
factor_init(GbOcclusionFactor *fa, GbModel *m, const float *x, const float *xb, int batch,
            GbError *err)
{
  memset(fa, 0, sizeof *fa);
  if (!gb_affine_prefix_find(m, &fa->p))
    return GB_OK;
  bool dense = fa->p.kind == GB_LAYER_DENSE;
  size_t n = fa->p.n_in, h = fa->p.h, n_wt = dense ? n * h : 0;
  if ((n_wt + (batch + 1) * h) * sizeof(float) > GB_PERTURB_FACTOR_MAX_BYTES)
    return GB_OK;
  fa->lx = gb_alloc_floats(h);
  fa->wt = dense ? gb_alloc_floats(n_wt) : NULL;
  fa->z = gb_alloc_floats((size_t)batch * h);
  if (fa->lx == NULL || (dense && fa->wt == NULL) || fa->z == NULL) {
    factor_clear(fa);
    return gb_error_set(err, GB_ERR_NOMEM, "occlusion: first layer tables of %zu x %zu", n, h);
  }
  if (dense)
    factor_transpose(fa, x, xb);
  GbStatus st = gb_affine_prefix_apply(&fa->p, x, 1, fa->lx, err);
  if (st != GB_OK)
    factor_clear(fa);
  else
    gb_affine_prefix_note_use();
  return st;
}

/* Dense: adds d W[:, i] to z (h). */
static void
factor_dense_pixel(const GbOcclusionFactor *fa, size_t i, float d, float *z)
{
  const float *col = fa->wt + i * fa->p.h;
  for (size_t j = 0; j < fa->p.h; j++) z[j] += d * col[j];
}

/* conv2d: adds d times input pixel (c, iy, ix)'s weights to the outputs whose receptive field
 * holds it: output (f, oy, ox) with oy s - pad + ki = iy, ox s - pad + kj = ix. z: (F, OH, OW),
 * weights (F, C, k, k). */
static void
factor_conv_pixel(const GbOcclusionFactor *fa, int c, int iy, int ix, float d, float *z)
{
  const GbLayer *l = gb_model_get_layer(fa->p.model, fa->p.layer);
  int nf = l->cfg.units, k = l->cfg.kernel, st = l->cfg.stride, pad = l->cfg.pad;
  int nc = l->in_shape.dim[0], oh = l->out_shape.dim[1], ow = l->out_shape.dim[2];
  const float *w = l->p[0];
  for (int ki = 0; ki < k; ki++) {
    int ty = iy + pad - ki;
    if (ty < 0 || ty % st != 0 || ty / st >= oh)
      continue;
    for (int kj = 0; kj < k; kj++) {
      int tx = ix + pad - kj;
      if (tx < 0 || tx % st != 0 || tx / st >= ow)
        continue;
      size_t o = (size_t)(ty / st) * ow + (size_t)(tx / st);
      for (int f = 0; f < nf; f++)
        z[(size_t)f * oh * ow + o] += d * w[(((size_t)f * nc + c) * k + ki) * k + kj];
    }
  }
}

/* Layer a's output for window @k: L(x) plus the window's change through the layer's linear
 * part, pixel by pixel (pixels the baseline leaves as they are add nothing). */
static void
factor_window(const GbOcclusionFactor *fa, const GbOcclusionGrid *g, int k, const float *x,
              const float *xb, float *z)
{
  size_t plane = (size_t)g->rows.len * g->cols.len;
  int r0 = axis_start(&g->rows, k / g->cols.count), c0 = axis_start(&g->cols, k % g->cols.count);
  memcpy(z, fa->lx, fa->p.h * sizeof *z);
  for (int p = 0; p < g->planes; p++)
    for (int r = r0; r < r0 + g->rows.window; r++)
      for (int c = c0; c < c0 + g->cols.window; c++) {
        size_t i = p * plane + (size_t)r * g->cols.len + c;
        float d = xb[i] - x[i];
        if (d == 0.0f)
          continue;
        if (fa->p.kind == GB_LAYER_DENSE)
          factor_dense_pixel(fa, i, d, z);
        else
          factor_conv_pixel(fa, p, r, c, d, z);
      }
}

/* One batch of windows from @first -> g->f: through the local path (gb-occlusion-local.h)
 * when @lo, else the factored first layer when fa->z, else whole forwards. */
static GbStatus
occlusion_batch(GbGradBatch *g, GbOcclusionLocal *lo, const GbOcclusionFactor *fa,
                const GbOcclusionGrid *grid, int first, int nb, const float *x, const float *xb,
                GbError *err)
{
  size_t n = g->n_in;
  if (lo != NULL) {
    const float *rows;
    int from;
    GbStatus st = gb_occlusion_local_rows(lo, first, nb, &rows, &from, err);
    return st != GB_OK ? st : gb_grad_batch_values_from(g, from, rows, nb, err);
  }
  if (fa->z != NULL) {
    for (int r = 0; r < nb; r++) factor_window(fa, grid, first + r, x, xb, fa->z + r * fa->p.h);
    return gb_grad_batch_values_from(g, fa->p.layer + 1, fa->z, nb, err);
  }
  for (int r = 0; r < nb; r++) {
    memcpy(g->xb + (size_t)r * n, x, n * sizeof *x);
    window_apply(grid, first + r, g->xb + (size_t)r * n, xb, NULL, NULL, 0.0);
  }
  return gb_grad_batch_values(g, nb, err);
}

/* Window @k of the grid as the rectangle of the (h, w) plane it covers (every channel). */
static GbOccRect
occlusion_window(const void *grid, int k)
{
  const GbOcclusionGrid *g = grid;
  GbOccRect w;
  w.y0 = axis_start(&g->rows, k / g->cols.count);
  w.x0 = axis_start(&g->cols, k % g->cols.count);
  w.y1 = w.y0 + g->rows.window;
  w.x1 = w.x0 + g->cols.window;
  return w;
}

/* The local path for a (c, h, w) input when it saves work; *lo NULL otherwise. */
static GbStatus
occlusion_local(GbGradBatch *g, const GbOcclusionGrid *grid, const float *x, const float *xb,
                GbOcclusionLocal **lo, GbError *err)
{
  *lo = NULL;
  if (gb_model_input_shape(g->model)->ndim != 3)
    return GB_OK;
  int total = grid->rows.count * grid->cols.count;
  return gb_occlusion_local_new(g->model, x, xb, occlusion_window, grid, total, g->batch, lo, err);
}

static GbStatus
occlusion_run(GbGradBatch *g, const GbOcclusionGrid *grid, const float *x, const float *xb,
              GbAttribution *out, double *acc, int *count, GbProgressFn progress, void *user,
              GbError *err)
{
  int total = grid->rows.count * grid->cols.count, done = 0;
  size_t n = g->n_in;
  GbOcclusionFactor fa = {0};
  GbOcclusionLocal *lo = NULL;
  GbStatus st = occlusion_endpoints(g, x, xb, out, err);
  if (st == GB_OK)
    st = occlusion_local(g, grid, x, xb, &lo, err);
  if (st == GB_OK && lo == NULL)
    st = factor_init(&fa, g->model, x, xb, g->batch, err);
  while (st == GB_OK && done < total) {
    int nb = total - done < g->batch ? total - done : g->batch;
    if ((st = occlusion_batch(g, lo, &fa, grid, done, nb, x, xb, err)) != GB_OK)
      break;
    for (int r = 0; r < nb; r++)
      window_apply(grid, done + r, NULL, NULL, acc, count, out->f_x - g->f[r]);
    done += nb;
    st = gb_perturb_report(progress, user, (double)done / total, "occlusion", err);
  }
  for (size_t i = 0; st == GB_OK && i < n; i++)
    out->values[i] = count[i] > 0 ? (float)(acc[i] / count[i]) : 0.0f;
  out->n_evaluations = total;
  factor_clear(&fa);
  gb_occlusion_local_free(lo);
  return st;
}

GbStatus
gb_attribution_occlusion(GbModel *m, const float *x, size_t n_x, const GbTarget *t,
                         const GbOcclusionConfig *cfg, GbAttribution *out,
                         GbProgressFn progress, void *user, GbError *err)
{
  memset(out, 0, sizeof *out);
  GbOcclusionGrid grid = {0};
  GbStatus st = gb_attribution_check(m, x, n_x, t, err);
  if (st == GB_OK)
    st = occlusion_grid(gb_model_input_shape(m), cfg, &grid, err);
  if (st != GB_OK)
    return st;
  float *xb = gb_alloc_floats(n_x);
  double *acc = gb_calloc(n_x, sizeof *acc);
  int *count = gb_calloc(n_x, sizeof *count);
  GbGradBatch g = {0};
  if (xb == NULL || acc == NULL || count == NULL)
    st = gb_error_set(err, GB_ERR_NOMEM, "occlusion of %zu inputs", n_x);
  if (st == GB_OK)
    st = gb_baseline_make(&cfg->baseline, gb_model_input_shape(m), x, n_x, xb, err);
  int total = grid.rows.count * grid.cols.count;
  int batch = cfg->batch > 0 ? cfg->batch : GB_PERTURB_DEFAULT_BATCH;
  if (st == GB_OK)
    st = gb_grad_batch_init(&g, m, t, batch < total ? batch : total, err);
  if (st == GB_OK)
    st = gb_attribution_alloc(out, gb_model_input_shape(m), err);
  if (st == GB_OK)
    st = occlusion_run(&g, &grid, x, xb, out, acc, count, progress, user, err);
  if (st != GB_OK)
    gb_attribution_clear(out);
  gb_grad_batch_clear(&g);
  gb_free(xb);
  gb_free(acc);
  gb_free(count);
  return st;
}

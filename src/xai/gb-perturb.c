/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the perturbation methods share: evaluating coalitions of segments in batches. */
#include "config.h"

#include "gb-perturb-private.h"

#include <math.h>
#include <string.h>

#include "gb-alloc.h"
#include "gb-blas.h"

GbStatus
gb_perturb_report(GbProgressFn progress, void *user, double fraction, const char *stage,
                  GbError *err)
{
  if (progress != NULL && !progress(user, fraction, stage))
    return gb_error_set(err, GB_ERR_CANCELLED, "%s cancelled", stage);
  return GB_OK;
}

GbStatus
gb_perturb_check(GbModel *m, const float *x, size_t n_x, const GbTarget *t,
                 const GbSegments *seg, GbError *err)
{
  GbStatus st = gb_attribution_check(m, x, n_x, t, err);
  if (st != GB_OK)
    return st;
  if (seg == NULL || seg->ids == NULL || seg->n != n_x || seg->n_segments < 1)
    return gb_error_set(err, GB_ERR_SHAPE, "segments cover %zu features, the input has %zu",
                        seg && seg->ids ? seg->n : 0, n_x);
  return GB_OK;
}

GbStatus
gb_perturb_background(GbModel *m, const float *x, size_t n_x, const GbBaseline *baseline,
                      const float *background, int n_background, float **owned,
                      const float **rows, int *n_rows, GbError *err)
{
  *owned = NULL;
  *rows = background;
  *n_rows = n_background;
  if (background != NULL) {
    if (n_background < 1)
      return gb_error_set(err, GB_ERR_INVALID, "background of %d rows", n_background);
    long bad = gb_floats_find_nonfinite(background, (size_t)n_background * n_x);
    if (bad >= 0)
      return gb_error_set(err, GB_ERR_NUMERIC, "background row %ld, value %ld is not finite",
                          bad / (long)n_x, bad % (long)n_x);
    return GB_OK;
  }
  if ((*owned = gb_alloc_floats(n_x)) == NULL)
    return gb_error_set(err, GB_ERR_NOMEM, "baseline of %zu values", n_x);
  *rows = *owned;
  *n_rows = 1;
  return gb_baseline_make(baseline, gb_model_input_shape(m), x, n_x, *owned, err);
}

void
gb_segment_attribution_clear(GbSegmentAttribution *a)
{
  if (a == NULL)
    return;
  gb_free(a->segment_values);
  gb_free(a->segment_stderr);
  gb_attribution_clear(&a->map);
  memset(a, 0, sizeof *a);
}

GbStatus
gb_segment_attribution_alloc(GbSegmentAttribution *out, const GbSegments *seg, GbError *err)
{
  memset(out, 0, sizeof *out);
  out->n_segments = seg->n_segments;
  out->segment_values = gb_calloc((size_t)seg->n_segments, sizeof *out->segment_values);
  if (out->segment_values == NULL)
    return gb_error_set(err, GB_ERR_NOMEM, "values of %d segments", seg->n_segments);
  GbStatus st = gb_attribution_alloc(&out->map, &seg->shape, err);
  if (st != GB_OK) {
    gb_free(out->segment_values);
    out->segment_values = NULL;
    return st;
  }
  out->base_value = out->score = out->local_prediction = NAN;
  return GB_OK;
}

GbStatus
gb_coalition_eval_init(GbCoalitionEval *e, GbModel *m, const GbTarget *t, const GbSegments *seg,
                       const float *x, const float *bg, int n_bg, int batch, GbError *err)
{
  memset(e, 0, sizeof *e);
  e->seg = seg;
  e->x = x;
  e->bg = bg;
  e->n_bg = n_bg;
  return gb_grad_batch_init(&e->g, m, t, batch > 0 ? batch : GB_PERTURB_DEFAULT_BATCH, err);
}

void
gb_coalition_eval_clear(GbCoalitionEval *e)
{
  gb_grad_batch_clear(&e->g);
  gb_free(e->lb);
  gb_free(e->c);
  gb_free(e->z);
  gb_free(e->mask);
  memset(e, 0, sizeof *e);
}

/* Row r of the batch: x where mask[ids[i]], background row b elsewhere. */
static void
mix(const GbCoalitionEval *e, const uint8_t *mask, const float *b, float *row)
{
  const int *ids = e->seg->ids;
  for (size_t i = 0; i < e->g.n_in; i++) row[i] = mask[ids[i]] ? e->x[i] : b[i];
}

/* The factored path pays when assembling a row (at most 2 M h flops) beats layer a on it, and
 * its tables fit the memory bound. */
static bool
factor_worth(GbCoalitionEval *e)
{
  if (!gb_affine_prefix_find(e->g.model, &e->prefix))
    return false;
  double m = e->seg->n_segments, h = (double)e->prefix.h;
  double bytes = (((double)e->n_bg * (m + 1) + e->g.batch) * h + e->g.batch * m) * sizeof(float);
  return 2.0 * m * h < e->prefix.row_cost && bytes <= (double)GB_PERTURB_FACTOR_MAX_BYTES;
}

/* C[b][s0..s0+rows): rows of x - b restricted to each segment, through J, in g.xb. */
static GbStatus
factor_segments(GbCoalitionEval *e, const float *b, int s0, int rows, float *c, GbError *err)
{
  size_t n = e->g.n_in;
  const int *ids = e->seg->ids;
  memset(e->g.xb, 0, (size_t)rows * n * sizeof(float));
  for (size_t i = 0; i < n; i++) {
    int s = ids[i] - s0;
    if (s >= 0 && s < rows)
      e->g.xb[(size_t)s * n + i] = e->x[i] - b[i];
  }
  return gb_affine_prefix_linear(&e->prefix, e->g.xb, rows, c, err);
}

/* L(b) for every background row and C for every (row, segment), in batches. */
static GbStatus
factor_prepare(GbCoalitionEval *e, GbError *err)
{
  size_t n = e->g.n_in, h = e->prefix.h, m = (size_t)e->seg->n_segments;
  int batch = e->g.batch;
  e->lb = gb_alloc_floats((size_t)e->n_bg * h);
  e->c = gb_alloc_floats((size_t)e->n_bg * m * h);
  e->z = gb_alloc_floats((size_t)batch * h);
  e->mask = gb_alloc_floats((size_t)batch * m);
  if (e->lb == NULL || e->c == NULL || e->z == NULL || e->mask == NULL)
    return gb_error_set(err, GB_ERR_NOMEM, "coalition tables of %d x %zu x %zu", e->n_bg, m,
                        h);
  GbStatus st = GB_OK;
  for (int b0 = 0; st == GB_OK && b0 < e->n_bg; b0 += batch) {
    int rows = e->n_bg - b0 < batch ? e->n_bg - b0 : batch;
    st = gb_affine_prefix_apply(&e->prefix, e->bg + (size_t)b0 * n, rows, e->lb + b0 * h, err);
  }
  for (int b = 0; st == GB_OK && b < e->n_bg; b++)
    for (int s0 = 0; st == GB_OK && s0 < (int)m; s0 += batch) {
      int rows = (int)m - s0 < batch ? (int)m - s0 : batch;
      st = factor_segments(e, e->bg + (size_t)b * n, s0, rows, e->c + ((size_t)b * m + s0) * h,
                           err);
    }
  return st;
}

/* Decides the path on the first run and builds its tables. */
static GbStatus
factor_decide(GbCoalitionEval *e, GbError *err)
{
  if (e->factored != 0)
    return GB_OK;
  e->factored = factor_worth(e) ? 1 : -1;
  GbStatus st = e->factored > 0 ? factor_prepare(e, err) : GB_OK;
  if (st != GB_OK)
    e->factored = -1; /* its tables are incomplete: never use them */
  else if (e->factored > 0)
    gb_affine_prefix_note_use();
  return st;
}

/* Layer a's outputs for rows [done, done + nb): row (z, b) is L(b) + sum of C[b][s] over the
 * segments s on in z, i.e. L(b) + mask(z) C[b]: for each b one sgemm over its rows, which are
 * every n_bg-th row of the batch. */
static void
factor_rows(GbCoalitionEval *e, const uint8_t *masks, long done, int nb)
{
  size_t h = e->prefix.h, m = (size_t)e->seg->n_segments;
  int n_bg = e->n_bg;
  for (int r = 0; r < nb; r++) {
    long k = done + r;
    const uint8_t *mask = masks + (size_t)(k / n_bg) * m;
    memcpy(e->z + (size_t)r * h, e->lb + (size_t)(k % n_bg) * h, h * sizeof(float));
    for (size_t s = 0; s < m; s++) e->mask[(size_t)r * m + s] = mask[s] ? 1.0f : 0.0f;
  }
  for (int b = 0; b < n_bg; b++) {
    int r0 = (int)((b - done % n_bg + n_bg) % n_bg);
    if (r0 >= nb)
      continue;
    int rows = (nb - r0 + n_bg - 1) / n_bg;
    /* z rows (rows, h) += mask rows (rows, M) x C[b] (M, h), both strided by n_bg rows */
    gb_sgemm(false, false, rows, (int)h, (int)m, 1.0f, e->mask + (size_t)r0 * m,
             (int)(n_bg * m), e->c + (size_t)b * m * h, (int)h, 1.0f, e->z + (size_t)r0 * h,
             (int)(n_bg * h));
  }
}

/* Rows [done, done + nb) of the (coalition, background row) pairs, assembled for the model:
 * *from is the first layer to run on *rows. */
static void
assemble(GbCoalitionEval *e, const uint8_t *masks, long done, int nb, int *from,
         const float **rows)
{
  size_t n = e->g.n_in, m = (size_t)e->seg->n_segments;
  *from = e->factored > 0 ? e->prefix.layer + 1 : 0;
  *rows = e->factored > 0 ? e->z : e->g.xb;
  if (e->factored > 0) {
    factor_rows(e, masks, done, nb);
    return;
  }
  for (int r = 0; r < nb; r++) {
    long k = done + r;
    mix(e, masks + (size_t)(k / e->n_bg) * m, e->bg + (size_t)(k % e->n_bg) * n,
        e->g.xb + (size_t)r * n);
  }
}

/* Rows run over (coalition, background row) pairs, batch by batch. */
GbStatus
gb_coalition_eval_run(GbCoalitionEval *e, const uint8_t *masks, int count, double *v,
                      GbError *err)
{
  long total = (long)count * e->n_bg, done = 0;
  for (int j = 0; j < count; j++) v[j] = 0.0;
  GbStatus st = factor_decide(e, err);
  while (st == GB_OK && done < total) {
    int nb = total - done < e->g.batch ? (int)(total - done) : e->g.batch, from;
    const float *rows;
    assemble(e, masks, done, nb, &from, &rows);
    if ((st = gb_grad_batch_values_from(&e->g, from, rows, nb, err)) != GB_OK)
      return st;
    for (int r = 0; r < nb; r++) v[(done + r) / e->n_bg] += e->g.f[r];
    done += nb;
  }
  if (st != GB_OK)
    return st;
  for (int j = 0; j < count; j++) v[j] /= e->n_bg;
  e->n_forward += total;
  return GB_OK;
}

/* As gb_coalition_eval_run, with every logit: v: (count, n_out). */
GbStatus
gb_coalition_eval_run_all(GbCoalitionEval *e, const uint8_t *masks, int count, double *v,
                          GbError *err)
{
  size_t n_out = (size_t)e->g.n_out;
  long total = (long)count * e->n_bg, done = 0;
  for (size_t j = 0; j < (size_t)count * n_out; j++) v[j] = 0.0;
  GbStatus st = factor_decide(e, err);
  while (st == GB_OK && done < total) {
    int nb = total - done < e->g.batch ? (int)(total - done) : e->g.batch, from;
    const float *rows, *logits;
    assemble(e, masks, done, nb, &from, &rows);
    st = gb_model_forward_range(e->g.model, from, gb_model_n_layers(e->g.model), rows, nb,
                                false, &logits, err);
    if (st != GB_OK)
      return st;
    for (int r = 0; r < nb; r++)
      for (size_t c = 0; c < n_out; c++)
        v[(size_t)((done + r) / e->n_bg) * n_out + c] += logits[(size_t)r * n_out + c];
    done += nb;
  }
  if (st != GB_OK)
    return st;
  for (size_t j = 0; j < (size_t)count * n_out; j++) v[j] /= e->n_bg;
  e->n_forward += total;
  return GB_OK;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the perturbation methods share: evaluating coalitions of segments in batches. */
#include "config.h"

#include "gb-perturb-private.h"

#include <math.h>
#include <string.h>

#include "gb-alloc.h"

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
  memset(e, 0, sizeof *e);
}

/* Row r of the batch: x where mask[ids[i]], background row b elsewhere. */
static void
mix(const GbCoalitionEval *e, const uint8_t *mask, const float *b, float *row)
{
  const int *ids = e->seg->ids;
  for (size_t i = 0; i < e->g.n_in; i++) row[i] = mask[ids[i]] ? e->x[i] : b[i];
}

/* Rows run over (coalition, background row) pairs, batch by batch. */
GbStatus
gb_coalition_eval_run(GbCoalitionEval *e, const uint8_t *masks, int count, double *v,
                      GbError *err)
{
  size_t n = e->g.n_in, m = (size_t)e->seg->n_segments;
  long total = (long)count * e->n_bg, done = 0;
  for (int j = 0; j < count; j++) v[j] = 0.0;
  while (done < total) {
    int nb = total - done < e->g.batch ? (int)(total - done) : e->g.batch;
    for (int r = 0; r < nb; r++) {
      long k = done + r;
      mix(e, masks + (size_t)(k / e->n_bg) * m, e->bg + (size_t)(k % e->n_bg) * n,
          e->g.xb + (size_t)r * n);
    }
    GbStatus st = gb_grad_batch_values(&e->g, nb, err);
    if (st != GB_OK)
      return st;
    for (int r = 0; r < nb; r++) v[(done + r) / e->n_bg] += e->g.f[r];
    done += nb;
  }
  for (int j = 0; j < count; j++) v[j] /= e->n_bg;
  e->n_forward += total;
  return GB_OK;
}

/* As gb_coalition_eval_run, with every logit: v: (count, n_out). */
GbStatus
gb_coalition_eval_run_all(GbCoalitionEval *e, const uint8_t *masks, int count, double *v,
                          GbError *err)
{
  size_t n = e->g.n_in, m = (size_t)e->seg->n_segments, n_out = (size_t)e->g.n_out;
  long total = (long)count * e->n_bg, done = 0;
  for (size_t j = 0; j < (size_t)count * n_out; j++) v[j] = 0.0;
  while (done < total) {
    int nb = total - done < e->g.batch ? (int)(total - done) : e->g.batch;
    for (int r = 0; r < nb; r++) {
      long k = done + r;
      mix(e, masks + (size_t)(k / e->n_bg) * m, e->bg + (size_t)(k % e->n_bg) * n,
          e->g.xb + (size_t)r * n);
    }
    const float *logits;
    GbStatus st = gb_model_forward(e->g.model, e->g.xb, nb, false, &logits, err);
    if (st != GB_OK)
      return st;
    for (int r = 0; r < nb; r++)
      for (size_t c = 0; c < n_out; c++)
        v[(size_t)((done + r) / e->n_bg) * n_out + c] += logits[(size_t)r * n_out + c];
    done += nb;
  }
  for (size_t j = 0; j < (size_t)count * n_out; j++) v[j] /= e->n_bg;
  e->n_forward += total;
  return GB_OK;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Explainability-performance curves (keep, MoRF, LeRF, insertion) over a data set, with a
 * random-ranking band, and their summaries: AUC, AOPC and the EPC (our PROPOSAL). */
#include "config.h"

#include "gb-faithfulness.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gb-alloc.h"
#include "gb-feature-update.h"
#include "gb-rng.h"

#define GB_DEFAULT_BATCH 64

static const double default_grid[] = {0, .01, .02, .05, .1, .2, .3, .5, .7, 1};

void
gb_faithfulness_config_init(GbFaithfulnessConfig *cfg)
{
  memset(cfg, 0, sizeof *cfg);
  cfg->explain = gb_explain_batch_grad_x_input;
  cfg->mode = GB_FAITHFULNESS_KEEP;
  cfg->ranking = GB_FAITHFULNESS_RANK_SIGNED;
  cfg->measure = GB_FAITHFULNESS_AGREEMENT;
  gb_baseline_init(&cfg->baseline);
  cfg->n_random = 10;
  cfg->batch = GB_DEFAULT_BATCH;
}

void
gb_faithfulness_curve_clear(GbFaithfulnessCurve *c)
{
  if (c == NULL)
    return;
  gb_free(c->explainer);
  gb_free(c->random);
  gb_free(c->random_mean);
  gb_free(c->random_sd);
  memset(c, 0, sizeof *c);
}

/* Everything one run needs: the options, the scratch of one batch and the counts. */
typedef struct {
  GbModel *m;
  const GbDataView *data;
  const GbFaithfulnessConfig *cfg;
  GbBaseline baseline;
  const double *grid;
  int K, n_curves, n_out, n_classes, batch;
  size_t d;
  size_t m_k[GB_FAITHFULNESS_MAX_GRID]; /* features kept or removed at grid point k */
  float *mean;   /* (d) the data mean, when it is the baseline */
  float *x;      /* (batch, d) the unmasked batch, a copy (the explainer may not keep it) */
  float *base;   /* (batch, d) baselines */
  float *maps;   /* (batch, d) */
  int *order;    /* (batch, d) feature indices, most relevant first */
  float *masked; /* (batch, d) */
  int *pred;     /* (batch) original predictions */
  int *explained; /* (batch) the class explained: the prediction, or 0 for one output */
  struct rank_key { float key; int idx; } *keys; /* (d) */
  double *sum;     /* (n_curves, K) counts or probability sums */
  double *correct; /* (n_curves, K, n_classes) per-label hits, for balanced accuracy */
  double *total;   /* (n_classes) samples per label */
  double full_sum, *full_correct; /* the same at the unmasked inputs */
  GbFeatureUpdate upd; /* the first layer updated as features change, when the model has one */
} Run;

static GbStatus
check_grid(const double *grid, int n, GbError *err)
{
  if (n < 1 || n > GB_FAITHFULNESS_MAX_GRID)
    return gb_error_set(err, GB_ERR_INVALID, "the fraction grid has %d points, expected 1..%d", n,
                        GB_FAITHFULNESS_MAX_GRID);
  for (int k = 0; k < n; k++) {
    if (!(grid[k] >= 0.0 && grid[k] <= 1.0))
      return gb_error_set(err, GB_ERR_INVALID, "fraction grid point %d is %g, outside [0, 1]", k,
                          grid[k]);
    if (k > 0 && !(grid[k] > grid[k - 1]))
      return gb_error_set(err, GB_ERR_INVALID,
                          "the fraction grid must increase: point %d is %g after %g", k, grid[k],
                          grid[k - 1]);
  }
  return GB_OK;
}

static GbStatus
check_inputs(GbModel *m, const GbDataView *data, const GbFaithfulnessConfig *cfg, GbError *err)
{
  if (cfg->explain == NULL)
    return gb_error_set(err, GB_ERR_INVALID, "faithfulness curve: no explainer given");
  if (data == NULL || data->n < 1 || data->x == NULL)
    return gb_error_set(err, GB_ERR_INVALID, "faithfulness curve: the data set is empty");
  if (gb_shape_size(&data->shape) != gb_model_input_size(m))
    return gb_error_set(err, GB_ERR_SHAPE, "faithfulness curve: samples have %zu values, the "
                        "model takes %zu", gb_shape_size(&data->shape), gb_model_input_size(m));
  if ((unsigned)cfg->mode > GB_FAITHFULNESS_INSERT || (unsigned)cfg->ranking >
      GB_FAITHFULNESS_RANK_ABS || (unsigned)cfg->measure > GB_FAITHFULNESS_BALANCED_ACCURACY)
    return gb_error_set(err, GB_ERR_INVALID, "faithfulness curve: unknown mode, ranking or "
                        "measure (%d, %d, %d)", cfg->mode, cfg->ranking, cfg->measure);
  if (cfg->n_random < 0 || cfg->batch < 1)
    return gb_error_set(err, GB_ERR_INVALID, "faithfulness curve: %d random rankings, batch %d",
                        cfg->n_random, cfg->batch);
  bool need_labels = cfg->measure == GB_FAITHFULNESS_ACCURACY ||
                     cfg->measure == GB_FAITHFULNESS_BALANCED_ACCURACY;
  if (need_labels && data->labels == NULL)
    return gb_error_set(err, GB_ERR_INVALID, "faithfulness curve: %s needs labels",
                        cfg->measure == GB_FAITHFULNESS_ACCURACY ? "accuracy"
                                                                 : "balanced accuracy");
  int n_classes = gb_model_n_outputs(m) == 1 ? 2 : gb_model_n_outputs(m);
  for (int i = 0; need_labels && i < data->n; i++)
    if (data->labels[i] < 0 || data->labels[i] >= n_classes)
      return gb_error_set(err, GB_ERR_INVALID, "faithfulness curve: sample %d has label %d, "
                          "the model has %d classes", i, data->labels[i], n_classes);
  if (cfg->grid != NULL)
    return check_grid(cfg->grid, cfg->n_grid, err);
  return GB_OK;
}

/* The per-feature mean of the data view: (n, d) -> (d), summed in double. */
static bool
data_mean(const GbDataView *data, size_t d, float *mean)
{
  double *acc = gb_calloc(d, sizeof *acc);
  if (acc == NULL)
    return false;
  for (int i = 0; i < data->n; i++)
    for (size_t j = 0; j < d; j++) acc[j] += data->x[(size_t)i * d + j];
  for (size_t j = 0; j < d; j++) mean[j] = (float)(acc[j] / data->n);
  gb_free(acc);
  return true;
}

static GbStatus
run_init(Run *r, GbModel *m, const GbDataView *data, const GbFaithfulnessConfig *cfg,
         GbError *err)
{
  memset(r, 0, sizeof *r);
  r->m = m;
  r->data = data;
  r->cfg = cfg;
  r->baseline = cfg->baseline;
  r->grid = cfg->grid != NULL ? cfg->grid : default_grid;
  r->K = cfg->grid != NULL ? cfg->n_grid : (int)(sizeof default_grid / sizeof *default_grid);
  r->n_curves = 1 + cfg->n_random;
  r->n_out = gb_model_n_outputs(m);
  r->n_classes = r->n_out == 1 ? 2 : r->n_out;
  r->batch = cfg->batch < data->n ? cfg->batch : data->n;
  r->d = gb_model_input_size(m);
  for (int k = 0; k < r->K; k++) {
    /* ceil(rho d), forgiving the rounding of rho = q/d in binary */
    double m_k = ceil(r->grid[k] * (double)r->d - 1e-6);
    r->m_k[k] = m_k < 0 ? 0 : (m_k > (double)r->d ? r->d : (size_t)m_k);
  }
  size_t bd = (size_t)r->batch * r->d, ck = (size_t)r->n_curves * r->K;
  r->x = gb_alloc_floats(bd);
  r->base = gb_alloc_floats(bd);
  r->maps = gb_alloc_floats(bd);
  r->masked = gb_alloc_floats(bd);
  r->order = gb_malloc(bd * sizeof *r->order);
  r->pred = gb_malloc((size_t)r->batch * sizeof *r->pred);
  r->explained = gb_calloc((size_t)r->batch, sizeof *r->explained);
  r->keys = gb_malloc(r->d * sizeof *r->keys);
  r->sum = gb_calloc(ck, sizeof *r->sum);
  r->correct = gb_calloc(ck * r->n_classes, sizeof *r->correct);
  r->total = gb_calloc(r->n_classes, sizeof *r->total);
  r->full_correct = gb_calloc(r->n_classes, sizeof *r->full_correct);
  bool ok = r->x && r->base && r->maps && r->masked && r->order && r->pred && r->explained && r->keys && r->sum &&
            r->correct && r->total && r->full_correct;
  if (ok && r->baseline.kind == GB_BASELINE_MEAN && r->baseline.data == NULL) {
    r->mean = gb_alloc_floats(r->d);
    ok = r->mean != NULL && data_mean(data, r->d, r->mean);
    r->baseline.data = r->mean;
    r->baseline.n_data = r->d;
  }
  if (!ok)
    return gb_error_set(err, GB_ERR_NOMEM, "faithfulness curve: scratch for batches of %d "
                        "samples of %zu features", r->batch, r->d);
  /* With three grid points or more, a running first layer beats a forward per point. */
  GbFeatureUpdate *u = &r->upd;
  u->a = -1;
  return r->K >= 3 ? gb_feature_update_init(u, m, r->batch, err) : GB_OK;
}

static void
run_clear(Run *r)
{
  gb_feature_update_clear(&r->upd);
  gb_free(r->mean);
  gb_free(r->x);
  gb_free(r->base);
  gb_free(r->maps);
  gb_free(r->masked);
  gb_free(r->order);
  gb_free(r->pred);
  gb_free(r->explained);
  gb_free(r->keys);
  gb_free(r->sum);
  gb_free(r->correct);
  gb_free(r->total);
  gb_free(r->full_correct);
}

/* A one-output model predicts class 1 when its logit is positive. */
static int
predict(const float *logits, int n_out)
{
  if (n_out == 1)
    return logits[0] > 0.0f;
  int best = 0;
  for (int j = 1; j < n_out; j++)
    if (logits[j] > logits[best])
      best = j;
  return best;
}

static double
probability(const float *logits, int n_out, int c)
{
  if (n_out == 1) {
    double p1 = 1.0 / (1.0 + exp(-(double)logits[0]));
    return c == 1 ? p1 : 1.0 - p1;
  }
  double top = logits[predict(logits, n_out)], z = 0.0;
  for (int j = 0; j < n_out; j++) z += exp((double)logits[j] - top);
  return exp((double)logits[c] - top) / z;
}

/* Adds sample i's outcome under @logits to *sum and correct[0..n_classes). */
static void
score(const Run *r, const float *logits, int i, int label, double *sum, double *correct)
{
  int p = predict(logits, r->n_out);
  switch (r->cfg->measure) {
  case GB_FAITHFULNESS_AGREEMENT: *sum += p == r->pred[i]; break;
  case GB_FAITHFULNESS_ACCURACY: *sum += p == label; break;
  case GB_FAITHFULNESS_PROBABILITY: *sum += probability(logits, r->n_out, r->pred[i]); break;
  case GB_FAITHFULNESS_BALANCED_ACCURACY: correct[label] += p == label; break;
  }
}

static int
compare_keys(const void *a, const void *b)
{
  const struct rank_key *u = a, *v = b;
  if (u->key != v->key)
    return u->key > v->key ? -1 : 1;
  return (u->idx > v->idx) - (u->idx < v->idx);
}

/* order[0..d): features by decreasing map value (or |value|), ties by index. */
static void
rank_map(Run *r, const float *map, int *order)
{
  bool absolute = r->cfg->ranking == GB_FAITHFULNESS_RANK_ABS;
  for (size_t j = 0; j < r->d; j++) {
    r->keys[j].key = absolute ? fabsf(map[j]) : map[j];
    r->keys[j].idx = (int)j;
  }
  qsort(r->keys, r->d, sizeof *r->keys, compare_keys);
  for (size_t j = 0; j < r->d; j++) order[j] = r->keys[j].idx;
}

/* A random order for (curve c >= 1, sample) that does not depend on the batch size. */
static void
rank_random(Run *r, int c, int sample, int *order)
{
  GbRng rng;
  gb_rng_seed(&rng, gb_rng_derive(gb_rng_derive(r->cfg->seed, (uint64_t)c), (uint64_t)sample));
  for (size_t j = 0; j < r->d; j++) order[j] = (int)j;
  gb_rng_shuffle(&rng, order, (int)r->d);
}

/* out (d): x with the m features of @order kept (KEEP, INSERT) or removed (MORF: the first m,
 * LERF: the last m); the others, or the removed ones, at @base. */
static void
mask_row(const Run *r, const float *x, const float *base, const int *order, size_t m,
         float *out)
{
  size_t d = r->d;
  switch (r->cfg->mode) {
  case GB_FAITHFULNESS_KEEP:
  case GB_FAITHFULNESS_INSERT:
    memcpy(out, base, d * sizeof *out);
    for (size_t j = 0; j < m; j++) out[order[j]] = x[order[j]];
    break;
  case GB_FAITHFULNESS_MORF:
    memcpy(out, x, d * sizeof *out);
    for (size_t j = 0; j < m; j++) out[order[j]] = base[order[j]];
    break;
  case GB_FAITHFULNESS_LERF:
    memcpy(out, x, d * sizeof *out);
    for (size_t j = 0; j < m; j++) out[order[d - 1 - j]] = base[order[d - 1 - j]];
    break;
  }
}

static int
label_of(const Run *r, int sample)
{
  return r->data->labels != NULL ? r->data->labels[sample] : 0;
}

/* The unmasked batch: original predictions, the measure at full inputs, baselines, maps. */
static GbStatus
batch_prepare(Run *r, int start, int nb, GbError *err)
{
  size_t d = r->d, n = (size_t)nb * d;
  memcpy(r->x, r->data->x + (size_t)start * d, n * sizeof *r->x);
  for (size_t i = 0; i < n; i++)
    if (!isfinite(r->x[i]))
      return gb_error_set(err, GB_ERR_NUMERIC, "faithfulness curve: sample %d has a non-finite "
                          "value at feature %zu", start + (int)(i / d), i % d);
  const float *logits;
  GbStatus st = gb_model_forward(r->m, r->x, nb, false, &logits, err);
  if (st != GB_OK)
    return st;
  for (int i = 0; i < nb; i++) {
    r->pred[i] = predict(logits + (size_t)i * r->n_out, r->n_out);
    r->explained[i] = r->n_out == 1 ? 0 : r->pred[i]; /* a one-output model: its logit */
  }
  for (int i = 0; i < nb; i++) {
    int label = label_of(r, start + i);
    score(r, logits + (size_t)i * r->n_out, i, label, &r->full_sum, r->full_correct);
    r->total[label] += 1.0;
  }
  for (int i = 0; i < nb && st == GB_OK; i++)
    st = gb_baseline_make(&r->baseline, &r->data->shape, r->x + i * d, d, r->base + i * d, err);
  if (st == GB_OK)
    st = r->cfg->explain(r->cfg->explain_user, r->m, r->x, nb, r->explained, r->maps, err);
  if (st != GB_OK)
    return st;
  for (size_t i = 0; i < n; i++)
    if (!isfinite(r->maps[i]))
      return gb_error_set(err, GB_ERR_NUMERIC, "faithfulness curve: the attribution map of "
                          "sample %d has a non-finite value at feature %zu",
                          start + (int)(i / d), i % d);
  return GB_OK;
}

/* Feature q of the order in which curve points change input i: the most relevant first, or for
 * LeRF the least relevant first. */
static size_t
changed_feature(const Run *r, const int *order, size_t q)
{
  return (size_t)order[r->cfg->mode == GB_FAITHFULNESS_LERF ? r->d - 1 - q : q];
}

static void
score_batch(Run *r, const float *logits, int start, int nb, int c, int k)
{
  size_t ck = (size_t)c * r->K + k;
  for (int i = 0; i < nb; i++)
    score(r, logits + (size_t)i * r->n_out, i, label_of(r, start + i), &r->sum[ck],
          r->correct + ck * r->n_classes);
}

/* Changes features q0..q1 of the order (q1 < q0: back again, from the far end) of every input:
 * towards the far end of the curve (@forward) or back from it. */
static void
update_features(Run *r, int nb, size_t q0, size_t q1, bool from_base)
{
  size_t d = r->d;
  bool forward = q1 >= q0;
  for (int i = 0; i < nb; i++) {
    const float *x = r->x + i * d, *b = r->base + i * d;
    for (size_t q = forward ? q0 : q1; q < (forward ? q1 : q0); q++) {
      size_t j = changed_feature(r, r->order + i * d, q);
      double delta = from_base ? (double)x[j] - b[j] : (double)b[j] - x[j];
      if (delta != 0.0)
        gb_feature_update_add(&r->upd, i, j, forward ? delta : -delta);
    }
  }
}

/* The grid points of one curve with the first layer's outputs kept and updated: the points that
 * change at most half the features from the curve's start (the baseline for keep and insertion,
 * the input for MoRF and LeRF), the others back from its end, so that both ends are exactly the
 * forward of the unchanged row and each feature is changed once over the curve. */
static GbStatus
batch_curve_updated(Run *r, int start, int nb, int c, GbError *err)
{
  bool from_base = r->cfg->mode == GB_FAITHFULNESS_KEEP || r->cfg->mode == GB_FAITHFULNESS_INSERT;
  int half = 0;
  while (half < r->K && r->m_k[half] <= r->d / 2) half++;
  const float *logits;
  GbStatus st = GB_OK;
  size_t done = 0;
  if (half > 0)
    st = gb_feature_update_start(&r->upd, from_base ? r->base : r->x, nb, err);
  for (int k = 0; st == GB_OK && k < half; k++) {
    update_features(r, nb, done, r->m_k[k], from_base);
    done = r->m_k[k];
    if ((st = gb_feature_update_forward(&r->upd, nb, &logits, err)) == GB_OK)
      score_batch(r, logits, start, nb, c, k);
  }
  /* The far end: every feature changed. */
  done = r->d;
  if (st == GB_OK && half < r->K) {
    for (int i = 0; i < nb; i++)
      mask_row(r, r->x + i * r->d, r->base + i * r->d, r->order + i * r->d, r->d,
               r->masked + i * r->d);
    st = gb_feature_update_start(&r->upd, r->masked, nb, err);
  }
  for (int k = r->K - 1; st == GB_OK && k >= half; k--) {
    update_features(r, nb, done, r->m_k[k], from_base);
    done = r->m_k[k];
    if ((st = gb_feature_update_forward(&r->upd, nb, &logits, err)) == GB_OK)
      score_batch(r, logits, start, nb, c, k);
  }
  return st;
}

/* Every grid point of curve @c (0: the explainer, then the random rankings) for one batch. */
static GbStatus
batch_curve(Run *r, int start, int nb, int c, GbError *err)
{
  size_t d = r->d;
  for (int i = 0; i < nb; i++) {
    if (c == 0)
      rank_map(r, r->maps + i * d, r->order + i * d);
    else
      rank_random(r, c, start + i, r->order + i * d);
  }
  if (r->upd.a >= 0)
    return batch_curve_updated(r, start, nb, c, err);
  for (int k = 0; k < r->K; k++) {
    for (int i = 0; i < nb; i++)
      mask_row(r, r->x + i * d, r->base + i * d, r->order + i * d, r->m_k[k],
               r->masked + i * d);
    const float *logits;
    GbStatus st = gb_model_forward(r->m, r->masked, nb, false, &logits, err);
    if (st != GB_OK)
      return st;
    score_batch(r, logits, start, nb, c, k);
  }
  return GB_OK;
}

/* The measure from its accumulated counts. */
static double
run_measure(const Run *r, double sum, const double *correct)
{
  if (r->cfg->measure != GB_FAITHFULNESS_BALANCED_ACCURACY)
    return sum / r->data->n;
  double recall = 0.0;
  int present = 0;
  for (int j = 0; j < r->n_classes; j++) {
    if (r->total[j] > 0) {
      recall += correct[j] / r->total[j];
      present++;
    }
  }
  return recall / present;
}

static GbStatus
run_finish(const Run *r, GbFaithfulnessCurve *out, GbError *err)
{
  int K = r->K, R = r->n_curves - 1;
  out->mode = r->cfg->mode;
  out->measure = r->cfg->measure;
  out->n_grid = K;
  memcpy(out->grid, r->grid, K * sizeof *r->grid);
  out->n_samples = r->data->n;
  out->n_features = r->d;
  out->n_classes = r->n_classes;
  out->chance = 1.0 / r->n_classes;
  out->full = run_measure(r, r->full_sum, r->full_correct);
  out->n_random = R;
  out->explainer = gb_calloc(K, sizeof *out->explainer);
  out->random = gb_calloc((size_t)(R > 0 ? R : 1) * K, sizeof *out->random);
  out->random_mean = gb_calloc(K, sizeof *out->random_mean);
  out->random_sd = gb_calloc(K, sizeof *out->random_sd);
  if (!out->explainer || !out->random || !out->random_mean || !out->random_sd)
    return gb_error_set(err, GB_ERR_NOMEM, "faithfulness curve of %d points", K);
  for (int c = 0; c < r->n_curves; c++) {
    double *dst = c == 0 ? out->explainer : out->random + (size_t)(c - 1) * K;
    for (int k = 0; k < K; k++) {
      size_t ck = (size_t)c * K + k;
      dst[k] = run_measure(r, r->sum[ck], r->correct + ck * r->n_classes);
    }
  }
  for (int k = 0; k < K; k++) {
    double mean = 0.0, ss = 0.0;
    for (int c = 0; c < R; c++) mean += out->random[(size_t)c * K + k] / R;
    for (int c = 0; c < R; c++) ss += pow(out->random[(size_t)c * K + k] - mean, 2);
    out->random_mean[k] = R > 0 ? mean : NAN;
    out->random_sd[k] = R > 1 ? sqrt(ss / (R - 1)) : 0.0;
  }
  return GB_OK;
}

GbStatus
gb_faithfulness_curve(GbModel *m, const GbDataView *data, const GbFaithfulnessConfig *cfg,
                      GbFaithfulnessCurve *out, GbError *err)
{
  memset(out, 0, sizeof *out);
  GbStatus st = check_inputs(m, data, cfg, err);
  if (st != GB_OK)
    return st;
  Run r;
  st = run_init(&r, m, data, cfg, err);
  for (int start = 0; st == GB_OK && start < data->n; start += r.batch) {
    int nb = data->n - start < r.batch ? data->n - start : r.batch;
    st = batch_prepare(&r, start, nb, err);
    for (int c = 0; st == GB_OK && c < r.n_curves; c++) {
      st = batch_curve(&r, start, nb, c, err);
      double done = start + nb * (c + 1.0) / r.n_curves;
      if (st == GB_OK && cfg->progress != NULL &&
          !cfg->progress(cfg->user, done / data->n, "faithfulness curve"))
        st = gb_error_set(err, GB_ERR_CANCELLED, "faithfulness curve cancelled after %d of %d "
                          "samples", start, data->n);
    }
  }
  if (st == GB_OK)
    st = run_finish(&r, out, err);
  run_clear(&r);
  if (st != GB_OK)
    gb_faithfulness_curve_clear(out);
  return st;
}

/* ---- Summaries ---- */

double
gb_faithfulness_auc(const double *x, const double *y, int n)
{
  double area = 0.0;
  for (int k = 1; k < n; k++) area += 0.5 * (x[k] - x[k - 1]) * (y[k] + y[k - 1]);
  return area;
}

static double
aopc_of(const double *P, int n, double full)
{
  double drop = 0.0;
  for (int k = 0; k < n; k++) drop += full - P[k];
  return drop / n;
}

GbStatus
gb_faithfulness_aopc(const GbFaithfulnessCurve *c, GbFaithfulnessAopc *out, GbError *err)
{
  if (c->mode != GB_FAITHFULNESS_MORF && c->mode != GB_FAITHFULNESS_LERF)
    return gb_error_set(err, GB_ERR_INVALID, "AOPC needs a deletion (MoRF or LeRF) curve");
  int K = c->n_grid, R = c->n_random;
  out->explainer = aopc_of(c->explainer, K, c->full);
  double mean = 0.0, ss = 0.0;
  for (int i = 0; i < R; i++) mean += aopc_of(c->random + (size_t)i * K, K, c->full) / R;
  for (int i = 0; i < R; i++) ss += pow(aopc_of(c->random + (size_t)i * K, K, c->full) - mean, 2);
  out->random_mean = R > 0 ? mean : NAN;
  out->random_sd = R > 1 ? sqrt(ss / (R - 1)) : 0.0;
  return GB_OK;
}

GbStatus
gb_epc_normalise(const double *P, int n, double chance, double full, double *p, GbError *err)
{
  if (!(full > chance))
    return gb_error_set(err, GB_ERR_NUMERIC, "EPC: the model's performance at full inputs "
                        "(%g) is not above chance (%g), so there is none to retain", full, chance);
  for (int k = 0; k < n; k++) {
    double v = (P[k] - chance) / (full - chance);
    p[k] = v < 0.0 ? 0.0 : (v > 1.0 ? 1.0 : v);
  }
  return GB_OK;
}

GbEpc
gb_epc_of(const double *grid, const double *p, int n)
{
  GbEpc e = {.best = -1.0, .best_index = -1};
  /* s = 1 - rho runs backwards, so the integral over s equals the one over rho */
  e.area = gb_faithfulness_auc(grid, p, n);
  for (int k = 0; k < n; k++) {
    double s = 1.0 - grid[k], h = p[k] + s > 0.0 ? 2.0 * p[k] * s / (p[k] + s) : 0.0;
    if (h > e.best) {
      e.best = h;
      e.best_index = k;
      e.best_keep = grid[k];
      e.best_p = p[k];
    }
  }
  return e;
}

GbStatus
gb_epc_summarise(const GbFaithfulnessCurve *c, GbEpcSummary *out, GbError *err)
{
  memset(out, 0, sizeof *out);
  if (c->mode != GB_FAITHFULNESS_KEEP && c->mode != GB_FAITHFULNESS_INSERT)
    return gb_error_set(err, GB_ERR_INVALID, "EPC needs a keep-top-k (or insertion) curve");
  int K = c->n_grid, R = c->n_random;
  GbStatus st = gb_epc_normalise(c->explainer, K, c->chance, c->full, out->p, err);
  if (st != GB_OK)
    return st;
  out->explainer = gb_epc_of(c->grid, out->p, K);
  /* mean and sd over the random curves, by Welford's update (no array of R values) */
  double p[GB_FAITHFULNESS_MAX_GRID], ma = 0.0, mb = 0.0, ssa = 0.0, ssb = 0.0;
  for (int i = 0; i < R; i++) {
    gb_epc_normalise(c->random + (size_t)i * K, K, c->chance, c->full, p, NULL);
    GbEpc e = gb_epc_of(c->grid, p, K);
    double da = e.area - ma, db = e.best - mb;
    ma += da / (i + 1);
    mb += db / (i + 1);
    ssa += da * (e.area - ma);
    ssb += db * (e.best - mb);
  }
  double sa = ma, sb = mb;
  out->random_area_mean = R > 0 ? sa : NAN;
  out->random_best_mean = R > 0 ? sb : NAN;
  out->random_area_sd = R > 1 ? sqrt(ssa / (R - 1)) : 0.0;
  out->random_best_sd = R > 1 ? sqrt(ssb / (R - 1)) : 0.0;
  out->delta_area = out->explainer.area - out->random_area_mean;
  out->delta_best = out->explainer.best - out->random_best_mean;
  return GB_OK;
}

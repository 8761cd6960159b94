/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Collecting hidden states, unit selectivity (d') and PCA (gb-hidden.h). */
#include "config.h"

#include "gb-hidden.h"

#include <lapacke.h>
#include <math.h>
#include <string.h>

#include "gb-alloc.h"
#include "gb-layer.h"
#include "gb-metrics.h"

/* Trials per forward: the recurrent caches grow with the batch, (T + 1) * B * H floats. */
#define COLLECT_BATCH 256

int
gb_hidden_find_layer(GbModel *m)
{
  for (int i = 0; i < gb_model_n_layers(m); i++)
    if (gb_layer_kind_is_recurrent(gb_model_get_layer(m, i)->kind))
      return i;
  return -1;
}

void
gb_hidden_states_clear(GbHiddenStates *s)
{
  gb_free(s->states);
  gb_free(s->labels);
  gb_free(s->subjects);
  memset(s, 0, sizeof *s);
}

static GbStatus
collect_check(GbModel *m, int layer, int n_trials, const int *labels, GbError *err)
{
  if (layer < 0 || layer >= gb_model_n_layers(m)
      || !gb_layer_kind_is_recurrent(gb_model_get_layer(m, layer)->kind))
    return gb_error_set(err, GB_ERR_INVALID,
                        "hidden states: layer %d is not a recurrent layer (rnn, lstm, gru, prm)",
                        layer);
  if (n_trials < 1)
    return gb_error_set(err, GB_ERR_INVALID, "hidden states: no trials");
  for (int i = 0; i < n_trials; i++)
    if (labels[i] != 0 && labels[i] != 1)
      return gb_error_set(err, GB_ERR_INVALID,
                          "hidden states: trial %d has label %d, expected 0 or 1", i, labels[i]);
  return GB_OK;
}

static GbStatus
collect_alloc(GbHiddenStates *out, int n_trials, int T, int H, GbError *err)
{
  memset(out, 0, sizeof *out);
  out->states = gb_alloc_floats((size_t)n_trials * T * H);
  out->labels = gb_malloc((size_t)n_trials * sizeof(int));
  out->subjects = gb_calloc((size_t)n_trials, sizeof(int));
  if (out->states == NULL || out->labels == NULL || out->subjects == NULL) {
    gb_hidden_states_clear(out);
    return gb_error_set(err, GB_ERR_NOMEM, "hidden states: %d trials x %d steps x %d units",
                        n_trials, T, H);
  }
  out->n_trials = n_trials;
  out->n_times = T;
  out->n_units = H;
  return GB_OK;
}

GbStatus
gb_hidden_collect(GbModel *m, int layer, const float *x, int n_trials, const int *labels,
                  const int *subjects, GbHiddenStates *out, GbProgressFn progress, void *user,
                  GbError *err)
{
  GbStatus st = collect_check(m, layer, n_trials, labels, err);
  if (st != GB_OK)
    return st;
  const GbLayer *l = gb_model_get_layer(m, layer);
  int T = l->in_shape.dim[0], H = l->cfg.units;
  if ((st = collect_alloc(out, n_trials, T, H, err)) != GB_OK)
    return st;
  out->layer = layer;
  memcpy(out->labels, labels, (size_t)n_trials * sizeof(int));
  for (int i = 0; subjects && i < n_trials; i++) {
    out->subjects[i] = subjects[i] < 0 ? 0 : subjects[i];
    out->n_subjects = out->subjects[i] + 1 > out->n_subjects ? out->subjects[i] + 1
                                                             : out->n_subjects;
  }
  out->n_subjects = out->n_subjects < 1 ? 1 : out->n_subjects;
  size_t in = gb_model_input_size(m), per = (size_t)T * H;
  for (int b = 0; b < n_trials && st == GB_OK; b += COLLECT_BATCH) {
    int nb = n_trials - b < COLLECT_BATCH ? n_trials - b : COLLECT_BATCH;
    const float *logits;
    st = gb_model_forward(m, x + (size_t)b * in, nb, false, &logits, err);
    if (st == GB_OK)
      st = gb_layer_recurrent_states(l, nb, out->states + (size_t)b * per, err);
    if (st == GB_OK && progress && !progress(user, (double)(b + nb) / n_trials, "states"))
      st = gb_error_set(err, GB_ERR_CANCELLED, "hidden states: cancelled");
  }
  if (st != GB_OK)
    gb_hidden_states_clear(out);
  return st;
}

/* ---- selectivity ---- */

double
gb_hidden_dprime(const float *values, size_t stride, const int *labels, int n)
{
  double sum[2] = { 0, 0 }, sq[2] = { 0, 0 };
  int cnt[2] = { 0, 0 };
  for (int i = 0; i < n; i++) {
    int c = labels[i] == 1;
    double v = values[(size_t)i * stride];
    sum[c] += v;
    cnt[c]++;
  }
  if (cnt[0] < 2 || cnt[1] < 2)
    return NAN;
  double mean[2] = { sum[0] / cnt[0], sum[1] / cnt[1] };
  for (int i = 0; i < n; i++) {
    int c = labels[i] == 1;
    double dv = values[(size_t)i * stride] - mean[c];
    sq[c] += dv * dv;
  }
  double pooled = sqrt((sq[0] / (cnt[0] - 1) + sq[1] / (cnt[1] - 1)) / 2.0);
  double diff = mean[1] - mean[0];
  if (pooled > 0.0)
    return diff / pooled;
  return diff == 0.0 ? 0.0 : NAN;
}

void
gb_hidden_selectivity(const GbHiddenStates *s, float *dprime)
{
  size_t stride = (size_t)s->n_times * s->n_units;
  for (int t = 0; t < s->n_times; t++)
    for (int u = 0; u < s->n_units; u++) {
      const float *v = s->states + (size_t)t * s->n_units + u;
      dprime[(size_t)t * s->n_units + u] = (float)gb_hidden_dprime(v, stride, s->labels,
                                                                   s->n_trials);
    }
}

/* ---- PCA ---- */

void
gb_pca_clear(GbPca *p)
{
  gb_free(p->mean);
  gb_free(p->eigenvalues);
  gb_free(p->axes);
  memset(p, 0, sizeof *p);
}

/* x: (n, d) -> mean (d), cov (d, d) with divisor n - 1. */
static void
covariance(const float *x, size_t n, int d, double *mean, double *cov)
{
  memset(mean, 0, (size_t)d * sizeof(double));
  memset(cov, 0, (size_t)d * d * sizeof(double));
  for (size_t i = 0; i < n; i++)
    for (int a = 0; a < d; a++)
      mean[a] += x[i * d + a];
  for (int a = 0; a < d; a++)
    mean[a] /= (double)n;
  for (size_t i = 0; i < n; i++) {
    const float *r = x + i * d;
    for (int a = 0; a < d; a++) {
      double da = r[a] - mean[a];
      for (int b = a; b < d; b++)
        cov[a * d + b] += da * (r[b] - mean[b]);
    }
  }
  for (int a = 0; a < d; a++)
    for (int b = a; b < d; b++) {
      cov[a * d + b] /= (double)(n - 1);
      cov[b * d + a] = cov[a * d + b];
    }
}

/* dsyevd's eigenvectors are the columns of @v in ascending order: rows of @axes descending,
 * each signed so that its largest-magnitude entry is positive (a reproducible choice). */
static void
pca_store(GbPca *p, const double *w, const double *v, int d)
{
  p->total_variance = 0.0;
  for (int k = 0; k < d; k++) {
    int col = d - 1 - k, arg = 0;
    p->eigenvalues[k] = fmax(w[col], 0.0);
    p->total_variance += p->eigenvalues[k];
    for (int a = 1; a < d; a++)
      if (fabs(v[a * d + col]) > fabs(v[arg * d + col]))
        arg = a;
    double sign = v[arg * d + col] < 0.0 ? -1.0 : 1.0;
    for (int a = 0; a < d; a++)
      p->axes[k * d + a] = sign * v[a * d + col];
  }
}

GbStatus
gb_pca_fit(const float *x, size_t n, int d, GbPca *out, GbError *err)
{
  memset(out, 0, sizeof *out);
  if (n < 2 || d < 1)
    return gb_error_set(err, GB_ERR_INVALID, "PCA: %zu rows of %d features, need 2 rows and 1 "
                        "feature at least", n, d);
  long bad = gb_floats_find_nonfinite(x, n * (size_t)d);
  if (bad >= 0)
    return gb_error_set(err, GB_ERR_NUMERIC, "PCA: value %ld (row %ld) is not finite", bad,
                        bad / d);
  out->mean = gb_malloc((size_t)d * sizeof(double));
  out->eigenvalues = gb_malloc((size_t)d * sizeof(double));
  out->axes = gb_malloc((size_t)d * d * sizeof(double));
  double *cov = gb_malloc((size_t)d * d * sizeof(double));
  double *w = gb_malloc((size_t)d * sizeof(double));
  GbStatus st = GB_OK;
  if (!out->mean || !out->eigenvalues || !out->axes || !cov || !w) {
    st = gb_error_set(err, GB_ERR_NOMEM, "PCA: %d x %d covariance", d, d);
    goto out;
  }
  out->dim = d;
  covariance(x, n, d, out->mean, cov);
  lapack_int info = LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'V', 'U', d, cov, d, w);
  if (info != 0) {
    st = gb_error_set(err, GB_ERR_NUMERIC, "PCA: LAPACK dsyevd failed (info %d) on the %d x %d "
                      "covariance", (int)info, d, d);
    goto out;
  }
  pca_store(out, w, cov, d);
out:
  gb_free(cov);
  gb_free(w);
  if (st != GB_OK)
    gb_pca_clear(out);
  return st;
}

void
gb_pca_project(const GbPca *p, const float *x, size_t n, int k, float *out)
{
  int d = p->dim;
  for (size_t i = 0; i < n; i++)
    for (int c = 0; c < k; c++) {
      double s = 0.0;
      for (int a = 0; a < d; a++)
        s += (x[i * d + a] - p->mean[a]) * p->axes[c * d + a];
      out[i * k + c] = (float)s;
    }
}

double
gb_hidden_model_auc(GbModel *m, const float *x, int n, const int *labels)
{
  int n_out = gb_model_n_outputs(m);
  float *logits = gb_alloc_floats((size_t)n * n_out);
  float *score = gb_alloc_floats((size_t)n);
  double auc = NAN;
  if (logits != NULL && score != NULL &&
      gb_model_predict(m, x, n, logits, NULL, NULL, NULL) == GB_OK) {
    /* The positive class's score: the one logit, or logit 1 - logit 0. */
    for (int i = 0; i < n; i++)
      score[i] = n_out == 1 ? logits[i]
                            : logits[(size_t)i * n_out + 1] - logits[(size_t)i * n_out];
    auc = gb_metrics_roc_auc(score, labels, n);
  }
  gb_free(logits);
  gb_free(score);
  return auc;
}

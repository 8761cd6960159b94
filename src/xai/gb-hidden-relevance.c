/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Relevance through time and over the scalp, and the PRM-like model's per-step evidence
 * (gb-hidden.h, methods.md §2.4). */
#include "config.h"

#include "gb-hidden.h"

#include <math.h>
#include <string.h>

#include "gb-alloc.h"
#include "gb-attribution.h"
#include "gb-layer.h"
#include "gb-lrp.h"

/* Trials per forward when computing the evidence. */
#define EVIDENCE_BATCH 256

const char *
gb_hidden_relevance_name(GbHiddenRelevance method)
{
  return method == GB_HIDDEN_RELEVANCE_LRP ? "LRP-eps" : "gradient x input";
}

/* One output: its logit; two: the contrast target minus non-target. */
static GbTarget
relevance_target(GbModel *m)
{
  return gb_model_n_outputs(m) == 2 ? gb_target_contrast(1, 0) : gb_target_class(0);
}

static GbStatus
relevance_one(GbModel *m, const float *x, size_t n_x, GbHiddenRelevance method,
              const GbLrpPolicy *policy, float *map, GbError *err)
{
  GbTarget t = relevance_target(m);
  GbStatus st;
  if (method == GB_HIDDEN_RELEVANCE_LRP) {
    GbLrpResult r = { 0 };
    st = gb_attribution_lrp(m, x, n_x, &t, policy, &r, err);
    if (st == GB_OK)
      memcpy(map, r.map.values, n_x * sizeof(float));
    gb_lrp_result_clear(&r);
  } else {
    GbAttribution a = { 0 };
    st = gb_attribution_grad_x_input(m, x, n_x, &t, &a, err);
    if (st == GB_OK)
      memcpy(map, a.values, n_x * sizeof(float));
    gb_attribution_clear(&a);
  }
  return st;
}

GbStatus
gb_hidden_relevance_maps(GbModel *m, const float *x, int n_trials, GbHiddenRelevance method,
                         float *maps, GbProgressFn progress, void *user, GbError *err)
{
  const GbShape *in = gb_model_input_shape(m);
  if (in->ndim != 2)
    return gb_error_set(err, GB_ERR_SHAPE, "relevance through time: the model's input has %d "
                        "dimensions, expected (time, channels)", in->ndim);
  GbLrpPolicy policy;
  gb_lrp_policy_init_uniform(&policy, gb_lrp_rule_epsilon(GB_LRP_RECURRENT_EPSILON));
  size_t n_x = gb_model_input_size(m);
  GbStatus st = GB_OK;
  for (int i = 0; i < n_trials && st == GB_OK; i++) {
    st = relevance_one(m, x + (size_t)i * n_x, n_x, method, &policy, maps + (size_t)i * n_x,
                       err);
    if (st != GB_OK)
      gb_error_prefix(err, "trial %d", i);
    else if (progress && (i % 32 == 31 || i + 1 == n_trials)
             && !progress(user, (i + 1.0) / n_trials, gb_hidden_relevance_name(method)))
      st = gb_error_set(err, GB_ERR_CANCELLED, "relevance through time: cancelled");
  }
  return st;
}

void
gb_relevance_sums(const float *map, int n_times, int n_channels, double *per_time,
                  double *per_channel)
{
  if (per_time)
    memset(per_time, 0, (size_t)n_times * sizeof(double));
  if (per_channel)
    memset(per_channel, 0, (size_t)n_channels * sizeof(double));
  for (int t = 0; t < n_times; t++)
    for (int c = 0; c < n_channels; c++) {
      double v = map[(size_t)t * n_channels + c];
      if (per_time)
        per_time[t] += v;
      if (per_channel)
        per_channel[c] += v;
    }
}

void
gb_relevance_time_by_class(const float *maps, int n_trials, int n_times, int n_channels,
                           const int *labels, double *mean, double *sd)
{
  size_t per = (size_t)n_times * n_channels;
  for (int c = 0; c < 2; c++)
    for (int t = 0; t < n_times; t++) {
      double s = 0.0, sq = 0.0;
      int cnt = 0;
      for (int i = 0; i < n_trials; i++) {
        if (labels[i] != c)
          continue;
        double v = 0.0;
        for (int ch = 0; ch < n_channels; ch++)
          v += maps[i * per + (size_t)t * n_channels + ch];
        s += v;
        sq += v * v;
        cnt++;
      }
      double mu = cnt ? s / cnt : NAN;
      mean[(size_t)c * n_times + t] = mu;
      sd[(size_t)c * n_times + t] = cnt ? sqrt(fmax(sq / cnt - mu * mu, 0.0)) : NAN;
    }
}

void
gb_relevance_window_by_subject(const float *maps, int n_trials, int n_times, int n_channels,
                               const int *subjects, int n_subjects, const int *labels,
                               int label, int t_lo, int t_hi, double *out)
{
  size_t per = (size_t)n_times * n_channels;
  t_lo = t_lo < 0 ? 0 : t_lo;
  t_hi = t_hi > n_times ? n_times : t_hi;
  for (int s = 0; s < n_subjects; s++) {
    double *row = out + (size_t)s * n_channels;
    memset(row, 0, (size_t)n_channels * sizeof(double));
    int cnt = 0;
    for (int i = 0; i < n_trials; i++) {
      if (subjects[i] != s || (label >= 0 && labels[i] != label))
        continue;
      cnt++;
      for (int t = t_lo; t < t_hi; t++)
        for (int c = 0; c < n_channels; c++)
          row[c] += maps[i * per + (size_t)t * n_channels + c];
    }
    for (int c = 0; c < n_channels; c++)
      row[c] = cnt ? row[c] / cnt : NAN;
  }
}

void
gb_correlation_matrix(const double *rows, int n_rows, int n, double *out)
{
  for (int a = 0; a < n_rows; a++)
    for (int b = 0; b < n_rows; b++) {
      const double *x = rows + (size_t)a * n, *y = rows + (size_t)b * n;
      double mx = 0.0, my = 0.0, sxy = 0.0, sxx = 0.0, syy = 0.0;
      for (int i = 0; i < n; i++) {
        mx += x[i];
        my += y[i];
      }
      mx /= n;
      my /= n;
      for (int i = 0; i < n; i++) {
        sxy += (x[i] - mx) * (y[i] - my);
        sxx += (x[i] - mx) * (x[i] - mx);
        syy += (y[i] - my) * (y[i] - my);
      }
      out[(size_t)a * n_rows + b] = sxx > 0.0 && syy > 0.0 ? sxy / sqrt(sxx * syy) : NAN;
    }
}

/* ---- PRM evidence ---- */

int
gb_hidden_find_prm(GbModel *m)
{
  for (int i = 0; i < gb_model_n_layers(m); i++)
    if (gb_model_get_layer(m, i)->kind == GB_LAYER_PRM)
      return i;
  return -1;
}

/* The model's layers 0..@prm with the prm layer set to seq=all, and @m's weights. */
static GbModel *
evidence_model(GbModel *m, int prm, GbError *err)
{
  GbArch arch;
  if (gb_arch_copy(&arch, gb_model_get_arch(m), err) != GB_OK)
    return NULL;
  arch.n_layers = prm + 1;
  arch.layers[prm].cfg.return_sequences = true;
  GbModel *e = NULL;
  GbStatus st = gb_model_new(&arch, 0, &e, err);
  gb_arch_clear(&arch);
  if (st != GB_OK)
    return NULL;
  for (int i = 0; i < gb_model_n_tensors(e); i++) {
    GbModelTensor te, tm;
    gb_model_get_tensor(e, i, &te);
    int j = gb_model_find_tensor(m, te.name);
    if (j < 0) {
      gb_error_set(err, GB_ERR_INVALID, "evidence: tensor '%s' missing", te.name);
      gb_model_free(e);
      return NULL;
    }
    gb_model_get_tensor(m, j, &tm);
    memcpy(te.data, tm.data, te.count * sizeof(float));
  }
  return e;
}

GbStatus
gb_hidden_prm_evidence(GbModel *m, const float *x, int n_trials, float *evidence, GbError *err)
{
  int prm = gb_hidden_find_prm(m);
  if (prm < 0)
    return gb_error_set(err, GB_ERR_INVALID, "evidence: the model has no prm layer");
  GbModel *e = evidence_model(m, prm, err);
  if (e == NULL)
    return err ? err->code : GB_ERR_NOMEM;
  int T = gb_model_get_layer(m, prm)->in_shape.dim[0];
  size_t in = gb_model_input_size(m);
  GbStatus st = GB_OK;
  for (int b = 0; b < n_trials && st == GB_OK; b += EVIDENCE_BATCH) {
    int nb = n_trials - b < EVIDENCE_BATCH ? n_trials - b : EVIDENCE_BATCH;
    const float *y;
    st = gb_model_forward(e, x + (size_t)b * in, nb, false, &y, err);
    if (st == GB_OK)
      memcpy(evidence + (size_t)b * T, y, (size_t)nb * T * sizeof(float));
  }
  gb_model_free(e);
  return st;
}

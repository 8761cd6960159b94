/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Global views over a data set: class-mean maps, mean |SHAP| and permutation importance. */
#include "config.h"

#include "gb-global.h"

#include <math.h>
#include <string.h>

#include "gb-alloc.h"
#include "gb-rng.h"

#define PREDICT_BATCH 256

void
gb_global_argmax(const float *logits, int n, int n_out, int *pred)
{
  for (int i = 0; i < n; i++) {
    const float *z = logits + (size_t)i * n_out;
    int best = 0;
    for (int j = 1; j < n_out; j++)
      best = z[j] > z[best] ? j : best;
    pred[i] = n_out == 1 ? (z[0] > 0) : best;
  }
}

GbStatus
gb_global_predict(GbModel *m, const float *x, int n, int *pred, GbError *err)
{
  size_t d = gb_model_input_size(m);
  int n_out = gb_model_n_outputs(m);
  for (int s = 0; s < n; s += PREDICT_BATCH) {
    int nb = n - s < PREDICT_BATCH ? n - s : PREDICT_BATCH;
    const float *z;
    GbStatus st = gb_model_forward(m, x + (size_t)s * d, nb, false, &z, err);
    if (st != GB_OK)
      return st;
    gb_global_argmax(z, nb, n_out, pred + s);
  }
  return GB_OK;
}

/* Non-empty, validated and the model's input size. */
static GbStatus
check_data(GbModel *m, const GbDataView *data, bool need_labels, GbError *err)
{
  if (data == NULL || data->n < 1 || data->x == NULL)
    return gb_error_set(err, GB_ERR_INVALID, "the data set is empty");
  GbStatus st = gb_data_view_validate(data, "data", err);
  if (st != GB_OK)
    return st;
  size_t d = gb_shape_size(&data->shape);
  if (d != gb_model_input_size(m))
    return gb_error_set(err, GB_ERR_SHAPE,
                        "samples of %zu values do not fit the model (%zu inputs)", d,
                        gb_model_input_size(m));
  if (need_labels && data->labels == NULL)
    return gb_error_set(err, GB_ERR_INVALID, "the data set has no labels");
  return GB_OK;
}

static bool
report(GbProgressFn progress, void *user, double fraction, const char *stage)
{
  return progress == NULL || progress(user, fraction, stage);
}

/* ---- Class-mean maps ---- */

void
gb_class_map_config_init(GbClassMapConfig *cfg)
{
  memset(cfg, 0, sizeof *cfg);
  cfg->group = GB_GLOBAL_CLASS_PREDICTED;
  cfg->batch = 64;
}

void
gb_class_maps_clear(GbClassMaps *r)
{
  if (r == NULL)
    return;
  gb_free(r->maps);
  gb_free(r->counts);
  memset(r, 0, sizeof *r);
}

/* Adds the maps (nb, d) of one batch into the per-group sums (double for accuracy). */
static void
accumulate(double *sums, int *counts, const float *maps, const int *group, int nb, size_t d,
           bool absolute)
{
  for (int i = 0; i < nb; i++) {
    double *s = sums + (size_t)group[i] * d;
    const float *a = maps + (size_t)i * d;
    for (size_t j = 0; j < d; j++)
      s[j] += absolute ? fabsf(a[j]) : a[j];
    counts[group[i]]++;
  }
}

GbStatus
gb_global_class_maps(GbModel *m, const GbDataView *data, const GbClassMapConfig *cfg,
                     GbClassMaps *out, GbError *err)
{
  memset(out, 0, sizeof *out);
  if (cfg == NULL || cfg->explain == NULL)
    return gb_error_set(err, GB_ERR_INVALID, "class maps need an explainer");
  GbStatus st = check_data(m, data, cfg->group == GB_GLOBAL_CLASS_TRUE, err);
  if (st != GB_OK)
    return st;
  int n_out = gb_model_n_outputs(m), C = n_out == 1 ? 2 : n_out;
  int B = cfg->batch > 0 ? cfg->batch : 64;
  size_t d = gb_model_input_size(m);
  if (cfg->group == GB_GLOBAL_CLASS_TRUE && data->n_classes > C)
    return gb_error_set(err, GB_ERR_INVALID, "the data has %d classes, the model only %d",
                        data->n_classes, C);
  double *sums = gb_calloc((size_t)C * d, sizeof(double));
  float *maps = gb_alloc_floats((size_t)B * d);
  int *group = gb_calloc((size_t)B, sizeof(int)), *explained = gb_calloc((size_t)B, sizeof(int));
  out->counts = gb_calloc((size_t)C, sizeof(int));
  out->maps = gb_alloc_floats((size_t)C * d);
  if (!sums || !maps || !group || !explained || !out->counts || !out->maps)
    st = gb_error_set(err, GB_ERR_NOMEM, "class maps of %d classes x %zu features", C, d);
  for (int s = 0; st == GB_OK && s < data->n; s += B) {
    int nb = data->n - s < B ? data->n - s : B;
    const float *x = data->x + (size_t)s * d;
    if (cfg->group == GB_GLOBAL_CLASS_TRUE) {
      memcpy(group, data->labels + s, (size_t)nb * sizeof(int));
      for (int i = 0; i < nb && st == GB_OK; i++)
        if (group[i] >= C)
          st = gb_error_set(err, GB_ERR_INVALID,
                            "sample %d has label %d; the model has %d "
                            "classes",
                            s + i, group[i], C);
    } else {
      st = gb_global_predict(m, x, nb, group, err);
    }
    for (int i = 0; i < nb; i++)
      explained[i] = n_out == 1 ? 0 : group[i];
    if (st == GB_OK)
      st = cfg->explain(cfg->explain_user, m, x, nb, explained, maps, err);
    if (st == GB_OK)
      accumulate(sums, out->counts, maps, group, nb, d, cfg->absolute);
    if (st == GB_OK && !report(cfg->progress, cfg->user, (double)(s + nb) / data->n, "class maps"))
      st = gb_error_set(err, GB_ERR_CANCELLED, "class maps cancelled");
  }
  if (st == GB_OK) {
    out->n_classes = C;
    out->n_features = d;
    for (int c = 0; c < C; c++)
      for (size_t j = 0; j < d; j++)
        out->maps[(size_t)c * d + j] =
            out->counts[c] > 0 ? (float)(sums[(size_t)c * d + j] / out->counts[c]) : 0.0f;
  } else {
    gb_class_maps_clear(out);
  }
  gb_free(sums);
  gb_free(maps);
  gb_free(group);
  gb_free(explained);
  return st;
}

/* ---- Mean |SHAP| ---- */

void
gb_shap_importance_clear(GbShapImportance *r)
{
  if (r == NULL)
    return;
  gb_free(r->mean_abs);
  gb_free(r->overall);
  memset(r, 0, sizeof *r);
}

GbStatus
gb_global_shap_importance(GbModel *m, const GbDataView *data, const GbSegments *seg,
                          const GbShapConfig *shap, int n_samples, GbProgressFn progress,
                          void *user, GbShapImportance *out, GbError *err)
{
  memset(out, 0, sizeof *out);
  GbStatus st = check_data(m, data, false, err);
  if (st != GB_OK)
    return st;
  if (seg == NULL || seg->n != gb_model_input_size(m))
    return gb_error_set(err, GB_ERR_SHAPE, "the segments do not cover the model's %zu inputs",
                        gb_model_input_size(m));
  GbShapConfig cfg;
  if (shap != NULL)
    cfg = *shap;
  else
    gb_shap_config_init(&cfg);
  int n = n_samples > 0 && n_samples < data->n ? n_samples : data->n;
  int C = gb_model_n_outputs(m), M = seg->n_segments;
  size_t d = gb_model_input_size(m);
  out->mean_abs = gb_calloc((size_t)C * M, sizeof(double));
  out->overall = gb_calloc((size_t)M, sizeof(double));
  if (out->mean_abs == NULL || out->overall == NULL) {
    gb_shap_importance_clear(out);
    return gb_error_set(err, GB_ERR_NOMEM, "SHAP importance of %d x %d values", C, M);
  }
  uint64_t seed = cfg.seed;
  for (int i = 0; st == GB_OK && i < n; i++) {
    GbShapAllClasses r = {0};
    cfg.seed = seed + (uint64_t)i;
    st = gb_attribution_kernel_shap_all(m, data->x + (size_t)i * d, d, seg, &cfg, &r, NULL, NULL,
                                        err);
    for (size_t k = 0; st == GB_OK && k < (size_t)C * M; k++)
      out->mean_abs[k] += fabs(r.values[k]) / n;
    gb_shap_all_classes_clear(&r);
    if (st == GB_OK && !report(progress, user, (double)(i + 1) / n, "mean |SHAP|"))
      st = gb_error_set(err, GB_ERR_CANCELLED, "SHAP importance cancelled");
  }
  if (st != GB_OK) {
    gb_shap_importance_clear(out);
    return st;
  }
  for (int c = 0; c < C; c++)
    for (int k = 0; k < M; k++)
      out->overall[k] += out->mean_abs[(size_t)c * M + k] / C;
  out->n_classes = C;
  out->n_segments = M;
  out->n_samples = n;
  return GB_OK;
}

/* ---- Permutation importance ---- */

void
gb_permutation_importance_clear(GbPermutationImportance *r)
{
  if (r == NULL)
    return;
  gb_free(r->drop);
  gb_free(r->drop_sd);
  memset(r, 0, sizeof *r);
}

/* Accuracy of @m on @x (n, d) against @labels. */
static GbStatus
accuracy(GbModel *m, const float *x, int n, const int *labels, int *pred, double *acc, GbError *err)
{
  GbStatus st = gb_global_predict(m, x, n, pred, err);
  int ok = 0;
  for (int i = 0; st == GB_OK && i < n; i++)
    ok += pred[i] == labels[i];
  *acc = (double)ok / n;
  return st;
}

/* Copies @x into @xs and gives the features of segment @k of each sample i the values of
 * sample perm[i]. x, xs: (n, d). */
static void
shuffle_segment(const float *x, float *xs, int n, size_t d, const int *ids, int k, const int *perm)
{
  memcpy(xs, x, (size_t)n * d * sizeof(float));
  for (int i = 0; i < n; i++)
    for (size_t j = 0; j < d; j++)
      if ((ids == NULL ? (int)j : ids[j]) == k)
        xs[(size_t)i * d + j] = x[(size_t)perm[i] * d + j];
}

GbStatus
gb_global_permutation_importance(GbModel *m, const GbDataView *data, const GbSegments *seg,
                                 int repeats, uint64_t seed, GbProgressFn progress, void *user,
                                 GbPermutationImportance *out, GbError *err)
{
  memset(out, 0, sizeof *out);
  GbStatus st = check_data(m, data, true, err);
  if (st != GB_OK)
    return st;
  size_t d = gb_model_input_size(m);
  if (seg != NULL && seg->n != d)
    return gb_error_set(err, GB_ERR_SHAPE, "the segments do not cover the model's %zu inputs", d);
  if (repeats < 1)
    return gb_error_set(err, GB_ERR_INVALID, "permutation importance needs repeats >= 1, got %d",
                        repeats);
  int M = seg != NULL ? seg->n_segments : (int)d, n = data->n;
  float *xs = gb_alloc_floats((size_t)n * d);
  int *perm = gb_calloc((size_t)n, sizeof(int)), *pred = gb_calloc((size_t)n, sizeof(int));
  double *acc = gb_calloc((size_t)repeats, sizeof(double));
  out->drop = gb_calloc((size_t)M, sizeof(double));
  out->drop_sd = gb_calloc((size_t)M, sizeof(double));
  if (!xs || !perm || !pred || !acc || !out->drop || !out->drop_sd)
    st = gb_error_set(err, GB_ERR_NOMEM, "permutation importance of %d x %zu values", n, d);
  if (st == GB_OK)
    st = accuracy(m, data->x, n, data->labels, pred, &out->base_accuracy, err);
  for (int k = 0; st == GB_OK && k < M; k++) {
    GbRng rng;
    gb_rng_seed(&rng, gb_rng_derive(seed, (uint64_t)k));
    double mean = 0, ss = 0;
    for (int r = 0; st == GB_OK && r < repeats; r++) {
      for (int i = 0; i < n; i++)
        perm[i] = i;
      gb_rng_shuffle(&rng, perm, n);
      shuffle_segment(data->x, xs, n, d, seg != NULL ? seg->ids : NULL, k, perm);
      st = accuracy(m, xs, n, data->labels, pred, &acc[r], err);
      mean += (out->base_accuracy - acc[r]) / repeats;
    }
    for (int r = 0; st == GB_OK && r < repeats; r++)
      ss += pow(out->base_accuracy - acc[r] - mean, 2);
    out->drop[k] = mean;
    out->drop_sd[k] = repeats > 1 ? sqrt(ss / (repeats - 1)) : 0.0;
    if (st == GB_OK && !report(progress, user, (double)(k + 1) / M, "permutation importance"))
      st = gb_error_set(err, GB_ERR_CANCELLED, "permutation importance cancelled");
  }
  gb_free(xs);
  gb_free(perm);
  gb_free(pred);
  gb_free(acc);
  if (st != GB_OK) {
    gb_permutation_importance_clear(out);
    return st;
  }
  out->n_segments = M;
  out->repeats = repeats;
  return GB_OK;
}

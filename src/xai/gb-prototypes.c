/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Prototypes in a model's penultimate representation, and activation maximisation. */
#include "config.h"

#include "gb-prototypes.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "gb-alloc.h"
#include "gb-attribution.h"
#include "gb-global.h"
#include "gb-rng.h"

#define BATCH 128

void
gb_prototypes_clear(GbPrototypes *p)
{
  if (p == NULL)
    return;
  gb_free(p->centres);
  gb_free(p->counts);
  gb_free(p->index);
  gb_free(p->distance);
  memset(p, 0, sizeof *p);
}

int
gb_prototypes_default_layer(const GbModel *m)
{
  GbModel *mm = (GbModel *)m; /* gb_model_get_layer only reads */
  int last = gb_model_n_layers(m) - 1;
  while (last >= 0 && gb_model_get_layer(mm, last)->n_params == 0)
    last--;
  int i = last - 1; /* dropout is the identity at inference: name the layer before it */
  while (i >= 0 && gb_model_get_layer(mm, i)->kind == GB_LAYER_DROPOUT)
    i--;
  return i < -1 ? -1 : i;
}

static size_t
layer_size(GbModel *m, int layer)
{
  return layer < 0 ? gb_model_input_size(m)
                   : gb_shape_size(&gb_model_get_layer(m, layer)->out_shape);
}

/* Runs @data through @m batch by batch and calls @fn with each batch's representation
 * (nb, dim) at @layer and the group of each row. */
typedef void (*RowsFn)(void *ctx, const float *rep, const int *group, int start, int nb);

static GbStatus
for_each_batch(GbModel *m, const GbDataView *data, int layer, bool by_prediction, RowsFn fn,
               void *ctx, GbProgressFn progress, void *user, double f0, double f1, GbError *err)
{
  size_t d = gb_model_input_size(m);
  int group[BATCH];
  for (int s = 0; s < data->n; s += BATCH) {
    int nb = data->n - s < BATCH ? data->n - s : BATCH;
    const float *z;
    GbStatus st = gb_model_forward(m, data->x + (size_t)s * d, nb, false, &z, err);
    if (st != GB_OK)
      return st;
    if (by_prediction)
      gb_global_argmax(z, nb, gb_model_n_outputs(m), group);
    else
      memcpy(group, data->labels + s, (size_t)nb * sizeof(int));
    fn(ctx, gb_model_layer_output(m, layer), group, s, nb);
    if (progress != NULL && !progress(user, f0 + (f1 - f0) * (s + nb) / data->n, "prototypes"))
      return gb_error_set(err, GB_ERR_CANCELLED, "prototypes cancelled");
  }
  return GB_OK;
}

typedef struct {
  GbPrototypes *p;
  double *sums; /* (C, dim) */
} Ctx;

static void
sum_rows(void *ctx, const float *rep, const int *group, int start, int nb)
{
  Ctx *c = ctx;
  (void)start;
  size_t dim = c->p->dim;
  for (int i = 0; i < nb; i++) {
    if (group[i] < 0 || group[i] >= c->p->n_classes)
      continue;
    for (size_t j = 0; j < dim; j++)
      c->sums[(size_t)group[i] * dim + j] += rep[(size_t)i * dim + j];
    c->p->counts[group[i]]++;
  }
}

/* Inserts row @row at distance @dist into the sorted top-k list of its class. */
static void
insert_nearest(GbPrototypes *p, int cls, int row, double dist)
{
  int k = p->k, *idx = p->index + (size_t)cls * k;
  double *dd = p->distance + (size_t)cls * k;
  int pos = k;
  while (pos > 0 && (idx[pos - 1] < 0 || dd[pos - 1] > dist))
    pos--;
  if (pos >= k)
    return;
  memmove(idx + pos + 1, idx + pos, (size_t)(k - pos - 1) * sizeof *idx);
  memmove(dd + pos + 1, dd + pos, (size_t)(k - pos - 1) * sizeof *dd);
  idx[pos] = row;
  dd[pos] = dist;
}

static void
rank_rows(void *ctx, const float *rep, const int *group, int start, int nb)
{
  Ctx *c = ctx;
  GbPrototypes *p = c->p;
  for (int i = 0; i < nb; i++) {
    if (group[i] < 0 || group[i] >= p->n_classes)
      continue;
    const float *centre = p->centres + (size_t)group[i] * p->dim, *r = rep + (size_t)i * p->dim;
    double s = 0;
    for (size_t j = 0; j < p->dim; j++)
      s += ((double)r[j] - centre[j]) * ((double)r[j] - centre[j]);
    insert_nearest(p, group[i], start + i, sqrt(s));
  }
}

static GbStatus
check_args(GbModel *m, const GbDataView *data, int *layer, int k, bool by_prediction, GbError *err)
{
  if (data == NULL || data->n < 1 || data->x == NULL)
    return gb_error_set(err, GB_ERR_INVALID, "prototypes: the data set is empty");
  if (gb_shape_size(&data->shape) != gb_model_input_size(m))
    return gb_error_set(err, GB_ERR_SHAPE,
                        "prototypes: samples of %zu values do not fit the "
                        "model (%zu inputs)",
                        gb_shape_size(&data->shape), gb_model_input_size(m));
  if (!by_prediction && data->labels == NULL)
    return gb_error_set(err, GB_ERR_INVALID, "prototypes by label need labels");
  GbStatus st = gb_data_view_validate(data, "prototypes", err);
  if (st != GB_OK)
    return st;
  if (k < 1)
    return gb_error_set(err, GB_ERR_INVALID, "prototypes: k must be at least 1, got %d", k);
  if (*layer == -2)
    *layer = gb_prototypes_default_layer(m);
  if (*layer < -1 || *layer >= gb_model_n_layers(m))
    return gb_error_set(err, GB_ERR_INVALID, "prototypes: layer %d is not in the model (-1..%d)",
                        *layer, gb_model_n_layers(m) - 1);
  return GB_OK;
}

GbStatus
gb_prototypes_find(GbModel *m, const GbDataView *data, int layer, int k, bool by_prediction,
                   GbProgressFn progress, void *user, GbPrototypes *out, GbError *err)
{
  memset(out, 0, sizeof *out);
  GbStatus st = check_args(m, data, &layer, k, by_prediction, err);
  if (st != GB_OK)
    return st;
  int n_out = gb_model_n_outputs(m);
  int C = n_out == 1 ? 2 : n_out;
  if (!by_prediction && data->n_classes > C)
    C = data->n_classes;
  size_t dim = layer_size(m, layer);
  Ctx ctx = {out, gb_calloc((size_t)C * dim, sizeof(double))};
  *out = (GbPrototypes){.n_classes = C, .k = k, .layer = layer, .dim = dim};
  out->centres = gb_alloc_floats((size_t)C * dim);
  out->counts = gb_calloc((size_t)C, sizeof(int));
  out->index = gb_malloc((size_t)C * k * sizeof(int));
  out->distance = gb_calloc((size_t)C * k, sizeof(double));
  if (!ctx.sums || !out->centres || !out->counts || !out->index || !out->distance)
    st = gb_error_set(err, GB_ERR_NOMEM, "prototypes of %d classes x %zu values", C, dim);
  for (size_t i = 0; st == GB_OK && i < (size_t)C * k; i++)
    out->index[i] = -1;
  if (st == GB_OK)
    st = for_each_batch(m, data, layer, by_prediction, sum_rows, &ctx, progress, user, 0, 0.5, err);
  for (int c = 0; st == GB_OK && c < C; c++)
    for (size_t j = 0; j < dim; j++)
      out->centres[(size_t)c * dim + j] =
          out->counts[c] ? (float)(ctx.sums[(size_t)c * dim + j] / out->counts[c]) : 0.0f;
  if (st == GB_OK)
    st =
        for_each_batch(m, data, layer, by_prediction, rank_rows, &ctx, progress, user, 0.5, 1, err);
  gb_free(ctx.sums);
  if (st != GB_OK)
    gb_prototypes_clear(out);
  return st;
}

/* ---- Activation maximisation ---- */

void
gb_actmax_config_init(GbActMaxConfig *cfg)
{
  *cfg = (GbActMaxConfig){.steps = 200,
                          .lr = 0.05,
                          .l2 = 0.3,
                          .tv = 0.15,
                          .blur_every = 4,
                          .blur_sigma = 0.5,
                          .start = 0.0f,
                          .start_noise = 0.01,
                          .seed = 1};
}

void
gb_actmax_clear(GbActMax *r)
{
  if (r == NULL)
    return;
  gb_free(r->x);
  memset(r, 0, sizeof *r);
}

/* g -= tv * d(TV2/2)/dx: the sum over the 4-neighbours j of x_i - x_j, per (h, w) plane. */
static void
add_tv_gradient(const float *x, float *g, int c, int h, int w, double tv)
{
  for (int p = 0; p < c; p++)
    for (int r = 0; r < h; r++)
      for (int q = 0; q < w; q++) {
        size_t i = ((size_t)p * h + r) * w + q;
        double s = 0;
        if (r > 0)
          s += x[i] - x[i - w];
        if (r < h - 1)
          s += x[i] - x[i + w];
        if (q > 0)
          s += x[i] - x[i - 1];
        if (q < w - 1)
          s += x[i] - x[i + 1];
        g[i] -= (float)(tv * s);
      }
}

static GbStatus
class_logit(GbModel *m, const float *x, int cls, double *logit, double *prob, GbError *err)
{
  const float *z;
  GbStatus st = gb_model_forward(m, x, 1, false, &z, err);
  if (st != GB_OK)
    return st;
  int n = gb_model_n_outputs(m);
  double mx = z[0], s = 0;
  for (int j = 1; j < n; j++)
    mx = z[j] > mx ? z[j] : mx;
  for (int j = 0; j < n; j++)
    s += exp(z[j] - mx);
  *logit = z[cls];
  if (prob != NULL)
    *prob = n == 1 ? 1.0 / (1.0 + exp(-z[0])) : exp(z[cls] - mx) / s;
  return GB_OK;
}

/* One ascent step: x += lr * g / rms(g), then clamped to [0, 1]. */
static GbStatus
ascent_step(GbModel *m, const GbShape *s, int cls, const GbActMaxConfig *cfg, float *x, float *g,
            float *dlogits, GbError *err)
{
  size_t n = gb_model_input_size(m);
  const float *z;
  GbStatus st = gb_model_forward(m, x, 1, false, &z, err);
  if (st == GB_OK) {
    dlogits[cls] = 1.0f;
    st = gb_model_backward(m, dlogits, 1, g, false, err);
  }
  if (st != GB_OK)
    return st;
  for (size_t i = 0; i < n; i++)
    g[i] -= (float)(cfg->l2 * x[i]);
  add_tv_gradient(x, g, s->dim[0], s->dim[1], s->dim[2], cfg->tv);
  double ss = 0;
  for (size_t i = 0; i < n; i++)
    ss += (double)g[i] * g[i];
  double scale = cfg->lr / (sqrt(ss / n) + 1e-12);
  for (size_t i = 0; i < n; i++) {
    float v = x[i] + (float)(scale * g[i]);
    x[i] = v < 0 ? 0 : v > 1 ? 1 : v;
  }
  return GB_OK;
}

static GbStatus
check_actmax(GbModel *m, int cls, const GbActMaxConfig *cfg, GbError *err)
{
  const GbShape *s = gb_model_input_shape(m);
  if (s->ndim != 3)
    return gb_error_set(err, GB_ERR_UNSUPPORTED,
                        "activation maximisation needs an image model (channels, height, width)");
  int n_out = gb_model_n_outputs(m);
  if (cls < 0 || cls >= n_out)
    return gb_error_set(err, GB_ERR_INVALID, "class %d is not an output of the model (0..%d)", cls,
                        n_out - 1);
  if (cfg->steps < 1 || !(cfg->lr > 0) || cfg->l2 < 0 || cfg->tv < 0 || cfg->blur_every < 0 ||
      (cfg->blur_every > 0 && !(cfg->blur_sigma > 0)) || !(cfg->start >= 0 && cfg->start <= 1))
    return gb_error_set(err, GB_ERR_INVALID,
                        "activation maximisation: steps >= 1, lr > 0, "
                        "l2, tv >= 0, blur sigma > 0 and a start in [0, 1] are needed");
  return GB_OK;
}

GbStatus
gb_activation_maximise(GbModel *m, int target_class, const GbActMaxConfig *cfg, GbActMax *out,
                       GbError *err)
{
  memset(out, 0, sizeof *out);
  GbActMaxConfig defaults;
  gb_actmax_config_init(&defaults);
  cfg = cfg != NULL ? cfg : &defaults;
  GbStatus st = check_actmax(m, target_class, cfg, err);
  if (st != GB_OK)
    return st;
  const GbShape *s = gb_model_input_shape(m);
  size_t n = gb_model_input_size(m);
  out->x = gb_alloc_floats(n);
  float *g = gb_alloc_floats(n), *blurred = gb_alloc_floats(n);
  float *dlogits = gb_alloc_floats((size_t)gb_model_n_outputs(m));
  if (!out->x || !g || !blurred || !dlogits)
    st = gb_error_set(err, GB_ERR_NOMEM, "activation maximisation of %zu inputs", n);
  GbRng rng;
  gb_rng_seed(&rng, cfg->seed);
  for (size_t i = 0; st == GB_OK && i < n; i++) {
    float v = cfg->start + (float)(cfg->start_noise * gb_rng_normal(&rng));
    out->x[i] = v < 0 ? 0 : v > 1 ? 1 : v;
  }
  if (st == GB_OK)
    st = class_logit(m, out->x, target_class, &out->logit_start, NULL, err);
  GbBaseline blur;
  gb_baseline_init(&blur);
  blur.kind = GB_BASELINE_BLUR;
  blur.blur_sigma = cfg->blur_sigma;
  for (int k = 0; st == GB_OK && k < cfg->steps; k++) {
    st = ascent_step(m, s, target_class, cfg, out->x, g, dlogits, err);
    if (st == GB_OK && cfg->blur_every > 0 && (k + 1) % cfg->blur_every == 0 &&
        k + 1 < cfg->steps) {
      st = gb_baseline_make(&blur, s, out->x, n, blurred, err);
      memcpy(out->x, blurred, n * sizeof(float));
    }
    if (st == GB_OK && cfg->progress != NULL &&
        !cfg->progress(cfg->user, (double)(k + 1) / cfg->steps, "activation maximisation"))
      st = gb_error_set(err, GB_ERR_CANCELLED, "activation maximisation cancelled");
  }
  if (st == GB_OK)
    st = class_logit(m, out->x, target_class, &out->logit_end, &out->prob_end, err);
  gb_free(g);
  gb_free(blurred);
  gb_free(dlogits);
  if (st != GB_OK)
    gb_actmax_clear(out);
  return st;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-train.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "gb-alloc.h"
#include "gb-train-private.h"

void
gb_train_config_init(GbTrainConfig *c)
{
  memset(c, 0, sizeof *c);
  c->epochs = 10;
  c->batch_size = 64;
  gb_optim_config_defaults(&c->optim, GB_OPTIM_ADAM);
  gb_schedule_init(&c->schedule, GB_SCHEDULE_CONSTANT);
  gb_loss_config_init(&c->loss, GB_LOSS_SOFTMAX_CE);
  c->restore_best = true;
  c->seed = 1;
}

void
gb_train_history_clear(GbTrainHistory *h)
{
  if (h == NULL)
    return;
  gb_free(h->epochs);
  memset(h, 0, sizeof *h);
}

GbStatus
gb_data_view_validate(const GbDataView *d, const char *what, GbError *err)
{
  if (d->n < 1 || d->x == NULL)
    return gb_error_set(err, GB_ERR_INVALID, "%s: no samples", what);
  size_t per = gb_shape_size(&d->shape);
  long bad = gb_floats_find_nonfinite(d->x, (size_t)d->n * per);
  if (bad >= 0)
    return gb_error_set(err, GB_ERR_NUMERIC, "%s: sample %ld has a non-finite value (%s)", what,
                        bad / (long)per, isnan(d->x[bad]) ? "NaN" : "infinity");
  if (d->labels != NULL)
    for (int i = 0; i < d->n; i++)
      if (d->labels[i] < 0 || (d->n_classes > 0 && d->labels[i] >= d->n_classes))
        return gb_error_set(err, GB_ERR_INVALID, "%s: sample %d has label %d, outside 0..%d",
                            what, i, d->labels[i], d->n_classes - 1);
  if (d->targets != NULL) {
    bad = gb_floats_find_nonfinite(d->targets, (size_t)d->n * d->target_dim);
    if (bad >= 0)
      return gb_error_set(err, GB_ERR_NUMERIC, "%s: target of sample %ld is not finite", what,
                          bad / d->target_dim);
  }
  return GB_OK;
}

GbStatus
gb_train_check_fit(GbModel *m, const GbDataView *d, const GbLossConfig *loss, const char *what,
                   GbError *err)
{
  char a[64], b[64];
  GbStatus st = gb_data_view_validate(d, what, err);
  if (st != GB_OK)
    return st;
  if (gb_shape_size(&d->shape) != gb_model_input_size(m))
    return gb_error_set(err, GB_ERR_SHAPE, "%s: samples of shape %s do not fit a model with input %s",
                        what, gb_shape_format(&d->shape, a, sizeof a),
                        gb_shape_format(gb_model_input_shape(m), b, sizeof b));
  int n_out = gb_model_n_outputs(m);
  switch (loss->kind) {
  case GB_LOSS_SOFTMAX_CE:
    if (d->labels == NULL)
      return gb_error_set(err, GB_ERR_INVALID, "%s: cross-entropy needs class labels", what);
    if (d->n_classes > n_out)
      return gb_error_set(err, GB_ERR_SHAPE, "%s: %d classes but the model has %d outputs", what,
                          d->n_classes, n_out);
    for (int i = 0; i < d->n; i++)
      if (d->labels[i] >= n_out)
        return gb_error_set(err, GB_ERR_SHAPE, "%s: label %d but the model has %d outputs", what,
                            d->labels[i], n_out);
    break;
  case GB_LOSS_BCE:
    if (n_out != 1)
      return gb_error_set(err, GB_ERR_SHAPE,
                          "%s: binary cross-entropy needs a model with 1 output, it has %d", what,
                          n_out);
    if (d->labels == NULL)
      return gb_error_set(err, GB_ERR_INVALID, "%s: binary cross-entropy needs labels", what);
    for (int i = 0; i < d->n; i++)
      if (d->labels[i] != 0 && d->labels[i] != 1)
        return gb_error_set(err, GB_ERR_INVALID, "%s: label %d of sample %d is not 0 or 1",
                            what, d->labels[i], i);
    break;
  case GB_LOSS_MSE:
    if (d->targets == NULL || d->target_dim != n_out)
      return gb_error_set(err, GB_ERR_SHAPE, "%s: MSE needs targets of size %d per sample", what,
                          n_out);
    break;
  }
  return GB_OK;
}

int *
gb_train_permutation(int n, uint64_t seed)
{
  int *idx = gb_calloc((size_t)(n > 0 ? n : 1), sizeof *idx);
  if (idx == NULL)
    return NULL;
  for (int i = 0; i < n; i++)
    idx[i] = i;
  GbRng rng;
  gb_rng_seed(&rng, seed);
  gb_rng_shuffle(&rng, idx, n);
  return idx;
}

double
gb_train_now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Scratch for one training run, sized once. */
typedef struct {
  float *xb;      /* (batch, in) gathered samples */
  int *yb;        /* (batch) labels */
  float *tb;      /* (batch, n_out) targets */
  float *dlogits; /* (batch, n_out) */
  int *pred;      /* (batch) */
  float *good;    /* last weights known to be finite */
  float *best;    /* weights of the best epoch */
  float *shifted; /* (in) one augmented sample */
  GbOptim *optim;
} Scratch;

static void
scratch_clear(Scratch *s)
{
  gb_free(s->xb);
  gb_free(s->yb);
  gb_free(s->tb);
  gb_free(s->dlogits);
  gb_free(s->pred);
  gb_free(s->good);
  gb_free(s->best);
  gb_free(s->shifted);
  gb_optim_free(s->optim);
  memset(s, 0, sizeof *s);
}

static GbStatus
scratch_init(Scratch *s, GbModel *m, const GbTrainConfig *cfg, GbError *err)
{
  memset(s, 0, sizeof *s);
  size_t b = (size_t)cfg->batch_size, in = gb_model_input_size(m), len = gb_model_buffer_len(m);
  size_t n_out = (size_t)gb_model_n_outputs(m);
  s->xb = gb_alloc_floats(b * in);
  s->yb = gb_calloc(b, sizeof *s->yb);
  s->tb = gb_alloc_floats(b * n_out);
  s->dlogits = gb_alloc_floats(b * n_out);
  s->pred = gb_calloc(b, sizeof *s->pred);
  s->good = gb_alloc_floats(len);
  s->best = gb_alloc_floats(len);
  s->shifted = gb_alloc_floats(in);
  int nt = gb_model_n_tensors(m);
  GbOptimGroup *groups = gb_calloc((size_t)(nt ? nt : 1), sizeof *groups);
  if (!s->xb || !s->yb || !s->tb || !s->dlogits || !s->pred || !s->good || !s->best || !s->shifted ||
      !groups) {
    gb_free(groups);
    scratch_clear(s);
    return gb_error_set(err, GB_ERR_NOMEM, "out of memory for training buffers");
  }
  float *base = gb_model_params(m);
  for (int i = 0; i < nt; i++) {
    GbModelTensor t;
    gb_model_get_tensor(m, i, &t);
    groups[i] = (GbOptimGroup){(size_t)(t.data - base), t.count, t.is_bias};
  }
  s->optim = gb_optim_new(&cfg->optim, len, groups, nt, err);
  gb_free(groups);
  if (s->optim == NULL) {
    scratch_clear(s);
    return err ? err->code : GB_ERR_NOMEM;
  }
  GbStatus st = gb_model_reserve(m, cfg->batch_size, err);
  if (st != GB_OK)
    scratch_clear(s); /* the caller frees nothing when this fails */
  return st;
}

static void
gather(const GbDataView *d, const int *idx, int count, Scratch *s, int n_out)
{
  size_t in = gb_shape_size(&d->shape);
  for (int i = 0; i < count; i++) {
    int r = idx[i];
    memcpy(s->xb + (size_t)i * in, d->x + (size_t)r * in, in * sizeof(float));
    if (d->labels != NULL)
      s->yb[i] = d->labels[r];
    if (d->targets != NULL)
      memcpy(s->tb + (size_t)i * n_out, d->targets + (size_t)r * n_out, n_out * sizeof(float));
  }
}

/* Translates each image of the batch by a random (dx, dy) in [-max, max], filling with 0.
 * xb: (batch, c, h, w) */
static void
augment_shift(float *xb, int batch, const GbShape *shape, int max, float *tmp, GbRng *rng)
{
  int c = shape->dim[0], h = shape->dim[1], w = shape->dim[2];
  size_t per = (size_t)c * h * w;
  for (int b = 0; b < batch; b++) {
    int dx = (int)gb_rng_below(rng, (uint64_t)(2 * max + 1)) - max;
    int dy = (int)gb_rng_below(rng, (uint64_t)(2 * max + 1)) - max;
    if (dx == 0 && dy == 0)
      continue;
    float *img = xb + per * b;
    memset(tmp, 0, per * sizeof(float));
    for (int k = 0; k < c; k++)
      for (int y = 0; y < h; y++) {
        int sy = y - dy;
        if (sy < 0 || sy >= h)
          continue;
        for (int x = 0; x < w; x++) {
          int sx = x - dx;
          if (sx >= 0 && sx < w)
            tmp[((size_t)k * h + y) * w + x] = img[((size_t)k * h + sy) * w + sx];
        }
      }
    memcpy(img, tmp, per * sizeof(float));
  }
}

static int
count_correct(const GbLossConfig *loss, const float *logits, const int *labels, int batch,
              int n_out)
{
  if (loss->kind == GB_LOSS_MSE)
    return 0;
  int correct = 0;
  for (int b = 0; b < batch; b++) {
    const float *z = logits + (size_t)b * n_out;
    int p = 0;
    if (n_out == 1)
      p = z[0] > 0.0f;
    else
      for (int j = 1; j < n_out; j++)
        if (z[j] > z[p])
          p = j;
    correct += p == labels[b];
  }
  return correct;
}

/* L1 (Oliva's lambda |W|, weights only), then value clipping, then norm clipping. */
static void
regularise(GbModel *m, const GbTrainConfig *cfg)
{
  float *grads = gb_model_grads(m);
  size_t len = gb_model_buffer_len(m);
  if (cfg->l1 > 0.0f)
    for (int i = 0; i < gb_model_n_tensors(m); i++) {
      GbModelTensor t;
      gb_model_get_tensor(m, i, &t);
      if (t.is_bias)
        continue;
      for (size_t k = 0; k < t.count; k++)
        t.grad[k] += t.data[k] > 0.0f ? cfg->l1 : t.data[k] < 0.0f ? -cfg->l1 : 0.0f;
    }
  if (cfg->clip_value > 0.0f) {
    float c = cfg->clip_value;
    for (size_t k = 0; k < len; k++)
      grads[k] = grads[k] > c ? c : grads[k] < -c ? -c : grads[k];
  }
  if (cfg->clip_norm > 0.0f) {
    double ss = 0.0;
    for (size_t k = 0; k < len; k++)
      ss += (double)grads[k] * grads[k];
    double norm = sqrt(ss);
    if (norm > cfg->clip_norm) {
      float scale = (float)(cfg->clip_norm / norm);
      for (size_t k = 0; k < len; k++)
        grads[k] *= scale;
    }
  }
}

static double
l1_penalty(GbModel *m, float l1)
{
  if (l1 <= 0.0f)
    return 0.0;
  double s = 0.0;
  for (int i = 0; i < gb_model_n_tensors(m); i++) {
    GbModelTensor t;
    gb_model_get_tensor(m, i, &t);
    if (!t.is_bias)
      for (size_t k = 0; k < t.count; k++)
        s += fabs(t.data[k]);
  }
  return l1 * s;
}

static GbStatus
evaluate_indexed(GbModel *m, const GbDataView *d, const int *idx, int n, const GbLossConfig *loss,
                 double *loss_out, double *acc_out, GbError *err);

static GbStatus
check_config(const GbTrainConfig *c, GbError *err)
{
  if (c->epochs < 1)
    return gb_error_set(err, GB_ERR_INVALID, "epochs must be at least 1, got %d", c->epochs);
  if (c->batch_size < 1 || c->batch_size > 1 << 16)
    return gb_error_set(err, GB_ERR_INVALID, "batch size must be in 1..65536, got %d",
                        c->batch_size);
  if (!(c->optim.lr > 0.0f) || !isfinite(c->optim.lr))
    return gb_error_set(err, GB_ERR_INVALID, "learning rate must be positive, got %g",
                        (double)c->optim.lr);
  if (!(c->val_fraction >= 0.0 && c->val_fraction < 1.0))
    return gb_error_set(err, GB_ERR_INVALID, "validation fraction must be in [0, 1), got %g",
                        c->val_fraction);
  if (c->l1 < 0.0f || c->clip_value < 0.0f || c->clip_norm < 0.0f || c->patience < 0 ||
      c->augment_shift < 0)
    return gb_error_set(err, GB_ERR_INVALID,
                        "L1, clipping, patience and shifts must not be negative");
  return GB_OK;
}

typedef struct {
  GbModel *m;
  const GbDataView *train;
  const int *train_idx;
  int n_train;
  const GbTrainConfig *cfg;
  Scratch s;
  int *order;
  double first_loss; /* of the run's first batch, before any update; NAN until then */
} Run;

/* A loss this many times the first batch's (or 1, whichever is larger) means the steps are
 * throwing the weights around rather than descending: stop before they overflow. Ordinary
 * training, even with a spike, stays orders of magnitude below. */
#define GB_TRAIN_EXPLODE 1e4

/* One pass over the shuffled training rows. Returns GB_ERR_NUMERIC on a non-finite loss. */
static GbStatus
run_epoch(Run *r, int epoch, float lr, GbRng *rng, GbEpochStats *st, GbError *err)
{
  const GbTrainConfig *cfg = r->cfg;
  GbModel *m = r->m;
  int n_out = gb_model_n_outputs(m);
  memcpy(r->order, r->train_idx, (size_t)r->n_train * sizeof *r->order);
  gb_rng_shuffle(rng, r->order, r->n_train);
  double loss_sum = 0.0;
  long correct = 0;
  int n_batches = (r->n_train + cfg->batch_size - 1) / cfg->batch_size;
  for (int k = 0; k < n_batches; k++) {
    int start = k * cfg->batch_size;
    int b = r->n_train - start < cfg->batch_size ? r->n_train - start : cfg->batch_size;
    gather(r->train, r->order + start, b, &r->s, n_out);
    if (cfg->augment_shift > 0)
      augment_shift(r->s.xb, b, &r->train->shape, cfg->augment_shift, r->s.shifted, rng);
    const float *logits;
    GbStatus status = gb_model_forward(m, r->s.xb, b, true, &logits, err);
    if (status != GB_OK)
      return status;
    double loss = gb_loss_compute(&cfg->loss, logits, r->s.yb, r->s.tb, b, n_out, r->s.dlogits);
    if (!isfinite(loss))
      return gb_error_set(err, GB_ERR_NUMERIC,
                          "training diverged in epoch %d, batch %d: the loss became %s "
                          "(the learning rate %g is probably too high)",
                          epoch + 1, k + 1, isnan(loss) ? "NaN" : "infinite", (double)lr);
    if (isnan(r->first_loss))
      r->first_loss = loss;
    double limit = GB_TRAIN_EXPLODE * fmax(r->first_loss, 1.0);
    if (loss > limit)
      return gb_error_set(err, GB_ERR_NUMERIC,
                          "training diverged in epoch %d, batch %d: the loss grew from %.3g to "
                          "%.3g (the learning rate %g is probably too high)",
                          epoch + 1, k + 1, r->first_loss, loss, (double)lr);
    loss_sum += loss * b;
    correct += count_correct(&cfg->loss, logits, r->s.yb, b, n_out);
    status = gb_model_backward(m, r->s.dlogits, b, NULL, true, err);
    if (status != GB_OK)
      return status;
    regularise(m, cfg);
    gb_optim_step(r->s.optim, gb_model_params(m), gb_model_grads(m), lr);
    if (cfg->progress != NULL) {
      double frac = (epoch + (double)(k + 1) / n_batches) / cfg->epochs;
      char stage[64];
      snprintf(stage, sizeof stage, "epoch %d/%d", epoch + 1, cfg->epochs);
      if (!cfg->progress(cfg->user, frac, stage))
        return gb_error_set(err, GB_ERR_CANCELLED, "training cancelled in epoch %d", epoch + 1);
    }
  }
  st->train_loss = loss_sum / r->n_train + l1_penalty(m, cfg->l1);
  st->train_acc = cfg->loss.kind == GB_LOSS_MSE ? NAN : (double)correct / r->n_train;
  if (gb_floats_find_nonfinite(gb_model_params(m), gb_model_buffer_len(m)) >= 0)
    return gb_error_set(err, GB_ERR_NUMERIC,
                        "training diverged in epoch %d: a weight became NaN or infinite "
                        "(the learning rate %g is probably too high)",
                        epoch + 1, (double)lr);
  return GB_OK;
}

static GbStatus
append_history(GbTrainHistory *h, const GbEpochStats *st, GbError *err)
{
  if (h == NULL)
    return GB_OK;
  GbEpochStats *grown = gb_realloc(h->epochs, (size_t)(h->n_epochs + 1) * sizeof *grown);
  if (grown == NULL)
    return gb_error_set(err, GB_ERR_NOMEM, "out of memory for the training history");
  h->epochs = grown;
  h->epochs[h->n_epochs++] = *st;
  return GB_OK;
}

GbStatus
gb_train_indexed(GbModel *m, const GbDataView *train, const int *train_idx, int n_train,
                 const GbDataView *val, const int *val_idx, int n_val, const GbTrainConfig *cfg,
                 GbTrainHistory *hist, GbError *err)
{
  if (hist != NULL)
    memset(hist, 0, sizeof *hist);
  GbStatus st = check_config(cfg, err);
  if (st != GB_OK)
    return st;
  if (n_train < 1)
    return gb_error_set(err, GB_ERR_INVALID, "no training samples left");
  Run r = {m, train, train_idx, n_train, cfg, {0}, NULL, NAN};
  st = scratch_init(&r.s, m, cfg, err);
  if (st != GB_OK)
    return st;
  r.order = gb_calloc((size_t)n_train, sizeof *r.order);
  if (r.order == NULL) {
    scratch_clear(&r.s);
    return gb_error_set(err, GB_ERR_NOMEM, "out of memory");
  }
  size_t len = gb_model_buffer_len(m);
  GbRng rng;
  gb_rng_seed(&rng, gb_rng_derive(cfg->seed, 1));
  gb_rng_seed(gb_model_rng(m), gb_rng_derive(cfg->seed, 2));
  double best = INFINITY;
  int since_best = 0;
  memcpy(r.s.best, gb_model_params(m), len * sizeof(float));
  for (int e = 0; e < cfg->epochs; e++) {
    GbEpochStats es = {.epoch = e + 1, .val_loss = NAN, .val_acc = NAN};
    float lr = gb_schedule_lr(&cfg->schedule, cfg->optim.lr, e, cfg->epochs);
    es.lr = lr;
    double t0 = gb_train_now();
    memcpy(r.s.good, gb_model_params(m), len * sizeof(float));
    st = run_epoch(&r, e, lr, &rng, &es, err);
    if (st != GB_OK) {
      /* Cancelled or diverged: leave the model as it was after the last whole epoch. */
      memcpy(gb_model_params(m), r.s.good, len * sizeof(float));
      break;
    }
    if (n_val > 0) {
      st = evaluate_indexed(m, val, val_idx, n_val, &cfg->loss, &es.val_loss, &es.val_acc, err);
      if (st != GB_OK)
        break;
    }
    es.seconds = gb_train_now() - t0;
    if ((st = append_history(hist, &es, err)) != GB_OK)
      break;
    if (cfg->on_epoch != NULL)
      cfg->on_epoch(cfg->user, &es);
    double monitored = n_val > 0 ? es.val_loss : es.train_loss;
    if (monitored < best - cfg->min_delta) {
      best = monitored;
      since_best = 0;
      memcpy(r.s.best, gb_model_params(m), len * sizeof(float));
      if (hist != NULL)
        hist->best_epoch = e + 1;
    } else if (cfg->patience > 0 && n_val > 0 && ++since_best >= cfg->patience) {
      if (hist != NULL)
        hist->stopped_early = true;
      if (cfg->restore_best)
        memcpy(gb_model_params(m), r.s.best, len * sizeof(float));
      break;
    }
  }
  gb_free(r.order);
  scratch_clear(&r.s);
  return st;
}

GbStatus
gb_train(GbModel *m, const GbDataView *train, const GbDataView *val, const GbTrainConfig *cfg,
         GbTrainHistory *hist, GbError *err)
{
  if (hist != NULL)
    memset(hist, 0, sizeof *hist);
  GbStatus st = check_config(cfg, err);
  if (st == GB_OK && cfg->augment_shift > 0 && train->shape.ndim != 3)
    st = gb_error_set(err, GB_ERR_INVALID, "shift augmentation needs images (channels, height, "
                      "width), not samples of %d dimensions", train->shape.ndim);
  if (st == GB_OK)
    st = gb_train_check_fit(m, train, &cfg->loss, "training data", err);
  if (st == GB_OK && val != NULL)
    st = gb_train_check_fit(m, val, &cfg->loss, "validation data", err);
  if (st != GB_OK)
    return st;
  int *perm = gb_train_permutation(train->n, gb_rng_derive(cfg->seed, 3));
  int *val_all = NULL;
  if (perm == NULL)
    return gb_error_set(err, GB_ERR_NOMEM, "out of memory");
  if (val != NULL) {
    /* Separate validation data: train on everything, in order (shuffled per epoch anyway). */
    val_all = gb_train_permutation(val->n, 0);
    if (val_all == NULL) {
      gb_free(perm);
      return gb_error_set(err, GB_ERR_NOMEM, "out of memory");
    }
    st = gb_train_indexed(m, train, perm, train->n, val, val_all, val->n, cfg, hist, err);
  } else {
    int n_val = (int)(cfg->val_fraction * train->n);
    if (cfg->val_fraction > 0.0 && n_val < 1)
      n_val = 1;
    st = gb_train_indexed(m, train, perm + n_val, train->n - n_val, train, perm, n_val, cfg,
                          hist, err);
  }
  gb_free(perm);
  gb_free(val_all);
  return st;
}

static GbStatus
evaluate_indexed(GbModel *m, const GbDataView *d, const int *idx, int n, const GbLossConfig *loss,
                 double *loss_out, double *acc_out, GbError *err)
{
  const int chunk = 256;
  int n_out = gb_model_n_outputs(m);
  size_t in = gb_shape_size(&d->shape);
  float *xb = gb_alloc_floats((size_t)chunk * in);
  int *yb = gb_calloc(chunk, sizeof *yb);
  float *tb = gb_alloc_floats((size_t)chunk * n_out);
  GbStatus st = GB_OK;
  if (xb == NULL || yb == NULL || tb == NULL)
    st = gb_error_set(err, GB_ERR_NOMEM, "out of memory for evaluation");
  double loss_sum = 0.0;
  long correct = 0;
  for (int start = 0; st == GB_OK && start < n; start += chunk) {
    int b = n - start < chunk ? n - start : chunk;
    for (int i = 0; i < b; i++) {
      int r = idx ? idx[start + i] : start + i;
      memcpy(xb + (size_t)i * in, d->x + (size_t)r * in, in * sizeof(float));
      if (d->labels != NULL)
        yb[i] = d->labels[r];
      if (d->targets != NULL)
        memcpy(tb + (size_t)i * n_out, d->targets + (size_t)r * n_out, n_out * sizeof(float));
    }
    const float *logits;
    st = gb_model_forward(m, xb, b, false, &logits, err);
    if (st != GB_OK)
      break;
    loss_sum += gb_loss_compute(loss, logits, yb, tb, b, n_out, NULL) * b;
    correct += count_correct(loss, logits, yb, b, n_out);
  }
  gb_free(xb);
  gb_free(yb);
  gb_free(tb);
  if (st != GB_OK)
    return st;
  *loss_out = loss_sum / n;
  if (acc_out != NULL)
    *acc_out = loss->kind == GB_LOSS_MSE ? NAN : (double)correct / n;
  return GB_OK;
}

GbStatus
gb_evaluate(GbModel *m, const GbDataView *d, const int *subset, int n_subset,
            const GbLossConfig *loss, double *loss_out, double *acc_out, GbError *err)
{
  GbStatus st = gb_train_check_fit(m, d, loss, "evaluation data", err);
  if (st != GB_OK)
    return st;
  int n = subset ? n_subset : d->n;
  if (n < 1)
    return gb_error_set(err, GB_ERR_INVALID, "nothing to evaluate");
  return evaluate_indexed(m, d, subset, n, loss, loss_out, acc_out, err);
}

GbStatus
gb_predict_classes(GbModel *m, const GbDataView *d, int *pred, float *scores, GbError *err)
{
  char a[64], b[64];
  if (gb_shape_size(&d->shape) != gb_model_input_size(m))
    return gb_error_set(err, GB_ERR_SHAPE, "samples of shape %s do not fit a model with input %s",
                        gb_shape_format(&d->shape, a, sizeof a),
                        gb_shape_format(gb_model_input_shape(m), b, sizeof b));
  const int chunk = 256;
  int n_out = gb_model_n_outputs(m);
  size_t in = gb_shape_size(&d->shape);
  for (int start = 0; start < d->n; start += chunk) {
    int nb = d->n - start < chunk ? d->n - start : chunk;
    const float *z;
    GbStatus st = gb_model_forward(m, d->x + (size_t)start * in, nb, false, &z, err);
    if (st != GB_OK)
      return st;
    for (int i = 0; i < nb; i++) {
      const float *zi = z + (size_t)i * n_out;
      int p = 0;
      if (n_out == 1)
        p = zi[0] > 0.0f;
      else
        for (int j = 1; j < n_out; j++)
          if (zi[j] > zi[p])
            p = j;
      pred[start + i] = p;
      if (scores != NULL)
        scores[start + i] = n_out == 1 ? zi[0] : n_out == 2 ? zi[1] - zi[0] : zi[p];
    }
  }
  return GB_OK;
}

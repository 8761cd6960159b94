/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-search.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb-alloc.h"
#include "gb-train-private.h"

GbStatus
gb_cross_validate(const char *spec, const GbDataView *data, int k, const GbTrainConfig *cfg,
                  GbFoldResult *folds, double *mean_acc, double *std_acc, GbError *err)
{
  if (k < 2 || k > data->n)
    return gb_error_set(err, GB_ERR_INVALID, "k-fold needs 2 <= k <= %d samples, got k = %d",
                        data->n, k);
  int *perm = gb_train_permutation(data->n, gb_rng_derive(cfg->seed, 11));
  int *train_idx = gb_calloc((size_t)data->n, sizeof *train_idx);
  GbStatus st = GB_OK;
  if (perm == NULL || train_idx == NULL)
    st = gb_error_set(err, GB_ERR_NOMEM, "out of memory");
  double sum = 0.0, sum2 = 0.0;
  for (int f = 0; st == GB_OK && f < k; f++) {
    int lo = (int)((long)data->n * f / k), hi = (int)((long)data->n * (f + 1) / k);
    int n_train = 0;
    for (int i = 0; i < data->n; i++)
      if (i < lo || i >= hi)
        train_idx[n_train++] = perm[i];
    GbModel *m = NULL;
    st = gb_model_new_from_spec(spec, gb_rng_derive(cfg->seed, 100 + (uint64_t)f), &m, err);
    if (st == GB_OK && f == 0)
      st = gb_train_check_fit(m, data, &cfg->loss, "cross-validation data", err);
    GbTrainConfig c = *cfg;
    c.progress = NULL;
    GbTrainHistory h = {0};
    if (st == GB_OK)
      st = gb_train_indexed(m, data, train_idx, n_train, data, perm + lo, hi - lo, &c, &h, err);
    if (st == GB_OK) {
      const GbEpochStats *last = &h.epochs[h.n_epochs - 1];
      double acc = last->val_acc, loss = last->val_loss;
      if (h.stopped_early && cfg->restore_best)
        st = gb_evaluate(m, data, perm + lo, hi - lo, &cfg->loss, &loss, &acc, err);
      folds[f] = (GbFoldResult){f + 1, loss, acc, h.n_epochs};
      sum += acc;
      sum2 += acc * acc;
    }
    gb_train_history_clear(&h);
    gb_model_free(m);
    if (st == GB_OK && cfg->progress && !cfg->progress(cfg->user, (f + 1.0) / k, "cross-validation"))
      st = gb_error_set(err, GB_ERR_CANCELLED, "cross-validation cancelled after fold %d", f + 1);
  }
  gb_free(perm);
  gb_free(train_idx);
  if (st != GB_OK)
    return st;
  *mean_acc = sum / k;
  *std_acc = sqrt(fmax(0.0, sum2 / k - (sum / k) * (sum / k)));
  return GB_OK;
}

char *
gb_search_expand_template(const char *tmpl, const char *units, GbError *err)
{
  char vals[4][16] = {{0}};
  int n_vals = 0;
  if (units != NULL && units[0]) {
    const char *p = units;
    while (*p) {
      char *end;
      errno = 0;
      long v = strtol(p, &end, 10);
      if (end == p || errno || v < 1 || v > 1 << 20 || n_vals == 4) {
        gb_error_set(err, GB_ERR_FORMAT, "layer sizes '%s': expected up to 4 sizes like 256-128",
                     units);
        return NULL;
      }
      snprintf(vals[n_vals++], sizeof vals[0], "%ld", v);
      p = *end == '-' || *end == 'x' || *end == '/' ? end + 1 : end;
      if (*end && p == end) {
        gb_error_set(err, GB_ERR_FORMAT, "layer sizes '%s': unexpected '%c'", units, *end);
        return NULL;
      }
    }
  }
  size_t cap = strlen(tmpl) * 2 + 64;
  char *out = gb_malloc(cap);
  if (out == NULL) {
    gb_error_set(err, GB_ERR_NOMEM, "out of memory");
    return NULL;
  }
  size_t o = 0;
  for (const char *p = tmpl; *p;) {
    int slot = -1, skip = 0;
    if (strncmp(p, "{u}", 3) == 0)
      slot = 0, skip = 3;
    else if (p[0] == '{' && p[1] == 'u' && p[2] >= '1' && p[2] <= '4' && p[3] == '}')
      slot = p[2] - '1', skip = 4;
    if (slot >= 0) {
      if (slot >= n_vals) {
        gb_error_set(err, GB_ERR_FORMAT, "template uses {u%d} but layer sizes '%s' give %d",
                     slot + 1, units ? units : "", n_vals);
        gb_free(out);
        return NULL;
      }
      size_t l = strlen(vals[slot]);
      memcpy(out + o, vals[slot], l);
      o += l;
      p += skip;
    } else {
      out[o++] = *p++;
    }
    if (o + 20 >= cap) {
      gb_error_set(err, GB_ERR_FORMAT, "architecture template too long");
      gb_free(out);
      return NULL;
    }
  }
  out[o] = '\0';
  return out;
}

/* Trains one candidate on the shared split and fills its result. */
static GbStatus
run_trial(GbSearchTrial *t, const GbSearchSpace *space, const GbDataView *data,
          const GbTrainConfig *base, const int *perm, int n_val, GbError *err)
{
  char *spec = gb_search_expand_template(space->spec_template, t->units, err);
  if (spec == NULL)
    return err ? err->code : GB_ERR_FORMAT;
  GbModel *m = NULL;
  GbStatus st = gb_model_new_from_spec(spec, base->seed, &m, err);
  if (st != GB_OK)
    gb_error_prefix(err, "architecture '%s'", spec);
  gb_free(spec);
  GbTrainConfig c = *base;
  c.progress = NULL;
  c.on_epoch = NULL;
  gb_optim_config_defaults(&c.optim, t->optim);
  c.optim.lr = t->lr;
  c.batch_size = t->batch;
  GbTrainHistory h = {0};
  double t0 = gb_train_now();
  if (st == GB_OK)
    st = gb_train_check_fit(m, data, &c.loss, "search data", err);
  if (st == GB_OK)
    st = gb_train_indexed(m, data, perm + n_val, data->n - n_val, data, perm, n_val, &c, &h, err);
  if (st == GB_OK)
    st = gb_evaluate(m, data, perm, n_val, &c.loss, &t->val_loss, &t->val_acc, err);
  t->seconds = gb_train_now() - t0;
  t->epochs_run = h.n_epochs;
  gb_train_history_clear(&h);
  gb_model_free(m);
  return st;
}

static float
pick_lr(const GbSearchSpace *s, GbSearchMode mode, GbRng *rng, int i)
{
  if (mode == GB_SEARCH_GRID || s->n_lr == 1)
    return s->lr[i];
  float lo = s->lr[0], hi = s->lr[0];
  for (int k = 1; k < s->n_lr; k++) {
    lo = s->lr[k] < lo ? s->lr[k] : lo;
    hi = s->lr[k] > hi ? s->lr[k] : hi;
  }
  return (float)exp(log(lo) + gb_rng_uniform(rng) * (log(hi) - log(lo)));
}

static GbStatus
check_space(const GbSearchSpace *s, GbError *err)
{
  if (s->spec_template == NULL || s->n_lr < 1 || s->n_batch < 1 || s->n_optim < 1 ||
      s->n_units < 0)
    return gb_error_set(err, GB_ERR_INVALID,
                        "a search needs an architecture and at least one learning rate, "
                        "batch size and optimizer");
  for (int i = 0; i < s->n_lr; i++)
    if (!(s->lr[i] > 0.0f))
      return gb_error_set(err, GB_ERR_INVALID, "learning rates must be positive");
  for (int i = 0; i < s->n_batch; i++)
    if (s->batch[i] < 1)
      return gb_error_set(err, GB_ERR_INVALID, "batch sizes must be positive");
  return GB_OK;
}

GbStatus
gb_hyper_search(const GbSearchSpace *space, GbSearchMode mode, int n_random,
                const GbDataView *data, const GbTrainConfig *base, GbSearchTrial **trials,
                int *n_trials, int *best, GbError *err)
{
  *trials = NULL;
  *n_trials = 0;
  *best = -1;
  GbStatus st = check_space(space, err);
  if (st != GB_OK)
    return st;
  int n_units = space->n_units > 0 ? space->n_units : 1;
  long total = mode == GB_SEARCH_GRID
                   ? (long)space->n_lr * space->n_batch * n_units * space->n_optim
                   : n_random;
  if (total < 1 || total > 100000)
    return gb_error_set(err, GB_ERR_INVALID, "a search of %ld trials is not sensible", total);
  GbTrainConfig cfg = *base;
  if (cfg.val_fraction <= 0.0)
    cfg.val_fraction = 0.2;
  int n_val = (int)(cfg.val_fraction * data->n);
  if (n_val < 1 || n_val >= data->n)
    return gb_error_set(err, GB_ERR_INVALID, "too few samples (%d) for a validation split",
                        data->n);
  int *perm = gb_train_permutation(data->n, gb_rng_derive(cfg.seed, 3));
  GbSearchTrial *out = gb_calloc((size_t)total, sizeof *out);
  if (perm == NULL || out == NULL) {
    gb_free(perm);
    gb_free(out);
    return gb_error_set(err, GB_ERR_NOMEM, "out of memory");
  }
  GbRng rng;
  gb_rng_seed(&rng, gb_rng_derive(cfg.seed, 21));
  for (long i = 0; i < total; i++) {
    GbSearchTrial *t = &out[i];
    long r = i;
    int li, bi, ui, oi;
    if (mode == GB_SEARCH_GRID) {
      li = (int)(r % space->n_lr), r /= space->n_lr;
      bi = (int)(r % space->n_batch), r /= space->n_batch;
      ui = (int)(r % n_units), r /= n_units;
      oi = (int)r;
    } else {
      li = (int)gb_rng_below(&rng, (uint64_t)space->n_lr);
      bi = (int)gb_rng_below(&rng, (uint64_t)space->n_batch);
      ui = (int)gb_rng_below(&rng, (uint64_t)n_units);
      oi = (int)gb_rng_below(&rng, (uint64_t)space->n_optim);
    }
    t->lr = pick_lr(space, mode, &rng, li);
    t->batch = space->batch[bi];
    snprintf(t->units, sizeof t->units, "%s", space->n_units > 0 ? space->units[ui] : "");
    t->optim = space->optim[oi];
    st = run_trial(t, space, data, &cfg, perm, n_val, err);
    if (st != GB_OK) {
      if (st != GB_ERR_NUMERIC)
        break;
      /* A diverging candidate is a result (a bad one), not a failure of the search. */
      t->val_loss = INFINITY;
      t->val_acc = 0.0;
      st = GB_OK;
    }
    *n_trials = (int)i + 1;
    bool better = *best < 0 ||
                  (cfg.loss.kind == GB_LOSS_MSE ? t->val_loss < out[*best].val_loss
                                                : t->val_acc > out[*best].val_acc);
    if (better)
      *best = (int)i;
    if (base->progress && !base->progress(base->user, (i + 1.0) / total, "search")) {
      st = gb_error_set(err, GB_ERR_CANCELLED, "search cancelled after %ld trials", i + 1);
      break;
    }
  }
  gb_free(perm);
  *trials = out;
  return st;
}

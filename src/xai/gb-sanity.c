/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Sanity checks of explanation methods: model parameter randomisation and random logit
 * (Adebayo et al. 2018; Sixt et al. 2020), max/avg-sensitivity (Yeh et al. 2019) and
 * faithfulness correlation (Bhatt et al. 2020). methods.md §6. */
#include "config.h"

#include "gb-sanity.h"

#include <math.h>
#include <string.h>

#include "gb-alloc.h"
#include "gb-rng.h"
#include "gb-scores.h"

void
gb_sanity_config_init(GbSanityConfig *cfg)
{
  *cfg = (GbSanityConfig){.absolute = true, .seed = 42};
}

void
gb_sensitivity_config_init(GbSensitivityConfig *cfg)
{
  *cfg = (GbSensitivityConfig){.radius = 0.2, .n_samples = 50};
}

void
gb_faith_corr_config_init(GbFaithCorrConfig *cfg)
{
  *cfg = (GbFaithCorrConfig){.n_runs = 100, .subset_fraction = 0.1};
}

void
gb_randomisation_result_clear(GbRandomisationResult *r)
{
  if (r == NULL)
    return;
  gb_free(r->layer);
  gb_free(r->layer_name);
  gb_free(r->similarity);
  memset(r, 0, sizeof *r);
}

/* ---- Shared steps ---- */

static GbStatus
check_args(GbModel *m, const float *x, int n, const GbSanityConfig *cfg, const void *out,
           const char *what, GbError *err)
{
  if (m == NULL || x == NULL || out == NULL || cfg == NULL)
    return gb_error_set(err, GB_ERR_INVALID, "%s: no model, inputs, configuration or output",
                        what);
  if (cfg->explain == NULL)
    return gb_error_set(err, GB_ERR_INVALID, "%s: no explainer", what);
  if (n < 1)
    return gb_error_set(err, GB_ERR_INVALID, "%s: %d inputs", what, n);
  size_t len = (size_t)n * gb_model_input_size(m);
  for (size_t i = 0; i < len; i++)
    if (!isfinite(x[i]))
      return gb_error_set(err, GB_ERR_NUMERIC, "%s: input value %zu is not finite", what, i);
  return GB_OK;
}

static bool
keep_going(const GbSanityConfig *cfg, double fraction, const char *stage)
{
  return cfg->progress == NULL || cfg->progress(cfg->user, fraction, stage);
}

static GbStatus
cancelled(const char *what, GbError *err)
{
  return gb_error_set(err, GB_ERR_CANCELLED, "%s: cancelled", what);
}

/* @classes (n) copied or, when NULL, the model's predictions on @x (n, d). Owned. */
static GbStatus
resolve_classes(GbModel *m, const float *x, int n, const int *classes, int **out, GbError *err)
{
  int n_out = gb_model_n_outputs(m);
  int *c = gb_malloc((size_t)n * sizeof *c);
  float *logits = classes == NULL ? gb_alloc_floats((size_t)n * n_out) : NULL;
  if (c == NULL || (classes == NULL && logits == NULL)) {
    gb_free(c);
    gb_free(logits);
    return gb_error_set(err, GB_ERR_NOMEM, "classes of %d inputs", n);
  }
  GbStatus st = GB_OK;
  if (classes != NULL) {
    for (int i = 0; i < n && st == GB_OK; i++)
      if (classes[i] < 0 || classes[i] >= n_out)
        st = gb_error_set(err, GB_ERR_INVALID, "input %d: class %d is not an output (0..%d)",
                          i, classes[i], n_out - 1);
      else
        c[i] = classes[i];
  } else {
    st = gb_model_predict(m, x, n, logits, NULL, NULL, err);
    for (int i = 0; i < n && st == GB_OK; i++) {
      const float *l = logits + (size_t)i * n_out;
      c[i] = 0;
      for (int k = 1; k < n_out; k++)
        if (l[k] > l[c[i]])
          c[i] = k;
    }
  }
  gb_free(logits);
  if (st != GB_OK)
    gb_free(c);
  else
    *out = c;
  return st;
}

/* @maps (nb, d) of @x (nb, d) from the configured explainer, checked to be finite. */
static GbStatus
explain(const GbSanityConfig *cfg, GbModel *m, const float *x, int nb, const int *classes,
        float *maps, GbError *err)
{
  GbStatus st = cfg->explain(cfg->explain_user, m, x, nb, classes, maps, err);
  if (st != GB_OK)
    return st;
  size_t len = (size_t)nb * gb_model_input_size(m);
  for (size_t i = 0; i < len; i++)
    if (!isfinite(maps[i]))
      return gb_error_set(err, GB_ERR_NUMERIC, "the explainer's value %zu is not finite", i);
  return GB_OK;
}

/* Mean over the @n inputs of the Spearman correlation of maps @a and @b (n, d), skipping the
 * undefined ones (a constant map); NaN when all are. */
static GbStatus
mean_spearman(const float *a, const float *b, int n, size_t d, bool absolute, double *out,
              GbError *err)
{
  double sum = 0;
  int count = 0;
  for (int i = 0; i < n; i++) {
    double r;
    GbStatus st = gb_score_spearman(a + i * d, b + i * d, d, absolute, &r, err);
    if (st != GB_OK)
      return st;
    if (isfinite(r)) {
      sum += r;
      count++;
    }
  }
  *out = count > 0 ? sum / count : NAN;
  return GB_OK;
}

/* ---- Model parameter randomisation ---- */

/* The parameterised layers, top first, into @out (n_layers); their count. */
static int
randomisable_layers(GbModel *m, int *out)
{
  int k = 0;
  for (int i = gb_model_n_layers(m) - 1; i >= 0; i--) {
    GbLayer *l = gb_model_get_layer(m, i);
    if (l->n_params > 0 && l->ops->init != NULL)
      out[k++] = i;
  }
  return k;
}

static GbStatus
randomisation_alloc(GbModel *m, GbRandomisationOrder order, GbRandomisationResult *r,
                    GbError *err)
{
  int n_layers = gb_model_n_layers(m);
  *r = (GbRandomisationResult){.order = order};
  r->layer = gb_malloc((size_t)(n_layers > 0 ? n_layers : 1) * sizeof *r->layer);
  if (r->layer == NULL)
    return gb_error_set(err, GB_ERR_NOMEM, "randomisation steps");
  r->n_steps = randomisable_layers(m, r->layer);
  if (r->n_steps == 0) {
    gb_randomisation_result_clear(r);
    return gb_error_set(err, GB_ERR_INVALID, "randomisation: the model has no parameters");
  }
  r->layer_name = gb_calloc((size_t)r->n_steps, sizeof *r->layer_name);
  r->similarity = gb_malloc((size_t)r->n_steps * sizeof *r->similarity);
  if (r->layer_name == NULL || r->similarity == NULL) {
    gb_randomisation_result_clear(r);
    return gb_error_set(err, GB_ERR_NOMEM, "randomisation results");
  }
  for (int k = 0; k < r->n_steps; k++) {
    const char *name = gb_model_get_layer(m, r->layer[k])->name;
    memcpy(r->layer_name[k], name, sizeof r->layer_name[k]);
    r->layer_name[k][sizeof r->layer_name[k] - 1] = '\0';
  }
  return GB_OK;
}

/* Re-initialises layer @index of @copy, with the generator the seed gives that layer. */
static void
randomise_layer(GbModel *copy, int index, uint64_t seed)
{
  GbRng rng;
  gb_rng_seed(&rng, gb_rng_derive(seed, (uint64_t)index));
  GbLayer *l = gb_model_get_layer(copy, index);
  l->ops->init(l, &rng);
}

static GbStatus
randomisation_steps(GbModel *m, GbModel *copy, const float *x, int n, const int *classes,
                    const float *original, float *maps, const GbSanityConfig *cfg,
                    GbRandomisationResult *r, GbError *err)
{
  size_t d = gb_model_input_size(m);
  for (int k = 0; k < r->n_steps; k++) {
    if (!keep_going(cfg, (double)k / r->n_steps, "randomising layers"))
      return cancelled("randomisation", err);
    if (r->order == GB_RANDOMISATION_INDEPENDENT)
      memcpy(gb_model_params(copy), gb_model_params(m),
             gb_model_buffer_len(m) * sizeof(float));
    randomise_layer(copy, r->layer[k], cfg->seed);
    GbStatus st = explain(cfg, copy, x, n, classes, maps, err);
    if (st == GB_OK)
      st = mean_spearman(original, maps, n, d, cfg->absolute, &r->similarity[k], err);
    if (st != GB_OK) {
      gb_error_prefix(err, "randomisation, step %d (%s): ", k + 1, r->layer_name[k]);
      return st;
    }
  }
  return keep_going(cfg, 1.0, "randomising layers") ? GB_OK : cancelled("randomisation", err);
}

GbStatus
gb_sanity_model_randomisation(GbModel *m, const float *x, int n, const int *classes,
                              GbRandomisationOrder order, const GbSanityConfig *cfg,
                              GbRandomisationResult *out, GbError *err)
{
  GbStatus st = check_args(m, x, n, cfg, out, "randomisation", err);
  if (st != GB_OK)
    return st;
  if (order != GB_RANDOMISATION_CASCADING && order != GB_RANDOMISATION_INDEPENDENT)
    return gb_error_set(err, GB_ERR_INVALID, "randomisation: unknown order %d", (int)order);
  GbRandomisationResult r;
  if ((st = randomisation_alloc(m, order, &r, err)) != GB_OK)
    return st;
  size_t d = gb_model_input_size(m);
  int *cls = NULL;
  float *maps = gb_alloc_floats(2 * (size_t)n * d);
  GbModel *copy = NULL;
  if (maps == NULL)
    st = gb_error_set(err, GB_ERR_NOMEM, "randomisation: maps of %d inputs", n);
  if (st == GB_OK)
    st = resolve_classes(m, x, n, classes, &cls, err);
  if (st == GB_OK)
    st = explain(cfg, m, x, n, cls, maps, err);
  if (st == GB_OK && (copy = gb_model_dup(m, err)) == NULL)
    st = GB_ERR_NOMEM;
  if (st == GB_OK)
    st = randomisation_steps(m, copy, x, n, cls, maps, maps + (size_t)n * d, cfg, &r, err);
  gb_model_free(copy);
  gb_free(maps);
  gb_free(cls);
  if (st == GB_OK)
    *out = r;
  else
    gb_randomisation_result_clear(&r);
  return st;
}

/* ---- Data (label) randomisation ---- */

/* @train with its labels (or targets) rows permuted by a shuffle seeded from @seed; the
 * copies are owned by @labels / @targets. */
static GbStatus
permuted_view(const GbDataView *train, uint64_t seed, GbDataView *out, int **labels,
              float **targets, GbError *err)
{
  int n = train->n;
  size_t dim = train->targets != NULL ? (size_t)train->target_dim : 0;
  int *perm = gb_malloc((size_t)n * sizeof *perm);
  *labels = train->labels != NULL ? gb_malloc((size_t)n * sizeof **labels) : NULL;
  *targets = train->targets != NULL ? gb_alloc_floats((size_t)n * dim) : NULL;
  if (perm == NULL || (train->labels != NULL && *labels == NULL) ||
      (train->targets != NULL && *targets == NULL)) {
    gb_free(perm);
    gb_free(*labels);
    gb_free(*targets);
    *labels = NULL;
    *targets = NULL;
    return gb_error_set(err, GB_ERR_NOMEM, "label randomisation: labels of %d samples", n);
  }
  GbRng rng;
  gb_rng_seed(&rng, gb_rng_derive(seed, 1));
  for (int i = 0; i < n; i++) perm[i] = i;
  gb_rng_shuffle(&rng, perm, n);
  for (int i = 0; i < n; i++) {
    if (*labels != NULL)
      (*labels)[i] = train->labels[perm[i]];
    if (*targets != NULL)
      memcpy(*targets + i * dim, train->targets + perm[i] * dim, dim * sizeof(float));
  }
  gb_free(perm);
  *out = *train;
  out->labels = *labels;
  out->targets = *targets;
  return GB_OK;
}

static GbStatus
label_randomisation_check(GbModel *m, const GbDataView *train, const GbTrainConfig *tcfg,
                          GbError *err)
{
  if (train == NULL || tcfg == NULL)
    return gb_error_set(err, GB_ERR_INVALID,
                        "label randomisation: no training data or configuration");
  if (train->n < 2)
    return gb_error_set(err, GB_ERR_INVALID,
                        "label randomisation: %d training samples; a permutation needs 2",
                        train->n);
  if (train->labels == NULL && train->targets == NULL)
    return gb_error_set(err, GB_ERR_INVALID, "label randomisation: no labels or targets");
  if (gb_shape_size(&train->shape) != gb_model_input_size(m))
    return gb_error_set(err, GB_ERR_INVALID,
                        "label randomisation: training samples have %zu values, the model "
                        "takes %zu",
                        gb_shape_size(&train->shape), gb_model_input_size(m));
  GbStatus st = gb_data_view_validate(train, "label randomisation: training data", err);
  return st;
}

/* Trains the label-randomised model into *@out (owned) and fills its accuracies. */
static GbStatus
train_randomised(GbModel *m, const GbDataView *train, const GbTrainConfig *tcfg,
                 const GbSanityConfig *cfg, GbModel **out, GbLabelRandomisation *r,
                 GbError *err)
{
  GbDataView perm;
  int *labels = NULL;
  float *targets = NULL;
  GbStatus st = permuted_view(train, cfg->seed, &perm, &labels, &targets, err);
  GbModel *fresh = NULL;
  if (st == GB_OK)
    st = gb_model_new(gb_model_get_arch(m), gb_rng_derive(cfg->seed, 2), &fresh, err);
  GbTrainConfig tc = *tcfg;
  tc.progress = cfg->progress;
  tc.user = cfg->user;
  double loss;
  if (st == GB_OK)
    st = gb_train(fresh, &perm, NULL, &tc, NULL, err);
  if (st == GB_OK)
    st = gb_evaluate(m, train, NULL, 0, &tc.loss, &loss, &r->train_acc, err);
  if (st == GB_OK)
    st = gb_evaluate(fresh, &perm, NULL, 0, &tc.loss, &loss, &r->random_train_acc, err);
  if (st == GB_OK)
    st = gb_evaluate(fresh, train, NULL, 0, &tc.loss, &loss, &r->random_true_acc, err);
  gb_free(labels);
  gb_free(targets);
  if (st != GB_OK) {
    gb_model_free(fresh);
    if (st == GB_ERR_CANCELLED)
      return cancelled("label randomisation", err);
    gb_error_prefix(err, "label randomisation: ");
    return st;
  }
  *out = fresh;
  return GB_OK;
}

GbStatus
gb_sanity_label_randomisation(GbModel *m, const GbDataView *train, const GbTrainConfig *tcfg,
                              const float *x, int n, const int *classes,
                              const GbSanityConfig *cfg, GbLabelRandomisation *out,
                              GbError *err)
{
  GbStatus st = check_args(m, x, n, cfg, out, "label randomisation", err);
  if (st == GB_OK)
    st = label_randomisation_check(m, train, tcfg, err);
  if (st != GB_OK)
    return st;
  size_t d = gb_model_input_size(m);
  int *cls = NULL;
  float *maps = gb_alloc_floats(2 * (size_t)n * d);
  GbModel *fresh = NULL;
  GbLabelRandomisation r = {.similarity = NAN};
  if (maps == NULL)
    st = gb_error_set(err, GB_ERR_NOMEM, "label randomisation: maps of %d inputs", n);
  if (st == GB_OK)
    st = resolve_classes(m, x, n, classes, &cls, err);
  if (st == GB_OK)
    st = explain(cfg, m, x, n, cls, maps, err);
  if (st == GB_OK)
    st = train_randomised(m, train, tcfg, cfg, &fresh, &r, err);
  if (st == GB_OK)
    st = explain(cfg, fresh, x, n, cls, maps + (size_t)n * d, err);
  if (st == GB_OK)
    st = mean_spearman(maps, maps + (size_t)n * d, n, d, cfg->absolute, &r.similarity, err);
  gb_model_free(fresh);
  gb_free(maps);
  gb_free(cls);
  if (st == GB_OK)
    *out = r;
  return st;
}

/* ---- Random logit ---- */

GbStatus
gb_sanity_random_logit(GbModel *m, const float *x, int n, const int *classes,
                       const GbSanityConfig *cfg, double *out, GbError *err)
{
  GbStatus st = check_args(m, x, n, cfg, out, "random logit", err);
  if (st != GB_OK)
    return st;
  int n_out = gb_model_n_outputs(m);
  if (n_out < 2)
    return gb_error_set(err, GB_ERR_INVALID, "random logit: the model has one output");
  size_t d = gb_model_input_size(m);
  int *cls = NULL;
  int *other = gb_malloc((size_t)n * sizeof *other);
  float *maps = gb_alloc_floats(2 * (size_t)n * d);
  if (other == NULL || maps == NULL)
    st = gb_error_set(err, GB_ERR_NOMEM, "random logit: maps of %d inputs", n);
  if (st == GB_OK)
    st = resolve_classes(m, x, n, classes, &cls, err);
  if (st == GB_OK) {
    GbRng rng;
    gb_rng_seed(&rng, cfg->seed);
    for (int i = 0; i < n; i++) {
      other[i] = (int)gb_rng_below(&rng, (uint64_t)(n_out - 1));
      other[i] += other[i] >= cls[i]; /* skip the explained class */
    }
    st = explain(cfg, m, x, n, cls, maps, err);
  }
  if (st == GB_OK && !keep_going(cfg, 0.5, "explaining random classes"))
    st = cancelled("random logit", err);
  if (st == GB_OK)
    st = explain(cfg, m, x, n, other, maps + (size_t)n * d, err);
  if (st == GB_OK)
    st = mean_spearman(maps, maps + (size_t)n * d, n, d, cfg->absolute, out, err);
  gb_free(maps);
  gb_free(other);
  gb_free(cls);
  return st;
}

/* ---- Max- and avg-sensitivity ---- */

/* ||a - b|| / ||a||, with 0/0 = 0. */
static double
relative_change(const float *a, const float *b, size_t d)
{
  double diff = 0, norm = 0;
  for (size_t j = 0; j < d; j++) {
    double e = (double)b[j] - (double)a[j];
    diff += e * e;
    norm += (double)a[j] * a[j];
  }
  if (diff == 0)
    return 0;
  return norm > 0 ? sqrt(diff / norm) : INFINITY;
}

/* Scratch of one sensitivity run: K perturbed inputs, their maps and classes. */
typedef struct {
  float *xs, *maps;
  int *cls;
} SensScratch;

static GbStatus
sensitivity_one(GbModel *m, const float *x, const float *a0, int cls, uint64_t seed,
                const GbSensitivityConfig *scfg, const GbSanityConfig *cfg, SensScratch *s,
                double *max, double *avg, GbError *err)
{
  size_t d = gb_model_input_size(m);
  int k_n = scfg->n_samples;
  GbRng rng;
  gb_rng_seed(&rng, seed);
  for (int k = 0; k < k_n; k++) {
    s->cls[k] = cls;
    for (size_t j = 0; j < d; j++)
      s->xs[k * d + j] = x[j] + (float)(scfg->radius * (2 * gb_rng_uniform(&rng) - 1));
  }
  GbStatus st = explain(cfg, m, s->xs, k_n, s->cls, s->maps, err);
  if (st != GB_OK)
    return st;
  *max = 0;
  *avg = 0;
  for (int k = 0; k < k_n; k++) {
    double c = relative_change(a0, s->maps + k * d, d);
    *max = fmax(*max, c);
    *avg += c / k_n;
  }
  return GB_OK;
}

static GbStatus
sensitivity_check(const GbSensitivityConfig *scfg, const GbSensitivity *out, GbError *err)
{
  if (scfg == NULL || out == NULL)
    return gb_error_set(err, GB_ERR_INVALID, "sensitivity: no configuration or output");
  if (!(scfg->radius > 0 && isfinite(scfg->radius)))
    return gb_error_set(err, GB_ERR_INVALID, "sensitivity: radius %g is not positive",
                        scfg->radius);
  if (scfg->n_samples < 1)
    return gb_error_set(err, GB_ERR_INVALID, "sensitivity: %d samples", scfg->n_samples);
  return GB_OK;
}

GbStatus
gb_sanity_sensitivity(GbModel *m, const float *x, int n, const int *classes,
                      const GbSensitivityConfig *scfg, const GbSanityConfig *cfg,
                      GbSensitivity *out, GbError *err)
{
  GbStatus st = check_args(m, x, n, cfg, out, "sensitivity", err);
  if (st == GB_OK)
    st = sensitivity_check(scfg, out, err);
  if (st != GB_OK)
    return st;
  size_t d = gb_model_input_size(m), k_n = (size_t)scfg->n_samples;
  int *cls = NULL;
  float *a0 = gb_alloc_floats((size_t)n * d);
  SensScratch s = {gb_alloc_floats(k_n * d), gb_alloc_floats(k_n * d),
                   gb_malloc(k_n * sizeof(int))};
  if (a0 == NULL || s.xs == NULL || s.maps == NULL || s.cls == NULL)
    st = gb_error_set(err, GB_ERR_NOMEM, "sensitivity: %zu perturbed inputs", k_n);
  if (st == GB_OK)
    st = resolve_classes(m, x, n, classes, &cls, err);
  if (st == GB_OK)
    st = explain(cfg, m, x, n, cls, a0, err);
  GbSensitivity r = {0, 0};
  for (int i = 0; i < n && st == GB_OK; i++) {
    if (!keep_going(cfg, (double)i / n, "perturbing inputs")) {
      st = cancelled("sensitivity", err);
      break;
    }
    double mx, av;
    st = sensitivity_one(m, x + i * d, a0 + i * d, cls[i], gb_rng_derive(cfg->seed, i), scfg,
                         cfg, &s, &mx, &av, err);
    if (st == GB_OK) {
      r.max += mx / n;
      r.avg += av / n;
    }
  }
  gb_free(s.xs);
  gb_free(s.maps);
  gb_free(s.cls);
  gb_free(a0);
  gb_free(cls);
  if (st == GB_OK)
    *out = r;
  return st;
}

/* ---- Faithfulness correlation ---- */

typedef struct {
  float *xs;      /* (n_runs, d) inputs with one subset at the baseline */
  float *logits;  /* (n_runs + 1, n_out): the runs, then the original */
  double *sums;   /* (n_runs) attribution in each subset */
  double *drops;  /* (n_runs) */
  int *perm;      /* (d) */
} CorrScratch;

static void
corr_scratch_free(CorrScratch *s)
{
  gb_free(s->xs);
  gb_free(s->logits);
  gb_free(s->sums);
  gb_free(s->drops);
  gb_free(s->perm);
}

/* Pearson correlation over @fcfg->n_runs random subsets for one input @x with map @a. */
static GbStatus
faith_corr_one(GbModel *m, const float *x, const float *a, int cls, size_t subset,
               uint64_t seed, const GbFaithCorrConfig *fcfg, CorrScratch *s, double *out,
               GbError *err)
{
  size_t d = gb_model_input_size(m);
  int runs = fcfg->n_runs, n_out = gb_model_n_outputs(m);
  GbRng rng;
  gb_rng_seed(&rng, seed);
  for (size_t j = 0; j < d; j++) s->perm[j] = (int)j;
  for (int r = 0; r < runs; r++) {
    float *xr = s->xs + r * d;
    memcpy(xr, x, d * sizeof *xr);
    s->sums[r] = 0;
    /* A partial Fisher-Yates shuffle: perm[0..subset) is a uniform random subset. */
    for (size_t j = 0; j < subset; j++) {
      size_t pick = j + (size_t)gb_rng_below(&rng, d - j);
      int t = s->perm[j];
      s->perm[j] = s->perm[pick];
      s->perm[pick] = t;
      int f = s->perm[j];
      xr[f] = fcfg->baseline != NULL ? fcfg->baseline[f] : 0.0f;
      s->sums[r] += a[f];
    }
  }
  GbStatus st = gb_model_predict(m, s->xs, runs, s->logits, NULL, NULL, err);
  if (st == GB_OK)
    st = gb_model_predict(m, x, 1, s->logits + (size_t)runs * n_out, NULL, NULL, err);
  if (st != GB_OK)
    return st;
  double full = s->logits[(size_t)runs * n_out + cls];
  for (int r = 0; r < runs; r++) s->drops[r] = full - s->logits[(size_t)r * n_out + cls];
  return gb_score_pearson(s->sums, s->drops, (size_t)runs, out, err);
}

static GbStatus
faith_corr_check(GbModel *m, const GbFaithCorrConfig *fcfg, GbError *err)
{
  if (fcfg == NULL)
    return gb_error_set(err, GB_ERR_INVALID, "faithfulness correlation: no configuration");
  if (fcfg->n_runs < 2)
    return gb_error_set(err, GB_ERR_INVALID,
                        "faithfulness correlation: %d runs; a correlation needs 2 or more",
                        fcfg->n_runs);
  if (!(fcfg->subset_fraction > 0 && fcfg->subset_fraction <= 1))
    return gb_error_set(err, GB_ERR_INVALID,
                        "faithfulness correlation: subset fraction %g is not in (0, 1]",
                        fcfg->subset_fraction);
  size_t d = gb_model_input_size(m);
  for (size_t j = 0; fcfg->baseline != NULL && j < d; j++)
    if (!isfinite(fcfg->baseline[j]))
      return gb_error_set(err, GB_ERR_NUMERIC,
                          "faithfulness correlation: baseline value %zu is not finite", j);
  return GB_OK;
}

static GbStatus
faith_corr_loop(GbModel *m, const float *x, int n, const int *cls, const float *maps,
                const GbFaithCorrConfig *fcfg, const GbSanityConfig *cfg, CorrScratch *s,
                double *out, GbError *err)
{
  size_t d = gb_model_input_size(m);
  size_t subset = (size_t)llround(fcfg->subset_fraction * (double)d);
  subset = subset < 1 ? 1 : subset > d ? d : subset;
  double sum = 0;
  int count = 0;
  for (int i = 0; i < n; i++) {
    if (!keep_going(cfg, (double)i / n, "removing random subsets"))
      return cancelled("faithfulness correlation", err);
    double r;
    GbStatus st = faith_corr_one(m, x + i * d, maps + i * d, cls[i], subset,
                                 gb_rng_derive(cfg->seed, i), fcfg, s, &r, err);
    if (st != GB_OK)
      return st;
    if (isfinite(r)) {
      sum += r;
      count++;
    }
  }
  *out = count > 0 ? sum / count : NAN;
  return GB_OK;
}

GbStatus
gb_sanity_faithfulness_correlation(GbModel *m, const float *x, int n, const int *classes,
                                   const GbFaithCorrConfig *fcfg, const GbSanityConfig *cfg,
                                   double *out, GbError *err)
{
  GbStatus st = check_args(m, x, n, cfg, out, "faithfulness correlation", err);
  if (st == GB_OK)
    st = faith_corr_check(m, fcfg, err);
  if (st != GB_OK)
    return st;
  size_t d = gb_model_input_size(m), runs = (size_t)fcfg->n_runs;
  int n_out = gb_model_n_outputs(m);
  CorrScratch s = {gb_alloc_floats(runs * d), gb_alloc_floats((runs + 1) * n_out),
                   gb_malloc(runs * sizeof(double)), gb_malloc(runs * sizeof(double)),
                   gb_malloc(d * sizeof(int))};
  float *maps = gb_alloc_floats((size_t)n * d);
  int *cls = NULL;
  if (s.xs == NULL || s.logits == NULL || s.sums == NULL || s.drops == NULL || s.perm == NULL ||
      maps == NULL)
    st = gb_error_set(err, GB_ERR_NOMEM, "faithfulness correlation: %zu runs", runs);
  if (st == GB_OK)
    st = resolve_classes(m, x, n, classes, &cls, err);
  if (st == GB_OK)
    st = explain(cfg, m, x, n, cls, maps, err);
  double r = NAN;
  if (st == GB_OK)
    st = faith_corr_loop(m, x, n, cls, maps, fcfg, cfg, &s, &r, err);
  corr_scratch_free(&s);
  gb_free(maps);
  gb_free(cls);
  if (st == GB_OK)
    *out = r;
  return st;
}

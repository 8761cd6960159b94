/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The time-resolved logistic probe, k-means, purity and cluster transitions (gb-hidden.h). */
#include "config.h"

#include "gb-hidden.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <string.h>

#include "gb-alloc.h"
#include "gb-metrics.h"
#include "gb-rng.h"

/* ---- logistic probe ---- */

void
gb_probe_config_init(GbProbeConfig *c)
{
  c->folds = 5;
  c->l2 = 1e-2;
  c->max_iter = 25;
  c->seed = 1;
}

/* Stratified folds: each class shuffled on its own and dealt round-robin, one running counter
 * over both classes so the folds' sizes differ by one at most. */
static void
probe_folds(const int *labels, int n, int k, uint64_t seed, int *fold, int *idx)
{
  GbRng rng;
  gb_rng_seed(&rng, seed);
  int next = 0;
  for (int c = 0; c < 2; c++) {
    int m = 0;
    for (int i = 0; i < n; i++)
      if (labels[i] == c)
        idx[m++] = i;
    gb_rng_shuffle(&rng, idx, m);
    for (int j = 0; j < m; j++)
      fold[idx[j]] = next++ % k;
  }
}

typedef struct {
  int n, d;      /* training rows, features */
  double *a;     /* (n, d + 1): 1, standardised features */
  double *y;     /* n */
  double *w;     /* d + 1: bias, weights */
  double *b;     /* (n, d + 1): sqrt(p (1 - p)) a, for the Hessian */
  double *h;     /* (d + 1, d + 1) */
  double *g;     /* d + 1 */
  double *mu, *sd; /* d: the training fold's statistics */
} Probe;

static void
probe_standardise(Probe *p, const float *x, int n, int d, const int *fold, int f)
{
  int m = 0;
  memset(p->mu, 0, (size_t)d * sizeof(double));
  memset(p->sd, 0, (size_t)d * sizeof(double));
  for (int i = 0; i < n; i++)
    if (fold[i] != f) {
      m++;
      for (int j = 0; j < d; j++)
        p->mu[j] += x[(size_t)i * d + j];
    }
  for (int j = 0; j < d; j++)
    p->mu[j] /= m;
  for (int i = 0; i < n; i++)
    if (fold[i] != f)
      for (int j = 0; j < d; j++)
        p->sd[j] += pow(x[(size_t)i * d + j] - p->mu[j], 2);
  for (int j = 0; j < d; j++) {
    p->sd[j] = sqrt(p->sd[j] / m);
    p->sd[j] = p->sd[j] > 1e-12 ? p->sd[j] : 1.0; /* a constant feature stays 0 */
  }
}

static double
sigmoid(double z)
{
  return z >= 0 ? 1.0 / (1.0 + exp(-z)) : exp(z) / (1.0 + exp(z));
}

/* Newton's method on mean BCE + l2/2 |w|^2 (bias unpenalised): the Hessian is positive
 * definite for l2 > 0, so each step is a Cholesky solve. */
static GbStatus
probe_fit(Probe *p, double l2, int max_iter, GbError *err)
{
  int n = p->n, e = p->d + 1;
  memset(p->w, 0, (size_t)e * sizeof(double));
  for (int it = 0; it < max_iter; it++) {
    memset(p->g, 0, (size_t)e * sizeof(double));
    for (int i = 0; i < n; i++) {
      const double *ai = p->a + (size_t)i * e;
      double pr = sigmoid(cblas_ddot(e, ai, 1, p->w, 1)), r = (pr - p->y[i]) / n;
      double s = sqrt(pr * (1.0 - pr) / n);
      for (int j = 0; j < e; j++) {
        p->g[j] += r * ai[j];
        p->b[(size_t)i * e + j] = s * ai[j];
      }
    }
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, e, n, 1.0, p->b, e, 0.0, p->h, e);
    p->h[0] += 1e-10;
    for (int j = 1; j < e; j++) {
      p->g[j] += l2 * p->w[j];
      p->h[j * e + j] += l2;
    }
    if (LAPACKE_dposv(LAPACK_ROW_MAJOR, 'U', e, 1, p->h, e, p->g, 1) != 0)
      return gb_error_set(err, GB_ERR_NUMERIC, "probe: the Newton system is singular");
    double step = 0.0;
    for (int j = 0; j < e; j++) {
      p->w[j] -= p->g[j];
      step = fmax(step, fabs(p->g[j]));
    }
    if (step < 1e-7)
      break;
  }
  return GB_OK;
}

static void
probe_free(Probe *p)
{
  gb_free(p->a);
  gb_free(p->y);
  gb_free(p->w);
  gb_free(p->b);
  gb_free(p->h);
  gb_free(p->g);
  gb_free(p->mu);
  gb_free(p->sd);
}

static bool
probe_alloc(Probe *p, int n, int d)
{
  size_t e = (size_t)d + 1;
  memset(p, 0, sizeof *p);
  p->a = gb_malloc((size_t)n * e * sizeof(double));
  p->b = gb_malloc((size_t)n * e * sizeof(double));
  p->y = gb_malloc((size_t)n * sizeof(double));
  p->w = gb_malloc(e * sizeof(double));
  p->h = gb_malloc(e * e * sizeof(double));
  p->g = gb_malloc(e * sizeof(double));
  p->mu = gb_malloc((size_t)d * sizeof(double));
  p->sd = gb_malloc((size_t)d * sizeof(double));
  return p->a && p->b && p->y && p->w && p->h && p->g && p->mu && p->sd;
}

/* Fits on every fold but @f and writes the scores of fold @f's rows. */
static GbStatus
probe_fold(Probe *p, const float *x, int n, int d, const int *labels, const int *fold, int f,
           double l2, int max_iter, float *scores, GbError *err)
{
  probe_standardise(p, x, n, d, fold, f);
  int m = 0, e = d + 1;
  for (int i = 0; i < n; i++) {
    if (fold[i] == f)
      continue;
    p->a[(size_t)m * e] = 1.0;
    for (int j = 0; j < d; j++)
      p->a[(size_t)m * e + 1 + j] = (x[(size_t)i * d + j] - p->mu[j]) / p->sd[j];
    p->y[m++] = labels[i];
  }
  p->n = m;
  p->d = d;
  GbStatus st = probe_fit(p, l2, max_iter, err);
  for (int i = 0; st == GB_OK && i < n; i++) {
    if (fold[i] != f)
      continue;
    double z = p->w[0];
    for (int j = 0; j < d; j++)
      z += p->w[1 + j] * (x[(size_t)i * d + j] - p->mu[j]) / p->sd[j];
    scores[i] = (float)z;
  }
  return st;
}

static GbStatus
probe_check(int n, int d, const int *labels, const GbProbeConfig *c, GbError *err)
{
  int cnt[2] = { 0, 0 };
  for (int i = 0; i < n; i++) {
    if (labels[i] != 0 && labels[i] != 1)
      return gb_error_set(err, GB_ERR_INVALID, "probe: row %d has label %d, expected 0 or 1",
                          i, labels[i]);
    cnt[labels[i]]++;
  }
  if (d < 1 || c->folds < 2 || !(c->l2 > 0.0) || c->max_iter < 1)
    return gb_error_set(err, GB_ERR_INVALID, "probe: %d features, %d folds, l2 %g, %d "
                        "iterations: need >= 1 feature, >= 2 folds, l2 > 0, >= 1 iteration",
                        d, c->folds, c->l2, c->max_iter);
  if (cnt[0] < c->folds || cnt[1] < c->folds)
    return gb_error_set(err, GB_ERR_INVALID, "probe: %d targets and %d non-targets, each class "
                        "needs at least one per fold (%d)", cnt[1], cnt[0], c->folds);
  return GB_OK;
}

GbStatus
gb_probe_cv_auc(const float *x, int n, int d, const int *labels, const GbProbeConfig *c,
                double *auc, GbError *err)
{
  GbStatus st = probe_check(n, d, labels, c, err);
  if (st != GB_OK)
    return st;
  Probe p;
  int *fold = gb_malloc((size_t)n * sizeof(int)), *idx = gb_malloc((size_t)n * sizeof(int));
  float *scores = gb_alloc_floats((size_t)n);
  if (!probe_alloc(&p, n, d) || !fold || !idx || !scores) {
    st = gb_error_set(err, GB_ERR_NOMEM, "probe: %d rows of %d features", n, d);
    goto out;
  }
  probe_folds(labels, n, c->folds, c->seed, fold, idx);
  for (int f = 0; f < c->folds && st == GB_OK; f++)
    st = probe_fold(&p, x, n, d, labels, fold, f, c->l2, c->max_iter, scores, err);
  if (st == GB_OK)
    *auc = gb_metrics_roc_auc(scores, labels, n);
out:
  probe_free(&p);
  gb_free(fold);
  gb_free(idx);
  gb_free(scores);
  return st;
}

GbStatus
gb_hidden_probe(const GbHiddenStates *s, const GbProbeConfig *c, double *auc,
                GbProgressFn progress, void *user, GbError *err)
{
  int n = s->n_trials, H = s->n_units;
  float *x = gb_alloc_floats((size_t)n * H);
  if (x == NULL)
    return gb_error_set(err, GB_ERR_NOMEM, "probe: %d trials x %d units", n, H);
  GbStatus st = GB_OK;
  for (int t = 0; t < s->n_times && st == GB_OK; t++) {
    for (int i = 0; i < n; i++)
      memcpy(x + (size_t)i * H, s->states + ((size_t)i * s->n_times + t) * H,
             (size_t)H * sizeof(float));
    st = gb_probe_cv_auc(x, n, H, s->labels, c, &auc[t], err);
    if (st == GB_OK && progress && !progress(user, (t + 1.0) / s->n_times, "probe"))
      st = gb_error_set(err, GB_ERR_CANCELLED, "probe: cancelled");
  }
  gb_free(x);
  return st;
}

/* ---- k-means ---- */

void
gb_kmeans_config_init(GbKmeansConfig *c, int k)
{
  c->k = k;
  c->restarts = 5;
  c->max_iter = 100;
  c->seed = 1;
}

void
gb_kmeans_clear(GbKmeans *km)
{
  gb_free(km->centres);
  gb_free(km->assign);
  gb_free(km->sizes);
  memset(km, 0, sizeof *km);
}

static double
dist2(const float *a, const float *b, int d)
{
  double s = 0.0;
  for (int j = 0; j < d; j++)
    s += ((double)a[j] - b[j]) * ((double)a[j] - b[j]);
  return s;
}

/* k-means++ (Arthur & Vassilvitskii 2007): each next centre drawn with probability
 * proportional to the squared distance to the nearest centre so far. @d2: n scratch. */
static void
kmeans_seed(const float *x, size_t n, int d, int k, GbRng *rng, float *centres, double *d2)
{
  size_t first = gb_rng_below(rng, n);
  memcpy(centres, x + first * d, (size_t)d * sizeof(float));
  for (size_t i = 0; i < n; i++)
    d2[i] = dist2(x + i * d, centres, d);
  for (int c = 1; c < k; c++) {
    double total = 0.0;
    for (size_t i = 0; i < n; i++)
      total += d2[i];
    double r = gb_rng_uniform(rng) * total;
    size_t pick = n - 1;
    for (size_t i = 0; i < n && total > 0.0; i++)
      if ((r -= d2[i]) < 0.0) {
        pick = i;
        break;
      }
    if (!(total > 0.0))
      pick = gb_rng_below(rng, n); /* all points on the centres: any point will do */
    memcpy(centres + (size_t)c * d, x + pick * d, (size_t)d * sizeof(float));
    for (size_t i = 0; i < n; i++)
      d2[i] = fmin(d2[i], dist2(x + i * d, centres + (size_t)c * d, d));
  }
}

/* Assigns every row to its nearest centre; returns the inertia, fills d2 with each row's
 * squared distance. */
static double
kmeans_assign(const float *x, size_t n, int d, int k, const float *centres, int *assign,
              double *d2)
{
  double inertia = 0.0;
  for (size_t i = 0; i < n; i++) {
    int best = 0;
    double bd = INFINITY;
    for (int c = 0; c < k; c++) {
      double v = dist2(x + i * d, centres + (size_t)c * d, d);
      if (v < bd) {
        bd = v;
        best = c;
      }
    }
    assign[i] = best;
    d2[i] = bd;
    inertia += bd;
  }
  return inertia;
}

/* Centres = means of their rows; an empty cluster takes the row farthest from its centre. */
static void
kmeans_update(const float *x, size_t n, int d, int k, const int *assign, const double *d2,
              float *centres, int *sizes, double *acc)
{
  memset(acc, 0, (size_t)k * d * sizeof(double));
  memset(sizes, 0, (size_t)k * sizeof(int));
  for (size_t i = 0; i < n; i++) {
    sizes[assign[i]]++;
    for (int j = 0; j < d; j++)
      acc[(size_t)assign[i] * d + j] += x[i * d + j];
  }
  for (int c = 0; c < k; c++) {
    if (sizes[c] == 0) {
      size_t far = 0;
      for (size_t i = 1; i < n; i++)
        far = d2[i] > d2[far] ? i : far;
      memcpy(centres + (size_t)c * d, x + far * d, (size_t)d * sizeof(float));
      continue;
    }
    for (int j = 0; j < d; j++)
      centres[(size_t)c * d + j] = (float)(acc[(size_t)c * d + j] / sizes[c]);
  }
}

typedef struct {
  float *centres;
  int *assign, *sizes;
  double *d2, *acc;
} KmeansRun;

static double
kmeans_once(const float *x, size_t n, int d, const GbKmeansConfig *c, GbRng *rng, KmeansRun *r)
{
  kmeans_seed(x, n, d, c->k, rng, r->centres, r->d2);
  double inertia = INFINITY;
  for (int it = 0; it < c->max_iter; it++) {
    double next = kmeans_assign(x, n, d, c->k, r->centres, r->assign, r->d2);
    kmeans_update(x, n, d, c->k, r->assign, r->d2, r->centres, r->sizes, r->acc);
    bool done = next >= inertia * (1.0 - 1e-10);
    inertia = next;
    if (done)
      break;
  }
  /* The final centres' own assignment, so centres, assign and inertia agree. */
  inertia = kmeans_assign(x, n, d, c->k, r->centres, r->assign, r->d2);
  memset(r->sizes, 0, (size_t)c->k * sizeof(int));
  for (size_t i = 0; i < n; i++)
    r->sizes[r->assign[i]]++;
  return inertia;
}

GbStatus
gb_kmeans_fit(const float *x, size_t n, int d, const GbKmeansConfig *c, GbKmeans *out,
              GbError *err)
{
  memset(out, 0, sizeof *out);
  if (c->k < 1 || n < (size_t)c->k || d < 1 || c->restarts < 1 || c->max_iter < 1)
    return gb_error_set(err, GB_ERR_INVALID, "k-means: k %d for %zu rows of %d features, %d "
                        "restarts, %d iterations", c->k, n, d, c->restarts, c->max_iter);
  int k = c->k;
  KmeansRun r = { gb_alloc_floats((size_t)k * d), gb_malloc(n * sizeof(int)),
                  gb_malloc((size_t)k * sizeof(int)), gb_malloc(n * sizeof(double)),
                  gb_malloc((size_t)k * d * sizeof(double)) };
  out->centres = gb_alloc_floats((size_t)k * d);
  out->assign = gb_malloc(n * sizeof(int));
  out->sizes = gb_malloc((size_t)k * sizeof(int));
  GbStatus st = GB_OK;
  if (!r.centres || !r.assign || !r.sizes || !r.d2 || !r.acc || !out->centres || !out->assign
      || !out->sizes) {
    st = gb_error_set(err, GB_ERR_NOMEM, "k-means: %zu rows, k %d", n, k);
    goto out;
  }
  GbRng rng;
  gb_rng_seed(&rng, c->seed);
  out->k = k;
  out->dim = d;
  out->inertia = INFINITY;
  for (int rs = 0; rs < c->restarts; rs++) {
    double inertia = kmeans_once(x, n, d, c, &rng, &r);
    if (inertia < out->inertia) {
      out->inertia = inertia;
      memcpy(out->centres, r.centres, (size_t)k * d * sizeof(float));
      memcpy(out->assign, r.assign, n * sizeof(int));
      memcpy(out->sizes, r.sizes, (size_t)k * sizeof(int));
    }
  }
out:
  gb_free(r.centres);
  gb_free(r.assign);
  gb_free(r.sizes);
  gb_free(r.d2);
  gb_free(r.acc);
  if (st != GB_OK)
    gb_kmeans_clear(out);
  return st;
}

double
gb_cluster_purity(const int *assign, const int *labels, size_t n, int k, int n_labels)
{
  int *counts = gb_calloc((size_t)k * n_labels, sizeof(int));
  if (counts == NULL || n == 0) {
    gb_free(counts);
    return NAN;
  }
  for (size_t i = 0; i < n; i++)
    if (assign[i] >= 0 && assign[i] < k && labels[i] >= 0 && labels[i] < n_labels)
      counts[(size_t)assign[i] * n_labels + labels[i]]++;
  long agree = 0;
  for (int c = 0; c < k; c++) {
    int best = 0;
    for (int l = 0; l < n_labels; l++)
      best = counts[(size_t)c * n_labels + l] > best ? counts[(size_t)c * n_labels + l] : best;
    agree += best;
  }
  gb_free(counts);
  return (double)agree / (double)n;
}

/* ---- transitions ---- */

void
gb_cluster_transitions(const int *assign, int n_trials, int n_times, int k, int *counts)
{
  memset(counts, 0, (size_t)k * k * sizeof(int));
  for (int i = 0; i < n_trials; i++)
    for (int t = 0; t + 1 < n_times; t++) {
      int a = assign[(size_t)i * n_times + t], b = assign[(size_t)i * n_times + t + 1];
      if (a >= 0 && a < k && b >= 0 && b < k)
        counts[(size_t)a * k + b]++;
    }
}

void
gb_transition_stats(const int *counts, int k, GbTransitionStats *out)
{
  memset(out, 0, sizeof *out);
  long total = 0, max_sum = 0;
  double det = 0.0, h = 0.0;
  for (int a = 0; a < k; a++) {
    long row = 0, best = 0;
    for (int b = 0; b < k; b++) {
      row += counts[(size_t)a * k + b];
      best = counts[(size_t)a * k + b] > best ? counts[(size_t)a * k + b] : best;
    }
    if (row == 0)
      continue;
    out->visited++;
    total += row;
    max_sum += best;
    det += (double)best / row;
    for (int b = 0; b < k; b++) {
      double p = (double)counts[(size_t)a * k + b] / row;
      if (p > 0.0)
        h -= row * p * log2(p); /* weighted by the row's count; divided by total below */
    }
  }
  out->determinism = out->visited ? det / out->visited : NAN;
  out->weighted_determinism = total ? (double)max_sum / total : NAN;
  out->conditional_entropy = total ? h / total : NAN;
}

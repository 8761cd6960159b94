/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Scores of attribution maps: rank similarity, complexity and localisation (methods.md §6). */
#include "config.h"

#include "gb-scores.h"

#include <math.h>
#include <stdlib.h>

#include "gb-alloc.h"

typedef struct {
  double v;
  size_t i;
} Entry;

/* Ascending by value, ties by index, so that every order is deterministic. */
static int
entry_cmp(const void *pa, const void *pb)
{
  const Entry *a = pa, *b = pb;
  if (a->v != b->v)
    return a->v < b->v ? -1 : 1;
  return (a->i > b->i) - (a->i < b->i);
}

static GbStatus
check_map(const float *a, size_t n, const char *what, GbError *err)
{
  if (a == NULL || n == 0)
    return gb_error_set(err, GB_ERR_INVALID, "%s: no values", what);
  for (size_t i = 0; i < n; i++)
    if (!isfinite(a[i]))
      return gb_error_set(err, GB_ERR_NUMERIC, "%s: feature %zu is not finite", what, i);
  return GB_OK;
}

/* @a (n) -> @entries (n) sorted ascending by value (|value| with @absolute). */
static void
sort_entries(const float *a, size_t n, bool absolute, Entry *entries)
{
  for (size_t i = 0; i < n; i++)
    entries[i] = (Entry){absolute ? fabs((double)a[i]) : (double)a[i], i};
  qsort(entries, n, sizeof *entries, entry_cmp);
}

/* Ranks 1..n of @a (n) into @rank (n), tied values sharing their average rank. */
static GbStatus
average_ranks(const float *a, size_t n, bool absolute, double *rank, GbError *err)
{
  Entry *e = gb_malloc(n * sizeof *e);
  if (e == NULL)
    return gb_error_set(err, GB_ERR_NOMEM, "ranks of %zu features", n);
  sort_entries(a, n, absolute, e);
  for (size_t lo = 0; lo < n;) {
    size_t hi = lo + 1;
    while (hi < n && e[hi].v == e[lo].v) hi++;
    double r = 0.5 * (double)(lo + 1 + hi); /* mean of lo+1 .. hi */
    for (size_t k = lo; k < hi; k++) rank[e[k].i] = r;
    lo = hi;
  }
  gb_free(e);
  return GB_OK;
}

static double
pearson(const double *x, const double *y, size_t n)
{
  double mx = 0, my = 0;
  for (size_t i = 0; i < n; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= (double)n;
  my /= (double)n;
  double sxy = 0, sxx = 0, syy = 0;
  for (size_t i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
  }
  if (sxx <= 0 || syy <= 0)
    return NAN;
  double r = sxy / sqrt(sxx * syy);
  return r > 1 ? 1 : r < -1 ? -1 : r;
}

GbStatus
gb_score_pearson(const double *x, const double *y, size_t n, double *out, GbError *err)
{
  if (x == NULL || y == NULL || n == 0 || out == NULL)
    return gb_error_set(err, GB_ERR_INVALID, "pearson: no values");
  for (size_t i = 0; i < n; i++)
    if (!isfinite(x[i]) || !isfinite(y[i]))
      return gb_error_set(err, GB_ERR_NUMERIC, "pearson: value %zu is not finite", i);
  *out = pearson(x, y, n);
  return GB_OK;
}

GbStatus
gb_score_spearman(const float *a, const float *b, size_t n, bool absolute, double *out,
                  GbError *err)
{
  GbStatus st = check_map(a, n, "spearman, first map", err);
  if (st == GB_OK)
    st = check_map(b, n, "spearman, second map", err);
  if (st == GB_OK && out == NULL)
    st = gb_error_set(err, GB_ERR_INVALID, "spearman: no output");
  if (st != GB_OK)
    return st;
  double *ra = gb_malloc(2 * n * sizeof *ra);
  if (ra == NULL)
    return gb_error_set(err, GB_ERR_NOMEM, "ranks of 2 x %zu features", n);
  double *rb = ra + n;
  st = average_ranks(a, n, absolute, ra, err);
  if (st == GB_OK)
    st = average_ranks(b, n, absolute, rb, err);
  if (st == GB_OK)
    *out = pearson(ra, rb, n);
  gb_free(ra);
  return st;
}

GbStatus
gb_score_gini(const float *a, size_t n, double *out, GbError *err)
{
  GbStatus st = check_map(a, n, "gini", err);
  if (st == GB_OK && out == NULL)
    st = gb_error_set(err, GB_ERR_INVALID, "gini: no output");
  if (st != GB_OK)
    return st;
  Entry *e = gb_malloc(n * sizeof *e);
  if (e == NULL)
    return gb_error_set(err, GB_ERR_NOMEM, "gini of %zu features", n);
  sort_entries(a, n, true, e);
  /* G = sum_i (2i - n - 1) a_(i) / (n sum_i a_(i)), i = 1..n over |a| + 1e-7 ascending. */
  double num = 0, sum = 0;
  for (size_t i = 0; i < n; i++) {
    double v = e[i].v + 1e-7;
    num += (2.0 * (double)(i + 1) - (double)n - 1.0) * v;
    sum += v;
  }
  gb_free(e);
  *out = num / ((double)n * sum);
  return GB_OK;
}

GbStatus
gb_score_entropy(const float *a, size_t n, double *out, GbError *err)
{
  GbStatus st = check_map(a, n, "entropy", err);
  if (st == GB_OK && out == NULL)
    st = gb_error_set(err, GB_ERR_INVALID, "entropy: no output");
  if (st != GB_OK)
    return st;
  double total = 0;
  for (size_t i = 0; i < n; i++) total += fabs((double)a[i]);
  if (total <= 0)
    return gb_error_set(err, GB_ERR_NUMERIC, "entropy: the map is zero everywhere");
  double h = 0;
  for (size_t i = 0; i < n; i++) {
    double p = fabs((double)a[i]) / total;
    h -= p * log(p + 1e-12);
  }
  *out = h > 0 ? h : 0; /* the 1e-12 can push a one-hot map a hair below 0 */
  return GB_OK;
}

GbStatus
gb_score_mask_from_truth(const float *truth, size_t n, double fraction, bool *mask,
                         size_t *n_marked, GbError *err)
{
  GbStatus st = check_map(truth, n, "ground truth", err);
  if (st != GB_OK)
    return st;
  if (mask == NULL || !(fraction >= 0 && fraction <= 1))
    return gb_error_set(err, GB_ERR_INVALID, "ground truth: fraction %g is not in [0, 1]",
                        fraction);
  double peak = 0;
  for (size_t i = 0; i < n; i++) peak = fmax(peak, fabs((double)truth[i]));
  if (peak <= 0)
    return gb_error_set(err, GB_ERR_INVALID, "ground truth: no feature carries the signal");
  double cut = fraction * peak;
  size_t count = 0;
  for (size_t i = 0; i < n; i++) {
    double v = fabs((double)truth[i]);
    mask[i] = fraction > 0 ? v >= cut : v > 0;
    count += mask[i];
  }
  if (n_marked != NULL)
    *n_marked = count;
  return GB_OK;
}

/* The relevance mass inside @mask over the positive (with @absolute: absolute) total. */
static double
mass_accuracy(const float *a, const bool *mask, size_t n, bool absolute)
{
  double inside = 0, total = 0;
  for (size_t i = 0; i < n; i++) {
    double v = absolute ? fabs((double)a[i]) : fmax((double)a[i], 0.0);
    total += v;
    if (mask[i])
      inside += v;
  }
  return total > 0 ? inside / total : NAN;
}

GbStatus
gb_score_localisation(const float *a, const bool *mask, size_t n, bool absolute,
                      GbLocalisation *out, GbError *err)
{
  GbStatus st = check_map(a, n, "localisation", err);
  if (st != GB_OK)
    return st;
  if (mask == NULL || out == NULL)
    return gb_error_set(err, GB_ERR_INVALID, "localisation: no mask or no output");
  size_t k = 0;
  for (size_t i = 0; i < n; i++) k += mask[i];
  if (k == 0 || k == n)
    return gb_error_set(err, GB_ERR_INVALID,
                        "localisation: the mask marks %zu of %zu features; it must mark some "
                        "but not all", k, n);
  Entry *e = gb_malloc(n * sizeof *e);
  if (e == NULL)
    return gb_error_set(err, GB_ERR_NOMEM, "localisation of %zu features", n);
  /* Descending by value, ties by index: negate, then sort ascending. */
  for (size_t i = 0; i < n; i++)
    e[i] = (Entry){-(absolute ? fabs((double)a[i]) : (double)a[i]), i};
  qsort(e, n, sizeof *e, entry_cmp);
  size_t hits = 0;
  for (size_t r = 0; r < k; r++) hits += mask[e[r].i];
  out->pointing_hit = mask[e[0].i];
  gb_free(e);
  out->mass_accuracy = mass_accuracy(a, mask, n, absolute);
  out->rank_accuracy = (double)hits / (double)k;
  out->n_truth = k;
  return GB_OK;
}

/* Adds the localisation of @a against @truth (d) to @sum; skips a sample without a usable
 * mask. */
static GbStatus
localisation_add(const float *a, const float *truth, size_t d, double fraction, bool absolute,
                 bool *mask, GbLocalisationMean *sum, int *n_mass, GbError *err)
{
  double peak = 0;
  for (size_t j = 0; j < d; j++) peak = fmax(peak, fabs((double)truth[j]));
  if (peak <= 0)
    return GB_OK;
  size_t k;
  GbStatus st = gb_score_mask_from_truth(truth, d, fraction, mask, &k, err);
  if (st != GB_OK || k == d)
    return st;
  GbLocalisation l;
  if ((st = gb_score_localisation(a, mask, d, absolute, &l, err)) != GB_OK)
    return st;
  if (isfinite(l.mass_accuracy)) {
    sum->mass_accuracy += l.mass_accuracy;
    (*n_mass)++;
  }
  sum->rank_accuracy += l.rank_accuracy;
  sum->pointing_rate += l.pointing_hit;
  sum->n_scored++;
  return GB_OK;
}

GbStatus
gb_score_localisation_mean(const float *maps, const float *truth, int n, size_t d,
                           double fraction, bool absolute, GbLocalisationMean *out,
                           GbError *err)
{
  if (maps == NULL || truth == NULL || out == NULL || n < 1 || d == 0)
    return gb_error_set(err, GB_ERR_INVALID, "localisation: no maps, truths or output");
  bool *mask = gb_malloc(d * sizeof *mask);
  if (mask == NULL)
    return gb_error_set(err, GB_ERR_NOMEM, "localisation: a mask of %zu features", d);
  GbLocalisationMean sum = {0};
  int n_mass = 0;
  GbStatus st = GB_OK;
  for (int i = 0; i < n && st == GB_OK; i++) {
    st = localisation_add(maps + (size_t)i * d, truth + (size_t)i * d, d, fraction, absolute,
                          mask, &sum, &n_mass, err);
    if (st != GB_OK)
      gb_error_prefix(err, "sample %d: ", i);
  }
  gb_free(mask);
  if (st != GB_OK)
    return st;
  if (sum.n_scored == 0)
    return gb_error_set(err, GB_ERR_INVALID,
                        "localisation: none of the %d samples has a ground truth to score", n);
  out->mass_accuracy = n_mass > 0 ? sum.mass_accuracy / n_mass : NAN;
  out->rank_accuracy = sum.rank_accuracy / sum.n_scored;
  out->pointing_rate = sum.pointing_rate / sum.n_scored;
  out->n_scored = sum.n_scored;
  return GB_OK;
}

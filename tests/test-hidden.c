/* SPDX-License-Identifier: GPL-3.0-or-later */
/* src/xai/gb-hidden: hidden-state analyses checked against known answers: states against the
 * Elman recursion by hand, PCA against a known covariance, k-means on separable clusters, d' on
 * units with known means and sds, the probe at chance and on separable data, transition
 * tables of a deterministic cycle, relevance sums, the PRM-like model's evidence. */
#include "config.h"

#include <glib.h>
#include <math.h>
#include <string.h>

#include "gb-alloc.h"
#include "gb-hidden.h"
#include "gb-layer.h"
#include "gb-rng.h"
#include "gb-test-util.h"

static float *
tensor(GbModel *m, const char *name)
{
  int i = gb_model_find_tensor(m, name);
  g_assert_cmpint(i, >=, 0);
  GbModelTensor t;
  gb_model_get_tensor(m, i, &t);
  return t.data;
}

/* ---- collecting states ---- */

/* h(t) = tanh(W_ih x(t) + b_ih + W_hh h(t-1) + b_hh), h(0) = 0, in double; the prm layer's
 * Elman part has one bias, bias_h. */
static void
elman_by_hand(GbModel *m, const char *layer, const float *x, int T, int F, int H, double *h)
{
  char name[64];
  bool prm = strncmp(layer, "prm", 3) == 0;
  g_snprintf(name, sizeof name, "%s.weight_ih", layer);
  const float *wih = tensor(m, name);
  g_snprintf(name, sizeof name, "%s.weight_hh", layer);
  const float *whh = tensor(m, name);
  g_snprintf(name, sizeof name, "%s.%s", layer, prm ? "bias_h" : "bias_ih");
  const float *bih = tensor(m, name);
  g_snprintf(name, sizeof name, "%s.bias_hh", layer);
  const float *bhh = prm ? NULL : tensor(m, name);
  double prev[8] = { 0 };
  for (int t = 0; t < T; t++) {
    for (int u = 0; u < H; u++) {
      double z = bih[u] + (bhh ? bhh[u] : 0.0);
      for (int f = 0; f < F; f++)
        z += wih[u * F + f] * x[t * F + f];
      for (int v = 0; v < H; v++)
        z += whh[u * H + v] * prev[v];
      h[t * H + u] = tanh(z);
    }
    memcpy(prev, h + t * H, H * sizeof(double));
  }
}

static void
test_collect_by_hand(void)
{
  enum { N = 7, T = 5, F = 3, H = 4 };
  GbModel *m = gb_test_model_new("input(5,3), rnn(4), dense(1)", 3);
  float x[N * T * F];
  int labels[N] = { 0, 1, 0, 1, 1, 0, 0 }, subjects[N] = { 0, 0, 1, 1, 2, 2, 2 };
  gb_test_fill_uniform(x, N * T * F, -2, 2, 5);
  GbHiddenStates s;
  GbError err = { 0 };
  g_assert_cmpint(gb_hidden_find_layer(m), ==, 0);
  g_assert_cmpint(gb_hidden_collect(m, 0, x, N, labels, subjects, &s, NULL, NULL, &err), ==,
                  GB_OK);
  g_assert_cmpint(s.n_trials, ==, N);
  g_assert_cmpint(s.n_times, ==, T);
  g_assert_cmpint(s.n_units, ==, H);
  g_assert_cmpint(s.n_subjects, ==, 3);
  double h[T * H];
  for (int i = 0; i < N; i++) {
    elman_by_hand(m, "rnn1", x + i * T * F, T, F, H, h);
    for (int k = 0; k < T * H; k++)
      g_assert_cmpfloat(fabs(s.states[i * T * H + k] - h[k]), <, 1e-5);
    g_assert_cmpint(s.labels[i], ==, labels[i]);
    g_assert_cmpint(s.subjects[i], ==, subjects[i]);
  }
  gb_hidden_states_clear(&s);
  /* Not a recurrent layer; labels that are not 0/1. */
  g_assert_cmpint(gb_hidden_collect(m, 1, x, N, labels, NULL, &s, NULL, NULL, &err), ==,
                  GB_ERR_INVALID);
  gb_test_assert_message(&err, "hidden states", "not a recurrent layer");
  labels[2] = 3;
  g_assert_cmpint(gb_hidden_collect(m, 0, x, N, labels, NULL, &s, NULL, NULL, &err), ==,
                  GB_ERR_INVALID);
  gb_test_assert_message(&err, "hidden states", "trial 2 has label 3");
  /* The engine's accessor refuses other layers and batches its caches never held. */
  float buf[T * H];
  g_assert_cmpint(gb_layer_recurrent_states(gb_model_get_layer(m, 1), 1, buf, &err), ==,
                  GB_ERR_INVALID);
  gb_test_assert_message(&err, "dense1", "no hidden states");
  g_assert_cmpint(gb_layer_recurrent_states(gb_model_get_layer(m, 0), 1000, buf, &err), ==,
                  GB_ERR_INVALID);
  gb_test_assert_message(&err, "rnn1", "1000 samples");
  gb_model_free(m);

  /* The PRM-like layer (seq=last: one logit): its Elman part's states. */
  labels[2] = 0;
  m = gb_test_model_new("input(5,3), prm(4, post=2)", 8);
  g_assert_cmpint(gb_hidden_collect(m, 0, x, N, labels, NULL, &s, NULL, NULL, &err), ==, GB_OK);
  g_assert_cmpint(s.n_subjects, ==, 1);
  for (int i = 0; i < N; i++) {
    elman_by_hand(m, "prm1", x + i * T * F, T, F, H, h);
    for (int k = 0; k < T * H; k++)
      g_assert_cmpfloat(fabs(s.states[i * T * H + k] - h[k]), <, 1e-5);
  }
  gb_hidden_states_clear(&s);
  gb_model_free(m);
}

/* An LSTM with seq=all outputs its states: collecting them from the caches gives the same. */
static void
test_collect_matches_seq_all(void)
{
  enum { N = 300, T = 6, F = 2, H = 3 };
  GbModel *m = gb_test_model_new("input(6,2), lstm(3, seq=all), flatten, dense(1)", 4);
  float *x = gb_alloc_floats(N * T * F);
  int labels[N];
  for (int i = 0; i < N; i++)
    labels[i] = i % 2;
  gb_test_fill_uniform(x, N * T * F, -1, 1, 6);
  GbHiddenStates s;
  GbError err = { 0 };
  /* 300 trials: two forwards of up to 256, so the batching is exercised too. */
  g_assert_cmpint(gb_hidden_collect(m, 0, x, N, labels, NULL, &s, NULL, NULL, &err), ==, GB_OK);
  const float *logits;
  g_assert_cmpint(gb_model_forward(m, x, N, false, &logits, &err), ==, GB_OK);
  const float *y = gb_model_layer_output(m, 0);
  for (int k = 0; k < N * T * H; k++)
    g_assert_cmpfloat(fabs(s.states[k] - y[k]), <, 1e-6);
  gb_hidden_states_clear(&s);
  gb_free(x);
  gb_model_free(m);
}

/* ---- d' ---- */

static void
test_dprime(void)
{
  /* By hand: targets {2, 4} mean 3 var 2, non-targets {0, 2} mean 1 var 2: d' = 2 / sqrt 2. */
  float v[4] = { 2, 0, 4, 2 };
  int lab[4] = { 1, 0, 1, 0 };
  g_assert_cmpfloat(fabs(gb_hidden_dprime(v, 1, lab, 4) - M_SQRT2), <, 1e-12);
  /* Constant and equal: 0; fewer than two in a class: NaN. */
  float c[4] = { 1, 1, 1, 1 };
  g_assert_cmpfloat(gb_hidden_dprime(c, 1, lab, 4), ==, 0.0);
  int one[4] = { 1, 0, 0, 0 };
  g_assert_true(isnan(gb_hidden_dprime(v, 1, one, 4)));

  /* Synthetic units over two steps: unit 0 targets N(1, 1) vs N(0, 1): d' 1; unit 1 targets
   * N(0, 2) vs N(3, 1): d' = -3 / sqrt(2.5); at step 1 both units carry no class signal. */
  enum { N = 40000 };
  GbHiddenStates s = { .n_trials = N, .n_times = 2, .n_units = 2 };
  s.states = gb_alloc_floats(N * 4);
  s.labels = gb_malloc(N * sizeof(int));
  GbRng rng;
  gb_rng_seed(&rng, 11);
  for (int i = 0; i < N; i++) {
    int t = s.labels[i] = i % 3 == 0;
    float *r = s.states + i * 4;
    r[0] = (float)(gb_rng_normal(&rng) + (t ? 1.0 : 0.0));
    r[1] = (float)(t ? 2.0 * gb_rng_normal(&rng) : 3.0 + gb_rng_normal(&rng));
    r[2] = (float)gb_rng_normal(&rng);
    r[3] = (float)(5.0 + gb_rng_normal(&rng));
  }
  float d[4];
  gb_hidden_selectivity(&s, d);
  g_assert_cmpfloat(fabs(d[0] - 1.0), <, 0.04);
  g_assert_cmpfloat(fabs(d[1] + 3.0 / sqrt(2.5)), <, 0.05);
  g_assert_cmpfloat(fabs(d[2]), <, 0.04);
  g_assert_cmpfloat(fabs(d[3]), <, 0.04);
  gb_free(s.states);
  gb_free(s.labels);
}

/* ---- PCA ---- */

static void
test_pca_known_covariance(void)
{
  /* cov = Q diag(9, 4, 1) Q^T with Q a rotation; x = Q diag(3, 2, 1) z + mu. */
  enum { N = 40000, D = 3 };
  const double c = cos(0.6), s = sin(0.6), c2 = cos(1.1), s2 = sin(1.1);
  /* Q = Rz(0.6) Rx(1.1), columns are the axes. */
  const double q[D][D] = { { c, -s * c2, s * s2 }, { s, c * c2, -c * s2 }, { 0, s2, c2 } };
  const double sdv[D] = { 3, 2, 1 }, mu[D] = { 1, -2, 0.5 };
  float *x = gb_alloc_floats(N * D);
  GbRng rng;
  gb_rng_seed(&rng, 7);
  for (int i = 0; i < N; i++) {
    double z[D] = { gb_rng_normal(&rng), gb_rng_normal(&rng), gb_rng_normal(&rng) };
    for (int a = 0; a < D; a++) {
      double v = mu[a];
      for (int k = 0; k < D; k++)
        v += q[a][k] * sdv[k] * z[k];
      x[i * D + a] = (float)v;
    }
  }
  GbPca p;
  GbError err = { 0 };
  g_assert_cmpint(gb_pca_fit(x, N, D, &p, &err), ==, GB_OK);
  for (int k = 0; k < D; k++) {
    g_assert_cmpfloat(fabs(p.eigenvalues[k] / (sdv[k] * sdv[k]) - 1.0), <, 0.04);
    double dot = 0.0;
    for (int a = 0; a < D; a++)
      dot += p.axes[k * D + a] * q[a][k];
    g_assert_cmpfloat(fabs(dot), >, 0.995);
    g_assert_cmpfloat(fabs(p.mean[k] - mu[k]), <, 0.05);
  }
  g_assert_cmpfloat(fabs(p.total_variance / 14.0 - 1.0), <, 0.03);
  /* Scores on the first axis have the first eigenvalue as variance, mean 0. */
  float *sc = gb_alloc_floats(N);
  gb_pca_project(&p, x, N, 1, sc);
  double m1 = 0.0, m2 = 0.0;
  for (int i = 0; i < N; i++) {
    m1 += sc[i];
    m2 += (double)sc[i] * sc[i];
  }
  g_assert_cmpfloat(fabs(m1 / N), <, 1e-3);
  g_assert_cmpfloat(fabs(m2 / (N - 1) / p.eigenvalues[0] - 1.0), <, 1e-3);
  gb_pca_clear(&p);
  gb_free(sc);
  /* Bad input. */
  x[5] = NAN;
  g_assert_cmpint(gb_pca_fit(x, N, D, &p, &err), ==, GB_ERR_NUMERIC);
  gb_test_assert_message(&err, "PCA", "not finite");
  g_assert_cmpint(gb_pca_fit(x, 1, D, &p, &err), ==, GB_ERR_INVALID);
  gb_free(x);
}

/* ---- k-means and purity ---- */

static void
test_kmeans_separable(void)
{
  enum { PER = 150, K = 3, D = 2 };
  const float centre[K][D] = { { 0, 0 }, { 10, 0 }, { 0, 10 } };
  float x[K * PER * D];
  int truth[K * PER];
  GbRng rng;
  gb_rng_seed(&rng, 9);
  for (int i = 0; i < K * PER; i++) {
    int c = truth[i] = (i * 7) % K; /* interleaved, not in blocks */
    for (int a = 0; a < D; a++)
      x[i * D + a] = centre[c][a] + (float)(0.5 * gb_rng_normal(&rng));
  }
  GbKmeansConfig cfg;
  gb_kmeans_config_init(&cfg, K);
  GbKmeans km;
  GbError err = { 0 };
  g_assert_cmpint(gb_kmeans_fit(x, K * PER, D, &cfg, &km, &err), ==, GB_OK);
  g_assert_cmpfloat(gb_cluster_purity(km.assign, truth, K * PER, K, K), ==, 1.0);
  for (int c = 0; c < K; c++) {
    g_assert_cmpint(km.sizes[c], ==, PER);
    int t = truth[0];
    for (int i = 0; i < K * PER; i++)
      if (km.assign[i] == c) {
        t = truth[i];
        break;
      }
    g_assert_cmpfloat(hypot(km.centres[c * D] - centre[t][0], km.centres[c * D + 1] - centre[t][1]),
                      <, 0.15);
  }
  gb_kmeans_clear(&km);
  /* Purity by hand: clusters {0, 0 | 1, 1}, labels {0, 1 | 1, 1}: 3 of 4. */
  int as[4] = { 0, 0, 1, 1 }, lb[4] = { 0, 1, 1, 1 };
  g_assert_cmpfloat(gb_cluster_purity(as, lb, 4, 2, 2), ==, 0.75);
  cfg.k = 5;
  g_assert_cmpint(gb_kmeans_fit(x, 4, D, &cfg, &km, &err), ==, GB_ERR_INVALID);
  gb_test_assert_message(&err, "k-means", "k 5 for 4 rows");
}

/* ---- probe ---- */

static void
test_probe(void)
{
  enum { N = 600, D = 6 };
  float *x = gb_alloc_floats(N * D);
  int labels[N], shuffled[N];
  GbRng rng;
  gb_rng_seed(&rng, 21);
  for (int i = 0; i < N; i++) {
    labels[i] = i % 4 == 0; /* 1:3, like targets among flashes */
    for (int a = 0; a < D; a++)
      x[i * D + a] = (float)gb_rng_normal(&rng);
    x[i * D + 2] += labels[i] ? 3.0f : 0.0f; /* separable along one feature */
  }
  GbProbeConfig cfg;
  gb_probe_config_init(&cfg);
  GbError err = { 0 };
  double auc;
  g_assert_cmpint(gb_probe_cv_auc(x, N, D, labels, &cfg, &auc, &err), ==, GB_OK);
  g_test_message("probe AUC on separable data %.3f", auc);
  g_assert_cmpfloat(auc, >, 0.95);
  memcpy(shuffled, labels, sizeof labels);
  gb_rng_shuffle(&rng, shuffled, N);
  g_assert_cmpint(gb_probe_cv_auc(x, N, D, shuffled, &cfg, &auc, &err), ==, GB_OK);
  g_test_message("probe AUC on shuffled labels %.3f", auc);
  g_assert_cmpfloat(fabs(auc - 0.5), <, 0.08);
  /* Too few targets for the folds. */
  int few[N] = { 0 };
  few[0] = few[1] = 1;
  g_assert_cmpint(gb_probe_cv_auc(x, N, D, few, &cfg, &auc, &err), ==, GB_ERR_INVALID);
  gb_test_assert_message(&err, "probe", "2 targets");
  gb_free(x);
}

/* ---- transitions ---- */

static void
test_transitions_cycle(void)
{
  enum { N = 5, T = 10, K = 3 };
  int assign[N * T];
  for (int i = 0; i < N; i++)
    for (int t = 0; t < T; t++)
      assign[i * T + t] = (i + t) % K; /* 0 -> 1 -> 2 -> 0 from any start */
  int counts[K * K];
  gb_cluster_transitions(assign, N, T, K, counts);
  int total = 0;
  for (int a = 0; a < K; a++)
    for (int b = 0; b < K; b++) {
      if (b != (a + 1) % K)
        g_assert_cmpint(counts[a * K + b], ==, 0);
      total += counts[a * K + b];
    }
  g_assert_cmpint(total, ==, N * (T - 1)); /* no transition across trials */
  GbTransitionStats st;
  gb_transition_stats(counts, K, &st);
  g_assert_cmpfloat(st.determinism, ==, 1.0);
  g_assert_cmpfloat(st.weighted_determinism, ==, 1.0);
  g_assert_cmpfloat(st.conditional_entropy, ==, 0.0);
  g_assert_cmpint(st.visited, ==, K);
  /* From each of 2 states to either with equal counts: determinism 1/2, entropy 1 bit. */
  int even[4] = { 5, 5, 7, 7 };
  gb_transition_stats(even, 2, &st);
  g_assert_cmpfloat(fabs(st.determinism - 0.5), <, 1e-12);
  g_assert_cmpfloat(fabs(st.conditional_entropy - 1.0), <, 1e-12);
  /* Mixed: row 0 deterministic (10 -> 0), row 1 split 3:1. */
  int mixed[4] = { 10, 0, 3, 1 };
  gb_transition_stats(mixed, 2, &st);
  g_assert_cmpfloat(fabs(st.determinism - (1.0 + 0.75) / 2), <, 1e-12);
  g_assert_cmpfloat(fabs(st.weighted_determinism - 13.0 / 14.0), <, 1e-12);
  double h1 = -(0.75 * log2(0.75) + 0.25 * log2(0.25));
  g_assert_cmpfloat(fabs(st.conditional_entropy - 4.0 / 14.0 * h1), <, 1e-12);
}

/* ---- relevance ---- */

static void
test_relevance_sums(void)
{
  enum { N = 6, T = 7, C = 3 };
  GbModel *m = gb_test_model_new("input(7,3), rnn(5), dense(1)", 12);
  float x[N * T * C], maps[N * T * C];
  int labels[N] = { 1, 0, 1, 0, 0, 1 }, subjects[N] = { 0, 0, 0, 1, 1, 1 };
  gb_test_fill_uniform(x, N * T * C, -1, 1, 13);
  GbError err = { 0 };
  for (int method = 0; method < 2; method++) {
    g_assert_cmpint(gb_hidden_relevance_maps(m, x, N, method, maps, NULL, NULL, &err), ==,
                    GB_OK);
    for (int i = 0; i < N; i++) {
      double pt[T], pc[C], all = 0.0, st = 0.0, sc = 0.0;
      gb_relevance_sums(maps + i * T * C, T, C, pt, pc);
      for (int k = 0; k < T * C; k++)
        all += maps[i * T * C + k];
      for (int t = 0; t < T; t++)
        st += pt[t];
      for (int c = 0; c < C; c++)
        sc += pc[c];
      g_assert_cmpfloat(fabs(st - all), <, 1e-5);
      g_assert_cmpfloat(fabs(sc - all), <, 1e-5);
      g_assert_cmpfloat(fabs(all), >, 0.0);
    }
  }
  /* Class means and per-subject windows against sums by hand. */
  double mean[2 * T], sd[2 * T];
  gb_relevance_time_by_class(maps, N, T, C, labels, mean, sd);
  double want = 0.0;
  for (int i = 0; i < N; i++)
    if (labels[i] == 1)
      for (int c = 0; c < C; c++)
        want += maps[i * T * C + 2 * C + c] / 3.0;
  g_assert_cmpfloat(fabs(mean[T + 2] - want), <, 1e-6);
  double win[2 * C];
  gb_relevance_window_by_subject(maps, N, T, C, subjects, 2, labels, -1, 2, 4, win);
  double w10 = 0.0;
  for (int i = 3; i < 6; i++)
    w10 += (maps[i * T * C + 2 * C + 0] + maps[i * T * C + 3 * C + 0]) / 3.0;
  g_assert_cmpfloat(fabs(win[C + 0] - w10), <, 1e-6);
  gb_model_free(m);
}

static void
test_correlation(void)
{
  const double rows[3 * 3] = { 1, 2, 3, 2, 4, 6, 3, 2, 1 };
  double r[9];
  gb_correlation_matrix(rows, 3, 3, r);
  g_assert_cmpfloat(fabs(r[0] - 1.0), <, 1e-12);
  g_assert_cmpfloat(fabs(r[1] - 1.0), <, 1e-12);
  g_assert_cmpfloat(fabs(r[2] + 1.0), <, 1e-12);
  g_assert_cmpfloat(fabs(r[7] + 1.0), <, 1e-12);
}

/* The PRM-like model's per-step evidence adds up to its logit. */
static void
test_prm_evidence(void)
{
  enum { N = 9, T = 6, C = 3 };
  GbModel *m = gb_test_model_new("input(6,3), prm(4, post=3)", 17);
  float x[N * T * C], ev[N * T];
  gb_test_fill_uniform(x, N * T * C, -1.5, 1.5, 18);
  GbError err = { 0 };
  g_assert_cmpint(gb_hidden_find_prm(m), ==, 0);
  g_assert_cmpint(gb_hidden_prm_evidence(m, x, N, ev, &err), ==, GB_OK);
  const float *logits;
  g_assert_cmpint(gb_model_forward(m, x, N, false, &logits, &err), ==, GB_OK);
  for (int i = 0; i < N; i++) {
    double s = 0.0, spread = 0.0;
    for (int t = 0; t < T; t++) {
      s += ev[i * T + t];
      spread += fabs(ev[i * T + t] - ev[i * T]);
    }
    g_assert_cmpfloat(fabs(s - logits[i]), <, 1e-5);
    g_assert_cmpfloat(spread, >, 1e-4); /* the terms differ: not a logit split evenly */
  }
  GbModel *r = gb_test_model_new("input(6,3), rnn(4), dense(1)", 1);
  g_assert_cmpint(gb_hidden_prm_evidence(r, x, N, ev, &err), ==, GB_ERR_INVALID);
  gb_test_assert_message(&err, "evidence", "no prm layer");
  gb_model_free(r);
  gb_model_free(m);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/hidden/collect/by-hand", test_collect_by_hand);
  g_test_add_func("/hidden/collect/seq-all", test_collect_matches_seq_all);
  g_test_add_func("/hidden/dprime", test_dprime);
  g_test_add_func("/hidden/pca/known-covariance", test_pca_known_covariance);
  g_test_add_func("/hidden/kmeans/separable", test_kmeans_separable);
  g_test_add_func("/hidden/probe", test_probe);
  g_test_add_func("/hidden/transitions/cycle", test_transitions_cycle);
  g_test_add_func("/hidden/relevance/sums", test_relevance_sums);
  g_test_add_func("/hidden/correlation", test_correlation);
  g_test_add_func("/hidden/prm/evidence", test_prm_evidence);
  return g_test_run();
}

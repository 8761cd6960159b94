/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib.h>
#include <math.h>
#include <string.h>

#include "gb-alloc.h"
#include "gb-eeg-filter.h"

/* ---- Helpers -------------------------------------------------------------------------------- */

static GbEegSos *
bandpass(int order, double lo, double hi, double srate)
{
  GbError err = {0};
  GbEegSos *sos = gb_eeg_sos_butter_bandpass(order, lo, hi, srate, &err);
  if (sos == NULL)
    g_error("%s", err.message);
  return sos;
}

/* Least-squares amplitude and phase of the sinusoid at @f Hz in x[i0 .. i1). */
static void
fit_sine(const float *x, size_t stride, size_t i0, size_t i1, double f, double srate,
         double *amplitude, double *phase)
{
  double ss = 0, sc = 0, cc = 0, xs = 0, xc = 0;
  for (size_t i = i0; i < i1; i++) {
    double w = 2 * M_PI * f * i / srate, s = sin(w), c = cos(w), v = x[i * stride];
    ss += s * s;
    sc += s * c;
    cc += c * c;
    xs += v * s;
    xc += v * c;
  }
  double det = ss * cc - sc * sc;
  double a = (xs * cc - xc * sc) / det, b = (xc * ss - xs * sc) / det;
  *amplitude = hypot(a, b);
  if (phase != NULL)
    *phase = atan2(b, a); /* x ~ A sin(w i + phase) */
}

static float *
sine(size_t n, double f, double srate, double amplitude)
{
  float *x = g_new(float, n);
  for (size_t i = 0; i < n; i++)
    x[i] = (float)(amplitude * sin(2 * M_PI * f * i / srate));
  return x;
}

/* A set of @n trials of (n_times, n_channels) with channels called "Ch1", "Ch2"... */
static GbEegSet *
new_set(int n, int n_times, int n_channels, double srate, double t0)
{
  GbError err = {0};
  GbEegSet *set = gb_eeg_set_new(n, n_times, n_channels, srate, t0, false, &err);
  g_assert_nonnull(set);
  for (int c = 0; c < n_channels; c++)
    g_snprintf(set->channels[c].label, sizeof set->channels[c].label, "Ch%d", c + 1);
  for (int t = 0; t < n; t++) {
    set->data->labels[t] = t % 2;
    set->stimulus[t] = t % 12 + 1;
  }
  return set;
}

static float *
at(GbEegSet *set, int trial, int t, int c)
{
  return set->data->x->data + ((size_t)trial * set->n_times + t) * set->n_channels + c;
}

/* ---- Design --------------------------------------------------------------------------------- */

/* Order 2 at a quarter of the rate, by hand: the pre-warped cut-off is K tan(pi / 4) = K, the
 * prototype 1 / (s^2 + sqrt(2) s + 1) scaled to it and put through s = K (z - 1) / (z + 1)
 * gives H(z) = (1 + 2 z^-1 + z^-2) / ((2 + sqrt 2) + (2 - sqrt 2) z^-2), i.e.
 * b = [0.29289322, 0.58578644, 0.29289322], a = [1, 0, 0.17157288] (the textbook values of
 * scipy.signal.butter(2, 0.5); scipy itself was not at hand to re-run). */
static void
test_design_lowpass_hand(void)
{
  GbError err = {0};
  GbEegSos *sos = gb_eeg_sos_butter_lowpass(2, 50.0, 200.0, &err);
  g_assert_nonnull(sos);
  g_assert_cmpint(sos->n_sections, ==, 1);
  double d = 2 + M_SQRT2;
  double want[6] = {1 / d, 2 / d, 1 / d, 1, 0, (2 - M_SQRT2) / d};
  for (int i = 0; i < 6; i++)
    g_assert_cmpfloat_with_epsilon(sos->sos[i], want[i], 1e-12);
  gb_eeg_sos_free(sos);

  /* Order 1 at a quarter of the rate: (1 + z^-1) / 2. */
  sos = gb_eeg_sos_butter_lowpass(1, 25.0, 100.0, &err);
  g_assert_nonnull(sos);
  double want1[6] = {0.5, 0.5, 0, 1, 0, 0};
  for (int i = 0; i < 6; i++)
    g_assert_cmpfloat_with_epsilon(sos->sos[i], want1[i], 1e-12);
  gb_eeg_sos_free(sos);
}

/* Order 1 band-pass from its analog prototype: the low-pass 1 / (s + 1) becomes
 * H(s) = B s / (s^2 + B s + W0^2) (B = W2 - W1, W0^2 = W1 W2, edges pre-warped as
 * W = K tan(pi f / fs)); with s = K (z - 1) / (z + 1),
 *   b = B K [1, 0, -1] / D,  a = [1, 2 (W0^2 - K^2) / D, (K^2 - B K + W0^2) / D],
 *   D = K^2 + B K + W0^2.
 * We use K = 2 fs here (the library uses another K: the result must not depend on it). */
static void
test_design_bandpass_prototype(void)
{
  double fs = 240, f1 = 1, f2 = 12, K = 2 * fs;
  double w1 = K * tan(M_PI * f1 / fs), w2 = K * tan(M_PI * f2 / fs);
  double B = w2 - w1, W0sq = w1 * w2, D = K * K + B * K + W0sq;
  double want[6] = {
      B * K / D, 0, -B * K / D, 1, 2 * (W0sq - K * K) / D, (K * K - B * K + W0sq) / D};
  GbEegSos *sos = bandpass(1, f1, f2, fs);
  g_assert_cmpint(sos->n_sections, ==, 1);
  for (int i = 0; i < 6; i++)
    g_assert_cmpfloat_with_epsilon(sos->sos[i], want[i], 1e-12);
  gb_eeg_sos_free(sos);
}

/* The magnitude of a Butterworth filter after the bilinear transform, from its definition:
 * |H|^2 = 1 / (1 + x^(2N)) with x = W / Wc (low-pass), Wc / W (high-pass) or
 * (W^2 - W0^2) / (B W) (band-pass), W = tan(pi f / fs) the pre-warped frequency. */
static double
butter_magnitude(int kind, int order, double f1, double f2, double fs, double f)
{
  double w = tan(M_PI * f / fs), w1 = tan(M_PI * f1 / fs), w2 = tan(M_PI * f2 / fs);
  double x = kind == 0 ? w / w1 : kind == 1 ? w1 / w : (w * w - w1 * w2) / ((w2 - w1) * w);
  return 1 / sqrt(1 + pow(x * x, order));
}

static void
check_response(const GbEegSos *sos, int kind, int order, double f1, double f2, double fs)
{
  for (int s = 0; s < sos->n_sections; s++) {
    const double *r = sos->sos + 6 * s;
    /* Inside the stability triangle of a second-order denominator. */
    g_assert_cmpfloat(fabs(r[5]), <, 1);
    g_assert_cmpfloat(fabs(r[4]), <, 1 + r[5]);
    g_assert_cmpfloat(r[3], ==, 1);
  }
  for (int k = 1; k < 200; k++) {
    double f = fs / 2 * k / 200.0, mag;
    gb_eeg_sos_response(sos, f, fs, &mag, NULL);
    double want = butter_magnitude(kind, order, f1, f2, fs, f);
    g_assert_cmpfloat(fabs(mag - want), <, 1e-9 * (1 + want));
  }
}

static void
test_design_response(void)
{
  GbError err = {0};
  GbEegSos *sos = bandpass(4, 0.5, 10, 128);
  g_assert_cmpint(sos->n_sections, ==, 4);
  check_response(sos, 2, 4, 0.5, 10, 128);
  double mag;
  gb_eeg_sos_response(sos, sqrt(0.5 * 10), 128, &mag, NULL);
  g_assert_cmpfloat(fabs(mag - 1), <, 0.01);
  gb_eeg_sos_free(sos);

  sos = bandpass(3, 0.1, 20, 240);
  check_response(sos, 2, 3, 0.1, 20, 240);
  gb_eeg_sos_free(sos);

  sos = gb_eeg_sos_butter_lowpass(5, 30, 256, &err);
  g_assert_cmpint(sos->n_sections, ==, 3);
  check_response(sos, 0, 5, 30, 0, 256);
  gb_eeg_sos_free(sos);

  sos = gb_eeg_sos_butter_highpass(4, 1, 256, &err);
  g_assert_cmpint(sos->n_sections, ==, 2);
  check_response(sos, 1, 4, 1, 0, 256);
  gb_eeg_sos_free(sos);
}

static void
test_design_errors(void)
{
  GbError err = {0};
  g_assert_null(gb_eeg_sos_butter_bandpass(0, 1, 10, 128, &err));
  g_assert_cmpint(err.code, ==, GB_ERR_INVALID);
  g_assert_nonnull(strstr(err.message, "order 0"));
  g_assert_null(gb_eeg_sos_butter_bandpass(4, 10, 1, 128, &err));
  g_assert_nonnull(strstr(err.message, "10 .. 1 Hz"));
  g_assert_null(gb_eeg_sos_butter_bandpass(4, 1, 64, 128, &err));
  g_assert_nonnull(strstr(err.message, "half the 128 Hz rate"));
  g_assert_null(gb_eeg_sos_butter_lowpass(2, 0, 128, &err));
  g_assert_null(gb_eeg_sos_butter_highpass(2, 10, -1, &err));
  g_assert_cmpint(err.code, ==, GB_ERR_INVALID);
}

/* ---- Filtering ------------------------------------------------------------------------------ */

static double
filtered_gain_db(const GbEegSos *sos, double f, double fs, size_t n)
{
  float *x = sine(n, f, fs, 1.0);
  GbError err = {0};
  g_assert_cmpint(gb_eeg_sos_filtfilt(sos, x, n, 1, &err), ==, GB_OK);
  double amp;
  fit_sine(x, 1, n / 4, 3 * n / 4, f, fs, &amp, NULL);
  g_free(x);
  return 20 * log10(amp);
}

/* 0.5-10 Hz, 4th order, at 128 Hz: a 6 Hz sine passes within 1 dB, 40 Hz and 0.1 Hz lose more
 * than 20 dB. (1 Hz lies inside the 0.5-10 Hz pass band, so it passes too.) */
static void
test_filtfilt_attenuation(void)
{
  GbEegSos *sos = bandpass(4, 0.5, 10, 128);
  size_t n = 128 * 200;
  double g6 = filtered_gain_db(sos, 6, 128, n);
  double g40 = filtered_gain_db(sos, 40, 128, n);
  double g01 = filtered_gain_db(sos, 0.1, 128, n);
  double g1 = filtered_gain_db(sos, 1, 128, n);
  g_test_message("gains: 6 Hz %.3f dB, 40 Hz %.1f dB, 0.1 Hz %.1f dB, 1 Hz %.3f dB", g6, g40, g01,
                 g1);
  g_assert_cmpfloat(fabs(g6), <, 1);
  g_assert_cmpfloat(g40, <, -20);
  g_assert_cmpfloat(g01, <, -20);
  g_assert_cmpfloat(fabs(g1), <, 1);
  /* Zero-phase filtering applies |H|^2: twice the single-pass attenuation in dB. */
  double mag;
  gb_eeg_sos_response(sos, 40, 128, &mag, NULL);
  g_assert_cmpfloat(fabs(g40 - 40 * log10(mag)), <, 0.5);
  gb_eeg_sos_free(sos);
}

/* Cross-correlation of a[i] with b[i + lag] over the central half, for lags in -20 .. 20. */
static int
best_lag(const float *a, const float *b, size_t n)
{
  int best = 0;
  double best_value = -INFINITY;
  for (int lag = -20; lag <= 20; lag++) {
    double s = 0;
    for (size_t i = n / 4; i < 3 * n / 4; i++)
      s += a[i] * b[(long)i + lag];
    if (s > best_value) {
      best_value = s;
      best = lag;
    }
  }
  return best;
}

static void
test_filtfilt_zero_phase(void)
{
  GbEegSos *sos = bandpass(4, 0.5, 10, 128);
  size_t n = 128 * 20;
  float *x = sine(n, 6, 128, 1.0);
  float *y = g_memdup2(x, n * sizeof *x);
  float *causal = g_memdup2(x, n * sizeof *x);
  GbError err = {0};
  g_assert_cmpint(gb_eeg_sos_filtfilt(sos, y, n, 1, &err), ==, GB_OK);
  gb_eeg_sos_filter(sos, causal, n, 1);
  g_assert_cmpint(best_lag(x, y, n), ==, 0);
  /* The check can see a shift: the causal filter delays the sine. */
  g_assert_cmpint(best_lag(x, causal, n), >, 0);
  double phase_x, phase_y, amp;
  fit_sine(x, 1, n / 4, 3 * n / 4, 6, 128, &amp, &phase_x);
  fit_sine(y, 1, n / 4, 3 * n / 4, 6, 128, &amp, &phase_y);
  g_assert_cmpfloat(fabs(phase_x - phase_y), <, 1e-3);
  g_free(x);
  g_free(y);
  g_free(causal);
  gb_eeg_sos_free(sos);
}

/* Odd extension plus steady-state initial conditions: a straight line goes through a low-pass
 * unchanged, edges included, and a constant through a band-pass becomes 0 everywhere. */
static void
test_filtfilt_edges(void)
{
  GbError err = {0};
  GbEegSos *lp = gb_eeg_sos_butter_lowpass(4, 10, 128, &err);
  GbEegSos *bp = bandpass(4, 0.5, 10, 128);
  size_t n = 192, stride = 3;
  float *x = g_new0(float, n *stride);
  for (size_t i = 0; i < n; i++)
    x[i * stride] = (float)(5.0 + 0.25 * i);
  g_assert_cmpint(gb_eeg_sos_filtfilt(lp, x, n, stride, &err), ==, GB_OK);
  for (size_t i = 0; i < n; i++) {
    /* Almost exact inside; at the ends, where the transient from the step-response initial
     * state has not died out, within a fifth of a step (0.25) on a signal spanning 48. */
    double tol = i < 30 || i >= n - 30 ? 0.05 : 3e-4;
    g_assert_cmpfloat(fabs(x[i * stride] - (5.0 + 0.25 * i)), <, tol);
    g_assert_cmpfloat(x[i * stride + 1], ==, 0); /* other columns untouched */
  }
  for (size_t i = 0; i < n; i++)
    x[i * stride] = 7.0f;
  g_assert_cmpint(gb_eeg_sos_filtfilt(bp, x, n, stride, &err), ==, GB_OK);
  for (size_t i = 0; i < n; i++)
    g_assert_cmpfloat(fabs(x[i * stride]), <, 1e-4);
  /* Series shorter than the padding are padded less, not refused. */
  float tiny[3] = {1, 2, 3};
  g_assert_cmpint(gb_eeg_sos_filtfilt(lp, tiny, 3, 1, &err), ==, GB_OK);
  for (int i = 0; i < 3; i++)
    g_assert_true(isfinite(tiny[i]));
  g_free(x);
  gb_eeg_sos_free(lp);
  gb_eeg_sos_free(bp);
}

static void
test_set_filter(void)
{
  GbEegSet *set = new_set(3, 256, 2, 128, 0);
  for (int t = 0; t < 3; t++)
    for (int i = 0; i < 256; i++) {
      *at(set, t, i, 0) =
          (float)(sin(2 * M_PI * 6 * i / 128.0) + 3 * sin(2 * M_PI * 40 * i / 128.0));
      *at(set, t, i, 1) = 100.0f;
    }
  GbError err = {0};
  g_assert_cmpint(gb_eeg_set_bandpass(set, 4, 0.5, 10, NULL, NULL, &err), ==, GB_OK);
  for (int t = 0; t < 3; t++) {
    double amp6, amp40;
    float *x = at(set, t, 0, 0);
    fit_sine(x, 2, 64, 192, 6, 128, &amp6, NULL);
    fit_sine(x, 2, 64, 192, 40, 128, &amp40, NULL);
    g_assert_cmpfloat(fabs(amp6 - 1), <, 0.12);
    g_assert_cmpfloat(amp40, <, 0.03);
    for (int i = 0; i < 256; i++)
      g_assert_cmpfloat(fabs(*at(set, t, i, 1)), <, 1e-3);
  }
  gb_eeg_set_free(set);
}

/* ---- Decimation, baseline, selection -------------------------------------------------------- */

static void
test_decimate(void)
{
  /* 240 Hz -> 40 Hz: a 3 Hz sine stays; 35 Hz, which would alias to 5 Hz, goes. */
  int n = 2400, q = 6;
  GbEegSet *set = new_set(2, n, 2, 240, -0.1);
  for (int t = 0; t < 2; t++)
    for (int i = 0; i < n; i++) {
      double s3 = sin(2 * M_PI * 3 * i / 240.0), s35 = sin(2 * M_PI * 35 * i / 240.0);
      *at(set, t, i, 0) = (float)(s3 + s35);
      *at(set, t, i, 1) = (float)s35;
    }
  /* Keeping every 6th sample without a filter would fold 35 Hz onto 5 Hz. */
  float *naive = g_new(float, n / q);
  for (int i = 0; i < n / q; i++)
    naive[i] = *at(set, 0, i * q, 1);
  double amp5;
  fit_sine(naive, 1, 0, (size_t)(n / q), 5, 40, &amp5, NULL);
  g_assert_cmpfloat(amp5, >, 0.9);
  g_free(naive);

  GbError err = {0};
  GbEegSet *out = gb_eeg_set_decimate(set, q, NULL, NULL, &err);
  g_assert_nonnull(out);
  g_assert_cmpint(out->n_times, ==, n / q);
  g_assert_cmpfloat(out->srate, ==, 40);
  g_assert_cmpfloat(out->t0, ==, -0.1);
  g_assert_cmpint(out->data->labels[1], ==, 1);
  g_assert_cmpint(out->stimulus[1], ==, 2);
  g_assert_cmpstr(out->channels[1].label, ==, "Ch2");
  for (int t = 0; t < 2; t++) {
    double a3, a5;
    fit_sine(at(out, t, 0, 0), 2, 50, 350, 3, 40, &a3, NULL);
    fit_sine(at(out, t, 0, 1), 2, 50, 350, 5, 40, &a5, NULL);
    g_assert_cmpfloat(fabs(a3 - 1), <, 0.01);
    g_assert_cmpfloat(a5, <, 0.01);
    for (int i = 50; i < 350; i++)
      g_assert_cmpfloat(fabs(*at(out, t, i, 0) - sin(2 * M_PI * 3 * i / 40.0)), <, 0.02);
  }
  gb_eeg_set_free(out);

  g_assert_null(gb_eeg_set_decimate(set, 0, NULL, NULL, &err));
  g_assert_cmpint(err.code, ==, GB_ERR_INVALID);
  out = gb_eeg_set_decimate(set, 1, NULL, NULL, &err);
  g_assert_cmpmem(out->data->x->data, out->data->x->size * sizeof(float), set->data->x->data,
                  set->data->x->size * sizeof(float));
  gb_eeg_set_free(out);
  gb_eeg_set_free(set);
}

static void
test_baseline(void)
{
  /* 100 Hz from -0.2 s: 20 samples before the onset. */
  GbEegSet *set = new_set(2, 80, 2, 100, -0.2);
  for (int t = 0; t < 2; t++)
    for (int i = 0; i < 80; i++)
      for (int c = 0; c < 2; c++)
        *at(set, t, i, c) = (float)(10 * (c + 1) + t + (i >= 20 ? 0.5 * (i - 20) : (i % 2) - 0.5));
  GbError err = {0};
  g_assert_cmpint(gb_eeg_set_baseline(set, -0.2, 0.0, &err), ==, GB_OK);
  for (int t = 0; t < 2; t++)
    for (int c = 0; c < 2; c++) {
      double sum = 0;
      for (int i = 0; i < 20; i++)
        sum += *at(set, t, i, c);
      g_assert_cmpfloat(fabs(sum / 20), <, 1e-5);
      g_assert_cmpfloat(fabs(*at(set, t, 30, c) - 5.0), <, 1e-5);
    }
  gb_eeg_set_free(set);

  set = new_set(1, 80, 1, 100, 0.0);
  g_assert_cmpint(gb_eeg_set_baseline(set, -0.2, 0.0, &err), ==, GB_ERR_INVALID);
  g_assert_nonnull(strstr(err.message, "-0.2 .. 0 s holds no sample"));
  gb_eeg_set_free(set);
}

static void
test_select_channels(void)
{
  GbEegSet *set = new_set(2, 4, 3, 100, 0);
  for (size_t k = 0; k < set->data->x->size; k++)
    set->data->x->data[k] = (float)k;
  GbError err = {0};
  const char *pick[] = {"ch3", "Ch1"};
  GbEegSet *out = gb_eeg_set_select_channels(set, pick, 2, &err);
  g_assert_nonnull(out);
  g_assert_cmpint(out->n_channels, ==, 2);
  g_assert_cmpstr(out->channels[0].label, ==, "Ch3");
  g_assert_cmpstr(out->channels[1].label, ==, "Ch1");
  for (int t = 0; t < 2; t++)
    for (int i = 0; i < 4; i++) {
      g_assert_cmpfloat(*at(out, t, i, 0), ==, *at(set, t, i, 2));
      g_assert_cmpfloat(*at(out, t, i, 1), ==, *at(set, t, i, 0));
    }
  gb_eeg_set_free(out);
  const char *bad[] = {"Ch1", "Pz"};
  g_assert_null(gb_eeg_set_select_channels(set, bad, 2, &err));
  g_assert_cmpint(err.code, ==, GB_ERR_INVALID);
  g_assert_nonnull(strstr(err.message, "'Pz'"));
  gb_eeg_set_free(set);
}

/* ---- Standardisation ------------------------------------------------------------------------ */

static void
channel_stats(GbEegSet *set, int t0, int t1, int c, double *mean, double *std)
{
  double s = 0, ss = 0, n = 0;
  for (int t = t0; t < t1; t++)
    for (int i = 0; i < set->n_times; i++) {
      double v = *at(set, t, i, c);
      s += v;
      ss += v * v;
      n++;
    }
  *mean = s / n;
  *std = sqrt(ss / n - *mean * *mean);
}

static void
test_standardise(void)
{
  int n = 100, n_train = 70;
  GbEegSet *set = new_set(n, 50, 3, 100, 0);
  GRand *rng = g_rand_new_with_seed(7);
  for (int t = 0; t < n; t++)
    for (int i = 0; i < 50; i++)
      for (int c = 0; c < 3; c++) {
        /* Held-out trials drift: their statistics differ from the training ones. */
        double drift = t >= n_train ? 2.0 : 0.0;
        *at(set, t, i, c) =
            (float)(100 * c + drift + (c + 1) * 5 * g_rand_double_range(rng, -1, 1));
      }
  g_rand_free(rng);
  int train[70];
  for (int k = 0; k < n_train; k++)
    train[k] = k;
  GbError err = {0};
  GbEegScaler *sc = gb_eeg_scaler_fit(set, train, n_train, &err);
  g_assert_nonnull(sc);
  g_assert_cmpfloat(fabs(sc->mean[2] - 200), <, 0.5);
  g_assert_cmpint(gb_eeg_scaler_apply(sc, set, &err), ==, GB_OK);
  for (int c = 0; c < 3; c++) {
    double mean, std;
    channel_stats(set, 0, n_train, c, &mean, &std);
    g_assert_cmpfloat(fabs(mean), <, 1e-4);
    g_assert_cmpfloat(fabs(std - 1), <, 1e-4);
    channel_stats(set, n_train, n, c, &mean, &std);
    g_assert_cmpfloat(fabs(mean), >, 0.05); /* not fitted on these: not exactly centred */
  }
  /* A set with other channels is refused. */
  GbEegSet *other = new_set(2, 50, 3, 100, 0);
  g_strlcpy(other->channels[1].label, "Pz", sizeof other->channels[1].label);
  g_assert_cmpint(gb_eeg_scaler_apply(sc, other, &err), ==, GB_ERR_SHAPE);
  g_assert_nonnull(strstr(err.message, "'Pz'"));
  gb_eeg_set_free(other);
  int bad[] = {5, 100};
  g_assert_null(gb_eeg_scaler_fit(set, bad, 2, &err));
  g_assert_cmpint(err.code, ==, GB_ERR_INVALID);
  gb_eeg_scaler_free(sc);
  gb_eeg_set_free(set);
}

static void
test_out_of_memory(void)
{
  GbEegSet *set = new_set(4, 120, 2, 120, 0);
  for (long n = 1; n < 40; n++) {
    GbError err = {0};
    gb_alloc_fail_after(n);
    GbEegSet *out = gb_eeg_set_decimate(set, 3, NULL, NULL, &err);
    GbEegScaler *sc = out != NULL ? gb_eeg_scaler_fit(out, NULL, 0, &err) : NULL;
    gb_alloc_fail_after(0);
    if (out == NULL || sc == NULL)
      g_assert_cmpint(err.code, ==, GB_ERR_NOMEM);
    gb_eeg_scaler_free(sc);
    gb_eeg_set_free(out);
  }
  gb_eeg_set_free(set);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/datasets/eeg-filter/design/lowpass-by-hand", test_design_lowpass_hand);
  g_test_add_func("/datasets/eeg-filter/design/bandpass-prototype", test_design_bandpass_prototype);
  g_test_add_func("/datasets/eeg-filter/design/response", test_design_response);
  g_test_add_func("/datasets/eeg-filter/design/errors", test_design_errors);
  g_test_add_func("/datasets/eeg-filter/filtfilt/attenuation", test_filtfilt_attenuation);
  g_test_add_func("/datasets/eeg-filter/filtfilt/zero-phase", test_filtfilt_zero_phase);
  g_test_add_func("/datasets/eeg-filter/filtfilt/edges", test_filtfilt_edges);
  g_test_add_func("/datasets/eeg-filter/set/bandpass", test_set_filter);
  g_test_add_func("/datasets/eeg-filter/set/decimate", test_decimate);
  g_test_add_func("/datasets/eeg-filter/set/baseline", test_baseline);
  g_test_add_func("/datasets/eeg-filter/set/select-channels", test_select_channels);
  g_test_add_func("/datasets/eeg-filter/set/standardise", test_standardise);
  g_test_add_func("/datasets/eeg-filter/out-of-memory", test_out_of_memory);
  return g_test_run();
}

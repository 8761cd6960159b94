/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "gb-alloc.h"
#include "gb-dataset.h"
#include "gb-eeg-montage.h"
#include "gb-eeg-sim-private.h"
#include "gb-eeg-sim.h"
#include "gb-metrics.h"
#include "gb-train.h"

/* Small designs keep the file fast: 4 subjects x 480 flashes of 16 channels take well under a
 * second to simulate. */
static void
small_config(GbEegSimConfig *cfg)
{
  gb_eeg_sim_config_init(cfg);
  cfg->n_subjects = 4;
  cfg->n_characters = 8;
  cfg->n_repetitions = 5;
}

static GbEegSet *
simulate(const GbEegSimConfig *cfg)
{
  GbEegSet *set = NULL;
  GbError err;
  GbStatus st = gb_eeg_sim_generate(cfg, &set, &err);
  if (st != GB_OK)
    g_error("simulator: %s", err.message);
  g_assert_nonnull(set);
  return set;
}

static int
channel(const GbEegSet *set, const char *label)
{
  int c = gb_eeg_set_find_channel(set, label);
  if (c < 0)
    g_error("no channel %s", label);
  return c;
}

static int
n_trials(const GbEegSet *set)
{
  return gb_dataset_size(set->data);
}

static const float *
epoch(const GbEegSet *set, int trial)
{
  return set->data->x->data + (size_t)trial * set->n_times * set->n_channels;
}

static double
time_of(const GbEegSet *set, int t)
{
  return set->t0 + t / set->srate;
}

/* Average over the trials with @label (of @subject, or all for -1) at channel @c. */
static void
average(const GbEegSet *set, int label, int subject, int c, double *out)
{
  int n = 0;
  memset(out, 0, (size_t)set->n_times * sizeof *out);
  for (int i = 0; i < n_trials(set); i++) {
    if (set->data->labels[i] != label || (subject >= 0 && set->subject[i] != subject))
      continue;
    const float *x = epoch(set, i);
    for (int t = 0; t < set->n_times; t++) out[t] += x[t * set->n_channels + c];
    n++;
  }
  g_assert_cmpint(n, >, 0);
  for (int t = 0; t < set->n_times; t++) out[t] /= n;
}

/* Target minus non-target average. */
static double *
difference_wave(const GbEegSet *set, int subject, int c)
{
  double *tg = g_new(double, set->n_times), *nt = g_new(double, set->n_times);
  average(set, 1, subject, c, tg);
  average(set, 0, subject, c, nt);
  for (int t = 0; t < set->n_times; t++) tg[t] -= nt[t];
  g_free(nt);
  return tg;
}

/* Index of the extreme (max when @sign > 0, min otherwise) of @w within [lo, hi] seconds. */
static int
extreme_in(const GbEegSet *set, const double *w, double lo, double hi, int sign)
{
  int best = -1;
  for (int t = 0; t < set->n_times; t++) {
    double s = time_of(set, t);
    if (s < lo || s > hi)
      continue;
    if (best < 0 || sign * w[t] > sign * w[best])
      best = t;
  }
  g_assert_cmpint(best, >=, 0);
  return best;
}

static void
test_montage_positions(void)
{
  const int sizes[] = {8, 16, 32, 64};
  const char *required[] = {"Fz", "Cz", "Pz", "Oz", "PO7", "PO8", "Fp1", "Fp2"};
  for (size_t m = 0; m < G_N_ELEMENTS(sizes); m++) {
    int n = sizes[m];
    GbEegChannel ch[GB_EEG_MONTAGE_MAX];
    GbError err;
    g_assert_true(gb_eeg_montage_supported(n));
    g_assert_nonnull(gb_eeg_montage_name(n));
    g_assert_cmpint(gb_eeg_montage_get(n, ch, &err), ==, GB_OK);
    for (int c = 0; c < n; c++) {
      const char *l = ch[c].label;
      char last = l[strlen(l) - 1];
      g_assert_cmpfloat(hypot(ch[c].x, ch[c].y), <=, 0.5);
      for (int d = 0; d < c; d++) g_assert_cmpstr(ch[d].label, !=, l);
      if (last == 'z')
        g_assert_cmpfloat(fabsf(ch[c].x), <, 1e-6);
      else if ((last - '0') % 2 == 1)
        g_assert_cmpfloat(ch[c].x, <, 0); /* odd numbers on the left */
      else
        g_assert_cmpfloat(ch[c].x, >, 0);
      if (strcmp(l, "Cz") == 0)
        g_assert_true(ch[c].x == 0 && ch[c].y == 0);
      if (strcmp(l, "Pz") == 0)
        g_assert_true(ch[c].y < -0.15 && fabsf(ch[c].x) < 1e-6);
      if (strcmp(l, "Fz") == 0)
        g_assert_true(ch[c].y > 0.15 && fabsf(ch[c].x) < 1e-6);
      if (strncmp(l, "Fp", 2) == 0)
        g_assert_cmpfloat(ch[c].y, >, 0.35);
      if (l[0] == 'O')
        g_assert_cmpfloat(ch[c].y, <, -0.35);
    }
    for (size_t r = 0; n >= 16 && r < G_N_ELEMENTS(required); r++) {
      bool found = false;
      for (int c = 0; c < n; c++) found = found || strcmp(ch[c].label, required[r]) == 0;
      g_assert_true(found);
    }
  }
  /* BCI Competition III order (1-based in the task description) and BNCI2014_008's. */
  GbEegChannel ch[64];
  gb_eeg_montage_get(64, ch, NULL);
  g_assert_cmpstr(ch[0].label, ==, "FC5");
  g_assert_cmpstr(ch[10].label, ==, "Cz");
  g_assert_cmpstr(ch[17].label, ==, "CPz");
  g_assert_cmpstr(ch[33].label, ==, "Fz");
  g_assert_cmpstr(ch[50].label, ==, "Pz");
  g_assert_cmpstr(ch[55].label, ==, "PO7");
  g_assert_cmpstr(ch[59].label, ==, "PO8");
  g_assert_cmpstr(ch[61].label, ==, "Oz");
  g_assert_cmpstr(ch[63].label, ==, "Iz");
  g_assert_cmpfloat(fabs(ch[33].y - 0.203), <, 1e-6);
  g_assert_cmpfloat(fabs(ch[50].y + 0.181), <, 1e-6);
  gb_eeg_montage_get(8, ch, NULL);
  const char *bnci[] = {"Fz", "Cz", "Pz", "Oz", "P3", "P4", "PO7", "PO8"};
  for (int c = 0; c < 8; c++) g_assert_cmpstr(ch[c].label, ==, bnci[c]);
  float x, y;
  g_assert_true(gb_eeg_montage_position("c3", &x, &y));
  g_assert_true(x < -0.2 && fabsf(y) < 1e-6);
  g_assert_false(gb_eeg_montage_position("Xy9", &x, &y));
  GbError err;
  g_assert_false(gb_eeg_montage_supported(12));
  g_assert_null(gb_eeg_montage_name(12));
  g_assert_cmpint(gb_eeg_montage_get(12, ch, &err), ==, GB_ERR_INVALID);
  g_assert_nonnull(strstr(err.message, "12 channels"));
}

static void
expect_invalid(const GbEegSimConfig *cfg, const char *needle)
{
  static GbEegSet stale;
  GbEegSet *set = &stale; /* must be reset to NULL */
  GbError err = {0};
  g_assert_cmpint(gb_eeg_sim_generate(cfg, &set, &err), ==, GB_ERR_INVALID);
  g_assert_null(set);
  g_test_message("%s", err.message);
  g_assert_nonnull(strstr(err.message, needle));
}

static void
test_config_errors(void)
{
  GbEegSimConfig cfg;
  GbError err;
  gb_eeg_sim_config_init(&cfg);
  g_assert_cmpint(gb_eeg_sim_config_check(&cfg, &err), ==, GB_OK);
  cfg.n_subjects = 0;
  expect_invalid(&cfg, "0 subjects");
  gb_eeg_sim_config_init(&cfg);
  cfg.n_channels = 12;
  expect_invalid(&cfg, "12-channel");
  gb_eeg_sim_config_init(&cfg);
  cfg.t_start = -2.0;
  expect_invalid(&cfg, "epoch window");
  gb_eeg_sim_config_init(&cfg);
  cfg.t_end = 3.0;
  expect_invalid(&cfg, "epoch window");
  gb_eeg_sim_config_init(&cfg);
  cfg.t_start = 0.3;
  cfg.t_end = 0.25;
  expect_invalid(&cfg, "epoch window");
  gb_eeg_sim_config_init(&cfg);
  cfg.srate = 10;
  expect_invalid(&cfg, "sampling rate");
  gb_eeg_sim_config_init(&cfg);
  cfg.soa = 0;
  expect_invalid(&cfg, "SOA");
  gb_eeg_sim_config_init(&cfg);
  cfg.n_repetitions = 0;
  expect_invalid(&cfg, "repetitions");
  gb_eeg_sim_config_init(&cfg);
  cfg.erp_scale = NAN;
  expect_invalid(&cfg, "erp_scale");
  gb_eeg_sim_config_init(&cfg);
  cfg.blink_uv = -1;
  expect_invalid(&cfg, "blink_uv");
}

/* Blocks of 12 codes, each once; per character the same column and row are the targets. */
static void
test_design(void)
{
  GbEegSimConfig cfg;
  small_config(&cfg);
  GbEegSet *set = simulate(&cfg);
  int per_subject = gb_eeg_sim_trials_per_subject(&cfg);
  g_assert_cmpint(per_subject, ==, 480);
  g_assert_cmpint(n_trials(set), ==, 4 * 480);
  g_assert_cmpint(set->n_channels, ==, 16);
  g_assert_cmpint(set->n_subjects, ==, 4);
  g_assert_cmpfloat(set->srate, ==, 128.0);
  g_assert_cmpfloat(fabs(set->t0 + 0.1), <, 0.5 / 128);
  g_assert_cmpfloat(fabs(time_of(set, set->n_times) - 0.7), <, 0.5 / 128);
  g_assert_cmpint(set->data->n_classes, ==, 2);
  g_assert_nonnull(strstr(set->source, "simulated P300 speller"));
  g_assert_nonnull(strstr(set->source, "seed 1"));
  GbEegChannel ch[16];
  gb_eeg_montage_get(16, ch, NULL);
  for (int c = 0; c < 16; c++) g_assert_cmpstr(set->channels[c].label, ==, ch[c].label);
  int targets = 0;
  for (int block = 0; block < n_trials(set) / 12; block++) {
    int seen = 0, cols = 0, rows = 0, first = block * 12;
    int char_first = first - first % (12 * cfg.n_repetitions);
    for (int i = first; i < first + 12; i++) {
      g_assert_cmpint(set->subject[i], ==, i / per_subject);
      g_assert_cmpint(set->stimulus[i], >=, 1);
      g_assert_cmpint(set->stimulus[i], <=, 12);
      seen |= 1 << set->stimulus[i];
      if (set->data->labels[i])
        *(set->stimulus[i] <= 6 ? &cols : &rows) += 1;
      /* A character's targets stay the same: compare with its first block. */
      for (int j = char_first; j < char_first + 12; j++)
        if (set->stimulus[j] == set->stimulus[i])
          g_assert_cmpint(set->data->labels[j], ==, set->data->labels[i]);
    }
    g_assert_cmpint(seen, ==, 0x1ffe);
    g_assert_cmpint(cols, ==, 1);
    g_assert_cmpint(rows, ==, 1);
    targets += cols + rows;
  }
  g_assert_cmpfloat((double)targets / n_trials(set), ==, 1.0 / 6.0);
  gb_eeg_set_free(set);
}

/* The P3b: the target-minus-non-target average at Pz peaks positive between 250 and 500 ms
 * and is larger there than at Fz; the parietal maximum goes Pz > Cz > Fz. */
static void
test_p300(void)
{
  GbEegSimConfig cfg;
  small_config(&cfg);
  GbEegSet *set = simulate(&cfg);
  double *pz = difference_wave(set, -1, channel(set, "Pz"));
  double *cz = difference_wave(set, -1, channel(set, "Cz"));
  double *fz = difference_wave(set, -1, channel(set, "Fz"));
  int peak = extreme_in(set, pz, -0.1, 0.7, 1);
  g_test_message("Pz difference peak %.2f uV at %.0f ms; Cz %.2f, Fz %.2f", pz[peak],
                 1000 * time_of(set, peak), cz[peak], fz[peak]);
  g_assert_cmpfloat(time_of(set, peak), >=, 0.25);
  g_assert_cmpfloat(time_of(set, peak), <=, 0.5);
  g_assert_cmpfloat(pz[peak], >, 2.0);
  g_assert_cmpfloat(pz[peak], >, cz[peak]);
  g_assert_cmpfloat(cz[peak], >, fz[peak]);
  g_assert_cmpfloat(pz[peak], >, 2.0 * fz[extreme_in(set, fz, 0.25, 0.5, 1)]);
  /* N2: the difference is negative around 200-260 ms at Cz. */
  g_assert_cmpfloat(cz[extreme_in(set, cz, 0.18, 0.28, -1)], <, -0.5);
  /* Before the flash the classes do not differ much. */
  g_assert_cmpfloat(fabs(pz[0]), <, 0.5 * pz[peak]);
  g_free(pz);
  g_free(cz);
  g_free(fz);
  gb_eeg_set_free(set);
}

/* The visual N1 follows every flash: non-targets, negative at PO7/PO8 around 150-200 ms,
 * after a positive P1 near 100 ms; far smaller at Fz. */
static void
test_visual_n1(void)
{
  GbEegSimConfig cfg;
  small_config(&cfg);
  GbEegSet *set = simulate(&cfg);
  double *w = g_new(double, set->n_times);
  const char *sites[] = {"PO7", "PO8", "Fz"};
  double swing[3];
  for (int i = 0; i < 3; i++) {
    average(set, 0, -1, channel(set, sites[i]), w);
    int n1 = extreme_in(set, w, 0.13, 0.21, -1), p1 = extreme_in(set, w, 0.07, 0.13, 1);
    g_test_message("%s: N1 %.2f uV at %.0f ms, P1 %.2f uV", sites[i], w[n1],
                   1000 * time_of(set, n1), w[p1]);
    swing[i] = w[p1] - w[n1];
    if (i == 2)
      break;
    g_assert_cmpfloat(time_of(set, n1), >=, 0.14);
    g_assert_cmpfloat(time_of(set, n1), <=, 0.2);
    g_assert_cmpfloat(w[n1], <, -1.5);
    g_assert_cmpfloat(swing[i], >, 2.0);
  }
  /* Frontal sites see little of it (blinks make the frontal average wander, so compare the
   * P1-N1 swing rather than levels). */
  g_assert_cmpfloat(swing[2], <, 0.5 * fmin(swing[0], swing[1]));
  g_free(w);
  gb_eeg_set_free(set);
}

/* Power spectrum of non-target epochs at channel @c: Hann window, mean over epochs;
 * p[k] at k * srate / n_times Hz for k <= n_times / 2. */
static double *
spectrum(const GbEegSet *set, int c)
{
  int n = set->n_times, half = n / 2, count = 0;
  double *p = g_new0(double, half + 1), *x = g_new(double, n);
  for (int i = 0; i < n_trials(set); i++) {
    if (set->data->labels[i])
      continue;
    const float *e = epoch(set, i);
    double mean = 0;
    for (int t = 0; t < n; t++) mean += e[t * set->n_channels + c] / n;
    for (int t = 0; t < n; t++)
      x[t] = (e[t * set->n_channels + c] - mean) * (0.5 - 0.5 * cos(2 * M_PI * t / n));
    for (int k = 0; k <= half; k++) {
      double re = 0, im = 0;
      for (int t = 0; t < n; t++) {
        re += x[t] * cos(2 * M_PI * k * t / n);
        im -= x[t] * sin(2 * M_PI * k * t / n);
      }
      p[k] += re * re + im * im;
    }
    count++;
  }
  for (int k = 0; k <= half; k++) p[k] /= count;
  g_free(x);
  return p;
}

/* Mean power between lo and hi Hz. */
static double
band_power(const GbEegSet *set, const double *p, double lo, double hi)
{
  double df = set->srate / set->n_times, sum = 0;
  int n = 0;
  for (int k = 0; k <= set->n_times / 2; k++)
    if (k * df >= lo && k * df <= hi) {
      sum += p[k];
      n++;
    }
  return sum / n;
}

/* Least-squares slope of log power against log frequency over 2-40 Hz without 7-14 Hz. */
static double
loglog_slope(const GbEegSet *set, const double *p)
{
  double df = set->srate / set->n_times, sx = 0, sy = 0, sxx = 0, sxy = 0;
  int n = 0;
  for (int k = 1; k <= set->n_times / 2; k++) {
    double f = k * df;
    if (f < 2 || f > 40 || (f >= 7 && f <= 14))
      continue;
    double lx = log10(f), ly = log10(p[k]);
    sx += lx;
    sy += ly;
    sxx += lx * lx;
    sxy += lx * ly;
    n++;
  }
  return (n * sxy - sx * sy) / (n * sxx - sx * sx);
}

/* The background falls as 1/f^beta, alpha is occipital, mains shows at 50 Hz. Two-second
 * epochs give 0.5 Hz bins; the artefacts are switched off for the slope. */
static void
test_spectrum(void)
{
  GbEegSimConfig cfg;
  small_config(&cfg);
  cfg.n_subjects = 2;
  cfg.t_start = -0.5;
  cfg.t_end = 1.5;
  cfg.blink_rate = 0;
  cfg.drift_uv = 0;
  GbEegSet *set = simulate(&cfg);
  double *cz = spectrum(set, channel(set, "Cz"));
  double *oz = spectrum(set, channel(set, "Oz"));
  double *fz = spectrum(set, channel(set, "Fz"));
  double slope = loglog_slope(set, cz);
  double alpha_oz = band_power(set, oz, 8, 12), alpha_fz = band_power(set, fz, 8, 12);
  double line = band_power(set, cz, 49.5, 50.5), near = band_power(set, cz, 44, 48);
  g_test_message("Cz log-log slope %.2f; alpha Oz/Fz %.1f; 50 Hz / 44-48 Hz at Cz %.1f", slope,
                 alpha_oz / alpha_fz, line / near);
  g_assert_cmpfloat(slope, >=, -2.5);
  g_assert_cmpfloat(slope, <=, -0.5);
  g_assert_cmpfloat(alpha_oz, >, 2.0 * alpha_fz);
  /* Alpha is a peak at Oz: above its 1/f neighbours. */
  g_assert_cmpfloat(alpha_oz, >, 2.0 * band_power(set, oz, 15, 18));
  g_assert_cmpfloat(line, >, 3.0 * near);
  g_free(cz);
  g_free(oz);
  g_free(fz);
  gb_eeg_set_free(set);
}

static double
variance(const GbEegSet *set, int c)
{
  double s = 0, ss = 0;
  size_t n = 0;
  for (int i = 0; i < n_trials(set); i++) {
    const float *e = epoch(set, i);
    for (int t = 0; t < set->n_times; t++, n++) {
      double v = e[t * set->n_channels + c];
      s += v;
      ss += v * v;
    }
  }
  return ss / n - (s / n) * (s / n);
}

/* Blinks dominate the frontal pole and hardly reach Cz. Blinks are the last thing the
 * simulator draws, so switching them off changes nothing else: the difference is the blinks. */
static void
test_blinks(void)
{
  GbEegSimConfig cfg;
  small_config(&cfg);
  GbEegSet *set = simulate(&cfg);
  cfg.blink_rate = 0;
  GbEegSet *calm = simulate(&cfg);
  int fp1 = channel(set, "Fp1"), cz = channel(set, "Cz");
  double v_fp1 = variance(set, fp1), v_cz = variance(set, cz);
  double calm_fp1 = variance(calm, fp1), calm_cz = variance(calm, cz);
  g_test_message("variance Fp1 %.0f, Cz %.0f; without blinks %.0f, %.0f uV^2", v_fp1, v_cz,
                 calm_fp1, calm_cz);
  g_assert_cmpfloat(v_fp1, >, 2.5 * v_cz);
  g_assert_cmpfloat(calm_fp1, <, 1.5 * calm_cz);
  double peak = 0, sxy = 0, sxx = 0;
  size_t n = (size_t)n_trials(set) * set->n_times;
  for (size_t j = 0; j < n; j++) {
    double a = set->data->x->data[j * set->n_channels + fp1] -
               calm->data->x->data[j * set->n_channels + fp1];
    double b = set->data->x->data[j * set->n_channels + cz] -
               calm->data->x->data[j * set->n_channels + cz];
    peak = fmax(peak, a);
    sxy += a * b;
    sxx += a * a;
  }
  g_test_message("largest blink at Fp1 %.0f uV; Cz gets %.3f of it", peak, sxy / sxx);
  g_assert_cmpfloat(peak, >, 80);
  g_assert_cmpfloat(fabs(sxy / sxx - 0.09), <, 0.005);
  gb_eeg_set_free(set);
  gb_eeg_set_free(calm);
}

static bool
same_set(const GbEegSet *a, const GbEegSet *b, int trials)
{
  size_t n = (size_t)trials * a->n_times * a->n_channels;
  return memcmp(a->data->x->data, b->data->x->data, n * sizeof(float)) == 0 &&
         memcmp(a->truth, b->truth, n * sizeof(float)) == 0 &&
         memcmp(a->data->labels, b->data->labels, (size_t)trials * sizeof(int)) == 0 &&
         memcmp(a->stimulus, b->stimulus, (size_t)trials * sizeof(int)) == 0;
}

/* The same seed gives the same data bit for bit; another seed other data; a subject does not
 * depend on how many others are simulated. */
static void
test_determinism(void)
{
  GbEegSimConfig cfg;
  small_config(&cfg);
  cfg.n_subjects = 2;
  cfg.n_characters = 3;
  GbEegSet *a = simulate(&cfg), *b = simulate(&cfg);
  g_assert_true(same_set(a, b, n_trials(a)));
  cfg.seed = 2;
  GbEegSet *c = simulate(&cfg);
  g_assert_false(same_set(a, c, 1));
  cfg.seed = 1;
  cfg.n_subjects = 1;
  GbEegSet *d = simulate(&cfg);
  g_assert_true(same_set(a, d, n_trials(d)));
  gb_eeg_set_free(a);
  gb_eeg_set_free(b);
  gb_eeg_set_free(c);
  gb_eeg_set_free(d);
}

/* Subjects differ: each subject's average peaks near the latency it drew, and the latencies
 * spread over tens of milliseconds. */
static void
test_subjects_differ(void)
{
  GbEegSimConfig cfg;
  small_config(&cfg);
  cfg.n_characters = 12;
  GbEegSet *set = simulate(&cfg);
  int pz = channel(set, "Pz");
  double lo = 1, hi = 0;
  for (int s = 0; s < cfg.n_subjects; s++) {
    GbEegSimSubject p;
    gb_eeg_sim_subject_draw(&cfg, s, &p);
    double *w = difference_wave(set, s, pz);
    double lat = time_of(set, extreme_in(set, w, 0.25, 0.55, 1));
    g_test_message("subject %d: P3b drawn at %.0f ms (%.1f uV), average peaks at %.0f ms", s,
                   1000 * p.p3_latency, p.p3_amplitude, 1000 * lat);
    g_assert_cmpfloat(fabs(lat - p.p3_latency), <, 0.05);
    lo = fmin(lo, lat);
    hi = fmax(hi, lat);
    g_free(w);
  }
  g_assert_cmpfloat(hi - lo, >, 0.04);
  gb_eeg_set_free(set);
}

/* Ground truth: zero for non-targets; for targets it sits over the parietal midline in
 * 250-500 ms. */
static void
test_truth(void)
{
  GbEegSimConfig cfg;
  small_config(&cfg);
  cfg.n_subjects = 2;
  GbEegSet *set = simulate(&cfg);
  size_t size = (size_t)set->n_times * set->n_channels;
  double *mean = g_new0(double, size);
  int targets = 0;
  for (int i = 0; i < n_trials(set); i++) {
    const float *tr = set->truth + i * size;
    for (size_t j = 0; j < size; j++) {
      g_assert_cmpfloat(tr[j], >=, 0);
      if (!set->data->labels[i])
        g_assert_cmpfloat(tr[j], ==, 0);
      else
        mean[j] += tr[j];
    }
    targets += set->data->labels[i];
  }
  /* Mean truth per cell inside the parietal window (y < -0.1: P3, Pz, P4, PO7, PO8, O1, Oz,
   * O2 of the 16-channel montage; 250-500 ms) and outside it. */
  size_t best = 0;
  double in_sum = 0, out_sum = 0;
  int in_n = 0, out_n = 0;
  for (size_t j = 0; j < size; j++) {
    const GbEegChannel *ch = &set->channels[j % set->n_channels];
    double t = time_of(set, (int)(j / set->n_channels));
    bool inside = t >= 0.25 && t <= 0.5 && ch->y < -0.1;
    *(inside ? &in_sum : &out_sum) += mean[j];
    *(inside ? &in_n : &out_n) += 1;
    if (mean[j] > mean[best])
      best = j;
  }
  const GbEegChannel *peak = &set->channels[best % set->n_channels];
  double peak_t = time_of(set, (int)(best / set->n_channels));
  double ratio = (in_sum / in_n) / (out_sum / out_n);
  g_test_message("truth peaks at %s, %.0f ms, %.2f uV; parietal 250-500 ms holds %.0f%% of it, "
                 "%.1f times as dense as elsewhere",
                 peak->label, 1000 * peak_t, mean[best] / targets,
                 100 * in_sum / (in_sum + out_sum), ratio);
  g_assert_cmpfloat(mean[best] / targets, >, 2.0);
  g_assert_true(peak->y < -0.1 && fabsf(peak->x) < 0.3);
  g_assert_cmpfloat(peak_t, >=, 0.25);
  g_assert_cmpfloat(peak_t, <=, 0.5);
  g_assert_cmpfloat(ratio, >, 4.0);
  g_free(mean);
  gb_eeg_set_free(set);
}

typedef struct {
  int calls, stop_at;
  double last;
} Progress;

static bool
count_progress(void *user, double fraction, const char *stage)
{
  Progress *p = user;
  g_assert_cmpfloat(fraction, >, p->last);
  g_assert_cmpfloat(fraction, <=, 1.0);
  g_assert_nonnull(stage);
  p->last = fraction;
  return ++p->calls != p->stop_at;
}

static void
test_progress_and_cancel(void)
{
  GbEegSimConfig cfg;
  small_config(&cfg);
  cfg.n_subjects = 2;
  cfg.n_characters = 3;
  Progress p = {0, -1, 0};
  cfg.progress = count_progress;
  cfg.user = &p;
  GbEegSet *set = simulate(&cfg);
  g_assert_cmpint(p.calls, ==, 6);
  g_assert_cmpfloat(p.last, ==, 1.0);
  gb_eeg_set_free(set);
  p = (Progress){0, 4, 0};
  GbError err;
  g_assert_cmpint(gb_eeg_sim_generate(&cfg, &set, &err), ==, GB_ERR_CANCELLED);
  g_assert_null(set);
  g_assert_cmpint(p.calls, ==, 4);
  g_assert_nonnull(strstr(err.message, "cancelled"));
}

/* Every allocation failure is reported as GB_ERR_NOMEM and leaves nothing behind. */
static void
test_out_of_memory(void)
{
  GbEegSimConfig cfg;
  small_config(&cfg);
  cfg.n_subjects = 1;
  cfg.n_characters = 1;
  cfg.n_channels = 8;
  for (long n = 1;; n++) {
    GbEegSet *set = NULL;
    GbError err;
    gb_alloc_fail_after(n);
    GbStatus st = gb_eeg_sim_generate(&cfg, &set, &err);
    gb_alloc_fail_after(0);
    if (st == GB_OK) {
      g_assert_cmpint(n, >, 5);
      gb_eeg_set_free(set);
      break;
    }
    g_assert_cmpint(st, ==, GB_ERR_NOMEM);
    g_assert_null(set);
  }
}

/* The FFT against the plain DFT, forward and inverse; the Cholesky factor against L L^T. */
static void
test_kernels(void)
{
  enum { N = 64 };
  double ct[N / 2], st[N / 2], re[N], im[N], x[N], y[N];
  for (int k = 0; k < N / 2; k++) {
    ct[k] = cos(2 * M_PI * k / N);
    st[k] = sin(2 * M_PI * k / N);
  }
  for (int i = 0; i < N; i++) {
    x[i] = re[i] = sin(0.3 * i * i) + 0.1 * i;
    y[i] = im[i] = cos(1.7 * i);
  }
  gb_eeg_fft(re, im, N, ct, st, false);
  for (int k = 0; k < N; k++) {
    double dr = 0, di = 0;
    for (int t = 0; t < N; t++) {
      double a = -2 * M_PI * k * t / N;
      dr += x[t] * cos(a) - y[t] * sin(a);
      di += x[t] * sin(a) + y[t] * cos(a);
    }
    g_assert_cmpfloat(fabs(re[k] - dr) + fabs(im[k] - di), <, 1e-9);
  }
  gb_eeg_fft(re, im, N, ct, st, true);
  for (int i = 0; i < N; i++)
    g_assert_cmpfloat(fabs(re[i] / N - x[i]) + fabs(im[i] / N - y[i]), <, 1e-12);

  enum { M = 5 };
  double a[M * M], l[M * M];
  for (int i = 0; i < M; i++)
    for (int j = 0; j < M; j++) a[i * M + j] = l[i * M + j] = exp(-abs(i - j) / 2.0);
  g_assert_true(gb_eeg_cholesky(l, M));
  for (int i = 0; i < M; i++)
    for (int j = 0; j < M; j++) {
      double s = 0;
      for (int k = 0; k < M; k++) s += l[i * M + k] * l[j * M + k];
      g_assert_cmpfloat(fabs(s - a[i * M + j]), <, 1e-12);
      if (j > i)
        g_assert_cmpfloat(l[i * M + j], ==, 0);
    }
  double bad[4] = {1, 2, 2, 1};
  g_assert_false(gb_eeg_cholesky(bad, 2));
}

/* A plain pipeline: average @factor samples (decimation), then per-channel standardisation
 * with @mean/@sd (computed here when @fit). x: (n, n_times / factor, C). */
static GbDataset *
features(const GbEegSet *set, int factor, double *mean, double *sd, bool fit)
{
  int T = set->n_times / factor, C = set->n_channels, n = n_trials(set);
  GbShape shape = gb_shape_2d(T, C);
  GbError err;
  GbDataset *ds = gb_dataset_new("features", n, &shape, 2, &err);
  g_assert_nonnull(ds);
  for (int i = 0; i < n; i++) {
    const float *e = epoch(set, i);
    float *o = ds->x->data + (size_t)i * T * C;
    for (int t = 0; t < T; t++)
      for (int c = 0; c < C; c++) {
        double s = 0;
        for (int k = 0; k < factor; k++) s += e[(t * factor + k) * C + c];
        o[t * C + c] = (float)(s / factor);
      }
    ds->labels[i] = set->data->labels[i];
  }
  for (int c = 0; fit && c < C; c++) {
    double s = 0, ss = 0;
    size_t m = (size_t)n * T;
    for (size_t j = 0; j < m; j++) {
      double v = ds->x->data[j * C + c];
      s += v;
      ss += v * v;
    }
    mean[c] = s / m;
    sd[c] = sqrt(ss / m - mean[c] * mean[c]);
  }
  for (size_t j = 0; j < (size_t)n * T; j++)
    for (int c = 0; c < C; c++)
      ds->x->data[j * C + c] = (float)((ds->x->data[j * C + c] - mean[c]) / sd[c]);
  return ds;
}

/* Logistic regression (one dense unit, BCE weighted 1:5) on @train subjects; balanced accuracy
 * and AUC on other subjects (another seed). */
static void
learnability(int n_train, int n_test, int n_channels, int characters, int epochs, double *bacc,
             double *auc)
{
  GbEegSimConfig cfg;
  gb_eeg_sim_config_init(&cfg);
  cfg.n_channels = n_channels;
  cfg.n_characters = characters;
  cfg.n_subjects = n_train;
  GbEegSet *tr_set = simulate(&cfg);
  cfg.n_subjects = n_test;
  cfg.seed = 1001;
  GbEegSet *te_set = simulate(&cfg);
  double mean[GB_EEG_MONTAGE_MAX], sd[GB_EEG_MONTAGE_MAX];
  int factor = 4;
  GbDataset *tr = features(tr_set, factor, mean, sd, true);
  GbDataset *te = features(te_set, factor, mean, sd, false);
  char spec[64];
  g_snprintf(spec, sizeof spec, "input(%d,%d), flatten, dense(1)", tr_set->n_times / factor,
             n_channels);
  GbModel *m;
  GbError err;
  g_assert_cmpint(gb_model_new_from_spec(spec, 1, &m, &err), ==, GB_OK);
  GbTrainConfig tc;
  gb_train_config_init(&tc);
  tc.epochs = epochs;
  tc.batch_size = 64;
  tc.val_fraction = 0.1;
  gb_loss_config_init(&tc.loss, GB_LOSS_BCE);
  tc.loss.weight_neg = 1;
  tc.loss.weight_pos = 5;
  GbDataView trv = gb_dataset_view(tr), tev = gb_dataset_view(te);
  g_assert_cmpint(gb_train(m, &trv, NULL, &tc, NULL, &err), ==, GB_OK);
  int *pred = g_new(int, tev.n);
  float *score = g_new(float, tev.n);
  g_assert_cmpint(gb_predict_classes(m, &tev, pred, score, &err), ==, GB_OK);
  *bacc = gb_metrics_balanced_accuracy(pred, tev.labels, tev.n, 2);
  *auc = gb_metrics_roc_auc(score, tev.labels, tev.n);
  g_free(pred);
  g_free(score);
  gb_model_free(m);
  gb_dataset_free(tr);
  gb_dataset_free(te);
  gb_eeg_set_free(tr_set);
  gb_eeg_set_free(te_set);
}

/* Single trials are learnable across subjects, but not trivially. */
static void
test_learnable(void)
{
  double bacc, auc;
  learnability(8, 2, 16, 4, 10, &bacc, &auc);
  g_test_message("8 training subjects of 4 characters, 2 held out, 16 channels: balanced "
                 "accuracy %.3f, AUC %.3f",
                 bacc, auc);
  g_assert_cmpfloat(bacc, >, 0.7);
  g_assert_cmpfloat(bacc, <, 0.97);
}

/* The figure quoted for the default design: run with -m slow. */
static void
test_learnable_large(void)
{
  if (!g_test_slow()) {
    g_test_skip("run with -m slow");
    return;
  }
  double bacc, auc;
  learnability(8, 2, 16, 10, 15, &bacc, &auc);
  g_test_message("8 training subjects of 10 characters, 2 held out, 16 channels: balanced "
                 "accuracy %.3f, AUC %.3f",
                 bacc, auc);
  g_assert_cmpfloat(bacc, >=, 0.8);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/datasets/eeg-montage/positions", test_montage_positions);
  g_test_add_func("/datasets/eeg-sim/config-errors", test_config_errors);
  g_test_add_func("/datasets/eeg-sim/design", test_design);
  g_test_add_func("/datasets/eeg-sim/p300", test_p300);
  g_test_add_func("/datasets/eeg-sim/visual-n1", test_visual_n1);
  g_test_add_func("/datasets/eeg-sim/spectrum", test_spectrum);
  g_test_add_func("/datasets/eeg-sim/blinks", test_blinks);
  g_test_add_func("/datasets/eeg-sim/determinism", test_determinism);
  g_test_add_func("/datasets/eeg-sim/subjects-differ", test_subjects_differ);
  g_test_add_func("/datasets/eeg-sim/truth", test_truth);
  g_test_add_func("/datasets/eeg-sim/progress-and-cancel", test_progress_and_cancel);
  g_test_add_func("/datasets/eeg-sim/out-of-memory", test_out_of_memory);
  g_test_add_func("/datasets/eeg-sim/kernels", test_kernels);
  g_test_add_func("/datasets/eeg-sim/learnable", test_learnable);
  g_test_add_func("/datasets/eeg-sim/learnable-large", test_learnable_large);
  return g_test_run();
}

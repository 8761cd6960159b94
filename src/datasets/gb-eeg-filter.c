/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-eeg-filter.h"

#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gb-alloc.h"
#include "gb-eeg-io-private.h"

/* ---- Design --------------------------------------------------------------------------------- */

typedef enum { KIND_LOWPASS, KIND_HIGHPASS, KIND_BANDPASS } Kind;

/* The bilinear transform s = K (z - 1) / (z + 1). Any K > 0 gives the same digital filter once
 * the edges are pre-warped with the same K; scipy uses K = 4 (fs = 2), we use 2. */
#define BILINEAR_K 2.0

/* One section before scaling: its two digital poles (a conjugate pair or two real poles). */
typedef struct {
  double complex p1, p2;
} PolePair;

static GbEegSos *
sos_new(int n_sections, GbError *err)
{
  GbEegSos *s = gb_calloc(1, sizeof *s);
  if (s != NULL)
    s->sos = gb_calloc((size_t)n_sections * 6, sizeof *s->sos);
  if (s == NULL || s->sos == NULL) {
    gb_eeg_sos_free(s);
    gb_error_set(err, GB_ERR_NOMEM, "filter design: out of memory");
    return NULL;
  }
  s->n_sections = n_sections;
  return s;
}

void
gb_eeg_sos_free(GbEegSos *sos)
{
  if (sos == NULL)
    return;
  gb_free(sos->sos);
  gb_free(sos);
}

static double complex
bilinear(double complex s)
{
  return (BILINEAR_K + s) / (BILINEAR_K - s);
}

/* Pre-warped analog edge for a digital edge at @f Hz. */
static double
prewarp(double f, double srate)
{
  return BILINEAR_K * tan(M_PI * f / srate);
}

/* Analog prototype pole k of an order-@n Butterworth low-pass with cut-off 1 rad/s; poles
 * k < n / 2 lie in the upper half plane, and k = (n - 1) / 2 is the real pole -1 when n is odd. */
static double complex
prototype_pole(int k, int n)
{
  if (2 * k + 1 == n)
    return -1.0;
  return cexp(I * M_PI * (2.0 * k + n + 1) / (2.0 * n));
}

/* Digital poles of each section, @pairs sized for the section count. */
static int
design_poles(Kind kind, int order, double w1, double w2, PolePair *pairs)
{
  int n = 0;
  for (int k = 0; 2 * k + 1 <= order; k++) {
    double complex p = prototype_pole(k, order);
    bool real_pole = (2 * k + 1 == order);
    if (kind == KIND_LOWPASS || kind == KIND_HIGHPASS) {
      double complex s = kind == KIND_LOWPASS ? w1 * p : w1 / p;
      double complex z = bilinear(s);
      if (real_pole)
        z = creal(z);
      pairs[n++] = (PolePair){z, real_pole ? 0.0 : conj(z)};
      continue;
    }
    /* Band-pass: each prototype pole p gives the roots of s^2 - p B s + w0^2. */
    double bw = w2 - w1, w0sq = w1 * w2;
    double complex disc = csqrt(p * p * bw * bw - 4.0 * w0sq);
    double complex s1 = (p * bw + disc) / 2.0, s2 = (p * bw - disc) / 2.0;
    if (real_pole) {
      /* A real quadratic: its roots are real or conjugate, and make one section. */
      pairs[n++] = (PolePair){bilinear(s1), bilinear(s2)};
    } else {
      pairs[n++] = (PolePair){bilinear(s1), conj(bilinear(s1))};
      pairs[n++] = (PolePair){bilinear(s2), conj(bilinear(s2))};
    }
  }
  return n;
}

static double
pair_radius(const PolePair *p)
{
  return fmax(cabs(p->p1), cabs(p->p2));
}

static int
compare_pairs(const void *a, const void *b)
{
  double ra = pair_radius(a), rb = pair_radius(b);
  return (ra > rb) - (ra < rb);
}

/* Writes one section: numerator from the zeros the transform puts at z = -1 (low-pass), +1
 * (high-pass) or both (band-pass); denominator from the pole pair. */
static void
fill_section(double *row, Kind kind, const PolePair *p, bool first_order)
{
  if (first_order) {
    row[0] = 1.0;
    row[1] = kind == KIND_LOWPASS ? 1.0 : -1.0;
    row[2] = 0.0;
    row[3] = 1.0;
    row[4] = -creal(p->p1);
    row[5] = 0.0;
    return;
  }
  static const double num[3][3] = {{1, 2, 1}, {1, -2, 1}, {1, 0, -1}};
  memcpy(row, num[kind], sizeof num[kind]);
  row[3] = 1.0;
  row[4] = -creal(p->p1 + p->p2);
  row[5] = creal(p->p1 * p->p2);
}

/* Frequency response of @sos at w radians per sample. */
static double complex
sos_eval(const GbEegSos *sos, double w)
{
  double complex e1 = cexp(-I * w), e2 = e1 * e1, h = 1.0;
  for (int s = 0; s < sos->n_sections; s++) {
    const double *r = sos->sos + 6 * s;
    h *= (r[0] + r[1] * e1 + r[2] * e2) / (r[3] + r[4] * e1 + r[5] * e2);
  }
  return h;
}

static GbStatus
butter_check(Kind kind, int order, double f1, double f2, double srate, GbError *err)
{
  static const char *names[] = {"low-pass", "high-pass", "band-pass"};
  const char *name = names[kind];
  double nyq = srate / 2;
  if (order < 1 || order > 32)
    return gb_error_set(err, GB_ERR_INVALID, "Butterworth %s: order %d is not in 1 .. 32", name,
                        order);
  if (!(srate > 0) || !isfinite(srate))
    return gb_error_set(err, GB_ERR_INVALID, "Butterworth %s: sampling rate %g Hz", name, srate);
  if (kind == KIND_BANDPASS && !(f1 > 0 && f2 > f1 && f2 < nyq))
    return gb_error_set(err, GB_ERR_INVALID,
                        "Butterworth %s: edges %g .. %g Hz must satisfy 0 < low < high < %g Hz "
                        "(half the %g Hz rate)",
                        name, f1, f2, nyq, srate);
  if (!(f1 > 0 && f1 < nyq))
    return gb_error_set(err, GB_ERR_INVALID,
                        "Butterworth %s: cut-off %g Hz must lie in 0 .. %g Hz (half the %g Hz "
                        "rate)",
                        name, f1, nyq, srate);
  return GB_OK;
}

static GbEegSos *
butter(Kind kind, int order, double f1, double f2, double srate, GbError *err)
{
  if (butter_check(kind, order, f1, f2, srate, err) != GB_OK)
    return NULL;

  int n_sections = kind == KIND_BANDPASS ? order : (order + 1) / 2;
  PolePair pairs[32];
  double w1 = prewarp(f1, srate), w2 = kind == KIND_BANDPASS ? prewarp(f2, srate) : 0.0;
  int n = design_poles(kind, order, w1, w2, pairs);
  qsort(pairs, (size_t)n, sizeof pairs[0], compare_pairs);

  GbEegSos *sos = sos_new(n_sections, err);
  if (sos == NULL)
    return NULL;
  for (int s = 0; s < n; s++) {
    bool first_order = kind != KIND_BANDPASS && pairs[s].p2 == 0.0 && cimag(pairs[s].p1) == 0.0;
    fill_section(sos->sos + 6 * s, kind, &pairs[s], first_order);
  }
  /* A Butterworth filter has unit gain at DC (low-pass), at Nyquist (high-pass) or at the
   * centre w0 = sqrt(w1 w2) of the pre-warped band (band-pass), which the bilinear transform
   * maps to 2 atan(w0 / K). scipy puts the gain in the first section; so do we. */
  double w = kind == KIND_LOWPASS    ? 0.0
             : kind == KIND_HIGHPASS ? M_PI
                                     : 2.0 * atan(sqrt(w1 * w2) / BILINEAR_K);
  double gain = 1.0 / cabs(sos_eval(sos, w));
  for (int i = 0; i < 3; i++)
    sos->sos[i] *= gain;
  return sos;
}

GbEegSos *
gb_eeg_sos_butter_lowpass(int order, double cut_hz, double srate, GbError *err)
{
  return butter(KIND_LOWPASS, order, cut_hz, 0.0, srate, err);
}

GbEegSos *
gb_eeg_sos_butter_highpass(int order, double cut_hz, double srate, GbError *err)
{
  return butter(KIND_HIGHPASS, order, cut_hz, 0.0, srate, err);
}

GbEegSos *
gb_eeg_sos_butter_bandpass(int order, double low_hz, double high_hz, double srate, GbError *err)
{
  return butter(KIND_BANDPASS, order, low_hz, high_hz, srate, err);
}

void
gb_eeg_sos_response(const GbEegSos *sos, double freq_hz, double srate, double *magnitude,
                    double *phase)
{
  double complex h = sos_eval(sos, 2.0 * M_PI * freq_hz / srate);
  if (magnitude != NULL)
    *magnitude = cabs(h);
  if (phase != NULL)
    *phase = carg(h);
}

/* ---- Filtering ------------------------------------------------------------------------------ */

/* One section over y[0 .. n) in place, in transposed direct form II from state (z0, z1);
 * backwards when @reverse. */
static void
section_run(const double *r, double *y, size_t n, double z0, double z1, bool reverse)
{
  double b0 = r[0], b1 = r[1], b2 = r[2], a1 = r[4], a2 = r[5];
  for (size_t k = 0; k < n; k++) {
    size_t i = reverse ? n - 1 - k : k;
    double x = y[i];
    double out = b0 * x + z0;
    z0 = b1 * x - a1 * out + z1;
    z1 = b2 * x - a2 * out;
    y[i] = out;
  }
}

void
gb_eeg_sos_filter(const GbEegSos *sos, float *x, size_t n, size_t stride)
{
  /* Sample by sample through the cascade, so no scratch buffer is needed. */
  double state[2 * 32] = {0};
  for (size_t i = 0; i < n; i++) {
    double v = x[i * stride];
    for (int s = 0; s < sos->n_sections; s++) {
      const double *r = sos->sos + 6 * s;
      double *z = state + 2 * s;
      double out = r[0] * v + z[0];
      z[0] = r[1] * v - r[4] * out + z[1];
      z[1] = r[2] * v - r[5] * out;
      v = out;
    }
    x[i * stride] = (float)v;
  }
}

/* scipy's sosfilt_zi: each section's state in steady state for a unit step at the cascade's
 * input. zi: (n_sections, 2) */
static void
sos_steady_state(const GbEegSos *sos, double *zi)
{
  double scale = 1.0;
  for (int s = 0; s < sos->n_sections; s++) {
    const double *r = sos->sos + 6 * s;
    double g = (r[0] + r[1] + r[2]) / (r[3] + r[4] + r[5]);
    zi[2 * s + 1] = scale * (r[2] - r[5] * g);
    zi[2 * s] = scale * (r[1] - r[4] * g) + zi[2 * s + 1];
    scale *= g;
  }
}

static size_t
filtfilt_padlen(const GbEegSos *sos, size_t n)
{
  int zb = 0, za = 0;
  for (int s = 0; s < sos->n_sections; s++) {
    zb += sos->sos[6 * s + 2] == 0.0;
    za += sos->sos[6 * s + 5] == 0.0;
  }
  size_t pad = 3 * (size_t)(2 * sos->n_sections + 1 - (zb < za ? zb : za));
  return pad < n ? pad : n - 1;
}

/* ext: n + 2 * padlen doubles; zi: (n_sections, 2) from sos_steady_state. */
static void
filtfilt_with(const GbEegSos *sos, const double *zi, float *x, size_t n, size_t stride, double *ext)
{
  if (n == 0)
    return;
  size_t pad = filtfilt_padlen(sos, n), m = n + 2 * pad;
  double first = x[0], last = x[(n - 1) * stride];
  for (size_t i = 0; i < n; i++)
    ext[pad + i] = x[i * stride];
  for (size_t j = 1; j <= pad; j++) {
    ext[pad - j] = 2.0 * first - x[j * stride];
    ext[pad + n - 1 + j] = 2.0 * last - x[(n - 1 - j) * stride];
  }
  double x0 = ext[0];
  for (int s = 0; s < sos->n_sections; s++)
    section_run(sos->sos + 6 * s, ext, m, zi[2 * s] * x0, zi[2 * s + 1] * x0, false);
  double y0 = ext[m - 1];
  for (int s = 0; s < sos->n_sections; s++)
    section_run(sos->sos + 6 * s, ext, m, zi[2 * s] * y0, zi[2 * s + 1] * y0, true);
  for (size_t i = 0; i < n; i++)
    x[i * stride] = (float)ext[pad + i];
}

/* Scratch for filtering series of up to @n samples: the extended series, then zi. */
static double *
filtfilt_scratch(const GbEegSos *sos, size_t n, double **zi, GbError *err)
{
  size_t m = n + 2 * filtfilt_padlen(sos, n > 0 ? n : 1);
  double *buf = gb_malloc((m + 2 * (size_t)sos->n_sections) * sizeof *buf);
  if (buf == NULL) {
    gb_error_set(err, GB_ERR_NOMEM, "zero-phase filter: out of memory for %zu samples", n);
    return NULL;
  }
  *zi = buf + m;
  sos_steady_state(sos, *zi);
  return buf;
}

GbStatus
gb_eeg_sos_filtfilt(const GbEegSos *sos, float *x, size_t n, size_t stride, GbError *err)
{
  double *zi;
  double *buf = filtfilt_scratch(sos, n, &zi, err);
  if (buf == NULL)
    return GB_ERR_NOMEM;
  filtfilt_with(sos, zi, x, n, stride, buf);
  gb_free(buf);
  return GB_OK;
}

/* ---- Sets ----------------------------------------------------------------------------------- */

static float *
trial_data(const GbEegSet *set, int trial)
{
  return set->data->x->data + (size_t)trial * set->n_times * set->n_channels;
}

static int
set_n_trials(const GbEegSet *set)
{
  return gb_dataset_size(set->data);
}

GbStatus
gb_eeg_set_filter(GbEegSet *set, const GbEegSos *sos, GbProgressFn progress, void *user,
                  GbError *err)
{
  double *zi;
  double *buf = filtfilt_scratch(sos, (size_t)set->n_times, &zi, err);
  if (buf == NULL)
    return GB_ERR_NOMEM;
  int n = set_n_trials(set), every = n / 100 + 1;
  for (int t = 0; t < n; t++) {
    if (t % every == 0 && !gb_eeg_io_progress(progress, user, (double)t / n, "Filtering")) {
      gb_free(buf);
      return gb_error_set(err, GB_ERR_CANCELLED, "filtering cancelled after %d of %d trials", t, n);
    }
    float *x = trial_data(set, t);
    for (int c = 0; c < set->n_channels; c++)
      filtfilt_with(sos, zi, x + c, (size_t)set->n_times, (size_t)set->n_channels, buf);
  }
  gb_free(buf);
  gb_eeg_io_progress(progress, user, 1.0, "Filtering");
  return GB_OK;
}

GbStatus
gb_eeg_set_bandpass(GbEegSet *set, int order, double low_hz, double high_hz, GbProgressFn progress,
                    void *user, GbError *err)
{
  GbEegSos *sos = gb_eeg_sos_butter_bandpass(order, low_hz, high_hz, set->srate, err);
  if (sos == NULL)
    return err != NULL ? err->code : GB_ERR_INVALID;
  GbStatus st = gb_eeg_set_filter(set, sos, progress, user, err);
  gb_eeg_sos_free(sos);
  return st;
}

/* A new set with @set's trials, labels, subjects, stimuli and source, and the given sizes. */
static GbEegSet *
set_new_like(const GbEegSet *set, int n_times, int n_channels, double srate, GbError *err)
{
  int n = set_n_trials(set);
  GbEegSet *out = gb_eeg_set_new(n, n_times, n_channels, srate, set->t0, set->truth != NULL, err);
  if (out == NULL)
    return NULL;
  memcpy(out->data->labels, set->data->labels, (size_t)n * sizeof *out->data->labels);
  memcpy(out->subject, set->subject, (size_t)n * sizeof *out->subject);
  memcpy(out->stimulus, set->stimulus, (size_t)n * sizeof *out->stimulus);
  out->data->n_classes = set->data->n_classes;
  out->n_subjects = set->n_subjects;
  if (set->source != NULL && gb_eeg_io_set_source(out, err, "%s", set->source) != GB_OK) {
    gb_eeg_set_free(out);
    return NULL;
  }
  return out;
}

GbEegSet *
gb_eeg_set_decimate(const GbEegSet *set, int factor, GbProgressFn progress, void *user,
                    GbError *err)
{
  if (factor < 1 || factor > set->n_times) {
    gb_error_set(err, GB_ERR_INVALID, "decimation: factor %d for epochs of %d samples", factor,
                 set->n_times);
    return NULL;
  }
  int n_new = (set->n_times + factor - 1) / factor, nc = set->n_channels;
  GbEegSet *out = set_new_like(set, n_new, nc, set->srate / factor, err);
  if (out == NULL)
    return NULL;
  memcpy(out->channels, set->channels, (size_t)nc * sizeof *out->channels);
  GbEegSos *sos = NULL;
  float *trial = NULL;
  double *buf = NULL, *zi = NULL;
  if (factor > 1) {
    sos = gb_eeg_sos_butter_lowpass(8, 0.8 * set->srate / (2.0 * factor), set->srate, err);
    if (sos == NULL)
      goto fail;
    trial = gb_alloc_floats((size_t)set->n_times * nc);
    if (trial == NULL) {
      gb_error_set(err, GB_ERR_NOMEM, "decimation: out of memory");
      goto fail;
    }
    buf = filtfilt_scratch(sos, (size_t)set->n_times, &zi, err);
    if (buf == NULL)
      goto fail;
  }
  int n = set_n_trials(set), every = n / 100 + 1;
  for (int t = 0; t < n; t++) {
    if (t % every == 0 && !gb_eeg_io_progress(progress, user, (double)t / n, "Decimating")) {
      gb_error_set(err, GB_ERR_CANCELLED, "decimation cancelled after %d of %d trials", t, n);
      goto fail;
    }
    const float *src = trial_data(set, t);
    if (factor > 1) {
      memcpy(trial, src, (size_t)set->n_times * nc * sizeof *trial);
      for (int c = 0; c < nc; c++)
        filtfilt_with(sos, zi, trial + c, (size_t)set->n_times, (size_t)nc, buf);
      src = trial;
    }
    float *dst = trial_data(out, t);
    for (int i = 0; i < n_new; i++)
      memcpy(dst + (size_t)i * nc, src + (size_t)i * factor * nc, (size_t)nc * sizeof *dst);
    if (set->truth != NULL) {
      const float *ts = set->truth + (size_t)t * set->n_times * nc;
      float *td = out->truth + (size_t)t * n_new * nc;
      for (int i = 0; i < n_new; i++)
        memcpy(td + (size_t)i * nc, ts + (size_t)i * factor * nc, (size_t)nc * sizeof *td);
    }
  }
  gb_eeg_sos_free(sos);
  gb_free(trial);
  gb_free(buf);
  gb_eeg_io_progress(progress, user, 1.0, "Decimating");
  return out;
fail:
  gb_eeg_sos_free(sos);
  gb_free(trial);
  gb_free(buf);
  gb_eeg_set_free(out);
  return NULL;
}

GbStatus
gb_eeg_set_baseline(GbEegSet *set, double tmin, double tmax, GbError *err)
{
  /* Sample i is at t0 + i / srate; keep tmin <= t < tmax (with a little slack for rounding). */
  double lo = ceil((tmin - set->t0) * set->srate - 1e-9);
  double hi = ceil((tmax - set->t0) * set->srate - 1e-9);
  lo = fmax(lo, 0.0);
  hi = fmin(hi, (double)set->n_times);
  if (!(tmax > tmin) || !(hi > lo))
    return gb_error_set(err, GB_ERR_INVALID,
                        "baseline: window %g .. %g s holds no sample of epochs spanning "
                        "%g .. %g s",
                        tmin, tmax, set->t0, set->t0 + (set->n_times - 1) / set->srate);
  int i0 = (int)lo, i1 = (int)hi, nc = set->n_channels;
  for (int t = 0; t < set_n_trials(set); t++) {
    float *x = trial_data(set, t);
    for (int c = 0; c < nc; c++) {
      double sum = 0.0;
      for (int i = i0; i < i1; i++)
        sum += x[(size_t)i * nc + c];
      float mean = (float)(sum / (i1 - i0));
      for (int i = 0; i < set->n_times; i++)
        x[(size_t)i * nc + c] -= mean;
    }
  }
  return GB_OK;
}

GbEegSet *
gb_eeg_set_select_channels(const GbEegSet *set, const char *const *labels, int n_labels,
                           GbError *err)
{
  if (n_labels < 1) {
    gb_error_set(err, GB_ERR_INVALID, "channel selection: no channels named");
    return NULL;
  }
  int *index = gb_malloc((size_t)n_labels * sizeof *index);
  if (index == NULL) {
    gb_error_set(err, GB_ERR_NOMEM, "channel selection: out of memory");
    return NULL;
  }
  for (int k = 0; k < n_labels; k++) {
    index[k] = gb_eeg_set_find_channel(set, labels[k]);
    if (index[k] < 0) {
      gb_error_set(err, GB_ERR_INVALID, "channel selection: %s has no channel called '%s'",
                   set->source != NULL ? set->source : "the EEG set", labels[k]);
      gb_free(index);
      return NULL;
    }
  }
  GbEegSet *out = set_new_like(set, set->n_times, n_labels, set->srate, err);
  if (out != NULL) {
    int nc = set->n_channels;
    size_t n_rows = (size_t)set_n_trials(set) * set->n_times;
    for (int k = 0; k < n_labels; k++)
      out->channels[k] = set->channels[index[k]];
    for (size_t r = 0; r < n_rows; r++)
      for (int k = 0; k < n_labels; k++) {
        out->data->x->data[r * n_labels + k] = set->data->x->data[r * nc + index[k]];
        if (set->truth != NULL)
          out->truth[r * n_labels + k] = set->truth[r * nc + index[k]];
      }
  }
  gb_free(index);
  return out;
}

/* ---- Standardisation ------------------------------------------------------------------------ */

void
gb_eeg_scaler_free(GbEegScaler *sc)
{
  if (sc == NULL)
    return;
  gb_free(sc->channels);
  gb_free(sc->mean);
  gb_free(sc->std);
  gb_free(sc);
}

static GbEegScaler *
scaler_new(const GbEegSet *set, GbError *err)
{
  int nc = set->n_channels;
  GbEegScaler *sc = gb_calloc(1, sizeof *sc);
  if (sc != NULL) {
    sc->n_channels = nc;
    sc->channels = gb_malloc((size_t)nc * sizeof *sc->channels);
    sc->mean = gb_calloc((size_t)nc, sizeof *sc->mean);
    sc->std = gb_calloc((size_t)nc, sizeof *sc->std);
  }
  if (sc == NULL || sc->channels == NULL || sc->mean == NULL || sc->std == NULL) {
    gb_eeg_scaler_free(sc);
    gb_error_set(err, GB_ERR_NOMEM, "standardisation: out of memory");
    return NULL;
  }
  memcpy(sc->channels, set->channels, (size_t)nc * sizeof *sc->channels);
  return sc;
}

GbEegScaler *
gb_eeg_scaler_fit(const GbEegSet *set, const int *trials, int n_trials, GbError *err)
{
  int n = set_n_trials(set), nc = set->n_channels;
  if (trials == NULL)
    n_trials = n;
  if (n_trials < 1) {
    gb_error_set(err, GB_ERR_INVALID, "standardisation: no training trials");
    return NULL;
  }
  for (int k = 0; trials != NULL && k < n_trials; k++)
    if (trials[k] < 0 || trials[k] >= n) {
      gb_error_set(err, GB_ERR_INVALID, "standardisation: training trial %d is not in 0 .. %d",
                   trials[k], n - 1);
      return NULL;
    }
  GbEegScaler *sc = scaler_new(set, err);
  if (sc == NULL)
    return NULL;
  /* Two passes (mean, then squared deviations) for accuracy with large offsets. */
  for (int pass = 0; pass < 2; pass++) {
    for (int k = 0; k < n_trials; k++) {
      const float *x = trial_data(set, trials != NULL ? trials[k] : k);
      for (int i = 0; i < set->n_times; i++)
        for (int c = 0; c < nc; c++) {
          double v = x[(size_t)i * nc + c];
          if (pass == 0)
            sc->mean[c] += v;
          else
            sc->std[c] += (v - sc->mean[c]) * (v - sc->mean[c]);
        }
    }
    double count = (double)n_trials * set->n_times;
    for (int c = 0; c < nc; c++) {
      if (pass == 0) {
        sc->mean[c] /= count;
      } else {
        sc->std[c] = sqrt(sc->std[c] / count);
        if (!(sc->std[c] > 0.0))
          sc->std[c] = 1.0; /* a flat channel: centre it, do not divide by zero */
      }
    }
  }
  return sc;
}

GbStatus
gb_eeg_scaler_apply(const GbEegScaler *sc, GbEegSet *set, GbError *err)
{
  const char *what = set->source != NULL ? set->source : "the EEG set";
  if (sc->n_channels != set->n_channels)
    return gb_error_set(err, GB_ERR_SHAPE, "standardisation: fitted on %d channels, %s has %d",
                        sc->n_channels, what, set->n_channels);
  for (int c = 0; c < sc->n_channels; c++)
    if (strcasecmp(sc->channels[c].label, set->channels[c].label) != 0)
      return gb_error_set(err, GB_ERR_SHAPE,
                          "standardisation: channel %d is '%s' in %s but the statistics were "
                          "fitted on '%s'",
                          c + 1, set->channels[c].label, what, sc->channels[c].label);
  int nc = set->n_channels;
  size_t n_rows = (size_t)set_n_trials(set) * set->n_times;
  float *x = set->data->x->data;
  for (size_t r = 0; r < n_rows; r++)
    for (int c = 0; c < nc; c++)
      x[r * nc + c] = (float)((x[r * nc + c] - sc->mean[c]) / sc->std[c]);
  return GB_OK;
}

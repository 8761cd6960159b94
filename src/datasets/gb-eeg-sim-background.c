/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-eeg-sim-private.h"

#include <math.h>
#include <string.h>

#include "gb-alloc.h"
#include "gb-eeg-montage.h"

#define BG_LAMBDA          0.3  /* spatial correlation length of the aperiodic background */
#define BG_KNEE_HZ         1.0  /* the 1/f^beta spectrum flattens below this */
#define BG_RIDGE           1e-6
#define ALPHA_SPREAD       0.2
#define ALPHA_BANDWIDTH_HZ 2.0
#define ALPHA_ENV_TAU      0.5  /* s: how slowly alpha bursts wax and wane */
#define ALPHA_WARMUP_S     2.0
#define SENSOR_UV          1.0
/* Blinks spread from two points in front of Fp1/Fp2 as exp(-distance / BLINK_LAMBDA); the
 * length is chosen so that 9% of the blink at Fp1 reaches Cz. */
#define BLINK_EYE_X        0.13
#define BLINK_EYE_Y        0.55
#define BLINK_LAMBDA       0.1444
#define BLINK_FLASHING     0.5 /* blinks are suppressed while the subject attends */

static double
uniform(GbRng *rng, double lo, double hi)
{
  return lo + (hi - lo) * gb_rng_uniform(rng);
}

static int
next_pow2(int n)
{
  int p = 1;
  while (p < n) p <<= 1;
  return p;
}

static double
gaussian_weight(const GbEegChannel *ch, double cx, double cy, double spread)
{
  double dx = ch->x - cx, dy = ch->y - cy;
  return exp(-(dx * dx + dy * dy) / (2.0 * spread * spread));
}

static double
blink_raw(double x, double y)
{
  double l = hypot(x + BLINK_EYE_X, y - BLINK_EYE_Y), r = hypot(x - BLINK_EYE_X, y - BLINK_EYE_Y);
  return exp(-l / BLINK_LAMBDA) + exp(-r / BLINK_LAMBDA);
}

static void
fill_spatial_weights(GbEegBackground *bg, const GbEegChannel *ch)
{
  float o1x, o1y, o2x, o2y, fpx, fpy;
  gb_eeg_montage_position("O1", &o1x, &o1y);
  gb_eeg_montage_position("O2", &o2x, &o2y);
  gb_eeg_montage_position("Fp1", &fpx, &fpy);
  double fp1 = blink_raw(fpx, fpy);
  for (int c = 0; c < bg->n_channels; c++) {
    bg->alpha_w[c] = gaussian_weight(&ch[c], o1x, o1y, ALPHA_SPREAD);
    bg->alpha_w[bg->n_channels + c] = gaussian_weight(&ch[c], o2x, o2y, ALPHA_SPREAD);
    bg->blink_w[c] = blink_raw(ch[c].x, ch[c].y) / fp1;
  }
}

bool
gb_eeg_cholesky(double *a, int n)
{
  for (int j = 0; j < n; j++) {
    double d = a[j * n + j];
    for (int k = 0; k < j; k++) d -= a[j * n + k] * a[j * n + k];
    if (!(d > 0))
      return false;
    d = sqrt(d);
    a[j * n + j] = d;
    for (int i = j + 1; i < n; i++) {
      double v = a[i * n + j];
      for (int k = 0; k < j; k++) v -= a[i * n + k] * a[j * n + k];
      a[i * n + j] = v / d;
    }
    for (int i = 0; i < j; i++) a[i * n + j] = 0.0;
  }
  return true;
}

/* Sigma = exp(-d / lambda) is positive definite for distinct positions; (Sigma + ridge I) /
 * (1 + ridge) keeps the factorisation safe when two channels share a position and keeps the
 * unit diagonal, so mixing unit-variance sources keeps each channel's variance. */
static bool
fill_chol(GbEegBackground *bg, const GbEegChannel *ch)
{
  int n = bg->n_channels;
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) {
      double d = hypot(ch[i].x - ch[j].x, ch[i].y - ch[j].y);
      bg->chol[i * n + j] = i == j ? 1.0 : exp(-d / BG_LAMBDA) / (1.0 + BG_RIDGE);
    }
  return gb_eeg_cholesky(bg->chol, n);
}

void
gb_eeg_fft(double *re, double *im, int n, const double *cos_tw, const double *sin_tw,
           bool inverse)
{
  for (int i = 1, j = 0; i < n; i++) {
    int bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      double t = re[i];
      re[i] = re[j];
      re[j] = t;
      t = im[i];
      im[i] = im[j];
      im[j] = t;
    }
  }
  double sign = inverse ? 1.0 : -1.0;
  for (int len = 2; len <= n; len <<= 1) {
    int half = len / 2, step = n / len;
    for (int i = 0; i < n; i += len)
      for (int k = 0; k < half; k++) {
        double wr = cos_tw[k * step], wi = sign * sin_tw[k * step];
        int a = i + k, b = a + half;
        double xr = re[b] * wr - im[b] * wi, xi = re[b] * wi + im[b] * wr;
        re[b] = re[a] - xr;
        im[b] = im[a] - xi;
        re[a] += xr;
        im[a] += xi;
      }
  }
}

GbEegBackground *
gb_eeg_background_new(const GbEegChannel *channels, int n_channels, int n, double srate,
                      GbError *err)
{
  GbEegBackground *bg = gb_calloc(1, sizeof *bg);
  if (bg == NULL)
    goto nomem;
  bg->n_channels = n_channels;
  bg->n = n;
  bg->fft_len = next_pow2(n);
  bg->srate = srate;
  size_t c = (size_t)n_channels, half = (size_t)bg->fft_len / 2;
  bg->chol = gb_calloc(c * c, sizeof(double));
  bg->cos_tw = gb_calloc(half, sizeof(double));
  bg->sin_tw = gb_calloc(half, sizeof(double));
  bg->re = gb_calloc((size_t)bg->fft_len, sizeof(double));
  bg->im = gb_calloc((size_t)bg->fft_len, sizeof(double));
  bg->src = gb_calloc((size_t)n * c, sizeof(double));
  bg->env = gb_calloc((size_t)n, sizeof(double));
  bg->alpha_w = gb_calloc(2 * c, sizeof(double));
  bg->blink_w = gb_calloc(c, sizeof(double));
  if (bg->chol == NULL || bg->cos_tw == NULL || bg->sin_tw == NULL || bg->re == NULL ||
      bg->im == NULL || bg->src == NULL || bg->env == NULL || bg->alpha_w == NULL ||
      bg->blink_w == NULL)
    goto nomem;
  for (size_t k = 0; k < half; k++) {
    bg->cos_tw[k] = cos(2.0 * M_PI * (double)k / bg->fft_len);
    bg->sin_tw[k] = sin(2.0 * M_PI * (double)k / bg->fft_len);
  }
  fill_spatial_weights(bg, channels);
  if (!fill_chol(bg, channels)) {
    gb_eeg_background_free(bg);
    gb_error_set(err, GB_ERR_NUMERIC, "EEG simulator: background covariance is not positive "
                                      "definite");
    return NULL;
  }
  return bg;
nomem:
  gb_eeg_background_free(bg);
  gb_error_set(err, GB_ERR_NOMEM, "EEG simulator: out of memory for a run of %d samples", n);
  return NULL;
}

void
gb_eeg_background_free(GbEegBackground *bg)
{
  if (bg == NULL)
    return;
  gb_free(bg->chol);
  gb_free(bg->cos_tw);
  gb_free(bg->sin_tw);
  gb_free(bg->re);
  gb_free(bg->im);
  gb_free(bg->src);
  gb_free(bg->env);
  gb_free(bg->alpha_w);
  gb_free(bg->blink_w);
  gb_free(bg);
}

/* Amplitude of the aperiodic spectrum at bin k of an fft_len-point transform. */
static double
aperiodic_amplitude(const GbEegBackground *bg, int k, double beta)
{
  int m = k <= bg->fft_len / 2 ? k : bg->fft_len - k;
  if (m == 0)
    return 0.0;
  double f = m * bg->srate / bg->fft_len;
  return pow(f * f + BG_KNEE_HZ * BG_KNEE_HZ, -beta / 4.0);
}

/* Two sources per transform: complex white noise shaped by a real, symmetric spectrum gives
 * independent real and imaginary parts with that spectrum. src: (n, C), unit variance. */
static void
make_aperiodic_sources(GbEegBackground *bg, double beta, GbRng *rng)
{
  int C = bg->n_channels, N = bg->fft_len;
  double power = 0.0;
  for (int k = 0; k < N; k++) {
    double a = aperiodic_amplitude(bg, k, beta);
    power += a * a;
  }
  double scale = 1.0 / sqrt(power);
  for (int j = 0; j < C; j += 2) {
    for (int k = 0; k < N; k++) {
      double a = aperiodic_amplitude(bg, k, beta) * scale;
      bg->re[k] = a * gb_rng_normal(rng);
      bg->im[k] = a * gb_rng_normal(rng);
    }
    gb_eeg_fft(bg->re, bg->im, N, bg->cos_tw, bg->sin_tw, true);
    for (int t = 0; t < bg->n; t++) {
      bg->src[(size_t)t * C + j] = bg->re[t];
      if (j + 1 < C)
        bg->src[(size_t)t * C + j + 1] = bg->im[t];
    }
  }
}

/* run[t, c] += rms * sum_j L[c, j] src[t, j] */
static void
add_aperiodic(GbEegBackground *bg, const GbEegSimSubject *s, GbRng *rng, double *run)
{
  int C = bg->n_channels;
  make_aperiodic_sources(bg, s->beta, rng);
  for (int t = 0; t < bg->n; t++) {
    const double *src = bg->src + (size_t)t * C;
    double *out = run + (size_t)t * C;
    for (int c = 0; c < C; c++) {
      const double *l = bg->chol + (size_t)c * C;
      double v = 0.0;
      for (int j = 0; j <= c; j++) v += l[j] * src[j];
      out[c] += s->background_uv * v;
    }
  }
}

/* Bursts: a unit-variance AR(1) process with time constant ALPHA_ENV_TAU, rectified; the
 * factor sqrt(2) gives the envelope a mean square of 1. */
static void
make_alpha_envelope(GbEegBackground *bg, GbRng *rng)
{
  double a = exp(-1.0 / (ALPHA_ENV_TAU * bg->srate)), b = sqrt(1.0 - a * a);
  double z = gb_rng_normal(rng);
  for (int t = 0; t < bg->n; t++) {
    z = a * z + b * gb_rng_normal(rng);
    bg->env[t] = z > 0 ? M_SQRT2 * z : 0.0;
  }
}

/* An AR(2) resonator at @hz driven by white noise, scaled to unit variance, after a warm-up
 * that forgets the zero start. */
static void
add_alpha_source(GbEegBackground *bg, const GbEegSimSubject *s, const double *w, GbRng *rng,
                 double *run)
{
  int C = bg->n_channels;
  double r = exp(-M_PI * ALPHA_BANDWIDTH_HZ / bg->srate);
  double a1 = 2.0 * r * cos(2.0 * M_PI * s->alpha_hz / bg->srate), a2 = -r * r;
  double var = (1.0 - a2) / ((1.0 + a2) * ((1.0 - a2) * (1.0 - a2) - a1 * a1));
  double scale = s->alpha_uv / sqrt(var);
  double y1 = 0.0, y2 = 0.0;
  int warmup = (int)(ALPHA_WARMUP_S * bg->srate);
  for (int t = -warmup; t < bg->n; t++) {
    double y = a1 * y1 + a2 * y2 + gb_rng_normal(rng);
    y2 = y1;
    y1 = y;
    if (t < 0)
      continue;
    double v = scale * bg->env[t] * y;
    for (int c = 0; c < C; c++) run[(size_t)t * C + c] += v * w[c];
  }
}

static void
add_alpha(GbEegBackground *bg, const GbEegSimSubject *s, GbRng *rng, double *run)
{
  make_alpha_envelope(bg, rng);
  add_alpha_source(bg, s, bg->alpha_w, rng, run);
  add_alpha_source(bg, s, bg->alpha_w + bg->n_channels, rng, run);
}

/* Per channel: two slow sinusoids (skin potentials, electrode drift) and white sensor noise. */
static void
add_drift_and_sensor(GbEegBackground *bg, const GbEegSimConfig *cfg, GbRng *rng, double *run)
{
  int C = bg->n_channels;
  for (int c = 0; c < C; c++) {
    double f[2], ph[2], amp[2];
    for (int i = 0; i < 2; i++) {
      f[i] = 2.0 * M_PI * uniform(rng, 0.03, 0.3) / bg->srate;
      ph[i] = uniform(rng, 0.0, 2.0 * M_PI);
      amp[i] = cfg->drift_uv * uniform(rng, 0.6, 1.4);
    }
    for (int t = 0; t < bg->n; t++)
      run[(size_t)t * C + c] += amp[0] * sin(f[0] * t + ph[0]) + amp[1] * sin(f[1] * t + ph[1]) +
                                SENSOR_UV * gb_rng_normal(rng);
  }
}

/* Mains: a common phase with small per-electrode differences. Left out when the sampling rate
 * cannot carry it (an amplifier's anti-aliasing filter would remove it). */
static void
add_line(GbEegBackground *bg, const GbEegSimConfig *cfg, GbRng *rng, double *run)
{
  int C = bg->n_channels;
  double phase = uniform(rng, 0.0, 2.0 * M_PI), w = 2.0 * M_PI * cfg->line_hz / bg->srate;
  if (cfg->line_uv <= 0 || cfg->line_hz >= 0.5 * bg->srate)
    return;
  for (int c = 0; c < C; c++) {
    double amp = cfg->line_uv * uniform(rng, 0.5, 1.5), ph = phase + 0.3 * gb_rng_normal(rng);
    for (int t = 0; t < bg->n; t++) run[(size_t)t * C + c] += amp * sin(w * t + ph);
  }
}

static void
add_blink(GbEegBackground *bg, double start_s, double dur_s, double amp, double *run)
{
  int C = bg->n_channels;
  int t0 = (int)ceil(start_s * bg->srate), t1 = (int)floor((start_s + dur_s) * bg->srate);
  for (int t = t0 < 0 ? 0 : t0; t <= t1 && t < bg->n; t++) {
    double v = amp * 0.5 * (1.0 - cos(2.0 * M_PI * (t / bg->srate - start_s) / dur_s));
    for (int c = 0; c < C; c++) run[(size_t)t * C + c] += v * bg->blink_w[c];
  }
}

/* A Poisson process thinned to BLINK_FLASHING of its rate during [flash_begin, flash_end).
 * Blinks may start up to 0.4 s before the run, so its first samples can hold a blink's end. */
static void
add_blinks(GbEegBackground *bg, const GbEegSimSubject *s, int flash_begin, int flash_end,
           GbRng *rng, double *run)
{
  double rate = s->blink_rate / 60.0, end = bg->n / bg->srate;
  if (rate <= 0)
    return;
  for (double t = -0.4;;) {
    t += -log(1.0 - gb_rng_uniform(rng)) / rate;
    if (t >= end)
      break;
    double dur = uniform(rng, 0.25, 0.4), amp = s->blink_uv * uniform(rng, 0.8, 1.2);
    double keep = gb_rng_uniform(rng);
    int at = (int)(t * bg->srate);
    if (at >= flash_begin && at < flash_end && keep >= BLINK_FLASHING)
      continue;
    add_blink(bg, t, dur, amp, run);
  }
}

void
gb_eeg_background_add(GbEegBackground *bg, const GbEegSimSubject *s, const GbEegSimConfig *cfg,
                      int flash_begin, int flash_end, GbRng *rng, double *run)
{
  add_aperiodic(bg, s, rng, run);
  add_alpha(bg, s, rng, run);
  add_drift_and_sensor(bg, cfg, rng, run);
  add_line(bg, cfg, rng, run);
  add_blinks(bg, s, flash_begin, flash_end, rng, run);
}

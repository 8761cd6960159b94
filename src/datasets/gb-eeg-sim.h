/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stdint.h>

#include "gb-eeg.h"
#include "gb-status.h"

/* A seeded simulator of a 6x6 row/column P300 speller, with the clean class signal kept as
 * ground truth. The model (methods.md section 4.4; values are modelling choices within the
 * literature ranges):
 *
 * Design. Each subject spells n_characters characters. One character is one continuous run:
 * 1 s of rest, then n_repetitions blocks of the 12 stimulus codes (1-6 columns, 7-12 rows) in
 * a fresh random order per block, one flash every SOA (175 ms, as in BCI Competition III),
 * then rest until the last epoch is complete. The target character's row and column are the
 * 2 targets of each block of 12: 1 target per 6 flashes. Flash onsets fall on samples. Every
 * response is added to the continuous signal, so each epoch also holds the tails and starts
 * of its neighbours' responses; epochs are cut from it at the flash onsets afterwards.
 *
 * Evoked responses (Gaussian bumps amp * exp(-(t - latency)^2 / (2 width^2)) in time, times a
 * spatial Gaussian exp(-|p_c - centre|^2 / (2 l^2)) over the scalp positions p_c):
 *   P1    every flash   +2..+4 uV   100 ms +-10   width 15 ms   PO7 + PO8, l 0.15
 *   N1    every flash   -3..-6 uV   150-190 ms    width 20 ms   PO7 + PO8, l 0.15
 *         per flash: amplitude CV 20%, latency jitter 8 ms; times vep_target_gain on targets
 *   N2    targets       -2..-4 uV   210-250 ms    width 25 ms   between Cz and CPz, l 0.20
 *   P3b   targets       +6..+11 uV  320-430 ms    width 60-90 ms  around Pz + N(0, 0.03) per
 *                                                   axis (at most 0.07), l 0.17-0.25
 *         per target: amplitude CV 30%, latency jitter SD 20-40 ms (per subject); the N2 shares
 *         half of that jitter. erp_scale multiplies the N2 and P3b amplitudes.
 * Ranges are across subjects: each subject draws its own latencies, amplitudes, P3b width,
 * jitter, P3b centre and spread, noise levels, alpha frequency and blink rate.
 *
 * Background, per channel, in uV:
 *   aperiodic  1/f^beta noise (beta 1.0-1.6 per subject, knee 1 Hz), shaped in the frequency
 *              domain and mixed across channels with the Cholesky factor of
 *              exp(-d / 0.3) (d: scalp distance); RMS background_uv * 0.8-1.25 per subject
 *   alpha      two AR(2) resonators (8.5-11.5 Hz per subject, 2 Hz wide) at O1 and O2, l 0.2,
 *              under a shared slowly waxing and waning envelope (bursts about half the time);
 *              RMS alpha_uv * 0.5-1.5 at the centres
 *   sensor     white noise, 1 uV
 *   drifts     two sinusoids of 0.03-0.3 Hz per channel, RMS about drift_uv
 *   line       line_hz sinusoid of amplitude line_uv * 0.5-1.5 per channel (left out when the
 *              sampling rate cannot represent it)
 *   blinks     Poisson, blink_rate * 0.6-1.4 per minute, half as often while flashing;
 *              Hann bumps of 250-400 ms and blink_uv * 0.7-1.3 at Fp1, decaying with the
 *              distance from the eyes to 9% at Cz
 *
 * Output. Epochs from t_start to t_end around each onset (samples round(t_start * srate) ..
 * round(t_end * srate) - 1, so t0 = round(t_start * srate) / srate), in microvolts, in
 * recording order, subject by subject; label 1 for targets; stimulus code 1-12 per epoch.
 * truth = |N2 + P3b + (vep_target_gain - 1) * (P1 + N1)| of the epoch's own flash: zero for
 * non-targets. The raw data are not filtered or re-referenced.
 *
 * Reproducible: the same configuration and seed give the same data bit for bit. Subject k's
 * data depend only on the seed, k and the design, not on n_subjects; another seed gives other
 * subjects, i.e. held-out subjects of the same population. Memory: one character's continuous
 * recording at a time besides the epochs. */

typedef struct {
  int n_subjects;         /* 8 */
  int n_characters;       /* 10 per subject: one continuous run each */
  int n_repetitions;      /* 5 blocks of 12 flashes per character */
  int n_channels;         /* 16; 8, 16, 32 or 64 (see gb-eeg-montage.h) */
  double srate;           /* 128 Hz; 64 to 1024 */
  double t_start, t_end;  /* -0.1, 0.7 s: the epoch around each onset */
  double soa;             /* 0.175 s between flash onsets; 0.1 to 1 */
  double erp_scale;       /* 1: multiplies N2 and P3b (the difficulty knob) */
  double vep_target_gain; /* 1: P1/N1 gain on targets (gaze-dependent spellers: about 1.2) */
  double background_uv;   /* 4: RMS of the aperiodic background */
  double alpha_uv;        /* 6: RMS of alpha at O1/O2 */
  double blink_rate;      /* 12 per minute; 0 = none */
  double blink_uv;        /* 150 at Fp1 */
  double drift_uv;        /* 8 */
  double line_uv;         /* 2 */
  double line_hz;         /* 50 */
  uint64_t seed;          /* 1 */
  GbProgressFn progress;  /* fraction of characters done; false cancels */
  void *user;
} GbEegSimConfig;

/* The parameters a subject drew: what the simulator put in, for displays and tests. */
typedef struct {
  double p3_latency, p3_width, p3_jitter; /* s */
  double p3_amplitude;                    /* uV at the centre, before the per-trial factor */
  double p3_x, p3_y, p3_spread;           /* centre and length scale on the scalp */
  double n2_latency, n2_amplitude;        /* s, uV (negative) */
  double p1_amplitude, p1_latency;        /* uV, s */
  double n1_amplitude, n1_latency;        /* uV (negative), s */
  double background_uv, beta;             /* aperiodic RMS and exponent */
  double alpha_hz, alpha_uv;
  double blink_rate, blink_uv;            /* per minute, uV at Fp1 */
} GbEegSimSubject;

void gb_eeg_sim_config_init(GbEegSimConfig *cfg);
/* GB_ERR_INVALID with a message naming the first bad field. */
GbStatus gb_eeg_sim_config_check(const GbEegSimConfig *cfg, GbError *err);
/* n_characters * n_repetitions * 12 */
int gb_eeg_sim_trials_per_subject(const GbEegSimConfig *cfg);
/* The parameters of subject @subject (0-based) under @cfg's seed and scales. */
void gb_eeg_sim_subject_draw(const GbEegSimConfig *cfg, int subject, GbEegSimSubject *out);
/* Simulates every subject. On GB_ERR_CANCELLED (the progress callback returned false),
 * GB_ERR_INVALID or GB_ERR_NOMEM, *out is NULL. */
GbStatus gb_eeg_sim_generate(const GbEegSimConfig *cfg, GbEegSet **out, GbError *err);

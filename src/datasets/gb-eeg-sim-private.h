/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stdbool.h>

#include "gb-eeg-sim.h"
#include "gb-rng.h"

/* The background of one continuous run: everything but the evoked responses. Buffers are
 * sized once for runs of @n samples and reused for every run. */
typedef struct {
  int n_channels, n, fft_len;
  double srate;
  double *chol;    /* (C, C) lower Cholesky factor of exp(-d / lambda) */
  double *cos_tw;  /* fft_len / 2 twiddles */
  double *sin_tw;
  double *re, *im; /* fft_len */
  double *src;     /* (n, C) unit-variance aperiodic sources */
  double *env;     /* n: alpha envelope */
  double *alpha_w; /* (2, C): spatial weights of the left and right occipital alpha */
  double *blink_w; /* C: 1 at Fp1, about 0.09 at Cz */
} GbEegBackground;

GbEegBackground *gb_eeg_background_new(const GbEegChannel *channels, int n_channels, int n,
                                       double srate, GbError *err);
void gb_eeg_background_free(GbEegBackground *bg);

/* Samples [flash_begin, flash_end) are the flashing period, where blinks are rarer.
 * run: (n, C) += background of subject @s. */
void gb_eeg_background_add(GbEegBackground *bg, const GbEegSimSubject *s,
                           const GbEegSimConfig *cfg, int flash_begin, int flash_end,
                           GbRng *rng, double *run);

/* In-place radix-2 FFT of length n (a power of two) with twiddles cos/sin(2 pi k / n),
 * k < n / 2; @inverse uses e^{+i...} and does not divide by n. Exposed for tests. */
void gb_eeg_fft(double *re, double *im, int n, const double *cos_tw, const double *sin_tw,
                bool inverse);
/* Lower Cholesky factor of the symmetric positive definite (n, n) @a, in place (the upper
 * triangle is zeroed). False when @a is not positive definite. */
bool gb_eeg_cholesky(double *a, int n);

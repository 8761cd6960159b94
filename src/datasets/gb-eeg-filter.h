/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stddef.h>

#include "gb-eeg.h"

/* EEG preprocessing: Butterworth filters as second-order sections, zero-phase filtering,
 * decimation, baseline correction, channel selection and per-channel standardisation.
 *
 * Which functions change a set in place and which return a new one:
 *   in place:   gb_eeg_set_filter, gb_eeg_set_bandpass, gb_eeg_set_baseline,
 *               gb_eeg_scaler_apply
 *   new set:    gb_eeg_set_decimate (n_times changes), gb_eeg_set_select_channels
 *               (n_channels changes); the input set is left as it was.
 *
 * Filtering an epoch filters each trial's (n_times) series of each channel on its own. Filters
 * with low cut-offs ring for longer than a short epoch lasts; where the continuous recording is
 * at hand (gb_eeg_mat_read's prefilter option) filter it before epoching instead. */

/* A cascade of second-order sections, like scipy's "sos" output: row s holds
 * b0 b1 b2 a0 a1 a2 with a0 = 1; the overall gain is in the first section.
 * sos: (n_sections, 6) */
typedef struct {
  int n_sections;
  double *sos;
} GbEegSos;

/* Digital Butterworth filters designed like scipy.signal.butter(..., output="sos"): analog
 * prototype poles, frequency pre-warping, lowpass-to-{low,high,band}pass transform, bilinear
 * transform, poles paired into sections (the section with poles nearest the unit circle last).
 * Frequencies in Hz; 0 < cut-offs < srate / 2. A band-pass of order N has N sections (its
 * transfer function has order 2N, as in scipy). */
GbEegSos *gb_eeg_sos_butter_lowpass(int order, double cut_hz, double srate, GbError *err);
GbEegSos *gb_eeg_sos_butter_highpass(int order, double cut_hz, double srate, GbError *err);
GbEegSos *gb_eeg_sos_butter_bandpass(int order, double low_hz, double high_hz, double srate,
                                     GbError *err);
void gb_eeg_sos_free(GbEegSos *sos);

/* Frequency response H(e^{i w}) at @freq_hz: writes its magnitude and phase (radians). */
void gb_eeg_sos_response(const GbEegSos *sos, double freq_hz, double srate, double *magnitude,
                         double *phase);

/* Causal filtering in place from a zero state (scipy's sosfilt): x[i * stride], i < n. */
void gb_eeg_sos_filter(const GbEegSos *sos, float *x, size_t n, size_t stride);

/* Zero-phase filtering in place, like scipy's sosfiltfilt with padtype "odd": the series is
 * extended at both ends by point reflection about its end values (padlen =
 * 3 (2 n_sections + 1) samples, or n - 1 when the series is shorter), filtered forwards from
 * the steady state for its first value (sosfilt_zi), then backwards the same way, and the
 * padding is cut off. The magnitude response is |H|^2 and the phase is zero. */
GbStatus gb_eeg_sos_filtfilt(const GbEegSos *sos, float *x, size_t n, size_t stride, GbError *err);

/* Zero-phase @sos on every channel of every trial, in place. */
GbStatus gb_eeg_set_filter(GbEegSet *set, const GbEegSos *sos, GbProgressFn progress, void *user,
                           GbError *err);
/* gb_eeg_sos_butter_bandpass + gb_eeg_set_filter. */
GbStatus gb_eeg_set_bandpass(GbEegSet *set, int order, double low_hz, double high_hz,
                             GbProgressFn progress, void *user, GbError *err);

/* A new set at srate / @factor: each series is low-passed (8th-order Butterworth at
 * 0.8 x the new Nyquist frequency, zero-phase) and every @factor-th sample kept, starting with
 * the first, so n_times becomes ceil(n_times / factor) and t0 is unchanged. The simulator's
 * truth, if any, is subsampled the same way without filtering. */
GbEegSet *gb_eeg_set_decimate(const GbEegSet *set, int factor, GbProgressFn progress, void *user,
                              GbError *err);

/* Subtracts from each trial and channel its mean over the samples with time in
 * [tmin, tmax) seconds (typically tmin < tmax <= 0: the pre-stimulus interval), in place.
 * Fails when no sample of the epoch lies in the window. */
GbStatus gb_eeg_set_baseline(GbEegSet *set, double tmin, double tmax, GbError *err);

/* A new set with the channels called @labels (case-insensitive), in that order. */
GbEegSet *gb_eeg_set_select_channels(const GbEegSet *set, const char *const *labels, int n_labels,
                                     GbError *err);

/* Per-channel standardisation. Fit the statistics on the training trials only, then apply
 * them to every set and trial (training, validation, test), so that nothing about the held-out
 * trials leaks into the preprocessing. */
typedef struct {
  int n_channels;
  GbEegChannel *channels; /* the labels the statistics belong to */
  double *mean;           /* n_channels: mean over the fitted trials and times */
  double *std;            /* n_channels: population standard deviation (1 for a flat channel) */
} GbEegScaler;

/* Statistics over trials @trials[0 .. n_trials) of @set (all trials when @trials is NULL). */
GbEegScaler *gb_eeg_scaler_fit(const GbEegSet *set, const int *trials, int n_trials, GbError *err);
/* x <- (x - mean) / std for every trial of @set, in place. The set's channel labels must match
 * those the scaler was fitted on. */
GbStatus gb_eeg_scaler_apply(const GbEegScaler *scaler, GbEegSet *set, GbError *err);
void gb_eeg_scaler_free(GbEegScaler *scaler);

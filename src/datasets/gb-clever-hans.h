/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "gb-dataset.h"
#include "gb-eeg.h"
#include "gb-status.h"

/* Clever Hans data sets (Lapuschkin et al. 2019): a spurious cue that goes with one class in
 * training, so a model can score well by looking at the cue instead of the object. */

/* ---- Digits with a mark ---- */

typedef enum {
  GB_CLEVER_HANS_TOP_LEFT,
  GB_CLEVER_HANS_TOP_RIGHT,
  GB_CLEVER_HANS_BOTTOM_LEFT,
  GB_CLEVER_HANS_BOTTOM_RIGHT,
} GbCleverHansCorner;

typedef struct {
  int mark_class;            /* the class the mark goes with, default 0 */
  double rate_class;         /* fraction of that class's samples marked, default 1 */
  double rate_others;        /* fraction of the other classes' samples marked, default 0 */
  int size;                  /* the mark is a size x size square, default 3 */
  int margin;                /* pixels between the mark and the image's edges, default 0 */
  GbCleverHansCorner corner; /* default top left */
  float value;               /* the mark's gray level, default 1 (bright) */
  uint64_t seed;             /* which samples are marked */
} GbCleverHansConfig;

/* The defaults above: 100% of class 0 marked, 0% of the others. */
void gb_clever_hans_config_init(GbCleverHansConfig *cfg);

/* A copy of @src (images (c, h, w), any values) in which each sample of the mark class is marked
 * with probability rate_class and every other sample with rate_others: all channels of the
 * square's pixels set to @value. @marked (n, may be NULL) says which. For a clean test set use
 * rate_class = rate_others (the mark on random classes) or 0 (no mark). GB_ERR_INVALID for a bad
 * rate, class or a mark that does not fit; GB_ERR_SHAPE for data that are not images. */
GbDataset *gb_clever_hans_digits(const GbDataset *src, const GbCleverHansConfig *cfg, bool *marked,
                                 GbError *err);

/* Marks one image (c, h, w) of @shape in place. */
GbStatus gb_clever_hans_mark(const GbCleverHansConfig *cfg, const GbShape *shape, float *x,
                             GbError *err);

/* @mask (c * h * w): true on the mark's features. */
GbStatus gb_clever_hans_mask(const GbCleverHansConfig *cfg, const GbShape *shape, bool *mask,
                             GbError *err);

/* ---- EEG: blinks that go with targets ---- */

typedef struct {
  double rate_target;        /* fraction of target trials given a blink, default 1 */
  double rate_nontarget;     /* fraction of non-target trials, default 0 */
  double amplitude_uv;       /* at Fp1/Fp2, default 100 (x 0.8-1.2 per trial) */
  double duration_s;         /* Hann bump length, default 0.3 s (x 0.85-1.15 per trial) */
  double onset_lo, onset_hi; /* window of blink onsets in s from the flash, default 0 .. 0.3 */
  uint64_t seed;
} GbEegBlinkConfig;

void gb_eeg_blink_config_init(GbEegBlinkConfig *cfg);

/* Adds a frontal blink (largest at Fp1/Fp2, decaying with scalp distance from the eyes as the
 * simulator's blinks do: 9% at Cz) to target and non-target trials of @set at the configured
 * rates, in place. @blinked (n trials, may be NULL) says which got one; @weights (n_channels,
 * may be NULL) receives each channel's share of the amplitude. Truth is left alone: a blink
 * is not the class signal. GB_ERR_INVALID for bad rates or windows. */
/* Each channel's share of a blink (1 at Fp1/Fp2, 9% at Cz) into @weights (n_channels). */
void gb_eeg_blink_weights(const GbEegSet *set, float *weights);

GbStatus gb_eeg_add_target_blinks(GbEegSet *set, const GbEegBlinkConfig *cfg, bool *blinked,
                                  float *weights, GbError *err);

/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "gb-eeg.h"
#include "gb-status.h"

/* How a simulated P300 data set is made: the simulator's settings, the preprocessing and the
 * held-out subjects preprocessed with the training statistics. `glassbox-cli eeg simulate`
 * runs one; models trained on one store it as text (their "glassbox.data.recipe" metadata), so
 * the app and the tests can regenerate the exact held-out trials a model was scored on. */
typedef struct {
  int subjects, characters, repetitions, channels;
  double srate, erp_scale;
  uint64_t seed;
  double band_lo, band_hi; /* zero-phase 4th-order Butterworth band-pass; band_hi 0 = none */
  int decimate;            /* keep every k-th sample, anti-aliased; 1 = none */
  bool standardise;        /* per-channel, fitted on the training trials only */
  int heldout_subjects;    /* 0 = none */
  uint64_t heldout_seed;
} GbEegRecipe;

/* The simulator's defaults, no preprocessing, no held-out subjects, held-out seed 1001. */
void gb_eeg_recipe_init(GbEegRecipe *r);
/* Reads the options of an `eeg simulate` command line ("glassbox-cli eeg simulate --subjects
 * 32 --bandpass 0.5,12 ..."; words before the first option and file options (--out,
 * --held-out-out) are ignored). GB_ERR_FORMAT names an unknown option or a bad value. */
GbStatus gb_eeg_recipe_parse(const char *text, GbEegRecipe *r, GbError *err);
/* GB_ERR_INVALID names the first bad field. */
GbStatus gb_eeg_recipe_check(const GbEegRecipe *r, GbError *err);
/* Simulates and preprocesses. @train receives the training subjects (may be NULL: they are
 * still simulated when standardisation needs their statistics, then dropped); @held_out the
 * held-out ones (may be NULL; set to NULL when the recipe has none). Progress covers it all. */
GbStatus gb_eeg_recipe_make(const GbEegRecipe *r, GbEegSet **train, GbEegSet **held_out,
                            GbProgressFn progress, void *user, GbError *err);

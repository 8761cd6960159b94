/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "gb-eeg.h"

/* Simulated P300 trials prepared like the default models' data (data/models/retrain.sh):
 * 16 channels at 128 Hz, band-passed 0.5-12 Hz (order 4), decimated by 4 to 32 Hz (26 samples
 * from -0.1 s) and standardised per channel. The models' own statistics come from their 32
 * training subjects; here each set is standardised with its own, which for held-out subjects of
 * the same simulated population is close. Seed 1001 is the recipe's held-out seed. */
GbEegSet *gb_test_eeg_p300_set(int n_subjects, int n_characters, unsigned seed, GbError *err);

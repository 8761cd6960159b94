/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stdbool.h>

#include "gb-eeg.h"
#include "gb-status.h"

/* 10-20 / 10-10 electrode montages with 2-D scalp positions in EEGLAB topoplot coordinates
 * (x = r sin(theta), y = r cos(theta); theta from the nose towards the right ear; r = 0.5 at
 * ear level; x > 0 right, y > 0 front).
 *
 *   64  BCI Competition III data set II, in its order and with its positions (eloc64.txt):
 *       FC5..FC6, C5..C6, CP5..CP6, Fp1 Fpz Fp2, AF7..AF8, F7..F8, FT7 FT8, T7 T8 T9 T10,
 *       TP7 TP8, P7..P8, PO7 PO3 POz PO4 PO8, O1 Oz O2 Iz
 *   32  Fp1 Fp2 AF3 AF4 F7 F3 Fz F4 F8 FC5 FC1 FC2 FC6 T7 C3 Cz C4 T8 CP5 CP1 CP2 CP6
 *       P7 P3 Pz P4 P8 PO7 PO8 O1 Oz O2            (a 10-20 cap plus the P300 sites PO7/PO8)
 *   16  Fp1 Fp2 F3 Fz F4 C3 Cz C4 P3 Pz P4 PO7 PO8 O1 Oz O2
 *    8  Fz Cz Pz Oz P3 P4 PO7 PO8                  (BNCI2014_008, in its order)
 *
 * Every montage takes its positions from the 64-channel table. */

#define GB_EEG_MONTAGE_MAX 64

bool gb_eeg_montage_supported(int n_channels);
/* Copies the @n_channels montage into @out (n_channels entries). For an unsupported count
 * returns GB_ERR_INVALID with a message listing the supported ones. */
GbStatus gb_eeg_montage_get(int n_channels, GbEegChannel *out, GbError *err);
/* A short description, e.g. "BCI Competition III (eloc64)"; NULL for unsupported counts. */
const char *gb_eeg_montage_name(int n_channels);
/* Position of a 10-20 channel (case-insensitive label): the 64-channel table plus the common
 * names it lacks (T3-T6, the inferior ring); false if the label is unknown. */
bool gb_eeg_montage_position(const char *label, float *x, float *y);
/* The standard spelling of a known label ("FZ" -> "Fz"); false if the label is unknown. */
bool gb_eeg_montage_canonical_label(const char *label, const char **canonical);

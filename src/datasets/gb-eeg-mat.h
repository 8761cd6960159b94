/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stdbool.h>

#include "gb-eeg-filter.h"
#include "gb-eeg.h"

/* BCI Competition III data set II files (Subject_{A,B}_{Train,Test}.mat), read with libmatio:
 * MATLAB level-5 MAT-files, compressed or not, and version 7.3 (HDF5) files.
 *
 * Variables (MATLAB dimensions, stored column-major):
 *   Signal        chars x samples x 64  EEG, any real numeric class (single in the originals)
 *   Flashing      chars x samples       1 while a row or column is intensified, else 0
 *   StimulusCode  chars x samples       1-6 columns, 7-12 rows, 0 between flashes
 *   StimulusType  chars x samples       1 if the flash contains the target (training files only)
 *   TargetChar    1 x chars text        the spelled characters (training files only)
 *
 * Each flash onset (a 0 -> 1 step of Flashing, and sample 0 when Flashing starts at 1) becomes
 * one trial: the window [tmin, tmax) seconds from the onset, label StimulusType and stimulus
 * StimulusCode at the onset, subject 0. Trials are in file order (character by character, then
 * time). Channels are the 64 of the eloc64 montage in file order, with 10-20 labels and
 * positions. Onsets whose window would run past either end of the character's signal are
 * dropped and counted. */

typedef struct {
  double srate;      /* Hz; the files do not record it. 240 */
  double tmin, tmax; /* epoch window in seconds from each onset; 0 .. 0.8 (192 samples) */
  /* When not NULL, applied zero-phase (gb_eeg_sos_filtfilt) to each character's continuous
   * signal before epoching: long filters then see no epoch edges. Design it for srate. */
  const GbEegSos *prefilter;
  GbProgressFn progress; /* fraction of the characters read; return false to cancel */
  void *progress_user;
} GbEegMatOptions;

void gb_eeg_mat_options_init(GbEegMatOptions *options);

/* What the reader found besides the trials. Free with gb_eeg_mat_info_clear(). */
typedef struct {
  int n_characters;
  int n_samples;        /* per character */
  bool has_labels;      /* false for test files (no StimulusType): every label is then 0 */
  char *target_chars;   /* TargetChar, NUL-terminated, or NULL when the file has none */
  int *character_start; /* n_characters + 1: character k's trials are [start[k], start[k+1]) */
  int n_onsets;         /* flash onsets found */
  int n_dropped;        /* onsets whose window ran past the signal */
  char format[24];      /* "MAT 5", "MAT 5 (compressed)" or "MAT 7.3" */
} GbEegMatInfo;

void gb_eeg_mat_info_clear(GbEegMatInfo *info);

/* Reads @path. @options may be NULL (the defaults above), @info may be NULL. Errors name the
 * file and, where one is at fault, the variable: a file that is missing or unreadable
 * (GB_ERR_IO), not a MAT-file, damaged or truncated, or without a variable, with the wrong
 * class, rank or dimensions, with Flashing values other than 0/1 (GB_ERR_FORMAT), or with
 * non-finite samples (GB_ERR_NUMERIC). Calls are serialised by a lock: the HDF5 library that
 * reads version 7.3 files is not thread-safe. */
GbEegSet *gb_eeg_mat_read(const char *path, const GbEegMatOptions *options, GbEegMatInfo *info,
                          GbError *err);

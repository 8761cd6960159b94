/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "gb-dataset.h"

/* EEG epochs ("trials") cut around stimulus onsets, from the simulator or a user's recording.
 *
 * Samples are (time, channels), row-major: x[(trial * n_times + t) * n_channels + c], the
 * layout recurrent layers read directly (input(n_times, n_channels)). Labels: 1 = target
 * (the flash the subject attended, which evokes a P300), 0 = non-target.
 *
 * Voltages are in microvolts. Time t (0-based) is at t0 + t / srate seconds from the onset. */

#define GB_EEG_LABEL_MAX 16

typedef struct {
  char label[GB_EEG_LABEL_MAX]; /* 10-20 name: "Pz", "PO7" */
  /* EEGLAB topoplot convention: x = r sin(theta), y = r cos(theta), theta from the nose
   * towards the right ear, r = 0.5 near ear level; Cz at (0, 0), Fz at (0, 0.203). */
  float x, y;
} GbEegChannel;

typedef struct {
  GbDataset *data;       /* n trials of (n_times, n_channels); labels 0/1; n_classes 2 */
  int n_channels, n_times;
  double srate;          /* Hz after any decimation */
  double t0;             /* seconds of the first sample relative to the onset */
  GbEegChannel *channels;/* n_channels */
  int *subject;          /* per trial: 0-based subject (or recording) index */
  int *stimulus;         /* per trial: stimulus code (speller row/column 1-12, or 0) */
  int n_subjects;
  /* Ground truth from the simulator (NULL for recordings): per trial (n_times, n_channels),
   * the absolute value of the class-specific signal (P3b and N2, present only in targets)
   * that the simulator added: where the class information lives. */
  float *truth;
  char *source;          /* "simulated: ...", or the file name */
} GbEegSet;

GbEegSet *gb_eeg_set_new(int n_trials, int n_times, int n_channels, double srate, double t0,
                         bool with_truth, GbError *err);
void gb_eeg_set_free(GbEegSet *set);
/* A deep copy. */
GbEegSet *gb_eeg_set_dup(const GbEegSet *set, GbError *err);
/* Opens EEG epochs from a file, by its extension: .mat (BCI Competition III data set II),
 * .edf/.bdf/.gdf (recordings with events; default target/non-target codes), anything else a
 * Glassbox EEG set (.safetensors, see gb-eeg-file.h). Messages name the file. */
GbEegSet *gb_eeg_set_open(const char *path, GbError *err);
/* Whether @path has an extension gb_eeg_set_open() reads as a recording (.mat, .edf, ...). */
bool gb_eeg_path_is_recording(const char *path);

/* Index of the channel called @label (case-insensitive), or -1. */
int gb_eeg_set_find_channel(const GbEegSet *set, const char *label);

/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stdbool.h>

#include "gb-eeg.h"

/* Helpers shared by the EEG file readers (gb-eeg-mat.c, gb-eeg-xdf.c). */

/* The BCI Competition III data set II montage (eloc64.txt), 64 channels in file order. */
#define GB_EEG_IO_ELOC64_N 64

/* Label of channel @index (0-based) of the eloc64 montage: "FC5", ..., "Iz". */
const char *gb_eeg_io_eloc64_label(int index);

/* Looks @label up (case-insensitive) among the 10-20 names this module knows (the 64 eloc64
 * channels plus the common 10-20 names absent from it) and writes its EEGLAB topoplot position.
 * Returns false, and writes (0, 0), for unknown names. */
bool gb_eeg_io_position(const char *label, float *x, float *y);

/* Fills @ch from a label found in a file: trims blanks, drops an "EEG " prefix, a reference
 * suffix ("Fz-REF", "Cz-A1") and trailing dots ("Fc5.", PhysioNet style). When the cleaned
 * name is a known 10-20 name the channel gets its canonical spelling ("FZ" -> "Fz") and
 * position; otherwise it keeps the trimmed label (cut to GB_EEG_LABEL_MAX - 1 bytes) at (0, 0).
 * Returns whether a position was found. */
bool gb_eeg_io_set_channel(GbEegChannel *ch, const char *label);

/* The epoch window [tmin, tmax) in seconds as a sample offset from the onset and a length, at
 * @srate Hz: offset = round(tmin * srate), n = round((tmax - tmin) * srate). */
GbStatus gb_eeg_io_window(const char *path, double tmin, double tmax, double srate, int *offset,
                          int *n_times, GbError *err);

/* Replaces set->source by a formatted string. */
GbStatus gb_eeg_io_set_source(GbEegSet *set, GbError *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Calls @progress (when not NULL); returns false when it asks to stop. */
bool gb_eeg_io_progress(GbProgressFn progress, void *user, double fraction, const char *stage);

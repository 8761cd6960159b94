/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stdbool.h>

#include "gb-eeg.h"

/* Helpers shared by the EEG file readers (gb-eeg-mat.c, gb-eeg-xdf.c). */

/* The BCI Competition III data set II montage (eloc64.txt) has 64 channels; its order and
 * positions are in gb-eeg-montage.c. */
#define GB_EEG_IO_ELOC64_N 64

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

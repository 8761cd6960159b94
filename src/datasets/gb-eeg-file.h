/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stddef.h>

#include "gb-eeg.h"
#include "gb-status.h"

/* EEG sets are saved as safetensors files (see gb-safetensors.h):
 *
 *   tensor      dtype  shape       contents
 *   x           F32    (n, T, C)   the trials, microvolts
 *   labels      I32    (n)         0 non-target, 1 target
 *   subject     I32    (n)         0 .. n_subjects - 1
 *   stimulus    I32    (n)         stimulus code, >= 0
 *   truth       F32    (n, T, C)   only for simulated sets: where the class signal lives
 *   channel_xy  F32    (C, 2)      scalp positions, EEGLAB topoplot coordinates
 *
 * and string metadata: "format": "glassbox-eeg", "glassbox.eeg.channels" (the C labels,
 * comma-separated), "glassbox.eeg.srate" (Hz), "glassbox.eeg.t0" (seconds), both written so
 * they read back as the same double, "glassbox.eeg.n_subjects", "glassbox.eeg.source" and
 * "glassbox.version". From NumPy:
 *
 *   n = int.from_bytes(b[:8], "little"); h = json.loads(b[8:8 + n])
 *   lo, hi = h["x"]["data_offsets"]
 *   x = np.frombuffer(b, "<f4", offset=8 + n + lo, count=(hi - lo) // 4).reshape(h["x"]["shape"])
 */

#define GB_EEG_FILE_FORMAT "glassbox-eeg"

/* Writes a temporary file beside @path and renames it over @path, so a failed save never
 * destroys the previous file. A set that could not be loaded back (labels other than 0/1,
 * subjects out of range, NaN samples, channel labels that are empty or contain a comma...) is
 * refused with GB_ERR_INVALID. */
GbStatus gb_eeg_set_save(const GbEegSet *set, const char *path, GbError *err);
/* The same file in a newly allocated buffer (free with gb_free()). */
GbStatus gb_eeg_set_save_to_memory(const GbEegSet *set, void **data, size_t *len, GbError *err);

/* Validates the whole file (the safetensors container, the format, consistent sizes across
 * tensors and metadata, labels, subjects, finite samples) and says what is wrong, prefixed with
 * @path. A set without "glassbox.eeg.source" takes @path as its source. */
GbStatus gb_eeg_set_load(const char *path, GbEegSet **out, GbError *err);
/* Whether @path is a safetensors file whose metadata says it is a Glassbox EEG set. */
bool gb_eeg_file_is_eeg_set(const char *path);
/* The same from memory; @name is used in messages and as the default source. */
GbStatus gb_eeg_set_load_from_memory(const void *data, size_t len, const char *name,
                                     GbEegSet **out, GbError *err);

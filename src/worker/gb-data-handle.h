/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "gb-dataset.h"
#include "gb-eeg.h"

G_BEGIN_DECLS

/* A loaded data set, immutable once made and reference-counted, so a job can keep reading it
 * while the window moves on to other data: digits (a GbDataset) or EEG trials (a GbEegSet,
 * whose data field is the GbDataset of its trials). */
#define GB_TYPE_DATA_HANDLE (gb_data_handle_get_type())
G_DECLARE_FINAL_TYPE(GbDataHandle, gb_data_handle, GB, DATA_HANDLE, GObject)

/* Take ownership. @name: for people ("mnist-test", "p300-rnn held-out subjects"). */
GbDataHandle *gb_data_handle_new_digits(GbDataset *digits, const char *name);
GbDataHandle *gb_data_handle_new_eeg(GbEegSet *eeg, const char *name);

const char *gb_data_handle_get_name(GbDataHandle *self);
/* The samples and labels (for EEG, the trials' GbDataset). Read only. */
const GbDataset *gb_data_handle_get_dataset(GbDataHandle *self);
/* NULL for digits. Read only. */
const GbEegSet *gb_data_handle_get_eeg(GbDataHandle *self);
int gb_data_handle_get_size(GbDataHandle *self);
/* Sample @i (gb_data_handle_get_sample_size floats), borrowed. */
const float *gb_data_handle_get_sample(GbDataHandle *self, int i);
size_t gb_data_handle_get_sample_size(GbDataHandle *self);
int gb_data_handle_get_label(GbDataHandle *self, int i);

G_END_DECLS

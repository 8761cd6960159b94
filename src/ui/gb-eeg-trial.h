/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* One row of the EEG view's trial list: a trial's index, subject and class, and the model's
 * probability that it is a target (NaN until predicted; "probability" notifies). */
#define GB_TYPE_EEG_TRIAL (gb_eeg_trial_get_type())
G_DECLARE_FINAL_TYPE(GbEegTrial, gb_eeg_trial, GB, EEG_TRIAL, GObject)

GbEegTrial *gb_eeg_trial_new(int index, int subject, int label);
int gb_eeg_trial_get_index(GbEegTrial *self);
int gb_eeg_trial_get_subject(GbEegTrial *self);
/* 1 target, 0 non-target. */
int gb_eeg_trial_get_label(GbEegTrial *self);
double gb_eeg_trial_get_probability(GbEegTrial *self);
void gb_eeg_trial_set_probability(GbEegTrial *self, double p);

G_END_DECLS

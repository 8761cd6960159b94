/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-test-eeg.h"

#include "gb-eeg-filter.h"
#include "gb-eeg-sim.h"

GbEegSet *
gb_test_eeg_p300_set(int n_subjects, int n_characters, unsigned seed, GbError *err)
{
  GbEegSimConfig cfg;
  gb_eeg_sim_config_init(&cfg);
  cfg.n_subjects = n_subjects;
  cfg.n_characters = n_characters;
  cfg.seed = seed;
  GbEegSet *raw = NULL;
  if (gb_eeg_sim_generate(&cfg, &raw, err) != GB_OK)
    return NULL;
  GbEegSet *set = NULL;
  if (gb_eeg_set_bandpass(raw, 4, 0.5, 12.0, NULL, NULL, err) == GB_OK)
    set = gb_eeg_set_decimate(raw, 4, NULL, NULL, err);
  gb_eeg_set_free(raw);
  if (set == NULL)
    return NULL;
  GbEegScaler *scaler = gb_eeg_scaler_fit(set, NULL, 0, err);
  GbStatus st = scaler ? gb_eeg_scaler_apply(scaler, set, err) : err->code;
  gb_eeg_scaler_free(scaler);
  if (st != GB_OK) {
    gb_eeg_set_free(set);
    return NULL;
  }
  return set;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Glassbox EEG set files from memory: what loads must save and load again. */
#include "config.h"

#include <stdlib.h>

#include "gb-alloc.h"
#include "gb-eeg-file.h"
#include "gb-fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  GbEegSet *set = NULL;
  GbError err = {0};
  if (gb_eeg_set_load_from_memory(data, size, "fuzz.safetensors", &set, &err) != GB_OK)
    return 0;
  void *saved = NULL;
  size_t len = 0;
  if (gb_eeg_set_save_to_memory(set, &saved, &len, &err) != GB_OK)
    abort();
  GbEegSet *again = NULL;
  if (gb_eeg_set_load_from_memory(saved, len, "saved", &again, &err) != GB_OK)
    abort();
  gb_eeg_set_free(again);
  gb_free(saved);
  gb_eeg_set_free(set);
  return 0;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Model files from memory: whatever loads must save and load again to the same bytes. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "gb-alloc.h"
#include "gb-fuzz.h"
#include "gb-model-file.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  GbModel *m = NULL;
  GbError err = {0};
  if (gb_model_load_from_memory(data, size, "fuzz.safetensors", &m, &err) != GB_OK)
    return 0;
  void *saved = NULL;
  size_t len = 0;
  if (gb_model_save_to_memory(m, &saved, &len, &err) != GB_OK)
    abort();
  GbModel *again = NULL;
  if (gb_model_load_from_memory(saved, len, "saved", &again, &err) != GB_OK)
    abort(); /* we wrote a file we cannot read */
  void *saved2 = NULL;
  size_t len2 = 0;
  if (gb_model_save_to_memory(again, &saved2, &len2, &err) != GB_OK || len2 != len ||
      memcmp(saved, saved2, len) != 0)
    abort(); /* saving is not stable */
  gb_free(saved);
  gb_free(saved2);
  gb_model_free(again);
  gb_model_free(m);
  return 0;
}

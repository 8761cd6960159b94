/* SPDX-License-Identifier: GPL-3.0-or-later */
/* BCI Competition III MATLAB files through libmatio. */
#include "config.h"

#include "gb-eeg-mat.h"
#include "gb-fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *path = gb_fuzz_write_file(data, size, ".mat");
  if (path == NULL)
    return 0;
  GbEegMatInfo info = {0};
  GbError err = {0};
  GbEegSet *set = gb_eeg_mat_read(path, NULL, &info, &err);
  gb_eeg_set_free(set);
  gb_eeg_mat_info_clear(&info);
  return 0;
}

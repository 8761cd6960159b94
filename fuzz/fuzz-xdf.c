/* SPDX-License-Identifier: GPL-3.0-or-later */
/* EDF, BDF and GDF recordings through libxdffileio (which tells them apart by content). */
#include "config.h"

#include "gb-eeg-xdf.h"
#include "gb-fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *path = gb_fuzz_write_file(data, size, ".edf");
  if (path == NULL)
    return 0;
  GbEegXdfInfo info;
  GbError err = {0};
  gb_eeg_set_free(gb_eeg_xdf_read(path, NULL, &info, &err));
  return 0;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* IDX files as they are on disk (raw, or gzip when the input starts with the gzip magic), read
 * as images and as labels. */
#include "config.h"

#include "gb-fuzz.h"
#include "gb-idx.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *path = gb_fuzz_write_file(data, size, ".idx");
  if (path == NULL)
    return 0;
  for (int ndim = 1; ndim <= 3; ndim += 2) {
    GbIdxArray a = {0};
    GbError err = {0};
    if (gb_idx_read(path, ndim, &a, &err) == GB_OK)
      gb_idx_array_clear(&a);
  }
  return 0;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* IDX files behind gzip: the input is compressed here, so the fuzzer mutates the IDX content
 * rather than the deflate stream; the last input byte cuts the compressed stream short (0: not
 * at all, k: drop k * len / 256 bytes from the end) to reach the truncated-stream paths. */
#include "config.h"

#include <stdlib.h>
#include <zlib.h>

#include "gb-fuzz.h"
#include "gb-idx.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size < 1)
    return 0;
  size_t n = size - 1;
  z_stream z = {0};
  if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    return 0;
  uLong cap = deflateBound(&z, (uLong)n);
  unsigned char *gz = malloc(cap);
  z.next_in = (Bytef *)data;
  z.avail_in = (uInt)n;
  z.next_out = gz;
  z.avail_out = (uInt)cap;
  int rc = deflate(&z, Z_FINISH);
  size_t len = z.total_out;
  deflateEnd(&z);
  if (rc != Z_STREAM_END) {
    free(gz);
    return 0;
  }
  len -= (size_t)data[size - 1] * len / 256;
  const char *path = gb_fuzz_write_file(gz, len, ".idx.gz");
  free(gz);
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

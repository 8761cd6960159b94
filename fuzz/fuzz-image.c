/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Images through gdk-pixbuf and the MNIST-style preprocessing. */
#include "config.h"

#include "gb-fuzz.h"
#include "gb-image-import.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *path = gb_fuzz_write_file(data, size, "");
  if (path == NULL)
    return 0;
  float digit[28 * 28];
  GbDigitPreprocessInfo info;
  GbError err = {0};
  (void)gb_image_import_digit(path, digit, &info, &err);
  return 0;
}

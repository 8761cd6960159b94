/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Architecture specs ("input(1,28,28), conv2d(8,5), relu, ..."), which the CLI and model files
 * carry as text: whatever parses must format to a spec that parses to the same text. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "gb-alloc.h"
#include "gb-fuzz.h"
#include "gb-model.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size > 4096)
    return 0;
  char *text = malloc(size + 1);
  memcpy(text, data, size);
  text[size] = '\0';
  GbArch arch = {0}, again = {0};
  GbError err = {0};
  if (gb_arch_parse(text, &arch, &err) == GB_OK) {
    char *f1 = gb_arch_format(&arch);
    if (f1 == NULL || gb_arch_parse(f1, &again, &err) != GB_OK)
      abort();
    char *f2 = gb_arch_format(&again);
    if (f2 == NULL || strcmp(f1, f2) != 0)
      abort();
    gb_free(f1);
    gb_free(f2);
    gb_arch_clear(&again);
    gb_arch_clear(&arch);
  }
  free(text);
  return 0;
}

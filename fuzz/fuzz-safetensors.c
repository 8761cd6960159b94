/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Generic safetensors files: open, check without a schema, read every tensor. */
#include "config.h"

#include "gb-alloc.h"
#include "gb-fuzz.h"
#include "gb-safetensors.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  GbSafetensors *st = NULL;
  GbError err = {0};
  if (gb_safetensors_open_memory(data, size, "fuzz.safetensors", &st, &err) != GB_OK)
    return 0;
  for (size_t i = 0; i < gb_safetensors_n_meta(st); i++) {
    const char *k, *v;
    gb_safetensors_meta_at(st, i, &k, &v);
    (void)gb_safetensors_get_meta(st, k);
  }
  if (gb_safetensors_check(st, NULL, &err) == GB_OK) {
    for (size_t i = 0; i < gb_safetensors_n_tensors(st); i++) {
      GbSafetensorsInfo info;
      gb_safetensors_tensor_at(st, i, &info);
      void *buf = NULL;
      if (gb_safetensors_read_new(st, info.name, info.dtype, info.ndim, GB_SAFETENSORS_FINITE,
                                  &buf, NULL, &err) == GB_OK)
        gb_free(buf);
    }
  }
  gb_safetensors_free(st);
  return 0;
}

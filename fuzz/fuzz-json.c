/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The JSON reader: what parses must write back to text that parses to the same text again. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "gb-alloc.h"
#include "gb-fuzz.h"
#include "gb-json.h"

static char *
write_back(const GbJson *v, size_t *len)
{
  GbJsonWriter w;
  gb_json_writer_init(&w);
  gb_json_writer_value(&w, v);
  char *text = NULL;
  GbError err = {0};
  if (gb_json_writer_finish(&w, &text, len, &err) != GB_OK)
    abort();
  return text;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  GbJson *v = NULL;
  GbError err = {0};
  if (gb_json_parse((const char *)data, size, NULL, &v, &err) != GB_OK)
    return 0;
  size_t len1, len2;
  char *t1 = write_back(v, &len1);
  GbJson *v2 = NULL;
  if (gb_json_parse(t1, len1, NULL, &v2, &err) != GB_OK)
    abort(); /* the writer produced something the reader refuses */
  char *t2 = write_back(v2, &len2);
  if (len1 != len2 || memcmp(t1, t2, len1) != 0)
    abort();
  gb_free(t1);
  gb_free(t2);
  gb_json_free(v2);
  gb_json_free(v);
  return 0;
}

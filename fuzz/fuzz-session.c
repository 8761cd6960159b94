/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Session files: whatever loads must save to text that loads to the same text again. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "gb-fuzz.h"
#include "gb-session.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  GbSession s;
  if (!gb_session_from_data((const char *)data, size, "fuzz.json", &s, NULL))
    return 0;
  gsize len1, len2;
  char *t1 = gb_session_to_data(&s, &len1, NULL);
  if (t1 == NULL)
    abort(); /* a session that loaded must save */
  GbSession again;
  if (!gb_session_from_data(t1, len1, "saved", &again, NULL))
    abort();
  char *t2 = gb_session_to_data(&again, &len2, NULL);
  if (t2 == NULL || len1 != len2 || memcmp(t1, t2, len1) != 0)
    abort();
  g_free(t1);
  g_free(t2);
  gb_session_clear(&again);
  gb_session_clear(&s);
  return 0;
}

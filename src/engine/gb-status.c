/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-status.h"

#include <stdio.h>
#include <string.h>

GbStatus
gb_error_set(GbError *err, GbStatus code, const char *fmt, ...)
{
  if (err == NULL)
    return code;
  err->code = code;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->message, sizeof err->message, fmt, ap);
  va_end(ap);
  return code;
}

void
gb_error_prefix(GbError *err, const char *fmt, ...)
{
  if (err == NULL)
    return;
  char prefix[GB_ERROR_MESSAGE_MAX];
  char old[GB_ERROR_MESSAGE_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(prefix, sizeof prefix, fmt, ap);
  va_end(ap);
  memcpy(old, err->message, sizeof old);
  snprintf(err->message, sizeof err->message, "%s: %s", prefix, old);
}

void
gb_error_clear(GbError *err)
{
  if (err == NULL)
    return;
  err->code = GB_OK;
  err->message[0] = '\0';
}

const char *
gb_status_to_string(GbStatus status)
{
  switch (status) {
  case GB_OK: return "ok";
  case GB_ERR_NOMEM: return "out of memory";
  case GB_ERR_INVALID: return "invalid argument";
  case GB_ERR_SHAPE: return "shape mismatch";
  case GB_ERR_IO: return "input/output error";
  case GB_ERR_FORMAT: return "malformed data";
  case GB_ERR_CANCELLED: return "cancelled";
  case GB_ERR_NUMERIC: return "non-finite numbers";
  case GB_ERR_UNSUPPORTED: return "unsupported";
  }
  return "unknown status";
}

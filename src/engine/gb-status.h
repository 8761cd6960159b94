/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stdarg.h>

/* Every engine function that can fail returns a GbStatus and, when given a GbError, fills a
 * message that says what was wrong and where. The engine never prints and never exits. */
typedef enum {
  GB_OK = 0,
  GB_ERR_NOMEM,       /* an allocation failed */
  GB_ERR_INVALID,     /* a bad argument or option value */
  GB_ERR_SHAPE,       /* shapes that do not fit together */
  GB_ERR_IO,          /* reading or writing a file failed */
  GB_ERR_FORMAT,      /* a file or a string is malformed */
  GB_ERR_CANCELLED,   /* a progress callback asked to stop */
  GB_ERR_NUMERIC,     /* NaN or infinity where finite numbers are required */
  GB_ERR_UNSUPPORTED, /* valid, but not something the engine can do */
} GbStatus;

#define GB_ERROR_MESSAGE_MAX 512

typedef struct {
  GbStatus code;
  char message[GB_ERROR_MESSAGE_MAX];
} GbError;

/* Sets @err (which may be NULL) and returns @code, so callers can write
 * `return gb_error_set (err, GB_ERR_SHAPE, "...")`. */
GbStatus gb_error_set(GbError *err, GbStatus code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Puts "context: " in front of the message already in @err. */
void gb_error_prefix(GbError *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void gb_error_clear(GbError *err);
const char *gb_status_to_string(GbStatus status);

/* Long loops report progress through this callback; returning false asks them to stop, and they
 * then return GB_ERR_CANCELLED leaving their objects valid. @stage is a short English label. */
typedef _Bool (*GbProgressFn)(void *user, double fraction, const char *stage);

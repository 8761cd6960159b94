/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gb-status.h"

/* A small, strict JSON (RFC 8259) reader and writer for model file headers.
 *
 * The reader builds a DOM. It accepts exactly RFC 8259: UTF-8 text (validated, no BOM), one
 * value surrounded by optional whitespace, no trailing commas, no comments, no leading zeros,
 * no lone surrogates, no control characters inside strings. It also rejects duplicate keys in
 * an object, containers nested deeper than a limit and documents with too many values, so a
 * hostile header cannot exhaust the stack or the memory. Errors say what and at which byte. */

typedef enum {
  GB_JSON_NULL,
  GB_JSON_BOOL,
  GB_JSON_NUMBER,
  GB_JSON_STRING,
  GB_JSON_ARRAY,
  GB_JSON_OBJECT,
} GbJsonType;

typedef struct GbJson GbJson;
typedef struct GbJsonMember GbJsonMember;

struct GbJson {
  GbJsonType type;
  size_t offset; /* byte offset of the value's first character in the parsed text */
  union {
    bool boolean;
    struct {
      double value;    /* nearest double (integers beyond 2^53 lose precision here) */
      bool is_integer; /* written without fraction or exponent, and fits in int64_t */
      int64_t integer; /* the exact value when is_integer */
    } number;
    struct {
      char *data; /* NUL-terminated; may also contain NUL bytes written as \u0000 */
      size_t len;
    } string;
    struct {
      GbJson *items;
      size_t n;
    } array;
    struct {
      GbJsonMember *members; /* in document order */
      size_t n;
    } object;
  } u;
};

struct GbJsonMember {
  char *key; /* NUL-terminated, may contain NUL bytes like strings */
  size_t key_len;
  size_t key_offset;
  GbJson value;
};

#define GB_JSON_DEFAULT_MAX_DEPTH  64
#define GB_JSON_DEFAULT_MAX_VALUES (1u << 20)

/* Zero fields take the defaults. */
typedef struct {
  int max_depth;     /* containers nested deeper than this are rejected */
  size_t max_values; /* documents with more values than this (keys excluded) are rejected */
} GbJsonLimits;

/* Parses @len bytes of @text (which need not be NUL-terminated). On GB_ERR_FORMAT the message
 * reads "invalid JSON at byte N: what was expected". */
GbStatus gb_json_parse(const char *text, size_t len, const GbJsonLimits *limits, GbJson **out,
                       GbError *err);
void gb_json_free(GbJson *value);

/* The member called @key of an object (compared byte for byte), or NULL. */
const GbJson *gb_json_object_get(const GbJson *object, const char *key);
/* True when @value is a number written as an integer in [0, @max]: "12" but not "12.0",
 * "1e3", "-3" or "-0". */
bool gb_json_get_uint(const GbJson *value, uint64_t max, uint64_t *out);
/* "null", "boolean", "number", "string", "array", "object". */
const char *gb_json_type_name(GbJsonType type);

/* True when @s[0..len) is well-formed UTF-8 (no overlong forms, surrogates or code points
 * beyond U+10FFFF). */
bool gb_json_utf8_valid(const char *s, size_t len);
/* Copies a short, printable excerpt of @s into @buf for error messages: clipped on a character
 * boundary with "..." when long, control characters and NULs shown as '?'. Returns @buf. */
const char *gb_json_excerpt(const char *s, size_t len, char *buf, size_t size);

/* A streaming writer into a growing buffer. It inserts commas and colons itself, escapes strings
 * and remembers the first failure (out of memory, invalid UTF-8, a non-finite number, a call
 * out of place), which gb_json_writer_finish() reports. Output is compact, without spaces. */
typedef struct {
  char *buf;
  size_t len, cap;
  int depth;
  uint64_t has_items; /* bit d: the container at depth d already holds something */
  uint64_t is_object; /* bit d: the container at depth d is an object */
  bool want_value;    /* a key was written and its value is due */
  GbError error;
} GbJsonWriter;

void gb_json_writer_init(GbJsonWriter *w);
void gb_json_writer_begin_object(GbJsonWriter *w);
void gb_json_writer_end_object(GbJsonWriter *w);
void gb_json_writer_begin_array(GbJsonWriter *w);
void gb_json_writer_end_array(GbJsonWriter *w);
/* In an object, each value is preceded by its key. */
void gb_json_writer_key(GbJsonWriter *w, const char *key);
void gb_json_writer_string(GbJsonWriter *w, const char *s);
void gb_json_writer_string_len(GbJsonWriter *w, const char *s, size_t len);
void gb_json_writer_uint(GbJsonWriter *w, uint64_t v);
void gb_json_writer_int(GbJsonWriter *w, int64_t v);
/* Shortest text that reads back as the same double; NaN and infinities are an error. */
void gb_json_writer_double(GbJsonWriter *w, double v);
void gb_json_writer_bool(GbJsonWriter *w, bool v);
void gb_json_writer_null(GbJsonWriter *w);
/* Writes a parsed value back (numbers as integers when they were written so). */
void gb_json_writer_value(GbJsonWriter *w, const GbJson *value);
/* Appends raw bytes (e.g. padding spaces after the document). */
void gb_json_writer_raw(GbJsonWriter *w, const char *bytes, size_t len);
/* On success hands over the NUL-terminated text (free with gb_free()) and its length; on
 * failure frees it and returns the first error. The writer is reset either way. */
GbStatus gb_json_writer_finish(GbJsonWriter *w, char **text, size_t *len, GbError *err);
/* Frees the buffer of an abandoned writer. */
void gb_json_writer_clear(GbJsonWriter *w);

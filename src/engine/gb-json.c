/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-json.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb-alloc.h"

/* ---- Numbers in the C locale ---------------------------------------------------------------
 * A GTK application calls setlocale(LC_ALL, ""), after which strtod() and printf("%g") may
 * expect a decimal comma. JSON always uses a point, so numbers go through a "C" locale object. */

static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;
static locale_t c_locale_object;

static void
c_locale_init(void)
{
  c_locale_object = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

static locale_t
c_locale(void)
{
  pthread_once(&c_locale_once, c_locale_init);
  return c_locale_object;
}

/* ---- UTF-8 --------------------------------------------------------------------------------- */

/* Length of the well-formed UTF-8 sequence at @s (at most @n bytes available), or 0. */
static size_t
utf8_sequence_len(const unsigned char *s, size_t n)
{
  unsigned char c = s[0];
  size_t len;
  unsigned char lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
  if (c < 0x80)
    return 1;
  if (c >= 0xC2 && c <= 0xDF)
    len = 2;
  else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0)
      lo = 0xA0; /* overlong */
    if (c == 0xED)
      hi = 0x9F; /* UTF-16 surrogates */
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0)
      lo = 0x90; /* overlong */
    if (c == 0xF4)
      hi = 0x8F; /* beyond U+10FFFF */
  } else
    return 0;
  if (n < len || s[1] < lo || s[1] > hi)
    return 0;
  for (size_t i = 2; i < len; i++)
    if (s[i] < 0x80 || s[i] > 0xBF)
      return 0;
  return len;
}

bool
gb_json_utf8_valid(const char *s, size_t len)
{
  const unsigned char *u = (const unsigned char *)s;
  for (size_t i = 0; i < len;) {
    size_t n = utf8_sequence_len(u + i, len - i);
    if (n == 0)
      return false;
    i += n;
  }
  return true;
}

static size_t
utf8_encode(uint32_t cp, char *out)
{
  if (cp < 0x80) {
    out[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (char)(0xC0 | (cp >> 6));
    out[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (char)(0xE0 | (cp >> 12));
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = (char)(0xF0 | (cp >> 18));
  out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  out[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

const char *
gb_json_excerpt(const char *s, size_t len, char *buf, size_t size)
{
  const unsigned char *u = (const unsigned char *)s;
  if (size < 4) {
    if (size > 0)
      buf[0] = '\0';
    return buf;
  }
  bool clip = len >= size; /* the excerpt is never longer than @s */
  size_t budget = clip ? size - 4 : size - 1, o = 0;
  for (size_t i = 0, n; i < len; i += n) {
    n = utf8_sequence_len(u + i, len - i);
    if (n == 0)
      n = 1; /* not UTF-8: shown as '?' below */
    if (o + n > budget)
      break;
    if (n == 1 && (u[i] < 0x20 || u[i] == 0x7F || u[i] >= 0x80))
      buf[o++] = '?';
    else {
      memcpy(buf + o, s + i, n);
      o += n;
    }
  }
  if (clip) {
    memcpy(buf + o, "...", 3);
    o += 3;
  }
  buf[o] = '\0';
  return buf;
}

/* ---- Parser -------------------------------------------------------------------------------- */

typedef struct {
  const unsigned char *text;
  size_t len;
  size_t pos;
  int max_depth;
  size_t max_values;
  size_t n_values;
  GbError *err;
} Parser;

static GbStatus parse_value(Parser *ps, int depth, GbJson *out);
static void value_clear(GbJson *v);

static GbStatus
fail_at(Parser *ps, size_t pos, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static GbStatus
fail_at(Parser *ps, size_t pos, const char *fmt, ...)
{
  char what[GB_ERROR_MESSAGE_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  return gb_error_set(ps->err, GB_ERR_FORMAT, "invalid JSON at byte %zu: %s", pos, what);
}

static GbStatus
fail_nomem(Parser *ps)
{
  return gb_error_set(ps->err, GB_ERR_NOMEM, "out of memory while reading JSON (byte %zu)",
                      ps->pos);
}

/* Describes the byte at the current position for "unexpected ..." messages. */
static const char *
describe_byte(Parser *ps, char *buf, size_t size)
{
  if (ps->pos >= ps->len)
    snprintf(buf, size, "end of input");
  else if (ps->text[ps->pos] > 0x20 && ps->text[ps->pos] < 0x7F)
    snprintf(buf, size, "'%c'", ps->text[ps->pos]);
  else
    snprintf(buf, size, "byte 0x%02X", ps->text[ps->pos]);
  return buf;
}

static GbStatus
fail_expected(Parser *ps, const char *expected)
{
  char got[32];
  describe_byte(ps, got, sizeof got);
  return fail_at(ps, ps->pos, "expected %s, found %s", expected, got);
}

static void
skip_whitespace(Parser *ps)
{
  while (ps->pos < ps->len) {
    unsigned char c = ps->text[ps->pos];
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
      break;
    ps->pos++;
  }
}

static bool
peek_is(Parser *ps, char c)
{
  return ps->pos < ps->len && ps->text[ps->pos] == (unsigned char)c;
}

static GbStatus
parse_literal(Parser *ps, const char *word, GbJson *out)
{
  size_t n = strlen(word);
  if (ps->len - ps->pos < n || memcmp(ps->text + ps->pos, word, n) != 0)
    return fail_expected(ps, "a value");
  ps->pos += n;
  if (word[0] == 'n')
    out->type = GB_JSON_NULL;
  else {
    out->type = GB_JSON_BOOL;
    out->u.boolean = word[0] == 't';
  }
  return GB_OK;
}

static size_t
skip_digits(Parser *ps)
{
  size_t start = ps->pos;
  while (ps->pos < ps->len && ps->text[ps->pos] >= '0' && ps->text[ps->pos] <= '9')
    ps->pos++;
  return ps->pos - start;
}

/* Exact value of the digits [start, end) when they fit in int64_t (with the sign). */
static bool
integer_value(const unsigned char *s, size_t start, size_t end, bool negative, int64_t *out)
{
  uint64_t mag = 0;
  const uint64_t limit = negative ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
  for (size_t i = start; i < end; i++) {
    unsigned d = s[i] - '0';
    if (mag > (limit - d) / 10)
      return false;
    mag = mag * 10 + d;
  }
  if (negative)
    *out = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
  else
    *out = (int64_t)mag;
  return true;
}

static GbStatus
number_to_double(Parser *ps, size_t start, double *out)
{
  size_t n = ps->pos - start;
  char small[64];
  char *buf = n < sizeof small ? small : gb_malloc(n + 1);
  if (buf == NULL)
    return fail_nomem(ps);
  memcpy(buf, ps->text + start, n);
  buf[n] = '\0';
  locale_t loc = c_locale();
  if (loc == (locale_t)0) {
    if (buf != small)
      gb_free(buf);
    return gb_error_set(ps->err, GB_ERR_NOMEM, "cannot create the C locale to read numbers");
  }
  *out = strtod_l(buf, NULL, loc);
  if (buf != small)
    gb_free(buf);
  if (!isfinite(*out))
    return fail_at(ps, start, "number out of range");
  return GB_OK;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static GbStatus
parse_number(Parser *ps, GbJson *out)
{
  size_t start = ps->pos;
  bool negative = peek_is(ps, '-');
  if (negative)
    ps->pos++;
  size_t int_start = ps->pos;
  size_t n_int = skip_digits(ps);
  if (n_int == 0)
    return fail_expected(ps, "a digit");
  if (n_int > 1 && ps->text[int_start] == '0')
    return fail_at(ps, int_start, "numbers must not have leading zeros");
  size_t int_end = ps->pos;
  bool plain = true;
  if (peek_is(ps, '.')) {
    ps->pos++;
    plain = false;
    if (skip_digits(ps) == 0)
      return fail_expected(ps, "a digit after '.'");
  }
  if (peek_is(ps, 'e') || peek_is(ps, 'E')) {
    ps->pos++;
    plain = false;
    if (peek_is(ps, '+') || peek_is(ps, '-'))
      ps->pos++;
    if (skip_digits(ps) == 0)
      return fail_expected(ps, "a digit in the exponent");
  }
  out->type = GB_JSON_NUMBER;
  out->u.number.is_integer =
      plain && integer_value(ps->text, int_start, int_end, negative, &out->u.number.integer);
  return number_to_double(ps, start, &out->u.number.value);
}

static int
hex_digit(unsigned char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Reads the XXXX of a \uXXXX escape whose backslash is at @at. */
static GbStatus
read_hex4(Parser *ps, size_t at, size_t end, uint32_t *out)
{
  if (end - at < 6)
    return fail_at(ps, at, "incomplete \\u escape");
  uint32_t v = 0;
  for (size_t i = at + 2; i < at + 6; i++) {
    int d = hex_digit(ps->text[i]);
    if (d < 0)
      return fail_at(ps, at, "\\u must be followed by four hexadecimal digits");
    v = v * 16 + (uint32_t)d;
  }
  *out = v;
  return GB_OK;
}

/* Decodes the \u escape at *@at (a surrogate pair takes two), advancing *@at past it. */
static GbStatus
decode_unicode_escape(Parser *ps, size_t *at, size_t end, uint32_t *cp)
{
  size_t start = *at;
  GbStatus st = read_hex4(ps, start, end, cp);
  if (st != GB_OK)
    return st;
  *at = start + 6;
  if (*cp >= 0xDC00 && *cp <= 0xDFFF)
    return fail_at(ps, start, "lone low surrogate \\u%04X", (unsigned)*cp);
  if (*cp < 0xD800 || *cp > 0xDBFF)
    return GB_OK;
  uint32_t low = 0;
  if (end - *at < 2 || ps->text[*at] != '\\' || ps->text[*at + 1] != 'u')
    return fail_at(ps, start, "high surrogate \\u%04X is not followed by a low surrogate",
                   (unsigned)*cp);
  st = read_hex4(ps, *at, end, &low);
  if (st != GB_OK)
    return st;
  if (low < 0xDC00 || low > 0xDFFF)
    return fail_at(ps, start, "high surrogate \\u%04X is followed by \\u%04X, not a low surrogate",
                   (unsigned)*cp, (unsigned)low);
  *cp = 0x10000 + ((*cp - 0xD800) << 10) + (low - 0xDC00);
  *at += 6;
  return GB_OK;
}

/* Decodes the escape whose backslash is at *@at into @out, advancing both. */
static GbStatus
decode_escape(Parser *ps, size_t *at, size_t end, char *out, size_t *o)
{
  unsigned char c = ps->text[*at + 1];
  static const char from[] = "\"\\/bfnrt";
  static const char to[] = "\"\\/\b\f\n\r\t";
  const char *hit = c != '\0' ? strchr(from, c) : NULL;
  if (hit != NULL) {
    out[(*o)++] = to[hit - from];
    *at += 2;
    return GB_OK;
  }
  if (c != 'u')
    return fail_at(ps, *at, "invalid escape '\\%c'", c > 0x20 && c < 0x7F ? c : '?');
  uint32_t cp = 0;
  GbStatus st = decode_unicode_escape(ps, at, end, &cp);
  if (st == GB_OK)
    *o += utf8_encode(cp, out + *o);
  return st;
}

/* Finds the closing quote of the string whose opening quote is at ps->pos. */
static GbStatus
find_string_end(Parser *ps, size_t *end)
{
  size_t i = ps->pos + 1;
  while (i < ps->len && ps->text[i] != '"')
    i += ps->text[i] == '\\' ? 2 : 1;
  if (i >= ps->len)
    return fail_at(ps, ps->pos, "unterminated string");
  *end = i;
  return GB_OK;
}

/* Decoding never makes a string longer: an escape of n bytes yields fewer than n bytes. */
static GbStatus
decode_string(Parser *ps, size_t end, char *out, size_t *out_len)
{
  size_t i = ps->pos + 1, o = 0;
  while (i < end) {
    unsigned char c = ps->text[i];
    GbStatus st = GB_OK;
    if (c < 0x20)
      return fail_at(ps, i, "control character 0x%02X in a string (it must be escaped)", c);
    if (c == '\\')
      st = decode_escape(ps, &i, end, out, &o);
    else {
      size_t n = utf8_sequence_len(ps->text + i, end - i);
      if (n == 0)
        return fail_at(ps, i, "invalid UTF-8 in a string");
      memcpy(out + o, ps->text + i, n);
      o += n;
      i += n;
    }
    if (st != GB_OK)
      return st;
  }
  out[o] = '\0';
  *out_len = o;
  return GB_OK;
}

static GbStatus
parse_string(Parser *ps, char **data, size_t *len)
{
  if (!peek_is(ps, '"'))
    return fail_expected(ps, "'\"'");
  size_t end = 0;
  GbStatus st = find_string_end(ps, &end);
  if (st != GB_OK)
    return st;
  char *buf = gb_malloc(end - ps->pos);
  if (buf == NULL)
    return fail_nomem(ps);
  st = decode_string(ps, end, buf, len);
  if (st != GB_OK) {
    gb_free(buf);
    return st;
  }
  *data = buf;
  ps->pos = end + 1;
  return GB_OK;
}

/* Makes room for one more element of @size bytes in *@items holding @n of @cap. */
static bool
grow(void **items, size_t n, size_t *cap, size_t size)
{
  if (n < *cap)
    return true;
  size_t new_cap = *cap ? *cap * 2 : 4;
  void *p = gb_realloc(*items, new_cap * size);
  if (p == NULL)
    return false;
  *items = p;
  *cap = new_cap;
  return true;
}

static GbStatus
parse_array_items(Parser *ps, int depth, GbJson *out)
{
  size_t cap = 0;
  void *items = NULL;
  for (;;) {
    skip_whitespace(ps);
    if (!grow(&items, out->u.array.n, &cap, sizeof(GbJson))) {
      out->u.array.items = items;
      return fail_nomem(ps);
    }
    out->u.array.items = items;
    GbStatus st = parse_value(ps, depth, &out->u.array.items[out->u.array.n]);
    if (st != GB_OK)
      return st;
    out->u.array.n++;
    skip_whitespace(ps);
    if (peek_is(ps, ']'))
      break;
    if (!peek_is(ps, ','))
      return fail_expected(ps, "',' or ']' in an array");
    ps->pos++;
  }
  ps->pos++;
  return GB_OK;
}

static GbStatus
parse_array(Parser *ps, int depth, GbJson *out)
{
  out->type = GB_JSON_ARRAY;
  out->u.array.items = NULL;
  out->u.array.n = 0;
  ps->pos++; /* '[' */
  skip_whitespace(ps);
  if (peek_is(ps, ']')) {
    ps->pos++;
    return GB_OK;
  }
  GbStatus st = parse_array_items(ps, depth, out);
  if (st != GB_OK)
    value_clear(out);
  return st;
}

static int
compare_members(const void *a, const void *b)
{
  const GbJsonMember *x = *(const GbJsonMember *const *)a;
  const GbJsonMember *y = *(const GbJsonMember *const *)b;
  size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
  int c = memcmp(x->key, y->key, n);
  if (c != 0)
    return c;
  if (x->key_len != y->key_len)
    return x->key_len < y->key_len ? -1 : 1;
  return x->key_offset < y->key_offset ? -1 : x->key_offset > y->key_offset;
}

static bool
same_key(const GbJsonMember *a, const GbJsonMember *b)
{
  return a->key_len == b->key_len && memcmp(a->key, b->key, a->key_len) == 0;
}

static GbStatus
fail_duplicate(Parser *ps, const GbJsonMember *dup)
{
  char key[80];
  return fail_at(ps, dup->key_offset, "duplicate key \"%s\"",
                 gb_json_excerpt(dup->key, dup->key_len, key, sizeof key));
}

/* Duplicate keys make a document ambiguous, so they are an error. Sorting keeps a hostile
 * object with a million keys from taking quadratic time. */
static GbStatus
check_duplicate_keys(Parser *ps, const GbJson *obj)
{
  size_t n = obj->u.object.n;
  const GbJsonMember *m = obj->u.object.members;
  if (n <= 16) {
    for (size_t i = 1; i < n; i++)
      for (size_t j = 0; j < i; j++)
        if (same_key(&m[i], &m[j]))
          return fail_duplicate(ps, &m[i]);
    return GB_OK;
  }
  const GbJsonMember **sorted = gb_malloc(n * sizeof *sorted);
  if (sorted == NULL)
    return fail_nomem(ps);
  for (size_t i = 0; i < n; i++)
    sorted[i] = &m[i];
  qsort(sorted, n, sizeof *sorted, compare_members);
  GbStatus st = GB_OK;
  for (size_t i = 1; i < n && st == GB_OK; i++)
    if (same_key(sorted[i - 1], sorted[i]))
      st = fail_duplicate(ps, sorted[i]);
  gb_free(sorted);
  return st;
}

static GbStatus
parse_member(Parser *ps, int depth, GbJsonMember *m)
{
  m->key_offset = ps->pos;
  GbStatus st = parse_string(ps, &m->key, &m->key_len);
  if (st != GB_OK)
    return st;
  skip_whitespace(ps);
  if (!peek_is(ps, ':'))
    st = fail_expected(ps, "':' after an object key");
  if (st == GB_OK) {
    ps->pos++;
    skip_whitespace(ps);
    st = parse_value(ps, depth, &m->value);
  }
  if (st != GB_OK)
    gb_free(m->key);
  return st;
}

static GbStatus
parse_object_members(Parser *ps, int depth, GbJson *out)
{
  size_t cap = 0;
  void *members = NULL;
  for (;;) {
    skip_whitespace(ps);
    if (!grow(&members, out->u.object.n, &cap, sizeof(GbJsonMember))) {
      out->u.object.members = members;
      return fail_nomem(ps);
    }
    out->u.object.members = members;
    GbStatus st = parse_member(ps, depth, &out->u.object.members[out->u.object.n]);
    if (st != GB_OK)
      return st;
    out->u.object.n++;
    skip_whitespace(ps);
    if (peek_is(ps, '}'))
      break;
    if (!peek_is(ps, ','))
      return fail_expected(ps, "',' or '}' in an object");
    ps->pos++;
  }
  ps->pos++;
  return check_duplicate_keys(ps, out);
}

static GbStatus
parse_object(Parser *ps, int depth, GbJson *out)
{
  out->type = GB_JSON_OBJECT;
  out->u.object.members = NULL;
  out->u.object.n = 0;
  ps->pos++; /* '{' */
  skip_whitespace(ps);
  if (peek_is(ps, '}')) {
    ps->pos++;
    return GB_OK;
  }
  GbStatus st = parse_object_members(ps, depth, out);
  if (st != GB_OK)
    value_clear(out);
  return st;
}

/* On failure @out holds nothing that needs freeing. */
static GbStatus
parse_value(Parser *ps, int depth, GbJson *out)
{
  memset(out, 0, sizeof *out);
  out->type = GB_JSON_NULL;
  out->offset = ps->pos;
  if (++ps->n_values > ps->max_values)
    return fail_at(ps, ps->pos, "more than %zu values", ps->max_values);
  if (ps->pos >= ps->len)
    return fail_expected(ps, "a value");
  unsigned char c = ps->text[ps->pos];
  if ((c == '[' || c == '{') && depth >= ps->max_depth)
    return fail_at(ps, ps->pos, "nested deeper than %d levels", ps->max_depth);
  switch (c) {
  case '[': return parse_array(ps, depth + 1, out);
  case '{': return parse_object(ps, depth + 1, out);
  case '"': {
    GbStatus st = parse_string(ps, &out->u.string.data, &out->u.string.len);
    if (st == GB_OK)
      out->type = GB_JSON_STRING;
    return st;
  }
  case 't': return parse_literal(ps, "true", out);
  case 'f': return parse_literal(ps, "false", out);
  case 'n': return parse_literal(ps, "null", out);
  default:
    if (c == '-' || (c >= '0' && c <= '9'))
      return parse_number(ps, out);
    return fail_expected(ps, "a value");
  }
}

GbStatus
gb_json_parse(const char *text, size_t len, const GbJsonLimits *limits, GbJson **out,
              GbError *err)
{
  *out = NULL;
  Parser ps = {
      .text = (const unsigned char *)text,
      .len = len,
      .max_depth = limits && limits->max_depth > 0 ? limits->max_depth : GB_JSON_DEFAULT_MAX_DEPTH,
      .max_values =
          limits && limits->max_values > 0 ? limits->max_values : GB_JSON_DEFAULT_MAX_VALUES,
      .err = err,
  };
  GbJson *root = gb_malloc(sizeof *root);
  if (root == NULL)
    return fail_nomem(&ps);
  skip_whitespace(&ps);
  GbStatus st = parse_value(&ps, 0, root);
  if (st == GB_OK) {
    skip_whitespace(&ps);
    if (ps.pos < ps.len) {
      st = fail_at(&ps, ps.pos, "unexpected data after the end of the document");
      value_clear(root);
    }
  }
  if (st != GB_OK) {
    gb_free(root);
    return st;
  }
  *out = root;
  return GB_OK;
}

/* Frees what @v owns; containers nest at most max_depth deep, so recursion is bounded. */
static void
value_clear(GbJson *v)
{
  switch (v->type) {
  case GB_JSON_STRING: gb_free(v->u.string.data); break;
  case GB_JSON_ARRAY:
    for (size_t i = 0; i < v->u.array.n; i++)
      value_clear(&v->u.array.items[i]);
    gb_free(v->u.array.items);
    break;
  case GB_JSON_OBJECT:
    for (size_t i = 0; i < v->u.object.n; i++) {
      gb_free(v->u.object.members[i].key);
      value_clear(&v->u.object.members[i].value);
    }
    gb_free(v->u.object.members);
    break;
  default: break;
  }
  v->type = GB_JSON_NULL;
}

void
gb_json_free(GbJson *value)
{
  if (value == NULL)
    return;
  value_clear(value);
  gb_free(value);
}

/* ---- Queries ------------------------------------------------------------------------------- */

const GbJson *
gb_json_object_get(const GbJson *object, const char *key)
{
  if (object == NULL || object->type != GB_JSON_OBJECT)
    return NULL;
  size_t n = strlen(key);
  for (size_t i = 0; i < object->u.object.n; i++) {
    const GbJsonMember *m = &object->u.object.members[i];
    if (m->key_len == n && memcmp(m->key, key, n) == 0)
      return &m->value;
  }
  return NULL;
}

bool
gb_json_get_uint(const GbJson *value, uint64_t max, uint64_t *out)
{
  if (value == NULL || value->type != GB_JSON_NUMBER || !value->u.number.is_integer)
    return false;
  int64_t v = value->u.number.integer;
  if (v < 0 || (uint64_t)v > max || signbit(value->u.number.value))
    return false;
  *out = (uint64_t)v;
  return true;
}

const char *
gb_json_type_name(GbJsonType type)
{
  switch (type) {
  case GB_JSON_NULL: return "null";
  case GB_JSON_BOOL: return "boolean";
  case GB_JSON_NUMBER: return "number";
  case GB_JSON_STRING: return "string";
  case GB_JSON_ARRAY: return "array";
  case GB_JSON_OBJECT: return "object";
  }
  return "unknown";
}

/* ---- Writer -------------------------------------------------------------------------------- */

#define WRITER_MAX_DEPTH 63

static bool
writer_fail(GbJsonWriter *w, GbStatus code, const char *what)
{
  if (w->error.code == GB_OK)
    gb_error_set(&w->error, code, "cannot write JSON: %s", what);
  return false;
}

static bool
writer_reserve(GbJsonWriter *w, size_t extra)
{
  if (w->error.code != GB_OK)
    return false;
  if (extra >= SIZE_MAX / 2 - w->len)
    return writer_fail(w, GB_ERR_NOMEM, "the text is too large");
  size_t need = w->len + extra + 1;
  if (need <= w->cap)
    return true;
  size_t cap = w->cap ? w->cap : 256;
  while (cap < need)
    cap *= 2;
  char *p = gb_realloc(w->buf, cap);
  if (p == NULL)
    return writer_fail(w, GB_ERR_NOMEM, "out of memory");
  w->buf = p;
  w->cap = cap;
  return true;
}

static void
writer_put(GbJsonWriter *w, const char *s, size_t n)
{
  if (!writer_reserve(w, n))
    return;
  memcpy(w->buf + w->len, s, n);
  w->len += n;
  w->buf[w->len] = '\0';
}

static bool
bit(uint64_t set, int d)
{
  return (set >> d) & 1u;
}

/* Puts the comma a value needs, and checks that a value may come here. */
static bool
writer_before_value(GbJsonWriter *w)
{
  if (w->error.code != GB_OK)
    return false;
  int d = w->depth;
  if (d == 0 && bit(w->has_items, 0))
    return writer_fail(w, GB_ERR_INVALID, "a second value after the document");
  if (bit(w->is_object, d) && !w->want_value)
    return writer_fail(w, GB_ERR_INVALID, "a value in an object without a key");
  if (!w->want_value && bit(w->has_items, d))
    writer_put(w, ",", 1);
  w->want_value = false;
  w->has_items |= UINT64_C(1) << d;
  return w->error.code == GB_OK;
}

void
gb_json_writer_init(GbJsonWriter *w)
{
  memset(w, 0, sizeof *w);
}

void
gb_json_writer_clear(GbJsonWriter *w)
{
  gb_free(w->buf);
  gb_json_writer_init(w);
}

static void
writer_begin(GbJsonWriter *w, bool object)
{
  if (!writer_before_value(w))
    return;
  if (w->depth == WRITER_MAX_DEPTH) {
    writer_fail(w, GB_ERR_INVALID, "containers nested too deep");
    return;
  }
  int d = ++w->depth;
  w->has_items &= ~(UINT64_C(1) << d);
  if (object)
    w->is_object |= UINT64_C(1) << d;
  else
    w->is_object &= ~(UINT64_C(1) << d);
  writer_put(w, object ? "{" : "[", 1);
}

static void
writer_end(GbJsonWriter *w, bool object)
{
  if (w->error.code != GB_OK)
    return;
  if (w->depth == 0 || bit(w->is_object, w->depth) != object || w->want_value) {
    writer_fail(w, GB_ERR_INVALID, object ? "an unmatched end of object"
                                          : "an unmatched end of array");
    return;
  }
  w->depth--;
  writer_put(w, object ? "}" : "]", 1);
}

void
gb_json_writer_begin_object(GbJsonWriter *w)
{
  writer_begin(w, true);
}

void
gb_json_writer_end_object(GbJsonWriter *w)
{
  writer_end(w, true);
}

void
gb_json_writer_begin_array(GbJsonWriter *w)
{
  writer_begin(w, false);
}

void
gb_json_writer_end_array(GbJsonWriter *w)
{
  writer_end(w, false);
}

static void
writer_escaped(GbJsonWriter *w, const char *s, size_t len)
{
  if (!gb_json_utf8_valid(s, len)) {
    writer_fail(w, GB_ERR_INVALID, "a string that is not valid UTF-8");
    return;
  }
  writer_put(w, "\"", 1);
  size_t run = 0; /* bytes copied as they are, flushed before each escape */
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x20 && c != '"' && c != '\\')
      continue;
    writer_put(w, s + run, i - run);
    char esc[8];
    const char *short_form = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : c == '\n' ? "\\n"
                           : c == '\r' ? "\\r" : c == '\t' ? "\\t" : c == '\b' ? "\\b"
                           : c == '\f' ? "\\f" : NULL;
    if (short_form == NULL) {
      snprintf(esc, sizeof esc, "\\u%04x", c);
      short_form = esc;
    }
    writer_put(w, short_form, strlen(short_form));
    run = i + 1;
  }
  writer_put(w, s + run, len - run);
  writer_put(w, "\"", 1);
}

static void
writer_key_len(GbJsonWriter *w, const char *key, size_t len)
{
  if (w->error.code != GB_OK)
    return;
  if (!bit(w->is_object, w->depth) || w->want_value) {
    writer_fail(w, GB_ERR_INVALID, "a key outside an object or without a value");
    return;
  }
  if (bit(w->has_items, w->depth))
    writer_put(w, ",", 1);
  w->has_items |= UINT64_C(1) << w->depth;
  writer_escaped(w, key, len);
  writer_put(w, ":", 1);
  w->want_value = true;
}

void
gb_json_writer_key(GbJsonWriter *w, const char *key)
{
  writer_key_len(w, key, strlen(key));
}

void
gb_json_writer_string_len(GbJsonWriter *w, const char *s, size_t len)
{
  if (writer_before_value(w))
    writer_escaped(w, s, len);
}

void
gb_json_writer_string(GbJsonWriter *w, const char *s)
{
  gb_json_writer_string_len(w, s, strlen(s));
}

void
gb_json_writer_uint(GbJsonWriter *w, uint64_t v)
{
  char buf[32];
  int n = snprintf(buf, sizeof buf, "%llu", (unsigned long long)v);
  if (writer_before_value(w))
    writer_put(w, buf, (size_t)n);
}

void
gb_json_writer_int(GbJsonWriter *w, int64_t v)
{
  char buf[32];
  int n = snprintf(buf, sizeof buf, "%lld", (long long)v);
  if (writer_before_value(w))
    writer_put(w, buf, (size_t)n);
}

/* The shortest of %.15g, %.16g, %.17g that reads back as @v (%.17g always does). */
static bool
format_double(double v, char *buf, size_t size)
{
  locale_t loc = c_locale();
  if (loc == (locale_t)0)
    return false;
  if (v == 0.0 && signbit(v)) {
    /* "%g" gives "-0", which reads back as the integer 0: keep the sign and the fraction. */
    snprintf(buf, size, "-0.0");
    return true;
  }
  locale_t old = uselocale(loc);
  for (int prec = 15; prec <= 17; prec++) {
    snprintf(buf, size, "%.*g", prec, v);
    if (strtod_l(buf, NULL, loc) == v)
      break;
  }
  uselocale(old);
  return true;
}

void
gb_json_writer_double(GbJsonWriter *w, double v)
{
  char buf[40];
  if (!isfinite(v)) {
    writer_fail(w, GB_ERR_INVALID, "NaN or infinity, which JSON cannot represent");
    return;
  }
  if (!format_double(v, buf, sizeof buf)) {
    writer_fail(w, GB_ERR_NOMEM, "cannot create the C locale to write numbers");
    return;
  }
  if (writer_before_value(w))
    writer_put(w, buf, strlen(buf));
}

void
gb_json_writer_bool(GbJsonWriter *w, bool v)
{
  if (writer_before_value(w))
    writer_put(w, v ? "true" : "false", v ? 4 : 5);
}

void
gb_json_writer_null(GbJsonWriter *w)
{
  if (writer_before_value(w))
    writer_put(w, "null", 4);
}

void
gb_json_writer_value(GbJsonWriter *w, const GbJson *v)
{
  switch (v->type) {
  case GB_JSON_NULL: gb_json_writer_null(w); break;
  case GB_JSON_BOOL: gb_json_writer_bool(w, v->u.boolean); break;
  case GB_JSON_NUMBER:
    if (v->u.number.is_integer)
      gb_json_writer_int(w, v->u.number.integer);
    else
      gb_json_writer_double(w, v->u.number.value);
    break;
  case GB_JSON_STRING: gb_json_writer_string_len(w, v->u.string.data, v->u.string.len); break;
  case GB_JSON_ARRAY:
    gb_json_writer_begin_array(w);
    for (size_t i = 0; i < v->u.array.n; i++)
      gb_json_writer_value(w, &v->u.array.items[i]);
    gb_json_writer_end_array(w);
    break;
  case GB_JSON_OBJECT:
    gb_json_writer_begin_object(w);
    for (size_t i = 0; i < v->u.object.n; i++) {
      const GbJsonMember *m = &v->u.object.members[i];
      writer_key_len(w, m->key, m->key_len);
      gb_json_writer_value(w, &m->value);
    }
    gb_json_writer_end_object(w);
    break;
  }
}

void
gb_json_writer_raw(GbJsonWriter *w, const char *bytes, size_t len)
{
  writer_put(w, bytes, len);
}

GbStatus
gb_json_writer_finish(GbJsonWriter *w, char **text, size_t *len, GbError *err)
{
  *text = NULL;
  *len = 0;
  if (w->error.code == GB_OK && (w->depth != 0 || !bit(w->has_items, 0)))
    writer_fail(w, GB_ERR_INVALID, "the document is incomplete");
  if (w->error.code != GB_OK) {
    GbStatus code = gb_error_set(err, w->error.code, "%s", w->error.message);
    gb_json_writer_clear(w);
    return code;
  }
  *text = w->buf;
  *len = w->len;
  w->buf = NULL;
  gb_json_writer_init(w);
  return GB_OK;
}

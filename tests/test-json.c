/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib.h>
#include <locale.h>
#include <math.h>
#include <string.h>

#include "gb-alloc.h"
#include "gb-json.h"

static GbJson *
parse_ok(const char *text)
{
  GbJson *v = NULL;
  GbError err = {0};
  GbStatus st = gb_json_parse(text, strlen(text), NULL, &v, &err);
  if (st != GB_OK)
    g_error("'%s' should parse, got: %s", text, err.message);
  g_assert_nonnull(v);
  return v;
}

/* Parses @len bytes (NULs allowed) and checks the failure's code and message. */
static void
assert_fails_len(const char *text, size_t len, const GbJsonLimits *limits, const char *substring)
{
  GbJson *v = (GbJson *)0x1;
  GbError err = {0};
  GbStatus st = gb_json_parse(text, len, limits, &v, &err);
  g_assert_cmpint(st, ==, GB_ERR_FORMAT);
  g_assert_null(v);
  g_assert_true(g_str_has_prefix(err.message, "invalid JSON at byte "));
  if (strstr(err.message, substring) == NULL)
    g_error("parsing '%.*s': message '%s' lacks '%s'", (int)len, text, err.message, substring);
}

static void
assert_fails(const char *text, const char *substring)
{
  assert_fails_len(text, strlen(text), NULL, substring);
}

static void
assert_string(const char *json, const char *expected, size_t expected_len)
{
  GbJson *v = parse_ok(json);
  g_assert_cmpint(v->type, ==, GB_JSON_STRING);
  g_assert_cmpmem(v->u.string.data, v->u.string.len, expected, expected_len);
  g_assert_cmpint(v->u.string.data[v->u.string.len], ==, '\0');
  gb_json_free(v);
}

static void
test_structure(void)
{
  GbJson *v = parse_ok(" \t\r\n{\"b\": [1, true, false, null, \"x\", {}, []], \"a\": {}} \n");
  g_assert_cmpint(v->type, ==, GB_JSON_OBJECT);
  g_assert_cmpuint(v->u.object.n, ==, 2);
  /* Members stay in document order. */
  g_assert_cmpstr(v->u.object.members[0].key, ==, "b");
  g_assert_cmpstr(v->u.object.members[1].key, ==, "a");
  const GbJson *b = gb_json_object_get(v, "b");
  g_assert_nonnull(b);
  g_assert_cmpint(b->type, ==, GB_JSON_ARRAY);
  g_assert_cmpuint(b->u.array.n, ==, 7);
  g_assert_cmpuint(b->offset, ==, 10);
  g_assert_cmpint(b->u.array.items[1].type, ==, GB_JSON_BOOL);
  g_assert_true(b->u.array.items[1].u.boolean);
  g_assert_false(b->u.array.items[2].u.boolean);
  g_assert_cmpint(b->u.array.items[3].type, ==, GB_JSON_NULL);
  g_assert_cmpstr(b->u.array.items[4].u.string.data, ==, "x");
  g_assert_cmpint(b->u.array.items[5].type, ==, GB_JSON_OBJECT);
  g_assert_cmpint(b->u.array.items[6].type, ==, GB_JSON_ARRAY);
  g_assert_null(gb_json_object_get(v, "c"));
  g_assert_null(gb_json_object_get(b, "a")); /* not an object */
  g_assert_cmpstr(gb_json_type_name(GB_JSON_ARRAY), ==, "array");
  gb_json_free(v);
  gb_json_free(NULL);

  /* Scalars are documents too. */
  v = parse_ok("null");
  g_assert_cmpint(v->type, ==, GB_JSON_NULL);
  gb_json_free(v);
}

static void
test_strings(void)
{
  assert_string("\"\"", "", 0);
  assert_string("\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"", "a\"b\\c/d\b\f\n\r\t", 12);
  assert_string("\"\\u0041\\u00e9\\u20AC\"", "A\xC3\xA9\xE2\x82\xAC", 6);
  /* U+1F600 as a surrogate pair, and raw UTF-8 passes through. */
  assert_string("\"\\uD83D\\uDE00\"", "\xF0\x9F\x98\x80", 4);
  assert_string("\"\xC3\xA9\xF0\x9F\x98\x80\"", "\xC3\xA9\xF0\x9F\x98\x80", 6);
  assert_string("\"\\uDBFF\\uDFFF\"", "\xF4\x8F\xBF\xBF", 4); /* U+10FFFF */
  assert_string("\"a\\u0000b\"", "a\0b", 3);
  assert_string("\"\\u007f\"", "\x7F", 1);

  assert_fails("\"\\uD83D\"", "not followed by a low surrogate");
  assert_fails("\"\\uD83Dx\"", "not followed by a low surrogate");
  assert_fails("\"\\uD83D\\u0041\"", "not a low surrogate");
  assert_fails("\"\\uD83D\\uD83D\"", "not a low surrogate");
  assert_fails("\"\\uDE00\"", "lone low surrogate");
  assert_fails("\"\\x\"", "invalid escape '\\x'");
  assert_fails("\"\\u12G4\"", "four hexadecimal digits");
  assert_fails("\"\\u12\"", "incomplete \\u escape");
  assert_fails("\"a\nb\"", "control character 0x0A");
  assert_fails("\"a\tb\"", "control character 0x09");
  assert_fails("\"abc", "unterminated string");
  assert_fails("\"abc\\\"", "unterminated string");
  assert_fails("'abc'", "expected a value");

  /* Malformed UTF-8: truncated, overlong, encoded surrogate, beyond U+10FFFF, stray bytes. */
  const char *bad[] = {"\"\xC3\"", "\"\xC0\xAF\"", "\"\xE0\x80\xAF\"", "\"\xED\xA0\x80\"",
                       "\"\xF4\x90\x80\x80\"", "\"\xFF\"", "\"\x80\"", "\"\xF0\x9F\x98\""};
  for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
    assert_fails(bad[i], "invalid UTF-8");
  g_assert_true(gb_json_utf8_valid("\xC3\xA9\xF0\x9F\x98\x80 ok", 9));
  g_assert_false(gb_json_utf8_valid("\xC3", 1));
  g_assert_false(gb_json_utf8_valid("\xED\xBF\xBF", 3));
}

static void
assert_integer(const char *text, int64_t expected)
{
  GbJson *v = parse_ok(text);
  g_assert_cmpint(v->type, ==, GB_JSON_NUMBER);
  g_assert_true(v->u.number.is_integer);
  g_assert_cmpint(v->u.number.integer, ==, expected);
  gb_json_free(v);
}

static void
assert_number(const char *text, double expected)
{
  GbJson *v = parse_ok(text);
  g_assert_cmpint(v->type, ==, GB_JSON_NUMBER);
  g_assert_false(v->u.number.is_integer);
  g_assert_cmpfloat(v->u.number.value, ==, expected);
  gb_json_free(v);
}

static bool
get_uint(const char *text, uint64_t max, uint64_t *out)
{
  GbJson *v = parse_ok(text);
  bool ok = gb_json_get_uint(v, max, out);
  gb_json_free(v);
  return ok;
}

static void
test_numbers(void)
{
  const uint64_t two53 = UINT64_C(1) << 53;
  uint64_t u = 0;
  assert_integer("0", 0);
  assert_integer("-0", 0);
  assert_integer("123", 123);
  assert_integer("-45", -45);
  assert_integer("9007199254740993", INT64_C(9007199254740993)); /* exact beyond doubles */
  assert_integer("9223372036854775807", INT64_MAX);
  assert_integer("-9223372036854775808", INT64_MIN);
  assert_number("9223372036854775808", 9223372036854775808.0); /* beyond int64: a double */
  assert_number("1.5", 1.5);
  assert_number("-2.5e-3", -2.5e-3);
  assert_number("1E+2", 100.0);
  assert_number("12.0", 12.0);
  assert_number("1e-400", 0.0); /* underflow is not an error */

  g_assert_true(get_uint("9007199254740992", two53, &u));
  g_assert_cmpuint(u, ==, two53);
  g_assert_false(get_uint("9007199254740993", two53, &u));
  g_assert_false(get_uint("-3", two53, &u));
  g_assert_false(get_uint("-0", two53, &u));
  g_assert_false(get_uint("12.0", two53, &u));
  g_assert_false(get_uint("1e3", two53, &u));
  g_assert_false(get_uint("\"12\"", two53, &u));
  g_assert_true(get_uint("12", two53, &u));
  g_assert_cmpuint(u, ==, 12);

  assert_fails("01", "leading zeros");
  assert_fails("-01", "leading zeros");
  assert_fails("1.", "a digit after '.'");
  assert_fails("1.e5", "a digit after '.'");
  assert_fails(".5", "expected a value");
  assert_fails("-", "expected a digit");
  assert_fails("-a", "expected a digit");
  assert_fails("+1", "expected a value");
  assert_fails("1e", "a digit in the exponent");
  assert_fails("1e+", "a digit in the exponent");
  assert_fails("1e400", "number out of range");
  assert_fails("-1e400", "number out of range");
  assert_fails("0x10", "unexpected data after the end");
  assert_fails("NaN", "expected a value");
  assert_fails("Infinity", "expected a value");
  assert_fails("-Infinity", "expected a digit");
}

/* Numbers must not depend on the process locale, which GTK sets from the environment. */
static void
test_numbers_locale(void)
{
  const char *names[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "fr_FR.utf8"};
  const char *set = NULL;
  for (size_t i = 0; i < G_N_ELEMENTS(names) && set == NULL; i++)
    set = setlocale(LC_NUMERIC, names[i]);
  if (set == NULL) {
    g_test_skip("no locale with a decimal comma is installed");
    return;
  }
  assert_number("1.5", 1.5);
  GbJsonWriter w;
  gb_json_writer_init(&w);
  gb_json_writer_double(&w, 0.25);
  char *text;
  size_t len;
  GbError err;
  g_assert_cmpint(gb_json_writer_finish(&w, &text, &len, &err), ==, GB_OK);
  g_assert_cmpstr(text, ==, "0.25");
  gb_free(text);
  setlocale(LC_NUMERIC, "C");
}

static char *
nested(const char *open, const char *close, int depth)
{
  GString *s = g_string_new(NULL);
  for (int i = 0; i < depth; i++)
    g_string_append(s, open);
  g_string_append(s, "1");
  for (int i = 0; i < depth; i++)
    g_string_append(s, close);
  return g_string_free(s, FALSE);
}

static void
test_depth_limit(void)
{
  char *ok = nested("[", "]", GB_JSON_DEFAULT_MAX_DEPTH);
  gb_json_free(parse_ok(ok));
  g_free(ok);
  char *deep = nested("[", "]", GB_JSON_DEFAULT_MAX_DEPTH + 1);
  assert_fails(deep, "nested deeper than 64 levels");
  g_free(deep);
  char *obj = nested("{\"k\":", "}", GB_JSON_DEFAULT_MAX_DEPTH + 1);
  assert_fails(obj, "nested deeper than 64 levels");
  g_free(obj);

  /* A hostile document fails fast instead of exhausting the stack. */
  char *huge = nested("[", "]", 1000000);
  assert_fails(huge, "at byte 64: nested deeper");
  g_free(huge);

  GbJsonLimits limits = {.max_depth = 3};
  GbJson *v;
  GbError err;
  g_assert_cmpint(gb_json_parse("[[[]]]", 6, &limits, &v, &err), ==, GB_OK);
  gb_json_free(v);
  assert_fails_len("[[[[]]]]", 8, &limits, "nested deeper than 3 levels");
}

static void
test_value_limit(void)
{
  GbJsonLimits limits = {.max_values = 3};
  GbJson *v;
  GbError err;
  g_assert_cmpint(gb_json_parse("[1,2]", 5, &limits, &v, &err), ==, GB_OK);
  gb_json_free(v);
  assert_fails_len("[1,2,3]", 7, &limits, "more than 3 values");
  assert_fails_len("{\"a\":[1,2]}", 11, &limits, "more than 3 values");
}

static void
test_garbage_rejected(void)
{
  assert_fails("", "at byte 0: expected a value, found end of input");
  assert_fails("   ", "expected a value");
  assert_fails("{} x", "at byte 3: unexpected data after the end");
  assert_fails("[1,2]]", "unexpected data after the end");
  assert_fails("1 2", "unexpected data after the end");
  assert_fails_len("{}\0", 3, NULL, "unexpected data after the end");
  assert_fails("\xEF\xBB\xBF{}", "found byte 0xEF"); /* a byte order mark */
  assert_fails("[1,]", "expected a value, found ']'");
  assert_fails("[1 2]", "expected ',' or ']' in an array");
  assert_fails("[1, 2, x]", "at byte 7: expected a value, found 'x'");
  assert_fails("{\"a\":1,}", "expected '\"', found '}'");
  assert_fails("{\"a\" 1}", "expected ':' after an object key");
  assert_fails("{\"a\":1 \"b\":2}", "expected ',' or '}' in an object");
  assert_fails("{a:1}", "expected '\"', found 'a'");
  assert_fails("{\"a\":}", "expected a value");
  assert_fails("[", "expected a value, found end of input");
  assert_fails("{", "expected '\"', found end of input");
  assert_fails("{\"a\":1", "expected ',' or '}'");
  assert_fails("// comment\n{}", "expected a value, found '/'");
  assert_fails("tru", "expected a value");
  assert_fails("True", "expected a value");
  assert_fails("nulll", "unexpected data after the end");
  assert_fails("[\x01]", "found byte 0x01");
}

static void
test_duplicate_keys(void)
{
  assert_fails("{\"a\":1,\"a\":2}", "at byte 7: duplicate key \"a\"");
  assert_fails("{\"x\":{\"b\":1,\"c\":2,\"b\":3}}", "duplicate key \"b\"");
  /* The same key spelled with an escape is the same key. */
  assert_fails("{\"ab\":1,\"a\\u0062\":2}", "duplicate key \"ab\"");
  /* Keys that differ only after a NUL are different keys. */
  gb_json_free(parse_ok("{\"a\":1,\"a\\u0000\":2}"));

  /* Large objects take the sorting path. */
  GString *s = g_string_new("{");
  for (int i = 0; i < 200; i++)
    g_string_append_printf(s, "%s\"key%d\":%d", i ? "," : "", i, i);
  g_string_append(s, "}");
  GbJson *v = parse_ok(s->str);
  g_assert_cmpuint(v->u.object.n, ==, 200);
  g_assert_cmpint(gb_json_object_get(v, "key150")->u.number.integer, ==, 150);
  gb_json_free(v);
  g_string_truncate(s, s->len - 1);
  g_string_append(s, ",\"key17\":0}");
  assert_fails(s->str, "duplicate key \"key17\"");
  g_string_free(s, TRUE);
}

/* Every proper prefix of a document is incomplete and must fail cleanly. */
static void
test_every_prefix_fails(void)
{
  const char *doc = "{\"a\":[1,-2.5e3,true,null,\"\\u00e9\\uD83D\\uDE00x\"],\"b\":{}}";
  size_t n = strlen(doc);
  for (size_t len = 0; len < n; len++) {
    char *copy = g_memdup2(doc, len ? len : 1);
    GbJson *v;
    GbError err;
    g_assert_cmpint(gb_json_parse(copy, len, NULL, &v, &err), ==, GB_ERR_FORMAT);
    g_free(copy);
  }
  gb_json_free(parse_ok(doc));
}

static char *
finish_ok(GbJsonWriter *w)
{
  char *text;
  size_t len;
  GbError err = {0};
  GbStatus st = gb_json_writer_finish(w, &text, &len, &err);
  if (st != GB_OK)
    g_error("writer failed: %s", err.message);
  g_assert_cmpuint(strlen(text), ==, len);
  return text;
}

static void
test_writer(void)
{
  GbJsonWriter w;
  gb_json_writer_init(&w);
  gb_json_writer_begin_object(&w);
  gb_json_writer_key(&w, "q\"k\\");
  gb_json_writer_string(&w, "line\nbreak\ttab\x01\x1F/\xC3\xA9");
  gb_json_writer_key(&w, "nul");
  gb_json_writer_string_len(&w, "a\0b", 3);
  gb_json_writer_key(&w, "nums");
  gb_json_writer_begin_array(&w);
  gb_json_writer_uint(&w, UINT64_MAX);
  gb_json_writer_int(&w, -5);
  gb_json_writer_double(&w, 0.1);
  gb_json_writer_double(&w, 1e300);
  gb_json_writer_double(&w, -2.5);
  gb_json_writer_end_array(&w);
  gb_json_writer_key(&w, "empty");
  gb_json_writer_begin_array(&w);
  gb_json_writer_end_array(&w);
  gb_json_writer_key(&w, "obj");
  gb_json_writer_begin_object(&w);
  gb_json_writer_key(&w, "t");
  gb_json_writer_bool(&w, true);
  gb_json_writer_key(&w, "n");
  gb_json_writer_null(&w);
  gb_json_writer_end_object(&w);
  gb_json_writer_end_object(&w);
  char *text = finish_ok(&w);
  g_assert_cmpstr(text, ==,
                  "{\"q\\\"k\\\\\":\"line\\nbreak\\ttab\\u0001\\u001f/\xC3\xA9\","
                  "\"nul\":\"a\\u0000b\",\"nums\":[18446744073709551615,-5,0.1,1e+300,-2.5],"
                  "\"empty\":[],\"obj\":{\"t\":true,\"n\":null}}");

  /* It reads back, and writing the parsed value gives the same text. */
  GbJson *v = parse_ok(text);
  g_assert_cmpstr(gb_json_object_get(v, "q\"k\\")->u.string.data, ==,
                  "line\nbreak\ttab\x01\x1F/\xC3\xA9");
  g_assert_cmpuint(gb_json_object_get(v, "nul")->u.string.len, ==, 3);
  gb_json_writer_init(&w);
  gb_json_writer_value(&w, v);
  char *again = finish_ok(&w);
  /* UINT64_MAX does not fit int64, so it comes back as a double; the rest is identical. */
  g_assert_nonnull(strstr(again, "\"nums\":[1.8446744073709552e+19,-5,0.1,1e+300,-2.5]"));
  g_assert_true(g_str_has_suffix(again, "\"empty\":[],\"obj\":{\"t\":true,\"n\":null}}"));
  gb_json_free(v);
  gb_free(again);
  gb_free(text);
}

static void
assert_writer_fails(GbJsonWriter *w, const char *substring)
{
  char *text = (char *)0x1;
  size_t len = 7;
  GbError err = {0};
  g_assert_cmpint(gb_json_writer_finish(w, &text, &len, &err), ==, GB_ERR_INVALID);
  g_assert_null(text);
  g_assert_cmpuint(len, ==, 0);
  if (strstr(err.message, substring) == NULL)
    g_error("message '%s' lacks '%s'", err.message, substring);
}

static void
test_writer_errors(void)
{
  GbJsonWriter w;
  gb_json_writer_init(&w);
  gb_json_writer_string(&w, "bad \xC3 utf8");
  assert_writer_fails(&w, "not valid UTF-8");

  gb_json_writer_init(&w);
  gb_json_writer_begin_array(&w);
  gb_json_writer_double(&w, NAN);
  gb_json_writer_end_array(&w);
  assert_writer_fails(&w, "NaN or infinity");

  gb_json_writer_init(&w);
  gb_json_writer_begin_object(&w);
  gb_json_writer_uint(&w, 1);
  gb_json_writer_end_object(&w);
  assert_writer_fails(&w, "without a key");

  gb_json_writer_init(&w);
  gb_json_writer_begin_object(&w);
  gb_json_writer_end_array(&w);
  assert_writer_fails(&w, "unmatched end of array");

  gb_json_writer_init(&w);
  gb_json_writer_begin_array(&w);
  assert_writer_fails(&w, "incomplete");

  gb_json_writer_init(&w);
  assert_writer_fails(&w, "incomplete");

  gb_json_writer_init(&w);
  gb_json_writer_null(&w);
  gb_json_writer_null(&w);
  assert_writer_fails(&w, "a second value");

  gb_json_writer_init(&w);
  gb_json_writer_begin_array(&w);
  gb_json_writer_key(&w, "k");
  gb_json_writer_end_array(&w);
  assert_writer_fails(&w, "a key outside an object");

  gb_json_writer_init(&w);
  gb_json_writer_begin_array(&w);
  gb_json_writer_uint(&w, 1);
  gb_json_writer_clear(&w); /* abandoning a writer frees its buffer */
}

static void
test_excerpt(void)
{
  char buf[12];
  g_assert_cmpstr(gb_json_excerpt("short", 5, buf, sizeof buf), ==, "short");
  g_assert_cmpstr(gb_json_excerpt("a\nb\0c", 5, buf, sizeof buf), ==, "a?b?c");
  g_assert_cmpstr(gb_json_excerpt("0123456789abcdef", 16, buf, sizeof buf), ==, "01234567...");
  g_assert_cmpstr(gb_json_excerpt("0123456789a", 11, buf, sizeof buf), ==, "0123456789a");
  /* Clipping never splits a character. */
  g_assert_cmpstr(gb_json_excerpt("\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC", 12, buf,
                                  sizeof buf), ==, "\xE2\x82\xAC\xE2\x82\xAC...");
}

/* Every allocation failure is reported as GB_ERR_NOMEM, never a crash. */
static void
test_out_of_memory(void)
{
  const char *doc =
      "{\"a\":[1,2,3,4,5,6,7,8,9],\"b\":{\"c\":\"str\",\"d\":[{}]},\"e\":\"\\u00e9\"}";
  for (long n = 1;; n++) {
    GbJson *v;
    GbError err;
    gb_alloc_fail_after(n);
    GbStatus st = gb_json_parse(doc, strlen(doc), NULL, &v, &err);
    gb_alloc_fail_after(0);
    if (st == GB_OK) {
      gb_json_free(v);
      break;
    }
    g_assert_cmpint(st, ==, GB_ERR_NOMEM);
    g_assert_cmpint(n, <, 1000);
  }
}

/* -0.0 keeps its sign and stays a fraction: "-0" would read back as the integer 0, and a
 * written-then-reread document would change on the next write (found by fuzzing). */
static void
test_negative_zero(void)
{
  GbJsonWriter w;
  gb_json_writer_init(&w);
  gb_json_writer_double(&w, -0.0);
  char *text;
  size_t len;
  GbError err = {0};
  g_assert_cmpint(gb_json_writer_finish(&w, &text, &len, &err), ==, GB_OK);
  g_assert_cmpstr(text, ==, "-0.0");
  GbJson *v;
  g_assert_cmpint(gb_json_parse(text, len, NULL, &v, &err), ==, GB_OK);
  g_assert_false(v->u.number.is_integer);
  g_assert_true(v->u.number.value == 0.0 && signbit(v->u.number.value));
  gb_json_free(v);
  gb_free(text);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/engine/json/parse/structure", test_structure);
  g_test_add_func("/engine/json/parse/strings", test_strings);
  g_test_add_func("/engine/json/parse/numbers", test_numbers);
  g_test_add_func("/engine/json/parse/numbers-locale", test_numbers_locale);
  g_test_add_func("/engine/json/parse/depth-limit", test_depth_limit);
  g_test_add_func("/engine/json/parse/value-limit", test_value_limit);
  g_test_add_func("/engine/json/parse/garbage", test_garbage_rejected);
  g_test_add_func("/engine/json/parse/duplicate-keys", test_duplicate_keys);
  g_test_add_func("/engine/json/parse/every-prefix", test_every_prefix_fails);
  g_test_add_func("/engine/json/parse/out-of-memory", test_out_of_memory);
  g_test_add_func("/engine/json/write/escapes", test_writer);
  g_test_add_func("/engine/json/write/errors", test_writer_errors);
  g_test_add_func("/engine/json/excerpt", test_excerpt);
  g_test_add_func("/engine/json/write/negative-zero", test_negative_zero);
  return g_test_run();
}

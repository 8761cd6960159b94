/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "gb-alloc.h"
#include "gb-test-util.h"
#include "gb-json.h"
#include "gb-safetensors.h"

#define NAME "t.safetensors"

/* ---- Helpers ------------------------------------------------------------------------------- */

static const float f32_values[6] = {0.5f, -1.25f, 3.0e-38f, 1e30f, -0.0f, 6};
static const int32_t i32_values[4] = {0, -1, 2147483647, -2147483647 - 1};
static const uint8_t u8_values[5] = {0, 1, 127, 128, 255};
static const double f64_value = 0.1;

/* "w" F32 (2, 3), "n" I32 (4), "mask" U8 (5, which leaves the next tensor unaligned), "s" F64
 * scalar, "empty" F32 (0, 3), and two metadata entries that JSON must escape. */
static const GbSafetensorsTensor sample_tensors[] = {
    {"w", GB_DTYPE_F32, 2, {2, 3}, f32_values},
    {"n", GB_DTYPE_I32, 1, {4}, i32_values},
    {"mask", GB_DTYPE_U8, 1, {5}, u8_values},
    {"s", GB_DTYPE_F64, 0, {0}, &f64_value},
    {"empty", GB_DTYPE_F32, 2, {0, 3}, NULL},
};
static const GbSafetensorsMeta sample_meta[] = {
    {"format", "test"},
    {"notes \"quoted\"", "tab\t nl\n caf\xC3\xA9"},
};
static const GbSafetensorsContents sample = {
    sample_tensors, G_N_ELEMENTS(sample_tensors), sample_meta, G_N_ELEMENTS(sample_meta)};

static void *
save_to_memory(const GbSafetensorsContents *c, size_t *len)
{
  void *data = NULL;
  GbError err = {0};
  if (gb_safetensors_save_to_memory(c, &data, len, &err) != GB_OK)
    g_error("save: %s", err.message);
  return data;
}

static GbSafetensors *
open_ok(const void *data, size_t len, const GbSafetensorsSchema *schema)
{
  GbSafetensors *st = NULL;
  GbError err = {0};
  if (gb_safetensors_open_memory(data, len, NAME, &st, &err) != GB_OK ||
      gb_safetensors_check(st, schema, &err) != GB_OK)
    g_error("load: %s", err.message);
  return st;
}

/* Opens and checks; the first failure must have @code and mention @substring. */
static void
assert_open_fails(const void *data, size_t len, const GbSafetensorsSchema *schema, GbStatus code,
                  const char *substring)
{
  GbSafetensors *st = (GbSafetensors *)0x1;
  GbError err = {0};
  GbStatus s = gb_safetensors_open_memory(data, len, NAME, &st, &err);
  if (s == GB_OK) {
    g_assert_nonnull(st);
    s = gb_safetensors_check(st, schema, &err);
    gb_safetensors_free(st);
  } else
    g_assert_null(st);
  if (s != code)
    g_error("expected %s, got %s: %s", gb_status_to_string(code), gb_status_to_string(s),
            err.message);
  gb_test_assert_message(&err, NAME ": ", substring);
  g_assert_null(strstr(err.message + strlen(NAME), NAME)); /* prefixed once */
  if (substring[0] != '\0')
    g_test_message("%s", err.message);
}

static void
append_u64_le(GByteArray *a, uint64_t v)
{
  for (int i = 0; i < 8; i++) {
    guint8 b = (guint8)(v >> (8 * i));
    g_byte_array_append(a, &b, 1);
  }
}

/* 8-byte little-endian header length, @header, then @data. */
static GByteArray *
build_file(const char *header, const void *data, size_t n)
{
  GByteArray *a = g_byte_array_new();
  append_u64_le(a, strlen(header));
  g_byte_array_append(a, (const guint8 *)header, (guint)strlen(header));
  g_byte_array_append(a, data, (guint)n);
  return a;
}

static void
assert_header_fails(const char *header, size_t n_data, const GbSafetensorsSchema *schema,
                    const char *substring)
{
  guint8 zeros[256] = {0};
  g_assert_cmpuint(n_data, <=, sizeof zeros);
  GByteArray *f = build_file(header, zeros, n_data);
  assert_open_fails(f->data, f->len, schema, GB_ERR_FORMAT, substring);
  g_byte_array_free(f, TRUE);
}

/* ---- Round trips --------------------------------------------------------------------------- */

static void
assert_sample_tensors(GbSafetensors *st)
{
  GbError err = {0};
  float w[6];
  int32_t n[4];
  uint8_t mask[5];
  double s;
  g_assert_cmpint(gb_safetensors_read(st, "w", GB_DTYPE_F32, 2, w, 6, GB_SAFETENSORS_FINITE,
                                      &err), ==, GB_OK);
  g_assert_cmpmem(w, sizeof w, f32_values, sizeof f32_values);
  g_assert_cmpint(gb_safetensors_read(st, "n", GB_DTYPE_I32, 1, n, 4, 0, &err), ==, GB_OK);
  g_assert_cmpmem(n, sizeof n, i32_values, sizeof i32_values);
  g_assert_cmpint(gb_safetensors_read(st, "mask", GB_DTYPE_U8, 1, mask, 5, 0, &err), ==, GB_OK);
  g_assert_cmpmem(mask, sizeof mask, u8_values, sizeof u8_values);
  g_assert_cmpint(gb_safetensors_read(st, "s", GB_DTYPE_F64, 0, &s, 1, GB_SAFETENSORS_FINITE,
                                      &err), ==, GB_OK);
  g_assert_cmpfloat(s, ==, f64_value);
  g_assert_cmpint(gb_safetensors_read(st, "empty", GB_DTYPE_F32, 2, NULL, 0, 0, &err), ==, GB_OK);
}

static void
test_round_trip(void)
{
  size_t len, len2;
  void *data = save_to_memory(&sample, &len);
  GbSafetensors *st = open_ok(data, len, NULL);
  g_assert_cmpstr(gb_safetensors_name(st), ==, NAME);

  g_assert_true(gb_safetensors_has_metadata(st));
  g_assert_cmpuint(gb_safetensors_n_meta(st), ==, 2);
  for (size_t i = 0; i < 2; i++) {
    const char *key, *value;
    gb_safetensors_meta_at(st, i, &key, &value);
    g_assert_cmpstr(key, ==, sample_meta[i].key);
    g_assert_cmpstr(value, ==, sample_meta[i].value);
  }
  g_assert_cmpstr(gb_safetensors_get_meta(st, "format"), ==, "test");
  g_assert_null(gb_safetensors_get_meta(st, "absent"));

  /* Entries in header order, with their shapes. */
  g_assert_cmpuint(gb_safetensors_n_tensors(st), ==, G_N_ELEMENTS(sample_tensors));
  for (size_t i = 0; i < G_N_ELEMENTS(sample_tensors); i++) {
    const GbSafetensorsTensor *t = &sample_tensors[i];
    GbSafetensorsInfo info;
    gb_safetensors_tensor_at(st, i, &info);
    g_assert_cmpstr(info.name, ==, t->name);
    g_assert_cmpint(info.dtype, ==, t->dtype);
    g_assert_cmpint(info.ndim, ==, t->ndim);
    size_t count = 1;
    for (int d = 0; d < t->ndim; d++) {
      g_assert_cmpuint(info.shape[d], ==, t->shape[d]);
      count *= t->shape[d];
    }
    g_assert_cmpuint(info.count, ==, count);
  }
  g_assert_false(gb_safetensors_find(st, "absent", NULL));
  assert_sample_tensors(st);

  /* read_new allocates and fills in the shape. */
  void *copy;
  GbSafetensorsInfo info;
  GbError err = {0};
  g_assert_cmpint(gb_safetensors_read_new(st, "n", GB_DTYPE_I32, GB_SAFETENSORS_ANY, 0, &copy,
                                          &info, &err), ==, GB_OK);
  g_assert_cmpuint(info.count, ==, 4);
  g_assert_cmpmem(copy, 16, i32_values, 16);
  gb_free(copy);
  gb_safetensors_free(st);

  /* What was read writes back to the same bytes. */
  void *data2 = save_to_memory(&sample, &len2);
  g_assert_cmpmem(data, len, data2, len2);
  gb_free(data2);
  gb_free(data);
}

static void
test_no_metadata_no_tensors(void)
{
  const GbSafetensorsContents empty = {0};
  size_t len;
  void *data = save_to_memory(&empty, &len);
  g_assert_cmpuint(len, ==, 16);
  g_assert_cmpmem(data, len, "\x08\0\0\0\0\0\0\0{}      ", 16);
  GbSafetensors *st = open_ok(data, len, NULL);
  g_assert_false(gb_safetensors_has_metadata(st));
  g_assert_cmpuint(gb_safetensors_n_meta(st), ==, 0);
  g_assert_cmpuint(gb_safetensors_n_tensors(st), ==, 0);
  gb_safetensors_free(st);
  gb_free(data);
}

/* The exact bytes: a NumPy user reads them with json.loads() and np.frombuffer(). */
static void
test_layout(void)
{
  const uint8_t a[3] = {1, 2, 3};
  const int32_t b[1] = {-2};
  const GbSafetensorsTensor tensors[] = {
      {"a", GB_DTYPE_U8, 1, {3}, a},
      {"b", GB_DTYPE_I32, 2, {1, 1}, b},
  };
  const GbSafetensorsMeta meta[] = {{"k", "v"}};
  const GbSafetensorsContents c = {tensors, 2, meta, 1};
  const char header[] = "{\"__metadata__\":{\"k\":\"v\"},"
                        "\"a\":{\"dtype\":\"U8\",\"shape\":[3],\"data_offsets\":[0,3]},"
                        "\"b\":{\"dtype\":\"I32\",\"shape\":[1,1],\"data_offsets\":[3,7]}}";
  GByteArray *want = g_byte_array_new();
  size_t padded = strlen(header) + (8 - (8 + strlen(header)) % 8) % 8;
  append_u64_le(want, padded);
  g_byte_array_append(want, (const guint8 *)header, (guint)strlen(header));
  for (size_t i = strlen(header); i < padded; i++)
    g_byte_array_append(want, (const guint8 *)" ", 1);
  g_byte_array_append(want, a, 3);
  g_byte_array_append(want, (const guint8 *)"\xFE\xFF\xFF\xFF", 4); /* -2, little-endian */
  size_t len;
  void *data = save_to_memory(&c, &len);
  g_assert_cmpmem(data, len, want->data, want->len);
  gb_free(data);
  g_byte_array_free(want, TRUE);
}

/* A file written by hand: keys in any order, data in another order, no padding, no metadata,
 * and dtypes we only read as raw elements. */
static void
test_hand_made(void)
{
  const char *header = "{\"h\":{\"data_offsets\":[4,8],\"shape\":[2],\"dtype\":\"F16\"},"
                       "\"flag\":{\"dtype\":\"BOOL\",\"shape\":[],\"data_offsets\":[8,9]},"
                       "\"i\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
  const guint8 data[9] = {0x07, 0x01, 0, 0, 0x00, 0x3C, 0x00, 0xC0, 1};
  GByteArray *f = build_file(header, data, sizeof data);
  GbSafetensors *st = open_ok(f->data, f->len, NULL);
  GbError err;
  int32_t i;
  uint16_t h[2];
  uint8_t flag;
  g_assert_cmpint(gb_safetensors_read(st, "i", GB_DTYPE_I32, 1, &i, 1, 0, &err), ==, GB_OK);
  g_assert_cmpint(i, ==, 263);
  g_assert_cmpint(gb_safetensors_read(st, "h", GB_DTYPE_F16, 1, h, 2, 0, &err), ==, GB_OK);
  g_assert_cmphex(h[0], ==, 0x3C00); /* 1.0 */
  g_assert_cmphex(h[1], ==, 0xC000); /* -2.0 */
  g_assert_cmpint(gb_safetensors_read(st, "flag", GB_DTYPE_BOOL, 0, &flag, 1, 0, &err), ==,
                  GB_OK);
  g_assert_cmpint(flag, ==, 1);
  /* Only F32 and F64 can be checked for NaN. */
  g_assert_cmpint(gb_safetensors_read(st, "h", GB_DTYPE_F16, 1, h, 2, GB_SAFETENSORS_FINITE,
                                      &err), ==, GB_ERR_INVALID);
  gb_test_assert_message(&err, NAME ": ", "tensor 'h' is F16, whose finiteness cannot be checked");
  gb_safetensors_free(st);
  g_byte_array_free(f, TRUE);
}

static void
test_dtypes(void)
{
  for (int i = 0; i < GB_DTYPE_N; i++) {
    GbDtype back;
    const char *name = gb_dtype_name((GbDtype)i);
    g_assert_nonnull(name);
    g_assert_true(gb_dtype_from_name(name, strlen(name), &back));
    g_assert_cmpint(back, ==, i);
  }
  g_assert_cmpuint(gb_dtype_size(GB_DTYPE_U8), ==, 1);
  g_assert_cmpuint(gb_dtype_size(GB_DTYPE_BF16), ==, 2);
  g_assert_cmpuint(gb_dtype_size(GB_DTYPE_I32), ==, 4);
  g_assert_cmpuint(gb_dtype_size(GB_DTYPE_F64), ==, 8);
  g_assert_cmpuint(gb_dtype_size(GB_DTYPE_N), ==, 0);
  g_assert_null(gb_dtype_name(GB_DTYPE_N));
  GbDtype d;
  g_assert_false(gb_dtype_from_name("f32", 3, &d));
  g_assert_false(gb_dtype_from_name("F32", 2, &d));
  g_assert_true(gb_dtype_from_name("F32x", 3, &d));
}

/* ---- Looking tensors up -------------------------------------------------------------------- */

static void
assert_read_fails(GbSafetensors *st, const char *name, GbDtype dtype, int ndim, size_t count,
                  GbStatus code, const char *message)
{
  float buf[16];
  GbError err = {0};
  g_assert_cmpuint(count, <=, G_N_ELEMENTS(buf));
  g_assert_cmpint(gb_safetensors_read(st, name, dtype, ndim, buf, count, 0, &err), ==, code);
  g_assert_cmpstr(err.message, ==, message);
}

static void
test_expect(void)
{
  size_t len;
  void *data = save_to_memory(&sample, &len);
  GbSafetensors *st = NULL;
  GbError err = {0};
  g_assert_cmpint(gb_safetensors_open_memory(data, len, NAME, &st, &err), ==, GB_OK);
  assert_read_fails(st, "w", GB_DTYPE_F32, 2, 6, GB_ERR_INVALID,
                    NAME ": tensors read before gb_safetensors_check()");
  g_assert_cmpint(gb_safetensors_check(st, NULL, &err), ==, GB_OK);

  assert_read_fails(st, "n", GB_DTYPE_F32, 1, 4, GB_ERR_FORMAT,
                    NAME ": tensor 'n' has dtype I32, expected F32");
  assert_read_fails(st, "w", GB_DTYPE_I32, 2, 6, GB_ERR_FORMAT,
                    NAME ": tensor 'w' has dtype F32, expected I32");
  assert_read_fails(st, "w", GB_DTYPE_F32, 3, 6, GB_ERR_FORMAT,
                    NAME ": tensor 'w' has shape 2x3, expected 3 dimensions");
  assert_read_fails(st, "n", GB_DTYPE_I32, 2, 4, GB_ERR_FORMAT,
                    NAME ": tensor 'n' has shape 4, expected 2 dimensions");
  assert_read_fails(st, "w", GB_DTYPE_F32, 1, 6, GB_ERR_FORMAT,
                    NAME ": tensor 'w' has shape 2x3, expected 1 dimension");
  assert_read_fails(st, "s", GB_DTYPE_F64, 1, 1, GB_ERR_FORMAT,
                    NAME ": tensor 's' has shape [] (a scalar), expected 1 dimension");
  assert_read_fails(st, "labels", GB_DTYPE_I32, 1, 4, GB_ERR_FORMAT,
                    NAME ": missing tensor 'labels'");
  assert_read_fails(st, "w", GB_DTYPE_F32, 2, 5, GB_ERR_INVALID,
                    NAME ": tensor 'w' has 6 values, but the destination holds 5");

  GbSafetensorsInfo info;
  g_assert_cmpint(gb_safetensors_expect(st, "w", GB_DTYPE_F32, GB_SAFETENSORS_ANY, &info, &err),
                  ==, GB_OK);
  g_assert_cmpint(info.ndim, ==, 2);
  g_assert_cmpuint(info.shape[0], ==, 2);
  g_assert_cmpuint(info.shape[1], ==, 3);
  gb_safetensors_free(st);
  gb_free(data);
}

static const GbSafetensorsExpect sample_schema[] = {
    {"w", GB_DTYPE_F32, 2, {2, 3}, false},
    {"n", GB_DTYPE_I32, 1, {GB_SAFETENSORS_ANY}, false},
    {"mask", GB_DTYPE_U8, GB_SAFETENSORS_ANY, {0}, false},
    {"s", GB_DTYPE_F64, 0, {0}, false},
    {"empty", GB_DTYPE_F32, 2, {GB_SAFETENSORS_ANY, 3}, false},
    {"optional", GB_DTYPE_F32, 1, {1}, true},
};

/* Schema @expect, with @i replaced by @e: the sample file must fail with @message. */
static void
assert_schema_fails(size_t i, GbSafetensorsExpect e, const char *unexpected, const char *message)
{
  GbSafetensorsExpect expect[G_N_ELEMENTS(sample_schema)];
  memcpy(expect, sample_schema, sizeof expect);
  expect[i] = e;
  const GbSafetensorsSchema schema = {expect, G_N_ELEMENTS(expect), unexpected};
  size_t len;
  void *data = save_to_memory(&sample, &len);
  assert_open_fails(data, len, &schema, GB_ERR_FORMAT, message);
  gb_free(data);
}

static void
test_schema(void)
{
  size_t len;
  void *data = save_to_memory(&sample, &len);
  const GbSafetensorsSchema schema = {sample_schema, G_N_ELEMENTS(sample_schema), "no way"};
  GbSafetensors *st = open_ok(data, len, &schema);
  assert_sample_tensors(st);
  gb_safetensors_free(st);

  /* Tensors the schema leaves out are fine without a reason to refuse them. */
  const GbSafetensorsSchema partial = {sample_schema, 2, NULL};
  st = open_ok(data, len, &partial);
  g_assert_cmpuint(gb_safetensors_n_tensors(st), ==, 5);
  gb_safetensors_free(st);
  gb_free(data);

  const GbSafetensorsSchema strict = {sample_schema, 2, "this test has no such tensor"};
  data = save_to_memory(&sample, &len);
  assert_open_fails(data, len, &strict, GB_ERR_FORMAT,
                    "unexpected tensor 'mask': this test has no such tensor");
  gb_free(data);

  const int64_t A = GB_SAFETENSORS_ANY;
  assert_schema_fails(0, (GbSafetensorsExpect){"w", GB_DTYPE_I32, 2, {2, 3}}, NULL,
                      "tensor 'w' has dtype F32, expected I32");
  assert_schema_fails(0, (GbSafetensorsExpect){"w", GB_DTYPE_F32, 2, {3, 2}}, NULL,
                      "tensor 'w' has shape 2x3, expected 3x2");
  assert_schema_fails(0, (GbSafetensorsExpect){"w", GB_DTYPE_F32, 2, {A, 2}}, NULL,
                      "tensor 'w' has shape 2x3, expected ?x2");
  assert_schema_fails(0, (GbSafetensorsExpect){"w", GB_DTYPE_F32, 3, {A, A, A}}, NULL,
                      "tensor 'w' has shape 2x3, expected 3 dimensions");
  assert_schema_fails(3, (GbSafetensorsExpect){"s", GB_DTYPE_F64, 1, {1}}, NULL,
                      "tensor 's' has shape [] (a scalar), expected 1");
  assert_schema_fails(1, (GbSafetensorsExpect){"n", GB_DTYPE_I32, 0, {0}}, NULL,
                      "tensor 'n' has shape 4, expected [] (a scalar)");
  assert_schema_fails(5, (GbSafetensorsExpect){"needed", GB_DTYPE_F32, 1, {1}}, NULL,
                      "missing tensor 'needed'");
}

/* ---- Rejections ---------------------------------------------------------------------------- */

/* Every prefix of a valid file is a truncated file and must fail cleanly. Each prefix is copied
 * into a buffer of exactly its size, so an over-read would show under Valgrind or ASan. */
static void
test_reject_truncated(void)
{
  size_t len;
  guint8 *data = save_to_memory(&sample, &len);
  for (size_t n = 0; n < len; n++) {
    guint8 *copy = g_memdup2(data, n ? n : 1);
    assert_open_fails(n ? copy : NULL, n, NULL, GB_ERR_FORMAT, "");
    g_free(copy);
  }
  assert_open_fails(data, 7, NULL, GB_ERR_FORMAT, "file is too short (7 bytes)");
  assert_open_fails(data, 20, NULL, GB_ERR_FORMAT, "is larger than the 12 bytes that follow it");
  assert_open_fails(data, len - 1, NULL, GB_ERR_FORMAT, "beyond the");
  gb_free(data);
}

static void
test_reject_header(void)
{
  assert_header_fails("[]", 0, NULL, "header does not start with '{'");
  assert_header_fails("{\"a\":", 0, NULL, "header: invalid JSON at byte 5");
  assert_header_fails("{\"__metadata__\":3}", 0, NULL,
                      "__metadata__ is a number, expected an object");
  assert_header_fails("{\"__metadata__\":{\"k\":[]}}", 0, NULL,
                      "metadata 'k' is an array, expected a string");
  assert_header_fails("{\"__metadata__\":{\"k\\u0000\":\"v\"}}", 0, NULL,
                      "metadata 'k?' contains a NUL character");
  assert_header_fails("{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},"
                      "\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[1,2]}}", 2, NULL,
                      "duplicate key \"a\"");
}

#define ENTRY(dtype, shape, offsets) \
  "{\"dtype\":\"" dtype "\",\"shape\":" shape ",\"data_offsets\":" offsets "}"

static void
test_reject_entries(void)
{
  assert_header_fails("{\"a\":" ENTRY("f32", "[1]", "[0,4]") "}", 4, NULL,
                      "tensor 'a' has dtype f32, which is not a safetensors dtype");
  assert_header_fails("{\"a\":{\"dtype\":4,\"shape\":[1],\"data_offsets\":[0,4]}}", 4, NULL,
                      "tensor 'a' has a dtype that is a number, expected a string");
  assert_header_fails("{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4, NULL,
                      "tensor 'a' has no dtype");
  assert_header_fails("{\"a\":{\"dtype\":\"U8\",\"data_offsets\":[0,4]}}", 4, NULL,
                      "tensor 'a' has no shape");
  assert_header_fails("{\"a\":{\"dtype\":\"U8\",\"shape\":[4]}}", 4, NULL,
                      "tensor 'a' has no data_offsets");
  assert_header_fails("{\"a\":" ENTRY("U8", "[1.5]", "[0,4]") "}", 4, NULL,
                      "tensor 'a' has a shape that is not an array of integers in [0, 2^53]");
  assert_header_fails("{\"a\":" ENTRY("U8", "[1,1,1,1,1,1,1,1,1]", "[0,1]") "}", 1, NULL,
                      "tensor 'a' has 9 dimensions, more than the 8 Glassbox reads");
  assert_header_fails("{\"a\":" ENTRY("F64", "[4294967296,4294967296]", "[0,8]") "}", 8, NULL,
                      "tensor 'a' has shape 4294967296x4294967296, too large for any file");
  assert_header_fails("{\"a\":" ENTRY("I32", "[3]", "[0,8]") "}", 8, NULL,
                      "tensor 'a' has 8 bytes of data, expected 12 (3 int32 values)");
  assert_header_fails("{\"a\":" ENTRY("U8", "[3]", "[0,2]") "}", 2, NULL,
                      "tensor 'a' has 2 bytes of data, expected 3 (3 uint8 values)");
  assert_header_fails("{\"a\":" ENTRY("U8", "[3]", "[3,0]") "}", 3, NULL,
                      "tensor 'a' has data_offsets [3, 0] that end before they begin");
  assert_header_fails("{\"a\":" ENTRY("U8", "[3]", "[0,3]") "}", 2, NULL,
                      "tensor 'a' has data_offsets [0, 3] beyond the 2-byte data buffer");
  assert_header_fails("{\"a\":" ENTRY("U8", "[3]", "[0,3]") ",\"a\\u0000b\":" ENTRY(
                          "U8", "[1]", "[3,4]") "}", 4, NULL,
                      "tensor name 'a?b' contains a NUL character");
  assert_header_fails("{\"a\":[]}", 0, NULL, "tensor 'a' is described by an array");
  assert_header_fails("{\"a\":{\"dtype\":\"U8\",\"shape\":[],\"data_offsets\":[0,1],\"b\":0}}",
                      1, NULL, "tensor 'a' has an unexpected field 'b'");
}

static void
test_reject_coverage(void)
{
  assert_header_fails("{\"a\":" ENTRY("U8", "[3]", "[0,3]") ",\"b\":" ENTRY("U8", "[2]", "[2,4]")
                      "}", 4, NULL, "tensors 'a' and 'b' overlap in the data buffer (bytes "
                      "[0, 3) and [2, 4))");
  assert_header_fails("{\"b\":" ENTRY("U8", "[2]", "[4,6]") ",\"a\":" ENTRY("U8", "[3]", "[0,3]")
                      "}", 6, NULL, "bytes [3, 4) of the data buffer, before tensor 'b', "
                      "belong to no tensor");
  assert_header_fails("{\"a\":" ENTRY("U8", "[3]", "[0,3]") "}", 5, NULL,
                      "2 trailing bytes after the last tensor belong to no tensor");
  assert_header_fails("{}", 1, NULL, "1 trailing bytes");
  /* Empty tensors take no room, before, between or after the others; but not inside one. */
  assert_header_fails("{\"a\":" ENTRY("U8", "[0]", "[1,1]") ",\"b\":" ENTRY("U8", "[2]", "[0,2]")
                      "}", 2, NULL, "tensors 'b' and 'a' overlap");
  GByteArray *f = build_file("{\"a\":" ENTRY("U8", "[0]", "[2,2]") ",\"b\":" ENTRY(
                                 "U8", "[2]", "[0,2]") ",\"c\":" ENTRY("U8", "[0]", "[0,0]") ","
                             "\"d\":" ENTRY("U8", "[1]", "[2,3]") "}", "xyz", 3);
  GbSafetensors *st = open_ok(f->data, f->len, NULL);
  gb_safetensors_free(st);
  g_byte_array_free(f, TRUE);
}

static void
test_reject_non_finite(void)
{
  const float bad[3] = {1, NAN, 2};
  const double inf[2] = {0, -INFINITY};
  const GbSafetensorsTensor tensors[] = {
      {"f", GB_DTYPE_F32, 1, {3}, bad},
      {"d", GB_DTYPE_F64, 1, {2}, inf},
  };
  const GbSafetensorsContents c = {tensors, 2, NULL, 0};
  size_t len;
  void *data = save_to_memory(&c, &len);
  GbSafetensors *st = open_ok(data, len, NULL);
  float f[3];
  double d[2];
  GbError err;
  g_assert_cmpint(gb_safetensors_read(st, "f", GB_DTYPE_F32, 1, f, 3, 0, &err), ==, GB_OK);
  g_assert_true(isnan(f[1]));
  g_assert_cmpint(gb_safetensors_read(st, "f", GB_DTYPE_F32, 1, f, 3, GB_SAFETENSORS_FINITE,
                                      &err), ==, GB_ERR_FORMAT);
  g_assert_cmpstr(err.message, ==, NAME ": tensor 'f' element 1 is NaN");
  g_assert_cmpint(gb_safetensors_read(st, "d", GB_DTYPE_F64, 1, d, 2, GB_SAFETENSORS_FINITE,
                                      &err), ==, GB_ERR_FORMAT);
  g_assert_cmpstr(err.message, ==, NAME ": tensor 'd' element 1 is -Inf");
  void *out = (void *)0x1;
  g_assert_cmpint(gb_safetensors_read_new(st, "d", GB_DTYPE_F64, 1, GB_SAFETENSORS_FINITE, &out,
                                          NULL, &err), ==, GB_ERR_FORMAT);
  g_assert_null(out);
  gb_safetensors_free(st);
  gb_free(data);
}

/* Random corruption never crashes: the file either loads or fails with a message. */
static void
test_reject_corrupted(void)
{
  size_t len;
  guint8 *data = save_to_memory(&sample, &len);
  GRand *rand = g_rand_new_with_seed(99);
  int loaded = 0;
  for (int iter = 0; iter < 3000; iter++) {
    guint8 *copy = g_memdup2(data, len);
    int flips = g_rand_int_range(rand, 1, 4);
    for (int k = 0; k < flips; k++)
      copy[g_rand_int_range(rand, 0, (gint32)len)] = (guint8)g_rand_int_range(rand, 0, 256);
    GbSafetensors *st = NULL;
    GbError err = {0};
    GbStatus s = gb_safetensors_open_memory(copy, len, NAME, &st, &err);
    if (s == GB_OK) {
      s = gb_safetensors_check(st, NULL, &err);
      for (size_t i = 0; s == GB_OK && i < gb_safetensors_n_tensors(st); i++) {
        GbSafetensorsInfo info;
        void *out;
        gb_safetensors_tensor_at(st, i, &info);
        s = gb_safetensors_read_new(st, info.name, info.dtype, info.ndim, 0, &out, NULL, &err);
        gb_free(out);
      }
      gb_safetensors_free(st);
    }
    if (s == GB_OK)
      loaded++;
    else {
      g_assert_cmpint(s, ==, GB_ERR_FORMAT);
      gb_test_assert_message(&err, NAME ": ", "");
    }
    g_free(copy);
  }
  g_test_message("%d of 3000 corrupted files still loaded", loaded);
  g_rand_free(rand);
  gb_free(data);
}

/* ---- Writer arguments ---------------------------------------------------------------------- */

static void
assert_save_invalid(const GbSafetensorsTensor *tensors, size_t n, const GbSafetensorsMeta *meta,
                    size_t n_meta, const char *message)
{
  const GbSafetensorsContents c = {tensors, n, meta, n_meta};
  void *data = (void *)0x1;
  size_t len;
  GbError err = {0};
  g_assert_cmpint(gb_safetensors_save_to_memory(&c, &data, &len, &err), ==, GB_ERR_INVALID);
  g_assert_null(data);
  g_assert_cmpstr(err.message, ==, message);
}

static void
test_save_invalid(void)
{
  const float v[2] = {1, 2};
  GbSafetensorsTensor t[2] = {{"a", GB_DTYPE_F32, 1, {2}, v}, {"a", GB_DTYPE_F32, 1, {2}, v}};
  assert_save_invalid(t, 2, NULL, 0, "tensor 'a' appears twice");
  t[1].name = "__metadata__";
  assert_save_invalid(t, 2, NULL, 0, "a tensor cannot be called __metadata__");
  t[1].name = "caf\xE9";
  assert_save_invalid(t, 2, NULL, 0, "tensor name 'caf?' is not valid UTF-8");
  t[1].name = NULL;
  assert_save_invalid(t, 2, NULL, 0, "tensor 1 has no name");
  t[1] = (GbSafetensorsTensor){"b", GB_DTYPE_N, 1, {2}, v};
  assert_save_invalid(t, 2, NULL, 0, "tensor 'b' has an invalid dtype (15)");
  t[1] = (GbSafetensorsTensor){"b", GB_DTYPE_F32, 9, {2}, v};
  assert_save_invalid(t, 2, NULL, 0, "tensor 'b' has 9 dimensions, expected 0 to 8");
  t[1] = (GbSafetensorsTensor){"b", GB_DTYPE_F32, 1, {2}, NULL};
  assert_save_invalid(t, 2, NULL, 0, "tensor 'b' has no data");
  t[1] = (GbSafetensorsTensor){"b", GB_DTYPE_F32, 2, {SIZE_MAX / 2, 3}, v};
  assert_save_invalid(t, 2, NULL, 0, "tensor 'b' is too large");

  GbSafetensorsMeta m[2] = {{"k", "v"}, {"k", "w"}};
  assert_save_invalid(t, 1, m, 2, "metadata key 'k' appears twice");
  m[1] = (GbSafetensorsMeta){"caf\xE9", "x"};
  assert_save_invalid(t, 1, m, 2, "metadata key 'caf?' is not valid UTF-8");
  m[1] = (GbSafetensorsMeta){"l", "caf\xE9"};
  assert_save_invalid(t, 1, m, 2, "the value of metadata 'l' is not valid UTF-8");
  m[1] = (GbSafetensorsMeta){"l", NULL};
  assert_save_invalid(t, 1, m, 2, "metadata entry 1 has no key or no value");
}

/* Every allocation failure while loading or saving is reported as GB_ERR_NOMEM. */
static void
test_out_of_memory(void)
{
  size_t len;
  void *data = save_to_memory(&sample, &len);
  for (long n = 1;; n++) {
    GbSafetensors *st = NULL;
    GbError err = {0};
    void *out = NULL;
    gb_alloc_fail_after(n);
    GbStatus s = gb_safetensors_open_memory(data, len, NAME, &st, &err);
    if (s == GB_OK)
      s = gb_safetensors_check(st, NULL, &err);
    if (s == GB_OK)
      s = gb_safetensors_read_new(st, "w", GB_DTYPE_F32, 2, 0, &out, NULL, &err);
    gb_alloc_fail_after(0);
    gb_free(out);
    gb_safetensors_free(st);
    if (s == GB_OK)
      break;
    g_assert_cmpint(s, ==, GB_ERR_NOMEM);
    g_assert_cmpint(n, <, 10000);
  }
  for (long n = 1;; n++) {
    void *out = NULL;
    size_t out_len;
    GbError err = {0};
    gb_alloc_fail_after(n);
    GbStatus s = gb_safetensors_save_to_memory(&sample, &out, &out_len, &err);
    gb_alloc_fail_after(0);
    if (s == GB_OK) {
      g_assert_cmpmem(out, out_len, data, len);
      gb_free(out);
      break;
    }
    g_assert_cmpint(s, ==, GB_ERR_NOMEM);
    g_assert_null(out);
    g_assert_cmpint(n, <, 10000);
  }
  gb_free(data);
}

/* ---- Files --------------------------------------------------------------------------------- */

static int
count_entries(const char *dir)
{
  GDir *d = g_dir_open(dir, 0, NULL);
  g_assert_nonnull(d);
  int n = 0;
  while (g_dir_read_name(d) != NULL)
    n++;
  g_dir_close(d);
  return n;
}

static void
assert_file_equals(const char *path, const void *data, size_t len)
{
  char *contents;
  size_t n;
  g_assert_true(g_file_get_contents(path, &contents, &n, NULL));
  g_assert_cmpmem(contents, n, data, len);
  g_free(contents);
}

static void
test_file(void)
{
  char *dir = g_dir_make_tmp("gb-safetensors-XXXXXX", NULL);
  char *path = g_build_filename(dir, "t.safetensors", NULL);
  GbError err = {0};
  g_assert_cmpint(gb_safetensors_save(&sample, path, &err), ==, GB_OK);
  g_assert_cmpint(count_entries(dir), ==, 1);
  size_t len;
  void *data = save_to_memory(&sample, &len);
  assert_file_equals(path, data, len);

  GbSafetensors *st = NULL;
  g_assert_cmpint(gb_safetensors_open(path, &st, &err), ==, GB_OK);
  g_assert_cmpstr(gb_safetensors_name(st), ==, path);
  g_assert_cmpint(gb_safetensors_check(st, NULL, &err), ==, GB_OK);
  assert_sample_tensors(st);
  gb_safetensors_free(st);

  /* Contents the writer refuses leave the old file as it was and no temporary file. */
  const GbSafetensorsMeta bad_meta[] = {{"k", "\xFF"}};
  const GbSafetensorsContents bad = {sample_tensors, 2, bad_meta, 1};
  g_assert_cmpint(gb_safetensors_save(&bad, path, &err), ==, GB_ERR_INVALID);
  gb_test_assert_message(&err, path, ": the value of metadata 'k' is not valid UTF-8");
  assert_file_equals(path, data, len);
  g_assert_cmpint(count_entries(dir), ==, 1);

  /* Opening errors name the file. */
  g_assert_cmpint(gb_safetensors_open(dir, &st, &err), ==, GB_ERR_IO);
  g_assert_null(st);
  gb_test_assert_message(&err, dir, "not a regular file");
  char *absent = g_build_filename(dir, "absent", NULL);
  g_assert_cmpint(gb_safetensors_open(absent, &st, &err), ==, GB_ERR_IO);
  gb_test_assert_message(&err, absent, "cannot open: No such file or directory");
  char *missing_dir = g_build_filename(dir, "no", "t.safetensors", NULL);
  g_assert_cmpint(gb_safetensors_save(&sample, missing_dir, &err), ==, GB_ERR_IO);
  gb_test_assert_message(&err, missing_dir, "cannot create a temporary file");

  g_free(missing_dir);
  g_free(absent);
  gb_free(data);
  gb_test_remove_tree(dir);
  g_free(path);
  g_free(dir);
}

/* A write that fails half-way (the file size limit, like a full disk) removes the temporary
 * file and leaves the old file intact. Runs in a subprocess because of the limit. */
static void
test_save_write_failure(void)
{
  if (!g_test_subprocess()) {
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_passed();
    return;
  }
  char *dir = g_dir_make_tmp("gb-safetensors-XXXXXX", NULL);
  char *path = g_build_filename(dir, "t.safetensors", NULL);
  GbError err = {0};
  g_assert_cmpint(gb_safetensors_save(&sample, path, &err), ==, GB_OK);
  size_t len;
  void *old = save_to_memory(&sample, &len);

  size_t n_big = 8192;
  float *big = g_new0(float, n_big);
  const GbSafetensorsTensor tensors[] = {{"big", GB_DTYPE_F32, 1, {n_big}, big}};
  const GbSafetensorsContents c = {tensors, 1, NULL, 0};
  signal(SIGXFSZ, SIG_IGN);
  struct rlimit lim;
  g_assert_cmpint(getrlimit(RLIMIT_FSIZE, &lim), ==, 0);
  lim.rlim_cur = 8192;
  g_assert_cmpint(setrlimit(RLIMIT_FSIZE, &lim), ==, 0);
  g_assert_cmpint(gb_safetensors_save(&c, path, &err), ==, GB_ERR_IO);
  gb_test_assert_message(&err, path, strerror(EFBIG));
  assert_file_equals(path, old, len);
  g_assert_cmpint(count_entries(dir), ==, 1);
  g_free(big);
  gb_free(old);
  gb_test_remove_tree(dir);
  g_free(path);
  g_free(dir);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/engine/safetensors/round-trip", test_round_trip);
  g_test_add_func("/engine/safetensors/empty", test_no_metadata_no_tensors);
  g_test_add_func("/engine/safetensors/layout", test_layout);
  g_test_add_func("/engine/safetensors/hand-made", test_hand_made);
  g_test_add_func("/engine/safetensors/dtypes", test_dtypes);
  g_test_add_func("/engine/safetensors/expect", test_expect);
  g_test_add_func("/engine/safetensors/schema", test_schema);
  g_test_add_func("/engine/safetensors/reject/truncated", test_reject_truncated);
  g_test_add_func("/engine/safetensors/reject/header", test_reject_header);
  g_test_add_func("/engine/safetensors/reject/entries", test_reject_entries);
  g_test_add_func("/engine/safetensors/reject/coverage", test_reject_coverage);
  g_test_add_func("/engine/safetensors/reject/non-finite", test_reject_non_finite);
  g_test_add_func("/engine/safetensors/reject/corrupted", test_reject_corrupted);
  g_test_add_func("/engine/safetensors/save/invalid", test_save_invalid);
  g_test_add_func("/engine/safetensors/out-of-memory", test_out_of_memory);
  g_test_add_func("/engine/safetensors/file", test_file);
  g_test_add_func("/engine/safetensors/save/write-failure", test_save_write_failure);
  return g_test_run();
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gb-alloc.h"
#include "gb-json.h"
#include "gb-model-file.h"
#include "gb-test-util.h"

#define NAME "test.safetensors"

/* ---- Helpers ------------------------------------------------------------------------------- */

/* NULL (and the test skipped) while a layer kind is still being written. */
static void
set_test_metadata(GbModel *m)
{
  GbError err;
  g_assert_cmpint(gb_model_set_meta(m, "accuracy", "0.9731", &err), ==, GB_OK);
  g_assert_cmpint(gb_model_set_meta(m, "command", "glassbox-cli train --epochs 3", &err), ==,
                  GB_OK);
  /* Everything JSON must escape, and text beyond ASCII. */
  g_assert_cmpint(gb_model_set_meta(m, "notes \"quoted\"", "tab\t nl\n bs\\ \x01 caf\xC3\xA9 "
                                    "\xF0\x9F\x98\x80", &err), ==, GB_OK);
  g_assert_cmpint(gb_model_set_meta(m, "glassbox.custom", "kept", &err), ==, GB_OK);
}

static void *
save_to_memory(GbModel *m, size_t *len)
{
  void *data = NULL;
  GbError err = {0};
  if (gb_model_save_to_memory(m, &data, len, &err) != GB_OK)
    g_error("save: %s", err.message);
  return data;
}

static GbModel *
load_ok(const void *data, size_t len)
{
  GbModel *m = NULL;
  GbError err = {0};
  if (gb_model_load_from_memory(data, len, NAME, &m, &err) != GB_OK)
    g_error("load: %s", err.message);
  g_assert_nonnull(m);
  return m;
}

static void
assert_load_fails(const void *data, size_t len, GbStatus code, const char *substring)
{
  GbModel *m = (GbModel *)0x1;
  GbError err = {0};
  GbStatus st = gb_model_load_from_memory(data, len, NAME, &m, &err);
  gb_test_assert_failure(st, code, &err, NAME, substring);
  g_assert_null(m);
}

static void
assert_forward_equal(GbModel *a, GbModel *b)
{
  const int batch = 3;
  size_t in = gb_model_input_size(a);
  size_t n_out = (size_t)batch * gb_model_n_outputs(a);
  float *x = g_new(float, batch * in);
  gb_test_fill_uniform(x, batch * in, -1.0f, 1.0f, 7);
  const float *ya, *yb;
  GbError err;
  g_assert_cmpint(gb_model_forward(a, x, batch, false, &ya, &err), ==, GB_OK);
  float *copy = g_memdup2(ya, n_out * sizeof(float));
  g_assert_cmpint(gb_model_forward(b, x, batch, false, &yb, &err), ==, GB_OK);
  g_assert_cmpmem(copy, n_out * sizeof(float), yb, n_out * sizeof(float));
  g_free(copy);
  g_free(x);
}

/* Same architecture, bit-identical weights, same metadata in the same order, same outputs. */
static void
assert_models_identical(GbModel *a, GbModel *b)
{
  char *sa = gb_model_dup_spec(a), *sb = gb_model_dup_spec(b);
  g_assert_cmpstr(sa, ==, sb);
  gb_free(sa);
  gb_free(sb);
  g_assert_cmpint(gb_model_n_tensors(a), ==, gb_model_n_tensors(b));
  for (int i = 0; i < gb_model_n_tensors(a); i++) {
    GbModelTensor ta, tb;
    gb_model_get_tensor(a, i, &ta);
    gb_model_get_tensor(b, i, &tb);
    g_assert_cmpstr(ta.name, ==, tb.name);
    g_assert_true(gb_shape_equal(&ta.shape, &tb.shape));
    g_assert_cmpmem(ta.data, ta.count * sizeof(float), tb.data, tb.count * sizeof(float));
  }
  g_assert_cmpint(gb_model_n_meta(a), ==, gb_model_n_meta(b));
  for (int i = 0; i < gb_model_n_meta(a); i++) {
    const char *ka, *va, *kb, *vb;
    gb_model_meta_at(a, i, &ka, &va);
    gb_model_meta_at(b, i, &kb, &vb);
    g_assert_cmpstr(ka, ==, kb);
    g_assert_cmpstr(va, ==, vb);
  }
  assert_forward_equal(a, b);
}

/* Saves, loads, compares, and checks that saving the loaded model gives the same bytes. */
static void
assert_round_trip(GbModel *m)
{
  size_t len, len2;
  void *data = save_to_memory(m, &len);
  GbModel *back = load_ok(data, len);
  assert_models_identical(m, back);
  void *data2 = save_to_memory(back, &len2);
  g_assert_cmpmem(data, len, data2, len2);
  gb_free(data2);
  gb_free(data);
  gb_model_free(back);
}

/* ---- Round trips --------------------------------------------------------------------------- */

static void
round_trip_spec(const char *spec)
{
  GbModel *m = gb_test_model_new(spec, 11);
  set_test_metadata(m);
  assert_round_trip(m);
  gb_model_free(m);
}

static void
test_round_trip_mlp(void)
{
  round_trip_spec("input(784), dense(32), relu, dropout(0.25), dense(16, init=glorot), "
                  "leakyrelu(0.05), dense(10), softmax");
}

static void
test_round_trip_cnn(void)
{
  round_trip_spec("input(1,28,28), conv2d(8,5), relu, maxpool2d(2), flatten, dense(10)");
}

static void
test_round_trip_lstm(void)
{
  round_trip_spec("input(20,4), lstm(8), dense(2)");
}

/* Eight tensors in one layer, and the post-module size and noise in the architecture text. */
static void
test_round_trip_prm(void)
{
  round_trip_spec("input(26,16), prm(16,post=8)");
  round_trip_spec("input(12,4), prm(6,post=3,seq=all,noise=0.5)");
}

/* A model without parameters has an empty data buffer. */
static void
test_round_trip_no_params(void)
{
  GbModel *m = gb_test_model_new("input(5), softmax", 1);
  assert_round_trip(m);
  gb_model_free(m);
}

/* The writer owns "format", "glassbox.architecture" and "glassbox.version": a model refuses
 * them as its own metadata, and the loader does not hand them back as metadata. */
static void
test_reserved_metadata(void)
{
  GbModel *m = gb_test_model_new("input(3), dense(2)", 1);
  GbError err;
  g_assert_cmpint(gb_model_set_meta(m, "format", "np", &err), ==, GB_ERR_INVALID);
  g_assert_nonnull(strstr(err.message, "reserved"));
  g_assert_cmpint(gb_model_set_meta(m, "glassbox.version", "0.0.1", &err), ==, GB_ERR_INVALID);
  g_assert_cmpint(gb_model_set_meta(m, "glassbox.architecture", "x", &err), ==, GB_ERR_INVALID);
  g_assert_cmpint(gb_model_set_meta(m, "other", "x", &err), ==, GB_OK);
  size_t len;
  void *data = save_to_memory(m, &len);
  GbModel *back = load_ok(data, len);
  g_assert_cmpint(gb_model_n_meta(back), ==, 1);
  g_assert_cmpstr(gb_model_get_meta(back, "other"), ==, "x");
  g_assert_null(gb_model_get_meta(back, "format"));
  gb_model_free(back);
  gb_free(data);

  /* Metadata that is not UTF-8 cannot go into the header. */
  g_assert_cmpint(gb_model_set_meta(m, "latin1", "caf\xE9", &err), ==, GB_OK);
  void *out = (void *)0x1;
  g_assert_cmpint(gb_model_save_to_memory(m, &out, &len, &err), ==, GB_ERR_INVALID);
  g_assert_null(out);
  gb_test_assert_message(&err, "", "the value of metadata 'latin1' is not valid UTF-8");
  gb_model_free(m);
}

static uint64_t
read_u64_le(const guint8 *p)
{
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--)
    v = (v << 8) | p[i];
  return v;
}

static float
read_f32_le(const guint8 *p)
{
  guint32 u = (guint32)p[0] | (guint32)p[1] << 8 | (guint32)p[2] << 16 | (guint32)p[3] << 24;
  float f;
  memcpy(&f, &u, 4);
  return f;
}

static void
assert_header_metadata(const GbJson *meta, GbModel *m)
{
  g_assert_nonnull(meta);
  g_assert_cmpstr(gb_json_object_get(meta, "format")->u.string.data, ==, "pt");
  g_assert_cmpstr(gb_json_object_get(meta, "glassbox.version")->u.string.data, ==, GB_VERSION);
  char *spec = gb_model_dup_spec(m);
  g_assert_cmpstr(gb_json_object_get(meta, "glassbox.architecture")->u.string.data, ==, spec);
  gb_free(spec);
  g_assert_cmpstr(gb_json_object_get(meta, "accuracy")->u.string.data, ==, "0.9731");
}

/* What our writer produces, read with nothing of ours but the JSON parser. */
static void
test_layout(void)
{
  GbModel *m = gb_test_model_new("input(6), dense(5), relu, dense(3)", 3);
  set_test_metadata(m);
  size_t len;
  guint8 *data = save_to_memory(m, &len);
  uint64_t n = read_u64_le(data);
  g_assert_cmpuint((8 + n) % 8, ==, 0); /* the data buffer is 8-byte aligned */
  g_assert_cmpint(data[8], ==, '{');
  GbJson *header;
  GbError err;
  g_assert_cmpint(gb_json_parse((const char *)data + 8, n, NULL, &header, &err), ==, GB_OK);
  g_assert_cmpint(header->type, ==, GB_JSON_OBJECT);
  g_assert_cmpstr(header->u.object.members[0].key, ==, "__metadata__");
  assert_header_metadata(&header->u.object.members[0].value, m);
  g_assert_cmpuint(header->u.object.n, ==, 1 + gb_model_n_tensors(m));
  uint64_t offset = 0, v;
  for (int i = 0; i < gb_model_n_tensors(m); i++) {
    GbModelTensor t;
    gb_model_get_tensor(m, i, &t);
    const GbJsonMember *e = &header->u.object.members[1 + i]; /* in model order */
    g_assert_cmpstr(e->key, ==, t.name);
    g_assert_cmpstr(gb_json_object_get(&e->value, "dtype")->u.string.data, ==, "F32");
    const GbJson *shape = gb_json_object_get(&e->value, "shape");
    g_assert_cmpuint(shape->u.array.n, ==, t.shape.ndim);
    for (int d = 0; d < t.shape.ndim; d++)
      g_assert_cmpint(shape->u.array.items[d].u.number.integer, ==, t.shape.dim[d]);
    const GbJson *offsets = gb_json_object_get(&e->value, "data_offsets");
    g_assert_true(gb_json_get_uint(&offsets->u.array.items[0], UINT64_MAX, &v));
    g_assert_cmpuint(v, ==, offset); /* contiguous */
    for (size_t k = 0; k < t.count; k++)
      g_assert_cmpfloat(read_f32_le(data + 8 + n + offset + 4 * k), ==, t.data[k]);
    offset += 4 * t.count;
    g_assert_true(gb_json_get_uint(&offsets->u.array.items[1], UINT64_MAX, &v));
    g_assert_cmpuint(v, ==, offset);
  }
  g_assert_cmpuint(8 + n + offset, ==, len); /* nothing after the last tensor */
  gb_json_free(header);
  gb_free(data);
  gb_model_free(m);
}

/* ---- A file written by hand ---------------------------------------------------------------- */

/* input(3), dense(2): dense1.weight is (2, 3) and dense1.bias (2). This file puts the bias
 * first, both in the header and in the data buffer. */
#define HAND_ARCH    "input(3), dense(2)"
#define HAND_META    "\"__metadata__\":{\"format\":\"pt\",\"glassbox.architecture\":\"" HAND_ARCH \
                     "\",\"trained_by\":\"hand\"}"
#define HAND_BIAS    "{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}"
#define HAND_WEIGHT  "{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[8,32]}"
#define HAND_TENSORS "\"dense1.bias\":" HAND_BIAS ",\"dense1.weight\":" HAND_WEIGHT
#define HAND_HEADER  "{" HAND_META "," HAND_TENSORS "}"

static const float hand_values[8] = {0.5f, -1.25f, 1, 2, 3, 4, 5, 6};

static void
append_f32_le(GByteArray *a, float f)
{
  guint32 u;
  memcpy(&u, &f, 4);
  guint8 b[4] = {u & 0xFF, (u >> 8) & 0xFF, (u >> 16) & 0xFF, u >> 24};
  g_byte_array_append(a, b, 4);
}

/* 8-byte little-endian header length, @header, then @n floats little-endian. */
static GByteArray *
build_file(const char *header, const float *values, size_t n)
{
  GByteArray *a = g_byte_array_new();
  uint64_t len = strlen(header);
  for (int i = 0; i < 8; i++) {
    guint8 b = (guint8)(len >> (8 * i));
    g_byte_array_append(a, &b, 1);
  }
  g_byte_array_append(a, (const guint8 *)header, (guint)len);
  for (size_t i = 0; i < n; i++)
    append_f32_le(a, values[i]);
  return a;
}

static GByteArray *
hand_file(const char *header)
{
  return build_file(header, hand_values, G_N_ELEMENTS(hand_values));
}

static void
assert_hand_model(GbModel *m)
{
  g_assert_cmpstr(gb_model_get_meta(m, "trained_by"), ==, "hand");
  g_assert_cmpint(gb_model_n_meta(m), ==, 1);
  GbModelTensor w, b;
  gb_model_get_tensor(m, gb_model_find_tensor(m, "dense1.weight"), &w);
  gb_model_get_tensor(m, gb_model_find_tensor(m, "dense1.bias"), &b);
  for (int i = 0; i < 6; i++)
    g_assert_cmpfloat(w.data[i], ==, (float)(i + 1));
  g_assert_cmpfloat(b.data[0], ==, 0.5f);
  g_assert_cmpfloat(b.data[1], ==, -1.25f);
  /* y = W x + b with W = [[1,2,3],[4,5,6]] */
  const float x[3] = {1, 1, 1};
  const float *y;
  GbError err;
  g_assert_cmpint(gb_model_forward(m, x, 1, false, &y, &err), ==, GB_OK);
  g_assert_cmpfloat(y[0], ==, 6.5f);
  g_assert_cmpfloat(y[1], ==, 13.75f);
}

static void
test_hand_made(void)
{
  GByteArray *f = hand_file(HAND_HEADER);
  GbModel *m = load_ok(f->data, f->len);
  assert_hand_model(m);
  gb_model_free(m);
  g_byte_array_free(f, TRUE);

  /* The same padded with spaces so the data is 8-byte aligned, as the spec allows. */
  GString *h = g_string_new(HAND_HEADER);
  while ((8 + h->len) % 8 != 0)
    g_string_append_c(h, ' ');
  f = hand_file(h->str);
  m = load_ok(f->data, f->len);
  assert_hand_model(m);
  gb_model_free(m);
  g_byte_array_free(f, TRUE);
  g_string_free(h, TRUE);
}

/* ---- Rejections ---------------------------------------------------------------------------- */

/* @header followed by @n_values floats: the hand-made values, then zeros. */
static void
assert_header_fails(const char *header, size_t n_values, const char *substring)
{
  float values[16] = {0};
  g_assert_cmpuint(n_values, <=, G_N_ELEMENTS(values));
  memcpy(values, hand_values, sizeof hand_values);
  GByteArray *f = build_file(header, values, n_values);
  assert_load_fails(f->data, f->len, GB_ERR_FORMAT, substring);
  g_byte_array_free(f, TRUE);
}

static void
assert_tensors_fail(const char *bias, const char *weight, size_t n_values, const char *substring)
{
  char *header = g_strdup_printf("{" HAND_META ",\"dense1.bias\":%s,\"dense1.weight\":%s}", bias,
                                 weight);
  assert_header_fails(header, n_values, substring);
  g_free(header);
}

/* Every prefix of a valid file is a truncated file and must fail cleanly. Each prefix is copied
 * into a buffer of exactly its size, so an over-read would show under Valgrind or ASan. */
static void
assert_every_prefix_fails(const guint8 *data, size_t len)
{
  for (size_t n = 0; n < len; n++) {
    guint8 *copy = g_memdup2(data, n ? n : 1);
    assert_load_fails(n ? copy : NULL, n, GB_ERR_FORMAT, "");
    g_free(copy);
  }
}

static void
test_reject_truncated(void)
{
  GbModel *m = gb_test_model_new("input(4), dense(3), relu, dense(2)", 5);
  set_test_metadata(m);
  size_t len;
  guint8 *data = save_to_memory(m, &len);
  assert_every_prefix_fails(data, len);
  assert_load_fails(data, 5, GB_ERR_FORMAT, "file is too short (5 bytes)");
  assert_load_fails(data, 100, GB_ERR_FORMAT, "is larger than the 92 bytes that follow it");
  assert_load_fails(data, len - 1, GB_ERR_FORMAT,
                    "has data_offsets [84, 92] beyond the 91-byte data buffer");
  gb_free(data);
  gb_model_free(m);

  GByteArray *f = hand_file(HAND_HEADER);
  assert_every_prefix_fails(f->data, f->len);
  g_byte_array_free(f, TRUE);
}

static void
put_u64_le(guint8 *p, uint64_t v)
{
  for (int i = 0; i < 8; i++)
    p[i] = (guint8)(v >> (8 * i));
}

static void
test_reject_header_length(void)
{
  GByteArray *f = hand_file(HAND_HEADER);
  put_u64_le(f->data, UINT64_C(200) << 20);
  assert_load_fails(f->data, f->len, GB_ERR_FORMAT,
                    "header length 209715200 is absurd (the limit is 100 MB)");
  put_u64_le(f->data, UINT64_MAX);
  assert_load_fails(f->data, f->len, GB_ERR_FORMAT, "header length 18446744073709551615 is absurd");
  put_u64_le(f->data, f->len - 7);
  assert_load_fails(f->data, f->len, GB_ERR_FORMAT, "is larger than the");
  put_u64_le(f->data, 0);
  assert_load_fails(f->data, f->len, GB_ERR_FORMAT, "header does not start with '{'");
  /* Too short: the header ends inside the JSON. */
  put_u64_le(f->data, 20);
  assert_load_fails(f->data, f->len, GB_ERR_FORMAT,
                    "header: invalid JSON at byte 17: unterminated string");
  g_byte_array_free(f, TRUE);
}

static void
test_reject_not_json(void)
{
  assert_header_fails("{not json}", 8, "header: invalid JSON at byte 1: expected '\"', found 'n'");
  assert_header_fails("[1, 2]", 8, "header does not start with '{'");
  assert_header_fails("{} trailing", 8, "header: invalid JSON at byte 3: unexpected data");
  assert_header_fails("{\"__metadata__\":{\"a\":\"\xC3\x28\"}}", 8, "invalid UTF-8");
  assert_header_fails("{\"__metadata__\":{\"a\":\"b\",\"a\":\"c\"}}", 8, "duplicate key \"a\"");
  assert_header_fails("{" HAND_META "," HAND_TENSORS ",\"dense1.bias\":" HAND_BIAS "}", 8,
                      "duplicate key \"dense1.bias\"");
  char *open = g_strnfill(100, '['), *close = g_strnfill(100, ']');
  char *deep = g_strdup_printf("{\"x\":%s1%s}", open, close);
  assert_header_fails(deep, 8, "nested deeper than 64 levels");
  g_free(deep);
  g_free(open);
  g_free(close);
}

static void
test_reject_metadata(void)
{
  assert_header_fails("{" HAND_TENSORS "}", 8, "the header has no __metadata__");
  assert_header_fails("{\"__metadata__\":{\"format\":\"pt\"}," HAND_TENSORS "}", 8,
                      "__metadata__ has no glassbox.architecture");
  assert_header_fails("{\"__metadata__\":[]," HAND_TENSORS "}", 8,
                      "__metadata__ is an array, expected an object");
  assert_header_fails("{\"__metadata__\":{\"glassbox.architecture\":3}}", 8,
                      "metadata 'glassbox.architecture' is a number, expected a string");
  assert_header_fails("{\"__metadata__\":{\"glassbox.architecture\":\"" HAND_ARCH
                      "\",\"epochs\":3}}", 8, "metadata 'epochs' is a number");
  assert_header_fails("{\"__metadata__\":{\"glassbox.architecture\":\"" HAND_ARCH
                      "\",\"k\":\"a\\u0000b\"}}", 8, "metadata 'k' contains a NUL character");
}

static void
test_reject_architecture(void)
{
  assert_header_fails("{\"__metadata__\":{\"glassbox.architecture\":\"input(3), foo(2)\"}}", 0,
                      "glassbox.architecture: unknown layer 'foo'");
  assert_header_fails("{\"__metadata__\":{\"glassbox.architecture\":\"input(3), dense(\"}}", 0,
                      "glassbox.architecture: dense: missing ')'");
  assert_header_fails("{\"__metadata__\":{\"glassbox.architecture\":\"\"}}", 0,
                      "glassbox.architecture: ");
}

static void
test_reject_dtype(void)
{
  assert_tensors_fail(HAND_BIAS, "{\"dtype\":\"F64\",\"shape\":[2,3],\"data_offsets\":[8,56]}", 8,
                      "tensor 'dense1.weight' has dtype F64, expected F32");
  assert_tensors_fail("{\"dtype\":\"f32\",\"shape\":[2],\"data_offsets\":[0,8]}", HAND_WEIGHT, 8,
                      "tensor 'dense1.bias' has dtype f32, expected F32");
  assert_tensors_fail("{\"dtype\":32,\"shape\":[2],\"data_offsets\":[0,8]}", HAND_WEIGHT, 8,
                      "tensor 'dense1.bias' has a dtype that is a number");
  assert_tensors_fail("{\"shape\":[2],\"data_offsets\":[0,8]}", HAND_WEIGHT, 8,
                      "tensor 'dense1.bias' has no dtype");
}

static void
test_reject_shape(void)
{
  assert_tensors_fail(HAND_BIAS, "{\"dtype\":\"F32\",\"shape\":[2,4],\"data_offsets\":[8,40]}", 10,
                      "tensor 'dense1.weight' has shape 2x4, expected 2x3");
  assert_tensors_fail(HAND_BIAS, "{\"dtype\":\"F32\",\"shape\":[3,2],\"data_offsets\":[8,32]}", 8,
                      "tensor 'dense1.weight' has shape 3x2, expected 2x3");
  assert_tensors_fail(HAND_BIAS, "{\"dtype\":\"F32\",\"shape\":[6],\"data_offsets\":[8,32]}", 8,
                      "tensor 'dense1.weight' has shape 6, expected 2x3");
  assert_tensors_fail(HAND_BIAS, "{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[8,32]}", 8,
                      "tensor 'dense1.weight' has shape [] (a scalar), expected 2x3");
  assert_tensors_fail(HAND_BIAS, "{\"dtype\":\"F32\",\"shape\":[2,-3],\"data_offsets\":[8,32]}", 8,
                      "tensor 'dense1.weight' has a shape that is not an array of integers");
  assert_tensors_fail(HAND_BIAS, "{\"dtype\":\"F32\",\"shape\":[2,3.0],\"data_offsets\":[8,32]}",
                      8, "tensor 'dense1.weight' has a shape that is not an array of integers");
  assert_tensors_fail(HAND_BIAS, "{\"dtype\":\"F32\",\"shape\":\"2x3\",\"data_offsets\":[8,32]}",
                      8, "tensor 'dense1.weight' has a shape that is not an array of integers");
}

static void
test_reject_missing_and_extra(void)
{
  assert_header_fails("{" HAND_META ",\"dense1.bias\":" HAND_BIAS "}", 2,
                      "missing tensor 'dense1.weight'");
  assert_header_fails("{" HAND_META ",\"dense1.weight\":" HAND_WEIGHT "}", 8,
                      "missing tensor 'dense1.bias'");
  assert_header_fails("{" HAND_META "," HAND_TENSORS ",\"dense2.weight\":" HAND_BIAS "}", 8,
                      "unexpected tensor 'dense2.weight': the architecture has no such parameter");
  assert_header_fails("{" HAND_META "," HAND_TENSORS ",\"dense1.bias\\u0000x\":" HAND_BIAS "}",
                      8, "unexpected tensor 'dense1.bias?x'");
  assert_tensors_fail("[0,8]", HAND_WEIGHT, 8,
                      "tensor 'dense1.bias' is described by an array, expected an object");
  assert_tensors_fail("{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"x\":1}",
                      HAND_WEIGHT, 8, "tensor 'dense1.bias' has an unexpected field 'x'");
}

static void
test_reject_offsets(void)
{
  const char *not_pair = "has data_offsets that are not [begin, end] with integers in [0, 2^53]";
  const char *bad[] = {
      "[8]", "[8,32,40]", "[\"8\",32]", "[-8,32]", "[8.0,32]", "[8,3.2e1]", "{}", "null",
      "[9007199254740993,9007199254741017]", "[8,18446744073709551616]",
  };
  for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
    char *w = g_strdup_printf("{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":%s}", bad[i]);
    assert_tensors_fail(HAND_BIAS, w, 8, not_pair);
    g_free(w);
  }
  assert_tensors_fail(HAND_BIAS, "{\"dtype\":\"F32\",\"shape\":[2,3]}", 8,
                      "tensor 'dense1.weight' has no data_offsets");
  assert_tensors_fail(HAND_BIAS, "{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[32,8]}", 8,
                      "tensor 'dense1.weight' has data_offsets [32, 8] that end before they "
                      "begin");
  assert_tensors_fail(HAND_BIAS, "{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[8,40]}", 8,
                      "tensor 'dense1.weight' has data_offsets [8, 40] beyond the 32-byte data "
                      "buffer");
  assert_tensors_fail("{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}", HAND_WEIGHT, 8,
                      "tensor 'dense1.bias' has 4 bytes of data, expected 8 (2 float32 values)");
}

static void
test_reject_overlap_and_gaps(void)
{
  assert_tensors_fail(HAND_BIAS, "{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[4,28]}", 8,
                      "tensors 'dense1.bias' and 'dense1.weight' overlap in the data buffer "
                      "(bytes [0, 8) and [4, 28))");
  assert_tensors_fail("{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}",
                      "{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]}", 8,
                      "tensors 'dense1.bias' and 'dense1.weight' overlap");
  assert_tensors_fail(HAND_BIAS, "{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[12,36]}",
                      9, "bytes [8, 12) of the data buffer, before tensor 'dense1.weight', "
                      "belong to no tensor");
  assert_tensors_fail("{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}",
                      "{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[12,36]}", 9,
                      "bytes [0, 4) of the data buffer, before tensor 'dense1.bias'");
  assert_header_fails(HAND_HEADER, 9, "4 trailing bytes after the last tensor belong to no "
                      "tensor");
  /* No tensors at all, and yet data. */
  assert_header_fails("{\"__metadata__\":{\"glassbox.architecture\":\"input(2), relu\"}}", 1,
                      "4 trailing bytes");
}

static void
test_reject_non_finite(void)
{
  float values[8];
  memcpy(values, hand_values, sizeof values);
  values[2 + 4] = NAN;
  GByteArray *f = build_file(HAND_HEADER, values, 8);
  assert_load_fails(f->data, f->len, GB_ERR_FORMAT, "tensor 'dense1.weight' element 4 is NaN");
  g_byte_array_free(f, TRUE);
  memcpy(values, hand_values, sizeof values);
  values[1] = INFINITY;
  f = build_file(HAND_HEADER, values, 8);
  assert_load_fails(f->data, f->len, GB_ERR_FORMAT, "tensor 'dense1.bias' element 1 is +Inf");
  g_byte_array_free(f, TRUE);
  values[1] = -INFINITY;
  f = build_file(HAND_HEADER, values, 8);
  assert_load_fails(f->data, f->len, GB_ERR_FORMAT, "tensor 'dense1.bias' element 1 is -Inf");
  g_byte_array_free(f, TRUE);

  /* And in a bigger model, far into a tensor. */
  GbModel *m = gb_test_model_new("input(10), dense(8), relu, dense(4)", 2);
  size_t len;
  guint8 *data = save_to_memory(m, &len);
  size_t data_start = 8 + read_u64_le(data);
  float nan = NAN;
  guint32 u;
  memcpy(&u, &nan, 4);
  guint8 *p = data + data_start + 4 * 17; /* dense1.weight is the first tensor */
  for (int i = 0; i < 4; i++)
    p[i] = (guint8)(u >> (8 * i));
  assert_load_fails(data, len, GB_ERR_FORMAT, "tensor 'dense1.weight' element 17 is NaN");
  gb_free(data);
  gb_model_free(m);
}

/* Random corruption never crashes: the file either loads or fails with a message. */
static void
test_reject_corrupted(void)
{
  GbModel *m = gb_test_model_new("input(4), dense(3), relu, dense(2)", 5);
  set_test_metadata(m);
  size_t len;
  guint8 *data = save_to_memory(m, &len);
  GRand *rand = g_rand_new_with_seed(1234);
  int loaded = 0;
  for (int iter = 0; iter < 4000; iter++) {
    guint8 *copy = g_memdup2(data, len);
    int flips = g_rand_int_range(rand, 1, 4);
    for (int k = 0; k < flips; k++)
      copy[g_rand_int_range(rand, 0, (gint32)len)] = (guint8)g_rand_int_range(rand, 0, 256);
    GbModel *back = NULL;
    GbError err = {0};
    GbStatus st = gb_model_load_from_memory(copy, len, NAME, &back, &err);
    if (st == GB_OK) {
      loaded++;
      gb_model_free(back);
    } else {
      g_assert_true(st == GB_ERR_FORMAT || st == GB_ERR_UNSUPPORTED);
      g_assert_null(back);
      gb_test_assert_message(&err, NAME ": ", "");
    }
    g_free(copy);
  }
  g_test_message("%d of 4000 corrupted files still loaded", loaded);
  g_rand_free(rand);
  gb_free(data);
  gb_model_free(m);
}

/* Every allocation failure while loading or saving is reported as GB_ERR_NOMEM. */
static void
test_out_of_memory(void)
{
  GbModel *m = gb_test_model_new("input(4), dense(3), relu, dense(2)", 5);
  set_test_metadata(m);
  size_t len;
  void *data = save_to_memory(m, &len);
  for (long n = 1;; n++) {
    GbModel *back = NULL;
    GbError err = {0};
    gb_alloc_fail_after(n);
    GbStatus st = gb_model_load_from_memory(data, len, NAME, &back, &err);
    gb_alloc_fail_after(0);
    if (st == GB_OK) {
      gb_model_free(back);
      break;
    }
    g_assert_cmpint(st, ==, GB_ERR_NOMEM);
    g_assert_null(back);
    g_assert_cmpint(n, <, 10000);
  }
  for (long n = 1;; n++) {
    void *out = NULL;
    size_t out_len;
    GbError err = {0};
    gb_alloc_fail_after(n);
    GbStatus st = gb_model_save_to_memory(m, &out, &out_len, &err);
    gb_alloc_fail_after(0);
    if (st == GB_OK) {
      g_assert_cmpmem(out, out_len, data, len);
      gb_free(out);
      break;
    }
    g_assert_cmpint(st, ==, GB_ERR_NOMEM);
    g_assert_null(out);
    g_assert_cmpint(n, <, 10000);
  }
  gb_free(data);
  gb_model_free(m);
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
save_ok(GbModel *m, const char *path)
{
  GbError err = {0};
  if (gb_model_save(m, path, &err) != GB_OK)
    g_error("%s", err.message);
}

static GbModel *
load_file_ok(const char *path)
{
  GbModel *m = NULL;
  GbError err = {0};
  if (gb_model_load(path, &m, &err) != GB_OK)
    g_error("%s", err.message);
  return m;
}

static void
test_file_round_trip(void)
{
  char *dir = g_dir_make_tmp("gb-model-file-XXXXXX", NULL);
  char *path = g_build_filename(dir, "model.safetensors", NULL);
  GbModel *a = gb_test_model_new("input(2,3), dense(4), tanh, dense(2)", 1);
  set_test_metadata(a);
  save_ok(a, path);
  g_assert_cmpint(count_entries(dir), ==, 1); /* no temporary file left behind */
  GbModel *back = load_file_ok(path);
  assert_models_identical(a, back);
  gb_model_free(back);

  /* Replacing keeps the file's permissions and leaves no temporary file. */
  g_assert_cmpint(g_chmod(path, 0600), ==, 0);
  GbModel *b = gb_test_model_new("input(2,3), dense(4), tanh, dense(2)", 2);
  save_ok(b, path);
  struct stat st;
  g_assert_cmpint(g_stat(path, &st), ==, 0);
  g_assert_cmpint(st.st_mode & 0777, ==, 0600);
  g_assert_cmpint(count_entries(dir), ==, 1);
  back = load_file_ok(path);
  assert_models_identical(b, back);
  gb_model_free(back);

  /* The file on disk is exactly what save_to_memory produces. */
  size_t len, file_len;
  void *data = save_to_memory(b, &len);
  char *contents;
  g_assert_true(g_file_get_contents(path, &contents, &file_len, NULL));
  g_assert_cmpmem(contents, file_len, data, len);
  g_free(contents);
  gb_free(data);

  gb_model_free(a);
  gb_model_free(b);
  gb_test_remove_tree(dir);
  g_free(path);
  g_free(dir);
}

static void
test_load_errors(void)
{
  char *dir = g_dir_make_tmp("gb-model-file-XXXXXX", NULL);
  char *path = g_build_filename(dir, "absent.safetensors", NULL);
  GbModel *m = (GbModel *)0x1;
  GbError err = {0};
  g_assert_cmpint(gb_model_load(path, &m, &err), ==, GB_ERR_IO);
  g_assert_null(m);
  gb_test_assert_message(&err, path, "cannot open: No such file or directory");
  g_assert_cmpint(gb_model_load(dir, &m, &err), ==, GB_ERR_IO);
  gb_test_assert_message(&err, dir, "not a regular file");
  /* A truncated file on disk says which file. */
  g_assert_true(g_file_set_contents(path, "\x10\0\0\0\0\0\0\0{}", 10, NULL));
  g_assert_cmpint(gb_model_load(path, &m, &err), ==, GB_ERR_FORMAT);
  gb_test_assert_message(&err, path, "is larger than the 2 bytes that follow it");
  gb_test_remove_tree(dir);
  g_free(path);
  g_free(dir);
}

static void
test_save_missing_directory(void)
{
  char *dir = g_dir_make_tmp("gb-model-file-XXXXXX", NULL);
  char *path = g_build_filename(dir, "no", "such", "dir", "model.safetensors", NULL);
  GbModel *m = gb_test_model_new("input(3), dense(2)", 1);
  GbError err = {0};
  g_assert_cmpint(gb_model_save(m, path, &err), ==, GB_ERR_IO);
  gb_test_assert_message(&err, path, "cannot create a temporary file");
  gb_test_assert_message(&err, path, strerror(ENOENT));
  gb_model_free(m);
  gb_test_remove_tree(dir);
  g_free(path);
  g_free(dir);
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

/* Saving into a directory we may not write leaves the old file as it was. */
static void
test_save_read_only_directory(void)
{
  if (geteuid() == 0) {
    g_test_skip("root ignores directory permissions");
    return;
  }
  char *dir = g_dir_make_tmp("gb-model-file-XXXXXX", NULL);
  char *path = g_build_filename(dir, "model.safetensors", NULL);
  GbModel *a = gb_test_model_new("input(3), dense(2)", 1), *b = gb_test_model_new("input(3), dense(2)", 2);
  save_ok(a, path);
  size_t len;
  void *old = save_to_memory(a, &len);
  g_assert_cmpint(g_chmod(dir, 0555), ==, 0);
  GbError err = {0};
  g_assert_cmpint(gb_model_save(b, path, &err), ==, GB_ERR_IO);
  gb_test_assert_message(&err, path, strerror(EACCES));
  g_assert_cmpint(g_chmod(dir, 0755), ==, 0);
  assert_file_equals(path, old, len);
  g_assert_cmpint(count_entries(dir), ==, 1);
  gb_free(old);
  gb_model_free(a);
  gb_model_free(b);
  gb_test_remove_tree(dir);
  g_free(path);
  g_free(dir);
}

/* A write that fails half-way (here: the file size limit, like a full disk) removes the
 * temporary file and leaves the old file intact. Runs in a subprocess because of the limit. */
static void
test_save_write_failure(void)
{
  if (!g_test_subprocess()) {
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_passed();
    return;
  }
  char *dir = g_dir_make_tmp("gb-model-file-XXXXXX", NULL);
  char *path = g_build_filename(dir, "model.safetensors", NULL);
  GbModel *a = gb_test_model_new("input(64), dense(64), dense(10)", 1);
  GbModel *b = gb_test_model_new("input(64), dense(64), dense(10)", 2);
  save_ok(a, path);
  size_t len;
  void *old = save_to_memory(a, &len);
  g_assert_cmpuint(len, >, 16384);
  signal(SIGXFSZ, SIG_IGN);
  struct rlimit lim;
  g_assert_cmpint(getrlimit(RLIMIT_FSIZE, &lim), ==, 0);
  lim.rlim_cur = 8192;
  g_assert_cmpint(setrlimit(RLIMIT_FSIZE, &lim), ==, 0);
  GbError err = {0};
  g_assert_cmpint(gb_model_save(b, path, &err), ==, GB_ERR_IO);
  gb_test_assert_message(&err, path, strerror(EFBIG));
  assert_file_equals(path, old, len);
  g_assert_cmpint(count_entries(dir), ==, 1);
  gb_free(old);
  gb_model_free(a);
  gb_model_free(b);
  gb_test_remove_tree(dir);
  g_free(path);
  g_free(dir);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/engine/model-file/round-trip/mlp", test_round_trip_mlp);
  g_test_add_func("/engine/model-file/round-trip/cnn", test_round_trip_cnn);
  g_test_add_func("/engine/model-file/round-trip/lstm", test_round_trip_lstm);
  g_test_add_func("/engine/model-file/round-trip/prm", test_round_trip_prm);
  g_test_add_func("/engine/model-file/round-trip/no-params", test_round_trip_no_params);
  g_test_add_func("/engine/model-file/round-trip/file", test_file_round_trip);
  g_test_add_func("/engine/model-file/reserved-metadata", test_reserved_metadata);
  g_test_add_func("/engine/model-file/layout", test_layout);
  g_test_add_func("/engine/model-file/hand-made", test_hand_made);
  g_test_add_func("/engine/model-file/reject/truncated", test_reject_truncated);
  g_test_add_func("/engine/model-file/reject/header-length", test_reject_header_length);
  g_test_add_func("/engine/model-file/reject/not-json", test_reject_not_json);
  g_test_add_func("/engine/model-file/reject/metadata", test_reject_metadata);
  g_test_add_func("/engine/model-file/reject/architecture", test_reject_architecture);
  g_test_add_func("/engine/model-file/reject/dtype", test_reject_dtype);
  g_test_add_func("/engine/model-file/reject/shape", test_reject_shape);
  g_test_add_func("/engine/model-file/reject/missing-and-extra", test_reject_missing_and_extra);
  g_test_add_func("/engine/model-file/reject/offsets", test_reject_offsets);
  g_test_add_func("/engine/model-file/reject/overlap-and-gaps", test_reject_overlap_and_gaps);
  g_test_add_func("/engine/model-file/reject/non-finite", test_reject_non_finite);
  g_test_add_func("/engine/model-file/reject/corrupted", test_reject_corrupted);
  g_test_add_func("/engine/model-file/out-of-memory", test_out_of_memory);
  g_test_add_func("/engine/model-file/load/errors", test_load_errors);
  g_test_add_func("/engine/model-file/save/missing-directory", test_save_missing_directory);
  g_test_add_func("/engine/model-file/save/read-only-directory", test_save_read_only_directory);
  g_test_add_func("/engine/model-file/save/write-failure", test_save_write_failure);
  return g_test_run();
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The npm package's JSON digits, read and checked, and the seeded stratified split. */
#include "config.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "gb-alloc.h"
#include "gb-mnist-fetch-private.h"
#include "gb-rng.h"

#define PIXELS 784
#define MAX_IMAGES 1000000

/* A byte k stored as k / 255 rounded to 3 decimals: rounding v * 255 recovers k, and the
 * value must be exactly what rounding k / 255 gives (so a value off by a whole byte, or one
 * that was never a byte, is caught; 0.5 is not a byte over 255 and is rejected). */
static gboolean
value_to_byte(double v, guint8 *out)
{
  long k = lround(v * 255.0);
  if (!(k >= 0 && k <= 255))
    return FALSE;
  if (fabs(v - round(k / 255.0 * 1000.0) / 1000.0) > 1e-9)
    return FALSE;
  *out = (guint8)k;
  return TRUE;
}

static JsonArray *
data_array(JsonParser *parser)
{
  JsonNode *root = json_parser_get_root(parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root))
    return NULL;
  JsonNode *data = json_object_get_member(json_node_get_object(root), "data");
  return data != NULL && JSON_NODE_HOLDS_ARRAY(data) ? json_node_get_array(data) : NULL;
}

static GbStatus
convert_values(const char *path, JsonArray *arr, guint8 *dst, GbError *err)
{
  guint len = json_array_get_length(arr);
  for (guint i = 0; i < len; i++) {
    JsonNode *e = json_array_get_element(arr, i);
    GType t = JSON_NODE_HOLDS_VALUE(e) ? json_node_get_value_type(e) : G_TYPE_INVALID;
    if (t != G_TYPE_DOUBLE && t != G_TYPE_INT64)
      return gb_error_set(err, GB_ERR_FORMAT, "%s: value %u (image %u, pixel %u) is not a number",
                          path, i, i / PIXELS, i % PIXELS);
    double v = json_node_get_double(e);
    if (!value_to_byte(v, &dst[i]))
      return gb_error_set(err, GB_ERR_FORMAT,
                          "%s: value %g (image %u, pixel %u) is not a byte over 255 rounded to "
                          "3 decimals",
                          path, v, i / PIXELS, i % PIXELS);
  }
  return GB_OK;
}

/* Appends one class file's images to *pixels (reallocated) and their class to *labels. */
static GbStatus
read_class(const char *dir, int c, int expected, guint8 **pixels, guint8 **labels, int *n,
           GbError *err)
{
  g_autofree char *name = g_strdup_printf("%d.json", c);
  g_autofree char *path = g_build_filename(dir, name, NULL);
  g_autoptr(JsonParser) parser = json_parser_new_immutable();
  g_autoptr(GError) error = NULL;
  if (!json_parser_load_from_file(parser, path, &error))
    return gb_error_set(err, error->domain == G_FILE_ERROR ? GB_ERR_IO : GB_ERR_FORMAT, "%s: %s",
                        path, error->message);
  JsonArray *arr = data_array(parser);
  if (arr == NULL)
    return gb_error_set(err, GB_ERR_FORMAT, "%s: expected an object {\"data\": [...]}", path);
  guint len = json_array_get_length(arr);
  if (len == 0 || len % PIXELS != 0)
    return gb_error_set(err, GB_ERR_FORMAT, "%s: %u values are not a whole number of 28x28 images",
                        path, len);
  int count = (int)(len / PIXELS);
  if (expected > 0 && count != expected)
    return gb_error_set(err, GB_ERR_FORMAT, "%s: %d images, expected %d", path, count, expected);
  if (*n + count > MAX_IMAGES)
    return gb_error_set(err, GB_ERR_FORMAT, "%s: more than %d images in all", path, MAX_IMAGES);
  guint8 *px = gb_realloc(*pixels, (size_t)(*n + count) * PIXELS);
  if (px != NULL)
    *pixels = px;
  guint8 *lb = px ? gb_realloc(*labels, (size_t)(*n + count)) : NULL;
  if (lb != NULL)
    *labels = lb;
  if (px == NULL || lb == NULL)
    return gb_error_set(err, GB_ERR_NOMEM, "%s: out of memory for %d images", path, *n + count);
  GbStatus st = convert_values(path, arr, px + (size_t)*n * PIXELS, err);
  if (st != GB_OK)
    return st;
  memset(lb + *n, c, (size_t)count);
  *n += count;
  return GB_OK;
}

GbStatus
gb_mnist_read_digits(const char *digits_dir, const int *expected_counts, guint8 **pixels,
                     guint8 **labels, int *n, GbError *err)
{
  *pixels = NULL;
  *labels = NULL;
  *n = 0;
  for (int c = 0; c < 10; c++) {
    GbStatus st = read_class(digits_dir, c, expected_counts ? expected_counts[c] : 0, pixels,
                             labels, n, err);
    if (st != GB_OK) {
      g_clear_pointer(pixels, gb_free);
      g_clear_pointer(labels, gb_free);
      *n = 0;
      return st;
    }
  }
  return GB_OK;
}

/* How many of each class go to the test set: proportional, floors first, then the remaining
 * places to the largest fractional parts (the lower class on ties). */
static void
test_quota(const int *count, int n, int n_test, int *quota)
{
  double rem[10];
  int given = 0;
  for (int c = 0; c < 10; c++) {
    double exact = (double)count[c] * n_test / n;
    quota[c] = (int)floor(exact);
    rem[c] = exact - quota[c];
    given += quota[c];
  }
  for (; given < n_test; given++) {
    int best = -1;
    for (int c = 0; c < 10; c++)
      if (quota[c] < count[c] && (best < 0 || rem[c] > rem[best]))
        best = c;
    quota[best]++;
    rem[best] = -1.0;
  }
}

GbStatus
gb_mnist_split(const guint8 *labels, int n, int n_test, guint64 seed, int *train_idx,
               int *test_idx, GbError *err)
{
  if (n < 1 || n_test < 0 || n_test > n)
    return gb_error_set(err, GB_ERR_INVALID, "cannot split %d items into %d test items", n,
                        n_test);
  int count[10] = {0}, quota[10];
  for (int i = 0; i < n; i++) {
    if (labels[i] > 9)
      return gb_error_set(err, GB_ERR_INVALID, "label %d of item %d is outside 0..9", labels[i],
                          i);
    count[labels[i]]++;
  }
  test_quota(count, n, n_test, quota);
  int *members = gb_malloc((size_t)n * sizeof *members);
  if (members == NULL)
    return gb_error_set(err, GB_ERR_NOMEM, "out of memory splitting %d items", n);
  GbRng rng;
  gb_rng_seed(&rng, seed);
  int n_tr = 0, n_te = 0;
  for (int c = 0; c < 10; c++) {
    int m = 0;
    for (int i = 0; i < n; i++)
      if (labels[i] == c)
        members[m++] = i;
    gb_rng_shuffle(&rng, members, m);
    for (int j = 0; j < m; j++) {
      if (j < quota[c])
        test_idx[n_te++] = members[j];
      else
        train_idx[n_tr++] = members[j];
    }
  }
  gb_rng_shuffle(&rng, train_idx, n_tr);
  gb_rng_shuffle(&rng, test_idx, n_te);
  gb_free(members);
  return GB_OK;
}

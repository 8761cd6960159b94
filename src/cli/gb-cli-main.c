/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb-blas.h"
#include "gb-cli.h"

static void
print_version(void)
{
  printf("glassbox-cli %s\n", GB_VERSION);
  printf("OpenBLAS core: %s, %d thread%s\n", gb_blas_core_name(), gb_blas_get_threads(),
         gb_blas_get_threads() == 1 ? "" : "s");
}

static void
print_help(void)
{
  printf("Usage: glassbox-cli COMMAND [OPTIONS]\n\n"
         "Commands:\n"
         "  train     train a model (also k-fold cross-validation and hyper-parameter search)\n"
         "  eval      accuracy, balanced accuracy, ROC AUC and confusion matrix on a data set\n"
         "  predict   class probabilities for samples of a data set\n"
         "  info      architecture, shapes, parameter counts and metadata of a model file\n"
         "  explain   which input features made the model decide: a heatmap or the values\n"
         "  evaluate  explainability-performance curves of several methods over a data set\n"
         "  data      fetch the digit data sets; describe a data set or file\n"
         "  eeg       simulate P300 speller EEG trials with ground truth\n"
         "  hidden    hidden states of a recurrent P300 model: selectivity, PCA, probe, clusters,\n"
         "            relevance through time, scalp maps, PRM evidence\n"
         "  global    a model over a whole data set (class maps, importance, prototypes) and\n"
         "            the difficulties of deep learning (adversarial, Clever Hans, ...)\n\n"
         "  --version   print the version and the OpenBLAS kernels in use\n"
         "  --help      this text; 'glassbox-cli COMMAND --help' for a command's options\n\n"
         "Exit status: 0 success, 1 computation failed, 2 bad command line,\n"
         "3 bad data, model or settings, 130 interrupted.\n");
}

/* One BLAS thread unless the user asked otherwise: two are slower on MNIST-sized matrices. */
static void
configure_blas(void)
{
  if (getenv("OPENBLAS_NUM_THREADS") == NULL && getenv("GB_BLAS_THREADS") == NULL)
    gb_blas_set_threads(1);
  else if (getenv("GB_BLAS_THREADS") != NULL)
    gb_blas_set_threads(atoi(getenv("GB_BLAS_THREADS")));
}

int
main(int argc, char **argv)
{
  gb_blas_ensure_fast_core(argv);
  setlocale(LC_ALL, "");
  setlocale(LC_NUMERIC, "C"); /* numbers in files and output always use a dot */
  configure_blas();
  gb_cli_install_interrupt();
  if (argc < 2) {
    print_help();
    return GB_EXIT_USAGE;
  }
  const char *cmd = argv[1];
  if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
    print_version();
    return GB_EXIT_OK;
  }
  if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
    print_help();
    return GB_EXIT_OK;
  }
  static const struct {
    const char *name;
    int (*run)(int, char **);
  } commands[] = {{"train", gb_cli_train},
                  {"eval", gb_cli_eval},
                  {"predict", gb_cli_predict},
                  {"info", gb_cli_info},
                  {"data", gb_cli_data},
                  {"eeg", gb_cli_eeg},
                  {"explain", gb_cli_explain},
                  {"evaluate", gb_cli_evaluate},
                  {"hidden", gb_cli_hidden},
                  {"global", gb_cli_global}};
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (strcmp(cmd, commands[i].name) == 0) {
      g_autofree char *prg = g_strdup_printf("glassbox-cli %s", cmd);
      g_set_prgname(prg);
      return commands[i].run(argc - 1, argv + 1);
    }
  fprintf(stderr, "glassbox-cli: unknown command '%s'\nTry 'glassbox-cli --help'.\n", cmd);
  return GB_EXIT_USAGE;
}

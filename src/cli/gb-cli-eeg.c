/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "gb-cli.h"
#include "gb-eeg-file.h"
#include "gb-eeg-recipe.h"
#include "gb-eeg-sim.h"
#include "gb-eeg.h"

typedef struct {
  int subjects, characters, repetitions, channels, seed, decimate, heldout_subjects, heldout_seed;
  double srate, erp_scale;
  char *bandpass, *out, *heldout_out;
  gboolean standardise;
} SimOptions;

static void
describe(const char *path, const GbEegSet *set)
{
  int n = gb_dataset_size(set->data), targets = 0;
  for (int i = 0; i < n; i++)
    targets += set->data->labels[i] == 1;
  printf("%s: %d trials (%d targets) of %d samples x %d channels at %g Hz, %d subjects\n", path,
         n, targets, set->n_times, set->n_channels, set->srate, set->n_subjects);
}

static int
eeg_simulate(int argc, char **argv)
{
  GbEegSimConfig defaults;
  gb_eeg_sim_config_init(&defaults);
  SimOptions o = {defaults.n_subjects, defaults.n_characters, defaults.n_repetitions,
                  defaults.n_channels, 1, 1, 0, 1001, defaults.srate, defaults.erp_scale,
                  NULL, NULL, NULL, FALSE};
  GOptionEntry entries[] = {
      {"subjects", 0, 0, G_OPTION_ARG_INT, &o.subjects, "Simulated subjects (8)", "N"},
      {"characters", 0, 0, G_OPTION_ARG_INT, &o.characters, "Speller characters each (10)", "N"},
      {"repetitions", 0, 0, G_OPTION_ARG_INT, &o.repetitions,
       "Blocks of 12 flashes per character (5)", "N"},
      {"channels", 0, 0, G_OPTION_ARG_INT, &o.channels, "Montage: 8, 16, 32 or 64 (16)", "N"},
      {"srate", 0, 0, G_OPTION_ARG_DOUBLE, &o.srate, "Sampling rate in Hz (128)", "HZ"},
      {"erp-scale", 0, 0, G_OPTION_ARG_DOUBLE, &o.erp_scale,
       "Scale of the N2 and P3b: the difficulty (1)", "F"},
      {"seed", 's', 0, G_OPTION_ARG_INT, &o.seed, "Seed (1)", "N"},
      {"bandpass", 0, 0, G_OPTION_ARG_STRING, &o.bandpass,
       "Zero-phase 4th-order Butterworth band-pass", "LO,HI"},
      {"decimate", 0, 0, G_OPTION_ARG_INT, &o.decimate, "Keep every K-th sample (anti-aliased)", "K"},
      {"standardise", 0, 0, G_OPTION_ARG_NONE, &o.standardise,
       "Per-channel standardisation fitted on these (training) trials", NULL},
      {"held-out-subjects", 0, 0, G_OPTION_ARG_INT, &o.heldout_subjects,
       "Also simulate N other subjects, preprocessed with the training statistics", "N"},
      {"held-out-seed", 0, 0, G_OPTION_ARG_INT, &o.heldout_seed, "Their seed (1001)", "N"},
      {"held-out-out", 0, 0, G_OPTION_ARG_FILENAME, &o.heldout_out, "Where to write them", "FILE"},
      {"out", 'o', 0, G_OPTION_ARG_FILENAME, &o.out, "Glassbox EEG set to write", "FILE"},
      {NULL}};
  g_autoptr(GOptionContext) ctx = g_option_context_new("- simulate P300 speller EEG trials");
  g_option_context_add_main_entries(ctx, entries, NULL);
  g_option_context_set_description(
      ctx, "Writes epochs (time x channels, microvolts) with target labels, subjects, stimulus\n"
           "codes and the simulator's ground truth as a safetensors file that training,\n"
           "'data info' and NumPy read. Example:\n"
           "  glassbox-cli eeg simulate --subjects 8 --bandpass 0.5,12 --decimate 4 "
           "--standardise \\\n    --out train.safetensors --held-out-subjects 4 "
           "--held-out-out test.safetensors\n"
           "Exit status: 0 success, 2 bad command line, 3 bad settings or file.");
  int code;
  g_auto(GStrv) keep = NULL;
  if (!gb_cli_parse(ctx, &argc, &argv, &code))
    goto out;
  double lo = 0, hi = 0;
  char extra;
  if (!o.out)
    code = gb_cli_usage_error(ctx, "eeg simulate needs --out FILE");
  else if (o.bandpass && (sscanf(o.bandpass, "%lf,%lf%c", &lo, &hi, &extra) != 2 || !(lo > 0) ||
                          !(hi > lo)))
    code = gb_cli_usage_error(ctx, "--bandpass takes LO,HI in Hz with 0 < LO < HI");
  else if (o.decimate < 1)
    code = gb_cli_usage_error(ctx, "--decimate must be at least 1");
  else if ((o.heldout_subjects > 0) != (o.heldout_out != NULL))
    code = gb_cli_usage_error(ctx, "--held-out-subjects and --held-out-out go together");
  else
    code = -1;
  if (code >= 0)
    goto out;
  GbEegRecipe r;
  gb_eeg_recipe_init(&r);
  r.subjects = o.subjects;
  r.characters = o.characters;
  r.repetitions = o.repetitions;
  r.channels = o.channels;
  r.srate = o.srate;
  r.erp_scale = o.erp_scale;
  r.seed = (uint64_t)o.seed;
  r.band_lo = lo;
  r.band_hi = hi;
  r.decimate = o.decimate;
  r.standardise = o.standardise;
  r.heldout_subjects = o.heldout_subjects;
  r.heldout_seed = (uint64_t)o.heldout_seed;
  GbError err;
  GbCliProgress prog;
  gb_cli_progress_init(&prog);
  GbEegSet *train = NULL, *test = NULL;
  GbStatus st = gb_eeg_recipe_make(&r, &train, &test, gb_cli_progress_cb, &prog, &err);
  gb_cli_progress_finish(&prog);
  if (st == GB_OK)
    st = gb_eeg_set_save(train, o.out, &err);
  if (st == GB_OK && test != NULL)
    st = gb_eeg_set_save(test, o.heldout_out, &err);
  if (st == GB_OK) {
    describe(o.out, train);
    if (test != NULL)
      describe(o.heldout_out, test);
    code = GB_EXIT_OK;
  } else {
    code = gb_cli_report(&err);
  }
  gb_eeg_set_free(train);
  gb_eeg_set_free(test);
out:
  g_free(o.bandpass);
  g_free(o.out);
  g_free(o.heldout_out);
  return code;
}

int
gb_cli_eeg(int argc, char **argv)
{
  if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
    printf("Usage: glassbox-cli eeg simulate ...\n"
           "  simulate   P300 speller trials from the built-in simulator, with ground truth\n"
           "Recordings (.mat, .edf, .bdf, .gdf) and EEG sets are read by 'data info', 'train',\n"
           "'eval' and 'predict' as data sources.\n");
    return argc < 2 ? GB_EXIT_USAGE : GB_EXIT_OK;
  }
  if (strcmp(argv[1], "simulate") == 0) {
    g_set_prgname("glassbox-cli eeg simulate");
    return eeg_simulate(argc - 1, argv + 1);
  }
  g_printerr("glassbox-cli: unknown eeg command '%s' (simulate)\n", argv[1]);
  return GB_EXIT_USAGE;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "gb-cli.h"
#include "gb-eeg-file.h"
#include "gb-eeg-filter.h"
#include "gb-eeg-sim.h"
#include "gb-eeg.h"

typedef struct {
  int subjects, characters, repetitions, channels, seed, decimate, heldout_subjects, heldout_seed;
  double srate, erp_scale;
  char *bandpass, *out, *heldout_out;
  gboolean standardise;
} SimOptions;

/* Band-pass and decimation, in that order; replaces *set. */
static GbStatus
preprocess(GbEegSet **set, double lo, double hi, int decimate, GbCliProgress *prog, GbError *err)
{
  if (hi > 0) {
    GbStatus st = gb_eeg_set_bandpass(*set, 4, lo, hi, gb_cli_progress_cb, prog, err);
    if (st != GB_OK)
      return st;
  }
  if (decimate > 1) {
    GbEegSet *d = gb_eeg_set_decimate(*set, decimate, gb_cli_progress_cb, prog, err);
    if (d == NULL)
      return err->code;
    gb_eeg_set_free(*set);
    *set = d;
  }
  return GB_OK;
}

static GbEegSet *
simulate(const SimOptions *o, int subjects, int seed, double lo, double hi, GbCliProgress *prog,
         GbError *err)
{
  GbEegSimConfig cfg;
  gb_eeg_sim_config_init(&cfg);
  cfg.n_subjects = subjects;
  cfg.n_characters = o->characters;
  cfg.n_repetitions = o->repetitions;
  cfg.n_channels = o->channels;
  cfg.srate = o->srate;
  cfg.erp_scale = o->erp_scale;
  cfg.seed = (uint64_t)seed;
  cfg.progress = gb_cli_progress_cb;
  cfg.user = prog;
  GbEegSet *set = NULL;
  if (gb_eeg_sim_generate(&cfg, &set, err) != GB_OK)
    return NULL;
  if (preprocess(&set, lo, hi, o->decimate, prog, err) != GB_OK) {
    gb_eeg_set_free(set);
    return NULL;
  }
  return set;
}

static void
describe(const char *path, const GbEegSet *set)
{
  int n = gb_dataset_size(set->data), targets = 0;
  for (int i = 0; i < n; i++)
    targets += set->data->labels[i] == 1;
  printf("%s: %d trials (%d targets) of %d samples x %d channels at %g Hz, %d subjects\n", path,
         n, targets, set->n_times, set->n_channels, set->srate, set->n_subjects);
}

static void
sim_options_free(SimOptions *o)
{
  g_free(o->bandpass);
  g_free(o->out);
  g_free(o->heldout_out);
}

/* Parses and checks an 'eeg simulate' command line into @o (free with sim_options_free) and
 * the band-pass edges; on failure prints the message and returns false with *code set. */
static bool
sim_parse(int argc, char **argv, SimOptions *o, double *lo, double *hi, int *code)
{
  GbEegSimConfig defaults;
  gb_eeg_sim_config_init(&defaults);
  *o = (SimOptions){defaults.n_subjects, defaults.n_characters, defaults.n_repetitions,
                    defaults.n_channels, 1, 1, 0, 1001, defaults.srate, defaults.erp_scale,
                    NULL, NULL, NULL, FALSE};
  GOptionEntry entries[] = {
      {"subjects", 0, 0, G_OPTION_ARG_INT, &o->subjects, "Simulated subjects (8)", "N"},
      {"characters", 0, 0, G_OPTION_ARG_INT, &o->characters, "Speller characters each (10)", "N"},
      {"repetitions", 0, 0, G_OPTION_ARG_INT, &o->repetitions,
       "Blocks of 12 flashes per character (5)", "N"},
      {"channels", 0, 0, G_OPTION_ARG_INT, &o->channels, "Montage: 8, 16, 32 or 64 (16)", "N"},
      {"srate", 0, 0, G_OPTION_ARG_DOUBLE, &o->srate, "Sampling rate in Hz (128)", "HZ"},
      {"erp-scale", 0, 0, G_OPTION_ARG_DOUBLE, &o->erp_scale,
       "Scale of the N2 and P3b: the difficulty (1)", "F"},
      {"seed", 's', 0, G_OPTION_ARG_INT, &o->seed, "Seed (1)", "N"},
      {"bandpass", 0, 0, G_OPTION_ARG_STRING, &o->bandpass,
       "Zero-phase 4th-order Butterworth band-pass", "LO,HI"},
      {"decimate", 0, 0, G_OPTION_ARG_INT, &o->decimate, "Keep every K-th sample (anti-aliased)",
       "K"},
      {"standardise", 0, 0, G_OPTION_ARG_NONE, &o->standardise,
       "Per-channel standardisation fitted on these (training) trials", NULL},
      {"held-out-subjects", 0, 0, G_OPTION_ARG_INT, &o->heldout_subjects,
       "Also simulate N other subjects, preprocessed with the training statistics", "N"},
      {"held-out-seed", 0, 0, G_OPTION_ARG_INT, &o->heldout_seed, "Their seed (1001)", "N"},
      {"held-out-out", 0, 0, G_OPTION_ARG_FILENAME, &o->heldout_out, "Where to write them", "FILE"},
      {"out", 'o', 0, G_OPTION_ARG_FILENAME, &o->out, "Glassbox EEG set to write", "FILE"},
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
  if (!gb_cli_parse(ctx, &argc, &argv, code))
    return false;
  char extra;
  *lo = *hi = 0;
  if (!o->out)
    *code = gb_cli_usage_error(ctx, "eeg simulate needs --out FILE");
  else if (o->bandpass && (sscanf(o->bandpass, "%lf,%lf%c", lo, hi, &extra) != 2 || !(*lo > 0) ||
                           !(*hi > *lo)))
    *code = gb_cli_usage_error(ctx, "--bandpass takes LO,HI in Hz with 0 < LO < HI");
  else if (o->decimate < 1)
    *code = gb_cli_usage_error(ctx, "--decimate must be at least 1");
  else if ((o->heldout_subjects > 0) != (o->heldout_out != NULL))
    *code = gb_cli_usage_error(ctx, "--held-out-subjects and --held-out-out go together");
  else
    return true;
  return false;
}

/* The training subjects and, when asked, the held-out ones, preprocessed; standardised with
 * the training subjects' statistics when asked. */
static GbStatus
sim_run(const SimOptions *o, double lo, double hi, GbEegSet **train, GbEegSet **test,
        GbError *err)
{
  GbCliProgress prog;
  gb_cli_progress_init(&prog);
  *test = NULL;
  *train = simulate(o, o->subjects, o->seed, lo, hi, &prog, err);
  if (*train != NULL && o->heldout_subjects > 0)
    *test = simulate(o, o->heldout_subjects, o->heldout_seed, lo, hi, &prog, err);
  gb_cli_progress_finish(&prog);
  GbStatus st = *train == NULL || (o->heldout_subjects > 0 && *test == NULL) ? err->code : GB_OK;
  if (st == GB_OK && o->standardise) {
    GbEegScaler *scaler = gb_eeg_scaler_fit(*train, NULL, 0, err);
    st = scaler ? gb_eeg_scaler_apply(scaler, *train, err) : err->code;
    if (st == GB_OK && *test != NULL)
      st = gb_eeg_scaler_apply(scaler, *test, err);
    gb_eeg_scaler_free(scaler);
  }
  if (st != GB_OK) {
    gb_eeg_set_free(*train);
    gb_eeg_set_free(*test);
    *train = *test = NULL;
  }
  return st;
}

static int
eeg_simulate(int argc, char **argv)
{
  SimOptions o;
  double lo, hi;
  int code;
  if (!sim_parse(argc, argv, &o, &lo, &hi, &code)) {
    sim_options_free(&o);
    return code;
  }
  GbError err;
  GbEegSet *train, *test;
  GbStatus st = sim_run(&o, lo, hi, &train, &test, &err);
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
  sim_options_free(&o);
  return code;
}

GbEegSet *
gb_cli_eeg_recipe_heldout(const char *recipe, GbError *err)
{
  static const char prefix[] = "glassbox-cli eeg simulate ";
  g_auto(GStrv) argv = NULL;
  int argc;
  if (recipe == NULL || strncmp(recipe, prefix, strlen(prefix)) != 0
      || !g_shell_parse_argv(recipe + strlen("glassbox-cli eeg "), &argc, &argv, NULL)) {
    gb_error_set(err, GB_ERR_INVALID, "data recipe '%s' is not a 'glassbox-cli eeg simulate' "
                 "command line", recipe ? recipe : "(none)");
    return NULL;
  }
  SimOptions o;
  double lo, hi;
  int code;
  GbEegSet *train = NULL, *test = NULL;
  /* Option parsing drops the words it used from the array it is given: give it a copy of the
   * pointers so that freeing @argv frees every word. */
  g_autofree char **words = g_memdup2(argv, (size_t)(argc + 1) * sizeof(char *));
  if (!sim_parse(argc, words, &o, &lo, &hi, &code))
    gb_error_set(err, GB_ERR_INVALID, "data recipe '%s' does not parse", recipe);
  else if (o.heldout_subjects < 1)
    gb_error_set(err, GB_ERR_INVALID, "data recipe '%s' has no held-out subjects", recipe);
  else if (sim_run(&o, lo, hi, &train, &test, err) == GB_OK)
    gb_eeg_set_free(train);
  sim_options_free(&o);
  return test;
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

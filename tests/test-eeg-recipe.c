/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Data recipes: the text a model stores parses into the settings it names, and regenerating only
 * the held-out subjects gives exactly the trials a full run gives. */
#include "config.h"

#include <glib.h>
#include <math.h>
#include <string.h>

#include "gb-eeg-recipe.h"
#include "gb-test-util.h"

#define STORED                                                                                \
  "glassbox-cli eeg simulate --subjects 32 --seed 1 --bandpass 0.5,12 --decimate 4 "          \
  "--standardise --out p300-train.safetensors --held-out-subjects 4 --held-out-seed 1001 "    \
  "--held-out-out p300-test.safetensors"

static void
test_parse(void)
{
  GbEegRecipe r;
  GbError err;
  g_assert_cmpint(gb_eeg_recipe_parse(STORED, &r, &err), ==, GB_OK);
  g_assert_cmpint(r.subjects, ==, 32);
  g_assert_cmpuint(r.seed, ==, 1);
  g_assert_cmpfloat(r.band_lo, ==, 0.5);
  g_assert_cmpfloat(r.band_hi, ==, 12);
  g_assert_cmpint(r.decimate, ==, 4);
  g_assert_true(r.standardise);
  g_assert_cmpint(r.heldout_subjects, ==, 4);
  g_assert_cmpuint(r.heldout_seed, ==, 1001);
  g_assert_cmpint(r.channels, ==, 16); /* the simulator's default, not in the text */

  g_assert_cmpint(gb_eeg_recipe_parse("eeg simulate --subjects 3 --telepathy 2", &r, &err), ==,
                  GB_ERR_FORMAT);
  gb_test_assert_message(&err, "recipe", "unknown option --telepathy");
  g_assert_cmpint(gb_eeg_recipe_parse("--bandpass 12", &r, &err), ==, GB_ERR_FORMAT);
  gb_test_assert_message(&err, "recipe", "--bandpass has a bad value '12'");
  g_assert_cmpint(gb_eeg_recipe_parse("--bandpass 12,3", &r, &err), ==, GB_ERR_INVALID);
  g_assert_cmpint(gb_eeg_recipe_parse("--subjects", &r, &err), ==, GB_ERR_FORMAT);
  gb_test_assert_message(&err, "recipe", "--subjects needs a value");
  g_assert_cmpint(gb_eeg_recipe_parse("--channels 7", &r, &err), ==, GB_ERR_INVALID);
}

typedef struct {
  double last;
  bool monotone;
  int calls, stop_after;
} Progress;

static bool
progress_cb(void *user, double fraction, const char *stage)
{
  (void)stage;
  Progress *p = user;
  p->monotone = p->monotone && fraction >= p->last - 1e-9 && fraction <= 1 + 1e-9;
  p->last = fraction;
  return ++p->calls != p->stop_after;
}

/* Held-out subjects alone (the training ones simulated only for the scaler) equal those of a
 * full run, bit for bit, and are standardised with the training statistics, not their own. */
static void
test_held_out_alone(void)
{
  GbEegRecipe r;
  GbError err;
  g_assert_cmpint(gb_eeg_recipe_parse("--subjects 2 --characters 1 --repetitions 2 --channels 8 "
                                      "--bandpass 0.5,12 --decimate 4 --standardise "
                                      "--held-out-subjects 1 --held-out-seed 7",
                                      &r, &err),
                  ==, GB_OK);
  GbEegSet *train = NULL, *test = NULL, *alone = NULL;
  Progress p = {0, true, 0, -1};
  g_assert_cmpint(gb_eeg_recipe_make(&r, &train, &test, progress_cb, &p, &err), ==, GB_OK);
  g_assert_true(p.monotone);
  g_assert_cmpfloat(p.last, >, 0.9);
  g_assert_cmpint(gb_eeg_recipe_make(&r, NULL, &alone, NULL, NULL, &err), ==, GB_OK);
  size_t d = (size_t)test->n_times * test->n_channels;
  int n = gb_dataset_size(test->data);
  g_assert_cmpint(n, ==, 24);
  g_assert_cmpint(test->n_times, ==, 26);
  g_assert_cmpmem(test->data->x->data, n * d * sizeof(float), alone->data->x->data,
                  n * d * sizeof(float));
  /* The training trials are standardised to mean 0 per channel; the held-out ones only
   * approximately: their own mean is not removed. */
  double train_mean = 0, test_mean = 0;
  int nt = gb_dataset_size(train->data);
  for (size_t i = 0; i < nt * d; i += (size_t)train->n_channels)
    train_mean += train->data->x->data[i];
  for (size_t i = 0; i < n * d; i += (size_t)test->n_channels)
    test_mean += test->data->x->data[i];
  g_assert_cmpfloat(fabs(train_mean / (nt * test->n_times)), <, 1e-4);
  g_assert_cmpfloat(fabs(test_mean / (n * test->n_times)), >, 1e-4);
  gb_eeg_set_free(train);
  gb_eeg_set_free(test);
  gb_eeg_set_free(alone);

  /* Cancelled: an error and nothing returned. */
  p = (Progress){0, true, 0, 2};
  g_assert_cmpint(gb_eeg_recipe_make(&r, &train, &test, progress_cb, &p, &err), ==,
                  GB_ERR_CANCELLED);
  g_assert_null(train);
  g_assert_null(test);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/datasets/eeg-recipe/parse", test_parse);
  g_test_add_func("/datasets/eeg-recipe/held-out-alone", test_held_out_alone);
  return g_test_run();
}

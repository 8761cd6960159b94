/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-eeg-recipe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb-eeg-filter.h"
#include "gb-eeg-sim.h"

void
gb_eeg_recipe_init(GbEegRecipe *r)
{
  GbEegSimConfig d;
  gb_eeg_sim_config_init(&d);
  memset(r, 0, sizeof *r);
  r->subjects = d.n_subjects;
  r->characters = d.n_characters;
  r->repetitions = d.n_repetitions;
  r->channels = d.n_channels;
  r->srate = d.srate;
  r->erp_scale = d.erp_scale;
  r->seed = d.seed;
  r->decimate = 1;
  r->heldout_seed = 1001;
}

static bool
parse_int(const char *s, int *out)
{
  char *end;
  long v = strtol(s, &end, 10);
  if (end == s || *end != '\0' || v < -1000000000L || v > 1000000000L)
    return false;
  *out = (int)v;
  return true;
}

static bool
parse_double(const char *s, double *out)
{
  char *end;
  *out = strtod(s, &end);
  return end != s && *end == '\0';
}

/* One option and its value (NULL for flags). */
static GbStatus
apply_option(GbEegRecipe *r, const char *name, const char *value, GbError *err)
{
  int seed;
  bool ok = true;
  if (strcmp(name, "--standardise") == 0)
    r->standardise = true;
  else if (value == NULL)
    return gb_error_set(err, GB_ERR_FORMAT, "recipe: %s needs a value", name);
  else if (strcmp(name, "--subjects") == 0)
    ok = parse_int(value, &r->subjects);
  else if (strcmp(name, "--characters") == 0)
    ok = parse_int(value, &r->characters);
  else if (strcmp(name, "--repetitions") == 0)
    ok = parse_int(value, &r->repetitions);
  else if (strcmp(name, "--channels") == 0)
    ok = parse_int(value, &r->channels);
  else if (strcmp(name, "--srate") == 0)
    ok = parse_double(value, &r->srate);
  else if (strcmp(name, "--erp-scale") == 0)
    ok = parse_double(value, &r->erp_scale);
  else if (strcmp(name, "--seed") == 0 && (ok = parse_int(value, &seed)))
    r->seed = (uint64_t)seed;
  else if (strcmp(name, "--bandpass") == 0) {
    char extra;
    ok = sscanf(value, "%lf,%lf%c", &r->band_lo, &r->band_hi, &extra) == 2;
  } else if (strcmp(name, "--decimate") == 0)
    ok = parse_int(value, &r->decimate);
  else if (strcmp(name, "--held-out-subjects") == 0)
    ok = parse_int(value, &r->heldout_subjects);
  else if (strcmp(name, "--held-out-seed") == 0 && (ok = parse_int(value, &seed)))
    r->heldout_seed = (uint64_t)seed;
  else if (strcmp(name, "--out") != 0 && strcmp(name, "--held-out-out") != 0 &&
           strcmp(name, "--seed") != 0 && strcmp(name, "--held-out-seed") != 0)
    return gb_error_set(err, GB_ERR_FORMAT, "recipe: unknown option %s", name);
  if (!ok)
    return gb_error_set(err, GB_ERR_FORMAT, "recipe: %s has a bad value '%s'", name, value);
  return GB_OK;
}

GbStatus
gb_eeg_recipe_parse(const char *text, GbEegRecipe *r, GbError *err)
{
  gb_eeg_recipe_init(r);
  if (text == NULL)
    return gb_error_set(err, GB_ERR_FORMAT, "recipe: empty");
  char *copy = strdup(text);
  if (copy == NULL)
    return gb_error_set(err, GB_ERR_NOMEM, "recipe: a copy of %zu bytes", strlen(text));
  GbStatus st = GB_OK;
  char *save = NULL, *pending = NULL;
  for (char *w = strtok_r(copy, " \t\n", &save); w != NULL && st == GB_OK;
       w = strtok_r(NULL, " \t\n", &save)) {
    if (strncmp(w, "--", 2) == 0) {
      if (pending != NULL)
        st = apply_option(r, pending, NULL, err);
      pending = strcmp(w, "--standardise") == 0 ? NULL : w;
      if (pending == NULL && st == GB_OK)
        st = apply_option(r, w, NULL, err);
    } else if (pending != NULL) {
      st = apply_option(r, pending, w, err);
      pending = NULL;
    } /* else: the program and command words */
  }
  if (st == GB_OK && pending != NULL)
    st = apply_option(r, pending, NULL, err);
  free(copy);
  return st == GB_OK ? gb_eeg_recipe_check(r, err) : st;
}

GbStatus
gb_eeg_recipe_check(const GbEegRecipe *r, GbError *err)
{
  if (r->band_hi != 0 && !(r->band_lo > 0 && r->band_hi > r->band_lo))
    return gb_error_set(err, GB_ERR_INVALID, "recipe: band-pass %g-%g Hz needs 0 < low < high",
                        r->band_lo, r->band_hi);
  if (r->decimate < 1)
    return gb_error_set(err, GB_ERR_INVALID, "recipe: decimation %d must be at least 1",
                        r->decimate);
  if (r->heldout_subjects < 0)
    return gb_error_set(err, GB_ERR_INVALID, "recipe: %d held-out subjects", r->heldout_subjects);
  GbEegSimConfig cfg;
  gb_eeg_sim_config_init(&cfg);
  cfg.n_subjects = r->subjects;
  cfg.n_characters = r->characters;
  cfg.n_repetitions = r->repetitions;
  cfg.n_channels = r->channels;
  cfg.srate = r->srate;
  cfg.erp_scale = r->erp_scale;
  return gb_eeg_sim_config_check(&cfg, err);
}

/* Progress of one of the recipe's stages mapped into [lo, hi) of the whole. */
typedef struct {
  GbProgressFn progress;
  void *user;
  double lo, hi;
} Stage;

static bool
stage_cb(void *user, double fraction, const char *stage)
{
  Stage *s = user;
  return s->progress == NULL || s->progress(s->user, s->lo + (s->hi - s->lo) * fraction, stage);
}

/* The simulation takes most of the time, then the band-pass, then decimation: each gets its
 * share of @whole so progress only moves forward. */
static GbEegSet *
simulate(const GbEegRecipe *r, int subjects, uint64_t seed, const Stage *whole, GbError *err)
{
  double span = whole->hi - whole->lo;
  Stage sim = {whole->progress, whole->user, whole->lo, whole->lo + 0.7 * span};
  Stage band = {whole->progress, whole->user, sim.hi, whole->lo + 0.9 * span};
  Stage dec = {whole->progress, whole->user, band.hi, whole->hi};
  GbEegSimConfig cfg;
  gb_eeg_sim_config_init(&cfg);
  cfg.n_subjects = subjects;
  cfg.n_characters = r->characters;
  cfg.n_repetitions = r->repetitions;
  cfg.n_channels = r->channels;
  cfg.srate = r->srate;
  cfg.erp_scale = r->erp_scale;
  cfg.seed = seed;
  cfg.progress = stage_cb;
  cfg.user = &sim;
  GbEegSet *set = NULL;
  if (gb_eeg_sim_generate(&cfg, &set, err) != GB_OK)
    return NULL;
  GbStatus st = GB_OK;
  if (r->band_hi > 0)
    st = gb_eeg_set_bandpass(set, 4, r->band_lo, r->band_hi, stage_cb, &band, err);
  if (st == GB_OK && r->decimate > 1) {
    GbEegSet *d = gb_eeg_set_decimate(set, r->decimate, stage_cb, &dec, err);
    st = d != NULL ? GB_OK : err->code;
    gb_eeg_set_free(set);
    set = d;
  }
  if (st != GB_OK) {
    gb_eeg_set_free(set);
    return NULL;
  }
  return set;
}

GbStatus
gb_eeg_recipe_make(const GbEegRecipe *r, GbEegSet **train, GbEegSet **held_out,
                   GbProgressFn progress, void *user, GbError *err)
{
  if (train != NULL)
    *train = NULL;
  if (held_out != NULL)
    *held_out = NULL;
  GbStatus st = gb_eeg_recipe_check(r, err);
  if (st != GB_OK)
    return st;
  bool want_test = held_out != NULL && r->heldout_subjects > 0;
  bool need_train = train != NULL || (want_test && r->standardise);
  double total = (need_train ? r->subjects : 0) + (want_test ? r->heldout_subjects : 0);
  Stage s1 = {progress, user, 0, need_train ? r->subjects / total : 0};
  Stage s2 = {progress, user, s1.hi, 1};
  GbEegSet *tr = need_train ? simulate(r, r->subjects, r->seed, &s1, err) : NULL;
  if (need_train && tr == NULL)
    return err->code;
  GbEegSet *te = want_test ? simulate(r, r->heldout_subjects, r->heldout_seed, &s2, err) : NULL;
  st = want_test && te == NULL ? err->code : GB_OK;
  if (st == GB_OK && r->standardise) {
    GbEegScaler *scaler = gb_eeg_scaler_fit(tr, NULL, 0, err);
    st = scaler != NULL ? gb_eeg_scaler_apply(scaler, tr, err) : err->code;
    if (st == GB_OK && te != NULL)
      st = gb_eeg_scaler_apply(scaler, te, err);
    gb_eeg_scaler_free(scaler);
  }
  if (st != GB_OK || train == NULL)
    gb_eeg_set_free(tr);
  if (st != GB_OK) {
    gb_eeg_set_free(te);
    return st;
  }
  if (train != NULL)
    *train = tr;
  if (held_out != NULL)
    *held_out = te;
  return GB_OK;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Data behind the window: the EEG trials a P300 model was scored on (regenerated from the recipe
 * the model stores, cached), and data files the user opens. Loading runs as jobs. */
#include "config.h"

#include <glib/gi18n.h>

#include "gb-eeg-file.h"
#include "gb-eeg-recipe.h"
#include "gb-window-private.h"

#define RECIPE_KEY "glassbox.data.recipe"

typedef struct {
  char *recipe; /* the model's recipe text, or NULL when opening @path */
  char *path;
  gboolean digits; /* @path is a digits data set */
  GbEegSet *eeg;
  GbDataset *dataset;
  gboolean from_cache;
} DataJob;

static void
data_job_free(gpointer p)
{
  DataJob *j = p;
  g_free(j->recipe);
  g_free(j->path);
  gb_eeg_set_free(j->eeg);
  gb_dataset_free(j->dataset);
  g_free(j);
}

/* ~/.cache/glassbox/eeg/<sha1 of the recipe>.safetensors */
static char *
cache_path(const char *recipe)
{
  g_autofree char *sum = g_compute_checksum_for_string(G_CHECKSUM_SHA1, recipe, -1);
  g_autofree char *name = g_strconcat(sum, ".safetensors", NULL);
  return g_build_filename(g_get_user_cache_dir(), "glassbox", "eeg", name, NULL);
}

static gboolean
recipe_run(GbJob *job, gpointer data, GError **error)
{
  DataJob *j = data;
  GbError err = {0};
  g_autofree char *cached = cache_path(j->recipe);
  if (g_file_test(cached, G_FILE_TEST_IS_REGULAR) &&
      gb_eeg_set_load(cached, &j->eeg, &err) == GB_OK) {
    j->from_cache = TRUE;
    return TRUE;
  }
  GbEegRecipe r;
  GbStatus st = gb_eeg_recipe_parse(j->recipe, &r, &err);
  if (st == GB_OK)
    st = gb_eeg_recipe_make(&r, NULL, &j->eeg, gb_job_progress, job, &err);
  if (st == GB_OK && j->eeg == NULL)
    st = gb_error_set(&err, GB_ERR_INVALID, "the model's recipe has no held-out subjects");
  if (st != GB_OK) {
    gb_set_error_from_status(error, st, &err);
    return FALSE;
  }
  /* A cache that cannot be written only costs the next start the same wait. */
  g_autofree char *dir = g_path_get_dirname(cached);
  if (g_mkdir_with_parents(dir, 0755) == 0)
    gb_eeg_set_save(j->eeg, cached, &err);
  return TRUE;
}

static void
data_done(GObject *owner, gpointer data, const GError *error)
{
  GbWindow *self = GB_WINDOW(owner);
  DataJob *j = data;
  if (error != NULL) {
    if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      gb_window_show_message(self, error->message);
    return;
  }
  if (j->digits) {
    gb_window_take_digits(self, g_steal_pointer(&j->dataset));
    return;
  }
  gb_window_take_eeg(self, g_steal_pointer(&j->eeg), j->recipe == NULL);
}

void
gb_window_load_model_eeg(GbWindow *self)
{
  const char *recipe = gb_model_get_meta(gb_model_handle_get_model(self->model), RECIPE_KEY);
  if (recipe == NULL) {
    gb_window_show_message(self, _("This model does not say which data it was trained on: "
                                   "open EEG data with “Open Data…”"));
    return;
  }
  DataJob *j = g_new0(DataJob, 1);
  j->recipe = g_strdup(recipe);
  gb_worker_submit(self->worker, "data", G_OBJECT(self), recipe_run, j, data_job_free,
                   gb_window_job_progress_cb, data_done);
}

static gboolean
open_run(GbJob *job, gpointer data, GError **error)
{
  (void)job;
  DataJob *j = data;
  GbError err = {0};
  if (j->digits)
    j->dataset = gb_dataset_open(j->path, &err);
  else
    j->eeg = gb_eeg_set_open(j->path, &err);
  if (j->dataset == NULL && j->eeg == NULL) {
    gb_set_error_from_status(error, err.code != GB_OK ? err.code : GB_ERR_IO, &err);
    return FALSE;
  }
  return TRUE;
}

void
gb_window_open_data(GbWindow *self, const char *path)
{
  DataJob *j = g_new0(DataJob, 1);
  j->path = g_strdup(path);
  j->digits = !gb_eeg_path_is_recording(path) && !gb_eeg_file_is_eeg_set(path);
  gb_worker_submit(self->worker, "data", G_OBJECT(self), open_run, j, data_job_free,
                   gb_window_job_progress_cb, data_done);
}

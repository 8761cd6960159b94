/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Sessions: what the window shows (view, model and its checksum, input, method, target,
 * display) saved to a file and reopened (src/io/gb-session.h). */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "gb-session.h"
#include "gb-window-private.h"

static void
fill_input(GbWindow *self, GbSession *s)
{
  if (s->source == GB_SESSION_SOURCE_EEG) {
    s->input.kind = GB_SESSION_INPUT_EEG;
    const GbEegSet *eeg = self->eeg != NULL ? gb_data_handle_get_eeg(self->eeg) : NULL;
    gboolean simulated = eeg == NULL || eeg->source == NULL ||
                         g_str_has_prefix(eeg->source, "simulated");
    s->input.name = g_strdup(simulated ? "simulated" : eeg->source);
    s->input.index = MAX(gb_eeg_view_get_selected_trial(self->eeg_view), 0);
  } else if (self->digit_index >= 0 && self->digits != NULL) {
    s->input.kind = GB_SESSION_INPUT_DATASET;
    s->input.name = g_strdup(gb_data_handle_get_name(self->digits));
    s->input.index = self->digit_index;
  } else {
    s->input.kind = GB_SESSION_INPUT_PIXELS;
    s->input.height = s->input.width = 28;
    s->input.values = g_memdup2(self->input, sizeof self->input);
  }
}

gboolean
gb_window_save_session(GbWindow *self, const char *path, GError **error)
{
  if (self->model == NULL || (!self->have_input && g_strcmp0(self->source, "eeg") != 0)) {
    g_set_error(error, GB_ERROR, GB_ERR_INVALID, _("There is nothing to save yet: pick an input"));
    return FALSE;
  }
  GbSession s;
  gb_session_init(&s);
  g_free(s.view);
  s.view = g_strdup(gtk_stack_get_visible_child_name(self->stack));
  s.source = g_strcmp0(self->source, "eeg") == 0 ? GB_SESSION_SOURCE_EEG
                                                 : GB_SESSION_SOURCE_DIGITS;
  s.model_id = g_strdup(gb_model_handle_get_id(self->model));
  g_strlcpy(s.model_sha256, gb_model_handle_get_checksum(self->model), sizeof s.model_sha256);
  fill_input(self, &s);
  gb_method_popover_get_config(self->method_popover, &s.method);
  s.target = self->target.class_a >= 0 ? self->target : gb_target_class(0);
  GbMethodConfig c = s.method;
  gboolean is_signed = gb_method_is_signed(c.method);
  int cmap = self->settings != NULL
                 ? g_settings_get_enum(self->settings,
                                       is_signed ? "signed-colormap" : "magnitude-colormap")
                 : (is_signed ? 0 : 1);
  g_strlcpy(s.colormap, cmap == 0 ? "diverging" : "viridis", sizeof s.colormap);
  s.opacity = self->settings != NULL ? g_settings_get_double(self->settings, "opacity") : 0.7;
  gboolean ok = gb_session_save(path, &s, error);
  gb_session_clear(&s);
  return ok;
}

/* The model the session names, with the same checksum when it recorded one. */
static GbModelHandle *
session_model(GbWindow *self, const char *path, const GbSession *s, GError **error)
{
  g_autoptr(GError) local = NULL;
  if (!gb_window_open_model(self, s->model_id, &local)) {
    g_set_error(error, GB_ERROR, GB_ERR_IO, _("%s: its model cannot be opened: %s"), path,
                local->message);
    return NULL;
  }
  if (s->model_sha256[0] != '\0' &&
      strcmp(s->model_sha256, gb_model_handle_get_checksum(self->model)) != 0) {
    g_set_error(error, GB_ERROR, GB_ERR_INVALID,
                _("%s: the model %s is not the one the session was saved with (its checksum "
                  "differs): the explanation would not be the same"),
                path, s->model_id);
    return NULL;
  }
  return self->model;
}

static gboolean
apply_input(GbWindow *self, const char *path, const GbSession *s, GError **error)
{
  const GbSessionInput *in = &s->input;
  if (in->kind == GB_SESSION_INPUT_PIXELS) {
    if (in->height != 28 || in->width != 28) {
      g_set_error(error, GB_ERROR, GB_ERR_SHAPE, _("%s: the input is %d x %d, not a 28 x 28 digit"),
                  path, in->height, in->width);
      return FALSE;
    }
    gb_window_set_digit(self, in->values, -1);
    return TRUE;
  }
  if (in->kind == GB_SESSION_INPUT_DATASET) {
    if (self->digits == NULL || strcmp(gb_data_handle_get_name(self->digits), in->name) != 0) {
      GbError err;
      GbDataset *ds = gb_dataset_open(in->name, &err);
      if (ds == NULL) {
        g_set_error(error, GB_ERROR, GB_ERR_IO, "%s: %s", path, err.message);
        return FALSE;
      }
      gb_window_take_digits(self, ds);
    }
    return gb_window_pick_digit(self, in->index, error);
  }
  /* EEG: the trial of the trials shown (regenerated for the model when simulated). */
  self->pending_trial = in->index;
  if (self->eeg != NULL)
    gb_window_apply_pending_trial(self);
  return TRUE;
}

void
gb_window_apply_pending_trial(GbWindow *self)
{
  if (self->pending_trial < 0 || self->eeg == NULL)
    return;
  if (self->pending_trial < gb_data_handle_get_size(self->eeg))
    gb_eeg_view_select_trial(self->eeg_view, self->pending_trial);
  self->pending_trial = -1;
}

gboolean
gb_window_open_session(GbWindow *self, const char *path, GError **error)
{
  GbSession s;
  if (!gb_session_load(path, &s, error))
    return FALSE;
  gboolean ok = FALSE;
  GbModelHandle *before = self->model != NULL ? g_object_ref(self->model) : NULL;
  if (session_model(self, path, &s, error) != NULL) {
    gb_method_popover_set_config(self->method_popover, &s.method);
    if (s.target.class_a >= 0 && gb_model_handle_get_n_classes(self->model) > 1)
      gtk_drop_down_set_selected(self->target_dropdown, (guint)s.target.class_a + 1);
    ok = apply_input(self, path, &s, error);
    if (ok && s.view != NULL)
      gb_window_set_view(self, s.view);
  }
  if (!ok && before != NULL) /* leave the window as it was */
    gb_window_set_model(self, before);
  g_clear_object(&before);
  gb_session_clear(&s);
  return ok;
}

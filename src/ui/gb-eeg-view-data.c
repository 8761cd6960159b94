/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "gb-eeg-montage.h"
#include "gb-eeg-trial.h"
#include "gb-eeg-view-private.h"

/* The EEG view's data: taking a set, what is derived from it (scalp positions, units, class
 * averages) and the widgets that list it. */

void
gb_eeg_view_clear_data(GbEegView *self)
{
  g_clear_pointer(&self->set, gb_eeg_set_free);
  g_clear_pointer(&self->names, g_free);
  g_clear_pointer(&self->pos_x, g_free);
  g_clear_pointer(&self->pos_y, g_free);
  g_clear_pointer(&self->probability, g_free);
  g_clear_pointer(&self->relevance, g_free);
  self->relevance_trial = -1;
  self->explaining_all = FALSE;
  for (int i = 0; i < 2; i++) {
    g_clear_pointer(&self->average[i], g_free);
    g_clear_pointer(&self->average_relevance[i], g_free);
    g_clear_pointer(&self->scalp[i], g_free);
    g_clear_pointer(&self->scalp_title[i], g_free);
  }
}

/* Scalp positions: a channel at (0, 0) is Cz only if its label is a known 10-20 name (readers
 * put unknown channels there); non-finite positions are unknown too. */
static void
positions_init(GbEegView *self)
{
  int nc = self->set->n_channels;
  self->pos_x = g_new(float, nc);
  self->pos_y = g_new(float, nc);
  for (int c = 0; c < nc; c++) {
    const GbEegChannel *ch = &self->set->channels[c];
    float x, y;
    gboolean known = isfinite(ch->x) && isfinite(ch->y)
                     && (ch->x != 0.0f || ch->y != 0.0f
                         || gb_eeg_montage_position(ch->label, &x, &y));
    self->pos_x[c] = known ? ch->x : NAN;
    self->pos_y[c] = known ? ch->y : NAN;
  }
}

/* Standardised sets have unit variance and zero mean per channel; raw ones are in microvolts
 * with a spread of several uV at least. GbEegSet does not record which, so look. */
static GbEegUnits
guess_units(const GbEegSet *set)
{
  const GbTensor *x = set->data->x;
  double sum = 0.0, sum2 = 0.0;
  size_t n = 0;
  for (size_t i = 0; i < x->size; i++)
    if (isfinite(x->data[i])) {
      sum += x->data[i];
      sum2 += (double)x->data[i] * x->data[i];
      n++;
    }
  if (n == 0)
    return GB_EEG_UNITS_UV;
  double mean = sum / n, sd = sqrt(fmax(sum2 / n - mean * mean, 0.0));
  return fabs(mean) < 0.3 && sd > 0.5 && sd < 2.0 ? GB_EEG_UNITS_SD : GB_EEG_UNITS_UV;
}

static void
averages_init(GbEegView *self)
{
  size_t n = ((size_t)self->set->n_times * self->set->n_channels);
  int count[2] = { 0, 0 };
  double *sum[2] = { g_new0(double, n), g_new0(double, n) };
  for (int t = 0; t < gb_dataset_size(self->set->data); t++) {
    int k = self->set->data->labels[t] ? 1 : 0;
    const float *x = gb_eeg_view_trial_data(self, t);
    for (size_t i = 0; i < n; i++)
      sum[k][i] += x[i];
    count[k]++;
  }
  for (int k = 0; k < 2; k++) {
    if (count[k] > 0) {
      self->average[k] = g_new(float, n);
      for (size_t i = 0; i < n; i++)
        self->average[k][i] = (float)(sum[k][i] / count[k]);
    }
    g_free(sum[k]);
  }
}

static void
store_fill(GbEegView *self)
{
  int n = self->set ? gb_dataset_size(self->set->data) : 0;
  GPtrArray *items = g_ptr_array_new_full((guint)n, g_object_unref);
  for (int t = 0; t < n; t++)
    g_ptr_array_add(items, gb_eeg_trial_new(t, self->set->subject[t],
                                            self->set->data->labels[t] ? 1 : 0));
  g_list_store_splice(self->store, 0, g_list_model_get_n_items(G_LIST_MODEL(self->store)),
                      items->pdata, items->len);
  g_ptr_array_unref(items);
}

static void
subjects_fill(GbEegView *self)
{
  GtkStringList *list = gtk_string_list_new(NULL);
  gtk_string_list_append(list, _("All subjects"));
  for (int s = 0; self->set && s < self->set->n_subjects; s++) {
    g_autofree char *name = g_strdup_printf(_("Subject %d"), s + 1);
    gtk_string_list_append(list, name);
  }
  self->syncing = TRUE;
  gtk_drop_down_set_model(GTK_DROP_DOWN(self->subject_drop), G_LIST_MODEL(list));
  gtk_drop_down_set_selected(GTK_DROP_DOWN(self->subject_drop), 0);
  gtk_drop_down_set_selected(GTK_DROP_DOWN(self->class_drop), 0);
  self->syncing = FALSE;
  g_object_unref(list);
}

static void
scale_setup(GbEegView *self)
{
  GbEegSet *s = self->set;
  double lo = s ? s->t0 * 1000.0 : 0.0;
  double hi = s ? (s->t0 + (s->n_times - 1) / s->srate) * 1000.0 : 1.0;
  self->syncing = TRUE;
  gtk_range_set_range(GTK_RANGE(self->scale), lo, fmax(hi, lo + 1.0));
  if (s)
    gtk_range_set_increments(GTK_RANGE(self->scale), 1000.0 / s->srate, 10000.0 / s->srate);
  gtk_scale_set_digits(GTK_SCALE(self->scale), 0);
  self->syncing = FALSE;
}

/* The sample nearest to 300 ms, where a P300 usually peaks, or the last one. */
static int
initial_time_index(const GbEegSet *s)
{
  GbEegTraces e = { .n_times = s->n_times, .srate = s->srate, .t0 = s->t0 };
  return gb_eeg_traces_time_index(&e, 0.3);
}

void
gb_eeg_view_set_data(GbEegView *self, GbEegSet *set)
{
  g_return_if_fail(GB_IS_EEG_VIEW(self));
  if (self->worker != NULL) {
    gb_worker_cancel(self->worker, GB_EEG_LANE_PREDICT);
    gb_worker_cancel(self->worker, GB_EEG_LANE_EXPLAIN);
    gb_worker_cancel(self->worker, GB_EEG_LANE_EXPLAIN_ALL);
  }
  gb_eeg_view_clear_data(self);
  self->trial = -1;
  self->set = set;
  if (set != NULL) {
    int n = gb_dataset_size(set->data);
    self->names = g_new(const char *, set->n_channels);
    for (int c = 0; c < set->n_channels; c++)
      self->names[c] = set->channels[c].label;
    positions_init(self);
    self->units = guess_units(set);
    averages_init(self);
    self->probability = g_new(float, n);
    for (int t = 0; t < n; t++)
      self->probability[t] = NAN;
    for (int w = 0; w < 2; w++)
      self->scalp[w] = g_new0(double, set->n_channels);
    self->time_index = initial_time_index(set);
  }
  self->filter_subject = self->filter_label = -1;
  subjects_fill(self);
  store_fill(self);
  gtk_filter_changed(GTK_FILTER(self->filter), GTK_FILTER_CHANGE_LESS_STRICT);
  gb_eeg_view_count_update(self);
  scale_setup(self);
  gb_eeg_view_set_message(self, NULL);
  if (set != NULL && self->model != NULL) {
    g_autoptr(GError) error = NULL;
    self->model_fits = gb_eeg_view_model_fits(self, self->model, &error);
    if (self->model_fits) {
      gb_eeg_view_predict(self);
    } else {
      g_autofree char *text = g_strdup_printf(
        _("%s No predictions or relevance until a model that fits is chosen."), error->message);
      gb_eeg_view_set_message(self, text);
    }
  }
  if (set != NULL && gb_dataset_size(set->data) > 0) {
    gb_eeg_view_select_trial(self, 0);
    gb_eeg_view_set_time(self, gb_eeg_view_get_time(self));
  }
  if (self->show_averages)
    gb_eeg_view_explain_all(self);
  gb_eeg_view_refresh(self);
}

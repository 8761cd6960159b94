/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "gb-eeg.h"
#include "gb-explain.h"
#include "gb-model-handle.h"
#include "gb-worker.h"

G_BEGIN_DECLS

/* The EEG view: a trial list (trial, subject, class, the model's prediction and probability;
 * filtered by subject and class, sortable) beside the selected trial's stacked traces shaded by
 * its relevance, the channel x time relevance map, and scalp maps of voltage and relevance at a
 * time cursor dragged on the traces or set with a slider. A toggle shows the target and
 * non-target averages (of voltage, and of relevance over all trials once computed) instead.
 *
 * Predictions run as one job (lane "eeg-predict"), the selected trial's relevance as another
 * (lane "eeg-explain": a new selection cancels the stale job), the averaged relevance as a
 * third ("eeg-explain-all"). */
#define GB_TYPE_EEG_VIEW (gb_eeg_view_get_type())
G_DECLARE_FINAL_TYPE(GbEegView, gb_eeg_view, GB, EEG_VIEW, GtkWidget)

/* Which scalp map. */
typedef enum {
  GB_EEG_VIEW_SCALP_VOLTAGE,
  GB_EEG_VIEW_SCALP_RELEVANCE,
} GbEegViewScalp;

GtkWidget *gb_eeg_view_new(void);
/* Takes ownership of @set (NULL clears). Selects the first trial. */
void gb_eeg_view_set_data(GbEegView *self, GbEegSet *set);
/* Predicts every trial with @model on @worker. A model whose input is not (n_times, n_channels)
 * of the set, or that has neither one output (a target logit) nor two classes, is refused: the
 * view shows why and keeps its previous model. */
void gb_eeg_view_set_model(GbEegView *self, GbWorker *worker, GbModelHandle *model);
/* The explanation method (copied, baseline data included); recomputes the relevance. */
void gb_eeg_view_set_method(GbEegView *self, const GbMethodConfig *cfg);
void gb_eeg_view_select_trial(GbEegView *self, int trial);
/* Moves the cursor to the sample nearest @seconds (clamped to the epoch). */
void gb_eeg_view_set_time(GbEegView *self, double seconds);
/* Shows the class averages instead of the selected trial. */
void gb_eeg_view_set_show_averages(GbEegView *self, gboolean show);
/* Filters the list: @subject 0-based or -1 for all, @label 0/1 or -1 for both classes. */
void gb_eeg_view_set_filter(GbEegView *self, int subject, int label);

/* For tests and the window. */
int gb_eeg_view_get_selected_trial(GbEegView *self);
/* Seconds from the onset of the cursor's sample. */
double gb_eeg_view_get_time(GbEegView *self);
guint gb_eeg_view_get_n_visible_trials(GbEegView *self);
GbModelHandle *gb_eeg_view_get_model(GbEegView *self);
/* The message shown about the model or the last job's failure, or NULL. */
const char *gb_eeg_view_get_message(GbEegView *self);
/* The probability that @trial is a target, NaN until predicted. */
double gb_eeg_view_get_probability(GbEegView *self, int trial);
/* The selected trial's relevance, (n_times, n_channels), or NULL until computed. */
const float *gb_eeg_view_get_relevance(GbEegView *self, size_t *n);
/* The scalp map's per-channel values at the cursor (NaN: not shown), or NULL. */
const double *gb_eeg_view_get_scalp_values(GbEegView *self, GbEegViewScalp which, int *n);
/* The trace figure's widget (a GbPlotView) and its current layout's plot rectangle mapping. */
GtkWidget *gb_eeg_view_get_traces_widget(GbEegView *self);
/* x in the traces widget of time @seconds for its current size; and back. */
double gb_eeg_view_time_to_x(GbEegView *self, double seconds);
double gb_eeg_view_x_to_time(GbEegView *self, double x);

G_END_DECLS

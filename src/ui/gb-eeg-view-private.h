/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "gb-eeg-traces.h"
#include "gb-eeg-view.h"

G_BEGIN_DECLS

/* Shared by gb-eeg-view.c (widgets and figures), gb-eeg-view-data.c (the set and what is derived
 * from it) and gb-eeg-view-jobs.c (model, method and the background jobs). */

#define GB_EEG_LANE_PREDICT "eeg-predict"
#define GB_EEG_LANE_EXPLAIN "eeg-explain"
#define GB_EEG_LANE_EXPLAIN_ALL "eeg-explain-all"

struct _GbEegView {
  GtkWidget parent_instance;

  GtkWidget *paned;
  GtkWidget *subject_drop, *class_drop, *count_label, *column_view;
  GListStore *store; /* GbEegTrial, one per trial */
  GtkCustomFilter *filter;
  GtkFilterListModel *filtered;
  GtkSortListModel *sorted;
  GtkSingleSelection *selection;
  GtkWidget *averages_toggle, *status_label, *message_label;
  GtkWidget *traces, *map, *scalp_views[2], *scale;
  gboolean syncing; /* the view is setting its own widgets: ignore their signals */
  int filter_subject, filter_label; /* -1: all */

  GbEegSet *set;
  const char **names;   /* n_channels, into set->channels */
  float *pos_x, *pos_y; /* n_channels; NaN: position unknown, left out of the scalp maps */
  GbEegUnits units;
  float *average[2];    /* per class (0 non-target, 1 target), NULL for an empty class */
  float *average_relevance[2]; /* NULL until computed */
  gboolean explaining_all;
  int trial;            /* selected, -1: none */
  int time_index;       /* the cursor's sample */
  gboolean show_averages;
  char *title;
  double *scalp[2];     /* n_channels values at the cursor (GbEegViewScalp order) */
  double scalp_scale[2];
  char *scalp_title[2];

  GbWorker *worker;
  GbModelHandle *model;
  gboolean model_fits;  /* the model reads this set's trials */
  float *probability;   /* n_trials, NaN until predicted */
  GbMethodConfig method;
  float *method_baseline; /* owned copy of method.baseline_data, or NULL */
  size_t method_baseline_n;
  float *relevance;     /* of relevance_trial, (n_times, n_channels) */
  int relevance_trial;
  char *message;
};

const float *gb_eeg_view_trial_data(GbEegView *self, int trial);
void gb_eeg_view_refresh(GbEegView *self);
void gb_eeg_view_set_message(GbEegView *self, const char *message);
void gb_eeg_view_set_status(GbEegView *self, const char *status);
void gb_eeg_view_clear_data(GbEegView *self);
/* The "N of M trials" line under the filters. */
void gb_eeg_view_count_update(GbEegView *self);
/* Whether @model reads this set's trials; else sets @error to a message for people. */
gboolean gb_eeg_view_model_fits(GbEegView *self, GbModelHandle *model, GError **error);
void gb_eeg_view_predict(GbEegView *self);
/* Starts the selected trial's relevance job (cancelling a stale one). */
void gb_eeg_view_explain_selected(GbEegView *self);
/* Starts the averaged relevance job unless it is done or running. */
void gb_eeg_view_explain_all(GbEegView *self);

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "gb-window.h"

#include "gb-data-handle.h"
#include "gb-dataset.h"
#include "gb-digit-gallery.h"
#include "gb-digit-thumb.h"
#include "gb-drawing-canvas.h"
#include "gb-drawing-toolbar.h"
#include "gb-eeg.h"
#include "gb-eeg-view.h"
#include "gb-explain.h"
#include "gb-explanation-view.h"
#include "gb-probability-view.h"
#include "gb-compare-view.h"
#include "gb-curves-view.h"
#include "gb-analysis-view.h"
#include "gb-hidden-analyses.h"
#include "gb-lrp-compare-view.h"
#include "gb-shap-view.h"
#include "gb-method-popover.h"
#include "gb-sanity-view.h"
#include "gb-train-view.h"
#include "gb-global-analyses.h"
#include "gb-model-handle.h"
#include "gb-plot-view.h"
#include "gb-worker.h"

G_BEGIN_DECLS

/* The window's state, shared by gb-window.c (layout, the explanation loop) and
 * gb-window-actions.c (menus, files, export). Main thread only. */
struct _GbWindow {
  GtkApplicationWindow parent_instance;

  /* template */
  GtkToggleButton *digits_button, *eeg_button;
  GtkMenuButton *model_button, *method_button;
  GtkPopover *model_popover;
  GtkListBox *model_list;
  GtkDropDown *target_dropdown;
  GtkRevealer *message_revealer;
  GtkLabel *message_label;
  GtkStack *stack;
  GtkLabel *status_label;
  GtkProgressBar *progress_bar;
  GtkButton *cancel_button;

  GbMethodPopover *method_popover;
  GbWorker *worker;
  GSettings *settings; /* NULL when the schema is not installed */

  char *source;          /* "digits" or "eeg" */
  GListStore *models;    /* GbModelHandle: the built-in ones, then opened files */
  GbModelHandle *model;  /* the current one */

  /* Digits: the data set digits are picked from, and the 28x28 input the model sees. */
  GbDataHandle *digits;
  int digit_index;
  float input[784];
  gboolean have_input;

  /* EEG: the trials shown (the current model's held-out subjects, or a file). */
  GbDataHandle *eeg;
  int pending_trial; /* a session's trial, selected once the trials are there; -1: none */

  /* The target of the last explanation shown (the predicted class resolved). */
  GbTarget target;
  gboolean have_explanation;

  /* Pages */
  GtkStack *explain_stack; /* "digits" or "eeg", after the source */
  GbEegView *eeg_view;
  GbCompareView *compare_view;
  GbShapView *shap_view;
  GbLrpCompareView *lrp_compare_view;
  GbCurvesView *curves_view;
  GbSanityView *sanity_view;
  GbTrainView *train_view;
  GbAnalysisView *global_view; /* "global": class maps, adversarial, Clever Hans, ... */
  GbAnalysisView *hidden_view; /* the hidden-state analyses */

  /* Explain page widgets */
  GbDrawingCanvas *canvas;
  GbDigitThumb *model_input; /* the 28 x 28 image the model sees */
  GbDigitGallery *gallery;
  gboolean setting_digit;    /* the canvas shows a given digit: its "changed" is ours */
  GbExplanationView *explanation_view;
  GbProbabilityView *probability_view;
};

/* Writes a page's numbers as CSV (the "gb-csv" data of a page). */
typedef gboolean (*GbPageCsvFn)(GbWindow *self, GtkWidget *page, const char *path,
                                GError **error);

/* Starts a page's computation (the "gb-run" data of a page). */
typedef void (*GbPageRunFn)(GtkWidget *page);

/* gb-window.c */
void gb_window_set_status(GbWindow *self, const char *text);
void gb_window_show_message(GbWindow *self, const char *message);
void gb_window_set_model(GbWindow *self, GbModelHandle *model);
void gb_window_set_digit(GbWindow *self, const float *pixels, int index);
void gb_window_explain(GbWindow *self);
/* The figure of the visible page (NULL when it has none). */
GbPlotView *gb_window_get_figure(GbWindow *self);
/* Writes the numbers of the visible page as CSV. */
gboolean gb_window_write_csv(GbWindow *self, const char *path, GError **error);

void gb_window_job_progress_cb(GObject *owner, double fraction, const char *stage,
                               double seconds_left);
/* Take ownership of newly loaded data. */
void gb_window_take_digits(GbWindow *self, GbDataset *digits);
/* @show: switch to the EEG source (a file the user opened); the trials of a model's recipe,
 * which load in the background, do not take the window away from what the user went on to. */
void gb_window_take_eeg(GbWindow *self, GbEegSet *eeg, gboolean show);

/* gb-window-pages.c */
/* Builds the explain page, the gallery and the views of the sidebar. */
void gb_window_add_pages(GbWindow *self);
/* After the model or the data changed; after the input, method or target changed. */
void gb_window_sync_model_views(GbWindow *self);
void gb_window_sync_input_views(GbWindow *self);

/* gb-window-data.c */
/* Regenerates (or reads from the cache) the held-out trials the current EEG model was scored
 * on, from the recipe in its metadata. */
void gb_window_load_model_eeg(GbWindow *self);
/* Opens a digits data set (IDX) or EEG trials (.mat, .edf, .bdf, .gdf, Glassbox EEG set). */
void gb_window_open_data(GbWindow *self, const char *path);

/* gb-window-session.c */
/* Selects a session's EEG trial once the trials are loaded. */
void gb_window_apply_pending_trial(GbWindow *self);

/* gb-window-actions.c */
void gb_window_add_actions(GbWindow *self);

G_END_DECLS

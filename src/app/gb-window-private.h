/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "gb-window.h"

#include "gb-dataset.h"
#include "gb-explain.h"
#include "gb-method-popover.h"
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
  GbDataset *digits;
  int digit_index;
  float input[784];
  gboolean have_input;

  /* The last explanation shown, for the input above. */
  GbExplanation explanation;
  float logits[16];
  int n_logits;
  GbTarget target;
  double explain_ms;
  gboolean have_explanation;

  /* Explain page widgets */
  GbPlotView *input_view, *heatmap_view, *probability_view;
  GtkLabel *diagnostics_label;
};

/* gb-window.c */
void gb_window_show_message(GbWindow *self, const char *message);
void gb_window_set_model(GbWindow *self, GbModelHandle *model);
void gb_window_set_digit(GbWindow *self, const float *pixels, int index);
void gb_window_explain(GbWindow *self);
/* The figure of the visible page (NULL when it has none). */
GbPlotView *gb_window_get_figure(GbWindow *self);

/* gb-window-actions.c */
void gb_window_add_actions(GbWindow *self);

G_END_DECLS

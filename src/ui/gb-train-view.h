/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "gb-eeg.h"
#include "gb-model-handle.h"
#include "gb-optim.h"
#include "gb-plot-view.h"
#include "gb-train.h"
#include "gb-worker.h"

G_BEGIN_DECLS

/* Trains a model in the app: data (the digits' mnist-train with mnist-test held out, or the
 * P300 EEG trials given), an architecture in the engine's text syntax (presets or typed),
 * optimizer and schedule, live loss and accuracy curves per epoch, the held-out accuracy at
 * the end, Save… and the "model-trained" signal (GbModelHandle *) so the window can switch
 * to the new model. */
#define GB_TYPE_TRAIN_VIEW (gb_train_view_get_type())
G_DECLARE_FINAL_TYPE(GbTrainView, gb_train_view, GB, TRAIN_VIEW, GtkWidget)

typedef enum {
  GB_TRAIN_DATA_DIGITS, /* mnist-train, tested on mnist-test */
  GB_TRAIN_DATA_EEG,    /* the set given to gb_train_view_set_eeg(): its last 20% tested */
} GbTrainData;

GtkWidget *gb_train_view_new(void);
/* Referenced. Without a worker Start stays disabled. */
void gb_train_view_set_worker(GbTrainView *self, GbWorker *worker);
/* Copies the trials (and labels) of @set, so the caller may free it; NULL removes them.
 * Enables the EEG data choice and the P300 presets' input shape. */
void gb_train_view_set_eeg(GbTrainView *self, const GbEegSet *set);
/* Digits are read through gb_dataset_open_in(@data_dir) (NULL: the default directory). */
void gb_train_view_set_data_dir(GbTrainView *self, const char *data_dir);

/* Settings, also made with the widget's controls. */
void gb_train_view_set_data(GbTrainView *self, GbTrainData data);
void gb_train_view_set_architecture(GbTrainView *self, const char *text);
const char *gb_train_view_get_architecture(GbTrainView *self);
/* The parser's (or shape check's) message for the current text, NULL when it is valid. */
const char *gb_train_view_get_architecture_error(GbTrainView *self);
void gb_train_view_set_optimizer(GbTrainView *self, GbOptimKind kind);
void gb_train_view_set_learning_rate(GbTrainView *self, double lr);
void gb_train_view_set_epochs(GbTrainView *self, int epochs);
void gb_train_view_set_batch_size(GbTrainView *self, int batch);
/* Training samples used (a subset for quick runs; at most the data set's size). */
void gb_train_view_set_max_samples(GbTrainView *self, int n);
void gb_train_view_set_seed(GbTrainView *self, guint64 seed);

/* Whether Start is enabled: a worker, a valid architecture for the data, not running. */
gboolean gb_train_view_can_start(GbTrainView *self);
/* Starts training on the worker's "train-view" lane; FALSE when it cannot start. */
gboolean gb_train_view_start(GbTrainView *self);
void gb_train_view_cancel(GbTrainView *self);
gboolean gb_train_view_is_running(GbTrainView *self);

/* The epochs that have arrived in this run (borrowed). */
const GbEpochStats *gb_train_view_get_history(GbTrainView *self, int *n_epochs);
/* The last trained model, NULL before (borrowed). */
GbModelHandle *gb_train_view_get_model(GbTrainView *self);
/* Accuracy of the trained model on the held-out test split; NAN before. */
double gb_train_view_get_test_accuracy(GbTrainView *self);
/* Saves the trained model (atomic: a failed save keeps the old file); the message is also
 * shown in the view. */
gboolean gb_train_view_save(GbTrainView *self, const char *path, GError **error);
const char *gb_train_view_get_status(GbTrainView *self);
GbPlotView *gb_train_view_get_loss_plot(GbTrainView *self);
GbPlotView *gb_train_view_get_accuracy_plot(GbTrainView *self);

G_END_DECLS

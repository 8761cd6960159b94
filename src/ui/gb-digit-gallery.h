/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "gb-dataset.h"
#include "gb-digit-item.h"
#include "gb-model-handle.h"
#include "gb-worker.h"

G_BEGIN_DECLS

/* A grid of a data set's digits (GbDigitItem) with their labels and, once a model is set, its
 * predictions: misclassified digits get a red label and frame. Filters by class and
 * "misclassified only", a "37 of 2000" count, "Random" and "Next" buttons. Without data it
 * shows how to fetch them.
 *
 * Signal "digit-activated" (int index in the data set): the user picked a digit (clicked or
 * moved the selection to it, activated it, or pressed Random/Next). */
#define GB_TYPE_DIGIT_GALLERY (gb_digit_gallery_get_type())
G_DECLARE_FINAL_TYPE(GbDigitGallery, gb_digit_gallery, GB, DIGIT_GALLERY, GtkWidget)

GtkWidget *gb_digit_gallery_new(void);
/* Takes ownership of @ds (samples of 784 values, labels); NULL shows the placeholder. A data
 * set of another sample size is refused: freed, with the placeholder saying why. Restarts the
 * predictions when a model is set. */
void gb_digit_gallery_set_dataset(GbDigitGallery *self, GbDataset *ds);
/* gb_dataset_open(@source) then set_dataset; on failure the placeholder shows the error and
 * how to fetch the data (`glassbox-cli data fetch`), and @error is set. */
gboolean gb_digit_gallery_load(GbDigitGallery *self, const char *source, GError **error);
/* Borrowed; NULL when none. */
const GbDataset *gb_digit_gallery_get_dataset(GbDigitGallery *self);
/* Predicts every digit with @model in a job on @worker (a working copy of the model, batched
 * gb_model_predict); a newer call cancels it. NULL @model forgets the predictions. */
void gb_digit_gallery_set_model(GbDigitGallery *self, GbWorker *worker, GbModelHandle *model);
/* Whether a prediction job is running. */
gboolean gb_digit_gallery_is_predicting(GbDigitGallery *self);
/* The line under the grid: prediction progress, accuracy or the model's error. */
const char *gb_digit_gallery_get_status(GbDigitGallery *self);

/* Every digit, in data-set order (borrowed GListModel of GbDigitItem), and those shown. */
GListModel *gb_digit_gallery_get_items(GbDigitGallery *self);
GListModel *gb_digit_gallery_get_shown(GbDigitGallery *self);
/* Borrowed; NULL when @index is out of range. */
GbDigitItem *gb_digit_gallery_get_item(GbDigitGallery *self, int index);

/* @digit -1 shows every class (the drop-down follows). */
void gb_digit_gallery_set_class_filter(GbDigitGallery *self, int digit);
void gb_digit_gallery_set_misclassified_only(GbDigitGallery *self, gboolean only);
/* The count label's text, e.g. "37 of 2000". */
const char *gb_digit_gallery_get_count_text(GbDigitGallery *self);

/* Data-set index of the selected digit, -1 if none. */
int gb_digit_gallery_get_selected(GbDigitGallery *self);
/* Select a shown digit (and emit "digit-activated"); return its data-set index or -1 when
 * nothing is shown. Random draws from a GRand seeded by set_seed (default 1); Next takes the
 * digit after the selected one, wrapping around. */
int gb_digit_gallery_select_random(GbDigitGallery *self);
int gb_digit_gallery_select_next(GbDigitGallery *self);
void gb_digit_gallery_set_seed(GbDigitGallery *self, guint32 seed);

G_END_DECLS

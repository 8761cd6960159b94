/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* One digit of a data set as shown by GbDigitGallery: its index in the set, its 28x28 pixels
 * (row-major, ink high, [0, 1]), its label and, once a model has looked at it, the predicted
 * class and that class's probability. "prediction" is notified when they change. */
#define GB_TYPE_DIGIT_ITEM (gb_digit_item_get_type())
G_DECLARE_FINAL_TYPE(GbDigitItem, gb_digit_item, GB, DIGIT_ITEM, GObject)

/* @pixels: 784 floats, copied. */
GbDigitItem *gb_digit_item_new(int index, int label, const float *pixels);
int gb_digit_item_get_index(GbDigitItem *self);
int gb_digit_item_get_label(GbDigitItem *self);
/* Borrowed, 784 floats. */
const float *gb_digit_item_get_pixels(GbDigitItem *self);
/* -1 until known. */
int gb_digit_item_get_prediction(GbDigitItem *self);
double gb_digit_item_get_probability(GbDigitItem *self);
/* @prediction -1 forgets it. */
void gb_digit_item_set_prediction(GbDigitItem *self, int prediction, double probability);
/* A prediction is known and differs from the label. */
gboolean gb_digit_item_is_misclassified(GbDigitItem *self);

G_END_DECLS

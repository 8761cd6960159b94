/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* A 28x28 digit shown crisply: each pixel an exact square (nearest-neighbour scaling), white
 * ink on black as the model sees it, optionally framed in red (a misclassified digit). */
#define GB_TYPE_DIGIT_THUMB (gb_digit_thumb_get_type())
G_DECLARE_FINAL_TYPE(GbDigitThumb, gb_digit_thumb, GB, DIGIT_THUMB, GtkWidget)

/* @cell_size: size of one of the 28x28 pixels on screen, in pixels (>= 1); the widget asks for
 * 28 * @cell_size and grows (square, centred) when given more. */
GtkWidget *gb_digit_thumb_new(int cell_size);
/* @pixels: 784 floats in [0, 1], ink high, copied; NULL shows nothing. */
void gb_digit_thumb_set_pixels(GbDigitThumb *self, const float *pixels);
void gb_digit_thumb_set_marked(GbDigitThumb *self, gboolean marked);
gboolean gb_digit_thumb_get_marked(GbDigitThumb *self);

G_END_DECLS

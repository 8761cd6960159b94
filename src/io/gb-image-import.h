/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "gb-digit-preprocess.h"
#include "gb-status.h"

/* Photos and scans of digits (PNG, JPEG, anything gdk-pixbuf reads) of any size, colour or
 * polarity, turned into the 28x28 samples a digit model expects. */

/* The largest image accepted, in pixels, checked before decoding. */
#define GB_IMAGE_IMPORT_MAX_PIXELS 50000000L

/* Reads @path into a grayscale canvas (height, width) with ink high and background 0:
 * luminance (Rec. 709 weights, transparency composited over the background), inverted when
 * the border is bright (dark ink on light paper), then stretched so the border's median is 0
 * and the strongest ink is 1. @inverted (may be NULL) tells whether it was inverted. The
 * canvas is owned by the caller (g_free). Messages name the file. */
GbStatus gb_image_import_canvas(const char *path, float **canvas, int *width, int *height,
                                gboolean *inverted, GbError *err);

/* gb_image_import_canvas() followed by the MNIST-style preprocessing: @out is 28 * 28 floats in
 * [0, 1]. @info may be NULL. */
GbStatus gb_image_import_digit(const char *path, float *out, GbDigitPreprocessInfo *info,
                               GbError *err);

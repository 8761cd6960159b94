/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "gb-status.h"

/* Turning a drawing into a 28x28 sample the way MNIST's own digits were made (LeCun et al.):
 * the ink's bounding box is scaled to fit a 20x20 box, keeping its aspect ratio, with
 * anti-aliasing, and placed in a 28x28 image so that its centre of mass sits at the centre.
 * A model trained on MNIST has only seen digits normalised like that; a digit drawn small or
 * in a corner of a canvas and merely resized looks nothing like them.
 *
 * Canvases are row-major grayscale (height, width) with ink high, values in [0, 1].
 * Coordinates count pixel centres at i + 0.5, so the centre of a 28x28 image is (14, 14). */

#define GB_DIGIT_SIZE 28
#define GB_DIGIT_BOX 20
/* A canvas pixel above this counts as ink when looking for the bounding box. */
#define GB_DIGIT_INK_THRESHOLD 0.05f

/* What the MNIST-style preprocessing did, for showing it step by step. */
typedef struct {
  int box_x, box_y, box_width, box_height; /* the ink's bounding box in the canvas */
  int scaled_width, scaled_height;         /* its size after scaling into 20x20 */
  int left, top;                           /* where it was placed in the 28x28 image */
  double com_x, com_y;                     /* centre of mass in the result */
} GbDigitPreprocessInfo;

/* @out: 28 * 28 floats. @info may be NULL. An empty canvas (no pixel above the threshold)
 * returns GB_ERR_INVALID "the canvas is empty: draw a digit first". The shift that centres
 * the mass is rounded to whole pixels and limited so that no ink leaves the image. */
GbStatus gb_digit_preprocess_mnist(const float *canvas, int width, int height, float *out,
                                   GbDigitPreprocessInfo *info, GbError *err);

/* The naive alternative for comparison: the whole canvas resized to 28x28 (area-averaged),
 * ignoring where the ink is and the aspect ratio. Same errors as above. */
GbStatus gb_digit_preprocess_plain(const float *canvas, int width, int height, float *out,
                                   GbError *err);

/* Resizes @src (sh, sw) into @dst (dh, dw): area averaging (a box filter) along an axis that
 * shrinks, linear interpolation along one that grows. */
GbStatus gb_image_resample(const float *src, int sw, int sh, float *dst, int dw, int dh,
                           GbError *err);

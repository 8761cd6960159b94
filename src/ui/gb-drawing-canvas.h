/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "gb-digit-preprocess.h"

G_BEGIN_DECLS

/* A square sheet the user draws a digit on, white ink on black like MNIST. The ink is kept as
 * vector strokes (canvas-relative coordinates in [0, 1]) over an optional background image (a
 * data-set digit or an imported picture), so it is redrawn crisply at any size and rasterised
 * once per change for the model. Every edit (stroke, erasure, clear, background) can be undone
 * and redone.
 *
 * Signals: "changed" (while drawing at most once per frame, and after every edit),
 * "stroke-finished" (a stroke was committed), "error" (const char *message: a dropped file
 * could not be read; the drawing is unchanged).
 * Properties: "eraser" (boolean, read-write), "can-undo", "can-redo", "is-empty" (read-only).
 * The right mouse button always erases; the left one draws or erases by "eraser".
 * Actions "canvas.undo", "canvas.redo", "canvas.clear" (disabled when there is nothing to undo
 * or redo), bound to Ctrl+Z, Ctrl+Shift+Z or Ctrl+Y, and Delete while the canvas has the
 * focus. */
#define GB_TYPE_DRAWING_CANVAS (gb_drawing_canvas_get_type())
G_DECLARE_FINAL_TYPE(GbDrawingCanvas, gb_drawing_canvas, GB, DRAWING_CANVAS, GtkWidget)

/* Pen width as a fraction of the canvas side: a marker 2.2 cells wide on a 28x28 grid. */
#define GB_DRAWING_PEN_WIDTH (2.2 / 28.0)
/* The eraser is wider, so erasing a line takes one pass. */
#define GB_DRAWING_ERASER_WIDTH (4.0 / 28.0)
/* Side, in pixels, of the grayscale raster the model input is made from. */
#define GB_DRAWING_RASTER_SIZE 224

GtkWidget *gb_drawing_canvas_new(void);

/* The 28x28 image the model sees: the ink rendered to a grayscale raster (ink high) and run
 * through gb_digit_preprocess_mnist(). @out: 784 floats; @info may be NULL. An empty canvas
 * fails with "the canvas is empty: draw a digit first" (GB_ERROR, GB_ERR_INVALID). */
gboolean gb_drawing_canvas_get_input(GbDrawingCanvas *self, float out[784],
                                     GbDigitPreprocessInfo *info, GError **error);
/* The raster behind get_input, before preprocessing: GB_DRAWING_RASTER_SIZE^2 floats in
 * [0, 1], row-major, ink high. Borrowed, valid until the next change. */
const float *gb_drawing_canvas_get_raster(GbDrawingCanvas *self);

/* Starts over from a 28x28 digit (row-major, ink high, values in [0, 1]; NULL: blank), upscaled
 * smoothly to fill the canvas, as ink the user can draw over or erase. Undoable. */
void gb_drawing_canvas_set_digit(GbDrawingCanvas *self, const float img[784]);
/* Reads an image file (gb_image_import_canvas: any size, colour or polarity) and starts over
 * from it, its ink fitted into the middle 20x20 of the 28x28 grid like an MNIST digit. On
 * failure the drawing is unchanged and @error names the file and the problem. Undoable. */
gboolean gb_drawing_canvas_load_file(GbDrawingCanvas *self, const char *path, GError **error);

/* Adds a stroke through @n_points points @xy (x0, y0, x1, y1, ...) in canvas-relative
 * coordinates ([0, 1], origin top left), drawn with the pen or, when @erase, the eraser.
 * Non-finite coordinates are refused (returns FALSE, nothing drawn). Emits "changed" and
 * "stroke-finished". */
gboolean gb_drawing_canvas_add_stroke(GbDrawingCanvas *self, const double *xy, int n_points,
                                      gboolean erase);

void gb_drawing_canvas_clear(GbDrawingCanvas *self);
void gb_drawing_canvas_undo(GbDrawingCanvas *self);
void gb_drawing_canvas_redo(GbDrawingCanvas *self);

void gb_drawing_canvas_set_eraser(GbDrawingCanvas *self, gboolean eraser);
gboolean gb_drawing_canvas_get_eraser(GbDrawingCanvas *self);
gboolean gb_drawing_canvas_get_can_undo(GbDrawingCanvas *self);
gboolean gb_drawing_canvas_get_can_redo(GbDrawingCanvas *self);
/* No pixel of the raster above GB_DIGIT_INK_THRESHOLD. */
gboolean gb_drawing_canvas_get_is_empty(GbDrawingCanvas *self);

G_END_DECLS

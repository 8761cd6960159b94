/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <cairo.h>
#include <glib.h>

G_BEGIN_DECLS

/* The drawing behind GbDrawingCanvas, without GTK: a history of edits (strokes, erasures,
 * clears, background images) with undo and redo, and rasterisation of the current state to
 * square A8 surfaces (alpha = ink) of any size. Coordinates are canvas-relative, in [0, 1].
 *
 * Each render target keeps the committed edits rendered at its size and adds only the new
 * ones, so a frame while drawing costs one copy plus the stroke in progress. */
typedef struct _GbDrawingInk GbDrawingInk;

typedef enum {
  GB_DRAWING_INK_SCREEN, /* the widget's pixels */
  GB_DRAWING_INK_RASTER, /* the model input's raster */
  GB_DRAWING_INK_N_TARGETS,
} GbDrawingInkTarget;

GbDrawingInk *gb_drawing_ink_new(double pen_width, double eraser_width);
void gb_drawing_ink_free(GbDrawingInk *ink);

/* The stroke in progress: begin, extend (a point closer than @min_step to the last one is
 * dropped; returns whether it was added), then end (commits it as one undoable edit) or
 * cancel. */
void gb_drawing_ink_begin(GbDrawingInk *ink, double x, double y, gboolean erase);
gboolean gb_drawing_ink_extend(GbDrawingInk *ink, double x, double y, double min_step);
void gb_drawing_ink_end(GbDrawingInk *ink);
void gb_drawing_ink_cancel(GbDrawingInk *ink);
gboolean gb_drawing_ink_is_drawing(GbDrawingInk *ink);

/* @xy: @n (x, y) pairs, all finite, n >= 1. */
void gb_drawing_ink_add_stroke(GbDrawingInk *ink, const double *xy, int n, gboolean erase);
/* Starts over from @img (@h rows of @w values in [0, 1], ink high; copied) drawn into the
 * canvas-relative rectangle (@x, @y, @rw, @rh); @img NULL starts over from a blank sheet. */
void gb_drawing_ink_set_background(GbDrawingInk *ink, const float *img, int w, int h, double x,
                                   double y, double rw, double rh);
/* Does nothing and returns FALSE when there is nothing to undo (redo). */
gboolean gb_drawing_ink_undo(GbDrawingInk *ink);
gboolean gb_drawing_ink_redo(GbDrawingInk *ink);
gboolean gb_drawing_ink_can_undo(GbDrawingInk *ink);
gboolean gb_drawing_ink_can_redo(GbDrawingInk *ink);
/* Whether the current state is a blank sheet without any edit since (cheap; a sheet whose ink
 * was all erased is not blank here: look at the raster for that). */
gboolean gb_drawing_ink_is_blank(GbDrawingInk *ink);

/* The current drawing, stroke in progress included, as a @size x @size A8 surface. Borrowed:
 * valid until the next call for the same target or the next edit. */
cairo_surface_t *gb_drawing_ink_render(GbDrawingInk *ink, GbDrawingInkTarget target, int size);

G_END_DECLS

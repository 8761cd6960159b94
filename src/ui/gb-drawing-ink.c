/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-drawing-ink-private.h"

#include <math.h>
#include <string.h>

typedef enum { OP_STROKE, OP_CLEAR, OP_BACKGROUND } OpKind;

/* One undoable edit. A CLEAR or BACKGROUND starts the drawing over: the state after edit k is
 * the last such "base" edit at or before k followed by the strokes after it. */
typedef struct {
  OpKind kind;
  gboolean erase; /* OP_STROKE */
  double *xy;     /* OP_STROKE: n (x, y) pairs */
  int n;
  cairo_surface_t *image; /* OP_BACKGROUND: A8, ink as alpha */
  double rect[4];         /* OP_BACKGROUND: x, y, width, height on the canvas */
} Op;

typedef struct {
  cairo_surface_t *committed; /* edits [0, n_ops) rendered */
  cairo_surface_t *work;      /* committed plus the stroke in progress */
  int size;
  guint n_ops;
  gboolean valid;
} Cache;

struct _GbDrawingInk {
  GPtrArray *ops; /* Op *; [0, n_done) is the drawing, the rest can be redone */
  guint n_done;
  GArray *current; /* double pairs of the stroke in progress, NULL when not drawing */
  gboolean current_erase;
  double pen_width, eraser_width;
  Cache cache[GB_DRAWING_INK_N_TARGETS];
};

static void
op_free(gpointer data)
{
  Op *op = data;
  g_free(op->xy);
  if (op->image != NULL)
    cairo_surface_destroy(op->image);
  g_free(op);
}

GbDrawingInk *
gb_drawing_ink_new(double pen_width, double eraser_width)
{
  GbDrawingInk *ink = g_new0(GbDrawingInk, 1);
  ink->ops = g_ptr_array_new_with_free_func(op_free);
  ink->pen_width = pen_width;
  ink->eraser_width = eraser_width;
  return ink;
}

static void
cache_clear(Cache *c)
{
  g_clear_pointer(&c->committed, cairo_surface_destroy);
  g_clear_pointer(&c->work, cairo_surface_destroy);
  c->valid = FALSE;
}

void
gb_drawing_ink_free(GbDrawingInk *ink)
{
  if (ink == NULL)
    return;
  for (int t = 0; t < GB_DRAWING_INK_N_TARGETS; t++)
    cache_clear(&ink->cache[t]);
  g_ptr_array_unref(ink->ops);
  if (ink->current != NULL)
    g_array_unref(ink->current);
  g_free(ink);
}

/* Appends @op after the current state, dropping what could have been redone. */
static void
push_op(GbDrawingInk *ink, Op *op)
{
  if (ink->n_done < ink->ops->len)
    g_ptr_array_remove_range(ink->ops, ink->n_done, ink->ops->len - ink->n_done);
  /* A cache that rendered an undone edit now holds a different history. */
  for (int t = 0; t < GB_DRAWING_INK_N_TARGETS; t++)
    if (ink->cache[t].n_ops > ink->n_done)
      ink->cache[t].valid = FALSE;
  g_ptr_array_add(ink->ops, op);
  ink->n_done = ink->ops->len;
}

static Op *
op_get(GbDrawingInk *ink, guint i)
{
  return g_ptr_array_index(ink->ops, i);
}

/* Index + 1 of the last base edit (CLEAR or BACKGROUND) in the drawing, 0 if none. */
static guint
base_end(GbDrawingInk *ink)
{
  for (guint i = ink->n_done; i > 0; i--)
    if (op_get(ink, i - 1)->kind != OP_STROKE)
      return i;
  return 0;
}

void
gb_drawing_ink_begin(GbDrawingInk *ink, double x, double y, gboolean erase)
{
  if (ink->current != NULL)
    g_array_set_size(ink->current, 0);
  else
    ink->current = g_array_new(FALSE, FALSE, sizeof(double));
  ink->current_erase = erase;
  double p[2] = {x, y};
  g_array_append_vals(ink->current, p, 2);
}

gboolean
gb_drawing_ink_extend(GbDrawingInk *ink, double x, double y, double min_step)
{
  g_return_val_if_fail(ink->current != NULL, FALSE);
  const double *last = &g_array_index(ink->current, double, ink->current->len - 2);
  if (hypot(x - last[0], y - last[1]) < min_step)
    return FALSE;
  double p[2] = {x, y};
  g_array_append_vals(ink->current, p, 2);
  return TRUE;
}

void
gb_drawing_ink_end(GbDrawingInk *ink)
{
  g_return_if_fail(ink->current != NULL);
  GArray *cur = g_steal_pointer(&ink->current);
  gb_drawing_ink_add_stroke(ink, (const double *)(void *)cur->data, (int)cur->len / 2,
                            ink->current_erase);
  g_array_unref(cur);
}

void
gb_drawing_ink_cancel(GbDrawingInk *ink)
{
  g_clear_pointer(&ink->current, g_array_unref);
}

gboolean
gb_drawing_ink_is_drawing(GbDrawingInk *ink)
{
  return ink->current != NULL;
}

void
gb_drawing_ink_add_stroke(GbDrawingInk *ink, const double *xy, int n, gboolean erase)
{
  g_return_if_fail(n >= 1);
  Op *op = g_new0(Op, 1);
  op->kind = OP_STROKE;
  op->erase = erase;
  op->n = n;
  op->xy = g_memdup2(xy, sizeof(double) * 2 * (gsize)n);
  push_op(ink, op);
}

/* @img (h, w) floats -> an A8 surface, values clamped to [0, 1] (NaN as 0). */
static cairo_surface_t *
image_to_a8(const float *img, int w, int h)
{
  cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_A8, w, h);
  unsigned char *data = cairo_image_surface_get_data(s);
  int stride = cairo_image_surface_get_stride(s);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      float v = img[(size_t)y * w + x];
      v = v > 0.0f ? (v < 1.0f ? v : 1.0f) : 0.0f; /* also maps NaN to 0 */
      data[(size_t)y * stride + x] = (unsigned char)lrintf(v * 255.0f);
    }
  cairo_surface_mark_dirty(s);
  return s;
}

void
gb_drawing_ink_set_background(GbDrawingInk *ink, const float *img, int w, int h, double x, double y,
                              double rw, double rh)
{
  Op *op = g_new0(Op, 1);
  op->kind = img != NULL ? OP_BACKGROUND : OP_CLEAR;
  if (img != NULL) {
    op->image = image_to_a8(img, w, h);
    op->rect[0] = x;
    op->rect[1] = y;
    op->rect[2] = rw;
    op->rect[3] = rh;
  }
  push_op(ink, op);
}

gboolean
gb_drawing_ink_undo(GbDrawingInk *ink)
{
  if (ink->n_done == 0)
    return FALSE;
  ink->n_done--;
  return TRUE;
}

gboolean
gb_drawing_ink_redo(GbDrawingInk *ink)
{
  if (ink->n_done >= ink->ops->len)
    return FALSE;
  ink->n_done++;
  return TRUE;
}

gboolean
gb_drawing_ink_can_undo(GbDrawingInk *ink)
{
  return ink->n_done > 0;
}

gboolean
gb_drawing_ink_can_redo(GbDrawingInk *ink)
{
  return ink->n_done < ink->ops->len;
}

gboolean
gb_drawing_ink_is_blank(GbDrawingInk *ink)
{
  guint b = base_end(ink);
  return ink->current == NULL && b == ink->n_done &&
         (b == 0 || op_get(ink, b - 1)->kind == OP_CLEAR);
}

/* A smooth path through the points: straight to the first midpoint, quadratic curves through
 * the midpoints with the points as control points, straight to the last point. One point
 * makes a zero-length segment, which round caps draw as a dot. */
static void
path_through(cairo_t *cr, const double *xy, int n, double scale)
{
  double px = xy[0] * scale, py = xy[1] * scale;
  cairo_move_to(cr, px, py);
  if (n == 1) {
    cairo_line_to(cr, px, py);
    return;
  }
  double mx = px, my = py;
  for (int i = 1; i < n - 1; i++) {
    double cx = xy[2 * i] * scale, cy = xy[2 * i + 1] * scale;
    double nx = (cx + xy[2 * i + 2] * scale) / 2, ny = (cy + xy[2 * i + 3] * scale) / 2;
    if (i == 1) {
      mx = (px + cx) / 2;
      my = (py + cy) / 2;
      cairo_line_to(cr, mx, my);
    }
    /* The quadratic (m, c, n) as a cubic: control points 2/3 of the way to c. */
    cairo_curve_to(cr, mx + 2.0 / 3 * (cx - mx), my + 2.0 / 3 * (cy - my), nx + 2.0 / 3 * (cx - nx),
                   ny + 2.0 / 3 * (cy - ny), nx, ny);
    mx = nx;
    my = ny;
  }
  cairo_line_to(cr, xy[2 * n - 2] * scale, xy[2 * n - 1] * scale);
}

static void
draw_stroke(GbDrawingInk *ink, cairo_t *cr, const double *xy, int n, gboolean erase, int size)
{
  cairo_save(cr);
  cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
  cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_width(cr, (erase ? ink->eraser_width : ink->pen_width) * size);
  cairo_set_operator(cr, erase ? CAIRO_OPERATOR_CLEAR : CAIRO_OPERATOR_OVER);
  cairo_set_source_rgba(cr, 0, 0, 0, 1);
  path_through(cr, xy, n, size);
  cairo_stroke(cr);
  cairo_restore(cr);
}

/* The image resampled into its rectangle: smoothly (bilinear up, box-filtered down) on screen
 * so it looks like ink. For the model's raster, an image covering the canvas whose pixels map
 * to whole blocks of raster pixels is copied block by block: the preprocessing's area
 * averaging then gives back exactly what preprocessing the image itself gives. */
static void
draw_background(cairo_t *cr, const Op *op, int size, GbDrawingInkTarget target)
{
  int w = cairo_image_surface_get_width(op->image);
  int h = cairo_image_surface_get_height(op->image);
  gboolean blocks = target == GB_DRAWING_INK_RASTER && size % w == 0 && size % h == 0 &&
                    op->rect[0] == 0 && op->rect[1] == 0 && op->rect[2] == 1 && op->rect[3] == 1;
  cairo_save(cr);
  cairo_translate(cr, op->rect[0] * size, op->rect[1] * size);
  cairo_scale(cr, op->rect[2] * size / w, op->rect[3] * size / h);
  cairo_set_source_surface(cr, op->image, 0, 0);
  cairo_pattern_set_filter(cairo_get_source(cr), blocks ? CAIRO_FILTER_NEAREST : CAIRO_FILTER_GOOD);
  cairo_pattern_set_extend(cairo_get_source(cr), CAIRO_EXTEND_PAD);
  cairo_rectangle(cr, 0, 0, w, h);
  cairo_fill(cr);
  cairo_restore(cr);
}

static void
surface_clear(cairo_t *cr)
{
  cairo_save(cr);
  cairo_set_operator(cr, CAIRO_OPERATOR_CLEAR);
  cairo_paint(cr);
  cairo_restore(cr);
}

/* Brings c->committed up to the edits [0, n_done): from scratch when the drawing started over
 * or edits were undone since, else by drawing only the new strokes. */
static void
cache_update(GbDrawingInk *ink, Cache *c, int size, GbDrawingInkTarget target)
{
  if (c->committed == NULL || c->size != size) {
    cache_clear(c);
    c->committed = cairo_image_surface_create(CAIRO_FORMAT_A8, size, size);
    c->work = cairo_image_surface_create(CAIRO_FORMAT_A8, size, size);
    c->size = size;
  }
  cairo_t *cr = cairo_create(c->committed);
  guint base = base_end(ink);
  if (!c->valid || c->n_ops > ink->n_done || c->n_ops < base) {
    surface_clear(cr);
    if (base > 0 && op_get(ink, base - 1)->kind == OP_BACKGROUND)
      draw_background(cr, op_get(ink, base - 1), size, target);
    c->n_ops = base;
    c->valid = TRUE;
  }
  for (; c->n_ops < ink->n_done; c->n_ops++) {
    const Op *op = op_get(ink, c->n_ops);
    draw_stroke(ink, cr, op->xy, op->n, op->erase, size);
  }
  cairo_destroy(cr);
}

cairo_surface_t *
gb_drawing_ink_render(GbDrawingInk *ink, GbDrawingInkTarget target, int size)
{
  g_return_val_if_fail(target < GB_DRAWING_INK_N_TARGETS && size > 0, NULL);
  Cache *c = &ink->cache[target];
  cache_update(ink, c, size, target);
  if (ink->current == NULL) {
    cairo_surface_flush(c->committed);
    return c->committed;
  }
  cairo_t *cr = cairo_create(c->work);
  cairo_set_operator(cr, CAIRO_OPERATOR_SOURCE);
  cairo_set_source_surface(cr, c->committed, 0, 0);
  cairo_paint(cr);
  draw_stroke(ink, cr, (const double *)(void *)ink->current->data, (int)ink->current->len / 2,
              ink->current_erase, size);
  cairo_destroy(cr);
  cairo_surface_flush(c->work);
  return c->work;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-drawing-canvas.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "gb-drawing-ink-private.h"
#include "gb-image-import.h"
#include "gb-worker.h"

/* An imported picture is kept at most this many pixels on its longer side: enough for any
 * screen the canvas is shown on, small enough to redraw every frame. */
#define MAX_BACKGROUND_SIDE 320
/* Pointer moves shorter than this (in pixels) add no point to a stroke. */
#define MIN_STEP_PX 0.75

struct _GbDrawingCanvas {
  GtkWidget parent_instance;
  GbDrawingInk *ink;
  gboolean eraser, can_undo, can_redo, is_empty;
  guint changed_tick; /* tick callback due to emit "changed", 0 if none */
  double drag_x, drag_y;
  double pointer_x, pointer_y; /* widget coordinates, for the eraser's outline */
  gboolean pointer_inside, erasing;
  float *raster; /* GB_DRAWING_RASTER_SIZE^2, ink high */
  gboolean raster_valid, raster_has_ink;
};

enum { PROP_0, PROP_ERASER, PROP_CAN_UNDO, PROP_CAN_REDO, PROP_IS_EMPTY, N_PROPS };
static GParamSpec *properties[N_PROPS];

enum { SIGNAL_CHANGED, SIGNAL_STROKE_FINISHED, SIGNAL_ERROR, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE(GbDrawingCanvas, gb_drawing_canvas, GTK_TYPE_WIDGET)

/* The square sheet inside the allocation, centred. */
static double
sheet_rect(GbDrawingCanvas *self, double *x0, double *y0)
{
  int w = gtk_widget_get_width(GTK_WIDGET(self)), h = gtk_widget_get_height(GTK_WIDGET(self));
  double side = MIN(w, h);
  *x0 = (w - side) / 2;
  *y0 = (h - side) / 2;
  return side;
}

/* Widget coordinates -> canvas-relative ones. */
static void
to_canvas(GbDrawingCanvas *self, double wx, double wy, double *u, double *v)
{
  double x0, y0, side = sheet_rect(self, &x0, &y0);
  side = side > 0 ? side : 1;
  *u = (wx - x0) / side;
  *v = (wy - y0) / side;
}

/* Renders the raster the model input is made from, once per change. */
static void
ensure_raster(GbDrawingCanvas *self)
{
  if (self->raster_valid)
    return;
  const int n = GB_DRAWING_RASTER_SIZE;
  cairo_surface_t *s = gb_drawing_ink_render(self->ink, GB_DRAWING_INK_RASTER, n);
  const unsigned char *data = cairo_image_surface_get_data(s);
  int stride = cairo_image_surface_get_stride(s);
  unsigned char top = 0;
  for (int y = 0; y < n; y++) {
    const unsigned char *row = data + (size_t)y * stride;
    float *out = self->raster + (size_t)y * n;
    for (int x = 0; x < n; x++) {
      out[x] = row[x] * (1.0f / 255.0f);
      top = row[x] > top ? row[x] : top;
    }
  }
  self->raster_has_ink = top * (1.0f / 255.0f) > GB_DIGIT_INK_THRESHOLD;
  self->raster_valid = TRUE;
}

static void
set_flag(GbDrawingCanvas *self, gboolean *field, gboolean value, int prop)
{
  if (*field == value)
    return;
  *field = value;
  g_object_notify_by_pspec(G_OBJECT(self), properties[prop]);
}

static void
update_state(GbDrawingCanvas *self)
{
  gboolean empty = gb_drawing_ink_is_blank(self->ink);
  if (!empty) {
    ensure_raster(self);
    empty = !self->raster_has_ink;
  }
  g_object_freeze_notify(G_OBJECT(self));
  set_flag(self, &self->can_undo, gb_drawing_ink_can_undo(self->ink), PROP_CAN_UNDO);
  set_flag(self, &self->can_redo, gb_drawing_ink_can_redo(self->ink), PROP_CAN_REDO);
  set_flag(self, &self->is_empty, empty, PROP_IS_EMPTY);
  gtk_widget_action_set_enabled(GTK_WIDGET(self), "canvas.undo", self->can_undo);
  gtk_widget_action_set_enabled(GTK_WIDGET(self), "canvas.redo", self->can_redo);
  g_object_thaw_notify(G_OBJECT(self));
}

static void
emit_changed(GbDrawingCanvas *self)
{
  if (self->changed_tick != 0) {
    gtk_widget_remove_tick_callback(GTK_WIDGET(self), self->changed_tick);
    self->changed_tick = 0;
  }
  update_state(self);
  g_signal_emit(self, signals[SIGNAL_CHANGED], 0);
}

static gboolean
changed_tick_cb(GtkWidget *widget, GdkFrameClock *clock, gpointer user)
{
  (void)clock, (void)user;
  GbDrawingCanvas *self = GB_DRAWING_CANVAS(widget);
  self->changed_tick = 0;
  emit_changed(self);
  return G_SOURCE_REMOVE;
}

/* While drawing: redraw, and emit "changed" on the next frame, at most once per frame. */
static void
schedule_changed(GbDrawingCanvas *self)
{
  self->raster_valid = FALSE;
  gtk_widget_queue_draw(GTK_WIDGET(self));
  if (self->changed_tick == 0)
    self->changed_tick =
        gtk_widget_add_tick_callback(GTK_WIDGET(self), changed_tick_cb, NULL, NULL);
}

/* After a whole edit: redraw and tell listeners now. */
static void
finish_edit(GbDrawingCanvas *self, gboolean stroke)
{
  self->raster_valid = FALSE;
  gtk_widget_queue_draw(GTK_WIDGET(self));
  emit_changed(self);
  if (stroke)
    g_signal_emit(self, signals[SIGNAL_STROKE_FINISHED], 0);
}

static void
drag_begin_cb(GtkGestureDrag *gesture, double x, double y, GbDrawingCanvas *self)
{
  guint button = gtk_gesture_single_get_current_button(GTK_GESTURE_SINGLE(gesture));
  if (button == GDK_BUTTON_MIDDLE) {
    gtk_gesture_set_state(GTK_GESTURE(gesture), GTK_EVENT_SEQUENCE_DENIED);
    return;
  }
  gtk_gesture_set_state(GTK_GESTURE(gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  self->drag_x = x;
  self->drag_y = y;
  double u, v;
  to_canvas(self, x, y, &u, &v);
  self->erasing = self->eraser || button == GDK_BUTTON_SECONDARY;
  gb_drawing_ink_begin(self->ink, u, v, self->erasing);
  schedule_changed(self);
}

static void
drag_to(GbDrawingCanvas *self, double offset_x, double offset_y)
{
  double x0, y0, side = sheet_rect(self, &x0, &y0);
  double u, v;
  self->pointer_x = self->drag_x + offset_x;
  self->pointer_y = self->drag_y + offset_y;
  to_canvas(self, self->pointer_x, self->pointer_y, &u, &v);
  if (gb_drawing_ink_extend(self->ink, u, v, MIN_STEP_PX / MAX(side, 1.0)))
    schedule_changed(self);
}

static void
drag_update_cb(GtkGestureDrag *gesture, double offset_x, double offset_y, GbDrawingCanvas *self)
{
  (void)gesture;
  if (gb_drawing_ink_is_drawing(self->ink))
    drag_to(self, offset_x, offset_y);
}

static void
drag_end_cb(GtkGestureDrag *gesture, double offset_x, double offset_y, GbDrawingCanvas *self)
{
  (void)gesture;
  if (!gb_drawing_ink_is_drawing(self->ink))
    return;
  drag_to(self, offset_x, offset_y);
  gb_drawing_ink_end(self->ink);
  self->erasing = FALSE;
  finish_edit(self, TRUE);
}

static void
drag_cancel_cb(GtkGesture *gesture, GdkEventSequence *sequence, GbDrawingCanvas *self)
{
  (void)gesture, (void)sequence;
  if (!gb_drawing_ink_is_drawing(self->ink))
    return;
  gb_drawing_ink_cancel(self->ink);
  self->erasing = FALSE;
  finish_edit(self, FALSE);
}

/* The local path of a dropped GFile, file list or URI/path string; NULL with @error set. */
static char *
dropped_path(const GValue *value, GError **error)
{
  g_autoptr(GFile) file = NULL;
  if (G_VALUE_HOLDS(value, GDK_TYPE_FILE_LIST)) {
    GSList *files = g_value_get_boxed(value);
    file = files != NULL ? g_object_ref(files->data) : NULL;
  } else if (G_VALUE_HOLDS(value, G_TYPE_FILE)) {
    file = g_value_dup_object(value);
  } else if (G_VALUE_HOLDS_STRING(value) && g_value_get_string(value) != NULL) {
    g_auto(GStrv) lines = g_strsplit(g_value_get_string(value), "\n", 2);
    g_autofree char *first = g_strstrip(g_strdup(lines[0] ? lines[0] : ""));
    if (first[0] != '\0')
      file = g_uri_is_valid(first, G_URI_FLAGS_NONE, NULL) ? g_file_new_for_uri(first)
                                                           : g_file_new_for_path(first);
  }
  if (file == NULL) {
    g_set_error(error, GB_ERROR, GB_ERR_INVALID,
                _("Nothing usable was dropped: drop an image "
                  "file"));
    return NULL;
  }
  char *path = g_file_get_path(file);
  if (path == NULL) {
    g_autofree char *uri = g_file_get_uri(file);
    g_set_error(error, GB_ERROR, GB_ERR_UNSUPPORTED,
                _("%s: only files on this computer can be opened"), uri);
  }
  return path;
}

static gboolean
drop_cb(GtkDropTarget *target, const GValue *value, double x, double y, GbDrawingCanvas *self)
{
  (void)target, (void)x, (void)y;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = dropped_path(value, &error);
  if (path != NULL && gb_drawing_canvas_load_file(self, path, &error))
    return TRUE;
  g_signal_emit(self, signals[SIGNAL_ERROR], 0, error->message);
  return FALSE;
}

static void
draw_hint(GtkWidget *widget, GtkSnapshot *snapshot, double x0, double y0, double side)
{
  PangoLayout *layout = gtk_widget_create_pango_layout(widget, _("Draw a digit here"));
  int lw, lh;
  pango_layout_get_pixel_size(layout, &lw, &lh);
  gtk_snapshot_save(snapshot);
  gtk_snapshot_translate(
      snapshot, &GRAPHENE_POINT_INIT((float)(x0 + (side - lw) / 2), (float)(y0 + (side - lh) / 2)));
  gtk_snapshot_append_layout(snapshot, layout, &(GdkRGBA){0.6f, 0.6f, 0.6f, 1.0f});
  gtk_snapshot_restore(snapshot);
  g_object_unref(layout);
}

/* Where the eraser will act: a thin circle of its width around the pointer. */
static void
draw_eraser_outline(GbDrawingCanvas *self, GtkSnapshot *snapshot, double side)
{
  double r = GB_DRAWING_ERASER_WIDTH * side / 2;
  graphene_rect_t box =
      GRAPHENE_RECT_INIT((float)(self->pointer_x - r - 2), (float)(self->pointer_y - r - 2),
                         (float)(2 * r + 4), (float)(2 * r + 4));
  cairo_t *cr = gtk_snapshot_append_cairo(snapshot, &box);
  cairo_arc(cr, self->pointer_x, self->pointer_y, r, 0, 2 * G_PI);
  cairo_set_line_width(cr, 1.5);
  cairo_set_source_rgb(cr, 0.55, 0.55, 0.55);
  cairo_stroke(cr);
  cairo_destroy(cr);
}

static void
motion_cb(GtkEventControllerMotion *motion, double x, double y, GbDrawingCanvas *self)
{
  (void)motion;
  self->pointer_x = x;
  self->pointer_y = y;
  self->pointer_inside = TRUE;
  if (self->eraser || self->erasing)
    gtk_widget_queue_draw(GTK_WIDGET(self));
}

static void
leave_cb(GtkEventControllerMotion *motion, GbDrawingCanvas *self)
{
  (void)motion;
  self->pointer_inside = FALSE;
  if (self->eraser)
    gtk_widget_queue_draw(GTK_WIDGET(self));
}

/* Black sheet, white ink: the ink surface (alpha) as a mask at the widget's device pixels. */
static void
gb_drawing_canvas_snapshot(GtkWidget *widget, GtkSnapshot *snapshot)
{
  GbDrawingCanvas *self = GB_DRAWING_CANVAS(widget);
  double x0, y0, side = sheet_rect(self, &x0, &y0);
  if (side < 1)
    return;
  int px = (int)ceil(side * gtk_widget_get_scale_factor(widget));
  cairo_surface_t *ink = gb_drawing_ink_render(self->ink, GB_DRAWING_INK_SCREEN, px);
  graphene_rect_t r = GRAPHENE_RECT_INIT((float)x0, (float)y0, (float)side, (float)side);
  cairo_t *cr = gtk_snapshot_append_cairo(snapshot, &r);
  cairo_rectangle(cr, x0, y0, side, side);
  cairo_set_source_rgb(cr, 0, 0, 0);
  cairo_fill(cr);
  cairo_translate(cr, x0, y0);
  cairo_scale(cr, side / px, side / px);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_mask_surface(cr, ink, 0, 0);
  cairo_destroy(cr);
  if (self->is_empty && !gb_drawing_ink_is_drawing(self->ink))
    draw_hint(widget, snapshot, x0, y0, side);
  if ((self->eraser && self->pointer_inside) || self->erasing)
    draw_eraser_outline(self, snapshot, side);
}

static void
gb_drawing_canvas_measure(GtkWidget *widget, GtkOrientation orientation, int for_size, int *minimum,
                          int *natural, int *minimum_baseline, int *natural_baseline)
{
  (void)widget, (void)orientation, (void)for_size, (void)minimum_baseline, (void)natural_baseline;
  *minimum = 112;
  *natural = 336;
}

static void
gb_drawing_canvas_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GbDrawingCanvas *self = GB_DRAWING_CANVAS(object);
  switch (prop_id) {
  case PROP_ERASER: g_value_set_boolean(value, self->eraser); break;
  case PROP_CAN_UNDO: g_value_set_boolean(value, self->can_undo); break;
  case PROP_CAN_REDO: g_value_set_boolean(value, self->can_redo); break;
  case PROP_IS_EMPTY: g_value_set_boolean(value, self->is_empty); break;
  default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
  }
}

static void
gb_drawing_canvas_set_property(GObject *object, guint prop_id, const GValue *value,
                               GParamSpec *pspec)
{
  GbDrawingCanvas *self = GB_DRAWING_CANVAS(object);
  switch (prop_id) {
  case PROP_ERASER: gb_drawing_canvas_set_eraser(self, g_value_get_boolean(value)); break;
  default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
  }
}

static void
gb_drawing_canvas_finalize(GObject *object)
{
  GbDrawingCanvas *self = GB_DRAWING_CANVAS(object);
  gb_drawing_ink_free(self->ink);
  g_free(self->raster);
  G_OBJECT_CLASS(gb_drawing_canvas_parent_class)->finalize(object);
}

static void
undo_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void)name, (void)param;
  gb_drawing_canvas_undo(GB_DRAWING_CANVAS(widget));
}

static void
redo_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void)name, (void)param;
  gb_drawing_canvas_redo(GB_DRAWING_CANVAS(widget));
}

static void
clear_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void)name, (void)param;
  gb_drawing_canvas_clear(GB_DRAWING_CANVAS(widget));
}

/* canvas.undo, canvas.redo, canvas.clear, and their keys while the canvas has the focus. */
static void
install_actions(GtkWidgetClass *wclass)
{
  gtk_widget_class_install_action(wclass, "canvas.undo", NULL, undo_action);
  gtk_widget_class_install_action(wclass, "canvas.redo", NULL, redo_action);
  gtk_widget_class_install_action(wclass, "canvas.clear", NULL, clear_action);
  gtk_widget_class_add_binding_action(wclass, GDK_KEY_z, GDK_CONTROL_MASK, "canvas.undo", NULL);
  gtk_widget_class_add_binding_action(wclass, GDK_KEY_z, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                      "canvas.redo", NULL);
  gtk_widget_class_add_binding_action(wclass, GDK_KEY_y, GDK_CONTROL_MASK, "canvas.redo", NULL);
  gtk_widget_class_add_binding_action(wclass, GDK_KEY_Delete, 0, "canvas.clear", NULL);
}

static void
install_properties(GObjectClass *oclass)
{
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  properties[PROP_ERASER] =
      g_param_spec_boolean("eraser", NULL, NULL, FALSE,
                           G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CAN_UNDO] = g_param_spec_boolean("can-undo", NULL, NULL, FALSE, ro);
  properties[PROP_CAN_REDO] = g_param_spec_boolean("can-redo", NULL, NULL, FALSE, ro);
  properties[PROP_IS_EMPTY] = g_param_spec_boolean("is-empty", NULL, NULL, TRUE, ro);
  g_object_class_install_properties(oclass, N_PROPS, properties);
}

static void
gb_drawing_canvas_class_init(GbDrawingCanvasClass *klass)
{
  GObjectClass *oclass = G_OBJECT_CLASS(klass);
  GtkWidgetClass *wclass = GTK_WIDGET_CLASS(klass);
  oclass->finalize = gb_drawing_canvas_finalize;
  oclass->get_property = gb_drawing_canvas_get_property;
  oclass->set_property = gb_drawing_canvas_set_property;
  wclass->snapshot = gb_drawing_canvas_snapshot;
  wclass->measure = gb_drawing_canvas_measure;
  install_properties(oclass);
  signals[SIGNAL_CHANGED] = g_signal_new("changed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0,
                                         NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_STROKE_FINISHED] =
      g_signal_new("stroke-finished", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                   NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_ERROR] = g_signal_new("error", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0,
                                       NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  install_actions(wclass);
  gtk_widget_class_set_css_name(wclass, "drawingcanvas");
}

static void
add_controllers(GbDrawingCanvas *self)
{
  GtkGesture *drag = gtk_gesture_drag_new();
  gtk_gesture_single_set_button(GTK_GESTURE_SINGLE(drag), 0);
  g_signal_connect(drag, "drag-begin", G_CALLBACK(drag_begin_cb), self);
  g_signal_connect(drag, "drag-update", G_CALLBACK(drag_update_cb), self);
  g_signal_connect(drag, "drag-end", G_CALLBACK(drag_end_cb), self);
  g_signal_connect(drag, "cancel", G_CALLBACK(drag_cancel_cb), self);
  gtk_widget_add_controller(GTK_WIDGET(self), GTK_EVENT_CONTROLLER(drag));

  GtkDropTarget *drop = gtk_drop_target_new(G_TYPE_INVALID, GDK_ACTION_COPY);
  GType types[] = {GDK_TYPE_FILE_LIST, G_TYPE_FILE, G_TYPE_STRING};
  gtk_drop_target_set_gtypes(drop, types, G_N_ELEMENTS(types));
  g_signal_connect(drop, "drop", G_CALLBACK(drop_cb), self);
  gtk_widget_add_controller(GTK_WIDGET(self), GTK_EVENT_CONTROLLER(drop));

  GtkEventController *motion = gtk_event_controller_motion_new();
  g_signal_connect(motion, "motion", G_CALLBACK(motion_cb), self);
  g_signal_connect(motion, "leave", G_CALLBACK(leave_cb), self);
  gtk_widget_add_controller(GTK_WIDGET(self), motion);
}

static void
gb_drawing_canvas_init(GbDrawingCanvas *self)
{
  self->ink = gb_drawing_ink_new(GB_DRAWING_PEN_WIDTH, GB_DRAWING_ERASER_WIDTH);
  self->raster = g_new0(float, GB_DRAWING_RASTER_SIZE *GB_DRAWING_RASTER_SIZE);
  self->is_empty = TRUE;
  gtk_widget_set_cursor_from_name(GTK_WIDGET(self), "crosshair");
  add_controllers(self);
  gtk_widget_set_focusable(GTK_WIDGET(self), TRUE);
  gtk_widget_set_focus_on_click(GTK_WIDGET(self), TRUE);
  gtk_widget_action_set_enabled(GTK_WIDGET(self), "canvas.undo", FALSE);
  gtk_widget_action_set_enabled(GTK_WIDGET(self), "canvas.redo", FALSE);
}

GtkWidget *
gb_drawing_canvas_new(void)
{
  return g_object_new(GB_TYPE_DRAWING_CANVAS, NULL);
}

gboolean
gb_drawing_canvas_get_input(GbDrawingCanvas *self, float out[784], GbDigitPreprocessInfo *info,
                            GError **error)
{
  g_return_val_if_fail(GB_IS_DRAWING_CANVAS(self), FALSE);
  ensure_raster(self);
  GbError err = {0};
  GbStatus st = gb_digit_preprocess_mnist(self->raster, GB_DRAWING_RASTER_SIZE,
                                          GB_DRAWING_RASTER_SIZE, out, info, &err);
  gb_set_error_from_status(error, st, &err);
  return st == GB_OK;
}

const float *
gb_drawing_canvas_get_raster(GbDrawingCanvas *self)
{
  g_return_val_if_fail(GB_IS_DRAWING_CANVAS(self), NULL);
  ensure_raster(self);
  return self->raster;
}

void
gb_drawing_canvas_set_digit(GbDrawingCanvas *self, const float img[784])
{
  g_return_if_fail(GB_IS_DRAWING_CANVAS(self));
  gb_drawing_ink_set_background(self->ink, img, GB_DIGIT_SIZE, GB_DIGIT_SIZE, 0, 0, 1, 1);
  finish_edit(self, FALSE);
}

/* The bounding box of the ink of an imported canvas (x, y, w, h); FALSE if there is none. */
static gboolean
ink_bounds(const float *img, int w, int h, int box[4])
{
  int x0 = w, y0 = h, x1 = -1, y1 = -1;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      if (img[(size_t)y * w + x] > GB_DIGIT_INK_THRESHOLD) {
        x0 = MIN(x0, x);
        x1 = MAX(x1, x);
        y0 = MIN(y0, y);
        y1 = MAX(y1, y);
      }
  box[0] = x0;
  box[1] = y0;
  box[2] = x1 - x0 + 1;
  box[3] = y1 - y0 + 1;
  return x1 >= 0;
}

/* Crops @img (h, w) to @box and shrinks it to at most MAX_BACKGROUND_SIDE on its longer side;
 * sets the result's size in @cw, @ch. */
static float *
crop_ink(const float *img, int w, const int box[4], int *cw, int *ch, GbError *err)
{
  g_autofree float *crop = g_new(float, (gsize)box[2] * box[3]);
  for (int y = 0; y < box[3]; y++)
    memcpy(crop + (size_t)y * box[2], img + (size_t)(box[1] + y) * w + box[0],
           sizeof(float) * box[2]);
  double shrink = MAX(box[2], box[3]) / (double)MAX_BACKGROUND_SIDE;
  *cw = box[2];
  *ch = box[3];
  if (shrink <= 1)
    return g_steal_pointer(&crop);
  *cw = MAX(1, (int)lround(box[2] / shrink));
  *ch = MAX(1, (int)lround(box[3] / shrink));
  float *small = g_new(float, (gsize)*cw **ch);
  if (gb_image_resample(crop, box[2], box[3], small, *cw, *ch, err) != GB_OK) {
    g_free(small);
    return NULL;
  }
  return small;
}

/* The ink of an imported canvas as the new background: its longer side spans the middle
 * 20 cells of 28, centred, as MNIST digits are. */
static gboolean
fit_background(GbDrawingCanvas *self, const char *path, const float *img, int w, int h,
               GError **error)
{
  int box[4], cw, ch;
  if (!ink_bounds(img, w, h, box)) {
    g_set_error(error, GB_ERROR, GB_ERR_INVALID, _("%s: no digit found in the image"), path);
    return FALSE;
  }
  GbError err = {0};
  g_autofree float *crop = crop_ink(img, w, box, &cw, &ch, &err);
  if (crop == NULL) {
    gb_set_error_from_status(error, err.code ? err.code : GB_ERR_INVALID, &err);
    return FALSE;
  }
  double unit = (double)GB_DIGIT_BOX / GB_DIGIT_SIZE / MAX(box[2], box[3]);
  double rw = box[2] * unit, rh = box[3] * unit;
  gb_drawing_ink_set_background(self->ink, crop, cw, ch, (1 - rw) / 2, (1 - rh) / 2, rw, rh);
  return TRUE;
}

gboolean
gb_drawing_canvas_load_file(GbDrawingCanvas *self, const char *path, GError **error)
{
  g_return_val_if_fail(GB_IS_DRAWING_CANVAS(self), FALSE);
  g_return_val_if_fail(path != NULL, FALSE);
  float *img = NULL;
  int w = 0, h = 0;
  GbError err = {0};
  GbStatus st = gb_image_import_canvas(path, &img, &w, &h, NULL, &err);
  if (st != GB_OK) {
    gb_set_error_from_status(error, st, &err);
    return FALSE;
  }
  gboolean ok = fit_background(self, path, img, w, h, error);
  g_free(img);
  if (ok)
    finish_edit(self, FALSE);
  return ok;
}

gboolean
gb_drawing_canvas_add_stroke(GbDrawingCanvas *self, const double *xy, int n_points, gboolean erase)
{
  g_return_val_if_fail(GB_IS_DRAWING_CANVAS(self), FALSE);
  g_return_val_if_fail(xy != NULL && n_points >= 1, FALSE);
  for (int i = 0; i < 2 * n_points; i++)
    if (!isfinite(xy[i]))
      return FALSE;
  gb_drawing_ink_add_stroke(self->ink, xy, n_points, erase);
  finish_edit(self, TRUE);
  return TRUE;
}

void
gb_drawing_canvas_clear(GbDrawingCanvas *self)
{
  g_return_if_fail(GB_IS_DRAWING_CANVAS(self));
  if (gb_drawing_ink_is_blank(self->ink))
    return;
  gb_drawing_ink_set_background(self->ink, NULL, 0, 0, 0, 0, 0, 0);
  finish_edit(self, FALSE);
}

void
gb_drawing_canvas_undo(GbDrawingCanvas *self)
{
  g_return_if_fail(GB_IS_DRAWING_CANVAS(self));
  if (gb_drawing_ink_undo(self->ink))
    finish_edit(self, FALSE);
}

void
gb_drawing_canvas_redo(GbDrawingCanvas *self)
{
  g_return_if_fail(GB_IS_DRAWING_CANVAS(self));
  if (gb_drawing_ink_redo(self->ink))
    finish_edit(self, FALSE);
}

void
gb_drawing_canvas_set_eraser(GbDrawingCanvas *self, gboolean eraser)
{
  g_return_if_fail(GB_IS_DRAWING_CANVAS(self));
  set_flag(self, &self->eraser, !!eraser, PROP_ERASER);
  gtk_widget_queue_draw(GTK_WIDGET(self));
}

gboolean
gb_drawing_canvas_get_eraser(GbDrawingCanvas *self)
{
  g_return_val_if_fail(GB_IS_DRAWING_CANVAS(self), FALSE);
  return self->eraser;
}

gboolean
gb_drawing_canvas_get_can_undo(GbDrawingCanvas *self)
{
  g_return_val_if_fail(GB_IS_DRAWING_CANVAS(self), FALSE);
  return self->can_undo;
}

gboolean
gb_drawing_canvas_get_can_redo(GbDrawingCanvas *self)
{
  g_return_val_if_fail(GB_IS_DRAWING_CANVAS(self), FALSE);
  return self->can_redo;
}

gboolean
gb_drawing_canvas_get_is_empty(GbDrawingCanvas *self)
{
  g_return_val_if_fail(GB_IS_DRAWING_CANVAS(self), TRUE);
  return self->is_empty;
}

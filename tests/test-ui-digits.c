/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb-digit-gallery.h"
#include "gb-digit-thumb.h"
#include "gb-drawing-canvas.h"
#include "gb-drawing-toolbar.h"

#define EMPTY_MESSAGE "the canvas is empty: draw a digit first"
#define N             784

/* --- helpers --- */

static void
iterate(void)
{
  while (g_main_context_pending(NULL))
    g_main_context_iteration(NULL, FALSE);
}

static void
centre_of_mass(const float *img, double *cx, double *cy)
{
  double s = 0, sx = 0, sy = 0;
  for (int y = 0; y < 28; y++)
    for (int x = 0; x < 28; x++) {
      s += img[y * 28 + x];
      sx += img[y * 28 + x] * (x + 0.5);
      sy += img[y * 28 + x] * (y + 0.5);
    }
  *cx = sx / s;
  *cy = sy / s;
}

/* Number of columns (rows when @rows) of a 28x28 image holding a value above 0.3. */
static int
n_inked_lines(const float *img, gboolean rows)
{
  int n = 0;
  for (int a = 0; a < 28; a++) {
    gboolean ink = FALSE;
    for (int b = 0; b < 28; b++)
      ink |= (rows ? img[a * 28 + b] : img[b * 28 + a]) > 0.3f;
    n += ink;
  }
  return n;
}

static float
raster_at(GbDrawingCanvas *c, double u, double v)
{
  const float *r = gb_drawing_canvas_get_raster(c);
  int s = GB_DRAWING_RASTER_SIZE;
  return r[(int)(v * s) * s + (int)(u * s)];
}

static const double vertical[] = {0.5, 0.2, 0.5, 0.35, 0.5, 0.5, 0.5, 0.65, 0.5, 0.8};

static GbDrawingCanvas *
new_canvas(void)
{
  return GB_DRAWING_CANVAS(g_object_ref_sink(gb_drawing_canvas_new()));
}

static void
assert_empty_input(GbDrawingCanvas *c)
{
  float out[N];
  g_autoptr(GError) error = NULL;
  g_assert_false(gb_drawing_canvas_get_input(c, out, NULL, &error));
  g_assert_error(error, GB_ERROR, GB_ERR_INVALID);
  g_assert_cmpstr(error->message, ==, EMPTY_MESSAGE);
  g_assert_true(gb_drawing_canvas_get_is_empty(c));
}

static double
mean_abs_diff(const float *a, const float *b, int n)
{
  double s = 0;
  for (int i = 0; i < n; i++)
    s += fabs(a[i] - b[i]);
  return s / n;
}

static void
count_cb(gpointer instance, int *count)
{
  (void)instance;
  (*count)++;
}

/* --- canvas: input --- */

static void
test_canvas_vertical_stroke(void)
{
  GbDrawingCanvas *c = new_canvas();
  int changed = 0, finished = 0;
  g_signal_connect(c, "changed", G_CALLBACK(count_cb), &changed);
  g_signal_connect(c, "stroke-finished", G_CALLBACK(count_cb), &finished);
  g_assert_true(gb_drawing_canvas_add_stroke(c, vertical, 5, FALSE));
  g_assert_cmpint(changed, ==, 1);
  g_assert_cmpint(finished, ==, 1);
  g_assert_false(gb_drawing_canvas_get_is_empty(c));
  /* Ink along the stroke, none beside it. */
  g_assert_cmpfloat(raster_at(c, 0.5, 0.5), >, 0.99);
  g_assert_cmpfloat(raster_at(c, 0.5, 0.25), >, 0.99);
  g_assert_cmpfloat(raster_at(c, 0.3, 0.5), ==, 0.0);
  g_assert_cmpfloat(raster_at(c, 0.5, 0.1), ==, 0.0);
  float out[N];
  GbDigitPreprocessInfo info;
  g_autoptr(GError) error = NULL;
  g_assert_true(gb_drawing_canvas_get_input(c, out, &info, &error));
  g_assert_no_error(error);
  double cx, cy;
  centre_of_mass(out, &cx, &cy);
  g_assert_cmpfloat(fabs(cx - 14), <, 1.0);
  g_assert_cmpfloat(fabs(cy - 14), <, 1.0);
  /* A tall narrow line: 20 rows high (the MNIST box), a few columns wide. */
  g_assert_cmpint(info.scaled_height, ==, 20);
  g_assert_cmpint(info.scaled_width, <=, 6);
  g_assert_cmpint(n_inked_lines(out, TRUE), >=, 19);
  g_assert_cmpint(n_inked_lines(out, FALSE), <=, 6);
  /* The pen is about 2.2 cells of 28 wide on the raster. */
  double pen = GB_DRAWING_PEN_WIDTH * GB_DRAWING_RASTER_SIZE;
  g_assert_cmpfloat(fabs(info.box_width - pen), <, 3);
  g_assert_cmpfloat(fabs(info.box_height - (0.6 * GB_DRAWING_RASTER_SIZE + pen)), <, 3);
  g_object_unref(c);
}

static void
test_canvas_refuses_nan(void)
{
  GbDrawingCanvas *c = new_canvas();
  double bad[] = {0.5, 0.5, NAN, 0.4};
  g_assert_false(gb_drawing_canvas_add_stroke(c, bad, 2, FALSE));
  assert_empty_input(c);
  g_assert_false(gb_drawing_canvas_get_can_undo(c));
  g_object_unref(c);
}

static void
test_canvas_undo_redo(void)
{
  GbDrawingCanvas *c = new_canvas();
  assert_empty_input(c);
  g_assert_false(gb_drawing_canvas_get_can_undo(c));
  gb_drawing_canvas_add_stroke(c, vertical, 5, FALSE);
  float first[N], again[N];
  g_assert_true(gb_drawing_canvas_get_input(c, first, NULL, NULL));
  g_assert_true(gb_drawing_canvas_get_can_undo(c));
  g_assert_false(gb_drawing_canvas_get_can_redo(c));

  gb_drawing_canvas_undo(c);
  assert_empty_input(c);
  g_assert_false(gb_drawing_canvas_get_can_undo(c));
  g_assert_true(gb_drawing_canvas_get_can_redo(c));

  gb_drawing_canvas_redo(c);
  g_assert_true(gb_drawing_canvas_get_input(c, again, NULL, NULL));
  g_assert_cmpmem(first, sizeof first, again, sizeof again);
  g_assert_false(gb_drawing_canvas_get_can_redo(c));

  /* Clear is an edit too, and a new stroke after an undo drops the redo. */
  gb_drawing_canvas_clear(c);
  assert_empty_input(c);
  gb_drawing_canvas_undo(c);
  g_assert_true(gb_drawing_canvas_get_input(c, again, NULL, NULL));
  g_assert_cmpmem(first, sizeof first, again, sizeof again);
  gb_drawing_canvas_undo(c);
  double horizontal[] = {0.2, 0.5, 0.8, 0.5};
  gb_drawing_canvas_add_stroke(c, horizontal, 2, FALSE);
  g_assert_false(gb_drawing_canvas_get_can_redo(c));
  g_assert_true(gb_drawing_canvas_get_input(c, again, NULL, NULL));
  g_assert_cmpint(n_inked_lines(again, FALSE), >=, 19); /* wide now, not tall */
  g_assert_cmpint(n_inked_lines(again, TRUE), <=, 6);
  g_object_unref(c);
}

static void
test_canvas_eraser(void)
{
  GbDrawingCanvas *c = new_canvas();
  g_object_set(c, "eraser", TRUE, NULL);
  g_assert_true(gb_drawing_canvas_get_eraser(c));
  gb_drawing_canvas_add_stroke(c, vertical, 5, FALSE);
  double across[] = {0.3, 0.5, 0.7, 0.5};
  gb_drawing_canvas_add_stroke(c, across, 2, TRUE);
  g_assert_cmpfloat(raster_at(c, 0.5, 0.5), ==, 0.0);  /* where the eraser passed */
  g_assert_cmpfloat(raster_at(c, 0.5, 0.25), >, 0.99); /* away from it */
  g_assert_cmpfloat(raster_at(c, 0.5, 0.75), >, 0.99);
  g_assert_false(gb_drawing_canvas_get_is_empty(c));
  /* Erasing along the whole line leaves an empty canvas. */
  gb_drawing_canvas_add_stroke(c, vertical, 5, TRUE);
  assert_empty_input(c);
  g_assert_true(gb_drawing_canvas_get_can_undo(c));
  gb_drawing_canvas_undo(c);
  g_assert_false(gb_drawing_canvas_get_is_empty(c));
  g_object_unref(c);
}

/* A synthetic "0": an oval ring around (13.6, 14.3), 1.5 pixels thick, smooth edges; off
 * centre, so that centring it is no exact tie between two whole-pixel shifts. */
static void
make_ring(float *img)
{
  for (int y = 0; y < 28; y++)
    for (int x = 0; x < 28; x++) {
      double d = fabs(hypot(x + 0.5 - 13.6, (y + 0.5 - 14.3) * 0.8) - 7);
      double v = 1.5 - d;
      img[y * 28 + x] = (float)(v > 1 ? 1 : v < 0 ? 0 : v);
    }
}

static void
assert_round_trip(const float *digit)
{
  GbDrawingCanvas *c = new_canvas();
  gb_drawing_canvas_set_digit(c, digit);
  g_assert_false(gb_drawing_canvas_get_is_empty(c));
  float got[N], want[N];
  GbError err = {0};
  g_assert_cmpint(gb_digit_preprocess_mnist(digit, 28, 28, want, NULL, &err), ==, GB_OK);
  g_assert_true(gb_drawing_canvas_get_input(c, got, NULL, NULL));
  double d = mean_abs_diff(got, want, N);
  double gx, gy, wx, wy;
  centre_of_mass(got, &gx, &gy);
  centre_of_mass(want, &wx, &wy);
  g_test_message("round trip: mean |diff| %.4f, centre of mass moved by (%.2f, %.2f)", d, gx - wx,
                 gy - wy);
  g_assert_cmpfloat(d, <, 0.002);
  g_assert_cmpfloat(fabs(gx - wx), <, 0.01);
  g_assert_cmpfloat(fabs(gy - wy), <, 0.01);
  /* Undo goes back to the blank sheet. */
  gb_drawing_canvas_undo(c);
  assert_empty_input(c);
  g_object_unref(c);
}

static void
test_canvas_background_round_trip(void)
{
  float ring[N];
  make_ring(ring);
  assert_round_trip(ring);
  GbError err = {0};
  GbDataset *ds = gb_dataset_open("mnist-test", &err);
  if (ds == NULL) {
    g_test_message("mnist-test not fetched: synthetic digit only");
    return;
  }
  for (int i = 0; i < 5; i++)
    assert_round_trip(ds->x->data + (size_t)i * 97 * N);
  gb_dataset_free(ds);
}

/* --- canvas: files --- */

static char *
write_bad_file(const char *dir)
{
  char *path = g_build_filename(dir, "broken.png", NULL);
  const char junk[] = "\x89PNG\r\n\x1a\nthis is not really a PNG";
  g_assert_true(g_file_set_contents(path, junk, sizeof junk, NULL));
  return path;
}

/* Dark ink on white paper: a vertical bar, 12 x 60 pixels in a 100 x 100 image. */
static char *
write_bar_png(const char *dir)
{
  char *path = g_build_filename(dir, "bar.png", NULL);
  GdkPixbuf *pb = gdk_pixbuf_new(GDK_COLORSPACE_RGB, FALSE, 8, 100, 100);
  gdk_pixbuf_fill(pb, 0xffffffffu);
  GdkPixbuf *bar = gdk_pixbuf_new_subpixbuf(pb, 44, 20, 12, 60);
  gdk_pixbuf_fill(bar, 0x101010ffu);
  g_object_unref(bar);
  g_assert_true(gdk_pixbuf_save(pb, path, "png", NULL, NULL));
  g_object_unref(pb);
  return path;
}

static void
error_cb(GbDrawingCanvas *c, const char *message, char **out)
{
  (void)c;
  g_free(*out);
  *out = g_strdup(message);
}

static GtkDropTarget *
find_drop_target(GtkWidget *w)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers(w);
  for (guint i = 0; i < g_list_model_get_n_items(controllers); i++) {
    g_autoptr(GObject) ctl = g_list_model_get_item(controllers, i);
    if (GTK_IS_DROP_TARGET(ctl))
      return GTK_DROP_TARGET(ctl);
  }
  return NULL;
}

static gboolean
drop_file(GbDrawingCanvas *c, const char *path)
{
  GtkDropTarget *target = find_drop_target(GTK_WIDGET(c));
  g_assert_nonnull(target);
  g_autoptr(GFile) file = g_file_new_for_path(path);
  GValue value = G_VALUE_INIT;
  g_value_init(&value, G_TYPE_FILE);
  g_value_set_object(&value, file);
  gboolean accepted = FALSE;
  g_signal_emit_by_name(target, "drop", &value, 10.0, 10.0, &accepted);
  g_value_unset(&value);
  return accepted;
}

static void
test_canvas_bad_file_keeps_drawing(void)
{
  g_autofree char *dir = g_dir_make_tmp("gb-ui-digits-XXXXXX", NULL);
  g_autofree char *bad = write_bad_file(dir);
  GbDrawingCanvas *c = new_canvas();
  gb_drawing_canvas_add_stroke(c, vertical, 5, FALSE);
  float before[N], after[N];
  g_assert_true(gb_drawing_canvas_get_input(c, before, NULL, NULL));

  g_autoptr(GError) error = NULL;
  g_assert_false(gb_drawing_canvas_load_file(c, bad, &error));
  g_assert_nonnull(error);
  g_assert_nonnull(strstr(error->message, bad));
  g_assert_true(gb_drawing_canvas_get_input(c, after, NULL, NULL));
  g_assert_cmpmem(before, sizeof before, after, sizeof after);

  g_autofree char *message = NULL;
  int changed = 0;
  g_signal_connect(c, "error", G_CALLBACK(error_cb), &message);
  g_signal_connect(c, "changed", G_CALLBACK(count_cb), &changed);
  g_assert_false(drop_file(c, bad));
  g_assert_nonnull(message);
  g_assert_nonnull(strstr(message, bad));
  g_assert_cmpint(changed, ==, 0);
  g_assert_true(gb_drawing_canvas_get_input(c, after, NULL, NULL));
  g_assert_cmpmem(before, sizeof before, after, sizeof after);

  /* A missing file names the file too. */
  g_autofree char *missing = g_build_filename(dir, "missing.png", NULL);
  g_clear_pointer(&message, g_free);
  g_assert_false(drop_file(c, missing));
  g_assert_nonnull(strstr(message, missing));

  /* A good file (dark on light) replaces the drawing: a tall narrow bar, centred. */
  g_autofree char *good = write_bar_png(dir);
  g_clear_pointer(&message, g_free);
  g_assert_true(drop_file(c, good));
  g_assert_null(message);
  g_assert_cmpint(changed, ==, 1);
  GbDigitPreprocessInfo info;
  g_assert_true(gb_drawing_canvas_get_input(c, after, &info, NULL));
  g_assert_cmpint(info.scaled_height, ==, 20);
  g_assert_cmpint(info.scaled_width, >=, 3);
  g_assert_cmpint(info.scaled_width, <=, 6);
  /* Fitted like an MNIST digit: 20 of 28 cells tall on the canvas. */
  double tall = 20.0 / 28 * GB_DRAWING_RASTER_SIZE;
  g_assert_cmpfloat(fabs(info.box_height - tall), <, 3);
  g_assert_cmpfloat(raster_at(c, 0.5, 0.5), >, 0.95);
  g_assert_cmpfloat(raster_at(c, 0.2, 0.5), <, 0.05);
  /* Undo brings the stroke back. */
  gb_drawing_canvas_undo(c);
  g_assert_true(gb_drawing_canvas_get_input(c, after, NULL, NULL));
  g_assert_cmpmem(before, sizeof before, after, sizeof after);
  g_object_unref(c);
  g_remove(good);
  g_remove(bad);
  g_rmdir(dir);
}

/* --- pixels --- */

static void
invalidated_cb(GdkPaintable *p, gboolean *flag)
{
  (void)p;
  *flag = TRUE;
}

/* The widget as drawn on screen, after its next frame. */
static GdkTexture *
render_widget(GtkWidget *w)
{
  GdkPaintable *paintable = gtk_widget_paintable_new(w);
  gboolean drawn = FALSE;
  g_signal_connect(paintable, "invalidate-contents", G_CALLBACK(invalidated_cb), &drawn);
  gtk_widget_queue_draw(w);
  gint64 end = g_get_monotonic_time() + 3 * G_USEC_PER_SEC;
  while (!drawn && g_get_monotonic_time() < end)
    g_main_context_iteration(NULL, FALSE);
  int width = gtk_widget_get_width(w), height = gtk_widget_get_height(w);
  GtkSnapshot *snapshot = gtk_snapshot_new();
  gdk_paintable_snapshot(paintable, snapshot, width, height);
  GskRenderNode *node = gtk_snapshot_free_to_node(snapshot);
  g_assert_nonnull(node);
  GskRenderer *renderer = gtk_native_get_renderer(gtk_widget_get_native(w));
  GdkTexture *texture = gsk_renderer_render_texture(
      renderer, node, &GRAPHENE_RECT_INIT(0, 0, (float)width, (float)height));
  gsk_render_node_unref(node);
  g_object_unref(paintable);
  return texture;
}

typedef struct {
  guchar *data;
  gsize stride;
  int width, height;
} Pixels;

static Pixels
download(GdkTexture *t)
{
  Pixels p = {0};
  p.width = gdk_texture_get_width(t);
  p.height = gdk_texture_get_height(t);
  p.stride = (gsize)p.width * 4;
  p.data = g_malloc(p.stride * p.height);
  gdk_texture_download(t, p.data, p.stride); /* cairo ARGB32: B, G, R, A in memory here */
  return p;
}

/* Red, green, blue of the pixel at (x, y). */
static void
pixel(const Pixels *p, int x, int y, int rgb[3])
{
  const guchar *q = p->data + (gsize)y * p->stride + (gsize)x * 4;
  rgb[0] = q[2];
  rgb[1] = q[1];
  rgb[2] = q[0];
}

static GtkWidget *
show_in_window(GtkWidget *child, int width, int height)
{
  GtkWidget *win = gtk_window_new();
  gtk_window_set_default_size(GTK_WINDOW(win), width, height);
  gtk_window_set_child(GTK_WINDOW(win), child);
  gtk_window_present(GTK_WINDOW(win));
  gint64 end = g_get_monotonic_time() + 3 * G_USEC_PER_SEC;
  while ((!gtk_widget_get_mapped(child) || gtk_widget_get_width(child) < 10) &&
         g_get_monotonic_time() < end)
    g_main_context_iteration(NULL, FALSE);
  iterate();
  return win;
}

static void
test_canvas_pixels(void)
{
  GtkWidget *canvas = gb_drawing_canvas_new();
  GtkWidget *win = show_in_window(canvas, 300, 300);
  GbDrawingCanvas *c = GB_DRAWING_CANVAS(canvas);
  gb_drawing_canvas_add_stroke(c, vertical, 5, FALSE);
  g_autoptr(GdkTexture) tex = render_widget(canvas);
  Pixels p = download(tex);
  int side = MIN(p.width, p.height), x0 = (p.width - side) / 2, y0 = (p.height - side) / 2;
  g_assert_cmpint(side, >=, 100);
  int rgb[3];
  /* White ink along the stroke... */
  for (double v = 0.25; v <= 0.75; v += 0.1) {
    pixel(&p, x0 + side / 2, y0 + (int)(v * side), rgb);
    g_assert_cmpint(MIN(rgb[0], MIN(rgb[1], rgb[2])), >, 240);
  }
  /* ...black beside it, above and below it, and in the corners. */
  double off[][2] = {{0.3, 0.5}, {0.7, 0.5}, {0.5, 0.1}, {0.5, 0.9}, {0.02, 0.02}, {0.97, 0.97}};
  for (gsize i = 0; i < G_N_ELEMENTS(off); i++) {
    pixel(&p, x0 + (int)(off[i][0] * side), y0 + (int)(off[i][1] * side), rgb);
    g_assert_cmpint(MAX(rgb[0], MAX(rgb[1], rgb[2])), <, 16);
  }
  /* The ink's width on screen is the pen's: about 2.2 / 28 of the side. */
  int inked = 0;
  for (int x = x0; x < x0 + side; x++) {
    pixel(&p, x, y0 + side / 2, rgb);
    inked += rgb[1] > 127;
  }
  g_assert_cmpfloat(fabs(inked - GB_DRAWING_PEN_WIDTH * side), <, 2.5);
  g_free(p.data);
  gtk_window_destroy(GTK_WINDOW(win));
}

static GtkGesture *
find_drag(GtkWidget *w)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers(w);
  for (guint i = 0; i < g_list_model_get_n_items(controllers); i++) {
    g_autoptr(GObject) ctl = g_list_model_get_item(controllers, i);
    if (GTK_IS_GESTURE_DRAG(ctl))
      return GTK_GESTURE(ctl);
  }
  return NULL;
}

/* Runs the main loop until @count changes or a second passes (several frames). */
static void
wait_for_change(int *count)
{
  int before = *count;
  gint64 end = g_get_monotonic_time() + G_USEC_PER_SEC;
  while (*count == before && g_get_monotonic_time() < end)
    g_main_context_iteration(NULL, FALSE);
}

/* The drag gesture's signals as a pointer would send them: "changed" waits for the next frame
 * and comes once per frame however many moves arrived; the stroke is committed at the end. */
static void
test_canvas_drag_once_per_frame(void)
{
  GtkWidget *canvas = gb_drawing_canvas_new();
  GtkWidget *win = show_in_window(canvas, 300, 300);
  GbDrawingCanvas *c = GB_DRAWING_CANVAS(canvas);
  GtkGesture *drag = find_drag(canvas);
  g_assert_nonnull(drag);
  int changed = 0, finished = 0;
  g_signal_connect(c, "changed", G_CALLBACK(count_cb), &changed);
  g_signal_connect(c, "stroke-finished", G_CALLBACK(count_cb), &finished);
  double x0, y0, side = MIN(gtk_widget_get_width(canvas), gtk_widget_get_height(canvas));
  x0 = (gtk_widget_get_width(canvas) - side) / 2;
  y0 = (gtk_widget_get_height(canvas) - side) / 2;
  g_signal_emit_by_name(drag, "drag-begin", x0 + 0.5 * side, y0 + 0.2 * side);
  for (int i = 1; i <= 60; i++)
    g_signal_emit_by_name(drag, "drag-update", 0.0, i * 0.01 * side);
  g_assert_cmpint(changed, ==, 0); /* nothing yet: the frame has not come */
  wait_for_change(&changed);
  g_assert_cmpint(changed, ==, 1);
  g_assert_cmpint(finished, ==, 0);
  /* Listeners already see the stroke in progress. */
  g_assert_false(gb_drawing_canvas_get_is_empty(c));
  g_assert_cmpfloat(raster_at(c, 0.5, 0.5), >, 0.99);
  g_assert_false(gb_drawing_canvas_get_can_undo(c));
  for (int i = 61; i <= 70; i++)
    g_signal_emit_by_name(drag, "drag-update", 0.0, i * 0.01 * side);
  g_signal_emit_by_name(drag, "drag-end", 0.0, 0.7 * side);
  g_assert_cmpint(changed, ==, 2);
  g_assert_cmpint(finished, ==, 1);
  g_assert_true(gb_drawing_canvas_get_can_undo(c));
  float out[N];
  GbDigitPreprocessInfo info;
  g_assert_true(gb_drawing_canvas_get_input(c, out, &info, NULL));
  g_assert_cmpint(info.scaled_height, ==, 20);
  g_assert_cmpint(info.scaled_width, <=, 6);
  iterate();
  g_assert_cmpint(changed, ==, 2); /* no late tick after the end */

  /* With the eraser on, the same gesture erases. */
  gb_drawing_canvas_set_eraser(c, TRUE);
  g_signal_emit_by_name(drag, "drag-begin", x0 + 0.3 * side, y0 + 0.5 * side);
  g_signal_emit_by_name(drag, "drag-update", 0.4 * side, 0.0);
  g_signal_emit_by_name(drag, "drag-end", 0.4 * side, 0.0);
  g_assert_cmpfloat(raster_at(c, 0.5, 0.5), ==, 0.0);
  g_assert_cmpfloat(raster_at(c, 0.5, 0.3), >, 0.99);
  gtk_window_destroy(GTK_WINDOW(win));
}

/* The toolbar's button whose label is @label. */
static GtkWidget *
find_button(GtkWidget *w, const char *label)
{
  if (GTK_IS_BUTTON(w) && g_strcmp0(gtk_button_get_label(GTK_BUTTON(w)), label) == 0)
    return w;
  for (GtkWidget *c = gtk_widget_get_first_child(w); c; c = gtk_widget_get_next_sibling(c)) {
    GtkWidget *found = find_button(c, label);
    if (found != NULL)
      return found;
  }
  return NULL;
}

static void
test_canvas_toolbar_and_actions(void)
{
  GbDrawingCanvas *c = new_canvas();
  GtkWidget *bar = g_object_ref_sink(gb_drawing_toolbar_new(c));
  GtkWidget *undo = find_button(bar, "_Undo"), *redo = find_button(bar, "_Redo");
  GtkWidget *clear = find_button(bar, "_Clear");
  GtkWidget *pen = find_button(bar, "_Pen"), *eraser = find_button(bar, "_Eraser");
  g_assert_true(undo && redo && clear && pen && eraser);
  g_assert_false(gtk_widget_get_sensitive(undo));
  g_assert_false(gtk_widget_get_sensitive(redo));
  g_assert_false(gtk_widget_get_sensitive(clear));
  g_assert_true(gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(pen)));
  g_assert_false(gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(eraser)));

  gb_drawing_canvas_add_stroke(c, vertical, 5, FALSE);
  g_assert_true(gtk_widget_get_sensitive(undo));
  g_assert_true(gtk_widget_get_sensitive(clear));
  g_signal_emit_by_name(undo, "clicked");
  assert_empty_input(c);
  g_assert_false(gtk_widget_get_sensitive(undo));
  g_assert_true(gtk_widget_get_sensitive(redo));
  g_signal_emit_by_name(redo, "clicked");
  g_assert_false(gb_drawing_canvas_get_is_empty(c));
  g_signal_emit_by_name(clear, "clicked");
  assert_empty_input(c);

  /* The tool buttons and the property follow each other. */
  gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(eraser), TRUE);
  g_assert_true(gb_drawing_canvas_get_eraser(c));
  g_assert_false(gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(pen)));
  gb_drawing_canvas_set_eraser(c, FALSE);
  g_assert_true(gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(pen)));
  g_assert_false(gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(eraser)));

  /* The canvas's own actions (bound to Ctrl+Z, Ctrl+Y, Delete). */
  gtk_widget_activate_action(GTK_WIDGET(c), "canvas.undo", NULL); /* undoes the clear */
  g_assert_false(gb_drawing_canvas_get_is_empty(c));
  gtk_widget_activate_action(GTK_WIDGET(c), "canvas.redo", NULL);
  assert_empty_input(c);
  gtk_widget_activate_action(GTK_WIDGET(c), "canvas.undo", NULL);
  gtk_widget_activate_action(GTK_WIDGET(c), "canvas.clear", NULL);
  assert_empty_input(c);
  g_object_unref(bar);
  g_object_unref(c);
}

static void
test_thumb_pixels(void)
{
  float img[N] = {0};
  for (int y = 0; y < 28; y++)
    for (int x = 0; x < 14; x++)
      img[y * 28 + x] = 1.0f; /* left half white */
  GtkWidget *thumb = gb_digit_thumb_new(4);
  gb_digit_thumb_set_pixels(GB_DIGIT_THUMB(thumb), img);
  gb_digit_thumb_set_marked(GB_DIGIT_THUMB(thumb), TRUE);
  GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 0);
  gtk_widget_set_halign(thumb, GTK_ALIGN_START);
  gtk_widget_set_valign(thumb, GTK_ALIGN_START);
  gtk_box_append(GTK_BOX(box), thumb);
  GtkWidget *win = show_in_window(box, 200, 200);
  g_assert_cmpint(gtk_widget_get_width(thumb), ==, 112);
  g_autoptr(GdkTexture) tex = render_widget(thumb);
  Pixels p = download(tex);
  int rgb[3];
  pixel(&p, 1, 56, rgb); /* the red frame */
  g_assert_cmpint(rgb[0], >, 200);
  g_assert_cmpint(rgb[1], <, 60);
  pixel(&p, 55, 56, rgb); /* last white column: 13 * 4 .. 55 */
  g_assert_cmpint(rgb[1], ==, 255);
  pixel(&p, 56, 56, rgb); /* first black one: crisp, no blur across the cell edge */
  g_assert_cmpint(rgb[1], ==, 0);
  g_free(p.data);
  gtk_window_destroy(GTK_WINDOW(win));
}

/* --- gallery --- */

/* @n digits labelled i % 10, each a bar as long as its label. */
static GbDataset *
make_dataset(int n)
{
  GbShape shape = gb_shape_3d(1, 28, 28);
  GbError err = {0};
  GbDataset *ds = gb_dataset_new("bars", n, &shape, 10, &err);
  g_assert_nonnull(ds);
  for (int i = 0; i < n; i++) {
    ds->labels[i] = i % 10;
    float *x = ds->x->data + (size_t)i * N;
    for (int k = 0; k <= ds->labels[i]; k++)
      x[14 * 28 + 4 + 2 * k] = 1.0f;
  }
  return ds;
}

/* A model that says @cls whatever it sees: zero weights, one positive bias. */
static GbModelHandle *
constant_model(int cls)
{
  GbModel *m = NULL;
  GbError err = {0};
  g_assert_cmpint(gb_model_new_from_spec("input(1,28,28), flatten, dense(10)", 1, &m, &err), ==,
                  GB_OK);
  memset(gb_model_params(m), 0, sizeof(float) * gb_model_buffer_len(m));
  for (int i = 0; i < gb_model_n_tensors(m); i++) {
    GbModelTensor t;
    gb_model_get_tensor(m, i, &t);
    if (t.is_bias)
      t.data[cls] = 2.0f;
  }
  return gb_model_handle_new(m, "constant", "Constant", NULL);
}

static GbDigitGallery *
new_gallery(void)
{
  return GB_DIGIT_GALLERY(g_object_ref_sink(gb_digit_gallery_new()));
}

static void
test_gallery_filters(void)
{
  GbDigitGallery *g = new_gallery();
  gb_digit_gallery_set_dataset(g, make_dataset(40));
  GListModel *shown = gb_digit_gallery_get_shown(g);
  g_assert_cmpuint(g_list_model_get_n_items(shown), ==, 40);
  g_assert_cmpstr(gb_digit_gallery_get_count_text(g), ==, "40 of 40");
  gb_digit_gallery_set_class_filter(g, 3);
  g_assert_cmpuint(g_list_model_get_n_items(shown), ==, 4);
  g_assert_cmpstr(gb_digit_gallery_get_count_text(g), ==, "4 of 40");
  for (guint i = 0; i < 4; i++) {
    g_autoptr(GbDigitItem) item = g_list_model_get_item(shown, i);
    g_assert_cmpint(gb_digit_item_get_label(item), ==, 3);
  }
  gb_digit_gallery_set_class_filter(g, -1);

  /* A model that always says 7 gets exactly the other labels wrong. */
  g_autoptr(GbWorker) worker = gb_worker_new();
  g_autoptr(GbModelHandle) model = constant_model(7);
  gb_digit_gallery_set_misclassified_only(g, TRUE);
  g_assert_cmpuint(g_list_model_get_n_items(shown), ==, 0); /* nothing predicted yet */
  gb_digit_gallery_set_model(g, worker, model);
  g_assert_true(gb_worker_wait_idle(worker, 10000));
  g_assert_cmpuint(g_list_model_get_n_items(shown), ==, 36);
  for (guint i = 0; i < 36; i++) {
    g_autoptr(GbDigitItem) item = g_list_model_get_item(shown, i);
    g_assert_cmpint(gb_digit_item_get_label(item), !=, 7);
    g_assert_cmpint(gb_digit_item_get_prediction(item), ==, 7);
  }
  g_assert_nonnull(strstr(gb_digit_gallery_get_status(g), "4 of 40 right"));
  gb_digit_gallery_set_class_filter(g, 7);
  g_assert_cmpuint(g_list_model_get_n_items(shown), ==, 0);
  gb_digit_gallery_set_class_filter(g, 2);
  g_assert_cmpuint(g_list_model_get_n_items(shown), ==, 4);
  /* Forgetting the model forgets the predictions. */
  gb_digit_gallery_set_model(g, worker, NULL);
  g_assert_cmpuint(g_list_model_get_n_items(shown), ==, 0);
  g_assert_cmpint(gb_digit_item_get_prediction(gb_digit_gallery_get_item(g, 0)), ==, -1);
  g_object_unref(g);
}

static void
activated_cb(GbDigitGallery *g, int index, int *last)
{
  (void)g;
  *last = index;
}

static void
test_gallery_random_next(void)
{
  GbDigitGallery *g = new_gallery();
  gb_digit_gallery_set_dataset(g, make_dataset(40));
  int last = -2;
  g_signal_connect(g, "digit-activated", G_CALLBACK(activated_cb), &last);
  g_assert_cmpint(gb_digit_gallery_get_selected(g), ==, -1);
  gb_digit_gallery_set_seed(g, 5);
  int seen[40] = {0};
  for (int k = 0; k < 30; k++) {
    int i = gb_digit_gallery_select_random(g);
    g_assert_cmpint(i, >=, 0);
    g_assert_cmpint(i, <, 40);
    g_assert_cmpint(last, ==, i);
    g_assert_cmpint(gb_digit_gallery_get_selected(g), ==, i);
    seen[i] = 1;
  }
  int distinct = 0;
  for (int i = 0; i < 40; i++)
    distinct += seen[i];
  g_assert_cmpint(distinct, >=, 10); /* not stuck on one digit */
  /* The same seed gives the same sequence. */
  gb_digit_gallery_set_seed(g, 5);
  int first = gb_digit_gallery_select_random(g);
  gb_digit_gallery_set_seed(g, 5);
  g_assert_cmpint(gb_digit_gallery_select_random(g), ==, first);

  /* Within class 3: 3, 13, 23, 33, then back to 3. */
  gb_digit_gallery_set_class_filter(g, 3);
  for (int k = 0; k < 10; k++) {
    int i = gb_digit_gallery_select_random(g);
    g_assert_cmpint(i % 10, ==, 3);
  }
  int i = gb_digit_gallery_select_next(g);
  int expect[] = {(i + 10) % 40, (i + 20) % 40, (i + 30) % 40, i};
  for (int k = 0; k < 4; k++) {
    g_assert_cmpint(gb_digit_gallery_select_next(g), ==, expect[k]);
    g_assert_cmpint(last, ==, expect[k]);
  }
  gb_digit_gallery_set_misclassified_only(g, TRUE); /* no model: nothing shown */
  g_assert_cmpint(gb_digit_gallery_select_random(g), ==, -1);
  g_assert_cmpint(gb_digit_gallery_select_next(g), ==, -1);
  g_object_unref(g);
}

static void
test_gallery_predictions_match_model(void)
{
  GbDigitGallery *g = new_gallery();
  g_autoptr(GError) error = NULL;
  if (!gb_digit_gallery_load(g, "mnist-test", &error)) {
    g_object_unref(g);
    g_test_skip("mnist-test not fetched");
    return;
  }
  g_autoptr(GbModelHandle) handle = gb_model_handle_new_default("digits-mlp", &error);
  g_assert_no_error(error);
  g_autoptr(GbWorker) worker = gb_worker_new();
  gb_digit_gallery_set_model(g, worker, handle);
  g_assert_true(gb_digit_gallery_is_predicting(g));
  g_assert_true(gb_worker_wait_idle(worker, 60000));
  g_assert_false(gb_digit_gallery_is_predicting(g));

  const GbDataset *ds = gb_digit_gallery_get_dataset(g);
  int n = gb_dataset_size(ds);
  GbModel *m = gb_model_handle_dup_model(handle, &error);
  g_assert_no_error(error);
  float *logits = g_new(float, (gsize)n * 10);
  GbError err = {0};
  g_assert_cmpint(gb_model_predict(m, ds->x->data, n, logits, NULL, NULL, &err), ==, GB_OK);
  int right = 0;
  for (int i = 0; i < n; i++) {
    const float *z = logits + (size_t)i * 10;
    int best = 0;
    double sum = 0;
    for (int c = 1; c < 10; c++)
      best = z[c] > z[best] ? c : best;
    for (int c = 0; c < 10; c++)
      sum += exp(z[c] - z[best]);
    GbDigitItem *item = gb_digit_gallery_get_item(g, i);
    g_assert_cmpint(gb_digit_item_get_prediction(item), ==, best);
    g_assert_cmpfloat(fabs(gb_digit_item_get_probability(item) - 1 / sum), <, 1e-5);
    g_assert_cmpint(gb_digit_item_is_misclassified(item), ==, best != ds->labels[i]);
    right += best == ds->labels[i];
  }
  g_autofree char *expect = g_strdup_printf("%d of %d right", right, n);
  g_assert_nonnull(strstr(gb_digit_gallery_get_status(g), expect));
  gb_digit_gallery_set_misclassified_only(g, TRUE);
  g_assert_cmpuint(g_list_model_get_n_items(gb_digit_gallery_get_shown(g)), ==, (guint)(n - right));
  g_free(logits);
  gb_model_free(m);
  g_object_unref(g);
}

/* A model that is not a digit classifier gives a message, not predictions. */
static void
test_gallery_wrong_model(void)
{
  GbDigitGallery *g = new_gallery();
  gb_digit_gallery_set_dataset(g, make_dataset(20));
  GbModel *m = NULL;
  GbError err = {0};
  g_assert_cmpint(gb_model_new_from_spec("input(64,8), flatten, dense(2)", 1, &m, &err), ==, GB_OK);
  g_autoptr(GbModelHandle) handle = gb_model_handle_new(m, "eeg", "EEG model", NULL);
  g_autoptr(GbWorker) worker = gb_worker_new();
  gb_digit_gallery_set_model(g, worker, handle);
  g_assert_true(gb_worker_wait_idle(worker, 10000));
  g_assert_nonnull(strstr(gb_digit_gallery_get_status(g), "EEG model does not classify"));
  g_assert_cmpint(gb_digit_item_get_prediction(gb_digit_gallery_get_item(g, 0)), ==, -1);
  g_object_unref(g);
}

static int
count_red(GtkWidget *w)
{
  g_autoptr(GdkTexture) tex = render_widget(w);
  Pixels p = download(tex);
  int n = 0, rgb[3];
  for (int y = 0; y < p.height; y++)
    for (int x = 0; x < p.width; x++) {
      pixel(&p, x, y, rgb);
      n += rgb[0] > 180 && rgb[1] < 80 && rgb[2] < 80;
    }
  g_free(p.data);
  return n;
}

/* Each cell on screen shows its item: the thumbnail framed and the label red exactly when the
 * digit is misclassified. */
static void
check_cells(GtkWidget *w, int *n_cells)
{
  if (GB_IS_DIGIT_THUMB(w)) {
    GtkWidget *box = gtk_widget_get_parent(w);
    GtkWidget *label = gtk_widget_get_next_sibling(w);
    const char *text = gtk_label_get_text(GTK_LABEL(label));
    /* "label" or "label → prediction" */
    const char *arrow = strstr(text, "→");
    int truth = atoi(text), pred = arrow != NULL ? atoi(arrow + strlen("→")) : -1;
    gboolean wrong = pred >= 0 && pred != truth;
    g_assert_cmpint(gb_digit_thumb_get_marked(GB_DIGIT_THUMB(w)), ==, wrong);
    g_assert_cmpint(gtk_widget_has_css_class(label, "error"), ==, wrong);
    g_assert_nonnull(gtk_widget_get_tooltip_text(box));
    (*n_cells)++;
  }
  for (GtkWidget *c = gtk_widget_get_first_child(w); c; c = gtk_widget_get_next_sibling(c))
    check_cells(c, n_cells);
}

static void
test_gallery_cells_show_mistakes(void)
{
  GtkWidget *gallery = gb_digit_gallery_new();
  GtkWidget *win = show_in_window(gallery, 700, 500);
  GbDigitGallery *g = GB_DIGIT_GALLERY(gallery);
  gb_digit_gallery_set_dataset(g, make_dataset(30));
  iterate();
  int n_cells = 0;
  check_cells(gallery, &n_cells);
  g_assert_cmpint(n_cells, >=, 10);
  g_assert_cmpint(count_red(gallery), ==, 0);
  g_autoptr(GbWorker) worker = gb_worker_new();
  g_autoptr(GbModelHandle) model = constant_model(7);
  gb_digit_gallery_set_model(g, worker, model);
  g_assert_true(gb_worker_wait_idle(worker, 10000));
  iterate();
  n_cells = 0;
  check_cells(gallery, &n_cells);
  g_assert_cmpint(n_cells, >=, 10);
  g_assert_cmpint(count_red(gallery), >, 500); /* frames and labels */
  /* Only sevens: the model is right about every one shown. */
  gb_digit_gallery_set_class_filter(g, 7);
  iterate();
  g_assert_cmpint(count_red(gallery), ==, 0);
  gtk_window_destroy(GTK_WINDOW(win));
}

static void
collect_labels(GtkWidget *w, GString *out)
{
  if (GTK_IS_LABEL(w) && gtk_widget_is_visible(w) && gtk_widget_get_child_visible(w)) {
    g_string_append(out, gtk_label_get_text(GTK_LABEL(w)));
    g_string_append_c(out, '\n');
  }
  for (GtkWidget *c = gtk_widget_get_first_child(w); c; c = gtk_widget_get_next_sibling(c))
    collect_labels(c, out);
}

static void
test_gallery_placeholder(void)
{
  g_autofree char *dir = g_dir_make_tmp("gb-ui-digits-XXXXXX", NULL);
  g_autofree char *saved = g_strdup(g_getenv("GB_DATA_DIR"));
  g_setenv("GB_DATA_DIR", dir, TRUE);
  GtkWidget *gallery = gb_digit_gallery_new();
  GtkWidget *win = show_in_window(gallery, 600, 400);
  GbDigitGallery *g = GB_DIGIT_GALLERY(gallery);
  g_autoptr(GError) error = NULL;
  g_assert_false(gb_digit_gallery_load(g, "mnist-test", &error));
  g_assert_nonnull(error);
  if (saved != NULL)
    g_setenv("GB_DATA_DIR", saved, TRUE);
  else
    g_unsetenv("GB_DATA_DIR");
  iterate();
  g_autoptr(GString) text = g_string_new(NULL);
  collect_labels(gallery, text);
  g_assert_nonnull(strstr(text->str, "glassbox-cli data fetch"));
  g_assert_nonnull(strstr(text->str, error->message));
  g_assert_cmpstr(gb_digit_gallery_get_count_text(g), ==, "0 of 0");
  g_assert_cmpint(gb_digit_gallery_select_random(g), ==, -1);
  /* Data arriving replaces the placeholder by the grid. */
  gb_digit_gallery_set_dataset(g, make_dataset(10));
  iterate();
  g_string_truncate(text, 0);
  collect_labels(gallery, text);
  g_assert_null(strstr(text->str, "glassbox-cli data fetch"));
  g_assert_cmpstr(gb_digit_gallery_get_count_text(g), ==, "10 of 10");
  gtk_window_destroy(GTK_WINDOW(win));
  g_rmdir(dir);
}

int
main(int argc, char **argv)
{
  if (!gtk_init_check()) {
    printf("1..0 # SKIP no display\n");
    return 0;
  }
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/ui/canvas/vertical-stroke", test_canvas_vertical_stroke);
  g_test_add_func("/ui/canvas/refuses-nan", test_canvas_refuses_nan);
  g_test_add_func("/ui/canvas/undo-redo", test_canvas_undo_redo);
  g_test_add_func("/ui/canvas/eraser", test_canvas_eraser);
  g_test_add_func("/ui/canvas/background-round-trip", test_canvas_background_round_trip);
  g_test_add_func("/ui/canvas/bad-file-keeps-drawing", test_canvas_bad_file_keeps_drawing);
  g_test_add_func("/ui/canvas/pixels", test_canvas_pixels);
  g_test_add_func("/ui/canvas/drag-once-per-frame", test_canvas_drag_once_per_frame);
  g_test_add_func("/ui/canvas/toolbar-and-actions", test_canvas_toolbar_and_actions);
  g_test_add_func("/ui/thumb/pixels", test_thumb_pixels);
  g_test_add_func("/ui/gallery/filters", test_gallery_filters);
  g_test_add_func("/ui/gallery/random-next", test_gallery_random_next);
  g_test_add_func("/ui/gallery/predictions-match-model", test_gallery_predictions_match_model);
  g_test_add_func("/ui/gallery/wrong-model", test_gallery_wrong_model);
  g_test_add_func("/ui/gallery/cells-show-mistakes", test_gallery_cells_show_mistakes);
  g_test_add_func("/ui/gallery/placeholder", test_gallery_placeholder);
  return g_test_run();
}

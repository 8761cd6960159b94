/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-digit-thumb.h"

#include <math.h>

#include "gb-digit-preprocess.h"

#define FRAME_WIDTH 3.0f

struct _GbDigitThumb {
  GtkWidget parent_instance;
  cairo_surface_t *image; /* RGB24 28x28, NULL when empty */
  int cell_size;
  gboolean marked;
};

G_DEFINE_FINAL_TYPE(GbDigitThumb, gb_digit_thumb, GTK_TYPE_WIDGET)

static void
gb_digit_thumb_snapshot(GtkWidget *widget, GtkSnapshot *snapshot)
{
  GbDigitThumb *self = GB_DIGIT_THUMB(widget);
  int w = gtk_widget_get_width(widget), h = gtk_widget_get_height(widget);
  float side = (float)MIN(w, h), x0 = (w - side) / 2, y0 = (h - side) / 2;
  if (side < 1 || self->image == NULL)
    return;
  graphene_rect_t r = GRAPHENE_RECT_INIT(x0, y0, side, side);
  cairo_t *cr = gtk_snapshot_append_cairo(snapshot, &r);
  cairo_translate(cr, x0, y0);
  cairo_scale(cr, side / GB_DIGIT_SIZE, side / GB_DIGIT_SIZE);
  cairo_set_source_surface(cr, self->image, 0, 0);
  cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST);
  cairo_rectangle(cr, 0, 0, GB_DIGIT_SIZE, GB_DIGIT_SIZE);
  cairo_fill(cr);
  cairo_destroy(cr);
  if (self->marked) {
    GskRoundedRect frame;
    gsk_rounded_rect_init_from_rect(&frame, &r, 0);
    const float widths[4] = {FRAME_WIDTH, FRAME_WIDTH, FRAME_WIDTH, FRAME_WIDTH};
    const GdkRGBA red = {0.88f, 0.11f, 0.14f, 1.0f};
    const GdkRGBA colors[4] = {red, red, red, red};
    gtk_snapshot_append_border(snapshot, &frame, widths, colors);
  }
}

static void
gb_digit_thumb_measure(GtkWidget *widget, GtkOrientation orientation, int for_size, int *minimum,
                       int *natural, int *minimum_baseline, int *natural_baseline)
{
  (void)orientation, (void)for_size, (void)minimum_baseline, (void)natural_baseline;
  GbDigitThumb *self = GB_DIGIT_THUMB(widget);
  /* Lists allocate their cells' minimum height: ask for the full size. */
  *minimum = *natural = GB_DIGIT_SIZE * self->cell_size;
}

static void
gb_digit_thumb_finalize(GObject *object)
{
  GbDigitThumb *self = GB_DIGIT_THUMB(object);
  g_clear_pointer(&self->image, cairo_surface_destroy);
  G_OBJECT_CLASS(gb_digit_thumb_parent_class)->finalize(object);
}

static void
gb_digit_thumb_class_init(GbDigitThumbClass *klass)
{
  G_OBJECT_CLASS(klass)->finalize = gb_digit_thumb_finalize;
  GTK_WIDGET_CLASS(klass)->snapshot = gb_digit_thumb_snapshot;
  GTK_WIDGET_CLASS(klass)->measure = gb_digit_thumb_measure;
  gtk_widget_class_set_css_name(GTK_WIDGET_CLASS(klass), "digitthumb");
}

static void
gb_digit_thumb_init(GbDigitThumb *self)
{
  self->cell_size = 3;
}

GtkWidget *
gb_digit_thumb_new(int cell_size)
{
  GbDigitThumb *self = g_object_new(GB_TYPE_DIGIT_THUMB, NULL);
  self->cell_size = MAX(cell_size, 1);
  return GTK_WIDGET(self);
}

void
gb_digit_thumb_set_pixels(GbDigitThumb *self, const float *pixels)
{
  g_return_if_fail(GB_IS_DIGIT_THUMB(self));
  g_clear_pointer(&self->image, cairo_surface_destroy);
  if (pixels != NULL) {
    self->image = cairo_image_surface_create(CAIRO_FORMAT_RGB24, GB_DIGIT_SIZE, GB_DIGIT_SIZE);
    unsigned char *data = cairo_image_surface_get_data(self->image);
    int stride = cairo_image_surface_get_stride(self->image);
    for (int y = 0; y < GB_DIGIT_SIZE; y++)
      for (int x = 0; x < GB_DIGIT_SIZE; x++) {
        float v = pixels[y * GB_DIGIT_SIZE + x];
        v = v > 0.0f ? (v < 1.0f ? v : 1.0f) : 0.0f;
        guint32 g = (guint32)lrintf(v * 255.0f);
        ((guint32 *)(void *)(data + (size_t)y * stride))[x] = 0xff000000u | g << 16 | g << 8 | g;
      }
    cairo_surface_mark_dirty(self->image);
  }
  gtk_widget_queue_draw(GTK_WIDGET(self));
}

void
gb_digit_thumb_set_marked(GbDigitThumb *self, gboolean marked)
{
  g_return_if_fail(GB_IS_DIGIT_THUMB(self));
  if (self->marked == !!marked)
    return;
  self->marked = !!marked;
  gtk_widget_queue_draw(GTK_WIDGET(self));
}

gboolean
gb_digit_thumb_get_marked(GbDigitThumb *self)
{
  g_return_val_if_fail(GB_IS_DIGIT_THUMB(self), FALSE);
  return self->marked;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-plot-view.h"

#include <glib/gi18n.h>

#include "gb-worker.h"

struct _GbPlotView {
  GtkWidget parent_instance;
  GbPlotDrawFn draw;
  gpointer user;
  GDestroyNotify destroy;
  char *placeholder;
  char *error;
};

G_DEFINE_FINAL_TYPE(GbPlotView, gb_plot_view, GTK_TYPE_WIDGET)

static void
draw_centred_text(GtkWidget *widget, GtkSnapshot *snapshot, const char *text, double alpha)
{
  PangoLayout *layout = gtk_widget_create_pango_layout(widget, text);
  int w = gtk_widget_get_width(widget), h = gtk_widget_get_height(widget);
  pango_layout_set_width(layout, (w - 24) * PANGO_SCALE);
  pango_layout_set_alignment(layout, PANGO_ALIGN_CENTER);
  pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR);
  int lw, lh;
  pango_layout_get_pixel_size(layout, &lw, &lh);
  GdkRGBA color;
  gtk_style_context_get_color(gtk_widget_get_style_context(widget), &color);
  color.alpha *= (float)alpha;
  gtk_snapshot_save(snapshot);
  gtk_snapshot_translate(snapshot, &GRAPHENE_POINT_INIT(12, (float)(h - lh) / 2));
  gtk_snapshot_append_layout(snapshot, layout, &color);
  gtk_snapshot_restore(snapshot);
  g_object_unref(layout);
}

static void
gb_plot_view_snapshot(GtkWidget *widget, GtkSnapshot *snapshot)
{
  GbPlotView *self = GB_PLOT_VIEW(widget);
  int w = gtk_widget_get_width(widget), h = gtk_widget_get_height(widget);
  if (w <= 0 || h <= 0)
    return;
  if (self->placeholder != NULL || self->draw == NULL) {
    draw_centred_text(widget, snapshot, self->placeholder ? self->placeholder : "", 0.55);
    return;
  }
  cairo_t *cr = gtk_snapshot_append_cairo(snapshot, &GRAPHENE_RECT_INIT(0, 0, w, h));
  GbError err = {0};
  GbStatus st = self->draw(self->user, cr, (GbPlotRect){0, 0, w, h}, &err);
  cairo_destroy(cr);
  g_clear_pointer(&self->error, g_free);
  if (st != GB_OK) {
    self->error = g_strdup(err.message[0] ? err.message : gb_status_to_string(st));
    draw_centred_text(widget, snapshot, self->error, 0.8);
  }
}

static void
clear_func(GbPlotView *self)
{
  if (self->destroy != NULL && self->user != NULL)
    self->destroy(self->user);
  self->draw = NULL;
  self->user = NULL;
  self->destroy = NULL;
}

static void
gb_plot_view_finalize(GObject *object)
{
  GbPlotView *self = GB_PLOT_VIEW(object);
  clear_func(self);
  g_free(self->placeholder);
  g_free(self->error);
  G_OBJECT_CLASS(gb_plot_view_parent_class)->finalize(object);
}

static void
gb_plot_view_class_init(GbPlotViewClass *klass)
{
  G_OBJECT_CLASS(klass)->finalize = gb_plot_view_finalize;
  GTK_WIDGET_CLASS(klass)->snapshot = gb_plot_view_snapshot;
  gtk_widget_class_set_css_name(GTK_WIDGET_CLASS(klass), "plotview");
}

static void
gb_plot_view_init(GbPlotView *self)
{
  gtk_widget_set_hexpand(GTK_WIDGET(self), TRUE);
  gtk_widget_set_vexpand(GTK_WIDGET(self), TRUE);
}

GtkWidget *
gb_plot_view_new(void)
{
  return g_object_new(GB_TYPE_PLOT_VIEW, NULL);
}

void
gb_plot_view_set_draw_func(GbPlotView *self, GbPlotDrawFn draw, gpointer user,
                           GDestroyNotify destroy)
{
  g_return_if_fail(GB_IS_PLOT_VIEW(self));
  clear_func(self);
  self->draw = draw;
  self->user = user;
  self->destroy = destroy;
  gtk_widget_queue_draw(GTK_WIDGET(self));
}

void
gb_plot_view_set_placeholder(GbPlotView *self, const char *text)
{
  g_return_if_fail(GB_IS_PLOT_VIEW(self));
  g_free(self->placeholder);
  self->placeholder = g_strdup(text);
  gtk_widget_queue_draw(GTK_WIDGET(self));
}

gboolean
gb_plot_view_export(GbPlotView *self, const char *path, int width, int height, GError **error)
{
  g_return_val_if_fail(GB_IS_PLOT_VIEW(self), FALSE);
  if (self->draw == NULL || self->placeholder != NULL) {
    g_set_error(error, GB_ERROR, GB_ERR_INVALID, _("There is no figure to export yet"));
    return FALSE;
  }
  GbError err = {0};
  GbStatus st = gb_plot_export(path, width, height, self->draw, self->user, &err);
  gb_set_error_from_status(error, st, &err);
  return st == GB_OK;
}

const char *
gb_plot_view_get_error(GbPlotView *self)
{
  g_return_val_if_fail(GB_IS_PLOT_VIEW(self), NULL);
  return self->error;
}

void
gb_plot_view_queue_draw(GbPlotView *self)
{
  g_return_if_fail(GB_IS_PLOT_VIEW(self));
  gtk_widget_queue_draw(GTK_WIDGET(self));
}

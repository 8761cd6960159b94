/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-test-snapshot.h"

static gboolean
timeout_cb(gpointer user_data)
{
  *(gboolean *)user_data = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
gb_test_wait_for(const gboolean *done, guint timeout_ms)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add(timeout_ms, timeout_cb, &timed_out);
  while (!*done && !timed_out)
    g_main_context_iteration(NULL, TRUE);
  if (!timed_out)
    g_source_remove(id);
  return *done;
}

void
gb_test_spin(guint ms)
{
  gboolean never = FALSE;
  gb_test_wait_for(&never, ms);
}

static void
invalidated_cb(GdkPaintable *paintable, gpointer user_data)
{
  (void)paintable;
  *(gboolean *)user_data = TRUE;
}

/* The paintable of a widget draws nothing until the widget has been drawn once after it was
 * made: wait for its first invalidation. */
GdkTexture *
gb_test_render_widget(GtkWidget *widget)
{
  int w = gtk_widget_get_width(widget), h = gtk_widget_get_height(widget);
  if (w <= 0 || h <= 0)
    return NULL;
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new(widget);
  gboolean invalidated = FALSE;
  gulong id = g_signal_connect(paintable, "invalidate-contents", G_CALLBACK(invalidated_cb),
                               &invalidated);
  gtk_widget_queue_draw(widget);
  gb_test_wait_for(&invalidated, 2000);
  g_signal_handler_disconnect(paintable, id);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new();
  gdk_paintable_snapshot(paintable, snapshot, w, h);
  g_autoptr(GskRenderNode) node = gtk_snapshot_free_to_node(g_steal_pointer(&snapshot));
  if (node == NULL)
    return NULL;
  GskRenderer *renderer = gtk_native_get_renderer(gtk_widget_get_native(widget));
  return gsk_renderer_render_texture(renderer, node, &GRAPHENE_RECT_INIT(0, 0, w, h));
}

guint32 *
gb_test_texture_download(GdkTexture *texture)
{
  int w = gdk_texture_get_width(texture), h = gdk_texture_get_height(texture);
  guint32 *px = g_new(guint32, (gsize)w * (gsize)h);
  gdk_texture_download(texture, (guchar *)px, (gsize)w * 4);
  return px;
}

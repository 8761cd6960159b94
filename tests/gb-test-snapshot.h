/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Runs the main loop until @done is TRUE or @timeout_ms pass; returns *done. */
gboolean gb_test_wait_for(const gboolean *done, guint timeout_ms);
/* Runs pending main-loop work (layout, style) for about @ms milliseconds. */
void gb_test_spin(guint ms);
/* Renders @widget as it shows on screen (mapped), at its current size, with the renderer of
 * its window; NULL when it has no size. */
GdkTexture *gb_test_render_widget(GtkWidget *widget);
/* The pixels of @texture, row by row without padding, each 0xAARRGGBB (premultiplied). */
guint32 *gb_test_texture_download(GdkTexture *texture);

G_END_DECLS

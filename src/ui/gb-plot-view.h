/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "gb-plot-export.h"

G_BEGIN_DECLS

/* Shows any src/plot renderer on screen: the same GbPlotDrawFn that writes PNG, SVG and PDF
 * draws the widget, so what is exported is what is shown. A renderer's error is drawn as a
 * message in the widget, never a crash. */
#define GB_TYPE_PLOT_VIEW (gb_plot_view_get_type())
G_DECLARE_FINAL_TYPE(GbPlotView, gb_plot_view, GB, PLOT_VIEW, GtkWidget)

GtkWidget *gb_plot_view_new(void);
/* @user is freed with @destroy when replaced or when the widget goes; @draw NULL clears. */
void gb_plot_view_set_draw_func(GbPlotView *self, GbPlotDrawFn draw, gpointer user,
                                GDestroyNotify destroy);
/* Shown, centred and dimmed, instead of the figure (NULL: the figure again). */
void gb_plot_view_set_placeholder(GbPlotView *self, const char *text);
/* Exports the current figure at @width x @height (pixels for PNG, points for SVG/PDF) to
 * @path, format from the extension; atomic (gb_plot_export). */
gboolean gb_plot_view_export(GbPlotView *self, const char *path, int width, int height,
                             GError **error);
/* The last rendering's error message, or NULL when it drew. */
const char *gb_plot_view_get_error(GbPlotView *self);
/* Redraw after the data behind the draw function changed. */
void gb_plot_view_queue_draw(GbPlotView *self);

G_END_DECLS

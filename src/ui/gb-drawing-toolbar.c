/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-drawing-toolbar.h"

#include <glib/gi18n.h>

static GtkWidget *
action_button(GbDrawingCanvas *canvas, const char *label, const char *tooltip, GCallback cb,
              const char *sensitive_property, GBindingFlags flags)
{
  GtkWidget *b = gtk_button_new_with_mnemonic(label);
  gtk_widget_set_tooltip_text(b, tooltip);
  g_signal_connect_object(b, "clicked", cb, canvas, G_CONNECT_SWAPPED);
  g_object_bind_property(canvas, sensitive_property, b, "sensitive", G_BINDING_SYNC_CREATE | flags);
  return b;
}

/* Pen and Eraser as two linked toggles, both bound to the canvas's "eraser". */
static GtkWidget *
tool_buttons(GbDrawingCanvas *canvas)
{
  GtkWidget *pen = gtk_toggle_button_new_with_mnemonic(_("_Pen"));
  GtkWidget *eraser = gtk_toggle_button_new_with_mnemonic(_("_Eraser"));
  gtk_widget_set_tooltip_text(pen, _("Draw with the pen"));
  gtk_widget_set_tooltip_text(eraser, _("Erase ink (the right mouse button always erases)"));
  gtk_toggle_button_set_group(GTK_TOGGLE_BUTTON(eraser), GTK_TOGGLE_BUTTON(pen));
  g_object_bind_property(canvas, "eraser", eraser, "active",
                         G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_object_bind_property(canvas, "eraser", pen, "active",
                         G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE |
                             G_BINDING_INVERT_BOOLEAN);
  GtkWidget *tools = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 0);
  gtk_widget_add_css_class(tools, "linked");
  gtk_box_append(GTK_BOX(tools), pen);
  gtk_box_append(GTK_BOX(tools), eraser);
  return tools;
}

GtkWidget *
gb_drawing_toolbar_new(GbDrawingCanvas *canvas)
{
  g_return_val_if_fail(GB_IS_DRAWING_CANVAS(canvas), NULL);
  GtkWidget *bar = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_box_append(GTK_BOX(bar), tool_buttons(canvas));
  gtk_box_append(GTK_BOX(bar), action_button(canvas, _("_Undo"), _("Undo the last change (Ctrl+Z)"),
                                             G_CALLBACK(gb_drawing_canvas_undo), "can-undo", 0));
  gtk_box_append(GTK_BOX(bar),
                 action_button(canvas, _("_Redo"), _("Redo what was undone (Ctrl+Shift+Z)"),
                               G_CALLBACK(gb_drawing_canvas_redo), "can-redo", 0));
  gtk_box_append(GTK_BOX(bar),
                 action_button(canvas, _("_Clear"), _("Start over on an empty sheet (Delete)"),
                               G_CALLBACK(gb_drawing_canvas_clear), "is-empty",
                               G_BINDING_INVERT_BOOLEAN));
  return bar;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-window.h"

#include "gb-blas.h"

/* The main window. For now a plain window that shows the engine is there and which kernels
 * it uses; the application issue grows it into drawing, models and explanations. */
struct _GbWindow {
  GtkApplicationWindow parent_instance;
};

G_DEFINE_FINAL_TYPE(GbWindow, gb_window, GTK_TYPE_APPLICATION_WINDOW)

static void
gb_window_class_init(GbWindowClass *klass)
{
  (void)klass;
}

static GtkWidget *
make_label(const char *text, const char *css_class)
{
  GtkWidget *label = gtk_label_new(text);
  gtk_label_set_wrap(GTK_LABEL(label), TRUE);
  gtk_label_set_justify(GTK_LABEL(label), GTK_JUSTIFY_CENTER);
  if (css_class != NULL)
    gtk_widget_add_css_class(label, css_class);
  return label;
}

static void
gb_window_init(GbWindow *self)
{
  GtkWidget *header = gtk_header_bar_new();
  gtk_window_set_titlebar(GTK_WINDOW(self), header);
  gtk_window_set_title(GTK_WINDOW(self), "Glassbox");
  gtk_window_set_default_size(GTK_WINDOW(self), 960, 640);

  GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 12);
  gtk_widget_set_valign(box, GTK_ALIGN_CENTER);
  gtk_widget_set_halign(box, GTK_ALIGN_CENTER);
  gtk_box_append(GTK_BOX(box), make_label("Glassbox", "title-1"));
  gtk_box_append(GTK_BOX(box),
                 make_label("See which features made a neural network decide.", "title-4"));
  g_autofree char *engine =
      g_strdup_printf("Engine %s ready: OpenBLAS %s kernels, %d thread%s.", GB_VERSION,
                      gb_blas_core_name(), gb_blas_get_threads(),
                      gb_blas_get_threads() == 1 ? "" : "s");
  gtk_box_append(GTK_BOX(box), make_label(engine, "dim-label"));
  gtk_window_set_child(GTK_WINDOW(self), box);
}

GbWindow *
gb_window_new(GbApplication *app)
{
  return g_object_new(GB_TYPE_WINDOW, "application", app, NULL);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-window.h"

#include "gb-blas.h"
#include "gb-default-models.h"

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

/* One line per bundled model: it is loaded (and so validated) here, at start-up. */
static void
add_default_models(GtkBox *box)
{
  guint n;
  const GbDefaultModelInfo *infos = gb_default_models(&n);
  gtk_box_append(box, make_label("Default models", "heading"));
  for (guint i = 0; i < n; i++) {
    g_autoptr(GError) error = NULL;
    GbModel *m = gb_default_model_load(&infos[i], &error);
    g_autofree char *text = NULL;
    if (m == NULL) {
      text = g_strdup_printf("%s: %s", infos[i].title, error->message);
    } else {
      const char *figure = gb_model_get_meta(m, infos[i].metric_key);
      text = g_strdup_printf("%s: %zu parameters, %s %s", infos[i].title, gb_model_n_params(m),
                             infos[i].metric_text, figure ? figure : "not measured");
    }
    gtk_box_append(box, make_label(text, NULL));
    gb_model_free(m);
  }
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
  add_default_models(GTK_BOX(box));
  gtk_window_set_child(GTK_WINDOW(self), box);
}

GbWindow *
gb_window_new(GbApplication *app)
{
  return g_object_new(GB_TYPE_WINDOW, "application", app, NULL);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The digits input widgets side by side with real data, to look at them like a user:
 * the drawing canvas with its toolbar (pen, eraser, undo, redo, clear), the 28x28 image the model sees with its
 * live prediction, and the gallery of mnist-test with the bundled CNN's predictions.
 * Run: build/tests/demo-digits (under Xvfb for screenshots). Not installed, not a test. */
#include "config.h"

#include <glib/gi18n.h>
#include <gtk/gtk.h>
#include <math.h>

#include "gb-digit-gallery.h"
#include "gb-digit-thumb.h"
#include "gb-drawing-canvas.h"
#include "gb-drawing-toolbar.h"

typedef struct {
  GbDrawingCanvas *canvas;
  GbDigitGallery *gallery;
  GbDigitThumb *input;
  GtkLabel *verdict;
  GbModel *model; /* the main thread's copy: one MLP forward pass takes well under 1 ms */
  GbWorker *worker;
  GbModelHandle *handle;
} Demo;

static void
canvas_changed_cb(GbDrawingCanvas *canvas, Demo *d)
{
  float x[784];
  g_autoptr(GError) error = NULL;
  if (!gb_drawing_canvas_get_input(canvas, x, NULL, &error)) {
    gb_digit_thumb_set_pixels(d->input, NULL);
    gtk_label_set_text(d->verdict, error->message);
    return;
  }
  gb_digit_thumb_set_pixels(d->input, x);
  float logits[10];
  GbError err = {0};
  if (d->model == NULL || gb_model_predict(d->model, x, 1, logits, NULL, NULL, &err) != GB_OK) {
    gtk_label_set_text(d->verdict, err.message);
    return;
  }
  int best = 0;
  double sum = 0;
  for (int c = 1; c < 10; c++)
    best = logits[c] > logits[best] ? c : best;
  for (int c = 0; c < 10; c++)
    sum += exp(logits[c] - logits[best]);
  g_autofree char *text = g_strdup_printf(_("The model says %d (%.0f%%)"), best, 100 / sum);
  gtk_label_set_text(d->verdict, text);
}

static void
digit_activated_cb(GbDigitGallery *gallery, int index, Demo *d)
{
  gb_drawing_canvas_set_digit(d->canvas,
                              gb_digit_item_get_pixels(gb_digit_gallery_get_item(gallery, index)));
}

static void
canvas_error_cb(GbDrawingCanvas *canvas, const char *message, Demo *d)
{
  (void)canvas;
  gtk_label_set_text(d->verdict, message);
}

static GtkWidget *
build_canvas_side(Demo *d)
{
  GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *bar = gb_drawing_toolbar_new(d->canvas);
  gtk_box_append(GTK_BOX(box), bar);
  gtk_widget_set_vexpand(GTK_WIDGET(d->canvas), TRUE);
  gtk_box_append(GTK_BOX(box), GTK_WIDGET(d->canvas));
  GtkWidget *row = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 12);
  gtk_box_append(GTK_BOX(row), GTK_WIDGET(d->input));
  gtk_label_set_wrap(d->verdict, TRUE);
  gtk_widget_set_hexpand(GTK_WIDGET(d->verdict), TRUE);
  gtk_label_set_xalign(d->verdict, 0.0f);
  gtk_box_append(GTK_BOX(row), GTK_WIDGET(d->verdict));
  gtk_box_append(GTK_BOX(box), row);
  return box;
}

static void
activate_cb(GtkApplication *app, Demo *d)
{
  GtkWidget *win = gtk_application_window_new(app);
  gtk_window_set_title(GTK_WINDOW(win), "Glassbox digits demo");
  gtk_window_set_default_size(GTK_WINDOW(win), 1200, 760);
  d->canvas = GB_DRAWING_CANVAS(gb_drawing_canvas_new());
  d->gallery = GB_DIGIT_GALLERY(gb_digit_gallery_new());
  d->input = GB_DIGIT_THUMB(gb_digit_thumb_new(4));
  d->verdict = GTK_LABEL(gtk_label_new(_("Draw a digit, or pick one on the right")));
  g_signal_connect(d->canvas, "changed", G_CALLBACK(canvas_changed_cb), d);
  g_signal_connect(d->canvas, "error", G_CALLBACK(canvas_error_cb), d);
  g_signal_connect(d->gallery, "digit-activated", G_CALLBACK(digit_activated_cb), d);
  gb_digit_gallery_load(d->gallery, "mnist-test", NULL);
  gb_digit_gallery_set_model(d->gallery, d->worker, d->handle);
  GtkWidget *paned = gtk_paned_new(GTK_ORIENTATION_HORIZONTAL);
  GtkWidget *left = build_canvas_side(d);
  gtk_widget_set_size_request(left, 440, -1);
  gtk_paned_set_start_child(GTK_PANED(paned), left);
  gtk_paned_set_end_child(GTK_PANED(paned), GTK_WIDGET(d->gallery));
  gtk_paned_set_shrink_start_child(GTK_PANED(paned), FALSE);
  gtk_widget_set_margin_start(paned, 12);
  gtk_widget_set_margin_end(paned, 12);
  gtk_widget_set_margin_top(paned, 12);
  gtk_widget_set_margin_bottom(paned, 12);
  gtk_window_set_child(GTK_WINDOW(win), paned);
  gtk_window_present(GTK_WINDOW(win));
}

int
main(int argc, char **argv)
{
  Demo d = {0};
  g_autoptr(GError) error = NULL;
  d.handle = gb_model_handle_new_default(argc > 1 ? argv[1] : "digits-cnn", &error);
  if (d.handle == NULL)
    g_printerr("%s\n", error->message);
  else
    d.model = gb_model_handle_dup_model(d.handle, NULL);
  d.worker = gb_worker_new();
  GtkApplication *app = gtk_application_new("org.glassbox.DigitsDemo", G_APPLICATION_NON_UNIQUE);
  g_signal_connect(app, "activate", G_CALLBACK(activate_cb), &d);
  int status = g_application_run(G_APPLICATION(app), 1, argv);
  g_object_unref(app);
  gb_model_free(d.model);
  g_clear_object(&d.handle);
  g_object_unref(d.worker);
  return status;
}

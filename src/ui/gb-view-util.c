/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-view-util.h"

#include <glib/gi18n.h>
#include <math.h>

char *
gb_view_util_format_seconds(double seconds)
{
  int s = (int)lround(seconds);
  if (s < 60)
    return g_strdup_printf(_("%d s"), s);
  return g_strdup_printf(_("%d min %d s"), s / 60, s % 60);
}

void
gb_view_util_progress_bar_set(GtkProgressBar *bar, double fraction, const char *stage,
                              double seconds_left)
{
  gtk_progress_bar_set_fraction(bar, CLAMP(fraction, 0.0, 1.0));
  g_autofree char *text = NULL;
  if (seconds_left >= 0) {
    g_autofree char *left = gb_view_util_format_seconds(seconds_left);
    /* TRANSLATORS: a progress bar: the stage, then the estimated time left */
    text = g_strdup_printf(_("%s, about %s left"), stage ? stage : "", left);
  } else {
    text = g_strdup(stage ? stage : "");
  }
  gtk_progress_bar_set_text(bar, text);
}

void
gb_view_util_set_margins(GtkWidget *w, int margin)
{
  gtk_widget_set_margin_start(w, margin);
  gtk_widget_set_margin_end(w, margin);
  gtk_widget_set_margin_top(w, margin);
  gtk_widget_set_margin_bottom(w, margin);
}

typedef struct {
  GWeakRef owner;
  void (*chosen)(GObject *owner, const char *path);
} ChooseData;

static void
choose_response_cb(GtkNativeDialog *dialog, int response, gpointer user)
{
  ChooseData *d = user;
  GObject *owner = g_weak_ref_get(&d->owner);
  if (response == GTK_RESPONSE_ACCEPT && owner != NULL) {
    g_autoptr(GFile) file = gtk_file_chooser_get_file(GTK_FILE_CHOOSER(dialog));
    g_autofree char *path = file ? g_file_get_path(file) : NULL;
    if (path != NULL)
      d->chosen(owner, path);
  }
  g_clear_object(&owner);
  g_weak_ref_clear(&d->owner);
  g_free(d);
  gtk_native_dialog_destroy(dialog);
  g_object_unref(dialog);
}

void
gb_view_util_choose_save_file(GtkWidget *parent, const char *title, const char *name,
                              GObject *owner, void (*chosen)(GObject *owner, const char *path))
{
  GtkRoot *root = gtk_widget_get_root(parent);
  GtkFileChooserNative *dialog =
      gtk_file_chooser_native_new(title, GTK_IS_WINDOW(root) ? GTK_WINDOW(root) : NULL,
                                  GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  gtk_native_dialog_set_modal(GTK_NATIVE_DIALOG(dialog), TRUE);
  gtk_file_chooser_set_current_name(GTK_FILE_CHOOSER(dialog), name);
  ChooseData *d = g_new0(ChooseData, 1);
  g_weak_ref_init(&d->owner, owner);
  d->chosen = chosen;
  g_signal_connect(dialog, "response", G_CALLBACK(choose_response_cb), d);
  gtk_native_dialog_show(GTK_NATIVE_DIALOG(dialog));
}

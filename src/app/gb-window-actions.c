/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The window's actions: data source, files, export, run and cancel. */
#include "config.h"

#include <glib/gi18n.h>

#include "gb-image-import.h"
#include "gb-window-private.h"

static void
source_change_cb(GSimpleAction *action, GVariant *value, gpointer user)
{
  g_simple_action_set_state(action, value);
  gb_window_set_source(GB_WINDOW(user), g_variant_get_string(value, NULL));
}

/* Runs a native file chooser; @respond gets the chosen path (owned by the caller: freed after
 * @respond returns). */
typedef void (*ChooserRespond)(GbWindow *self, const char *path);

typedef struct {
  GbWindow *self;
  ChooserRespond respond;
} Chooser;

static void
chooser_response_cb(GtkNativeDialog *dialog, int response, Chooser *c)
{
  if (response == GTK_RESPONSE_ACCEPT) {
    g_autoptr(GFile) file = gtk_file_chooser_get_file(GTK_FILE_CHOOSER(dialog));
    g_autofree char *path = file != NULL ? g_file_get_path(file) : NULL;
    if (path != NULL)
      c->respond(c->self, path);
  }
  g_object_unref(dialog);
  g_free(c);
}

static void
choose_file(GbWindow *self, const char *title, GtkFileChooserAction action,
            const char *const *patterns, const char *filter_name, const char *suggested,
            ChooserRespond respond)
{
  GtkFileChooserNative *dialog = gtk_file_chooser_native_new(
      title, GTK_WINDOW(self), action,
      action == GTK_FILE_CHOOSER_ACTION_SAVE ? _("_Save") : _("_Open"), _("_Cancel"));
  gtk_native_dialog_set_modal(GTK_NATIVE_DIALOG(dialog), TRUE);
  if (patterns != NULL) {
    GtkFileFilter *filter = gtk_file_filter_new();
    gtk_file_filter_set_name(filter, filter_name);
    for (int i = 0; patterns[i] != NULL; i++) gtk_file_filter_add_pattern(filter, patterns[i]);
    gtk_file_chooser_add_filter(GTK_FILE_CHOOSER(dialog), filter);
    g_object_unref(filter);
  }
  if (suggested != NULL)
    gtk_file_chooser_set_current_name(GTK_FILE_CHOOSER(dialog), suggested);
  Chooser *c = g_new(Chooser, 1);
  *c = (Chooser){self, respond};
  g_signal_connect(dialog, "response", G_CALLBACK(chooser_response_cb), c);
  gtk_native_dialog_show(GTK_NATIVE_DIALOG(dialog));
}

static void
model_chosen(GbWindow *self, const char *path)
{
  g_autoptr(GError) error = NULL;
  if (!gb_window_open_model(self, path, &error))
    gb_window_show_message(self, error->message);
}

static void
open_model_cb(GSimpleAction *a, GVariant *p, gpointer user)
{
  (void)a, (void)p;
  static const char *const patterns[] = {"*.safetensors", NULL};
  choose_file(GB_WINDOW(user), _("Open Model"), GTK_FILE_CHOOSER_ACTION_OPEN, patterns,
              _("Glassbox models (*.safetensors)"), NULL, model_chosen);
}

static void
image_chosen(GbWindow *self, const char *path)
{
  float digit[784];
  GbError err;
  if (gb_image_import_digit(path, digit, NULL, &err) != GB_OK) {
    gb_window_show_message(self, err.message);
    return;
  }
  gb_window_set_source(self, "digits");
  gb_window_set_digit(self, digit, -1);
}

static void
open_image_cb(GSimpleAction *a, GVariant *p, gpointer user)
{
  (void)a, (void)p;
  static const char *const patterns[] = {"*.png", "*.jpg", "*.jpeg", "*.bmp", "*.gif", NULL};
  choose_file(GB_WINDOW(user), _("Open Image of a Digit"), GTK_FILE_CHOOSER_ACTION_OPEN,
              patterns, _("Images"), NULL, image_chosen);
}

static void
data_chosen(GbWindow *self, const char *path)
{
  gb_window_open_data(self, path);
}

static void
open_data_cb(GSimpleAction *a, GVariant *p, gpointer user)
{
  (void)a, (void)p;
  static const char *const patterns[] = {"*.idx*", "*-ubyte*", "*.gz", "*.mat", "*.edf",
                                         "*.bdf", "*.gdf", "*.safetensors", NULL};
  choose_file(GB_WINDOW(user), _("Open Data"), GTK_FILE_CHOOSER_ACTION_OPEN, patterns,
              _("Digits (IDX) and EEG (.mat, .edf, .bdf, .gdf, .safetensors)"), NULL,
              data_chosen);
}

static void
export_chosen(GbWindow *self, const char *path)
{
  GbPlotView *figure = gb_window_get_figure(self);
  g_autoptr(GError) error = NULL;
  if (figure == NULL)
    gb_window_show_message(self, _("This view has no figure to export"));
  else if (!gb_plot_view_export(figure, path, 1200, 900, &error))
    gb_window_show_message(self, error->message);
}

static void
export_cb(GSimpleAction *a, GVariant *p, gpointer user)
{
  (void)a, (void)p;
  static const char *const patterns[] = {"*.png", "*.svg", "*.pdf", NULL};
  choose_file(GB_WINDOW(user), _("Export Figure"), GTK_FILE_CHOOSER_ACTION_SAVE, patterns,
              _("PNG, SVG or PDF"), _("figure.png"), export_chosen);
}

static void
export_csv_chosen(GbWindow *self, const char *path)
{
  g_autoptr(GError) error = NULL;
  if (!gb_window_write_csv(self, path, &error))
    gb_window_show_message(self, error->message);
}

static void
export_csv_cb(GSimpleAction *a, GVariant *p, gpointer user)
{
  (void)a, (void)p;
  static const char *const patterns[] = {"*.csv", NULL};
  choose_file(GB_WINDOW(user), _("Export Numbers"), GTK_FILE_CHOOSER_ACTION_SAVE, patterns,
              _("CSV"), _("relevance.csv"), export_csv_chosen);
}

static void
session_saved(GbWindow *self, const char *path)
{
  g_autoptr(GError) error = NULL;
  if (!gb_window_save_session(self, path, &error))
    gb_window_show_message(self, error->message);
}

static void
save_session_cb(GSimpleAction *a, GVariant *p, gpointer user)
{
  (void)a, (void)p;
  static const char *const patterns[] = {"*.glassbox", "*.json", NULL};
  choose_file(GB_WINDOW(user), _("Save Session"), GTK_FILE_CHOOSER_ACTION_SAVE, patterns,
              _("Glassbox sessions"), _("session.glassbox"), session_saved);
}

static void
session_chosen(GbWindow *self, const char *path)
{
  g_autoptr(GError) error = NULL;
  if (!gb_window_open_session(self, path, &error))
    gb_window_show_message(self, error->message);
}

static void
open_session_cb(GSimpleAction *a, GVariant *p, gpointer user)
{
  (void)a, (void)p;
  static const char *const patterns[] = {"*.glassbox", "*.json", NULL};
  choose_file(GB_WINDOW(user), _("Open Session"), GTK_FILE_CHOOSER_ACTION_OPEN, patterns,
              _("Glassbox sessions"), NULL, session_chosen);
}

static void
cancel_cb(GSimpleAction *a, GVariant *p, gpointer user)
{
  (void)a, (void)p;
  gb_worker_cancel_all(GB_WINDOW(user)->worker);
}

static void
run_cb(GSimpleAction *a, GVariant *p, gpointer user)
{
  (void)a, (void)p;
  gb_window_run_view(GB_WINDOW(user));
}

static void
dismiss_message_cb(GSimpleAction *a, GVariant *p, gpointer user)
{
  (void)a, (void)p;
  gtk_revealer_set_reveal_child(GB_WINDOW(user)->message_revealer, FALSE);
}

void
gb_window_add_actions(GbWindow *self)
{
  static const GActionEntry entries[] = {
      {"source", NULL, "s", "'digits'", source_change_cb, {0}},
      {"open-data", open_data_cb, NULL, NULL, NULL, {0}},
      {"open-model", open_model_cb, NULL, NULL, NULL, {0}},
      {"open-image", open_image_cb, NULL, NULL, NULL, {0}},
      {"export", export_cb, NULL, NULL, NULL, {0}},
      {"export-csv", export_csv_cb, NULL, NULL, NULL, {0}},
      {"save-session", save_session_cb, NULL, NULL, NULL, {0}},
      {"open-session", open_session_cb, NULL, NULL, NULL, {0}},
      {"cancel", cancel_cb, NULL, NULL, NULL, {0}},
      {"run", run_cb, NULL, NULL, NULL, {0}},
      {"dismiss-message", dismiss_message_cb, NULL, NULL, NULL, {0}},
  };
  g_action_map_add_action_entries(G_ACTION_MAP(self), entries, G_N_ELEMENTS(entries), self);
}

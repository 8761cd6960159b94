/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-application.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <stdio.h>

#include "gb-app-options.h"
#include "gb-blas.h"
#include "gb-preferences-window.h"
#include "gb-window.h"

#define GB_LECTURE_CLASS "lecture"
#define GB_PLAIN_KEYS_NAME "gb-plain-keys"

struct _GbApplication {
  GtkApplication parent_instance;

  GSettings *settings; /* NULL without an installed schema */
  GtkCssProvider *css;
  gboolean initial_prefer_dark; /* the system's choice, restored by style "follow" */
  GtkWindow *about;
  GtkWindow *shortcuts;
  GtkWindow *preferences;
};

G_DEFINE_FINAL_TYPE(GbApplication, gb_application, GTK_TYPE_APPLICATION)

/* The window actions are added by gb-window.c under these names. Plain keys are documented in
 * the shortcuts window and handled in the bubble phase (see add_plain_keys). */
static const GbAccel accels[] = {
    {"app.quit", "<Control>q"},
    {"app.preferences", "<Control>comma"},
    {"app.shortcuts", "<Control>question"},
    {"app.lecture-mode", "F11"},
    {"window.close", "<Control>w"},
    {"win.open-data", "<Control>o"},
    {"win.open-model", "<Control><Shift>o"},
    {"win.export", "<Control>e"},
    {"win.save-session", "<Control>s"},
    {"win.open-session", "<Control><Alt>o"},
    {"win.undo", "<Control>z"},
    {"win.redo", "<Control><Shift>z"},
    {"win.clear", "Delete"},
    {"win.eraser", "e"},
    {"win.run", "<Control>Return"},
    {"win.cancel", "Escape"},
};

const GbAccel *
gb_application_get_accels(guint *n_accels)
{
  *n_accels = G_N_ELEMENTS(accels);
  return accels;
}

/* A key without modifiers that is not a function key would steal typing from entries if it
 * were an application accelerator (those run before the focused widget sees the key). */
static gboolean
accel_is_plain(const char *accel)
{
  guint key = 0;
  GdkModifierType mods = 0;
  if (!gtk_accelerator_parse(accel, &key, &mods))
    return FALSE;
  return mods == 0 && !(key >= GDK_KEY_F1 && key <= GDK_KEY_F35);
}

/* Whether this program is the one in the build tree (./run.sh, tests): it then reads the
 * schema and translations compiled there. */
static gboolean
running_uninstalled(void)
{
  g_autofree char *exe = g_file_read_link("/proc/self/exe", NULL);
  return exe != NULL && g_str_has_prefix(exe, GB_BUILD_ROOT "/");
}

void
gb_application_setup_i18n(void)
{
  setlocale(LC_ALL, "");
  const char *dir = g_getenv("GB_LOCALEDIR");
  if (dir == NULL || *dir == '\0')
    dir = running_uninstalled() ? GB_BUILD_ROOT "/po" : GB_LOCALEDIR;
  bindtextdomain(GETTEXT_PACKAGE, dir);
  bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
  textdomain(GETTEXT_PACKAGE);
}

/* The installed schema; for uninstalled runs (unless GSETTINGS_SCHEMA_DIR says otherwise) the
 * one compiled in the build tree; else NULL: the app then keeps no choice but works. */
static GSettings *
settings_new(void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default();
  g_autoptr(GSettingsSchema) schema =
      source ? g_settings_schema_source_lookup(source, GB_APP_ID, TRUE) : NULL;
  if (schema == NULL && g_getenv("GSETTINGS_SCHEMA_DIR") == NULL && running_uninstalled()) {
    g_autoptr(GSettingsSchemaSource) build =
        g_settings_schema_source_new_from_directory(GB_BUILD_ROOT "/data", source, FALSE, NULL);
    if (build != NULL)
      schema = g_settings_schema_source_lookup(build, GB_APP_ID, FALSE);
  }
  if (schema == NULL) {
    g_message("settings schema %s not found: choices will not be kept", GB_APP_ID);
    return NULL;
  }
  return g_settings_new_full(schema, NULL, NULL);
}

GSettings *
gb_application_get_settings(GbApplication *self)
{
  g_return_val_if_fail(GB_IS_APPLICATION(self), NULL);
  return self->settings;
}

gboolean
gb_application_widget_in_lecture_mode(GtkWidget *widget)
{
  GtkRoot *root = gtk_widget_get_root(widget);
  return root != NULL && gtk_widget_has_css_class(GTK_WIDGET(root), GB_LECTURE_CLASS);
}

static gboolean
lecture_mode_on(GbApplication *self)
{
  GAction *action = g_action_map_lookup_action(G_ACTION_MAP(self), "lecture-mode");
  g_autoptr(GVariant) state = action ? g_action_get_state(action) : NULL;
  return state != NULL && g_variant_get_boolean(state);
}

/* Main windows go fullscreen; every window (dialogs too) gets the larger text. */
static void
apply_lecture_mode(GtkWindow *win, gboolean on)
{
  if (on)
    gtk_widget_add_css_class(GTK_WIDGET(win), GB_LECTURE_CLASS);
  else
    gtk_widget_remove_css_class(GTK_WIDGET(win), GB_LECTURE_CLASS);
  if (GB_IS_WINDOW(win) && on)
    gtk_window_fullscreen(win);
  else if (GB_IS_WINDOW(win))
    gtk_window_unfullscreen(win);
}

static void
lecture_mode_changed_cb(GObject *action, GParamSpec *pspec, gpointer user_data)
{
  (void)action, (void)pspec;
  GbApplication *self = user_data;
  gboolean on = lecture_mode_on(self);
  for (GList *l = gtk_application_get_windows(GTK_APPLICATION(self)); l; l = l->next)
    apply_lecture_mode(l->data, on);
}

static void
apply_style(GbApplication *self)
{
  int style = self->settings ? g_settings_get_enum(self->settings, "style") : 0;
  gboolean dark = style == 0 ? self->initial_prefer_dark : style == 2;
  g_object_set(gtk_settings_get_default(), "gtk-application-prefer-dark-theme", dark, NULL);
}

static void
style_changed_cb(GSettings *settings, const char *key, gpointer user_data)
{
  (void)settings, (void)key;
  apply_style(user_data);
}

/* Plain keys run only when no widget took the key on its way up to the window. */
static void
add_plain_keys(GtkWindow *win)
{
  GtkEventController *ctl = gtk_shortcut_controller_new();
  gtk_event_controller_set_name(ctl, GB_PLAIN_KEYS_NAME);
  gtk_event_controller_set_propagation_phase(ctl, GTK_PHASE_BUBBLE);
  for (guint i = 0; i < G_N_ELEMENTS(accels); i++) {
    if (!accel_is_plain(accels[i].accel))
      continue;
    GtkShortcut *sc = gtk_shortcut_new(gtk_shortcut_trigger_parse_string(accels[i].accel),
                                       gtk_named_action_new(accels[i].action));
    gtk_shortcut_controller_add_shortcut(GTK_SHORTCUT_CONTROLLER(ctl), sc);
  }
  gtk_widget_add_controller(GTK_WIDGET(win), ctl);
}

static gboolean
main_window_close_request_cb(GtkWindow *win, gpointer user_data)
{
  GbApplication *self = user_data;
  if (self->settings == NULL || gtk_window_is_fullscreen(win))
    return FALSE;
  int width = 0, height = 0;
  gtk_window_get_default_size(win, &width, &height);
  gboolean maximized = gtk_window_is_maximized(win);
  g_settings_delay(self->settings);
  if (!maximized && width > 0 && height > 0) {
    g_settings_set_int(self->settings, "window-width", width);
    g_settings_set_int(self->settings, "window-height", height);
  }
  g_settings_set_boolean(self->settings, "window-maximized", maximized);
  g_settings_apply(self->settings);
  return FALSE;
}

/* Main windows open at the size they were closed at and get the plain keys. */
static void
window_added_cb(GtkApplication *app, GtkWindow *win, gpointer user_data)
{
  (void)user_data;
  GbApplication *self = GB_APPLICATION(app);
  if (GB_IS_WINDOW(win)) {
    if (self->settings != NULL) {
      gtk_window_set_default_size(win, g_settings_get_int(self->settings, "window-width"),
                                  g_settings_get_int(self->settings, "window-height"));
      if (g_settings_get_boolean(self->settings, "window-maximized"))
        gtk_window_maximize(win);
    }
    g_signal_connect(win, "close-request", G_CALLBACK(main_window_close_request_cb), self);
    add_plain_keys(win);
  }
  apply_lecture_mode(win, lecture_mode_on(self));
}

static gint
gb_application_handle_local_options(GApplication *app, GVariantDict *options)
{
  if (g_variant_dict_contains(options, "version")) {
    printf("glassbox %s\nOpenBLAS core: %s, %d thread%s\n", GB_VERSION, gb_blas_core_name(),
           gb_blas_get_threads(), gb_blas_get_threads() == 1 ? "" : "s");
    return 0;
  }
  return gb_app_options_take(app, options);
}

static void
gb_application_activate(GApplication *app)
{
  GtkWindow *win = gtk_application_get_active_window(GTK_APPLICATION(app));
  if (win == NULL) {
    win = GTK_WINDOW(gb_window_new(GB_APPLICATION(app)));
    gb_app_options_apply(app, GB_WINDOW(win));
  }
  gtk_window_present(win);
}

/* The dialog is the application's: transient for the active main window when there is one,
 * forgotten when it goes. */
static GtkWindow *
present_dialog(GbApplication *self, GtkWindow *dialog, GtkWindow **slot)
{
  GtkWindow *parent = gtk_application_get_active_window(GTK_APPLICATION(self));
  if (parent != NULL && parent != dialog)
    gtk_window_set_transient_for(dialog, parent);
  gtk_window_set_application(dialog, GTK_APPLICATION(self));
  gtk_window_set_hide_on_close(dialog, FALSE);
  *slot = dialog;
  g_object_add_weak_pointer(G_OBJECT(dialog), (gpointer *)slot);
  gtk_window_present(dialog);
  return dialog;
}

GtkWindow *
gb_application_show_about(GbApplication *self)
{
  g_return_val_if_fail(GB_IS_APPLICATION(self), NULL);
  if (self->about != NULL) {
    gtk_window_present(self->about);
    return self->about;
  }
  static const char *authors[] = {N_("The Glassbox developers"), NULL};
  const char *course[] = {
      _("“Interpretabilidad del Deep Learning”, C. Oliva Moya, Universidad Autónoma de Madrid"),
      NULL};
  const char *translated_authors[] = {_(authors[0]), NULL};
  GtkWidget *about = gtk_about_dialog_new();
  g_object_set(about, "program-name", _("Glassbox"), "version", GB_VERSION, "logo-icon-name",
               GB_APP_ID, "comments",
               _("See which features made a neural network decide: heatmaps of relevance for "
                 "handwritten digits and EEG, to teach and learn deep-learning explainability."),
               "license-type", GTK_LICENSE_GPL_3_0, "authors", translated_authors,
               "copyright", _("© 2026 The Glassbox developers"), "translator-credits",
               _("translator-credits"), NULL);
  gtk_about_dialog_add_credit_section(GTK_ABOUT_DIALOG(about), _("Born in the course"), course);
  gtk_window_set_modal(GTK_WINDOW(about), TRUE);
  return present_dialog(self, GTK_WINDOW(about), &self->about);
}

GtkWindow *
gb_application_show_shortcuts(GbApplication *self)
{
  g_return_val_if_fail(GB_IS_APPLICATION(self), NULL);
  if (self->shortcuts != NULL) {
    gtk_window_present(self->shortcuts);
    return self->shortcuts;
  }
  g_autoptr(GtkBuilder) builder =
      gtk_builder_new_from_resource("/org/glassbox/Glassbox/ui/gb-shortcuts-window.ui");
  GtkWindow *win = GTK_WINDOW(gtk_builder_get_object(builder, "shortcuts_window"));
  return present_dialog(self, win, &self->shortcuts);
}

GtkWindow *
gb_application_show_preferences(GbApplication *self)
{
  g_return_val_if_fail(GB_IS_APPLICATION(self), NULL);
  if (self->preferences != NULL) {
    gtk_window_present(self->preferences);
    return self->preferences;
  }
  GtkWindow *win = GTK_WINDOW(gb_preferences_window_new(self->settings));
  return present_dialog(self, win, &self->preferences);
}

static void
quit_activated(GSimpleAction *action, GVariant *param, gpointer user_data)
{
  (void)action, (void)param;
  g_application_quit(G_APPLICATION(user_data));
}

static void
about_activated(GSimpleAction *action, GVariant *param, gpointer user_data)
{
  (void)action, (void)param;
  gb_application_show_about(user_data);
}

static void
shortcuts_activated(GSimpleAction *action, GVariant *param, gpointer user_data)
{
  (void)action, (void)param;
  gb_application_show_shortcuts(user_data);
}

static void
preferences_activated(GSimpleAction *action, GVariant *param, gpointer user_data)
{
  (void)action, (void)param;
  gb_application_show_preferences(user_data);
}

/* app.lecture-mode: the setting itself when there is one, else a state of its own. */
static void
add_lecture_mode_action(GbApplication *self)
{
  g_autoptr(GAction) action = NULL;
  if (self->settings != NULL)
    action = g_settings_create_action(self->settings, "lecture-mode");
  else
    action = G_ACTION(g_simple_action_new_stateful("lecture-mode", NULL,
                                                   g_variant_new_boolean(FALSE)));
  g_signal_connect(action, "notify::state", G_CALLBACK(lecture_mode_changed_cb), self);
  g_action_map_add_action(G_ACTION_MAP(self), action);
}

static void
load_css(GbApplication *self)
{
  self->css = gtk_css_provider_new();
  gtk_css_provider_load_from_resource(self->css, "/org/glassbox/Glassbox/style.css");
  gtk_style_context_add_provider_for_display(gdk_display_get_default(),
                                             GTK_STYLE_PROVIDER(self->css),
                                             GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
}

static void
gb_application_startup(GApplication *app)
{
  G_APPLICATION_CLASS(gb_application_parent_class)->startup(app);
  GbApplication *self = GB_APPLICATION(app);
  static const GActionEntry entries[] = {
      {"quit", quit_activated, NULL, NULL, NULL, {0}},
      {"about", about_activated, NULL, NULL, NULL, {0}},
      {"shortcuts", shortcuts_activated, NULL, NULL, NULL, {0}},
      {"preferences", preferences_activated, NULL, NULL, NULL, {0}},
  };
  g_action_map_add_action_entries(G_ACTION_MAP(app), entries, G_N_ELEMENTS(entries), app);

  self->settings = settings_new();
  add_lecture_mode_action(self);
  for (guint i = 0; i < G_N_ELEMENTS(accels); i++) {
    if (accel_is_plain(accels[i].accel))
      continue;
    const char *list[] = {accels[i].accel, NULL};
    gtk_application_set_accels_for_action(GTK_APPLICATION(app), accels[i].action, list);
  }

  gtk_window_set_default_icon_name(GB_APP_ID);
  load_css(self);
  g_object_get(gtk_settings_get_default(), "gtk-application-prefer-dark-theme",
               &self->initial_prefer_dark, NULL);
  if (self->settings != NULL)
    g_signal_connect(self->settings, "changed::style", G_CALLBACK(style_changed_cb), self);
  apply_style(self);
  g_signal_connect(app, "window-added", G_CALLBACK(window_added_cb), NULL);
}

static void
gb_application_dispose(GObject *object)
{
  GbApplication *self = GB_APPLICATION(object);
  if (self->css != NULL && gdk_display_get_default() != NULL)
    gtk_style_context_remove_provider_for_display(gdk_display_get_default(),
                                                  GTK_STYLE_PROVIDER(self->css));
  g_clear_object(&self->css);
  g_clear_object(&self->settings);
  GtkWindow **slots[] = {&self->about, &self->shortcuts, &self->preferences};
  for (guint i = 0; i < G_N_ELEMENTS(slots); i++) {
    if (*slots[i] != NULL)
      g_object_remove_weak_pointer(G_OBJECT(*slots[i]), (gpointer *)slots[i]);
    *slots[i] = NULL;
  }
  G_OBJECT_CLASS(gb_application_parent_class)->dispose(object);
}

/* Windows go before the application: destroying them cancels their jobs and waits for them to
 * leave the engine, so no job still runs when the process exits. */
static void
gb_application_shutdown(GApplication *app)
{
  GList *windows;
  while ((windows = gtk_application_get_windows(GTK_APPLICATION(app))) != NULL)
    gtk_window_destroy(windows->data);
  G_APPLICATION_CLASS(gb_application_parent_class)->shutdown(app);
}

static void
gb_application_class_init(GbApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS(klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS(klass);
  object_class->dispose = gb_application_dispose;
  app_class->activate = gb_application_activate;
  app_class->startup = gb_application_startup;
  app_class->shutdown = gb_application_shutdown;
  app_class->handle_local_options = gb_application_handle_local_options;
}

static void
gb_application_init(GbApplication *self)
{
  static const GOptionEntry options[] = {
      {"version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Print the version and the OpenBLAS kernels"),
       NULL},
      {NULL}};
  g_application_add_main_option_entries(G_APPLICATION(self), options);
  gb_app_options_add(G_APPLICATION(self));
}

GbApplication *
gb_application_new(void)
{
  return g_object_new(GB_TYPE_APPLICATION, "application-id", GB_APP_ID, "flags",
                      G_APPLICATION_DEFAULT_FLAGS, NULL);
}

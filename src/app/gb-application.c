/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-application.h"

#include <stdio.h>

#include "gb-app-options.h"
#include "gb-blas.h"
#include "gb-window.h"

struct _GbApplication {
  GtkApplication parent_instance;
};

G_DEFINE_FINAL_TYPE(GbApplication, gb_application, GTK_TYPE_APPLICATION)

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

static void
quit_activated(GSimpleAction *action, GVariant *param, gpointer user_data)
{
  (void)action, (void)param;
  g_application_quit(G_APPLICATION(user_data));
}

static void
gb_application_startup(GApplication *app)
{
  G_APPLICATION_CLASS(gb_application_parent_class)->startup(app);
  static const GActionEntry entries[] = {{"quit", quit_activated, NULL, NULL, NULL, {0}}};
  g_action_map_add_action_entries(G_ACTION_MAP(app), entries, G_N_ELEMENTS(entries), app);
  const char *quit_accels[] = {"<Control>q", NULL};
  gtk_application_set_accels_for_action(GTK_APPLICATION(app), "app.quit", quit_accels);
}

static void
gb_application_class_init(GbApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS(klass);
  app_class->activate = gb_application_activate;
  app_class->startup = gb_application_startup;
  app_class->handle_local_options = gb_application_handle_local_options;
}

static void
gb_application_init(GbApplication *self)
{
  static const GOptionEntry options[] = {
      {"version", 0, 0, G_OPTION_ARG_NONE, NULL, "Print the version and the OpenBLAS kernels",
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

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-app-options.h"

#include <glib/gi18n.h>
#include <stdio.h>

typedef struct {
  char *view, *source, *model, *method, *session, *screenshot, *analysis;
  int digit;
  gboolean run;
} Options;

static void
options_free(gpointer p)
{
  Options *o = p;
  g_free(o->view);
  g_free(o->source);
  g_free(o->model);
  g_free(o->method);
  g_free(o->session);
  g_free(o->screenshot);
  g_free(o->analysis);
  g_free(o);
}

void
gb_app_options_add(GApplication *app)
{
  static const GOptionEntry entries[] = {
      {"view", 0, 0, G_OPTION_ARG_STRING, NULL, N_("Open on this view (explain, compare, ...)"),
       N_("NAME")},
      {"source", 0, 0, G_OPTION_ARG_STRING, NULL, N_("Data source: digits or eeg"), N_("NAME")},
      {"model", 0, 0, G_OPTION_ARG_FILENAME, NULL, N_("Built-in model id or model file"),
       N_("MODEL")},
      {"method", 0, 0, G_OPTION_ARG_STRING, NULL, N_("Explanation method (as glassbox-cli)"),
       N_("NAME")},
      {"digit", 0, 0, G_OPTION_ARG_INT, NULL, N_("Digit of the data set to explain"), N_("N")},
      {"run", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Run the view's computation at start"), NULL},
      {"session", 0, 0, G_OPTION_ARG_FILENAME, NULL, N_("Open a saved session"), N_("FILE")},
      {"screenshot", 0, 0, G_OPTION_ARG_FILENAME, NULL,
       N_("Write the window to a PNG once it has computed everything, then quit"), N_("FILE")},
      {"analysis", 0, 0, G_OPTION_ARG_STRING, NULL,
       N_("Analysis to select on an analysis view (class-maps, adversarial, ...)"), N_("ID")},
      {NULL}};
  g_application_add_main_option_entries(app, entries);
}

int
gb_app_options_take(GApplication *app, GVariantDict *d)
{
  Options *o = g_new0(Options, 1);
  o->digit = -1;
  g_variant_dict_lookup(d, "view", "s", &o->view);
  g_variant_dict_lookup(d, "source", "s", &o->source);
  g_variant_dict_lookup(d, "model", "^ay", &o->model);
  g_variant_dict_lookup(d, "method", "s", &o->method);
  g_variant_dict_lookup(d, "digit", "i", &o->digit);
  g_variant_dict_lookup(d, "run", "b", &o->run);
  g_variant_dict_lookup(d, "session", "^ay", &o->session);
  g_variant_dict_lookup(d, "screenshot", "^ay", &o->screenshot);
  g_variant_dict_lookup(d, "analysis", "s", &o->analysis);
  if (o->source != NULL && g_strcmp0(o->source, "digits") != 0 &&
      g_strcmp0(o->source, "eeg") != 0) {
    fprintf(stderr, "glassbox: --source must be digits or eeg, not '%s'\n", o->source);
    options_free(o);
    return 2;
  }
  g_object_set_data_full(G_OBJECT(app), "gb-app-options", o, options_free);
  return -1;
}

static void
screenshot_done(GbWindow *window, const GError *error, gpointer user)
{
  GApplication *app = user;
  if (error != NULL) {
    fprintf(stderr, "glassbox: %s\n", error->message);
    g_object_set_data(G_OBJECT(app), "gb-exit-status", GINT_TO_POINTER(1));
  }
  gtk_window_destroy(GTK_WINDOW(window));
  g_application_quit(app);
}

static gboolean
fail(const char *what, const char *detail)
{
  fprintf(stderr, "glassbox: %s: %s\n", what, detail);
  return FALSE;
}

void
gb_app_options_apply(GApplication *app, GbWindow *window)
{
  Options *o = g_object_get_data(G_OBJECT(app), "gb-app-options");
  if (o == NULL)
    return;
  g_autoptr(GError) error = NULL;
  if (o->source != NULL)
    gb_window_set_source(window, o->source);
  if (o->model != NULL && !gb_window_open_model(window, o->model, &error))
    fail("--model", error->message);
  if (o->method != NULL && !gb_window_set_method_id(window, o->method))
    fail("--method", _("unknown method"));
  g_clear_error(&error);
  if (o->digit >= 0 && !gb_window_pick_digit(window, o->digit, &error))
    fail("--digit", error->message);
  g_clear_error(&error);
  if (o->session != NULL && !gb_window_open_session(window, o->session, &error))
    fail("--session", error->message);
  if (o->view != NULL && !gb_window_set_view(window, o->view))
    fail("--view", _("no such view"));
  if (o->analysis != NULL && !gb_window_select_analysis(window, o->analysis))
    fail("--analysis", _("no such analysis on this view for this model"));
  if (o->run)
    gb_window_run_when_ready(window);
  if (o->screenshot != NULL)
    gb_window_screenshot(window, o->screenshot, screenshot_done, app);
  g_object_set_data(G_OBJECT(app), "gb-app-options", NULL);
}

int
gb_app_options_exit_status(GApplication *app)
{
  return GPOINTER_TO_INT(g_object_get_data(G_OBJECT(app), "gb-exit-status"));
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* GNOME conventions under Xvfb: the about dialog, the shortcuts window and the preferences
 * build and show what they must, lecture mode and the style follow the settings both ways, the
 * window size is kept. One application for every case (GSETTINGS_BACKEND=memory). */
#include "config.h"

#include <gtk/gtk.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gb-application.h"
#include "gb-test-snapshot.h"
#include "gb-window.h"

static GbApplication *app;

static GSettings *
settings(void)
{
  GSettings *s = gb_application_get_settings(app);
  g_assert_nonnull(s);
  return s;
}

static void
wait_mapped(GtkWindow *win)
{
  for (int i = 0; i < 100 && !gtk_widget_get_mapped(GTK_WIDGET(win)); i++)
    gb_test_spin(10);
  g_assert_true(gtk_widget_get_mapped(GTK_WIDGET(win)));
  gb_test_spin(100);
}

static GtkWidget *
find_named(GtkWidget *w, const char *name)
{
  if (g_strcmp0(gtk_widget_get_name(w), name) == 0)
    return w;
  for (GtkWidget *c = gtk_widget_get_first_child(w); c; c = gtk_widget_get_next_sibling(c)) {
    GtkWidget *found = find_named(c, name);
    if (found != NULL)
      return found;
  }
  return NULL;
}

/* The shortcuts of the sections (the search page holds copies of them). */
static void
collect_shortcuts(GtkWidget *w, GPtrArray *out, gboolean in_section)
{
  in_section |= GTK_IS_SHORTCUTS_SECTION(w);
  if (GTK_IS_SHORTCUTS_SHORTCUT(w) && in_section)
    g_ptr_array_add(out, w);
  for (GtkWidget *c = gtk_widget_get_first_child(w); c; c = gtk_widget_get_next_sibling(c))
    collect_shortcuts(c, out, in_section);
}

/* gtk_accelerator_name of the parsed accelerator: one spelling for comparisons. */
static char *
accel_normalise(const char *accel)
{
  guint key = 0;
  GdkModifierType mods = 0;
  g_assert_true(gtk_accelerator_parse(accel, &key, &mods));
  return gtk_accelerator_name(key, mods);
}

/* Pixels within @tol of colour @rgb (0xRRGGBB) in each channel (opaque pixels only). */
static int
count_colour(GdkTexture *tex, guint32 rgb, int tol)
{
  int w = gdk_texture_get_width(tex), h = gdk_texture_get_height(tex), n = 0;
  g_autofree guint32 *px = gb_test_texture_download(tex);
  for (int i = 0; i < w * h; i++) {
    guint32 p = px[i];
    if ((p >> 24) != 0xff)
      continue;
    gboolean near = TRUE;
    for (int s = 0; s < 24; s += 8)
      near &= abs((int)((p >> s) & 0xff) - (int)((rgb >> s) & 0xff)) <= tol;
    n += near;
  }
  return n;
}

static double
mean_luminance(GdkTexture *tex)
{
  int w = gdk_texture_get_width(tex), h = gdk_texture_get_height(tex);
  g_autofree guint32 *px = gb_test_texture_download(tex);
  double sum = 0;
  for (int i = 0; i < w * h; i++)
    sum += 0.2126 * ((px[i] >> 16) & 0xff) + 0.7152 * ((px[i] >> 8) & 0xff) +
           0.0722 * (px[i] & 0xff);
  return sum / (w * h);
}

/* Height in rows of the dark (text) pixels of a texture drawn on a light background. */
static int
ink_height(GdkTexture *tex)
{
  int w = gdk_texture_get_width(tex), h = gdk_texture_get_height(tex), top = -1, bottom = -1;
  g_autofree guint32 *px = gb_test_texture_download(tex);
  for (int y = 0; y < h; y++) {
    for (int x = 0; x < w; x++) {
      guint32 p = px[y * w + x];
      if (((p >> 8) & 0xff) < 100 && (p >> 24) == 0xff) {
        if (top < 0)
          top = y;
        bottom = y;
        break;
      }
    }
  }
  return top < 0 ? 0 : bottom - top + 1;
}

static void
test_accels(void)
{
  guint n;
  const GbAccel *accels = gb_application_get_accels(&n);
  g_assert_cmpuint(n, >=, 16);
  GbWindow *win = gb_window_new(app);
  GtkShortcutController *plain = NULL;
  g_autoptr(GListModel) ctls = gtk_widget_observe_controllers(GTK_WIDGET(win));
  for (guint i = 0; i < g_list_model_get_n_items(ctls); i++) {
    g_autoptr(GtkEventController) c = g_list_model_get_item(ctls, i);
    if (g_strcmp0(gtk_event_controller_get_name(c), "gb-plain-keys") == 0)
      plain = GTK_SHORTCUT_CONTROLLER(c);
  }
  g_assert_nonnull(plain);
  g_assert_cmpint(gtk_event_controller_get_propagation_phase(GTK_EVENT_CONTROLLER(plain)), ==,
                  GTK_PHASE_BUBBLE);
  guint n_plain = 0;
  for (guint i = 0; i < n; i++) {
    g_auto(GStrv) set = gtk_application_get_accels_for_action(GTK_APPLICATION(app),
                                                               accels[i].action);
    g_autofree char *want = accel_normalise(accels[i].accel);
    gboolean is_plain = strchr(accels[i].accel, '<') == NULL && accels[i].accel[0] != 'F';
    if (is_plain) {
      /* Not an application accelerator (it would eat the key from entries): the window's
       * bubble-phase controller has it. */
      g_assert_cmpuint(g_strv_length(set), ==, 0);
      gboolean found = FALSE;
      for (guint k = 0; k < g_list_model_get_n_items(G_LIST_MODEL(plain)); k++) {
        g_autoptr(GtkShortcut) sc = g_list_model_get_item(G_LIST_MODEL(plain), k);
        g_autofree char *trig = gtk_shortcut_trigger_to_string(gtk_shortcut_get_trigger(sc));
        GtkShortcutAction *act = gtk_shortcut_get_action(sc);
        if (g_str_equal(trig, want) && GTK_IS_NAMED_ACTION(act) &&
            g_str_equal(gtk_named_action_get_action_name(GTK_NAMED_ACTION(act)),
                        accels[i].action))
          found = TRUE;
      }
      g_assert_true(found);
      n_plain++;
    } else {
      g_assert_cmpuint(g_strv_length(set), ==, 1);
      g_autofree char *got = accel_normalise(set[0]);
      g_assert_cmpstr(got, ==, want);
    }
  }
  g_assert_cmpuint(n_plain, ==, 3); /* Delete, E, Escape */
  g_assert_cmpuint(g_list_model_get_n_items(G_LIST_MODEL(plain)), ==, n_plain);
  gtk_window_destroy(GTK_WINDOW(win));
}

static void
test_shortcuts_window(void)
{
  g_action_group_activate_action(G_ACTION_GROUP(app), "shortcuts", NULL);
  GtkWindow *win = gb_application_show_shortcuts(app); /* the same window, raised */
  g_assert_true(GTK_IS_SHORTCUTS_WINDOW(win));
  g_assert_true(gtk_window_get_application(win) == GTK_APPLICATION(app));
  wait_mapped(win);
  g_autoptr(GPtrArray) shortcuts = g_ptr_array_new();
  collect_shortcuts(GTK_WIDGET(win), shortcuts, FALSE);
  guint n;
  const GbAccel *accels = gb_application_get_accels(&n);
  g_assert_cmpuint(shortcuts->len, ==, n);
  /* Every shortcut the app sets is documented with the same keys, under a title. */
  for (guint i = 0; i < n; i++) {
    g_autofree char *want = accel_normalise(accels[i].accel);
    gboolean found = FALSE;
    for (guint k = 0; k < shortcuts->len && !found; k++) {
      g_autofree char *accel = NULL, *title = NULL;
      g_object_get(shortcuts->pdata[k], "accelerator", &accel, "title", &title, NULL);
      g_autofree char *got = accel_normalise(accel);
      found = g_str_equal(got, want) && title != NULL && strlen(title) > 2;
    }
    if (!found)
      g_error("%s (%s) is not in the shortcuts window", accels[i].action, accels[i].accel);
  }
  /* It draws: text (dark pixels) on the light background. */
  g_autoptr(GdkTexture) tex = gb_test_render_widget(GTK_WIDGET(win));
  g_assert_nonnull(tex);
  g_assert_cmpint(count_colour(tex, 0x2e3436, 60), >, 2000);
  gtk_window_destroy(win);
  gb_test_spin(20);
}

static void
test_about(void)
{
  g_action_group_activate_action(G_ACTION_GROUP(app), "about", NULL);
  GtkWindow *win = gb_application_show_about(app);
  g_assert_true(GTK_IS_ABOUT_DIALOG(win));
  GtkAboutDialog *about = GTK_ABOUT_DIALOG(win);
  g_assert_cmpstr(gtk_about_dialog_get_version(about), ==, GB_VERSION);
  g_assert_cmpstr(gtk_about_dialog_get_program_name(about), ==, "Glassbox");
  g_assert_cmpint(gtk_about_dialog_get_license_type(about), ==, GTK_LICENSE_GPL_3_0);
  g_assert_cmpstr(gtk_about_dialog_get_logo_icon_name(about), ==, GB_APP_ID);
  g_assert_nonnull(strstr(gtk_about_dialog_get_comments(about), "neural network"));
  /* The icon comes from the app's resources, installed or not. */
  GtkIconTheme *theme = gtk_icon_theme_get_for_display(gdk_display_get_default());
  g_assert_true(gtk_icon_theme_has_icon(theme, GB_APP_ID));
  g_assert_true(gtk_icon_theme_has_icon(theme, GB_APP_ID "-symbolic"));
  wait_mapped(win);
  /* Pixels: the logo's dark blue cube edges (#1d4568) are drawn; no theme colour is that. */
  g_autoptr(GdkTexture) tex = gb_test_render_widget(GTK_WIDGET(win));
  g_assert_nonnull(tex);
  g_assert_cmpint(count_colour(tex, 0x1d4568, 14), >, 100);
  gtk_window_destroy(win);
  gb_test_spin(20);
}

/* A window with a plain label (large text, so rounding does not hide the ratio) and a title
 * (the theme sizes those in points: the style sheet scales them by hand). */
static GtkWindow *
labelled_window(GtkWidget **label_out, GtkWidget **title_out)
{
  GtkWidget *win = gtk_window_new();
  GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *label = gtk_label_new(NULL);
  gtk_label_set_markup(GTK_LABEL(label), "<span size='xx-large'>Glassbox 7</span>");
  GtkWidget *title = gtk_label_new("Glassbox 7");
  gtk_widget_add_css_class(title, "title-1");
  gtk_widget_set_halign(label, GTK_ALIGN_START);
  gtk_widget_set_halign(title, GTK_ALIGN_START);
  gtk_box_append(GTK_BOX(box), label);
  gtk_box_append(GTK_BOX(box), title);
  gtk_window_set_child(GTK_WINDOW(win), box);
  gtk_window_set_default_size(GTK_WINDOW(win), 500, 300);
  gtk_window_set_application(GTK_WINDOW(win), GTK_APPLICATION(app));
  gtk_window_present(GTK_WINDOW(win));
  wait_mapped(GTK_WINDOW(win));
  *label_out = label;
  if (title_out != NULL)
    *title_out = title;
  return GTK_WINDOW(win);
}

static int
label_ink(GtkWidget *label)
{
  gb_test_spin(100);
  g_autoptr(GdkTexture) tex = gb_test_render_widget(label);
  g_assert_nonnull(tex);
  return ink_height(tex);
}

static void
assert_scaled(int before, int after)
{
  g_test_message("ink height %d -> %d", before, after);
  g_assert_cmpint(before, >, 10);
  g_assert_cmpfloat((double)after / before, >, 1.3);
  g_assert_cmpfloat((double)after / before, <, 1.6);
}

static void
test_lecture_mode(void)
{
  g_settings_set_boolean(settings(), "lecture-mode", FALSE);
  GtkWidget *label, *title;
  GtkWindow *win = labelled_window(&label, &title);
  GbWindow *main_win = gb_window_new(app);
  g_assert_false(gtk_widget_has_css_class(GTK_WIDGET(win), "lecture"));
  int before = label_ink(label), title_before = label_ink(title);

  g_action_group_activate_action(G_ACTION_GROUP(app), "lecture-mode", NULL);
  g_assert_true(g_settings_get_boolean(settings(), "lecture-mode"));
  g_assert_true(gtk_widget_has_css_class(GTK_WIDGET(win), "lecture"));
  g_assert_true(gtk_widget_has_css_class(GTK_WIDGET(main_win), "lecture"));
  g_assert_true(gb_application_widget_in_lecture_mode(label));
  /* The style sheet makes text 1.45 times larger: the glyphs' ink grows with it. */
  assert_scaled(before, label_ink(label));
  assert_scaled(title_before, label_ink(title));

  /* A window opened in lecture mode starts in it. */
  GtkWidget *label2;
  GtkWindow *win2 = labelled_window(&label2, NULL);
  g_assert_true(gtk_widget_has_css_class(GTK_WIDGET(win2), "lecture"));
  gtk_window_destroy(win2);

  /* The key drives the windows too (another window or gsettings set). */
  g_settings_set_boolean(settings(), "lecture-mode", FALSE);
  gb_test_spin(20);
  g_assert_false(gtk_widget_has_css_class(GTK_WIDGET(win), "lecture"));
  g_assert_false(gtk_widget_has_css_class(GTK_WIDGET(main_win), "lecture"));
  g_assert_cmpint(label_ink(label), ==, before);
  gtk_window_destroy(win);
  gtk_window_destroy(GTK_WINDOW(main_win));
  gb_test_spin(20);
}

static GtkWidget *
named_in(GtkWindow *win, const char *name)
{
  GtkWidget *w = find_named(GTK_WIDGET(win), name);
  if (w == NULL)
    g_error("no widget named %s", name);
  return w;
}

static gboolean
prefer_dark(void)
{
  gboolean dark;
  g_object_get(gtk_settings_get_default(), "gtk-application-prefer-dark-theme", &dark, NULL);
  return dark;
}

static void
test_preferences(void)
{
  GSettings *s = settings();
  g_action_group_activate_action(G_ACTION_GROUP(app), "preferences", NULL);
  GtkWindow *win = gb_application_show_preferences(app);
  wait_mapped(win);

  gtk_range_set_value(GTK_RANGE(named_in(win, "opacity")), 0.35);
  g_assert_cmpfloat_with_epsilon(g_settings_get_double(s, "opacity"), 0.35, 1e-9);
  g_settings_set_double(s, "opacity", 0.9);
  g_assert_cmpfloat_with_epsilon(gtk_range_get_value(GTK_RANGE(named_in(win, "opacity"))), 0.9,
                                 1e-9);

  GtkDropDown *signed_map = GTK_DROP_DOWN(named_in(win, "signed-colormap"));
  GtkDropDown *magnitude_map = GTK_DROP_DOWN(named_in(win, "magnitude-colormap"));
  g_assert_cmpuint(gtk_drop_down_get_selected(signed_map), ==, 0);    /* diverging */
  g_assert_cmpuint(gtk_drop_down_get_selected(magnitude_map), ==, 1); /* viridis */
  gtk_drop_down_set_selected(signed_map, 1);
  g_autofree char *nick = g_settings_get_string(s, "signed-colormap");
  g_assert_cmpstr(nick, ==, "viridis");
  g_settings_reset(s, "signed-colormap");
  g_assert_cmpuint(gtk_drop_down_get_selected(signed_map), ==, 0);

  /* Style: the drop-down sets the key, the key sets GTK's dark preference, and it shows. */
  GtkDropDown *style = GTK_DROP_DOWN(named_in(win, "style"));
  gtk_drop_down_set_selected(style, 1);
  g_autofree char *light_nick = g_settings_get_string(s, "style");
  g_assert_cmpstr(light_nick, ==, "light");
  g_assert_false(prefer_dark());
  gb_test_spin(100);
  g_autoptr(GdkTexture) light = gb_test_render_widget(GTK_WIDGET(win));
  gtk_drop_down_set_selected(style, 2);
  g_autofree char *dark_nick = g_settings_get_string(s, "style");
  g_assert_cmpstr(dark_nick, ==, "dark");
  g_assert_true(prefer_dark());
  gb_test_spin(100);
  g_autoptr(GdkTexture) dark = gb_test_render_widget(GTK_WIDGET(win));
  double l_light = mean_luminance(light), l_dark = mean_luminance(dark);
  g_test_message("mean luminance light %.0f, dark %.0f", l_light, l_dark);
  g_assert_cmpfloat(l_light, >, 180);
  g_assert_cmpfloat(l_dark, <, 100);
  g_settings_reset(s, "style"); /* follow: back to what GTK had at start-up */
  g_assert_false(prefer_dark());
  g_assert_cmpuint(gtk_drop_down_get_selected(style), ==, 0);

  /* Lecture mode from its switch (through app.lecture-mode). */
  g_assert_false(g_settings_get_boolean(s, "lecture-mode"));
  g_signal_emit_by_name(named_in(win, "lecture-mode"), "activate");
  for (int i = 0; i < 100 && !g_settings_get_boolean(s, "lecture-mode"); i++)
    gb_test_spin(10);
  g_assert_true(g_settings_get_boolean(s, "lecture-mode"));
  g_assert_true(gtk_widget_has_css_class(GTK_WIDGET(win), "lecture"));
  g_settings_set_boolean(s, "lecture-mode", FALSE);
  gb_test_spin(20);
  g_assert_false(gtk_switch_get_active(GTK_SWITCH(named_in(win, "lecture-mode"))));

  const char *blas = gtk_label_get_text(GTK_LABEL(named_in(win, "blas-threads")));
  g_assert_nonnull(strstr(blas, "OpenBLAS"));
  gtk_window_destroy(win);
  gb_test_spin(20);
}

static void
test_window_size_kept(void)
{
  GSettings *s = settings();
  g_settings_set_int(s, "window-width", 900);
  g_settings_set_int(s, "window-height", 650);
  GbWindow *win = gb_window_new(app);
  int w, h;
  gtk_window_get_default_size(GTK_WINDOW(win), &w, &h);
  g_assert_cmpint(w, ==, 900);
  g_assert_cmpint(h, ==, 650);
  gtk_window_present(GTK_WINDOW(win));
  wait_mapped(GTK_WINDOW(win));
  gtk_window_set_default_size(GTK_WINDOW(win), 1010, 700);
  gb_test_spin(50);
  gtk_window_close(GTK_WINDOW(win));
  g_assert_cmpint(g_settings_get_int(s, "window-width"), ==, 1010);
  g_assert_cmpint(g_settings_get_int(s, "window-height"), ==, 700);
  g_assert_false(g_settings_get_boolean(s, "window-maximized"));
  gb_test_spin(20);
}

static gboolean
has_label_with(GtkWidget *w, const char *text)
{
  if (GTK_IS_LABEL(w) && strstr(gtk_label_get_text(GTK_LABEL(w)), text) != NULL)
    return TRUE;
  for (GtkWidget *c = gtk_widget_get_first_child(w); c; c = gtk_widget_get_next_sibling(c))
    if (has_label_with(c, text))
      return TRUE;
  return FALSE;
}

/* Run with GSETTINGS_SCHEMA_DIR pointing nowhere: the app still works, keeps nothing, and says
 * so in the preferences. */
static void
test_no_schema(void)
{
  if (gb_application_get_settings(app) != NULL) {
    g_test_skip("the schema is installed");
    return;
  }
  GtkWindow *prefs = gb_application_show_preferences(app);
  wait_mapped(prefs);
  g_assert_true(has_label_with(GTK_WIDGET(prefs), "org.glassbox.Glassbox"));
  g_assert_false(gtk_widget_get_sensitive(named_in(prefs, "opacity")));
  g_assert_false(gtk_widget_get_sensitive(named_in(prefs, "style")));
  GtkWidget *sw = named_in(prefs, "lecture-mode");
  g_signal_emit_by_name(sw, "activate"); /* toggles at the end of its animation */
  for (int i = 0; i < 100 && !gtk_widget_has_css_class(GTK_WIDGET(prefs), "lecture"); i++)
    gb_test_spin(10);
  g_assert_true(gtk_widget_has_css_class(GTK_WIDGET(prefs), "lecture"));
  g_action_group_activate_action(G_ACTION_GROUP(app), "lecture-mode", NULL);
  g_assert_false(gtk_widget_has_css_class(GTK_WIDGET(prefs), "lecture"));
  gtk_window_destroy(prefs);
  /* A window that was never shown: gtk_window_close() would leave it (and its jobs) alive. */
  GbWindow *win = gb_window_new(app);
  gtk_window_destroy(GTK_WINDOW(win));
  gb_test_spin(20);
}

int
main(int argc, char **argv)
{
  if (!gtk_init_check()) {
    printf("1..0 # SKIP no display\n");
    return 0;
  }
  g_test_init(&argc, &argv, NULL);
  app = gb_application_new();
  g_application_set_flags(G_APPLICATION(app), G_APPLICATION_NON_UNIQUE);
  g_assert_true(g_application_register(G_APPLICATION(app), NULL, NULL));
  g_test_add_func("/gnome/accels", test_accels);
  g_test_add_func("/gnome/shortcuts-window", test_shortcuts_window);
  g_test_add_func("/gnome/about", test_about);
  g_test_add_func("/gnome/lecture-mode", test_lecture_mode);
  g_test_add_func("/gnome/preferences", test_preferences);
  g_test_add_func("/gnome/window-size", test_window_size_kept);
  g_test_add_func("/gnome/no-schema", test_no_schema);
  int status = g_test_run();
  g_object_unref(app);
  return status;
}

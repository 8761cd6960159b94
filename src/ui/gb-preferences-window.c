/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-preferences-window.h"

#include <glib/gi18n.h>

#include "gb-blas.h"

struct _GbPreferencesWindow {
  GtkWindow parent_instance;
  GSettings *settings; /* NULL: nothing is kept */
};

G_DEFINE_FINAL_TYPE(GbPreferencesWindow, gb_preferences_window, GTK_TYPE_WINDOW)

/* The nicks of the schema's enums, in the order the drop-downs list them. */
static const char *const colormap_nicks[] = {"diverging", "viridis", NULL};
static const char *const style_nicks[] = {"follow", "light", "dark", NULL};

/* Enum key (a nick) -> drop-down position; @user_data is the NULL-terminated nick list. */
static gboolean
nick_to_selected(GValue *value, GVariant *variant, gpointer user_data)
{
  const char *const *nicks = user_data;
  const char *nick = g_variant_get_string(variant, NULL);
  for (guint i = 0; nicks[i] != NULL; i++) {
    if (g_str_equal(nicks[i], nick)) {
      g_value_set_uint(value, i);
      return TRUE;
    }
  }
  return FALSE;
}

static GVariant *
selected_to_nick(const GValue *value, const GVariantType *type, gpointer user_data)
{
  (void)type;
  const char *const *nicks = user_data;
  guint selected = g_value_get_uint(value);
  if (selected >= g_strv_length((char **)nicks))
    return NULL;
  return g_variant_new_string(nicks[selected]);
}

/* A row: title and explanation on the left, the control on the right. */
static GtkWidget *
make_row(const char *title, const char *subtitle, GtkWidget *control)
{
  GtkWidget *box = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 18);
  gtk_widget_set_margin_start(box, 12);
  gtk_widget_set_margin_end(box, 12);
  gtk_widget_set_margin_top(box, 10);
  gtk_widget_set_margin_bottom(box, 10);
  GtkWidget *text = gtk_box_new(GTK_ORIENTATION_VERTICAL, 2);
  gtk_widget_set_hexpand(text, TRUE);
  gtk_widget_set_valign(text, GTK_ALIGN_CENTER);
  GtkWidget *label = gtk_label_new(title);
  gtk_label_set_xalign(GTK_LABEL(label), 0);
  gtk_label_set_wrap(GTK_LABEL(label), TRUE);
  gtk_box_append(GTK_BOX(text), label);
  if (subtitle != NULL) {
    GtkWidget *sub = gtk_label_new(subtitle);
    gtk_label_set_xalign(GTK_LABEL(sub), 0);
    gtk_label_set_wrap(GTK_LABEL(sub), TRUE);
    gtk_label_set_max_width_chars(GTK_LABEL(sub), 40);
    gtk_widget_add_css_class(sub, "dim-label");
    gtk_widget_add_css_class(sub, "caption");
    gtk_box_append(GTK_BOX(text), sub);
  }
  gtk_box_append(GTK_BOX(box), text);
  gtk_widget_set_valign(control, GTK_ALIGN_CENTER);
  gtk_box_append(GTK_BOX(box), control);
  GtkWidget *row = gtk_list_box_row_new();
  gtk_list_box_row_set_activatable(GTK_LIST_BOX_ROW(row), FALSE);
  gtk_list_box_row_set_child(GTK_LIST_BOX_ROW(row), box);
  return row;
}

/* A titled group of rows; returns the list the rows go in. */
static GtkListBox *
add_section(GtkBox *page, const char *title)
{
  GtkWidget *heading = gtk_label_new(title);
  gtk_label_set_xalign(GTK_LABEL(heading), 0);
  gtk_widget_add_css_class(heading, "heading");
  gtk_box_append(page, heading);
  GtkWidget *list = gtk_list_box_new();
  gtk_list_box_set_selection_mode(GTK_LIST_BOX(list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class(list, "gb-preferences-list");
  GtkWidget *frame = gtk_frame_new(NULL);
  gtk_frame_set_child(GTK_FRAME(frame), list);
  gtk_widget_set_margin_bottom(frame, 12);
  gtk_box_append(page, frame);
  return GTK_LIST_BOX(list);
}

static GtkWidget *
make_dropdown(GSettings *settings, const char *key, const char *const *nicks,
              const char *const *titles)
{
  GtkWidget *dropdown = gtk_drop_down_new_from_strings(titles);
  gtk_widget_set_name(dropdown, key);
  if (settings != NULL)
    g_settings_bind_with_mapping(settings, key, dropdown, "selected", G_SETTINGS_BIND_DEFAULT,
                                 nick_to_selected, selected_to_nick, (gpointer)nicks, NULL);
  else
    gtk_widget_set_sensitive(dropdown, FALSE);
  return dropdown;
}

static char *
format_percent_cb(GtkScale *scale, double value, gpointer user_data)
{
  (void)scale, (void)user_data;
  /* Translators: a percentage, as in "70 %". */
  return g_strdup_printf(_("%d %%"), (int)(value * 100.0 + 0.5));
}

static GtkWidget *
make_opacity_scale(GSettings *settings)
{
  GtkWidget *scale = gtk_scale_new_with_range(GTK_ORIENTATION_HORIZONTAL, 0.0, 1.0, 0.05);
  gtk_widget_set_name(scale, "opacity");
  gtk_widget_set_size_request(scale, 200, -1);
  gtk_scale_set_draw_value(GTK_SCALE(scale), TRUE);
  gtk_scale_set_value_pos(GTK_SCALE(scale), GTK_POS_RIGHT);
  gtk_scale_set_format_value_func(GTK_SCALE(scale), format_percent_cb, NULL, NULL);
  if (settings != NULL)
    g_settings_bind(settings, "opacity", gtk_range_get_adjustment(GTK_RANGE(scale)), "value",
                    G_SETTINGS_BIND_DEFAULT);
  else
    gtk_widget_set_sensitive(scale, FALSE);
  return scale;
}

static void
add_heatmap_section(GbPreferencesWindow *self, GtkBox *page)
{
  const char *titles[] = {_("Red–blue (diverging)"), _("Viridis (sequential)"), NULL};
  GtkListBox *list = add_section(page, _("Heatmaps"));
  gtk_list_box_append(
      list, make_row(_("Signed relevance"),
                     _("Evidence for the class and against it, as from LRP or gradient × input"),
                     make_dropdown(self->settings, "signed-colormap", colormap_nicks, titles)));
  gtk_list_box_append(
      list, make_row(_("Magnitudes"), _("Relevance without a sign, as from saliency"),
                     make_dropdown(self->settings, "magnitude-colormap", colormap_nicks, titles)));
  gtk_list_box_append(list, make_row(_("Opacity over the input"),
                                     _("Left: only the input; right: only the heatmap"),
                                     make_opacity_scale(self->settings)));
}

static void
add_appearance_section(GbPreferencesWindow *self, GtkBox *page)
{
  const char *styles[] = {_("Follow the system"), _("Light"), _("Dark"), NULL};
  GtkListBox *list = add_section(page, _("Appearance"));
  gtk_list_box_append(list, make_row(_("Style"), NULL,
                                     make_dropdown(self->settings, "style", style_nicks, styles)));
  GtkWidget *lecture = gtk_switch_new();
  gtk_widget_set_name(lecture, "lecture-mode");
  gtk_actionable_set_action_name(GTK_ACTIONABLE(lecture), "app.lecture-mode");
  gtk_list_box_append(
      list, make_row(_("Lecture mode"),
                     _("Full screen, larger text and thicker lines for the projector (F11)"),
                     lecture));
}

static void
add_computation_section(GtkBox *page)
{
  int n = gb_blas_get_threads();
  g_autofree char *text = g_strdup_printf(
      ngettext("%d thread, OpenBLAS %s kernels", "%d threads, OpenBLAS %s kernels", n), n,
      gb_blas_core_name());
  GtkWidget *value = gtk_label_new(text);
  gtk_widget_set_name(value, "blas-threads");
  gtk_label_set_selectable(GTK_LABEL(value), TRUE);
  GtkListBox *list = add_section(page, _("Computation"));
  gtk_list_box_append(
      list, make_row(_("BLAS threads"),
                     _("Set OPENBLAS_NUM_THREADS before starting Glassbox to change it"), value));
}

static GtkWidget *
make_no_settings_note(void)
{
  GtkWidget *note = gtk_label_new(_("These choices cannot be kept: the settings schema "
                                    "org.glassbox.Glassbox is not installed."));
  gtk_label_set_wrap(GTK_LABEL(note), TRUE);
  gtk_label_set_xalign(GTK_LABEL(note), 0);
  gtk_widget_add_css_class(note, "warning");
  return note;
}

static void
build_page(GbPreferencesWindow *self)
{
  GtkWidget *page = gtk_box_new(GTK_ORIENTATION_VERTICAL, 6);
  gtk_widget_set_margin_start(page, 24);
  gtk_widget_set_margin_end(page, 24);
  gtk_widget_set_margin_top(page, 18);
  gtk_widget_set_margin_bottom(page, 18);
  if (self->settings == NULL)
    gtk_box_append(GTK_BOX(page), make_no_settings_note());
  add_heatmap_section(self, GTK_BOX(page));
  add_appearance_section(self, GTK_BOX(page));
  add_computation_section(GTK_BOX(page));
  GtkWidget *scroll = gtk_scrolled_window_new();
  gtk_scrolled_window_set_policy(GTK_SCROLLED_WINDOW(scroll), GTK_POLICY_NEVER,
                                 GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_propagate_natural_height(GTK_SCROLLED_WINDOW(scroll), TRUE);
  gtk_scrolled_window_set_child(GTK_SCROLLED_WINDOW(scroll), page);
  gtk_window_set_child(GTK_WINDOW(self), scroll);
}

static void
gb_preferences_window_dispose(GObject *object)
{
  GbPreferencesWindow *self = GB_PREFERENCES_WINDOW(object);
  g_clear_object(&self->settings);
  G_OBJECT_CLASS(gb_preferences_window_parent_class)->dispose(object);
}

static void
gb_preferences_window_class_init(GbPreferencesWindowClass *klass)
{
  G_OBJECT_CLASS(klass)->dispose = gb_preferences_window_dispose;
  gtk_widget_class_add_binding_action(GTK_WIDGET_CLASS(klass), GDK_KEY_Escape, 0,
                                      "window.close", NULL);
}

static void
gb_preferences_window_init(GbPreferencesWindow *self)
{
  gtk_window_set_title(GTK_WINDOW(self), _("Preferences"));
  gtk_window_set_titlebar(GTK_WINDOW(self), gtk_header_bar_new());
  gtk_window_set_default_size(GTK_WINDOW(self), 640, -1);
}

GtkWidget *
gb_preferences_window_new(GSettings *settings)
{
  g_return_val_if_fail(settings == NULL || G_IS_SETTINGS(settings), NULL);
  GbPreferencesWindow *self = g_object_new(GB_TYPE_PREFERENCES_WINDOW, NULL);
  g_set_object(&self->settings, settings);
  build_page(self);
  return GTK_WIDGET(self);
}

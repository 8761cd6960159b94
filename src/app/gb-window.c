/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-window-private.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "gb-barchart.h"
#include "gb-blas.h"
#include "gb-default-models.h"
#include "gb-heatmap.h"

/* The main window: a header bar with the data source, the model, the target and the method;
 * a sidebar of views; a status line with progress and cancel. Every computation runs as a job
 * of the window's GbWorker; the main thread only copies inputs and draws results. */

G_DEFINE_FINAL_TYPE(GbWindow, gb_window, GTK_TYPE_APPLICATION_WINDOW)

/* ---- Messages and status ---- */

void
gb_window_show_message(GbWindow *self, const char *message)
{
  gtk_label_set_text(self->message_label, message);
  gtk_revealer_set_reveal_child(self->message_revealer, TRUE);
}

static void
set_status(GbWindow *self, const char *text)
{
  gtk_label_set_text(self->status_label, text);
}

static void
busy_changed_cb(GbWindow *self)
{
  gboolean busy = gb_worker_get_n_running(self->worker) > 0;
  gtk_widget_set_visible(GTK_WIDGET(self->progress_bar), busy);
  gtk_widget_set_visible(GTK_WIDGET(self->cancel_button), busy);
  /* Escape reaches other widgets while nothing runs. */
  GAction *cancel = g_action_map_lookup_action(G_ACTION_MAP(self), "cancel");
  if (cancel != NULL)
    g_simple_action_set_enabled(G_SIMPLE_ACTION(cancel), busy);
  if (!busy)
    gtk_progress_bar_set_fraction(self->progress_bar, 0);
}

void
gb_window_job_progress_cb(GObject *owner, double fraction, const char *stage, double seconds_left)
{
  GbWindow *self = GB_WINDOW(owner);
  gtk_progress_bar_set_fraction(self->progress_bar, fraction);
  g_autofree char *text = seconds_left >= 0
                              ? g_strdup_printf(_("%s: %.0f%%, about %.0f s left"), stage,
                                                100 * fraction, ceil(seconds_left))
                              : g_strdup_printf(_("%s: %.0f%%"), stage, 100 * fraction);
  set_status(self, text);
}

/* ---- Figures of the explain page ---- */

static void sync_model_views(GbWindow *self);
static void sync_input_views(GbWindow *self);

/* ---- The explanation ---- */

/* The explanation view and the probabilities follow the input, the model, the method and the
 * target; their jobs replace stale ones on their lanes. */
/* The preferences' colour maps (one for signed maps, one for magnitudes) and opacity. */
static void
apply_display_settings(GbWindow *self)
{
  if (self->settings == NULL)
    return;
  GbMethodConfig c;
  gb_method_popover_get_config(self->method_popover, &c);
  /* The schema's enum values are GbColormap's. */
  gb_explanation_view_set_colormap(
      self->explanation_view,
      g_settings_get_enum(self->settings, gb_method_is_signed(c.method) ? "signed-colormap"
                                                                         : "magnitude-colormap"));
  gb_explanation_view_set_opacity(self->explanation_view,
                                  g_settings_get_double(self->settings, "opacity"));
}

void
gb_window_explain(GbWindow *self)
{
  if (self->model == NULL || !self->have_input ||
      gb_model_handle_get_kind(self->model) != GB_MODEL_KIND_DIGITS)
    return;
  GbShape shape = gb_shape_make(3, (int[]){1, 28, 28});
  GbMethodConfig c;
  gb_method_popover_get_config(self->method_popover, &c);
  int index = (int)gtk_drop_down_get_selected(self->target_dropdown);
  gb_explanation_view_set_method(self->explanation_view, &c);
  apply_display_settings(self);
  gb_explanation_view_set_target(self->explanation_view, gb_target_class(index - 1));
  gb_explanation_view_set_input(self->explanation_view, self->input, &shape);
  gb_explanation_view_run(self->explanation_view);
  gb_probability_view_set_input(self->probability_view, self->input, &shape);
}

static void
explained_cb(GbWindow *self)
{
  self->target = gb_explanation_view_get_explained_target(self->explanation_view);
  self->have_explanation = TRUE;
  g_autofree char *method = gb_method_popover_dup_label(self->method_popover);
  g_autofree char *text =
      g_strdup_printf(_("%s explained in %.1f ms"), method,
                      1000 * gb_explanation_view_get_seconds(self->explanation_view));
  set_status(self, text);
  sync_input_views(self);
}

static void
explain_failed_cb(GbWindow *self, const char *message)
{
  gb_window_show_message(self, message);
}

/* ---- Inputs, models, methods ---- */

/* A given digit (data set, image file): the model sees exactly it; the canvas shows it so the
 * student can draw over it. */
void
gb_window_set_digit(GbWindow *self, const float *pixels, int index)
{
  memcpy(self->input, pixels, sizeof self->input);
  self->have_input = TRUE;
  self->digit_index = index;
  self->setting_digit = TRUE;
  gb_drawing_canvas_set_digit(self->canvas, pixels);
  self->setting_digit = FALSE;
  gb_digit_thumb_set_pixels(self->model_input, self->input);
  gb_window_explain(self);
}

/* The student drew: the model sees the drawing after MNIST's preprocessing. Single-pass
 * methods follow the pen (at most once a frame: the canvas says so); slower ones wait for the
 * end of the stroke. A new request drops the stale one (the worker's lane). */
static void
canvas_changed(GbWindow *self, gboolean stroke_finished)
{
  if (self->setting_digit)
    return;
  g_autoptr(GError) error = NULL;
  if (!gb_drawing_canvas_get_input(self->canvas, self->input, NULL, &error)) {
    self->have_input = FALSE;
    gb_explanation_view_cancel(self->explanation_view);
    gb_explanation_view_set_input(self->explanation_view, NULL, NULL);
    gb_digit_thumb_set_pixels(self->model_input, NULL);
    set_status(self, error->message);
    return;
  }
  self->have_input = TRUE;
  self->digit_index = -1;
  gb_digit_thumb_set_pixels(self->model_input, self->input);
  GbMethodConfig c;
  gb_method_popover_get_config(self->method_popover, &c);
  if (stroke_finished || gb_method_is_single_pass(c.method))
    gb_window_explain(self);
}

static void
canvas_changed_cb(GbWindow *self)
{
  canvas_changed(self, FALSE);
}

static void
stroke_finished_cb(GbWindow *self)
{
  canvas_changed(self, TRUE);
}

static void
canvas_error_cb(GbWindow *self, const char *message)
{
  gb_window_show_message(self, message);
}

static void
digit_activated_cb(GbWindow *self, int index)
{
  gb_window_pick_digit(self, index, NULL);
  gb_window_set_view(self, "explain");
}

gboolean
gb_window_pick_digit(GbWindow *self, int index, GError **error)
{
  if (self->digits == NULL) {
    g_set_error(error, GB_ERROR, GB_ERR_IO,
                _("The digits are not on this computer yet: run “glassbox-cli data fetch”"));
    return FALSE;
  }
  int n = gb_data_handle_get_size(self->digits);
  if (index < 0 || index >= n) {
    g_set_error(error, GB_ERROR, GB_ERR_INVALID, _("%s has %d digits; %d is not one of them"),
                gb_data_handle_get_name(self->digits), n, index);
    return FALSE;
  }
  gb_window_set_digit(self, gb_data_handle_get_sample(self->digits, index), index);
  return TRUE;
}

/* The gallery owns a copy of the digits. */
static void
give_gallery_digits(GbWindow *self)
{
  GbError err;
  GbDataset *copy = gb_dataset_dup(gb_data_handle_get_dataset(self->digits), &err);
  if (copy != NULL)
    gb_digit_gallery_set_dataset(self->gallery, copy);
  else
    gb_window_show_message(self, err.message);
}

void
gb_window_take_digits(GbWindow *self, GbDataset *digits)
{
  GbShape s = gb_dataset_sample_shape(digits);
  if (gb_shape_size(&s) != 784) {
    g_autofree char *msg = g_strdup_printf(
        _("%s holds samples of %zu values, not 28 x 28 digits"), digits->name, gb_shape_size(&s));
    gb_window_show_message(self, msg);
    gb_dataset_free(digits);
    return;
  }
  g_clear_object(&self->digits);
  self->digits = gb_data_handle_new_digits(digits, NULL);
  give_gallery_digits(self);
  gb_window_set_source(self, "digits");
  sync_model_views(self);
  gb_window_pick_digit(self, 0, NULL);
  g_autofree char *text = g_strdup_printf(_("%s: %d digits"),
                                          gb_data_handle_get_name(self->digits),
                                          gb_data_handle_get_size(self->digits));
  set_status(self, text);
}

void
gb_window_take_eeg(GbWindow *self, GbEegSet *eeg)
{
  g_clear_object(&self->eeg);
  self->eeg = gb_data_handle_new_eeg(eeg, NULL);
  gb_window_set_source(self, "eeg");
  gb_train_view_set_eeg(self->train_view, eeg);
  GbError err;
  GbEegSet *copy = gb_eeg_set_dup(eeg, &err); /* the view owns its trials */
  if (copy != NULL)
    gb_eeg_view_set_data(self->eeg_view, copy);
  else
    gb_window_show_message(self, err.message);
  sync_model_views(self);
  g_autofree char *text = g_strdup_printf(
      _("%s: %d trials of %d samples x %d channels, %d subjects"), eeg->source ? eeg->source : "",
      gb_dataset_size(eeg->data), eeg->n_times, eeg->n_channels, eeg->n_subjects);
  set_status(self, text);
  const GbShape *in = gb_model_input_shape(gb_model_handle_get_model(self->model));
  if (in->ndim != 2 || in->dim[0] != eeg->n_times || in->dim[1] != eeg->n_channels) {
    g_autofree char *msg = g_strdup_printf(
        _("%s takes trials of %d samples x %d channels; these have %d x %d: open a model that "
          "fits them"),
        gb_model_handle_get_title(self->model), in->ndim == 2 ? in->dim[0] : 0,
        in->ndim == 2 ? in->dim[1] : 0, eeg->n_times, eeg->n_channels);
    gb_window_show_message(self, msg);
  }
}

static void
update_target_list(GbWindow *self)
{
  int n = self->model ? gb_model_handle_get_n_classes(self->model) : 0;
  g_autoptr(GtkStringList) items = gtk_string_list_new(NULL);
  if (n <= 1) {
    gtk_string_list_append(items, _("Target logit"));
  } else {
    gtk_string_list_append(items, _("Predicted class"));
    for (int i = 0; i < n; i++) {
      g_autofree char *s = g_strdup_printf(_("Class %d"), i);
      gtk_string_list_append(items, s);
    }
  }
  gtk_drop_down_set_model(self->target_dropdown, G_LIST_MODEL(items));
  gtk_drop_down_set_selected(self->target_dropdown, 0);
}

void
gb_window_set_model(GbWindow *self, GbModelHandle *model)
{
  if (!g_set_object(&self->model, model))
    return;
  g_autofree char *label = g_strdup_printf("%s", gb_model_handle_get_title(model));
  gtk_menu_button_set_label(self->model_button, label);
  g_autofree char *tip =
      g_strdup_printf("%s\n%s\n%s", gb_model_handle_get_title(model),
                      gb_model_handle_get_architecture(model), gb_model_handle_get_summary(model));
  gtk_widget_set_tooltip_text(GTK_WIDGET(self->model_button), tip);
  update_target_list(self);
  if (self->settings != NULL)
    g_settings_set_string(self->settings, "model", gb_model_handle_get_id(model));
  if (gb_model_handle_get_kind(model) == GB_MODEL_KIND_EEG)
    gb_eeg_view_set_model(self->eeg_view, self->worker, model);
  else {
    gb_digit_gallery_set_model(self->gallery, self->worker, model);
    gb_explanation_view_set_model(self->explanation_view, self->worker, model);
    gb_probability_view_set_model(self->probability_view, self->worker, model);
  }
  sync_model_views(self);
  gb_window_explain(self);
}

static GtkWidget *
model_row_new(GbWindow *self, GbModelHandle *h)
{
  GtkWidget *button = gtk_button_new();
  GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *title = gtk_label_new(gb_model_handle_get_title(h));
  gtk_widget_add_css_class(title, "heading");
  gtk_label_set_xalign(GTK_LABEL(title), 0);
  GtkWidget *arch = gtk_label_new(gb_model_handle_get_architecture(h));
  gtk_label_set_xalign(GTK_LABEL(arch), 0);
  gtk_label_set_wrap(GTK_LABEL(arch), TRUE);
  gtk_label_set_max_width_chars(GTK_LABEL(arch), 60);
  gtk_widget_add_css_class(arch, "caption");
  gtk_widget_add_css_class(arch, "monospace");
  g_autofree char *summary = g_strdup_printf(_("%zu parameters · %s"),
                                             gb_model_n_params(gb_model_handle_get_model(h)),
                                             gb_model_handle_get_summary(h));
  GtkWidget *sum = gtk_label_new(summary);
  gtk_label_set_xalign(GTK_LABEL(sum), 0);
  gtk_widget_add_css_class(sum, "dim-label");
  gtk_box_append(GTK_BOX(box), title);
  gtk_box_append(GTK_BOX(box), arch);
  gtk_box_append(GTK_BOX(box), sum);
  gtk_button_set_child(GTK_BUTTON(button), box);
  gtk_widget_add_css_class(button, "flat");
  g_object_set_data_full(G_OBJECT(button), "gb-model", g_object_ref(h), g_object_unref);
  (void)self;
  return button;
}

static void
model_row_clicked_cb(GtkButton *button, GbWindow *self)
{
  GbModelHandle *h = g_object_get_data(G_OBJECT(button), "gb-model");
  gtk_popover_popdown(self->model_popover);
  if (g_strcmp0(self->source, gb_model_handle_get_kind(h) == GB_MODEL_KIND_EEG ? "eeg"
                                                                                : "digits") != 0)
    gb_window_set_source(self, gb_model_handle_get_kind(h) == GB_MODEL_KIND_EEG ? "eeg"
                                                                                : "digits");
  gb_window_set_model(self, h);
}

/* The popover lists the models that fit the current data source. */
static void
rebuild_model_list(GbWindow *self)
{
  GtkWidget *child;
  while ((child = gtk_widget_get_first_child(GTK_WIDGET(self->model_list))) != NULL)
    gtk_list_box_remove(self->model_list, child);
  GbModelKind want = g_strcmp0(self->source, "eeg") == 0 ? GB_MODEL_KIND_EEG
                                                          : GB_MODEL_KIND_DIGITS;
  guint n = g_list_model_get_n_items(G_LIST_MODEL(self->models));
  for (guint i = 0; i < n; i++) {
    g_autoptr(GbModelHandle) h = g_list_model_get_item(G_LIST_MODEL(self->models), i);
    if (gb_model_handle_get_kind(h) != want)
      continue;
    GtkWidget *row = model_row_new(self, h);
    g_signal_connect(row, "clicked", G_CALLBACK(model_row_clicked_cb), self);
    gtk_list_box_append(self->model_list, row);
  }
}

static GbModelHandle *
first_model_of_kind(GbWindow *self, GbModelKind kind)
{
  guint n = g_list_model_get_n_items(G_LIST_MODEL(self->models));
  for (guint i = 0; i < n; i++) {
    g_autoptr(GbModelHandle) h = g_list_model_get_item(G_LIST_MODEL(self->models), i);
    if (gb_model_handle_get_kind(h) == kind)
      return h;
  }
  return NULL;
}

void
gb_window_set_source(GbWindow *self, const char *source)
{
  if (g_strcmp0(source, "eeg") != 0)
    source = "digits";
  if (g_strcmp0(self->source, source) == 0)
    return;
  g_free(self->source);
  self->source = g_strdup(source);
  GAction *action = g_action_map_lookup_action(G_ACTION_MAP(self), "source");
  if (action != NULL)
    g_simple_action_set_state(G_SIMPLE_ACTION(action), g_variant_new_string(source));
  rebuild_model_list(self);
  gtk_stack_set_visible_child_name(self->explain_stack, source);
  GbModelKind kind = strcmp(source, "eeg") == 0 ? GB_MODEL_KIND_EEG : GB_MODEL_KIND_DIGITS;
  if (self->model == NULL || gb_model_handle_get_kind(self->model) != kind) {
    GbModelHandle *h = first_model_of_kind(self, kind);
    if (h != NULL)
      gb_window_set_model(self, h);
  }
  if (self->settings != NULL)
    g_settings_set_string(self->settings, "last-data-source", source);
  if (kind == GB_MODEL_KIND_EEG && self->eeg == NULL && self->model != NULL &&
      gb_model_handle_get_kind(self->model) == GB_MODEL_KIND_EEG)
    gb_window_load_model_eeg(self);
}

gboolean
gb_window_open_model(GbWindow *self, const char *id_or_path, GError **error)
{
  guint n = g_list_model_get_n_items(G_LIST_MODEL(self->models));
  for (guint i = 0; i < n; i++) {
    g_autoptr(GbModelHandle) h = g_list_model_get_item(G_LIST_MODEL(self->models), i);
    if (strcmp(gb_model_handle_get_id(h), id_or_path) == 0) {
      gb_window_set_source(self, gb_model_handle_get_kind(h) == GB_MODEL_KIND_EEG ? "eeg"
                                                                                   : "digits");
      gb_window_set_model(self, h);
      return TRUE;
    }
  }
  g_autoptr(GbModelHandle) h = gb_model_handle_new_from_file(id_or_path, error);
  if (h == NULL)
    return FALSE;
  if (gb_model_handle_get_kind(h) == GB_MODEL_KIND_OTHER) {
    g_autofree char *arch = g_strdup(gb_model_handle_get_architecture(h));
    g_set_error(error, GB_ERROR, GB_ERR_SHAPE,
                _("%s takes inputs that fit neither the digits (28 x 28) nor EEG trials (time x "
                  "channels): %s"),
                id_or_path, arch);
    return FALSE;
  }
  g_list_store_append(self->models, h);
  gb_window_set_source(self, gb_model_handle_get_kind(h) == GB_MODEL_KIND_EEG ? "eeg"
                                                                               : "digits");
  rebuild_model_list(self);
  gb_window_set_model(self, h);
  return TRUE;
}

gboolean
gb_window_set_method_id(GbWindow *self, const char *id)
{
  GbMethodConfig c;
  if (!gb_method_config_init_from_id(&c, id))
    return FALSE;
  gb_method_popover_set_config(self->method_popover, &c);
  return TRUE;
}

static void
method_changed_cb(GbWindow *self)
{
  g_autofree char *label = gb_method_popover_dup_label(self->method_popover);
  gtk_menu_button_set_label(self->method_button, label);
  GbMethodConfig c;
  gb_method_popover_get_config(self->method_popover, &c);
  if (self->settings != NULL) {
    g_settings_set_string(self->settings, "method", gb_method_id(c.method));
    g_settings_set_string(self->settings, "lrp-preset", gb_lrp_preset_id(c.lrp_preset));
  }
  gb_eeg_view_set_method(self->eeg_view, &c);
  gb_window_explain(self);
}

gboolean
gb_window_set_view(GbWindow *self, const char *name)
{
  if (gtk_stack_get_child_by_name(self->stack, name) == NULL)
    return FALSE;
  gtk_stack_set_visible_child_name(self->stack, name);
  return TRUE;
}

GbWorker *
gb_window_get_worker(GbWindow *self)
{
  return self->worker;
}

GbPlotView *
gb_window_get_figure(GbWindow *self)
{
  GtkWidget *page = gtk_stack_get_visible_child(self->stack);
  if (g_strcmp0(gtk_stack_get_visible_child_name(self->stack), "explain") == 0 &&
      g_strcmp0(self->source, "eeg") == 0) {
    GtkWidget *traces = gb_eeg_view_get_traces_widget(self->eeg_view);
    return GB_IS_PLOT_VIEW(traces) ? GB_PLOT_VIEW(traces) : NULL;
  }
  return page != NULL ? g_object_get_data(G_OBJECT(page), "gb-figure") : NULL;
}

void
gb_window_run_view(GbWindow *self)
{
  GtkWidget *page = gtk_stack_get_visible_child(self->stack);
  GbPageRunFn run = page != NULL ? g_object_get_data(G_OBJECT(page), "gb-run") : NULL;
  if (run != NULL)
    run(g_object_get_data(G_OBJECT(page), "gb-page"));
  else
    gb_window_explain(self);
}

static gboolean
run_when_idle_cb(gpointer user)
{
  GbWindow *self = user;
  if (gb_worker_get_n_running(self->worker) > 0)
    return G_SOURCE_CONTINUE;
  gb_window_run_view(self);
  return G_SOURCE_REMOVE;
}

void
gb_window_run_when_ready(GbWindow *self)
{
  g_timeout_add_full(G_PRIORITY_DEFAULT, 50, run_when_idle_cb, g_object_ref(self),
                     g_object_unref);
}

gboolean
gb_window_write_csv(GbWindow *self, const char *path, GError **error)
{
  GtkWidget *page = gtk_stack_get_visible_child(self->stack);
  GbPageCsvFn write = page != NULL ? g_object_get_data(G_OBJECT(page), "gb-csv") : NULL;
  if (write == NULL) {
    g_set_error(error, GB_ERROR, GB_ERR_INVALID, _("This view has no numbers to export"));
    return FALSE;
  }
  return write(self, g_object_get_data(G_OBJECT(page), "gb-page"), path, error);
}

/* ---- Pages ---- */

/* A page: its figure (for Export Figure) and its numbers (for Export Numbers). */
static void
add_page(GbWindow *self, GtkWidget *page, const char *name, const char *title,
         GbPlotView *figure, GbPageCsvFn csv, GbPageRunFn run)
{
  /* Scrolled, so that no page's controls set a minimum size for the window: it must fit a
   * 1024-pixel projector, in lecture mode too. */
  GtkWidget *scroller = gtk_scrolled_window_new();
  gtk_scrolled_window_set_child(GTK_SCROLLED_WINDOW(scroller), page);
  g_object_set_data(G_OBJECT(scroller), "gb-page", page);
  g_object_set_data(G_OBJECT(scroller), "gb-figure", figure);
  g_object_set_data(G_OBJECT(scroller), "gb-csv", csv);
  g_object_set_data(G_OBJECT(scroller), "gb-run", run);
  gtk_stack_add_titled(self->stack, scroller, name, title);
}

static gboolean
explain_csv(GbWindow *self, GtkWidget *page, const char *path, GError **error)
{
  (void)page;
  size_t n = 0;
  const float *map = gb_explanation_view_get_map(self->explanation_view, &n);
  if (map == NULL || n != 784) {
    g_set_error(error, GB_ERROR, GB_ERR_INVALID, _("There is no explanation to export yet"));
    return FALSE;
  }
  g_autoptr(GString) s = g_string_new("feature,row,column,input,relevance\n");
  for (size_t i = 0; i < n; i++)
    g_string_append_printf(s, "%zu,%zu,%zu,%.6g,%.9g\n", i, i / 28, i % 28, self->input[i],
                           map[i]);
  return g_file_set_contents(path, s->str, (gssize)s->len, error);
}

static gboolean
curves_csv(GbWindow *self, GtkWidget *page, const char *path, GError **error)
{
  (void)self;
  return gb_curves_view_write_csv(GB_CURVES_VIEW(page), path, error);
}

static void
model_trained_cb(GbWindow *self, GbModelHandle *model)
{
  g_list_store_append(self->models, model);
  gb_window_set_model(self, model);
  g_autofree char *text = g_strdup_printf(_("Now explaining the model just trained: %s"),
                                          gb_model_handle_get_title(model));
  set_status(self, text);
}

/* The data set the data-set views work on: the current source's. */
static GbDataHandle *
current_data(GbWindow *self)
{
  return g_strcmp0(self->source, "eeg") == 0 ? self->eeg : self->digits;
}

/* After the model or the data changed. */
static void
sync_model_views(GbWindow *self)
{
  if (self->model == NULL)
    return;
  GbDataHandle *data = current_data(self);
  if (gb_model_handle_get_kind(self->model) == GB_MODEL_KIND_DIGITS) {
    gb_compare_view_set_model(self->compare_view, self->worker, self->model);
    gb_shap_view_set_model(self->shap_view, self->worker, self->model);
    gb_lrp_compare_view_set_model(self->lrp_compare_view, self->worker, self->model);
  }
  gb_curves_view_set_context_from_handle(self->curves_view, self->worker, self->model, data);
  gb_sanity_view_set_context(self->sanity_view, self->worker, self->model);
  gb_analysis_view_set_model(self->hidden_view, self->model);
  gb_analysis_view_set_data(self->hidden_view, self->eeg);
  if (data != NULL) {
    const GbDataset *ds = gb_data_handle_get_dataset(data);
    GbDataView v = gb_dataset_view(ds);
    gb_sanity_view_set_train_data(self->sanity_view, &v);
  }
  gb_analysis_view_set_model(self->global_view, self->model);
  gb_analysis_view_set_data(self->global_view, data);
}

/* After the input, the method or the target changed. */
static void
sync_input_views(GbWindow *self)
{
  if (self->model == NULL || !self->have_input ||
      gb_model_handle_get_kind(self->model) != GB_MODEL_KIND_DIGITS)
    return;
  GbMethodConfig c;
  gb_method_popover_get_config(self->method_popover, &c);
  gb_sanity_view_set_input(self->sanity_view, self->input, 784, &self->target, &c);
  GbShape shape = gb_shape_make(3, (int[]){1, 28, 28});
  gb_compare_view_set_input(self->compare_view, self->input, &shape);
  gb_shap_view_set_input(self->shap_view, self->input, &shape);
  gb_lrp_compare_view_set_input(self->lrp_compare_view, self->input, &shape);
  gb_analysis_view_set_input(self->global_view, self->input, 784, self->digit_index);
}

static void
train_run(GtkWidget *page)
{
  gb_train_view_start(GB_TRAIN_VIEW(page));
}

static void
compare_run(GtkWidget *page)
{
  gb_compare_view_run(GB_COMPARE_VIEW(page));
}

static void
shap_run(GtkWidget *page)
{
  gb_shap_view_run(GB_SHAP_VIEW(page));
}

static void
lrp_compare_run(GtkWidget *page)
{
  gb_lrp_compare_view_run(GB_LRP_COMPARE_VIEW(page));
}

static gboolean
analysis_csv(GbWindow *self, GtkWidget *page, const char *path, GError **error)
{
  (void)self;
  return gb_analysis_view_write_csv(GB_ANALYSIS_VIEW(page), path, error);
}

static void
add_views(GbWindow *self)
{
  self->compare_view = GB_COMPARE_VIEW(gb_compare_view_new());
  add_page(self, GTK_WIDGET(self->compare_view), "compare", _("Compare methods"), NULL, NULL,
           compare_run);
  self->shap_view = GB_SHAP_VIEW(gb_shap_view_new());
  add_page(self, GTK_WIDGET(self->shap_view), "shap", _("SHAP"), NULL, NULL, shap_run);
  self->lrp_compare_view = GB_LRP_COMPARE_VIEW(gb_lrp_compare_view_new());
  add_page(self, GTK_WIDGET(self->lrp_compare_view), "lrp-vs-gxi",
           _("LRP vs gradient x input"), NULL, NULL, lrp_compare_run);
  self->curves_view = GB_CURVES_VIEW(gb_curves_view_new());
  add_page(self, GTK_WIDGET(self->curves_view), "curves", _("Faithfulness"),
           gb_curves_view_get_plot(self->curves_view), curves_csv,
           (GbPageRunFn)gb_curves_view_run);
  self->sanity_view = GB_SANITY_VIEW(gb_sanity_view_new());
  add_page(self, GTK_WIDGET(self->sanity_view), "sanity", _("Sanity checks"),
           gb_sanity_view_get_maps_plot(self->sanity_view), NULL,
           (GbPageRunFn)gb_sanity_view_run);
  self->train_view = GB_TRAIN_VIEW(gb_train_view_new());
  gb_train_view_set_worker(self->train_view, self->worker);
  g_signal_connect_swapped(self->train_view, "model-trained", G_CALLBACK(model_trained_cb), self);
  add_page(self, GTK_WIDGET(self->train_view), "train", _("Train"),
           gb_train_view_get_loss_plot(self->train_view), NULL,
           train_run);
  guint n_global;
  const GbAnalysis *global = gb_global_analyses(&n_global);
  self->global_view = GB_ANALYSIS_VIEW(gb_analysis_view_new(global, n_global));
  gb_analysis_view_set_worker(self->global_view, self->worker);
  add_page(self, GTK_WIDGET(self->global_view), "global", _("Global views"),
           gb_analysis_view_get_figure(self->global_view), analysis_csv,
           (GbPageRunFn)gb_analysis_view_run);
  guint n_hidden = 0;
  const GbAnalysis *hidden = gb_hidden_analyses(&n_hidden);
  self->hidden_view = GB_ANALYSIS_VIEW(gb_analysis_view_new(hidden, n_hidden));
  gb_analysis_view_set_worker(self->hidden_view, self->worker);
  add_page(self, GTK_WIDGET(self->hidden_view), "hidden", _("Hidden states"),
           gb_analysis_view_get_figure(self->hidden_view), analysis_csv,
           (GbPageRunFn)gb_analysis_view_run);
}

static GtkWidget *
titled(const char *title, GtkWidget *child)
{
  GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *label = gtk_label_new(title);
  gtk_widget_add_css_class(label, "title-4");
  gtk_label_set_xalign(GTK_LABEL(label), 0);
  gtk_box_append(GTK_BOX(box), label);
  gtk_box_append(GTK_BOX(box), child);
  return box;
}

static void
random_digit_cb(GbWindow *self)
{
  if (self->digits == NULL) {
    gb_window_show_message(self, _("The digits are not on this computer yet: run "
                                   "“glassbox-cli data fetch”"));
    return;
  }
  gb_digit_gallery_select_random(self->gallery);
}

static void
next_digit_cb(GbWindow *self)
{
  if (self->digits != NULL)
    gb_digit_gallery_select_next(self->gallery);
}

static GtkWidget *
explain_page_new(GbWindow *self)
{
  GtkWidget *grid = gtk_grid_new();
  gtk_grid_set_column_spacing(GTK_GRID(grid), 18);
  gtk_grid_set_row_spacing(GTK_GRID(grid), 12);
  gtk_grid_set_column_homogeneous(GTK_GRID(grid), TRUE);
  g_object_set(grid, "margin-start", 18, "margin-end", 18, "margin-top", 12, "margin-bottom", 12,
               NULL);

  self->canvas = GB_DRAWING_CANVAS(gb_drawing_canvas_new());
  gtk_widget_set_hexpand(GTK_WIDGET(self->canvas), TRUE);
  gtk_widget_set_vexpand(GTK_WIDGET(self->canvas), TRUE);
  g_signal_connect_swapped(self->canvas, "changed", G_CALLBACK(canvas_changed_cb), self);
  g_signal_connect_swapped(self->canvas, "stroke-finished", G_CALLBACK(stroke_finished_cb),
                           self);
  g_signal_connect_swapped(self->canvas, "error", G_CALLBACK(canvas_error_cb), self);
  GtkWidget *left = gtk_box_new(GTK_ORIENTATION_VERTICAL, 6);
  gtk_box_append(GTK_BOX(left), gb_drawing_toolbar_new(self->canvas));
  gtk_box_append(GTK_BOX(left), GTK_WIDGET(self->canvas));

  GtkWidget *below = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 12);
  self->model_input = GB_DIGIT_THUMB(gb_digit_thumb_new(3));
  gtk_widget_set_tooltip_text(GTK_WIDGET(self->model_input),
                              _("The 28 x 28 image the model sees: the drawing scaled into a "
                                "20 x 20 box and centred by its mass, as MNIST's digits were"));
  GtkWidget *sees = gtk_box_new(GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *sees_label = gtk_label_new(_("What the model sees"));
  gtk_widget_add_css_class(sees_label, "caption");
  gtk_box_append(GTK_BOX(sees), GTK_WIDGET(self->model_input));
  gtk_box_append(GTK_BOX(sees), sees_label);
  gtk_box_append(GTK_BOX(below), sees);
  GtkWidget *buttons = gtk_box_new(GTK_ORIENTATION_VERTICAL, 6);
  gtk_widget_set_valign(buttons, GTK_ALIGN_CENTER);
  GtkWidget *random = gtk_button_new_with_mnemonic(_("_Random digit"));
  GtkWidget *next = gtk_button_new_with_mnemonic(_("_Next digit"));
  gtk_widget_set_tooltip_text(random, _("A digit of the data set (see the gallery)"));
  g_signal_connect_swapped(random, "clicked", G_CALLBACK(random_digit_cb), self);
  g_signal_connect_swapped(next, "clicked", G_CALLBACK(next_digit_cb), self);
  gtk_box_append(GTK_BOX(buttons), random);
  gtk_box_append(GTK_BOX(buttons), next);
  gtk_box_append(GTK_BOX(below), buttons);
  gtk_box_append(GTK_BOX(left), below);
  gtk_grid_attach(GTK_GRID(grid), titled(_("Draw a digit"), left), 0, 0, 1, 2);

  self->explanation_view = GB_EXPLANATION_VIEW(gb_explanation_view_new());
  gtk_widget_set_vexpand(GTK_WIDGET(self->explanation_view), TRUE);
  g_signal_connect_swapped(self->explanation_view, "explained", G_CALLBACK(explained_cb), self);
  g_signal_connect_swapped(self->explanation_view, "failed", G_CALLBACK(explain_failed_cb),
                           self);
  gtk_grid_attach(GTK_GRID(grid), titled(_("Explanation"), GTK_WIDGET(self->explanation_view)),
                  1, 0, 1, 1);
  self->probability_view = GB_PROBABILITY_VIEW(gb_probability_view_new());
  gtk_widget_set_size_request(GTK_WIDGET(self->probability_view), -1, 220);
  gtk_grid_attach(GTK_GRID(grid), GTK_WIDGET(self->probability_view), 1, 1, 1, 1);
  return grid;
}

static GtkWidget *
gallery_page_new(GbWindow *self)
{
  self->gallery = GB_DIGIT_GALLERY(gb_digit_gallery_new());
  g_signal_connect_swapped(self->gallery, "digit-activated", G_CALLBACK(digit_activated_cb),
                           self);
  return GTK_WIDGET(self->gallery);
}

static void
load_models(GbWindow *self)
{
  guint n;
  const GbDefaultModelInfo *infos = gb_default_models(&n);
  for (guint i = 0; i < n; i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(GbModelHandle) h = gb_model_handle_new_default(infos[i].id, &error);
    if (h != NULL)
      g_list_store_append(self->models, h);
    else
      gb_window_show_message(self, error->message);
  }
}

static void
load_digits(GbWindow *self)
{
  GbError err;
  GbDataset *ds = gb_dataset_open("mnist-test", &err);
  if (ds == NULL)
    set_status(self, err.message);
  else
  {
    self->digits = gb_data_handle_new_digits(ds, NULL);
    give_gallery_digits(self);
  }
}

/* ---- Screenshots ---- */

typedef struct {
  GbWindow *self;
  char *path;
  GdkPaintable *paintable;
  gulong handler;
  void (*done)(GbWindow *, const GError *, gpointer);
  gpointer user;
} Shot;

static void
shot_free(Shot *s)
{
  g_clear_object(&s->paintable);
  g_free(s->path);
  g_free(s);
}

static void
shot_contents_cb(GdkPaintable *paintable, Shot *s)
{
  g_signal_handler_disconnect(paintable, s->handler);
  GtkWidget *w = GTK_WIDGET(s->self);
  int width = gtk_widget_get_width(w), height = gtk_widget_get_height(w);
  GtkSnapshot *snap = gtk_snapshot_new();
  gdk_paintable_snapshot(paintable, snap, width, height);
  GskRenderNode *node = gtk_snapshot_free_to_node(snap);
  g_autoptr(GError) error = NULL;
  if (node == NULL) {
    g_set_error(&error, GB_ERROR, GB_ERR_INVALID, _("The window has nothing to show yet"));
  } else {
    GskRenderer *renderer = gtk_native_get_renderer(GTK_NATIVE(w));
    g_autoptr(GdkTexture) texture =
        gsk_renderer_render_texture(renderer, node, &GRAPHENE_RECT_INIT(0, 0, width, height));
    gsk_render_node_unref(node);
    g_autofree char *tmp = g_strconcat(s->path, ".tmp", NULL);
    if (!gdk_texture_save_to_png(texture, tmp))
      g_set_error(&error, GB_ERROR, GB_ERR_IO, _("%s: cannot write the screenshot"), s->path);
    else if (g_rename(tmp, s->path) != 0)
      g_set_error(&error, GB_ERROR, GB_ERR_IO, _("%s: %s"), s->path, g_strerror(errno));
  }
  if (s->done != NULL)
    s->done(s->self, error, s->user);
  shot_free(s);
}

static gboolean
shot_when_idle_cb(gpointer user)
{
  Shot *s = user;
  if (gb_worker_get_n_running(s->self->worker) > 0)
    return G_SOURCE_CONTINUE;
  s->paintable = gtk_widget_paintable_new(GTK_WIDGET(s->self));
  s->handler = g_signal_connect(s->paintable, "invalidate-contents",
                                G_CALLBACK(shot_contents_cb), s);
  gtk_widget_queue_draw(GTK_WIDGET(s->self));
  return G_SOURCE_REMOVE;
}

void
gb_window_screenshot(GbWindow *self, const char *path,
                     void (*done)(GbWindow *, const GError *, gpointer), gpointer user)
{
  Shot *s = g_new0(Shot, 1);
  s->self = self;
  s->path = g_strdup(path);
  s->done = done;
  s->user = user;
  g_timeout_add(50, shot_when_idle_cb, s);
}

/* ---- GObject ---- */

static void
gb_window_dispose(GObject *object)
{
  GbWindow *self = GB_WINDOW(object);
  if (self->worker != NULL)
    gb_worker_cancel_all(self->worker);
  g_clear_object(&self->worker);
  g_clear_object(&self->model);
  g_clear_object(&self->models);
  g_clear_object(&self->digits);
  g_clear_object(&self->eeg);
  g_clear_object(&self->settings);
  gtk_widget_dispose_template(GTK_WIDGET(self), GB_TYPE_WINDOW);
  G_OBJECT_CLASS(gb_window_parent_class)->dispose(object);
}

static void
gb_window_finalize(GObject *object)
{
  GbWindow *self = GB_WINDOW(object);
  g_free(self->source);
  G_OBJECT_CLASS(gb_window_parent_class)->finalize(object);
}

static void
gb_window_class_init(GbWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS(klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);
  object_class->dispose = gb_window_dispose;
  object_class->finalize = gb_window_finalize;
  gtk_widget_class_set_template_from_resource(widget_class,
                                              "/org/glassbox/Glassbox/app/gb-window.ui");
  gtk_widget_class_bind_template_child(widget_class, GbWindow, digits_button);
  gtk_widget_class_bind_template_child(widget_class, GbWindow, eeg_button);
  gtk_widget_class_bind_template_child(widget_class, GbWindow, model_button);
  gtk_widget_class_bind_template_child(widget_class, GbWindow, method_button);
  gtk_widget_class_bind_template_child(widget_class, GbWindow, model_popover);
  gtk_widget_class_bind_template_child(widget_class, GbWindow, model_list);
  gtk_widget_class_bind_template_child(widget_class, GbWindow, target_dropdown);
  gtk_widget_class_bind_template_child(widget_class, GbWindow, message_revealer);
  gtk_widget_class_bind_template_child(widget_class, GbWindow, message_label);
  gtk_widget_class_bind_template_child(widget_class, GbWindow, stack);
  gtk_widget_class_bind_template_child(widget_class, GbWindow, status_label);
  gtk_widget_class_bind_template_child(widget_class, GbWindow, progress_bar);
  gtk_widget_class_bind_template_child(widget_class, GbWindow, cancel_button);
}

static void
gb_window_init(GbWindow *self)
{
  gtk_widget_init_template(GTK_WIDGET(self));
  self->worker = gb_worker_new();
  g_signal_connect_object(self->worker, "notify::n-running", G_CALLBACK(busy_changed_cb), self,
                          G_CONNECT_SWAPPED);
  self->models = g_list_store_new(GB_TYPE_MODEL_HANDLE);
  self->method_popover = GB_METHOD_POPOVER(gb_method_popover_new());
  gtk_menu_button_set_popover(self->method_button, GTK_WIDGET(self->method_popover));
  g_signal_connect_swapped(self->method_popover, "changed", G_CALLBACK(method_changed_cb), self);
  g_signal_connect_swapped(self->target_dropdown, "notify::selected",
                           G_CALLBACK(gb_window_explain), self);

  self->explain_stack = GTK_STACK(gtk_stack_new());
  gtk_stack_add_named(self->explain_stack, explain_page_new(self), "digits");
  self->eeg_view = GB_EEG_VIEW(gb_eeg_view_new());
  gtk_stack_add_named(self->explain_stack, GTK_WIDGET(self->eeg_view), "eeg");
  add_page(self, GTK_WIDGET(self->explain_stack), "explain", _("Explain"),
           gb_explanation_view_get_plot_view(self->explanation_view), explain_csv, NULL);
  add_page(self, gallery_page_new(self), "gallery", _("Digit gallery"), NULL, NULL, NULL);
  add_views(self);
  gb_window_add_actions(self);

  g_autofree char *engine = g_strdup_printf(
      _("Glassbox %s · OpenBLAS %s kernels, %d thread(s)"), GB_VERSION, gb_blas_core_name(),
      gb_blas_get_threads());
  GtkWidget *engine_label = gtk_label_new(engine);
  gtk_widget_add_css_class(engine_label, "dim-label");
  gtk_box_append(GTK_BOX(gtk_widget_get_parent(GTK_WIDGET(self->status_label))), engine_label);
  load_models(self);
  load_digits(self);
}

/* The choices kept from the last session (none without the settings schema). */
static void
restore_settings(GbWindow *self)
{
  GbMethodConfig c;
  g_autofree char *method = self->settings ? g_settings_get_string(self->settings, "method")
                                           : NULL;
  g_autofree char *preset =
      self->settings ? g_settings_get_string(self->settings, "lrp-preset") : NULL;
  if (method == NULL || !gb_method_config_init_from_id(&c, method))
    gb_method_config_init(&c, GB_METHOD_GRAD_X_INPUT);
  if (c.method == GB_METHOD_LRP && gb_lrp_preset_from_id(preset) >= 0)
    c.lrp_preset = (GbLrpPreset)gb_lrp_preset_from_id(preset);
  gb_method_popover_set_config(self->method_popover, &c);
  method_changed_cb(self);
  g_autofree char *source =
      self->settings ? g_settings_get_string(self->settings, "last-data-source") : NULL;
  g_autofree char *model = self->settings ? g_settings_get_string(self->settings, "model")
                                          : NULL;
  gb_window_set_source(self, source != NULL ? source : "digits");
  if (model != NULL && model[0] != '\0')
    gb_window_open_model(self, model, NULL);
  if (self->digits != NULL)
    gb_window_pick_digit(self, 0, NULL);
}

GbWindow *
gb_window_new(GbApplication *app)
{
  GbWindow *self = g_object_new(GB_TYPE_WINDOW, "application", app, NULL);
  GSettings *settings = app != NULL ? gb_application_get_settings(app) : NULL;
  self->settings = settings != NULL ? g_object_ref(settings) : NULL;
  if (self->settings != NULL)
    g_signal_connect_object(self->settings, "changed", G_CALLBACK(apply_display_settings), self,
                            G_CONNECT_SWAPPED);
  restore_settings(self);
  return self;
}

gboolean
gb_window_select_analysis(GbWindow *self, const char *id)
{
  GtkWidget *page = gtk_stack_get_visible_child(self->stack);
  GtkWidget *view = page != NULL ? g_object_get_data(G_OBJECT(page), "gb-page") : NULL;
  return view != NULL && GB_IS_ANALYSIS_VIEW(view) &&
         gb_analysis_view_select(GB_ANALYSIS_VIEW(view), id);
}

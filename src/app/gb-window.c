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

void
gb_window_set_status(GbWindow *self, const char *text)
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
  gb_window_set_status(self, text);
}

/* ---- Figures of the explain page ---- */


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
  /* The probabilities come with the explanation (explained_cb): its job already ran the model
   * on this input, so there is no second forward pass per pen move. */
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
  gb_window_sync_model_views(self);
  gb_window_pick_digit(self, 0, NULL);
  g_autofree char *text = g_strdup_printf(_("%s: %d digits"),
                                          gb_data_handle_get_name(self->digits),
                                          gb_data_handle_get_size(self->digits));
  gb_window_set_status(self, text);
}

void
gb_window_take_eeg(GbWindow *self, GbEegSet *eeg, gboolean show)
{
  g_clear_object(&self->eeg);
  self->eeg = gb_data_handle_new_eeg(eeg, NULL);
  if (show)
    gb_window_set_source(self, "eeg");
  gb_train_view_set_eeg(self->train_view, eeg);
  GbError err;
  GbEegSet *copy = gb_eeg_set_dup(eeg, &err); /* the view owns its trials */
  if (copy != NULL)
    gb_eeg_view_set_data(self->eeg_view, copy);
  else
    gb_window_show_message(self, err.message);
  gb_window_apply_pending_trial(self);
  gb_window_sync_model_views(self);
  g_autofree char *text = g_strdup_printf(
      _("%s: %d trials of %d samples x %d channels, %d subjects"), eeg->source ? eeg->source : "",
      gb_dataset_size(eeg->data), eeg->n_times, eeg->n_channels, eeg->n_subjects);
  gb_window_set_status(self, text);
  if (self->model == NULL || gb_model_handle_get_kind(self->model) != GB_MODEL_KIND_EEG)
    return; /* the user went on to the digits: the EEG model is checked when they come back */
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
  }
  gb_window_sync_model_views(self);
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

/* The sidebar lists the pages that apply to the data: the digit pages for digits, the hidden
 * states for EEG. */
static void
show_pages_for_source(GbWindow *self, gboolean eeg)
{
  static const char *const digit_pages[] = {"gallery", "compare", "shap", "lrp-vs-gxi"};
  for (guint i = 0; i < G_N_ELEMENTS(digit_pages); i++) {
    GtkWidget *page = gtk_stack_get_child_by_name(self->stack, digit_pages[i]);
    if (page != NULL)
      gtk_stack_page_set_visible(gtk_stack_get_page(self->stack, page), !eeg);
  }
  GtkWidget *hidden = gtk_stack_get_child_by_name(self->stack, "hidden");
  if (hidden != NULL)
    gtk_stack_page_set_visible(gtk_stack_get_page(self->stack, hidden), eeg);
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
  show_pages_for_source(self, strcmp(source, "eeg") == 0);
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
  gb_analysis_view_set_method(self->global_view, &c);
  gb_analysis_view_set_method(self->hidden_view, &c);
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
    gb_window_set_status(self, err.message);
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
    gb_worker_stop(self->worker, 2000);
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
  self->pending_trial = -1;
  self->worker = gb_worker_new();
  g_signal_connect_object(self->worker, "notify::n-running", G_CALLBACK(busy_changed_cb), self,
                          G_CONNECT_SWAPPED);
  self->models = g_list_store_new(GB_TYPE_MODEL_HANDLE);
  self->method_popover = GB_METHOD_POPOVER(gb_method_popover_new());
  gtk_menu_button_set_popover(self->method_button, GTK_WIDGET(self->method_popover));
  g_signal_connect_swapped(self->method_popover, "changed", G_CALLBACK(method_changed_cb), self);
  g_signal_connect_swapped(self->target_dropdown, "notify::selected",
                           G_CALLBACK(gb_window_explain), self);

  gb_window_add_pages(self);
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

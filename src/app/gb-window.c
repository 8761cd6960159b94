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
  if (!busy)
    gtk_progress_bar_set_fraction(self->progress_bar, 0);
}

static void
job_progress_cb(GObject *owner, double fraction, const char *stage, double seconds_left)
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

static GbStatus
draw_input(void *user, cairo_t *cr, GbPlotRect area, GbError *err)
{
  GbWindow *self = user;
  GbHeatmap h = {0};
  h.image = self->input;
  h.height = h.width = 28;
  h.title = _("What the model sees (28 x 28)");
  return gb_heatmap_draw(cr, &h, area, err);
}

static char *
target_text(GbWindow *self)
{
  if (self->n_logits == 1)
    return g_strdup(_("the target logit"));
  if (self->target.class_b >= 0)
    return g_strdup_printf(_("why %d and not %d"), self->target.class_a, self->target.class_b);
  return g_strdup_printf(_("class %d"), self->target.class_a);
}

static GbStatus
draw_heatmap(void *user, cairo_t *cr, GbPlotRect area, GbError *err)
{
  GbWindow *self = user;
  GbMethodConfig c;
  gb_method_popover_get_config(self->method_popover, &c);
  g_autofree char *method = gb_method_config_dup_label(&c);
  g_autofree char *target = target_text(self);
  g_autofree char *title = g_strdup_printf("%s, %s", method, target);
  const GbAttribution *a = &self->explanation.map;
  GbHeatmap h = {0};
  h.image = self->input;
  h.relevance = a->values;
  h.height = h.width = 28;
  h.opacity = self->settings ? g_settings_get_double(self->settings, "opacity") : 0.7;
  h.colormap = gb_method_is_signed(c.method) ? GB_COLORMAP_DIVERGING : GB_COLORMAP_VIRIDIS;
  h.title = title;
  h.show_colorbar = TRUE;
  h.colorbar_label = _("relevance");
  return gb_heatmap_draw(cr, &h, area, err);
}

static GbStatus
draw_probabilities(void *user, cairo_t *cr, GbPlotRect area, GbError *err)
{
  GbWindow *self = user;
  int n = self->n_logits;
  float p[16];
  int best = 0;
  double max = -INFINITY, sum = 0;
  for (int i = 0; i < n; i++) max = fmax(max, self->logits[i]);
  for (int i = 0; i < n; i++) sum += p[i] = (float)exp(self->logits[i] - max);
  for (int i = 0; i < n; i++) {
    p[i] = (float)(p[i] / sum);
    best = p[i] > p[best] ? i : best;
  }
  GbBarChart c = {0};
  c.kind = GB_BARCHART_PROBABILITY;
  c.orientation = GB_BARCHART_VERTICAL;
  c.values = p;
  c.n = n;
  c.highlight = best;
  c.title = _("Class probabilities");
  c.axis_label = _("probability");
  c.show_values = TRUE;
  return gb_barchart_draw(cr, &c, area, err);
}

static void
show_diagnostics(GbWindow *self)
{
  const GbExplanation *e = &self->explanation;
  const GbAttribution *a = &e->map;
  GString *s = g_string_new(NULL);
  g_string_append_printf(s, _("f(x) = %.3f"), a->f_x);
  if (!isnan(a->gap) && !isnan(a->f_baseline))
    g_string_append_printf(s, _(" · sum of attributions %.3f, f(x) − f(baseline) = %.3f, "
                                "completeness gap %.2f%%"),
                           a->sum, a->f_x - a->f_baseline, 100 * a->gap_relative);
  else if (e->n_layers > 0) {
    double bias = 0;
    for (int l = 0; l < e->n_layers; l++) bias += e->layers[l].absorbed_bias;
    g_string_append_printf(s, _(" · relevance reaching the input %.3f, absorbed by biases %.3f"),
                           a->sum, bias);
  }
  if (e->segments.n_segments > 0 && !isnan(e->segments.score))
    g_string_append_printf(s, _(" · %d segments, local fit R² %.3f"), e->segments.n_segments,
                           e->segments.score);
  else if (e->segments.n_segments > 0)
    g_string_append_printf(s, _(" · %d segments, base value %.3f + sum %.3f"),
                           e->segments.n_segments, e->segments.base_value, a->sum);
  g_string_append_printf(s, _(" · %.1f ms"), self->explain_ms);
  gtk_label_set_text(self->diagnostics_label, s->str);
  g_string_free(s, TRUE);
}

/* ---- The explanation job ---- */

typedef struct {
  GbModelHandle *model;
  float *x;
  size_t n;
  GbMethodConfig method;
  int target_index; /* 0: the predicted class; k: class k - 1 */
  /* results */
  GbExplanation explanation;
  float logits[16];
  int n_logits;
  GbTarget target;
  double ms;
} ExplainJob;

static void
explain_job_free(gpointer p)
{
  ExplainJob *j = p;
  g_clear_object(&j->model);
  g_free(j->x);
  gb_explanation_clear(&j->explanation);
  g_free(j);
}

static gboolean
explain_run(GbJob *job, gpointer data, GError **error)
{
  ExplainJob *j = data;
  gint64 t0 = g_get_monotonic_time();
  g_autoptr(GError) local = NULL;
  GbModel *m = gb_model_handle_dup_model(j->model, error);
  if (m == NULL)
    return FALSE;
  GbError err = {0};
  j->n_logits = MIN(gb_model_n_outputs(m), 16);
  float logits[64];
  GbStatus st = gb_model_n_outputs(m) <= 64
                    ? gb_model_predict(m, j->x, 1, logits, NULL, NULL, &err)
                    : gb_error_set(&err, GB_ERR_UNSUPPORTED, "models with more than 64 "
                                                             "outputs");
  if (st == GB_OK) {
    memcpy(j->logits, logits, (size_t)j->n_logits * sizeof(float));
    int best = 0;
    for (int i = 1; i < j->n_logits; i++) best = logits[i] > logits[best] ? i : best;
    int cls = j->n_logits == 1 ? 0 : j->target_index > 0 ? j->target_index - 1 : best;
    j->target = gb_target_class(cls);
    st = gb_target_check(&j->target, m, &err);
  }
  if (st == GB_OK)
    st = gb_explain(m, j->x, j->n, &j->target, &j->method, &j->explanation, gb_job_progress,
                    job, &err);
  gb_model_free(m);
  j->ms = (double)(g_get_monotonic_time() - t0) / 1000.0;
  gb_set_error_from_status(error, st, &err);
  return st == GB_OK;
}

static void
explain_done(GObject *owner, gpointer data, const GError *error)
{
  GbWindow *self = GB_WINDOW(owner);
  ExplainJob *j = data;
  if (error != NULL) {
    if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      gb_window_show_message(self, error->message);
    set_status(self, g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ? _("Cancelled")
                                                                               : "");
    return;
  }
  gb_explanation_clear(&self->explanation);
  self->explanation = j->explanation;
  memset(&j->explanation, 0, sizeof j->explanation);
  memcpy(self->logits, j->logits, sizeof self->logits);
  self->n_logits = j->n_logits;
  self->target = j->target;
  self->explain_ms = j->ms;
  self->have_explanation = TRUE;
  gb_plot_view_set_placeholder(self->heatmap_view, NULL);
  gb_plot_view_set_placeholder(self->probability_view, NULL);
  gb_plot_view_queue_draw(self->heatmap_view);
  gb_plot_view_queue_draw(self->probability_view);
  show_diagnostics(self);
  g_autofree char *method = gb_method_popover_dup_label(self->method_popover);
  g_autofree char *text = g_strdup_printf(_("%s explained in %.1f ms"), method, j->ms);
  set_status(self, text);
}

void
gb_window_explain(GbWindow *self)
{
  if (self->model == NULL || !self->have_input ||
      gb_model_handle_get_kind(self->model) != GB_MODEL_KIND_DIGITS)
    return;
  ExplainJob *j = g_new0(ExplainJob, 1);
  j->model = g_object_ref(self->model);
  j->n = 784;
  j->x = g_memdup2(self->input, sizeof self->input);
  gb_method_popover_get_config(self->method_popover, &j->method);
  j->target_index = (int)gtk_drop_down_get_selected(self->target_dropdown);
  gb_worker_submit(self->worker, "explain", G_OBJECT(self), explain_run, j, explain_job_free,
                   job_progress_cb, explain_done);
}

/* ---- Inputs, models, methods ---- */

void
gb_window_set_digit(GbWindow *self, const float *pixels, int index)
{
  memcpy(self->input, pixels, sizeof self->input);
  self->have_input = TRUE;
  self->digit_index = index;
  gb_plot_view_set_placeholder(self->input_view, NULL);
  gb_plot_view_queue_draw(self->input_view);
  gb_window_explain(self);
}

gboolean
gb_window_pick_digit(GbWindow *self, int index, GError **error)
{
  if (self->digits == NULL) {
    g_set_error(error, GB_ERROR, GB_ERR_IO,
                _("The digits are not on this computer yet: run “glassbox-cli data fetch”"));
    return FALSE;
  }
  int n = gb_dataset_size(self->digits);
  if (index < 0 || index >= n) {
    g_set_error(error, GB_ERROR, GB_ERR_INVALID, _("%s has %d digits; %d is not one of them"),
                self->digits->name, n, index);
    return FALSE;
  }
  gb_window_set_digit(self, self->digits->x->data + (size_t)index * 784, index);
  return TRUE;
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
  GbModelKind kind = strcmp(source, "eeg") == 0 ? GB_MODEL_KIND_EEG : GB_MODEL_KIND_DIGITS;
  if (self->model == NULL || gb_model_handle_get_kind(self->model) != kind) {
    GbModelHandle *h = first_model_of_kind(self, kind);
    if (h != NULL)
      gb_window_set_model(self, h);
  }
  if (self->settings != NULL)
    g_settings_set_string(self->settings, "last-data-source", source);
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
  if (self->settings != NULL)
    g_settings_set_string(self->settings, "method", gb_method_id(c.method));
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
  return page != NULL ? g_object_get_data(G_OBJECT(page), "gb-figure") : NULL;
}

/* ---- Pages ---- */

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
  gb_window_pick_digit(self, g_random_int_range(0, gb_dataset_size(self->digits)), NULL);
}

static void
next_digit_cb(GbWindow *self)
{
  if (self->digits != NULL)
    gb_window_pick_digit(self, (self->digit_index + 1) % gb_dataset_size(self->digits), NULL);
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

  self->input_view = GB_PLOT_VIEW(gb_plot_view_new());
  gb_plot_view_set_draw_func(self->input_view, draw_input, self, NULL);
  gb_plot_view_set_placeholder(self->input_view, _("Pick a digit"));
  GtkWidget *left = gtk_box_new(GTK_ORIENTATION_VERTICAL, 6);
  gtk_box_append(GTK_BOX(left), GTK_WIDGET(self->input_view));
  GtkWidget *buttons = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_widget_set_halign(buttons, GTK_ALIGN_CENTER);
  GtkWidget *random = gtk_button_new_with_mnemonic(_("_Random digit"));
  GtkWidget *next = gtk_button_new_with_mnemonic(_("_Next"));
  g_signal_connect_swapped(random, "clicked", G_CALLBACK(random_digit_cb), self);
  g_signal_connect_swapped(next, "clicked", G_CALLBACK(next_digit_cb), self);
  gtk_box_append(GTK_BOX(buttons), random);
  gtk_box_append(GTK_BOX(buttons), next);
  gtk_box_append(GTK_BOX(left), buttons);
  gtk_grid_attach(GTK_GRID(grid), titled(_("Input"), left), 0, 0, 1, 2);

  self->heatmap_view = GB_PLOT_VIEW(gb_plot_view_new());
  gb_plot_view_set_draw_func(self->heatmap_view, draw_heatmap, self, NULL);
  gb_plot_view_set_placeholder(self->heatmap_view, _("The explanation appears here"));
  self->diagnostics_label = GTK_LABEL(gtk_label_new(""));
  gtk_label_set_wrap(self->diagnostics_label, TRUE);
  gtk_label_set_xalign(self->diagnostics_label, 0);
  gtk_widget_add_css_class(GTK_WIDGET(self->diagnostics_label), "dim-label");
  GtkWidget *right = gtk_box_new(GTK_ORIENTATION_VERTICAL, 6);
  gtk_box_append(GTK_BOX(right), GTK_WIDGET(self->heatmap_view));
  gtk_box_append(GTK_BOX(right), GTK_WIDGET(self->diagnostics_label));
  gtk_grid_attach(GTK_GRID(grid), titled(_("Explanation"), right), 1, 0, 1, 1);

  self->probability_view = GB_PLOT_VIEW(gb_plot_view_new());
  gtk_widget_set_size_request(GTK_WIDGET(self->probability_view), -1, 200);
  gtk_widget_set_vexpand(GTK_WIDGET(self->probability_view), FALSE);
  gb_plot_view_set_draw_func(self->probability_view, draw_probabilities, self, NULL);
  gb_plot_view_set_placeholder(self->probability_view, "");
  gtk_grid_attach(GTK_GRID(grid), GTK_WIDGET(self->probability_view), 1, 1, 1, 1);
  g_object_set_data(G_OBJECT(grid), "gb-figure", self->heatmap_view);
  return grid;
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
  self->digits = gb_dataset_open("mnist-test", &err);
  if (self->digits == NULL)
    set_status(self, err.message);
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
  g_clear_object(&self->settings);
  gtk_widget_dispose_template(GTK_WIDGET(self), GB_TYPE_WINDOW);
  G_OBJECT_CLASS(gb_window_parent_class)->dispose(object);
}

static void
gb_window_finalize(GObject *object)
{
  GbWindow *self = GB_WINDOW(object);
  gb_explanation_clear(&self->explanation);
  gb_dataset_free(self->digits);
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

static GSettings *
settings_new_if_installed(void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default();
  g_autoptr(GSettingsSchema) schema =
      source != NULL ? g_settings_schema_source_lookup(source, GB_APP_ID, TRUE) : NULL;
  return schema != NULL ? g_settings_new(GB_APP_ID) : NULL;
}

static void
gb_window_init(GbWindow *self)
{
  gtk_widget_init_template(GTK_WIDGET(self));
  self->settings = settings_new_if_installed();
  self->worker = gb_worker_new();
  g_signal_connect_object(self->worker, "notify::n-running", G_CALLBACK(busy_changed_cb), self,
                          G_CONNECT_SWAPPED);
  self->models = g_list_store_new(GB_TYPE_MODEL_HANDLE);
  self->method_popover = GB_METHOD_POPOVER(gb_method_popover_new());
  gtk_menu_button_set_popover(self->method_button, GTK_WIDGET(self->method_popover));
  g_signal_connect_swapped(self->method_popover, "changed", G_CALLBACK(method_changed_cb), self);
  g_signal_connect_swapped(self->target_dropdown, "notify::selected",
                           G_CALLBACK(gb_window_explain), self);

  gtk_stack_add_titled(self->stack, explain_page_new(self), "explain", _("Explain"));
  gb_window_add_actions(self);

  g_autofree char *engine = g_strdup_printf(
      _("Glassbox %s · OpenBLAS %s kernels, %d thread(s)"), GB_VERSION, gb_blas_core_name(),
      gb_blas_get_threads());
  GtkWidget *engine_label = gtk_label_new(engine);
  gtk_widget_add_css_class(engine_label, "dim-label");
  gtk_box_append(GTK_BOX(gtk_widget_get_parent(GTK_WIDGET(self->status_label))), engine_label);
  load_models(self);
  load_digits(self);
  method_changed_cb(self);
  g_autofree char *source =
      self->settings ? g_settings_get_string(self->settings, "last-data-source") : NULL;
  gb_window_set_source(self, source != NULL ? source : "digits");
  if (self->digits != NULL)
    gb_window_pick_digit(self, 0, NULL);
}

GbWindow *
gb_window_new(GbApplication *app)
{
  return g_object_new(GB_TYPE_WINDOW, "application", app, NULL);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The window's pages: the explain page (drawing canvas, explanation, probabilities; the EEG
 * view for EEG data), the gallery and the views in the sidebar, and how they follow the
 * window's model, data, input, method and target. */
#include "config.h"

#include <glib/gi18n.h>

#include "gb-window-private.h"

static void
explained_cb(GbWindow *self)
{
  self->target = gb_explanation_view_get_explained_target(self->explanation_view);
  self->have_explanation = TRUE;
  int n = 0;
  const float *logits = gb_explanation_view_get_logits(self->explanation_view, &n);
  const GbArch *arch = gb_model_get_arch(gb_model_handle_get_model(self->model));
  gboolean softmax_layer = arch->n_layers > 0 &&
                           arch->layers[arch->n_layers - 1].kind == GB_LAYER_SOFTMAX;
  if (logits != NULL)
    gb_probability_view_set_logits(self->probability_view, logits, n, softmax_layer);
  g_autofree char *method = gb_method_popover_dup_label(self->method_popover);
  g_autofree char *text =
      g_strdup_printf(_("%s explained in %.1f ms"), method,
                      1000 * gb_explanation_view_get_seconds(self->explanation_view));
  gb_window_set_status(self, text);
  gb_window_sync_input_views(self);
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
    gb_window_set_status(self, error->message);
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
  gb_window_set_status(self, text);
}

/* The data set the data-set views work on: the current source's. */
static GbDataHandle *
current_data(GbWindow *self)
{
  return g_strcmp0(self->source, "eeg") == 0 ? self->eeg : self->digits;
}

/* After the model or the data changed. */
void
gb_window_sync_model_views(GbWindow *self)
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
void
gb_window_sync_input_views(GbWindow *self)
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

gboolean
gb_window_select_analysis(GbWindow *self, const char *id)
{
  GtkWidget *page = gtk_stack_get_visible_child(self->stack);
  GtkWidget *view = page != NULL ? g_object_get_data(G_OBJECT(page), "gb-page") : NULL;
  return view != NULL && GB_IS_ANALYSIS_VIEW(view) &&
         gb_analysis_view_select(GB_ANALYSIS_VIEW(view), id);
}

void
gb_window_add_pages(GbWindow *self)
{
  self->explain_stack = GTK_STACK(gtk_stack_new());
  gtk_stack_add_named(self->explain_stack, explain_page_new(self), "digits");
  self->eeg_view = GB_EEG_VIEW(gb_eeg_view_new());
  gtk_stack_add_named(self->explain_stack, GTK_WIDGET(self->eeg_view), "eeg");
  add_page(self, GTK_WIDGET(self->explain_stack), "explain", _("Explain"),
           gb_explanation_view_get_plot_view(self->explanation_view), explain_csv, NULL);
  add_page(self, gallery_page_new(self), "gallery", _("Digit gallery"), NULL, NULL, NULL);
  add_views(self);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-analysis-view.h"

#include <glib/gi18n.h>
#include <string.h>

struct _GbAnalysisView {
  GtkWidget parent_instance;
  const GbAnalysis *analyses;
  guint n_analyses;
  GArray *offered; /* indices into @analyses for the current model */
  GbWorker *worker;
  GbModelHandle *model;
  GbDataHandle *data;
  float *input;
  size_t n_input;
  int input_index;
  GbMethodConfig method;
  char lane[32];

  GtkDropDown *dropdown;
  GtkButton *run_button;
  GtkLabel *description;
  GbPlotView *figure;
  GtkLabel *summary;
  GtkProgressBar *progress;
  GbAnalysisResult result;
};

G_DEFINE_FINAL_TYPE(GbAnalysisView, gb_analysis_view, GTK_TYPE_WIDGET)

gboolean
gb_analysis_cancelled(GbJob *job, GError **error)
{
  if (!gb_job_is_cancelled(job))
    return FALSE;
  g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Cancelled"));
  return TRUE;
}

static void
result_clear(GbAnalysisResult *r)
{
  if (r->figure_free != NULL && r->figure != NULL)
    r->figure_free(r->figure);
  g_free(r->summary);
  if (r->csv != NULL)
    g_string_free(r->csv, TRUE);
  memset(r, 0, sizeof *r);
}

static const GbAnalysis *
selected(GbAnalysisView *self)
{
  guint i = gtk_drop_down_get_selected(self->dropdown);
  if (i == GTK_INVALID_LIST_POSITION || i >= self->offered->len)
    return NULL;
  return &self->analyses[g_array_index(self->offered, guint, i)];
}

static void
show_result(GbAnalysisView *self)
{
  if (self->result.draw == NULL) {
    gb_plot_view_set_draw_func(self->figure, NULL, NULL, NULL);
    gb_plot_view_set_placeholder(self->figure, _("Press Run to compute this view"));
    gtk_label_set_text(self->summary, "");
    return;
  }
  /* The view keeps the figure data; the plot view only borrows it. */
  gb_plot_view_set_draw_func(self->figure, self->result.draw, self->result.figure, NULL);
  gb_plot_view_set_placeholder(self->figure, NULL);
  gtk_label_set_text(self->summary, self->result.summary ? self->result.summary : "");
}

static void
selection_changed_cb(GbAnalysisView *self)
{
  const GbAnalysis *a = selected(self);
  gtk_label_set_text(self->description, a != NULL ? _(a->description) : "");
  gtk_widget_set_sensitive(GTK_WIDGET(self->run_button), a != NULL && self->model != NULL);
  gb_plot_view_set_draw_func(self->figure, NULL, NULL, NULL);
  result_clear(&self->result);
  show_result(self);
}

typedef struct {
  const GbAnalysis *analysis;
  GbAnalysisInput in;
  GbAnalysisResult out;
} Job;

static void
job_free(gpointer p)
{
  Job *j = p;
  g_clear_object(&j->in.model);
  g_clear_object(&j->in.data);
  g_free((float *)j->in.input);
  result_clear(&j->out);
  g_free(j);
}

static gboolean
job_run(GbJob *job, gpointer data, GError **error)
{
  Job *j = data;
  return j->analysis->run(job, &j->in, &j->out, error);
}

static void
job_progress(GObject *owner, double fraction, const char *stage, double seconds_left)
{
  (void)stage, (void)seconds_left;
  GbAnalysisView *self = GB_ANALYSIS_VIEW(owner);
  gtk_progress_bar_set_fraction(self->progress, fraction);
}

static void
job_done(GObject *owner, gpointer data, const GError *error)
{
  GbAnalysisView *self = GB_ANALYSIS_VIEW(owner);
  Job *j = data;
  gtk_widget_set_visible(GTK_WIDGET(self->progress), FALSE);
  gtk_button_set_label(self->run_button, _("Run"));
  if (error != NULL) {
    gb_plot_view_set_draw_func(self->figure, NULL, NULL, NULL);
    result_clear(&self->result);
    show_result(self);
    gb_plot_view_set_placeholder(self->figure, error->message);
    return;
  }
  gb_plot_view_set_draw_func(self->figure, NULL, NULL, NULL);
  result_clear(&self->result);
  self->result = j->out;
  memset(&j->out, 0, sizeof j->out);
  show_result(self);
}

void
gb_analysis_view_run(GbAnalysisView *self)
{
  g_return_if_fail(GB_IS_ANALYSIS_VIEW(self));
  const GbAnalysis *a = selected(self);
  if (a == NULL || self->model == NULL || self->worker == NULL)
    return;
  if (gb_worker_lane_busy(self->worker, self->lane) &&
      g_strcmp0(gtk_button_get_label(self->run_button), _("Cancel")) == 0) {
    gb_worker_cancel(self->worker, self->lane);
    return;
  }
  if (a->needs_input && self->input == NULL) {
    gb_plot_view_set_placeholder(self->figure, _("Pick an input first"));
    return;
  }
  Job *j = g_new0(Job, 1);
  j->analysis = a;
  j->in.model = g_object_ref(self->model);
  j->in.data = self->data != NULL ? g_object_ref(self->data) : NULL;
  j->in.input = self->input != NULL ? g_memdup2(self->input, self->n_input * sizeof(float))
                                    : NULL;
  j->in.input_index = self->input_index;
  j->in.seed = 1;
  j->in.method = self->method;
  gtk_widget_set_visible(GTK_WIDGET(self->progress), TRUE);
  gtk_progress_bar_set_fraction(self->progress, 0);
  gtk_button_set_label(self->run_button, _("Cancel"));
  gb_plot_view_set_placeholder(self->figure, _("Computing…"));
  gb_worker_submit(self->worker, self->lane, G_OBJECT(self), job_run, j, job_free, job_progress,
                   job_done);
}

static void
rebuild_offer(GbAnalysisView *self)
{
  g_array_set_size(self->offered, 0);
  g_autoptr(GtkStringList) items = gtk_string_list_new(NULL);
  GbModelKind kind = self->model ? gb_model_handle_get_kind(self->model) : GB_MODEL_KIND_OTHER;
  for (guint i = 0; i < self->n_analyses; i++) {
    if ((self->analyses[i].model_kinds & (1u << kind)) == 0)
      continue;
    g_array_append_val(self->offered, i);
    gtk_string_list_append(items, _(self->analyses[i].title));
  }
  gtk_drop_down_set_model(self->dropdown, G_LIST_MODEL(items));
  selection_changed_cb(self);
}

void
gb_analysis_view_set_worker(GbAnalysisView *self, GbWorker *worker)
{
  g_return_if_fail(GB_IS_ANALYSIS_VIEW(self));
  g_set_object(&self->worker, worker);
}

void
gb_analysis_view_set_model(GbAnalysisView *self, GbModelHandle *model)
{
  g_return_if_fail(GB_IS_ANALYSIS_VIEW(self));
  if (self->worker != NULL)
    gb_worker_cancel(self->worker, self->lane);
  if (g_set_object(&self->model, model))
    rebuild_offer(self);
}

void
gb_analysis_view_set_data(GbAnalysisView *self, GbDataHandle *data)
{
  g_return_if_fail(GB_IS_ANALYSIS_VIEW(self));
  g_set_object(&self->data, data);
}

void
gb_analysis_view_set_input(GbAnalysisView *self, const float *input, size_t n, int index)
{
  g_return_if_fail(GB_IS_ANALYSIS_VIEW(self));
  g_free(self->input);
  self->input = input != NULL ? g_memdup2(input, n * sizeof(float)) : NULL;
  self->n_input = input != NULL ? n : 0;
  self->input_index = index;
}

void
gb_analysis_view_set_method(GbAnalysisView *self, const GbMethodConfig *method)
{
  g_return_if_fail(GB_IS_ANALYSIS_VIEW(self));
  self->method = *method;
  self->method.baseline_data = NULL;
}

gboolean
gb_analysis_view_select(GbAnalysisView *self, const char *id)
{
  g_return_val_if_fail(GB_IS_ANALYSIS_VIEW(self), FALSE);
  for (guint i = 0; i < self->offered->len; i++) {
    if (strcmp(self->analyses[g_array_index(self->offered, guint, i)].id, id) == 0) {
      gtk_drop_down_set_selected(self->dropdown, i);
      return TRUE;
    }
  }
  return FALSE;
}

GbPlotView *
gb_analysis_view_get_figure(GbAnalysisView *self)
{
  g_return_val_if_fail(GB_IS_ANALYSIS_VIEW(self), NULL);
  return self->figure;
}

const char *
gb_analysis_view_get_summary(GbAnalysisView *self)
{
  g_return_val_if_fail(GB_IS_ANALYSIS_VIEW(self), NULL);
  return self->result.summary;
}

gboolean
gb_analysis_view_write_csv(GbAnalysisView *self, const char *path, GError **error)
{
  g_return_val_if_fail(GB_IS_ANALYSIS_VIEW(self), FALSE);
  if (self->result.csv == NULL) {
    g_set_error(error, GB_ERROR, GB_ERR_INVALID, _("This view has no numbers yet: run it first"));
    return FALSE;
  }
  return g_file_set_contents(path, self->result.csv->str, (gssize)self->result.csv->len, error);
}

static void
gb_analysis_view_dispose(GObject *object)
{
  GbAnalysisView *self = GB_ANALYSIS_VIEW(object);
  if (self->worker != NULL)
    gb_worker_cancel(self->worker, self->lane);
  if (self->figure != NULL)
    gb_plot_view_set_draw_func(self->figure, NULL, NULL, NULL);
  result_clear(&self->result);
  g_clear_object(&self->worker);
  g_clear_object(&self->model);
  g_clear_object(&self->data);
  GtkWidget *child;
  while ((child = gtk_widget_get_first_child(GTK_WIDGET(self))) != NULL)
    gtk_widget_unparent(child);
  G_OBJECT_CLASS(gb_analysis_view_parent_class)->dispose(object);
}

static void
gb_analysis_view_finalize(GObject *object)
{
  GbAnalysisView *self = GB_ANALYSIS_VIEW(object);
  g_array_unref(self->offered);
  g_free(self->input);
  G_OBJECT_CLASS(gb_analysis_view_parent_class)->finalize(object);
}

static void
gb_analysis_view_class_init(GbAnalysisViewClass *klass)
{
  G_OBJECT_CLASS(klass)->dispose = gb_analysis_view_dispose;
  G_OBJECT_CLASS(klass)->finalize = gb_analysis_view_finalize;
  gtk_widget_class_set_layout_manager_type(GTK_WIDGET_CLASS(klass), GTK_TYPE_BOX_LAYOUT);
}

static void
gb_analysis_view_init(GbAnalysisView *self)
{
  static guint counter;
  g_snprintf(self->lane, sizeof self->lane, "analysis-%u", ++counter);
  self->offered = g_array_new(FALSE, FALSE, sizeof(guint));
  self->input_index = -1;
  gb_method_config_init(&self->method, GB_METHOD_GRAD_X_INPUT);
  GtkLayoutManager *layout = gtk_widget_get_layout_manager(GTK_WIDGET(self));
  gtk_orientable_set_orientation(GTK_ORIENTABLE(layout), GTK_ORIENTATION_VERTICAL);
  gtk_box_layout_set_spacing(GTK_BOX_LAYOUT(layout), 8);
  g_object_set(self, "margin-start", 18, "margin-end", 18, "margin-top", 12, "margin-bottom", 12,
               NULL);

  GtkWidget *row = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 8);
  self->dropdown = GTK_DROP_DOWN(gtk_drop_down_new(NULL, NULL));
  self->run_button = GTK_BUTTON(gtk_button_new_with_label(_("Run")));
  gtk_widget_add_css_class(GTK_WIDGET(self->run_button), "suggested-action");
  self->progress = GTK_PROGRESS_BAR(gtk_progress_bar_new());
  gtk_widget_set_valign(GTK_WIDGET(self->progress), GTK_ALIGN_CENTER);
  gtk_widget_set_hexpand(GTK_WIDGET(self->progress), TRUE);
  gtk_widget_set_visible(GTK_WIDGET(self->progress), FALSE);
  gtk_box_append(GTK_BOX(row), GTK_WIDGET(self->dropdown));
  gtk_box_append(GTK_BOX(row), GTK_WIDGET(self->run_button));
  gtk_box_append(GTK_BOX(row), GTK_WIDGET(self->progress));
  gtk_widget_set_parent(row, GTK_WIDGET(self));

  self->description = GTK_LABEL(gtk_label_new(""));
  gtk_label_set_wrap(self->description, TRUE);
  gtk_label_set_xalign(self->description, 0);
  gtk_widget_add_css_class(GTK_WIDGET(self->description), "dim-label");
  gtk_widget_set_parent(GTK_WIDGET(self->description), GTK_WIDGET(self));

  self->figure = GB_PLOT_VIEW(gb_plot_view_new());
  gtk_widget_set_parent(GTK_WIDGET(self->figure), GTK_WIDGET(self));

  self->summary = GTK_LABEL(gtk_label_new(""));
  gtk_label_set_wrap(self->summary, TRUE);
  gtk_label_set_xalign(self->summary, 0);
  gtk_label_set_selectable(self->summary, TRUE);
  gtk_widget_set_parent(GTK_WIDGET(self->summary), GTK_WIDGET(self));

  g_signal_connect_swapped(self->dropdown, "notify::selected", G_CALLBACK(selection_changed_cb),
                           self);
  g_signal_connect_swapped(self->run_button, "clicked", G_CALLBACK(gb_analysis_view_run), self);
  show_result(self);
}

GtkWidget *
gb_analysis_view_new(const GbAnalysis *analyses, guint n_analyses)
{
  GbAnalysisView *self = g_object_new(GB_TYPE_ANALYSIS_VIEW, NULL);
  self->analyses = analyses;
  self->n_analyses = n_analyses;
  rebuild_offer(self);
  return GTK_WIDGET(self);
}

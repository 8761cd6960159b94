/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-compare-view.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "gb-explain-util-private.h"
#include "gb-plot-view.h"

#define GRID_COLUMNS 4

static const char *const method_ids[] = {
    "saliency",    "gradient",      "grad-x-input", "integrated-gradients", "smoothgrad",
    "vargrad",     "lrp-0",         "lrp-epsilon",  "lrp-gamma-box",        "lrp-plus",
    "occlusion",   "lime",          "kernel-shap",  "permutation-shap",
};
#define N_METHOD_IDS G_N_ELEMENTS(method_ids)

static const char *const default_ids[] = {
    "saliency",      "grad-x-input", "integrated-gradients", "smoothgrad", "lrp-epsilon",
    "lrp-gamma-box", "occlusion",    "kernel-shap",          NULL,
};

typedef struct {
  char *id;
  GbMethodConfig cfg;
  float *values; /* model input layout, or NULL (failed or not yet) */
  size_t n;
  double seconds;
  char *error;
  GtkWidget *cell; /* GbPlotView */
} CompareResult;

struct _GbCompareView {
  GtkBox parent_instance;
  GtkWidget *checks[N_METHOD_IDS];
  GtkWidget *class_a; /* GtkDropDown: predicted, 0, 1, ... */
  GtkWidget *class_b; /* GtkDropDown: none, 0, 1, ... */
  GtkWidget *run_button;
  GtkWidget *cancel_button;
  GtkWidget *progress;
  GtkWidget *target_label;
  GtkWidget *grid;

  GbWorker *worker;
  GbModelPool *pool;
  float *x;
  GbShape shape;

  GPtrArray *results; /* CompareResult * */
  float *shown_x;     /* the input of the results */
  GbShape shown_shape;
  GbTarget explained;
};

enum { SIGNAL_METHOD_DONE, SIGNAL_FINISHED, SIGNAL_FAILED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE(GbCompareView, gb_compare_view, GTK_TYPE_BOX)

static void
compare_result_free(gpointer data)
{
  CompareResult *r = data;
  g_free(r->id);
  g_free(r->values);
  g_free(r->error);
  g_free(r);
}

/* ---- The job ---- */
typedef struct {
  GbModelPool *pool;
  float *x;
  size_t n_x;
  GbTarget target;
  guint n;
  GbMethodConfig *cfgs;
  char **names; /* translated, for the progress bar */
} CompareJob;

typedef struct {
  guint index;
  float *values;
  size_t n;
  double seconds;
  char *error;
  GbTarget target;
} CompareCell;

typedef struct {
  GbJob *job;
  guint index, n;
  char stage[64];
} StepProgress;

static void
compare_job_free(gpointer data)
{
  CompareJob *j = data;
  gb_model_pool_unref(j->pool);
  g_free(j->x);
  g_free(j->cfgs);
  g_strfreev(j->names);
  g_free(j);
}

static void
compare_cell_free(gpointer data)
{
  CompareCell *c = data;
  g_free(c->values);
  g_free(c->error);
  g_free(c);
}

/* One method's progress as its share of the whole run. */
static bool
step_progress(void *user, double fraction, const char *stage)
{
  StepProgress *p = user;
  (void)stage;
  return gb_job_progress(p->job, (p->index + fraction) / p->n, p->stage);
}

static void show_cell(GObject *owner, gpointer partial);

static gboolean
resolve_target(GbModel *m, CompareJob *j, GError **error)
{
  if (j->target.class_a >= 0)
    return TRUE;
  GbError err = {0};
  const float *out;
  GbStatus st = gb_model_forward(m, j->x, 1, false, &out, &err);
  gb_set_error_from_status(error, st, &err);
  if (st == GB_OK)
    j->target.class_a = gb_model_n_outputs(m) > 1 ? gb_explain_argmax(out, gb_model_n_outputs(m))
                                                  : 0;
  return st == GB_OK;
}

static gboolean
compare_job_run(GbJob *job, gpointer data, GError **error)
{
  CompareJob *j = data;
  GbModel *m = gb_model_pool_take(j->pool, error);
  if (m == NULL)
    return FALSE;
  gboolean ok = resolve_target(m, j, error);
  for (guint i = 0; ok && i < j->n && !gb_job_is_cancelled(job); i++) {
    StepProgress p = {job, i, j->n, ""};
    g_snprintf(p.stage, sizeof p.stage, "%s (%u/%u)", j->names[i], i + 1, j->n);
    gb_job_progress(job, (double)i / j->n, p.stage);
    GbExplanation ex;
    GbError err = {0};
    gint64 t0 = g_get_monotonic_time();
    GbStatus st = gb_explain(m, j->x, j->n_x, &j->target, &j->cfgs[i], &ex, step_progress, &p,
                             &err);
    if (st == GB_ERR_CANCELLED)
      break;
    CompareCell *c = g_new0(CompareCell, 1);
    c->index = i;
    c->target = j->target;
    c->seconds = (double)(g_get_monotonic_time() - t0) / G_USEC_PER_SEC;
    if (st == GB_OK) {
      c->n = ex.map.n;
      c->values = g_memdup2(ex.map.values, sizeof(float) * ex.map.n);
    } else {
      c->error = g_strdup(err.message[0] ? err.message : gb_status_to_string(st));
    }
    gb_explanation_clear(&ex);
    gb_job_publish(job, show_cell, c, compare_cell_free);
  }
  gb_model_pool_give(j->pool, m);
  return ok;
}

/* ---- Showing ---- */

static GbHeatmapFigure *
cell_figure(GbCompareView *self, CompareResult *r)
{
  GbHeatmapFigure *fig = gb_heatmap_figure_new();
  gb_explain_display_size(&self->shown_shape, &fig->rows, &fig->cols);
  fig->map = gb_explain_display_values(r->values, &self->shown_shape);
  fig->image = gb_explain_display_image(self->shown_x, &self->shown_shape);
  g_autofree char *name = gb_explain_method_name(&r->cfg);
  double ms = 1000.0 * r->seconds;
  /* TRANSLATORS: a method and its time, "Occlusion: 120 ms" */
  fig->title = g_strdup_printf(ms < 10 ? _("%s: %.1f ms") : _("%s: %.0f ms"), name, ms);
  fig->colormap = gb_method_is_signed(r->cfg.method) ? GB_COLORMAP_DIVERGING
                                                     : GB_COLORMAP_VIRIDIS;
  return fig;
}

static void
show_cell(GObject *owner, gpointer partial)
{
  GbCompareView *self = GB_COMPARE_VIEW(owner);
  CompareCell *c = partial;
  if (c->index >= self->results->len)
    return;
  CompareResult *r = g_ptr_array_index(self->results, c->index);
  r->values = g_steal_pointer(&c->values);
  r->n = c->n;
  r->seconds = c->seconds;
  r->error = g_steal_pointer(&c->error);
  self->explained = c->target;
  g_autofree char *tt = gb_explain_target_text(&c->target);
  g_autofree char *heading = g_strdup_printf(_("Every method explains %s"), tt);
  gtk_label_set_text(GTK_LABEL(self->target_label), heading);
  GbPlotView *cell = GB_PLOT_VIEW(r->cell);
  if (r->error != NULL) {
    g_autofree char *name = gb_explain_method_name(&r->cfg);
    g_autofree char *text = g_strdup_printf("%s\n%s", name, r->error);
    gb_plot_view_set_placeholder(cell, text);
  } else {
    gb_plot_view_set_placeholder(cell, NULL);
    gb_plot_view_set_draw_func(cell, gb_heatmap_figure_draw, cell_figure(self, r),
                               gb_heatmap_figure_free);
  }
  g_signal_emit(self, signals[SIGNAL_METHOD_DONE], 0, c->index);
}

static void
set_busy(GbCompareView *self, gboolean busy)
{
  gtk_widget_set_visible(self->progress, busy);
  gtk_widget_set_sensitive(self->cancel_button, busy);
}

static void
compare_job_progress_cb(GObject *owner, double fraction, const char *stage, double seconds_left)
{
  GbCompareView *self = GB_COMPARE_VIEW(owner);
  gtk_progress_bar_set_fraction(GTK_PROGRESS_BAR(self->progress), fraction);
  g_autofree char *text = seconds_left >= 0
                              ? g_strdup_printf(_("%s: %.0f s left"), stage, seconds_left)
                              : g_strdup(stage);
  gtk_progress_bar_set_text(GTK_PROGRESS_BAR(self->progress), text);
}

static void
compare_job_done_cb(GObject *owner, gpointer data, const GError *error)
{
  (void)data;
  GbCompareView *self = GB_COMPARE_VIEW(owner);
  set_busy(self, FALSE);
  if (error == NULL) {
    g_signal_emit(self, signals[SIGNAL_FINISHED], 0);
  } else if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    g_signal_emit(self, signals[SIGNAL_FAILED], 0, error->message);
  }
}

/* An empty grid of one cell per selected method, waiting for results. */
static void
reset_grid(GbCompareView *self, char **ids)
{
  GtkWidget *child;
  while ((child = gtk_widget_get_first_child(self->grid)) != NULL)
    gtk_grid_remove(GTK_GRID(self->grid), child);
  g_ptr_array_set_size(self->results, 0);
  for (guint i = 0; ids[i] != NULL; i++) {
    CompareResult *r = g_new0(CompareResult, 1);
    r->id = g_strdup(ids[i]);
    gb_method_config_init_from_id(&r->cfg, ids[i]);
    r->cell = gb_plot_view_new();
    gtk_widget_set_size_request(r->cell, 180, 180);
    g_autofree char *name = gb_explain_method_name(&r->cfg);
    g_autofree char *text = g_strdup_printf(_("%s\nwaiting\u2026"), name);
    gb_plot_view_set_placeholder(GB_PLOT_VIEW(r->cell), text);
    gtk_grid_attach(GTK_GRID(self->grid), r->cell, (int)(i % GRID_COLUMNS),
                    (int)(i / GRID_COLUMNS), 1, 1);
    g_ptr_array_add(self->results, r);
  }
}

void
gb_compare_view_run(GbCompareView *self)
{
  g_return_if_fail(GB_IS_COMPARE_VIEW(self));
  if (self->worker == NULL || self->pool == NULL || self->x == NULL)
    return;
  g_autoptr(GError) error = NULL;
  GbTarget t = gb_compare_view_get_target(self);
  if (!gb_explain_check_input(gb_model_pool_get_handle(self->pool), self->x, &self->shape,
                              &error)) {
    g_signal_emit(self, signals[SIGNAL_FAILED], 0, error->message);
    return;
  }
  if (t.class_b >= 0 && t.class_b == t.class_a) {
    g_signal_emit(self, signals[SIGNAL_FAILED], 0, _("A contrast needs two different classes"));
    return;
  }
  g_auto(GStrv) ids = gb_compare_view_dup_selected(self);
  reset_grid(self, ids);
  g_free(self->shown_x);
  size_t n_x = gb_shape_size(&self->shape);
  self->shown_x = g_memdup2(self->x, sizeof(float) * n_x);
  self->shown_shape = self->shape;
  CompareJob *j = g_new0(CompareJob, 1);
  j->pool = gb_model_pool_ref(self->pool);
  j->x = g_memdup2(self->x, sizeof(float) * n_x);
  j->n_x = n_x;
  j->target = t;
  j->n = self->results->len;
  j->cfgs = g_new0(GbMethodConfig, j->n ? j->n : 1);
  j->names = g_new0(char *, j->n + 1);
  for (guint i = 0; i < j->n; i++) {
    j->cfgs[i] = ((CompareResult *)g_ptr_array_index(self->results, i))->cfg;
    j->names[i] = gb_explain_method_name(&j->cfgs[i]);
  }
  set_busy(self, TRUE);
  gtk_progress_bar_set_fraction(GTK_PROGRESS_BAR(self->progress), 0);
  gb_worker_submit(self->worker, "compare", G_OBJECT(self), compare_job_run, j, compare_job_free,
                   compare_job_progress_cb, compare_job_done_cb);
}

void
gb_compare_view_cancel(GbCompareView *self)
{
  g_return_if_fail(GB_IS_COMPARE_VIEW(self));
  if (self->worker != NULL)
    gb_worker_cancel(self->worker, "compare");
}

/* ---- Controls ---- */

static GtkStringList *
class_list(GbModelHandle *handle, const char *first)
{
  GtkStringList *list = gtk_string_list_new(NULL);
  gtk_string_list_append(list, first);
  int n = handle != NULL ? gb_model_handle_get_n_classes(handle) : 10;
  for (int c = 0; c < n; c++) {
    g_autofree char *name = gb_explain_class_name(handle, c);
    gtk_string_list_append(list, name);
  }
  return list;
}

static void
fill_class_lists(GbCompareView *self, GbModelHandle *handle)
{
  GbTarget t = gb_compare_view_get_target(self);
  g_autoptr(GtkStringList) a = class_list(handle, _("predicted class"));
  g_autoptr(GtkStringList) b = class_list(handle, _("(none)"));
  gtk_drop_down_set_model(GTK_DROP_DOWN(self->class_a), G_LIST_MODEL(a));
  gtk_drop_down_set_model(GTK_DROP_DOWN(self->class_b), G_LIST_MODEL(b));
  gb_compare_view_set_target(self, t);
}

void
gb_compare_view_set_target(GbCompareView *self, GbTarget target)
{
  g_return_if_fail(GB_IS_COMPARE_VIEW(self));
  guint na = g_list_model_get_n_items(gtk_drop_down_get_model(GTK_DROP_DOWN(self->class_a)));
  guint a = (guint)(target.class_a + 1), b = (guint)(target.class_b + 1);
  gtk_drop_down_set_selected(GTK_DROP_DOWN(self->class_a), a < na ? a : 0);
  gtk_drop_down_set_selected(GTK_DROP_DOWN(self->class_b), b < na ? b : 0);
}

GbTarget
gb_compare_view_get_target(GbCompareView *self)
{
  g_return_val_if_fail(GB_IS_COMPARE_VIEW(self), gb_target_class(-1));
  int a = (int)gtk_drop_down_get_selected(GTK_DROP_DOWN(self->class_a)) - 1;
  int b = (int)gtk_drop_down_get_selected(GTK_DROP_DOWN(self->class_b)) - 1;
  GbTarget t = {a < -1 ? -1 : a, b < -1 ? -1 : b};
  return t;
}

void
gb_compare_view_set_selected(GbCompareView *self, const char *const *ids)
{
  g_return_if_fail(GB_IS_COMPARE_VIEW(self));
  for (guint i = 0; i < N_METHOD_IDS; i++)
    gtk_check_button_set_active(GTK_CHECK_BUTTON(self->checks[i]),
                                ids != NULL && g_strv_contains(ids, method_ids[i]));
}

char **
gb_compare_view_dup_selected(GbCompareView *self)
{
  g_return_val_if_fail(GB_IS_COMPARE_VIEW(self), NULL);
  GStrvBuilder *b = g_strv_builder_new();
  for (guint i = 0; i < N_METHOD_IDS; i++)
    if (gtk_check_button_get_active(GTK_CHECK_BUTTON(self->checks[i])))
      g_strv_builder_add(b, method_ids[i]);
  char **out = g_strv_builder_end(b);
  g_strv_builder_unref(b);
  return out;
}

void
gb_compare_view_set_model(GbCompareView *self, GbWorker *worker, GbModelHandle *handle)
{
  g_return_if_fail(GB_IS_COMPARE_VIEW(self));
  gb_compare_view_cancel(self);
  g_set_object(&self->worker, worker);
  if (gb_model_pool_replace(&self->pool, handle)) {
    fill_class_lists(self, handle);
  }
}

void
gb_compare_view_set_input(GbCompareView *self, const float *x, const GbShape *shape)
{
  g_return_if_fail(GB_IS_COMPARE_VIEW(self));
  g_clear_pointer(&self->x, g_free);
  if (x == NULL || shape == NULL)
    return;
  self->shape = *shape;
  self->x = g_memdup2(x, sizeof(float) * gb_shape_size(shape));
}

guint
gb_compare_view_get_n_results(GbCompareView *self)
{
  g_return_val_if_fail(GB_IS_COMPARE_VIEW(self), 0);
  return self->results->len;
}

const float *
gb_compare_view_get_result(GbCompareView *self, guint i, const char **id, size_t *n,
                           double *seconds, const char **error)
{
  g_return_val_if_fail(GB_IS_COMPARE_VIEW(self), NULL);
  g_return_val_if_fail(i < self->results->len, NULL);
  CompareResult *r = g_ptr_array_index(self->results, i);
  if (id != NULL)
    *id = r->id;
  if (n != NULL)
    *n = r->n;
  if (seconds != NULL)
    *seconds = r->seconds;
  if (error != NULL)
    *error = r->error;
  return r->values;
}

GbTarget
gb_compare_view_get_explained_target(GbCompareView *self)
{
  g_return_val_if_fail(GB_IS_COMPARE_VIEW(self), gb_target_class(-1));
  return self->explained;
}

/* ---- GObject ---- */

static void
run_clicked_cb(GtkButton *button, GbCompareView *self)
{
  (void)button;
  gb_compare_view_run(self);
}

static void
cancel_clicked_cb(GtkButton *button, GbCompareView *self)
{
  (void)button;
  gb_compare_view_cancel(self);
}

static GtkWidget *
build_method_checks(GbCompareView *self)
{
  GtkWidget *flow = gtk_flow_box_new();
  gtk_flow_box_set_selection_mode(GTK_FLOW_BOX(flow), GTK_SELECTION_NONE);
  gtk_flow_box_set_max_children_per_line(GTK_FLOW_BOX(flow), 7);
  gtk_flow_box_set_min_children_per_line(GTK_FLOW_BOX(flow), 3);
  for (guint i = 0; i < N_METHOD_IDS; i++) {
    GbMethodConfig cfg;
    gb_method_config_init_from_id(&cfg, method_ids[i]);
    g_autofree char *name = gb_explain_method_name(&cfg);
    self->checks[i] = gtk_check_button_new_with_label(name);
    gtk_flow_box_append(GTK_FLOW_BOX(flow), self->checks[i]);
  }
  return flow;
}

static GtkWidget *
build_target_row(GbCompareView *self)
{
  GtkWidget *row = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 8);
  self->class_a = gtk_drop_down_new(NULL, NULL);
  self->class_b = gtk_drop_down_new(NULL, NULL);
  gtk_box_append(GTK_BOX(row), gtk_label_new(_("Explain")));
  gtk_box_append(GTK_BOX(row), self->class_a);
  /* TRANSLATORS: "Explain [class 3] and not [class 8]": the contrast target */
  gtk_box_append(GTK_BOX(row), gtk_label_new(_("and not")));
  gtk_box_append(GTK_BOX(row), self->class_b);
  self->run_button = gtk_button_new_with_label(_("Compare"));
  gtk_widget_add_css_class(self->run_button, "suggested-action");
  g_signal_connect(self->run_button, "clicked", G_CALLBACK(run_clicked_cb), self);
  self->cancel_button = gtk_button_new_with_label(_("Cancel"));
  g_signal_connect(self->cancel_button, "clicked", G_CALLBACK(cancel_clicked_cb), self);
  self->progress = gtk_progress_bar_new();
  gtk_progress_bar_set_show_text(GTK_PROGRESS_BAR(self->progress), TRUE);
  gtk_widget_set_hexpand(self->progress, TRUE);
  gtk_widget_set_valign(self->progress, GTK_ALIGN_CENTER);
  gtk_box_append(GTK_BOX(row), self->run_button);
  gtk_box_append(GTK_BOX(row), self->cancel_button);
  gtk_box_append(GTK_BOX(row), self->progress);
  return row;
}

static void
gb_compare_view_dispose(GObject *object)
{
  GbCompareView *self = GB_COMPARE_VIEW(object);
  gb_compare_view_cancel(self);
  g_clear_object(&self->worker);
  g_clear_pointer(&self->pool, gb_model_pool_unref);
  G_OBJECT_CLASS(gb_compare_view_parent_class)->dispose(object);
}

static void
gb_compare_view_finalize(GObject *object)
{
  GbCompareView *self = GB_COMPARE_VIEW(object);
  g_ptr_array_unref(self->results);
  g_free(self->x);
  g_free(self->shown_x);
  G_OBJECT_CLASS(gb_compare_view_parent_class)->finalize(object);
}

static void
gb_compare_view_class_init(GbCompareViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS(klass);
  object_class->dispose = gb_compare_view_dispose;
  object_class->finalize = gb_compare_view_finalize;
  signals[SIGNAL_METHOD_DONE] = g_signal_new("method-done", G_TYPE_FROM_CLASS(klass),
                                             G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                             G_TYPE_NONE, 1, G_TYPE_UINT);
  signals[SIGNAL_FINISHED] = g_signal_new("finished", G_TYPE_FROM_CLASS(klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
                                          0);
  signals[SIGNAL_FAILED] = g_signal_new("failed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST,
                                        0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  gtk_widget_class_set_css_name(GTK_WIDGET_CLASS(klass), "compareview");
}

static void
gb_compare_view_init(GbCompareView *self)
{
  gtk_orientable_set_orientation(GTK_ORIENTABLE(self), GTK_ORIENTATION_VERTICAL);
  gtk_box_set_spacing(GTK_BOX(self), 6);
  self->results = g_ptr_array_new_with_free_func(compare_result_free);
  self->explained = gb_target_class(-1);
  gtk_box_append(GTK_BOX(self), build_method_checks(self));
  gtk_box_append(GTK_BOX(self), build_target_row(self));
  self->target_label = gb_explain_heading("");
  gtk_box_append(GTK_BOX(self), self->target_label);
  self->grid = gtk_grid_new();
  gtk_grid_set_row_spacing(GTK_GRID(self->grid), 6);
  gtk_grid_set_column_spacing(GTK_GRID(self->grid), 6);
  gtk_grid_set_row_homogeneous(GTK_GRID(self->grid), TRUE);
  gtk_grid_set_column_homogeneous(GTK_GRID(self->grid), TRUE);
  gtk_widget_set_vexpand(self->grid, TRUE);
  gtk_box_append(GTK_BOX(self), self->grid);
  fill_class_lists(self, NULL);
  gb_compare_view_set_selected(self, default_ids);
  set_busy(self, FALSE);
}

GtkWidget *
gb_compare_view_new(void)
{
  return g_object_new(GB_TYPE_COMPARE_VIEW, NULL);
}

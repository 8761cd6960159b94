/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-shap-view.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "gb-barchart.h"
#include "gb-explain-util-private.h"
#include "gb-plot-view.h"

#define TOP_SEGMENTS 12

struct _GbShapView {
  GtkBox parent_instance;
  GtkWidget *segmentation_dd;
  GtkWidget *class_dd;
  GtkWidget *run_button;
  GtkWidget *progress;
  GtkWidget *map_plot;
  GtkWidget *bars_plot;
  GtkWidget *summary;
  GtkWidget *classes_box; /* one small GbPlotView per class */

  GbWorker *worker;
  GbModelPool *pool;
  float *x;
  GbShape shape;
  int patch;
  int class_choice; /* -1: predicted */

  gboolean have_result;
  GbShapAllClasses res;
  int *ids; /* model input layout */
  size_t n_ids;
  float *shown_x;
  GbShape shown_shape;
  double seconds;
  int shown_class;
  char *summary_text;
};

enum { SIGNAL_FINISHED, SIGNAL_FAILED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE(GbShapView, gb_shap_view, GTK_TYPE_BOX)

/* ---- The job ---- */
typedef struct {
  GbModelPool *pool;
  float *x;
  size_t n_x;
  GbSegmentation segmentation;
  int patch;
  GbShapAllClasses res;
  int *ids;
  double seconds;
} ShapJob;

static void
shap_job_free(gpointer data)
{
  ShapJob *j = data;
  gb_model_pool_unref(j->pool);
  g_free(j->x);
  gb_shap_all_classes_clear(&j->res);
  g_free(j->ids);
  g_free(j);
}

/* As gb_explain: grid patches (EEG: patch samples of each channel), or as many SLIC
 * superpixels as there would be patches. */
static GbStatus
make_segments(const ShapJob *j, const GbShape *shape, GbSegments *seg, GbError *err)
{
  if (j->segmentation == GB_SEGMENTATION_GRID)
    return gb_segments_grid(seg, shape, j->patch, shape->ndim == 2 ? 1 : j->patch, err);
  if (shape->ndim != 3)
    return gb_error_set(err, GB_ERR_INVALID,
                        "SLIC superpixels need an image input; use grid segments");
  int h = shape->dim[1], w = shape->dim[2];
  int k = ((h + j->patch - 1) / j->patch) * ((w + j->patch - 1) / j->patch);
  return gb_segments_slic(seg, shape, j->x, k, GB_SLIC_DEFAULT_COMPACTNESS, 0, err);
}

static gboolean
shap_job_run(GbJob *job, gpointer data, GError **error)
{
  ShapJob *j = data;
  GbModel *m = gb_model_pool_take(j->pool, error);
  if (m == NULL)
    return FALSE;
  GbError err = {0};
  GbSegments seg = {0};
  gint64 t0 = g_get_monotonic_time();
  GbStatus st = make_segments(j, gb_model_input_shape(m), &seg, &err);
  if (st == GB_OK) {
    GbShapConfig cfg;
    gb_shap_config_init(&cfg);
    st = gb_attribution_kernel_shap_all(m, j->x, j->n_x, &seg, &cfg, &j->res, gb_job_progress,
                                        job, &err);
  }
  if (st == GB_OK)
    j->ids = g_memdup2(seg.ids, sizeof(int) * j->n_x);
  j->seconds = (double)(g_get_monotonic_time() - t0) / G_USEC_PER_SEC;
  gb_segments_clear(&seg);
  gb_model_pool_give(j->pool, m);
  gb_set_error_from_status(error, st, &err);
  return st == GB_OK;
}

/* ---- Figures ---- */

/* Class @c's value of each feature's segment, in display layout. */
static float *
class_map(GbShapView *self, int c)
{
  int M = self->res.n_segments;
  g_autofree float *flat = g_new(float, self->n_ids);
  for (size_t i = 0; i < self->n_ids; i++)
    flat[i] = (float)self->res.values[(size_t)c * M + self->ids[i]];
  return gb_explain_display_values(flat, &self->shown_shape);
}

/* Segments by decreasing |value| of class @c; the caller frees. */
static int *
ranked_segments(GbShapView *self, int c)
{
  int M = self->res.n_segments;
  const double *v = self->res.values + (size_t)c * M;
  int *order = g_new(int, M);
  for (int i = 0; i < M; i++)
    order[i] = i;
  /* M is small (tens): insertion sort keeps ties in segment order. */
  for (int i = 1; i < M; i++) {
    int k = order[i], p = i;
    while (p > 0 && fabs(v[order[p - 1]]) < fabs(v[k])) {
      order[p] = order[p - 1];
      p--;
    }
    order[p] = k;
  }
  return order;
}

typedef struct {
  float values[TOP_SEGMENTS + 1];
  char *labels[TOP_SEGMENTS + 2];
  int n;
  double base;
  char *title;
} BarsFigure;

static void
bars_figure_free(gpointer data)
{
  BarsFigure *f = data;
  for (int i = 0; i < f->n; i++)
    g_free(f->labels[i]);
  g_free(f->title);
  g_free(f);
}

static GbStatus
bars_figure_draw(void *user, cairo_t *cr, GbPlotRect area, GbError *err)
{
  BarsFigure *f = user;
  gb_explain_paint_paper(cr, area);
  GbBarChart c = {
      .kind = GB_BARCHART_SIGNED,
      .orientation = GB_BARCHART_HORIZONTAL,
      .values = f->values,
      .n = f->n,
      .labels = (const char *const *)f->labels,
      .highlight = -1,
      .title = f->title,
      .axis_label = _("SHAP value (logit)"),
      .show_values = TRUE,
      .show_base_value = TRUE,
      .base_value = f->base,
      .show_sum = TRUE,
  };
  return gb_barchart_draw(cr, &c, area, err);
}

/* The largest segments, and the others summed into one bar so the bars still add up to f(x)
 * minus the base value. */
static BarsFigure *
bars_figure(GbShapView *self, int c)
{
  int M = self->res.n_segments;
  const double *v = self->res.values + (size_t)c * M;
  g_autofree int *order = ranked_segments(self, c);
  BarsFigure *f = g_new0(BarsFigure, 1);
  int top = MIN(TOP_SEGMENTS, M);
  for (int i = 0; i < top; i++) {
    f->values[i] = (float)v[order[i]];
    f->labels[i] = g_strdup_printf(_("segment %d"), order[i]);
  }
  f->n = top;
  if (M > top) {
    double rest = 0;
    for (int i = top; i < M; i++)
      rest += v[order[i]];
    f->values[top] = (float)rest;
    f->labels[top] = g_strdup_printf(_("%d others"), M - top);
    f->n = top + 1;
  }
  f->base = self->res.base_values[c];
  g_autofree char *cls = gb_explain_class_name(gb_model_pool_get_handle(self->pool), c);
  f->title = g_strdup_printf(_("Largest segments, class %s"), cls);
  return f;
}

static GbHeatmapFigure *
map_figure(GbShapView *self, int c)
{
  GbHeatmapFigure *fig = gb_heatmap_figure_new();
  gb_explain_display_size(&self->shown_shape, &fig->rows, &fig->cols);
  fig->map = class_map(self, c);
  fig->image = gb_explain_display_image(self->shown_x, &self->shown_shape);
  fig->segment_ids = gb_explain_display_ids(self->ids, &self->shown_shape);
  g_autofree int *order = ranked_segments(self, c);
  fig->n_labels = MIN(TOP_SEGMENTS, self->res.n_segments);
  fig->label_ids = g_memdup2(order, sizeof(int) * (size_t)fig->n_labels);
  g_autofree char *cls = gb_explain_class_name(gb_model_pool_get_handle(self->pool), c);
  fig->title = g_strdup_printf(_("Shapley value of each segment, class %s"), cls);
  fig->colorbar_label = g_strdup(_("SHAP value"));
  fig->opacity = 0.7;
  return fig;
}

static void
show_classes(GbShapView *self)
{
  GtkWidget *child;
  while ((child = gtk_widget_get_first_child(self->classes_box)) != NULL)
    gtk_box_remove(GTK_BOX(self->classes_box), child);
  int C = self->res.n_classes, M = self->res.n_segments;
  double top = 0;
  for (int i = 0; i < C * M; i++)
    top = fmax(top, fabs(self->res.values[i]));
  for (int c = 0; c < C; c++) {
    GbHeatmapFigure *fig = gb_heatmap_figure_new();
    gb_explain_display_size(&self->shown_shape, &fig->rows, &fig->cols);
    fig->map = class_map(self, c);
    fig->image = gb_explain_display_image(self->shown_x, &self->shown_shape);
    fig->show_colorbar = FALSE;
    fig->scale_max = top; /* one scale: classes compare by colour */
    /* A label, not the figure's title: the theme's font stays readable at this size. */
    g_autofree char *cls = gb_explain_class_name(gb_model_pool_get_handle(self->pool), c);
    /* Two lines, so the ten classes fit side by side in a 1280-pixel window. */
    g_autofree char *title = g_strdup_printf(_("%s\nf = %.2f"), cls, self->res.f_x[c]);
    GtkWidget *cell = gtk_box_new(GTK_ORIENTATION_VERTICAL, 2);
    GtkWidget *label = gtk_label_new(title);
    gtk_label_set_justify(GTK_LABEL(label), GTK_JUSTIFY_CENTER);
    gb_explain_label_enlarge(label);
    if (c == self->shown_class)
      gtk_widget_add_css_class(label, "heading");
    GtkWidget *plot = gb_plot_view_new();
    gtk_widget_set_size_request(plot, 90, 110);
    gtk_widget_set_vexpand(plot, FALSE);
    gb_plot_view_set_draw_func(GB_PLOT_VIEW(plot), gb_heatmap_figure_draw, fig,
                               gb_heatmap_figure_free);
    gtk_box_append(GTK_BOX(cell), label);
    gtk_box_append(GTK_BOX(cell), plot);
    gtk_box_append(GTK_BOX(self->classes_box), cell);
  }
}

static void
show_class(GbShapView *self)
{
  if (!self->have_result)
    return;
  int C = self->res.n_classes;
  int c = self->class_choice;
  if (c < 0 || c >= C)
    c = C > 1 ? gb_explain_argmax_double(self->res.f_x, C) : 0;
  self->shown_class = c;
  int M = self->res.n_segments;
  double sum = 0;
  for (int i = 0; i < M; i++)
    sum += self->res.values[(size_t)c * M + i];
  double base = self->res.base_values[c], fx = self->res.f_x[c];
  g_free(self->summary_text);
  self->summary_text = g_strdup_printf(
      _("Efficiency: base value %.4f + sum of the %d Shapley values %.4f = %.4f; "
        "f(x) = %.4f (gap %.1e).\n%ld coalitions%s, %.0f ms."),
      base, M, sum, base + sum, fx, fabs(base + sum - fx), self->res.n_coalitions,
      self->res.exact ? _(" (all of them: exact values)") : _(" sampled"),
      1000.0 * self->seconds);
  gtk_label_set_text(GTK_LABEL(self->summary), self->summary_text);
  gb_plot_view_set_placeholder(GB_PLOT_VIEW(self->map_plot), NULL);
  gb_plot_view_set_draw_func(GB_PLOT_VIEW(self->map_plot), gb_heatmap_figure_draw,
                             map_figure(self, c), gb_heatmap_figure_free);
  gb_plot_view_set_placeholder(GB_PLOT_VIEW(self->bars_plot), NULL);
  gb_plot_view_set_draw_func(GB_PLOT_VIEW(self->bars_plot), bars_figure_draw,
                             bars_figure(self, c), bars_figure_free);
  show_classes(self);
}

/* ---- Job callbacks ---- */

static void
shap_job_progress_cb(GObject *owner, double fraction, const char *stage, double seconds_left)
{
  GbShapView *self = GB_SHAP_VIEW(owner);
  gtk_progress_bar_set_fraction(GTK_PROGRESS_BAR(self->progress), fraction);
  g_autofree char *text = seconds_left >= 0
                              ? g_strdup_printf(_("%s: %.0f s left"), stage, seconds_left)
                              : g_strdup(stage);
  gtk_progress_bar_set_text(GTK_PROGRESS_BAR(self->progress), text);
}

static void
shap_job_done_cb(GObject *owner, gpointer data, const GError *error)
{
  GbShapView *self = GB_SHAP_VIEW(owner);
  ShapJob *j = data;
  gtk_widget_set_visible(self->progress, FALSE);
  if (error != NULL) {
    if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
      g_autofree char *text = g_strdup_printf(_("SHAP failed: %s"), error->message);
      gtk_label_set_text(GTK_LABEL(self->summary), text);
      g_signal_emit(self, signals[SIGNAL_FAILED], 0, error->message);
    }
    return;
  }
  gb_shap_all_classes_clear(&self->res);
  self->res = j->res;
  memset(&j->res, 0, sizeof j->res);
  g_free(self->ids);
  self->ids = g_steal_pointer(&j->ids);
  self->n_ids = j->n_x;
  g_free(self->shown_x);
  self->shown_x = g_steal_pointer(&j->x);
  self->seconds = j->seconds;
  self->have_result = TRUE;
  show_class(self);
  g_signal_emit(self, signals[SIGNAL_FINISHED], 0);
}

void
gb_shap_view_run(GbShapView *self)
{
  g_return_if_fail(GB_IS_SHAP_VIEW(self));
  if (self->worker == NULL || self->pool == NULL || self->x == NULL)
    return;
  g_autoptr(GError) error = NULL;
  if (!gb_explain_check_input(gb_model_pool_get_handle(self->pool), self->x, &self->shape,
                              &error)) {
    gtk_label_set_text(GTK_LABEL(self->summary), error->message);
    g_signal_emit(self, signals[SIGNAL_FAILED], 0, error->message);
    return;
  }
  ShapJob *j = g_new0(ShapJob, 1);
  j->pool = gb_model_pool_ref(self->pool);
  j->n_x = gb_shape_size(&self->shape);
  j->x = g_memdup2(self->x, sizeof(float) * j->n_x);
  j->segmentation = gtk_drop_down_get_selected(GTK_DROP_DOWN(self->segmentation_dd)) == 1
                        ? GB_SEGMENTATION_SLIC
                        : GB_SEGMENTATION_GRID;
  j->patch = self->patch;
  self->shown_shape = self->shape;
  gtk_widget_set_visible(self->progress, TRUE);
  gtk_progress_bar_set_fraction(GTK_PROGRESS_BAR(self->progress), 0);
  gb_worker_submit(self->worker, "shap", G_OBJECT(self), shap_job_run, j, shap_job_free,
                   shap_job_progress_cb, shap_job_done_cb);
}

void
gb_shap_view_cancel(GbShapView *self)
{
  g_return_if_fail(GB_IS_SHAP_VIEW(self));
  if (self->worker != NULL)
    gb_worker_cancel(self->worker, "shap");
}

/* ---- Setters and getters ---- */

static void
fill_class_list(GbShapView *self, GbModelHandle *handle)
{
  g_autoptr(GtkStringList) list = gtk_string_list_new(NULL);
  gtk_string_list_append(list, _("predicted class"));
  int n = handle != NULL ? gb_model_handle_get_n_classes(handle) : 10;
  for (int c = 0; c < n; c++) {
    g_autofree char *name = gb_explain_class_name(handle, c);
    gtk_string_list_append(list, name);
  }
  gtk_drop_down_set_model(GTK_DROP_DOWN(self->class_dd), G_LIST_MODEL(list));
  gtk_drop_down_set_selected(GTK_DROP_DOWN(self->class_dd), 0);
}

void
gb_shap_view_set_model(GbShapView *self, GbWorker *worker, GbModelHandle *handle)
{
  g_return_if_fail(GB_IS_SHAP_VIEW(self));
  gb_shap_view_cancel(self);
  g_set_object(&self->worker, worker);
  if (gb_model_pool_replace(&self->pool, handle)) {
    fill_class_list(self, handle);
  }
}

void
gb_shap_view_set_input(GbShapView *self, const float *x, const GbShape *shape)
{
  g_return_if_fail(GB_IS_SHAP_VIEW(self));
  g_clear_pointer(&self->x, g_free);
  if (x == NULL || shape == NULL)
    return;
  self->shape = *shape;
  self->x = g_memdup2(x, sizeof(float) * gb_shape_size(shape));
}

void
gb_shap_view_set_segmentation(GbShapView *self, GbSegmentation segmentation)
{
  g_return_if_fail(GB_IS_SHAP_VIEW(self));
  gtk_drop_down_set_selected(GTK_DROP_DOWN(self->segmentation_dd),
                             segmentation == GB_SEGMENTATION_SLIC ? 1 : 0);
}

void
gb_shap_view_set_patch(GbShapView *self, int patch)
{
  g_return_if_fail(GB_IS_SHAP_VIEW(self));
  self->patch = MAX(patch, 1);
}

void
gb_shap_view_set_class(GbShapView *self, int c)
{
  g_return_if_fail(GB_IS_SHAP_VIEW(self));
  guint n = g_list_model_get_n_items(gtk_drop_down_get_model(GTK_DROP_DOWN(self->class_dd)));
  guint pos = c < 0 || (guint)(c + 1) >= n ? 0 : (guint)(c + 1);
  if (gtk_drop_down_get_selected(GTK_DROP_DOWN(self->class_dd)) != pos)
    gtk_drop_down_set_selected(GTK_DROP_DOWN(self->class_dd), pos); /* notify shows it */
  else
    show_class(self);
}

int
gb_shap_view_get_n_classes(GbShapView *self)
{
  g_return_val_if_fail(GB_IS_SHAP_VIEW(self), 0);
  return self->have_result ? self->res.n_classes : 0;
}

const double *
gb_shap_view_get_values(GbShapView *self, int c, int *n_segments)
{
  g_return_val_if_fail(GB_IS_SHAP_VIEW(self), NULL);
  if (!self->have_result || c < 0 || c >= self->res.n_classes) {
    if (n_segments != NULL)
      *n_segments = 0;
    return NULL;
  }
  if (n_segments != NULL)
    *n_segments = self->res.n_segments;
  return self->res.values + (size_t)c * self->res.n_segments;
}

double
gb_shap_view_get_base_value(GbShapView *self, int c)
{
  g_return_val_if_fail(GB_IS_SHAP_VIEW(self), NAN);
  return self->have_result && c >= 0 && c < self->res.n_classes ? self->res.base_values[c] : NAN;
}

double
gb_shap_view_get_f_x(GbShapView *self, int c)
{
  g_return_val_if_fail(GB_IS_SHAP_VIEW(self), NAN);
  return self->have_result && c >= 0 && c < self->res.n_classes ? self->res.f_x[c] : NAN;
}

int
gb_shap_view_get_shown_class(GbShapView *self)
{
  g_return_val_if_fail(GB_IS_SHAP_VIEW(self), -1);
  return self->have_result ? self->shown_class : -1;
}

const int *
gb_shap_view_get_segment_ids(GbShapView *self, size_t *n)
{
  g_return_val_if_fail(GB_IS_SHAP_VIEW(self), NULL);
  if (n != NULL)
    *n = self->have_result ? self->n_ids : 0;
  return self->have_result ? self->ids : NULL;
}

const char *
gb_shap_view_get_summary(GbShapView *self)
{
  g_return_val_if_fail(GB_IS_SHAP_VIEW(self), NULL);
  return self->summary_text;
}

/* ---- GObject ---- */

static void
class_selected_cb(GObject *dd, GParamSpec *pspec, GbShapView *self)
{
  (void)pspec;
  self->class_choice = (int)gtk_drop_down_get_selected(GTK_DROP_DOWN(dd)) - 1;
  show_class(self);
}

static void
run_clicked_cb(GtkButton *button, GbShapView *self)
{
  (void)button;
  gb_shap_view_run(self);
}

static GtkWidget *
build_controls(GbShapView *self)
{
  GtkWidget *row = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 8);
  const char *segs[] = {_("Grid patches"), _("SLIC superpixels"), NULL};
  self->segmentation_dd = gtk_drop_down_new_from_strings(segs);
  self->class_dd = gtk_drop_down_new(NULL, NULL);
  g_signal_connect(self->class_dd, "notify::selected", G_CALLBACK(class_selected_cb), self);
  self->run_button = gtk_button_new_with_label(_("Compute SHAP"));
  gtk_widget_add_css_class(self->run_button, "suggested-action");
  g_signal_connect(self->run_button, "clicked", G_CALLBACK(run_clicked_cb), self);
  self->progress = gtk_progress_bar_new();
  gtk_progress_bar_set_show_text(GTK_PROGRESS_BAR(self->progress), TRUE);
  gtk_widget_set_hexpand(self->progress, TRUE);
  gtk_widget_set_valign(self->progress, GTK_ALIGN_CENTER);
  gtk_widget_set_visible(self->progress, FALSE);
  gtk_box_append(GTK_BOX(row), gtk_label_new(_("Segments")));
  gtk_box_append(GTK_BOX(row), self->segmentation_dd);
  gtk_box_append(GTK_BOX(row), gtk_label_new(_("Class")));
  gtk_box_append(GTK_BOX(row), self->class_dd);
  gtk_box_append(GTK_BOX(row), self->run_button);
  gtk_box_append(GTK_BOX(row), self->progress);
  return row;
}

static void
gb_shap_view_dispose(GObject *object)
{
  GbShapView *self = GB_SHAP_VIEW(object);
  gb_shap_view_cancel(self);
  g_clear_object(&self->worker);
  g_clear_pointer(&self->pool, gb_model_pool_unref);
  G_OBJECT_CLASS(gb_shap_view_parent_class)->dispose(object);
}

static void
gb_shap_view_finalize(GObject *object)
{
  GbShapView *self = GB_SHAP_VIEW(object);
  gb_shap_all_classes_clear(&self->res);
  g_free(self->ids);
  g_free(self->x);
  g_free(self->shown_x);
  g_free(self->summary_text);
  G_OBJECT_CLASS(gb_shap_view_parent_class)->finalize(object);
}

static void
gb_shap_view_class_init(GbShapViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS(klass);
  object_class->dispose = gb_shap_view_dispose;
  object_class->finalize = gb_shap_view_finalize;
  signals[SIGNAL_FINISHED] = g_signal_new("finished", G_TYPE_FROM_CLASS(klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
                                          0);
  signals[SIGNAL_FAILED] = g_signal_new("failed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST,
                                        0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  gtk_widget_class_set_css_name(GTK_WIDGET_CLASS(klass), "shapview");
}

static void
gb_shap_view_init(GbShapView *self)
{
  gtk_orientable_set_orientation(GTK_ORIENTABLE(self), GTK_ORIENTATION_VERTICAL);
  gtk_box_set_spacing(GTK_BOX(self), 6);
  self->patch = 4;
  self->class_choice = -1;
  self->shown_class = -1;
  gtk_box_append(GTK_BOX(self), build_controls(self));
  GtkWidget *row = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_box_set_homogeneous(GTK_BOX(row), TRUE);
  gtk_widget_set_vexpand(row, TRUE);
  self->map_plot = gb_plot_view_new();
  self->bars_plot = gb_plot_view_new();
  gtk_widget_set_size_request(self->map_plot, 260, 260);
  gtk_widget_set_size_request(self->bars_plot, 260, 260);
  gb_plot_view_set_placeholder(GB_PLOT_VIEW(self->map_plot), _("No SHAP values yet"));
  gb_plot_view_set_placeholder(GB_PLOT_VIEW(self->bars_plot), "");
  gtk_box_append(GTK_BOX(row), self->map_plot);
  gtk_box_append(GTK_BOX(row), self->bars_plot);
  gtk_box_append(GTK_BOX(self), row);
  self->summary = gtk_label_new(NULL);
  gtk_label_set_xalign(GTK_LABEL(self->summary), 0);
  gtk_label_set_wrap(GTK_LABEL(self->summary), TRUE);
  gb_explain_label_enlarge(self->summary);
  gtk_box_append(GTK_BOX(self), self->summary);
  gtk_box_append(GTK_BOX(self), gb_explain_heading(_("Every class, on one colour scale")));
  self->classes_box = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 4);
  gtk_box_set_homogeneous(GTK_BOX(self->classes_box), TRUE);
  gtk_box_append(GTK_BOX(self), self->classes_box);
  fill_class_list(self, NULL);
}

GtkWidget *
gb_shap_view_new(void)
{
  return g_object_new(GB_TYPE_SHAP_VIEW, NULL);
}

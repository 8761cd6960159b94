/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-probability-view.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "gb-barchart.h"
#include "gb-explain-util-private.h"

struct _GbProbabilityView {
  GtkBox parent_instance;
  GtkWidget *plot;
  GbWorker *worker;
  GbModelPool *pool;
  float *probs;
  int n;
  int predicted;
};

enum { SIGNAL_UPDATED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE(GbProbabilityView, gb_probability_view, GTK_TYPE_BOX)

int
gb_probabilities_from_logits(const float *logits, int n, float *out)
{
  if (n == 1) {
    double p = 1.0 / (1.0 + exp(-(double)logits[0]));
    out[0] = (float)(1.0 - p);
    out[1] = (float)p;
    return 2;
  }
  double top = logits[gb_explain_argmax(logits, n)], sum = 0;
  for (int i = 0; i < n; i++)
    sum += exp((double)logits[i] - top);
  for (int i = 0; i < n; i++)
    out[i] = (float)(exp((double)logits[i] - top) / sum);
  return n;
}

/* ---- The figure ---- */
typedef struct {
  float *values;
  int n;
  char **labels;
  int highlight;
  char *title;
  char *axis;
} BarsFigure;

static void
bars_figure_free(gpointer data)
{
  BarsFigure *f = data;
  g_free(f->values);
  g_strfreev(f->labels);
  g_free(f->title);
  g_free(f->axis);
  g_free(f);
}

static GbStatus
bars_figure_draw(void *user, cairo_t *cr, GbPlotRect area, GbError *err)
{
  BarsFigure *f = user;
  gb_explain_paint_paper(cr, area);
  GbBarChart c = {
      .kind = GB_BARCHART_PROBABILITY,
      .orientation = GB_BARCHART_HORIZONTAL, /* one row per class: values stay legible */
      .values = f->values,
      .n = f->n,
      .labels = (const char *const *)f->labels,
      .highlight = f->highlight,
      .title = f->title,
      .axis_label = f->axis,
      .show_values = TRUE,
  };
  return gb_barchart_draw(cr, &c, area, err);
}

static void
show(GbProbabilityView *self)
{
  BarsFigure *f = g_new0(BarsFigure, 1);
  f->values = g_memdup2(self->probs, sizeof(float) * (size_t)self->n);
  f->n = self->n;
  f->labels = g_new0(char *, (size_t)self->n + 1);
  GbModelHandle *handle = self->pool ? gb_model_pool_get_handle(self->pool) : NULL;
  for (int i = 0; i < self->n; i++)
    f->labels[i] = gb_explain_class_name(handle, i);
  f->highlight = self->predicted;
  f->title = g_strdup(_("Class probabilities"));
  f->axis = g_strdup(_("probability"));
  gb_plot_view_set_placeholder(GB_PLOT_VIEW(self->plot), NULL);
  gb_plot_view_set_draw_func(GB_PLOT_VIEW(self->plot), bars_figure_draw, f, bars_figure_free);
  g_signal_emit(self, signals[SIGNAL_UPDATED], 0);
}

void
gb_probability_view_set_logits(GbProbabilityView *self, const float *logits, int n,
                               gboolean softmax_layer)
{
  g_return_if_fail(GB_IS_PROBABILITY_VIEW(self));
  g_return_if_fail(logits != NULL && n > 0);
  g_free(self->probs);
  self->probs = g_new(float, n == 1 ? 2 : n);
  if (softmax_layer && n > 1) {
    memcpy(self->probs, logits, sizeof(float) * (size_t)n);
    self->n = n;
  } else {
    self->n = gb_probabilities_from_logits(logits, n, self->probs);
  }
  self->predicted = gb_explain_argmax(self->probs, self->n);
  show(self);
}

/* ---- The job: one forward ---- */
typedef struct {
  GbModelPool *pool;
  float *x;
  float *logits;
  int n;
  gboolean softmax_layer;
} PredictJob;

static void
predict_job_free(gpointer data)
{
  PredictJob *j = data;
  gb_model_pool_unref(j->pool);
  g_free(j->x);
  g_free(j->logits);
  g_free(j);
}

static gboolean
predict_job_run(GbJob *job, gpointer data, GError **error)
{
  (void)job;
  PredictJob *j = data;
  GbModel *m = gb_model_pool_take(j->pool, error);
  if (m == NULL)
    return FALSE;
  GbError err = {0};
  const float *out;
  GbStatus st = gb_model_forward(m, j->x, 1, false, &out, &err);
  if (st == GB_OK) {
    j->n = gb_model_n_outputs(m);
    j->logits = g_memdup2(out, sizeof(float) * (size_t)j->n);
    const GbArch *arch = gb_model_get_arch(m);
    j->softmax_layer = arch->n_layers > 0 &&
                       arch->layers[arch->n_layers - 1].kind == GB_LAYER_SOFTMAX;
  }
  gb_model_pool_give(j->pool, m);
  gb_set_error_from_status(error, st, &err);
  return st == GB_OK;
}

static void
predict_job_done_cb(GObject *owner, gpointer data, const GError *error)
{
  GbProbabilityView *self = GB_PROBABILITY_VIEW(owner);
  PredictJob *j = data;
  if (error != NULL) {
    if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      gb_plot_view_set_placeholder(GB_PLOT_VIEW(self->plot), error->message);
    return;
  }
  gb_probability_view_set_logits(self, j->logits, j->n, j->softmax_layer);
}

void
gb_probability_view_set_input(GbProbabilityView *self, const float *x, const GbShape *shape)
{
  g_return_if_fail(GB_IS_PROBABILITY_VIEW(self));
  if (self->worker == NULL || self->pool == NULL || x == NULL)
    return;
  g_autoptr(GError) error = NULL;
  if (!gb_explain_check_input(gb_model_pool_get_handle(self->pool), x, shape, &error)) {
    gb_plot_view_set_placeholder(GB_PLOT_VIEW(self->plot), error->message);
    return;
  }
  PredictJob *j = g_new0(PredictJob, 1);
  j->pool = gb_model_pool_ref(self->pool);
  j->x = g_memdup2(x, sizeof(float) * gb_shape_size(shape));
  gb_worker_submit(self->worker, "predict", G_OBJECT(self), predict_job_run, j,
                   predict_job_free, NULL, predict_job_done_cb);
}

void
gb_probability_view_set_model(GbProbabilityView *self, GbWorker *worker, GbModelHandle *handle)
{
  g_return_if_fail(GB_IS_PROBABILITY_VIEW(self));
  g_set_object(&self->worker, worker);
  gb_model_pool_replace(&self->pool, handle);
}

const float *
gb_probability_view_get_probabilities(GbProbabilityView *self, int *n)
{
  g_return_val_if_fail(GB_IS_PROBABILITY_VIEW(self), NULL);
  if (n != NULL)
    *n = self->n;
  return self->probs;
}

int
gb_probability_view_get_predicted(GbProbabilityView *self)
{
  g_return_val_if_fail(GB_IS_PROBABILITY_VIEW(self), -1);
  return self->probs != NULL ? self->predicted : -1;
}

GbPlotView *
gb_probability_view_get_plot_view(GbProbabilityView *self)
{
  g_return_val_if_fail(GB_IS_PROBABILITY_VIEW(self), NULL);
  return GB_PLOT_VIEW(self->plot);
}

static void
gb_probability_view_dispose(GObject *object)
{
  GbProbabilityView *self = GB_PROBABILITY_VIEW(object);
  g_clear_object(&self->worker);
  g_clear_pointer(&self->pool, gb_model_pool_unref);
  G_OBJECT_CLASS(gb_probability_view_parent_class)->dispose(object);
}

static void
gb_probability_view_finalize(GObject *object)
{
  g_free(GB_PROBABILITY_VIEW(object)->probs);
  G_OBJECT_CLASS(gb_probability_view_parent_class)->finalize(object);
}

static void
gb_probability_view_class_init(GbProbabilityViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS(klass);
  object_class->dispose = gb_probability_view_dispose;
  object_class->finalize = gb_probability_view_finalize;
  signals[SIGNAL_UPDATED] = g_signal_new("updated", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  gtk_widget_class_set_css_name(GTK_WIDGET_CLASS(klass), "probabilityview");
}

static void
gb_probability_view_init(GbProbabilityView *self)
{
  self->predicted = -1;
  self->plot = gb_plot_view_new();
  gtk_widget_set_size_request(self->plot, 200, 160);
  gb_plot_view_set_placeholder(GB_PLOT_VIEW(self->plot), _("No prediction yet"));
  gtk_box_append(GTK_BOX(self), self->plot);
}

GtkWidget *
gb_probability_view_new(void)
{
  return g_object_new(GB_TYPE_PROBABILITY_VIEW, NULL);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-explanation-view.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "gb-explain-util-private.h"

struct _GbExplanationView {
  GtkBox parent_instance;
  GtkWidget *plot;        /* GbPlotView */
  GtkWidget *busy_box;    /* progress bar and cancel button */
  GtkWidget *progress;
  GtkWidget *diagnostics; /* GtkLabel */

  GbWorker *worker;
  GbModelPool *pool;
  char *lane;
  float *x;
  GbShape shape;
  GbMethodConfig cfg;
  float *baseline; /* owned copy of cfg.baseline_data */
  GbTarget target;
  int colormap;
  double opacity;

  /* The result shown, and what it was computed for. */
  gboolean have_result;
  GbExplanation ex;
  GbMethodConfig ex_cfg;
  GbTarget ex_target;
  float *ex_x;
  GbShape ex_shape;
  float *logits;
  int n_logits;
  double seconds;
  char *diag_text;
};

enum { SIGNAL_EXPLAINED, SIGNAL_FAILED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE(GbExplanationView, gb_explanation_view, GTK_TYPE_BOX)

/* ---- The job: everything copied, nothing shared but the model pool ---- */
typedef struct {
  GbModelPool *pool;
  float *x;
  size_t n_x;
  GbShape shape;
  GbMethodConfig cfg;
  float *baseline;
  GbTarget target;
  /* results */
  GbExplanation ex;
  float *logits;
  int n_logits;
  double seconds;
} ExplainJob;

static void
explain_job_free(gpointer data)
{
  ExplainJob *j = data;
  gb_model_pool_unref(j->pool);
  g_free(j->x);
  g_free(j->baseline);
  gb_explanation_clear(&j->ex);
  g_free(j->logits);
  g_free(j);
}

/* The predicted class of @logits: a one-output model has only class 0. */
static int
predicted_class(const float *logits, int n)
{
  return n <= 1 ? 0 : gb_explain_argmax(logits, n);
}

static gboolean
explain_job_run(GbJob *job, gpointer data, GError **error)
{
  ExplainJob *j = data;
  GbModel *m = gb_model_pool_take(j->pool, error);
  if (m == NULL)
    return FALSE;
  GbError err = {0};
  const float *out = NULL;
  GbStatus st = gb_model_forward(m, j->x, 1, false, &out, &err);
  if (st == GB_OK) {
    j->n_logits = gb_model_n_outputs(m);
    j->logits = g_memdup2(out, sizeof(float) * (size_t)j->n_logits);
    if (j->target.class_a < 0)
      j->target.class_a = predicted_class(j->logits, j->n_logits);
    j->cfg.baseline_data = j->baseline;
    gint64 t0 = g_get_monotonic_time();
    st = gb_explain(m, j->x, j->n_x, &j->target, &j->cfg, &j->ex, gb_job_progress, job, &err);
    j->seconds = (double)(g_get_monotonic_time() - t0) / G_USEC_PER_SEC;
  }
  gb_model_pool_give(j->pool, m);
  gb_set_error_from_status(error, st, &err);
  return st == GB_OK;
}

/* ---- Showing ---- */

static int
effective_colormap(GbExplanationView *self)
{
  if (self->colormap != GB_EXPLANATION_COLORMAP_AUTO)
    return self->colormap;
  return gb_method_is_signed(self->ex_cfg.method) ? GB_COLORMAP_DIVERGING : GB_COLORMAP_VIRIDIS;
}

static void
update_figure(GbExplanationView *self)
{
  GbPlotView *plot = GB_PLOT_VIEW(self->plot);
  if (!self->have_result) {
    gb_plot_view_set_draw_func(plot, NULL, NULL, NULL);
    return;
  }
  GbHeatmapFigure *fig = gb_heatmap_figure_new();
  gb_explain_display_size(&self->ex_shape, &fig->rows, &fig->cols);
  fig->map = gb_explain_display_values(self->ex.map.values, &self->ex_shape);
  fig->image = gb_explain_display_image(self->ex_x, &self->ex_shape);
  g_autofree char *title = gb_explain_title(&self->ex_cfg, &self->ex_target);
  /* TRANSLATORS: EEG maps: rows are channels, columns time samples */
  fig->title = gb_explain_shape_is_eeg(&self->ex_shape)
                   ? g_strdup_printf(_("%s (rows: channels, columns: time)"), title)
                   : g_steal_pointer(&title);
  fig->colorbar_label = g_strdup(_("relevance"));
  fig->colormap = effective_colormap(self);
  fig->opacity = self->opacity;
  gb_plot_view_set_placeholder(plot, NULL);
  gb_plot_view_set_draw_func(plot, gb_heatmap_figure_draw, fig, gb_heatmap_figure_free);
}

static void
set_busy(GbExplanationView *self, gboolean busy)
{
  gtk_widget_set_visible(self->busy_box, busy);
  if (busy)
    gtk_progress_bar_set_fraction(GTK_PROGRESS_BAR(self->progress), 0);
}

static void
fail(GbExplanationView *self, const char *message)
{
  set_busy(self, FALSE);
  g_autofree char *text = g_strdup_printf(_("Explanation failed: %s"), message);
  gtk_label_set_text(GTK_LABEL(self->diagnostics), text);
  if (!self->have_result)
    gb_plot_view_set_placeholder(GB_PLOT_VIEW(self->plot), text);
  g_signal_emit(self, signals[SIGNAL_FAILED], 0, message);
}

static void
explain_job_progress_cb(GObject *owner, double fraction, const char *stage, double seconds_left)
{
  GbExplanationView *self = GB_EXPLANATION_VIEW(owner);
  GtkProgressBar *bar = GTK_PROGRESS_BAR(self->progress);
  gtk_progress_bar_set_fraction(bar, fraction);
  g_autofree char *text = seconds_left >= 0
                              ? g_strdup_printf(_("%s: %.0f s left"), stage, seconds_left)
                              : g_strdup(stage);
  gtk_progress_bar_set_text(bar, text);
}

static void
take_result(GbExplanationView *self, ExplainJob *j)
{
  gb_explanation_clear(&self->ex);
  self->ex = j->ex;
  memset(&j->ex, 0, sizeof j->ex);
  self->ex_cfg = j->cfg;
  self->ex_cfg.baseline_data = NULL; /* the job's copy goes with the job */
  self->ex_target = j->target;
  g_free(self->ex_x);
  self->ex_x = g_steal_pointer(&j->x);
  self->ex_shape = j->shape;
  g_free(self->logits);
  self->logits = g_steal_pointer(&j->logits);
  self->n_logits = j->n_logits;
  self->seconds = j->seconds;
  self->have_result = TRUE;
}

static void
explain_job_done_cb(GObject *owner, gpointer data, const GError *error)
{
  GbExplanationView *self = GB_EXPLANATION_VIEW(owner);
  if (error != NULL) {
    if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      set_busy(self, FALSE);
    else
      fail(self, error->message);
    return;
  }
  set_busy(self, FALSE);
  take_result(self, data);
  g_free(self->diag_text);
  self->diag_text = gb_explain_diagnostics(&self->ex_cfg, &self->ex, self->seconds);
  gtk_label_set_text(GTK_LABEL(self->diagnostics), self->diag_text);
  update_figure(self);
  g_signal_emit(self, signals[SIGNAL_EXPLAINED], 0);
}

void
gb_explanation_view_run(GbExplanationView *self)
{
  g_return_if_fail(GB_IS_EXPLANATION_VIEW(self));
  if (self->worker == NULL || self->pool == NULL || self->x == NULL)
    return;
  g_autoptr(GError) error = NULL;
  GbModelHandle *handle = gb_model_pool_get_handle(self->pool);
  if (!gb_explain_check_input(handle, self->x, &self->shape, &error)) {
    gb_worker_cancel(self->worker, self->lane);
    fail(self, error->message);
    return;
  }
  ExplainJob *j = g_new0(ExplainJob, 1);
  j->pool = gb_model_pool_ref(self->pool);
  j->n_x = gb_shape_size(&self->shape);
  j->x = g_memdup2(self->x, sizeof(float) * j->n_x);
  j->shape = self->shape;
  j->cfg = self->cfg;
  if (self->baseline != NULL)
    j->baseline = g_memdup2(self->baseline, sizeof(float) * j->n_x);
  j->target = self->target;
  /* Single-pass methods follow the pen: no progress bar flickering at every move. */
  set_busy(self, !gb_method_is_single_pass(self->cfg.method));
  gb_worker_submit(self->worker, self->lane, G_OBJECT(self), explain_job_run, j,
                   explain_job_free, explain_job_progress_cb, explain_job_done_cb);
}

void
gb_explanation_view_cancel(GbExplanationView *self)
{
  g_return_if_fail(GB_IS_EXPLANATION_VIEW(self));
  if (self->worker != NULL)
    gb_worker_cancel(self->worker, self->lane);
}

/* ---- Setters ---- */

void
gb_explanation_view_set_input(GbExplanationView *self, const float *x, const GbShape *shape)
{
  g_return_if_fail(GB_IS_EXPLANATION_VIEW(self));
  g_clear_pointer(&self->x, g_free);
  if (x == NULL || shape == NULL)
    return;
  self->shape = *shape;
  self->x = g_memdup2(x, sizeof(float) * gb_shape_size(shape));
}

void
gb_explanation_view_set_model(GbExplanationView *self, GbWorker *worker, GbModelHandle *handle)
{
  g_return_if_fail(GB_IS_EXPLANATION_VIEW(self));
  if (self->worker != NULL)
    gb_worker_cancel(self->worker, self->lane);
  g_set_object(&self->worker, worker);
  gb_model_pool_replace(&self->pool, handle);
}

void
gb_explanation_view_set_method(GbExplanationView *self, const GbMethodConfig *cfg)
{
  g_return_if_fail(GB_IS_EXPLANATION_VIEW(self));
  g_return_if_fail(cfg != NULL);
  self->cfg = *cfg;
  g_clear_pointer(&self->baseline, g_free);
  /* The input size is not known yet for certain: copy what the model expects. */
  if (cfg->baseline_data != NULL && self->pool != NULL) {
    const GbModel *m = gb_model_handle_get_model(gb_model_pool_get_handle(self->pool));
    self->baseline = g_memdup2(cfg->baseline_data, sizeof(float) * gb_model_input_size(m));
  }
  self->cfg.baseline_data = NULL;
}

void
gb_explanation_view_set_target(GbExplanationView *self, GbTarget target)
{
  g_return_if_fail(GB_IS_EXPLANATION_VIEW(self));
  self->target = target;
}

void
gb_explanation_view_set_colormap(GbExplanationView *self, int colormap)
{
  g_return_if_fail(GB_IS_EXPLANATION_VIEW(self));
  self->colormap = colormap;
  update_figure(self);
}

void
gb_explanation_view_set_opacity(GbExplanationView *self, double opacity)
{
  g_return_if_fail(GB_IS_EXPLANATION_VIEW(self));
  self->opacity = CLAMP(opacity, 0.0, 1.0);
  update_figure(self);
}

void
gb_explanation_view_set_lane(GbExplanationView *self, const char *lane)
{
  g_return_if_fail(GB_IS_EXPLANATION_VIEW(self));
  g_return_if_fail(lane != NULL);
  g_free(self->lane);
  self->lane = g_strdup(lane);
}

/* ---- Getters ---- */

const float *
gb_explanation_view_get_map(GbExplanationView *self, size_t *n)
{
  g_return_val_if_fail(GB_IS_EXPLANATION_VIEW(self), NULL);
  if (n != NULL)
    *n = self->have_result ? self->ex.map.n : 0;
  return self->have_result ? self->ex.map.values : NULL;
}

const GbExplanation *
gb_explanation_view_get_explanation(GbExplanationView *self)
{
  g_return_val_if_fail(GB_IS_EXPLANATION_VIEW(self), NULL);
  return self->have_result ? &self->ex : NULL;
}

GbTarget
gb_explanation_view_get_explained_target(GbExplanationView *self)
{
  g_return_val_if_fail(GB_IS_EXPLANATION_VIEW(self), gb_target_class(-1));
  return self->have_result ? self->ex_target : gb_target_class(-1);
}

double
gb_explanation_view_get_f_x(GbExplanationView *self)
{
  g_return_val_if_fail(GB_IS_EXPLANATION_VIEW(self), NAN);
  return self->have_result ? self->ex.map.f_x : NAN;
}

const float *
gb_explanation_view_get_logits(GbExplanationView *self, int *n)
{
  g_return_val_if_fail(GB_IS_EXPLANATION_VIEW(self), NULL);
  if (n != NULL)
    *n = self->have_result ? self->n_logits : 0;
  return self->have_result ? self->logits : NULL;
}

double
gb_explanation_view_get_seconds(GbExplanationView *self)
{
  g_return_val_if_fail(GB_IS_EXPLANATION_VIEW(self), NAN);
  return self->have_result ? self->seconds : NAN;
}

const char *
gb_explanation_view_get_diagnostics(GbExplanationView *self)
{
  g_return_val_if_fail(GB_IS_EXPLANATION_VIEW(self), NULL);
  return self->diag_text;
}

GbPlotView *
gb_explanation_view_get_plot_view(GbExplanationView *self)
{
  g_return_val_if_fail(GB_IS_EXPLANATION_VIEW(self), NULL);
  return GB_PLOT_VIEW(self->plot);
}

gboolean
gb_explanation_view_get_cell_rect(GbExplanationView *self, int row, int col,
                                  graphene_rect_t *out)
{
  g_return_val_if_fail(GB_IS_EXPLANATION_VIEW(self), FALSE);
  if (!self->have_result)
    return FALSE;
  GbHeatmapFigure fig = {0};
  gb_explain_display_size(&self->ex_shape, &fig.rows, &fig.cols);
  if (row < 0 || col < 0 || row >= fig.rows || col >= fig.cols)
    return FALSE;
  /* The layout needs sizes and which parts are present; the values (same count, any order)
   * only set the colour bar's range. */
  const char *title = "title";
  GbHeatmap h = {.relevance = self->ex.map.values, .height = fig.rows, .width = fig.cols, .title = title,
                 .show_colorbar = TRUE, .colorbar_label = _("relevance"),
                 .colormap = GB_COLORMAP_DIVERGING};
  GbPlotRect area = {0, 0, gtk_widget_get_width(self->plot), gtk_widget_get_height(self->plot)};
  GbHeatmapLayout l;
  gb_heatmap_layout(&h, area, &l);
  double cw = l.image.width / fig.cols, ch = l.image.height / fig.rows;
  graphene_rect_init(out, (float)(l.image.x + col * cw), (float)(l.image.y + row * ch),
                     (float)cw, (float)ch);
  return TRUE;
}

/* ---- GObject ---- */

static void
cancel_clicked_cb(GtkButton *button, GbExplanationView *self)
{
  (void)button;
  gb_explanation_view_cancel(self);
}

static void
gb_explanation_view_dispose(GObject *object)
{
  GbExplanationView *self = GB_EXPLANATION_VIEW(object);
  if (self->worker != NULL)
    gb_worker_cancel(self->worker, self->lane);
  g_clear_object(&self->worker);
  g_clear_pointer(&self->pool, gb_model_pool_unref);
  G_OBJECT_CLASS(gb_explanation_view_parent_class)->dispose(object);
}

static void
gb_explanation_view_finalize(GObject *object)
{
  GbExplanationView *self = GB_EXPLANATION_VIEW(object);
  g_free(self->lane);
  g_free(self->x);
  g_free(self->baseline);
  gb_explanation_clear(&self->ex);
  g_free(self->ex_x);
  g_free(self->logits);
  g_free(self->diag_text);
  G_OBJECT_CLASS(gb_explanation_view_parent_class)->finalize(object);
}

static void
gb_explanation_view_class_init(GbExplanationViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS(klass);
  object_class->dispose = gb_explanation_view_dispose;
  object_class->finalize = gb_explanation_view_finalize;
  signals[SIGNAL_EXPLAINED] = g_signal_new("explained", G_TYPE_FROM_CLASS(klass),
                                           G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
                                           0);
  signals[SIGNAL_FAILED] = g_signal_new("failed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST,
                                        0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  gtk_widget_class_set_css_name(GTK_WIDGET_CLASS(klass), "explanationview");
}

static void
gb_explanation_view_init(GbExplanationView *self)
{
  gtk_orientable_set_orientation(GTK_ORIENTABLE(self), GTK_ORIENTATION_VERTICAL);
  gtk_box_set_spacing(GTK_BOX(self), 6);
  self->lane = g_strdup("explain");
  self->colormap = GB_EXPLANATION_COLORMAP_AUTO;
  self->opacity = 0.75;
  self->target = gb_target_class(-1);
  gb_method_config_init(&self->cfg, GB_METHOD_GRAD_X_INPUT);

  self->plot = gb_plot_view_new();
  gtk_widget_set_size_request(self->plot, 240, 240);
  gb_plot_view_set_placeholder(GB_PLOT_VIEW(self->plot), _("No explanation yet"));
  gtk_box_append(GTK_BOX(self), self->plot);

  self->busy_box = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 6);
  self->progress = gtk_progress_bar_new();
  gtk_progress_bar_set_show_text(GTK_PROGRESS_BAR(self->progress), TRUE);
  gtk_widget_set_hexpand(self->progress, TRUE);
  gtk_widget_set_valign(self->progress, GTK_ALIGN_CENTER);
  GtkWidget *cancel = gtk_button_new_with_label(_("Cancel"));
  g_signal_connect(cancel, "clicked", G_CALLBACK(cancel_clicked_cb), self);
  gtk_box_append(GTK_BOX(self->busy_box), self->progress);
  gtk_box_append(GTK_BOX(self->busy_box), cancel);
  gtk_widget_set_visible(self->busy_box, FALSE);
  gtk_box_append(GTK_BOX(self), self->busy_box);

  self->diagnostics = gtk_label_new(NULL);
  gtk_label_set_xalign(GTK_LABEL(self->diagnostics), 0);
  gtk_label_set_wrap(GTK_LABEL(self->diagnostics), TRUE);
  gb_explain_label_enlarge(self->diagnostics);
  gtk_box_append(GTK_BOX(self), self->diagnostics);
}

GtkWidget *
gb_explanation_view_new(void)
{
  return g_object_new(GB_TYPE_EXPLANATION_VIEW, NULL);
}

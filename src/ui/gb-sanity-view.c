/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-sanity-view.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "gb-curves.h"
#include "gb-heatmap.h"
#include "gb-sanity.h"
#include "gb-scores.h"
#include "gb-view-util.h"

#define LANE        "sanity-view"
#define LABELS_LANE "sanity-view-labels"
#define MAX_TRAIN   2000
#define MAX_STEPS   64

struct _GbSanityView {
  GtkWidget parent_instance;
  GbWorker *worker;
  GbModelHandle *model;
  float *x;
  size_t d;
  GbShape shape;
  GbTarget target;
  GbMethodConfig method;
  float *baseline_data;
  gboolean have_input;
  GbDataView train; /* owns x and labels */

  /* Results: maps (n_steps, d), one per step, and their similarity to step 0. */
  float *maps;
  int n_steps;
  char (*names)[40];
  double similarity[MAX_STEPS];
  gboolean complete;
  float *label_map; /* (d) map of the label-randomised model, or NULL */
  double label_similarity;
  char *label_text;
  guint generation, label_generation;
  gboolean running, label_running;
  gboolean absolute;
  char *status;

  GtkWidget *absolute_check;
  GtkWidget *box, *run_button, *labels_button, *cancel_button, *progress, *status_label;
  GtkWidget *label_result;
  GbPlotView *maps_plot, *curve_plot;
};

G_DEFINE_FINAL_TYPE(GbSanityView, gb_sanity_view, GTK_TYPE_WIDGET)

/* ---- From a method's settings to a batch explainer (worker thread) ---- */

/* Saliency and gradient x input in one batched pass; every other method through gb_explain
 * with the method's own settings. */
static void
explainer_init(const GbMethodConfig *c, GbSanityConfig *cfg)
{
  if (c->method == GB_METHOD_SALIENCY) {
    cfg->explain = gb_explain_batch_saliency;
  } else if (c->method == GB_METHOD_GRAD_X_INPUT) {
    cfg->explain = gb_explain_batch_grad_x_input;
  } else {
    cfg->explain = gb_explain_batch_method;
    cfg->explain_user = (void *)c;
  }
}

/* ---- The randomisation job ---- */

typedef struct {
  GbModel *model;
  float *x, *baseline;
  size_t d;
  GbShape shape;
  int cls;
  GbMethodConfig method;
  gboolean absolute;
  guint generation;
  int n_layers;
  /* The recorder: every map the engine asks the explainer for, in order (the original,
   * then one per step), published as it comes. */
  GbExplainBatchFn explain;
  void *explain_user;
  float *first;
  int n_calls;
  GbJob *job;
  GbRandomisationResult result;
} SanityJob;

typedef struct {
  guint generation;
  int step;
  char name[40];
  float *map;
  double similarity;
} MapPartial;

static void
sanity_job_free(gpointer data)
{
  SanityJob *j = data;
  gb_model_free(j->model);
  g_free(j->x);
  g_free(j->baseline);
  g_free(j->first);
  gb_randomisation_result_clear(&j->result);
  g_free(j);
}

static void
map_partial_free(gpointer data)
{
  MapPartial *p = data;
  g_free(p->map);
  g_free(p);
}

static void map_arrived_cb(GObject *owner, gpointer partial);

/* The name of the layer re-initialised at step @k (1-based), top parameterised layer first. */
static void
step_layer_name(GbModel *m, int k, char *out, size_t len)
{
  int seen = 0;
  for (int i = gb_model_n_layers(m) - 1; i >= 0; i--) {
    GbLayer *l = gb_model_get_layer(m, i);
    if (l->n_params > 0 && l->ops->init != NULL && ++seen == k) {
      g_strlcpy(out, l->name, len);
      return;
    }
  }
  g_strlcpy(out, "?", len);
}

static GbStatus
recording_explain(void *user, GbModel *m, const float *x, int nb, const int *classes, float *maps,
                  GbError *err)
{
  SanityJob *j = user;
  GbStatus st = j->explain(j->explain_user, m, x, nb, classes, maps, err);
  if (st != GB_OK || nb != 1 || j->n_calls > j->n_layers)
    return st;
  MapPartial *p = g_new0(MapPartial, 1);
  p->generation = j->generation;
  p->step = j->n_calls++;
  p->map = g_memdup2(maps, j->d * sizeof(float));
  p->similarity = 1;
  if (p->step == 0) {
    j->first = g_memdup2(maps, j->d * sizeof(float));
    g_strlcpy(p->name, _("original"), sizeof p->name);
  } else {
    gb_score_spearman(j->first, maps, j->d, j->absolute, &p->similarity, err);
    step_layer_name(j->model, p->step, p->name, sizeof p->name);
  }
  gb_job_publish(j->job, map_arrived_cb, p, map_partial_free);
  return GB_OK;
}

static int
count_parameterised(GbModel *m)
{
  int k = 0;
  for (int i = 0; i < gb_model_n_layers(m); i++) {
    GbLayer *l = gb_model_get_layer(m, i);
    k += l->n_params > 0 && l->ops->init != NULL;
  }
  return k;
}

static gboolean
sanity_job_run(GbJob *job, gpointer data, GError **error)
{
  SanityJob *j = data;
  j->job = job;
  j->n_layers = count_parameterised(j->model);
  GbSanityConfig cfg;
  gb_sanity_config_init(&cfg);
  explainer_init(&j->method, &cfg);
  j->explain = cfg.explain;
  j->explain_user = cfg.explain_user;
  cfg.explain = recording_explain;
  cfg.explain_user = j;
  cfg.absolute = j->absolute;
  cfg.progress = gb_job_progress;
  cfg.user = job;
  GbError err = {0};
  GbStatus st = gb_sanity_model_randomisation(j->model, j->x, 1, &j->cls,
                                              GB_RANDOMISATION_CASCADING, &cfg, &j->result, &err);
  gb_set_error_from_status(error, st, &err);
  return st == GB_OK;
}

/* ---- The label randomisation job ---- */

typedef struct {
  GbModel *model;
  float *x, *baseline, *train_x;
  int *train_labels;
  GbDataView train;
  size_t d;
  GbShape shape;
  int cls;
  GbMethodConfig method;
  gboolean absolute;
  guint generation;
  GbExplainBatchFn explain;
  void *explain_user;
  float *last_map; /* the latest map asked for: the label-randomised model's comes last */
  GbLabelRandomisation result;
} LabelJob;

static void
label_job_free(gpointer data)
{
  LabelJob *j = data;
  gb_model_free(j->model);
  g_free(j->x);
  g_free(j->baseline);
  g_free(j->train_x);
  g_free(j->train_labels);
  g_free(j->last_map);
  g_free(j);
}

static GbStatus
label_recording_explain(void *user, GbModel *m, const float *x, int nb, const int *classes,
                        float *maps, GbError *err)
{
  LabelJob *j = user;
  GbStatus st = j->explain(j->explain_user, m, x, nb, classes, maps, err);
  if (st == GB_OK && nb == 1)
    memcpy(j->last_map, maps, j->d * sizeof(float));
  return st;
}

static gboolean
label_job_run(GbJob *job, gpointer data, GError **error)
{
  LabelJob *j = data;
  GbSanityConfig cfg;
  gb_sanity_config_init(&cfg);
  explainer_init(&j->method, &cfg);
  j->explain = cfg.explain;
  j->explain_user = cfg.explain_user;
  j->last_map = g_new0(float, j->d);
  cfg.explain = label_recording_explain;
  cfg.explain_user = j;
  cfg.absolute = j->absolute;
  cfg.progress = gb_job_progress;
  cfg.user = job;
  GbTrainConfig tcfg;
  gb_train_config_init(&tcfg);
  tcfg.epochs = 3;
  tcfg.batch_size = 64;
  gb_optim_config_defaults(&tcfg.optim, GB_OPTIM_ADAM);
  gb_loss_config_init(&tcfg.loss,
                      gb_model_n_outputs(j->model) == 1 ? GB_LOSS_BCE : GB_LOSS_SOFTMAX_CE);
  tcfg.val_fraction = 0;
  GbError err = {0};
  GbStatus st = gb_sanity_label_randomisation(j->model, &j->train, &tcfg, j->x, 1, &j->cls, &cfg,
                                              &j->result, &err);
  gb_set_error_from_status(error, st, &err);
  return st == GB_OK;
}

/* ---- Drawing ---- */

static void
fill_white(cairo_t *cr, GbPlotRect area)
{
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_rectangle(cr, area.x, area.y, area.width, area.height);
  cairo_fill(cr);
}

/* Heat map rows and columns of an input shape: (c, h, w) images as h x w (channel 0), (time,
 * channels) as channels x time, vectors as one row. */
static void
map_grid(const GbShape *s, int *rows, int *cols, gboolean *transpose)
{
  *transpose = FALSE;
  if (s->ndim == 3) {
    *rows = s->dim[1];
    *cols = s->dim[2];
  } else if (s->ndim == 2) {
    *rows = s->dim[1];
    *cols = s->dim[0];
    *transpose = TRUE;
  } else {
    *rows = 1;
    *cols = (int)gb_shape_size(s);
  }
}

static void
arrange(const float *src, const GbShape *s, float *dst)
{
  int rows, cols;
  gboolean transpose;
  map_grid(s, &rows, &cols, &transpose);
  for (int r = 0; r < rows; r++)
    for (int c = 0; c < cols; c++)
      dst[r * cols + c] = transpose ? src[(size_t)c * rows + r] : src[r * cols + c];
}

static GbStatus
draw_one_map(GbSanityView *self, cairo_t *cr, GbPlotRect cell, const float *map, const char *title)
{
  int rows, cols;
  gboolean transpose;
  map_grid(&self->shape, &rows, &cols, &transpose);
  g_autofree float *rel = g_new(float, (size_t)rows *cols);
  g_autofree float *img = g_new(float, (size_t)rows *cols);
  arrange(map, &self->shape, rel);
  arrange(self->x, &self->shape, img);
  gboolean signed_ = self->method.method != GB_METHOD_SALIENCY;
  GbHeatmap h = {.image = self->shape.ndim == 3 ? img : NULL,
                 .relevance = rel,
                 .height = rows,
                 .width = cols,
                 .invert_image = TRUE,
                 .opacity = 0.85,
                 .colormap = signed_ ? GB_COLORMAP_DIVERGING : GB_COLORMAP_VIRIDIS,
                 .title = title};
  GbError err = {0};
  return gb_heatmap_draw(cr, &h, cell, &err);
}

static GbStatus
draw_maps(void *user, cairo_t *cr, GbPlotRect area, GbError *err)
{
  GbSanityView *self = user;
  (void)err;
  fill_white(cr, area);
  int n = self->n_steps + (self->label_map != NULL);
  if (n == 0)
    return GB_OK;
  int cols = (int)ceil(sqrt(n * area.width / MAX(area.height, 1.0)));
  cols = CLAMP(cols, 1, n);
  int rows = (n + cols - 1) / cols;
  double w = area.width / cols, h = area.height / rows;
  for (int i = 0; i < n; i++) {
    GbPlotRect cell = {area.x + (i % cols) * w + 4, area.y + (i / cols) * h + 4, w - 8, h - 8};
    g_autofree char *title = NULL;
    const float *map;
    if (i < self->n_steps) {
      map = self->maps + (size_t)i * self->d;
      title = i == 0 ? g_strdup(_("original"))
                     : g_strdup_printf(_("%d: %s random, ρ %.2f"), i, self->names[i],
                                       self->similarity[i]);
    } else {
      map = self->label_map;
      title = g_strdup_printf(_("random labels, ρ %.2f"), self->label_similarity);
    }
    draw_one_map(self, cr, cell, map, title);
  }
  return GB_OK;
}

static GbStatus
draw_curve(void *user, cairo_t *cr, GbPlotRect area, GbError *err)
{
  GbSanityView *self = user;
  fill_white(cr, area);
  if (self->n_steps == 0)
    return GB_OK;
  double xs[MAX_STEPS], ys[MAX_STEPS], lo = -0.2;
  for (int k = 0; k < self->n_steps; k++) {
    xs[k] = k;
    ys[k] = self->similarity[k];
    if (isfinite(ys[k]))
      lo = MIN(lo, floor(ys[k] * 10 - 0.5) / 10);
  }
  GbCurve c = {.name = _("Spearman ρ with the original map"),
               .x = xs,
               .y = ys,
               .n = self->n_steps,
               .fixed_rgb = true,
               .rgb = GB_CURVES_BLUE_RGB,
               .markers = true};
  GbCurves fig = {.curves = &c,
                  .n_curves = 1,
                  .title = _("Cascading randomisation"),
                  .x_label = _("layers randomised from the top"),
                  .y_label = _("rank correlation"),
                  .x_fixed = true,
                  .x_lo = 0,
                  .x_hi = MAX(1, self->n_steps - 1),
                  .y_fixed = true,
                  .y_lo = MAX(lo, -1.05),
                  .y_hi = 1.05,
                  .grid = true,
                  .legend = GB_CURVES_LEGEND_NONE};
  return gb_curves_draw(cr, &fig, area, err);
}

/* ---- State ---- */

static void
set_status(GbSanityView *self, const char *text)
{
  g_free(self->status);
  self->status = g_strdup(text);
  gtk_label_set_text(GTK_LABEL(self->status_label), text);
}

static void
update_sensitivity(GbSanityView *self)
{
  gboolean ready = self->worker != NULL && self->model != NULL && self->have_input;
  gtk_widget_set_sensitive(self->run_button, ready && !self->running);
  gtk_widget_set_sensitive(self->labels_button, ready && self->train.n > 1 && !self->label_running);
  gtk_widget_set_sensitive(self->cancel_button, self->running || self->label_running);
  gtk_widget_set_visible(self->progress, self->running || self->label_running);
}

static void
clear_results(GbSanityView *self)
{
  g_clear_pointer(&self->maps, g_free);
  g_clear_pointer(&self->names, g_free);
  g_clear_pointer(&self->label_map, g_free);
  self->n_steps = 0;
  self->complete = FALSE;
  self->label_similarity = NAN;
  gtk_label_set_text(GTK_LABEL(self->label_result), "");
  gb_plot_view_queue_draw(self->maps_plot);
  gb_plot_view_queue_draw(self->curve_plot);
}

static void
map_arrived_cb(GObject *owner, gpointer partial)
{
  GbSanityView *self = GB_SANITY_VIEW(owner);
  MapPartial *p = partial;
  if (p->generation != self->generation || p->step != self->n_steps || p->step >= MAX_STEPS)
    return;
  self->maps = g_realloc(self->maps, (size_t)(p->step + 1) * self->d * sizeof(float));
  memcpy(self->maps + (size_t)p->step * self->d, p->map, self->d * sizeof(float));
  self->names = g_realloc(self->names, (size_t)(p->step + 1) * sizeof *self->names);
  g_strlcpy(self->names[p->step], p->name, sizeof self->names[p->step]);
  self->similarity[p->step] = p->similarity;
  self->n_steps++;
  gb_plot_view_set_placeholder(self->maps_plot, NULL);
  gb_plot_view_set_placeholder(self->curve_plot, NULL);
  gb_plot_view_queue_draw(self->maps_plot);
  gb_plot_view_queue_draw(self->curve_plot);
}

static void
progress_cb(GObject *owner, double fraction, const char *stage, double seconds_left)
{
  GbSanityView *self = GB_SANITY_VIEW(owner);
  gb_view_util_progress_bar_set(GTK_PROGRESS_BAR(self->progress), fraction, stage, seconds_left);
}

static void
report_error(GbSanityView *self, const GError *error)
{
  if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    set_status(self, _("Cancelled"));
  else
    set_status(self, error->message);
}

static void
sanity_done_cb(GObject *owner, gpointer data, const GError *error)
{
  GbSanityView *self = GB_SANITY_VIEW(owner);
  SanityJob *j = data;
  if (j->generation != self->generation)
    return;
  self->running = FALSE;
  if (error != NULL) {
    report_error(self, error);
  } else {
    /* The engine's numbers replace the live estimates (they agree for one input). */
    for (int k = 0; k < j->result.n_steps && k + 1 < self->n_steps; k++)
      self->similarity[k + 1] = j->result.similarity[k];
    self->complete = TRUE;
    double last = j->result.similarity[j->result.n_steps - 1];
    g_autofree char *t = g_strdup_printf(
        _("After randomising all %d layers the rank correlation is %.2f: a method that passes "
          "drops towards 0."),
        j->result.n_steps, last);
    set_status(self, t);
    gb_plot_view_queue_draw(self->maps_plot);
    gb_plot_view_queue_draw(self->curve_plot);
  }
  update_sensitivity(self);
}

static void
label_done_cb(GObject *owner, gpointer data, const GError *error)
{
  GbSanityView *self = GB_SANITY_VIEW(owner);
  LabelJob *j = data;
  if (j->generation != self->label_generation)
    return;
  self->label_running = FALSE;
  if (error != NULL) {
    report_error(self, error);
  } else {
    const GbLabelRandomisation *r = &j->result;
    self->label_similarity = r->similarity;
    g_clear_pointer(&self->label_map, g_free);
    self->label_map = g_steal_pointer(&j->last_map);
    g_autofree char *t = g_strdup_printf(
        _("Random labels: ρ %.2f with the trained model's map. The model trained on permuted "
          "labels fits them to %.0f%% and the true labels to %.0f%% (the trained model: %.0f%%)."),
        r->similarity, 100 * r->random_train_acc, 100 * r->random_true_acc, 100 * r->train_acc);
    gtk_label_set_text(GTK_LABEL(self->label_result), t);
    gb_plot_view_set_placeholder(self->maps_plot, NULL);
    gb_plot_view_queue_draw(self->maps_plot);
  }
  update_sensitivity(self);
}

/* ---- Public API ---- */

void
gb_sanity_view_set_context(GbSanityView *self, GbWorker *worker, GbModelHandle *model)
{
  g_return_if_fail(GB_IS_SANITY_VIEW(self));
  gb_sanity_view_cancel(self);
  self->running = self->label_running = FALSE;
  self->generation++;
  self->label_generation++;
  g_set_object(&self->worker, worker);
  g_set_object(&self->model, model);
  clear_results(self);
  update_sensitivity(self);
}

void
gb_sanity_view_set_input(GbSanityView *self, const float *x, size_t n, const GbTarget *target,
                         const GbMethodConfig *method)
{
  g_return_if_fail(GB_IS_SANITY_VIEW(self));
  gb_sanity_view_set_context(self, self->worker, self->model);
  g_clear_pointer(&self->x, g_free);
  g_clear_pointer(&self->baseline_data, g_free);
  self->have_input = FALSE;
  if (x != NULL && n > 0 && target != NULL && method != NULL) {
    self->x = g_memdup2(x, n * sizeof(float));
    self->d = n;
    self->target = *target;
    self->method = *method;
    if (method->baseline_data != NULL)
      self->baseline_data = g_memdup2(method->baseline_data, n * sizeof(float));
    self->method.baseline_data = self->baseline_data;
    self->have_input = TRUE;
  }
  update_sensitivity(self);
}

void
gb_sanity_view_set_train_data(GbSanityView *self, const GbDataView *train)
{
  g_free((float *)self->train.x);
  g_free((int *)self->train.labels);
  self->train = (GbDataView){0};
  if (train != NULL && train->n > 0 && train->labels != NULL) {
    int n = MIN(train->n, MAX_TRAIN);
    self->train = *train;
    self->train.n = n;
    self->train.x = g_memdup2(train->x, (size_t)n * gb_shape_size(&train->shape) * sizeof(float));
    self->train.labels = g_memdup2(train->labels, (size_t)n * sizeof(int));
    self->train.targets = NULL;
  }
  update_sensitivity(self);
}

/* Checks the input against the model; FALSE with the status set. */
static gboolean
input_fits(GbSanityView *self, GbModel **copy)
{
  g_autoptr(GError) error = NULL;
  *copy = gb_model_handle_dup_model(self->model, &error);
  if (*copy == NULL) {
    set_status(self, error->message);
    return FALSE;
  }
  GbError err = {0};
  if (gb_model_input_size(*copy) != self->d) {
    g_autofree char *t = g_strdup_printf(_("The input has %zu values; the model takes %zu"),
                                         self->d, gb_model_input_size(*copy));
    set_status(self, t);
  } else if (gb_target_check(&self->target, *copy, &err) != GB_OK) {
    set_status(self, err.message);
  } else {
    self->shape = *gb_model_input_shape(*copy);
    return TRUE;
  }
  g_clear_pointer(copy, gb_model_free);
  return FALSE;
}

void
gb_sanity_view_run(GbSanityView *self)
{
  g_return_if_fail(GB_IS_SANITY_VIEW(self));
  GbModel *model;
  if (self->worker == NULL || self->model == NULL || !self->have_input || !input_fits(self, &model))
    return;
  SanityJob *j = g_new0(SanityJob, 1);
  j->model = model;
  j->x = g_memdup2(self->x, self->d * sizeof(float));
  j->d = self->d;
  j->shape = self->shape;
  j->cls = self->target.class_a;
  j->method = self->method;
  if (self->baseline_data != NULL)
    j->method.baseline_data = j->baseline = g_memdup2(self->baseline_data, self->d * sizeof(float));
  j->absolute = self->absolute;
  j->generation = ++self->generation;
  g_clear_pointer(&self->maps, g_free);
  g_clear_pointer(&self->names, g_free);
  self->n_steps = 0;
  self->complete = FALSE;
  self->running = TRUE;
  gb_plot_view_set_placeholder(self->maps_plot, _("Explaining the original model…"));
  gb_worker_submit(self->worker, LANE, G_OBJECT(self), sanity_job_run, j, sanity_job_free,
                   progress_cb, sanity_done_cb);
  set_status(self, _("Randomising layers…"));
  update_sensitivity(self);
}

void
gb_sanity_view_run_label_randomisation(GbSanityView *self)
{
  g_return_if_fail(GB_IS_SANITY_VIEW(self));
  GbModel *model;
  if (self->worker == NULL || self->model == NULL || !self->have_input || self->train.n < 2 ||
      !input_fits(self, &model))
    return;
  LabelJob *j = g_new0(LabelJob, 1);
  j->model = model;
  j->x = g_memdup2(self->x, self->d * sizeof(float));
  j->d = self->d;
  j->shape = self->shape;
  j->cls = self->target.class_a;
  j->method = self->method;
  if (self->baseline_data != NULL)
    j->method.baseline_data = j->baseline = g_memdup2(self->baseline_data, self->d * sizeof(float));
  j->train = self->train;
  j->train.x = j->train_x =
      g_memdup2(self->train.x, (size_t)self->train.n * self->d * sizeof(float));
  j->train.labels = j->train_labels = g_memdup2(self->train.labels, self->train.n * sizeof(int));
  j->absolute = self->absolute;
  j->generation = ++self->label_generation;
  self->label_running = TRUE;
  gb_worker_submit(self->worker, LABELS_LANE, G_OBJECT(self), label_job_run, j, label_job_free,
                   progress_cb, label_done_cb);
  set_status(self, _("Training a model on permuted labels…"));
  update_sensitivity(self);
}

void
gb_sanity_view_cancel(GbSanityView *self)
{
  g_return_if_fail(GB_IS_SANITY_VIEW(self));
  if (self->worker == NULL)
    return;
  if (self->running)
    gb_worker_cancel(self->worker, LANE);
  if (self->label_running)
    gb_worker_cancel(self->worker, LABELS_LANE);
}

void
gb_sanity_view_set_absolute(GbSanityView *self, gboolean absolute)
{
  gtk_check_button_set_active(GTK_CHECK_BUTTON(self->absolute_check), absolute);
}

gboolean
gb_sanity_view_is_running(GbSanityView *self)
{
  return self->running || self->label_running;
}

int
gb_sanity_view_get_n_steps(GbSanityView *self)
{
  return self->n_steps;
}

double
gb_sanity_view_get_similarity(GbSanityView *self, int step)
{
  return step >= 0 && step < self->n_steps ? self->similarity[step] : NAN;
}

const float *
gb_sanity_view_get_map(GbSanityView *self, int step)
{
  return step >= 0 && step < self->n_steps ? self->maps + (size_t)step * self->d : NULL;
}

gboolean
gb_sanity_view_is_complete(GbSanityView *self)
{
  return self->complete;
}

double
gb_sanity_view_get_label_similarity(GbSanityView *self)
{
  return self->label_similarity;
}

const char *
gb_sanity_view_get_status(GbSanityView *self)
{
  return self->status ? self->status : "";
}

GbPlotView *
gb_sanity_view_get_maps_plot(GbSanityView *self)
{
  return self->maps_plot;
}

GbPlotView *
gb_sanity_view_get_curve_plot(GbSanityView *self)
{
  return self->curve_plot;
}

/* ---- Widget ---- */

static void
run_clicked_cb(GtkButton *b, GbSanityView *self)
{
  (void)b;
  gb_sanity_view_run(self);
}

static void
labels_clicked_cb(GtkButton *b, GbSanityView *self)
{
  (void)b;
  gb_sanity_view_run_label_randomisation(self);
}

static void
cancel_clicked_cb(GtkButton *b, GbSanityView *self)
{
  (void)b;
  gb_sanity_view_cancel(self);
}

static void
absolute_toggled_cb(GtkCheckButton *check, GbSanityView *self)
{
  self->absolute = gtk_check_button_get_active(check);
}

static void
gb_sanity_view_dispose(GObject *object)
{
  GbSanityView *self = GB_SANITY_VIEW(object);
  gb_sanity_view_cancel(self);
  g_clear_pointer(&self->box, gtk_widget_unparent);
  g_clear_object(&self->worker);
  g_clear_object(&self->model);
  G_OBJECT_CLASS(gb_sanity_view_parent_class)->dispose(object);
}

static void
gb_sanity_view_finalize(GObject *object)
{
  GbSanityView *self = GB_SANITY_VIEW(object);
  g_free(self->x);
  g_free(self->baseline_data);
  g_free(self->maps);
  g_free(self->names);
  g_free(self->label_map);
  g_free(self->status);
  g_free((float *)self->train.x);
  g_free((int *)self->train.labels);
  G_OBJECT_CLASS(gb_sanity_view_parent_class)->finalize(object);
}

static void
gb_sanity_view_class_init(GbSanityViewClass *klass)
{
  G_OBJECT_CLASS(klass)->dispose = gb_sanity_view_dispose;
  G_OBJECT_CLASS(klass)->finalize = gb_sanity_view_finalize;
  gtk_widget_class_set_layout_manager_type(GTK_WIDGET_CLASS(klass), GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name(GTK_WIDGET_CLASS(klass), "sanityview");
}

static GtkWidget *
button_new(const char *label, GCallback cb, GbSanityView *self)
{
  GtkWidget *b = gtk_button_new_with_mnemonic(label);
  g_signal_connect(b, "clicked", cb, self);
  return b;
}

static void
gb_sanity_view_init(GbSanityView *self)
{
  self->label_similarity = NAN;
  self->box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 8);
  gb_view_util_set_margins(self->box, 12);
  gtk_widget_set_parent(self->box, GTK_WIDGET(self));
  GtkWidget *row = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 8);
  self->run_button = button_new(_("_Randomise Layers"), G_CALLBACK(run_clicked_cb), self);
  gtk_widget_add_css_class(self->run_button, "suggested-action");
  gtk_widget_set_tooltip_text(self->run_button,
                              _("Re-initialise the layers from the top, one more each step, "
                                "and explain the same input again"));
  self->labels_button =
      button_new(_("Retrain on Random _Labels"), G_CALLBACK(labels_clicked_cb), self);
  gtk_widget_set_tooltip_text(self->labels_button,
                              _("Train the same architecture on permuted labels (takes a while)"
                                " and compare its map"));
  self->cancel_button = button_new(_("_Cancel"), G_CALLBACK(cancel_clicked_cb), self);
  self->absolute = TRUE;
  self->absolute_check = gtk_check_button_new_with_mnemonic(_("Ignore _signs"));
  gtk_check_button_set_active(GTK_CHECK_BUTTON(self->absolute_check), TRUE);
  gtk_widget_set_tooltip_text(self->absolute_check,
                              _("Rank |relevance| (as Quantus does by default): a map that only "
                                "changes its signs then still counts as similar"));
  g_signal_connect(self->absolute_check, "toggled", G_CALLBACK(absolute_toggled_cb), self);
  gtk_box_append(GTK_BOX(row), self->absolute_check);
  gtk_box_append(GTK_BOX(row), self->run_button);
  gtk_box_append(GTK_BOX(row), self->labels_button);
  gtk_box_append(GTK_BOX(row), self->cancel_button);
  self->progress = gtk_progress_bar_new();
  gtk_progress_bar_set_show_text(GTK_PROGRESS_BAR(self->progress), TRUE);
  gtk_widget_set_hexpand(self->progress, TRUE);
  gtk_box_append(GTK_BOX(row), self->progress);
  gtk_box_append(GTK_BOX(self->box), row);

  GtkWidget *paned = gtk_paned_new(GTK_ORIENTATION_HORIZONTAL);
  gtk_widget_set_vexpand(paned, TRUE);
  self->maps_plot = GB_PLOT_VIEW(gb_plot_view_new());
  gtk_widget_set_size_request(GTK_WIDGET(self->maps_plot), 420, 320);
  gb_plot_view_set_draw_func(self->maps_plot, draw_maps, self, NULL);
  gb_plot_view_set_placeholder(self->maps_plot, _("Press Randomise Layers"));
  self->curve_plot = GB_PLOT_VIEW(gb_plot_view_new());
  gtk_widget_set_size_request(GTK_WIDGET(self->curve_plot), 320, 320);
  gb_plot_view_set_draw_func(self->curve_plot, draw_curve, self, NULL);
  gtk_paned_set_start_child(GTK_PANED(paned), GTK_WIDGET(self->maps_plot));
  gtk_paned_set_end_child(GTK_PANED(paned), GTK_WIDGET(self->curve_plot));
  gtk_paned_set_resize_start_child(GTK_PANED(paned), TRUE);
  gtk_paned_set_position(GTK_PANED(paned), 760);
  gtk_box_append(GTK_BOX(self->box), paned);

  self->label_result = gtk_label_new("");
  gtk_label_set_wrap(GTK_LABEL(self->label_result), TRUE);
  gtk_label_set_xalign(GTK_LABEL(self->label_result), 0);
  gtk_box_append(GTK_BOX(self->box), self->label_result);
  self->status_label = gtk_label_new("");
  gtk_label_set_wrap(GTK_LABEL(self->status_label), TRUE);
  gtk_label_set_xalign(GTK_LABEL(self->status_label), 0);
  gtk_box_append(GTK_BOX(self->box), self->status_label);
  update_sensitivity(self);
}

GtkWidget *
gb_sanity_view_new(void)
{
  return g_object_new(GB_TYPE_SANITY_VIEW, NULL);
}

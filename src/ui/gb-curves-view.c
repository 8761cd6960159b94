/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-curves-view.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "gb-alloc.h"
#include "gb-curves.h"
#include "gb-explain.h"
#include "gb-view-util.h"

#define LANE       "curves-view"
#define RANDOM_RGB GB_CURVES_BLACK_RGB
#define N_COLUMNS  8

struct _GbCurvesView {
  GtkWidget parent_instance;
  GbWorker *worker;
  GbModelHandle *model;
  float *x;    /* (n, d) copy of the data */
  int *labels; /* (n) or NULL */
  int n, n_classes;
  GbShape shape;
  char *name;

  GbFaithfulnessCurve curves[GB_CURVES_N_METHODS];
  gboolean have[GB_CURVES_N_METHODS];
  gboolean enabled[GB_CURVES_N_METHODS];
  GbFaithfulnessMode mode;
  GbFaithfulnessMeasure measure;
  GbBaselineKind baseline;
  guint job;
  guint generation; /* of the current run: older partial results are dropped */
  gint64 started;
  char *status;

  GtkWidget *box;
  GtkWidget *checks[GB_CURVES_N_METHODS];
  GtkWidget *samples, *mode_dd, *measure_dd, *baseline_dd;
  GtkWidget *run_button, *cancel_button, *export_button, *csv_button;
  GtkWidget *progress, *status_label;
  GbPlotView *plot;
  GtkWidget *table;
  GtkWidget *cells[GB_CURVES_N_METHODS][N_COLUMNS];
  int row_method[GB_CURVES_N_METHODS]; /* method shown in table row r; -1: none */
};

G_DEFINE_FINAL_TYPE(GbCurvesView, gb_curves_view, GTK_TYPE_WIDGET)

static const GbFaithfulnessMode mode_values[] = {GB_FAITHFULNESS_KEEP, GB_FAITHFULNESS_MORF,
                                                 GB_FAITHFULNESS_LERF, GB_FAITHFULNESS_INSERT};
static const GbFaithfulnessMeasure measure_values[] = {
    GB_FAITHFULNESS_AGREEMENT, GB_FAITHFULNESS_ACCURACY, GB_FAITHFULNESS_PROBABILITY,
    GB_FAITHFULNESS_BALANCED_ACCURACY};
static const GbBaselineKind baseline_values[] = {GB_BASELINE_ZEROS, GB_BASELINE_MEAN,
                                                 GB_BASELINE_BLUR, GB_BASELINE_UNIFORM};

const char *
gb_curves_method_title(GbCurvesMethod method)
{
  switch (method) {
  case GB_CURVES_METHOD_SALIENCY: return _("Saliency");
  case GB_CURVES_METHOD_GRAD_X_INPUT: return _("Gradient × input");
  case GB_CURVES_METHOD_INTEGRATED_GRADIENTS: return _("Integrated gradients");
  case GB_CURVES_METHOD_LRP_EPSILON: return _("LRP-ε");
  case GB_CURVES_METHOD_LRP_COMPOSITE: return _("LRP ε-γ-box");
  case GB_CURVES_METHOD_OCCLUSION: return _("Occlusion");
  case GB_CURVES_METHOD_KERNEL_SHAP: return _("KernelSHAP");
  default: return "?";
  }
}

static const char *
mode_title(GbFaithfulnessMode mode)
{
  switch (mode) {
  case GB_FAITHFULNESS_KEEP: return _("Keep top-k");
  case GB_FAITHFULNESS_MORF: return _("MoRF (delete most relevant)");
  case GB_FAITHFULNESS_LERF: return _("LeRF (delete least relevant)");
  default: return _("Insertion");
  }
}

static const char *
measure_title(GbFaithfulnessMeasure measure)
{
  switch (measure) {
  case GB_FAITHFULNESS_AGREEMENT: return _("Agreement with the original prediction");
  case GB_FAITHFULNESS_ACCURACY: return _("Accuracy");
  case GB_FAITHFULNESS_PROBABILITY: return _("Probability of the original class");
  default: return _("Balanced accuracy");
  }
}

/* ---- The job: one faithfulness curve per method, published as each is done ---- */

typedef struct {
  GbModel *model;
  float *x;
  int *labels;
  GbDataView data;
  GbFaithfulnessMode mode;
  GbFaithfulnessMeasure measure;
  GbBaselineKind baseline;
  int methods[GB_CURVES_N_METHODS];
  int n_methods;
  int current;
  guint generation;
  GbJob *job;
  char stage[96];
  /* The current method's explainer, wrapped so that a cancel stops between samples. */
  GbExplainBatchFn explain;
  void *explain_user;
  gboolean per_sample;
} CurvesJob;

typedef struct {
  int method;
  guint generation;
  GbFaithfulnessCurve curve;
} CurvePartial;

static void
curves_job_free(gpointer data)
{
  CurvesJob *j = data;
  gb_model_free(j->model);
  g_free(j->x);
  g_free(j->labels);
  g_free(j);
}

static void
curve_partial_free(gpointer data)
{
  CurvePartial *p = data;
  gb_faithfulness_curve_clear(&p->curve);
  g_free(p);
}

/* The fraction of the whole job, from the fraction of the current method's curve. */
static bool
curves_job_progress(void *user, double fraction, const char *stage)
{
  CurvesJob *j = user;
  (void)stage;
  g_snprintf(j->stage, sizeof j->stage, "%s (%d/%d)",
             gb_curves_method_title(j->methods[j->current]), j->current + 1, j->n_methods);
  return gb_job_progress(j->job, (j->current + fraction) / j->n_methods, j->stage);
}

/* Inputs' range, for the box rule of the LRP composite. */
static void
data_range(const GbDataView *d, float *lo, float *hi)
{
  size_t len = (size_t)d->n * gb_shape_size(&d->shape);
  *lo = *hi = len > 0 ? d->x[0] : 0;
  for (size_t i = 1; i < len; i++) {
    *lo = MIN(*lo, d->x[i]);
    *hi = MAX(*hi, d->x[i]);
  }
}

/* Slow explainers (many model runs per sample) go one sample at a time, so that a cancel is
 * seen within one sample's time instead of a whole batch's. */
static GbStatus
cancellable_explain(void *user, GbModel *m, const float *x, int nb, const int *classes, float *maps,
                    GbError *err)
{
  CurvesJob *j = user;
  size_t d = gb_model_input_size(m);
  int step = j->per_sample ? 1 : nb;
  for (int i = 0; i < nb; i += step) {
    if (gb_job_is_cancelled(j->job))
      return gb_error_set(err, GB_ERR_CANCELLED, "cancelled");
    GbStatus st = j->explain(j->explain_user, m, x + i * d, MIN(step, nb - i), classes + i,
                             maps + i * d, err);
    if (st != GB_OK)
      return st;
  }
  return GB_OK;
}

static GbStatus
curves_job_one(CurvesJob *j, int method, GbFaithfulnessCurve *out, GbError *err)
{
  GbFaithfulnessConfig cfg;
  gb_faithfulness_config_init(&cfg);
  cfg.mode = j->mode;
  cfg.measure = j->measure;
  cfg.baseline.kind = j->baseline;
  cfg.progress = curves_job_progress;
  cfg.user = j;
  GbIgConfig ig;
  GbLrpPolicy lrp;
  GbMethodConfig shap;
  float lo, hi;
  switch (method) {
  case GB_CURVES_METHOD_SALIENCY: cfg.explain = gb_explain_batch_saliency; break;
  case GB_CURVES_METHOD_GRAD_X_INPUT: cfg.explain = gb_explain_batch_grad_x_input; break;
  case GB_CURVES_METHOD_INTEGRATED_GRADIENTS:
    gb_ig_config_init(&ig);
    ig.steps = 32;
    cfg.explain = gb_explain_batch_integrated_gradients;
    cfg.explain_user = &ig;
    break;
  case GB_CURVES_METHOD_LRP_EPSILON:
    cfg.explain = gb_explain_batch_lrp; /* NULL user: LRP-eps, eps 0.1 */
    break;
  case GB_CURVES_METHOD_LRP_COMPOSITE:
    data_range(&j->data, &lo, &hi);
    gb_lrp_policy_init_preset(&lrp, GB_LRP_PRESET_EPSILON_GAMMA_BOX, lo, hi);
    cfg.explain = gb_explain_batch_lrp;
    cfg.explain_user = &lrp;
    break;
  case GB_CURVES_METHOD_OCCLUSION: cfg.explain = gb_explain_batch_occlusion; break;
  default:
    gb_method_config_init(&shap, GB_METHOD_KERNEL_SHAP);
    cfg.explain = gb_explain_batch_method;
    cfg.explain_user = &shap;
    break;
  }
  j->explain = cfg.explain;
  j->explain_user = cfg.explain_user;
  j->per_sample = method != GB_CURVES_METHOD_SALIENCY && method != GB_CURVES_METHOD_GRAD_X_INPUT;
  cfg.explain = cancellable_explain;
  cfg.explain_user = j;
  return gb_faithfulness_curve(j->model, &j->data, &cfg, out, err);
}

static void curve_arrived_cb(GObject *owner, gpointer partial);

static gboolean
curves_job_run(GbJob *job, gpointer data, GError **error)
{
  CurvesJob *j = data;
  j->job = job;
  for (j->current = 0; j->current < j->n_methods; j->current++) {
    CurvePartial *p = g_new0(CurvePartial, 1);
    p->method = j->methods[j->current];
    p->generation = j->generation;
    GbError err = {0};
    GbStatus st = curves_job_one(j, p->method, &p->curve, &err);
    if (st != GB_OK) {
      g_free(p);
      gb_error_prefix(&err, "%s: ", gb_curves_method_title(j->methods[j->current]));
      gb_set_error_from_status(error, st, &err);
      return FALSE;
    }
    gb_job_publish(job, curve_arrived_cb, p, curve_partial_free);
  }
  return TRUE;
}

/* ---- Summaries ---- */

typedef struct {
  double auc, auc_random, auc_sd;
  double aopc, aopc_random; /* NAN for KEEP and INSERT */
  double epc, epc_random;   /* NAN for MORF and LERF, or a model at chance */
} Summary;

static void
summarise(const GbFaithfulnessCurve *c, Summary *s)
{
  *s = (Summary){.aopc = NAN, .aopc_random = NAN, .epc = NAN, .epc_random = NAN};
  s->auc = gb_faithfulness_auc(c->grid, c->explainer, c->n_grid);
  s->auc_random = gb_faithfulness_auc(c->grid, c->random_mean, c->n_grid);
  double sum2 = 0;
  for (int r = 0; r < c->n_random; r++) {
    double a = gb_faithfulness_auc(c->grid, c->random + (size_t)r * c->n_grid, c->n_grid);
    sum2 += (a - s->auc_random) * (a - s->auc_random);
  }
  s->auc_sd = c->n_random > 1 ? sqrt(sum2 / (c->n_random - 1)) : 0;
  GbError err = {0};
  GbFaithfulnessAopc aopc;
  if (gb_faithfulness_aopc(c, &aopc, &err) == GB_OK) {
    s->aopc = aopc.explainer;
    s->aopc_random = aopc.random_mean;
  }
  GbEpcSummary *epc = g_new(GbEpcSummary, 1);
  if (gb_epc_summarise(c, epc, &err) == GB_OK) {
    s->epc = epc->explainer.area;
    s->epc_random = epc->random_area_mean;
  }
  g_free(epc);
}

static char *
format_value(double v, gboolean signed_)
{
  if (!isfinite(v))
    return g_strdup("—");
  return g_strdup_printf(signed_ ? "%+.3f" : "%.3f", v);
}

/* ---- Drawing ---- */

static GbStatus
draw_curves(void *user, cairo_t *cr, GbPlotRect area, GbError *err)
{
  GbCurvesView *self = user;
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_rectangle(cr, area.x, area.y, area.width, area.height);
  cairo_fill(cr);
  GbCurve curves[GB_CURVES_N_METHODS + 1];
  char notes[GB_CURVES_N_METHODS + 1][48];
  int n = 0;
  const GbFaithfulnessCurve *first = NULL;
  for (int m = 0; m < GB_CURVES_N_METHODS; m++) {
    if (!self->have[m])
      continue;
    const GbFaithfulnessCurve *c = &self->curves[m];
    if (first == NULL) {
      first = c;
      Summary s;
      summarise(c, &s);
      g_snprintf(notes[n], sizeof notes[n], "AUC %.3f", s.auc_random);
      curves[n++] = (GbCurve){.name = _("random ranking (mean ± sd)"),
                              .annotation = notes[0],
                              .x = c->grid,
                              .y = c->random_mean,
                              .sd = c->random_sd,
                              .n = c->n_grid,
                              .fixed_rgb = true,
                              .rgb = RANDOM_RGB,
                              .dashed = true};
    }
    g_snprintf(notes[n], sizeof notes[n], "AUC %.3f",
               gb_faithfulness_auc(c->grid, c->explainer, c->n_grid));
    curves[n] = (GbCurve){.name = gb_curves_method_title(m),
                          .annotation = notes[n],
                          .x = c->grid,
                          .y = c->explainer,
                          .n = c->n_grid,
                          .fixed_rgb = true,
                          .rgb = gb_curves_palette(m),
                          .markers = true};
    n++;
  }
  if (n == 0)
    return GB_OK;
  g_autofree char *title = g_strdup_printf(_("%s on %s (%d samples)"), mode_title(first->mode),
                                           self->name ? self->name : "", first->n_samples);
  gboolean removing = first->mode == GB_FAITHFULNESS_MORF || first->mode == GB_FAITHFULNESS_LERF;
  GbCurves fig = {
      .curves = curves,
      .n_curves = n,
      .title = title,
      .x_label = removing ? _("fraction of features removed") : _("fraction of features kept"),
      .y_label = measure_title(first->measure),
      .x_fixed = true,
      .x_lo = 0,
      .x_hi = 1,
      .y_fixed = true,
      .y_lo = 0,
      .y_hi = 1.02,
      .grid = true,
      .legend = GB_CURVES_LEGEND_RIGHT,
  };
  return gb_curves_draw(cr, &fig, area, err);
}

/* ---- The table ---- */

static void
table_set(GbCurvesView *self, int row, int col, const char *text)
{
  GtkWidget *l = self->cells[row][col];
  if (l == NULL) {
    l = self->cells[row][col] = gtk_label_new(NULL);
    gtk_label_set_xalign(GTK_LABEL(l), col == 0 ? 0.0f : 1.0f);
    gtk_grid_attach(GTK_GRID(self->table), l, col, row + 1, 1, 1);
  }
  gtk_label_set_text(GTK_LABEL(l), text);
}

static void
table_refresh(GbCurvesView *self)
{
  int row = 0;
  for (int m = 0; m < GB_CURVES_N_METHODS; m++) {
    if (!self->have[m])
      continue;
    Summary s;
    summarise(&self->curves[m], &s);
    double values[N_COLUMNS - 1] = {
        s.auc, s.auc_random,        s.auc - s.auc_random, s.aopc, s.aopc - s.aopc_random,
        s.epc, s.epc - s.epc_random};
    gboolean delta[N_COLUMNS - 1] = {FALSE, FALSE, TRUE, FALSE, TRUE, FALSE, TRUE};
    table_set(self, row, 0, gb_curves_method_title(m));
    for (int c = 1; c < N_COLUMNS; c++) {
      g_autofree char *t = format_value(values[c - 1], delta[c - 1]);
      table_set(self, row, c, t);
    }
    self->row_method[row++] = m;
  }
  for (; row < GB_CURVES_N_METHODS; row++) {
    self->row_method[row] = -1;
    for (int c = 0; c < N_COLUMNS; c++)
      if (self->cells[row][c] != NULL) {
        gtk_grid_remove(GTK_GRID(self->table), self->cells[row][c]);
        self->cells[row][c] = NULL;
      }
  }
}

static void
table_build_header(GbCurvesView *self)
{
  const char *head[N_COLUMNS] = {_("Method"), _("AUC"),    _("random AUC"),           _("Δ AUC"),
                                 _("AOPC"),   _("Δ AOPC"), _("EPC (our definition)"), _("Δ EPC")};
  const char *tips[N_COLUMNS] = {
      NULL,
      _("Area under the method's curve"),
      _("Area under the random rankings' mean curve"),
      _("Method minus random"),
      _("Mean drop from the full performance (deletion curves only)"),
      _("AOPC minus that of random rankings"),
      _("Area of normalised retained performance over sparsity (methods.md §1.4; keep and "
        "insertion curves only): our proposal, not a published measure"),
      _("EPC minus that of random rankings")};
  for (int c = 0; c < N_COLUMNS; c++) {
    GtkWidget *l = gtk_label_new(head[c]);
    gtk_widget_add_css_class(l, "heading");
    gtk_label_set_xalign(GTK_LABEL(l), c == 0 ? 0.0f : 1.0f);
    if (tips[c] != NULL)
      gtk_widget_set_tooltip_text(l, tips[c]);
    gtk_grid_attach(GTK_GRID(self->table), l, c, 0, 1, 1);
  }
}

/* ---- State ---- */

static void
set_status(GbCurvesView *self, const char *text)
{
  g_free(self->status);
  self->status = g_strdup(text);
  gtk_label_set_text(GTK_LABEL(self->status_label), text);
}

static void
update_sensitivity(GbCurvesView *self)
{
  gboolean running = gb_curves_view_is_running(self);
  gboolean ready = self->worker != NULL && self->model != NULL && self->n > 0;
  gboolean any = FALSE, have = FALSE;
  for (int m = 0; m < GB_CURVES_N_METHODS; m++) {
    any |= self->enabled[m];
    have |= self->have[m];
  }
  gtk_widget_set_sensitive(self->run_button, ready && any && !running);
  gtk_widget_set_sensitive(self->cancel_button, running);
  gtk_widget_set_visible(self->progress, running);
  gtk_widget_set_sensitive(self->export_button, have);
  gtk_widget_set_sensitive(self->csv_button, have);
}

static void
clear_curves(GbCurvesView *self)
{
  for (int m = 0; m < GB_CURVES_N_METHODS; m++) {
    gb_faithfulness_curve_clear(&self->curves[m]);
    self->have[m] = FALSE;
  }
  table_refresh(self);
  gb_plot_view_set_placeholder(self->plot, _("Choose methods and press Run"));
}

static void
curve_arrived_cb(GObject *owner, gpointer partial)
{
  GbCurvesView *self = GB_CURVES_VIEW(owner);
  CurvePartial *p = partial;
  if (p->generation != self->generation)
    return;
  gb_faithfulness_curve_clear(&self->curves[p->method]);
  self->curves[p->method] = p->curve;
  memset(&p->curve, 0, sizeof p->curve); /* moved */
  self->have[p->method] = TRUE;
  gb_plot_view_set_placeholder(self->plot, NULL);
  gb_plot_view_queue_draw(self->plot);
  table_refresh(self);
  update_sensitivity(self);
}

static void
curves_progress_cb(GObject *owner, double fraction, const char *stage, double seconds_left)
{
  GbCurvesView *self = GB_CURVES_VIEW(owner);
  gb_view_util_progress_bar_set(GTK_PROGRESS_BAR(self->progress), fraction, stage, seconds_left);
}

static void
curves_done_cb(GObject *owner, gpointer data, const GError *error)
{
  GbCurvesView *self = GB_CURVES_VIEW(owner);
  if (((CurvesJob *)data)->generation != self->generation)
    return;
  self->job = 0;
  if (error != NULL && g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    set_status(self, _("Cancelled"));
  else if (error != NULL)
    set_status(self, error->message);
  else {
    g_autofree char *t =
        g_strdup_printf(_("Done in %.1f s"), (g_get_monotonic_time() - self->started) / 1e6);
    set_status(self, t);
  }
  update_sensitivity(self);
}

/* ---- Public API ---- */

void
gb_curves_view_set_context(GbCurvesView *self, GbWorker *worker, GbModelHandle *model,
                           const GbDataView *data, const char *name)
{
  g_return_if_fail(GB_IS_CURVES_VIEW(self));
  gb_curves_view_cancel(self);
  self->job = 0;
  self->generation++;
  g_set_object(&self->worker, worker);
  g_set_object(&self->model, model);
  g_clear_pointer(&self->x, g_free);
  g_clear_pointer(&self->labels, g_free);
  g_clear_pointer(&self->name, g_free);
  self->n = 0;
  if (data != NULL && data->n > 0 && data->x != NULL) {
    size_t d = gb_shape_size(&data->shape);
    self->n = data->n;
    self->shape = data->shape;
    self->n_classes = data->n_classes;
    self->x = g_memdup2(data->x, (size_t)data->n * d * sizeof(float));
    if (data->labels != NULL)
      self->labels = g_memdup2(data->labels, (size_t)data->n * sizeof(int));
    self->name = g_strdup(name);
    gtk_spin_button_set_range(GTK_SPIN_BUTTON(self->samples), 1, data->n);
  }
  clear_curves(self);
  set_status(self, "");
  update_sensitivity(self);
}

void
gb_curves_view_set_context_from_handle(GbCurvesView *self, GbWorker *worker, GbModelHandle *model,
                                       GbDataHandle *data)
{
  GbDataView v = {0};
  if (data != NULL)
    v = gb_dataset_view(gb_data_handle_get_dataset(data));
  gb_curves_view_set_context(self, worker, model, data ? &v : NULL,
                             data ? gb_data_handle_get_name(data) : NULL);
}

void
gb_curves_view_run(GbCurvesView *self)
{
  g_return_if_fail(GB_IS_CURVES_VIEW(self));
  if (self->worker == NULL || self->model == NULL || self->n == 0)
    return;
  g_autoptr(GError) error = NULL;
  GbModel *model = gb_model_handle_dup_model(self->model, &error);
  if (model == NULL) {
    set_status(self, error->message);
    return;
  }
  CurvesJob *j = g_new0(CurvesJob, 1);
  j->model = model;
  int n = MIN(self->n, gtk_spin_button_get_value_as_int(GTK_SPIN_BUTTON(self->samples)));
  size_t d = gb_shape_size(&self->shape);
  j->x = g_memdup2(self->x, (size_t)n * d * sizeof(float));
  j->labels = self->labels ? g_memdup2(self->labels, (size_t)n * sizeof(int)) : NULL;
  j->data = (GbDataView){
      .n = n, .shape = self->shape, .x = j->x, .labels = j->labels, .n_classes = self->n_classes};
  j->generation = ++self->generation;
  j->mode = self->mode;
  j->measure = self->measure;
  j->baseline = self->baseline;
  for (int m = 0; m < GB_CURVES_N_METHODS; m++)
    if (self->enabled[m])
      j->methods[j->n_methods++] = m;
  if (j->n_methods == 0) {
    curves_job_free(j);
    return;
  }
  clear_curves(self);
  gb_plot_view_set_placeholder(self->plot, _("Computing the first curve…"));
  self->started = g_get_monotonic_time();
  self->job = gb_worker_submit(self->worker, LANE, G_OBJECT(self), curves_job_run, j,
                               curves_job_free, curves_progress_cb, curves_done_cb);
  gtk_progress_bar_set_fraction(GTK_PROGRESS_BAR(self->progress), 0);
  set_status(self, _("Running…"));
  update_sensitivity(self);
}

void
gb_curves_view_cancel(GbCurvesView *self)
{
  g_return_if_fail(GB_IS_CURVES_VIEW(self));
  if (self->worker != NULL && self->job != 0)
    gb_worker_cancel(self->worker, LANE);
}

gboolean
gb_curves_view_is_running(GbCurvesView *self)
{
  return self->job != 0;
}

const GbFaithfulnessCurve *
gb_curves_view_get_curve(GbCurvesView *self, GbCurvesMethod method)
{
  g_return_val_if_fail(method >= 0 && method < GB_CURVES_N_METHODS, NULL);
  return self->have[method] ? &self->curves[method] : NULL;
}

const char *
gb_curves_view_get_table_text(GbCurvesView *self, int row, int column)
{
  if (row < 0 || row >= GB_CURVES_N_METHODS || column < 0 || column >= N_COLUMNS ||
      self->cells[row][column] == NULL)
    return NULL;
  return gtk_label_get_text(GTK_LABEL(self->cells[row][column]));
}

const char *
gb_curves_view_get_status(GbCurvesView *self)
{
  return self->status ? self->status : "";
}

GbPlotView *
gb_curves_view_get_plot(GbCurvesView *self)
{
  return self->plot;
}

void
gb_curves_view_set_method_enabled(GbCurvesView *self, GbCurvesMethod method, gboolean enabled)
{
  g_return_if_fail(method >= 0 && method < GB_CURVES_N_METHODS);
  gtk_check_button_set_active(GTK_CHECK_BUTTON(self->checks[method]), enabled);
}

void
gb_curves_view_set_n_samples(GbCurvesView *self, int n)
{
  gtk_spin_button_set_value(GTK_SPIN_BUTTON(self->samples), n);
}

static void
select_value(GtkWidget *dd, const int *values, int n, int value)
{
  for (int i = 0; i < n; i++)
    if (values[i] == value)
      gtk_drop_down_set_selected(GTK_DROP_DOWN(dd), i);
}

void
gb_curves_view_set_mode(GbCurvesView *self, GbFaithfulnessMode mode)
{
  select_value(self->mode_dd, (const int *)mode_values, G_N_ELEMENTS(mode_values), mode);
}

void
gb_curves_view_set_measure(GbCurvesView *self, GbFaithfulnessMeasure measure)
{
  select_value(self->measure_dd, (const int *)measure_values, G_N_ELEMENTS(measure_values),
               measure);
}

void
gb_curves_view_set_baseline(GbCurvesView *self, GbBaselineKind kind)
{
  select_value(self->baseline_dd, (const int *)baseline_values, G_N_ELEMENTS(baseline_values),
               kind);
}

/* ---- CSV ---- */

static void
csv_summary_row(GString *s, const char *method, const char *quantity, double v, double random)
{
  g_string_append_printf(s, "\"%s\",%s,,%.9g,%.9g,,%.9g\n", method, quantity, v, random,
                         v - random);
}

gboolean
gb_curves_view_write_csv(GbCurvesView *self, const char *path, GError **error)
{
  g_autoptr(GString) s = g_string_new("method,quantity,fraction,explainer,random_mean,"
                                      "random_sd,delta\n");
  for (int m = 0; m < GB_CURVES_N_METHODS; m++) {
    if (!self->have[m])
      continue;
    const GbFaithfulnessCurve *c = &self->curves[m];
    const char *name = gb_curves_method_title(m);
    for (int k = 0; k < c->n_grid; k++)
      g_string_append_printf(s, "\"%s\",curve,%.9g,%.9g,%.9g,%.9g,%.9g\n", name, c->grid[k],
                             c->explainer[k], c->random_mean[k], c->random_sd[k],
                             c->explainer[k] - c->random_mean[k]);
    Summary sm;
    summarise(c, &sm);
    csv_summary_row(s, name, "auc", sm.auc, sm.auc_random);
    if (isfinite(sm.aopc))
      csv_summary_row(s, name, "aopc", sm.aopc, sm.aopc_random);
    if (isfinite(sm.epc))
      csv_summary_row(s, name, "epc_area_our_definition", sm.epc, sm.epc_random);
  }
  return g_file_set_contents(path, s->str, (gssize)s->len, error);
}

/* ---- Controls ---- */

static void
check_toggled_cb(GtkCheckButton *button, GbCurvesView *self)
{
  for (int m = 0; m < GB_CURVES_N_METHODS; m++)
    if (self->checks[m] == GTK_WIDGET(button))
      self->enabled[m] = gtk_check_button_get_active(button);
  update_sensitivity(self);
}

static void
dropdown_changed_cb(GtkDropDown *dd, GParamSpec *pspec, GbCurvesView *self)
{
  (void)pspec;
  guint i = gtk_drop_down_get_selected(dd);
  if (GTK_WIDGET(dd) == self->mode_dd && i < G_N_ELEMENTS(mode_values))
    self->mode = mode_values[i];
  else if (GTK_WIDGET(dd) == self->measure_dd && i < G_N_ELEMENTS(measure_values))
    self->measure = measure_values[i];
  else if (GTK_WIDGET(dd) == self->baseline_dd && i < G_N_ELEMENTS(baseline_values))
    self->baseline = baseline_values[i];
}

static void
run_clicked_cb(GtkButton *b, GbCurvesView *self)
{
  (void)b;
  gb_curves_view_run(self);
}

static void
cancel_clicked_cb(GtkButton *b, GbCurvesView *self)
{
  (void)b;
  gb_curves_view_cancel(self);
}

static void
export_chosen_cb(GObject *owner, const char *path)
{
  GbCurvesView *self = GB_CURVES_VIEW(owner);
  g_autoptr(GError) error = NULL;
  if (!gb_plot_view_export(self->plot, path, 1200, 720, &error))
    set_status(self, error->message);
  else
    set_status(self, _("Figure saved"));
}

static void
csv_chosen_cb(GObject *owner, const char *path)
{
  GbCurvesView *self = GB_CURVES_VIEW(owner);
  g_autoptr(GError) error = NULL;
  if (!gb_curves_view_write_csv(self, path, &error))
    set_status(self, error->message);
  else
    set_status(self, _("Numbers saved"));
}

static void
export_clicked_cb(GtkButton *b, GbCurvesView *self)
{
  (void)b;
  gb_view_util_choose_save_file(GTK_WIDGET(self), _("Export Figure"), "curves.png", G_OBJECT(self),
                                export_chosen_cb);
}

static void
csv_clicked_cb(GtkButton *b, GbCurvesView *self)
{
  (void)b;
  gb_view_util_choose_save_file(GTK_WIDGET(self), _("Save Numbers as CSV"), "curves.csv",
                                G_OBJECT(self), csv_chosen_cb);
}

static GtkWidget *
dropdown_new(GbCurvesView *self, const char *const *items, const char *tooltip)
{
  GtkWidget *dd = gtk_drop_down_new_from_strings(items);
  gtk_widget_set_tooltip_text(dd, tooltip);
  g_signal_connect(dd, "notify::selected", G_CALLBACK(dropdown_changed_cb), self);
  return dd;
}

static GtkWidget *
build_options(GbCurvesView *self)
{
  GtkWidget *row = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 8);
  gtk_box_append(GTK_BOX(row), gtk_label_new(_("Samples")));
  self->samples = gtk_spin_button_new_with_range(1, 10000, 10);
  gtk_spin_button_set_value(GTK_SPIN_BUTTON(self->samples), 200);
  gtk_box_append(GTK_BOX(row), self->samples);
  const char *modes[] = {_("Keep top-k"), _("MoRF"), _("LeRF"), _("Insertion"), NULL};
  self->mode_dd = dropdown_new(self, modes, _("Which features the curve keeps or removes"));
  gtk_box_append(GTK_BOX(row), self->mode_dd);
  const char *measures[] = {_("Agreement"), _("Accuracy"), _("Probability"), _("Balanced accuracy"),
                            NULL};
  self->measure_dd = dropdown_new(self, measures, _("Performance measure"));
  gtk_box_append(GTK_BOX(row), self->measure_dd);
  gtk_box_append(GTK_BOX(row), gtk_label_new(_("Baseline")));
  const char *baselines[] = {_("Zeros"), _("Data mean"), _("Blur"), _("Uniform noise"), NULL};
  self->baseline_dd = dropdown_new(self, baselines, _("What removed features are set to"));
  gtk_box_append(GTK_BOX(row), self->baseline_dd);
  self->run_button = gtk_button_new_with_mnemonic(_("_Run"));
  gtk_widget_add_css_class(self->run_button, "suggested-action");
  g_signal_connect(self->run_button, "clicked", G_CALLBACK(run_clicked_cb), self);
  self->cancel_button = gtk_button_new_with_mnemonic(_("_Cancel"));
  g_signal_connect(self->cancel_button, "clicked", G_CALLBACK(cancel_clicked_cb), self);
  self->export_button = gtk_button_new_with_mnemonic(_("_Export Figure…"));
  g_signal_connect(self->export_button, "clicked", G_CALLBACK(export_clicked_cb), self);
  self->csv_button = gtk_button_new_with_mnemonic(_("Save C_SV…"));
  g_signal_connect(self->csv_button, "clicked", G_CALLBACK(csv_clicked_cb), self);
  gtk_box_append(GTK_BOX(row), self->run_button);
  gtk_box_append(GTK_BOX(row), self->cancel_button);
  gtk_box_append(GTK_BOX(row), self->export_button);
  gtk_box_append(GTK_BOX(row), self->csv_button);
  return row;
}

static GtkWidget *
build_methods(GbCurvesView *self)
{
  GtkWidget *row = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 8);
  gtk_box_append(GTK_BOX(row), gtk_label_new(_("Methods")));
  for (int m = 0; m < GB_CURVES_N_METHODS; m++) {
    self->checks[m] = gtk_check_button_new_with_label(gb_curves_method_title(m));
    self->enabled[m] = m <= GB_CURVES_METHOD_INTEGRATED_GRADIENTS;
    gtk_check_button_set_active(GTK_CHECK_BUTTON(self->checks[m]), self->enabled[m]);
    g_signal_connect(self->checks[m], "toggled", G_CALLBACK(check_toggled_cb), self);
    gtk_box_append(GTK_BOX(row), self->checks[m]);
  }
  return row;
}

static void
gb_curves_view_dispose(GObject *object)
{
  GbCurvesView *self = GB_CURVES_VIEW(object);
  gb_curves_view_cancel(self);
  g_clear_pointer(&self->box, gtk_widget_unparent);
  g_clear_object(&self->worker);
  g_clear_object(&self->model);
  G_OBJECT_CLASS(gb_curves_view_parent_class)->dispose(object);
}

static void
gb_curves_view_finalize(GObject *object)
{
  GbCurvesView *self = GB_CURVES_VIEW(object);
  for (int m = 0; m < GB_CURVES_N_METHODS; m++)
    gb_faithfulness_curve_clear(&self->curves[m]);
  g_free(self->x);
  g_free(self->labels);
  g_free(self->name);
  g_free(self->status);
  G_OBJECT_CLASS(gb_curves_view_parent_class)->finalize(object);
}

static void
gb_curves_view_class_init(GbCurvesViewClass *klass)
{
  G_OBJECT_CLASS(klass)->dispose = gb_curves_view_dispose;
  G_OBJECT_CLASS(klass)->finalize = gb_curves_view_finalize;
  gtk_widget_class_set_layout_manager_type(GTK_WIDGET_CLASS(klass), GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name(GTK_WIDGET_CLASS(klass), "curvesview");
}

static void
gb_curves_view_init(GbCurvesView *self)
{
  self->mode = GB_FAITHFULNESS_KEEP;
  self->measure = GB_FAITHFULNESS_AGREEMENT;
  self->baseline = GB_BASELINE_ZEROS;
  self->box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 8);
  gb_view_util_set_margins(self->box, 12);
  gtk_widget_set_parent(self->box, GTK_WIDGET(self));
  gtk_box_append(GTK_BOX(self->box), build_methods(self));
  gtk_box_append(GTK_BOX(self->box), build_options(self));
  self->progress = gtk_progress_bar_new();
  gtk_progress_bar_set_show_text(GTK_PROGRESS_BAR(self->progress), TRUE);
  gtk_box_append(GTK_BOX(self->box), self->progress);
  self->plot = GB_PLOT_VIEW(gb_plot_view_new());
  gtk_widget_set_size_request(GTK_WIDGET(self->plot), 480, 320);
  gb_plot_view_set_draw_func(self->plot, draw_curves, self, NULL);
  gtk_box_append(GTK_BOX(self->box), GTK_WIDGET(self->plot));
  self->table = gtk_grid_new();
  gtk_grid_set_column_spacing(GTK_GRID(self->table), 18);
  gtk_grid_set_row_spacing(GTK_GRID(self->table), 4);
  table_build_header(self);
  gtk_box_append(GTK_BOX(self->box), self->table);
  self->status_label = gtk_label_new("");
  gtk_label_set_xalign(GTK_LABEL(self->status_label), 0);
  gtk_label_set_wrap(GTK_LABEL(self->status_label), TRUE);
  gtk_box_append(GTK_BOX(self->box), self->status_label);
  clear_curves(self);
  update_sensitivity(self);
}

GtkWidget *
gb_curves_view_new(void)
{
  return g_object_new(GB_TYPE_CURVES_VIEW, NULL);
}

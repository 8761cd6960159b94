/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "gb-eeg-trial.h"
#include "gb-eeg-view-private.h"

/* The EEG view's model, method and background jobs: predictions of every trial, the selected
 * trial's relevance, and the relevance averaged per class over every trial. Each job works on
 * copies made here on the main thread and a reference to the immutable model handle. */

typedef struct {
  GbModelHandle *model;
  float *x;          /* (n_trials, n_times, n_channels) */
  int n_trials;
  size_t n_x;        /* n_times * n_channels */
  int *labels;       /* explain-all: n_trials classes */
  GbMethodConfig cfg;
  float *baseline;   /* cfg.baseline_data points here */
  int trial;         /* explain: which trial x is */
  float *out;        /* predict: n_trials probabilities; explain: n_x; explain-all: 2 n_x */
} EegJob;

static void
eeg_job_free(gpointer p)
{
  EegJob *d = p;
  g_clear_object(&d->model);
  g_free(d->x);
  g_free(d->labels);
  g_free(d->baseline);
  g_free(d->out);
  g_free(d);
}

static EegJob *
eeg_job_new(GbEegView *self, int first, int n_trials)
{
  EegJob *d = g_new0(EegJob, 1);
  d->model = g_object_ref(self->model);
  d->n_trials = n_trials;
  d->n_x = (size_t)self->set->n_times * self->set->n_channels;
  d->x = g_memdup2(gb_eeg_view_trial_data(self, first), d->n_x * n_trials * sizeof(float));
  d->cfg = self->method;
  if (self->method_baseline != NULL && self->method_baseline_n == d->n_x)
    d->baseline = g_memdup2(self->method_baseline, d->n_x * sizeof(float));
  d->cfg.baseline_data = d->baseline;
  d->trial = first;
  return d;
}

/* The target logit: the only output of a BCE model, class 1 of a two-class one. */
static GbTarget
target_of(const GbModel *m)
{
  return gb_target_class(gb_model_n_outputs(m) == 1 ? 0 : 1);
}

gboolean
gb_eeg_view_model_fits(GbEegView *self, GbModelHandle *model, GError **error)
{
  const GbModel *m = gb_model_handle_get_model(model);
  const GbShape *s = gb_model_input_shape(m);
  int k = gb_model_n_outputs(m);
  const char *title = gb_model_handle_get_title(model);
  if (k != 1 && k != 2) {
    g_set_error(error, GB_ERROR, GB_ERR_SHAPE,
                _("\u201c%s\u201d has %d outputs; the EEG view needs a target/non-target model "
                  "(one logit or two classes)."), title, k);
    return FALSE;
  }
  if (self->set == NULL)
    return TRUE;
  if (s->ndim != 2 || s->dim[0] != self->set->n_times || s->dim[1] != self->set->n_channels) {
    char buf[64];
    g_set_error(error, GB_ERROR, GB_ERR_SHAPE,
                _("\u201c%s\u201d reads inputs of %s, but these trials are %dx%d (time samples "
                  "x channels)."), title, gb_shape_format(s, buf, sizeof buf),
                self->set->n_times, self->set->n_channels);
    return FALSE;
  }
  return TRUE;
}

/* ---- Predictions ---- */

static gboolean
predict_run(GbJob *job, gpointer data, GError **error)
{
  EegJob *d = data;
  GbModel *m = gb_model_handle_dup_model(d->model, error);
  if (m == NULL)
    return FALSE;
  int k = gb_model_n_outputs(m);
  float *logits = g_new(float, (size_t)d->n_trials * k);
  GbError err = { 0 };
  GbStatus st = gb_model_predict(m, d->x, d->n_trials, logits, gb_job_progress, job, &err);
  if (st == GB_OK) {
    d->out = g_new(float, d->n_trials);
    for (int i = 0; i < d->n_trials; i++) {
      const float *l = logits + (size_t)i * k;
      double z = k == 1 ? l[0] : (double)l[1] - l[0]; /* softmax of two = sigmoid of the gap */
      d->out[i] = (float)(1.0 / (1.0 + exp(-z)));
    }
  }
  g_free(logits);
  gb_model_free(m);
  gb_set_error_from_status(error, st, &err);
  return st == GB_OK;
}

static void
job_failed(GbEegView *self, const GError *error)
{
  gb_eeg_view_set_status(self, NULL);
  if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    gb_eeg_view_set_message(self, error->message);
}

static void
predict_done(GObject *owner, gpointer data, const GError *error)
{
  GbEegView *self = GB_EEG_VIEW(owner);
  EegJob *d = data;
  if (error != NULL) {
    job_failed(self, error);
    return;
  }
  if (self->set == NULL || d->model != self->model
      || d->n_trials != gb_dataset_size(self->set->data))
    return;
  int correct = 0;
  for (int t = 0; t < d->n_trials; t++) {
    self->probability[t] = d->out[t];
    correct += (d->out[t] >= 0.5f) == (self->set->data->labels[t] != 0);
    g_autoptr(GbEegTrial) item = g_list_model_get_item(G_LIST_MODEL(self->store), (guint)t);
    gb_eeg_trial_set_probability(item, d->out[t]);
  }
  g_autofree char *status = g_strdup_printf(_("%s: %d of %d trials right (threshold 0.5)"),
                                            gb_model_handle_get_title(self->model), correct,
                                            d->n_trials);
  gb_eeg_view_set_status(self, status);
  gb_eeg_view_refresh(self);
}

static void
progress_status(GObject *owner, const char *what, double fraction)
{
  g_autofree char *text = g_strdup_printf("%s %.0f%%", what, 100.0 * fraction);
  gb_eeg_view_set_status(GB_EEG_VIEW(owner), text);
}

static void
predict_progress(GObject *owner, double fraction, const char *stage, double seconds_left)
{
  (void)stage;
  (void)seconds_left;
  progress_status(owner, _("Predicting every trial\u2026"), fraction);
}

void
gb_eeg_view_predict(GbEegView *self)
{
  if (self->set == NULL || self->model == NULL || !self->model_fits || self->worker == NULL)
    return;
  int n = gb_dataset_size(self->set->data);
  if (n == 0)
    return;
  gb_worker_submit(self->worker, GB_EEG_LANE_PREDICT, G_OBJECT(self), predict_run,
                   eeg_job_new(self, 0, n), eeg_job_free, predict_progress, predict_done);
}

/* ---- Relevance of the selected trial ---- */

static GbStatus
explain_one(GbModel *m, const EegJob *d, const float *x, float *out, GbProgressFn progress,
            void *user, GbError *err)
{
  GbTarget t = target_of(m);
  GbExplanation ex;
  memset(&ex, 0, sizeof ex);
  GbStatus st = gb_explain(m, x, d->n_x, &t, &d->cfg, &ex, progress, user, err);
  if (st == GB_OK && ex.map.n != d->n_x)
    st = gb_error_set(err, GB_ERR_SHAPE, "%s gave %zu relevance values for %zu inputs",
                      gb_method_title(d->cfg.method), ex.map.n, d->n_x);
  if (st == GB_OK)
    memcpy(out, ex.map.values, d->n_x * sizeof(float));
  gb_explanation_clear(&ex);
  return st;
}

static gboolean
explain_run(GbJob *job, gpointer data, GError **error)
{
  EegJob *d = data;
  GbModel *m = gb_model_handle_dup_model(d->model, error);
  if (m == NULL)
    return FALSE;
  d->out = g_new(float, d->n_x);
  GbError err = { 0 };
  GbStatus st = explain_one(m, d, d->x, d->out, gb_job_progress, job, &err);
  gb_model_free(m);
  gb_set_error_from_status(error, st, &err);
  return st == GB_OK;
}

static void
explain_done(GObject *owner, gpointer data, const GError *error)
{
  GbEegView *self = GB_EEG_VIEW(owner);
  EegJob *d = data;
  if (error != NULL) {
    job_failed(self, error);
    return;
  }
  if (self->set == NULL || d->model != self->model || d->trial != self->trial)
    return;
  g_free(self->relevance);
  self->relevance = g_steal_pointer(&d->out);
  self->relevance_trial = d->trial;
  gb_eeg_view_set_status(self, NULL);
  gb_eeg_view_refresh(self);
}

static void
explain_progress(GObject *owner, double fraction, const char *stage, double seconds_left)
{
  (void)stage;
  (void)seconds_left;
  progress_status(owner, _("Explaining this trial\u2026"), fraction);
}

void
gb_eeg_view_explain_selected(GbEegView *self)
{
  if (self->set == NULL || self->model == NULL || !self->model_fits || self->worker == NULL
      || self->trial < 0)
    return;
  if (self->relevance != NULL && self->relevance_trial == self->trial)
    return;
  gb_worker_submit(self->worker, GB_EEG_LANE_EXPLAIN, G_OBJECT(self), explain_run,
                   eeg_job_new(self, self->trial, 1), eeg_job_free, explain_progress,
                   explain_done);
}

/* ---- Relevance averaged per class over every trial ---- */

typedef struct {
  GbJob *job;
  int i, n;
} TrialSteps;

/* Trial i's progress f as the whole job's. */
static bool
steps_progress(void *user, double f, const char *stage)
{
  TrialSteps *s = user;
  return gb_job_progress(s->job, (s->i + f) / s->n, stage);
}

static gboolean
explain_all_run(GbJob *job, gpointer data, GError **error)
{
  EegJob *d = data;
  GbModel *m = gb_model_handle_dup_model(d->model, error);
  if (m == NULL)
    return FALSE;
  double *sum = g_new0(double, 2 * d->n_x);
  float *r = g_new(float, d->n_x);
  int count[2] = { 0, 0 };
  GbError err = { 0 };
  GbStatus st = GB_OK;
  TrialSteps steps = { job, 0, d->n_trials };
  for (int i = 0; i < d->n_trials && st == GB_OK; i++) {
    steps.i = i;
    st = explain_one(m, d, d->x + (size_t)i * d->n_x, r, steps_progress, &steps, &err);
    int k = d->labels[i] ? 1 : 0;
    for (size_t j = 0; st == GB_OK && j < d->n_x; j++)
      sum[k * d->n_x + j] += r[j];
    count[k]++;
  }
  if (st == GB_OK) {
    d->out = g_new(float, 2 * d->n_x);
    for (int k = 0; k < 2; k++)
      for (size_t j = 0; j < d->n_x; j++)
        d->out[k * d->n_x + j] = count[k] ? (float)(sum[k * d->n_x + j] / count[k]) : NAN;
  }
  g_free(sum);
  g_free(r);
  gb_model_free(m);
  gb_set_error_from_status(error, st, &err);
  return st == GB_OK;
}

static void
explain_all_done(GObject *owner, gpointer data, const GError *error)
{
  GbEegView *self = GB_EEG_VIEW(owner);
  EegJob *d = data;
  self->explaining_all = FALSE;
  if (error != NULL) {
    job_failed(self, error);
    gb_eeg_view_refresh(self);
    return;
  }
  if (self->set == NULL || d->model != self->model)
    return;
  for (int k = 0; k < 2; k++) {
    g_free(self->average_relevance[k]);
    self->average_relevance[k] = g_memdup2(d->out + k * d->n_x, d->n_x * sizeof(float));
  }
  gb_eeg_view_set_status(self, NULL);
  gb_eeg_view_refresh(self);
}

static void
explain_all_progress(GObject *owner, double fraction, const char *stage, double seconds_left)
{
  (void)stage;
  (void)seconds_left;
  progress_status(owner, _("Explaining every trial for the averages\u2026"), fraction);
}

void
gb_eeg_view_explain_all(GbEegView *self)
{
  if (self->set == NULL || self->model == NULL || !self->model_fits || self->worker == NULL
      || self->average_relevance[1] != NULL || self->explaining_all)
    return;
  int n = gb_dataset_size(self->set->data);
  if (n == 0)
    return;
  EegJob *d = eeg_job_new(self, 0, n);
  d->labels = g_memdup2(self->set->data->labels, (size_t)n * sizeof(int));
  self->explaining_all = TRUE;
  gb_worker_submit(self->worker, GB_EEG_LANE_EXPLAIN_ALL, G_OBJECT(self), explain_all_run, d,
                   eeg_job_free, explain_all_progress, explain_all_done);
}

/* ---- Model and method ---- */

static void
forget_relevance(GbEegView *self)
{
  g_clear_pointer(&self->relevance, g_free);
  self->relevance_trial = -1;
  for (int k = 0; k < 2; k++)
    g_clear_pointer(&self->average_relevance[k], g_free);
  self->explaining_all = FALSE;
  if (self->worker != NULL)
    gb_worker_cancel(self->worker, GB_EEG_LANE_EXPLAIN_ALL);
}

static void
restart_jobs(GbEegView *self)
{
  forget_relevance(self);
  gb_eeg_view_explain_selected(self);
  if (self->show_averages)
    gb_eeg_view_explain_all(self);
  gb_eeg_view_refresh(self);
}

void
gb_eeg_view_set_model(GbEegView *self, GbWorker *worker, GbModelHandle *model)
{
  g_return_if_fail(GB_IS_EEG_VIEW(self));
  g_return_if_fail(GB_IS_WORKER(worker));
  g_return_if_fail(model == NULL || GB_IS_MODEL_HANDLE(model));
  g_autoptr(GError) error = NULL;
  if (model != NULL && !gb_eeg_view_model_fits(self, model, &error)) {
    g_autofree char *text = self->model
      ? g_strdup_printf(_("%s Keeping \u201c%s\u201d."), error->message,
                        gb_model_handle_get_title(self->model))
      : g_strdup(error->message);
    gb_eeg_view_set_message(self, text);
    return;
  }
  g_set_object(&self->worker, worker);
  g_set_object(&self->model, model);
  self->model_fits = model != NULL;
  gb_eeg_view_set_message(self, NULL);
  gb_eeg_view_set_status(self, NULL);
  int n = self->set ? gb_dataset_size(self->set->data) : 0;
  for (int t = 0; t < n; t++) {
    self->probability[t] = NAN;
    g_autoptr(GbEegTrial) item = g_list_model_get_item(G_LIST_MODEL(self->store), (guint)t);
    gb_eeg_trial_set_probability(item, NAN);
  }
  if (model == NULL) {
    gb_worker_cancel(worker, GB_EEG_LANE_PREDICT);
    gb_worker_cancel(worker, GB_EEG_LANE_EXPLAIN);
  }
  gb_eeg_view_predict(self);
  restart_jobs(self);
}

void
gb_eeg_view_set_method(GbEegView *self, const GbMethodConfig *cfg)
{
  g_return_if_fail(GB_IS_EEG_VIEW(self));
  g_return_if_fail(cfg != NULL);
  g_clear_pointer(&self->method_baseline, g_free);
  self->method = *cfg;
  self->method_baseline_n = 0;
  if (cfg->baseline_data != NULL && self->set != NULL) {
    /* Borrowed by the caller's struct: keep a copy of the input-sized array. */
    self->method_baseline_n = (size_t)self->set->n_times * self->set->n_channels;
    self->method_baseline = g_memdup2(cfg->baseline_data,
                                      self->method_baseline_n * sizeof(float));
  }
  self->method.baseline_data = self->method_baseline;
  gb_eeg_view_set_message(self, NULL); /* a failure of the previous method */
  restart_jobs(self);
}

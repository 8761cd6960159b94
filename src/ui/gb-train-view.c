/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-train-view.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "gb-curves.h"
#include "gb-dataset.h"
#include "gb-model-file.h"
#include "gb-view-util.h"

#define LANE              "train-view"
#define DIGITS_TEST_KEY   "glassbox.eval.mnist-test.accuracy"
#define EEG_TEST_FRACTION 0.2

typedef struct {
  const char *title;
  const char *text; /* "%d,%d": the EEG input (time, channels) for the P300 presets */
  gboolean eeg;
} Preset;

static const Preset presets[] = {
    {N_("Digits MLP"), "input(1,28,28), flatten, dense(128), relu, dense(10)", FALSE},
    {N_("Digits CNN"),
     "input(1,28,28), conv2d(8,5), relu, maxpool2d(2), conv2d(16,5), relu, maxpool2d(2), "
     "flatten, dense(64), relu, dense(10)",
     FALSE},
    {N_("P300 RNN"), "input(%d,%d), rnn(32), dense(1)", TRUE},
    {N_("P300 LSTM"), "input(%d,%d), lstm(32), dense(1)", TRUE},
    {N_("P300 GRU"), "input(%d,%d), gru(32), dense(1)", TRUE},
};

struct _GbTrainView {
  GtkWidget parent_instance;
  GbWorker *worker;
  char *data_dir;
  /* EEG trials (copies): x (n, time, channels), labels (n). */
  float *eeg_x;
  int *eeg_labels;
  int eeg_n;
  GbShape eeg_shape;
  GbTrainData data;

  char *arch_error;
  GArray *history; /* GbEpochStats */
  int planned_epochs;
  GbModelHandle *trained;
  double test_acc;
  guint generation;
  gboolean running;
  int n_trained;
  char *status;

  GtkWidget *box;
  GtkWidget *data_dd, *samples, *preset_dd, *arch_entry, *arch_error_label;
  GtkWidget *optim_dd, *lr, *batch, *epochs, *decay, *schedule_dd, *seed, *val_fraction;
  GtkWidget *patience;
  GtkWidget *start_button, *cancel_button, *save_button, *progress, *status_label, *test_label;
  GbPlotView *loss_plot, *acc_plot;
};

G_DEFINE_FINAL_TYPE(GbTrainView, gb_train_view, GTK_TYPE_WIDGET)

enum { SIGNAL_MODEL_TRAINED, N_SIGNALS };
static guint signals[N_SIGNALS];

/* ---- The data and architecture as the user chose them ---- */

static GbShape
data_shape(GbTrainView *self, int *n_classes)
{
  *n_classes = self->data == GB_TRAIN_DATA_EEG ? 2 : 10;
  if (self->data == GB_TRAIN_DATA_EEG)
    return self->eeg_shape;
  return gb_shape_make(3, (const int[]){1, 28, 28});
}

/* NULL when @text builds a model that fits the chosen data; else the message (owned). */
static char *
check_architecture(GbTrainView *self, const char *text)
{
  if (self->data == GB_TRAIN_DATA_EEG && self->eeg_n == 0)
    return g_strdup(_("No EEG trials are loaded: choose the digits or open a P300 data set"));
  GbModel *m = NULL;
  GbError err = {0};
  if (gb_model_new_from_spec(text, 1, &m, &err) != GB_OK)
    return g_strdup(err.message[0] ? err.message : gb_status_to_string(GB_ERR_INVALID));
  int n_classes;
  GbShape want = data_shape(self, &n_classes);
  char *msg = NULL;
  if (gb_model_input_size(m) != gb_shape_size(&want)) {
    msg = g_strdup_printf(_("The architecture takes %zu input values; the data has %zu per "
                            "sample"),
                          gb_model_input_size(m), gb_shape_size(&want));
  } else {
    int out = gb_model_n_outputs(m);
    if (out != n_classes && !(n_classes == 2 && out == 1))
      msg = g_strdup_printf(_("The architecture has %d outputs; the data has %d classes"), out,
                            n_classes);
  }
  gb_model_free(m);
  return msg;
}

/* ---- The job ---- */

typedef struct {
  char *arch;
  GbTrainConfig cfg;
  GbTrainData data;
  char *data_dir;
  int max_samples;
  float *eeg_x;
  int *eeg_labels;
  int eeg_n;
  GbShape eeg_shape;
  guint generation;
  GbJob *job;
  GbModel *model; /* the result */
  double test_acc;
} TrainJob;

typedef struct {
  guint generation;
  GbEpochStats stats;
} EpochPartial;

static void
train_job_free(gpointer data)
{
  TrainJob *j = data;
  g_free(j->arch);
  g_free(j->data_dir);
  g_free(j->eeg_x);
  g_free(j->eeg_labels);
  gb_model_free(j->model);
  g_free(j);
}

static void epoch_arrived_cb(GObject *owner, gpointer partial);

static void
train_job_epoch(void *user, const GbEpochStats *stats)
{
  TrainJob *j = user;
  EpochPartial *p = g_new(EpochPartial, 1);
  p->generation = j->generation;
  p->stats = *stats;
  gb_job_publish(j->job, epoch_arrived_cb, p, g_free);
}

/* The training and test views: digits from the data directory, or the EEG trials split
 * into their first 80% and last 20%. @train_ds / @test_ds own the digits. */
static GbStatus
train_job_data(TrainJob *j, GbDataset **train_ds, GbDataset **test_ds, GbDataView *train,
               GbDataView *test, GbError *err)
{
  if (j->data == GB_TRAIN_DATA_EEG) {
    int n_test = MAX(1, (int)(j->eeg_n * EEG_TEST_FRACTION));
    if (j->eeg_n - n_test < 2)
      return gb_error_set(err, GB_ERR_INVALID, "only %d EEG trials: too few to train", j->eeg_n);
    size_t d = gb_shape_size(&j->eeg_shape);
    int n_train = MIN(j->eeg_n - n_test, j->max_samples);
    *train = (GbDataView){.n = n_train,
                          .shape = j->eeg_shape,
                          .x = j->eeg_x,
                          .labels = j->eeg_labels,
                          .n_classes = 2};
    *test = *train;
    test->n = n_test;
    test->x = j->eeg_x + (size_t)(j->eeg_n - n_test) * d;
    test->labels = j->eeg_labels + (j->eeg_n - n_test);
    return GB_OK;
  }
  if ((*train_ds = gb_dataset_open_in("mnist-train", j->data_dir, err)) == NULL)
    return err->code != GB_OK ? err->code : GB_ERR_IO;
  if ((*test_ds = gb_dataset_open_in("mnist-test", j->data_dir, err)) == NULL)
    return err->code != GB_OK ? err->code : GB_ERR_IO;
  *train = gb_dataset_view_range(*train_ds, 0, MIN(j->max_samples, gb_dataset_size(*train_ds)));
  *test = gb_dataset_view(*test_ds);
  return GB_OK;
}

/* BCE for a one-output model, with the positives weighted by the class ratio (P300 targets
 * are rare); softmax cross-entropy otherwise. */
static void
train_job_loss(TrainJob *j, const GbModel *m, const GbDataView *train)
{
  if (gb_model_n_outputs(m) != 1) {
    gb_loss_config_init(&j->cfg.loss, GB_LOSS_SOFTMAX_CE);
    return;
  }
  gb_loss_config_init(&j->cfg.loss, GB_LOSS_BCE);
  int pos = 0;
  for (int i = 0; i < train->n; i++)
    pos += train->labels[i] == 1;
  if (pos > 0 && pos < train->n)
    j->cfg.loss.weight_pos = (float)(train->n - pos) / pos;
}

static GbStatus
train_job_train(TrainJob *j, GbError *err)
{
  GbDataset *train_ds = NULL, *test_ds = NULL;
  GbDataView train, test;
  GbStatus st = train_job_data(j, &train_ds, &test_ds, &train, &test, err);
  if (st == GB_OK)
    st = gb_model_new_from_spec(j->arch, j->cfg.seed, &j->model, err);
  if (st == GB_OK) {
    train_job_loss(j, j->model, &train);
    st = gb_train(j->model, &train, NULL, &j->cfg, NULL, err);
  }
  double loss;
  if (st == GB_OK)
    st = gb_evaluate(j->model, &test, NULL, 0, &j->cfg.loss, &loss, &j->test_acc, err);
  if (st == GB_OK) {
    char value[32];
    g_snprintf(value, sizeof value, "%.4f", j->test_acc);
    st = gb_model_set_meta(j->model,
                           j->data == GB_TRAIN_DATA_EEG ? "glassbox.eval.eeg-test-split.accuracy"
                                                        : DIGITS_TEST_KEY,
                           value, err);
  }
  gb_dataset_free(train_ds);
  gb_dataset_free(test_ds);
  return st;
}

/* gb_train calls progress with cfg.user: the job struct, not the GbJob. */
static bool
train_job_progress(void *user, double fraction, const char *stage)
{
  TrainJob *j = user;
  return gb_job_progress(j->job, fraction, stage);
}

static gboolean
train_job_run(GbJob *job, gpointer data, GError **error)
{
  TrainJob *j = data;
  j->job = job;
  j->cfg.progress = train_job_progress;
  j->cfg.on_epoch = train_job_epoch;
  j->cfg.user = j;
  GbError err = {0};
  GbStatus st = train_job_train(j, &err);
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

static GbStatus
draw_history(GbTrainView *self, cairo_t *cr, GbPlotRect area, gboolean accuracy, GbError *err)
{
  fill_white(cr, area);
  int n = (int)self->history->len;
  if (n == 0)
    return GB_OK;
  g_autofree double *x = g_new(double, n);
  g_autofree double *tr = g_new(double, n);
  g_autofree double *va = g_new(double, n);
  gboolean have_val = FALSE;
  for (int i = 0; i < n; i++) {
    const GbEpochStats *s = &g_array_index(self->history, GbEpochStats, i);
    x[i] = s->epoch;
    tr[i] = accuracy ? s->train_acc : s->train_loss;
    va[i] = accuracy ? s->val_acc : s->val_loss;
    have_val |= isfinite(va[i]);
  }
  GbCurve curves[3] = {
      {.name = _("training"),
       .x = x,
       .y = tr,
       .n = n,
       .fixed_rgb = true,
       .rgb = GB_CURVES_BLUE_RGB,
       .markers = true},
      {.name = _("validation"),
       .x = x,
       .y = va,
       .n = n,
       .fixed_rgb = true,
       .rgb = GB_CURVES_VERMILLION_RGB,
       .markers = true},
  };
  int n_curves = have_val ? 2 : 1;
  double tx = x[n - 1], ty = self->test_acc;
  char note[32];
  if (accuracy && isfinite(self->test_acc) && !self->running) {
    g_snprintf(note, sizeof note, "%.3f", self->test_acc);
    curves[n_curves++] = (GbCurve){.name = _("held-out test"),
                                   .annotation = note,
                                   .x = &tx,
                                   .y = &ty,
                                   .n = 1,
                                   .fixed_rgb = true,
                                   .rgb = GB_CURVES_GREEN_RGB,
                                   .markers = true};
  }
  GbCurves fig = {.curves = curves,
                  .n_curves = n_curves,
                  .title = accuracy ? _("Accuracy") : _("Loss"),
                  .x_label = _("epoch"),
                  .x_fixed = true,
                  .x_lo = 0,
                  .x_hi = MAX(4, MAX(self->planned_epochs, n)),
                  .grid = true,
                  .legend = GB_CURVES_LEGEND_RIGHT};
  if (accuracy) {
    fig.y_fixed = true;
    fig.y_lo = 0;
    fig.y_hi = 1;
  }
  return gb_curves_draw(cr, &fig, area, err);
}

static GbStatus
draw_loss(void *user, cairo_t *cr, GbPlotRect area, GbError *err)
{
  return draw_history(user, cr, area, FALSE, err);
}

static GbStatus
draw_accuracy(void *user, cairo_t *cr, GbPlotRect area, GbError *err)
{
  return draw_history(user, cr, area, TRUE, err);
}

/* ---- State ---- */

static void
set_status(GbTrainView *self, const char *text)
{
  g_free(self->status);
  self->status = g_strdup(text);
  gtk_label_set_text(GTK_LABEL(self->status_label), text);
}

static void
update_sensitivity(GbTrainView *self)
{
  gtk_widget_set_sensitive(self->start_button, gb_train_view_can_start(self));
  gtk_widget_set_sensitive(self->cancel_button, self->running);
  gtk_widget_set_sensitive(self->save_button, self->trained != NULL && !self->running);
  gtk_widget_set_visible(self->progress, self->running);
}

static void
validate_architecture(GbTrainView *self)
{
  g_free(self->arch_error);
  self->arch_error =
      check_architecture(self, gtk_editable_get_text(GTK_EDITABLE(self->arch_entry)));
  gtk_label_set_text(GTK_LABEL(self->arch_error_label), self->arch_error ? self->arch_error : "");
  gtk_widget_set_visible(self->arch_error_label, self->arch_error != NULL);
  if (self->arch_error != NULL)
    gtk_widget_add_css_class(self->arch_entry, "error");
  else
    gtk_widget_remove_css_class(self->arch_entry, "error");
  update_sensitivity(self);
}

static void
redraw(GbTrainView *self)
{
  gb_plot_view_set_placeholder(self->loss_plot, NULL);
  gb_plot_view_set_placeholder(self->acc_plot, NULL);
  gb_plot_view_queue_draw(self->loss_plot);
  gb_plot_view_queue_draw(self->acc_plot);
}

static void
epoch_arrived_cb(GObject *owner, gpointer partial)
{
  GbTrainView *self = GB_TRAIN_VIEW(owner);
  EpochPartial *p = partial;
  if (p->generation != self->generation)
    return;
  g_array_append_val(self->history, p->stats);
  redraw(self);
}

static void
train_progress_cb(GObject *owner, double fraction, const char *stage, double seconds_left)
{
  GbTrainView *self = GB_TRAIN_VIEW(owner);
  gb_view_util_progress_bar_set(GTK_PROGRESS_BAR(self->progress), fraction, stage, seconds_left);
}

static void
train_done_cb(GObject *owner, gpointer data, const GError *error)
{
  GbTrainView *self = GB_TRAIN_VIEW(owner);
  TrainJob *j = data;
  if (j->generation != self->generation)
    return;
  self->running = FALSE;
  if (error != NULL) {
    set_status(self, g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
                         ? _("Training cancelled")
                         : error->message);
    update_sensitivity(self);
    redraw(self);
    return;
  }
  self->test_acc = j->test_acc;
  g_autofree char *id = g_strdup_printf("trained-%d", ++self->n_trained);
  g_autofree char *title = g_strdup_printf(_("Trained model %d"), self->n_trained);
  g_clear_object(&self->trained);
  self->trained = gb_model_handle_new(g_steal_pointer(&j->model), id, title, NULL);
  g_autofree char *t = g_strdup_printf(_("Held-out test accuracy: %.1f%%"), 100 * j->test_acc);
  gtk_label_set_text(GTK_LABEL(self->test_label), t);
  set_status(self, _("Training finished"));
  update_sensitivity(self);
  redraw(self);
  g_signal_emit(self, signals[SIGNAL_MODEL_TRAINED], 0, self->trained);
}

/* ---- Public API ---- */

void
gb_train_view_set_worker(GbTrainView *self, GbWorker *worker)
{
  g_return_if_fail(GB_IS_TRAIN_VIEW(self));
  gb_train_view_cancel(self);
  g_set_object(&self->worker, worker);
  update_sensitivity(self);
}

void
gb_train_view_set_eeg(GbTrainView *self, const GbEegSet *set)
{
  g_return_if_fail(GB_IS_TRAIN_VIEW(self));
  g_clear_pointer(&self->eeg_x, g_free);
  g_clear_pointer(&self->eeg_labels, g_free);
  self->eeg_n = 0;
  if (set != NULL && set->data != NULL && gb_dataset_size(set->data) > 0) {
    GbDataView v = gb_dataset_view(set->data);
    self->eeg_n = v.n;
    self->eeg_shape = v.shape;
    self->eeg_x = g_memdup2(v.x, (size_t)v.n * gb_shape_size(&v.shape) * sizeof(float));
    self->eeg_labels = g_memdup2(v.labels, (size_t)v.n * sizeof(int));
  } else if (self->data == GB_TRAIN_DATA_EEG) {
    gb_train_view_set_data(self, GB_TRAIN_DATA_DIGITS);
  }
  validate_architecture(self);
}

void
gb_train_view_set_data_dir(GbTrainView *self, const char *data_dir)
{
  g_free(self->data_dir);
  self->data_dir = g_strdup(data_dir);
}

void
gb_train_view_set_data(GbTrainView *self, GbTrainData data)
{
  gtk_drop_down_set_selected(GTK_DROP_DOWN(self->data_dd), data);
}

void
gb_train_view_set_architecture(GbTrainView *self, const char *text)
{
  gtk_editable_set_text(GTK_EDITABLE(self->arch_entry), text);
}

const char *
gb_train_view_get_architecture(GbTrainView *self)
{
  return gtk_editable_get_text(GTK_EDITABLE(self->arch_entry));
}

const char *
gb_train_view_get_architecture_error(GbTrainView *self)
{
  return self->arch_error;
}

void
gb_train_view_set_optimizer(GbTrainView *self, GbOptimKind kind)
{
  gtk_drop_down_set_selected(GTK_DROP_DOWN(self->optim_dd), kind);
}

void
gb_train_view_set_learning_rate(GbTrainView *self, double lr)
{
  gtk_spin_button_set_value(GTK_SPIN_BUTTON(self->lr), lr);
}

void
gb_train_view_set_epochs(GbTrainView *self, int epochs)
{
  gtk_spin_button_set_value(GTK_SPIN_BUTTON(self->epochs), epochs);
}

void
gb_train_view_set_batch_size(GbTrainView *self, int batch)
{
  gtk_spin_button_set_value(GTK_SPIN_BUTTON(self->batch), batch);
}

void
gb_train_view_set_max_samples(GbTrainView *self, int n)
{
  gtk_spin_button_set_value(GTK_SPIN_BUTTON(self->samples), n);
}

void
gb_train_view_set_seed(GbTrainView *self, guint64 seed)
{
  gtk_spin_button_set_value(GTK_SPIN_BUTTON(self->seed), (double)seed);
}

gboolean
gb_train_view_can_start(GbTrainView *self)
{
  return self->worker != NULL && self->arch_error == NULL && !self->running;
}

static int
spin_int(GtkWidget *spin)
{
  return gtk_spin_button_get_value_as_int(GTK_SPIN_BUTTON(spin));
}

static double
spin_value(GtkWidget *spin)
{
  return gtk_spin_button_get_value(GTK_SPIN_BUTTON(spin));
}

static void
read_train_config(GbTrainView *self, GbTrainConfig *cfg)
{
  gb_train_config_init(cfg);
  cfg->epochs = spin_int(self->epochs);
  cfg->batch_size = spin_int(self->batch);
  gb_optim_config_defaults(&cfg->optim, gtk_drop_down_get_selected(GTK_DROP_DOWN(self->optim_dd)));
  cfg->optim.lr = (float)spin_value(self->lr);
  cfg->optim.weight_decay = (float)spin_value(self->decay);
  gb_schedule_init(&cfg->schedule, gtk_drop_down_get_selected(GTK_DROP_DOWN(self->schedule_dd)));
  cfg->seed = (uint64_t)spin_value(self->seed);
  cfg->val_fraction = spin_value(self->val_fraction);
  cfg->patience = spin_int(self->patience);
  cfg->restore_best = cfg->patience > 0;
}

gboolean
gb_train_view_start(GbTrainView *self)
{
  g_return_val_if_fail(GB_IS_TRAIN_VIEW(self), FALSE);
  if (!gb_train_view_can_start(self))
    return FALSE;
  TrainJob *j = g_new0(TrainJob, 1);
  j->arch = g_strdup(gtk_editable_get_text(GTK_EDITABLE(self->arch_entry)));
  read_train_config(self, &j->cfg);
  j->data = self->data;
  j->data_dir = g_strdup(self->data_dir);
  j->max_samples = spin_int(self->samples);
  if (j->data == GB_TRAIN_DATA_EEG) {
    size_t len = (size_t)self->eeg_n * gb_shape_size(&self->eeg_shape);
    j->eeg_x = g_memdup2(self->eeg_x, len * sizeof(float));
    j->eeg_labels = g_memdup2(self->eeg_labels, (size_t)self->eeg_n * sizeof(int));
    j->eeg_n = self->eeg_n;
    j->eeg_shape = self->eeg_shape;
  }
  j->generation = ++self->generation;
  j->test_acc = NAN;
  g_array_set_size(self->history, 0);
  self->planned_epochs = j->cfg.epochs;
  self->test_acc = NAN;
  self->running = TRUE;
  gtk_label_set_text(GTK_LABEL(self->test_label), "");
  gtk_progress_bar_set_fraction(GTK_PROGRESS_BAR(self->progress), 0);
  gtk_progress_bar_set_text(GTK_PROGRESS_BAR(self->progress), _("Loading the data…"));
  gb_worker_submit(self->worker, LANE, G_OBJECT(self), train_job_run, j, train_job_free,
                   train_progress_cb, train_done_cb);
  set_status(self, _("Training…"));
  gb_plot_view_set_placeholder(self->loss_plot, _("The first epoch is running…"));
  gb_plot_view_set_placeholder(self->acc_plot, _("The first epoch is running…"));
  update_sensitivity(self);
  return TRUE;
}

void
gb_train_view_cancel(GbTrainView *self)
{
  g_return_if_fail(GB_IS_TRAIN_VIEW(self));
  if (self->worker != NULL && self->running)
    gb_worker_cancel(self->worker, LANE);
}

gboolean
gb_train_view_is_running(GbTrainView *self)
{
  return self->running;
}

const GbEpochStats *
gb_train_view_get_history(GbTrainView *self, int *n_epochs)
{
  *n_epochs = (int)self->history->len;
  return (const GbEpochStats *)(void *)self->history->data;
}

GbModelHandle *
gb_train_view_get_model(GbTrainView *self)
{
  return self->trained;
}

double
gb_train_view_get_test_accuracy(GbTrainView *self)
{
  return self->test_acc;
}

gboolean
gb_train_view_save(GbTrainView *self, const char *path, GError **error)
{
  g_return_val_if_fail(GB_IS_TRAIN_VIEW(self), FALSE);
  if (self->trained == NULL) {
    g_set_error_literal(error, GB_ERROR, GB_ERR_INVALID, _("No model has been trained yet"));
    return FALSE;
  }
  GbModel *m = gb_model_handle_dup_model(self->trained, error);
  if (m == NULL)
    return FALSE;
  GbError err = {0};
  GbStatus st = gb_model_save(m, path, &err);
  gb_model_free(m);
  g_autoptr(GError) local = NULL;
  gb_set_error_from_status(&local, st, &err);
  if (local != NULL) {
    g_autofree char *t = g_strdup_printf(_("Not saved: %s"), local->message);
    set_status(self, t);
    g_propagate_error(error, g_steal_pointer(&local));
    return FALSE;
  }
  g_autofree char *t = g_strdup_printf(_("Saved to %s"), path);
  set_status(self, t);
  return TRUE;
}

const char *
gb_train_view_get_status(GbTrainView *self)
{
  return self->status ? self->status : "";
}

GbPlotView *
gb_train_view_get_loss_plot(GbTrainView *self)
{
  return self->loss_plot;
}

GbPlotView *
gb_train_view_get_accuracy_plot(GbTrainView *self)
{
  return self->acc_plot;
}

/* ---- Controls ---- */

static void
arch_changed_cb(GtkEditable *e, GbTrainView *self)
{
  (void)e;
  validate_architecture(self);
}

static void
apply_preset(GbTrainView *self, guint i)
{
  if (i >= G_N_ELEMENTS(presets))
    return;
  if (presets[i].eeg) {
    int t = self->eeg_n > 0 ? self->eeg_shape.dim[0] : 26;
    int c = self->eeg_n > 0 ? self->eeg_shape.dim[1] : 16;
    g_autofree char *text = g_strdup_printf(presets[i].text, t, c);
    if (self->eeg_n > 0)
      gb_train_view_set_data(self, GB_TRAIN_DATA_EEG);
    gb_train_view_set_architecture(self, text);
  } else {
    gb_train_view_set_data(self, GB_TRAIN_DATA_DIGITS);
    gb_train_view_set_architecture(self, presets[i].text);
  }
}

static void
preset_changed_cb(GtkDropDown *dd, GParamSpec *pspec, GbTrainView *self)
{
  (void)pspec;
  apply_preset(self, gtk_drop_down_get_selected(dd));
}

static void
data_changed_cb(GtkDropDown *dd, GParamSpec *pspec, GbTrainView *self)
{
  (void)pspec;
  self->data = gtk_drop_down_get_selected(dd) == 1 ? GB_TRAIN_DATA_EEG : GB_TRAIN_DATA_DIGITS;
  validate_architecture(self);
}

/* Each optimizer starts from its usual learning rate. */
static void
optim_changed_cb(GtkDropDown *dd, GParamSpec *pspec, GbTrainView *self)
{
  (void)pspec;
  GbOptimConfig c;
  gb_optim_config_defaults(&c, gtk_drop_down_get_selected(dd));
  gtk_spin_button_set_value(GTK_SPIN_BUTTON(self->lr), c.lr);
}

static void
start_clicked_cb(GtkButton *b, GbTrainView *self)
{
  (void)b;
  gb_train_view_start(self);
}

static void
cancel_clicked_cb(GtkButton *b, GbTrainView *self)
{
  (void)b;
  gb_train_view_cancel(self);
}

static void
save_chosen_cb(GObject *owner, const char *path)
{
  gb_train_view_save(GB_TRAIN_VIEW(owner), path, NULL);
}

static void
save_clicked_cb(GtkButton *b, GbTrainView *self)
{
  (void)b;
  gb_view_util_choose_save_file(GTK_WIDGET(self), _("Save Model"), "model.safetensors",
                                G_OBJECT(self), save_chosen_cb);
}

static GtkWidget *
spin_new(double lo, double hi, double step, int digits, double value)
{
  GtkWidget *s = gtk_spin_button_new_with_range(lo, hi, step);
  gtk_spin_button_set_digits(GTK_SPIN_BUTTON(s), digits);
  gtk_spin_button_set_value(GTK_SPIN_BUTTON(s), value);
  return s;
}

static void
form_row(GtkGrid *grid, int *row, const char *label, GtkWidget *w, const char *tooltip)
{
  GtkWidget *l = gtk_label_new_with_mnemonic(label);
  gtk_label_set_xalign(GTK_LABEL(l), 1);
  gtk_label_set_mnemonic_widget(GTK_LABEL(l), w);
  gtk_grid_attach(grid, l, 0, *row, 1, 1);
  gtk_grid_attach(grid, w, 1, *row, 1, 1);
  if (tooltip != NULL)
    gtk_widget_set_tooltip_text(w, tooltip);
  (*row)++;
}

static GtkWidget *
strings_dropdown(const char *const *items, int n)
{
  GtkStringList *list = gtk_string_list_new(NULL);
  for (int i = 0; i < n; i++)
    gtk_string_list_append(list, items[i]);
  return gtk_drop_down_new(G_LIST_MODEL(list), NULL);
}

static void
build_architecture_rows(GbTrainView *self, GtkGrid *grid, int *row)
{
  const char *titles[G_N_ELEMENTS(presets)];
  for (guint i = 0; i < G_N_ELEMENTS(presets); i++)
    titles[i] = _(presets[i].title);
  self->preset_dd = strings_dropdown(titles, G_N_ELEMENTS(presets));
  form_row(grid, row, _("_Preset"), self->preset_dd, _("Fills in the architecture"));
  self->arch_entry = gtk_entry_new();
  gtk_editable_set_width_chars(GTK_EDITABLE(self->arch_entry), 40);
  form_row(grid, row, _("_Architecture"), self->arch_entry,
           _("Layers in the engine's syntax: input(1,28,28), conv2d(8,5), relu, "
             "maxpool2d(2), flatten, dense(10)"));
  self->arch_error_label = gtk_label_new(NULL);
  gtk_widget_add_css_class(self->arch_error_label, "error");
  gtk_label_set_wrap(GTK_LABEL(self->arch_error_label), TRUE);
  gtk_label_set_xalign(GTK_LABEL(self->arch_error_label), 0);
  gtk_label_set_max_width_chars(GTK_LABEL(self->arch_error_label), 40);
  gtk_grid_attach(grid, self->arch_error_label, 1, (*row)++, 1, 1);
}

static void
build_optimizer_rows(GbTrainView *self, GtkGrid *grid, int *row)
{
  const char *optims[GB_OPTIM_N_KINDS];
  for (int k = 0; k < GB_OPTIM_N_KINDS; k++)
    optims[k] = gb_optim_kind_to_string(k);
  self->optim_dd = strings_dropdown(optims, GB_OPTIM_N_KINDS);
  gtk_drop_down_set_selected(GTK_DROP_DOWN(self->optim_dd), GB_OPTIM_ADAM);
  form_row(grid, row, _("_Optimizer"), self->optim_dd, NULL);
  self->lr = spin_new(1e-5, 1e6, 1e-4, 5, 1e-3); /* huge rates: to see divergence */
  form_row(grid, row, _("_Learning rate"), self->lr, NULL);
  self->batch = spin_new(1, 4096, 16, 0, 64);
  form_row(grid, row, _("_Batch size"), self->batch, NULL);
  self->epochs = spin_new(1, 500, 1, 0, 5);
  form_row(grid, row, _("_Epochs"), self->epochs, NULL);
  self->decay = spin_new(0, 1, 1e-4, 5, 0);
  form_row(grid, row, _("_Weight decay"), self->decay, _("L2 on weights (decoupled for adamw)"));
  const char *schedules[] = {_("constant"), _("step"), _("cosine")};
  self->schedule_dd = strings_dropdown(schedules, 3);
  form_row(grid, row, _("_Schedule"), self->schedule_dd, _("Learning rate over the epochs"));
  self->seed = spin_new(0, 1e9, 1, 0, 1);
  form_row(grid, row, _("S_eed"), self->seed, _("Weights, shuffling and the validation split"));
  self->val_fraction = spin_new(0, 0.5, 0.05, 2, 0.1);
  form_row(grid, row, _("_Validation fraction"), self->val_fraction,
           _("Held out from the training data to watch overfitting"));
  self->patience = spin_new(0, 100, 1, 0, 0);
  form_row(grid, row, _("Early stopping _patience"), self->patience,
           _("Stop after this many epochs without a better validation loss (0: off); the best "
             "epoch's weights are kept"));
}

static GtkWidget *
build_form(GbTrainView *self)
{
  GtkWidget *grid = gtk_grid_new();
  gtk_grid_set_row_spacing(GTK_GRID(grid), 6);
  gtk_grid_set_column_spacing(GTK_GRID(grid), 8);
  int row = 0;
  const char *sources[] = {_("Digits (mnist-train)"), _("P300 EEG")};
  self->data_dd = strings_dropdown(sources, 2);
  form_row(GTK_GRID(grid), &row, _("_Data"), self->data_dd, NULL);
  self->samples = spin_new(10, 100000, 100, 0, 8000);
  form_row(GTK_GRID(grid), &row, _("Training _samples"), self->samples,
           _("Use the first N training samples (fewer train faster)"));
  build_architecture_rows(self, GTK_GRID(grid), &row);
  build_optimizer_rows(self, GTK_GRID(grid), &row);
  GtkWidget *buttons = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 8);
  self->start_button = gtk_button_new_with_mnemonic(_("_Start"));
  gtk_widget_add_css_class(self->start_button, "suggested-action");
  self->cancel_button = gtk_button_new_with_mnemonic(_("_Cancel"));
  self->save_button = gtk_button_new_with_mnemonic(_("Sa_ve…"));
  gtk_box_append(GTK_BOX(buttons), self->start_button);
  gtk_box_append(GTK_BOX(buttons), self->cancel_button);
  gtk_box_append(GTK_BOX(buttons), self->save_button);
  gtk_grid_attach(GTK_GRID(grid), buttons, 1, row++, 1, 1);
  g_signal_connect(self->start_button, "clicked", G_CALLBACK(start_clicked_cb), self);
  g_signal_connect(self->cancel_button, "clicked", G_CALLBACK(cancel_clicked_cb), self);
  g_signal_connect(self->save_button, "clicked", G_CALLBACK(save_clicked_cb), self);
  return grid;
}

static GtkWidget *
build_results(GbTrainView *self)
{
  GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 8);
  gtk_widget_set_hexpand(box, TRUE);
  self->loss_plot = GB_PLOT_VIEW(gb_plot_view_new());
  self->acc_plot = GB_PLOT_VIEW(gb_plot_view_new());
  gtk_widget_set_size_request(GTK_WIDGET(self->loss_plot), 400, 220);
  gtk_widget_set_size_request(GTK_WIDGET(self->acc_plot), 400, 220);
  gb_plot_view_set_draw_func(self->loss_plot, draw_loss, self, NULL);
  gb_plot_view_set_draw_func(self->acc_plot, draw_accuracy, self, NULL);
  gb_plot_view_set_placeholder(self->loss_plot, _("Press Start to train"));
  gb_plot_view_set_placeholder(self->acc_plot, "");
  gtk_box_append(GTK_BOX(box), GTK_WIDGET(self->loss_plot));
  gtk_box_append(GTK_BOX(box), GTK_WIDGET(self->acc_plot));
  self->progress = gtk_progress_bar_new();
  gtk_progress_bar_set_show_text(GTK_PROGRESS_BAR(self->progress), TRUE);
  gtk_box_append(GTK_BOX(box), self->progress);
  self->test_label = gtk_label_new("");
  gtk_widget_add_css_class(self->test_label, "title-4");
  gtk_label_set_xalign(GTK_LABEL(self->test_label), 0);
  gtk_box_append(GTK_BOX(box), self->test_label);
  self->status_label = gtk_label_new("");
  gtk_label_set_wrap(GTK_LABEL(self->status_label), TRUE);
  gtk_label_set_xalign(GTK_LABEL(self->status_label), 0);
  gtk_box_append(GTK_BOX(box), self->status_label);
  return box;
}

static void
gb_train_view_dispose(GObject *object)
{
  GbTrainView *self = GB_TRAIN_VIEW(object);
  gb_train_view_cancel(self);
  g_clear_pointer(&self->box, gtk_widget_unparent);
  g_clear_object(&self->worker);
  g_clear_object(&self->trained);
  G_OBJECT_CLASS(gb_train_view_parent_class)->dispose(object);
}

static void
gb_train_view_finalize(GObject *object)
{
  GbTrainView *self = GB_TRAIN_VIEW(object);
  g_free(self->data_dir);
  g_free(self->eeg_x);
  g_free(self->eeg_labels);
  g_free(self->arch_error);
  g_free(self->status);
  g_array_unref(self->history);
  G_OBJECT_CLASS(gb_train_view_parent_class)->finalize(object);
}

static void
gb_train_view_class_init(GbTrainViewClass *klass)
{
  G_OBJECT_CLASS(klass)->dispose = gb_train_view_dispose;
  G_OBJECT_CLASS(klass)->finalize = gb_train_view_finalize;
  gtk_widget_class_set_layout_manager_type(GTK_WIDGET_CLASS(klass), GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name(GTK_WIDGET_CLASS(klass), "trainview");
  /* Emitted on the main thread after training finished, with the new model. */
  signals[SIGNAL_MODEL_TRAINED] =
      g_signal_new("model-trained", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                   NULL, G_TYPE_NONE, 1, GB_TYPE_MODEL_HANDLE);
}

static void
gb_train_view_init(GbTrainView *self)
{
  self->history = g_array_new(FALSE, FALSE, sizeof(GbEpochStats));
  self->test_acc = NAN;
  self->box = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 18);
  gb_view_util_set_margins(self->box, 12);
  gtk_widget_set_parent(self->box, GTK_WIDGET(self));
  gtk_box_append(GTK_BOX(self->box), build_form(self));
  gtk_box_append(GTK_BOX(self->box), build_results(self));
  g_signal_connect(self->data_dd, "notify::selected", G_CALLBACK(data_changed_cb), self);
  g_signal_connect(self->preset_dd, "notify::selected", G_CALLBACK(preset_changed_cb), self);
  g_signal_connect(self->optim_dd, "notify::selected", G_CALLBACK(optim_changed_cb), self);
  g_signal_connect(self->arch_entry, "changed", G_CALLBACK(arch_changed_cb), self);
  apply_preset(self, 0);
  validate_architecture(self);
}

GtkWidget *
gb_train_view_new(void)
{
  return g_object_new(GB_TYPE_TRAIN_VIEW, NULL);
}

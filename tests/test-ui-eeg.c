/* SPDX-License-Identifier: GPL-3.0-or-later */
/* src/ui/gb-eeg-view: the EEG view built on simulated P300 trials, checked by its state, by the
 * engine's own results on the same trials, and by the pixels it draws. */
#include "config.h"

#include <gtk/gtk.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gb-eeg-trial.h"
#include "gb-eeg-view.h"
#include "gb-test-eeg.h"

#define N_SUBJECTS 2
#define N_CHARACTERS 2 /* 120 trials per subject */

static GbEegSet *
make_set(void)
{
  GbError err = { 0 };
  GbEegSet *set = gb_test_eeg_p300_set(N_SUBJECTS, N_CHARACTERS, 1001, &err);
  if (set == NULL)
    g_error("simulated set: %s", err.message);
  return set;
}

static void
iterate(void)
{
  while (g_main_context_pending(NULL))
    g_main_context_iteration(NULL, FALSE);
}

typedef struct {
  GtkWidget *window;
  GbEegView *view;
  GbEegSet *set; /* borrowed: the view owns it */
  GbWorker *worker;
} Fixture;

static void
fixture_set_up(Fixture *f, gconstpointer data)
{
  (void)data;
  f->window = gtk_window_new();
  gtk_window_set_default_size(GTK_WINDOW(f->window), 1280, 800);
  f->view = GB_EEG_VIEW(gb_eeg_view_new());
  gtk_window_set_child(GTK_WINDOW(f->window), GTK_WIDGET(f->view));
  f->set = make_set();
  gb_eeg_view_set_data(f->view, f->set);
  f->worker = gb_worker_new();
  gtk_window_present(GTK_WINDOW(f->window));
  for (int i = 0; i < 50 && gtk_widget_get_width(gb_eeg_view_get_traces_widget(f->view)) == 0;
       i++) {
    iterate();
    g_usleep(10000);
  }
  iterate();
}

static void
fixture_tear_down(Fixture *f, gconstpointer data)
{
  (void)data;
  gtk_window_destroy(GTK_WINDOW(f->window));
  gb_worker_wait_idle(f->worker, 10000);
  g_object_unref(f->worker);
  iterate();
}

static GbModelHandle *
lstm(void)
{
  g_autoptr(GError) error = NULL;
  GbModelHandle *h = gb_model_handle_new_default("p300-lstm", &error);
  g_assert_no_error(error);
  return h;
}

static void
wait_jobs(Fixture *f)
{
  g_assert_true(gb_worker_wait_idle(f->worker, 60000));
  iterate();
}

static size_t
trial_n(const GbEegSet *s)
{
  return (size_t)s->n_times * s->n_channels;
}

static const float *
trial_x(const GbEegSet *s, int t)
{
  return s->data->x->data + (size_t)t * trial_n(s);
}

/* ---- The list ---- */

static GtkWidget *
find_type(GtkWidget *w, GType type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE(w, type))
    return w;
  for (GtkWidget *c = gtk_widget_get_first_child(w); c; c = gtk_widget_get_next_sibling(c)) {
    GtkWidget *found = find_type(c, type);
    if (found)
      return found;
  }
  return NULL;
}

static void
collect_labels(GtkWidget *w, GString *out)
{
  if (GTK_IS_LABEL(w)) {
    g_string_append(out, gtk_label_get_text(GTK_LABEL(w)));
    g_string_append_c(out, '|');
  }
  for (GtkWidget *c = gtk_widget_get_first_child(w); c; c = gtk_widget_get_next_sibling(c))
    collect_labels(c, out);
}

static void
test_trial_list(Fixture *f, gconstpointer data)
{
  (void)data;
  int n = gb_dataset_size(f->set->data);
  g_assert_cmpint(n, ==, N_SUBJECTS * N_CHARACTERS * 5 * 12);
  g_assert_cmpuint(gb_eeg_view_get_n_visible_trials(f->view), ==, (guint)n);
  /* Every row is a trial of the set with its own subject and class. */
  GtkWidget *cv = find_type(GTK_WIDGET(f->view), GTK_TYPE_COLUMN_VIEW);
  g_assert_nonnull(cv);
  GListModel *rows = G_LIST_MODEL(gtk_column_view_get_model(GTK_COLUMN_VIEW(cv)));
  g_assert_cmpuint(g_list_model_get_n_items(rows), ==, (guint)n);
  gboolean seen[2] = { FALSE, FALSE };
  for (guint i = 0; i < (guint)n; i++) {
    g_autoptr(GbEegTrial) t = g_list_model_get_item(rows, i);
    int k = gb_eeg_trial_get_index(t);
    g_assert_cmpint(k, ==, (int)i); /* unsorted: trial order */
    g_assert_cmpint(gb_eeg_trial_get_subject(t), ==, f->set->subject[k]);
    g_assert_cmpint(gb_eeg_trial_get_label(t), ==, f->set->data->labels[k]);
    seen[gb_eeg_trial_get_subject(t)] = TRUE;
  }
  g_assert_true(seen[0] && seen[1]);
  /* The first trial is selected and its row shows its number and class. */
  g_assert_cmpint(gb_eeg_view_get_selected_trial(f->view), ==, 0);
  g_autoptr(GString) text = g_string_new(NULL);
  collect_labels(cv, text);
  g_assert_nonnull(strstr(text->str, f->set->data->labels[0] ? "Target" : "Non-target"));
  g_assert_nonnull(strstr(text->str, "P(target)"));
  /* Choosing a row selects its trial. */
  gtk_single_selection_set_selected(GTK_SINGLE_SELECTION(rows), 17);
  g_assert_cmpint(gb_eeg_view_get_selected_trial(f->view), ==, 17);
}

static void
test_filter(Fixture *f, gconstpointer data)
{
  (void)data;
  int n = gb_dataset_size(f->set->data), targets = 0, s1_non = 0;
  for (int t = 0; t < n; t++) {
    targets += f->set->data->labels[t] == 1;
    s1_non += f->set->subject[t] == 1 && f->set->data->labels[t] == 0;
  }
  g_assert_cmpint(targets, ==, n / 6); /* 2 targets in every block of 12 flashes */
  gb_eeg_view_set_filter(f->view, -1, 1);
  g_assert_cmpuint(gb_eeg_view_get_n_visible_trials(f->view), ==, (guint)targets);
  gb_eeg_view_set_filter(f->view, -1, 0);
  g_assert_cmpuint(gb_eeg_view_get_n_visible_trials(f->view), ==, (guint)(n - targets));
  gb_eeg_view_set_filter(f->view, 1, 0);
  g_assert_cmpuint(gb_eeg_view_get_n_visible_trials(f->view), ==, (guint)s1_non);
  gb_eeg_view_set_filter(f->view, -1, -1);
  g_assert_cmpuint(gb_eeg_view_get_n_visible_trials(f->view), ==, (guint)n);
}

/* ---- Cursor ---- */

typedef struct {
  guchar *data;
  int width, height;
  gsize stride;
} Shot;

static void
set_true(gboolean *flag)
{
  *flag = TRUE;
}

/* Renders @w as it is on screen (the window's renderer). */
static Shot
shoot(GtkWidget *w)
{
  Shot s = { NULL, gtk_widget_get_width(w), gtk_widget_get_height(w), 0 };
  GdkPaintable *p = gtk_widget_paintable_new(w);
  /* The paintable is empty until the widget has drawn a frame since it was made. */
  gboolean drawn = FALSE;
  g_signal_connect_swapped(p, "invalidate-contents", G_CALLBACK(set_true), &drawn);
  gtk_widget_queue_draw(w);
  for (int i = 0; i < 200 && !drawn; i++) {
    iterate();
    g_usleep(10000);
  }
  g_assert_true(drawn);
  GtkSnapshot *snap = gtk_snapshot_new();
  gdk_paintable_snapshot(p, snap, s.width, s.height);
  GskRenderNode *node = gtk_snapshot_free_to_node(snap);
  g_assert_nonnull(node);
  GskRenderer *r = gtk_native_get_renderer(gtk_widget_get_native(w));
  GdkTexture *tex = gsk_renderer_render_texture(r, node,
                                                &GRAPHENE_RECT_INIT(0, 0, s.width, s.height));
  s.stride = (gsize)s.width * 4;
  s.data = g_malloc(s.stride * s.height);
  gdk_texture_download(tex, s.data, s.stride);
  g_object_unref(tex);
  gsk_render_node_unref(node);
  g_object_unref(p);
  return s;
}

/* (r, g, b) of a downloaded texture: GDK_MEMORY_DEFAULT is B8G8R8A8 premultiplied. */
static void
shot_rgb(const Shot *s, int x, int y, int rgb[3])
{
  const guchar *p = s->data + (gsize)y * s->stride + (gsize)x * 4;
  rgb[0] = p[2];
  rgb[1] = p[1];
  rgb[2] = p[0];
}

static gboolean
is_orange(const int rgb[3])
{
  /* GB_PLOT_HIGHLIGHT_RGB 0xe69f00 */
  return abs(rgb[0] - 0xe6) < 20 && abs(rgb[1] - 0x9f) < 30 && rgb[2] < 60;
}

/* The columns of row @y that show the cursor's orange. */
static int
orange_column(const Shot *s, int y)
{
  int found = -1, count = 0;
  for (int x = 0; x < s->width; x++) {
    int rgb[3];
    shot_rgb(s, x, y, rgb);
    if (is_orange(rgb)) {
      found = found < 0 ? x : found;
      count++;
    }
  }
  g_assert_cmpint(count, >=, 1);
  g_assert_cmpint(count, <=, 3);
  return found;
}

static void
assert_voltage_at_cursor(Fixture *f, const float *x)
{
  double t = gb_eeg_view_get_time(f->view);
  int idx = (int)lround((t - f->set->t0) * f->set->srate);
  g_assert_cmpfloat(fabs(f->set->t0 + idx / f->set->srate - t), <, 1e-9);
  int nc;
  const double *v = gb_eeg_view_get_scalp_values(f->view, GB_EEG_VIEW_SCALP_VOLTAGE, &nc);
  g_assert_cmpint(nc, ==, f->set->n_channels);
  for (int c = 0; c < nc; c++)
    g_assert_cmpfloat(v[c], ==, x[(size_t)idx * nc + c]);
}

static void
test_cursor(Fixture *f, gconstpointer data)
{
  (void)data;
  GbEegSet *s = f->set;
  gb_eeg_view_select_trial(f->view, 7);
  /* 0.35 s lies between samples at 32 Hz: the cursor goes to the nearest one. */
  gb_eeg_view_set_time(f->view, 0.35);
  int idx = (int)lround((0.35 - s->t0) * s->srate);
  g_assert_cmpfloat(fabs(gb_eeg_view_get_time(f->view) - (s->t0 + idx / s->srate)), <, 1e-9);
  assert_voltage_at_cursor(f, trial_x(s, 7));
  /* Out of range: clamped to the epoch. */
  gb_eeg_view_set_time(f->view, 5.0);
  g_assert_cmpfloat(fabs(gb_eeg_view_get_time(f->view) - (s->t0 + (s->n_times - 1) / s->srate)),
                    <, 1e-9);

  /* The slider (in ms) moves it too. */
  GtkRange *slider = GTK_RANGE(find_type(GTK_WIDGET(f->view), GTK_TYPE_SCALE));
  g_assert_nonnull(slider);
  gtk_range_set_value(slider, 100.0);
  idx = (int)lround((0.1 - s->t0) * s->srate);
  g_assert_cmpfloat(fabs(gb_eeg_view_get_time(f->view) - (s->t0 + idx / s->srate)), <, 1e-9);
  assert_voltage_at_cursor(f, trial_x(s, 7));

  /* A drag on the traces moves the cursor to the time under the pointer. */
  GtkWidget *traces = gb_eeg_view_get_traces_widget(f->view);
  GListModel *ctrls = gtk_widget_observe_controllers(traces);
  GtkGesture *drag = NULL;
  for (guint i = 0; i < g_list_model_get_n_items(ctrls); i++) {
    g_autoptr(GObject) c = g_list_model_get_item(ctrls, i);
    if (GTK_IS_GESTURE_DRAG(c))
      drag = GTK_GESTURE(c);
  }
  g_object_unref(ctrls);
  g_assert_nonnull(drag);
  double x = gb_eeg_view_time_to_x(f->view, 0.2);
  g_signal_emit_by_name(drag, "drag-begin", x, 50.0);
  idx = (int)lround((0.2 - s->t0) * s->srate);
  g_assert_cmpfloat(fabs(gb_eeg_view_get_time(f->view) - (s->t0 + idx / s->srate)), <, 1e-9);
  assert_voltage_at_cursor(f, trial_x(s, 7));

  /* On screen the orange line is where the layout puts that time. */
  iterate();
  Shot shot = shoot(traces);
  int col = orange_column(&shot, shot.height / 2);
  g_assert_cmpfloat(fabs(col - gb_eeg_view_time_to_x(f->view, gb_eeg_view_get_time(f->view))), <=,
                    1.5);
  g_free(shot.data);
  /* Back at the first sample, the line moves with it. */
  gb_eeg_view_set_time(f->view, s->t0);
  iterate();
  shot = shoot(traces);
  int col0 = orange_column(&shot, shot.height / 2);
  g_assert_cmpfloat(fabs(col0 - gb_eeg_view_time_to_x(f->view, s->t0)), <=, 1.5);
  g_assert_cmpint(col0, <, col);
  g_free(shot.data);
}

/* ---- Model, predictions and relevance ---- */

static void
test_predictions(Fixture *f, gconstpointer data)
{
  (void)data;
  g_autoptr(GbModelHandle) h = lstm();
  gb_eeg_view_set_model(f->view, f->worker, h);
  wait_jobs(f);
  g_assert_null(gb_eeg_view_get_message(f->view));
  /* The probabilities are the model's sigmoid of its logit, trial by trial. */
  GbModel *m = gb_model_handle_dup_model(h, NULL);
  int n = gb_dataset_size(f->set->data), right = 0;
  float *logits = g_new(float, n);
  GbError err = { 0 };
  g_assert_cmpint(gb_model_predict(m, f->set->data->x->data, n, logits, NULL, NULL, &err), ==,
                  GB_OK);
  for (int t = 0; t < n; t++) {
    double p = 1.0 / (1.0 + exp(-logits[t]));
    g_assert_cmpfloat(fabs(gb_eeg_view_get_probability(f->view, t) - p), <, 1e-6);
    right += (p >= 0.5) == (f->set->data->labels[t] == 1);
  }
  /* Data prepared like the model's training data: it recorded 0.847 on held-out subjects. */
  g_test_message("accuracy %.3f", (double)right / n);
  g_assert_cmpfloat((double)right / n, >, 0.7);
  /* Sorted by P(target), descending: the first row is the most probable target. */
  GtkColumnView *cv = GTK_COLUMN_VIEW(find_type(GTK_WIDGET(f->view), GTK_TYPE_COLUMN_VIEW));
  GListModel *cols = gtk_column_view_get_columns(cv);
  g_autoptr(GtkColumnViewColumn) pcol = g_list_model_get_item(cols, 4);
  g_assert_cmpstr(gtk_column_view_column_get_title(pcol), ==, "P(target)");
  gtk_column_view_sort_by_column(cv, pcol, GTK_SORT_DESCENDING);
  GListModel *rows = G_LIST_MODEL(gtk_column_view_get_model(cv));
  int best = 0;
  for (int t = 1; t < n; t++)
    if (gb_eeg_view_get_probability(f->view, t) > gb_eeg_view_get_probability(f->view, best))
      best = t;
  g_autoptr(GbEegTrial) first = g_list_model_get_item(rows, 0);
  g_assert_cmpint(gb_eeg_trial_get_index(first), ==, best);
  for (guint i = 1; i < (guint)n; i++) {
    g_autoptr(GbEegTrial) a = g_list_model_get_item(rows, i - 1);
    g_autoptr(GbEegTrial) b = g_list_model_get_item(rows, i);
    g_assert_cmpfloat(gb_eeg_trial_get_probability(a), >=, gb_eeg_trial_get_probability(b));
  }
  g_free(logits);
  gb_model_free(m);
}

static void
test_model_mismatch(Fixture *f, gconstpointer data)
{
  (void)data;
  g_autoptr(GbModelHandle) good = lstm();
  gb_eeg_view_set_model(f->view, f->worker, good);
  GbModel *bad_m = NULL;
  GbError err = { 0 };
  g_assert_cmpint(gb_model_new_from_spec("input(30,16), rnn(4), dense(1)", 1, &bad_m, &err), ==,
                  GB_OK);
  g_autoptr(GbModelHandle) bad = gb_model_handle_new(bad_m, "bad", "Thirty-step RNN", NULL);
  gb_eeg_view_set_model(f->view, f->worker, bad);
  const char *msg = gb_eeg_view_get_message(f->view);
  g_assert_nonnull(msg);
  g_test_message("%s", msg);
  g_assert_nonnull(strstr(msg, "Thirty-step RNN"));
  g_assert_nonnull(strstr(msg, "30x16"));
  g_assert_nonnull(strstr(msg, "26x16"));
  g_assert_nonnull(strstr(msg, gb_model_handle_get_title(good)));
  /* ... and the view shows it. */
  g_autoptr(GString) text = g_string_new(NULL);
  collect_labels(GTK_WIDGET(f->view), text);
  g_assert_nonnull(strstr(text->str, msg));
  g_assert_true(gb_eeg_view_get_model(f->view) == good);
  /* A ten-class digits model is refused too. */
  g_autoptr(GError) error = NULL;
  g_autoptr(GbModelHandle) digits = gb_model_handle_new_default("digits-mlp", &error);
  g_assert_no_error(error);
  gb_eeg_view_set_model(f->view, f->worker, digits);
  g_assert_nonnull(strstr(gb_eeg_view_get_message(f->view), "10 outputs"));
  g_assert_true(gb_eeg_view_get_model(f->view) == good);
  /* The kept model still predicts. */
  wait_jobs(f);
  g_assert_true(isfinite(gb_eeg_view_get_probability(f->view, 0)));
}

static void
assert_relevance_is_explain(Fixture *f, GbModelHandle *h, const GbMethodConfig *cfg, int trial)
{
  size_t n;
  const float *r = gb_eeg_view_get_relevance(f->view, &n);
  g_assert_nonnull(r);
  g_assert_cmpuint(n, ==, trial_n(f->set));
  GbModel *m = gb_model_handle_dup_model(h, NULL);
  GbTarget t = gb_target_class(0);
  GbExplanation ex;
  memset(&ex, 0, sizeof ex);
  GbError err = { 0 };
  g_assert_cmpint(gb_explain(m, trial_x(f->set, trial), n, &t, cfg, &ex, NULL, NULL, &err), ==,
                  GB_OK);
  g_assert_cmpuint(ex.map.n, ==, n);
  double max_abs = 0.0;
  for (size_t i = 0; i < n; i++) {
    g_assert_cmpfloat(fabs(r[i] - ex.map.values[i]), <=, 1e-6 * (1.0 + fabs(ex.map.values[i])));
    max_abs = fmax(max_abs, fabs(r[i]));
  }
  g_assert_cmpfloat(max_abs, >, 0.0);
  gb_explanation_clear(&ex);
  gb_model_free(m);
}

static void
test_relevance(Fixture *f, gconstpointer data)
{
  (void)data;
  g_autoptr(GbModelHandle) h = lstm();
  GbMethodConfig cfg;
  gb_method_config_init(&cfg, GB_METHOD_GRAD_X_INPUT);
  gb_eeg_view_set_method(f->view, &cfg);
  gb_eeg_view_set_model(f->view, f->worker, h);
  /* Two selections in a row: the first job is stale, the second one's map is shown. */
  gb_eeg_view_select_trial(f->view, 3);
  gb_eeg_view_select_trial(f->view, 11);
  wait_jobs(f);
  g_assert_cmpint(gb_eeg_view_get_selected_trial(f->view), ==, 11);
  assert_relevance_is_explain(f, h, &cfg, 11);
  /* The relevance scalp map shows the map's values at the cursor. */
  size_t n;
  const float *r = gb_eeg_view_get_relevance(f->view, &n);
  int nc, idx = (int)lround((gb_eeg_view_get_time(f->view) - f->set->t0) * f->set->srate);
  const double *v = gb_eeg_view_get_scalp_values(f->view, GB_EEG_VIEW_SCALP_RELEVANCE, &nc);
  for (int c = 0; c < nc; c++)
    g_assert_cmpfloat(v[c], ==, r[(size_t)idx * nc + c]);
  /* Another method recomputes. */
  gb_method_config_init(&cfg, GB_METHOD_LRP);
  gb_eeg_view_set_method(f->view, &cfg);
  g_assert_null(gb_eeg_view_get_relevance(f->view, NULL));
  wait_jobs(f);
  assert_relevance_is_explain(f, h, &cfg, 11);
}

static void
test_averages(Fixture *f, gconstpointer data)
{
  (void)data;
  gb_eeg_view_set_show_averages(f->view, TRUE);
  gb_eeg_view_set_time(f->view, 0.4);
  /* The voltage scalp map shows the target average at the cursor. */
  size_t n = trial_n(f->set);
  int count = 0;
  double *sum = g_new0(double, n);
  for (int t = 0; t < gb_dataset_size(f->set->data); t++) {
    if (f->set->data->labels[t] != 1)
      continue;
    for (size_t i = 0; i < n; i++)
      sum[i] += trial_x(f->set, t)[i];
    count++;
  }
  float *avg = g_new(float, n);
  for (size_t i = 0; i < n; i++)
    avg[i] = (float)(sum[i] / count);
  int nc;
  int idx = (int)lround((gb_eeg_view_get_time(f->view) - f->set->t0) * f->set->srate);
  const double *v = gb_eeg_view_get_scalp_values(f->view, GB_EEG_VIEW_SCALP_VOLTAGE, &nc);
  for (int c = 0; c < nc; c++)
    g_assert_cmpfloat(fabs(v[c] - avg[(size_t)idx * nc + c]), <, 1e-5);
  /* The P300 of the simulator is positive and parietal: Pz beats Fp1 at 400 ms. */
  int pz = gb_eeg_set_find_channel(f->set, "Pz"), fp1 = gb_eeg_set_find_channel(f->set, "Fp1");
  g_assert_cmpfloat(v[pz], >, v[fp1]);
  /* Choosing a trial in the list leaves the averages for that trial. */
  GtkColumnView *cv = GTK_COLUMN_VIEW(find_type(GTK_WIDGET(f->view), GTK_TYPE_COLUMN_VIEW));
  gtk_single_selection_set_selected(GTK_SINGLE_SELECTION(gtk_column_view_get_model(cv)), 4);
  g_assert_cmpint(gb_eeg_view_get_selected_trial(f->view), ==, 4);
  assert_voltage_at_cursor(f, trial_x(f->set, 4));
  g_free(sum);
  g_free(avg);
}

static void
test_unknown_positions(Fixture *f, gconstpointer data)
{
  (void)data;
  GbEegSet *s = make_set();
  /* A non-10-20 label at the origin and a NaN position are unknown; Cz at the origin is not. */
  g_strlcpy(s->channels[3].label, "EXG1", GB_EEG_LABEL_MAX);
  s->channels[3].x = s->channels[3].y = 0.0f;
  s->channels[5].x = NAN;
  int cz = gb_eeg_set_find_channel(s, "Cz");
  g_assert_cmpint(cz, >=, 0);
  g_assert_cmpfloat(s->channels[cz].x, ==, 0.0f);
  g_assert_cmpfloat(s->channels[cz].y, ==, 0.0f);
  gb_eeg_view_set_data(f->view, s);
  f->set = s;
  int nc;
  const double *v = gb_eeg_view_get_scalp_values(f->view, GB_EEG_VIEW_SCALP_VOLTAGE, &nc);
  int idx = (int)lround((gb_eeg_view_get_time(f->view) - s->t0) * s->srate);
  for (int c = 0; c < nc; c++) {
    if (c == 3 || c == 5)
      g_assert_true(isnan(v[c]));
    else
      g_assert_cmpfloat(v[c], ==, trial_x(s, 0)[(size_t)idx * nc + c]);
  }
}

static void
test_no_data(Fixture *f, gconstpointer data)
{
  (void)data;
  g_autoptr(GbModelHandle) h = lstm();
  gb_eeg_view_set_data(f->view, NULL);
  gb_eeg_view_set_model(f->view, f->worker, h);
  gb_eeg_view_select_trial(f->view, 3);
  gb_eeg_view_set_time(f->view, 0.3);
  gb_eeg_view_set_show_averages(f->view, TRUE);
  wait_jobs(f);
  g_assert_cmpuint(gb_eeg_view_get_n_visible_trials(f->view), ==, 0);
  g_assert_cmpint(gb_eeg_view_get_selected_trial(f->view), ==, -1);
  g_assert_true(isnan(gb_eeg_view_get_time(f->view)));
  g_assert_null(gb_eeg_view_get_scalp_values(f->view, GB_EEG_VIEW_SCALP_VOLTAGE, NULL));
  g_assert_null(gb_eeg_view_get_relevance(f->view, NULL));
  g_assert_null(gb_eeg_view_get_message(f->view));
  /* Data again after none: the model predicts it. */
  gb_eeg_view_set_show_averages(f->view, FALSE);
  f->set = make_set();
  gb_eeg_view_set_data(f->view, f->set);
  wait_jobs(f);
  g_assert_cmpint(gb_eeg_view_get_selected_trial(f->view), ==, 0);
  g_assert_true(isfinite(gb_eeg_view_get_probability(f->view, 0)));
  g_assert_nonnull(gb_eeg_view_get_relevance(f->view, NULL));
}

static void
test_method_failure(Fixture *f, gconstpointer data)
{
  (void)data;
  g_autoptr(GbModelHandle) h = lstm();
  gb_eeg_view_set_model(f->view, f->worker, h);
  /* SLIC superpixels are for images: the engine refuses them on EEG and the view says so. */
  GbMethodConfig cfg;
  gb_method_config_init(&cfg, GB_METHOD_LIME);
  cfg.segmentation = GB_SEGMENTATION_SLIC;
  gb_eeg_view_set_method(f->view, &cfg);
  wait_jobs(f);
  const char *msg = gb_eeg_view_get_message(f->view);
  g_assert_nonnull(msg);
  g_test_message("%s", msg);
  g_assert_nonnull(strstr(msg, "grid"));
  g_assert_null(gb_eeg_view_get_relevance(f->view, NULL));
  /* A method that works clears it. */
  gb_method_config_init(&cfg, GB_METHOD_GRADIENT);
  gb_eeg_view_set_method(f->view, &cfg);
  g_assert_null(gb_eeg_view_get_message(f->view));
  wait_jobs(f);
  assert_relevance_is_explain(f, h, &cfg, 0);
}

int
main(int argc, char **argv)
{
  if (!gtk_init_check()) {
    printf("1..0 # SKIP no display\n");
    return 0;
  }
  g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD("/ui/eeg/trial-list", test_trial_list);
  ADD("/ui/eeg/filter", test_filter);
  ADD("/ui/eeg/cursor", test_cursor);
  ADD("/ui/eeg/predictions", test_predictions);
  ADD("/ui/eeg/model-mismatch", test_model_mismatch);
  ADD("/ui/eeg/relevance", test_relevance);
  ADD("/ui/eeg/averages", test_averages);
  ADD("/ui/eeg/unknown-positions", test_unknown_positions);
  ADD("/ui/eeg/no-data", test_no_data);
  ADD("/ui/eeg/method-failure", test_method_failure);
  return g_test_run();
}

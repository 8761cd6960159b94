/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The explanation widgets under Xvfb: what they show equals what gb_explain computes for the
 * same input, stale results are dropped, and the pixels carry the colour maps. */
#include "config.h"

#include <gtk/gtk.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gb-colormap.h"
#include "gb-compare-view.h"
#include "gb-explanation-view.h"
#include "gb-lrp-compare-view.h"
#include "gb-probability-view.h"
#include "gb-shap-view.h"

#define CNN_PIXELS 784

/* Uniform values in [lo, hi) from a small LCG: the tests' inputs, independent of the code. */
static void
fill_uniform(float *x, size_t n, float lo, float hi, guint32 seed)
{
  guint32 s = seed * 2654435761u + 1u;
  for (size_t i = 0; i < n; i++) {
    s = s * 1664525u + 1013904223u;
    x[i] = lo + (hi - lo) * (float)((s >> 8) / 16777216.0);
  }
}

/* A digit-like input: a bright bar and a ring on black, so the CNN has strokes to look at. */
static void
fill_digit(float *x, guint32 seed)
{
  fill_uniform(x, CNN_PIXELS, 0.0f, 0.05f, seed);
  for (int r = 0; r < 28; r++)
    for (int c = 0; c < 28; c++) {
      double d = hypot(r - 10.0, c - 14.0);
      if (fabs(d - 6.0) < 1.5 || (c >= 17 + (int)(seed % 3) && c <= 19 && r >= 10 && r <= 24))
        x[r * 28 + c] = 1.0f;
    }
}

static GbModelHandle *
cnn_handle(void)
{
  g_autoptr(GError) error = NULL;
  GbModelHandle *h = gb_model_handle_new_default("digits-cnn", &error);
  g_assert_no_error(error);
  return h;
}

/* gb_explain on a copy of the handle's model: the reference the views must agree with. */
static void
reference_explain(GbModelHandle *h, const float *x, GbTarget t, const GbMethodConfig *cfg,
                  GbExplanation *out)
{
  g_autoptr(GError) error = NULL;
  GbModel *m = gb_model_handle_dup_model(h, &error);
  g_assert_no_error(error);
  GbError err = {0};
  GbStatus st = gb_explain(m, x, gb_model_input_size(m), &t, cfg, out, NULL, NULL, &err);
  if (st != GB_OK)
    g_error("gb_explain: %s", err.message);
  gb_model_free(m);
}

static void
reference_logits(GbModelHandle *h, const float *x, float *out, int *n)
{
  GbModel *m = gb_model_handle_dup_model(h, NULL);
  const float *y;
  g_assert_cmpint(gb_model_forward(m, x, 1, false, &y, NULL), ==, GB_OK);
  *n = gb_model_n_outputs(m);
  memcpy(out, y, sizeof(float) * (size_t)*n);
  gb_model_free(m);
}

static double
max_abs_diff(const float *a, const float *b, size_t n)
{
  double d = 0;
  for (size_t i = 0; i < n; i++)
    d = fmax(d, fabs((double)a[i] - b[i]));
  return d;
}

static void
count_cb(gpointer instance, gpointer user)
{
  (void)instance;
  (*(int *)user)++;
}

static void
failed_cb(gpointer instance, const char *message, gpointer user)
{
  (void)instance;
  g_assert_true(message != NULL && message[0] != '\0');
  (*(int *)user)++;
}

/* Shows @child in a window of @w x @h and waits until it is drawn at its size. */
static GtkWidget *
show_in_window(GtkWidget *child, int w, int h)
{
  GtkWidget *win = gtk_window_new();
  gtk_window_set_default_size(GTK_WINDOW(win), w, h);
  gtk_window_set_child(GTK_WINDOW(win), child);
  gtk_window_present(GTK_WINDOW(win));
  gint64 end = g_get_monotonic_time() + 2 * G_USEC_PER_SEC;
  while ((!gtk_widget_get_mapped(child) || gtk_widget_get_width(child) < 10) &&
         g_get_monotonic_time() < end)
    g_main_context_iteration(NULL, FALSE);
  for (int i = 0; i < 20; i++)
    g_main_context_iteration(NULL, FALSE);
  return win;
}

static gboolean
wake_cb(gpointer user)
{
  *(gboolean *)user = TRUE;
  return G_SOURCE_REMOVE;
}

/* Lets GTK lay out and draw a few frames after a change. */
static void
settle(void)
{
  gboolean done = FALSE;
  g_timeout_add(300, wake_cb, &done);
  while (!done)
    g_main_context_iteration(NULL, TRUE);
}

/* The widget as pixels: its snapshot rendered by the window's renderer. @stride in bytes,
 * B G R A bytes per pixel (little-endian ARGB32). */
static guchar *
render_widget(GtkWidget *w, int *width, int *height, gsize *stride)
{
  settle();
  int W = gtk_widget_get_width(w), H = gtk_widget_get_height(w);
  g_assert_cmpint(W, >, 0);
  GdkPaintable *p = gtk_widget_paintable_new(w);
  /* The paintable is empty until the widget has drawn a frame. */
  GskRenderNode *node = NULL;
  gint64 end = g_get_monotonic_time() + 3 * G_USEC_PER_SEC;
  while (node == NULL && g_get_monotonic_time() < end) {
    GtkSnapshot *s = gtk_snapshot_new();
    gdk_paintable_snapshot(p, s, W, H);
    node = gtk_snapshot_free_to_node(s);
    if (node == NULL) {
      gtk_widget_queue_draw(w);
      g_main_context_iteration(NULL, TRUE);
    }
  }
  g_assert_nonnull(node);
  GskRenderer *r = gtk_native_get_renderer(gtk_widget_get_native(w));
  GdkTexture *t = gsk_renderer_render_texture(r, node, &GRAPHENE_RECT_INIT(0, 0, W, H));
  *width = gdk_texture_get_width(t);
  *height = gdk_texture_get_height(t);
  *stride = (gsize)*width * 4;
  guchar *pix = g_malloc((gsize)*height * *stride);
  gdk_texture_download(t, pix, *stride);
  if (g_getenv("GB_TEST_SAVE_PNG") != NULL) /* to look at what a test sees */
    gdk_texture_save_to_png(t, g_getenv("GB_TEST_SAVE_PNG"));
  g_object_unref(t);
  gsk_render_node_unref(node);
  g_object_unref(p);
  return pix;
}

static void
assert_pixel_rgb(const guchar *pix, gsize stride, int x, int y, GbRgb want, int tol)
{
  const guchar *p = pix + (gsize)y * stride + (gsize)x * 4;
  int r = p[2], g = p[1], b = p[0];
  int wr = (int)lround(want.r * 255), wg = (int)lround(want.g * 255),
      wb = (int)lround(want.b * 255);
  if (abs(r - wr) > tol || abs(g - wg) > tol || abs(b - wb) > tol)
    g_error("pixel (%d, %d) is #%02x%02x%02x, expected #%02x%02x%02x", x, y, r, g, b, wr, wg,
            wb);
}

/* The centre pixel of 28 x 28 cell @i of the view's heatmap. */
static void
assert_cell_rgb(GbExplanationView *v, const guchar *pix, gsize stride, size_t i, GbRgb want)
{
  graphene_rect_t cell;
  g_assert_true(gb_explanation_view_get_cell_rect(v, (int)(i / 28), (int)(i % 28), &cell));
  g_assert_cmpfloat(cell.size.width, >=, 8);
  assert_pixel_rgb(pix, stride, (int)(cell.origin.x + cell.size.width / 2),
                   (int)(cell.origin.y + cell.size.height / 2), want, 3);
}

/* ---- GbExplanationView ---- */

static GbExplanationView *
new_explanation_view(GbWorker *worker, GbModelHandle *h, const GbMethodConfig *cfg, GbTarget t)
{
  GbExplanationView *v = GB_EXPLANATION_VIEW(gb_explanation_view_new());
  gb_explanation_view_set_model(v, worker, h);
  gb_explanation_view_set_method(v, cfg);
  gb_explanation_view_set_target(v, t);
  return v;
}

static void
test_view_equals_explain(void)
{
  g_autoptr(GbWorker) worker = gb_worker_new();
  g_autoptr(GbModelHandle) h = cnn_handle();
  float x[CNN_PIXELS];
  fill_digit(x, 1);
  GbShape shape = gb_shape_3d(1, 28, 28);
  GbMethod methods[] = {GB_METHOD_LRP, GB_METHOD_INTEGRATED_GRADIENTS, GB_METHOD_SALIENCY};
  for (size_t k = 0; k < G_N_ELEMENTS(methods); k++) {
    GbMethodConfig cfg;
    gb_method_config_init(&cfg, methods[k]);
    cfg.steps = 16;
    GbExplanationView *v = new_explanation_view(worker, h, &cfg, gb_target_class(3));
    g_object_ref_sink(v);
    int explained = 0;
    g_signal_connect(v, "explained", G_CALLBACK(count_cb), &explained);
    gb_explanation_view_set_input(v, x, &shape);
    gb_explanation_view_run(v);
    g_assert_true(gb_worker_wait_idle(worker, 30000));
    g_assert_cmpint(explained, ==, 1);
    GbExplanation ref;
    reference_explain(h, x, gb_target_class(3), &cfg, &ref);
    size_t n;
    const float *map = gb_explanation_view_get_map(v, &n);
    g_assert_cmpuint(n, ==, ref.map.n);
    g_assert_cmpfloat(max_abs_diff(map, ref.map.values, n), <=, 1e-6);
    g_assert_cmpfloat(fabs(gb_explanation_view_get_f_x(v) - ref.map.f_x), <=, 1e-5);
    /* The diagnostics name the method's own check. */
    const char *diag = gb_explanation_view_get_diagnostics(v);
    if (methods[k] == GB_METHOD_LRP)
      g_assert_nonnull(strstr(diag, "Conservation"));
    if (methods[k] == GB_METHOD_INTEGRATED_GRADIENTS)
      g_assert_nonnull(strstr(diag, "Completeness"));
    gb_explanation_clear(&ref);
    g_object_unref(v);
  }
}

static void
test_view_predicted_target(void)
{
  g_autoptr(GbWorker) worker = gb_worker_new();
  g_autoptr(GbModelHandle) h = cnn_handle();
  float x[CNN_PIXELS], logits[16];
  int n_logits;
  fill_digit(x, 2);
  reference_logits(h, x, logits, &n_logits);
  int best = 0;
  for (int i = 1; i < n_logits; i++)
    best = logits[i] > logits[best] ? i : best;
  GbMethodConfig cfg;
  gb_method_config_init(&cfg, GB_METHOD_GRAD_X_INPUT);
  GbExplanationView *v = g_object_ref_sink(
      new_explanation_view(worker, h, &cfg, gb_target_class(-1)));
  GbShape shape = gb_shape_3d(1, 28, 28);
  gb_explanation_view_set_input(v, x, &shape);
  gb_explanation_view_run(v);
  g_assert_true(gb_worker_wait_idle(worker, 30000));
  g_assert_cmpint(gb_explanation_view_get_explained_target(v).class_a, ==, best);
  g_assert_cmpfloat(fabs(gb_explanation_view_get_f_x(v) - logits[best]), <=, 1e-5);
  g_object_unref(v);
}

static void
test_view_drops_stale(void)
{
  g_autoptr(GbWorker) worker = gb_worker_new();
  g_autoptr(GbModelHandle) h = cnn_handle();
  float a[CNN_PIXELS], b[CNN_PIXELS];
  fill_digit(a, 3);
  fill_digit(b, 4);
  b[0] = 0.9f; /* differ for sure */
  GbMethodConfig cfg;
  gb_method_config_init(&cfg, GB_METHOD_GRAD_X_INPUT);
  GbExplanationView *v = g_object_ref_sink(
      new_explanation_view(worker, h, &cfg, gb_target_class(5)));
  int explained = 0;
  g_signal_connect(v, "explained", G_CALLBACK(count_cb), &explained);
  GbShape shape = gb_shape_3d(1, 28, 28);
  /* Ten pen moves in one frame: only the last input's map may be shown. */
  for (int i = 0; i < 10; i++) {
    gb_explanation_view_set_input(v, i % 2 ? b : a, &shape);
    gb_explanation_view_run(v);
  }
  gb_explanation_view_set_input(v, a, &shape);
  gb_explanation_view_run(v);
  gb_explanation_view_set_input(v, b, &shape);
  gb_explanation_view_run(v);
  g_assert_true(gb_worker_wait_idle(worker, 30000));
  g_assert_cmpint(explained, ==, 1);
  GbExplanation ra, rb;
  reference_explain(h, a, gb_target_class(5), &cfg, &ra);
  reference_explain(h, b, gb_target_class(5), &cfg, &rb);
  size_t n;
  const float *map = gb_explanation_view_get_map(v, &n);
  g_assert_cmpfloat(max_abs_diff(map, rb.map.values, n), <=, 1e-6);
  g_assert_cmpfloat(max_abs_diff(ra.map.values, rb.map.values, n), >, 1e-3);
  gb_explanation_clear(&ra);
  gb_explanation_clear(&rb);
  g_object_unref(v);
}

static void
test_view_bad_input(void)
{
  g_autoptr(GbWorker) worker = gb_worker_new();
  g_autoptr(GbModelHandle) h = cnn_handle();
  GbMethodConfig cfg;
  gb_method_config_init(&cfg, GB_METHOD_GRAD_X_INPUT);
  GbExplanationView *v = g_object_ref_sink(
      new_explanation_view(worker, h, &cfg, gb_target_class(0)));
  int failed = 0;
  g_signal_connect(v, "failed", G_CALLBACK(failed_cb), &failed);
  float x[100] = {0};
  GbShape wrong = gb_shape_1d(100);
  gb_explanation_view_set_input(v, x, &wrong);
  gb_explanation_view_run(v);
  g_assert_cmpint(failed, ==, 1);
  g_assert_null(gb_explanation_view_get_map(v, NULL));
  float y[CNN_PIXELS] = {0};
  y[17] = NAN;
  GbShape shape = gb_shape_3d(1, 28, 28);
  gb_explanation_view_set_input(v, y, &shape);
  gb_explanation_view_run(v);
  g_assert_cmpint(failed, ==, 2);
  g_assert_true(gb_worker_wait_idle(worker, 30000));
  g_object_unref(v);
}

/* Cancel stops a long method: no result, no failure, the worker idle well before the method
 * could have finished (KernelSHAP with 40,000 coalitions takes many seconds here). */
static void
test_view_cancel(void)
{
  g_autoptr(GbWorker) worker = gb_worker_new();
  g_autoptr(GbModelHandle) h = cnn_handle();
  float x[CNN_PIXELS];
  fill_digit(x, 14);
  GbMethodConfig cfg;
  gb_method_config_init(&cfg, GB_METHOD_KERNEL_SHAP);
  cfg.samples = 40000;
  GbExplanationView *v = g_object_ref_sink(
      new_explanation_view(worker, h, &cfg, gb_target_class(1)));
  int explained = 0, failed = 0;
  g_signal_connect(v, "explained", G_CALLBACK(count_cb), &explained);
  g_signal_connect(v, "failed", G_CALLBACK(failed_cb), &failed);
  GbShape shape = gb_shape_3d(1, 28, 28);
  gb_explanation_view_set_input(v, x, &shape);
  gb_explanation_view_run(v);
  g_assert_true(gb_worker_lane_busy(worker, "explain"));
  gint64 t0 = g_get_monotonic_time();
  gb_explanation_view_cancel(v);
  g_assert_true(gb_worker_wait_idle(worker, 30000));
  double waited = (double)(g_get_monotonic_time() - t0) / G_USEC_PER_SEC;
  g_assert_cmpfloat(waited, <, 3.0);
  g_assert_cmpint(explained, ==, 0);
  g_assert_cmpint(failed, ==, 0);
  g_assert_null(gb_explanation_view_get_map(v, NULL));
  g_object_unref(v);
}

/* The largest positive relevance is drawn in the diverging map's top colour, the most negative
 * one blue, at opacity 1 over the image. */
static void
test_view_pixels(void)
{
  g_autoptr(GbWorker) worker = gb_worker_new();
  g_autoptr(GbModelHandle) h = cnn_handle();
  float x[CNN_PIXELS];
  fill_digit(x, 5);
  GbMethodConfig cfg;
  gb_method_config_init(&cfg, GB_METHOD_GRAD_X_INPUT);
  GbExplanationView *v = new_explanation_view(worker, h, &cfg, gb_target_class(2));
  gb_explanation_view_set_opacity(v, 1.0);
  GtkWidget *win = show_in_window(GTK_WIDGET(v), 700, 640);
  GbShape shape = gb_shape_3d(1, 28, 28);
  gb_explanation_view_set_input(v, x, &shape);
  gb_explanation_view_run(v);
  g_assert_true(gb_worker_wait_idle(worker, 30000));
  size_t n;
  const float *map = gb_explanation_view_get_map(v, &n);
  size_t hi = 0, lo = 0;
  for (size_t i = 1; i < n; i++) {
    hi = map[i] > map[hi] ? i : hi;
    lo = map[i] < map[lo] ? i : lo;
  }
  g_assert_cmpfloat(map[hi], >, 0);
  g_assert_cmpfloat(map[lo], <, 0);
  double max_abs = fmax(map[hi], -map[lo]);
  GtkWidget *plot = GTK_WIDGET(gb_explanation_view_get_plot_view(v));
  int W, H;
  gsize stride;
  g_autofree guchar *pix = render_widget(plot, &W, &H, &stride);
  /* Symmetric scale: the extreme cell takes an end colour, the other t = 0.5 + v / (2 max). */
  size_t cells[2] = {hi, lo};
  for (int k = 0; k < 2; k++) {
    double t = 0.5 + 0.5 * map[cells[k]] / max_abs;
    g_assert_true(t <= 1e-9 || t >= 1 - 1e-9 || k == (map[hi] >= -map[lo] ? 1 : 0));
    assert_cell_rgb(v, pix, stride, cells[k], gb_colormap_lookup(GB_COLORMAP_DIVERGING, t));
  }
  /* Forced viridis: the largest value is viridis' top colour, the smallest its bottom one. */
  gb_explanation_view_set_colormap(v, GB_COLORMAP_VIRIDIS);
  g_free(pix);
  pix = render_widget(plot, &W, &H, &stride);
  assert_cell_rgb(v, pix, stride, hi, gb_colormap_lookup(GB_COLORMAP_VIRIDIS, 1.0));
  assert_cell_rgb(v, pix, stride, lo, gb_colormap_lookup(GB_COLORMAP_VIRIDIS, 0.0));
  gtk_window_destroy(GTK_WINDOW(win));
}

/* EEG (time, channels): the channel x time map, channels as rows, with no image under it (so
 * the extreme cell has the colour map's end colour even at opacity 0.75). */
static void
test_view_eeg(void)
{
  g_autoptr(GbWorker) worker = gb_worker_new();
  g_autoptr(GError) error = NULL;
  g_autoptr(GbModelHandle) h = gb_model_handle_new_default("p300-rnn", &error);
  g_assert_no_error(error);
  const GbShape *in = gb_model_input_shape(gb_model_handle_get_model(h));
  g_assert_cmpint(in->ndim, ==, 2);
  int T = in->dim[0], C = in->dim[1];
  float *x = g_new(float, (size_t)T * C);
  fill_uniform(x, (size_t)T * C, -2, 2, 13);
  GbMethodConfig cfg;
  gb_method_config_init(&cfg, GB_METHOD_GRAD_X_INPUT);
  GbExplanationView *v = new_explanation_view(worker, h, &cfg, gb_target_class(0));
  GtkWidget *win = show_in_window(GTK_WIDGET(v), 900, 600);
  gb_explanation_view_set_input(v, x, in);
  gb_explanation_view_run(v);
  g_assert_true(gb_worker_wait_idle(worker, 30000));
  size_t n;
  const float *map = gb_explanation_view_get_map(v, &n);
  g_assert_cmpuint(n, ==, (size_t)T * C);
  size_t ext = 0;
  for (size_t i = 1; i < n; i++)
    ext = fabs(map[i]) > fabs(map[ext]) ? i : ext;
  int t = (int)(ext / C), ch = (int)(ext % C);
  GtkWidget *plot = GTK_WIDGET(gb_explanation_view_get_plot_view(v));
  int W, H;
  gsize stride;
  g_autofree guchar *pix = render_widget(plot, &W, &H, &stride);
  graphene_rect_t cell;
  g_assert_false(gb_explanation_view_get_cell_rect(v, C, 0, &cell)); /* C rows only */
  g_assert_true(gb_explanation_view_get_cell_rect(v, ch, t, &cell));
  g_assert_cmpfloat(cell.size.width, >=, 6);
  assert_pixel_rgb(pix, stride, (int)(cell.origin.x + cell.size.width / 2),
                   (int)(cell.origin.y + cell.size.height / 2),
                   gb_colormap_lookup(GB_COLORMAP_DIVERGING, map[ext] > 0 ? 1.0 : 0.0), 3);
  gtk_window_destroy(GTK_WINDOW(win));
  g_free(x);
}

/* ---- GbProbabilityView ---- */

static void
test_probabilities(void)
{
  g_autoptr(GbWorker) worker = gb_worker_new();
  g_autoptr(GbModelHandle) h = cnn_handle();
  GbProbabilityView *pv = g_object_ref_sink(GB_PROBABILITY_VIEW(gb_probability_view_new()));
  gb_probability_view_set_model(pv, worker, h);
  GbShape shape = gb_shape_3d(1, 28, 28);
  for (guint32 seed = 10; seed < 14; seed++) {
    float x[CNN_PIXELS], logits[16];
    int n_logits;
    fill_digit(x, seed);
    fill_uniform(x, 200, 0, 1, seed); /* vary the prediction */
    reference_logits(h, x, logits, &n_logits);
    gb_probability_view_set_input(pv, x, &shape);
    g_assert_true(gb_worker_wait_idle(worker, 30000));
    int n;
    const float *p = gb_probability_view_get_probabilities(pv, &n);
    g_assert_cmpint(n, ==, n_logits);
    double sum = 0;
    int best = 0;
    for (int i = 0; i < n; i++) {
      g_assert_cmpfloat(p[i], >=, 0);
      sum += p[i];
      best = logits[i] > logits[best] ? i : best;
    }
    g_assert_cmpfloat(fabs(sum - 1.0), <=, 1e-5);
    g_assert_cmpint(gb_probability_view_get_predicted(pv), ==, best);
    /* softmax ratios: p_i / p_j = exp(l_i - l_j) */
    g_assert_cmpfloat(fabs(log(p[best] / p[(best + 1) % n]) -
                           (logits[best] - logits[(best + 1) % n])), <=, 1e-3);
  }
  /* A one-output model: two classes, 1 - sigmoid and sigmoid. */
  float one = 2.0f;
  gb_probability_view_set_logits(pv, &one, 1, FALSE);
  int n;
  const float *p = gb_probability_view_get_probabilities(pv, &n);
  g_assert_cmpint(n, ==, 2);
  g_assert_cmpfloat(fabs(p[1] - 1 / (1 + exp(-2.0))), <=, 1e-6);
  g_assert_cmpint(gb_probability_view_get_predicted(pv), ==, 1);
  g_object_unref(pv);
}

/* ---- GbCompareView ---- */

typedef struct {
  GbCompareView *view;
  guint next;     /* the index the next cell must have */
  int n_finished; /* "finished" seen so far */
} LiveCells;

/* Cells arrive one by one, in order, each filled when it arrives and before "finished". */
static void
method_done_cb(GbCompareView *cv, guint index, LiveCells *live)
{
  g_assert_true(cv == live->view);
  g_assert_cmpuint(index, ==, live->next);
  g_assert_cmpint(live->n_finished, ==, 0);
  g_assert_nonnull(gb_compare_view_get_result(cv, index, NULL, NULL, NULL, NULL));
  if (index + 1 < gb_compare_view_get_n_results(cv))
    g_assert_null(gb_compare_view_get_result(cv, index + 1, NULL, NULL, NULL, NULL));
  live->next++;
}

static void
test_compare_methods(void)
{
  g_autoptr(GbWorker) worker = gb_worker_new();
  g_autoptr(GbModelHandle) h = cnn_handle();
  GbCompareView *cv = g_object_ref_sink(GB_COMPARE_VIEW(gb_compare_view_new()));
  gb_compare_view_set_model(cv, worker, h);
  float x[CNN_PIXELS];
  fill_digit(x, 6);
  GbShape shape = gb_shape_3d(1, 28, 28);
  gb_compare_view_set_input(cv, x, &shape);
  gb_compare_view_set_target(cv, gb_target_class(4));
  g_auto(GStrv) defaults = gb_compare_view_dup_selected(cv);
  g_assert_cmpuint(g_strv_length(defaults), ==, 8);
  g_assert_true(g_strv_contains((const char *const *)defaults, "lrp-gamma-box"));
  LiveCells live = {cv, 0, 0};
  g_signal_connect(cv, "method-done", G_CALLBACK(method_done_cb), &live);
  g_signal_connect(cv, "finished", G_CALLBACK(count_cb), &live.n_finished);
  gb_compare_view_run(cv);
  g_assert_true(gb_worker_wait_idle(worker, 120000));
  g_assert_cmpint(live.n_finished, ==, 1);
  g_assert_cmpuint(live.next, ==, 8);
  g_assert_cmpuint(gb_compare_view_get_n_results(cv), ==, 8);
  for (guint i = 0; i < 8; i++) {
    const char *id, *error;
    size_t n;
    double seconds;
    const float *map = gb_compare_view_get_result(cv, i, &id, &n, &seconds, &error);
    g_assert_cmpstr(id, ==, defaults[i]);
    g_assert_null(error);
    g_assert_nonnull(map);
    g_assert_cmpfloat(seconds, >, 0);
    GbMethodConfig cfg;
    g_assert_true(gb_method_config_init_from_id(&cfg, id));
    GbExplanation ref;
    reference_explain(h, x, gb_target_class(4), &cfg, &ref);
    g_assert_cmpuint(n, ==, ref.map.n);
    double scale = gb_colormap_max_abs(ref.map.values, n);
    g_assert_cmpfloat(scale, >, 0);
    if (max_abs_diff(map, ref.map.values, n) > 1e-5 * scale)
      g_error("%s: the view's map differs from gb_explain's by %g", id,
              max_abs_diff(map, ref.map.values, n));
    gb_explanation_clear(&ref);
  }
  g_object_unref(cv);
}

/* Gradient x input is linear in the target: why a and not b = map(a) - map(b). */
static void
test_compare_contrast(void)
{
  g_autoptr(GbWorker) worker = gb_worker_new();
  g_autoptr(GbModelHandle) h = cnn_handle();
  GbCompareView *cv = g_object_ref_sink(GB_COMPARE_VIEW(gb_compare_view_new()));
  gb_compare_view_set_model(cv, worker, h);
  float x[CNN_PIXELS];
  fill_digit(x, 7);
  GbShape shape = gb_shape_3d(1, 28, 28);
  gb_compare_view_set_input(cv, x, &shape);
  const char *ids[] = {"grad-x-input", NULL};
  gb_compare_view_set_selected(cv, ids);
  gb_compare_view_set_target(cv, gb_target_contrast(3, 8));
  GbTarget t = gb_compare_view_get_target(cv);
  g_assert_cmpint(t.class_a, ==, 3);
  g_assert_cmpint(t.class_b, ==, 8);
  gb_compare_view_run(cv);
  g_assert_true(gb_worker_wait_idle(worker, 30000));
  g_assert_cmpuint(gb_compare_view_get_n_results(cv), ==, 1);
  size_t n;
  const float *map = gb_compare_view_get_result(cv, 0, NULL, &n, NULL, NULL);
  GbMethodConfig cfg;
  gb_method_config_init(&cfg, GB_METHOD_GRAD_X_INPUT);
  GbExplanation ra, rb;
  reference_explain(h, x, gb_target_class(3), &cfg, &ra);
  reference_explain(h, x, gb_target_class(8), &cfg, &rb);
  float *diff = g_new(float, n);
  for (size_t i = 0; i < n; i++)
    diff[i] = ra.map.values[i] - rb.map.values[i];
  double scale = gb_colormap_max_abs(diff, n);
  g_assert_cmpfloat(scale, >, 1e-3);
  g_assert_cmpfloat(max_abs_diff(map, diff, n), <=, 1e-5 * scale);
  g_free(diff);
  gb_explanation_clear(&ra);
  gb_explanation_clear(&rb);
  /* "Why 3 and not 3" is refused with a message, before any job. */
  int failed = 0;
  g_signal_connect(cv, "failed", G_CALLBACK(failed_cb), &failed);
  gb_compare_view_set_target(cv, gb_target_contrast(3, 3));
  gb_compare_view_run(cv);
  g_assert_cmpint(failed, ==, 1);
  g_assert_false(gb_worker_lane_busy(worker, "compare"));
  g_object_unref(cv);
}

/* ---- GbShapView ---- */

static void
test_shap_efficiency(void)
{
  g_autoptr(GbWorker) worker = gb_worker_new();
  g_autoptr(GbModelHandle) h = cnn_handle();
  GbShapView *sv = g_object_ref_sink(GB_SHAP_VIEW(gb_shap_view_new()));
  gb_shap_view_set_model(sv, worker, h);
  float x[CNN_PIXELS], logits[16];
  int n_logits;
  fill_digit(x, 8);
  reference_logits(h, x, logits, &n_logits);
  GbShape shape = gb_shape_3d(1, 28, 28);
  gb_shap_view_set_input(sv, x, &shape);
  for (int seg = 0; seg < 2; seg++) {
    gb_shap_view_set_segmentation(sv, seg ? GB_SEGMENTATION_SLIC : GB_SEGMENTATION_GRID);
    int finished = 0;
    gulong id = g_signal_connect(sv, "finished", G_CALLBACK(count_cb), &finished);
    gb_shap_view_run(sv);
    g_assert_true(gb_worker_wait_idle(worker, 120000));
    g_signal_handler_disconnect(sv, id);
    g_assert_cmpint(finished, ==, 1);
    g_assert_cmpint(gb_shap_view_get_n_classes(sv), ==, n_logits);
    int best = 0;
    for (int c = 0; c < n_logits; c++) {
      int M;
      const double *phi = gb_shap_view_get_values(sv, c, &M);
      g_assert_cmpint(M, >, 20);
      double sum = 0;
      for (int i = 0; i < M; i++)
        sum += phi[i];
      /* f(x) is the model's own logit, computed here independently. */
      g_assert_cmpfloat(fabs(gb_shap_view_get_f_x(sv, c) - logits[c]), <=, 1e-4);
      g_assert_cmpfloat(fabs(sum + gb_shap_view_get_base_value(sv, c) - logits[c]), <=, 1e-4);
      best = logits[c] > logits[best] ? c : best;
    }
    g_assert_cmpint(gb_shap_view_get_shown_class(sv), ==, best);
    /* Every segment id used, each feature in one. */
    size_t n;
    const int *ids = gb_shap_view_get_segment_ids(sv, &n);
    int M;
    gb_shap_view_get_values(sv, 0, &M);
    g_assert_cmpuint(n, ==, CNN_PIXELS);
    g_autofree int *count = g_new0(int, M);
    for (size_t i = 0; i < n; i++) {
      g_assert_cmpint(ids[i], >=, 0);
      g_assert_cmpint(ids[i], <, M);
      count[ids[i]]++;
    }
    for (int i = 0; i < M; i++)
      g_assert_cmpint(count[i], >, 0);
    if (seg == 0)
      g_assert_cmpint(M, ==, 49);
  }
  /* The view's class 2 agrees with the one-class KernelSHAP on the same grid. */
  gb_shap_view_set_segmentation(sv, GB_SEGMENTATION_GRID);
  gb_shap_view_run(sv);
  g_assert_true(gb_worker_wait_idle(worker, 120000));
  GbMethodConfig cfg;
  gb_method_config_init(&cfg, GB_METHOD_KERNEL_SHAP);
  GbExplanation ref;
  reference_explain(h, x, gb_target_class(2), &cfg, &ref);
  int M;
  const double *phi = gb_shap_view_get_values(sv, 2, &M);
  g_assert_cmpint(M, ==, ref.segments.n_segments);
  double scale = 0, diff = 0;
  for (int i = 0; i < M; i++) {
    scale = fmax(scale, fabs(ref.segments.segment_values[i]));
    diff = fmax(diff, fabs(phi[i] - ref.segments.segment_values[i]));
  }
  g_assert_cmpfloat(diff, <=, 1e-3 * scale);
  gb_shap_view_set_class(sv, 2);
  g_assert_cmpint(gb_shap_view_get_shown_class(sv), ==, 2);
  g_assert_nonnull(strstr(gb_shap_view_get_summary(sv), "Efficiency"));
  gb_explanation_clear(&ref);
  g_object_unref(sv);
}

/* ---- GbLrpCompareView ---- */

/* A ReLU MLP with non-zero biases: LRP-0 must still equal gradient x input. */
static GbModelHandle *
relu_mlp_handle(const char *spec)
{
  GbModel *m = NULL;
  GbError err = {0};
  if (gb_model_new_from_spec(spec, 42, &m, &err) != GB_OK)
    g_error("%s", err.message);
  for (int i = 0; i < gb_model_n_tensors(m); i++) {
    GbModelTensor t;
    gb_model_get_tensor(m, i, &t);
    if (t.is_bias)
      fill_uniform(t.data, t.count, -0.3f, 0.3f, 100 + (guint32)i);
  }
  return gb_model_handle_new(m, "test-mlp", "Test MLP", NULL);
}

static void
run_lrp_compare(GbWorker *worker, GbLrpCompareView *lv)
{
  int finished = 0;
  gulong id = g_signal_connect(lv, "finished", G_CALLBACK(count_cb), &finished);
  gb_lrp_compare_view_run(lv);
  g_assert_true(gb_worker_wait_idle(worker, 30000));
  g_signal_handler_disconnect(lv, id);
  g_assert_cmpint(finished, ==, 1);
}

static void
test_lrp_compare(void)
{
  g_autoptr(GbWorker) worker = gb_worker_new();
  g_autoptr(GbModelHandle) h =
      relu_mlp_handle("input(1,8,8), flatten, dense(24), relu, dense(16), relu, dense(5)");
  g_assert_true(gb_lrp_compare_is_relu_network(gb_model_handle_get_model(h), NULL));
  GbLrpCompareView *lv = g_object_ref_sink(GB_LRP_COMPARE_VIEW(gb_lrp_compare_view_new()));
  gb_lrp_compare_view_set_model(lv, worker, h);
  float x[64];
  fill_uniform(x, 64, 0, 1, 9);
  GbShape shape = gb_shape_3d(1, 8, 8);
  gb_lrp_compare_view_set_input(lv, x, &shape);
  gb_lrp_compare_view_set_target(lv, gb_target_class(1));
  gb_lrp_compare_view_set_rule(lv, GB_LRP_ZERO, 0);
  run_lrp_compare(worker, lv);
  size_t n;
  const float *gxi = gb_lrp_compare_view_get_gxi_map(lv, &n);
  g_assert_cmpuint(n, ==, 64);
  double scale = gb_colormap_max_abs(gxi, n);
  g_assert_cmpfloat(scale, >, 1e-3);
  g_assert_cmpfloat(gb_lrp_compare_view_get_pearson(lv), >=, 1 - 1e-6);
  g_assert_cmpfloat(gb_lrp_compare_view_get_spearman(lv), >=, 1 - 1e-6);
  g_assert_cmpfloat(gb_lrp_compare_view_get_max_difference(lv), <=, 1e-5 * scale);
  /* The view's G x I is the engine's (the reference here is computed separately). */
  GbMethodConfig cfg;
  gb_method_config_init(&cfg, GB_METHOD_GRAD_X_INPUT);
  GbExplanation ref;
  reference_explain(h, x, gb_target_class(1), &cfg, &ref);
  g_assert_cmpfloat(max_abs_diff(gxi, ref.map.values, n), <=, 1e-6);
  gb_explanation_clear(&ref);
  /* epsilon 1 absorbs relevance at every layer: the maps part. */
  gb_lrp_compare_view_set_rule(lv, GB_LRP_EPSILON, 1.0);
  g_assert_true(gb_worker_wait_idle(worker, 30000)); /* set_rule ran it again */
  double d_eps1 = gb_lrp_compare_view_get_max_difference(lv);
  g_assert_cmpfloat(d_eps1, >, 1e-3 * scale);
  g_assert_cmpfloat(gb_lrp_compare_view_get_pearson(lv), <, 1 - 1e-6);
  /* ... and more with a larger epsilon. */
  gb_lrp_compare_view_set_rule(lv, GB_LRP_EPSILON, 5.0);
  g_assert_true(gb_worker_wait_idle(worker, 30000));
  g_assert_cmpfloat(gb_lrp_compare_view_get_max_difference(lv), >, d_eps1);
  gb_lrp_compare_view_set_rule(lv, GB_LRP_GAMMA, 0.5);
  g_assert_true(gb_worker_wait_idle(worker, 30000));
  g_assert_cmpfloat(gb_lrp_compare_view_get_max_difference(lv), >, 1e-3 * scale);
  g_object_unref(lv);

  /* The digits CNN (conv, ReLU, max pooling) is a ReLU network too. */
  g_autoptr(GbModelHandle) cnn = cnn_handle();
  g_assert_true(gb_lrp_compare_is_relu_network(gb_model_handle_get_model(cnn), NULL));
  lv = g_object_ref_sink(GB_LRP_COMPARE_VIEW(gb_lrp_compare_view_new()));
  gb_lrp_compare_view_set_model(lv, worker, cnn);
  float digit[CNN_PIXELS];
  fill_digit(digit, 11);
  GbShape dshape = gb_shape_3d(1, 28, 28);
  gb_lrp_compare_view_set_input(lv, digit, &dshape);
  gb_lrp_compare_view_set_rule(lv, GB_LRP_ZERO, 0);
  run_lrp_compare(worker, lv);
  const float *cg = gb_lrp_compare_view_get_gxi_map(lv, &n);
  g_assert_cmpfloat(gb_lrp_compare_view_get_max_difference(lv), <=,
                    1e-4 * gb_colormap_max_abs(cg, n));
  g_object_unref(lv);
}

static void
test_lrp_compare_not_relu(void)
{
  g_autoptr(GbModelHandle) h =
      relu_mlp_handle("input(1,8,8), flatten, dense(16), tanh, dense(3)");
  g_autofree char *why = NULL;
  g_assert_false(gb_lrp_compare_is_relu_network(gb_model_handle_get_model(h), &why));
  g_assert_nonnull(strstr(why, "tanh"));
  g_assert_nonnull(strstr(why, "layer 3"));
  /* tanh(z)/z != tanh'(z): even LRP-0 differs from gradient x input. */
  g_autoptr(GbWorker) worker = gb_worker_new();
  GbLrpCompareView *lv = g_object_ref_sink(GB_LRP_COMPARE_VIEW(gb_lrp_compare_view_new()));
  gb_lrp_compare_view_set_model(lv, worker, h);
  float x[64];
  fill_uniform(x, 64, 0, 1, 12);
  GbShape shape = gb_shape_3d(1, 8, 8);
  gb_lrp_compare_view_set_input(lv, x, &shape);
  gb_lrp_compare_view_set_rule(lv, GB_LRP_ZERO, 0);
  run_lrp_compare(worker, lv);
  size_t n;
  const float *gxi = gb_lrp_compare_view_get_gxi_map(lv, &n);
  g_assert_cmpfloat(gb_lrp_compare_view_get_max_difference(lv), >,
                    1e-3 * gb_colormap_max_abs(gxi, n));
  g_object_unref(lv);
}

int
main(int argc, char **argv)
{
  if (!gtk_init_check()) {
    printf("1..0 # SKIP no display\n");
    return 0;
  }
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/ui/explanation-view/equals-explain", test_view_equals_explain);
  g_test_add_func("/ui/explanation-view/predicted-target", test_view_predicted_target);
  g_test_add_func("/ui/explanation-view/drops-stale", test_view_drops_stale);
  g_test_add_func("/ui/explanation-view/bad-input", test_view_bad_input);
  g_test_add_func("/ui/explanation-view/cancel", test_view_cancel);
  g_test_add_func("/ui/explanation-view/pixels", test_view_pixels);
  g_test_add_func("/ui/explanation-view/eeg", test_view_eeg);
  g_test_add_func("/ui/probability-view/softmax", test_probabilities);
  g_test_add_func("/ui/compare-view/methods", test_compare_methods);
  g_test_add_func("/ui/compare-view/contrast", test_compare_contrast);
  g_test_add_func("/ui/shap-view/efficiency", test_shap_efficiency);
  g_test_add_func("/ui/lrp-compare-view/relu", test_lrp_compare);
  g_test_add_func("/ui/lrp-compare-view/not-relu", test_lrp_compare_not_relu);
  return g_test_run();
}

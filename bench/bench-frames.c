/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Frame times of the real window during a scripted drawing session: at every frame the pen
 * moves and the explanation is asked for again, as when a student draws. Reports the frame
 * intervals, the longest the main loop went without running (what a user feels as a freeze),
 * and the latency from a pen move to its explanation on screen.
 *
 *   xvfb-run -a build/bench/bench-frames [--model digits-cnn] [--method lrp-epsilon]
 *                                        [--seconds 5]
 */
#include "config.h"

#include <gtk/gtk.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gb-application.h"
#include "gb-window-private.h"

typedef struct {
  GbWindow *win;
  GArray *frame_us;   /* intervals between frames */
  GArray *gap_us;     /* intervals between 1 ms heartbeats of the main loop */
  GArray *latency_us; /* pen move -> explanation shown */
  gint64 last_frame, last_beat, start, pending_since;
  double seconds;
  int step;
  gboolean done;
} Session;

static int
cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static void
report(const char *what, GArray *a)
{
  if (a->len == 0) {
    printf("%-28s no samples\n", what);
    return;
  }
  double *v = (double *)(void *)a->data;
  qsort(v, a->len, sizeof(double), cmp_double);
  printf("%-28s n %5u  median %7.2f ms  95%% %7.2f ms  max %7.2f ms\n", what, a->len,
         v[a->len / 2] / 1000, v[(size_t)(a->len * 0.95)] / 1000, v[a->len - 1] / 1000);
}

/* The pen draws a "7" on the canvas, one short segment per frame: a top bar, then a diagonal;
 * every 40 frames the canvas is cleared and the digit starts again. */
static void
pen_point(int k, double *u, double *v)
{
  if (k < 16) {
    *u = 0.25 + 0.5 * k / 16.0;
    *v = 0.25;
  } else {
    *u = 0.75 - 0.3 * (k - 16) / 24.0;
    *v = 0.25 + 0.55 * (k - 16) / 24.0;
  }
}

static void
pen_step(Session *s)
{
  int k = s->step++ % 40;
  if (k == 0) {
    gb_drawing_canvas_clear(s->win->canvas);
    return;
  }
  double xy[4];
  pen_point(k - 1, &xy[0], &xy[1]);
  pen_point(k, &xy[2], &xy[3]);
  if (s->pending_since == 0)
    s->pending_since = g_get_monotonic_time();
  gb_drawing_canvas_add_stroke(s->win->canvas, xy, 2, FALSE);
}

static gboolean
tick_cb(GtkWidget *w, GdkFrameClock *clock, gpointer user)
{
  (void)w, (void)clock;
  Session *s = user;
  gint64 now = g_get_monotonic_time();
  if (s->last_frame != 0) {
    double d = (double)(now - s->last_frame);
    g_array_append_val(s->frame_us, d);
  }
  s->last_frame = now;
  if (now - s->start > s->seconds * G_USEC_PER_SEC) {
    s->done = TRUE;
    return G_SOURCE_REMOVE;
  }
  pen_step(s);
  return G_SOURCE_CONTINUE;
}

static gboolean
heartbeat_cb(gpointer user)
{
  Session *s = user;
  gint64 now = g_get_monotonic_time();
  if (s->last_beat != 0) {
    double d = (double)(now - s->last_beat);
    g_array_append_val(s->gap_us, d);
  }
  s->last_beat = now;
  return s->done ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
}

/* Polls for the explanation of the latest pen position being shown. */
static void
explained_cb(GObject *worker, GParamSpec *pspec, gpointer user)
{
  (void)pspec;
  Session *s = user;
  if (gb_worker_get_n_running(GB_WORKER(worker)) == 0 && s->pending_since != 0) {
    double d = (double)(g_get_monotonic_time() - s->pending_since);
    g_array_append_val(s->latency_us, d);
    s->pending_since = 0;
  }
}

int
main(int argc, char **argv)
{
  g_autofree char *model = g_strdup("digits-cnn");
  g_autofree char *method = g_strdup("grad-x-input");
  double seconds = 5;
  GOptionEntry entries[] = {
      {"model", 0, 0, G_OPTION_ARG_STRING, &model, "Built-in model or file", "ID"},
      {"method", 0, 0, G_OPTION_ARG_STRING, &method, "Explanation method", "ID"},
      {"seconds", 0, 0, G_OPTION_ARG_DOUBLE, &seconds, "Length of the session (5)", "S"},
      {NULL}};
  g_autoptr(GOptionContext) ctx = g_option_context_new("- frame times while drawing");
  g_option_context_add_main_entries(ctx, entries, NULL);
  g_autoptr(GError) error = NULL;
  if (!g_option_context_parse(ctx, &argc, &argv, &error) || !gtk_init_check()) {
    fprintf(stderr, "bench-frames: %s\n", error ? error->message : "no display");
    return 2;
  }
  g_autoptr(GbApplication) app = gb_application_new();
  g_application_register(G_APPLICATION(app), NULL, NULL);
  GbWindow *win = gb_window_new(app);
  gtk_window_present(GTK_WINDOW(win));
  if (!gb_window_open_model(win, model, &error) || !gb_window_set_method_id(win, method)) {
    fprintf(stderr, "bench-frames: %s\n", error ? error->message : "unknown method");
    return 2;
  }
  Session s = {win, g_array_new(FALSE, FALSE, sizeof(double)),
               g_array_new(FALSE, FALSE, sizeof(double)),
               g_array_new(FALSE, FALSE, sizeof(double)), 0, 0, 0, 0, seconds, 0, FALSE};
  gb_worker_wait_idle(gb_window_get_worker(win), 10000);
  g_signal_connect(gb_window_get_worker(win), "notify::n-running", G_CALLBACK(explained_cb), &s);
  s.start = g_get_monotonic_time();
  gtk_widget_add_tick_callback(GTK_WIDGET(win), tick_cb, &s, NULL);
  g_timeout_add(1, heartbeat_cb, &s);
  while (!s.done)
    g_main_context_iteration(NULL, TRUE);
  gb_worker_wait_idle(gb_window_get_worker(win), 10000);
  printf("model %s, method %s, %.0f s of drawing, %d pen moves\n", model, method, seconds,
         s.step);
  report("frame interval", s.frame_us);
  report("main loop gap (1 ms timer)", s.gap_us);
  report("pen move -> map shown", s.latency_us);
  gtk_window_destroy(GTK_WINDOW(win));
  return 0;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What a frame of drawing costs on the digits canvas (GbDrawingCanvas): the ink rendered to
 * the model's raster plus the MNIST preprocessing (what a "changed" listener pays with
 * gb_drawing_canvas_get_input), and the ink rendered at screen size. Needs a display (GTK
 * widgets): xvfb-run -a build/bench/bench-drawing [iterations]. */
#include "config.h"

#include <gtk/gtk.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "gb-drawing-canvas.h"
#include "gb-drawing-ink-private.h"

#define N_POINTS 80

/* CPU time of this thread in microseconds: the machine is shared, so wall-clock percentiles
 * mostly measure other processes; the CPU time measures the work. */
static double
cpu_us(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int
cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static void
report(const char *what, double *us, int n)
{
  qsort(us, (size_t)n, sizeof *us, cmp_double);
  printf("%-58s CPU median %6.1f us  p95 %6.1f us  max %7.1f us\n", what, us[n / 2],
         us[(int)(n * 0.95)], us[n - 1]);
}

/* A loop of @n points around the canvas centre, like a hand-drawn "0". */
static void
make_loop(double *xy, int n, double phase)
{
  for (int i = 0; i < n; i++) {
    double t = phase + 2 * G_PI * i / (n - 1);
    xy[2 * i] = 0.5 + 0.22 * cos(t);
    xy[2 * i + 1] = 0.5 + 0.3 * sin(t);
  }
}

static GtkGesture *
find_drag(GtkWidget *w)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers(w);
  for (guint i = 0; i < g_list_model_get_n_items(controllers); i++) {
    g_autoptr(GObject) ctl = g_list_model_get_item(controllers, i);
    if (GTK_IS_GESTURE_DRAG(ctl))
      return GTK_GESTURE(ctl);
  }
  return NULL;
}

/* One frame while drawing: a pointer move, then get_input (raster + preprocessing). The widget
 * is 600 x 600; three strokes are already down, optionally over a background digit. */
static void
bench_frames(int iterations, gboolean background)
{
  GtkWidget *canvas = gb_drawing_canvas_new();
  GtkWidget *win = gtk_window_new();
  gtk_window_set_default_size(GTK_WINDOW(win), 600, 600);
  gtk_window_set_child(GTK_WINDOW(win), canvas);
  gtk_window_present(GTK_WINDOW(win));
  while (gtk_widget_get_width(canvas) < 100)
    g_main_context_iteration(NULL, TRUE);
  GbDrawingCanvas *c = GB_DRAWING_CANVAS(canvas);
  float digit[784] = {0};
  for (int y = 4; y < 24; y++)
    digit[y * 28 + 14] = 1.0f;
  if (background)
    gb_drawing_canvas_set_digit(c, digit);
  double xy[2 * N_POINTS];
  for (int s = 0; s < 3; s++) {
    make_loop(xy, N_POINTS, s);
    gb_drawing_canvas_add_stroke(c, xy, N_POINTS, FALSE);
  }
  GtkGesture *drag = find_drag(canvas);
  double side = MIN(gtk_widget_get_width(canvas), gtk_widget_get_height(canvas));
  double *us = g_new(double, (gsize)iterations *N_POINTS);
  int n = 0;
  float out[784];
  make_loop(xy, N_POINTS, 1.3);
  for (int it = 0; it < iterations; it++) {
    g_signal_emit_by_name(drag, "drag-begin", xy[0] * side, xy[1] * side);
    for (int i = 1; i < N_POINTS; i++) {
      double t0 = cpu_us();
      g_signal_emit_by_name(drag, "drag-update", (xy[2 * i] - xy[0]) * side,
                            (xy[2 * i + 1] - xy[1]) * side);
      gb_drawing_canvas_get_input(c, out, NULL, NULL);
      us[n++] = cpu_us() - t0;
    }
    g_signal_emit_by_name(drag, "drag-end", 0.0, 0.0);
    gb_drawing_canvas_undo(c);
  }
  report(background ? "frame: move + get_input (3 strokes over a digit)"
                    : "frame: move + get_input (3 strokes down, 4th in progress)",
         us, n);
  /* After an undo every stroke is rendered again from scratch. */
  n = 0;
  for (int it = 0; it < iterations * 10; it++) {
    gb_drawing_canvas_add_stroke(c, xy, N_POINTS, FALSE);
    double t0 = cpu_us();
    gb_drawing_canvas_undo(c);
    gb_drawing_canvas_get_input(c, out, NULL, NULL);
    us[n++] = cpu_us() - t0;
  }
  report("undo: every stroke re-rendered + get_input", us, n);
  g_free(us);
  gtk_window_destroy(GTK_WINDOW(win));
}

/* The screen's share of a frame: the ink at 600 x 600 with a stroke in progress. */
static void
bench_screen(int iterations)
{
  GbDrawingInk *ink = gb_drawing_ink_new(GB_DRAWING_PEN_WIDTH, GB_DRAWING_ERASER_WIDTH);
  double xy[2 * N_POINTS];
  for (int s = 0; s < 3; s++) {
    make_loop(xy, N_POINTS, s);
    gb_drawing_ink_add_stroke(ink, xy, N_POINTS, FALSE);
  }
  make_loop(xy, N_POINTS, 1.3);
  double *us = g_new(double, (gsize)iterations *N_POINTS);
  int n = 0;
  for (int it = 0; it < iterations; it++) {
    gb_drawing_ink_begin(ink, xy[0], xy[1], FALSE);
    for (int i = 1; i < N_POINTS; i++) {
      gb_drawing_ink_extend(ink, xy[2 * i], xy[2 * i + 1], 0);
      double t0 = cpu_us();
      gb_drawing_ink_render(ink, GB_DRAWING_INK_SCREEN, 600);
      us[n++] = cpu_us() - t0;
    }
    gb_drawing_ink_cancel(ink);
  }
  report("screen: ink at 600x600 px with a stroke in progress", us, n);
  g_free(us);
  gb_drawing_ink_free(ink);
}

int
main(int argc, char **argv)
{
  if (!gtk_init_check()) {
    fprintf(stderr, "bench-drawing needs a display: run it under xvfb-run -a\n");
    return 0;
  }
  int iterations = argc > 1 ? atoi(argv[1]) : 20;
  iterations = iterations > 0 ? iterations : 20;
  printf("raster %d x %d px, %d points per stroke, %d strokes per case\n", GB_DRAWING_RASTER_SIZE,
         GB_DRAWING_RASTER_SIZE, N_POINTS, iterations);
  bench_frames(iterations, FALSE);
  bench_frames(iterations, TRUE);
  bench_screen(iterations);
  return 0;
}

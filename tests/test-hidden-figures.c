/* SPDX-License-Identifier: GPL-3.0-or-later */
/* src/plot/gb-hidden-figures: the numbers behind each hidden-state figure on tiny hand-made
 * states whose answers are worked out here, bad input refused with a message, and each figure
 * drawing into an image. */
#include "config.h"

#include <glib.h>
#include <math.h>
#include <string.h>

#include "gb-hidden-figures.h"

/* 4 trials (labels 1, 1, 0, 0; subjects 0, 1, 0, 1), 2 steps, 2 units:
 * unit 0 at t = 0 is 1, 3 for the targets and 0, 2 for the non-targets: d' = (2 - 1) /
 * sqrt((2 + 2) / 2) = 0.7071; unit 1 at t = 1 is 10, 12 / 0, 2: d' = 10 / sqrt(2) = 7.071;
 * everything else 0 (d' 0 for constant equal groups). */
static float states_data[4 * 2 * 2] = {
    /* trial 0 */ 1, 0, 0, 10,
    /* trial 1 */ 3, 0, 0, 12,
    /* trial 2 */ 0, 0, 0, 0,
    /* trial 3 */ 2, 0, 0, 2,
};
static int labels[4] = {1, 1, 0, 0};
static int subjects[4] = {0, 1, 0, 1};
static const double t_ms[2] = {0.0, 100.0};

static GbHiddenStates
states(void)
{
  return (GbHiddenStates){.n_trials = 4, .n_times = 2, .n_units = 2, .states = states_data,
                          .labels = labels, .subjects = subjects, .n_subjects = 2};
}

/* Pixels of a 400 x 300 rendering that are neither white nor grey. */
static int
coloured(GbPlotDrawFn draw, void *figure)
{
  cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 400, 300);
  cairo_t *cr = cairo_create(s);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);
  GbError err;
  g_assert_cmpint(draw(figure, cr, (GbPlotRect){0, 0, 400, 300}, &err), ==, GB_OK);
  cairo_destroy(cr);
  cairo_surface_flush(s);
  int n = 0, stride = cairo_image_surface_get_stride(s) / 4;
  const guint32 *px = (const guint32 *)(const void *)cairo_image_surface_get_data(s);
  for (int y = 0; y < 300; y++)
    for (int x = 0; x < 400; x++) {
      guint32 p = px[y * stride + x];
      int r = (p >> 16) & 255, g = (p >> 8) & 255, b = p & 255;
      n += MAX(MAX(abs(r - g), abs(g - b)), abs(r - b)) > 40;
    }
  cairo_surface_destroy(s);
  return n;
}

static void
test_raster(void)
{
  GbHiddenStates s = states();
  GbHiddenRasterFigure f;
  GbError err;
  g_assert_cmpint(gb_hidden_figure_raster(&s, t_ms, "d'", "time", "unit", &f, &err), ==, GB_OK);
  /* values are (units, T). */
  g_assert_cmpfloat_with_epsilon(f.values[0], 1.0 / sqrt(2.0), 1e-5);
  g_assert_cmpfloat_with_epsilon(f.values[3], 10.0 / sqrt(2.0), 1e-4);
  g_assert_cmpfloat(f.values[1], ==, 0.0);
  g_assert_cmpint(f.best_unit, ==, 1);
  g_assert_cmpint(f.best_step, ==, 1);
  g_assert_cmpint(f.n_selective, ==, 2);
  g_assert_cmpstr(f.raster.title, ==, "d'");
  g_assert_cmpint(coloured(gb_hidden_draw_raster, &f), >, 1000);
  gb_hidden_raster_figure_clear(&f);
}

static void
test_pca(void)
{
  GbHiddenStates s = states();
  const char *const names[2] = {"N", "T"};
  GbHiddenPcaFigure f;
  GbError err;
  g_assert_cmpint(gb_hidden_figure_pca(&s, t_ms, "pca", names, &f, &err), ==, GB_OK);
  /* Class means: t = 0 targets (2, 0), non-targets (1, 0): distance 1; t = 1 (0, 11) and
   * (0, 1): distance 10. */
  g_assert_cmpfloat_with_epsilon(f.distance[0], 1.0, 1e-9);
  g_assert_cmpfloat_with_epsilon(f.distance[1], 10.0, 1e-9);
  g_assert_cmpint(f.peak_step, ==, 1);
  g_assert_cmpfloat_with_epsilon(f.explained[0] + f.explained[1], 1.0, 1e-9);
  g_assert_cmpint(f.n_for_90, >=, 1);
  /* All 8 states are drawn, with their class. */
  g_assert_cmpint(f.scatter.n_points, ==, 8);
  g_assert_cmpint(f.group[0], ==, 1);
  g_assert_cmpint(f.group[7], ==, 0);
  /* Marks at 0 and 100 ms. */
  g_assert_cmpint(f.scatter.n_marks, ==, 2);
  g_assert_cmpstr(f.mark_labels[1], ==, "100");
  gb_hidden_pca_figure_set_labels(&f, "first", "second");
  g_assert_cmpstr(f.scatter.x_label, ==, "first");
  g_assert_cmpint(coloured(gb_hidden_draw_pca, &f), >, 100);
  gb_hidden_pca_figure_clear(&f);

  s.n_units = 1;
  g_assert_cmpint(gb_hidden_figure_pca(&s, t_ms, "pca", names, &f, &err), ==, GB_ERR_INVALID);
  g_assert_nonnull(strstr(err.message, "at least 2 units"));
}

static void
test_curves(void)
{
  const double auc[2] = {0.5, 0.9}, mean[4] = {0, 1, 2, 3}, sd[4] = {0.1, 0.1, 0.2, 0.2};
  const char *const names3[3] = {"probe", "model", "chance"};
  GbHiddenCurvesFigure f;
  GbError err;
  g_assert_cmpint(gb_hidden_figure_probe(t_ms, 2, auc, 0.8, "p", "x", "y", names3, &f, &err),
                  ==, GB_OK);
  g_assert_cmpint(f.curves.n_curves, ==, 3);
  g_assert_cmpfloat(f.curve[1].y[0], ==, 0.8);
  g_assert_cmpfloat(f.curve[0].y[1], ==, 0.9);
  g_assert_cmpint(coloured(gb_hidden_draw_curves, &f), >, 100);
  gb_hidden_curves_figure_clear(&f);
  /* Without the model's AUC: the probe and chance only. */
  g_assert_cmpint(gb_hidden_figure_probe(t_ms, 2, auc, NAN, "p", "x", "y", names3, &f, &err),
                  ==, GB_OK);
  g_assert_cmpint(f.curves.n_curves, ==, 2);
  g_assert_cmpstr(f.curve[1].name, ==, "chance");
  gb_hidden_curves_figure_clear(&f);

  const char *const names2[2] = {"N", "T"};
  g_assert_cmpint(gb_hidden_figure_class_curves(t_ms, 2, mean, sd, "c", "x", "y", names2, &f,
                                                &err), ==, GB_OK);
  g_assert_cmpfloat(f.curve[1].y[0], ==, 2.0);
  g_assert_cmpfloat(f.curve[1].sd[1], ==, 0.2);
  g_assert_cmpstr(f.curve[0].name, ==, "N");
  gb_hidden_curves_figure_clear(&f);
  g_assert_cmpint(gb_hidden_figure_class_curves(t_ms, 0, mean, sd, "c", "x", "y", names2, &f,
                                                &err), ==, GB_ERR_INVALID);
}

static void
test_transitions(void)
{
  /* 2 trials x 3 steps: A A B and B B B -> A->A 1, A->B 1, B->B 2. */
  int assign[6] = {0, 0, 1, 1, 1, 1}, sizes[2] = {2, 4};
  GbKmeans km = {.k = 2, .assign = assign, .sizes = sizes};
  GbHiddenTransitionFigure f;
  GbError err;
  g_assert_cmpint(gb_hidden_figure_transitions(&km, 2, 3, "tr", "x", "y", &f, &err), ==, GB_OK);
  g_assert_cmpint(f.counts[0], ==, 1);
  g_assert_cmpint(f.counts[1], ==, 1);
  g_assert_cmpint(f.counts[2], ==, 0);
  g_assert_cmpint(f.counts[3], ==, 2);
  g_assert_cmpfloat(f.prob[1], ==, 0.5f);
  g_assert_cmpfloat(f.prob[3], ==, 1.0f);
  /* determinism: mean of max_b P(b | a) = (0.5 + 1) / 2. */
  g_assert_cmpfloat_with_epsilon(f.stats.determinism, 0.75, 1e-12);
  g_assert_cmpstr(f.title, ==, "tr 0.75");
  g_assert_cmpstr(f.raster.row_labels[1], ==, "B (4)");
  g_assert_cmpint(coloured(gb_hidden_draw_raster, &f), >, 1000);
  gb_hidden_transition_figure_clear(&f);
}

static void
test_scalp(void)
{
  /* 4 trials x 2 steps x 2 channels; targets are trials 0 (subject 0) and 1 (subject 1). */
  float maps[16] = {1, 2, 3, 4, /* trial 1 */ 2, 4, 6, 8, /* non-targets */ 9, 9, 9, 9,
                    9, 9, 9, 9};
  const float xs[2] = {-0.2f, 0.2f}, ys[2] = {0, 0};
  const char *const names[2] = {"C3", "C4"};
  const double lo[2] = {0, 50}, hi[2] = {50, 200};
  GbHiddenScalpFigure f;
  GbError err;
  g_assert_cmpint(gb_hidden_figure_scalp(maps, 4, 2, 2, t_ms, labels, subjects, 2, xs, ys, names,
                                         lo, hi, 2, "r", "rel", &f, &err), ==, GB_OK);
  /* Subject 0, window 0 (step 0): 1, 2; window 1 (step 1): 3, 4; subject 1 doubles them. */
  const double want[8] = {1, 2, 3, 4, 2, 4, 6, 8};
  for (int i = 0; i < 8; i++)
    g_assert_cmpfloat(f.values[i], ==, want[i]);
  g_assert_cmpfloat_with_epsilon(f.corr[1], 1.0, 1e-12);
  g_assert_cmpfloat_with_epsilon(f.mean_corr, 1.0, 1e-12);
  g_assert_cmpfloat(f.scale, ==, 8.0);
  int w, h;
  gb_hidden_scalp_figure_size(&f, &w, &h);
  g_assert_cmpint(w, ==, 2 * 230 + 80 + 300);
  g_assert_cmpint(coloured(gb_hidden_draw_scalp, &f), >, 1000);
  gb_hidden_scalp_figure_clear(&f);

  /* A window after the trial's end is refused, naming it. */
  const double late_lo[1] = {300}, late_hi[1] = {400};
  g_assert_cmpint(gb_hidden_figure_scalp(maps, 4, 2, 2, t_ms, labels, subjects, 2, xs, ys, names,
                                         late_lo, late_hi, 1, "r", "rel", &f, &err),
                  ==, GB_ERR_INVALID);
  g_assert_nonnull(strstr(err.message, "300-400 ms"));
  g_assert_cmpint(gb_hidden_figure_scalp(maps, 4, 2, 2, t_ms, labels, subjects, 2, xs, ys, names,
                                         lo, hi, 0, "r", "rel", &f, &err), ==, GB_ERR_INVALID);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/plot/hidden-figures/raster", test_raster);
  g_test_add_func("/plot/hidden-figures/pca", test_pca);
  g_test_add_func("/plot/hidden-figures/curves", test_curves);
  g_test_add_func("/plot/hidden-figures/transitions", test_transitions);
  g_test_add_func("/plot/hidden-figures/scalp", test_scalp);
  return g_test_run();
}

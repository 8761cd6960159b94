/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The "Global views" analyses in a GbAnalysisView on the bundled digits MLP and the first MNIST
 * test digits: each one's numbers equal the xai functions called directly, the analyses of the
 * current input refuse without one, the figures show what they should, and cancel works. */
#include "config.h"

#include <gtk/gtk.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gb-adversarial.h"
#include "gb-counterfactual.h"
#include "gb-dataset.h"
#include "gb-global-analyses.h"
#include "gb-global.h"
#include "gb-prototypes.h"
#include "gb-shattered.h"
#include "gb-test-util.h"

typedef struct {
  GbWorker *worker;
  GbModelHandle *model;
  GbDataHandle *data;
  const GbDataset *ds;
  GtkWidget *win;
  GbAnalysisView *view;
  char *dir;
} Fixture;

static Fixture fx;

static gboolean
setup(void)
{
  GbError err;
  GbDataset *ds = gb_dataset_open("mnist-test", &err);
  if (ds == NULL)
    return FALSE;
  g_autoptr(GError) error = NULL;
  fx.model = gb_model_handle_new_default("digits-mlp", &error);
  g_assert_no_error(error);
  fx.data = gb_data_handle_new_digits(ds, "mnist-test");
  fx.ds = gb_data_handle_get_dataset(fx.data);
  fx.worker = gb_worker_new();
  guint n;
  const GbAnalysis *a = gb_global_analyses(&n);
  fx.win = gtk_window_new();
  fx.view = GB_ANALYSIS_VIEW(gb_analysis_view_new(a, n));
  gtk_window_set_child(GTK_WINDOW(fx.win), GTK_WIDGET(fx.view));
  gtk_window_set_default_size(GTK_WINDOW(fx.win), 1000, 700);
  gtk_window_present(GTK_WINDOW(fx.win));
  gb_analysis_view_set_worker(fx.view, fx.worker);
  gb_analysis_view_set_model(fx.view, fx.model);
  gb_analysis_view_set_data(fx.view, fx.data);
  fx.dir = g_dir_make_tmp("gb-ui-global-XXXXXX", NULL);
  return TRUE;
}

static GbModel *
model(void)
{
  GbModel *m = gb_model_handle_dup_model(fx.model, NULL);
  g_assert_nonnull(m);
  return m;
}

/* Runs analysis @id to the end; its summary (NULL after a failure). */
static const char *
run(const char *id)
{
  g_assert_true(gb_analysis_view_select(fx.view, id));
  gb_analysis_view_run(fx.view);
  g_assert_true(gb_worker_wait_idle(fx.worker, 60000));
  return gb_analysis_view_get_summary(fx.view);
}

static char *
csv(void)
{
  g_autofree char *path = g_build_filename(fx.dir, "numbers.csv", NULL);
  g_autoptr(GError) error = NULL;
  g_assert_true(gb_analysis_view_write_csv(fx.view, path, &error));
  char *text = NULL;
  g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
  return text;
}

/* Pixels of the exported figure that are clearly red, blue and dark. */
static void
figure_colours(int w, int h, int *red, int *blue, int *dark)
{
  g_autofree char *png = g_build_filename(fx.dir, "figure.png", NULL);
  g_assert_true(gb_plot_view_export(gb_analysis_view_get_figure(fx.view), png, w, h, NULL));
  cairo_surface_t *s = cairo_image_surface_create_from_png(png);
  g_assert_cmpint(cairo_surface_status(s), ==, CAIRO_STATUS_SUCCESS);
  const guint8 *d = cairo_image_surface_get_data(s);
  int stride = cairo_image_surface_get_stride(s);
  *red = *blue = *dark = 0;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      guint32 px = *(const guint32 *)(const void *)(d + y * stride + 4 * x);
      int r = (px >> 16) & 255, g = (px >> 8) & 255, b = px & 255;
      *red += r > 150 && g < 90 && b < 90;
      *blue += b > 120 && r < 90 && g < 140;
      *dark += r < 40 && g < 40 && b < 40;
    }
  cairo_surface_destroy(s);
}

static void
test_class_maps(void)
{
  const char *summary = run("class-maps");
  g_assert_nonnull(summary);
  GbModel *m = model();
  GbClassMapConfig cfg;
  gb_class_map_config_init(&cfg);
  cfg.explain = gb_explain_batch_grad_x_input;
  GbDataView v = gb_dataset_view_range(fx.ds, 0, GB_GLOBAL_CLASS_MAP_SAMPLES);
  GbClassMaps r;
  GbError err;
  g_assert_cmpint(gb_global_class_maps(m, &v, &cfg, &r, &err), ==, GB_OK);
  /* The counts are the model's predictions, counted here from its logits. */
  g_autofree float *z = g_new(float, (size_t)v.n * 10);
  g_assert_cmpint(gb_model_predict(m, v.x, v.n, z, NULL, NULL, &err), ==, GB_OK);
  int counts[10] = {0};
  for (int i = 0; i < v.n; i++) {
    int best = 0;
    for (int c = 1; c < 10; c++)
      best = z[i * 10 + c] > z[i * 10 + best] ? c : best;
    counts[best]++;
  }
  g_autoptr(GString) want = g_string_new("class,count,feature,value\n");
  for (int c = 0; c < 10; c++) {
    g_assert_cmpint(r.counts[c], ==, counts[c]);
    g_autofree char *part = g_strdup_printf(" %d: %d", c, counts[c]);
    g_assert_nonnull(strstr(summary, part));
    for (size_t j = 0; j < 784; j++)
      g_string_append_printf(want, "%d,%d,%zu,%.7g\n", c, r.counts[c], j, r.maps[c * 784 + j]);
  }
  g_autofree char *got = csv();
  g_assert_cmpstr(got, ==, want->str);
  /* Signed maps: red and blue cells. */
  int red, blue, dark;
  figure_colours(1000, 450, &red, &blue, &dark);
  g_assert_cmpint(red, >, 200);
  g_assert_cmpint(blue, >, 50);
  gb_class_maps_clear(&r);

  /* With the window's method set to LRP-epsilon the maps are LRP's, through gb_explain. */
  GbMethodConfig lrp;
  g_assert_true(gb_method_config_init_from_id(&lrp, "lrp-epsilon"));
  gb_analysis_view_set_method(fx.view, &lrp);
  summary = run("class-maps");
  g_assert_nonnull(strstr(summary, "LRP (epsilon)"));
  cfg.explain = gb_explain_batch_method;
  cfg.explain_user = &lrp;
  g_assert_cmpint(gb_global_class_maps(m, &v, &cfg, &r, &err), ==, GB_OK);
  g_autoptr(GString) want_lrp = g_string_new("class,count,feature,value\n");
  for (int c = 0; c < 10; c++)
    for (size_t j = 0; j < 784; j++)
      g_string_append_printf(want_lrp, "%d,%d,%zu,%.7g\n", c, r.counts[c], j,
                             r.maps[c * 784 + j]);
  g_autofree char *got_lrp = csv();
  g_assert_cmpstr(got_lrp, ==, want_lrp->str);
  g_assert_cmpstr(got_lrp, !=, got);
  gb_method_config_init(&lrp, GB_METHOD_GRAD_X_INPUT);
  gb_analysis_view_set_method(fx.view, &lrp);
  gb_class_maps_clear(&r);
  gb_model_free(m);
}

static void
test_importance(void)
{
  g_assert_nonnull(run("importance"));
  GbModel *m = model();
  GbShape s = gb_dataset_sample_shape(fx.ds);
  GbSegments seg;
  GbError err;
  g_assert_cmpint(gb_segments_grid(&seg, &s, GB_GLOBAL_PATCH, GB_GLOBAL_PATCH, &err), ==, GB_OK);
  g_assert_cmpint(seg.n_segments, ==, 16);
  GbShapConfig sc;
  gb_shap_config_init(&sc);
  sc.samples = GB_GLOBAL_SHAP_COALITIONS;
  sc.seed = 1;
  GbDataView vs = gb_dataset_view_range(fx.ds, 0, GB_GLOBAL_SHAP_SAMPLES);
  GbShapImportance shap;
  g_assert_cmpint(gb_global_shap_importance(m, &vs, &seg, &sc, vs.n, NULL, NULL, &shap, &err), ==,
                  GB_OK);
  GbDataView vp = gb_dataset_view_range(fx.ds, 0, GB_GLOBAL_PERMUTATION_SAMPLES);
  GbPermutationImportance perm;
  g_assert_cmpint(gb_global_permutation_importance(m, &vp, &seg, GB_GLOBAL_PERMUTATION_REPEATS, 1,
                                                   NULL, NULL, &perm, &err),
                  ==, GB_OK);
  g_autofree char *got = csv();
  char line[128];
  g_snprintf(line, sizeof line, "\nshap,all,5,%.7g\n", shap.overall[5]);
  g_assert_nonnull(strstr(got, line));
  g_snprintf(line, sizeof line, "\nshap,3,9,%.7g\n", shap.mean_abs[3 * 16 + 9]);
  g_assert_nonnull(strstr(got, line));
  for (int i = 0; i < 16; i++) {
    g_snprintf(line, sizeof line, "\npermutation,all,%d,%.7g\n", i, perm.drop[i]);
    g_assert_nonnull(strstr(got, line));
  }
  g_snprintf(line, sizeof line, "%.3f unshuffled", perm.base_accuracy);
  g_assert_nonnull(strstr(gb_analysis_view_get_summary(fx.view), line));
  gb_shap_importance_clear(&shap);
  gb_permutation_importance_clear(&perm);
  gb_segments_clear(&seg);
  gb_model_free(m);
}

static void
test_prototypes_actmax_shattered(void)
{
  GbModel *m = model();
  GbError err;
  g_assert_nonnull(run("prototypes"));
  GbDataView v = gb_dataset_view_range(fx.ds, 0, GB_GLOBAL_PROTOTYPE_SAMPLES);
  GbPrototypes p;
  g_assert_cmpint(gb_prototypes_find(m, &v, -2, GB_GLOBAL_PROTOTYPE_K, false, NULL, NULL, &p, &err),
                  ==, GB_OK);
  g_autofree char *got = csv();
  char line[128];
  for (int c = 0; c < 10; c++) {
    int i = p.index[c * GB_GLOBAL_PROTOTYPE_K];
    /* nearest first, and of its class */
    g_assert_cmpint(v.labels[i], ==, c);
    g_snprintf(line, sizeof line, "\n%d,0,%d,%d,%.6g\n", c, i, c, p.distance[c * 3]);
    g_assert_nonnull(strstr(got, line));
  }
  gb_prototypes_clear(&p);

  g_assert_nonnull(run("actmax"));
  g_free(got);
  got = csv();
  GbActMaxConfig ac;
  gb_actmax_config_init(&ac);
  ac.steps = GB_GLOBAL_ACTMAX_STEPS;
  ac.seed = 1;
  for (int c = 0; c < 10; c += 9) {
    GbActMax r;
    g_assert_cmpint(gb_activation_maximise(m, c, &ac, &r, &err), ==, GB_OK);
    g_snprintf(line, sizeof line, "\n%d,%.6g,%.6g,%.6g\n", c, r.logit_start, r.logit_end,
               r.prob_end);
    g_assert_nonnull(strstr(got, line));
    g_assert_cmpfloat(r.logit_end, >, r.logit_start);
    gb_actmax_clear(&r);
  }

  g_assert_nonnull(run("shattered"));
  g_free(got);
  got = csv();
  GbSmoothConfig sc;
  gb_smooth_config_init(&sc);
  sc.samples = GB_GLOBAL_SMOOTH_SAMPLES;
  sc.seed = 1;
  sc.map = GB_SMOOTH_GRADIENT;
  GbDataView vs = gb_dataset_view_range(fx.ds, 0, GB_GLOBAL_SHATTERED_SAMPLES);
  GbShatteredSummary s;
  g_assert_cmpint(gb_shattered_gradients(m, &vs, 0, &sc, NULL, NULL, &s, &err), ==, GB_OK);
  g_snprintf(line, sizeof line, "\ngradient,%d,%.6g,%.6g,%.6g\n", s.n_samples,
             s.gradient.neighbour_corr, s.gradient_corr_sd, s.gradient.tv_ratio);
  g_assert_nonnull(strstr(got, line));
  g_snprintf(line, sizeof line, "\nsmoothgrad,%d,%.6g,%.6g,%.6g\n", s.n_samples,
             s.smoothgrad.neighbour_corr, s.smoothgrad_corr_sd, s.smoothgrad.tv_ratio);
  g_assert_nonnull(strstr(got, line));
  /* SmoothGrad is the smoother of the two. */
  g_assert_cmpfloat(s.smoothgrad.neighbour_corr, >, s.gradient.neighbour_corr);
  gb_model_free(m);
}

/* Analyses of the current input refuse without one: in the view and in the run itself. */
static void
test_needs_input(void)
{
  guint n;
  const GbAnalysis *a = gb_global_analyses(&n);
  int needing = 0;
  for (guint i = 0; i < n; i++) {
    if (!a[i].needs_input)
      continue;
    needing++;
    g_assert_null(run(a[i].id));
    GbAnalysisInput in = {fx.model, fx.data, NULL, -1, 1};
    GbAnalysisResult out = {0};
    g_autoptr(GError) error = NULL;
    g_assert_false(a[i].run(NULL, &in, &out, &error));
    g_assert_error(error, GB_ERROR, GB_ERR_INVALID);
    g_assert_nonnull(strstr(error->message, "input"));
    g_assert_null(out.summary);
  }
  g_assert_cmpint(needing, ==, 2);
}

static void
test_counterfactual_adversarial(void)
{
  const float *x = fx.ds->x->data; /* test digit 0 */
  gb_analysis_view_set_input(fx.view, x, 784, 0);
  GbModel *m = model();
  GbError err;
  float z[10];
  g_assert_cmpint(gb_model_predict(m, x, 1, z, NULL, NULL, &err), ==, GB_OK);
  int first = 0, second = -1;
  for (int c = 1; c < 10; c++)
    first = z[c] > z[first] ? c : first;
  for (int c = 0; c < 10; c++)
    if (c != first && (second < 0 || z[c] > z[second]))
      second = c;

  const char *summary = run("counterfactual");
  g_assert_nonnull(summary);
  GbCounterfactualConfig cc;
  gb_counterfactual_config_init(&cc);
  GbCounterfactual r;
  g_assert_cmpint(gb_counterfactual_find(m, x, 784, second, &cc, &r, &err), ==, GB_OK);
  g_assert_true(r.found);
  g_assert_cmpint(r.final_class, ==, second);
  char line[160];
  g_snprintf(line, sizeof line, "say %d instead of %d", second, first);
  g_assert_nonnull(strstr(summary, line));
  g_autofree char *got = csv();
  for (int j = 200; j < 600; j += 37) {
    g_snprintf(line, sizeof line, "\n%d,%.6g,%.6g,%.6g\n", j, x[j], r.x[j], r.x[j] - x[j]);
    g_assert_nonnull(strstr(got, line));
  }
  gb_counterfactual_clear(&r);

  g_assert_nonnull(run("adversarial"));
  g_free(got);
  got = csv();
  g_autofree float *clean = g_new(float, 784);
  g_autofree float *map = g_new(float, 784);
  g_assert_cmpint(gb_explain_batch_grad_x_input(NULL, m, x, 1, &first, clean, &err), ==, GB_OK);
  for (int pgd = 0; pgd < 2; pgd++) {
    GbAttackConfig ac;
    gb_attack_config_init(&ac);
    ac.eps = GB_GLOBAL_ATTACK_EPS;
    ac.step = ac.eps / 4;
    ac.seed = 1;
    GbAttackResult a;
    g_assert_cmpint(pgd ? gb_attack_pgd(m, x, 784, first, &ac, &a, &err)
                        : gb_attack_fgsm(m, x, 784, first, &ac, &a, &err),
                    ==, GB_OK);
    g_assert_cmpfloat(a.linf, <=, GB_GLOBAL_ATTACK_EPS + 1e-6);
    g_assert_cmpint(gb_explain_batch_grad_x_input(NULL, m, a.x, 1, &a.class_after, map, &err), ==,
                    GB_OK);
    GbExplanationChange ch;
    g_assert_cmpint(gb_explanation_change(clean, map, 784, 0, &ch, &err), ==, GB_OK);
    g_snprintf(line, sizeof line, "\n%s,%.6g,%d,%d,%d,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g\n",
               pgd ? "PGD" : "FGSM", GB_GLOBAL_ATTACK_EPS, a.class_before, a.class_after, a.success,
               a.linf, a.l2, a.prob_before, a.prob_after, ch.spearman, ch.pearson, ch.topk_overlap);
    g_assert_nonnull(strstr(got, line));
    gb_attack_result_clear(&a);
  }
  /* Digits drawn dark on white, and signed explanations. */
  int red, blue, dark;
  figure_colours(900, 600, &red, &blue, &dark);
  g_assert_cmpint(dark, >, 500);
  g_assert_cmpint(red, >, 50);
  gb_model_free(m);
}

static void
test_clever_hans(void)
{
  g_assert_nonnull(run("clever-hans"));
  g_autofree char *got = csv();
  double acc[2], called[2], share[2];
  const char *marked = strstr(got, "\nmarked,"), *clean = strstr(got, "\nclean,");
  g_assert_nonnull(marked);
  g_assert_nonnull(clean);
  g_assert_cmpint(sscanf(marked, "\nmarked,%lf,%lf,%lf", &acc[0], &called[0], &share[0]), ==, 3);
  g_assert_cmpint(sscanf(clean, "\nclean,%lf,%lf,%lf", &acc[1], &called[1], &share[1]), ==, 3);
  /* Both learn the digits; only the marked one looks at the mark and falls for it. */
  g_assert_cmpfloat(acc[0], >, 0.6);
  g_assert_cmpfloat(acc[1], >, 0.6);
  g_assert_cmpfloat(share[0], >, 3 * share[1]);
  g_assert_cmpfloat(called[0], >, called[1]);
}

static gboolean
quit_cb(gpointer user)
{
  *(gboolean *)user = TRUE;
  return G_SOURCE_REMOVE;
}

/* Run, then Run again (the button reads Cancel): the job stops and leaves no result. */
static void
test_cancel(void)
{
  g_assert_nonnull(run("class-maps"));
  g_assert_true(gb_analysis_view_select(fx.view, "clever-hans"));
  gb_analysis_view_run(fx.view);
  gboolean waited = FALSE;
  g_timeout_add(30, quit_cb, &waited);
  while (!waited)
    g_main_context_iteration(NULL, TRUE);
  gint64 t0 = g_get_monotonic_time();
  gb_analysis_view_run(fx.view);
  g_assert_true(gb_worker_wait_idle(fx.worker, 20000));
  g_assert_cmpint(g_get_monotonic_time() - t0, <, 2 * G_USEC_PER_SEC);
  g_assert_null(gb_analysis_view_get_summary(fx.view));
  g_assert_false(gb_analysis_view_write_csv(fx.view, "/nonexistent/never.csv", NULL));
}

int
main(int argc, char **argv)
{
  if (!gtk_init_check()) {
    printf("1..0 # SKIP no display\n");
    return 0;
  }
  g_test_init(&argc, &argv, NULL);
  if (!setup()) {
    printf("1..0 # SKIP MNIST not fetched\n");
    return 0;
  }
  g_test_add_func("/ui/global/class-maps", test_class_maps);
  g_test_add_func("/ui/global/importance", test_importance);
  g_test_add_func("/ui/global/prototypes-actmax-shattered", test_prototypes_actmax_shattered);
  g_test_add_func("/ui/global/needs-input", test_needs_input);
  g_test_add_func("/ui/global/counterfactual-adversarial", test_counterfactual_adversarial);
  g_test_add_func("/ui/global/clever-hans", test_clever_hans);
  g_test_add_func("/ui/global/cancel", test_cancel);
  int status = g_test_run();
  gtk_window_destroy(GTK_WINDOW(fx.win));
  gb_test_remove_tree(fx.dir);
  g_free(fx.dir);
  g_object_unref(fx.worker);
  g_object_unref(fx.data);
  g_object_unref(fx.model);
  return status;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Faults: allocation failures swept through model building, training and every explanation
 * method; saving onto a full device and into a read-only directory; cancelling at random
 * points; divergent training; NaN and infinite inputs. */
#include "config.h"

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gb-affine-prefix.h"
#include "gb-alloc.h"
#include "gb-attribution.h"
#include "gb-eeg-file.h"
#include "gb-eeg-sim.h"
#include "gb-faithfulness.h"
#include "gb-idx.h"
#include "gb-lrp.h"
#include "gb-model-file.h"
#include "gb-occlusion-local.h"
#include "gb-perturb.h"
#include "gb-plot-export.h"
#include "gb-segments.h"
#include "gb-synthetic.h"
#include "gb-test-util.h"
#include "gb-train.h"

#define CNN_SPEC "input(1,8,8), conv2d(2,3), relu, maxpool2d(2), flatten, dense(3)"

/* ---- The sweep ------------------------------------------------------------------------------ */

typedef GbStatus (*FaultOp)(void *ctx, GbError *err);

/* The model the ops of a sweep use; NULL for ops that build their own. */
static GbModel **sweep_model;

/* Runs @op on a fresh copy of *sweep_model, so the sweep also fails the allocations a model
 * makes lazily on first use (its batch scratch) and sees them leak if they are not freed. */
static GbStatus
run_op(FaultOp op, void *ctx, GbError *err)
{
  if (sweep_model == NULL)
    return op(ctx, err);
  GbModel *proto = *sweep_model;
  *sweep_model = gb_model_dup(proto, err);
  GbStatus st = *sweep_model != NULL ? op(ctx, err) : err->code;
  gb_model_free(*sweep_model);
  *sweep_model = proto;
  return st;
}

/* Runs @op once cleanly, then again with the n-th allocation failing for every n up to the
 * number the clean run made. Each failing run must return GB_ERR_NOMEM with a message and leave
 * exactly as many live gb_alloc blocks as before it (ops free their own results). */
static void
sweep(const char *what, FaultOp op, void *ctx)
{
  GbError err = {0};
  gb_alloc_fail_after(0);
  GbStatus st = run_op(op, ctx, &err);
  long total = gb_alloc_count();
  if (st != GB_OK)
    g_error("%s: the clean run failed: %s", what, err.message);
  int failures = 0;
  for (long n = 1; n <= total; n++) {
    long live = gb_alloc_live();
    memset(&err, 0, sizeof err);
    gb_alloc_fail_after(n);
    st = run_op(op, ctx, &err);
    gb_alloc_fail_after(0);
    if (gb_alloc_live() != live)
      g_error("%s: failing allocation %ld of %ld leaks %ld blocks", what, n, total,
              gb_alloc_live() - live);
    if (st == GB_OK)
      continue; /* that allocation had a fallback */
    if (st != GB_ERR_NOMEM || err.message[0] == '\0')
      g_error("%s: failing allocation %ld of %ld gave %s: '%s'", what, n, total,
              gb_status_to_string(st), err.message);
    failures++;
  }
  g_test_message("%s: %ld allocations, %d failures checked", what, total, failures);
  g_assert_cmpint(failures, >, 0);
}

/* ---- Model building and training ------------------------------------------------------------ */

static GbStatus
op_build(void *ctx, GbError *err)
{
  GbModel *m = NULL;
  GbStatus st = gb_model_new_from_spec(ctx, 3, &m, err);
  if (st != GB_OK)
    return st;
  size_t in = gb_model_input_size(m);
  float *x = g_new0(float, 2 * in);
  const float *y;
  st = gb_model_forward(m, x, 2, true, &y, err);
  float *dy = g_new0(float, 2 * (size_t)gb_model_n_outputs(m));
  dy[0] = 1;
  if (st == GB_OK)
    st = gb_model_backward(m, dy, 2, NULL, true, err);
  g_free(dy);
  g_free(x);
  gb_model_free(m);
  return st;
}

static void
test_nomem_build(void)
{
  static const char *const specs[] = {
      CNN_SPEC,
      "input(6,3), lstm(4), dense(2)",
      "input(6,3), gru(4), dense(2)",
      "input(6,3), rnn(4), dense(2)",
      "input(8,3), prm(5,post=3)",
      "input(10), dense(8), relu, dropout(0.2), dense(8), tanh, dense(3), softmax",
  };
  for (size_t i = 0; i < G_N_ELEMENTS(specs); i++)
    sweep(specs[i], op_build, (void *)specs[i]);
}

typedef struct {
  GbModel *m;
  GbDataset *ds;
  GbDataView view;
  float *x; /* one input */
  size_t n_x;
  GbTarget t;
} Fixture;

static void
fixture_init(Fixture *f)
{
  f->m = gb_test_model_new(CNN_SPEC, 7);
  GbError err = {0};
  f->ds = gb_synthetic_images(12, 3, 8, 1, 0.1, 5, &err);
  g_assert_nonnull(f->ds);
  f->view = gb_dataset_view(f->ds);
  f->n_x = gb_model_input_size(f->m);
  f->x = g_new(float, f->n_x);
  memcpy(f->x, f->view.x, f->n_x * sizeof(float));
  f->t = gb_target_class(1);
}

static void
fixture_clear(Fixture *f)
{
  gb_model_free(f->m);
  gb_dataset_free(f->ds);
  g_free(f->x);
}

static GbStatus
op_train(void *ctx, GbError *err)
{
  Fixture *f = ctx;
  GbTrainConfig cfg;
  gb_train_config_init(&cfg);
  cfg.epochs = 1;
  cfg.batch_size = 4;
  cfg.val_fraction = 0.25;
  GbTrainHistory h;
  GbStatus st = gb_train(f->m, &f->view, NULL, &cfg, &h, err);
  gb_train_history_clear(&h);
  return st;
}

static void
test_nomem_train(void)
{
  Fixture f;
  fixture_init(&f);
  sweep_model = &f.m;
  sweep("a training epoch", op_train, &f);
  sweep_model = NULL;
  fixture_clear(&f);
}

/* ---- Every explanation method --------------------------------------------------------------- */

static GbStatus
finish_attribution(GbStatus st, GbAttribution *a)
{
  gb_attribution_clear(a);
  return st;
}

static GbStatus
op_gradient(void *ctx, GbError *err)
{
  Fixture *f = ctx;
  GbAttribution a;
  return finish_attribution(gb_attribution_gradient(f->m, f->x, f->n_x, &f->t, &a, err), &a);
}

static GbStatus
op_saliency(void *ctx, GbError *err)
{
  Fixture *f = ctx;
  GbAttribution a;
  return finish_attribution(
      gb_attribution_saliency(f->m, f->x, f->n_x, &f->t, true, &a, err), &a);
}

static GbStatus
op_grad_x_input(void *ctx, GbError *err)
{
  Fixture *f = ctx;
  GbAttribution a;
  return finish_attribution(gb_attribution_grad_x_input(f->m, f->x, f->n_x, &f->t, &a, err),
                            &a);
}

static GbStatus
op_ig(void *ctx, GbError *err)
{
  Fixture *f = ctx;
  GbIgConfig c;
  gb_ig_config_init(&c);
  c.steps = 5;
  c.batch = 2;
  c.baseline.kind = GB_BASELINE_BLUR;
  GbAttribution a;
  return finish_attribution(
      gb_attribution_integrated_gradients(f->m, f->x, f->n_x, &f->t, &c, &a, NULL, NULL, err),
      &a);
}

static GbStatus
op_smoothgrad(void *ctx, GbError *err)
{
  Fixture *f = ctx;
  GbSmoothConfig c;
  gb_smooth_config_init(&c);
  c.samples = 5;
  c.batch = 2;
  GbAttribution a, v;
  GbStatus st = gb_attribution_smoothgrad(f->m, f->x, f->n_x, &f->t, &c, &a, &v, NULL, NULL, err);
  gb_attribution_clear(&v);
  return finish_attribution(st, &a);
}

static GbStatus
op_lrp(void *ctx, GbError *err)
{
  Fixture *f = ctx;
  GbLrpPolicy p;
  gb_lrp_policy_init_preset(&p, GB_LRP_PRESET_EPSILON_GAMMA_BOX, 0.0f, 1.0f);
  GbLrpResult r;
  GbStatus st = gb_attribution_lrp(f->m, f->x, f->n_x, &f->t, &p, &r, err);
  gb_lrp_result_clear(&r);
  return st;
}

static GbStatus
op_occlusion(void *ctx, GbError *err)
{
  Fixture *f = ctx;
  GbOcclusionConfig c;
  gb_occlusion_config_init(&c);
  c.window_rows = c.window_cols = 3;
  c.stride_rows = c.stride_cols = 2;
  c.batch = 4;
  GbAttribution a;
  return finish_attribution(
      gb_attribution_occlusion(f->m, f->x, f->n_x, &f->t, &c, &a, NULL, NULL, err), &a);
}

typedef enum { SEG_KERNEL_SHAP, SEG_KERNEL_SHAP_ALL, SEG_PERMUTATION, SEG_LIME } SegMethod;

typedef struct {
  Fixture *f;
  SegMethod method;
  bool slic;
} SegCtx;

static GbStatus
op_segments(void *ctx, GbError *err)
{
  SegCtx *c = ctx;
  Fixture *f = c->f;
  GbSegments seg;
  GbStatus st = c->slic ? gb_segments_slic(&seg, gb_model_input_shape(f->m), f->x, 6, 0.1, 5, err)
                        : gb_segments_grid(&seg, gb_model_input_shape(f->m), 3, 3, err);
  if (st != GB_OK)
    return st;
  GbSegmentAttribution a = {0};
  if (c->method == SEG_KERNEL_SHAP || c->method == SEG_KERNEL_SHAP_ALL) {
    GbShapConfig sc;
    gb_shap_config_init(&sc);
    sc.samples = 40;
    sc.exact_max_segments = 0; /* sample, so the chunked path runs */
    sc.chunk = 16;
    sc.batch = 8;
    if (c->method == SEG_KERNEL_SHAP) {
      st = gb_attribution_kernel_shap(f->m, f->x, f->n_x, &f->t, &seg, &sc, &a, NULL, NULL, err);
    } else {
      GbShapAllClasses all;
      st = gb_attribution_kernel_shap_all(f->m, f->x, f->n_x, &seg, &sc, &all, NULL, NULL, err);
      gb_shap_all_classes_clear(&all);
    }
  } else if (c->method == SEG_PERMUTATION) {
    GbPermutationShapConfig pc;
    gb_permutation_shap_config_init(&pc);
    pc.permutations = 3;
    pc.batch = 4;
    st = gb_attribution_permutation_shap(f->m, f->x, f->n_x, &f->t, &seg, &pc, &a, NULL, NULL,
                                         err);
  } else {
    GbLimeConfig lc;
    gb_lime_config_init(&lc);
    lc.samples = 40;
    lc.chunk = 16;
    lc.batch = 8;
    st = gb_attribution_lime(f->m, f->x, f->n_x, &f->t, &seg, &lc, &a, NULL, NULL, err);
  }
  gb_segment_attribution_clear(&a);
  gb_segments_clear(&seg);
  return st;
}

typedef struct {
  Fixture *f;
  GbExplainBatchFn explain;
  void *explain_user;
} CurveCtx;

static GbStatus
op_curve(void *ctx, GbError *err)
{
  CurveCtx *c = ctx;
  GbFaithfulnessConfig cfg;
  gb_faithfulness_config_init(&cfg);
  cfg.explain = c->explain;
  cfg.explain_user = c->explain_user;
  cfg.n_random = 2;
  cfg.batch = 5;
  cfg.baseline.kind = GB_BASELINE_MEAN;
  GbFaithfulnessCurve curve;
  GbStatus st = gb_faithfulness_curve(c->f->m, &c->f->view, &cfg, &curve, err);
  gb_faithfulness_curve_clear(&curve);
  return st;
}

static void
test_nomem_explain(void)
{
  Fixture f;
  fixture_init(&f);
  sweep_model = &f.m;
  sweep("gradient", op_gradient, &f);
  sweep("saliency", op_saliency, &f);
  sweep("gradient x input", op_grad_x_input, &f);
  sweep("integrated gradients", op_ig, &f);
  sweep("SmoothGrad + VarGrad", op_smoothgrad, &f);
  sweep("LRP", op_lrp, &f);
  sweep("occlusion", op_occlusion, &f);
  static const char *const names[] = {"KernelSHAP", "KernelSHAP, all classes",
                                      "permutation SHAP", "LIME"};
  for (int m = 0; m < 4; m++)
    for (int slic = 0; slic < 2; slic++) {
      SegCtx c = {&f, (SegMethod)m, slic};
      char what[64];
      g_snprintf(what, sizeof what, "%s on %s segments", names[m], slic ? "SLIC" : "grid");
      sweep(what, op_segments, &c);
    }
  GbIgConfig ig;
  gb_ig_config_init(&ig);
  ig.steps = 3;
  GbLrpPolicy lrp;
  gb_lrp_policy_init_preset(&lrp, GB_LRP_PRESET_EPSILON, 0.0f, 1.0f);
  CurveCtx curves[] = {
      {&f, gb_explain_batch_grad_x_input, NULL},
      {&f, gb_explain_batch_saliency, NULL},
      {&f, gb_explain_batch_integrated_gradients, &ig},
      {&f, gb_explain_batch_lrp, &lrp},
  };
  for (size_t i = 0; i < G_N_ELEMENTS(curves); i++)
    sweep("faithfulness curve", op_curve, &curves[i]);
  sweep_model = NULL;
  fixture_clear(&f);
}

/* The same sweep on an MLP, whose dense first layer the methods factor out (gb-affine-prefix.h):
 * the tables of the factored paths of IG, occlusion and the coalition methods fail cleanly. */
static void
test_nomem_explain_factored(void)
{
  Fixture f;
  fixture_init(&f);
  gb_model_free(f.m);
  f.m = gb_test_model_new("input(1,8,8), flatten, dense(6), relu, dense(3)", 7);
  sweep_model = &f.m;
  sweep("integrated gradients, factored", op_ig, &f);
  sweep("occlusion, factored", op_occlusion, &f);
  for (int m = 0; m < 4; m++)
    for (int slic = 0; slic < 2; slic++) {
      SegCtx c = {&f, (SegMethod)m, slic};
      sweep("coalitions, factored", op_segments, &c);
    }
  sweep_model = NULL;
  fixture_clear(&f);
}

/* Occlusion's local path (gb-occlusion-local.h) on a CNN with two convolutions: its plan,
 * activations of x and per-batch scratch fail cleanly too. */
static void
test_nomem_occlusion_local(void)
{
  Fixture f;
  fixture_init(&f);
  gb_model_free(f.m);
  f.m = gb_test_model_new("input(1,8,8), conv2d(3,3,pad=1), relu, maxpool2d(2), "
                          "conv2d(4,3,pad=1), relu, flatten, dense(3)", 7);
  sweep_model = &f.m;
  gb_occlusion_local_set_forced(true);
  long uses = gb_affine_prefix_uses();
  sweep("occlusion, local", op_occlusion, &f);
  g_assert_cmpint(gb_affine_prefix_uses(), >, uses); /* the clean run took the local path */
  gb_occlusion_local_set_forced(false);
  sweep_model = NULL;
  fixture_clear(&f);
}

/* ---- Saving onto a full device and into a read-only directory -------------------------------- */

typedef GbStatus (*SaveFn)(void *obj, const char *path, GbError *err);

static GbStatus
save_model(void *obj, const char *path, GbError *err)
{
  return gb_model_save(obj, path, err);
}

static GbStatus
save_eeg(void *obj, const char *path, GbError *err)
{
  return gb_eeg_set_save(obj, path, err);
}

static GbStatus
save_idx(void *obj, const char *path, GbError *err)
{
  const GbIdxArray *a = obj;
  return gb_idx_write(path, a, g_str_has_suffix(path, ".gz"), err);
}

static GbStatus
draw_square(void *user, cairo_t *cr, GbPlotRect area, GbError *err)
{
  (void)err;
  const double *shade = user;
  cairo_set_source_rgb(cr, *shade, 0.2, 0.4);
  cairo_rectangle(cr, area.x + 10, area.y + 10, area.width - 20, area.height - 20);
  cairo_fill(cr);
  return GB_OK;
}

static GbStatus
save_plot(void *obj, const char *path, GbError *err)
{
  return gb_plot_export(path, 64, 48, draw_square, obj, err);
}

typedef struct {
  const char *what, *name; /* file name decides the format (plots) */
  SaveFn save;
  void *a, *b; /* two different objects: a is saved first, b must not replace it */
} Saver;

static GbEegSet *
small_eeg_set(uint64_t seed)
{
  GbEegSimConfig cfg;
  gb_eeg_sim_config_init(&cfg);
  cfg.n_subjects = 1;
  cfg.n_characters = 1;
  cfg.n_repetitions = 1;
  cfg.n_channels = 8;
  cfg.srate = 64;
  cfg.seed = seed;
  GbEegSet *set = NULL;
  GbError err = {0};
  g_assert_cmpint(gb_eeg_sim_generate(&cfg, &set, &err), ==, GB_OK);
  return set;
}

typedef struct {
  GbModel *m1, *m2;
  GbEegSet *e1, *e2;
  uint8_t px1[2 * 3 * 3], px2[2 * 3 * 3];
  GbIdxArray i1, i2;
  double shade1, shade2;
  Saver savers[5];
} Objects;

static void
objects_init(Objects *o)
{
  o->m1 = gb_test_model_new("input(3), dense(2)", 1);
  o->m2 = gb_test_model_new("input(3), dense(2)", 2);
  o->e1 = small_eeg_set(1);
  o->e2 = small_eeg_set(2);
  for (int i = 0; i < 18; i++) {
    o->px1[i] = (uint8_t)i;
    o->px2[i] = (uint8_t)(200 - i);
  }
  o->i1 = (GbIdxArray){3, {2, 3, 3}, 18, o->px1};
  o->i2 = (GbIdxArray){3, {2, 3, 3}, 18, o->px2};
  o->shade1 = 0.1;
  o->shade2 = 0.9;
  o->savers[0] = (Saver){"model", "m.safetensors", save_model, o->m1, o->m2};
  o->savers[1] = (Saver){"EEG set", "e.safetensors", save_eeg, o->e1, o->e2};
  o->savers[2] = (Saver){"IDX", "d.idx.gz", save_idx, &o->i1, &o->i2};
  o->savers[3] = (Saver){"PNG plot", "p.png", save_plot, &o->shade1, &o->shade2};
  o->savers[4] = (Saver){"PDF plot", "p.pdf", save_plot, &o->shade1, &o->shade2};
}

static void
objects_clear(Objects *o)
{
  gb_model_free(o->m1);
  gb_model_free(o->m2);
  gb_eeg_set_free(o->e1);
  gb_eeg_set_free(o->e2);
}

/* A link to /dev/full named like a file of the right format: savers must write into the device
 * (and get ENOSPC), not rename a temporary file over it. Had they renamed, only the link in our
 * own directory would be gone, never the machine's /dev/full. */
static void
test_save_full_device(void)
{
  if (!g_file_test("/dev/full", G_FILE_TEST_EXISTS)) {
    g_test_skip("no /dev/full");
    return;
  }
  Objects o;
  objects_init(&o);
  char *dir = g_dir_make_tmp("gb-faults-XXXXXX", NULL);
  for (int i = 0; i < 5; i++) {
    const Saver *s = &o.savers[i];
    char *path = g_build_filename(dir, s->name, NULL);
    g_assert_cmpint(symlink("/dev/full", path), ==, 0);
    GbError err = {0};
    GbStatus st = s->save(s->a, path, &err);
    g_test_message("%s onto /dev/full: %s", s->what, err.message);
    g_assert_cmpint(st, ==, GB_ERR_IO);
    g_assert_nonnull(strstr(err.message, path));
    g_assert_nonnull(strstr(err.message, g_strerror(ENOSPC)));
    g_assert_true(g_file_test(path, G_FILE_TEST_IS_SYMLINK)); /* not replaced */
    g_assert_cmpint(g_remove(path), ==, 0);
    g_free(path);
  }
  /* The same way into /dev/null succeeds. */
  char *path = g_build_filename(dir, "null.png", NULL);
  g_assert_cmpint(symlink("/dev/null", path), ==, 0);
  GbError err = {0};
  g_assert_cmpint(save_plot(&o.shade1, path, &err), ==, GB_OK);
  g_assert_true(g_file_test(path, G_FILE_TEST_IS_SYMLINK));
  g_remove(path);
  g_free(path);
  /* A directory is refused by name. */
  path = g_build_filename(dir, "sub.safetensors", NULL);
  g_assert_cmpint(g_mkdir(path, 0755), ==, 0);
  g_assert_cmpint(gb_model_save(o.m1, path, &err), ==, GB_ERR_IO);
  gb_test_assert_message(&err, path, "is a directory");
  g_free(path);
  gb_test_remove_tree(dir);
  g_free(dir);
  objects_clear(&o);
}

static int
count_entries(const char *dir)
{
  GDir *d = g_dir_open(dir, 0, NULL);
  int n = 0;
  while (g_dir_read_name(d) != NULL)
    n++;
  g_dir_close(d);
  return n;
}

static void
test_save_read_only_directory(void)
{
  if (geteuid() == 0) {
    g_test_skip("root ignores directory permissions");
    return;
  }
  Objects o;
  objects_init(&o);
  for (int i = 0; i < 5; i++) {
    const Saver *s = &o.savers[i];
    char *dir = g_dir_make_tmp("gb-faults-XXXXXX", NULL);
    char *path = g_build_filename(dir, s->name, NULL);
    GbError err = {0};
    g_assert_cmpint(s->save(s->a, path, &err), ==, GB_OK);
    char *before;
    gsize n_before;
    g_assert_true(g_file_get_contents(path, &before, &n_before, NULL));
    g_assert_cmpint(g_chmod(dir, 0555), ==, 0);
    GbStatus st = s->save(s->b, path, &err);
    g_assert_cmpint(g_chmod(dir, 0755), ==, 0);
    g_test_message("%s into a read-only directory: %s", s->what, err.message);
    g_assert_cmpint(st, ==, GB_ERR_IO);
    g_assert_nonnull(strstr(err.message, path));
    g_assert_nonnull(strstr(err.message, g_strerror(EACCES)));
    char *after;
    gsize n_after;
    g_assert_true(g_file_get_contents(path, &after, &n_after, NULL));
    g_assert_cmpmem(before, n_before, after, n_after);
    g_assert_cmpint(count_entries(dir), ==, 1); /* no temporary file left */
    g_free(before);
    g_free(after);
    gb_test_remove_tree(dir);
    g_free(path);
    g_free(dir);
  }
  objects_clear(&o);
}

/* ---- Cancelling at random points ------------------------------------------------------------ */

typedef struct {
  long calls, cancel_at;
} Canceller;

static bool
cancel_at(void *user, double fraction, const char *stage)
{
  (void)fraction;
  (void)stage;
  Canceller *c = user;
  return ++c->calls < c->cancel_at;
}

static float *
params_copy(GbModel *m)
{
  return g_memdup2(gb_model_params(m), gb_model_buffer_len(m) * sizeof(float));
}

static void
train_config(GbTrainConfig *cfg, Canceller *c)
{
  gb_train_config_init(cfg);
  cfg->epochs = 3;
  cfg->batch_size = 4;
  cfg->val_fraction = 0;
  cfg->progress = c ? cancel_at : NULL;
  cfg->user = c;
}

/* Training cancelled in its first epoch leaves the initial weights, so training again gives the
 * same model as training a fresh copy; cancelled later, it keeps the last whole epoch's weights
 * and can train on. 12 samples in batches of 4: 3 progress calls per epoch, 9 in all. */
static void
test_cancel_training(void)
{
  GRand *rand = g_rand_new_with_seed(11);
  Fixture f;
  fixture_init(&f);
  GbTrainConfig plain;
  train_config(&plain, NULL);
  GbModel *fresh = gb_model_dup(f.m, NULL);
  GbError err = {0};
  g_assert_cmpint(gb_train(fresh, &f.view, NULL, &plain, NULL, &err), ==, GB_OK);
  for (int trial = 0; trial < 12; trial++) {
    GbModel *m = gb_model_dup(f.m, NULL);
    float *initial = params_copy(m);
    size_t len = gb_model_buffer_len(m);
    Canceller c = {0, g_rand_int_range(rand, 1, 9)};
    GbTrainConfig cfg;
    train_config(&cfg, &c);
    GbTrainHistory h;
    g_assert_cmpint(gb_train(m, &f.view, NULL, &cfg, &h, &err), ==, GB_ERR_CANCELLED);
    int whole_epochs = (int)((c.cancel_at - 1) / 3);
    g_assert_cmpint(h.n_epochs, ==, whole_epochs);
    gb_train_history_clear(&h);
    g_assert_cmpint(gb_floats_find_nonfinite(gb_model_params(m), len), <, 0);
    if (whole_epochs == 0)
      g_assert_cmpmem(gb_model_params(m), len * sizeof(float), initial, len * sizeof(float));
    g_assert_cmpint(gb_train(m, &f.view, NULL, &plain, NULL, &err), ==, GB_OK);
    if (whole_epochs == 0)
      g_assert_cmpmem(gb_model_params(m), len * sizeof(float), gb_model_params(fresh),
                      len * sizeof(float));
    g_free(initial);
    gb_model_free(m);
  }
  gb_model_free(fresh);
  fixture_clear(&f);
  g_rand_free(rand);
}

static GbStatus
kernel_shap(Fixture *f, const GbSegments *seg, Canceller *c, GbSegmentAttribution *a,
            GbError *err)
{
  GbShapConfig sc;
  gb_shap_config_init(&sc);
  sc.samples = 200;
  sc.exact_max_segments = 0;
  sc.chunk = 16;
  sc.batch = 8;
  return gb_attribution_kernel_shap(f->m, f->x, f->n_x, &f->t, seg, &sc, a,
                                    c ? cancel_at : NULL, c, err);
}

/* A cancelled KernelSHAP leaves the model as it was: the next run equals the first, bit for bit. */
static void
test_cancel_kernel_shap(void)
{
  GRand *rand = g_rand_new_with_seed(12);
  Fixture f;
  fixture_init(&f);
  GbSegments seg;
  GbError err = {0};
  g_assert_cmpint(gb_segments_grid(&seg, gb_model_input_shape(f.m), 2, 2, &err), ==, GB_OK);
  GbSegmentAttribution ref, a;
  Canceller count = {0, G_MAXLONG};
  g_assert_cmpint(kernel_shap(&f, &seg, &count, &ref, &err), ==, GB_OK);
  g_assert_cmpint(count.calls, >, 2);
  for (int trial = 0; trial < 10; trial++) {
    Canceller c = {0, g_rand_int_range(rand, 1, (gint32)count.calls)};
    g_assert_cmpint(kernel_shap(&f, &seg, &c, &a, &err), ==, GB_ERR_CANCELLED);
    g_assert_null(a.segment_values);
    g_assert_cmpint(kernel_shap(&f, &seg, NULL, &a, &err), ==, GB_OK);
    g_assert_cmpmem(a.segment_values, ref.n_segments * sizeof(double), ref.segment_values,
                    ref.n_segments * sizeof(double));
    gb_segment_attribution_clear(&a);
  }
  gb_segment_attribution_clear(&ref);
  gb_segments_clear(&seg);
  fixture_clear(&f);
  g_rand_free(rand);
}

static GbStatus
curve(Fixture *f, Canceller *c, GbFaithfulnessCurve *out, GbError *err)
{
  GbFaithfulnessConfig cfg;
  gb_faithfulness_config_init(&cfg);
  cfg.explain = gb_explain_batch_grad_x_input;
  cfg.batch = 3;
  cfg.n_random = 3;
  cfg.progress = c ? cancel_at : NULL;
  cfg.user = c;
  return gb_faithfulness_curve(f->m, &f->view, &cfg, out, err);
}

static void
test_cancel_curve(void)
{
  GRand *rand = g_rand_new_with_seed(13);
  Fixture f;
  fixture_init(&f);
  GbFaithfulnessCurve ref, c2;
  GbError err = {0};
  Canceller count = {0, G_MAXLONG};
  g_assert_cmpint(curve(&f, &count, &ref, &err), ==, GB_OK);
  g_assert_cmpint(count.calls, >, 2);
  for (int trial = 0; trial < 10; trial++) {
    Canceller c = {0, g_rand_int_range(rand, 1, (gint32)count.calls)};
    g_assert_cmpint(curve(&f, &c, &c2, &err), ==, GB_ERR_CANCELLED);
    g_assert_null(c2.explainer);
    gb_faithfulness_curve_clear(&c2);
    g_assert_cmpint(curve(&f, NULL, &c2, &err), ==, GB_OK);
    g_assert_cmpmem(c2.explainer, ref.n_grid * sizeof(double), ref.explainer,
                    ref.n_grid * sizeof(double));
    g_assert_cmpmem(c2.random_mean, ref.n_grid * sizeof(double), ref.random_mean,
                    ref.n_grid * sizeof(double));
    gb_faithfulness_curve_clear(&c2);
  }
  gb_faithfulness_curve_clear(&ref);
  fixture_clear(&f);
  g_rand_free(rand);
}

/* ---- Divergence and non-finite inputs ------------------------------------------------------- */

/* SGD at a learning rate of a million: the loss explodes in the first epoch; training stops
 * naming the epoch and the cause and leaves the initial (finite) weights. */
static void
test_divergence(void)
{
  GbModel *m = gb_test_model_new("input(1,8,8), flatten, dense(16), relu, dense(3)", 3);
  GbError err = {0};
  GbDataset *ds = gb_synthetic_images(60, 3, 8, 1, 0.1, 5, &err);
  GbDataView v = gb_dataset_view(ds);
  float *initial = params_copy(m);
  size_t len = gb_model_buffer_len(m);
  GbTrainConfig cfg;
  gb_train_config_init(&cfg);
  cfg.optim.kind = GB_OPTIM_SGD;
  cfg.optim.lr = 1e6f;
  cfg.epochs = 5;
  cfg.batch_size = 8;
  GbTrainHistory h;
  g_assert_cmpint(gb_train(m, &v, NULL, &cfg, &h, &err), ==, GB_ERR_NUMERIC);
  g_test_message("%s", err.message);
  gb_test_assert_message(&err, "training diverged in epoch 1", "learning rate");
  g_assert_cmpint(h.n_epochs, ==, 0);
  gb_train_history_clear(&h);
  g_assert_cmpmem(gb_model_params(m), len * sizeof(float), initial, len * sizeof(float));
  /* An ordinary rate on the same model trains. */
  cfg.optim.lr = 0.05f;
  g_assert_cmpint(gb_train(m, &v, NULL, &cfg, &h, &err), ==, GB_OK);
  g_assert_cmpint(h.n_epochs, ==, 5);
  gb_train_history_clear(&h);
  g_free(initial);
  gb_dataset_free(ds);
  gb_model_free(m);
}

/* The command line: a diverging run exits with an error naming the epoch and never writes or
 * replaces the model file. */
static void
test_divergence_cli(void)
{
  const char *cli = g_getenv("GB_CLI");
  if (cli == NULL) {
    g_test_skip("GB_CLI is not set");
    return;
  }
  char *dir = g_dir_make_tmp("gb-faults-XXXXXX", NULL);
  char *path = g_build_filename(dir, "model.safetensors", NULL);
  const char *arch = "input(1,28,28), flatten, dense(16), relu, dense(10)";
  for (int existing = 0; existing < 2; existing++) {
    if (existing) {
      char *argv[] = {(char *)cli, "train", "-a", (char *)arch, "-d", "synthetic-images:100",
                      "-e", "1", "-q", "-o", path, NULL};
      int status;
      g_assert_true(g_spawn_sync(NULL, argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL |
                                 G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status,
                                 NULL));
      g_assert_true(g_spawn_check_wait_status(status, NULL));
    }
    char *before = NULL;
    gsize n_before = 0;
    if (existing)
      g_assert_true(g_file_get_contents(path, &before, &n_before, NULL));
    char *argv[] = {(char *)cli, "train", "-a", (char *)arch, "-d", "synthetic-images:200",
                    "-e", "5", "--optimizer", "sgd", "--lr", "1e6", "-o", path, NULL};
    char *err_text = NULL;
    int status;
    g_assert_true(g_spawn_sync(NULL, argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL,
                               &err_text, &status, NULL));
    g_assert_false(g_spawn_check_wait_status(status, NULL));
    g_assert_nonnull(strstr(err_text, "training diverged in epoch 1"));
    if (existing) {
      char *after;
      gsize n_after;
      g_assert_true(g_file_get_contents(path, &after, &n_after, NULL));
      g_assert_cmpmem(before, n_before, after, n_after);
      g_free(after);
    } else {
      g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
    }
    g_assert_cmpint(count_entries(dir), ==, existing);
    g_free(before);
    g_free(err_text);
  }
  gb_test_remove_tree(dir);
  g_free(path);
  g_free(dir);
}

/* Every way in refuses NaN and infinity with a message: explanations, prediction, training. */
static void
test_nonfinite_inputs(void)
{
  Fixture f;
  fixture_init(&f);
  const float bad[] = {NAN, INFINITY, -INFINITY};
  for (int b = 0; b < 3; b++) {
    f.x[5] = bad[b];
    GbError err = {0};
    GbStatus st[] = {
        op_gradient(&f, &err),     op_saliency(&f, &err), op_grad_x_input(&f, &err),
        op_ig(&f, &err),           op_smoothgrad(&f, &err), op_lrp(&f, &err),
        op_occlusion(&f, &err),
    };
    for (size_t i = 0; i < G_N_ELEMENTS(st); i++)
      g_assert_cmpint(st[i], ==, GB_ERR_NUMERIC);
    for (int m = 0; m < 4; m++) {
      SegCtx c = {&f, (SegMethod)m, false};
      memset(&err, 0, sizeof err);
      g_assert_cmpint(op_segments(&c, &err), ==, GB_ERR_NUMERIC);
      g_assert_cmpuint(strlen(err.message), >, 0);
    }
    float logits[3];
    memset(&err, 0, sizeof err);
    g_assert_cmpint(gb_model_predict(f.m, f.x, 1, logits, NULL, NULL, &err), ==, GB_ERR_NUMERIC);
    gb_test_assert_message(&err, "sample 0, value 5", b ? "infinite" : "NaN");
    /* Training data with the same value in sample 2. */
    float *x = (float *)f.view.x;
    float saved = x[2 * f.n_x + 5];
    x[2 * f.n_x + 5] = bad[b];
    GbTrainConfig cfg;
    train_config(&cfg, NULL);
    g_assert_cmpint(gb_train(f.m, &f.view, NULL, &cfg, NULL, &err), ==, GB_ERR_NUMERIC);
    g_assert_nonnull(strstr(err.message, "sample 2"));
    x[2 * f.n_x + 5] = saved;
    f.x[5] = 0.5f;
  }
  fixture_clear(&f);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/faults/nomem/build", test_nomem_build);
  g_test_add_func("/faults/nomem/train", test_nomem_train);
  g_test_add_func("/faults/nomem/explain", test_nomem_explain);
  g_test_add_func("/faults/save/full-device", test_save_full_device);
  g_test_add_func("/faults/save/read-only-directory", test_save_read_only_directory);
  g_test_add_func("/faults/cancel/training", test_cancel_training);
  g_test_add_func("/faults/cancel/kernel-shap", test_cancel_kernel_shap);
  g_test_add_func("/faults/cancel/faithfulness-curve", test_cancel_curve);
  g_test_add_func("/faults/divergence/train", test_divergence);
  g_test_add_func("/faults/divergence/cli", test_divergence_cli);
  g_test_add_func("/faults/nonfinite-inputs", test_nonfinite_inputs);
  g_test_add_func("/faults/nomem/explain-factored", test_nomem_explain_factored);
  g_test_add_func("/faults/nomem/occlusion-local", test_nomem_occlusion_local);
  return g_test_run();
}

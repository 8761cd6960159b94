/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "gb-alloc.h"
#include "gb-attribution.h"
#include "gb-dataset.h"
#include "gb-faithfulness.h"
#include "gb-lrp.h"
#include "gb-model-file.h"
#include "gb-perturb.h"
#include "gb-segments.h"

/* Milliseconds per explained input for every explanation method on one model file, on the
 * first test digits (data source mnist-test), one BLAS thread; and, for bench_explain_torch.py,
 * the inputs and our attribution maps as raw little-endian files in --out DIR:
 *
 *   digits.f32        (curve_samples, 784) the first test digits, as the model sees them
 *   labels.i32        (curve_samples) their labels: every method explains the label's logit
 *   <method>.f32      (inputs, d) our map of each of the first --inputs digits
 *   kernelshap.f64    (inputs, 3) sum phi, f(x), f(baseline)
 *   deletion.f64      (points) the deletion curve (agreement with the original prediction)
 *   glassbox.csv      glassbox,model,method,median_ms,min_ms,timings
 *
 * Without --out it only prints the timings.
 * Usage: bench-explain --model FILE [--out DIR] [--inputs N] [--repeats R]
 *                      [--curve-samples S] [--curve-points K] [--no-curve] */

#define SHAP_SAMPLES 1024
#define LIME_SAMPLES 1000
#define IG_STEPS 50
#define SMOOTH_SAMPLES 50
#define LRP_EPS 0.1
#define SEED 7

typedef struct {
  const char *model_path;
  const char *out;
  int inputs, repeats, curve_samples, curve_points;
  bool curve;
} Options;

typedef enum {
  SALIENCY,
  GRAD_X_INPUT,
  IG,
  SMOOTHGRAD,
  SMOOTHGRAD_SIGMA0, /* values only: the plain gradient through the SmoothGrad code path */
  LRP_EPSILON,
  OCCLUSION,
  KERNEL_SHAP,
  LIME,
  N_METHODS
} Method;

static const char *method_names[N_METHODS] = {
  "saliency",  "gradxinput",  "ig50",      "smoothgrad50", "smoothgrad-sigma0",
  "lrp-eps",   "occlusion",   "kernelshap", "lime",
};

/* What one method run leaves behind: a map (d) and, for KernelSHAP, the efficiency figures. */
typedef struct {
  GbModel *m;
  size_t d;
  GbSegments seg;
  float *map;
  double shap[3];
} Bench;

static double
now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int
fail(const char *what, const GbError *err)
{
  fprintf(stderr, "bench-explain: %s: %s\n", what, err->message);
  return 1;
}

static void
keep_map(Bench *b, const GbAttribution *a)
{
  memcpy(b->map, a->values, b->d * sizeof *b->map);
}

static GbStatus
run_gradient(Bench *b, const float *x, const GbTarget *t, Method how, GbError *err)
{
  GbAttribution a = {0};
  GbStatus st;
  if (how == SALIENCY) {
    st = gb_attribution_saliency(b->m, x, b->d, t, false, &a, err);
  } else if (how == GRAD_X_INPUT) {
    st = gb_attribution_grad_x_input(b->m, x, b->d, t, &a, err);
  } else if (how == IG) {
    GbIgConfig cfg;
    gb_ig_config_init(&cfg); /* midpoint rule, zeros baseline, batch 64 */
    cfg.steps = IG_STEPS;
    st = gb_attribution_integrated_gradients(b->m, x, b->d, t, &cfg, &a, NULL, NULL, err);
  } else {
    GbSmoothConfig cfg;
    gb_smooth_config_init(&cfg); /* |gradient|, noise 0.15 of the input's range, batch 64 */
    cfg.samples = SMOOTH_SAMPLES;
    cfg.seed = SEED;
    if (how == SMOOTHGRAD_SIGMA0) {
      cfg.noise_level = 0.0;
      cfg.map = GB_SMOOTH_GRADIENT;
    }
    st = gb_attribution_smoothgrad(b->m, x, b->d, t, &cfg, &a, NULL, NULL, NULL, err);
  }
  if (st == GB_OK)
    keep_map(b, &a);
  gb_attribution_clear(&a);
  return st;
}

static GbStatus
run_lrp(Bench *b, const float *x, const GbTarget *t, GbError *err)
{
  GbLrpPolicy p;
  gb_lrp_policy_init_uniform(&p, gb_lrp_rule_epsilon(LRP_EPS));
  GbLrpResult r = {0};
  GbStatus st = gb_attribution_lrp(b->m, x, b->d, t, &p, &r, err);
  if (st == GB_OK)
    keep_map(b, &r.map);
  gb_lrp_result_clear(&r);
  return st;
}

static GbStatus
run_perturbation(Bench *b, const float *x, const GbTarget *t, Method how, GbError *err)
{
  GbSegmentAttribution r = {0};
  GbStatus st;
  if (how == OCCLUSION) {
    GbOcclusionConfig cfg;
    gb_occlusion_config_init(&cfg); /* 4 x 4 windows, stride 2, zeros */
    st = gb_attribution_occlusion(b->m, x, b->d, t, &cfg, &r.map, NULL, NULL, err);
  } else if (how == KERNEL_SHAP) {
    GbShapConfig cfg;
    gb_shap_config_init(&cfg); /* zeros baseline */
    cfg.samples = SHAP_SAMPLES;
    cfg.seed = SEED;
    st = gb_attribution_kernel_shap(b->m, x, b->d, t, &b->seg, &cfg, &r, NULL, NULL, err);
    if (st == GB_OK) {
      b->shap[0] = r.map.sum;
      b->shap[1] = r.map.f_x;
      b->shap[2] = r.map.f_baseline;
    }
  } else {
    GbLimeConfig cfg;
    gb_lime_config_init(&cfg); /* segment means for hidden patches, as lime_image */
    cfg.samples = LIME_SAMPLES;
    cfg.seed = SEED;
    st = gb_attribution_lime(b->m, x, b->d, t, &b->seg, &cfg, &r, NULL, NULL, err);
  }
  if (st == GB_OK)
    keep_map(b, &r.map);
  gb_segment_attribution_clear(&r);
  return st;
}

static GbStatus
run(Bench *b, const float *x, int label, Method how, GbError *err)
{
  GbTarget t = gb_target_class(label);
  switch (how) {
  case LRP_EPSILON: return run_lrp(b, x, &t, err);
  case OCCLUSION:
  case KERNEL_SHAP:
  case LIME: return run_perturbation(b, x, &t, how, err);
  default: return run_gradient(b, x, &t, how, err);
  }
}

static int
compare_doubles(const void *a, const void *b)
{
  double u = *(const double *)a, v = *(const double *)b;
  return (u > v) - (u < v);
}

static bool
write_file(const char *dir, const char *name, const void *data, size_t size)
{
  if (dir == NULL) /* no --out: timings only */
    return true;
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  if (f == NULL) {
    fprintf(stderr, "bench-explain: %s: %s\n", path, strerror(errno));
    return false;
  }
  bool ok = fwrite(data, 1, size, f) == size;
  ok = fclose(f) == 0 && ok;
  if (!ok)
    fprintf(stderr, "bench-explain: %s: write failed\n", path);
  return ok;
}

/* Times @how on the first opt->inputs digits, opt->repeats times each after one warm-up, and
 * writes the maps of the last repeat. Prints the CSV line. */
static int
bench_method(Bench *b, const Options *opt, const char *model, const GbDataset *ds, Method how,
             FILE *csv)
{
  int n = opt->inputs, total = n * opt->repeats;
  float *maps = gb_alloc_floats((size_t)n * b->d);
  double *ms = gb_malloc((size_t)total * sizeof *ms), *shap = gb_malloc((size_t)n * 3 * sizeof *shap);
  const float *x = ds->x->data;
  GbError err;
  if (maps == NULL || ms == NULL || shap == NULL) {
    fprintf(stderr, "bench-explain: out of memory\n");
    return 1;
  }
  if (run(b, x, ds->labels[0], how, &err) != GB_OK) /* warm-up: sizes the model's buffers */
    return fail(method_names[how], &err);
  for (int r = 0, k = 0; r < opt->repeats; r++) {
    for (int i = 0; i < n; i++, k++) {
      double t0 = now();
      if (run(b, x + (size_t)i * b->d, ds->labels[i], how, &err) != GB_OK)
        return fail(method_names[how], &err);
      ms[k] = (now() - t0) * 1e3;
      memcpy(maps + (size_t)i * b->d, b->map, b->d * sizeof *maps);
      memcpy(shap + 3 * i, b->shap, sizeof b->shap);
    }
  }
  qsort(ms, (size_t)total, sizeof *ms, compare_doubles);
  char name[128];
  snprintf(name, sizeof name, "%s.f32", method_names[how]);
  bool ok = write_file(opt->out, name, maps, (size_t)n * b->d * sizeof *maps);
  if (how == KERNEL_SHAP)
    ok = ok && write_file(opt->out, "kernelshap.f64", shap, (size_t)n * 3 * sizeof *shap);
  if (how != SMOOTHGRAD_SIGMA0) {
    fprintf(csv, "glassbox,%s,%s,%.4f,%.4f,%d\n", model, method_names[how], ms[total / 2], ms[0],
            total);
    printf("%-18s %9.3f ms/input (min %.3f, %d timings)\n", method_names[how], ms[total / 2],
           ms[0], total);
  }
  gb_free(maps);
  gb_free(ms);
  gb_free(shap);
  return ok ? 0 : 1;
}

/* The deletion (MoRF) curve of gradient x input over the first opt->curve_samples digits:
 * opt->curve_points removal fractions k / (points - 1), zeros baseline, agreement with the
 * original prediction, no random rankings (the torch script computes the same). */
static int
bench_deletion(Bench *b, const Options *opt, const char *model, const GbDataset *ds, FILE *csv)
{
  GbFaithfulnessConfig cfg;
  gb_faithfulness_config_init(&cfg);
  cfg.mode = GB_FAITHFULNESS_MORF;
  cfg.n_random = 0;
  double *grid = gb_malloc((size_t)opt->curve_points * sizeof *grid);
  if (grid == NULL)
    return 1;
  for (int k = 0; k < opt->curve_points; k++) grid[k] = (double)k / (opt->curve_points - 1);
  cfg.grid = grid;
  cfg.n_grid = opt->curve_points;
  GbDataView v = gb_dataset_view_range(ds, 0, opt->curve_samples);
  GbFaithfulnessCurve c;
  GbError err;
  double t0 = now();
  if (gb_faithfulness_curve(b->m, &v, &cfg, &c, &err) != GB_OK)
    return fail("deletion curve", &err);
  double ms = (now() - t0) * 1e3 / opt->curve_samples;
  fprintf(csv, "glassbox,%s,deletion%d,%.4f,%.4f,1\n", model, opt->curve_points, ms, ms);
  printf("%-18s %9.3f ms/input (one run over %d digits; agreement %.3f at half removed)\n",
         "deletion", ms, opt->curve_samples, c.explainer[opt->curve_points / 2]);
  bool ok = write_file(opt->out, "deletion.f64", c.explainer,
                       (size_t)c.n_grid * sizeof *c.explainer);
  gb_faithfulness_curve_clear(&c);
  gb_free(grid);
  return ok ? 0 : 1;
}

static int
parse_options(int argc, char **argv, Options *opt)
{
  *opt = (Options){NULL, NULL, 20, 3, 1000, 100, true};
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "--no-curve") == 0) {
      opt->curve = false;
      continue;
    }
    if (v == NULL) {
      fprintf(stderr, "bench-explain: usage: bench-explain --model FILE [--out DIR] [--inputs N] "
                      "[--repeats R] [--curve-samples S] [--curve-points K] [--no-curve]\n");
      return 2;
    }
    if (strcmp(a, "--model") == 0) opt->model_path = v;
    else if (strcmp(a, "--out") == 0) opt->out = v;
    else if (strcmp(a, "--inputs") == 0) opt->inputs = atoi(v);
    else if (strcmp(a, "--repeats") == 0) opt->repeats = atoi(v);
    else if (strcmp(a, "--curve-samples") == 0) opt->curve_samples = atoi(v);
    else if (strcmp(a, "--curve-points") == 0) opt->curve_points = atoi(v);
    else {
      fprintf(stderr, "bench-explain: unknown option '%s'\n", a);
      return 2;
    }
    i++;
  }
  if (opt->model_path == NULL || opt->inputs < 1 || opt->repeats < 1 || opt->curve_samples < 1 ||
      opt->curve_points < 2) {
    fprintf(stderr, "bench-explain: needs --model FILE; counts must be positive\n");
    return 2;
  }
  return 0;
}

/* The first @n digits and their labels, for the torch script. */
static int
dump_digits(const Options *opt, const GbDataset *ds, int n)
{
  size_t d = ds->x->size / (size_t)gb_dataset_size(ds);
  return write_file(opt->out, "digits.f32", ds->x->data, (size_t)n * d * sizeof(float)) &&
                 write_file(opt->out, "labels.i32", ds->labels, (size_t)n * sizeof(int))
             ? 0
             : 1;
}

int
main(int argc, char **argv)
{
  Options opt;
  int rc = parse_options(argc, argv, &opt);
  if (rc != 0)
    return rc;
  GbError err;
  Bench b = {0};
  if (gb_model_load(opt.model_path, &b.m, &err) != GB_OK)
    return fail("model", &err);
  GbDataset *ds = gb_dataset_open("mnist-test", &err);
  if (ds == NULL)
    return fail("mnist-test", &err);
  int n_all = gb_dataset_size(ds);
  opt.curve_samples = opt.curve_samples < n_all ? opt.curve_samples : n_all;
  opt.inputs = opt.inputs < n_all ? opt.inputs : n_all;
  b.d = gb_model_input_size(b.m);
  b.map = gb_alloc_floats(b.d);
  if (opt.out != NULL)
    mkdir(opt.out, 0755);
  if (b.map == NULL || gb_segments_grid(&b.seg, gb_model_input_shape(b.m), 4, 4, &err) != GB_OK)
    return fail("segments", &err);
  if (dump_digits(&opt, ds, opt.curve_samples > opt.inputs ? opt.curve_samples : opt.inputs) != 0)
    return 1;
  /* Without --out the CSV lines go nowhere: /dev/null keeps the writers simple. */
  char path[4096];
  snprintf(path, sizeof path, "%s/glassbox.csv", opt.out != NULL ? opt.out : "");
  FILE *csv = fopen(opt.out != NULL ? path : "/dev/null", "w");
  if (csv == NULL) {
    fprintf(stderr, "bench-explain: %s: %s\n", path, strerror(errno));
    return 1;
  }
  const char *model = strrchr(opt.model_path, '/') ? strrchr(opt.model_path, '/') + 1
                                                   : opt.model_path;
  printf("%s: %d inputs x %d repeats, median ms per input\n", model, opt.inputs, opt.repeats);
  for (int k = 0; k < N_METHODS && rc == 0; k++) rc = bench_method(&b, &opt, model, ds, k, csv);
  if (rc == 0 && opt.curve)
    rc = bench_deletion(&b, &opt, model, ds, csv);
  fclose(csv);
  gb_segments_clear(&b.seg);
  gb_free(b.map);
  gb_dataset_free(ds);
  gb_model_free(b.m);
  return rc;
}

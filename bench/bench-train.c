/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-train: seconds per training epoch of the engine's real gb_train(), one BLAS thread.
 *
 * For each model it builds a fresh model (same seed every run, so every run does the same
 * work), times one epoch of gb_train() at batch 64 with Adam's defaults and no validation,
 * and reports the median, min and max over --runs runs. Model construction and data
 * generation are not timed; everything gb_train() does (optimizer state, shuffling, batch
 * gathering, its epoch statistics) is.
 *
 * bench/bench_train_torch.py trains the same architectures in PyTorch on the same samples,
 * written by --dump-data; bench/run-train-bench.sh runs both and prints the comparison. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "gb-blas.h"
#include "gb-model.h"
#include "gb-synthetic.h"
#include "gb-train.h"

#define BATCH 64
#define N_IMAGES 60000
#define N_TRIALS 4200
#define DATA_SEED 20240501u
#define MODEL_SEED 1u

_Static_assert(sizeof(int) == 4, "labels are dumped as int32");

typedef enum { DATA_IMAGES, DATA_SEQUENCES } DataKind;

typedef struct {
  const char *id;    /* --only name */
  const char *title; /* as printed */
  const char *spec;  /* architecture, as gb_arch_parse() reads it */
  DataKind data;
} BenchModel;

static const BenchModel models[] = {
    {"mlp1", "MLP 784-128-10", "input(784), dense(128), relu, dense(10)", DATA_IMAGES},
    {"mlp2", "MLP 784-256-128-10",
     "input(784), dense(256), relu, dense(128), relu, dense(10)", DATA_IMAGES},
    {"cnn", "LeNet-style CNN",
     "input(1,28,28), conv2d(8,5), relu, maxpool2d(2), conv2d(16,5), relu, maxpool2d(2), "
     "flatten, dense(64), relu, dense(10)",
     DATA_IMAGES},
    {"lstm", "LSTM 8x256 -> 32 -> 2", "input(256,8), lstm(32), dense(2)", DATA_SEQUENCES},
};
#define N_MODELS ((int)(sizeof models / sizeof models[0]))

typedef struct {
  int runs;
  int warmup;
  const char *only;
  const char *dump_dir;
  bool csv;
} Options;

typedef struct {
  double median, min, max;
  double last_loss, last_acc; /* of the last run: shows that the model does learn */
  int steps;
} BenchResult;

static double
now_seconds(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int
compare_doubles(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Sorts @v in place. */
static double
median_of(double *v, int n)
{
  qsort(v, (size_t)n, sizeof *v, compare_doubles);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static void
usage(FILE *out)
{
  fprintf(out, "Usage: bench-train [--runs N] [--warmup N] [--only mlp1|mlp2|cnn|lstm] [--csv]\n"
               "       bench-train --dump-data DIR\n"
               "Times one training epoch (batch %d, Adam) of gb_train() with one BLAS thread.\n"
               "  --runs N         timed epochs per model, each on a fresh model (default 5)\n"
               "  --warmup N       untimed epochs first (default 0)\n"
               "  --only NAME      one model\n"
               "  --csv            print machine-readable lines only\n"
               "  --dump-data DIR  write the generated data sets to DIR and exit\n",
          BATCH);
}

static bool
parse_int(const char *text, int min, int *out)
{
  char *end;
  errno = 0;
  long v = strtol(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || v < min || v > 1000000)
    return false;
  *out = (int)v;
  return true;
}

static bool
model_known(const char *id)
{
  for (int i = 0; i < N_MODELS; i++)
    if (strcmp(models[i].id, id) == 0)
      return true;
  return false;
}

/* Returns 0 to go on, 1 to exit successfully (--help), 2 on a usage error. */
static int
parse_options(int argc, char **argv, Options *o)
{
  *o = (Options){.runs = 5};
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    bool takes_value = true;
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      usage(stdout);
      return 1;
    } else if (strcmp(a, "--csv") == 0) {
      o->csv = true;
      takes_value = false;
    } else if (v == NULL) {
      fprintf(stderr, "bench-train: %s needs a value (or is unknown)\n", a);
      return 2;
    } else if (strcmp(a, "--runs") == 0) {
      if (!parse_int(v, 1, &o->runs))
        return fprintf(stderr, "bench-train: --runs wants an integer >= 1, got '%s'\n", v), 2;
    } else if (strcmp(a, "--warmup") == 0) {
      if (!parse_int(v, 0, &o->warmup))
        return fprintf(stderr, "bench-train: --warmup wants an integer >= 0, got '%s'\n", v), 2;
    } else if (strcmp(a, "--only") == 0) {
      if (!model_known(v))
        return fprintf(stderr, "bench-train: unknown model '%s' (mlp1|mlp2|cnn|lstm)\n", v), 2;
      o->only = v;
    } else if (strcmp(a, "--dump-data") == 0) {
      o->dump_dir = v;
    } else {
      fprintf(stderr, "bench-train: unknown option '%s'\n", a);
      usage(stderr);
      return 2;
    }
    i += takes_value;
  }
  return 0;
}

static GbDataset *
make_data(DataKind kind, GbError *err)
{
  if (kind == DATA_IMAGES)
    return gb_synthetic_images(N_IMAGES, 10, 28, 2, 0.1, DATA_SEED, err);
  return gb_synthetic_sequences(N_TRIALS, 2, 256, 8, 1.0, DATA_SEED + 1, err);
}

/* The data set as the model's input sees it: MLPs read the same images as 784-vectors. */
static GbDataView
view_for_model(const GbDataset *ds, GbModel *m)
{
  GbDataView v = gb_dataset_view(ds);
  v.shape = *gb_model_input_shape(m);
  return v;
}

static void
train_config_for_bench(GbTrainConfig *cfg)
{
  gb_train_config_init(cfg);
  cfg->epochs = 1;
  cfg->batch_size = BATCH;
  gb_optim_config_defaults(&cfg->optim, GB_OPTIM_ADAM);
  gb_schedule_init(&cfg->schedule, GB_SCHEDULE_CONSTANT);
  gb_loss_config_init(&cfg->loss, GB_LOSS_SOFTMAX_CE);
  cfg->val_fraction = 0.0;
  cfg->patience = 0;
  cfg->augment_shift = 0; /* no data augmentation: PyTorch does none either */
  cfg->seed = MODEL_SEED;
}

/* One epoch on a fresh model; *seconds is the time spent inside gb_train(). */
static GbStatus
time_one_epoch(const BenchModel *bm, const GbDataset *ds, double *seconds, GbEpochStats *stats,
               GbError *err)
{
  GbModel *m = NULL;
  GbStatus st = gb_model_new_from_spec(bm->spec, MODEL_SEED, &m, err);
  if (st != GB_OK)
    return st;
  GbDataView train = view_for_model(ds, m);
  GbTrainConfig cfg;
  train_config_for_bench(&cfg);
  GbTrainHistory hist = {0};
  double t0 = now_seconds();
  st = gb_train(m, &train, NULL, &cfg, &hist, err);
  *seconds = now_seconds() - t0;
  if (st == GB_OK && hist.n_epochs > 0)
    *stats = hist.epochs[hist.n_epochs - 1];
  gb_train_history_clear(&hist);
  gb_model_free(m);
  return st;
}

static GbStatus
bench_model(const BenchModel *bm, const GbDataset *ds, const Options *o, BenchResult *r,
            GbError *err)
{
  double *t = calloc((size_t)o->runs, sizeof *t);
  if (t == NULL)
    return gb_error_set(err, GB_ERR_NOMEM, "out of memory");
  GbEpochStats stats = {.train_loss = NAN, .train_acc = NAN, .seconds = NAN};
  GbStatus st = GB_OK;
  for (int i = 0; i < o->warmup + o->runs; i++) {
    bool warm = i < o->warmup;
    double s = 0.0;
    st = time_one_epoch(bm, ds, &s, &stats, err);
    if (st != GB_OK)
      break;
    if (!warm)
      t[i - o->warmup] = s;
    /* stats.seconds is the epoch loop alone, without gb_train()'s set-up and data checks. */
    fprintf(stderr, "  glassbox %-5s %s %d/%d: %.3f s (epoch loop %.3f s; loss %.4f, acc %.4f)\n",
            bm->id, warm ? "warm-up" : "run", warm ? i + 1 : i - o->warmup + 1,
            warm ? o->warmup : o->runs, s, stats.seconds, stats.train_loss, stats.train_acc);
  }
  if (st == GB_OK) {
    r->median = median_of(t, o->runs); /* sorts t */
    r->min = t[0];
    r->max = t[o->runs - 1];
    r->last_loss = stats.train_loss;
    r->last_acc = stats.train_acc;
    r->steps = (gb_dataset_size(ds) + BATCH - 1) / BATCH;
  }
  free(t);
  return st;
}

static void
print_header(const Options *o)
{
  if (o->csv) {
    printf("# openblas_core=%s blas_threads=%d\n", gb_blas_core_name(), gb_blas_get_threads());
    printf("impl,model,samples,steps,runs,median_s,min_s,max_s,ms_per_step\n");
    return;
  }
  printf("Glassbox gb_train(): one epoch, batch %d, Adam defaults, %d run(s), median of runs\n"
         "OpenBLAS core %s, %d BLAS thread(s)\n\n",
         BATCH, o->runs, gb_blas_core_name(), gb_blas_get_threads());
  printf("%-22s %8s %6s %10s %8s %8s %8s %9s\n", "model", "samples", "steps", "median s",
         "min s", "max s", "ms/step", "loss");
}

static void
print_result(const BenchModel *bm, const GbDataset *ds, const Options *o, const BenchResult *r)
{
  double ms = 1e3 * r->median / r->steps;
  if (o->csv)
    printf("glassbox,%s,%d,%d,%d,%.6f,%.6f,%.6f,%.4f\n", bm->id, gb_dataset_size(ds), r->steps,
           o->runs, r->median, r->min, r->max, ms);
  else
    printf("%-22s %8d %6d %10.3f %8.3f %8.3f %8.3f %9.4f\n", bm->title, gb_dataset_size(ds),
           r->steps, r->median, r->min, r->max, ms, r->last_loss);
  fflush(stdout);
}

/* ---- --dump-data: raw little-endian float32 x and int32 labels, and a JSON header ---- */

static bool
write_raw(const char *dir, const char *name, const void *data, size_t bytes)
{
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  if (f == NULL) {
    fprintf(stderr, "bench-train: %s: %s\n", path, strerror(errno));
    return false;
  }
  bool ok = fwrite(data, 1, bytes, f) == bytes;
  ok = (fclose(f) == 0) && ok;
  if (!ok)
    fprintf(stderr, "bench-train: %s: write failed\n", path);
  return ok;
}

static bool
write_header(const char *dir, const char *stem, const GbDataset *ds)
{
  char path[4096];
  snprintf(path, sizeof path, "%s/%s.json", dir, stem);
  FILE *f = fopen(path, "w");
  if (f == NULL) {
    fprintf(stderr, "bench-train: %s: %s\n", path, strerror(errno));
    return false;
  }
  GbShape s = gb_dataset_sample_shape(ds);
  fprintf(f, "{\"name\": \"%s\", \"n\": %d, \"sample_shape\": [", ds->name, gb_dataset_size(ds));
  for (int i = 0; i < s.ndim; i++)
    fprintf(f, "%s%d", i ? ", " : "", s.dim[i]);
  fprintf(f,
          "], \"n_classes\": %d,\n \"x\": \"%s.x.f32\", \"x_dtype\": \"<f4\",\n"
          " \"labels\": \"%s.labels.i32\", \"labels_dtype\": \"<i4\"}\n",
          ds->n_classes, stem, stem);
  bool ok = fclose(f) == 0;
  if (!ok)
    fprintf(stderr, "bench-train: %s: write failed\n", path);
  return ok;
}

static bool
dump_one(const char *dir, const char *stem, const GbDataset *ds)
{
  char name[256];
  size_t n = (size_t)gb_dataset_size(ds);
  snprintf(name, sizeof name, "%s.x.f32", stem);
  if (!write_raw(dir, name, ds->x->data, ds->x->size * sizeof(float)))
    return false;
  snprintf(name, sizeof name, "%s.labels.i32", stem);
  if (!write_raw(dir, name, ds->labels, n * sizeof(int)))
    return false;
  return write_header(dir, stem, ds);
}

static int
dump_data(const char *dir)
{
  if (__BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__) {
    fprintf(stderr, "bench-train: --dump-data writes little-endian files; this host is not\n");
    return 1;
  }
  if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
    fprintf(stderr, "bench-train: %s: %s\n", dir, strerror(errno));
    return 1;
  }
  static const char *const stems[] = {"images", "sequences"};
  for (int k = 0; k < 2; k++) {
    GbError err = {0};
    GbDataset *ds = make_data((DataKind)k, &err);
    if (ds == NULL) {
      fprintf(stderr, "bench-train: %s\n", err.message);
      return 1;
    }
    bool ok = dump_one(dir, stems[k], ds);
    gb_dataset_free(ds);
    if (!ok)
      return 1;
    fprintf(stderr, "bench-train: wrote %s/%s.{json,x.f32,labels.i32}\n", dir, stems[k]);
  }
  return 0;
}

/* ---- benchmark ---- */

static int
run_benchmarks(const Options *o)
{
  GbDataset *data[2] = {NULL, NULL};
  int rc = 0;
  print_header(o);
  for (int i = 0; i < N_MODELS && rc == 0; i++) {
    const BenchModel *bm = &models[i];
    if (o->only != NULL && strcmp(o->only, bm->id) != 0)
      continue;
    GbError err = {0};
    if (data[bm->data] == NULL && (data[bm->data] = make_data(bm->data, &err)) == NULL) {
      fprintf(stderr, "bench-train: generating data: %s\n", err.message);
      rc = 1;
      break;
    }
    BenchResult r = {0};
    if (bench_model(bm, data[bm->data], o, &r, &err) != GB_OK) {
      fprintf(stderr, "bench-train: %s: %s\n", bm->id, err.message);
      rc = 1;
      break;
    }
    print_result(bm, data[bm->data], o, &r);
  }
  gb_dataset_free(data[0]);
  gb_dataset_free(data[1]);
  return rc;
}

int
main(int argc, char **argv)
{
  /* OpenBLAS picks its kernels before main(): re-exec with the fast core when it fell back. */
  gb_blas_ensure_fast_core(argv);
  Options o;
  int rc = parse_options(argc, argv, &o);
  if (rc != 0)
    return rc == 1 ? 0 : 2;
  if (o.dump_dir != NULL)
    return dump_data(o.dump_dir);
  gb_blas_set_threads(1);
  return run_benchmarks(&o);
}

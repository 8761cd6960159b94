/* SPDX-License-Identifier: GPL-3.0-or-later */
/* How long a cancel takes: a second thread raises a flag at a random moment of a long job
 * (training, KernelSHAP, a faithfulness curve over a data set); the job's progress callback
 * returns false once it sees the flag. Latency = from raising the flag to the call returning.
 * Prints the worst and median latency over the trials of each job.
 *   bench-cancel [TRIALS]   (default 20) */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gb-faithfulness.h"
#include "gb-model.h"
#include "gb-perturb.h"
#include "gb-segments.h"
#include "gb-synthetic.h"
#include "gb-train.h"

#define SPEC "input(1,28,28), conv2d(8,5), relu, maxpool2d(2), flatten, dense(10)"

static double
now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

typedef struct {
  atomic_bool cancel;
  double requested; /* when the flag went up */
  double delay;     /* seconds after the start */
} Cancel;

static bool
keep_going(void *user, double fraction, const char *stage)
{
  (void)fraction;
  (void)stage;
  Cancel *c = user;
  return !atomic_load(&c->cancel);
}

static void *
canceller(void *user)
{
  Cancel *c = user;
  struct timespec ts = {(time_t)c->delay, (long)((c->delay - (time_t)c->delay) * 1e9)};
  nanosleep(&ts, NULL);
  c->requested = now();
  atomic_store(&c->cancel, true);
  return NULL;
}

typedef struct {
  GbModel *m;
  GbDataset *ds;
  GbSegments seg;
} Job;

typedef GbStatus (*JobFn)(Job *j, Cancel *c, GbError *err);

static GbStatus
job_train(Job *j, Cancel *c, GbError *err)
{
  GbTrainConfig cfg;
  gb_train_config_init(&cfg);
  cfg.epochs = 50;
  cfg.progress = keep_going;
  cfg.user = c;
  GbDataView v = gb_dataset_view(j->ds);
  return gb_train(j->m, &v, NULL, &cfg, NULL, err);
}

static GbStatus
job_shap(Job *j, Cancel *c, GbError *err)
{
  GbShapConfig cfg;
  gb_shap_config_init(&cfg);
  cfg.samples = 1000000;
  GbTarget t = gb_target_class(3);
  GbSegmentAttribution a;
  GbDataView v = gb_dataset_view(j->ds);
  GbStatus st = gb_attribution_kernel_shap(j->m, v.x, gb_model_input_size(j->m), &t, &j->seg,
                                           &cfg, &a, keep_going, c, err);
  gb_segment_attribution_clear(&a);
  return st;
}

static GbStatus
job_curve(Job *j, Cancel *c, GbError *err)
{
  GbFaithfulnessConfig cfg;
  gb_faithfulness_config_init(&cfg);
  cfg.explain = gb_explain_batch_grad_x_input;
  cfg.progress = keep_going;
  cfg.user = c;
  GbFaithfulnessCurve curve;
  GbDataView v = gb_dataset_view(j->ds);
  GbStatus st = gb_faithfulness_curve(j->m, &v, &cfg, &curve, err);
  gb_faithfulness_curve_clear(&curve);
  return st;
}

static int
compare(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static void
measure(const char *name, JobFn fn, Job *j, int trials)
{
  double *lat = calloc((size_t)trials, sizeof *lat);
  unsigned seed = 7;
  for (int i = 0; i < trials; i++) {
    Cancel c = {.delay = 0.02 + 0.5 * rand_r(&seed) / RAND_MAX};
    atomic_init(&c.cancel, false);
    pthread_t th;
    pthread_create(&th, NULL, canceller, &c);
    GbError err = {0};
    GbStatus st = fn(j, &c, &err);
    double done = now();
    pthread_join(th, NULL);
    if (st != GB_ERR_CANCELLED) {
      fprintf(stderr, "%s: trial %d ended with %s (%s) before the cancel\n", name, i,
              gb_status_to_string(st), err.message);
      exit(1);
    }
    lat[i] = (done - c.requested) * 1e3;
  }
  qsort(lat, (size_t)trials, sizeof *lat, compare);
  printf("%-36s trials %3d  median %7.2f ms  worst %7.2f ms\n", name, trials,
         lat[trials / 2], lat[trials - 1]);
  free(lat);
}

int
main(int argc, char **argv)
{
  int trials = argc > 1 ? atoi(argv[1]) : 20;
  if (trials < 1)
    trials = 1;
  GbError err = {0};
  Job j = {0};
  if (gb_model_new_from_spec(SPEC, 1, &j.m, &err) != GB_OK ||
      (j.ds = gb_synthetic_images(2000, 10, 28, 2, 0.1, 1, &err)) == NULL ||
      gb_segments_grid(&j.seg, gb_model_input_shape(j.m), 4, 4, &err) != GB_OK) {
    fprintf(stderr, "%s\n", err.message);
    return 1;
  }
  printf("model %s, 2000 synthetic 28x28 digits, cancel 20-520 ms after the start\n", SPEC);
  measure("training (batch 64)", job_train, &j, trials);
  measure("KernelSHAP (1e6 samples, 49 patches)", job_shap, &j, trials);
  measure("faithfulness curve (2000 samples)", job_curve, &j, trials);
  gb_segments_clear(&j.seg);
  gb_dataset_free(j.ds);
  gb_model_free(j.m);
  return 0;
}

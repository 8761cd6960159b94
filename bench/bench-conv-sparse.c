/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The sparse backward of conv2d (src/engine/gb-layer-conv-sparse.c) against the dense one
 * (im2col and gemms), in one process so that whatever else the machine does falls on both: ms
 * per backward (dx, dW and db; median of alternating runs) of a batch of 64 whose dy has a
 * given share of non-zero values, for LeNet's second convolution and the digits CNN's, and the
 * share a 2x2 max pooling after a ReLU leaves, or for the layer a model SPEC ends with. Run with
 * OPENBLAS_NUM_THREADS=1.
 * Usage: bench-conv-sparse [REPEATS [SPEC]] */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gb-layer-conv-private.h"
#include "gb-model.h"
#include "gb-rng.h"

enum { BATCH = 64 };

static double
now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int
cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double
median(double *v, int n)
{
  qsort(v, (size_t)n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static void
check(GbStatus st, const GbError *err)
{
  if (st != GB_OK) {
    fprintf(stderr, "bench-conv-sparse: %s\n", err->message);
    exit(1);
  }
}

/* The model of @spec, a batch of inputs uniform in [lo, lo + 1) run forward, and room for dx
 * and dy. */
static GbModel *
model_run(const char *spec, float lo, GbRng *rng, float **x, float **dx, float **dy)
{
  GbModel *m;
  GbError err;
  const float *y;
  check(gb_model_new_from_spec(spec, 1, &m, &err), &err);
  size_t n_in = (size_t)BATCH * gb_model_input_size(m);
  *x = malloc(n_in * sizeof **x);
  *dx = malloc(n_in * sizeof **dx);
  *dy = malloc((size_t)BATCH * gb_model_n_outputs(m) * sizeof **dy);
  for (size_t i = 0; i < n_in; i++)
    (*x)[i] = lo + gb_rng_uniform(rng);
  check(gb_model_forward(m, *x, BATCH, true, &y, &err), &err);
  return m;
}

/* ms of one backward of @m with dy, sparse path allowed up to @density_cap */
static double
time_backward(GbModel *m, const float *dy, float *dx, double density_cap)
{
  GbError err;
  gb_conv_sparse_set_max_density(density_cap);
  double t0 = now();
  check(gb_model_backward(m, dy, BATCH, dx, true, &err), &err);
  return (now() - t0) * 1e3;
}

static void
bench_layer(const char *name, const char *spec, int repeats)
{
  GbRng rng;
  float *x, *dx, *dy;
  gb_rng_seed(&rng, 7);
  GbModel *m = model_run(spec, 0.0f, &rng, &x, &dx, &dy);
  size_t n_out = (size_t)BATCH * gb_model_n_outputs(m);
  double *ts = malloc((size_t)repeats * sizeof *ts), *td = malloc((size_t)repeats * sizeof *td);
  static const double densities[] = {0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5};
  printf("%s: %s, batch %d\n  density  sparse ms  dense ms  dense/sparse\n", name, spec, BATCH);
  for (size_t di = 0; di < sizeof densities / sizeof *densities; di++) {
    for (size_t i = 0; i < n_out; i++)
      dy[i] = gb_rng_uniform(&rng) < densities[di] ? gb_rng_uniform(&rng) - 0.5f : 0.0f;
    time_backward(m, dy, dx, 0.5); /* warm up both */
    time_backward(m, dy, dx, 0.0);
    for (int r = 0; r < repeats; r++) {
      ts[r] = time_backward(m, dy, dx, 0.5);
      td[r] = time_backward(m, dy, dx, 0.0);
    }
    double s = median(ts, repeats), d = median(td, repeats);
    printf("  %7.2f  %9.3f  %8.3f  %11.2fx\n", densities[di], s, d, d / s);
  }
  free(x);
  free(dx);
  free(dy);
  free(ts);
  free(td);
  gb_model_free(m);
}

/* Share of non-zero values in the gradient a ReLU and a 2x2 max pooling pass back to a
 * convolution's output: random input and weights, dy of the pooled output all non-zero. */
static void
pooled_density(const char *spec)
{
  GbRng rng;
  GbError err;
  float *x, *dx, *dy;
  gb_rng_seed(&rng, 8);
  GbModel *m = model_run(spec, -0.5f, &rng, &x, &dx, &dy);
  size_t n_in = (size_t)BATCH * gb_model_input_size(m);
  size_t n_out = (size_t)BATCH * gb_model_n_outputs(m);
  for (size_t i = 0; i < n_out; i++)
    dy[i] = gb_rng_uniform(&rng) + 0.5f;
  check(gb_model_backward(m, dy, BATCH, dx, false, &err), &err);
  size_t nz = 0;
  for (size_t i = 0; i < n_in; i++)
    nz += dx[i] != 0.0f;
  printf("non-zero share of dy under relu + maxpool(2), %s: %.3f\n", spec,
         (double)nz / (double)n_in);
  free(x);
  free(dx);
  free(dy);
  gb_model_free(m);
}

int
main(int argc, char **argv)
{
  int repeats = argc > 1 ? atoi(argv[1]) : 101;
  if (repeats < 1) {
    fprintf(stderr, "usage: bench-conv-sparse [REPEATS [SPEC]]\n");
    return 2;
  }
  if (argc > 2) {
    bench_layer("given", argv[2], repeats);
    return 0;
  }
  pooled_density("input(16,8,8), relu, maxpool2d(2)");
  bench_layer("LeNet conv2", "input(8,12,12), conv2d(16,5)", repeats);
  bench_layer("digits CNN conv2", "input(16,14,14), conv2d(32,5,pad=2)", repeats);
  return 0;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "gb-blas.h"
#include "gb-model.h"
#include "gb-rng.h"

/* One training step's layer work (forward in training mode, backward with parameter
 * gradients, with and without dx) of the P300 workshop's PRM-like model, one BLAS thread.
 * Usage: bench-prm [ARCH [BATCH [ITERATIONS]]] */

static double
now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

typedef enum { FORWARD, FORWARD_BACKWARD, FORWARD_BACKWARD_DX } Work;

/* Microseconds per iteration: the best of five runs of @iters iterations. */
static double
time_work(GbModel *m, const float *x, const float *dy, float *dx, int batch, int iters, Work w)
{
  const float *y;
  GbError err;
  double best = 1e30;
  for (int run = 0; run < 5; run++) {
    double t0 = now();
    for (int i = 0; i < iters; i++) {
      if (gb_model_forward(m, x, batch, w != FORWARD, &y, &err) != GB_OK ||
          (w != FORWARD &&
           gb_model_backward(m, dy, batch, w == FORWARD_BACKWARD_DX ? dx : NULL, true, &err) !=
               GB_OK)) {
        fprintf(stderr, "bench-prm: %s\n", err.message);
        exit(1);
      }
    }
    double us = (now() - t0) / iters * 1e6;
    best = us < best ? us : best;
  }
  return best;
}

int
main(int argc, char **argv)
{
  gb_blas_ensure_fast_core(argv);
  gb_blas_set_threads(1);
  const char *spec = argc > 1 ? argv[1] : "input(26,16), prm(16,post=8)";
  int batch = argc > 2 ? atoi(argv[2]) : 64, iters = argc > 3 ? atoi(argv[3]) : 2000;
  GbModel *m;
  GbError err;
  if (batch < 1 || iters < 1 || gb_model_new_from_spec(spec, 1, &m, &err) != GB_OK) {
    fprintf(stderr, "bench-prm: %s\n", batch < 1 || iters < 1 ? "bad batch or count" : err.message);
    return 1;
  }
  size_t n_in = (size_t)batch * gb_model_input_size(m);
  size_t n_out = (size_t)batch * gb_model_n_outputs(m);
  float *x = malloc(n_in * sizeof *x), *dx = malloc(n_in * sizeof *dx);
  float *dy = malloc(n_out * sizeof *dy);
  if (x == NULL || dx == NULL || dy == NULL)
    return 1;
  GbRng rng;
  gb_rng_seed(&rng, 3);
  for (size_t i = 0; i < n_in; i++)
    x[i] = (float)gb_rng_normal(&rng);
  for (size_t i = 0; i < n_out; i++)
    dy[i] = (float)(gb_rng_uniform(&rng) - 0.5);
  time_work(m, x, dy, dx, batch, iters / 10 + 1, FORWARD_BACKWARD_DX); /* warm up */
  printf("%s, batch %d, OpenBLAS %s, %d thread(s)\n", spec, batch, gb_blas_core_name(),
         gb_blas_get_threads());
  printf("  forward (inference)             %8.1f us\n",
         time_work(m, x, dy, dx, batch, iters, FORWARD));
  printf("  forward + backward (no dx)      %8.1f us\n",
         time_work(m, x, dy, dx, batch, iters, FORWARD_BACKWARD));
  printf("  forward + backward (with dx)    %8.1f us\n",
         time_work(m, x, dy, dx, batch, iters, FORWARD_BACKWARD_DX));
  free(x);
  free(dx);
  free(dy);
  gb_model_free(m);
  return 0;
}

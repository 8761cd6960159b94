/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "gb-alloc.h"
#include "gb-attribution.h"
#include "gb-lrp.h"
#include "gb-rng.h"

/* Time of one explanation of one input with the gradient methods, best of five, one BLAS
 * thread. Usage: bench-attribution [ARCH [IG_STEPS [SMOOTH_SAMPLES]]] */

#define DEFAULT_ARCH                                                                               \
  "input(1,28,28), conv2d(16,5,pad=2), relu, maxpool2d(2), conv2d(32,5,pad=2), relu, "             \
  "maxpool2d(2), flatten, dense(128), relu, dense(10)"

typedef enum { SALIENCY, IG, IG_UNBATCHED, SMOOTH, LRP_EPSILON, LRP_EGB } Method;

static double
now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static GbStatus
run(GbModel *m, const float *x, size_t n, Method how, int count, GbError *err)
{
  int n_out = gb_model_n_outputs(m);
  GbTarget t = gb_target_class(n_out > 3 ? 3 : n_out - 1);
  GbAttribution a = {0};
  GbStatus st;
  if (how == SALIENCY) {
    st = gb_attribution_saliency(m, x, n, &t, false, &a, err);
  } else if (how == IG || how == IG_UNBATCHED) {
    GbIgConfig cfg;
    gb_ig_config_init(&cfg);
    cfg.steps = count;
    cfg.batch = how == IG ? cfg.batch : 1;
    st = gb_attribution_integrated_gradients(m, x, n, &t, &cfg, &a, NULL, NULL, err);
  } else if (how == LRP_EPSILON || how == LRP_EGB) {
    GbLrpPolicy p;
    gb_lrp_policy_init_preset(&p, how == LRP_EPSILON ? GB_LRP_PRESET_EPSILON
                                                     : GB_LRP_PRESET_EPSILON_GAMMA_BOX,
                              0.0f, 1.0f);
    GbLrpResult r;
    st = gb_attribution_lrp(m, x, n, &t, &p, &r, err);
    gb_lrp_result_clear(&r);
  } else {
    GbSmoothConfig cfg;
    gb_smooth_config_init(&cfg);
    cfg.samples = count;
    st = gb_attribution_smoothgrad(m, x, n, &t, &cfg, &a, NULL, NULL, NULL, err);
  }
  gb_attribution_clear(&a);
  return st;
}

/* Milliseconds: the best of five runs. */
static double
time_method(GbModel *m, const float *x, size_t n, Method how, int count)
{
  double best = 1e30;
  GbError err;
  for (int r = 0; r < 5; r++) {
    double t0 = now();
    if (run(m, x, n, how, count, &err) != GB_OK) {
      fprintf(stderr, "bench-attribution: %s\n", err.message);
      exit(1);
    }
    double dt = now() - t0;
    best = dt < best ? dt : best;
  }
  return best * 1e3;
}

int
main(int argc, char **argv)
{
  const char *arch = argc > 1 ? argv[1] : DEFAULT_ARCH;
  int steps = argc > 2 ? atoi(argv[2]) : 50, samples = argc > 3 ? atoi(argv[3]) : 50;
  GbModel *m;
  GbError err;
  if (gb_model_new_from_spec(arch, 1, &m, &err) != GB_OK) {
    fprintf(stderr, "bench-attribution: %s\n", err.message);
    return 1;
  }
  size_t n = gb_model_input_size(m);
  float *x = gb_alloc_floats(n);
  GbRng rng;
  gb_rng_seed(&rng, 2);
  for (size_t i = 0; i < n; i++) x[i] = (float)gb_rng_uniform(&rng);
  run(m, x, n, IG, steps, &err); /* warm-up: sizes the model's buffers */
  printf("%s\n", arch);
  printf("saliency          %9.2f ms\n", time_method(m, x, n, SALIENCY, 1));
  printf("IG-%-4d           %9.2f ms\n", steps, time_method(m, x, n, IG, steps));
  printf("IG-%-4d batch 1   %9.2f ms\n", steps, time_method(m, x, n, IG_UNBATCHED, steps));
  printf("SmoothGrad-%-4d   %9.2f ms\n", samples, time_method(m, x, n, SMOOTH, samples));
  printf("LRP-epsilon       %9.2f ms\n", time_method(m, x, n, LRP_EPSILON, 1));
  printf("LRP-eps-gamma-box %9.2f ms\n", time_method(m, x, n, LRP_EGB, 1));
  gb_free(x);
  gb_model_free(m);
  return 0;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "gb-alloc.h"
#include "gb-perturb.h"
#include "gb-rng.h"

/* Time of one explanation of one (1, 28, 28) input with the perturbation methods over 4 x 4
 * patches (49 segments), best of three, one BLAS thread.
 * Usage: bench-perturb [SHAP_SAMPLES [LIME_SAMPLES [ARCH]]] */

#define DEFAULT_ARCH                                                                               \
  "input(1,28,28), conv2d(16,5,pad=2), relu, maxpool2d(2), conv2d(32,5,pad=2), relu, "             \
  "maxpool2d(2), flatten, dense(128), relu, dense(10)"

typedef enum { OCCLUSION, SHAP, PERMUTATION, LIME } Method;

static double
now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static GbStatus
run(GbModel *m, const float *x, size_t n, const GbSegments *seg, Method how, int count,
    GbError *err)
{
  GbTarget t = gb_target_class(3);
  GbSegmentAttribution r = {0};
  GbAttribution a = {0};
  GbStatus st;
  if (how == OCCLUSION) {
    GbOcclusionConfig cfg;
    gb_occlusion_config_init(&cfg);
    st = gb_attribution_occlusion(m, x, n, &t, &cfg, &a, NULL, NULL, err);
  } else if (how == SHAP) {
    GbShapConfig cfg;
    gb_shap_config_init(&cfg);
    cfg.samples = count;
    st = gb_attribution_kernel_shap(m, x, n, &t, seg, &cfg, &r, NULL, NULL, err);
  } else if (how == PERMUTATION) {
    GbPermutationShapConfig cfg;
    gb_permutation_shap_config_init(&cfg);
    cfg.permutations = count;
    st = gb_attribution_permutation_shap(m, x, n, &t, seg, &cfg, &r, NULL, NULL, err);
  } else {
    GbLimeConfig cfg;
    gb_lime_config_init(&cfg);
    cfg.samples = count;
    st = gb_attribution_lime(m, x, n, &t, seg, &cfg, &r, NULL, NULL, err);
  }
  gb_attribution_clear(&a);
  gb_segment_attribution_clear(&r);
  return st;
}

/* Milliseconds: the best of three runs. */
static double
time_method(GbModel *m, const float *x, size_t n, const GbSegments *seg, Method how, int count)
{
  double best = 1e30;
  GbError err;
  for (int r = 0; r < 3; r++) {
    double t0 = now();
    if (run(m, x, n, seg, how, count, &err) != GB_OK) {
      fprintf(stderr, "bench-perturb: %s\n", err.message);
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
  int shap_samples = argc > 1 ? atoi(argv[1]) : 1024, lime_samples = argc > 2 ? atoi(argv[2]) : 1000;
  const char *arch = argc > 3 ? argv[3] : DEFAULT_ARCH;
  GbModel *m;
  GbSegments seg;
  GbError err;
  if (gb_model_new_from_spec(arch, 1, &m, &err) != GB_OK ||
      gb_segments_grid(&seg, gb_model_input_shape(m), 4, 4, &err) != GB_OK) {
    fprintf(stderr, "bench-perturb: %s\n", err.message);
    return 1;
  }
  size_t n = gb_model_input_size(m);
  float *x = gb_alloc_floats(n);
  GbRng rng;
  gb_rng_seed(&rng, 2);
  for (size_t i = 0; i < n; i++) x[i] = (float)gb_rng_uniform(&rng);
  run(m, x, n, &seg, LIME, 64, &err); /* warm-up: sizes the model's buffers */
  printf("%s\n%d segments\n", arch, seg.n_segments);
  printf("occlusion 4x4/2     %9.2f ms\n", time_method(m, x, n, &seg, OCCLUSION, 0));
  printf("KernelSHAP-%-6d   %9.2f ms\n", shap_samples,
         time_method(m, x, n, &seg, SHAP, shap_samples));
  printf("permutation-10 x2   %9.2f ms\n", time_method(m, x, n, &seg, PERMUTATION, 10));
  printf("LIME-%-6d         %9.2f ms\n", lime_samples,
         time_method(m, x, n, &seg, LIME, lime_samples));
  gb_segments_clear(&seg);
  gb_free(x);
  gb_model_free(m);
  return 0;
}

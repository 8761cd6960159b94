/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The factored first layer (src/xai/gb-affine-prefix.h) against the plain path, in one process
 * so that whatever else the machine does falls on both: ms per input (median of alternating
 * runs) of IG-50, occlusion (4 x 4, stride 2), KernelSHAP (1,024 coalitions) and LIME (1,000
 * samples) on 4 x 4 patches, one BLAS thread advised (OPENBLAS_NUM_THREADS=1).
 * Usage: bench-factor MODEL.safetensors [INPUTS [REPEATS]] */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "gb-affine-prefix.h"
#include "gb-alloc.h"
#include "gb-model-file.h"
#include "gb-perturb.h"
#include "gb-rng.h"
#include "gb-segments.h"

typedef enum { IG, OCCLUSION, KERNEL_SHAP, LIME, N_METHODS } Method;
static const char *const names[N_METHODS] = {"ig50", "occlusion", "kernelshap", "lime"};

static double
now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static GbStatus
run(GbModel *m, const float *x, const GbSegments *seg, Method how, GbError *err)
{
  size_t n = gb_model_input_size(m);
  GbTarget t = gb_target_class(0);
  GbAttribution a = {0};
  GbSegmentAttribution s = {0};
  GbStatus st;
  if (how == IG) {
    GbIgConfig cfg;
    gb_ig_config_init(&cfg);
    st = gb_attribution_integrated_gradients(m, x, n, &t, &cfg, &a, NULL, NULL, err);
  } else if (how == OCCLUSION) {
    GbOcclusionConfig cfg;
    gb_occlusion_config_init(&cfg);
    st = gb_attribution_occlusion(m, x, n, &t, &cfg, &a, NULL, NULL, err);
  } else if (how == KERNEL_SHAP) {
    GbShapConfig cfg;
    gb_shap_config_init(&cfg);
    cfg.samples = 1024;
    st = gb_attribution_kernel_shap(m, x, n, &t, seg, &cfg, &s, NULL, NULL, err);
  } else {
    GbLimeConfig cfg;
    gb_lime_config_init(&cfg);
    cfg.samples = 1000;
    st = gb_attribution_lime(m, x, n, &t, seg, &cfg, &s, NULL, NULL, err);
  }
  gb_attribution_clear(&a);
  gb_segment_attribution_clear(&s);
  return st;
}

static int
compare_doubles(const void *a, const void *b)
{
  double u = *(const double *)a, v = *(const double *)b;
  return (u > v) - (u < v);
}

int
main(int argc, char **argv)
{
  if (argc < 2) {
    fprintf(stderr, "usage: bench-factor MODEL.safetensors [INPUTS [REPEATS]]\n");
    return 2;
  }
  int inputs = argc > 2 ? atoi(argv[2]) : 10, repeats = argc > 3 ? atoi(argv[3]) : 3;
  GbModel *m = NULL;
  GbError err = {0};
  GbSegments seg = {0};
  if (gb_model_load(argv[1], &m, &err) != GB_OK ||
      gb_segments_grid(&seg, gb_model_input_shape(m), 4, 4, &err) != GB_OK) {
    fprintf(stderr, "bench-factor: %s\n", err.message);
    gb_model_free(m);
    return 1;
  }
  size_t n = gb_model_input_size(m);
  int count = inputs * repeats;
  float *x = gb_alloc_floats(n);
  double *times = malloc(sizeof(double) * 2 * count);
  GbRng rng;
  gb_rng_seed(&rng, 1);
  printf("%s: %d inputs x %d repeats, median ms per input\n", argv[1], inputs, repeats);
  for (Method how = 0; how < N_METHODS; how++) {
    for (int k = 0; k < count; k++) {
      /* Digit-like inputs: sparse bright strokes. */
      for (size_t i = 0; i < n; i++) {
        double u = gb_rng_uniform(&rng);
        x[i] = u > 0.8 ? (float)u : 0.0f;
      }
      for (int on = 0; on < 2; on++) {
        gb_affine_prefix_set_enabled(on);
        double t0 = now();
        if (run(m, x, &seg, how, &err) != GB_OK) {
          fprintf(stderr, "bench-factor: %s: %s\n", names[how], err.message);
          return 1;
        }
        times[on * count + k] = now() - t0;
      }
    }
    qsort(times, count, sizeof *times, compare_doubles);
    qsort(times + count, count, sizeof *times, compare_doubles);
    double plain = times[count / 2] * 1e3, factored = times[count + count / 2] * 1e3;
    printf("%-11s plain %8.3f  factored %8.3f ms/input  (%.2fx)\n", names[how], plain, factored,
           plain / factored);
  }
  gb_affine_prefix_set_enabled(true);
  free(times);
  gb_free(x);
  gb_segments_clear(&seg);
  gb_model_free(m);
  return 0;
}

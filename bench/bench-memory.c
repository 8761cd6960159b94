/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Peak memory of long jobs, one job per process (the kernel's high-water mark VmHWM only grows):
 *   bench-memory shap N     KernelSHAP with N samples (49 patches) on a 28x28 MLP
 *   bench-memory curve N    a faithfulness curve (gradient x input) over N synthetic digits,
 *                           or over the whole MNIST test set when N is 0 and it is fetched
 * Prints the resident set before the job (model and data loaded), the peak, and the gb_alloc
 * allocations the job made. Compare N = 1e4 with N = 1e6: bounded memory gives the same peak. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gb-alloc.h"
#include "gb-dataset.h"
#include "gb-faithfulness.h"
#include "gb-model.h"
#include "gb-perturb.h"
#include "gb-segments.h"
#include "gb-synthetic.h"

#define SPEC "input(1,28,28), flatten, dense(64), relu, dense(10)"

/* "VmRSS" or "VmHWM" from /proc/self/status, in MB. */
static double
status_mb(const char *field)
{
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  double kb = -1;
  size_t n = strlen(field);
  while (f && fgets(line, sizeof line, f))
    if (strncmp(line, field, n) == 0 && line[n] == ':')
      kb = atof(line + n + 1);
  if (f)
    fclose(f);
  return kb / 1024.0;
}

static double
now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int
main(int argc, char **argv)
{
  if (argc != 3 || (strcmp(argv[1], "shap") && strcmp(argv[1], "curve"))) {
    fprintf(stderr, "usage: %s shap|curve N\n", argv[0]);
    return 2;
  }
  long n = atol(argv[2]);
  GbError err = {0};
  GbModel *m = NULL;
  if (gb_model_new_from_spec(SPEC, 1, &m, &err) != GB_OK) {
    fprintf(stderr, "%s\n", err.message);
    return 1;
  }
  GbDataset *ds = NULL;
  const char *data_name = "synthetic digits";
  if (!strcmp(argv[1], "curve") && n == 0) {
    ds = gb_dataset_open("mnist-test", &err);
    data_name = "MNIST test set";
  } else {
    ds = gb_synthetic_images(strcmp(argv[1], "curve") ? 1 : (int)n, 10, 28, 2, 0.1, 1, &err);
  }
  if (ds == NULL) {
    fprintf(stderr, "%s\n", err.message);
    return 1;
  }
  GbDataView v = gb_dataset_view(ds);
  double before = status_mb("VmRSS"), t0 = now();
  gb_alloc_fail_after(0);
  GbStatus st;
  if (!strcmp(argv[1], "shap")) {
    GbSegments seg;
    gb_segments_grid(&seg, gb_model_input_shape(m), 4, 4, &err);
    GbShapConfig cfg;
    gb_shap_config_init(&cfg);
    cfg.samples = n;
    GbTarget t = gb_target_class(3);
    GbSegmentAttribution a;
    st = gb_attribution_kernel_shap(m, v.x, gb_model_input_size(m), &t, &seg, &cfg, &a, NULL,
                                    NULL, &err);
    printf("KernelSHAP, %ld samples, %d patches: %ld coalitions\n", n, seg.n_segments,
           a.n_coalitions);
    gb_segment_attribution_clear(&a);
    gb_segments_clear(&seg);
  } else {
    GbFaithfulnessConfig cfg;
    gb_faithfulness_config_init(&cfg);
    cfg.explain = gb_explain_batch_grad_x_input;
    GbFaithfulnessCurve c;
    st = gb_faithfulness_curve(m, &v, &cfg, &c, &err);
    printf("faithfulness curve over %d samples (%s), %d grid points, %d random rankings\n",
           v.n, data_name, c.n_grid, c.n_random);
    gb_faithfulness_curve_clear(&c);
  }
  if (st != GB_OK) {
    fprintf(stderr, "%s\n", err.message);
    return 1;
  }
  printf("  RSS before %.1f MB, peak %.1f MB, %ld gb_alloc allocations, %.1f s\n", before,
         status_mb("VmHWM"), gb_alloc_count(), now() - t0);
  gb_dataset_free(ds);
  gb_model_free(m);
  return 0;
}

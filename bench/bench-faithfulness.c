/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "gb-faithfulness.h"
#include "gb-synthetic.h"

/* Time of one keep-top-k (EP) curve with gradient x input over N synthetic 28x28 images on a
 * small CNN trained for two epochs: the default grid (10 points), 10 random rankings, batch
 * 64, zero baseline. Run with OPENBLAS_NUM_THREADS=1. Usage: bench-faithfulness [N [ARCH]] */

#define DEFAULT_ARCH                                                                               \
  "input(1,28,28), conv2d(8,5), relu, maxpool2d(2), flatten, dense(64), relu, dense(10)"

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
  fprintf(stderr, "bench-faithfulness: %s: %s\n", what, err->message);
  return 1;
}

int
main(int argc, char **argv)
{
  int n = argc > 1 ? atoi(argv[1]) : 1000;
  const char *arch = argc > 2 ? argv[2] : DEFAULT_ARCH;
  GbError err;
  GbDataset *train = gb_synthetic_images(2000, 10, 28, 2, 0.1, 1, &err);
  GbDataset *test = train != NULL ? gb_synthetic_images(n, 10, 28, 2, 0.1, 2, &err) : NULL;
  if (test == NULL)
    return fail("data", &err);
  GbModel *m;
  if (gb_model_new_from_spec(arch, 1, &m, &err) != GB_OK)
    return fail(arch, &err);
  GbTrainConfig tc;
  gb_train_config_init(&tc);
  tc.epochs = 2;
  GbDataView tv = gb_dataset_view(train), ev = gb_dataset_view(test);
  if (gb_train(m, &tv, NULL, &tc, NULL, &err) != GB_OK)
    return fail("training", &err);

  GbFaithfulnessConfig cfg;
  gb_faithfulness_config_init(&cfg);
  GbFaithfulnessCurve c;
  double t0 = now();
  if (gb_faithfulness_curve(m, &ev, &cfg, &c, &err) != GB_OK)
    return fail("curve", &err);
  double seconds = now() - t0;
  GbEpcSummary s;
  if (gb_epc_summarise(&c, &s, &err) != GB_OK)
    return fail("EPC", &err);
  printf("%d samples, %d grid points, %d random rankings: %.3f s (%.0f model evaluations/s)\n",
         n, c.n_grid, c.n_random, seconds,
         (double)n * (1 + c.n_grid * (1 + c.n_random)) / seconds);
  printf("rho      P(gxi)   P(random) +- sd\n");
  for (int k = 0; k < c.n_grid; k++)
    printf("%-8.2f %-8.3f %.3f +- %.3f\n", c.grid[k], c.explainer[k], c.random_mean[k],
           c.random_sd[k]);
  printf("EPC_area %.3f (random %.3f +- %.3f, delta %+.3f)\n", s.explainer.area,
         s.random_area_mean, s.random_area_sd, s.delta_area);
  printf("EPC_best %.3f at rho %.2f (random %.3f +- %.3f, delta %+.3f)\n", s.explainer.best,
         s.explainer.best_keep, s.random_best_mean, s.random_best_sd, s.delta_best);
  gb_faithfulness_curve_clear(&c);
  gb_model_free(m);
  gb_dataset_free(train);
  gb_dataset_free(test);
  return 0;
}

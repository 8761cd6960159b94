/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What one explanation job of the views costs on the bundled digits CNN: a working copy of the
 * model made per job (gb_model_handle_dup_model, then a first forward/backward that sizes its
 * scratch buffers) against a copy lent by the views' model pool (gb-explain-util-private.h).
 * Medians over many iterations, one BLAS thread. Usage: bench-ui-explain [ITERATIONS] */
#include "config.h"

#include <glib.h>
#include <stdio.h>
#include <stdlib.h>

#include "gb-explain-util-private.h"
#include "gb-model-handle.h"

static int
cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double
median_ms(double *t, int n)
{
  qsort(t, (size_t)n, sizeof *t, cmp_double);
  return 1000.0 * t[n / 2];
}

static double
seconds(void)
{
  return (double)g_get_monotonic_time() / G_USEC_PER_SEC;
}

static void
explain_once(GbModel *m, const float *x, GbMethod method)
{
  GbMethodConfig cfg;
  gb_method_config_init(&cfg, method);
  GbTarget t = gb_target_class(3);
  GbExplanation ex;
  GbError err = {0};
  if (gb_explain(m, x, 784, &t, &cfg, &ex, NULL, NULL, &err) != GB_OK) {
    fprintf(stderr, "bench-ui-explain: %s\n", err.message);
    exit(1);
  }
  gb_explanation_clear(&ex);
}

static void
bench_method(GbModelHandle *h, const float *x, GbMethod method, int iters)
{
  double *dup = g_new(double, iters), *per_job = g_new(double, iters),
         *pooled = g_new(double, iters);
  GbModelPool *pool = gb_model_pool_new(h);
  for (int i = 0; i < iters; i++) {
    double t0 = seconds();
    GbModel *m = gb_model_handle_dup_model(h, NULL);
    double t1 = seconds();
    explain_once(m, x, method);
    gb_model_free(m);
    double t2 = seconds();
    m = gb_model_pool_take(pool, NULL);
    explain_once(m, x, method);
    gb_model_pool_give(pool, m);
    double t3 = seconds();
    dup[i] = t1 - t0;
    per_job[i] = t2 - t0;
    pooled[i] = t3 - t2;
  }
  printf("%-22s dup alone %.3f ms | dup per job (dup + explain + free) %.3f ms | "
         "pooled copy %.3f ms\n",
         gb_method_id(method), median_ms(dup, iters), median_ms(per_job, iters),
         median_ms(pooled, iters));
  gb_model_pool_unref(pool);
  g_free(dup);
  g_free(per_job);
  g_free(pooled);
}

int
main(int argc, char **argv)
{
  int iters = argc > 1 ? atoi(argv[1]) : 300;
  g_autoptr(GError) error = NULL;
  g_autoptr(GbModelHandle) h = gb_model_handle_new_default("digits-cnn", &error);
  if (h == NULL) {
    fprintf(stderr, "bench-ui-explain: %s\n", error->message);
    return 1;
  }
  float x[784];
  for (int i = 0; i < 784; i++)
    x[i] = (float)((i * 37) % 101) / 100.0f;
  printf("digits-cnn: %s, %zu parameters, %d iterations\n", gb_model_handle_get_architecture(h),
         gb_model_n_params(gb_model_handle_get_model(h)), iters);
  bench_method(h, x, GB_METHOD_GRAD_X_INPUT, iters);
  bench_method(h, x, GB_METHOD_LRP, iters);
  return 0;
}

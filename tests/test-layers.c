/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib.h>
#include <math.h>

#include "gb-blas.h"
#include "gb-model.h"
#include "gb-test-util.h"

#define TOL 2e-3

static void
test_dense_backward(void)
{
  gb_test_assert_gradcheck("input(7), dense(5)", 3, false, TOL);
  gb_test_assert_gradcheck("input(2,3), dense(4), dense(3)", 4, false, TOL);
}

static void
test_activations_backward(void)
{
  gb_test_assert_gradcheck("input(6), dense(5), relu, dense(3)", 3, false, TOL);
  gb_test_assert_gradcheck("input(6), dense(5), leakyrelu(0.1), dense(3)", 3, false, TOL);
  gb_test_assert_gradcheck("input(6), dense(5), sigmoid, dense(3)", 3, false, TOL);
  gb_test_assert_gradcheck("input(6), dense(5), tanh, dense(3)", 3, false, TOL);
  gb_test_assert_gradcheck("input(6), dense(5), softmax", 3, false, TOL);
}

static void
test_dropout_backward(void)
{
  /* Training mode: the mask is random but fixed per forward because the test reseeds. */
  gb_test_assert_gradcheck("input(8), dense(6), dropout(0.5), dense(3)", 4, true, TOL);
  gb_test_assert_gradcheck("input(8), dense(6), dropout(0.5), dense(3)", 4, false, TOL);
}

static void
test_dropout_statistics(void)
{
  GbModel *m;
  GbError err;
  g_assert_cmpint(gb_model_new_from_spec("input(10000), dropout(0.3)", 1, &m, &err), ==, GB_OK);
  float *x = g_new(float, 10000);
  for (int i = 0; i < 10000; i++)
    x[i] = 1.0f;
  const float *y;
  g_assert_cmpint(gb_model_forward(m, x, 1, true, &y, &err), ==, GB_OK);
  int zeros = 0;
  double sum = 0;
  for (int i = 0; i < 10000; i++) {
    zeros += y[i] == 0.0f;
    sum += y[i];
    g_assert_true(y[i] == 0.0f || fabsf(y[i] - 1.0f / 0.7f) < 1e-6f);
  }
  /* About 30% dropped and the mean preserved (inverted dropout). */
  g_assert_cmpint(zeros, >, 2800);
  g_assert_cmpint(zeros, <, 3200);
  g_assert_cmpfloat(fabs(sum / 10000 - 1.0), <, 0.03);
  g_assert_cmpint(gb_model_forward(m, x, 1, false, &y, &err), ==, GB_OK);
  for (int i = 0; i < 10000; i++)
    g_assert_cmpfloat(y[i], ==, 1.0f);
  g_free(x);
  gb_model_free(m);
}

static void
test_softmax_sums_to_one(void)
{
  GbModel *m;
  GbError err;
  g_assert_cmpint(gb_model_new_from_spec("input(5), softmax", 1, &m, &err), ==, GB_OK);
  float x[10] = {1, 2, 3, 4, 100, -5, 0, 0, 0, 0};
  const float *y;
  g_assert_cmpint(gb_model_forward(m, x, 2, false, &y, &err), ==, GB_OK);
  for (int b = 0; b < 2; b++) {
    double s = 0;
    for (int j = 0; j < 5; j++) {
      g_assert_true(isfinite(y[b * 5 + j]));
      s += y[b * 5 + j];
    }
    g_assert_cmpfloat(fabs(s - 1.0), <, 1e-6);
  }
  g_assert_cmpfloat(y[4], >, 0.999f); /* the 100 dominates without overflow */
  gb_model_free(m);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/engine/dense/backward", test_dense_backward);
  g_test_add_func("/engine/activations/backward", test_activations_backward);
  g_test_add_func("/engine/dropout/backward", test_dropout_backward);
  g_test_add_func("/engine/dropout/statistics", test_dropout_statistics);
  g_test_add_func("/engine/softmax/normalised", test_softmax_sums_to_one);
  return g_test_run();
}

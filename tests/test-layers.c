/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib.h>
#include <float.h>
#include <math.h>
#include <string.h>

#include "gb-blas.h"
#include "gb-model.h"
#include "gb-test-util.h"

#define TOL 2e-3

/* cblas_sgemm through gb_sgemm against the naive triple loop, for every transpose combination,
 * alpha and beta, and leading dimensions wider than the matrices. */
static void
test_sgemm_matches_reference(void)
{
  const int m = 37, n = 29, k = 53, pad = 3;
  float *a = g_new(float, (m + pad) * (k + pad)), *b = g_new(float, (k + pad) * (n + pad));
  float *c0 = g_new(float, m * (n + pad)), *c1 = g_new(float, m * (n + pad));
  gb_test_fill_uniform(a, (m + pad) * (k + pad), -1, 1, 1);
  gb_test_fill_uniform(b, (k + pad) * (n + pad), -1, 1, 2);
  for (int ta = 0; ta < 2; ta++)
    for (int tb = 0; tb < 2; tb++)
      for (int ab = 0; ab < 2; ab++) {
        float alpha = ab ? 0.5f : 1.0f, beta = ab ? 2.0f : 0.0f;
        int lda = (ta ? m : k) + pad, ldb = (tb ? k : n) + pad, ldc = n + pad;
        gb_test_fill_uniform(c0, m * ldc, -1, 1, 3);
        memcpy(c1, c0, sizeof(float) * m * ldc);
        gb_sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c0, ldc);
        gb_sgemm_ref(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c1, ldc);
        for (int i = 0; i < m; i++)
          for (int j = 0; j < n; j++)
            g_assert_cmpfloat(fabsf(c0[i * ldc + j] - c1[i * ldc + j]), <, 1e-4f);
        /* The padding columns of C are not touched. */
        for (int i = 0; i < m; i++)
          for (int j = n; j < ldc; j++)
            g_assert_cmpfloat(c0[i * ldc + j], ==, c1[i * ldc + j]);
      }
  /* A hand example: [1 2; 3 4] x [5; 6] = [17; 39]. */
  float ha[4] = {1, 2, 3, 4}, hb[2] = {5, 6}, hc[2];
  gb_sgemm(false, false, 2, 1, 2, 1.0f, ha, 2, hb, 1, 0.0f, hc, 1);
  g_assert_cmpfloat(hc[0], ==, 17.0f);
  g_assert_cmpfloat(hc[1], ==, 39.0f);
  g_free(a);
  g_free(b);
  g_free(c0);
  g_free(c1);
}

/* A whole dense network gives the same outputs and gradients with the reference kernels. */
static void
test_dense_fast_matches_reference(void)
{
  GbModel *m;
  GbError err;
  g_assert_cmpint(gb_model_new_from_spec("input(50), dense(40), tanh, dense(7)", 2, &m, &err), ==,
                  GB_OK);
  float x[6 * 50], r[6 * 7], dx[2][6 * 50];
  gb_test_fill_uniform(x, 6 * 50, -1, 1, 4);
  gb_test_fill_uniform(r, 6 * 7, -1, 1, 5);
  float *grads[2];
  float y[2][6 * 7];
  for (int ref = 0; ref < 2; ref++) {
    gb_engine_set_reference_kernels(ref);
    const float *out;
    g_assert_cmpint(gb_model_forward(m, x, 6, false, &out, &err), ==, GB_OK);
    memcpy(y[ref], out, sizeof y[ref]);
    g_assert_cmpint(gb_model_backward(m, r, 6, dx[ref], true, &err), ==, GB_OK);
    grads[ref] = g_memdup2(gb_model_grads(m), gb_model_buffer_len(m) * sizeof(float));
  }
  gb_engine_set_reference_kernels(false);
  for (int i = 0; i < 6 * 7; i++)
    g_assert_cmpfloat(fabsf(y[0][i] - y[1][i]), <, 1e-5f);
  for (int i = 0; i < 6 * 50; i++)
    g_assert_cmpfloat(fabsf(dx[0][i] - dx[1][i]), <, 1e-5f);
  for (size_t i = 0; i < gb_model_buffer_len(m); i++)
    g_assert_cmpfloat(fabsf(grads[0][i] - grads[1][i]), <, 1e-5f);
  g_free(grads[0]);
  g_free(grads[1]);
  gb_model_free(m);
}

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

/* A model run in two ranges of layers gives the whole forward's logits and, backwards, the whole
 * backward's input gradient; a range that was not run forwards is refused. */
static void
test_model_ranges(void)
{
  const char *spec = "input(2,8,8), conv2d(3,3,pad=1), relu, maxpool2d(2), flatten, dense(7), "
                     "tanh, dense(4)";
  GbModel *m;
  GbError err;
  g_assert_cmpint(gb_model_new_from_spec(spec, 3, &m, &err), ==, GB_OK);
  enum { B = 3, N_IN = 128, N_OUT = 4 };
  float x[B * N_IN], dl[B * N_OUT], dx_whole[B * N_IN], dx_split[B * N_IN], logits[B * N_OUT];
  gb_test_fill_uniform(x, B * N_IN, -1.f, 1.f, 5);
  gb_test_fill_uniform(dl, B * N_OUT, -1.f, 1.f, 6);
  const float *y;
  g_assert_cmpint(gb_model_forward(m, x, B, false, &y, &err), ==, GB_OK);
  memcpy(logits, y, sizeof logits);
  g_assert_cmpint(gb_model_backward(m, dl, B, dx_whole, false, &err), ==, GB_OK);

  for (int k = 1; k < gb_model_n_layers(m); k++) {
    size_t mid_size = gb_layer_out_size(gb_model_get_layer(m, k - 1));
    float *mid = g_new(float, B * mid_size), *dmid = g_new(float, B * mid_size);
    const float *h;
    /* The first part's output is copied out: the second part's forward may reuse buffers. */
    g_assert_cmpint(gb_model_forward_range(m, 0, k, x, B, false, &h, &err), ==, GB_OK);
    memcpy(mid, h, B * mid_size * sizeof *mid);
    g_assert_cmpint(gb_model_forward_range(m, k, gb_model_n_layers(m), mid, B, false, &y, &err),
                    ==, GB_OK);
    for (int i = 0; i < B * N_OUT; i++) g_assert_cmpfloat(fabsf(y[i] - logits[i]), <, 1e-6f);
    g_assert_cmpint(gb_model_backward_range(m, k, gb_model_n_layers(m), dl, B, dmid, &err), ==,
                    GB_OK);
    /* Only the top range was run last: going on below it is refused... */
    GbStatus st = gb_model_backward_range(m, 0, k, dmid, B, dx_split, &err);
    g_assert_cmpint(st, ==, GB_ERR_INVALID);
    g_assert_nonnull(strstr(err.message, "matching forward"));
    /* ...and so is the whole backward. */
    st = gb_model_backward(m, dl, B, dx_split, false, &err);
    g_assert_cmpint(st, ==, GB_ERR_INVALID);
    g_assert_nonnull(strstr(err.message, "matching forward"));
    g_assert_cmpint(gb_model_forward_range(m, 0, k, x, B, false, NULL, &err), ==, GB_OK);
    g_assert_cmpint(gb_model_backward_range(m, 0, k, dmid, B, dx_split, &err), ==, GB_OK);
    for (int i = 0; i < B * N_IN; i++)
      g_assert_cmpfloat(fabsf(dx_split[i] - dx_whole[i]), <, 1e-5f);
    g_free(mid);
    g_free(dmid);
  }
  GbStatus st = gb_model_forward_range(m, 2, 2, x, B, false, &y, &err);
  g_assert_cmpint(st, ==, GB_ERR_INVALID);
  g_assert_nonnull(strstr(err.message, "layers [2, 2) of a model of 7 layers"));
  gb_model_free(m);
}

/* The first NaN or infinity is found wherever it lies relative to the scan's blocks; the largest
 * finite values, denormals and -0 are not flagged. */
static void
test_find_nonfinite(void)
{
  enum { N = 5000 };
  float *x = g_new(float, N);
  const float finite[] = {FLT_MAX, -FLT_MAX, FLT_MIN / 4, -0.0f, 1.0f};
  for (int i = 0; i < N; i++) x[i] = finite[i % 5];
  g_assert_cmpint(gb_floats_find_nonfinite(x, N), ==, -1);
  g_assert_cmpint(gb_floats_find_nonfinite(x, 0), ==, -1);
  const int at[] = {0, 1, 1023, 1024, 1025, 2047, 4999};
  const float bad[] = {NAN, INFINITY, -INFINITY};
  for (size_t a = 0; a < G_N_ELEMENTS(at); a++)
    for (size_t b = 0; b < G_N_ELEMENTS(bad); b++) {
      x[at[a]] = bad[b];
      if (at[a] + 700 < N)
        x[at[a] + 700] = NAN; /* a later one does not hide the first */
      g_assert_cmpint(gb_floats_find_nonfinite(x, N), ==, at[a]);
      /* Outside the scanned length it is not seen. */
      g_assert_cmpint(gb_floats_find_nonfinite(x, (size_t)at[a]), ==, -1);
      x[at[a]] = 1.0f;
      if (at[a] + 700 < N)
        x[at[a] + 700] = 1.0f;
    }
  g_free(x);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/engine/sgemm/matches-reference", test_sgemm_matches_reference);
  g_test_add_func("/engine/dense/fast-matches-reference", test_dense_fast_matches_reference);
  g_test_add_func("/engine/dense/backward", test_dense_backward);
  g_test_add_func("/engine/activations/backward", test_activations_backward);
  g_test_add_func("/engine/dropout/backward", test_dropout_backward);
  g_test_add_func("/engine/dropout/statistics", test_dropout_statistics);
  g_test_add_func("/engine/softmax/normalised", test_softmax_sums_to_one);
  g_test_add_func("/engine/model/ranges", test_model_ranges);
  g_test_add_func("/engine/tensor/find-nonfinite", test_find_nonfinite);
  return g_test_run();
}

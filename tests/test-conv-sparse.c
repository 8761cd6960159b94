/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The sparse backward of conv2d (src/engine/gb-layer-conv-sparse.c): against the reference
 * kernels and the dense fast path on mostly zero gradients, for geometries that exercise its
 * slots (segments of 3 to 100 floats, groups of slots, more than 32 filters), stride, padding
 * and batches of several tiles; that it hands dense and non-finite gradients back; and that a max
 * pooling's gradient takes it inside a model. */
#include "config.h"

#include <glib.h>
#include <math.h>
#include <string.h>

#include "gb-blas.h"
#include "gb-layer-conv-private.h"
#include "gb-model.h"
#include "gb-test-util.h"

/* dy with about @density of its values non-zero, uniform in [-1, 1) there. */
static float *
sparse_dy(size_t n, double density, uint64_t seed)
{
  float *dy = g_new(float, n), *keep = g_new(float, n);
  gb_test_fill_uniform(dy, n, -1.0f, 1.0f, seed);
  gb_test_fill_uniform(keep, n, 0.0f, 1.0f, seed + 1);
  for (size_t i = 0; i < n; i++)
    if (keep[i] >= density)
      dy[i] = 0.0f;
  g_free(keep);
  return dy;
}

typedef struct {
  float *dx, *grads;
} Grads;

static void
grads_clear(Grads *g)
{
  g_free(g->dx);
  g_free(g->grads);
}

/* One forward and backward of @m; @max_density for the sparse path (negative: each layer's
 * own limit), @reference for the naive kernels. */
static Grads
run(GbModel *m, const float *x, const float *dy, int batch, double max_density, bool reference)
{
  GbError err;
  const float *y;
  Grads g;
  size_t n_in = (size_t)batch * gb_model_input_size(m);
  g.dx = g_new(float, n_in);
  gb_conv_sparse_set_max_density(max_density);
  gb_engine_set_reference_kernels(reference);
  g_assert_cmpint(gb_model_forward(m, x, batch, true, &y, &err), ==, GB_OK);
  g_assert_cmpint(gb_model_backward(m, dy, batch, g.dx, true, &err), ==, GB_OK);
  gb_engine_set_reference_kernels(false);
  gb_conv_sparse_set_max_density(-1.0);
  g.grads = g_memdup2(gb_model_grads(m), gb_model_buffer_len(m) * sizeof(float));
  return g;
}

static void
assert_close(const char *spec, const char *what, const Grads *a, const Grads *b, size_t n_in,
             size_t n_par)
{
  double edx = gb_test_rel_diff(a->dx, b->dx, n_in), epar = gb_test_rel_diff(a->grads, b->grads, n_par);
  g_test_message("%s, %s: relative differences dx %.1e, parameters %.1e", spec, what, edx, epar);
  g_assert_cmpfloat(edx, <, 1e-5);
  g_assert_cmpfloat(epar, <, 1e-5);
}

/* The layer of @spec with a dy of @density: the sparse path runs, and agrees with the
 * reference and the dense path; dx alone and the parameter gradients alone are the same
 * numbers. */
static void
check_layer(const char *spec, int filters, int batch, double density)
{
  GbModel *m = gb_test_model_new(spec, 3);
  GbError err;
  size_t n_in = (size_t)batch * gb_model_input_size(m), n_par = gb_model_buffer_len(m);
  size_t n_out = (size_t)batch * gb_model_n_outputs(m);
  float *x = g_new(float, n_in), *dy = sparse_dy(n_out, density, 21);
  gb_test_fill_uniform(x, n_in, -1.0f, 1.0f, 20);
  /* A sample with no gradient at all, and a filter with none in any sample. */
  size_t per = gb_model_n_outputs(m), plane = per / (size_t)filters;
  memset(dy + per, 0, per * sizeof(float));
  for (int n = 0; n < batch; n++)
    memset(dy + n * per + plane, 0, plane * sizeof(float));

  unsigned long uses = gb_conv_sparse_uses();
  Grads sparse = run(m, x, dy, batch, 0.5, false);
  g_assert_cmpuint(gb_conv_sparse_uses(), ==, uses + 1);
  Grads dense = run(m, x, dy, batch, 0.0, false);
  Grads ref = run(m, x, dy, batch, 0.5, true);
  g_assert_cmpuint(gb_conv_sparse_uses(), ==, uses + 1);
  assert_close(spec, "sparse vs reference", &sparse, &ref, n_in, n_par);
  assert_close(spec, "sparse vs dense", &sparse, &dense, n_in, n_par);

  /* Partial backwards after a full one: the same numbers; without parameter gradients the
   * gradients are left alone. */
  float *grads = gb_model_grads(m), *dx = g_new(float, n_in);
  const float *y;
  g_assert_cmpint(gb_model_forward(m, x, batch, true, &y, &err), ==, GB_OK);
  memset(grads, 0, n_par * sizeof(float));
  g_assert_cmpint(gb_model_backward(m, dy, batch, NULL, true, &err), ==, GB_OK);
  g_assert_cmpmem(grads, n_par * sizeof(float), sparse.grads, n_par * sizeof(float));
  for (size_t i = 0; i < n_par; i++)
    grads[i] = 12345.0f;
  g_assert_cmpint(gb_model_backward(m, dy, batch, dx, false, &err), ==, GB_OK);
  g_assert_cmpmem(dx, n_in * sizeof(float), sparse.dx, n_in * sizeof(float));
  for (size_t i = 0; i < n_par; i++)
    g_assert_cmpfloat(grads[i], ==, 12345.0f);
  g_assert_cmpuint(gb_conv_sparse_uses(), ==, uses + 3);

  g_free(dx);
  grads_clear(&sparse);
  grads_clear(&dense);
  grads_clear(&ref);
  g_free(x);
  g_free(dy);
  gb_model_free(m);
}

static void
test_sparse_matches_reference(void)
{
  /* LeNet's conv2: segments of 40 floats, 15 slots in one group. */
  check_layer("input(8,12,12), conv2d(16,5)", 16, 5, 0.2);
  /* The digits CNN's conv2: 25 slots in two groups, padding. */
  check_layer("input(16,14,14), conv2d(32,5,pad=2)", 32, 3, 0.2);
  /* Segments of 100 floats: 35 slots in three groups. */
  check_layer("input(20,8,8), conv2d(6,5)", 6, 4, 0.3);
  /* More than 32 filters: two words of filter mask. */
  check_layer("input(4,9,9), conv2d(40,3,pad=1)", 40, 3, 0.1);
  /* Segments of exactly 16 and of 40 with a 1x1 kernel. */
  check_layer("input(4,10,10), conv2d(7,4)", 7, 3, 0.2);
  check_layer("input(40,6,6), conv2d(5,1)", 5, 3, 0.2);
  /* Stride and padding; segments of 5 floats (one input channel) and of 6. */
  check_layer("input(1,28,28), conv2d(8,5,stride=2)", 8, 4, 0.2);
  check_layer("input(3,20,20), conv2d(16,5,stride=2,pad=2)", 16, 3, 0.25);
  check_layer("input(2,7,5), conv2d(3,3,stride=2,pad=1)", 3, 4, 0.3);
  check_layer("input(3,9,8), conv2d(5,4,pad=3)", 5, 3, 0.3);
  check_layer("input(2,6,9), conv2d(4,3,stride=3,pad=2)", 4, 3, 0.3);
  /* Batches of several tiles (of 20 samples here, of 128 for LeNet's conv2). */
  check_layer("input(16,14,14), conv2d(32,5,pad=2)", 32, 45, 0.2);
  check_layer("input(8,12,12), conv2d(16,5)", 16, 130, 0.25);
  /* The densest dy it takes. */
  check_layer("input(8,12,12), conv2d(16,5)", 16, 4, 0.49);
}

/* A dense dy, and a sparse one with a NaN or an infinity, go to the dense path, whose numbers
 * (the non-finite ones included) come out unchanged. */
static void
test_sparse_falls_back(void)
{
  const char *spec = "input(8,12,12), conv2d(16,5)";
  const int batch = 3;
  GbModel *m = gb_test_model_new(spec, 4);
  size_t n_in = (size_t)batch * gb_model_input_size(m), n_par = gb_model_buffer_len(m);
  size_t n_out = (size_t)batch * gb_model_n_outputs(m);
  float *x = g_new(float, n_in);
  gb_test_fill_uniform(x, n_in, -1.0f, 1.0f, 30);
  const float bad[] = {NAN, INFINITY, -INFINITY};
  for (int k = 0; k < 4; k++) {
    float *dy = sparse_dy(n_out, k == 0 ? 0.8 : 0.1, 31 + (uint64_t)k);
    if (k > 0)
      dy[n_out / 2 + 7] = bad[k - 1];
    unsigned long uses = gb_conv_sparse_uses();
    Grads on = run(m, x, dy, batch, 0.5, false);
    Grads off = run(m, x, dy, batch, 0.0, false);
    g_assert_cmpuint(gb_conv_sparse_uses(), ==, uses);
    g_assert_cmpmem(on.dx, n_in * sizeof(float), off.dx, n_in * sizeof(float));
    g_assert_cmpmem(on.grads, n_par * sizeof(float), off.grads, n_par * sizeof(float));
    if (k > 0) {
      size_t n_bad = 0;
      for (size_t i = 0; i < n_in; i++)
        n_bad += !isfinite(on.dx[i]);
      g_assert_cmpuint(n_bad, >, 0);
    }
    grads_clear(&on);
    grads_clear(&off);
    g_free(dy);
  }
  /* A threshold below the share hands it back too. */
  float *dy = sparse_dy(n_out, 0.3, 40);
  unsigned long uses = gb_conv_sparse_uses();
  Grads low = run(m, x, dy, batch, 0.1, false);
  g_assert_cmpuint(gb_conv_sparse_uses(), ==, uses);
  grads_clear(&low);
  g_free(dy);
  g_free(x);
  gb_model_free(m);
}

/* Whether the path is taken at a share of non-zero dy, by each layer's own limit. */
static bool
taken_at(const char *spec, double density)
{
  const int batch = 4;
  GbModel *m = gb_test_model_new(spec, 6);
  size_t n_in = (size_t)batch * gb_model_input_size(m);
  size_t n_out = (size_t)batch * gb_model_n_outputs(m);
  float *x = g_new(float, n_in), *dy = sparse_dy(n_out, density, 60);
  gb_test_fill_uniform(x, n_in, -1.0f, 1.0f, 61);
  unsigned long uses = gb_conv_sparse_uses();
  Grads g = run(m, x, dy, batch, -1.0, false);
  bool taken = gb_conv_sparse_uses() > uses;
  grads_clear(&g);
  g_free(x);
  g_free(dy);
  gb_model_free(m);
  return taken;
}

/* Segments that fill their 16-lane slots (LeNet's conv2: 40 floats in 48 lanes) take dy up to
 * half non-zero; 6 floats in 16 lanes (2 channels, 3x3) only up to 0.75 x 6 / 16 = 0.28. */
static void
test_sparse_layer_limit(void)
{
  g_assert_true(taken_at("input(8,12,12), conv2d(16,5)", 0.45));
  g_assert_false(taken_at("input(8,12,12), conv2d(16,5)", 0.55));
  g_assert_true(taken_at("input(2,20,20), conv2d(16,3,stride=2)", 0.2));
  g_assert_false(taken_at("input(2,20,20), conv2d(16,3,stride=2)", 0.35));
}

/* In a LeNet-like model the max pooling's gradient takes the sparse path at the second
 * convolution; every gradient agrees with the reference kernels, and with finite
 * differences. */
static void
test_sparse_under_maxpool(void)
{
  const char *spec = "input(1,28,28), conv2d(8,5), relu, maxpool2d(2), conv2d(16,5), relu, "
                     "maxpool2d(2), flatten, dense(10)";
  const int batch = 6;
  GbModel *m = gb_test_model_new(spec, 5);
  size_t n_in = (size_t)batch * gb_model_input_size(m), n_par = gb_model_buffer_len(m);
  size_t n_out = (size_t)batch * gb_model_n_outputs(m);
  float *x = g_new(float, n_in), *dy = g_new(float, n_out);
  gb_test_fill_uniform(x, n_in, 0.0f, 1.0f, 50);
  gb_test_fill_uniform(dy, n_out, -1.0f, 1.0f, 51);
  unsigned long uses = gb_conv_sparse_uses();
  Grads fast = run(m, x, dy, batch, 0.5, false);
  g_assert_cmpuint(gb_conv_sparse_uses(), ==, uses + 1);
  Grads ref = run(m, x, dy, batch, 0.5, true);
  assert_close(spec, "model vs reference", &fast, &ref, n_in, n_par);
  for (int i = 0; i < gb_model_n_tensors(m); i++) {
    GbModelTensor t;
    gb_model_get_tensor(m, i, &t);
    size_t off = (size_t)(t.grad - gb_model_grads(m));
    g_assert_cmpfloat(gb_test_rel_diff(fast.grads + off, ref.grads + off, t.count), <, 1e-5);
  }
  grads_clear(&fast);
  grads_clear(&ref);
  g_free(x);
  g_free(dy);
  gb_model_free(m);

  uses = gb_conv_sparse_uses();
  gb_test_assert_gradcheck("input(4,8,8), conv2d(6,3,pad=1), relu, maxpool2d(2)", 2, false, 2e-3);
  g_assert_cmpuint(gb_conv_sparse_uses(), >, uses);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
#if !defined(__AVX512F__) || !defined(__AVX512VL__)
  /* Without AVX-512 the dense path does every backward; test-conv covers it. */
  g_test_skip("the sparse backward needs AVX-512");
  return g_test_run();
#endif
  g_test_add_func("/engine/conv2d/sparse/matches-reference", test_sparse_matches_reference);
  g_test_add_func("/engine/conv2d/sparse/falls-back", test_sparse_falls_back);
  g_test_add_func("/engine/conv2d/sparse/layer-limit", test_sparse_layer_limit);
  g_test_add_func("/engine/conv2d/sparse/under-maxpool", test_sparse_under_maxpool);
  return g_test_run();
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib.h>
#include <math.h>
#include <string.h>

#include "gb-alloc.h"
#include "gb-blas.h"
#include "gb-layer-conv-private.h"
#include "gb-model.h"
#include "gb-test-util.h"

#define TOL 2e-3

/* ---- helpers ---- */

static GbModel *
model_new(const char *spec)
{
  GbModel *m;
  GbError err;
  if (gb_model_new_from_spec(spec, 3, &m, &err) != GB_OK)
    g_error("%s: %s", spec, err.message);
  return m;
}

/* Copies @values into the tensor called @name. */
static void
set_tensor(GbModel *m, const char *name, const float *values, size_t n)
{
  GbModelTensor t;
  int i = gb_model_find_tensor(m, name);
  g_assert_cmpint(i, >=, 0);
  gb_model_get_tensor(m, i, &t);
  g_assert_cmpuint(t.count, ==, n);
  memcpy(t.data, values, n * sizeof(float));
}

static GbModelTensor
get_tensor(GbModel *m, const char *name)
{
  GbModelTensor t;
  int i = gb_model_find_tensor(m, name);
  g_assert_cmpint(i, >=, 0);
  gb_model_get_tensor(m, i, &t);
  return t;
}

static void
assert_floats(const float *got, const float *want, size_t n, double tol)
{
  for (size_t i = 0; i < n; i++)
    if (fabs((double)got[i] - want[i]) > tol)
      g_error("entry %zu: got %.7g, want %.7g", i, (double)got[i], (double)want[i]);
}

static void
gradcheck_both_paths(const char *const *specs, int batch)
{
  for (int i = 0; specs[i] != NULL; i++) {
    gb_test_assert_gradcheck(specs[i], batch, false, TOL);
    gb_engine_set_reference_kernels(true);
    gb_test_assert_gradcheck(specs[i], batch, false, TOL);
    gb_engine_set_reference_kernels(false);
  }
}

/* ---- gradient checks ---- */

static void
test_conv_backward(void)
{
  static const char *const specs[] = {
      "input(1,5,5), conv2d(2,3)",
      "input(3,6,6), conv2d(4,3,stride=2)",
      "input(2,7,5), conv2d(3,3,pad=1)",
      "input(2,7,5), conv2d(3,2,stride=2,pad=2)",
      "input(3,8,6), conv2d(2,4,stride=2,pad=1)",
      "input(2,5,4), conv2d(2,3,stride=3,pad=2)",
      "input(2,4,4), conv2d(3,1)",
      "input(1,5,5), conv2d(2,5)",
      NULL,
  };
  gradcheck_both_paths(specs, 2);
}

/* Shapes that take the direct path (stride 1, c k k <= 32): one and two channels, padding 0 to
 * 2, odd sizes, more filters than one block of 8, rows longer than one vector. */
static const char *const direct_specs[] = {
    "input(1,6,5), conv2d(3,3)",
    "input(1,6,7), conv2d(2,3,pad=2)",
    "input(2,5,7), conv2d(9,2,pad=1)",
    "input(2,7,6), conv2d(3,4,pad=2)",
    "input(1,5,19), conv2d(2,5,pad=1)",
    "input(1,4,4), conv2d(3,1)",
    NULL,
};

static void
test_conv_direct_backward(void)
{
  gradcheck_both_paths(direct_specs, 3);
}

static void
test_maxpool_backward(void)
{
  gb_test_assert_gradcheck("input(2,6,6), maxpool2d(2)", 2, false, TOL);
  gb_test_assert_gradcheck("input(2,7,5), maxpool2d(3,stride=2)", 2, false, TOL);
  gb_test_assert_gradcheck("input(3,5,5), maxpool2d(2,stride=1)", 2, false, TOL);
  gb_test_assert_gradcheck("input(1,7,7), maxpool2d(3)", 3, false, TOL);
}

static void
test_avgpool_backward(void)
{
  gb_test_assert_gradcheck("input(2,6,4), avgpool2d(2)", 2, false, TOL);
  gb_test_assert_gradcheck("input(2,7,5), avgpool2d(3,stride=2)", 2, false, TOL);
  gb_test_assert_gradcheck("input(1,5,6), avgpool2d(2,stride=1)", 3, false, TOL);
}

static void
test_conv_stack_backward(void)
{
  static const char *const specs[] = {
      "input(2,8,8), conv2d(3,3,pad=1), relu, maxpool2d(2), flatten, dense(4)",
      "input(1,9,7), conv2d(2,3,stride=2), tanh, avgpool2d(2,stride=1), conv2d(2,2), flatten, "
      "dense(3)",
      NULL,
  };
  gradcheck_both_paths(specs, 3);
}

/* ---- the fast path against the reference ---- */

typedef struct {
  float *y, *dx, *grads;
} Pass;

static void
pass_clear(Pass *p)
{
  g_free(p->y);
  g_free(p->dx);
  g_free(p->grads);
}

/* One forward and backward with the fast or the reference kernels. */
static Pass
run_pass(GbModel *m, const float *x, const float *dy, int batch, bool reference)
{
  GbError err;
  const float *y;
  size_t n_in = (size_t)batch * gb_model_input_size(m);
  size_t n_out = (size_t)batch * gb_model_n_outputs(m);
  Pass p;
  gb_engine_set_reference_kernels(reference);
  g_assert_cmpint(gb_model_forward(m, x, batch, true, &y, &err), ==, GB_OK);
  p.y = g_memdup2(y, n_out * sizeof(float));
  p.dx = g_new(float, n_in);
  g_assert_cmpint(gb_model_backward(m, dy, batch, p.dx, true, &err), ==, GB_OK);
  p.grads = g_memdup2(gb_model_grads(m), gb_model_buffer_len(m) * sizeof(float));
  gb_engine_set_reference_kernels(false);
  return p;
}

/* The first layer's backward without dx, or without parameter gradients, gives the same numbers
 * as the full one (and leaves the gradients alone when asked to). */
static void
check_partial_backward(GbModel *m, const float *dy, int batch, const Pass *full)
{
  GbError err;
  size_t len = gb_model_buffer_len(m), n_in = (size_t)batch * gb_model_input_size(m);
  float *grads = gb_model_grads(m), *dx = g_new(float, n_in);
  memset(grads, 0, len * sizeof(float));
  /* The previous backward wrote dcol over the forward's im2col: this one must redo it. */
  g_assert_cmpint(gb_model_backward(m, dy, batch, NULL, true, &err), ==, GB_OK);
  assert_floats(grads, full->grads, len, 0.0);
  for (size_t i = 0; i < len; i++)
    grads[i] = 12345.0f;
  g_assert_cmpint(gb_model_backward(m, dy, batch, dx, false, &err), ==, GB_OK);
  assert_floats(dx, full->dx, n_in, 0.0);
  for (size_t i = 0; i < len; i++)
    g_assert_cmpfloat(grads[i], ==, 12345.0f);
  g_free(dx);
}

/* @warm_batch > 0 runs a smaller batch first, so that the scratch is sized again for @batch. */
static void
compare_paths(const char *spec, int batch, int warm_batch)
{
  GbModel *m = model_new(spec);
  size_t n_in = (size_t)batch * gb_model_input_size(m);
  size_t n_out = (size_t)batch * gb_model_n_outputs(m);
  float *x = g_new(float, n_in), *dy = g_new(float, n_out);
  gb_test_fill_uniform(x, n_in, -1.0f, 1.0f, 11);
  gb_test_fill_uniform(dy, n_out, -1.0f, 1.0f, 12);
  /* Non-zero biases, so that a bias that is not added shows. */
  GbModelTensor b = get_tensor(m, "conv2d1.bias");
  gb_test_fill_uniform(b.data, b.count, -0.5f, 0.5f, 13);

  if (warm_batch > 0) {
    Pass warm = run_pass(m, x, dy, warm_batch, false);
    pass_clear(&warm);
  }
  Pass fast = run_pass(m, x, dy, batch, false);
  check_partial_backward(m, dy, batch, &fast);
  Pass ref = run_pass(m, x, dy, batch, true);
  GbModelTensor w = get_tensor(m, "conv2d1.weight");
  size_t w_off = (size_t)(w.grad - gb_model_grads(m)), b_off = (size_t)(b.grad - gb_model_grads(m));
  double ey = gb_test_rel_diff(fast.y, ref.y, n_out), edx = gb_test_rel_diff(fast.dx, ref.dx, n_in);
  double edw = gb_test_rel_diff(fast.grads + w_off, ref.grads + w_off, w.count);
  double edb = gb_test_rel_diff(fast.grads + b_off, ref.grads + b_off, b.count);
  g_test_message("%s, batch %d: relative differences y %.1e dx %.1e dW %.1e db %.1e", spec, batch,
                 ey, edx, edw, edb);
  g_assert_cmpfloat(ey, <, 1e-5);
  g_assert_cmpfloat(edx, <, 1e-5);
  g_assert_cmpfloat(edw, <, 1e-5);
  g_assert_cmpfloat(edb, <, 1e-5);
  pass_clear(&fast);
  pass_clear(&ref);
  g_free(x);
  g_free(dy);
  gb_model_free(m);
}

static void
test_conv_fast_matches_reference(void)
{
  /* LeNet's two convolutions, with batches that split into several gemm blocks. */
  compare_paths("input(1,28,28), conv2d(8,5)", 10, 0);
  compare_paths("input(8,12,12), conv2d(16,5)", 9, 2);
  compare_paths("input(3,20,20), conv2d(16,5,stride=2,pad=2)", 11, 3);
  compare_paths("input(2,7,5), conv2d(3,3,stride=2,pad=1)", 4, 0);
  /* Padding as large as the kernel: some taps see only padding in some rows. */
  compare_paths("input(3,9,8), conv2d(5,4,pad=3)", 3, 0);
  compare_paths("input(2,6,9), conv2d(4,3,stride=3,pad=2)", 3, 0);
}

/* The rule picks the direct path for small stride-1 filters only. */
static void
test_conv_direct_rule(void)
{
  GbConvGeom lenet1 = {.c = 1, .h = 28, .w = 28, .f = 8, .k = 5, .s = 1, .ckk = 25};
  GbConvGeom lenet2 = {.c = 8, .h = 12, .w = 12, .f = 16, .k = 5, .s = 1, .ckk = 200};
  GbConvGeom strided = lenet1, two = lenet1;
  strided.s = 2;
  two.c = 2;
  two.k = 3;
  two.ckk = 18;
  g_assert_true(gb_conv_direct_suits(&lenet1));
  g_assert_true(gb_conv_direct_suits(&two));
  g_assert_false(gb_conv_direct_suits(&lenet2));
  g_assert_false(gb_conv_direct_suits(&strided));
}

/* The direct path against the reference: outputs, dx, dW and db, with batches > 1. */
static void
test_conv_direct_matches_reference(void)
{
  for (int i = 0; direct_specs[i] != NULL; i++)
    compare_paths(direct_specs[i], 5, 2);
  compare_paths("input(2,17,40), conv2d(11,4,pad=1)", 3, 0);
  compare_paths("input(1,31,29), conv2d(16,5,pad=2), relu, conv2d(4,3)", 4, 1);
}

/* ---- hand-computed examples ---- */

static const float x3x3[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
static const float k2x2[4] = {1, 2, 3, 4};

/* y = conv(x, k) + b by hand; backward with dy = 1 everywhere. */
static void
check_hand_conv(bool reference)
{
  GbModel *m = model_new("input(1,3,3), conv2d(1,2)");
  GbError err;
  const float bias = 0.5f;
  set_tensor(m, "conv2d1.weight", k2x2, 4);
  set_tensor(m, "conv2d1.bias", &bias, 1);
  g_assert_cmpint(gb_model_n_outputs(m), ==, 4);
  gb_engine_set_reference_kernels(reference);
  const float *y;
  g_assert_cmpint(gb_model_forward(m, x3x3, 1, false, &y, &err), ==, GB_OK);
  /* 1*1 + 2*2 + 3*4 + 4*5 = 37, then windows moved right and down. */
  const float want_y[4] = {37.5f, 47.5f, 67.5f, 77.5f};
  assert_floats(y, want_y, 4, 1e-5);

  const float dy[4] = {1, 1, 1, 1};
  float dx[9];
  g_assert_cmpint(gb_model_backward(m, dy, 1, dx, true, &err), ==, GB_OK);
  /* dx: each weight counted once per window covering the pixel. */
  const float want_dx[9] = {1, 3, 2, 4, 10, 6, 3, 7, 4};
  /* dW: the sum of the pixels each weight sees, e.g. w00 sees 1 + 2 + 4 + 5. */
  const float want_dw[4] = {12, 16, 24, 28};
  const float want_db = 4;
  assert_floats(dx, want_dx, 9, 1e-5);
  assert_floats(get_tensor(m, "conv2d1.weight").grad, want_dw, 4, 1e-5);
  assert_floats(get_tensor(m, "conv2d1.bias").grad, &want_db, 1, 1e-5);
  gb_engine_set_reference_kernels(false);
  gb_model_free(m);
}

/* Stride 2 and padding 1 on the same input: the 5x5 padded image, windows at rows and columns
 * -1..0 and 1..2. */
static void
check_hand_conv_padded(bool reference)
{
  GbModel *m = model_new("input(1,3,3), conv2d(1,2,stride=2,pad=1)");
  GbError err;
  const float bias = 0.0f;
  set_tensor(m, "conv2d1.weight", k2x2, 4);
  set_tensor(m, "conv2d1.bias", &bias, 1);
  g_assert_cmpint(gb_model_n_outputs(m), ==, 4);
  gb_engine_set_reference_kernels(reference);
  const float *y;
  g_assert_cmpint(gb_model_forward(m, x3x3, 1, false, &y, &err), ==, GB_OK);
  /* (0,0): only x00 under w11 = 1*4; (0,1): x01 w10 + x02 w11 = 2*3 + 3*4;
   * (1,0): x10 w01 + x20 w11 = 4*2 + 7*4; (1,1): 5*1 + 6*2 + 8*3 + 9*4. */
  const float want_y[4] = {4, 18, 36, 77};
  assert_floats(y, want_y, 4, 1e-5);

  /* Only output (0,1) gets a gradient: it reaches x01 (via w10) and x02 (via w11). */
  const float dy[4] = {0, 1, 0, 0};
  float dx[9];
  g_assert_cmpint(gb_model_backward(m, dy, 1, dx, true, &err), ==, GB_OK);
  const float want_dx[9] = {0, 3, 4, 0, 0, 0, 0, 0, 0};
  const float want_dw[4] = {0, 0, 2, 3};
  assert_floats(dx, want_dx, 9, 1e-5);
  assert_floats(get_tensor(m, "conv2d1.weight").grad, want_dw, 4, 1e-5);
  gb_engine_set_reference_kernels(false);
  gb_model_free(m);
}

static void
test_conv_hand_example(void)
{
  check_hand_conv(false);
  check_hand_conv(true);
  check_hand_conv_padded(false);
  check_hand_conv_padded(true);
}

/* Two samples and two channels: channel sums, filters and the batch are kept apart. */
static void
test_conv_channels_by_hand(void)
{
  GbModel *m = model_new("input(2,2,2), conv2d(2,2)");
  GbError err;
  /* Filter 0 adds channel 0 and subtracts channel 1; filter 1 takes channel 1 twice. */
  const float w[16] = {1, 1, 1, 1, -1, -1, -1, -1, 0, 0, 0, 0, 2, 2, 2, 2};
  const float b[2] = {10, 20};
  set_tensor(m, "conv2d1.weight", w, 16);
  set_tensor(m, "conv2d1.bias", b, 2);
  const float x[16] = {1, 2, 3, 4, 0, 0, 0, 1, /* sample 0 */ -1, -1, -1, -1, 5, 5, 5, 5};
  const float want[4] = {10 + 10 - 1, 20 + 2, 10 - 4 - 20, 20 + 40};
  for (int reference = 0; reference < 2; reference++) {
    const float *y;
    gb_engine_set_reference_kernels(reference);
    g_assert_cmpint(gb_model_forward(m, x, 2, false, &y, &err), ==, GB_OK);
    assert_floats(y, want, 4, 1e-5);
  }
  gb_engine_set_reference_kernels(false);
  gb_model_free(m);
}

/* 1 3 | 2 2
 * 5 0 | 2 1
 * ----+-----
 * -1 -2 | 7 7
 * -3 -4 | 7 6 */
static const float x4x4[16] = {1, 3, 2, 2, 5, 0, 2, 1, -1, -2, 7, 7, -3, -4, 7, 6};

static void
test_maxpool_picks_max(void)
{
  GbModel *m = model_new("input(1,4,4), maxpool2d(2)");
  GbError err;
  const float *y;
  g_assert_cmpint(gb_model_forward(m, x4x4, 1, false, &y, &err), ==, GB_OK);
  const float want_y[4] = {5, 2, -1, 7};
  assert_floats(y, want_y, 4, 0.0);
  const float dy[4] = {1, 2, 3, 4};
  float dx[16];
  g_assert_cmpint(gb_model_backward(m, dy, 1, dx, false, &err), ==, GB_OK);
  /* The whole gradient goes to the maximum; with ties (2 2 / 2 1 and 7 7 / 7 6), to the first
   * in row-major order. */
  const float want_dx[16] = {0, 0, 2, 0, 1, 0, 0, 0, 3, 0, 4, 0, 0, 0, 0, 0};
  assert_floats(dx, want_dx, 16, 0.0);
  gb_model_free(m);

  /* Overlapping 3x3 windows with stride 1: the 7 at (2,2) is the first maximum of all four,
   * so it collects all four gradients. */
  m = model_new("input(1,4,4), maxpool2d(3,stride=1)");
  g_assert_cmpint(gb_model_forward(m, x4x4, 1, false, &y, &err), ==, GB_OK);
  const float sevens[4] = {7, 7, 7, 7};
  assert_floats(y, sevens, 4, 0.0);
  g_assert_cmpint(gb_model_backward(m, dy, 1, dx, false, &err), ==, GB_OK);
  for (int i = 0; i < 16; i++)
    g_assert_cmpfloat(dx[i], ==, i == 10 ? 10.0f : 0.0f);
  gb_model_free(m);
}

static void
test_maxpool_nan_propagates(void)
{
  GbModel *m = model_new("input(1,4,4), maxpool2d(2)");
  GbError err;
  float x[16];
  memcpy(x, x4x4, sizeof x);
  x[5] = NAN; /* in the first window, after its maximum 5 */
  const float *y;
  g_assert_cmpint(gb_model_forward(m, x, 1, false, &y, &err), ==, GB_OK);
  g_assert_true(isnan(y[0]));
  g_assert_cmpfloat(y[1], ==, 2.0f);
  gb_model_free(m);

  /* The general path: only the windows over the NaN at (1,1) give NaN. */
  m = model_new("input(1,4,4), maxpool2d(2,stride=1)");
  g_assert_cmpint(gb_model_forward(m, x, 1, false, &y, &err), ==, GB_OK);
  for (int i = 0; i < 9; i++)
    g_assert_true(isnan(y[i]) == (i == 0 || i == 1 || i == 3 || i == 4));
  gb_model_free(m);
}

/* Max pooling's forward and backward, fast against reference, on inputs with ties (values on a
 * coarse grid) and a few NaNs: the same maxima, the same argmax and so the same dx, exactly. */
static void
compare_maxpool_paths(const char *spec, int batch)
{
  GbModel *m = model_new(spec);
  size_t n_in = (size_t)batch * gb_model_input_size(m);
  size_t n_out = (size_t)batch * gb_model_n_outputs(m);
  float *x = g_new(float, n_in), *dy = g_new(float, n_out);
  gb_test_fill_uniform(x, n_in, -2.0f, 2.0f, 21);
  for (size_t i = 0; i < n_in; i++)
    x[i] = roundf(x[i] * 2.0f) / 2.0f; /* nine values: many ties */
  for (size_t i = 7; i < n_in; i += 97)
    x[i] = NAN;
  gb_test_fill_uniform(dy, n_out, -1.0f, 1.0f, 22);
  Pass fast = run_pass(m, x, dy, batch, false);
  Pass ref = run_pass(m, x, dy, batch, true);
  for (size_t i = 0; i < n_out; i++)
    if (isnan(ref.y[i]) ? !isnan(fast.y[i]) : fast.y[i] != ref.y[i])
      g_error("%s: output %zu: fast %g, reference %g", spec, i, (double)fast.y[i],
              (double)ref.y[i]);
  assert_floats(fast.dx, ref.dx, n_in, 0.0);
  pass_clear(&fast);
  pass_clear(&ref);
  g_free(x);
  g_free(dy);
  gb_model_free(m);
}

/* One forward and backward, fused or not: outputs, input and parameter gradients, and every
 * layer's output as gb_model_layer_output gives it (a fused ReLU's computed on request). */
typedef struct {
  Pass pass;
  float **outs;
} FusionRun;

static FusionRun
fusion_run(GbModel *m, const float *x, const float *dy, int batch, bool training, bool fusion)
{
  GbError err;
  const float *y;
  FusionRun r;
  gb_model_set_fusion(m, fusion);
  g_assert_cmpint(gb_model_forward(m, x, batch, training, &y, &err), ==, GB_OK);
  r.pass.y = g_memdup2(y, (size_t)batch * gb_model_n_outputs(m) * sizeof(float));
  r.pass.dx = g_new(float, (size_t)batch * gb_model_input_size(m));
  g_assert_cmpint(gb_model_backward(m, dy, batch, r.pass.dx, true, &err), ==, GB_OK);
  r.pass.grads = g_memdup2(gb_model_grads(m), gb_model_buffer_len(m) * sizeof(float));
  /* After the backward: asking for a fused ReLU's output must not disturb anything. */
  r.outs = g_new(float *, gb_model_n_layers(m));
  for (int i = 0; i < gb_model_n_layers(m); i++)
    r.outs[i] = g_memdup2(gb_model_layer_output(m, i), (size_t)batch *
                          gb_layer_out_size(gb_model_get_layer(m, i)) * sizeof(float));
  gb_model_set_fusion(m, true);
  return r;
}

static void
fusion_run_clear(GbModel *m, FusionRun *r)
{
  for (int i = 0; i < gb_model_n_layers(m); i++) g_free(r->outs[i]);
  g_free(r->outs);
  pass_clear(&r->pass);
}

static void
assert_same_floats(const char *spec, const char *what, const float *a, const float *b, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (isnan(b[i]) ? !isnan(a[i]) : a[i] != b[i])
      g_error("%s: %s %zu: fused %g, two layers %g", spec, what, i, (double)a[i], (double)b[i]);
}

/* Forwards run each relu + maxpool2d pair as one pass unless told not to. Outputs, input and
 * parameter gradients and every layer's output must be the same bit for bit, in training and
 * inference, on inputs with ties, exact zeros, windows with no positive value and a few NaNs, for
 * tiled 2x2 windows, windows that leave an edge uncovered, overlapping windows and a pair at the
 * input (not fused: its input is the caller's). */
static void
test_relu_maxpool_fused(void)
{
  static const char *const specs[] = {
      "input(2,12,12), conv2d(4,3,pad=1), relu, maxpool2d(2), conv2d(3,3), relu, maxpool2d(2), "
      "flatten, dense(5), relu, dense(3)",
      "input(2,9,9), conv2d(3,3), relu, maxpool2d(2), flatten, dense(4)",
      "input(2,10,10), relu, maxpool2d(3,stride=2), flatten, dense(3)",
      "input(1,8,8), conv2d(2,3,pad=1), relu, maxpool2d(2,stride=1), relu, maxpool2d(2)",
  };
  GbError err;
  for (size_t k = 0; k < G_N_ELEMENTS(specs); k++) {
    GbModel *m = model_new(specs[k]);
    int batch = 3;
    size_t n_in = (size_t)batch * gb_model_input_size(m);
    size_t n_out = (size_t)batch * gb_model_n_outputs(m), len = gb_model_buffer_len(m);
    float *x = g_new(float, n_in), *dy = g_new(float, n_out);
    gb_test_fill_uniform(x, n_in, -2.0f, 1.0f, 31);
    for (size_t i = 0; i < n_in; i++)
      x[i] = roundf(x[i] * 2.0f) / 2.0f; /* ties, zeros, and many all-negative windows */
    for (size_t i = 5; i < n_in; i += 83)
      x[i] = NAN;
    gb_test_fill_uniform(dy, n_out, -1.0f, 1.0f, 32);
    for (int training = 0; training < 2; training++) {
      FusionRun fused = fusion_run(m, x, dy, batch, training, true);
      FusionRun plain = fusion_run(m, x, dy, batch, training, false);
      assert_same_floats(specs[k], "output", fused.pass.y, plain.pass.y, n_out);
      assert_same_floats(specs[k], "input gradient", fused.pass.dx, plain.pass.dx, n_in);
      assert_same_floats(specs[k], "parameter gradient", fused.pass.grads, plain.pass.grads, len);
      for (int i = 0; i < gb_model_n_layers(m); i++)
        assert_same_floats(specs[k], gb_model_get_layer(m, i)->name, fused.outs[i],
                           plain.outs[i],
                           (size_t)batch * gb_layer_out_size(gb_model_get_layer(m, i)));
      fusion_run_clear(m, &fused);
      fusion_run_clear(m, &plain);
    }

    /* A backward that starts between the two halves of a fused pair is refused. */
    int pairs = 0;
    for (int i = 1; i + 1 < gb_model_n_layers(m); i++) {
      if (gb_model_get_layer(m, i)->kind != GB_LAYER_RELU ||
          gb_model_get_layer(m, i + 1)->kind != GB_LAYER_MAXPOOL2D)
        continue;
      const float *y;
      g_assert_cmpint(gb_model_forward(m, x, batch, false, &y, &err), ==, GB_OK);
      float *d = g_new(float, (size_t)batch * gb_layer_in_size(gb_model_get_layer(m, i + 1)));
      GbStatus st = gb_model_backward_range(m, i + 1, gb_model_n_layers(m), dy, batch, d, &err);
      g_assert_cmpint(st, ==, GB_ERR_INVALID);
      g_assert_nonnull(strstr(err.message, "inside the relu and max-pooling pair"));
      g_free(d);
      pairs++;
    }
    g_assert_cmpint(pairs, ==, k == 2 ? 0 : (k == 1 ? 1 : 2));
    g_free(x);
    g_free(dy);
    gb_model_free(m);
  }
}

static void
test_maxpool_fast_matches_reference(void)
{
  /* 2x2 windows that tile the plane: rows of 14 outputs (one partial vector), 20 (a full one
   * and a partial one) and 2. */
  compare_maxpool_paths("input(3,28,28), maxpool2d(2)", 3);
  compare_maxpool_paths("input(2,8,40), maxpool2d(2)", 2);
  compare_maxpool_paths("input(2,4,4), maxpool2d(2)", 5);
  /* Odd sizes: the last row and column are in no window, and backward takes the generic path. */
  compare_maxpool_paths("input(2,9,7), maxpool2d(2)", 3);
  compare_maxpool_paths("input(1,5,34), maxpool2d(2)", 2);
  /* Stride other than the kernel: the generic path. */
  compare_maxpool_paths("input(2,6,6), maxpool2d(2,stride=1)", 2);
  compare_maxpool_paths("input(2,7,7), maxpool2d(3,stride=2)", 2);
}

static void
test_avgpool_by_hand(void)
{
  GbModel *m = model_new("input(1,4,4), avgpool2d(2)");
  GbError err;
  const float *y;
  g_assert_cmpint(gb_model_forward(m, x4x4, 1, false, &y, &err), ==, GB_OK);
  const float want_y[4] = {9.0f / 4, 7.0f / 4, -10.0f / 4, 27.0f / 4};
  assert_floats(y, want_y, 4, 1e-6);
  const float dy[4] = {4, 8, 12, 16};
  float dx[16];
  g_assert_cmpint(gb_model_backward(m, dy, 1, dx, false, &err), ==, GB_OK);
  const float want_dx[16] = {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4};
  assert_floats(dx, want_dx, 16, 1e-6);
  gb_model_free(m);
}

/* ---- shapes and errors ---- */

static void
expect_error(const char *spec, const char *needle1, const char *needle2)
{
  GbModel *m = NULL;
  GbError err;
  gb_error_clear(&err);
  GbStatus st = gb_model_new_from_spec(spec, 1, &m, &err);
  g_test_message("%s -> %s: %s", spec, gb_status_to_string(st), err.message);
  g_assert_true(st == GB_ERR_SHAPE || st == GB_ERR_INVALID);
  g_assert_null(m);
  g_assert_nonnull(strstr(err.message, needle1));
  g_assert_nonnull(strstr(err.message, needle2));
}

static void
expect_shape(const char *spec, int c, int h, int w)
{
  GbModel *m = model_new(spec);
  GbShape want = gb_shape_3d(c, h, w);
  g_assert_true(gb_shape_equal(&gb_model_get_layer(m, 0)->out_shape, &want));
  gb_model_free(m);
}

static void
test_conv_shapes(void)
{
  expect_error("input(1,4,4), conv2d(2,5)", "conv2d1", "5x5");
  expect_error("input(3,6,2), conv2d(2,3)", "conv2d1", "3x6x2");
  expect_error("input(16), conv2d(2,3)", "conv2d1", "16");
  expect_error("input(1,3,3), maxpool2d(4)", "maxpool2d1", "1x3x3");
  expect_error("input(2,5,3), avgpool2d(4)", "avgpool2d1", "4x4");
  expect_error("input(4,4), maxpool2d(2)", "maxpool2d1", "4x4");
  /* With padding the kernel fits: (4 + 2 - 5) / 1 + 1 = 2. */
  expect_shape("input(1,4,4), conv2d(2,5,pad=1)", 2, 2, 2);
  expect_shape("input(1,7,5), conv2d(3,3,stride=2)", 3, 3, 2);
  expect_shape("input(2,28,28), conv2d(6,5,stride=1,pad=2)", 6, 28, 28);
  expect_shape("input(3,7,5), maxpool2d(2)", 3, 3, 2);
  expect_shape("input(3,7,5), avgpool2d(3,stride=2)", 3, 3, 2);
  expect_shape("input(3,7,5), maxpool2d(3,stride=1)", 3, 5, 3);
}

/* PyTorch's layout and names: weight (filters, c, k, k) and bias (filters). */
static void
test_conv_params(void)
{
  GbModel *m = model_new("input(3,8,8), conv2d(4,5)");
  GbModelTensor w = get_tensor(m, "conv2d1.weight"), b = get_tensor(m, "conv2d1.bias");
  int dims[4] = {4, 3, 5, 5};
  GbShape want = gb_shape_make(4, dims);
  g_assert_true(gb_shape_equal(&w.shape, &want));
  g_assert_cmpint(b.shape.ndim, ==, 1);
  g_assert_cmpint(b.shape.dim[0], ==, 4);
  g_assert_true(b.is_bias);
  g_assert_false(w.is_bias);
  g_assert_cmpuint(gb_model_n_params(m), ==, 4 * 75 + 4);
  gb_model_free(m);
}

static void
test_conv_init(void)
{
  /* He: normal with std sqrt(2 / fan_in), fan_in = c k k = 36. */
  GbModel *m = model_new("input(4,10,10), conv2d(64,3,init=he)");
  GbModelTensor w = get_tensor(m, "conv2d1.weight"), b = get_tensor(m, "conv2d1.bias");
  double ss = 0.0;
  for (size_t i = 0; i < w.count; i++)
    ss += (double)w.data[i] * w.data[i];
  double std = sqrt(ss / w.count);
  g_assert_cmpfloat(fabs(std / sqrt(2.0 / 36) - 1.0), <, 0.08);
  for (size_t i = 0; i < b.count; i++)
    g_assert_cmpfloat(b.data[i], ==, 0.0f);
  gb_model_free(m);

  /* Glorot: uniform within sqrt(6 / (fan_in + fan_out)), fan_out = filters k k = 576. */
  m = model_new("input(4,10,10), conv2d(64,3,init=glorot)");
  w = get_tensor(m, "conv2d1.weight");
  double bound = sqrt(6.0 / (36 + 576)), top = 0.0;
  for (size_t i = 0; i < w.count; i++)
    top = fmax(top, fabs(w.data[i]));
  g_assert_cmpfloat(top, <=, bound * (1 + 1e-6));
  g_assert_cmpfloat(top, >, 0.95 * bound);
  gb_model_free(m);
}

/* Every allocation of the conv and pool layers' scratch can fail cleanly. */
static void
test_conv_out_of_memory(void)
{
  GbModel *m = model_new("input(2,9,9), conv2d(3,3), relu, maxpool2d(2), conv2d(4,2)");
  size_t n = 5 * gb_model_input_size(m);
  float *x = g_new0(float, n);
  GbError err;
  const float *y;
  int failures = 0;
  for (long k = 1; k < 100; k++) {
    gb_alloc_fail_after(k);
    GbStatus st = gb_model_forward(m, x, 5, false, &y, &err);
    gb_alloc_fail_after(0);
    if (st == GB_OK)
      break;
    g_assert_cmpint(st, ==, GB_ERR_NOMEM);
    failures++;
  }
  g_assert_cmpint(failures, >, 3);
  g_assert_cmpint(gb_model_forward(m, x, 5, false, &y, &err), ==, GB_OK);
  g_free(x);
  gb_model_free(m);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/engine/conv2d/backward", test_conv_backward);
  g_test_add_func("/engine/conv2d/stack-backward", test_conv_stack_backward);
  g_test_add_func("/engine/conv2d/fast-matches-reference", test_conv_fast_matches_reference);
  g_test_add_func("/engine/conv2d/direct-rule", test_conv_direct_rule);
  g_test_add_func("/engine/conv2d/direct-backward", test_conv_direct_backward);
  g_test_add_func("/engine/conv2d/direct-matches-reference", test_conv_direct_matches_reference);
  g_test_add_func("/engine/conv2d/hand-example", test_conv_hand_example);
  g_test_add_func("/engine/conv2d/channels-by-hand", test_conv_channels_by_hand);
  g_test_add_func("/engine/conv2d/shapes", test_conv_shapes);
  g_test_add_func("/engine/conv2d/params", test_conv_params);
  g_test_add_func("/engine/conv2d/init", test_conv_init);
  g_test_add_func("/engine/conv2d/out-of-memory", test_conv_out_of_memory);
  g_test_add_func("/engine/maxpool2d/backward", test_maxpool_backward);
  g_test_add_func("/engine/maxpool2d/picks-max", test_maxpool_picks_max);
  g_test_add_func("/engine/maxpool2d/nan", test_maxpool_nan_propagates);
  g_test_add_func("/engine/maxpool2d/fast-matches-reference",
                  test_maxpool_fast_matches_reference);
  g_test_add_func("/engine/maxpool2d/relu-fused", test_relu_maxpool_fused);
  g_test_add_func("/engine/avgpool2d/backward", test_avgpool_backward);
  g_test_add_func("/engine/avgpool2d/by-hand", test_avgpool_by_hand);
  return g_test_run();
}

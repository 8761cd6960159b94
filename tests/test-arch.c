/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib.h>
#include <math.h>
#include <string.h>

#include "gb-alloc.h"
#include "gb-model.h"

static void
expect_error(const char *spec, GbStatus code, const char *fragment)
{
  GbArch a;
  GbError err = {0};
  GbStatus st = gb_arch_parse(spec, &a, &err);
  if (st == GB_OK) {
    /* Some errors only show when the shapes are chained. */
    GbModel *m = NULL;
    st = gb_model_new(&a, 1, &m, &err);
    gb_model_free(m);
    gb_arch_clear(&a);
  }
  if (st != code || strstr(err.message, fragment) == NULL)
    g_error("'%s': expected status %d with '%s', got %d: '%s'", spec, code, fragment, st,
            err.message);
}

static void
test_parse_and_format(void)
{
  GbArch a;
  GbError err;
  g_assert_cmpint(gb_arch_parse("input(1, 28, 28) conv2d(8, 5, pad=2) relu maxpool2d(2) "
                                "flatten dropout(0.25) dense(10, init=glorot)",
                                &a, &err),
                  ==, GB_OK);
  g_assert_cmpint(a.input.ndim, ==, 3);
  g_assert_cmpint(a.n_layers, ==, 6);
  g_assert_cmpint(a.layers[0].kind, ==, GB_LAYER_CONV2D);
  g_assert_cmpint(a.layers[0].cfg.units, ==, 8);
  g_assert_cmpint(a.layers[0].cfg.kernel, ==, 5);
  g_assert_cmpint(a.layers[0].cfg.stride, ==, 1);
  g_assert_cmpint(a.layers[0].cfg.pad, ==, 2);
  g_assert_cmpint(a.layers[2].cfg.stride, ==, 2); /* pool stride defaults to the kernel */
  g_assert_cmpfloat(a.layers[4].cfg.rate, ==, 0.25f);
  g_assert_cmpint(a.layers[5].cfg.init, ==, GB_INIT_GLOROT);
  char *text = gb_arch_format(&a);
  g_assert_cmpstr(text, ==,
                  "input(1,28,28), conv2d(8,5,stride=1,pad=2), relu, maxpool2d(2,stride=2), "
                  "flatten, dropout(0.25), dense(10,init=glorot)");
  /* The canonical text parses back to the same architecture. */
  GbArch b;
  g_assert_cmpint(gb_arch_parse(text, &b, &err), ==, GB_OK);
  char *again = gb_arch_format(&b);
  g_assert_cmpstr(text, ==, again);
  gb_free(text);
  gb_free(again);
  gb_arch_clear(&a);
  gb_arch_clear(&b);

  g_assert_cmpint(gb_arch_parse("input(64,8), lstm(32, seq=all, noise=0.5), gru(16), dense(2)",
                                &a, &err),
                  ==, GB_OK);
  g_assert_true(a.layers[0].cfg.return_sequences);
  g_assert_cmpfloat(a.layers[0].cfg.state_noise, ==, 0.5f);
  g_assert_false(a.layers[1].cfg.return_sequences);
  gb_arch_clear(&a);
}

static void
test_parse_errors(void)
{
  expect_error("", GB_ERR_FORMAT, "layer name");
  expect_error("dense(10)", GB_ERR_FORMAT, "starts with input");
  expect_error("input(784)", GB_ERR_FORMAT, "no layers");
  expect_error("input(784), foo(3)", GB_ERR_FORMAT, "unknown layer 'foo'");
  expect_error("input(784), dense", GB_ERR_FORMAT, "needs a size");
  expect_error("input(784), dense(-3)", GB_ERR_FORMAT, "units");
  expect_error("input(784), dense(10, colour=red)", GB_ERR_FORMAT, "unknown argument 'colour'");
  expect_error("input(784), dense(10", GB_ERR_FORMAT, "missing ')'");
  expect_error("input(784), dropout(1.5)", GB_ERR_FORMAT, "rate");
  expect_error("input(784), lstm(8, seq=some)", GB_ERR_FORMAT, "seq");
  expect_error("input(0), dense(3)", GB_ERR_FORMAT, "size");
  expect_error("input(1,2,3,4), dense(3)", GB_ERR_FORMAT, "1 to 3 sizes");
  expect_error("input(784), dense(10, init=zeros)", GB_ERR_FORMAT, "init");
  expect_error("input(784), leakyrelu(2)", GB_ERR_INVALID, "slope");
}

/* The model chains shapes, names tensors like PyTorch and counts parameters. */
static void
test_model_shapes(void)
{
  GbModel *m;
  GbError err;
  g_assert_cmpint(gb_model_new_from_spec("input(784), dense(256), relu, dense(128), relu, dense(10)",
                                         1, &m, &err),
                  ==, GB_OK);
  g_assert_cmpuint(gb_model_n_params(m), ==, 784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10);
  g_assert_cmpint(gb_model_n_outputs(m), ==, 10);
  g_assert_cmpint(gb_model_n_tensors(m), ==, 6);
  GbModelTensor t;
  gb_model_get_tensor(m, 2, &t);
  g_assert_cmpstr(t.name, ==, "dense2.weight");
  g_assert_cmpint(t.shape.dim[0], ==, 128);
  g_assert_cmpint(t.shape.dim[1], ==, 256);
  g_assert_cmpint(gb_model_find_tensor(m, "dense3.bias"), ==, 5);
  g_assert_cmpint(gb_model_find_tensor(m, "dense4.bias"), ==, -1);
  /* Tensors start on 64-byte boundaries. */
  for (int i = 0; i < gb_model_n_tensors(m); i++) {
    gb_model_get_tensor(m, i, &t);
    g_assert_cmpuint((guintptr)t.data % 64, ==, 0);
  }
  /* He initialisation: weight std close to sqrt(2 / fan_in). */
  gb_model_get_tensor(m, 0, &t);
  double ss = 0;
  for (size_t i = 0; i < t.count; i++)
    ss += (double)t.data[i] * t.data[i];
  g_assert_cmpfloat(fabs(sqrt(ss / t.count) / sqrt(2.0 / 784) - 1.0), <, 0.02);
  gb_model_free(m);
}

/* Glorot before tanh (auto), and the same seed gives the same weights. */
static void
test_model_init(void)
{
  GbModel *a, *b, *c;
  GbError err;
  const char *spec = "input(300), dense(200), tanh, dense(4)";
  g_assert_cmpint(gb_model_new_from_spec(spec, 5, &a, &err), ==, GB_OK);
  g_assert_cmpint(gb_model_new_from_spec(spec, 5, &b, &err), ==, GB_OK);
  g_assert_cmpint(gb_model_new_from_spec(spec, 6, &c, &err), ==, GB_OK);
  size_t len = gb_model_buffer_len(a);
  g_assert_true(memcmp(gb_model_params(a), gb_model_params(b), len * 4) == 0);
  g_assert_false(memcmp(gb_model_params(a), gb_model_params(c), len * 4) == 0);
  GbModelTensor t;
  gb_model_get_tensor(a, 0, &t);
  double bound = sqrt(6.0 / 500), mx = 0;
  for (size_t i = 0; i < t.count; i++)
    mx = fmax(mx, fabs(t.data[i]));
  g_assert_cmpfloat(mx, <=, bound);
  g_assert_cmpfloat(mx, >, 0.95 * bound);
  gb_model_free(a);
  gb_model_free(b);
  gb_model_free(c);
}

/* A failed allocation anywhere in model building returns GB_ERR_NOMEM and leaks nothing
 * (the leak part is checked when the suite runs under a sanitizer or valgrind). */
static void
test_model_nomem(void)
{
  const char *spec = "input(20), dense(8), relu, dropout(0.1), dense(3)";
  int failures = 0;
  for (long n = 1; n < 200; n++) {
    GbModel *m = NULL;
    GbError err;
    gb_alloc_fail_after(n);
    GbStatus st = gb_model_new_from_spec(spec, 1, &m, &err);
    if (st == GB_OK) {
      const float *y;
      float x[40] = {0};
      st = gb_model_forward(m, x, 2, true, &y, &err);
    }
    gb_alloc_fail_after(0);
    if (st == GB_OK && m != NULL) {
      gb_model_free(m);
      break; /* n is past the last allocation: everything succeeded */
    }
    g_assert_cmpint(st, ==, GB_ERR_NOMEM);
    gb_model_free(m);
    failures++;
  }
  g_assert_cmpint(failures, >, 5);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/engine/arch/parse-and-format", test_parse_and_format);
  g_test_add_func("/engine/arch/errors", test_parse_errors);
  g_test_add_func("/engine/model/shapes", test_model_shapes);
  g_test_add_func("/engine/model/init", test_model_init);
  g_test_add_func("/engine/model/out-of-memory", test_model_nomem);
  return g_test_run();
}

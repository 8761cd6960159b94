/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-test-util.h"

#include <glib/gstdio.h>

#include <math.h>
#include <string.h>

#include "gb-alloc.h"
#include "gb-rng.h"

void
gb_test_fill_uniform(float *x, size_t n, float lo, float hi, uint64_t seed)
{
  GbRng r;
  gb_rng_seed(&r, seed);
  for (size_t i = 0; i < n; i++)
    x[i] = lo + (hi - lo) * (float)gb_rng_uniform(&r);
}

/* L = sum(r * y) in double, after reseeding the model's generator. */
static double
objective(GbModel *m, const float *x, const float *r, int batch, bool training)
{
  const float *y;
  gb_rng_seed(gb_model_rng(m), 4242);
  GbError err;
  g_assert_cmpint(gb_model_forward(m, x, batch, training, &y, &err), ==, GB_OK);
  size_t n = (size_t)batch * gb_model_n_outputs(m);
  double s = 0.0;
  for (size_t i = 0; i < n; i++)
    s += (double)r[i] * y[i];
  return s;
}

static double
rel_err(double a, double n)
{
  return fabs(a - n) / (1.0 + fabs(n));
}

/* Compares @analytic with the central difference. Where the two one-sided differences
 * disagree, a kink (ReLU at 0, a max-pool tie) lies within +-h: only one side is smooth there,
 * so the analytic value may match the nearer one-sided difference instead. Strong but smooth
 * curvature also separates the one-sided differences; there the central one still counts. */
static void
compare(GbGradcheck *res, double *max_err, double analytic, double up, double mid, double down,
        double h)
{
  double num = (up - down) / (2.0 * h);
  double fwd = (up - mid) / h, bwd = (mid - down) / h;
  double e = rel_err(analytic, num);
  res->n_checked++;
  if (fabs(fwd - bwd) > 2e-3 * (1.0 + fabs(num))) {
    res->n_kinks++;
    e = fmin(e, fmin(rel_err(analytic, fwd), rel_err(analytic, bwd)));
  }
  if (g_getenv("GB_GRADCHECK_DEBUG") && e > 1e-3)
    g_printerr("entry %zu: analytic %.6g numeric %.6g fwd %.6g bwd %.6g\n", res->n_checked - 1,
               analytic, num, fwd, bwd);
  if (e > *max_err)
    *max_err = e;
}

GbGradcheck
gb_test_gradcheck(const char *spec, int batch, bool training, double h, uint64_t seed)
{
  GbGradcheck res = {0};
  GbModel *m;
  GbError err;
  if (gb_model_new_from_spec(spec, seed, &m, &err) != GB_OK)
    g_error("%s: %s", spec, err.message);
  size_t n_in = (size_t)batch * gb_model_input_size(m);
  size_t n_out = (size_t)batch * gb_model_n_outputs(m);
  float *x = g_new(float, n_in), *dx = g_new(float, n_in), *r = g_new(float, n_out);
  gb_test_fill_uniform(x, n_in, -1.0f, 1.0f, seed + 1);
  gb_test_fill_uniform(r, n_out, -1.0f, 1.0f, seed + 2);

  double mid = objective(m, x, r, batch, training);
  g_assert_cmpint(gb_model_backward(m, r, batch, dx, true, &err), ==, GB_OK);
  float *params = gb_model_params(m);
  size_t len = gb_model_buffer_len(m);
  float *grads = g_memdup2(gb_model_grads(m), len * sizeof(float));

  for (size_t i = 0; i < n_in; i++) {
    float keep = x[i];
    x[i] = keep + (float)h;
    double up = objective(m, x, r, batch, training);
    x[i] = keep - (float)h;
    double down = objective(m, x, r, batch, training);
    x[i] = keep;
    compare(&res, &res.max_err_input, dx[i], up, mid, down, h);
  }
  for (int t = 0; t < gb_model_n_tensors(m); t++) {
    GbModelTensor mt;
    gb_model_get_tensor(m, t, &mt);
    size_t off = (size_t)(mt.data - params);
    for (size_t i = 0; i < mt.count; i++) {
      float keep = mt.data[i];
      mt.data[i] = keep + (float)h;
      double up = objective(m, x, r, batch, training);
      mt.data[i] = keep - (float)h;
      double down = objective(m, x, r, batch, training);
      mt.data[i] = keep;
      compare(&res, &res.max_err_param, grads[off + i], up, mid, down, h);
    }
  }
  g_free(grads);
  g_free(x);
  g_free(dx);
  g_free(r);
  gb_model_free(m);
  return res;
}

void
gb_test_assert_gradcheck(const char *spec, int batch, bool training, double tol)
{
  GbGradcheck g = gb_test_gradcheck(spec, batch, training, 1e-3, 7);
  g_test_message("%s: %zu values (%zu on kinks), max error input %.2e params %.2e", spec,
                 g.n_checked, g.n_kinks, g.max_err_input, g.max_err_param);
  if (g.max_err_input > tol || g.max_err_param > tol)
    g_error("%s: backward disagrees with finite differences (input %.3e, params %.3e, tol %.1e)",
            spec, g.max_err_input, g.max_err_param, tol);
  g_assert_cmpuint(g.n_checked, >, 0);
  /* Kinks are rare with random inputs; many of them would mean a weaker check. */
  g_assert_cmpuint(g.n_kinks * 10, <=, g.n_checked);
}

void
gb_test_remove_tree(const char *dir)
{
  GDir *d = g_dir_open(dir, 0, NULL);
  if (d != NULL) {
    const char *name;
    while ((name = g_dir_read_name(d)) != NULL) {
      char *path = g_build_filename(dir, name, NULL);
      if (g_file_test(path, G_FILE_TEST_IS_DIR) && !g_file_test(path, G_FILE_TEST_IS_SYMLINK))
        gb_test_remove_tree(path);
      else
        g_assert_cmpint(g_unlink(path), ==, 0);
      g_free(path);
    }
    g_dir_close(d);
  }
  g_assert_cmpint(g_rmdir(dir), ==, 0);
}

void
gb_test_assert_message(const GbError *err, const char *prefix, const char *substring)
{
  if (!g_str_has_prefix(err->message, prefix) || strstr(err->message, substring) == NULL)
    g_error("message '%s' should start with '%s' and contain '%s'", err->message, prefix,
            substring);
}

void
gb_test_assert_failure(GbStatus got, GbStatus code, const GbError *err, const char *name,
                       const char *substring)
{
  if (got != code)
    g_error("expected %s, got %s: %s", gb_status_to_string(code), gb_status_to_string(got),
            err->message);
  g_autofree char *prefix = g_strdup_printf("%s: ", name);
  gb_test_assert_message(err, prefix, substring);
  g_assert_null(strstr(err->message + strlen(name), name)); /* prefixed once */
  if (substring[0] != '\0')
    g_test_message("%s", err->message);
}

GbModel *
gb_test_model_new(const char *spec, uint64_t seed)
{
  GbModel *m = NULL;
  GbError err = {0};
  if (gb_model_new_from_spec(spec, seed, &m, &err) != GB_OK)
    g_error("%s: %s", spec, err.message);
  return m;
}

GbModel *
gb_test_model_new_random(const char *spec, uint64_t seed)
{
  GbModel *m = gb_test_model_new(spec, seed);
  for (int i = 0; i < gb_model_n_tensors(m); i++) {
    GbModelTensor t;
    gb_model_get_tensor(m, i, &t);
    gb_test_fill_uniform(t.data, t.count, -0.5f, 0.5f, seed + 100 + (uint64_t)i);
  }
  return m;
}

double
gb_test_rel_diff(const float *a, const float *b, size_t n)
{
  double diff = 0.0, scale = 1e-30;
  for (size_t i = 0; i < n; i++) {
    diff = fmax(diff, fabs((double)a[i] - b[i]));
    scale = fmax(scale, fabs((double)b[i]));
  }
  return diff / scale;
}

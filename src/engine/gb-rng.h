/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stdint.h>

/* The engine's own random numbers (xoshiro256**, seeded through splitmix64): the same seed
 * gives the same stream on every machine, independent of the C library. */
typedef struct {
  uint64_t s[4];
  int has_spare;
  double spare;
} GbRng;

void gb_rng_seed(GbRng *rng, uint64_t seed);
uint64_t gb_rng_next(GbRng *rng);
/* Uniform in [0, 1). */
double gb_rng_uniform(GbRng *rng);
/* Uniform integer in [0, n), without modulo bias; n >= 1. */
uint64_t gb_rng_below(GbRng *rng, uint64_t n);
/* Standard normal (Marsaglia polar method). */
double gb_rng_normal(GbRng *rng);
/* Fisher-Yates shuffle of @idx[0..n). */
void gb_rng_shuffle(GbRng *rng, int *idx, int n);
/* Derives an independent seed for sub-stream @k (folds, trials, layers). */
uint64_t gb_rng_derive(uint64_t seed, uint64_t k);

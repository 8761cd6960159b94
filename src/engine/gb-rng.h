/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stddef.h>
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
/* @n standard normals into @out (ziggurat method, 128 layers): about 5x faster than
 * gb_rng_normal for long runs, deterministic for a seed, but a different stream from
 * gb_rng_normal (which stays as it is: simulated data depend on it bit for bit). Builds its
 * small tables on each call, so it is meant for long runs (n in the hundreds or more). */
void gb_rng_normal_fill(GbRng *rng, float *out, size_t n);
/* Fisher-Yates shuffle of @idx[0..n). */
void gb_rng_shuffle(GbRng *rng, int *idx, int n);
/* Derives an independent seed for sub-stream @k (folds, trials, layers). */
uint64_t gb_rng_derive(uint64_t seed, uint64_t k);

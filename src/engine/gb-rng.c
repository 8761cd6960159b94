/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-rng.h"

#include <math.h>

static uint64_t
splitmix64(uint64_t *x)
{
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static uint64_t
rotl(uint64_t x, int k)
{
  return (x << k) | (x >> (64 - k));
}

void
gb_rng_seed(GbRng *rng, uint64_t seed)
{
  uint64_t x = seed;
  for (int i = 0; i < 4; i++)
    rng->s[i] = splitmix64(&x);
  rng->has_spare = 0;
  rng->spare = 0.0;
}

uint64_t
gb_rng_next(GbRng *rng)
{
  uint64_t *s = rng->s;
  uint64_t result = rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

double
gb_rng_uniform(GbRng *rng)
{
  return (double)(gb_rng_next(rng) >> 11) * 0x1.0p-53;
}

uint64_t
gb_rng_below(GbRng *rng, uint64_t n)
{
  /* Rejection sampling: draws in the incomplete top block are discarded. */
  uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t r;
  do
    r = gb_rng_next(rng);
  while (r >= limit);
  return r % n;
}

double
gb_rng_normal(GbRng *rng)
{
  if (rng->has_spare) {
    rng->has_spare = 0;
    return rng->spare;
  }
  double u, v, s;
  do {
    u = 2.0 * gb_rng_uniform(rng) - 1.0;
    v = 2.0 * gb_rng_uniform(rng) - 1.0;
    s = u * u + v * v;
  } while (s >= 1.0 || s == 0.0);
  double f = sqrt(-2.0 * log(s) / s);
  rng->spare = v * f;
  rng->has_spare = 1;
  return u * f;
}

void
gb_rng_shuffle(GbRng *rng, int *idx, int n)
{
  for (int i = n - 1; i > 0; i--) {
    int j = (int)gb_rng_below(rng, (uint64_t)i + 1);
    int t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
  }
}

uint64_t
gb_rng_derive(uint64_t seed, uint64_t k)
{
  uint64_t x = seed ^ (0xd1b54a32d192ed03ULL * (k + 1));
  return splitmix64(&x);
}

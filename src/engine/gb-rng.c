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

static inline uint64_t
next(GbRng *rng)
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

uint64_t
gb_rng_next(GbRng *rng)
{
  return next(rng);
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

/* ---- Ziggurat (Marsaglia & Tsang 2000), with the layer index and the position drawn from
 * separate bits of one 64-bit draw (Doornik 2005 showed that sharing them correlates
 * successive values). Under f(x) = exp(-x^2 / 2) lie ZIG_N strips of equal area ZIG_V: strip 0
 * is [0, r] x [0, f(r)] plus the tail beyond r; strip i >= 1 spans heights f(X[i])..f(X[i+1]),
 * widths up to X[i], with X[1] = r, X[ZIG_N] = 0 and X[0] = ZIG_V / f(r). */

#define ZIG_N 128
#define ZIG_R 3.442619855899
#define ZIG_V 9.91256303526217e-3

typedef struct {
  double x[ZIG_N + 1]; /* strip widths X[i] */
  double f[ZIG_N + 1]; /* f(X[i]); f(X[0]) is taken as f(r) */
  double w[ZIG_N];     /* X[i] / 2^32: a 32-bit draw times w is a position in strip i */
  uint32_t k[ZIG_N];   /* floor(2^32 X[i+1] / X[i]): draws below it lie under the curve */
} ZigTables;

static double
zig_f(double x)
{
  return exp(-0.5 * x * x);
}

static void
zig_tables(ZigTables *t)
{
  t->x[0] = ZIG_V / zig_f(ZIG_R);
  t->x[1] = ZIG_R;
  for (int i = 1; i < ZIG_N - 1; i++)
    t->x[i + 1] = sqrt(-2.0 * log(zig_f(t->x[i]) + ZIG_V / t->x[i]));
  t->x[ZIG_N] = 0.0;
  for (int i = 0; i <= ZIG_N; i++)
    t->f[i] = zig_f(i == 0 ? ZIG_R : t->x[i]);
  for (int i = 0; i < ZIG_N; i++) {
    t->w[i] = t->x[i] * 0x1.0p-32;
    t->k[i] = (uint32_t)(t->x[i + 1] / t->x[i] * 0x1.0p32);
  }
}

/* Uniform in (0, 1]: safe to take the logarithm of. */
static double
uniform_open0(GbRng *rng)
{
  return (double)((next(rng) >> 11) + 1) * 0x1.0p-53;
}

/* The tail beyond r (Marsaglia 1964): r + x with x exponential, kept with the normal's odds. */
static double
zig_tail(GbRng *rng)
{
  double x, y;
  do {
    x = -log(uniform_open0(rng)) / ZIG_R;
    y = -log(uniform_open0(rng));
  } while (y + y < x * x);
  return ZIG_R + x;
}

/* The draw from @u when it missed the rectangle of its strip (1.2% of draws), then fresh draws
 * until one is accepted. */
static double
zig_slow(GbRng *rng, const ZigTables *t, uint64_t u)
{
  for (;;) {
    int i = (int)(u & (ZIG_N - 1));
    uint32_t pos = (uint32_t)(u >> 32);
    double x = pos * t->w[i], sign = (u & ZIG_N) ? -1.0 : 1.0;
    if (pos < t->k[i])
      return sign * x; /* inside the rectangle under the curve */
    if (i == 0)
      return sign * zig_tail(rng);
    /* The wedge between the rectangle and the curve: accept with the curve's odds. */
    if (t->f[i] + gb_rng_uniform(rng) * (t->f[i + 1] - t->f[i]) < zig_f(x))
      return sign * x;
    u = next(rng);
  }
}

void
gb_rng_normal_fill(GbRng *rng, float *out, size_t n)
{
  ZigTables t;
  zig_tables(&t);
  /* xoshiro256** on local copies of the state, which the compiler keeps in registers (through
   * a GbRng it went to memory on every draw); synced around the rare slow path. */
  uint64_t s0 = rng->s[0], s1 = rng->s[1], s2 = rng->s[2], s3 = rng->s[3];
  for (size_t j = 0; j < n; j++) {
    uint64_t u = rotl(s1 * 5, 7) * 9, sh = s1 << 17;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= sh;
    s3 = rotl(s3, 45);
    int i = (int)(u & (ZIG_N - 1));
    uint32_t pos = (uint32_t)(u >> 32);
    if (pos < t.k[i]) {
      float x = (float)(pos * t.w[i]);
      out[j] = (u & ZIG_N) ? -x : x;
      continue;
    }
    rng->s[0] = s0, rng->s[1] = s1, rng->s[2] = s2, rng->s[3] = s3;
    out[j] = (float)zig_slow(rng, &t, u);
    s0 = rng->s[0], s1 = rng->s[1], s2 = rng->s[2], s3 = rng->s[3];
  }
  rng->s[0] = s0, rng->s[1] = s1, rng->s[2] = s2, rng->s[3] = s3;
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

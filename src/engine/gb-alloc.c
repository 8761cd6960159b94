/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-alloc.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static atomic_long fail_after;
static atomic_long n_allocs;
static atomic_long n_live;

/* Counts a successful allocation. */
static void *
counted(void *p)
{
  if (p != NULL)
    atomic_fetch_add(&n_live, 1);
  return p;
}

static int
should_fail(void)
{
  long n = atomic_fetch_add(&n_allocs, 1) + 1;
  long limit = atomic_load(&fail_after);
  return limit > 0 && n >= limit;
}

void
gb_alloc_fail_after(long n)
{
  atomic_store(&n_allocs, 0);
  atomic_store(&fail_after, n);
}

long
gb_alloc_count(void)
{
  return atomic_load(&n_allocs);
}

void *
gb_malloc(size_t size)
{
  if (should_fail())
    return NULL;
  return counted(malloc(size ? size : 1));
}

void *
gb_calloc(size_t count, size_t size)
{
  if (should_fail())
    return NULL;
  return counted(calloc(count ? count : 1, size ? size : 1));
}

void *
gb_realloc(void *ptr, size_t size)
{
  if (should_fail())
    return NULL;
  void *p = realloc(ptr, size ? size : 1);
  return ptr == NULL ? counted(p) : p; /* resizing keeps the count */
}

float *
gb_alloc_floats(size_t count)
{
  if (count > (SIZE_MAX - 64) / sizeof(float))
    return NULL;
  if (should_fail())
    return NULL;
  size_t bytes = (count * sizeof(float) + 63) & ~(size_t)63;
  float *p = aligned_alloc(64, bytes ? bytes : 64);
  if (p != NULL)
    memset(p, 0, bytes);
  return counted(p);
}

void
gb_free(void *ptr)
{
  if (ptr != NULL)
    atomic_fetch_sub(&n_live, 1);
  free(ptr);
}

long
gb_alloc_live(void)
{
  return atomic_load(&n_live);
}

char *
gb_strdup(const char *s)
{
  if (s == NULL)
    return NULL;
  size_t n = strlen(s) + 1;
  char *d = gb_malloc(n);
  if (d != NULL)
    memcpy(d, s, n);
  return d;
}

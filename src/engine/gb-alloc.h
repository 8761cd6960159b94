/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stddef.h>

/* All engine memory goes through these, so tests can make the n-th allocation fail and check
 * that every caller returns GB_ERR_NOMEM and leaks nothing. */
void *gb_malloc(size_t size);
void *gb_calloc(size_t count, size_t size);
void *gb_realloc(void *ptr, size_t size);
/* 64-byte aligned, zero-filled storage for @count floats; release with gb_free(). */
float *gb_alloc_floats(size_t count);
void gb_free(void *ptr);
char *gb_strdup(const char *s);

/* Test hook: the @n-th allocation from now on (1-based) and every later one fail; 0 disables. */
void gb_alloc_fail_after(long n);
/* Number of allocations made since the last call to gb_alloc_fail_after(). */
long gb_alloc_count(void);
/* Blocks handed out by the functions above and not yet given to gb_free(), since the start of
 * the process: tests compare it before and after an operation to find leaks. */
long gb_alloc_live(void);

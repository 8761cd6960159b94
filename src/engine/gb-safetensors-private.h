/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "gb-json.h"

/* Shared by gb-safetensors.c (reading) and gb-safetensors-write.c. */

#define GB_SAFETENSORS_KEY_METADATA "__metadata__"
#define GB_SAFETENSORS_NAME_EXCERPT 80

bool gb_safetensors_host_is_le(void);
/* Copies @n elements of @size bytes between host order and little-endian (the same either
 * way); @dst may be @src. */
void gb_safetensors_copy_le(void *dst, const void *src, size_t n, size_t size);
/* Elements and bytes of a shape; false when they do not fit in a size_t. */
bool gb_safetensors_shape_size(const size_t *shape, int ndim, size_t elem, size_t *count,
                               size_t *bytes);

/* A short printable excerpt of a name for messages; @buf holds GB_SAFETENSORS_NAME_EXCERPT. */
static inline const char *
gb_safetensors_excerpt(const char *s, size_t len, char *buf)
{
  return gb_json_excerpt(s, len, buf, GB_SAFETENSORS_NAME_EXCERPT);
}

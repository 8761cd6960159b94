/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-tensor.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb-alloc.h"

GbShape
gb_shape_make(int ndim, const int *dims)
{
  GbShape s = {0};
  s.ndim = ndim;
  for (int i = 0; i < ndim && i < GB_MAX_DIMS; i++)
    s.dim[i] = dims[i];
  return s;
}

GbShape
gb_shape_1d(int a)
{
  return (GbShape){1, {a, 0, 0, 0}};
}

GbShape
gb_shape_2d(int a, int b)
{
  return (GbShape){2, {a, b, 0, 0}};
}

GbShape
gb_shape_3d(int a, int b, int c)
{
  return (GbShape){3, {a, b, c, 0}};
}

size_t
gb_shape_size(const GbShape *s)
{
  size_t n = 1;
  for (int i = 0; i < s->ndim; i++)
    n *= (size_t)s->dim[i];
  return s->ndim > 0 ? n : 0;
}

bool
gb_shape_equal(const GbShape *a, const GbShape *b)
{
  if (a->ndim != b->ndim)
    return false;
  for (int i = 0; i < a->ndim; i++)
    if (a->dim[i] != b->dim[i])
      return false;
  return true;
}

const char *
gb_shape_format(const GbShape *s, char *buf, size_t len)
{
  size_t off = 0;
  buf[0] = '\0';
  for (int i = 0; i < s->ndim && off < len; i++) {
    int n = snprintf(buf + off, len - off, i ? "x%d" : "%d", s->dim[i]);
    if (n < 0)
      break;
    off += (size_t)n;
  }
  return buf;
}

GbStatus
gb_shape_parse(const char *text, GbShape *out, GbError *err)
{
  GbShape s = {0};
  const char *p = text;
  while (*p) {
    if (s.ndim == GB_MAX_DIMS)
      return gb_error_set(err, GB_ERR_FORMAT, "shape '%s' has more than %d dimensions", text,
                          GB_MAX_DIMS);
    char *end;
    errno = 0;
    long v = strtol(p, &end, 10);
    if (end == p || errno || v < 1 || v > INT_MAX / 2)
      return gb_error_set(err, GB_ERR_FORMAT, "shape '%s': expected positive sizes like 1x28x28",
                          text);
    s.dim[s.ndim++] = (int)v;
    p = end;
    if (*p == 'x' || *p == 'X' || *p == ',')
      p++;
    else if (*p)
      return gb_error_set(err, GB_ERR_FORMAT, "shape '%s': unexpected '%c'", text, *p);
  }
  if (s.ndim == 0)
    return gb_error_set(err, GB_ERR_FORMAT, "empty shape");
  *out = s;
  return GB_OK;
}

GbTensor *
gb_tensor_new(const GbShape *shape, GbError *err)
{
  GbTensor *t = gb_calloc(1, sizeof *t);
  if (t == NULL) {
    gb_error_set(err, GB_ERR_NOMEM, "out of memory for a tensor");
    return NULL;
  }
  t->shape = *shape;
  t->size = gb_shape_size(shape);
  t->data = gb_alloc_floats(t->size);
  if (t->data == NULL) {
    char buf[64];
    gb_error_set(err, GB_ERR_NOMEM, "out of memory for a %s tensor",
                 gb_shape_format(shape, buf, sizeof buf));
    gb_free(t);
    return NULL;
  }
  return t;
}

GbTensor *
gb_tensor_dup(const GbTensor *t, GbError *err)
{
  GbTensor *d = gb_tensor_new(&t->shape, err);
  if (d != NULL)
    memcpy(d->data, t->data, t->size * sizeof(float));
  return d;
}

void
gb_tensor_free(GbTensor *t)
{
  if (t == NULL)
    return;
  gb_free(t->data);
  gb_free(t);
}

void
gb_tensor_fill(GbTensor *t, float value)
{
  for (size_t i = 0; i < t->size; i++)
    t->data[i] = value;
}

GbStatus
gb_tensor_reshape(GbTensor *t, const GbShape *shape, GbError *err)
{
  if (gb_shape_size(shape) != t->size) {
    char a[64], b[64];
    return gb_error_set(err, GB_ERR_SHAPE, "cannot reshape %s into %s",
                        gb_shape_format(&t->shape, a, sizeof a), gb_shape_format(shape, b, sizeof b));
  }
  t->shape = *shape;
  return GB_OK;
}

long
gb_floats_find_nonfinite(const float *x, size_t n)
{
  /* A block at a time with a loop the compiler vectorises (no early exit): all exponent bits
   * set is NaN or infinity. Training checks its whole data set this way (188 MB for MNIST). */
  enum { BLOCK = 1024 };
  for (size_t b = 0; b < n; b += BLOCK) {
    size_t len = n - b < BLOCK ? n - b : BLOCK;
    uint32_t any = 0;
    for (size_t i = 0; i < len; i++) {
      uint32_t u;
      memcpy(&u, &x[b + i], sizeof u);
      any |= (uint32_t)((u & 0x7f800000u) == 0x7f800000u);
    }
    if (any)
      for (size_t i = 0; i < len; i++)
        if (!isfinite(x[b + i]))
          return (long)(b + i);
  }
  return -1;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-segments.h"

#include <string.h>

#include "gb-alloc.h"

/* The (planes, rows, cols) view of an input shape described in gb-segments.h. */
static GbStatus
grid_view(const GbShape *shape, int *planes, int *rows, int *cols, GbError *err)
{
  if (shape->ndim == 3) {
    *planes = shape->dim[0], *rows = shape->dim[1], *cols = shape->dim[2];
  } else if (shape->ndim == 2) {
    *planes = 1, *rows = shape->dim[0], *cols = shape->dim[1];
  } else if (shape->ndim == 1) {
    *planes = 1, *rows = shape->dim[0], *cols = 1;
  } else {
    return gb_error_set(err, GB_ERR_SHAPE, "segments need a 1-, 2- or 3-d input, got %d dims",
                        shape->ndim);
  }
  if (*planes < 1 || *rows < 1 || *cols < 1)
    return gb_error_set(err, GB_ERR_SHAPE, "segments of an empty input");
  return GB_OK;
}

void
gb_segments_clear(GbSegments *s)
{
  if (s == NULL)
    return;
  gb_free(s->ids);
  gb_free(s->sizes);
  memset(s, 0, sizeof *s);
}

/* Allocates ids for @shape; sizes are counted later by finish(). */
static GbStatus
segments_alloc(GbSegments *s, const GbShape *shape, GbError *err)
{
  memset(s, 0, sizeof *s);
  s->shape = *shape;
  s->n = gb_shape_size(shape);
  s->ids = gb_malloc(s->n * sizeof *s->ids);
  if (s->ids == NULL)
    return gb_error_set(err, GB_ERR_NOMEM, "segment map of %zu features", s->n);
  return GB_OK;
}

/* Counts the segment sizes; every id in 0..M-1 must occur. */
static GbStatus
segments_finish(GbSegments *s, int n_segments, GbError *err)
{
  s->n_segments = n_segments;
  s->sizes = gb_calloc((size_t)n_segments, sizeof *s->sizes);
  if (s->sizes == NULL) {
    gb_segments_clear(s);
    return gb_error_set(err, GB_ERR_NOMEM, "sizes of %d segments", n_segments);
  }
  for (size_t i = 0; i < s->n; i++) s->sizes[s->ids[i]]++;
  for (int k = 0; k < n_segments; k++)
    if (s->sizes[k] == 0) {
      gb_segments_clear(s);
      return gb_error_set(err, GB_ERR_INVALID, "segment %d has no features", k);
    }
  return GB_OK;
}

GbStatus
gb_segments_grid(GbSegments *s, const GbShape *shape, int block_rows, int block_cols,
                 GbError *err)
{
  int planes = 0, rows = 0, cols = 0;
  memset(s, 0, sizeof *s);
  GbStatus st = grid_view(shape, &planes, &rows, &cols, err);
  if (st != GB_OK)
    return st;
  if (shape->ndim == 1)
    block_cols = 1;
  if (block_rows < 1 || block_cols < 1)
    return gb_error_set(err, GB_ERR_INVALID, "segment blocks must be at least 1 x 1, got %d x %d",
                        block_rows, block_cols);
  if ((st = segments_alloc(s, shape, err)) != GB_OK)
    return st;
  int br = (rows + block_rows - 1) / block_rows, bc = (cols + block_cols - 1) / block_cols;
  size_t i = 0;
  for (int p = 0; p < planes; p++)
    for (int r = 0; r < rows; r++)
      for (int c = 0; c < cols; c++) s->ids[i++] = (r / block_rows) * bc + c / block_cols;
  return segments_finish(s, br * bc, err);
}

GbStatus
gb_segments_features(GbSegments *s, const GbShape *shape, GbError *err)
{
  GbStatus st = segments_alloc(s, shape, err);
  if (st != GB_OK)
    return st;
  if (s->n == 0 || s->n > (size_t)1 << 30) {
    gb_segments_clear(s);
    return gb_error_set(err, GB_ERR_SHAPE, "one segment per feature needs 1..2^30 features");
  }
  for (size_t i = 0; i < s->n; i++) s->ids[i] = (int)i;
  return segments_finish(s, (int)s->n, err);
}

GbStatus
gb_segments_from_ids(GbSegments *s, const GbShape *shape, const int *ids, size_t n, GbError *err)
{
  memset(s, 0, sizeof *s);
  if (ids == NULL || n != gb_shape_size(shape) || n == 0)
    return gb_error_set(err, GB_ERR_SHAPE, "segment map has %zu ids, the input %zu features", n,
                        gb_shape_size(shape));
  int max = -1;
  for (size_t i = 0; i < n; i++) {
    if (ids[i] < 0)
      return gb_error_set(err, GB_ERR_INVALID, "segment id %d of feature %zu is negative",
                          ids[i], i);
    max = ids[i] > max ? ids[i] : max;
  }
  GbStatus st = segments_alloc(s, shape, err);
  if (st != GB_OK)
    return st;
  memcpy(s->ids, ids, n * sizeof *ids);
  return segments_finish(s, max + 1, err);
}

void
gb_segments_expand(const GbSegments *s, const double *values, GbExpand how, float *out)
{
  for (size_t i = 0; i < s->n; i++) {
    int k = s->ids[i];
    out[i] = (float)(how == GB_EXPAND_ASSIGN ? values[k] : values[k] / s->sizes[k]);
  }
}

GbStatus
gb_segments_mean_fill(const GbSegments *s, const float *x, float *out, GbError *err)
{
  int planes = s->shape.ndim == 3 ? s->shape.dim[0] : 1;
  size_t per_plane = s->n / (size_t)planes, m = (size_t)s->n_segments;
  double *sum = gb_calloc(m, sizeof *sum);
  long *count = gb_calloc(m, sizeof *count);
  if (sum == NULL || count == NULL) {
    gb_free(sum);
    gb_free(count);
    return gb_error_set(err, GB_ERR_NOMEM, "segment means of %zu segments", m);
  }
  for (int p = 0; p < planes; p++) {
    size_t base = (size_t)p * per_plane;
    memset(sum, 0, m * sizeof *sum);
    memset(count, 0, m * sizeof *count);
    for (size_t i = base; i < base + per_plane; i++) {
      sum[s->ids[i]] += x[i];
      count[s->ids[i]]++;
    }
    for (size_t i = base; i < base + per_plane; i++)
      out[i] = (float)(sum[s->ids[i]] / count[s->ids[i]]);
  }
  gb_free(sum);
  gb_free(count);
  return GB_OK;
}

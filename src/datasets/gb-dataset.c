/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-dataset.h"

#include <string.h>

#include "gb-alloc.h"

GbDataset *
gb_dataset_new(const char *name, int n, const GbShape *sample, int n_classes, GbError *err)
{
  if (n < 1 || sample->ndim < 1 || sample->ndim > 3) {
    gb_error_set(err, GB_ERR_INVALID, "%s: a data set needs samples of 1 to 3 dimensions", name);
    return NULL;
  }
  GbDataset *ds = gb_calloc(1, sizeof *ds);
  if (ds == NULL)
    goto nomem;
  GbShape full = {sample->ndim + 1, {n}};
  for (int i = 0; i < sample->ndim; i++)
    full.dim[i + 1] = sample->dim[i];
  ds->name = gb_strdup(name);
  ds->labels = gb_calloc((size_t)n, sizeof *ds->labels);
  ds->n_classes = n_classes;
  if (ds->name == NULL || ds->labels == NULL)
    goto nomem;
  ds->x = gb_tensor_new(&full, err);
  if (ds->x == NULL) {
    gb_dataset_free(ds);
    return NULL;
  }
  return ds;
nomem:
  gb_dataset_free(ds);
  gb_error_set(err, GB_ERR_NOMEM, "%s: out of memory for %d samples", name, n);
  return NULL;
}

GbDataset *
gb_dataset_dup(const GbDataset *src, GbError *err)
{
  GbShape sample = gb_dataset_sample_shape(src);
  int n = gb_dataset_size(src);
  GbDataset *ds = gb_dataset_new(src->name, n, &sample, src->n_classes, err);
  if (ds == NULL)
    return NULL;
  memcpy(ds->x->data, src->x->data, (size_t)n * gb_shape_size(&sample) * sizeof(float));
  memcpy(ds->labels, src->labels, (size_t)n * sizeof *ds->labels);
  return ds;
}

void
gb_dataset_free(GbDataset *ds)
{
  if (ds == NULL)
    return;
  gb_tensor_free(ds->x);
  gb_free(ds->labels);
  gb_free(ds->name);
  gb_free(ds);
}

int
gb_dataset_size(const GbDataset *ds)
{
  return ds->x->shape.dim[0];
}

GbShape
gb_dataset_sample_shape(const GbDataset *ds)
{
  GbShape s = {ds->x->shape.ndim - 1, {0}};
  for (int i = 0; i < s.ndim; i++)
    s.dim[i] = ds->x->shape.dim[i + 1];
  return s;
}

GbDataView
gb_dataset_view_range(const GbDataset *ds, int start, int count)
{
  GbDataView v = {0};
  GbShape s = gb_dataset_sample_shape(ds);
  v.n = count;
  v.shape = s;
  v.x = ds->x->data + (size_t)start * gb_shape_size(&s);
  v.labels = ds->labels + start;
  v.n_classes = ds->n_classes;
  return v;
}

GbDataView
gb_dataset_view(const GbDataset *ds)
{
  return gb_dataset_view_range(ds, 0, gb_dataset_size(ds));
}

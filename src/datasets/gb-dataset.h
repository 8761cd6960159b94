/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stdint.h>

#include "gb-tensor.h"
#include "gb-train.h"

/* A labelled data set that owns its samples. x: (n, sample shape...). */
typedef struct {
  char *name;
  GbTensor *x;
  int *labels;
  int n_classes;
} GbDataset;

GbDataset *gb_dataset_new(const char *name, int n, const GbShape *sample, int n_classes,
                          GbError *err);
void gb_dataset_free(GbDataset *ds);
int gb_dataset_size(const GbDataset *ds);
GbShape gb_dataset_sample_shape(const GbDataset *ds);
/* A borrowed view for the engine's training functions. */
GbDataView gb_dataset_view(const GbDataset *ds);
/* Rows [start, start + count) as a view. */
GbDataView gb_dataset_view_range(const GbDataset *ds, int start, int count);

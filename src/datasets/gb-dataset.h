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

/* Opens a data source named on the command line or in the app:
 *   synthetic-images[:N[:SIZE[:SEED]]]      (default 10000 x 1x28x28, seed 1)
 *   synthetic-sequences[:N[:STEPS[:CHANNELS[:SEED]]]]  (default 2000 x 64x8, seed 1)
 * Messages name the source and what is wrong with it. */
GbDataset *gb_dataset_open(const char *source, GbError *err);

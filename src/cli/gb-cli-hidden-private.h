/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "gb-eeg.h"
#include "gb-hidden.h"
#include "gb-model.h"
#include "gb-plot-export.h"

/* glassbox-cli hidden: the options, the data every view shares, and the views. */

typedef struct {
  char *model, *data, *windows, *csv, *plot;
  const char *method;
  int layer, trials, k, folds, seed;
} HiddenOptions;

typedef struct {
  HiddenOptions *o;
  GbModel *m;
  GbEegSet *set;
  int n, T, C;          /* trials used, steps, channels */
  const float *x;       /* (n, T, C) */
  const int *labels;    /* n */
  double *t_ms;         /* T: each step's time from the onset */
  int layer;            /* the recurrent layer inspected */
  GbHiddenStates states; /* filled by hidden_collect */
} HiddenContext;

int hidden_count_label(const HiddenContext *c, int label);
GbStatus hidden_collect(HiddenContext *c, GbError *err);
/* Writes @s to @path and says so; an exit code. */
int hidden_write_text(const char *path, const GString *s);
/* Exports the figure @draw draws when --plot was given; an exit code. */
int hidden_export(const HiddenContext *c, int width, int height, GbPlotDrawFn draw, void *user);

int hidden_view_raster(HiddenContext *c);
int hidden_view_pca(HiddenContext *c);
int hidden_view_probe(HiddenContext *c);
int hidden_view_kmeans(HiddenContext *c);
int hidden_view_relevance_time(HiddenContext *c);
int hidden_view_scalp(HiddenContext *c);
int hidden_view_evidence(HiddenContext *c);

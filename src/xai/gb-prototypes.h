/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gb-model.h"
#include "gb-status.h"
#include "gb-train.h"

/* What a model takes a class to look like: real training examples (prototypes) and synthetic
 * inputs that excite a class most (activation maximisation). */

/* ---- Prototypes ---- */

typedef struct {
  int n_classes;
  int k;            /* prototypes per class */
  int layer;        /* whose output was compared: -1 the input itself */
  size_t dim;       /* its size */
  float *centres;   /* owned (n_classes, dim): mean representation of each class */
  int *counts;      /* owned (n_classes): samples per class */
  int *index;       /* owned (n_classes, k): rows of the data nearest each centre, nearest
                     * first; -1 where a class has fewer than k samples */
  double *distance; /* owned (n_classes, k): their Euclidean distances to the centre */
} GbPrototypes;

void gb_prototypes_clear(GbPrototypes *p);

/* The layer whose output feeds the last layer of @m (the penultimate representation): -1, the
 * input, for a model of one layer. Trailing activations after the last dense layer are
 * skipped, so for "... dense(64), relu, dense(10), softmax" it is the relu; so are dropout
 * layers, the identity at inference. */
int gb_prototypes_default_layer(const GbModel *m);

/* Groups the samples of @data by label (@by_prediction: by the model's prediction instead),
 * takes each group's mean of layer @layer's output (-2: gb_prototypes_default_layer; -1: the
 * input) as its centre, and lists the @k samples of the group nearest it. GB_ERR_INVALID for
 * an empty data set, k < 1, a bad layer, or missing labels. */
GbStatus gb_prototypes_find(GbModel *m, const GbDataView *data, int layer, int k,
                            bool by_prediction, GbProgressFn progress, void *user,
                            GbPrototypes *out, GbError *err);

/* ---- Activation maximisation (Erhan et al. 2009; Simonyan et al. 2014) ---- */

typedef struct {
  int steps;          /* gradient-ascent steps, default 200 */
  double lr;          /* step size, default 0.05; each step is lr * gradient / rms(gradient) */
  double l2;          /* weight of -||x||^2 / 2, default 0.3 */
  double tv;          /* weight of -TV2(x)/2 (sum of squared neighbour differences), 0.15 */
  int blur_every;     /* blur x every k steps (0: never), default 4 */
  double blur_sigma;  /* of that Gaussian blur in pixels, default 0.5 */
  float start;        /* the start image's value, default 0 (black); 0.5 for gray */
  double start_noise; /* sd of seeded Gaussian noise added to the start, default 0.01 */
  uint64_t seed;
  GbProgressFn progress;
  void *user;
} GbActMaxConfig;

void gb_actmax_config_init(GbActMaxConfig *cfg);

typedef struct {
  float *x;           /* owned (input size): the result, in [0, 1] */
  double logit_start; /* the class logit at the start image */
  double logit_end;   /* ... at the result */
  double prob_end;    /* softmax probability of the class at the result */
} GbActMax;

void gb_actmax_clear(GbActMax *r);

/* Maximises the logit of @target_class over images (c, h, w) in [0, 1] by projected gradient
 * ascent with L2 and total-variation penalties and periodic blur. Deterministic for a seed.
 * GB_ERR_UNSUPPORTED for inputs that are not images. */
GbStatus gb_activation_maximise(GbModel *m, int target_class, const GbActMaxConfig *cfg,
                                GbActMax *out, GbError *err);

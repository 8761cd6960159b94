/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "gb-status.h"

/* Optimizers as their papers (and PyTorch) define them:
 *   sgd       w -= lr g
 *   momentum  b = mu b + g; w -= lr b                       (Polyak; PyTorch's form)
 *   nesterov  b = mu b + g; w -= lr (g + mu b)              (Sutskever et al. 2013, PyTorch)
 *   adagrad   s += g^2; w -= lr g / (sqrt(s) + eps)         (Duchi et al. 2011)
 *   rmsprop   v = a v + (1-a) g^2; w -= lr g / (sqrt(v) + eps)   (Hinton, lecture 6e)
 *   adam      bias-corrected moments (Kingma & Ba 2015)
 *   adamw     adam with decoupled decay w -= lr wd w        (Loshchilov & Hutter 2019)
 *   lars      per tensor: local = eta |w| / (|g| + wd |w|); v = mu v + lr local (g + wd w);
 *             w -= v                                        (You, Gitman & Ginsburg 2017)
 *             biases, and tensors whose |w| or |g| is zero, keep local = 1; eps is added to the
 *             denominator of local only as a guard.
 * Weight decay (L2, added to the gradient; decoupled for AdamW) applies to weights only, never
 * to biases. */
typedef enum {
  GB_OPTIM_SGD,
  GB_OPTIM_MOMENTUM,
  GB_OPTIM_NESTEROV,
  GB_OPTIM_ADAGRAD,
  GB_OPTIM_RMSPROP,
  GB_OPTIM_ADAM,
  GB_OPTIM_ADAMW,
  GB_OPTIM_LARS,
  GB_OPTIM_N_KINDS
} GbOptimKind;

typedef struct {
  GbOptimKind kind;
  float lr;
  float momentum;     /* momentum, nesterov, lars */
  float beta1, beta2; /* adam, adamw */
  float alpha;        /* rmsprop smoothing */
  float eps;
  float weight_decay;
  float trust;        /* lars trust coefficient eta */
} GbOptimConfig;

/* The usual defaults of each optimizer (PyTorch's, and the LARS paper's). */
void gb_optim_config_defaults(GbOptimConfig *cfg, GbOptimKind kind);
bool gb_optim_kind_from_string(const char *name, GbOptimKind *kind);
const char *gb_optim_kind_to_string(GbOptimKind kind);

/* One parameter tensor: a range of the flat buffer. */
typedef struct {
  size_t offset, count;
  bool is_bias;
} GbOptimGroup;

typedef struct GbOptim GbOptim;

/* Fails with GB_ERR_INVALID on an unknown kind, a hyperparameter out of range (negative rate,
 * momentum, eps, decay or trust; a beta or the RMSprop alpha outside [0, 1); anything not
 * finite) or a group that lies outside the buffer. */
GbOptim *gb_optim_new(const GbOptimConfig *cfg, size_t buffer_len, const GbOptimGroup *groups,
                      int n_groups, GbError *err);
void gb_optim_free(GbOptim *opt);
/* One update of @params from @grads with learning rate @lr (the schedule's value). */
void gb_optim_step(GbOptim *opt, float *params, const float *grads, float lr);
/* Forgets the moments and the step count. */
void gb_optim_reset(GbOptim *opt);
const GbOptimConfig *gb_optim_get_config(const GbOptim *opt);

typedef enum {
  GB_SCHEDULE_CONSTANT,
  GB_SCHEDULE_STEP,   /* lr * gamma^floor(epoch / step_size) */
  GB_SCHEDULE_COSINE, /* min_lr + (lr - min_lr) (1 + cos(pi epoch / t_max)) / 2, then min_lr
                       * from epoch t_max on (PyTorch's closed form would climb again) */
} GbScheduleKind;

typedef struct {
  GbScheduleKind kind;
  int step_size;
  float gamma;
  int t_max; /* 0: the number of training epochs */
  float min_lr;
} GbSchedule;

void gb_schedule_init(GbSchedule *s, GbScheduleKind kind);
bool gb_schedule_kind_from_string(const char *name, GbScheduleKind *kind);
const char *gb_schedule_kind_to_string(GbScheduleKind kind);
/* Learning rate for 0-based @epoch out of @n_epochs. */
float gb_schedule_lr(const GbSchedule *s, float base_lr, int epoch, int n_epochs);

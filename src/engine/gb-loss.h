/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stdbool.h>

#include "gb-status.h"

typedef enum {
  GB_LOSS_SOFTMAX_CE, /* softmax + cross-entropy on logits, fused; integer labels */
  GB_LOSS_BCE,        /* sigmoid + binary cross-entropy on one logit; labels 0/1, class weights */
  GB_LOSS_MSE,        /* mean squared error against float targets */
} GbLossKind;

typedef struct {
  GbLossKind kind;
  /* BCE class weights: each sample's loss is multiplied by the weight of its class. Weighted
   * like PyTorch's BCEWithLogitsLoss(weight=w[y]): the mean over the batch of w_y * l. */
  float weight_neg, weight_pos;
} GbLossConfig;

void gb_loss_config_init(GbLossConfig *cfg, GbLossKind kind);
bool gb_loss_kind_from_string(const char *name, GbLossKind *kind);
const char *gb_loss_kind_to_string(GbLossKind kind);

/* Mean loss over the batch. When @dlogits is not NULL it receives dLoss/dlogits (of the mean).
 * logits: (batch, n_classes)  labels: (batch) */
double gb_loss_softmax_ce(const float *logits, const int *labels, int batch, int n_classes,
                          float *dlogits);
/* logits: (batch, 1)  labels: (batch), 0 or 1 */
double gb_loss_bce(const float *logits, const int *labels, int batch, float weight_neg,
                   float weight_pos, float *dlogits);
/* y, targets: (batch, n): mean over batch and outputs of (y - t)^2. */
double gb_loss_mse(const float *y, const float *targets, int batch, int n, float *dy);

/* Dispatches on cfg->kind. For MSE, @labels is ignored and @targets used; for the others
 * @targets may be NULL. */
double gb_loss_compute(const GbLossConfig *cfg, const float *logits, const int *labels,
                       const float *targets, int batch, int n_out, float *dlogits);

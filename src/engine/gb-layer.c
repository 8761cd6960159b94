/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-layer.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const GbLayerOps *const all_ops[GB_LAYER_N_KINDS] = {
    [GB_LAYER_DENSE] = &gb_dense_ops,         [GB_LAYER_CONV2D] = &gb_conv2d_ops,
    [GB_LAYER_MAXPOOL2D] = &gb_maxpool2d_ops, [GB_LAYER_AVGPOOL2D] = &gb_avgpool2d_ops,
    [GB_LAYER_FLATTEN] = &gb_flatten_ops,     [GB_LAYER_DROPOUT] = &gb_dropout_ops,
    [GB_LAYER_RELU] = &gb_relu_ops,           [GB_LAYER_LEAKY_RELU] = &gb_leaky_relu_ops,
    [GB_LAYER_SIGMOID] = &gb_sigmoid_ops,     [GB_LAYER_TANH] = &gb_tanh_ops,
    [GB_LAYER_SOFTMAX] = &gb_softmax_ops,     [GB_LAYER_RNN] = &gb_rnn_ops,
    [GB_LAYER_LSTM] = &gb_lstm_ops,           [GB_LAYER_GRU] = &gb_gru_ops,
    [GB_LAYER_PRM] = &gb_prm_ops,
};

const GbLayerOps *
gb_layer_ops_for_kind(GbLayerKind kind)
{
  if ((int)kind < 0 || kind >= GB_LAYER_N_KINDS)
    return NULL;
  return all_ops[kind];
}

const char *
gb_layer_kind_name(GbLayerKind kind)
{
  const GbLayerOps *ops = gb_layer_ops_for_kind(kind);
  return ops ? ops->type_name : "unknown";
}

bool
gb_layer_kind_from_name(const char *name, GbLayerKind *kind)
{
  for (int k = 0; k < GB_LAYER_N_KINDS; k++)
    if (strcmp(all_ops[k]->type_name, name) == 0) {
      *kind = (GbLayerKind)k;
      return true;
    }
  return false;
}

bool
gb_layer_kind_has_params(GbLayerKind kind)
{
  return kind == GB_LAYER_DENSE || kind == GB_LAYER_CONV2D || gb_layer_kind_is_recurrent(kind);
}

bool
gb_layer_kind_is_recurrent(GbLayerKind kind)
{
  return kind == GB_LAYER_RNN || kind == GB_LAYER_LSTM || kind == GB_LAYER_GRU ||
         kind == GB_LAYER_PRM;
}

void
gb_layer_add_param(GbLayer *layer, const char *suffix, const GbShape *shape, bool is_bias)
{
  if (layer->n_params >= GB_LAYER_MAX_PARAMS)
    return;
  GbParamInfo *p = &layer->param[layer->n_params++];
  memset(p, 0, sizeof *p);
  snprintf(p->suffix, sizeof p->suffix, "%s", suffix);
  p->shape = *shape;
  p->count = gb_shape_size(shape);
  p->is_bias = is_bias;
}

size_t
gb_layer_in_size(const GbLayer *layer)
{
  return gb_shape_size(&layer->in_shape);
}

size_t
gb_layer_out_size(const GbLayer *layer)
{
  return gb_shape_size(&layer->out_shape);
}

void
gb_init_he_normal(float *w, size_t n, int fan_in, GbRng *rng)
{
  double std = sqrt(2.0 / (fan_in > 0 ? fan_in : 1));
  for (size_t i = 0; i < n; i++)
    w[i] = (float)(std * gb_rng_normal(rng));
}

void
gb_init_glorot_uniform(float *w, size_t n, int fan_in, int fan_out, GbRng *rng)
{
  double bound = sqrt(6.0 / ((fan_in + fan_out) > 0 ? fan_in + fan_out : 1));
  gb_init_uniform(w, n, (float)bound, rng);
}

void
gb_init_uniform(float *w, size_t n, float bound, GbRng *rng)
{
  for (size_t i = 0; i < n; i++)
    w[i] = (float)((2.0 * gb_rng_uniform(rng) - 1.0) * bound);
}

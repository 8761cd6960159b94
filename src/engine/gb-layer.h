/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "gb-rng.h"
#include "gb-status.h"
#include "gb-tensor.h"

/* A layer is a forward/backward pair over a batch. Shapes exclude the batch dimension:
 *   dense:        (n_in) or anything flat       -> (units)
 *   conv2d:       (c, h, w)                     -> (filters, oh, ow)
 *   pools:        (c, h, w)                     -> (c, oh, ow)
 *   flatten:      any                           -> (size)
 *   activations, dropout: any                   -> same
 *   rnn/lstm/gru: (time, features)              -> (hidden) or (time, hidden)
 *   prm:          (time, features)              -> (1), the logit, or (time), its per-step terms
 * Buffers are row-major with the batch first: x is (batch, in_size), y is (batch, out_size).
 * Parameters follow PyTorch's layouts and names so model files load in NumPy and PyTorch. */

typedef enum {
  GB_LAYER_DENSE,
  GB_LAYER_CONV2D,
  GB_LAYER_MAXPOOL2D,
  GB_LAYER_AVGPOOL2D,
  GB_LAYER_FLATTEN,
  GB_LAYER_DROPOUT,
  GB_LAYER_RELU,
  GB_LAYER_LEAKY_RELU,
  GB_LAYER_SIGMOID,
  GB_LAYER_TANH,
  GB_LAYER_SOFTMAX,
  GB_LAYER_RNN,
  GB_LAYER_LSTM,
  GB_LAYER_GRU,
  GB_LAYER_PRM,
  GB_LAYER_N_KINDS
} GbLayerKind;

typedef enum {
  GB_INIT_AUTO,   /* He before ReLU-like activations, Glorot otherwise (decided by the model) */
  GB_INIT_HE,     /* He et al. 2015: normal, std sqrt(2 / fan_in) */
  GB_INIT_GLOROT, /* Glorot & Bengio 2010: uniform, bound sqrt(6 / (fan_in + fan_out)) */
} GbInitKind;

/* Hyper-parameters; each layer reads the fields that concern it. */
typedef struct {
  int units;             /* dense: outputs; conv2d: filters; rnn/lstm/gru/prm: hidden size */
  int post_units;        /* prm: units of the post-recurrent module (default 8) */
  int kernel;            /* conv2d and pools: square kernel size */
  int stride;            /* conv2d (default 1) and pools (default = kernel) */
  int pad;               /* conv2d: zero padding on each side */
  float alpha;           /* leaky relu: negative slope (default 0.01) */
  float rate;            /* dropout: probability of dropping a unit */
  float state_noise;     /* rnn/lstm/gru/prm: sigma of multiplicative noise on h(t-1), training
                            only */
  bool return_sequences; /* rnn/lstm/gru: output every step's state instead of the last;
                            prm: output every step's evidence instead of their sum */
  GbInitKind init;       /* dense, conv2d: weight initialisation */
} GbLayerConfig;

#define GB_LAYER_MAX_PARAMS 8 /* prm has 8 tensors */

/* One parameter tensor of a layer: PyTorch's name suffix ("weight", "bias", "weight_ih"...),
 * its shape, and where it sits in the model's flat parameter buffer. */
typedef struct {
  char suffix[16];
  GbShape shape;
  size_t count;
  size_t offset;
  bool is_bias; /* biases get no weight decay and no L1 penalty */
} GbParamInfo;

typedef struct GbLayer GbLayer;

typedef struct {
  const char *type_name; /* as written in architecture specs: "dense", "conv2d", ... */
  /* From in_shape and cfg: check them, set out_shape and declare parameters with
   * gb_layer_add_param(). Allocates nothing. */
  GbStatus (*setup)(GbLayer *layer, GbError *err);
  /* Fills freshly allocated parameters (He, Glorot, zeros...). */
  void (*init)(GbLayer *layer, GbRng *rng);
  /* Allocates scratch for batches of up to @max_batch (may be called again with more). */
  GbStatus (*reserve)(GbLayer *layer, int max_batch, GbError *err);
  /* y = f(x). Caches what backward needs, in training and inference alike. */
  void (*forward)(GbLayer *layer, const float *x, float *y, int batch, bool training);
  /* Given dL/dy, writes dL/dx when @dx is not NULL and, when @param_grads, overwrites the
   * layer's parameter gradients. x and y are the last forward's buffers. */
  void (*backward)(GbLayer *layer, const float *x, const float *y, const float *dy, float *dx,
                   int batch, bool param_grads);
  /* Frees scratch (not parameters, which the model owns). May be NULL. */
  void (*release)(GbLayer *layer);
} GbLayerOps;

struct GbLayer {
  const GbLayerOps *ops;
  GbLayerKind kind;
  char name[24]; /* "dense1", "conv2", "lstm1": prefix of its tensors' names in model files */
  GbLayerConfig cfg;
  GbShape in_shape, out_shape;
  int n_params;
  GbParamInfo param[GB_LAYER_MAX_PARAMS];
  float *p[GB_LAYER_MAX_PARAMS]; /* parameter values, inside the model's flat buffer */
  float *g[GB_LAYER_MAX_PARAMS]; /* their gradients, inside the model's flat gradient buffer */
  int max_batch;
  bool last_training; /* mode of the last forward, for dropout's and noise's backward */
  GbRng *rng;         /* the model's generator: dropout masks and state noise */
  void *scratch;      /* private to the layer kind */
};

/* The layer kinds, by kind and by name. */
const GbLayerOps *gb_layer_ops_for_kind(GbLayerKind kind);
bool gb_layer_kind_from_name(const char *name, GbLayerKind *kind);
const char *gb_layer_kind_name(GbLayerKind kind);
/* Parametric layers keep their parameters in the model file; the rest are pure functions. */
bool gb_layer_kind_has_params(GbLayerKind kind);
/* Layers over (time, features) inputs that keep their states in the shared recurrent caches:
 * rnn, lstm, gru and prm. They all take a hidden size. */
bool gb_layer_kind_is_recurrent(GbLayerKind kind);
/* Every step's hidden state h(1..T) of a recurrent layer (rnn, lstm, gru, prm: its Elman part)
 * from the layer's last forward, which must have been of @batch samples, whether the layer
 * outputs them (seq=all) or only the last one: @states (batch, T, H). GB_ERR_INVALID for
 * another kind of layer, or when no forward of @batch samples fits the layer's caches. */
GbStatus gb_layer_recurrent_states(const GbLayer *layer, int batch, float *states,
                                   GbError *err);

/* Declares a parameter tensor during setup. */
void gb_layer_add_param(GbLayer *layer, const char *suffix, const GbShape *shape, bool is_bias);
size_t gb_layer_in_size(const GbLayer *layer);
size_t gb_layer_out_size(const GbLayer *layer);

/* A relu followed by a maxpool2d as one pass, which the model uses in training (the ReLU's output
 * is then not written): y = maxpool(relu(x)) with @pool the maxpool2d layer and x the ReLU's
 * input; backward, with y that output and dy its gradient, writes the gradient of the ReLU's
 * input to dx, using @masked (batch, pool output size) as scratch. The same values and
 * gradients as the two layers. */
void gb_maxpool_relu_forward(GbLayer *pool, const float *x, float *y, int batch);
void gb_maxpool_relu_backward(GbLayer *pool, const float *y, const float *dy, float *masked,
                              float *dx, int batch);

/* Initialisers. fan_in/fan_out as PyTorch computes them. */
void gb_init_he_normal(float *w, size_t n, int fan_in, GbRng *rng);
void gb_init_glorot_uniform(float *w, size_t n, int fan_in, int fan_out, GbRng *rng);
void gb_init_uniform(float *w, size_t n, float bound, GbRng *rng);

/* Layer kinds, one per file. */
extern const GbLayerOps gb_dense_ops;
extern const GbLayerOps gb_conv2d_ops;
extern const GbLayerOps gb_maxpool2d_ops;
extern const GbLayerOps gb_avgpool2d_ops;
extern const GbLayerOps gb_flatten_ops;
extern const GbLayerOps gb_dropout_ops;
extern const GbLayerOps gb_relu_ops;
extern const GbLayerOps gb_leaky_relu_ops;
extern const GbLayerOps gb_sigmoid_ops;
extern const GbLayerOps gb_tanh_ops;
extern const GbLayerOps gb_softmax_ops;
extern const GbLayerOps gb_rnn_ops;
extern const GbLayerOps gb_lstm_ops;
extern const GbLayerOps gb_gru_ops;
extern const GbLayerOps gb_prm_ops;

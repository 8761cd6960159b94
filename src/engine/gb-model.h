/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gb-layer.h"
#include "gb-status.h"
#include "gb-tensor.h"

/* An architecture: the input shape of one sample and a stack of layers. Written as text, e.g.
 *   input(1,28,28), conv2d(8,5), relu, maxpool2d(2), flatten, dense(64), relu, dense(10)
 *   input(256,8), lstm(32), dense(2)
 * Items are separated by commas or spaces; arguments are positional or key=value:
 *   dense(units, init=he|glorot)      conv2d(filters, kernel, stride=1, pad=0, init=...)
 *   maxpool2d(kernel, stride=kernel)  avgpool2d(kernel, stride=kernel)
 *   dropout(rate)  leakyrelu(alpha=0.01)  flatten relu sigmoid tanh softmax
 *   rnn|lstm|gru(hidden, seq=last|all, noise=0) -- noise: multiplicative state noise sigma
 *   prm(hidden, post=8, seq=last|all, noise=0)  -- Elman RNN + post-recurrent module; one logit
 *                                                 (seq=all: its T additive terms) */
typedef struct {
  GbLayerKind kind;
  GbLayerConfig cfg;
} GbLayerSpec;

typedef struct {
  GbShape input;
  int n_layers;
  GbLayerSpec *layers;
} GbArch;

GbStatus gb_arch_parse(const char *text, GbArch *out, GbError *err);
/* The canonical text of @arch, every argument spelled out; free with gb_free(). */
char *gb_arch_format(const GbArch *arch);
GbStatus gb_arch_copy(GbArch *dst, const GbArch *src, GbError *err);
void gb_arch_clear(GbArch *arch);

typedef struct GbModel GbModel;

/* A named parameter tensor as it appears in model files: "<layer name>.<suffix>". */
typedef struct {
  char name[48];
  GbShape shape;
  size_t count;
  float *data;
  float *grad;
  bool is_bias;
  int layer; /* index of the layer that owns it */
} GbModelTensor;

/* Builds the layers, checks that their shapes chain, and initialises the weights from @seed. */
GbStatus gb_model_new(const GbArch *arch, uint64_t seed, GbModel **out, GbError *err);
GbStatus gb_model_new_from_spec(const char *spec, uint64_t seed, GbModel **out, GbError *err);
/* A deep copy: same architecture, weights and metadata, its own buffers. */
GbModel *gb_model_dup(const GbModel *m, GbError *err);
void gb_model_free(GbModel *m);

const GbArch *gb_model_get_arch(const GbModel *m);
char *gb_model_dup_spec(const GbModel *m);
const GbShape *gb_model_input_shape(const GbModel *m);
size_t gb_model_input_size(const GbModel *m);
int gb_model_n_outputs(const GbModel *m);
int gb_model_n_layers(const GbModel *m);
GbLayer *gb_model_get_layer(GbModel *m, int i);

/* All trainable values in one flat buffer (with alignment gaps that stay zero), and their
 * gradients in a second buffer of the same layout. */
size_t gb_model_n_params(const GbModel *m);
size_t gb_model_buffer_len(const GbModel *m);
float *gb_model_params(GbModel *m);
float *gb_model_grads(GbModel *m);
int gb_model_n_tensors(const GbModel *m);
void gb_model_get_tensor(GbModel *m, int i, GbModelTensor *out);
/* Index of the tensor called @name, or -1. */
int gb_model_find_tensor(GbModel *m, const char *name);

/* Makes room for batches of up to @batch samples; forward/backward call it as needed. */
GbStatus gb_model_reserve(GbModel *m, int batch, GbError *err);
/* x: (batch, input_size) -> *logits: (batch, n_outputs), valid until the next forward.
 * @training turns on dropout and state noise. */
GbStatus gb_model_forward(GbModel *m, const float *x, int batch, bool training,
                          const float **logits, GbError *err);
/* After a forward on the same batch: dlogits (batch, n_outputs) -> dx (batch, input_size) when
 * @dx is not NULL, and the parameter gradients when @param_grads. */
GbStatus gb_model_backward(GbModel *m, const float *dlogits, int batch, float *dx,
                           bool param_grads, GbError *err);
/* Layers [from, to) only: x (batch, input size of layer from) -> *out (batch, output size of
 * layer to - 1), valid until the next forward. The model's forward is the range [0, n_layers).
 * Used to evaluate a model from a layer's output on, e.g. after computing an affine first layer
 * once for many inputs that share most of it. */
GbStatus gb_model_forward_range(GbModel *m, int from, int to, const float *x, int batch,
                                bool training, const float **out, GbError *err);
/* After a forward whose range covered [from, to), on the same batch: dy (batch, output size of
 * layer to - 1) -> dx (batch, input size of layer from), without parameter gradients. dy may
 * not be one of the model's own buffers except gb_model_layer_output()s. */
GbStatus gb_model_backward_range(GbModel *m, int from, int to, const float *dy, int batch,
                                 float *dx, GbError *err);
/* Output of layer @i from the last forward (i = -1: the input). (batch, layer out size).
 * A ReLU's output that the forward fused with the max pooling after it is computed here. */
const float *gb_model_layer_output(const GbModel *m, int i);
/* Forwards run each relu followed by a maxpool2d as one pass (the default, and never with the
 * reference kernels); off runs the two layers. The values and gradients are the same bit for
 * bit; tests and benchmarks compare the two. */
void gb_model_set_fusion(GbModel *m, bool on);
/* Inference over @n samples in chunks: x (n, input_size) -> logits (n, n_outputs). */
GbStatus gb_model_predict(GbModel *m, const float *x, int n, float *logits,
                          GbProgressFn progress, void *user, GbError *err);

/* The model's generator for dropout masks and state noise. */
GbRng *gb_model_rng(GbModel *m);

/* Free-form string metadata saved with the model (training command, accuracy...). The keys
 * "format", "glassbox.architecture" and "glassbox.version" are reserved for model files. */
GbStatus gb_model_set_meta(GbModel *m, const char *key, const char *value, GbError *err);
const char *gb_model_get_meta(const GbModel *m, const char *key);
int gb_model_n_meta(const GbModel *m);
void gb_model_meta_at(const GbModel *m, int i, const char **key, const char **value);

/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "gb-lrp.h"

/* A linear map the rules run through: z = W a + b and its transpose c = W^T s.
 *
 * How the modified layers run: a rule needs the layer's forward and backward with modified
 * weights rho(W) (and bias rho(b)). Dense layers do it with gb_sgemm directly (two lines, and
 * the virtual top neuron of gb-lrp.h is a 1-row dense map that exists in no model). Conv2d and
 * avgpool2d run through the engine's own layer: their p[0]/p[1] pointers are pointed for the
 * call at a temporary copy of the weights with rho applied, layer->ops->forward and
 * ->backward (param_grads false) run on our buffers, and the pointers are restored. So stride,
 * padding, im2col/col2im and the reference-kernel switch are exactly the engine's, and the
 * model's weights are never written. The conv backward of a batch s is W^T s: the transposed
 * convolution step 3 of the four-step recipe needs. The layers' scratch must be reserved for
 * batches of 2 (gb_model_reserve), which the rules use to push a+ and a- (or two s) at once. */
typedef struct {
  GbLayer *layer; /* conv2d or avgpool2d run through its ops; NULL: dense by gb_sgemm */
  size_t n_in, n_out;
  size_t n_w, n_b; /* parameter counts, 0 for avgpool */
  size_t plane;    /* outputs that share one bias: oh ow for conv, 1 for dense */
  const float *w, *b;
  /* The layer's output from the model's forward of the same input, when w and b are the
   * layer's own: LRP-0 and epsilon take z from there instead of a second forward. May be NULL. */
  const float *z;
} GbLrpLinear;

/* Scratch for one run, sized for the largest layer. */
typedef struct {
  size_t max_in, max_out, max_w, max_b;
  float *a2, *z1, *z2, *z0, *s2, *c1, *c2, *c3;
  float *w1, *w2, *b1, *b2, *zero_b;
  void *block; /* owns them all */
} GbLrpWork;

GbStatus gb_lrp_work_init(GbLrpWork *w, size_t max_in, size_t max_out, size_t max_w, size_t max_b,
                          GbError *err);
void gb_lrp_work_clear(GbLrpWork *w);
/* sum of v[0..n) in double, fast (the relevance totals of the layer reports) */
double gb_lrp_sum(const float *v, size_t n);

/* a: (n_in) and r_out: (n_out) -> r_in: (n_in) by @rule; fills the report's sums and absorbed
 * parts (not kind). */
void gb_lrp_linear_apply(const GbLrpLinear *lin, const GbLrpRule *rule, GbLrpWork *work,
                         const float *a, const float *r_out, float *r_in, GbLrpLayerReport *report);

/* Relevance through an rnn, lstm, gru or prm layer by Arras et al.'s rules (methods.md, 5.8;
 * gb-lrp-recurrent.c): x: the layer's input (T, F); r_out: (H), (T, H), (1) or (T) by kind and
 * seq; r_in: (T, F). Fills the report's sums, absorbed parts and rule. GB_ERR_NOMEM only. */
GbStatus gb_lrp_recurrent_apply(const GbLayer *l, double epsilon, double bias_factor,
                                const float *x, const float *r_out, float *r_in,
                                GbLrpLayerReport *report, GbError *err);

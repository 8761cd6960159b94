/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "gb-attribution.h"
#include "gb-model.h"
#include "gb-status.h"

/* Layer-wise Relevance Propagation (Bach et al. 2015; Montavon et al. 2019; methods.md,
 * section 5.7) through dense, conv2d, maxpool2d, avgpool2d, flatten, dropout and element-wise
 * activations, and through rnn, lstm, gru and prm layers (Arras et al. 2017/2019; section 5.8),
 * with seq=last or seq=all, stacked or not.
 *
 * Start. The relevance at the output is the target's value f(x) (the model's output, a logit):
 * for a class c, R = f_c(x) on c and 0 elsewhere. When the last mixing layer is dense, LRP runs
 * through a virtual output neuron computing the target exactly: row w_c and bias b_c for a
 * class, and w_a - w_b, b_a - b_b for a contrast "a and not b", starting from R = f_a - f_b.
 * Splitting f_a and -f_b over two output neurons would not be the relevance of the difference
 * (every non-LRP-0 rule is non-linear in the weights). A contrast needs such a dense top layer.
 *
 * Layers. Element-wise activations, flatten and dropout (identity at inference) pass relevance
 * through unchanged. Max pooling gives each window's relevance to its arg-max (the gradient).
 * Average pooling is a linear layer under LRP-eps with the policy's pool epsilon (0: zennit's
 * "Norm" rule). Dense and conv2d layers follow the rule the policy gives them. Softmax is
 * refused with GB_ERR_UNSUPPORTED.
 *
 * Recurrent layers. Every linear message inside a cell is Arras' lrp_linear with the policy's
 * recurrent_epsilon and recurrent_bias_factor (bf): R_in_i = sum_k (a_i w_ik + bf (b_k + eps
 * sign z_k) / N) / (z_k + eps sign z_k) R_k, N the input units of z. With bf = 0 (Arras'
 * default) the biases and eps keep their share: the layer report's absorbed parts. With bf = 1
 * everything passes except the shares of the zero initial states. Gates get no relevance
 * ("signal-take-all"): lstm passes R(h) to c, splits c = f c(t-1) + i g between its terms and
 * g's pre-activation to x(t) and h(t-1); gru splits h = (1-z) n + z h(t-1) between its terms
 * and n's pre-activation W_in x + b_in + r (W_hn h + b_hn) to x(t) and h(t-1), r a constant
 * gate; rnn splits z(t) to x(t) and h(t-1); prm splits its output over the evidence terms e(t)
 * (seq=last: in proportion to e(t) with the eps-rule), e(t) over c(t), and c(t)'s
 * pre-activation to x(t) and h(t): relevance injected at every step. gb-lrp-recurrent.c
 * recomputes the cell in double from the parameters and the layer's input.
 *
 * Stabiliser. Every denominator z becomes z + eps sign(z) with sign(0) = +1; a denominator
 * that is still exactly 0 passes no relevance (counted in the layer's absorbed_stabiliser). */

typedef enum {
  GB_LRP_ZERO,       /* LRP-0: rho(w) = w; equals gradient x input on ReLU nets (methods.md 5.9) */
  GB_LRP_EPSILON,    /* LRP-eps: denominator z + eps sign(z) */
  GB_LRP_GAMMA,      /* rho(w) = w + gamma w+ on positive evidence, see below */
  GB_LRP_ALPHA_BETA, /* alpha z+ / sum z+ - beta z- / sum z-, alpha - beta = 1 */
  GB_LRP_ZBOX,       /* z^B for inputs in [low, high]; first layer only */
  GB_LRP_WSQUARE,    /* w^2: R_i = sum_j w_ij^2 / sum_i w_ij^2 R_j, ignores the input */
  GB_LRP_FLAT,       /* w^2 with every weight 1: relevance spread evenly over the receptive field */
} GbLrpRuleKind;

/* Negative inputs (zennit's Gamma and AlphaBeta): with a = a+ + a- and w = w+ + w-,
 *   positive group: a+ rho+(w) + a- rho-(w) + rho+(b)
 *   negative group: a+ rho-(w) + a- rho+(w) + rho-(b)
 * each normalised on its own, the bias attached once per group.
 * gamma:      rho+(w) = w + gamma w+, rho-(w) = w + gamma w-; an output with z >= 0 is
 *             redistributed over its positive group, one with z < 0 over its negative group.
 * alpha-beta: rho+(w) = w+, rho-(w) = w-; alpha times the positive group's share minus beta
 *             times the negative group's share.
 * z^B ignores the bias (its denominator is x w - l w+ - h w-), so it conserves exactly. */
typedef struct {
  GbLrpRuleKind kind;
  double epsilon;  /* stabiliser, >= 0: the eps of LRP-eps; 1e-6 for gamma and alpha-beta
                    * (zennit); 0 for z^B, w^2 and flat, whose denominators cannot change sign */
  double gamma;    /* GAMMA, >= 0 */
  double alpha;    /* ALPHA_BETA: alpha >= 1 */
  double beta;     /* ALPHA_BETA: beta = alpha - 1 */
  float low, high; /* ZBOX: input bounds, low <= high; the input must lie inside them */
} GbLrpRule;

GbLrpRule gb_lrp_rule_zero(void);
GbLrpRule gb_lrp_rule_epsilon(double epsilon);
GbLrpRule gb_lrp_rule_gamma(double gamma);
GbLrpRule gb_lrp_rule_alpha_beta(double alpha, double beta);
GbLrpRule gb_lrp_rule_zbox(float low, float high);
GbLrpRule gb_lrp_rule_wsquare(void);
GbLrpRule gb_lrp_rule_flat(void);
const char *gb_lrp_rule_name(GbLrpRuleKind kind);

/* Which rule each dense or conv2d layer uses. The first such layer (the one that sees the
 * input, so not one above a recurrent layer) takes @first, even when it is also the top; the
 * last one takes @top; the others @conv or @dense by kind. Recurrent layers use the two
 * recurrent fields; the init functions set them to Arras' defaults, eps 0.001 and bf 0. */
typedef struct {
  GbLrpRule first;
  GbLrpRule conv;
  GbLrpRule dense;
  GbLrpRule top;
  double pool_epsilon; /* avgpool2d: LRP-eps with this eps, >= 0 (default 0) */
  double recurrent_epsilon;     /* rnn/lstm/gru/prm: eps of lrp_linear, >= 0 (0.001) */
  double recurrent_bias_factor; /* rnn/lstm/gru/prm: bias_factor in [0, 1] (0) */
} GbLrpPolicy;

#define GB_LRP_RECURRENT_EPSILON 0.001 /* Arras et al.'s defaults */
#define GB_LRP_RECURRENT_BIAS_FACTOR 0.0

typedef enum {
  GB_LRP_PRESET_ZERO,                 /* LRP-0 everywhere: the gradient x input of ReLU nets */
  GB_LRP_PRESET_EPSILON,              /* LRP-eps everywhere (eps 0.1) */
  GB_LRP_PRESET_EPSILON_GAMMA_BOX,    /* z^B first, gamma 0.25 on convs, eps 0.1 on dense, 0 top
                                       * (Montavon et al. 2019; zennit EpsilonGammaBox) */
  GB_LRP_PRESET_EPSILON_PLUS,         /* alpha1-beta0 (z+) on convs, eps 0.1 on dense, 0 top */
  GB_LRP_PRESET_EPSILON_ALPHA2_BETA1, /* alpha2-beta1 on convs, eps 0.1 on dense, 0 top */
} GbLrpPreset;

/* Every layer on one rule. */
void gb_lrp_policy_init_uniform(GbLrpPolicy *p, GbLrpRule rule);
/* A preset; @low and @high are the input bounds its z^B rule needs (ignored otherwise). */
void gb_lrp_policy_init_preset(GbLrpPolicy *p, GbLrpPreset preset, float low, float high);
/* GB_ERR_INVALID for a bad parameter or z^B anywhere but @first. */
GbStatus gb_lrp_policy_check(const GbLrpPolicy *p, GbError *err);

/* Conservation at one layer of the model. "Upper" is the layer's output side, where relevance
 * arrives; "lower" its input side, where it leaves. */
typedef struct {
  GbLayerKind kind;
  int rule;                   /* the GbLrpRuleKind used, or -1 for pass-through and max pooling */
  double relevance_upper;     /* sum of R at the layer's output */
  double relevance_lower;     /* sum of R at its input */
  double residual;            /* upper - lower */
  double absorbed_bias;       /* the part of the residual the biases took: sum_k s_k rho(b_k) */
  double absorbed_stabiliser; /* the part eps and zero denominators took; the residual minus
                               * both absorbed parts is float rounding */
} GbLrpLayerReport;

typedef struct {
  GbAttribution map; /* R per input feature; f_x the target, sum = sum R, gap = |sum - f_x|,
                      * gap_relative = gap / |f_x|; n_evaluations 1 */
  int n_layers;
  GbLrpLayerReport *layers; /* owned: one per model layer, in model order */
} GbLrpResult;

void gb_lrp_result_clear(GbLrpResult *r);

/* Runs the model forward on @x (n_x = gb_model_input_size) and propagates the relevance of
 * target @t down to the input by @policy. GB_ERR_NUMERIC for a non-finite input,
 * GB_ERR_INVALID for a bad target or policy or an input outside the z^B bounds,
 * GB_ERR_UNSUPPORTED for softmax layers. */
GbStatus gb_attribution_lrp(GbModel *m, const float *x, size_t n_x, const GbTarget *t,
                            const GbLrpPolicy *policy, GbLrpResult *out, GbError *err);

/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "gb-attribution.h"
#include "gb-lrp.h"
#include "gb-perturb.h"
#include "gb-segments.h"

/* Every local explanation method behind one call, configured by one plain struct: what the
 * app's method picker, the CLI's `explain` and sessions share. */
typedef enum {
  GB_METHOD_SALIENCY,
  GB_METHOD_GRADIENT,
  GB_METHOD_GRAD_X_INPUT,
  GB_METHOD_INTEGRATED_GRADIENTS,
  GB_METHOD_SMOOTHGRAD,
  GB_METHOD_VARGRAD,
  GB_METHOD_LRP,
  GB_METHOD_OCCLUSION,
  GB_METHOD_LIME,
  GB_METHOD_KERNEL_SHAP,
  GB_METHOD_PERMUTATION_SHAP,
  GB_N_METHODS
} GbMethod;

typedef enum {
  GB_SEGMENTATION_GRID, /* patch x patch squares; EEG: patch time samples of each channel */
  GB_SEGMENTATION_SLIC, /* SLIC superpixels, as many as grid patches (images only) */
} GbSegmentation;

/* The union of every method's parameters; each method reads its own. */
typedef struct {
  GbMethod method;
  GbLrpPreset lrp_preset;    /* LRP: the composite (default epsilon-gamma-box) */
  double lrp_epsilon;        /* LRP presets that use eps on dense layers (default 0.1) */
  double lrp_gamma;          /* on convolutions (default 0.25) */
  int steps;                 /* integrated gradients (default 50) */
  int samples;               /* SmoothGrad/VarGrad 50, LIME 1000, KernelSHAP 0 = auto,
                              * permutation SHAP: permutations 20 */
  double noise_level;        /* SmoothGrad/VarGrad (default 0.15) */
  GbBaselineKind baseline;   /* IG, occlusion, SHAP (default zeros) */
  const float *baseline_data; /* MEAN and CUSTOM baselines: input-sized, borrowed */
  int patch;                 /* occlusion window, LIME/SHAP segments (default 4) */
  int stride;                /* occlusion (0: (patch + 1) / 2) */
  GbSegmentation segmentation;
  uint64_t seed;             /* default 0 */
} GbMethodConfig;

/* The method's defaults. */
void gb_method_config_init(GbMethodConfig *c, GbMethod method);
/* Stable identifiers ("saliency", "grad-x-input", "integrated-gradients", "smoothgrad",
 * "vargrad", "lrp", "occlusion", "lime", "kernel-shap", "permutation-shap", "gradient"), as in
 * the CLI and session files; and English display names. */
const char *gb_method_id(GbMethod m);
const char *gb_method_title(GbMethod m);
/* -1 when unknown. Accepts the CLI's aliases (ig, shap, gradxinput). */
int gb_method_from_id(const char *id);
/* The defaults of the method named @id, which may also be an LRP preset id ("lrp-epsilon"
 * means GB_METHOD_LRP with that preset, as the CLI's --method). False when unknown. */
bool gb_method_config_init_from_id(GbMethodConfig *c, const char *id);
/* The list of accepted ids for messages: "saliency, gradient, grad-x-input, ...". */
const char *gb_method_ids_text(void);
/* One forward and backward pass: fast enough to follow the pen. */
bool gb_method_is_single_pass(GbMethod m);
/* Whether the map is signed (diverging colour map) or a magnitude (sequential). */
bool gb_method_is_signed(GbMethod m);
/* LRP presets: ids "lrp-0", "lrp-epsilon", "lrp-gamma-box", "lrp-plus", "lrp-alpha2-beta1". */
const char *gb_lrp_preset_id(GbLrpPreset p);
int gb_lrp_preset_from_id(const char *id);

typedef struct {
  GbAttribution map;           /* one value per input feature, always filled */
  /* LIME and SHAP: per segment (n_segments values, base value, R^2, ...); else zeroed */
  GbSegmentAttribution segments;
  int *segment_ids;            /* owned (map.n): each feature's segment; NULL otherwise */
  /* LRP: the conservation report per layer; else n_layers = 0 */
  int n_layers;
  GbLrpLayerReport *layers;    /* owned */
} GbExplanation;

void gb_explanation_clear(GbExplanation *e);
/* Explains target @t of @m at @x (n_x = gb_model_input_size). Progress for the iterative
 * methods; GB_ERR_CANCELLED when it returns false. */
GbStatus gb_explain(GbModel *m, const float *x, size_t n_x, const GbTarget *t,
                    const GbMethodConfig *c, GbExplanation *out, GbProgressFn progress,
                    void *user, GbError *err);

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One entry point for every local explanation method (gb-explain.h). */
#include "config.h"

#include "gb-explain.h"

#include <math.h>
#include <string.h>

#include "gb-alloc.h"

static const struct {
  const char *id;
  const char *title;
  bool single_pass, is_signed;
} methods[GB_N_METHODS] = {
    [GB_METHOD_SALIENCY] = {"saliency", "Saliency", true, false},
    [GB_METHOD_GRADIENT] = {"gradient", "Gradient", true, true},
    [GB_METHOD_GRAD_X_INPUT] = {"grad-x-input", "Gradient x input", true, true},
    [GB_METHOD_INTEGRATED_GRADIENTS] = {"integrated-gradients", "Integrated gradients", false,
                                        true},
    [GB_METHOD_SMOOTHGRAD] = {"smoothgrad", "SmoothGrad", false, false},
    [GB_METHOD_VARGRAD] = {"vargrad", "VarGrad", false, false},
    [GB_METHOD_LRP] = {"lrp", "LRP", true, true},
    [GB_METHOD_OCCLUSION] = {"occlusion", "Occlusion", false, true},
    [GB_METHOD_LIME] = {"lime", "LIME", false, true},
    [GB_METHOD_KERNEL_SHAP] = {"kernel-shap", "KernelSHAP", false, true},
    [GB_METHOD_PERMUTATION_SHAP] = {"permutation-shap", "Permutation SHAP", false, true},
};

static const struct {
  const char *id;
  GbLrpPreset preset;
} presets[] = {{"lrp-0", GB_LRP_PRESET_ZERO},
               {"lrp-epsilon", GB_LRP_PRESET_EPSILON},
               {"lrp-gamma-box", GB_LRP_PRESET_EPSILON_GAMMA_BOX},
               {"lrp-plus", GB_LRP_PRESET_EPSILON_PLUS},
               {"lrp-alpha2-beta1", GB_LRP_PRESET_EPSILON_ALPHA2_BETA1}};

#define N_PRESETS (int)(sizeof presets / sizeof presets[0])

void
gb_method_config_init(GbMethodConfig *c, GbMethod method)
{
  memset(c, 0, sizeof *c);
  c->method = method;
  c->lrp_preset = GB_LRP_PRESET_EPSILON_GAMMA_BOX;
  c->lrp_epsilon = 0.1;
  c->lrp_gamma = 0.25;
  c->steps = 50;
  c->samples = method == GB_METHOD_LIME               ? 1000
               : method == GB_METHOD_KERNEL_SHAP      ? 0
               : method == GB_METHOD_PERMUTATION_SHAP ? 20
                                                      : 50;
  c->noise_level = 0.15;
  c->baseline = GB_BASELINE_ZEROS;
  c->patch = 4;
  c->segmentation = GB_SEGMENTATION_GRID;
}

const char *
gb_method_id(GbMethod m)
{
  return m >= 0 && m < GB_N_METHODS ? methods[m].id : "unknown";
}

const char *
gb_method_title(GbMethod m)
{
  return m >= 0 && m < GB_N_METHODS ? methods[m].title : "Unknown";
}

int
gb_method_from_id(const char *id)
{
  if (id == NULL)
    return -1;
  for (int i = 0; i < GB_N_METHODS; i++)
    if (strcmp(id, methods[i].id) == 0)
      return i;
  if (strcmp(id, "ig") == 0)
    return GB_METHOD_INTEGRATED_GRADIENTS;
  if (strcmp(id, "shap") == 0)
    return GB_METHOD_KERNEL_SHAP;
  if (strcmp(id, "gradxinput") == 0)
    return GB_METHOD_GRAD_X_INPUT;
  return -1;
}

bool
gb_method_config_init_from_id(GbMethodConfig *c, const char *id)
{
  int preset = gb_lrp_preset_from_id(id);
  if (preset >= 0) {
    gb_method_config_init(c, GB_METHOD_LRP);
    c->lrp_preset = (GbLrpPreset)preset;
    return true;
  }
  int m = gb_method_from_id(id);
  if (m < 0)
    return false;
  gb_method_config_init(c, (GbMethod)m);
  return true;
}

const char *
gb_method_ids_text(void)
{
  return "saliency, gradient, grad-x-input, integrated-gradients (ig), smoothgrad, vargrad, "
         "occlusion, kernel-shap (shap), permutation-shap, lime, lrp (lrp-gamma-box), lrp-0, "
         "lrp-epsilon, lrp-gamma-box, lrp-plus, lrp-alpha2-beta1";
}

bool
gb_method_is_single_pass(GbMethod m)
{
  return m >= 0 && m < GB_N_METHODS && methods[m].single_pass;
}

bool
gb_method_is_signed(GbMethod m)
{
  return m >= 0 && m < GB_N_METHODS && methods[m].is_signed;
}

const char *
gb_lrp_preset_id(GbLrpPreset p)
{
  for (int i = 0; i < N_PRESETS; i++)
    if (presets[i].preset == p)
      return presets[i].id;
  return "unknown";
}

int
gb_lrp_preset_from_id(const char *id)
{
  for (int i = 0; id != NULL && i < N_PRESETS; i++)
    if (strcmp(id, presets[i].id) == 0)
      return (int)presets[i].preset;
  return -1;
}

void
gb_explanation_clear(GbExplanation *e)
{
  if (e == NULL)
    return;
  gb_attribution_clear(&e->map);
  gb_segment_attribution_clear(&e->segments);
  gb_free(e->segment_ids);
  gb_free(e->layers);
  memset(e, 0, sizeof *e);
}

static GbStatus
make_baseline(const GbMethodConfig *c, size_t n_x, GbBaseline *b, GbError *err)
{
  gb_baseline_init(b);
  b->kind = c->baseline;
  b->seed = c->seed;
  if (c->baseline == GB_BASELINE_MEAN || c->baseline == GB_BASELINE_CUSTOM) {
    if (c->baseline_data == NULL)
      return gb_error_set(err, GB_ERR_INVALID, "this baseline needs its data (an input-sized "
                                               "array)");
    b->data = c->baseline_data;
    b->n_data = n_x;
  }
  return GB_OK;
}

/* Grid patches (EEG: blocks of patch time samples of each channel) or SLIC superpixels, as
 * many as there would be patches so the two compare at the same budget. */
static GbStatus
make_segments(const GbMethodConfig *c, const GbShape *shape, const float *x, GbSegments *seg,
              GbError *err)
{
  if (c->patch < 1)
    return gb_error_set(err, GB_ERR_INVALID, "the patch size must be at least 1, not %d",
                        c->patch);
  if (c->segmentation == GB_SEGMENTATION_GRID)
    return gb_segments_grid(seg, shape, c->patch, shape->ndim == 2 ? 1 : c->patch, err);
  if (shape->ndim != 3)
    return gb_error_set(err, GB_ERR_INVALID,
                        "SLIC superpixels need an image input (channels, height, width); this "
                        "model takes %s: use grid segments",
                        shape->ndim == 2 ? "(time, channels) EEG" : "a vector");
  int h = shape->dim[1], w = shape->dim[2];
  int k = ((h + c->patch - 1) / c->patch) * ((w + c->patch - 1) / c->patch);
  return gb_segments_slic(seg, shape, x, k, GB_SLIC_DEFAULT_COMPACTNESS, 0, err);
}

static GbStatus
explain_segments(GbModel *m, const float *x, size_t n_x, const GbTarget *t,
                 const GbMethodConfig *c, GbExplanation *out, GbProgressFn progress, void *user,
                 GbError *err)
{
  GbSegments seg = {0};
  GbStatus st = make_segments(c, gb_model_input_shape(m), x, &seg, err);
  if (st == GB_OK && c->method == GB_METHOD_LIME) {
    GbLimeConfig cfg;
    gb_lime_config_init(&cfg);
    cfg.samples = c->samples > 0 ? c->samples : cfg.samples;
    cfg.seed = c->seed;
    st = gb_attribution_lime(m, x, n_x, t, &seg, &cfg, &out->segments, progress, user, err);
  } else if (st == GB_OK && c->method == GB_METHOD_KERNEL_SHAP) {
    GbShapConfig cfg;
    gb_shap_config_init(&cfg);
    cfg.samples = c->samples;
    cfg.seed = c->seed;
    st = make_baseline(c, n_x, &cfg.baseline, err);
    if (st == GB_OK)
      st = gb_attribution_kernel_shap(m, x, n_x, t, &seg, &cfg, &out->segments, progress, user,
                                      err);
  } else if (st == GB_OK) {
    GbPermutationShapConfig cfg;
    gb_permutation_shap_config_init(&cfg);
    cfg.permutations = c->samples > 0 ? c->samples : cfg.permutations;
    cfg.seed = c->seed;
    st = make_baseline(c, n_x, &cfg.baseline, err);
    if (st == GB_OK)
      st = gb_attribution_permutation_shap(m, x, n_x, t, &seg, &cfg, &out->segments, progress,
                                           user, err);
  }
  if (st == GB_OK) {
    /* The per-feature map moves to out->map; the segment figures stay in out->segments. */
    out->map = out->segments.map;
    memset(&out->segments.map, 0, sizeof out->segments.map);
    out->segment_ids = gb_calloc(n_x, sizeof(int));
    if (out->segment_ids == NULL)
      st = gb_error_set(err, GB_ERR_NOMEM, "segment ids for %zu features", n_x);
    else
      memcpy(out->segment_ids, seg.ids, n_x * sizeof(int));
  }
  gb_segments_clear(&seg);
  return st;
}

/* The preset's z^B rule takes the bounds of the input's own values, widened to [0, 1] (the
 * digits' range) when inside it. */
static GbStatus
explain_lrp(GbModel *m, const float *x, size_t n_x, const GbTarget *t, const GbMethodConfig *c,
            GbExplanation *out, GbError *err)
{
  float lo = x[0], hi = x[0];
  for (size_t i = 1; i < n_x; i++) {
    lo = x[i] < lo ? x[i] : lo;
    hi = x[i] > hi ? x[i] : hi;
  }
  GbLrpPolicy policy;
  gb_lrp_policy_init_preset(&policy, c->lrp_preset, lo < 0 ? lo : 0, hi > 1 ? hi : 1);
  if (policy.dense.kind == GB_LRP_EPSILON)
    policy.dense.epsilon = c->lrp_epsilon;
  if (c->lrp_preset == GB_LRP_PRESET_EPSILON)
    policy.first.epsilon = policy.conv.epsilon = policy.top.epsilon = c->lrp_epsilon;
  if (policy.conv.kind == GB_LRP_GAMMA)
    policy.conv.gamma = c->lrp_gamma;
  GbLrpResult r = {0};
  GbStatus st = gb_attribution_lrp(m, x, n_x, t, &policy, &r, err);
  if (st == GB_OK) {
    out->map = r.map;
    memset(&r.map, 0, sizeof r.map);
    out->n_layers = r.n_layers;
    out->layers = r.layers;
    r.layers = NULL;
    r.n_layers = 0;
  }
  gb_lrp_result_clear(&r);
  return st;
}

static GbStatus
explain_smooth(GbModel *m, const float *x, size_t n_x, const GbTarget *t,
               const GbMethodConfig *c, GbExplanation *out, GbProgressFn progress, void *user,
               GbError *err)
{
  GbSmoothConfig cfg;
  gb_smooth_config_init(&cfg);
  cfg.samples = c->samples > 0 ? c->samples : cfg.samples;
  cfg.noise_level = c->noise_level;
  cfg.seed = c->seed;
  bool var = c->method == GB_METHOD_VARGRAD;
  return gb_attribution_smoothgrad(m, x, n_x, t, &cfg, var ? NULL : &out->map,
                                   var ? &out->map : NULL, progress, user, err);
}

static GbStatus
explain_occlusion(GbModel *m, const float *x, size_t n_x, const GbTarget *t,
                  const GbMethodConfig *c, GbExplanation *out, GbProgressFn progress,
                  void *user, GbError *err)
{
  if (c->patch < 1 || c->stride < 0)
    return gb_error_set(err, GB_ERR_INVALID,
                        "occlusion needs a window of at least 1 and a stride not negative");
  GbOcclusionConfig cfg;
  gb_occlusion_config_init(&cfg);
  cfg.window_rows = cfg.window_cols = c->patch;
  cfg.stride_rows = cfg.stride_cols = c->stride > 0 ? c->stride : (c->patch + 1) / 2;
  if (gb_model_input_shape(m)->ndim == 2)
    cfg.window_cols = cfg.stride_cols = 0; /* EEG: windows of time over all channels */
  GbStatus st = make_baseline(c, n_x, &cfg.baseline, err);
  return st != GB_OK ? st
                     : gb_attribution_occlusion(m, x, n_x, t, &cfg, &out->map, progress, user,
                                                err);
}

GbStatus
gb_explain(GbModel *m, const float *x, size_t n_x, const GbTarget *t, const GbMethodConfig *c,
           GbExplanation *out, GbProgressFn progress, void *user, GbError *err)
{
  memset(out, 0, sizeof *out);
  if (n_x != gb_model_input_size(m))
    return gb_error_set(err, GB_ERR_SHAPE, "the input has %zu values; the model takes %zu", n_x,
                        gb_model_input_size(m));
  GbStatus st;
  switch (c->method) {
  case GB_METHOD_SALIENCY:
    st = gb_attribution_saliency(m, x, n_x, t, false, &out->map, err);
    break;
  case GB_METHOD_GRADIENT:
    st = gb_attribution_gradient(m, x, n_x, t, &out->map, err);
    break;
  case GB_METHOD_GRAD_X_INPUT:
    st = gb_attribution_grad_x_input(m, x, n_x, t, &out->map, err);
    break;
  case GB_METHOD_INTEGRATED_GRADIENTS: {
    GbIgConfig cfg;
    gb_ig_config_init(&cfg);
    cfg.steps = c->steps;
    st = make_baseline(c, n_x, &cfg.baseline, err);
    if (st == GB_OK)
      st = gb_attribution_integrated_gradients(m, x, n_x, t, &cfg, &out->map, progress, user,
                                               err);
    break;
  }
  case GB_METHOD_SMOOTHGRAD:
  case GB_METHOD_VARGRAD:
    st = explain_smooth(m, x, n_x, t, c, out, progress, user, err);
    break;
  case GB_METHOD_LRP:
    st = explain_lrp(m, x, n_x, t, c, out, err);
    break;
  case GB_METHOD_OCCLUSION:
    st = explain_occlusion(m, x, n_x, t, c, out, progress, user, err);
    break;
  case GB_METHOD_LIME:
  case GB_METHOD_KERNEL_SHAP:
  case GB_METHOD_PERMUTATION_SHAP:
    st = explain_segments(m, x, n_x, t, c, out, progress, user, err);
    break;
  default:
    st = gb_error_set(err, GB_ERR_INVALID, "unknown explanation method %d", (int)c->method);
  }
  if (st != GB_OK)
    gb_explanation_clear(out);
  return st;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Batch explainers for the faithfulness curves: adapters over the attribution methods. */
#include "config.h"

#include "gb-faithfulness.h"

#include <math.h>
#include <string.h>

#include "gb-alloc.h"
#include "gb-explain.h"

/* x: (nb, d) -> maps: (nb, d) = d f_{classes[i]} / dx_i, one forward and one backward. */
static GbStatus
batch_gradient(GbModel *m, const float *x, int nb, const int *classes, float *maps, GbError *err)
{
  int n_out = gb_model_n_outputs(m);
  for (int i = 0; i < nb; i++)
    if (classes[i] < 0 || classes[i] >= n_out)
      return gb_error_set(err, GB_ERR_INVALID, "sample %d: class %d is not an output (0..%d)", i,
                          classes[i], n_out - 1);
  float *dlogits = gb_alloc_floats((size_t)nb * n_out);
  if (dlogits == NULL)
    return gb_error_set(err, GB_ERR_NOMEM, "output gradients for %d samples", nb);
  for (int i = 0; i < nb; i++) dlogits[(size_t)i * n_out + classes[i]] = 1.0f;
  const float *logits;
  GbStatus st = gb_model_forward(m, x, nb, false, &logits, err);
  if (st == GB_OK)
    st = gb_model_backward(m, dlogits, nb, maps, false, err);
  gb_free(dlogits);
  return st;
}

GbStatus
gb_explain_batch_grad_x_input(void *user, GbModel *m, const float *x, int nb, const int *classes,
                              float *maps, GbError *err)
{
  (void)user;
  GbStatus st = batch_gradient(m, x, nb, classes, maps, err);
  size_t n = (size_t)nb * gb_model_input_size(m);
  for (size_t i = 0; st == GB_OK && i < n; i++) maps[i] *= x[i];
  return st;
}

GbStatus
gb_explain_batch_saliency(void *user, GbModel *m, const float *x, int nb, const int *classes,
                          float *maps, GbError *err)
{
  (void)user;
  GbStatus st = batch_gradient(m, x, nb, classes, maps, err);
  size_t n = (size_t)nb * gb_model_input_size(m);
  for (size_t i = 0; st == GB_OK && i < n; i++) maps[i] = fabsf(maps[i]);
  return st;
}

GbStatus
gb_explain_batch_integrated_gradients(void *user, GbModel *m, const float *x, int nb,
                                      const int *classes, float *maps, GbError *err)
{
  GbIgConfig defaults;
  gb_ig_config_init(&defaults);
  const GbIgConfig *cfg = user != NULL ? user : &defaults;
  size_t d = gb_model_input_size(m);
  for (int i = 0; i < nb; i++) {
    GbTarget t = gb_target_class(classes[i]);
    GbAttribution a;
    GbStatus st = gb_attribution_integrated_gradients(m, x + i * d, d, &t, cfg, &a, NULL, NULL,
                                                      err);
    if (st == GB_OK)
      memcpy(maps + i * d, a.values, d * sizeof *maps);
    gb_attribution_clear(&a);
    if (st != GB_OK)
      return st;
  }
  return GB_OK;
}

GbStatus
gb_explain_batch_lrp(void *user, GbModel *m, const float *x, int nb, const int *classes,
                     float *maps, GbError *err)
{
  GbLrpPolicy defaults;
  gb_lrp_policy_init_uniform(&defaults, gb_lrp_rule_epsilon(0.1));
  const GbLrpPolicy *policy = user != NULL ? user : &defaults;
  size_t d = gb_model_input_size(m);
  for (int i = 0; i < nb; i++) {
    GbTarget t = gb_target_class(classes[i]);
    GbLrpResult r;
    GbStatus st = gb_attribution_lrp(m, x + i * d, d, &t, policy, &r, err);
    if (st == GB_OK)
      memcpy(maps + i * d, r.map.values, d * sizeof *maps);
    gb_lrp_result_clear(&r);
    if (st != GB_OK)
      return st;
  }
  return GB_OK;
}

GbStatus
gb_explain_batch_occlusion(void *user, GbModel *m, const float *x, int nb, const int *classes,
                           float *maps, GbError *err)
{
  GbOcclusionConfig defaults;
  gb_occlusion_config_init(&defaults);
  const GbOcclusionConfig *cfg = user != NULL ? user : &defaults;
  size_t d = gb_model_input_size(m);
  for (int i = 0; i < nb; i++) {
    GbTarget t = gb_target_class(classes[i]);
    GbAttribution a;
    GbStatus st = gb_attribution_occlusion(m, x + i * d, d, &t, cfg, &a, NULL, NULL, err);
    if (st == GB_OK)
      memcpy(maps + i * d, a.values, d * sizeof *maps);
    gb_attribution_clear(&a);
    if (st != GB_OK)
      return st;
  }
  return GB_OK;
}

GbStatus
gb_explain_batch_method(void *user, GbModel *m, const float *x, int nb, const int *classes,
                        float *maps, GbError *err)
{
  const GbMethodConfig *cfg = user;
  if (cfg == NULL)
    return gb_error_set(err, GB_ERR_INVALID, "batch explainer: no method configuration");
  size_t d = gb_model_input_size(m);
  for (int i = 0; i < nb; i++) {
    GbTarget t = gb_target_class(classes[i]);
    GbExplanation e;
    GbStatus st = gb_explain(m, x + i * d, d, &t, cfg, &e, NULL, NULL, err);
    if (st == GB_OK)
      memcpy(maps + i * d, e.map.values, d * sizeof *maps);
    gb_explanation_clear(&e);
    if (st != GB_OK)
      return st;
  }
  return GB_OK;
}

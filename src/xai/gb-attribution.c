/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-attribution.h"

#include <math.h>
#include <string.h>

#include "gb-alloc.h"
#include "gb-attribution-private.h"

GbTarget
gb_target_class(int c)
{
  return (GbTarget){.class_a = c, .class_b = -1};
}

GbTarget
gb_target_contrast(int a, int b)
{
  return (GbTarget){.class_a = a, .class_b = b};
}

GbStatus
gb_target_check(const GbTarget *t, const GbModel *m, GbError *err)
{
  int k = gb_model_n_outputs(m);
  if (t->class_a < 0 || t->class_a >= k)
    return gb_error_set(err, GB_ERR_INVALID, "target class %d out of range: the model has %d %s",
                        t->class_a, k, k == 1 ? "output (class 0)" : "classes");
  if (t->class_b < 0)
    return GB_OK;
  if (k == 1)
    return gb_error_set(err, GB_ERR_INVALID,
                        "a one-output model has no second logit to contrast with");
  if (t->class_b >= k)
    return gb_error_set(err, GB_ERR_INVALID, "contrast class %d out of range: the model has %d "
                        "classes", t->class_b, k);
  if (t->class_b == t->class_a)
    return gb_error_set(err, GB_ERR_INVALID, "contrast of class %d with itself", t->class_a);
  return GB_OK;
}

GbStatus
gb_attribution_check(GbModel *m, const float *x, size_t n_x, const GbTarget *t, GbError *err)
{
  size_t want = gb_model_input_size(m);
  if (x == NULL || n_x != want)
    return gb_error_set(err, GB_ERR_SHAPE, "input has %zu values, the model expects %zu", n_x,
                        want);
  long bad = gb_floats_find_nonfinite(x, n_x);
  if (bad >= 0)
    return gb_error_set(err, GB_ERR_NUMERIC, "input value %ld is %g: attributions need finite "
                        "inputs", bad, (double)x[bad]);
  return gb_target_check(t, m, err);
}

void
gb_attribution_clear(GbAttribution *a)
{
  if (a == NULL)
    return;
  gb_free(a->values);
  memset(a, 0, sizeof *a);
}

GbStatus
gb_attribution_alloc(GbAttribution *out, const GbShape *shape, GbError *err)
{
  memset(out, 0, sizeof *out);
  out->shape = *shape;
  out->n = gb_shape_size(shape);
  out->values = gb_alloc_floats(out->n);
  if (out->values == NULL)
    return gb_error_set(err, GB_ERR_NOMEM, "attribution map of %zu values", out->n);
  out->f_x = out->f_baseline = out->sum = out->gap = out->gap_relative = NAN;
  return GB_OK;
}

GbStatus
gb_grad_batch_init(GbGradBatch *g, GbModel *m, const GbTarget *t, int batch, GbError *err)
{
  memset(g, 0, sizeof *g);
  g->model = m;
  g->target = *t;
  g->n_in = gb_model_input_size(m);
  g->n_out = gb_model_n_outputs(m);
  g->batch = batch < 1 ? 1 : batch;
  g->dlogits = gb_alloc_floats((size_t)g->batch * g->n_out);
  g->xb = gb_alloc_floats((size_t)g->batch * g->n_in);
  g->dx = gb_alloc_floats((size_t)g->batch * g->n_in);
  g->f = gb_calloc((size_t)g->batch, sizeof *g->f);
  if (!g->dlogits || !g->xb || !g->dx || !g->f) {
    gb_grad_batch_clear(g);
    return gb_error_set(err, GB_ERR_NOMEM, "gradient scratch for batches of %d", batch);
  }
  /* d(f_a - f_b)/dlogits is the same for every row. */
  for (int r = 0; r < g->batch; r++) {
    g->dlogits[(size_t)r * g->n_out + t->class_a] = 1.0f;
    if (t->class_b >= 0)
      g->dlogits[(size_t)r * g->n_out + t->class_b] = -1.0f;
  }
  GbStatus st = gb_model_reserve(m, g->batch, err);
  if (st != GB_OK)
    gb_grad_batch_clear(g);
  return st;
}

void
gb_grad_batch_clear(GbGradBatch *g)
{
  gb_free(g->dlogits);
  gb_free(g->xb);
  gb_free(g->dx);
  gb_free(g->f);
  memset(g, 0, sizeof *g);
}

/* xb: (nb, n_in) -> logits: (nb, n_out) -> f: (nb) */
GbStatus
gb_grad_batch_values(GbGradBatch *g, int nb, GbError *err)
{
  return gb_grad_batch_values_from(g, 0, g->xb, nb, err);
}

GbStatus
gb_grad_batch_values_from(GbGradBatch *g, int from, const float *in, int nb, GbError *err)
{
  const float *logits;
  GbStatus st = gb_model_forward_range(g->model, from, gb_model_n_layers(g->model), in, nb,
                                       false, &logits, err);
  if (st != GB_OK)
    return st;
  for (int r = 0; r < nb; r++) {
    const float *y = logits + (size_t)r * g->n_out;
    g->f[r] = y[g->target.class_a] - (g->target.class_b >= 0 ? y[g->target.class_b] : 0.0);
  }
  return GB_OK;
}

/* dlogits: (nb, n_out) -> dx: (nb, n_in), through the activations the forward cached */
GbStatus
gb_grad_batch_run(GbGradBatch *g, int nb, GbError *err)
{
  GbStatus st = gb_grad_batch_values(g, nb, err);
  if (st != GB_OK)
    return st;
  return gb_model_backward(g->model, g->dlogits, nb, g->dx, false, err);
}

/* The gradient at one input into a fresh map: the shared first step of the plain methods. */
GbStatus
gb_attribution_gradient(GbModel *m, const float *x, size_t n_x, const GbTarget *t,
                        GbAttribution *out, GbError *err)
{
  memset(out, 0, sizeof *out);
  GbStatus st = gb_attribution_check(m, x, n_x, t, err);
  if (st != GB_OK)
    return st;
  GbGradBatch g;
  if ((st = gb_grad_batch_init(&g, m, t, 1, err)) != GB_OK)
    return st;
  memcpy(g.xb, x, n_x * sizeof *x);
  st = gb_grad_batch_run(&g, 1, err);
  if (st == GB_OK)
    st = gb_attribution_alloc(out, gb_model_input_shape(m), err);
  if (st == GB_OK) {
    memcpy(out->values, g.dx, n_x * sizeof *x);
    out->f_x = g.f[0];
    out->n_evaluations = 1;
  }
  gb_grad_batch_clear(&g);
  return st;
}

/* values: (c, hw) -> (1, hw), the max over c */
static GbStatus
max_over_channels(GbAttribution *a, GbError *err)
{
  if (a->shape.ndim != 3 || a->shape.dim[0] == 1)
    return GB_OK;
  int c = a->shape.dim[0];
  size_t hw = (size_t)a->shape.dim[1] * a->shape.dim[2];
  float *v = gb_alloc_floats(hw);
  if (v == NULL)
    return gb_error_set(err, GB_ERR_NOMEM, "saliency map of %zu values", hw);
  for (size_t i = 0; i < hw; i++) {
    float best = a->values[i];
    for (int k = 1; k < c; k++) best = fmaxf(best, a->values[k * hw + i]);
    v[i] = best;
  }
  gb_free(a->values);
  a->values = v;
  a->n = hw;
  a->shape = gb_shape_3d(1, a->shape.dim[1], a->shape.dim[2]);
  return GB_OK;
}

GbStatus
gb_attribution_saliency(GbModel *m, const float *x, size_t n_x, const GbTarget *t,
                        bool max_channels, GbAttribution *out, GbError *err)
{
  GbStatus st = gb_attribution_gradient(m, x, n_x, t, out, err);
  if (st != GB_OK)
    return st;
  for (size_t i = 0; i < out->n; i++) out->values[i] = fabsf(out->values[i]);
  if (max_channels && (st = max_over_channels(out, err)) != GB_OK)
    gb_attribution_clear(out);
  return st;
}

GbStatus
gb_attribution_grad_x_input(GbModel *m, const float *x, size_t n_x, const GbTarget *t,
                            GbAttribution *out, GbError *err)
{
  GbStatus st = gb_attribution_gradient(m, x, n_x, t, out, err);
  if (st != GB_OK)
    return st;
  for (size_t i = 0; i < out->n; i++) out->values[i] *= x[i];
  return GB_OK;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-optim.h"

#include <math.h>
#include <string.h>

#include "gb-alloc.h"

struct GbOptim {
  GbOptimConfig cfg;
  size_t len;
  int n_groups;
  GbOptimGroup *groups;
  float *m; /* momentum buffer, first moment, or adagrad sum */
  float *v; /* second moment */
  long t;   /* steps taken */
};

static const char *const optim_names[GB_OPTIM_N_KINDS] = {
    "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw", "lars"};

bool
gb_optim_kind_from_string(const char *name, GbOptimKind *kind)
{
  if (name == NULL)
    return false;
  for (int i = 0; i < GB_OPTIM_N_KINDS; i++)
    if (strcmp(name, optim_names[i]) == 0) {
      *kind = (GbOptimKind)i;
      return true;
    }
  return false;
}

const char *
gb_optim_kind_to_string(GbOptimKind kind)
{
  return (unsigned)kind < GB_OPTIM_N_KINDS ? optim_names[kind] : "unknown";
}

void
gb_optim_config_defaults(GbOptimConfig *c, GbOptimKind kind)
{
  memset(c, 0, sizeof *c);
  c->kind = kind;
  c->beta1 = 0.9f;
  c->beta2 = 0.999f;
  c->alpha = 0.99f;
  c->trust = 0.001f;
  switch (kind) {
  case GB_OPTIM_SGD: c->lr = 0.01f; break;
  case GB_OPTIM_MOMENTUM:
  case GB_OPTIM_NESTEROV: c->lr = 0.01f; c->momentum = 0.9f; break;
  case GB_OPTIM_ADAGRAD: c->lr = 0.01f; c->eps = 1e-10f; break;
  case GB_OPTIM_RMSPROP: c->lr = 0.01f; c->eps = 1e-8f; break;
  case GB_OPTIM_ADAM: c->lr = 1e-3f; c->eps = 1e-8f; break;
  case GB_OPTIM_ADAMW: c->lr = 1e-3f; c->eps = 1e-8f; c->weight_decay = 0.01f; break;
  case GB_OPTIM_LARS:
    c->lr = 0.1f; c->momentum = 0.9f; c->weight_decay = 5e-4f; c->eps = 1e-9f;
    break;
  default: break;
  }
}

/* PyTorch's ranges, plus finiteness, and tightened where a value cannot work: a beta of 1 would
 * make the bias correction divide by zero, and an alpha of 1 or more leaves v at 0 or makes it
 * negative. A negative rate or decay would climb the loss. */
static GbStatus
optim_check_config(const GbOptimConfig *c, GbError *err)
{
  if ((unsigned)c->kind >= GB_OPTIM_N_KINDS)
    return gb_error_set(err, GB_ERR_INVALID, "unknown optimizer kind %d", (int)c->kind);
  const char *name = optim_names[c->kind];
  const struct {
    const char *what;
    float value, lo, hi; /* lo <= value < hi */
  } checks[] = {
      {"learning rate", c->lr, 0.0f, INFINITY},
      {"momentum", c->momentum, 0.0f, INFINITY},
      {"beta1", c->beta1, 0.0f, 1.0f},
      {"beta2", c->beta2, 0.0f, 1.0f},
      {"alpha", c->alpha, 0.0f, 1.0f},
      {"eps", c->eps, 0.0f, INFINITY},
      {"weight decay", c->weight_decay, 0.0f, INFINITY},
      {"trust coefficient", c->trust, 0.0f, INFINITY},
  };
  for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++)
    if (!(checks[i].value >= checks[i].lo && checks[i].value < checks[i].hi))
      return gb_error_set(err, GB_ERR_INVALID, "optimizer %s: %s %g is out of range", name,
                          checks[i].what, (double)checks[i].value);
  return GB_OK;
}

/* Each group must lie inside the buffer; written so that offset + count cannot wrap around. */
static GbStatus
optim_check_groups(size_t buffer_len, const GbOptimGroup *groups, int n_groups, GbError *err)
{
  if (n_groups < 0 || (n_groups > 0 && groups == NULL))
    return gb_error_set(err, GB_ERR_INVALID, "optimizer: bad parameter groups (%d)", n_groups);
  for (int i = 0; i < n_groups; i++)
    if (groups[i].offset > buffer_len || groups[i].count > buffer_len - groups[i].offset)
      return gb_error_set(err, GB_ERR_INVALID,
                          "optimizer group %d (offset %zu, %zu values) lies outside the buffer "
                          "of %zu values",
                          i, groups[i].offset, groups[i].count, buffer_len);
  return GB_OK;
}

GbOptim *
gb_optim_new(const GbOptimConfig *cfg, size_t buffer_len, const GbOptimGroup *groups,
             int n_groups, GbError *err)
{
  if (optim_check_config(cfg, err) != GB_OK ||
      optim_check_groups(buffer_len, groups, n_groups, err) != GB_OK)
    return NULL;
  GbOptim *o = gb_calloc(1, sizeof *o);
  if (o == NULL)
    goto nomem;
  o->cfg = *cfg;
  o->len = buffer_len;
  o->n_groups = n_groups;
  o->groups = gb_calloc((size_t)(n_groups > 0 ? n_groups : 1), sizeof *groups);
  o->m = gb_alloc_floats(buffer_len);
  o->v = gb_alloc_floats(buffer_len);
  if (o->groups == NULL || o->m == NULL || o->v == NULL)
    goto nomem;
  if (n_groups > 0)
    memcpy(o->groups, groups, (size_t)n_groups * sizeof *groups);
  return o;
nomem:
  gb_optim_free(o);
  gb_error_set(err, GB_ERR_NOMEM, "out of memory for the optimizer state");
  return NULL;
}

void
gb_optim_free(GbOptim *o)
{
  if (o == NULL)
    return;
  gb_free(o->groups);
  gb_free(o->m);
  gb_free(o->v);
  gb_free(o);
}

void
gb_optim_reset(GbOptim *o)
{
  memset(o->m, 0, o->len * sizeof(float));
  memset(o->v, 0, o->len * sizeof(float));
  o->t = 0;
}

const GbOptimConfig *
gb_optim_get_config(const GbOptim *o)
{
  return &o->cfg;
}

/* Each kind updates one tensor: w, g, m, v of length n; wd already zero for biases. */
static void
step_sgd(const GbOptimConfig *c, float *w, const float *g, float *b, size_t n, float lr, float wd,
         bool first)
{
  float mu = c->momentum;
  for (size_t i = 0; i < n; i++) {
    float gi = g[i] + wd * w[i];
    if (c->kind == GB_OPTIM_SGD) {
      w[i] -= lr * gi;
      continue;
    }
    b[i] = first ? gi : mu * b[i] + gi;
    w[i] -= lr * (c->kind == GB_OPTIM_NESTEROV ? gi + mu * b[i] : b[i]);
  }
}

static void
step_adagrad(const GbOptimConfig *c, float *w, const float *g, float *s, size_t n, float lr,
             float wd)
{
  for (size_t i = 0; i < n; i++) {
    float gi = g[i] + wd * w[i];
    s[i] += gi * gi;
    w[i] -= lr * gi / (sqrtf(s[i]) + c->eps);
  }
}

static void
step_rmsprop(const GbOptimConfig *c, float *w, const float *g, float *v, size_t n, float lr,
             float wd)
{
  float a = c->alpha;
  for (size_t i = 0; i < n; i++) {
    float gi = g[i] + wd * w[i];
    v[i] = a * v[i] + (1.0f - a) * gi * gi;
    w[i] -= lr * gi / (sqrtf(v[i]) + c->eps);
  }
}

static void
step_adam(const GbOptimConfig *c, float *w, const float *g, float *m, float *v, size_t n,
          float lr, float wd, long t)
{
  float b1 = c->beta1, b2 = c->beta2;
  float bc1 = (float)(1.0 - pow(b1, (double)t));
  float bc2 = (float)(1.0 - pow(b2, (double)t));
  float step = lr / bc1;
  float inv_sqrt_bc2 = 1.0f / sqrtf(bc2);
  bool decoupled = c->kind == GB_OPTIM_ADAMW;
  for (size_t i = 0; i < n; i++) {
    float gi = g[i];
    if (decoupled)
      w[i] -= lr * wd * w[i];
    else
      gi += wd * w[i];
    m[i] = b1 * m[i] + (1.0f - b1) * gi;
    v[i] = b2 * v[i] + (1.0f - b2) * gi * gi;
    w[i] -= step * m[i] / (sqrtf(v[i]) * inv_sqrt_bc2 + c->eps);
  }
}

static void
step_lars(const GbOptimConfig *c, float *w, const float *g, float *v, size_t n, float lr,
          float wd, bool is_bias)
{
  double wn = 0.0, gn = 0.0;
  for (size_t i = 0; i < n; i++) {
    wn += (double)w[i] * w[i];
    gn += (double)g[i] * g[i];
  }
  wn = sqrt(wn);
  gn = sqrt(gn);
  /* Biases and all-zero tensors are not adapted (local rate 1), as in common implementations. */
  double local = 1.0;
  if (!is_bias && wn > 0.0 && gn > 0.0)
    local = c->trust * wn / (gn + wd * wn + c->eps);
  float scale = (float)(lr * local);
  for (size_t i = 0; i < n; i++) {
    v[i] = c->momentum * v[i] + scale * (g[i] + wd * w[i]);
    w[i] -= v[i];
  }
}

void
gb_optim_step(GbOptim *o, float *params, const float *grads, float lr)
{
  const GbOptimConfig *c = &o->cfg;
  o->t++;
  for (int k = 0; k < o->n_groups; k++) {
    const GbOptimGroup *gr = &o->groups[k];
    float *w = params + gr->offset, *m = o->m + gr->offset, *v = o->v + gr->offset;
    const float *g = grads + gr->offset;
    size_t n = gr->count;
    float wd = gr->is_bias ? 0.0f : c->weight_decay;
    switch (c->kind) {
    case GB_OPTIM_SGD:
    case GB_OPTIM_MOMENTUM:
    case GB_OPTIM_NESTEROV: step_sgd(c, w, g, m, n, lr, wd, o->t == 1); break;
    case GB_OPTIM_ADAGRAD: step_adagrad(c, w, g, m, n, lr, wd); break;
    case GB_OPTIM_RMSPROP: step_rmsprop(c, w, g, v, n, lr, wd); break;
    case GB_OPTIM_ADAM:
    case GB_OPTIM_ADAMW: step_adam(c, w, g, m, v, n, lr, wd, o->t); break;
    case GB_OPTIM_LARS: step_lars(c, w, g, m, n, lr, wd, gr->is_bias); break;
    default: break;
    }
  }
}

void
gb_schedule_init(GbSchedule *s, GbScheduleKind kind)
{
  memset(s, 0, sizeof *s);
  s->kind = kind;
  s->step_size = 10;
  s->gamma = 0.1f;
}

static const char *const schedule_names[] = {"constant", "step", "cosine"};
#define N_SCHEDULE_KINDS ((int)(sizeof schedule_names / sizeof schedule_names[0]))

bool
gb_schedule_kind_from_string(const char *name, GbScheduleKind *kind)
{
  if (name == NULL)
    return false;
  for (int i = 0; i < N_SCHEDULE_KINDS; i++)
    if (strcmp(name, schedule_names[i]) == 0) {
      *kind = (GbScheduleKind)i;
      return true;
    }
  return false;
}

const char *
gb_schedule_kind_to_string(GbScheduleKind kind)
{
  return (unsigned)kind < N_SCHEDULE_KINDS ? schedule_names[kind] : "unknown";
}

float
gb_schedule_lr(const GbSchedule *s, float base_lr, int epoch, int n_epochs)
{
  switch (s->kind) {
  case GB_SCHEDULE_CONSTANT: return base_lr;
  case GB_SCHEDULE_STEP: {
    int k = s->step_size > 0 ? epoch / s->step_size : 0;
    return (float)(base_lr * pow(s->gamma, k));
  }
  case GB_SCHEDULE_COSINE: {
    int t_max = s->t_max > 0 ? s->t_max : n_epochs;
    double frac = t_max > 0 ? (double)(epoch < t_max ? epoch : t_max) / t_max : 0.0;
    return (float)(s->min_lr + (base_lr - s->min_lr) * 0.5 * (1.0 + cos(M_PI * frac)));
  }
  }
  return base_lr;
}

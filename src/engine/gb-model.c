/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-model.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gb-alloc.h"
#include "gb-blas.h"

#define PARAM_ALIGN 16 /* floats: each tensor starts on a 64-byte boundary */

typedef struct {
  char *key;
  char *value;
} Meta;

struct GbModel {
  GbArch arch;
  int n_layers;
  GbLayer *layers;
  float *params, *grads;
  size_t n_params, buffer_len;
  int n_tensors;
  GbModelTensor *tensors;
  int max_batch;
  const float *input;  /* the caller's x of the last forward (not owned) */
  int from;            /* first layer the last forward ran (gb_model_forward_range) */
  const float *from_x; /* and its input (not owned) */
  int to;              /* one past the last layer it ran */
  int last_batch;      /* its batch */
  bool fusion;         /* run each relu + maxpool2d pair as one pass (gb_model_set_fusion) */
  bool *stale;         /* stale[i]: layer i is a relu that the last forward fused with the
                        * pooling after it, its output not written yet (see layer_output) */
  float **acts;        /* acts[i]: output of layer i, (max_batch, out size) */
  float *dbuf[2];      /* ping-pong gradients between layers */
  size_t max_act;      /* largest per-sample activation, input included */
  GbRng rng;
  int n_meta;
  Meta *meta;
};

static GbInitKind
auto_init(const GbArch *a, int i)
{
  for (int j = i + 1; j < a->n_layers; j++) {
    GbLayerKind k = a->layers[j].kind;
    if (k == GB_LAYER_DROPOUT || k == GB_LAYER_FLATTEN || k == GB_LAYER_MAXPOOL2D ||
        k == GB_LAYER_AVGPOOL2D)
      continue;
    return (k == GB_LAYER_RELU || k == GB_LAYER_LEAKY_RELU) ? GB_INIT_HE : GB_INIT_GLOROT;
  }
  return GB_INIT_GLOROT;
}

/* Runs each layer's setup to chain shapes and count parameters. */
static GbStatus
setup_layers(GbModel *m, GbError *err)
{
  int counters[GB_LAYER_N_KINDS] = {0};
  GbShape shape = m->arch.input;
  m->max_act = gb_shape_size(&shape);
  for (int i = 0; i < m->n_layers; i++) {
    GbLayer *l = &m->layers[i];
    const GbLayerSpec *s = &m->arch.layers[i];
    l->kind = s->kind;
    l->ops = gb_layer_ops_for_kind(s->kind);
    l->cfg = s->cfg;
    if (l->cfg.init == GB_INIT_AUTO)
      l->cfg.init = auto_init(&m->arch, i);
    l->in_shape = shape;
    l->rng = &m->rng;
    snprintf(l->name, sizeof l->name, "%s%d", l->ops->type_name, ++counters[s->kind]);
    GbStatus st = l->ops->setup(l, err);
    if (st != GB_OK) {
      char buf[64];
      gb_error_prefix(err, "layer %d (%s) on input %s", i + 1, l->ops->type_name,
                      gb_shape_format(&shape, buf, sizeof buf));
      return st;
    }
    shape = l->out_shape;
    size_t sz = gb_shape_size(&shape);
    if (sz == 0)
      return gb_error_set(err, GB_ERR_SHAPE, "layer %d (%s) has an empty output", i + 1,
                          l->ops->type_name);
    if (sz > m->max_act)
      m->max_act = sz;
    m->n_tensors += l->n_params;
  }
  return GB_OK;
}

static GbStatus
allocate_params(GbModel *m, GbError *err)
{
  size_t len = 0;
  for (int i = 0; i < m->n_layers; i++)
    for (int j = 0; j < m->layers[i].n_params; j++) {
      GbParamInfo *p = &m->layers[i].param[j];
      p->offset = len;
      len += (p->count + PARAM_ALIGN - 1) / PARAM_ALIGN * PARAM_ALIGN;
      m->n_params += p->count;
    }
  m->buffer_len = len;
  m->params = gb_alloc_floats(len);
  m->grads = gb_alloc_floats(len);
  m->tensors = gb_calloc((size_t)(m->n_tensors ? m->n_tensors : 1), sizeof *m->tensors);
  if (m->params == NULL || m->grads == NULL || m->tensors == NULL)
    return gb_error_set(err, GB_ERR_NOMEM, "out of memory for %zu parameters", m->n_params);
  int t = 0;
  for (int i = 0; i < m->n_layers; i++) {
    GbLayer *l = &m->layers[i];
    for (int j = 0; j < l->n_params; j++) {
      l->p[j] = m->params + l->param[j].offset;
      l->g[j] = m->grads + l->param[j].offset;
      GbModelTensor *mt = &m->tensors[t++];
      snprintf(mt->name, sizeof mt->name, "%s.%s", l->name, l->param[j].suffix);
      mt->shape = l->param[j].shape;
      mt->count = l->param[j].count;
      mt->data = l->p[j];
      mt->grad = l->g[j];
      mt->is_bias = l->param[j].is_bias;
      mt->layer = i;
    }
  }
  return GB_OK;
}

/* The model's layers and buffers, parameters zero (not initialised). */
static GbStatus
model_build(const GbArch *arch, GbModel **out, GbError *err)
{
  *out = NULL;
  if (arch->n_layers < 1)
    return gb_error_set(err, GB_ERR_INVALID, "the architecture has no layers");
  GbModel *m = gb_calloc(1, sizeof *m);
  if (m == NULL)
    return gb_error_set(err, GB_ERR_NOMEM, "out of memory");
  GbStatus st = gb_arch_copy(&m->arch, arch, err);
  if (st != GB_OK) {
    gb_free(m);
    return st;
  }
  m->n_layers = arch->n_layers;
  m->layers = gb_calloc((size_t)m->n_layers, sizeof *m->layers);
  m->stale = gb_calloc((size_t)m->n_layers, sizeof *m->stale);
  m->fusion = true;
  if (m->layers == NULL || m->stale == NULL)
    st = gb_error_set(err, GB_ERR_NOMEM, "out of memory");
  if (st == GB_OK)
    st = setup_layers(m, err);
  if (st == GB_OK)
    st = allocate_params(m, err);
  if (st != GB_OK) {
    gb_model_free(m);
    return st;
  }
  *out = m;
  return GB_OK;
}

GbStatus
gb_model_new(const GbArch *arch, uint64_t seed, GbModel **out, GbError *err)
{
  GbModel *m;
  GbStatus st = model_build(arch, &m, err);
  *out = NULL;
  if (st != GB_OK)
    return st;
  /* Each layer draws from its own stream, so adding a layer does not change the others. */
  for (int i = 0; i < m->n_layers; i++) {
    GbLayer *l = &m->layers[i];
    if (l->ops->init != NULL) {
      GbRng r;
      gb_rng_seed(&r, gb_rng_derive(seed, (uint64_t)i));
      l->ops->init(l, &r);
    }
  }
  gb_rng_seed(&m->rng, gb_rng_derive(seed, 0xfeedULL));
  *out = m;
  return GB_OK;
}

GbStatus
gb_model_new_from_spec(const char *spec, uint64_t seed, GbModel **out, GbError *err)
{
  GbArch arch;
  *out = NULL;
  GbStatus st = gb_arch_parse(spec, &arch, err);
  if (st != GB_OK)
    return st;
  st = gb_model_new(&arch, seed, out, err);
  gb_arch_clear(&arch);
  return st;
}

GbModel *
gb_model_dup(const GbModel *src, GbError *err)
{
  GbModel *m;
  /* No initialisation: the weights are copied over (a third of the cost of a job's copy of
   * the digits CNN went into drawing random weights only to overwrite them). */
  if (model_build(&src->arch, &m, err) != GB_OK)
    return NULL;
  memcpy(m->params, src->params, src->buffer_len * sizeof(float));
  m->rng = src->rng;
  m->fusion = src->fusion;
  for (int i = 0; i < src->n_meta; i++)
    if (gb_model_set_meta(m, src->meta[i].key, src->meta[i].value, err) != GB_OK) {
      gb_model_free(m);
      return NULL;
    }
  return m;
}

static void
free_activations(GbModel *m)
{
  if (m->acts != NULL)
    for (int i = 0; i < m->n_layers; i++)
      gb_free(m->acts[i]);
  gb_free(m->acts);
  gb_free(m->dbuf[0]);
  gb_free(m->dbuf[1]);
  m->acts = NULL;
  m->dbuf[0] = m->dbuf[1] = NULL;
  m->max_batch = 0;
}

void
gb_model_free(GbModel *m)
{
  if (m == NULL)
    return;
  free_activations(m);
  if (m->layers != NULL)
    for (int i = 0; i < m->n_layers; i++)
      if (m->layers[i].ops != NULL && m->layers[i].ops->release != NULL)
        m->layers[i].ops->release(&m->layers[i]);
  for (int i = 0; i < m->n_meta; i++) {
    gb_free(m->meta[i].key);
    gb_free(m->meta[i].value);
  }
  gb_free(m->meta);
  gb_free(m->layers);
  gb_free(m->stale);
  gb_free(m->params);
  gb_free(m->grads);
  gb_free(m->tensors);
  gb_arch_clear(&m->arch);
  gb_free(m);
}

GbStatus
gb_model_reserve(GbModel *m, int batch, GbError *err)
{
  if (batch < 1)
    return gb_error_set(err, GB_ERR_INVALID, "batch size must be at least 1, got %d", batch);
  if (batch <= m->max_batch)
    return GB_OK;
  free_activations(m);
  m->acts = gb_calloc((size_t)m->n_layers, sizeof *m->acts);
  if (m->acts == NULL)
    return gb_error_set(err, GB_ERR_NOMEM, "out of memory for activations");
  for (int i = 0; i < m->n_layers; i++) {
    m->acts[i] = gb_alloc_floats((size_t)batch * gb_layer_out_size(&m->layers[i]));
    if (m->acts[i] == NULL)
      goto nomem;
  }
  for (int k = 0; k < 2; k++)
    if ((m->dbuf[k] = gb_alloc_floats((size_t)batch * m->max_act)) == NULL)
      goto nomem;
  for (int i = 0; i < m->n_layers; i++) {
    GbStatus st = m->layers[i].ops->reserve(&m->layers[i], batch, err);
    if (st != GB_OK) {
      free_activations(m);
      return st;
    }
  }
  m->max_batch = batch;
  /* New buffers: no ReLU output is waiting to be computed from them. */
  memset(m->stale, 0, (size_t)m->n_layers * sizeof *m->stale);
  return GB_OK;
nomem:
  free_activations(m);
  return gb_error_set(err, GB_ERR_NOMEM, "out of memory for activations of batch %d", batch);
}

GbStatus
gb_model_forward(GbModel *m, const float *x, int batch, bool training, const float **logits,
                 GbError *err)
{
  return gb_model_forward_range(m, 0, m->n_layers, x, batch, training, logits, err);
}

/* Layers i and i + 1 are a relu and a maxpool2d. */
static bool
relu_pool_pair(const GbModel *m, int i)
{
  return i + 1 < m->n_layers && m->layers[i].kind == GB_LAYER_RELU &&
         m->layers[i + 1].kind == GB_LAYER_MAXPOOL2D;
}

GbStatus
gb_model_forward_range(GbModel *m, int from, int to, const float *x, int batch, bool training,
                       const float **out, GbError *err)
{
  if (from < 0 || to > m->n_layers || from >= to)
    return gb_error_set(err, GB_ERR_INVALID, "layers [%d, %d) of a model of %d layers", from,
                        to, m->n_layers);
  GbStatus st = gb_model_reserve(m, batch, err);
  if (st != GB_OK)
    return st;
  m->input = from == 0 ? x : NULL;
  m->from = from;
  m->from_x = x;
  m->to = to;
  m->last_batch = batch;
  /* A ReLU followed by max pooling runs as one pass: two full passes fewer over the largest
   * activations of a CNN (8% of a LeNet epoch). The ReLU's output is written only if someone
   * asks for it (gb_model_layer_output). Not for a ReLU at the start of the range, whose input
   * is the caller's and may be gone by then. */
  bool fuse = m->fusion && !gb_engine_get_reference_kernels();
  const float *in = x;
  for (int i = from; i < to; i++) {
    GbLayer *l = &m->layers[i];
    m->stale[i] = false;
    if (fuse && i > from && i + 1 < to && relu_pool_pair(m, i)) {
      gb_maxpool_relu_forward(&m->layers[i + 1], in, m->acts[i + 1], batch);
      m->stale[i] = true;
      m->stale[i + 1] = false;
      in = m->acts[++i];
      continue;
    }
    l->ops->forward(l, in, m->acts[i], batch, training);
    in = m->acts[i];
  }
  if (out != NULL)
    *out = in;
  return GB_OK;
}

/* Layers [from, to) backwards; the forward that ran them must have started at or before from
 * (the input of layer from is then acts[from - 1], or from_x when it started there). */
static GbStatus
backward_layers(GbModel *m, int from, int to, const float *dy, int batch, float *dx,
                bool param_grads, GbError *err)
{
  if (m->from_x == NULL || batch > m->max_batch || from < m->from || to > m->to || from >= to)
    return gb_error_set(err, GB_ERR_INVALID, "backward without a matching forward");
  if (from > m->from && m->stale[from - 1])
    return gb_error_set(err, GB_ERR_INVALID, "backward from layer %d, inside the relu and "
                        "max-pooling pair the forward ran as one", from);
  for (int i = to - 1; i >= from; i--) {
    GbLayer *l = &m->layers[i];
    if (i - 1 >= from && m->stale[i - 1]) {
      /* dy is in dbuf[(i + 1) & 1] (or the caller's), the masked copy goes to dbuf[i & 1] and
       * the ReLU input's gradient to where the ReLU would have written it. */
      float *d = i - 1 > from ? m->dbuf[(i - 1) & 1] : dx;
      gb_maxpool_relu_backward(l, m->acts[i], dy, m->dbuf[i & 1], d, batch);
      dy = d;
      i--;
      continue;
    }
    const float *x = i > m->from ? m->acts[i - 1] : m->from_x;
    /* Ping-pong between the two buffers, never writing the one dy is read from. */
    float *d = i > from ? m->dbuf[i & 1] : dx;
    /* The first layer's input gradient is only needed when the caller asked for it. */
    l->ops->backward(l, x, m->acts[i], dy, d, batch, param_grads);
    dy = d;
  }
  return GB_OK;
}

GbStatus
gb_model_backward(GbModel *m, const float *dlogits, int batch, float *dx, bool param_grads,
                  GbError *err)
{
  if (m->from != 0 || m->to != m->n_layers)
    return gb_error_set(err, GB_ERR_INVALID, "backward without a matching forward");
  return backward_layers(m, 0, m->n_layers, dlogits, batch, dx, param_grads, err);
}

GbStatus
gb_model_backward_range(GbModel *m, int from, int to, const float *dy, int batch, float *dx,
                        GbError *err)
{
  if (dx == NULL)
    return gb_error_set(err, GB_ERR_INVALID, "backward over layers [%d, %d) needs an output",
                        from, to);
  return backward_layers(m, from, to, dy, batch, dx, false, err);
}

const float *
gb_model_layer_output(const GbModel *m, int i)
{
  if (i < 0)
    return m->input;
  if (m->acts == NULL || i >= m->n_layers)
    return NULL;
  if (m->stale[i]) {
    /* A fused ReLU (never the first layer of its forward): its input is acts[i - 1]. */
    GbLayer *l = &m->layers[i];
    l->ops->forward(l, m->acts[i - 1], m->acts[i], m->last_batch, false);
    m->stale[i] = false;
  }
  return m->acts[i];
}

void
gb_model_set_fusion(GbModel *m, bool on)
{
  m->fusion = on;
}

GbStatus
gb_model_predict(GbModel *m, const float *x, int n, float *logits, GbProgressFn progress,
                 void *user, GbError *err)
{
  const int chunk = 256;
  size_t in = gb_model_input_size(m);
  int n_out = gb_model_n_outputs(m);
  for (int start = 0; start < n; start += chunk) {
    int b = n - start < chunk ? n - start : chunk;
    /* NaN would come out as a confident-looking class (argmax of NaNs is 0): refuse it. */
    long bad = gb_floats_find_nonfinite(x + (size_t)start * in, (size_t)b * in);
    if (bad >= 0) {
      float v = x[(size_t)start * in + (size_t)bad];
      return gb_error_set(err, GB_ERR_NUMERIC,
                          "sample %ld, value %ld is %s: predictions need finite inputs",
                          (long)start + bad / (long)in, bad % (long)in, isnan(v) ? "NaN" : "infinite");
    }
    const float *y;
    GbStatus st = gb_model_forward(m, x + (size_t)start * in, b, false, &y, err);
    if (st != GB_OK)
      return st;
    memcpy(logits + (size_t)start * n_out, y, (size_t)b * n_out * sizeof(float));
    if (progress != NULL && !progress(user, (double)(start + b) / n, "predicting"))
      return gb_error_set(err, GB_ERR_CANCELLED, "prediction cancelled");
  }
  return GB_OK;
}

const GbArch *
gb_model_get_arch(const GbModel *m)
{
  return &m->arch;
}

char *
gb_model_dup_spec(const GbModel *m)
{
  return gb_arch_format(&m->arch);
}

const GbShape *
gb_model_input_shape(const GbModel *m)
{
  return &m->arch.input;
}

size_t
gb_model_input_size(const GbModel *m)
{
  return gb_shape_size(&m->arch.input);
}

int
gb_model_n_outputs(const GbModel *m)
{
  return (int)gb_layer_out_size(&m->layers[m->n_layers - 1]);
}

int
gb_model_n_layers(const GbModel *m)
{
  return m->n_layers;
}

GbLayer *
gb_model_get_layer(GbModel *m, int i)
{
  return (i >= 0 && i < m->n_layers) ? &m->layers[i] : NULL;
}

size_t
gb_model_n_params(const GbModel *m)
{
  return m->n_params;
}

size_t
gb_model_buffer_len(const GbModel *m)
{
  return m->buffer_len;
}

float *
gb_model_params(GbModel *m)
{
  return m->params;
}

float *
gb_model_grads(GbModel *m)
{
  return m->grads;
}

int
gb_model_n_tensors(const GbModel *m)
{
  return m->n_tensors;
}

void
gb_model_get_tensor(GbModel *m, int i, GbModelTensor *out)
{
  *out = m->tensors[i];
}

int
gb_model_find_tensor(GbModel *m, const char *name)
{
  for (int i = 0; i < m->n_tensors; i++)
    if (strcmp(m->tensors[i].name, name) == 0)
      return i;
  return -1;
}

GbRng *
gb_model_rng(GbModel *m)
{
  return &m->rng;
}

GbStatus
gb_model_set_meta(GbModel *m, const char *key, const char *value, GbError *err)
{
  /* Model files write these themselves from the model; a copy in the metadata would clash. */
  if (strcmp(key, "format") == 0 || strcmp(key, "glassbox.architecture") == 0 ||
      strcmp(key, "glassbox.version") == 0)
    return gb_error_set(err, GB_ERR_INVALID, "metadata key '%s' is reserved", key);
  char *v = gb_strdup(value);
  if (v == NULL)
    return gb_error_set(err, GB_ERR_NOMEM, "out of memory");
  for (int i = 0; i < m->n_meta; i++)
    if (strcmp(m->meta[i].key, key) == 0) {
      gb_free(m->meta[i].value);
      m->meta[i].value = v;
      return GB_OK;
    }
  char *k = gb_strdup(key);
  Meta *grown = gb_realloc(m->meta, (size_t)(m->n_meta + 1) * sizeof *grown);
  if (k == NULL || grown == NULL) {
    gb_free(k);
    gb_free(v);
    if (grown != NULL)
      m->meta = grown;
    return gb_error_set(err, GB_ERR_NOMEM, "out of memory");
  }
  m->meta = grown;
  m->meta[m->n_meta].key = k;
  m->meta[m->n_meta].value = v;
  m->n_meta++;
  return GB_OK;
}

const char *
gb_model_get_meta(const GbModel *m, const char *key)
{
  for (int i = 0; i < m->n_meta; i++)
    if (strcmp(m->meta[i].key, key) == 0)
      return m->meta[i].value;
  return NULL;
}

int
gb_model_n_meta(const GbModel *m)
{
  return m->n_meta;
}

void
gb_model_meta_at(const GbModel *m, int i, const char **key, const char **value)
{
  *key = m->meta[i].key;
  *value = m->meta[i].value;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-model-file.h"

#include <string.h>

#include "gb-alloc.h"
#include "gb-safetensors.h"

/* A model file is a safetensors file (see gb-safetensors.h) whose metadata names the
 * architecture; the tensors are the model's parameters, all F32, in model order. */

#define KEY_ARCH    "glassbox.architecture"
#define KEY_VERSION "glassbox.version"
#define KEY_FORMAT  "format"
#define EEG_FORMAT  "glassbox-eeg" /* GB_EEG_FILE_FORMAT, which the engine cannot include */

/* ---- Writing ------------------------------------------------------------------------------- */

/* Keys the writer sets itself; the model's own values for them are not written or loaded. */
static bool
is_reserved_key(const char *key)
{
  return strcmp(key, KEY_FORMAT) == 0 || strcmp(key, KEY_ARCH) == 0 ||
         strcmp(key, KEY_VERSION) == 0;
}

/* What gb_safetensors_save() needs, pointing into the model and @spec. */
typedef struct {
  GbSafetensorsContents contents;
  GbModelTensor *params; /* hold the names */
  GbSafetensorsTensor *tensors;
  GbSafetensorsMeta *meta;
  char *spec;
} Contents;

static void
contents_clear(Contents *c)
{
  gb_free(c->params);
  gb_free(c->tensors);
  gb_free(c->meta);
  gb_free(c->spec);
}

static void
fill_tensors(GbModel *m, Contents *c)
{
  for (int i = 0; i < gb_model_n_tensors(m); i++) {
    gb_model_get_tensor(m, i, &c->params[i]);
    const GbModelTensor *t = &c->params[i];
    GbSafetensorsTensor *out = &c->tensors[i];
    out->name = t->name;
    out->dtype = GB_DTYPE_F32;
    out->ndim = t->shape.ndim;
    for (int d = 0; d < t->shape.ndim; d++)
      out->shape[d] = (size_t)t->shape.dim[d];
    out->data = t->data;
  }
  c->contents.tensors = c->tensors;
  c->contents.n_tensors = (size_t)gb_model_n_tensors(m);
}

/* "format": "pt" (what the safetensors package expects), the architecture, the version, then
 * the model's own metadata. */
static void
fill_meta(GbModel *m, Contents *c)
{
  size_t n = 0;
  c->meta[n++] = (GbSafetensorsMeta){KEY_FORMAT, "pt"};
  c->meta[n++] = (GbSafetensorsMeta){KEY_ARCH, c->spec};
  c->meta[n++] = (GbSafetensorsMeta){KEY_VERSION, GB_VERSION};
  for (int i = 0; i < gb_model_n_meta(m); i++) {
    const char *key, *value;
    gb_model_meta_at(m, i, &key, &value);
    if (!is_reserved_key(key))
      c->meta[n++] = (GbSafetensorsMeta){key, value};
  }
  c->contents.meta = c->meta;
  c->contents.n_meta = n;
}

static GbStatus
contents_init(Contents *c, GbModel *m, GbError *err)
{
  memset(c, 0, sizeof *c);
  c->spec = gb_model_dup_spec(m);
  if (c->spec == NULL)
    return gb_error_set(err, GB_ERR_NOMEM, "out of memory for the architecture text");
  size_t n = (size_t)gb_model_n_tensors(m);
  c->params = gb_calloc(n ? n : 1, sizeof *c->params);
  c->tensors = gb_calloc(n ? n : 1, sizeof *c->tensors);
  c->meta = gb_calloc((size_t)gb_model_n_meta(m) + 3, sizeof *c->meta);
  if (c->params == NULL || c->tensors == NULL || c->meta == NULL) {
    contents_clear(c);
    return gb_error_set(err, GB_ERR_NOMEM, "out of memory for the list of tensors");
  }
  fill_tensors(m, c);
  fill_meta(m, c);
  return GB_OK;
}

GbStatus
gb_model_save_to_memory(GbModel *m, void **data, size_t *len, GbError *err)
{
  *data = NULL;
  *len = 0;
  Contents c;
  GbStatus st = contents_init(&c, m, err);
  if (st != GB_OK)
    return st;
  st = gb_safetensors_save_to_memory(&c.contents, data, len, err);
  contents_clear(&c);
  return st;
}

GbStatus
gb_model_save(GbModel *m, const char *path, GbError *err)
{
  Contents c;
  GbStatus st = contents_init(&c, m, err);
  if (st != GB_OK) {
    gb_error_prefix(err, "%s", path);
    return st;
  }
  st = gb_safetensors_save(&c.contents, path, err);
  contents_clear(&c);
  return st;
}

/* ---- Reading ------------------------------------------------------------------------------- */

/* Builds the model the architecture describes. Its weights are overwritten later. */
static GbStatus
create_model(const GbSafetensors *sf, GbModel **model, GbError *err)
{
  const char *name = gb_safetensors_name(sf);
  if (!gb_safetensors_has_metadata(sf))
    return gb_error_set(err, GB_ERR_FORMAT, "%s: the header has no __metadata__ with " KEY_ARCH
                        "; this safetensors file was not written by Glassbox", name);
  const char *format = gb_safetensors_get_meta(sf, KEY_FORMAT);
  if (format != NULL && strcmp(format, EEG_FORMAT) == 0)
    return gb_error_set(err, GB_ERR_FORMAT, "%s: this is a Glassbox EEG set, not a model",
                        name);
  const char *arch = gb_safetensors_get_meta(sf, KEY_ARCH);
  if (arch == NULL)
    return gb_error_set(err, GB_ERR_FORMAT, "%s: __metadata__ has no " KEY_ARCH
                        "; this safetensors file was not written by Glassbox", name);
  GbStatus st = gb_model_new_from_spec(arch, 0, model, err);
  if (st == GB_OK)
    return GB_OK;
  /* A valid architecture the engine cannot build yet stays "unsupported"; anything else means
   * the file is wrong. */
  if (st != GB_ERR_NOMEM && st != GB_ERR_UNSUPPORTED) {
    st = GB_ERR_FORMAT;
    if (err != NULL)
      err->code = st;
  }
  gb_error_prefix(err, "%s: " KEY_ARCH, name);
  return st;
}

static GbStatus
copy_metadata(const GbSafetensors *sf, GbModel *m, GbError *err)
{
  for (size_t i = 0; i < gb_safetensors_n_meta(sf); i++) {
    const char *key, *value;
    gb_safetensors_meta_at(sf, i, &key, &value);
    if (is_reserved_key(key))
      continue;
    GbStatus st = gb_model_set_meta(m, key, value, err);
    if (st != GB_OK) {
      gb_error_prefix(err, "%s", gb_safetensors_name(sf));
      return st;
    }
  }
  return GB_OK;
}

/* Every tensor of the file must be one of the model's parameters, with its exact shape. */
static GbStatus
check_tensors(GbSafetensors *sf, GbModel *m, GbError *err)
{
  size_t n = (size_t)gb_model_n_tensors(m);
  GbModelTensor *params = gb_calloc(n ? n : 1, sizeof *params); /* hold the names */
  GbSafetensorsExpect *expect = gb_calloc(n ? n : 1, sizeof *expect);
  GbStatus st = GB_OK;
  if (params == NULL || expect == NULL)
    st = gb_error_set(err, GB_ERR_NOMEM, "%s: out of memory", gb_safetensors_name(sf));
  for (size_t i = 0; i < n && st == GB_OK; i++) {
    gb_model_get_tensor(m, (int)i, &params[i]);
    expect[i].name = params[i].name;
    expect[i].dtype = GB_DTYPE_F32;
    expect[i].ndim = params[i].shape.ndim;
    for (int d = 0; d < params[i].shape.ndim; d++)
      expect[i].shape[d] = params[i].shape.dim[d];
  }
  GbSafetensorsSchema schema = {expect, n, "the architecture has no such parameter"};
  if (st == GB_OK)
    st = gb_safetensors_check(sf, &schema, err);
  gb_free(params);
  gb_free(expect);
  return st;
}

/* Reads each parameter straight into the model's weights. */
static GbStatus
read_tensors(const GbSafetensors *sf, GbModel *m, GbError *err)
{
  for (int i = 0; i < gb_model_n_tensors(m); i++) {
    GbModelTensor t;
    gb_model_get_tensor(m, i, &t);
    GbStatus st = gb_safetensors_read(sf, t.name, GB_DTYPE_F32, t.shape.ndim, t.data, t.count,
                                      GB_SAFETENSORS_FINITE, err);
    if (st != GB_OK)
      return st;
  }
  return GB_OK;
}

static GbStatus
load_model(GbSafetensors *sf, GbModel **out, GbError *err)
{
  GbModel *m = NULL;
  GbStatus st = create_model(sf, &m, err);
  if (st == GB_OK)
    st = copy_metadata(sf, m, err);
  if (st == GB_OK)
    st = check_tensors(sf, m, err);
  if (st == GB_OK)
    st = read_tensors(sf, m, err);
  gb_safetensors_free(sf);
  if (st != GB_OK) {
    gb_model_free(m);
    return st;
  }
  *out = m;
  return GB_OK;
}

GbStatus
gb_model_load_from_memory(const void *data, size_t len, const char *name, GbModel **out,
                          GbError *err)
{
  *out = NULL;
  GbSafetensors *sf;
  GbStatus st = gb_safetensors_open_memory(data, len, name, &sf, err);
  return st == GB_OK ? load_model(sf, out, err) : st;
}

GbStatus
gb_model_load(const char *path, GbModel **out, GbError *err)
{
  *out = NULL;
  GbSafetensors *sf;
  GbStatus st = gb_safetensors_open(path, &sf, err);
  return st == GB_OK ? load_model(sf, out, err) : st;
}

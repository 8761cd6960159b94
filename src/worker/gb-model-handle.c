/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-model-handle.h"

#include <string.h>

#include "gb-default-models.h"
#include "gb-model-file.h"
#include "gb-worker.h"

struct _GbModelHandle {
  GObject parent_instance;
  GbModel *model;
  char *id;
  char *title;
  char *checksum;
  char *architecture;
  char *summary;
};

G_DEFINE_FINAL_TYPE(GbModelHandle, gb_model_handle, G_TYPE_OBJECT)

#define EVAL_PREFIX "glassbox.eval."

/* "glassbox.eval.mnist-test.accuracy" = "0.986" -> "accuracy 0.986 on mnist-test". The data
 * name may itself hold dots ("p300-test.safetensors"), the metric never does. */
static char *
summary_from_meta(const GbModel *m)
{
  for (int i = 0; i < gb_model_n_meta(m); i++) {
    const char *key, *value;
    gb_model_meta_at(m, i, &key, &value);
    if (!g_str_has_prefix(key, EVAL_PREFIX))
      continue;
    const char *data = key + strlen(EVAL_PREFIX);
    const char *dot = strrchr(data, '.');
    if (dot == NULL || dot == data)
      continue;
    g_autofree char *metric = g_strdelimit(g_strdup(dot + 1), "_", ' ');
    g_autofree char *name = g_strndup(data, (gsize)(dot - data));
    if (g_str_has_suffix(name, ".safetensors"))
      name[strlen(name) - strlen(".safetensors")] = '\0';
    return g_strdup_printf("%s %s on %s", metric, value, name);
  }
  return g_strdup("not measured");
}

static void
gb_model_handle_finalize(GObject *object)
{
  GbModelHandle *self = GB_MODEL_HANDLE(object);
  gb_model_free(self->model);
  g_free(self->id);
  g_free(self->title);
  g_free(self->checksum);
  g_free(self->architecture);
  g_free(self->summary);
  G_OBJECT_CLASS(gb_model_handle_parent_class)->finalize(object);
}

static void
gb_model_handle_class_init(GbModelHandleClass *klass)
{
  G_OBJECT_CLASS(klass)->finalize = gb_model_handle_finalize;
}

static void
gb_model_handle_init(GbModelHandle *self)
{
  (void)self;
}

GbModelHandle *
gb_model_handle_new(GbModel *model, const char *id, const char *title, GBytes *bytes)
{
  g_return_val_if_fail(model != NULL && id != NULL, NULL);
  GbModelHandle *self = g_object_new(GB_TYPE_MODEL_HANDLE, NULL);
  self->model = model;
  self->id = g_strdup(id);
  self->title = g_strdup(title != NULL ? title : id);
  self->checksum = bytes != NULL ? g_compute_checksum_for_bytes(G_CHECKSUM_SHA256, bytes)
                                 : g_strdup("");
  self->architecture = gb_model_dup_spec(model);
  self->summary = summary_from_meta(model);
  return self;
}

static GbModelHandle *
handle_from_bytes(GBytes *bytes, const char *id, const char *title, GError **error)
{
  gsize len;
  const void *data = g_bytes_get_data(bytes, &len);
  GbModel *m = NULL;
  GbError err;
  GbStatus st = gb_model_load_from_memory(data, len, id, &m, &err);
  if (st != GB_OK) {
    gb_set_error_from_status(error, st, &err);
    return NULL;
  }
  return gb_model_handle_new(m, id, title, bytes);
}

GbModelHandle *
gb_model_handle_new_from_file(const char *path, GError **error)
{
  g_autofree char *contents = NULL;
  gsize len;
  if (!g_file_get_contents(path, &contents, &len, error))
    return NULL;
  g_autoptr(GBytes) bytes = g_bytes_new_take(g_steal_pointer(&contents), len);
  g_autofree char *title = g_path_get_basename(path);
  return handle_from_bytes(bytes, path, title, error);
}

GbModelHandle *
gb_model_handle_new_default(const char *id, GError **error)
{
  guint n;
  const GbDefaultModelInfo *infos = gb_default_models(&n);
  for (guint i = 0; i < n; i++) {
    if (strcmp(infos[i].id, id) != 0)
      continue;
    g_autoptr(GBytes) bytes = g_resources_lookup_data(infos[i].resource, 0, error);
    if (bytes == NULL)
      return NULL;
    return handle_from_bytes(bytes, infos[i].id, g_dgettext(GETTEXT_PACKAGE, infos[i].title),
                             error);
  }
  g_set_error(error, GB_ERROR, GB_ERR_INVALID, "No built-in model is called '%s'", id);
  return NULL;
}

const GbModel *
gb_model_handle_get_model(GbModelHandle *self)
{
  g_return_val_if_fail(GB_IS_MODEL_HANDLE(self), NULL);
  return self->model;
}

GbModel *
gb_model_handle_dup_model(GbModelHandle *self, GError **error)
{
  g_return_val_if_fail(GB_IS_MODEL_HANDLE(self), NULL);
  GbError err;
  GbModel *copy = gb_model_dup(self->model, &err);
  if (copy == NULL)
    gb_set_error_from_status(error, err.code != GB_OK ? err.code : GB_ERR_NOMEM, &err);
  return copy;
}

const char *
gb_model_handle_get_id(GbModelHandle *self)
{
  g_return_val_if_fail(GB_IS_MODEL_HANDLE(self), NULL);
  return self->id;
}

const char *
gb_model_handle_get_title(GbModelHandle *self)
{
  g_return_val_if_fail(GB_IS_MODEL_HANDLE(self), NULL);
  return self->title;
}

const char *
gb_model_handle_get_checksum(GbModelHandle *self)
{
  g_return_val_if_fail(GB_IS_MODEL_HANDLE(self), NULL);
  return self->checksum;
}

const char *
gb_model_handle_get_architecture(GbModelHandle *self)
{
  g_return_val_if_fail(GB_IS_MODEL_HANDLE(self), NULL);
  return self->architecture != NULL ? self->architecture : "";
}

const char *
gb_model_handle_get_summary(GbModelHandle *self)
{
  g_return_val_if_fail(GB_IS_MODEL_HANDLE(self), NULL);
  return self->summary;
}

GbModelKind
gb_model_handle_get_kind(GbModelHandle *self)
{
  g_return_val_if_fail(GB_IS_MODEL_HANDLE(self), GB_MODEL_KIND_OTHER);
  const GbShape *s = gb_model_input_shape(self->model);
  size_t n = gb_model_input_size(self->model);
  if ((s->ndim == 3 && s->dim[0] == 1 && s->dim[1] == 28 && s->dim[2] == 28) ||
      (s->ndim == 1 && n == 784))
    return GB_MODEL_KIND_DIGITS;
  if (s->ndim == 2)
    return GB_MODEL_KIND_EEG;
  return GB_MODEL_KIND_OTHER;
}

int
gb_model_handle_get_n_classes(GbModelHandle *self)
{
  g_return_val_if_fail(GB_IS_MODEL_HANDLE(self), 0);
  return gb_model_n_outputs(self->model);
}

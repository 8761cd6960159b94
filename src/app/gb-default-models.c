/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-default-models.h"

#include <gio/gio.h>

#include "gb-model-file.h"

static const GbDefaultModelInfo models[] = {
    {"digits-mlp", "Digits MLP", "/org/glassbox/Glassbox/models/digits-mlp.safetensors"},
    {"digits-cnn", "Digits CNN", "/org/glassbox/Glassbox/models/digits-cnn.safetensors"},
};

const GbDefaultModelInfo *
gb_default_models(guint *n_models)
{
  *n_models = G_N_ELEMENTS(models);
  return models;
}

GbModel *
gb_default_model_load(const GbDefaultModelInfo *info, GError **error)
{
  g_autoptr(GBytes) bytes = g_resources_lookup_data(info->resource, 0, error);
  if (bytes == NULL)
    return NULL;
  gsize len;
  const void *data = g_bytes_get_data(bytes, &len);
  GbModel *m = NULL;
  GbError err;
  if (gb_model_load_from_memory(data, len, info->id, &m, &err) != GB_OK) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s", err.message);
    return NULL;
  }
  return m;
}

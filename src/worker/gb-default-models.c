/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-default-models.h"

#include <gio/gio.h>

#include "gb-model-file.h"

#define MODELS "/org/glassbox/Glassbox/models/"
#define DIGITS_ACC "glassbox.eval.mnist-test.accuracy"
#define DIGITS_TEXT "accuracy on the mnist-test split"
#define P300_BACC "glassbox.eval.p300-test.safetensors.balanced_accuracy"
#define P300_TEXT "balanced accuracy on 4 held-out simulated subjects"

static const GbDefaultModelInfo models[] = {
    {"digits-mlp", "Digits MLP", MODELS "digits-mlp.safetensors", DIGITS_ACC, DIGITS_TEXT, 0.96},
    {"digits-cnn", "Digits CNN", MODELS "digits-cnn.safetensors", DIGITS_ACC, DIGITS_TEXT, 0.98},
    {"p300-rnn", "P300 Elman RNN", MODELS "p300-rnn.safetensors", P300_BACC, P300_TEXT, 0.80},
    {"p300-lstm", "P300 LSTM", MODELS "p300-lstm.safetensors", P300_BACC, P300_TEXT, 0.80},
    {"p300-prm", "P300 PRM-like (our design)", MODELS "p300-prm.safetensors", P300_BACC, P300_TEXT,
     0.80},
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

/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "gb-model.h"

G_BEGIN_DECLS

/* The models that ship inside the app as resources (data/models/, see retrain.sh). */
typedef struct {
  const char *id;          /* "digits-mlp" */
  const char *title;       /* translatable display name */
  const char *resource;    /* path in the GResource bundle */
  const char *metric_key;  /* metadata key of the held-out figure eval --record stored */
  const char *metric_text; /* what that figure is, for people */
  double target;           /* the figure the model must reach (the data issue's targets) */
} GbDefaultModelInfo;

const GbDefaultModelInfo *gb_default_models(guint *n_models);
/* Loads and validates one default model; NULL with @error set if the bundled file is bad. */
GbModel *gb_default_model_load(const GbDefaultModelInfo *info, GError **error);

G_END_DECLS

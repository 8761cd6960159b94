/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "gb-model.h"

G_BEGIN_DECLS

/* A loaded model, immutable once made, shared by the window and by jobs: jobs take their own
 * working copy with gb_model_handle_dup_model() (a GbModel's scratch buffers are not
 * thread-safe; reading the weights to copy them is). */
typedef enum {
  GB_MODEL_KIND_DIGITS, /* input (1, 28, 28) or 784 */
  GB_MODEL_KIND_EEG,    /* input (time, channels) */
  GB_MODEL_KIND_OTHER,
} GbModelKind;

#define GB_TYPE_MODEL_HANDLE (gb_model_handle_get_type())
G_DECLARE_FINAL_TYPE(GbModelHandle, gb_model_handle, GB, MODEL_HANDLE, GObject)

/* Takes ownership of @model. @id: "digits-cnn" or the file's path; @title: for people. @bytes
 * (may be NULL): the file's contents, whose SHA-256 becomes the checksum sessions record. */
GbModelHandle *gb_model_handle_new(GbModel *model, const char *id, const char *title,
                                   GBytes *bytes);
/* Loads and validates a model file; the error names the file and the problem. */
GbModelHandle *gb_model_handle_new_from_file(const char *path, GError **error);
/* Loads a bundled default model by id ("digits-mlp", "digits-cnn", "p300-rnn", ...). */
GbModelHandle *gb_model_handle_new_default(const char *id, GError **error);

/* Borrowed, read-only: never run it (use a copy). */
const GbModel *gb_model_handle_get_model(GbModelHandle *self);
GbModel *gb_model_handle_dup_model(GbModelHandle *self, GError **error);
const char *gb_model_handle_get_id(GbModelHandle *self);
const char *gb_model_handle_get_title(GbModelHandle *self);
/* Hex SHA-256 of the file ("" when made from memory without bytes). */
const char *gb_model_handle_get_checksum(GbModelHandle *self);
/* The architecture in the engine's text form: "input(1,28,28), conv2d(8,5), relu, ...". */
const char *gb_model_handle_get_architecture(GbModelHandle *self);
/* The held-out figure recorded in the file, for people: "accuracy 0.986 on the mnist-test
 * split"; "not measured" when absent. */
const char *gb_model_handle_get_summary(GbModelHandle *self);
GbModelKind gb_model_handle_get_kind(GbModelHandle *self);
int gb_model_handle_get_n_classes(GbModelHandle *self);

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stddef.h>

#include "gb-model.h"
#include "gb-status.h"

/* Model files are safetensors (gb-safetensors.h): an 8-byte little-endian header length N, N
 * bytes of JSON, then raw little-endian float32 data. The JSON maps each tensor name
 * ("dense1.weight") to {"dtype":"F32","shape":[...],"data_offsets":[begin,end]}; "__metadata__"
 * holds string values: "format":"pt", "glassbox.architecture" (the canonical architecture
 * text), "glassbox.version" and any metadata set on the model. NumPy and PyTorch users read
 * them with the safetensors package. */

/* Writes a temporary file beside @path, syncs it and renames it over @path, so a failed save
 * never destroys the previous file. */
GbStatus gb_model_save(GbModel *m, const char *path, GbError *err);
/* Validates everything (header length, JSON, dtype, shapes against the architecture, offsets,
 * finiteness) and says exactly what is wrong, prefixed with @path. The weights are read straight
 * into the new model. An EEG set is refused as such. */
GbStatus gb_model_load(const char *path, GbModel **out, GbError *err);
/* The same from memory; @name is used in messages. */
GbStatus gb_model_load_from_memory(const void *data, size_t len, const char *name, GbModel **out,
                                   GbError *err);
/* Serialises to a newly allocated buffer (free with gb_free). */
GbStatus gb_model_save_to_memory(GbModel *m, void **data, size_t *len, GbError *err);

/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gb-status.h"

/* Safetensors files (https://github.com/huggingface/safetensors), the container of model files
 * and EEG sets:
 *   [8 bytes] N, little-endian u64
 *   [N bytes] UTF-8 JSON header, padded with spaces so the data starts on an 8-byte boundary
 *   [rest]    the data buffer, which the tensors' data_offsets must cover exactly
 * The header maps each tensor name to {"dtype":"F32","shape":[...],"data_offsets":[b,e]} and
 * may hold "__metadata__", an object of string values. NumPy reads one with json.loads() and
 * np.frombuffer(); the safetensors package reads it directly. */

#define GB_SAFETENSORS_MAX_NDIM 8
#define GB_SAFETENSORS_ANY      (-1) /* in a GbSafetensorsExpect: any rank, or any size */

/* The safetensors element types. Every one can be written and read as raw elements; only F32
 * and F64 can be checked for finiteness. */
typedef enum {
  GB_DTYPE_BOOL,
  GB_DTYPE_U8,
  GB_DTYPE_I8,
  GB_DTYPE_F8_E4M3,
  GB_DTYPE_F8_E5M2,
  GB_DTYPE_U16,
  GB_DTYPE_I16,
  GB_DTYPE_F16,
  GB_DTYPE_BF16,
  GB_DTYPE_U32,
  GB_DTYPE_I32,
  GB_DTYPE_F32,
  GB_DTYPE_U64,
  GB_DTYPE_I64,
  GB_DTYPE_F64,
  GB_DTYPE_N
} GbDtype;

/* "F32"; NULL for a value outside the enum. */
const char *gb_dtype_name(GbDtype dtype);
/* Bytes per element; 0 for a value outside the enum. */
size_t gb_dtype_size(GbDtype dtype);
/* Looks up a name written exactly as in the format ("F32", not "f32"). */
bool gb_dtype_from_name(const char *name, size_t len, GbDtype *out);

/* ---- Writing ------------------------------------------------------------------------------- */

/* A tensor to write: @data holds product(shape) elements in host byte order (a scalar when
 * @ndim is 0); the writer converts them to little-endian. */
typedef struct {
  const char *name;
  GbDtype dtype;
  int ndim;
  size_t shape[GB_SAFETENSORS_MAX_NDIM];
  const void *data;
} GbSafetensorsTensor;

typedef struct {
  const char *key, *value; /* UTF-8 */
} GbSafetensorsMeta;

/* What a file holds. Tensors are laid out in this order, without gaps; "__metadata__" comes
 * first in the header, in this order, and is left out when @n_meta is 0. */
typedef struct {
  const GbSafetensorsTensor *tensors;
  size_t n_tensors;
  const GbSafetensorsMeta *meta;
  size_t n_meta;
} GbSafetensorsContents;

/* Writes a temporary file beside @path, syncs it and renames it over @path, so a failed save
 * never destroys the previous file. The tensors are written from their own buffers, without a
 * copy of the whole file. Names and metadata must be UTF-8 and unique (GB_ERR_INVALID). */
GbStatus gb_safetensors_save(const GbSafetensorsContents *contents, const char *path,
                             GbError *err);
/* The same file in a newly allocated buffer (free with gb_free()). */
GbStatus gb_safetensors_save_to_memory(const GbSafetensorsContents *contents, void **data,
                                       size_t *len, GbError *err);

/* ---- Reading ------------------------------------------------------------------------------- */

typedef struct GbSafetensors GbSafetensors;

/* Reading happens in two steps, so that a caller can decide from the metadata what kind of file
 * it has before it says which tensors it expects:
 *
 *   1. gb_safetensors_open() reads the header length and the JSON header, and checks that
 *      "__metadata__", when present, is an object of strings without NUL characters.
 *   2. gb_safetensors_check() checks every tensor entry (fields, dtype, shape, data_offsets
 *      that match the dtype and shape) and that the entries cover the data buffer exactly,
 *      without overlaps or gaps. With a schema it also checks names, dtypes and shapes against
 *      it, entry by entry, so the first message names the first real problem.
 *
 * Tensors can be read after step 2. Every message starts with the file's name. */

/* Opens @path; the descriptor stays open until gb_safetensors_free(). */
GbStatus gb_safetensors_open(const char *path, GbSafetensors **out, GbError *err);
/* Reads @len bytes at @data, which must stay valid until gb_safetensors_free(). @name (NULL:
 * "(memory)") is used in messages. */
GbStatus gb_safetensors_open_memory(const void *data, size_t len, const char *name,
                                    GbSafetensors **out, GbError *err);
void gb_safetensors_free(GbSafetensors *st);
/* The name messages start with. */
const char *gb_safetensors_name(const GbSafetensors *st);

/* Metadata, in file order; strings are borrowed from the reader. has_metadata tells a missing
 * "__metadata__" from an empty one. */
bool gb_safetensors_has_metadata(const GbSafetensors *st);
size_t gb_safetensors_n_meta(const GbSafetensors *st);
void gb_safetensors_meta_at(const GbSafetensors *st, size_t i, const char **key,
                            const char **value);
/* The value of @key, or NULL. */
const char *gb_safetensors_get_meta(const GbSafetensors *st, const char *key);

/* One tensor a caller expects. */
typedef struct {
  const char *name;
  GbDtype dtype;
  int ndim;                               /* or GB_SAFETENSORS_ANY */
  int64_t shape[GB_SAFETENSORS_MAX_NDIM]; /* the first @ndim sizes, each maybe ..._ANY */
  bool optional;                          /* may be absent */
} GbSafetensorsExpect;

typedef struct {
  const GbSafetensorsExpect *tensors;
  size_t n_tensors;
  /* NULL: tensors the schema does not list are allowed. Otherwise they are an error, and this
   * says why: "unexpected tensor 'x': <unexpected>". */
  const char *unexpected;
} GbSafetensorsSchema;

/* Step 2. @schema may be NULL. */
GbStatus gb_safetensors_check(GbSafetensors *st, const GbSafetensorsSchema *schema,
                              GbError *err);

/* A checked tensor entry; @name is borrowed from the reader. */
typedef struct {
  const char *name;
  GbDtype dtype;
  int ndim;
  size_t shape[GB_SAFETENSORS_MAX_NDIM];
  size_t count; /* elements: the product of the shape */
} GbSafetensorsInfo;

/* Entries in header order, after gb_safetensors_check() (0 before); @i < n_tensors. */
size_t gb_safetensors_n_tensors(const GbSafetensors *st);
void gb_safetensors_tensor_at(const GbSafetensors *st, size_t i, GbSafetensorsInfo *info);
/* False when there is no tensor called @name. */
bool gb_safetensors_find(const GbSafetensors *st, const char *name, GbSafetensorsInfo *info);

/* Reader flags */
#define GB_SAFETENSORS_FINITE 1u /* NaN or infinity in F32/F64 data is a format error */

/* Finds @name and checks its dtype and rank (@ndim may be GB_SAFETENSORS_ANY): "eeg.safetensors:
 * tensor 'labels' has dtype F32, expected I32". @info (may be NULL) receives its shape. */
GbStatus gb_safetensors_expect(const GbSafetensors *st, const char *name, GbDtype dtype,
                               int ndim, GbSafetensorsInfo *info, GbError *err);
/* gb_safetensors_expect(), then reads the tensor into @dst, which holds @count elements (there
 * must be exactly that many), converted to host byte order. Nothing else is allocated, so a
 * model's weights are read straight into place. */
GbStatus gb_safetensors_read(const GbSafetensors *st, const char *name, GbDtype dtype, int ndim,
                             void *dst, size_t count, unsigned flags, GbError *err);
/* The same into a newly allocated buffer (free with gb_free()); @info may be NULL. */
GbStatus gb_safetensors_read_new(const GbSafetensors *st, const char *name, GbDtype dtype,
                                 int ndim, unsigned flags, void **out, GbSafetensorsInfo *info,
                                 GbError *err);

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-safetensors.h"

#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gb-alloc.h"
#include "gb-json.h"
#include "gb-safetensors-private.h"

/* Element types, byte order and reading. Writing is in gb-safetensors-write.c. */

_Static_assert(sizeof(float) == 4 && FLT_MANT_DIG == 24, "F32 needs IEEE-754 binary32");
_Static_assert(sizeof(double) == 8 && DBL_MANT_DIG == 53, "F64 needs IEEE-754 binary64");

#define MAX_HEADER_LEN (UINT64_C(100) << 20) /* the limit the safetensors library uses too */
#define MAX_EXACT_INT  (UINT64_C(1) << 53)   /* JSON readers keep integers exact up to here */

/* ---- Element types ------------------------------------------------------------------------- */

static const struct {
  const char *name;
  const char *prose; /* "(6 float32 values)" */
  size_t size;
} dtypes[GB_DTYPE_N] = {
    [GB_DTYPE_BOOL] = {"BOOL", "bool", 1},
    [GB_DTYPE_U8] = {"U8", "uint8", 1},
    [GB_DTYPE_I8] = {"I8", "int8", 1},
    [GB_DTYPE_F8_E4M3] = {"F8_E4M3", "float8 e4m3", 1},
    [GB_DTYPE_F8_E5M2] = {"F8_E5M2", "float8 e5m2", 1},
    [GB_DTYPE_U16] = {"U16", "uint16", 2},
    [GB_DTYPE_I16] = {"I16", "int16", 2},
    [GB_DTYPE_F16] = {"F16", "float16", 2},
    [GB_DTYPE_BF16] = {"BF16", "bfloat16", 2},
    [GB_DTYPE_U32] = {"U32", "uint32", 4},
    [GB_DTYPE_I32] = {"I32", "int32", 4},
    [GB_DTYPE_F32] = {"F32", "float32", 4},
    [GB_DTYPE_U64] = {"U64", "uint64", 8},
    [GB_DTYPE_I64] = {"I64", "int64", 8},
    [GB_DTYPE_F64] = {"F64", "float64", 8},
};

static bool
dtype_valid(GbDtype dtype)
{
  return (unsigned)dtype < GB_DTYPE_N;
}

const char *
gb_dtype_name(GbDtype dtype)
{
  return dtype_valid(dtype) ? dtypes[dtype].name : NULL;
}

size_t
gb_dtype_size(GbDtype dtype)
{
  return dtype_valid(dtype) ? dtypes[dtype].size : 0;
}

bool
gb_dtype_from_name(const char *name, size_t len, GbDtype *out)
{
  for (int i = 0; i < GB_DTYPE_N; i++)
    if (strlen(dtypes[i].name) == len && memcmp(dtypes[i].name, name, len) == 0) {
      *out = (GbDtype)i;
      return true;
    }
  return false;
}

/* ---- Byte order ---------------------------------------------------------------------------- */

bool
gb_safetensors_host_is_le(void)
{
  const uint32_t one = 1;
  unsigned char first;
  memcpy(&first, &one, 1);
  return first == 1;
}

void
gb_safetensors_copy_le(void *dst, const void *src, size_t n, size_t size)
{
  if (dst != src && n > 0)
    memmove(dst, src, n * size);
  if (size == 1 || gb_safetensors_host_is_le())
    return;
  unsigned char *b = dst;
  for (size_t i = 0; i < n; i++, b += size)
    for (size_t j = 0; j < size / 2; j++) {
      unsigned char t = b[j];
      b[j] = b[size - 1 - j];
      b[size - 1 - j] = t;
    }
}

static uint64_t
get_u64_le(const unsigned char *in)
{
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--)
    v = (v << 8) | in[i];
  return v;
}

/* ---- Shapes -------------------------------------------------------------------------------- */

bool
gb_safetensors_shape_size(const size_t *shape, int ndim, size_t elem, size_t *count,
                          size_t *bytes)
{
  size_t n = 1;
  bool overflow = false;
  for (int d = 0; d < ndim; d++) {
    if (shape[d] == 0) {
      n = 0;
      overflow = false;
      break;
    }
    if (n > SIZE_MAX / shape[d])
      overflow = true;
    else
      n *= shape[d];
  }
  if (overflow || (n > 0 && elem > SIZE_MAX / n))
    return false;
  *count = n;
  *bytes = n * elem;
  return true;
}

/* "128x784", or "[] (a scalar)". */
static const char *
format_shape(const size_t *shape, int ndim, char *buf, size_t size)
{
  size_t off = 0;
  buf[0] = '\0';
  if (ndim == 0)
    snprintf(buf, size, "[] (a scalar)");
  for (int i = 0; i < ndim && off + 24 < size; i++) {
    int n = snprintf(buf + off, size - off, "%s%zu", i ? "x" : "", shape[i]);
    off += n > 0 ? (size_t)n : 0;
  }
  return buf;
}

/* ---- Reading: the source ------------------------------------------------------------------- */

/* A checked tensor entry; @name points into the parsed header. */
typedef struct {
  const char *name;
  GbDtype dtype;
  int ndim;
  size_t shape[GB_SAFETENSORS_MAX_NDIM];
  size_t count;
  uint64_t begin, end; /* in the data buffer */
} Entry;

/* Bytes come from memory or, for files, straight from the descriptor into their destination, so
 * loading a large file needs no copy of the whole file. */
struct GbSafetensors {
  char *name;               /* for messages */
  const unsigned char *mem; /* NULL for a file */
  int fd;                   /* -1 for memory */
  uint64_t size;
  uint64_t data_start; /* file offset of the data buffer */
  uint64_t data_len;
  GbJson *header;
  const GbJson *meta; /* NULL when the header has none */
  Entry *entries;     /* in header order, once checked */
  size_t n_entries;
  bool checked;
};

static GbStatus
format_error(const GbSafetensors *st, GbError *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static GbStatus
format_error(const GbSafetensors *st, GbError *err, const char *fmt, ...)
{
  char what[GB_ERROR_MESSAGE_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  return gb_error_set(err, GB_ERR_FORMAT, "%s: %s", st->name, what);
}

static GbStatus
source_read(const GbSafetensors *st, uint64_t offset, void *buf, size_t n, GbError *err)
{
  if (offset > st->size || n > st->size - offset)
    return gb_error_set(err, GB_ERR_FORMAT, "%s: read of %zu bytes at byte %llu goes past the "
                        "end", st->name, n, (unsigned long long)offset);
  if (n == 0)
    return GB_OK;
  if (st->mem != NULL) {
    memcpy(buf, st->mem + offset, n);
    return GB_OK;
  }
  for (size_t done = 0; done < n;) {
    ssize_t got = pread(st->fd, (char *)buf + done, n - done, (off_t)(offset + done));
    if (got < 0 && errno == EINTR)
      continue;
    if (got < 0)
      return gb_error_set(err, GB_ERR_IO, "%s: read error: %s", st->name, strerror(errno));
    if (got == 0)
      return gb_error_set(err, GB_ERR_IO, "%s: the file ended at byte %llu while reading (was "
                          "it truncated meanwhile?)", st->name,
                          (unsigned long long)(offset + done));
    done += (size_t)got;
  }
  return GB_OK;
}

/* ---- Reading: the header and its metadata -------------------------------------------------- */

static GbStatus
read_header(GbSafetensors *st, GbError *err)
{
  unsigned char len_le[8];
  if (st->size < 8)
    return format_error(st, err, "file is too short (%llu bytes) to hold the 8-byte header length",
                        (unsigned long long)st->size);
  GbStatus status = source_read(st, 0, len_le, 8, err);
  if (status != GB_OK)
    return status;
  uint64_t n = get_u64_le(len_le);
  if (n > MAX_HEADER_LEN)
    return format_error(st, err, "header length %llu is absurd (the limit is 100 MB); this is "
                        "not a safetensors file", (unsigned long long)n);
  if (n > st->size - 8)
    return format_error(st, err, "header length %llu is larger than the %llu bytes that follow "
                        "it; the file is truncated or not a safetensors file",
                        (unsigned long long)n, (unsigned long long)(st->size - 8));
  char *text = gb_malloc(n ? (size_t)n : 1);
  if (text == NULL)
    return gb_error_set(err, GB_ERR_NOMEM, "%s: out of memory for a %llu-byte header", st->name,
                        (unsigned long long)n);
  status = source_read(st, 8, text, (size_t)n, err);
  if (status == GB_OK && (n == 0 || text[0] != '{'))
    status = format_error(st, err, "header does not start with '{' (a safetensors header is a "
                          "JSON object)");
  if (status == GB_OK) {
    status = gb_json_parse(text, (size_t)n, NULL, &st->header, err);
    if (status != GB_OK)
      gb_error_prefix(err, "%s: header", st->name);
  }
  gb_free(text);
  if (status != GB_OK)
    return status;
  st->data_start = 8 + n;
  st->data_len = st->size - 8 - n;
  return GB_OK;
}

/* "an array", "a string"... */
static const char *
a_type(GbJsonType type)
{
  switch (type) {
  case GB_JSON_NULL: return "null";
  case GB_JSON_BOOL: return "a boolean";
  case GB_JSON_NUMBER: return "a number";
  case GB_JSON_STRING: return "a string";
  case GB_JSON_ARRAY: return "an array";
  case GB_JSON_OBJECT: return "an object";
  }
  return "something unknown";
}

static bool
is_metadata_key(const GbJsonMember *m)
{
  const char *key = GB_SAFETENSORS_KEY_METADATA;
  return m->key_len == strlen(key) && strcmp(m->key, key) == 0;
}

static GbStatus
check_metadata_member(const GbSafetensors *st, const GbJsonMember *mm, GbError *err)
{
  char key[GB_SAFETENSORS_NAME_EXCERPT];
  if (mm->value.type != GB_JSON_STRING)
    return format_error(st, err, "metadata '%s' is %s, expected a string",
                        gb_safetensors_excerpt(mm->key, mm->key_len, key), a_type(mm->value.type));
  if (strlen(mm->key) != mm->key_len || strlen(mm->value.u.string.data) != mm->value.u.string.len)
    return format_error(st, err, "metadata '%s' contains a NUL character",
                        gb_safetensors_excerpt(mm->key, mm->key_len, key));
  return GB_OK;
}

/* The optional "__metadata__" object, every value a string. */
static GbStatus
check_metadata(GbSafetensors *st, GbError *err)
{
  const GbJson *meta = gb_json_object_get(st->header, GB_SAFETENSORS_KEY_METADATA);
  if (meta == NULL)
    return GB_OK;
  if (meta->type != GB_JSON_OBJECT)
    return format_error(st, err, GB_SAFETENSORS_KEY_METADATA " is %s, expected an object",
                        a_type(meta->type));
  for (size_t i = 0; i < meta->u.object.n; i++) {
    GbStatus status = check_metadata_member(st, &meta->u.object.members[i], err);
    if (status != GB_OK)
      return status;
  }
  st->meta = meta;
  return GB_OK;
}

static GbStatus
open_source(GbSafetensors *st, GbError *err)
{
  GbStatus status = read_header(st, err);
  if (status != GB_OK)
    return status;
  if (st->header->type != GB_JSON_OBJECT)
    return format_error(st, err, "the header is not a JSON object");
  return check_metadata(st, err);
}

static GbStatus
new_reader(const char *name, GbSafetensors **out, GbError *err)
{
  GbSafetensors *st = gb_calloc(1, sizeof *st);
  char *copy = gb_strdup(name);
  if (st == NULL || copy == NULL) {
    gb_free(st);
    gb_free(copy);
    return gb_error_set(err, GB_ERR_NOMEM, "%s: out of memory", name);
  }
  st->name = copy;
  st->fd = -1;
  *out = st;
  return GB_OK;
}

static GbStatus
finish_open(GbSafetensors *st, GbSafetensors **out, GbError *err)
{
  GbStatus status = open_source(st, err);
  if (status != GB_OK) {
    gb_safetensors_free(st);
    return status;
  }
  *out = st;
  return GB_OK;
}

GbStatus
gb_safetensors_open_memory(const void *data, size_t len, const char *name, GbSafetensors **out,
                           GbError *err)
{
  *out = NULL;
  static const unsigned char empty[1];
  GbSafetensors *st = NULL;
  GbStatus status = new_reader(name != NULL ? name : "(memory)", &st, err);
  if (status != GB_OK)
    return status;
  st->mem = data != NULL ? data : empty; /* NULL with length 0 is just a too-short file */
  st->size = data != NULL ? len : 0;
  return finish_open(st, out, err);
}

GbStatus
gb_safetensors_open(const char *path, GbSafetensors **out, GbError *err)
{
  *out = NULL;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return gb_error_set(err, GB_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
  struct stat sb;
  GbStatus status = GB_OK;
  if (fstat(fd, &sb) != 0)
    status = gb_error_set(err, GB_ERR_IO, "%s: cannot stat: %s", path, strerror(errno));
  else if (!S_ISREG(sb.st_mode))
    status = gb_error_set(err, GB_ERR_IO, "%s: not a regular file", path);
  GbSafetensors *st = NULL;
  if (status == GB_OK)
    status = new_reader(path, &st, err);
  if (status != GB_OK) {
    close(fd);
    return status;
  }
  st->fd = fd;
  st->size = (uint64_t)sb.st_size;
  return finish_open(st, out, err);
}

void
gb_safetensors_free(GbSafetensors *st)
{
  if (st == NULL)
    return;
  if (st->fd >= 0)
    close(st->fd);
  gb_json_free(st->header);
  gb_free(st->entries);
  gb_free(st->name);
  gb_free(st);
}

const char *
gb_safetensors_name(const GbSafetensors *st)
{
  return st->name;
}

bool
gb_safetensors_has_metadata(const GbSafetensors *st)
{
  return st->meta != NULL;
}

size_t
gb_safetensors_n_meta(const GbSafetensors *st)
{
  return st->meta != NULL ? st->meta->u.object.n : 0;
}

void
gb_safetensors_meta_at(const GbSafetensors *st, size_t i, const char **key, const char **value)
{
  const GbJsonMember *m = &st->meta->u.object.members[i];
  *key = m->key;
  *value = m->value.u.string.data;
}

const char *
gb_safetensors_get_meta(const GbSafetensors *st, const char *key)
{
  const GbJson *v = gb_json_object_get(st->meta, key);
  return v != NULL ? v->u.string.data : NULL;
}

/* ---- Reading: tensor entries --------------------------------------------------------------- */

/* What gb_safetensors_check() works with. */
typedef struct {
  GbSafetensors *st;
  const GbSafetensorsSchema *schema; /* or NULL */
  bool *seen;                        /* per schema tensor */
} Check;

/* "128x784" from a JSON shape already checked to hold integers. */
static const char *
format_file_shape(const GbJson *shape, char *buf, size_t size)
{
  size_t off = 0;
  buf[0] = '\0';
  if (shape->u.array.n == 0)
    snprintf(buf, size, "[] (a scalar)");
  for (size_t i = 0; i < shape->u.array.n && off + 24 < size; i++) {
    int n = snprintf(buf + off, size - off, "%s%lld", i ? "x" : "",
                     (long long)shape->u.array.items[i].u.number.integer);
    off += n > 0 ? (size_t)n : 0;
  }
  return buf;
}

/* "2x3", "?x2" (? for any size), "3 dimensions" when only the rank is fixed. */
static const char *
format_expected_shape(const GbSafetensorsExpect *e, char *buf, size_t size)
{
  bool any = e->ndim > 0;
  for (int d = 0; d < e->ndim; d++)
    any = any && e->shape[d] < 0;
  if (any) {
    snprintf(buf, size, "%d dimension%s", e->ndim, e->ndim == 1 ? "" : "s");
    return buf;
  }
  size_t off = 0;
  buf[0] = '\0';
  if (e->ndim == 0)
    snprintf(buf, size, "[] (a scalar)");
  for (int i = 0; i < e->ndim && off + 24 < size; i++) {
    int n = e->shape[i] < 0 ? snprintf(buf + off, size - off, "%s?", i ? "x" : "")
                            : snprintf(buf + off, size - off, "%s%lld", i ? "x" : "",
                                       (long long)e->shape[i]);
    off += n > 0 ? (size_t)n : 0;
  }
  return buf;
}

static const GbSafetensorsExpect *
schema_find(const Check *ck, const char *name, size_t *index)
{
  for (size_t i = 0; ck->schema != NULL && i < ck->schema->n_tensors; i++)
    if (strcmp(ck->schema->tensors[i].name, name) == 0) {
      *index = i;
      return &ck->schema->tensors[i];
    }
  return NULL;
}

static GbStatus
check_fields(const Check *ck, const GbJson *info, const char *name, GbError *err)
{
  char buf[GB_SAFETENSORS_NAME_EXCERPT];
  if (info->type != GB_JSON_OBJECT)
    return format_error(ck->st, err, "tensor '%s' is described by %s, expected an object", name,
                        a_type(info->type));
  for (size_t i = 0; i < info->u.object.n; i++) {
    const GbJsonMember *f = &info->u.object.members[i];
    if (strcmp(f->key, "dtype") != 0 && strcmp(f->key, "shape") != 0 &&
        strcmp(f->key, "data_offsets") != 0)
      return format_error(ck->st, err, "tensor '%s' has an unexpected field '%s'", name,
                          gb_safetensors_excerpt(f->key, f->key_len, buf));
  }
  return GB_OK;
}

static GbStatus
check_dtype(const Check *ck, const GbJson *info, const char *name, const GbSafetensorsExpect *e,
            Entry *entry, GbError *err)
{
  const GbJson *dtype = gb_json_object_get(info, "dtype");
  char buf[GB_SAFETENSORS_NAME_EXCERPT];
  if (dtype == NULL)
    return format_error(ck->st, err, "tensor '%s' has no dtype", name);
  if (dtype->type != GB_JSON_STRING && e != NULL)
    return format_error(ck->st, err, "tensor '%s' has a dtype that is %s, expected the string "
                        "\"%s\"", name, a_type(dtype->type), gb_dtype_name(e->dtype));
  if (dtype->type != GB_JSON_STRING)
    return format_error(ck->st, err, "tensor '%s' has a dtype that is %s, expected a string",
                        name, a_type(dtype->type));
  bool known = gb_dtype_from_name(dtype->u.string.data, dtype->u.string.len, &entry->dtype);
  if (e != NULL && (!known || entry->dtype != e->dtype))
    return format_error(ck->st, err, "tensor '%s' has dtype %s, expected %s", name,
                        gb_safetensors_excerpt(dtype->u.string.data, dtype->u.string.len, buf),
                        gb_dtype_name(e->dtype));
  if (!known)
    return format_error(ck->st, err, "tensor '%s' has dtype %s, which is not a safetensors "
                        "dtype", name,
                        gb_safetensors_excerpt(dtype->u.string.data, dtype->u.string.len, buf));
  return GB_OK;
}

static bool
shape_matches(const GbJson *shape, const GbSafetensorsExpect *e)
{
  if (e->ndim == GB_SAFETENSORS_ANY)
    return true;
  if (shape->u.array.n != (size_t)e->ndim)
    return false;
  for (int i = 0; i < e->ndim; i++)
    if (e->shape[i] >= 0 && shape->u.array.items[i].u.number.integer != e->shape[i])
      return false;
  return true;
}

static GbStatus
check_shape(const Check *ck, const GbJson *info, const char *name, const GbSafetensorsExpect *e,
            Entry *entry, GbError *err)
{
  const GbJson *shape = gb_json_object_get(info, "shape");
  if (shape == NULL)
    return format_error(ck->st, err, "tensor '%s' has no shape", name);
  bool ok = shape->type == GB_JSON_ARRAY;
  uint64_t d;
  for (size_t i = 0; ok && i < shape->u.array.n; i++)
    ok = gb_json_get_uint(&shape->u.array.items[i], MAX_EXACT_INT, &d);
  if (!ok)
    return format_error(ck->st, err, "tensor '%s' has a shape that is not an array of integers "
                        "in [0, 2^53]", name);
  char got[96], want[96];
  if (e != NULL && !shape_matches(shape, e))
    return format_error(ck->st, err, "tensor '%s' has shape %s, expected %s", name,
                        format_file_shape(shape, got, sizeof got),
                        format_expected_shape(e, want, sizeof want));
  if (shape->u.array.n > GB_SAFETENSORS_MAX_NDIM)
    return format_error(ck->st, err, "tensor '%s' has %zu dimensions, more than the %d Glassbox "
                        "reads", name, shape->u.array.n, GB_SAFETENSORS_MAX_NDIM);
  entry->ndim = (int)shape->u.array.n;
  for (int i = 0; i < entry->ndim; i++)
    entry->shape[i] = (size_t)shape->u.array.items[i].u.number.integer;
  size_t bytes;
  size_t elem = gb_dtype_size(entry->dtype);
  if (!gb_safetensors_shape_size(entry->shape, entry->ndim, elem, &entry->count, &bytes))
    return format_error(ck->st, err, "tensor '%s' has shape %s, too large for any file", name,
                        format_file_shape(shape, got, sizeof got));
  return GB_OK;
}

static GbStatus
check_offsets(const Check *ck, const GbJson *info, const char *name, Entry *entry, GbError *err)
{
  const GbJson *offsets = gb_json_object_get(info, "data_offsets");
  const GbSafetensors *st = ck->st;
  if (offsets == NULL)
    return format_error(st, err, "tensor '%s' has no data_offsets", name);
  uint64_t b, e;
  if (offsets->type != GB_JSON_ARRAY || offsets->u.array.n != 2 ||
      !gb_json_get_uint(&offsets->u.array.items[0], MAX_EXACT_INT, &b) ||
      !gb_json_get_uint(&offsets->u.array.items[1], MAX_EXACT_INT, &e))
    return format_error(st, err, "tensor '%s' has data_offsets that are not [begin, end] with "
                        "integers in [0, 2^53]", name);
  if (e < b)
    return format_error(st, err, "tensor '%s' has data_offsets [%llu, %llu] that end before "
                        "they begin", name, (unsigned long long)b, (unsigned long long)e);
  if (e > st->data_len)
    return format_error(st, err, "tensor '%s' has data_offsets [%llu, %llu] beyond the "
                        "%llu-byte data buffer", name, (unsigned long long)b,
                        (unsigned long long)e, (unsigned long long)st->data_len);
  uint64_t want = (uint64_t)entry->count * gb_dtype_size(entry->dtype);
  if (e - b != want)
    return format_error(st, err, "tensor '%s' has %llu bytes of data, expected %llu (%zu %s "
                        "values)", name, (unsigned long long)(e - b), (unsigned long long)want,
                        entry->count, dtypes[entry->dtype].prose);
  entry->begin = b;
  entry->end = e;
  return GB_OK;
}

/* One "<name>": {...} entry of the header, matched against the schema when there is one. */
static GbStatus
check_entry(Check *ck, const GbJsonMember *m, Entry *entry, GbError *err)
{
  char name[GB_SAFETENSORS_NAME_EXCERPT];
  gb_safetensors_excerpt(m->key, m->key_len, name);
  bool plain = strlen(m->key) == m->key_len;
  size_t index = 0;
  const GbSafetensorsExpect *e = plain ? schema_find(ck, m->key, &index) : NULL;
  if (e == NULL && ck->schema != NULL && ck->schema->unexpected != NULL)
    return format_error(ck->st, err, "unexpected tensor '%s': %s", name, ck->schema->unexpected);
  if (!plain)
    return format_error(ck->st, err, "tensor name '%s' contains a NUL character", name);
  GbStatus status = check_fields(ck, &m->value, name, err);
  if (status == GB_OK)
    status = check_dtype(ck, &m->value, name, e, entry, err);
  if (status == GB_OK)
    status = check_shape(ck, &m->value, name, e, entry, err);
  if (status == GB_OK)
    status = check_offsets(ck, &m->value, name, entry, err);
  if (status != GB_OK)
    return status;
  entry->name = m->key;
  if (e != NULL)
    ck->seen[index] = true;
  return GB_OK;
}

static GbStatus
check_all_present(const Check *ck, GbError *err)
{
  for (size_t i = 0; ck->schema != NULL && i < ck->schema->n_tensors; i++)
    if (!ck->seen[i] && !ck->schema->tensors[i].optional)
      return format_error(ck->st, err, "missing tensor '%s'", ck->schema->tensors[i].name);
  return GB_OK;
}

static int
compare_ranges(const void *a, const void *b)
{
  const Entry *x = *(const Entry *const *)a, *y = *(const Entry *const *)b;
  if (x->begin != y->begin)
    return x->begin < y->begin ? -1 : 1;
  if (x->end != y->end)
    return x->end < y->end ? -1 : 1;
  return (x > y) - (x < y); /* header order, so messages do not depend on qsort */
}

/* The safetensors format requires the data buffer to be covered exactly: no overlaps, no gaps,
 * nothing after the last tensor. */
static GbStatus
check_coverage(const GbSafetensors *st, GbError *err)
{
  const Entry **by_offset = gb_malloc((st->n_entries ? st->n_entries : 1) * sizeof *by_offset);
  if (by_offset == NULL)
    return gb_error_set(err, GB_ERR_NOMEM, "%s: out of memory", st->name);
  for (size_t i = 0; i < st->n_entries; i++)
    by_offset[i] = &st->entries[i];
  qsort(by_offset, st->n_entries, sizeof *by_offset, compare_ranges);
  uint64_t covered = 0;
  GbStatus status = GB_OK;
  for (size_t i = 0; i < st->n_entries && status == GB_OK; i++) {
    const Entry *r = by_offset[i];
    if (r->begin < covered)
      status = format_error(st, err, "tensors '%s' and '%s' overlap in the data buffer (bytes "
                            "[%llu, %llu) and [%llu, %llu))", by_offset[i - 1]->name, r->name,
                            (unsigned long long)by_offset[i - 1]->begin,
                            (unsigned long long)by_offset[i - 1]->end,
                            (unsigned long long)r->begin, (unsigned long long)r->end);
    else if (r->begin > covered)
      status = format_error(st, err, "bytes [%llu, %llu) of the data buffer, before tensor "
                            "'%s', belong to no tensor", (unsigned long long)covered,
                            (unsigned long long)r->begin, r->name);
    covered = r->end;
  }
  if (status == GB_OK && covered != st->data_len)
    status = format_error(st, err, "%llu trailing bytes after the last tensor belong to no "
                          "tensor", (unsigned long long)(st->data_len - covered));
  gb_free(by_offset);
  return status;
}

static GbStatus
check_entries(Check *ck, GbError *err)
{
  GbSafetensors *st = ck->st;
  const GbJson *h = st->header;
  for (size_t i = 0; i < h->u.object.n; i++) {
    if (is_metadata_key(&h->u.object.members[i]))
      continue;
    GbStatus status = check_entry(ck, &h->u.object.members[i], &st->entries[st->n_entries], err);
    if (status != GB_OK)
      return status;
    st->n_entries++;
  }
  GbStatus status = check_all_present(ck, err);
  if (status == GB_OK)
    status = check_coverage(st, err);
  return status;
}

GbStatus
gb_safetensors_check(GbSafetensors *st, const GbSafetensorsSchema *schema, GbError *err)
{
  gb_free(st->entries);
  st->entries = NULL;
  st->n_entries = 0;
  st->checked = false;
  size_t n = st->header->u.object.n, n_schema = schema != NULL ? schema->n_tensors : 0;
  Check ck = {.st = st, .schema = schema};
  st->entries = gb_calloc(n ? n : 1, sizeof *st->entries);
  ck.seen = gb_calloc(n_schema ? n_schema : 1, sizeof *ck.seen);
  GbStatus status = GB_OK;
  if (st->entries == NULL || ck.seen == NULL)
    status = gb_error_set(err, GB_ERR_NOMEM, "%s: out of memory", st->name);
  if (status == GB_OK)
    status = check_entries(&ck, err);
  gb_free(ck.seen);
  st->checked = status == GB_OK;
  return status;
}

/* ---- Reading: tensors ---------------------------------------------------------------------- */

static void
entry_info(const Entry *e, GbSafetensorsInfo *info)
{
  info->name = e->name;
  info->dtype = e->dtype;
  info->ndim = e->ndim;
  memcpy(info->shape, e->shape, sizeof info->shape);
  info->count = e->count;
}

static const Entry *
find_entry(const GbSafetensors *st, const char *name)
{
  for (size_t i = 0; st->checked && i < st->n_entries; i++)
    if (strcmp(st->entries[i].name, name) == 0)
      return &st->entries[i];
  return NULL;
}

size_t
gb_safetensors_n_tensors(const GbSafetensors *st)
{
  return st->checked ? st->n_entries : 0;
}

void
gb_safetensors_tensor_at(const GbSafetensors *st, size_t i, GbSafetensorsInfo *info)
{
  entry_info(&st->entries[i], info);
}

bool
gb_safetensors_find(const GbSafetensors *st, const char *name, GbSafetensorsInfo *info)
{
  const Entry *e = find_entry(st, name);
  if (e != NULL && info != NULL)
    entry_info(e, info);
  return e != NULL;
}

static GbStatus
expect_entry(const GbSafetensors *st, const char *name, GbDtype dtype, int ndim,
             const Entry **out, GbError *err)
{
  if (!st->checked)
    return gb_error_set(err, GB_ERR_INVALID, "%s: tensors read before gb_safetensors_check()",
                        st->name);
  const Entry *e = find_entry(st, name);
  if (e == NULL)
    return format_error(st, err, "missing tensor '%s'", name);
  if (e->dtype != dtype)
    return format_error(st, err, "tensor '%s' has dtype %s, expected %s", name,
                        gb_dtype_name(e->dtype), dtype_valid(dtype) ? gb_dtype_name(dtype) : "?");
  char got[96];
  if (ndim != GB_SAFETENSORS_ANY && e->ndim != ndim)
    return format_error(st, err, "tensor '%s' has shape %s, expected %d dimension%s", name,
                        format_shape(e->shape, e->ndim, got, sizeof got), ndim,
                        ndim == 1 ? "" : "s");
  *out = e;
  return GB_OK;
}

GbStatus
gb_safetensors_expect(const GbSafetensors *st, const char *name, GbDtype dtype, int ndim,
                      GbSafetensorsInfo *info, GbError *err)
{
  const Entry *e;
  GbStatus status = expect_entry(st, name, dtype, ndim, &e, err);
  if (status == GB_OK && info != NULL)
    entry_info(e, info);
  return status;
}

/* Index of the first NaN or infinity, or -1. */
static long
find_nonfinite(const void *data, size_t n, GbDtype dtype, double *value)
{
  for (size_t i = 0; i < n; i++) {
    double v = dtype == GB_DTYPE_F32 ? ((const float *)data)[i] : ((const double *)data)[i];
    if (!isfinite(v)) {
      *value = v;
      return (long)i;
    }
  }
  return -1;
}

static GbStatus
read_entry(const GbSafetensors *st, const Entry *e, void *dst, unsigned flags, GbError *err)
{
  size_t size = gb_dtype_size(e->dtype);
  if ((flags & GB_SAFETENSORS_FINITE) && e->dtype != GB_DTYPE_F32 && e->dtype != GB_DTYPE_F64)
    return gb_error_set(err, GB_ERR_INVALID, "%s: tensor '%s' is %s, whose finiteness cannot "
                        "be checked", st->name, e->name, gb_dtype_name(e->dtype));
  GbStatus status = source_read(st, st->data_start + e->begin, dst, e->count * size, err);
  if (status != GB_OK)
    return status;
  gb_safetensors_copy_le(dst, dst, e->count, size);
  double v;
  long bad = (flags & GB_SAFETENSORS_FINITE) ? find_nonfinite(dst, e->count, e->dtype, &v) : -1;
  if (bad >= 0)
    return format_error(st, err, "tensor '%s' element %ld is %s", e->name, bad,
                        isnan(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf");
  return GB_OK;
}

GbStatus
gb_safetensors_read(const GbSafetensors *st, const char *name, GbDtype dtype, int ndim,
                    void *dst, size_t count, unsigned flags, GbError *err)
{
  const Entry *e;
  GbStatus status = expect_entry(st, name, dtype, ndim, &e, err);
  if (status != GB_OK)
    return status;
  if (e->count != count)
    return gb_error_set(err, GB_ERR_INVALID, "%s: tensor '%s' has %zu values, but the "
                        "destination holds %zu", st->name, name, e->count, count);
  return read_entry(st, e, dst, flags, err);
}

GbStatus
gb_safetensors_read_new(const GbSafetensors *st, const char *name, GbDtype dtype, int ndim,
                        unsigned flags, void **out, GbSafetensorsInfo *info, GbError *err)
{
  *out = NULL;
  const Entry *e;
  GbStatus status = expect_entry(st, name, dtype, ndim, &e, err);
  if (status != GB_OK)
    return status;
  size_t bytes = e->count * gb_dtype_size(e->dtype);
  void *data = gb_malloc(bytes ? bytes : 1);
  if (data == NULL)
    return gb_error_set(err, GB_ERR_NOMEM, "%s: out of memory for tensor '%s' (%zu bytes)",
                        st->name, name, bytes);
  status = read_entry(st, e, data, flags, err);
  if (status != GB_OK) {
    gb_free(data);
    return status;
  }
  if (info != NULL)
    entry_info(e, info);
  *out = data;
  return GB_OK;
}

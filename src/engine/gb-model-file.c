/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-model-file.h"

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

/* The layout (https://github.com/huggingface/safetensors):
 *   [8 bytes] N, little-endian u64
 *   [N bytes] UTF-8 JSON header, padded with spaces so the data starts on an 8-byte boundary
 *   [rest]    the data buffer, which the tensors' data_offsets must cover exactly */

_Static_assert(sizeof(float) == 4 && FLT_MANT_DIG == 24, "model files need IEEE-754 binary32");

#define MAX_HEADER_LEN  (UINT64_C(100) << 20) /* the limit the safetensors library uses too */
#define MAX_EXACT_INT   (UINT64_C(1) << 53)   /* JSON readers keep integers exact up to here */
#define KEY_METADATA    "__metadata__"
#define KEY_ARCH        "glassbox.architecture"
#define KEY_VERSION     "glassbox.version"
#define KEY_FORMAT      "format"
#define NAME_EXCERPT    80

/* ---- Byte order ---------------------------------------------------------------------------- */

static bool
host_is_little_endian(void)
{
  const uint32_t one = 1;
  unsigned char first;
  memcpy(&first, &one, 1);
  return first == 1;
}

/* Copies @n 32-bit words between host order and little-endian (the same either way). */
static void
copy_le32(void *dst, const void *src, size_t n)
{
  if (dst != src)
    memmove(dst, src, n * 4);
  if (host_is_little_endian())
    return;
  unsigned char *b = dst;
  for (size_t i = 0; i < n; i++, b += 4) {
    unsigned char t0 = b[0], t1 = b[1];
    b[0] = b[3];
    b[1] = b[2];
    b[2] = t1;
    b[3] = t0;
  }
}

static void
put_u64_le(unsigned char *out, uint64_t v)
{
  for (int i = 0; i < 8; i++)
    out[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t
get_u64_le(const unsigned char *in)
{
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--)
    v = (v << 8) | in[i];
  return v;
}

/* ---- Writing ------------------------------------------------------------------------------- */

/* Keys the writer sets itself; the model's own values for them are not written or loaded. */
static bool
is_reserved_key(const char *key)
{
  return strcmp(key, KEY_FORMAT) == 0 || strcmp(key, KEY_ARCH) == 0 ||
         strcmp(key, KEY_VERSION) == 0;
}

static GbStatus
check_metadata_utf8(const GbModel *m, GbError *err)
{
  for (int i = 0; i < gb_model_n_meta(m); i++) {
    const char *key, *value;
    gb_model_meta_at(m, i, &key, &value);
    char buf[NAME_EXCERPT];
    if (!gb_json_utf8_valid(key, strlen(key)))
      return gb_error_set(err, GB_ERR_INVALID, "metadata key '%s' is not valid UTF-8",
                          gb_json_excerpt(key, strlen(key), buf, sizeof buf));
    if (!gb_json_utf8_valid(value, strlen(value)))
      return gb_error_set(err, GB_ERR_INVALID, "the value of metadata '%s' is not valid UTF-8",
                          gb_json_excerpt(key, strlen(key), buf, sizeof buf));
  }
  return GB_OK;
}

static void
write_metadata(GbJsonWriter *w, const GbModel *m, const char *spec)
{
  gb_json_writer_key(w, KEY_METADATA);
  gb_json_writer_begin_object(w);
  gb_json_writer_key(w, KEY_FORMAT);
  gb_json_writer_string(w, "pt");
  gb_json_writer_key(w, KEY_ARCH);
  gb_json_writer_string(w, spec);
  gb_json_writer_key(w, KEY_VERSION);
  gb_json_writer_string(w, GB_VERSION);
  for (int i = 0; i < gb_model_n_meta(m); i++) {
    const char *key, *value;
    gb_model_meta_at(m, i, &key, &value);
    if (is_reserved_key(key))
      continue;
    gb_json_writer_key(w, key);
    gb_json_writer_string(w, value);
  }
  gb_json_writer_end_object(w);
}

static void
write_tensor_info(GbJsonWriter *w, const GbModelTensor *t, uint64_t begin)
{
  gb_json_writer_key(w, t->name);
  gb_json_writer_begin_object(w);
  gb_json_writer_key(w, "dtype");
  gb_json_writer_string(w, "F32");
  gb_json_writer_key(w, "shape");
  gb_json_writer_begin_array(w);
  for (int d = 0; d < t->shape.ndim; d++)
    gb_json_writer_uint(w, (uint64_t)t->shape.dim[d]);
  gb_json_writer_end_array(w);
  gb_json_writer_key(w, "data_offsets");
  gb_json_writer_begin_array(w);
  gb_json_writer_uint(w, begin);
  gb_json_writer_uint(w, begin + 4 * (uint64_t)t->count);
  gb_json_writer_end_array(w);
  gb_json_writer_end_object(w);
}

/* The JSON header, padded with spaces so that 8 + *len is a multiple of 8, and the size of the
 * data buffer that follows it. */
static GbStatus
build_header(GbModel *m, char **header, size_t *len, uint64_t *data_len, GbError *err)
{
  GbStatus st = check_metadata_utf8(m, err);
  if (st != GB_OK)
    return st;
  char *spec = gb_model_dup_spec(m);
  if (spec == NULL)
    return gb_error_set(err, GB_ERR_NOMEM, "out of memory for the architecture text");
  GbJsonWriter w;
  gb_json_writer_init(&w);
  gb_json_writer_begin_object(&w);
  write_metadata(&w, m, spec);
  gb_free(spec);
  uint64_t offset = 0;
  for (int i = 0; i < gb_model_n_tensors(m); i++) {
    GbModelTensor t;
    gb_model_get_tensor(m, i, &t);
    write_tensor_info(&w, &t, offset);
    offset += 4 * (uint64_t)t.count;
  }
  gb_json_writer_end_object(&w);
  static const char spaces[] = "        ";
  gb_json_writer_raw(&w, spaces, (8 - w.len % 8) % 8);
  *data_len = offset;
  return gb_json_writer_finish(&w, header, len, err);
}

GbStatus
gb_model_save_to_memory(GbModel *m, void **data, size_t *len, GbError *err)
{
  *data = NULL;
  *len = 0;
  char *header;
  size_t header_len;
  uint64_t data_len;
  GbStatus st = build_header(m, &header, &header_len, &data_len, err);
  if (st != GB_OK)
    return st;
  size_t total = 8 + header_len + (size_t)data_len;
  unsigned char *out = gb_malloc(total);
  if (out == NULL) {
    gb_free(header);
    return gb_error_set(err, GB_ERR_NOMEM, "out of memory for a %zu-byte model file", total);
  }
  put_u64_le(out, header_len);
  memcpy(out + 8, header, header_len);
  gb_free(header);
  unsigned char *p = out + 8 + header_len;
  for (int i = 0; i < gb_model_n_tensors(m); i++) {
    GbModelTensor t;
    gb_model_get_tensor(m, i, &t);
    copy_le32(p, t.data, t.count);
    p += 4 * t.count;
  }
  *data = out;
  *len = total;
  return GB_OK;
}

static GbStatus
write_bytes(FILE *f, const void *bytes, size_t n, const char *tmp, GbError *err)
{
  if (n > 0 && fwrite(bytes, 1, n, f) != n)
    return gb_error_set(err, GB_ERR_IO, "cannot write '%s': %s", tmp, strerror(errno));
  return GB_OK;
}

/* Little-endian hosts write the floats as they are; others convert them through a small
 * buffer. Either way saving needs no second copy of the weights. */
static GbStatus
write_tensor_data(FILE *f, const GbModelTensor *t, const char *tmp, GbError *err)
{
  if (host_is_little_endian())
    return write_bytes(f, t->data, 4 * t->count, tmp, err);
  float chunk[4096];
  for (size_t done = 0; done < t->count;) {
    size_t n = t->count - done < 4096 ? t->count - done : 4096;
    copy_le32(chunk, t->data + done, n);
    GbStatus st = write_bytes(f, chunk, 4 * n, tmp, err);
    if (st != GB_OK)
      return st;
    done += n;
  }
  return GB_OK;
}

static GbStatus
write_file_contents(FILE *f, GbModel *m, const char *header, size_t header_len,
                    const char *tmp, GbError *err)
{
  unsigned char len_le[8];
  put_u64_le(len_le, header_len);
  GbStatus st = write_bytes(f, len_le, 8, tmp, err);
  if (st == GB_OK)
    st = write_bytes(f, header, header_len, tmp, err);
  for (int i = 0; i < gb_model_n_tensors(m) && st == GB_OK; i++) {
    GbModelTensor t;
    gb_model_get_tensor(m, i, &t);
    st = write_tensor_data(f, &t, tmp, err);
  }
  if (st == GB_OK && fflush(f) != 0)
    st = gb_error_set(err, GB_ERR_IO, "cannot write '%s': %s", tmp, strerror(errno));
  if (st == GB_OK && fsync(fileno(f)) != 0)
    st = gb_error_set(err, GB_ERR_IO, "cannot sync '%s' to disk: %s", tmp, strerror(errno));
  return st;
}

/* mkstemp() creates files readable by their owner only; a replaced file keeps its mode, a new
 * one gets the usual rw-r--r--. Permissions are cosmetic here, so failures are ignored. */
static void
set_file_mode(int fd, const char *path)
{
  struct stat st;
  mode_t mode = 0644;
  if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
    mode = st.st_mode & 07777;
  (void)fchmod(fd, mode);
}

/* Makes the rename itself durable. Best effort: some file systems cannot sync directories. */
static void
sync_parent_directory(const char *path)
{
  const char *slash = strrchr(path, '/');
  char *dir = slash == NULL ? gb_strdup(".") : gb_strdup(path);
  if (dir == NULL)
    return;
  if (slash != NULL)
    dir[slash == path ? 1 : slash - path] = '\0';
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    (void)fsync(fd);
    close(fd);
  }
  gb_free(dir);
}

/* Writes everything into @tmp (already created as @fd) and renames it over @path. */
static GbStatus
save_via_temp(GbModel *m, const char *path, char *tmp, int fd, const char *header,
              size_t header_len, GbError *err)
{
  set_file_mode(fd, path);
  FILE *f = fdopen(fd, "wb");
  if (f == NULL) {
    GbStatus st = gb_error_set(err, GB_ERR_IO, "cannot open '%s': %s", tmp, strerror(errno));
    close(fd);
    return st;
  }
  GbStatus st = write_file_contents(f, m, header, header_len, tmp, err);
  if (fclose(f) != 0 && st == GB_OK)
    st = gb_error_set(err, GB_ERR_IO, "cannot write '%s': %s", tmp, strerror(errno));
  if (st == GB_OK && rename(tmp, path) != 0)
    st = gb_error_set(err, GB_ERR_IO, "cannot rename '%s' to '%s': %s", tmp, path,
                      strerror(errno));
  return st;
}

GbStatus
gb_model_save(GbModel *m, const char *path, GbError *err)
{
  char *header;
  size_t header_len;
  uint64_t data_len;
  GbStatus st = build_header(m, &header, &header_len, &data_len, err);
  if (st != GB_OK) {
    gb_error_prefix(err, "%s", path);
    return st;
  }
  size_t n = strlen(path);
  char *tmp = gb_malloc(n + 8);
  if (tmp == NULL) {
    gb_free(header);
    return gb_error_set(err, GB_ERR_NOMEM, "%s: out of memory", path);
  }
  memcpy(tmp, path, n);
  memcpy(tmp + n, ".XXXXXX", 8);
  int fd = mkostemp(tmp, O_CLOEXEC);
  if (fd < 0)
    st = gb_error_set(err, GB_ERR_IO, "%s: cannot create a temporary file '%s': %s", path, tmp,
                      strerror(errno));
  else {
    st = save_via_temp(m, path, tmp, fd, header, header_len, err);
    if (st != GB_OK) {
      unlink(tmp);
      gb_error_prefix(err, "%s", path);
    } else
      sync_parent_directory(path);
  }
  gb_free(tmp);
  gb_free(header);
  return st;
}

/* ---- Reading: sources ---------------------------------------------------------------------- */

/* Bytes come from memory or, for files, straight from the descriptor into their destination, so
 * loading a large model needs no copy of the whole file. */
typedef struct {
  const char *name;         /* for messages */
  const unsigned char *mem; /* NULL for a file */
  int fd;
  uint64_t size;
} Source;

static GbStatus
source_read(const Source *src, uint64_t offset, void *buf, size_t n, GbError *err)
{
  if (offset > src->size || n > src->size - offset)
    return gb_error_set(err, GB_ERR_FORMAT, "%s: read of %zu bytes at byte %llu goes past the "
                        "end", src->name, n, (unsigned long long)offset);
  if (src->mem != NULL) {
    memcpy(buf, src->mem + offset, n);
    return GB_OK;
  }
  for (size_t done = 0; done < n;) {
    ssize_t got = pread(src->fd, (char *)buf + done, n - done, (off_t)(offset + done));
    if (got < 0 && errno == EINTR)
      continue;
    if (got < 0)
      return gb_error_set(err, GB_ERR_IO, "%s: read error: %s", src->name, strerror(errno));
    if (got == 0)
      return gb_error_set(err, GB_ERR_IO, "%s: the file ended at byte %llu while reading (was "
                          "it truncated meanwhile?)", src->name,
                          (unsigned long long)(offset + done));
    done += (size_t)got;
  }
  return GB_OK;
}

/* ---- Reading: the header ------------------------------------------------------------------- */

typedef struct {
  uint64_t begin, end;
  int tensor;
} Range;

typedef struct {
  const char *name; /* for messages */
  const Source *src;
  uint64_t data_start; /* file offset of the data buffer */
  uint64_t data_len;
  GbJson *header;
  GbModel *model;
  Range *ranges; /* one per model tensor, filled as the header names them */
  bool *seen;
} Loader;

static GbStatus
format_error(const Loader *ld, GbError *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static GbStatus
format_error(const Loader *ld, GbError *err, const char *fmt, ...)
{
  char what[GB_ERROR_MESSAGE_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  return gb_error_set(err, GB_ERR_FORMAT, "%s: %s", ld->name, what);
}

static GbStatus
read_header(Loader *ld, GbError *err)
{
  const Source *src = ld->src;
  unsigned char len_le[8];
  if (src->size < 8)
    return format_error(ld, err, "file is too short (%llu bytes) to hold the 8-byte header length",
                        (unsigned long long)src->size);
  GbStatus st = source_read(src, 0, len_le, 8, err);
  if (st != GB_OK)
    return st;
  uint64_t n = get_u64_le(len_le);
  if (n > MAX_HEADER_LEN)
    return format_error(ld, err, "header length %llu is absurd (the limit is 100 MB); this is "
                        "not a safetensors file", (unsigned long long)n);
  if (n > src->size - 8)
    return format_error(ld, err, "header length %llu is larger than the %llu bytes that follow "
                        "it; the file is truncated or not a safetensors file",
                        (unsigned long long)n, (unsigned long long)(src->size - 8));
  char *text = gb_malloc(n ? (size_t)n : 1);
  if (text == NULL)
    return gb_error_set(err, GB_ERR_NOMEM, "%s: out of memory for a %llu-byte header", ld->name,
                        (unsigned long long)n);
  st = source_read(src, 8, text, (size_t)n, err);
  if (st == GB_OK && (n == 0 || text[0] != '{'))
    st = format_error(ld, err, "header does not start with '{' (a safetensors header is a JSON "
                      "object)");
  if (st == GB_OK) {
    st = gb_json_parse(text, (size_t)n, NULL, &ld->header, err);
    if (st != GB_OK)
      gb_error_prefix(err, "%s: header", ld->name);
  }
  gb_free(text);
  if (st != GB_OK)
    return st;
  ld->data_start = 8 + n;
  ld->data_len = src->size - 8 - n;
  return GB_OK;
}

static const char *
excerpt(const char *s, size_t len, char *buf)
{
  return gb_json_excerpt(s, len, buf, NAME_EXCERPT);
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

static GbStatus
check_metadata_member(const Loader *ld, const GbJsonMember *mm, GbError *err)
{
  char key[NAME_EXCERPT];
  if (mm->value.type != GB_JSON_STRING)
    return format_error(ld, err, "metadata '%s' is %s, expected a string",
                        excerpt(mm->key, mm->key_len, key), a_type(mm->value.type));
  if (strlen(mm->key) != mm->key_len || strlen(mm->value.u.string.data) != mm->value.u.string.len)
    return format_error(ld, err, "metadata '%s' contains a NUL character",
                        excerpt(mm->key, mm->key_len, key));
  return GB_OK;
}

/* The "__metadata__" object, every value a string. */
static GbStatus
find_metadata(const Loader *ld, const GbJson **out, GbError *err)
{
  const GbJson *meta = gb_json_object_get(ld->header, KEY_METADATA);
  if (meta == NULL)
    return format_error(ld, err, "the header has no " KEY_METADATA " with " KEY_ARCH
                        "; this safetensors file was not written by Glassbox");
  if (meta->type != GB_JSON_OBJECT)
    return format_error(ld, err, KEY_METADATA " is %s, expected an object", a_type(meta->type));
  for (size_t i = 0; i < meta->u.object.n; i++) {
    GbStatus st = check_metadata_member(ld, &meta->u.object.members[i], err);
    if (st != GB_OK)
      return st;
  }
  *out = meta;
  return GB_OK;
}

/* Builds the model the architecture describes. Its weights are overwritten later. */
static GbStatus
create_model(Loader *ld, const GbJson *meta, GbError *err)
{
  const GbJson *arch = gb_json_object_get(meta, KEY_ARCH);
  if (arch == NULL)
    return format_error(ld, err, KEY_METADATA " has no " KEY_ARCH
                        "; this safetensors file was not written by Glassbox");
  GbStatus st = gb_model_new_from_spec(arch->u.string.data, 0, &ld->model, err);
  if (st == GB_OK)
    return GB_OK;
  /* A valid architecture the engine cannot build yet stays "unsupported"; anything else means
   * the file is wrong. */
  if (st != GB_ERR_NOMEM && st != GB_ERR_UNSUPPORTED) {
    st = GB_ERR_FORMAT;
    if (err != NULL)
      err->code = st;
  }
  gb_error_prefix(err, "%s: " KEY_ARCH, ld->name);
  return st;
}

static GbStatus
copy_metadata(Loader *ld, const GbJson *meta, GbError *err)
{
  for (size_t i = 0; i < meta->u.object.n; i++) {
    const GbJsonMember *mm = &meta->u.object.members[i];
    if (is_reserved_key(mm->key))
      continue;
    GbStatus st = gb_model_set_meta(ld->model, mm->key, mm->value.u.string.data, err);
    if (st != GB_OK) {
      gb_error_prefix(err, "%s", ld->name);
      return st;
    }
  }
  return GB_OK;
}

/* ---- Reading: tensor entries --------------------------------------------------------------- */

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

static GbStatus
check_dtype(const Loader *ld, const GbJson *info, const char *name, GbError *err)
{
  const GbJson *dtype = gb_json_object_get(info, "dtype");
  char buf[NAME_EXCERPT];
  if (dtype == NULL)
    return format_error(ld, err, "tensor '%s' has no dtype", name);
  if (dtype->type != GB_JSON_STRING)
    return format_error(ld, err, "tensor '%s' has a dtype that is %s, expected the string "
                        "\"F32\"", name, a_type(dtype->type));
  if (strcmp(dtype->u.string.data, "F32") != 0 || dtype->u.string.len != 3)
    return format_error(ld, err, "tensor '%s' has dtype %s, expected F32", name,
                        excerpt(dtype->u.string.data, dtype->u.string.len, buf));
  return GB_OK;
}

static GbStatus
check_shape(const Loader *ld, const GbJson *info, const char *name, const GbModelTensor *t,
            GbError *err)
{
  const GbJson *shape = gb_json_object_get(info, "shape");
  if (shape == NULL)
    return format_error(ld, err, "tensor '%s' has no shape", name);
  bool ok = shape->type == GB_JSON_ARRAY;
  uint64_t d;
  for (size_t i = 0; ok && i < shape->u.array.n; i++)
    ok = gb_json_get_uint(&shape->u.array.items[i], MAX_EXACT_INT, &d);
  if (!ok)
    return format_error(ld, err, "tensor '%s' has a shape that is not an array of integers "
                        "in [0, 2^53]", name);
  bool same = shape->u.array.n == (size_t)t->shape.ndim;
  for (size_t i = 0; same && i < shape->u.array.n; i++)
    same = shape->u.array.items[i].u.number.integer == t->shape.dim[i];
  if (same)
    return GB_OK;
  char got[96], want[64];
  return format_error(ld, err, "tensor '%s' has shape %s, expected %s", name,
                      format_file_shape(shape, got, sizeof got),
                      gb_shape_format(&t->shape, want, sizeof want));
}

static GbStatus
check_offsets(const Loader *ld, const GbJson *info, const char *name, const GbModelTensor *t,
              Range *range, GbError *err)
{
  const GbJson *offsets = gb_json_object_get(info, "data_offsets");
  if (offsets == NULL)
    return format_error(ld, err, "tensor '%s' has no data_offsets", name);
  uint64_t b, e;
  if (offsets->type != GB_JSON_ARRAY || offsets->u.array.n != 2 ||
      !gb_json_get_uint(&offsets->u.array.items[0], MAX_EXACT_INT, &b) ||
      !gb_json_get_uint(&offsets->u.array.items[1], MAX_EXACT_INT, &e))
    return format_error(ld, err, "tensor '%s' has data_offsets that are not [begin, end] with "
                        "integers in [0, 2^53]", name);
  if (e < b)
    return format_error(ld, err, "tensor '%s' has data_offsets [%llu, %llu] that end before "
                        "they begin", name, (unsigned long long)b, (unsigned long long)e);
  if (e > ld->data_len)
    return format_error(ld, err, "tensor '%s' has data_offsets [%llu, %llu] beyond the "
                        "%llu-byte data buffer", name, (unsigned long long)b,
                        (unsigned long long)e, (unsigned long long)ld->data_len);
  if (e - b != 4 * (uint64_t)t->count)
    return format_error(ld, err, "tensor '%s' has %llu bytes of data, expected %llu (%zu "
                        "float32 values)", name, (unsigned long long)(e - b),
                        (unsigned long long)(4 * (uint64_t)t->count), t->count);
  range->begin = b;
  range->end = e;
  return GB_OK;
}

static GbStatus
check_fields(const Loader *ld, const GbJson *info, const char *name, GbError *err)
{
  char buf[NAME_EXCERPT];
  if (info->type != GB_JSON_OBJECT)
    return format_error(ld, err, "tensor '%s' is described by %s, expected an object", name,
                        a_type(info->type));
  for (size_t i = 0; i < info->u.object.n; i++) {
    const GbJsonMember *f = &info->u.object.members[i];
    if (strcmp(f->key, "dtype") != 0 && strcmp(f->key, "shape") != 0 &&
        strcmp(f->key, "data_offsets") != 0)
      return format_error(ld, err, "tensor '%s' has an unexpected field '%s'", name,
                          excerpt(f->key, f->key_len, buf));
  }
  return GB_OK;
}

/* One "<name>": {...} entry of the header, matched against the model's tensor of that name. */
static GbStatus
check_tensor_entry(Loader *ld, const GbJsonMember *entry, GbError *err)
{
  char name[NAME_EXCERPT];
  excerpt(entry->key, entry->key_len, name);
  int i = strlen(entry->key) == entry->key_len ? gb_model_find_tensor(ld->model, entry->key) : -1;
  if (i < 0)
    return format_error(ld, err, "unexpected tensor '%s': the architecture has no such "
                        "parameter", name);
  if (ld->seen[i]) /* unreachable after the parser's duplicate check, kept for safety */
    return format_error(ld, err, "tensor '%s' appears twice", name);
  GbModelTensor t;
  gb_model_get_tensor(ld->model, i, &t);
  GbStatus st = check_fields(ld, &entry->value, name, err);
  if (st == GB_OK)
    st = check_dtype(ld, &entry->value, name, err);
  if (st == GB_OK)
    st = check_shape(ld, &entry->value, name, &t, err);
  if (st == GB_OK)
    st = check_offsets(ld, &entry->value, name, &t, &ld->ranges[i], err);
  ld->seen[i] = st == GB_OK;
  ld->ranges[i].tensor = i;
  return st;
}

static GbStatus
check_all_present(const Loader *ld, GbError *err)
{
  for (int i = 0; i < gb_model_n_tensors(ld->model); i++)
    if (!ld->seen[i]) {
      GbModelTensor t;
      gb_model_get_tensor(ld->model, i, &t);
      return format_error(ld, err, "missing tensor '%s'", t.name);
    }
  return GB_OK;
}

static int
compare_ranges(const void *a, const void *b)
{
  const Range *x = a, *y = b;
  if (x->begin != y->begin)
    return x->begin < y->begin ? -1 : 1;
  return (x->end > y->end) - (x->end < y->end);
}

static const char *
tensor_name(const Loader *ld, int i, GbModelTensor *t)
{
  gb_model_get_tensor(ld->model, i, t);
  return t->name;
}

/* The safetensors format requires the data buffer to be covered exactly: no overlaps, no gaps,
 * nothing after the last tensor. */
static GbStatus
check_coverage(const Loader *ld, GbError *err)
{
  int n = gb_model_n_tensors(ld->model);
  qsort(ld->ranges, (size_t)n, sizeof *ld->ranges, compare_ranges);
  uint64_t covered = 0;
  GbModelTensor a, b;
  for (int i = 0; i < n; i++) {
    const Range *r = &ld->ranges[i];
    if (r->begin < covered)
      return format_error(ld, err, "tensors '%s' and '%s' overlap in the data buffer (bytes "
                          "[%llu, %llu) and [%llu, %llu))", tensor_name(ld, r[-1].tensor, &a),
                          tensor_name(ld, r->tensor, &b), (unsigned long long)r[-1].begin,
                          (unsigned long long)r[-1].end, (unsigned long long)r->begin,
                          (unsigned long long)r->end);
    if (r->begin > covered)
      return format_error(ld, err, "bytes [%llu, %llu) of the data buffer, before tensor '%s', "
                          "belong to no tensor", (unsigned long long)covered,
                          (unsigned long long)r->begin, tensor_name(ld, r->tensor, &b));
    covered = r->end;
  }
  if (covered != ld->data_len)
    return format_error(ld, err, "%llu trailing bytes after the last tensor belong to no tensor",
                        (unsigned long long)(ld->data_len - covered));
  return GB_OK;
}

static GbStatus
check_tensor_entries(Loader *ld, GbError *err)
{
  for (size_t i = 0; i < ld->header->u.object.n; i++) {
    const GbJsonMember *entry = &ld->header->u.object.members[i];
    if (strcmp(entry->key, KEY_METADATA) == 0 && entry->key_len == strlen(KEY_METADATA))
      continue;
    GbStatus st = check_tensor_entry(ld, entry, err);
    if (st != GB_OK)
      return st;
  }
  GbStatus st = check_all_present(ld, err);
  if (st == GB_OK)
    st = check_coverage(ld, err);
  return st;
}

/* ---- Reading: data ------------------------------------------------------------------------- */

static GbStatus
read_tensor_data(const Loader *ld, const Range *r, GbError *err)
{
  GbModelTensor t;
  gb_model_get_tensor(ld->model, r->tensor, &t);
  GbStatus st = source_read(ld->src, ld->data_start + r->begin, t.data, 4 * t.count, err);
  if (st != GB_OK)
    return st;
  copy_le32(t.data, t.data, t.count);
  long bad = gb_floats_find_nonfinite(t.data, t.count);
  if (bad >= 0)
    return format_error(ld, err, "tensor '%s' element %ld is %s", t.name, bad,
                        isnan(t.data[bad]) ? "NaN" : t.data[bad] > 0 ? "+Inf" : "-Inf");
  return GB_OK;
}

static GbStatus
load_parts(Loader *ld, GbError *err)
{
  const GbJson *meta = NULL;
  GbStatus st = read_header(ld, err);
  if (st != GB_OK)
    return st;
  if (ld->header->type != GB_JSON_OBJECT)
    return format_error(ld, err, "the header is not a JSON object");
  st = find_metadata(ld, &meta, err);
  if (st == GB_OK)
    st = create_model(ld, meta, err);
  if (st == GB_OK)
    st = copy_metadata(ld, meta, err);
  if (st != GB_OK)
    return st;
  int n = gb_model_n_tensors(ld->model);
  ld->ranges = gb_calloc((size_t)(n ? n : 1), sizeof *ld->ranges);
  ld->seen = gb_calloc((size_t)(n ? n : 1), sizeof *ld->seen);
  if (ld->ranges == NULL || ld->seen == NULL)
    return gb_error_set(err, GB_ERR_NOMEM, "%s: out of memory", ld->name);
  st = check_tensor_entries(ld, err);
  for (int i = 0; i < n && st == GB_OK; i++)
    st = read_tensor_data(ld, &ld->ranges[i], err);
  return st;
}

static GbStatus
load_from_source(const Source *src, GbModel **out, GbError *err)
{
  Loader ld = {.name = src->name, .src = src};
  GbStatus st = load_parts(&ld, err);
  gb_json_free(ld.header);
  gb_free(ld.ranges);
  gb_free(ld.seen);
  if (st != GB_OK) {
    gb_model_free(ld.model);
    return st;
  }
  *out = ld.model;
  return GB_OK;
}

GbStatus
gb_model_load_from_memory(const void *data, size_t len, const char *name, GbModel **out,
                          GbError *err)
{
  *out = NULL;
  static const unsigned char empty[1];
  Source src = {
      .name = name != NULL ? name : "(memory)",
      .mem = data != NULL ? data : empty, /* NULL with length 0 is just a too-short file */
      .fd = -1,
      .size = data != NULL ? len : 0,
  };
  return load_from_source(&src, out, err);
}

GbStatus
gb_model_load(const char *path, GbModel **out, GbError *err)
{
  *out = NULL;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return gb_error_set(err, GB_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
  struct stat st;
  GbStatus status = GB_OK;
  if (fstat(fd, &st) != 0)
    status = gb_error_set(err, GB_ERR_IO, "%s: cannot stat: %s", path, strerror(errno));
  else if (!S_ISREG(st.st_mode))
    status = gb_error_set(err, GB_ERR_IO, "%s: not a regular file", path);
  if (status == GB_OK) {
    Source src = {.name = path, .mem = NULL, .fd = fd, .size = (uint64_t)st.st_size};
    status = load_from_source(&src, out, err);
  }
  close(fd);
  return status;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-safetensors.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gb-alloc.h"
#include "gb-json.h"
#include "gb-file.h"
#include "gb-safetensors-private.h"

static void
put_u64_le(unsigned char *out, uint64_t v)
{
  for (int i = 0; i < 8; i++)
    out[i] = (unsigned char)(v >> (8 * i));
}

/* ---- Writing ------------------------------------------------------------------------------- */

static GbStatus
check_meta_entry(const GbSafetensorsContents *c, size_t i, GbError *err)
{
  const char *key = c->meta[i].key, *value = c->meta[i].value;
  char buf[GB_SAFETENSORS_NAME_EXCERPT];
  if (key == NULL || value == NULL)
    return gb_error_set(err, GB_ERR_INVALID, "metadata entry %zu has no key or no value", i);
  if (!gb_json_utf8_valid(key, strlen(key)))
    return gb_error_set(err, GB_ERR_INVALID, "metadata key '%s' is not valid UTF-8",
                        gb_safetensors_excerpt(key, strlen(key), buf));
  if (!gb_json_utf8_valid(value, strlen(value)))
    return gb_error_set(err, GB_ERR_INVALID, "the value of metadata '%s' is not valid UTF-8",
                        gb_safetensors_excerpt(key, strlen(key), buf));
  for (size_t j = 0; j < i; j++)
    if (strcmp(c->meta[j].key, key) == 0)
      return gb_error_set(err, GB_ERR_INVALID, "metadata key '%s' appears twice",
                          gb_safetensors_excerpt(key, strlen(key), buf));
  return GB_OK;
}

static GbStatus
check_tensor_name(const GbSafetensorsContents *c, size_t i, GbError *err)
{
  const char *name = c->tensors[i].name;
  char buf[GB_SAFETENSORS_NAME_EXCERPT];
  if (name == NULL)
    return gb_error_set(err, GB_ERR_INVALID, "tensor %zu has no name", i);
  if (!gb_json_utf8_valid(name, strlen(name)))
    return gb_error_set(err, GB_ERR_INVALID, "tensor name '%s' is not valid UTF-8",
                        gb_safetensors_excerpt(name, strlen(name), buf));
  if (strcmp(name, GB_SAFETENSORS_KEY_METADATA) == 0)
    return gb_error_set(err, GB_ERR_INVALID,
                        "a tensor cannot be called " GB_SAFETENSORS_KEY_METADATA);
  for (size_t j = 0; j < i; j++)
    if (strcmp(c->tensors[j].name, name) == 0)
      return gb_error_set(err, GB_ERR_INVALID, "tensor '%s' appears twice",
                          gb_safetensors_excerpt(name, strlen(name), buf));
  return GB_OK;
}

/* The tensor's size in bytes, after checking that it can be written. */
static GbStatus
check_tensor(const GbSafetensorsContents *c, size_t i, size_t *bytes, GbError *err)
{
  GbStatus st = check_tensor_name(c, i, err);
  if (st != GB_OK)
    return st;
  const GbSafetensorsTensor *t = &c->tensors[i];
  char buf[GB_SAFETENSORS_NAME_EXCERPT];
  gb_safetensors_excerpt(t->name, strlen(t->name), buf);
  if (gb_dtype_size(t->dtype) == 0)
    return gb_error_set(err, GB_ERR_INVALID, "tensor '%s' has an invalid dtype (%d)", buf,
                        (int)t->dtype);
  if (t->ndim < 0 || t->ndim > GB_SAFETENSORS_MAX_NDIM)
    return gb_error_set(err, GB_ERR_INVALID, "tensor '%s' has %d dimensions, expected 0 to %d",
                        buf, t->ndim, GB_SAFETENSORS_MAX_NDIM);
  size_t count;
  if (!gb_safetensors_shape_size(t->shape, t->ndim, gb_dtype_size(t->dtype), &count, bytes))
    return gb_error_set(err, GB_ERR_INVALID, "tensor '%s' is too large", buf);
  if (*bytes > 0 && t->data == NULL)
    return gb_error_set(err, GB_ERR_INVALID, "tensor '%s' has no data", buf);
  return GB_OK;
}

/* Checks everything the header will say, and adds up the size of the data buffer. */
static GbStatus
check_contents(const GbSafetensorsContents *c, uint64_t *data_len, GbError *err)
{
  for (size_t i = 0; i < c->n_meta; i++) {
    GbStatus st = check_meta_entry(c, i, err);
    if (st != GB_OK)
      return st;
  }
  uint64_t total = 0;
  for (size_t i = 0; i < c->n_tensors; i++) {
    size_t bytes;
    GbStatus st = check_tensor(c, i, &bytes, err);
    if (st != GB_OK)
      return st;
    if (bytes > SIZE_MAX - total)
      return gb_error_set(err, GB_ERR_INVALID, "the tensors are too large for one file");
    total += bytes;
  }
  *data_len = total;
  return GB_OK;
}

static size_t
tensor_bytes(const GbSafetensorsTensor *t)
{
  size_t count, bytes;
  /* check_tensor() made sure that this fits */
  gb_safetensors_shape_size(t->shape, t->ndim, gb_dtype_size(t->dtype), &count, &bytes);
  return bytes;
}

static void
write_tensor_info(GbJsonWriter *w, const GbSafetensorsTensor *t, uint64_t begin)
{
  gb_json_writer_key(w, t->name);
  gb_json_writer_begin_object(w);
  gb_json_writer_key(w, "dtype");
  gb_json_writer_string(w, gb_dtype_name(t->dtype));
  gb_json_writer_key(w, "shape");
  gb_json_writer_begin_array(w);
  for (int d = 0; d < t->ndim; d++)
    gb_json_writer_uint(w, (uint64_t)t->shape[d]);
  gb_json_writer_end_array(w);
  gb_json_writer_key(w, "data_offsets");
  gb_json_writer_begin_array(w);
  gb_json_writer_uint(w, begin);
  gb_json_writer_uint(w, begin + tensor_bytes(t));
  gb_json_writer_end_array(w);
  gb_json_writer_end_object(w);
}

/* The JSON header, padded with spaces so that 8 + *len is a multiple of 8, and the size of the
 * data buffer that follows it. */
static GbStatus
build_header(const GbSafetensorsContents *c, char **header, size_t *len, uint64_t *data_len,
             GbError *err)
{
  GbStatus st = check_contents(c, data_len, err);
  if (st != GB_OK)
    return st;
  GbJsonWriter w;
  gb_json_writer_init(&w);
  gb_json_writer_begin_object(&w);
  if (c->n_meta > 0) {
    gb_json_writer_key(&w, GB_SAFETENSORS_KEY_METADATA);
    gb_json_writer_begin_object(&w);
    for (size_t i = 0; i < c->n_meta; i++) {
      gb_json_writer_key(&w, c->meta[i].key);
      gb_json_writer_string(&w, c->meta[i].value);
    }
    gb_json_writer_end_object(&w);
  }
  uint64_t offset = 0;
  for (size_t i = 0; i < c->n_tensors; i++) {
    write_tensor_info(&w, &c->tensors[i], offset);
    offset += tensor_bytes(&c->tensors[i]);
  }
  gb_json_writer_end_object(&w);
  static const char spaces[] = "        ";
  gb_json_writer_raw(&w, spaces, (8 - w.len % 8) % 8);
  return gb_json_writer_finish(&w, header, len, err);
}

GbStatus
gb_safetensors_save_to_memory(const GbSafetensorsContents *c, void **data, size_t *len,
                              GbError *err)
{
  *data = NULL;
  *len = 0;
  char *header;
  size_t header_len;
  uint64_t data_len;
  GbStatus st = build_header(c, &header, &header_len, &data_len, err);
  if (st != GB_OK)
    return st;
  if (data_len > SIZE_MAX - 8 - header_len) {
    gb_free(header);
    return gb_error_set(err, GB_ERR_NOMEM, "the tensors are too large for one buffer");
  }
  size_t total = 8 + header_len + (size_t)data_len;
  unsigned char *out = gb_malloc(total);
  if (out == NULL) {
    gb_free(header);
    return gb_error_set(err, GB_ERR_NOMEM, "out of memory for a %zu-byte safetensors file",
                        total);
  }
  put_u64_le(out, header_len);
  memcpy(out + 8, header, header_len);
  gb_free(header);
  unsigned char *p = out + 8 + header_len;
  for (size_t i = 0; i < c->n_tensors; i++) {
    const GbSafetensorsTensor *t = &c->tensors[i];
    size_t bytes = tensor_bytes(t), size = gb_dtype_size(t->dtype);
    gb_safetensors_copy_le(p, t->data, bytes / size, size);
    p += bytes;
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

/* Little-endian hosts write the data as it is; others convert it through a small buffer.
 * Either way saving needs no second copy of the tensors. */
static GbStatus
write_tensor_data(FILE *f, const GbSafetensorsTensor *t, const char *tmp, GbError *err)
{
  size_t bytes = tensor_bytes(t), size = gb_dtype_size(t->dtype);
  if (gb_safetensors_host_is_le() || size == 1)
    return write_bytes(f, t->data, bytes, tmp, err);
  unsigned char chunk[16384];
  const unsigned char *src = t->data;
  for (size_t done = 0; done < bytes;) {
    size_t n = bytes - done < sizeof chunk ? bytes - done : sizeof chunk;
    gb_safetensors_copy_le(chunk, src + done, n / size, size);
    GbStatus st = write_bytes(f, chunk, n, tmp, err);
    if (st != GB_OK)
      return st;
    done += n;
  }
  return GB_OK;
}

static GbStatus
write_file_contents(FILE *f, const GbSafetensorsContents *c, const char *header,
                    size_t header_len, const char *tmp, GbError *err)
{
  unsigned char len_le[8];
  put_u64_le(len_le, header_len);
  GbStatus st = write_bytes(f, len_le, 8, tmp, err);
  if (st == GB_OK)
    st = write_bytes(f, header, header_len, tmp, err);
  for (size_t i = 0; i < c->n_tensors && st == GB_OK; i++)
    st = write_tensor_data(f, &c->tensors[i], tmp, err);
  if (st == GB_OK && fflush(f) != 0)
    st = gb_error_set(err, GB_ERR_IO, "cannot write '%s': %s", tmp, strerror(errno));
  if (st == GB_OK && gb_save_fsync(fileno(f)) != 0)
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
save_via_temp(const GbSafetensorsContents *c, const char *path, char *tmp, int fd,
              const char *header, size_t header_len, GbError *err)
{
  set_file_mode(fd, path);
  FILE *f = fdopen(fd, "wb");
  if (f == NULL) {
    GbStatus st = gb_error_set(err, GB_ERR_IO, "cannot open '%s': %s", tmp, strerror(errno));
    close(fd);
    return st;
  }
  GbStatus st = write_file_contents(f, c, header, header_len, tmp, err);
  if (fclose(f) != 0 && st == GB_OK)
    st = gb_error_set(err, GB_ERR_IO, "cannot write '%s': %s", tmp, strerror(errno));
  if (st == GB_OK && rename(tmp, path) != 0)
    st = gb_error_set(err, GB_ERR_IO, "cannot rename '%s' to '%s': %s", tmp, path,
                      strerror(errno));
  return st;
}

/* A device or pipe (gb-file.h): written in place, no temporary file. */
static GbStatus
save_special(const GbSafetensorsContents *c, const char *path, const char *header,
             size_t header_len, GbError *err)
{
  int fd = gb_save_open_special(path, err);
  if (fd < 0)
    return GB_ERR_IO;
  FILE *f = fdopen(fd, "wb");
  if (f == NULL) {
    close(fd);
    return gb_error_set(err, GB_ERR_IO, "%s: %s", path, strerror(errno));
  }
  GbStatus st = write_file_contents(f, c, header, header_len, path, err);
  if (fclose(f) != 0 && st == GB_OK)
    st = gb_error_set(err, GB_ERR_IO, "cannot write '%s': %s", path, strerror(errno));
  return st;
}

GbStatus
gb_safetensors_save(const GbSafetensorsContents *c, const char *path, GbError *err)
{
  char *header;
  size_t header_len;
  uint64_t data_len;
  GbStatus st = build_header(c, &header, &header_len, &data_len, err);
  if (st != GB_OK) {
    gb_error_prefix(err, "%s", path);
    return st;
  }
  GbSaveTarget target;
  st = gb_save_target(path, &target, err);
  if (st == GB_OK && target == GB_SAVE_TARGET_SPECIAL)
    st = save_special(c, path, header, header_len, err);
  if (st != GB_OK || target == GB_SAVE_TARGET_SPECIAL) {
    gb_free(header);
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
    st = save_via_temp(c, path, tmp, fd, header, header_len, err);
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

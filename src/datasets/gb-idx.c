/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-idx.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "gb-alloc.h"
#include "gb-file.h"

/* A file read either as it is or through zlib, chosen by its first two bytes. */
typedef struct {
  const char *path;
  FILE *fp;
  gzFile gz;
} Reader;

static GbStatus
reader_open(Reader *r, const char *path, GbError *err)
{
  r->path = path;
  r->gz = NULL;
  r->fp = fopen(path, "rb");
  if (r->fp == NULL)
    return gb_error_set(err, GB_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
  unsigned char m[2];
  size_t k = fread(m, 1, 2, r->fp);
  if (k == 2 && m[0] == 0x1f && m[1] == 0x8b) {
    fclose(r->fp);
    r->fp = NULL;
    r->gz = gzopen(path, "rb");
    if (r->gz == NULL)
      return gb_error_set(err, GB_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    return GB_OK;
  }
  rewind(r->fp);
  return GB_OK;
}

static void
reader_close(Reader *r)
{
  if (r->fp != NULL)
    fclose(r->fp);
  if (r->gz != NULL)
    gzclose(r->gz);
  r->fp = NULL;
  r->gz = NULL;
}

/* Reads up to @n bytes; stores how many arrived in @got. Fails only on read errors and
 * corrupt compressed data; a short count means the file (or its gzip stream) ended. */
static GbStatus
reader_read(Reader *r, void *buf, size_t n, size_t *got, GbError *err)
{
  *got = 0;
  if (r->fp != NULL) {
    *got = fread(buf, 1, n, r->fp);
    if (ferror(r->fp))
      return gb_error_set(err, GB_ERR_IO, "%s: read error: %s", r->path, strerror(errno));
    return GB_OK;
  }
  while (*got < n) {
    size_t chunk = n - *got < (1u << 30) ? n - *got : (1u << 30);
    int k = gzread(r->gz, (unsigned char *)buf + *got, (unsigned)chunk);
    int code;
    const char *msg = gzerror(r->gz, &code);
    if (code == Z_ERRNO)
      return gb_error_set(err, GB_ERR_IO, "%s: read error: %s", r->path, strerror(errno));
    if (code == Z_BUF_ERROR)
      return gb_error_set(err, GB_ERR_FORMAT,
                          "%s: truncated: the gzip stream ends early", r->path);
    if (code != Z_OK || k < 0)
      return gb_error_set(err, GB_ERR_FORMAT, "%s: corrupt gzip data (%s)", r->path, msg);
    if (k == 0)
      break;
    *got += (size_t)k;
  }
  return GB_OK;
}

static uint32_t
be32(const unsigned char *p)
{
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static const char *
dtype_name(int t)
{
  switch (t) {
  case 0x08: return "unsigned byte";
  case 0x09: return "signed byte";
  case 0x0B: return "short";
  case 0x0C: return "int";
  case 0x0D: return "float";
  case 0x0E: return "double";
  default: return "unknown";
  }
}

static GbStatus
check_magic(const char *path, const unsigned char *m, int ndim, GbError *err)
{
  if (m[0] != 0 || m[1] != 0)
    return gb_error_set(err, GB_ERR_FORMAT,
                        "%s: not an IDX file (it starts with bytes %02x %02x %02x %02x)", path,
                        m[0], m[1], m[2], m[3]);
  if (m[2] != 0x08)
    return gb_error_set(err, GB_ERR_FORMAT,
                        "%s: IDX values of type 0x%02x (%s) are not supported, only unsigned "
                        "bytes (0x08)",
                        path, m[2], dtype_name(m[2]));
  if (m[3] != ndim)
    return gb_error_set(err, GB_ERR_FORMAT,
                        "%s: IDX magic 0x%08x says %d dimensions, expected %d (%s, magic 0x%08x)",
                        path, (unsigned)be32(m), m[3], ndim,
                        ndim == 3 ? "an image file: n x rows x cols" : "a label file: n",
                        ndim == 3 ? GB_IDX_MAGIC_IMAGES : GB_IDX_MAGIC_LABELS);
  return GB_OK;
}

/* Reads the dimensions and checks that they are positive and their product is sane. */
static GbStatus
read_dims(Reader *r, int ndim, GbIdxArray *out, GbError *err)
{
  unsigned char b[12];
  size_t got;
  GbStatus st = reader_read(r, b, 4 * (size_t)ndim, &got, err);
  if (st != GB_OK)
    return st;
  if (got < 4 * (size_t)ndim)
    return gb_error_set(err, GB_ERR_FORMAT,
                        "%s: truncated: the file ends inside the IDX header (%zu of %d bytes)",
                        r->path, 4 + got, 4 + 4 * ndim);
  uint64_t size = 1;
  for (int i = 0; i < ndim; i++) {
    uint32_t d = be32(b + 4 * i);
    if (d == 0)
      return gb_error_set(err, GB_ERR_FORMAT, "%s: dimension %d of the IDX header is 0", r->path,
                          i + 1);
    size *= d; /* stays below 2^27 * 2^32 before the check: no overflow */
    if (size > GB_IDX_MAX_VALUES)
      return gb_error_set(err, GB_ERR_FORMAT,
                          "%s: the IDX header's dimensions are absurd (more than %u values)",
                          r->path, GB_IDX_MAX_VALUES);
    out->dim[i] = (int)d;
  }
  out->ndim = ndim;
  out->size = (size_t)size;
  return GB_OK;
}

static GbStatus
read_body(Reader *r, GbIdxArray *out, GbError *err)
{
  size_t got;
  unsigned char probe;
  GbStatus st = reader_read(r, out->data, out->size, &got, err);
  if (st != GB_OK)
    return st;
  if (got < out->size)
    return gb_error_set(err, GB_ERR_FORMAT,
                        "%s: truncated: the header promises %zu bytes of data but only %zu "
                        "follow",
                        r->path, out->size, got);
  st = reader_read(r, &probe, 1, &got, err);
  if (st != GB_OK)
    return st;
  if (got != 0)
    return gb_error_set(err, GB_ERR_FORMAT,
                        "%s: unexpected bytes after the %zu bytes of data the header promises",
                        r->path, out->size);
  return GB_OK;
}

void
gb_idx_array_clear(GbIdxArray *a)
{
  if (a == NULL)
    return;
  gb_free(a->data);
  memset(a, 0, sizeof *a);
}

GbStatus
gb_idx_read(const char *path, int ndim, GbIdxArray *out, GbError *err)
{
  memset(out, 0, sizeof *out);
  if (ndim != 1 && ndim != 3)
    return gb_error_set(err, GB_ERR_INVALID, "%s: IDX files of %d dimensions are not read", path,
                        ndim);
  Reader r;
  GbStatus st = reader_open(&r, path, err);
  if (st != GB_OK) {
    reader_close(&r);
    return st;
  }
  unsigned char m[4];
  size_t got;
  st = reader_read(&r, m, 4, &got, err);
  if (st == GB_OK && got < 4)
    st = gb_error_set(err, GB_ERR_FORMAT,
                      got == 0 ? "%s: the file is empty"
                               : "%s: truncated: the file ends inside the IDX header",
                      path);
  if (st == GB_OK)
    st = check_magic(path, m, ndim, err);
  if (st == GB_OK)
    st = read_dims(&r, ndim, out, err);
  if (st == GB_OK) {
    out->data = gb_malloc(out->size);
    if (out->data == NULL)
      st = gb_error_set(err, GB_ERR_NOMEM, "%s: out of memory for %zu bytes", path, out->size);
  }
  if (st == GB_OK)
    st = read_body(&r, out, err);
  reader_close(&r);
  if (st != GB_OK)
    gb_idx_array_clear(out);
  return st;
}

/* ---- writing ---- */

static GbStatus
write_all(const char *tmp, FILE *fp, gzFile gz, const void *buf, size_t n, GbError *err)
{
  const unsigned char *p = buf;
  while (n > 0) {
    size_t chunk = n < (1u << 30) ? n : (1u << 30);
    bool ok = fp ? fwrite(p, 1, chunk, fp) == chunk : gzwrite(gz, p, (unsigned)chunk) == (int)chunk;
    if (!ok)
      return gb_error_set(err, GB_ERR_IO, "%s: write error: %s", tmp, strerror(errno));
    p += chunk;
    n -= chunk;
  }
  return GB_OK;
}

static GbStatus
check_array(const char *path, const GbIdxArray *a, GbError *err)
{
  if (a->ndim != 1 && a->ndim != 3)
    return gb_error_set(err, GB_ERR_INVALID, "%s: only 1- or 3-dimensional IDX files are written",
                        path);
  uint64_t size = 1;
  for (int i = 0; i < a->ndim; i++) {
    if (a->dim[i] < 1)
      return gb_error_set(err, GB_ERR_INVALID, "%s: dimension %d is %d", path, i + 1, a->dim[i]);
    size *= (uint64_t)a->dim[i];
    if (size > GB_IDX_MAX_VALUES)
      return gb_error_set(err, GB_ERR_INVALID, "%s: more than %u values", path,
                          GB_IDX_MAX_VALUES);
  }
  if (size != a->size || a->data == NULL)
    return gb_error_set(err, GB_ERR_INVALID, "%s: the data do not match the dimensions", path);
  return GB_OK;
}

static GbStatus
write_contents(const char *tmp, int fd, const GbIdxArray *a, bool gzip, GbError *err)
{
  unsigned char head[16] = {0, 0, 0x08, (unsigned char)a->ndim};
  for (int i = 0; i < a->ndim; i++) {
    uint32_t d = (uint32_t)a->dim[i];
    unsigned char *p = head + 4 + 4 * i;
    p[0] = (unsigned char)(d >> 24);
    p[1] = (unsigned char)(d >> 16);
    p[2] = (unsigned char)(d >> 8);
    p[3] = (unsigned char)d;
  }
  size_t head_len = 4 + 4 * (size_t)a->ndim;
  FILE *fp = NULL;
  gzFile gz = NULL;
  if (gzip)
    gz = gzdopen(fd, "wb9");
  else
    fp = fdopen(fd, "wb");
  if (fp == NULL && gz == NULL) {
    close(fd);
    return gb_error_set(err, GB_ERR_IO, "%s: cannot write: %s", tmp, strerror(errno));
  }
  GbStatus st = write_all(tmp, fp, gz, head, head_len, err);
  if (st == GB_OK)
    st = write_all(tmp, fp, gz, a->data, a->size, err);
  int closed = fp ? fclose(fp) : gzclose(gz);
  if (st == GB_OK && closed != 0)
    st = gb_error_set(err, GB_ERR_IO, "%s: write error: %s", tmp, strerror(errno));
  return st;
}

GbStatus
gb_idx_write(const char *path, const GbIdxArray *a, bool gzip, GbError *err)
{
  GbStatus st = check_array(path, a, err);
  if (st != GB_OK)
    return st;
  GbSaveTarget target;
  if ((st = gb_save_target(path, &target, err)) != GB_OK)
    return st;
  if (target == GB_SAVE_TARGET_SPECIAL) { /* a device or pipe: written in place */
    int fd = gb_save_open_special(path, err);
    return fd < 0 ? GB_ERR_IO : write_contents(path, fd, a, gzip, err);
  }
  size_t len = strlen(path) + 16;
  char *tmp = gb_malloc(len);
  if (tmp == NULL)
    return gb_error_set(err, GB_ERR_NOMEM, "%s: out of memory", path);
  snprintf(tmp, len, "%s.tmp-XXXXXX", path);
  int fd = mkstemp(tmp);
  if (fd < 0) {
    st = gb_error_set(err, GB_ERR_IO, "%s: cannot create a temporary file beside it: %s", path,
                      strerror(errno));
    gb_free(tmp);
    return st;
  }
  fchmod(fd, 0644);
  st = write_contents(tmp, fd, a, gzip, err);
  if (st == GB_OK && rename(tmp, path) != 0)
    st = gb_error_set(err, GB_ERR_IO, "%s: cannot rename %s to it: %s", path, tmp,
                      strerror(errno));
  if (st != GB_OK)
    unlink(tmp);
  gb_free(tmp);
  return st;
}

GbStatus
gb_idx_write_images(const char *path, int n, int rows, int cols, const uint8_t *pixels, bool gzip,
                    GbError *err)
{
  GbIdxArray a = {3, {n, rows, cols}, 0, (uint8_t *)pixels};
  if (n > 0 && rows > 0 && cols > 0)
    a.size = (size_t)n * (size_t)rows * (size_t)cols;
  return gb_idx_write(path, &a, gzip, err);
}

GbStatus
gb_idx_write_labels(const char *path, int n, const uint8_t *labels, bool gzip, GbError *err)
{
  GbIdxArray a = {1, {n, 0, 0}, n > 0 ? (size_t)n : 0, (uint8_t *)labels};
  return gb_idx_write(path, &a, gzip, err);
}

/* ---- data sets ---- */

static GbDataset *
dataset_from_arrays(const char *name, const char *images_path, const char *labels_path,
                    const GbIdxArray *im, const GbIdxArray *lb, GbError *err)
{
  if (im->dim[0] != lb->dim[0]) {
    gb_error_set(err, GB_ERR_FORMAT, "%s holds %d images but %s holds %d labels", images_path,
                 im->dim[0], labels_path, lb->dim[0]);
    return NULL;
  }
  for (size_t i = 0; i < lb->size; i++)
    if (lb->data[i] > 9) {
      gb_error_set(err, GB_ERR_FORMAT, "%s: label %d of item %zu is outside 0..9", labels_path,
                   lb->data[i], i);
      return NULL;
    }
  GbShape s = gb_shape_3d(1, im->dim[1], im->dim[2]);
  GbDataset *ds = gb_dataset_new(name, im->dim[0], &s, 10, err);
  if (ds == NULL)
    return NULL;
  for (size_t i = 0; i < im->size; i++)
    ds->x->data[i] = (float)im->data[i] / 255.0f;
  for (size_t i = 0; i < lb->size; i++)
    ds->labels[i] = lb->data[i];
  return ds;
}

GbDataset *
gb_idx_load_dataset(const char *name, const char *images_path, const char *labels_path,
                    GbError *err)
{
  GbIdxArray im, lb;
  if (gb_idx_read(images_path, 3, &im, err) != GB_OK)
    return NULL;
  if (gb_idx_read(labels_path, 1, &lb, err) != GB_OK) {
    gb_idx_array_clear(&im);
    return NULL;
  }
  GbDataset *ds = dataset_from_arrays(name, images_path, labels_path, &im, &lb, err);
  gb_idx_array_clear(&im);
  gb_idx_array_clear(&lb);
  return ds;
}

GbStatus
gb_idx_write_dataset(const GbDataset *ds, const char *images_path, const char *labels_path,
                     bool gzip, GbError *err)
{
  GbShape s = gb_dataset_sample_shape(ds);
  if (s.ndim != 3 || s.dim[0] != 1)
    return gb_error_set(err, GB_ERR_SHAPE, "%s: IDX images need samples of shape 1 x rows x cols",
                        images_path);
  int n = gb_dataset_size(ds);
  uint8_t *px = gb_malloc(ds->x->size);
  uint8_t *lb = gb_malloc((size_t)n);
  if (px == NULL || lb == NULL) {
    gb_free(px);
    gb_free(lb);
    return gb_error_set(err, GB_ERR_NOMEM, "%s: out of memory", images_path);
  }
  GbStatus st = GB_OK;
  for (size_t i = 0; i < ds->x->size; i++) {
    float v = ds->x->data[i];
    v = v > 0.0f ? (v < 1.0f ? v : 1.0f) : 0.0f; /* also maps NaN to 0 */
    px[i] = (uint8_t)lroundf(v * 255.0f);
  }
  for (int i = 0; i < n && st == GB_OK; i++) {
    if (ds->labels[i] < 0 || ds->labels[i] > 255)
      st = gb_error_set(err, GB_ERR_INVALID, "%s: label %d of item %d does not fit a byte",
                        labels_path, ds->labels[i], i);
    lb[i] = (uint8_t)ds->labels[i];
  }
  if (st == GB_OK)
    st = gb_idx_write_images(images_path, n, s.dim[1], s.dim[2], px, gzip, err);
  if (st == GB_OK)
    st = gb_idx_write_labels(labels_path, n, lb, gzip, err);
  gb_free(px);
  gb_free(lb);
  return st;
}

/* ---- naming ---- */

static bool
file_exists(const char *path)
{
  struct stat sb;
  return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* Replaces "images?idx3" by "labels?idx1" in the base name (? is '-' or '.') into *@out;
 * *@out stays NULL when the name does not follow the pattern. */
static GbStatus
labels_name(const char *images_path, char **out, GbError *err)
{
  *out = NULL;
  const char *base = strrchr(images_path, '/');
  base = base ? base + 1 : images_path;
  const char *hit = NULL;
  for (const char *p = strstr(base, "images"); p != NULL; p = strstr(p + 1, "images"))
    if ((p[6] == '-' || p[6] == '.') && strncmp(p + 7, "idx3", 4) == 0)
      hit = p;
  if (hit == NULL)
    return GB_OK;
  *out = gb_malloc(strlen(images_path) + 4);
  if (*out == NULL)
    return gb_error_set(err, GB_ERR_NOMEM, "%s: out of memory", images_path);
  size_t pre = (size_t)(hit - images_path);
  memcpy(*out, images_path, pre);
  sprintf(*out + pre, "labels%cidx1%s", hit[6], hit + 11);
  return GB_OK;
}

static bool
ends_with(const char *s, const char *suffix)
{
  size_t a = strlen(s), b = strlen(suffix);
  return a >= b && strcmp(s + a - b, suffix) == 0;
}

char *
gb_idx_find_labels(const char *images_path, GbError *err)
{
  char *first;
  if (labels_name(images_path, &first, err) != GB_OK)
    return NULL;
  if (first == NULL) {
    gb_error_set(err, GB_ERR_INVALID,
                 "%s: cannot tell where its labels are: expected a name like "
                 "train-images-idx3-ubyte[.gz] with train-labels-idx1-ubyte[.gz] beside it",
                 images_path);
    return NULL;
  }
  if (file_exists(first))
    return first;
  /* The other compression: drop or add ".gz". */
  char *second = gb_malloc(strlen(first) + 4);
  if (second == NULL) {
    gb_free(first);
    gb_error_set(err, GB_ERR_NOMEM, "%s: out of memory", images_path);
    return NULL;
  }
  strcpy(second, first);
  if (ends_with(second, ".gz"))
    second[strlen(second) - 3] = '\0';
  else
    strcat(second, ".gz");
  if (file_exists(second)) {
    gb_free(first);
    return second;
  }
  gb_error_set(err, GB_ERR_IO, "%s: no label file beside it (looked for %s and %s)", images_path,
               first, second);
  gb_free(first);
  gb_free(second);
  return NULL;
}

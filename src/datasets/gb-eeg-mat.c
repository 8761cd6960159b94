/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-eeg-mat.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <matio.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "gb-alloc.h"
#include "gb-eeg-io-private.h"
#include "gb-eeg-montage.h"

/* ---- libmatio's messages -------------------------------------------------------------------
 *
 * libmatio reports through a process-wide log function, printing to stderr by default, and
 * returns success for variables it could read only in part (a truncated file yields zeros).
 * We route its messages here: nothing is printed, and any warning or error during a call marks
 * the file as damaged. The log function runs in the calling thread, so the record is
 * thread-local; the lock serialises readers because HDF5 (version 7.3 files) is not
 * thread-safe. */

static pthread_mutex_t mat_lock = PTHREAD_MUTEX_INITIALIZER;

#define MAT_LOG_MAX 200

static _Thread_local struct {
  bool failed;
  char first[MAT_LOG_MAX];
  char last[MAT_LOG_MAX];
} mat_log;

/* Copies @src into @dst with each run of blanks made one space. */
static void
condense(char *dst, size_t n, const char *src)
{
  size_t k = 0;
  bool space = true;
  for (; *src != '\0' && k + 1 < n; src++) {
    bool blank = isspace((unsigned char)*src);
    if (blank && space)
      continue;
    dst[k++] = blank ? ' ' : *src;
    space = blank;
  }
  while (k > 0 && dst[k - 1] == ' ')
    k--;
  dst[k] = '\0';
}

static void
mat_log_cb(int level, char *message)
{
  if (!(level & (MATIO_LOG_LEVEL_ERROR | MATIO_LOG_LEVEL_CRITICAL | MATIO_LOG_LEVEL_WARNING)))
    return;
  /* HDF5 reports a stack of "function, file, major, minor" records: the minor line says it. */
  const char *minor = strstr(message, "minor:");
  char buf[MAT_LOG_MAX];
  if (minor != NULL)
    snprintf(buf, sizeof buf, "HDF5: %s", minor + strlen("minor:"));
  condense(mat_log.failed ? mat_log.last : mat_log.first, MAT_LOG_MAX,
           minor != NULL ? buf : message);
  mat_log.failed = true;
}

static void
mat_log_reset(void)
{
  mat_log.failed = false;
  mat_log.first[0] = mat_log.last[0] = '\0';
}

/* GB_ERR_FORMAT naming @path and @what when libmatio complained since the last reset. */
static GbStatus
mat_log_check(const char *path, const char *what, GbError *err)
{
  if (!mat_log.failed)
    return GB_OK;
  bool two = mat_log.last[0] != '\0' && strcmp(mat_log.first, mat_log.last) != 0;
  return gb_error_set(err, GB_ERR_FORMAT,
                      "%s: %s: the file is damaged or truncated (libmatio: %s%s%s)", path, what,
                      mat_log.first, two ? "; " : "", two ? mat_log.last : "");
}

/* ---- Variables ------------------------------------------------------------------------------ */

enum { VAR_SIGNAL, VAR_FLASHING, VAR_CODE, VAR_TYPE, VAR_TARGET, N_VARS };

static const char *const var_names[N_VARS] = {"Signal", "Flashing", "StimulusCode", "StimulusType",
                                              "TargetChar"};
static const bool var_required[N_VARS] = {true, true, true, false, false};

typedef struct {
  const char *path;
  mat_t *mat;
  matvar_t *var[N_VARS];
  size_t n_chars, n_samples, n_channels;
  int offset, n_times; /* epoch window in samples */
  int *onset_start;    /* per character: index of its first onset in onsets */
  int *onsets;         /* sample of each onset, character by character */
  int n_onsets, n_kept;
} MatReader;

static void
reader_clear(MatReader *r)
{
  for (int v = 0; v < N_VARS; v++)
    if (r->var[v] != NULL)
      Mat_VarFree(r->var[v]);
  if (r->mat != NULL)
    Mat_Close(r->mat);
  gb_free(r->onset_start);
  gb_free(r->onsets);
}

static bool
class_is_numeric(enum matio_classes c)
{
  return c == MAT_C_DOUBLE || c == MAT_C_SINGLE || (c >= MAT_C_INT8 && c <= MAT_C_UINT64);
}

static const char *
class_name(enum matio_classes c)
{
  static const char *names[] = {"empty",  "cell",   "struct", "object", "char",     "sparse",
                                "double", "single", "int8",   "uint8",  "int16",    "uint16",
                                "int32",  "uint32", "int64",  "uint64", "function", "opaque"};
  return (unsigned)c < sizeof names / sizeof names[0] ? names[c] : "unknown";
}

static const char *
format_dims(const matvar_t *v, char *buf, size_t n)
{
  size_t k = 0;
  buf[0] = '\0';
  for (int i = 0; i < v->rank && k < n; i++)
    k += (size_t)snprintf(buf + k, n - k, i ? "x%zu" : "%zu", v->dims[i]);
  return buf;
}

/* Checks a variable's class, rank and dimensions against what the data set defines. */
static GbStatus
check_info(MatReader *r, int which, GbError *err)
{
  const matvar_t *v = r->var[which];
  const char *name = var_names[which];
  char dims[96];
  format_dims(v, dims, sizeof dims);
  if (which == VAR_TARGET) {
    if (v->class_type != MAT_C_CHAR)
      return gb_error_set(err, GB_ERR_FORMAT, "%s: variable '%s' is %s, expected text", r->path,
                          name, class_name(v->class_type));
    return GB_OK;
  }
  if (!class_is_numeric(v->class_type) || v->isComplex)
    return gb_error_set(err, GB_ERR_FORMAT, "%s: variable '%s' is %s%s, expected real numbers",
                        r->path, name, v->isComplex ? "complex " : "", class_name(v->class_type));
  if (which == VAR_SIGNAL) {
    if (v->rank != 3 || v->dims[0] < 1 || v->dims[1] < 1 || v->dims[2] != GB_EEG_IO_ELOC64_N)
      return gb_error_set(err, GB_ERR_SHAPE,
                          "%s: variable 'Signal' is %s, expected characters x samples x 64",
                          r->path, dims);
    /* Onsets and trials are counted in ints; a hostile header must not overflow them. */
    if (v->dims[1] > INT32_MAX / v->dims[0])
      return gb_error_set(err, GB_ERR_SHAPE, "%s: variable 'Signal' is too large (%s)", r->path,
                          dims);
    r->n_chars = v->dims[0];
    r->n_samples = v->dims[1];
    r->n_channels = v->dims[2];
    return GB_OK;
  }
  if (v->rank != 2 || v->dims[0] != r->n_chars || v->dims[1] != r->n_samples)
    return gb_error_set(
        err, GB_ERR_SHAPE, "%s: variable '%s' is %s but Signal is %zux%zux%zu: expected %zux%zu",
        r->path, name, dims, r->n_chars, r->n_samples, r->n_channels, r->n_chars, r->n_samples);
  return GB_OK;
}

static bool
dir_has(char **dir, size_t n, const char *name)
{
  for (size_t i = 0; i < n; i++)
    if (dir[i] != NULL && strcmp(dir[i], name) == 0)
      return true;
  return false;
}

/* Names the variables in the file, for "missing variable" messages. */
static void
list_dir(char **dir, size_t n, char *buf, size_t len)
{
  size_t k = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < n && k + 1 < len; i++)
    k += (size_t)snprintf(buf + k, len - k, "%s%s", i ? ", " : "", dir[i]);
  if (n == 0)
    snprintf(buf, len, "no variables");
}

/* Finds and checks every variable's header (class, rank, dimensions) before any data is read. */
static GbStatus
read_infos(MatReader *r, GbError *err)
{
  /* The directory belongs to the mat_t: Mat_Close frees it. */
  size_t n_dir = 0;
  mat_log_reset();
  char **dir = Mat_GetDir(r->mat, &n_dir);
  if (mat_log_check(r->path, "listing its variables", err) != GB_OK)
    return GB_ERR_FORMAT;
  if (dir == NULL)
    n_dir = 0;
  for (int v = 0; v < N_VARS; v++) {
    if (!dir_has(dir, n_dir, var_names[v])) {
      if (!var_required[v])
        continue;
      char names[256];
      list_dir(dir, n_dir, names, sizeof names);
      return gb_error_set(err, GB_ERR_FORMAT,
                          "%s: missing variable '%s' (the file holds %s); is it a BCI "
                          "Competition III data set II file?",
                          r->path, var_names[v], names);
    }
    mat_log_reset();
    r->var[v] = Mat_VarReadInfo(r->mat, var_names[v]);
    char what[64];
    snprintf(what, sizeof what, "variable '%s'", var_names[v]);
    if (mat_log_check(r->path, what, err) != GB_OK)
      return GB_ERR_FORMAT;
    if (r->var[v] == NULL)
      return gb_error_set(err, GB_ERR_FORMAT, "%s: cannot read the header of variable '%s'",
                          r->path, var_names[v]);
    GbStatus st = check_info(r, v, err);
    if (st != GB_OK)
      return st;
  }
  return GB_OK;
}

static size_t
var_numel(const matvar_t *v)
{
  size_t n = 1;
  for (int i = 0; i < v->rank; i++)
    n *= v->dims[i];
  return n;
}

/* Replaces each header by the full variable, checking that all its data arrived. */
static GbStatus
read_data(MatReader *r, GbError *err)
{
  for (int v = N_VARS - 1; v >= 0; v--) { /* Signal, the big one, last */
    if (r->var[v] == NULL)
      continue;
    enum matio_classes cls = r->var[v]->class_type;
    Mat_VarFree(r->var[v]);
    mat_log_reset();
    r->var[v] = Mat_VarRead(r->mat, var_names[v]);
    char what[64];
    snprintf(what, sizeof what, "variable '%s'", var_names[v]);
    if (mat_log_check(r->path, what, err) != GB_OK)
      return GB_ERR_FORMAT;
    const matvar_t *m = r->var[v];
    if (m == NULL || m->data == NULL || m->class_type != cls)
      return gb_error_set(err, GB_ERR_FORMAT, "%s: cannot read variable '%s'", r->path,
                          var_names[v]);
    size_t unit = Mat_SizeOf(m->data_type);
    if (unit == 0 || m->nbytes < var_numel(m) * unit)
      return gb_error_set(err, GB_ERR_FORMAT,
                          "%s: variable '%s' holds %zu bytes, expected %zu: truncated?", r->path,
                          var_names[v], m->nbytes, var_numel(m) * unit);
  }
  return GB_OK;
}

/* Element @i of a numeric variable as a double (libmatio gives each class its own C type). */
static double
value_at(const matvar_t *v, size_t i)
{
  const void *d = v->data;
  switch (v->data_type) {
  case MAT_T_DOUBLE: return ((const double *)d)[i];
  case MAT_T_SINGLE: return ((const float *)d)[i];
  case MAT_T_INT8: return ((const int8_t *)d)[i];
  case MAT_T_UINT8: return ((const uint8_t *)d)[i];
  case MAT_T_INT16: return ((const int16_t *)d)[i];
  case MAT_T_UINT16: return ((const uint16_t *)d)[i];
  case MAT_T_INT32: return ((const int32_t *)d)[i];
  case MAT_T_UINT32: return ((const uint32_t *)d)[i];
  case MAT_T_INT64: return (double)((const int64_t *)d)[i];
  case MAT_T_UINT64: return (double)((const uint64_t *)d)[i];
  default: return NAN;
  }
}

/* ---- Epoching ------------------------------------------------------------------------------- */

/* Flashing(k, n): column-major, so (k, n) is at k + chars * n. */
static double
at2(const MatReader *r, int which, size_t k, size_t n)
{
  return value_at(r->var[which], k + r->n_chars * n);
}

static GbStatus
check_flag(const MatReader *r, int which, size_t k, size_t n, GbError *err)
{
  double f = at2(r, which, k, n);
  if (f == 0.0 || f == 1.0)
    return GB_OK;
  return gb_error_set(err, GB_ERR_FORMAT, "%s: %s(%zu,%zu) is %g, expected 0 or 1", r->path,
                      var_names[which], k + 1, n + 1, f);
}

/* Finds the flash onsets of every character and checks Flashing, and the codes and types at
 * each onset. */
static GbStatus
find_onsets(MatReader *r, GbError *err)
{
  size_t n_chars = r->n_chars, n_samples = r->n_samples;
  r->onset_start = gb_calloc(n_chars + 1, sizeof *r->onset_start);
  r->onsets = gb_malloc((n_chars * ((n_samples + 1) / 2) + 1) * sizeof *r->onsets);
  if (r->onset_start == NULL || r->onsets == NULL)
    return gb_error_set(err, GB_ERR_NOMEM, "%s: out of memory for the flash onsets", r->path);
  for (size_t k = 0; k < n_chars; k++) {
    r->onset_start[k] = r->n_onsets;
    for (size_t n = 0; n < n_samples; n++) {
      if (check_flag(r, VAR_FLASHING, k, n, err) != GB_OK)
        return GB_ERR_FORMAT;
      if (at2(r, VAR_FLASHING, k, n) != 1.0 || (n > 0 && at2(r, VAR_FLASHING, k, n - 1) == 1.0))
        continue;
      double code = at2(r, VAR_CODE, k, n);
      if (!(code == floor(code)) || fabs(code) > 1e6)
        return gb_error_set(err, GB_ERR_FORMAT,
                            "%s: StimulusCode(%zu,%zu) is %g at a flash "
                            "onset, expected a whole number",
                            r->path, k + 1, n + 1, code);
      if (r->var[VAR_TYPE] != NULL && check_flag(r, VAR_TYPE, k, n, err) != GB_OK)
        return GB_ERR_FORMAT;
      r->onsets[r->n_onsets++] = (int)n;
      long start = (long)n + r->offset;
      r->n_kept += start >= 0 && start + r->n_times <= (long)n_samples;
    }
  }
  r->onset_start[n_chars] = r->n_onsets;
  if (r->n_onsets == 0)
    return gb_error_set(err, GB_ERR_FORMAT, "%s: Flashing is never 1: no flash onsets", r->path);
  if (r->n_kept == 0)
    return gb_error_set(err, GB_ERR_FORMAT,
                        "%s: none of the %d flash onsets leaves room for a %d-sample epoch "
                        "in %zu samples",
                        r->path, r->n_onsets, r->n_times, n_samples);
  return GB_OK;
}

/* Copies Signal(k, :, c) into @x, rejecting NaN and infinity.
 * Signal(k, n, c) is at k + chars * (n + samples * c). */
static GbStatus
extract_series(const MatReader *r, size_t k, size_t c, float *x, GbError *err)
{
  const matvar_t *v = r->var[VAR_SIGNAL];
  size_t base = k + r->n_chars * r->n_samples * c;
  for (size_t n = 0; n < r->n_samples; n++) {
    double s = value_at(v, base + r->n_chars * n);
    if (!isfinite(s))
      return gb_error_set(err, GB_ERR_NUMERIC, "%s: Signal(%zu,%zu,%zu) is %s", r->path, k + 1,
                          n + 1, c + 1, isnan(s) ? "NaN" : "infinite");
    x[n] = (float)s;
  }
  return GB_OK;
}

/* Fills the labels, stimuli and channels of @set; returns each character's first trial. */
static void
fill_trial_info(const MatReader *r, GbEegSet *set, int *character_start)
{
  int trial = 0;
  for (size_t k = 0; k < r->n_chars; k++) {
    character_start[k] = trial;
    for (int o = r->onset_start[k]; o < r->onset_start[k + 1]; o++) {
      long start = (long)r->onsets[o] + r->offset;
      if (start < 0 || start + r->n_times > (long)r->n_samples)
        continue;
      size_t n = (size_t)r->onsets[o];
      set->stimulus[trial] = (int)at2(r, VAR_CODE, k, n);
      set->data->labels[trial] = r->var[VAR_TYPE] != NULL ? (int)at2(r, VAR_TYPE, k, n) : 0;
      set->subject[trial] = 0;
      trial++;
    }
  }
  character_start[r->n_chars] = trial;
  GbEegChannel montage[GB_EEG_IO_ELOC64_N];
  gb_eeg_montage_get(GB_EEG_IO_ELOC64_N, montage, NULL);
  for (int c = 0; c < GB_EEG_IO_ELOC64_N; c++)
    set->channels[c] = montage[c];
}

/* Copies every kept window of character @k, channel @c from the series @x into the trials. */
static void
copy_windows(const MatReader *r, GbEegSet *set, const int *character_start, size_t k, size_t c,
             const float *x)
{
  int trial = character_start[k];
  size_t nc = r->n_channels;
  for (int o = r->onset_start[k]; o < r->onset_start[k + 1]; o++) {
    long start = (long)r->onsets[o] + r->offset;
    if (start < 0 || start + r->n_times > (long)r->n_samples)
      continue;
    float *dst = set->data->x->data + (size_t)trial * r->n_times * nc + c;
    for (int t = 0; t < r->n_times; t++)
      dst[(size_t)t * nc] = x[start + t];
    trial++;
  }
}

static GbStatus
epoch_all(const MatReader *r, const GbEegMatOptions *opt, GbEegSet *set, const int *character_start,
          GbError *err)
{
  float *x = gb_alloc_floats(r->n_samples);
  if (x == NULL)
    return gb_error_set(err, GB_ERR_NOMEM, "%s: out of memory", r->path);
  GbStatus st = GB_OK;
  for (size_t k = 0; k < r->n_chars && st == GB_OK; k++) {
    if (!gb_eeg_io_progress(opt->progress, opt->progress_user, (double)k / r->n_chars,
                            "Epoching")) {
      st = gb_error_set(err, GB_ERR_CANCELLED, "%s: reading cancelled", r->path);
      break;
    }
    for (size_t c = 0; c < r->n_channels && st == GB_OK; c++) {
      st = extract_series(r, k, c, x, err);
      if (st == GB_OK && opt->prefilter != NULL)
        st = gb_eeg_sos_filtfilt(opt->prefilter, x, r->n_samples, 1, err);
      if (st == GB_OK)
        copy_windows(r, set, character_start, k, c, x);
    }
  }
  gb_free(x);
  return st;
}

/* ---- Reading -------------------------------------------------------------------------------- */

void
gb_eeg_mat_options_init(GbEegMatOptions *o)
{
  *o = (GbEegMatOptions){.srate = 240.0, .tmin = 0.0, .tmax = 0.8};
}

void
gb_eeg_mat_info_clear(GbEegMatInfo *info)
{
  if (info == NULL)
    return;
  gb_free(info->target_chars);
  gb_free(info->character_start);
  *info = (GbEegMatInfo){0};
}

/* libmatio trusts the byte counts in a version 5 file's element tags: a corrupt count makes it
 * allocate gigabytes for a file of kilobytes before it notices. Walk the top-level elements
 * first (8-byte tags: type, byte count; a "small element" packs both in one word) and refuse a
 * count that runs past the end of the file. A compressed variable is inflated here first, into a
 * small buffer, to learn how many bytes it really holds: the variable inside must fit in them
 * (a 480-byte file whose variable claimed 1 GB made libmatio use 3 GB and 7 s). Files that are
 * not version 5 (7.3 is HDF5) pass unchecked. */
static void
read_tag(FILE *f, bool le, uint32_t w[2], bool *ok)
{
  unsigned char b[8];
  *ok = fread(b, 1, 8, f) == 8;
  for (int k = 0; k < 2 && *ok; k++) {
    const unsigned char *p = b + 4 * k;
    w[k] = le ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24
              : (uint32_t)p[3] | (uint32_t)p[2] << 8 | (uint32_t)p[1] << 16 | (uint32_t)p[0] << 24;
  }
}

/* The parts of an uncompressed matrix element (flags, dimensions, name, data) must fit in it. */
static GbStatus
check_mat5_parts(const char *path, FILE *f, bool le, long long start, uint32_t len, GbError *err)
{
  for (long long off = start; off + 8 <= start + (long long)len;) {
    uint32_t w[2];
    bool ok;
    if (fseeko(f, off, SEEK_SET) != 0)
      return GB_OK;
    read_tag(f, le, w, &ok);
    if (!ok)
      return GB_OK;
    if (w[0] >> 16) {
      off += 8;
      continue;
    }
    long long left = start + (long long)len - off - 8;
    if ((long long)w[1] > left)
      return gb_error_set(err, GB_ERR_FORMAT,
                          "%s: a part of the variable at byte %lld claims %u bytes but the "
                          "variable has only %lld left: the file is corrupt",
                          path, start - 8, w[1], left);
    off += (8 + (long long)w[1] + 7) / 8 * 8;
  }
  return GB_OK;
}

static uint32_t
word_at(const unsigned char *p, bool le)
{
  return le ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24
            : (uint32_t)p[3] | (uint32_t)p[2] << 8 | (uint32_t)p[1] << 16 | (uint32_t)p[0] << 24;
}

#define MAT_INFLATE_HEAD 4096 /* the inflated bytes kept: a matrix's flags, dims and name */

/* Inflates the @len bytes at @start of @f: the first MAT_INFLATE_HEAD inflated bytes into @head
 * (*n_head of them) and the total inflated size into *total. False when zlib cannot read the
 * stream; libmatio then says what is wrong. The output is counted, not kept, so memory stays
 * small whatever the stream claims; zlib's ratio bounds the work to about 1000x @len. */
static bool
inflate_head(FILE *f, long long start, uint32_t len, unsigned char *head, size_t *n_head,
             unsigned long long *total)
{
  unsigned char in[16384], out[16384];
  z_stream z = {0};
  if (fseeko(f, start, SEEK_SET) != 0 || inflateInit(&z) != Z_OK)
    return false;
  *n_head = 0;
  *total = 0;
  int zs = Z_OK;
  for (uint32_t left = len; zs == Z_OK && left > 0;) {
    size_t want = left < sizeof in ? left : sizeof in;
    size_t got = fread(in, 1, want, f);
    if (got == 0)
      break;
    left -= (uint32_t)got;
    z.next_in = in;
    z.avail_in = (uInt)got;
    do {
      z.next_out = out;
      z.avail_out = sizeof out;
      zs = inflate(&z, Z_NO_FLUSH);
      size_t made = sizeof out - z.avail_out;
      size_t keep = MAT_INFLATE_HEAD - *n_head < made ? MAT_INFLATE_HEAD - *n_head : made;
      memcpy(head + *n_head, out, keep);
      *n_head += keep;
      *total += made;
    } while (zs == Z_OK && z.avail_out == 0);
  }
  inflateEnd(&z);
  return zs == Z_OK || zs == Z_STREAM_END || zs == Z_BUF_ERROR;
}

/* The variable inside a compressed element must fit in what the element inflates to, and so
 * must the parts of a matrix among the first inflated bytes. */
static GbStatus
check_mat5_compressed(const char *path, FILE *f, bool le, long long off, uint32_t len,
                      GbError *err)
{
  unsigned char head[MAT_INFLATE_HEAD];
  size_t n;
  unsigned long long total;
  if (!inflate_head(f, off + 8, len, head, &n, &total) || n < 8)
    return GB_OK;
  uint32_t type = word_at(head, le), count = word_at(head + 4, le);
  if (type >> 16)
    return GB_OK;
  if ((unsigned long long)count + 8 > total)
    return gb_error_set(err, GB_ERR_FORMAT,
                        "%s: the compressed variable at byte %lld claims %u bytes but inflates "
                        "to only %llu: the file is corrupt",
                        path, off, count, total > 8 ? total - 8 : 0);
  if (type != 14)
    return GB_OK;
  for (size_t p = 8; p + 8 <= n && p + 8 <= 8 + (size_t)count;) {
    uint32_t w0 = word_at(head + p, le), w1 = word_at(head + p + 4, le);
    if (w0 >> 16) {
      p += 8;
      continue;
    }
    unsigned long long left = 8 + (unsigned long long)count - p - 8;
    if (w1 > left)
      return gb_error_set(err, GB_ERR_FORMAT,
                          "%s: a part of the compressed variable at byte %lld claims %u bytes but "
                          "the variable has only %llu left: the file is corrupt",
                          path, off, w1, left);
    p += (8 + (size_t)w1 + 7) / 8 * 8;
  }
  return GB_OK;
}

static GbStatus
check_mat5_layout(const char *path, FILE *f, long long size, GbError *err)
{
  unsigned char head[128];
  if (fread(head, 1, sizeof head, f) != sizeof head)
    return GB_OK;
  bool le = head[126] == 'I' && head[127] == 'M', be = head[126] == 'M' && head[127] == 'I';
  unsigned version = le ? head[124] | head[125] << 8 : head[124] << 8 | head[125];
  if ((!le && !be) || version != 0x0100)
    return GB_OK;
  for (long long off = 128; off + 8 <= size;) {
    unsigned char tag[8];
    if (fseeko(f, off, SEEK_SET) != 0 || fread(tag, 1, 8, f) != 8)
      return GB_OK; /* libmatio reports what it cannot read */
    uint32_t w[2];
    for (int k = 0; k < 2; k++) {
      const unsigned char *b = tag + 4 * k;
      w[k] = le ? (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24
                : (uint32_t)b[3] | (uint32_t)b[2] << 8 | (uint32_t)b[1] << 16 | (uint32_t)b[0] << 24;
    }
    if (w[0] >> 16) { /* small data element: tag and up to 4 bytes in 8 */
      off += 8;
      continue;
    }
    if (w[1] > size - off - 8)
      return gb_error_set(err, GB_ERR_FORMAT,
                          "%s: the data element at byte %lld claims %u bytes but only %lld follow: "
                          "the file is truncated or corrupt",
                          path, off, w[1], size - off - 8);
    if (w[0] == 14 && check_mat5_parts(path, f, le, off + 8, w[1], err) != GB_OK)
      return GB_ERR_FORMAT;
    if (w[0] == 15 && check_mat5_compressed(path, f, le, off, w[1], err) != GB_OK)
      return GB_ERR_FORMAT;
    long long len = 8 + (long long)w[1];
    off += w[0] == 15 ? len : (len + 7) / 8 * 8; /* miCOMPRESSED is not padded */
  }
  return GB_OK;
}

static GbStatus
open_file(MatReader *r, GbError *err)
{
  struct stat sb;
  if (stat(r->path, &sb) != 0)
    return gb_error_set(err, GB_ERR_IO, "%s: %s", r->path, strerror(errno));
  if (!S_ISREG(sb.st_mode))
    return gb_error_set(err, GB_ERR_IO, "%s: not a regular file", r->path);
  FILE *f = fopen(r->path, "rb");
  if (f == NULL)
    return gb_error_set(err, GB_ERR_IO, "%s: %s", r->path, strerror(errno));
  GbStatus st = check_mat5_layout(r->path, f, (long long)sb.st_size, err);
  fclose(f);
  if (st != GB_OK)
    return st;
  /* A version 5 header is 128 bytes; an empty file would pass as an empty version 4 file. */
  if (sb.st_size < 128)
    return gb_error_set(err, GB_ERR_FORMAT, "%s: not a MATLAB MAT-file (only %lld bytes)", r->path,
                        (long long)sb.st_size);
  mat_log_reset();
  r->mat = Mat_Open(r->path, MAT_ACC_RDONLY);
  if (r->mat == NULL)
    return gb_error_set(err, GB_ERR_FORMAT, "%s: not a MATLAB MAT-file", r->path);
  if (mat_log_check(r->path, "opening it", err) != GB_OK)
    return GB_ERR_FORMAT;
  if (Mat_GetVersion(r->mat) == MAT_FT_MAT4)
    return gb_error_set(err, GB_ERR_FORMAT,
                        "%s: a version 4 MAT-file, which cannot hold BCI Competition III data "
                        "(3-D Signal)",
                        r->path);
  return GB_OK;
}

/* TargetChar as NUL-terminated ASCII ('?' for anything else); libmatio gives 1, 2 or 4 bytes a
 * character depending on the file version. */
static GbStatus
decode_text(const MatReader *r, const matvar_t *v, char **out, GbError *err)
{
  size_t n = var_numel(v), unit = Mat_SizeOf(v->data_type);
  if (unit == 0 || unit > 4 || unit == 3 || v->nbytes < n * unit)
    return gb_error_set(err, GB_ERR_FORMAT, "%s: cannot decode variable 'TargetChar'", r->path);
  char *s = gb_malloc(n + 1);
  if (s == NULL)
    return gb_error_set(err, GB_ERR_NOMEM, "%s: out of memory", r->path);
  for (size_t i = 0; i < n; i++) {
    const unsigned char *p = (const unsigned char *)v->data + i * unit;
    uint32_t u = unit == 1 ? p[0] : unit == 2 ? *(const uint16_t *)p : *(const uint32_t *)p;
    s[i] = u >= 32 && u < 127 ? (char)u : '?';
  }
  s[n] = '\0';
  *out = s;
  return GB_OK;
}

static GbStatus
fill_info(const MatReader *r, GbEegMatInfo *info, int *character_start, GbError *err)
{
  const matvar_t *sig = r->var[VAR_SIGNAL];
  info->n_characters = (int)r->n_chars;
  info->n_samples = (int)r->n_samples;
  info->has_labels = r->var[VAR_TYPE] != NULL;
  info->character_start = character_start;
  info->n_onsets = r->n_onsets;
  info->n_dropped = r->n_onsets - r->n_kept;
  snprintf(info->format, sizeof info->format, "%s",
           Mat_GetVersion(r->mat) == MAT_FT_MAT73 ? "MAT 7.3"
           : sig->compression                     ? "MAT 5 (compressed)"
                                                  : "MAT 5");
  if (r->var[VAR_TARGET] != NULL)
    return decode_text(r, r->var[VAR_TARGET], &info->target_chars, err);
  return GB_OK;
}

static GbEegSet *
read_locked(MatReader *r, const GbEegMatOptions *opt, GbEegMatInfo *info, GbError *err)
{
  if (open_file(r, err) != GB_OK || read_infos(r, err) != GB_OK || read_data(r, err) != GB_OK ||
      find_onsets(r, err) != GB_OK)
    return NULL;
  GbEegSet *set = gb_eeg_set_new(r->n_kept, r->n_times, (int)r->n_channels, opt->srate,
                                 r->offset / opt->srate, false, err);
  int *character_start = gb_malloc((r->n_chars + 1) * sizeof *character_start);
  if (set == NULL || character_start == NULL) {
    if (set != NULL)
      gb_error_set(err, GB_ERR_NOMEM, "%s: out of memory", r->path);
    goto fail;
  }
  fill_trial_info(r, set, character_start);
  bool labelled = r->var[VAR_TYPE] != NULL;
  if (epoch_all(r, opt, set, character_start, err) != GB_OK ||
      gb_eeg_io_set_source(set, err, "%s%s", r->path,
                           labelled ? "" : " (no StimulusType: labels unknown, all 0)") != GB_OK)
    goto fail;
  if (info != NULL && fill_info(r, info, character_start, err) != GB_OK) {
    gb_eeg_mat_info_clear(info);
    character_start = NULL;
    goto fail;
  }
  if (info == NULL)
    gb_free(character_start);
  gb_eeg_io_progress(opt->progress, opt->progress_user, 1.0, "Epoching");
  return set;
fail:
  gb_free(character_start);
  gb_eeg_set_free(set);
  return NULL;
}

GbEegSet *
gb_eeg_mat_read(const char *path, const GbEegMatOptions *options, GbEegMatInfo *info, GbError *err)
{
  GbEegMatOptions defaults;
  gb_eeg_mat_options_init(&defaults);
  const GbEegMatOptions *opt = options != NULL ? options : &defaults;
  if (info != NULL)
    *info = (GbEegMatInfo){0};
  if (!(opt->srate > 0) || !isfinite(opt->srate)) {
    gb_error_set(err, GB_ERR_INVALID, "%s: sampling rate %g Hz", path, opt->srate);
    return NULL;
  }
  MatReader r = {.path = path};
  if (gb_eeg_io_window(path, opt->tmin, opt->tmax, opt->srate, &r.offset, &r.n_times, err) != GB_OK)
    return NULL;

  pthread_mutex_lock(&mat_lock);
  Mat_LogInitFunc("glassbox", mat_log_cb);
  GbEegSet *set = read_locked(&r, opt, info, err);
  reader_clear(&r);
  pthread_mutex_unlock(&mat_lock);
  return set;
}

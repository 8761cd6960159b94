/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-eeg-file.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "gb-alloc.h"
#include "gb-json.h"
#include "gb-safetensors.h"

#define KEY_FORMAT   "format"
#define KEY_CHANNELS "glassbox.eeg.channels"
#define KEY_SRATE    "glassbox.eeg.srate"
#define KEY_T0       "glassbox.eeg.t0"
#define KEY_SUBJECTS "glassbox.eeg.n_subjects"
#define KEY_SOURCE   "glassbox.eeg.source"
#define KEY_VERSION  "glassbox.version"
#define KEY_ARCH     "glassbox.architecture" /* of model files */
#define EXCERPT      80

_Static_assert(sizeof(int) == 4, "labels, subjects and stimuli are I32 read into int arrays");

static size_t
n_trials(const GbEegSet *s)
{
  return (size_t)gb_dataset_size(s->data);
}

static size_t
n_samples(const GbEegSet *s)
{
  return n_trials(s) * (size_t)s->n_times * (size_t)s->n_channels;
}

/* ---- Checks shared by saving and loading --------------------------------------------------- */

/* The first NaN or infinity of @x (n, T, C), named by trial, sample and channel. */
static GbStatus
check_samples(const GbEegSet *s, const float *x, const char *tensor, GbStatus code, GbError *err)
{
  long bad = gb_floats_find_nonfinite(x, n_samples(s));
  if (bad < 0)
    return GB_OK;
  size_t i = (size_t)bad, C = (size_t)s->n_channels, T = (size_t)s->n_times;
  float v = x[i];
  return gb_error_set(err, code, "tensor '%s': trial %zu, sample %zu, channel %s is %s", tensor,
                      i / (C * T), i / C % T, s->channels[i % C].label,
                      isnan(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf");
}

static GbStatus
check_trials(const GbEegSet *s, GbStatus code, GbError *err)
{
  const int *labels = s->data->labels;
  for (size_t i = 0; i < n_trials(s); i++) {
    if (labels[i] != 0 && labels[i] != 1)
      return gb_error_set(err, code, "trial %zu has label %d, expected 0 (non-target) or 1 "
                          "(target)", i, labels[i]);
    if (s->subject[i] < 0 || s->subject[i] >= s->n_subjects)
      return gb_error_set(err, code, "trial %zu has subject %d, expected 0 to %d (%d subject%s)",
                          i, s->subject[i], s->n_subjects - 1, s->n_subjects,
                          s->n_subjects == 1 ? "" : "s");
    if (s->stimulus[i] < 0)
      return gb_error_set(err, code, "trial %zu has stimulus code %d, expected 0 or more", i,
                          s->stimulus[i]);
  }
  return GB_OK;
}

/* Labels go into a comma-separated list, so they must be non-empty and comma-free; a second
 * channel with the same label could never be found by name. */
static GbStatus
check_channels(const GbEegSet *s, GbStatus code, GbError *err)
{
  for (int c = 0; c < s->n_channels; c++) {
    const GbEegChannel *ch = &s->channels[c];
    if (memchr(ch->label, '\0', sizeof ch->label) == NULL)
      return gb_error_set(err, code, "channel %d has a label longer than %d bytes", c,
                          GB_EEG_LABEL_MAX - 1);
    if (ch->label[0] == '\0')
      return gb_error_set(err, code, "channel %d has an empty label", c);
    if (strchr(ch->label, ',') != NULL)
      return gb_error_set(err, code, "channel %d label '%s' contains a comma", c, ch->label);
    if (!isfinite(ch->x) || !isfinite(ch->y))
      return gb_error_set(err, code, "channel %s has a position that is not finite", ch->label);
    for (int d = 0; d < c; d++)
      if (strcasecmp(s->channels[d].label, ch->label) == 0)
        return gb_error_set(err, code, "channels %d and %d are both labelled '%s'", d, c,
                            ch->label);
  }
  return GB_OK;
}

/* ---- Saving -------------------------------------------------------------------------------- */

static GbStatus
check_set_shape(const GbEegSet *s, GbError *err)
{
  const GbTensor *x = s->data != NULL ? s->data->x : NULL;
  if (x == NULL || x->shape.ndim != 3 || x->shape.dim[1] != s->n_times ||
      x->shape.dim[2] != s->n_channels || s->channels == NULL || s->subject == NULL ||
      s->stimulus == NULL)
    return gb_error_set(err, GB_ERR_INVALID, "the set's trials are not (n, %d, %d) or parts of "
                        "it are missing", s->n_times, s->n_channels);
  if (!(s->srate > 0) || !isfinite(s->srate) || !isfinite(s->t0))
    return gb_error_set(err, GB_ERR_INVALID, "sampling rate %g Hz and first sample at %g s: "
                        "expected a positive rate and a finite time", s->srate, s->t0);
  if (s->n_subjects < 1)
    return gb_error_set(err, GB_ERR_INVALID, "%d subjects, expected at least 1", s->n_subjects);
  return GB_OK;
}

static GbStatus
check_set(const GbEegSet *s, GbError *err)
{
  GbStatus st = check_set_shape(s, err);
  if (st == GB_OK)
    st = check_channels(s, GB_ERR_INVALID, err);
  if (st == GB_OK)
    st = check_trials(s, GB_ERR_INVALID, err);
  if (st == GB_OK)
    st = check_samples(s, s->data->x->data, "x", GB_ERR_INVALID, err);
  if (st == GB_OK && s->truth != NULL)
    st = check_samples(s, s->truth, "truth", GB_ERR_INVALID, err);
  return st;
}

/* What gb_safetensors_save() needs, pointing into the set and the buffers below. */
typedef struct {
  GbSafetensorsContents contents;
  GbSafetensorsTensor tensors[6];
  GbSafetensorsMeta meta[7];
  float *xy;      /* (C, 2) */
  char *channels; /* "Fz,Cz,Pz" */
  char *srate, *t0;
  char n_subjects[16];
} Contents;

static void
contents_clear(Contents *c)
{
  gb_free(c->xy);
  gb_free(c->channels);
  gb_free(c->srate);
  gb_free(c->t0);
}

/* The shortest text that reads back as @v, always with a decimal point (never a comma). */
static char *
format_double(double v, GbError *err)
{
  GbJsonWriter w;
  gb_json_writer_init(&w);
  gb_json_writer_double(&w, v);
  char *text;
  size_t len;
  return gb_json_writer_finish(&w, &text, &len, err) == GB_OK ? text : NULL;
}

static char *
join_channels(const GbEegSet *s)
{
  char *out = gb_malloc((size_t)s->n_channels * GB_EEG_LABEL_MAX + 1);
  if (out == NULL)
    return NULL;
  out[0] = '\0';
  for (int c = 0; c < s->n_channels; c++) {
    if (c > 0)
      strcat(out, ",");
    strcat(out, s->channels[c].label);
  }
  return out;
}

static void
add_tensor(Contents *c, const char *name, GbDtype dtype, const size_t *shape, int ndim,
           const void *data)
{
  GbSafetensorsTensor *t = &c->tensors[c->contents.n_tensors++];
  t->name = name;
  t->dtype = dtype;
  t->ndim = ndim;
  memcpy(t->shape, shape, (size_t)ndim * sizeof *shape);
  t->data = data;
}

static void
fill_tensors(const GbEegSet *s, Contents *c)
{
  const size_t x_shape[3] = {n_trials(s), (size_t)s->n_times, (size_t)s->n_channels};
  const size_t n[1] = {n_trials(s)}, xy_shape[2] = {(size_t)s->n_channels, 2};
  c->contents.tensors = c->tensors;
  add_tensor(c, "x", GB_DTYPE_F32, x_shape, 3, s->data->x->data);
  add_tensor(c, "labels", GB_DTYPE_I32, n, 1, s->data->labels);
  add_tensor(c, "subject", GB_DTYPE_I32, n, 1, s->subject);
  add_tensor(c, "stimulus", GB_DTYPE_I32, n, 1, s->stimulus);
  if (s->truth != NULL)
    add_tensor(c, "truth", GB_DTYPE_F32, x_shape, 3, s->truth);
  for (int ch = 0; ch < s->n_channels; ch++) {
    c->xy[2 * ch] = s->channels[ch].x;
    c->xy[2 * ch + 1] = s->channels[ch].y;
  }
  add_tensor(c, "channel_xy", GB_DTYPE_F32, xy_shape, 2, c->xy);
}

static void
fill_meta(const GbEegSet *s, Contents *c)
{
  GbSafetensorsMeta *m = c->meta;
  size_t n = 0;
  m[n++] = (GbSafetensorsMeta){KEY_FORMAT, GB_EEG_FILE_FORMAT};
  m[n++] = (GbSafetensorsMeta){KEY_CHANNELS, c->channels};
  m[n++] = (GbSafetensorsMeta){KEY_SRATE, c->srate};
  m[n++] = (GbSafetensorsMeta){KEY_T0, c->t0};
  m[n++] = (GbSafetensorsMeta){KEY_SUBJECTS, c->n_subjects};
  if (s->source != NULL)
    m[n++] = (GbSafetensorsMeta){KEY_SOURCE, s->source};
  m[n++] = (GbSafetensorsMeta){KEY_VERSION, GB_VERSION};
  c->contents.meta = m;
  c->contents.n_meta = n;
}

/* Checks the set and lays it out for the writer. Messages are not prefixed yet. */
static GbStatus
contents_init(Contents *c, const GbEegSet *s, GbError *err)
{
  memset(c, 0, sizeof *c);
  GbStatus st = check_set(s, err);
  if (st != GB_OK)
    return st;
  c->xy = gb_malloc((size_t)s->n_channels * 2 * sizeof *c->xy);
  c->channels = join_channels(s);
  c->srate = format_double(s->srate, err);
  c->t0 = format_double(s->t0, err);
  if (c->xy == NULL || c->channels == NULL || c->srate == NULL || c->t0 == NULL) {
    contents_clear(c);
    return gb_error_set(err, GB_ERR_NOMEM, "out of memory");
  }
  snprintf(c->n_subjects, sizeof c->n_subjects, "%d", s->n_subjects);
  fill_tensors(s, c);
  fill_meta(s, c);
  return GB_OK;
}

GbStatus
gb_eeg_set_save_to_memory(const GbEegSet *set, void **data, size_t *len, GbError *err)
{
  *data = NULL;
  *len = 0;
  Contents c;
  GbStatus st = contents_init(&c, set, err);
  if (st != GB_OK) {
    gb_error_prefix(err, "EEG set");
    return st;
  }
  st = gb_safetensors_save_to_memory(&c.contents, data, len, err);
  contents_clear(&c);
  return st;
}

GbStatus
gb_eeg_set_save(const GbEegSet *set, const char *path, GbError *err)
{
  Contents c;
  GbStatus st = contents_init(&c, set, err);
  if (st != GB_OK) {
    gb_error_prefix(err, "%s", path);
    return st;
  }
  st = gb_safetensors_save(&c.contents, path, err);
  contents_clear(&c);
  return st;
}

/* ---- Loading: what the file is ------------------------------------------------------------- */

typedef struct {
  GbSafetensors *sf;
  const char *name; /* for messages */
  size_t n, T, C;
  bool has_truth;
  double srate, t0;
  int n_subjects;
  GbEegSet *set;
} Loader;

static GbStatus
fail(const Loader *ld, GbError *err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static GbStatus
fail(const Loader *ld, GbError *err, const char *fmt, ...)
{
  char what[GB_ERROR_MESSAGE_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  return gb_error_set(err, GB_ERR_FORMAT, "%s: %s", ld->name, what);
}

static GbStatus
check_kind(const Loader *ld, GbError *err)
{
  const char *format = gb_safetensors_get_meta(ld->sf, KEY_FORMAT);
  char buf[EXCERPT];
  if (format != NULL && strcmp(format, GB_EEG_FILE_FORMAT) == 0)
    return GB_OK;
  if (gb_safetensors_get_meta(ld->sf, KEY_ARCH) != NULL)
    return fail(ld, err, "this is a Glassbox model file, not an EEG set");
  if (format == NULL)
    return fail(ld, err, "the header has no \"" KEY_FORMAT "\" metadata; this is not a Glassbox "
                "EEG set (format \"" GB_EEG_FILE_FORMAT "\")");
  return fail(ld, err, "format is \"%s\", expected \"" GB_EEG_FILE_FORMAT "\"; this is not a "
              "Glassbox EEG set", gb_json_excerpt(format, strlen(format), buf, sizeof buf));
}

#define ANY GB_SAFETENSORS_ANY

static const GbSafetensorsExpect eeg_tensors[] = {
    {"x", GB_DTYPE_F32, 3, {ANY, ANY, ANY}, false},
    {"labels", GB_DTYPE_I32, 1, {ANY}, false},
    {"subject", GB_DTYPE_I32, 1, {ANY}, false},
    {"stimulus", GB_DTYPE_I32, 1, {ANY}, false},
    {"truth", GB_DTYPE_F32, 3, {ANY, ANY, ANY}, true},
    {"channel_xy", GB_DTYPE_F32, 2, {ANY, 2}, false},
};

static GbStatus
check_tensors(const Loader *ld, GbError *err)
{
  const GbSafetensorsSchema schema = {eeg_tensors, sizeof eeg_tensors / sizeof *eeg_tensors,
                                      "a Glassbox EEG set has no such tensor"};
  return gb_safetensors_check(ld->sf, &schema, err);
}

/* ---- Loading: sizes ------------------------------------------------------------------------ */

static GbStatus
check_per_trial(const Loader *ld, const char *tensor, GbError *err)
{
  GbSafetensorsInfo info;
  gb_safetensors_find(ld->sf, tensor, &info);
  if (info.shape[0] != ld->n)
    return fail(ld, err, "tensor '%s' has %zu values, expected %zu (one per trial of 'x')",
                tensor, info.shape[0], ld->n);
  return GB_OK;
}

static GbStatus
read_sizes(Loader *ld, GbError *err)
{
  GbSafetensorsInfo x, info;
  gb_safetensors_find(ld->sf, "x", &x);
  ld->n = x.shape[0];
  ld->T = x.shape[1];
  ld->C = x.shape[2];
  if (ld->n < 1 || ld->T < 1 || ld->C < 1 || ld->n > INT_MAX || ld->T > INT_MAX ||
      ld->C > INT_MAX)
    return fail(ld, err, "tensor 'x' has shape %zux%zux%zu, expected at least one trial, sample "
                "and channel, and at most %d of each", ld->n, ld->T, ld->C, INT_MAX);
  GbStatus st = check_per_trial(ld, "labels", err);
  if (st == GB_OK)
    st = check_per_trial(ld, "subject", err);
  if (st == GB_OK)
    st = check_per_trial(ld, "stimulus", err);
  if (st != GB_OK)
    return st;
  ld->has_truth = gb_safetensors_find(ld->sf, "truth", &info);
  if (ld->has_truth && memcmp(info.shape, x.shape, 3 * sizeof *x.shape) != 0)
    return fail(ld, err, "tensor 'truth' has shape %zux%zux%zu, expected %zux%zux%zu (the shape "
                "of 'x')", info.shape[0], info.shape[1], info.shape[2], ld->n, ld->T, ld->C);
  gb_safetensors_find(ld->sf, "channel_xy", &info);
  if (info.shape[0] != ld->C)
    return fail(ld, err, "tensor 'channel_xy' has %zu rows, expected %zu (one per channel of "
                "'x')", info.shape[0], ld->C);
  return GB_OK;
}

/* ---- Loading: metadata --------------------------------------------------------------------- */

static const char *
require_meta(const Loader *ld, const char *key, GbError *err)
{
  const char *value = gb_safetensors_get_meta(ld->sf, key);
  if (value == NULL)
    fail(ld, err, "metadata %s is missing", key);
  return value;
}

/* A JSON number ("250", "-0.2", "1e3"), read the same in every locale. */
static GbStatus
parse_number(const Loader *ld, const char *key, bool integer, double *out, GbError *err)
{
  const char *text = require_meta(ld, key, err);
  if (text == NULL)
    return GB_ERR_FORMAT;
  GbJson *v = NULL;
  GbError local;
  GbStatus st = gb_json_parse(text, strlen(text), NULL, &v, &local);
  if (st == GB_ERR_NOMEM)
    return gb_error_set(err, st, "%s: out of memory", ld->name);
  bool ok = st == GB_OK && v->type == GB_JSON_NUMBER && (!integer || v->u.number.is_integer);
  if (ok)
    *out = v->u.number.value;
  gb_json_free(v);
  char buf[EXCERPT];
  if (!ok)
    return fail(ld, err, "metadata %s is \"%s\", expected %s", key,
                gb_json_excerpt(text, strlen(text), buf, sizeof buf),
                integer ? "an integer" : "a number");
  return GB_OK;
}

static GbStatus
read_numbers(Loader *ld, GbError *err)
{
  double subjects;
  GbStatus st = parse_number(ld, KEY_SRATE, false, &ld->srate, err);
  if (st == GB_OK && !(ld->srate > 0))
    return fail(ld, err, "metadata " KEY_SRATE " is %g, expected a positive rate in Hz",
                ld->srate);
  if (st == GB_OK)
    st = parse_number(ld, KEY_T0, false, &ld->t0, err);
  if (st == GB_OK)
    st = parse_number(ld, KEY_SUBJECTS, true, &subjects, err);
  if (st == GB_OK && !(subjects >= 1 && subjects <= INT_MAX))
    return fail(ld, err, "metadata " KEY_SUBJECTS " is %.0f, expected 1 to %d", subjects,
                INT_MAX);
  if (st == GB_OK)
    ld->n_subjects = (int)subjects;
  return st;
}

static GbStatus
count_channels(const Loader *ld, GbError *err)
{
  const char *list = require_meta(ld, KEY_CHANNELS, err);
  if (list == NULL)
    return GB_ERR_FORMAT;
  size_t n = 1;
  for (const char *p = list; *p; p++)
    n += *p == ',';
  if (n != ld->C)
    return fail(ld, err, "metadata " KEY_CHANNELS " names %zu channel%s, expected %zu (one per "
                "channel of 'x')", n, n == 1 ? "" : "s", ld->C);
  return GB_OK;
}

/* Splits the comma-separated labels into the set's channels. */
static GbStatus
parse_channels(const Loader *ld, GbError *err)
{
  const char *p = gb_safetensors_get_meta(ld->sf, KEY_CHANNELS);
  char buf[EXCERPT];
  for (int c = 0; c < ld->set->n_channels; c++) {
    size_t len = strcspn(p, ",");
    if (len >= GB_EEG_LABEL_MAX)
      return fail(ld, err, "metadata " KEY_CHANNELS ": channel %d label '%s' is longer than %d "
                  "bytes", c, gb_json_excerpt(p, len, buf, sizeof buf), GB_EEG_LABEL_MAX - 1);
    memcpy(ld->set->channels[c].label, p, len);
    ld->set->channels[c].label[len] = '\0';
    p += len + (p[len] == ',');
  }
  return GB_OK;
}

/* ---- Loading: data ------------------------------------------------------------------------- */

static GbStatus
read_positions(const Loader *ld, GbError *err)
{
  void *xy;
  GbStatus st = gb_safetensors_read_new(ld->sf, "channel_xy", GB_DTYPE_F32, 2,
                                        GB_SAFETENSORS_FINITE, &xy, NULL, err);
  if (st != GB_OK)
    return st;
  const float *f = xy;
  for (size_t c = 0; c < ld->C; c++) {
    ld->set->channels[c].x = f[2 * c];
    ld->set->channels[c].y = f[2 * c + 1];
  }
  gb_free(xy);
  return GB_OK;
}

/* Straight into the set's own buffers: no second copy of the samples. */
static GbStatus
read_data(const Loader *ld, GbError *err)
{
  GbEegSet *s = ld->set;
  size_t n = ld->n, samples = n_samples(s);
  GbStatus st = gb_safetensors_read(ld->sf, "x", GB_DTYPE_F32, 3, s->data->x->data, samples, 0,
                                    err);
  if (st == GB_OK)
    st = gb_safetensors_read(ld->sf, "labels", GB_DTYPE_I32, 1, s->data->labels, n, 0, err);
  if (st == GB_OK)
    st = gb_safetensors_read(ld->sf, "subject", GB_DTYPE_I32, 1, s->subject, n, 0, err);
  if (st == GB_OK)
    st = gb_safetensors_read(ld->sf, "stimulus", GB_DTYPE_I32, 1, s->stimulus, n, 0, err);
  if (st == GB_OK && ld->has_truth)
    st = gb_safetensors_read(ld->sf, "truth", GB_DTYPE_F32, 3, s->truth, samples, 0, err);
  if (st == GB_OK)
    st = read_positions(ld, err);
  return st;
}

/* What the data says, checked like a set about to be saved. */
static GbStatus
check_values(const Loader *ld, GbError *err)
{
  const GbEegSet *s = ld->set;
  GbStatus st = check_channels(s, GB_ERR_FORMAT, err);
  if (st == GB_OK)
    st = check_trials(s, GB_ERR_FORMAT, err);
  if (st == GB_OK)
    st = check_samples(s, s->data->x->data, "x", GB_ERR_FORMAT, err);
  if (st == GB_OK && s->truth != NULL)
    st = check_samples(s, s->truth, "truth", GB_ERR_FORMAT, err);
  if (st != GB_OK)
    gb_error_prefix(err, "%s", ld->name);
  return st;
}

static GbStatus
create_set(Loader *ld, GbError *err)
{
  ld->set = gb_eeg_set_new((int)ld->n, (int)ld->T, (int)ld->C, ld->srate, ld->t0,
                           ld->has_truth, err);
  if (ld->set == NULL) {
    gb_error_prefix(err, "%s", ld->name);
    return err->code;
  }
  ld->set->n_subjects = ld->n_subjects;
  const char *source = gb_safetensors_get_meta(ld->sf, KEY_SOURCE);
  ld->set->source = gb_strdup(source != NULL ? source : ld->name);
  if (ld->set->source == NULL)
    return gb_error_set(err, GB_ERR_NOMEM, "%s: out of memory", ld->name);
  return GB_OK;
}

static GbStatus
load_parts(Loader *ld, GbError *err)
{
  GbStatus st = check_kind(ld, err);
  if (st == GB_OK)
    st = check_tensors(ld, err);
  if (st == GB_OK)
    st = read_sizes(ld, err);
  if (st == GB_OK)
    st = read_numbers(ld, err);
  if (st == GB_OK)
    st = count_channels(ld, err);
  if (st == GB_OK)
    st = create_set(ld, err);
  if (st == GB_OK)
    st = parse_channels(ld, err);
  if (st == GB_OK)
    st = read_data(ld, err);
  if (st == GB_OK)
    st = check_values(ld, err);
  return st;
}

static GbStatus
load(GbSafetensors *sf, GbEegSet **out, GbError *err)
{
  GbError local;
  if (err == NULL)
    err = &local; /* create_set() passes on the code of gb_eeg_set_new()'s error */
  Loader ld = {.sf = sf, .name = gb_safetensors_name(sf)};
  GbStatus st = load_parts(&ld, err);
  if (st == GB_OK)
    *out = ld.set;
  else
    gb_eeg_set_free(ld.set);
  gb_safetensors_free(sf);
  return st;
}

GbStatus
gb_eeg_set_load_from_memory(const void *data, size_t len, const char *name, GbEegSet **out,
                            GbError *err)
{
  *out = NULL;
  GbSafetensors *sf;
  GbStatus st = gb_safetensors_open_memory(data, len, name, &sf, err);
  return st == GB_OK ? load(sf, out, err) : st;
}

GbStatus
gb_eeg_set_load(const char *path, GbEegSet **out, GbError *err)
{
  *out = NULL;
  GbSafetensors *sf;
  GbStatus st = gb_safetensors_open(path, &sf, err);
  return st == GB_OK ? load(sf, out, err) : st;
}

bool
gb_eeg_file_is_eeg_set(const char *path)
{
  GbSafetensors *st = NULL;
  if (gb_safetensors_open(path, &st, NULL) != GB_OK)
    return false;
  const char *format = gb_safetensors_get_meta(st, "format");
  bool yes = format != NULL && strcmp(format, GB_EEG_FILE_FORMAT) == 0;
  gb_safetensors_free(st);
  return yes;
}

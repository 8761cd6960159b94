/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-eeg-xdf.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <xdfio.h>

#include "gb-alloc.h"
#include "gb-eeg-io-private.h"
#include "gb-eeg-xdf-private.h"

/* Samples per channel moved by one xdf_read call. */
#define CHUNK 4096

static const char *const trigger_names[] = {"Status", "TRIG", "Trigger", "STI 014",
                                            "STI014", "STIM", "Marker",  "Event"};

typedef struct {
  long sample; /* from the start of the recording */
  int code;
  int label; /* 1 target, 0 non-target, -1 neither */
} Event;

typedef struct {
  const char *path;
  const GbEegXdfOptions *opt;
  GbXdfHeader h;
  long n_total; /* samples per channel */
  char (*labels)[GB_EEG_LABEL_MAX + 16];
  double *scale, *shift; /* per file channel: physical = scale * digital + shift */
  int trigger;           /* file channel of the trigger, or -1 */
  bool *eeg;             /* per file channel: kept in the set */
  int n_eeg;
  Event *events;
  int n_events, cap_events;
  int offset, n_times;  /* epoch window in samples */
  int trigger_previous; /* trigger pass: the code at the sample before the chunk */
  GbEegSet *set;        /* EEG pass: the trials being filled ... */
  int first_open;       /* ... and the first whose window is not complete yet */
  GbEegXdfInfo info;
} XdfReader;

void
gb_eeg_xdf_options_init(GbEegXdfOptions *o)
{
  *o = (GbEegXdfOptions){.tmin = 0.0, .tmax = 0.8};
}

static void
reader_clear(XdfReader *r)
{
  gb_eeg_xdf_header_clear(&r->h);
  gb_free(r->labels);
  gb_free(r->scale);
  gb_free(r->shift);
  gb_free(r->eeg);
  gb_free(r->events);
}

/* ---- libxdffileio --------------------------------------------------------------------------- */

static GbStatus
lib_error(const XdfReader *r, const char *doing, GbError *err)
{
  /* libxdffileio 0.3 leaves errno at 0 for some malformed headers. */
  return gb_error_set(err, GB_ERR_FORMAT, "%s: libxdffileio failed %s (%s)", r->path, doing,
                      errno != 0 ? strerror(errno) : "malformed file");
}

static struct xdf *
lib_open(const XdfReader *r, GbError *err)
{
  errno = 0;
  struct xdf *x = xdf_open(r->path, XDF_READ, XDF_ANY);
  if (x == NULL) {
    lib_error(r, "to open it", err);
    return NULL;
  }
  int n_ch = 0, nsrec = 0;
  if (xdf_get_conf(x, XDF_F_NCHANNEL, &n_ch, XDF_F_REC_NSAMPLE, &nsrec, XDF_NOF) != 0 ||
      n_ch != r->h.n_channels || nsrec != r->h.samples_per_record) {
    gb_error_set(err, GB_ERR_FORMAT,
                 "%s: libxdffileio reads %d channels of %d samples per record, the header says "
                 "%d of %d",
                 r->path, n_ch, nsrec, r->h.n_channels, r->h.samples_per_record);
    xdf_close(x);
    return NULL;
  }
  return x;
}

/* Sets the channels marked in @which to be read, digital, as doubles packed in one array. */
static GbStatus
lib_prepare(const XdfReader *r, struct xdf *x, const bool *which, int *n_read, GbError *err)
{
  int k = 0;
  for (int i = 0; i < r->h.n_channels; i++) {
    struct xdfch *ch = xdf_get_channel(x, (unsigned)i);
    /* Digital values: libxdffileio's own scaling uses integer-truncated EDF/BDF limits. */
    if (ch == NULL || (which[i] ? xdf_set_chconf(ch, XDF_CF_ARRINDEX, 0, XDF_CF_ARROFFSET,
                                                 (int)(k * sizeof(double)), XDF_CF_ARRTYPE,
                                                 XDFDOUBLE, XDF_CF_ARRDIGITAL, 1, XDF_NOF)
                                : xdf_set_chconf(ch, XDF_CF_ARRINDEX, -1, XDF_NOF)) != 0)
      return lib_error(r, "to set up a channel", err);
    k += which[i];
  }
  size_t stride = (size_t)k * sizeof(double);
  if (xdf_define_arrays(x, 1, &stride) != 0 || xdf_prepare_transfer(x) != 0)
    return lib_error(r, "to prepare reading", err);
  *n_read = k;
  return GB_OK;
}

typedef GbStatus (*ChunkFn)(XdfReader *r, const double *buf, long start, int n, GbError *err);

/* Reads samples [0, @until) of the prepared channels chunk by chunk through @fn.
 * buf: (CHUNK, n_read) */
static GbStatus
lib_stream(XdfReader *r, struct xdf *x, int n_read, long until, const char *stage, ChunkFn fn,
           GbError *err)
{
  double *buf = gb_malloc((size_t)CHUNK * (size_t)(n_read > 0 ? n_read : 1) * sizeof *buf);
  if (buf == NULL)
    return gb_error_set(err, GB_ERR_NOMEM, "%s: out of memory", r->path);
  GbStatus st = GB_OK;
  for (long at = 0; at < until && st == GB_OK; at += CHUNK) {
    if (!gb_eeg_io_progress(r->opt->progress, r->opt->progress_user, (double)at / until, stage)) {
      st = gb_error_set(err, GB_ERR_CANCELLED, "%s: reading cancelled", r->path);
      break;
    }
    int want = (int)(until - at < CHUNK ? until - at : CHUNK);
    errno = 0;
    ssize_t got = xdf_read(x, (size_t)want, buf);
    if (got < 0)
      st = lib_error(r, "to read samples", err);
    else if (got < want)
      st = gb_error_set(err, GB_ERR_FORMAT, "%s: truncated: the data end after %ld of %ld samples",
                        r->path, at + (long)got, r->n_total);
    else
      st = fn(r, buf, at, want, err);
  }
  gb_free(buf);
  return st;
}

/* ---- Channels ------------------------------------------------------------------------------- */

static GbStatus
read_channel(XdfReader *r, struct xdf *x, int i, GbError *err)
{
  struct xdfch *ch = xdf_get_channel(x, (unsigned)i);
  const char *label = NULL;
  double pmin, pmax, dmin, dmax;
  if (ch == NULL || xdf_get_chconf(ch, XDF_CF_LABEL, &label, XDF_CF_PMIN, &pmin, XDF_CF_PMAX, &pmax,
                                   XDF_CF_DMIN, &dmin, XDF_CF_DMAX, &dmax, XDF_NOF) != 0)
    return lib_error(r, "to describe a channel", err);
  snprintf(r->labels[i], sizeof r->labels[i], "%s", label != NULL ? label : "");
  if (r->h.pmin != NULL) { /* EDF/BDF: the header's own decimals */
    pmin = r->h.pmin[i];
    pmax = r->h.pmax[i];
    dmin = r->h.dmin[i];
    dmax = r->h.dmax[i];
  }
  if (!(dmax != dmin) || !(pmax != pmin) || !isfinite(pmin + pmax + dmin + dmax))
    return gb_error_set(err, GB_ERR_FORMAT,
                        "%s: channel %d ('%s') maps digital %g .. %g to physical %g .. %g", r->path,
                        i + 1, r->labels[i], dmin, dmax, pmin, pmax);
  /* As libxdffileio does: a * d + b, exact even for the huge digital range of float data. */
  r->scale[i] = (pmax - pmin) / (dmax - dmin);
  r->shift[i] = pmin - r->scale[i] * dmin;
  return GB_OK;
}

static int
find_label(const XdfReader *r, const char *label)
{
  for (int i = 0; i < r->h.n_channels; i++)
    if (strcasecmp(r->labels[i], label) == 0)
      return i;
  return -1;
}

static GbStatus
read_channels(XdfReader *r, struct xdf *x, GbError *err)
{
  size_t n = (size_t)r->h.n_channels;
  r->labels = gb_calloc(n, sizeof *r->labels);
  r->scale = gb_calloc(n, sizeof *r->scale);
  r->shift = gb_calloc(n, sizeof *r->shift);
  r->eeg = gb_calloc(n, sizeof *r->eeg);
  if (r->labels == NULL || r->scale == NULL || r->shift == NULL || r->eeg == NULL)
    return gb_error_set(err, GB_ERR_NOMEM, "%s: out of memory", r->path);
  for (int i = 0; i < r->h.n_channels; i++)
    if (read_channel(r, x, i, err) != GB_OK)
      return GB_ERR_FORMAT;
  return GB_OK;
}

/* Chooses the event source: the named trigger channel, else the event table when it has
 * events, else a channel with a usual trigger name. Then marks the EEG channels. */
static GbStatus
choose_channels(XdfReader *r, int n_table, GbError *err)
{
  r->trigger = -1;
  if (r->opt->trigger_channel != NULL) {
    r->trigger = find_label(r, r->opt->trigger_channel);
    if (r->trigger < 0)
      return gb_error_set(err, GB_ERR_INVALID, "%s: no channel called '%s' for the triggers",
                          r->path, r->opt->trigger_channel);
  } else if (n_table == 0) {
    for (size_t k = 0; k < sizeof trigger_names / sizeof *trigger_names && r->trigger < 0; k++)
      r->trigger = find_label(r, trigger_names[k]);
    if (r->trigger < 0)
      return gb_error_set(err, GB_ERR_FORMAT,
                          "%s: no events: the file has no event table and no trigger channel "
                          "(Status, TRIG, Trigger, STI 014, STIM, Marker or Event; name "
                          "another one with the trigger_channel option)",
                          r->path);
  }
  for (int i = 0; i < r->h.n_channels; i++) {
    r->eeg[i] = i != r->trigger && strcasecmp(r->labels[i], "EDF Annotations") != 0;
    r->n_eeg += r->eeg[i];
  }
  if (r->n_eeg == 0)
    return gb_error_set(err, GB_ERR_FORMAT, "%s: no EEG channels besides the triggers", r->path);
  r->info.from_trigger = r->trigger >= 0;
  if (r->trigger >= 0)
    snprintf(r->info.trigger_label, sizeof r->info.trigger_label, "%s", r->labels[r->trigger]);
  return GB_OK;
}

/* ---- Events --------------------------------------------------------------------------------- */

static bool
code_in(int code, const int *list, int n)
{
  for (int i = 0; list != NULL && i < n; i++)
    if (list[i] == code)
      return true;
  return false;
}

static int
classify(const GbEegXdfOptions *o, int code, const char *desc)
{
  if (o->target_codes != NULL || o->nontarget_codes != NULL)
    return code_in(code, o->target_codes, o->n_target_codes)         ? 1
           : code_in(code, o->nontarget_codes, o->n_nontarget_codes) ? 0
                                                                     : -1;
  if (desc != NULL && strcasecmp(desc, "target") == 0)
    return 1;
  if (desc != NULL && (strcasecmp(desc, "nontarget") == 0 || strcasecmp(desc, "non-target") == 0))
    return 0;
  return code == 2 || code == 0x8205 ? 1 : code == 1 || code == 0x8206 ? 0 : -1;
}

static void
count_code(GbEegXdfInfo *info, int code)
{
  int i = 0;
  while (i < info->n_codes && info->codes[i] < code)
    i++;
  if (i < info->n_codes && info->codes[i] == code) {
    info->code_counts[i]++;
    return;
  }
  if (info->n_codes == GB_EEG_XDF_MAX_CODES)
    return;
  memmove(info->codes + i + 1, info->codes + i, (size_t)(info->n_codes - i) * sizeof(int));
  memmove(info->code_counts + i + 1, info->code_counts + i,
          (size_t)(info->n_codes - i) * sizeof(int));
  info->codes[i] = code;
  info->code_counts[i] = 1;
  info->n_codes++;
}

static GbStatus
add_event(XdfReader *r, long sample, int code, const char *desc, GbError *err)
{
  if (r->n_events == r->cap_events) {
    int cap = r->cap_events ? 2 * r->cap_events : 256;
    Event *e = gb_realloc(r->events, (size_t)cap * sizeof *e);
    if (e == NULL)
      return gb_error_set(err, GB_ERR_NOMEM, "%s: out of memory for %d events", r->path, cap);
    r->events = e;
    r->cap_events = cap;
  }
  r->events[r->n_events++] = (Event){sample, code, classify(r->opt, code, desc)};
  count_code(&r->info, code);
  return GB_OK;
}

static GbStatus
read_table(XdfReader *r, struct xdf *x, int n_table, GbError *err)
{
  for (int i = 0; i < n_table; i++) {
    unsigned int type;
    double onset, dur;
    int code;
    const char *desc = NULL;
    if (xdf_get_event(x, (unsigned)i, &type, &onset, &dur) != 0 ||
        xdf_get_evttype(x, type, &code, &desc) != 0)
      return lib_error(r, "to read the event table", err);
    double sample = round(onset * r->h.srate);
    if (!(fabs(sample) < 1e15))
      return gb_error_set(err, GB_ERR_FORMAT, "%s: event %d of the event table is at %g s", r->path,
                          i + 1, onset);
    if (add_event(r, (long)sample, code, desc, err) != GB_OK)
      return GB_ERR_NOMEM;
  }
  return GB_OK;
}

/* An event wherever the masked trigger value changes to a non-zero code. */
static GbStatus
trigger_chunk(XdfReader *r, const double *buf, long start, int n, GbError *err)
{
  unsigned mask = r->opt->trigger_mask != 0 ? r->opt->trigger_mask : 0xFFFFu;
  int previous = start == 0 ? 0 : r->trigger_previous;
  for (int i = 0; i < n; i++) {
    double v = r->scale[r->trigger] * buf[i] + r->shift[r->trigger];
    if (!isfinite(v) || fabs(v) > 2147483647.0)
      return gb_error_set(err, GB_ERR_FORMAT, "%s: trigger channel '%s' holds %g at sample %ld",
                          r->path, r->labels[r->trigger], v, start + i);
    int code = (int)((unsigned)(int)lround(v) & mask);
    if (code != 0 && code != previous && add_event(r, start + i, code, NULL, err) != GB_OK)
      return GB_ERR_NOMEM;
    previous = code;
  }
  r->trigger_previous = previous;
  return GB_OK;
}

static int
compare_events(const void *a, const void *b)
{
  const Event *x = a, *y = b;
  if (x->sample != y->sample)
    return (x->sample > y->sample) - (x->sample < y->sample);
  return (x->code > y->code) - (x->code < y->code);
}

static bool
window_fits(const XdfReader *r, const Event *e)
{
  long start = e->sample + r->offset;
  return start >= 0 && start + r->n_times <= r->n_total;
}

/* Keeps the target and non-target events whose window fits, in time order. */
static GbStatus
select_events(XdfReader *r, GbError *err)
{
  if (r->n_events == 0)
    return gb_error_set(err, GB_ERR_FORMAT, "%s: no events: %s", r->path,
                        r->trigger >= 0 ? "the trigger channel never leaves 0"
                                        : "the event table is empty");
  int kept = 0;
  for (int i = 0; i < r->n_events; i++) {
    Event e = r->events[i];
    if (e.label < 0) {
      r->info.n_ignored++;
    } else if (!window_fits(r, &e)) {
      r->info.n_dropped++;
    } else {
      r->info.n_targets += e.label == 1;
      r->info.n_nontargets += e.label == 0;
      r->events[kept++] = e;
    }
  }
  r->info.n_events = r->n_events;
  if (kept == 0 && r->info.n_dropped == 0) {
    char codes[256];
    size_t k = 0;
    codes[0] = '\0';
    for (int i = 0; i < r->info.n_codes && k + 1 < sizeof codes; i++)
      k += (size_t)snprintf(codes + k, sizeof codes - k, "%s%d (%dx)", i ? ", " : "",
                            r->info.codes[i], r->info.code_counts[i]);
    return gb_error_set(err, GB_ERR_FORMAT,
                        "%s: none of the %d events is a target or a non-target (codes found: "
                        "%s); give the target and non-target codes in the options",
                        r->path, r->n_events, codes);
  }
  if (kept == 0)
    return gb_error_set(err, GB_ERR_FORMAT,
                        "%s: the window of every one of the %d target and non-target events runs "
                        "past the recording",
                        r->path, r->info.n_dropped);
  r->n_events = kept;
  qsort(r->events, (size_t)kept, sizeof *r->events, compare_events);
  return GB_OK;
}

/* ---- Trials --------------------------------------------------------------------------------- */

/* Copies the part of each trial's window that lies in samples [start, start + n).
 * buf: (n, n_eeg) digital values of the EEG channels */
static GbStatus
eeg_chunk(XdfReader *r, const double *buf, long start, int n, GbError *err)
{
  GbEegSet *set = r->set;
  int nc = r->n_eeg;
  for (int e = r->first_open; e < r->n_events; e++) {
    long w0 = r->events[e].sample + r->offset;
    if (w0 >= start + n)
      break;
    long a = w0 > start ? w0 : start, b = w0 + r->n_times < start + n ? w0 + r->n_times : start + n;
    float *dst = set->data->x->data + (size_t)e * r->n_times * nc;
    for (long s = a; s < b; s++) {
      int k = 0;
      for (int i = 0; i < r->h.n_channels; i++) {
        if (!r->eeg[i])
          continue;
        double v = r->scale[i] * buf[(size_t)(s - start) * nc + k] + r->shift[i];
        if (!isfinite(v))
          return gb_error_set(err, GB_ERR_NUMERIC, "%s: channel '%s' is %s at sample %ld", r->path,
                              r->labels[i], isnan(v) ? "NaN" : "infinite", s);
        dst[(size_t)(s - w0) * nc + k++] = (float)v;
      }
    }
  }
  while (r->first_open < r->n_events &&
         r->events[r->first_open].sample + r->offset + r->n_times <= start + n)
    r->first_open++;
  return GB_OK;
}

static GbEegSet *
new_set(XdfReader *r, GbError *err)
{
  GbEegSet *set = gb_eeg_set_new(r->n_events, r->n_times, r->n_eeg, r->h.srate,
                                 r->offset / r->h.srate, false, err);
  if (set == NULL)
    return NULL;
  for (int e = 0; e < r->n_events; e++) {
    set->data->labels[e] = r->events[e].label;
    set->stimulus[e] = r->events[e].code;
  }
  for (int i = 0, k = 0; i < r->h.n_channels; i++)
    if (r->eeg[i])
      gb_eeg_io_set_channel(&set->channels[k++], r->labels[i]);
  if (gb_eeg_io_set_source(set, err, "%s", r->path) != GB_OK) {
    gb_eeg_set_free(set);
    return NULL;
  }
  return set;
}

static GbEegSet *
read_trials(XdfReader *r, struct xdf *x, GbError *err)
{
  GbEegSet *set = new_set(r, err);
  int n_read;
  if (set == NULL || lib_prepare(r, x, r->eeg, &n_read, err) != GB_OK) {
    gb_eeg_set_free(set);
    return NULL;
  }
  const Event *last = &r->events[r->n_events - 1];
  r->set = set;
  r->first_open = 0;
  GbStatus st = lib_stream(r, x, n_read, last->sample + r->offset + r->n_times, "Reading EEG",
                           eeg_chunk, err);
  r->set = NULL;
  if (st != GB_OK) {
    gb_eeg_set_free(set);
    return NULL;
  }
  return set;
}

/* ---- Reading -------------------------------------------------------------------------------- */

static GbStatus
check_options(const char *path, const GbEegXdfOptions *o, GbError *err)
{
  for (int i = 0; o->target_codes != NULL && i < o->n_target_codes; i++)
    if (code_in(o->target_codes[i], o->nontarget_codes, o->n_nontarget_codes))
      return gb_error_set(err, GB_ERR_INVALID,
                          "%s: event code %d is given as both a target and a non-target", path,
                          o->target_codes[i]);
  return GB_OK;
}

/* Everything up to the selected events, on a first libxdffileio handle; returns the handle to
 * read the EEG with (a fresh one when the first was used for the trigger channel). */
static struct xdf *
read_events(XdfReader *r, GbError *err)
{
  struct xdf *x = lib_open(r, err);
  if (x == NULL)
    return NULL;
  int n_table = 0;
  if (read_channels(r, x, err) != GB_OK || xdf_get_conf(x, XDF_F_NEVENT, &n_table, XDF_NOF) != 0 ||
      choose_channels(r, n_table, err) != GB_OK)
    goto fail;
  if (r->trigger < 0) {
    if (read_table(r, x, n_table, err) != GB_OK)
      goto fail;
  } else {
    bool *only = gb_calloc((size_t)r->h.n_channels, sizeof *only);
    int n_read;
    if (only == NULL) {
      gb_error_set(err, GB_ERR_NOMEM, "%s: out of memory", r->path);
      goto fail;
    }
    only[r->trigger] = true;
    GbStatus st = lib_prepare(r, x, only, &n_read, err);
    gb_free(only);
    if (st != GB_OK ||
        lib_stream(r, x, n_read, r->n_total, "Reading triggers", trigger_chunk, err) != GB_OK)
      goto fail;
    xdf_close(x);
    x = lib_open(r, err);
  }
  return x;
fail:
  xdf_close(x);
  return NULL;
}

static void
fill_info(const XdfReader *r, GbEegXdfInfo *info)
{
  *info = r->info;
  snprintf(info->format, sizeof info->format, "%s", gb_eeg_xdf_format_name(r->h.format));
  info->n_file_channels = r->h.n_channels;
  info->n_samples = r->n_total;
  info->srate = r->h.srate;
}

GbEegSet *
gb_eeg_xdf_read(const char *path, const GbEegXdfOptions *options, GbEegXdfInfo *info, GbError *err)
{
  GbEegXdfOptions defaults;
  gb_eeg_xdf_options_init(&defaults);
  XdfReader r = {.path = path, .opt = options != NULL ? options : &defaults};
  if (info != NULL)
    *info = (GbEegXdfInfo){0};
  if (check_options(path, r.opt, err) != GB_OK || gb_eeg_xdf_header_read(path, &r.h, err) != GB_OK)
    return NULL;
  GbEegSet *set = NULL;
  r.n_total = (long)(r.h.n_records * r.h.samples_per_record);
  if (gb_eeg_io_window(path, r.opt->tmin, r.opt->tmax, r.h.srate, &r.offset, &r.n_times, err) ==
      GB_OK) {
    struct xdf *x = read_events(&r, err);
    if (x != NULL && select_events(&r, err) == GB_OK)
      set = read_trials(&r, x, err);
    if (x != NULL)
      xdf_close(x);
  }
  if (set != NULL) {
    gb_eeg_io_progress(r.opt->progress, r.opt->progress_user, 1.0, "Reading EEG");
    if (info != NULL)
      fill_info(&r, info);
  }
  reader_clear(&r);
  return set;
}

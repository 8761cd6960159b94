/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-eeg-io-private.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "gb-alloc.h"

typedef struct {
  const char *label;
  float theta;  /* degrees, 0 = nose, positive towards the right ear */
  float radius; /* 0.5 near ear level */
} Eloc;

/* eloc64.txt (EEGLAB polar format), the montage of BCI Competition III data set II, in file
 * order (methods.md 4.2). */
static const Eloc eloc64[GB_EEG_IO_ELOC64_N] = {
    {"FC5", -68, 0.300f},  {"FC3", -60, 0.219f}, {"FC1", -42, 0.140f},  {"FCz", 0, 0.101f},
    {"FC2", 42, 0.140f},   {"FC4", 60, 0.219f},  {"FC6", 68, 0.300f},   {"C5", -90, 0.304f},
    {"C3", -90, 0.203f},   {"C1", -90, 0.101f},  {"Cz", 0, 0.000f},     {"C2", 90, 0.101f},
    {"C4", 90, 0.203f},    {"C6", 90, 0.304f},   {"CP5", -112, 0.300f}, {"CP3", -120, 0.219f},
    {"CP1", -138, 0.140f}, {"CPz", 180, 0.101f}, {"CP2", 138, 0.140f},  {"CP4", 120, 0.219f},
    {"CP6", 112, 0.300f},  {"Fp1", -18, 0.406f}, {"Fpz", 0, 0.406f},    {"Fp2", 18, 0.406f},
    {"AF7", -36, 0.406f},  {"AF3", -23, 0.343f}, {"AFz", 0, 0.304f},    {"AF4", 23, 0.343f},
    {"AF8", 36, 0.406f},   {"F7", -54, 0.406f},  {"F5", -46, 0.363f},   {"F3", -35, 0.275f},
    {"F1", -21, 0.219f},   {"Fz", 0, 0.203f},    {"F2", 21, 0.219f},    {"F4", 35, 0.275f},
    {"F6", 46, 0.363f},    {"F8", 54, 0.406f},   {"FT7", -72, 0.406f},  {"FT8", 72, 0.406f},
    {"T7", -90, 0.406f},   {"T8", 90, 0.406f},   {"T9", -90, 0.499f},   {"T10", 90, 0.499f},
    {"TP7", -108, 0.406f}, {"TP8", 108, 0.406f}, {"P7", -126, 0.406f},  {"P5", -134, 0.343f},
    {"P3", -145, 0.275f},  {"P1", -159, 0.219f}, {"Pz", 180, 0.181f},   {"P2", 159, 0.219f},
    {"P4", 145, 0.275f},   {"P6", 134, 0.343f},  {"P8", 126, 0.406f},   {"PO7", -144, 0.406f},
    {"PO3", -157, 0.343f}, {"POz", 180, 0.304f}, {"PO4", 157, 0.343f},  {"PO8", 144, 0.406f},
    {"O1", -162, 0.406f},  {"Oz", 180, 0.406f},  {"O2", 162, 0.406f},   {"Iz", 180, 0.499f},
};

/* 10-20 names that other recordings use: the old temporal names at the positions of their
 * modern equivalents, and the inferior ring at ear level (r = 0.5) below its 10-10 neighbour. */
static const Eloc extra[] = {
    {"T3", -90, 0.406f},  {"T4", 90, 0.406f},    {"T5", -126, 0.406f},  {"T6", 126, 0.406f},
    {"Nz", 0, 0.500f},    {"F9", -54, 0.500f},   {"F10", 54, 0.500f},   {"FT9", -72, 0.500f},
    {"FT10", 72, 0.500f}, {"TP9", -108, 0.500f}, {"TP10", 108, 0.500f}, {"P9", -126, 0.500f},
    {"P10", 126, 0.500f}, {"PO9", -144, 0.500f}, {"PO10", 144, 0.500f}, {"O9", -162, 0.500f},
    {"O10", 162, 0.500f},
};

const char *
gb_eeg_io_eloc64_label(int index)
{
  if (index < 0 || index >= GB_EEG_IO_ELOC64_N)
    return NULL;
  return eloc64[index].label;
}

static const Eloc *
find_eloc(const char *label)
{
  for (int i = 0; i < GB_EEG_IO_ELOC64_N; i++)
    if (strcasecmp(eloc64[i].label, label) == 0)
      return &eloc64[i];
  for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++)
    if (strcasecmp(extra[i].label, label) == 0)
      return &extra[i];
  return NULL;
}

static void
eloc_position(const Eloc *e, float *x, float *y)
{
  double th = e->theta * (M_PI / 180.0);
  *x = (float)(e->radius * sin(th));
  *y = (float)(e->radius * cos(th));
}

bool
gb_eeg_io_position(const char *label, float *x, float *y)
{
  const Eloc *e = find_eloc(label);
  if (e == NULL) {
    *x = *y = 0.0f;
    return false;
  }
  eloc_position(e, x, y);
  return true;
}

/* Copies @src without surrounding blanks into @dst (size @n). */
static void
copy_trimmed(char *dst, size_t n, const char *src)
{
  while (*src != '\0' && isspace((unsigned char)*src))
    src++;
  size_t len = strlen(src);
  while (len > 0 && isspace((unsigned char)src[len - 1]))
    len--;
  if (len > n - 1)
    len = n - 1;
  memcpy(dst, src, len);
  dst[len] = '\0';
}

bool
gb_eeg_io_set_channel(GbEegChannel *ch, const char *label)
{
  char raw[64], name[64];
  copy_trimmed(raw, sizeof raw, label);
  const char *p = raw;
  if (strncasecmp(p, "EEG", 3) == 0 && (p[3] == ' ' || p[3] == '-' || p[3] == '_'))
    p += 4;
  copy_trimmed(name, sizeof name, p);
  char *dash = strchr(name, '-');
  if (dash != NULL && dash != name)
    *dash = '\0';
  size_t len = strlen(name);
  while (len > 0 && name[len - 1] == '.')
    name[--len] = '\0';

  const Eloc *e = find_eloc(name);
  if (e != NULL) {
    snprintf(ch->label, sizeof ch->label, "%s", e->label);
    eloc_position(e, &ch->x, &ch->y);
    return true;
  }
  copy_trimmed(ch->label, sizeof ch->label, raw);
  ch->x = ch->y = 0.0f;
  return false;
}

GbStatus
gb_eeg_io_window(const char *path, double tmin, double tmax, double srate, int *offset,
                 int *n_times, GbError *err)
{
  if (!isfinite(tmin) || !isfinite(tmax) || !(tmax > tmin))
    return gb_error_set(err, GB_ERR_INVALID, "%s: epoch window %g .. %g s is empty", path, tmin,
                        tmax);
  double first = round(tmin * srate);
  double n = round((tmax - tmin) * srate);
  if (n < 1 || n > 1e7 || fabs(first) > 1e9)
    return gb_error_set(err, GB_ERR_INVALID, "%s: epoch window %g .. %g s is %.0f samples at %g Hz",
                        path, tmin, tmax, n, srate);
  *offset = (int)first;
  *n_times = (int)n;
  return GB_OK;
}

GbStatus
gb_eeg_io_set_source(GbEegSet *set, GbError *err, const char *fmt, ...)
{
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  char *s = gb_strdup(buf);
  if (s == NULL)
    return gb_error_set(err, GB_ERR_NOMEM, "EEG set: out of memory for its source");
  gb_free(set->source);
  set->source = s;
  return GB_OK;
}

bool
gb_eeg_io_progress(GbProgressFn progress, void *user, double fraction, const char *stage)
{
  return progress == NULL || progress(user, fraction, stage);
}

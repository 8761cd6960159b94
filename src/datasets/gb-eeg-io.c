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
#include "gb-eeg-montage.h"

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

  const char *canonical;
  if (gb_eeg_montage_canonical_label(name, &canonical)) {
    snprintf(ch->label, sizeof ch->label, "%s", canonical);
    gb_eeg_montage_position(canonical, &ch->x, &ch->y);
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

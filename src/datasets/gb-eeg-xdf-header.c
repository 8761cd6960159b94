/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-eeg-xdf-private.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gb-alloc.h"

/* EDF and BDF (https://www.edfplus.info/specs/edf.html): a 256-byte ASCII header, then for
 * each of ns channels 256 bytes of fields stored field by field; the channel field k (width w)
 * of channel i is at 256 + ns * (sum of the widths before k) + w * i. GDF 1 and 2 (Schloegl,
 * "GDF - A general dataformat for biosignals") keep the same layout with binary fields, and
 * both put samples per record at the same place as EDF does. */
#define CH_LABEL    0   /* 16 bytes */
#define CH_PHYS_MIN 104 /* EDF/BDF: 8 ASCII bytes each */
#define CH_PHYS_MAX 112
#define CH_DIG_MIN  120
#define CH_DIG_MAX  128
#define CH_SAMPLES  216 /* EDF/BDF: 8 ASCII bytes; GDF: uint32 */
#define CH_GDF_TYPE 220 /* GDF: uint32 */

const char *
gb_eeg_xdf_format_name(GbXdfFormat format)
{
  static const char *names[] = {"EDF", "BDF", "GDF 1", "GDF 2"};
  return names[format];
}

void
gb_eeg_xdf_header_clear(GbXdfHeader *h)
{
  gb_free(h->labels);
  gb_free(h->pmin);
  gb_free(h->pmax);
  gb_free(h->dmin);
  gb_free(h->dmax);
  *h = (GbXdfHeader){0};
}

/* ---- Fields --------------------------------------------------------------------------------- */

static uint32_t
le_u32(const unsigned char *p)
{
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t
le_u16(const unsigned char *p)
{
  return (uint16_t)(p[0] | p[1] << 8);
}

static int64_t
le_i64(const unsigned char *p)
{
  uint64_t v = (uint64_t)le_u32(p) | (uint64_t)le_u32(p + 4) << 32;
  return (int64_t)v;
}

/* The blank-trimmed text of an ASCII field. */
static void
field_text(const unsigned char *p, size_t width, char *out)
{
  size_t a = 0, b = width;
  while (a < b && (p[a] == ' ' || p[a] == '\0'))
    a++;
  while (b > a && (p[b - 1] == ' ' || p[b - 1] == '\0'))
    b--;
  for (size_t i = a; i < b; i++)
    out[i - a] = isprint(p[i]) ? (char)p[i] : '?';
  out[b - a] = '\0';
}

static GbStatus
field_number(const char *path, const unsigned char *p, size_t width, const char *what, double *out,
             GbError *err)
{
  char text[96], *end;
  field_text(p, width, text);
  errno = 0;
  double v = strtod(text, &end);
  if (text[0] == '\0' || *end != '\0' || errno != 0 || !isfinite(v))
    return gb_error_set(err, GB_ERR_FORMAT, "%s: %s is '%s', not a number", path, what, text);
  *out = v;
  return GB_OK;
}

static GbStatus
field_integer(const char *path, const unsigned char *p, size_t width, const char *what,
              long long *out, GbError *err)
{
  double v = 0.0;
  if (field_number(path, p, width, what, &v, err) != GB_OK)
    return GB_ERR_FORMAT;
  if (v != floor(v) || fabs(v) > 1e15)
    return gb_error_set(err, GB_ERR_FORMAT, "%s: %s is %g, not a whole number", path, what, v);
  *out = (long long)v;
  return GB_OK;
}

/* ---- EDF and BDF ---------------------------------------------------------------------------- */

static GbStatus
alloc_channels(const char *path, GbXdfHeader *h, bool calibration, GbError *err)
{
  size_t n = (size_t)h->n_channels;
  h->labels = gb_calloc(n, sizeof *h->labels);
  if (calibration) {
    h->pmin = gb_calloc(n, sizeof *h->pmin);
    h->pmax = gb_calloc(n, sizeof *h->pmax);
    h->dmin = gb_calloc(n, sizeof *h->dmin);
    h->dmax = gb_calloc(n, sizeof *h->dmax);
  }
  if (h->labels == NULL ||
      (calibration && (h->pmin == NULL || h->pmax == NULL || h->dmin == NULL || h->dmax == NULL)))
    return gb_error_set(err, GB_ERR_NOMEM, "%s: out of memory for %d channels", path,
                        h->n_channels);
  return GB_OK;
}

static GbStatus
edf_channel(const char *path, GbXdfHeader *h, const unsigned char *hdr, int i, long long *spr,
            GbError *err)
{
  size_t ns = (size_t)h->n_channels;
  const unsigned char *base = hdr + 256;
  field_text(base + CH_LABEL * ns + 16 * (size_t)i, 16, h->labels[i]);
  char what[64];
  struct {
    size_t at;
    const char *name;
    double *out;
  } nums[] = {{CH_PHYS_MIN, "physical minimum", &h->pmin[i]},
              {CH_PHYS_MAX, "physical maximum", &h->pmax[i]},
              {CH_DIG_MIN, "digital minimum", &h->dmin[i]},
              {CH_DIG_MAX, "digital maximum", &h->dmax[i]}};
  for (size_t k = 0; k < sizeof nums / sizeof nums[0]; k++) {
    snprintf(what, sizeof what, "channel %d ('%s') %s", i + 1, h->labels[i], nums[k].name);
    if (field_number(path, base + nums[k].at * ns + 8 * (size_t)i, 8, what, nums[k].out, err) !=
        GB_OK)
      return GB_ERR_FORMAT;
  }
  snprintf(what, sizeof what, "channel %d ('%s') samples per record", i + 1, h->labels[i]);
  return field_integer(path, base + CH_SAMPLES * ns + 8 * (size_t)i, 8, what, spr, err);
}

static GbStatus
edf_fixed(const char *path, GbXdfHeader *h, const unsigned char *b, GbError *err)
{
  long long ns = 0, hbytes = 0;
  if (field_integer(path, b + 252, 4, "the number of channels", &ns, err) != GB_OK ||
      field_integer(path, b + 184, 8, "the header size", &hbytes, err) != GB_OK ||
      field_integer(path, b + 236, 8, "the number of data records", &h->n_records, err) != GB_OK ||
      field_number(path, b + 244, 8, "the record duration", &h->record_seconds, err) != GB_OK)
    return GB_ERR_FORMAT;
  if (ns < 1 || ns > 65535)
    return gb_error_set(err, GB_ERR_FORMAT, "%s: the header gives %lld channels", path, ns);
  if (hbytes != 256 * (ns + 1))
    return gb_error_set(err, GB_ERR_FORMAT,
                        "%s: the header size is %lld bytes, expected %lld for %lld channels", path,
                        hbytes, 256 * (ns + 1), ns);
  char reserved[45];
  field_text(b + 192, 44, reserved);
  if (strncmp(reserved, "EDF+D", 5) == 0 || strncmp(reserved, "BDF+D", 5) == 0)
    return gb_error_set(err, GB_ERR_UNSUPPORTED,
                        "%s: a discontinuous %.4s recording (with gaps between records), which "
                        "cannot be epoched by sample number",
                        path, reserved);
  h->n_channels = (int)ns;
  h->header_bytes = hbytes;
  return GB_OK;
}

/* ---- GDF ------------------------------------------------------------------------------------ */

static int
gdf_type_size(uint32_t type)
{
  switch (type) {
  case 0:
  case 1:
  case 2: return 1;
  case 3:
  case 4: return 2;
  case 5:
  case 6:
  case 16: return 4;
  case 7:
  case 8:
  case 17: return 8;
  case 279:
  case 525: return 3;
  default: return 0;
  }
}

static GbStatus
gdf_fixed(const char *path, GbXdfHeader *h, const unsigned char *b, GbError *err)
{
  bool v1 = h->format == GB_XDF_GDF1;
  long long ns = v1 ? le_u32(b + 252) : le_u16(b + 252);
  long long hbytes = v1 ? le_i64(b + 184) : 256LL * le_u16(b + 184);
  uint32_t num = le_u32(b + 244), den = le_u32(b + 248);
  h->n_records = le_i64(b + 236);
  if (ns < 1 || ns > 65535)
    return gb_error_set(err, GB_ERR_FORMAT, "%s: the header gives %lld channels", path, ns);
  if (hbytes < 256 * (ns + 1))
    return gb_error_set(err, GB_ERR_FORMAT,
                        "%s: the header size is %lld bytes, too small for %lld channels", path,
                        hbytes, ns);
  if (num == 0 || den == 0)
    return gb_error_set(err, GB_ERR_FORMAT, "%s: the record duration is %u/%u s", path, num, den);
  h->record_seconds = (double)num / den;
  h->n_channels = (int)ns;
  h->header_bytes = hbytes;
  return GB_OK;
}

static GbStatus
gdf_channel(const char *path, GbXdfHeader *h, const unsigned char *hdr, int i, long long *spr,
            long long *bytes, GbError *err)
{
  size_t ns = (size_t)h->n_channels;
  const unsigned char *base = hdr + 256;
  field_text(base + CH_LABEL * ns + 16 * (size_t)i, 16, h->labels[i]);
  uint32_t type = le_u32(base + CH_GDF_TYPE * ns + 4 * (size_t)i);
  *spr = le_u32(base + CH_SAMPLES * ns + 4 * (size_t)i);
  int size = gdf_type_size(type);
  if (size == 0)
    return gb_error_set(err, GB_ERR_UNSUPPORTED, "%s: channel %d ('%s') has GDF data type %u", path,
                        i + 1, h->labels[i], type);
  *bytes = *spr * size;
  return GB_OK;
}

/* The GDF event table follows the data: mode (1 byte), then GDF 1: rate (3) and count (4);
 * GDF 2: count (3) and rate (float32); then positions (4 bytes each), codes (2), and with mode 3
 * channels (2) and durations (4). */
static GbStatus
gdf_events(const char *path, const GbXdfHeader *h, FILE *f, GbError *err)
{
  long long at = h->header_bytes + h->n_records * h->record_bytes;
  if (h->file_bytes == at)
    return GB_OK;
  unsigned char e[8];
  if (h->file_bytes < at + 8 || fseeko(f, at, SEEK_SET) != 0 || fread(e, 1, 8, f) != 8)
    return gb_error_set(err, GB_ERR_FORMAT,
                        "%s: truncated: the event table starting at byte %lld is cut short", path,
                        at);
  long long n = h->format == GB_XDF_GDF1 ? (long long)le_u32(e + 4)
                                         : (long long)(e[1] | e[2] << 8 | e[3] << 16);
  long long need = 8 + n * (e[0] == 3 ? 12 : 6);
  if (h->file_bytes < at + need)
    return gb_error_set(err, GB_ERR_FORMAT,
                        "%s: truncated: the event table announces %lld events (%lld bytes) but "
                        "only %lld bytes follow the data",
                        path, n, need, h->file_bytes - at);
  return GB_OK;
}

/* ---- Both ----------------------------------------------------------------------------------- */

static GbStatus
check_rates(const char *path, GbXdfHeader *h, const long long *spr, GbError *err)
{
  for (int i = 1; i < h->n_channels; i++)
    if (spr[i] != spr[0])
      return gb_error_set(err, GB_ERR_UNSUPPORTED,
                          "%s: channel '%s' has %lld samples per record and channel '%s' has "
                          "%lld: channels at different sampling rates are not supported "
                          "(libxdffileio reads one rate per file)",
                          path, h->labels[i], spr[i], h->labels[0], spr[0]);
  if (spr[0] < 1 || spr[0] > INT32_MAX)
    return gb_error_set(err, GB_ERR_FORMAT, "%s: %lld samples per record", path, spr[0]);
  h->samples_per_record = (int)spr[0];
  h->srate = spr[0] / h->record_seconds;
  if (!(h->record_seconds > 0) || !isfinite(h->srate))
    return gb_error_set(err, GB_ERR_FORMAT, "%s: the record duration is %g s", path,
                        h->record_seconds);
  return GB_OK;
}

static GbStatus
check_sizes(const char *path, const GbXdfHeader *h, GbError *err)
{
  if (h->n_records < 0)
    return gb_error_set(err, GB_ERR_FORMAT,
                        "%s: the number of data records is %lld: the recording was not closed "
                        "properly",
                        path, h->n_records);
  if (h->n_records == 0)
    return gb_error_set(err, GB_ERR_FORMAT, "%s: the recording has no data records", path);
  if (h->record_bytes > 0 && h->n_records > (INT64_MAX - h->header_bytes) / h->record_bytes)
    return gb_error_set(err, GB_ERR_FORMAT, "%s: %lld data records is too many", path,
                        h->n_records);
  long long need = h->header_bytes + h->n_records * h->record_bytes;
  if (h->file_bytes < need)
    return gb_error_set(err, GB_ERR_FORMAT,
                        "%s: truncated: the header announces %lld data records of %lld bytes "
                        "(%lld bytes in all) but the file has %lld bytes",
                        path, h->n_records, h->record_bytes, need, h->file_bytes);
  return GB_OK;
}

static GbStatus
identify(const char *path, GbXdfHeader *h, const unsigned char *b, long long size, GbError *err)
{
  static const unsigned char bdf_key[8] = {255, 'B', 'I', 'O', 'S', 'E', 'M', 'I'};
  if (size >= 8 && memcmp(b, "0       ", 8) == 0)
    h->format = GB_XDF_EDF;
  else if (size >= 8 && memcmp(b, bdf_key, 8) == 0)
    h->format = GB_XDF_BDF;
  else if (size >= 6 && memcmp(b, "GDF 1.", 6) == 0)
    h->format = GB_XDF_GDF1;
  else if (size >= 6 && memcmp(b, "GDF 2.", 6) == 0)
    h->format = GB_XDF_GDF2;
  else
    return gb_error_set(err, GB_ERR_FORMAT, "%s: not an EDF, BDF or GDF file%s", path,
                        size == 0 ? " (it is empty)" : "");
  if (size < 256)
    return gb_error_set(err, GB_ERR_FORMAT,
                        "%s: truncated: the fixed part of a %s header is 256 bytes, the file "
                        "has %lld",
                        path, gb_eeg_xdf_format_name(h->format), size);
  return GB_OK;
}

static GbStatus
parse_channels(const char *path, GbXdfHeader *h, const unsigned char *hdr, GbError *err)
{
  bool ebdf = h->format == GB_XDF_EDF || h->format == GB_XDF_BDF;
  long long *spr = gb_calloc((size_t)h->n_channels, sizeof *spr);
  if (spr == NULL || alloc_channels(path, h, ebdf, err) != GB_OK) {
    gb_free(spr);
    return gb_error_set(err, GB_ERR_NOMEM, "%s: out of memory for %d channels", path,
                        h->n_channels);
  }
  GbStatus st = GB_OK;
  h->record_bytes = 0;
  for (int i = 0; i < h->n_channels && st == GB_OK; i++) {
    long long bytes = 0;
    if (ebdf) {
      st = edf_channel(path, h, hdr, i, &spr[i], err);
      bytes = spr[i] * (h->format == GB_XDF_EDF ? 2 : 3);
    } else {
      st = gdf_channel(path, h, hdr, i, &spr[i], &bytes, err);
    }
    h->record_bytes += bytes;
  }
  if (st == GB_OK)
    st = check_rates(path, h, spr, err);
  gb_free(spr);
  return st;
}

static GbStatus
read_header(const char *path, GbXdfHeader *h, FILE *f, GbError *err)
{
  unsigned char fixed[256] = {0};
  size_t got = fread(fixed, 1, sizeof fixed, f);
  if (identify(path, h, fixed, (long long)got, err) != GB_OK)
    return err != NULL ? err->code : GB_ERR_FORMAT;
  bool ebdf = h->format == GB_XDF_EDF || h->format == GB_XDF_BDF;
  GbStatus st = ebdf ? edf_fixed(path, h, fixed, err) : gdf_fixed(path, h, fixed, err);
  if (st != GB_OK)
    return st;
  long long need = 256LL * (h->n_channels + 1);
  if (h->file_bytes < h->header_bytes)
    return gb_error_set(err, GB_ERR_FORMAT,
                        "%s: truncated: the %s header is %lld bytes, the file has %lld", path,
                        gb_eeg_xdf_format_name(h->format), h->header_bytes, h->file_bytes);
  unsigned char *hdr = gb_malloc((size_t)need);
  if (hdr == NULL)
    return gb_error_set(err, GB_ERR_NOMEM, "%s: out of memory for the header", path);
  if (fseeko(f, 0, SEEK_SET) != 0 || fread(hdr, 1, (size_t)need, f) != (size_t)need)
    st = gb_error_set(err, GB_ERR_IO, "%s: cannot read the header: %s", path, strerror(errno));
  if (st == GB_OK)
    st = parse_channels(path, h, hdr, err);
  gb_free(hdr);
  if (st == GB_OK)
    st = check_sizes(path, h, err);
  if (st == GB_OK && !ebdf)
    st = gdf_events(path, h, f, err);
  return st;
}

GbStatus
gb_eeg_xdf_header_read(const char *path, GbXdfHeader *h, GbError *err)
{
  *h = (GbXdfHeader){0};
  struct stat sb;
  if (stat(path, &sb) != 0)
    return gb_error_set(err, GB_ERR_IO, "%s: %s", path, strerror(errno));
  if (!S_ISREG(sb.st_mode))
    return gb_error_set(err, GB_ERR_IO, "%s: not a regular file", path);
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    return gb_error_set(err, GB_ERR_IO, "%s: %s", path, strerror(errno));
  h->file_bytes = sb.st_size;
  GbStatus st = read_header(path, h, f, err);
  fclose(f);
  if (st != GB_OK)
    gb_eeg_xdf_header_clear(h);
  return st;
}

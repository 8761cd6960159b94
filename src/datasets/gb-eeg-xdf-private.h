/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "gb-status.h"

/* The parts of an EDF, BDF or GDF header that gb-eeg-xdf.c checks before handing the file to
 * libxdffileio, which (version 0.3) does not: it reads each channel's samples-per-record into
 * one variable (a file with channels at different rates is silently misread), reads EDF/BDF
 * physical limits and record durations as integers ("-3276.8" becomes -3276), opens files whose
 * data or event table is cut short and returns fewer samples or no events, and fails with
 * errno 0 on a truncated header. */

typedef enum {
  GB_XDF_EDF,
  GB_XDF_BDF,
  GB_XDF_GDF1,
  GB_XDF_GDF2,
} GbXdfFormat;

typedef struct {
  GbXdfFormat format;
  int n_channels;
  long long n_records;
  double record_seconds;
  int samples_per_record; /* the same for every channel, or the header is refused */
  double srate;           /* samples_per_record / record_seconds */
  long long header_bytes, record_bytes, file_bytes;
  char (*labels)[17]; /* n_channels, for messages */
  /* EDF/BDF: the calibration as written (decimals kept); NULL for GDF, whose binary limits
   * libxdffileio reads exactly. */
  double *pmin, *pmax, *dmin, *dmax;
} GbXdfHeader;

/* Reads and checks @path's header, sizes and (GDF) event-table size. */
GbStatus gb_eeg_xdf_header_read(const char *path, GbXdfHeader *h, GbError *err);
void gb_eeg_xdf_header_clear(GbXdfHeader *h);
const char *gb_eeg_xdf_format_name(GbXdfFormat format);

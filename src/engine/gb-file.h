/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "gb-status.h"

/* Savers write a temporary file beside the target and rename it over the target, so a failed
 * save never leaves half a file. That is right for regular files only: renaming over a device
 * such as /dev/full or /dev/stdout, or a named pipe, would replace the node (root may write to
 * /dev) instead of writing into it. */
typedef enum {
  GB_SAVE_TARGET_FILE,    /* missing or a regular file: write a temporary file and rename */
  GB_SAVE_TARGET_SPECIAL, /* a device, pipe or socket: write straight into it */
} GbSaveTarget;

/* Classifies @path; GB_ERR_IO "PATH: is a directory" for a directory. */
GbStatus gb_save_target(const char *path, GbSaveTarget *out, GbError *err);
/* Opens a GB_SAVE_TARGET_SPECIAL @path for writing; -1 with @err set on failure. */
int gb_save_open_special(const char *path, GbError *err);
/* fsync() that accepts what devices and pipes answer (EINVAL, EROFS): nothing to sync there. */
int gb_save_fsync(int fd);

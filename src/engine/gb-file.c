/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-file.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

GbStatus
gb_save_target(const char *path, GbSaveTarget *out, GbError *err)
{
  struct stat sb;
  *out = GB_SAVE_TARGET_FILE;
  if (stat(path, &sb) != 0 || S_ISREG(sb.st_mode))
    return GB_OK; /* a missing file is created; other stat errors show when writing */
  if (S_ISDIR(sb.st_mode))
    return gb_error_set(err, GB_ERR_IO, "%s: is a directory", path);
  *out = GB_SAVE_TARGET_SPECIAL;
  return GB_OK;
}

int
gb_save_open_special(const char *path, GbError *err)
{
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    gb_error_set(err, GB_ERR_IO, "%s: cannot open for writing: %s", path, strerror(errno));
  return fd;
}

int
gb_save_fsync(int fd)
{
  if (fsync(fd) == 0 || errno == EINVAL || errno == EROFS)
    return 0;
  return -1;
}

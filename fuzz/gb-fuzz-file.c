/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-fuzz.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char path[256];

static void
remove_file(void)
{
  if (path[0])
    unlink(path);
}

/* One file per process and suffix, reused for every input: creating a file per input would
 * spend most of the fuzzing time in the file system. */
const char *
gb_fuzz_write_file(const uint8_t *data, size_t size, const char *suffix)
{
  if (!path[0]) {
    const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
    snprintf(path, sizeof path, "%s/gb-fuzz-%ld%s", dir ? dir : "/tmp", (long)getpid(), suffix);
    atexit(remove_file);
  }
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0)
    return NULL;
  size_t done = 0;
  while (done < size) {
    ssize_t k = write(fd, data + done, size - done);
    if (k <= 0) {
      close(fd);
      return NULL;
    }
    done += (size_t)k;
  }
  close(fd);
  return path;
}

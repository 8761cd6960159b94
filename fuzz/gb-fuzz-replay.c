/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Runs a fuzz target on files, without libFuzzer: `replay DIR|FILE...` feeds every regular file
 * (directories are walked one level deep) to LLVMFuzzerTestOneInput and prints one TAP line per
 * file. A crash ends the program (and fails the test); under ASan the build reports it. */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gb-fuzz.h"

static int n_done;

static int
replay_file(const char *path)
{
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    printf("not ok %d - %s: cannot open\n", ++n_done, path);
    return 1;
  }
  size_t cap = 1 << 16, len = 0;
  uint8_t *buf = malloc(cap);
  size_t k;
  while (buf && (k = fread(buf + len, 1, cap - len, f)) > 0) {
    len += k;
    if (len == cap)
      buf = realloc(buf, cap *= 2);
  }
  fclose(f);
  if (buf == NULL) {
    printf("not ok %d - %s: out of memory\n", ++n_done, path);
    return 1;
  }
  /* libFuzzer hands over an exact-size heap copy: do the same so ASan sees overreads. */
  uint8_t *exact = malloc(len ? len : 1);
  memcpy(exact, buf, len);
  free(buf);
  LLVMFuzzerTestOneInput(exact, len);
  free(exact);
  printf("ok %d - %s\n", ++n_done, path);
  fflush(stdout);
  return 0;
}

static int
compare_names(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
replay_dir(const char *dir)
{
  DIR *d = opendir(dir);
  if (d == NULL)
    return 0; /* no regressions yet for this target */
  char **names = NULL;
  size_t n = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.')
      continue;
    names = realloc(names, (n + 1) * sizeof *names);
    names[n++] = strdup(e->d_name);
  }
  closedir(d);
  qsort(names, n, sizeof *names, compare_names);
  int failed = 0;
  for (size_t i = 0; i < n; i++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    struct stat st;
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
      failed |= replay_file(path);
    free(names[i]);
  }
  free(names);
  return failed;
}

int
main(int argc, char **argv)
{
  int failed = 0;
  for (int i = 1; i < argc; i++) {
    struct stat st;
    if (stat(argv[i], &st) != 0)
      continue; /* a target without regressions has no directory */
    if (S_ISDIR(st.st_mode))
      failed |= replay_dir(argv[i]);
    else
      failed |= replay_file(argv[i]);
  }
  printf("1..%d\n", n_done);
  return failed;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Reads meson's testlog.json and prints one line "N passed, N failed, N skipped" counting the
 * TAP cases inside each test program, so CI sees how many checks ran, not how many programs.
 * A program that failed without reporting a failing case (a crash, a bail-out, a timeout)
 * counts as one failure; a program skipped as a whole counts as one skip. */
#include "config.h"

#include <json-glib/json-glib.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

typedef struct {
  int passed, failed, skipped;
} Counts;

static void
count_tap(const char *out, Counts *c, int *failed_cases)
{
  g_auto(GStrv) lines = g_strsplit(out ? out : "", "\n", -1);
  for (int i = 0; lines[i]; i++) {
    const char *l = lines[i];
    bool skip = strstr(l, "# SKIP") != NULL || strstr(l, "# skip") != NULL;
    bool todo = strstr(l, "# TODO") != NULL;
    if (g_str_has_prefix(l, "ok ")) {
      if (skip)
        c->skipped++;
      else
        c->passed++;
    } else if (g_str_has_prefix(l, "not ok ")) {
      if (todo)
        c->passed++; /* an expected failure */
      else if (skip)
        c->skipped++;
      else {
        c->failed++;
        (*failed_cases)++;
      }
    }
  }
}

/* Adds the cases of one testlog.json to @c; false when it cannot be read. */
static bool
count_log(const char *path, Counts *c)
{
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  if (!g_file_get_contents(path, &text, NULL, &error)) {
    fprintf(stderr, "%s\n", error->message);
    return false;
  }
  g_auto(GStrv) records = g_strsplit(text, "\n", -1);
  for (int i = 0; records[i]; i++) {
    if (!*g_strstrip(records[i]))
      continue;
    g_autoptr(JsonParser) parser = json_parser_new();
    if (!json_parser_load_from_data(parser, records[i], -1, &error)) {
      fprintf(stderr, "%s: record %d: %s\n", path, i + 1, error->message);
      return false;
    }
    JsonObject *o = json_node_get_object(json_parser_get_root(parser));
    const char *result = json_object_get_string_member_with_default(o, "result", "");
    const char *out = json_object_get_string_member_with_default(o, "stdout", "");
    int before = c->passed + c->failed + c->skipped, failed_cases = 0;
    count_tap(out, c, &failed_cases);
    bool had_cases = c->passed + c->failed + c->skipped > before;
    bool bad = g_str_equal(result, "FAIL") || g_str_equal(result, "ERROR") ||
               g_str_equal(result, "TIMEOUT") || g_str_equal(result, "UNEXPECTEDPASS");
    if (bad && failed_cases == 0)
      c->failed++;
    else if (!had_cases && g_str_equal(result, "SKIP"))
      c->skipped++;
    else if (!had_cases && (g_str_equal(result, "OK") || g_str_equal(result, "EXPECTEDFAIL")))
      c->passed++;
  }
  return true;
}

/* Several logs (the plain, sanitised and fuzzing runs of ./run.sh test) add up into one line; a
 * log that is missing or unreadable (its run never happened) counts as one failure. */
int
main(int argc, char **argv)
{
  if (argc < 2) {
    fprintf(stderr, "usage: %s build/meson-logs/testlog.json...\n", argv[0]);
    return 2;
  }
  Counts c = {0};
  for (int i = 1; i < argc; i++)
    if (!count_log(argv[i], &c))
      c.failed++;
  printf("%d passed, %d failed, %d skipped\n", c.passed, c.failed, c.skipped);
  return 0;
}

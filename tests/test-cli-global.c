/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <cairo.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdbool.h>
#include <string.h>
#include <sys/wait.h>

#include "gb-test-util.h"

/* glassbox-cli global, run as a user would: exit codes, messages, CSV numbers and figures. */

static char *tmpdir;

typedef struct {
  int status;
  char *out, *err;
} Run;

static Run
run_cli(const char *first, ...)
{
  GPtrArray *argv = g_ptr_array_new();
  g_ptr_array_add(argv, (char *)g_getenv("GB_CLI"));
  va_list ap;
  va_start(ap, first);
  for (const char *a = first; a != NULL; a = va_arg(ap, const char *))
    g_ptr_array_add(argv, (char *)a);
  va_end(ap);
  g_ptr_array_add(argv, NULL);
  Run r = {0};
  GError *error = NULL;
  int wait_status;
  if (!g_spawn_sync(tmpdir, (char **)argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, &r.out, &r.err,
                    &wait_status, &error))
    g_error("cannot run %s: %s", g_getenv("GB_CLI"), error->message);
  r.status = WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -1;
  g_ptr_array_free(argv, TRUE);
  return r;
}

static void
expect(Run r, int status, const char *out, const char *err)
{
  if (r.status != status || (out && !strstr(r.out, out)) || (err && !strstr(r.err, err)))
    g_error("expected exit %d with '%s' / '%s'; got %d\nstdout:\n%s\nstderr:\n%s", status,
            out ? out : "", err ? err : "", r.status, r.out, r.err);
  g_free(r.out);
  g_free(r.err);
}

static char *
path_in_tmp(const char *name)
{
  return g_build_filename(tmpdir, name, NULL);
}

/* Lines of a CSV file in the temporary directory, header included. */
static char **
read_csv(const char *name)
{
  g_autofree char *path = path_in_tmp(name), *text = NULL;
  g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
  g_strchomp(text);
  return g_strsplit(text, "\n", -1);
}

/* The PNG has the expected size and shows more than a blank page: some coloured pixels. */
static void
assert_png(const char *name, int min_width)
{
  g_autofree char *path = path_in_tmp(name);
  cairo_surface_t *s = cairo_image_surface_create_from_png(path);
  g_assert_cmpint(cairo_surface_status(s), ==, CAIRO_STATUS_SUCCESS);
  int w = cairo_image_surface_get_width(s), h = cairo_image_surface_get_height(s);
  g_assert_cmpint(w, >=, min_width);
  const unsigned char *d = cairo_image_surface_get_data(s);
  int stride = cairo_image_surface_get_stride(s), coloured = 0;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      const unsigned char *p = d + (size_t)y * stride + 4 * x; /* B G R A */
      int mx = MAX(p[0], MAX(p[1], p[2])), mn = MIN(p[0], MIN(p[1], p[2]));
      coloured += mx - mn > 60;
    }
  g_assert_cmpint(coloured, >, w * h / 50);
  cairo_surface_destroy(s);
}

static void
test_usage(void)
{
  expect(run_cli("global", "--help", NULL), 0, "clever-hans", NULL);
  expect(run_cli("global", NULL), 2, NULL, "one VIEW");
  expect(run_cli("global", "bogus", "--model", "m.safetensors", NULL), 2, NULL,
         "unknown view 'bogus'");
  expect(run_cli("global", "class-maps", "--data", "synthetic-images:10:12", NULL), 2, NULL,
         "needs --model and --data");
  expect(run_cli("global", "counterfactual", "--model", "m.safetensors", "--data",
                 "synthetic-images:10:12", NULL),
         2, NULL, "needs --target");
  expect(run_cli("global", "importance", "--patch", "0", "--model", "m", "--data", "d", NULL), 2,
         NULL, "--patch");
  expect(run_cli("global", "prototypes", "--model", "missing.safetensors", "--data",
                 "synthetic-images:10:12", NULL),
         3, NULL, "missing.safetensors");
  expect(run_cli("global", "actmax", "--model", "m.safetensors", "--plot", "out.bmp", NULL), 3,
         NULL, "out.bmp");
}

static void
test_views(void)
{
  expect(run_cli("train", "--arch", "mlp", "--data", "synthetic-images:1000:12", "--epochs", "5",
                 "--out", "m.safetensors", NULL),
         0, NULL, NULL);
  /* Class maps: one row per class and feature; the counts cover the 100 samples. */
  expect(run_cli("global", "class-maps", "--model", "m.safetensors", "--data",
                 "synthetic-images:100:12:5", "--csv", "maps.csv", "--plot", "maps.png", NULL),
         0, "class 0:", NULL);
  g_auto(GStrv) rows = read_csv("maps.csv");
  g_assert_cmpstr(rows[0], ==, "class,count,feature,value");
  int n_rows = (int)g_strv_length(rows) - 1, total = 0;
  g_assert_cmpint(n_rows, ==, 10 * 144);
  for (int c = 0; c < 10; c++)
    total += atoi(strchr(rows[1 + c * 144], ',') + 1);
  g_assert_cmpint(total, ==, 100);
  assert_png("maps.png", 600);
  /* Any method of 'explain' also makes class maps: gradient x input through gb_explain, one
   * sample at a time, gives the batched method's numbers. */
  expect(run_cli("global", "class-maps", "--model", "m.safetensors", "--data",
                 "synthetic-images:100:12:5", "--method", "gradxinput", "--csv", "maps2.csv",
                 NULL),
         0, "class 0:", NULL);
  g_auto(GStrv) rows2 = read_csv("maps2.csv");
  g_assert_cmpint(g_strv_length(rows2), ==, g_strv_length(rows));
  for (guint i = 1; rows[i] != NULL && rows[i][0] != '\0'; i++) {
    g_auto(GStrv) a = g_strsplit(rows[i], ",", -1);
    g_auto(GStrv) b = g_strsplit(rows2[i], ",", -1);
    g_assert_cmpfloat_with_epsilon(g_ascii_strtod(a[3], NULL), g_ascii_strtod(b[3], NULL), 1e-5);
  }
  expect(run_cli("global", "class-maps", "--model", "m.safetensors", "--data",
                 "synthetic-images:100:12:5", "--method", "occlusion", NULL),
         0, "class 0:", NULL);
  expect(run_cli("global", "class-maps", "--model", "m.safetensors", "--data",
                 "synthetic-images:100:12:5", "--method", "telepathy", NULL),
         2, NULL, "any method of 'explain'");
  /* Adversarial: every perturbation within the budget, and the CSV says so. */
  expect(run_cli("global", "adversarial", "--model", "m.safetensors", "--data",
                 "synthetic-images:100:12:5", "--n", "10", "--eps", "0.2", "--csv", "adv.csv",
                 "--plot", "adv.png", NULL),
         0, "attacks succeeded within L-inf 0.2000", NULL);
  g_auto(GStrv) adv = read_csv("adv.csv");
  g_assert_cmpint(g_strv_length(adv), ==, 11);
  for (int i = 1; i <= 10; i++) {
    g_auto(GStrv) f = g_strsplit(adv[i], ",", -1);
    g_assert_cmpfloat(g_ascii_strtod(f[5], NULL), <=, 0.2 + 1e-6);
  }
  assert_png("adv.png", 800);
  expect(run_cli("global", "counterfactual", "--model", "m.safetensors", "--data",
                 "synthetic-images:100:12:5", "--index", "3", "--target", "9", "--index", "3",
                 "--plot", "cf.svg", NULL),
         0, "wrote cf.svg", NULL);
  expect(run_cli("global", "importance", "--kind", "permutation", "--model", "m.safetensors",
                 "--data", "synthetic-images:100:12:5", "--csv", "perm.csv", NULL),
         0, "permutation importance over 100 samples, 9 segments", NULL);
}

/* The Clever Hans model puts more relevance on the mark than the clean one, and says the mark's
 * class for more of the marked digits. */
static void
test_clever_hans(void)
{
  expect(run_cli("global", "clever-hans", "--data", "synthetic-images:1600:12", "--epochs", "5",
                 "--csv", "hans.csv", "--plot", "hans.png", NULL),
         0, "Clever Hans model", NULL);
  g_auto(GStrv) rows = read_csv("hans.csv");
  g_assert_cmpint(g_strv_length(rows), ==, 3);
  g_auto(GStrv) hans = g_strsplit(rows[1], ",", -1), clean = g_strsplit(rows[2], ",", -1);
  g_assert_cmpstr(hans[0], ==, "Clever Hans");
  g_assert_cmpstr(clean[0], ==, "clean");
  double hans_called = g_ascii_strtod(hans[2], NULL), clean_called = g_ascii_strtod(clean[2], NULL);
  double hans_share = g_ascii_strtod(hans[3], NULL), clean_share = g_ascii_strtod(clean[3], NULL);
  g_test_message("called 0: %.3f vs %.3f; share on the mark %.3f vs %.3f", hans_called,
                 clean_called, hans_share, clean_share);
  g_assert_cmpfloat(hans_called, >, 2 * clean_called);
  g_assert_cmpfloat(hans_share, >, 2 * clean_share);
  assert_png("hans.png", 600);
  /* EEG: blinks that go with targets; shuffling Fp1/Fp2 costs the Clever Hans model more. */
  expect(run_cli("global", "clever-hans", "--eeg", "--n", "2", "--epochs", "5", "--csv", "eeg.csv",
                 "--plot", "eeg.png", NULL),
         0, "frontal channels (at least 50% of a blink): Fp1 (100%) Fp2 (100%)", NULL);
  g_auto(GStrv) eeg = read_csv("eeg.csv");
  g_assert_cmpint(g_strv_length(eeg), ==, 3);
  g_assert_true(g_str_has_prefix(eeg[0], "model,balanced_accuracy,blinked_called_target,"
                                         "frontal_relevance_share,frontal_permutation_share,"
                                         "drop_Fp1"));
  g_auto(GStrv) eh = g_strsplit(eeg[1], ",", -1), ec = g_strsplit(eeg[2], ",", -1);
  g_assert_cmpfloat(g_ascii_strtod(eh[2], NULL), >, g_ascii_strtod(ec[2], NULL));
  g_assert_cmpfloat(g_ascii_strtod(eh[4], NULL), >, 2 * g_ascii_strtod(ec[4], NULL));
  assert_png("eeg.png", 800);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  if (g_getenv("GB_CLI") == NULL) {
    printf("1..0 # SKIP GB_CLI not set\n");
    return 0;
  }
  tmpdir = g_dir_make_tmp("gb-cli-global-XXXXXX", NULL);
  g_test_add_func("/cli/global/usage", test_usage);
  g_test_add_func("/cli/global/views", test_views);
  g_test_add_func("/cli/global/clever-hans", test_clever_hans);
  int r = g_test_run();
  gb_test_remove_tree(tmpdir);
  g_free(tmpdir);
  return r;
}

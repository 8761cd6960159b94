/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <matio.h>
#include <string.h>

#include "gb-alloc.h"
#include "gb-test-util.h"
#include "gb-eeg-mat.h"

/* A small BCI Competition III data set II look-alike: 2 characters of 600 samples at 64
 * channels. Flashes last 24 samples (100 ms at 240 Hz) every 42 (SOA 175 ms); character 0
 * starts flashing at sample 0 (the "onset at n = 0" rule), character 1 at sample 30. Flash j
 * has StimulusCode j % 12 + 1; the targets are codes 3 and 9 (character 0) and 5 and 11
 * (character 1). Signal(k, n, c) = 100000 k + 1000 c + n, exact in single precision, so every
 * sample read back says where it came from. */
#define K      2
#define N      600
#define C      64
#define FLASH  24
#define SOA    42
#define WINDOW 192

static char *tmp_dir;

typedef struct {
  bool no_type;         /* a test file: no StimulusType, no TargetChar */
  bool no_flashing;     /* leave Flashing out */
  int n_channels;       /* Signal's third dimension (C unless testing a wrong shape) */
  int flashing_samples; /* Flashing's second dimension (N unless testing a mismatch) */
  bool signal_2d;       /* Signal as chars x (samples * 64) */
  bool double_signal;   /* Signal in double precision, Flashing logical, codes int16 */
  bool nan;             /* Signal(2, 18, 6) = NaN */
  bool bad_flash;       /* Flashing(1, 5) = 0.5 */
} Fixture;

static int
first_flash(int k)
{
  return k == 0 ? 0 : 30;
}

/* Number of flashes of character @k that fit in the recording. */
static int
n_flashes(int k)
{
  return (N - FLASH - first_flash(k)) / SOA + 1;
}

static bool
is_target(int k, int code)
{
  return k == 0 ? code == 3 || code == 9 : code == 5 || code == 11;
}

static double
signal_value(int k, int n, int c)
{
  return 100000.0 * k + 1000.0 * c + n;
}

static void
write_var(mat_t *m, const char *name, enum matio_classes cls, enum matio_types type, int rank,
          size_t *dims, void *data, int opt, enum matio_compression comp)
{
  matvar_t *v = Mat_VarCreate(name, cls, type, rank, dims, data, opt);
  g_assert_nonnull(v);
  g_assert_cmpint(Mat_VarWrite(m, v, comp), ==, 0);
  Mat_VarFree(v);
}

static void
write_signal(mat_t *m, const Fixture *fx, enum matio_compression comp)
{
  int nc = fx->n_channels ? fx->n_channels : C;
  size_t dims[3] = {K, N, (size_t)nc}, total = (size_t)K * N * nc;
  double *d = g_new(double, total);
  float *f = g_new(float, total);
  for (int c = 0; c < nc; c++)
    for (int n = 0; n < N; n++)
      for (int k = 0; k < K; k++) {
        size_t i = k + (size_t)K * (n + (size_t)N * c); /* column-major */
        d[i] = signal_value(k, n, c);
        if (fx->nan && k == 1 && n == 17 && c == 5)
          d[i] = NAN;
        f[i] = (float)d[i];
      }
  if (fx->signal_2d) {
    size_t dims2[2] = {K, (size_t)N * nc};
    write_var(m, "Signal", MAT_C_SINGLE, MAT_T_SINGLE, 2, dims2, f, 0, comp);
  } else if (fx->double_signal) {
    write_var(m, "Signal", MAT_C_DOUBLE, MAT_T_DOUBLE, 3, dims, d, 0, comp);
  } else {
    write_var(m, "Signal", MAT_C_SINGLE, MAT_T_SINGLE, 3, dims, f, 0, comp);
  }
  g_free(d);
  g_free(f);
}

/* Flashing, StimulusCode and StimulusType. */
static void
write_events(mat_t *m, const Fixture *fx, enum matio_compression comp)
{
  int ns = fx->flashing_samples ? fx->flashing_samples : N;
  size_t dims[2] = {K, (size_t)ns}, total = (size_t)K * ns;
  double *flash = g_new0(double, total), *code = g_new0(double, total),
         *type = g_new0(double, total);
  for (int k = 0; k < K; k++)
    for (int j = 0; j < n_flashes(k); j++)
      for (int n = first_flash(k) + SOA * j; n < first_flash(k) + SOA * j + FLASH && n < ns; n++) {
        flash[k + K * n] = 1;
        code[k + K * n] = j % 12 + 1;
        type[k + K * n] = is_target(k, j % 12 + 1);
      }
  if (fx->bad_flash)
    flash[0 + K * 4] = 0.5;
  if (fx->double_signal) {
    guint8 *logical = g_new(guint8, total);
    gint16 *codes16 = g_new(gint16, total);
    for (size_t i = 0; i < total; i++) {
      logical[i] = flash[i] != 0;
      codes16[i] = (gint16)code[i];
    }
    write_var(m, "Flashing", MAT_C_UINT8, MAT_T_UINT8, 2, dims, logical, MAT_F_LOGICAL, comp);
    write_var(m, "StimulusCode", MAT_C_INT16, MAT_T_INT16, 2, dims, codes16, 0, comp);
    g_free(logical);
    g_free(codes16);
  } else {
    if (!fx->no_flashing)
      write_var(m, "Flashing", MAT_C_DOUBLE, MAT_T_DOUBLE, 2, dims, flash, 0, comp);
    write_var(m, "StimulusCode", MAT_C_DOUBLE, MAT_T_DOUBLE, 2, dims, code, 0, comp);
  }
  if (!fx->no_type)
    write_var(m, "StimulusType", MAT_C_DOUBLE, MAT_T_DOUBLE, 2, dims, type, 0, comp);
  g_free(flash);
  g_free(code);
  g_free(type);
}

static char *
write_fixture(const char *name, enum mat_ft version, enum matio_compression comp, const Fixture *fx)
{
  char *path = g_build_filename(tmp_dir, name, NULL);
  g_remove(path);
  mat_t *m = Mat_CreateVer(path, NULL, version);
  g_assert_nonnull(m);
  write_signal(m, fx, comp);
  write_events(m, fx, comp);
  if (!fx->no_type) {
    size_t dims[2] = {1, K};
    char text[] = "AB";
    write_var(m, "TargetChar", MAT_C_CHAR, MAT_T_UTF8, 2, dims, text, 0, comp);
  }
  Mat_Close(m);
  return path;
}

static char *
write_default(const char *name, enum mat_ft version, enum matio_compression comp)
{
  Fixture fx = {0};
  return write_fixture(name, version, comp, &fx);
}

/* ---- Reading good files --------------------------------------------------------------------- */

/* Checks every trial of @set against the fixture read with window [tmin, tmin + n_times). */
static void
check_set(const GbEegSet *set, const GbEegMatInfo *info, int offset, bool labelled)
{
  int trial = 0, dropped = 0, onsets = 0;
  for (int k = 0; k < K; k++) {
    g_assert_cmpint(info->character_start[k], ==, trial);
    for (int j = 0; j < n_flashes(k); j++) {
      int onset = first_flash(k) + SOA * j, start = onset + offset;
      onsets++;
      if (start < 0 || start + set->n_times > N) {
        dropped++;
        continue;
      }
      int code = j % 12 + 1;
      g_assert_cmpint(set->stimulus[trial], ==, code);
      g_assert_cmpint(set->data->labels[trial], ==, labelled ? is_target(k, code) : 0);
      g_assert_cmpint(set->subject[trial], ==, 0);
      const float *x = set->data->x->data + (size_t)trial * set->n_times * C;
      for (int t = 0; t < set->n_times; t++)
        for (int c = 0; c < C; c++)
          if (x[t * C + c] != (float)signal_value(k, start + t, c))
            g_error("trial %d (character %d, onset %d): x[%d][%d] = %g, expected %g", trial, k,
                    onset, t, c, x[t * C + c], signal_value(k, start + t, c));
      trial++;
    }
  }
  g_assert_cmpint(info->character_start[K], ==, trial);
  g_assert_cmpint(gb_dataset_size(set->data), ==, trial);
  g_assert_cmpint(info->n_onsets, ==, onsets);
  g_assert_cmpint(info->n_dropped, ==, dropped);
  g_assert_cmpint(info->n_characters, ==, K);
  g_assert_cmpint(info->n_samples, ==, N);
  g_assert_true(info->has_labels == labelled);
}

static void
check_channels(const GbEegSet *set)
{
  g_assert_cmpint(set->n_channels, ==, 64);
  g_assert_cmpstr(set->channels[0].label, ==, "FC5");
  g_assert_cmpstr(set->channels[10].label, ==, "Cz");
  g_assert_cmpstr(set->channels[17].label, ==, "CPz");
  g_assert_cmpstr(set->channels[33].label, ==, "Fz");
  g_assert_cmpstr(set->channels[50].label, ==, "Pz");
  g_assert_cmpstr(set->channels[55].label, ==, "PO7");
  g_assert_cmpstr(set->channels[59].label, ==, "PO8");
  g_assert_cmpstr(set->channels[61].label, ==, "Oz");
  g_assert_cmpstr(set->channels[63].label, ==, "Iz");
  g_assert_cmpfloat(fabs(set->channels[10].x) + fabs(set->channels[10].y), <, 1e-6);
  g_assert_cmpfloat(fabs(set->channels[33].x), <, 1e-6);
  g_assert_cmpfloat(fabs(set->channels[33].y - 0.203f), <, 1e-6);
  g_assert_cmpfloat(fabs(set->channels[50].x), <, 1e-6);
  g_assert_cmpfloat(fabs(set->channels[50].y + 0.181f), <, 1e-6);
  /* C3 is left of Cz (theta -90 degrees): x = -0.203. */
  g_assert_cmpfloat(fabs(set->channels[8].x + 0.203f), <, 1e-6);
  for (int c = 0; c < 64; c++)
    g_assert_cmpfloat(hypotf(set->channels[c].x, set->channels[c].y), <=, 0.5f);
}

static void
read_and_check(enum mat_ft version, enum matio_compression comp, const char *format)
{
  char *path = write_default("good.mat", version, comp);
  GbEegMatInfo info;
  GbError err = {0};
  GbEegSet *set = gb_eeg_mat_read(path, NULL, &info, &err);
  if (set == NULL)
    g_error("%s", err.message);
  g_assert_cmpint(set->n_times, ==, WINDOW);
  g_assert_cmpfloat(set->srate, ==, 240);
  g_assert_cmpfloat(set->t0, ==, 0);
  g_assert_cmpint(gb_dataset_size(set->data), ==, 20);
  check_set(set, &info, 0, true);
  check_channels(set);
  g_assert_cmpstr(info.target_chars, ==, "AB");
  g_assert_cmpstr(info.format, ==, format);
  g_assert_cmpstr(set->source, ==, path);
  g_assert_cmpint(info.n_dropped, ==, 8);
  gb_eeg_mat_info_clear(&info);
  gb_eeg_set_free(set);
  g_free(path);
}

static void
test_read_v5(void)
{
  read_and_check(MAT_FT_MAT5, MAT_COMPRESSION_NONE, "MAT 5");
}

static void
test_read_v5_compressed(void)
{
  read_and_check(MAT_FT_MAT5, MAT_COMPRESSION_ZLIB, "MAT 5 (compressed)");
}

static void
test_read_v73(void)
{
  read_and_check(MAT_FT_MAT73, MAT_COMPRESSION_ZLIB, "MAT 7.3");
}

static void
test_read_test_file(void)
{
  Fixture fx = {.no_type = true};
  char *path = write_fixture("test-file.mat", MAT_FT_MAT5, MAT_COMPRESSION_ZLIB, &fx);
  GbEegMatInfo info;
  GbError err = {0};
  GbEegSet *set = gb_eeg_mat_read(path, NULL, &info, &err);
  g_assert_nonnull(set);
  check_set(set, &info, 0, false);
  g_assert_null(info.target_chars);
  g_assert_nonnull(strstr(set->source, "labels unknown"));
  gb_eeg_mat_info_clear(&info);
  gb_eeg_set_free(set);
  g_free(path);
}

static void
test_read_window(void)
{
  char *path = write_default("window.mat", MAT_FT_MAT5, MAT_COMPRESSION_NONE);
  GbEegMatOptions opt;
  gb_eeg_mat_options_init(&opt);
  opt.tmin = -0.1;
  opt.tmax = 0.5;
  GbEegMatInfo info;
  GbError err = {0};
  GbEegSet *set = gb_eeg_mat_read(path, &opt, &info, &err);
  g_assert_nonnull(set);
  g_assert_cmpint(set->n_times, ==, 144);
  g_assert_cmpfloat(fabs(set->t0 + 0.1), <, 1e-12);
  check_set(set, &info, -24, true);
  gb_eeg_mat_info_clear(&info);
  gb_eeg_set_free(set);

  opt.tmax = -0.5;
  g_assert_null(gb_eeg_mat_read(path, &opt, NULL, &err));
  g_assert_cmpint(err.code, ==, GB_ERR_INVALID);
  g_assert_nonnull(strstr(err.message, path));
  /* A window longer than the recording keeps nothing. */
  opt.tmin = 0;
  opt.tmax = 3;
  g_assert_null(gb_eeg_mat_read(path, &opt, NULL, &err));
  g_assert_nonnull(strstr(err.message, "leaves room for a 720-sample epoch"));
  g_free(path);
}

static void
test_read_classes(void)
{
  Fixture fx = {.double_signal = true};
  char *path = write_fixture("classes.mat", MAT_FT_MAT5, MAT_COMPRESSION_NONE, &fx);
  GbEegMatInfo info;
  GbError err = {0};
  GbEegSet *set = gb_eeg_mat_read(path, NULL, &info, &err);
  if (set == NULL)
    g_error("%s", err.message);
  check_set(set, &info, 0, true);
  gb_eeg_mat_info_clear(&info);
  gb_eeg_set_free(set);
  g_free(path);
}

/* The prefilter runs on each character's continuous signal before epoching. */
static void
test_read_prefilter(void)
{
  char *path = write_default("prefilter.mat", MAT_FT_MAT5, MAT_COMPRESSION_NONE);
  GbError err = {0};
  GbEegSos *sos = gb_eeg_sos_butter_bandpass(2, 0.5, 20, 240, &err);
  GbEegMatOptions opt;
  gb_eeg_mat_options_init(&opt);
  opt.prefilter = sos;
  GbEegMatInfo info;
  GbEegSet *set = gb_eeg_mat_read(path, &opt, &info, &err);
  g_assert_nonnull(set);
  /* Trial 11 is character 1's second flash (onset 72); check channels 0 and 40. */
  for (int c = 0; c < 64; c += 40) {
    float series[N];
    for (int n = 0; n < N; n++)
      series[n] = (float)signal_value(1, n, c);
    g_assert_cmpint(gb_eeg_sos_filtfilt(sos, series, N, 1, &err), ==, GB_OK);
    const float *x = set->data->x->data + (size_t)11 * WINDOW * C;
    for (int t = 0; t < WINDOW; t++)
      g_assert_cmpfloat(x[t * C + c], ==, series[72 + t]);
  }
  gb_eeg_mat_info_clear(&info);
  gb_eeg_set_free(set);
  gb_eeg_sos_free(sos);
  g_free(path);
}

static bool
cancel_cb(void *user, double fraction, const char *stage)
{
  (void)fraction;
  (void)stage;
  return ++*(int *)user < 2;
}

static void
test_read_cancel(void)
{
  char *path = write_default("cancel.mat", MAT_FT_MAT5, MAT_COMPRESSION_NONE);
  int calls = 0;
  GbEegMatOptions opt;
  gb_eeg_mat_options_init(&opt);
  opt.progress = cancel_cb;
  opt.progress_user = &calls;
  GbError err = {0};
  g_assert_null(gb_eeg_mat_read(path, &opt, NULL, &err));
  g_assert_cmpint(err.code, ==, GB_ERR_CANCELLED);
  g_free(path);
}

/* ---- Bad files ------------------------------------------------------------------------------ */

static void
expect_error(const char *path, GbStatus code, const char *fragment)
{
  GbEegMatInfo info;
  GbError err = {0};
  GbEegSet *set = gb_eeg_mat_read(path, NULL, &info, &err);
  if (set != NULL)
    g_error("%s: read, expected an error containing '%s'", path, fragment);
  g_test_message("%s", err.message);
  if (code != GB_OK)
    g_assert_cmpint(err.code, ==, code);
  g_assert_nonnull(strstr(err.message, path));
  if (fragment != NULL && strstr(err.message, fragment) == NULL)
    g_error("message '%s' lacks '%s'", err.message, fragment);
  g_assert_null(info.character_start);
}

static void
expect_fixture_error(const Fixture *fx, GbStatus code, const char *fragment)
{
  char *path = write_fixture("bad.mat", MAT_FT_MAT5, MAT_COMPRESSION_ZLIB, fx);
  expect_error(path, code, fragment);
  g_free(path);
}

static void
test_reject_shapes(void)
{
  Fixture fx = {.n_channels = 32};
  expect_fixture_error(&fx, GB_ERR_SHAPE,
                       "'Signal' is 2x600x32, expected characters x samples x 64");
  fx = (Fixture){.flashing_samples = 599};
  expect_fixture_error(&fx, GB_ERR_SHAPE, "'Flashing' is 2x599 but Signal is 2x600x64");
  fx = (Fixture){.signal_2d = true};
  expect_fixture_error(&fx, GB_ERR_SHAPE, "'Signal' is 2x38400");
  fx = (Fixture){.no_flashing = true};
  expect_fixture_error(&fx, GB_ERR_FORMAT, "missing variable 'Flashing'");
}

static void
test_reject_values(void)
{
  Fixture fx = {.nan = true};
  expect_fixture_error(&fx, GB_ERR_NUMERIC, "Signal(2,18,6) is NaN");
  fx = (Fixture){.bad_flash = true};
  expect_fixture_error(&fx, GB_ERR_FORMAT, "Flashing(1,5) is 0.5, expected 0 or 1");
}

static char *
write_bytes(const char *name, const void *data, size_t n)
{
  char *path = g_build_filename(tmp_dir, name, NULL);
  GError *error = NULL;
  if (!g_file_set_contents(path, data, (gssize)n, &error))
    g_error("%s", error->message);
  return path;
}

/* A tag whose byte count runs past the end of the file is refused before libmatio, which would
 * allocate that count (gigabytes) first: found by fuzzing (tests/fuzz-regressions/mat). */
static void
test_reject_element_size(void)
{
  char *path = write_default("size.mat", MAT_FT_MAT5, MAT_COMPRESSION_NONE);
  char *data;
  gsize n;
  g_assert_true(g_file_get_contents(path, &data, &n, NULL));
  guint32 huge = GUINT32_TO_LE(0x7fffffffu);
  memcpy(data + 132, &huge, 4); /* the first element's byte count (little-endian file) */
  g_free(path);
  path = write_bytes("size.mat", data, n);
  GbError err = {0};
  g_assert_null(gb_eeg_mat_read(path, NULL, NULL, &err));
  gb_test_assert_message(&err, path, "the data element at byte 128 claims 2147483647 bytes");
  g_free(data);
  g_free(path);
}

/* A compressed variable whose inflated contents claim more than they hold (480 bytes that made
 * libmatio use 3 GB for 7 s) is refused after inflating it into a small buffer: found by the
 * fuzzer (tests/fuzz-regressions/mat/oom-matio-compressed-size). */
static void
test_reject_compressed_size(void)
{
  g_autofree char *path = g_test_build_filename(G_TEST_DIST, "fuzz-regressions", "mat",
                                                "oom-matio-compressed-size", NULL);
  g_autofree char *copy = g_build_filename(tmp_dir, "compressed.mat", NULL);
  g_autofree char *data = NULL;
  gsize n;
  g_assert_true(g_file_get_contents(path, &data, &n, NULL));
  g_assert_true(g_file_set_contents(copy, data, (gssize)n, NULL));
  GbError err = {0};
  gint64 t0 = g_get_monotonic_time();
  g_assert_null(gb_eeg_mat_read(copy, NULL, NULL, &err));
  g_test_message("refused in %.1f ms", (g_get_monotonic_time() - t0) / 1000.0);
  gb_test_assert_message(&err, copy, "the compressed variable at byte 128 claims");
  g_assert_nonnull(strstr(err.message, "but inflates to only"));
}

static void
test_reject_truncated(void)
{
  struct {
    enum mat_ft version;
    enum matio_compression comp;
  } kinds[] = {{MAT_FT_MAT5, MAT_COMPRESSION_NONE},
               {MAT_FT_MAT5, MAT_COMPRESSION_ZLIB},
               {MAT_FT_MAT73, MAT_COMPRESSION_ZLIB}};
  for (size_t i = 0; i < G_N_ELEMENTS(kinds); i++) {
    char *good = write_default("whole.mat", kinds[i].version, kinds[i].comp);
    gchar *bytes;
    gsize size;
    g_assert_true(g_file_get_contents(good, &bytes, &size, NULL));
    size_t cuts[] = {0, 10, 127, 128, 200, 1000, size / 3, size / 2, size - 100, size - 9};
    for (size_t j = 0; j < G_N_ELEMENTS(cuts); j++) {
      char *path = write_bytes("truncated.mat", bytes, cuts[j]);
      g_test_message("cut at %zu of %zu bytes", cuts[j], size);
      expect_error(path, GB_OK, NULL);
      g_free(path);
    }
    g_free(bytes);
    g_free(good);
  }
}

static void
test_reject_garbage(void)
{
  guint8 noise[4000];
  GRand *rng = g_rand_new_with_seed(11);
  for (size_t i = 0; i < sizeof noise; i++)
    noise[i] = (guint8)g_rand_int_range(rng, 0, 256);
  char *path = write_bytes("noise.mat", noise, sizeof noise);
  expect_error(path, GB_ERR_FORMAT, "not a MATLAB MAT-file");
  g_free(path);
  const char text[] = "Signal = rand(85, 7794, 64)\n% a MATLAB script, not data\n"
                      "................................................................"
                      "................................................................";
  path = write_bytes("script.mat", text, sizeof text - 1);
  expect_error(path, GB_ERR_FORMAT, "not a MATLAB MAT-file");
  g_free(path);
  path = write_bytes("empty.mat", "", 0);
  expect_error(path, GB_ERR_FORMAT, "only 0 bytes");
  g_free(path);

  /* A good header followed by noise, and a compressed file with its middle scrambled. */
  char *good = write_default("whole.mat", MAT_FT_MAT5, MAT_COMPRESSION_ZLIB);
  gchar *bytes;
  gsize size;
  g_assert_true(g_file_get_contents(good, &bytes, &size, NULL));
  for (int trial = 0; trial < 8; trial++) {
    gsize from = trial < 4 ? 128 : size / 2;
    for (gsize i = from; i < from + 64 + 200 * trial && i < size; i++)
      bytes[i] = (char)g_rand_int_range(rng, 0, 256);
    path = write_bytes("scrambled.mat", bytes, size);
    GbError err = {0};
    GbEegSet *set = gb_eeg_mat_read(path, NULL, NULL, &err);
    /* Noise where only sample values live can go unnoticed; anything else must be refused. */
    if (set == NULL)
      g_assert_nonnull(strstr(err.message, path));
    gb_eeg_set_free(set);
    g_free(path);
  }
  g_free(bytes);
  g_free(good);
  g_rand_free(rng);

  path = g_build_filename(tmp_dir, "missing.mat", NULL);
  expect_error(path, GB_ERR_IO, "No such file");
  g_free(path);
  expect_error(tmp_dir, GB_ERR_IO, "not a regular file");
}

static void
test_out_of_memory(void)
{
  char *path = write_default("oom.mat", MAT_FT_MAT5, MAT_COMPRESSION_NONE);
  for (long n = 1;; n++) {
    GbEegMatInfo info;
    GbError err = {0};
    gb_alloc_fail_after(n);
    GbEegSet *set = gb_eeg_mat_read(path, NULL, &info, &err);
    gb_alloc_fail_after(0);
    if (set != NULL) {
      gb_eeg_mat_info_clear(&info);
      gb_eeg_set_free(set);
      break;
    }
    if (err.code != GB_ERR_NOMEM)
      g_error("allocation %ld failing: %s", n, err.message);
    g_assert_cmpint(n, <, 100);
  }
  g_free(path);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  tmp_dir = g_dir_make_tmp("glassbox-eeg-mat-XXXXXX", NULL);
  g_assert_nonnull(tmp_dir);
  g_test_add_func("/datasets/eeg-mat/read/v5", test_read_v5);
  g_test_add_func("/datasets/eeg-mat/read/v5-compressed", test_read_v5_compressed);
  g_test_add_func("/datasets/eeg-mat/read/v7.3", test_read_v73);
  g_test_add_func("/datasets/eeg-mat/read/test-file", test_read_test_file);
  g_test_add_func("/datasets/eeg-mat/read/window", test_read_window);
  g_test_add_func("/datasets/eeg-mat/read/classes", test_read_classes);
  g_test_add_func("/datasets/eeg-mat/read/prefilter", test_read_prefilter);
  g_test_add_func("/datasets/eeg-mat/read/cancel", test_read_cancel);
  g_test_add_func("/datasets/eeg-mat/reject/shapes", test_reject_shapes);
  g_test_add_func("/datasets/eeg-mat/reject/values", test_reject_values);
  g_test_add_func("/datasets/eeg-mat/reject/truncated", test_reject_truncated);
  g_test_add_func("/datasets/eeg-mat/reject/garbage", test_reject_garbage);
  g_test_add_func("/datasets/eeg-mat/out-of-memory", test_out_of_memory);
  g_test_add_func("/datasets/eeg-mat/reject/element-size", test_reject_element_size);
  g_test_add_func("/datasets/eeg-mat/reject/compressed-size", test_reject_compressed_size);
  int status = g_test_run();
  gb_test_remove_tree(tmp_dir);
  g_free(tmp_dir);
  return status;
}

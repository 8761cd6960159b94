/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <xdfio.h>

#include "gb-alloc.h"
#include "gb-test-util.h"
#include "gb-eeg-xdf.h"

/* Recordings written with libxdffileio itself: 10 s at 256 Hz of five EEG-like channels
 * (x_c(n) = 50 sin(2 pi (c + 1) n / 256) + 10 c microvolts, physical range +-500 uV) and, for
 * EDF and BDF, a "Status" trigger channel carrying 10-sample pulses with the event codes. GDF
 * files carry the same events in their event table instead. Events: sample 10 (code 2), then
 * every 77 samples from 100 (30 events: code 2 when i % 5 == 0, 7 when i % 5 == 4, else 1), and
 * sample 2500 (code 1), whose 0.8 s window runs past the end. */
#define FS     256
#define NS     (10 * FS)
#define NE     5
#define WINDOW 205 /* round(0.8 * 256) */

static const char *const file_labels[NE] = {"Fz", "Cz", "EEG Pz-REF", "Fc5.", "EXG1"};
static const char *const clean_labels[NE] = {"Fz", "Cz", "Pz", "FC5", "EXG1"};

static char *tmp_dir;

typedef struct {
  enum xdffiletype type;
  bool no_trigger;          /* EDF/BDF without a Status channel */
  bool silent_trigger;      /* Status always 0 */
  bool only_code7;          /* every event coded 7 */
  unsigned int status_bits; /* OR'ed into every Status sample (BioSemi device status) */
} XFixture;

typedef struct {
  int sample, code;
} Ev;

static int
fixture_events(const XFixture *fx, Ev *ev)
{
  int n = 0;
  ev[n++] = (Ev){10, 2};
  for (int i = 0; i < 30; i++)
    ev[n++] = (Ev){100 + 77 * i, i % 5 == 0 ? 2 : i % 5 == 4 ? 7 : 1};
  ev[n++] = (Ev){2500, 1};
  for (int i = 0; fx->only_code7 && i < n; i++)
    ev[i].code = 7;
  return n;
}

static double
signal_value(int c, int n)
{
  return 50 * sin(2 * M_PI * (c + 1) * n / FS) + 10 * c;
}

static bool
has_trigger(const XFixture *fx)
{
  return (fx->type == XDF_EDF || fx->type == XDF_BDF) && !fx->no_trigger;
}

static void
configure(struct xdf *x, const XFixture *fx)
{
  g_assert_cmpint(xdf_set_conf(x, XDF_F_SAMPLING_FREQ, FS, XDF_NOF), ==, 0);
  g_assert_cmpint(xdf_set_conf(x, XDF_CF_ARRTYPE, XDFDOUBLE, XDF_CF_ARRINDEX, 0, XDF_CF_ARROFFSET,
                               0, XDF_CF_PMIN, -500.0, XDF_CF_PMAX, 500.0, XDF_CF_UNIT, "uV",
                               XDF_NOF),
                  ==, 0);
  /* libxdffileio 0.3 writes float GDF 1 channels with a broken digital range: use integers. */
  if (fx->type == XDF_GDF1 || fx->type == XDF_GDF2)
    g_assert_cmpint(
        xdf_set_conf(x, XDF_CF_STOTYPE, fx->type == XDF_GDF1 ? XDFINT16 : XDFINT32, XDF_NOF), ==,
        0);
  for (int c = 0; c < NE; c++)
    g_assert_nonnull(xdf_add_channel(x, file_labels[c]));
  if (has_trigger(fx)) {
    /* Physical = digital: the codes go through unscaled. */
    double lim = fx->type == XDF_BDF ? 8388608.0 : 32768.0;
    struct xdfch *ch = xdf_add_channel(x, "Status");
    g_assert_nonnull(ch);
    g_assert_cmpint(xdf_set_chconf(ch, XDF_CF_PMIN, -lim, XDF_CF_PMAX, lim - 1, XDF_NOF), ==, 0);
  }
}

static char *
write_fixture(const char *name, const XFixture *fx)
{
  char *path = g_build_filename(tmp_dir, name, NULL);
  g_remove(path);
  errno = 0;
  struct xdf *x = xdf_open(path, XDF_WRITE, fx->type);
  if (x == NULL)
    g_error("%s: %s", path, g_strerror(errno));
  configure(x, fx);
  int nch = NE + has_trigger(fx);
  size_t stride = (size_t)nch * sizeof(double);
  g_assert_cmpint(xdf_define_arrays(x, 1, &stride), ==, 0);
  g_assert_cmpint(xdf_prepare_transfer(x), ==, 0);
  double *buf = g_new0(double, (size_t)NS *nch);
  Ev ev[64];
  int n_ev = fixture_events(fx, ev);
  for (int n = 0; n < NS; n++) {
    for (int c = 0; c < NE; c++)
      buf[(size_t)n * nch + c] = signal_value(c, n);
    if (has_trigger(fx))
      buf[(size_t)n * nch + NE] = fx->status_bits;
  }
  for (int e = 0; e < n_ev && has_trigger(fx) && !fx->silent_trigger; e++)
    for (int n = ev[e].sample; n < ev[e].sample + 10; n++)
      buf[(size_t)n * nch + NE] = (double)(ev[e].code | fx->status_bits);
  g_assert_cmpint(xdf_write(x, NS, buf), ==, NS);
  for (int e = 0; e < n_ev && (fx->type == XDF_GDF1 || fx->type == XDF_GDF2); e++) {
    int type = xdf_add_evttype(x, ev[e].code, NULL);
    g_assert_cmpint(type, >=, 0);
    g_assert_cmpint(xdf_add_event(x, type, ev[e].sample / (double)FS, 0), ==, 0);
  }
  g_assert_cmpint(xdf_close(x), ==, 0);
  g_free(buf);
  return path;
}

/* Overwrites @width bytes at @offset of @path with @text, blank-padded. */
static void
patch(const char *path, long offset, int width, const char *text)
{
  FILE *f = fopen(path, "r+b");
  g_assert_nonnull(f);
  g_assert_cmpint(fseek(f, offset, SEEK_SET), ==, 0);
  g_assert_cmpint(fprintf(f, "%-*.*s", width, width, text), ==, width);
  fclose(f);
}

/* Offset of channel @i's EDF/BDF field starting @field bytes into each channel block. */
static long
edf_field(int n_channels, int field, int width, int i)
{
  return 256L + (long)n_channels * field + (long)width * i;
}

/* ---- Reading -------------------------------------------------------------------------------- */

static int
expected_label(const int *targets, int n_t, const int *nontargets, int n_nt, int code)
{
  for (int i = 0; i < n_t; i++)
    if (targets[i] == code)
      return 1;
  for (int i = 0; i < n_nt; i++)
    if (nontargets[i] == code)
      return 0;
  return -1;
}

/* Checks the trials of @set: the fixture's events classified by the given codes, windows
 * starting @offset samples from each event, values within @tol of the written signal. */
static void
check_trials(const GbEegSet *set, const XFixture *fx, const int *targets, int n_t,
             const int *nontargets, int n_nt, int offset, double tol)
{
  Ev ev[64];
  int n_ev = fixture_events(fx, ev), trial = 0;
  for (int e = 0; e < n_ev; e++) {
    int label = expected_label(targets, n_t, nontargets, n_nt, ev[e].code);
    int start = ev[e].sample + offset;
    if (label < 0 || start < 0 || start + set->n_times > NS)
      continue;
    g_assert_cmpint(trial, <, gb_dataset_size(set->data));
    g_assert_cmpint(set->data->labels[trial], ==, label);
    g_assert_cmpint(set->stimulus[trial], ==, ev[e].code);
    g_assert_cmpint(set->subject[trial], ==, 0);
    const float *x = set->data->x->data + (size_t)trial * set->n_times * NE;
    for (int t = 0; t < set->n_times; t++)
      for (int c = 0; c < NE; c++)
        if (fabs(x[t * NE + c] - signal_value(c, start + t)) > tol)
          g_error("trial %d (event at %d), t %d, channel %d: %g, expected %g", trial, ev[e].sample,
                  t, c, x[t * NE + c], signal_value(c, start + t));
    trial++;
  }
  g_assert_cmpint(gb_dataset_size(set->data), ==, trial);
}

static void
check_channels(const GbEegSet *set)
{
  g_assert_cmpint(set->n_channels, ==, NE);
  for (int c = 0; c < NE; c++)
    g_assert_cmpstr(set->channels[c].label, ==, clean_labels[c]);
  g_assert_cmpfloat(fabs(set->channels[1].x) + fabs(set->channels[1].y), <, 1e-6); /* Cz */
  g_assert_cmpfloat(fabs(set->channels[0].y - 0.203f), <, 1e-6);                   /* Fz */
  g_assert_cmpfloat(fabs(set->channels[2].y + 0.181f), <, 1e-6);                   /* Pz */
  g_assert_cmpfloat(set->channels[3].x, <, -0.2f);                                 /* FC5: left */
  g_assert_cmpfloat(set->channels[4].x, ==, 0.0f); /* EXG1: no position */
  g_assert_cmpfloat(set->channels[4].y, ==, 0.0f);
}

static const int default_targets[] = {2, 0x8205};
static const int default_nontargets[] = {1, 0x8206};

static void
read_default(enum xdffiletype type, const char *name, const char *format, double tol,
             unsigned status_bits)
{
  XFixture fx = {.type = type, .status_bits = status_bits};
  char *path = write_fixture(name, &fx);
  GbEegXdfInfo info;
  GbError err = {0};
  GbEegSet *set = gb_eeg_xdf_read(path, NULL, &info, &err);
  if (set == NULL)
    g_error("%s", err.message);
  g_assert_cmpint(set->n_times, ==, WINDOW);
  g_assert_cmpfloat(set->srate, ==, FS);
  g_assert_cmpfloat(set->t0, ==, 0);
  check_trials(set, &fx, default_targets, 2, default_nontargets, 2, 0, tol);
  check_channels(set);
  g_assert_cmpstr(set->source, ==, path);
  g_assert_cmpstr(info.format, ==, format);
  g_assert_cmpfloat(info.srate, ==, FS);
  g_assert_cmpint(info.n_samples, ==, NS);
  g_assert_cmpint(info.n_events, ==, 32);
  g_assert_cmpint(info.n_targets, ==, 7);
  g_assert_cmpint(info.n_nontargets, ==, 18);
  g_assert_cmpint(info.n_ignored, ==, 6);
  g_assert_cmpint(info.n_dropped, ==, 1);
  g_assert_cmpint(info.n_codes, ==, 3);
  g_assert_cmpint(info.codes[0], ==, 1);
  g_assert_cmpint(info.code_counts[0], ==, 19);
  g_assert_cmpint(info.codes[1], ==, 2);
  g_assert_cmpint(info.code_counts[1], ==, 7);
  g_assert_cmpint(info.codes[2], ==, 7);
  g_assert_cmpint(info.code_counts[2], ==, 6);
  bool trigger = has_trigger(&fx);
  g_assert_true(info.from_trigger == trigger);
  g_assert_cmpint(info.n_file_channels, ==, NE + trigger);
  if (trigger)
    g_assert_cmpstr(info.trigger_label, ==, "Status");
  gb_eeg_set_free(set);
  g_free(path);
}

/* EDF stores 16 bits: +-500 uV in steps of 1000 / 65535 uV. */
static void
test_read_edf(void)
{
  read_default(XDF_EDF, "good.edf", "EDF", 0.02, 0);
}

/* BDF stores 24 bits; BioSemi keeps device status in Status bits 16-23, masked off. */
static void
test_read_bdf(void)
{
  read_default(XDF_BDF, "good.bdf", "BDF", 1e-3, 0x100000u);
}

static void
test_read_gdf(void)
{
  read_default(XDF_GDF2, "good.gdf", "GDF 2", 1e-3, 0);
}

static void
test_read_gdf1(void)
{
  read_default(XDF_GDF1, "good1.gdf", "GDF 1", 0.02, 0);
}

static void
test_read_codes(void)
{
  XFixture fx = {.type = XDF_BDF};
  char *path = write_fixture("codes.bdf", &fx);
  int targets[] = {7}, nontargets[] = {1};
  GbEegXdfOptions opt;
  gb_eeg_xdf_options_init(&opt);
  opt.target_codes = targets;
  opt.n_target_codes = 1;
  opt.nontarget_codes = nontargets;
  opt.n_nontarget_codes = 1;
  GbEegXdfInfo info;
  GbError err = {0};
  GbEegSet *set = gb_eeg_xdf_read(path, &opt, &info, &err);
  g_assert_nonnull(set);
  check_trials(set, &fx, targets, 1, nontargets, 1, 0, 1e-3);
  g_assert_cmpint(info.n_targets, ==, 6);
  g_assert_cmpint(info.n_ignored, ==, 7);
  gb_eeg_set_free(set);

  /* The trigger channel can be named, and a code cannot be both. */
  opt.trigger_channel = "status";
  set = gb_eeg_xdf_read(path, &opt, NULL, &err);
  g_assert_nonnull(set);
  gb_eeg_set_free(set);
  opt.trigger_channel = "TRIG";
  g_assert_null(gb_eeg_xdf_read(path, &opt, NULL, &err));
  g_assert_nonnull(strstr(err.message, "no channel called 'TRIG'"));
  opt.trigger_channel = NULL;
  opt.nontarget_codes = targets;
  g_assert_null(gb_eeg_xdf_read(path, &opt, NULL, &err));
  g_assert_cmpint(err.code, ==, GB_ERR_INVALID);
  g_assert_nonnull(strstr(err.message, "code 7"));
  g_free(path);
}

static void
test_read_window(void)
{
  XFixture fx = {.type = XDF_GDF2};
  char *path = write_fixture("window.gdf", &fx);
  GbEegXdfOptions opt;
  gb_eeg_xdf_options_init(&opt);
  opt.tmin = -0.1;
  opt.tmax = 0.5;
  GbEegXdfInfo info;
  GbError err = {0};
  GbEegSet *set = gb_eeg_xdf_read(path, &opt, &info, &err);
  g_assert_nonnull(set);
  g_assert_cmpint(set->n_times, ==, 154); /* round(0.6 * 256) */
  g_assert_cmpfloat(fabs(set->t0 + 26.0 / FS), <, 1e-12);
  check_trials(set, &fx, default_targets, 2, default_nontargets, 2, -26, 1e-3);
  g_assert_cmpint(info.n_dropped, ==, 2); /* the events at samples 10 and 2500 */
  gb_eeg_set_free(set);
  g_free(path);
}

/* EDF/BDF physical limits may have decimals; libxdffileio 0.3 reads them as integers. */
static void
test_read_decimal_calibration(void)
{
  XFixture fx = {.type = XDF_EDF};
  char *path = write_fixture("decimal.edf", &fx);
  int ns = NE + 1;
  patch(path, edf_field(ns, 104, 8, 0), 8, "-1000.5");
  patch(path, edf_field(ns, 112, 8, 0), 8, "1000.5");
  GbError err = {0};
  GbEegSet *set = gb_eeg_xdf_read(path, NULL, NULL, &err);
  g_assert_nonnull(set);
  /* The same digital values now span -1000.5 .. 1000.5 instead of -500 .. 500. */
  const float *x = set->data->x->data;
  for (int t = 0; t < WINDOW; t++) {
    double v = signal_value(0, 10 + t);
    double want = -1000.5 + (v + 500) * 2001.0 / 1000.0;
    g_assert_cmpfloat(fabs(x[t * NE] - want), <, 0.05);
    g_assert_cmpfloat(fabs(x[t * NE + 1] - signal_value(1, 10 + t)), <, 0.02);
  }
  gb_eeg_set_free(set);
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
  XFixture fx = {.type = XDF_EDF};
  char *path = write_fixture("cancel.edf", &fx);
  int calls = 0;
  GbEegXdfOptions opt;
  gb_eeg_xdf_options_init(&opt);
  opt.progress = cancel_cb;
  opt.progress_user = &calls;
  GbError err = {0};
  g_assert_null(gb_eeg_xdf_read(path, &opt, NULL, &err));
  g_assert_cmpint(err.code, ==, GB_ERR_CANCELLED);
  g_free(path);
}

/* ---- Bad files ------------------------------------------------------------------------------ */

static void
expect_error(const char *path, const GbEegXdfOptions *opt, GbStatus code, const char *fragment)
{
  GbError err = {0};
  GbEegSet *set = gb_eeg_xdf_read(path, opt, NULL, &err);
  if (set != NULL)
    g_error("%s: read, expected an error containing '%s'", path, fragment);
  g_test_message("%s", err.message);
  if (code != GB_OK)
    g_assert_cmpint(err.code, ==, code);
  g_assert_nonnull(strstr(err.message, path));
  if (fragment != NULL && strstr(err.message, fragment) == NULL)
    g_error("message '%s' lacks '%s'", err.message, fragment);
}

static void
test_reject_rates(void)
{
  XFixture fx = {.type = XDF_EDF};
  char *path = write_fixture("rates.edf", &fx);
  patch(path, edf_field(NE + 1, 216, 8, 2), 8, "128");
  expect_error(path, NULL, GB_ERR_UNSUPPORTED,
               "channel 'EEG Pz-REF' has 128 samples per record and channel 'Fz' has 256: "
               "channels at different sampling rates are not supported");
  g_free(path);
}

static void
test_reject_events(void)
{
  XFixture fx = {.type = XDF_EDF, .no_trigger = true};
  char *path = write_fixture("no-trigger.edf", &fx);
  expect_error(path, NULL, GB_ERR_FORMAT,
               "no events: the file has no event table and no "
               "trigger channel");
  g_free(path);
  fx = (XFixture){.type = XDF_BDF, .silent_trigger = true};
  path = write_fixture("silent.bdf", &fx);
  expect_error(path, NULL, GB_ERR_FORMAT, "no events: the trigger channel never leaves 0");
  g_free(path);
  fx = (XFixture){.type = XDF_GDF2, .only_code7 = true};
  path = write_fixture("code7.gdf", &fx);
  expect_error(path, NULL, GB_ERR_FORMAT,
               "none of the 32 events is a target or a non-target (codes found: 7 (32x))");
  g_free(path);
}

static void
test_reject_header(void)
{
  XFixture fx = {.type = XDF_EDF};
  char *path = write_fixture("header.edf", &fx);
  int ns = NE + 1;
  patch(path, edf_field(ns, 128, 8, 1), 8, "-32768"); /* Cz: digital max = digital min */
  expect_error(path, NULL, GB_ERR_FORMAT, "channel 2 ('Cz') maps digital -32768 .. -32768");
  patch(path, edf_field(ns, 128, 8, 1), 8, "32767");
  patch(path, edf_field(ns, 104, 8, 3), 8, "-5OO");
  expect_error(path, NULL, GB_ERR_FORMAT, "channel 4 ('Fc5.') physical minimum is '-5OO'");
  patch(path, edf_field(ns, 104, 8, 3), 8, "-500");
  patch(path, 192, 44, "EDF+D");
  expect_error(path, NULL, GB_ERR_UNSUPPORTED, "discontinuous EDF+");
  patch(path, 192, 44, "");
  patch(path, 236, 8, "-1");
  expect_error(path, NULL, GB_ERR_FORMAT, "not closed properly");
  patch(path, 236, 8, "10");
  GbError err = {0};
  GbEegSet *set = gb_eeg_xdf_read(path, NULL, NULL, &err);
  g_assert_nonnull(set); /* patched back: readable again */
  gb_eeg_set_free(set);
  g_free(path);
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

static void
test_reject_truncated(void)
{
  enum xdffiletype types[] = {XDF_EDF, XDF_BDF, XDF_GDF2};
  for (size_t i = 0; i < G_N_ELEMENTS(types); i++) {
    XFixture fx = {.type = types[i]};
    char *good = write_fixture(types[i] == XDF_GDF2 ? "whole.gdf" : "whole.edf", &fx);
    gchar *bytes;
    gsize size;
    g_assert_true(g_file_get_contents(good, &bytes, &size, NULL));
    size_t header = 256 * (NE + 1 + (types[i] != XDF_GDF2));
    size_t cuts[] = {0,          8,      100,          255,      256,      300,
                     header - 1, header, header + 100, size / 2, size - 7, size - 1};
    for (size_t j = 0; j < G_N_ELEMENTS(cuts); j++) {
      char *path = write_bytes("truncated.xdf", bytes, cuts[j]);
      g_test_message("%s cut at %zu of %zu bytes", good, cuts[j], size);
      expect_error(path, NULL, GB_OK, NULL);
      g_free(path);
    }
    g_free(bytes);
    g_free(good);
  }
}

static void
test_reject_garbage(void)
{
  guint8 noise[6000];
  GRand *rng = g_rand_new_with_seed(5);
  for (size_t i = 0; i < sizeof noise; i++)
    noise[i] = (guint8)g_rand_int_range(rng, 0, 256);
  char *path = write_bytes("noise.edf", noise, sizeof noise);
  expect_error(path, NULL, GB_ERR_FORMAT, "not an EDF, BDF or GDF file");
  g_free(path);
  /* The EDF version key followed by noise, and a GDF key followed by noise. */
  memcpy(noise, "0       ", 8);
  path = write_bytes("noise2.edf", noise, sizeof noise);
  expect_error(path, NULL, GB_ERR_FORMAT, NULL);
  g_free(path);
  memcpy(noise, "GDF 2.20", 8);
  path = write_bytes("noise.gdf", noise, sizeof noise);
  expect_error(path, NULL, GB_OK, NULL);
  g_free(path);
  /* Noise in the middle of a good file's header. */
  XFixture fx = {.type = XDF_BDF};
  char *good = write_fixture("whole.bdf", &fx);
  gchar *bytes;
  gsize size;
  g_assert_true(g_file_get_contents(good, &bytes, &size, NULL));
  for (int trial = 0; trial < 20; trial++) {
    gchar *copy = g_memdup2(bytes, size);
    for (int k = 0; k < 16; k++)
      copy[g_rand_int_range(rng, 8, 256 * (NE + 2))] = (char)g_rand_int_range(rng, 0, 256);
    path = write_bytes("scrambled.bdf", copy, size);
    GbError err = {0};
    GbEegSet *set = gb_eeg_xdf_read(path, NULL, NULL, &err);
    if (set == NULL)
      g_assert_nonnull(strstr(err.message, path));
    gb_eeg_set_free(set);
    g_free(path);
    g_free(copy);
  }
  g_free(bytes);
  g_free(good);
  g_rand_free(rng);
  path = g_build_filename(tmp_dir, "missing.bdf", NULL);
  expect_error(path, NULL, GB_ERR_IO, "No such file");
  g_free(path);
}

static void
test_out_of_memory(void)
{
  XFixture fx = {.type = XDF_BDF};
  char *path = write_fixture("oom.bdf", &fx);
  for (long n = 1;; n++) {
    GbError err = {0};
    gb_alloc_fail_after(n);
    GbEegSet *set = gb_eeg_xdf_read(path, NULL, NULL, &err);
    gb_alloc_fail_after(0);
    if (set != NULL) {
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
  tmp_dir = g_dir_make_tmp("glassbox-eeg-xdf-XXXXXX", NULL);
  g_assert_nonnull(tmp_dir);
  g_test_add_func("/datasets/eeg-xdf/read/edf", test_read_edf);
  g_test_add_func("/datasets/eeg-xdf/read/bdf", test_read_bdf);
  g_test_add_func("/datasets/eeg-xdf/read/gdf", test_read_gdf);
  g_test_add_func("/datasets/eeg-xdf/read/gdf1", test_read_gdf1);
  g_test_add_func("/datasets/eeg-xdf/read/codes", test_read_codes);
  g_test_add_func("/datasets/eeg-xdf/read/window", test_read_window);
  g_test_add_func("/datasets/eeg-xdf/read/decimal-calibration", test_read_decimal_calibration);
  g_test_add_func("/datasets/eeg-xdf/read/cancel", test_read_cancel);
  g_test_add_func("/datasets/eeg-xdf/reject/rates", test_reject_rates);
  g_test_add_func("/datasets/eeg-xdf/reject/events", test_reject_events);
  g_test_add_func("/datasets/eeg-xdf/reject/header", test_reject_header);
  g_test_add_func("/datasets/eeg-xdf/reject/truncated", test_reject_truncated);
  g_test_add_func("/datasets/eeg-xdf/reject/garbage", test_reject_garbage);
  g_test_add_func("/datasets/eeg-xdf/out-of-memory", test_out_of_memory);
  int status = g_test_run();
  gb_test_remove_tree(tmp_dir);
  g_free(tmp_dir);
  return status;
}

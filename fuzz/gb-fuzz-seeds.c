/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Writes the seed corpus of every fuzz target into DIR/<target>/ with the project's own writers
 * and the libraries the readers use: `gb-fuzz-seeds fuzz/corpus`. Seeds are small valid files
 * (a few KB) so the fuzzer starts deep inside each reader. */
#include "config.h"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <matio.h>
#include <stdlib.h>
#include <string.h>
#include <xdfio.h>
#include <zlib.h>

#include "gb-alloc.h"
#include "gb-eeg-file.h"
#include "gb-eeg-sim.h"
#include "gb-idx.h"
#include "gb-json.h"
#include "gb-model-file.h"
#include "gb-safetensors.h"
#include "gb-session.h"

static const char *root;

static char *
seed_path(const char *target, const char *name)
{
  char *dir = g_build_filename(root, target, NULL);
  g_mkdir_with_parents(dir, 0755);
  char *path = g_build_filename(dir, name, NULL);
  g_free(dir);
  return path;
}

static void
write_seed(const char *target, const char *name, const void *data, size_t len)
{
  char *path = seed_path(target, name);
  GError *error = NULL;
  if (!g_file_set_contents(path, data, (gssize)len, &error))
    g_error("%s", error->message);
  g_free(path);
}

static void
check(GbStatus st, const GbError *err)
{
  if (st != GB_OK)
    g_error("%s", err->message);
}

static void
model_seeds(void)
{
  static const char *const specs[] = {
      "input(3), dense(2)",
      "input(4), dense(3), relu, dense(2)",
      "input(1,8,8), conv2d(2,3), relu, maxpool2d(2), flatten, dense(3)",
      "input(6,3), lstm(4), dense(2)",
      "input(6,3), gru(3), dense(2)",
      "input(8,3), prm(5,post=3)",
  };
  for (size_t i = 0; i < G_N_ELEMENTS(specs); i++) {
    GbModel *m = NULL;
    GbError err = {0};
    check(gb_model_new_from_spec(specs[i], i + 1, &m, &err), &err);
    gb_model_set_meta(m, "note", "seed", &err);
    void *data;
    size_t len;
    check(gb_model_save_to_memory(m, &data, &len, &err), &err);
    char name[32];
    g_snprintf(name, sizeof name, "model-%zu.safetensors", i);
    write_seed("model", name, data, len);
    write_seed("safetensors", name, data, len);
    gb_free(data);
    char *text = gb_arch_format(gb_model_get_arch(m));
    g_snprintf(name, sizeof name, "arch-%zu.txt", i);
    write_seed("arch", name, text, strlen(text));
    gb_free(text);
    gb_model_free(m);
  }
}

/* Every dtype, odd shapes, a scalar and metadata. */
static void
safetensors_seeds(void)
{
  static uint8_t bytes[64];
  for (int i = 0; i < 64; i++)
    bytes[i] = (uint8_t)(i * 37);
  float f[4] = {1, -2.5f, 0, 3e-5f};
  GbSafetensorsTensor t[GB_DTYPE_N + 1];
  for (int d = 0; d < GB_DTYPE_N; d++)
    t[d] = (GbSafetensorsTensor){.name = gb_dtype_name(d), .dtype = d, .ndim = 2,
                                 .shape = {2, 8 / gb_dtype_size(d)}, .data = bytes};
  t[GB_DTYPE_N] = (GbSafetensorsTensor){.name = "scalar", .dtype = GB_DTYPE_F32, .ndim = 0,
                                        .data = f};
  GbSafetensorsMeta meta[] = {{"format", "pt"}, {"note", "seed \xc3\xa9"}};
  GbSafetensorsContents c = {t, GB_DTYPE_N + 1, meta, 2};
  void *data;
  size_t len;
  GbError err = {0};
  check(gb_safetensors_save_to_memory(&c, &data, &len, &err), &err);
  write_seed("safetensors", "dtypes.safetensors", data, len);
  gb_free(data);
  GbSafetensorsContents empty = {NULL, 0, NULL, 0};
  check(gb_safetensors_save_to_memory(&empty, &data, &len, &err), &err);
  write_seed("safetensors", "empty.safetensors", data, len);
  gb_free(data);
}

static void
json_seeds(void)
{
  static const char *const docs[] = {
      "{\"a\":[1,2.5,-3e-7,true,false,null],\"b\":{\"c\":\"\\u00e9\\n\\ud83d\\ude00\"}}",
      "[]",
      "{\"__metadata__\":{\"format\":\"pt\"},\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],"
      "\"data_offsets\":[0,24]}}",
      "\"\\\"\\\\\\/\\b\\f\\r\\t\"",
      "[[[[[[[[0]]]]]]]]",
      "123456789012345678901234567890",
  };
  for (size_t i = 0; i < G_N_ELEMENTS(docs); i++) {
    char name[32];
    g_snprintf(name, sizeof name, "doc-%zu.json", i);
    write_seed("json", name, docs[i], strlen(docs[i]));
  }
}

static void
idx_seeds(void)
{
  uint8_t pixels[3 * 5 * 4], labels[3] = {1, 7, 9};
  for (size_t i = 0; i < sizeof pixels; i++)
    pixels[i] = (uint8_t)(i * 11);
  GbError err = {0};
  char *path = seed_path("idx", "images.idx");
  check(gb_idx_write_images(path, 3, 5, 4, pixels, false, &err), &err);
  g_free(path);
  path = seed_path("idx", "labels.idx");
  check(gb_idx_write_labels(path, 3, labels, false, &err), &err);
  g_free(path);
  path = seed_path("idx", "images.idx.gz");
  check(gb_idx_write_images(path, 3, 5, 4, pixels, true, &err), &err);
  g_free(path);
  /* idx-gzip compresses its input itself (and reads the last byte as a cut): raw files + 0. */
  for (int k = 0; k < 2; k++) {
    const char *in = k ? "labels.idx" : "images.idx";
    char *src = seed_path("idx", in), *text;
    gsize len;
    g_assert_true(g_file_get_contents(src, &text, &len, NULL));
    text = g_realloc(text, len + 1);
    text[len] = 0;
    write_seed("idx-gzip", in, text, len + 1);
    g_free(text);
    g_free(src);
  }
}

static void
image_seeds(void)
{
  static const char *const types[] = {"png", "jpeg", "bmp", "tiff", "ico"};
  GdkPixbuf *pb = gdk_pixbuf_new(GDK_COLORSPACE_RGB, TRUE, 8, 16, 16);
  guchar *px = gdk_pixbuf_get_pixels(pb);
  int stride = gdk_pixbuf_get_rowstride(pb);
  for (int y = 0; y < 16; y++)
    for (int x = 0; x < 16; x++) {
      guchar ink = (abs(x - 8) < 2 && y > 2 && y < 14) ? 20 : 235; /* a "1" */
      guchar *p = px + y * stride + 4 * x;
      p[0] = p[1] = p[2] = ink;
      p[3] = 255;
    }
  for (size_t i = 0; i < G_N_ELEMENTS(types); i++) {
    char name[32];
    g_snprintf(name, sizeof name, "one.%s", types[i]);
    char *path = seed_path("image", name);
    GError *error = NULL;
    if (!gdk_pixbuf_save(pb, path, types[i], &error, NULL)) {
      g_printerr("skipping %s: %s\n", name, error->message);
      g_clear_error(&error);
    }
    g_free(path);
  }
  g_object_unref(pb);
  static const char pgm[] = "P5\n4 4\n255\n\x00\xff\x00\xff\xff\x00\xff\x00\x00\xff\x00\xff"
                            "\xff\x00\xff\x00";
  write_seed("image", "check.pgm", pgm, sizeof pgm - 1);
}

static void
eeg_set_seeds(void)
{
  GbEegSimConfig cfg;
  gb_eeg_sim_config_init(&cfg);
  cfg.n_subjects = 1;
  cfg.n_characters = 1;
  cfg.n_repetitions = 1;
  cfg.n_channels = 8;
  cfg.srate = 64;
  GbEegSet *set = NULL;
  GbError err = {0};
  check(gb_eeg_sim_generate(&cfg, &set, &err), &err);
  void *data;
  size_t len;
  check(gb_eeg_set_save_to_memory(set, &data, &len, &err), &err);
  write_seed("eeg-set", "sim.safetensors", data, len);
  gb_free(data);
  g_free(set->truth);
  set->truth = NULL; /* a recording: no ground truth */
  check(gb_eeg_set_save_to_memory(set, &data, &len, &err), &err);
  write_seed("eeg-set", "recording.safetensors", data, len);
  gb_free(data);
  gb_eeg_set_free(set);
}

/* A BCI Competition III look-alike cut to the bone: 1 character, 240 samples, 64 channels,
 * flashes of 24 samples every 42, and small integer voltages that compress well. */
static void
mat_var(mat_t *m, const char *name, enum matio_classes cls, enum matio_types type, int rank,
        size_t *dims, void *data, enum matio_compression comp)
{
  matvar_t *v = Mat_VarCreate(name, cls, type, rank, dims, data, 0);
  if (v == NULL || Mat_VarWrite(m, v, comp) != 0)
    g_error("writing %s failed", name);
  Mat_VarFree(v);
}

static void
mat_seed(const char *name, enum mat_ft version, enum matio_compression comp, bool labelled)
{
  enum { N = 240, C = 64 };
  char *path = seed_path(version == MAT_FT_MAT73 ? "mat-hdf5" : "mat", name);
  g_remove(path);
  mat_t *m = Mat_CreateVer(path, NULL, version);
  if (m == NULL)
    g_error("%s: cannot create", path);
  float *sig = g_new(float, N * C);
  for (int i = 0; i < N * C; i++)
    sig[i] = (float)(i % 7);
  size_t d3[3] = {1, N, C}, d2[2] = {1, N};
  mat_var(m, "Signal", MAT_C_SINGLE, MAT_T_SINGLE, 3, d3, sig, comp);
  double flash[N] = {0}, code[N] = {0}, type[N] = {0};
  for (int j = 0; 42 * j + 24 <= N; j++)
    for (int n = 42 * j; n < 42 * j + 24; n++) {
      flash[n] = 1;
      code[n] = j % 12 + 1;
      type[n] = j == 2;
    }
  mat_var(m, "Flashing", MAT_C_DOUBLE, MAT_T_DOUBLE, 2, d2, flash, comp);
  mat_var(m, "StimulusCode", MAT_C_DOUBLE, MAT_T_DOUBLE, 2, d2, code, comp);
  if (labelled) {
    mat_var(m, "StimulusType", MAT_C_DOUBLE, MAT_T_DOUBLE, 2, d2, type, comp);
    size_t dc[2] = {1, 1};
    char text[] = "A";
    mat_var(m, "TargetChar", MAT_C_CHAR, MAT_T_UTF8, 2, dc, text, comp);
  }
  Mat_Close(m);
  g_free(sig);
  g_free(path);
}

static void
xdf_seed(const char *name, enum xdffiletype type)
{
  enum { FS = 64, NS = 4 * FS, NE = 3 };
  bool trigger = type == XDF_EDF || type == XDF_BDF;
  char *path = seed_path("xdf", name);
  g_remove(path);
  struct xdf *x = xdf_open(path, XDF_WRITE, type);
  if (x == NULL)
    g_error("%s: cannot create", path);
  xdf_set_conf(x, XDF_F_SAMPLING_FREQ, FS, XDF_NOF);
  xdf_set_conf(x, XDF_CF_ARRTYPE, XDFDOUBLE, XDF_CF_ARRINDEX, 0, XDF_CF_ARROFFSET, 0,
               XDF_CF_PMIN, -500.0, XDF_CF_PMAX, 500.0, XDF_CF_UNIT, "uV", XDF_NOF);
  if (!trigger)
    xdf_set_conf(x, XDF_CF_STOTYPE, type == XDF_GDF1 ? XDFINT16 : XDFINT32, XDF_NOF);
  static const char *const labels[NE] = {"Fz", "Cz", "Pz"};
  for (int c = 0; c < NE; c++)
    xdf_add_channel(x, labels[c]);
  if (trigger) {
    double lim = type == XDF_BDF ? 8388608.0 : 32768.0;
    struct xdfch *ch = xdf_add_channel(x, "Status");
    xdf_set_chconf(ch, XDF_CF_PMIN, -lim, XDF_CF_PMAX, lim - 1, XDF_NOF);
  }
  int nch = NE + trigger;
  size_t stride = (size_t)nch * sizeof(double);
  xdf_define_arrays(x, 1, &stride);
  if (xdf_prepare_transfer(x) != 0)
    g_error("%s: cannot prepare", path);
  double *buf = g_new0(double, (size_t)NS * nch);
  static const int ev_sample[] = {5, 40, 75, 110}, ev_code[] = {2, 1, 1, 2};
  for (int n = 0; n < NS; n++)
    for (int c = 0; c < NE; c++)
      buf[n * nch + c] = 50 * sin(2 * G_PI * (c + 1) * n / FS);
  for (int e = 0; e < 4 && trigger; e++)
    for (int n = ev_sample[e]; n < ev_sample[e] + 4; n++)
      buf[n * nch + NE] = ev_code[e];
  xdf_write(x, NS, buf);
  for (int e = 0; e < 4 && !trigger; e++)
    xdf_add_event(x, xdf_add_evttype(x, ev_code[e], NULL), ev_sample[e] / (double)FS, 0);
  if (xdf_close(x) != 0)
    g_error("%s: cannot close", path);
  g_free(buf);
  g_free(path);
}

static void
session_seed(const char *name, GbSession *s)
{
  GError *error = NULL;
  gsize len;
  char *text = gb_session_to_data(s, &len, &error);
  if (text == NULL)
    g_error("%s", error->message);
  write_seed("session", name, text, len);
  g_free(text);
  gb_session_clear(s);
}

static void
session_seeds(void)
{
  GbSession s;
  gb_session_init(&s);
  s.view = g_strdup("explain");
  s.model_id = g_strdup("digits-cnn");
  memset(s.model_sha256, 'a', 64);
  s.input.kind = GB_SESSION_INPUT_PIXELS;
  s.input.height = s.input.width = 28;
  s.input.values = g_new0(float, 784);
  for (int i = 0; i < 784; i++)
    s.input.values[i] = (i % 28 > 10 && i % 28 < 14) ? 0.25f * (i % 5) : 0.0f;
  gb_method_config_init(&s.method, GB_METHOD_LRP);
  s.target = gb_target_class(7);
  session_seed("pixels-lrp.json", &s);

  gb_session_init(&s);
  s.model_id = g_strdup("/home/me/models/mlp.safetensors");
  s.input.kind = GB_SESSION_INPUT_DATASET;
  s.input.name = g_strdup("mnist-test");
  s.input.index = 12;
  gb_method_config_init(&s.method, GB_METHOD_KERNEL_SHAP);
  s.method.segmentation = GB_SEGMENTATION_SLIC;
  s.method.baseline = GB_BASELINE_BLUR;
  s.target = gb_target_contrast(3, 8);
  g_strlcpy(s.colormap, "viridis", sizeof s.colormap);
  s.opacity = 0.35;
  session_seed("dataset-shap.json", &s);

  gb_session_init(&s);
  s.source = GB_SESSION_SOURCE_EEG;
  s.model_id = g_strdup("eeg-prm");
  s.input.kind = GB_SESSION_INPUT_EEG;
  s.input.name = g_strdup("simulated");
  s.input.index = 3;
  gb_method_config_init(&s.method, GB_METHOD_INTEGRATED_GRADIENTS);
  s.method.steps = 64;
  s.target = gb_target_class(1);
  session_seed("eeg-ig.json", &s);
}

int
main(int argc, char **argv)
{
  if (argc != 2) {
    g_printerr("usage: %s CORPUS_DIR\n", argv[0]);
    return 2;
  }
  root = argv[1];
  model_seeds();
  safetensors_seeds();
  json_seeds();
  idx_seeds();
  image_seeds();
  eeg_set_seeds();
  mat_seed("v5.mat", MAT_FT_MAT5, MAT_COMPRESSION_NONE, true);
  mat_seed("v5z.mat", MAT_FT_MAT5, MAT_COMPRESSION_ZLIB, false);
  /* Not in corpus/mat: Debian's HDF5 1.10.8 reads out of bounds on some corrupt 7.3 files
   * within seconds of fuzzing (fuzz/known-crashes), which would stop every run there: it goes to
   * mat-hdf5/, which no target reads by default. */
  mat_seed("v73.mat", MAT_FT_MAT73, MAT_COMPRESSION_ZLIB, true);
  xdf_seed("rec.edf", XDF_EDF);
  xdf_seed("rec.bdf", XDF_BDF);
  xdf_seed("rec1.gdf", XDF_GDF1);
  xdf_seed("rec2.gdf", XDF_GDF2);
  session_seeds();
  return 0;
}

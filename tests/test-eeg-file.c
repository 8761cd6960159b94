/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "gb-alloc.h"
#include "gb-test-util.h"
#include "gb-eeg-file.h"
#include "gb-eeg-sim.h"
#include "gb-json.h"
#include "gb-model-file.h"
#include "gb-safetensors.h"

#define NAME "eeg.safetensors"

/* ---- A set built here ---------------------------------------------------------------------- */

enum { N = 6, T = 5, C = 3 };

static GbEegSet *
new_set(bool with_truth)
{
  GbError err = {0};
  GbEegSet *s = gb_eeg_set_new(N, T, C, 256, 0.1 + 0.2 - 0.5, with_truth, &err);
  if (s == NULL)
    g_error("%s", err.message);
  static const GbEegChannel channels[C] = {{"Fz", 0, 0.203f}, {"Cz", 0, 0}, {"PO7", -0.3f, -0.4f}};
  memcpy(s->channels, channels, sizeof channels);
  for (size_t i = 0; i < (size_t)N * T * C; i++) {
    s->data->x->data[i] = 10.0f * sinf((float)i) + 1e-7f * (float)i;
    if (with_truth)
      s->truth[i] = fabsf(cosf((float)i));
  }
  for (int i = 0; i < N; i++) {
    s->data->labels[i] = i % 2;
    s->subject[i] = i / 3;
    s->stimulus[i] = 1 + i % 12;
  }
  s->n_subjects = 2;
  s->source = gb_strdup("unit test: caf\xC3\xA9, \"quoted\"");
  return s;
}

static void
free_set(GbEegSet *s)
{
  gb_eeg_set_free(s);
}

static void
assert_sets_equal(const GbEegSet *a, const GbEegSet *b)
{
  g_assert_cmpint(gb_dataset_size(a->data), ==, gb_dataset_size(b->data));
  g_assert_cmpint(a->n_times, ==, b->n_times);
  g_assert_cmpint(a->n_channels, ==, b->n_channels);
  g_assert_cmpfloat(a->srate, ==, b->srate);
  g_assert_cmpfloat(a->t0, ==, b->t0);
  g_assert_cmpint(a->n_subjects, ==, b->n_subjects);
  g_assert_cmpint(a->data->n_classes, ==, b->data->n_classes);
  g_assert_cmpstr(a->source, ==, b->source);
  size_t n = (size_t)gb_dataset_size(a->data), samples = n * a->n_times * a->n_channels;
  g_assert_cmpmem(a->data->x->data, samples * 4, b->data->x->data, samples * 4);
  g_assert_cmpmem(a->data->labels, n * 4, b->data->labels, n * 4);
  g_assert_cmpmem(a->subject, n * 4, b->subject, n * 4);
  g_assert_cmpmem(a->stimulus, n * 4, b->stimulus, n * 4);
  g_assert_true((a->truth == NULL) == (b->truth == NULL));
  if (a->truth != NULL)
    g_assert_cmpmem(a->truth, samples * 4, b->truth, samples * 4);
  for (int c = 0; c < a->n_channels; c++) {
    g_assert_cmpstr(a->channels[c].label, ==, b->channels[c].label);
    g_assert_cmpfloat(a->channels[c].x, ==, b->channels[c].x);
    g_assert_cmpfloat(a->channels[c].y, ==, b->channels[c].y);
  }
}

static void *
save_to_memory(const GbEegSet *s, size_t *len)
{
  void *data = NULL;
  GbError err = {0};
  if (gb_eeg_set_save_to_memory(s, &data, len, &err) != GB_OK)
    g_error("save: %s", err.message);
  return data;
}

static GbEegSet *
load_ok(const void *data, size_t len)
{
  GbEegSet *s = NULL;
  GbError err = {0};
  if (gb_eeg_set_load_from_memory(data, len, NAME, &s, &err) != GB_OK)
    g_error("load: %s", err.message);
  return s;
}

static void
assert_load_fails(const void *data, size_t len, GbStatus code, const char *substring)
{
  GbEegSet *s = (GbEegSet *)0x1;
  GbError err = {0};
  GbStatus st = gb_eeg_set_load_from_memory(data, len, NAME, &s, &err);
  gb_test_assert_failure(st, code, &err, NAME, substring);
  g_assert_null(s);
}

/* ---- Round trips --------------------------------------------------------------------------- */

static void
assert_round_trip(const GbEegSet *s)
{
  size_t len, len2;
  void *data = save_to_memory(s, &len);
  GbEegSet *back = load_ok(data, len);
  assert_sets_equal(s, back);
  void *data2 = save_to_memory(back, &len2);
  g_assert_cmpmem(data, len, data2, len2);
  gb_free(data2);
  gb_free(data);
  free_set(back);
}

static void
test_round_trip_truth(void)
{
  GbEegSet *s = new_set(true);
  assert_round_trip(s);
  free_set(s);
}

static void
test_round_trip_no_truth(void)
{
  GbEegSet *s = new_set(false);
  assert_round_trip(s);
  free_set(s);
}

static void
test_round_trip_simulated(void)
{
  GbEegSimConfig cfg;
  gb_eeg_sim_config_init(&cfg);
  cfg.n_subjects = 2;
  cfg.n_characters = 1;
  cfg.n_repetitions = 1;
  cfg.n_channels = 8;
  cfg.srate = 64;
  GbEegSet *s = NULL;
  GbError err = {0};
  if (gb_eeg_sim_generate(&cfg, &s, &err) != GB_OK)
    g_error("%s", err.message);
  assert_round_trip(s);
  gb_eeg_set_free(s);
}

/* Without "glassbox.eeg.source" the set is named after its file. */
static void
test_default_source(void)
{
  GbEegSet *s = new_set(false);
  gb_free(s->source);
  s->source = NULL;
  size_t len;
  void *data = save_to_memory(s, &len);
  GbEegSet *back = load_ok(data, len);
  g_assert_cmpstr(back->source, ==, NAME);
  free_set(back);
  gb_free(data);
  free_set(s);
}

static uint64_t
read_u64_le(const guint8 *p)
{
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--)
    v = (v << 8) | p[i];
  return v;
}

static void
assert_entry(const GbJson *header, const char *name, const char *dtype, int ndim,
             const int *shape)
{
  const GbJson *e = gb_json_object_get(header, name);
  g_assert_nonnull(e);
  g_assert_cmpstr(gb_json_object_get(e, "dtype")->u.string.data, ==, dtype);
  const GbJson *s = gb_json_object_get(e, "shape");
  g_assert_cmpuint(s->u.array.n, ==, ndim);
  for (int d = 0; d < ndim; d++)
    g_assert_cmpint(s->u.array.items[d].u.number.integer, ==, shape[d]);
}

/* What a NumPy user sees, read with nothing of ours but the JSON parser. */
static void
test_layout(void)
{
  GbEegSet *s = new_set(true);
  size_t len;
  guint8 *data = save_to_memory(s, &len);
  uint64_t n = read_u64_le(data);
  GbJson *h;
  GbError err;
  g_assert_cmpint(gb_json_parse((const char *)data + 8, n, NULL, &h, &err), ==, GB_OK);
  const GbJson *meta = gb_json_object_get(h, "__metadata__");
  g_assert_cmpstr(gb_json_object_get(meta, "format")->u.string.data, ==, "glassbox-eeg");
  g_assert_cmpstr(gb_json_object_get(meta, "glassbox.eeg.channels")->u.string.data, ==,
                  "Fz,Cz,PO7");
  g_assert_cmpstr(gb_json_object_get(meta, "glassbox.eeg.srate")->u.string.data, ==, "256");
  g_assert_cmpstr(gb_json_object_get(meta, "glassbox.eeg.t0")->u.string.data, ==,
                  "-0.19999999999999996");
  g_assert_cmpstr(gb_json_object_get(meta, "glassbox.eeg.n_subjects")->u.string.data, ==, "2");
  g_assert_cmpstr(gb_json_object_get(meta, "glassbox.eeg.source")->u.string.data, ==,
                  s->source);
  const int x[3] = {N, T, C}, n_trials[1] = {N}, xy[2] = {C, 2};
  assert_entry(h, "x", "F32", 3, x);
  assert_entry(h, "labels", "I32", 1, n_trials);
  assert_entry(h, "subject", "I32", 1, n_trials);
  assert_entry(h, "stimulus", "I32", 1, n_trials);
  assert_entry(h, "truth", "F32", 3, x);
  assert_entry(h, "channel_xy", "F32", 2, xy);
  /* channel_xy is the last tensor: PO7's y is the file's last 4 bytes. */
  float y;
  guint32 u = (guint32)data[len - 4] | (guint32)data[len - 3] << 8 |
              (guint32)data[len - 2] << 16 | (guint32)data[len - 1] << 24;
  memcpy(&y, &u, 4);
  g_assert_cmpfloat(y, ==, -0.4f);
  gb_json_free(h);
  gb_free(data);
  free_set(s);
}

/* ---- Files written with the generic writer, one thing wrong in each ------------------------ */

/* The file new_set(true) saves, as lists the tests can change before writing. */
typedef struct {
  GbEegSet *set;
  GbSafetensorsTensor tensors[8];
  size_t n_tensors;
  GbSafetensorsMeta meta[10];
  size_t n_meta;
  float xy[2 * C];
} Spec;

static void
spec_init(Spec *sp)
{
  memset(sp, 0, sizeof *sp);
  GbEegSet *s = sp->set = new_set(true);
  for (int c = 0; c < C; c++) {
    sp->xy[2 * c] = s->channels[c].x;
    sp->xy[2 * c + 1] = s->channels[c].y;
  }
  const GbSafetensorsTensor t[] = {
      {"x", GB_DTYPE_F32, 3, {N, T, C}, s->data->x->data},
      {"labels", GB_DTYPE_I32, 1, {N}, s->data->labels},
      {"subject", GB_DTYPE_I32, 1, {N}, s->subject},
      {"stimulus", GB_DTYPE_I32, 1, {N}, s->stimulus},
      {"truth", GB_DTYPE_F32, 3, {N, T, C}, s->truth},
      {"channel_xy", GB_DTYPE_F32, 2, {C, 2}, sp->xy},
  };
  memcpy(sp->tensors, t, sizeof t);
  sp->n_tensors = G_N_ELEMENTS(t);
  const GbSafetensorsMeta m[] = {
      {"format", "glassbox-eeg"},         {"glassbox.eeg.channels", "Fz,Cz,PO7"},
      {"glassbox.eeg.srate", "256"},      {"glassbox.eeg.t0", "-0.2"},
      {"glassbox.eeg.n_subjects", "2"},   {"glassbox.eeg.source", "spec"},
  };
  memcpy(sp->meta, m, sizeof m);
  sp->n_meta = G_N_ELEMENTS(m);
}

static GbSafetensorsTensor *
spec_tensor(Spec *sp, const char *name)
{
  for (size_t i = 0; i < sp->n_tensors; i++)
    if (strcmp(sp->tensors[i].name, name) == 0)
      return &sp->tensors[i];
  g_error("no tensor %s", name);
}

static void
spec_remove_tensor(Spec *sp, const char *name)
{
  GbSafetensorsTensor *t = spec_tensor(sp, name);
  size_t i = (size_t)(t - sp->tensors);
  memmove(t, t + 1, (sp->n_tensors - i - 1) * sizeof *t);
  sp->n_tensors--;
}

/* Sets @key to @value (NULL removes it). */
static void
spec_meta(Spec *sp, const char *key, const char *value)
{
  for (size_t i = 0; i < sp->n_meta; i++)
    if (strcmp(sp->meta[i].key, key) == 0) {
      if (value != NULL) {
        sp->meta[i].value = value;
      } else {
        memmove(&sp->meta[i], &sp->meta[i + 1], (sp->n_meta - i - 1) * sizeof *sp->meta);
        sp->n_meta--;
      }
      return;
    }
  g_assert_nonnull(value);
  sp->meta[sp->n_meta++] = (GbSafetensorsMeta){key, value};
}

static void *
spec_save(const Spec *sp, size_t *len)
{
  const GbSafetensorsContents c = {sp->tensors, sp->n_tensors, sp->meta, sp->n_meta};
  void *data = NULL;
  GbError err = {0};
  if (gb_safetensors_save_to_memory(&c, &data, len, &err) != GB_OK)
    g_error("%s", err.message);
  return data;
}

/* Writes the spec, checks the failure, and frees it. */
static void
assert_spec_fails(Spec *sp, const char *substring)
{
  size_t len;
  void *data = spec_save(sp, &len);
  assert_load_fails(data, len, GB_ERR_FORMAT, substring);
  gb_free(data);
  free_set(sp->set);
}

static void
test_spec_loads(void)
{
  Spec sp;
  spec_init(&sp);
  size_t len;
  void *data = spec_save(&sp, &len);
  GbEegSet *back = load_ok(data, len);
  g_assert_cmpstr(back->source, ==, "spec");
  g_assert_cmpfloat(back->t0, ==, -0.2);
  free_set(back);
  gb_free(data);
  free_set(sp.set);
}

static void
test_reject_kind(void)
{
  Spec sp;
  spec_init(&sp);
  spec_meta(&sp, "format", NULL);
  assert_spec_fails(&sp, "the header has no \"format\" metadata; this is not a Glassbox EEG set");
  spec_init(&sp);
  spec_meta(&sp, "format", "pt");
  assert_spec_fails(&sp, "format is \"pt\", expected \"glassbox-eeg\"; this is not a Glassbox "
                    "EEG set");
  spec_init(&sp);
  spec_meta(&sp, "format", "glassbox-eeg2");
  assert_spec_fails(&sp, "format is \"glassbox-eeg2\"");

  /* A model file, and the other way round. */
  GbModel *m = NULL;
  GbError err = {0};
  g_assert_cmpint(gb_model_new_from_spec("input(3), dense(2)", 1, &m, &err), ==, GB_OK);
  size_t len;
  void *data = NULL;
  g_assert_cmpint(gb_model_save_to_memory(m, &data, &len, &err), ==, GB_OK);
  assert_load_fails(data, len, GB_ERR_FORMAT, "this is a Glassbox model file, not an EEG set");
  gb_free(data);
  gb_model_free(m);

  GbEegSet *s = new_set(false);
  data = save_to_memory(s, &len);
  m = (GbModel *)0x1;
  g_assert_cmpint(gb_model_load_from_memory(data, len, NAME, &m, &err), ==, GB_ERR_FORMAT);
  g_assert_null(m);
  g_assert_cmpstr(err.message, ==, NAME ": this is a Glassbox EEG set, not a model");
  gb_free(data);
  free_set(s);

  /* Not safetensors at all. */
  assert_load_fails("P300", 4, GB_ERR_FORMAT, "file is too short (4 bytes)");
}

static void
test_reject_tensors(void)
{
  Spec sp;
  spec_init(&sp);
  spec_tensor(&sp, "labels")->dtype = GB_DTYPE_F32;
  assert_spec_fails(&sp, "tensor 'labels' has dtype F32, expected I32");
  spec_init(&sp);
  spec_tensor(&sp, "x")->ndim = 2;
  spec_tensor(&sp, "x")->shape[1] = T * C;
  assert_spec_fails(&sp, "tensor 'x' has shape 6x15, expected 3 dimensions");
  spec_init(&sp);
  spec_remove_tensor(&sp, "stimulus");
  assert_spec_fails(&sp, "missing tensor 'stimulus'");
  spec_init(&sp);
  spec_tensor(&sp, "truth")->name = "weights";
  assert_spec_fails(&sp, "unexpected tensor 'weights': a Glassbox EEG set has no such tensor");
  spec_init(&sp);
  spec_tensor(&sp, "channel_xy")->shape[0] = 2;
  spec_tensor(&sp, "channel_xy")->shape[1] = 3;
  assert_spec_fails(&sp, "tensor 'channel_xy' has shape 2x3, expected ?x2");
}

static void
test_reject_sizes(void)
{
  Spec sp;
  spec_init(&sp);
  spec_tensor(&sp, "subject")->shape[0] = N - 1;
  assert_spec_fails(&sp, "tensor 'subject' has 5 values, expected 6 (one per trial of 'x')");
  spec_init(&sp);
  spec_tensor(&sp, "truth")->shape[0] = N - 1;
  assert_spec_fails(&sp, "tensor 'truth' has shape 5x5x3, expected 6x5x3 (the shape of 'x')");
  spec_init(&sp);
  spec_tensor(&sp, "channel_xy")->shape[0] = C - 1;
  assert_spec_fails(&sp, "tensor 'channel_xy' has 2 rows, expected 3 (one per channel of 'x')");
  spec_init(&sp);
  spec_meta(&sp, "glassbox.eeg.channels", "Fz,Cz");
  assert_spec_fails(&sp, "metadata glassbox.eeg.channels names 2 channels, expected 3");
  spec_init(&sp);
  GbSafetensorsTensor *t = spec_tensor(&sp, "x");
  t->shape[0] = 0;
  spec_remove_tensor(&sp, "truth");
  spec_tensor(&sp, "labels")->shape[0] = 0;
  spec_tensor(&sp, "subject")->shape[0] = 0;
  spec_tensor(&sp, "stimulus")->shape[0] = 0;
  assert_spec_fails(&sp, "tensor 'x' has shape 0x5x3, expected at least one trial");
}

static void
test_reject_metadata(void)
{
  static const struct {
    const char *key, *value, *message;
  } cases[] = {
      {"glassbox.eeg.srate", NULL, "metadata glassbox.eeg.srate is missing"},
      {"glassbox.eeg.srate", "fast", "metadata glassbox.eeg.srate is \"fast\", expected a number"},
      {"glassbox.eeg.srate", "256,5", "metadata glassbox.eeg.srate is \"256,5\""},
      {"glassbox.eeg.srate", "0", "metadata glassbox.eeg.srate is 0, expected a positive rate"},
      {"glassbox.eeg.srate", "1e999", "metadata glassbox.eeg.srate is \"1e999\""},
      {"glassbox.eeg.t0", "", "metadata glassbox.eeg.t0 is \"\", expected a number"},
      {"glassbox.eeg.n_subjects", "1.5", "n_subjects is \"1.5\", expected an integer"},
      {"glassbox.eeg.n_subjects", "0", "n_subjects is 0, expected 1 to 2147483647"},
      {"glassbox.eeg.n_subjects", "1", "trial 3 has subject 1, expected 0 to 0 (1 subject)"},
      {"glassbox.eeg.channels", NULL, "metadata glassbox.eeg.channels is missing"},
      {"glassbox.eeg.channels", "Fz,,Pz", "channel 1 has an empty label"},
      {"glassbox.eeg.channels", "Fz,Cz,fz", "channels 0 and 2 are both labelled 'fz'"},
      {"glassbox.eeg.channels", "Fz,Cz,ABCDEFGHIJKLMNOP", "channel 2 label 'ABCDEFGHIJKLMNOP' is "
                                                          "longer than 15 bytes"},
  };
  for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
    Spec sp;
    spec_init(&sp);
    spec_meta(&sp, cases[i].key, cases[i].value);
    assert_spec_fails(&sp, cases[i].message);
  }
}

static void
test_reject_values(void)
{
  Spec sp;
  spec_init(&sp);
  sp.set->data->labels[4] = 2;
  assert_spec_fails(&sp, "trial 4 has label 2, expected 0 (non-target) or 1 (target)");
  spec_init(&sp);
  sp.set->subject[5] = -1;
  assert_spec_fails(&sp, "trial 5 has subject -1, expected 0 to 1 (2 subjects)");
  spec_init(&sp);
  sp.set->stimulus[0] = -3;
  assert_spec_fails(&sp, "trial 0 has stimulus code -3, expected 0 or more");
  spec_init(&sp);
  sp.set->data->x->data[(2 * T + 4) * C + 2] = NAN;
  assert_spec_fails(&sp, "tensor 'x': trial 2, sample 4, channel PO7 is NaN");
  spec_init(&sp);
  sp.set->truth[C + 1] = -INFINITY;
  assert_spec_fails(&sp, "tensor 'truth': trial 0, sample 1, channel Cz is -Inf");
  spec_init(&sp);
  sp.xy[3] = INFINITY;
  assert_spec_fails(&sp, "tensor 'channel_xy' element 3 is +Inf");
}

/* ---- Corruption ---------------------------------------------------------------------------- */

static void
test_reject_truncated(void)
{
  GbEegSet *s = new_set(true);
  size_t len;
  guint8 *data = save_to_memory(s, &len);
  for (size_t n = 0; n < len; n++) {
    guint8 *copy = g_memdup2(data, n ? n : 1);
    assert_load_fails(n ? copy : NULL, n, GB_ERR_FORMAT, "");
    g_free(copy);
  }
  gb_free(data);
  free_set(s);
}

/* Random corruption never crashes: the file either loads or fails with a message. */
static void
test_reject_corrupted(void)
{
  GbEegSet *s = new_set(true);
  size_t len;
  guint8 *data = save_to_memory(s, &len);
  GRand *rand = g_rand_new_with_seed(4321);
  int loaded = 0;
  for (int iter = 0; iter < 4000; iter++) {
    guint8 *copy = g_memdup2(data, len);
    int flips = g_rand_int_range(rand, 1, 4);
    for (int k = 0; k < flips; k++)
      copy[g_rand_int_range(rand, 0, (gint32)len)] = (guint8)g_rand_int_range(rand, 0, 256);
    GbEegSet *back = NULL;
    GbError err = {0};
    GbStatus st = gb_eeg_set_load_from_memory(copy, len, NAME, &back, &err);
    if (st == GB_OK) {
      loaded++;
      gb_eeg_set_free(back);
    } else {
      g_assert_cmpint(st, ==, GB_ERR_FORMAT);
      g_assert_null(back);
      gb_test_assert_message(&err, NAME ": ", "");
    }
    g_free(copy);
  }
  g_test_message("%d of 4000 corrupted files still loaded", loaded);
  g_rand_free(rand);
  gb_free(data);
  free_set(s);
}

/* ---- Saving -------------------------------------------------------------------------------- */

static void
assert_save_invalid(GbEegSet *s, const char *message)
{
  void *data = (void *)0x1;
  size_t len;
  GbError err = {0};
  g_assert_cmpint(gb_eeg_set_save_to_memory(s, &data, &len, &err), ==, GB_ERR_INVALID);
  g_assert_null(data);
  g_assert_cmpstr(err.message, ==, message);
  free_set(s);
}

/* A set that could not be loaded back is not written. */
static void
test_save_invalid(void)
{
  GbEegSet *s = new_set(true);
  s->data->labels[1] = -1;
  assert_save_invalid(s, "EEG set: trial 1 has label -1, expected 0 (non-target) or 1 (target)");
  s = new_set(true);
  s->subject[2] = 2;
  assert_save_invalid(s, "EEG set: trial 2 has subject 2, expected 0 to 1 (2 subjects)");
  s = new_set(true);
  strcpy(s->channels[1].label, "C,z");
  assert_save_invalid(s, "EEG set: channel 1 label 'C,z' contains a comma");
  s = new_set(true);
  s->channels[2].label[0] = '\0';
  assert_save_invalid(s, "EEG set: channel 2 has an empty label");
  s = new_set(true);
  strcpy(s->channels[2].label, "cz");
  assert_save_invalid(s, "EEG set: channels 1 and 2 are both labelled 'cz'");
  s = new_set(true);
  s->channels[0].y = NAN;
  assert_save_invalid(s, "EEG set: channel Fz has a position that is not finite");
  s = new_set(true);
  s->data->x->data[7] = INFINITY;
  assert_save_invalid(s, "EEG set: tensor 'x': trial 0, sample 2, channel Cz is +Inf");
  s = new_set(true);
  s->srate = 0;
  assert_save_invalid(s, "EEG set: sampling rate 0 Hz and first sample at -0.2 s: expected a "
                      "positive rate and a finite time");
  s = new_set(true);
  s->n_subjects = 0;
  assert_save_invalid(s, "EEG set: 0 subjects, expected at least 1");
}

static int
count_entries(const char *dir)
{
  GDir *d = g_dir_open(dir, 0, NULL);
  g_assert_nonnull(d);
  int n = 0;
  while (g_dir_read_name(d) != NULL)
    n++;
  g_dir_close(d);
  return n;
}

static void
test_file(void)
{
  char *dir = g_dir_make_tmp("gb-eeg-file-XXXXXX", NULL);
  char *path = g_build_filename(dir, "eeg.safetensors", NULL);
  GbEegSet *s = new_set(true);
  GbError err = {0};
  g_assert_cmpint(gb_eeg_set_save(s, path, &err), ==, GB_OK);
  GbEegSet *back = NULL;
  g_assert_cmpint(gb_eeg_set_load(path, &back, &err), ==, GB_OK);
  assert_sets_equal(s, back);
  free_set(back);

  /* A refused set leaves the old file as it was. */
  size_t len, file_len;
  void *data = save_to_memory(s, &len);
  s->data->labels[0] = 7;
  g_assert_cmpint(gb_eeg_set_save(s, path, &err), ==, GB_ERR_INVALID);
  gb_test_assert_message(&err, path, ": trial 0 has label 7");
  char *contents;
  g_assert_true(g_file_get_contents(path, &contents, &file_len, NULL));
  g_assert_cmpmem(contents, file_len, data, len);
  g_assert_cmpint(count_entries(dir), ==, 1);
  g_free(contents);
  gb_free(data);

  /* Loading errors name the file. */
  char *absent = g_build_filename(dir, "absent.safetensors", NULL);
  g_assert_cmpint(gb_eeg_set_load(absent, &back, &err), ==, GB_ERR_IO);
  g_assert_null(back);
  gb_test_assert_message(&err, absent, "cannot open");
  g_assert_true(g_file_set_contents(absent, "\x02\0\0\0\0\0\0\0{}", 10, NULL));
  g_assert_cmpint(gb_eeg_set_load(absent, &back, &err), ==, GB_ERR_FORMAT);
  gb_test_assert_message(&err, absent, ": the header has no \"format\" metadata");

  g_assert_cmpint(g_unlink(absent), ==, 0);
  g_assert_cmpint(g_unlink(path), ==, 0);
  g_assert_cmpint(g_rmdir(dir), ==, 0);
  g_free(absent);
  free_set(s);
  g_free(path);
  g_free(dir);
}

/* Every allocation failure while loading or saving is reported as GB_ERR_NOMEM. */
static void
test_out_of_memory(void)
{
  GbEegSet *s = new_set(true);
  size_t len;
  void *data = save_to_memory(s, &len);
  for (long n = 1;; n++) {
    GbEegSet *back = NULL;
    GbError err = {0};
    gb_alloc_fail_after(n);
    GbStatus st = gb_eeg_set_load_from_memory(data, len, NAME, &back, &err);
    gb_alloc_fail_after(0);
    if (st == GB_OK) {
      assert_sets_equal(s, back);
      gb_eeg_set_free(back);
      break;
    }
    g_assert_cmpint(st, ==, GB_ERR_NOMEM);
    g_assert_null(back);
    g_assert_cmpint(n, <, 10000);
  }
  for (long n = 1;; n++) {
    void *out = NULL;
    size_t out_len;
    GbError err = {0};
    gb_alloc_fail_after(n);
    GbStatus st = gb_eeg_set_save_to_memory(s, &out, &out_len, &err);
    gb_alloc_fail_after(0);
    if (st == GB_OK) {
      g_assert_cmpmem(out, out_len, data, len);
      gb_free(out);
      break;
    }
    g_assert_cmpint(st, ==, GB_ERR_NOMEM);
    g_assert_null(out);
    g_assert_cmpint(n, <, 10000);
  }
  gb_free(data);
  free_set(s);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/datasets/eeg-file/round-trip/truth", test_round_trip_truth);
  g_test_add_func("/datasets/eeg-file/round-trip/no-truth", test_round_trip_no_truth);
  g_test_add_func("/datasets/eeg-file/round-trip/simulated", test_round_trip_simulated);
  g_test_add_func("/datasets/eeg-file/round-trip/default-source", test_default_source);
  g_test_add_func("/datasets/eeg-file/round-trip/file", test_file);
  g_test_add_func("/datasets/eeg-file/layout", test_layout);
  g_test_add_func("/datasets/eeg-file/hand-written", test_spec_loads);
  g_test_add_func("/datasets/eeg-file/reject/kind", test_reject_kind);
  g_test_add_func("/datasets/eeg-file/reject/tensors", test_reject_tensors);
  g_test_add_func("/datasets/eeg-file/reject/sizes", test_reject_sizes);
  g_test_add_func("/datasets/eeg-file/reject/metadata", test_reject_metadata);
  g_test_add_func("/datasets/eeg-file/reject/values", test_reject_values);
  g_test_add_func("/datasets/eeg-file/reject/truncated", test_reject_truncated);
  g_test_add_func("/datasets/eeg-file/reject/corrupted", test_reject_corrupted);
  g_test_add_func("/datasets/eeg-file/save/invalid", test_save_invalid);
  g_test_add_func("/datasets/eeg-file/out-of-memory", test_out_of_memory);
  return g_test_run();
}

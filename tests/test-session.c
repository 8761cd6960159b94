/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Session files: round trips, every validation message, hostile documents, atomic saving. */
#include "config.h"

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "gb-session.h"
#include "gb-test-util.h"

static void
pixels_session(GbSession *s)
{
  gb_session_init(s);
  s->view = g_strdup("explain");
  s->model_id = g_strdup("digits-cnn");
  g_strlcpy(s->model_sha256, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            sizeof s->model_sha256);
  s->input.kind = GB_SESSION_INPUT_PIXELS;
  s->input.height = s->input.width = 28;
  s->input.values = g_new(float, 784);
  for (int i = 0; i < 784; i++)
    s->input.values[i] = (float)((i * 37) % 256) / 255.0f; /* not short decimals */
  gb_method_config_init(&s->method, GB_METHOD_LRP);
  s->method.lrp_preset = GB_LRP_PRESET_EPSILON_PLUS;
  s->method.lrp_epsilon = 0.3;
  s->method.seed = 123456789012345;
  s->target = gb_target_contrast(7, 1);
  g_strlcpy(s->colormap, "viridis", sizeof s->colormap);
  s->opacity = 0.45;
}

static void
assert_sessions_equal(const GbSession *a, const GbSession *b)
{
  g_assert_cmpstr(a->view ? a->view : "explain", ==, b->view);
  g_assert_cmpint(a->source, ==, b->source);
  g_assert_cmpstr(a->model_id, ==, b->model_id);
  g_assert_cmpstr(a->model_sha256, ==, b->model_sha256);
  g_assert_cmpint(a->input.kind, ==, b->input.kind);
  g_assert_cmpint(a->input.height, ==, b->input.height);
  g_assert_cmpint(a->input.width, ==, b->input.width);
  if (a->input.values)
    g_assert_cmpmem(a->input.values, a->input.height * a->input.width * sizeof(float),
                    b->input.values, b->input.height * b->input.width * sizeof(float));
  g_assert_cmpstr(a->input.name, ==, b->input.name);
  g_assert_cmpint(a->input.index, ==, b->input.index);
  const GbMethodConfig *m = &a->method, *n = &b->method;
  g_assert_cmpint(m->method, ==, n->method);
  g_assert_cmpint(m->lrp_preset, ==, n->lrp_preset);
  g_assert_cmpfloat(m->lrp_epsilon, ==, n->lrp_epsilon);
  g_assert_cmpfloat(m->lrp_gamma, ==, n->lrp_gamma);
  g_assert_cmpint(m->steps, ==, n->steps);
  g_assert_cmpint(m->samples, ==, n->samples);
  g_assert_cmpfloat(m->noise_level, ==, n->noise_level);
  g_assert_cmpint(m->baseline, ==, n->baseline);
  g_assert_cmpint(m->patch, ==, n->patch);
  g_assert_cmpint(m->stride, ==, n->stride);
  g_assert_cmpint(m->segmentation, ==, n->segmentation);
  g_assert_cmpuint(m->seed, ==, n->seed);
  g_assert_cmpint(a->target.class_a, ==, b->target.class_a);
  g_assert_cmpint(a->target.class_b, ==, b->target.class_b);
  g_assert_cmpstr(a->colormap, ==, b->colormap);
  g_assert_cmpfloat(a->opacity, ==, b->opacity);
}

static void
round_trip(const GbSession *s)
{
  GError *error = NULL;
  gsize len;
  char *text = gb_session_to_data(s, &len, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(strlen(text), ==, len);
  GbSession back;
  g_assert_true(gb_session_from_data(text, len, "mem.json", &back, &error));
  g_assert_no_error(error);
  assert_sessions_equal(s, &back);
  gb_session_clear(&back);
  g_free(text);
}

static void
test_round_trip(void)
{
  GbSession s;
  pixels_session(&s);
  round_trip(&s);
  gb_session_clear(&s);

  gb_session_init(&s);
  s.model_id = g_strdup("/models/my model é.safetensors");
  s.input.kind = GB_SESSION_INPUT_DATASET;
  s.input.name = g_strdup("fashion-test");
  s.input.index = 9999;
  gb_method_config_init(&s.method, GB_METHOD_LIME);
  s.method.segmentation = GB_SEGMENTATION_SLIC;
  s.method.baseline = GB_BASELINE_UNIFORM;
  s.method.samples = 5000;
  round_trip(&s);
  gb_session_clear(&s);

  gb_session_init(&s);
  s.source = GB_SESSION_SOURCE_EEG;
  s.model_id = g_strdup("eeg-prm");
  s.input.kind = GB_SESSION_INPUT_EEG;
  s.input.name = g_strdup("/data/Subject_A_Train.mat");
  s.input.index = 3;
  gb_method_config_init(&s.method, GB_METHOD_OCCLUSION);
  s.method.patch = 8;
  s.method.stride = 2;
  round_trip(&s);
  gb_session_clear(&s);
}

/* The documented example reads with the values it shows. */
static void
test_example(void)
{
  GString *doc = g_string_new(
      "{\"glassbox_session\": 1, \"view\": \"explain\", \"source\": \"digits\", "
      "\"model\": {\"id\": \"digits-cnn\", \"sha256\": "
      "\"ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef0123456789\"}, "
      "\"input\": {\"kind\": \"pixels\", \"height\": 28, \"width\": 28, \"values\": [");
  for (int i = 0; i < 784; i++)
    g_string_append_printf(doc, "%s%s", i ? "," : "", i == 100 ? "1" : i == 101 ? "0.5" : "0");
  g_string_append(doc, "]}, \"method\": {\"id\": \"lrp\", \"lrp_preset\": \"lrp-gamma-box\", "
                       "\"epsilon\": 0.1, \"gamma\": 0.25, \"steps\": 50, \"samples\": 50, "
                       "\"noise_level\": 0.15, \"baseline\": \"zeros\", \"patch\": 4, "
                       "\"stride\": 0, \"segmentation\": \"grid\", \"seed\": 0}, "
                       "\"target\": {\"class\": 7, \"contrast\": null}, "
                       "\"display\": {\"colormap\": \"diverging\", \"opacity\": 0.6}}");
  GbSession s;
  GError *error = NULL;
  g_assert_true(gb_session_from_data(doc->str, doc->len, "session.json", &s, &error));
  g_assert_no_error(error);
  g_assert_cmpint(s.source, ==, GB_SESSION_SOURCE_DIGITS);
  g_assert_cmpstr(s.model_id, ==, "digits-cnn");
  g_assert_cmpstr(s.model_sha256, ==,
                  "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789");
  g_assert_cmpint(s.input.kind, ==, GB_SESSION_INPUT_PIXELS);
  g_assert_cmpfloat(s.input.values[100], ==, 1.0f);
  g_assert_cmpfloat(s.input.values[101], ==, 0.5f);
  g_assert_cmpfloat(s.input.values[102], ==, 0.0f);
  g_assert_cmpint(s.method.method, ==, GB_METHOD_LRP);
  g_assert_cmpint(s.method.lrp_preset, ==, GB_LRP_PRESET_EPSILON_GAMMA_BOX);
  g_assert_cmpfloat(s.method.lrp_gamma, ==, 0.25);
  g_assert_cmpint(s.target.class_a, ==, 7);
  g_assert_cmpint(s.target.class_b, ==, -1);
  g_assert_cmpstr(s.colormap, ==, "diverging");
  g_assert_cmpfloat(s.opacity, ==, 0.6);
  gb_session_clear(&s);
  g_string_free(doc, TRUE);
}

/* A valid dataset session with @member of @object replaced by @value ("" removes it). */
static char *
edited(const char *object, const char *member, const char *value)
{
  const char *parts[][2] = {
      {"model", "\"id\": \"digits-cnn\""},
      {"input", "\"kind\": \"dataset\", \"name\": \"mnist-test\", \"index\": 12"},
      {"method", "\"id\": \"smoothgrad\", \"samples\": 20"},
      {"target", "\"class\": 3, \"contrast\": null"},
      {"display", "\"opacity\": 0.5"},
  };
  GString *doc = g_string_new("{\"glassbox_session\": 1, \"view\": \"explain\", "
                              "\"source\": \"digits\"");
  for (size_t i = 0; i < G_N_ELEMENTS(parts); i++) {
    g_string_append_printf(doc, ", \"%s\": {%s", parts[i][0], parts[i][1]);
    if (g_str_equal(object, parts[i][0]) && *value)
      g_string_append_printf(doc, ", \"%s\": %s", member, value);
    g_string_append(doc, "}");
  }
  g_string_append(doc, "}");
  return g_string_free(doc, FALSE);
}

static void
assert_refused(const char *doc, const char *message)
{
  GbSession s;
  GError *error = NULL;
  gboolean ok = gb_session_from_data(doc, strlen(doc), "session.json", &s, &error);
  if (ok)
    g_error("accepted: %s", doc);
  g_assert_error(error, GB_SESSION_ERROR, GB_SESSION_ERROR_INVALID);
  if (!g_str_has_prefix(error->message, "session.json: ") || !strstr(error->message, message))
    g_error("'%s' does not say '%s'", error->message, message);
  /* The session is left empty. */
  g_assert_null(s.model_id);
  g_assert_null(s.input.values);
  g_assert_null(s.input.name);
  g_error_free(error);
}

static void
test_validation_messages(void)
{
  char *ok = edited("", "", "");
  GbSession s;
  g_assert_true(gb_session_from_data(ok, strlen(ok), "x", &s, NULL));
  g_assert_cmpint(s.method.samples, ==, 20);
  gb_session_clear(&s);
  g_free(ok);

  static const struct {
    const char *object, *member, *value, *message;
  } cases[] = {
      {"model", "sha256", "\"12ab\"", "model.sha256 must be 64 hexadecimal digits"},
      {"model", "sha256", "42", "model.sha256 must be a string, not a number"},
      {"input", "index", "-1", "input.index is -1, expected 0 to 1000000000"},
      {"input", "index", "1.5", "input.index is 1.5, expected a whole number"},
      {"method", "steps", "0", "method.steps is 0, expected 1 to 100000"},
      {"method", "epsilon", "-0.5", "method.epsilon is -0.5, expected 0 to 1e+06"},
      {"method", "epsilon", "1e999", "method.epsilon is not a finite number"},
      {"method", "noise_level", "\"high\"", "method.noise_level must be a number, not a string"},
      {"method", "baseline", "\"custom\"",
       "method.baseline is 'custom', expected one of: zeros, mean, blur, uniform"},
      {"method", "segmentation", "\"voronoi\"",
       "method.segmentation is 'voronoi', expected one of: grid, slic"},
      {"method", "lrp_preset", "\"lrp-9\"", "method.lrp_preset is 'lrp-9', not an LRP preset"},
      {"method", "seed", "-3", "method.seed is -3"},
      {"target", "contrast", "3", "target.contrast is class 3 again"},
      {"target", "contrast", "true", "target.contrast must be a whole number, not a boolean"},
      {"display", "opacity", "1.5", "display.opacity is 1.5, expected 0 to 1"},
      {"display", "colormap", "\"jet\"",
       "display.colormap is 'jet', expected one of: diverging, viridis"},
  };
  for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
    char *doc = edited(cases[i].object, cases[i].member, cases[i].value);
    assert_refused(doc, cases[i].message);
    g_free(doc);
  }
  /* Whole-document and structural problems. */
  static const struct {
    const char *doc, *message;
  } docs[] = {
      {"[1, 2]", "not a Glassbox session (the document is an array, not an object)"},
      {"{\"view\": \"explain\"}", "not a Glassbox session (no \"glassbox_session\" member)"},
      {"{\"glassbox_session\": \"1\"}", "glassbox_session must be a version number"},
      {"{\"glassbox_session\": 1, \"view\": \"telepathy\"}",
       "view is 'telepathy', expected one of: explain, gallery, compare, shap, lrp-vs-gxi, "
       "curves, sanity, train, global, hidden"},
      {"{\"glassbox_session\": 1, \"view\": \"explain\", \"source\": \"audio\"}",
       "source is 'audio', expected one of: digits, eeg"},
      {"{\"glassbox_session\": 1, \"view\": \"explain\", \"source\": \"eeg\"}",
       "model is missing"},
      {"{\"glassbox_session\": 1, \"view\": \"explain\", \"source\": \"eeg\", \"model\": 3}",
       "model must be an object, not a number"},
      {"{\"glassbox_session\": 1, \"view\": \"explain\", \"source\": \"eeg\", "
       "\"model\": {\"id\": \"\"}}",
       "model.id must hold 1 to 4096 bytes"},
      {"{\"glassbox_session\": 1, \"view\": \"explain\", \"source\": \"eeg\", "
       "\"model\": {\"id\": \"m\"}, \"input\": {\"kind\": \"dataset\", \"name\": \"a\", "
       "\"index\": 0}}",
       "input.kind 'dataset' does not go with source 'eeg'"},
      {"{\"glassbox_session\": 1, \"view\": \"explain\", \"source\": \"digits\", "
       "\"model\": {\"id\": \"m\"}, \"input\": {\"kind\": \"dataset\", \"index\": 0}}",
       "input.name is missing"},
      {"{\"glassbox_session\": 1, \"view\": \"explain\", \"source\": \"digits\", "
       "\"model\": {\"id\": \"m\"}, \"input\": {\"kind\": \"dataset\", \"name\": \"a\", "
       "\"index\": 0}, \"method\": {\"id\": \"magic\"}}",
       "method.id is 'magic', not a method (known: "},
      {"{\"glassbox_session\": 1, \"view\": \"explain\", \"source\": \"digits\", "
       "\"model\": {\"id\": \"m\"}, \"input\": {\"kind\": \"dataset\", \"name\": \"a\", "
       "\"index\": 0}, \"method\": {\"id\": \"lrp\"}}",
       "target is missing"},
      {"{\"glassbox_session\": 1, \"view\": \"explain\", \"source\": \"digits\", "
       "\"model\": {\"id\": \"m\"}, \"input\": {\"kind\": \"pixels\", \"height\": 28, "
       "\"width\": 28, \"values\": [0.5, 0.25]}}",
       "input.values has 2 numbers, expected 784 (28 x 28)"},
      {"{\"glassbox_session\": 1, \"view\": \"explain\", \"source\": \"digits\", "
       "\"model\": {\"id\": \"m\"}, \"input\": {\"kind\": \"pixels\", \"height\": 1, "
       "\"width\": 3, \"values\": [0.5, 1.25, 0]}}",
       "input.values[1] is 1.25, expected a number in [0, 1]"},
      {"{\"glassbox_session\": 1, \"view\": \"explain\", \"source\": \"digits\", "
       "\"model\": {\"id\": \"m\"}, \"input\": {\"kind\": \"pixels\", \"height\": 1, "
       "\"width\": 2, \"values\": [0.5, null]}}",
       "input.values[1] must be a number, not null"},
      {"{\"glassbox_session\": 1, \"view\": \"explain\", \"source\": \"digits\", "
       "\"model\": {\"id\": \"m\"}, \"input\": {\"kind\": \"pixels\", \"height\": 1, "
       "\"width\": 2, \"values\": [0.5, -1e999]}}",
       "input.values[1] is -inf, expected a number in [0, 1]"},
      {"{\"glassbox_session\": 1, \"view\": \"explain\", \"source\": \"digits\", "
       "\"model\": {\"id\": \"m\"}, \"input\": {\"kind\": \"pixels\", \"height\": 5000, "
       "\"width\": 1, \"values\": []}}",
       "input.height is 5000, expected 1 to 1024"},
  };
  for (size_t i = 0; i < G_N_ELEMENTS(docs); i++)
    assert_refused(docs[i].doc, docs[i].message);
}

/* A newer version, not JSON, binary, truncated, deeply nested: messages, no crash. */
static void
test_hostile(void)
{
  GbSession s;
  GError *error = NULL;
  const char *newer = "{\"glassbox_session\": 2}";
  g_assert_false(gb_session_from_data(newer, strlen(newer), "new.json", &s, &error));
  g_assert_error(error, GB_SESSION_ERROR, GB_SESSION_ERROR_VERSION);
  g_assert_cmpstr(error->message, ==,
                  "new.json: a session of version 2 from a newer Glassbox (this one reads "
                  "version 1)");
  g_clear_error(&error);
  assert_refused("{\"glassbox_session\": 1, \"view\"", "not valid JSON");
  assert_refused("", "not a Glassbox session (the document is empty, not an object)");
  const char bin[] = "{\"glassbox_session\": 1\0\xff}";
  g_assert_false(gb_session_from_data(bin, sizeof bin - 1, "b.json", &s, &error));
  g_assert_cmpstr(error->message, ==, "b.json: not a Glassbox session (binary data)");
  g_clear_error(&error);
  GString *deep = g_string_new("{\"glassbox_session\": 1, \"view\": ");
  for (int i = 0; i < 100000; i++)
    g_string_append_c(deep, '[');
  assert_refused(deep->str, "not a Glassbox session (nested deeper than 32 levels)");
  g_string_free(deep, TRUE);
  /* Every prefix of a valid file is refused cleanly. */
  GbSession full;
  pixels_session(&full);
  gsize len;
  char *text = gb_session_to_data(&full, &len, NULL);
  for (gsize cut = 0; cut < len; cut += 7) {
    if (gb_session_from_data(text, cut, "cut.json", &s, &error))
      g_error("a file cut at %zu of %zu bytes was accepted", cut, len);
    g_assert_nonnull(error);
    g_clear_error(&error);
  }
  g_free(text);
  gb_session_clear(&full);
}

/* Saving refuses what it could not read back and names the field. */
static void
test_save_invalid(void)
{
  GbSession s;
  pixels_session(&s);
  s.input.values[12] = NAN;
  GError *error = NULL;
  g_assert_null(gb_session_to_data(&s, NULL, &error));
  g_assert_nonnull(strstr(error->message, "input.values[12]"));
  g_clear_error(&error);
  s.input.values[12] = 0.5f;
  s.method.baseline = GB_BASELINE_CUSTOM;
  char *dir = g_dir_make_tmp("gb-session-XXXXXX", NULL);
  char *path = g_build_filename(dir, "s.json", NULL);
  g_assert_false(gb_session_save(path, &s, &error));
  g_assert_nonnull(strstr(error->message, "method.baseline is 'custom'"));
  g_clear_error(&error);
  g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
  gb_session_clear(&s);
  gb_test_remove_tree(dir);
  g_free(path);
  g_free(dir);
}

static void
test_save_load_file(void)
{
  char *dir = g_dir_make_tmp("gb-session-XXXXXX", NULL);
  char *path = g_build_filename(dir, "s.json", NULL);
  GbSession s, back;
  pixels_session(&s);
  GError *error = NULL;
  g_assert_true(gb_session_save(path, &s, &error));
  g_assert_no_error(error);
  g_assert_true(gb_session_load(path, &back, &error));
  assert_sessions_equal(&s, &back);
  gb_session_clear(&back);
  /* Errors from loading name the file. */
  char *missing = g_build_filename(dir, "none.json", NULL);
  g_assert_false(gb_session_load(missing, &back, &error));
  g_assert_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_assert_nonnull(strstr(error->message, missing));
  g_clear_error(&error);
  g_file_set_contents(missing, "{\"glassbox_session\": 1}", -1, NULL);
  g_assert_false(gb_session_load(missing, &back, &error));
  g_assert_true(g_str_has_prefix(error->message, missing));
  g_clear_error(&error);
  /* Onto a full device: an error, and the link to it is not replaced. */
  char *full = g_build_filename(dir, "full.json", NULL);
  if (symlink("/dev/full", full) == 0) {
    g_assert_false(gb_session_save(full, &s, &error));
    g_assert_nonnull(strstr(error->message, g_strerror(ENOSPC)));
    g_assert_true(g_file_test(full, G_FILE_TEST_IS_SYMLINK));
    g_clear_error(&error);
  }
  /* Into a read-only directory: an error, and the previous file is intact. */
  if (geteuid() != 0) {
    char *before;
    gsize n_before;
    g_assert_true(g_file_get_contents(path, &before, &n_before, NULL));
    s.opacity = 0.1;
    g_assert_cmpint(g_chmod(dir, 0555), ==, 0);
    g_assert_false(gb_session_save(path, &s, &error));
    g_assert_cmpint(g_chmod(dir, 0755), ==, 0);
    g_assert_nonnull(error);
    g_clear_error(&error);
    char *after;
    gsize n_after;
    g_assert_true(g_file_get_contents(path, &after, &n_after, NULL));
    g_assert_cmpmem(before, n_before, after, n_after);
    g_free(before);
    g_free(after);
  }
  gb_session_clear(&s);
  gb_test_remove_tree(dir);
  g_free(full);
  g_free(missing);
  g_free(path);
  g_free(dir);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/io/session/round-trip", test_round_trip);
  g_test_add_func("/io/session/example", test_example);
  g_test_add_func("/io/session/validation-messages", test_validation_messages);
  g_test_add_func("/io/session/hostile", test_hostile);
  g_test_add_func("/io/session/save-invalid", test_save_invalid);
  g_test_add_func("/io/session/save-load-file", test_save_load_file);
  return g_test_run();
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-session.h"

#include <errno.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "gb-file.h"

G_DEFINE_QUARK(gb-session-error-quark, gb_session_error)

#define MAX_CLASS 999
#define MAX_INDEX 1000000000
#define MAX_TEXT  4096

static const char *const source_ids[] = {"digits", "eeg"};
static const char *const input_ids[] = {"pixels", "dataset", "eeg"};
static const char *const baseline_ids[] = {"zeros", "mean", "blur", "uniform"};
static const GbBaselineKind baseline_kinds[] = {GB_BASELINE_ZEROS, GB_BASELINE_MEAN,
                                                GB_BASELINE_BLUR, GB_BASELINE_UNIFORM};
static const char *const segmentation_ids[] = {"grid", "slic"};
static const char *const colormap_ids[] = {"diverging", "viridis"};

void
gb_session_init(GbSession *s)
{
  memset(s, 0, sizeof *s);
  s->source = GB_SESSION_SOURCE_DIGITS;
  s->input.kind = GB_SESSION_INPUT_DATASET;
  gb_method_config_init(&s->method, GB_METHOD_SALIENCY);
  s->target = gb_target_class(0);
  g_strlcpy(s->colormap, "diverging", sizeof s->colormap);
  s->opacity = 0.6;
}

void
gb_session_clear(GbSession *s)
{
  g_free(s->view);
  g_free(s->model_id);
  g_free(s->input.values);
  g_free(s->input.name);
  gb_session_init(s);
}

/* ---- Reading -------------------------------------------------------------------------------- */

/* Where messages start and where they go. */
typedef struct {
  const char *name;
  GError **error;
} Ctx;

static gboolean G_GNUC_PRINTF(2, 3)
fail(Ctx *c, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_set_error(c->error, GB_SESSION_ERROR, GB_SESSION_ERROR_INVALID, "%s: %s", c->name, msg);
  return FALSE;
}

static const char *
node_kind(JsonNode *n)
{
  switch (JSON_NODE_TYPE(n)) {
  case JSON_NODE_OBJECT: return "an object";
  case JSON_NODE_ARRAY: return "an array";
  case JSON_NODE_NULL: return "null";
  case JSON_NODE_VALUE: break;
  }
  GType t = json_node_get_value_type(n);
  if (t == G_TYPE_STRING)
    return "a string";
  if (t == G_TYPE_BOOLEAN)
    return "a boolean";
  return "a number";
}

static gboolean
is_number(JsonNode *n)
{
  if (!JSON_NODE_HOLDS_VALUE(n))
    return FALSE;
  GType t = json_node_get_value_type(n);
  return t == G_TYPE_INT64 || t == G_TYPE_DOUBLE;
}

/* Member @key of @o (the object at @where); NULL and an error when it is missing and
 * @required, NULL without an error when it is missing and optional. */
static JsonNode *
member(Ctx *c, JsonObject *o, const char *where, const char *key, gboolean required)
{
  JsonNode *n = json_object_get_member(o, key);
  if (n == NULL && required)
    fail(c, "%s%s%s is missing", where, *where ? "." : "", key);
  return n;
}

static JsonObject *
read_object(Ctx *c, JsonObject *o, const char *key, gboolean required)
{
  JsonNode *n = member(c, o, "", key, required);
  if (n == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT(n)) {
    fail(c, "%s must be an object, not %s", key, node_kind(n));
    return NULL;
  }
  return json_node_get_object(n);
}

/* *@found tells an absent optional member (TRUE return, *found FALSE) from a present one. */
static gboolean
read_int(Ctx *c, JsonObject *o, const char *where, const char *key, gboolean required,
         gint64 lo, gint64 hi, gint64 *out, gboolean *found)
{
  JsonNode *n = member(c, o, where, key, required);
  if (found)
    *found = n != NULL;
  if (n == NULL)
    return !required;
  if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_INT64) {
    if (is_number(n))
      return fail(c, "%s.%s is %g, expected a whole number", where, key,
                  json_node_get_double(n));
    return fail(c, "%s.%s must be a whole number, not %s", where, key, node_kind(n));
  }
  gint64 v = json_node_get_int(n);
  if (v < lo || v > hi)
    return fail(c, "%s.%s is %" G_GINT64_FORMAT ", expected %" G_GINT64_FORMAT
                " to %" G_GINT64_FORMAT, where, key, v, lo, hi);
  *out = v;
  return TRUE;
}

static gboolean
read_double(Ctx *c, JsonObject *o, const char *where, const char *key, gboolean required,
            double lo, double hi, double *out)
{
  JsonNode *n = member(c, o, where, key, required);
  if (n == NULL)
    return !required;
  if (!is_number(n))
    return fail(c, "%s.%s must be a number, not %s", where, key, node_kind(n));
  double v = json_node_get_double(n);
  if (!isfinite(v))
    return fail(c, "%s.%s is not a finite number", where, key);
  if (v < lo || v > hi)
    return fail(c, "%s.%s is %g, expected %g to %g", where, key, v, lo, hi);
  *out = v;
  return TRUE;
}

/* A string member: NULL (with an error when @required) when absent or wrong. */
static const char *
read_string(Ctx *c, JsonObject *o, const char *where, const char *key, gboolean required)
{
  JsonNode *n = member(c, o, where, key, required);
  if (n == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING) {
    fail(c, "%s.%s must be a string, not %s", where, key, node_kind(n));
    return NULL;
  }
  const char *s = json_node_get_string(n);
  if (*s == '\0' || strlen(s) > MAX_TEXT) {
    fail(c, "%s.%s must hold 1 to %d bytes", where, key, MAX_TEXT);
    return NULL;
  }
  return s;
}

/* Index of @s in @ids, or -1 with "WHERE.KEY is 'S', expected one of: a, b". */
static int
read_choice(Ctx *c, const char *where, const char *key, const char *s, const char *const *ids,
            int n)
{
  for (int i = 0; i < n; i++)
    if (g_str_equal(s, ids[i]))
      return i;
  g_autoptr(GString) known = g_string_new(NULL);
  for (int i = 0; i < n; i++)
    g_string_append_printf(known, "%s%s", i ? ", " : "", ids[i]);
  fail(c, "%s%s%s is '%s', expected one of: %s", where, *where ? "." : "", key, s, known->str);
  return -1;
}

/* A string member that must be one of @ids: its index, -1 after an error, or @fallback when
 * it is absent and optional. */
static int
read_enum(Ctx *c, JsonObject *o, const char *where, const char *key, const char *const *ids,
          int n, gboolean required, int fallback)
{
  if (!required && !json_object_has_member(o, key))
    return fallback;
  const char *s = read_string(c, o, where, key, TRUE);
  return s == NULL ? -1 : read_choice(c, where, key, s, ids, n);
}

static gboolean
read_model(Ctx *c, JsonObject *root, GbSession *s)
{
  JsonObject *o = read_object(c, root, "model", TRUE);
  if (o == NULL)
    return FALSE;
  const char *id = read_string(c, o, "model", "id", TRUE);
  if (id == NULL)
    return FALSE;
  s->model_id = g_strdup(id);
  if (!json_object_has_member(o, "sha256"))
    return TRUE;
  const char *h = read_string(c, o, "model", "sha256", TRUE);
  if (h == NULL)
    return FALSE;
  gboolean hex = strlen(h) == 64;
  for (int i = 0; hex && h[i]; i++)
    hex = g_ascii_isxdigit(h[i]);
  if (!hex)
    return fail(c, "model.sha256 must be 64 hexadecimal digits");
  for (int i = 0; i < 64; i++)
    s->model_sha256[i] = g_ascii_tolower(h[i]);
  return TRUE;
}

static gboolean
read_pixels(Ctx *c, JsonObject *o, GbSessionInput *in)
{
  gint64 h, w;
  if (!read_int(c, o, "input", "height", TRUE, 1, GB_SESSION_MAX_SIDE, &h, NULL) ||
      !read_int(c, o, "input", "width", TRUE, 1, GB_SESSION_MAX_SIDE, &w, NULL))
    return FALSE;
  JsonNode *n = member(c, o, "input", "values", TRUE);
  if (n == NULL)
    return FALSE;
  if (!JSON_NODE_HOLDS_ARRAY(n))
    return fail(c, "input.values must be an array, not %s", node_kind(n));
  JsonArray *a = json_node_get_array(n);
  guint len = json_array_get_length(a);
  if ((gint64)len != h * w)
    return fail(c, "input.values has %u numbers, expected %" G_GINT64_FORMAT " (%" G_GINT64_FORMAT
                " x %" G_GINT64_FORMAT ")", len, h * w, h, w);
  in->values = g_new(float, len);
  for (guint i = 0; i < len; i++) {
    JsonNode *e = json_array_get_element(a, i);
    if (!is_number(e))
      return fail(c, "input.values[%u] must be a number, not %s", i, node_kind(e));
    double v = json_node_get_double(e);
    if (!(v >= 0.0 && v <= 1.0))
      return fail(c, "input.values[%u] is %g, expected a number in [0, 1]", i, v);
    in->values[i] = (float)v;
  }
  in->height = (int)h;
  in->width = (int)w;
  return TRUE;
}

static gboolean
read_input(Ctx *c, JsonObject *root, GbSession *s)
{
  JsonObject *o = read_object(c, root, "input", TRUE);
  if (o == NULL)
    return FALSE;
  int kind = read_enum(c, o, "input", "kind", input_ids, 3, TRUE, 0);
  if (kind < 0)
    return FALSE;
  GbSessionInput *in = &s->input;
  in->kind = (GbSessionInputKind)kind;
  gboolean eeg_source = s->source == GB_SESSION_SOURCE_EEG;
  if ((in->kind == GB_SESSION_INPUT_EEG) != eeg_source)
    return fail(c, "input.kind '%s' does not go with source '%s'", input_ids[kind],
                source_ids[s->source]);
  if (in->kind == GB_SESSION_INPUT_PIXELS)
    return read_pixels(c, o, in);
  const char *key = in->kind == GB_SESSION_INPUT_EEG ? "file" : "name";
  const char *name = read_string(c, o, "input", key, TRUE);
  if (name == NULL)
    return FALSE;
  in->name = g_strdup(name);
  gint64 index;
  if (!read_int(c, o, "input", in->kind == GB_SESSION_INPUT_EEG ? "trial" : "index", TRUE, 0,
                MAX_INDEX, &index, NULL))
    return FALSE;
  in->index = (int)index;
  return TRUE;
}

static gboolean
read_method(Ctx *c, JsonObject *root, GbSession *s)
{
  JsonObject *o = read_object(c, root, "method", TRUE);
  if (o == NULL)
    return FALSE;
  const char *id = read_string(c, o, "method", "id", TRUE);
  if (id == NULL)
    return FALSE;
  int m = gb_method_from_id(id);
  if (m < 0 || !g_str_equal(gb_method_id(m), id))
    return fail(c, "method.id is '%s', not a method (known: %s)", id, gb_method_ids_text());
  GbMethodConfig *mc = &s->method;
  gb_method_config_init(mc, (GbMethod)m);
  if (json_object_has_member(o, "lrp_preset")) {
    const char *p = read_string(c, o, "method", "lrp_preset", TRUE);
    if (p == NULL)
      return FALSE;
    int preset = gb_lrp_preset_from_id(p);
    if (preset < 0)
      return fail(c, "method.lrp_preset is '%s', not an LRP preset (known: lrp-0, lrp-epsilon, "
                  "lrp-gamma-box, lrp-plus, lrp-alpha2-beta1)", p);
    mc->lrp_preset = (GbLrpPreset)preset;
  }
  gint64 steps = mc->steps, samples = mc->samples, patch = mc->patch, stride = mc->stride;
  gint64 seed = (gint64)mc->seed;
  if (!read_double(c, o, "method", "epsilon", FALSE, 0.0, 1e6, &mc->lrp_epsilon) ||
      !read_double(c, o, "method", "gamma", FALSE, 0.0, 1e6, &mc->lrp_gamma) ||
      !read_int(c, o, "method", "steps", FALSE, 1, 100000, &steps, NULL) ||
      !read_int(c, o, "method", "samples", FALSE, 0, 10000000, &samples, NULL) ||
      !read_double(c, o, "method", "noise_level", FALSE, 0.0, 10.0, &mc->noise_level) ||
      !read_int(c, o, "method", "patch", FALSE, 1, GB_SESSION_MAX_SIDE, &patch, NULL) ||
      !read_int(c, o, "method", "stride", FALSE, 0, GB_SESSION_MAX_SIDE, &stride, NULL) ||
      !read_int(c, o, "method", "seed", FALSE, 0, G_MAXINT64, &seed, NULL))
    return FALSE;
  mc->steps = (int)steps;
  mc->samples = (int)samples;
  mc->patch = (int)patch;
  mc->stride = (int)stride;
  mc->seed = (uint64_t)seed;
  int b = read_enum(c, o, "method", "baseline", baseline_ids, 4, FALSE, -2);
  if (b == -1)
    return FALSE;
  if (b >= 0)
    mc->baseline = baseline_kinds[b];
  int seg = read_enum(c, o, "method", "segmentation", segmentation_ids, 2, FALSE, -2);
  if (seg == -1)
    return FALSE;
  if (seg >= 0)
    mc->segmentation = seg == 0 ? GB_SEGMENTATION_GRID : GB_SEGMENTATION_SLIC;
  return TRUE;
}

static gboolean
read_target(Ctx *c, JsonObject *root, GbSession *s)
{
  JsonObject *o = read_object(c, root, "target", TRUE);
  if (o == NULL)
    return FALSE;
  gint64 a, b = -1;
  if (!read_int(c, o, "target", "class", TRUE, 0, MAX_CLASS, &a, NULL))
    return FALSE;
  JsonNode *n = json_object_get_member(o, "contrast");
  if (n != NULL && !JSON_NODE_HOLDS_NULL(n)) {
    if (!read_int(c, o, "target", "contrast", TRUE, 0, MAX_CLASS, &b, NULL))
      return FALSE;
    if (b == a)
      return fail(c, "target.contrast is class %" G_GINT64_FORMAT " again; contrast it with "
                  "another class or use null", b);
  }
  s->target = b < 0 ? gb_target_class((int)a) : gb_target_contrast((int)a, (int)b);
  return TRUE;
}

static gboolean
read_display(Ctx *c, JsonObject *root, GbSession *s)
{
  if (!json_object_has_member(root, "display"))
    return TRUE;
  JsonObject *o = read_object(c, root, "display", TRUE);
  if (o == NULL)
    return FALSE;
  int cm = read_enum(c, o, "display", "colormap", colormap_ids, 2, FALSE, -2);
  if (cm == -1)
    return FALSE;
  if (cm >= 0)
    g_strlcpy(s->colormap, colormap_ids[cm], sizeof s->colormap);
  return read_double(c, o, "display", "opacity", FALSE, 0.0, 1.0, &s->opacity);
}

static gboolean
read_root(Ctx *c, JsonNode *root, GbSession *s)
{
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root))
    return fail(c, "not a Glassbox session (the document is %s, not an object)",
                root ? node_kind(root) : "empty");
  JsonObject *o = json_node_get_object(root);
  JsonNode *v = json_object_get_member(o, "glassbox_session");
  if (v == NULL)
    return fail(c, "not a Glassbox session (no \"glassbox_session\" member)");
  if (!JSON_NODE_HOLDS_VALUE(v) || json_node_get_value_type(v) != G_TYPE_INT64 ||
      json_node_get_int(v) < 1)
    return fail(c, "glassbox_session must be a version number, not %s", node_kind(v));
  if (json_node_get_int(v) > GB_SESSION_VERSION) {
    g_set_error(c->error, GB_SESSION_ERROR, GB_SESSION_ERROR_VERSION,
                "%s: a session of version %" G_GINT64_FORMAT " from a newer Glassbox (this one "
                "reads version %d)", c->name, json_node_get_int(v), GB_SESSION_VERSION);
    return FALSE;
  }
  /* The app's pages. */
  static const char *const views[] = {"explain", "gallery", "compare", "shap", "lrp-vs-gxi",
                                      "curves",  "sanity",  "train",   "global", "hidden"};
  int view = read_enum(c, o, "", "view", views, G_N_ELEMENTS(views), TRUE, 0);
  if (view < 0)
    return FALSE;
  s->view = g_strdup(views[view]);
  int source = read_enum(c, o, "", "source", source_ids, 2, TRUE, 0);
  if (source < 0)
    return FALSE;
  s->source = (GbSessionSource)source;
  return read_model(c, o, s) && read_input(c, o, s) && read_method(c, o, s) &&
         read_target(c, o, s) && read_display(c, o, s);
}

/* json-glib 1.6 parses nested arrays and objects by recursion without a limit: a few hundred
 * thousand '[' overflow the stack. Sessions nest 3 levels; refuse anything past MAX_DEPTH
 * before the parser sees it. Brackets inside strings do not count. */
#define MAX_DEPTH 32

static gboolean
nesting_ok(const char *data, gsize len)
{
  int depth = 0;
  gboolean in_string = FALSE;
  for (gsize i = 0; i < len; i++) {
    char ch = data[i];
    if (in_string) {
      if (ch == '\\')
        i++;
      else if (ch == '"')
        in_string = FALSE;
    } else if (ch == '"') {
      in_string = TRUE;
    } else if (ch == '[' || ch == '{') {
      if (++depth > MAX_DEPTH)
        return FALSE;
    } else if (ch == ']' || ch == '}') {
      depth--;
    }
  }
  return TRUE;
}

gboolean
gb_session_from_data(const char *data, gsize len, const char *name, GbSession *s, GError **error)
{
  gb_session_init(s);
  Ctx c = {name ? name : "session", error};
  if (len > G_MAXSSIZE || (len > 0 && memchr(data, '\0', len) != NULL))
    return fail(&c, "not a Glassbox session (binary data)");
  if (!nesting_ok(data, len))
    return fail(&c, "not a Glassbox session (nested deeper than %d levels)", MAX_DEPTH);
  g_autoptr(JsonParser) parser = json_parser_new_immutable();
  g_autoptr(GError) parse_error = NULL;
  if (!json_parser_load_from_data(parser, data, (gssize)len, &parse_error))
    return fail(&c, "not valid JSON: %s", parse_error->message);
  if (!read_root(&c, json_parser_get_root(parser), s)) {
    gb_session_clear(s);
    return FALSE;
  }
  return TRUE;
}

gboolean
gb_session_load(const char *path, GbSession *s, GError **error)
{
  gb_session_init(s);
  g_autofree char *data = NULL;
  gsize len;
  if (!g_file_get_contents(path, &data, &len, error))
    return FALSE;
  return gb_session_from_data(data, len, path, s, error);
}

/* ---- Writing -------------------------------------------------------------------------------- */

static const char *
baseline_id(GbBaselineKind k)
{
  for (size_t i = 0; i < G_N_ELEMENTS(baseline_kinds); i++)
    if (baseline_kinds[i] == k)
      return baseline_ids[i];
  return "custom"; /* not readable: saving refuses it */
}

static void
add_int(JsonBuilder *b, const char *key, gint64 v)
{
  json_builder_set_member_name(b, key);
  json_builder_add_int_value(b, v);
}

static void
add_double(JsonBuilder *b, const char *key, double v)
{
  json_builder_set_member_name(b, key);
  json_builder_add_double_value(b, v);
}

static void
add_string(JsonBuilder *b, const char *key, const char *v)
{
  json_builder_set_member_name(b, key);
  json_builder_add_string_value(b, v ? v : "");
}

static void
build_input(JsonBuilder *b, const GbSessionInput *in)
{
  json_builder_set_member_name(b, "input");
  json_builder_begin_object(b);
  add_string(b, "kind", input_ids[in->kind]);
  if (in->kind == GB_SESSION_INPUT_PIXELS) {
    add_int(b, "height", in->height);
    add_int(b, "width", in->width);
    json_builder_set_member_name(b, "values");
    json_builder_begin_array(b);
    for (int i = 0; in->values != NULL && i < in->height * in->width; i++)
      json_builder_add_double_value(b, in->values[i]);
    json_builder_end_array(b);
  } else {
    gboolean eeg = in->kind == GB_SESSION_INPUT_EEG;
    add_string(b, eeg ? "file" : "name", in->name);
    add_int(b, eeg ? "trial" : "index", in->index);
  }
  json_builder_end_object(b);
}

static void
build_method(JsonBuilder *b, const GbMethodConfig *m)
{
  json_builder_set_member_name(b, "method");
  json_builder_begin_object(b);
  add_string(b, "id", gb_method_id(m->method));
  add_string(b, "lrp_preset", gb_lrp_preset_id(m->lrp_preset));
  add_double(b, "epsilon", m->lrp_epsilon);
  add_double(b, "gamma", m->lrp_gamma);
  add_int(b, "steps", m->steps);
  add_int(b, "samples", m->samples);
  add_double(b, "noise_level", m->noise_level);
  add_string(b, "baseline", baseline_id(m->baseline));
  add_int(b, "patch", m->patch);
  add_int(b, "stride", m->stride);
  add_string(b, "segmentation", m->segmentation == GB_SEGMENTATION_SLIC ? "slic" : "grid");
  add_int(b, "seed", (gint64)m->seed);
  json_builder_end_object(b);
}

static char *
build_text(const GbSession *s, gsize *len)
{
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  add_int(b, "glassbox_session", GB_SESSION_VERSION);
  add_string(b, "view", s->view ? s->view : "explain");
  add_string(b, "source", source_ids[s->source == GB_SESSION_SOURCE_EEG]);
  json_builder_set_member_name(b, "model");
  json_builder_begin_object(b);
  add_string(b, "id", s->model_id);
  if (s->model_sha256[0])
    add_string(b, "sha256", s->model_sha256);
  json_builder_end_object(b);
  build_input(b, &s->input);
  build_method(b, &s->method);
  json_builder_set_member_name(b, "target");
  json_builder_begin_object(b);
  add_int(b, "class", s->target.class_a);
  json_builder_set_member_name(b, "contrast");
  if (s->target.class_b >= 0)
    json_builder_add_int_value(b, s->target.class_b);
  else
    json_builder_add_null_value(b);
  json_builder_end_object(b);
  json_builder_set_member_name(b, "display");
  json_builder_begin_object(b);
  add_string(b, "colormap", s->colormap);
  add_double(b, "opacity", s->opacity);
  json_builder_end_object(b);
  json_builder_end_object(b);
  g_autoptr(JsonNode) root = json_builder_get_root(b);
  g_autoptr(JsonGenerator) gen = json_generator_new();
  json_generator_set_root(gen, root);
  json_generator_set_pretty(gen, TRUE);
  json_generator_set_indent(gen, 2);
  char *text = json_generator_to_data(gen, len);
  return text;
}

/* json-glib writes NaN and infinities as "nan.0", which no reader takes: catch them here, with
 * the same messages as reading gives. */
static gboolean
check_finite(const GbSession *s, GError **error)
{
  Ctx c = {"session", error};
  const GbSessionInput *in = &s->input;
  for (int i = 0; in->kind == GB_SESSION_INPUT_PIXELS && in->values && i < in->height * in->width;
       i++)
    if (!isfinite(in->values[i]))
      return fail(&c, "input.values[%d] is %g, expected a number in [0, 1]", i, in->values[i]);
  const struct {
    const char *name;
    double v;
  } d[] = {{"method.epsilon", s->method.lrp_epsilon}, {"method.gamma", s->method.lrp_gamma},
           {"method.noise_level", s->method.noise_level}, {"display.opacity", s->opacity}};
  for (size_t i = 0; i < G_N_ELEMENTS(d); i++)
    if (!isfinite(d[i].v))
      return fail(&c, "%s is not a finite number", d[i].name);
  return TRUE;
}

char *
gb_session_to_data(const GbSession *s, gsize *len, GError **error)
{
  if (!check_finite(s, error))
    return NULL;
  gsize n;
  char *text = build_text(s, &n);
  /* What is written must read back: the reader is the one place that knows what is valid. */
  GbSession check;
  if (!gb_session_from_data(text, n, "session", &check, error)) {
    g_free(text);
    return NULL;
  }
  gb_session_clear(&check);
  if (len)
    *len = n;
  return text;
}

/* A device or pipe (gb-file.h): written in place. */
static gboolean
write_special(const char *path, const char *text, gsize len, GError **error)
{
  GbError err = {0};
  int fd = gb_save_open_special(path, &err);
  FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
  if (f == NULL) {
    if (fd >= 0)
      close(fd);
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "%s",
                err.message[0] ? err.message : g_strerror(errno));
    return FALSE;
  }
  gboolean ok = fwrite(text, 1, len, f) == len && fflush(f) == 0;
  int e = errno;
  if (fclose(f) != 0 && ok) {
    ok = FALSE;
    e = errno;
  }
  if (!ok)
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e), "%s: cannot write: %s", path,
                g_strerror(e));
  return ok;
}

gboolean
gb_session_save(const char *path, const GbSession *s, GError **error)
{
  gsize len;
  g_autofree char *text = gb_session_to_data(s, &len, error);
  if (text == NULL)
    return FALSE;
  GbError err = {0};
  GbSaveTarget target;
  if (gb_save_target(path, &target, &err) != GB_OK) {
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_ISDIR, "%s", err.message);
    return FALSE;
  }
  if (target == GB_SAVE_TARGET_SPECIAL)
    return write_special(path, text, len, error);
  /* A temporary file beside @path, synced and renamed over it. */
  return g_file_set_contents_full(path, text, (gssize)len, G_FILE_SET_CONTENTS_CONSISTENT, 0644,
                                  error);
}

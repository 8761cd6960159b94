/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb-alloc.h"
#include "gb-model.h"

#define MAX_ARGS 8
#define MAX_LAYERS 256

typedef struct {
  char key[24]; /* empty for positional arguments */
  char value[32];
} Arg;

typedef struct {
  char name[24];
  int n_args;
  Arg args[MAX_ARGS];
} Item;

static const char *
skip_separators(const char *p)
{
  while (*p && (isspace((unsigned char)*p) || *p == ','))
    p++;
  return p;
}

/* Reads one item "name" or "name(arg, key=value, ...)" starting at *pp. */
static GbStatus
read_item(const char **pp, Item *item, GbError *err)
{
  const char *p = *pp;
  memset(item, 0, sizeof *item);
  size_t n = 0;
  while (isalnum((unsigned char)*p) || *p == '_') {
    if (n + 1 >= sizeof item->name)
      return gb_error_set(err, GB_ERR_FORMAT, "layer name too long near '%.20s'", *pp);
    item->name[n++] = (char)tolower((unsigned char)*p++);
  }
  if (n == 0)
    return gb_error_set(err, GB_ERR_FORMAT, "expected a layer name near '%.20s'", p);
  while (isspace((unsigned char)*p))
    p++;
  if (*p != '(') {
    *pp = p;
    return GB_OK;
  }
  p++;
  for (;;) {
    while (isspace((unsigned char)*p))
      p++;
    if (*p == ')') {
      p++;
      break;
    }
    if (item->n_args == MAX_ARGS)
      return gb_error_set(err, GB_ERR_FORMAT, "%s: too many arguments", item->name);
    Arg *a = &item->args[item->n_args++];
    char tok[64];
    size_t t = 0;
    while (*p && *p != ',' && *p != ')') {
      if (t + 1 >= sizeof tok)
        return gb_error_set(err, GB_ERR_FORMAT, "%s: argument too long", item->name);
      if (!isspace((unsigned char)*p))
        tok[t++] = *p;
      p++;
    }
    tok[t] = '\0';
    if (*p == '\0')
      return gb_error_set(err, GB_ERR_FORMAT, "%s: missing ')'", item->name);
    if (*p == ',')
      p++;
    if (t == 0)
      return gb_error_set(err, GB_ERR_FORMAT, "%s: empty argument", item->name);
    char *eq = strchr(tok, '=');
    const char *val = tok;
    if (eq != NULL) {
      *eq = '\0';
      if (strlen(tok) >= sizeof a->key || strlen(tok) == 0)
        return gb_error_set(err, GB_ERR_FORMAT, "%s: bad argument name '%s'", item->name, tok);
      strcpy(a->key, tok);
      val = eq + 1;
    }
    if (strlen(val) >= sizeof a->value || strlen(val) == 0)
      return gb_error_set(err, GB_ERR_FORMAT, "%s: bad argument value '%s'", item->name, val);
    strcpy(a->value, val);
  }
  *pp = p;
  return GB_OK;
}

static GbStatus
parse_int(const Item *it, const char *what, const char *s, int lo, int hi, int *out,
          GbError *err)
{
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (*end || errno || v < lo || v > hi)
    return gb_error_set(err, GB_ERR_FORMAT, "%s: %s must be an integer in [%d, %d], got '%s'",
                        it->name, what, lo, hi, s);
  *out = (int)v;
  return GB_OK;
}

static GbStatus
parse_float(const Item *it, const char *what, const char *s, float *out, GbError *err)
{
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (*end || errno || !isfinite(v))
    return gb_error_set(err, GB_ERR_FORMAT, "%s: %s must be a number, got '%s'", it->name, what,
                        s);
  *out = (float)v;
  return GB_OK;
}

/* Argument names each kind takes, positional ones first, in order. */
static const char *const *
arg_names(GbLayerKind k, int *n_positional)
{
  static const char *const dense[] = {"units", "init", NULL};
  static const char *const conv[] = {"filters", "kernel", "stride", "pad", "init", NULL};
  static const char *const pool[] = {"kernel", "stride", NULL};
  static const char *const dropout[] = {"rate", NULL};
  static const char *const leaky[] = {"alpha", NULL};
  static const char *const rec[] = {"hidden", "seq", "noise", NULL};
  static const char *const prm[] = {"hidden", "post", "seq", "noise", NULL};
  static const char *const none[] = {NULL};
  switch (k) {
  case GB_LAYER_DENSE: *n_positional = 1; return dense;
  case GB_LAYER_CONV2D: *n_positional = 4; return conv;
  case GB_LAYER_MAXPOOL2D:
  case GB_LAYER_AVGPOOL2D: *n_positional = 2; return pool;
  case GB_LAYER_DROPOUT: *n_positional = 1; return dropout;
  case GB_LAYER_LEAKY_RELU: *n_positional = 1; return leaky;
  case GB_LAYER_RNN:
  case GB_LAYER_LSTM:
  case GB_LAYER_GRU: *n_positional = 1; return rec;
  case GB_LAYER_PRM: *n_positional = 2; return prm;
  default: *n_positional = 0; return none;
  }
}

static GbStatus
set_arg(const Item *it, GbLayerKind kind, const char *key, const char *val, GbLayerConfig *c,
        GbError *err)
{
  (void)kind;
  if (strcmp(key, "units") == 0 || strcmp(key, "filters") == 0 || strcmp(key, "hidden") == 0)
    return parse_int(it, key, val, 1, 1 << 20, &c->units, err);
  if (strcmp(key, "post") == 0)
    return parse_int(it, key, val, 1, 1 << 20, &c->post_units, err);
  if (strcmp(key, "kernel") == 0)
    return parse_int(it, key, val, 1, 1024, &c->kernel, err);
  if (strcmp(key, "stride") == 0)
    return parse_int(it, key, val, 1, 1024, &c->stride, err);
  if (strcmp(key, "pad") == 0)
    return parse_int(it, key, val, 0, 1024, &c->pad, err);
  if (strcmp(key, "rate") == 0)
    return parse_float(it, key, val, &c->rate, err);
  if (strcmp(key, "alpha") == 0)
    return parse_float(it, key, val, &c->alpha, err);
  if (strcmp(key, "noise") == 0) {
    GbStatus st = parse_float(it, key, val, &c->state_noise, err);
    if (st == GB_OK && c->state_noise < 0.0f)
      return gb_error_set(err, GB_ERR_FORMAT, "%s: noise must be >= 0", it->name);
    return st;
  }
  if (strcmp(key, "seq") == 0) {
    if (strcmp(val, "all") == 0)
      c->return_sequences = true;
    else if (strcmp(val, "last") == 0)
      c->return_sequences = false;
    else
      return gb_error_set(err, GB_ERR_FORMAT, "%s: seq must be 'last' or 'all', got '%s'",
                          it->name, val);
    return GB_OK;
  }
  if (strcmp(key, "init") == 0) {
    if (strcmp(val, "he") == 0)
      c->init = GB_INIT_HE;
    else if (strcmp(val, "glorot") == 0)
      c->init = GB_INIT_GLOROT;
    else if (strcmp(val, "auto") == 0)
      c->init = GB_INIT_AUTO;
    else
      return gb_error_set(err, GB_ERR_FORMAT, "%s: init must be he, glorot or auto, got '%s'",
                          it->name, val);
    return GB_OK;
  }
  return gb_error_set(err, GB_ERR_FORMAT, "%s: unknown argument '%s'", it->name, key);
}

static GbStatus
item_to_layer(const Item *it, GbLayerSpec *spec, GbError *err)
{
  GbLayerKind kind;
  if (!gb_layer_kind_from_name(it->name, &kind))
    return gb_error_set(err, GB_ERR_FORMAT,
                        "unknown layer '%s' (known: dense, conv2d, maxpool2d, avgpool2d, "
                        "flatten, dropout, relu, leakyrelu, sigmoid, tanh, softmax, rnn, lstm, "
                        "gru, prm)",
                        it->name);
  GbLayerConfig c = {0};
  c.alpha = 0.01f;
  int n_pos;
  const char *const *names = arg_names(kind, &n_pos);
  int n_names = 0;
  while (names[n_names])
    n_names++;
  int pos = 0;
  for (int i = 0; i < it->n_args; i++) {
    const Arg *a = &it->args[i];
    const char *key = a->key;
    if (key[0] == '\0') {
      if (pos >= n_pos)
        return gb_error_set(err, GB_ERR_FORMAT, "%s: too many positional arguments", it->name);
      key = names[pos++];
    } else {
      bool known = false;
      for (int j = 0; j < n_names; j++)
        known |= strcmp(names[j], key) == 0;
      if (!known)
        return gb_error_set(err, GB_ERR_FORMAT, "%s: unknown argument '%s'", it->name, key);
    }
    GbStatus st = set_arg(it, kind, key, a->value, &c, err);
    if (st != GB_OK)
      return st;
  }
  bool needs_size = kind == GB_LAYER_DENSE || kind == GB_LAYER_CONV2D ||
                    gb_layer_kind_is_recurrent(kind);
  if (needs_size && c.units < 1)
    return gb_error_set(err, GB_ERR_FORMAT, "%s: needs a size, e.g. %s(64)", it->name, it->name);
  if ((kind == GB_LAYER_CONV2D || kind == GB_LAYER_MAXPOOL2D || kind == GB_LAYER_AVGPOOL2D) &&
      c.kernel < 1)
    return gb_error_set(err, GB_ERR_FORMAT, "%s: needs a kernel size", it->name);
  if (kind == GB_LAYER_PRM && c.post_units < 1)
    c.post_units = 8;
  if (kind == GB_LAYER_CONV2D && c.stride < 1)
    c.stride = 1;
  if ((kind == GB_LAYER_MAXPOOL2D || kind == GB_LAYER_AVGPOOL2D) && c.stride < 1)
    c.stride = c.kernel;
  if (kind == GB_LAYER_DROPOUT && !(c.rate >= 0.0f && c.rate < 1.0f))
    return gb_error_set(err, GB_ERR_FORMAT, "dropout: rate must be in [0, 1), got %g",
                        (double)c.rate);
  spec->kind = kind;
  spec->cfg = c;
  return GB_OK;
}

static GbStatus
parse_input(const Item *it, GbShape *shape, GbError *err)
{
  if (strcmp(it->name, "input") != 0)
    return gb_error_set(err, GB_ERR_FORMAT,
                        "an architecture starts with input(...), e.g. input(1,28,28); got '%s'",
                        it->name);
  if (it->n_args < 1 || it->n_args > 3)
    return gb_error_set(err, GB_ERR_FORMAT, "input: give 1 to 3 sizes, e.g. input(784)");
  GbShape s = {0};
  for (int i = 0; i < it->n_args; i++) {
    if (it->args[i].key[0])
      return gb_error_set(err, GB_ERR_FORMAT, "input: sizes are positional");
    GbStatus st = parse_int(it, "size", it->args[i].value, 1, 1 << 24, &s.dim[i], err);
    if (st != GB_OK)
      return st;
  }
  s.ndim = it->n_args;
  *shape = s;
  return GB_OK;
}

GbStatus
gb_arch_parse(const char *text, GbArch *out, GbError *err)
{
  memset(out, 0, sizeof *out);
  if (text == NULL)
    return gb_error_set(err, GB_ERR_FORMAT, "empty architecture");
  const char *p = skip_separators(text);
  Item it;
  GbStatus st = read_item(&p, &it, err);
  if (st == GB_OK)
    st = parse_input(&it, &out->input, err);
  if (st != GB_OK)
    return st;
  GbLayerSpec tmp[MAX_LAYERS];
  int n = 0;
  for (p = skip_separators(p); *p; p = skip_separators(p)) {
    if (n == MAX_LAYERS)
      return gb_error_set(err, GB_ERR_FORMAT, "more than %d layers", MAX_LAYERS);
    st = read_item(&p, &it, err);
    if (st == GB_OK)
      st = item_to_layer(&it, &tmp[n], err);
    if (st != GB_OK)
      return st;
    n++;
  }
  if (n == 0)
    return gb_error_set(err, GB_ERR_FORMAT, "the architecture has no layers after input(...)");
  out->layers = gb_calloc((size_t)n, sizeof *out->layers);
  if (out->layers == NULL)
    return gb_error_set(err, GB_ERR_NOMEM, "out of memory");
  memcpy(out->layers, tmp, (size_t)n * sizeof *tmp);
  out->n_layers = n;
  return GB_OK;
}

static void
append(char *buf, size_t len, size_t *off, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
append(char *buf, size_t len, size_t *off, const char *fmt, ...)
{
  if (*off >= len)
    return;
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf + *off, len - *off, fmt, ap);
  va_end(ap);
  if (n > 0)
    *off += (size_t)n;
}

static const char *
init_name(GbInitKind k)
{
  return k == GB_INIT_HE ? "he" : k == GB_INIT_GLOROT ? "glorot" : NULL;
}

char *
gb_arch_format(const GbArch *a)
{
  size_t len = 64 + (size_t)a->n_layers * 96;
  char *buf = gb_malloc(len);
  if (buf == NULL)
    return NULL;
  size_t off = 0;
  append(buf, len, &off, "input(");
  for (int i = 0; i < a->input.ndim; i++)
    append(buf, len, &off, i ? ",%d" : "%d", a->input.dim[i]);
  append(buf, len, &off, ")");
  for (int i = 0; i < a->n_layers; i++) {
    const GbLayerConfig *c = &a->layers[i].cfg;
    GbLayerKind k = a->layers[i].kind;
    append(buf, len, &off, ", %s", gb_layer_kind_name(k));
    const char *init = init_name(c->init);
    switch (k) {
    case GB_LAYER_DENSE:
      append(buf, len, &off, "(%d%s%s)", c->units, init ? ",init=" : "", init ? init : "");
      break;
    case GB_LAYER_CONV2D:
      append(buf, len, &off, "(%d,%d,stride=%d,pad=%d%s%s)", c->units, c->kernel, c->stride,
             c->pad, init ? ",init=" : "", init ? init : "");
      break;
    case GB_LAYER_MAXPOOL2D:
    case GB_LAYER_AVGPOOL2D:
      append(buf, len, &off, "(%d,stride=%d)", c->kernel, c->stride);
      break;
    case GB_LAYER_DROPOUT: append(buf, len, &off, "(%.9g)", (double)c->rate); break;
    case GB_LAYER_LEAKY_RELU: append(buf, len, &off, "(%.9g)", (double)c->alpha); break;
    case GB_LAYER_RNN:
    case GB_LAYER_LSTM:
    case GB_LAYER_GRU:
      append(buf, len, &off, "(%d,seq=%s", c->units, c->return_sequences ? "all" : "last");
      if (c->state_noise > 0.0f)
        append(buf, len, &off, ",noise=%.9g", (double)c->state_noise);
      append(buf, len, &off, ")");
      break;
    case GB_LAYER_PRM:
      append(buf, len, &off, "(%d,post=%d,seq=%s", c->units, c->post_units,
             c->return_sequences ? "all" : "last");
      if (c->state_noise > 0.0f)
        append(buf, len, &off, ",noise=%.9g", (double)c->state_noise);
      append(buf, len, &off, ")");
      break;
    default: break;
    }
  }
  return buf;
}

GbStatus
gb_arch_copy(GbArch *dst, const GbArch *src, GbError *err)
{
  memset(dst, 0, sizeof *dst);
  dst->input = src->input;
  dst->layers = gb_calloc((size_t)src->n_layers, sizeof *dst->layers);
  if (dst->layers == NULL)
    return gb_error_set(err, GB_ERR_NOMEM, "out of memory");
  memcpy(dst->layers, src->layers, (size_t)src->n_layers * sizeof *dst->layers);
  dst->n_layers = src->n_layers;
  return GB_OK;
}

void
gb_arch_clear(GbArch *a)
{
  if (a == NULL)
    return;
  gb_free(a->layers);
  memset(a, 0, sizeof *a);
}

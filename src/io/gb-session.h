/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "gb-explain.h"

/* Session files: a JSON document that reproduces a view of the app (which model, which input,
 * which method with which parameters, which target, how it is drawn), so a person can save what
 * they see and reopen it, or send it to someone:
 *
 * {"glassbox_session": 1, "view": "explain", "source": "digits",
 *  "model": {"id": "digits-cnn", "sha256": "<64 hex digits>"},
 *  "input": {"kind": "pixels", "height": 28, "width": 28, "values": [784 numbers in [0, 1]]}
 *        or {"kind": "dataset", "name": "mnist-test", "index": 12}
 *        or {"kind": "eeg", "file": "<path>" or "simulated", "trial": 3},
 *  "method": {"id": "lrp", "lrp_preset": "lrp-gamma-box", "epsilon": 0.1, "gamma": 0.25,
 *             "steps": 50, "samples": 50, "noise_level": 0.15, "baseline": "zeros",
 *             "patch": 4, "stride": 0, "segmentation": "grid", "seed": 0},
 *  "target": {"class": 7, "contrast": null},
 *  "display": {"colormap": "diverging", "opacity": 0.6}}
 *
 * Reading validates every field and names the file and the field in its messages
 * ("session.json: input.values has 700 numbers, expected 784"). Members a reader does not know
 * are ignored (newer writers may add some); "method" members other than "id" and "display" may
 * be left out and take the method's defaults; "model.sha256" may be left out. */

#define GB_SESSION_VERSION 1
#define GB_SESSION_MAX_SIDE 1024 /* pixels inputs: height and width */

#define GB_SESSION_ERROR (gb_session_error_quark())
GQuark gb_session_error_quark(void);

typedef enum {
  GB_SESSION_ERROR_INVALID, /* not a session file, or a field is wrong */
  GB_SESSION_ERROR_VERSION, /* written by a newer Glassbox */
} GbSessionError;

typedef enum {
  GB_SESSION_SOURCE_DIGITS,
  GB_SESSION_SOURCE_EEG,
} GbSessionSource;

typedef enum {
  GB_SESSION_INPUT_PIXELS,  /* height x width values in [0, 1] (a drawing, an imported image) */
  GB_SESSION_INPUT_DATASET, /* sample @index of data set @name */
  GB_SESSION_INPUT_EEG,     /* trial @trial of an EEG file, or of the simulator ("simulated") */
} GbSessionInputKind;

typedef struct {
  GbSessionInputKind kind;
  int height, width; /* PIXELS */
  float *values;     /* PIXELS: height * width, row-major, owned */
  char *name;        /* DATASET: data set name; EEG: file path or "simulated"; owned */
  int index;         /* DATASET: sample; EEG: trial */
} GbSessionInput;

typedef struct {
  char *view; /* "explain" */
  GbSessionSource source;
  char *model_id;         /* a built-in model id ("digits-cnn") or a file path; owned */
  char model_sha256[65];  /* lowercase hex of the model file, or "" when not recorded */
  GbSessionInput input;
  GbMethodConfig method;  /* baseline_data is always NULL: MEAN comes from the data set */
  GbTarget target;
  char colormap[16];      /* "diverging" or "viridis" */
  double opacity;         /* of the map over the input, in [0, 1] */
} GbSession;

/* An explain view of class 0 with saliency, no model and an empty dataset input: callers fill
 * the fields (strings with g_strdup, values with g_new). */
void gb_session_init(GbSession *s);
void gb_session_clear(GbSession *s);

/* Reads and validates @path into @s (initialised here; cleared again on failure). */
gboolean gb_session_load(const char *path, GbSession *s, GError **error);
/* The same from memory; @name starts the messages. */
gboolean gb_session_from_data(const char *data, gsize len, const char *name, GbSession *s,
                              GError **error);
/* Writes @s to @path atomically (a temporary file renamed over @path; a device such as
 * /dev/stdout is written in place). Refuses a session that would not load again. */
gboolean gb_session_save(const char *path, const GbSession *s, GError **error);
/* The JSON text (NUL-terminated, free with g_free), or NULL when @s is not valid. */
char *gb_session_to_data(const GbSession *s, gsize *len, GError **error);

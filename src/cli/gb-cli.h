/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "gb-dataset.h"
#include "gb-eeg.h"
#include "gb-model.h"
#include "gb-status.h"

/* Exit codes, documented in --help and the README. */
enum {
  GB_EXIT_OK = 0,
  GB_EXIT_FAILURE = 1,   /* the computation failed: diverged, out of memory */
  GB_EXIT_USAGE = 2,     /* bad command line */
  GB_EXIT_INPUT = 3,     /* a data or model file (or source) is missing, malformed or unfit */
  GB_EXIT_CANCELLED = 130, /* interrupted with Ctrl-C */
};

int gb_cli_train(int argc, char **argv);
int gb_cli_eval(int argc, char **argv);
int gb_cli_predict(int argc, char **argv);
int gb_cli_info(int argc, char **argv);
int gb_cli_data(int argc, char **argv);
int gb_cli_eeg(int argc, char **argv);
int gb_cli_explain(int argc, char **argv);
int gb_cli_evaluate(int argc, char **argv);
int gb_cli_hidden(int argc, char **argv);
int gb_cli_global(int argc, char **argv);

/* Prints "glassbox-cli: <message>" and returns the exit code for @err's status. */
int gb_cli_report(const GbError *err);
int gb_cli_usage_error(GOptionContext *ctx, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/* Parses options; on failure prints the message and returns false. */
bool gb_cli_parse(GOptionContext *ctx, int *argc, char ***argv, int *exit_code);

/* Ctrl-C sets a flag that progress callbacks turn into a clean cancel. */
void gb_cli_install_interrupt(void);
bool gb_cli_interrupted(void);

/* A progress line on a terminal ("\r  epoch 3/10 [=====>    ]  45%  ETA 12 s"), nothing
 * otherwise; returns false after Ctrl-C. Pass a GbCliProgress as user data. */
typedef struct {
  gint64 start_us;
  gint64 last_draw_us;
  bool tty;
  bool drawn;
} GbCliProgress;

void gb_cli_progress_init(GbCliProgress *p);
bool gb_cli_progress_cb(void *user, double fraction, const char *stage);
void gb_cli_progress_finish(GbCliProgress *p);

/* Architecture presets sized for the data: mlp, mlp2, lenet, rnn, lstm, gru. Returns a spec
 * (g_free) or NULL when @name is not a preset. */
char *gb_cli_preset_spec(const char *name, const GbShape *sample, int n_classes);
const char *gb_cli_preset_names(void);

GbDataset *gb_cli_open_data(const char *source, GbError *err);

/* The held-out subjects of an 'eeg simulate' command line such as a model's
 * glassbox.data.recipe ("glassbox-cli eeg simulate ... --held-out-subjects N ..."), simulated
 * and preprocessed in memory exactly as that command writes them (the training subjects are
 * simulated too, for the standardisation statistics). NULL with @err set otherwise. */
GbEegSet *gb_cli_eeg_recipe_heldout(const char *recipe, GbError *err);
GbModel *gb_cli_load_model(const char *path, GbError *err);

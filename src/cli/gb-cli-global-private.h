/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "gb-barchart.h"
#include "gb-cli.h"
#include "gb-dataset.h"
#include "gb-faithfulness.h"
#include "gb-global-figures.h"
#include "gb-heatmap.h"
#include "gb-model.h"

/* glassbox-cli global: shared by gb-cli-global.c (data-set views) and gb-cli-global-demo.c (the
 * difficulties of deep learning). One option set serves every view. */

typedef struct {
  const char *view;
  char **models; /* --model, repeatable (shattered compares several) */
  char *data, *test_data, *csv, *plot, *method, *group, *kind, *attack, *arch;
  int n, patch, repeats, samples, k, layer, cls, steps, index, target, iterations, seed, epochs,
      mark_class;
  double eps, step, l1, l2, proto, noise, rate, rate_others;
  gboolean abs_maps, by_prediction, eeg;
} GlobalOptions;

/* One small figure of a grid: the shared panels of src/plot/gb-global-figures.h. */
typedef GbGlobalPanel GlobalPanel;

/* Writes @n panels in rows of @cols cells of @cell_w x @cell_h to @path (.png/.svg/.pdf);
 * returns an exit code (errors printed). */
int gb_cli_global_write_grid(const char *path, GlobalPanel *panels, int n, int cols, int cell_w,
                             int cell_h);
/* Writes @csv to @path; returns an exit code. */
int gb_cli_global_write_csv(const char *path, const GString *csv);
/* Refuses a --plot name whose format is unknown before any work is done. */
bool gb_cli_global_check_outputs(const GlobalOptions *o, int *code);

/* Explainers by name: saliency, grad-x-input, ig, lrp-epsilon. NULL when unknown. */
GbExplainBatchFn gb_cli_global_explainer(const char *name);
/* The user pointer the explainer of @name takes (NULL for the batched ones). */
void *gb_cli_global_explainer_user(const char *name);
const char *gb_cli_global_explainer_names(void);
/* The model's classes for @x (n rows). */
int *gb_cli_global_predict(GbModel *m, const float *x, int n);

/* Opens --data (and checks it fits @m when @m is not NULL). */
GbDataset *gb_cli_global_open_data(const char *source, GbModel *m, GbError *err);

int gb_cli_global_actmax(GlobalOptions *o);
int gb_cli_global_counterfactual(GlobalOptions *o);
int gb_cli_global_adversarial(GlobalOptions *o);
int gb_cli_global_shattered(GlobalOptions *o);
int gb_cli_global_clever_hans(GlobalOptions *o);
int gb_cli_global_clever_hans_eeg(GlobalOptions *o);

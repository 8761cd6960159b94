/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "gb-data-handle.h"
#include "gb-explain.h"
#include "gb-model-handle.h"
#include "gb-plot-export.h"
#include "gb-plot-view.h"
#include "gb-worker.h"

G_BEGIN_DECLS

/* A page of analyses of a model over a data set (global views, hidden states, difficulties of
 * deep learning): pick one, run it in the background, see its figure, its summary and its
 * numbers. Each analysis is a run function over a plain input, on the worker thread. */

typedef struct {
  GbModelHandle *model; /* never run it: gb_model_handle_dup_model() */
  GbDataHandle *data;   /* may be NULL */
  const float *input;   /* the current input (model-sized), or NULL */
  int input_index;      /* its index in @data, or -1 */
  guint64 seed;
  GbMethodConfig method; /* the window's explanation method (gradient x input by default) */
} GbAnalysisInput;

typedef struct {
  GbPlotDrawFn draw;     /* draws the figure from @figure */
  gpointer figure;
  GDestroyNotify figure_free;
  char *summary;         /* g_malloc'ed; shown under the figure */
  GString *csv;          /* the numbers, with a header line; may be NULL */
} GbAnalysisResult;

/* Worker thread: fill @out, or return FALSE with @error. Report progress with
 * gb_job_progress(job, ...) (a GbProgressFn with @job as its user). */
typedef gboolean (*GbAnalysisRunFn)(GbJob *job, const GbAnalysisInput *in, GbAnalysisResult *out,
                                    GError **error);

/* For run functions, between steps: TRUE, with G_IO_ERROR_CANCELLED in @error, once the job is
 * cancelled. */
gboolean gb_analysis_cancelled(GbJob *job, GError **error);

typedef struct {
  const char *id;
  const char *title;       /* translatable, marked with N_() */
  const char *description; /* one paragraph for students, N_() */
  guint model_kinds;       /* bits 1 << GbModelKind it applies to */
  gboolean needs_input;    /* explains the current input rather than the data set */
  GbAnalysisRunFn run;
} GbAnalysis;

#define GB_TYPE_ANALYSIS_VIEW (gb_analysis_view_get_type())
G_DECLARE_FINAL_TYPE(GbAnalysisView, gb_analysis_view, GB, ANALYSIS_VIEW, GtkWidget)

/* @analyses must outlive the view (a static table). */
GtkWidget *gb_analysis_view_new(const GbAnalysis *analyses, guint n_analyses);
void gb_analysis_view_set_worker(GbAnalysisView *self, GbWorker *worker);
/* The model decides which analyses are offered; results of another model are cleared. */
void gb_analysis_view_set_model(GbAnalysisView *self, GbModelHandle *model);
void gb_analysis_view_set_data(GbAnalysisView *self, GbDataHandle *data);
void gb_analysis_view_set_input(GbAnalysisView *self, const float *input, size_t n, int index);
/* The explanation method analyses that explain use (copied; its baseline data is dropped). */
void gb_analysis_view_set_method(GbAnalysisView *self, const GbMethodConfig *method);
/* Selects by id; FALSE when it is not offered for the current model. */
gboolean gb_analysis_view_select(GbAnalysisView *self, const char *id);
void gb_analysis_view_run(GbAnalysisView *self);
GbPlotView *gb_analysis_view_get_figure(GbAnalysisView *self);
const char *gb_analysis_view_get_summary(GbAnalysisView *self);
gboolean gb_analysis_view_write_csv(GbAnalysisView *self, const char *path, GError **error);

G_END_DECLS

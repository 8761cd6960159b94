/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "gb-explain.h"
#include "gb-heatmap.h"
#include "gb-model-handle.h"

G_BEGIN_DECLS

/* Shared by the explanation widgets (gb-explanation-view, gb-compare-view, gb-shap-view,
 * gb-lrp-compare-view, gb-probability-view): working model copies for jobs, titles and
 * diagnostics text, and the heatmap figure they all draw. */

/* ---- Working copies of one model for jobs ----
 * gb_model_handle_dup_model() copies every weight; a view that runs a job at every pen move
 * keeps the copies its finished jobs gave back and lends them to the next ones. A job takes a
 * copy on its worker thread and gives it back when it ends (any thread; a mutex guards the
 * spares). Two jobs never share a copy, so a stale job still running is harmless. */
typedef struct _GbModelPool GbModelPool;

GbModelPool *gb_model_pool_new(GbModelHandle *handle);
GbModelPool *gb_model_pool_ref(GbModelPool *pool);
void gb_model_pool_unref(GbModelPool *pool);
GbModelHandle *gb_model_pool_get_handle(GbModelPool *pool);
/* What a view's set_model does with its pool: a new one for a new @handle (none for NULL).
 * Returns whether *pool changed (NULL always counts as a change). */
gboolean gb_model_pool_replace(GbModelPool **pool, GbModelHandle *handle);
/* A spare copy, or a new one. */
GbModel *gb_model_pool_take(GbModelPool *pool, GError **error);
/* Keeps @model as a spare (at most two), or frees it. */
void gb_model_pool_give(GbModelPool *pool, GbModel *model);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GbModelPool, gb_model_pool_unref)

/* ---- Text ---- */
/* Translated display name of a method configuration: "Gradient x input",
 * "LRP epsilon-gamma-box". */
char *gb_explain_method_name(const GbMethodConfig *cfg);
/* "class 7", "why 3 and not 8". */
char *gb_explain_target_text(const GbTarget *t);
/* "LRP epsilon-gamma-box, class 7". */
char *gb_explain_title(const GbMethodConfig *cfg, const GbTarget *t);
/* One line per diagnostic of @ex (completeness, conservation, SHAP efficiency, LIME R^2,
 * evaluations, time). */
char *gb_explain_diagnostics(const GbMethodConfig *cfg, const GbExplanation *ex, double seconds);
/* The display name of a class, "0".."9" for digits; "non-target"/"target" for two-class EEG. */
char *gb_explain_class_name(GbModelHandle *handle, int c);

/* ---- Input validation ---- */
/* FALSE with @error set when @shape or @x cannot be explained by @handle's model (size,
 * non-finite values). */
gboolean gb_explain_check_input(GbModelHandle *handle, const float *x, const GbShape *shape,
                                GError **error);
/* Argmax of @v (n), -1 for n < 1. */
int gb_explain_argmax(const float *v, int n);
int gb_explain_argmax_double(const double *v, int n);

/* ---- Heatmap figures ----
 * What a heatmap shows of an input and a per-feature map:
 *   (c, h, w) images: the map summed over channels over the image averaged over channels;
 *   (time, channels) EEG: the channel x time map (channels as rows), no image;
 *   (n) vectors: one row. */
typedef struct {
  float *image; /* rows x cols gray levels, or NULL */
  float *map;   /* rows x cols values, or NULL (the image alone) */
  int rows, cols;
  char *title;
  char *colorbar_label;
  GbColormap colormap;
  double opacity;
  double scale_max; /* 0: from the data */
  gboolean invert_image;
  gboolean show_colorbar;
  /* Optional outline of segments (rows x cols ids): boundaries drawn over the cells. */
  int *segment_ids;
  /* Optional: these segments' numbers written at their centres (needs segment_ids). */
  int *label_ids;
  int n_labels;
} GbHeatmapFigure;

/* Whether @shape is an EEG (time, channels) input. */
gboolean gb_explain_shape_is_eeg(const GbShape *shape);
/* The display grid of @shape (rows, cols as above). */
void gb_explain_display_size(const GbShape *shape, int *rows, int *cols);
/* @values (laid out as @shape) in display layout; a newly allocated rows x cols array. */
float *gb_explain_display_values(const float *values, const GbShape *shape);
/* The image under the map (NULL for EEG and when @x is NULL): its range scaled to light gray
 * ink (1 - GB_EXPLAIN_INK at the largest value) on white. */
#define GB_EXPLAIN_INK 0.6
float *gb_explain_display_image(const float *x, const GbShape *shape);
/* Int ids (laid out as @shape) in display layout, the first channel's for images. */
int *gb_explain_display_ids(const int *ids, const GbShape *shape);

GbHeatmapFigure *gb_heatmap_figure_new(void);
void gb_heatmap_figure_free(gpointer figure);
/* The GbHeatmap @fig describes (borrowing its arrays). */
void gb_heatmap_figure_to_heatmap(const GbHeatmapFigure *fig, GbHeatmap *out);
/* A GbPlotDrawFn: draws @user (a GbHeatmapFigure). */
GbStatus gb_heatmap_figure_draw(void *user, cairo_t *cr, GbPlotRect area, GbError *err);

/* Fills @area white: figures use dark text, so they sit on paper in dark themes too. */
void gb_explain_paint_paper(cairo_t *cr, GbPlotRect area);

/* Text for a projector: 1.2 times the theme's size. */
void gb_explain_label_enlarge(GtkWidget *label);

/* A vertical box with a bold heading label. */
GtkWidget *gb_explain_heading(const char *text);

G_END_DECLS

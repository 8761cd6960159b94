/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-explain-util-private.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "gb-method-popover.h"
#include "gb-worker.h"

#define POOL_SPARES 2

struct _GbModelPool {
  gint ref_count;
  GbModelHandle *handle;
  GMutex lock;
  GPtrArray *spares; /* GbModel *, guarded by @lock */
};

GbModelPool *
gb_model_pool_new(GbModelHandle *handle)
{
  GbModelPool *pool = g_new0(GbModelPool, 1);
  pool->ref_count = 1;
  pool->handle = g_object_ref(handle);
  g_mutex_init(&pool->lock);
  pool->spares = g_ptr_array_new_with_free_func((GDestroyNotify)gb_model_free);
  return pool;
}

GbModelPool *
gb_model_pool_ref(GbModelPool *pool)
{
  g_atomic_int_inc(&pool->ref_count);
  return pool;
}

/* The last reference may go on a worker thread (a job's data is freed on the main thread, but a
 * GObject unref of the handle is thread-safe either way). */
void
gb_model_pool_unref(GbModelPool *pool)
{
  if (pool == NULL || !g_atomic_int_dec_and_test(&pool->ref_count))
    return;
  g_ptr_array_unref(pool->spares);
  g_mutex_clear(&pool->lock);
  g_object_unref(pool->handle);
  g_free(pool);
}

GbModelHandle *
gb_model_pool_get_handle(GbModelPool *pool)
{
  return pool->handle;
}

gboolean
gb_model_pool_replace(GbModelPool **pool, GbModelHandle *handle)
{
  if (*pool != NULL && handle != NULL && (*pool)->handle == handle)
    return FALSE;
  g_clear_pointer(pool, gb_model_pool_unref);
  if (handle != NULL)
    *pool = gb_model_pool_new(handle);
  return TRUE;
}

GbModel *
gb_model_pool_take(GbModelPool *pool, GError **error)
{
  GbModel *m = NULL;
  g_mutex_lock(&pool->lock);
  if (pool->spares->len > 0)
    m = g_ptr_array_steal_index_fast(pool->spares, pool->spares->len - 1);
  g_mutex_unlock(&pool->lock);
  return m != NULL ? m : gb_model_handle_dup_model(pool->handle, error);
}

void
gb_model_pool_give(GbModelPool *pool, GbModel *model)
{
  if (model == NULL)
    return;
  g_mutex_lock(&pool->lock);
  if (pool->spares->len < POOL_SPARES) {
    g_ptr_array_add(pool->spares, model);
    model = NULL;
  }
  g_mutex_unlock(&pool->lock);
  gb_model_free(model);
}

/* ---- Text ---- */

static const char *
lrp_preset_name(GbLrpPreset p)
{
  switch (p) {
  case GB_LRP_PRESET_ZERO:
    return _("LRP-0");
  case GB_LRP_PRESET_EPSILON:
    return _("LRP epsilon");
  case GB_LRP_PRESET_EPSILON_GAMMA_BOX:
    return _("LRP epsilon-gamma-box");
  case GB_LRP_PRESET_EPSILON_PLUS:
    return _("LRP epsilon-plus");
  case GB_LRP_PRESET_EPSILON_ALPHA2_BETA1:
    return _("LRP epsilon-alpha2-beta1");
  }
  return _("LRP");
}

char *
gb_explain_method_name(const GbMethodConfig *cfg)
{
  if (cfg->method != GB_METHOD_LRP)
    return g_strdup(gb_method_display_title(cfg->method));
  if (cfg->lrp_preset == GB_LRP_PRESET_EPSILON)
    return g_strdup_printf(_("LRP epsilon %g"), cfg->lrp_epsilon);
  return g_strdup(lrp_preset_name(cfg->lrp_preset));
}

char *
gb_explain_target_text(const GbTarget *t)
{
  if (t->class_a < 0)
    return g_strdup(_("predicted class"));
  if (t->class_b >= 0)
    /* TRANSLATORS: the contrast target, e.g. "why 3 and not 8" */
    return g_strdup_printf(_("why %d and not %d"), t->class_a, t->class_b);
  return g_strdup_printf(_("class %d"), t->class_a);
}

char *
gb_explain_title(const GbMethodConfig *cfg, const GbTarget *t)
{
  g_autofree char *m = gb_explain_method_name(cfg);
  g_autofree char *tt = gb_explain_target_text(t);
  /* TRANSLATORS: method, target: "LRP epsilon-gamma-box, class 7" */
  return g_strdup_printf(_("%s, %s"), m, tt);
}

static void
append_lrp(GString *s, const GbExplanation *ex)
{
  const GbAttribution *a = &ex->map;
  double bias = 0, stab = 0;
  for (int i = 0; i < ex->n_layers; i++) {
    bias += ex->layers[i].absorbed_bias;
    stab += ex->layers[i].absorbed_stabiliser;
  }
  g_string_append_printf(s, _("Conservation: relevance at the input %.4g vs f(x) = %.4g "
                              "(gap %.3g, %.1f%%)\n"),
                         a->sum, a->f_x, a->gap, 100.0 * a->gap_relative);
  if (ex->n_layers > 0)
    g_string_append_printf(s, _("Absorbed by biases %.4g, by the stabiliser %.4g\n"), bias,
                           stab);
}

static void
append_segments(GString *s, const GbMethodConfig *cfg, const GbExplanation *ex)
{
  const GbSegmentAttribution *sa = &ex->segments;
  double sum = 0;
  for (int i = 0; i < sa->n_segments; i++)
    sum += sa->segment_values[i];
  if (cfg->method == GB_METHOD_LIME) {
    g_string_append_printf(s, _("LIME: %d segments, weighted R\u00b2 %.3f, intercept %.4g, "
                                "local prediction %.4g vs f(x) = %.4g\n"),
                           sa->n_segments, sa->score, sa->base_value, sa->local_prediction,
                           ex->map.f_x);
    return;
  }
  g_string_append_printf(s, _("SHAP: %d segments, base value %.4g + sum %.4g = %.4g vs "
                              "f(x) = %.4g (efficiency gap %.2g)%s\n"),
                         sa->n_segments, sa->base_value, sum, sa->base_value + sum, ex->map.f_x,
                         fabs(sa->base_value + sum - ex->map.f_x),
                         sa->exact ? _(", exact") : "");
}

char *
gb_explain_diagnostics(const GbMethodConfig *cfg, const GbExplanation *ex, double seconds)
{
  GString *s = g_string_new(NULL);
  const GbAttribution *a = &ex->map;
  g_string_append_printf(s, _("f(x) = %.4g"), a->f_x);
  if (cfg->method == GB_METHOD_INTEGRATED_GRADIENTS)
    g_string_append_printf(s, _(", f(baseline) = %.4g\nCompleteness: sum %.4g vs "
                                "f(x) - f(baseline) = %.4g, gap %.3g (%.2f%%)"),
                           a->f_baseline, a->sum, a->f_x - a->f_baseline, a->gap,
                           100.0 * a->gap_relative);
  g_string_append_c(s, '\n');
  if (cfg->method == GB_METHOD_LRP)
    append_lrp(s, ex);
  if (ex->segments.n_segments > 0)
    append_segments(s, cfg, ex);
  g_string_append_printf(s,
                         ngettext("%d model evaluation in %.1f ms",
                                  "%d model evaluations in %.1f ms", (unsigned long)a->n_evaluations),
                         a->n_evaluations, 1000.0 * seconds);
  return g_string_free(s, FALSE);
}

char *
gb_explain_class_name(GbModelHandle *handle, int c)
{
  if (handle != NULL && gb_model_handle_get_kind(handle) == GB_MODEL_KIND_EEG &&
      gb_model_handle_get_n_classes(handle) == 2)
    return g_strdup(c == 1 ? _("target") : _("non-target"));
  return g_strdup_printf("%d", c);
}

gboolean
gb_explain_check_input(GbModelHandle *handle, const float *x, const GbShape *shape,
                       GError **error)
{
  const GbModel *m = gb_model_handle_get_model(handle);
  size_t n = gb_shape_size(shape), want = gb_model_input_size(m);
  char a[64], b[64];
  if (x == NULL || n == 0) {
    g_set_error(error, GB_ERROR, GB_ERR_INVALID, _("There is no input to explain"));
    return FALSE;
  }
  if (n != want) {
    g_set_error(error, GB_ERROR, GB_ERR_SHAPE,
                _("The input has shape %s (%zu values) but model \u201c%s\u201d expects %s "
                  "(%zu values)"),
                gb_shape_format(shape, a, sizeof a), n, gb_model_handle_get_title(handle),
                gb_shape_format(gb_model_input_shape(m), b, sizeof b), want);
    return FALSE;
  }
  long bad = gb_floats_find_nonfinite(x, n);
  if (bad >= 0) {
    g_set_error(error, GB_ERROR, GB_ERR_NUMERIC,
                _("The input has a non-finite value at index %ld"), bad);
    return FALSE;
  }
  return TRUE;
}

int
gb_explain_argmax(const float *v, int n)
{
  int best = n > 0 ? 0 : -1;
  for (int i = 1; i < n; i++)
    if (v[i] > v[best])
      best = i;
  return best;
}

int
gb_explain_argmax_double(const double *v, int n)
{
  int best = n > 0 ? 0 : -1;
  for (int i = 1; i < n; i++)
    if (v[i] > v[best])
      best = i;
  return best;
}

/* ---- Display layout ---- */

gboolean
gb_explain_shape_is_eeg(const GbShape *shape)
{
  return shape->ndim == 2;
}

/* A flat 784-vector is a digit seen by an MLP: show it as the 28 x 28 image it is. */
static gboolean
is_flat_digit(const GbShape *shape)
{
  return shape->ndim == 1 && shape->dim[0] == 784;
}

void
gb_explain_display_size(const GbShape *shape, int *rows, int *cols)
{
  if (shape->ndim == 3) {
    *rows = shape->dim[1];
    *cols = shape->dim[2];
  } else if (shape->ndim == 2) {
    *rows = shape->dim[1]; /* channels */
    *cols = shape->dim[0]; /* time */
  } else if (is_flat_digit(shape)) {
    *rows = 28;
    *cols = 28;
  } else {
    *rows = 1;
    *cols = (int)gb_shape_size(shape);
  }
}

float *
gb_explain_display_values(const float *values, const GbShape *shape)
{
  int rows, cols;
  gb_explain_display_size(shape, &rows, &cols);
  size_t plane = (size_t)rows * cols;
  float *out = g_new0(float, plane);
  if (shape->ndim == 3) {
    /* (c, h, w) -> sum over c */
    for (int c = 0; c < shape->dim[0]; c++)
      for (size_t i = 0; i < plane; i++)
        out[i] += values[c * plane + i];
  } else if (shape->ndim == 2) {
    /* (time, channels) -> (channels, time) */
    for (int t = 0; t < cols; t++)
      for (int ch = 0; ch < rows; ch++)
        out[(size_t)ch * cols + t] = values[(size_t)t * rows + ch];
  } else {
    memcpy(out, values, plane * sizeof(float));
  }
  return out;
}

float *
gb_explain_display_image(const float *x, const GbShape *shape)
{
  if (x == NULL || gb_explain_shape_is_eeg(shape))
    return NULL;
  float *img = gb_explain_display_values(x, shape);
  int rows, cols;
  gb_explain_display_size(shape, &rows, &cols);
  size_t n = (size_t)rows * cols;
  double lo, hi;
  gb_colormap_range(img, n, &lo, &hi);
  /* Light gray ink on white paper: dark ink would muddy the colours laid over it. */
  for (size_t i = 0; i < n; i++)
    img[i] = (float)(1.0 - GB_EXPLAIN_INK * (hi > lo ? (img[i] - lo) / (hi - lo) : 0.0));
  return img;
}

int *
gb_explain_display_ids(const int *ids, const GbShape *shape)
{
  int rows, cols;
  gb_explain_display_size(shape, &rows, &cols);
  size_t plane = (size_t)rows * cols;
  int *out = g_new0(int, plane);
  if (shape->ndim == 2) {
    for (int t = 0; t < cols; t++)
      for (int ch = 0; ch < rows; ch++)
        out[(size_t)ch * cols + t] = ids[(size_t)t * rows + ch];
  } else {
    memcpy(out, ids, plane * sizeof(int)); /* first channel: all channels share ids */
  }
  return out;
}

/* ---- Figures ---- */

GbHeatmapFigure *
gb_heatmap_figure_new(void)
{
  GbHeatmapFigure *f = g_new0(GbHeatmapFigure, 1);
  f->colormap = GB_COLORMAP_DIVERGING;
  f->opacity = 0.75;
  f->invert_image = FALSE; /* gb_explain_display_image() already made it ink on paper */
  f->show_colorbar = TRUE;
  return f;
}

void
gb_heatmap_figure_free(gpointer figure)
{
  GbHeatmapFigure *f = figure;
  if (f == NULL)
    return;
  g_free(f->image);
  g_free(f->map);
  g_free(f->title);
  g_free(f->colorbar_label);
  g_free(f->segment_ids);
  g_free(f->label_ids);
  g_free(f);
}

void
gb_heatmap_figure_to_heatmap(const GbHeatmapFigure *fig, GbHeatmap *out)
{
  *out = (GbHeatmap){
      .image = fig->image,
      .relevance = fig->map,
      .height = fig->rows,
      .width = fig->cols,
      .invert_image = fig->invert_image,
      .opacity = fig->opacity,
      .colormap = fig->colormap,
      .scale_max = fig->scale_max,
      .title = fig->title,
      .show_colorbar = fig->show_colorbar && fig->map != NULL,
      .colorbar_label = fig->colorbar_label,
  };
}

/* Segment boundaries: a line between horizontally or vertically adjacent cells of different
 * segments. */
static void
draw_boundaries(cairo_t *cr, const GbHeatmapFigure *fig, const GbHeatmapLayout *l)
{
  double cw = l->image.width / fig->cols, ch = l->image.height / fig->rows;
  cairo_save(cr);
  cairo_set_source_rgba(cr, 0.1, 0.1, 0.1, 0.55);
  cairo_set_line_width(cr, fmax(1.0, 0.06 * fmin(cw, ch)));
  for (int r = 0; r < fig->rows; r++)
    for (int c = 0; c < fig->cols; c++) {
      int id = fig->segment_ids[r * fig->cols + c];
      double x = l->image.x + c * cw, y = l->image.y + r * ch;
      if (c + 1 < fig->cols && fig->segment_ids[r * fig->cols + c + 1] != id) {
        cairo_move_to(cr, x + cw, y);
        cairo_line_to(cr, x + cw, y + ch);
      }
      if (r + 1 < fig->rows && fig->segment_ids[(r + 1) * fig->cols + c] != id) {
        cairo_move_to(cr, x, y + ch);
        cairo_line_to(cr, x + cw, y + ch);
      }
    }
  cairo_stroke(cr);
  cairo_restore(cr);
}

/* Each labelled segment's number at the mean position of its cells, dark on a light halo. */
static void
draw_labels(cairo_t *cr, const GbHeatmapFigure *fig, const GbHeatmapLayout *l)
{
  double cw = l->image.width / fig->cols, ch = l->image.height / fig->rows;
  cairo_save(cr);
  cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
  cairo_set_font_size(cr, fmax(9.0, fmin(1.6 * fmin(cw, ch), l->font_size)));
  for (int k = 0; k < fig->n_labels; k++) {
    double sr = 0, sc = 0;
    int count = 0;
    for (int i = 0; i < fig->rows * fig->cols; i++)
      if (fig->segment_ids[i] == fig->label_ids[k]) {
        sr += i / fig->cols;
        sc += i % fig->cols;
        count++;
      }
    if (count == 0)
      continue;
    char text[16];
    g_snprintf(text, sizeof text, "%d", fig->label_ids[k]);
    cairo_text_extents_t e;
    cairo_text_extents(cr, text, &e);
    double x = l->image.x + (sc / count + 0.5) * cw - e.width / 2 - e.x_bearing;
    double y = l->image.y + (sr / count + 0.5) * ch - e.height / 2 - e.y_bearing;
    cairo_move_to(cr, x, y);
    cairo_text_path(cr, text);
    cairo_set_source_rgba(cr, 1, 1, 1, 0.85);
    cairo_set_line_width(cr, 3.0);
    cairo_stroke_preserve(cr);
    cairo_set_source_rgb(cr, 0.05, 0.05, 0.05);
    cairo_fill(cr);
  }
  cairo_restore(cr);
}

GbStatus
gb_heatmap_figure_draw(void *user, cairo_t *cr, GbPlotRect area, GbError *err)
{
  const GbHeatmapFigure *fig = user;
  GbHeatmap h;
  gb_heatmap_figure_to_heatmap(fig, &h);
  GbHeatmapLayout l;
  if (h.height > 0 && h.width > 0) {
    /* A white card under the figure, in light and dark themes alike (its text is dark), down
     * to the colour bar's caption: no empty paper below a wide map. */
    gb_heatmap_layout(&h, area, &l);
    double bottom = l.image.y + l.image.height + 2.0 * l.font_size;
    gb_explain_paint_paper(cr, (GbPlotRect){area.x, area.y, area.width,
                                            fmin(bottom, area.y + area.height) - area.y});
  }
  GbStatus st = gb_heatmap_draw(cr, &h, area, err);
  if (st == GB_OK && fig->segment_ids != NULL) {
    draw_boundaries(cr, fig, &l);
    draw_labels(cr, fig, &l);
  }
  return st;
}

void
gb_explain_paint_paper(cairo_t *cr, GbPlotRect area)
{
  cairo_save(cr);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_rectangle(cr, area.x, area.y, area.width, area.height);
  cairo_fill(cr);
  cairo_restore(cr);
}

void
gb_explain_label_enlarge(GtkWidget *label)
{
  PangoAttrList *attrs = pango_attr_list_new();
  pango_attr_list_insert(attrs, pango_attr_scale_new(1.2));
  gtk_label_set_attributes(GTK_LABEL(label), attrs);
  pango_attr_list_unref(attrs);
}

GtkWidget *
gb_explain_heading(const char *text)
{
  GtkWidget *label = gtk_label_new(text);
  gtk_label_set_xalign(GTK_LABEL(label), 0);
  gtk_widget_add_css_class(label, "heading");
  gb_explain_label_enlarge(label);
  return label;
}

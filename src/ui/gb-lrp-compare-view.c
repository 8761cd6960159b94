/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-lrp-compare-view.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "gb-explain-util-private.h"
#include "gb-plot-view.h"
#include "gb-scores.h"

enum { RULE_ZERO, RULE_EPSILON, RULE_GAMMA };

struct _GbLrpCompareView {
  GtkBox parent_instance;
  GtkWidget *rule_dd;
  GtkWidget *param_spin;
  GtkWidget *param_label;
  GtkWidget *class_dd;
  GtkWidget *plots[3]; /* G x I, LRP, difference */
  GtkWidget *stats;
  GtkWidget *model_label;

  GbWorker *worker;
  GbModelPool *pool;
  float *x;
  GbShape shape;
  double epsilon, gamma;
  gboolean updating; /* controls set from code: no run per change */

  gboolean have_result;
  float *gxi, *lrp, *diff;
  size_t n;
  float *shown_x;
  GbShape shown_shape;
  GbLrpRule shown_rule;
  GbTarget shown_target;
  double pearson, spearman, max_diff;
  char *summary;
};

enum { SIGNAL_FINISHED, SIGNAL_FAILED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE(GbLrpCompareView, gb_lrp_compare_view, GTK_TYPE_BOX)

gboolean
gb_lrp_compare_is_relu_network(const GbModel *m, char **why)
{
  const GbArch *arch = gb_model_get_arch(m);
  for (int i = 0; i < arch->n_layers; i++) {
    switch (arch->layers[i].kind) {
    case GB_LAYER_DENSE:
    case GB_LAYER_CONV2D:
    case GB_LAYER_RELU:
    case GB_LAYER_LEAKY_RELU:
    case GB_LAYER_MAXPOOL2D:
    case GB_LAYER_AVGPOOL2D:
    case GB_LAYER_FLATTEN:
    case GB_LAYER_DROPOUT:
      continue;
    default:
      if (why != NULL)
        *why = g_strdup_printf(_("%s (layer %d)"), gb_layer_kind_name(arch->layers[i].kind),
                               i + 1);
      return FALSE;
    }
  }
  return TRUE;
}

/* ---- The job ---- */
typedef struct {
  GbModelPool *pool;
  float *x;
  size_t n_x;
  GbTarget target;
  GbLrpRule rule;
  float *gxi, *lrp;
  double pearson, spearman;
} LrpJob;

static void
lrp_job_free(gpointer data)
{
  LrpJob *j = data;
  gb_model_pool_unref(j->pool);
  g_free(j->x);
  g_free(j->gxi);
  g_free(j->lrp);
  g_free(j);
}

static GbStatus
correlations(LrpJob *j, GbError *err)
{
  g_autofree double *a = g_new(double, j->n_x);
  g_autofree double *b = g_new(double, j->n_x);
  for (size_t i = 0; i < j->n_x; i++) {
    a[i] = j->gxi[i];
    b[i] = j->lrp[i];
  }
  GbStatus st = gb_score_pearson(a, b, j->n_x, &j->pearson, err);
  if (st == GB_OK)
    st = gb_score_spearman(j->gxi, j->lrp, j->n_x, false, &j->spearman, err);
  return st;
}

static gboolean
lrp_job_run(GbJob *job, gpointer data, GError **error)
{
  (void)job;
  LrpJob *j = data;
  GbModel *m = gb_model_pool_take(j->pool, error);
  if (m == NULL)
    return FALSE;
  GbError err = {0};
  GbStatus st = GB_OK;
  if (j->target.class_a < 0) {
    const float *out;
    st = gb_model_forward(m, j->x, 1, false, &out, &err);
    int n = gb_model_n_outputs(m);
    j->target.class_a = st == GB_OK && n > 1 ? gb_explain_argmax(out, n) : 0;
  }
  GbAttribution gxi = {0};
  GbLrpResult lrp = {0};
  GbLrpPolicy policy;
  gb_lrp_policy_init_uniform(&policy, j->rule);
  if (st == GB_OK)
    st = gb_attribution_grad_x_input(m, j->x, j->n_x, &j->target, &gxi, &err);
  if (st == GB_OK)
    st = gb_attribution_lrp(m, j->x, j->n_x, &j->target, &policy, &lrp, &err);
  if (st == GB_OK) {
    j->gxi = g_memdup2(gxi.values, sizeof(float) * j->n_x);
    j->lrp = g_memdup2(lrp.map.values, sizeof(float) * j->n_x);
    st = correlations(j, &err);
  }
  gb_attribution_clear(&gxi);
  gb_lrp_result_clear(&lrp);
  gb_model_pool_give(j->pool, m);
  gb_set_error_from_status(error, st, &err);
  return st == GB_OK;
}

/* ---- Showing ---- */

static char *
rule_text(const GbLrpRule *r)
{
  if (r->kind == GB_LRP_EPSILON)
    return g_strdup_printf(_("LRP epsilon = %g"), r->epsilon);
  if (r->kind == GB_LRP_GAMMA)
    return g_strdup_printf(_("LRP gamma = %g"), r->gamma);
  return g_strdup(_("LRP-0"));
}

static void
show_maps(GbLrpCompareView *self)
{
  double scale = fmax(gb_colormap_max_abs(self->gxi, self->n),
                      gb_colormap_max_abs(self->lrp, self->n));
  g_autofree char *rule = rule_text(&self->shown_rule);
  g_autofree char *target = gb_explain_target_text(&self->shown_target);
  const float *maps[3] = {self->gxi, self->lrp, self->diff};
  char *titles[3] = {
      g_strdup_printf(_("Gradient x input, %s"), target),
      g_strdup_printf(_("%s, %s"), rule, target),
      /* TRANSLATORS: the difference map's title; max |LRP - G x I| */
      g_strdup_printf(_("LRP \u2212 G\u00d7I (max |diff| %.2g)"), self->max_diff),
  };
  for (int k = 0; k < 3; k++) {
    GbHeatmapFigure *fig = gb_heatmap_figure_new();
    gb_explain_display_size(&self->shown_shape, &fig->rows, &fig->cols);
    fig->map = gb_explain_display_values(maps[k], &self->shown_shape);
    fig->image = gb_explain_display_image(self->shown_x, &self->shown_shape);
    fig->title = titles[k];
    fig->colorbar_label = g_strdup(_("relevance"));
    fig->scale_max = scale > 0 ? scale : 1; /* one scale: a small difference looks small */
    GbPlotView *plot = GB_PLOT_VIEW(self->plots[k]);
    gb_plot_view_set_placeholder(plot, NULL);
    gb_plot_view_set_draw_func(plot, gb_heatmap_figure_draw, fig, gb_heatmap_figure_free);
  }
}

static void
show_stats(GbLrpCompareView *self)
{
  double scale = fmax(gb_colormap_max_abs(self->gxi, self->n), 1e-30);
  g_free(self->summary);
  self->summary = g_strdup_printf(
      _("Pearson r = %.6f\nSpearman \u03c1 = %.6f\nmax |LRP \u2212 G\u00d7I| = %.3g "
        "(%.2g of the largest |G\u00d7I|)"),
      self->pearson, self->spearman, self->max_diff, self->max_diff / scale);
  gtk_label_set_text(GTK_LABEL(self->stats), self->summary);
}

static void
update_model_label(GbLrpCompareView *self)
{
  if (self->pool == NULL) {
    gtk_label_set_text(GTK_LABEL(self->model_label), "");
    return;
  }
  GbModelHandle *h = gb_model_pool_get_handle(self->pool);
  g_autofree char *why = NULL;
  g_autofree char *text = NULL;
  if (gb_lrp_compare_is_relu_network(gb_model_handle_get_model(h), &why))
    text = g_strdup_printf(_("\u201c%s\u201d is a ReLU network (linear layers, ReLU, pooling): "
                             "with LRP-0 the two maps are equal up to rounding."),
                           gb_model_handle_get_title(h));
  else
    text = g_strdup_printf(_("\u201c%s\u201d is not a ReLU network: it has %s, where "
                             "g(z)/z differs from g\u2032(z), so even LRP-0 differs from "
                             "gradient x input."),
                           gb_model_handle_get_title(h), why);
  gtk_label_set_text(GTK_LABEL(self->model_label), text);
}

static void
lrp_job_done_cb(GObject *owner, gpointer data, const GError *error)
{
  GbLrpCompareView *self = GB_LRP_COMPARE_VIEW(owner);
  LrpJob *j = data;
  if (error != NULL) {
    if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
      g_autofree char *text = g_strdup_printf(_("Comparison failed: %s"), error->message);
      gtk_label_set_text(GTK_LABEL(self->stats), text);
      g_signal_emit(self, signals[SIGNAL_FAILED], 0, error->message);
    }
    return;
  }
  g_free(self->gxi);
  g_free(self->lrp);
  g_free(self->diff);
  g_free(self->shown_x);
  self->n = j->n_x;
  self->gxi = g_steal_pointer(&j->gxi);
  self->lrp = g_steal_pointer(&j->lrp);
  self->shown_x = g_steal_pointer(&j->x);
  self->diff = g_new(float, self->n);
  self->max_diff = 0;
  for (size_t i = 0; i < self->n; i++) {
    self->diff[i] = self->lrp[i] - self->gxi[i];
    self->max_diff = fmax(self->max_diff, fabs(self->diff[i]));
  }
  self->pearson = j->pearson;
  self->spearman = j->spearman;
  self->shown_rule = j->rule;
  self->shown_target = j->target;
  self->have_result = TRUE;
  show_maps(self);
  show_stats(self);
  g_signal_emit(self, signals[SIGNAL_FINISHED], 0);
}

static GbLrpRule
current_rule(GbLrpCompareView *self)
{
  guint r = gtk_drop_down_get_selected(GTK_DROP_DOWN(self->rule_dd));
  if (r == RULE_EPSILON)
    return gb_lrp_rule_epsilon(self->epsilon);
  if (r == RULE_GAMMA)
    return gb_lrp_rule_gamma(self->gamma);
  return gb_lrp_rule_zero();
}

void
gb_lrp_compare_view_run(GbLrpCompareView *self)
{
  g_return_if_fail(GB_IS_LRP_COMPARE_VIEW(self));
  if (self->worker == NULL || self->pool == NULL || self->x == NULL)
    return;
  g_autoptr(GError) error = NULL;
  if (!gb_explain_check_input(gb_model_pool_get_handle(self->pool), self->x, &self->shape,
                              &error)) {
    gtk_label_set_text(GTK_LABEL(self->stats), error->message);
    g_signal_emit(self, signals[SIGNAL_FAILED], 0, error->message);
    return;
  }
  LrpJob *j = g_new0(LrpJob, 1);
  j->pool = gb_model_pool_ref(self->pool);
  j->n_x = gb_shape_size(&self->shape);
  j->x = g_memdup2(self->x, sizeof(float) * j->n_x);
  j->rule = current_rule(self);
  j->target = gb_target_class((int)gtk_drop_down_get_selected(GTK_DROP_DOWN(self->class_dd)) -
                              1);
  self->shown_shape = self->shape;
  gb_worker_submit(self->worker, "lrp-compare", G_OBJECT(self), lrp_job_run, j, lrp_job_free,
                   NULL, lrp_job_done_cb);
}

/* ---- Controls ---- */

static void
sync_param_control(GbLrpCompareView *self)
{
  guint r = gtk_drop_down_get_selected(GTK_DROP_DOWN(self->rule_dd));
  gboolean has = r == RULE_EPSILON || r == RULE_GAMMA;
  self->updating = TRUE;
  gtk_widget_set_sensitive(self->param_spin, has);
  gtk_label_set_text(GTK_LABEL(self->param_label), r == RULE_GAMMA ? _("gamma") : _("epsilon"));
  gtk_spin_button_set_value(GTK_SPIN_BUTTON(self->param_spin),
                            r == RULE_GAMMA ? self->gamma : self->epsilon);
  self->updating = FALSE;
}

static void
rerun_if_shown(GbLrpCompareView *self)
{
  if (!self->updating && self->have_result)
    gb_lrp_compare_view_run(self);
}

static void
rule_changed_cb(GObject *dd, GParamSpec *pspec, GbLrpCompareView *self)
{
  (void)dd;
  (void)pspec;
  sync_param_control(self);
  rerun_if_shown(self);
}

static void
param_changed_cb(GtkSpinButton *spin, GbLrpCompareView *self)
{
  if (self->updating)
    return;
  double v = gtk_spin_button_get_value(spin);
  if (gtk_drop_down_get_selected(GTK_DROP_DOWN(self->rule_dd)) == RULE_GAMMA)
    self->gamma = v;
  else
    self->epsilon = v;
  rerun_if_shown(self);
}

static void
class_changed_cb(GObject *dd, GParamSpec *pspec, GbLrpCompareView *self)
{
  (void)dd;
  (void)pspec;
  rerun_if_shown(self);
}

void
gb_lrp_compare_view_set_rule(GbLrpCompareView *self, GbLrpRuleKind kind, double param)
{
  g_return_if_fail(GB_IS_LRP_COMPARE_VIEW(self));
  g_return_if_fail(kind == GB_LRP_ZERO || kind == GB_LRP_EPSILON || kind == GB_LRP_GAMMA);
  self->updating = TRUE;
  if (kind == GB_LRP_EPSILON)
    self->epsilon = param;
  if (kind == GB_LRP_GAMMA)
    self->gamma = param;
  guint r = kind == GB_LRP_EPSILON ? RULE_EPSILON : kind == GB_LRP_GAMMA ? RULE_GAMMA : RULE_ZERO;
  gtk_drop_down_set_selected(GTK_DROP_DOWN(self->rule_dd), r);
  self->updating = FALSE;
  sync_param_control(self);
  rerun_if_shown(self);
}

void
gb_lrp_compare_view_set_target(GbLrpCompareView *self, GbTarget target)
{
  g_return_if_fail(GB_IS_LRP_COMPARE_VIEW(self));
  guint n = g_list_model_get_n_items(gtk_drop_down_get_model(GTK_DROP_DOWN(self->class_dd)));
  guint pos = target.class_a < 0 || (guint)(target.class_a + 1) >= n ? 0
                                                                     : (guint)target.class_a + 1;
  self->updating = TRUE;
  gtk_drop_down_set_selected(GTK_DROP_DOWN(self->class_dd), pos);
  self->updating = FALSE;
}

void
gb_lrp_compare_view_set_model(GbLrpCompareView *self, GbWorker *worker, GbModelHandle *handle)
{
  g_return_if_fail(GB_IS_LRP_COMPARE_VIEW(self));
  if (self->worker != NULL)
    gb_worker_cancel(self->worker, "lrp-compare");
  g_set_object(&self->worker, worker);
  if (gb_model_pool_replace(&self->pool, handle)) {
    g_autoptr(GtkStringList) list = gtk_string_list_new(NULL);
    gtk_string_list_append(list, _("predicted class"));
    int n = handle != NULL ? gb_model_handle_get_n_classes(handle) : 10;
    for (int c = 0; c < n; c++) {
      g_autofree char *name = gb_explain_class_name(handle, c);
      gtk_string_list_append(list, name);
    }
    self->updating = TRUE;
    gtk_drop_down_set_model(GTK_DROP_DOWN(self->class_dd), G_LIST_MODEL(list));
    gtk_drop_down_set_selected(GTK_DROP_DOWN(self->class_dd), 0);
    self->updating = FALSE;
    self->have_result = FALSE;
  }
  update_model_label(self);
}

void
gb_lrp_compare_view_set_input(GbLrpCompareView *self, const float *x, const GbShape *shape)
{
  g_return_if_fail(GB_IS_LRP_COMPARE_VIEW(self));
  g_clear_pointer(&self->x, g_free);
  if (x == NULL || shape == NULL)
    return;
  self->shape = *shape;
  self->x = g_memdup2(x, sizeof(float) * gb_shape_size(shape));
}

double
gb_lrp_compare_view_get_pearson(GbLrpCompareView *self)
{
  g_return_val_if_fail(GB_IS_LRP_COMPARE_VIEW(self), NAN);
  return self->have_result ? self->pearson : NAN;
}

double
gb_lrp_compare_view_get_spearman(GbLrpCompareView *self)
{
  g_return_val_if_fail(GB_IS_LRP_COMPARE_VIEW(self), NAN);
  return self->have_result ? self->spearman : NAN;
}

double
gb_lrp_compare_view_get_max_difference(GbLrpCompareView *self)
{
  g_return_val_if_fail(GB_IS_LRP_COMPARE_VIEW(self), NAN);
  return self->have_result ? self->max_diff : NAN;
}

const float *
gb_lrp_compare_view_get_lrp_map(GbLrpCompareView *self, size_t *n)
{
  g_return_val_if_fail(GB_IS_LRP_COMPARE_VIEW(self), NULL);
  if (n != NULL)
    *n = self->have_result ? self->n : 0;
  return self->have_result ? self->lrp : NULL;
}

const float *
gb_lrp_compare_view_get_gxi_map(GbLrpCompareView *self, size_t *n)
{
  g_return_val_if_fail(GB_IS_LRP_COMPARE_VIEW(self), NULL);
  if (n != NULL)
    *n = self->have_result ? self->n : 0;
  return self->have_result ? self->gxi : NULL;
}

const char *
gb_lrp_compare_view_get_summary(GbLrpCompareView *self)
{
  g_return_val_if_fail(GB_IS_LRP_COMPARE_VIEW(self), NULL);
  return self->summary;
}

/* ---- GObject ---- */

static void
run_clicked_cb(GtkButton *button, GbLrpCompareView *self)
{
  (void)button;
  gb_lrp_compare_view_run(self);
}

static GtkWidget *
build_controls(GbLrpCompareView *self)
{
  GtkWidget *row = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 8);
  const char *rules[] = {_("LRP-0"), _("LRP-epsilon"), _("LRP-gamma"), NULL};
  self->rule_dd = gtk_drop_down_new_from_strings(rules);
  self->param_label = gtk_label_new(_("epsilon"));
  self->param_spin = gtk_spin_button_new_with_range(0, 10, 0.05);
  gtk_spin_button_set_digits(GTK_SPIN_BUTTON(self->param_spin), 3);
  self->class_dd = gtk_drop_down_new(NULL, NULL);
  GtkWidget *run = gtk_button_new_with_label(_("Compare"));
  gtk_widget_add_css_class(run, "suggested-action");
  g_signal_connect(run, "clicked", G_CALLBACK(run_clicked_cb), self);
  gtk_box_append(GTK_BOX(row), gtk_label_new(_("Gradient x input against")));
  gtk_box_append(GTK_BOX(row), self->rule_dd);
  gtk_box_append(GTK_BOX(row), self->param_label);
  gtk_box_append(GTK_BOX(row), self->param_spin);
  gtk_box_append(GTK_BOX(row), gtk_label_new(_("Class")));
  gtk_box_append(GTK_BOX(row), self->class_dd);
  gtk_box_append(GTK_BOX(row), run);
  g_signal_connect(self->rule_dd, "notify::selected", G_CALLBACK(rule_changed_cb), self);
  g_signal_connect(self->param_spin, "value-changed", G_CALLBACK(param_changed_cb), self);
  g_signal_connect(self->class_dd, "notify::selected", G_CALLBACK(class_changed_cb), self);
  return row;
}

static GtkWidget *
build_explanation(void)
{
  GtkWidget *label = gtk_label_new(
      _("Why they can be equal: with LRP-0 the relevance of a neuron divided by its input z is "
        "\u2202f/\u2202z at every layer of a network of linear layers (with biases), ReLU and "
        "pooling, so at the input R\u1d62 = x\u1d62 \u2202f/\u2202x\u1d62: gradient x input "
        "(Shrikumar et al. 2016, Ancona et al. 2018).\n"
        "What makes them differ: epsilon > 0 damps small denominators (sparser, less noisy "
        "maps); the gamma, alpha-beta, z\u1d2e and w\u00b2 rules change the weights; tanh and "
        "sigmoid units (Elman RNN, LSTM gates), where g(z)/z \u2260 g\u2032(z); LSTM "
        "signal-take-all, which gives the gates no relevance while the gradient flows "
        "through them."));
  gtk_label_set_wrap(GTK_LABEL(label), TRUE);
  gtk_label_set_xalign(GTK_LABEL(label), 0);
  gtk_label_set_width_chars(GTK_LABEL(label), 40); /* wraps to the column, not to a word */
  gtk_label_set_max_width_chars(GTK_LABEL(label), 120);
  gb_explain_label_enlarge(label);
  return label;
}

static void
gb_lrp_compare_view_dispose(GObject *object)
{
  GbLrpCompareView *self = GB_LRP_COMPARE_VIEW(object);
  if (self->worker != NULL)
    gb_worker_cancel(self->worker, "lrp-compare");
  g_clear_object(&self->worker);
  g_clear_pointer(&self->pool, gb_model_pool_unref);
  G_OBJECT_CLASS(gb_lrp_compare_view_parent_class)->dispose(object);
}

static void
gb_lrp_compare_view_finalize(GObject *object)
{
  GbLrpCompareView *self = GB_LRP_COMPARE_VIEW(object);
  g_free(self->x);
  g_free(self->gxi);
  g_free(self->lrp);
  g_free(self->diff);
  g_free(self->shown_x);
  g_free(self->summary);
  G_OBJECT_CLASS(gb_lrp_compare_view_parent_class)->finalize(object);
}

static void
gb_lrp_compare_view_class_init(GbLrpCompareViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS(klass);
  object_class->dispose = gb_lrp_compare_view_dispose;
  object_class->finalize = gb_lrp_compare_view_finalize;
  signals[SIGNAL_FINISHED] = g_signal_new("finished", G_TYPE_FROM_CLASS(klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
                                          0);
  signals[SIGNAL_FAILED] = g_signal_new("failed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST,
                                        0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  gtk_widget_class_set_css_name(GTK_WIDGET_CLASS(klass), "lrpcompareview");
}

static void
gb_lrp_compare_view_init(GbLrpCompareView *self)
{
  gtk_orientable_set_orientation(GTK_ORIENTABLE(self), GTK_ORIENTATION_VERTICAL);
  gtk_box_set_spacing(GTK_BOX(self), 6);
  self->epsilon = 0.25;
  self->gamma = 0.25;
  self->pearson = self->spearman = self->max_diff = NAN;
  gtk_box_append(GTK_BOX(self), build_controls(self));
  /* G x I and LRP side by side, the difference under them beside the numbers and the text
   * that explain it: the maps stay large at 1280 x 800. */
  GtkWidget *grid = gtk_grid_new();
  gtk_grid_set_row_spacing(GTK_GRID(grid), 6);
  gtk_grid_set_column_spacing(GTK_GRID(grid), 12);
  gtk_grid_set_column_homogeneous(GTK_GRID(grid), TRUE);
  gtk_widget_set_vexpand(grid, TRUE);
  for (int k = 0; k < 3; k++) {
    self->plots[k] = gb_plot_view_new();
    gtk_widget_set_size_request(self->plots[k], 200, 200);
    gb_plot_view_set_placeholder(GB_PLOT_VIEW(self->plots[k]), k == 1 ? _("Not compared yet")
                                                                      : "");
    gtk_grid_attach(GTK_GRID(grid), self->plots[k], k % 2, k / 2, 1, 1);
  }
  GtkWidget *text = gtk_box_new(GTK_ORIENTATION_VERTICAL, 10);
  gtk_widget_set_valign(text, GTK_ALIGN_CENTER);
  self->stats = gtk_label_new(NULL);
  gtk_label_set_xalign(GTK_LABEL(self->stats), 0);
  gtk_label_set_wrap(GTK_LABEL(self->stats), TRUE);
  gb_explain_label_enlarge(self->stats);
  gtk_widget_add_css_class(self->stats, "heading");
  gtk_box_append(GTK_BOX(text), self->stats);
  self->model_label = gtk_label_new(NULL);
  gtk_label_set_xalign(GTK_LABEL(self->model_label), 0);
  gtk_label_set_wrap(GTK_LABEL(self->model_label), TRUE);
  gtk_label_set_width_chars(GTK_LABEL(self->model_label), 40);
  gb_explain_label_enlarge(self->model_label);
  gtk_box_append(GTK_BOX(text), self->model_label);
  gtk_box_append(GTK_BOX(text), build_explanation());
  gtk_grid_attach(GTK_GRID(grid), text, 1, 1, 1, 1);
  gtk_box_append(GTK_BOX(self), grid);
  sync_param_control(self);
}

GtkWidget *
gb_lrp_compare_view_new(void)
{
  return g_object_new(GB_TYPE_LRP_COMPARE_VIEW, NULL);
}

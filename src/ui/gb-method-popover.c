/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-method-popover.h"

#include <glib/gi18n.h>
#include <string.h>

/* The parameters, in display order; a row is shown for the methods whose bit is set. */
typedef enum {
  ROW_PRESET,
  ROW_EPSILON,
  ROW_GAMMA,
  ROW_STEPS,
  ROW_SAMPLES,
  ROW_NOISE,
  ROW_BASELINE,
  ROW_PATCH,
  ROW_STRIDE,
  ROW_SEGMENTATION,
  ROW_SEED,
  N_ROWS
} Row;

#define M(x) (1u << (x))
static const guint row_methods[N_ROWS] = {
    [ROW_PRESET] = M(GB_METHOD_LRP),
    [ROW_EPSILON] = M(GB_METHOD_LRP),
    [ROW_GAMMA] = M(GB_METHOD_LRP),
    [ROW_STEPS] = M(GB_METHOD_INTEGRATED_GRADIENTS),
    [ROW_SAMPLES] = M(GB_METHOD_SMOOTHGRAD) | M(GB_METHOD_VARGRAD) | M(GB_METHOD_LIME) |
                    M(GB_METHOD_KERNEL_SHAP) | M(GB_METHOD_PERMUTATION_SHAP),
    [ROW_NOISE] = M(GB_METHOD_SMOOTHGRAD) | M(GB_METHOD_VARGRAD),
    [ROW_BASELINE] = M(GB_METHOD_INTEGRATED_GRADIENTS) | M(GB_METHOD_OCCLUSION) |
                     M(GB_METHOD_KERNEL_SHAP) | M(GB_METHOD_PERMUTATION_SHAP),
    [ROW_PATCH] = M(GB_METHOD_OCCLUSION) | M(GB_METHOD_LIME) | M(GB_METHOD_KERNEL_SHAP) |
                  M(GB_METHOD_PERMUTATION_SHAP),
    [ROW_STRIDE] = M(GB_METHOD_OCCLUSION),
    [ROW_SEGMENTATION] = M(GB_METHOD_LIME) | M(GB_METHOD_KERNEL_SHAP) |
                         M(GB_METHOD_PERMUTATION_SHAP),
    [ROW_SEED] = M(GB_METHOD_SMOOTHGRAD) | M(GB_METHOD_VARGRAD) | M(GB_METHOD_LIME) |
                 M(GB_METHOD_KERNEL_SHAP) | M(GB_METHOD_PERMUTATION_SHAP) |
                 M(GB_METHOD_INTEGRATED_GRADIENTS),
};
#undef M

static const GbLrpPreset presets[] = {
    GB_LRP_PRESET_EPSILON_GAMMA_BOX, GB_LRP_PRESET_EPSILON, GB_LRP_PRESET_ZERO,
    GB_LRP_PRESET_EPSILON_PLUS, GB_LRP_PRESET_EPSILON_ALPHA2_BETA1};
static const GbBaselineKind baselines[] = {GB_BASELINE_ZEROS, GB_BASELINE_BLUR,
                                           GB_BASELINE_UNIFORM};

struct _GbMethodPopover {
  GtkPopover parent_instance;
  GtkDropDown *method;
  GtkWidget *labels[N_ROWS], *editors[N_ROWS];
  GtkDropDown *preset, *baseline, *segmentation;
  GtkSpinButton *epsilon, *gamma, *steps, *samples, *noise, *patch, *stride, *seed;
  gboolean updating; /* set_config in progress: no "changed" per widget */
};

G_DEFINE_FINAL_TYPE(GbMethodPopover, gb_method_popover, GTK_TYPE_POPOVER)

enum { SIGNAL_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

static const char *
preset_title(GbLrpPreset p)
{
  switch (p) {
  case GB_LRP_PRESET_ZERO: return _("LRP-0 everywhere");
  case GB_LRP_PRESET_EPSILON: return _("LRP-epsilon everywhere");
  case GB_LRP_PRESET_EPSILON_GAMMA_BOX: return _("z^B, gamma on convolutions, epsilon on dense");
  case GB_LRP_PRESET_EPSILON_PLUS: return _("alpha1-beta0 on convolutions, epsilon on dense");
  case GB_LRP_PRESET_EPSILON_ALPHA2_BETA1:
    return _("alpha2-beta1 on convolutions, epsilon on dense");
  }
  return "";
}

const char *
gb_method_display_title(GbMethod m)
{
  switch (m) {
  case GB_METHOD_SALIENCY: return _("Saliency");
  case GB_METHOD_GRADIENT: return _("Gradient");
  case GB_METHOD_GRAD_X_INPUT: return _("Gradient x input");
  case GB_METHOD_INTEGRATED_GRADIENTS: return _("Integrated gradients");
  case GB_METHOD_SMOOTHGRAD: return _("SmoothGrad");
  case GB_METHOD_VARGRAD: return _("VarGrad");
  case GB_METHOD_LRP: return _("LRP");
  case GB_METHOD_OCCLUSION: return _("Occlusion");
  case GB_METHOD_LIME: return _("LIME");
  case GB_METHOD_KERNEL_SHAP: return _("KernelSHAP");
  case GB_METHOD_PERMUTATION_SHAP: return _("Permutation SHAP");
  default: return _("Unknown method");
  }
}

char *
gb_method_config_dup_label(const GbMethodConfig *c)
{
  if (c->method != GB_METHOD_LRP)
    return g_strdup(gb_method_display_title(c->method));
  return g_strdup_printf("LRP (%s)", gb_lrp_preset_id(c->lrp_preset) + strlen("lrp-"));
}

static void
update_rows(GbMethodPopover *self)
{
  guint m = gtk_drop_down_get_selected(self->method);
  for (int r = 0; r < N_ROWS; r++) {
    gboolean visible = (row_methods[r] & (1u << m)) != 0;
    gtk_widget_set_visible(self->labels[r], visible);
    gtk_widget_set_visible(self->editors[r], visible);
  }
}

static void
changed_cb(GbMethodPopover *self)
{
  update_rows(self);
  if (!self->updating)
    g_signal_emit(self, signals[SIGNAL_CHANGED], 0);
}

static GtkSpinButton *
spin_new(double lo, double hi, double step, int digits)
{
  GtkSpinButton *s = GTK_SPIN_BUTTON(gtk_spin_button_new_with_range(lo, hi, step));
  gtk_spin_button_set_digits(s, (guint)digits);
  return s;
}

static GtkDropDown *
dropdown_new(const char *const *items)
{
  return GTK_DROP_DOWN(gtk_drop_down_new_from_strings(items));
}

static void
add_row(GbMethodPopover *self, GtkGrid *grid, Row r, const char *label, GtkWidget *editor)
{
  GtkWidget *l = gtk_label_new(label);
  gtk_label_set_xalign(GTK_LABEL(l), 1);
  gtk_widget_add_css_class(l, "dim-label");
  gtk_grid_attach(grid, l, 0, r + 1, 1, 1);
  gtk_grid_attach(grid, editor, 1, r + 1, 1, 1);
  self->labels[r] = l;
  self->editors[r] = editor;
  if (GTK_IS_SPIN_BUTTON(editor))
    g_signal_connect_swapped(editor, "value-changed", G_CALLBACK(changed_cb), self);
  else
    g_signal_connect_swapped(editor, "notify::selected", G_CALLBACK(changed_cb), self);
}

static void
gb_method_popover_class_init(GbMethodPopoverClass *klass)
{
  signals[SIGNAL_CHANGED] = g_signal_new("changed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
gb_method_popover_init(GbMethodPopover *self)
{
  GtkGrid *grid = GTK_GRID(gtk_grid_new());
  gtk_grid_set_row_spacing(grid, 6);
  gtk_grid_set_column_spacing(grid, 12);
  gtk_widget_set_margin_start(GTK_WIDGET(grid), 6);
  gtk_widget_set_margin_end(GTK_WIDGET(grid), 6);
  gtk_widget_set_margin_top(GTK_WIDGET(grid), 6);
  gtk_widget_set_margin_bottom(GTK_WIDGET(grid), 6);

  const char *methods[GB_N_METHODS + 1] = {NULL};
  for (int m = 0; m < GB_N_METHODS; m++) methods[m] = gb_method_display_title((GbMethod)m);
  self->method = dropdown_new(methods);
  GtkWidget *ml = gtk_label_new(_("Method"));
  gtk_label_set_xalign(GTK_LABEL(ml), 1);
  gtk_widget_add_css_class(ml, "heading");
  gtk_grid_attach(grid, ml, 0, 0, 1, 1);
  gtk_grid_attach(grid, GTK_WIDGET(self->method), 1, 0, 1, 1);
  g_signal_connect_swapped(self->method, "notify::selected", G_CALLBACK(changed_cb), self);

  const char *preset_items[G_N_ELEMENTS(presets) + 1] = {NULL};
  for (guint i = 0; i < G_N_ELEMENTS(presets); i++) preset_items[i] = preset_title(presets[i]);
  self->preset = dropdown_new(preset_items);
  const char *baseline_items[] = {_("Zeros (black)"), _("Blurred input"), _("Uniform noise"),
                                  NULL};
  self->baseline = dropdown_new(baseline_items);
  const char *segment_items[] = {_("Grid patches"), _("SLIC superpixels"), NULL};
  self->segmentation = dropdown_new(segment_items);
  self->epsilon = spin_new(0, 100, 0.01, 3);
  self->gamma = spin_new(0, 10, 0.05, 2);
  self->steps = spin_new(1, 2000, 1, 0);
  self->samples = spin_new(0, 100000, 10, 0);
  self->noise = spin_new(0, 1, 0.01, 2);
  self->patch = spin_new(1, 28, 1, 0);
  self->stride = spin_new(0, 28, 1, 0);
  self->seed = spin_new(0, 1000000, 1, 0);
  gtk_widget_set_tooltip_text(GTK_WIDGET(self->samples),
                              _("KernelSHAP: 0 takes shap's default, 2M + 2048 coalitions"));
  gtk_widget_set_tooltip_text(GTK_WIDGET(self->stride), _("0: half the window"));

  add_row(self, grid, ROW_PRESET, _("Rule"), GTK_WIDGET(self->preset));
  add_row(self, grid, ROW_EPSILON, _("Epsilon"), GTK_WIDGET(self->epsilon));
  add_row(self, grid, ROW_GAMMA, _("Gamma"), GTK_WIDGET(self->gamma));
  add_row(self, grid, ROW_STEPS, _("Steps"), GTK_WIDGET(self->steps));
  add_row(self, grid, ROW_SAMPLES, _("Samples"), GTK_WIDGET(self->samples));
  add_row(self, grid, ROW_NOISE, _("Noise level"), GTK_WIDGET(self->noise));
  add_row(self, grid, ROW_BASELINE, _("Baseline"), GTK_WIDGET(self->baseline));
  add_row(self, grid, ROW_PATCH, _("Patch size"), GTK_WIDGET(self->patch));
  add_row(self, grid, ROW_STRIDE, _("Stride"), GTK_WIDGET(self->stride));
  add_row(self, grid, ROW_SEGMENTATION, _("Segments"), GTK_WIDGET(self->segmentation));
  add_row(self, grid, ROW_SEED, _("Seed"), GTK_WIDGET(self->seed));
  gtk_popover_set_child(GTK_POPOVER(self), GTK_WIDGET(grid));

  GbMethodConfig c;
  gb_method_config_init(&c, GB_METHOD_GRAD_X_INPUT);
  gb_method_popover_set_config(self, &c);
}

GtkWidget *
gb_method_popover_new(void)
{
  return g_object_new(GB_TYPE_METHOD_POPOVER, NULL);
}

static guint
index_of_preset(GbLrpPreset p)
{
  for (guint i = 0; i < G_N_ELEMENTS(presets); i++)
    if (presets[i] == p)
      return i;
  return 0;
}

static guint
index_of_baseline(GbBaselineKind b)
{
  for (guint i = 0; i < G_N_ELEMENTS(baselines); i++)
    if (baselines[i] == b)
      return i;
  return 0;
}

void
gb_method_popover_get_config(GbMethodPopover *self, GbMethodConfig *c)
{
  g_return_if_fail(GB_IS_METHOD_POPOVER(self));
  guint m = gtk_drop_down_get_selected(self->method);
  gb_method_config_init(c, m < GB_N_METHODS ? (GbMethod)m : GB_METHOD_GRAD_X_INPUT);
  c->lrp_preset = presets[MIN(gtk_drop_down_get_selected(self->preset),
                              G_N_ELEMENTS(presets) - 1)];
  c->lrp_epsilon = gtk_spin_button_get_value(self->epsilon);
  c->lrp_gamma = gtk_spin_button_get_value(self->gamma);
  c->steps = gtk_spin_button_get_value_as_int(self->steps);
  c->samples = gtk_spin_button_get_value_as_int(self->samples);
  c->noise_level = gtk_spin_button_get_value(self->noise);
  c->baseline = baselines[MIN(gtk_drop_down_get_selected(self->baseline),
                              G_N_ELEMENTS(baselines) - 1)];
  c->patch = gtk_spin_button_get_value_as_int(self->patch);
  c->stride = gtk_spin_button_get_value_as_int(self->stride);
  c->segmentation = gtk_drop_down_get_selected(self->segmentation) == 1 ? GB_SEGMENTATION_SLIC
                                                                        : GB_SEGMENTATION_GRID;
  c->seed = (uint64_t)gtk_spin_button_get_value(self->seed);
}

void
gb_method_popover_set_config(GbMethodPopover *self, const GbMethodConfig *c)
{
  g_return_if_fail(GB_IS_METHOD_POPOVER(self));
  GbMethodConfig before;
  gb_method_popover_get_config(self, &before);
  self->updating = TRUE;
  gtk_drop_down_set_selected(self->method, (guint)c->method);
  gtk_drop_down_set_selected(self->preset, index_of_preset(c->lrp_preset));
  gtk_spin_button_set_value(self->epsilon, c->lrp_epsilon);
  gtk_spin_button_set_value(self->gamma, c->lrp_gamma);
  gtk_spin_button_set_value(self->steps, c->steps);
  gtk_spin_button_set_value(self->samples, c->samples);
  gtk_spin_button_set_value(self->noise, c->noise_level);
  gtk_drop_down_set_selected(self->baseline, index_of_baseline(c->baseline));
  gtk_spin_button_set_value(self->patch, c->patch);
  gtk_spin_button_set_value(self->stride, c->stride);
  gtk_drop_down_set_selected(self->segmentation, c->segmentation == GB_SEGMENTATION_SLIC);
  gtk_spin_button_set_value(self->seed, (double)c->seed);
  self->updating = FALSE;
  update_rows(self);
  GbMethodConfig after;
  gb_method_popover_get_config(self, &after);
  if (memcmp(&before, &after, sizeof before) != 0)
    g_signal_emit(self, signals[SIGNAL_CHANGED], 0);
}

char *
gb_method_popover_dup_label(GbMethodPopover *self)
{
  GbMethodConfig c;
  gb_method_popover_get_config(self, &c);
  return gb_method_config_dup_label(&c);
}

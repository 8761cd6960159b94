/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-eeg-view.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "gb-eeg-trial.h"
#include "gb-eeg-traces.h"
#include "gb-eeg-view-private.h"
#include "gb-plot-view.h"
#include "gb-scalpmap.h"

/* Both trace figures use one font size so that their time axes line up. */
#define FIGURE_FONT 13.0

enum { COL_TRIAL, COL_SUBJECT, COL_CLASS, COL_PREDICTION, COL_PROBABILITY, N_COLS };

G_DEFINE_FINAL_TYPE(GbEegView, gb_eeg_view, GTK_TYPE_WIDGET)

/* ---- What is shown ---- */

static size_t
trial_size(GbEegView *self)
{
  return (size_t)self->set->n_times * (size_t)self->set->n_channels;
}

const float *
gb_eeg_view_trial_data(GbEegView *self, int trial)
{
  return self->set->data->x->data + (size_t)trial * trial_size(self);
}

/* The voltages on screen: the trial, or the target average. */
static const float *
shown_voltage(GbEegView *self)
{
  if (self->set == NULL)
    return NULL;
  if (self->show_averages)
    return self->average[1] ? self->average[1] : self->average[0];
  return self->trial >= 0 ? gb_eeg_view_trial_data(self, self->trial) : NULL;
}

static const float *
shown_relevance(GbEegView *self)
{
  if (self->set == NULL)
    return NULL;
  if (self->show_averages)
    return self->average_relevance[1];
  return self->relevance_trial == self->trial && self->trial >= 0 ? self->relevance : NULL;
}

static double
cursor_seconds(GbEegView *self)
{
  return self->set->t0 + self->time_index / self->set->srate;
}

/* Largest |v| (signed maps) or largest v over the whole epoch: one colour scale for every
 * cursor position. */
static double
epoch_scale(const float *v, size_t n, gboolean signed_map)
{
  double m = 0.0;
  for (size_t i = 0; v && i < n; i++)
    if (isfinite(v[i]))
      m = fmax(m, signed_map ? fabs(v[i]) : v[i]);
  return m;
}

static void
fill_traces(GbEegView *self, GbEegTraces *e, gboolean map_only)
{
  memset(e, 0, sizeof *e);
  GbEegSet *set = self->set;
  e->n_times = set->n_times;
  e->n_channels = set->n_channels;
  e->srate = set->srate;
  e->t0 = set->t0;
  e->channel_names = self->names;
  e->units = self->units;
  if (!map_only && self->show_averages) {
    if (self->average[1])
      e->sets[e->n_sets++] = (GbEegTraceSet){ self->average[1], _("Targets") };
    if (self->average[0])
      e->sets[e->n_sets++] = (GbEegTraceSet){ self->average[0], _("Non-targets") };
  } else if (!map_only && self->trial >= 0) {
    e->sets[e->n_sets++] = (GbEegTraceSet){ gb_eeg_view_trial_data(self, self->trial), NULL };
  }
  e->relevance = shown_relevance(self);
  e->colormap = gb_method_is_signed(self->method.method) ? GB_COLORMAP_DIVERGING
                                                         : GB_COLORMAP_VIRIDIS;
  /* A magnitude map starts at 0 like its scalp map; under the traces its dark low end is
   * lightened more than the diverging map's white centre needs. */
  if (e->colormap == GB_COLORMAP_VIRIDIS)
    e->relevance_scale_max = epoch_scale(e->relevance, trial_size(self), FALSE);
  e->opacity = map_only ? 1.0 : e->colormap == GB_COLORMAP_VIRIDIS ? 0.45 : 0.7;
  e->show_cursor = TRUE;
  e->hide_cursor_label = map_only;
  e->cursor_time = cursor_seconds(self);
  e->title = map_only ? _("Relevance per channel and time") : self->title;
  e->time_label = _("time after the flash (ms)");
  e->show_colorbar = e->relevance != NULL;
  e->colorbar_label = _("relevance");
  e->font_size = FIGURE_FONT;
}

static GbStatus
traces_draw(void *user, cairo_t *cr, GbPlotRect area, GbError *err)
{
  GbEegTraces e;
  fill_traces(user, &e, FALSE);
  return gb_eeg_traces_draw(cr, &e, area, err);
}

static GbStatus
map_draw(void *user, cairo_t *cr, GbPlotRect area, GbError *err)
{
  GbEegTraces e;
  fill_traces(user, &e, TRUE);
  return gb_eeg_traces_draw(cr, &e, area, err);
}

static GbStatus
scalp_draw(GbEegView *self, GbEegViewScalp which, cairo_t *cr, GbPlotRect area, GbError *err)
{
  gboolean rel = which == GB_EEG_VIEW_SCALP_RELEVANCE;
  GbScalpmap s = {
    .n_channels = self->set->n_channels, .x = self->pos_x, .y = self->pos_y,
    .names = self->names, .values = self->scalp[which],
    .colormap = rel && !gb_method_is_signed(self->method.method) ? GB_COLORMAP_VIRIDIS
                                                                  : GB_COLORMAP_DIVERGING,
    .scale_max = self->scalp_scale[which], .title = self->scalp_title[which],
    .show_colorbar = TRUE,
    .colorbar_label = rel ? _("relevance") : self->units == GB_EEG_UNITS_SD ? _("SD") : "\u00b5V",
    .show_names = TRUE,
  };
  return gb_scalpmap_draw(cr, &s, area, err);
}

static GbStatus
scalp_voltage_draw(void *user, cairo_t *cr, GbPlotRect area, GbError *err)
{
  return scalp_draw(user, GB_EEG_VIEW_SCALP_VOLTAGE, cr, area, err);
}

static GbStatus
scalp_relevance_draw(void *user, cairo_t *cr, GbPlotRect area, GbError *err)
{
  return scalp_draw(user, GB_EEG_VIEW_SCALP_RELEVANCE, cr, area, err);
}

static void
update_scalp(GbEegView *self)
{
  int nc = self->set->n_channels;
  const float *src[2] = { shown_voltage(self), shown_relevance(self) };
  gboolean signed_map[2] = { TRUE, gb_method_is_signed(self->method.method) };
  int ms = (int)lround(cursor_seconds(self) * 1000.0);
  for (int w = 0; w < 2; w++) {
    for (int c = 0; c < nc; c++) {
      gboolean ok = src[w] != NULL && isfinite(self->pos_x[c]);
      self->scalp[w][c] = ok ? src[w][(size_t)self->time_index * nc + c] : NAN;
    }
    self->scalp_scale[w] = epoch_scale(src[w], trial_size(self), signed_map[w]);
    g_free(self->scalp_title[w]);
    if (self->show_averages)
      self->scalp_title[w] = w == 0 ? g_strdup_printf(_("Target average at %d ms"), ms)
                                    : g_strdup_printf(_("Target relevance at %d ms"), ms);
    else
      self->scalp_title[w] = w == 0 ? g_strdup_printf(_("Voltage at %d ms"), ms)
                                    : g_strdup_printf(_("Relevance at %d ms"), ms);
  }
}

static void
update_title(GbEegView *self)
{
  g_clear_pointer(&self->title, g_free);
  if (self->show_averages) {
    self->title = g_strdup_printf(_("Averages of %d trials; shading: mean target relevance"),
                                  gb_dataset_size(self->set->data));
    return;
  }
  if (self->trial < 0)
    return;
  int t = self->trial;
  const char *cls = self->set->data->labels[t] ? _("target") : _("non-target");
  double p = self->probability ? self->probability[t] : NAN;
  if (isnan(p))
    self->title = g_strdup_printf(_("Trial %d: subject %d, %s"), t + 1, self->set->subject[t] + 1,
                                  cls);
  else
    self->title = g_strdup_printf(_("Trial %d: subject %d, %s; P(target) = %.2f"), t + 1,
                                  self->set->subject[t] + 1, cls, p);
}

static const char *
relevance_placeholder(GbEegView *self)
{
  if (self->model == NULL)
    return _("Choose an EEG model to see what it attends to");
  if (self->message != NULL)
    return _("No relevance: see the message above");
  if (self->show_averages)
    return self->explaining_all ? _("Averaging the relevance over every trial\u2026")
                                : _("No averaged relevance yet");
  return _("Computing the relevance of this trial\u2026");
}

/* Redraws every figure after the trial, the cursor, a result or the mode changed. */
void
gb_eeg_view_refresh(GbEegView *self)
{
  GbPlotView *views[] = { GB_PLOT_VIEW(self->traces), GB_PLOT_VIEW(self->map),
                          GB_PLOT_VIEW(self->scalp_views[0]), GB_PLOT_VIEW(self->scalp_views[1]) };
  if (self->set == NULL || (self->trial < 0 && !self->show_averages)) {
    const char *text = self->set == NULL ? _("No EEG trials loaded") : _("Select a trial");
    for (size_t i = 0; i < G_N_ELEMENTS(views); i++)
      gb_plot_view_set_placeholder(views[i], text);
    return;
  }
  update_title(self);
  update_scalp(self);
  gboolean rel = shown_relevance(self) != NULL;
  gb_plot_view_set_placeholder(views[0], NULL);
  gb_plot_view_set_placeholder(views[1], rel ? NULL : relevance_placeholder(self));
  gb_plot_view_set_placeholder(views[2], NULL);
  gb_plot_view_set_placeholder(views[3], rel ? NULL : relevance_placeholder(self));
  for (size_t i = 0; i < G_N_ELEMENTS(views); i++)
    gb_plot_view_queue_draw(views[i]);
}

void
gb_eeg_view_set_message(GbEegView *self, const char *message)
{
  g_free(self->message);
  self->message = g_strdup(message);
  gtk_label_set_text(GTK_LABEL(self->message_label), message ? message : "");
  gtk_widget_set_visible(self->message_label, message != NULL);
  gb_eeg_view_refresh(self); /* the placeholders say why there is no relevance */
}

void
gb_eeg_view_set_status(GbEegView *self, const char *status)
{
  gtk_label_set_text(GTK_LABEL(self->status_label), status ? status : "");
}

/* ---- The trial list ---- */

void
gb_eeg_view_count_update(GbEegView *self)
{
  guint total = self->set ? (guint)gb_dataset_size(self->set->data) : 0;
  g_autofree char *text = g_strdup_printf(_("%u of %u trials"),
                                          g_list_model_get_n_items(G_LIST_MODEL(self->sorted)),
                                          total);
  gtk_label_set_text(GTK_LABEL(self->count_label), text);
}

static gboolean
filter_match(gpointer item, gpointer user)
{
  GbEegView *self = user;
  GbEegTrial *t = item;
  return (self->filter_subject < 0 || gb_eeg_trial_get_subject(t) == self->filter_subject)
         && (self->filter_label < 0 || gb_eeg_trial_get_label(t) == self->filter_label);
}

static void
filter_changed_cb(GObject *drop, GParamSpec *pspec, GbEegView *self)
{
  (void)drop;
  (void)pspec;
  if (self->syncing)
    return;
  guint s = gtk_drop_down_get_selected(GTK_DROP_DOWN(self->subject_drop));
  guint c = gtk_drop_down_get_selected(GTK_DROP_DOWN(self->class_drop));
  self->filter_subject = s == 0 || s == GTK_INVALID_LIST_POSITION ? -1 : (int)s - 1;
  self->filter_label = c == 1 ? 1 : c == 2 ? 0 : -1;
  gtk_filter_changed(GTK_FILTER(self->filter), GTK_FILTER_CHANGE_DIFFERENT);
  gb_eeg_view_count_update(self);
}

void
gb_eeg_view_set_filter(GbEegView *self, int subject, int label)
{
  g_return_if_fail(GB_IS_EEG_VIEW(self));
  self->syncing = TRUE;
  gtk_drop_down_set_selected(GTK_DROP_DOWN(self->subject_drop), subject < 0 ? 0 : subject + 1);
  gtk_drop_down_set_selected(GTK_DROP_DOWN(self->class_drop),
                             label < 0 ? 0 : label == 1 ? 1 : 2);
  self->syncing = FALSE;
  filter_changed_cb(NULL, NULL, self);
}

static char *
cell_text(GbEegTrial *t, int col)
{
  double p = gb_eeg_trial_get_probability(t);
  switch (col) {
  case COL_TRIAL:
    return g_strdup_printf("%d", gb_eeg_trial_get_index(t) + 1);
  case COL_SUBJECT:
    return g_strdup_printf("%d", gb_eeg_trial_get_subject(t) + 1);
  case COL_CLASS:
    return g_strdup(gb_eeg_trial_get_label(t) ? _("Target") : _("Non-target"));
  case COL_PREDICTION:
    return g_strdup(isnan(p) ? "\u2013" : p >= 0.5 ? _("Target") : _("Non-target"));
  default:
    return isnan(p) ? g_strdup("\u2013") : g_strdup_printf("%.2f", p);
  }
}

static void
cell_refresh(GtkListItem *li)
{
  GbEegTrial *t = gtk_list_item_get_item(li);
  GtkWidget *label = gtk_list_item_get_child(li);
  int col = GPOINTER_TO_INT(g_object_get_data(G_OBJECT(label), "gb-column"));
  g_autofree char *text = cell_text(t, col);
  gtk_label_set_text(GTK_LABEL(label), text);
  /* A wrong prediction stands out. */
  double p = gb_eeg_trial_get_probability(t);
  gboolean wrong = col == COL_PREDICTION && !isnan(p)
                   && (p >= 0.5) != (gb_eeg_trial_get_label(t) == 1);
  if (wrong)
    gtk_widget_add_css_class(label, "error");
  else
    gtk_widget_remove_css_class(label, "error");
}

static void
probability_notify_cb(GbEegTrial *t, GParamSpec *pspec, GtkListItem *li)
{
  (void)t;
  (void)pspec;
  cell_refresh(li);
}

static void
cell_setup_cb(GtkSignalListItemFactory *f, GtkListItem *li, gpointer col)
{
  (void)f;
  GtkWidget *label = gtk_label_new(NULL);
  gtk_label_set_xalign(GTK_LABEL(label), GPOINTER_TO_INT(col) >= COL_CLASS
                                           && GPOINTER_TO_INT(col) != COL_PROBABILITY ? 0.0f
                                                                                    : 1.0f);
  g_object_set_data(G_OBJECT(label), "gb-column", col);
  gtk_list_item_set_child(li, label);
}

static void
cell_bind_cb(GtkSignalListItemFactory *f, GtkListItem *li, gpointer col)
{
  (void)f;
  (void)col;
  cell_refresh(li);
  g_signal_connect(gtk_list_item_get_item(li), "notify::probability",
                   G_CALLBACK(probability_notify_cb), li);
}

static void
cell_unbind_cb(GtkSignalListItemFactory *f, GtkListItem *li, gpointer col)
{
  (void)f;
  (void)col;
  g_signal_handlers_disconnect_by_func(gtk_list_item_get_item(li), probability_notify_cb, li);
}

static int
column_compare(gconstpointer a, gconstpointer b, gpointer col)
{
  GbEegTrial *x = (GbEegTrial *)a, *y = (GbEegTrial *)b;
  double u, v;
  switch (GPOINTER_TO_INT(col)) {
  case COL_SUBJECT:
    u = gb_eeg_trial_get_subject(x), v = gb_eeg_trial_get_subject(y);
    break;
  case COL_CLASS:
    u = gb_eeg_trial_get_label(x), v = gb_eeg_trial_get_label(y);
    break;
  case COL_PREDICTION:
  case COL_PROBABILITY:
    u = gb_eeg_trial_get_probability(x), v = gb_eeg_trial_get_probability(y);
    u = isnan(u) ? -1.0 : u;
    v = isnan(v) ? -1.0 : v;
    break;
  default:
    u = v = 0.0;
  }
  if (u != v)
    return u < v ? -1 : 1;
  /* Ties by trial number, so the order is total and stable. */
  int i = gb_eeg_trial_get_index(x), j = gb_eeg_trial_get_index(y);
  return (i > j) - (i < j);
}

static void
add_column(GbEegView *self, const char *title, int col, gboolean expand)
{
  GtkListItemFactory *f = gtk_signal_list_item_factory_new();
  g_signal_connect(f, "setup", G_CALLBACK(cell_setup_cb), GINT_TO_POINTER(col));
  g_signal_connect(f, "bind", G_CALLBACK(cell_bind_cb), GINT_TO_POINTER(col));
  g_signal_connect(f, "unbind", G_CALLBACK(cell_unbind_cb), GINT_TO_POINTER(col));
  GtkColumnViewColumn *c = gtk_column_view_column_new(title, f);
  GtkSorter *sorter = GTK_SORTER(
    gtk_custom_sorter_new(column_compare, GINT_TO_POINTER(col), NULL));
  gtk_column_view_column_set_sorter(c, sorter);
  g_object_unref(sorter);
  gtk_column_view_column_set_expand(c, expand);
  gtk_column_view_append_column(GTK_COLUMN_VIEW(self->column_view), c);
  g_object_unref(c);
}

static guint
position_of_trial(GbEegView *self, int trial)
{
  GListModel *m = G_LIST_MODEL(self->sorted);
  guint n = g_list_model_get_n_items(m);
  for (guint i = 0; i < n; i++) {
    g_autoptr(GbEegTrial) t = g_list_model_get_item(m, i);
    if (gb_eeg_trial_get_index(t) == trial)
      return i;
  }
  return GTK_INVALID_LIST_POSITION;
}

static void
scroll_to(GbEegView *self, guint pos)
{
  /* GTK 4.8 has no gtk_column_view_scroll_to(); its inner list view has the action. */
  for (GtkWidget *c = gtk_widget_get_first_child(self->column_view); c;
       c = gtk_widget_get_next_sibling(c))
    if (GTK_IS_LIST_VIEW(c))
      gtk_widget_activate_action(c, "list.scroll-to-item", "u", pos);
}

static void select_trial(GbEegView *self, int trial, gboolean scroll);

static void
selection_changed_cb(GtkSingleSelection *sel, GParamSpec *pspec, GbEegView *self)
{
  (void)pspec;
  if (self->syncing)
    return;
  GbEegTrial *t = gtk_single_selection_get_selected_item(sel);
  if (t == NULL)
    return;
  /* Choosing a trial means wanting to see it, not the averages. */
  if (self->show_averages)
    gb_eeg_view_set_show_averages(self, FALSE);
  select_trial(self, gb_eeg_trial_get_index(t), FALSE);
}

/* ---- Time cursor ---- */

static void
scale_changed_cb(GtkRange *range, GbEegView *self)
{
  if (!self->syncing)
    gb_eeg_view_set_time(self, gtk_range_get_value(range) / 1000.0);
}

static char *
scale_format_cb(GtkScale *scale, double value, gpointer user)
{
  (void)scale;
  (void)user;
  return g_strdup_printf(_("%.0f ms"), value);
}

static void
drag_to(GbEegView *self, double x)
{
  if (self->set != NULL)
    gb_eeg_view_set_time(self, gb_eeg_view_x_to_time(self, x));
}

static void
drag_begin_cb(GtkGestureDrag *g, double x, double y, GbEegView *self)
{
  (void)g;
  (void)y;
  drag_to(self, x);
}

static void
drag_update_cb(GtkGestureDrag *g, double dx, double dy, GbEegView *self)
{
  (void)dy;
  double x0, y0;
  if (gtk_gesture_drag_get_start_point(g, &x0, &y0))
    drag_to(self, x0 + dx);
}

static void
averages_toggled_cb(GtkToggleButton *b, GbEegView *self)
{
  if (!self->syncing)
    gb_eeg_view_set_show_averages(self, gtk_toggle_button_get_active(b));
}

/* ---- Construction ---- */

static GtkWidget *
plot_new(GbEegView *self, GbPlotDrawFn draw, const char *name)
{
  GtkWidget *w = gb_plot_view_new();
  gtk_widget_set_name(w, name);
  gb_plot_view_set_draw_func(GB_PLOT_VIEW(w), draw, self, NULL);
  return w;
}

static GtkWidget *
build_list(GbEegView *self)
{
  GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 6);
  gtk_widget_set_margin_start(box, 6);
  gtk_widget_set_margin_top(box, 6);
  gtk_widget_set_margin_bottom(box, 6);
  GtkWidget *filters = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 6);
  const char *all_subjects[] = { _("All subjects"), NULL };
  self->subject_drop = gtk_drop_down_new_from_strings(all_subjects);
  const char *classes[] = { _("Both classes"), _("Targets"), _("Non-targets"), NULL };
  self->class_drop = gtk_drop_down_new_from_strings(classes);
  gtk_widget_set_tooltip_text(self->subject_drop, _("Show the trials of one subject"));
  gtk_widget_set_tooltip_text(self->class_drop, _("Show the trials of one class"));
  g_signal_connect(self->subject_drop, "notify::selected", G_CALLBACK(filter_changed_cb), self);
  g_signal_connect(self->class_drop, "notify::selected", G_CALLBACK(filter_changed_cb), self);
  gtk_box_append(GTK_BOX(filters), self->subject_drop);
  gtk_box_append(GTK_BOX(filters), self->class_drop);
  gtk_box_append(GTK_BOX(box), filters);
  self->count_label = gtk_label_new(NULL);
  gtk_label_set_xalign(GTK_LABEL(self->count_label), 0.0f);
  gtk_widget_add_css_class(self->count_label, "dim-label");
  gtk_box_append(GTK_BOX(box), self->count_label);

  self->store = g_list_store_new(GB_TYPE_EEG_TRIAL);
  self->filter = gtk_custom_filter_new(filter_match, self, NULL);
  self->filtered = gtk_filter_list_model_new(G_LIST_MODEL(g_object_ref(self->store)),
                                             GTK_FILTER(g_object_ref(self->filter)));
  self->column_view = gtk_column_view_new(NULL);
  self->sorted = gtk_sort_list_model_new(
    G_LIST_MODEL(g_object_ref(self->filtered)),
    g_object_ref(gtk_column_view_get_sorter(GTK_COLUMN_VIEW(self->column_view))));
  self->selection = gtk_single_selection_new(G_LIST_MODEL(g_object_ref(self->sorted)));
  gtk_single_selection_set_autoselect(self->selection, FALSE);
  gtk_single_selection_set_can_unselect(self->selection, TRUE);
  g_signal_connect(self->selection, "notify::selected-item", G_CALLBACK(selection_changed_cb),
                   self);
  gtk_column_view_set_model(GTK_COLUMN_VIEW(self->column_view),
                            GTK_SELECTION_MODEL(self->selection));
  add_column(self, _("Trial"), COL_TRIAL, FALSE);
  add_column(self, _("Subject"), COL_SUBJECT, FALSE);
  add_column(self, _("Class"), COL_CLASS, TRUE);
  add_column(self, _("Prediction"), COL_PREDICTION, TRUE);
  add_column(self, _("P(target)"), COL_PROBABILITY, FALSE);
  GtkWidget *scroll = gtk_scrolled_window_new();
  gtk_scrolled_window_set_policy(GTK_SCROLLED_WINDOW(scroll), GTK_POLICY_AUTOMATIC,
                                 GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child(GTK_SCROLLED_WINDOW(scroll), self->column_view);
  gtk_widget_set_vexpand(scroll, TRUE);
  gtk_box_append(GTK_BOX(box), scroll);
  return box;
}

static GtkWidget *
build_figures(GbEegView *self)
{
  GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 4);
  gtk_widget_set_margin_end(box, 6);
  gtk_widget_set_margin_top(box, 6);
  gtk_widget_set_margin_bottom(box, 6);
  GtkWidget *bar = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 12);
  self->averages_toggle = gtk_toggle_button_new_with_label(_("Class averages"));
  gtk_widget_set_tooltip_text(self->averages_toggle,
                              _("Show the target and non-target averages instead of one trial"));
  g_signal_connect(self->averages_toggle, "toggled", G_CALLBACK(averages_toggled_cb), self);
  gtk_box_append(GTK_BOX(bar), self->averages_toggle);
  self->status_label = gtk_label_new(NULL);
  gtk_label_set_xalign(GTK_LABEL(self->status_label), 0.0f);
  gtk_widget_add_css_class(self->status_label, "dim-label");
  gtk_box_append(GTK_BOX(bar), self->status_label);
  gtk_box_append(GTK_BOX(box), bar);
  self->message_label = gtk_label_new(NULL);
  gtk_label_set_wrap(GTK_LABEL(self->message_label), TRUE);
  gtk_label_set_xalign(GTK_LABEL(self->message_label), 0.0f);
  gtk_widget_add_css_class(self->message_label, "error");
  gtk_widget_set_visible(self->message_label, FALSE);
  gtk_box_append(GTK_BOX(box), self->message_label);

  GtkWidget *row = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_widget_set_vexpand(row, TRUE);
  GtkWidget *left = gtk_box_new(GTK_ORIENTATION_VERTICAL, 2);
  gtk_widget_set_hexpand(left, TRUE);
  self->traces = plot_new(self, traces_draw, "traces");
  gtk_widget_set_size_request(self->traces, 420, 300);
  gtk_widget_set_cursor_from_name(self->traces, "col-resize");
  GtkGesture *drag = gtk_gesture_drag_new();
  g_signal_connect(drag, "drag-begin", G_CALLBACK(drag_begin_cb), self);
  g_signal_connect(drag, "drag-update", G_CALLBACK(drag_update_cb), self);
  gtk_widget_add_controller(self->traces, GTK_EVENT_CONTROLLER(drag));
  gtk_box_append(GTK_BOX(left), self->traces);
  self->scale = gtk_scale_new_with_range(GTK_ORIENTATION_HORIZONTAL, 0, 1, 1);
  gtk_scale_set_draw_value(GTK_SCALE(self->scale), TRUE);
  gtk_scale_set_value_pos(GTK_SCALE(self->scale), GTK_POS_RIGHT);
  gtk_scale_set_format_value_func(GTK_SCALE(self->scale), scale_format_cb, NULL, NULL);
  gtk_widget_set_tooltip_text(self->scale, _("Time of the scalp maps (or drag on the traces)"));
  g_signal_connect(self->scale, "value-changed", G_CALLBACK(scale_changed_cb), self);
  gtk_box_append(GTK_BOX(left), self->scale);
  self->map = plot_new(self, map_draw, "relevance-map");
  gtk_widget_set_vexpand(self->map, FALSE);
  gtk_widget_set_size_request(self->map, 420, 250);
  gtk_box_append(GTK_BOX(left), self->map);
  gtk_box_append(GTK_BOX(row), left);

  GtkWidget *right = gtk_box_new(GTK_ORIENTATION_VERTICAL, 6);
  gtk_widget_set_hexpand(right, FALSE);
  self->scalp_views[0] = plot_new(self, scalp_voltage_draw, "scalp-voltage");
  self->scalp_views[1] = plot_new(self, scalp_relevance_draw, "scalp-relevance");
  for (int i = 0; i < 2; i++) {
    gtk_widget_set_size_request(self->scalp_views[i], 300, 220);
    gtk_widget_set_hexpand(self->scalp_views[i], FALSE);
    gtk_box_append(GTK_BOX(right), self->scalp_views[i]);
  }
  gtk_box_append(GTK_BOX(row), right);
  gtk_box_append(GTK_BOX(box), row);
  return box;
}

static void
gb_eeg_view_dispose(GObject *object)
{
  GbEegView *self = GB_EEG_VIEW(object);
  if (self->worker != NULL) {
    gb_worker_cancel(self->worker, GB_EEG_LANE_PREDICT);
    gb_worker_cancel(self->worker, GB_EEG_LANE_EXPLAIN);
    gb_worker_cancel(self->worker, GB_EEG_LANE_EXPLAIN_ALL);
  }
  g_clear_pointer(&self->paned, gtk_widget_unparent);
  g_clear_object(&self->selection);
  g_clear_object(&self->sorted);
  g_clear_object(&self->filtered);
  g_clear_object(&self->filter);
  g_clear_object(&self->store);
  g_clear_object(&self->model);
  g_clear_object(&self->worker);
  G_OBJECT_CLASS(gb_eeg_view_parent_class)->dispose(object);
}

static void
gb_eeg_view_finalize(GObject *object)
{
  GbEegView *self = GB_EEG_VIEW(object);
  gb_eeg_view_clear_data(self);
  g_free(self->method_baseline);
  g_free(self->message);
  g_free(self->title);
  G_OBJECT_CLASS(gb_eeg_view_parent_class)->finalize(object);
}

static void
gb_eeg_view_class_init(GbEegViewClass *klass)
{
  G_OBJECT_CLASS(klass)->dispose = gb_eeg_view_dispose;
  G_OBJECT_CLASS(klass)->finalize = gb_eeg_view_finalize;
  gtk_widget_class_set_layout_manager_type(GTK_WIDGET_CLASS(klass), GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name(GTK_WIDGET_CLASS(klass), "eegview");
}

static void
gb_eeg_view_init(GbEegView *self)
{
  self->trial = -1;
  self->relevance_trial = -1;
  self->filter_subject = -1;
  self->filter_label = -1;
  gb_method_config_init(&self->method, GB_METHOD_LRP);
  self->paned = gtk_paned_new(GTK_ORIENTATION_HORIZONTAL);
  gtk_paned_set_start_child(GTK_PANED(self->paned), build_list(self));
  gtk_paned_set_end_child(GTK_PANED(self->paned), build_figures(self));
  gtk_paned_set_resize_start_child(GTK_PANED(self->paned), FALSE);
  /* The list scrolls: it may shrink, so the figures fit a 1280-pixel window with its sidebar. */
  gtk_paned_set_shrink_start_child(GTK_PANED(self->paned), TRUE);
  gtk_paned_set_position(GTK_PANED(self->paned), 330);
  gtk_widget_set_parent(self->paned, GTK_WIDGET(self));
  gb_eeg_view_count_update(self);
  gb_eeg_view_refresh(self);
}

GtkWidget *
gb_eeg_view_new(void)
{
  return g_object_new(GB_TYPE_EEG_VIEW, NULL);
}

/* ---- Public API ---- */

static void
select_trial(GbEegView *self, int trial, gboolean scroll)
{
  if (self->set == NULL || trial < 0 || trial >= gb_dataset_size(self->set->data))
    return;
  gboolean changed = trial != self->trial;
  self->trial = trial;
  guint pos = position_of_trial(self, trial);
  self->syncing = TRUE;
  gtk_single_selection_set_selected(self->selection, pos);
  self->syncing = FALSE;
  if (scroll && pos != GTK_INVALID_LIST_POSITION && gtk_widget_get_mapped(self->column_view))
    scroll_to(self, pos);
  if (changed)
    gb_eeg_view_explain_selected(self);
  gb_eeg_view_refresh(self);
}

void
gb_eeg_view_select_trial(GbEegView *self, int trial)
{
  g_return_if_fail(GB_IS_EEG_VIEW(self));
  select_trial(self, trial, TRUE);
}

void
gb_eeg_view_set_time(GbEegView *self, double seconds)
{
  g_return_if_fail(GB_IS_EEG_VIEW(self));
  if (self->set == NULL)
    return;
  GbEegTraces e = { .n_times = self->set->n_times, .srate = self->set->srate,
                    .t0 = self->set->t0 };
  self->time_index = gb_eeg_traces_time_index(&e, seconds);
  self->syncing = TRUE;
  gtk_range_set_value(GTK_RANGE(self->scale), cursor_seconds(self) * 1000.0);
  self->syncing = FALSE;
  gb_eeg_view_refresh(self);
}

void
gb_eeg_view_set_show_averages(GbEegView *self, gboolean show)
{
  g_return_if_fail(GB_IS_EEG_VIEW(self));
  self->show_averages = show;
  self->syncing = TRUE;
  gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(self->averages_toggle), show);
  self->syncing = FALSE;
  if (show)
    gb_eeg_view_explain_all(self);
  gb_eeg_view_refresh(self);
}

int
gb_eeg_view_get_selected_trial(GbEegView *self)
{
  g_return_val_if_fail(GB_IS_EEG_VIEW(self), -1);
  return self->trial;
}

double
gb_eeg_view_get_time(GbEegView *self)
{
  g_return_val_if_fail(GB_IS_EEG_VIEW(self), NAN);
  return self->set ? cursor_seconds(self) : NAN;
}

guint
gb_eeg_view_get_n_visible_trials(GbEegView *self)
{
  g_return_val_if_fail(GB_IS_EEG_VIEW(self), 0);
  return g_list_model_get_n_items(G_LIST_MODEL(self->sorted));
}

GbModelHandle *
gb_eeg_view_get_model(GbEegView *self)
{
  g_return_val_if_fail(GB_IS_EEG_VIEW(self), NULL);
  return self->model;
}

const char *
gb_eeg_view_get_message(GbEegView *self)
{
  g_return_val_if_fail(GB_IS_EEG_VIEW(self), NULL);
  return self->message;
}

double
gb_eeg_view_get_probability(GbEegView *self, int trial)
{
  g_return_val_if_fail(GB_IS_EEG_VIEW(self), NAN);
  if (self->probability == NULL || trial < 0 || trial >= gb_dataset_size(self->set->data))
    return NAN;
  return self->probability[trial];
}

const float *
gb_eeg_view_get_relevance(GbEegView *self, size_t *n)
{
  g_return_val_if_fail(GB_IS_EEG_VIEW(self), NULL);
  const float *r = self->set && !self->show_averages ? shown_relevance(self) : NULL;
  if (n)
    *n = r ? trial_size(self) : 0;
  return r;
}

const double *
gb_eeg_view_get_scalp_values(GbEegView *self, GbEegViewScalp which, int *n)
{
  g_return_val_if_fail(GB_IS_EEG_VIEW(self), NULL);
  if (n)
    *n = self->set ? self->set->n_channels : 0;
  return self->set ? self->scalp[which] : NULL;
}

GtkWidget *
gb_eeg_view_get_traces_widget(GbEegView *self)
{
  g_return_val_if_fail(GB_IS_EEG_VIEW(self), NULL);
  return self->traces;
}

static void
traces_layout(GbEegView *self, GbEegTracesLayout *l)
{
  GbEegTraces e;
  fill_traces(self, &e, FALSE);
  gb_eeg_traces_layout(&e, (GbPlotRect){ 0, 0, gtk_widget_get_width(self->traces),
                                         gtk_widget_get_height(self->traces) }, l);
}

double
gb_eeg_view_time_to_x(GbEegView *self, double seconds)
{
  g_return_val_if_fail(GB_IS_EEG_VIEW(self) && self->set != NULL, NAN);
  GbEegTracesLayout l;
  traces_layout(self, &l);
  return gb_eeg_traces_time_to_x(&l, seconds);
}

double
gb_eeg_view_x_to_time(GbEegView *self, double x)
{
  g_return_val_if_fail(GB_IS_EEG_VIEW(self) && self->set != NULL, NAN);
  GbEegTracesLayout l;
  traces_layout(self, &l);
  return gb_eeg_traces_x_to_time(&l, x);
}


/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-digit-gallery.h"

#include <glib/gi18n.h>
#include <math.h>

#include "gb-digit-preprocess.h"
#include "gb-digit-thumb.h"

#define N_PIXELS        (GB_DIGIT_SIZE * GB_DIGIT_SIZE)
#define THUMB_CELL_SIZE 3

struct _GbDigitGallery {
  GtkWidget parent_instance;
  GtkDropDown *class_drop;
  GtkToggleButton *wrong_toggle;
  GtkLabel *count_label;
  GtkStack *stack;
  GtkGridView *grid;
  GtkLabel *placeholder;
  GtkProgressBar *progress;
  GtkLabel *status;

  GListStore *store; /* GbDigitItem in data-set order */
  GtkCustomFilter *filter;
  GtkFilterListModel *shown;
  GtkSingleSelection *selection;

  GbDataset *dataset;
  GbWorker *worker;
  GbModelHandle *model;
  char *lane;
  guint generation; /* bumped by every new data set or model: older results are dropped */
  int class_filter;
  gboolean wrong_only;
  GRand *rand;
  int last_emitted; /* index of the last "digit-activated", -1 after the selection went */
};

enum { SIGNAL_DIGIT_ACTIVATED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE(GbDigitGallery, gb_digit_gallery, GTK_TYPE_WIDGET)

/* --- cells --- */

static void
cell_update(GtkListItem *list_item)
{
  GbDigitItem *item = gtk_list_item_get_item(list_item);
  GtkWidget *box = gtk_list_item_get_child(list_item);
  GtkWidget *thumb = gtk_widget_get_first_child(box);
  GtkWidget *label = gtk_widget_get_next_sibling(thumb);
  int truth = gb_digit_item_get_label(item), pred = gb_digit_item_get_prediction(item);
  gboolean wrong = gb_digit_item_is_misclassified(item);
  g_autofree char *text =
      pred < 0 ? g_strdup_printf("%d", truth) : g_strdup_printf(_("%d → %d"), truth, pred);
  g_autofree char *tip =
      pred < 0 ? g_strdup_printf(_("Digit %d, labelled %d"), gb_digit_item_get_index(item), truth)
               : g_strdup_printf(_("Digit %d, labelled %d; the model says %d (%.0f%%)"),
                                 gb_digit_item_get_index(item), truth, pred,
                                 100 * gb_digit_item_get_probability(item));
  gtk_label_set_text(GTK_LABEL(label), text);
  gtk_widget_set_tooltip_text(box, tip);
  if (wrong)
    gtk_widget_add_css_class(label, "error");
  else
    gtk_widget_remove_css_class(label, "error");
  gb_digit_thumb_set_marked(GB_DIGIT_THUMB(thumb), wrong);
}

static void
item_prediction_cb(GbDigitItem *item, GParamSpec *pspec, GtkListItem *list_item)
{
  (void)item, (void)pspec;
  cell_update(list_item);
}

static void
cell_setup_cb(GtkSignalListItemFactory *factory, GtkListItem *list_item, gpointer user)
{
  (void)factory, (void)user;
  GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 2);
  gtk_box_append(GTK_BOX(box), gb_digit_thumb_new(THUMB_CELL_SIZE));
  GtkWidget *label = gtk_label_new(NULL);
  gtk_box_append(GTK_BOX(box), label);
  gtk_list_item_set_child(list_item, box);
}

static void
cell_bind_cb(GtkSignalListItemFactory *factory, GtkListItem *list_item, gpointer user)
{
  (void)factory, (void)user;
  GbDigitItem *item = gtk_list_item_get_item(list_item);
  GtkWidget *thumb = gtk_widget_get_first_child(gtk_list_item_get_child(list_item));
  gb_digit_thumb_set_pixels(GB_DIGIT_THUMB(thumb), gb_digit_item_get_pixels(item));
  cell_update(list_item);
  g_signal_connect(item, "notify::prediction", G_CALLBACK(item_prediction_cb), list_item);
}

static void
cell_unbind_cb(GtkSignalListItemFactory *factory, GtkListItem *list_item, gpointer user)
{
  (void)factory, (void)user;
  GbDigitItem *item = gtk_list_item_get_item(list_item);
  g_signal_handlers_disconnect_by_func(item, item_prediction_cb, list_item);
}

/* --- filtering, counting, selecting --- */

static gboolean
filter_func(gpointer object, gpointer user)
{
  GbDigitGallery *self = user;
  GbDigitItem *item = object;
  if (self->class_filter >= 0 && gb_digit_item_get_label(item) != self->class_filter)
    return FALSE;
  return !self->wrong_only || gb_digit_item_is_misclassified(item);
}

static void
update_count(GbDigitGallery *self)
{
  guint total = g_list_model_get_n_items(G_LIST_MODEL(self->store));
  guint shown = g_list_model_get_n_items(G_LIST_MODEL(self->shown));
  g_autofree char *text = g_strdup_printf(_("%u of %u"), shown, total);
  gtk_label_set_text(self->count_label, text);
}

static void
refilter(GbDigitGallery *self)
{
  gtk_filter_changed(GTK_FILTER(self->filter), GTK_FILTER_CHANGE_DIFFERENT);
  update_count(self);
}

static void
emit_activated(GbDigitGallery *self, int index)
{
  self->last_emitted = index;
  g_signal_emit(self, signals[SIGNAL_DIGIT_ACTIVATED], 0, index);
}

static void
selected_cb(GtkSingleSelection *selection, GParamSpec *pspec, GbDigitGallery *self)
{
  (void)pspec;
  GbDigitItem *item = gtk_single_selection_get_selected_item(selection);
  if (item == NULL)
    self->last_emitted = -1;
  else if (gb_digit_item_get_index(item) != self->last_emitted)
    emit_activated(self, gb_digit_item_get_index(item));
}

static void
grid_activate_cb(GtkGridView *grid, guint position, GbDigitGallery *self)
{
  (void)grid;
  g_autoptr(GbDigitItem) item = g_list_model_get_item(G_LIST_MODEL(self->shown), position);
  if (item != NULL)
    emit_activated(self, gb_digit_item_get_index(item));
}

/* Selects the shown digit at @pos, scrolls to it and emits "digit-activated" even when it was
 * selected already. */
static int
select_position(GbDigitGallery *self, guint pos)
{
  g_autoptr(GbDigitItem) item = g_list_model_get_item(G_LIST_MODEL(self->shown), pos);
  if (item == NULL)
    return -1;
  self->last_emitted = -1;
  gtk_single_selection_set_selected(self->selection, pos);
  gtk_widget_activate_action(GTK_WIDGET(self->grid), "list.scroll-to-item", "u", pos);
  if (self->last_emitted != gb_digit_item_get_index(item))
    emit_activated(self, gb_digit_item_get_index(item));
  return gb_digit_item_get_index(item);
}

/* --- predictions --- */

typedef struct {
  GbModelHandle *model;
  float *x; /* (n, 784) */
  int n;
  int *prediction;
  float *probability;
  guint generation;
} PredictJob;

static void
predict_job_free(gpointer data)
{
  PredictJob *pj = data;
  g_object_unref(pj->model);
  g_free(pj->x);
  g_free(pj->prediction);
  g_free(pj->probability);
  g_free(pj);
}

/* Arg max of each row of @logits (n, k), and its softmax probability. */
static void
decide(const float *logits, int n, int k, int *prediction, float *probability)
{
  for (int i = 0; i < n; i++) {
    const float *z = logits + (size_t)i * k;
    int best = 0;
    for (int c = 1; c < k; c++)
      best = z[c] > z[best] ? c : best;
    double sum = 0;
    for (int c = 0; c < k; c++)
      sum += exp((double)z[c] - z[best]);
    prediction[i] = best;
    probability[i] = (float)(1.0 / sum);
  }
}

/* Worker thread: only the job's own data and an immutable model handle. */
static gboolean
predict_run(GbJob *job, gpointer data, GError **error)
{
  PredictJob *pj = data;
  GbModel *m = gb_model_handle_dup_model(pj->model, error);
  if (m == NULL)
    return FALSE;
  gboolean ok = FALSE;
  int k = gb_model_n_outputs(m);
  if (gb_model_input_size(m) != N_PIXELS || k < 2) {
    g_set_error(error, GB_ERROR, GB_ERR_SHAPE,
                _("%s does not classify 28x28 digits (it takes %zu values and gives %d)"),
                gb_model_handle_get_title(pj->model), gb_model_input_size(m), k);
  } else {
    float *logits = g_new(float, (gsize)pj->n *k);
    GbError err = {0};
    GbStatus st = gb_model_predict(m, pj->x, pj->n, logits, gb_job_progress, job, &err);
    gb_set_error_from_status(error, st, &err);
    if (st == GB_OK) {
      pj->prediction = g_new(int, pj->n);
      pj->probability = g_new(float, pj->n);
      decide(logits, pj->n, k, pj->prediction, pj->probability);
      ok = TRUE;
    }
    g_free(logits);
  }
  gb_model_free(m);
  return ok;
}

static void
set_status(GbDigitGallery *self, const char *text, gboolean busy)
{
  gtk_label_set_text(self->status, text);
  gtk_widget_set_visible(GTK_WIDGET(self->progress), busy);
}

static void
predict_progress_cb(GObject *owner, double fraction, const char *stage, double seconds_left)
{
  (void)stage, (void)seconds_left;
  GbDigitGallery *self = GB_DIGIT_GALLERY(owner);
  gtk_progress_bar_set_fraction(self->progress, fraction);
}

static void
predict_done_cb(GObject *owner, gpointer data, const GError *error)
{
  GbDigitGallery *self = GB_DIGIT_GALLERY(owner);
  PredictJob *pj = data;
  if (pj->generation != self->generation ||
      g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (error != NULL) {
    set_status(self, error->message, FALSE);
    return;
  }
  int n_right = 0;
  for (int i = 0; i < pj->n; i++) {
    GbDigitItem *item = gb_digit_gallery_get_item(self, i);
    gb_digit_item_set_prediction(item, pj->prediction[i], pj->probability[i]);
    n_right += pj->prediction[i] == gb_digit_item_get_label(item);
  }
  g_autofree char *text =
      g_strdup_printf(_("%s: %d of %d right (%.1f%%)"), gb_model_handle_get_title(pj->model),
                      n_right, pj->n, 100.0 * n_right / MAX(pj->n, 1));
  set_status(self, text, FALSE);
  if (self->wrong_only)
    refilter(self);
}

static void
forget_predictions(GbDigitGallery *self)
{
  guint n = g_list_model_get_n_items(G_LIST_MODEL(self->store));
  for (guint i = 0; i < n; i++)
    gb_digit_item_set_prediction(gb_digit_gallery_get_item(self, (int)i), -1, 0);
}

/* Cancels the running job (its result would be stale) and starts one for the current model
 * and data set, if both are there. */
static void
restart_predictions(GbDigitGallery *self)
{
  self->generation++;
  if (self->worker != NULL)
    gb_worker_cancel(self->worker, self->lane);
  forget_predictions(self);
  if (self->wrong_only)
    refilter(self);
  set_status(self, "", FALSE);
  if (self->worker == NULL || self->model == NULL || self->dataset == NULL)
    return;
  PredictJob *pj = g_new0(PredictJob, 1);
  pj->model = g_object_ref(self->model);
  pj->n = gb_dataset_size(self->dataset);
  pj->x = g_memdup2(self->dataset->x->data, sizeof(float) * N_PIXELS * (gsize)pj->n);
  pj->generation = self->generation;
  g_autofree char *text =
      g_strdup_printf(_("Predicting with %s…"), gb_model_handle_get_title(self->model));
  set_status(self, text, TRUE);
  gtk_progress_bar_set_fraction(self->progress, 0);
  gb_worker_submit(self->worker, self->lane, G_OBJECT(self), predict_run, pj, predict_job_free,
                   predict_progress_cb, predict_done_cb);
}

/* --- construction --- */

static void
class_drop_cb(GtkDropDown *drop, GParamSpec *pspec, GbDigitGallery *self)
{
  (void)pspec;
  guint pos = gtk_drop_down_get_selected(drop);
  int digit = pos == 0 || pos == GTK_INVALID_LIST_POSITION ? -1 : (int)pos - 1;
  if (digit == self->class_filter)
    return;
  self->class_filter = digit;
  refilter(self);
}

static void
wrong_toggled_cb(GtkToggleButton *button, GbDigitGallery *self)
{
  gboolean only = gtk_toggle_button_get_active(button);
  if (only == self->wrong_only)
    return;
  self->wrong_only = only;
  refilter(self);
}

static void
random_clicked_cb(GtkButton *button, GbDigitGallery *self)
{
  (void)button;
  gb_digit_gallery_select_random(self);
}

static void
next_clicked_cb(GtkButton *button, GbDigitGallery *self)
{
  (void)button;
  gb_digit_gallery_select_next(self);
}

static GtkWidget *
build_toolbar(GbDigitGallery *self)
{
  GtkWidget *bar = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 6);
  const char *classes[] = {_("All digits"), "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", NULL};
  self->class_drop = GTK_DROP_DOWN(gtk_drop_down_new_from_strings(classes));
  gtk_widget_set_tooltip_text(GTK_WIDGET(self->class_drop), _("Show one class only"));
  g_signal_connect(self->class_drop, "notify::selected", G_CALLBACK(class_drop_cb), self);
  self->wrong_toggle = GTK_TOGGLE_BUTTON(gtk_toggle_button_new_with_label(_("Misclassified")));
  gtk_widget_set_tooltip_text(GTK_WIDGET(self->wrong_toggle),
                              _("Show only the digits the model gets wrong"));
  g_signal_connect(self->wrong_toggle, "toggled", G_CALLBACK(wrong_toggled_cb), self);
  GtkWidget *random = gtk_button_new_with_label(_("Random"));
  g_signal_connect(random, "clicked", G_CALLBACK(random_clicked_cb), self);
  GtkWidget *next = gtk_button_new_with_label(_("Next"));
  g_signal_connect(next, "clicked", G_CALLBACK(next_clicked_cb), self);
  self->count_label = GTK_LABEL(gtk_label_new(NULL));
  gtk_widget_set_hexpand(GTK_WIDGET(self->count_label), TRUE);
  gtk_label_set_xalign(self->count_label, 1.0f);
  gtk_box_append(GTK_BOX(bar), GTK_WIDGET(self->class_drop));
  gtk_box_append(GTK_BOX(bar), GTK_WIDGET(self->wrong_toggle));
  gtk_box_append(GTK_BOX(bar), random);
  gtk_box_append(GTK_BOX(bar), next);
  gtk_box_append(GTK_BOX(bar), GTK_WIDGET(self->count_label));
  return bar;
}

static GtkWidget *
build_grid(GbDigitGallery *self)
{
  self->store = g_list_store_new(GB_TYPE_DIGIT_ITEM);
  self->filter = gtk_custom_filter_new(filter_func, self, NULL);
  self->shown = gtk_filter_list_model_new(G_LIST_MODEL(g_object_ref(self->store)),
                                          GTK_FILTER(g_object_ref(self->filter)));
  self->selection = gtk_single_selection_new(G_LIST_MODEL(g_object_ref(self->shown)));
  gtk_single_selection_set_autoselect(self->selection, FALSE);
  gtk_single_selection_set_can_unselect(self->selection, TRUE);
  g_signal_connect(self->selection, "notify::selected", G_CALLBACK(selected_cb), self);
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new();
  g_signal_connect(factory, "setup", G_CALLBACK(cell_setup_cb), NULL);
  g_signal_connect(factory, "bind", G_CALLBACK(cell_bind_cb), NULL);
  g_signal_connect(factory, "unbind", G_CALLBACK(cell_unbind_cb), NULL);
  self->grid =
      GTK_GRID_VIEW(gtk_grid_view_new(GTK_SELECTION_MODEL(g_object_ref(self->selection)), factory));
  gtk_grid_view_set_max_columns(self->grid, 16);
  g_signal_connect(self->grid, "activate", G_CALLBACK(grid_activate_cb), self);
  GtkWidget *scrolled = gtk_scrolled_window_new();
  gtk_scrolled_window_set_child(GTK_SCROLLED_WINDOW(scrolled), GTK_WIDGET(self->grid));
  gtk_widget_set_vexpand(scrolled, TRUE);
  return scrolled;
}

static void
gb_digit_gallery_dispose(GObject *object)
{
  GbDigitGallery *self = GB_DIGIT_GALLERY(object);
  if (self->worker != NULL)
    gb_worker_cancel(self->worker, self->lane);
  GtkWidget *child;
  while ((child = gtk_widget_get_first_child(GTK_WIDGET(self))) != NULL)
    gtk_widget_unparent(child);
  g_clear_object(&self->selection);
  g_clear_object(&self->shown);
  g_clear_object(&self->filter);
  g_clear_object(&self->store);
  g_clear_object(&self->worker);
  g_clear_object(&self->model);
  G_OBJECT_CLASS(gb_digit_gallery_parent_class)->dispose(object);
}

static void
gb_digit_gallery_finalize(GObject *object)
{
  GbDigitGallery *self = GB_DIGIT_GALLERY(object);
  gb_dataset_free(self->dataset);
  g_rand_free(self->rand);
  g_free(self->lane);
  G_OBJECT_CLASS(gb_digit_gallery_parent_class)->finalize(object);
}

/* A misclassified digit's red label would be unreadable on the selection's blue: there it
 * takes the selection's text colour (the red frame still marks it). */
static void
install_css(void)
{
  GdkDisplay *display = gdk_display_get_default();
  if (display == NULL)
    return;
  GtkCssProvider *css = gtk_css_provider_new();
  gtk_css_provider_load_from_data(
      css, "digitgallery gridview > child:selected label.error { color: inherit; }", -1);
  gtk_style_context_add_provider_for_display(display, GTK_STYLE_PROVIDER(css),
                                             GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  g_object_unref(css);
}

static void
gb_digit_gallery_class_init(GbDigitGalleryClass *klass)
{
  install_css();
  G_OBJECT_CLASS(klass)->dispose = gb_digit_gallery_dispose;
  G_OBJECT_CLASS(klass)->finalize = gb_digit_gallery_finalize;
  signals[SIGNAL_DIGIT_ACTIVATED] =
      g_signal_new("digit-activated", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                   NULL, G_TYPE_NONE, 1, G_TYPE_INT);
  gtk_widget_class_set_layout_manager_type(GTK_WIDGET_CLASS(klass), GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name(GTK_WIDGET_CLASS(klass), "digitgallery");
}

static void
gb_digit_gallery_init(GbDigitGallery *self)
{
  GtkLayoutManager *layout = gtk_widget_get_layout_manager(GTK_WIDGET(self));
  gtk_orientable_set_orientation(GTK_ORIENTABLE(layout), GTK_ORIENTATION_VERTICAL);
  gtk_box_layout_set_spacing(GTK_BOX_LAYOUT(layout), 6);
  self->class_filter = -1;
  self->last_emitted = -1;
  self->rand = g_rand_new_with_seed(1);
  self->lane = g_strdup_printf("digit-gallery-%p", (void *)self);
  gtk_widget_set_parent(build_toolbar(self), GTK_WIDGET(self));
  self->stack = GTK_STACK(gtk_stack_new());
  gtk_stack_add_named(self->stack, build_grid(self), "grid");
  self->placeholder = GTK_LABEL(gtk_label_new(NULL));
  gtk_label_set_wrap(self->placeholder, TRUE);
  gtk_label_set_justify(self->placeholder, GTK_JUSTIFY_CENTER);
  gtk_label_set_selectable(self->placeholder, TRUE);
  gtk_widget_add_css_class(GTK_WIDGET(self->placeholder), "dim-label");
  gtk_stack_add_named(self->stack, GTK_WIDGET(self->placeholder), "placeholder");
  gtk_widget_set_vexpand(GTK_WIDGET(self->stack), TRUE);
  gtk_widget_set_parent(GTK_WIDGET(self->stack), GTK_WIDGET(self));
  self->progress = GTK_PROGRESS_BAR(gtk_progress_bar_new());
  gtk_widget_set_visible(GTK_WIDGET(self->progress), FALSE);
  gtk_widget_set_parent(GTK_WIDGET(self->progress), GTK_WIDGET(self));
  self->status = GTK_LABEL(gtk_label_new(NULL));
  gtk_label_set_xalign(self->status, 0.0f);
  gtk_label_set_wrap(self->status, TRUE);
  gtk_widget_set_parent(GTK_WIDGET(self->status), GTK_WIDGET(self));
  gb_digit_gallery_set_dataset(self, NULL);
}

GtkWidget *
gb_digit_gallery_new(void)
{
  return g_object_new(GB_TYPE_DIGIT_GALLERY, NULL);
}

static void
show_placeholder(GbDigitGallery *self, const char *problem)
{
  g_autofree char *text =
      g_strdup_printf(_("%s\n\nFetch the MNIST digits with:\nglassbox-cli data fetch"),
                      problem != NULL ? problem : _("No digits are loaded."));
  gtk_label_set_text(self->placeholder, text);
  gtk_stack_set_visible_child_name(self->stack, "placeholder");
}

/* Items for the data set's samples (checked to be 784 values each). */
static void
fill_store(GbDigitGallery *self)
{
  int n = gb_dataset_size(self->dataset);
  GPtrArray *items = g_ptr_array_new_full((guint)n, g_object_unref);
  for (int i = 0; i < n; i++)
    g_ptr_array_add(items, gb_digit_item_new(i, self->dataset->labels[i],
                                             self->dataset->x->data + (size_t)i * N_PIXELS));
  g_list_store_splice(self->store, 0, g_list_model_get_n_items(G_LIST_MODEL(self->store)),
                      items->pdata, items->len);
  g_ptr_array_unref(items);
}

void
gb_digit_gallery_set_dataset(GbDigitGallery *self, GbDataset *ds)
{
  g_return_if_fail(GB_IS_DIGIT_GALLERY(self));
  g_autofree char *problem = NULL;
  if (ds != NULL && (ds->x->size != (size_t)gb_dataset_size(ds) * N_PIXELS || ds->labels == NULL)) {
    problem = g_strdup_printf(_("%s does not hold 28x28 digits with labels."), ds->name);
    g_clear_pointer(&ds, gb_dataset_free);
  }
  gb_dataset_free(self->dataset);
  self->dataset = ds;
  g_list_store_remove_all(self->store);
  if (ds != NULL)
    fill_store(self);
  if (ds != NULL)
    gtk_stack_set_visible_child_name(self->stack, "grid");
  else
    show_placeholder(self, problem);
  self->last_emitted = -1;
  update_count(self);
  restart_predictions(self);
}

gboolean
gb_digit_gallery_load(GbDigitGallery *self, const char *source, GError **error)
{
  g_return_val_if_fail(GB_IS_DIGIT_GALLERY(self), FALSE);
  GbError err = {0};
  GbDataset *ds = gb_dataset_open(source, &err);
  if (ds == NULL) {
    gb_set_error_from_status(error, err.code != GB_OK ? err.code : GB_ERR_IO, &err);
    gb_digit_gallery_set_dataset(self, NULL);
    show_placeholder(self, err.message[0] ? err.message : source);
    return FALSE;
  }
  gb_digit_gallery_set_dataset(self, ds);
  return self->dataset != NULL;
}

const GbDataset *
gb_digit_gallery_get_dataset(GbDigitGallery *self)
{
  g_return_val_if_fail(GB_IS_DIGIT_GALLERY(self), NULL);
  return self->dataset;
}

void
gb_digit_gallery_set_model(GbDigitGallery *self, GbWorker *worker, GbModelHandle *model)
{
  g_return_if_fail(GB_IS_DIGIT_GALLERY(self));
  if (self->worker != NULL && worker != self->worker)
    gb_worker_cancel(self->worker, self->lane);
  g_set_object(&self->worker, worker);
  g_set_object(&self->model, model);
  restart_predictions(self);
}

gboolean
gb_digit_gallery_is_predicting(GbDigitGallery *self)
{
  g_return_val_if_fail(GB_IS_DIGIT_GALLERY(self), FALSE);
  return self->worker != NULL && gb_worker_lane_busy(self->worker, self->lane);
}

const char *
gb_digit_gallery_get_status(GbDigitGallery *self)
{
  g_return_val_if_fail(GB_IS_DIGIT_GALLERY(self), NULL);
  return gtk_label_get_text(self->status);
}

GListModel *
gb_digit_gallery_get_items(GbDigitGallery *self)
{
  g_return_val_if_fail(GB_IS_DIGIT_GALLERY(self), NULL);
  return G_LIST_MODEL(self->store);
}

GListModel *
gb_digit_gallery_get_shown(GbDigitGallery *self)
{
  g_return_val_if_fail(GB_IS_DIGIT_GALLERY(self), NULL);
  return G_LIST_MODEL(self->shown);
}

GbDigitItem *
gb_digit_gallery_get_item(GbDigitGallery *self, int index)
{
  g_return_val_if_fail(GB_IS_DIGIT_GALLERY(self), NULL);
  if (index < 0 || (guint)index >= g_list_model_get_n_items(G_LIST_MODEL(self->store)))
    return NULL;
  GbDigitItem *item = g_list_model_get_item(G_LIST_MODEL(self->store), (guint)index);
  g_object_unref(item); /* the store keeps it alive */
  return item;
}

void
gb_digit_gallery_set_class_filter(GbDigitGallery *self, int digit)
{
  g_return_if_fail(GB_IS_DIGIT_GALLERY(self));
  digit = digit < 0 || digit > 9 ? -1 : digit;
  gtk_drop_down_set_selected(self->class_drop, (guint)(digit + 1)); /* calls class_drop_cb */
}

void
gb_digit_gallery_set_misclassified_only(GbDigitGallery *self, gboolean only)
{
  g_return_if_fail(GB_IS_DIGIT_GALLERY(self));
  gtk_toggle_button_set_active(self->wrong_toggle, only); /* calls wrong_toggled_cb */
}

const char *
gb_digit_gallery_get_count_text(GbDigitGallery *self)
{
  g_return_val_if_fail(GB_IS_DIGIT_GALLERY(self), NULL);
  return gtk_label_get_text(self->count_label);
}

int
gb_digit_gallery_get_selected(GbDigitGallery *self)
{
  g_return_val_if_fail(GB_IS_DIGIT_GALLERY(self), -1);
  GbDigitItem *item = gtk_single_selection_get_selected_item(self->selection);
  return item != NULL ? gb_digit_item_get_index(item) : -1;
}

int
gb_digit_gallery_select_random(GbDigitGallery *self)
{
  g_return_val_if_fail(GB_IS_DIGIT_GALLERY(self), -1);
  guint n = g_list_model_get_n_items(G_LIST_MODEL(self->shown));
  if (n == 0)
    return -1;
  return select_position(self, (guint)g_rand_int_range(self->rand, 0, (gint32)n));
}

int
gb_digit_gallery_select_next(GbDigitGallery *self)
{
  g_return_val_if_fail(GB_IS_DIGIT_GALLERY(self), -1);
  guint n = g_list_model_get_n_items(G_LIST_MODEL(self->shown));
  if (n == 0)
    return -1;
  guint pos = gtk_single_selection_get_selected(self->selection);
  return select_position(self, pos == GTK_INVALID_LIST_POSITION ? 0 : (pos + 1) % n);
}

void
gb_digit_gallery_set_seed(GbDigitGallery *self, guint32 seed)
{
  g_return_if_fail(GB_IS_DIGIT_GALLERY(self));
  g_rand_set_seed(self->rand, seed);
}

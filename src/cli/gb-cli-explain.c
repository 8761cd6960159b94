/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gb-explain.h"
#include "gb-cli.h"
#include "gb-eeg-file.h"
#include "gb-eeg.h"
#include "gb-heatmap.h"
#include "gb-lrp.h"
#include "gb-image-import.h"
#include "gb-perturb.h"
#include "gb-plot-export.h"
#include "gb-scores.h"
#include "gb-segments.h"

/* glassbox-cli explain: one input, one method, a heatmap (PNG/SVG/PDF) or the values (CSV). */

typedef struct {
  char *model, *data, *image, *method, *out, *contrast, *baseline, *segments;
  int index, target, steps, samples, seed, patch, stride;
  double noise, opacity;
} ExplainOptions;

/* The input to explain: a sample of a data set or an imported digit image. x: (input size). */
static GbStatus
load_input(const ExplainOptions *o, GbModel *m, float **x, int *label, GbError *err)
{
  size_t n = gb_model_input_size(m);
  *x = g_new0(float, n);
  *label = -1;
  if (o->image != NULL) {
    if (n != 28 * 28)
      return gb_error_set(err, GB_ERR_SHAPE, "%s: the model takes %zu inputs, not a 28x28 digit",
                          o->model, n);
    return gb_image_import_digit(o->image, *x, NULL, err);
  }
  GbDataset *ds = gb_cli_open_data(o->data, err);
  if (ds == NULL)
    return err->code;
  GbStatus st = GB_OK;
  GbShape s = gb_dataset_sample_shape(ds);
  if (gb_shape_size(&s) != n)
    st = gb_error_set(err, GB_ERR_SHAPE, "%s: samples of %zu values do not fit %s (%zu inputs)",
                      o->data, gb_shape_size(&s), o->model, n);
  else if (o->index < 0 || o->index >= gb_dataset_size(ds))
    st = gb_error_set(err, GB_ERR_INVALID, "%s has %d samples; --index %d is outside them",
                      o->data, gb_dataset_size(ds), o->index);
  if (st == GB_OK) {
    memcpy(*x, ds->x->data + (size_t)o->index * n, n * sizeof(float));
    *label = ds->labels[o->index];
  }
  gb_dataset_free(ds);
  return st;
}

/* Features whose simulated signal reaches this fraction of the trial's peak make up the truth
 * region (as in the sanity tests of the simulator's truth). */
#define TRUTH_FRACTION 0.2

/* After the explanation of a trial of a simulated Glassbox EEG set: how well @a locates the
 * class signal the simulator put in (methods.md §6 item 9). Silent for other data. */
static void
print_eeg_localisation(const ExplainOptions *o, const GbAttribution *a)
{
  if (o->data == NULL || !g_file_test(o->data, G_FILE_TEST_IS_REGULAR) ||
      gb_eeg_path_is_recording(o->data) || !gb_eeg_file_is_eeg_set(o->data))
    return;
  GbError err;
  GbEegSet *set = gb_eeg_set_open(o->data, &err);
  if (set == NULL) {
    g_printerr("glassbox-cli: localisation not scored: %s\n", err.message);
    return;
  }
  size_t d = (size_t)set->n_times * set->n_channels;
  if (set->truth == NULL) {
    printf("localisation: %s carries no simulated ground truth\n", o->data);
  } else if (a->n != d || o->index >= gb_dataset_size(set->data)) {
    printf("localisation: the map does not match the trials of %s\n", o->data);
  } else {
    const float *truth = set->truth + (size_t)o->index * d;
    g_autofree bool *mask = g_new(bool, d);
    size_t k = 0;
    GbLocalisation l;
    if (gb_score_mask_from_truth(truth, d, TRUTH_FRACTION, mask, &k, &err) != GB_OK)
      printf("localisation: trial %d is a non-target trial: no truth region to score against\n",
             o->index);
    else if (gb_score_localisation(a->values, mask, d, false, &l, &err) != GB_OK)
      printf("localisation: not scored: %s\n", err.message);
    else
      printf("localisation against the simulated truth (%zu of %zu features): relevance mass "
             "accuracy %.3f, relevance rank accuracy %.3f, pointing game %s\n",
             k, d, l.mass_accuracy, l.rank_accuracy, l.pointing_hit ? "hit" : "miss");
  }
  gb_eeg_set_free(set);
}

static GbStatus
parse_baseline(const char *name, GbBaselineKind *kind, GbError *err)
{
  if (name == NULL || strcmp(name, "zeros") == 0 || strcmp(name, "black") == 0)
    *kind = GB_BASELINE_ZEROS;
  else if (strcmp(name, "blur") == 0)
    *kind = GB_BASELINE_BLUR;
  else if (strcmp(name, "noise") == 0)
    *kind = GB_BASELINE_UNIFORM;
  else
    return gb_error_set(err, GB_ERR_INVALID, "unknown baseline '%s' (zeros, blur, noise)", name);
  return GB_OK;
}

/* The options as the method configuration every front end shares (gb-explain.h). SHAP and LIME
 * play over --patch x --patch squares of images, blocks of --patch time samples of each EEG
 * channel, or (--segments slic, images only) as many SLIC superpixels as there would be
 * patches, so the two compare at the same budget (49 on 28 x 28 with --patch 4). */
static GbStatus
method_config(const ExplainOptions *o, GbMethodConfig *c, GbError *err)
{
  if (!gb_method_config_init_from_id(c, o->method))
    return gb_error_set(err, GB_ERR_INVALID, "unknown method '%s' (%s)", o->method,
                        gb_method_ids_text());
  c->steps = o->steps;
  if (o->samples >= 0)
    c->samples = o->samples;
  c->noise_level = o->noise;
  c->seed = (uint64_t)o->seed;
  c->patch = o->patch;
  c->stride = o->stride;
  c->segmentation = o->segments != NULL && strcmp(o->segments, "slic") == 0
                        ? GB_SEGMENTATION_SLIC
                        : GB_SEGMENTATION_GRID;
  return parse_baseline(o->baseline, &c->baseline, err);
}

/* The figures each method reports beside its map. */
static void
print_diagnostics(const GbMethodConfig *c, const GbExplanation *e)
{
  const GbSegmentAttribution *s = &e->segments;
  if (c->segmentation == GB_SEGMENTATION_SLIC && s->n_segments > 0) {
    int h = e->map.shape.dim[1], w = e->map.shape.dim[2];
    printf("SLIC: %d superpixels (%d requested, compactness %g)\n", s->n_segments,
           ((h + c->patch - 1) / c->patch) * ((w + c->patch - 1) / c->patch),
           GB_SLIC_DEFAULT_COMPACTNESS);
  }
  if (c->method == GB_METHOD_LIME)
    printf("LIME: %d segments, %ld samples, local fit R^2 %.3f, intercept %.4f\n",
           s->n_segments, s->n_coalitions, s->score, s->base_value);
  else if (c->method == GB_METHOD_KERNEL_SHAP || c->method == GB_METHOD_PERMUTATION_SHAP)
    printf("%s: %d segments, %ld coalitions%s, base value %.4f, sum %.4f, efficiency gap "
           "%.2e\n",
           c->method == GB_METHOD_KERNEL_SHAP ? "KernelSHAP" : "Permutation SHAP",
           s->n_segments, s->n_coalitions, s->exact ? " (exact)" : "", s->base_value,
           e->map.sum, e->map.gap);
  if (c->method == GB_METHOD_LRP) {
    double bias = 0;
    for (int l = 0; l < e->n_layers; l++)
      bias += e->layers[l].absorbed_bias;
    printf("LRP: relevance at the input %.4f of f(x) = %.4f; biases absorbed %.4f\n",
           e->map.sum, e->map.f_x, bias);
  }
  if (c->method == GB_METHOD_INTEGRATED_GRADIENTS)
    printf("integrated gradients: sum %.4f, f(x) - f(baseline) = %.4f, completeness gap %.2e "
           "(%.2f%%)\n",
           e->map.sum, e->map.f_x - e->map.f_baseline, e->map.gap, 100.0 * e->map.gap_relative);
}

static GbStatus
run_method(const ExplainOptions *o, GbModel *m, const float *x, const GbTarget *t,
           GbExplanation *e, GbCliProgress *prog, GbError *err)
{
  GbMethodConfig c;
  GbStatus st = method_config(o, &c, err);
  if (st == GB_OK)
    st = gb_explain(m, x, gb_model_input_size(m), t, &c, e, gb_cli_progress_cb, prog, err);
  gb_cli_progress_finish(prog);
  if (st == GB_OK)
    print_diagnostics(&c, e);
  return st;
}

static int
write_csv(const char *path, const GbAttribution *a)
{
  g_autoptr(GString) s = g_string_new("index,value\n");
  for (size_t i = 0; i < a->n; i++)
    g_string_append_printf(s, "%zu,%.9g\n", i, a->values[i]);
  g_autoptr(GError) error = NULL;
  if (!g_file_set_contents(path, s->str, (gssize)s->len, &error)) {
    g_printerr("glassbox-cli: %s\n", error->message);
    return GB_EXIT_INPUT;
  }
  return GB_EXIT_OK;
}

typedef struct {
  GbHeatmap heatmap;
} Figure;

static GbStatus
draw_figure(void *user, cairo_t *cr, GbPlotRect area, GbError *err)
{
  Figure *f = user;
  return gb_heatmap_draw(cr, &f->heatmap, area, err);
}

/* Images (c, h, w) show channel 0 under the map summed over channels; (time, channels) inputs
 * show channels as rows and time as columns, each channel scaled to [0, 1]. */
static int
write_figure(const ExplainOptions *o, const GbShape *shape, const float *x,
             const GbAttribution *a, const char *title)
{
  int h, w;
  bool eeg = shape->ndim == 2;
  if (shape->ndim == 3) {
    h = shape->dim[1], w = shape->dim[2];
  } else if (eeg) {
    h = shape->dim[1], w = shape->dim[0];
  } else {
    h = 1, w = shape->dim[0];
  }
  g_autofree float *img = g_new0(float, (size_t)h * w), *rel = g_new0(float, (size_t)h * w);
  if (eeg) {
    for (int c = 0; c < h; c++) {
      float lo = INFINITY, hi = -INFINITY;
      for (int t = 0; t < w; t++) {
        float v = x[(size_t)t * h + c];
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
      }
      for (int t = 0; t < w; t++) {
        img[(size_t)c * w + t] = hi > lo ? (x[(size_t)t * h + c] - lo) / (hi - lo) : 0.5f;
        rel[(size_t)c * w + t] = a->values[(size_t)t * h + c];
      }
    }
  } else {
    size_t plane = (size_t)h * w;
    int channels = shape->ndim == 3 ? shape->dim[0] : 1;
    for (size_t i = 0; i < plane; i++) {
      img[i] = x[i] < 0 ? 0 : x[i] > 1 ? 1 : x[i];
      for (int c = 0; c < channels; c++)
        rel[i] += a->values[c * plane + i];
    }
  }
  bool signed_map = !(strcmp(o->method, "saliency") == 0 || strcmp(o->method, "vargrad") == 0);
  Figure f = {{.image = img,
               .relevance = rel,
               .height = h,
               .width = w,
               .invert_image = !eeg,
               .opacity = o->opacity,
               .colormap = signed_map ? GB_COLORMAP_DIVERGING : GB_COLORMAP_VIRIDIS,
               .title = title,
               .show_colorbar = true,
               .colorbar_label = "relevance"}};
  int page_w = eeg ? 900 : 640, page_h = eeg ? 420 : 560;
  GbError err;
  if (gb_plot_export(o->out, page_w, page_h, draw_figure, &f, &err) != GB_OK)
    return gb_cli_report(&err);
  return GB_EXIT_OK;
}

static int
predicted_class(GbModel *m, const float *x, double *logit)
{
  const float *z;
  GbError err;
  if (gb_model_forward(m, x, 1, false, &z, &err) != GB_OK)
    return 0;
  int n = gb_model_n_outputs(m), best = 0;
  for (int j = 1; j < n; j++)
    best = z[j] > z[best] ? j : best;
  *logit = z[best];
  return n == 1 ? (z[0] > 0) : best;
}

static int
explain(ExplainOptions *o)
{
  GbError err;
  GbModel *m = gb_cli_load_model(o->model, &err);
  if (m == NULL)
    return gb_cli_report(&err);
  g_autofree float *x = NULL;
  int label, code = GB_EXIT_OK;
  GbExplanation e = {0};
  const GbAttribution *a = &e.map;
  GbCliProgress prog;
  gb_cli_progress_init(&prog);
  GbPlotFormat fmt;
  bool csv = g_str_has_suffix(o->out, ".csv") || g_str_has_suffix(o->out, ".CSV");
  /* Refuse a bad output name before any work is done. */
  GbStatus st = csv ? GB_OK : gb_plot_format_from_path(o->out, &fmt, &err);
  if (st == GB_OK)
    st = load_input(o, m, &x, &label, &err);
  double logit = 0;
  int pred = st == GB_OK ? predicted_class(m, x, &logit) : 0;
  GbTarget t = gb_target_class(gb_model_n_outputs(m) == 1 ? 0 : (o->target >= 0 ? o->target : pred));
  int a_cls, b_cls;
  char extra;
  if (st == GB_OK && o->contrast != NULL) {
    if (sscanf(o->contrast, "%d,%d%c", &a_cls, &b_cls, &extra) == 2)
      t = gb_target_contrast(a_cls, b_cls);
    else
      st = gb_error_set(&err, GB_ERR_INVALID, "--contrast takes A,B (two classes), got '%s'",
                        o->contrast);
  }
  if (st == GB_OK)
    st = run_method(o, m, x, &t, &e, &prog, &err);
  gb_cli_progress_finish(&prog);
  if (st != GB_OK) {
    code = gb_cli_report(&err);
    goto out;
  }
  printf("predicted class %d", pred);
  if (label >= 0)
    printf(" (label %d)", label);
  if (gb_model_n_outputs(m) == 1)
    printf("; explaining the model's one logit = %.4f\n", a->f_x);
  else if (t.class_b >= 0)
    printf("; explaining logit %d - logit %d = %.4f\n", t.class_a, t.class_b, a->f_x);
  else
    printf("; explaining logit %d = %.4f\n", t.class_a, a->f_x);
  print_eeg_localisation(o, a);
  if (csv) {
    code = write_csv(o->out, a);
  } else {
    g_autofree char *title =
        gb_model_n_outputs(m) == 1
            ? g_strdup_printf("%s for the target logit", o->method)
        : t.class_b >= 0
            ? g_strdup_printf("%s: why %d and not %d?", o->method, t.class_a, t.class_b)
            : g_strdup_printf("%s for class %d", o->method, t.class_a);
    code = write_figure(o, gb_model_input_shape(m), x, a, title);
  }
  if (code == GB_EXIT_OK)
    printf("wrote %s\n", o->out);
out:
  gb_explanation_clear(&e);
  gb_model_free(m);
  return code;
}

int
gb_cli_explain(int argc, char **argv)
{
  ExplainOptions o = {.index = 0, .target = -1, .steps = 50, .samples = -1, .seed = 1,
                      .noise = 0.15, .opacity = 0.7, .patch = 4};
  GOptionEntry entries[] = {
      {"model", 'm', 0, G_OPTION_ARG_FILENAME, &o.model, "Model file", "FILE"},
      {"data", 'd', 0, G_OPTION_ARG_STRING, &o.data, "Data source of the input", "SOURCE"},
      {"index", 'i', 0, G_OPTION_ARG_INT, &o.index, "Sample of the data source (0)", "N"},
      {"image", 0, 0, G_OPTION_ARG_FILENAME, &o.image, "A PNG or JPEG of a digit instead", "FILE"},
      {"method", 0, 0, G_OPTION_ARG_STRING, &o.method,
       "saliency, grad-x-input, ig, smoothgrad, lrp-epsilon, kernel-shap, lime, ... (see --help-all)", "NAME"},
      {"target", 't', 0, G_OPTION_ARG_INT, &o.target, "Class to explain (default: the predicted)",
       "C"},
      {"contrast", 0, 0, G_OPTION_ARG_STRING, &o.contrast, "Why A and not B: logit A - logit B",
       "A,B"},
      {"steps", 0, 0, G_OPTION_ARG_INT, &o.steps, "Integrated gradients: steps (50)", "N"},
      {"baseline", 0, 0, G_OPTION_ARG_STRING, &o.baseline,
       "IG, occlusion, SHAP: zeros (default), blur, noise", "NAME"},
      {"samples", 0, 0, G_OPTION_ARG_INT, &o.samples,
       "SmoothGrad/VarGrad (50), KernelSHAP (shap's 2M+2048), LIME (1000): samples", "N"},
      {"patch", 0, 0, G_OPTION_ARG_INT, &o.patch,
       "Occlusion window, SHAP/LIME segments: N x N pixels, or N time samples (4)", "N"},
      {"segments", 0, 0, G_OPTION_ARG_STRING, &o.segments,
       "SHAP/LIME on images: grid (patches, default) or slic (superpixels)", "KIND"},
      {"stride", 0, 0, G_OPTION_ARG_INT, &o.stride, "Occlusion stride (half the window)", "N"},
      {"noise", 0, 0, G_OPTION_ARG_DOUBLE, &o.noise,
       "SmoothGrad/VarGrad: sigma as a fraction of the input range (0.15)", "F"},
      {"seed", 's', 0, G_OPTION_ARG_INT, &o.seed, "Seed of noise (1)", "N"},
      {"opacity", 0, 0, G_OPTION_ARG_DOUBLE, &o.opacity, "Of the heatmap over the input (0.7)", "F"},
      {"out", 'o', 0, G_OPTION_ARG_FILENAME, &o.out, "Heatmap .png/.svg/.pdf or values .csv",
       "FILE"},
      {NULL}};
  g_autoptr(GOptionContext) ctx = g_option_context_new("- explain one prediction");
  g_option_context_add_main_entries(ctx, entries, NULL);
  g_option_context_set_description(
      ctx, "Example:\n  glassbox-cli explain --model data/models/digits-cnn.safetensors "
           "--data mnist-test --index 3 \\\n    --method ig --steps 64 --out ig.png\n"
           "Exit status: 0 success, 2 bad command line, 3 bad model, data or settings.");
  int code;
  if (!gb_cli_parse(ctx, &argc, &argv, &code))
    goto out;
  code = -1;
  if (!o.model || !o.method || !o.out)
    code = gb_cli_usage_error(ctx, "explain needs --model, --method and --out");
  else if (!o.data == !o.image)
    code = gb_cli_usage_error(ctx, "explain needs either --data (with --index) or --image");
  else if (!(o.opacity >= 0 && o.opacity <= 1))
    code = gb_cli_usage_error(ctx, "--opacity must be in [0, 1]");
  else if (o.patch < 1 || o.stride < 0)
    code = gb_cli_usage_error(ctx, "--patch must be at least 1 and --stride not negative");
  else if (o.segments && strcmp(o.segments, "grid") != 0 && strcmp(o.segments, "slic") != 0)
    code = gb_cli_usage_error(ctx, "--segments must be grid or slic");
  else if (o.segments && strcmp(o.method, "shap") != 0 && strcmp(o.method, "kernel-shap") != 0 &&
           strcmp(o.method, "permutation-shap") != 0 && strcmp(o.method, "lime") != 0)
    code = gb_cli_usage_error(ctx, "--segments applies to shap and lime only");
  if (code < 0)
    code = explain(&o);
out:
  g_free(o.model);
  g_free(o.data);
  g_free(o.image);
  g_free(o.method);
  g_free(o.out);
  g_free(o.contrast);
  g_free(o.baseline);
  g_free(o.segments);
  return code;
}

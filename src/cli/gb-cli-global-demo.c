/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gb-adversarial.h"
#include "gb-cli-global-private.h"
#include "gb-counterfactual.h"
#include "gb-global.h"
#include "gb-prototypes.h"
#include "gb-shattered.h"

/* glassbox-cli global: activation maximisation, counterfactuals, adversarial examples and
 * shattered gradients (the Clever Hans view is in gb-cli-global-hans.c). */

static GbModel *
load_first_model(const GlobalOptions *o, int *code)
{
  if (o->models == NULL) {
    g_printerr("glassbox-cli: global %s needs --model\nTry '--help' for the options.\n", o->view);
    *code = GB_EXIT_USAGE;
    return NULL;
  }
  GbError err;
  GbModel *m = gb_cli_load_model(o->models[0], &err);
  if (m == NULL)
    *code = gb_cli_report(&err);
  return m;
}

/* --data, checked against @m, and --index inside it. */
static GbDataset *
open_sample_data(const GlobalOptions *o, GbModel *m, int *code)
{
  if (o->data == NULL) {
    g_printerr("glassbox-cli: global %s needs --data (and --index)\n", o->view);
    *code = GB_EXIT_USAGE;
    return NULL;
  }
  GbError err;
  GbDataset *ds = gb_cli_global_open_data(o->data, m, &err);
  if (ds == NULL) {
    *code = gb_cli_report(&err);
  } else if (o->index < 0 || o->index >= gb_dataset_size(ds)) {
    g_printerr("glassbox-cli: %s has %d samples; --index %d is outside them\n", o->data,
               gb_dataset_size(ds), o->index);
    *code = GB_EXIT_INPUT;
    gb_dataset_free(ds);
    ds = NULL;
  }
  return ds;
}

static void
clear_panels(GlobalPanel *p, int n)
{
  for (int i = 0; i < n; i++)
    gb_global_panel_clear(&p[i]);
}

/* ---- actmax ---- */

int
gb_cli_global_actmax(GlobalOptions *o)
{
  int code = GB_EXIT_OK;
  GbModel *m = load_first_model(o, &code);
  if (m == NULL)
    return code;
  int n_out = gb_model_n_outputs(m), c0 = o->cls >= 0 ? o->cls : 0;
  int c1 = o->cls >= 0 ? o->cls + 1 : n_out;
  size_t d = gb_model_input_size(m);
  GbActMaxConfig cfg;
  gb_actmax_config_init(&cfg);
  if (o->steps > 0)
    cfg.steps = o->steps;
  if (o->l2 >= 0)
    cfg.l2 = o->l2;
  cfg.seed = (uint64_t)o->seed;
  g_autoptr(GString) csv = g_string_new("class,logit_start,logit_end,probability");
  for (size_t j = 0; j < d; j++)
    g_string_append_printf(csv, ",x%zu", j);
  g_string_append_c(csv, '\n');
  GlobalPanel *panels = g_new0(GlobalPanel, n_out);
  int n_panels = 0;
  for (int c = c0; c < c1 && code == GB_EXIT_OK; c++) {
    GbActMax r;
    GbError err;
    if (gb_activation_maximise(m, c, &cfg, &r, &err) != GB_OK) {
      code = gb_cli_report(&err);
      break;
    }
    printf("class %d: logit %.3f -> %.3f, probability %.4f\n", c, r.logit_start, r.logit_end,
           r.prob_end);
    g_string_append_printf(csv, "%d,%.6g,%.6g,%.6g", c, r.logit_start, r.logit_end, r.prob_end);
    for (size_t j = 0; j < d; j++)
      g_string_append_printf(csv, ",%.5g", r.x[j]);
    g_string_append_c(csv, '\n');
    char title[96];
    g_snprintf(title, sizeof title, "class %d: logit %.1f, p %.2f", c, r.logit_end, r.prob_end);
    gb_global_panel_map(&panels[n_panels++], gb_model_input_shape(m), r.x, NULL, false, title);
    gb_actmax_clear(&r);
  }
  if (code == GB_EXIT_OK && o->csv)
    code = gb_cli_global_write_csv(o->csv, csv);
  if (code == GB_EXIT_OK && o->plot)
    code = gb_cli_global_write_grid(o->plot, panels, n_panels, 5, 200, 210);
  clear_panels(panels, n_panels);
  g_free(panels);
  gb_model_free(m);
  return code;
}

/* ---- counterfactual ---- */

/* Mean of the samples labelled @c: the target class's centre, for the --proto term. */
static float *
class_mean(const GbDataset *ds, int c, size_t d)
{
  float *mean = g_new0(float, d);
  int n = 0;
  for (int i = 0; i < gb_dataset_size(ds); i++)
    if (ds->labels[i] == c) {
      for (size_t j = 0; j < d; j++)
        mean[j] += ds->x->data[(size_t)i * d + j];
      n++;
    }
  for (size_t j = 0; n > 0 && j < d; j++)
    mean[j] /= n;
  return mean;
}

static int
report_counterfactual(const GlobalOptions *o, GbModel *m, const float *x0,
                      const GbCounterfactual *r)
{
  size_t d = r->n;
  printf("class %d -> %d: %s; L1 %.3f, L2 %.3f, L-inf %.3f, %d features changed by more than "
         "0.05\n",
         r->original_class, r->target_class,
         r->found ? "found" : "not found (try more --steps or a smaller --l1/--l2)", r->l1, r->l2,
         r->linf, r->n_changed);
  printf("probability of class %d: %.4f -> %.4f; of class %d: %.4f -> %.4f\n", r->original_class,
         r->prob_before[r->original_class], r->prob_after[r->original_class], r->target_class,
         r->prob_before[r->target_class], r->prob_after[r->target_class]);
  int code = GB_EXIT_OK;
  if (o->csv) {
    g_autoptr(GString) csv = g_string_new("feature,original,counterfactual,delta\n");
    for (size_t j = 0; j < d; j++)
      g_string_append_printf(csv, "%zu,%.6g,%.6g,%.6g\n", j, x0[j], r->x[j], r->x[j] - x0[j]);
    code = gb_cli_global_write_csv(o->csv, csv);
  }
  if (code != GB_EXIT_OK || !o->plot)
    return code;
  g_autofree float *delta = g_new(float, d);
  for (size_t j = 0; j < d; j++)
    delta[j] = r->x[j] - x0[j];
  const GbShape *s = gb_model_input_shape(m);
  GlobalPanel p[5];
  char t[96];
  g_snprintf(t, sizeof t, "original: class %d", r->original_class);
  gb_global_panel_map(&p[0], s, x0, NULL, false, t);
  g_snprintf(t, sizeof t, "counterfactual: class %d", r->final_class);
  gb_global_panel_map(&p[1], s, r->x, NULL, false, t);
  g_snprintf(t, sizeof t, "change: L2 %.2f, %d pixels", r->l2, r->n_changed);
  gb_global_panel_map(&p[2], s, NULL, delta, true, t);
  gb_global_panel_probabilities(&p[3], r->prob_before, r->n_classes, r->original_class, "before");
  gb_global_panel_probabilities(&p[4], r->prob_after, r->n_classes, r->final_class, "after");
  code = gb_cli_global_write_grid(o->plot, p, 5, 3, 260, 240);
  clear_panels(p, 5);
  return code;
}

int
gb_cli_global_counterfactual(GlobalOptions *o)
{
  int code = GB_EXIT_OK;
  if (o->target < 0) {
    g_printerr("glassbox-cli: global counterfactual needs --target (the class to reach)\n");
    return GB_EXIT_USAGE;
  }
  GbModel *m = load_first_model(o, &code);
  if (m == NULL)
    return code;
  GbDataset *ds = open_sample_data(o, m, &code);
  if (ds == NULL) {
    gb_model_free(m);
    return code;
  }
  size_t d = gb_model_input_size(m);
  const float *x0 = ds->x->data + (size_t)o->index * d;
  GbCounterfactualConfig cfg;
  gb_counterfactual_config_init(&cfg);
  if (o->steps > 0)
    cfg.steps = o->steps;
  if (o->l1 >= 0)
    cfg.l1 = o->l1;
  if (o->l2 >= 0)
    cfg.l2 = o->l2;
  cfg.proto = o->proto;
  g_autofree float *proto = o->proto > 0 ? class_mean(ds, o->target, d) : NULL;
  cfg.prototype = proto;
  GbCounterfactual r;
  GbError err;
  printf("sample %d of %s (label %d)\n", o->index, o->data, ds->labels[o->index]);
  if (gb_counterfactual_find(m, x0, d, o->target, &cfg, &r, &err) != GB_OK)
    code = gb_cli_report(&err);
  else
    code = report_counterfactual(o, m, x0, &r);
  gb_counterfactual_clear(&r);
  gb_dataset_free(ds);
  gb_model_free(m);
  return code;
}

/* ---- adversarial ---- */

typedef struct {
  float *clean_map, *adv_map;
} AttackMaps;

/* Explains each input's own predicted class: what a user of the model would be shown. */
static GbStatus
explain_pair(GbModel *m, GbExplainBatchFn fn, void *user, const float *x,
             const GbAttackResult *r, AttackMaps *maps, GbError *err)
{
  size_t d = r->n;
  maps->clean_map = g_new(float, d);
  maps->adv_map = g_new(float, d);
  GbStatus st = fn(user, m, x, 1, &r->class_before, maps->clean_map, err);
  return st != GB_OK ? st : fn(user, m, r->x, 1, &r->class_after, maps->adv_map, err);
}

static int
plot_attack(const GlobalOptions *o, GbModel *m, const float *x, const GbAttackResult *r,
            const AttackMaps *maps)
{
  size_t d = r->n;
  const GbShape *s = gb_model_input_shape(m);
  g_autofree float *delta = g_new(float, d);
  for (size_t j = 0; j < d; j++)
    delta[j] = r->x[j] - x[j];
  GlobalPanel p[5];
  char t[96];
  const char *me = o->method ? o->method : "saliency";
  bool signed_map = strcmp(me, "saliency") != 0;
  g_snprintf(t, sizeof t, "clean: class %d (p %.2f)", r->class_before, r->prob_before);
  gb_global_panel_map(&p[0], s, x, NULL, false, t);
  g_snprintf(t, sizeof t, "adversarial: class %d (p of %d %.2f)", r->class_after, r->class_before,
             r->prob_after);
  gb_global_panel_map(&p[1], s, r->x, NULL, false, t);
  g_snprintf(t, sizeof t, "perturbation (L-inf %.3f)", r->linf);
  gb_global_panel_map(&p[2], s, NULL, delta, true, t);
  g_snprintf(t, sizeof t, "%s, clean", me);
  gb_global_panel_map(&p[3], s, x, maps->clean_map, signed_map, t);
  g_snprintf(t, sizeof t, "%s, adversarial", me);
  gb_global_panel_map(&p[4], s, r->x, maps->adv_map, signed_map, t);
  int code = gb_cli_global_write_grid(o->plot, p, 5, 5, 230, 230);
  clear_panels(p, 5);
  return code;
}

static GbStatus
attack_one(const GlobalOptions *o, GbModel *m, const float *x, int label, GbAttackResult *r,
           GbError *err)
{
  GbAttackConfig cfg;
  gb_attack_config_init(&cfg);
  cfg.eps = o->eps;
  cfg.step = o->step > 0 ? o->step : o->eps / 4;
  cfg.iterations = o->iterations;
  cfg.target = o->target;
  cfg.seed = (uint64_t)o->seed;
  size_t d = gb_model_input_size(m);
  bool fgsm = o->attack != NULL && strcmp(o->attack, "fgsm") == 0;
  return fgsm ? gb_attack_fgsm(m, x, d, label, &cfg, r, err)
              : gb_attack_pgd(m, x, d, label, &cfg, r, err);
}

/* The example a figure shows: the first successful attack, else the first one. */
typedef struct {
  bool set, success;
  float *x;
  GbAttackResult r;
  AttackMaps maps;
} Shown;

static void
keep_shown(Shown *s, const float *x, GbAttackResult *r, AttackMaps *maps)
{
  if (s->set && (s->success || !r->success))
    return;
  g_free(s->x);
  g_free(s->maps.clean_map);
  g_free(s->maps.adv_map);
  gb_attack_result_clear(&s->r);
  s->x = g_memdup2(x, r->n * sizeof(float));
  s->r = *r;
  s->maps = *maps;
  memset(r, 0, sizeof *r);
  memset(maps, 0, sizeof *maps);
  s->set = true;
  s->success = s->r.success;
}

int
gb_cli_global_adversarial(GlobalOptions *o)
{
  int code = GB_EXIT_OK;
  GbExplainBatchFn fn = gb_cli_global_explainer(o->method ? o->method : "saliency");
  if (fn == NULL || (o->attack && strcmp(o->attack, "fgsm") && strcmp(o->attack, "pgd"))) {
    g_printerr("glassbox-cli: --attack is fgsm or pgd; --method one of %s\n",
               gb_cli_global_explainer_names());
    return GB_EXIT_USAGE;
  }
  GbModel *m = load_first_model(o, &code);
  GbDataset *ds = m ? open_sample_data(o, m, &code) : NULL;
  if (ds == NULL) {
    gb_model_free(m);
    return code;
  }
  size_t d = gb_model_input_size(m);
  int n = o->n > 0 ? o->n : 1, flipped = 0, done = 0;
  Shown shown = {0};
  g_autoptr(GString) csv = g_string_new("sample,label,class_before,class_after,success,linf,l2,"
                                        "spearman,topk_overlap\n");
  for (int i = o->index; i < o->index + n && i < gb_dataset_size(ds) && code == GB_EXIT_OK; i++) {
    const float *x = ds->x->data + (size_t)i * d;
    GbAttackResult r;
    AttackMaps maps = {0};
    GbExplanationChange ch = {0};
    GbError err;
    GbStatus st = attack_one(o, m, x, ds->labels[i], &r, &err);
    if (st == GB_OK)
      st = explain_pair(m, fn, gb_cli_global_explainer_user(o->method ? o->method : "saliency"),
                        x, &r, &maps, &err);
    if (st == GB_OK)
      st = gb_explanation_change(maps.clean_map, maps.adv_map, d, 0, &ch, &err);
    if (st != GB_OK) {
      code = gb_cli_report(&err);
    } else {
      printf("sample %d (label %d): class %d -> %d %s, L-inf %.4f, L2 %.3f; %s rank "
             "correlation %.3f, top-%d overlap %.2f\n",
             i, ds->labels[i], r.class_before, r.class_after, r.success ? "(success)" : "(failed)",
             r.linf, r.l2, o->method ? o->method : "saliency", ch.spearman, ch.k, ch.topk_overlap);
      g_string_append_printf(csv, "%d,%d,%d,%d,%d,%.6g,%.6g,%.6g,%.6g\n", i, ds->labels[i],
                             r.class_before, r.class_after, r.success, r.linf, r.l2, ch.spearman,
                             ch.topk_overlap);
      flipped += r.success;
      done++;
      keep_shown(&shown, x, &r, &maps);
    }
    g_free(maps.clean_map);
    g_free(maps.adv_map);
    gb_attack_result_clear(&r);
  }
  if (code == GB_EXIT_OK && done > 1)
    printf("%d of %d attacks succeeded within L-inf %.4f\n", flipped, done, o->eps);
  if (code == GB_EXIT_OK && o->csv)
    code = gb_cli_global_write_csv(o->csv, csv);
  if (code == GB_EXIT_OK && o->plot && shown.set)
    code = plot_attack(o, m, shown.x, &shown.r, &shown.maps);
  g_free(shown.x);
  g_free(shown.maps.clean_map);
  g_free(shown.maps.adv_map);
  gb_attack_result_clear(&shown.r);
  gb_dataset_free(ds);
  gb_model_free(m);
  return code;
}

/* ---- shattered ---- */

static int
shattered_one(const GlobalOptions *o, const char *path, GbDataset *ds, GString *csv, GlobalPanel *p)
{
  GbError err;
  GbModel *m = gb_cli_load_model(path, &err);
  GbStatus st = m ? GB_OK : err.code;
  GbShape ss = gb_dataset_sample_shape(ds);
  if (m != NULL && gb_shape_size(&ss) != gb_model_input_size(m))
    st = gb_error_set(&err, GB_ERR_SHAPE,
                      "%s: samples of %s (%zu values) do not fit it (%zu "
                      "inputs)",
                      path, o->data, gb_shape_size(&ss), gb_model_input_size(m));
  GbSmoothConfig sc;
  gb_smooth_config_init(&sc);
  sc.samples = o->samples > 0 ? o->samples : 50;
  sc.noise_level = o->noise;
  sc.seed = (uint64_t)o->seed;
  sc.map = GB_SMOOTH_GRADIENT;
  int n = o->n > 0 ? o->n : 20;
  GbDataView v = gb_dataset_view_range(ds, 0, MIN(n, gb_dataset_size(ds)));
  GbShatteredSummary s;
  if (st == GB_OK)
    st = gb_shattered_gradients(m, &v, 0, &sc, NULL, NULL, &s, &err);
  GbAttribution g = {0}, sm = {0};
  size_t d = m ? gb_model_input_size(m) : 0;
  const float *x = ds->x->data + (size_t)o->index * d;
  int cls = 0;
  if (st == GB_OK)
    st = gb_global_predict(m, x, 1, &cls, &err);
  GbTarget t = gb_target_class(m && gb_model_n_outputs(m) == 1 ? 0 : cls);
  if (st == GB_OK)
    st = gb_attribution_gradient(m, x, d, &t, &g, &err);
  if (st == GB_OK)
    st = gb_attribution_smoothgrad(m, x, d, &t, &sc, &sm, NULL, NULL, NULL, &err);
  if (st == GB_OK) {
    printf("%s over %d samples: neighbour correlation gradient %.3f (sd %.3f), SmoothGrad %.3f "
           "(sd %.3f); relative total variation gradient %.3f, SmoothGrad %.3f\n",
           path, s.n_samples, s.gradient.neighbour_corr, s.gradient_corr_sd,
           s.smoothgrad.neighbour_corr, s.smoothgrad_corr_sd, s.gradient.tv_ratio,
           s.smoothgrad.tv_ratio);
    g_string_append_printf(csv, "%s,gradient,%.6g,%.6g,%.6g\n%s,smoothgrad,%.6g,%.6g,%.6g\n", path,
                           s.gradient.neighbour_corr, s.gradient_corr_sd, s.gradient.tv_ratio, path,
                           s.smoothgrad.neighbour_corr, s.smoothgrad_corr_sd,
                           s.smoothgrad.tv_ratio);
    const GbShape *shape = gb_model_input_shape(m);
    g_autofree char *base = g_path_get_basename(path);
    char t1[96];
    g_snprintf(t1, sizeof t1, "%s: input", base);
    gb_global_panel_map(&p[0], shape, x, NULL, false, t1);
    g_snprintf(t1, sizeof t1, "gradient (mean corr %.2f)", s.gradient.neighbour_corr);
    gb_global_panel_map(&p[1], shape, NULL, g.values, true, t1);
    g_snprintf(t1, sizeof t1, "SmoothGrad (mean corr %.2f)", s.smoothgrad.neighbour_corr);
    gb_global_panel_map(&p[2], shape, NULL, sm.values, true, t1);
  }
  gb_attribution_clear(&g);
  gb_attribution_clear(&sm);
  gb_model_free(m);
  return st == GB_OK ? GB_EXIT_OK : gb_cli_report(&err);
}

int
gb_cli_global_shattered(GlobalOptions *o)
{
  if (o->models == NULL || o->data == NULL) {
    g_printerr("glassbox-cli: global shattered needs --model (one or more) and --data\n");
    return GB_EXIT_USAGE;
  }
  GbError err;
  GbDataset *ds = gb_cli_open_data(o->data, &err);
  if (ds == NULL)
    return gb_cli_report(&err);
  if (o->index < 0 || o->index >= gb_dataset_size(ds)) {
    g_printerr("glassbox-cli: %s has %d samples; --index %d is outside them\n", o->data,
               gb_dataset_size(ds), o->index);
    gb_dataset_free(ds);
    return GB_EXIT_INPUT;
  }
  int n_models = (int)g_strv_length(o->models), code = GB_EXIT_OK, n_panels = 0;
  GlobalPanel *panels = g_new0(GlobalPanel, 3 * n_models);
  g_autoptr(GString) csv = g_string_new("model,map,neighbour_corr,neighbour_corr_sd,tv_ratio\n");
  for (int i = 0; i < n_models && code == GB_EXIT_OK; i++) {
    code = shattered_one(o, o->models[i], ds, csv, panels + n_panels);
    n_panels += code == GB_EXIT_OK ? 3 : 0;
  }
  if (code == GB_EXIT_OK && o->csv)
    code = gb_cli_global_write_csv(o->csv, csv);
  if (code == GB_EXIT_OK && o->plot)
    code = gb_cli_global_write_grid(o->plot, panels, n_panels, 3, 260, 240);
  clear_panels(panels, n_panels);
  g_free(panels);
  gb_dataset_free(ds);
  return code;
}

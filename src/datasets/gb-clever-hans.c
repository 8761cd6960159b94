/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Clever Hans data sets: a mark on the digits of one class, blinks on the target trials. */
#include "config.h"

#include "gb-clever-hans.h"

#include <math.h>
#include <string.h>

#include "gb-alloc.h"
#include "gb-eeg-montage.h"
#include "gb-rng.h"

/* ---- Digits ---- */

void
gb_clever_hans_config_init(GbCleverHansConfig *cfg)
{
  *cfg = (GbCleverHansConfig){.mark_class = 0,
                              .rate_class = 1.0,
                              .rate_others = 0.0,
                              .size = 3,
                              .margin = 0,
                              .corner = GB_CLEVER_HANS_TOP_LEFT,
                              .value = 1.0f,
                              .seed = 1};
}

static GbStatus
check_mark(const GbCleverHansConfig *cfg, const GbShape *shape, GbError *err)
{
  if (shape->ndim != 3)
    return gb_error_set(err, GB_ERR_SHAPE,
                        "Clever Hans marks need images (channels, height, "
                        "width); these samples have %d dimensions",
                        shape->ndim);
  int h = shape->dim[1], w = shape->dim[2];
  if (cfg->size < 1 || cfg->margin < 0 || cfg->size + cfg->margin > h ||
      cfg->size + cfg->margin > w)
    return gb_error_set(err, GB_ERR_INVALID,
                        "a %dx%d mark %d pixels from the edge does not fit "
                        "%dx%d images",
                        cfg->size, cfg->size, cfg->margin, h, w);
  if ((unsigned)cfg->corner > GB_CLEVER_HANS_BOTTOM_RIGHT)
    return gb_error_set(err, GB_ERR_INVALID, "unknown corner %d", (int)cfg->corner);
  if (!isfinite(cfg->value))
    return gb_error_set(err, GB_ERR_INVALID, "the mark's value is not finite");
  return GB_OK;
}

/* Top-left pixel of the mark. */
static void
mark_origin(const GbCleverHansConfig *cfg, const GbShape *shape, int *r0, int *c0)
{
  int h = shape->dim[1], w = shape->dim[2];
  bool bottom =
      cfg->corner == GB_CLEVER_HANS_BOTTOM_LEFT || cfg->corner == GB_CLEVER_HANS_BOTTOM_RIGHT;
  bool right =
      cfg->corner == GB_CLEVER_HANS_TOP_RIGHT || cfg->corner == GB_CLEVER_HANS_BOTTOM_RIGHT;
  *r0 = bottom ? h - cfg->margin - cfg->size : cfg->margin;
  *c0 = right ? w - cfg->margin - cfg->size : cfg->margin;
}

GbStatus
gb_clever_hans_mask(const GbCleverHansConfig *cfg, const GbShape *shape, bool *mask, GbError *err)
{
  GbStatus st = check_mark(cfg, shape, err);
  if (st != GB_OK)
    return st;
  int c = shape->dim[0], h = shape->dim[1], w = shape->dim[2], r0, c0;
  mark_origin(cfg, shape, &r0, &c0);
  for (int p = 0; p < c; p++)
    for (int r = 0; r < h; r++)
      for (int q = 0; q < w; q++)
        mask[((size_t)p * h + r) * w + q] =
            r >= r0 && r < r0 + cfg->size && q >= c0 && q < c0 + cfg->size;
  return GB_OK;
}

GbStatus
gb_clever_hans_mark(const GbCleverHansConfig *cfg, const GbShape *shape, float *x, GbError *err)
{
  GbStatus st = check_mark(cfg, shape, err);
  if (st != GB_OK)
    return st;
  int c = shape->dim[0], h = shape->dim[1], w = shape->dim[2], r0, c0;
  mark_origin(cfg, shape, &r0, &c0);
  for (int p = 0; p < c; p++)
    for (int r = r0; r < r0 + cfg->size; r++)
      for (int q = c0; q < c0 + cfg->size; q++)
        x[((size_t)p * h + r) * w + q] = cfg->value;
  return GB_OK;
}

GbDataset *
gb_clever_hans_digits(const GbDataset *src, const GbCleverHansConfig *cfg, bool *marked,
                      GbError *err)
{
  if (src == NULL || gb_dataset_size(src) < 1) {
    gb_error_set(err, GB_ERR_INVALID, "Clever Hans: the source data set is empty");
    return NULL;
  }
  GbShape s = gb_dataset_sample_shape(src);
  if (check_mark(cfg, &s, err) != GB_OK)
    return NULL;
  if (!(cfg->rate_class >= 0 && cfg->rate_class <= 1 && cfg->rate_others >= 0 &&
        cfg->rate_others <= 1) ||
      cfg->mark_class < 0 || cfg->mark_class >= src->n_classes) {
    gb_error_set(err, GB_ERR_INVALID,
                 "Clever Hans: rates must be in [0, 1] (got %g, %g) and the "
                 "class one of 0..%d (got %d)",
                 cfg->rate_class, cfg->rate_others, src->n_classes - 1, cfg->mark_class);
    return NULL;
  }
  int n = gb_dataset_size(src);
  GbDataset *ds = gb_dataset_new("clever-hans", n, &s, src->n_classes, err);
  if (ds == NULL)
    return NULL;
  size_t d = gb_shape_size(&s);
  memcpy(ds->x->data, src->x->data, (size_t)n * d * sizeof(float));
  memcpy(ds->labels, src->labels, (size_t)n * sizeof(int));
  GbRng rng;
  gb_rng_seed(&rng, cfg->seed);
  for (int i = 0; i < n; i++) {
    double rate = src->labels[i] == cfg->mark_class ? cfg->rate_class : cfg->rate_others;
    bool mark = gb_rng_uniform(&rng) < rate;
    if (mark)
      gb_clever_hans_mark(cfg, &s, ds->x->data + (size_t)i * d, NULL);
    if (marked != NULL)
      marked[i] = mark;
  }
  return ds;
}

/* ---- EEG blinks ---- */

/* As the simulator (gb-eeg-sim-background.c): blinks spread from two points in front of
 * Fp1/Fp2 as exp(-distance / lambda), lambda chosen so 9% of the blink at Fp1 reaches Cz. */
#define EYE_X      0.13
#define EYE_Y      0.55
#define EYE_LAMBDA 0.1444

void
gb_eeg_blink_config_init(GbEegBlinkConfig *cfg)
{
  *cfg = (GbEegBlinkConfig){.rate_target = 1.0,
                            .rate_nontarget = 0.0,
                            .amplitude_uv = 100.0,
                            .duration_s = 0.3,
                            .onset_lo = 0.0,
                            .onset_hi = 0.3,
                            .seed = 1};
}

static double
eye_weight(double x, double y)
{
  return exp(-hypot(x + EYE_X, y - EYE_Y) / EYE_LAMBDA) +
         exp(-hypot(x - EYE_X, y - EYE_Y) / EYE_LAMBDA);
}

void
gb_eeg_blink_weights(const GbEegSet *set, float *w)
{
  float fx = -0.085f, fy = 0.5f; /* near Fp1 when the montage does not know it */
  gb_eeg_montage_position("Fp1", &fx, &fy);
  double ref = eye_weight(fx, fy);
  for (int c = 0; c < set->n_channels; c++)
    w[c] = (float)(eye_weight(set->channels[c].x, set->channels[c].y) / ref);
}

/* Adds a Hann bump of @amp uV and @dur s starting at @onset s to trial @x (n_times, n_ch). */
static void
add_bump(const GbEegSet *set, float *x, const float *w, double onset, double dur, double amp)
{
  for (int t = 0; t < set->n_times; t++) {
    double u = (set->t0 + t / set->srate - onset) / dur;
    if (u <= 0 || u >= 1)
      continue;
    double v = amp * 0.5 * (1 - cos(2 * M_PI * u));
    for (int c = 0; c < set->n_channels; c++)
      x[(size_t)t * set->n_channels + c] += (float)(v * w[c]);
  }
}

GbStatus
gb_eeg_add_target_blinks(GbEegSet *set, const GbEegBlinkConfig *cfg, bool *blinked, float *weights,
                         GbError *err)
{
  if (set == NULL || set->data == NULL || gb_dataset_size(set->data) < 1)
    return gb_error_set(err, GB_ERR_INVALID, "blinks: the EEG set is empty");
  if (!(cfg->rate_target >= 0 && cfg->rate_target <= 1 && cfg->rate_nontarget >= 0 &&
        cfg->rate_nontarget <= 1) ||
      !(cfg->duration_s > 0) || !(cfg->onset_lo <= cfg->onset_hi) || !isfinite(cfg->amplitude_uv))
    return gb_error_set(err, GB_ERR_INVALID,
                        "blinks: rates in [0, 1], a positive duration, a "
                        "finite amplitude and onset_lo <= onset_hi are needed");
  float *w = gb_alloc_floats((size_t)set->n_channels);
  if (w == NULL)
    return gb_error_set(err, GB_ERR_NOMEM, "blink weights of %d channels", set->n_channels);
  gb_eeg_blink_weights(set, w);
  GbRng rng;
  gb_rng_seed(&rng, cfg->seed);
  size_t d = (size_t)set->n_times * set->n_channels;
  for (int i = 0; i < gb_dataset_size(set->data); i++) {
    double rate = set->data->labels[i] == 1 ? cfg->rate_target : cfg->rate_nontarget;
    /* Draw every number for every trial so one trial's blink does not depend on the rates of
     * the others. */
    double u = gb_rng_uniform(&rng);
    double onset = cfg->onset_lo + (cfg->onset_hi - cfg->onset_lo) * gb_rng_uniform(&rng);
    double dur = cfg->duration_s * (0.85 + 0.3 * gb_rng_uniform(&rng));
    double amp = cfg->amplitude_uv * (0.8 + 0.4 * gb_rng_uniform(&rng));
    bool blink = u < rate;
    if (blink)
      add_bump(set, set->data->x->data + (size_t)i * d, w, onset, dur, amp);
    if (blinked != NULL)
      blinked[i] = blink;
  }
  if (weights != NULL)
    memcpy(weights, w, (size_t)set->n_channels * sizeof(float));
  gb_free(w);
  return GB_OK;
}

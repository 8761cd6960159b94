/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stdint.h>

#include "gb-affine-prefix.h"
#include "gb-attribution-private.h"
#include "gb-perturb.h"

#define GB_PERTURB_DEFAULT_BATCH 64
#define GB_PERTURB_DEFAULT_CHUNK 256

/* Most memory the factored coalition path may take; above it the plain path runs. */
#define GB_PERTURB_FACTOR_MAX_BYTES ((size_t)64 << 20)

/* Values of coalitions: v(z) = mean over the background rows b of f(x where z is on, b
 * elsewhere), in batches of forwards. Scratch is sized once per call. */
typedef struct {
  GbGradBatch g;
  const GbSegments *seg;
  const float *x;
  const float *bg; /* (n_bg, n_in), borrowed */
  int n_bg;
  long n_forward;
  /* The factored path (gb-affine-prefix.h), decided on the first run: with an affine layer a
   * first, row (z, b) gives layer a the output L(b) + sum over segments s on of C[b][s]. */
  int factored;          /* 0: not decided yet, 1: on, -1: off */
  GbAffinePrefix prefix;
  float *lb;             /* (n_bg, h): L(b) */
  float *c;              /* (n_bg, M, h): J(x - b on segment s, 0 elsewhere) */
  float *z;              /* (batch, h): layer a's outputs being assembled */
  float *mask;           /* (batch, M): their coalitions as 0/1 floats */
} GbCoalitionEval;

GbStatus gb_coalition_eval_init(GbCoalitionEval *e, GbModel *m, const GbTarget *t,
                                const GbSegments *seg, const float *x, const float *bg,
                                int n_bg, int batch, GbError *err);
void gb_coalition_eval_clear(GbCoalitionEval *e);
/* masks: (count, M) bytes, 1 = segment from x  ->  v: (count) */
GbStatus gb_coalition_eval_run(GbCoalitionEval *e, const uint8_t *masks, int count, double *v,
                               GbError *err);
/* masks: (count, M)  ->  v: (count, n_out), every logit of the model */
GbStatus gb_coalition_eval_run_all(GbCoalitionEval *e, const uint8_t *masks, int count,
                                   double *v, GbError *err);

/* Checks shared by KernelSHAP and LIME: input, target, segments fit the model. */
GbStatus gb_perturb_check(GbModel *m, const float *x, size_t n_x, const GbTarget *t,
                          const GbSegments *seg, GbError *err);
GbStatus gb_perturb_report(GbProgressFn progress, void *user, double fraction,
                           const char *stage, GbError *err);
/* The rows absent segments take: @background when given (checked: rows >= 1, finite), else
 * the baseline made for x into *owned (free with gb_free; NULL when not needed). */
GbStatus gb_perturb_background(GbModel *m, const float *x, size_t n_x, const GbBaseline *baseline,
                               const float *background, int n_background, float **owned,
                               const float **rows, int *n_rows, GbError *err);
/* Allocates out->segment_values and out->map; diagnostics NAN. */
GbStatus gb_segment_attribution_alloc(GbSegmentAttribution *out, const GbSegments *seg,
                                      GbError *err);

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-synthetic.h"

#include <math.h>
#include <string.h>

#include "gb-alloc.h"
#include "gb-rng.h"

#define STROKES 3

typedef struct {
  float x0, y0, x1, y1; /* in units of the image size, [0.15, 0.85] */
} Stroke;

static float
clampf(float v, float lo, float hi)
{
  return v < lo ? lo : v > hi ? hi : v;
}

/* Distance from (px, py) to the segment s (all in pixels). */
static float
segment_distance(const Stroke *s, float scale, float px, float py)
{
  float ax = s->x0 * scale, ay = s->y0 * scale, bx = s->x1 * scale, by = s->y1 * scale;
  float dx = bx - ax, dy = by - ay;
  float len2 = dx * dx + dy * dy;
  float t = len2 > 0 ? clampf(((px - ax) * dx + (py - ay) * dy) / len2, 0.0f, 1.0f) : 0.0f;
  float qx = ax + t * dx - px, qy = ay + t * dy - py;
  return sqrtf(qx * qx + qy * qy);
}

static void
draw_sample(float *img, int size, const Stroke *strokes, float shift_x, float shift_y,
            float width, double noise, GbRng *rng)
{
  for (int y = 0; y < size; y++)
    for (int x = 0; x < size; x++) {
      float px = x + 0.5f - shift_x, py = y + 0.5f - shift_y;
      float best = 1e9f;
      for (int k = 0; k < STROKES; k++) {
        float d = segment_distance(&strokes[k], (float)size, px, py);
        best = d < best ? d : best;
      }
      /* Anti-aliased edge: full ink inside the half-width, a one-pixel ramp outside. */
      float v = clampf(width * 0.5f + 0.5f - best, 0.0f, 1.0f);
      v += (float)(noise * gb_rng_normal(rng));
      img[y * size + x] = clampf(v, 0.0f, 1.0f);
    }
}

GbDataset *
gb_synthetic_images(int n, int n_classes, int size, int jitter, double noise, uint64_t seed,
                    GbError *err)
{
  if (n_classes < 2 || size < 8 || jitter < 0) {
    gb_error_set(err, GB_ERR_INVALID, "synthetic images: need >= 2 classes and size >= 8");
    return NULL;
  }
  GbShape s = gb_shape_3d(1, size, size);
  GbDataset *ds = gb_dataset_new("synthetic-images", n, &s, n_classes, err);
  Stroke *protos = gb_calloc((size_t)n_classes * STROKES, sizeof *protos);
  int *order = gb_calloc((size_t)n, sizeof *order);
  if (ds == NULL || protos == NULL || order == NULL) {
    gb_dataset_free(ds);
    gb_free(protos);
    gb_free(order);
    if (ds != NULL)
      gb_error_set(err, GB_ERR_NOMEM, "synthetic images: out of memory");
    return NULL;
  }
  /* The problem (the class prototypes) depends only on the class count and size, so data
   * drawn with different seeds are held-out samples of the same problem. */
  GbRng rng;
  gb_rng_seed(&rng, gb_rng_derive(0x5eedULL, (uint64_t)n_classes * 1000 + (uint64_t)size));
  for (int i = 0; i < n_classes * STROKES; i++) {
    Stroke *st = &protos[i];
    st->x0 = 0.15f + 0.7f * (float)gb_rng_uniform(&rng);
    st->y0 = 0.15f + 0.7f * (float)gb_rng_uniform(&rng);
    st->x1 = 0.15f + 0.7f * (float)gb_rng_uniform(&rng);
    st->y1 = 0.15f + 0.7f * (float)gb_rng_uniform(&rng);
  }
  gb_rng_seed(&rng, seed);
  for (int i = 0; i < n; i++)
    order[i] = i % n_classes;
  gb_rng_shuffle(&rng, order, n);
  size_t per = (size_t)size * size;
  for (int i = 0; i < n; i++) {
    int c = order[i];
    float sx = jitter ? (float)((int)gb_rng_below(&rng, 2 * jitter + 1) - jitter) : 0.0f;
    float sy = jitter ? (float)((int)gb_rng_below(&rng, 2 * jitter + 1) - jitter) : 0.0f;
    float width = (float)size / 14.0f * (0.8f + 0.5f * (float)gb_rng_uniform(&rng));
    draw_sample(ds->x->data + per * i, size, &protos[c * STROKES], sx, sy, width, noise, &rng);
    ds->labels[i] = c;
  }
  gb_free(protos);
  gb_free(order);
  return ds;
}

GbDataset *
gb_synthetic_sequences(int n, int n_classes, int steps, int channels, double amplitude,
                       uint64_t seed, GbError *err)
{
  if (n_classes < 2 || steps < 2 || channels < 1) {
    gb_error_set(err, GB_ERR_INVALID, "synthetic sequences: need >= 2 classes and >= 2 steps");
    return NULL;
  }
  GbShape s = gb_shape_2d(steps, channels);
  GbDataset *ds = gb_dataset_new("synthetic-sequences", n, &s, n_classes, err);
  if (ds == NULL)
    return NULL;
  GbRng rng;
  gb_rng_seed(&rng, seed);
  float *x = ds->x->data;
  double width = steps / 10.0 + 1.0;
  for (int i = 0; i < n; i++) {
    int c = (int)gb_rng_below(&rng, (uint64_t)n_classes);
    ds->labels[i] = c;
    double centre = steps * (0.25 + 0.5 * c / (n_classes - 1)) + gb_rng_normal(&rng) * width * 0.3;
    int ch0 = c % channels, ch1 = (c + 1) % channels;
    for (int t = 0; t < steps; t++) {
      double bump = amplitude * exp(-0.5 * ((t - centre) / width) * ((t - centre) / width));
      for (int k = 0; k < channels; k++) {
        double v = gb_rng_normal(&rng);
        if (k == ch0 || k == ch1)
          v += bump;
        x[((size_t)i * steps + t) * channels + k] = (float)v;
      }
    }
  }
  return ds;
}

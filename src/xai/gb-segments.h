/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "gb-status.h"
#include "gb-tensor.h"

/* Segmentations: the "players" of the perturbation methods (methods.md §5.1, §5.5). Every input
 * feature belongs to exactly one segment; a coalition switches whole segments on (x's values)
 * or off (the baseline's values).
 *
 * Inputs are seen as planes of a (rows, cols) grid:
 *   (c, h, w) images:       c planes of h x w; blocks over (h, w), all channels of a pixel in
 *                           the same segment;
 *   (time, channels) EEG:   one plane, rows = time, cols = channels: time x channel blocks;
 *   (n) vectors:            one plane of n rows and 1 column.
 * SLIC superpixels (gb_segments_slic, gb-slic.c) follow the image's content; gb_segments_from_ids()
 * takes any precomputed map. */
typedef struct {
  GbShape shape;  /* the input's shape */
  size_t n;       /* features */
  int n_segments; /* M */
  int *ids;       /* owned (n): segment of each feature, in 0..M-1, every id used */
  int *sizes;     /* owned (M): features per segment */
} GbSegments;

/* Blocks of @block_rows x @block_cols over the grid above (the last block of a row or column
 * may be smaller): 4 x 4 on (1, 28, 28) gives 49 patches; on (time, channels) @block_rows
 * samples x @block_cols channels; on (n) blocks of @block_rows features (@block_cols ignored).
 * Segment ids run row-major over the blocks. */
GbStatus gb_segments_grid(GbSegments *s, const GbShape *shape, int block_rows, int block_cols,
                          GbError *err);
/* One segment per feature (small vectors). */
GbStatus gb_segments_features(GbSegments *s, const GbShape *shape, GbError *err);
/* A given map (e.g. superpixels computed elsewhere): ids in 0..max, every id in between used. */
GbStatus gb_segments_from_ids(GbSegments *s, const GbShape *shape, const int *ids, size_t n,
                              GbError *err);
void gb_segments_clear(GbSegments *s);

/* SLIC defaults for 28 x 28 digits in [0, 1]: 49 segments is the same count as 4 x 4 patches,
 * so grid and SLIC explanations compare at equal budgets. Compactness 0.1 is for float images
 * in [0, 1] (as with scikit-image's slic on float data, where ~0.1-1 is usual): a colour step of
 * 1 weighs 10 window half-widths, so segments follow strokes; 10 (the paper's value for CIELAB
 * in 0..100) would give near-square blocks. */
#define GB_SLIC_DEFAULT_SEGMENTS    49
#define GB_SLIC_DEFAULT_COMPACTNESS 0.1
#define GB_SLIC_DEFAULT_ITERATIONS  10

/* SLIC superpixels (Achanta et al. 2012) of a (c, h, w) image @x: about @n_segments (1..h*w)
 * segments, every one 4-connected, all channels of a pixel in the same segment. Colour is the
 * pixel's vector over the c channels (intensity for c = 1), unconverted; @compactness (m >= 0)
 * weighs the distance in the image plane against it: d = sqrt(d_colour^2 + (d_xy / S)^2 m^2)
 * with S = sqrt(h w / n_segments). @max_iter: assignment/update rounds, 0 for the default 10.
 * Deterministic. Components smaller than a quarter of h w / n_segments are merged into the
 * adjacent segment of the closest mean colour, so the count may differ from @n_segments. */
GbStatus gb_segments_slic(GbSegments *s, const GbShape *shape, const float *x, int n_segments,
                          double compactness, int max_iter, GbError *err);

/* How a per-segment value becomes a per-feature map. */
typedef enum {
  GB_EXPAND_SPREAD, /* value / segment size on each feature: the map sums to the segment values'
                     * sum, so efficiency (sum phi = f(x) - f(b)) holds on the map (default) */
  GB_EXPAND_ASSIGN, /* the segment's value on each of its features: a map that looks the same
                     * whatever the segment sizes, but whose sum counts each value size times */
} GbExpand;

/* out[i] = the value of feature i's segment, spread or assigned. */
void gb_segments_expand(const GbSegments *s, const double *segment_values, GbExpand how,
                        float *out);
/* LIME's "hide_color=None": each feature replaced by the mean of x over its segment within its
 * own channel (plane). @out: n floats. */
GbStatus gb_segments_mean_fill(const GbSegments *s, const float *x, float *out, GbError *err);

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>
#include <string.h>

#include "gb-alloc.h"
#include "gb-segments.h"

/* SLIC superpixels (Achanta et al., "SLIC superpixels compared to state-of-the-art superpixel
 * methods", TPAMI 2012) on a (c, h, w) image: k-means over (colour, y, x) restricted to 2S x 2S
 * windows, then connectivity enforced. Every loop runs in a fixed order and ties go to the lower
 * index, so the result depends on the input only. */

typedef struct {
  int c, h, w;
  size_t np;      /* h * w pixels */
  const float *x; /* (c, h, w) */
} Image;

/* A centre is (y, x, colour[c]): stride 2 + c doubles. */
#define CENTRE_STRIDE(img) ((size_t)(img)->c + 2)

typedef struct {
  Image img;
  int k;          /* centres */
  double S;       /* grid step */
  double m;       /* compactness */
  double *centre; /* (k, 2 + c) */
  int *label;     /* (np) centre, then component, then segment of each pixel */
  double *dist;   /* (np) best d^2 so far */
  double *sum;    /* (k, 3 + c): y, x, colour sums and count */
  int *queue;     /* (np) flood-fill queue */
  int *comp;      /* (np) connected component of each pixel */
} Slic;

static double
colour_dist2(const Image *img, size_t i, const double *colour)
{
  double d = 0;
  for (int ch = 0; ch < img->c; ch++) {
    double e = img->x[(size_t)ch * img->np + i] - colour[ch];
    d += e * e;
  }
  return d;
}

static double
pixel_dist2(const Image *img, size_t i, size_t j)
{
  double d = 0;
  for (int ch = 0; ch < img->c; ch++) {
    double e = (double)img->x[(size_t)ch * img->np + i] - img->x[(size_t)ch * img->np + j];
    d += e * e;
  }
  return d;
}

/* |I(r, c+1) - I(r, c-1)|^2 + |I(r+1, c) - I(r-1, c)|^2, clamped at the borders. */
static double
gradient2(const Image *img, int r, int c)
{
  int l = c > 0 ? c - 1 : c, rt = c < img->w - 1 ? c + 1 : c;
  int u = r > 0 ? r - 1 : r, d = r < img->h - 1 ? r + 1 : r;
  size_t w = (size_t)img->w;
  return pixel_dist2(img, (size_t)r * w + l, (size_t)r * w + rt) +
         pixel_dist2(img, (size_t)u * w + c, (size_t)d * w + c);
}

/* Centres on a rows x cols grid close to @n_segments cells of the image's aspect, each moved to
 * the lowest-gradient pixel of its 3 x 3 neighbourhood so none starts on an edge. */
static void
centres_init(Slic *s, int n_segments)
{
  const Image *img = &s->img;
  int rows = (int)lround(sqrt((double)n_segments * img->h / img->w));
  rows = rows < 1 ? 1 : rows > img->h ? img->h : rows;
  int cols = (int)lround((double)n_segments / rows);
  cols = cols < 1 ? 1 : cols > img->w ? img->w : cols;
  s->k = rows * cols;
  size_t st = CENTRE_STRIDE(img);
  for (int a = 0; a < rows; a++)
    for (int b = 0; b < cols; b++) {
      int r0 = (int)((a + 0.5) * img->h / rows), c0 = (int)((b + 0.5) * img->w / cols);
      int br = r0, bc = c0;
      double best = INFINITY;
      for (int r = r0 - 1; r <= r0 + 1; r++)
        for (int c = c0 - 1; c <= c0 + 1; c++) {
          if (r < 0 || r >= img->h || c < 0 || c >= img->w)
            continue;
          double g = gradient2(img, r, c);
          if (g < best)
            best = g, br = r, bc = c;
        }
      double *ctr = s->centre + (size_t)(a * cols + b) * st;
      ctr[0] = br, ctr[1] = bc;
      for (int ch = 0; ch < img->c; ch++)
        ctr[2 + ch] = img->x[(size_t)ch * img->np + (size_t)br * img->w + bc];
    }
}

/* d^2 between pixel (r, c) and centre @ctr. */
static double
slic_dist2(const Slic *s, int r, int c, const double *ctr)
{
  double dy = r - ctr[0], dx = c - ctr[1];
  double xy = (dy * dy + dx * dx) / (s->S * s->S);
  return colour_dist2(&s->img, (size_t)r * s->img.w + c, ctr + 2) + xy * s->m * s->m;
}

/* Each pixel to the nearest centre whose 2S x 2S window holds it; a pixel no window reaches
 * (centres can drift apart) goes to the nearest centre overall. */
static void
assign(Slic *s)
{
  const Image *img = &s->img;
  size_t st = CENTRE_STRIDE(img);
  for (size_t i = 0; i < img->np; i++) s->dist[i] = INFINITY, s->label[i] = -1;
  for (int k = 0; k < s->k; k++) {
    const double *ctr = s->centre + (size_t)k * st;
    int r0 = (int)floor(ctr[0] - s->S), r1 = (int)ceil(ctr[0] + s->S);
    int c0 = (int)floor(ctr[1] - s->S), c1 = (int)ceil(ctr[1] + s->S);
    for (int r = r0 < 0 ? 0 : r0; r <= r1 && r < img->h; r++)
      for (int c = c0 < 0 ? 0 : c0; c <= c1 && c < img->w; c++) {
        size_t i = (size_t)r * img->w + c;
        double d = slic_dist2(s, r, c, ctr);
        if (d < s->dist[i])
          s->dist[i] = d, s->label[i] = k;
      }
  }
  for (size_t i = 0; i < img->np; i++)
    for (int k = 0; s->label[i] < 0 && k < s->k; k++) {
      double d = slic_dist2(s, (int)(i / img->w), (int)(i % img->w), s->centre + (size_t)k * st);
      if (d < s->dist[i])
        s->dist[i] = d, s->label[i] = k;
    }
}

/* Centres to the means of their pixels; a centre that lost all its pixels stays put. */
static void
update(Slic *s)
{
  const Image *img = &s->img;
  size_t st = CENTRE_STRIDE(img), ss = st + 1;
  memset(s->sum, 0, (size_t)s->k * ss * sizeof *s->sum);
  for (size_t i = 0; i < img->np; i++) {
    double *a = s->sum + (size_t)s->label[i] * ss;
    a[0] += (double)(i / img->w), a[1] += (double)(i % img->w);
    for (int ch = 0; ch < img->c; ch++) a[2 + ch] += img->x[(size_t)ch * img->np + i];
    a[st] += 1;
  }
  for (int k = 0; k < s->k; k++) {
    const double *a = s->sum + (size_t)k * ss;
    if (a[st] > 0)
      for (size_t j = 0; j < st; j++) s->centre[(size_t)k * st + j] = a[j] / a[st];
  }
}

/* 4-connected components of equal labels, numbered in scan order; returns their count. */
static int
components(Slic *s)
{
  const Image *img = &s->img;
  static const int dr[4] = {-1, 1, 0, 0}, dc[4] = {0, 0, -1, 1};
  int n = 0;
  for (size_t i = 0; i < img->np; i++) s->comp[i] = -1;
  for (size_t i0 = 0; i0 < img->np; i0++) {
    if (s->comp[i0] >= 0)
      continue;
    size_t head = 0, tail = 0;
    s->comp[i0] = n;
    s->queue[tail++] = (int)i0;
    while (head < tail) {
      int i = s->queue[head++], r = i / img->w, c = i % img->w;
      for (int d = 0; d < 4; d++) {
        int rr = r + dr[d], cc = c + dc[d];
        if (rr < 0 || rr >= img->h || cc < 0 || cc >= img->w)
          continue;
        int j = rr * img->w + cc;
        if (s->comp[j] < 0 && s->label[j] == s->label[i]) {
          s->comp[j] = n;
          s->queue[tail++] = j;
        }
      }
    }
    n++;
  }
  return n;
}

/* Per-component colour sums and sizes in s->sum: (n, c + 1). */
static void
component_stats(Slic *s, int n)
{
  const Image *img = &s->img;
  size_t ss = (size_t)img->c + 1;
  memset(s->sum, 0, (size_t)n * ss * sizeof *s->sum);
  for (size_t i = 0; i < img->np; i++) {
    double *a = s->sum + (size_t)s->comp[i] * ss;
    for (int ch = 0; ch < img->c; ch++) a[ch] += img->x[(size_t)ch * img->np + i];
    a[img->c] += 1;
  }
}

/* The neighbour of component @k whose mean colour is closest to @k's (ties: lower id), or -1. */
static int
closest_neighbour(Slic *s, int k)
{
  const Image *img = &s->img;
  size_t ss = (size_t)img->c + 1;
  const double *a = s->sum + (size_t)k * ss;
  int best = -1;
  double best_d = INFINITY;
  for (size_t i = 0; i < img->np; i++) {
    if (s->comp[i] != k)
      continue;
    int r = (int)(i / img->w), c = (int)(i % img->w);
    int nb[4] = {r > 0 ? (int)i - img->w : -1, r < img->h - 1 ? (int)i + img->w : -1,
                 c > 0 ? (int)i - 1 : -1, c < img->w - 1 ? (int)i + 1 : -1};
    for (int d = 0; d < 4; d++) {
      if (nb[d] < 0 || s->comp[nb[d]] == k)
        continue;
      int j = s->comp[nb[d]];
      const double *b = s->sum + (size_t)j * ss;
      double dist = 0;
      for (int ch = 0; ch < img->c; ch++) {
        double e = a[ch] / a[img->c] - b[ch] / b[img->c];
        dist += e * e;
      }
      if (dist < best_d || (dist == best_d && j < best))
        best_d = dist, best = j;
    }
  }
  return best;
}

/* Merges every component smaller than @min_size into its closest-coloured neighbour, until none
 * is left (or one component covers the image). Two adjacent connected sets stay connected. */
static void
merge_small(Slic *s, int n, double min_size)
{
  const Image *img = &s->img;
  size_t ss = (size_t)img->c + 1;
  component_stats(s, n);
  bool changed = true;
  while (changed) {
    changed = false;
    for (int k = 0; k < n; k++) {
      double *a = s->sum + (size_t)k * ss;
      if (a[img->c] == 0 || a[img->c] >= min_size)
        continue;
      int j = closest_neighbour(s, k);
      if (j < 0)
        continue;
      for (size_t i = 0; i < img->np; i++)
        if (s->comp[i] == k)
          s->comp[i] = j;
      for (size_t q = 0; q < ss; q++) s->sum[(size_t)j * ss + q] += a[q], a[q] = 0;
      changed = true;
    }
  }
}

/* Component ids to 0..M-1 in order of first appearance, copied to every channel. */
static int
relabel(Slic *s, int n, int *ids)
{
  const Image *img = &s->img;
  int *map = s->queue, m = 0; /* the queue is free again and has np >= n entries */
  for (int k = 0; k < n; k++) map[k] = -1;
  for (size_t i = 0; i < img->np; i++) {
    if (map[s->comp[i]] < 0)
      map[s->comp[i]] = m++;
    for (int ch = 0; ch < img->c; ch++) ids[(size_t)ch * img->np + i] = map[s->comp[i]];
  }
  return m;
}

static GbStatus
slic_validate(const GbShape *shape, const float *x, int n_segments, double compactness,
              int max_iter, GbError *err)
{
  if (shape->ndim != 3 || shape->dim[0] < 1 || shape->dim[1] < 1 || shape->dim[2] < 1)
    return gb_error_set(err, GB_ERR_SHAPE, "SLIC needs a (channels, height, width) image");
  size_t np = (size_t)shape->dim[1] * shape->dim[2];
  if (np > (size_t)1 << 30)
    return gb_error_set(err, GB_ERR_SHAPE, "SLIC of %zu pixels: at most 2^30", np);
  if (n_segments < 1 || (size_t)n_segments > np)
    return gb_error_set(err, GB_ERR_INVALID, "SLIC: %d segments requested, need 1..%zu",
                        n_segments, np);
  if (!isfinite(compactness) || compactness < 0)
    return gb_error_set(err, GB_ERR_INVALID, "SLIC: compactness %g, need a finite value >= 0",
                        compactness);
  if (max_iter < 0)
    return gb_error_set(err, GB_ERR_INVALID, "SLIC: %d iterations", max_iter);
  if (x == NULL)
    return gb_error_set(err, GB_ERR_INVALID, "SLIC: no image");
  size_t n = gb_shape_size(shape);
  for (size_t i = 0; i < n; i++)
    if (!isfinite(x[i]))
      return gb_error_set(err, GB_ERR_NUMERIC, "SLIC: input feature %zu is not finite", i);
  return GB_OK;
}

static void
slic_free(Slic *s)
{
  gb_free(s->centre);
  gb_free(s->label);
  gb_free(s->dist);
  gb_free(s->sum);
  gb_free(s->queue);
  gb_free(s->comp);
}

GbStatus
gb_segments_slic(GbSegments *seg, const GbShape *shape, const float *x, int n_segments,
                 double compactness, int max_iter, GbError *err)
{
  memset(seg, 0, sizeof *seg);
  GbStatus st = slic_validate(shape, x, n_segments, compactness, max_iter, err);
  if (st != GB_OK)
    return st;
  Slic s = {.img = {shape->dim[0], shape->dim[1], shape->dim[2], 0, x}, .m = compactness};
  s.img.np = (size_t)s.img.h * s.img.w;
  s.S = sqrt((double)s.img.np / n_segments);
  size_t np = s.img.np, st_c = CENTRE_STRIDE(&s.img);
  /* Sums hold (k, 3 + c) for centres or (components, c + 1): np rows cover both. */
  s.centre = gb_malloc(np * st_c * sizeof *s.centre); /* rows x cols grid <= h x w */
  s.label = gb_malloc(np * sizeof *s.label);
  s.dist = gb_malloc(np * sizeof *s.dist);
  s.sum = gb_malloc(np * (st_c + 1) * sizeof *s.sum);
  s.queue = gb_malloc(np * sizeof *s.queue);
  s.comp = gb_malloc(np * sizeof *s.comp);
  int *ids = gb_malloc(gb_shape_size(shape) * sizeof *ids);
  if (!s.centre || !s.label || !s.dist || !s.sum || !s.queue || !s.comp || !ids) {
    slic_free(&s);
    gb_free(ids);
    return gb_error_set(err, GB_ERR_NOMEM, "SLIC scratch for %zu pixels", np);
  }
  centres_init(&s, n_segments);
  for (int it = 0; it < (max_iter > 0 ? max_iter : GB_SLIC_DEFAULT_ITERATIONS); it++) {
    assign(&s);
    update(&s);
  }
  assign(&s); /* labels for the final centres */
  int n = components(&s);
  merge_small(&s, n, 0.25 * (double)np / n_segments);
  relabel(&s, n, ids);
  slic_free(&s);
  st = gb_segments_from_ids(seg, shape, ids, gb_shape_size(shape), err);
  gb_free(ids);
  return st;
}

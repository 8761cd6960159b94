/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <cairo.h>
#include <stdbool.h>

#include "gb-colormap.h"
#include "gb-plot.h"
#include "gb-status.h"

/* A scalp map: one value per electrode, interpolated over a top view of the head.
 *
 * Positions follow the EEGLAB topoplot convention of GbEegChannel (gb-eeg.h): Cz at (0, 0),
 * the nose towards +y, the right ear towards +x, r = 0.5 at ear level. The head outline is the
 * circle r = 0.5 with a nose and ears; the map fills the disc out to the farthest electrode
 * (at least r = 0.5) by inverse-distance weighting (power 2, exact at the electrodes), and each
 * electrode is marked by a small ring whose inside shows its own value's colour. */
typedef struct {
  int n_channels;
  const float *x, *y;         /* n_channels positions; NaN: channel skipped */
  const char *const *names;   /* n_channels labels; may be NULL */
  const double *values;       /* n_channels; NaN: channel skipped (e.g. unknown position) */
  GbColormap colormap;        /* DIVERGING: symmetric around 0; VIRIDIS: [lo, hi] */
  double scale_max;           /* > 0: fixed, +-scale_max or [0, scale_max]; 0: from the data */
  const char *title;          /* NULL: none */
  bool show_colorbar;
  const char *colorbar_label; /* NULL: none */
  bool show_names;            /* electrode labels beside their rings (needs names) */
} GbScalpmap;

/* Where each part goes for a given area; also what a GUI needs to map the pointer to the head. */
typedef struct {
  double font_size;
  GbPlotRect title;    /* zero size without a title */
  double cx, cy;       /* the head's centre (Cz) in user units */
  double head_radius;  /* user units of r = 0.5 */
  double map_radius;   /* user units of the interpolated disc, >= head_radius */
  GbPlotRect colorbar; /* zero size without a colour bar */
  double lo, hi;       /* values at the bottom and top of the colour bar */
} GbScalpmapLayout;

void gb_scalpmap_layout(const GbScalpmap *s, GbPlotRect area, GbScalpmapLayout *out);
/* User coordinates of the head position (@x, @y) under @l. */
void gb_scalpmap_to_device(const GbScalpmapLayout *l, double x, double y, double *dx,
                           double *dy);
/* The interpolated value at head position (@x, @y): NaN when no channel has a value. */
double gb_scalpmap_value_at(const GbScalpmap *s, double x, double y);

/* Draws @s into @area of @cr. GB_ERR_INVALID for n_channels < 1 or NULL positions or values;
 * channels whose position or value is not finite are skipped (all skipped: the head alone).
 * GB_ERR_NOMEM when Cairo cannot allocate. */
GbStatus gb_scalpmap_draw(cairo_t *cr, const GbScalpmap *s, GbPlotRect area, GbError *err);

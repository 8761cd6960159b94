/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Shared by every renderer in src/plot: they draw into a caller's cairo_t inside a rectangle
 * given in the cairo_t's user units (pixels for an image surface, points for SVG and PDF). */
typedef struct {
  double x, y, width, height;
} GbPlotRect;

/* Colours used across the figures, as 0xRRGGBB. */
#define GB_PLOT_TEXT_RGB 0x222222      /* titles, labels, tick values */
#define GB_PLOT_AXIS_RGB 0x555555      /* frames, ticks, zero lines */
#define GB_PLOT_HIGHLIGHT_RGB 0xe69f00 /* Okabe-Ito orange: distinct from both ends of RdBu */

/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <cairo.h>
#include <stddef.h>

#include "gb-colormap.h"
#include "gb-plot.h"
#include "gb-status.h"

/* Text through Cairo's toy API in a sans face: enough for titles, labels and tick values, and
 * it keeps GLib (pango) out of this layer. */
void gb_plot_font(cairo_t *cr, double size, _Bool bold);
/* Draws @text with its anchor at (@x, @y): @halign 0 left, 0.5 centre, 1 right; @valign 0 top,
 * 0.5 middle, 1 baseline-ish bottom (font ascent based, so rows of labels line up). */
void gb_plot_text(cairo_t *cr, double x, double y, double halign, double valign,
                  const char *text);
/* Width of @text in the current font. */
double gb_plot_text_width(cairo_t *cr, const char *text);
void gb_plot_set_hex(cairo_t *cr, unsigned rgb);
void gb_plot_set_rgb(cairo_t *cr, GbRgb c);
/* "%.3g", with "-0" printed as "0". */
void gb_plot_format_value(char *buf, size_t size, double v);
/* Turns a cairo_t in error into a GbStatus with @what in the message. */
GbStatus gb_plot_check_cairo(cairo_t *cr, const char *what, GbError *err);

#define GB_PLOT_MAX_TICKS 16
/* Round values from @lo to @hi, about four of them, 1-2-5 spaced, into @ticks (at most @max);
 * returns how many. */
int gb_plot_axis_ticks(double lo, double hi, double *ticks, int max);
/* Width of the widest tick label gb_plot_axis_ticks() gives for [lo, hi]. */
double gb_plot_widest_tick(cairo_t *cr, double lo, double hi);

/* A vertical colour-bar strip of @map in @bar (high end at the top), framed, with tick values
 * at @lo, 0 (when inside) and @hi right of it and @label (may be NULL) under it. Shared by the
 * heatmap, the scalp map and the hidden-state figures. */
void gb_plot_colorbar_draw(cairo_t *cr, GbColormap map, GbPlotRect bar, double lo, double hi,
                           double font_size, const char *label);
/* The colour of @v on a colour bar from @lo to @hi: DIVERGING is symmetric around 0 with
 * +-@hi at its ends, VIRIDIS linear from @lo to @hi. */
GbRgb gb_plot_value_rgb(GbColormap map, double lo, double hi, double v);

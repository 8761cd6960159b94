/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <cairo.h>

#include "gb-plot.h"
#include "gb-status.h"

typedef enum {
  GB_PLOT_FORMAT_PNG,
  GB_PLOT_FORMAT_SVG,
  GB_PLOT_FORMAT_PDF,
} GbPlotFormat;

/* Draws one figure into @area; the same callback serves the screen and every file format. */
typedef GbStatus (*GbPlotDrawFn)(void *user, cairo_t *cr, GbPlotRect area, GbError *err);

/* The format named by @path's extension (.png, .svg, .pdf, any case); GB_ERR_UNSUPPORTED
 * otherwise. */
GbStatus gb_plot_format_from_path(const char *path, GbPlotFormat *format, GbError *err);

/* Renders @draw on a white @width x @height page (pixels for PNG, points for SVG and PDF) into
 * @path, in the format its extension names. The figure goes to a temporary file beside @path
 * that is renamed over it only once complete: on any failure @path keeps its previous content
 * and no temporary file is left. Errors (GB_ERR_IO, GB_ERR_UNSUPPORTED, GB_ERR_INVALID, or
 * what @draw returned) name @path. */
GbStatus gb_plot_export(const char *path, int width, int height, GbPlotDrawFn draw, void *user,
                        GbError *err);

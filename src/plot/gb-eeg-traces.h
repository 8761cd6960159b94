/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <cairo.h>
#include <stdbool.h>

#include "gb-colormap.h"
#include "gb-plot.h"
#include "gb-status.h"

/* Stacked multichannel EEG traces of one trial (or of class averages), channel names on the
 * left, a time axis in ms under them, an amplitude scale bar, background cells shaded by a
 * relevance map of the same shape, and an optional time cursor.
 *
 * Every array is (n_times, n_channels) row-major, as GbEegSet stores a trial:
 * v[t * n_channels + c]. Sample t is at t0 + t / srate seconds and its cell spans half a
 * sample period either side. Channel 0 is the top row; each channel's baseline (value 0) is the
 * middle of its row, positive values are drawn upwards.
 *
 * With n_sets = 0 and a relevance map the figure is the channel x time relevance map alone
 * (no scale bar): drawn with the same font_size into an area of the same width, its cells line
 * up with the traces' time axis. */

#define GB_EEG_TRACES_MAX_SETS 3

typedef enum {
  GB_EEG_UNITS_UV, /* raw voltages: the scale bar reads "uV" (micro sign) */
  GB_EEG_UNITS_SD, /* standardised sets: "SD" */
} GbEegUnits;

typedef struct {
  const float *data; /* (n_times, n_channels); NaN samples break the line */
  const char *label; /* legend entry (shown with two or more sets); NULL: none */
} GbEegTraceSet;

typedef struct {
  int n_times, n_channels;
  double srate;                     /* Hz, > 0 */
  double t0;                        /* seconds of sample 0 from the onset */
  const char *const *channel_names; /* n_channels; NULL: "1", "2", ... */
  /* Drawn in order. One set: dark gray; several: Okabe-Ito vermillion, blue, bluish green. */
  GbEegTraceSet sets[GB_EEG_TRACES_MAX_SETS];
  int n_sets;
  GbEegUnits units;
  double amplitude_scale;  /* data units between neighbouring baselines; 0: from the data */
  const float *relevance;  /* (n_times, n_channels) or NULL; non-finite cells stay white */
  GbColormap colormap;     /* DIVERGING: symmetric around 0; VIRIDIS: [lo, hi] */
  double relevance_scale_max; /* > 0: fixed (+-max or [0, max]); 0: from the map */
  double opacity;          /* of the shading over white, [0, 1]; cell = white + a (map - white) */
  bool show_cursor;
  double cursor_time;      /* seconds */
  bool hide_cursor_label;  /* the line alone (e.g. under a figure that labels it) */
  const char *title;       /* NULL: none */
  const char *time_label;  /* under the time axis; NULL: "time (ms)" */
  bool show_colorbar;      /* needs relevance */
  const char *colorbar_label; /* NULL: none */
  double font_size;        /* > 0: fixed; 0: from the area */
} GbEegTraces;

/* Where each part goes for a given area, and the mapping between pixels and time/amplitude. */
typedef struct {
  double font_size;
  GbPlotRect title;    /* zero size without a title */
  GbPlotRect plot;     /* the cells and traces */
  GbPlotRect colorbar; /* zero size without one */
  GbPlotRect scalebar; /* the vertical bar (zero width without traces) */
  double t_left, t_right; /* seconds at plot.x and plot.x + plot.width (cell edges) */
  double row_height;      /* pixels per channel */
  double amplitude_scale; /* data units between neighbouring baselines */
  double scalebar_value;  /* data units the scale bar stands for (1-2-5 rounded) */
  double lo, hi;          /* relevance at the bottom and top of the colour bar */
} GbEegTracesLayout;

void gb_eeg_traces_layout(const GbEegTraces *e, GbPlotRect area, GbEegTracesLayout *out);

/* x of time @t (seconds) and back; linear, also outside the plot. */
double gb_eeg_traces_time_to_x(const GbEegTracesLayout *l, double t);
double gb_eeg_traces_x_to_time(const GbEegTracesLayout *l, double x);
/* y of value @v on channel @c's row. */
double gb_eeg_traces_value_to_y(const GbEegTracesLayout *l, int c, double v);
/* The sample nearest to time @t, clamped to [0, n_times - 1]; 0 for a NaN time. */
int gb_eeg_traces_time_index(const GbEegTraces *e, double t);

/* The colour of a cell with relevance @v under @e's scale (lo, hi from the layout), opacity
 * applied over white. */
GbRgb gb_eeg_traces_cell_rgb(const GbEegTraces *e, double lo, double hi, double v);
/* The colour of set @i's line. */
unsigned gb_eeg_traces_set_hex(const GbEegTraces *e, int i);

/* Draws @e into @area. GB_ERR_SHAPE for non-positive sizes, GB_ERR_INVALID for a bad srate,
 * no sets and no relevance, or a set without data; GB_ERR_NOMEM when Cairo cannot allocate. */
GbStatus gb_eeg_traces_draw(cairo_t *cr, const GbEegTraces *e, GbPlotRect area, GbError *err);

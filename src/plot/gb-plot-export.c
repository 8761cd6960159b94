/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-plot-export.h"

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gb-file.h"
#include "gb-plot-private.h"

/* Cairo's limit for image surfaces; SVG and PDF pages of that size are already absurd. */
#define MAX_SIDE 32767

GbStatus
gb_plot_format_from_path(const char *path, GbPlotFormat *format, GbError *err)
{
  const char *slash = strrchr(path, '/');
  const char *dot = strrchr(slash ? slash : path, '.');
  if (dot && strcasecmp(dot, ".png") == 0)
    *format = GB_PLOT_FORMAT_PNG;
  else if (dot && strcasecmp(dot, ".svg") == 0)
    *format = GB_PLOT_FORMAT_SVG;
  else if (dot && strcasecmp(dot, ".pdf") == 0)
    *format = GB_PLOT_FORMAT_PDF;
  else
    return gb_error_set(err, GB_ERR_UNSUPPORTED,
                        "%s: unknown figure format, expected a .png, .svg or .pdf name", path);
  return GB_OK;
}

typedef struct {
  FILE *fp;
  int write_errno; /* first failing fwrite's errno, 0 if none */
} Sink;

static cairo_status_t
sink_write(void *closure, const unsigned char *data, unsigned int length)
{
  Sink *sink = closure;
  if (fwrite(data, 1, length, sink->fp) == length)
    return CAIRO_STATUS_SUCCESS;
  if (sink->write_errno == 0)
    sink->write_errno = errno ? errno : EIO;
  return CAIRO_STATUS_WRITE_ERROR;
}

static cairo_surface_t *
surface_new(GbPlotFormat format, int width, int height, Sink *sink)
{
  switch (format) {
  case GB_PLOT_FORMAT_SVG:
    return cairo_svg_surface_create_for_stream(sink_write, sink, width, height);
  case GB_PLOT_FORMAT_PDF:
    return cairo_pdf_surface_create_for_stream(sink_write, sink, width, height);
  case GB_PLOT_FORMAT_PNG:
    break;
  }
  return cairo_image_surface_create(CAIRO_FORMAT_ARGB32, width, height);
}

/* White page, then the figure; the cairo_t is destroyed before the surface is finished. */
static GbStatus
render(cairo_surface_t *surface, int width, int height, GbPlotDrawFn draw, void *user,
       GbError *err)
{
  cairo_t *cr = cairo_create(surface);
  cairo_set_source_rgb(cr, 1.0, 1.0, 1.0);
  cairo_paint(cr);
  GbStatus s = draw(user, cr, (GbPlotRect){ 0.0, 0.0, width, height }, err);
  if (s == GB_OK)
    s = gb_plot_check_cairo(cr, "drawing", err);
  cairo_destroy(cr);
  return s;
}

/* Renders and writes the whole file through @sink; GB_OK only when every byte got out. */
static GbStatus
write_figure(GbPlotFormat format, int width, int height, GbPlotDrawFn draw, void *user,
             Sink *sink, GbError *err)
{
  cairo_surface_t *surface = surface_new(format, width, height, sink);
  cairo_status_t cs = cairo_surface_status(surface);
  GbStatus s = GB_OK;
  if (cs != CAIRO_STATUS_SUCCESS) {
    s = gb_error_set(err, GB_ERR_NOMEM, "cannot create a %dx%d surface: %s", width, height,
                     cairo_status_to_string(cs));
    goto out;
  }
  if ((s = render(surface, width, height, draw, user, err)) != GB_OK)
    goto out;
  if (format == GB_PLOT_FORMAT_PNG)
    cs = cairo_surface_write_to_png_stream(surface, sink_write, sink);
  cairo_surface_finish(surface); /* SVG and PDF write their last bytes here */
  if (cs == CAIRO_STATUS_SUCCESS)
    cs = cairo_surface_status(surface);
  if (cs != CAIRO_STATUS_SUCCESS)
    s = gb_error_set(err, GB_ERR_IO, "writing failed: %s",
                     sink->write_errno ? strerror(sink->write_errno)
                                       : cairo_status_to_string(cs));
out:
  cairo_surface_destroy(surface);
  return s;
}

/* Closes @fp (flushed and synced) and renames @tmp to @path. */
static GbStatus
commit_file(FILE *fp, const char *tmp, const char *path, GbError *err)
{
  int fail = fflush(fp) != 0 || gb_save_fsync(fileno(fp)) != 0;
  int e = errno;
  if (fclose(fp) != 0 && !fail) {
    fail = 1;
    e = errno;
  }
  if (fail)
    return gb_error_set(err, GB_ERR_IO, "writing failed: %s", strerror(e));
  if (tmp != NULL && rename(tmp, path) != 0)
    return gb_error_set(err, GB_ERR_IO, "cannot replace the file: %s", strerror(errno));
  return GB_OK;
}

/* A device or pipe (gb-file.h): written in place, no temporary file to rename. */
static GbStatus
export_special(const char *path, GbPlotFormat format, int width, int height, GbPlotDrawFn draw,
               void *user, GbError *err)
{
  int fd = gb_save_open_special(path, err);
  if (fd < 0)
    return GB_ERR_IO;
  Sink sink = { fdopen(fd, "wb"), 0 };
  GbStatus s;
  if (sink.fp == NULL) {
    s = gb_error_set(err, GB_ERR_IO, "%s: %s", path, strerror(errno));
    close(fd);
  } else if ((s = write_figure(format, width, height, draw, user, &sink, err)) != GB_OK) {
    fclose(sink.fp);
    gb_error_prefix(err, "%s", path);
  } else if ((s = commit_file(sink.fp, NULL, path, err)) != GB_OK) {
    gb_error_prefix(err, "%s", path);
  }
  return s;
}

GbStatus
gb_plot_export(const char *path, int width, int height, GbPlotDrawFn draw, void *user,
               GbError *err)
{
  GbPlotFormat format;
  GbStatus s = gb_plot_format_from_path(path, &format, err);
  if (s != GB_OK)
    return s;
  if (width < 1 || height < 1 || width > MAX_SIDE || height > MAX_SIDE || draw == NULL)
    return gb_error_set(err, GB_ERR_INVALID, "%s: a %dx%d figure, expected 1 to %d a side",
                        path, width, height, MAX_SIDE);
  GbSaveTarget target;
  if ((s = gb_save_target(path, &target, err)) != GB_OK)
    return s;
  if (target == GB_SAVE_TARGET_SPECIAL)
    return export_special(path, format, width, height, draw, user, err);
  size_t len = strlen(path);
  char *tmp = malloc(len + 8);
  if (tmp == NULL)
    return gb_error_set(err, GB_ERR_NOMEM, "%s: no memory for a temporary name", path);
  memcpy(tmp, path, len);
  memcpy(tmp + len, ".XXXXXX", 8);
  int fd = mkstemp(tmp);
  if (fd < 0) {
    s = gb_error_set(err, GB_ERR_IO, "%s: cannot create a temporary file beside it: %s", path,
                     strerror(errno));
    free(tmp);
    return s;
  }
  /* mkstemp makes 0600; a figure is an ordinary document. */
  (void)fchmod(fd, 0644);
  Sink sink = { fdopen(fd, "wb"), 0 };
  if (sink.fp == NULL) {
    s = gb_error_set(err, GB_ERR_IO, "%s: %s", path, strerror(errno));
    close(fd);
  } else if ((s = write_figure(format, width, height, draw, user, &sink, err)) != GB_OK) {
    fclose(sink.fp);
    gb_error_prefix(err, "%s", path);
  } else if ((s = commit_file(sink.fp, tmp, path, err)) != GB_OK) {
    gb_error_prefix(err, "%s", path);
  }
  if (s != GB_OK)
    unlink(tmp);
  free(tmp);
  return s;
}

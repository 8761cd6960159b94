/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-cli.h"

#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "gb-model-file.h"

static volatile sig_atomic_t interrupted;

static void
on_sigint(int sig)
{
  (void)sig;
  if (interrupted) /* a second Ctrl-C leaves at once */
    _exit(GB_EXIT_CANCELLED);
  interrupted = 1;
}

void
gb_cli_install_interrupt(void)
{
  struct sigaction sa = {0};
  sa.sa_handler = on_sigint;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
}

bool
gb_cli_interrupted(void)
{
  return interrupted != 0;
}

int
gb_cli_report(const GbError *err)
{
  g_printerr("glassbox-cli: %s\n", err->message[0] ? err->message : gb_status_to_string(err->code));
  switch (err->code) {
  case GB_OK: return GB_EXIT_OK;
  case GB_ERR_CANCELLED: return GB_EXIT_CANCELLED;
  case GB_ERR_IO:
  case GB_ERR_UNSUPPORTED:
  case GB_ERR_FORMAT:
  case GB_ERR_SHAPE:
  case GB_ERR_INVALID: return GB_EXIT_INPUT;
  default: return GB_EXIT_FAILURE;
  }
}

int
gb_cli_usage_error(GOptionContext *ctx, const char *fmt, ...)
{
  (void)ctx;
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_printerr("glassbox-cli: %s\nTry '--help' for the options.\n", msg);
  return GB_EXIT_USAGE;
}

bool
gb_cli_parse(GOptionContext *ctx, int *argc, char ***argv, int *exit_code)
{
  g_autoptr(GError) error = NULL;
  if (!g_option_context_parse(ctx, argc, argv, &error)) {
    *exit_code = gb_cli_usage_error(ctx, "%s", error->message);
    return false;
  }
  return true;
}

void
gb_cli_progress_init(GbCliProgress *p)
{
  p->start_us = g_get_monotonic_time();
  p->last_draw_us = 0;
  p->tty = isatty(STDERR_FILENO);
  p->drawn = false;
}

bool
gb_cli_progress_cb(void *user, double fraction, const char *stage)
{
  GbCliProgress *p = user;
  if (interrupted)
    return false;
  gint64 now = g_get_monotonic_time();
  if (!p->tty || (now - p->last_draw_us < 100000 && fraction < 1.0))
    return true;
  p->last_draw_us = now;
  const int width = 30;
  int filled = (int)(fraction * width + 0.5);
  char bar[64];
  for (int i = 0; i < width; i++)
    bar[i] = i < filled ? '=' : i == filled ? '>' : ' ';
  bar[width] = '\0';
  double elapsed = (now - p->start_us) / 1e6;
  double eta = fraction > 0.01 ? elapsed * (1.0 - fraction) / fraction : 0.0;
  fprintf(stderr, "\r  %-14s [%s] %3.0f%%  ETA %4.0f s ", stage, bar, 100.0 * fraction, eta);
  fflush(stderr);
  p->drawn = true;
  return true;
}

void
gb_cli_progress_finish(GbCliProgress *p)
{
  if (p->drawn) {
    fprintf(stderr, "\r%*s\r", 72, "");
    fflush(stderr);
  }
  p->drawn = false;
}

const char *
gb_cli_preset_names(void)
{
  return "mlp (128 hidden), mlp2 (256-128), lenet (conv 8@5x5, pool, conv 16@5x5, pool, "
         "dense 64), rnn, lstm, gru (32 hidden)";
}

static char *
input_spec(const GbShape *s)
{
  if (s->ndim == 1)
    return g_strdup_printf("input(%d)", s->dim[0]);
  if (s->ndim == 2)
    return g_strdup_printf("input(%d,%d)", s->dim[0], s->dim[1]);
  return g_strdup_printf("input(%d,%d,%d)", s->dim[0], s->dim[1], s->dim[2]);
}

char *
gb_cli_preset_spec(const char *name, const GbShape *sample, int n_classes)
{
  g_autofree char *in = input_spec(sample);
  const char *flat = sample->ndim > 1 ? ", flatten" : "";
  if (g_str_equal(name, "mlp"))
    return g_strdup_printf("%s%s, dense(128), relu, dense(%d)", in, flat, n_classes);
  if (g_str_equal(name, "mlp2"))
    return g_strdup_printf("%s%s, dense(256), relu, dense(128), relu, dense(%d)", in, flat,
                           n_classes);
  if (g_str_equal(name, "lenet"))
    return g_strdup_printf("%s, conv2d(8,5), relu, maxpool2d(2), conv2d(16,5), relu, "
                           "maxpool2d(2), flatten, dense(64), relu, dense(%d)",
                           in, n_classes);
  if (g_str_equal(name, "rnn") || g_str_equal(name, "lstm") || g_str_equal(name, "gru"))
    return g_strdup_printf("%s, %s(32), dense(%d)", in, name, n_classes);
  return NULL;
}

GbDataset *
gb_cli_open_data(const char *source, GbError *err)
{
  return gb_dataset_open(source, err);
}

GbModel *
gb_cli_load_model(const char *path, GbError *err)
{
  GbModel *m = NULL;
  if (gb_model_load(path, &m, err) != GB_OK)
    return NULL;
  return m;
}

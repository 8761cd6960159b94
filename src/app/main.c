/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdlib.h>

#include "gb-app-options.h"
#include "gb-application.h"
#include "gb-blas.h"
#include "gb-worker.h"

int
main(int argc, char **argv)
{
  gb_blas_ensure_fast_core(argv);
  if (getenv("OPENBLAS_NUM_THREADS") == NULL)
    gb_blas_set_threads(1);
  gb_application_setup_i18n();
  g_autoptr(GbApplication) app = gb_application_new();
  int status = g_application_run(G_APPLICATION(app), argc, argv);
  /* The windows are gone and their jobs cancelled: let the jobs leave OpenBLAS before exit. */
  gb_worker_wait_threads(2000);
  return status != 0 ? status : gb_app_options_exit_status(G_APPLICATION(app));
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"
#include <stdio.h>
#include "gb-blas.h"
int
main(int argc, char **argv)
{
  (void)argc;
  gb_blas_ensure_fast_core(argv);
  printf("glassbox-cli %s (OpenBLAS %s)\n", GB_VERSION, gb_blas_core_name());
  return 0;
}

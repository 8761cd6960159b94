/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-blas.h"

#include <cblas.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static atomic_bool use_reference;

void
gb_engine_set_reference_kernels(bool on)
{
  atomic_store(&use_reference, on);
}

bool
gb_engine_get_reference_kernels(void)
{
  return atomic_load(&use_reference);
}

void
gb_sgemm_ref(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float *a,
             int lda, const float *b, int ldb, float beta, float *c, int ldc)
{
  for (int i = 0; i < m; i++)
    for (int j = 0; j < n; j++) {
      double acc = 0.0;
      for (int p = 0; p < k; p++) {
        float av = trans_a ? a[(size_t)p * lda + i] : a[(size_t)i * lda + p];
        float bv = trans_b ? b[(size_t)j * ldb + p] : b[(size_t)p * ldb + j];
        acc += (double)av * bv;
      }
      float *cij = &c[(size_t)i * ldc + j];
      *cij = (float)(alpha * acc + (beta == 0.0f ? 0.0 : (double)beta * *cij));
    }
}

void
gb_sgemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float *a, int lda,
         const float *b, int ldb, float beta, float *c, int ldc)
{
  if (m <= 0 || n <= 0)
    return;
  if (atomic_load(&use_reference)) {
    gb_sgemm_ref(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    return;
  }
  cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
              trans_b ? CblasTrans : CblasNoTrans, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

const char *
gb_blas_core_name(void)
{
  return openblas_get_corename();
}

int
gb_blas_get_threads(void)
{
  return openblas_get_num_threads();
}

void
gb_blas_set_threads(int n)
{
  openblas_set_num_threads(n < 1 ? 1 : n);
}

const char *
gb_blas_preferred_core(void)
{
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f"))
    return "SkylakeX";
  if (__builtin_cpu_supports("avx2"))
    return "Haswell";
  return NULL;
}

/* Cores OpenBLAS 0.3.21 falls back to when it does not know a CPU model. */
static bool
core_is_fallback(const char *core)
{
  static const char *const slow[] = {"Prescott", "Core2", "Penryn", "Dunnington", "Nehalem",
                                     "Atom",     "Katmai", "Coppermine", "Northwood", "Banias",
                                     "Opteron",  "Barcelona", "Bobcat", "Unknown", NULL};
  if (core == NULL)
    return true;
  for (int i = 0; slow[i]; i++)
    if (strcmp(core, slow[i]) == 0)
      return true;
  return false;
}

void
gb_blas_ensure_fast_core(char **argv)
{
  if (getenv("OPENBLAS_CORETYPE") != NULL || getenv("GB_NO_REEXEC") != NULL)
    return;
  const char *want = gb_blas_preferred_core();
  if (want == NULL || !core_is_fallback(gb_blas_core_name()))
    return;
  setenv("OPENBLAS_CORETYPE", want, 1);
  setenv("OPENBLAS_NUM_THREADS", "1", 0);
  setenv("GB_NO_REEXEC", "1", 1); /* never loop, whatever happens */
  execv("/proc/self/exe", argv);
  /* exec failed: carry on with the slow kernels rather than not at all. */
}

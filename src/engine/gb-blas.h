/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stdbool.h>

/* Row-major C = alpha * op(A) * op(B) + beta * C, where op(A) is (m, k) and op(B) is (k, n).
 * Calls cblas_sgemm, or the naive reference when reference kernels are switched on. */
void gb_sgemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float *a,
              int lda, const float *b, int ldb, float beta, float *c, int ldc);
/* The obviously-correct triple loop that gb_sgemm is tested against. */
void gb_sgemm_ref(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float *a,
                  int lda, const float *b, int ldb, float beta, float *c, int ldc);

/* Switches every fast kernel in the engine (sgemm, im2col convolution, ...) to its naive
 * reference. Tests use it to compare whole layers; it is process-wide. */
void gb_engine_set_reference_kernels(bool on);
bool gb_engine_get_reference_kernels(void);

/* Name of the OpenBLAS kernels in use, e.g. "SkylakeX", and the BLAS thread count. */
const char *gb_blas_core_name(void);
int gb_blas_get_threads(void);
void gb_blas_set_threads(int n);

/* OpenBLAS picks its kernels in a library constructor, before main(). When it fell back to old
 * SSE kernels on a CPU that has AVX-512 or AVX2 and OPENBLAS_CORETYPE is unset, this sets the
 * variable (and OPENBLAS_NUM_THREADS=1 unless set) and re-executes the program, so the user
 * gets the fast kernels without doing anything. Returns only when no re-exec was needed or it
 * failed. Call it first thing in main(). */
void gb_blas_ensure_fast_core(char **argv);
/* The core OpenBLAS should use on this CPU ("SkylakeX", "Haswell") or NULL. */
const char *gb_blas_preferred_core(void);

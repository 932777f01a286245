/* host/ref/ref_gemm.h - CPU reference of the GEMM, in double precision, for tests.
 *
 * Row-major, BLAS semantics: C = alpha * op(A) * op(B) + beta * C, op(A) M x K, op(B) K x N.
 * A is M x K (lda >= K) when !trans_a, else K x M (lda >= M); likewise B. With beta == 0, C is
 * only written (so a NaN in C does not leak through). */
#ifndef AN_REF_REF_GEMM_H
#define AN_REF_REF_GEMM_H

#include <stddef.h>

void ref_gemm(int trans_a, int trans_b, size_t M, size_t N, size_t K, double alpha,
              const double *A, size_t lda, const double *B, size_t ldb, double beta, double *C,
              size_t ldc);

#endif

/* host/ref/ref_gemm.c - the plain triple loop of the reference GEMM (double precision). */
#include "ref/ref_gemm.h"

void ref_gemm(int trans_a, int trans_b, size_t M, size_t N, size_t K, double alpha,
              const double *A, size_t lda, const double *B, size_t ldb, double beta, double *C,
              size_t ldc) {
    for (size_t m = 0; m < M; m++) {
        for (size_t n = 0; n < N; n++) {
            double s = 0;
            for (size_t k = 0; k < K; k++) {
                double a = trans_a ? A[k * lda + m] : A[m * lda + k];
                double b = trans_b ? B[n * ldb + k] : B[k * ldb + n];
                s += a * b;
            }
            double *c = &C[m * ldc + n];
            *c = beta == 0 ? alpha * s : alpha * s + beta * *c;
        }
    }
}

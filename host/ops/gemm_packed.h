/* host/ops/gemm_packed.h - the own backend's packed path (cl/gemm_packed.cl), internal to
 * host/ops/gemm.c: blocks of op(A) and op(B) copied into contiguous panels in a workspace that
 * the device keeps, then one register-tiled kernel per block of K. Arguments as
 * an_gemm_batched's, already checked, K > 0. */
#ifndef AN_OPS_GEMM_PACKED_H
#define AN_OPS_GEMM_PACKED_H

#include "ops/gemm.h"

/* The float vector width (8 or 16) the own kernels are sized for on d: the device's native
 * width, or ALEXNET_GEMM_VW=8|16 (to test either tile on any device). */
int an_gemm_vector_width(const an_dev *d);

an_status an_gemm_packed(an_dev *d, int ta, int tb, size_t M, size_t N, size_t K, float alpha,
                         an_buf A, size_t lda, size_t sa, an_buf B, size_t ldb, size_t sb,
                         float beta, an_buf C, size_t ldc, size_t sc, size_t batch);

/* an_gemm_cols_batched's work (gemm.h), arguments checked. */
an_status an_gemm_packed_cols(an_dev *d, const an_gemm_cols *cols, size_t M, size_t N, size_t K,
                              an_buf A, size_t lda, an_buf X, size_t sx, an_buf C, size_t ldc,
                              size_t sc, size_t batch);

/* The pre-packed A of gemm.h: the floats of one M x K matrix in panels; pack batch matrices
 * (not transposed) into P, each in one chunk of the whole K; and the product from them. */
size_t an_gemm_packed_a_floats(const an_dev *d, size_t M, size_t K);
an_status an_gemm_packed_pack_a(an_dev *d, size_t M, size_t K, an_buf A, size_t lda, size_t sa,
                                size_t batch, an_buf P);
an_status an_gemm_packed_from(an_dev *d, size_t M, size_t N, size_t K, float alpha, an_buf P,
                              an_buf B, size_t ldb, size_t sb, float beta, an_buf C, size_t ldc,
                              size_t sc, size_t batch);
/* C = alpha A Bᵀ + beta C (M x N, ldc) with B (N x K) packed in P as an_gemm_packed_pack_a
 * packs an N x K matrix, A (M x K, lda) not packed. */
an_status an_gemm_packed_bt(an_dev *d, size_t M, size_t N, size_t K, float alpha, an_buf A,
                            size_t lda, an_buf P, float beta, an_buf C, size_t ldc);
/* Whether an_gemm_packed_bt beats the NT product of an_gemm_packed or gemm_dot for M x N. */
int an_gemm_packed_bt_pays(const an_dev *d, size_t M, size_t N);

#endif

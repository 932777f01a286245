/* host/ops/gemm.h - single-precision GEMM on a device, behind one interface with two backends.
 *
 * Row-major, BLAS semantics: C = alpha * op(A) * op(B) + beta * C with op(A) M x K and op(B)
 * K x N. A is stored M x K (lda >= K) when !trans_a, else K x M (lda >= M); B is K x N
 * (ldb >= N) when !trans_b, else N x K (ldb >= K); C is M x N (ldc >= N). Leading dimensions
 * and batch strides are in floats; an_buf offsets place each matrix. beta == 0 overwrites C
 * without reading it. Calls enqueue on d->q and do not wait.
 *
 * Backends: the project's own register-tiled kernels (cl/gemm_packed.cl and cl/gemm.cl, fast on
 * CPU devices; see an_gemm_path below) and CLBlast. Choice, first match wins:
 * an_gemm_set_backend() on the device with a value other than AUTO; the environment variable
 * ALEXNET_GEMM=own|clblast|auto; an_gemm_prefer() on the device (the tuner's per-shape choice);
 * else the device type (CPU: own, other: CLBlast). Both settings belong to the an_dev, so calls
 * on different devices never see each other's. Callers need not know which one runs. With
 * profiling on, CLBlast's calls are recorded under d->tag like an_launch's kernels, through the
 * one event each CLBlast call returns. */
#ifndef AN_OPS_GEMM_H
#define AN_OPS_GEMM_H

#include "runtime/runtime.h"

typedef enum an_gemm_backend {
    AN_GEMM_AUTO = 0,
    AN_GEMM_OWN = 1,
    AN_GEMM_CLBLAST = 2
} an_gemm_backend;

/* The own backend's kernels: the packed path (cl/gemm_packed.cl: operands copied into panels,
 * then a register-tiled kernel; for CPU devices) or the direct one (cl/gemm.cl: kernels that
 * read the operands in place; the choice for GPUs). Choice, first match wins:
 * an_gemm_set_path() on the device with a value other than AUTO; the environment variable
 * ALEXNET_GEMM_PATH=packed|direct|auto; else the device type (CPU: packed, other: direct). */
typedef enum an_gemm_path {
    AN_GEMM_PATH_AUTO = 0,
    AN_GEMM_PATH_DIRECT = 1,
    AN_GEMM_PATH_PACKED = 2
} an_gemm_path;

/* Fix the own backend's path on d (AN_GEMM_PATH_AUTO removes it). */
void an_gemm_set_path(an_dev *d, an_gemm_path p);
/* The path the own backend would use on d now; AN_ERR_INVALID_ARG for a bad
 * ALEXNET_GEMM_PATH value. */
an_status an_gemm_path_for(const an_dev *d, an_gemm_path *out);

/* Fix the backend of the following calls on d (AN_GEMM_AUTO removes it). */
void an_gemm_set_backend(an_dev *d, an_gemm_backend b);
/* The backend the following calls on d prefer (a tuned per-shape choice, host/ops/tune.h),
 * ranked below an_gemm_set_backend and ALEXNET_GEMM and above the device-type default;
 * AN_GEMM_AUTO removes it. Returns the previous preference, to be restored after the call. */
an_gemm_backend an_gemm_prefer(an_dev *d, an_gemm_backend b);
/* The backend fixed on d by an_gemm_set_backend or ALEXNET_GEMM, or AN_GEMM_AUTO when neither
 * fixes one (then a tuner may choose); AN_ERR_INVALID_ARG for a bad ALEXNET_GEMM value. */
an_status an_gemm_backend_fixed(const an_dev *d, an_gemm_backend *out);
/* The backend an_gemm would use on d now; AN_ERR_INVALID_ARG for a bad ALEXNET_GEMM value. */
an_status an_gemm_backend_for(const an_dev *d, an_gemm_backend *out);
/* "auto", "own", "clblast". */
const char *an_gemm_backend_name(an_gemm_backend b);

an_status an_gemm(an_dev *d, int trans_a, int trans_b, size_t M, size_t N, size_t K, float alpha,
                  an_buf A, size_t lda, an_buf B, size_t ldb, float beta, an_buf C, size_t ldc);

/* batch independent GEMMs of one shape: matrix i of A starts at A.off + i * stride_a (likewise
 * B, C). A stride of 0 shares one matrix among all (e.g. the weights of a convolution); the
 * strides of C must keep the outputs apart. */
an_status an_gemm_batched(an_dev *d, int trans_a, int trans_b, size_t M, size_t N, size_t K,
                          float alpha, an_buf A, size_t lda, size_t stride_a, an_buf B, size_t ldb,
                          size_t stride_b, float beta, an_buf C, size_t ldc, size_t stride_c,
                          size_t batch);

/* A convolution whose im2col columns (cl/im2col.cl's col layout: one group of one image) are
 * the B of an_gemm_cols_batched. */
typedef struct an_gemm_cols {
    int h, w, kh, kw, stride, pad, ow; /* input height and width, kernel, output width */
} an_gemm_cols;

/* Whether the own backend's packed path (CPU devices) runs d's GEMMs now, and with it
 * an_gemm_cols_batched (whose GEMM kernel gathers the columns from the input while it copies B
 * into local memory) and the pre-packed A below. */
int an_gemm_packed_runs(const an_dev *d);

/* C_i = A * cols(X_i) for batch images i, the columns never stored: A (M x K, lda) shared;
 * X_i at X.off + i * sx, its first channel the group's; N the output pixels; K the group's rows
 * of columns (channels x kh x kw); C_i (M x N, ldc) at C.off + i * sc, overwritten.
 * AN_ERR_UNSUPPORTED where an_gemm_packed_runs is 0. */
an_status an_gemm_cols_batched(an_dev *d, const an_gemm_cols *cols, size_t M, size_t N, size_t K,
                               an_buf A, size_t lda, an_buf X, size_t sx, an_buf C, size_t ldc,
                               size_t sc, size_t batch);

/* A constant A packed once into the packed path's panels (an inference model's Winograd
 * filters: the copy is 2-5 % of a batch-32 forward), where an_gemm_packed_runs(d).
 * an_gemm_prepacked_floats: the floats of batch M x K matrices so packed on d (M rounded up to
 * the kernel's tile). an_gemm_prepack: matrix i of A (M x K, lda, not transposed) at A.off +
 * i * stride_a into P. an_gemm_prepacked_batched: an_gemm_batched's NN product C_i = alpha A_i
 * B_i + beta C_i with A_i read from P. Both AN_ERR_UNSUPPORTED where an_gemm_packed_runs is 0;
 * the three must see the same M and K. */
size_t an_gemm_prepacked_floats(const an_dev *d, size_t M, size_t K, size_t batch);
an_status an_gemm_prepack(an_dev *d, size_t M, size_t K, an_buf A, size_t lda, size_t stride_a,
                          size_t batch, an_buf P);
an_status an_gemm_prepacked_batched(an_dev *d, size_t M, size_t N, size_t K, float alpha,
                                    an_buf P, an_buf B, size_t ldb, size_t stride_b, float beta,
                                    an_buf C, size_t ldc, size_t stride_c, size_t batch);

/* an_gemm's NT product C = alpha A Bᵀ + beta C with the constant B (N x K) packed in P by
 * an_gemm_prepack(d, N, K, B, ldb, 0, 1, P): an inference model's fc weights, which then
 * stream from memory once per product and are fetched ahead of the FMAs (the fc layers at
 * batch 32 took 0.6 of gemm_dot's time). A (M x K, lda) and C (M x N, ldc) as an_gemm's.
 * AN_ERR_UNSUPPORTED where an_gemm_packed_runs is 0. */
an_status an_gemm_prepacked_nt(an_dev *d, size_t M, size_t N, size_t K, float alpha, an_buf A,
                               size_t lda, an_buf P, float beta, an_buf C, size_t ldc);
/* Whether an_gemm_prepacked_nt runs on d and beats an_gemm there for M x N: M of at least 16,
 * padded by at most a third to whole column panels of the kernel's tile (it computes them). */
int an_gemm_prepacked_nt_pays(const an_dev *d, size_t M, size_t N);

#endif

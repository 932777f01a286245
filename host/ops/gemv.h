/* host/ops/gemv.h - the fully connected forward of a few images at a time as a matrix-vector
 * product that streams the weights once (cl/gemv.cl), with the bias and an optional ReLU fused;
 * and a copy kernel that measures a device's memory bandwidth (for `alexnet bench`).
 *
 * At batch 1 an fc layer reads every weight once for 2 flops: the time is the weights' bytes over
 * the memory bandwidth, which a GEMM's tiling (made for reuse) does not reach. Tensors are
 * float32 an_bufs, row-major; sizes are element counts. Calls enqueue on d->q and do not wait.
 * Every index, offsets included, must stay below 2^32. The kernel's layout follows the device
 * type (a CPU streams whole rows per work-item, a GPU splits rows over 64 work-items); the
 * environment variable ALEXNET_GEMV_WG=1 or 64 forces one (the tests run both). */
#ifndef AN_OPS_GEMV_H
#define AN_OPS_GEMV_H

#include "runtime/runtime.h"

/* The most rows (images) one an_gemv_fc call takes. */
#define AN_GEMV_MAX_N 8

/* y[r][o] = sum_i x[r][i] * w[o][i] + b[o] (b.mem NULL: no bias), then ReLU when relu, for
 * r < n (1..AN_GEMV_MAX_N), o < m, i < k; x rows ldx apart, w rows ldw apart, y rows ldy apart.
 * y must not overlap x or w. */
an_status an_gemv_fc(an_dev *d, size_t n, size_t m, size_t k, an_buf x, size_t ldx, an_buf w,
                     size_t ldw, an_buf b, int relu, an_buf y, size_t ldy);

/* The largest batch for which the fc forward uses an_gemv_fc on d rather than a GEMM: the
 * environment variable ALEXNET_GEMV_MAX_N (0 turns the GEMV off; at most AN_GEMV_MAX_N) where
 * set, else the measured default (host/ops/gemv.c). */
int an_gemv_max_n(const an_dev *d);

/* dst[i] = src[i] for i < n (16 floats per work-item). */
an_status an_copy_floats(an_dev *d, cl_mem src, cl_mem dst, size_t n);

#endif

/* host/ops/conv.h - 2-D convolution (cross-correlation) with stride, zero padding, groups and bias:
 * forward, and backward to the input, the weights and the bias, behind one interface with a
 * choice of algorithm per call (per layer).
 *
 * Tensors are NCHW float32: x [n][c][h][w], y [n][k][oh][ow], weights [k][c/groups][kh][kw],
 * bias [k]. Outputs are overwritten (gradients are not accumulated) and must not overlap inputs.
 *
 * Algorithms:
 *   AN_CONV_IM2COL: im2col of a chunk of images into the workspace, then one (batched) GEMM per
 *     group through an_gemm (so on the GEMM backend in use); the input gradient is one GEMM per
 *     group and col2im, the weight gradient one GEMM per group over all pixels of the chunk.
 *     1x1 convolutions with stride 1 and no padding skip im2col in the forward and backward-data.
 *   AN_CONV_DIRECT: direct kernels (cl/conv_direct.cl), no workspace. The forward is register-
 *     tiled (on the 2-core PoCL machine 28-90 GFLOP/s on AlexNet's layers, against 95-175 for
 *     im2col); the gradients compute each element from the definition (about 4 GFLOP/s), so
 *     for training im2col is the choice.
 *   AN_CONV_FFT: stride 1 only (other strides resolve to AN_CONV_IM2COL, so that one choice
 *     serves a whole net, AlexNet's stride-4 conv1 included); clFFT transforms of the
 *     zero-padded planes, per-frequency products summed over channels, inverse transforms, for
 *     the forward and both gradients (host/ops/conv_fft.c). Its workspace holds the filters'
 *     spectra as well as a chunk of images'. On the 2-core PoCL machine it is slower than
 *     im2col: 4-5x on AlexNet's conv2, 10-20x on conv3-5 (batch 8; test_conv_fft --bench).
 *   AN_CONV_AUTO: AN_CONV_IM2COL (the faster on CPU devices with the own GEMM and on GPUs with
 *     CLBlast); it never picks FFT.
 *
 * Workspace: the caller allocates one buffer of an_conv_workspace_floats(...) floats (or any
 * size at least one image's need) and passes it; images are processed in chunks that fit. */
#ifndef AN_OPS_CONV_H
#define AN_OPS_CONV_H

#include "runtime/runtime.h"

typedef enum an_conv_algo {
    AN_CONV_AUTO = 0,
    AN_CONV_IM2COL = 1,
    AN_CONV_DIRECT = 2,
    AN_CONV_FFT = 3
} an_conv_algo;

typedef struct an_conv_shape {
    int n, c, h, w;   /* input: batch, channels, height, width */
    int k, kh, kw;    /* output channels, kernel height and width */
    int stride, pad;  /* the same in both directions; pad is zero padding on each side */
    int groups;       /* c and k divisible by groups; AlexNet's conv2, 4, 5 use 2 */
} an_conv_shape;

int an_conv_oh(const an_conv_shape *s);
int an_conv_ow(const an_conv_shape *s);
/* AN_ERR_INVALID_ARG (with the reason) for an impossible shape. */
an_status an_conv_check(const an_conv_shape *s);
/* "auto", "im2col", "direct", "fft"; and the algorithm a call with a runs: AN_CONV_AUTO's choice
 * on d, and AN_CONV_IM2COL for AN_CONV_FFT with a stride other than 1. */
const char *an_conv_algo_name(an_conv_algo a);
an_conv_algo an_conv_algo_resolve(const an_dev *d, const an_conv_shape *s, an_conv_algo a);

/* Floats of workspace that let forward and backward run with as few chunks as reasonable (at
 * most about 256 MB, but never less than one image's need); 0 when the algorithm needs none. */
size_t an_conv_workspace_floats(const an_dev *d, const an_conv_shape *s, an_conv_algo a);

/* y = conv(x, w) + b. b.mem == NULL: no bias. */
an_status an_conv_forward(an_dev *d, const an_conv_shape *s, an_conv_algo a, an_buf x, an_buf w,
                          an_buf b, an_buf y, an_buf ws, size_t ws_floats);

/* From dy = dL/dy: dx = dL/dx, dw = dL/dw, db = dL/db. Any of dx, dw, db with mem == NULL is
 * skipped (e.g. dx of the first layer). x is needed only for dw, w only for dx. */
an_status an_conv_backward(an_dev *d, const an_conv_shape *s, an_conv_algo a, an_buf x, an_buf w,
                           an_buf dy, an_buf dx, an_buf dw, an_buf db, an_buf ws,
                           size_t ws_floats);

#endif

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
 *     Where the GEMM takes its packed path (CPU devices) the forward stores no columns: with
 *     16-float vectors a register-tiled kernel reads the input in place (conv_tile.h), else the
 *     GEMM gathers the columns as it copies them; the data gradient at stride 1 is then the
 *     forward of dy with the filters flipped. ALEXNET_IM2COL=explicit stores them (conv.c).
 *   AN_CONV_DIRECT: direct kernels (cl/conv_direct.cl), no workspace. The forward is register-
 *     tiled (with PoCL on a CPU 28-90 GFLOP/s on AlexNet's layers, against 95-175 for
 *     im2col); the gradients compute each element from the definition (about 4 GFLOP/s), so
 *     for training im2col is the choice (`alexnet bench --conv direct` against `--conv im2col`).
 *   AN_CONV_FFT: stride 1 only (other strides resolve to AN_CONV_IM2COL, so that one choice
 *     serves a whole net, AlexNet's stride-4 conv1 included); clFFT transforms of the
 *     zero-padded planes, per-frequency products summed over channels, inverse transforms, for
 *     the forward and both gradients (host/ops/conv_fft.c). Its workspace holds the filters'
 *     spectra as well as a chunk of images'. With PoCL on a CPU it is slower than
 *     im2col: 4-5x on AlexNet's conv2, 10-20x on conv3-5 (batch 8; test_conv_fft --bench).
 *   AN_CONV_WINOGRAD: stride 1 with square 3x3 or 5x5 kernels (other shapes resolve to
 *     AN_CONV_IM2COL, like FFT's); Winograd's minimal filtering F(m x m, r x r) (Lavin & Gray
 *     2016): input, filter and output transforms (cl/winograd.cl) around one batched GEMM per
 *     group over the (m + r - 1)^2 transform points (an_gemm_batched), for the forward, dx (the
 *     forward with the filters turned 180 degrees) and dw (the products accumulated over tiles in
 *     the transform domain); host/ops/conv_winograd.c. Tiles: F(4x4, 3x3) for 3x3 kernels and
 *     F(3x3, 5x5) for 5x5 (27 = 9 x 3, no wasted tiles); F(2x2, 3x3) and F(2x2, 5x5) are built
 *     and tested too (conv_winograd.h): with PoCL on a CPU F(2,3) ties F(4,3) at batch
 *     32 and loses at 128, F(2,5) loses to F(3,5) at both. There Winograd runs AlexNet's conv2-
 *     conv5 forward and gradients 1.3-4x faster than im2col (docs/CONV.md).
 *     Accuracy: the transforms amplify rounding, more for larger tiles. test_conv_winograd holds
 *     each F to |e| <= t m + 1e-5|ref| (m products summed per output, data in [-1, 1]) with
 *     t = 1e-7 for F(2,3), 1.5e-6 for F(4,3), 1.2e-6 for F(2,5) and F(3,5): about 3x the largest
 *     max|e| / m measured on its shapes (3.0e-8, 4.4e-7, 3.9e-7, 3.7e-7), AlexNet's included;
 *     relative to the largest |ref| that is up to 1e-6 for F(2,3) and 1.4e-5 for the others
 *     (docs/CONV.md). test_conv holds im2col to 1e-6 m.
 *   AN_CONV_WINOGRAD2: Winograd with the small tile, F(2x2, r x r), on every shape Winograd
 *     applies to: the tuner's accurate Winograd where the default tile is larger (F(4,3) and the
 *     5x5 tiles err 2-18 times what im2col does, F(2,3) 0.5-1.7 times; host/ops/tune.h).
 *   AN_CONV_FFTGEMM: stride 1 with the padded input at most 32 x 32 (other shapes resolve to
 *     AN_CONV_IM2COL); FFT convolution with the library's own radix-2 transforms of 8, 16 or 32
 *     points (cl/conv_fftgemm.cl) and the per-frequency complex products as real GEMMs, one
 *     batched an_gemm_batched per group over the frequencies (host/ops/conv_fftgemm.c). An
 *     eighth of im2col's multiply-adds on AlexNet's conv2; test_conv_fftgemm holds it to the
 *     FFT tolerance of test_conv_fft.c (errors up to 3.8e-5 on conv2, within the tuner's gate).
 *   AN_CONV_AUTO: here, AN_CONV_IM2COL (the fixed rule). The model resolves AUTO through the
 *     tuner instead (host/ops/tune.h: each algorithm timed per layer, direction and device),
 *     unless ALEXNET_TUNE=off.
 *
 * Workspace: the caller allocates one buffer of an_conv_workspace_floats(...) floats (or any
 * size at least one image's need) and passes it; images are processed in chunks that fit (on a
 * CPU, im2col's gradients in chunks of at most 8 M floats, that stay in cache: conv.c). */
#ifndef AN_OPS_CONV_H
#define AN_OPS_CONV_H

#include "runtime/runtime.h"

typedef enum an_conv_algo {
    AN_CONV_AUTO = 0,
    AN_CONV_IM2COL = 1,
    AN_CONV_DIRECT = 2,
    AN_CONV_FFT = 3,
    AN_CONV_WINOGRAD = 4,
    AN_CONV_WINOGRAD2 = 5, /* Winograd with the small tile, F(2x2, r x r), whatever the shape */
    AN_CONV_FFTGEMM = 6    /* FFT with own transforms, products as real GEMMs (conv_fftgemm.h) */
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
/* The algorithm named name ("auto", "im2col", "direct", "fft", "winograd", "winograd2",
 * "fftgemm"): 1, or 0 if none. */
int an_conv_algo_parse(const char *name, an_conv_algo *a);
const char *an_conv_algo_name(an_conv_algo a);
/* Whether algorithm a computes shape s itself (1) or resolves to im2col (0): FFT needs stride 1,
 * Winograd stride 1 and a 3x3 or 5x5 kernel, fftgemm stride 1 and a padded input of at most
 * 32 x 32; the others apply to every shape. */
int an_conv_algo_applies(const an_dev *d, const an_conv_shape *s, an_conv_algo a);
an_conv_algo an_conv_algo_resolve(const an_dev *d, const an_conv_shape *s, an_conv_algo a);

/* Floats of workspace that let forward and backward run with as few chunks as reasonable (at
 * most about 256 MB, but never less than one image's need); 0 when the algorithm needs none. */
size_t an_conv_workspace_floats(const an_dev *d, const an_conv_shape *s, an_conv_algo a);
/* The part of that the forward alone needs: where im2col's forward stores no columns, the tiled
 * forward's (conv_tile.h) or 0 (the GEMM gathers them); else an_conv_workspace_floats. */
size_t an_conv_forward_workspace_floats(const an_dev *d, const an_conv_shape *s, an_conv_algo a);

/* y = conv(x, w) + b. b.mem == NULL: no bias. */
an_status an_conv_forward(an_dev *d, const an_conv_shape *s, an_conv_algo a, an_buf x, an_buf w,
                          an_buf b, an_buf y, an_buf ws, size_t ws_floats);

/* Whether algorithm a's forward runs the tiled kernel (im2col gathering its columns on a device
 * where an_conv_tile_runs; conv_tile.h) with a workspace of an_conv_forward_workspace_floats;
 * then an_conv_forward_packed gives its result, y = conv(x, w) + b, from the filters packed
 * once by an_conv_tile_pack_filters (wp), with a workspace of at least one padded image. */
int an_conv_forward_tiled(const an_dev *d, const an_conv_shape *s, an_conv_algo a);
an_status an_conv_forward_packed(an_dev *d, const an_conv_shape *s, an_buf wp, an_buf x,
                                 an_buf b, an_buf y, an_buf ws, size_t ws_floats);

/* From dy = dL/dy: dx = dL/dx, dw = dL/dw, db = dL/db. Any of dx, dw, db with mem == NULL is
 * skipped (e.g. dx of the first layer). x is needed only for dw, w only for dx. */
an_status an_conv_backward(an_dev *d, const an_conv_shape *s, an_conv_algo a, an_buf x, an_buf w,
                           an_buf dy, an_buf dx, an_buf dw, an_buf db, an_buf ws,
                           size_t ws_floats);

#endif

/* host/ops/conv_winograd.h - Winograd convolution F(m x m, r x r) (Lavin & Gray 2016), private to
 * host/ops: conv.c dispatches AN_CONV_WINOGRAD here after checking shapes and buffers, for the
 * shapes an_conv_winograd_applies accepts (an_conv_algo_resolve sends the rest to im2col; these
 * functions refuse them with AN_ERR_UNSUPPORTED). See conv_winograd.c for the method. */
#ifndef AN_OPS_CONV_WINOGRAD_H
#define AN_OPS_CONV_WINOGRAD_H

#include "ops/conv.h"

/* The output tile side an algorithm asks for: 0 (the default tile, an_conv_winograd_default_m)
 * for AN_CONV_WINOGRAD, 2 for AN_CONV_WINOGRAD2, -1 for an algorithm that is not Winograd's. */
int an_conv_winograd_tile(an_conv_algo a);

/* Stride 1 and a square r x r kernel with r = 3 or 5. */
int an_conv_winograd_applies(const an_conv_shape *s);

/* Whether F(m x m, r x r) is implemented: m = 2 or 4 for r = 3, m = 2 or 3 for r = 5. */
int an_conv_winograd_has(int m, int r);
/* The output tile side the library uses for shape s (3x3 or 5x5): F(4,3) or F(3,5), or F(2,r)
 * where that needs no more transform points per image (docs/CONV.md). */
int an_conv_winograd_default_m(const an_conv_shape *s);

/* The transform matrices of F(m, r) in double, row-major: bt (a x a), g (a x r), at (m x a) with
 * a = m + r - 1. AN_ERR_UNSUPPORTED for an F not implemented. */
an_status an_conv_winograd_matrices(int m, int r, double *bt, double *g, double *at);

/* Workspace floats for tile m (0: the default): the transformed filters plus as many images'
 * transforms as fit in about 256 MB (at least one image); 0 when the shape does not apply. */
size_t an_conv_winograd_workspace_floats(const an_conv_shape *s, int m);

/* m = 0: the default tile for the kernel size. */
an_status an_conv_winograd_forward(an_dev *d, const an_conv_shape *s, int m, an_buf x, an_buf w,
                                   an_buf b, an_buf y, an_buf ws, size_t ws_floats);
/* Inference with fixed weights: the forward's filter transform done once. filter_floats is
 * the size of u on d; transform_filters fills it from w; forward_transformed is the forward
 * reading u in place of w (its workspace as for the forward). Where an_gemm_packed_runs(d), u
 * holds the transforms packed for the GEMM (an_gemm_prepack), so that no forward packs them
 * again; the three calls must see the same GEMM backend (host/ops/tune.h's choice wrappers). */
size_t an_conv_winograd_filter_floats(const an_dev *d, const an_conv_shape *s, int m);
an_status an_conv_winograd_transform_filters(an_dev *d, const an_conv_shape *s, int m, an_buf w,
                                             an_buf u);
an_status an_conv_winograd_forward_transformed(an_dev *d, const an_conv_shape *s, int m, an_buf x,
                                               an_buf u, an_buf b, an_buf y, an_buf ws,
                                               size_t ws_floats);
an_status an_conv_winograd_backward_data(an_dev *d, const an_conv_shape *s, int m, an_buf w,
                                         an_buf dy, an_buf dx, an_buf ws, size_t ws_floats);
an_status an_conv_winograd_backward_weights(an_dev *d, const an_conv_shape *s, int m, an_buf x,
                                            an_buf dy, an_buf dw, an_buf ws, size_t ws_floats);

#endif

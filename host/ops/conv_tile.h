/* host/ops/conv_tile.h - the convolution's forward and weight gradient as register-tiled
 * products that read the input in place (cl/conv_tile.cl), for CPU devices: the im2col
 * algorithm's forward, stride-1 data gradient and wide kernels' weight gradient there. */
#ifndef AN_OPS_CONV_TILE_H
#define AN_OPS_CONV_TILE_H

#include "ops/conv.h"

/* Whether an_conv_tile_forward runs on d: where the GEMM takes its packed path (CPU devices,
 * see gemm.h); its tiles are sized for 16-float vectors or 8 (an_gemm_vector_width). */
int an_conv_tile_runs(const an_dev *d);

/* Floats of workspace an_conv_tile_forward asks for: the packed filters, then the padded input
 * of all images (or of as many as fit a cap; none when the padding is 0); and the least it
 * runs with: the filters and one padded image. */
size_t an_conv_tile_workspace_floats(const an_dev *d, const an_conv_shape *s);
size_t an_conv_tile_min_workspace_floats(const an_dev *d, const an_conv_shape *s);

/* y = conv(x, w) + b (b.mem NULL: no bias; added in the forward's stores) for the images of s;
 * ws of ws_floats (at least the filters' and one padded image's, see
 * an_conv_tile_workspace_floats) takes the packed filters and padded input.
 * AN_ERR_UNSUPPORTED where an_conv_tile_runs is 0. */
an_status an_conv_tile_forward(an_dev *d, const an_conv_shape *s, an_buf w, an_buf x, an_buf b,
                               an_buf y, an_buf ws, size_t ws_floats);

/* The same in two steps, for filters that change less often than the input (an inference
 * model's): wp (an_conv_tile_packed_floats) = w packed for the tiled forward, then y = conv(x,
 * w) + b from wp with a workspace of at least one padded image (none when the padding is 0). */
size_t an_conv_tile_packed_floats(const an_dev *d, const an_conv_shape *s);
an_status an_conv_tile_pack_filters(an_dev *d, const an_conv_shape *s, an_buf w, an_buf wp);
an_status an_conv_tile_forward_packed(an_dev *d, const an_conv_shape *s, an_buf wp, an_buf x,
                                      an_buf b, an_buf y, an_buf ws, size_t ws_floats);

/* The weight gradient the same way (cl/conv_tile.cl's conv_tile_dw): dw = dL/dw over the images
 * of s, overwritten, and where db.mem the bias gradient too (db = dL/db, from the same pass over
 * dy); where an_conv_tile_dw_runs (kernels 4 to 14 wide, 4 to 7 with 8-float vectors), with a workspace of at least
 * an_conv_tile_dw_min_workspace_floats (one image's padded input, its output gradient
 * transposed, a group's partial sums and the bias gradient's; more images per chunk with
 * more). */
int an_conv_tile_dw_runs(const an_dev *d, const an_conv_shape *s);
size_t an_conv_tile_dw_min_workspace_floats(const an_conv_shape *s);
an_status an_conv_tile_backward_weights(an_dev *d, const an_conv_shape *s, an_buf x, an_buf dy,
                                        an_buf dw, an_buf db, an_buf ws, size_t ws_floats);

#endif

/* host/ops/conv_fftgemm.h - FFT convolution with the library's own transforms and real GEMMs for
 * the per-frequency products (AN_CONV_FFTGEMM), private to host/ops: conv.c dispatches here for
 * the shapes an_conv_fftgemm_applies accepts (an_conv_algo_resolve sends the rest to im2col;
 * these functions refuse them with AN_ERR_UNSUPPORTED). See conv_fftgemm.c for the method. */
#ifndef AN_OPS_CONV_FFTGEMM_H
#define AN_OPS_CONV_FFTGEMM_H

#include "ops/conv.h"

/* The transform side for shape s: the smallest power of two from 8 that holds the padded input
 * (h + 2 pad, w + 2 pad); 0 when that is over 32 or the stride is not 1. */
int an_conv_fftgemm_len(const an_conv_shape *s);
/* Stride 1 and a padded input of at most 32 x 32. */
int an_conv_fftgemm_applies(const an_conv_shape *s);
/* Whether the tuner tries it on s: where it applies and its products take at most a quarter of
 * the multiply-adds of the definition (8 per frequency, against kh kw oh ow per plane): 5x5
 * kernels on AlexNet's 27 x 27 (an eighth) but not 3x3 on 13 x 13 (16 x 16 transforms, 0.38),
 * where Winograd has the same arithmetic with cheaper transforms. */
int an_conv_fftgemm_pays(const an_conv_shape *s);

/* Workspace floats: the filters' spectra (and where d's GEMM packs its operands, a packed copy)
 * plus as many images' spectra as fit in about 256 MB (at least one image), in chunks that stay
 * near a cache's size; 0 when the shape does not apply. */
size_t an_conv_fftgemm_workspace_floats(const an_dev *d, const an_conv_shape *s);

an_status an_conv_fftgemm_forward(an_dev *d, const an_conv_shape *s, an_buf x, an_buf w, an_buf b,
                                  an_buf y, an_buf ws, size_t ws_floats);
an_status an_conv_fftgemm_backward_data(an_dev *d, const an_conv_shape *s, an_buf w, an_buf dy,
                                        an_buf dx, an_buf ws, size_t ws_floats);
an_status an_conv_fftgemm_backward_weights(an_dev *d, const an_conv_shape *s, an_buf x, an_buf dy,
                                           an_buf dw, an_buf ws, size_t ws_floats);
/* dx, dw or both, whichever has a buffer, transforming each chunk of dy once for the two (the
 * two above are this with one of them). */
an_status an_conv_fftgemm_backward(an_dev *d, const an_conv_shape *s, an_buf x, an_buf w,
                                   an_buf dy, an_buf dx, an_buf dw, an_buf ws, size_t ws_floats);

#endif

/* host/ops/conv_fft.h - FFT convolution through clFFT, private to host/ops (conv.c dispatches
 * AN_CONV_FFT here after checking shapes and buffers, for stride 1; an_conv_algo_resolve sends
 * other strides to im2col, and these functions refuse them with AN_ERR_UNSUPPORTED). See
 * conv_fft.c for the method and the workspace layout. */
#ifndef AN_OPS_CONV_FFT_H
#define AN_OPS_CONV_FFT_H

#include "ops/conv.h"

/* The transform side for a padded extent n: the smallest even m >= n with no prime factor above
 * 5 (clFFT's real transforms take even lengths of factors 2, 3 and 5). */
int an_conv_fft_len(int n);

/* Workspace floats for the FFT algorithm: the filter spectra plus as many images' spectra as fit
 * in about 256 MB (at least one image); 0 for a stride other than 1. */
size_t an_conv_fft_workspace_floats(const an_dev *d, const an_conv_shape *s);

an_status an_conv_fft_forward(an_dev *d, const an_conv_shape *s, an_buf x, an_buf w, an_buf b,
                              an_buf y, an_buf ws, size_t ws_floats);
an_status an_conv_fft_backward_data(an_dev *d, const an_conv_shape *s, an_buf w, an_buf dy,
                                    an_buf dx, an_buf ws, size_t ws_floats);
an_status an_conv_fft_backward_weights(an_dev *d, const an_conv_shape *s, an_buf x, an_buf dy,
                                       an_buf dw, an_buf ws, size_t ws_floats);

#endif

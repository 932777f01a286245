/* host/ref/ref_pool.h - CPU reference of max, average and adaptive average pooling, in double.
 *
 * A window is kh x kw with strides sh, sw and zero padding ph, pw; the output size is
 * floor((in + 2 pad - k) / stride) + 1 (PyTorch's default, ceil_mode=False). Max pooling ignores
 * the padding; its argmax is the first maximum in row-major scan order of the window (a later
 * equal value does not replace it), and a NaN counts as larger than any number (the first NaN
 * wins), so that NaNs propagate. Average pooling divides by kh*kw, padding included (PyTorch's
 * count_include_pad=True). Adaptive average pooling to oh x ow averages the bin
 * [floor(i*H/oh), ceil((i+1)*H/oh)) x [floor(j*W/ow), ceil((j+1)*W/ow)) (PyTorch's
 * AdaptiveAvgPool2d). Tensors are NCHW; x and dx are [n][c][h][w], y and dy [n][c][oh][ow]. */
#ifndef AN_REF_REF_POOL_H
#define AN_REF_REF_POOL_H

/* floor((in + 2 pad - k) / stride) + 1, or 0 when the window does not fit. */
int an_ref_pool_out(int in, int k, int stride, int pad);

/* argmax[o] = the index ih*w + iw, within its own [h][w] plane, of the input that y[o] is. */
void an_ref_maxpool_forward(int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph,
                            int pw, const double *x, double *y, int *argmax);
/* dx (overwritten) receives each dy[o] at argmax[o]. */
void an_ref_maxpool_backward(int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph,
                             int pw, const int *argmax, const double *dy, double *dx);

void an_ref_avgpool_forward(int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph,
                            int pw, const double *x, double *y);
void an_ref_avgpool_backward(int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph,
                             int pw, const double *dy, double *dx);

void an_ref_adaptive_avgpool_forward(int n, int c, int h, int w, int oh, int ow, const double *x,
                                     double *y);
void an_ref_adaptive_avgpool_backward(int n, int c, int h, int w, int oh, int ow,
                                      const double *dy, double *dx);

#endif

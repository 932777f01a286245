/* host/ops/pool.h - max, average and adaptive average pooling, forward and backward.
 *
 * Shapes are given by the input, NCHW float32 n x c x h x w; the output is n x c x oh x ow with
 * oh = an_pool_out(h, kh, sh, ph) (floor mode, PyTorch's ceil_mode=False; AlexNet's 55 -> 27 ->
 * 13 -> 6 with 3x3 stride 2 is exact, so Caffe's ceil mode agrees there). Padding must satisfy
 * 2*pad <= kernel (PyTorch's rule: every window then holds a real input).
 *
 * Max pooling ignores padding. Its forward picks the first maximum in row-major scan order of the
 * window (a later equal value does not replace it; a NaN beats any number and the first NaN wins,
 * so NaNs propagate) and can store that input's index iy*w + ix within its plane as an int32 per
 * output (argmax, an an_buf whose 4-byte elements are ints). The backward routes each dy to its
 * argmax, as a gather over the inputs: race-free, no atomics, deterministic.
 * Average pooling divides by kh*kw, padding included (PyTorch's count_include_pad=True).
 * Adaptive average pooling to oh x ow averages the bin [floor(i*h/oh), ceil((i+1)*h/oh)) x
 * [floor(j*w/ow), ceil((j+1)*w/ow)) (PyTorch's AdaptiveAvgPool2d).
 * Outputs (y, dx) are overwritten and must not overlap inputs. Ops enqueue and do not wait. */
#ifndef AN_OPS_POOL_H
#define AN_OPS_POOL_H

#include "runtime/runtime.h"

typedef struct an_pool_params {
    int kh, kw; /* window */
    int sh, sw; /* stride */
    int ph, pw; /* padding on each side */
} an_pool_params;

/* floor((in + 2 pad - k) / stride) + 1, or 0 when the window does not fit. */
int an_pool_out(int in, int k, int stride, int pad);

/* argmax.mem may be NULL (inference): the indices are then not stored. */
an_status an_maxpool_forward(an_dev *d, const an_pool_params *p, int n, int c, int h, int w,
                             an_buf x, an_buf y, an_buf argmax);
/* Inference: y = maxpool(relu(x + bias)) = relu(maxpool(x) + bias), a convolution's bias [c]
 * (bias.mem NULL: none) and the ReLU after it fused into the pool (no argmax; the NaN rules
 * above, a NaN maximum stays NaN). */
an_status an_maxpool_relu_forward(an_dev *d, const an_pool_params *p, int n, int c, int h, int w,
                                  an_buf x, an_buf bias, an_buf y);
/* Training, x a ReLU's input or its output (the same results): y = maxpool(relu(x)), argmax -1
 * where a window's maximum is not above 0 (where the ReLU's gradient is 0), so that
 * an_maxpool_backward from these indices gives the gradient of the ReLU's input,
 * relu_backward(maxpool_backward(dy)), in one pass. Given the ReLU's input, the ReLU's own pass
 * is saved too: the ReLU's output is then never stored. */
an_status an_maxpool_forward_relu_grad(an_dev *d, const an_pool_params *p, int n, int c, int h,
                                       int w, an_buf x, an_buf y, an_buf argmax);
an_status an_maxpool_backward(an_dev *d, const an_pool_params *p, int n, int c, int h, int w,
                              an_buf argmax, an_buf dy, an_buf dx);

an_status an_avgpool_forward(an_dev *d, const an_pool_params *p, int n, int c, int h, int w,
                             an_buf x, an_buf y);
an_status an_avgpool_backward(an_dev *d, const an_pool_params *p, int n, int c, int h, int w,
                              an_buf dy, an_buf dx);

/* Output oh x ow, any sizes >= 1 (smaller or larger than the input). To the input's own size
 * it is the identity, which may run in place (y the very buffer and offset of x): then nothing
 * is launched. */
an_status an_adaptive_avgpool_forward(an_dev *d, int n, int c, int h, int w, int oh, int ow,
                                      an_buf x, an_buf y);
an_status an_adaptive_avgpool_backward(an_dev *d, int n, int c, int h, int w, int oh, int ow,
                                       an_buf dy, an_buf dx);

#endif

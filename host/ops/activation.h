/* host/ops/activation.h - ReLU, bias + optional ReLU (FC or NCHW), and bias gradients on a device.
 *
 * Tensors are float32 an_bufs; sizes are element counts. Outputs are overwritten; where noted an
 * output may be the very same buffer and offset as an input (in place), otherwise it must not
 * overlap it. Ops enqueue on the device's queue and do not wait. Every index, offsets included,
 * must stay below 2^32. */
#ifndef AN_OPS_ACTIVATION_H
#define AN_OPS_ACTIVATION_H

#include "runtime/runtime.h"

/* y = max(x, 0) over n elements (a NaN stays NaN). In place allowed. */
an_status an_relu_forward(an_dev *d, an_buf x, an_buf y, size_t n);

/* dx = dy where y > 0, else 0, from the forward's output y (n elements). dx may be dy. */
an_status an_relu_backward(an_dev *d, an_buf y, an_buf dy, an_buf dx, size_t n);

/* Fully connected output: x, y [n][f], bias [f]; y = x + bias per feature, then ReLU if relu.
 * In place allowed. */
an_status an_bias_relu_fc(an_dev *d, an_buf x, an_buf bias, an_buf y, size_t n, size_t f,
                          int relu);

/* NCHW: x, y [n][c][hw], bias [c]; y = x + bias per channel, then ReLU if relu.
 * In place allowed. */
an_status an_bias_relu_nchw(an_dev *d, an_buf x, an_buf bias, an_buf y, size_t n, size_t c,
                            size_t hw, int relu);

/* Fully connected: db[j] = sum over the n rows of dy[r][j]; dy [n][f], db [f]. */
an_status an_bias_grad_fc(an_dev *d, an_buf dy, an_buf db, size_t n, size_t f);

/* NCHW: db[j] = sum over n, h, w of dy[.][j][.]; dy [n][c][hw], db [c]. */
an_status an_bias_grad_nchw(an_dev *d, an_buf dy, an_buf db, size_t n, size_t c, size_t hw);

#endif

/* host/ops/lrn.h - local response normalisation across channels (§3.3 of the paper), forward
 * and backward.
 *
 *   scale[c] = k + a' * sum_{j = max(0, c - n/2)}^{min(C - 1, c + (n - 1)/2)} x[j]^2
 *   y[c]     = x[c] * scale[c]^-beta
 * with a' = alpha for the paper's convention and a' = alpha / n for Caffe's and PyTorch's
 * (torch.nn.LocalResponseNorm: same numbers, same result). For odd n (AlexNet: 5) the window is
 * the symmetric one of the paper; for even n it is PyTorch's.
 *
 * Neither op keeps nor reads a scale tensor: the backward recomputes each window sum from x
 * (the same float as the forward's), and takes each power once. k must be > 0 and alpha >= 0,
 * so that scale > 0. beta = 0.75 (the paper's) takes a faster kernel variant (rsqrt and sqrt).
 * Tensors are NCHW float32 of n*c*h*w elements; outputs are overwritten and must not overlap
 * inputs. Ops enqueue and do not wait. */
#ifndef AN_OPS_LRN_H
#define AN_OPS_LRN_H

#include "runtime/runtime.h"
#include "util/lrn_convention.h"

typedef struct an_lrn_params {
    int size;          /* n: channels in the window, >= 1 */
    float alpha, beta, k;
    an_lrn_convention convention;
} an_lrn_params;

/* The paper's layer: n = 5, alpha = 1e-4 (per the plain sum), beta = 0.75, k = 2. */
an_lrn_params an_lrn_paper(void);

/* a' above: the factor of the sum of squares. */
float an_lrn_alpha_per_term(const an_lrn_params *p);

/* y = LRN(x). */
an_status an_lrn_forward(an_dev *d, const an_lrn_params *p, int n, int c, int h, int w, an_buf x,
                         an_buf y);

/* dx = dL/dx from the forward's x and dy = dL/dy. */
an_status an_lrn_backward(an_dev *d, const an_lrn_params *p, int n, int c, int h, int w,
                          an_buf x, an_buf dy, an_buf dx);

#endif

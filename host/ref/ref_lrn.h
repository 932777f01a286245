/* host/ref/ref_lrn.h - CPU reference of local response normalisation across channels, in double.
 *
 * For every pixel of every image, with C channels and window size n:
 *   scale[c] = k + a' * sum_{j = max(0, c - n/2)}^{min(C - 1, c + (n - 1)/2)} x[j]^2
 *   y[c]     = x[c] * scale[c]^-beta
 * where a' = alpha (AN_LRN_PAPER) or alpha / n (AN_LRN_CAFFE: Caffe and PyTorch). For odd n the
 * window is symmetric (§3.3 of the paper); for even n it is PyTorch's (one more channel below
 * than above).
 * Tensors are NCHW, [n][c][h][w]. */
#ifndef AN_REF_REF_LRN_H
#define AN_REF_REF_LRN_H

#include "util/lrn_convention.h"

/* x, y, scale: [n][c][h][w]. */
void an_ref_lrn_forward(int size, double alpha, double beta, double k, an_lrn_convention conv,
                        int n, int c, int h, int w, const double *x, double *y, double *scale);

/* dx = dL/dx given dy = dL/dy, from the forward's input x and its scale. x, scale, dy, dx:
 * [n][c][h][w]; dx is overwritten. */
void an_ref_lrn_backward(int size, double alpha, double beta, an_lrn_convention conv, int n, int c,
                         int h, int w, const double *x, const double *scale,
                         const double *dy, double *dx);

#endif

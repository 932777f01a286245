/* host/ref/ref_activation.h - CPU reference (double) of ReLU, bias + ReLU, and the bias gradient.
 *
 * Bias ops see a tensor as [outer][c][inner] with one bias per c: a fully connected output N×F
 * is outer = N, c = F, inner = 1; an NCHW tensor is outer = N, c = C, inner = H*W. */
#ifndef AN_REF_ACTIVATION_H
#define AN_REF_ACTIVATION_H

#include <stddef.h>

/* y[i] = max(x[i], 0) for i < n (NaN stays NaN). x and y may be the same array. */
void an_ref_relu_forward(const double *x, double *y, size_t n);

/* dx[i] = dy[i] if y[i] > 0 else 0, from the forward's output y. dy and dx may be the same. */
void an_ref_relu_backward(const double *y, const double *dy, double *dx, size_t n);

/* y[o][j][i] = x[o][j][i] + b[j], then ReLU when relu != 0. x, y: [outer][c][inner]; b: [c]. */
void an_ref_bias_relu_forward(const double *x, const double *b, double *y, size_t outer, size_t c,
                              size_t inner, int relu);

/* db[j] = sum over o, i of dy[o][j][i]. dy: [outer][c][inner]; db: [c]. */
void an_ref_bias_grad(const double *dy, double *db, size_t outer, size_t c, size_t inner);

#endif

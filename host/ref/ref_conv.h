/* host/ref/ref_conv.h - CPU reference of the 2-D convolution (cross-correlation), double precision.
 *
 * Shapes (NCHW, PyTorch's layout):
 *   x  [n][c][h][w]                 input
 *   wt [k][c/groups][kh][kw]        weights (k output channels, k divisible by groups)
 *   b  [k]                          bias (may be NULL: no bias)
 *   y  [n][k][oh][ow]               output, oh = (h + 2*pad - kh) / stride + 1, likewise ow
 * y[n][o][i][j] = b[o] + sum_{ci,u,v} x[n][g*cg+ci][i*stride-pad+u][j*stride-pad+v]
 *                                     * wt[o][ci][u][v]
 * with g = o / (k/groups), cg = c/groups, and x taken as 0 outside the image (zero padding).
 * The backward functions take dy (shaped like y) and overwrite dx, dw and db. */
#ifndef AN_REF_REF_CONV_H
#define AN_REF_REF_CONV_H

#include <stddef.h>

typedef struct ref_conv_shape {
    int n, c, h, w;      /* input */
    int k, kh, kw;       /* output channels, kernel size */
    int stride, pad, groups;
} ref_conv_shape;

int ref_conv_oh(const ref_conv_shape *s);
int ref_conv_ow(const ref_conv_shape *s);

void ref_conv_forward(const ref_conv_shape *s, const double *x, const double *wt, const double *b,
                      double *y);
/* dx [n][c][h][w] = d(sum dy*y)/dx */
void ref_conv_backward_data(const ref_conv_shape *s, const double *dy, const double *wt,
                            double *dx);
/* dw [k][c/groups][kh][kw] and db [k] (db may be NULL) */
void ref_conv_backward_weights(const ref_conv_shape *s, const double *x, const double *dy,
                               double *dw, double *db);

#endif

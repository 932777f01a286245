/* host/ref/ref_lrn.c - CPU reference of LRN across channels (forward and backward), in double.
 *
 * The backward is written as a scatter over the forward's terms (each y[i] pushes its gradient
 * into the x[j] of its window), the transpose of the OpenCL kernel's gather, so that the two are
 * written independently. With s_i = scale[i] and y_i = x_i s_i^-beta:
 *   dL/dx_j = dy_j s_j^-beta - 2 a' beta x_j sum_{i : j in window(i)} dy_i x_i s_i^(-beta-1). */
#include "ref/ref_lrn.h"

#include <math.h>
#include <stddef.h>

static double per_term(int size, double alpha, an_lrn_convention conv) {
    return conv == AN_LRN_CAFFE ? alpha / size : alpha;
}

void an_ref_lrn_forward(int size, double alpha, double beta, double k, an_lrn_convention conv,
                        int n, int c, int h, int w, const double *x, double *y, double *scale) {
    double a = per_term(size, alpha, conv);
    size_t hw = (size_t)h * w;
    for (int b = 0; b < n; b++) {
        const double *xb = x + (size_t)b * c * hw;
        for (int ch = 0; ch < c; ch++) {
            int lo = ch - size / 2 < 0 ? 0 : ch - size / 2;
            int hi = ch + (size - 1) / 2 > c - 1 ? c - 1 : ch + (size - 1) / 2;
            for (size_t p = 0; p < hw; p++) {
                double sum = 0;
                for (int j = lo; j <= hi; j++) {
                    double v = xb[(size_t)j * hw + p];
                    sum += v * v;
                }
                size_t i = ((size_t)b * c + ch) * hw + p;
                scale[i] = k + a * sum;
                y[i] = x[i] * pow(scale[i], -beta);
            }
        }
    }
}

void an_ref_lrn_backward(int size, double alpha, double beta, an_lrn_convention conv, int n, int c,
                         int h, int w, const double *x, const double *scale,
                         const double *dy, double *dx) {
    double a = per_term(size, alpha, conv);
    size_t hw = (size_t)h * w, total = (size_t)n * c * hw;
    for (size_t i = 0; i < total; i++) dx[i] = dy[i] * pow(scale[i], -beta);
    for (int b = 0; b < n; b++) {
        size_t base = (size_t)b * c * hw;
        for (int ch = 0; ch < c; ch++) {
            int lo = ch - size / 2 < 0 ? 0 : ch - size / 2;
            int hi = ch + (size - 1) / 2 > c - 1 ? c - 1 : ch + (size - 1) / 2;
            for (size_t p = 0; p < hw; p++) {
                size_t i = base + (size_t)ch * hw + p;
                double g = -2.0 * a * beta * dy[i] * x[i] * pow(scale[i], -beta - 1.0);
                for (int j = lo; j <= hi; j++) {
                    size_t jj = base + (size_t)j * hw + p;
                    dx[jj] += g * x[jj];
                }
            }
        }
    }
}

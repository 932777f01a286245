/* host/ref/ref_activation.c - CPU reference (double) of ReLU, bias + ReLU, bias gradient. */
#include "ref/ref_activation.h"

void an_ref_relu_forward(const double *x, double *y, size_t n) {
    for (size_t i = 0; i < n; i++) y[i] = x[i] < 0 ? 0.0 : x[i];
}

void an_ref_relu_backward(const double *y, const double *dy, double *dx, size_t n) {
    for (size_t i = 0; i < n; i++) dx[i] = y[i] > 0 ? dy[i] : 0.0;
}

void an_ref_bias_relu_forward(const double *x, const double *b, double *y, size_t outer, size_t c,
                              size_t inner, int relu) {
    for (size_t o = 0; o < outer; o++)
        for (size_t j = 0; j < c; j++)
            for (size_t i = 0; i < inner; i++) {
                size_t at = (o * c + j) * inner + i;
                double v = x[at] + b[j];
                y[at] = relu && v < 0 ? 0.0 : v;
            }
}

void an_ref_bias_grad(const double *dy, double *db, size_t outer, size_t c, size_t inner) {
    for (size_t j = 0; j < c; j++) {
        double s = 0;
        for (size_t o = 0; o < outer; o++)
            for (size_t i = 0; i < inner; i++) s += dy[(o * c + j) * inner + i];
        db[j] = s;
    }
}

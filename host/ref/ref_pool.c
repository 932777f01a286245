/* host/ref/ref_pool.c - CPU reference of max, average and adaptive average pooling, in double.
 *
 * Backwards are scatters over the outputs (each dy[o] is spread over its window), the transpose
 * of the OpenCL kernels' gathers over the inputs, so that the two are written independently. */
#include "ref/ref_pool.h"

#include <math.h>
#include <stddef.h>

int an_ref_pool_out(int in, int k, int stride, int pad) {
    int span = in + 2 * pad - k;
    return span < 0 ? 0 : span / stride + 1;
}

void an_ref_maxpool_forward(int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph,
                            int pw, const double *x, double *y, int *argmax) {
    int oh = an_ref_pool_out(h, kh, sh, ph), ow = an_ref_pool_out(w, kw, sw, pw);
    for (size_t plane = 0; plane < (size_t)n * c; plane++) {
        const double *xp = x + plane * h * w;
        for (int oy = 0; oy < oh; oy++) {
            for (int ox = 0; ox < ow; ox++) {
                int best = -1;
                for (int iy = oy * sh - ph; iy < oy * sh - ph + kh; iy++) {
                    for (int ix = ox * sw - pw; ix < ox * sw - pw + kw; ix++) {
                        if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                        int i = iy * w + ix;
                        if (best < 0 || (!isnan(xp[best]) && (xp[i] > xp[best] || isnan(xp[i]))))
                            best = i;
                    }
                }
                size_t o = (plane * oh + oy) * ow + ox;
                y[o] = xp[best];
                argmax[o] = best;
            }
        }
    }
}

void an_ref_maxpool_backward(int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph,
                             int pw, const int *argmax, const double *dy, double *dx) {
    int oh = an_ref_pool_out(h, kh, sh, ph), ow = an_ref_pool_out(w, kw, sw, pw);
    for (size_t i = 0; i < (size_t)n * c * h * w; i++) dx[i] = 0;
    for (size_t plane = 0; plane < (size_t)n * c; plane++)
        for (size_t o = 0; o < (size_t)oh * ow; o++)
            dx[plane * h * w + argmax[plane * oh * ow + o]] += dy[plane * oh * ow + o];
}

void an_ref_avgpool_forward(int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph,
                            int pw, const double *x, double *y) {
    int oh = an_ref_pool_out(h, kh, sh, ph), ow = an_ref_pool_out(w, kw, sw, pw);
    for (size_t plane = 0; plane < (size_t)n * c; plane++) {
        const double *xp = x + plane * h * w;
        for (int oy = 0; oy < oh; oy++) {
            for (int ox = 0; ox < ow; ox++) {
                double sum = 0;
                for (int iy = oy * sh - ph; iy < oy * sh - ph + kh; iy++)
                    for (int ix = ox * sw - pw; ix < ox * sw - pw + kw; ix++)
                        if (iy >= 0 && iy < h && ix >= 0 && ix < w) sum += xp[iy * w + ix];
                y[(plane * oh + oy) * ow + ox] = sum / (kh * kw);
            }
        }
    }
}

void an_ref_avgpool_backward(int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph,
                             int pw, const double *dy, double *dx) {
    int oh = an_ref_pool_out(h, kh, sh, ph), ow = an_ref_pool_out(w, kw, sw, pw);
    for (size_t i = 0; i < (size_t)n * c * h * w; i++) dx[i] = 0;
    for (size_t plane = 0; plane < (size_t)n * c; plane++) {
        double *dxp = dx + plane * h * w;
        for (int oy = 0; oy < oh; oy++) {
            for (int ox = 0; ox < ow; ox++) {
                double g = dy[(plane * oh + oy) * ow + ox] / (kh * kw);
                for (int iy = oy * sh - ph; iy < oy * sh - ph + kh; iy++)
                    for (int ix = ox * sw - pw; ix < ox * sw - pw + kw; ix++)
                        if (iy >= 0 && iy < h && ix >= 0 && ix < w) dxp[iy * w + ix] += g;
            }
        }
    }
}

/* Bin i of n over an extent of len: [floor(i*len/n), ceil((i+1)*len/n)). */
static int bin_start(int i, int len, int n) { return (int)((long)i * len / n); }
static int bin_end(int i, int len, int n) { return (int)(((long)(i + 1) * len + n - 1) / n); }

void an_ref_adaptive_avgpool_forward(int n, int c, int h, int w, int oh, int ow, const double *x,
                                     double *y) {
    for (size_t plane = 0; plane < (size_t)n * c; plane++) {
        const double *xp = x + plane * h * w;
        for (int oy = 0; oy < oh; oy++) {
            int y0 = bin_start(oy, h, oh), y1 = bin_end(oy, h, oh);
            for (int ox = 0; ox < ow; ox++) {
                int x0 = bin_start(ox, w, ow), x1 = bin_end(ox, w, ow);
                double sum = 0;
                for (int iy = y0; iy < y1; iy++)
                    for (int ix = x0; ix < x1; ix++) sum += xp[iy * w + ix];
                y[(plane * oh + oy) * ow + ox] = sum / ((y1 - y0) * (x1 - x0));
            }
        }
    }
}

void an_ref_adaptive_avgpool_backward(int n, int c, int h, int w, int oh, int ow,
                                      const double *dy, double *dx) {
    for (size_t i = 0; i < (size_t)n * c * h * w; i++) dx[i] = 0;
    for (size_t plane = 0; plane < (size_t)n * c; plane++) {
        double *dxp = dx + plane * h * w;
        for (int oy = 0; oy < oh; oy++) {
            int y0 = bin_start(oy, h, oh), y1 = bin_end(oy, h, oh);
            for (int ox = 0; ox < ow; ox++) {
                int x0 = bin_start(ox, w, ow), x1 = bin_end(ox, w, ow);
                double g = dy[(plane * oh + oy) * ow + ox] / ((y1 - y0) * (x1 - x0));
                for (int iy = y0; iy < y1; iy++)
                    for (int ix = x0; ix < x1; ix++) dxp[iy * w + ix] += g;
            }
        }
    }
}

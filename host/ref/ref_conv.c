/* host/ref/ref_conv.c - direct loops of the reference convolution: forward, data and weight
 * gradients side by side, all walking the same (output pixel, tap) pairs. */
#include "ref/ref_conv.h"

#include <string.h>

int ref_conv_oh(const ref_conv_shape *s) { return (s->h + 2 * s->pad - s->kh) / s->stride + 1; }
int ref_conv_ow(const ref_conv_shape *s) { return (s->w + 2 * s->pad - s->kw) / s->stride + 1; }

/* Index helpers: x, w, y offsets. */
static size_t xi(const ref_conv_shape *s, int n, int c, int y, int x) {
    return (((size_t)n * s->c + c) * s->h + y) * s->w + x;
}
static size_t wi(const ref_conv_shape *s, int o, int ci, int u, int v) {
    return (((size_t)o * (s->c / s->groups) + ci) * s->kh + u) * s->kw + v;
}
static size_t yi(const ref_conv_shape *s, int n, int o, int i, int j) {
    return (((size_t)n * s->k + o) * ref_conv_oh(s) + i) * ref_conv_ow(s) + j;
}

void ref_conv_forward(const ref_conv_shape *s, const double *x, const double *wt, const double *b,
                      double *y) {
    int oh = ref_conv_oh(s), ow = ref_conv_ow(s), cg = s->c / s->groups, kg = s->k / s->groups;
    for (int n = 0; n < s->n; n++)
        for (int o = 0; o < s->k; o++)
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++) {
                    double acc = b ? b[o] : 0.0;
                    int g = o / kg;
                    for (int ci = 0; ci < cg; ci++)
                        for (int u = 0; u < s->kh; u++) {
                            int yy = i * s->stride - s->pad + u;
                            if (yy < 0 || yy >= s->h) continue;
                            for (int v = 0; v < s->kw; v++) {
                                int xx = j * s->stride - s->pad + v;
                                if (xx < 0 || xx >= s->w) continue;
                                acc += x[xi(s, n, g * cg + ci, yy, xx)] * wt[wi(s, o, ci, u, v)];
                            }
                        }
                    y[yi(s, n, o, i, j)] = acc;
                }
}

void ref_conv_backward_data(const ref_conv_shape *s, const double *dy, const double *wt,
                            double *dx) {
    int oh = ref_conv_oh(s), ow = ref_conv_ow(s), cg = s->c / s->groups, kg = s->k / s->groups;
    memset(dx, 0, sizeof(double) * (size_t)s->n * s->c * s->h * s->w);
    for (int n = 0; n < s->n; n++)
        for (int o = 0; o < s->k; o++)
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++) {
                    double d = dy[yi(s, n, o, i, j)];
                    int g = o / kg;
                    for (int ci = 0; ci < cg; ci++)
                        for (int u = 0; u < s->kh; u++) {
                            int yy = i * s->stride - s->pad + u;
                            if (yy < 0 || yy >= s->h) continue;
                            for (int v = 0; v < s->kw; v++) {
                                int xx = j * s->stride - s->pad + v;
                                if (xx < 0 || xx >= s->w) continue;
                                dx[xi(s, n, g * cg + ci, yy, xx)] += d * wt[wi(s, o, ci, u, v)];
                            }
                        }
                }
}

void ref_conv_backward_weights(const ref_conv_shape *s, const double *x, const double *dy,
                               double *dw, double *db) {
    int oh = ref_conv_oh(s), ow = ref_conv_ow(s), cg = s->c / s->groups, kg = s->k / s->groups;
    memset(dw, 0, sizeof(double) * (size_t)s->k * cg * s->kh * s->kw);
    if (db) memset(db, 0, sizeof(double) * (size_t)s->k);
    for (int n = 0; n < s->n; n++)
        for (int o = 0; o < s->k; o++)
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++) {
                    double d = dy[yi(s, n, o, i, j)];
                    int g = o / kg;
                    if (db) db[o] += d;
                    for (int ci = 0; ci < cg; ci++)
                        for (int u = 0; u < s->kh; u++) {
                            int yy = i * s->stride - s->pad + u;
                            if (yy < 0 || yy >= s->h) continue;
                            for (int v = 0; v < s->kw; v++) {
                                int xx = j * s->stride - s->pad + v;
                                if (xx < 0 || xx >= s->w) continue;
                                dw[wi(s, o, ci, u, v)] += d * x[xi(s, n, g * cg + ci, yy, xx)];
                            }
                        }
                }
}

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

/* The walk the three directions share: every output element (n, o, i, j), in that order, and
 * every tap (ci, u, v) of it inside the input, with one multiply-add per pair into out:
 * y += x w (REF_FWD; out holds y), dx += dy w (REF_DATA), dw += dy x (REF_WEIGHTS; also
 * db += dy per output element when db). a is x for REF_FWD and REF_WEIGHTS, else dy. */
typedef enum { REF_FWD, REF_DATA, REF_WEIGHTS } ref_dir;

static void walk(const ref_conv_shape *s, ref_dir dir, const double *a, const double *wt,
                 const double *dy, double *out, double *db) {
    int oh = ref_conv_oh(s), ow = ref_conv_ow(s), cg = s->c / s->groups, kg = s->k / s->groups;
    for (int n = 0; n < s->n; n++)
        for (int o = 0; o < s->k; o++)
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++) {
                    size_t yo = yi(s, n, o, i, j);
                    double d = dir == REF_FWD ? 0.0 : dy[yo];
                    int g = o / kg;
                    if (db) db[o] += d;
                    for (int ci = 0; ci < cg; ci++)
                        for (int u = 0; u < s->kh; u++) {
                            int yy = i * s->stride - s->pad + u;
                            if (yy < 0 || yy >= s->h) continue;
                            for (int v = 0; v < s->kw; v++) {
                                int xx = j * s->stride - s->pad + v;
                                if (xx < 0 || xx >= s->w) continue;
                                size_t xo = xi(s, n, g * cg + ci, yy, xx), wo = wi(s, o, ci, u, v);
                                if (dir == REF_FWD)
                                    out[yo] += a[xo] * wt[wo];
                                else if (dir == REF_DATA)
                                    out[xo] += d * wt[wo];
                                else
                                    out[wo] += d * a[xo];
                            }
                        }
                }
}

void ref_conv_forward(const ref_conv_shape *s, const double *x, const double *wt, const double *b,
                      double *y) {
    size_t hw = (size_t)ref_conv_oh(s) * ref_conv_ow(s);
    for (size_t p = 0; p < (size_t)s->n * s->k * hw; p++) y[p] = b ? b[p / hw % s->k] : 0.0;
    walk(s, REF_FWD, x, wt, NULL, y, NULL);
}

void ref_conv_backward_data(const ref_conv_shape *s, const double *dy, const double *wt,
                            double *dx) {
    memset(dx, 0, sizeof(double) * (size_t)s->n * s->c * s->h * s->w);
    walk(s, REF_DATA, NULL, wt, dy, dx, NULL);
}

void ref_conv_backward_weights(const ref_conv_shape *s, const double *x, const double *dy,
                               double *dw, double *db) {
    memset(dw, 0, sizeof(double) * (size_t)s->k * (s->c / s->groups) * s->kh * s->kw);
    if (db) memset(db, 0, sizeof(double) * (size_t)s->k);
    walk(s, REF_WEIGHTS, x, NULL, dy, dw, db);
}

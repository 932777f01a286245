/* host/ops/tune_accuracy.c - sampled exact outputs of a convolution direction for the tuner's
 * accuracy test (tune_accuracy.h). Each sample is one output element summed in double straight
 * from the definition of the convolution:
 *   forward  y[n,k,oy,ox]  = b[k] + sum_{ci,ky,kx} x[n, g*cg+ci, oy*st-p+ky, ox*st-p+kx] w[k,ci,ky,kx]
 *   dx       dx[n,c,iy,ix] = sum_{kk in c's group, ky,kx: (iy+p-ky)/st = oy whole} dy[n,kk,oy,ox]
 *                                                                          w[kk,c-g*cg,ky,kx]
 *   dw       dw[k,ci,ky,kx] = sum_{n,oy,ox} dy[n,k,oy,ox] x[n, g*cg+ci, oy*st-p+ky, ox*st-p+kx]
 * with cg = c/groups input and kg = k/groups output channels per group. */
#include "ops/tune_accuracy.h"

#include <math.h>
#include <stdlib.h>

#define PROBE_SAMPLES 512

typedef struct geo {
    int n, c, h, w, k, kh, kw, st, p, cg, kg, oh, ow;
} geo;

static geo geo_of(const an_conv_shape *s) {
    geo g = {s->n, s->c, s->h, s->w, s->k, s->kh, s->kw, s->stride, s->pad, s->c / s->groups,
             s->k / s->groups, an_conv_oh(s), an_conv_ow(s)};
    return g;
}

static void add(double t, double *sum, double *mag) {
    *sum += t;
    *mag += fabs(t);
}

static void forward_at(const geo *g, size_t i, const float *x, const float *w, const float *b,
                       double *sum, double *mag) {
    int ox = (int)(i % (size_t)g->ow), oy = (int)(i / (size_t)g->ow % (size_t)g->oh);
    int k = (int)(i / ((size_t)g->ow * g->oh) % (size_t)g->k);
    int n = (int)(i / ((size_t)g->ow * g->oh * g->k));
    int c0 = k / g->kg * g->cg;
    add(b[k], sum, mag);
    for (int ci = 0; ci < g->cg; ci++)
        for (int ky = 0; ky < g->kh; ky++) {
            int iy = oy * g->st - g->p + ky;
            if (iy < 0 || iy >= g->h) continue;
            for (int kx = 0; kx < g->kw; kx++) {
                int ix = ox * g->st - g->p + kx;
                if (ix < 0 || ix >= g->w) continue;
                add((double)x[(((size_t)n * g->c + c0 + ci) * g->h + iy) * g->w + ix] *
                        w[(((size_t)k * g->cg + ci) * g->kh + ky) * g->kw + kx], sum, mag);
            }
        }
}

static void dx_at(const geo *g, size_t i, const float *w, const float *dy, double *sum,
                  double *mag) {
    int ix = (int)(i % (size_t)g->w), iy = (int)(i / (size_t)g->w % (size_t)g->h);
    int c = (int)(i / ((size_t)g->w * g->h) % (size_t)g->c);
    int n = (int)(i / ((size_t)g->w * g->h * g->c));
    int grp = c / g->cg, ci = c % g->cg;
    for (int kk = grp * g->kg; kk < (grp + 1) * g->kg; kk++)
        for (int ky = 0; ky < g->kh; ky++) {
            int ty = iy + g->p - ky;
            if (ty < 0 || ty % g->st || ty / g->st >= g->oh) continue;
            for (int kx = 0; kx < g->kw; kx++) {
                int tx = ix + g->p - kx;
                if (tx < 0 || tx % g->st || tx / g->st >= g->ow) continue;
                add((double)dy[(((size_t)n * g->k + kk) * g->oh + ty / g->st) * g->ow +
                               tx / g->st] *
                        w[(((size_t)kk * g->cg + ci) * g->kh + ky) * g->kw + kx], sum, mag);
            }
        }
}

static void dw_at(const geo *g, size_t i, const float *x, const float *dy, double *sum,
                  double *mag) {
    int kx = (int)(i % (size_t)g->kw), ky = (int)(i / (size_t)g->kw % (size_t)g->kh);
    int ci = (int)(i / ((size_t)g->kw * g->kh) % (size_t)g->cg);
    int k = (int)(i / ((size_t)g->kw * g->kh * g->cg));
    int c = k / g->kg * g->cg + ci;
    for (int n = 0; n < g->n; n++)
        for (int oy = 0; oy < g->oh; oy++) {
            int iy = oy * g->st - g->p + ky;
            if (iy < 0 || iy >= g->h) continue;
            const float *xr = x + (((size_t)n * g->c + c) * g->h + iy) * g->w;
            const float *dr = dy + (((size_t)n * g->k + k) * g->oh + oy) * g->ow;
            for (int ox = 0; ox < g->ow; ox++) {
                int ix = ox * g->st - g->p + kx;
                if (ix >= 0 && ix < g->w) add((double)dr[ox] * xr[ix], sum, mag);
            }
        }
}

an_status an_tune_probe_make(const an_conv_shape *s, an_tune_dir dir, const float *x,
                             const float *w, const float *b, const float *dy, an_tune_probe *p) {
    geo g = geo_of(s);
    size_t count = an_tune_is_forward(dir) ? (size_t)g.n * g.k * g.oh * g.ow
                   : dir == AN_TUNE_BACKWARD_DATA ? (size_t)g.n * g.c * g.h * g.w
                                                  : (size_t)g.k * g.cg * g.kh * g.kw;
    p->n = count < PROBE_SAMPLES ? (int)count : PROBE_SAMPLES;
    p->terms = an_tune_is_forward(dir) ? (size_t)g.cg * g.kh * g.kw + 1
               : dir == AN_TUNE_BACKWARD_DATA ? (size_t)g.kg * g.kh * g.kw
                                              : (size_t)g.n * g.oh * g.ow;
    p->idx = malloc((size_t)p->n * sizeof *p->idx);
    p->exact = malloc((size_t)p->n * sizeof *p->exact);
    p->scale = malloc((size_t)p->n * sizeof *p->scale);
    if (!p->idx || !p->exact || !p->scale) {
        an_tune_probe_free(p);
        return an_error(AN_ERR_NOMEM, "out of host memory for the tuner's accuracy test");
    }
    uint64_t r = 0x9e3779b97f4a7c15ull;
    for (int j = 0; j < p->n; j++) {
        r ^= r << 13;
        r ^= r >> 7;
        r ^= r << 17;
        /* every output when they are few, else spread at random over the tensor */
        size_t i = count <= PROBE_SAMPLES ? (size_t)j : (size_t)(r % count);
        double sum = 0, mag = 0;
        if (an_tune_is_forward(dir)) forward_at(&g, i, x, w, b, &sum, &mag);
        else if (dir == AN_TUNE_BACKWARD_DATA) dx_at(&g, i, w, dy, &sum, &mag);
        else dw_at(&g, i, x, dy, &sum, &mag);
        p->idx[j] = i;
        p->exact[j] = sum;
        p->scale[j] = mag > 0 ? mag : 1.0; /* no terms (a padded-out dx pixel): exact 0 */
    }
    return AN_OK;
}

void an_tune_probe_free(an_tune_probe *p) {
    free(p->idx);
    free(p->exact);
    free(p->scale);
    p->idx = NULL;
    p->exact = p->scale = NULL;
    p->n = 0;
}

double an_tune_probe_error(const an_tune_probe *p, const float *got, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (!isfinite(got[i])) return INFINITY;
    double sq = 0;
    for (int j = 0; j < p->n; j++) {
        double e = ((double)got[p->idx[j]] - p->exact[j]) / p->scale[j];
        sq += e * e;
    }
    return p->n ? sqrt(sq / p->n) : 0;
}

double an_tune_probe_bound(const an_tune_probe *p) { return (double)p->terms * 0x1p-24; }

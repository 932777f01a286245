/* test/convcase.h - one convolution test case, shared by test_conv.c and test_conv_fft.c: random
 * x, w, b and dy (in [-1, 1]), the double reference's y, dx, dw and db rounded to float, the
 * number of products each output sums (for the tolerances), and x, w, b, dy on the device. */
#ifndef AN_TEST_CONVCASE_H
#define AN_TEST_CONVCASE_H

#include <math.h>

#include "devtest.h"
#include "ops/conv.h"
#include "ref/ref_conv.h"

typedef struct conv_case {
    an_conv_shape s;
    int oh, ow;
    size_t nx, ny, nw, nb;
    float *x, *w, *b, *dy;          /* inputs */
    float *y, *dx, *dw, *db;        /* the reference's answers (y with bias when asked) */
    size_t fwd_terms, dx_terms, dw_terms;
    an_buf bx, bw, bb, bdy;         /* the inputs on the device */
} conv_case;

static inline void conv_case_make(conv_case *c, an_dev *d, an_conv_shape s, int bias,
                                  uint64_t seed) {
    ref_conv_shape r = {s.n, s.c, s.h, s.w, s.k, s.kh, s.kw, s.stride, s.pad, s.groups};
    c->s = s;
    c->oh = an_conv_oh(&s);
    c->ow = an_conv_ow(&s);
    c->nx = (size_t)s.n * s.c * s.h * s.w;
    c->ny = (size_t)s.n * s.k * c->oh * c->ow;
    c->nw = (size_t)s.k * (s.c / s.groups) * s.kh * s.kw;
    c->nb = (size_t)s.k;
    c->x = dt_rand_floats(c->nx, seed);
    c->w = dt_rand_floats(c->nw, seed + 1);
    c->b = dt_rand_floats(c->nb, seed + 2);
    c->dy = dt_rand_floats(c->ny, seed + 3);
    double *xd = dt_to_double(c->x, c->nx), *wd = dt_to_double(c->w, c->nw);
    double *bd = dt_to_double(c->b, c->nb), *dyd = dt_to_double(c->dy, c->ny);
    double *yd = malloc(c->ny * sizeof *yd), *dxd = malloc(c->nx * sizeof *dxd);
    double *dwd = malloc(c->nw * sizeof *dwd), *dbd = malloc(c->nb * sizeof *dbd);
    ref_conv_forward(&r, xd, wd, bias ? bd : NULL, yd);
    ref_conv_backward_data(&r, dyd, wd, dxd);
    ref_conv_backward_weights(&r, xd, dyd, dwd, dbd);
    c->y = dt_to_float(yd, c->ny);
    c->dx = dt_to_float(dxd, c->nx);
    c->dw = dt_to_float(dwd, c->nw);
    c->db = dt_to_float(dbd, c->nb);
    void *tmp[] = {xd, wd, bd, dyd, yd, dxd, dwd, dbd};
    for (size_t i = 0; i < sizeof tmp / sizeof *tmp; i++) free(tmp[i]);
    c->fwd_terms = (size_t)(s.c / s.groups) * s.kh * s.kw;
    c->dx_terms = (size_t)(s.k / s.groups) * s.kh * s.kw;
    c->dw_terms = (size_t)s.n * c->oh * c->ow;
    c->bx = dt_upload(d, c->x, c->nx);
    c->bw = dt_upload(d, c->w, c->nw);
    c->bb = dt_upload(d, c->b, c->nb);
    c->bdy = dt_upload(d, c->dy, c->ny);
}

/* Read n floats of b from d and check them against want to atol (rtol 1e-5), printing the largest
 * error under the name what. */
static inline void conv_case_check(an_dev *d, const char *what, an_buf b, const float *want,
                                   size_t n, float atol) {
    float *got = malloc(n * sizeof *got);
    CHECK_OK(an_read(d, b, got, n));
    double worst = 0;
    for (size_t i = 0; i < n; i++) {
        double e = fabs((double)got[i] - want[i]);
        if (!(e <= worst)) worst = e;
    }
    printf("%-54s max |err| %.3g (atol %.3g)\n", what, worst, (double)atol);
    check_close(what, got, want, n, atol, 1e-5f);
    free(got);
}

/* The functions of an algorithm that computes stride 1 only (the FFT ones), with conv.h's
 * argument orders. */
typedef struct conv_stride1_fns {
    an_status (*fwd)(an_dev *, const an_conv_shape *, an_buf, an_buf, an_buf, an_buf, an_buf,
                     size_t);
    an_status (*dx)(an_dev *, const an_conv_shape *, an_buf, an_buf, an_buf, an_buf, size_t);
    an_status (*dw)(an_dev *, const an_conv_shape *, an_buf, an_buf, an_buf, an_buf, size_t);
} conv_stride1_fns;

/* On a 3x3 shape with stride 2 each of f refuses with AN_ERR_UNSUPPORTED (the forward naming the
 * stride); with stride 1 algorithm a is kept, and its forward with a workspace of 100 floats is
 * refused with AN_ERR_INVALID_ARG (naming the workspace where ws_named). The buffers are as large
 * as stride 1 needs, so that only the workspace is short. */
static inline void conv_case_check_stride1_only(an_dev *d, an_conv_algo a, conv_stride1_fns f,
                                                int ws_named) {
    const char *name = an_conv_algo_name(a);
    an_conv_shape s = {1, 4, 11, 11, 4, 3, 3, 2, 1, 1};
    size_t nx = 4 * 11 * 11, ny = 4 * 11 * 11, nw = 4 * 4 * 9;
    float *h = dt_rand_floats(nx, 99);
    an_buf x = dt_upload(d, h, nx), w = dt_upload(d, h, nw), y = dt_upload(d, NULL, ny);
    an_buf ws = dt_upload(d, NULL, 1 << 16), none = {NULL, 0};
    an_status st = f.fwd(d, &s, x, w, none, y, ws, 1 << 16);
    CHECK(st == AN_ERR_UNSUPPORTED && strstr(an_last_error(), "stride"),
          "stride 2 %s forward: %s (%s)", name, an_status_name(st), an_last_error());
    st = f.dx(d, &s, w, y, x, ws, 1 << 16);
    CHECK(st == AN_ERR_UNSUPPORTED, "stride 2 %s dx: %s", name, an_status_name(st));
    st = f.dw(d, &s, x, y, w, ws, 1 << 16);
    CHECK(st == AN_ERR_UNSUPPORTED, "stride 2 %s dw: %s", name, an_status_name(st));
    s.stride = 1;
    CHECK(an_conv_algo_resolve(d, &s, a) == a, "%s not kept", name);
    st = an_conv_forward(d, &s, a, x, w, none, y, ws, 100);
    CHECK(st == AN_ERR_INVALID_ARG && (!ws_named || strstr(an_last_error(), "workspace")),
          "a workspace of 100 floats: %s (%s)", an_status_name(st), an_last_error());
    free(h);
    DT_FREE(&x.mem, &w.mem, &y.mem, &ws.mem);
}

static inline void conv_case_free(conv_case *c) {
    an_buf *bufs[] = {&c->bx, &c->bw, &c->bb, &c->bdy};
    for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++) an_free(&bufs[i]->mem);
    void *all[] = {c->x, c->w, c->b, c->dy, c->y, c->dx, c->dw, c->db};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) free(all[i]);
}

#endif

/* host/ops/pool.c - launchers of cl/pool.cl: check shapes and windows, set the geometry
 * arguments the kernels share and enqueue. Max pooling: a work-item per row, the window and the
 * shape as -D constants, so that each pool shape gets its own build with the loops unrolled and
 * no index divided by a variable (on PoCL the window as constants made alexnet-small's pool1
 * 3-7x faster, and by rows pool5 of alexnet-fmnist took less than a work-item per output did:
 * `alexnet bench --net NET --train --kernels`). Average pooling: one
 * work-item per output (forward) or per input (backward) over a 2-D range (position in the
 * plane, plane). */
#include "ops/pool.h"
#include "ops/concat.h"
#include "ops/opargs.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#define POOL_LWS 64

int an_pool_out(int in, int k, int stride, int pad) {
    if (in < 1 || k < 1 || stride < 1 || pad < 0) return 0;
    long span = (long)in + 2L * pad - k;
    return span < 0 ? 0 : (int)(span / stride + 1);
}

/* A tensor argument: its name for messages, the buffer, and whether it has the output's shape
 * (else the input's). */
typedef struct tensor_arg {
    const char *name;
    an_buf b;
    int out;
} tensor_arg;

/* Check a windowed pool's shape and window; *oh, *ow receive the output size. */
static an_status check_window(const char *op, const an_pool_params *p, int n, int c, int h, int w,
                              int *oh, int *ow) {
    if (!p) return an_error(AN_ERR_INVALID_ARG, "%s: no window", op);
    if (n < 1 || c < 1 || h < 1 || w < 1)
        return an_error(AN_ERR_INVALID_ARG, "%s: bad shape %dx%dx%dx%d", op, n, c, h, w);
    if (p->kh < 1 || p->kw < 1 || p->sh < 1 || p->sw < 1 || p->ph < 0 || p->pw < 0 ||
        2 * p->ph > p->kh || 2 * p->pw > p->kw)
        return an_error(AN_ERR_INVALID_ARG,
                        "%s: bad window %dx%d stride %dx%d pad %dx%d (need sizes >= 1 and "
                        "2*pad <= kernel)",
                        op, p->kh, p->kw, p->sh, p->sw, p->ph, p->pw);
    *oh = an_pool_out(h, p->kh, p->sh, p->ph);
    *ow = an_pool_out(w, p->kw, p->sw, p->pw);
    if (*oh < 1 || *ow < 1)
        return an_error(AN_ERR_INVALID_ARG, "%s: a %dx%d window (pad %dx%d) does not fit %dx%d",
                        op, p->kh, p->kw, p->ph, p->pw, h, w);
    return AN_OK;
}

static an_status check_adaptive(const char *op, int n, int c, int h, int w, int oh, int ow) {
    if (n < 1 || c < 1 || h < 1 || w < 1 || oh < 1 || ow < 1)
        return an_error(AN_ERR_INVALID_ARG, "%s: bad shape %dx%dx%dx%d -> %dx%d", op, n, c, h, w,
                        oh, ow);
    if ((long)h * oh > INT_MAX / 2 || (long)w * ow > INT_MAX / 2)
        return an_error(AN_ERR_INVALID_ARG, "%s: %dx%d -> %dx%d is too large", op, h, w, oh, ow);
    return AN_OK;
}

/* Arguments 0..4 (count, h, w, oh, ow) and, for windowed kernels, 5..10 (the window). Returns
 * the index of the next argument through *next. */
static an_status set_geometry(cl_kernel k, size_t count, int h, int w, int oh, int ow,
                              const an_pool_params *p, cl_uint *next) {
    cl_uint cnt = (cl_uint)count;
    cl_int g[10] = {h, w, oh, ow, 0, 0, 0, 0, 0, 0};
    int ng = 4;
    if (p) {
        g[4] = p->kh, g[5] = p->kw, g[6] = p->sh, g[7] = p->sw, g[8] = p->ph, g[9] = p->pw;
        ng = 10;
    }
    AN_TRY(OP_ARGS(k, OP_VAL(cnt)));
    for (int i = 0; i < ng; i++) AN_TRY(OP_ARGS_AT(k, (cl_uint)(1 + i), OP_VAL(g[i])));
    *next = (cl_uint)(1 + ng);
    return AN_OK;
}

/* Set the tensor arguments (buffer, offset) from index first on. */
static an_status set_tensors(cl_kernel k, cl_uint first, const tensor_arg *t, int nt) {
    for (int i = 0; i < nt; i++) AN_TRY(OP_ARGS_AT(k, first + 2 * (cl_uint)i, OP_BUF(t[i].b)));
    return AN_OK;
}

/* Build or fetch average-pooling kernel `name`, set everything, enqueue over (count positions,
 * planes). */
static an_status run(an_dev *d, const char *name, size_t count, size_t planes, int h, int w,
                     int oh, int ow, const an_pool_params *p, const tensor_arg *t, int nt) {
    cl_kernel k;
    cl_uint next = 0;
    AN_TRY(an_kernel(d, "pool", "", name, &k));
    AN_TRY(set_geometry(k, count, h, w, oh, ow, p, &next));
    AN_TRY(set_tensors(k, next, t, nt));
    size_t lws[2] = {d->info.max_work_group < POOL_LWS ? d->info.max_work_group : POOL_LWS, 1};
    size_t gws[2] = {an_round_up(count, lws[0]), planes};
    return an_launch(d, k, 2, gws, lws);
}

/* The max-pooling kernels: a work-item per row (`rows` of them), the window and the shape as -D
 * constants (a build per pool shape: AlexNet has three). */
static an_status run_rows(an_dev *d, const char *name, size_t rows, int h, int w, int oh,
                           int ow, const an_pool_params *p, const tensor_arg *t, int nt,
                           const char *extra) {
    cl_kernel k;
    char opts[256];
    snprintf(opts, sizeof opts, "-DPOOL_KH=%d -DPOOL_KW=%d -DPOOL_SH=%d -DPOOL_SW=%d "
             "-DPOOL_PH=%d -DPOOL_PW=%d -DPOOL_H=%d -DPOOL_W=%d -DPOOL_OH=%d -DPOOL_OW=%d%s",
             p->kh, p->kw, p->sh, p->sw, p->ph, p->pw, h, w, oh, ow, extra);
    AN_TRY(an_kernel(d, "pool", opts, name, &k));
    AN_TRY(OP_ARGS(k, OP_U32(rows)));
    AN_TRY(set_tensors(k, 1, t, nt));
    size_t lws = d->info.max_work_group < POOL_LWS ? d->info.max_work_group : POOL_LWS;
    size_t gws = an_round_up(rows, lws);
    return an_launch(d, k, 1, &gws, &lws);
}

/* A pool op's checks: its shape (p: its window, which sets *oh, *ow; NULL: adaptive pooling
 * to *oh x *ow) and its first nchecked tensors. */
static an_status check_op(const char *op, const an_pool_params *p, int n, int c, int h, int w,
                          int *oh, int *ow, const tensor_arg *t, int nchecked) {
    if (p)
        AN_TRY(check_window(op, p, n, c, h, w, oh, ow));
    else
        AN_TRY(check_adaptive(op, n, c, h, w, *oh, *ow));
    size_t planes = (size_t)n * c, in = (size_t)h * w, out = (size_t)*oh * *ow;
    for (int i = 0; i < nchecked; i++)
        AN_TRY(op_check_buf(op, t[i].name, t[i].b, planes * (t[i].out ? out : in)));
    return AN_OK;
}

/* One pool op: check_op, then enqueue kernel (NULL: op) over tensor t[over], the one it writes:
 * a work-item per row (max pooling: kernel_rows, built with the -D options extra) or per
 * element (average pooling). */
static an_status pool_op(an_dev *d, const char *op, const char *kernel, int rows,
                         const an_pool_params *p, int n, int c, int h, int w, int oh, int ow,
                         const tensor_arg *t, int nt, int nchecked, int over, const char *extra) {
    AN_TRY(check_op(op, p, n, c, h, w, &oh, &ow, t, nchecked));
    size_t planes = (size_t)n * c, in = (size_t)h * w, out = (size_t)oh * ow;
    int to_out = t[over].out;
    if (!kernel) kernel = op;
    if (!rows) return run(d, kernel, to_out ? out : in, planes, h, w, oh, ow, p, t, nt);
    char name[64];
    snprintf(name, sizeof name, "%s_rows", kernel);
    return run_rows(d, name, planes * (size_t)(to_out ? oh : h), h, w, oh, ow, p, t, nt, extra);
}

/* Without argmax the kernel is built without its index arithmetic; a bias (bias.mem) comes with
 * relu and no argmax only; mask (with argmax) marks the windows whose maximum is not above 0. */
static an_status maxpool_forward(an_dev *d, const char *op, const an_pool_params *p, int n,
                                 int c, int h, int w, an_buf x, an_buf bias, an_buf y,
                                 an_buf argmax, int relu, int mask) {
    tensor_arg t[4] = {{"x", x, 0}, {"y", y, 1}, {"argmax", argmax, 1}, {"bias", bias, 0}};
    if (bias.mem) AN_TRY(op_check_buf(op, "bias", bias, (size_t)c));
    else t[3].b = x; /* any valid buffer when there is no bias */
    char extra[64];
    const char *mode = !argmax.mem ? " -DPOOL_ARGMAX=0" : mask ? " -DPOOL_MASK=1" : "";
    snprintf(extra, sizeof extra, "%s%s", mode, relu ? " -DPOOL_RELU=1" : "");
    if (bias.mem) snprintf(extra + strlen(extra), sizeof extra - strlen(extra), " -DPOOL_C=%d", c);
    return pool_op(d, op, "maxpool_forward", 1, p, n, c, h, w, 0, 0, t, 4, argmax.mem ? 3 : 2, 1,
                   extra);
}

an_status an_maxpool_forward(an_dev *d, const an_pool_params *p, int n, int c, int h, int w,
                             an_buf x, an_buf y, an_buf argmax) {
    return maxpool_forward(d, "maxpool_forward", p, n, c, h, w, x, (an_buf){NULL, 0}, y, argmax,
                           0, 0);
}

an_status an_maxpool_forward_relu_grad(an_dev *d, const an_pool_params *p, int n, int c, int h,
                                       int w, an_buf x, an_buf y, an_buf argmax) {
    if (!argmax.mem)
        return an_error(AN_ERR_INVALID_ARG, "maxpool_forward_relu_grad: needs the argmax buffer");
    return maxpool_forward(d, "maxpool_forward_relu_grad", p, n, c, h, w, x, (an_buf){NULL, 0},
                           y, argmax, 1, 1);
}

an_status an_maxpool_relu_forward(an_dev *d, const an_pool_params *p, int n, int c, int h, int w,
                                  an_buf x, an_buf bias, an_buf y) {
    return maxpool_forward(d, "maxpool_relu_forward", p, n, c, h, w, x, bias, y,
                           (an_buf){NULL, 0}, 1, 0);
}

an_status an_maxpool_backward(an_dev *d, const an_pool_params *p, int n, int c, int h, int w,
                              an_buf argmax, an_buf dy, an_buf dx) {
    const tensor_arg t[3] = {{"argmax", argmax, 1}, {"dy", dy, 1}, {"dx", dx, 0}};
    return pool_op(d, "maxpool_backward", NULL, 1, p, n, c, h, w, 0, 0, t, 3, 3, 2, "");
}

an_status an_avgpool_forward(an_dev *d, const an_pool_params *p, int n, int c, int h, int w,
                             an_buf x, an_buf y) {
    const tensor_arg t[2] = {{"x", x, 0}, {"y", y, 1}};
    return pool_op(d, "avgpool_forward", NULL, 0, p, n, c, h, w, 0, 0, t, 2, 2, 1, "");
}

an_status an_avgpool_backward(an_dev *d, const an_pool_params *p, int n, int c, int h, int w,
                              an_buf dy, an_buf dx) {
    const tensor_arg t[2] = {{"dy", dy, 1}, {"dx", dx, 0}};
    return pool_op(d, "avgpool_backward", NULL, 0, p, n, c, h, w, 0, 0, t, 2, 2, 1, "");
}

/* Adaptive average pooling, forward or backward: t[0] what it reads, t[1] what it writes. To
 * the input's own size it is the identity: nothing to do in place, else a copy (the pooling
 * kernel's bin arithmetic per element ran 10-20x as long as a copy: alexnet-owt's avgpool in
 * training, `alexnet bench --train --kernels`). */
static an_status adaptive_op(an_dev *d, const char *op, int n, int c, int h, int w, int oh,
                             int ow, const tensor_arg *t) {
    if (oh != h || ow != w)
        return pool_op(d, op, NULL, 0, NULL, n, c, h, w, oh, ow, t, 2, 2, 1, "");
    AN_TRY(check_op(op, NULL, n, c, h, w, &oh, &ow, t, 2));
    an_buf src = t[0].b, dst = t[1].b;
    size_t count = (size_t)n * c * h * w;
    if (src.mem == dst.mem && src.off == dst.off) return AN_OK;
    return an_copy2d(d, src, count, dst, count, 1, count, 0);
}

an_status an_adaptive_avgpool_forward(an_dev *d, int n, int c, int h, int w, int oh, int ow,
                                      an_buf x, an_buf y) {
    const tensor_arg t[2] = {{"x", x, 0}, {"y", y, 1}};
    return adaptive_op(d, "adaptive_avgpool_forward", n, c, h, w, oh, ow, t);
}

an_status an_adaptive_avgpool_backward(an_dev *d, int n, int c, int h, int w, int oh, int ow,
                                       an_buf dy, an_buf dx) {
    const tensor_arg t[2] = {{"dy", dy, 1}, {"dx", dx, 0}};
    return adaptive_op(d, "adaptive_avgpool_backward", n, c, h, w, oh, ow, t);
}

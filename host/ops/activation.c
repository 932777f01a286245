/* host/ops/activation.c - launchers of cl/activation.cl: ReLU, bias + ReLU, bias gradients. */
#include "ops/activation.h"
#include "ops/opargs.h"

#include <stdint.h>

#define ELEM_WG 64  /* work-group size of the element-wise kernels */
#define RELU_VEC 16 /* elements per work-item of the ReLU kernels (cl/activation.cl) */
#define BIAS_WG 64  /* must match cl/activation.cl's default */

/* One work-item per element, in work-groups of up to wg. */
static an_status launch_1d(an_dev *d, cl_kernel k, size_t n, size_t wg) {
    if (d->info.max_work_group < wg) wg = d->info.max_work_group;
    size_t gws = an_round_up(n, wg), lws = wg;
    return an_launch(d, k, 1, &gws, &lws);
}

an_status an_relu_forward(an_dev *d, an_buf x, an_buf y, size_t n) {
    AN_TRY(op_check_buf("relu_forward", "x", x, n));
    AN_TRY(op_check_buf("relu_forward", "y", y, n));
    if (!n) return AN_OK;
    cl_kernel k;
    AN_TRY(an_kernel(d, "activation", NULL, "relu_forward", &k));
    AN_TRY(OP_ARGS(k, OP_BUF(x), OP_BUF(y), OP_U32(n)));
    return launch_1d(d, k, (n + RELU_VEC - 1) / RELU_VEC, ELEM_WG);
}

an_status an_relu_backward(an_dev *d, an_buf y, an_buf dy, an_buf dx, size_t n) {
    AN_TRY(op_check_buf("relu_backward", "y", y, n));
    AN_TRY(op_check_buf("relu_backward", "dy", dy, n));
    AN_TRY(op_check_buf("relu_backward", "dx", dx, n));
    if (!n) return AN_OK;
    cl_kernel k;
    AN_TRY(an_kernel(d, "activation", NULL, "relu_backward", &k));
    AN_TRY(OP_ARGS(k, OP_BUF(y), OP_BUF(dy), OP_BUF(dx), OP_U32(n)));
    return launch_1d(d, k, (n + RELU_VEC - 1) / RELU_VEC, ELEM_WG);
}

/* x, y: [outer][c][inner]; bias [c]. */
static an_status bias_relu(an_dev *d, const char *op, an_buf x, an_buf bias, an_buf y,
                           size_t outer, size_t c, size_t inner, int relu) {
    if (c && inner && outer > UINT32_MAX / c / inner)
        return an_error(AN_ERR_INVALID_ARG, "%s: %zu x %zu x %zu elements exceed 2^32", op, outer,
                        c, inner);
    size_t total = outer * c * inner;
    AN_TRY(op_check_buf(op, "x", x, total));
    AN_TRY(op_check_buf(op, "bias", bias, c));
    AN_TRY(op_check_buf(op, "y", y, total));
    if (!total) return AN_OK;
    cl_kernel k;
    size_t wg = d->info.max_work_group < 64 ? d->info.max_work_group : 64;
    size_t lws[2] = {wg, 1}, gws[2];
    if (inner == 1) { /* dimension 0 over features, 1 over rows */
        AN_TRY(an_kernel(d, "activation", NULL, "bias_relu_rows", &k));
        AN_TRY(OP_ARGS(k, OP_BUF(x), OP_BUF(bias), OP_BUF(y), OP_U32(c), OP_I32(relu != 0)));
        gws[0] = an_round_up(c, wg);
        gws[1] = outer;
    } else { /* dimension 0 within a plane, 1 over planes */
        AN_TRY(an_kernel(d, "activation", NULL, "bias_relu_planes", &k));
        AN_TRY(OP_ARGS(k, OP_BUF(x), OP_BUF(bias), OP_BUF(y), OP_U32(c), OP_U32(inner),
                       OP_I32(relu != 0)));
        gws[0] = an_round_up(inner, wg);
        gws[1] = outer * c;
    }
    return an_launch(d, k, 2, gws, lws);
}

an_status an_bias_relu_fc(an_dev *d, an_buf x, an_buf bias, an_buf y, size_t n, size_t f,
                          int relu) {
    return bias_relu(d, "bias_relu_fc", x, bias, y, n, f, 1, relu);
}

an_status an_bias_relu_nchw(an_dev *d, an_buf x, an_buf bias, an_buf y, size_t n, size_t c,
                            size_t hw, int relu) {
    return bias_relu(d, "bias_relu_nchw", x, bias, y, n, c, hw, relu);
}

/* dy [outer][c][inner] -> db [c]. */
static an_status bias_grad(an_dev *d, const char *op, an_buf dy, an_buf db, size_t outer,
                           size_t c, size_t inner) {
    if (c && inner && outer > UINT32_MAX / c / inner)
        return an_error(AN_ERR_INVALID_ARG, "%s: %zu x %zu x %zu elements exceed 2^32", op, outer,
                        c, inner);
    AN_TRY(op_check_buf(op, "dy", dy, outer * c * inner));
    AN_TRY(op_check_buf(op, "db", db, c));
    if (!c) return AN_OK;
    if (!outer || !inner) return an_fill(d, db, 0.0f, c);
    cl_kernel k;
    if (inner == 1) {
        AN_TRY(an_kernel(d, "activation", NULL, "bias_grad_rows", &k));
        AN_TRY(OP_ARGS(k, OP_BUF(dy), OP_BUF(db), OP_U32(outer), OP_U32(c)));
        return launch_1d(d, k, c, 64);
    }
    if (d->info.max_work_group < BIAS_WG)
        return an_error(AN_ERR_UNSUPPORTED, "%s: %s allows work-groups of %zu, %d needed", op,
                        d->info.name, d->info.max_work_group, BIAS_WG);
    AN_TRY(an_kernel(d, "activation", NULL, "bias_grad_groups", &k));
    AN_TRY(OP_ARGS(k, OP_BUF(dy), OP_BUF(db), OP_U32(outer), OP_U32(c), OP_U32(inner)));
    size_t gws = c * BIAS_WG, lws = BIAS_WG;
    return an_launch(d, k, 1, &gws, &lws);
}

an_status an_bias_grad_fc(an_dev *d, an_buf dy, an_buf db, size_t n, size_t f) {
    return bias_grad(d, "bias_grad_fc", dy, db, n, f, 1);
}

an_status an_bias_grad_nchw(an_dev *d, an_buf dy, an_buf db, size_t n, size_t c, size_t hw) {
    return bias_grad(d, "bias_grad_nchw", dy, db, n, c, hw);
}

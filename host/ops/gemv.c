/* host/ops/gemv.c - launchers of cl/gemv.cl: the small-batch fc forward and the copy kernel. */
#include "ops/gemv.h"
#include "ops/opargs.h"

#include <stdio.h>
#include <stdlib.h>

/* Up to this batch the fc forward is a GEMV (an_gemv_max_n). With PoCL on a CPU (test_gemv
 * --bench, alternating runs) the GEMM + bias took 1.04-1.15x the GEMV's time on fc6 (9216 ->
 * 4096) and 1.0-1.2x on fc7 at 1 image; at 2 images 0.89-1.22x (a wash), at 4 0.6-1.1x. */
#define GEMV_DEFAULT_MAX_N 1

typedef struct gemv_cfg {
    int wg, vw, rows;
} gemv_cfg;

/* A CPU runs a work-group's items one after another: one item per group streams whole rows.
 * A GPU wants neighbouring items on neighbouring addresses: 64 items split each row. Rows per
 * group shrink as images grow, to keep rows * images accumulators in registers: with PoCL on an
 * AVX-512 CPU 8 rows of float16 loads beat 1, 2, 4 and 16 rows and float8 loads at 1 and 2
 * images (test_gemv --bench, fc6's and fc7's shapes). */
static gemv_cfg config_of(const an_dev *d, size_t n) {
    gemv_cfg c;
    int cpu = (d->info.type & CL_DEVICE_TYPE_CPU) != 0;
    c.wg = cpu ? 1 : 64;
    const char *e = getenv("ALEXNET_GEMV_WG"); /* tests run both layouts on one device */
    if (e && *e) c.wg = atoi(e) > 1 ? 64 : 1;
    while ((size_t)c.wg > d->info.max_work_group) c.wg /= 2;
    c.vw = c.wg == 1 ? 16 : 4;
    c.rows = n <= 2 ? 8 : n <= 4 ? 4 : 2;
    return c;
}

an_status an_gemv_fc(an_dev *d, size_t n, size_t m, size_t k, an_buf x, size_t ldx, an_buf w,
                     size_t ldw, an_buf b, int relu, an_buf y, size_t ldy) {
    const char *op = "gemv_fc";
    if (n < 1 || n > AN_GEMV_MAX_N)
        return an_error(AN_ERR_INVALID_ARG, "%s: %zu rows, 1 to %d allowed", op, n,
                        AN_GEMV_MAX_N);
    if (!m || !k) return an_error(AN_ERR_INVALID_ARG, "%s: empty %zu x %zu weights", op, m, k);
    if (ldx < k || ldw < k || ldy < m)
        return an_error(AN_ERR_INVALID_ARG, "%s: leading dimensions x %zu, w %zu, y %zu below "
                        "k %zu, k, m %zu", op, ldx, ldw, ldy, k, m);
    AN_TRY(op_check_buf(op, "x", x, (n - 1) * ldx + k));
    AN_TRY(op_check_buf(op, "w", w, (m - 1) * ldw + k));
    AN_TRY(op_check_buf(op, "y", y, (n - 1) * ldy + m));
    if (b.mem) AN_TRY(op_check_buf(op, "bias", b, m));
    gemv_cfg c = config_of(d, n);
    char opts[96];
    snprintf(opts, sizeof opts, "-DGEMV_N=%zu -DGEMV_ROWS=%d -DGEMV_WG=%d -DGEMV_VW=%d", n,
             c.rows, c.wg, c.vw);
    cl_kernel kk;
    AN_TRY(an_kernel(d, "gemv", opts, "gemv_rows", &kk));
    an_buf bias = b.mem ? b : x; /* any valid buffer when there is no bias */
    AN_TRY(OP_ARGS(kk, OP_U32(m), OP_U32(k), OP_BUF(x), OP_U32(ldx), OP_BUF(w), OP_U32(ldw),
                   OP_BUF(bias), OP_I32(b.mem != NULL), OP_I32(relu ? 1 : 0), OP_BUF(y),
                   OP_U32(ldy)));
    size_t groups = (m + (size_t)c.rows - 1) / (size_t)c.rows;
    size_t gws = groups * (size_t)c.wg, lws = (size_t)c.wg;
    return an_launch(d, kk, 1, &gws, &lws);
}

int an_gemv_max_n(const an_dev *d) {
    (void)d;
    const char *e = getenv("ALEXNET_GEMV_MAX_N");
    if (e && *e) {
        int v = atoi(e);
        return v < 0 ? 0 : v > AN_GEMV_MAX_N ? AN_GEMV_MAX_N : v;
    }
    return GEMV_DEFAULT_MAX_N;
}

an_status an_copy_floats(an_dev *d, cl_mem src, cl_mem dst, size_t n) {
    if (!src || !dst) return an_error(AN_ERR_INVALID_ARG, "copy_floats: no buffer");
    if (n > UINT32_MAX)
        return an_error(AN_ERR_INVALID_ARG, "copy_floats: %zu floats exceed 2^32", n);
    if (!n) return AN_OK;
    cl_kernel k;
    AN_TRY(an_kernel(d, "gemv", NULL, "copy_floats", &k));
    AN_TRY(OP_ARGS(k, OP_VAL(src), OP_VAL(dst), OP_U32(n)));
    size_t wg = d->info.max_work_group < 64 ? d->info.max_work_group : 64;
    size_t gws = an_round_up((n + 15) / 16, wg);
    return an_launch(d, k, 1, &gws, &wg);
}

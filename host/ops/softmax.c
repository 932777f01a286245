/* host/ops/softmax.c - launchers of cl/softmax.cl: one work-group per row, then the stats sum. */
#include "ops/softmax.h"
#include "ops/opargs.h"

#include <stdint.h>

#define SM_WG 64 /* must match cl/softmax.cl's default */

/* mode 0: softmax only; 1: softmax and stats; 2: gradient and stats; 3: the same with label
 * smoothing eps (> 0), a kernel of its own so that mode 2's arithmetic is eps = 0's. */
static an_status run(an_dev *d, const char *op, int mode, an_buf x, an_buf labels, an_buf out,
                     an_buf stats, size_t n, size_t k, float eps) {
    if (!k || (n && k > UINT32_MAX / n))
        return an_error(AN_ERR_INVALID_ARG, "%s: %zu rows of %zu classes", op, n, k);
    if (!(eps >= 0.0f && eps < 1.0f))
        return an_error(AN_ERR_INVALID_ARG, "%s: label smoothing %g is outside [0, 1)", op,
                        (double)eps);
    AN_TRY(op_check_buf(op, "logits", x, n * k));
    AN_TRY(op_check_buf(op, mode >= 2 ? "dlogits" : "prob", out, n * k));
    if (mode) {
        AN_TRY(op_check_buf(op, "labels", labels, n));
        AN_TRY(op_check_buf(op, "stats", stats, AN_SOFTMAX_STATS_LEN(n)));
    }
    if (d->info.max_work_group < SM_WG)
        return an_error(AN_ERR_UNSUPPORTED, "%s: %s allows work-groups of %zu, %d needed", op,
                        d->info.name, d->info.max_work_group, SM_WG);
    if (!n) return mode ? an_fill(d, stats, 0.0f, 3) : AN_OK;
    const char *const opts[4] = {"-DSM_LABELS=0 -DSM_GRAD=0", "-DSM_LABELS=1 -DSM_GRAD=0",
                                 "-DSM_LABELS=1 -DSM_GRAD=1",
                                 "-DSM_LABELS=1 -DSM_GRAD=1 -DSM_SMOOTH=1"};
    cl_kernel k1;
    AN_TRY(an_kernel(d, "softmax", opts[mode], "softmax_rows", &k1));
    cl_uint i = mode ? 8 : 4; /* the scalars follow the buffers */
    AN_TRY(OP_ARGS(k1, OP_BUF(x), OP_BUF(out)));
    if (mode) AN_TRY(OP_ARGS_AT(k1, 4, OP_BUF(labels), OP_BUF(stats)));
    AN_TRY(OP_ARGS_AT(k1, i, OP_U32(k), OP_F32(mode >= 2 ? 1.0 / (double)n : 1.0)));
    if (mode == 3) AN_TRY(OP_ARGS_AT(k1, i + 2, OP_F32(eps)));
    size_t lws = SM_WG, gws = n * SM_WG;
    AN_TRY(an_launch(d, k1, 1, &gws, &lws));
    if (!mode) return AN_OK;

    cl_kernel k2;
    AN_TRY(an_kernel(d, "softmax", opts[mode], "softmax_stats", &k2));
    AN_TRY(OP_ARGS(k2, OP_BUF(stats), OP_U32(n)));
    gws = SM_WG;
    return an_launch(d, k2, 1, &gws, &lws);
}

an_status an_softmax_forward(an_dev *d, an_buf x, an_buf prob, size_t n, size_t k) {
    an_buf none = {NULL, 0};
    return run(d, "softmax_forward", 0, x, none, prob, none, n, k, 0.0f);
}

an_status an_softmax_xent_forward(an_dev *d, an_buf logits, an_buf labels, an_buf prob,
                                  an_buf stats, size_t n, size_t k) {
    return run(d, "softmax_xent_forward", 1, logits, labels, prob, stats, n, k, 0.0f);
}

an_status an_softmax_xent_backward(an_dev *d, an_buf logits, an_buf labels, an_buf dlogits,
                                   an_buf stats, size_t n, size_t k, float label_smoothing) {
    return run(d, "softmax_xent_backward", label_smoothing != 0.0f ? 3 : 2, logits, labels,
               dlogits, stats, n, k, label_smoothing);
}

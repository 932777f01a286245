/* host/ops/dropout.c - launcher of cl/dropout.cl (inverted dropout, Philox mask). */
#include "ops/dropout.h"
#include "ops/opargs.h"

#include <stdint.h>

#define WG 64

/* y = keep ? x * scale : 0 over the tile; training == 0 keeps everything with scale 1. */
static an_status apply(an_dev *d, const char *op, const an_dropout_cfg *cfg, int training,
                       an_buf x, an_buf y, size_t rows, size_t cols, size_t layer_cols,
                       size_t col_offset) {
    if (!cfg || !(cfg->p >= 0 && cfg->p < 1))
        return an_error(AN_ERR_INVALID_ARG, "%s: drop probability must be in [0, 1)", op);
    if (cols > layer_cols || col_offset > layer_cols - cols)
        return an_error(AN_ERR_INVALID_ARG, "%s: tile columns [%zu, %zu) outside a layer of %zu",
                        op, col_offset, col_offset + cols, layer_cols);
    if (layer_cols > UINT32_MAX || (cols && rows > UINT32_MAX / cols) ||
        (uint64_t)cfg->row_offset + rows > UINT32_MAX)
        return an_error(AN_ERR_INVALID_ARG, "%s: %zu x %zu elements exceed 2^32", op, rows, cols);
    size_t n = rows * cols;
    AN_TRY(op_check_buf(op, "x", x, n));
    AN_TRY(op_check_buf(op, "y", y, n));
    if (!n || (!training && x.mem == y.mem && x.off == y.off)) return AN_OK;
    cl_kernel k;
    AN_TRY(an_kernel(d, "dropout", NULL, "dropout_apply", &k));
    cl_uint thr = training ? an_dropout_threshold(cfg->p) : 0;
    cl_float scale = training ? (float)(1.0 / (1.0 - cfg->p)) : 1.0f;
    AN_TRY(OP_ARGS(k, OP_BUF(x), OP_BUF(y), OP_U32(cols), OP_U32(layer_cols), OP_U32(col_offset),
                   OP_U32(cfg->seed), OP_U32(cfg->seed >> 32), OP_U32(cfg->step),
                   OP_U32(cfg->layer), OP_VAL(thr), OP_VAL(scale), OP_U32(cfg->row_offset)));
    /* dimension 0 over the counter groups of a row (a row's cols elements span at most
     * cols/4 + 2 groups of four), 1 over rows */
    size_t wg = d->info.max_work_group < WG ? d->info.max_work_group : WG;
    size_t lws[2] = {wg, 1}, gws[2] = {an_round_up(cols / 4 + 2, wg), rows};
    return an_launch(d, k, 2, gws, lws);
}

an_status an_dropout_forward(an_dev *d, const an_dropout_cfg *cfg, int training, an_buf x,
                             an_buf y, size_t rows, size_t cols, size_t layer_cols,
                             size_t col_offset) {
    return apply(d, "dropout_forward", cfg, training, x, y, rows, cols, layer_cols, col_offset);
}

an_status an_dropout_backward(an_dev *d, const an_dropout_cfg *cfg, an_buf dy, an_buf dx,
                              size_t rows, size_t cols, size_t layer_cols, size_t col_offset) {
    return apply(d, "dropout_backward", cfg, 1, dy, dx, rows, cols, layer_cols, col_offset);
}

/* host/ops/concat.c - launcher of cl/concat.cl's strided 2-D copy; concat and split on top. */
#include "ops/concat.h"
#include "ops/opargs.h"

#include <stdint.h>

#define WG 64

an_status an_copy2d(an_dev *d, an_buf src, size_t src_pitch, an_buf dst, size_t dst_pitch,
                    size_t rows, size_t cols, int accumulate) {
    AN_TRY(op_check_buf("copy2d", "source", src, 0));
    AN_TRY(op_check_buf("copy2d", "destination", dst, 0));
    if (!rows || !cols) return AN_OK;
    if (cols > src_pitch || cols > dst_pitch)
        return an_error(AN_ERR_INVALID_ARG, "copy2d: %zu columns wider than the pitch (%zu, %zu)",
                        cols, src_pitch, dst_pitch);
    if (rows > UINT32_MAX || src_pitch > UINT32_MAX || dst_pitch > UINT32_MAX)
        return an_error(AN_ERR_INVALID_ARG, "copy2d: %zu rows of pitch %zu/%zu exceed 2^32", rows,
                        src_pitch, dst_pitch);
    /* the last element touched, offset included, must be addressable with 32 bits */
    AN_TRY(op_check_buf("copy2d", "source", src, (rows - 1) * src_pitch + cols));
    AN_TRY(op_check_buf("copy2d", "destination", dst, (rows - 1) * dst_pitch + cols));
    cl_kernel k;
    AN_TRY(an_kernel(d, "concat", NULL, "copy2d", &k));
    AN_TRY(OP_ARGS(k, OP_BUF(src), OP_U32(src_pitch), OP_BUF(dst), OP_U32(dst_pitch),
                   OP_U32(rows), OP_U32(cols), OP_I32(accumulate != 0)));
    size_t lws[2] = {WG, 1}, gws[2] = {an_round_up(cols, WG), rows};
    return an_launch(d, k, 2, gws, lws);
}

an_status an_concat_channels(an_dev *d, an_buf a, size_t ca, an_buf b, size_t cb, an_buf y,
                             size_t n, size_t hw) {
    size_t pitch = (ca + cb) * hw;
    AN_TRY(an_copy2d(d, a, ca * hw, y, pitch, n, ca * hw, 0));
    return an_copy2d(d, b, cb * hw, an_buf_at(y, ca * hw), pitch, n, cb * hw, 0);
}

an_status an_split_channels(an_dev *d, an_buf y, an_buf a, size_t ca, an_buf b, size_t cb,
                            size_t n, size_t hw, int accumulate) {
    size_t pitch = (ca + cb) * hw;
    AN_TRY(an_copy2d(d, y, pitch, a, ca * hw, n, ca * hw, accumulate));
    return an_copy2d(d, an_buf_at(y, ca * hw), pitch, b, cb * hw, n, cb * hw, accumulate);
}

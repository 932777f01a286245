/* host/ops/concat.c - launcher of cl/concat.cl's strided 2-D copy; concat and split on top. */
#include "ops/concat.h"

#include <stdint.h>

#define WG 64

an_status an_copy2d(an_dev *d, an_buf src, size_t src_pitch, an_buf dst, size_t dst_pitch,
                    size_t rows, size_t cols, int accumulate) {
    if (!src.mem || !dst.mem) return an_error(AN_ERR_INVALID_ARG, "copy2d: missing buffer");
    if (!rows || !cols) return AN_OK;
    if (cols > src_pitch || cols > dst_pitch)
        return an_error(AN_ERR_INVALID_ARG, "copy2d: %zu columns wider than the pitch (%zu, %zu)",
                        cols, src_pitch, dst_pitch);
    /* the last element touched, offset included, must be addressable with 32 bits */
    if (rows > UINT32_MAX || src_pitch > UINT32_MAX || dst_pitch > UINT32_MAX ||
        src.off > UINT32_MAX || dst.off > UINT32_MAX ||
        (uint64_t)src.off + (uint64_t)(rows - 1) * src_pitch + cols > UINT32_MAX ||
        (uint64_t)dst.off + (uint64_t)(rows - 1) * dst_pitch + cols > UINT32_MAX)
        return an_error(AN_ERR_INVALID_ARG, "copy2d: %zu rows of pitch %zu/%zu exceed 2^32", rows,
                        src_pitch, dst_pitch);
    cl_kernel k;
    AN_TRY(an_kernel(d, "concat", NULL, "copy2d", &k));
    cl_uint so = (cl_uint)src.off, sp = (cl_uint)src_pitch, dof = (cl_uint)dst.off,
            dp = (cl_uint)dst_pitch, r = (cl_uint)rows, c = (cl_uint)cols;
    cl_int acc = accumulate ? 1 : 0;
    AN_ARG(k, 0, src.mem);
    AN_ARG(k, 1, so);
    AN_ARG(k, 2, sp);
    AN_ARG(k, 3, dst.mem);
    AN_ARG(k, 4, dof);
    AN_ARG(k, 5, dp);
    AN_ARG(k, 6, r);
    AN_ARG(k, 7, c);
    AN_ARG(k, 8, acc);
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

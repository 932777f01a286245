/* host/ops/opargs.h - small helpers the op launchers share (private to host/ops): setting a
 * (buffer, offset) pair of kernel arguments, and checking that a buffer is set, that its n
 * elements from the offset fit the kernels' 32-bit indexes and, where asked, the buffer. Every
 * launcher checks its buffers through these, so the messages read alike. */
#ifndef AN_OPS_OPARGS_H
#define AN_OPS_OPARGS_H

#include <stdint.h>

#include "runtime/runtime.h"

/* Set a (buffer, offset) argument pair at i, i+1. */
static inline an_status op_arg_buf(cl_kernel k, cl_uint i, an_buf b) {
    cl_uint off = (cl_uint)b.off;
    AN_ARG(k, i, b.mem);
    AN_ARG(k, i + 1, off);
    return AN_OK;
}

/* The buffer is set and b.off + n fits the kernels' 32-bit indexes; errors name op and what. */
static inline an_status op_check_buf(const char *op, const char *what, an_buf b, size_t n) {
    if (!b.mem) return an_error(AN_ERR_INVALID_ARG, "%s: %s has no buffer", op, what);
    if (n > UINT32_MAX || b.off > UINT32_MAX - n)
        return an_error(AN_ERR_INVALID_ARG, "%s: %s (offset %zu + %zu elements) exceeds 2^32",
                        op, what, b.off, n);
    return AN_OK;
}

/* op_check_buf, and the buffer holds b.off + n floats (its CL_MEM_SIZE). */
static inline an_status op_check_buf_fits(const char *op, const char *what, an_buf b, size_t n) {
    AN_TRY(op_check_buf(op, what, b, n));
    size_t bytes = 0;
    CL_CHECK(clGetMemObjectInfo(b.mem, CL_MEM_SIZE, sizeof bytes, &bytes, NULL));
    if (b.off + n > bytes / sizeof(float))
        return an_error(AN_ERR_INVALID_ARG, "%s: %s needs %zu floats from offset %zu; its buffer "
                        "holds %zu", op, what, n, b.off, bytes / sizeof(float));
    return AN_OK;
}

#endif

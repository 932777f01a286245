/* host/ops/opargs.h - small helpers the op launchers share (private to host/ops): setting a
 * kernel's arguments as one list in its signature's order, and checking that a buffer is set,
 * that its n elements from the offset fit the kernels' 32-bit indexes and, where asked, the
 * buffer. Every launcher checks its buffers through these, so the messages read alike. */
#ifndef AN_OPS_OPARGS_H
#define AN_OPS_OPARGS_H

#include <stdint.h>

#include "runtime/runtime.h"

/* One kernel argument: its size and where its value is (an op_karg list ends with size 0). */
typedef struct op_karg {
    size_t size;
    const void *value;
} op_karg;

/* The entries of an OP_ARGS list: an lvalue as it is, a value converted to the kernel's type
 * (the compound literal lives until the end of the enclosing block), or an_buf b as the
 * (buffer, 32-bit offset) pair the kernels take. */
#define OP_VAL(v) {sizeof(v), &(v)}
#define OP_U32(x) {sizeof(cl_uint), &(cl_uint){(cl_uint)(x)}}
#define OP_I32(x) {sizeof(cl_int), &(cl_int){(cl_int)(x)}}
#define OP_U64(x) {sizeof(cl_ulong), &(cl_ulong){(cl_ulong)(x)}}
#define OP_F32(x) {sizeof(cl_float), &(cl_float){(cl_float)(x)}}
#define OP_BUF(b) {sizeof(cl_mem), &(b).mem}, OP_U32((b).off)

/* Set arguments first, first + 1, ... of k from the list a (ended by size 0). */
static inline an_status op_set_args(cl_kernel k, cl_uint first, const op_karg *a) {
    for (cl_uint i = 0; a[i].size; i++)
        CL_CHECK(clSetKernelArg(k, first + i, a[i].size, a[i].value));
    return AN_OK;
}

/* OP_ARGS(k, OP_BUF(x), OP_U32(n), ...): k's arguments from 0 on, in its signature's order. */
#define OP_ARGS(k, ...) op_set_args((k), 0, (const op_karg[]){__VA_ARGS__, {0, NULL}})
#define OP_ARGS_AT(k, first, ...) \
    op_set_args((k), (first), (const op_karg[]){__VA_ARGS__, {0, NULL}})

/* The buffer is set and b.off + n fits the kernels' 32-bit indexes; errors name op and what. */
static inline an_status op_check_buf(const char *op, const char *what, an_buf b, size_t n) {
    if (!b.mem) return an_error(AN_ERR_INVALID_ARG, "%s: %s has no buffer", op, what);
    if (n > UINT32_MAX || b.off > UINT32_MAX - n)
        return an_error(AN_ERR_INVALID_ARG, "%s: %s (offset %zu + %zu elements) exceeds 2^32",
                        op, what, b.off, n);
    return AN_OK;
}

/* The buffer is set and holds b.off + n floats (its CL_MEM_SIZE), with no 32-bit rule: for
 * operands whose kernels step 64-bit strides between 32-bit addressed parts (gemm's batches). */
static inline an_status op_check_buf_holds(const char *op, const char *what, an_buf b, size_t n) {
    if (!b.mem) return an_error(AN_ERR_INVALID_ARG, "%s: %s has no buffer", op, what);
    size_t bytes = 0;
    CL_CHECK(clGetMemObjectInfo(b.mem, CL_MEM_SIZE, sizeof bytes, &bytes, NULL));
    if (b.off + n > bytes / sizeof(float))
        return an_error(AN_ERR_INVALID_ARG, "%s: %s needs %zu floats from offset %zu; its buffer "
                        "holds %zu", op, what, n, b.off, bytes / sizeof(float));
    return AN_OK;
}

/* op_check_buf, and the buffer holds b.off + n floats. */
static inline an_status op_check_buf_fits(const char *op, const char *what, an_buf b, size_t n) {
    AN_TRY(op_check_buf(op, what, b, n));
    return op_check_buf_holds(op, what, b, n);
}

#endif

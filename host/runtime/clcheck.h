/* host/runtime/clcheck.h - check every OpenCL call: CL_CHECK names the call, the error, file and line.
 *
 * Used inside functions returning an_status: on failure it records a message such as
 * "clEnqueueNDRangeKernel(...) failed: CL_OUT_OF_RESOURCES (host/ops/lrn.c:42)" and returns the
 * OpenCL code. AN_TRY (util/try.h, included here) propagates an an_status from a library call. */
#ifndef AN_RUNTIME_CLCHECK_H
#define AN_RUNTIME_CLCHECK_H

#include "alexnet/status.h"
#include "util/try.h"

const char *an_cl_error_name(int code);
an_status an_cl_fail(int code, const char *expr, const char *file, int line);

#define CL_CHECK(expr)                                                   \
    do {                                                                 \
        int an_cl_rc_ = (int)(expr);                                     \
        if (an_cl_rc_ != 0) return an_cl_fail(an_cl_rc_, #expr, __FILE__, __LINE__); \
    } while (0)

#endif

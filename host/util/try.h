/* host/util/try.h - AN_TRY: propagate a failing an_status from a library call. No OpenCL here,
 * so every layer (data, train, util) can use it; CL_CHECK for OpenCL calls is runtime/clcheck.h. */
#ifndef AN_UTIL_TRY_H
#define AN_UTIL_TRY_H

#include "alexnet/status.h"

#define AN_TRY(expr)                                                     \
    do {                                                                 \
        an_status an_try_rc_ = (expr);                                   \
        if (an_try_rc_ != AN_OK) return an_try_rc_;                      \
    } while (0)

#endif

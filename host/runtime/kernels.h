/* host/runtime/kernels.h - the OpenCL C sources: embedded at build time, or read from a directory.
 *
 * ALEXNET_KERNEL_DIR, when set, names a directory whose <file>.cl replaces the embedded copy
 * (for editing kernels without rebuilding). */
#ifndef AN_RUNTIME_KERNELS_H
#define AN_RUNTIME_KERNELS_H

#include "alexnet/status.h"

typedef struct an_kernel_source {
    const char *name;   /* file name without .cl */
    const char *source;
} an_kernel_source;

extern const an_kernel_source an_embedded_kernels[];

/* The source of cl/<name>.cl: *src is malloc'ed; free() it. */
an_status an_kernel_source_get(const char *name, char **src);

#endif

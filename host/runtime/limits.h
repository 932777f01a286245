/* host/runtime/limits.h - limit profiles: what the runtime believes about a device, capped to a
 * real GPU's limits so that the suite can run under them on any device (PoCL included).
 *
 * ALEXNET_LIMITS=NAME (or `--limits NAME` wherever `--device` is accepted, which wins) names a
 * profile; when a device is opened (an_devs_open) its global memory, largest allocation, local
 * memory and work-group size become the smaller of the real value and the profile's, and fp16 /
 * fp64 are dropped where the profile lacks them. Every op, the buffer planner and the tuner read
 * those effective values from an_dev.info, so a limit the profile sets bites exactly as the GPU's
 * would: a buffer over the cap is refused by an_alloc, a work-group over the cap by an_launch,
 * before the driver sees either.
 *
 *   gtx580  NVIDIA GTX 580 (the paper's card): 3 GiB, 768 MiB per buffer, 48 KiB local memory,
 *           1024 work-items per group, no fp16
 *   gcn     AMD GCN, 8 GiB card: 2 GiB per buffer, 64 KiB local, 256 work-items
 *   xe      Intel integrated (Xe): 4 GiB per buffer, 64 KiB local, 256 work-items, no fp16/fp64
 *   strict  the smallest of them all: 3 GiB, 768 MiB per buffer, 48 KiB local, 256 work-items,
 *           no fp16, no fp64
 *   none    no caps (the default; undoes ALEXNET_LIMITS from the command line)
 *
 * Kernels are built as OpenCL C 1.2 (-cl-std=CL1.2) on every device, profile or not: that is
 * what NVIDIA's driver compiles. */
#ifndef AN_RUNTIME_LIMITS_H
#define AN_RUNTIME_LIMITS_H

#include "runtime/device.h"

typedef struct an_limits {
    const char *name;
    cl_ulong global_mem, max_alloc, local_mem; /* bytes; 0: no cap */
    size_t max_work_group;                     /* 0: no cap */
    int fp16, fp64;                            /* 0: the profile removes it */
    const char *about;
} an_limits;

/* The profile called name (case-sensitive); an unknown name is an error listing the known ones. */
an_status an_limits_find(const char *name, const an_limits **out);

/* Choose the profile for every device opened from now on in this process (NULL: back to
 * $ALEXNET_LIMITS). The name is checked here. */
an_status an_limits_use(const char *name);

/* The profile in force: the one an_limits_use chose, else $ALEXNET_LIMITS, else none
 * (*out == NULL). An unknown $ALEXNET_LIMITS is an error naming the variable. */
an_status an_limits_active(const an_limits **out);

/* Cap d's limits to p (NULL: leave d as it is) and record the profile's name in d->limits. */
void an_limits_cap(an_device_info *d, const an_limits *p);

/* an_limits_cap with the profile in force. */
an_status an_limits_apply(an_device_info *d);

/* "name1, name2, ..." of the known profiles. */
const char *an_limits_names(void);

#endif

/* host/runtime/limits.c - the limit profiles of real GPUs (limits.h) and capping a device's
 * description to one of them. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/clcheck.h"
#include "runtime/limits.h"

#define KiB 1024ull
#define MiB (1024ull * KiB)
#define GiB (1024ull * MiB)

/* Published limits of each card's OpenCL driver (CL_DEVICE_*): NVIDIA caps one allocation at a
 * quarter of the memory, AMD's ROCm at a quarter of an 8 GiB card, Intel's at 4 GiB. */
static const an_limits profiles[] = {
    {"none", 0, 0, 0, 0, 1, 1, "no caps: the device's own limits"},
    {"gtx580", 3 * GiB, 768 * MiB, 48 * KiB, 1024, 0, 1,
     "NVIDIA GTX 580: 3 GiB, 768 MiB per buffer, 48 KiB local, 1024 work-items, no fp16"},
    {"gcn", 8 * GiB, 2 * GiB, 64 * KiB, 256, 1, 1,
     "AMD GCN (8 GiB): 2 GiB per buffer, 64 KiB local, 256 work-items"},
    {"xe", 0, 4 * GiB, 64 * KiB, 256, 0, 0,
     "Intel integrated: 4 GiB per buffer, 64 KiB local, 256 work-items, no fp16, no fp64"},
    {"strict", 3 * GiB, 768 * MiB, 48 * KiB, 256, 0, 0,
     "the smallest of gtx580, gcn and xe: 3 GiB, 768 MiB per buffer, 48 KiB local, "
     "256 work-items, no fp16, no fp64"},
};
#define N_PROFILES ((int)(sizeof profiles / sizeof *profiles))

/* an_limits_use's name (NULL: $ALEXNET_LIMITS): a process-wide setting, like the environment
 * variable it overrides, read when devices are opened; atomic, so threads may set and open. */
static _Atomic(const char *) chosen;

const char *an_limits_names(void) { return "none, gtx580, gcn, xe, strict"; }

an_status an_limits_find(const char *name, const an_limits **out) {
    *out = NULL;
    for (int i = 0; i < N_PROFILES; i++)
        if (strcmp(profiles[i].name, name) == 0) {
            *out = &profiles[i];
            return AN_OK;
        }
    return an_error(AN_ERR_INVALID_ARG, "unknown limit profile \"%s\": the profiles are %s",
                    name, an_limits_names());
}

an_status an_limits_use(const char *name) {
    const an_limits *p = NULL;
    if (name) AN_TRY(an_limits_find(name, &p));
    atomic_store(&chosen, p ? p->name : NULL);
    return AN_OK;
}

an_status an_limits_active(const an_limits **out) {
    *out = NULL;
    const char *name = atomic_load(&chosen);
    if (!name) name = getenv("ALEXNET_LIMITS");
    if (!name || !*name) return AN_OK;
    an_status s = an_limits_find(name, out);
    if (s != AN_OK) return an_error_context(s, "ALEXNET_LIMITS=%s", name);
    if (strcmp((*out)->name, "none") == 0) *out = NULL;
    return AN_OK;
}

static cl_ulong cap_u64(cl_ulong real, cl_ulong cap) { return cap && cap < real ? cap : real; }

void an_limits_cap(an_device_info *d, const an_limits *p) {
    if (!p || strcmp(p->name, "none") == 0) return;
    d->global_mem = cap_u64(d->global_mem, p->global_mem);
    d->max_alloc = cap_u64(d->max_alloc, p->max_alloc);
    if (d->max_alloc > d->global_mem) d->max_alloc = d->global_mem;
    d->local_mem = cap_u64(d->local_mem, p->local_mem);
    if (p->max_work_group && p->max_work_group < d->max_work_group)
        d->max_work_group = p->max_work_group;
    d->fp16 &= p->fp16;
    d->fp64 &= p->fp64;
    strncpy(d->limits, p->name, sizeof d->limits - 1);
    d->limits[sizeof d->limits - 1] = 0;
}

an_status an_limits_apply(an_device_info *d) {
    const an_limits *p;
    AN_TRY(an_limits_active(&p));
    an_limits_cap(d, p);
    return AN_OK;
}

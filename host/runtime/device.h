/* host/runtime/device.h - enumerate OpenCL platforms and devices, describe them, pick them by spec.
 *
 * A device is named "P:D" (platform index : device index, as enumerated here), or by a
 * case-insensitive substring of its name or vendor. A spec may list two devices "A,B" for the
 * two-tower split. The default is the first GPU, else the first device. */
#ifndef AN_RUNTIME_DEVICE_H
#define AN_RUNTIME_DEVICE_H

#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>
#include <stddef.h>

#include "alexnet/status.h"

#define AN_MAX_SELECTED 2

typedef struct an_device_info {
    int platform_index, device_index;
    cl_platform_id platform;
    cl_device_id id;
    char name[256], vendor[256], version[128], driver[128];
    char platform_name[256], platform_version[128];
    cl_device_type type;
    cl_uint compute_units, clock_mhz;
    cl_ulong global_mem, max_alloc, local_mem;
    size_t max_work_group;
    int fp16, fp64;
    int is_default;
} an_device_info;

/* All devices of all platforms, in enumeration order. *out is malloc'ed; free() it.
 * No platform or no device at all is an error that says what to install. */
an_status an_devices_list(an_device_info **out, int *count);

/* "GPU", "CPU", "accelerator" or "other". */
const char *an_device_type_name(cl_device_type t);

/* Resolve spec (NULL or "" means $ALEXNET_DEVICE, else the default) against the list.
 * want: how many devices the caller needs (1 or 2), or 0 for "one or two, as the spec says".
 * On success sel[0..*nsel-1] are indexes into list. A spec that matches nothing, or several where
 * one is needed, is an error whose message lists the devices that exist. */
an_status an_devices_select(const an_device_info *list, int n, const char *spec, int want,
                            int sel[AN_MAX_SELECTED], int *nsel);

#endif

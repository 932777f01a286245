/* host/runtime/device.h - enumerate OpenCL platforms and devices, describe them, pick them by spec.
 *
 * A device is named "P:D" (platform index : device index, as enumerated here), or by a
 * case-insensitive substring of its name or vendor. "P:D.S" names sub-device S of device P:D
 * split into parts of one compute unit each (clCreateSubDevices, CL_DEVICE_PARTITION_EQUALLY;
 * CPU devices such as PoCL's support it): two such parts give two devices that really run
 * side by side, each on its own core. A spec may list two devices "A,B" for the two-tower split.
 *
 * The default device: the first GPU that is not a simulator, else the first device that is not
 * a simulator, else the first device. Simulators (Oclgrind, which reports itself as a GPU) are
 * checkers hundreds of times slower than any real device: they are used only when named. */
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
    cl_uint vec_float; /* CL_DEVICE_NATIVE_VECTOR_WIDTH_FLOAT */
    cl_ulong global_mem, max_alloc, local_mem;
    size_t max_work_group;
    int fp16, fp64;
    int is_default;
    int simulator;     /* a simulator (Oclgrind): never the default */
    int sub_parts;     /* parts of one compute unit it can be split into (0: it cannot) */
    int is_sub;        /* a sub-device made by an_devices_pick ... */
    int sub_index;     /* ... number S of its parent (P:D.S) */
    char limits[16];   /* the limit profile that capped the values above ("": none; limits.h) */
} an_device_info;

/* All devices of all platforms, in enumeration order. *out is malloc'ed; free() it.
 * No platform or no device at all is an error that says what to install. */
an_status an_devices_list(an_device_info **out, int *count);

/* The index of the default device of list (the rule above); list[i].is_default marks it. */
int an_devices_default(const an_device_info *list, int n);

/* d's spec: "P:D", or "P:D.S" for a sub-device; returns buf. */
const char *an_device_id(const an_device_info *d, char *buf, size_t cap);

/* "GPU", "CPU", "accelerator" or "other". */
const char *an_device_type_name(cl_device_type t);

/* Resolve spec (NULL or "" means $ALEXNET_DEVICE, else the default) against the list.
 * want: how many devices the caller needs (1 or 2), or 0 for "one or two, as the spec says".
 * On success sel[0..*nsel-1] are indexes into list. A spec that matches nothing, or several where
 * one is needed, is an error whose message lists the devices that exist. */
an_status an_devices_select(const an_device_info *list, int n, const char *spec, int want,
                            int sel[AN_MAX_SELECTED], int *nsel);

/* As an_devices_select, but fills out[] with the chosen devices' descriptions, creating the
 * sub-devices that the spec names ("P:D.S"). Sub-devices are released by an_devs_close, or by
 * an_device_release when they are not opened. */
an_status an_devices_pick(const an_device_info *list, int n, const char *spec, int want,
                          an_device_info out[AN_MAX_SELECTED], int *nsel);
/* Release a sub-device made by an_devices_pick (nothing for a device itself). */
void an_device_release(an_device_info *d);

#endif

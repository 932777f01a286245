/* host/runtime/device.c - enumerate OpenCL devices, describe them and resolve --device specs. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/clcheck.h"
#include "runtime/device.h"

const char *an_device_type_name(cl_device_type t) {
    if (t & CL_DEVICE_TYPE_GPU) return "GPU";
    if (t & CL_DEVICE_TYPE_CPU) return "CPU";
    if (t & CL_DEVICE_TYPE_ACCELERATOR) return "accelerator";
    return "other";
}

const char *an_device_id(const an_device_info *d, char *buf, size_t cap) {
    if (d->is_sub)
        snprintf(buf, cap, "%d:%d.%d", d->platform_index, d->device_index, d->sub_index);
    else
        snprintf(buf, cap, "%d:%d", d->platform_index, d->device_index);
    return buf;
}

static int has_extension(cl_device_id id, const char *ext) {
    size_t len = 0;
    if (clGetDeviceInfo(id, CL_DEVICE_EXTENSIONS, 0, NULL, &len) != CL_SUCCESS || len == 0)
        return 0;
    char *s = malloc(len + 1);
    if (!s) return 0;
    int found = 0;
    if (clGetDeviceInfo(id, CL_DEVICE_EXTENSIONS, len, s, NULL) == CL_SUCCESS) {
        s[len] = 0;
        found = strstr(s, ext) != NULL;
    }
    free(s);
    return found;
}

/* One field of d from clGetDeviceInfo (DEVICE) or clGetPlatformInfo (PLATFORM). */
#define DEVICE_INFO(param, field) \
    CL_CHECK(clGetDeviceInfo(d->id, param, sizeof d->field, &d->field, NULL))
#define PLATFORM_INFO(param, field) \
    CL_CHECK(clGetPlatformInfo(d->platform, param, sizeof d->field, &d->field, NULL))

static an_status describe(an_device_info *d) {
    DEVICE_INFO(CL_DEVICE_NAME, name);
    DEVICE_INFO(CL_DEVICE_VENDOR, vendor);
    DEVICE_INFO(CL_DEVICE_VERSION, version);
    DEVICE_INFO(CL_DRIVER_VERSION, driver);
    DEVICE_INFO(CL_DEVICE_TYPE, type);
    DEVICE_INFO(CL_DEVICE_MAX_COMPUTE_UNITS, compute_units);
    DEVICE_INFO(CL_DEVICE_MAX_CLOCK_FREQUENCY, clock_mhz);
    DEVICE_INFO(CL_DEVICE_NATIVE_VECTOR_WIDTH_FLOAT, vec_float);
    DEVICE_INFO(CL_DEVICE_GLOBAL_MEM_SIZE, global_mem);
    DEVICE_INFO(CL_DEVICE_MAX_MEM_ALLOC_SIZE, max_alloc);
    DEVICE_INFO(CL_DEVICE_LOCAL_MEM_SIZE, local_mem);
    DEVICE_INFO(CL_DEVICE_MAX_WORK_GROUP_SIZE, max_work_group);
    PLATFORM_INFO(CL_PLATFORM_NAME, platform_name);
    PLATFORM_INFO(CL_PLATFORM_VERSION, platform_version);
    d->fp16 = has_extension(d->id, "cl_khr_fp16");
    d->fp64 = has_extension(d->id, "cl_khr_fp64");
    d->simulator = strstr(d->platform_name, "Oclgrind") != NULL;
    d->sub_parts = 0;
    cl_device_partition_property props[8] = {0};
    size_t plen = 0;
    if (d->compute_units > 1 &&
        clGetDeviceInfo(d->id, CL_DEVICE_PARTITION_PROPERTIES, sizeof props, props, &plen) ==
            CL_SUCCESS)
        for (size_t i = 0; i < plen / sizeof *props; i++)
            if (props[i] == CL_DEVICE_PARTITION_EQUALLY) d->sub_parts = (int)d->compute_units;
    return AN_OK;
}

int an_devices_default(const an_device_info *list, int n) {
    for (int i = 0; i < n; i++)
        if ((list[i].type & CL_DEVICE_TYPE_GPU) && !list[i].simulator) return i;
    for (int i = 0; i < n; i++)
        if (!list[i].simulator) return i;
    return 0;
}

an_status an_devices_list(an_device_info **out, int *count) {
    *out = NULL;
    *count = 0;
    cl_uint np = 0;
    cl_int rc = clGetPlatformIDs(0, NULL, &np);
    if (rc == -1001 || np == 0)
        return an_error(AN_ERR_NOT_FOUND,
                        "no OpenCL platform found: install a driver (on Debian, "
                        "`apt-get install pocl-opencl-icd` for the CPU, or your GPU vendor's "
                        "OpenCL ICD), then check with `clinfo -l`");
    CL_CHECK(rc);
    cl_platform_id *plats = calloc(np, sizeof *plats);
    if (!plats) return an_error(AN_ERR_NOMEM, "out of host memory listing platforms");
    rc = clGetPlatformIDs(np, plats, NULL);
    an_device_info *list = NULL;
    int n = 0;
    for (cl_uint p = 0; rc == CL_SUCCESS && p < np; p++) {
        cl_uint nd = 0;
        if (clGetDeviceIDs(plats[p], CL_DEVICE_TYPE_ALL, 0, NULL, &nd) != CL_SUCCESS || !nd)
            continue; /* a platform without devices is listed by nobody */
        cl_device_id *ids = calloc(nd, sizeof *ids);
        an_device_info *grown = realloc(list, (size_t)(n + (int)nd) * sizeof *list);
        if (!ids || !grown) {
            free(ids);
            free(grown ? grown : list);
            free(plats);
            return an_error(AN_ERR_NOMEM, "out of host memory listing devices");
        }
        list = grown;
        clGetDeviceIDs(plats[p], CL_DEVICE_TYPE_ALL, nd, ids, NULL);
        for (cl_uint i = 0; i < nd; i++) {
            an_device_info *d = &list[n];
            memset(d, 0, sizeof *d);
            d->platform_index = (int)p;
            d->device_index = (int)i;
            d->platform = plats[p];
            d->id = ids[i];
            an_status s = describe(d);
            if (s != AN_OK) {
                free(ids);
                free(list);
                free(plats);
                return an_error_context(s, "describing OpenCL device %u:%u", p, i);
            }
            n++;
        }
        free(ids);
    }
    free(plats);
    if (rc != CL_SUCCESS) {
        free(list);
        return an_cl_fail(rc, "clGetPlatformIDs", __FILE__, __LINE__);
    }
    if (n == 0) {
        free(list);
        return an_error(AN_ERR_NOT_FOUND, "OpenCL platforms exist but expose no device: check "
                                          "the driver installation with `clinfo`");
    }
    list[an_devices_default(list, n)].is_default = 1;
    *out = list;
    *count = n;
    return AN_OK;
}

static int contains_ci(const char *hay, const char *needle) {
    size_t nl = strlen(needle);
    for (; *hay; hay++) {
        size_t i = 0;
        while (i < nl && hay[i] &&
               tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i]))
            i++;
        if (i == nl) return 1;
    }
    return nl == 0;
}

/* Append "  P:D  name (vendor, type)" lines for every device to buf. */
static void list_devices(const an_device_info *list, int n, char *buf, size_t cap) {
    size_t used = strlen(buf);
    for (int i = 0; i < n && used < cap; i++) {
        int w = snprintf(buf + used, cap - used, "\n  %d:%d  %s (%s, %s)%s",
                         list[i].platform_index, list[i].device_index, list[i].name,
                         list[i].vendor, an_device_type_name(list[i].type),
                         list[i].is_default ? "  [default]" : "");
        if (w < 0) break;
        used += (size_t)w;
    }
}

/* Resolve one item ("P:D", "P:D.S" or a name substring) to an index and a sub-device (-1: the
 * device itself). */
static an_status resolve_one(const an_device_info *list, int n, const char *item, int *idx,
                             int *sub) {
    int p, d, si;
    char tail;
    *sub = -1;
    int subspec = sscanf(item, "%d:%d.%d%c", &p, &d, &si, &tail) == 3;
    if (subspec || sscanf(item, "%d:%d%c", &p, &d, &tail) == 2) {
        for (int i = 0; i < n; i++)
            if (list[i].platform_index == p && list[i].device_index == d) {
                *idx = i;
                if (!subspec) return AN_OK;
                if (list[i].sub_parts < 2)
                    return an_error(AN_ERR_INVALID_ARG,
                                    "device %d:%d (%s) cannot be split into sub-devices: name "
                                    "it as %d:%d",
                                    p, d, list[i].name, p, d);
                if (si < 0 || si >= list[i].sub_parts)
                    return an_error(AN_ERR_NOT_FOUND,
                                    "no sub-device %d:%d.%d: %s splits into %d parts of one "
                                    "compute unit, %d:%d.0 to %d:%d.%d",
                                    p, d, si, list[i].name, list[i].sub_parts, p, d, p, d,
                                    list[i].sub_parts - 1);
                *sub = si;
                return AN_OK;
            }
        char buf[4096];
        snprintf(buf, sizeof buf, "no OpenCL device %d:%d; the devices are:", p, d);
        list_devices(list, n, buf, sizeof buf);
        return an_error(AN_ERR_NOT_FOUND, "%s", buf);
    }
    int found = -1, matches = 0;
    for (int i = 0; i < n; i++) {
        if (contains_ci(list[i].name, item) || contains_ci(list[i].vendor, item) ||
            contains_ci(list[i].platform_name, item)) {
            if (found < 0) found = i;
            matches++;
        }
    }
    char buf[4096];
    if (matches == 1) {
        *idx = found;
        return AN_OK;
    }
    if (matches == 0) {
        snprintf(buf, sizeof buf, "no OpenCL device matches \"%s\"; the devices are:", item);
        list_devices(list, n, buf, sizeof buf);
        return an_error(AN_ERR_NOT_FOUND, "%s", buf);
    }
    snprintf(buf, sizeof buf,
             "\"%s\" matches %d OpenCL devices; name one by its id (P:D):", item, matches);
    list_devices(list, n, buf, sizeof buf);
    return an_error(AN_ERR_AMBIGUOUS, "%s", buf);
}

static an_status select_items(const an_device_info *list, int n, const char *spec, int want,
                              int sel[AN_MAX_SELECTED], int sub[AN_MAX_SELECTED], int *nsel) {
    *nsel = 0;
    if (!spec || !*spec) spec = getenv("ALEXNET_DEVICE");
    if (!spec || !*spec) {
        for (int i = 0; i < n; i++)
            if (list[i].is_default) sel[0] = i;
        sub[0] = -1;
        *nsel = 1;
        if (want == 2) {
            char buf[4096];
            snprintf(buf, sizeof buf, "two devices are needed: name them with --device A,B "
                                      "(the same device twice is allowed); the devices are:");
            list_devices(list, n, buf, sizeof buf);
            return an_error(AN_ERR_INVALID_ARG, "%s", buf);
        }
        return AN_OK;
    }
    char copy[512];
    if (strlen(spec) >= sizeof copy) return an_error(AN_ERR_INVALID_ARG, "device spec too long");
    strcpy(copy, spec);
    int count = 0;
    for (char *save = NULL, *item = strtok_r(copy, ",", &save); item;
         item = strtok_r(NULL, ",", &save)) {
        while (isspace((unsigned char)*item)) item++;
        if (count == AN_MAX_SELECTED)
            return an_error(AN_ERR_INVALID_ARG,
                            "device spec \"%s\" names more than %d devices", spec,
                            AN_MAX_SELECTED);
        AN_TRY(resolve_one(list, n, item, &sel[count], &sub[count]));
        count++;
    }
    if (count == 0) return an_error(AN_ERR_INVALID_ARG, "empty device spec \"%s\"", spec);
    if (want && count != want)
        return an_error(AN_ERR_INVALID_ARG, "device spec \"%s\" names %d device%s; this needs %d",
                        spec, count, count == 1 ? "" : "s", want);
    *nsel = count;
    return AN_OK;
}

an_status an_devices_select(const an_device_info *list, int n, const char *spec, int want,
                            int sel[AN_MAX_SELECTED], int *nsel) {
    int sub[AN_MAX_SELECTED];
    AN_TRY(select_items(list, n, spec, want, sel, sub, nsel));
    for (int i = 0; i < *nsel; i++)
        if (sub[i] >= 0) {
            *nsel = 0;
            return an_error(AN_ERR_INVALID_ARG, "device spec \"%s\" names a sub-device: open it "
                                                "through an_devices_pick", spec);
        }
    return AN_OK;
}

/* Split parent into parts of one compute unit and keep part si (the others are released). */
static an_status make_sub(const an_device_info *parent, int si, an_device_info *out) {
    cl_uint parts = (cl_uint)parent->sub_parts, got = 0;
    cl_device_id *ids = calloc(parts, sizeof *ids);
    if (!ids) return an_error(AN_ERR_NOMEM, "out of host memory");
    const cl_device_partition_property props[] = {CL_DEVICE_PARTITION_EQUALLY, 1, 0};
    cl_int err = clCreateSubDevices(parent->id, props, parts, ids, &got);
    if (err != CL_SUCCESS || (int)got <= si) {
        for (cl_uint i = 0; err == CL_SUCCESS && i < got; i++) clReleaseDevice(ids[i]);
        free(ids);
        if (err == CL_SUCCESS) err = CL_DEVICE_PARTITION_FAILED;
        return an_error_context(an_cl_fail(err, "clCreateSubDevices", __FILE__, __LINE__),
                                "splitting %d:%d (%s) into one-compute-unit sub-devices",
                                parent->platform_index, parent->device_index, parent->name);
    }
    for (cl_uint i = 0; i < got; i++)
        if ((int)i != si) clReleaseDevice(ids[i]);
    *out = *parent;
    out->id = ids[si];
    free(ids);
    an_status s = describe(out);
    out->is_sub = 1;
    out->sub_index = si;
    out->sub_parts = 0;
    out->is_default = 0;
    if (s != AN_OK) an_device_release(out);
    return s;
}

an_status an_devices_pick(const an_device_info *list, int n, const char *spec, int want,
                          an_device_info out[AN_MAX_SELECTED], int *nsel) {
    int sel[AN_MAX_SELECTED], sub[AN_MAX_SELECTED];
    AN_TRY(select_items(list, n, spec, want, sel, sub, nsel));
    for (int i = 0; i < *nsel; i++) {
        an_status s = AN_OK;
        if (sub[i] < 0)
            out[i] = list[sel[i]];
        else
            s = make_sub(&list[sel[i]], sub[i], &out[i]);
        if (s != AN_OK) {
            for (int j = 0; j < i; j++) an_device_release(&out[j]);
            *nsel = 0;
            return s;
        }
    }
    return AN_OK;
}

void an_device_release(an_device_info *d) {
    if (d->is_sub && d->id) clReleaseDevice(d->id);
    d->id = NULL;
}

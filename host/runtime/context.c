/* host/runtime/context.c - open devices (shared context per platform), memory, copies, launches
 * and the profiling record behind `alexnet bench`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/hugemem.h"
#include "runtime/limits.h"
#include "runtime/progcache.h"
#include "runtime/runtime.h"

struct an_profile {
    cl_event *events;
    const char **tags;
    cl_kernel *kernels; /* the launch's kernel (retained) when by_kernel, else NULL */
    int n, cap, by_kernel;
};

static an_status profile_keep(an_dev *d, cl_event ev, cl_kernel k);

an_status an_devs_open(const an_device_info *infos, int n, an_dev *devs) {
    if (n < 1 || n > AN_MAX_SELECTED)
        return an_error(AN_ERR_INVALID_ARG, "can open 1 or 2 devices, not %d", n);
    memset(devs, 0, sizeof *devs * (size_t)n);
    for (int i = 0; i < n; i++) devs[i].info = infos[i];
    /* The limit profile in force caps what every op, planner and tuner believes (limits.h). */
    for (int i = 0; i < n; i++) {
        an_status s = an_limits_apply(&devs[i].info);
        if (s != AN_OK) {
            for (int j = 0; j < n; j++) an_device_release(&devs[j].info);
            return s;
        }
    }
    for (int i = 0; i < n; i++) {
        an_dev *d = &devs[i];
        /* ALEXNET_SEPARATE_CONTEXTS=1 gives every device its own context even on one platform:
         * it exercises the host-staged transfers that devices of two vendors need. */
        const char *sep = getenv("ALEXNET_SEPARATE_CONTEXTS");
        int separate = sep && strcmp(sep, "1") == 0;
        for (int j = 0; j < i && !separate; j++)
            if (devs[j].info.platform == d->info.platform) d->ctx = devs[j].ctx;
        cl_int err;
        if (!d->ctx) {
            /* One context for all chosen devices of this platform (the same device twice is
             * allowed, for testing the split on one device). */
            cl_device_id ids[AN_MAX_SELECTED];
            cl_uint nids = 0;
            for (int j = i; j < (separate ? i + 1 : n); j++) {
                int dup = 0;
                for (cl_uint k = 0; k < nids; k++) dup |= ids[k] == devs[j].info.id;
                if (devs[j].info.platform == d->info.platform && !dup)
                    ids[nids++] = devs[j].info.id;
            }
            cl_context_properties props[] = {CL_CONTEXT_PLATFORM,
                                             (cl_context_properties)d->info.platform, 0};
            d->ctx = clCreateContext(props, nids, ids, NULL, NULL, &err);
            if (err != CL_SUCCESS) {
                an_devs_close(devs, n);
                return an_error_context(an_cl_fail(err, "clCreateContext", __FILE__, __LINE__),
                                        "opening device %d:%d (%s)", d->info.platform_index,
                                        d->info.device_index, d->info.name);
            }
            d->owns_ctx = 1;
        }
        d->q = clCreateCommandQueue(d->ctx, d->info.id, CL_QUEUE_PROFILING_ENABLE, &err);
        if (err == CL_SUCCESS) d->progs = an_progcache_new();
        if (err != CL_SUCCESS || !d->progs) {
            an_devs_close(devs, n);
            if (err == CL_SUCCESS) return an_error(AN_ERR_NOMEM, "out of host memory");
            return an_cl_fail(err, "clCreateCommandQueue", __FILE__, __LINE__);
        }
    }
    return AN_OK;
}

void an_devs_close(an_dev *devs, int n) {
    for (int i = 0; i < n; i++) {
        an_dev *d = &devs[i];
        if (d->q) clFinish(d->q);
        an_profile_stop(d);
        an_progcache_free(d->progs);
        d->progs = NULL;
        an_free(&d->gemm_ws);
        d->gemm_ws_floats = 0;
        if (d->q) clReleaseCommandQueue(d->q);
        d->q = NULL;
    }
    for (int i = 0; i < n; i++) {
        if (devs[i].owns_ctx && devs[i].ctx) clReleaseContext(devs[i].ctx);
        devs[i].ctx = NULL;
        devs[i].owns_ctx = 0;
    }
    for (int i = 0; i < n; i++) an_device_release(&devs[i].info);
}

static void human_bytes(char *buf, size_t cap, double b) {
    const char *u[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int i = 0;
    while (b >= 1024 && i < 4) b /= 1024, i++;
    snprintf(buf, cap, "%.1f %s", b, u[i]);
}

an_status an_alloc(an_dev *d, const char *name, size_t bytes, cl_mem *out) {
    char want[32], maxa[32], glob[32];
    human_bytes(want, sizeof want, (double)bytes);
    human_bytes(maxa, sizeof maxa, (double)d->info.max_alloc);
    human_bytes(glob, sizeof glob, (double)d->info.global_mem);
    *out = NULL;
    if (bytes == 0) bytes = 4; /* a zero-size buffer is invalid in OpenCL; keep callers simple */
    if (bytes > d->info.max_alloc)
        return an_error(AN_ERR_NOMEM,
                        "tensor %s needs %s, more than %s's largest allocation "
                        "(CL_DEVICE_MAX_MEM_ALLOC_SIZE %s%s%s, global memory %s): use a smaller "
                        "--batch, split the net over two devices, or pick another --device",
                        name, want, d->info.name, maxa,
                        d->info.limits[0] ? " under limit profile " : "", d->info.limits, glob);
    cl_int err = CL_SUCCESS;
    *out = an_hugemem_buffer(d, bytes);
    if (!*out) *out = clCreateBuffer(d->ctx, CL_MEM_READ_WRITE, bytes, NULL, &err);
    if (err != CL_SUCCESS) {
        *out = NULL;
        return an_error(err == CL_INVALID_BUFFER_SIZE ? AN_ERR_NOMEM : err,
                        "allocating tensor %s (%s) on %s failed: %s (device global memory %s, "
                        "largest allocation %s): use a smaller --batch or another --device",
                        name, want, d->info.name, an_cl_error_name(err), glob, maxa);
    }
    if (bytes > d->largest_alloc) {
        d->largest_alloc = bytes;
        snprintf(d->largest_name, sizeof d->largest_name, "%s", name);
    }
    return AN_OK;
}

void an_free(cl_mem *m) {
    if (*m) clReleaseMemObject(*m);
    *m = NULL;
}

an_status an_host_alloc(an_dev *d, size_t bytes, cl_mem *mem, void **host) {
    cl_int err;
    *host = NULL;
    *mem = clCreateBuffer(d->ctx, CL_MEM_ALLOC_HOST_PTR | CL_MEM_READ_WRITE, bytes ? bytes : 4,
                          NULL, &err);
    if (err != CL_SUCCESS) {
        *mem = NULL;
        return an_error(err, "allocating %zu bytes of host transfer memory for %s failed: %s",
                        bytes, d->info.name, an_cl_error_name(err));
    }
    *host = clEnqueueMapBuffer(d->q, *mem, CL_TRUE, CL_MAP_READ | CL_MAP_WRITE, 0,
                               bytes ? bytes : 4, 0, NULL, NULL, &err);
    if (err != CL_SUCCESS) {
        an_free(mem);
        *host = NULL;
        return an_cl_fail(err, "clEnqueueMapBuffer", __FILE__, __LINE__);
    }
    return AN_OK;
}

void an_host_free(an_dev *d, cl_mem *mem, void *host) {
    if (*mem && host) {
        clEnqueueUnmapMemObject(d->q, *mem, host, 0, NULL, NULL);
        clFinish(d->q);
    }
    an_free(mem);
}

an_status an_write(an_dev *d, an_buf dst, const float *src, size_t count) {
    if (!count) return AN_OK;
    CL_CHECK(clEnqueueWriteBuffer(d->q, dst.mem, CL_TRUE, dst.off * sizeof(float),
                                  count * sizeof(float), src, 0, NULL, NULL));
    return AN_OK;
}

an_status an_read(an_dev *d, an_buf src, float *dst, size_t count) {
    if (!count) return AN_OK;
    CL_CHECK(clEnqueueReadBuffer(d->q, src.mem, CL_TRUE, src.off * sizeof(float),
                                 count * sizeof(float), dst, 0, NULL, NULL));
    return AN_OK;
}

an_status an_fill(an_dev *d, an_buf dst, float value, size_t count) {
    if (!count) return AN_OK;
    cl_kernel k;
    AN_TRY(an_kernel(d, "common", NULL, "an_fill", &k));
    cl_uint off = (cl_uint)dst.off, n = (cl_uint)count;
    AN_ARG(k, 0, dst.mem);
    AN_ARG(k, 1, off);
    AN_ARG(k, 2, n);
    AN_ARG(k, 3, value);
    size_t gws = an_round_up(count, 64), lws = 64;
    return an_launch(d, k, 1, &gws, &lws);
}

an_status an_finish(an_dev *d) {
    CL_CHECK(clFinish(d->q));
    return AN_OK;
}

/* The limits a launch must keep (runtime.h): checked here so that a profile's cap bites as the
 * GPU's would, with the kernel's name, instead of an error code from the driver. */
static an_status launch_fits(an_dev *d, cl_kernel k, cl_uint dims, const size_t *lws) {
    size_t items = 1;
    for (cl_uint i = 0; lws && i < dims; i++) items *= lws[i];
    cl_ulong local = 0;
    if (d->info.limits[0])
        CL_CHECK(clGetKernelWorkGroupInfo(k, d->info.id, CL_KERNEL_LOCAL_MEM_SIZE, sizeof local,
                                          &local, NULL));
    if (items <= d->info.max_work_group && local <= d->info.local_mem) return AN_OK;
    char name[128] = "?";
    clGetKernelInfo(k, CL_KERNEL_FUNCTION_NAME, sizeof name, name, NULL);
    if (items > d->info.max_work_group)
        return an_error(AN_ERR_UNSUPPORTED,
                        "kernel %s: a work-group of %zu work-items is more than %s allows "
                        "(%zu%s%s)",
                        name, items, d->info.name, d->info.max_work_group,
                        d->info.limits[0] ? " under limit profile " : "", d->info.limits);
    return an_error(AN_ERR_UNSUPPORTED,
                    "kernel %s uses %llu bytes of local memory, more than %s has (%llu%s%s)", name,
                    (unsigned long long)local, d->info.name, (unsigned long long)d->info.local_mem,
                    d->info.limits[0] ? " under limit profile " : "", d->info.limits);
}

an_status an_launch(an_dev *d, cl_kernel k, cl_uint dims, const size_t *gws, const size_t *lws) {
    AN_TRY(launch_fits(d, k, dims, lws));
    cl_event ev = NULL;
    cl_int err = clEnqueueNDRangeKernel(d->q, k, dims, NULL, gws, lws, 0, NULL,
                                        d->prof ? &ev : NULL);
    if (err != CL_SUCCESS) {
        char name[128] = "?";
        clGetKernelInfo(k, CL_KERNEL_FUNCTION_NAME, sizeof name, name, NULL);
        return an_error_context(an_cl_fail(err, "clEnqueueNDRangeKernel", __FILE__, __LINE__),
                                "launching kernel %s on %s", name, d->info.name);
    }
    if (d->prof) return profile_keep(d, ev, d->prof->by_kernel ? k : NULL);
    return AN_OK;
}

an_status an_profile_event(an_dev *d, cl_event ev) {
    if (!d->prof) {
        clReleaseEvent(ev);
        return AN_OK;
    }
    return profile_keep(d, ev, NULL);
}

static an_status profile_keep(an_dev *d, cl_event ev, cl_kernel k) {
    an_profile *p = d->prof;
    if (p->n == p->cap) {
        int cap = p->cap ? p->cap * 2 : 256;
        cl_event *e = realloc(p->events, (size_t)cap * sizeof *e);
        if (e) p->events = e;
        const char **t = realloc(p->tags, (size_t)cap * sizeof *t);
        if (t) p->tags = t;
        cl_kernel *ks = realloc(p->kernels, (size_t)cap * sizeof *ks);
        if (ks) p->kernels = ks;
        if (!e || !t || !ks) {
            clReleaseEvent(ev);
            return an_error(AN_ERR_NOMEM, "out of host memory recording profile events");
        }
        p->cap = cap;
    }
    if (k) clRetainKernel(k);
    p->events[p->n] = ev;
    p->tags[p->n] = d->tag ? d->tag : "";
    p->kernels[p->n] = k;
    p->n++;
    return AN_OK;
}

an_status an_profile_by_kernel(an_dev *d, int by_kernel) {
    AN_TRY(an_profile_start(d));
    d->prof->by_kernel = by_kernel != 0;
    return AN_OK;
}

an_status an_profile_start(an_dev *d) {
    if (d->prof) return AN_OK;
    d->prof = calloc(1, sizeof *d->prof);
    return d->prof ? AN_OK : an_error(AN_ERR_NOMEM, "out of host memory");
}

static void profile_clear(an_profile *p) {
    for (int i = 0; i < p->n; i++) {
        clReleaseEvent(p->events[i]);
        if (p->kernels[i]) clReleaseKernel(p->kernels[i]);
    }
    p->n = 0;
}

an_status an_profile_collect(an_dev *d, an_profile_row **rows, int *nrows) {
    *rows = NULL;
    *nrows = 0;
    if (!d->prof) return AN_OK;
    AN_TRY(an_finish(d));
    an_profile *p = d->prof;
    an_profile_row *r = calloc((size_t)(p->n ? p->n : 1), sizeof *r);
    if (!r) return an_error(AN_ERR_NOMEM, "out of host memory");
    int nr = 0;
    for (int i = 0; i < p->n; i++) {
        cl_ulong t0 = 0, t1 = 0;
        cl_int e1 = clGetEventProfilingInfo(p->events[i], CL_PROFILING_COMMAND_START,
                                            sizeof t0, &t0, NULL);
        cl_int e2 = clGetEventProfilingInfo(p->events[i], CL_PROFILING_COMMAND_END,
                                            sizeof t1, &t1, NULL);
        if (e1 != CL_SUCCESS || e2 != CL_SUCCESS) {
            free(r);
            profile_clear(p);
            return an_cl_fail(e1 != CL_SUCCESS ? e1 : e2, "clGetEventProfilingInfo", __FILE__,
                              __LINE__);
        }
        char kname[sizeof r->kernel] = "";
        if (p->kernels[i] && clGetKernelInfo(p->kernels[i], CL_KERNEL_FUNCTION_NAME,
                                             sizeof kname, kname, NULL) != CL_SUCCESS)
            snprintf(kname, sizeof kname, "?");
        int j = 0;
        while (j < nr && (strncmp(r[j].tag, p->tags[i], sizeof r[j].tag - 1) != 0 ||
                          strcmp(r[j].kernel, kname) != 0))
            j++;
        if (j == nr) {
            snprintf(r[j].tag, sizeof r[j].tag, "%s", p->tags[i]);
            snprintf(r[j].kernel, sizeof r[j].kernel, "%s", kname);
            nr++;
        }
        r[j].ms += (double)(t1 - t0) * 1e-6;
        r[j].launches++;
    }
    profile_clear(p);
    *rows = r;
    *nrows = nr;
    return AN_OK;
}

void an_profile_stop(an_dev *d) {
    if (!d->prof) return;
    profile_clear(d->prof);
    free(d->prof->events);
    free(d->prof->tags);
    free(d->prof->kernels);
    free(d->prof);
    d->prof = NULL;
}

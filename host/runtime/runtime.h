/* host/runtime/runtime.h - an open device: context, in-order queue, kernel loader, memory, launches.
 *
 * an_dev is what every op takes. Kernels come from one loader (an_kernel): the program is the
 * common header cl/common.cl followed by the op's file cl/<file>.cl, built with the given -D
 * options, cached in memory per device and on disk as a binary. Every launch goes through
 * an_launch, which checks the call and, when profiling is on, keeps the event under a tag so that
 * `alexnet bench` can report per-layer times. Device buffers are (cl_mem, element offset) pairs. */
#ifndef AN_RUNTIME_RUNTIME_H
#define AN_RUNTIME_RUNTIME_H

#include "runtime/device.h"
#include "runtime/clcheck.h"

typedef struct an_progcache an_progcache;
typedef struct an_profile an_profile;

typedef struct an_dev {
    an_device_info info;
    cl_context ctx;
    cl_command_queue q;     /* in-order, with profiling enabled */
    int owns_ctx;           /* the first device of a shared context releases it */
    an_progcache *progs;    /* programs and kernels built for this device */
    an_profile *prof;       /* NULL unless profiling was switched on */
    const char *tag;        /* the current profiling tag (a layer name), set by the caller */
    int gemm_fixed;         /* ops/gemm.h's backend settings for calls on this device: */
    int gemm_prefer;        /* an_gemm_set_backend and an_gemm_prefer (0: AN_GEMM_AUTO) */
    int gemm_path;          /* the own backend's kernels, an_gemm_set_path (0: by device) */
    cl_mem gemm_ws;         /* the own backend's packing workspace (NULL until needed) */
    size_t gemm_ws_floats;
    int tune_fault[3];      /* ops/tune.h's test hook an_tune_inject_fault: the candidate's
                               algorithm (0: none), GEMM backend, and whether wrong or failing */
    int tune_mode;          /* ops/tune.h's an_tune_set_mode (0: ALEXNET_TUNE decides) */
    unsigned long tune_timed, tune_read; /* ops/tune.h's an_tune_counts on this device */
    size_t largest_alloc;   /* the largest buffer an_alloc made on this device, and its name */
    char largest_name[96];
} an_dev;

/* A float tensor on a device: a buffer and an offset in floats into it. */
typedef struct an_buf {
    cl_mem mem;
    size_t off;
} an_buf;

static inline an_buf an_buf_at(an_buf b, size_t elements) {
    b.off += elements;
    return b;
}

/* Open n (1 or 2) devices. Devices of one platform share one context; devices of different
 * platforms get one context each (ALEXNET_SEPARATE_CONTEXTS=1 forces that on one platform, to
 * test the host-staged transfers). The same device may be opened twice. devs[i] is filled in
 * place. */
an_status an_devs_open(const an_device_info *infos, int n, an_dev *devs);
void an_devs_close(an_dev *devs, int n);

/* Kernel cache policy: on by default; off with an_kernel_cache_enable(0), --no-kernel-cache
 * or ALEXNET_KERNEL_CACHE=off. Directory: $XDG_CACHE_HOME/alexnet-cl, else ~/.cache/alexnet-cl. */
void an_kernel_cache_enable(int on);
/* Programs this process loaded from the disk cache (hits) and built from source (builds). */
void an_kernel_cache_counts(unsigned long *hits, unsigned long *builds);

/* The kernel `name` from cl/<file>.cl built with options `opts` (may be NULL). The cl_kernel is
 * owned by the device's cache: do not release it. Safe to call on every launch (a hash lookup). */
an_status an_kernel(an_dev *d, const char *file, const char *opts, const char *name, cl_kernel *k);

/* Set kernel arguments: AN_ARG(k, index, value) with value an lvalue (a cl_mem, cl_int, float...). */
#define AN_ARG(k, i, v) CL_CHECK(clSetKernelArg((k), (i), sizeof(v), &(v)))

/* Enqueue k on d's queue. lws may be NULL. gws is rounded up to a multiple of lws by the caller.
 * A work-group over d's (effective, see limits.h) max_work_group, or a kernel whose local memory
 * exceeds d's local_mem, is refused here with a message, before the driver sees it. */
an_status an_launch(an_dev *d, cl_kernel k, cl_uint dims, const size_t *gws, const size_t *lws);

/* Round n up to a multiple of m. */
static inline size_t an_round_up(size_t n, size_t m) { return (n + m - 1) / m * m; }

/* Device memory, through one place: a failure names the tensor, its size and the device's limits
 * (the effective ones, under a limit profile: a buffer over the cap is refused here). */
an_status an_alloc(an_dev *d, const char *name, size_t bytes, cl_mem *out);
void an_free(cl_mem *m);

/* Host memory suited to fast transfers to and from d (pinned, where the platform pins
 * CL_MEM_ALLOC_HOST_PTR buffers, as NVIDIA's does): a buffer of d's context kept mapped;
 * *host is its address. Release with an_host_free. */
an_status an_host_alloc(an_dev *d, size_t bytes, cl_mem *mem, void **host);
void an_host_free(an_dev *d, cl_mem *mem, void *host);

/* Blocking host<->device copies of floats (offsets and counts in floats). */
an_status an_write(an_dev *d, an_buf dst, const float *src, size_t count);
an_status an_read(an_dev *d, an_buf src, float *dst, size_t count);
/* Fill count floats with value (used to poison outputs in tests and to zero gradients). */
an_status an_fill(an_dev *d, an_buf dst, float value, size_t count);
an_status an_finish(an_dev *d);

/* Profiling: when on, every launch's event is kept under d->tag ("" if NULL). by_kernel != 0
 * also splits each tag's rows by kernel function (an_profile_row.kernel). */
an_status an_profile_start(an_dev *d);
an_status an_profile_by_kernel(an_dev *d, int by_kernel);
/* Keep another command's event (a copy) under d->tag; takes ownership of ev (released when
 * profiling is off). */
an_status an_profile_event(an_dev *d, cl_event ev);
typedef struct an_profile_row {
    char tag[64];
    char kernel[48]; /* the kernel function when split by kernel; "" for copies, other events */
    double ms;       /* summed device time of the tag's kernels */
    int launches;
} an_profile_row;
/* Waits for the queue, sums the kept events per tag (in first-seen order), and clears them. */
an_status an_profile_collect(an_dev *d, an_profile_row **rows, int *nrows);
void an_profile_stop(an_dev *d);

#endif

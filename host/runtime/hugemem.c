/* host/runtime/hugemem.c - large buffers of CPU devices in memory the kernel may back with 2 MiB
 * pages (see hugemem.h).
 *
 * A CPU device's buffers are host memory. PoCL takes it from malloc, which Linux backs with 4 KiB
 * pages unless the system's transparent huge pages are "always" (Debian's default is "madvise"),
 * and a batch-128 training step walks about 2 GB of it: the TLB misses cost conv2's forward and
 * gradients 5-7 % (`tools/bench_ab.py`, docs/BENCH.md). Here such a buffer is an anonymous
 * mapping aligned to 2 MiB and advised MADV_HUGEPAGE, handed to OpenCL with CL_MEM_USE_HOST_PTR,
 * which a CPU device uses in place; the mapping is released with the buffer. */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS, madvise */

#include "runtime/hugemem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#define HUGE_PAGE ((size_t)2 << 20)
#define HUGE_MIN ((size_t)4 << 20) /* smaller buffers would round up to a 2 MiB page */

int an_hugemem_wanted(const an_dev *d, size_t bytes) {
    const char *env = getenv("ALEXNET_HUGEPAGES");
    if (env && strcmp(env, "off") == 0) return 0;
    return (d->info.type & CL_DEVICE_TYPE_CPU) && bytes >= HUGE_MIN;
}

#if defined(__linux__) && defined(MADV_HUGEPAGE)
typedef struct mapping {
    void *base;
    size_t len;
} mapping;

static void CL_CALLBACK release_mapping(cl_mem mem, void *user) {
    (void)mem;
    mapping *m = user;
    munmap(m->base, m->len);
    free(m);
}

cl_mem an_hugemem_buffer(const an_dev *d, size_t bytes) {
    if (!an_hugemem_wanted(d, bytes)) return NULL;
    mapping *m = malloc(sizeof *m);
    if (!m) return NULL;
    m->len = (bytes + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
    /* map a page more than needed, then trim both ends to a 2 MiB-aligned run */
    size_t span = m->len + HUGE_PAGE;
    char *raw = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) {
        free(m);
        return NULL;
    }
    size_t lead = (HUGE_PAGE - (uintptr_t)raw % HUGE_PAGE) % HUGE_PAGE;
    if (lead) munmap(raw, lead);
    if (HUGE_PAGE - lead) munmap(raw + lead + m->len, HUGE_PAGE - lead);
    m->base = raw + lead;
    madvise(m->base, m->len, MADV_HUGEPAGE); /* advice only: refused, the pages are 4 KiB */
    cl_int err;
    cl_mem buf = clCreateBuffer(d->ctx, CL_MEM_READ_WRITE | CL_MEM_USE_HOST_PTR, bytes, m->base,
                                &err);
    if (err == CL_SUCCESS) {
        if (clSetMemObjectDestructorCallback(buf, release_mapping, m) == CL_SUCCESS) return buf;
        clReleaseMemObject(buf); /* without the callback the mapping would leak */
    }
    munmap(m->base, m->len);
    free(m);
    return NULL;
}
#else
cl_mem an_hugemem_buffer(const an_dev *d, size_t bytes) {
    (void)d;
    (void)bytes;
    return NULL;
}
#endif

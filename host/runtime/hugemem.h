/* host/runtime/hugemem.h - large buffers of CPU devices in memory advised for transparent huge
 * pages (hugemem.c), so that the TLB covers a training step's tensors. an_alloc tries this first;
 * ALEXNET_HUGEPAGES=off turns it off. */
#ifndef AN_RUNTIME_HUGEMEM_H
#define AN_RUNTIME_HUGEMEM_H

#include "runtime/runtime.h"

/* Whether a buffer of bytes on d is made here: a CPU device, at least 4 MiB, and
 * ALEXNET_HUGEPAGES is not "off". */
int an_hugemem_wanted(const an_dev *d, size_t bytes);

/* A read-write buffer of bytes on d's context over a 2 MiB-aligned anonymous mapping advised
 * MADV_HUGEPAGE (CL_MEM_USE_HOST_PTR; the mapping goes with the buffer's release), or NULL where
 * it is not wanted or could not be made: then the caller makes an ordinary buffer. */
cl_mem an_hugemem_buffer(const an_dev *d, size_t bytes);

#endif

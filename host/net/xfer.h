/* host/net/xfer.h - the crossover transfers between the towers' devices, ordered by events.
 *
 * an_dev_wait_for(dst, src) makes everything enqueued later on dst wait for everything enqueued
 * so far on src, without blocking the host: within one context a marker on src and a barrier
 * on dst; across contexts (devices of two platforms) a user event of dst's context completed by
 * a callback on src's marker.
 *
 * An an_link moves a rows × cols block of floats (strided rows) from one device to another:
 * within one context a clEnqueueCopyBufferRect on the destination's queue; across contexts a
 * rectangular read into host memory on the source's queue and a write on the destination's.
 * With `accumulate` the block is added into the destination (the backward of a crossover), via a
 * staging buffer on the destination. Bytes moved are counted for `alexnet bench`; with profiling
 * on, the copies' events are kept under the device's current tag. */
#ifndef AN_NET_XFER_H
#define AN_NET_XFER_H

#include "runtime/runtime.h"

an_status an_dev_wait_for(an_dev *dst, an_dev *src);

typedef struct an_link {
    an_dev *src, *dst;
    size_t rows, cols;
    cl_mem stage;   /* on dst, rows*cols floats: for accumulating across devices */
    float *host;    /* rows*cols floats: when src and dst have different contexts (pinned:
                       a mapped buffer of src's context) */
    cl_mem host_mem;
    unsigned long long bytes; /* moved so far */
} an_link;

an_status an_link_init(an_link *k, an_dev *src, an_dev *dst, size_t rows, size_t cols,
                       int accumulate, const char *name);
/* dst[r*dp + c] (+)= src[r*sp + c] for r < rows, c < k->cols; rows <= k->rows (a smaller
 * batch). */
an_status an_link_copy(an_link *k, an_buf s, size_t sp, an_buf d, size_t dp, size_t rows,
                       int accumulate);
void an_link_free(an_link *k);

#endif

/* host/net/xfer.c - device-to-device copies for the crossovers, and cross-queue ordering. */
#include <stdlib.h>
#include <string.h>

#include "net/xfer.h"
#include "ops/concat.h"

static void CL_CALLBACK complete_user_event(cl_event ev, cl_int status, void *user) {
    (void)ev;
    cl_event ue = user;
    clSetUserEventStatus(ue, status < 0 ? status : CL_COMPLETE);
    clReleaseEvent(ue);
}

an_status an_dev_wait_for(an_dev *dst, an_dev *src) {
    if (dst->q == src->q) return AN_OK;
    cl_event m;
    CL_CHECK(clEnqueueMarkerWithWaitList(src->q, 0, NULL, &m));
    cl_int err;
    if (dst->ctx == src->ctx) {
        err = clEnqueueBarrierWithWaitList(dst->q, 1, &m, NULL);
        clReleaseEvent(m);
        CL_CHECK(err);
    } else {
        cl_event ue = clCreateUserEvent(dst->ctx, &err);
        if (err != CL_SUCCESS) {
            clReleaseEvent(m);
            CL_CHECK(err);
        }
        err = clEnqueueBarrierWithWaitList(dst->q, 1, &ue, NULL);
        if (err == CL_SUCCESS) {
            clRetainEvent(ue); /* released by the callback */
            err = clSetEventCallback(m, CL_COMPLETE, complete_user_event, ue);
            if (err != CL_SUCCESS) clReleaseEvent(ue);
        }
        clReleaseEvent(ue);
        clReleaseEvent(m);
        CL_CHECK(err);
    }
    /* The marker must reach the device, or the other queue would wait forever. */
    CL_CHECK(clFlush(src->q));
    return AN_OK;
}

an_status an_link_init(an_link *k, an_dev *src, an_dev *dst, size_t rows, size_t cols,
                       int accumulate, const char *name) {
    memset(k, 0, sizeof *k);
    k->src = src;
    k->dst = dst;
    k->rows = rows;
    k->cols = cols;
    if (src->q == dst->q) return AN_OK;
    if (accumulate) AN_TRY(an_alloc(dst, name, rows * cols * sizeof(float), &k->stage));
    if (src->ctx != dst->ctx) {
        void *host;
        an_status s = an_host_alloc(src, rows * cols * sizeof(float), &k->host_mem, &host);
        if (s != AN_OK) return an_error_context(s, "the %s transfer buffer", name);
        k->host = host;
    }
    return AN_OK;
}

void an_link_free(an_link *k) {
    an_free(&k->stage);
    if (k->host_mem) an_host_free(k->src, &k->host_mem, k->host);
    k->host = NULL;
}

an_status an_link_copy(an_link *k, an_buf s, size_t sp, an_buf d, size_t dp, size_t rows,
                       int accumulate) {
    an_dev *src = k->src, *dst = k->dst;
    if (src->q == dst->q)
        return an_copy2d(dst, s, sp, d, dp, rows, k->cols, accumulate);
    const size_t F = sizeof(float);
    /* With accumulate the block lands densely in the staging buffer first. */
    an_buf target = accumulate ? (an_buf){k->stage, 0} : d;
    size_t tp = accumulate ? k->cols : dp;
    size_t src_origin[3] = {s.off * F, 0, 0}, dst_origin[3] = {target.off * F, 0, 0};
    size_t region[3] = {k->cols * F, rows, 1};
    cl_event ev = NULL;
    if (src->ctx == dst->ctx) {
        AN_TRY(an_dev_wait_for(dst, src));
        CL_CHECK(clEnqueueCopyBufferRect(dst->q, s.mem, target.mem, src_origin, dst_origin, region,
                                         sp * F, 0, tp * F, 0, 0, NULL, dst->prof ? &ev : NULL));
        if (ev) AN_TRY(an_profile_event(dst, ev));
    } else {
        size_t host_origin[3] = {0, 0, 0};
        CL_CHECK(clEnqueueReadBufferRect(src->q, s.mem, CL_FALSE, src_origin, host_origin, region,
                                         sp * F, 0, k->cols * F, 0, k->host, 0, NULL,
                                         src->prof ? &ev : NULL));
        if (ev) AN_TRY(an_profile_event(src, ev));
        ev = NULL;
        AN_TRY(an_dev_wait_for(dst, src));
        CL_CHECK(clEnqueueWriteBufferRect(dst->q, target.mem, CL_FALSE, dst_origin, host_origin,
                                          region, tp * F, 0, k->cols * F, 0, k->host, 0, NULL,
                                          dst->prof ? &ev : NULL));
        if (ev) AN_TRY(an_profile_event(dst, ev));
    }
    k->bytes += (unsigned long long)(rows * k->cols * F);
    if (accumulate) return an_copy2d(dst, target, k->cols, d, dp, rows, k->cols, 1);
    return AN_OK;
}

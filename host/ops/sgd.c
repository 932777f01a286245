/* host/ops/sgd.c - the segment table and the launcher of cl/sgd.cl. */
#include "ops/sgd.h"
#include "ops/opargs.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define WG 256

an_status an_sgd_table_create(an_dev *d, const an_sgd_segment *segs, size_t count,
                              an_sgd_table *t) {
    t->mem = NULL;
    t->count = t->total = 0;
    if (!count || count > UINT32_MAX)
        return an_error(AN_ERR_INVALID_ARG, "sgd: a table needs 1 to 2^32-1 segments, not %zu",
                        count);
    size_t end = 0;
    for (size_t s = 0; s < count; s++) {
        if (segs[s].start < end)
            return an_error(AN_ERR_INVALID_ARG,
                            "sgd: segment %zu starts at %zu, inside or before segment %zu", s,
                            segs[s].start, s ? s - 1 : 0);
        if (segs[s].length > UINT32_MAX - segs[s].start)
            return an_error(AN_ERR_INVALID_ARG, "sgd: segment %zu ends beyond 2^32 elements", s);
        end = segs[s].start + segs[s].length;
    }
    uint32_t *rows = malloc(count * 4 * sizeof *rows);
    if (!rows) return an_error(AN_ERR_NOMEM, "sgd: out of host memory for %zu segments", count);
    for (size_t s = 0; s < count; s++) {
        rows[4 * s + 0] = (uint32_t)segs[s].start;
        rows[4 * s + 1] = (uint32_t)segs[s].length;
        memcpy(&rows[4 * s + 2], &segs[s].lr_mult, sizeof(float));
        memcpy(&rows[4 * s + 3], &segs[s].decay_mult, sizeof(float));
    }
    size_t bytes = count * 4 * sizeof *rows;
    an_status st = an_alloc(d, "sgd.segments", bytes, &t->mem);
    if (st == AN_OK) {
        cl_int err = clEnqueueWriteBuffer(d->q, t->mem, CL_TRUE, 0, bytes, rows, 0, NULL, NULL);
        if (err != CL_SUCCESS) {
            st = an_cl_fail(err, "clEnqueueWriteBuffer(sgd.segments)", __FILE__, __LINE__);
            an_free(&t->mem);
        }
    }
    free(rows);
    if (st != AN_OK) return st;
    t->count = count;
    t->total = end;
    return AN_OK;
}

void an_sgd_table_free(an_sgd_table *t) {
    an_free(&t->mem);
    t->count = t->total = 0;
}

an_status an_sgd_step(an_dev *d, const an_sgd_table *t, an_buf w, an_buf g, an_buf v, float lr,
                      float momentum, float decay) {
    if (!t || !t->mem) return an_error(AN_ERR_INVALID_ARG, "sgd_step: no segment table");
    const an_buf *bufs[3] = {&w, &g, &v};
    static const char *const names[3] = {"w", "g", "v"};
    for (int i = 0; i < 3; i++)
        if (!bufs[i]->mem || bufs[i]->off > UINT32_MAX - t->total)
            return an_error(AN_ERR_INVALID_ARG, "sgd_step: %s is missing or its offset too large",
                            names[i]);
    if (!t->total) return AN_OK;
    cl_kernel k;
    AN_TRY(an_kernel(d, "sgd", NULL, "sgd_step", &k));
    cl_uint nseg = (cl_uint)t->count, total = (cl_uint)t->total;
    AN_TRY(op_arg_buf(k, 0, w));
    AN_TRY(op_arg_buf(k, 2, g));
    AN_TRY(op_arg_buf(k, 4, v));
    AN_ARG(k, 6, t->mem);
    AN_ARG(k, 7, nseg);
    AN_ARG(k, 8, total);
    AN_ARG(k, 9, lr);
    AN_ARG(k, 10, momentum);
    AN_ARG(k, 11, decay);
    size_t wg = d->info.max_work_group < WG ? d->info.max_work_group : WG;
    size_t gws = an_round_up(t->total, wg);
    return an_launch(d, k, 1, &gws, &wg);
}

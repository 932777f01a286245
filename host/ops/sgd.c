/* host/ops/sgd.c - the run table and the launcher of cl/sgd.cl: adjacent segments with the same
 * multipliers merge into runs, and each run is one vectorised launch. */
#include "ops/sgd.h"
#include "ops/opargs.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define WG 256
#define VEC 8 /* floats per work-item: cl/sgd.cl's SGD_VEC */

an_status an_sgd_table_create(an_dev *d, const an_sgd_segment *segs, size_t count,
                              an_sgd_table *t) {
    (void)d;
    t->runs = NULL;
    t->count = t->nruns = t->total = 0;
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
    t->runs = malloc(count * sizeof *t->runs);
    if (!t->runs) return an_error(AN_ERR_NOMEM, "sgd: out of host memory for %zu segments", count);
    for (size_t s = 0; s < count; s++) {
        if (!segs[s].length) continue;
        an_sgd_segment *r = t->nruns ? &t->runs[t->nruns - 1] : NULL;
        if (r && r->start + r->length == segs[s].start && r->lr_mult == segs[s].lr_mult &&
            r->decay_mult == segs[s].decay_mult)
            r->length += segs[s].length;
        else
            t->runs[t->nruns++] = segs[s];
    }
    t->count = count;
    t->total = end;
    return AN_OK;
}

void an_sgd_table_free(an_sgd_table *t) {
    free(t->runs);
    t->runs = NULL;
    t->count = t->nruns = t->total = 0;
}

an_status an_sgd_step(an_dev *d, const an_sgd_table *t, an_buf w, an_buf g, an_buf v, float lr,
                      float momentum, float decay) {
    if (!t || !t->count) return an_error(AN_ERR_INVALID_ARG, "sgd_step: no segment table");
    const an_buf *bufs[3] = {&w, &g, &v};
    const char *const names[3] = {"w", "g", "v"};
    for (int i = 0; i < 3; i++)
        AN_TRY(op_check_buf("sgd_step", names[i], *bufs[i], t->total));
    if (!t->nruns) return AN_OK;
    cl_kernel k;
    AN_TRY(an_kernel(d, "sgd", NULL, "sgd_run", &k));
    AN_TRY(OP_ARGS(k, OP_BUF(w), OP_BUF(g), OP_BUF(v)));
    AN_TRY(OP_ARGS_AT(k, 10, OP_F32(momentum)));
    size_t wg = d->info.max_work_group < WG ? d->info.max_work_group : WG;
    for (size_t r = 0; r < t->nruns; r++) {
        const an_sgd_segment *s = &t->runs[r];
        /* As the reference: e and l rounded to float, then their product. */
        float e = lr * s->lr_mult, l = decay * s->decay_mult, le = l * e;
        AN_TRY(OP_ARGS_AT(k, 6, OP_U32(s->start), OP_U32(s->length), OP_F32(e), OP_F32(le)));
        size_t gws = an_round_up((s->length + VEC - 1) / VEC, wg);
        AN_TRY(an_launch(d, k, 1, &gws, &wg));
    }
    return AN_OK;
}

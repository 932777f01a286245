/* host/cli/bench_bandwidth.c - the fc layers' weight bandwidth against a copy kernel's
 * (bench_bandwidth.h). */
#include <stdio.h>
#include <stdlib.h>

#include "cli/bench_bandwidth.h"
#include "ops/gemv.h"

#define COPY_FLOATS ((size_t)32 << 20) /* 128 MiB per buffer: far over any cache */
#define COPY_REPS 5

/* The best of COPY_REPS copies' device times, as GB/s of bytes read plus bytes written. */
static an_status copy_gbs(an_dev *d, double *gbs) {
    cl_mem src = NULL, dst = NULL;
    double best = 0;
    const char *tag = d->tag;
    d->tag = "bandwidth";
    an_status s = an_alloc(d, "copy source", COPY_FLOATS * sizeof(float), &src);
    if (s == AN_OK) s = an_alloc(d, "copy destination", COPY_FLOATS * sizeof(float), &dst);
    if (s == AN_OK) s = an_fill(d, (an_buf){src, 0}, 1.0f, COPY_FLOATS);
    if (s == AN_OK) s = an_fill(d, (an_buf){dst, 0}, 0.0f, COPY_FLOATS);
    for (int r = 0; s == AN_OK && r <= COPY_REPS; r++) {
        an_profile_row *rows = NULL;
        int n = 0;
        s = an_profile_collect(d, &rows, &n); /* drops what came before */
        free(rows);
        if (s == AN_OK) s = an_copy_floats(d, src, dst, COPY_FLOATS);
        if (s == AN_OK) s = an_profile_collect(d, &rows, &n);
        double ms = 0;
        for (int k = 0; k < n; k++) ms += rows[k].ms;
        free(rows);
        if (s == AN_OK && r > 0 && ms > 0 && (best == 0 || ms < best)) best = ms; /* r 0 builds */
    }
    d->tag = tag;
    an_free(&src);
    an_free(&dst);
    *gbs = best > 0 ? 2.0 * (double)(COPY_FLOATS * sizeof(float)) / (best * 1e-3) / 1e9 : 0;
    return s;
}

an_status bench_bandwidth_print(const bench *b) {
    printf("\nmemory bandwidth, inference at batch %d (GB/s = 1e9 bytes/s):\n", b->batch);
    for (int di = 0; di < b->ndev; di++) {
        double copy = 0;
        AN_TRY(copy_gbs(&b->devs[di], &copy));
        printf("  device %d: copy kernel %.1f GB/s (bytes read + bytes written, best of %d "
               "copies of %zu MiB)\n",
               di, copy, COPY_REPS, COPY_FLOATS * sizeof(float) >> 20);
        for (int i = 0; i < b->net->nlayers; i++) {
            const an_layer *l = &b->net->layers[i];
            double ms = b->op[i].fwd[di] / b->iters;
            if (l->kind != AN_LAYER_FC || l->weight < 0 || ms <= 0) continue;
            double bytes = 0; /* the weights of the towers on device di */
            for (int t = 0; t < b->net->towers; t++)
                if (t % b->ndev == di && an_net_tower_runs(b->net, i, t))
                    bytes += (double)b->net->tensors[l->weight].count * sizeof(float) *
                             l->out_tower.c / l->out.c;
            double gbs = bytes / (ms * 1e-3) / 1e9;
            printf("  %-10s weights %7.1f MB in %8.3f ms: %6.1f GB/s, %5.1f%% of the copy's\n",
                   l->name, bytes / 1e6, ms, gbs, copy > 0 ? 100.0 * gbs / copy : 0.0);
        }
    }
    return AN_OK;
}

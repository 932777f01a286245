/* host/cli/bench_kernels.c - the per-kernel table of `alexnet bench --kernels`: which kernels
 * of which layer the device time went to (copies and library calls without a kernel of ours
 * show as "(other)"). */
#include "cli/bench_kernels.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct krow {
    char tag[64], kernel[48];
    int backward;
    double ms;
    long launches;
} krow;

struct bench_kernels {
    krow *rows;
    int n, cap;
};

an_status bench_kernels_add(bench_kernels **k, int backward, const an_profile_row *row) {
    if (!*k && !(*k = calloc(1, sizeof **k))) return an_error(AN_ERR_NOMEM, "out of host memory");
    bench_kernels *b = *k;
    for (int i = 0; i < b->n; i++) {
        krow *r = &b->rows[i];
        if (r->backward == backward && strcmp(r->tag, row->tag) == 0 &&
            strcmp(r->kernel, row->kernel) == 0) {
            r->ms += row->ms;
            r->launches += row->launches;
            return AN_OK;
        }
    }
    if (b->n == b->cap) {
        int cap = b->cap ? 2 * b->cap : 64;
        krow *r = realloc(b->rows, (size_t)cap * sizeof *r);
        if (!r) return an_error(AN_ERR_NOMEM, "out of host memory");
        b->rows = r;
        b->cap = cap;
    }
    krow *r = &b->rows[b->n++];
    snprintf(r->tag, sizeof r->tag, "%s", row->tag);
    snprintf(r->kernel, sizeof r->kernel, "%s", row->kernel[0] ? row->kernel : "(other)");
    r->backward = backward;
    r->ms = row->ms;
    r->launches = row->launches;
    return AN_OK;
}

static int by_ms_desc(const void *a, const void *b) {
    double x = ((const krow *)a)->ms, y = ((const krow *)b)->ms;
    return x < y ? 1 : x > y ? -1 : 0;
}

void bench_kernels_print(const bench_kernels *k, int iters) {
    printf("\ndevice time per kernel and iteration, largest first\n");
    if (!k || k->n == 0) {
        printf("(no kernels were profiled)\n");
        return;
    }
    krow *rows = malloc((size_t)k->n * sizeof *rows);
    if (!rows) return;
    memcpy(rows, k->rows, (size_t)k->n * sizeof *rows);
    qsort(rows, (size_t)k->n, sizeof *rows, by_ms_desc);
    double sum = 0;
    for (int i = 0; i < k->n; i++) sum += rows[i].ms;
    printf("%-10s %-5s %-32s %9s %10s %7s\n", "layer", "phase", "kernel", "launches", "ms",
           "share");
    for (int i = 0; i < k->n; i++) {
        const krow *r = &rows[i];
        printf("%-10s %-5s %-32s %9.1f %10.3f %6.1f%%\n", r->tag[0] ? r->tag : "-",
               r->backward ? "bwd" : "fwd", r->kernel, (double)r->launches / iters,
               r->ms / iters, sum > 0 ? 100.0 * r->ms / sum : 0.0);
    }
    free(rows);
}

void bench_kernels_free(bench_kernels *k) {
    if (!k) return;
    free(k->rows);
    free(k);
}

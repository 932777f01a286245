/* host/cli/cmd_bench_gemm.c - `alexnet bench-gemm`: GFLOP/s of each GEMM backend on 1024^3, on
 * AlexNet's fully connected layers at batch 128 and on the im2col GEMMs of its convolutions
 * (at --conv-batch images, default 32), next to the device's measured float FMA rate
 * (cl/fma_peak.cl), so that every figure is also a percentage of that peak. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "ops/gemm.h"
#include "util/clock.h"

typedef struct bench_shape {
    const char *name;
    int ta, tb;
    size_t M, N, K;
    size_t batch;  /* per-image GEMMs sharing A (0: the conv batch) */
    int groups;    /* GEMM calls per run, one per group */
} bench_shape;

static const bench_shape shapes[] = {
    {"square 1024^3 (NN)", 0, 0, 1024, 1024, 1024, 1, 1},
    {"fc6 fwd 128x4096x9216 (NT)", 0, 1, 128, 4096, 9216, 1, 1},
    {"fc7 fwd 128x4096x4096 (NT)", 0, 1, 128, 4096, 4096, 1, 1},
    {"fc8 fwd 128x1000x4096 (NT)", 0, 1, 128, 1000, 4096, 1, 1},
    {"conv1 fwd 96x3025x363", 0, 0, 96, 3025, 363, 0, 1},
    {"conv2 fwd 2x 128x729x1200", 0, 0, 128, 729, 1200, 0, 2},
    {"conv3 fwd 384x169x2304", 0, 0, 384, 169, 2304, 0, 1},
    {"conv4 fwd 2x 192x169x1728", 0, 0, 192, 169, 1728, 0, 2},
    {"conv5 fwd 2x 128x169x1728", 0, 0, 128, 169, 1728, 0, 2},
};
#define NSHAPES (sizeof shapes / sizeof *shapes)

/* Best GFLOP/s of a few runs of `chains` FMA chains per work-item, one work-item per
 * work-group (the fastest combination on PoCL); runs grow until one takes 0.1 s. */
static an_status fma_runs(an_dev *d, int chains, cl_mem out, size_t gws, double *best) {
    char opts[32];
    snprintf(opts, sizeof opts, "-DCHAINS=%d", chains);
    cl_kernel k;
    AN_TRY(an_kernel(d, "fma_peak", opts, "fma_peak", &k));
    cl_uint iters = 1024;
    float m = 0.999f, a = 1e-3f;
    size_t lws = 1;
    for (int rep = 0; rep < 8; rep++) {
        AN_ARG(k, 0, out);
        AN_ARG(k, 1, iters);
        AN_ARG(k, 2, m);
        AN_ARG(k, 3, a);
        double t0 = an_now_s();
        AN_TRY(an_launch(d, k, 1, &gws, &lws));
        AN_TRY(an_finish(d));
        double t = an_now_s() - t0;
        double g = (double)gws * iters * chains * 16 * 2 / t * 1e-9;
        if (g > *best) *best = g;
        if (t < 0.1 && iters < (1u << 24)) iters *= 2;
    }
    return AN_OK;
}

/* The device's float FMA rate: the best of 8 and 12 chains per work-item. */
static an_status fma_rate(an_dev *d, double *gflops) {
    size_t gws = 64 * (size_t)(d->info.compute_units ? d->info.compute_units : 1);
    cl_mem out;
    AN_TRY(an_alloc(d, "fma_peak.out", gws * sizeof(float), &out));
    *gflops = 0;
    an_status s = fma_runs(d, 8, out, gws, gflops);
    if (s == AN_OK) s = fma_runs(d, 12, out, gws, gflops);
    an_free(&out);
    return s;
}

/* Time one shape on the current backend: one warm-up run, then up to reps runs (stopping once
 * 2 s have passed); the fastest run gives GFLOP/s (the machine may be shared: the best run is
 * the one least disturbed). */
static an_status time_shape(an_dev *d, const bench_shape *b, size_t conv_batch, int reps,
                            an_buf A, an_buf B, an_buf C, double *gflops) {
    size_t batch = b->batch ? b->batch : conv_batch;
    size_t ac = b->ta ? b->M : b->K; /* columns of A and B as stored: their leading dimensions */
    size_t br = b->tb ? b->N : b->K, bc = b->tb ? b->K : b->N;
    double start = 0, best = 1e30;
    for (int r = -1; r < reps; r++) {
        AN_TRY(an_finish(d));
        double t0 = an_now_s();
        if (r == 0) start = t0;
        for (int g = 0; g < b->groups; g++)
            AN_TRY(an_gemm_batched(d, b->ta, b->tb, b->M, b->N, b->K, 1.0f, A, ac, 0, B, bc,
                                   br * bc, 0.0f, C, b->N, b->M * b->N, batch));
        AN_TRY(an_finish(d));
        double t1 = an_now_s();
        if (r >= 0 && t1 - t0 < best) best = t1 - t0;
        if (r >= 0 && t1 - start > 2.0) break;
    }
    *gflops = 2.0 * (double)b->M * b->N * b->K * batch * b->groups / best * 1e-9;
    return AN_OK;
}

/* The 1-minute load average (Linux), or -1: figures on a busy machine are lower. */
static double load_average(void) {
    double l = -1;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf", &l) != 1) l = -1;
        fclose(f);
    }
    return l;
}

static an_status alloc_filled(an_dev *d, const char *name, size_t n, an_buf *b) {
    b->off = 0;
    AN_TRY(an_alloc(d, name, n * sizeof(float), &b->mem));
    return an_fill(d, *b, 0.01f, n);
}

int cmd_bench_gemm(int argc, char **argv) {
    cli_device_opts dev_opts = {0};
    int json = 0, conv_batch = 32;
    const char *only = NULL;
    const cli_opt opts[] = {
        CLI_DEVICE_OPTIONS(dev_opts),
        {"--json", CLI_FLAG, &json, NULL, "print JSON instead of a table", NULL},
        {"--conv-batch", CLI_INT, &conv_batch, "N", "images per convolution GEMM (default 32)",
         NULL},
        {"--backend", CLI_CHOICE, &only, "B", "run one backend only (default: both)",
         "own|clblast"},
        {0},
    };
    int npos;
    int rc = cli_parse("bench-gemm", "[--device SPEC] [--json] [--conv-batch N] [--backend B]",
                       opts, argc, argv, NULL, 0, &npos);
    if (rc) return rc < 0 ? 0 : rc;
    if (conv_batch < 1) {
        fprintf(stderr, "alexnet bench-gemm: --conv-batch must be at least 1\n");
        return 2;
    }
    an_dev d;
    int ndev;
    if (cli_open_devices(&dev_opts, 1, &d, &ndev)) return 1;

    double peak = 0;
    an_status s = fma_rate(&d, &peak);
    if (s != AN_OK) {
        an_devs_close(&d, 1);
        return cli_fail("bench-gemm", s);
    }
    /* One set of buffers, sized for the largest operand of any shape. */
    size_t na = 0, nb = 0, nc = 0;
    for (size_t i = 0; i < NSHAPES; i++) {
        const bench_shape *b = &shapes[i];
        size_t batch = b->batch ? b->batch : (size_t)conv_batch;
        if (b->M * b->K > na) na = b->M * b->K;
        if (b->K * b->N * batch > nb) nb = b->K * b->N * batch;
        if (b->M * b->N * batch > nc) nc = b->M * b->N * batch;
    }
    an_buf A = {0}, B = {0}, C = {0};
    s = alloc_filled(&d, "bench.A", na, &A);
    if (s == AN_OK) s = alloc_filled(&d, "bench.B", nb, &B);
    if (s == AN_OK) s = alloc_filled(&d, "bench.C", nc, &C);

    an_gemm_backend backends[2] = {AN_GEMM_OWN, AN_GEMM_CLBLAST};
    int run_be[2] = {!only || strcmp(only, "own") == 0, !only || strcmp(only, "clblast") == 0};
    double res[NSHAPES][2] = {{0}};
    for (int bi = 0; bi < 2 && s == AN_OK; bi++) {
        if (!run_be[bi]) continue;
        an_gemm_set_backend(backends[bi]);
        for (size_t i = 0; i < NSHAPES && s == AN_OK; i++) {
            if (!json && cli_is_tty())
                fprintf(stderr, "\r%s: %-32s", an_gemm_backend_name(backends[bi]),
                        shapes[i].name);
            /* CLBlast is slow on CPU devices: one timed run there. */
            int slow = backends[bi] == AN_GEMM_CLBLAST && (d.info.type & CL_DEVICE_TYPE_CPU);
            int reps = slow ? 1 : 10;
            s = time_shape(&d, &shapes[i], (size_t)conv_batch, reps, A, B, C, &res[i][bi]);
        }
    }
    an_gemm_set_backend(AN_GEMM_AUTO);
    double load = load_average();
    if (!json && cli_is_tty()) fprintf(stderr, "\r%60s\r", "");
    an_free(&A.mem);
    an_free(&B.mem);
    an_free(&C.mem);
    if (s != AN_OK) {
        an_devs_close(&d, 1);
        return cli_fail("bench-gemm", s);
    }

    if (json) {
        printf("{\"device\": \"%s\", \"fma_peak_gflops\": %.1f, \"conv_batch\": %d, "
               "\"load_average\": %.2f, \"shapes\": [\n", d.info.name, peak, conv_batch, load);
        for (size_t i = 0; i < NSHAPES; i++) {
            const bench_shape *b = &shapes[i];
            printf("  {\"name\": \"%s\", \"M\": %zu, \"N\": %zu, \"K\": %zu, \"trans_a\": %d, "
                   "\"trans_b\": %d, \"batch\": %zu, \"groups\": %d",
                   b->name, b->M, b->N, b->K, b->ta, b->tb,
                   b->batch ? b->batch : (size_t)conv_batch, b->groups);
            for (int bi = 0; bi < 2; bi++)
                if (run_be[bi])
                    printf(", \"%s_gflops\": %.1f, \"%s_pct_peak\": %.1f",
                           an_gemm_backend_name(backends[bi]), res[i][bi],
                           an_gemm_backend_name(backends[bi]), 100 * res[i][bi] / peak);
            printf("}%s\n", i + 1 < NSHAPES ? "," : "");
        }
        printf("]}\n");
    } else {
        printf("device: %s\nmeasured FMA peak: %.1f GFLOP/s (float16 FMA chains)\n"
               "conv GEMMs: %d images per batched call (one call per group); "
               "figures: the fastest of several runs\n",
               d.info.name, peak, conv_batch);
        if (load >= 0)
            printf("load average at the end: %.2f (other work lowers the figures)\n", load);
        printf("\n");
        printf("%-30s %20s %20s\n", "shape (M x N x K)", "own GFLOP/s (%peak)",
               "clblast GFLOP/s (%peak)");
        for (size_t i = 0; i < NSHAPES; i++) {
            printf("%-30s", shapes[i].name);
            for (int bi = 0; bi < 2; bi++) {
                if (run_be[bi])
                    printf(" %12.1f (%4.0f%%)", res[i][bi], 100 * res[i][bi] / peak);
                else
                    printf(" %20s", "-");
            }
            printf("\n");
        }
    }
    an_devs_close(&d, 1);
    return 0;
}

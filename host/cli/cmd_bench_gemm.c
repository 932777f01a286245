/* host/cli/cmd_bench_gemm.c - `alexnet bench-gemm`: GFLOP/s of each GEMM backend on a 1024^3
 * square and on the GEMMs of AlexNet's layers - the im2col convolutions' forward, data gradient
 * (dX) and weight gradient (dW) and the fc layers' forward, dX and dW, at --batch images - next
 * to the device's measured float FMA rate (cl/fma_peak.cl), so that every figure is also a
 * percentage of that peak, measured again just before each shape. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "ops/gemm.h"
#include "util/clock.h"

/* How a shape's GEMM calls scale with the batch. */
typedef enum shape_kind {
    FIXED,     /* one call as written (the square) */
    FC_M,      /* one call, M = the batch (fc forward, dX) */
    FC_K,      /* one call, K = the batch (fc dW) */
    PER_IMAGE, /* batched over the images of a chunk, A shared (conv forward, dX) */
    K_IMAGES   /* K = K per image x images of a chunk, one call per chunk (conv dW) */
} shape_kind;

typedef struct bench_shape {
    const char *name;
    int ta, tb;
    size_t M, N, K; /* as the kind says, the batch replaces M or K, or multiplies K */
    shape_kind kind;
    int groups;     /* GEMM calls per chunk, one per group */
} bench_shape;

/* The GEMMs of host/ops/conv.c's im2col path and of the fc layers (host/net/model_run.c):
 * conv forward W * col (NN), dX col = W^T * dY (TN), dW = dY * col^T (NN, K the chunk's
 * pixels); fc forward x * W^T (NT), dX = dY * W (NN), dW = dY^T * x (TN). conv1's dX is not
 * listed: the first layer's input gradient is never computed. */
static const bench_shape owt_shapes[] = {
    {"square 1024^3", 0, 0, 1024, 1024, 1024, FIXED, 1},
    {"conv1 fwd", 0, 0, 64, 3025, 363, PER_IMAGE, 1},
    {"conv1 dW", 0, 0, 64, 363, 3025, K_IMAGES, 1},
    {"conv2 fwd", 0, 0, 192, 729, 1600, PER_IMAGE, 1},
    {"conv2 dX", 1, 0, 1600, 729, 192, PER_IMAGE, 1},
    {"conv2 dW", 0, 0, 192, 1600, 729, K_IMAGES, 1},
    {"conv3 fwd", 0, 0, 384, 169, 1728, PER_IMAGE, 1},
    {"conv3 dX", 1, 0, 1728, 169, 384, PER_IMAGE, 1},
    {"conv3 dW", 0, 0, 384, 1728, 169, K_IMAGES, 1},
    {"conv4 fwd", 0, 0, 256, 169, 3456, PER_IMAGE, 1},
    {"conv4 dX", 1, 0, 3456, 169, 256, PER_IMAGE, 1},
    {"conv4 dW", 0, 0, 256, 3456, 169, K_IMAGES, 1},
    {"conv5 fwd", 0, 0, 256, 169, 2304, PER_IMAGE, 1},
    {"conv5 dX", 1, 0, 2304, 169, 256, PER_IMAGE, 1},
    {"conv5 dW", 0, 0, 256, 2304, 169, K_IMAGES, 1},
    {"fc6 fwd", 0, 1, 0, 4096, 9216, FC_M, 1},
    {"fc6 dX", 0, 0, 0, 9216, 4096, FC_M, 1},
    {"fc6 dW", 1, 0, 4096, 9216, 0, FC_K, 1},
    {"fc7 fwd", 0, 1, 0, 4096, 4096, FC_M, 1},
    {"fc7 dX", 0, 0, 0, 4096, 4096, FC_M, 1},
    {"fc7 dW", 1, 0, 4096, 4096, 0, FC_K, 1},
    {"fc8 fwd", 0, 1, 0, 1000, 4096, FC_M, 1},
    {"fc8 dX", 0, 0, 0, 4096, 1000, FC_M, 1},
    {"fc8 dW", 1, 0, 1000, 4096, 0, FC_K, 1},
};

/* The original AlexNet's convolutions (two groups in conv2, conv4, conv5; conv1 on 227x227);
 * its fc layers are those of alexnet-owt. */
static const bench_shape alexnet_shapes[] = {
    {"conv1 fwd", 0, 0, 96, 3025, 363, PER_IMAGE, 1},
    {"conv1 dW", 0, 0, 96, 363, 3025, K_IMAGES, 1},
    {"conv2 fwd", 0, 0, 128, 729, 1200, PER_IMAGE, 2},
    {"conv2 dX", 1, 0, 1200, 729, 128, PER_IMAGE, 2},
    {"conv2 dW", 0, 0, 128, 1200, 729, K_IMAGES, 2},
    {"conv3 fwd", 0, 0, 384, 169, 2304, PER_IMAGE, 1},
    {"conv3 dX", 1, 0, 2304, 169, 384, PER_IMAGE, 1},
    {"conv3 dW", 0, 0, 384, 2304, 169, K_IMAGES, 1},
    {"conv4 fwd", 0, 0, 192, 169, 1728, PER_IMAGE, 2},
    {"conv4 dX", 1, 0, 1728, 169, 192, PER_IMAGE, 2},
    {"conv4 dW", 0, 0, 192, 1728, 169, K_IMAGES, 2},
    {"conv5 fwd", 0, 0, 128, 169, 1728, PER_IMAGE, 2},
    {"conv5 dX", 1, 0, 1728, 169, 128, PER_IMAGE, 2},
    {"conv5 dW", 0, 0, 128, 1728, 169, K_IMAGES, 2},
};
#define COUNT(a) (sizeof a / sizeof *a)
#define MAX_SHAPES COUNT(owt_shapes)

/* Images per GEMM call: host/ops/conv.c's chunking for conv shapes (the workspace of columns
 * plus the permuted dY holds at most 2^26 floats), all images for the others. */
static size_t chunk_images(const bench_shape *b, size_t images) {
    size_t per = 0;
    /* forward: (ckk + kout) x ohw is (K + M) x N; dX: M = ckk, K = kout; dW: N = ckk, M = kout */
    if (b->kind == PER_IMAGE) per = (b->M + b->K) * b->N * b->groups;
    if (b->kind == K_IMAGES) per = (b->M + b->N) * b->K * b->groups;
    if (per == 0) return images;
    size_t nb = ((size_t)1 << 26) / per;
    if (nb < 1) nb = 1;
    return nb < images ? nb : images;
}

/* The FMA rate measurement: its kernel's chains per work-item, iterations per run, work-items
 * and output buffer, fixed by the first, full measurement (fma_rate). */
typedef struct fma_probe {
    int chains;
    cl_uint iters;
    size_t gws;
    cl_mem out;
} fma_probe;

/* Best GFLOP/s of `reps` runs of p->chains FMA chains per work-item, one work-item per
 * work-group (the fastest combination on PoCL); with grow, runs lengthen until one takes 0.1 s
 * (p->iters keeps the length reached). */
static an_status fma_runs(an_dev *d, fma_probe *p, int reps, int grow, double *best) {
    char opts[32];
    snprintf(opts, sizeof opts, "-DCHAINS=%d", p->chains);
    cl_kernel k;
    AN_TRY(an_kernel(d, "fma_peak", opts, "fma_peak", &k));
    float m = 0.999f, a = 1e-3f;
    size_t lws = 1;
    *best = 0;
    for (int rep = 0; rep < reps; rep++) {
        AN_ARG(k, 0, p->out);
        AN_ARG(k, 1, p->iters);
        AN_ARG(k, 2, m);
        AN_ARG(k, 3, a);
        double t0 = an_now_s();
        AN_TRY(an_launch(d, k, 1, &p->gws, &lws));
        AN_TRY(an_finish(d));
        double t = an_now_s() - t0;
        double g = (double)p->gws * p->iters * p->chains * 16 * 2 / t * 1e-9;
        if (g > *best) *best = g;
        if (grow && t < 0.1 && p->iters < (1u << 24)) p->iters *= 2;
    }
    return AN_OK;
}

/* The device's float FMA rate: the best of 4, 6, 8 and 12 chains per work-item (AVX-512's 32
 * registers hold 12 float16, AVX2's 16 only 6: more spill, and the rate measured half the
 * machine's); p keeps the fastest setting for fma_again. */
static an_status fma_rate(an_dev *d, fma_probe *p, double *gflops) {
    p->gws = 64 * (size_t)(d->info.compute_units ? d->info.compute_units : 1);
    AN_TRY(an_alloc(d, "fma_peak.out", p->gws * sizeof(float), &p->out));
    static const int chains[] = {4, 6, 8, 12};
    *gflops = 0;
    for (size_t i = 0; i < sizeof chains / sizeof *chains; i++) {
        fma_probe c = {chains[i], 1024, p->gws, p->out};
        double g;
        AN_TRY(fma_runs(d, &c, 8, 1, &g));
        if (g > *gflops) {
            *gflops = g;
            *p = c;
        }
    }
    return AN_OK;
}

/* The FMA rate again, in three runs of about 0.1 s: taken just before each shape, so that its
 * percentage compares two figures of the same moment (a shared machine's speed drifts). */
static an_status fma_again(an_dev *d, fma_probe *p, double *gflops) {
    return fma_runs(d, p, 3, 0, gflops);
}

/* The dimensions of one GEMM call of shape b with `imgs` images in the call. */
static void call_dims(const bench_shape *b, size_t imgs, size_t *M, size_t *K, size_t *batch) {
    *M = b->kind == FC_M ? imgs : b->M;
    *K = b->kind == FC_K ? imgs : b->kind == K_IMAGES ? b->K * imgs : b->K;
    *batch = b->kind == PER_IMAGE ? imgs : 1;
}

/* Floats of A, B and C one call needs (B and C per image when batched). */
static void call_floats(const bench_shape *b, size_t imgs, size_t f[3]) {
    size_t M, K, batch;
    call_dims(b, imgs, &M, &K, &batch);
    f[0] = M * K;
    f[1] = K * b->N * batch;
    f[2] = M * b->N * batch;
}

/* Time one shape on the current backend: one warm-up run, then up to reps runs (stopping once
 * 2 s have passed); the fastest run gives GFLOP/s (the machine may be shared: the best run is
 * the one least disturbed). A run is the whole batch: every chunk, every group. */
static an_status time_shape(an_dev *d, const bench_shape *b, size_t images, int reps, an_buf A,
                            an_buf B, an_buf C, double *gflops) {
    size_t nb = chunk_images(b, images);
    double start = 0, best = 1e30, flops = 0;
    for (int r = -1; r < reps; r++) {
        AN_TRY(an_finish(d));
        double t0 = an_now_s();
        if (r == 0) start = t0;
        flops = 0;
        for (size_t n0 = 0; n0 < images; n0 += nb) {
            size_t cnt = images - n0 < nb ? images - n0 : nb, M, K, batch;
            call_dims(b, cnt, &M, &K, &batch);
            size_t lda = b->ta ? M : K, ldb = b->tb ? K : b->N;
            float beta = b->kind == K_IMAGES && n0 > 0 ? 1.0f : 0.0f;
            for (int g = 0; g < b->groups; g++)
                AN_TRY(an_gemm_batched(d, b->ta, b->tb, M, b->N, K, 1.0f, A, lda, 0, B, ldb,
                                       K * b->N, beta, C, b->N, M * b->N, batch));
            flops += 2.0 * (double)M * b->N * K * batch * b->groups;
        }
        AN_TRY(an_finish(d));
        double t1 = an_now_s();
        if (r >= 0 && t1 - t0 < best) best = t1 - t0;
        if (r >= 0 && t1 - start > 2.0) break;
    }
    *gflops = flops / best * 1e-9;
    return AN_OK;
}

static an_status alloc_filled(an_dev *d, const char *name, size_t n, an_buf *b) {
    b->off = 0;
    AN_TRY(an_alloc(d, name, n * sizeof(float), &b->mem));
    return an_fill(d, *b, 0.01f, n);
}

int cmd_bench_gemm(int argc, char **argv) {
    cli_device_opts dev_opts = {0};
    int json = 0, images = 32;
    const char *only = NULL, *net = "alexnet-owt", *filter = NULL;
    const cli_opt opts[] = {
        CLI_DEVICE_OPTIONS(dev_opts),
        {"--json", CLI_FLAG, &json, NULL, "print JSON instead of a table", NULL},
        {"--batch", CLI_INT, &images, "N", "images: the conv GEMMs' batch, the fc layers' rows "
         "(default 32)", NULL},
        {"--net", CLI_CHOICE, &net, "NET", "whose layer shapes (default alexnet-owt; alexnet: "
         "the grouped original's convolutions)", "alexnet-owt|alexnet"},
        {"--shape", CLI_STR, &filter, "TEXT", "only the shapes whose name contains TEXT",
         NULL},
        {"--backend", CLI_CHOICE, &only, "B", "run one backend only (default: both)",
         "own|clblast"},
        {0},
    };
    int npos;
    int rc = cli_parse("bench-gemm", "[--device SPEC] [--json] [--batch N] [--net NET] "
                       "[--shape TEXT] [--backend B]", opts, argc, argv, NULL, 0, &npos);
    if (rc) return rc < 0 ? 0 : rc;
    if (images < 1) {
        fprintf(stderr, "alexnet bench-gemm: --batch must be at least 1\n");
        return 2;
    }
    /* The shape list: alexnet-owt's, or the original's convolutions with the same fc layers. */
    const bench_shape *list[MAX_SHAPES + COUNT(alexnet_shapes)];
    size_t ns = 0;
    int orig = strcmp(net, "alexnet") == 0;
    for (size_t i = 0; i < COUNT(owt_shapes); i++) {
        if (orig && i == 1)
            for (size_t j = 0; j < COUNT(alexnet_shapes); j++) list[ns++] = &alexnet_shapes[j];
        if (!orig || strncmp(owt_shapes[i].name, "conv", 4) != 0) list[ns++] = &owt_shapes[i];
    }
    size_t kept = 0;
    for (size_t i = 0; i < ns; i++)
        if (!filter || strstr(list[i]->name, filter)) list[kept++] = list[i];
    ns = kept;
    if (ns == 0) {
        fprintf(stderr, "alexnet bench-gemm: no shape of %s contains \"%s\" (names: conv1 fwd, "
                "conv2 dX, fc6 dW, square 1024^3, ...)\n", net, filter);
        return 2;
    }
    an_dev d;
    int ndev;
    if (cli_open_devices(&dev_opts, 1, &d, &ndev)) return 1;

    double peak = 0;
    fma_probe probe = {0};
    an_status s = fma_rate(&d, &probe, &peak);
    if (s != AN_OK) {
        an_free(&probe.out);
        an_devs_close(&d, 1);
        return cli_fail("bench-gemm", s);
    }
    /* One set of buffers, sized for the largest operands of any shape. */
    size_t need[3] = {0};
    for (size_t i = 0; i < ns; i++) {
        size_t f[3];
        call_floats(list[i], chunk_images(list[i], (size_t)images), f);
        for (int j = 0; j < 3; j++)
            if (f[j] > need[j]) need[j] = f[j];
    }
    an_buf A = {0}, B = {0}, C = {0};
    s = alloc_filled(&d, "bench.A", need[0], &A);
    if (s == AN_OK) s = alloc_filled(&d, "bench.B", need[1], &B);
    if (s == AN_OK) s = alloc_filled(&d, "bench.C", need[2], &C);

    an_gemm_backend backends[2] = {AN_GEMM_OWN, AN_GEMM_CLBLAST};
    int run_be[2] = {!only || strcmp(only, "own") == 0, !only || strcmp(only, "clblast") == 0};
    double res[MAX_SHAPES + COUNT(alexnet_shapes)][2] = {{0}};
    double at[MAX_SHAPES + COUNT(alexnet_shapes)][2] = {{0}}; /* the FMA rate before each */
    double lo = peak, hi = peak;
    for (int bi = 0; bi < 2 && s == AN_OK; bi++) {
        if (!run_be[bi]) continue;
        an_gemm_set_backend(&d, backends[bi]);
        for (size_t i = 0; i < ns && s == AN_OK; i++) {
            if (!json && cli_is_tty())
                fprintf(stderr, "\r%s: %-32s", an_gemm_backend_name(backends[bi]),
                        list[i]->name);
            /* CLBlast is slow on CPU devices: one timed run there. */
            int slow = backends[bi] == AN_GEMM_CLBLAST && (d.info.type & CL_DEVICE_TYPE_CPU);
            s = fma_again(&d, &probe, &at[i][bi]);
            if (s == AN_OK)
                s = time_shape(&d, list[i], (size_t)images, slow ? 1 : 10, A, B, C, &res[i][bi]);
            if (at[i][bi] < lo) lo = at[i][bi];
            if (at[i][bi] > hi) hi = at[i][bi];
        }
    }
    an_gemm_set_backend(&d, AN_GEMM_AUTO);
    double load = an_load_average();
    if (!json && cli_is_tty()) fprintf(stderr, "\r%60s\r", "");
    an_free(&A.mem);
    an_free(&B.mem);
    an_free(&C.mem);
    an_free(&probe.out);
    if (s != AN_OK) {
        an_devs_close(&d, 1);
        return cli_fail("bench-gemm", s);
    }

    if (json) {
        printf("{\"device\": \"%s\", \"fma_peak_gflops\": %.1f, \"net\": \"%s\", "
               "\"batch\": %d, \"load_average\": %.2f, \"shapes\": [\n", d.info.name, peak,
               net, images, load);
    } else {
        printf("device: %s\nmeasured FMA peak: %.1f GFLOP/s (float16 FMA chains); %.1f-%.1f "
               "just before the shapes (each %%peak is of the rate before it)\n"
               "shapes: %s at batch %d (conv: the images of a workspace chunk per call, one "
               "call per group); figures: the fastest of several runs\n",
               d.info.name, peak, lo, hi, net, images);
        if (load >= 0)
            printf("1-minute load at the end: %.2f (other work lowers the figures)\n", load);
        printf("\n%-17s %2s %-20s %20s %20s\n", "shape", "op", "M x N x K (x batch)",
               "own GFLOP/s (%peak)", "clblast GFLOP/s");
    }
    for (size_t i = 0; i < ns; i++) {
        const bench_shape *b = list[i];
        size_t nb = chunk_images(b, (size_t)images), M, K, batch;
        call_dims(b, nb, &M, &K, &batch);
        if (json) {
            printf("  {\"name\": \"%s\", \"M\": %zu, \"N\": %zu, \"K\": %zu, "
                   "\"trans_a\": %d, \"trans_b\": %d, \"batch\": %zu, \"groups\": %d",
                   b->name, M, b->N, K, b->ta, b->tb, batch, b->groups);
            for (int bi = 0; bi < 2; bi++)
                if (run_be[bi])
                    printf(", \"%s_gflops\": %.1f, \"%s_fma_gflops\": %.1f, "
                           "\"%s_pct_peak\": %.1f",
                           an_gemm_backend_name(backends[bi]), res[i][bi],
                           an_gemm_backend_name(backends[bi]), at[i][bi],
                           an_gemm_backend_name(backends[bi]), 100 * res[i][bi] / at[i][bi]);
            printf("}%s\n", i + 1 < ns ? "," : "");
            continue;
        }
        char dims[48];
        snprintf(dims, sizeof dims, "%zux%zux%zu", M, b->N, K);
        if (batch > 1) snprintf(dims + strlen(dims), sizeof dims - strlen(dims), "x%zu", batch);
        printf("%-17s %c%c %-20s", b->name, b->ta ? 'T' : 'N', b->tb ? 'T' : 'N', dims);
        for (int bi = 0; bi < 2; bi++) {
            if (run_be[bi])
                printf(" %12.1f (%4.0f%%)", res[i][bi], 100 * res[i][bi] / at[i][bi]);
            else
                printf(" %20s", "-");
        }
        printf("\n");
    }
    if (json) printf("]}\n");
    an_devs_close(&d, 1);
    return 0;
}

/* host/cli/cmd_bench.c - `alexnet bench`: a net's forward (inference) or training step
 * (forward + backward + SGD) on one or two devices, timed per layer from OpenCL profiling events
 * (every launch and crossover copy is kept under the layer's tag; copies under "<layer>.xfer"),
 * with GFLOP/s per layer, images/s from wall-clock time, the memory the model allocated on each
 * device, the bytes and device time of the crossover transfers, and each conv layer's algorithm
 * per direction with where it came from (tuned now, the tune cache, forced, the rule).
 *
 * The forward and backward set the same tags, so the profile is collected after the forward and
 * again after backward + SGD: one extra host synchronisation per phase, which the wall-clock
 * figures include. How to read the output: docs/BENCH.md. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/bench_bandwidth.h"
#include "cli/bench_kernels.h"
#include "cli/bench_memory.h"
#include "cli/cli.h"
#include "net/model.h"
#include "ops/tune.h"
#include "util/clock.h"

#include "cli/bench_impl.h"

/* The crossover copies of one iteration: a tower that runs a cross-input conv/fc layer (or the
 * softmax) without holding its whole input gathers every tower's piece (its own too); in training
 * the gradient of each piece goes back the same way. */
static void count_xfer_bytes(bench *b) {
    const an_net *net = b->net;
    for (int i = 0; i < net->nlayers; i++) {
        const an_layer *l = &net->layers[i];
        int cross = l->kind == AN_LAYER_SOFTMAX ||
                    ((l->kind == AN_LAYER_CONV || l->kind == AN_LAYER_FC) &&
                     l->input == AN_INPUT_CROSS);
        if (!cross) continue;
        an_shape in = i == 0 ? net->input : net->layers[i - 1].out;
        unsigned long long plane = (unsigned long long)b->batch * (unsigned)in.h * (unsigned)in.w *
                                   sizeof(float);
        for (int t = 0; t < net->towers; t++) {
            int c0, c1;
            if (!an_net_tower_runs(net, i, t)) continue;
            if (an_net_tower_piece(net, i - 1, t, &c0, &c1) && c0 == 0 && c1 == in.c) continue;
            int dt = t % b->ndev;
            for (int u = 0; u < net->towers; u++) {
                if (!an_net_tower_piece(net, i - 1, u, &c0, &c1)) continue;
                int du = u % b->ndev;
                unsigned long long n = plane * (unsigned)(c1 - c0);
                if (du == dt) {
                    b->bytes[i].local[dt] += b->train ? 2 * n : n;
                } else {
                    b->bytes[i].fwd[dt] += n;
                    if (b->train) b->bytes[i].bwd[du] += n;
                }
            }
        }
    }
}

/* Add one device's collected rows of one phase to the layer, crossover and other sums. */
static an_status add_rows(bench *b, int di, int backward, const an_profile_row *rows, int n) {
    for (int r = 0; r < n; r++) {
        const char *tag = rows[r].tag;
        double *slot = NULL;
        for (int i = 0; i < b->net->nlayers && !slot; i++) {
            const char *name = b->net->layers[i].name;
            size_t len = strlen(name);
            if (strcmp(tag, name) == 0)
                slot = backward ? &b->op[i].bwd[di] : &b->op[i].fwd[di];
            else if (strncmp(tag, name, len) == 0 && strcmp(tag + len, ".xfer") == 0)
                slot = backward ? &b->xfer[i].bwd[di] : &b->xfer[i].fwd[di];
        }
        for (int j = 0; j < b->nother && !slot; j++)
            if (strcmp(b->other[j].tag, tag) == 0)
                slot = backward ? &b->other[j].ms.bwd[di] : &b->other[j].ms.fwd[di];
        if (!slot) {
            if (b->nother == MAX_OTHER)
                return an_error(AN_ERR_INTERNAL, "more than %d unknown profiling tags (%s)",
                                MAX_OTHER, tag);
            other_tag *o = &b->other[b->nother++];
            snprintf(o->tag, sizeof o->tag, "%s", tag);
            slot = backward ? &o->ms.bwd[di] : &o->ms.fwd[di];
        }
        *slot += rows[r].ms;
        if (b->by_kernel) AN_TRY(bench_kernels_add(&b->kernels, backward, &rows[r]));
    }
    return AN_OK;
}

/* Collect every device's profile of the phase just enqueued (waits for the queues). */
static an_status collect(bench *b, int backward, int keep) {
    for (int di = 0; di < b->ndev; di++) {
        an_profile_row *rows;
        int n;
        AN_TRY(an_profile_collect(&b->devs[di], &rows, &n));
        an_status s = keep ? add_rows(b, di, backward, rows, n) : AN_OK;
        free(rows);
        AN_TRY(s);
    }
    return AN_OK;
}

static void progress(int tty, const char *what, int k, int n, double s) {
    if (tty)
        fprintf(stderr, "\rbench: %s %d/%d: %.2f s   ", what, k, n, s);
    else
        fprintf(stderr, "bench: %s %d/%d: %.2f s\n", what, k, n, s);
}

/* Warm-up iterations (kernel builds happen in the first), then the timed ones with profiling. */
static an_status run(bench *b, an_model *m, const float *images, const int *labels) {
    int tty = cli_is_tty();
    for (int di = 0; di < b->ndev; di++) AN_TRY(an_profile_by_kernel(&b->devs[di], b->by_kernel));
    unsigned long long x0 = 0;
    double t_start = 0;
    for (int it = 0; it < b->warmup + b->iters; it++) {
        int timed = it >= b->warmup;
        if (it == b->warmup) { /* the warm-up's last collect waited for every queue */
            x0 = an_model_xfer_bytes(m);
            t_start = an_now_s();
        }
        double t0 = an_now_s();
        AN_TRY(an_model_forward(m, images, b->train ? labels : NULL, b->batch, b->train,
                                (uint32_t)it));
        AN_TRY(collect(b, 0, timed));
        if (b->train) {
            AN_TRY(an_model_backward(m));
            AN_TRY(an_model_sgd(m, 0.01f, 0.9f, 0.0005f));
            AN_TRY(collect(b, 1, timed));
        }
        if (timed)
            progress(tty, "iteration", it - b->warmup + 1, b->iters, an_now_s() - t0);
        else
            progress(tty, "warm-up", it + 1, b->warmup, an_now_s() - t0);
    }
    b->wall_s = an_now_s() - t_start;
    b->xfer_measured = an_model_xfer_bytes(m) - x0;
    if (tty) fprintf(stderr, "\r%50s\r", "");
    return AN_OK;
}

/* Which algorithm each conv layer ran, per direction, after the iterations. */
static void record_conv(bench *b, const an_model *m) {
    for (int i = 0; i < b->net->nlayers; i++)
        for (int dir = 0; dir < (b->train ? AN_TUNE_DIRS : 1); dir++) {
            an_conv_choice c;
            conv_used *u = &b->conv[i];
            if (an_model_conv_choice(m, i, (an_tune_dir)dir, &c, &u->src[dir]) != AN_OK) {
                an_error_clear();
                continue;
            }
            u->have[dir] = 1;
            an_conv_choice_name(c, u->algo[dir], sizeof u->algo[dir]);
        }
    an_tune_counts(b->devs, b->ndev, &b->tune_timed, &b->tune_read);
}

/* Random preprocessed images (uniform in [-1, 1)) and labels, from a fixed xorshift stream. */
static an_status make_inputs(const an_net *net, int batch, float **images, int **labels) {
    size_t count = (size_t)batch * (size_t)an_shape_count(net->input);
    *images = malloc(count * sizeof **images);
    *labels = malloc((size_t)batch * sizeof **labels);
    if (!*images || !*labels)
        return an_error(AN_ERR_NOMEM, "out of host memory for %d images of %s", batch, net->name);
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (size_t i = 0; i < count; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (*images)[i] = (float)((double)(x >> 40) / (double)(1ull << 23) - 1.0);
    }
    for (int i = 0; i < batch; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (*labels)[i] = (int)(x % (uint64_t)net->classes);
    }
    return AN_OK;
}

int cmd_bench(int argc, char **argv) {
    cli_device_opts dev_opts = {0};
    const char *net_name = "alexnet";
    int batch = 32, train = 0, iters = 5, warmup = 1, json = 0, by_kernel = 0;
    const char *algo = "auto";
    const cli_opt opts[] = {
        {"--net", CLI_STR, &net_name, "NAME|FILE",
         "a built-in net or a description file", NULL},
        {"--batch", CLI_INT, &batch, "N", "images per iteration", NULL},
        {"--train", CLI_FLAG, &train, NULL,
         "time training steps (forward + backward + SGD) instead of inference", NULL},
        {"--iters", CLI_INT, &iters, "N", "timed iterations", NULL},
        {"--warmup", CLI_INT, &warmup, "N",
         "untimed iterations first, at least 1: the first builds the kernels", NULL},
        {"--conv", CLI_CHOICE, &algo, "ALGO",
         "convolution algorithm for every layer (auto: each layer's tuned choice, docs/TUNE.md)",
         "auto|im2col|direct|fft|winograd|winograd2|fftgemm"},
        {"--kernels", CLI_FLAG, &by_kernel, NULL,
         "also print the device time of every kernel of every layer, largest first, and in "
         "inference the fc layers' weight bandwidth against a copy kernel's", NULL},
        CLI_DEVICE_OPTIONS(dev_opts),
        {"--json", CLI_FLAG, &json, NULL, "print JSON instead of a table", NULL},
        {0},
    };
    int npos;
    int rc = cli_parse("bench",
                       "[--net NAME|FILE] [--batch N] [--train] [--iters N] [--warmup N] "
                       "[--conv ALGO] [--kernels] [--device SPEC] [--json]",
                       opts, argc, argv, NULL, 0, &npos);
    if (rc) return rc < 0 ? 0 : rc;
    if (batch < 1) return cli_say("bench", 1, "--batch must be at least 1");
    if (iters < 1) return cli_say("bench", 1, "--iters must be at least 1");
    if (warmup < 1)
        return cli_say("bench", 1, "--warmup must be at least 1 (the first iteration builds the "
                                   "kernels)");

    an_net *net;
    an_dev devs[ND];
    int ndev;
    if (cli_open_net("bench", net_name, &dev_opts, &net, devs, &ndev)) return 1;
    bench b;
    memset(&b, 0, sizeof b);
    b.net = net;
    b.devs = devs;
    b.ndev = ndev;
    b.batch = batch;
    b.train = train;
    b.iters = iters;
    b.warmup = warmup;
    b.by_kernel = by_kernel;
    b.op = calloc((size_t)net->nlayers, sizeof *b.op);
    b.xfer = calloc((size_t)net->nlayers, sizeof *b.xfer);
    b.bytes = calloc((size_t)net->nlayers, sizeof *b.bytes);
    b.conv = calloc((size_t)net->nlayers, sizeof *b.conv);
    an_status s = AN_OK;
    if (!b.op || !b.xfer || !b.bytes || !b.conv)
        s = an_error(AN_ERR_NOMEM, "out of host memory");

    an_model *m = NULL;
    float *images = NULL;
    int *labels = NULL;
    an_model_opts mo = an_model_defaults();
    mo.batch = batch;
    if (!an_conv_algo_parse(algo, &mo.conv_algo)) mo.conv_algo = AN_CONV_AUTO;
    mo.tune_progress = cli_tune_progress;
    mo.inference = !train;
    if (s == AN_OK) s = an_model_create(net, devs, ndev, &mo, &m);
    if (s == AN_OK) s = an_model_init(m, 1);
    if (s == AN_OK) s = make_inputs(net, batch, &images, &labels);
    if (s == AN_OK) {
        count_xfer_bytes(&b);
        s = run(&b, m, images, labels);
        /* after the run: the first backward grows the workspace to its choices' need */
        for (int di = 0; di < ndev; di++) b.mem[di] = an_model_device_memory(m, di);
    }
    if (s == AN_OK) record_conv(&b, m);
    if (s == AN_OK) {
        if (json)
            bench_print_json(&b);
        else
            bench_print_table(&b);
        if (!json) bench_memory_print(m, devs, ndev);
        if (by_kernel && !json) bench_kernels_print(b.kernels, b.iters);
        if (by_kernel && !json && !train) s = bench_bandwidth_print(&b);
    }
    rc = s == AN_OK ? 0 : cli_fail("bench", s);
    an_model_free(m);
    for (int di = 0; di < ndev; di++) an_profile_stop(&devs[di]);
    an_devs_close(devs, ndev);
    free(images);
    free(labels);
    free(b.op);
    free(b.xfer);
    free(b.bytes);
    free(b.conv);
    bench_kernels_free(b.kernels);
    an_net_free(net);
    return rc;
}

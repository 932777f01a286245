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

#include "cli/bench_kernels.h"
#include "cli/bench_memory.h"
#include "cli/cli.h"
#include "net/model.h"
#include "ops/tune.h"
#include "util/clock.h"

#define ND AN_MAX_SELECTED
#define MAX_OTHER 16

/* Device time (ms summed over the timed iterations) of one tag, per phase and device. */
typedef struct phase_ms {
    double fwd[ND], bwd[ND];
} phase_ms;

/* A tag that is neither a layer nor a layer's crossover ("sgd", anything new). */
typedef struct other_tag {
    char tag[64];
    phase_ms ms;
} other_tag;

/* A conv layer's algorithm per direction and where it came from (host/ops/tune.h). */
typedef struct conv_used {
    int have[AN_TUNE_DIRS];
    char algo[AN_TUNE_DIRS][32];
    an_tune_source src[AN_TUNE_DIRS];
} conv_used;

/* Bytes one iteration moves per layer and device (landing on that device). */
typedef struct xfer_bytes {
    unsigned long long fwd[ND], bwd[ND]; /* from the other device */
    unsigned long long local[ND];        /* copies within the device, both phases */
} xfer_bytes;

typedef struct bench {
    const an_net *net;
    an_dev *devs;
    int ndev, batch, train, iters, warmup;
    phase_ms *op, *xfer; /* per layer */
    xfer_bytes *bytes;   /* per layer, computed from the shapes */
    conv_used *conv;     /* per layer */
    unsigned long tune_timed, tune_read;
    other_tag other[MAX_OTHER];
    int nother;
    unsigned long long xfer_measured; /* an_model_xfer_bytes over the timed iterations */
    double wall_s;
    an_model_memory mem[ND];
    int by_kernel;         /* --kernels */
    bench_kernels *kernels; /* its rows */
} bench;

/* Does tower t (0-based) run layer i, and which channels of the tensor after layer i does it hold
 * (i = -1: the image, which every tower holds whole)? As host/net/model.h places a net: conv and
 * fc layers on their towers, the softmax on tower 1, the others wherever their input is held. */
static int piece(const an_net *net, int i, int t, int *c0, int *c1);

static int runs(const an_net *net, int i, int t) {
    const an_layer *l = &net->layers[i];
    if (l->kind == AN_LAYER_SOFTMAX) return t == 0;
    if (l->kind == AN_LAYER_CONV || l->kind == AN_LAYER_FC)
        return l->tower == 0 || l->tower == t + 1;
    int c0, c1;
    return piece(net, i - 1, t, &c0, &c1);
}

static int piece(const an_net *net, int i, int t, int *c0, int *c1) {
    int C = i < 0 ? net->input.c : net->layers[i].out.c;
    if (i >= 0 && !runs(net, i, t)) return 0;
    an_dist d = i < 0 ? (an_dist){AN_DIST_ALL, 0} : net->layers[i].out_dist;
    *c0 = 0;
    *c1 = C;
    if (d.kind == AN_DIST_SPLIT) {
        *c0 = t * C / net->towers;
        *c1 = (t + 1) * C / net->towers;
    } else if (d.kind == AN_DIST_ONE) {
        return d.tower == t + 1;
    }
    return 1;
}

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
            if (!runs(net, i, t)) continue;
            if (piece(net, i - 1, t, &c0, &c1) && c0 == 0 && c1 == in.c) continue;
            int dt = t % b->ndev;
            for (int u = 0; u < net->towers; u++) {
                if (!piece(net, i - 1, u, &c0, &c1)) continue;
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
    an_tune_counts(&b->tune_timed, &b->tune_read);
}

static const char *tune_mode_name(void) {
    int m = an_tune_mode();
    return m == AN_TUNE_MODE_OFF ? "off" : m == AN_TUNE_MODE_RETUNE ? "retune" : "on";
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

/* Floating-point operations per iteration of layer i (forward, backward): 2 per multiply-add;
 * the backward of a conv or fc layer is the input-gradient and the weight-gradient GEMMs (the
 * first layer has no input gradient). */
static double flops_fwd(const bench *b, int i) {
    return 2.0 * (double)b->net->layers[i].macs * b->batch;
}
static double flops_bwd(const bench *b, int i) {
    return b->train ? flops_fwd(b, i) * (i == 0 ? 1 : 2) : 0;
}

static double sum_dev(const double *v, int n) {
    double s = 0;
    for (int i = 0; i < n; i++) s += v[i];
    return s;
}

/* GFLOP/s of f flops in ms milliseconds (0 when either is 0). */
static double gflops(double f, double ms) { return f > 0 && ms > 0 ? f / (ms * 1e6) : 0; }

typedef struct totals {
    double fwd, bwd, xfer, other, device, flops, flops_bwd;
} totals;

static totals get_totals(const bench *b) {
    totals t = {0};
    double k = 1.0 / b->iters;
    for (int i = 0; i < b->net->nlayers; i++) {
        t.fwd += k * sum_dev(b->op[i].fwd, b->ndev);
        t.bwd += k * sum_dev(b->op[i].bwd, b->ndev);
        t.xfer += k * (sum_dev(b->xfer[i].fwd, b->ndev) + sum_dev(b->xfer[i].bwd, b->ndev));
        t.flops += flops_fwd(b, i) + flops_bwd(b, i);
        t.flops_bwd += flops_bwd(b, i);
    }
    for (int j = 0; j < b->nother; j++)
        t.other +=
            k * (sum_dev(b->other[j].ms.fwd, b->ndev) + sum_dev(b->other[j].ms.bwd, b->ndev));
    t.device = t.fwd + t.bwd + t.xfer + t.other;
    return t;
}

static int has_xfer(const bench *b, int i) {
    for (int di = 0; di < b->ndev; di++)
        if (b->xfer[i].fwd[di] > 0 || b->xfer[i].bwd[di] > 0 || b->bytes[i].local[di] ||
            b->bytes[i].fwd[di] || b->bytes[i].bwd[di])
            return 1;
    return 0;
}

/* The SGD step moves 5 floats per parameter: w, g, v read, w, v written. */
static double sgd_bytes(const bench *b, int di) { return 5.0 * (double)b->mem[di].params; }
static double gbps(double bytes, double ms) { return ms > 0 ? bytes / (ms * 1e6) : 0; }

static void json_devs(const double *v, int n, double k) {
    printf("[");
    for (int di = 0; di < n; di++) printf("%s%.4f", di ? ", " : "", k * v[di]);
    printf("]");
}

static void print_json(const bench *b) {
    double k = 1.0 / b->iters;
    totals t = get_totals(b);
    printf("{\"net\": ");
    cli_json_string(stdout, b->net->name);
    printf(", \"batch\": %d, \"train\": %s, \"iters\": %d, \"warmup\": %d,\n", b->batch,
           b->train ? "true" : "false", b->iters, b->warmup);
    printf(" \"devices\": [\n");
    for (int di = 0; di < b->ndev; di++) {
        const an_dev *d = &b->devs[di];
        double f = 0, bw = 0, x = 0;
        for (int i = 0; i < b->net->nlayers; i++) {
            f += k * b->op[i].fwd[di];
            bw += k * b->op[i].bwd[di];
            x += k * (b->xfer[i].fwd[di] + b->xfer[i].bwd[di]);
        }
        printf("  {\"id\": \"%d:%d\", \"name\": ", d->info.platform_index, d->info.device_index);
        cli_json_string(stdout, d->info.name);
        const an_model_memory *mm = &b->mem[di];
        printf(", \"memory_bytes\": %zu, \"memory\": {\"peak_bytes\": %zu, \"parameters\": %zu, "
               "\"gradients_momentum\": %zu, \"activations\": %zu, \"aux\": %zu, "
               "\"workspace\": %zu, \"other\": %zu, \"live_pair\": %zu}, "
               "\"global_mem_bytes\": %llu, \"forward_ms\": %.4f, \"backward_ms\": %.4f, "
               "\"transfer_ms\": %.4f}%s\n",
               mm->total, mm->total, mm->params, mm->solver, mm->activations, mm->aux,
               mm->workspace, mm->other, mm->live_pair, (unsigned long long)d->info.global_mem,
               f, bw, x, di + 1 < b->ndev ? "," : "");
    }
    printf(" ],\n \"layers\": [\n");
    for (int i = 0; i < b->net->nlayers; i++) {
        const an_layer *l = &b->net->layers[i];
        double f = k * sum_dev(b->op[i].fwd, b->ndev), bw = k * sum_dev(b->op[i].bwd, b->ndev);
        printf("  {\"name\": ");
        cli_json_string(stdout, l->name);
        printf(", \"kind\": \"%s\", \"forward_ms\": %.4f, \"backward_ms\": %.4f, "
               "\"forward_flop\": %.0f, \"backward_flop\": %.0f, \"forward_gflops\": %.3f, "
               "\"backward_gflops\": %.3f, \"gflops\": %.3f, \"forward_ms_per_device\": ",
               an_layer_kind_name(l->kind), f, bw, flops_fwd(b, i), flops_bwd(b, i),
               gflops(flops_fwd(b, i), f), gflops(flops_bwd(b, i), bw),
               gflops(flops_fwd(b, i) + flops_bwd(b, i), f + bw));
        json_devs(b->op[i].fwd, b->ndev, k);
        printf(", \"backward_ms_per_device\": ");
        json_devs(b->op[i].bwd, b->ndev, k);
        const conv_used *u = &b->conv[i];
        if (u->have[0]) {
            printf(", \"conv\": {");
            for (int dir = 0, n = 0; dir < AN_TUNE_DIRS; dir++)
                if (u->have[dir])
                    printf("%s\"%s\": {\"algo\": \"%s\", \"source\": \"%s\"}", n++ ? ", " : "",
                           an_tune_dir_name((an_tune_dir)dir), u->algo[dir],
                           an_tune_source_name(u->src[dir]));
            printf("}");
        }
        printf("}%s\n", i + 1 < b->net->nlayers ? "," : "");
    }
    printf(" ],\n \"transfers\": [");
    int first = 1;
    for (int i = 0; i < b->net->nlayers; i++) {
        if (!has_xfer(b, i)) continue;
        for (int di = 0; di < b->ndev; di++) {
            printf("%s\n  {\"layer\": ", first ? "" : ",");
            first = 0;
            cli_json_string(stdout, b->net->layers[i].name);
            printf(", \"device\": %d, \"forward_ms\": %.4f, \"backward_ms\": %.4f, "
                   "\"forward_bytes\": %llu, \"backward_bytes\": %llu, \"local_bytes\": %llu}",
                   di, k * b->xfer[i].fwd[di], k * b->xfer[i].bwd[di], b->bytes[i].fwd[di],
                   b->bytes[i].bwd[di], b->bytes[i].local[di]);
        }
    }
    printf("\n ],\n \"other\": [");
    for (int j = 0; j < b->nother; j++) {
        printf("%s\n  {\"tag\": ", j ? "," : "");
        cli_json_string(stdout, b->other[j].tag);
        printf(", \"forward_ms_per_device\": ");
        json_devs(b->other[j].ms.fwd, b->ndev, k);
        printf(", \"backward_ms_per_device\": ");
        json_devs(b->other[j].ms.bwd, b->ndev, k);
        if (strcmp(b->other[j].tag, "sgd") == 0) {
            printf(", \"gb_per_s_per_device\": [");
            for (int di = 0; di < b->ndev; di++)
                printf("%s%.3f", di ? ", " : "",
                       gbps(sgd_bytes(b, di),
                            k * (b->other[j].ms.fwd[di] + b->other[j].ms.bwd[di])));
            printf("]");
        }
        printf("}");
    }
    printf("\n ],\n \"totals\": {\"forward_ms\": %.4f, \"backward_ms\": %.4f, "
           "\"transfer_ms\": %.4f, "
           "\"other_ms\": %.4f, \"device_ms\": %.4f, \"gflop\": %.4f, \"gflops\": %.3f,\n"
           "  \"transfer_bytes\": %llu, \"wall_ms\": %.3f},\n",
           t.fwd, t.bwd, t.xfer, t.other, t.device, t.flops * 1e-9,
           gflops(t.flops, t.fwd + t.bwd), b->xfer_measured / (unsigned long long)b->iters,
           1e3 * b->wall_s / b->iters);
    printf(" \"tune\": {\"mode\": \"%s\", \"timed\": %lu, \"read\": %lu},\n", tune_mode_name(),
           b->tune_timed, b->tune_read);
    printf(" \"images_per_s\": %.3f}\n", (double)b->batch * b->iters / b->wall_s);
}

/* Bytes as "0", "12.0 KiB" or "4.50 MiB". */
static void human(unsigned long long v, char *buf, size_t n) {
    if (v == 0)
        snprintf(buf, n, "0");
    else if (v < 1024ull * 1024)
        snprintf(buf, n, "%.1f KiB", (double)v / 1024.0);
    else
        snprintf(buf, n, "%.2f MiB", (double)v / (1024.0 * 1024.0));
}

static void print_table(const bench *b) {
    double k = 1.0 / b->iters;
    totals t = get_totals(b);
    int two = b->ndev == 2;
    printf("net %s, batch %d, %s, %d timed iteration%s after %d warm-up\n", b->net->name,
           b->batch, b->train ? "training (forward + backward + SGD)" : "inference (forward)",
           b->iters, b->iters == 1 ? "" : "s", b->warmup);
    const double MiB = 1048576.0;
    for (int di = 0; di < b->ndev; di++) {
        const an_model_memory *mm = &b->mem[di];
        printf("device %d (%d:%d) %s: model allocated %.1f MiB of %.1f MiB (its peak: all at "
               "start)\n", di, b->devs[di].info.platform_index, b->devs[di].info.device_index,
               b->devs[di].info.name, (double)mm->total / MiB,
               (double)b->devs[di].info.global_mem / MiB);
        printf("  parameters %.1f, gradients+momentum %.1f, activations %.1f, argmax/"
               "staging %.1f, conv workspace %.1f, other %.1f MiB; largest two live "
               "activations %.1f MiB", (double)mm->params / MiB, (double)mm->solver / MiB,
               (double)mm->activations / MiB, (double)mm->aux / MiB, (double)mm->workspace / MiB,
               (double)mm->other / MiB, (double)mm->live_pair / MiB);
        if (!b->train)
            printf(" (allocated: %.3f x parameters + those)",
                   (double)mm->total / (double)(mm->params + mm->live_pair));
        printf("\n");
    }
    /* Columns: forward ms and GFLOP/s, then the same for the backward when training, then
     * the per-device split with two devices. */
    printf("\ndevice time per iteration (ms)%s\n", two ? "; d0, d1: each device's share" : "");
    printf("%-10s %-8s %10s %9s", "layer", "kind", "fwd ms", "fwd GF/s");
    if (b->train) printf(" %10s %9s", "bwd ms", "bwd GF/s");
    if (two) printf(" %9s %9s", "fwd d0", "fwd d1");
    if (two && b->train) printf(" %9s %9s", "bwd d0", "bwd d1");
    printf("  %s\n", b->train ? "conv algorithm: fwd / bwd-data / bwd-weights (from)"
                             : "conv algorithm (from)");
    for (int i = 0; i < b->net->nlayers; i++) {
        const an_layer *l = &b->net->layers[i];
        double f = k * sum_dev(b->op[i].fwd, b->ndev), bw = k * sum_dev(b->op[i].bwd, b->ndev);
        printf("%-10s %-8s", l->name, an_layer_kind_name(l->kind));
        for (int ph = 0; ph < 1 + b->train; ph++) {
            double ms = ph ? bw : f, fl = ph ? flops_bwd(b, i) : flops_fwd(b, i);
            if (l->macs)
                printf(" %10.3f %9.2f", ms, gflops(fl, ms));
            else
                printf(" %10.3f %9s", ms, "-");
        }
        if (two) printf(" %9.3f %9.3f", k * b->op[i].fwd[0], k * b->op[i].fwd[1]);
        if (two && b->train) printf(" %9.3f %9.3f", k * b->op[i].bwd[0], k * b->op[i].bwd[1]);
        const conv_used *u = &b->conv[i];
        if (u->have[0]) {
            printf(" ");
            for (int dir = 0; dir < AN_TUNE_DIRS; dir++)
                if (u->have[dir]) printf("%s%s", dir ? " / " : " ", u->algo[dir]);
            int same = 1;
            for (int dir = 1; dir < AN_TUNE_DIRS; dir++)
                if (u->have[dir] && u->src[dir] != u->src[0]) same = 0;
            printf(" (%s)", same ? an_tune_source_name(u->src[0]) : "mixed");
        }
        printf("\n");
    }
    printf("%-10s %-8s %10.3f %9.2f", "layers", "", t.fwd, gflops(t.flops - t.flops_bwd, t.fwd));
    if (b->train) printf(" %10.3f %9.2f", t.bwd, gflops(t.flops_bwd, t.bwd));
    printf("\n");

    int any = 0;
    for (int i = 0; i < b->net->nlayers; i++) any |= has_xfer(b, i);
    if (any) {
        printf("\ncrossover copies per iteration, on the device they land on (bytes from the "
               "other device, and copied within it)\n%-10s %6s %10s", "layer", "device",
               "fwd ms");
        if (b->train) printf(" %10s", "bwd ms");
        printf(" %12s", "fwd bytes");
        if (b->train) printf(" %12s", "bwd bytes");
        printf(" %12s\n", "local bytes");
        for (int i = 0; i < b->net->nlayers; i++) {
            if (!has_xfer(b, i)) continue;
            for (int di = 0; di < b->ndev; di++) {
                char f[32], bw[32], lo[32];
                human(b->bytes[i].fwd[di], f, sizeof f);
                human(b->bytes[i].bwd[di], bw, sizeof bw);
                human(b->bytes[i].local[di], lo, sizeof lo);
                printf("%-10s %6d %10.3f", b->net->layers[i].name, di, k * b->xfer[i].fwd[di]);
                if (b->train) printf(" %10.3f", k * b->xfer[i].bwd[di]);
                printf(" %12s", f);
                if (b->train) printf(" %12s", bw);
                printf(" %12s\n", lo);
            }
        }
    }
    for (int j = 0; j < b->nother; j++)
        for (int di = 0; di < b->ndev; di++) {
            double ms = k * (b->other[j].ms.fwd[di] + b->other[j].ms.bwd[di]);
            printf("%s%s on device %d: %.3f ms", j || di ? "" : "\n", b->other[j].tag, di, ms);
            if (strcmp(b->other[j].tag, "sgd") == 0)
                printf(", %.2f GB/s (reads w, g, v and writes w, v: %.1f MB)",
                       gbps(sgd_bytes(b, di), ms), sgd_bytes(b, di) * 1e-6);
            printf("\n");
        }

    printf("\ntotal device time %.3f ms per iteration (forward %.3f, backward %.3f, crossovers "
           "%.3f, other %.3f; summed over devices)\n", t.device, t.fwd, t.bwd, t.xfer, t.other);
    printf("%.3f GFLOP per iteration (conv and fc), %.2f GFLOP/s over all layers' device time\n",
           t.flops * 1e-9, gflops(t.flops, t.fwd + t.bwd));
    if (two) {
        char x[32];
        human(b->xfer_measured / (unsigned long long)b->iters, x, sizeof x);
        printf("between devices: %s per iteration\n", x);
    }
    printf("wall clock: %.1f ms per iteration, %.2f images/s\n", 1e3 * b->wall_s / b->iters,
           (double)b->batch * b->iters / b->wall_s);
    printf("conv algorithms: tuning %s; %lu shape%s timed now, %lu read from the tune cache\n",
           tune_mode_name(), b->tune_timed, b->tune_timed == 1 ? "" : "s", b->tune_read);
}

static int bench_fail(const char *msg) {
    fprintf(stderr, "alexnet bench: %s\n", msg);
    return 1;
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
         "auto|im2col|direct|fft|winograd"},
        {"--kernels", CLI_FLAG, &by_kernel, NULL,
         "also print the device time of every kernel of every layer, largest first", NULL},
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
    if (batch < 1) return bench_fail("--batch must be at least 1");
    if (iters < 1) return bench_fail("--iters must be at least 1");
    if (warmup < 1) return bench_fail("--warmup must be at least 1 (the first iteration builds "
                                      "the kernels)");

    an_net *net = NULL;
    an_status s = an_net_load(net_name, &net);
    if (s != AN_OK) return cli_fail("bench", s);
    an_dev devs[ND];
    int ndev;
    if (cli_open_devices(&dev_opts, 0, devs, &ndev)) {
        an_net_free(net);
        return 1;
    }
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
        for (int di = 0; di < ndev; di++) b.mem[di] = an_model_device_memory(m, di);
        count_xfer_bytes(&b);
        s = run(&b, m, images, labels);
    }
    if (s == AN_OK) record_conv(&b, m);
    if (s == AN_OK) {
        if (json)
            print_json(&b);
        else
            print_table(&b);
        if (!json) bench_memory_print(m, devs, ndev);
        if (by_kernel && !json) bench_kernels_print(b.kernels, b.iters);
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

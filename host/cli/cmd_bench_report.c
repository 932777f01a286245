/* host/cli/cmd_bench_report.c - what `alexnet bench` prints: per-layer device time, GFLOP/s,
 * transfers and memory, as a table or JSON (docs/BENCH.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/bench_impl.h"
#include "cli/cli.h"
#include "ops/tune.h"

static const char *tune_mode_name(const bench *b) {
    int m = an_tune_mode(b->ndev ? &b->devs[0] : NULL);
    return m == AN_TUNE_MODE_OFF ? "off" : m == AN_TUNE_MODE_RETUNE ? "retune" : "on";
}

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

void bench_print_json(const bench *b) {
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
    printf(" \"tune\": {\"mode\": \"%s\", \"timed\": %lu, \"read\": %lu},\n", tune_mode_name(b),
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

void bench_print_table(const bench *b) {
    double k = 1.0 / b->iters;
    totals t = get_totals(b);
    int two = b->ndev == 2;
    printf("net %s, batch %d, %s, %d timed iteration%s after %d warm-up\n", b->net->name,
           b->batch, b->train ? "training (forward + backward + SGD)" : "inference (forward)",
           b->iters, b->iters == 1 ? "" : "s", b->warmup);
    const double MiB = 1048576.0;
    for (int di = 0; di < b->ndev; di++) {
        const an_model_memory *mm = &b->mem[di];
        printf("device %d (%d:%d) %s: model allocated %.1f MiB of %.1f MiB (its peak: by the "
               "first iteration)\n", di, b->devs[di].info.platform_index,
               b->devs[di].info.device_index, b->devs[di].info.name, (double)mm->total / MiB,
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
           tune_mode_name(b), b->tune_timed, b->tune_timed == 1 ? "" : "s", b->tune_read);
}

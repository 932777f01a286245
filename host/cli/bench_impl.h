/* host/cli/bench_impl.h - what cmd_bench.c (running and timing) and cmd_bench_report.c (the
 * table and JSON it prints) share: the figures one `alexnet bench` run gathers. */
#ifndef AN_CLI_BENCH_IMPL_H
#define AN_CLI_BENCH_IMPL_H

#include "cli/bench_kernels.h"
#include "net/model.h"

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

/* The report: JSON (--json) or the human table. */
void bench_print_json(const bench *b);
void bench_print_table(const bench *b);

#endif

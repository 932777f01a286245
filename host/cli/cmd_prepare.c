/* host/cli/cmd_prepare.c - `alexnet prepare SRC DST`: a JPEG folder tree into packed shards with an
 * index, the class list, the bad-file list and the training set's statistics (resumable). */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "data/prepare.h"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig) {
    (void)sig;
    interrupted = 1;
}

typedef struct progress_state {
    int tty;
    double last_log;
    const char *finished_stage; /* the stage whose final line is out */
} progress_state;

static void hms(char *buf, size_t n, double s) {
    long t = (long)(s + 0.5);
    if (t >= 3600) snprintf(buf, n, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else snprintf(buf, n, "%ld:%02ld", t / 60, t % 60);
}

static int progress(void *ctx, const an_progress *p) {
    progress_state *st = ctx;
    /* no rate until half a second has passed: the first figures are noise */
    int finished = p->done >= p->total;
    double rate = p->elapsed_s >= 0.5 || (finished && p->elapsed_s > 0)
                      ? (double)(p->done - p->resumed) / p->elapsed_s : 0;
    double eta = rate > 0 ? (double)(p->total - p->done) / rate : 0;
    char e[32], el[32];
    if (rate > 0) hms(e, sizeof e, eta);
    else snprintf(e, sizeof e, "?");
    hms(el, sizeof el, p->elapsed_s);
    if (finished && st->finished_stage == p->stage) return interrupted != 0;
    if (finished) st->finished_stage = p->stage;
    if (st->tty) {
        const int W = 30;
        int fill = p->total ? (int)((double)W * (double)p->done / (double)p->total) : W;
        char bar[64];
        for (int i = 0; i < W; i++) bar[i] = i < fill ? '=' : i == fill ? '>' : ' ';
        bar[W] = 0;
        fprintf(stderr, "\r%-6s [%s] %zu/%zu  %.0f img/s  %s %s  bad %zu \033[K", p->stage, bar,
                p->done, p->total, rate, finished ? "took" : "ETA", finished ? el : e, p->bad);
        if (finished) fputc('\n', stderr);
    } else if (finished || p->elapsed_s - st->last_log >= 10 || st->last_log < 0) {
        fprintf(stderr, "prepare %s: %zu/%zu images (%.1f%%), %.0f img/s, %s %s, %zu bad\n", p->stage,
                p->done, p->total, p->total ? 100.0 * (double)p->done / (double)p->total : 100.0, rate,
                finished ? "took" : "ETA", finished ? el : e, p->bad);
        st->last_log = finished ? -1 : p->elapsed_s;
    }
    return interrupted != 0;
}

int cmd_prepare(int argc, char **argv) {
    an_prepare_opts o;
    an_prepare_defaults(&o);
    const char *format = "auto";
    int threads = 0;
    const cli_opt opts[] = {
        {"--size", CLI_INT, &o.size, "N", "stored side: shorter side rescaled to N, central N×N kept", NULL},
        {"--threads", CLI_INT, &threads, "N", "worker threads (default: all CPUs)", NULL},
        {"--format", CLI_CHOICE, &format, NULL,
         "shard records: raw RGB, or JPEG re-encoded; auto = raw up to 96 px, JPEG above", "auto|raw|jpeg"},
        {"--quality", CLI_INT, &o.quality, "Q", "JPEG re-encoding quality (4:4:4 chroma)", NULL},
        {"--shard-images", CLI_INT, &o.shard_images, "N", "images per shard (default: n/64, 64..2048)", NULL},
        {"--synsets", CLI_STR, &o.synsets, "FILE", "class list, one \"wnid words\" per line, in label order", NULL},
        {"--val-labels", CLI_STR, &o.val_labels, "FILE",
         "ground truth of a flat val/ folder: one label per line, in file-name order", NULL},
        {"--label-base", CLI_INT, &o.label_base, "N", "number of the first class in --val-labels", NULL},
        {0}};
    const char *pos[2];
    int npos = 0;
    int rc = cli_parse("prepare",
                       "SRC DST [options]\n\n"
                       "SRC: a folder with train/ (and val/) in the ImageNet layout, or one "
                       "folder-per-class tree.\nDST gets packed shards, index.bin, classes.txt, "
                       "bad.txt and stats.bin/stats.txt (docs/DATA.md).\nInterrupted runs resume.",
                       opts, argc, argv, pos, 2, &npos);
    if (rc) return rc < 0 ? 0 : rc;
    if (npos != 2) {
        fprintf(stderr, "alexnet prepare: needs SRC and DST (see --help)\n");
        return 2;
    }
    o.src = pos[0];
    o.dst = pos[1];
    o.threads = threads;
    o.encoding = !strcmp(format, "raw") ? AN_ENC_RAW : !strcmp(format, "jpeg") ? AN_ENC_JPEG : AN_ENC_AUTO;
    progress_state st = {.tty = cli_is_tty(), .last_log = -1};
    o.progress = progress;
    o.progress_ctx = &st;
    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);

    an_prepare_report r;
    an_status s = an_prepare(&o, &r);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    if (st.tty && s != AN_OK) fputc('\n', stderr);
    if (r.nbad) {
        fprintf(stderr, "skipped %zu bad file%s:\n", r.nbad, r.nbad == 1 ? "" : "s");
        for (size_t i = 0; i < r.nbad; i++) fprintf(stderr, "  %s: %s\n", r.bad[i].path, r.bad[i].reason);
    }
    if (s == AN_OK)
        printf("prepared %zu of %zu images (%zu bad) into %s: %zu shards (%zu reused), %s records, "
               "%.1f MiB, %.1f s\n",
               r.written, r.images, r.nbad, o.dst, r.shards, r.shards_reused,
               r.encoding == AN_ENC_JPEG ? "JPEG" : "raw", (double)r.bytes / (1024.0 * 1024.0), r.seconds);
    an_prepare_report_free(&r);
    if (s != AN_OK) return cli_fail("prepare", s);
    return 0;
}

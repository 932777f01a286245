/* host/cli/cmd_bench_data.c - `alexnet bench-data`: decode-and-augment throughput of the loader,
 * images/s with one thread and with N (in total and per thread), from shards and from a raw
 * JPEG folder. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "data/loader.h"
#include "util/clock.h"

/* Images/s of `threads` workers over `images` images (after one warm-up batch). */
static an_status measure(const char *path, an_loader_config c, int threads, int images, double *rate,
                         int *fallback) {
    c.threads = threads;
    an_loader *l;
    an_status s = an_loader_open(path, &c, &l);
    if (s != AN_OK && c.view.lighting) {
        /* no statistics for a raw folder: time the same work with torchvision's normalisation */
        c.view.lighting = 0;
        c.view.norm = AN_NORM_MEAN_STD;
        *fallback = 1;
        s = an_loader_open(path, &c, &l);
    }
    AN_TRY(s);
    an_batch b;
    s = an_loader_next(l, &b);
    double t0 = an_now_s();
    long n = 0;
    while (s == AN_OK && n < images) {
        s = an_loader_next(l, &b);
        n += b.count;
    }
    double t = an_now_s() - t0;
    an_loader_close(l);
    *rate = t > 0 ? (double)n / t : 0;
    return s;
}

static int bench(const char *what, const char *path, const an_loader_config *c, int threads, int images) {
    double r1 = 0, rn = 0;
    int fb = 0;
    an_status s = measure(path, *c, 1, images, &r1, &fb);
    if (s == AN_OK && threads > 1) s = measure(path, *c, threads, images, &rn, &fb);
    if (s != AN_OK) return cli_fail("bench-data", s);
    printf("%-7s %s\n", what, path);
    if (fb) printf("        (no statistics here: lighting off, per-channel mean/std)\n");
    printf("        1 thread : %8.0f images/s\n", r1);
    if (threads > 1)
        printf("        %d threads: %8.0f images/s total, %.0f per thread (%.2f× one thread)\n", threads,
               rn, rn / threads, r1 > 0 ? rn / r1 : 0);
    return 0;
}

int cmd_bench_data(int argc, char **argv) {
    const char *shards = NULL, *folder = NULL, *view = "train", *stats = NULL;
    int threads = 0, input = 227, size = 256, batch = 64, images = 2000;
    const cli_opt opts[] = {
        {"--shards", CLI_STR, &shards, "DIR", "a prepared split (with index.bin)", NULL},
        {"--folder", CLI_STR, &folder, "DIR", "a folder-per-class tree of JPEGs, decoded on the fly", NULL},
        {"--threads", CLI_INT, &threads, "N", "threads for the multi-threaded run (default: all CPUs)", NULL},
        {"--input", CLI_INT, &input, "N", "crop side (the net's input)", NULL},
        {"--size", CLI_INT, &size, "N", "raw folder: resize-and-crop side", NULL},
        {"--batch", CLI_INT, &batch, "N", "batch size", NULL},
        {"--images", CLI_INT, &images, "N", "images timed per multi-threaded run", NULL},
        {"--view", CLI_CHOICE, &view, NULL, "views to produce", "train|center|ten"},
        {"--stats", CLI_STR, &stats, "FILE", "stats.bin for the mean and PCA lighting", NULL},
        {0}};
    int npos = 0;
    int rc = cli_parse("bench-data",
                       "[--shards DIR] [--folder DIR] [options]\n\n"
                       "Decode-and-augment images/s of the data loader, with one thread and with N.",
                       opts, argc, argv, NULL, 0, &npos);
    if (rc) return rc < 0 ? 0 : rc;
    if (!shards && !folder) {
        fprintf(stderr, "alexnet bench-data: give --shards DIR and/or --folder DIR\n");
        return 2;
    }
    if (threads <= 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        threads = n > 0 ? (int)n : 1;
    }
    an_loader_config c = an_loader_defaults();
    c.view = !strcmp(view, "ten") ? an_view_ten(input) : !strcmp(view, "center") ? an_view_center(input)
                                                                               : an_view_train(input);
    c.batch = batch;
    c.shuffle = !strcmp(view, "train");
    c.seed = 1;
    c.stats = stats;
    printf("bench-data: %s views of %d×%d, batch %d, %d images per run\n", view, input, input, batch, images);
    if (shards && (rc = bench("shards", shards, &c, threads, images))) return rc;
    c.size = size;
    if (folder && (rc = bench("folder", folder, &c, threads, images))) return rc;
    return 0;
}

/* host/cli/cmd_features.c - `alexnet features`: a layer's activations (fc7 by default) for every
 * image of a data set (--data) or for JPEG files named on the command line, as a float32 .npy
 * (images × the layer's shape), with the views `eval` uses (a listed file is preprocessed as
 * `classify` and a raw folder do it), and a labels file beside it, one line per row in the same
 * order (OUT.labels.txt): "label<TAB>class" for a data set, "-1<TAB>path" for listed files. A
 * file that cannot be read or decoded is named on stderr and left out; for listed files the exit
 * status is then 1, as classify's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "net/model.h"
#include "net/weights.h"
#include "train/evaluate.h"
#include "train/features.h"
#include "util/npy.h"

#define MAX_IMAGES 100000

typedef struct sink_ctx {
    an_npy_writer npy;
    FILE *labels;
    const an_classes *classes;
    const char *const *files; /* listed files: a row's label is its file's index */
    int nfiles;
    int tty;
} sink_ctx;

static an_status sink(void *vctx, const float *rows, const int *labels, int n) {
    sink_ctx *c = vctx;
    an_status s = an_npy_append(&c->npy, rows, n);
    for (int i = 0; s == AN_OK && i < n; i++) {
        int y = labels[i], r;
        if (c->files)
            r = fprintf(c->labels, "-1\t%s\n", y >= 0 && y < c->nfiles ? c->files[y] : "");
        else
            r = fprintf(c->labels, "%d\t%s\n", y,
                        y >= 0 && y < c->classes->n ? c->classes->words[y] : "");
        if (r < 0)
            s = an_error(AN_ERR_IO, "cannot write the labels file");
    }
    return s;
}

static void progress(void *vctx, size_t done, size_t total) {
    sink_ctx *c = vctx;
    if (!c->tty) return;
    fprintf(stderr, "\rfeatures %zu/%zu images\033[K", done, total);
    if (done >= total) fputc('\n', stderr);
}

int cmd_features(int argc, char **argv) {
    const char *weights = NULL, *data = NULL, *layer = "fc7", *out = NULL, *classes = NULL;
    int ten_crop = 0, batch = 0, threads = 0, size = 0;
    cli_device_opts dev = {0};
    const cli_opt opts[] = {
        {"--weights", CLI_STR, &weights, "FILE", "weights file (required)", NULL},
        {"--layer", CLI_STR, &layer, "NAME",
         "the layer whose output is taken (default fc7: before relu7; relu7 after it)", NULL},
        {"--data", CLI_STR, &data, "DIR",
         "prepared split or folder-per-class tree of JPEGs (or name IMAGE files instead)", NULL},
        {"-o", CLI_STR, &out, "OUT.npy",
         "features (float32, images × the layer's shape); OUT.labels.txt has a line per row: "
         "\"label<TAB>class\" for --data, \"-1<TAB>path\" for IMAGE files (unreadable ones are "
         "named on stderr and left out, exit status 1)", NULL},
        {"--ten-crop", CLI_FLAG, &ten_crop, NULL, "the mean over eval's ten views", NULL},
        {"--batch", CLI_INT, &batch, "N", "images per batch (default 64; 8 with --ten-crop)",
         NULL},
        {"--threads", CLI_INT, &threads, "N", "loader threads (default: all CPUs)", NULL},
        {"--size", CLI_INT, &size, "N",
         "raw folders and IMAGE files: shorter side rescaled to N (as eval, classify)", NULL},
        {"--classes", CLI_STR, &classes, "FILE", "raw folders: synset list fixing the class order",
         NULL},
        CLI_DEVICE_OPTIONS(dev),
        {0}};
    static const char *images[MAX_IMAGES];
    int nimages;
    int rc = cli_parse("features",
                       "--weights FILE [--layer fc7] (--data DIR | IMAGE...) -o OUT.npy", opts,
                       argc, argv, images, MAX_IMAGES, &nimages);
    if (rc) return rc < 0 ? 0 : rc;
    if (!weights || !out || (!data && nimages == 0)) {
        fprintf(stderr, "alexnet features: --weights FILE, --data DIR (or IMAGE files) and "
                        "-o OUT.npy are required\n");
        return 2;
    }
    if (data && nimages > 0) {
        fprintf(stderr, "alexnet features: give --data DIR or IMAGE files, not both\n");
        return 2;
    }
    if (classes && nimages > 0) {
        fprintf(stderr, "alexnet features: --classes is for --data folders\n");
        return 2;
    }
    int dflt = ten_crop ? 8 : 64;
    if (nimages > 0 && nimages < dflt) dflt = nimages; /* no memory for images that never come */
    an_eval_opts eo;
    rc = cli_eval_opts("features", batch, dflt, threads, size, ten_crop, 0, classes, &eo);
    if (rc) return rc;
    eo.files = images;
    eo.nfiles = (size_t)nimages;
    const char *what = data ? data : nimages == 1 ? images[0] : "the listed images";

    an_net *net = NULL;
    an_status s = an_net_from_weights(weights, &net);
    if (s != AN_OK) return cli_fail("features", s);
    int li = an_net_find_layer(net, layer);
    if (li < 0) {
        fprintf(stderr, "alexnet features: net %s has no layer named '%s' (see alexnet summary "
                "--weights %s)\n", net->name, layer, weights);
        an_net_free(net);
        return 2;
    }
    an_loader *l = NULL;
    s = an_eval_open_loader(net, what, &eo, &l);
    an_dev devs[AN_MAX_SELECTED];
    int ndev = 0;
    if (s == AN_OK && cli_open_devices(&dev, 0, devs, &ndev)) {
        an_loader_close(l);
        an_net_free(net);
        return 1;
    }
    an_model *m = NULL;
    sink_ctx c;
    memset(&c, 0, sizeof c);
    c.tty = cli_is_tty();
    char lpath[4200];
    size_t ol = strlen(out);
    snprintf(lpath, sizeof lpath, "%.*s.labels.txt",
             (int)(ol > 4 && strcmp(out + ol - 4, ".npy") == 0 ? ol - 4 : ol), out);
    if (s == AN_OK) {
        an_model_opts mo = an_model_defaults();
        mo.batch = eo.model_batch;
        mo.inference = 1;
        mo.keep_layer = li + 1;
        mo.tune_progress = cli_tune_progress;
        s = an_model_create(net, devs, ndev, &mo, &m);
    }
    if (s == AN_OK) s = an_model_load_weights(m, weights);
    const an_shape sh = net->layers[li].out;
    long long dims[3] = {sh.c, sh.h, sh.w};
    int vec = sh.h == 1 && sh.w == 1;
    int npy_open = 0;
    if (s == AN_OK) s = an_npy_open(&c.npy, out, vec ? 1 : 3, dims);
    npy_open = s == AN_OK;
    if (s == AN_OK && !(c.labels = fopen(lpath, "w")))
        s = an_error(AN_ERR_IO, "cannot create %s", lpath);
    if (s == AN_OK) {
        c.classes = an_loader_classes(l);
        if (nimages) {
            c.files = images;
            c.nfiles = nimages;
        }
        s = an_features_run(m, net, l, li, eo.model_batch, sink, &c, progress);
    }
    if (c.labels && fclose(c.labels) != 0 && s == AN_OK)
        s = an_error(AN_ERR_IO, "cannot write %s", lpath);
    if (npy_open) {
        if (s == AN_OK)
            s = an_npy_close(&c.npy);
        else
            an_npy_abort(&c.npy);
    }
    size_t bad = l ? an_loader_bad_count(l) : 0;
    for (size_t i = 0; i < bad; i++) {
        const char *path, *reason;
        if (an_loader_bad(l, i, &path, &reason))
            fprintf(stderr, "alexnet features: skipped %s: %s\n", path, reason);
    }
    if (s == AN_OK) {
        char shape[64];
        if (vec)
            snprintf(shape, sizeof shape, "%d", sh.c);
        else
            snprintf(shape, sizeof shape, "%dx%dx%d", sh.c, sh.h, sh.w);
        printf("%s of %s on %s (%s): %lld images x %s -> %s, labels %s\n", layer, net->name,
               what, ten_crop ? "ten views averaged" : "centre crop", c.npy.rows, shape, out,
               lpath);
        if (nimages && bad)
            fprintf(stderr, "alexnet features: %zu of %d images could not be read\n", bad,
                    nimages);
    } else if (c.labels) {
        remove(lpath);
    }
    an_model_free(m);
    if (ndev) an_devs_close(devs, ndev);
    if (l) an_loader_close(l);
    an_net_free(net);
    if (s != AN_OK) return cli_fail("features", s);
    return nimages && bad ? 1 : 0;
}

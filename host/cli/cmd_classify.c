/* host/cli/cmd_classify.c - `alexnet classify`: the K most likely classes of JPEG images under a
 * weights file, through the public API (include/alexnet/alexnet.h). Each image is decoded, its
 * shorter side rescaled to the net's stored size (256 for 224/227 inputs) with the central
 * square kept, as `prepare` does, then centre-cropped to the net's input and normalised per the
 * net, exactly as `alexnet eval` sees a raw folder (an_network_preprocess_jpeg). A file that
 * cannot be read or decoded is named on stderr and skipped; the others are still classified and
 * the exit status is 1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alexnet/alexnet.h"
#include "cli/cli.h"
#include "data/jpeg.h"
#include "train/evaluate.h"
#include "util/read_file.h"

#define MAX_IMAGES 100000
#define BATCH 16

typedef struct classifier {
    an_network *n;
    an_network_info info;
    int size, top, json;
    uint8_t *file;
    size_t file_cap;
    float *in, *logits;       /* BATCH × C×H×W, BATCH × K */
    double *probs;            /* K */
    int *idx;                 /* top */
    int printed;              /* results printed so far (JSON commas) */
} classifier;

static an_status load_image(classifier *c, const char *path, float *out) {
    size_t len = 0;
    AN_TRY(an_read_file(path, &c->file, &c->file_cap, &len));
    return an_network_preprocess_jpeg(c->n, c->file, len, c->size, out);
}

static void print_one(classifier *c, const char *image, const float *logits) {
    int K = c->info.classes;
    an_softmax_d(logits, K, c->probs);
    an_top_k(c->probs, K, c->top, c->idx);
    char unnamed[32];
    const char *name;
    if (c->json) {
        printf("%s\n  {\"image\": ", c->printed ? "," : "");
        cli_json_string(stdout, image);
        printf(", \"top\": [");
        for (int j = 0; j < c->top; j++) {
            int k = c->idx[j];
            snprintf(unnamed, sizeof unnamed, "class %d", k);
            if (an_network_class_name(c->n, k, &name) != AN_OK || !name) name = unnamed;
            printf("%s{\"class\": %d, \"name\": ", j ? ", " : "", k);
            cli_json_string(stdout, name);
            printf(", \"probability\": %.9g}", c->probs[k]);
        }
        printf("]}");
    } else {
        printf("%s\n", image);
        for (int j = 0; j < c->top; j++) {
            int k = c->idx[j];
            snprintf(unnamed, sizeof unnamed, "class %d", k);
            if (an_network_class_name(c->n, k, &name) != AN_OK || !name) name = unnamed;
            printf("  %8.4f%%  %4d  %s\n", 100.0 * c->probs[k], k, name);
        }
    }
    c->printed++;
}

/* Forward the n images loaded into c->in and print their results. */
static an_status run_batch(classifier *c, const char *const *names, int n) {
    AN_TRY(an_network_forward(c->n, c->in, n, AN_OUTPUT_LOGITS, c->logits));
    for (int i = 0; i < n; i++)
        print_one(c, names[i], c->logits + (size_t)i * (size_t)c->info.classes);
    fflush(stdout);
    return AN_OK;
}

/* Classify every image; *failed counts those that could not be read. */
static an_status classify_all(classifier *c, const char **images, int nimages, int *failed) {
    size_t per = (size_t)c->info.channels * (size_t)c->info.height * (size_t)c->info.width;
    const char *names[BATCH];
    int n = 0;
    *failed = 0;
    if (c->json) printf("[");
    for (int i = 0; i < nimages; i++) {
        an_status s = load_image(c, images[i], c->in + (size_t)n * per);
        if (s != AN_OK) {
            fprintf(stderr, "alexnet classify: %s: %s\n", images[i], an_last_error());
            (*failed)++;
        } else {
            names[n++] = images[i];
        }
        if (n == BATCH || (i == nimages - 1 && n > 0)) {
            AN_TRY(run_batch(c, names, n));
            n = 0;
        }
    }
    if (c->json) printf("%s]\n", c->printed ? "\n" : "");
    return AN_OK;
}

static an_status classifier_init(classifier *c, an_devices *devs, const char *weights,
                                 int nimages) {
    an_network_opts o;
    AN_TRY(an_network_opts_default(&o));
    o.batch = nimages < BATCH ? nimages : BATCH; /* no memory for images that never come */
    o.progress = cli_tune_progress;
    AN_TRY(an_network_open(devs, weights, &o, &c->n));
    AN_TRY(an_network_get_info(c->n, &c->info));
    const an_network_info *in = &c->info;
    if (in->height != in->width)
        return an_error(AN_ERR_UNSUPPORTED, "net %s has a %d×%d input; only square inputs",
                        in->name, in->height, in->width);
    if (c->size == 0) c->size = in->stored_size;
    if (c->size < in->height)
        return an_error(AN_ERR_INVALID_ARG, "--size %d is smaller than the net's input %d", c->size,
                        in->height);
    if (c->top > in->classes) c->top = in->classes;
    size_t per = (size_t)in->channels * (size_t)in->height * (size_t)in->width;
    c->in = malloc(BATCH * per * sizeof(float));
    c->logits = malloc((size_t)BATCH * (size_t)in->classes * sizeof(float));
    c->probs = malloc((size_t)in->classes * sizeof(double));
    c->idx = malloc((size_t)c->top * sizeof(int));
    if (!c->in || !c->logits || !c->probs || !c->idx)
        return an_error(AN_ERR_NOMEM, "out of memory");
    return AN_OK;
}

static void classifier_free(classifier *c) {
    an_network_close(c->n);
    free(c->file);
    free(c->in);
    free(c->logits);
    free(c->probs);
    free(c->idx);
}

int cmd_classify(int argc, char **argv) {
    const char *weights = NULL;
    int top = 5, json = 0, size = 0;
    cli_device_opts dev = {0};
    const cli_opt opts[] = {
        {"--weights", CLI_STR, &weights, "FILE", "weights file (required)", NULL},
        {"--top", CLI_INT, &top, "K", "classes to show per image (at most the net's classes)",
         NULL},
        {"--size", CLI_INT, &size, "N",
         "shorter side rescaled to N (default 256, small nets input*256/224)", NULL},
        {"--json", CLI_FLAG, &json, NULL,
         "print a JSON array of {image, top: [{class, name, probability}]}", NULL},
        CLI_DEVICE_OPTIONS(dev),
        {0}};
    static const char *images[MAX_IMAGES];
    int nimages;
    int rc = cli_parse("classify", "--weights FILE [--top K] [--json] IMAGE...", opts, argc, argv,
                       images, MAX_IMAGES, &nimages);
    if (rc) return rc < 0 ? 0 : rc;
    if (!weights || nimages == 0) {
        fprintf(stderr, "alexnet classify: give --weights FILE and at least one IMAGE\n");
        return 2;
    }
    if (top < 1 || size < 0) {
        fprintf(stderr, "alexnet classify: --top must be at least 1 and --size positive\n");
        return 2;
    }
    if (dev.no_kernel_cache) an_set_kernel_cache(0);
    if (cli_use_limits(dev.limits)) return 1;
    an_devices *devs = NULL;
    if (an_devices_open(dev.device, &devs) != AN_OK) {
        fprintf(stderr, "alexnet: %s\n", an_last_error());
        return 1;
    }
    classifier c;
    memset(&c, 0, sizeof c);
    c.top = top;
    c.json = json;
    c.size = size;
    int failed = 0;
    an_status s = classifier_init(&c, devs, weights, nimages);
    if (s == AN_OK) s = classify_all(&c, images, nimages, &failed);
    classifier_free(&c);
    an_devices_close(devs);
    if (s != AN_OK) return cli_fail("classify", s);
    if (failed) fprintf(stderr, "alexnet classify: %d of %d images could not be read\n", failed,
                        nimages);
    return failed ? 1 : 0;
}

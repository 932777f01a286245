/* host/cli/cmd_classify.c - `alexnet classify`: the K most likely classes of JPEG images under a
 * weights file. Each image is decoded, its shorter side rescaled to the net's stored size
 * (an_eval_stored_size: 256 for 224/227 inputs) with the central square kept, as `prepare` does,
 * then centre-cropped to the net's input and normalised per the net, exactly as `alexnet eval`
 * sees a raw folder. A file that cannot be read or decoded is named on stderr and skipped; the
 * others are still classified and the exit status is 1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "data/image.h"
#include "data/jpeg.h"
#include "net/model.h"
#include "net/weights.h"
#include "train/evaluate.h"
#include "train/feed.h"

#define MAX_IMAGES 100000
#define BATCH 16

typedef struct classifier {
    const an_net *net;
    an_model *m;
    an_view_config view;
    int size, top, json;
    an_jpeg *jpeg;
    an_resizer rs;
    an_image dec, fit;
    uint8_t *file;
    size_t file_cap;
    float *rgb, *in, *logits; /* BATCH × 3×H×W, BATCH × C×H×W, BATCH × K */
    double *probs;            /* K */
    int *idx;                 /* top */
    int printed;              /* results printed so far (JSON commas) */
} classifier;

static an_status load_image(classifier *c, const char *path, float *out) {
    size_t len = 0;
    AN_TRY(an_read_file(path, &c->file, &c->file_cap, &len));
    AN_TRY(an_jpeg_decode(c->jpeg, c->file, len, c->size, &c->dec));
    AN_TRY(an_image_fit(&c->rs, &c->dec, c->size, &c->fit));
    an_view_image(&c->view, c->fit.px, c->size, NULL, 0, 0, 0, out);
    return AN_OK;
}

static void print_one(classifier *c, const char *image, const float *logits) {
    const an_net *net = c->net;
    an_softmax_d(logits, net->classes, c->probs);
    an_top_k(c->probs, net->classes, c->top, c->idx);
    char unnamed[32];
    if (c->json) {
        printf("%s\n  {\"image\": ", c->printed ? "," : "");
        cli_json_string(stdout, image);
        printf(", \"top\": [");
        for (int j = 0; j < c->top; j++) {
            int k = c->idx[j];
            snprintf(unnamed, sizeof unnamed, "class %d", k);
            printf("%s{\"class\": %d, \"name\": ", j ? ", " : "", k);
            cli_json_string(stdout, net->nclass_names ? net->class_names[k] : unnamed);
            printf(", \"probability\": %.9g}", c->probs[k]);
        }
        printf("]}");
    } else {
        printf("%s\n", image);
        for (int j = 0; j < c->top; j++) {
            int k = c->idx[j];
            snprintf(unnamed, sizeof unnamed, "class %d", k);
            printf("  %8.4f%%  %4d  %s\n", 100.0 * c->probs[k], k,
                   net->nclass_names ? net->class_names[k] : unnamed);
        }
    }
    c->printed++;
}

/* Forward the n images loaded into c->rgb and print their results. */
static an_status run_batch(classifier *c, const char *const *names, int n) {
    const an_net *net = c->net;
    const float *x = c->rgb;
    if (net->input.c != 3) {
        an_batch b = {.images = c->rgb, .labels = NULL, .count = n, .views = 1};
        AN_TRY(an_feed_images(net, &b, 0, c->in));
        x = c->in;
    }
    AN_TRY(an_model_forward(c->m, x, NULL, n, 0, 0));
    AN_TRY(an_model_read_logits(c->m, c->logits));
    for (int i = 0; i < n; i++)
        print_one(c, names[i], c->logits + (size_t)i * (size_t)net->classes);
    fflush(stdout);
    return AN_OK;
}

/* Classify every image; *failed counts those that could not be read. */
static an_status classify_all(classifier *c, const char **images, int nimages, int *failed) {
    size_t view = 3 * (size_t)c->net->input.h * (size_t)c->net->input.w;
    const char *names[BATCH];
    int n = 0;
    *failed = 0;
    if (c->json) printf("[");
    for (int i = 0; i < nimages; i++) {
        an_status s = load_image(c, images[i], c->rgb + (size_t)n * view);
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

static an_status classifier_init(classifier *c, an_dev *devs, int ndev, const char *weights,
                                 int nimages) {
    const an_net *net = c->net;
    size_t hw = (size_t)net->input.h * (size_t)net->input.w;
    if (net->input.h != net->input.w)
        return an_error(AN_ERR_UNSUPPORTED, "net %s has a %d×%d input; only square inputs",
                        net->name, net->input.h, net->input.w);
    if (c->size < net->input.h)
        return an_error(AN_ERR_INVALID_ARG, "--size %d is smaller than the net's input %d", c->size,
                        net->input.h);
    c->view = an_feed_view(net, AN_CROP_CENTER, 0);
    an_model_opts mo = an_model_defaults();
    mo.batch = nimages < BATCH ? nimages : BATCH; /* no memory for images that never come */
    mo.inference = 1;
    mo.tune_progress = cli_tune_progress;
    AN_TRY(an_model_create(net, devs, ndev, &mo, &c->m));
    AN_TRY(an_model_load_weights(c->m, weights));
    AN_TRY(an_jpeg_create(&c->jpeg));
    c->rgb = malloc(BATCH * 3 * hw * sizeof(float));
    c->in = malloc(BATCH * (size_t)net->input.c * hw * sizeof(float));
    c->logits = malloc((size_t)BATCH * (size_t)net->classes * sizeof(float));
    c->probs = malloc((size_t)net->classes * sizeof(double));
    c->idx = malloc((size_t)c->top * sizeof(int));
    if (!c->rgb || !c->in || !c->logits || !c->probs || !c->idx)
        return an_error(AN_ERR_NOMEM, "out of memory");
    return AN_OK;
}

static void classifier_free(classifier *c) {
    an_model_free(c->m);
    if (c->jpeg) an_jpeg_destroy(c->jpeg);
    an_resizer_free(&c->rs);
    an_image_free(&c->dec);
    an_image_free(&c->fit);
    free(c->file);
    free(c->rgb);
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
    an_net *net = NULL;
    an_status s = an_net_from_weights(weights, &net);
    if (s != AN_OK) return cli_fail("classify", s);
    classifier c;
    memset(&c, 0, sizeof c);
    c.net = net;
    c.top = top < net->classes ? top : net->classes;
    c.json = json;
    c.size = size ? size : an_eval_stored_size(net);
    an_dev devs[AN_MAX_SELECTED];
    int ndev = 0;
    if (cli_open_devices(&dev, 0, devs, &ndev)) {
        an_net_free(net);
        return 1;
    }
    int failed = 0;
    s = classifier_init(&c, devs, ndev, weights, nimages);
    if (s == AN_OK) s = classify_all(&c, images, nimages, &failed);
    classifier_free(&c);
    an_devs_close(devs, ndev);
    an_net_free(net);
    if (s != AN_OK) return cli_fail("classify", s);
    if (failed) fprintf(stderr, "alexnet classify: %d of %d images could not be read\n", failed,
                        nimages);
    return failed ? 1 : 0;
}

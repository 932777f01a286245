/* host/cli/cmd_eval.c - `alexnet eval`: a weights file's top-1 and top-5 error, mean loss and
 * speed on a data set (prepared shards or a folder-per-class tree), centre crop, centre and
 * mirror, or ten views. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/cli.h"
#include "net/model.h"
#include "net/weights.h"
#include "train/confusion.h"
#include "train/evaluate.h"

static void progress(void *ctx, size_t done, size_t total) {
    (void)ctx;
    fprintf(stderr, "\reval %zu/%zu images\033[K", done, total);
    if (done >= total) fputc('\n', stderr);
}

static void print_result(const char *weights, const char *data, const an_net *net,
                         const an_eval_result *r, int json) {
    if (json) {
        printf("{\"weights\": ");
        cli_json_string(stdout, weights);
        printf(", \"data\": ");
        cli_json_string(stdout, data);
        printf(", \"net\": ");
        cli_json_string(stdout, net->name);
        printf(", \"classes\": %d, \"views\": %d, \"images\": %zu, \"bad\": %zu, "
               "\"top1_err\": %.10g, \"top5_err\": %.10g, \"loss\": %.10g, \"seconds\": %.4f, "
               "\"images_per_s\": %.2f}\n",
               net->classes, r->views, r->images, r->bad, r->top1_err, r->top5_err, r->loss,
               r->seconds, r->images_per_s);
        return;
    }
    printf("%s on %s (%s): %zu images, %s\n", net->name, data, weights, r->images,
           r->views == 10 ? "ten views averaged"
           : r->views == 2 ? "centre and mirror averaged"
                           : "centre crop");
    printf("top-1 error %.2f %%  top-5 error %.2f %%  loss %.4f  %.1f images/s (%.2f s)\n",
           r->top1_err, r->top5_err, r->loss, r->images_per_s, r->seconds);
    if (r->bad) printf("bad files skipped: %zu\n", r->bad);
}

static int names_class(const an_classes *c, int j, const char *name) {
    return strcmp(c->ids[j], name) == 0 || strcmp(c->words[j], name) == 0;
}

/* Warn when the weights file names its classes and one of them is another index's class of the
 * data set: the same classes in another order would give meaningless errors. */
static void check_class_order(const an_net *net, const an_classes *c) {
    if (net->nclass_names != net->classes || c->n != net->classes) return;
    for (int k = 0; k < c->n; k++) {
        const char *name = net->class_names[k];
        if (names_class(c, k, name)) continue;
        for (int j = 0; j < c->n; j++)
            if (names_class(c, j, name)) {
                fprintf(stderr, "alexnet eval: warning: the net's class %d \"%s\" is the data "
                        "set's class %d: the orders differ (see --classes)\n", k, name, j);
                return;
            }
    }
}

/* Per-class accuracy and the most confused pairs (stdout), the matrix to csv, and its heat map
 * to png when png is not NULL. */
static an_status report_confusion(const an_classes *c, const size_t *cm, const char *csv,
                                  const char *png, int json) {
    const char **names = malloc((size_t)c->n * sizeof *names);
    if (!names) return an_error(AN_ERR_NOMEM, "out of memory");
    for (int k = 0; k < c->n; k++) names[k] = c->words[k] && *c->words[k] ? c->words[k] : c->ids[k];
    an_status s = an_confusion_write_csv(csv, c->n, names, cm);
    if (s == AN_OK && png) s = an_confusion_write_png(png, c->n, cm);
    int pairs[20], np = an_confusion_top_pairs(c->n, cm, 10, pairs);
    if (s == AN_OK && !json) {
        if (png)
            printf("per-class accuracy (confusion matrix in %s, its heat map in %s):\n", csv, png);
        else
            printf("per-class accuracy (confusion matrix in %s):\n", csv);
        for (int y = 0; y < c->n; y++) {
            size_t row = 0;
            for (int k = 0; k < c->n; k++) row += cm[(size_t)y * c->n + k];
            printf("  %6.2f %%  %6zu images  %s\n",
                   row ? 100.0 * (double)cm[(size_t)y * c->n + y] / (double)row : 0.0, row,
                   names[y]);
        }
        printf("most confused (true -> predicted):%s\n", np ? "" : " none");
        for (int i = 0; i < np; i++)
            printf("  %6zu  %s -> %s\n", cm[(size_t)pairs[2 * i] * c->n + pairs[2 * i + 1]],
                   names[pairs[2 * i]], names[pairs[2 * i + 1]]);
    }
    free(names);
    return s;
}

int cmd_eval(int argc, char **argv) {
    const char *weights = NULL, *data = NULL, *classes = NULL, *confusion = NULL;
    int ten_crop = 0, flip = 0, batch = 0, threads = 0, size = 0, json = 0;
    cli_device_opts dev = {0};
    const cli_opt opts[] = {
        {"--weights", CLI_STR, &weights, "FILE", "weights file (required)", NULL},
        {"--data", CLI_STR, &data, "DIR",
         "prepared split (index.bin) or folder-per-class tree of JPEGs (required)", NULL},
        {"--ten-crop", CLI_FLAG, &ten_crop, NULL,
         "average the softmax of ten views (corners, centre and their mirrors)", NULL},
        {"--flip", CLI_FLAG, &flip, NULL,
         "average the softmax of the centre crop and its mirror (two views)", NULL},
        {"--batch", CLI_INT, &batch, "N", "images per batch (default 128; 16 with --ten-crop)",
         NULL},
        {"--threads", CLI_INT, &threads, "N", "loader threads (default: all CPUs)", NULL},
        {"--size", CLI_INT, &size, "N",
         "raw folders: shorter side rescaled to N (default 256, small nets input*256/224)", NULL},
        {"--classes", CLI_STR, &classes, "FILE",
         "raw folders: synset list fixing the class order (default: folder names)", NULL},
        {"--json", CLI_FLAG, &json, NULL, "print one JSON object", NULL},
        {"--confusion", CLI_STR, &confusion, "FILE.csv|FILE.png",
         "write the confusion matrix; print per-class accuracy and the most confused pairs. "
         "FILE.png: also its heat map (rows the true class, columns the predicted, each row "
         "normalised, white 0 to dark blue 1), with the CSV beside it as FILE.csv", NULL},
        CLI_DEVICE_OPTIONS(dev),
        {0}};
    int npos;
    int rc = cli_parse("eval", "--weights FILE --data DIR [--ten-crop|--flip] [--batch N] [--json]",
                       opts, argc, argv, NULL, 0, &npos);
    if (rc) return rc < 0 ? 0 : rc;
    if (!weights || !data) {
        fprintf(stderr, "alexnet eval: --weights FILE and --data DIR are required\n");
        return 2;
    }
    if (ten_crop && flip) {
        fprintf(stderr, "alexnet eval: --ten-crop already holds the mirrored centre; give one of "
                        "--ten-crop and --flip\n");
        return 2;
    }
    an_eval_opts eo;
    rc = cli_eval_opts("eval", batch, ten_crop ? 16 : 128, threads, size, ten_crop, flip, classes,
                       &eo);
    if (rc) return rc;
    if (cli_is_tty() && !json) eo.progress = progress;

    /* --confusion X.png: the heat map there, the CSV as X.csv. */
    char csv_buf[4200];
    const char *csv = confusion, *png = NULL;
    size_t cl = confusion ? strlen(confusion) : 0;
    if (cl > 4 && strcasecmp(confusion + cl - 4, ".png") == 0) {
        if (cl >= sizeof csv_buf) {
            fprintf(stderr, "alexnet eval: --confusion: the path is too long\n");
            return 2;
        }
        snprintf(csv_buf, sizeof csv_buf, "%.*s.csv", (int)(cl - 4), confusion);
        csv = csv_buf;
        png = confusion;
    }

    an_net *net = NULL;
    an_status s = an_net_from_weights(weights, &net);
    if (s != AN_OK) return cli_fail("eval", s);
    an_loader *l = NULL;
    s = an_eval_open_loader(net, data, &eo, &l);
    if (s != AN_OK) {
        an_net_free(net);
        return cli_fail("eval", s);
    }
    check_class_order(net, an_loader_classes(l));
    an_dev devs[AN_MAX_SELECTED];
    int ndev = 0;
    if (cli_open_devices(&dev, 0, devs, &ndev)) {
        an_loader_close(l);
        an_net_free(net);
        return 1;
    }
    an_model_opts mo = an_model_defaults();
    mo.batch = eo.model_batch;
    mo.tune_progress = cli_tune_progress;
    mo.inference = 1;
    an_model *m = NULL;
    an_eval_result r;
    size_t *cm = NULL;
    s = an_model_create(net, devs, ndev, &mo, &m);
    if (s == AN_OK && confusion &&
        !(cm = eo.confusion = calloc((size_t)net->classes * (size_t)net->classes, sizeof *cm)))
        s = an_error(AN_ERR_NOMEM, "out of memory for a %d-class confusion matrix", net->classes);
    if (s == AN_OK) s = an_model_load_weights(m, weights);
    if (s == AN_OK) s = an_evaluate_loader(m, net, l, &eo, &r);
    if (s == AN_OK) {
        r.bad = an_loader_bad_count(l);
        for (size_t i = 0; i < r.bad; i++) {
            const char *path, *reason;
            if (an_loader_bad(l, i, &path, &reason))
                fprintf(stderr, "alexnet eval: skipped %s: %s\n", path, reason);
        }
        print_result(weights, data, net, &r, json);
        if (cm) s = report_confusion(an_loader_classes(l), cm, csv, png, json);
    }
    free(cm);
    an_model_free(m);
    an_devs_close(devs, ndev);
    an_loader_close(l);
    an_net_free(net);
    return s == AN_OK ? 0 : cli_fail("eval", s);
}

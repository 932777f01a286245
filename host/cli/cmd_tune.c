/* host/cli/cmd_tune.c - `alexnet tune`: choose every conv layer's algorithm (the inference
 * forward, or with --train the training forward and both gradients) for a net at a batch size on
 * a device ahead of time, the way --conv auto does on first use (host/ops/tune.h), and print the
 * table: layer, shape, direction, each candidate's time, the choice and whether it was timed now
 * or read from the tune cache. */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "ops/tune_limits.h"
#include "net/model.h"
#include "ops/tune.h"

#define MAX_NAMES 32

typedef struct tune_row {
    int layer, dev;
    an_tune_dir dir;
    an_conv_shape s;
    an_tune_result r;
} tune_row;

static int name_index(char names[][64], int *n, const char *name) {
    for (int i = 0; i < *n; i++)
        if (strcmp(names[i], name) == 0) return i;
    if (*n == MAX_NAMES) return -1;
    snprintf(names[*n], 64, "%s", name);
    return (*n)++;
}

/* The time of candidate `name` in r as text ("-" when it is not one); err: its error against
 * the exact result as a multiple of im2col's instead ("-" where not measured). */
static void cell(const an_tune_result *r, const char *name, char *buf, size_t cap, int json,
                 int err) {
    char n[64];
    snprintf(buf, cap, json ? "null" : "-");
    for (int i = 0; i < r->ncand; i++) {
        an_conv_choice_name(r->cand[i], n, sizeof n);
        if (strcmp(n, name) != 0) continue;
        if (err) {
            if (r->err[i] > 0) snprintf(buf, cap, json ? "%.3g" : "%.2f", r->err[i]);
        } else if (r->ms[i] == AN_TUNE_FAILED)
            snprintf(buf, cap, json ? "\"failed\"" : "failed");
        else if (r->ms[i] == AN_TUNE_WRONG)
            snprintf(buf, cap, json ? "\"wrong\"" : "wrong");
        else if (r->ms[i] == AN_TUNE_INACCURATE)
            snprintf(buf, cap, json ? "\"inaccurate\"" : "inaccurate");
        else
            snprintf(buf, cap, json ? "%.4f" : "%.3f", r->ms[i]);
    }
}

static void shape_text(const an_conv_shape *s, char *buf, size_t cap) {
    snprintf(buf, cap, "%dx%dx%d k%d %dx%d/%d p%d g%d", s->c, s->h, s->w, s->k, s->kh, s->kw,
             s->stride, s->pad, s->groups);
}

static void print_table(const an_net *net, const an_dev *devs, int ndev, int batch,
                        const tune_row *rows, int n) {
    char names[MAX_NAMES][64], buf[64], sh[64];
    int nn = 0;
    for (int i = 0; i < n; i++)
        for (int c = 0; c < rows[i].r.ncand; c++) {
            an_conv_choice_name(rows[i].r.cand[c], buf, sizeof buf);
            name_index(names, &nn, buf);
        }
    int measured = 0;
    for (int i = 0; i < n; i++) measured |= rows[i].r.source == AN_TUNE_TIMED;
    /* The times, then (for shapes timed now) the errors that decided which candidates could win. */
    for (int err = 0; err <= measured; err++)
        for (int di = 0; di < ndev; di++) {
            char path[4200];
            if (err)
                printf("\nerror against the exact result on %s, as a multiple of im2col's\n",
                       devs[di].info.name);
            else
                printf("%sdevice %d:%d %s, net %s, batch %d; tune cache %s\n", di ? "\n" : "",
                       devs[di].info.platform_index, devs[di].info.device_index,
                       devs[di].info.name, net->name, batch,
                       an_tune_cache_path(&devs[di], path, sizeof path)
                           ? path : "(none: no home directory)");
            printf("%-8s %-26s %-11s", "layer", "shape (CxHxW kK KxK/s p g)", "direction");
            for (int c = 0; c < nn; c++) printf(" %14s", names[c]);
            printf("  %-14s %s\n", "choice", "from");
            for (int i = 0; i < n; i++) {
                const tune_row *t = &rows[i];
                if (t->dev != di || (err && t->r.source != AN_TUNE_TIMED)) continue;
                shape_text(&t->s, sh, sizeof sh);
                printf("%-8s %-26s %-11s", net->layers[t->layer].name, sh,
                       an_tune_dir_name(t->dir));
                for (int c = 0; c < nn; c++) {
                    cell(&t->r, names[c], buf, sizeof buf, 0, err);
                    printf(" %14s", buf);
                }
                an_conv_choice_name(t->r.choice, buf, sizeof buf);
                printf("  %-14s %s\n", buf, an_tune_source_name(t->r.source));
            }
        }
    unsigned long timed, read;
    an_tune_counts(devs, ndev, &timed, &read);
    printf("\ntimes in ms (best of 3 rounds of up to 3 runs after a warm-up; failed/wrong/"
           "inaccurate: skipped)\n");
    if (measured)
        printf("errors: root mean square over sampled outputs of |got - exact| / sum of |terms|; "
               "a candidate erring over %gx (fwd-infer), %gx (fwd) or %gx (gradients) what "
               "im2col errs is inaccurate\n", an_tune_accuracy_factor(AN_TUNE_INFERENCE),
               an_tune_accuracy_factor(AN_TUNE_FORWARD),
               an_tune_accuracy_factor(AN_TUNE_BACKWARD_DATA));
    printf("%lu shape%s timed now, %lu read from the tune cache\n", timed, timed == 1 ? "" : "s",
           read);
}

static void print_json(const an_net *net, const an_dev *devs, int ndev, int batch, int train,
                       const tune_row *rows, int n) {
    unsigned long timed, read;
    an_tune_counts(devs, ndev, &timed, &read);
    printf("{\"net\": ");
    cli_json_string(stdout, net->name);
    printf(", \"batch\": %d, \"train\": %s, \"timed\": %lu, \"read\": %lu,\n \"devices\": [",
           batch, train ? "true" : "false", timed, read);
    for (int di = 0; di < ndev; di++) {
        char path[4200];
        printf("%s{\"id\": \"%d:%d\", \"name\": ", di ? ", " : "", devs[di].info.platform_index,
               devs[di].info.device_index);
        cli_json_string(stdout, devs[di].info.name);
        printf(", \"cache_file\": ");
        const char *p = an_tune_cache_path(&devs[di], path, sizeof path);
        if (p)
            cli_json_string(stdout, p);
        else
            printf("null");
        printf("}");
    }
    printf("],\n \"layers\": [");
    for (int i = 0; i < n; i++) {
        const tune_row *t = &rows[i];
        const an_conv_shape *s = &t->s;
        printf("%s\n  {\"name\": ", i ? "," : "");
        cli_json_string(stdout, net->layers[t->layer].name);
        printf(", \"device\": %d, \"direction\": \"%s\", \"shape\": {\"n\": %d, \"c\": %d, "
               "\"h\": %d, \"w\": %d, \"k\": %d, \"kh\": %d, \"kw\": %d, \"stride\": %d, "
               "\"pad\": %d, \"groups\": %d}, \"candidates\": {", t->dev, an_tune_dir_name(t->dir),
               s->n, s->c, s->h, s->w, s->k, s->kh, s->kw, s->stride, s->pad, s->groups);
        for (int c = 0; c < t->r.ncand; c++) {
            char name[64], v[64];
            an_conv_choice_name(t->r.cand[c], name, sizeof name);
            cell(&t->r, name, v, sizeof v, 1, 0);
            printf("%s\"%s\": %s", c ? ", " : "", name, v);
        }
        printf("}, \"errors\": {");
        for (int c = 0; c < t->r.ncand; c++) {
            char name[64], v[64];
            an_conv_choice_name(t->r.cand[c], name, sizeof name);
            cell(&t->r, name, v, sizeof v, 1, 1);
            printf("%s\"%s\": %s", c ? ", " : "", name, v);
        }
        char ch[64];
        an_conv_choice_name(t->r.choice, ch, sizeof ch);
        printf("}, \"choice\": \"%s\", \"source\": \"%s\"}", ch, an_tune_source_name(t->r.source));
    }
    printf("\n ]}\n");
}

int cmd_tune(int argc, char **argv) {
    cli_device_opts dev_opts = {0};
    const char *net_name = "alexnet";
    int batch = 128, train = 0, json = 0, retune = 0;
    const cli_opt opts[] = {
        {"--net", CLI_STR, &net_name, "NAME|FILE", "a built-in net or a description file", NULL},
        {"--batch", CLI_INT, &batch, "N", "images per batch (choices are per batch size)", NULL},
        {"--train", CLI_FLAG, &train, NULL,
         "the directions training runs (its forward, held closer to im2col's accuracy, and both "
         "gradients) instead of inference's forward", NULL},
        {"--retune", CLI_FLAG, &retune, NULL,
         "time again even where the tune cache has a choice (also ALEXNET_TUNE=retune)", NULL},
        CLI_DEVICE_OPTIONS(dev_opts),
        {"--json", CLI_FLAG, &json, NULL, "print JSON instead of a table", NULL},
        {0},
    };
    int npos;
    int rc = cli_parse("tune", "[--net NAME|FILE] [--batch N] [--train] [--retune] "
                       "[--device SPEC] [--json]", opts, argc, argv, NULL, 0, &npos);
    if (rc) return rc < 0 ? 0 : rc;
    if (batch < 1) return cli_say("tune", 2, "--batch must be at least 1");
    if (an_tune_mode(NULL) == AN_TUNE_MODE_OFF)
        return cli_say("tune", 2, "tuning is off (ALEXNET_TUNE=off): unset it to tune");

    an_net *net;
    an_dev devs[AN_MAX_SELECTED];
    int ndev;
    if (cli_open_net("tune", net_name, &dev_opts, &net, devs, &ndev)) return 1;
    an_status s = AN_OK;
    for (int i = 0; retune && i < ndev; i++) an_tune_set_mode(&devs[i], AN_TUNE_MODE_RETUNE);
    int cap = net->nlayers * AN_TUNE_DIRS * ndev, n = 0;
    tune_row *rows = calloc((size_t)(cap ? cap : 1), sizeof *rows);
    if (!rows) s = an_error(AN_ERR_NOMEM, "out of host memory");
    for (int di = 0; s == AN_OK && di < ndev; di++)
        for (int i = 0; s == AN_OK && i < net->nlayers; i++) {
            if (net->layers[i].kind != AN_LAYER_CONV) continue;
            an_conv_shape cs = an_layer_conv_shape(&net->layers[i], batch);
            for (int dir = 0; s == AN_OK && dir < (train ? AN_TUNE_DIRS : 1); dir++) {
                tune_row *t = &rows[n];
                t->layer = i;
                t->dev = di;
                t->dir = train ? (an_tune_dir)dir : AN_TUNE_INFERENCE;
                t->s = cs;
                char note[512];
                an_tune_limits_note(&devs[di], &cs, note, sizeof note);
                if (note[0] && dir == 0) fprintf(stderr, "%s: %s\n", net->layers[i].name, note);
                char why[160];
                if (!an_tune_fits_memory(&devs[di], &cs, devs[di].info.global_mem, why,
                                         sizeof why))
                    s = an_error(AN_ERR_NOMEM, "%s %s at batch %d cannot be timed: %s; use a "
                                 "smaller --batch", net->layers[i].name,
                                 an_tune_dir_name(t->dir), batch, why);
                else
                    s = an_conv_tune(&devs[di], &cs, t->dir, cli_tune_progress, NULL, &t->r);
                if (s != AN_OK)
                    s = an_error_context(s, "tuning layer %s", net->layers[i].name);
                else
                    n++;
            }
        }
    if (s == AN_OK) {
        if (json)
            print_json(net, devs, ndev, batch, train, rows, n);
        else
            print_table(net, devs, ndev, batch, rows, n);
    }
    rc = s == AN_OK ? 0 : cli_fail("tune", s);
    free(rows);
    an_devs_close(devs, ndev);
    an_net_free(net);
    return rc;
}

/* host/cli/cmd_summary.c - `alexnet summary`: a net's layers with their towers, shapes,
 * parameters and multiply-adds, and the totals (a table, or JSON with --json). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "net/layout.h"
#include "net/netdesc.h"
#include "net/weights.h"

/* 60965224 -> "60,965,224" */
static const char *grouped(long long v, char *buf, size_t n) {
    char raw[32];
    snprintf(raw, sizeof raw, "%lld", v < 0 ? -v : v);
    size_t len = strlen(raw), o = 0;
    if (v < 0 && o + 1 < n) buf[o++] = '-';
    for (size_t i = 0; i < len && o + 2 < n; i++) {
        if (i && (len - i) % 3 == 0) buf[o++] = ',';
        buf[o++] = raw[i];
    }
    buf[o] = 0;
    return buf;
}

static const char *shape_str(an_shape s, int vector, char *buf, size_t n) {
    if (vector)
        snprintf(buf, n, "%d", s.c);
    else
        snprintf(buf, n, "%dx%dx%d", s.c, s.h, s.w);
    return buf;
}

/* The layer's own settings, short: "11x11/4 pad 0", "5x5 pad 2 groups 2", "n=5 a=0.0001 ...". */
static const char *details(const an_layer *L, char *buf, size_t n) {
    buf[0] = 0;
    switch (L->kind) {
    case AN_LAYER_CONV:
        snprintf(buf, n, "%dx%d/%d pad %d", L->conv.ksize, L->conv.ksize, L->conv.stride,
                 L->conv.pad);
        if (L->conv.groups_whole > 1)
            snprintf(buf + strlen(buf), n - strlen(buf), " groups %d", L->conv.groups_whole);
        break;
    case AN_LAYER_FC:
        if (L->conv.groups_whole > 1) snprintf(buf, n, "groups %d", L->conv.groups_whole);
        break;
    case AN_LAYER_LRN:
        snprintf(buf, n, "n%d a%g b%g k%g", L->lrn.size, L->lrn.alpha, L->lrn.beta, L->lrn.k);
        break;
    case AN_LAYER_MAXPOOL:
    case AN_LAYER_AVGPOOL:
        if (L->pool.adaptive)
            snprintf(buf, n, "adaptive to %dx%d", L->pool.out_size, L->pool.out_size);
        else
            snprintf(buf, n, "%dx%d/%d%s", L->pool.ksize, L->pool.ksize, L->pool.stride,
                     L->pool.pad ? " pad" : "");
        break;
    case AN_LAYER_DROPOUT:
        snprintf(buf, n, "p=%g", L->dropout_p);
        break;
    case AN_LAYER_RELU:
    case AN_LAYER_SOFTMAX:
        break;
    }
    return buf;
}

/* What a conv or fc layer of a net of several towers reads, and where it runs: "image", "own",
 * "cross", "t2:cross". */
static const char *placement(const an_net *net, const an_layer *L, char *buf, size_t n) {
    buf[0] = 0;
    if (net->towers == 1 || (L->kind != AN_LAYER_CONV && L->kind != AN_LAYER_FC)) return buf;
    const char *reads = L->in_dist.kind == AN_DIST_ALL ? "image"
                        : L->input == AN_INPUT_CROSS  ? "cross"
                                                      : "own";
    if (L->tower)
        snprintf(buf, n, "t%d:%s", L->tower, reads);
    else
        snprintf(buf, n, "%s", reads);
    return buf;
}

/* Print one table row without trailing blanks. */
static void row(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

static void row(const char *fmt, ...) {
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    size_t n = strlen(line);
    while (n && line[n - 1] == ' ') line[--n] = 0;
    puts(line);
}

static void json_shape(an_shape s) { printf("[%d, %d, %d]", s.c, s.h, s.w); }

static void print_json(const an_net *net, const size_t *tower_params) {
    char d[24];
    printf("{\n  \"net\": ");
    cli_json_string(stdout, net->name);
    printf(",\n  \"source\": ");
    cli_json_string(stdout, net->source);
    printf(",\n  \"towers\": %d,\n  \"input\": ", net->towers);
    json_shape(net->input);
    printf(",\n  \"classes\": %d,\n  \"lrn\": \"%s\",\n", net->classes,
           an_lrn_convention_name(net->lrn));
    printf("  \"preprocess\": {\"range\": %.17g, \"mean\": [", net->pre.range);
    for (int c = 0; c < net->input.c; c++)
        printf("%s%.17g", c ? ", " : "", an_preproc_mean(&net->pre, c));
    printf("], \"std\": [");
    for (int c = 0; c < net->input.c; c++)
        printf("%s%.17g", c ? ", " : "", an_preproc_std(&net->pre, c));
    printf("], \"order\": ");
    cli_json_string(stdout, net->pre.order);
    printf("},\n  \"class_names\": [");
    for (int i = 0; i < net->nclass_names; i++) {
        if (i) printf(", ");
        cli_json_string(stdout, net->class_names[i]);
    }
    printf("],\n  \"layers\": [\n");
    for (int i = 0; i < net->nlayers; i++) {
        const an_layer *L = &net->layers[i];
        printf("    {\"name\": ");
        cli_json_string(stdout, L->name);
        printf(", \"kind\": \"%s\", \"line\": %d, \"tower\": ", an_layer_kind_name(L->kind),
               L->line);
        if (L->tower)
            printf("%d", L->tower);
        else
            printf("\"all\"");
        printf(", \"input\": \"%s\", \"in_dist\": \"%s\"",
               L->input == AN_INPUT_CROSS ? "cross" : "own",
               an_dist_name(L->in_dist, d, sizeof d));
        printf(", \"out_dist\": \"%s\", \"in\": ", an_dist_name(L->out_dist, d, sizeof d));
        json_shape(L->in);
        printf(", \"out\": ");
        json_shape(L->out);
        printf(", \"in_tower\": ");
        json_shape(L->in_tower);
        printf(", \"out_tower\": ");
        json_shape(L->out_tower);
        if (L->kind == AN_LAYER_CONV || L->kind == AN_LAYER_FC)
            printf(", \"kernel\": %d, \"stride\": %d, \"pad\": %d, \"groups\": %d, "
                   "\"init_std\": %g, \"init_bias\": %g",
                   L->conv.ksize, L->conv.stride, L->conv.pad, L->conv.groups_whole,
                   L->conv.init_std, L->conv.init_bias);
        if (L->kind == AN_LAYER_LRN)
            printf(", \"size\": %d, \"alpha\": %g, \"beta\": %g, \"k\": %g, \"groups\": %d",
                   L->lrn.size, L->lrn.alpha, L->lrn.beta, L->lrn.k, L->lrn.groups);
        if (L->kind == AN_LAYER_MAXPOOL || L->kind == AN_LAYER_AVGPOOL)
            printf(", \"kernel\": %d, \"stride\": %d, \"pad\": %d, \"adaptive\": %s",
                   L->pool.ksize, L->pool.stride, L->pool.pad, L->pool.adaptive ? "true" : "false");
        if (L->kind == AN_LAYER_DROPOUT) printf(", \"p\": %g", L->dropout_p);
        printf(", \"params\": %lld, \"macs\": %lld, \"macs_per_tower\": %lld}%s\n", L->params,
               L->macs, L->macs_tower, i + 1 < net->nlayers ? "," : "");
    }
    printf("  ],\n  \"tensors\": [\n");
    for (int i = 0; i < net->ntensors; i++) {
        const an_tensor *t = &net->tensors[i];
        printf("    {\"name\": ");
        cli_json_string(stdout, t->name);
        printf(", \"shape\": [");
        for (int k = 0; k < t->ndim; k++) printf("%s%d", k ? ", " : "", t->dims[k]);
        printf("]}%s\n", i + 1 < net->ntensors ? "," : "");
    }
    printf("  ],\n  \"params\": %lld,\n  \"macs\": %lld,\n  \"neurons\": %lld,\n", net->params,
           net->macs, net->neurons);
    printf("  \"params_per_tower\": [");
    for (int t = 0; t < net->towers; t++) printf("%s%zu", t ? ", " : "", tower_params[t]);
    printf("]\n}\n");
}

/* 724406816 -> "724.4 M" */
static const char *si(double v, char *buf, size_t n) {
    if (v >= 1e9)
        snprintf(buf, n, "%.3f G", v / 1e9);
    else if (v >= 1e6)
        snprintf(buf, n, "%.1f M", v / 1e6);
    else
        snprintf(buf, n, "%.1f k", v / 1e3);
    return buf;
}

static void print_table(const an_net *net, const size_t *tower_params) {
    char a[64], b[64], c[64], e[64], f[40], g[40];
    printf("%s (%s): %d tower%s, input %dx%dx%d%s%s, %d classes", net->name, net->source,
           net->towers, net->towers > 1 ? "s" : "", net->input.c, net->input.h, net->input.w,
           net->pre.order[0] ? " " : "", net->pre.order, net->classes);
    int has_lrn = 0;
    for (int i = 0; i < net->nlayers; i++) has_lrn |= net->layers[i].kind == AN_LAYER_LRN;
    if (has_lrn)
        printf(", LRN %s convention (%s)", an_lrn_convention_name(net->lrn),
               net->lrn == AN_LRN_PAPER ? "alpha * sum" : "alpha/n * sum");
    if (net->pre.range == 255)
        printf("\ninput: x = (pixel - mean) / std, pixel in [0,255], mean");
    else if (net->pre.range == 1)
        printf("\ninput: x = (pixel/255 - mean) / std, mean");
    else
        printf("\ninput: x = (pixel/255 * %g - mean) / std, mean", net->pre.range);
    for (int i = 0; i < net->pre.nmean; i++) printf("%s%g", i ? "," : " ", net->pre.mean[i]);
    printf(", std");
    for (int i = 0; i < net->pre.nstd; i++) printf("%s%g", i ? "," : " ", net->pre.std[i]);
    printf("\n\n");
    int tw = net->towers > 1;
    row("%3s  %-8s %-8s %-22s %-8s %-10s %-10s %11s %12s", "#", "layer", "kind", "settings",
        tw ? "reads" : "", "output", tw ? "per tower" : "", "params", "mult-adds");
    int vector = 0;
    for (int i = 0; i < net->nlayers; i++) {
        const an_layer *L = &net->layers[i];
        if (L->kind == AN_LAYER_FC) vector = 1;
        row("%3d  %-8s %-8s %-22s %-8s %-10s %-10s %11s %12s", i + 1, L->name,
            an_layer_kind_name(L->kind), details(L, a, sizeof a), placement(net, L, b, sizeof b),
            shape_str(L->out, vector, c, sizeof c),
            tw ? shape_str(L->out_tower, vector, e, sizeof e) : "",
            L->params ? grouped(L->params, f, sizeof f) : "",
            L->macs ? grouped(L->macs, g, sizeof g) : "");
    }
    printf("\ntotal: %s parameters; %s multiply-adds per image forward (%s); %s neurons\n",
           grouped(net->params, f, sizeof f), grouped(net->macs, g, sizeof g),
           si((double)net->macs, a, sizeof a), grouped(net->neurons, b, sizeof b));
    if (tw) {
        printf("parameters per tower:");
        for (int t = 0; t < net->towers; t++)
            printf("%s tower %d %s", t ? "," : "", t + 1,
                   grouped((long long)tower_params[t], f, sizeof f));
        printf("\nreads: image = the whole image; own = its tower's channels only; cross = all "
               "towers' channels\n");
    }
}

int cmd_summary(int argc, char **argv) {
    int json = 0;
    const char *net_name = NULL, *weights = NULL;
    const cli_opt opts[] = {
        {"--net", CLI_STR, &net_name, "NAME|FILE",
         "a built-in net (alexnet, caffenet, alexnet-owt, alexnet-small) or a .net file; "
         "NAME:channels=C,size=S changes the input (default: alexnet)", NULL},
        {"--weights", CLI_STR, &weights, "FILE", "the net stored in a weights file", NULL},
        {"--json", CLI_FLAG, &json, NULL, "print JSON instead of a table", NULL},
        {0},
    };
    int npos;
    int rc = cli_parse("summary", "[--net NAME|FILE | --weights FILE] [--json]", opts, argc, argv,
                       NULL, 0, &npos);
    if (rc) return rc < 0 ? 0 : rc;
    if (net_name && weights) {
        fprintf(stderr, "alexnet summary: give --net or --weights, not both\n");
        return 2;
    }
    an_net *net = NULL;
    an_status s = weights ? an_net_from_weights(weights, &net)
                          : an_net_load(net_name ? net_name : "alexnet", &net);
    if (s != AN_OK) return cli_fail("summary", s);
    size_t tower_params[AN_MAX_TOWERS] = {0};
    for (int t = 0; t < net->towers && s == AN_OK; t++) {
        an_layout l;
        s = an_layout_build(net, 1u << t, &l);
        if (s == AN_OK) tower_params[t] = l.params;
        an_layout_free(&l);
    }
    if (s != AN_OK) {
        an_net_free(net);
        return cli_fail("summary", s);
    }
    if (json)
        print_json(net, tower_params);
    else
        print_table(net, tower_params);
    an_net_free(net);
    return 0;
}

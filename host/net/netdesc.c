/* host/net/netdesc.c - a net's layers after parsing: infer every layer's shapes, towers,
 * parameter tensors and costs, change a parsed net, and write it back out as canonical text.
 * The parser and the loading by name or path are in netparse.c. */
#include "net/netdesc.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "net/netdesc_impl.h"
#include "util/strbuf.h"
#include "util/try.h"

/* ---- small helpers ---------------------------------------------------------------------- */

static const char kind_names[][8] = {"conv",    "fc",      "relu",    "lrn",
                                      "maxpool", "avgpool", "dropout", "softmax"};

const char *an_layer_kind_name(an_layer_kind k) {
    return (unsigned)k < sizeof kind_names / sizeof kind_names[0] ? kind_names[k] : "?";
}

const char *an_lrn_convention_name(an_lrn_convention c) {
    return c == AN_LRN_CAFFE ? "caffe" : "paper";
}

const char *an_dist_name(an_dist d, char *buf, size_t n) {
    switch (d.kind) {
    case AN_DIST_SPLIT: snprintf(buf, n, "split"); break;
    case AN_DIST_ALL: snprintf(buf, n, "all"); break;
    case AN_DIST_ONE: snprintf(buf, n, "tower %d", d.tower); break;
    }
    return buf;
}

char *an_net_dup_str(const char *s) {
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p) memcpy(p, s, n);
    return p;
}

static void free_names(char **names, int n) {
    for (int i = 0; i < n; i++) free(names[i]);
    free(names);
}

void an_net_free(an_net *net) {
    if (!net) return;
    free(net->layers);
    free(net->tensors);
    free_names(net->class_names, net->nclass_names);
    free(net);
}

int an_net_find_layer(const an_net *net, const char *name) {
    for (int i = 0; i < net->nlayers; i++)
        if (strcmp(net->layers[i].name, name) == 0) return i;
    return -1;
}

int an_net_find_tensor(const an_net *net, const char *name) {
    for (int i = 0; i < net->ntensors; i++)
        if (strcmp(net->tensors[i].name, name) == 0) return i;
    return -1;
}

/* ---- shape inference -------------------------------------------------------------------- */

/* "source:line: " or "source: " for messages. */
static const char *where(const an_net *net, int line, char *buf, size_t n) {
    if (line > 0)
        snprintf(buf, n, "%s:%d: ", net->source, line);
    else
        snprintf(buf, n, "%s: ", net->source);
    return buf;
}

#define LAYER_ERR(net, L, ...) layer_err((net), (L), __VA_ARGS__)

static an_status layer_err(const an_net *net, const an_layer *L, const char *fmt, ...)
    PRINTF_LIKE(3, 4);

static an_status layer_err(const an_net *net, const an_layer *L, const char *fmt, ...) {
    char w[300], msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return an_error(AN_ERR_FORMAT, "%slayer %s (%s): %s", where(net, L->line, w, sizeof w),
                    L->name, an_layer_kind_name(L->kind), msg);
}

static void add_tensor(an_net *net, int layer, int is_bias, int ndim, const int *dims) {
    an_tensor *t = &net->tensors[net->ntensors++];
    memset(t, 0, sizeof *t);
    snprintf(t->name, sizeof t->name, "%s.%s", net->layers[layer].name,
             is_bias ? "bias" : "weight");
    t->layer = layer;
    t->is_bias = is_bias;
    t->ndim = ndim;
    t->count = 1;
    for (int i = 0; i < ndim; i++) {
        t->dims[i] = dims[i];
        t->count *= (size_t)dims[i];
    }
    t->row_size = t->count / (size_t)dims[0];
}

/* What each tower holds of a tensor of shape s distributed as d. */
static an_shape tower_share(an_shape s, an_dist d, int towers) {
    if (d.kind == AN_DIST_SPLIT) s.c /= towers;
    return s;
}

/* Conv and fc: placement, groups, output shape, tensors and costs. */
static an_status infer_conv_fc(an_net *net, int li, an_shape cur, an_dist dist, int is_vector,
                               an_shape *out, an_dist *out_dist) {
    an_layer *L = &net->layers[li];
    an_conv_params *p = &L->conv;
    int T = net->towers;
    int is_fc = L->kind == AN_LAYER_FC;
    char db[32];

    if (L->tower > T)
        return LAYER_ERR(net, L, "tower=%d, but the net has %d tower%s", L->tower, T,
                         T == 1 ? "" : "s");
    if (!is_fc && is_vector)
        return LAYER_ERR(net, L, "a convolution needs an image-shaped input, but %s gives a vector",
                         net->layers[li - 1].name);
    /* An fc layer sees its input flattened C×H×W; a split input splits the flattened vector in
     * T contiguous blocks, as its channels are in T contiguous blocks. */
    an_shape in = cur;
    if (is_fc) {
        long long flat = (long long)cur.c * cur.h * cur.w;
        if (flat > INT_MAX)
            return LAYER_ERR(net, L, "its input %dx%dx%d flattens to %lld values, over %d: "
                             "pool or shrink the input first", cur.c, cur.h, cur.w, flat,
                             INT_MAX);
        in = (an_shape){(int)flat, 1, 1};
    }
    int split_factor = 1; /* how many tower blocks the input is read in */
    int own_split = L->input == AN_INPUT_OWN && dist.kind == AN_DIST_SPLIT && T > 1;
    if (L->tower == 0) {
        if (L->input == AN_INPUT_OWN && dist.kind == AN_DIST_ONE && T > 1)
            return LAYER_ERR(net, L,
                             "input=own, but its input is only on tower %d: use input=cross",
                             dist.tower);
        if (own_split) split_factor = T;
        if (p->out % T != 0)
            return LAYER_ERR(net, L, "out=%d is not divisible by the net's %d towers", p->out, T);
        *out_dist = (an_dist){AN_DIST_SPLIT, 0};
    } else {
        if (own_split)
            return LAYER_ERR(net, L,
                             "a layer on tower %d alone must read the whole input: use input=cross",
                             L->tower);
        if (L->input == AN_INPUT_OWN && dist.kind == AN_DIST_ONE && dist.tower != L->tower)
            return LAYER_ERR(net, L, "input=own, but its input is on tower %d: use input=cross",
                             dist.tower);
        *out_dist = T > 1 ? (an_dist){AN_DIST_ONE, L->tower} : (an_dist){AN_DIST_SPLIT, 0};
    }
    if (p->groups > 1 && L->input == AN_INPUT_CROSS && L->tower == 0 && T > 1 &&
        dist.kind == AN_DIST_SPLIT)
        return LAYER_ERR(net, L, "groups=%d with input=cross across towers is not supported "
                                 "(use input=own, or groups=1)", p->groups);
    int seen = in.c / split_factor; /* input channels one tower reads */
    int out_t = L->tower == 0 ? p->out / T : p->out;
    if (seen % p->groups != 0)
        return LAYER_ERR(net, L, "groups=%d does not divide the %d input %s each tower reads (%s)",
                         p->groups, seen, is_fc ? "values" : "channels",
                         an_dist_name(dist, db, sizeof db));
    if (out_t % p->groups != 0)
        return LAYER_ERR(net, L, "groups=%d does not divide the %d output channels of a tower",
                         p->groups, out_t);
    p->groups_whole = p->groups * split_factor;
    p->in_per_group = in.c / p->groups_whole;

    an_shape o = {p->out, 1, 1};
    if (!is_fc) {
        if (p->stride < 1) return LAYER_ERR(net, L, "stride=%d must be at least 1", p->stride);
        int ph = in.h + 2 * p->pad, pw = in.w + 2 * p->pad;
        if (p->ksize > ph || p->ksize > pw)
            return LAYER_ERR(net, L, "kernel %d×%d is larger than its padded input %d×%d "
                                     "(input %d×%d, pad %d)",
                             p->ksize, p->ksize, ph, pw, in.h, in.w, p->pad);
        o.h = (ph - p->ksize) / p->stride + 1;
        o.w = (pw - p->ksize) / p->stride + 1;
    }
    L->in = in;
    L->in_tower = (an_shape){seen, in.h, in.w};
    L->out = o;
    L->out_tower = (an_shape){out_t, o.h, o.w};

    long long per_out = (long long)p->in_per_group * p->ksize * p->ksize;
    L->params = (long long)p->out * per_out + p->out;
    L->macs = (long long)p->out * o.h * o.w * per_out;
    L->macs_tower = (long long)out_t * o.h * o.w * per_out;
    net->neurons += an_shape_count(o);

    int wd[4] = {p->out, p->in_per_group, p->ksize, p->ksize};
    L->weight = net->ntensors;
    add_tensor(net, li, 0, is_fc ? 2 : 4, wd);
    L->bias = net->ntensors;
    add_tensor(net, li, 1, 1, wd);
    *out = o;
    return AN_OK;
}

static an_status infer_pool(an_net *net, an_layer *L, an_shape cur, int is_vector,
                            an_shape *out) {
    an_layer_pool *p = &L->pool;
    if (is_vector) return LAYER_ERR(net, L, "pooling needs an image-shaped input, not a vector");
    an_shape o = cur;
    if (p->adaptive) {
        o.h = o.w = p->out_size;
        if (o.h > cur.h || o.w > cur.w)
            return LAYER_ERR(net, L, "adaptive output %d×%d is larger than its input %d×%d", o.h,
                             o.w, cur.h, cur.w);
    } else {
        if (p->stride < 1) return LAYER_ERR(net, L, "stride=%d must be at least 1", p->stride);
        if (2 * p->pad > p->ksize)
            return LAYER_ERR(net, L, "pad=%d is more than half the window %d", p->pad, p->ksize);
        int ph = cur.h + 2 * p->pad, pw = cur.w + 2 * p->pad;
        if (p->ksize > ph || p->ksize > pw)
            return LAYER_ERR(net, L, "pool window %d×%d is larger than its input %d×%d%s",
                             p->ksize, p->ksize, cur.h, cur.w, p->pad ? " (padded)" : "");
        o.h = (ph - p->ksize) / p->stride + 1;
        o.w = (pw - p->ksize) / p->stride + 1;
    }
    *out = o;
    return AN_OK;
}

/* Infer everything derived from the written parameters and the input. Fills layers' shapes,
 * tensors and totals. */
an_status an_net_infer(an_net *net) {
    char w[300];
    int T = net->towers;
    an_preproc *pre = &net->pre;
    int C = net->input.c;
    if (C < 1 || C > AN_MAX_INPUT_CHANNELS)
        return an_error(AN_ERR_FORMAT, "%sinput channels=%d: must be 1..%d",
                        where(net, 0, w, sizeof w), C, AN_MAX_INPUT_CHANNELS);
    if (net->input.h < 1 || net->input.w < 1)
        return an_error(AN_ERR_FORMAT, "%sinput size %d×%d: must be positive",
                        where(net, 0, w, sizeof w), net->input.h, net->input.w);
    if ((pre->nmean != 1 && pre->nmean != C) || (pre->nstd != 1 && pre->nstd != C))
        return an_error(AN_ERR_FORMAT,
                        "%spreprocess gives %d mean and %d std values for %d input channels "
                        "(give 1 or %d of each)",
                        where(net, 0, w, sizeof w), pre->nmean, pre->nstd, C, C);
    if (C == 1)
        snprintf(pre->order, sizeof pre->order, "grey");
    else if (C == 3 && strcmp(pre->order, "bgr") != 0)
        snprintf(pre->order, sizeof pre->order, "rgb");
    else if (C != 3)
        pre->order[0] = 0;

    free(net->tensors);
    net->tensors = calloc((size_t)2 * (size_t)net->nlayers + 1, sizeof *net->tensors);
    if (!net->tensors) return an_error(AN_ERR_NOMEM, "out of memory describing %s", net->name);
    net->ntensors = 0;
    net->params = net->macs = net->neurons = 0;

    an_shape cur = net->input;
    an_dist dist = {AN_DIST_ALL, 0};
    if (T == 1) dist = (an_dist){AN_DIST_SPLIT, 0};
    int is_vector = 0;
    for (int li = 0; li < net->nlayers; li++) {
        an_layer *L = &net->layers[li];
        an_shape out = cur;
        an_dist odist = dist;
        L->in = cur;
        L->in_dist = dist;
        L->weight = L->bias = -1;
        L->params = L->macs = L->macs_tower = 0;
        switch (L->kind) {
        case AN_LAYER_CONV:
        case AN_LAYER_FC:
            AN_TRY(infer_conv_fc(net, li, cur, dist, is_vector, &out, &odist));
            if (L->kind == AN_LAYER_FC) is_vector = 1;
            break;
        case AN_LAYER_MAXPOOL:
        case AN_LAYER_AVGPOOL:
            AN_TRY(infer_pool(net, L, cur, is_vector, &out));
            break;
        case AN_LAYER_LRN:
            if (L->lrn.size < 1 || L->lrn.size % 2 == 0)
                return LAYER_ERR(net, L, "size=%d must be odd and positive", L->lrn.size);
            L->lrn.convention = net->lrn;
            L->lrn.groups = (dist.kind == AN_DIST_SPLIT) ? T : 1;
            break;
        case AN_LAYER_SOFTMAX:
            if (li != net->nlayers - 1)
                return LAYER_ERR(net, L, "softmax must be the last layer (%s follows it)",
                                 net->layers[li + 1].name);
            break;
        case AN_LAYER_RELU:
        case AN_LAYER_DROPOUT:
            break;
        }
        if (L->kind != AN_LAYER_CONV && L->kind != AN_LAYER_FC) {
            L->out = out;
            L->in_tower = tower_share(cur, dist, T);
            L->out_tower = tower_share(out, odist, T);
        }
        L->out_dist = odist;
        net->params += L->params;
        net->macs += L->macs;
        cur = out;
        dist = odist;
    }
    if (net->nlayers == 0)
        return an_error(AN_ERR_FORMAT, "%sthe description has no layers",
                        where(net, 0, w, sizeof w));
    long long outputs = an_shape_count(cur);
    if (outputs > AN_MAX_CLASSES)
        return an_error(AN_ERR_FORMAT,
                        "%sthe last layer %s gives %lld outputs, more than the %d classes a net "
                        "may have: end the net with an fc layer of out=CLASSES",
                        where(net, 0, w, sizeof w), net->layers[net->nlayers - 1].name, outputs,
                        AN_MAX_CLASSES);
    int classes = (int)outputs;
    if (net->classes && net->classes != classes)
        return an_error(AN_ERR_FORMAT,
                        "%sthe net declares classes=%d but its last layer %s gives %d outputs",
                        where(net, 0, w, sizeof w), net->classes,
                        net->layers[net->nlayers - 1].name, classes);
    net->classes = classes;
    if (net->nclass_names && net->nclass_names != classes)
        return an_error(AN_ERR_FORMAT, "%s%d class names given for %d classes",
                        where(net, 0, w, sizeof w), net->nclass_names, classes);
    return AN_OK;
}

/* ---- changing a parsed net -------------------------------------------------------------- */

an_status an_net_set_input(an_net *net, int channels, int height, int width) {
    an_net trial = *net;
    trial.layers = malloc((size_t)net->nlayers * sizeof *trial.layers);
    trial.tensors = NULL;
    if (!trial.layers) return an_error(AN_ERR_NOMEM, "out of memory");
    memcpy(trial.layers, net->layers, (size_t)net->nlayers * sizeof *trial.layers);
    if (channels) trial.input.c = channels;
    if (height) trial.input.h = height;
    if (width) trial.input.w = width;
    trial.classes = 0;
    an_status s = an_net_infer(&trial);
    if (s != AN_OK) {
        free(trial.layers);
        free(trial.tensors);
        return an_error_context(s, "with input %d×%d×%d: ", trial.input.c, trial.input.h,
                                trial.input.w);
    }
    free(net->layers);
    free(net->tensors);
    *net = trial;
    return AN_OK;
}

/* The last conv or fc layer gives the classes: give it `classes` outputs. A layer on all towers
 * whose towers cannot share them evenly moves to tower 1 (it reads its input whole). */
an_status an_net_set_classes(an_net *net, int classes) {
    if (classes < 1 || classes > AN_MAX_CLASSES)
        return an_error(AN_ERR_INVALID_ARG, "classes=%d: must be 1..%d", classes, AN_MAX_CLASSES);
    int li = net->nlayers - 1;
    while (li >= 0 && net->layers[li].kind != AN_LAYER_CONV && net->layers[li].kind != AN_LAYER_FC)
        li--;
    if (li < 0) return an_error(AN_ERR_INVALID_ARG, "net %s has no conv or fc layer to give %d "
                                "classes", net->name, classes);
    an_layer keep = net->layers[li];
    int old = net->classes, nnames = net->nclass_names;
    char **names = net->class_names;
    net->class_names = NULL;
    net->nclass_names = 0;
    an_layer *L = &net->layers[li];
    L->conv.out = classes;
    if (L->tower == 0 && net->towers > 1 && classes % net->towers != 0) {
        L->tower = 1;
        L->input = AN_INPUT_CROSS;
    }
    net->classes = 0;
    an_status s = an_net_infer(net);
    if (s == AN_OK && net->classes != classes)
        s = an_error(AN_ERR_INVALID_ARG, "net %s: its last layer %s does not give the classes",
                     net->name, L->name);
    if (s != AN_OK) {
        net->layers[li] = keep;
        net->classes = 0;
        an_net_infer(net);
        net->classes = old;
        net->class_names = names;
        net->nclass_names = nnames;
        return an_error_context(s, "with classes=%d: ", classes);
    }
    free_names(names, nnames);
    return AN_OK;
}

an_status an_net_set_class_names(an_net *net, int n, const char *const *names) {
    if (n != 0 && n != net->classes)
        return an_error(AN_ERR_INVALID_ARG, "%d class names for a net of %d classes", n,
                        net->classes);
    char **copy = NULL;
    if (n) {
        copy = calloc((size_t)n, sizeof *copy);
        if (!copy) return an_error(AN_ERR_NOMEM, "out of memory");
        for (int i = 0; i < n; i++)
            if (!(copy[i] = an_net_dup_str(names[i]))) {
                free_names(copy, n);
                return an_error(AN_ERR_NOMEM, "out of memory");
            }
    }
    free_names(net->class_names, net->nclass_names);
    net->class_names = copy;
    net->nclass_names = n;
    return AN_OK;
}

/* ---- writing a net back as text --------------------------------------------------------- */

/* The shortest of %.15g / %.17g that reads back as the same double. */
static const char *num(double x, char *buf) {
    snprintf(buf, 32, "%.15g", x);
    if (strtod(buf, NULL) != x) snprintf(buf, 32, "%.17g", x);
    return buf;
}

static void sb_list(an_strbuf *b, const double *v, int n) {
    char t[32];
    for (int i = 0; i < n; i++) an_sb_printf(b, "%s%s", i ? "," : "", num(v[i], t));
}

an_status an_net_to_text(const an_net *net, char **text) {
    an_strbuf b = {malloc(1024), 0, 1024, 0};
    if (!b.p) return an_error(AN_ERR_NOMEM, "out of memory");
    b.p[0] = 0;
    char t1[32], t2[32], t3[32];
    an_sb_printf(&b, "net name=%s towers=%d lrn=%s classes=%d\n", net->name, net->towers,
              an_lrn_convention_name(net->lrn), net->classes);
    if (net->input.h == net->input.w)
        an_sb_printf(&b, "input channels=%d size=%d\n", net->input.c, net->input.h);
    else
        an_sb_printf(&b, "input channels=%d height=%d width=%d\n", net->input.c, net->input.h,
                  net->input.w);
    an_sb_printf(&b, "preprocess range=%s mean=", num(net->pre.range, t1));
    sb_list(&b, net->pre.mean, net->pre.nmean);
    an_sb_printf(&b, " std=");
    sb_list(&b, net->pre.std, net->pre.nstd);
    if (net->pre.order[0]) an_sb_printf(&b, " order=%s", net->pre.order);
    an_sb_printf(&b, "\n");
    for (int i = 0; i < net->nclass_names; i++) an_sb_printf(&b, "class %s\n", net->class_names[i]);
    for (int i = 0; i < net->nlayers; i++) {
        const an_layer *L = &net->layers[i];
        an_sb_printf(&b, "%s name=%s", an_layer_kind_name(L->kind), L->name);
        switch (L->kind) {
        case AN_LAYER_CONV:
        case AN_LAYER_FC:
            an_sb_printf(&b, " out=%d", L->conv.out);
            if (L->kind == AN_LAYER_CONV)
                an_sb_printf(&b, " k=%d stride=%d pad=%d", L->conv.ksize, L->conv.stride,
                          L->conv.pad);
            an_sb_printf(&b, " groups=%d input=%s", L->conv.groups,
                      L->input == AN_INPUT_CROSS ? "cross" : "own");
            if (L->tower)
                an_sb_printf(&b, " tower=%d", L->tower);
            else
                an_sb_printf(&b, " tower=all");
            an_sb_printf(&b, " std=%s bias=%s", num(L->conv.init_std, t1),
                      num(L->conv.init_bias, t2));
            break;
        case AN_LAYER_LRN:
            an_sb_printf(&b, " size=%d alpha=%s beta=%s k=%s", L->lrn.size, num(L->lrn.alpha, t1),
                      num(L->lrn.beta, t2), num(L->lrn.k, t3));
            break;
        case AN_LAYER_MAXPOOL:
        case AN_LAYER_AVGPOOL:
            if (L->pool.adaptive)
                an_sb_printf(&b, " out=%d", L->pool.out_size);
            else
                an_sb_printf(&b, " k=%d stride=%d pad=%d", L->pool.ksize, L->pool.stride,
                          L->pool.pad);
            break;
        case AN_LAYER_DROPOUT:
            an_sb_printf(&b, " p=%s", num(L->dropout_p, t1));
            break;
        case AN_LAYER_RELU:
        case AN_LAYER_SOFTMAX:
            break;
        }
        an_sb_printf(&b, "\n");
    }
    if (b.oom) {
        free(b.p);
        return an_error(AN_ERR_NOMEM, "out of memory writing the description of %s", net->name);
    }
    *text = b.p;
    return AN_OK;
}

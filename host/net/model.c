/* host/net/model.c - placing a net on its devices: buffers, parameter views, crossover links,
 * and moving parameters between the devices and the host's whole layout. The schedule itself
 * (forward, backward, SGD) is in model_run.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/init.h"
#include "net/model_impl.h"
#include "ops/concat.h"
#include "ops/softmax.h"

an_model_opts an_model_defaults(void) {
    an_model_opts o;
    memset(&o, 0, sizeof o);
    o.batch = 128;
    o.conv_algo = AN_CONV_AUTO;
    o.seed = 1;
    o.bias_lr_mult = 1;
    o.bias_decay_mult = 1;
    return o;
}

an_shape an_model_tensor_shape(const an_model *m, int i) {
    return i < 0 ? m->net->input : m->net->layers[i].out;
}

int an_model_runs(const an_model *m, int i, int t) {
    const an_layer *l = &m->net->layers[i];
    if (l->kind == AN_LAYER_SOFTMAX) return t == 0; /* the loss lives on tower 1's device */
    if (l->kind == AN_LAYER_CONV || l->kind == AN_LAYER_FC)
        return l->tower == 0 || l->tower == t + 1;
    /* The others work on whatever part of their input a tower holds. */
    int c0, c1;
    return an_model_piece(m, i - 1, t, &c0, &c1);
}

int an_model_piece(const an_model *m, int i, int t, int *c0, int *c1) {
    int C = an_model_tensor_shape(m, i).c, T = m->T;
    an_dist dist = i < 0 ? (an_dist){AN_DIST_ALL, 0} : m->net->layers[i].out_dist;
    if (i >= 0 && !an_model_runs(m, i, t)) return 0;
    switch (dist.kind) {
    case AN_DIST_SPLIT:
        *c0 = t * C / T;
        *c1 = (t + 1) * C / T;
        return 1;
    case AN_DIST_ONE:
        if (dist.tower != t + 1) return 0;
        *c0 = 0;
        *c1 = C;
        return 1;
    default:
        *c0 = 0;
        *c1 = C;
        return 1;
    }
}

an_buf an_model_piece_buf(const an_model *m, int i, int t) {
    if (i < 0) return (an_buf){m->dev[an_model_dev_of(m, t)].input, 0};
    return (an_buf){m->L[i].t[t].out, 0};
}

an_buf an_model_piece_dbuf(const an_model *m, int i, int t) {
    if (i < 0) return (an_buf){NULL, 0};
    return (an_buf){m->L[i].t[t].dout, 0};
}

/* Count bytes against the device's global memory before allocating them, so that a net that
 * does not fit is refused up front (some drivers allocate lazily and fail only at a launch). */
static an_status charge(an_dev *d, mdev *md, const char *name, size_t bytes) {
    if (md->bytes + bytes > d->info.global_mem)
        return an_error(AN_ERR_NOMEM,
                        "the model does not fit in %s's %.1f GiB of global memory: %.1f GiB "
                        "allocated before %s (%.1f MiB); use a smaller --batch or split the net "
                        "over two devices (--device A,B)", d->info.name,
                        (double)d->info.global_mem / 1073741824.0,
                        (double)md->bytes / 1073741824.0, name, (double)bytes / 1048576.0);
    md->bytes += bytes;
    return AN_OK;
}

static an_status alloc_named(an_dev *d, mdev *md, const char *what, const char *layer, int t,
                             size_t floats, cl_mem *out) {
    char name[96];
    snprintf(name, sizeof name, "%s.%s[tower %d]", layer, what, t + 1);
    AN_TRY(charge(d, md, name, floats * sizeof(float)));
    return an_alloc(d, name, floats * sizeof(float), out);
}

/* The slice of a parameter tensor that tower t uses, inside its device's flat buffer. */
static an_status param_view(an_model *m, int t, int tensor, an_buf *w, an_buf *g) {
    const an_layer *l = &m->net->layers[m->net->tensors[tensor].layer];
    mdev *md = &m->dev[an_model_dev_of(m, t)];
    const an_layout_entry *e = an_layout_find(&md->layout, m->net->tensors[tensor].name);
    if (!e) return an_error(AN_ERR_INTERNAL, "tensor %s is not in the layout of tower %d",
                            m->net->tensors[tensor].name, t + 1);
    int rows = m->net->tensors[tensor].dims[0];
    int rb = l->tower == 0 ? t * rows / m->T : 0;
    size_t off = e->offset + (size_t)(rb - e->row_begin) * e->row_size;
    *w = (an_buf){md->params, off};
    *g = (an_buf){md->grads, off};
    return AN_OK;
}

an_conv_shape an_layer_conv_shape(const an_layer *l, int n) {
    an_conv_shape s;
    s.n = n;
    s.c = l->in_tower.c;
    s.h = l->in_tower.h;
    s.w = l->in_tower.w;
    s.k = l->out_tower.c;
    s.kh = s.kw = l->conv.ksize;
    s.stride = l->conv.stride;
    s.pad = l->conv.pad;
    s.groups = l->conv.groups;
    return s;
}

an_conv_shape an_model_conv_shape(const an_model *m, int i, int n) {
    return an_layer_conv_shape(&m->net->layers[i], n);
}

/* Buffers of layer i on tower t: output, its gradient, the op's own (LRN scale, argmax), the
 * gathered input of a crossover and its gradient, and the links that fill them. */
static an_status setup_tower(an_model *m, int i, int t) {
    const an_layer *l = &m->net->layers[i];
    mlayer *ml = &m->L[i];
    mtower *mt = &ml->t[t];
    int di = an_model_dev_of(m, t);
    an_dev *d = &m->devs[di];
    mdev *md = &m->dev[di];
    size_t N = (size_t)m->batch;
    mt->runs = 1;
    mt->d = d;

    /* What the op reads. */
    an_shape in = an_model_tensor_shape(m, i - 1);
    size_t in_hw = (size_t)in.h * in.w;
    int c0, c1;
    int weighted = l->kind == AN_LAYER_CONV || l->kind == AN_LAYER_FC;
    int cross = l->kind == AN_LAYER_SOFTMAX || (weighted && l->input == AN_INPUT_CROSS);
    int holds = an_model_piece(m, i - 1, t, &c0, &c1);
    if (!cross) {
        if (!holds)
            return an_error(AN_ERR_UNSUPPORTED, "%s: layer %s on tower %d reads its own tower's "
                            "input, which tower %d does not hold", m->net->source, l->name, t + 1,
                            t + 1);
        mt->in = an_model_piece_buf(m, i - 1, t);
        mt->din = an_model_piece_dbuf(m, i - 1, t);
    } else if (holds && c0 == 0 && c1 == in.c) {
        mt->in = an_model_piece_buf(m, i - 1, t);
        mt->din = an_model_piece_dbuf(m, i - 1, t);
    } else {
        size_t whole = N * (size_t)an_shape_count(in);
        AN_TRY(alloc_named(d, md, "gathered input", l->name, t, whole, &mt->gather));
        AN_TRY(alloc_named(d, md, "gathered input gradient", l->name, t, whole, &mt->dgather));
        mt->in = (an_buf){mt->gather, 0};
        mt->din = (an_buf){mt->dgather, 0};
        ml->gathers = 1;
        for (int u = 0; u < m->T; u++) {
            int u0, u1;
            if (!an_model_piece(m, i - 1, u, &u0, &u1)) continue;
            an_dev *src = &m->devs[an_model_dev_of(m, u)];
            size_t cols = (size_t)(u1 - u0) * in_hw;
            char name[96];
            snprintf(name, sizeof name, "%s.xfer[%d->%d]", l->name, u + 1, t + 1);
            AN_TRY(an_link_init(&mt->fwd[u], src, d, N, cols, 0, name));
            /* Backward: the gradient goes from t back to u, added up over the consumers. */
            AN_TRY(an_link_init(&mt->bwd[u], d, src, N, cols, 1, name));
            mt->has_link[u] = 1;
        }
    }
    if (i == 0) mt->din = (an_buf){NULL, 0}; /* nobody needs the image's gradient */

    /* What it writes. */
    size_t out_count = N * (size_t)an_shape_count(l->out_tower);
    if (l->kind == AN_LAYER_SOFTMAX) out_count = N * (size_t)l->out.c;
    AN_TRY(alloc_named(d, md, "out", l->name, t, out_count, &mt->out));
    if (l->kind != AN_LAYER_SOFTMAX)
        AN_TRY(alloc_named(d, md, "out gradient", l->name, t, out_count, &mt->dout));
    if (l->kind == AN_LAYER_LRN || l->kind == AN_LAYER_MAXPOOL)
        AN_TRY(alloc_named(d, md, l->kind == AN_LAYER_LRN ? "scale" : "argmax", l->name, t,
                           out_count, &mt->aux));

    if (l->weight >= 0) AN_TRY(param_view(m, t, l->weight, &mt->w, &mt->dw));
    if (l->bias >= 0) AN_TRY(param_view(m, t, l->bias, &mt->b, &mt->db));
    if (l->kind == AN_LAYER_CONV) {
        an_conv_shape s = an_layer_conv_shape(l, m->batch);
        AN_TRY(an_conv_check(&s));
        AN_TRY(an_model_choose_conv(m, i, t, 0));
    }
    return AN_OK;
}

static an_status setup_device(an_model *m, int di) {
    mdev *md = &m->dev[di];
    an_dev *d = &m->devs[di];
    unsigned mask = 0;
    for (int t = 0; t < m->T; t++)
        if (an_model_dev_of(m, t) == di) mask |= 1u << t;
    AN_TRY(an_layout_build(m->net, mask, &md->layout));
    size_t total = md->layout.total;
    AN_TRY(charge(d, md, "parameters, gradients and momentum", 3 * total * sizeof(float)));
    AN_TRY(an_alloc(d, "parameters", total * sizeof(float), &md->params));
    AN_TRY(an_alloc(d, "gradients", total * sizeof(float), &md->grads));
    AN_TRY(an_alloc(d, "momentum", total * sizeof(float), &md->momentum));
    AN_TRY(an_fill(d, (an_buf){md->params, 0}, 0, total));
    AN_TRY(an_fill(d, (an_buf){md->grads, 0}, 0, total));
    AN_TRY(an_fill(d, (an_buf){md->momentum, 0}, 0, total));
    an_shape in = m->net->input;
    size_t in_floats = (size_t)m->batch * (size_t)an_shape_count(in);
    AN_TRY(charge(d, md, "input images", in_floats * sizeof(float)));
    AN_TRY(an_alloc(d, "input images", in_floats * sizeof(float), &md->input));

    an_sgd_segment *segs = calloc((size_t)md->layout.n + 1, sizeof *segs);
    if (!segs) return an_error(AN_ERR_NOMEM, "out of host memory");
    for (int j = 0; j < md->layout.n; j++) {
        const an_layout_entry *e = &md->layout.e[j];
        int bias = m->net->tensors[e->tensor].is_bias;
        segs[j].start = e->offset;
        segs[j].length = e->count;
        segs[j].lr_mult = bias ? m->opts.bias_lr_mult : 1.0f;
        segs[j].decay_mult = bias ? m->opts.bias_decay_mult : 1.0f;
    }
    an_status s = an_sgd_table_create(d, segs, (size_t)md->layout.n, &md->sgd);
    free(segs);
    return s;
}

an_status an_model_create(const an_net *net, an_dev *devs, int ndev, const an_model_opts *o,
                          an_model **out) {
    *out = NULL;
    if (ndev < 1 || ndev > 2) return an_error(AN_ERR_INVALID_ARG, "a model runs on 1 or 2 devices");
    if (ndev == 2 && net->towers != 2)
        return an_error(AN_ERR_INVALID_ARG,
                        "net %s has %d tower%s: two devices (--device A,B) need a two-tower net "
                        "such as alexnet or alexnet-small", net->name, net->towers,
                        net->towers == 1 ? "" : "s");
    if (net->nlayers < 1 || net->layers[net->nlayers - 1].kind != AN_LAYER_SOFTMAX)
        return an_error(AN_ERR_UNSUPPORTED, "net %s must end with a softmax layer", net->name);
    an_model_opts opts = o ? *o : an_model_defaults();
    if (opts.batch < 1) return an_error(AN_ERR_INVALID_ARG, "batch must be at least 1");
    an_model *m = calloc(1, sizeof *m);
    if (!m) return an_error(AN_ERR_NOMEM, "out of host memory");
    m->net = net;
    m->devs = devs;
    m->ndev = ndev;
    m->T = net->towers;
    m->opts = opts;
    m->batch = opts.batch;
    m->algo = opts.conv_algo;
    m->K = net->layers[net->nlayers - 1].out.c;
    m->L = calloc((size_t)net->nlayers, sizeof *m->L);
    an_status s = m->L ? AN_OK : an_error(AN_ERR_NOMEM, "out of host memory");
    if (s == AN_OK) s = an_layout_whole(net, &m->whole);
    for (int di = 0; s == AN_OK && di < ndev; di++) s = setup_device(m, di);
    for (int i = 0; s == AN_OK && i < net->nlayers; i++) {
        m->L[i].l = &net->layers[i];
        snprintf(m->L[i].xtag, sizeof m->L[i].xtag, "%s.xfer", net->layers[i].name);
        for (int t = 0; s == AN_OK && t < m->T; t++)
            if (an_model_runs(m, i, t)) s = setup_tower(m, i, t);
    }
    for (int di = 0; s == AN_OK && di < ndev; di++) {
        mdev *md = &m->dev[di];
        if (md->ws_floats) {
            s = charge(&devs[di], md, "convolution workspace", md->ws_floats * sizeof(float));
            if (s == AN_OK)
                s = an_alloc(&devs[di], "convolution workspace", md->ws_floats * sizeof(float),
                             &md->ws);
        }
    }
    if (s == AN_OK) {
        mdev *d0 = &m->dev[0];
        s = an_alloc(&devs[0], "labels", (size_t)m->batch * sizeof(int), &d0->labels);
        if (s == AN_OK)
            s = an_alloc(&devs[0], "loss statistics",
                         AN_SOFTMAX_STATS_LEN(m->batch) * sizeof(float), &d0->stats);
    }
    if (s != AN_OK) {
        an_model_free(m);
        return an_error_context(s, "placing net %s (batch %d) on %d device%s", net->name,
                                opts.batch, ndev, ndev == 1 ? "" : "s");
    }
    *out = m;
    return AN_OK;
}

void an_model_free(an_model *m) {
    if (!m) return;
    for (int di = 0; di < m->ndev; di++) {
        if (m->devs[di].q) clFinish(m->devs[di].q);
    }
    for (int i = 0; m->L && i < m->net->nlayers; i++) {
        for (int t = 0; t < m->T; t++) {
            mtower *mt = &m->L[i].t[t];
            an_free(&mt->out);
            an_free(&mt->dout);
            an_free(&mt->aux);
            an_free(&mt->gather);
            an_free(&mt->dgather);
            for (int u = 0; u < m->T; u++) {
                an_link_free(&mt->fwd[u]);
                an_link_free(&mt->bwd[u]);
            }
        }
    }
    for (int di = 0; di < m->ndev; di++) {
        mdev *md = &m->dev[di];
        an_free(&md->params);
        an_free(&md->grads);
        an_free(&md->momentum);
        an_free(&md->input);
        an_free(&md->ws);
        an_free(&md->labels);
        an_free(&md->stats);
        an_sgd_table_free(&md->sgd);
        an_layout_free(&md->layout);
    }
    an_layout_free(&m->whole);
    free(m->L);
    free(m);
}

size_t an_model_whole_floats(const an_model *m) { return m->whole.total; }
const an_layout *an_model_whole_layout(const an_model *m) { return &m->whole; }

size_t an_model_device_bytes(const an_model *m, int i) {
    return i >= 0 && i < m->ndev ? m->dev[i].bytes : 0;
}

unsigned long long an_model_xfer_bytes(const an_model *m) {
    unsigned long long b = 0;
    for (int i = 0; i < m->net->nlayers; i++)
        for (int t = 0; t < m->T; t++)
            for (int u = 0; u < m->T; u++)
                if (m->L[i].t[t].has_link[u] && an_model_dev_of(m, t) != an_model_dev_of(m, u))
                    b += m->L[i].t[t].fwd[u].bytes + m->L[i].t[t].bwd[u].bytes;
    return b;
}

/* Move one of the flat buffers (params, grads, momentum) between devices and the whole layout. */
typedef enum { BUF_PARAMS, BUF_GRADS, BUF_MOMENTUM } which_buf;

static cl_mem buf_of(mdev *md, which_buf w) {
    return w == BUF_PARAMS ? md->params : w == BUF_GRADS ? md->grads : md->momentum;
}

static an_status get_whole(an_model *m, which_buf w, float *whole) {
    memset(whole, 0, m->whole.total * sizeof(float));
    for (int di = 0; di < m->ndev; di++) {
        mdev *md = &m->dev[di];
        float *part = malloc(md->layout.total * sizeof(float));
        if (!part) return an_error(AN_ERR_NOMEM, "out of host memory");
        an_status s = an_read(&m->devs[di], (an_buf){buf_of(md, w), 0}, part, md->layout.total);
        if (s == AN_OK) an_layout_paste(&md->layout, part, whole);
        free(part);
        AN_TRY(s);
    }
    return AN_OK;
}

static an_status set_whole(an_model *m, which_buf w, const float *whole) {
    for (int di = 0; di < m->ndev; di++) {
        mdev *md = &m->dev[di];
        float *part = malloc(md->layout.total * sizeof(float));
        if (!part) return an_error(AN_ERR_NOMEM, "out of host memory");
        an_layout_cut(&md->layout, whole, part);
        an_status s = an_write(&m->devs[di], (an_buf){buf_of(md, w), 0}, part, md->layout.total);
        free(part);
        AN_TRY(s);
    }
    return AN_OK;
}

an_status an_model_get_params(an_model *m, float *whole) { return get_whole(m, BUF_PARAMS, whole); }
an_status an_model_set_params(an_model *m, const float *whole) {
    return set_whole(m, BUF_PARAMS, whole);
}
an_status an_model_get_grads(an_model *m, float *whole) { return get_whole(m, BUF_GRADS, whole); }
an_status an_model_get_momentum(an_model *m, float *whole) {
    return get_whole(m, BUF_MOMENTUM, whole);
}
an_status an_model_set_momentum(an_model *m, const float *whole) {
    return set_whole(m, BUF_MOMENTUM, whole);
}

an_status an_model_init(an_model *m, uint64_t seed) {
    float *whole = malloc(m->whole.total * sizeof(float));
    if (!whole) return an_error(AN_ERR_NOMEM, "out of host memory for %zu parameters",
                                m->whole.total);
    an_status s = an_init_params(m->net, &m->whole, seed, whole);
    if (s == AN_OK) s = an_model_set_params(m, whole);
    free(whole);
    for (int di = 0; s == AN_OK && di < m->ndev; di++)
        s = an_fill(&m->devs[di], (an_buf){m->dev[di].momentum, 0}, 0, m->dev[di].layout.total);
    return s;
}

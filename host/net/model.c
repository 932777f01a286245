/* host/net/model.c - placing a net on its devices: buffers, parameter views, crossover links,
 * and moving parameters between the devices and the host's whole layout. The schedule itself
 * (forward, backward, SGD) is in model_run.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/init.h"
#include "net/model_impl.h"
#include "net/weights.h"
#include "ops/concat.h"
#include "ops/conv_tile.h"
#include "ops/conv_winograd.h"
#include "ops/gemm.h"
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

int an_net_tower_runs(const an_net *net, int i, int t) {
    const an_layer *l = &net->layers[i];
    if (l->kind == AN_LAYER_SOFTMAX) return t == 0; /* the loss lives on tower 1's device */
    if (l->kind == AN_LAYER_CONV || l->kind == AN_LAYER_FC)
        return l->tower == 0 || l->tower == t + 1;
    /* The others work on whatever part of their input a tower holds. */
    int c0, c1;
    return an_net_tower_piece(net, i - 1, t, &c0, &c1);
}

int an_net_tower_piece(const an_net *net, int i, int t, int *c0, int *c1) {
    int C = i < 0 ? net->input.c : net->layers[i].out.c, T = net->towers;
    an_dist dist = i < 0 ? (an_dist){AN_DIST_ALL, 0} : net->layers[i].out_dist;
    if (i >= 0 && !an_net_tower_runs(net, i, t)) return 0;
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

int an_model_runs(const an_model *m, int i, int t) { return an_net_tower_runs(m->net, i, t); }

int an_model_piece(const an_model *m, int i, int t, int *c0, int *c1) {
    return an_net_tower_piece(m->net, i, t, c0, c1);
}

an_buf an_model_piece_buf(const an_model *m, int i, int t) {
    if (i < 0) return (an_buf){m->dev[an_model_dev_of(m, t)].input, 0};
    return (an_buf){m->L[i].t[t].out, 0};
}

int an_model_relu_in_pool(const an_model *m, int i) {
    const an_net *net = m->net;
    return !m->opts.inference && i >= 1 && i + 1 < net->nlayers &&
           net->layers[i].kind == AN_LAYER_RELU && net->layers[i + 1].kind == AN_LAYER_MAXPOOL &&
           m->opts.keep_layer != i + 1;
}

an_buf an_model_piece_dbuf(const an_model *m, int i, int t) {
    if (i < 0) return (an_buf){NULL, 0};
    return (an_buf){m->L[i].t[t].dout, 0};
}

/* Count bytes against the device's global memory before allocating them, so that a net that
 * does not fit is refused up front (some drivers allocate lazily and fail only at a launch). */
static an_status charge(an_dev *d, mdev *md, size_t *use, const char *name, size_t bytes) {
    if (md->mem.total + bytes > d->info.global_mem)
        return an_error(AN_ERR_NOMEM,
                        "the model does not fit in %s's %.1f GiB of global memory: %.1f GiB "
                        "allocated before %s (%.1f MiB); use a smaller --batch or split the net "
                        "over two devices (--device A,B)", d->info.name,
                        (double)d->info.global_mem / 1073741824.0,
                        (double)md->mem.total / 1073741824.0, name, (double)bytes / 1048576.0);
    md->mem.total += bytes;
    *use += bytes;
    return AN_OK;
}

static an_status alloc_named(an_dev *d, mdev *md, size_t *use, const char *what,
                             const char *layer, int t, size_t floats, cl_mem *out) {
    char name[96];
    snprintf(name, sizeof name, "%s.%s[tower %d]", layer, what, t + 1);
    AN_TRY(charge(d, md, use, name, floats * sizeof(float)));
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

/* Buffers of layer i on tower t: output, its gradient, the op's own (maxpool argmax), the
 * gathered input of a crossover and its gradient, and the links that fill them. An inference
 * model allocates none of these here: place_activations packs the outputs and gathered inputs
 * into shared slots, and the rest it does not need. */
static an_status setup_tower(an_model *m, int i, int t) {
    const an_layer *l = &m->net->layers[i];
    mlayer *ml = &m->L[i];
    mtower *mt = &ml->t[t];
    int di = an_model_dev_of(m, t);
    an_dev *d = &m->devs[di];
    mdev *md = &m->dev[di];
    size_t N = (size_t)m->batch;
    int train = !m->opts.inference;
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
        mt->gathers = 1;
        mt->gather_floats = whole;
        if (train) {
            AN_TRY(alloc_named(d, md, &md->mem.activations, "gathered input", l->name, t, whole,
                               &mt->gather));
            AN_TRY(alloc_named(d, md, &md->mem.activations, "gathered input gradient", l->name, t,
                               whole, &mt->dgather));
        }
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
            mt->has_link[u] = 1;
            if (!train) continue;
            /* Backward: the gradient goes from t back to u, added up over the consumers (via a
             * staging buffer on u when that is another device). */
            int di_u = an_model_dev_of(m, u);
            if (di_u != di)
                AN_TRY(charge(src, &m->dev[di_u], &m->dev[di_u].mem.aux, name,
                              N * cols * sizeof(float)));
            AN_TRY(an_link_init(&mt->bwd[u], d, src, N, cols, 1, name));
        }
    }
    if (i == 0) mt->din = (an_buf){NULL, 0}; /* nobody needs the image's gradient */

    /* What it writes. */
    size_t out_count = N * (size_t)an_shape_count(l->out_tower);
    if (l->kind == AN_LAYER_SOFTMAX) out_count = N * (size_t)l->out.c;
    mt->out_floats = out_count;
    if (train && !an_model_relu_in_pool(m, i)) {
        AN_TRY(alloc_named(d, md, &md->mem.activations, "out", l->name, t, out_count, &mt->out));
        if (l->kind != AN_LAYER_SOFTMAX)
            AN_TRY(alloc_named(d, md, &md->mem.activations, "out gradient", l->name, t, out_count,
                               &mt->dout));
        if (l->kind == AN_LAYER_MAXPOOL)
            AN_TRY(alloc_named(d, md, &md->mem.aux, "argmax", l->name, t, out_count, &mt->aux));
    }

    if (l->weight >= 0) AN_TRY(param_view(m, t, l->weight, &mt->w, &mt->dw));
    if (l->bias >= 0) AN_TRY(param_view(m, t, l->bias, &mt->b, &mt->db));
    if (l->kind == AN_LAYER_CONV) {
        an_conv_shape s = an_layer_conv_shape(l, m->batch);
        AN_TRY(an_conv_check(&s));
    }
    return AN_OK;
}

/* A conv layer's forward algorithm on tower t, once the activations are placed (so that a net
 * too large for the device is refused before any tuning), and what an inference model keeps
 * of its filters for it. */
static an_status setup_conv(an_model *m, int i, int t) {
    const an_layer *l = &m->net->layers[i];
    mtower *mt = &m->L[i].t[t];
    an_dev *d = mt->d;
    mdev *md = &m->dev[an_model_dev_of(m, t)];
    if (l->kind != AN_LAYER_CONV) return AN_OK;
    int train = !m->opts.inference;
    an_conv_shape s = an_layer_conv_shape(l, m->batch);
    AN_TRY(an_model_choose_conv(m, i, t, 0));
    /* An inference model's weights change only when loaded: the Winograd forward's filter
     * transform (on CPUs packed for the GEMM too: the transform and the packing took 5 % of a
     * batch-32 forward) and the tiled forward's packed filters (6 % at batch 1) are kept between
     * forwards. */
    an_conv_algo fa = mt->conv[AN_TUNE_FORWARD].algo;
    int tile = an_conv_winograd_tile(fa);
    size_t pf = 0;
    if (!train && tile >= 0)
        pf = an_conv_choice_filter_floats(d, &s, mt->conv[AN_TUNE_FORWARD]);
    else if (!train && an_conv_forward_tiled(d, &s, fa))
        pf = an_conv_tile_packed_floats(d, &s);
    if (pf) {
        AN_TRY(alloc_named(d, md, &md->mem.other, tile >= 0 ? "transformed filters" :
                           "packed filters", l->name, t, pf, &mt->prep_w));
        mt->prep_gen = m->params_gen - 1;
    }
    return AN_OK;
}

/* An inference model's fc weights as an_gemm_prepacked_nt reads them (on CPUs; the fc layers
 * took 0.6-0.7 of their time at batch 32), kept between forwards, where some batch up to the
 * model's pays for it. They are a second copy of the weights (parameters stay as they are). */
static an_status setup_fc(an_model *m, int i, int t) {
    const an_layer *l = &m->net->layers[i];
    mtower *mt = &m->L[i].t[t];
    if (l->kind != AN_LAYER_FC || !m->opts.inference) return AN_OK;
    size_t G = (size_t)l->conv.groups, ig = (size_t)an_shape_count(l->in_tower) / G;
    size_t og = (size_t)l->out_tower.c / G;
    int pays = 0;
    for (size_t n = (size_t)m->batch; n > 0 && !pays; n--)
        pays = an_gemm_prepacked_nt_pays(mt->d, n, og);
    if (!pays) return AN_OK;
    mdev *md = &m->dev[an_model_dev_of(m, t)];
    AN_TRY(alloc_named(mt->d, md, &md->mem.other, "packed weights", l->name, t,
                       an_gemm_prepacked_floats(mt->d, og, ig, G), &mt->prep_w));
    mt->prep_gen = m->params_gen - 1;
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
    AN_TRY(charge(d, md, &md->mem.params, "parameters", total * sizeof(float)));
    AN_TRY(an_alloc(d, "parameters", total * sizeof(float), &md->params));
    AN_TRY(an_fill(d, (an_buf){md->params, 0}, 0, total));
    if (m->opts.inference) return AN_OK; /* the images go into a shared slot */
    AN_TRY(charge(d, md, &md->mem.solver, "gradients and momentum", 2 * total * sizeof(float)));
    AN_TRY(an_alloc(d, "gradients", total * sizeof(float), &md->grads));
    AN_TRY(an_alloc(d, "momentum", total * sizeof(float), &md->momentum));
    AN_TRY(an_fill(d, (an_buf){md->grads, 0}, 0, total));
    AN_TRY(an_fill(d, (an_buf){md->momentum, 0}, 0, total));
    an_shape in = m->net->input;
    size_t in_floats = (size_t)m->batch * (size_t)an_shape_count(in);
    AN_TRY(charge(d, md, &md->mem.activations, "input images", in_floats * sizeof(float)));
    AN_TRY(an_alloc(d, "input images", in_floats * sizeof(float), &md->input));

    an_sgd_segment *segs = calloc((size_t)md->layout.n + 1, sizeof *segs);
    if (!segs) return an_error(AN_ERR_NOMEM, "out of host memory");
    size_t nseg = 0;
    for (int j = 0; j < md->layout.n; j++) {
        const an_layout_entry *e = &md->layout.e[j];
        const an_tensor *tn = &m->net->tensors[e->tensor];
        float mult = an_model_lr_mult(m, tn->layer);
        if (mult == 0) continue; /* frozen: left out of the step */
        segs[nseg].start = e->offset;
        segs[nseg].length = e->count;
        segs[nseg].lr_mult = mult * (tn->is_bias ? m->opts.bias_lr_mult : 1.0f);
        segs[nseg].decay_mult = tn->is_bias ? m->opts.bias_decay_mult : 1.0f;
        nseg++;
    }
    an_status s = nseg ? an_sgd_table_create(d, segs, nseg, &md->sgd) : AN_OK;
    free(segs);
    return s;
}

/* Inference: the images, layer outputs and gathered inputs in the slots of the plan, each user
 * holding a reference; then the ops' input views, which setup_tower could not know yet. */
static an_status place_activations(an_model *m, const an_plan *p) {
    cl_mem *slot = calloc((size_t)p->nslot + 1, sizeof *slot);
    if (!slot) return an_error(AN_ERR_NOMEM, "out of host memory");
    an_status s = AN_OK;
    for (int k = 0; s == AN_OK && k < p->nslot; k++) {
        int di = p->slot_dev[k];
        char what[96], name[128];
        an_plan_name(m, p->slot_largest[k], what, sizeof what);
        snprintf(name, sizeof name, "%s (activation buffer %d)", what, k);
        s = charge(&m->devs[di], &m->dev[di], &m->dev[di].mem.activations, name,
                   p->slot_floats[k] * sizeof(float));
        if (s == AN_OK)
            s = an_alloc(&m->devs[di], name, p->slot_floats[k] * sizeof(float), &slot[k]);
    }
    for (int di = 0; s == AN_OK && di < m->ndev; di++) {
        m->dev[di].input = slot[p->slot_of[an_plan_input(m, di)]];
        clRetainMemObject(m->dev[di].input);
    }
    for (int i = 0; s == AN_OK && i < m->net->nlayers; i++) {
        for (int t = 0; t < m->T; t++) {
            mtower *mt = &m->L[i].t[t];
            if (!mt->runs) continue;
            mt->out = slot[p->slot_of[an_plan_value(m, i, t, 0)]];
            clRetainMemObject(mt->out);
            if (mt->gathers) {
                mt->gather = slot[p->slot_of[an_plan_value(m, i, t, 1)]];
                clRetainMemObject(mt->gather);
            }
        }
    }
    for (int i = 0; s == AN_OK && i < m->net->nlayers; i++) {
        for (int t = 0; t < m->T; t++) {
            mtower *mt = &m->L[i].t[t];
            if (mt->runs)
                mt->in = mt->gathers ? (an_buf){mt->gather, 0} : an_model_piece_buf(m, i - 1, t);
        }
    }
    for (int k = 0; k < p->nslot; k++) an_free(&slot[k]);
    free(slot);
    return s;
}

/* Lifetimes for the memory report, and in an inference model the shared activation slots. */
static an_status plan_activations(an_model *m) {
    an_plan p;
    AN_TRY(an_plan_build(m, m->opts.inference, &p));
    for (int di = 0; di < m->ndev; di++)
        m->dev[di].mem.live_pair = p.live_pair[di] * sizeof(float);
    an_status s = m->opts.inference ? place_activations(m, &p) : AN_OK;
    an_plan_free(&p);
    return s;
}

/* The per-layer multipliers, and the first layer that learns. */
static an_status copy_lr_mult(an_model *m, const float *mult) {
    const an_net *net = m->net;
    m->first_trainable = net->nlayers;
    if (mult) {
        m->lr_mult = malloc((size_t)net->nlayers * sizeof *m->lr_mult);
        if (!m->lr_mult) return an_error(AN_ERR_NOMEM, "out of host memory");
        memcpy(m->lr_mult, mult, (size_t)net->nlayers * sizeof *m->lr_mult);
    }
    for (int i = net->nlayers - 1; i >= 0; i--) {
        an_layer_kind k = net->layers[i].kind;
        if ((k == AN_LAYER_CONV || k == AN_LAYER_FC) && an_model_lr_mult(m, i) != 0)
            m->first_trainable = i;
    }
    return AN_OK;
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
    if (opts.keep_layer < 0 || opts.keep_layer > net->nlayers)
        return an_error(AN_ERR_INVALID_ARG, "keep_layer %d: net %s has %d layers",
                        opts.keep_layer, net->name, net->nlayers);
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
    if (s == AN_OK) s = copy_lr_mult(m, opts.layer_lr_mult);
    if (s == AN_OK) s = an_layout_whole(net, &m->whole);
    for (int di = 0; s == AN_OK && di < ndev; di++) s = setup_device(m, di);
    for (int i = 0; s == AN_OK && i < net->nlayers; i++) {
        m->L[i].l = &net->layers[i];
        snprintf(m->L[i].xtag, sizeof m->L[i].xtag, "%s.xfer", net->layers[i].name);
        for (int t = 0; s == AN_OK && t < m->T; t++)
            if (an_model_runs(m, i, t)) s = setup_tower(m, i, t);
    }
    if (s == AN_OK) s = plan_activations(m);
    for (int i = 0; s == AN_OK && i < net->nlayers; i++)
        for (int t = 0; s == AN_OK && t < m->T; t++)
            if (an_model_runs(m, i, t)) {
                s = setup_conv(m, i, t);
                if (s == AN_OK) s = setup_fc(m, i, t);
            }
    for (int di = 0; s == AN_OK && di < ndev; di++) {
        mdev *md = &m->dev[di];
        if (md->ws_floats) {
            s = charge(&devs[di], md, &md->mem.workspace, "convolution workspace",
                       md->ws_floats * sizeof(float));
            if (s == AN_OK)
                s = an_alloc(&devs[di], "convolution workspace", md->ws_floats * sizeof(float),
                             &md->ws);
        }
    }
    if (s == AN_OK) {
        mdev *d0 = &m->dev[0];
        size_t lb = (size_t)m->batch * sizeof(int);
        size_t sb = AN_SOFTMAX_STATS_LEN(m->batch) * sizeof(float);
        s = charge(&devs[0], d0, &d0->mem.other, "labels and loss statistics", lb + sb);
        if (s == AN_OK) s = an_alloc(&devs[0], "labels", lb, &d0->labels);
        if (s == AN_OK) s = an_alloc(&devs[0], "loss statistics", sb, &d0->stats);
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
            an_free(&mt->prep_w);
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
    free(m->lr_mult);
    free(m);
}

size_t an_model_whole_floats(const an_model *m) { return m->whole.total; }
const an_layout *an_model_whole_layout(const an_model *m) { return &m->whole; }

size_t an_model_device_bytes(const an_model *m, int i) {
    return i >= 0 && i < m->ndev ? m->dev[i].mem.total : 0;
}

an_model_memory an_model_device_memory(const an_model *m, int i) {
    an_model_memory z;
    memset(&z, 0, sizeof z);
    return i >= 0 && i < m->ndev ? m->dev[i].mem : z;
}

an_status an_model_refuse_inference(const an_model *m, const char *what) {
    if (!m->opts.inference) return AN_OK;
    return an_error(AN_ERR_INVALID_ARG, "%s: this model of %s was made for inference only "
                    "(an_model_opts.inference), without gradients or momentum; create it with "
                    "inference = 0 to train", what, m->net->name);
}

an_status an_model_set_label_smoothing(an_model *m, float eps) {
    AN_TRY(an_model_refuse_inference(m, "label smoothing"));
    if (!(eps >= 0.0f && eps < 1.0f))
        return an_error(AN_ERR_INVALID_ARG, "label smoothing %g: it must be in [0, 1)",
                        (double)eps);
    m->label_smoothing = eps;
    return AN_OK;
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

/* Entry by entry: each held part is one contiguous slice of the whole tensor, so no staging copy
 * of a device's layout is needed (the padding between entries stays as created: zero). */
/* Into get (the whole layout, zeroed first) or, when get is NULL, from set. */
static an_status xfer_whole(an_model *m, which_buf w, float *get, const float *set) {
    if (get) memset(get, 0, m->whole.total * sizeof(float));
    for (int di = 0; di < m->ndev; di++) {
        mdev *md = &m->dev[di];
        for (int j = 0; j < md->layout.n; j++) {
            const an_layout_entry *e = &md->layout.e[j];
            an_buf b = {buf_of(md, w), e->offset};
            size_t at = e->whole_offset + (size_t)e->row_begin * e->row_size;
            AN_TRY(get ? an_read(&m->devs[di], b, get + at, e->count)
                       : an_write(&m->devs[di], b, set + at, e->count));
        }
    }
    return AN_OK;
}

static an_status get_whole(an_model *m, which_buf w, float *whole) {
    return xfer_whole(m, w, whole, NULL);
}

static an_status set_whole(an_model *m, which_buf w, const float *whole) {
    return xfer_whole(m, w, NULL, whole);
}

an_status an_model_get_params(an_model *m, float *whole) { return get_whole(m, BUF_PARAMS, whole); }
an_status an_model_set_params(an_model *m, const float *whole) {
    m->params_gen++;
    return set_whole(m, BUF_PARAMS, whole);
}
an_status an_model_get_grads(an_model *m, float *whole) {
    AN_TRY(an_model_refuse_inference(m, "reading the gradients"));
    return get_whole(m, BUF_GRADS, whole);
}
an_status an_model_get_momentum(an_model *m, float *whole) {
    AN_TRY(an_model_refuse_inference(m, "reading the momentum"));
    return get_whole(m, BUF_MOMENTUM, whole);
}
an_status an_model_set_momentum(an_model *m, const float *whole) {
    AN_TRY(an_model_refuse_inference(m, "setting the momentum"));
    return set_whole(m, BUF_MOMENTUM, whole);
}

static int same_layout(const an_layout *a, const an_layout *b) {
    if (a->n != b->n || a->total != b->total) return 0;
    for (int j = 0; j < a->n; j++)
        if (a->e[j].offset != b->e[j].offset || a->e[j].count != b->e[j].count) return 0;
    return 1;
}

an_status an_model_load_weights(an_model *m, const char *path) {
    mdev *md = &m->dev[0];
    an_dev *d = &m->devs[0];
    m->params_gen++;
    if (m->ndev == 1 && same_layout(&md->layout, &m->whole)) {
        cl_int err;
        float *p = clEnqueueMapBuffer(d->q, md->params, CL_TRUE, CL_MAP_WRITE, 0,
                                      md->layout.total * sizeof(float), 0, NULL, NULL, &err);
        if (err != CL_SUCCESS)
            return an_cl_fail(err, "clEnqueueMapBuffer(parameters)", __FILE__, __LINE__);
        an_status s = an_weights_load(path, m->net, p, NULL);
        err = clEnqueueUnmapMemObject(d->q, md->params, p, 0, NULL, NULL);
        if (err == CL_SUCCESS) err = clFinish(d->q);
        if (s == AN_OK && err != CL_SUCCESS)
            s = an_cl_fail(err, "clEnqueueUnmapMemObject(parameters)", __FILE__, __LINE__);
        return s;
    }
    float *whole = malloc(m->whole.total * sizeof *whole);
    if (!whole) return an_error(AN_ERR_NOMEM, "out of host memory for %zu parameters",
                                m->whole.total);
    an_status s = an_weights_load(path, m->net, whole, NULL);
    if (s == AN_OK) s = an_model_set_params(m, whole);
    free(whole);
    return s;
}

an_status an_model_init(an_model *m, uint64_t seed) {
    float *whole = malloc(m->whole.total * sizeof(float));
    if (!whole) return an_error(AN_ERR_NOMEM, "out of host memory for %zu parameters",
                                m->whole.total);
    an_status s = an_init_params(m->net, &m->whole, seed, whole);
    if (s == AN_OK) s = an_model_set_params(m, whole);
    free(whole);
    for (int di = 0; s == AN_OK && !m->opts.inference && di < m->ndev; di++)
        s = an_fill(&m->devs[di], (an_buf){m->dev[di].momentum, 0}, 0, m->dev[di].layout.total);
    return s;
}

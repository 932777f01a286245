/* host/net/model_run.c - the schedule: forward through the layers tower by tower, crossovers
 * gathered over links, the loss on tower 1's device, the backward in reverse with crossover
 * gradients sent back and summed in tower order, and the SGD step on every device. */
#include <stdint.h>
#include <string.h>

#include "net/model_impl.h"
#include "ops/activation.h"
#include "ops/concat.h"
#include "ops/conv_tile.h"
#include "ops/conv_winograd.h"
#include "ops/dropout.h"
#include "ops/gemm.h"
#include "ops/gemv.h"
#include "ops/lrn.h"
#include "ops/pool.h"
#include "ops/softmax.h"

static an_lrn_params lrn_params_of(const an_layer *l) {
    an_lrn_params p;
    p.size = l->lrn.size;
    p.alpha = (float)l->lrn.alpha;
    p.beta = (float)l->lrn.beta;
    p.k = (float)l->lrn.k;
    p.convention = l->lrn.convention;
    return p;
}

static an_pool_params pool_params_of(const an_layer *l) {
    an_pool_params p;
    p.kh = p.kw = l->pool.ksize;
    p.sh = p.sw = l->pool.stride;
    p.ph = p.pw = l->pool.pad;
    return p;
}

static an_dropout_cfg dropout_cfg_of(const an_model *m, int i) {
    an_dropout_cfg c;
    memset(&c, 0, sizeof c);
    c.seed = m->opts.seed;
    c.step = m->step;
    c.layer = (uint32_t)i;
    c.p = m->net->layers[i].dropout_p;
    c.row_offset = (uint32_t)m->opts.first_image;
    return c;
}

/* Copy the pieces of the tensor after layer i-1 into tower t's gathered input of layer i. */
static an_status gather(an_model *m, int i, int t) {
    mtower *mt = &m->L[i].t[t];
    an_shape in = an_model_tensor_shape(m, i - 1);
    size_t hw = (size_t)in.h * in.w, pitch = (size_t)in.c * hw;
    mt->d->tag = m->L[i].xtag;
    for (int u = 0; u < m->T; u++) {
        int c0, c1;
        if (!mt->has_link[u] || !an_model_piece(m, i - 1, u, &c0, &c1)) continue;
        an_buf src = an_model_piece_buf(m, i - 1, u);
        size_t sp = (size_t)(c1 - c0) * hw;
        AN_TRY(an_link_copy(&mt->fwd[u], src, sp, an_buf_at(mt->in, (size_t)c0 * hw), pitch,
                            (size_t)m->n, 0));
        /* An inference model reuses src's buffer soon after: its device must not overwrite it
         * before this device's copy has read it (a copy through the host reads on src's own
         * queue, in order). */
        an_dev *sd = mt->fwd[u].src;
        if (m->opts.inference && sd->q != mt->d->q && sd->ctx == mt->d->ctx)
            AN_TRY(an_dev_wait_for(sd, mt->d));
    }
    return AN_OK;
}

/* Send tower t's gathered-input gradient of layer i back to the pieces' holders. written[u]
 * says whether holder u's gradient already has a contribution (then this one is added). */
static an_status scatter_back(an_model *m, int i, int t, int written[AN_MAX_TOWERS]) {
    mtower *mt = &m->L[i].t[t];
    an_shape in = an_model_tensor_shape(m, i - 1);
    size_t hw = (size_t)in.h * in.w, pitch = (size_t)in.c * hw;
    for (int u = 0; u < m->T; u++) {
        int c0, c1;
        if (!mt->has_link[u] || !an_model_piece(m, i - 1, u, &c0, &c1)) continue;
        an_buf dst = an_model_piece_dbuf(m, i - 1, u);
        if (!dst.mem) continue;
        mt->bwd[u].dst->tag = m->L[i].xtag;
        AN_TRY(an_link_copy(&mt->bwd[u], an_buf_at(mt->din, (size_t)c0 * hw), pitch, dst,
                            (size_t)(c1 - c0) * hw, (size_t)m->n, written[u]));
        written[u] = 1;
    }
    return AN_OK;
}

static int relu_into_pool(const an_model *m, int i, int t);

/* The ReLU layer i, reading layer i - 1's output on tower t, is applied by a neighbour and
 * launches nothing in the forward (a pass over the tensor saved): in inference, where it runs in
 * place (the planner shares the buffer; not so when layer i - 1's output is kept), by an fc layer
 * before it (1) or a max pool after it (2); in training by a max pool after it that reads the
 * ReLU's input instead of its output and does its backward too (relu_into_pool), so that the
 * ReLU's output and gradient are never needed and have no buffers (an_model_relu_in_pool) (2).
 * Else 0. */
static int relu_fused(const an_model *m, int i, int t) {
    const an_net *net = m->net;
    if (i < 1 || net->layers[i].kind != AN_LAYER_RELU) return 0;
    const mtower *a = &m->L[i - 1].t[t], *r = &m->L[i].t[t];
    if (!a->runs || !r->runs || r->gathers || r->in.mem != a->out || r->in.off != 0) return 0;
    if (!m->opts.inference)
        return an_model_relu_in_pool(m, i) && relu_into_pool(m, i + 1, t) ? 2 : 0;
    if (r->out != a->out) return 0;
    if (net->layers[i - 1].kind == AN_LAYER_FC) return 1;
    if (i + 1 >= net->nlayers || net->layers[i + 1].kind != AN_LAYER_MAXPOOL ||
        m->opts.keep_layer == i + 1)
        return 0;
    const mtower *p = &m->L[i + 1].t[t];
    return p->runs && !p->gathers && p->in.mem == r->out && p->in.off == 0 ? 2 : 0;
}

/* Training: max pool i on tower t reads ReLU layer i - 1's output straight and its gradient goes
 * straight to the ReLU's, so that the pool's backward (from argmax indices that leave out the
 * windows whose maximum is not above 0, an_maxpool_forward_relu_grad) is the ReLU's backward too,
 * writing the ReLU's input gradient; the ReLU's backward launches nothing. A pass over the
 * ReLU's tensor and its gradient saved. */
static int relu_into_pool(const an_model *m, int i, int t) {
    const an_net *net = m->net;
    if (m->opts.inference || i < 1 || i >= net->nlayers || net->layers[i].kind !=
        AN_LAYER_MAXPOOL || net->layers[i - 1].kind != AN_LAYER_RELU)
        return 0;
    const mtower *r = &m->L[i - 1].t[t], *p = &m->L[i].t[t];
    return r->runs && p->runs && !r->gathers && !p->gathers && p->in.mem == r->out &&
           p->in.off == 0 && p->din.mem == r->dout && p->din.off == 0;
}

/* The fc forward of tower t: y[:, og] = x[:, ig] · W_gᵀ + b per group g of its (block-diagonal)
 * weights, then the fused ReLU if any. A batch of up to an_gemv_max_n images streams the
 * weights once through the GEMV (bias and ReLU fused); larger ones are GEMMs, from the weights
 * an inference model keeps packed (setup_fc) where that pays. */
static an_status forward_fc(an_model *m, int i, int t) {
    const an_layer *l = &m->net->layers[i];
    mtower *mt = &m->L[i].t[t];
    an_dev *d = mt->d;
    size_t n = (size_t)m->n;
    an_buf y = {mt->out, 0};
    size_t in = (size_t)an_shape_count(l->in_tower), out = (size_t)l->out_tower.c;
    size_t G = (size_t)l->conv.groups, ig = in / G, og = out / G;
    int relu = i + 1 < m->net->nlayers && relu_fused(m, i + 1, t) == 1;
    if ((int)n <= an_gemv_max_n(d)) {
        for (size_t g = 0; g < G; g++) {
            an_buf b = mt->b.mem ? an_buf_at(mt->b, g * og) : mt->b;
            AN_TRY(an_gemv_fc(d, n, og, ig, an_buf_at(mt->in, g * ig), in,
                              an_buf_at(mt->w, g * og * ig), ig, b, relu, an_buf_at(y, g * og),
                              out));
        }
        return AN_OK;
    }
    if (mt->prep_w && an_gemm_prepacked_nt_pays(d, n, og)) {
        an_buf p = {mt->prep_w, 0};
        size_t pf = an_gemm_prepacked_floats(d, og, ig, 1);
        if (mt->prep_gen != m->params_gen) {
            AN_TRY(an_gemm_prepack(d, og, ig, mt->w, ig, og * ig, G, p));
            mt->prep_gen = m->params_gen;
        }
        for (size_t g = 0; g < G; g++)
            AN_TRY(an_gemm_prepacked_nt(d, n, og, ig, 1.0f, an_buf_at(mt->in, g * ig), in,
                                        an_buf_at(p, g * pf), 0.0f, an_buf_at(y, g * og), out));
    } else {
        for (size_t g = 0; g < G; g++)
            AN_TRY(an_gemm(d, 0, 1, n, og, ig, 1.0f, an_buf_at(mt->in, g * ig), in,
                           an_buf_at(mt->w, g * og * ig), ig, 0.0f, an_buf_at(y, g * og), out));
    }
    if (!mt->b.mem) return relu ? an_relu_forward(d, y, y, n * out) : AN_OK;
    return an_bias_relu_fc(d, y, mt->b, y, n, out, relu);
}

/* Inference: conv layer i leaves its bias to the max pool two layers on, which adds it with
 * the ReLU between them fused (max(x + b) = max(x) + b): the bias pass after an im2col GEMM
 * saved. */
static int bias_to_pool(const an_model *m, int i, int t) {
    return m->opts.inference && m->net->layers[i].kind == AN_LAYER_CONV && m->L[i].t[t].b.mem &&
           i + 1 < m->net->nlayers && relu_fused(m, i + 1, t) == 2;
}

static an_status forward_op(an_model *m, int i, int t) {
    const an_layer *l = &m->net->layers[i];
    mtower *mt = &m->L[i].t[t];
    an_dev *d = mt->d;
    mdev *md = &m->dev[an_model_dev_of(m, t)];
    size_t n = (size_t)m->n;
    an_buf y = {mt->out, 0};
    an_shape is = l->in_tower, os = l->out_tower;
    size_t out_count = n * (size_t)an_shape_count(os);
    d->tag = l->name;
    switch (l->kind) {
    case AN_LAYER_CONV: {
        an_conv_shape s = an_model_conv_shape(m, i, m->n);
        an_buf ws = {md->ws, 0}, b = bias_to_pool(m, i, t) ? (an_buf){NULL, 0} : mt->b;
        if (mt->prep_w) {
            an_buf u = {mt->prep_w, 0};
            int tile = an_conv_winograd_tile(mt->conv[AN_TUNE_FORWARD].algo);
            if (mt->prep_gen != m->params_gen) {
                if (tile >= 0)
                    AN_TRY(an_conv_choice_transform_filters(d, &s, mt->conv[AN_TUNE_FORWARD],
                                                            mt->w, u));
                else
                    AN_TRY(an_conv_tile_pack_filters(d, &s, mt->w, u));
                mt->prep_gen = m->params_gen;
            }
            if (tile < 0) return an_conv_forward_packed(d, &s, u, mt->in, b, y, ws, md->ws_floats);
            return an_conv_forward_choice_transformed(d, &s, mt->conv[AN_TUNE_FORWARD], mt->in, u,
                                                      b, y, ws, md->ws_floats);
        }
        return an_conv_forward_choice(d, &s, mt->conv[AN_TUNE_FORWARD], mt->in, mt->w, b, y, ws,
                                      md->ws_floats);
    }
    case AN_LAYER_FC:
        return forward_fc(m, i, t);
    case AN_LAYER_RELU:
        return relu_fused(m, i, t) ? AN_OK : an_relu_forward(d, mt->in, y, out_count);
    case AN_LAYER_LRN: {
        an_lrn_params p = lrn_params_of(l);
        return an_lrn_forward(d, &p, (int)n, is.c, is.h, is.w, mt->in, y);
    }
    case AN_LAYER_MAXPOOL: {
        an_pool_params p = pool_params_of(l);
        if (relu_fused(m, i - 1, t) == 2) {
            an_buf x = m->L[i - 1].t[t].in; /* the ReLU's input */
            if (m->train)
                return an_maxpool_forward_relu_grad(d, &p, (int)n, is.c, is.h, is.w, x, y,
                                                    (an_buf){mt->aux, 0});
            an_buf b = i >= 2 && bias_to_pool(m, i - 2, t) ? m->L[i - 2].t[t].b : (an_buf){0};
            return an_maxpool_relu_forward(d, &p, (int)n, is.c, is.h, is.w, x, b, y);
        }
        if (m->train && relu_into_pool(m, i, t))
            return an_maxpool_forward_relu_grad(d, &p, (int)n, is.c, is.h, is.w, mt->in, y,
                                                (an_buf){mt->aux, 0});
        return an_maxpool_forward(d, &p, (int)n, is.c, is.h, is.w, mt->in, y,
                                  (an_buf){m->train ? mt->aux : NULL, 0});
    }
    case AN_LAYER_AVGPOOL: {
        if (l->pool.adaptive)
            return an_adaptive_avgpool_forward(d, (int)n, is.c, is.h, is.w, os.h, os.w, mt->in, y);
        an_pool_params p = pool_params_of(l);
        return an_avgpool_forward(d, &p, (int)n, is.c, is.h, is.w, mt->in, y);
    }
    case AN_LAYER_DROPOUT: {
        an_dropout_cfg c = dropout_cfg_of(m, i);
        int c0, c1;
        an_model_piece(m, i, t, &c0, &c1);
        size_t hw = (size_t)os.h * os.w;
        return an_dropout_forward(d, &c, m->train, mt->in, y, n, (size_t)(c1 - c0) * hw,
                                  (size_t)l->out.c * hw, (size_t)c0 * hw);
    }
    case AN_LAYER_SOFTMAX: {
        mdev *d0 = &m->dev[0];
        size_t K = (size_t)m->K;
        an_buf labels = {d0->labels, 0}, stats = {d0->stats, 0};
        if (m->train)
            return an_softmax_xent_backward(d, mt->in, labels, mt->din, stats, n, K,
                                            m->label_smoothing);
        if (m->has_labels) return an_softmax_xent_forward(d, mt->in, labels, y, stats, n, K);
        return an_softmax_forward(d, mt->in, y, n, K);
    }
    }
    return an_error(AN_ERR_INTERNAL, "unknown layer kind %d", (int)l->kind);
}

static an_status backward_op(an_model *m, int i, int t) {
    const an_layer *l = &m->net->layers[i];
    mtower *mt = &m->L[i].t[t];
    an_dev *d = mt->d;
    mdev *md = &m->dev[an_model_dev_of(m, t)];
    size_t n = (size_t)m->n;
    an_buf y = {mt->out, 0}, dy = {mt->dout, 0}, dx = mt->din, dw = mt->dw, db = mt->db;
    an_shape is = l->in_tower, os = l->out_tower;
    size_t out_count = n * (size_t)an_shape_count(os);
    d->tag = l->name;
    /* Fine-tuning: no gradient of a frozen layer's tensors, no input gradient that no layer
     * that learns would use. */
    if (an_model_lr_mult(m, i) == 0) dw = db = (an_buf){NULL, 0};
    if (i <= m->first_trainable) dx = (an_buf){NULL, 0};
    switch (l->kind) {
    case AN_LAYER_CONV: {
        an_conv_shape s = an_model_conv_shape(m, i, m->n);
        return an_conv_backward_choice(d, &s, mt->conv[AN_TUNE_BACKWARD_DATA],
                                       mt->conv[AN_TUNE_BACKWARD_WEIGHTS], mt->in, mt->w, dy, dx,
                                       dw, db, (an_buf){md->ws, 0}, md->ws_floats);
    }
    case AN_LAYER_FC: {
        /* Per group g: dx[:, ig] = dy[:, og] · W_g and dW_g = dy[:, og]ᵀ · x[:, ig]. */
        size_t in = (size_t)an_shape_count(is), out = (size_t)os.c, G = (size_t)l->conv.groups;
        size_t ig = in / G, og = out / G;
        for (size_t g = 0; g < G; g++) {
            an_buf dyg = an_buf_at(dy, g * og), wg = an_buf_at(mt->w, g * og * ig);
            if (dx.mem)
                AN_TRY(an_gemm(d, 0, 0, n, ig, og, 1.0f, dyg, out, wg, ig, 0.0f,
                               an_buf_at(dx, g * ig), in));
            if (dw.mem)
                AN_TRY(an_gemm(d, 1, 0, og, ig, n, 1.0f, dyg, out, an_buf_at(mt->in, g * ig), in,
                               0.0f, an_buf_at(dw, g * og * ig), ig));
        }
        return db.mem ? an_bias_grad_fc(d, dy, db, n, out) : AN_OK;
    }
    case AN_LAYER_RELU:
        if (relu_into_pool(m, i + 1, t)) return AN_OK; /* the pool's backward did it */
        return dx.mem ? an_relu_backward(d, y, dy, dx, out_count) : AN_OK;
    case AN_LAYER_LRN: {
        an_lrn_params p = lrn_params_of(l);
        return dx.mem ? an_lrn_backward(d, &p, (int)n, is.c, is.h, is.w, mt->in, dy, dx)
                      : AN_OK;
    }
    case AN_LAYER_MAXPOOL: {
        an_pool_params p = pool_params_of(l);
        if (relu_into_pool(m, i, t)) /* the ReLU's input gradient, unless nobody needs it */
            dx = i - 1 <= m->first_trainable ? (an_buf){NULL, 0} : m->L[i - 1].t[t].din;
        return dx.mem ? an_maxpool_backward(d, &p, (int)n, is.c, is.h, is.w, (an_buf){mt->aux, 0},
                                            dy, dx)
                      : AN_OK;
    }
    case AN_LAYER_AVGPOOL: {
        if (!dx.mem) return AN_OK;
        if (l->pool.adaptive)
            return an_adaptive_avgpool_backward(d, (int)n, is.c, is.h, is.w, os.h, os.w, dy, dx);
        an_pool_params p = pool_params_of(l);
        return an_avgpool_backward(d, &p, (int)n, is.c, is.h, is.w, dy, dx);
    }
    case AN_LAYER_DROPOUT: {
        if (!dx.mem) return AN_OK;
        an_dropout_cfg c = dropout_cfg_of(m, i);
        int c0, c1;
        an_model_piece(m, i, t, &c0, &c1);
        size_t hw = (size_t)os.h * os.w;
        return an_dropout_backward(d, &c, dy, dx, n, (size_t)(c1 - c0) * hw,
                                   (size_t)l->out.c * hw, (size_t)c0 * hw);
    }
    case AN_LAYER_SOFTMAX:
        return AN_OK; /* its gradient came with the training forward */
    }
    return an_error(AN_ERR_INTERNAL, "unknown layer kind %d", (int)l->kind);
}

/* Start of a step: with two devices, each waits for the other's previous step, so that no
 * buffer a crossover reads is overwritten early. */
static an_status step_barrier(an_model *m) {
    if (m->ndev < 2) return AN_OK;
    AN_TRY(an_dev_wait_for(&m->devs[0], &m->devs[1]));
    return an_dev_wait_for(&m->devs[1], &m->devs[0]);
}

#define UPLOAD_KERNEL_MIN ((size_t)1 << 18) /* floats: 1 MiB */

/* Copy the n floats of host memory at src to the start of dst, done on return. On a CPU device,
 * for a batch of images, a copy kernel reads src where it lies (a buffer with
 * CL_MEM_USE_HOST_PTR, which a CPU device uses in place) on all of the device's threads, where
 * clEnqueueWriteBuffer copies on one: alexnet-owt's 32 images took 1.4 ms instead of about 3.3,
 * and batch-32 inference 0.973 of the time (`tools/bench_ab.py`, 4 pairs). */
static an_status upload(an_dev *d, cl_mem dst, const float *src, size_t n) {
    if (!(d->info.type & CL_DEVICE_TYPE_CPU) || n < UPLOAD_KERNEL_MIN || n > UINT32_MAX)
        return an_write(d, (an_buf){dst, 0}, src, n);
    cl_int err;
    cl_mem host = clCreateBuffer(d->ctx, CL_MEM_READ_ONLY | CL_MEM_USE_HOST_PTR,
                                 n * sizeof(float), (void *)src, &err);
    if (err != CL_SUCCESS) return an_write(d, (an_buf){dst, 0}, src, n);
    an_status s = an_copy_floats(d, host, dst, n);
    if (s == AN_OK) s = an_finish(d);
    clReleaseMemObject(host);
    return s;
}

an_status an_model_forward(an_model *m, const float *images, const int *labels, int n, int train,
                           uint32_t step) {
    if (n < 1 || n > m->batch)
        return an_error(AN_ERR_INVALID_ARG, "forward of %d images: the model was made for 1 to %d",
                        n, m->batch);
    if (train && !labels) return an_error(AN_ERR_INVALID_ARG, "training needs labels");
    if (train) AN_TRY(an_model_refuse_inference(m, "a training forward"));
    if (labels)
        for (int r = 0; r < n; r++)
            if (labels[r] < 0 || labels[r] >= m->K)
                return an_error(AN_ERR_INVALID_ARG, "label %d of image %d is not a class of %s "
                                "(0..%d)", labels[r], r, m->net->name, m->K - 1);
    m->n = n;
    m->train = train;
    m->has_labels = labels != NULL;
    m->step = step;
    AN_TRY(step_barrier(m));
    size_t in_floats = (size_t)n * (size_t)an_shape_count(m->net->input);
    for (int di = 0; di < m->ndev; di++) {
        m->devs[di].tag = "input";
        AN_TRY(upload(&m->devs[di], m->dev[di].input, images, in_floats));
    }
    if (labels) {
        an_dev *d0 = &m->devs[0];
        CL_CHECK(clEnqueueWriteBuffer(d0->q, m->dev[0].labels, CL_TRUE, 0, (size_t)n * sizeof(int),
                                      labels, 0, NULL, NULL));
    }
    for (int i = 0; i < m->net->nlayers; i++) {
        for (int t = 0; t < m->T; t++) {
            if (!m->L[i].t[t].runs) continue;
            if (m->L[i].t[t].gather) AN_TRY(gather(m, i, t));
            an_status s = forward_op(m, i, t);
            if (s != AN_OK)
                return an_error_context(s, "forward of layer %s on tower %d", m->L[i].l->name,
                                        t + 1);
        }
        for (int di = 0; di < m->ndev; di++) clFlush(m->devs[di].q);
    }
    return AN_OK;
}

an_status an_model_backward(an_model *m) {
    AN_TRY(an_model_refuse_inference(m, "the backward"));
    if (!m->train) return an_error(AN_ERR_INVALID_ARG, "backward needs a training forward first");
    if (!m->conv_bwd_chosen) AN_TRY(an_model_choose_conv_backward(m));
    for (int i = m->net->nlayers - 1; i >= m->first_trainable && i >= 0; i--) {
        /* Towers that read their input in place write its gradient directly; gathered
         * gradients are then added to it, in tower order. */
        int written[AN_MAX_TOWERS] = {0};
        for (int t = 0; t < m->T; t++) {
            if (!m->L[i].t[t].runs) continue;
            an_status s = backward_op(m, i, t);
            if (s != AN_OK)
                return an_error_context(s, "backward of layer %s on tower %d", m->L[i].l->name,
                                        t + 1);
            if (!m->L[i].t[t].gather) written[t] = 1;
        }
        for (int t = 0; t < m->T; t++) {
            if (!m->L[i].t[t].runs || !m->L[i].t[t].gather || i <= m->first_trainable) continue;
            AN_TRY(scatter_back(m, i, t, written));
        }
        for (int di = 0; di < m->ndev; di++) clFlush(m->devs[di].q);
    }
    return AN_OK;
}

an_status an_model_sgd(an_model *m, float lr, float momentum, float decay) {
    AN_TRY(an_model_refuse_inference(m, "the SGD step"));
    for (int di = 0; di < m->ndev; di++) {
        mdev *md = &m->dev[di];
        if (!md->sgd.count) continue; /* every tensor it holds is frozen */
        m->devs[di].tag = "sgd";
        AN_TRY(an_sgd_step(&m->devs[di], &md->sgd, (an_buf){md->params, 0},
                           (an_buf){md->grads, 0}, (an_buf){md->momentum, 0}, lr, momentum, decay));
        clFlush(m->devs[di].q);
    }
    return AN_OK;
}

an_status an_model_read_stats(an_model *m, float *loss, int *top1, int *top5) {
    if (!m->has_labels) return an_error(AN_ERR_INVALID_ARG, "no labels were given to the forward");
    float s[3];
    AN_TRY(an_read(&m->devs[0], (an_buf){m->dev[0].stats, 0}, s, 3));
    *loss = s[0];
    *top1 = (int)s[1];
    *top5 = (int)s[2];
    return AN_OK;
}

an_status an_model_read_logits(an_model *m, float *logits) {
    const mtower *mt = &m->L[m->net->nlayers - 1].t[0];
    return an_read(&m->devs[0], mt->in, logits, (size_t)m->n * (size_t)m->K);
}

an_status an_model_read_layer(an_model *m, int i, float *out) {
    if (i < 0 || i >= m->net->nlayers)
        return an_error(AN_ERR_INVALID_ARG, "no layer %d in %s", i, m->net->name);
    if (m->opts.inference && m->opts.keep_layer != i + 1)
        return an_error(AN_ERR_INVALID_ARG, "layer %s's output is not kept by this inference "
                        "model (an_model_opts.keep_layer)", m->net->layers[i].name);
    const an_layer *l = &m->net->layers[i];
    if (l->kind == AN_LAYER_SOFTMAX) /* whole, on tower 1's device */
        return an_read(&m->devs[0], (an_buf){m->L[i].t[0].out, 0}, out,
                       (size_t)m->n * (size_t)m->K);
    size_t hw = (size_t)l->out.h * l->out.w, pitch = (size_t)l->out.c * hw;
    int done = 0;
    for (int t = 0; t < m->T; t++) {
        int c0, c1;
        if (!an_model_piece(m, i, t, &c0, &c1) || c0 < done) continue;
        size_t cols = (size_t)(c1 - c0) * hw;
        an_dev *d = &m->devs[an_model_dev_of(m, t)];
        AN_TRY(an_finish(d));
        /* A training model's ReLU that the max pool after it applies never stores its output:
         * its input, clamped at 0 here as relu_forward does (a NaN passes). */
        int clamp = !m->opts.inference && relu_fused(m, i, t) == 2;
        cl_mem src = clamp ? m->L[i].t[t].in.mem : m->L[i].t[t].out;
        size_t origin[3] = {0, 0, 0}, region[3] = {cols * sizeof(float), (size_t)m->n, 1};
        size_t host_origin[3] = {(size_t)c0 * hw * sizeof(float), 0, 0};
        CL_CHECK(clEnqueueReadBufferRect(d->q, src, CL_TRUE, origin, host_origin, region,
                                         cols * sizeof(float), 0, pitch * sizeof(float), 0, out,
                                         0, NULL, NULL));
        for (size_t n = 0; clamp && n < (size_t)m->n; n++)
            for (size_t j = 0; j < cols; j++) {
                float *v = &out[n * pitch + (size_t)c0 * hw + j];
                if (*v < 0) *v = 0.0f;
            }
        done = c1;
    }
    return AN_OK;
}

an_status an_model_read_probs(an_model *m, float *probs) {
    if (m->train)
        return an_error(AN_ERR_INVALID_ARG, "a training forward computes no probabilities");
    const mtower *mt = &m->L[m->net->nlayers - 1].t[0];
    return an_read(&m->devs[0], (an_buf){mt->out, 0}, probs, (size_t)m->n * (size_t)m->K);
}

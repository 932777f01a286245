/* host/api/api_network.c - the public API's network handle: a net on opened devices, its
 * weights, JPEG preprocessing as `alexnet classify` does it, forwards and SGD steps. Every call
 * that reaches a device holds its devices' lock (api_impl.h); preprocessing holds only the
 * network's own lock. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_impl.h"
#include "net/weights.h"
#include "train/evaluate.h"
#include "train/feed.h"

#define DEFAULT_BATCH 16

an_status an_network_opts_default(an_network_opts *o) {
    if (!o) return an_error(AN_ERR_INVALID_ARG, "an_network_opts_default: o is NULL");
    memset(o, 0, sizeof *o);
    o->batch = DEFAULT_BATCH;
    o->seed = 1;
    return AN_OK;
}

static void network_free(an_network *n) {
    an_model_free(n->m);
    an_net_free(n->net);
    if (n->jpeg) an_jpeg_destroy(n->jpeg);
    an_resizer_free(&n->rs);
    an_image_free(&n->dec);
    an_image_free(&n->fit);
    free(n->rgb);
    free(n->logits);
    free(n->probs);
    pthread_mutex_destroy(&n->pre_lock);
    free(n);
}

/* Place net (taken over) on d; weights, when given, are loaded, else the paper's init. Called
 * with d->lock held. */
static an_status network_make(an_devices *d, an_net *net, const an_network_opts *o,
                              const char *weights, an_network **out) {
    an_network *n = calloc(1, sizeof *n);
    if (!n) {
        an_net_free(net);
        return an_error(AN_ERR_NOMEM, "out of host memory");
    }
    pthread_mutex_init(&n->pre_lock, NULL);
    n->devs = d;
    n->net = net;
    n->batch = o->batch;
    n->train = o->train != 0;
    n->view = an_feed_view(net, AN_CROP_CENTER, 0);
    size_t hw = (size_t)net->input.h * (size_t)net->input.w;
    an_model_opts mo = an_model_defaults();
    mo.batch = o->batch;
    mo.inference = !n->train;
    mo.seed = o->seed;
    mo.tune_progress = o->progress;
    mo.tune_ctx = o->progress_ctx;
    an_status s = an_model_create(net, d->devs, d->n, &mo, &n->m);
    if (s == AN_OK)
        s = weights ? an_model_load_weights(n->m, weights) : an_model_init(n->m, o->seed);
    if (s == AN_OK) s = an_jpeg_create(&n->jpeg);
    if (s == AN_OK) {
        n->rgb = malloc(3 * hw * sizeof(float));
        n->logits = malloc((size_t)o->batch * (size_t)net->classes * sizeof(float));
        n->probs = malloc((size_t)net->classes * sizeof(double));
        if (!n->rgb || !n->logits || !n->probs) s = an_error(AN_ERR_NOMEM, "out of host memory");
    }
    if (s != AN_OK) {
        network_free(n);
        return s;
    }
    d->networks++;
    *out = n;
    return AN_OK;
}

static an_status check_create(an_devices *d, const char *what, const an_network_opts *o,
                              an_network **out) {
    if (!d || !what || !out)
        return an_error(AN_ERR_INVALID_ARG, "creating a network: NULL devices, name or out");
    if (o->batch < 1)
        return an_error(AN_ERR_INVALID_ARG, "creating a network: batch %d; give at least 1",
                        o->batch);
    return AN_OK;
}

/* A network of the net net_name names (weights == NULL) or of a weights file's net, its
 * parameters from that file. */
static an_status create(an_devices *d, const char *net_name, const char *weights,
                        const an_network_opts *o, an_network **out) {
    an_network_opts def;
    an_network_opts_default(&def);
    if (!o) o = &def;
    AN_TRY(check_create(d, weights ? weights : net_name, o, out));
    pthread_mutex_lock(&d->lock);
    an_net *net = NULL;
    an_status s = weights ? an_net_from_weights(weights, &net) : an_net_load(net_name, &net);
    if (s == AN_OK) s = network_make(d, net, o, weights, out);
    pthread_mutex_unlock(&d->lock);
    return s;
}

an_status an_network_create(an_devices *d, const char *net_name, const an_network_opts *o,
                            an_network **out) {
    return create(d, net_name, NULL, o, out);
}

an_status an_network_open(an_devices *d, const char *weights, const an_network_opts *o,
                          an_network **out) {
    return create(d, NULL, weights, o, out);
}

an_status an_network_close(an_network *n) {
    if (!n) return AN_OK;
    an_devices *d = n->devs;
    pthread_mutex_lock(&d->lock);
    d->networks--;
    network_free(n);
    pthread_mutex_unlock(&d->lock);
    return AN_OK;
}

an_status an_network_load_weights(an_network *n, const char *path) {
    if (!n || !path) return an_error(AN_ERR_INVALID_ARG, "an_network_load_weights: NULL argument");
    pthread_mutex_lock(&n->devs->lock);
    an_status s = an_model_load_weights(n->m, path);
    pthread_mutex_unlock(&n->devs->lock);
    return s;
}

an_status an_network_save_weights(an_network *n, const char *path) {
    if (!n || !path) return an_error(AN_ERR_INVALID_ARG, "an_network_save_weights: NULL argument");
    pthread_mutex_lock(&n->devs->lock);
    an_status s = AN_OK;
    float *whole = malloc(an_model_whole_floats(n->m) * sizeof(float));
    if (!whole) s = an_error(AN_ERR_NOMEM, "saving %s: out of host memory", path);
    if (s == AN_OK) s = an_model_get_params(n->m, whole);
    if (s == AN_OK) s = an_weights_save(path, n->net, whole);
    free(whole);
    pthread_mutex_unlock(&n->devs->lock);
    return s;
}

an_status an_network_get_info(const an_network *n, an_network_info *info) {
    if (!n || !info) return an_error(AN_ERR_INVALID_ARG, "an_network_get_info: NULL argument");
    memset(info, 0, sizeof *info);
    snprintf(info->name, sizeof info->name, "%s", n->net->name);
    info->channels = n->net->input.c;
    info->height = n->net->input.h;
    info->width = n->net->input.w;
    info->classes = n->net->classes;
    info->batch = n->batch;
    info->train = n->train;
    info->stored_size = an_eval_stored_size(n->net);
    return AN_OK;
}

an_status an_network_class_name(const an_network *n, int k, const char **name) {
    if (!n || !name) return an_error(AN_ERR_INVALID_ARG, "an_network_class_name: NULL argument");
    if (k < 0 || k >= n->net->classes)
        return an_error(AN_ERR_INVALID_ARG, "class %d: the net has classes 0..%d", k,
                        n->net->classes - 1);
    *name = n->net->nclass_names ? n->net->class_names[k] : NULL;
    return AN_OK;
}

static an_status preprocess_locked(an_network *n, const void *data, size_t len, int size,
                                   float *out) {
    const an_net *net = n->net;
    if (net->input.h != net->input.w)
        return an_error(AN_ERR_UNSUPPORTED, "net %s has a %d×%d input; only square inputs",
                        net->name, net->input.h, net->input.w);
    if (size == 0) size = an_eval_stored_size(net);
    if (size < net->input.h)
        return an_error(AN_ERR_INVALID_ARG, "size %d is smaller than the net's input %d", size,
                        net->input.h);
    AN_TRY(an_jpeg_decode(n->jpeg, data, len, size, &n->dec));
    AN_TRY(an_image_fit(&n->rs, &n->dec, size, &n->fit));
    an_view_image(&n->view, n->fit.px, size, NULL, 0, 0, 0, n->rgb);
    an_batch b = {.images = n->rgb, .labels = NULL, .count = 1, .views = 1};
    if (an_feed_direct(net, &b)) {
        memcpy(out, n->rgb, an_feed_image_floats(net) * sizeof(float));
        return AN_OK;
    }
    return an_feed_images(net, &b, 0, out);
}

an_status an_network_preprocess_jpeg(an_network *n, const void *data, size_t len, int size,
                                     float *out) {
    if (!n || !data || !out)
        return an_error(AN_ERR_INVALID_ARG, "an_network_preprocess_jpeg: NULL argument");
    if (size < 0) return an_error(AN_ERR_INVALID_ARG, "size %d: give 0 (the net's) or more", size);
    pthread_mutex_lock(&n->pre_lock);
    an_status s = preprocess_locked(n, data, len, size, out);
    pthread_mutex_unlock(&n->pre_lock);
    return s;
}

static an_status forward_locked(an_network *n, const float *images, int count, an_output what,
                                float *out) {
    int K = n->net->classes;
    size_t per = an_feed_image_floats(n->net);
    for (int i = 0; i < count; i += n->batch) {
        int k = count - i < n->batch ? count - i : n->batch;
        float *o = out + (size_t)i * (size_t)K;
        AN_TRY(an_model_forward(n->m, images + (size_t)i * per, NULL, k, 0, 0));
        AN_TRY(an_model_read_logits(n->m, what == AN_OUTPUT_LOGITS ? o : n->logits));
        if (what == AN_OUTPUT_LOGITS) continue;
        for (int j = 0; j < k; j++) {
            an_softmax_d(n->logits + (size_t)j * (size_t)K, K, n->probs);
            for (int c = 0; c < K; c++) o[(size_t)j * (size_t)K + (size_t)c] = (float)n->probs[c];
        }
    }
    return AN_OK;
}

an_status an_network_forward(an_network *n, const float *images, int count, an_output what,
                             float *out) {
    if (!n || !images || !out)
        return an_error(AN_ERR_INVALID_ARG, "an_network_forward: NULL argument");
    if (count < 1) return an_error(AN_ERR_INVALID_ARG, "forward of %d images: give at least 1",
                                   count);
    if (what != AN_OUTPUT_PROBS && what != AN_OUTPUT_LOGITS)
        return an_error(AN_ERR_INVALID_ARG, "output %d: AN_OUTPUT_PROBS or AN_OUTPUT_LOGITS",
                        (int)what);
    pthread_mutex_lock(&n->devs->lock);
    an_status s = forward_locked(n, images, count, what, out);
    pthread_mutex_unlock(&n->devs->lock);
    return s;
}

an_status an_network_classify_jpeg(an_network *n, const void *data, size_t len, an_output what,
                                   float *out) {
    if (!n) return an_error(AN_ERR_INVALID_ARG, "an_network_classify_jpeg: n is NULL");
    float *x = malloc(an_feed_image_floats(n->net) * sizeof(float));
    if (!x) return an_error(AN_ERR_NOMEM, "out of host memory");
    an_status s = an_network_preprocess_jpeg(n, data, len, 0, x);
    if (s == AN_OK) s = an_network_forward(n, x, 1, what, out);
    free(x);
    return s;
}

static an_status train_locked(an_network *n, const float *images, const int *labels, int count,
                              float lr, float momentum, float decay, float *loss) {
    AN_TRY(an_model_forward(n->m, images, labels, count, 1, n->step));
    AN_TRY(an_model_backward(n->m));
    AN_TRY(an_model_sgd(n->m, lr, momentum, decay));
    float l;
    int top1, top5;
    AN_TRY(an_model_read_stats(n->m, &l, &top1, &top5));
    n->step++;
    if (!isfinite(l))
        return an_error(AN_ERR_NONFINITE, "the training loss became %g at step %u; try a lower "
                        "learning rate", (double)l, (unsigned)n->step);
    if (loss) *loss = l;
    return AN_OK;
}

an_status an_network_train_step(an_network *n, const float *images, const int *labels,
                                int count, float lr, float momentum, float decay, float *loss) {
    if (!n || !images || !labels)
        return an_error(AN_ERR_INVALID_ARG, "an_network_train_step: NULL argument");
    if (!n->train)
        return an_error(AN_ERR_INVALID_ARG, "net %s was opened for inference only: create it "
                        "with opts.train = 1 to train", n->net->name);
    if (count < 1 || count > n->batch)
        return an_error(AN_ERR_INVALID_ARG, "a training step of %d images: give 1 to %d (the "
                        "batch)", count, n->batch);
    if (!isfinite(lr) || !isfinite(momentum) || !isfinite(decay))
        return an_error(AN_ERR_INVALID_ARG, "learning rate, momentum and decay must be finite");
    for (int i = 0; i < count; i++)
        if (labels[i] < 0 || labels[i] >= n->net->classes)
            return an_error(AN_ERR_INVALID_ARG, "label %d of image %d: the net has classes 0..%d",
                            labels[i], i, n->net->classes - 1);
    pthread_mutex_lock(&n->devs->lock);
    an_status s = train_locked(n, images, labels, count, lr, momentum, decay, loss);
    pthread_mutex_unlock(&n->devs->lock);
    return s;
}

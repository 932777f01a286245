/* host/train/evaluate.c - the evaluation loop: loader batches → forwards in chunks of the model's
 * batch → host-side scores of the (averaged) softmax outputs. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/try.h"
#include "train/evaluate.h"
#include "train/feed.h"
#include "util/clock.h"

an_eval_opts an_eval_defaults(void) {
    an_eval_opts o;
    memset(&o, 0, sizeof o);
    return o;
}

int an_eval_stored_size(const an_net *net) {
    int in = net->input.h < net->input.w ? net->input.h : net->input.w;
    return in >= 224 ? 256 : (in * 256 + 112) / 224;
}

double an_softmax_d(const float *logits, int K, double *probs) {
    double mx = logits[0];
    for (int k = 1; k < K; k++)
        if (logits[k] > mx) mx = logits[k];
    double sum = 0;
    for (int k = 0; k < K; k++) sum += probs[k] = exp((double)logits[k] - mx);
    for (int k = 0; k < K; k++) probs[k] /= sum;
    return mx + log(sum);
}

void an_top_k(const double *p, int K, int k, int *idx) {
    int n = 0;
    for (int i = 0; i < K; i++) {
        if (n == k && !(p[i] > p[idx[n - 1]])) continue;
        int pos = n < k ? n++ : k - 1;
        while (pos > 0 && p[i] > p[idx[pos - 1]]) {
            idx[pos] = idx[pos - 1];
            pos--;
        }
        idx[pos] = i;
    }
}

/* Scores of one batch: its images' views are rows i·V .. i·V+V−1 of logits. */
typedef struct scratch {
    double *avg, *pv, *logp; /* K, K, V */
} scratch;

static an_status score_batch(const an_net *net, const an_batch *b, const float *logits,
                             scratch *w, an_eval_result *r, double *loss_sum, size_t *confusion) {
    int K = net->classes, V = b->views;
    for (int i = 0; i < b->count; i++) {
        int y = b->labels[i];
        if (y < 0 || y >= K)
            return an_error(AN_ERR_INVALID_ARG, "label %d is not a class of %s (0..%d)", y,
                            net->name, K - 1);
        for (int k = 0; k < K; k++) w->avg[k] = 0;
        double amax = -INFINITY;
        for (int v = 0; v < V; v++) {
            const float *z = logits + ((size_t)i * (size_t)V + (size_t)v) * (size_t)K;
            double lse = an_softmax_d(z, K, w->pv);
            for (int k = 0; k < K; k++) w->avg[k] += w->pv[k] / V;
            w->logp[v] = (double)z[y] - lse;
            if (w->logp[v] > amax) amax = w->logp[v];
        }
        /* −log((1/V)·Σ_v exp(logp_v)), stable however small the probabilities are. */
        double s = 0;
        for (int v = 0; v < V; v++) s += exp(w->logp[v] - amax);
        *loss_sum += -(amax + log(s) - log((double)V));
        int greater = 0;
        for (int k = 0; k < K; k++) greater += w->avg[k] > w->avg[y];
        r->top1_correct += greater < 1;
        if (confusion) {
            int pred = y;
            for (int k = 0; k < K && greater; k++)
                if (w->avg[k] > w->avg[pred]) pred = k;
            confusion[(size_t)y * (size_t)K + (size_t)pred]++;
        }
        r->top5_correct += greater < 5;
        r->images++;
    }
    return AN_OK;
}

/* Grow *p to hold n floats. */
static an_status reserve(float **p, size_t *cap, size_t n) {
    if (n <= *cap) return AN_OK;
    float *q = realloc(*p, n * sizeof *q);
    if (!q) return an_error(AN_ERR_NOMEM, "out of memory for %zu floats", n);
    *p = q;
    *cap = n;
    return AN_OK;
}

/* Forward the batch's rows (images × views) in chunks of mb and collect their logits. */
static an_status forward_batch(an_model *m, const an_net *net, const an_batch *b, int mb,
                               float **in, size_t *in_cap, float **logits, size_t *logits_cap) {
    int K = net->classes, C = net->input.c;
    size_t rows = (size_t)b->count * (size_t)b->views;
    size_t view3 = 3 * (size_t)net->input.h * (size_t)net->input.w;
    AN_TRY(reserve(logits, logits_cap, rows * (size_t)K));
    for (size_t r0 = 0; r0 < rows; r0 += (size_t)mb) {
        int n = rows - r0 < (size_t)mb ? (int)(rows - r0) : mb;
        const float *x = b->images + r0 * view3;
        if (C != 3) {
            /* The rows as a batch of single-view images, converted to the net's channels. */
            an_batch rows_b = {.images = (float *)x, .labels = NULL, .count = n, .views = 1};
            AN_TRY(reserve(in, in_cap, (size_t)n * an_feed_image_floats(net)));
            AN_TRY(an_feed_images(net, &rows_b, 0, *in));
            x = *in;
        }
        AN_TRY(an_model_forward(m, x, NULL, n, 0, 0));
        AN_TRY(an_model_read_logits(m, *logits + r0 * (size_t)K));
    }
    return AN_OK;
}

an_status an_evaluate_loader(an_model *m, const an_net *net, an_loader *l, const an_eval_opts *o,
                             an_eval_result *r) {
    memset(r, 0, sizeof *r);
    if (o->model_batch < 1)
        return an_error(AN_ERR_INVALID_ARG, "evaluation needs the model's batch size (got %d)",
                        o->model_batch);
    if (net->input.h != net->input.w)
        return an_error(AN_ERR_UNSUPPORTED,
                        "net %s has a %d×%d input; evaluation views are square",
                        net->name, net->input.h, net->input.w);
    size_t total = an_loader_size(l);
    if (total == 0) return an_error(AN_ERR_INVALID_ARG, "the data set has no images");
    int K = net->classes;
    scratch w = {malloc((size_t)K * sizeof(double)), malloc((size_t)K * sizeof(double)),
                 malloc(10 * sizeof(double))};
    float *in = NULL, *logits = NULL;
    size_t in_cap = 0, logits_cap = 0;
    double loss_sum = 0, t0 = an_now_s();
    an_status s = w.avg && w.pv && w.logp ? AN_OK : an_error(AN_ERR_NOMEM, "out of memory");
    while (s == AN_OK) {
        an_batch b;
        s = an_loader_next(l, &b);
        if (s != AN_OK) break;
        if (b.views != 1 && b.views != 2 && b.views != 10) {
            s = an_error(AN_ERR_INVALID_ARG, "%d views per image (1, 2 or 10)", b.views);
            break;
        }
        r->views = b.views;
        if (b.count > 0) s = forward_batch(m, net, &b, o->model_batch, &in, &in_cap, &logits,
                                           &logits_cap);
        if (s == AN_OK) s = score_batch(net, &b, logits, &w, r, &loss_sum, o->confusion);
        uint64_t pe, pi;
        an_loader_position(l, &pe, &pi);
        int last = pe != b.epoch || pi >= total;
        if (o->progress) o->progress(o->progress_ctx, last ? total : (size_t)pi, total);
        if (last) break;
    }
    free(in);
    free(logits);
    free(w.avg);
    free(w.pv);
    free(w.logp);
    if (s != AN_OK) return s;
    r->seconds = an_now_s() - t0;
    if (r->images == 0 && o->parts <= 1)
        return an_error(AN_ERR_FORMAT, "no image of the data set could be read");
    double n = r->images ? (double)r->images : 1; /* a rank's empty share: rates of 0 */
    r->top1_err = 100.0 * (n - (double)r->top1_correct) / n;
    r->top5_err = 100.0 * (n - (double)r->top5_correct) / n;
    r->loss = loss_sum / n;
    r->images_per_s = r->seconds > 0 ? n / r->seconds : 0;
    return AN_OK;
}

an_status an_eval_open_loader(const an_net *net, const char *path, const an_eval_opts *o,
                              an_loader **out) {
    *out = NULL;
    int views = o->ten_crop ? 10 : o->flip ? 2 : 1;
    an_loader_config c = an_loader_defaults();
    c.view = an_feed_view(net, o->ten_crop ? AN_CROP_TEN : o->flip ? AN_CROP_FLIP : AN_CROP_CENTER,
                          0);
    c.batch = o->batch > 0 ? o->batch : (o->model_batch >= views ? o->model_batch / views : 1);
    c.threads = o->threads;
    c.classes = o->classes;
    c.part = o->part;
    c.parts = o->parts;
    c.files = o->files;
    c.nfiles = o->nfiles;
    int shards = 0;
    if (!o->nfiles) {
        char *idx = an_path_join(path, "index.bin");
        if (!idx) return an_error(AN_ERR_NOMEM, "out of memory");
        shards = access(idx, F_OK) == 0;
        free(idx);
    }
    c.size = o->size > 0 ? o->size : shards ? 0 : an_eval_stored_size(net);
    an_loader *l;
    AN_TRY(an_loader_open(path, &c, &l));
    const an_classes *cl = an_loader_classes(l);
    if (!o->nfiles && cl->n != net->classes) {
        an_status s = an_error(AN_ERR_INVALID_ARG, "the data set %s has %d classes but net %s (%s) "
                               "has %d", path, cl->n, net->name, net->source, net->classes);
        an_loader_close(l);
        return s;
    }
    *out = l;
    return AN_OK;
}

an_status an_evaluate(an_model *m, const an_net *net, const char *path, const an_eval_opts *o,
                      an_eval_result *r) {
    memset(r, 0, sizeof *r);
    an_loader *l;
    AN_TRY(an_eval_open_loader(net, path, o, &l));
    an_status s = an_evaluate_loader(m, net, l, o, r);
    r->bad = an_loader_bad_count(l);
    an_loader_close(l);
    return s;
}

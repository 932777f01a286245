/* test/test_model_torch.c - the model executor (host/net/model.h) on whole nets against PyTorch:
 * `test_model_torch [--two] [--infer ALGO] NET...` loads nets/NET.net (or the test net
 * test/fixtures/model_NET.net), turns dropout off, fills the whole-layout parameters, the images
 * and the labels from test/testgen.h (as tools/torch_reference.py does), runs a training forward
 * and the backward on one device (--two: a two-tower net on two devices, the default device
 * opened twice, crossovers and all), and compares the loss, the logits and
 * every parameter gradient (its L2 norm and 16 sampled elements) with
 * test/fixtures/model_NET.txt, made in float64 by tools/torch_reference.py
 * (docs/TESTING-MODEL.md). --infer ALGO runs an inference model's forward instead, its conv
 * layers on ALGO (auto: the tuner's inference choices; winograd: the large Winograd tiles, which
 * only inference may choose, wherever they apply), and compares the loss and the logits.
 *
 * Tolerances (float32 against the float64 reference; e = |got − ref|):
 *   loss           e <= TOL_LOSS·|ref|
 *   logits         e <= TOL_LOGIT·(|ref| + rms), rms = the logits' L2 norm / sqrt(count);
 *                  their norm: e <= TOL_NORM·ref
 *   gradients      norm: e <= TOL_NORM·ref; a sampled element: e <= TOL_GRAD·(|ref| + rms) with
 *                  rms = the tensor's gradient norm / sqrt(its count), since a single element can
 *                  be a sum that cancels to far below its terms.
 * The worst error of each kind is printed, relative to the scale of its tolerance. */
#include <math.h>
#include <time.h>

#include "devtest.h"
#include "testgen.h"

#include "net/model.h"
#include "net/netdesc.h"

#define TOL_LOSS 1e-6
#define TOL_LOGIT 2e-5
#define TOL_NORM 5e-6
#define TOL_GRAD 3e-5

#define STREAM_INPUT 1000
#define NSAMPLE 16
#define MAX_LOGITS 64

typedef struct sample {
    size_t index;
    double value;
} sample;

typedef struct fx_tensor {
    char name[AN_TENSOR_NAME_MAX];
    char shape[64];
    double norm;
    int ns;
    sample s[NSAMPLE];
} fx_tensor;

typedef struct fixture {
    char net[AN_NAME_MAX];
    int batch, classes;
    uint64_t seed;
    double loss, logits_norm;
    size_t nlogits;    /* batch × classes */
    int nl;            /* sampled logits */
    sample l[MAX_LOGITS];
    int nt;
    fx_tensor *t;
} fixture;

/* The worst error of one kind, as a multiple of its tolerance's scale. */
typedef struct worst {
    double err;
    char where[96];
} worst;

static void note(worst *w, double err, const char *what, const char *name) {
    if (err > w->err || err != err) {
        w->err = err;
        snprintf(w->where, sizeof w->where, "%s %s", what, name);
    }
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Read a fixture (format: docs/TESTING-MODEL.md). Returns 0 and says why on a bad file. */
static int read_fixture(const char *path, fixture *fx) {
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "cannot open %s (made by tools/torch_reference.py)\n", path);
        return 0;
    }
    memset(fx, 0, sizeof *fx);
    char line[256], key[32];
    int ok = 1, lineno = 0;
    while (ok && fgets(line, sizeof line, f)) {
        lineno++;
        if (line[0] == '#' || sscanf(line, "%31s", key) != 1) continue;
        unsigned long long u1;
        if (strcmp(key, "net") == 0) {
            ok = sscanf(line, "net %31s", fx->net) == 1;
        } else if (strcmp(key, "batch") == 0) {
            ok = sscanf(line, "batch %d", &fx->batch) == 1;
        } else if (strcmp(key, "seed") == 0) {
            ok = sscanf(line, "seed %llu", &u1) == 1;
            fx->seed = u1;
        } else if (strcmp(key, "classes") == 0) {
            ok = sscanf(line, "classes %d", &fx->classes) == 1;
        } else if (strcmp(key, "loss") == 0) {
            ok = sscanf(line, "loss %lf", &fx->loss) == 1;
        } else if (strcmp(key, "logits") == 0) {
            ok = sscanf(line, "logits %llu %lf", &u1, &fx->logits_norm) == 2;
            fx->nlogits = (size_t)u1;
        } else if (strcmp(key, "logit") == 0) {
            ok = fx->nl < MAX_LOGITS &&
                 sscanf(line, "logit %llu %lf", &u1, &fx->l[fx->nl].value) == 2;
            if (ok) fx->l[fx->nl++].index = (size_t)u1;
        } else if (strcmp(key, "tensor") == 0) {
            fx_tensor *grown = realloc(fx->t, (size_t)(fx->nt + 1) * sizeof *grown);
            ok = grown != NULL;
            if (ok) {
                fx->t = grown;
                fx_tensor *t = &fx->t[fx->nt++];
                memset(t, 0, sizeof *t);
                ok = sscanf(line, "tensor %47s %63s %lf", t->name, t->shape, &t->norm) == 3;
            }
        } else if (strcmp(key, "grad") == 0) {
            fx_tensor *t = fx->nt ? &fx->t[fx->nt - 1] : NULL;
            ok = t && t->ns < NSAMPLE &&
                 sscanf(line, "grad %llu %lf", &u1, &t->s[t->ns].value) == 2;
            if (ok) t->s[t->ns++].index = (size_t)u1;
        } else {
            ok = 0;
        }
    }
    fclose(f);
    if (!ok) fprintf(stderr, "%s:%d: cannot read this line\n", path, lineno);
    else if (!fx->batch || !fx->classes || !fx->nt || !fx->nl)
        fprintf(stderr, "%s: incomplete fixture\n", path), ok = 0;
    return ok;
}

/* "96x3x11x11" for a tensor, as the fixture writes shapes. */
static void shape_text(const an_tensor *t, char *buf, size_t n) {
    size_t len = 0;
    buf[0] = 0;
    for (int d = 0; d < t->ndim && len < n; d++)
        len += (size_t)snprintf(buf + len, n - len, d ? "x%d" : "%d", t->dims[d]);
}

/* Parameters in the whole layout: weights uniform in ±sqrt(3/fan_in), biases in ±0.1; tensor i
 * is generator stream i (net tensor order). Padding stays zero. */
static float *make_params(an_model *m, const an_net *net, uint64_t seed) {
    float *whole = calloc(an_model_whole_floats(m), sizeof *whole);
    if (!whole) return NULL;
    const an_layout *l = an_model_whole_layout(m);
    for (int i = 0; i < l->n; i++) {
        const an_layout_entry *e = &l->e[i];
        const an_tensor *t = &net->tensors[e->tensor];
        double b = t->is_bias ? 0.1 : sqrt(3.0 / (double)t->row_size);
        testgen_uniform(whole + e->offset, e->count, seed, (uint64_t)e->tensor, -b, b);
    }
    return whole;
}

static double rel(double got, double ref) { return fabs(got - ref) / fabs(ref); }

/* --infer: run an inference model with this conv algorithm (-1: train as usual). */
static int infer_algo = -1;

static void run_net(const char *src, const char *name, an_dev *devs, int ndev) {
    char path[1024];
    fixture fx;
    int failed0 = check_failed_;
    snprintf(path, sizeof path, "%s/test/fixtures/model_%s.txt", src, name);
    CHECK(read_fixture(path, &fx), "fixture %s", path);
    if (check_failed_ == failed0) CHECK(strcmp(fx.net, name) == 0, "%s names net %s", path, fx.net);
    if (check_failed_ > failed0) {
        free(fx.t);
        return;
    }

    double t0 = now();
    an_net *net = NULL;
    snprintf(path, sizeof path, "%s/nets/%s.net", src, name);
    FILE *f = fopen(path, "r");
    if (f) fclose(f);
    else snprintf(path, sizeof path, "%s/test/fixtures/model_%s.net", src, name);
    CHECK_OK(an_net_load(path, &net));
    if (!net) return;
    for (int i = 0; i < net->nlayers; i++)
        if (net->layers[i].kind == AN_LAYER_DROPOUT) net->layers[i].dropout_p = 0;
    CHECK(net->classes == fx.classes, "%s: %d classes, fixture %d", name, net->classes,
          fx.classes);
    CHECK(net->ntensors == fx.nt, "%s: %d tensors, fixture %d", name, net->ntensors, fx.nt);
    for (int i = 0; i < net->ntensors && i < fx.nt; i++) {
        char shape[64];
        shape_text(&net->tensors[i], shape, sizeof shape);
        CHECK(strcmp(net->tensors[i].name, fx.t[i].name) == 0 && strcmp(shape, fx.t[i].shape) == 0,
              "%s: tensor %d is %s %s, fixture %s %s", name, i, net->tensors[i].name, shape,
              fx.t[i].name, fx.t[i].shape);
    }

    an_model_opts o = an_model_defaults();
    o.batch = fx.batch;
    int infer = infer_algo >= 0;
    if (infer) {
        o.inference = 1;
        o.conv_algo = (an_conv_algo)infer_algo;
    }
    an_model *m = NULL;
    CHECK_OK(an_model_create(net, devs, ndev, &o, &m));
    int n = fx.batch, K = net->classes;
    size_t in_count = (size_t)n * (size_t)an_shape_count(net->input);
    size_t nw = m ? an_model_whole_floats(m) : 0;
    float *params = m ? make_params(m, net, fx.seed) : NULL;
    float *images = malloc(in_count * sizeof *images);
    float *logits = malloc((size_t)n * (size_t)K * sizeof *logits);
    float *grads = malloc((nw ? nw : 1) * sizeof *grads);
    int *labels = malloc((size_t)n * sizeof *labels);
    if (check_failed_ > failed0 || !params || !images || !logits || !grads || !labels) {
        CHECK(0, "%s: set-up failed", name);
        goto out;
    }
    testgen_uniform(images, in_count, fx.seed, STREAM_INPUT, -1.0, 1.0);
    for (int i = 0; i < n; i++) labels[i] = (7 * i + 3) % K;
    CHECK_OK(an_model_set_params(m, params));
    check_poison(logits, (size_t)n * (size_t)K);
    check_poison(grads, nw);

    double t1 = now();
    float loss = NAN;
    int top1 = -1, top5 = -1;
    CHECK_OK(an_model_forward(m, images, labels, n, !infer, 0));
    if (check_failed_ == failed0 && !infer) CHECK_OK(an_model_backward(m));
    if (check_failed_ == failed0) CHECK_OK(an_model_read_stats(m, &loss, &top1, &top5));
    if (check_failed_ == failed0) CHECK_OK(an_model_read_logits(m, logits));
    if (check_failed_ == failed0 && !infer) CHECK_OK(an_model_get_grads(m, grads));
    double t2 = now();
    if (check_failed_ > failed0) goto out; /* nothing to compare */

    /* Loss and logits. */
    CHECK(fx.nlogits == (size_t)n * (size_t)K, "%s: fixture has %zu logits, the model %d",
          name, fx.nlogits, n * K);
    double e_loss = rel(loss, fx.loss);
    CHECK(e_loss <= TOL_LOSS, "%s: loss %.9g, reference %.9g (rel %.2e)", name, loss, fx.loss,
          e_loss);
    double sq = 0;
    for (size_t i = 0; i < (size_t)n * (size_t)K; i++) sq += (double)logits[i] * logits[i];
    double e_lnorm = rel(sqrt(sq), fx.logits_norm);
    CHECK(e_lnorm <= TOL_NORM, "%s: logits norm %.9g, reference %.9g", name, sqrt(sq),
          fx.logits_norm);
    double lrms = fx.logits_norm / sqrt((double)fx.nlogits);
    worst w_logit = {0, ""}, w_norm = {0, ""}, w_grad = {0, ""};
    for (int i = 0; i < fx.nl && fx.l[i].index < fx.nlogits; i++) {
        double got = logits[fx.l[i].index], ref = fx.l[i].value;
        double e = fabs(got - ref) / (fabs(ref) + lrms);
        char where[32];
        snprintf(where, sizeof where, "%zu", fx.l[i].index);
        note(&w_logit, e, "logit", where);
        CHECK(e <= TOL_LOGIT, "%s: logit %zu = %.9g, reference %.9g", name, fx.l[i].index, got,
              ref);
    }

    /* Gradients, tensor by tensor. */
    const an_layout *lay = an_model_whole_layout(m);
    for (int i = 0; !infer && i < lay->n && i < fx.nt; i++) {
        const an_layout_entry *e = &lay->e[i];
        const fx_tensor *ft = &fx.t[e->tensor];
        const float *g = grads + e->offset;
        double s2 = 0;
        for (size_t j = 0; j < e->count; j++) s2 += (double)g[j] * g[j];
        double en = rel(sqrt(s2), ft->norm);
        note(&w_norm, en, "norm", ft->name);
        CHECK(en <= TOL_NORM, "%s: gradient norm of %s %.9g, reference %.9g (rel %.2e)", name,
              ft->name, sqrt(s2), ft->norm, en);
        double rms = ft->norm / sqrt((double)e->count);
        for (int k = 0; k < ft->ns; k++) {
            size_t j = ft->s[k].index;
            if (j >= e->count) {
                CHECK(0, "%s: sample %zu of %s is outside its %zu floats", name, j, ft->name,
                      e->count);
                continue;
            }
            double es = fabs(g[j] - ft->s[k].value) / (fabs(ft->s[k].value) + rms);
            note(&w_grad, es, "grad", ft->name);
            CHECK(es <= TOL_GRAD, "%s: %s[%zu] = %.9g, reference %.9g (err %.2e of |ref|+rms)",
                  name, ft->name, j, g[j], ft->s[k].value, es);
        }
    }
    printf("%s (batch %d, %d device%s%s): loss %.7g (ref %.7g) rel err %.2e; logits norm rel "
           "err %.2e, worst logit %.2e (%s)\n", name, n, ndev, ndev > 1 ? "s" : "",
           infer ? ", inference" : "", loss, fx.loss, e_loss, e_lnorm, w_logit.err,
           w_logit.where);
    if (infer) {
        for (int i = 0; i < net->nlayers; i++) {
            an_conv_choice c;
            an_tune_source from;
            char cn[64];
            if (net->layers[i].kind != AN_LAYER_CONV) continue;
            CHECK_OK(an_model_conv_choice(m, i, AN_TUNE_FORWARD, &c, &from));
            an_conv_choice_name(c, cn, sizeof cn);
            printf("  %s %s (%s)\n", net->layers[i].name, cn, an_tune_source_name(from));
            /* a forced algorithm runs on every stride-1 layer (AlexNet's 3x3 and 5x5 ones) */
            if (infer_algo != AN_CONV_AUTO && net->layers[i].conv.stride == 1)
                CHECK(c.algo == (an_conv_algo)infer_algo, "%s: %s runs %s", name,
                      net->layers[i].name, cn);
        }
    } else {
        printf("  worst gradient norm rel err %.2e (%s); worst sampled gradient %.2e of |ref|+rms "
               "(%s)\n", w_norm.err, w_norm.where, w_grad.err, w_grad.where);
    }
    printf("  set-up %.1f s, %s %.1f s\n", t1 - t0, infer ? "forward" : "forward+backward",
           t2 - t1);
out:
    an_model_free(m);
    an_net_free(net);
    free(params);
    free(images);
    free(logits);
    free(grads);
    free(labels);
    free(fx.t);
}

int main(int argc, char **argv) {
    const char *src = getenv("ALEXNET_SOURCE_DIR");
    if (!src) src = ".";
    int first = 1, ndev = 1;
    if (argc > first && strcmp(argv[first], "--two") == 0) first++, ndev = 2;
    if (argc > first + 1 && strcmp(argv[first], "--infer") == 0) {
        an_conv_algo a;
        if (!an_conv_algo_parse(argv[first + 1], &a)) {
            fprintf(stderr, "test_model_torch: --infer %s: not a conv algorithm\n",
                    argv[first + 1]);
            return 2;
        }
        infer_algo = (int)a;
        first += 2;
    }
    if (argc <= first) {
        fprintf(stderr, "usage: test_model_torch [--two] [--infer ALGO] NET... (fixtures in "
                "test/fixtures)\n");
        return 2;
    }
    an_dev devs[2];
    if (!dt_open(devs, ndev)) return 1;
    for (int i = first; i < argc; i++) run_net(src, argv[i], devs, ndev);
    an_devs_close(devs, ndev);
    return check_done("test_model_torch");
}

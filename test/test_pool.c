/* test/test_pool.c - the OpenCL pooling ops (host/ops/pool.c, cl/pool.cl) against the double
 * reference (host/ref/ref_pool.c) on random inputs: max pooling (with the argmax it stores, ties
 * and NaNs; without argmax; with a bias and a ReLU before it fused; with the argmax masked so
 * that its backward is a ReLU's too), average pooling with padding,
 * adaptive average pooling (the identity in place too), forward and backward; odd sizes,
 * batch 1, and AlexNet's pool1 (96x55x55 -> 27x27), pool2 (256x27x27 -> 13x13), pool5
 * (256x13x13 -> 6x6) and torchvision's avgpool (256x6x6 and 256x13x13 -> 6x6) at batch 2.
 * Every tensor sits at a nonzero offset in a larger buffer; outputs are poisoned with NaN first
 * and the poison around them must survive.
 * Tolerances, |got - ref| <= atol + rtol*|ref|: max pooling y and argmax exact (a selection;
 * with a fused bias 1e-6 + 1e-6|ref|, one float add);
 * its dx 1e-6 + 1e-6|ref| (float sums of the few dy routed to one input); average and adaptive
 * y and dx 1e-6 + 1e-5|ref| (float sums of a window against double).
 * `test_pool --small` runs the small shapes only (for oclgrind); `--bench` times a ReLU and the
 * max pool against the two fused (alexnet-owt's pools, batch 1 and 32). */
#include "devtest.h"
#include "ops/activation.h"
#include "ops/pool.h"
#include "ref/ref_activation.h"
#include "ref/ref_pool.h"
#include "util/clock.h"

static void to_double(const float *f, double *dd, size_t n) {
    for (size_t i = 0; i < n; i++) dd[i] = f[i];
}
static void to_float(const double *dd, float *f, size_t n) {
    for (size_t i = 0; i < n; i++) f[i] = (float)dd[i];
}

enum { MAX, AVG, ADAPTIVE };
enum { RANDOM, TIES, NANS }; /* inputs: uniform, from {1, 2, 3}, uniform with some NaNs */

typedef struct pool_case {
    int op;
    int n, c, h, w;
    int a[6]; /* MAX, AVG: kh, kw, sh, sw, ph, pw; ADAPTIVE: oh, ow */
    int input;
    int small;
} pool_case;

static const pool_case cases[] = {
    {MAX, 1, 3, 7, 9, {3, 3, 2, 2, 0, 0}, RANDOM, 1},
    {MAX, 2, 2, 8, 7, {3, 3, 2, 2, 1, 1}, RANDOM, 1},
    {MAX, 1, 2, 5, 6, {2, 3, 1, 2, 1, 1}, RANDOM, 1},
    {MAX, 1, 2, 6, 6, {4, 4, 3, 3, 2, 2}, RANDOM, 1},
    {MAX, 1, 1, 4, 5, {1, 1, 1, 1, 0, 0}, RANDOM, 1},
    {MAX, 1, 2, 5, 5, {5, 5, 1, 1, 0, 0}, RANDOM, 1},
    {MAX, 2, 3, 9, 9, {3, 3, 2, 2, 0, 0}, TIES, 1},
    {MAX, 1, 2, 7, 7, {3, 3, 2, 2, 1, 1}, NANS, 1},
    {MAX, 1, 2, 7, 7, {3, 3, 2, 2, 0, 0}, NANS, 1},   /* the row kernels (no padding) */
    {MAX, 1, 2, 8, 9, {2, 2, 3, 3, 0, 0}, RANDOM, 1}, /* ... with rows no window covers */
    {MAX, 2, 3, 9, 9, {2, 3, 2, 1, 0, 0}, TIES, 1},
    {MAX, 2, 3, 28, 28, {3, 3, 2, 2, 0, 0}, NANS, 1}, /* stride 2: 8 and 4 outputs at once, */
    {MAX, 1, 2, 13, 13, {3, 3, 2, 2, 0, 0}, TIES, 1}, /* then one by one */
    {MAX, 1, 2, 20, 20, {2, 2, 2, 2, 0, 0}, NANS, 1},
    {MAX, 2, 3, 28, 28, {3, 3, 2, 2, 0, 0}, TIES, 1},
    {MAX, 2, 96, 55, 55, {3, 3, 2, 2, 0, 0}, RANDOM, 0},  /* pool1 */
    {MAX, 2, 256, 27, 27, {3, 3, 2, 2, 0, 0}, RANDOM, 0}, /* pool2 */
    {MAX, 2, 256, 13, 13, {3, 3, 2, 2, 0, 0}, RANDOM, 0}, /* pool5 */
    {MAX, 2, 256, 13, 13, {3, 3, 2, 2, 0, 0}, TIES, 0},
    {AVG, 1, 3, 9, 8, {3, 3, 2, 2, 1, 1}, RANDOM, 1},
    {AVG, 2, 2, 7, 6, {2, 3, 2, 1, 1, 1}, RANDOM, 1},
    {AVG, 1, 2, 5, 7, {3, 3, 2, 2, 0, 0}, RANDOM, 1},
    {AVG, 1, 1, 4, 4, {4, 4, 1, 1, 2, 2}, RANDOM, 1},
    {AVG, 2, 256, 13, 13, {3, 3, 2, 2, 1, 1}, RANDOM, 0},
    {ADAPTIVE, 1, 3, 9, 8, {4, 3}, RANDOM, 1},
    {ADAPTIVE, 1, 2, 9, 8, {5, 11}, RANDOM, 1},
    {ADAPTIVE, 2, 2, 7, 5, {3, 2}, RANDOM, 1},
    {ADAPTIVE, 1, 2, 1, 1, {2, 3}, RANDOM, 1},
    {ADAPTIVE, 2, 3, 4, 5, {4, 5}, RANDOM, 1},     /* the identity */
    {ADAPTIVE, 2, 256, 6, 6, {6, 6}, RANDOM, 0},   /* torchvision's avgpool at 224x224 */
    {ADAPTIVE, 2, 256, 13, 13, {6, 6}, RANDOM, 0}, /* ... and on pool5's input size */
};

/* NaN positions must agree; elsewhere the values must be within tolerance. */
static void compare(const char *what, float *got, float *ref, size_t n, float atol, float rtol) {
    size_t nan_mismatch = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(ref[i])) {
            if (!isnan(got[i])) nan_mismatch++;
            got[i] = ref[i] = 1;
        }
    }
    CHECK(nan_mismatch == 0, "%s: %zu NaNs of the reference are numbers", what, nan_mismatch);
    check_close(what, got, ref, n, atol, rtol);
}

/* Training's pool after a ReLU: the pool of r = relu(x - 1.5) (about a quarter of r above 0, so
 * that some windows hold no positive value) with the masked argmax, then the pool's backward,
 * against the reference relu_backward(r, maxpool_backward(dy)): y exact, dx as the pool's. Run
 * twice, given r and given the ReLU's input x - 1.5 (the model's fused ReLU), with the same
 * results expected. */
static void check_relu_grad(an_dev *d, const pool_case *t, const an_pool_params *p,
                            const float *x, const double *dyd, dtensor *tx, dtensor *ty,
                            dtensor *tam, dtensor *tdy, dtensor *tdx, const char *what) {
    int oh = an_pool_out(t->h, p->kh, p->sh, p->ph), ow = an_pool_out(t->w, p->kw, p->sw, p->pw);
    size_t nin = (size_t)t->n * t->c * t->h * t->w, nout = (size_t)t->n * t->c * oh * ow;
    float *r = malloc(nin * sizeof *r), *got = malloc(nin * sizeof *got);
    float *ref = malloc(nin * sizeof *ref);
    double *rd = malloc(nin * sizeof *rd), *yd = malloc(nout * sizeof *yd);
    double *dpd = malloc(nin * sizeof *dpd), *dxd = malloc(nin * sizeof *dxd);
    int *am = malloc(nout * sizeof *am);
    size_t empty = 0;
    float *pre = malloc(nin * sizeof *pre);
    for (size_t i = 0; i < nin; i++) {
        float v = x[i] - 1.5f;
        pre[i] = v;
        r[i] = isnan(v) || v > 0 ? v : 0.0f;
        rd[i] = r[i];
    }
    an_ref_maxpool_forward(t->n, t->c, t->h, t->w, p->kh, p->kw, p->sh, p->sw, p->ph, p->pw, rd,
                           yd, am);
    for (size_t i = 0; i < nout; i++) empty += yd[i] == 0.0;
    an_ref_maxpool_backward(t->n, t->c, t->h, t->w, p->kh, p->kw, p->sh, p->sw, p->ph, p->pw, am,
                            dyd, dpd);
    an_ref_relu_backward(rd, dpd, dxd, nin);
    for (int given = 0; given < 2; given++) {
        const char *of = given ? "the ReLU's input" : "the ReLU's output";
        dt_set(d, tx, given ? pre : r);
        dt_set(d, ty, NULL);
        dt_set(d, tam, NULL);
        dt_set(d, tdx, NULL);
        CHECK_OK(an_maxpool_forward_relu_grad(d, p, t->n, t->c, t->h, t->w, tx->b, ty->b,
                                              tam->b));
        CHECK_OK(an_maxpool_backward(d, p, t->n, t->c, t->h, t->w, tam->b, tdy->b, tdx->b));
        char w2[320];
        dt_get(d, ty, got, what);
        to_float(yd, ref, nout);
        snprintf(w2, sizeof w2, "%s y of %s, argmax masked for the ReLU", what, of);
        compare(w2, got, ref, nout, 0, 0);
        dt_get(d, tdx, got, what);
        to_float(dxd, ref, nin);
        snprintf(w2, sizeof w2, "%s dx of relu(x) through the masked argmax, given %s (%zu "
                 "windows not above 0)", what, of, empty);
        compare(w2, got, ref, nin, 1e-6f, 1e-6f);
    }
    free(r), free(pre), free(got), free(ref), free(rd), free(yd), free(dpd), free(dxd), free(am);
}

static void run_case(an_dev *d, const pool_case *t, uint64_t seed) {
    const int *a = t->a;
    an_pool_params p = {a[0], a[1], a[2], a[3], a[4], a[5]};
    int oh = t->op == ADAPTIVE ? a[0] : an_pool_out(t->h, p.kh, p.sh, p.ph);
    int ow = t->op == ADAPTIVE ? a[1] : an_pool_out(t->w, p.kw, p.sw, p.pw);
    size_t nin = (size_t)t->n * t->c * t->h * t->w, nout = (size_t)t->n * t->c * oh * ow;
    static const char *names[] = {"maxpool", "avgpool", "adaptive avgpool"};
    char what[160], w2[200];
    if (t->op == ADAPTIVE)
        snprintf(what, sizeof what, "%s %dx%dx%dx%d -> %dx%d", names[t->op], t->n, t->c, t->h,
                 t->w, oh, ow);
    else
        snprintf(what, sizeof what, "%s %dx%dx%dx%d %dx%d/(%d,%d) pad (%d,%d)%s", names[t->op],
                 t->n, t->c, t->h, t->w, p.kh, p.kw, p.sh, p.sw, p.ph, p.pw,
                 t->input == TIES ? " ties" : t->input == NANS ? " NaNs" : "");

    float *x = malloc(nin * sizeof *x), *dy = malloc(nout * sizeof *dy);
    size_t nmax = nin > nout ? nin : nout;
    float *got = malloc(nmax * sizeof *got), *ref = malloc(nmax * sizeof *ref);
    double *xd = malloc(nin * sizeof *xd), *yd = malloc(nout * sizeof *yd);
    double *dyd = malloc(nout * sizeof *dyd), *dxd = malloc(nin * sizeof *dxd);
    int *am = malloc(nout * sizeof *am), *am_got = malloc(nout * sizeof *am_got);
    check_fill_uniform(x, nin, seed, -3, 3);
    if (t->input == TIES)
        for (size_t i = 0; i < nin; i++) x[i] = (float)(1 + (int)(x[i] + 3) / 2); /* 1, 2, 3 */
    if (t->input == NANS)
        for (size_t i = 4; i < nin; i += 5) x[i] = NAN;
    check_fill_uniform(dy, nout, seed + 1, -1, 1);
    to_double(x, xd, nin);
    to_double(dy, dyd, nout);

    dtensor tx, ty, tam, tdy, tdx;
    int ok = dt_alloc(d, &tx, "x", nin, 3) && dt_alloc(d, &ty, "y", nout, 6) &&
             dt_alloc(d, &tam, "argmax", nout, 2) && dt_alloc(d, &tdy, "dy", nout, 1) &&
             dt_alloc(d, &tdx, "dx", nin, 4);
    if (ok) {
        dt_set(d, &tx, x);
        dt_set(d, &ty, NULL);
        dt_set(d, &tam, NULL);
        dt_set(d, &tdy, dy);
        dt_set(d, &tdx, NULL);
        float fatol = 1e-6f, frtol = 1e-5f, batol = 1e-6f, brtol = 1e-5f;
        if (t->op == MAX) {
            an_ref_maxpool_forward(t->n, t->c, t->h, t->w, p.kh, p.kw, p.sh, p.sw, p.ph, p.pw, xd,
                                   yd, am);
            an_ref_maxpool_backward(t->n, t->c, t->h, t->w, p.kh, p.kw, p.sh, p.sw, p.ph, p.pw,
                                    am, dyd, dxd);
            CHECK_OK(an_maxpool_forward(d, &p, t->n, t->c, t->h, t->w, tx.b, ty.b, tam.b));
            CHECK_OK(an_maxpool_backward(d, &p, t->n, t->c, t->h, t->w, tam.b, tdy.b, tdx.b));
            fatol = frtol = 0;
            brtol = 1e-6f;
        } else if (t->op == AVG) {
            an_ref_avgpool_forward(t->n, t->c, t->h, t->w, p.kh, p.kw, p.sh, p.sw, p.ph, p.pw, xd,
                                   yd);
            an_ref_avgpool_backward(t->n, t->c, t->h, t->w, p.kh, p.kw, p.sh, p.sw, p.ph, p.pw,
                                    dyd, dxd);
            CHECK_OK(an_avgpool_forward(d, &p, t->n, t->c, t->h, t->w, tx.b, ty.b));
            CHECK_OK(an_avgpool_backward(d, &p, t->n, t->c, t->h, t->w, tdy.b, tdx.b));
        } else {
            an_ref_adaptive_avgpool_forward(t->n, t->c, t->h, t->w, oh, ow, xd, yd);
            an_ref_adaptive_avgpool_backward(t->n, t->c, t->h, t->w, oh, ow, dyd, dxd);
            CHECK_OK(an_adaptive_avgpool_forward(d, t->n, t->c, t->h, t->w, oh, ow, tx.b, ty.b));
            CHECK_OK(an_adaptive_avgpool_backward(d, t->n, t->c, t->h, t->w, oh, ow, tdy.b,
                                                  tdx.b));
        }
        dt_get(d, &ty, got, what);
        to_float(yd, ref, nout);
        snprintf(w2, sizeof w2, "%s y", what);
        compare(w2, got, ref, nout, fatol, frtol);
        dt_get(d, &tdx, got, what);
        to_float(dxd, ref, nin);
        snprintf(w2, sizeof w2, "%s dx", what);
        compare(w2, got, ref, nin, batol, brtol);
        if (t->op == MAX) {
            dt_get(d, &tam, am_got, what);
            size_t diff = 0;
            for (size_t i = 0; i < nout; i++) diff += am_got[i] != am[i];
            CHECK(diff == 0, "%s: %zu of %zu argmax differ", what, diff, nout);
            /* Inference: no argmax kept, same y. */
            dt_set(d, &ty, NULL);
            CHECK_OK(an_maxpool_forward(d, &p, t->n, t->c, t->h, t->w, tx.b, ty.b,
                                        (an_buf){NULL, 0}));
            dt_get(d, &ty, got, what);
            to_float(yd, ref, nout);
            snprintf(w2, sizeof w2, "%s y without argmax", what);
            compare(w2, got, ref, nout, 0, 0);
            /* A bias and a ReLU before the pool, fused: against the reference pool of
             * relu(x + bias), the bias per channel. */
            double *rxd = malloc(nin * sizeof *rxd);
            float *b = malloc((size_t)t->c * sizeof *b);
            check_fill_uniform(b, (size_t)t->c, seed + 2, -1, 1);
            dtensor tb;
            if (dt_alloc(d, &tb, "bias", (size_t)t->c, 5)) {
                dt_set(d, &tb, b);
                for (int with_bias = 0; with_bias < 2; with_bias++) {
                    size_t hw = (size_t)t->h * t->w;
                    for (size_t i = 0; i < nin; i++) {
                        double v = xd[i] + (with_bias ? (double)b[i / hw % (size_t)t->c] : 0.0);
                        rxd[i] = isnan(v) || v >= 0 ? v : 0.0;
                    }
                    an_ref_maxpool_forward(t->n, t->c, t->h, t->w, p.kh, p.kw, p.sh, p.sw, p.ph,
                                           p.pw, rxd, yd, am);
                    dt_set(d, &ty, NULL);
                    CHECK_OK(an_maxpool_relu_forward(d, &p, t->n, t->c, t->h, t->w, tx.b,
                                                     with_bias ? tb.b : (an_buf){NULL, 0}, ty.b));
                    dt_get(d, &ty, got, what);
                    to_float(yd, ref, nout);
                    snprintf(w2, sizeof w2, "%s y of relu(x%s)", what, with_bias ? " + b" : "");
                    float tol = with_bias ? 1e-6f : 0.0f;
                    compare(w2, got, ref, nout, tol, tol);
                }
            }
            an_free(&tb.mem);
            free(rxd), free(b);
            check_relu_grad(d, t, &p, x, dyd, &tx, &ty, &tam, &tdy, &tdx, what);
        }
        if (t->op == ADAPTIVE && oh == t->h && ow == t->w) { /* the identity, in place */
            CHECK_OK(an_adaptive_avgpool_forward(d, t->n, t->c, t->h, t->w, oh, ow, tx.b, tx.b));
            dt_get(d, &tx, got, what);
            snprintf(w2, sizeof w2, "%s in place", what);
            compare(w2, got, x, nin, 0, 0);
        }
    }
    DT_FREE(&tx.mem, &ty.mem, &tam.mem, &tdy.mem, &tdx.mem);
    free(x), free(dy), free(got), free(ref), free(xd), free(yd), free(dyd), free(dxd);
    free(am), free(am_got);
}

/* Bad windows and shapes are refused with a message, before anything is enqueued. */
static void check_errors(an_dev *d) {
    cl_mem m = NULL;
    CHECK_OK(an_alloc(d, "tiny", 64 * sizeof(float), &m));
    an_buf b = {m, 0}, none = {NULL, 0};
    an_pool_params p = {3, 3, 2, 2, 2, 0};
    CHECK(an_maxpool_forward(d, &p, 1, 1, 5, 5, b, b, b) == AN_ERR_INVALID_ARG &&
              strstr(an_last_error(), "2*pad"),
          "padding over half the window: %s", an_last_error());
    p = (an_pool_params){3, 3, 0, 2, 0, 0};
    CHECK(an_avgpool_forward(d, &p, 1, 1, 5, 5, b, b) == AN_ERR_INVALID_ARG, "stride 0");
    p = (an_pool_params){3, 3, 2, 2, 0, 0};
    CHECK(an_maxpool_forward(d, &p, 1, 1, 2, 5, b, b, b) == AN_ERR_INVALID_ARG &&
              strstr(an_last_error(), "does not fit"),
          "window larger than the input: %s", an_last_error());
    CHECK(an_maxpool_backward(d, &p, 1, 1, 5, 5, none, b, b) == AN_ERR_INVALID_ARG &&
              strstr(an_last_error(), "argmax"),
          "backward needs argmax: %s", an_last_error());
    CHECK(an_adaptive_avgpool_forward(d, 1, 1, 5, 5, 0, 2, b, b) == AN_ERR_INVALID_ARG,
          "adaptive to 0x2");
    CHECK(an_pool_out(55, 3, 2, 0) == 27 && an_pool_out(27, 3, 2, 0) == 13 &&
              an_pool_out(13, 3, 2, 0) == 6 && an_pool_out(7, 3, 2, 1) == 4 &&
              an_pool_out(2, 3, 1, 0) == 0,
          "output sizes");
    an_free(&m);
}

#define REPS 15
static int by_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* --bench: a ReLU in place then the max pool (path 0) against the fused an_maxpool_relu_forward
 * (path 1), alternating, median wall time of REPS each, on alexnet-owt's pools at batch n. */
static void bench_relu_pool(an_dev *d, int n, int c, int h) {
    an_pool_params p = {3, 3, 2, 2, 0, 0};
    int oh = an_pool_out(h, 3, 2, 0);
    size_t nin = (size_t)n * c * h * h, nout = (size_t)n * c * oh * oh;
    an_buf x = dt_upload(d, NULL, nin), y = dt_upload(d, NULL, nout), none = {NULL, 0};
    double t[2][REPS];
    for (int r = -1; r < REPS; r++)
        for (int k = 0; k < 2; k++) {
            CHECK_OK(an_fill(d, x, -0.5f, nin));
            CHECK_OK(an_finish(d));
            double t0 = an_now_s();
            if (k == 0) {
                CHECK_OK(an_relu_forward(d, x, x, nin));
                CHECK_OK(an_maxpool_forward(d, &p, n, c, h, h, x, y, none));
            } else {
                CHECK_OK(an_maxpool_relu_forward(d, &p, n, c, h, h, x, none, y));
            }
            CHECK_OK(an_finish(d));
            if (r >= 0) t[k][r] = an_now_s() - t0;
        }
    qsort(t[0], REPS, sizeof(double), by_double);
    qsort(t[1], REPS, sizeof(double), by_double);
    printf("%dx%dx%dx%d: relu + maxpool %.3f ms, fused %.3f ms: %.2fx\n", n, c, h, h,
           t[0][REPS / 2] * 1e3, t[1][REPS / 2] * 1e3, t[0][REPS / 2] / t[1][REPS / 2]);
    an_free(&x.mem);
    an_free(&y.mem);
}

int main(int argc, char **argv) {
    int small_only;
    an_dev dev;
    if (!dt_start(argc, argv, &dev, &small_only)) return 1;
    if (argc > 1 && strcmp(argv[1], "--bench") == 0) {
        for (int n = 1; n <= 32; n *= 32) {
            bench_relu_pool(&dev, n, 64, 55);
            bench_relu_pool(&dev, n, 192, 27);
            bench_relu_pool(&dev, n, 256, 13);
        }
        an_devs_close(&dev, 1);
        return check_done("test_pool --bench");
    }
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (cases[i].small || !small_only) run_case(&dev, &cases[i], 2000 + 31 * i);
    check_errors(&dev);
    an_devs_close(&dev, 1);
    return check_done("test_pool");
}

/* test/test_lrn.c - the OpenCL LRN (host/ops/lrn.c, cl/lrn.cl) against the double reference
 * (host/ref/ref_lrn.c) on random inputs: odd sizes, batch 1, even and oversized windows, both
 * alpha conventions, beta = 0.75 (its own kernel variant) and others, and AlexNet's lrn1
 * (96x55x55) and lrn2 (256x27x27) at batch 2, planes of 16, 8 and 4 pixels (vectors on CPUs)
 * and alexnet-fmnist's lrn1 (24x28x28) and lrn2 (64x13x13). Every tensor
 * sits at a nonzero offset inside a larger buffer; outputs are poisoned with NaN first, and the
 * poison around them must survive (nothing written out of bounds).
 * Tolerances, |got - ref| <= atol + rtol*|ref|: y 1e-6 + 4e-6|ref|, dx 1e-6 + 1e-5|ref| (float
 * sums of n terms and float pow, which OpenCL allows 16 ulp, against double; PoCL measured: y
 * 9.5e-7 on values up to 10, dx 1.2e-7). The forward runs twice on the same input, and the
 * second y must equal the first bit for bit.
 * `test_lrn --small` runs the small shapes only (for oclgrind). */
#include "devtest.h"
#include "ops/lrn.h"
#include "ref/ref_lrn.h"

static void to_double(const float *f, double *dd, size_t n) {
    for (size_t i = 0; i < n; i++) dd[i] = f[i];
}
static void to_float(const double *dd, float *f, size_t n) {
    for (size_t i = 0; i < n; i++) f[i] = (float)dd[i];
}

typedef struct lrn_case {
    int n, c, h, w;
    int size;
    float alpha, beta, k;
    an_lrn_convention conv;
    float range; /* inputs uniform in [-range, range) */
    int small;
} lrn_case;

static const lrn_case cases[] = {
    {1, 7, 5, 3, 5, 0.3f, 0.75f, 1.3f, AN_LRN_PAPER, 3, 1},
    {1, 7, 5, 3, 5, 0.3f, 0.75f, 1.3f, AN_LRN_CAFFE, 3, 1},
    {2, 6, 3, 5, 4, 0.5f, 0.6f, 1.0f, AN_LRN_CAFFE, 3, 1},  /* even window */
    {2, 3, 2, 3, 9, 0.2f, 0.75f, 2.0f, AN_LRN_PAPER, 3, 1}, /* window wider than C */
    {1, 4, 3, 3, 1, 0.4f, 1.0f, 0.5f, AN_LRN_PAPER, 3, 1},  /* window of one */
    {1, 1, 1, 1, 5, 0.3f, 0.75f, 2.0f, AN_LRN_CAFFE, 3, 1},
    /* planes of 16, 8 and 4 pixels: CPUs take that many per work-item, as a vector (and the
     * plane's last, shorter run as a vector whose missing lanes repeat its last pixel, as in 5x3
     * and 55x55) */
    {3, 10, 4, 4, 5, 0.3f, 0.75f, 1.3f, AN_LRN_PAPER, 3, 1},
    {1, 6, 2, 4, 4, 0.5f, 0.6f, 1.0f, AN_LRN_CAFFE, 3, 1},
    {2, 5, 2, 2, 3, 0.4f, 0.75f, 2.0f, AN_LRN_PAPER, 3, 1},
    {1, 3, 4, 4, 9, 0.2f, 1.5f, 2.0f, AN_LRN_PAPER, 3, 1}, /* 16 pixels, window > C */
    {2, 24, 28, 28, 5, 1e-4f, 0.75f, 2.0f, AN_LRN_PAPER, 10, 0}, /* alexnet-fmnist lrn1 */
    {3, 64, 13, 13, 5, 1e-4f, 0.75f, 2.0f, AN_LRN_PAPER, 10, 0}, /* and lrn2 */
    {2, 96, 55, 55, 5, 1e-4f, 0.75f, 2.0f, AN_LRN_PAPER, 10, 0}, /* lrn1 */
    {2, 96, 55, 55, 5, 1e-4f, 0.75f, 2.0f, AN_LRN_CAFFE, 10, 0},
    {2, 256, 27, 27, 5, 1e-4f, 0.75f, 2.0f, AN_LRN_PAPER, 10, 0}, /* lrn2 */
    {2, 256, 27, 27, 5, 1e-4f, 0.75f, 2.0f, AN_LRN_CAFFE, 10, 0},
};

static void run_case(an_dev *d, const lrn_case *t, uint64_t seed) {
    an_lrn_params p = {t->size, t->alpha, t->beta, t->k, t->conv};
    size_t n = (size_t)t->n * t->c * t->h * t->w;
    char what[160];
    snprintf(what, sizeof what, "lrn %dx%dx%dx%d size %d alpha %g (%s)", t->n, t->c, t->h, t->w,
             t->size, t->alpha, t->conv == AN_LRN_PAPER ? "paper" : "per n");
    float *x = malloc(n * sizeof *x), *dy = malloc(n * sizeof *dy), *got = malloc(n * sizeof *got);
    float *ref = malloc(n * sizeof *ref);
    double *xd = malloc(n * sizeof *xd), *yd = malloc(n * sizeof *yd);
    double *sd = malloc(n * sizeof *sd), *dyd = malloc(n * sizeof *dyd);
    double *dxd = malloc(n * sizeof *dxd);
    check_fill_uniform(x, n, seed, -t->range, t->range);
    check_fill_uniform(dy, n, seed + 1, -1, 1);
    to_double(x, xd, n);
    to_double(dy, dyd, n);
    an_ref_lrn_forward(t->size, t->alpha, t->beta, t->k, t->conv, t->n, t->c, t->h, t->w, xd, yd,
                       sd);
    an_ref_lrn_backward(t->size, t->alpha, t->beta, t->conv, t->n, t->c, t->h, t->w, xd, sd, dyd,
                        dxd);

    dtensor tx, ty, tdy, tdx;
    int ok = dt_alloc(d, &tx, "x", n, 3) && dt_alloc(d, &ty, "y", n, 7) &&
             dt_alloc(d, &tdy, "dy", n, 2) && dt_alloc(d, &tdx, "dx", n, 9);
    if (ok) {
        dt_set(d, &tx, x);
        dt_set(d, &ty, NULL);
        CHECK_OK(an_lrn_forward(d, &p, t->n, t->c, t->h, t->w, tx.b, ty.b));
        char w2[200];
        dt_get(d, &ty, got, what);
        to_float(yd, ref, n);
        snprintf(w2, sizeof w2, "%s y", what);
        check_close(w2, got, ref, n, 1e-6f, 4e-6f);

        /* Again: the same y, bit for bit. */
        float *again = malloc(n * sizeof *again);
        dt_set(d, &ty, NULL);
        CHECK_OK(an_lrn_forward(d, &p, t->n, t->c, t->h, t->w, tx.b, ty.b));
        dt_get(d, &ty, again, what);
        CHECK(memcmp(again, got, n * sizeof *got) == 0, "%s: a second forward differs", what);
        free(again);

        dt_set(d, &tdy, dy);
        dt_set(d, &tdx, NULL);
        CHECK_OK(an_lrn_backward(d, &p, t->n, t->c, t->h, t->w, tx.b, tdy.b, tdx.b));
        dt_get(d, &tdx, got, what);
        to_float(dxd, ref, n);
        snprintf(w2, sizeof w2, "%s dx", what);
        check_close(w2, got, ref, n, 1e-6f, 1e-5f);
    }
    DT_FREE(&tx.mem, &ty.mem, &tdy.mem, &tdx.mem);
    free(x), free(dy), free(got), free(ref), free(xd), free(yd), free(sd), free(dyd), free(dxd);
}

/* Bad arguments are refused with a message, before anything is enqueued. */
static void check_errors(an_dev *d) {
    an_lrn_params p = an_lrn_paper();
    cl_mem m = NULL;
    CHECK_OK(an_alloc(d, "tiny", 16 * sizeof(float), &m));
    an_buf b = {m, 0};
    CHECK(an_lrn_forward(d, &p, 0, 1, 1, 1, b, b) == AN_ERR_INVALID_ARG, "empty shape");
    p.size = 0;
    CHECK(an_lrn_forward(d, &p, 1, 1, 1, 1, b, b) == AN_ERR_INVALID_ARG, "size 0");
    p = an_lrn_paper();
    p.k = 0;
    CHECK(an_lrn_forward(d, &p, 1, 1, 1, 1, b, b) == AN_ERR_INVALID_ARG, "k = 0");
    p = an_lrn_paper();
    CHECK(an_lrn_backward(d, &p, 1, 1, 1, 1, b, (an_buf){NULL, 0}, b) == AN_ERR_INVALID_ARG &&
              strstr(an_last_error(), "dy"),
          "backward needs dy: %s", an_last_error());
    an_free(&m);
}

int main(int argc, char **argv) {
    int small_only;
    an_dev dev;
    if (!dt_start(argc, argv, &dev, &small_only)) return 1;
    an_lrn_params pp = an_lrn_paper();
    CHECK(pp.size == 5 && pp.k == 2.0f && pp.beta == 0.75f && pp.alpha == 1e-4f &&
              an_lrn_alpha_per_term(&pp) == 1e-4f,
          "the paper's parameters");
    pp.convention = AN_LRN_CAFFE;
    CHECK(an_lrn_alpha_per_term(&pp) == 1e-4f / 5, "per-n alpha");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (cases[i].small || !small_only) run_case(&dev, &cases[i], 1000 + 17 * i);
    check_errors(&dev);
    an_devs_close(&dev, 1);
    return check_done("test_lrn");
}

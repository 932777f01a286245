/* test/test_activation.c - ReLU, bias + ReLU and bias gradients on the device against the double
 * reference, on AlexNet's shapes (4096 and 1000 features, 384×13×13 at batch 2) and odd ones.
 * `--small` keeps to small shapes (for the oclgrind run).
 * Tolerances: ReLU forward/backward exact (a select); bias + ReLU |e| <= 1e-7 + 2e-7|ref| (one
 * float add); bias gradient |e| <= 1e-6*m + 1e-5|ref| for a sum of m terms in [-1, 1]. */
#include "devtest.h"

#include "ops/activation.h"
#include "ref/ref_activation.h"

static an_dev dev;

static void test_relu(size_t n, uint64_t seed) {
    float *x = malloc(n * sizeof *x), *got = malloc(n * sizeof *got);
    check_fill_uniform(x, n, seed, -1, 1);
    double *xd = dt_to_double(x, n), *yd = malloc(n * sizeof *yd);
    an_ref_relu_forward(xd, yd, n);
    float *want = dt_to_float(yd, n);
    char what[64];

    an_buf bx = dt_upload(&dev, x, n), by = dt_upload(&dev, NULL, n);
    CHECK_OK(an_relu_forward(&dev, bx, by, n));
    CHECK_OK(an_read(&dev, by, got, n));
    snprintf(what, sizeof what, "relu_forward n=%zu", n);
    check_close(what, got, want, n, 0, 0);

    CHECK_OK(an_relu_forward(&dev, bx, bx, n)); /* in place */
    CHECK_OK(an_read(&dev, bx, got, n));
    snprintf(what, sizeof what, "relu_forward in place n=%zu", n);
    check_close(what, got, want, n, 0, 0);

    /* backward from the output: bx now holds y */
    float *dy = malloc(n * sizeof *dy);
    check_fill_uniform(dy, n, seed + 1, -1, 1);
    double *dyd = dt_to_double(dy, n), *dxd = malloc(n * sizeof *dxd);
    an_ref_relu_backward(yd, dyd, dxd, n);
    float *wantdx = dt_to_float(dxd, n);
    an_buf bdy = dt_upload(&dev, dy, n), bdx = dt_upload(&dev, NULL, n);
    CHECK_OK(an_relu_backward(&dev, bx, bdy, bdx, n));
    CHECK_OK(an_read(&dev, bdx, got, n));
    snprintf(what, sizeof what, "relu_backward n=%zu", n);
    check_close(what, got, wantdx, n, 0, 0);

    DT_FREE(&bx.mem, &by.mem, &bdy.mem, &bdx.mem);
    free(x), free(got), free(xd), free(yd), free(want), free(dy), free(dyd), free(dxd),
        free(wantdx);
}

/* Bias + ReLU and the bias gradient on [outer][c][inner]; fc selects the FC entry points. */
static void test_bias(size_t outer, size_t c, size_t inner, int fc, uint64_t seed) {
    size_t n = outer * c * inner;
    float *x = malloc(n * sizeof *x), *b = malloc(c * sizeof *b), *got = malloc(n * sizeof *got);
    check_fill_uniform(x, n, seed, -1, 1);
    check_fill_uniform(b, c, seed + 1, -0.5f, 0.5f);
    double *xd = dt_to_double(x, n), *bd = dt_to_double(b, c), *yd = malloc(n * sizeof *yd);
    an_buf bx = dt_upload(&dev, x, n), bb = dt_upload(&dev, b, c), by = dt_upload(&dev, NULL, n);
    char what[96];
    for (int relu = 0; relu < 2; relu++) {
        an_ref_bias_relu_forward(xd, bd, yd, outer, c, inner, relu);
        float *want = dt_to_float(yd, n);
        CHECK_OK(an_fill(&dev, by, NAN, n));
        if (fc) CHECK_OK(an_bias_relu_fc(&dev, bx, bb, by, outer, c, relu));
        else CHECK_OK(an_bias_relu_nchw(&dev, bx, bb, by, outer, c, inner, relu));
        CHECK_OK(an_read(&dev, by, got, n));
        snprintf(what, sizeof what, "bias_relu_%s %zux%zux%zu relu=%d", fc ? "fc" : "nchw", outer,
                 c, inner, relu);
        check_close(what, got, want, n, 1e-7f, 2e-7f);
        free(want);
    }
    /* gradient: x serves as dy */
    double *dbd = malloc(c * sizeof *dbd);
    an_ref_bias_grad(xd, dbd, outer, c, inner);
    float *want = dt_to_float(dbd, c);
    an_buf bdb = dt_upload(&dev, NULL, c);
    if (fc) CHECK_OK(an_bias_grad_fc(&dev, bx, bdb, outer, c));
    else CHECK_OK(an_bias_grad_nchw(&dev, bx, bdb, outer, c, inner));
    CHECK_OK(an_read(&dev, bdb, got, c));
    snprintf(what, sizeof what, "bias_grad_%s %zux%zux%zu", fc ? "fc" : "nchw", outer, c, inner);
    check_close(what, got, want, c, 1e-6f * (float)(outer * inner), 1e-5f);

    DT_FREE(&bx.mem, &bb.mem, &by.mem, &bdb.mem);
    free(x), free(b), free(got), free(xd), free(bd), free(yd), free(dbd), free(want);
}

int main(int argc, char **argv) {
    int small;
    if (!dt_start(argc, argv, &dev, &small)) return 1;
    test_relu(1, 11);
    test_relu(777, 12);
    test_bias(1, 5, 7, 0, 30);
    test_bias(3, 17, 1, 1, 31);
    test_bias(2, 3, 33, 0, 32);
    if (!small) {
        test_relu(2 * 4096, 13);
        test_relu(2 * 384 * 13 * 13, 14);
        test_bias(2, 4096, 1, 1, 33);
        test_bias(1, 1000, 1, 1, 34);
        test_bias(128, 1000, 1, 1, 35);
        test_bias(2, 384, 13 * 13, 0, 36);
        test_bias(2, 96, 55 * 55, 0, 37);
    }
    /* bad arguments are refused, not launched */
    an_buf none = {NULL, 0};
    CHECK(an_relu_forward(&dev, none, none, 10) == AN_ERR_INVALID_ARG, "a missing buffer");
    an_devs_close(&dev, 1);
    return check_done("test_activation");
}

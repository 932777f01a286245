/* test/test_dropout.c - dropout on the device against the double reference: the kernel's Philox
 * masks are bit-identical to the C reference's, the keep rate is 1 - p within 5 sigma, a layer
 * computed as two tower tiles (column offsets) equals the whole layer exactly, inference is the
 * identity, and the backward regenerates the forward's mask; a batch split into row shares
 * (row_offset) equals the whole batch exactly. `--small` keeps to small shapes.
 * Tolerance of values: |e| <= 2.5e-7|ref| (one float multiply by a rounded 1/(1-p)). */
#include "devtest.h"

#include "ops/dropout.h"
#include "ref/ref_dropout.h"

static an_dev dev;

/* Forward (training), mask, keep rate, inference and backward of one rows × cols layer. */
static void test_layer(size_t rows, size_t cols, double p, uint64_t seed, uint32_t step) {
    an_dropout_cfg cfg = {seed, step, 6, p, 0};
    size_t n = rows * cols;
    float *x = malloc(n * sizeof *x), *got = malloc(n * sizeof *got),
          *want = malloc(n * sizeof *want);
    double *xd = malloc(n * sizeof *xd), *yd = malloc(n * sizeof *yd);
    unsigned char *keep = malloc(n);
    check_fill_uniform(x, n, seed, 0.5f, 1.5f); /* never zero: y == 0 exactly when dropped */
    for (size_t i = 0; i < n; i++) xd[i] = x[i];
    char what[96];

    an_ref_dropout_mask(&cfg, keep, rows, cols, cols, 0);
    an_ref_dropout_forward(&cfg, 1, xd, yd, rows, cols, cols, 0);
    for (size_t i = 0; i < n; i++) want[i] = (float)yd[i];
    an_buf bx = dt_upload(&dev, x, n), by = dt_upload(&dev, NULL, n);
    CHECK_OK(an_dropout_forward(&dev, &cfg, 1, bx, by, rows, cols, cols, 0));
    CHECK_OK(an_read(&dev, by, got, n));
    size_t mismatched = 0, kept = 0;
    for (size_t i = 0; i < n; i++) {
        mismatched += (got[i] != 0) != (keep[i] != 0);
        kept += keep[i];
    }
    CHECK(mismatched == 0, "%zux%zu p=%g: %zu mask bits differ from the C reference", rows, cols,
          p, mismatched);
    snprintf(what, sizeof what, "dropout_forward %zux%zu p=%g", rows, cols, p);
    check_close(what, got, want, n, 0, 2.5e-7f);
    double rate = (double)kept / (double)n, sigma = sqrt(p * (1 - p) / (double)n);
    CHECK(fabs(rate - (1 - p)) <= 5 * sigma + 1e-12, "keep rate %.5f, want %.5f +- %.5f", rate,
          1 - p, 5 * sigma);

    /* inference: the identity, into another buffer and in place */
    CHECK_OK(an_fill(&dev, by, NAN, n));
    CHECK_OK(an_dropout_forward(&dev, &cfg, 0, bx, by, rows, cols, cols, 0));
    CHECK_OK(an_read(&dev, by, got, n));
    snprintf(what, sizeof what, "dropout inference %zux%zu", rows, cols);
    check_close(what, got, x, n, 0, 0);
    CHECK_OK(an_dropout_forward(&dev, &cfg, 0, bx, bx, rows, cols, cols, 0));
    CHECK_OK(an_read(&dev, bx, got, n));
    check_close("dropout inference in place", got, x, n, 0, 0);

    /* backward: the same mask, regenerated */
    float *dy = malloc(n * sizeof *dy);
    check_fill_uniform(dy, n, seed + 1, -1, 1);
    for (size_t i = 0; i < n; i++) xd[i] = dy[i];
    an_ref_dropout_backward(&cfg, xd, yd, rows, cols, cols, 0);
    for (size_t i = 0; i < n; i++) want[i] = (float)yd[i];
    an_buf bdy = dt_upload(&dev, dy, n);
    CHECK_OK(an_fill(&dev, by, NAN, n));
    CHECK_OK(an_dropout_backward(&dev, &cfg, bdy, by, rows, cols, cols, 0));
    CHECK_OK(an_read(&dev, by, got, n));
    snprintf(what, sizeof what, "dropout_backward %zux%zu p=%g", rows, cols, p);
    check_close(what, got, want, n, 0, 2.5e-7f);

    /* another step or another layer: another mask */
    an_dropout_cfg other = cfg;
    other.step++;
    CHECK_OK(an_dropout_forward(&dev, &other, 1, bdy, by, rows, cols, cols, 0));
    CHECK_OK(an_read(&dev, by, got, n));
    size_t differ = 0;
    for (size_t i = 0; i < n; i++) differ += (got[i] != 0) != (keep[i] != 0);
    CHECK(n < 64 || p == 0 || differ > 0, "step %u and %u give the same mask", step, step + 1);

    DT_FREE(&bx.mem, &by.mem, &bdy.mem);
    free(x), free(got), free(want), free(xd), free(yd), free(keep), free(dy);
}

/* A rows × f layer computed as two tiles [0, f0) and [f0, f) in separate dense buffers equals the
 * whole layer computed at once, exactly. */
static void test_split(size_t rows, size_t f, size_t f0, double p, uint64_t seed) {
    an_dropout_cfg cfg = {seed, 41, 7, p, 0};
    size_t n = rows * f, f1 = f - f0;
    float *x = malloc(n * sizeof *x), *whole = malloc(n * sizeof *whole);
    float *t0 = malloc(rows * f0 * sizeof *t0), *t1 = malloc(rows * f1 * sizeof *t1);
    check_fill_uniform(x, n, seed, -1, 1);
    for (size_t r = 0; r < rows; r++) {
        memcpy(t0 + r * f0, x + r * f, f0 * sizeof *x);
        memcpy(t1 + r * f1, x + r * f + f0, f1 * sizeof *x);
    }
    an_buf bx = dt_upload(&dev, x, n), by = dt_upload(&dev, NULL, n);
    an_buf b0 = dt_upload(&dev, t0, rows * f0), b1 = dt_upload(&dev, t1, rows * f1);
    CHECK_OK(an_dropout_forward(&dev, &cfg, 1, bx, by, rows, f, f, 0));
    CHECK_OK(an_dropout_forward(&dev, &cfg, 1, b0, b0, rows, f0, f, 0));
    CHECK_OK(an_dropout_forward(&dev, &cfg, 1, b1, b1, rows, f1, f, f0));
    CHECK_OK(an_read(&dev, by, whole, n));
    CHECK_OK(an_read(&dev, b0, t0, rows * f0));
    CHECK_OK(an_read(&dev, b1, t1, rows * f1));
    size_t bad = 0;
    for (size_t r = 0; r < rows; r++) {
        bad += memcmp(t0 + r * f0, whole + r * f, f0 * sizeof *x) != 0;
        bad += memcmp(t1 + r * f1, whole + r * f + f0, f1 * sizeof *x) != 0;
    }
    CHECK(bad == 0, "%zux%zu split at %zu: %zu tile rows differ from the whole layer", rows, f,
          f0, bad);
    DT_FREE(&bx.mem, &by.mem, &b0.mem, &b1.mem);
    free(x), free(whole), free(t0), free(t1);
}

/* A batch of rows split into shares [0, r0) and [r0, rows) (data-parallel ranks), each given
 * its first row as row_offset, equals the whole batch computed at once, exactly: forward and
 * backward. */
static void test_rows(size_t rows, size_t r0, size_t cols, double p, uint64_t seed) {
    an_dropout_cfg cfg = {seed, 12, 5, p, 0}, c1 = cfg;
    c1.row_offset = (uint32_t)r0;
    size_t n = rows * cols, n0 = r0 * cols;
    float *x = malloc(n * sizeof *x), *whole = malloc(n * sizeof *whole),
          *parts = malloc(n * sizeof *parts);
    check_fill_uniform(x, n, seed, 0.5f, 1.5f);
    for (int dir = 0; dir < 2; dir++) {
        an_buf bx = dt_upload(&dev, x, n), by = dt_upload(&dev, NULL, n);
        an_buf b0 = dt_upload(&dev, x, n0), b1 = dt_upload(&dev, x + n0, n - n0);
        if (dir == 0) {
            CHECK_OK(an_dropout_forward(&dev, &cfg, 1, bx, by, rows, cols, cols, 0));
            CHECK_OK(an_dropout_forward(&dev, &cfg, 1, b0, b0, r0, cols, cols, 0));
            CHECK_OK(an_dropout_forward(&dev, &c1, 1, b1, b1, rows - r0, cols, cols, 0));
        } else {
            CHECK_OK(an_dropout_backward(&dev, &cfg, bx, by, rows, cols, cols, 0));
            CHECK_OK(an_dropout_backward(&dev, &cfg, b0, b0, r0, cols, cols, 0));
            CHECK_OK(an_dropout_backward(&dev, &c1, b1, b1, rows - r0, cols, cols, 0));
        }
        CHECK_OK(an_read(&dev, by, whole, n));
        CHECK_OK(an_read(&dev, b0, parts, n0));
        CHECK_OK(an_read(&dev, b1, parts + n0, n - n0));
        CHECK(memcmp(whole, parts, n * sizeof *x) == 0,
              "%s %zux%zu split at row %zu: the shares differ from the whole batch",
              dir ? "backward" : "forward", rows, cols, r0);
        DT_FREE(&bx.mem, &by.mem, &b0.mem, &b1.mem);
    }
    /* and the reference agrees on the second share's mask */
    unsigned char *k_whole = malloc(n), *k1 = malloc(n - n0);
    an_ref_dropout_mask(&cfg, k_whole, rows, cols, cols, 0);
    an_ref_dropout_mask(&c1, k1, rows - r0, cols, cols, 0);
    CHECK(memcmp(k_whole + n0, k1, n - n0) == 0, "reference mask with row_offset %zu", r0);
    free(x), free(whole), free(parts), free(k_whole), free(k1);
}

/* A small tile far into a huge layer: element indexes above 2^32 use the counter's high word. */
static void test_far(void) {
    an_dropout_cfg cfg = {77, 3, 8, 0.5, 0};
    size_t rows = 4, cols = 40, layer_cols = (size_t)3 << 30, col_offset = layer_cols - cols;
    size_t n = rows * cols;
    float x[160], got[160];
    unsigned char keep[160];
    check_fill_uniform(x, n, 12, 0.5f, 1.5f);
    an_ref_dropout_mask(&cfg, keep, rows, cols, layer_cols, col_offset);
    an_buf bx = dt_upload(&dev, x, n), by = dt_upload(&dev, NULL, n);
    CHECK_OK(an_dropout_forward(&dev, &cfg, 1, bx, by, rows, cols, layer_cols, col_offset));
    CHECK_OK(an_read(&dev, by, got, n));
    size_t mismatched = 0;
    for (size_t i = 0; i < n; i++) mismatched += (got[i] != 0) != (keep[i] != 0);
    CHECK(mismatched == 0, "indexes above 2^32: %zu mask bits differ from the C reference",
          mismatched);
    an_free(&bx.mem);
    an_free(&by.mem);
}

int main(int argc, char **argv) {
    int small;
    if (!dt_start(argc, argv, &dev, &small)) return 1;
    test_layer(1, 1, 0.5, 1, 0);
    test_layer(3, 17, 0.3, 2, 5);
    test_layer(2, 4096, 0.5, 0x123456789abcdefull, 100);
    test_layer(1, 999, 0.0, 4, 1);
    test_split(3, 21, 10, 0.5, 5);
    test_rows(8, 4, 19, 0.5, 6);
    test_far();
    if (!small) {
        test_layer(128, 4096, 0.5, 0xfeedfacecafebeefull, 7);
        test_layer(2, 1000, 0.9, 8, 3);
        test_layer(1, 9216, 0.5, 9, 2);
        test_split(2, 4096, 2048, 0.5, 10);
        test_split(5, 1001, 500, 0.5, 11);
    }
    an_buf none = {NULL, 0};
    an_dropout_cfg bad = {1, 0, 0, 1.0, 0};
    CHECK(an_dropout_forward(&dev, &bad, 1, none, none, 1, 1, 1, 0) == AN_ERR_INVALID_ARG,
          "p = 1 is refused");
    an_devs_close(&dev, 1);
    return check_done("test_dropout");
}

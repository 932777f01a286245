/* test/test_gemv.c - the small-batch fc forward (an_gemv_fc: x · Wᵀ + bias, then ReLU) and the
 * copy kernel against the double reference (ref_gemm, then an_ref_bias_relu_forward), on
 * AlexNet's fc shapes and on odd ones: k not a multiple of the vector width, m not a multiple
 * of the rows per work-group, leading dimensions over the widths, offsets, 1 to AN_GEMV_MAX_N
 * rows. Outputs start as NaN; the gaps between y's rows and the guards after y must stay NaN.
 * Both kernel layouts run (ALEXNET_GEMV_WG). `--small` keeps to small shapes (for the oclgrind
 * run). `--bench` instead times the GEMV against the GEMM + bias of the fc forward it replaces,
 * alternating, on AlexNet's fc shapes at 1 to AN_GEMV_MAX_N images: the measurement behind
 * an_gemv_max_n's default.
 * Tolerance: |e| <= 1e-6 k + 1e-5 |ref| for a sum of k products of numbers in [-1, 1]. */
#include "devtest.h"

#include "ops/activation.h"
#include "ops/gemm.h"
#include "ops/gemv.h"
#include "util/clock.h"
#include "ref/ref_activation.h"
#include "ref/ref_gemm.h"

static an_dev dev;

/* pad: extra floats per row of x, w and y; off: the tensors' offsets. */
static void test_fc(size_t n, size_t m, size_t k, size_t pad, size_t off, int bias, uint64_t seed) {
    size_t ldx = k + pad, ldw = k + pad, ldy = m + pad;
    size_t nx = (n - 1) * ldx + k, nw = (m - 1) * ldw + k, ny = (n - 1) * ldy + m;
    float *x = dt_rand_floats(nx, seed), *w = dt_rand_floats(nw, seed + 1);
    float *b = dt_rand_floats(m, seed + 2), *got = malloc(ny * sizeof *got);
    double *xd = dt_to_double(x, nx), *wd = dt_to_double(w, nw), *bd = dt_to_double(b, m);
    double *acc = malloc(n * m * sizeof *acc), *yd = malloc(n * m * sizeof *yd);
    for (size_t i = 0; i < m; i++) bd[i] = bias ? bd[i] : 0.0;
    ref_gemm(0, 1, n, m, k, 1.0, xd, ldx, wd, ldw, 0.0, acc, m);
    dtensor tx, tw, tb, ty;
    dt_alloc(&dev, &tx, "x", nx, off);
    dt_alloc(&dev, &tw, "w", nw, off + 1);
    dt_alloc(&dev, &tb, "b", m, off + 2);
    dt_alloc(&dev, &ty, "y", ny, off + 3);
    dt_set(&dev, &tx, x);
    dt_set(&dev, &tw, w);
    dt_set(&dev, &tb, b);
    for (int relu = 0; relu < 2; relu++) {
        an_ref_bias_relu_forward(acc, bd, yd, n, m, 1, relu);
        float *want = dt_to_float(yd, n * m), *rows = malloc(n * m * sizeof *rows);
        char what[128];
        snprintf(what, sizeof what, "gemv_fc n=%zu m=%zu k=%zu pad=%zu off=%zu bias=%d relu=%d",
                 n, m, k, pad, off, bias, relu);
        dt_set(&dev, &ty, NULL);
        an_buf nb = {NULL, 0};
        CHECK_OK(an_gemv_fc(&dev, n, m, k, tx.b, ldx, tw.b, ldw, bias ? tb.b : nb, relu, ty.b,
                            ldy));
        dt_get(&dev, &ty, got, what);
        size_t gaps = 0;
        for (size_t r = 0; r < n; r++) {
            memcpy(rows + r * m, got + r * ldy, m * sizeof *rows);
            for (size_t j = m; r + 1 < n && j < ldy; j++) gaps += !isnan(got[r * ldy + j]);
        }
        CHECK(gaps == 0, "%s: %zu elements between rows were written", what, gaps);
        check_close(what, rows, want, n * m, 1e-6f * (float)k, 1e-5f);
        free(want);
        free(rows);
    }
    an_free(&tx.mem);
    an_free(&tw.mem);
    an_free(&tb.mem);
    an_free(&ty.mem);
    free(x), free(w), free(b), free(got), free(xd), free(wd), free(bd), free(acc), free(yd);
}

static void test_copy(size_t n, uint64_t seed) {
    float *x = dt_rand_floats(n, seed), *got = malloc(n * sizeof *got);
    an_buf bx = dt_upload(&dev, x, n), by = dt_upload(&dev, NULL, n);
    CHECK_OK(an_copy_floats(&dev, bx.mem, by.mem, n));
    CHECK_OK(an_read(&dev, by, got, n));
    char what[64];
    snprintf(what, sizeof what, "copy_floats n=%zu", n);
    check_close(what, got, x, n, 0, 0);
    an_free(&bx.mem);
    an_free(&by.mem);
    free(x), free(got);
}

/* Median of REPS alternating timings (wall, after a finish) of each path; prints the ratio. */
#define REPS 15
static int by_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void bench_fc(size_t n, size_t m, size_t k) {
    an_buf x = dt_upload(&dev, NULL, n * k), w = dt_upload(&dev, NULL, m * k);
    an_buf b = dt_upload(&dev, NULL, m), y = dt_upload(&dev, NULL, n * m);
    CHECK_OK(an_fill(&dev, x, 0.5f, n * k));
    CHECK_OK(an_fill(&dev, w, 0.25f, m * k));
    CHECK_OK(an_fill(&dev, b, 0.125f, m));
    double t[2][REPS];
    for (int r = -1; r < REPS; r++)
        for (int p = 0; p < 2; p++) {
            CHECK_OK(an_finish(&dev));
            double t0 = an_now_s();
            if (p == 0) {
                CHECK_OK(an_gemv_fc(&dev, n, m, k, x, k, w, k, b, 1, y, m));
            } else {
                CHECK_OK(an_gemm(&dev, 0, 1, n, m, k, 1.0f, x, k, w, k, 0.0f, y, m));
                CHECK_OK(an_bias_relu_fc(&dev, y, b, y, n, m, 1));
            }
            CHECK_OK(an_finish(&dev));
            if (r >= 0) t[p][r] = an_now_s() - t0;
        }
    qsort(t[0], REPS, sizeof(double), by_double);
    qsort(t[1], REPS, sizeof(double), by_double);
    double gv = t[0][REPS / 2], gm = t[1][REPS / 2];
    printf("n=%zu %zux%zu: gemv %.3f ms (%.1f GB/s of weights), gemm+bias %.3f ms: gemm/gemv "
           "%.2f\n",
           n, m, k, gv * 1e3, (double)(m * k * sizeof(float)) / gv / 1e9, gm * 1e3, gm / gv);
    an_free(&x.mem);
    an_free(&w.mem);
    an_free(&b.mem);
    an_free(&y.mem);
}

int main(int argc, char **argv) {
    int small = argc > 1 && strcmp(argv[1], "--small") == 0;
    if (!dt_open(&dev, 1)) return 1;
    if (argc > 1 && strcmp(argv[1], "--bench") == 0) {
        for (size_t n = 1; n <= AN_GEMV_MAX_N; n *= 2) {
            bench_fc(n, 4096, 9216);
            bench_fc(n, 4096, 4096);
            bench_fc(n, 1000, 4096);
        }
        an_devs_close(&dev, 1);
        return 0;
    }
    for (int layout = 0; layout < 3; layout++) { /* the device's own, then both forced */
        if (layout) setenv("ALEXNET_GEMV_WG", layout == 1 ? "1" : "64", 1);
        for (size_t n = 1; n <= AN_GEMV_MAX_N; n++) test_fc(n, 13, 37, 0, 0, 1, 10 + n);
        test_fc(1, 1, 1, 0, 0, 1, 20);
        test_fc(2, 9, 64, 3, 5, 0, 21);
        test_fc(3, 17, 70, 1, 2, 1, 22);
        test_fc(1, 5, 131, 2, 7, 1, 23);
        if (!small) test_fc(2, 300, 1029, 0, 0, 1, 24);
    }
    unsetenv("ALEXNET_GEMV_WG");
    test_copy(1, 40);
    test_copy(1000, 41);
    if (!small) {
        test_fc(1, 4096, 9216, 0, 0, 1, 30);
        test_fc(1, 4096, 4096, 0, 0, 1, 31);
        test_fc(1, 1000, 4096, 0, 0, 1, 32);
        test_fc(4, 1000, 4096, 0, 0, 1, 33);
        test_fc(AN_GEMV_MAX_N, 515, 1029, 3, 1, 1, 34);
        test_copy(1 << 20, 42);
    }
    /* bad arguments are refused, not launched */
    an_buf none = {NULL, 0};
    CHECK(an_gemv_fc(&dev, 1, 4, 4, none, 4, none, 4, none, 0, none, 4) == AN_ERR_INVALID_ARG,
          "a missing buffer");
    CHECK(an_gemv_fc(&dev, AN_GEMV_MAX_N + 1, 4, 4, none, 4, none, 4, none, 0, none, 4) ==
              AN_ERR_INVALID_ARG,
          "too many rows");
    an_devs_close(&dev, 1);
    return check_done("test_gemv");
}

/* test/test_ref_misc.c - the double references of activation, dropout, softmax cross-entropy
 * (plain and label-smoothed), SGD and concat proven on their own: Philox4x32-10 against the
 * published known answers (Random123's kat_vectors), every backward against central finite
 * differences of a scalar loss L = sum(w * y) (|e| <= 1e-7 + 1e-6|ref|), split as concat's
 * adjoint, SGD, ranks and a smoothed loss against hand computations, and large logits staying
 * finite. */
#include "check.h"

#include "ref/philox.h"
#include "ref/ref_activation.h"
#include "ref/ref_concat.h"
#include "ref/ref_dropout.h"
#include "ref/ref_sgd.h"
#include "ref/ref_softmax.h"

#define FD_H 1e-5

static void fill(double *x, size_t n, uint64_t seed, double lo, double hi) {
    for (size_t i = 0; i < n; i++) x[i] = check_rand_uniform(&seed, (float)lo, (float)hi);
}

/* Values in [-1, 1] at least 0.05 away from 0, so that ReLU's kink is out of the FD's reach. */
static void fill_away_from_zero(double *x, size_t n, uint64_t seed) {
    fill(x, n, seed, -1, 1);
    for (size_t i = 0; i < n; i++)
        if (fabs(x[i]) < 0.05) x[i] += x[i] < 0 ? -0.1 : 0.1;
}

static double dot(const double *a, const double *b, size_t n) {
    double s = 0;
    for (size_t i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

static void expect_close(const char *what, const double *got, const double *want, size_t n) {
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        double e = fabs(got[i] - want[i]);
        if (!(e <= 1e-7 + 1e-6 * fabs(want[i]))) {
            if (bad < 5)
                fprintf(stderr, "  %s[%zu]: %.10g, want %.10g\n", what, i, got[i], want[i]);
            bad++;
        }
    }
    CHECK(bad == 0, "%s: %zu of %zu out of tolerance", what, bad, n);
}

static void test_philox(void) {
    static const uint32_t kat[3][10] = {
        {0, 0, 0, 0, 0, 0, 0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8},
        {0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0x408f276d,
         0x41c83b0e, 0xa20bc7c6, 0x6d5451fd},
        {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, 0xd16cfe09,
         0x94fdcceb, 0x5001e420, 0x24126ea1}};
    for (int t = 0; t < 3; t++) {
        uint32_t out[4];
        an_philox4x32_10(kat[t], kat[t] + 4, out);
        CHECK(memcmp(out, kat[t] + 6, sizeof out) == 0,
              "philox4x32_10 known answer %d: %08x %08x %08x %08x", t, out[0], out[1], out[2],
              out[3]);
    }
    CHECK(an_dropout_threshold(0) == 0 && an_dropout_threshold(0.5) == 0x80000000u &&
              an_dropout_threshold(0.25) == 0x40000000u,
          "dropout thresholds");
    /* the element layout: lanes of one counter, then the next counter */
    an_dropout_cfg c = {0x299f31d0a4093822ull, 0x13198a2e, 0x03707344, 0.5, 0};
    uint32_t ctr[4] = {0x243f6a88, 0x05a308d3, 0x13198a2e, 0x03707344}, key[2] = {0xa4093822,
                                                                                 0x299f31d0};
    uint32_t out[4];
    an_philox4x32_10(ctr, key, out);
    uint64_t e = ((uint64_t)0x05a308d3 << 34) | ((uint64_t)0x243f6a88 << 2);
    CHECK(an_dropout_bits(&c, e) == out[0] && an_dropout_bits(&c, e + 3) == out[3],
          "element e uses counter e/4, lane e%%4");
}

static void test_relu_fd(void) {
    enum { N = 40 };
    double x[N], y[N], w[N], dx[N], fd[N];
    fill_away_from_zero(x, N, 1);
    fill(w, N, 2, -1, 1);
    an_ref_relu_forward(x, y, N);
    an_ref_relu_backward(y, w, dx, N);
    for (int i = 0; i < N; i++) {
        double s = x[i], lp, lm;
        x[i] = s + FD_H;
        an_ref_relu_forward(x, y, N);
        lp = dot(w, y, N);
        x[i] = s - FD_H;
        an_ref_relu_forward(x, y, N);
        lm = dot(w, y, N);
        x[i] = s;
        fd[i] = (lp - lm) / (2 * FD_H);
    }
    expect_close("relu dx vs fd", dx, fd, N);
}

/* Bias + ReLU on [outer][c][inner]: dL/db = bias_grad(relu_backward(w)), dL/dx likewise. */
static void test_bias_fd(size_t outer, size_t c, size_t inner, int relu) {
    size_t n = outer * c * inner;
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y), *w = malloc(n * sizeof *w),
           *g = malloc(n * sizeof *g), *b = malloc(c * sizeof *b), *db = malloc(c * sizeof *db),
           *fd = malloc((n > c ? n : c) * sizeof *fd);
    fill_away_from_zero(x, n, 3);
    fill(b, c, 4, -0.02, 0.02); /* small: x + b stays away from 0 */
    fill(w, n, 5, -1, 1);
    an_ref_bias_relu_forward(x, b, y, outer, c, inner, relu);
    if (relu) an_ref_relu_backward(y, w, g, n);
    else memcpy(g, w, n * sizeof *g);
    an_ref_bias_grad(g, db, outer, c, inner);
    double *v[2] = {b, x};
    size_t len[2] = {c, n};
    for (int which = 0; which < 2; which++) {
        for (size_t i = 0; i < len[which]; i++) {
            double s = v[which][i], lp, lm;
            v[which][i] = s + FD_H;
            an_ref_bias_relu_forward(x, b, y, outer, c, inner, relu);
            lp = dot(w, y, n);
            v[which][i] = s - FD_H;
            an_ref_bias_relu_forward(x, b, y, outer, c, inner, relu);
            lm = dot(w, y, n);
            v[which][i] = s;
            fd[i] = (lp - lm) / (2 * FD_H);
        }
        char what[64];
        snprintf(what, sizeof what, "bias_relu %zux%zux%zu relu=%d d%s", outer, c, inner, relu,
                 which ? "x" : "b");
        expect_close(what, which ? g : db, fd, len[which]);
    }
    free(x), free(y), free(w), free(g), free(b), free(db), free(fd);
}

static void test_dropout_fd(void) {
    enum { R = 3, C = 11, LC = 30, CO = 7 };
    an_dropout_cfg cfg = {42, 9, 2, 0.4, 0};
    double x[R * C], y[R * C], w[R * C], dx[R * C], fd[R * C];
    fill(x, R * C, 6, -1, 1);
    fill(w, R * C, 7, -1, 1);
    an_ref_dropout_backward(&cfg, w, dx, R, C, LC, CO);
    for (int i = 0; i < R * C; i++) {
        double s = x[i], lp, lm;
        x[i] = s + FD_H;
        an_ref_dropout_forward(&cfg, 1, x, y, R, C, LC, CO);
        lp = dot(w, y, R * C);
        x[i] = s - FD_H;
        an_ref_dropout_forward(&cfg, 1, x, y, R, C, LC, CO);
        lm = dot(w, y, R * C);
        x[i] = s;
        fd[i] = (lp - lm) / (2 * FD_H);
    }
    expect_close("dropout dx vs fd", dx, fd, R * C);
    unsigned char keep[R * C];
    an_ref_dropout_mask(&cfg, keep, R, C, LC, CO);
    int kept = 0;
    for (int i = 0; i < R * C; i++) kept += keep[i];
    CHECK(kept > 0 && kept < R * C, "a mask of 33 at p = 0.4 keeps some, drops some: %d", kept);
    an_ref_dropout_forward(&cfg, 0, x, y, R, C, LC, CO);
    CHECK(memcmp(x, y, sizeof x) == 0, "inference is the identity");
}

static void test_softmax_fd(size_t n, size_t k, double range, double eps) {
    double *x = malloc(n * k * sizeof *x), *g = malloc(n * k * sizeof *g),
           *fd = malloc(n * k * sizeof *fd), *p = malloc(n * k * sizeof *p);
    int *labels = malloc(n * sizeof *labels);
    uint64_t s = 8;
    fill(x, n * k, 9, -range, range);
    for (size_t r = 0; r < n; r++) labels[r] = (int)(check_rand_u64(&s) % k);
    an_ref_softmax_xent_smooth(x, labels, n, k, eps, p, g, NULL, NULL);
    for (size_t i = 0; i < n * k; i++) {
        double v = x[i];
        x[i] = v + FD_H;
        double lp = an_ref_softmax_xent_smooth(x, labels, n, k, eps, NULL, NULL, NULL, NULL).mean_loss;
        x[i] = v - FD_H;
        double lm = an_ref_softmax_xent_smooth(x, labels, n, k, eps, NULL, NULL, NULL, NULL).mean_loss;
        x[i] = v;
        fd[i] = (lp - lm) / (2 * FD_H);
    }
    char what[80];
    snprintf(what, sizeof what, "softmax xent %zux%zu eps %g dlogits vs fd", n, k, eps);
    expect_close(what, g, fd, n * k);
    double *q = malloc(n * k * sizeof *q);
    an_ref_softmax(x, q, n, k);
    expect_close("softmax == xent's prob", q, p, n * k);
    free(x), free(g), free(fd), free(p), free(labels), free(q);
}

static void test_softmax_cases(void) {
    /* ranks with ties: class j is before the label if greater, or equal with a lower index */
    const double x[4] = {1, 3, 3, 2};
    const int l1[1] = {2}, l2[1] = {1}, l3[1] = {0};
    size_t rank;
    an_ref_softmax_xent(x, l1, 1, 4, NULL, NULL, NULL, &rank);
    CHECK(rank == 1, "tie after a lower index: rank %zu", rank);
    an_ref_softmax_xent(x, l2, 1, 4, NULL, NULL, NULL, &rank);
    CHECK(rank == 0, "tie with a higher index: rank %zu", rank);
    an_ref_softmax_xent(x, l3, 1, 4, NULL, NULL, NULL, &rank);
    CHECK(rank == 3, "lowest: rank %zu", rank);
    an_ref_xent_stats st = an_ref_softmax_xent(x, l3, 1, 4, NULL, NULL, NULL, NULL);
    double want = log(exp(1.0) + 2 * exp(3.0) + exp(2.0)) - 1;
    CHECK(fabs(st.mean_loss - want) < 1e-12 && st.top1 == 0 && st.top5 == 1,
          "loss %.15g want %.15g, top1 %zu top5 %zu", st.mean_loss, want, st.top1, st.top5);
    /* label smoothing 0.3 over 4 classes: sum_j q_j (-log p_j) with q = 0.7 onehot + 0.075 */
    double lse = log(exp(1.0) + 2 * exp(3.0) + exp(2.0)), sm = 0;
    for (int j = 0; j < 4; j++) sm += ((j == 0 ? 0.7 : 0.0) + 0.075) * (lse - x[j]);
    size_t rank_s;
    st = an_ref_softmax_xent_smooth(x, l3, 1, 4, 0.3, NULL, NULL, NULL, &rank_s);
    CHECK(fabs(st.mean_loss - sm) < 1e-12 && rank_s == 3 && st.top5 == 1,
          "smoothed loss %.15g want %.15g, rank %zu", st.mean_loss, sm, rank_s);
    /* ±1000: finite, the exact answer */
    const double big[3] = {1000, -1000, 999};
    const int lb[1] = {2};
    double p[3];
    st = an_ref_softmax_xent(big, lb, 1, 3, p, NULL, NULL, NULL);
    want = log(1 + exp(-2000.0) + exp(-1.0)) + 1;
    CHECK(isfinite(st.mean_loss) && fabs(st.mean_loss - want) < 1e-12 && isfinite(p[0]) &&
              fabs(p[0] + p[1] + p[2] - 1) < 1e-15,
          "logits of +-1000: loss %.15g want %.15g", st.mean_loss, want);
}

static void test_sgd(void) {
    double w[6] = {1, 1, 1, 1, 1, 1}, g[6] = {0.5, 0.5, 0.5, 0.5, 0.5, 0.5},
           v[6] = {0.2, 0.2, 0.2, 0.2, 0.2, 0.2};
    an_ref_sgd_segment segs[2] = {{0, 2, 1, 1}, {3, 2, 2, 0}};
    an_ref_sgd_step(segs, 2, w, g, v, 0.1, 0.9, 0.01);
    /* weights: v = 0.18 - 0.01*0.1*1 - 0.1*0.5 = 0.129; biases: v = 0.18 - 0 - 0.2*0.5 = 0.08 */
    CHECK(fabs(v[0] - 0.129) < 1e-15 && fabs(w[1] - 1.129) < 1e-15, "weight update %g %g", v[0],
          w[1]);
    CHECK(fabs(v[3] - 0.08) < 1e-15 && fabs(w[4] - 1.08) < 1e-15, "bias update %g %g", v[3],
          w[4]);
    CHECK(w[2] == 1 && v[2] == 0.2 && w[5] == 1 && v[5] == 0.2, "gaps untouched");
}

/* <concat(a, b), y> = <a, split(y).a> + <b, split(y).b>: split is concat's backward. */
static void test_concat_adjoint(size_t n, size_t ca, size_t cb, size_t hw) {
    size_t na = n * ca * hw, nb = n * cb * hw, ny = na + nb;
    double *a = malloc(na * sizeof *a), *b = malloc(nb * sizeof *b), *y = malloc(ny * sizeof *y),
           *c = malloc(ny * sizeof *c), *sa = malloc(na * sizeof *sa),
           *sb = malloc(nb * sizeof *sb);
    fill(a, na, 10, -1, 1);
    fill(b, nb, 11, -1, 1);
    fill(y, ny, 12, -1, 1);
    an_ref_concat_channels(a, ca, b, cb, c, n, hw);
    an_ref_split_channels(y, sa, ca, sb, cb, n, hw, 0);
    double lhs = dot(c, y, ny), rhs = dot(a, sa, na) + dot(b, sb, nb);
    CHECK(fabs(lhs - rhs) <= 1e-12 * (1 + fabs(lhs)), "concat adjoint %zux(%zu+%zu)x%zu: %g %g",
          n, ca, cb, hw, lhs, rhs);
    /* and split undoes concat */
    an_ref_split_channels(c, sa, ca, sb, cb, n, hw, 0);
    CHECK(memcmp(sa, a, na * sizeof *a) == 0 && memcmp(sb, b, nb * sizeof *b) == 0,
          "split(concat(a, b)) == (a, b)");
    free(a), free(b), free(y), free(c), free(sa), free(sb);
}

int main(void) {
    test_philox();
    test_relu_fd();
    test_bias_fd(3, 4, 5, 1);
    test_bias_fd(2, 7, 1, 0);
    test_bias_fd(1, 3, 9, 0);
    test_dropout_fd();
    test_softmax_fd(3, 7, 3, 0);
    test_softmax_fd(1, 1, 3, 0);
    test_softmax_fd(2, 10, 30, 0);
    test_softmax_fd(3, 10, 3, 0.1);
    test_softmax_fd(2, 7, 30, 0.3);
    test_softmax_fd(1, 1, 3, 0.3);
    test_softmax_cases();
    test_sgd();
    test_concat_adjoint(2, 3, 5, 7);
    test_concat_adjoint(3, 4, 2, 1);
    return check_done("test_ref_misc");
}

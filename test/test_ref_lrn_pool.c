/* test/test_ref_lrn_pool.c - proves the CPU references of LRN and pooling (host/ref) that the
 * OpenCL tests trust:
 *  - every backward against a central finite difference of its forward, in double, on random
 *    inputs (max pooling: random inputs have no ties within a window);
 *  - every forward and backward against PyTorch 1.13 (float64) through checksums
 *    sum(y*wt) and sum(dx*wt) for the dy below, computed once with /usr/bin/python3 from
 *    torch.nn.functional (local_response_norm, max_pool2d, avg_pool2d, adaptive_avg_pool2d);
 *  - the two alpha conventions against each other, a hand-computed value, and the max pooling
 *    tie and NaN rules. */
#include <math.h>

#include "check.h"
#include "ref/ref_lrn.h"
#include "ref/ref_pool.h"

/* The deterministic sequences the PyTorch checksums were computed with. */
static double seq_x(size_t i) { return 1.5 * sin(0.37 * i + 0.1) + 0.2 * cos(1.3 * i); }
static double seq_wt(size_t i) { return cos(0.71 * i + 0.3); }
static double seq_dy(size_t i) { return sin(0.53 * i + 0.7); }

enum { OP_LRN, OP_MAX, OP_AVG, OP_ADAPTIVE };

/* One op on one shape: for LRN a = size, alpha, beta, k (PyTorch's convention); for windowed
 * pools a = kh, kw, sh, sw, ph, pw; for adaptive a = oh, ow. */
typedef struct op_case {
    const char *name;
    int op;
    double a[6];
    double torch_fwd, torch_bwd; /* PyTorch's sum(y*wt), sum(dx*wt) on 2x7x3x4 (LRN), 2x3x9x8 */
} op_case;

static const op_case cases[] = {
    {"lrn size 5", OP_LRN, {5, 0.7, 0.75, 1.3}, -0.17331845948326852, -1.7831932527126986},
    {"lrn size 4", OP_LRN, {4, 0.7, 0.75, 1.3}, -0.28046592950009586, -1.6014896376391126},
    {"lrn size 9", OP_LRN, {9, 0.7, 0.75, 1.3}, -0.19507862600316855, -1.5548672897071141},
    {"lrn size 1", OP_LRN, {1, 0.7, 0.75, 1.3}, 0.23945288134966974, -1.7642520626519449},
    {"maxpool 3x3/2 pad 1", OP_MAX, {3, 3, 2, 2, 1, 1}, -0.61192566318485397,
     -0.21852646393701414},
    {"maxpool 2x3/(1,2) pad (1,0)", OP_MAX, {2, 3, 1, 2, 1, 0}, -0.10698306401076163,
     -3.5448653416734413},
    {"avgpool 3x3/2 pad 1", OP_AVG, {3, 3, 2, 2, 1, 1}, -2.5812615672886006,
     -0.38021322201362595},
    {"avgpool 2x3/(2,1) pad (1,1)", OP_AVG, {2, 3, 2, 1, 1, 1}, 0.054069715269129071,
     -8.2273611451553652},
    {"adaptive 4x3", OP_ADAPTIVE, {4, 3}, -1.143384718964755, -0.67035847391475412},
    {"adaptive 5x11", OP_ADAPTIVE, {5, 11}, 0.16203157669269436, 1.2208512668065588},
    {"adaptive 6x6", OP_ADAPTIVE, {6, 6}, 0.065753092773887606, -1.5399824932639514},
};

typedef struct shape {
    int n, c, h, w;
} shape;

static shape case_shape(const op_case *t) {
    shape s = {2, 7, 3, 4};
    if (t->op != OP_LRN) s = (shape){2, 3, 9, 8};
    return s;
}

static size_t out_count(const op_case *t, shape s) {
    const double *a = t->a;
    switch (t->op) {
    case OP_LRN: return (size_t)s.n * s.c * s.h * s.w;
    case OP_ADAPTIVE: return (size_t)s.n * s.c * (int)a[0] * (int)a[1];
    default:
        return (size_t)s.n * s.c * an_ref_pool_out(s.h, (int)a[0], (int)a[2], (int)a[4]) *
               an_ref_pool_out(s.w, (int)a[1], (int)a[3], (int)a[5]);
    }
}

/* y = op(x); scale and argmax are the forward's saved state (sized for the larger case). */
static void forward(const op_case *t, shape s, const double *x, double *y, double *scale,
                    int *argmax) {
    const double *a = t->a;
    int i[6];
    for (int j = 0; j < 6; j++) i[j] = (int)a[j];
    switch (t->op) {
    case OP_LRN:
        an_ref_lrn_forward(i[0], a[1], a[2], a[3], AN_LRN_CAFFE, s.n, s.c, s.h, s.w, x, y, scale);
        break;
    case OP_MAX:
        an_ref_maxpool_forward(s.n, s.c, s.h, s.w, i[0], i[1], i[2], i[3], i[4], i[5], x, y,
                               argmax);
        break;
    case OP_AVG:
        an_ref_avgpool_forward(s.n, s.c, s.h, s.w, i[0], i[1], i[2], i[3], i[4], i[5], x, y);
        break;
    default: an_ref_adaptive_avgpool_forward(s.n, s.c, s.h, s.w, i[0], i[1], x, y);
    }
}

static void backward(const op_case *t, shape s, const double *x, const double *scale,
                     const int *argmax, const double *dy, double *dx) {
    const double *a = t->a;
    int i[6];
    for (int j = 0; j < 6; j++) i[j] = (int)a[j];
    switch (t->op) {
    case OP_LRN:
        an_ref_lrn_backward(i[0], a[1], a[2], AN_LRN_CAFFE, s.n, s.c, s.h, s.w, x, scale, dy, dx);
        break;
    case OP_MAX:
        an_ref_maxpool_backward(s.n, s.c, s.h, s.w, i[0], i[1], i[2], i[3], i[4], i[5], argmax,
                                dy, dx);
        break;
    case OP_AVG:
        an_ref_avgpool_backward(s.n, s.c, s.h, s.w, i[0], i[1], i[2], i[3], i[4], i[5], dy, dx);
        break;
    default: an_ref_adaptive_avgpool_backward(s.n, s.c, s.h, s.w, i[0], i[1], dy, dx);
    }
}

#define MAXN 2048

static double dot(const double *a, double (*f)(size_t), size_t n) {
    double s = 0;
    for (size_t i = 0; i < n; i++) s += a[i] * f(i);
    return s;
}

/* The op against PyTorch's checksums. */
static void check_torch(const op_case *t) {
    static double x[MAXN], y[MAXN], scale[MAXN], dy[MAXN], dx[MAXN];
    static int argmax[MAXN];
    shape s = case_shape(t);
    size_t n = (size_t)s.n * s.c * s.h * s.w, m = out_count(t, s);
    CHECK(n <= MAXN && m <= MAXN, "%s: case too large", t->name);
    if (n > MAXN || m > MAXN) return;
    for (size_t i = 0; i < n; i++) x[i] = seq_x(i);
    for (size_t i = 0; i < m; i++) dy[i] = seq_dy(i);
    forward(t, s, x, y, scale, argmax);
    backward(t, s, x, scale, argmax, dy, dx);
    double f = dot(y, seq_wt, m), b = dot(dx, seq_wt, n);
    CHECK(fabs(f - t->torch_fwd) <= 1e-12 * (1 + fabs(t->torch_fwd)),
          "%s forward: %.17g, PyTorch %.17g", t->name, f, t->torch_fwd);
    CHECK(fabs(b - t->torch_bwd) <= 1e-12 * (1 + fabs(t->torch_bwd)),
          "%s backward: %.17g, PyTorch %.17g", t->name, b, t->torch_bwd);
}

/* dL/dx from the backward against central differences of L = sum(r*y), r random. */
static void check_gradient(const op_case *t, uint64_t seed) {
    static double x[MAXN], y[MAXN], scale[MAXN], r[MAXN], dx[MAXN];
    static int argmax[MAXN];
    shape s = case_shape(t);
    size_t n = (size_t)s.n * s.c * s.h * s.w, m = out_count(t, s);
    for (size_t i = 0; i < n; i++) x[i] = check_rand_uniform(&seed, -2, 2);
    for (size_t i = 0; i < m; i++) r[i] = check_rand_uniform(&seed, -1, 1);
    forward(t, s, x, y, scale, argmax);
    backward(t, s, x, scale, argmax, r, dx);
    const double eps = 1e-6;
    size_t bad = 0;
    double maxerr = 0;
    for (size_t i = 0; i < n; i++) {
        double keep = x[i], lp = 0, lm = 0;
        x[i] = keep + eps;
        forward(t, s, x, y, scale, argmax);
        for (size_t o = 0; o < m; o++) lp += r[o] * y[o];
        x[i] = keep - eps;
        forward(t, s, x, y, scale, argmax);
        for (size_t o = 0; o < m; o++) lm += r[o] * y[o];
        x[i] = keep;
        double fd = (lp - lm) / (2 * eps), err = fabs(fd - dx[i]);
        if (err > maxerr) maxerr = err;
        if (!(err <= 1e-7 + 1e-6 * fabs(fd))) {
            if (bad < 3) fprintf(stderr, "  %s dx[%zu] = %.10g, fd %.10g\n", t->name, i, dx[i], fd);
            bad++;
        }
    }
    CHECK(bad == 0, "%s: %zu of %zu gradients differ from finite differences (max err %g)",
          t->name, bad, n, maxerr);
}

/* Paper's alpha over the plain sum = Caffe/PyTorch's alpha*n over n terms; and a hand value. */
static void check_conventions(void) {
    enum { C = 6, HW = 5, N = C * HW };
    double x[N], y1[N], y2[N], s1[N], s2[N], dy[N], d1[N], d2[N];
    uint64_t seed = 7;
    for (int i = 0; i < N; i++) x[i] = check_rand_uniform(&seed, -3, 3);
    for (int i = 0; i < N; i++) dy[i] = check_rand_uniform(&seed, -1, 1);
    an_ref_lrn_forward(5, 0.02, 0.75, 2, AN_LRN_PAPER, 1, C, 1, HW, x, y1, s1);
    an_ref_lrn_forward(5, 0.1, 0.75, 2, AN_LRN_CAFFE, 1, C, 1, HW, x, y2, s2);
    an_ref_lrn_backward(5, 0.02, 0.75, AN_LRN_PAPER, 1, C, 1, HW, x, s1, dy, d1);
    an_ref_lrn_backward(5, 0.1, 0.75, AN_LRN_CAFFE, 1, C, 1, HW, x, s2, dy, d2);
    double err = 0;
    for (int i = 0; i < N; i++)
        err = fmax(err, fmax(fabs(y1[i] - y2[i]), fmax(fabs(s1[i] - s2[i]), fabs(d1[i] - d2[i]))));
    CHECK(err < 1e-14, "paper alpha 0.02 vs per-n alpha 0.1 (n = 5) differ by %g", err);

    /* Channel 1 of x = (1, 2, 3), n = 3, paper alpha 1e-4, k 2, beta 0.75:
     * scale = 2 + 1e-4 * (1 + 4 + 9) = 2.0014, y = 2 * 2.0014^-0.75. */
    double xs[3] = {1, 2, 3}, ys[3], ss[3];
    an_ref_lrn_forward(3, 1e-4, 0.75, 2, AN_LRN_PAPER, 1, 3, 1, 1, xs, ys, ss);
    CHECK(fabs(ss[1] - 2.0014) < 1e-15 && fabs(ys[1] - 2 * pow(2.0014, -0.75)) < 1e-15,
          "hand value: scale %.17g, y %.17g", ss[1], ys[1]);
    CHECK(fabs(ss[0] - (2 + 1e-4 * 5)) < 1e-15 && fabs(ss[2] - (2 + 1e-4 * 13)) < 1e-15,
          "edges clip the window: %.17g %.17g", ss[0], ss[2]);
}

/* Ties go to the first maximum in row-major order; a NaN wins, the first NaN first. */
static void check_max_rules(void) {
    /* 2x3 plane, 2x2 window, stride 1: two outputs. */
    double x[6] = {1, 5, 5, 5, 5, 2}, y[2];
    int am[2];
    an_ref_maxpool_forward(1, 1, 2, 3, 2, 2, 1, 1, 0, 0, x, y, am);
    CHECK(am[0] == 1 && am[1] == 1 && y[0] == 5, "ties: argmax %d %d", am[0], am[1]);
    double xn[6] = {1, NAN, 9, 7, NAN, 2};
    an_ref_maxpool_forward(1, 1, 2, 3, 2, 2, 1, 1, 0, 0, xn, y, am);
    CHECK(am[0] == 1 && am[1] == 1 && isnan(y[0]) && isnan(y[1]), "NaN: argmax %d %d", am[0],
          am[1]);
    double dy[2] = {0.25, 0.5}, dx[6];
    an_ref_maxpool_backward(1, 1, 2, 3, 2, 2, 1, 1, 0, 0, am, dy, dx);
    CHECK(dx[1] == 0.75 && dx[0] == 0 && dx[2] == 0 && dx[4] == 0,
          "overlapping windows sum into one input: %g", dx[1]);
    CHECK(an_ref_pool_out(55, 3, 2, 0) == 27 && an_ref_pool_out(27, 3, 2, 0) == 13 &&
              an_ref_pool_out(13, 3, 2, 0) == 6 && an_ref_pool_out(2, 3, 1, 0) == 0,
          "output sizes");
}

int main(void) {
    size_t ncases = sizeof cases / sizeof cases[0];
    for (size_t i = 0; i < ncases; i++) check_torch(&cases[i]);
    for (size_t i = 0; i < ncases; i++) check_gradient(&cases[i], 100 + i);
    check_conventions();
    check_max_rules();
    return check_done("test_ref_lrn_pool");
}

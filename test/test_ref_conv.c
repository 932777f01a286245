/* test/test_ref_conv.c - the double-precision convolution reference: the forward on a worked
 * example, and the three gradients against central finite differences of L = sum(r * y) (L is
 * linear in each of x, w, b, so the differences are exact up to rounding: |e| <= 1e-7 + 1e-7|g|).
 * Also the GEMM reference on a worked example. */
#include "check.h"

#include "ref/ref_conv.h"
#include "ref/ref_gemm.h"

static size_t compare_d(const char *what, const double *got, const double *want, size_t n,
                        double atol, double rtol) {
    size_t bad = 0;
    for (size_t i = 0; i < n; i++)
        if (!(fabs(got[i] - want[i]) <= atol + rtol * fabs(want[i]))) {
            if (bad < 5)
                fprintf(stderr, "  %s[%zu]: got %.12g, want %.12g\n", what, i, got[i], want[i]);
            bad++;
        }
    CHECK(bad == 0, "%s: %zu of %zu wrong", what, bad, n);
    return bad;
}

static double *rand_d(size_t n, uint64_t seed) {
    double *d = malloc(n * sizeof *d);
    for (size_t i = 0; i < n; i++) d[i] = check_rand_uniform(&seed, -1, 1);
    return d;
}

static double loss(const ref_conv_shape *s, const double *x, const double *w, const double *b,
                   const double *r, double *y) {
    size_t ny = (size_t)s->n * s->k * ref_conv_oh(s) * ref_conv_ow(s);
    ref_conv_forward(s, x, w, b, y);
    double l = 0;
    for (size_t i = 0; i < ny; i++) l += r[i] * y[i];
    return l;
}

/* Central differences of L with respect to every element of v (n of them). */
static void numeric_grad(const ref_conv_shape *s, double *x, double *w, double *b, const double *r,
                         double *v, size_t n, double *g, double *y) {
    const double h = 1e-3;
    for (size_t i = 0; i < n; i++) {
        double keep = v[i];
        v[i] = keep + h;
        double lp = loss(s, x, w, b, r, y);
        v[i] = keep - h;
        double lm = loss(s, x, w, b, r, y);
        v[i] = keep;
        g[i] = (lp - lm) / (2 * h);
    }
}

static void fd_check(ref_conv_shape s, uint64_t seed) {
    size_t nx = (size_t)s.n * s.c * s.h * s.w;
    size_t ny = (size_t)s.n * s.k * ref_conv_oh(&s) * ref_conv_ow(&s);
    size_t nw = (size_t)s.k * (s.c / s.groups) * s.kh * s.kw;
    double *x = rand_d(nx, seed), *w = rand_d(nw, seed + 1), *b = rand_d(s.k, seed + 2);
    double *r = rand_d(ny, seed + 3), *y = malloc(ny * sizeof *y);
    double *dx = malloc(nx * sizeof *dx), *dw = malloc(nw * sizeof *dw);
    double *db = malloc(s.k * sizeof *db), *nx_ = malloc(nx * sizeof *nx_);
    double *nw_ = malloc(nw * sizeof *nw_), *nb_ = malloc(s.k * sizeof *nb_);
    ref_conv_backward_data(&s, r, w, dx);
    ref_conv_backward_weights(&s, x, r, dw, db);
    numeric_grad(&s, x, w, b, r, x, nx, nx_, y);
    numeric_grad(&s, x, w, b, r, w, nw, nw_, y);
    numeric_grad(&s, x, w, b, r, b, (size_t)s.k, nb_, y);
    char what[160];
    snprintf(what, sizeof what, "n%d c%d %dx%d k%d %dx%d s%d p%d g%d", s.n, s.c, s.h, s.w, s.k,
             s.kh, s.kw, s.stride, s.pad, s.groups);
    char name[200];
    snprintf(name, sizeof name, "dx %s", what);
    compare_d(name, dx, nx_, nx, 1e-7, 1e-7);
    snprintf(name, sizeof name, "dw %s", what);
    compare_d(name, dw, nw_, nw, 1e-7, 1e-7);
    snprintf(name, sizeof name, "db %s", what);
    compare_d(name, db, nb_, (size_t)s.k, 1e-7, 1e-7);
    void *all[] = {x, w, b, r, y, dx, dw, db, nx_, nw_, nb_};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) free(all[i]);
}

/* 1 image, 1 channel 3x3 input, 2x2 kernel, stride 1, pad 1 -> 4x4 output, worked by hand. */
static void worked_example(void) {
    ref_conv_shape s = {1, 1, 3, 3, 1, 2, 2, 1, 1, 1};
    double x[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9}, w[4] = {1, 10, 100, 1000}, b[1] = {0.5}, y[16];
    ref_conv_forward(&s, x, w, b, y);
    /* y[i][j] = sum_{u,v} x[i-1+u][j-1+v] * w[u][v] + 0.5 */
    double want[16] = {1000.5, 2100.5, 3200.5, 300.5, 4010.5, 5421.5, 6532.5, 603.5,
                       7040.5, 8754.5, 9865.5, 906.5, 70.5,   87.5,   98.5,   9.5};
    CHECK(ref_conv_oh(&s) == 4 && ref_conv_ow(&s) == 4, "output %dx%d", ref_conv_oh(&s),
          ref_conv_ow(&s));
    compare_d("worked forward", y, want, 16, 0, 0);

    double A[6] = {1, 2, 3, 4, 5, 6}, B[6] = {1, 0, -1, 2, 0.5, 1}, C[4] = {NAN, NAN, NAN, NAN};
    /* A 2x3, B^T: B stored 2x3 -> C = A * B^T = [[1-3, 2+1+3], [4-6, 8+2.5+6]] */
    ref_gemm(0, 1, 2, 2, 3, 1.0, A, 3, B, 3, 0.0, C, 2);
    double cw[4] = {-2, 6, -2, 16.5};
    compare_d("worked gemm NT", C, cw, 4, 0, 0);
}

int main(void) {
    worked_example();
    fd_check((ref_conv_shape){2, 3, 6, 5, 4, 3, 2, 1, 1, 1}, 10);
    fd_check((ref_conv_shape){1, 4, 7, 8, 6, 3, 3, 2, 1, 2}, 20);
    fd_check((ref_conv_shape){2, 6, 9, 9, 3, 5, 4, 3, 2, 3}, 30);
    fd_check((ref_conv_shape){1, 2, 4, 4, 2, 1, 1, 1, 0, 1}, 40);
    return check_done("test_ref_conv");
}

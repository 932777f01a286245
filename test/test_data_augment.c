/* test/test_data_augment.c - the training views' statistics over many draws: flip rate 0.5, crop
 * corners uniform over every position, the PCA lighting noise's mean and covariance equal to
 * V·diag((σλ/255)²)·Vᵀ; draws reproducible from (seed, epoch, position). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "data/view.h"

int main(void) {
    const int S = 256, N = 227, R = S - N + 1, DRAWS = 30000;
    an_data_stats st = {.size = S};
    /* A known covariance: an orthonormal basis (a rotation) and eigenvalues in pixel² units. */
    const double lam[3] = {5000, 900, 150};
    double a = 0.6, b = 0.3;
    double V[9] = {cos(a) * cos(b), sin(a) * cos(b), sin(b), -sin(a), cos(a), 0,
                   -cos(a) * sin(b), -sin(a) * sin(b), cos(b)}; /* rows = eigenvectors */
    for (int i = 0; i < 3; i++) {
        st.eigval[i] = lam[i];
        for (int c = 0; c < 3; c++) st.eigvec[3 * i + c] = V[3 * i + c];
    }
    an_view_config v = an_view_train(N);
    int flips = 0, *hx = calloc(R, sizeof(int)), *hy = calloc(R, sizeof(int));
    double sum[3] = {0}, cov[9] = {0}, sxy = 0, sx = 0, sy = 0, sxx = 0;
    for (int k = 0; k < DRAWS; k++) {
        an_view_draw d;
        an_view_random(&v, S, &st, 42, 3, (uint64_t)k, &d);
        if (d.x0 < 0 || d.x0 >= R || d.y0 < 0 || d.y0 >= R) {
            CHECK(0, "crop corner %d,%d out of 0..%d", d.x0, d.y0, R - 1);
            break;
        }
        hx[d.x0]++;
        hy[d.y0]++;
        flips += d.flip;
        sx += d.x0;
        sy += d.y0;
        sxx += (double)d.x0 * d.x0;
        sxy += (double)d.x0 * d.y0;
        for (int c = 0; c < 3; c++) {
            sum[c] += d.light[c];
            for (int e = 0; e < 3; e++) cov[3 * c + e] += (double)d.light[c] * d.light[e];
        }
    }
    double rate = (double)flips / DRAWS, sd = sqrt(0.25 / DRAWS);
    printf("  flip rate %.4f (4σ = %.4f)\n", rate, 4 * sd);
    CHECK(fabs(rate - 0.5) < 4 * sd, "flip rate %.4f", rate);
    int lo = DRAWS, hi = 0;
    for (int i = 0; i < R; i++) {
        lo = hx[i] < lo ? hx[i] : lo;
        lo = hy[i] < lo ? hy[i] : lo;
        hi = hx[i] > hi ? hx[i] : hi;
        hi = hy[i] > hi ? hy[i] : hi;
    }
    double expect = (double)DRAWS / R;
    printf("  crop corners: %d positions per axis, counts %d..%d (expected %.0f each)\n", R, lo, hi, expect);
    CHECK(lo > 0.8 * expect && hi < 1.2 * expect, "crop positions not uniform: %d..%d", lo, hi);
    double mx = sx / DRAWS, my = sy / DRAWS, vx = sxx / DRAWS - mx * mx;
    double corr = (sxy / DRAWS - mx * my) / vx;
    CHECK(fabs(mx - (R - 1) / 2.0) < 0.3 && fabs(my - (R - 1) / 2.0) < 0.3, "crop mean %.3f,%.3f", mx, my);
    CHECK(fabs(corr) < 0.03, "x and y corners correlated: %.4f", corr);

    /* PCA noise: the covariance of the shift is V^T diag((0.1 λ/255)^2) V (rows of V = vectors) */
    double maxref = 0, maxerr = 0;
    for (int c = 0; c < 3; c++) {
        double m = sum[c] / DRAWS;
        CHECK(fabs(m) < 0.05, "lighting mean %d = %.4f", c, m);
        for (int e = 0; e < 3; e++) {
            double ref = 0;
            for (int i = 0; i < 3; i++) {
                double s = 0.1 * lam[i] / 255.0;
                ref += V[3 * i + c] * V[3 * i + e] * s * s;
            }
            double got = cov[3 * c + e] / DRAWS;
            maxref = fmax(maxref, fabs(ref));
            maxerr = fmax(maxerr, fabs(got - ref));
        }
    }
    printf("  lighting covariance: max error %.4f against max entry %.4f (pixel²)\n", maxerr, maxref);
    CHECK(maxerr < 0.04 * maxref, "lighting covariance off by %.4f (max entry %.4f)", maxerr, maxref);

    /* reproducible; and different positions or epochs give different draws */
    an_view_draw d1, d2, d3, d4;
    an_view_random(&v, S, &st, 7, 1, 100, &d1);
    an_view_random(&v, S, &st, 7, 1, 100, &d2);
    an_view_random(&v, S, &st, 7, 1, 101, &d3);
    an_view_random(&v, S, &st, 7, 2, 100, &d4);
    CHECK(d1.x0 == d2.x0 && d1.y0 == d2.y0 && d1.flip == d2.flip && d1.light[0] == d2.light[0],
          "same (seed, epoch, position) gave different draws");
    CHECK(d1.light[0] != d3.light[0] && d1.light[0] != d4.light[0], "draws do not change with position/epoch");
    /* evaluation views do not draw anything */
    an_view_config c = an_view_center(N);
    an_view_random(&c, S, &st, 7, 1, 100, &d1);
    CHECK(d1.x0 == 14 && d1.y0 == 14 && !d1.flip && d1.light[0] == 0, "centre view drew %d,%d,%d",
          d1.x0, d1.y0, d1.flip);
    v.lighting = 0;
    v.flip = 0;
    an_view_random(&v, S, &st, 7, 1, 100, &d1);
    CHECK(!d1.flip && d1.light[0] == 0 && d1.light[2] == 0, "flip/lighting off still applied");
    free(hx);
    free(hy);
    return check_done("test_data_augment");
}

/* test/test_conv_winograd.c - the Winograd convolution (AN_CONV_WINOGRAD) against the double
 * reference, for every implemented F(m x m, r x r): F(2,3), F(4,3), F(2,5), F(3,5). Forward (with
 * and without bias), dx, dw and db; backward with dx only and with dw/db only (the other outputs
 * must stay untouched); odd sizes (outputs not a multiple of the tile), batch 1, padding 0 and
 * padding above r - 1 (dx then crops instead of padding), groups 2 and 3, a workspace so small
 * the images go one at a time (at an odd offset), and AlexNet's conv2-conv5 of both nets
 * (alexnet and alexnet-owt) at batch 1-2. Outputs and the workspace are NaN-poisoned first. The
 * transform matrices are checked exactly (in double) against the definition of F(m, r); a
 * stride-2 or 4x4-kernel shape must resolve to im2col and the Winograd functions refuse it.
 * Tolerance: |e| <= t_F terms + 1e-5|ref|, terms the products summed per output (inputs, weights,
 * dy in [-1, 1]); t_F per F is in conv.h with the measured errors it derives from (each case
 * prints max |err| / terms and max |err| / max |ref|). db is the shared bias-gradient kernel:
 * test_conv's 1e-6 terms + 1e-6 + 1e-5|ref|.
 * `--small`: the small shapes only (for oclgrind). `--bench [N [NAME]]`: im2col against each
 * Winograd F on AlexNet's conv2-conv5 and alexnet-fmnist-wide's conv2, conv3 and conv5 (those
 * whose name contains NAME, e.g. "owt" or "fmnist") at batch N
 * (default 32): forward, dx, dw, best of 3, interleaved. */
#include <math.h>
#include <stdlib.h>

#include "convcase.h"
#include "ops/conv_winograd.h"
#include "util/clock.h"

static an_dev dev;

/* The tolerance's factor of terms per F (see conv.h): about 3x the largest max|err| / terms
 * seen on this test's shapes (3.0e-8, 4.4e-7, 3.9e-7, 3.7e-7). */
static double tol_of(int m, int r) {
    if (r == 3) return m == 2 ? 1e-7 : 1.5e-6;
    return m == 2 ? 1.2e-6 : 1.2e-6;
}

static void compare(const char *name, const an_conv_shape *s, int m, an_buf b, const float *want,
                    size_t n, size_t terms, int exact_sum) {
    float *got = malloc(n * sizeof *got);
    CHECK_OK(an_read(&dev, b, got, n));
    char what[200];
    snprintf(what, sizeof what, "F(%d,%d) %s n%d c%d %dx%d k%d %dx%d p%d g%d", m, s->kh, name,
             s->n, s->c, s->h, s->w, s->k, s->kh, s->kw, s->pad, s->groups);
    float atol = exact_sum ? 1e-6f * (float)terms + 1e-6f : (float)(tol_of(m, s->kh) * terms);
    double worst = 0, big = 0;
    for (size_t i = 0; i < n; i++) {
        double e = fabs((double)got[i] - want[i]);
        if (!(e <= worst)) worst = e;
        if (fabs(want[i]) > big) big = fabs(want[i]);
    }
    printf("%-50s max|err| %.3g = %.3g terms, %.2g of max|ref| (atol %.3g)\n", what, worst,
           worst / (double)terms, worst / big, (double)atol);
    check_close(what, got, want, n, atol, 1e-5f);
    free(got);
}

static int is_nan_all(an_buf b, size_t n) {
    float *h = malloc(n * sizeof *h);
    CHECK_OK(an_read(&dev, b, h, n));
    int all = 1;
    for (size_t i = 0; i < n; i++) all &= h[i] != h[i];
    free(h);
    return all;
}

/* m > 0: the Winograd functions with that tile; m == 0: through conv.h with AN_CONV_WINOGRAD
 * (the default tile). one_image: the workspace holds one image (at an odd offset). */
static void run(const conv_case *cc, int bias, int m, int one_image) {
    conv_case c = *cc;
    an_conv_shape s = c.s;
    int mm = m ? m : an_conv_winograd_default_m(&s);
    an_conv_shape one = s;
    one.n = 1;
    size_t wsn = an_conv_winograd_workspace_floats(one_image ? &one : &s, mm);
    CHECK(wsn > 0 && wsn <= an_conv_winograd_workspace_floats(&s, mm), "workspace %zu", wsn);
    if (m == 0)
        CHECK(an_conv_workspace_floats(&dev, &s, AN_CONV_WINOGRAD) ==
                  an_conv_winograd_workspace_floats(&s, mm), "conv.h workspace differs");
    an_buf wsbuf = dt_upload(&dev, NULL, wsn + 1), ws = an_buf_at(wsbuf, 1);
    CHECK_OK(an_fill(&dev, wsbuf, NAN, wsn + 1));
    an_buf by = dt_upload(&dev, NULL, c.ny), bdx = dt_upload(&dev, NULL, c.nx);
    an_buf bdw = dt_upload(&dev, NULL, c.nw), bdb = dt_upload(&dev, NULL, c.nb);
    an_buf none = {NULL, 0}, bb = bias ? c.bb : none;
    CHECK_OK(an_fill(&dev, by, NAN, c.ny));
    CHECK_OK(an_fill(&dev, bdx, NAN, c.nx));
    CHECK_OK(an_fill(&dev, bdw, NAN, c.nw));
    CHECK_OK(an_fill(&dev, bdb, NAN, c.nb));
    if (m)
        CHECK_OK(an_conv_winograd_forward(&dev, &s, m, c.bx, c.bw, bb, by, ws, wsn));
    else
        CHECK_OK(an_conv_forward(&dev, &s, AN_CONV_WINOGRAD, c.bx, c.bw, bb, by, ws, wsn));
    compare(bias ? "forward+bias" : "forward", &s, mm, by, c.y, c.ny, c.fwd_terms, 0);
    if (m) {
        CHECK_OK(an_conv_winograd_backward_data(&dev, &s, m, c.bw, c.bdy, bdx, ws, wsn));
        compare("dx", &s, mm, bdx, c.dx, c.nx, c.dx_terms, 0);
        CHECK_OK(an_conv_winograd_backward_weights(&dev, &s, m, c.bx, c.bdy, bdw, ws, wsn));
        compare("dw", &s, mm, bdw, c.dw, c.nw, c.dw_terms, 0);
    } else {
        /* dx only: dw and db stay poisoned; then dw and db only: dx keeps its value */
        CHECK_OK(an_conv_backward(&dev, &s, AN_CONV_WINOGRAD, c.bx, c.bw, c.bdy, bdx, none, none,
                                  ws, wsn));
        compare("dx (alone)", &s, mm, bdx, c.dx, c.nx, c.dx_terms, 0);
        CHECK(is_nan_all(bdw, c.nw) && is_nan_all(bdb, c.nb), "dx-only backward wrote dw or db");
        CHECK_OK(an_fill(&dev, bdx, NAN, c.nx));
        CHECK_OK(an_conv_backward(&dev, &s, AN_CONV_WINOGRAD, c.bx, c.bw, c.bdy, none, bdw, bdb,
                                  ws, wsn));
        compare("dw (without dx)", &s, mm, bdw, c.dw, c.nw, c.dw_terms, 0);
        compare("db", &s, mm, bdb, c.db, c.nb, c.dw_terms, 1);
        CHECK(is_nan_all(bdx, c.nx), "dw-only backward wrote dx");
    }
    an_buf *bufs[] = {&wsbuf, &by, &bdx, &bdw, &bdb};
    for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++) an_free(&bufs[i]->mem);
}

/* Both tiles of the kernel size's F through the tile-explicit functions, and (via_conv) the
 * default tile through conv.h, on one case. */
static void run_all(an_conv_shape s, int bias, int one_image, int via_conv, uint64_t seed) {
    conv_case c;
    conv_case_make(&c, &dev, s, bias, seed);
    int ms[2] = {2, s.kh == 3 ? 4 : 3};
    for (int i = 0; i < 2; i++) run(&c, bias, ms[i], one_image);
    if (via_conv) run(&c, bias, 0, one_image);
    conv_case_free(&c);
}

/* sum over j of A^T[i][j] G[j][k] B^T[j][l] must be 1 when l = i + k, else 0: then
 * A^T[(G g) .* (B^T d)] is the correlation y_i = sum_k d_(i+k) g_k for every d and g. */
static void test_matrices(void) {
    int fs[4][2] = {{2, 3}, {4, 3}, {2, 5}, {3, 5}};
    for (int f = 0; f < 4; f++) {
        int m = fs[f][0], r = fs[f][1], a = m + r - 1;
        double bt[49], g[35], at[28], worst = 0;
        CHECK_OK(an_conv_winograd_matrices(m, r, bt, g, at));
        for (int i = 0; i < m; i++)
            for (int k = 0; k < r; k++)
                for (int l = 0; l < a; l++) {
                    double v = 0;
                    for (int j = 0; j < a; j++) v += at[i * a + j] * g[j * r + k] * bt[j * a + l];
                    double e = fabs(v - (l == i + k ? 1.0 : 0.0));
                    if (e > worst) worst = e;
                }
        CHECK(worst < 1e-12, "F(%d,%d) matrices off by %g", m, r, worst);
    }
    double bt[49], g[35], at[28];
    CHECK(an_conv_winograd_matrices(6, 3, bt, g, at) == AN_ERR_UNSUPPORTED, "F(6,3) accepted");
}

static void test_interface(void) {
    CHECK(strcmp(an_conv_algo_name(AN_CONV_WINOGRAD), "winograd") == 0, "name %s",
          an_conv_algo_name(AN_CONV_WINOGRAD));
    an_conv_shape s = {1, 4, 11, 11, 4, 3, 3, 2, 1, 1};
    CHECK(an_conv_algo_resolve(&dev, &s, AN_CONV_WINOGRAD) == AN_CONV_IM2COL, "stride 2 kept");
    CHECK(!an_conv_algo_applies(&dev, &s, AN_CONV_WINOGRAD), "stride 2 applies");
    CHECK(an_conv_workspace_floats(&dev, &s, AN_CONV_WINOGRAD) ==
              an_conv_workspace_floats(&dev, &s, AN_CONV_IM2COL), "stride 2 workspace");
    size_t nx = 4 * 11 * 11, nw = 4 * 4 * 25;
    float *h = dt_rand_floats(nx > nw ? nx : nw, 99); /* x and w both come from h */
    an_buf x = dt_upload(&dev, h, nx), w = dt_upload(&dev, h, nw), y = dt_upload(&dev, NULL, nx);
    an_buf ws = dt_upload(&dev, NULL, 1 << 16), none = {NULL, 0};
    an_status st = an_conv_winograd_forward(&dev, &s, 0, x, w, none, y, ws, 1 << 16);
    CHECK(st == AN_ERR_UNSUPPORTED && strstr(an_last_error(), "stride"),
          "stride 2 winograd forward: %s (%s)", an_status_name(st), an_last_error());
    st = an_conv_winograd_backward_data(&dev, &s, 0, w, y, x, ws, 1 << 16);
    CHECK(st == AN_ERR_UNSUPPORTED, "stride 2 winograd dx: %s", an_status_name(st));
    st = an_conv_winograd_backward_weights(&dev, &s, 0, x, y, w, ws, 1 << 16);
    CHECK(st == AN_ERR_UNSUPPORTED, "stride 2 winograd dw: %s", an_status_name(st));
    s.stride = 1;
    s.kh = s.kw = 4;
    CHECK(an_conv_algo_resolve(&dev, &s, AN_CONV_WINOGRAD) == AN_CONV_IM2COL, "4x4 kept");
    s.kh = 3;
    CHECK(an_conv_algo_resolve(&dev, &s, AN_CONV_WINOGRAD) == AN_CONV_IM2COL, "4x3 kept");
    s.kw = 3;
    CHECK(an_conv_algo_resolve(&dev, &s, AN_CONV_WINOGRAD) == AN_CONV_WINOGRAD, "3x3 not kept");
    CHECK(an_conv_algo_applies(&dev, &s, AN_CONV_WINOGRAD), "3x3 does not apply");
    CHECK(an_conv_algo_resolve(&dev, &s, AN_CONV_AUTO) != AN_CONV_WINOGRAD, "auto picked it");
    st = an_conv_winograd_forward(&dev, &s, 6, x, w, none, y, ws, 1 << 16);
    CHECK(st == AN_ERR_UNSUPPORTED, "F(6,3) ran: %s", an_status_name(st));
    st = an_conv_forward(&dev, &s, AN_CONV_WINOGRAD, x, w, none, y, ws, 100);
    CHECK(st == AN_ERR_INVALID_ARG && strstr(an_last_error(), "workspace"),
          "a workspace of 100 floats: %s", an_status_name(st));
    free(h);
    an_buf *bufs[] = {&x, &w, &y, &ws};
    for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++) an_free(&bufs[i]->mem);
}

enum { OP_FWD, OP_DX, OP_DW };

/* One pass of op with im2col (m < 0) or Winograd tile m, waited for, in ms. */
static double time_once(const an_conv_shape *s, int m, int op, an_buf x, an_buf w, an_buf b,
                        an_buf y, an_buf ws, size_t wsn) {
    an_buf none = {NULL, 0};
    double t0 = 1e3 * an_now_s();
    if (m < 0 && op == OP_FWD)
        CHECK_OK(an_conv_forward(&dev, s, AN_CONV_IM2COL, x, w, b, y, ws, wsn));
    else if (m < 0)
        CHECK_OK(an_conv_backward(&dev, s, AN_CONV_IM2COL, x, w, y, op == OP_DX ? x : none,
                                  op == OP_DW ? w : none, none, ws, wsn));
    else if (op == OP_FWD)
        CHECK_OK(an_conv_winograd_forward(&dev, s, m, x, w, b, y, ws, wsn));
    else if (op == OP_DX)
        CHECK_OK(an_conv_winograd_backward_data(&dev, s, m, w, y, x, ws, wsn));
    else
        CHECK_OK(an_conv_winograd_backward_weights(&dev, s, m, x, y, w, ws, wsn));
    CHECK_OK(an_finish(&dev));
    return 1e3 * an_now_s() - t0;
}

static void bench(int n, const char *only) {
    const char *names[] = {"owt conv2", "owt conv3", "owt conv4", "owt conv5",
                           "alexnet conv2", "alexnet conv3", "alexnet conv4", "alexnet conv5",
                           "fmnist-wide conv2", "fmnist-wide conv3", "fmnist-wide conv5"};
    an_conv_shape shapes[] = {{n, 64, 27, 27, 192, 5, 5, 1, 2, 1},
                              {n, 192, 13, 13, 384, 3, 3, 1, 1, 1},
                              {n, 384, 13, 13, 256, 3, 3, 1, 1, 1},
                              {n, 256, 13, 13, 256, 3, 3, 1, 1, 1},
                              {n, 96, 27, 27, 256, 5, 5, 1, 2, 2},
                              {n, 256, 13, 13, 384, 3, 3, 1, 1, 1},
                              {n, 384, 13, 13, 384, 3, 3, 1, 1, 2},
                              {n, 384, 13, 13, 256, 3, 3, 1, 1, 2},
                              {n, 16, 13, 13, 48, 3, 3, 1, 1, 1},
                              {n, 96, 6, 6, 96, 3, 3, 1, 1, 1},
                              {n, 96, 6, 6, 64, 3, 3, 1, 1, 1}};
    const char *ops[] = {"fwd", "dx", "dw"};
    printf("batch %d, load average %.2f at the start; ms, best of 3 interleaved; ratio = im2col "
           "time / Winograd time (above 1: Winograd faster)\n", n, an_load_average());
    printf("%-14s %-4s %10s %10s %7s %10s %7s\n", "layer", "op", "im2col", "F(2,r)", "ratio",
           "F(m2,r)", "ratio");
    for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++) {
        const an_conv_shape *s = &shapes[i];
        if (only && !strstr(names[i], only)) continue;
        size_t nx = (size_t)s->n * s->c * s->h * s->w;
        size_t ny = (size_t)s->n * s->k * an_conv_oh(s) * an_conv_ow(s);
        size_t nw = (size_t)s->k * (s->c / s->groups) * s->kh * s->kw;
        int ms[3] = {-1, 2, s->kh == 3 ? 4 : 3};
        size_t wsn = an_conv_workspace_floats(&dev, s, AN_CONV_IM2COL);
        for (int j = 1; j < 3; j++) {
            size_t need = an_conv_winograd_workspace_floats(s, ms[j]);
            if (need > wsn) wsn = need;
        }
        float *h = dt_rand_floats(nx > nw ? (nx > ny ? nx : ny) : (nw > ny ? nw : ny), 7);
        an_buf x = dt_upload(&dev, h, nx), w = dt_upload(&dev, h, nw);
        an_buf b = dt_upload(&dev, h, (size_t)s->k), y = dt_upload(&dev, h, ny);
        an_buf ws = dt_upload(&dev, NULL, wsn);
        for (int op = 0; op < 3; op++) {
            double best[3] = {1e30, 1e30, 1e30};
            for (int j = 0; j < 3; j++) time_once(s, ms[j], op, x, w, b, y, ws, wsn); /* warm */
            for (int it = 0; it < 3; it++)
                for (int j = 0; j < 3; j++) {
                    double t = time_once(s, ms[j], op, x, w, b, y, ws, wsn);
                    if (t < best[j]) best[j] = t;
                }
            printf("%-14s %-4s %10.1f %10.1f %6.2fx %10.1f %6.2fx  (F(%d,%d))\n", names[i],
                   ops[op], best[0], best[1], best[0] / best[1], best[2], best[0] / best[2],
                   ms[2], s->kh);
            fflush(stdout);
        }
        an_buf *bufs[] = {&x, &w, &b, &y, &ws};
        for (size_t j = 0; j < sizeof bufs / sizeof *bufs; j++) an_free(&bufs[j]->mem);
        free(h);
    }
    printf("load average %.2f at the end\n", an_load_average());
}

int main(int argc, char **argv) {
    int small;
    if (!dt_start(argc, argv, &dev, &small)) return 1;
    if (argc > 1 && strcmp(argv[1], "--bench") == 0) {
        bench(argc > 2 ? atoi(argv[2]) : 32, argc > 3 ? argv[3] : NULL);
        an_devs_close(&dev, 1);
        return check_done("test_conv_winograd --bench");
    }
    uint64_t seed = 700;
    test_matrices();
    test_interface();
    /* shape (n c h w k kh kw stride pad groups), bias, one-image workspace, via conv.h, seed */
    run_all((an_conv_shape){2, 3, 7, 9, 5, 3, 3, 1, 1, 1}, 1, 0, 1, seed += 10);
    run_all((an_conv_shape){1, 4, 11, 10, 6, 5, 5, 1, 2, 2}, 0, 0, 1, seed += 10);
    run_all((an_conv_shape){3, 6, 13, 12, 9, 3, 3, 1, 0, 3}, 1, 1, 1, seed += 10);
    run_all((an_conv_shape){2, 4, 6, 5, 4, 3, 3, 1, 3, 1}, 1, 0, 1, seed += 10);
    run_all((an_conv_shape){2, 3, 9, 8, 4, 5, 5, 1, 0, 1}, 1, 1, 1, seed += 10);
    run_all((an_conv_shape){1, 2, 3, 3, 2, 3, 3, 1, 1, 1}, 1, 0, 1, seed += 10);
    /* outputs (and dx) that F(2,r)'s tiles cover exactly: the kernels' WEXACT path; the 6x6
     * one is also the default tile's (F(2,3)) through conv.h */
    run_all((an_conv_shape){2, 5, 6, 6, 7, 3, 3, 1, 1, 1}, 1, 1, 1, seed += 10);
    run_all((an_conv_shape){1, 3, 8, 8, 4, 5, 5, 1, 2, 1}, 0, 0, 0, seed += 10);
    if (!small) {
        /* AlexNet's conv2-conv5, alexnet-owt's then alexnet's; the batch-2 cases get a
         * one-image workspace, so they run in two chunks */
        const an_conv_shape alex[8] = {
            {1, 64, 27, 27, 192, 5, 5, 1, 2, 1},  {2, 192, 13, 13, 384, 3, 3, 1, 1, 1},
            {1, 384, 13, 13, 256, 3, 3, 1, 1, 1}, {1, 256, 13, 13, 256, 3, 3, 1, 1, 1},
            {1, 96, 27, 27, 256, 5, 5, 1, 2, 2},  {1, 256, 13, 13, 384, 3, 3, 1, 1, 1},
            {1, 384, 13, 13, 384, 3, 3, 1, 1, 2}, {2, 384, 13, 13, 256, 3, 3, 1, 1, 2}};
        for (int i = 0; i < 8; i++) run_all(alex[i], 1, alex[i].n == 2, 0, seed += 10);
    }
    an_devs_close(&dev, 1);
    return check_done("test_conv_winograd");
}

/* test/test_conv_fft.c - the FFT convolution (AN_CONV_FFT) against the double reference: forward
 * (with and without bias), dx and dw (db too), on odd sizes, batch 1, padding, non-square kernels,
 * groups 2 and 3, a workspace so small that images go one at a time, and AlexNet's conv2 and
 * conv3 at batch 1-2 (not with --small or ALEXNET_TEST_SMALL=1). Outputs and the workspace are
 * NaN-poisoned first. AN_CONV_FFT on a stride-2 shape resolves to im2col (and is checked against
 * the reference like the rest), while the FFT functions themselves refuse it with
 * AN_ERR_UNSUPPORTED; AN_CONV_AUTO must not resolve to FFT, and the name must be "fft".
 * Tolerance: |e| <= 5e-7 sqrt(m) (1 + log2(fh fw)) + 1e-5|ref|, m the number of products summed
 * per output (inputs, weights and dy in [-1, 1]), fh x fw the transform size: FFT rounding
 * spreads over the whole plane and grows with sqrt(m) and the transform's depth. The largest
 * errors seen (printed per case) are 3e-5 (conv3's dx, m = 3456), a fifth to a tenth of it.
 * db is not FFT work (the shared bias-gradient kernel): test_conv's 1e-6 m + 1e-6 + 1e-5|ref|.
 * `--bench`: forward and backward times of FFT and im2col on AlexNet's conv2-conv5 at batch 8. */
#include <math.h>

#include "convcase.h"
#include "ops/conv_fft.h"
#include "util/clock.h"

static an_dev dev;

/* fft (and the FFT ran): the FFT tolerance above, else test_conv's for a sum of m terms. */
static void compare(const char *name, const an_conv_shape *s, an_buf b, const float *want,
                    size_t n, size_t terms, int fft) {
    char what[200];
    an_conv_algo ran = an_conv_algo_resolve(&dev, s, AN_CONV_FFT);
    fft = fft && ran == AN_CONV_FFT;
    snprintf(what, sizeof what, "%s %s n%d c%d %dx%d k%d %dx%d s%d p%d g%d",
             an_conv_algo_name(ran), name, s->n, s->c, s->h, s->w, s->k, s->kh, s->kw, s->stride,
             s->pad, s->groups);
    double len = (double)an_conv_fft_len(s->h + 2 * s->pad) * an_conv_fft_len(s->w + 2 * s->pad);
    float atol = fft ? (float)(5e-7 * sqrt((double)terms) * (1.0 + log2(len)))
                     : 1e-6f * (float)terms + 1e-6f;
    conv_case_check(&dev, what, b, want, n, atol);
}

/* ws_div > 1 shrinks the workspace to force chunks of fewer images. */
static void run(an_conv_shape s, int bias, int ws_div, uint64_t seed) {
    conv_case c;
    conv_case_make(&c, &dev, s, bias, seed);
    an_buf none = {NULL, 0};
    size_t wsn = an_conv_workspace_floats(&dev, &s, AN_CONV_FFT), full = wsn;
    if (ws_div > 1) {
        an_conv_shape one = s;
        one.n = 1;
        wsn = an_conv_workspace_floats(&dev, &one, AN_CONV_FFT) + 3; /* one image, odd offset */
    }
    CHECK(full >= wsn, "workspace for %d images (%zu) below one image's (%zu)", s.n, full, wsn);
    /* the workspace starts at an odd offset into its buffer: the regions must align themselves */
    an_buf wsbuf = dt_upload(&dev, NULL, wsn + 1), ws = an_buf_at(wsbuf, 1);
    an_buf by = dt_upload(&dev, NULL, c.ny), bdx = dt_upload(&dev, NULL, c.nx);
    an_buf bdw = dt_upload(&dev, NULL, c.nw), bdb = dt_upload(&dev, NULL, c.nb);
    CHECK_OK(an_conv_forward(&dev, &s, AN_CONV_FFT, c.bx, c.bw, bias ? c.bb : none, by, ws, wsn));
    compare(bias ? "forward+bias" : "forward", &s, by, c.y, c.ny, c.fwd_terms, 1);
    CHECK_OK(an_conv_backward(&dev, &s, AN_CONV_FFT, c.bx, c.bw, c.bdy, bdx, bdw, bdb, ws, wsn));
    compare("dx", &s, bdx, c.dx, c.nx, c.dx_terms, 1);
    compare("dw", &s, bdw, c.dw, c.nw, c.dw_terms, 1);
    compare("db", &s, bdb, c.db, c.nb, c.dw_terms, 0);
    an_buf *bufs[] = {&wsbuf, &by, &bdx, &bdw, &bdb};
    for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++) an_free(&bufs[i]->mem);
    conv_case_free(&c);
}

static void test_interface(void) {
    CHECK(strcmp(an_conv_algo_name(AN_CONV_FFT), "fft") == 0, "name %s",
          an_conv_algo_name(AN_CONV_FFT));
    an_conv_shape s = {1, 4, 11, 11, 4, 3, 3, 2, 1, 1};
    CHECK(an_conv_algo_resolve(&dev, &s, AN_CONV_AUTO) != AN_CONV_FFT, "auto picked fft");
    CHECK(an_conv_algo_resolve(&dev, &s, AN_CONV_FFT) == AN_CONV_IM2COL,
          "fft with stride 2 resolves to %s", an_conv_algo_name(an_conv_algo_resolve(&dev, &s,
                                                                                  AN_CONV_FFT)));
    conv_stride1_fns f = {an_conv_fft_forward, an_conv_fft_backward_data,
                          an_conv_fft_backward_weights};
    conv_case_check_stride1_only(&dev, AN_CONV_FFT, f, 0);
}

/* Best of 3 (after one warm-up) of the forward and of the backward (dx, dw, db), in ms. */
static void time_algo(const an_conv_shape *s, an_conv_algo a, an_buf x, an_buf w, an_buf b,
                      an_buf y, an_buf dx, an_buf dw, an_buf db, double *fwd, double *bwd) {
    size_t wsn = an_conv_workspace_floats(&dev, s, a);
    an_buf ws = dt_upload(&dev, NULL, wsn);
    *fwd = *bwd = 1e30;
    for (int it = 0; it < 4; it++) {
        double t0 = 1e3 * an_now_s();
        CHECK_OK(an_conv_forward(&dev, s, a, x, w, b, y, ws, wsn));
        CHECK_OK(an_finish(&dev));
        double t1 = 1e3 * an_now_s();
        CHECK_OK(an_conv_backward(&dev, s, a, x, w, y, dx, dw, db, ws, wsn));
        CHECK_OK(an_finish(&dev));
        double t2 = 1e3 * an_now_s();
        if (it > 0 && t1 - t0 < *fwd) *fwd = t1 - t0;
        if (it > 0 && t2 - t1 < *bwd) *bwd = t2 - t1;
    }
    an_free(&ws.mem);
}

static void bench(void) {
    const char *names[] = {"conv2", "conv3", "conv4", "conv5"};
    an_conv_shape shapes[] = {{8, 96, 27, 27, 256, 5, 5, 1, 2, 2},
                              {8, 256, 13, 13, 384, 3, 3, 1, 1, 1},
                              {8, 384, 13, 13, 384, 3, 3, 1, 1, 2},
                              {8, 384, 13, 13, 256, 3, 3, 1, 1, 2}};
    printf("%-6s %12s %12s %8s %12s %12s %8s\n", "layer", "im2col fwd", "fft fwd", "ratio",
           "im2col bwd", "fft bwd", "ratio");
    for (int i = 0; i < 4; i++) {
        const an_conv_shape *s = &shapes[i];
        size_t nx = (size_t)s->n * s->c * s->h * s->w;
        size_t ny = (size_t)s->n * s->k * an_conv_oh(s) * an_conv_ow(s);
        size_t nw = (size_t)s->k * (s->c / s->groups) * s->kh * s->kw;
        float *h = dt_rand_floats(nx > nw ? nx : nw, 7);
        an_buf x = dt_upload(&dev, h, nx), w = dt_upload(&dev, h, nw), b = dt_upload(&dev, h, 1024);
        an_buf y = dt_upload(&dev, NULL, ny), dx = dt_upload(&dev, NULL, nx);
        an_buf dw = dt_upload(&dev, NULL, nw), db = dt_upload(&dev, NULL, (size_t)s->k);
        double f0, b0, f1, b1;
        time_algo(s, AN_CONV_IM2COL, x, w, b, y, dx, dw, db, &f0, &b0);
        time_algo(s, AN_CONV_FFT, x, w, b, y, dx, dw, db, &f1, &b1);
        printf("%-6s %9.1f ms %9.1f ms %7.2fx %9.1f ms %9.1f ms %7.2fx\n", names[i], f0, f1,
               f0 / f1, b0, b1, b0 / b1);
        an_buf *bufs[] = {&x, &w, &b, &y, &dx, &dw, &db};
        for (size_t j = 0; j < sizeof bufs / sizeof *bufs; j++) an_free(&bufs[j]->mem);
        free(h);
    }
    printf("ratio: im2col time / fft time (above 1: FFT faster)\n");
}

int main(int argc, char **argv) {
    if (!dt_open(&dev, 1)) return 1;
    if (argc > 1 && strcmp(argv[1], "--bench") == 0) {
        bench();
        an_devs_close(&dev, 1);
        return check_done("test_conv_fft --bench");
    }
    uint64_t seed = 500;
    test_interface();
    /*              n  c   h   w   k  kh kw s  p  g */
    run((an_conv_shape){2, 3, 7, 9, 5, 3, 2, 1, 1, 1}, 1, 1, seed += 10);
    run((an_conv_shape){1, 4, 11, 10, 6, 5, 5, 1, 2, 2}, 0, 1, seed += 10);
    run((an_conv_shape){3, 6, 13, 12, 9, 3, 4, 1, 0, 3}, 1, 2, seed += 10);
    run((an_conv_shape){2, 8, 5, 6, 4, 1, 1, 1, 0, 2}, 1, 1, seed += 10);
    run((an_conv_shape){2, 4, 11, 10, 6, 3, 3, 2, 1, 2}, 1, 1, seed += 10); /* im2col */
    if (!check_small(argc, argv)) {
        run((an_conv_shape){1, 96, 27, 27, 256, 5, 5, 1, 2, 2}, 1, 1, seed += 10);  /* conv2 */
        run((an_conv_shape){2, 256, 13, 13, 384, 3, 3, 1, 1, 1}, 1, 2, seed += 10); /* conv3 */
    }
    an_devs_close(&dev, 1);
    return check_done("test_conv_fft");
}

/* test/test_conv_fftgemm.c - the FFT convolution with own transforms and GEMM products
 * (AN_CONV_FFTGEMM) against the double reference: forward (with and without bias), dx, dw and
 * db on odd and non-square sizes, every transform side (8, 16, 32, the last filled to its edge),
 * padding, non-square kernels, 1x1, groups 2 and 3, batch 1, and workspaces that hold one or two
 * images, so that chunks (and a short last one) accumulate the weight gradient; AlexNet's conv2
 * (both variants) unless --small or ALEXNET_TEST_SMALL=1. Outputs and the workspace are
 * NaN-poisoned first (dt_upload of NULL). Shapes it does not apply to (stride 2, an input padded
 * past 32) resolve to im2col and are checked the same way; the functions refuse them.
 * Tolerance: |e| <= 5e-7 sqrt(m) (1 + log2(FN^2)) + 1e-5|ref| with m the products per output
 * (data in [-1, 1]), as for clFFT's FFT (test_conv_fft.c): FFT rounding spreads over the plane
 * and grows with the transform's depth. The largest errors are printed per case. */
#include <math.h>

#include "convcase.h"
#include "ops/conv_fftgemm.h"

static an_dev dev;

static void compare(const char *name, const an_conv_shape *s, an_buf b, const float *want,
                    size_t n, size_t terms, int fg) {
    char what[200];
    an_conv_algo ran = an_conv_algo_resolve(&dev, s, AN_CONV_FFTGEMM);
    fg = fg && ran == AN_CONV_FFTGEMM;
    snprintf(what, sizeof what, "%s %s n%d c%d %dx%d k%d %dx%d s%d p%d g%d",
             an_conv_algo_name(ran), name, s->n, s->c, s->h, s->w, s->k, s->kh, s->kw, s->stride,
             s->pad, s->groups);
    double len = fg ? an_conv_fftgemm_len(s) : 1;
    float atol = fg ? (float)(5e-7 * sqrt((double)terms) * (1.0 + log2(len * len)))
                    : 1e-6f * (float)terms + 1e-6f;
    conv_case_check(&dev, what, b, want, n, atol);
}

/* ws_imgs > 0: a workspace for that many images only (at an odd offset), forcing chunks. */
static void run(an_conv_shape s, int bias, int ws_imgs, uint64_t seed) {
    conv_case c;
    conv_case_make(&c, &dev, s, bias, seed);
    an_buf none = {NULL, 0};
    size_t wsn = an_conv_workspace_floats(&dev, &s, AN_CONV_FFTGEMM);
    if (ws_imgs > 0) {
        an_conv_shape part = s;
        part.n = ws_imgs;
        wsn = an_conv_workspace_floats(&dev, &part, AN_CONV_FFTGEMM) + 3;
    }
    an_buf wsbuf = dt_upload(&dev, NULL, wsn + 1), ws = an_buf_at(wsbuf, 1);
    an_buf by = dt_upload(&dev, NULL, c.ny), bdx = dt_upload(&dev, NULL, c.nx);
    an_buf bdw = dt_upload(&dev, NULL, c.nw), bdb = dt_upload(&dev, NULL, c.nb);
    CHECK_OK(an_conv_forward(&dev, &s, AN_CONV_FFTGEMM, c.bx, c.bw, bias ? c.bb : none, by, ws,
                             wsn));
    compare(bias ? "forward+bias" : "forward", &s, by, c.y, c.ny, c.fwd_terms, 1);
    CHECK_OK(an_conv_backward(&dev, &s, AN_CONV_FFTGEMM, c.bx, c.bw, c.bdy, bdx, bdw, bdb, ws,
                              wsn));
    compare("dx", &s, bdx, c.dx, c.nx, c.dx_terms, 1);
    compare("dw", &s, bdw, c.dw, c.nw, c.dw_terms, 1);
    compare("db", &s, bdb, c.db, c.nb, c.dw_terms, 0);
    /* each gradient alone (the tuner times them so) runs its own pass over dy */
    CHECK_OK(an_fill(&dev, bdx, NAN, c.nx));
    CHECK_OK(an_fill(&dev, bdw, NAN, c.nw));
    CHECK_OK(an_fill(&dev, wsbuf, NAN, wsn + 1)); /* nothing left from the calls before */
    CHECK_OK(an_conv_backward(&dev, &s, AN_CONV_FFTGEMM, c.bx, c.bw, c.bdy, bdx, none, none, ws,
                              wsn));
    compare("dx alone", &s, bdx, c.dx, c.nx, c.dx_terms, 1);
    CHECK_OK(an_fill(&dev, wsbuf, NAN, wsn + 1));
    CHECK_OK(an_conv_backward(&dev, &s, AN_CONV_FFTGEMM, c.bx, c.bw, c.bdy, none, bdw, none, ws,
                              wsn));
    compare("dw alone", &s, bdw, c.dw, c.nw, c.dw_terms, 1);
    an_buf *bufs[] = {&wsbuf, &by, &bdx, &bdw, &bdb};
    for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++) an_free(&bufs[i]->mem);
    conv_case_free(&c);
}

static void test_interface(void) {
    an_conv_algo a;
    CHECK(an_conv_algo_parse("fftgemm", &a) && a == AN_CONV_FFTGEMM, "\"fftgemm\" not parsed");
    CHECK(strcmp(an_conv_algo_name(AN_CONV_FFTGEMM), "fftgemm") == 0, "name %s",
          an_conv_algo_name(AN_CONV_FFTGEMM));
    an_conv_shape s = {1, 4, 11, 11, 4, 3, 3, 2, 1, 1};
    CHECK(an_conv_algo_resolve(&dev, &s, AN_CONV_FFTGEMM) == AN_CONV_IM2COL,
          "stride 2 kept fftgemm");
    an_conv_shape big = {1, 2, 31, 20, 2, 3, 3, 1, 1, 1}; /* padded 33 rows */
    CHECK(an_conv_fftgemm_len(&big) == 0 && !an_conv_algo_applies(&dev, &big, AN_CONV_FFTGEMM),
          "a 33-row padded input applies (len %d)", an_conv_fftgemm_len(&big));
    big.h = 30;
    CHECK(an_conv_fftgemm_len(&big) == 32, "30 + 2 rows: len %d", an_conv_fftgemm_len(&big));
    an_conv_shape tiny = {1, 2, 3, 3, 2, 3, 3, 1, 0, 1};
    CHECK(an_conv_fftgemm_len(&tiny) == 8, "3x3 input: len %d", an_conv_fftgemm_len(&tiny));
    conv_stride1_fns f = {an_conv_fftgemm_forward, an_conv_fftgemm_backward_data,
                          an_conv_fftgemm_backward_weights};
    conv_case_check_stride1_only(&dev, AN_CONV_FFTGEMM, f, 1);
}

int main(int argc, char **argv) {
    if (!dt_open(&dev, 1)) return 1;
    uint64_t seed = 700;
    test_interface();
    /*              n  c   h   w   k  kh kw s  p  g */
    run((an_conv_shape){2, 3, 7, 9, 5, 3, 2, 1, 1, 1}, 1, 0, seed += 10);
    run((an_conv_shape){1, 4, 11, 10, 6, 5, 5, 1, 2, 2}, 0, 0, seed += 10);
    run((an_conv_shape){3, 6, 13, 12, 9, 3, 4, 1, 0, 3}, 1, 1, seed += 10);
    run((an_conv_shape){5, 4, 9, 8, 6, 3, 3, 1, 1, 2}, 1, 2, seed += 10);
    run((an_conv_shape){2, 8, 5, 6, 4, 1, 1, 1, 0, 2}, 1, 0, seed += 10);
    run((an_conv_shape){2, 3, 30, 27, 4, 3, 5, 1, 1, 1}, 1, 0, seed += 10);
    run((an_conv_shape){2, 4, 11, 10, 6, 3, 3, 2, 1, 2}, 1, 0, seed += 10); /* im2col */
    run((an_conv_shape){1, 2, 34, 9, 3, 3, 3, 1, 1, 1}, 0, 0, seed += 10);  /* im2col */
    if (!check_small(argc, argv)) {
        run((an_conv_shape){3, 64, 27, 27, 192, 5, 5, 1, 2, 1}, 1, 2, seed += 10); /* owt */
        run((an_conv_shape){1, 96, 27, 27, 256, 5, 5, 1, 2, 2}, 1, 0, seed += 10);
    }
    an_devs_close(&dev, 1);
    return check_done("test_conv_fftgemm");
}

/* test/test_conv.c - both convolution algorithms against the double reference: forward (with and
 * without bias) and the three gradients, on odd sizes, batch 1, stride > 1, padding, non-square
 * kernels, groups, 1x1 kernels, a workspace so small the images go one at a time, and AlexNet's
 * own layers (conv1-conv5 at batch 1 or 2); where the GEMM gathers im2col's columns (forward and
 * data gradient), the stored columns too, whose forward must give the same bits. Outputs and the
 * workspace are NaN-poisoned first.
 * Tolerance: |e| <= 1e-6*m + 1e-6 + 1e-5|ref|, m the number of products summed per output
 * (inputs, weights and dy in [-1, 1]).
 * `--small`: small shapes only (for the oclgrind run, and for the run on the CLBlast backend,
 * ALEXNET_GEMM=clblast, which checks the GEMM calls the GPU path makes). */
#include "convcase.h"
#include "ops/conv_tile.h"
#include "ops/gemm.h"

#include <string.h>

static an_dev dev;

static void compare(const char *name, const an_conv_shape *s, an_conv_algo a, an_buf b,
                    const float *want, size_t n, size_t terms) {
    float *got = malloc(n * sizeof *got);
    CHECK_OK(an_read(&dev, b, got, n));
    char what[200];
    snprintf(what, sizeof what, "%s %s n%d c%d %dx%d k%d %dx%d s%d p%d g%d", an_conv_algo_name(a),
             name, s->n, s->c, s->h, s->w, s->k, s->kh, s->kw, s->stride, s->pad, s->groups);
    check_close(what, got, want, n, 1e-6f * (float)terms + 1e-6f, 1e-5f);
    free(got);
}

/* ALEXNET_IM2COL = v (NULL: unset), once the queue is idle: PoCL's worker threads read the
 * environment while they run kernels, and a setenv beside them crashed getenv under
 * AddressSanitizer. */
static void set_im2col(const char *v) {
    CHECK_OK(an_finish(&dev));
    if (v)
        setenv("ALEXNET_IM2COL", v, 1);
    else
        unsetenv("ALEXNET_IM2COL");
}

/* Where im2col's forward does not store its columns (the packed path: the tiled forward, or
 * the GEMM gathering them where the workspace is too small for that), the other ways too. The
 * stored columns (ALEXNET_IM2COL=explicit) against the reference, forward and both gradients
 * (where they are not stored, dx is a forward of dy with the filters flipped); the GEMM's
 * gather against the stored columns: the same bits (it sums the same values in the same order);
 * the tiled forward and weight gradient with their least workspaces (one image at a time)
 * against the reference.
 * got: the forward's output with the whole workspace. */
static void explicit_forward(const an_conv_shape *s, conv_case *c, an_buf got, int bias) {
    size_t wsn = an_conv_workspace_floats(&dev, s, AN_CONV_IM2COL);
    int pw = s->kh == 1 && s->kw == 1 && s->stride == 1 && s->pad == 0, tile = 0;
    size_t tw = 0, fw = an_conv_forward_workspace_floats(&dev, s, AN_CONV_IM2COL);
    if (!pw && an_conv_tile_runs(&dev)) {
        tile = 1;
        tw = an_conv_tile_workspace_floats(&dev, s);
        CHECK(wsn >= tw, "im2col's workspace (%zu floats) is smaller than the tiled forward's "
              "(%zu)", wsn, tw);
    }
    an_buf ws = dt_upload(&dev, NULL, wsn), y = dt_upload(&dev, NULL, c->ny), none = {NULL, 0};
    an_buf bb = bias ? c->bb : none;
    CHECK(pw || fw == tw, "a forward that does not store its columns asks for %zu floats of "
          "workspace, not %zu", fw, tw);
    set_im2col("explicit");
    fw = an_conv_forward_workspace_floats(&dev, s, AN_CONV_IM2COL);
    CHECK(fw == wsn, "the stored columns' forward asks for %zu floats, not %zu", fw, wsn);
    CHECK_OK(an_conv_forward(&dev, s, AN_CONV_IM2COL, c->bx, c->bw, bb, y, ws, wsn));
    set_im2col(NULL);
    compare("forward, stored columns", s, AN_CONV_IM2COL, y, c->y, c->ny, c->fwd_terms);
    an_buf dx = dt_upload(&dev, NULL, c->nx), dw = dt_upload(&dev, NULL, c->nw);
    set_im2col("explicit");
    CHECK_OK(an_conv_backward(&dev, s, AN_CONV_IM2COL, c->bx, c->bw, c->bdy, dx, dw, none, ws,
                              wsn));
    set_im2col(NULL);
    compare("dx, stored columns", s, AN_CONV_IM2COL, dx, c->dx, c->nx, c->dx_terms);
    compare("dw, stored columns", s, AN_CONV_IM2COL, dw, c->dw, c->nw, c->dw_terms);
    DT_FREE(&dx.mem, &dw.mem);
    if (tile) {
        size_t least = an_conv_tile_min_workspace_floats(&dev, s);
        CHECK_OK(an_fill(&dev, got, NAN, c->ny));
        CHECK_OK(an_conv_forward(&dev, s, AN_CONV_IM2COL, c->bx, c->bw, bb, got, ws, least));
        compare("forward, tiled, least workspace", s, AN_CONV_IM2COL, got, c->y, c->ny,
                c->fwd_terms);
        if (an_conv_tile_dw_runs(&dev, s)) { /* one image per chunk: later ones add to dw */
            an_buf dwt = dt_upload(&dev, NULL, c->nw);
            CHECK_OK(an_conv_backward(&dev, s, AN_CONV_IM2COL, c->bx, c->bw, c->bdy, none, dwt,
                                      none, ws, an_conv_tile_dw_min_workspace_floats(s)));
            compare("dw, tiled, least workspace", s, AN_CONV_IM2COL, dwt, c->dw, c->nw,
                    c->dw_terms);
            an_free(&dwt.mem);
        }
        CHECK_OK(an_fill(&dev, got, NAN, c->ny)); /* too small: the GEMM gathers */
        CHECK_OK(an_conv_forward(&dev, s, AN_CONV_IM2COL, c->bx, c->bw, bb, got, ws, least - 1));
    }
    float *a = malloc(c->ny * sizeof *a), *b = malloc(c->ny * sizeof *b);
    CHECK_OK(an_read(&dev, got, a, c->ny));
    CHECK_OK(an_read(&dev, y, b, c->ny));
    size_t diff = 0;
    for (size_t i = 0; i < c->ny; i++) diff += memcmp(&a[i], &b[i], sizeof *a) != 0;
    CHECK(diff == 0, "n%d c%d %dx%d k%d %dx%d s%d p%d g%d: the GEMM's gathered and stored "
          "columns differ in %zu of %zu outputs", s->n, s->c, s->h, s->w, s->k, s->kh, s->kw,
          s->stride, s->pad, s->groups, diff, c->ny);
    free(a);
    free(b);
    DT_FREE(&ws.mem, &y.mem);
}

/* ws_div > 1 shrinks the workspace to force chunks of fewer images. */
static void run(an_conv_shape s, int bias, int ws_div, uint64_t seed) {
    conv_case c;
    conv_case_make(&c, &dev, s, bias, seed);
    an_conv_algo algos[2] = {AN_CONV_IM2COL, AN_CONV_DIRECT};
    for (int ai = 0; ai < 2; ai++) {
        an_conv_algo a = algos[ai];
        size_t wsn = an_conv_workspace_floats(&dev, &s, a);
        if (ws_div > 1) wsn = wsn / (size_t)ws_div;
        an_buf ws = dt_upload(&dev, NULL, wsn), by = dt_upload(&dev, NULL, c.ny),
               bdx = dt_upload(&dev, NULL, c.nx);
        an_buf bdw = dt_upload(&dev, NULL, c.nw), bdb = dt_upload(&dev, NULL, c.nb),
               none = {NULL, 0};
        CHECK_OK(an_conv_forward(&dev, &s, a, c.bx, c.bw, bias ? c.bb : none, by, ws, wsn));
        compare("forward", &s, a, by, c.y, c.ny, c.fwd_terms);
        CHECK_OK(an_conv_backward(&dev, &s, a, c.bx, c.bw, c.bdy, bdx, bdw, bdb, ws, wsn));
        compare("dx", &s, a, bdx, c.dx, c.nx, c.dx_terms);
        compare("dw", &s, a, bdw, c.dw, c.nw, c.dw_terms);
        compare("db", &s, a, bdb, c.db, c.nb, c.dw_terms);
        /* skipping dx must leave it alone and still give dw */
        CHECK_OK(an_fill(&dev, bdx, NAN, c.nx));
        CHECK_OK(an_fill(&dev, bdw, NAN, c.nw));
        CHECK_OK(an_conv_backward(&dev, &s, a, c.bx, c.bw, c.bdy, none, bdw, none, ws, wsn));
        compare("dw without dx", &s, a, bdw, c.dw, c.nw, c.dw_terms);
        float probe;
        CHECK_OK(an_read(&dev, bdx, &probe, 1));
        CHECK(probe != probe, "skipped dx was written (%g)", probe);
        if (a == AN_CONV_IM2COL && an_gemm_packed_runs(&dev)) explicit_forward(&s, &c, by, bias);
        an_buf *bufs[] = {&ws, &by, &bdx, &bdw, &bdb};
        for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++) an_free(&bufs[i]->mem);
    }
    conv_case_free(&c);
}

static void test_bad_args(void) {
    an_conv_shape s = {1, 3, 5, 5, 4, 3, 3, 1, 0, 2};
    CHECK(an_conv_check(&s) == AN_ERR_INVALID_ARG, "3 channels in 2 groups accepted");
    s = (an_conv_shape){1, 4, 2, 2, 4, 5, 5, 1, 1, 1};
    CHECK(an_conv_check(&s) == AN_ERR_INVALID_ARG, "5x5 kernel on a padded 4x4 accepted");
    s = (an_conv_shape){2, 2, 6, 6, 2, 3, 3, 1, 1, 1};
    float h[144];
    check_fill_uniform(h, 144, 5, -1, 1);
    an_buf x = dt_upload(&dev, h, 144), y = dt_upload(&dev, NULL, 144), w = dt_upload(&dev, h, 36),
           ws = dt_upload(&dev, NULL, 4);
    an_buf none = {NULL, 0};
    set_im2col("explicit");
    CHECK(an_conv_forward(&dev, &s, AN_CONV_IM2COL, x, w, none, y, ws, 4) == AN_ERR_INVALID_ARG,
          "a workspace smaller than one image accepted for stored columns");
    set_im2col("gathered");
    CHECK(an_conv_forward(&dev, &s, AN_CONV_IM2COL, x, w, none, y, ws, 4) == AN_ERR_INVALID_ARG,
          "ALEXNET_IM2COL=gathered accepted");
    set_im2col("implicit");
    an_status want = an_gemm_packed_runs(&dev) ? AN_OK : AN_ERR_UNSUPPORTED;
    CHECK(an_conv_forward(&dev, &s, AN_CONV_IM2COL, x, w, none, y, ws, 4) == want,
          "ALEXNET_IM2COL=implicit: expected status %d (a gathering GEMM needs no workspace; "
          "other devices cannot gather)", (int)want);
    an_buf nows = {NULL, 0};
    if (want == AN_OK)
        CHECK_OK(an_conv_forward(&dev, &s, AN_CONV_IM2COL, x, w, none, y, nows, 0));
    set_im2col(NULL);
    CHECK(an_conv_forward(&dev, &s, AN_CONV_DIRECT, an_buf_at(x, 1), w, none, y, ws, 4) ==
              AN_ERR_INVALID_ARG, "an input past the end of its buffer accepted");
    DT_FREE(&x.mem, &y.mem, &w.mem, &ws.mem);
}

int main(int argc, char **argv) {
    int small;
    if (!dt_start(argc, argv, &dev, &small)) return 1;
    uint64_t seed = 1;
    /*              n  c   h   w   k  kh kw s  p  g */
    run((an_conv_shape){2, 3, 7, 9, 5, 3, 2, 1, 1, 1}, 1, 1, seed += 10);
    run((an_conv_shape){1, 4, 11, 10, 6, 5, 5, 2, 2, 2}, 1, 1, seed += 10);
    run((an_conv_shape){3, 6, 13, 13, 9, 3, 3, 3, 0, 3}, 0, 3, seed += 10);
    run((an_conv_shape){2, 8, 5, 6, 4, 1, 1, 1, 0, 2}, 1, 2, seed += 10);
    run((an_conv_shape){2, 4, 7, 7, 3, 1, 1, 2, 0, 1}, 1, 1, seed += 10);
    /* stride 1, square kernels: the gathered data gradient (padding 1 and 4); then a workspace
     * smaller than the flipped filters (1 output pixel), where it stores its columns */
    run((an_conv_shape){2, 4, 6, 5, 6, 3, 3, 1, 1, 2}, 1, 1, seed += 10);
    run((an_conv_shape){1, 2, 8, 7, 3, 5, 5, 1, 0, 1}, 0, 1, seed += 10);
    run((an_conv_shape){2, 8, 3, 3, 16, 3, 3, 1, 0, 1}, 1, 1, seed += 10);
    /* padding wider than the image reaches: whole tap rows and columns of zeros */
    run((an_conv_shape){2, 3, 4, 3, 4, 5, 5, 2, 2, 1}, 1, 1, seed += 10);
    /* wide kernels: the tiled weight gradient (a part-filled panel of channels; stride 2) */
    run((an_conv_shape){3, 3, 9, 10, 5, 3, 8, 1, 1, 1}, 1, 1, seed += 10);
    run((an_conv_shape){2, 2, 12, 11, 4, 2, 9, 2, 1, 1}, 0, 1, seed += 10);
    /* few filter rows, whole panels of 64 channels: the tiled forward's 64-channel tiles (a run
     * of 5 pixels at stride 4, as owt's conv1; two runs of 6 and two panels) */
    run((an_conv_shape){1, 3, 23, 23, 64, 11, 11, 4, 2, 1}, 1, 1, seed += 10);
    run((an_conv_shape){2, 8, 12, 12, 128, 3, 3, 1, 1, 1}, 0, 2, seed += 10);
    if (!small) {
        run((an_conv_shape){1, 3, 23, 23, 4, 11, 11, 4, 2, 1}, 1, 1, seed += 10); /* owt conv1 */
        run((an_conv_shape){4, 16, 17, 15, 20, 4, 3, 2, 1, 4}, 1, 2, seed += 10);
        run((an_conv_shape){1, 3, 227, 227, 96, 11, 11, 4, 0, 1}, 1, 1, seed += 10);  /* conv1 */
        run((an_conv_shape){1, 96, 27, 27, 256, 5, 5, 1, 2, 2}, 1, 1, seed += 10);  /* conv2 */
        run((an_conv_shape){2, 256, 13, 13, 384, 3, 3, 1, 1, 1}, 1, 2, seed += 10); /* conv3 */
        run((an_conv_shape){1, 384, 13, 13, 384, 3, 3, 1, 1, 2}, 1, 1, seed += 10); /* conv4 */
        run((an_conv_shape){1, 384, 13, 13, 256, 3, 3, 1, 1, 2}, 1, 1, seed += 10); /* conv5 */
        test_bad_args();
    }
    an_devs_close(&dev, 1);
    return check_done("test_conv");
}

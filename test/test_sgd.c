/* test/test_sgd.c - the SGD update against the double reference: three steps over a flat buffer
 * of many segments (AlexNet-like biases with lr_mult 2 / decay_mult 0, odd lengths, gaps that
 * must stay untouched; or every multiplier 1 and no gaps, so that the segments merge into one
 * run, with vector tails at odd offsets), and table validation. `--small` keeps to small sizes.
 * Tolerance after three steps: |e| <= 1e-6 + 1e-6|ref| for w and v (a few float roundings). */
#include "devtest.h"

#include "ops/sgd.h"
#include "ref/ref_sgd.h"

static an_dev dev;

/* Segments of the given lengths, alternating weight (1, 1) and bias (2, 0) multipliers (or all
 * (1, 1) when !alternate), with a gap of `gap` floats before each; the buffers start at offset
 * `off` of larger allocations. */
static void test_layout(const size_t *lengths, size_t count, size_t gap, size_t off,
                        uint64_t seed, int alternate) {
    an_sgd_segment *segs = malloc(count * sizeof *segs);
    an_ref_sgd_segment *rsegs = malloc(count * sizeof *rsegs);
    size_t at = 0;
    for (size_t s = 0; s < count; s++) {
        at += gap;
        int bias = alternate && s % 2 == 1;
        segs[s] = (an_sgd_segment){at, lengths[s], bias ? 2.0f : 1.0f, bias ? 0.0f : 1.0f};
        rsegs[s] = (an_ref_sgd_segment){at, lengths[s], segs[s].lr_mult, segs[s].decay_mult};
        at += lengths[s];
    }
    size_t total = at + gap, n = off + total;
    float *w = malloc(n * sizeof *w), *g = malloc(n * sizeof *g), *v = malloc(n * sizeof *v);
    check_fill_uniform(w, n, seed, -1, 1);
    check_fill_uniform(g, n, seed + 1, -1, 1);
    check_fill_uniform(v, n, seed + 2, -0.1f, 0.1f);
    double *wd = malloc(n * sizeof *wd), *gd = malloc(n * sizeof *gd), *vd = malloc(n * sizeof *vd);
    for (size_t i = 0; i < n; i++) wd[i] = w[i], gd[i] = g[i], vd[i] = v[i];

    an_sgd_table t;
    CHECK_OK(an_sgd_table_create(&dev, segs, count, &t));
    an_buf bw = dt_upload(&dev, w, n), bg = dt_upload(&dev, g, n), bv = dt_upload(&dev, v, n);
    const float lrs[3] = {0.01f, 0.5f, 0.001f};
    for (int step = 0; step < 3; step++) {
        CHECK_OK(an_sgd_step(&dev, &t, an_buf_at(bw, off), an_buf_at(bg, off),
                             an_buf_at(bv, off), lrs[step], 0.9f, 0.0005f));
        an_ref_sgd_step(rsegs, count, wd + off, gd + off, vd + off, lrs[step], 0.9f, 0.0005f);
    }
    unsigned char *inside = calloc(n, 1);
    for (size_t k = 0; k < count; k++) memset(inside + off + segs[k].start, 1, segs[k].length);
    float *got = malloc(n * sizeof *got), *want = malloc(n * sizeof *want);
    const float *orig[2] = {w, v};
    const double *ref[2] = {wd, vd};
    an_buf bufs[2] = {bw, bv};
    for (int which = 0; which < 2; which++) {
        char what[64];
        CHECK_OK(an_read(&dev, bufs[which], got, n));
        for (size_t i = 0; i < n; i++) want[i] = (float)ref[which][i];
        snprintf(what, sizeof what, "sgd %s, %zu segments", which ? "v" : "w", count);
        check_close(what, got, want, n, 1e-6f, 1e-6f);
        /* outside every segment (gaps, before the offset): untouched, bit for bit */
        size_t touched = 0, moved = 0;
        for (size_t i = 0; i < n; i++) {
            if (!inside[i]) touched += memcmp(&got[i], &orig[which][i], sizeof(float)) != 0;
            else moved += got[i] != orig[which][i];
        }
        CHECK(touched == 0, "%s: %zu elements outside the segments changed", what, touched);
        CHECK(moved > 0, "%s: nothing moved", what);
    }

    an_sgd_table_free(&t);
    DT_FREE(&bw.mem, &bg.mem, &bv.mem);
    free(segs), free(rsegs), free(w), free(g), free(v), free(wd), free(gd), free(vd), free(got),
        free(want), free(inside);
}

int main(int argc, char **argv) {
    int small;
    if (!dt_start(argc, argv, &dev, &small)) return 1;
    const size_t one[1] = {37};
    test_layout(one, 1, 0, 0, 1, 1);
    const size_t few[4] = {96 * 3 * 11 * 11 / 8, 96, 13, 1};
    test_layout(few, 4, 5, 3, 2, 1);
    size_t many[33];
    uint64_t s = 3;
    for (int i = 0; i < 33; i++) many[i] = 1 + check_rand_u64(&s) % 200;
    test_layout(many, 33, 1, 0, 4, 1);
    test_layout(many, 33, 0, 7, 6, 0); /* one run of 33 segments */
    if (!small) {
        /* AlexNet's fc8 and conv3 (weights and biases) at full size */
        const size_t big[4] = {1000 * 4096, 1000, 384 * 256 * 3 * 3, 384};
        test_layout(big, 4, 0, 0, 5, 1);
    }
    an_sgd_table t;
    const an_sgd_segment overlap[2] = {{0, 10, 1, 1}, {5, 10, 1, 1}};
    CHECK(an_sgd_table_create(&dev, overlap, 2, &t) == AN_ERR_INVALID_ARG,
          "overlapping segments are refused");
    an_devs_close(&dev, 1);
    return check_done("test_sgd");
}

/* test/test_tune.c - the convolution tuner (host/ops/tune.h) on small shapes: the candidates
 * (FFT only for stride 1, the GEMM backends of im2col, Winograd's small tile only where the
 * default is larger, ALEXNET_TUNE_CANDIDATES), a first call times and picks the fastest, later
 * calls read the choice from memory and then from the file (no timing), a corrupt file is
 * ignored and rewritten, other builds' entries outlive a store (the last three builds'),
 * ALEXNET_TUNE=retune times again, a failing or wrong candidate is skipped even if it would be
 * fastest, and a pinned choice is read back; the accuracy test's exact values against the double
 * reference (host/ref), and a candidate erring over the accuracy factor times im2col (F(4x4,
 * 3x3) on a conv4-like shape) is marked inaccurate and never chosen, except for an inference
 * forward, which may err more; and CLBlast's GEMMs are counted by the profiler. Runs in a
 * temporary XDG_CACHE_HOME. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devtest.h"
#include "ops/tune.h"
#include "ops/tune_accuracy.h"
#include "ref/ref_conv.h"
#include "runtime/progcache.h"

static const an_conv_shape S1 = {2, 3, 9, 9, 4, 3, 3, 1, 1, 1};  /* stride 1 */
static const an_conv_shape S2 = {2, 4, 11, 11, 6, 3, 3, 2, 0, 2}; /* stride 2, two groups */
/* one image, filters far larger than the activations (a batch-1 classify of conv3-5) */
static const an_conv_shape S3 = {1, 48, 3, 3, 64, 3, 3, 1, 1, 1};

static int index_of(const an_tune_result *r, const char *name) {
    char n[64];
    for (int i = 0; i < r->ncand; i++) {
        an_conv_choice_name(r->cand[i], n, sizeof n);
        if (strcmp(n, name) == 0) return i;
    }
    return -1;
}


static void check_candidates(an_dev *d) {
    an_tune_result r;
    /* By default a CPU device leaves out fft and im2col+clblast (slow there, minutes to try). */
    int cpu = (d->info.type & CL_DEVICE_TYPE_CPU) != 0;
    CHECK_OK(an_conv_tune_candidates(d, &S1, AN_TUNE_FORWARD, &r));
    CHECK(!cpu || (r.ncand == 4 && index_of(&r, "im2col+own") == 0 && index_of(&r, "direct") == 1 &&
                   index_of(&r, "winograd+own") == 2 && index_of(&r, "winograd2+own") == 3),
          "CPU default: im2col+own, direct, winograd+own, winograd2+own (%d candidates)", r.ncand);
    /* 2x2 outputs: F(2x2, 3x3) is the default tile there, so winograd2 would time it twice */
    const an_conv_shape small = {1, 8, 2, 2, 8, 3, 3, 1, 1, 1};
    CHECK_OK(an_conv_tune_candidates(d, &small, AN_TUNE_FORWARD, &r));
    CHECK(index_of(&r, "winograd+own") >= 0 && index_of(&r, "winograd2+own") < 0,
          "winograd2 only where the default tile is larger (%d candidates)", r.ncand);
    /* fftgemm where its products are at most a quarter of the definition's: 5x5 on 27x27 (an
     * eighth), not 3x3 on 13x13 (16x16 transforms: 0.38) */
    const an_conv_shape c2 = {2, 8, 27, 27, 8, 5, 5, 1, 2, 1};
    const an_conv_shape c3 = {2, 8, 13, 13, 8, 3, 3, 1, 1, 1};
    CHECK_OK(an_conv_tune_candidates(d, &c2, AN_TUNE_BACKWARD_WEIGHTS, &r));
    CHECK(index_of(&r, "fftgemm+own") >= 0, "5x5 on 27x27: no fftgemm (%d candidates)", r.ncand);
    CHECK_OK(an_conv_tune_candidates(d, &c3, AN_TUNE_FORWARD, &r));
    CHECK(index_of(&r, "fftgemm+own") < 0, "3x3 on 13x13: fftgemm tried (%d candidates)", r.ncand);
    setenv("ALEXNET_TUNE_CANDIDATES", "im2col,direct,fft", 1);
    CHECK_OK(an_conv_tune_candidates(d, &S1, AN_TUNE_FORWARD, &r));
    CHECK(r.ncand == 4 && index_of(&r, "im2col+own") == 0 && index_of(&r, "im2col+clblast") == 1 &&
          index_of(&r, "direct") == 2 && index_of(&r, "fft") == 3, "stride 1: 4 candidates (%d)",
          r.ncand);
    CHECK_OK(an_conv_tune_candidates(d, &S2, AN_TUNE_BACKWARD_DATA, &r));
    CHECK(r.ncand == 3 && index_of(&r, "fft") < 0, "stride 2: no fft (%d candidates)", r.ncand);
    unsetenv("ALEXNET_TUNE_CANDIDATES");
    setenv("ALEXNET_TUNE_CANDIDATES", "im2col,direct", 1);
    CHECK_OK(an_conv_tune_candidates(d, &S1, AN_TUNE_FORWARD, &r));
    CHECK(r.ncand == 3 && index_of(&r, "fft") < 0, "ALEXNET_TUNE_CANDIDATES=im2col,direct: 3");
    setenv("ALEXNET_TUNE_CANDIDATES", "im2col+own,winograd9", 1);
    CHECK(an_conv_tune_candidates(d, &S1, AN_TUNE_FORWARD, &r) == AN_ERR_INVALID_ARG &&
          strstr(an_last_error(), "winograd9"), "a bad candidate name is refused: %s",
          an_last_error());
    unsetenv("ALEXNET_TUNE_CANDIDATES");
    setenv("ALEXNET_GEMM", "clblast", 1);
    CHECK_OK(an_conv_tune_candidates(d, &S1, AN_TUNE_FORWARD, &r));
    CHECK(r.ncand == (cpu ? 4 : 5) && index_of(&r, "im2col+clblast") == 0 &&
              index_of(&r, "winograd+clblast") >= 0 && index_of(&r, "im2col+own") < 0,
          "ALEXNET_GEMM fixes the backend (%d candidates)", r.ncand);
    unsetenv("ALEXNET_GEMM");
    an_conv_choice c;
    CHECK(an_conv_choice_parse("im2col+clblast", &c) && c.algo == AN_CONV_IM2COL &&
          c.gemm == AN_GEMM_CLBLAST, "parse im2col+clblast");
    CHECK(!an_conv_choice_parse("direct+own", &c) && !an_conv_choice_parse("nope", &c),
          "direct has no GEMM backend; unknown names are refused");
}

/* Candidate i ran and was right: timed, or right but less accurate than the tuner allows (the
 * larger Winograd tiles on some shapes). */
static int ran_right(const an_tune_result *r, int i, an_tune_dir dir) {
    return r->ms[i] >= 0 ||
           (r->ms[i] == AN_TUNE_INACCURATE && r->err[i] > an_tune_accuracy_factor(dir));
}

/* Filters larger than the input and output: the tuner's random inputs must fill every buffer
 * within its size (the ASan run checks), and every direction is right. */
static void check_big_filters(an_dev *d) {
    for (int dir = 0; dir < AN_TUNE_KEYS; dir++) {
        an_tune_result r;
        CHECK_OK(an_conv_tune(d, &S3, (an_tune_dir)dir, NULL, NULL, &r));
        for (int i = 0; i < r.ncand; i++)
            CHECK(ran_right(&r, i, (an_tune_dir)dir), "big filters, %s: candidate %d ran and was right (%g)",
                  an_tune_dir_name((an_tune_dir)dir), i, r.ms[i]);
    }
}

/* The accuracy test's exact values: each sample against the double reference of its direction,
 * on a strided, padded, grouped shape. */
static void check_probe_exact(void) {
    const an_conv_shape s = {2, 4, 9, 8, 6, 3, 2, 2, 1, 2};
    const ref_conv_shape rs = {2, 4, 9, 8, 6, 3, 2, 2, 1, 2};
    int oh = an_conv_oh(&s), ow = an_conv_ow(&s);
    size_t nx = 2 * 4 * 9 * 8, nw = 6 * 2 * 3 * 2, ny = (size_t)2 * 6 * oh * ow;
    float *f[4];
    double *dd[4], *out[3];
    size_t cnt[4] = {nx, nw, 6, ny};
    for (int i = 0; i < 4; i++) {
        f[i] = dt_rand_floats(cnt[i], 40 + (unsigned)i);
        dd[i] = malloc(cnt[i] * sizeof *dd[i]);
        for (size_t j = 0; j < cnt[i]; j++) dd[i][j] = f[i][j];
    }
    size_t on[3] = {ny, nx, nw};
    for (int i = 0; i < 3; i++) out[i] = malloc(on[i] * sizeof *out[i]);
    ref_conv_forward(&rs, dd[0], dd[1], dd[2], out[0]);
    ref_conv_backward_data(&rs, dd[3], dd[1], out[1]);
    ref_conv_backward_weights(&rs, dd[0], dd[3], out[2], NULL);
    for (int dir = 0; dir < AN_TUNE_DIRS; dir++) {
        an_tune_probe p;
        CHECK_OK(an_tune_probe_make(&s, (an_tune_dir)dir, f[0], f[1], f[2], f[3], &p));
        double worst = 0;
        for (int j = 0; j < p.n; j++) {
            double e = fabs(p.exact[j] - out[dir][p.idx[j]]);
            if (!(e <= worst)) worst = e;
        }
        /* every output of the few (forward, dw); 512 of dx's 576 */
        CHECK(p.n == (int)(on[dir] < 512 ? on[dir] : 512) && worst <= 1e-12,
              "%s: %d exact samples of %zu, worst %.3g "
              "off the double reference", an_tune_dir_name((an_tune_dir)dir), p.n, on[dir], worst);
        an_tune_probe_free(&p);
    }
    for (int i = 0; i < 4; i++) free(f[i]), free(dd[i]);
    for (int i = 0; i < 3; i++) free(out[i]);
}

/* AlexNet's conv4 at batch 1: F(4x4, 3x3) errs several times what im2col does (docs/CONV.md),
 * F(2x2, 3x3) about as much; the first is marked inaccurate and never chosen, whatever its time. */
static void check_inaccurate(an_dev *d) {
    const an_conv_shape s = {1, 192, 13, 13, 192, 3, 3, 1, 1, 1};
    setenv("ALEXNET_TUNE_CANDIDATES", "im2col+own,winograd,winograd2", 1);
    an_tune_set_mode(d, AN_TUNE_MODE_RETUNE);
    for (int dir = 0; dir < 2; dir++) { /* forward and dx */
        an_tune_result r;
        CHECK_OK(an_conv_tune(d, &s, (an_tune_dir)dir, NULL, NULL, &r));
        int big = index_of(&r, "winograd+own"), small = index_of(&r, "winograd2+own");
        double x = an_tune_accuracy_factor((an_tune_dir)dir);
        CHECK(big > 0 && r.ms[big] == AN_TUNE_INACCURATE && r.err[big] > x,
              "%s: F(4,3) marked inaccurate (err %.2fx im2col, over %gx)",
              an_tune_dir_name((an_tune_dir)dir), big > 0 ? r.err[big] : 0, x);
        CHECK(small > 0 && r.ms[small] >= 0 && r.err[small] < x && r.err[0] == 1.0,
              "%s: F(2,3) within the factor (err %.2fx im2col)",
              an_tune_dir_name((an_tune_dir)dir), small > 0 ? r.err[small] : 0);
        CHECK(r.choice.algo != AN_CONV_WINOGRAD, "%s: the inaccurate candidate is not chosen",
              an_tune_dir_name((an_tune_dir)dir));
    }
    /* An inference forward may err more: the same F(4,3) is a candidate there. */
    an_tune_result r;
    CHECK_OK(an_conv_tune(d, &s, AN_TUNE_INFERENCE, NULL, NULL, &r));
    int big = index_of(&r, "winograd+own");
    double fx = an_tune_accuracy_factor(AN_TUNE_FORWARD);
    double ix = an_tune_accuracy_factor(AN_TUNE_INFERENCE);
    CHECK(big > 0 && r.ms[big] >= 0 && r.err[big] > fx && r.err[big] < ix,
          "fwd-infer: F(4,3) runs, erring %.2fx im2col (over %gx, within %gx)",
          big > 0 ? r.err[big] : 0, fx, ix);
    an_tune_set_mode(d, AN_TUNE_MODE_ENV);
    unsetenv("ALEXNET_TUNE_CANDIDATES");
}

/* A timed result: every candidate ran correctly and the choice is within the margin of the
 * fastest. */
static void check_timed(const an_tune_result *r, const char *what) {
    CHECK(r->source == AN_TUNE_TIMED, "%s: timed now (source %s)", what,
          an_tune_source_name(r->source));
    double best = 1e30, chosen = -1;
    for (int i = 0; i < r->ncand; i++) {
        if (r->ms[i] >= 0 && r->ms[i] < best) best = r->ms[i];
        if (an_conv_choice_eq(r->cand[i], r->choice)) chosen = r->ms[i];
    }
    CHECK(chosen >= 0 && chosen <= best / 0.95 + 1e-9, "%s: the choice (%.3f ms) is the fastest "
          "(%.3f ms) or the reference within 5%%", what, chosen, best);
}

static void tune_cycle(an_dev *d, const char *path) {
    unsigned long t0, r0, t1, r1;
    an_tune_result a, b;
    an_tune_counts(d, 1, &t0, &r0);
    for (int dir = 0; dir < AN_TUNE_DIRS; dir++) {
        CHECK_OK(an_conv_tune(d, &S1, (an_tune_dir)dir, NULL, NULL, &a));
        check_timed(&a, an_tune_dir_name((an_tune_dir)dir));
        for (int i = 0; i < a.ncand; i++)
            CHECK(ran_right(&a, i, (an_tune_dir)dir), "%s: candidate %d ran and was right", an_tune_dir_name(dir),
                  i);
    }
    an_tune_counts(d, 1, &t1, &r1);
    CHECK(t1 - t0 == 3 && r1 == r0, "three shapes timed, none read (%lu, %lu)", t1 - t0, r1 - r0);
    CHECK(access(path, R_OK) == 0, "the tune cache file %s exists", path);

    /* Memory, then (after forgetting) the file: no timing, the same choice. */
    CHECK_OK(an_conv_tune(d, &S1, AN_TUNE_FORWARD, NULL, NULL, &b));
    an_tune_forget();
    CHECK_OK(an_conv_tune(d, &S1, AN_TUNE_BACKWARD_WEIGHTS, NULL, NULL, &b));
    CHECK(b.source == AN_TUNE_CACHED, "read back from the file");
    CHECK_OK(an_conv_tune(d, &S1, AN_TUNE_FORWARD, NULL, NULL, &b));
    an_tune_counts(d, 1, &t0, &r0);
    CHECK(t0 == t1 && r0 - r1 == 3, "no timing on the second use (timed %lu, read %lu)", t0 - t1,
          r0 - r1);
    CHECK(b.source == AN_TUNE_CACHED, "forward from the cache");
}

/* Change one byte of the file's first entry: the whole file is distrusted and rewritten. */
static void check_corrupt(an_dev *d, const char *path) {
    FILE *f = fopen(path, "r+b");
    CHECK(f != NULL, "open %s", path);
    if (!f) return;
    char buf[8192];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    char *ms = strstr(buf, " ms=");
    CHECK(ms != NULL, "the file has entries");
    if (ms) {
        ms[4] = ms[4] == '9' ? '1' : '9'; /* another time: the line's sum no longer matches */
        fseek(f, 0, SEEK_SET);
        fwrite(buf, 1, n, f);
    }
    fclose(f);
    an_tune_forget();
    unsigned long t0, r0, t1, r1;
    an_tune_result r;
    an_tune_counts(d, 1, &t0, &r0);
    CHECK_OK(an_conv_tune(d, &S1, AN_TUNE_BACKWARD_DATA, NULL, NULL, &r));
    an_tune_counts(d, 1, &t1, &r1);
    CHECK(t1 == t0 + 1 && r.source == AN_TUNE_TIMED, "a corrupt file is not trusted: timed again");
    an_tune_forget();
    CHECK_OK(an_conv_tune(d, &S1, AN_TUNE_BACKWARD_DATA, NULL, NULL, &r));
    CHECK(r.source == AN_TUNE_CACHED, "the rewritten file is read");
    CHECK_OK(an_conv_tune(d, &S1, AN_TUNE_FORWARD, NULL, NULL, &r));
    CHECK(r.source == AN_TUNE_TIMED, "the corrupt file's other entries were dropped");
}

/* Entries of other builds (other code hashes) survive a store, those of the TUNE_KEEP_CODES (3)
 * builds written last: five fake builds' copies of the file's first entry are put before it,
 * then a store drops the two oldest and keeps the rest and this build's entries. */
static void check_other_builds(an_dev *d, const char *path) {
    char *buf = NULL, *out = NULL;
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL, "open %s", path);
    if (!f) return;
    buf = calloc(1, 1 << 16);
    out = calloc(1, 1 << 17);
    size_t n = fread(buf, 1, (1 << 16) - 1, f);
    fclose(f);
    char *first = strstr(buf, "\nv1 "), *code = first ? strstr(first, " code=") : NULL;
    char *sum = first ? strstr(first, " sum=") : NULL;
    CHECK(first && code && sum && n < (1 << 16) - 1, "the file has an entry");
    if (!first || !code || !sum) goto done;
    first++;
    size_t at = (size_t)(first - buf);
    memcpy(out, buf, at);
    for (int b = 1; b <= 5; b++) {
        char line[2048];
        int len = snprintf(line, sizeof line, "%.*s code=%016x%.*s", (int)(code - first), first,
                           b, (int)(sum - code - 22), code + 22);
        an_hash128 h = an_hash_update(an_hash_init(), line, (size_t)len);
        at += (size_t)sprintf(out + at, "%s sum=%016llx\n", line, (unsigned long long)h.a);
    }
    strcpy(out + at, first);
    f = fopen(path, "wb");
    CHECK(f && fputs(out, f) >= 0 && fclose(f) == 0, "rewrite %s", path);
    an_tune_forget();
    CHECK_OK(an_conv_tune_put(d, &S1, AN_TUNE_BACKWARD_WEIGHTS,
                              (an_conv_choice){AN_CONV_DIRECT, AN_GEMM_AUTO}));
    f = fopen(path, "rb");
    n = f ? fread(buf, 1, (1 << 16) - 1, f) : 0;
    buf[n] = 0;
    if (f) fclose(f);
    char want[64];
    for (int b = 1; b <= 5; b++) {
        snprintf(want, sizeof want, " code=%016x ", b);
        CHECK((strstr(buf, want) != NULL) == (b > 2), "build %d's entry %s", b,
              b > 2 ? "kept" : "dropped");
    }
    an_tune_result r;
    CHECK_OK(an_conv_tune(d, &S1, AN_TUNE_BACKWARD_DATA, NULL, NULL, &r));
    CHECK(r.source == AN_TUNE_CACHED, "this build's entries are still read");
done:
    free(buf);
    free(out);
}

/* A candidate that fails, or gives wrong results, is skipped even where it would win. */
static void check_faults(an_dev *d) {
    an_tune_set_mode(d, AN_TUNE_MODE_RETUNE);
    an_tune_forget();
    for (int wrong = 0; wrong < 2; wrong++) {
        an_conv_choice direct = {AN_CONV_DIRECT, AN_GEMM_AUTO};
        an_tune_inject_fault(d, direct, wrong);
        an_tune_result r;
        CHECK_OK(an_conv_tune(d, &S2, AN_TUNE_FORWARD, NULL, NULL, &r));
        int k = index_of(&r, "direct");
        CHECK(k >= 0 && r.ms[k] == (wrong ? AN_TUNE_WRONG : AN_TUNE_FAILED),
              "the faulty candidate is marked %s (%g)", wrong ? "wrong" : "failed",
              k >= 0 ? r.ms[k] : 0);
        CHECK(r.choice.algo != AN_CONV_DIRECT, "and not chosen");
        an_tune_forget();
    }
    an_tune_inject_fault(d, (an_conv_choice){AN_CONV_AUTO, AN_GEMM_AUTO}, 0);
    an_tune_set_mode(d, AN_TUNE_MODE_ENV);
}

static void check_put(an_dev *d) {
    an_conv_choice fft = {AN_CONV_FFT, AN_GEMM_AUTO}, c2 = {AN_CONV_IM2COL, AN_GEMM_CLBLAST};
    setenv("ALEXNET_TUNE_CANDIDATES", "im2col,direct,fft", 1);
    CHECK_OK(an_conv_tune_put(d, &S1, AN_TUNE_FORWARD, fft));
    CHECK(an_conv_tune_put(d, &S2, AN_TUNE_FORWARD, fft) == AN_ERR_INVALID_ARG,
          "fft with stride 2 is not a candidate");
    CHECK_OK(an_conv_tune_put(d, &S2, AN_TUNE_BACKWARD_WEIGHTS, c2));
    an_tune_forget();
    an_tune_result r;
    CHECK_OK(an_conv_tune(d, &S1, AN_TUNE_FORWARD, NULL, NULL, &r));
    CHECK(r.source == AN_TUNE_CACHED && an_conv_choice_eq(r.choice, fft), "pinned fft read back");
    CHECK_OK(an_conv_tune(d, &S2, AN_TUNE_BACKWARD_WEIGHTS, NULL, NULL, &r));
    CHECK(r.source == AN_TUNE_CACHED && an_conv_choice_eq(r.choice, c2),
          "pinned im2col+clblast read back");
    unsetenv("ALEXNET_TUNE_CANDIDATES");
}

/* CLBlast's calls reach the profile under the current tag, like the own kernels' launches. */
static void check_clblast_profiled(an_dev *d) {
    const size_t n = 64;
    float *h = dt_rand_floats(n * n, 5);
    an_buf a = dt_upload(d, h, n * n), c = dt_upload(d, NULL, n * n);
    CHECK_OK(an_profile_start(d));
    d->tag = "clblast-gemm";
    an_gemm_set_backend(d, AN_GEMM_CLBLAST);
    CHECK_OK(an_gemm(d, 0, 0, n, n, n, 1.0f, a, n, a, n, 0.0f, c, n));
    an_gemm_set_backend(d, AN_GEMM_AUTO);
    an_profile_row *rows = NULL;
    int nrows = 0, found = 0;
    CHECK_OK(an_profile_collect(d, &rows, &nrows));
    for (int i = 0; i < nrows; i++)
        if (strcmp(rows[i].tag, "clblast-gemm") == 0)
            found = rows[i].launches >= 1 && rows[i].ms > 0;
    CHECK(found, "the CLBlast GEMM is in the profile under its tag (%d rows)", nrows);
    free(rows);
    an_profile_stop(d);
    d->tag = NULL;
    an_free(&a.mem);
    an_free(&c.mem);
    free(h);
}

int main(void) {
    char dir[] = "/tmp/test_tune_XXXXXX";
    CHECK(mkdtemp(dir) != NULL, "temporary cache directory");
    setenv("XDG_CACHE_HOME", dir, 1);
    unsetenv("ALEXNET_TUNE");
    unsetenv("ALEXNET_GEMM");
    unsetenv("ALEXNET_TUNE_CANDIDATES");
    an_dev d;
    if (!dt_open(&d, 1)) return check_done("test_tune");
    char path[4200];
    CHECK(an_tune_cache_path(&d, path, sizeof path) && strstr(path, dir) == path,
          "the tune cache is under XDG_CACHE_HOME: %s", path);
    check_candidates(&d);
    tune_cycle(&d, path);
    check_corrupt(&d, path);
    check_other_builds(&d, path);
    check_faults(&d);
    check_put(&d);
    check_clblast_profiled(&d);
    check_big_filters(&d);
    check_probe_exact();
    check_inaccurate(&d);
    an_devs_close(&d, 1);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0, "remove %s", dir);
    return check_done("test_tune");
}

/* test/test_tune.c - the convolution tuner (host/ops/tune.h) on small shapes: the candidates
 * (FFT only for stride 1, the GEMM backends of im2col, ALEXNET_TUNE_CANDIDATES), a first call
 * times and picks the fastest, later calls read the choice from memory and then from the file
 * (no timing), a corrupt file is ignored and rewritten, ALEXNET_TUNE=retune times again, a
 * failing or wrong candidate is skipped even if it would be fastest, and a pinned choice is read
 * back; and CLBlast's GEMMs are counted by the profiler. Runs in a temporary XDG_CACHE_HOME. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devtest.h"
#include "ops/tune.h"

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

static void counts(unsigned long *timed, unsigned long *read) { an_tune_counts(timed, read); }

static void check_candidates(an_dev *d) {
    an_tune_result r;
    /* By default a CPU device leaves out fft and im2col+clblast (slow there, minutes to try). */
    int cpu = (d->info.type & CL_DEVICE_TYPE_CPU) != 0;
    CHECK_OK(an_conv_tune_candidates(d, &S1, AN_TUNE_FORWARD, &r));
    CHECK(!cpu || (r.ncand == 3 && index_of(&r, "im2col+own") == 0 && index_of(&r, "direct") == 1 &&
                   index_of(&r, "winograd+own") == 2),
          "CPU default: im2col+own, direct, winograd+own (%d candidates)", r.ncand);
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
    CHECK(r.ncand == (cpu ? 3 : 4) && index_of(&r, "im2col+clblast") == 0 &&
              index_of(&r, "winograd+clblast") >= 0 && index_of(&r, "im2col+own") < 0,
          "ALEXNET_GEMM fixes the backend (%d candidates)", r.ncand);
    unsetenv("ALEXNET_GEMM");
    an_conv_choice c;
    CHECK(an_conv_choice_parse("im2col+clblast", &c) && c.algo == AN_CONV_IM2COL &&
          c.gemm == AN_GEMM_CLBLAST, "parse im2col+clblast");
    CHECK(!an_conv_choice_parse("direct+own", &c) && !an_conv_choice_parse("nope", &c),
          "direct has no GEMM backend; unknown names are refused");
}

/* Filters larger than the input and output: the tuner's random inputs must fill every buffer
 * within its size (the ASan run checks), and every direction agrees with im2col. */
static void check_big_filters(an_dev *d) {
    for (int dir = 0; dir < AN_TUNE_DIRS; dir++) {
        an_tune_result r;
        CHECK_OK(an_conv_tune(d, &S3, (an_tune_dir)dir, NULL, NULL, &r));
        for (int i = 0; i < r.ncand; i++)
            CHECK(r.ms[i] >= 0, "big filters, %s: candidate %d ran and agreed (%g)",
                  an_tune_dir_name((an_tune_dir)dir), i, r.ms[i]);
    }
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
    counts(&t0, &r0);
    for (int dir = 0; dir < AN_TUNE_DIRS; dir++) {
        CHECK_OK(an_conv_tune(d, &S1, (an_tune_dir)dir, NULL, NULL, &a));
        check_timed(&a, an_tune_dir_name((an_tune_dir)dir));
        for (int i = 0; i < a.ncand; i++)
            CHECK(a.ms[i] >= 0, "%s: candidate %d ran correctly", an_tune_dir_name(dir), i);
    }
    counts(&t1, &r1);
    CHECK(t1 - t0 == 3 && r1 == r0, "three shapes timed, none read (%lu, %lu)", t1 - t0, r1 - r0);
    CHECK(access(path, R_OK) == 0, "the tune cache file %s exists", path);

    /* Memory, then (after forgetting) the file: no timing, the same choice. */
    CHECK_OK(an_conv_tune(d, &S1, AN_TUNE_FORWARD, NULL, NULL, &b));
    an_tune_forget();
    CHECK_OK(an_conv_tune(d, &S1, AN_TUNE_BACKWARD_WEIGHTS, NULL, NULL, &b));
    CHECK(b.source == AN_TUNE_CACHED, "read back from the file");
    CHECK_OK(an_conv_tune(d, &S1, AN_TUNE_FORWARD, NULL, NULL, &b));
    counts(&t0, &r0);
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
    counts(&t0, &r0);
    CHECK_OK(an_conv_tune(d, &S1, AN_TUNE_BACKWARD_DATA, NULL, NULL, &r));
    counts(&t1, &r1);
    CHECK(t1 == t0 + 1 && r.source == AN_TUNE_TIMED, "a corrupt file is not trusted: timed again");
    an_tune_forget();
    CHECK_OK(an_conv_tune(d, &S1, AN_TUNE_BACKWARD_DATA, NULL, NULL, &r));
    CHECK(r.source == AN_TUNE_CACHED, "the rewritten file is read");
    CHECK_OK(an_conv_tune(d, &S1, AN_TUNE_FORWARD, NULL, NULL, &r));
    CHECK(r.source == AN_TUNE_TIMED, "the corrupt file's other entries were dropped");
}

/* A candidate that fails, or gives wrong results, is skipped even where it would win. */
static void check_faults(an_dev *d) {
    an_tune_set_mode(AN_TUNE_MODE_RETUNE);
    an_tune_forget();
    for (int wrong = 0; wrong < 2; wrong++) {
        an_conv_choice direct = {AN_CONV_DIRECT, AN_GEMM_AUTO};
        an_tune_inject_fault(direct, wrong);
        an_tune_result r;
        CHECK_OK(an_conv_tune(d, &S2, AN_TUNE_FORWARD, NULL, NULL, &r));
        int k = index_of(&r, "direct");
        CHECK(k >= 0 && r.ms[k] == (wrong ? AN_TUNE_WRONG : AN_TUNE_FAILED),
              "the faulty candidate is marked %s (%g)", wrong ? "wrong" : "failed",
              k >= 0 ? r.ms[k] : 0);
        CHECK(r.choice.algo != AN_CONV_DIRECT, "and not chosen");
        an_tune_forget();
    }
    an_tune_inject_fault((an_conv_choice){AN_CONV_AUTO, AN_GEMM_AUTO}, 0);
    an_tune_set_mode(AN_TUNE_MODE_ENV);
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
    check_faults(&d);
    check_put(&d);
    check_clblast_profiled(&d);
    check_big_filters(&d);
    an_devs_close(&d, 1);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0, "remove %s", dir);
    return check_done("test_tune");
}

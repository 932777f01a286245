/* test/check.h - the tests' tiny harness: CHECK counts, a failure prints where and why, and
 * check_done() prints "N passed, N failed" and returns the exit status.
 * Tests that need a device get the list through check_devices_list (skipped when there is none).
 * check_small says whether to keep to small shapes. Also: a deterministic random generator, NaN
 * poisoning and tolerance comparison of float arrays. */
#ifndef AN_TEST_CHECK_H
#define AN_TEST_CHECK_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/device.h"

static int check_passed_, check_failed_;

#define CHECK(cond, ...)                                                         \
    do {                                                                         \
        if (cond) {                                                              \
            check_passed_++;                                                     \
        } else {                                                                 \
            check_failed_++;                                                     \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);      \
            fprintf(stderr, __VA_ARGS__);                                        \
            fputc('\n', stderr);                                                 \
        }                                                                        \
    } while (0)

/* An an_status call that must succeed; prints an_last_error() when it does not. */
#define CHECK_OK(expr)                                                           \
    do {                                                                         \
        an_status check_rc_ = (expr);                                            \
        CHECK(check_rc_ == AN_OK, "%s -> %s: %s", #expr, an_status_name(check_rc_), \
              an_last_error());                                                  \
    } while (0)

static inline int check_done(const char *suite) {
    printf("%s: %d passed, %d failed\n", suite, check_passed_, check_failed_);
    return check_failed_ ? 1 : 0;
}

/* an_devices_list for tests that need a device: with no OpenCL device at all the test reports
 * itself skipped (exit 77, CTest's SKIP_RETURN_CODE), neither passed nor failed. */
/* The small shapes only: `--small` as the first argument, or ALEXNET_TEST_SMALL=1 (the
 * sanitizer pass: the large shapes run the same host code, longer). */
static inline int check_small(int argc, char **argv) {
    const char *e = getenv("ALEXNET_TEST_SMALL");
    return (argc > 1 && strcmp(argv[1], "--small") == 0) || (e && strcmp(e, "1") == 0);
}

static inline an_status check_devices_list(an_device_info **list, int *n) {
    an_status s = an_devices_list(list, n);
    if (s == AN_ERR_NOT_FOUND) {
        printf("SKIP: %s\n", an_last_error());
        exit(77);
    }
    return s;
}

/* splitmix64: reproducible random numbers for test inputs. */
static inline uint64_t check_rand_u64(uint64_t *s) {
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
/* Uniform in [lo, hi). */
static inline float check_rand_uniform(uint64_t *s, float lo, float hi) {
    return lo + (hi - lo) * (float)((check_rand_u64(s) >> 40) * (1.0 / 16777216.0));
}
static inline void check_fill_uniform(float *x, size_t n, uint64_t seed, float lo, float hi) {
    for (size_t i = 0; i < n; i++) x[i] = check_rand_uniform(&seed, lo, hi);
}
static inline void check_poison(float *x, size_t n) {
    for (size_t i = 0; i < n; i++) x[i] = NAN;
}

/* Compare got against ref: |got-ref| <= atol + rtol*|ref| everywhere (NaN fails).
 * Prints the first few mismatches under `what`; returns the number of mismatches. */
static inline size_t check_close(const char *what, const float *got, const float *ref, size_t n,
                                 float atol, float rtol) {
    size_t bad = 0;
    double maxerr = 0;
    for (size_t i = 0; i < n; i++) {
        double e = fabs((double)got[i] - (double)ref[i]);
        if (!(e <= atol + rtol * fabs((double)ref[i]))) {
            if (bad < 5)
                fprintf(stderr, "  %s[%zu]: got %.7g, want %.7g\n", what, i, got[i], ref[i]);
            bad++;
        }
        if (e > maxerr || e != e) maxerr = e;
    }
    CHECK(bad == 0, "%s: %zu of %zu elements out of tolerance (atol %g, rtol %g, max err %g)",
          what, bad, n, atol, rtol, maxerr);
    return bad;
}

/* Run tools/<tool>.py DIR (DIR emptied first when fresh), the data tests' fixture makers; 0,
 * with the reason on stderr, when it fails (they need /usr/bin/python3 with PIL). */
static inline int check_fixtures(const char *tool, const char *dir, int fresh) {
    const char *src = getenv("ALEXNET_SOURCE_DIR");
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "%s%s%s/usr/bin/python3 %s/tools/%s.py %s", fresh ? "rm -rf '" : "",
             fresh ? dir : "", fresh ? "' && " : "", src ? src : "..", tool, dir);
    int rc = system(cmd);
    if (rc != 0)
        fprintf(stderr, "FAIL: `%s` exited with %d: the data tests need /usr/bin/python3 with PIL "
                        "(python3-pil; tools/setup.sh installs it)\n", cmd, rc);
    return rc == 0;
}

/* The size of the file at path in bytes; -1 when it cannot be opened. */
static inline long check_file_size(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fclose(f);
    return n;
}

#endif

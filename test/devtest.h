/* test/devtest.h - device helpers shared by the op and model tests, on top of check.h: open the
 * default device (as the CLI picks it, $ALEXNET_DEVICE included), upload floats into a fresh
 * buffer (or fill it with NaN), guarded device tensors, whose NaN margins must survive a kernel
 * (nothing written out of bounds), and malloc'ed host arrays for the double references. */
#ifndef AN_TEST_DEVTEST_H
#define AN_TEST_DEVTEST_H

#include "check.h"
#include "runtime/runtime.h"

/* Open the default device ndev (1 or 2) times into devs[0..ndev-1]. On failure says why on
 * stderr and returns 0; with no device at all the test exits skipped (check_devices_list). */
static inline int dt_open(an_dev *devs, int ndev) {
    an_device_info *list = NULL, twice[2];
    int n = 0, sel[AN_MAX_SELECTED], nsel = 0;
    an_status s = check_devices_list(&list, &n);
    if (s == AN_OK) s = an_devices_select(list, n, NULL, 1, sel, &nsel);
    if (s == AN_OK) {
        twice[0] = twice[1] = list[sel[0]];
        s = an_devs_open(twice, ndev, devs);
    }
    free(list);
    if (s != AN_OK) fprintf(stderr, "cannot open a device: %s\n", an_last_error());
    return s == AN_OK;
}

/* The op tests' start: *small when the test runs with --small or ALEXNET_TEST_SMALL=1 (its
 * quick cases only), and one device opened into *dev and named on stdout; 0 when it could not be
 * opened. */
static inline int dt_start(int argc, char **argv, an_dev *dev, int *small) {
    *small = check_small(argc, argv);
    if (!dt_open(dev, 1)) return 0;
    printf("device: %s\n", dev->info.name);
    return 1;
}

/* A new device buffer of n floats holding h, or NaN when h is NULL (n = 0: a one-float buffer,
 * left as it is). The caller an_free()s b.mem. */
static inline an_buf dt_upload(an_dev *d, const float *h, size_t n) {
    an_buf b = {NULL, 0};
    CHECK_OK(an_alloc(d, "test", (n ? n : 1) * sizeof(float), &b.mem));
    if (h) CHECK_OK(an_write(d, b, h, n));
    else if (n) CHECK_OK(an_fill(d, b, NAN, n));
    return b;
}

/* an_free every buffer of a list: DT_FREE(&x.mem, &t.mem, ...). */
#define DT_FREE(...) dt_free_mems((cl_mem *[]){__VA_ARGS__, NULL})
static inline void dt_free_mems(cl_mem *const *mems) {
    for (size_t i = 0; mems[i]; i++) an_free(mems[i]);
}

/* A device tensor of count 4-byte elements at offset b.off of a buffer of cap elements, with
 * DT_GUARD guard elements after it (and b.off before it). */
typedef struct dtensor {
    cl_mem mem;
    an_buf b;
    size_t count, cap;
} dtensor;

#define DT_GUARD 5

static inline int dt_alloc(an_dev *d, dtensor *t, const char *name, size_t count, size_t off) {
    t->count = count;
    t->cap = off + count + DT_GUARD;
    t->mem = NULL;
    an_status s = an_alloc(d, name, t->cap * sizeof(float), &t->mem);
    CHECK(s == AN_OK, "alloc %s: %s", name, an_last_error());
    t->b.mem = t->mem;
    t->b.off = off;
    return s == AN_OK;
}

/* Fill the whole buffer with NaN, then write src (if any) in place. */
static inline void dt_set(an_dev *d, dtensor *t, const float *src) {
    CHECK_OK(an_fill(d, (an_buf){t->mem, 0}, NAN, t->cap));
    if (src) CHECK_OK(an_write(d, t->b, src, t->count));
}

/* Read the tensor's 4-byte elements into dst and check that the guards are still NaN. */
static inline void dt_get(an_dev *d, dtensor *t, void *dst, const char *what) {
    float *all = malloc(t->cap * sizeof *all);
    CHECK_OK(an_read(d, (an_buf){t->mem, 0}, all, t->cap));
    size_t spoiled = 0;
    for (size_t i = 0; i < t->cap; i++)
        if ((i < t->b.off || i >= t->b.off + t->count) && !isnan(all[i])) spoiled++;
    CHECK(spoiled == 0, "%s: %zu elements outside the tensor were written", what, spoiled);
    memcpy(dst, all + t->b.off, t->count * sizeof *all);
    free(all);
}

/* n uniform floats in [-1, 1), malloc'ed. */
static inline float *dt_rand_floats(size_t n, uint64_t seed) {
    float *f = malloc(n * sizeof *f);
    check_fill_uniform(f, n, seed, -1, 1);
    return f;
}

/* A malloc'ed double copy of n floats. */
static inline double *dt_to_double(const float *f, size_t n) {
    double *d = malloc(n * sizeof *d);
    for (size_t i = 0; i < n; i++) d[i] = f[i];
    return d;
}

/* A malloc'ed float copy (rounded) of n doubles. */
static inline float *dt_to_float(const double *d, size_t n) {
    float *f = malloc(n * sizeof *f);
    for (size_t i = 0; i < n; i++) f[i] = (float)d[i];
    return f;
}

#endif

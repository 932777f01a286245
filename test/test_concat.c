/* test/test_concat.c - concat and split along channels and features, and the strided 2-D copy,
 * on the device against the double reference: AlexNet's crossovers (conv3's 2×128×13×13 towers,
 * fc 2048+2048, fc8 500+500) and odd shapes, split overwriting and accumulating, buffers at
 * offsets. `--small` keeps to small shapes. Tolerance: copies exact; accumulation one float add,
 * |e| <= 1e-7|ref|. */
#include "devtest.h"

#include "ops/concat.h"
#include "ref/ref_concat.h"

static an_dev dev;

/* Compare n floats of device buffer b with the double reference. */
static void expect(const char *what, an_buf b, const double *ref, size_t n, float rtol) {
    float *got = malloc(n * sizeof *got), *want = malloc(n * sizeof *want);
    CHECK_OK(an_read(&dev, b, got, n));
    for (size_t i = 0; i < n; i++) want[i] = (float)ref[i];
    check_close(what, got, want, n, 0, rtol);
    free(got), free(want);
}

static void test_channels(size_t n, size_t ca, size_t cb, size_t hw, uint64_t seed) {
    size_t na = n * ca * hw, nb = n * cb * hw, ny = na + nb;
    float *a = dt_rand_floats(na, seed), *b = dt_rand_floats(nb, seed + 1),
          *y = dt_rand_floats(ny, seed + 2);
    double *ad = dt_to_double(a, na), *bd = dt_to_double(b, nb), *yd = dt_to_double(y, ny);
    char what[96];

    /* concat, into a buffer at an offset */
    double *cat = malloc(ny * sizeof *cat);
    an_ref_concat_channels(ad, ca, bd, cb, cat, n, hw);
    an_buf ba = dt_upload(&dev, a, na), bb = dt_upload(&dev, b, nb),
           by = dt_upload(&dev, NULL, ny + 3);
    CHECK_OK(an_concat_channels(&dev, ba, ca, bb, cb, an_buf_at(by, 3), n, hw));
    snprintf(what, sizeof what, "concat %zux(%zu+%zu)x%zu", n, ca, cb, hw);
    expect(what, an_buf_at(by, 3), cat, ny, 0);

    /* split, overwriting */
    an_buf bys = dt_upload(&dev, y, ny), b1 = dt_upload(&dev, NULL, na),
           b2 = dt_upload(&dev, NULL, nb);
    double *sa = malloc(na * sizeof *sa), *sb = malloc(nb * sizeof *sb);
    an_ref_split_channels(yd, sa, ca, sb, cb, n, hw, 0);
    CHECK_OK(an_split_channels(&dev, bys, b1, ca, b2, cb, n, hw, 0));
    snprintf(what, sizeof what, "split %zux(%zu+%zu)x%zu a", n, ca, cb, hw);
    expect(what, b1, sa, na, 0);
    snprintf(what, sizeof what, "split %zux(%zu+%zu)x%zu b", n, ca, cb, hw);
    expect(what, b2, sb, nb, 0);

    /* split, accumulating into a and b */
    an_ref_split_channels(yd, ad, ca, bd, cb, n, hw, 1);
    CHECK_OK(an_split_channels(&dev, bys, ba, ca, bb, cb, n, hw, 1));
    snprintf(what, sizeof what, "split += %zux(%zu+%zu)x%zu a", n, ca, cb, hw);
    expect(what, ba, ad, na, 1e-7f);
    snprintf(what, sizeof what, "split += %zux(%zu+%zu)x%zu b", n, ca, cb, hw);
    expect(what, bb, bd, nb, 1e-7f);

    DT_FREE(&ba.mem, &bb.mem, &by.mem, &bys.mem, &b1.mem, &b2.mem);
    free(a), free(b), free(y), free(ad), free(bd), free(yd), free(cat), free(sa), free(sb);
}

/* A sub-rectangle of one matrix into another, both at offsets with their own pitches. */
static void test_copy2d(void) {
    size_t rows = 4, cols = 7, sp = 13, dp = 9, so = 5, dof = 3;
    size_t ns = so + rows * sp, nd = dof + rows * dp;
    float *s = dt_rand_floats(ns, 50), *dst = dt_rand_floats(nd, 51);
    double *sd = dt_to_double(s, ns), *dd = dt_to_double(dst, nd);
    an_buf bs = dt_upload(&dev, s, ns), bd = dt_upload(&dev, dst, nd);
    an_ref_copy2d(sd + so, sp, dd + dof, dp, rows, cols, 0);
    CHECK_OK(an_copy2d(&dev, an_buf_at(bs, so), sp, an_buf_at(bd, dof), dp, rows, cols, 0));
    expect("copy2d", bd, dd, nd, 0); /* also: everything outside the rectangle kept */
    an_ref_copy2d(sd + so, sp, dd + dof, dp, rows, cols, 1);
    CHECK_OK(an_copy2d(&dev, an_buf_at(bs, so), sp, an_buf_at(bd, dof), dp, rows, cols, 1));
    expect("copy2d +=", bd, dd, nd, 1e-7f);
    CHECK(an_copy2d(&dev, bs, 5, bd, 9, 2, 7, 0) == AN_ERR_INVALID_ARG,
          "columns wider than a pitch are refused");
    an_free(&bs.mem);
    an_free(&bd.mem);
    free(s), free(dst), free(sd), free(dd);
}

int main(int argc, char **argv) {
    int small;
    if (!dt_start(argc, argv, &dev, &small)) return 1;
    test_copy2d();
    test_channels(1, 3, 5, 7, 1);
    test_channels(3, 1, 2, 1, 2);  /* features: hw = 1 */
    test_channels(2, 7, 3, 1, 3);
    if (!small) {
        test_channels(2, 128, 128, 13 * 13, 4); /* conv3's input crossover */
        test_channels(2, 2048, 2048, 1, 5);     /* fc7/fc8 inputs */
        test_channels(1, 500, 500, 1, 6);       /* fc8's halves */
        test_channels(2, 192, 192, 13 * 13, 7);
    }
    an_devs_close(&dev, 1);
    return check_done("test_concat");
}

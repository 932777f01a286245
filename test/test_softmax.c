/* test/test_softmax.c - softmax and softmax cross-entropy on the device against the double
 * reference: probabilities, the gradient (softmax - onehot)/n, per-row losses and ranks, mean loss
 * and top-1/top-5 counts, on AlexNet's 1000 classes and odd shapes, with logits of ±1000, with
 * many ties, and with an invalid label; the backward with label smoothing 0.1 and 0.3 (targets
 * (1 - eps) onehot + eps/k) against the smoothed reference, with 10 and 1000 classes, while the
 * forwards stay plain. `--small` keeps to small shapes.
 * Tolerances: prob |e| <= 1e-7 + 2e-5|ref|; gradient |e| <= 1e-6/n + 2e-5|ref|; losses
 * |e| <= 1e-5 + 1e-5|ref|; ranks and top-k counts exact (the same comparisons of the same
 * floats). */
#include "devtest.h"

#include "ops/softmax.h"
#include "ref/ref_softmax.h"

static an_dev dev;

static an_buf upload_labels(const int *labels, size_t n) {
    an_buf b = {NULL, 0};
    CHECK_OK(an_alloc(&dev, "labels", n * sizeof(int), &b.mem));
    CHECK(clEnqueueWriteBuffer(dev.q, b.mem, CL_TRUE, 0, n * sizeof(int), labels, 0, NULL,
                               NULL) == CL_SUCCESS,
          "writing labels");
    return b;
}

enum { PLAIN, WIDE, TIES };

/* Logits for one case: PLAIN uniform in [-4, 4], WIDE in [-1000, 1000] with one row of a single
 * 1000 among -1000s, TIES small integers (so many logits are equal). */
static void make_logits(float *x, size_t n, size_t k, int kind, uint64_t seed) {
    if (kind == TIES) {
        for (size_t i = 0; i < n * k; i++) x[i] = (float)(check_rand_u64(&seed) % 3);
        return;
    }
    float r = kind == WIDE ? 1000.0f : 4.0f;
    check_fill_uniform(x, n * k, seed, -r, r);
    if (kind == WIDE)
        for (size_t j = 0; j < k; j++) x[j] = j == k / 2 ? 1000.0f : -1000.0f;
}

/* One shape: the forwards against the plain reference, the backward against the reference with
 * label smoothing eps (0: plain). */
static void test_case(size_t n, size_t k, int kind, uint64_t seed, float eps) {
    size_t nk = n * k, ns = AN_SOFTMAX_STATS_LEN(n);
    float *x = malloc(nk * sizeof *x), *got = malloc(nk * sizeof *got),
          *want = malloc(nk * sizeof *want), *stats = malloc(ns * sizeof *stats);
    int *labels = calloc(n, sizeof *labels);
    double *xd = calloc(nk, sizeof *xd), *pd = malloc(nk * sizeof *pd),
           *gd = malloc(nk * sizeof *gd), *lossd = malloc(n * sizeof *lossd),
           *lossd_s = malloc(n * sizeof *lossd_s);
    size_t *rank = malloc(n * sizeof *rank), *rank_s = malloc(n * sizeof *rank_s);
    make_logits(x, n, k, kind, seed);
    for (size_t r = 0; r < n; r++) labels[r] = (int)(check_rand_u64(&seed) % k);
    if (kind == WIDE) labels[0] = (int)(k / 2 + (k > 1)) % (int)k; /* the -1000 next to 1000 */
    for (size_t i = 0; i < nk; i++) xd[i] = x[i];
    an_ref_xent_stats st0 = an_ref_softmax_xent(xd, labels, n, k, pd, NULL, lossd, rank);
    an_ref_xent_stats st_s =
        an_ref_softmax_xent_smooth(xd, labels, n, k, eps, NULL, gd, lossd_s, rank_s);
    char what[128], kname[32];
    snprintf(kname, sizeof kname, "%s eps %g",
             kind == PLAIN ? "plain" : kind == WIDE ? "+-1000" : "ties", (double)eps);

    an_buf bx = dt_upload(&dev, x, nk), bl = upload_labels(labels, n),
           bo = dt_upload(&dev, NULL, nk), bs = dt_upload(&dev, NULL, ns);
    for (int mode = 0; mode < 3; mode++) {
        CHECK_OK(an_fill(&dev, bo, NAN, nk));
        CHECK_OK(an_fill(&dev, bs, NAN, ns));
        if (mode == 0) CHECK_OK(an_softmax_forward(&dev, bx, bo, n, k));
        if (mode == 1) CHECK_OK(an_softmax_xent_forward(&dev, bx, bl, bo, bs, n, k));
        if (mode == 2) CHECK_OK(an_softmax_xent_backward(&dev, bx, bl, bo, bs, n, k, eps));
        CHECK_OK(an_read(&dev, bo, got, nk));
        for (size_t i = 0; i < nk; i++) want[i] = (float)(mode == 2 ? gd[i] : pd[i]);
        snprintf(what, sizeof what, "%s %zux%zu %s", mode == 2 ? "dlogits" : "prob", n, k, kname);
        if (mode == 2) check_close(what, got, want, nk, 1e-6f / (float)n, 2e-5f);
        else check_close(what, got, want, nk, 1e-7f, 2e-5f);
        if (mode == 0) continue;

        CHECK_OK(an_read(&dev, bs, stats, ns));
        const double *lw = mode == 2 ? lossd_s : lossd;
        const size_t *rw = mode == 2 ? rank_s : rank;
        an_ref_xent_stats st = mode == 2 ? st_s : st0;
        float *wl = malloc(n * sizeof *wl), *gl = malloc(n * sizeof *gl);
        size_t rank_bad = 0;
        for (size_t r = 0; r < n; r++) {
            wl[r] = (float)lw[r];
            gl[r] = stats[3 + 2 * r];
            rank_bad += stats[4 + 2 * r] != (float)rw[r];
        }
        snprintf(what, sizeof what, "row loss %zux%zu %s mode %d", n, k, kname, mode);
        check_close(what, gl, wl, n, 1e-5f, 1e-5f);
        CHECK(rank_bad == 0, "%zux%zu %s: %zu row ranks differ", n, k, kname, rank_bad);
        float ml = (float)st.mean_loss;
        snprintf(what, sizeof what, "mean loss %zux%zu %s", n, k, kname);
        check_close(what, &stats[0], &ml, 1, 1e-5f, 1e-5f);
        CHECK(stats[1] == (float)st.top1 && stats[2] == (float)st.top5,
              "%zux%zu %s: top-1 %g top-5 %g, want %zu %zu", n, k, kname, stats[1], stats[2],
              st.top1, st.top5);
        free(wl), free(gl);
    }
    DT_FREE(&bx.mem, &bl.mem, &bo.mem, &bs.mem);
    free(x), free(got), free(want), free(stats), free(labels), free(xd), free(pd), free(gd),
        free(lossd), free(lossd_s), free(rank), free(rank_s);
}

/* A label outside [0, k) makes its row's loss (and the mean) NaN and leaves other rows alone. */
static void test_bad_label(void) {
    size_t n = 3, k = 10;
    float x[30], stats[9];
    int labels[3] = {2, 10, 4};
    check_fill_uniform(x, 30, 99, -1, 1);
    an_buf bx = dt_upload(&dev, x, 30), bl = upload_labels(labels, n),
           bo = dt_upload(&dev, NULL, 30), bs = dt_upload(&dev, NULL, 9);
    for (int smooth = 0; smooth < 2; smooth++) {
        CHECK_OK(an_fill(&dev, bs, 0.0f, 9));
        CHECK_OK(an_softmax_xent_backward(&dev, bx, bl, bo, bs, n, k, smooth ? 0.1f : 0.0f));
        CHECK_OK(an_read(&dev, bs, stats, 9));
        CHECK(isnan(stats[0]) && isnan(stats[5]) && stats[6] == 10.0f && !isnan(stats[3]) &&
                  !isnan(stats[7]),
              "invalid label (smoothing %d): mean %g, row losses %g %g %g, rank %g", smooth,
              stats[0], stats[3], stats[5], stats[7], stats[6]);
    }
    /* smoothing outside [0, 1) is refused */
    const float bad_eps[3] = {-0.1f, 1.0f, NAN};
    for (int i = 0; i < 3; i++)
        CHECK(an_softmax_xent_backward(&dev, bx, bl, bo, bs, n, k, bad_eps[i]) ==
                  AN_ERR_INVALID_ARG,
              "label smoothing %g accepted", (double)bad_eps[i]);
    DT_FREE(&bx.mem, &bl.mem, &bo.mem, &bs.mem);
}

int main(int argc, char **argv) {
    int small;
    if (!dt_start(argc, argv, &dev, &small)) return 1;
    /* n, k, kind, seed, label smoothing, and whether --small runs it */
    static const struct {
        int n, k, kind, seed;
        float eps;
        int small;
    } cases[] = {
        {1, 1, PLAIN, 1, 0, 1},
        {3, 7, PLAIN, 2, 0, 1},
        {4, 10, TIES, 3, 0, 1},
        {2, 67, WIDE, 4, 0, 1},
        {1, 1, PLAIN, 11, 0.3f, 1},
        {6, 10, PLAIN, 12, 0.1f, 1},
        {5, 10, TIES, 13, 0.3f, 1},
        {2, 67, WIDE, 14, 0.1f, 1},
        {1, 1000, PLAIN, 5, 0, 0},
        {2, 1000, WIDE, 6, 0, 0},
        {128, 1000, PLAIN, 7, 0, 0},
        {64, 1000, TIES, 8, 0, 0},
        {5, 4096, PLAIN, 9, 0, 0},
        {32, 1000, PLAIN, 15, 0.1f, 0},
        {16, 1000, PLAIN, 16, 0.3f, 0},
        {2, 1000, WIDE, 17, 0.3f, 0},
        {8, 1000, TIES, 18, 0.1f, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        if (cases[i].small || !small)
            test_case(cases[i].n, cases[i].k, cases[i].kind, cases[i].seed, cases[i].eps);
    test_bad_label();
    an_devs_close(&dev, 1);
    return check_done("test_softmax");
}

/* test/test_gemm.c - both GEMM backends against the double reference: all four transpose
 * combinations, odd sizes, offsets, padded leading dimensions, batches with shared operands,
 * alpha/beta (beta = 0 on a NaN-poisoned C), batch outputs side by side in C's rows, K = 0,
 * matrices smaller than one tile, K across the own backend's K blocks, backend and path
 * selection and argument checks. The own backend runs on both its paths: the direct kernels
 * (gemm_panel with SRC=0 for NN, TT and SRC=1 for TN, gemm_dot for NT) and the packed one (both
 * pack kernels, gemm_tile with its 12 x 32, 8 x 32 (small M) and 6 x 16 tiles
 * (ALEXNET_GEMM_VW=16, 8): rows and columns past the tile, K over several local-memory blocks
 * and over several launches; NT on the wide gemm_dot, and on the tiles where op(A) outgrows a
 * CPU's L2; NN again from an A packed beforehand and NT from a B packed beforehand
 * (gemm_transpose, gemm_tile storing C transposed), and those refused on the direct path; a C
 * large enough for streamed stores).
 * Every float of C's buffer is checked: the matrices against the reference, everything else
 * (offset, padding columns, gaps between batches) against its untouched sentinel value.
 * Tolerance: |e| <= 1e-6*K + 1e-6 + 1e-5|ref| (inputs in [-1, 1]; a float sum of K products).
 * `--small`: the own backend on small shapes only (for the oclgrind run). */
#include "devtest.h"

#include "ops/gemm.h"
#include "ref/ref_gemm.h"

static an_dev dev;

typedef struct gcase {
    int ta, tb;
    size_t M, N, K, batch;
    size_t off, pad;   /* offset of every matrix in its buffer; extra leading-dimension floats */
    int share_a;       /* stride_a = 0 */
    float alpha, beta;
} gcase;

static an_gemm_path path; /* the own backend's path under test */

/* side: the batch's C matrices side by side in the same rows, a column apart. */
static void run_at(an_gemm_backend be, gcase c, int side, uint64_t seed) {
    size_t ar = c.ta ? c.K : c.M, ac = c.ta ? c.M : c.K;
    size_t br = c.tb ? c.N : c.K, bc = c.tb ? c.K : c.N;
    size_t lda = ac + c.pad, ldb = bc + c.pad;
    size_t ldc = side ? c.batch * (c.N + 1) + c.pad : c.N + c.pad;
    size_t sa = c.share_a ? 0 : ar * lda + 3, sb = br * ldb + 5;
    size_t sc = side ? c.N + 1 : c.M * ldc + 7;
    size_t na = c.off + (c.batch - 1) * sa + ar * lda, nb = c.off + (c.batch - 1) * sb + br * ldb;
    size_t nc = c.off + (c.batch - 1) * sc + c.M * ldc;
    float *A = malloc((na + 1) * sizeof *A), *B = malloc((nb + 1) * sizeof *B);
    float *C = malloc(nc * sizeof *C), *want = malloc(nc * sizeof *want);
    float *got = malloc(nc * sizeof *got);
    check_fill_uniform(A, na + 1, seed, -1, 1);
    check_fill_uniform(B, nb + 1, seed + 1, -1, 1);
    for (size_t i = 0; i < nc; i++) C[i] = 7.0f; /* sentinel outside the matrices */
    for (size_t b = 0; b < c.batch; b++)
        for (size_t m = 0; m < c.M; m++)
            for (size_t n = 0; n < c.N; n++) {
                uint64_t s = seed * 1000003u + (b * c.M + m) * c.N + n;
                C[c.off + b * sc + m * ldc + n] = c.beta == 0 ? NAN : check_rand_uniform(&s, -1, 1);
            }
    memcpy(want, C, nc * sizeof *C);
    for (size_t b = 0; b < c.batch; b++) {
        size_t oa = c.off + b * sa, ob = c.off + b * sb, oc = c.off + b * sc;
        double *Ad = malloc((ar * lda + 1) * sizeof *Ad), *Bd = malloc((br * ldb + 1) * sizeof *Bd);
        double *Cd = malloc(c.M * ldc * sizeof *Cd);
        for (size_t i = 0; i < ar * lda; i++) Ad[i] = A[oa + i];
        for (size_t i = 0; i < br * ldb; i++) Bd[i] = B[ob + i];
        for (size_t i = 0; i < c.M * ldc; i++) Cd[i] = C[oc + i];
        ref_gemm(c.ta, c.tb, c.M, c.N, c.K, c.alpha, Ad, lda, Bd, ldb, c.beta, Cd, ldc);
        for (size_t m = 0; m < c.M; m++)
            for (size_t n = 0; n < c.N; n++) want[oc + m * ldc + n] = (float)Cd[m * ldc + n];
        free(Ad);
        free(Bd);
        free(Cd);
    }

    an_buf bA = dt_upload(&dev, A, na + 1), bB = dt_upload(&dev, B, nb + 1);
    bA.off = bB.off = c.off;
    an_gemm_set_backend(&dev, be);
    an_gemm_set_path(&dev, path);
    /* NN on the packed path also from A packed beforehand (an_gemm_prepack), into a NaN-poisoned
     * buffer at an offset; NT (one matrix) from B packed beforehand (an_gemm_prepacked_nt) */
    int pre_runs = !c.ta && (!c.tb || c.batch == 1) && be == AN_GEMM_OWN &&
                   path == AN_GEMM_PATH_PACKED;
    for (int pre = 0; pre <= pre_runs; pre++) {
        an_buf bC = dt_upload(&dev, C, nc);
        bC.off = c.off;
        if (pre) {
            size_t rows = c.tb ? c.N : c.M; /* of the packed operand */
            size_t np = an_gemm_prepacked_floats(&dev, rows, c.K, c.batch);
            float *poison = malloc((np + 9) * sizeof *poison);
            for (size_t i = 0; i < np + 9; i++) poison[i] = NAN;
            an_buf bP = dt_upload(&dev, poison, np + 9);
            bP.off = 9;
            CHECK(c.K == 0 || np >= rows * c.K * c.batch, "pre-packed matrix holds %zu floats",
                  np);
            if (c.tb) {
                CHECK_OK(an_gemm_prepack(&dev, c.N, c.K, bB, ldb, 0, 1, bP));
                CHECK_OK(an_gemm_prepacked_nt(&dev, c.M, c.N, c.K, c.alpha, bA, lda, bP, c.beta,
                                              bC, ldc));
            } else {
                CHECK_OK(an_gemm_prepack(&dev, c.M, c.K, bA, lda, sa, c.batch, bP));
                CHECK_OK(an_gemm_prepacked_batched(&dev, c.M, c.N, c.K, c.alpha, bP, bB, ldb, sb,
                                                   c.beta, bC, ldc, sc, c.batch));
            }
            DT_FREE(&bP.mem);
            free(poison);
        } else if (c.batch == 1) {
            CHECK_OK(an_gemm(&dev, c.ta, c.tb, c.M, c.N, c.K, c.alpha, bA, lda, bB, ldb, c.beta,
                             bC, ldc));
        } else {
            CHECK_OK(an_gemm_batched(&dev, c.ta, c.tb, c.M, c.N, c.K, c.alpha, bA, lda, sa, bB,
                                     ldb, sb, c.beta, bC, ldc, sc, c.batch));
        }
        bC.off = 0;
        CHECK_OK(an_read(&dev, bC, got, nc));
        char what[180];
        const char *vw = getenv("ALEXNET_GEMM_VW");
        snprintf(what, sizeof what, "%s%s%s%s %c%c M=%zu N=%zu K=%zu batch=%zu off=%zu pad=%zu "
                 "a=%g b=%g", an_gemm_backend_name(be),
                 be == AN_GEMM_CLBLAST ? "" : path == AN_GEMM_PATH_PACKED ? "/packed" : "/direct",
                 path == AN_GEMM_PATH_PACKED && vw ? vw : "",
                 pre ? (c.tb ? " pre-packed B" : " pre-packed A") : "",
                 c.ta ? 'T' : 'N', c.tb ? 'T' : 'N', c.M, c.N, c.K,
                 c.batch, c.off, c.pad, c.alpha, c.beta);
        check_close(what, got, want, nc, 1e-6f * (float)c.K + 1e-6f, 1e-5f);
        DT_FREE(&bC.mem);
    }
    DT_FREE(&bA.mem, &bB.mem);
    free(A);
    free(B);
    free(C);
    free(want);
    free(got);
}

static void run(an_gemm_backend be, gcase c, uint64_t seed) { run_at(be, c, 0, seed); }

static void run_backend(an_gemm_backend be, int small) {
    uint64_t seed = 100;
    for (int t = 0; t < 4; t++) {
        int ta = t >> 1, tb = t & 1;
        run(be, (gcase){ta, tb, 1, 1, 1, 1, 0, 0, 0, 1.0f, 0.0f}, seed++);
        run(be, (gcase){ta, tb, 17, 33, 9, 1, 3, 2, 0, 1.0f, 0.0f}, seed++);
        run(be, (gcase){ta, tb, 8, 16, 16, 1, 0, 0, 0, -0.7f, 0.5f}, seed++);
        run(be, (gcase){ta, tb, 13, 21, 19, 3, 5, 1, 1, 1.0f, 0.0f}, seed++);
        /* fewer rows or columns than one tile (6 x 16 of gemm_panel, 4 x 3 of gemm_dot) */
        run(be, (gcase){ta, tb, 5, 40, 12, 2, 1, 1, 1, 1.0f, 0.0f}, seed++);
        run(be, (gcase){ta, tb, 40, 2, 12, 1, 0, 2, 0, 1.0f, 0.3f}, seed++);
        /* K over several of the packed path's local-memory blocks on a small device */
        run(be, (gcase){ta, tb, 14, 37, 300, 2, 1, 1, 0, 1.0f, -0.5f}, seed++);
        /* outputs side by side (the FFT convolution's per-filter spectra) */
        run_at(be, (gcase){ta, tb, 13, 21, 19, 3, 5, 1, 1, 1.0f, 0.0f}, 1, seed++);
        run_at(be, (gcase){ta, tb, 40, 9, 25, 4, 0, 0, 0, 1.0f, 0.5f}, 1, seed++);
        if (small || be == AN_GEMM_CLBLAST) continue;
        /* K past one block of gemm_panel (512) and not a multiple of gemm_dot's 8 */
        run(be, (gcase){ta, tb, 25, 35, 513, 2, 4, 2, 1, 1.0f, 0.0f}, seed++);
        run(be, (gcase){ta, tb, 6, 16, 1030, 1, 0, 0, 0, 0.5f, 2.0f}, seed++);
        run(be, (gcase){ta, tb, 37, 45, 70, 1, 11, 3, 0, 1.5f, -1.0f}, seed++);
        run(be, (gcase){ta, tb, 64, 100, 257, 2, 1, 0, 0, 1.0f, 0.0f}, seed++);
        run(be, (gcase){ta, tb, 129, 300, 203, 1, 0, 0, 0, 1.0f, 0.0f}, seed++);
        run(be, (gcase){ta, tb, 5, 7, 0, 1, 2, 1, 0, 1.0f, 0.25f}, seed++); /* K = 0: C = beta*C */
        run(be, (gcase){ta, tb, 20, 35, 2100, 2, 3, 1, 0, 1.0f, 0.5f}, seed++); /* K in blocks */
        /* the packed path's A over several launches (packed A past its L2 budget) */
        run(be, (gcase){ta, tb, 130, 70, 2100, 2, 1, 1, 1, 1.0f, 0.0f}, seed++);
        /* op(A) of 2.1 MB: NT leaves gemm_dot for the packed path's tiles */
        run(be, (gcase){ta, tb, 130, 40, 4100, 1, 0, 1, 0, 1.0f, 0.0f}, seed++);
        /* a C of 8.5 MB, stored past the caches on the packed path, rows aligned to 64 bytes
         * and not */
        if (be == AN_GEMM_OWN && path == AN_GEMM_PATH_PACKED)
            run(be, (gcase){ta, tb, 1030, 2051, 7, 1, 4, 1, 0, 1.0f, 0.0f}, seed++);
        /* rows of A over more column panels than a work-group of the pre-packed NT holds */
        run(be, (gcase){ta, tb, 300, 50, 40, 1, 2, 1, 0, 1.0f, 0.0f}, seed++);
    }
}

static void test_selection(void) {
    an_gemm_backend b;
    an_gemm_set_backend(&dev, AN_GEMM_AUTO);
    unsetenv("ALEXNET_GEMM");
    CHECK_OK(an_gemm_backend_for(&dev, &b));
    CHECK(b == ((dev.info.type & CL_DEVICE_TYPE_CPU) ? AN_GEMM_OWN : AN_GEMM_CLBLAST),
          "auto picked %s on a %s device", an_gemm_backend_name(b),
          an_device_type_name(dev.info.type));
    setenv("ALEXNET_GEMM", "clblast", 1);
    CHECK_OK(an_gemm_backend_for(&dev, &b));
    CHECK(b == AN_GEMM_CLBLAST, "ALEXNET_GEMM=clblast gave %s", an_gemm_backend_name(b));
    an_gemm_set_backend(&dev, AN_GEMM_OWN);
    CHECK_OK(an_gemm_backend_for(&dev, &b));
    CHECK(b == AN_GEMM_OWN, "the API override lost to the environment: %s",
          an_gemm_backend_name(b));
    an_gemm_set_backend(&dev, AN_GEMM_AUTO);
    setenv("ALEXNET_GEMM", "fast", 1);
    CHECK(an_gemm_backend_for(&dev, &b) == AN_ERR_INVALID_ARG, "ALEXNET_GEMM=fast accepted");
    unsetenv("ALEXNET_GEMM");
}

static void test_path_selection(void) {
    an_gemm_path p;
    an_gemm_set_path(&dev, AN_GEMM_PATH_AUTO);
    unsetenv("ALEXNET_GEMM_PATH");
    CHECK_OK(an_gemm_path_for(&dev, &p));
    CHECK(p == ((dev.info.type & CL_DEVICE_TYPE_CPU) ? AN_GEMM_PATH_PACKED : AN_GEMM_PATH_DIRECT),
          "auto picked path %d on a %s device", (int)p, an_device_type_name(dev.info.type));
    setenv("ALEXNET_GEMM_PATH", "direct", 1);
    CHECK_OK(an_gemm_path_for(&dev, &p));
    CHECK(p == AN_GEMM_PATH_DIRECT, "ALEXNET_GEMM_PATH=direct gave path %d", (int)p);
    an_gemm_set_path(&dev, AN_GEMM_PATH_PACKED);
    CHECK_OK(an_gemm_path_for(&dev, &p));
    CHECK(p == AN_GEMM_PATH_PACKED, "the API override lost to the environment: path %d", (int)p);
    /* a pre-packed A only on the packed path */
    float one = 1.0f;
    an_buf x = dt_upload(&dev, &one, 1);
    an_gemm_set_path(&dev, AN_GEMM_PATH_DIRECT);
    CHECK(an_gemm_prepack(&dev, 1, 1, x, 1, 0, 1, x) == AN_ERR_UNSUPPORTED &&
              an_gemm_prepacked_batched(&dev, 1, 1, 1, 1.0f, x, x, 1, 0, 0.0f, x, 1, 0, 1) ==
                  AN_ERR_UNSUPPORTED &&
              an_gemm_prepacked_nt(&dev, 1, 1, 1, 1.0f, x, 1, x, 0.0f, x, 1) ==
                  AN_ERR_UNSUPPORTED,
          "a pre-packed operand on the direct path is refused");
    an_error_clear();
    CHECK(!an_gemm_prepacked_nt_pays(&dev, 32, 4096), "the pre-packed NT pays on the direct path");
    /* on the packed path from 16 rows of A up, while the tiles' column panels (16 or 32
     * columns) pad them by at most a third */
    an_gemm_set_path(&dev, AN_GEMM_PATH_PACKED);
    CHECK(an_gemm_prepacked_nt_pays(&dev, 32, 4096) && an_gemm_prepacked_nt_pays(&dev, 128, 1000) &&
              !an_gemm_prepacked_nt_pays(&dev, 15, 4096) &&
              !an_gemm_prepacked_nt_pays(&dev, 33, 4096),
          "the pre-packed NT's rule: 32 and 128 rows pay, 15 and 33 do not");
    DT_FREE(&x.mem);
    an_gemm_set_path(&dev, AN_GEMM_PATH_AUTO);
    setenv("ALEXNET_GEMM_PATH", "fast", 1);
    CHECK(an_gemm_path_for(&dev, &p) == AN_ERR_INVALID_ARG, "ALEXNET_GEMM_PATH=fast accepted");
    unsetenv("ALEXNET_GEMM_PATH");
}

static void test_bad_args(void) {
    float h[64];
    check_fill_uniform(h, 64, 1, -1, 1);
    an_buf a = dt_upload(&dev, h, 64);
    an_gemm_set_backend(&dev, AN_GEMM_OWN);
    CHECK(an_gemm(&dev, 0, 0, 4, 4, 4, 1, a, 3, a, 4, 0, a, 4) == AN_ERR_INVALID_ARG,
          "lda < K accepted");
    CHECK(an_gemm(&dev, 0, 0, 2, 2, 4, 1, a, 4, a, 2, 0, an_buf_at(a, 60), 2) == AN_OK,
          "a call that fits failed: %s", an_last_error());
    CHECK(an_gemm(&dev, 0, 0, 2, 2, 4, 1, a, 4, a, 2, 0, an_buf_at(a, 61), 2) ==
              AN_ERR_INVALID_ARG, "C past the end of its buffer accepted");
    CHECK(an_gemm_batched(&dev, 0, 0, 2, 2, 4, 1, a, 4, 0, a, 2, 0, 0, an_buf_at(a, 40), 2, 3,
                          2) == AN_ERR_INVALID_ARG, "overlapping batch outputs accepted");
    CHECK(an_gemm_batched(&dev, 0, 0, 2, 2, 4, 1, a, 4, 0, a, 2, 0, 0, an_buf_at(a, 40), 10, 1,
                          2) == AN_ERR_INVALID_ARG, "overlapping side-by-side outputs accepted");
    CHECK(an_gemm_batched(&dev, 0, 0, 2, 2, 4, 1, a, 4, 0, a, 2, 0, 0, an_buf_at(a, 40), 10, 2,
                          2) == AN_OK, "side-by-side outputs refused: %s", an_last_error());
    an_free(&a.mem);
}

int main(int argc, char **argv) {
    int small;
    if (!dt_start(argc, argv, &dev, &small)) return 1;
    test_selection();
    test_path_selection();
    path = AN_GEMM_PATH_DIRECT;
    run_backend(AN_GEMM_OWN, small);
    path = AN_GEMM_PATH_PACKED; /* both tiles (and, with 16 floats, NT on the wide gemm_dot) */
    setenv("ALEXNET_GEMM_VW", "8", 1);
    run_backend(AN_GEMM_OWN, small);
    setenv("ALEXNET_GEMM_VW", "16", 1);
    run_backend(AN_GEMM_OWN, small);
    unsetenv("ALEXNET_GEMM_VW");
    path = AN_GEMM_PATH_AUTO;
    if (!small) {
        test_bad_args();
        run_backend(AN_GEMM_CLBLAST, 0);
    }
    an_gemm_set_backend(&dev, AN_GEMM_AUTO);
    an_gemm_set_path(&dev, AN_GEMM_PATH_AUTO);
    an_devs_close(&dev, 1);
    return check_done("test_gemm");
}

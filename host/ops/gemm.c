/* host/ops/gemm.c - argument checks, backend choice and the launchers of the GEMM (see gemm.h).
 *
 * The own backend has two paths (gemm.h): on CPU devices the packed one (gemm_packed.c), else
 * the direct one, which maps the four transpose cases onto cl/gemm.cl's two kernels:
 *   NN, TN: gemm_panel with S = A (scalar loads), V = B (float16 rows of B).
 *   TT:     C^T = B * A in gemm_panel, S = B, V = A (rows of the stored A are contiguous along M),
 *           the tile stored transposed into C.
 *   NT:     gemm_dot (both operands contiguous along K); also on the packed path where the
 *           device's vectors hold 16 floats, built wider (float16, 4 x 6).
 * gemm_panel is built twice, for a scalar operand contiguous along K (NN, TT: SRC=0) or along M
 * (TN: SRC=1), so that its inner loop steps one index or pointer per k. Work-groups are small
 * fixed shapes (see launch_panel, and 4x1 for gemm_dot): PoCL's own choice of local size for
 * these kernels was 3-6x slower on 1024^3 (`alexnet bench-gemm --shape square`). */
#include "ops/gemm.h"
#include "ops/opargs.h"
#include "ops/gemm_packed.h"
#include "util/env_pick.h"

#include <clblast_c.h>
#include <limits.h>

#ifndef AN_GEMM_TM
#define AN_GEMM_TM 6 /* rows per work-item of gemm_panel: 6 x 16 = 12 AVX2 accumulators */
#endif
#define AN_GEMM_DM 4 /* gemm_dot's tile: 4 x 3 float8 accumulators */
#define AN_GEMM_DN 3
#define AN_GEMM_STR_(x) #x
#define AN_GEMM_STR(x) AN_GEMM_STR_(x)
#define AN_GEMM_PANEL_OPTS(src) "-DTM=" AN_GEMM_STR(AN_GEMM_TM) " -DSRC=" #src
#define AN_GEMM_DOT_OPTS "-DDM=" AN_GEMM_STR(AN_GEMM_DM) " -DDN=" AN_GEMM_STR(AN_GEMM_DN)
#define AN_GEMM_DN_WIDE 6
#define AN_GEMM_DOT_WIDE_OPTS \
    "-DDV=16 -DDM=" AN_GEMM_STR(AN_GEMM_DM) " -DDN=" AN_GEMM_STR(AN_GEMM_DN_WIDE)
#define AN_GEMM_KC 512 /* K block of gemm_panel */
#define AN_GEMM_DOT_A_BYTES (2u << 20) /* NT: op(A) up to this size on gemm_dot (see gemm_own) */

void an_gemm_set_backend(an_dev *d, an_gemm_backend b) { d->gemm_fixed = (int)b; }

void an_gemm_set_path(an_dev *d, an_gemm_path p) { d->gemm_path = (int)p; }

an_status an_gemm_path_for(const an_dev *d, an_gemm_path *out) {
    an_gemm_path p = (an_gemm_path)d->gemm_path;
    int pick = 0;
    if (p == AN_GEMM_PATH_AUTO) AN_TRY(an_env_pick("ALEXNET_GEMM_PATH", "packed", "direct", &pick));
    if (pick) p = pick == 1 ? AN_GEMM_PATH_PACKED : AN_GEMM_PATH_DIRECT;
    if (p == AN_GEMM_PATH_AUTO)
        p = (d->info.type & CL_DEVICE_TYPE_CPU) ? AN_GEMM_PATH_PACKED : AN_GEMM_PATH_DIRECT;
    *out = p;
    return AN_OK;
}

an_gemm_backend an_gemm_prefer(an_dev *d, an_gemm_backend b) {
    an_gemm_backend prev = (an_gemm_backend)d->gemm_prefer;
    d->gemm_prefer = (int)b;
    return prev;
}

const char *an_gemm_backend_name(an_gemm_backend b) {
    switch (b) {
    case AN_GEMM_OWN: return "own";
    case AN_GEMM_CLBLAST: return "clblast";
    default: return "auto";
    }
}

an_status an_gemm_backend_fixed(const an_dev *d, an_gemm_backend *out) {
    an_gemm_backend b = (an_gemm_backend)d->gemm_fixed;
    int pick = 0;
    if (b == AN_GEMM_AUTO) AN_TRY(an_env_pick("ALEXNET_GEMM", "own", "clblast", &pick));
    if (pick) b = pick == 1 ? AN_GEMM_OWN : AN_GEMM_CLBLAST;
    *out = b;
    return AN_OK;
}

an_status an_gemm_backend_for(const an_dev *d, an_gemm_backend *out) {
    an_gemm_backend b;
    AN_TRY(an_gemm_backend_fixed(d, &b));
    if (b == AN_GEMM_AUTO) b = (an_gemm_backend)d->gemm_prefer;
    if (b == AN_GEMM_AUTO) b = (d->info.type & CL_DEVICE_TYPE_CPU) ? AN_GEMM_OWN : AN_GEMM_CLBLAST;
    *out = b;
    return AN_OK;
}

/* Check one operand: rows x cols (as stored) with leading dimension ld, batch matrices apart by
 * stride, all inside the buffer (ops/opargs.h), and every in-matrix index addressable by the
 * kernels' 32-bit arithmetic. */
static an_status check_operand(const char *what, an_buf m, size_t rows, size_t cols, size_t ld,
                               size_t stride, size_t batch) {
    if (ld < cols)
        return an_error(AN_ERR_INVALID_ARG, "gemm: leading dimension of %s is %zu < %zu columns",
                        what, ld, cols);
    size_t extent = (rows - 1) * ld + cols; /* floats spanned by one matrix */
    if (extent > UINT_MAX || m.off > UINT_MAX)
        return an_error(AN_ERR_UNSUPPORTED, "gemm: matrix %s spans %zu floats at offset %zu; "
                        "more than 2^32 is not supported", what, extent, m.off);
    return op_check_buf_holds("gemm", what, m, (batch - 1) * stride + extent);
}

/* The output: an operand whose batch of matrices must not overlap. They may follow one another
 * or sit side by side as column blocks of the same rows (stride >= N, all within ldc). */
static an_status check_output(an_buf C, size_t M, size_t N, size_t ldc, size_t stride,
                              size_t batch) {
    AN_TRY(check_operand("C", C, M, N, ldc, stride, batch));
    int side = stride >= N && (batch - 1) * stride + N <= ldc;
    if (batch > 1 && stride < (M - 1) * ldc + N && !side)
        return an_error(AN_ERR_INVALID_ARG, "gemm: batch stride of C (%zu) overlaps the outputs "
                        "(%zu x %zu, ldc %zu)", stride, M, N, ldc);
    return AN_OK;
}

static an_status clblast_status(CLBlastStatusCode st) {
    if (st == CLBlastSuccess) return AN_OK;
    if (st < 0 && st > -100) return an_error(st, "CLBlast SGEMM failed: OpenCL error %s",
                                             an_cl_error_name(st));
    return an_error(AN_ERR_INTERNAL, "CLBlast SGEMM failed with CLBlast status %d", (int)st);
}

static an_status gemm_clblast(an_dev *d, int ta, int tb, size_t M, size_t N, size_t K,
                              float alpha, an_buf A, size_t lda, size_t sa, an_buf B, size_t ldb,
                              size_t sb, float beta, an_buf C, size_t ldc, size_t sc,
                              size_t batch) {
    CLBlastTranspose ta_ = ta ? CLBlastTransposeYes : CLBlastTransposeNo;
    CLBlastTranspose tb_ = tb ? CLBlastTransposeYes : CLBlastTransposeNo;
    CLBlastStatusCode st;
    cl_event ev = NULL, *evp = d->prof ? &ev : NULL; /* profiling: keep it under d->tag */
    /* A batch sharing one matrix (stride 0, as the filters are in a convolution) faulted
     * inside CLBlast's strided-batched kernel on PoCL: bench-gemm's conv2 dX shape (TN
     * 1600x729x192, 32 images) in most runs. One call per matrix runs clean. */
    if (batch > 1 && (sa == 0 || sb == 0)) {
        for (size_t i = 0; i < batch; i++) {
            an_buf a = {A.mem, A.off + i * sa}, b = {B.mem, B.off + i * sb};
            an_buf c = {C.mem, C.off + i * sc};
            AN_TRY(gemm_clblast(d, ta, tb, M, N, K, alpha, a, lda, 0, b, ldb, 0, beta, c, ldc,
                                0, 1));
        }
        return AN_OK;
    }
    if (batch == 1)
        st = CLBlastSgemm(CLBlastLayoutRowMajor, ta_, tb_, M, N, K, alpha, A.mem, A.off, lda,
                          B.mem, B.off, ldb, beta, C.mem, C.off, ldc, &d->q, evp);
    else
        st = CLBlastSgemmStridedBatched(CLBlastLayoutRowMajor, ta_, tb_, M, N, K, alpha, A.mem,
                                        A.off, lda, sa, B.mem, B.off, ldb, sb, beta, C.mem, C.off,
                                        ldc, sc, batch, &d->q, evp);
    AN_TRY(clblast_status(st));
    return ev ? an_profile_event(d, ev) : AN_OK;
}

/* gemm_panel: C(r,j) = alpha * sum_k s[r*s_rs + k*s_ks] * v[k*v_ld + j] + beta * C(r,j). */
static an_status launch_panel(an_dev *d, size_t R, size_t V, size_t K, float alpha, an_buf s,
                              size_t s_rs, size_t s_ks, size_t s_bs, an_buf v, size_t v_ld,
                              size_t v_bs, float beta, an_buf c, size_t c_rs, size_t c_vs,
                              size_t c_bs, size_t batch) {
    /* SRC=1 when the scalar operand is contiguous along its rows (s_rs == 1), else s_ks == 1 */
    int src = s_ks != 1;
    cl_kernel k;
    AN_TRY(an_kernel(d, "gemm", src ? AN_GEMM_PANEL_OPTS(1) : AN_GEMM_PANEL_OPTS(0),
                     "gemm_panel", &k));
    cl_uint r_ = (cl_uint)R, v_ = (cl_uint)V, k_ = (cl_uint)K;
    cl_uint so = (cl_uint)s.off, srs = (cl_uint)s_rs, sks = (cl_uint)s_ks;
    cl_uint vo = (cl_uint)v.off, vld = (cl_uint)v_ld;
    cl_uint co = (cl_uint)c.off, crs = (cl_uint)c_rs, cvs = (cl_uint)c_vs;
    cl_ulong sbs = s_bs, vbs = v_bs, cbs = c_bs;
    AN_TRY(OP_ARGS(k, OP_VAL(r_), OP_VAL(v_), OP_VAL(k_), OP_VAL(alpha), OP_VAL(s.mem), OP_VAL(so),
                       OP_VAL(srs), OP_VAL(sks), OP_VAL(sbs), OP_VAL(v.mem), OP_VAL(vo),
                       OP_VAL(vld), OP_VAL(vbs), OP_VAL(beta), OP_VAL(c.mem), OP_VAL(co),
                       OP_VAL(crs), OP_VAL(cvs), OP_VAL(cbs)));
    /* Work-groups (run one work-item after another by PoCL): with S contiguous along k, 8 row
     * tiles share one panel of V while it is in cache; with S contiguous along rows (TN), 16
     * column tiles share each row tile's run of S. Both were the fastest of the shapes tried
     * with PoCL on a CPU (AlexNet's conv and fc GEMMs, `alexnet bench-gemm`). */
    size_t gws[3] = {(R + AN_GEMM_TM - 1) / AN_GEMM_TM, (V + 15) / 16, batch};
    size_t lws[3] = {src ? 1 : 8, src ? 16 : 1, 1};
    gws[0] = an_round_up(gws[0], lws[0]);
    gws[1] = an_round_up(gws[1], lws[1]);
    return an_launch(d, k, 3, gws, lws);
}

/* wide: float16 along k and 4 x 6 dot products (24 of AVX-512's 32 registers), the rows of a
 * work-group all of M up to 32, so that each row of B is read once */
static an_status launch_dot(an_dev *d, int wide, size_t M, size_t N, size_t K, float alpha,
                            an_buf A, size_t lda, size_t sa, an_buf B, size_t ldb, size_t sb,
                            float beta, an_buf C, size_t ldc, size_t sc, size_t batch) {
    cl_kernel k;
    AN_TRY(an_kernel(d, "gemm", wide ? AN_GEMM_DOT_WIDE_OPTS : AN_GEMM_DOT_OPTS, "gemm_dot", &k));
    size_t dm = AN_GEMM_DM, dn = wide ? AN_GEMM_DN_WIDE : AN_GEMM_DN;
    cl_uint m_ = (cl_uint)M, n_ = (cl_uint)N, k_ = (cl_uint)K;
    cl_uint ao = (cl_uint)A.off, bo = (cl_uint)B.off, co = (cl_uint)C.off;
    cl_uint lda_ = (cl_uint)lda, ldb_ = (cl_uint)ldb, ldc_ = (cl_uint)ldc;
    cl_ulong sa_ = sa, sb_ = sb, sc_ = sc;
    AN_TRY(OP_ARGS(k, OP_VAL(m_), OP_VAL(n_), OP_VAL(k_), OP_VAL(alpha), OP_VAL(A.mem), OP_VAL(ao),
                       OP_VAL(lda_), OP_VAL(sa_), OP_VAL(B.mem), OP_VAL(bo), OP_VAL(ldb_),
                       OP_VAL(sb_), OP_VAL(beta), OP_VAL(C.mem), OP_VAL(co), OP_VAL(ldc_),
                       OP_VAL(sc_)));
    size_t gws[3] = {(M + dm - 1) / dm, (N + dn - 1) / dn, batch};
    size_t lws[3] = {wide ? (gws[0] < 8 ? gws[0] : 8) : 4, 1, 1};
    gws[0] = an_round_up(gws[0], lws[0]);
    return an_launch(d, k, 3, gws, lws);
}

/* NN, TN and TT on gemm_panel (see the top of this file). */
static an_status gemm_panel_case(an_dev *d, int ta, int tb, size_t M, size_t N, size_t K,
                                 float alpha, an_buf A, size_t lda, size_t sa, an_buf B,
                                 size_t ldb, size_t sb, float beta, an_buf C, size_t ldc,
                                 size_t sc, size_t batch) {
    if (!ta)
        return launch_panel(d, M, N, K, alpha, A, lda, 1, sa, B, ldb, sb, beta, C, ldc, 1, sc,
                            batch);
    if (!tb)
        return launch_panel(d, M, N, K, alpha, A, 1, lda, sa, B, ldb, sb, beta, C, ldc, 1, sc,
                            batch);
    return launch_panel(d, N, M, K, alpha, B, ldb, 1, sb, A, lda, sa, beta, C, 1, ldc, sc,
                        batch);
}

static an_status gemm_own(an_dev *d, int ta, int tb, size_t M, size_t N, size_t K, float alpha,
                          an_buf A, size_t lda, size_t sa, an_buf B, size_t ldb, size_t sb,
                          float beta, an_buf C, size_t ldc, size_t sc, size_t batch) {
    an_gemm_path path;
    AN_TRY(an_gemm_path_for(d, &path));
    /* NT with 16-float vectors: dot products along K, which both operands are contiguous in,
     * beat a transposing copy of B (fc forward, `alexnet bench-gemm --shape fwd`) while A's rows
     * stay in a CPU's L2: gemm_dot reads all of them again for every block of B's rows, and past
     * AN_GEMM_DOT_A_BYTES the packed path's blocks of K win (fc6-8 forward at batch 128: 0.55,
     * 0.79, 0.85 of gemm_dot's time; at 32, with A of 1.2 MB, 1.3-1.5 times it) */
    if (path == AN_GEMM_PATH_PACKED && K > 0 && !ta && tb && an_gemm_vector_width(d) >= 16 &&
        M * K * sizeof(float) < AN_GEMM_DOT_A_BYTES)
        return launch_dot(d, 1, M, N, K, alpha, A, lda, sa, B, ldb, sb, beta, C, ldc, sc, batch);
    if (path == AN_GEMM_PATH_PACKED && K > 0)
        return an_gemm_packed(d, ta, tb, M, N, K, alpha, A, lda, sa, B, ldb, sb, beta, C, ldc,
                              sc, batch);
    if (!ta && tb) /* gemm_dot: each work-item streams its rows once; blocking K did not help */
        return launch_dot(d, 0, M, N, K, alpha, A, lda, sa, B, ldb, sb, beta, C, ldc, sc, batch);
    /* gemm_panel: blocks of AN_GEMM_KC along K keep each work-item's panel of the vector
     * operand in cache (a long K otherwise streams it from memory); later blocks add to C. */
    size_t k0 = 0;
    do {
        size_t kn = K - k0 < AN_GEMM_KC ? K - k0 : AN_GEMM_KC;
        AN_TRY(gemm_panel_case(d, ta, tb, M, N, kn, alpha, an_buf_at(A, ta ? k0 * lda : k0), lda,
                               sa, an_buf_at(B, tb ? k0 : k0 * ldb), ldb, sb,
                               k0 == 0 ? beta : 1.0f, C, ldc, sc, batch));
        k0 += kn;
    } while (k0 < K);
    return AN_OK;
}

an_status an_gemm_batched(an_dev *d, int trans_a, int trans_b, size_t M, size_t N, size_t K,
                          float alpha, an_buf A, size_t lda, size_t stride_a, an_buf B, size_t ldb,
                          size_t stride_b, float beta, an_buf C, size_t ldc, size_t stride_c,
                          size_t batch) {
    if (M == 0 || N == 0 || batch == 0) return AN_OK;
    int ta = trans_a != 0, tb = trans_b != 0;
    if (K > 0) {
        AN_TRY(check_operand("A", A, ta ? K : M, ta ? M : K, lda, stride_a, batch));
        AN_TRY(check_operand("B", B, tb ? N : K, tb ? K : N, ldb, stride_b, batch));
    }
    AN_TRY(check_output(C, M, N, ldc, stride_c, batch));
    if (M > INT_MAX || N > INT_MAX || K > INT_MAX || batch > INT_MAX)
        return an_error(AN_ERR_UNSUPPORTED, "gemm: size %zu x %zu x %zu (batch %zu) too large",
                        M, N, K, batch);
    an_gemm_backend be;
    AN_TRY(an_gemm_backend_for(d, &be));
    /* K == 0 (C = beta * C) goes to the own kernel, which handles it without special cases. */
    if (be == AN_GEMM_CLBLAST && K > 0)
        return gemm_clblast(d, ta, tb, M, N, K, alpha, A, lda, stride_a, B, ldb, stride_b, beta,
                            C, ldc, stride_c, batch);
    return gemm_own(d, ta, tb, M, N, K, alpha, A, lda, stride_a, B, ldb, stride_b, beta, C, ldc,
                    stride_c, batch);
}

an_status an_gemm(an_dev *d, int trans_a, int trans_b, size_t M, size_t N, size_t K, float alpha,
                  an_buf A, size_t lda, an_buf B, size_t ldb, float beta, an_buf C, size_t ldc) {
    return an_gemm_batched(d, trans_a, trans_b, M, N, K, alpha, A, lda, 0, B, ldb, 0, beta, C,
                           ldc, 0, 1);
}

int an_gemm_packed_runs(const an_dev *d) {
    an_gemm_backend be;
    an_gemm_path path;
    return an_gemm_backend_for(d, &be) == AN_OK && be == AN_GEMM_OWN &&
           an_gemm_path_for(d, &path) == AN_OK && path == AN_GEMM_PATH_PACKED;
}

an_status an_gemm_cols_batched(an_dev *d, const an_gemm_cols *cols, size_t M, size_t N, size_t K,
                               an_buf A, size_t lda, an_buf X, size_t sx, an_buf C, size_t ldc,
                               size_t sc, size_t batch) {
    if (!an_gemm_packed_runs(d))
        return an_error(AN_ERR_UNSUPPORTED, "gemm: gathered convolution columns need the own "
                        "backend's packed path (CPU devices)");
    if (M == 0 || N == 0 || K == 0 || batch == 0) return AN_OK;
    size_t taps = (size_t)cols->kh * (size_t)cols->kw, hw = (size_t)cols->h * (size_t)cols->w;
    if (taps == 0 || K % taps || cols->ow < 1 || N % (size_t)cols->ow)
        return an_error(AN_ERR_INVALID_ARG, "gemm: %zu rows or %zu pixels of columns do not fit "
                        "a %dx%d kernel and %d output columns", K, N, cols->kh, cols->kw,
                        cols->ow);
    AN_TRY(check_operand("A", A, M, K, lda, 0, 1));
    AN_TRY(check_output(C, M, N, ldc, sc, batch));
    size_t x_ext = (batch - 1) * sx + K / taps * hw;
    AN_TRY(op_check_buf_holds("gemm", "convolution input", X, x_ext));
    if (M > INT_MAX || N > INT_MAX || K > INT_MAX || batch > INT_MAX || X.off > UINT_MAX ||
        x_ext > UINT_MAX)
        return an_error(AN_ERR_UNSUPPORTED, "gemm: size %zu x %zu x %zu (batch %zu) too large",
                        M, N, K, batch);
    return an_gemm_packed_cols(d, cols, M, N, K, A, lda, X, sx, C, ldc, sc, batch);
}

size_t an_gemm_prepacked_floats(const an_dev *d, size_t M, size_t K, size_t batch) {
    return an_gemm_packed_a_floats(d, M, K) * batch;
}

/* Both pre-packed calls: the path runs, the sizes fit, P holds the batch's panels. */
static an_status check_prepacked(an_dev *d, size_t M, size_t K, size_t batch, an_buf P) {
    if (!an_gemm_packed_runs(d))
        return an_error(AN_ERR_UNSUPPORTED, "gemm: a pre-packed A needs the own backend's packed "
                        "path (CPU devices)");
    if (M > INT_MAX || K > INT_MAX || batch > INT_MAX)
        return an_error(AN_ERR_UNSUPPORTED, "gemm: pre-packed %zu x %zu (batch %zu) too large",
                        M, K, batch);
    size_t floats = an_gemm_prepacked_floats(d, M, K, batch);
    if (floats > UINT_MAX || P.off > UINT_MAX - floats)
        return an_error(AN_ERR_UNSUPPORTED, "gemm: pre-packed A of %zu floats at offset %zu; "
                        "more than 2^32 is not supported", floats, P.off);
    return op_check_buf_holds("gemm", "pre-packed A", P, floats);
}

an_status an_gemm_prepack(an_dev *d, size_t M, size_t K, an_buf A, size_t lda, size_t stride_a,
                          size_t batch, an_buf P) {
    if (M == 0 || K == 0 || batch == 0) return AN_OK;
    AN_TRY(check_prepacked(d, M, K, batch, P));
    AN_TRY(check_operand("A", A, M, K, lda, stride_a, batch));
    return an_gemm_packed_pack_a(d, M, K, A, lda, stride_a, batch, P);
}

an_status an_gemm_prepacked_batched(an_dev *d, size_t M, size_t N, size_t K, float alpha,
                                    an_buf P, an_buf B, size_t ldb, size_t stride_b, float beta,
                                    an_buf C, size_t ldc, size_t stride_c, size_t batch) {
    if (M == 0 || N == 0 || batch == 0) return AN_OK;
    if (K == 0)
        return an_gemm_batched(d, 0, 0, M, N, K, alpha, P, K, 0, B, ldb, stride_b, beta, C, ldc,
                               stride_c, batch);
    AN_TRY(check_prepacked(d, M, K, batch, P));
    AN_TRY(check_operand("B", B, K, N, ldb, stride_b, batch));
    AN_TRY(check_output(C, M, N, ldc, stride_c, batch));
    if (N > INT_MAX)
        return an_error(AN_ERR_UNSUPPORTED, "gemm: size %zu x %zu x %zu (batch %zu) too large",
                        M, N, K, batch);
    return an_gemm_packed_from(d, M, N, K, alpha, P, B, ldb, stride_b, beta, C, ldc, stride_c,
                               batch);
}

an_status an_gemm_prepacked_nt(an_dev *d, size_t M, size_t N, size_t K, float alpha, an_buf A,
                               size_t lda, an_buf P, float beta, an_buf C, size_t ldc) {
    if (M == 0 || N == 0) return AN_OK;
    if (K == 0)
        return an_gemm_batched(d, 0, 1, M, N, K, alpha, A, lda, 0, P, K, 0, beta, C, ldc, 0, 1);
    AN_TRY(check_prepacked(d, N, K, 1, P));
    AN_TRY(check_operand("A", A, M, K, lda, 0, 1));
    AN_TRY(check_output(C, M, N, ldc, 0, 1));
    if (M > INT_MAX || (M + 63) * K > UINT_MAX) /* A's packed copy: uint offsets */
        return an_error(AN_ERR_UNSUPPORTED, "gemm: size %zu x %zu x %zu too large", M, N, K);
    return an_gemm_packed_bt(d, M, N, K, alpha, A, lda, P, beta, C, ldc);
}

int an_gemm_prepacked_nt_pays(const an_dev *d, size_t M, size_t N) {
    return an_gemm_packed_runs(d) && an_gemm_packed_bt_pays(d, M, N);
}

/* host/ops/gemm_packed.c - launchers of the own GEMM's packed path (see gemm_packed.h and the
 * top of cl/gemm_packed.cl).
 *
 * Per chunk of K: op(A)'s chunk is packed into panels of MR rows (one copy when A is shared by
 * the batch, else one per matrix), then gemm_tile adds the chunk's product to C (beta on the
 * first chunk, 1 after); gemm_tile copies op(B) itself, block by block, into local memory.
 * Chunks keep the packed A within AN_GEMM_A_BYTES, so that it stays in a CPU's L2 while the
 * column panels pass over it. All four transpose cases are the same two launches; only the
 * pack kernel (rows or k contiguous in the source) and op(B)'s strides differ. The workspace
 * grows to the largest need and stays on the device (an_dev.gemm_ws). an_gemm_packed_cols is
 * the same sequence with gemm_tile built to gather op(B), a convolution's columns, from its
 * input. */
#include "ops/gemm_packed.h"
#include "ops/opargs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AN_GEMM_KC 512             /* k per block of op(B) in local memory */
#define AN_GEMM_WS_CAP (1u << 24)  /* floats of workspace for a group of unshared A (64 MiB) */
#define AN_GEMM_ROW_TILES 16       /* row tiles per work-group (one column panel in cache) */
#define AN_GEMM_GROUP_TILES 32     /* tiles per work-group, made up with column panels */
#define AN_GEMM_MAX_PANELS 8       /* column panels per work-group at most */
#define AN_GEMM_SHORT_K 64         /* K up to which C's stores shape the work-groups */
#define AN_GEMM_SMALL_M 128        /* M up to which a tile of 8 rows may pad less than 12 */
#define AN_GEMM_A_BYTES (1u << 20) /* packed A per launch: what a CPU's L2 holds */
#define AN_GEMM_A_AHEAD 64         /* an_gemm_packed_bt: steps of k fetched ahead of the FMAs */
#define AN_GEMM_BT_MIN_M 16        /* an_gemm_packed_bt_pays: rows of A from which it may */
#define AN_GEMM_STREAM_BYTES (8u << 20) /* C per launch from which its stores bypass the caches */

typedef struct tile_shape {
    int mr, nv; /* rows, float16 columns */
} tile_shape;

int an_gemm_vector_width(const an_dev *d) {
    const char *env = getenv("ALEXNET_GEMM_VW");
    if (env && (strcmp(env, "8") == 0 || strcmp(env, "16") == 0)) return atoi(env);
    return d->info.vec_float >= 16 ? 16 : 8;
}

/* The tile for the device: with 16-float vectors (AVX-512: 32 registers), 12 x 2 float16
 * accumulators, or 8 x 2 where that pads fewer rows of a small M (fc at batch 32: M = 32 is
 * 3 x 12 = 36 rows or 4 x 8); narrower vectors (AVX2: 16 registers, a float16 in two), 4 x 1:
 * 8 registers of sums, as many as two FMA pipes of latency 4 keep busy. With 6 x 1 (12 sums,
 * 2 for B, 1 broadcast) PoCL's compiler spilled one sum to the stack in the inner loop, and
 * its chain through memory set the pace: 76 GFLOP/s on 1024^3 against 153 with 4 x 1 on an
 * AVX2 EPYC (`alexnet bench-gemm`); 5 x 1 ran the conv shapes as fast and the fc weight
 * gradients at two thirds. */
static tile_shape pick_tile(const an_dev *d, size_t M) {
    tile_shape t = {4, 1};
    if (an_gemm_vector_width(d) >= 16) t = (tile_shape){12, 2};
    if (t.mr == 12 && M <= AN_GEMM_SMALL_M && (M + 7) / 8 * 8 < (M + 11) / 12 * 12) t.mr = 8;
    return t;
}

/* The tiles of t that cover M rows, and the rows they cover (a packed A's panels). */
static size_t row_tiles(tile_shape t, size_t M) { return (M + (size_t)t.mr - 1) / (size_t)t.mr; }
static size_t padded_rows(tile_shape t, size_t M) { return row_tiles(t, M) * (size_t)t.mr; }

static an_status workspace(an_dev *d, size_t floats, cl_mem *out) {
    if (d->gemm_ws_floats < floats) {
        an_free(&d->gemm_ws);
        d->gemm_ws_floats = 0;
        AN_TRY(an_alloc(d, "gemm workspace", floats * sizeof(float), &d->gemm_ws));
        d->gemm_ws_floats = floats;
    }
    *out = d->gemm_ws;
    return AN_OK;
}

/* Pack rows [0, R) x k [0, kc) of src(r, k) = src[off + b * bs + r * rs + k * ks] for batch
 * matrices b < nb into panels of pw at dst + d_off + b * d_bs; rs == 1 or ks == 1. */
static an_status pack(an_dev *d, int pw, size_t R, size_t kc, an_buf src, size_t rs, size_t ks,
                      size_t bs, size_t nb, cl_mem dst, size_t d_off, size_t d_bs) {
    char opts[32];
    snprintf(opts, sizeof opts, "-DPW=%d", pw);
    int along_r = rs == 1;
    cl_kernel k;
    AN_TRY(an_kernel(d, "gemm_packed", opts, along_r ? "gemm_pack_r" : "gemm_pack_k", &k));
    cl_uint r_ = (cl_uint)R, kc_ = (cl_uint)kc, so = (cl_uint)src.off;
    cl_uint st = (cl_uint)(along_r ? ks : rs), doff = (cl_uint)d_off;
    cl_ulong bs_ = bs, dbs = d_bs;
    AN_TRY(OP_ARGS(k, OP_VAL(r_), OP_VAL(kc_), OP_VAL(src.mem), OP_VAL(so), OP_VAL(st), OP_VAL(bs_),
                       OP_VAL(dst), OP_VAL(doff), OP_VAL(dbs)));
    size_t panels = (R + (size_t)pw - 1) / (size_t)pw;
    size_t gws[3], lws[3] = {1, 1, 1};
    if (along_r) { /* the panels of one k side by side: a work-group reads along the rows */
        lws[0] = panels < 64 ? panels : 64;
        lws[1] = 64 / lws[0] ? 64 / lws[0] : 1;
        gws[0] = an_round_up(panels, lws[0]);
        gws[1] = an_round_up(kc, lws[1]);
    } else { /* successive k of one panel */
        lws[0] = kc < 64 ? kc : 64;
        gws[0] = an_round_up(kc, lws[0]);
        gws[1] = panels;
    }
    gws[2] = nb;
    return an_launch(d, k, 3, gws, lws);
}

/* A work-group's shape: P column panels x L row tiles. Up to AN_GEMM_ROW_TILES row tiles
 * (split evenly) on one column panel, so that they share its copy of op(B); with fewer row
 * tiles, more panels, so that the group copies longer runs of op(B). For a short K the copy is
 * cheap and the stores of C dominate: 2 rows of AN_GEMM_MAX_PANELS panels, which store longer
 * runs of each row of C (fc dW: `alexnet bench-gemm --shape dW`). */
typedef struct group_shape {
    size_t P, L;
} group_shape;

static group_shape pick_group(tile_shape t, int tb, size_t M, size_t N, size_t K, size_t batch,
                              cl_uint cu) {
    size_t rt = row_tiles(t, M), panels = (N + 16 * (size_t)t.nv - 1) / (16 * (size_t)t.nv);
    size_t groups = (rt + AN_GEMM_ROW_TILES - 1) / AN_GEMM_ROW_TILES;
    group_shape g = {0, (rt + groups - 1) / groups};
    g.P = AN_GEMM_GROUP_TILES / g.L;
    if (K <= AN_GEMM_SHORT_K) g = (group_shape){AN_GEMM_MAX_PANELS, rt < 2 ? rt : 2};
    if (g.P > AN_GEMM_MAX_PANELS) g.P = AN_GEMM_MAX_PANELS;
    if (g.P > panels) g.P = panels;
    if (g.P < 1 || tb) g.P = 1; /* the transposing copy of B gained nothing from it */
    /* enough work-groups for every compute unit several times over (conv1 dW: 12 panels) */
    size_t want = 4 * (size_t)(cu ? cu : 1), row_groups = (rt + g.L - 1) / g.L;
    while (g.P > 1 && (panels + g.P - 1) / g.P * row_groups * batch < want) g.P--;
    return g;
}

/* gemm_tile's build options: the tile, the convolution whose columns it gathers (cols), for
 * an_gemm_packed_bt's product (bt) C stored transposed, and on CPUs (clang's builtins: PoCL's
 * prefetch() does nothing; the Oclgrind simulator, typed a CPU when run alone, cannot build
 * them) A fetched ahead for bt and C's stores streamed past the caches for a large C (stream). */
static void tile_opts(const an_dev *d, tile_shape t, const an_gemm_cols *cols, int bt,
                      int stream, char *opts, size_t n) {
    int cpu = (d->info.type & CL_DEVICE_TYPE_CPU) && !d->info.simulator;
    char ahead[24] = "";
    if (bt && cpu) snprintf(ahead, sizeof ahead, " -DA_AHEAD=%d", AN_GEMM_A_AHEAD);
    int len = snprintf(opts, n, "-DMR=%d -DNV=%d%s%s%s", t.mr, t.nv, bt ? " -DC_T" : "", ahead,
                       stream && cpu ? " -DC_STREAM" : "");
    if (cols && len > 0 && (size_t)len < n)
        snprintf(opts + len, n - (size_t)len, " -DCV_H=%d -DCV_W=%d -DCV_KH=%d -DCV_KW=%d "
                 "-DCV_S=%d -DCV_P=%d -DCV_OW=%d", cols->h, cols->w, cols->kh, cols->kw,
                 cols->stride, cols->pad, cols->ow);
}

/* kbase: op(B)'s first row in this call (the gathered columns' row index of B's row 0);
 * b_ext: the floats of gathered columns' input from B on, which the kernel may read */
static an_status tile(an_dev *d, tile_shape t, group_shape g, const an_gemm_cols *cols, int bt,
                      size_t M, size_t N, size_t K, size_t kc, float alpha, an_buf A,
                      size_t a_bs, an_buf B, size_t b_rs, size_t b_ks, size_t b_bs, size_t kbase,
                      size_t b_ext, float beta, an_buf C, size_t ldc, size_t sc, size_t nb) {
    char opts[192];
    /* streamed stores where the launch writes more than the caches hold: fc6's weight gradient
     * at batch 32 took 0.84 of the time, the Winograd GEMMs of a batch-32 forward 0.87-0.95 */
    int stream = beta == 0.0f && (size_t)M * N * nb * sizeof(float) >= AN_GEMM_STREAM_BYTES;
    tile_opts(d, t, cols, bt, stream, opts, sizeof opts);
    cl_kernel k;
    AN_TRY(an_kernel(d, "gemm_packed", opts, "gemm_tile", &k));
    cl_uint m_ = (cl_uint)M, n_ = (cl_uint)N, k_ = (cl_uint)K, kc_ = (cl_uint)kc;
    cl_uint ao = (cl_uint)A.off;
    cl_uint kb = (cl_uint)kbase, ext = (cl_uint)b_ext;
    cl_uint bo = (cl_uint)B.off, brs = (cl_uint)b_rs, bks = (cl_uint)b_ks;
    cl_uint co = (cl_uint)C.off, ldc_ = (cl_uint)ldc;
    cl_ulong abs_ = a_bs, bbs = b_bs, sc_ = sc;
    size_t nr = 16 * (size_t)t.nv;
    AN_TRY(OP_ARGS(k, OP_VAL(m_), OP_VAL(n_), OP_VAL(k_), OP_VAL(alpha), OP_VAL(A.mem), OP_VAL(ao),
                       OP_VAL(abs_), OP_VAL(B.mem), OP_VAL(bo), OP_VAL(brs), OP_VAL(bks),
                       OP_VAL(bbs), OP_VAL(beta), OP_VAL(C.mem), OP_VAL(co), OP_VAL(ldc_),
                       OP_VAL(sc_)));
    CL_CHECK(clSetKernelArg(k, 17, g.P * kc * nr * sizeof(float), NULL));
    AN_TRY(OP_ARGS_AT(k, 18, OP_VAL(kc_), OP_VAL(kb), OP_VAL(ext)));
    size_t lws[3] = {g.P, g.L, 1};
    size_t gws[3] = {an_round_up((N + nr - 1) / nr, g.P), an_round_up(row_tiles(t, M), g.L), nb};
    return an_launch(d, k, 3, gws, lws);
}

/* The k per block of op(B) in local memory: AN_GEMM_KC, or what half of it holds. */
static size_t local_k(const an_dev *d, tile_shape t, group_shape g) {
    size_t kc = d->info.local_mem / 2 / (g.P * 16 * (size_t)t.nv * sizeof(float));
    if (kc > AN_GEMM_KC) kc = AN_GEMM_KC;
    return kc < 1 ? 1 : kc;
}

/* an_gemm_packed, with op(B) gathered from a convolution's input when cols is set. */
static an_status packed(an_dev *d, const an_gemm_cols *cols, int ta, int tb, size_t M, size_t N,
                        size_t K, float alpha, an_buf A, size_t lda, size_t sa, an_buf B,
                        size_t ldb, size_t sb, float beta, an_buf C, size_t ldc, size_t sc,
                        size_t batch) {
    tile_shape t = pick_tile(d, M);
    size_t mp = padded_rows(t, M);
    group_shape g = pick_group(t, tb, M, N, K, batch, d->info.compute_units);
    size_t kc = local_k(d, t, g);
    /* A's panels cover a chunk of K (within AN_GEMM_A_BYTES, at least one local block) and
     * matrices of the batch in groups (one copy of A when it is shared, sa == 0) */
    size_t kch = AN_GEMM_A_BYTES / sizeof(float) / mp / kc * kc;
    if (kch < kc) kch = kc;
    if (kch > K) kch = K;
    size_t nb = sa ? AN_GEMM_WS_CAP / (kch * mp) : batch;
    if (nb == 0) nb = 1;
    if (nb > batch) nb = batch;
    cl_mem ws;
    AN_TRY(workspace(d, kch * mp * (sa ? nb : 1), &ws));
    for (size_t b0 = 0; b0 < batch; b0 += nb) {
        size_t n = batch - b0 < nb ? batch - b0 : nb;
        for (size_t k0 = 0; k0 < K; k0 += kch) {
            size_t kn = K - k0 < kch ? K - k0 : kch;
            /* op(A)(m, k): A[m * lda + k], or A[k * lda + m] when transposed */
            an_buf a = an_buf_at(A, b0 * sa + (ta ? k0 * lda : k0));
            AN_TRY(pack(d, t.mr, M, kn, a, ta ? 1 : lda, ta ? lda : 1, sa, sa ? n : 1, ws, 0,
                        kn * mp));
            /* op(B)(k, n): B[k * ldb + n], or B[n * ldb + k] when transposed; gathered
             * columns start at the image and count rows from kbase = k0 instead */
            an_buf b = an_buf_at(B, b0 * sb + (cols ? 0 : tb ? k0 : k0 * ldb));
            size_t ext = cols ? (n - 1) * sb + K / ((size_t)cols->kh * cols->kw) *
                                                   ((size_t)cols->h * cols->w)
                              : 0;
            AN_TRY(tile(d, t, g, cols, 0, M, N, kn, kc, alpha, (an_buf){ws, 0}, sa ? kn * mp : 0, b,
                        tb ? ldb : 1, tb ? 1 : ldb, sb, cols ? k0 : 0, ext,
                        k0 == 0 ? beta : 1.0f, an_buf_at(C, b0 * sc), ldc, sc, n));
        }
    }
    return AN_OK;
}

an_status an_gemm_packed(an_dev *d, int ta, int tb, size_t M, size_t N, size_t K, float alpha,
                         an_buf A, size_t lda, size_t sa, an_buf B, size_t ldb, size_t sb,
                         float beta, an_buf C, size_t ldc, size_t sc, size_t batch) {
    return packed(d, NULL, ta, tb, M, N, K, alpha, A, lda, sa, B, ldb, sb, beta, C, ldc, sc,
                  batch);
}

an_status an_gemm_packed_cols(an_dev *d, const an_gemm_cols *cols, size_t M, size_t N, size_t K,
                              an_buf A, size_t lda, an_buf X, size_t sx, an_buf C, size_t ldc,
                              size_t sc, size_t batch) {
    return packed(d, cols, 0, 0, M, N, K, 1.0f, A, lda, 0, X, N, sx, 0.0f, C, ldc, sc, batch);
}

size_t an_gemm_packed_a_floats(const an_dev *d, size_t M, size_t K) {
    return padded_rows(pick_tile(d, M), M) * K;
}

an_status an_gemm_packed_pack_a(an_dev *d, size_t M, size_t K, an_buf A, size_t lda, size_t sa,
                                size_t batch, an_buf P) {
    tile_shape t = pick_tile(d, M);
    return pack(d, t.mr, M, K, A, lda, 1, sa, batch, P.mem, P.off, padded_rows(t, M) * K);
}

/* packed() with the whole of K as one chunk of A, already in P: no pack launches. */
an_status an_gemm_packed_from(an_dev *d, size_t M, size_t N, size_t K, float alpha, an_buf P,
                              an_buf B, size_t ldb, size_t sb, float beta, an_buf C, size_t ldc,
                              size_t sc, size_t batch) {
    tile_shape t = pick_tile(d, M);
    group_shape g = pick_group(t, 0, M, N, K, batch, d->info.compute_units);
    return tile(d, t, g, NULL, 0, M, N, K, local_k(d, t, g), alpha, P, padded_rows(t, M) * K, B, 1,
                ldb, sb, 0, 0, beta, C, ldc, sc, batch);
}

/* The fc forward at batch 32 (9216 -> 4096): 0.6-0.7 of gemm_dot's time; at 16 about the
 * same, at 24 0.85; the tiles compute whole column panels, so 33 rows cost as much as 64. */
int an_gemm_packed_bt_pays(const an_dev *d, size_t M, size_t N) {
    size_t nr = 16 * (size_t)pick_tile(d, N).nv, padded = (M + nr - 1) / nr * nr;
    return M >= AN_GEMM_BT_MIN_M && 3 * padded <= 4 * M;
}

/* C = alpha A Bᵀ + beta C as Cᵀ = B Aᵀ: B, pre-packed in P as the tiles' A, streams from memory
 * once (fetched ahead), its panels shared by the work-group's column panels (all of them, up to
 * AN_GEMM_MAX_PANELS); Aᵀ, a transposed copy of A padded to whole panels, is op(B); C is
 * stored transposed. */
an_status an_gemm_packed_bt(an_dev *d, size_t M, size_t N, size_t K, float alpha, an_buf A,
                            size_t lda, an_buf P, float beta, an_buf C, size_t ldc) {
    tile_shape t = pick_tile(d, N);
    size_t nr = 16 * (size_t)t.nv, panels = (M + nr - 1) / nr, ldt = panels * nr;
    cl_mem ws;
    AN_TRY(workspace(d, K * ldt, &ws));
    cl_kernel k;
    AN_TRY(an_kernel(d, "gemm_packed", "", "gemm_transpose", &k));
    cl_uint m_ = (cl_uint)M, k_ = (cl_uint)K, ao = (cl_uint)A.off, lda_ = (cl_uint)lda;
    cl_uint ldt_ = (cl_uint)ldt;
    AN_TRY(OP_ARGS(k, OP_VAL(m_), OP_VAL(k_), OP_VAL(A.mem), OP_VAL(ao), OP_VAL(lda_), OP_VAL(ws),
                       OP_VAL(ldt_)));
    size_t gws[2] = {(K + 15) / 16, ldt / 16}, lws[2] = {gws[0] < 16 ? gws[0] : 16, 1};
    gws[0] = an_round_up(gws[0], lws[0]);
    AN_TRY(an_launch(d, k, 2, gws, lws));
    group_shape g = {panels < AN_GEMM_MAX_PANELS ? panels : AN_GEMM_MAX_PANELS, AN_GEMM_ROW_TILES};
    return tile(d, t, g, NULL, 1, N, M, K, local_k(d, t, g), alpha, P, 0, (an_buf){ws, 0}, 1, ldt,
                0, 0, 0, beta, C, ldc, 0, 1);
}

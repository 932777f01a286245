/* cl/gemm.cl - the project's own SGEMM kernels, tuned for CPU-class OpenCL devices (PoCL).
 *
 * Two register-tiled kernels cover every transpose combination (the host picks one, see
 * host/ops/gemm.c). Both take an optional batch index in dimension 2 with per-batch strides.
 *
 * gemm_panel: an output tile of TM rows x 16 columns per work-item (dimension 0: row tiles,
 *   so that neighbouring work-items share the panel of V), C(r,j) = alpha *
 *   sum_k S(r,k) * V(k,j) + beta * C(r,j), where the "scalar" operand S(r,k) = s[r*s_rs + k*s_ks]
 *   is read one float per row and k (any strides) and the "vector" operand V(k,j) = v[k*v_ld + j]
 *   is contiguous along j (one float16 load per k). C(r,j) = c[r*c_rs + j*c_vs] with any strides,
 *   so the same kernel also writes a transposed result. Used for NN, TN and (operands swapped,
 *   result transposed) TT.
 * gemm_dot: C(m,n) = alpha * sum_k A[m*lda+k] * B[n*ldb+k] + beta * C(m,n), a DM x DN tile of
 *   dot products per work-item with float8 along k (4 x 3: 12 accumulators, 3 rows of B in
 *   registers, A read by the FMAs, no spills with AVX2's 16 registers). Used for NT, where
 *   neither operand is contiguous along M or N.
 *
 * Rows or columns past the matrix edge are clamped on reading (computed, never stored), so the
 * inner loops have no bounds checks. beta == 0 never reads C (NaN in C does not leak). */

#ifndef TM
#define TM 6 /* 6 float16 accumulators = 12 AVX2 registers, + 2 for V and 1 broadcast */
#endif
/* SRC 0: the scalar operand is contiguous along k (s_ks == 1; NN, TT); 1: along its rows
 * (s_rs == 1; TN). Either way the inner loop steps one index or one pointer per k. */
#ifndef SRC
#define SRC 0
#endif
#if SRC
#define S_AT(i, k) sp[srow[i]]
#define S_NEXT() (sp += sks)
#else
#define S_AT(i, k) sp[srow[i] + (k)]
#define S_NEXT() ((void)0)
#endif

static inline void gemm_store(__global float *c, uint idx, float alpha, float acc, float beta) {
    c[idx] = beta == 0.0f ? alpha * acc : alpha * acc + beta * c[idx];
}

__kernel void gemm_panel(uint R, uint V, uint K, float alpha,
                         __global const float *s, uint s_off, uint s_rs, uint s_ks, ulong s_bs,
                         __global const float *v, uint v_off, uint v_ld, ulong v_bs,
                         float beta,
                         __global float *c, uint c_off, uint c_rs, uint c_vs, ulong c_bs) {
    const uint r0 = get_global_id(0) * TM;
    const uint j0 = get_global_id(1) * 16;
    const ulong bi = get_global_id(2);
    if (j0 >= V || r0 >= R) return;
    s += s_off + bi * s_bs;
    v += v_off + bi * v_bs;
    c += c_off + bi * c_bs;
    /* The last tile of a row shifts left to end at column V (overlapping its neighbour, whose
     * columns it computes again but does not store), so it loads whole float16 rows too. Only
     * matrices narrower than 16 take the slow path of element loads. */
    const uint jl = j0 + 16 <= V || V < 16 ? j0 : V - 16;

    /* row offsets in size_t, one index or pointer stepped along k: the inner loop is loads and
     * FMAs, without per-row index arithmetic */
    size_t srow[TM];
#pragma unroll
    for (int i = 0; i < TM; i++) srow[i] = (size_t)min(r0 + (uint)i, R - 1) * s_rs;
    const size_t sks = s_ks, vld = v_ld;

    float16 acc[TM];
#pragma unroll
    for (int i = 0; i < TM; i++) acc[i] = (float16)(0.0f);

    const __global float *sp = s;
    if (jl + 16 <= V) {
        const __global float *vp = v + jl;
        for (uint k = 0; k < K; k++) {
            const float16 bv = vload16(0, vp);
#pragma unroll
            for (int i = 0; i < TM; i++) acc[i] = fma((float16)(S_AT(i, k)), bv, acc[i]);
            S_NEXT();
            vp += vld;
        }
    } else {
        for (uint k = 0; k < K; k++) {
            float t[16];
#pragma unroll
            for (uint j = 0; j < 16; j++)
                t[j] = j0 + j < V ? v[(size_t)k * vld + j0 + j] : 0.0f;
            const float16 bv = vload16(0, t);
#pragma unroll
            for (int i = 0; i < TM; i++) acc[i] = fma((float16)(S_AT(i, k)), bv, acc[i]);
            S_NEXT();
        }
    }

    const uint rn = min((uint)TM, R - r0);
    if (c_vs == 1 && jl == j0 && j0 + 16 <= V) {
        for (uint i = 0; i < rn; i++) {
            __global float *cp = c + (size_t)(r0 + i) * c_rs + j0;
            float16 out = alpha * acc[i];
            if (beta != 0.0f) out += beta * vload16(0, cp);
            vstore16(out, 0, cp);
        }
    } else {
        /* columns jl + j for j in [j0 - jl, min(16, V - jl)) are this tile's own */
        const uint jb = j0 - jl, je = min(16u, V - jl);
        for (uint i = 0; i < rn; i++) {
            float t[16];
            vstore16(acc[i], 0, t);
            for (uint j = jb; j < je; j++)
                gemm_store(c, (r0 + i) * c_rs + (jl + j) * c_vs, alpha, t[j], beta);
        }
    }
}

#ifndef DM
#define DM 4
#endif
#ifndef DN
#define DN 3
#endif

/* DV: the vector width along k (8 or 16) */
#ifndef DV
#define DV 8
#endif
#if DV == 16
#define dvec float16
#define dvload vload16
#define gemm_hsum an_hsum16
#else
#define dvec float8
#define dvload vload8
#define gemm_hsum an_hsum8
#endif

__kernel void gemm_dot(uint M, uint N, uint K, float alpha,
                       __global const float *a, uint a_off, uint lda, ulong a_bs,
                       __global const float *b, uint b_off, uint ldb, ulong b_bs,
                       float beta,
                       __global float *c, uint c_off, uint ldc, ulong c_bs) {
    const uint m0 = get_global_id(0) * DM;
    const uint n0 = get_global_id(1) * DN;
    const ulong bi = get_global_id(2);
    if (n0 >= N || m0 >= M) return;
    a += a_off + bi * a_bs;
    b += b_off + bi * b_bs;
    c += c_off + bi * c_bs;

    const __global float *ar[DM], *br[DN];
#pragma unroll
    for (int i = 0; i < DM; i++) ar[i] = a + (size_t)min(m0 + (uint)i, M - 1) * lda;
#pragma unroll
    for (int j = 0; j < DN; j++) br[j] = b + (size_t)min(n0 + (uint)j, N - 1) * ldb;
    dvec acc[DM][DN];
#pragma unroll
    for (int i = 0; i < DM; i++)
#pragma unroll
        for (int j = 0; j < DN; j++) acc[i][j] = (dvec)(0.0f);

    const uint k8 = K / DV * DV;
    for (uint k = 0; k < k8; k += DV) {
        dvec bv[DN];
#pragma unroll
        for (int j = 0; j < DN; j++) bv[j] = dvload(0, br[j] + k);
#pragma unroll
        for (int i = 0; i < DM; i++) {
            const dvec av = dvload(0, ar[i] + k);
#pragma unroll
            for (int j = 0; j < DN; j++) acc[i][j] = fma(av, bv[j], acc[i][j]);
        }
    }

    const uint mn = min((uint)DM, M - m0), nn = min((uint)DN, N - n0);
    for (uint i = 0; i < mn; i++)
        for (uint j = 0; j < nn; j++) {
            float sum = gemm_hsum(acc[i][j]);
            for (uint k = k8; k < K; k++) sum = fma(ar[i][k], br[j][k], sum);
            gemm_store(c, (m0 + i) * ldc + n0 + j, alpha, sum, beta);
        }
}

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
 * gemm_dot: C(m,n) = alpha * sum_k A[m*lda+k] * B[n*ldb+k] + beta * C(m,n), a 4x4 tile of dot
 *   products per work-item with float16 along k. Used for NT, where neither operand is
 *   contiguous along M or N.
 *
 * Rows or columns past the matrix edge are clamped on reading (computed, never stored), so the
 * inner loops have no bounds checks. beta == 0 never reads C (NaN in C does not leak). */

#ifndef TM
#define TM 8
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

    uint srow[TM];
#pragma unroll
    for (int i = 0; i < TM; i++) srow[i] = min(r0 + (uint)i, R - 1) * s_rs;

    float16 acc[TM];
#pragma unroll
    for (int i = 0; i < TM; i++) acc[i] = (float16)(0.0f);

    if (jl + 16 <= V) {
        const __global float *vp = v + jl;
        for (uint k = 0; k < K; k++) {
            const float16 bv = vload16(0, vp + (size_t)k * v_ld);
            const uint ko = k * s_ks;
#pragma unroll
            for (int i = 0; i < TM; i++) acc[i] = fma((float16)(s[srow[i] + ko]), bv, acc[i]);
        }
    } else {
        for (uint k = 0; k < K; k++) {
            float t[16];
#pragma unroll
            for (uint j = 0; j < 16; j++)
                t[j] = j0 + j < V ? v[(size_t)k * v_ld + j0 + j] : 0.0f;
            const float16 bv = vload16(0, t);
            const uint ko = k * s_ks;
#pragma unroll
            for (int i = 0; i < TM; i++) acc[i] = fma((float16)(s[srow[i] + ko]), bv, acc[i]);
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

static inline float gemm_hsum(float16 x) {
    float8 a = x.lo + x.hi;
    float4 b = a.lo + a.hi;
    float2 d = b.lo + b.hi;
    return d.x + d.y;
}

__kernel void gemm_dot(uint M, uint N, uint K, float alpha,
                       __global const float *a, uint a_off, uint lda, ulong a_bs,
                       __global const float *b, uint b_off, uint ldb, ulong b_bs,
                       float beta,
                       __global float *c, uint c_off, uint ldc, ulong c_bs) {
    const uint m0 = get_global_id(0) * 4;
    const uint n0 = get_global_id(1) * 4;
    const ulong bi = get_global_id(2);
    if (n0 >= N || m0 >= M) return;
    a += a_off + bi * a_bs;
    b += b_off + bi * b_bs;
    c += c_off + bi * c_bs;

    const __global float *ar[4], *br[4];
#pragma unroll
    for (int i = 0; i < 4; i++) {
        ar[i] = a + (size_t)min(m0 + (uint)i, M - 1) * lda;
        br[i] = b + (size_t)min(n0 + (uint)i, N - 1) * ldb;
    }
    float16 acc[4][4];
#pragma unroll
    for (int i = 0; i < 4; i++)
#pragma unroll
        for (int j = 0; j < 4; j++) acc[i][j] = (float16)(0.0f);

    const uint k16 = K / 16 * 16;
    for (uint k = 0; k < k16; k += 16) {
        float16 av[4], bv[4];
#pragma unroll
        for (int i = 0; i < 4; i++) {
            av[i] = vload16(0, ar[i] + k);
            bv[i] = vload16(0, br[i] + k);
        }
#pragma unroll
        for (int i = 0; i < 4; i++)
#pragma unroll
            for (int j = 0; j < 4; j++) acc[i][j] = fma(av[i], bv[j], acc[i][j]);
    }

    const uint mn = min(4u, M - m0), nn = min(4u, N - n0);
    for (uint i = 0; i < mn; i++)
        for (uint j = 0; j < nn; j++) {
            float sum = gemm_hsum(acc[i][j]);
            for (uint k = k16; k < K; k++) sum = fma(ar[i][k], br[j][k], sum);
            gemm_store(c, (m0 + i) * ldc + n0 + j, alpha, sum, beta);
        }
}

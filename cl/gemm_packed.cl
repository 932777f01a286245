/* cl/gemm_packed.cl - the own SGEMM's packed path for CPU devices: a pack kernel that copies a
 * chunk of op(A) into contiguous panels, and a register-tiled kernel that reads them.
 *
 * A chunk of KC steps of k is packed as panels of PW rows: panel p holds, for each k, its PW
 * values side by side: dst[(p * KC + k) * PW + w] = src(p * PW + w, k), with src(r, k) =
 * src[r * rs + k * ks] and zeros past the last row R. gemm_pack_r reads operands contiguous
 * along r (rs == 1: the panels of one k side by side in dimension 0), gemm_pack_k those
 * contiguous along k (ks == 1: dimension 0 runs along k). Dimension 2 is the batch.
 * gemm_transpose copies a matrix transposed.
 *
 * gemm_tile: an MR x NR tile of C per work-item (NR = 16 * NV columns), MR x NV float16
 * accumulators; per k one load of NV float16 from the panel of op(B) and MR floats of the A
 * panel, each broadcast into an FMA, both read front to back (no index arithmetic, no strides).
 * Dimension 0: column panels, 1: row tiles, 2: the batch. K is the chunk of k the A panels
 * hold; a work-group (P column panels x L row tiles, the host's choice) copies its P panels of
 * op(B), KC steps of k at a time, into local memory (zeros past column N), where all its tiles
 * read them from cache. PoCL runs a work-group's items one after another on one thread, so the
 * panels are read from memory once per group. Rows and columns past the edge are computed but
 * never stored; beta == 0 never reads C. Built with A_AHEAD, the loop asks for A_AHEAD steps of
 * k ahead of the A panel to be fetched into cache (a packed A read once from memory, such as an
 * fc layer's weights: the hardware's own prefetch did not keep the FMAs fed); with C_T, C is
 * stored transposed, element (m, n) at c[n * ldc + m]; with C_STREAM, where beta == 0, whole
 * aligned vectors of C go straight to memory (non-temporal stores: no read of the line first,
 * no cache spent on a C larger than the caches). Built with CV_* (the shape of a
 * convolution), op(B) is not read from a matrix but gathered from the convolution's input: the
 * im2col columns, rows counted from the argument kbase, never stored (host/ops/gemm.h's
 * an_gemm_cols_batched); for a "same" stride-1 convolution 16 columns at a time, one vector
 * load each. */

#ifndef PW
#define PW 16 /* width of a packed panel */
#endif
#ifndef MR
#define MR 12 /* rows of a tile: MR x NV float16 accumulators */
#endif
#ifndef NV
#define NV 2 /* float16 columns of a tile */
#endif
#define NR (16 * NV)

__kernel void gemm_pack_r(uint R, uint KC, __global const float *restrict src, uint off, uint ks,
                          ulong bs, __global float *restrict dst, uint d_off, ulong d_bs) {
    const uint p = get_global_id(0), k = get_global_id(1);
    const ulong bi = get_global_id(2);
    if (k >= KC || p * PW >= R) return;
    src += off + bi * bs + (size_t)k * ks + (size_t)p * PW;
    dst += d_off + bi * d_bs + ((size_t)p * KC + k) * PW;
    if ((p + 1) * PW <= R) {
#pragma unroll
        for (uint w = 0; w < PW; w++) dst[w] = src[w];
    } else {
        for (uint w = 0; w < PW; w++) dst[w] = p * PW + w < R ? src[w] : 0.0f;
    }
}

__kernel void gemm_pack_k(uint R, uint KC, __global const float *restrict src, uint off, uint rs,
                          ulong bs, __global float *restrict dst, uint d_off, ulong d_bs) {
    const uint k = get_global_id(0), p = get_global_id(1);
    const ulong bi = get_global_id(2);
    if (k >= KC || p * PW >= R) return;
    src += off + bi * bs + (size_t)p * PW * rs + k;
    dst += d_off + bi * d_bs + ((size_t)p * KC + k) * PW;
    if ((p + 1) * PW <= R) {
#pragma unroll
        for (uint w = 0; w < PW; w++) dst[w] = src[(size_t)w * rs];
    } else {
        for (uint w = 0; w < PW; w++) dst[w] = p * PW + w < R ? src[(size_t)w * rs] : 0.0f;
    }
}

/* gemm_transpose: dst[k * ldd + r] = src[off + r * rs + k] for r < R and 0 for R <= r < ldd
 * (an_gemm_packed_bt's op(B), the rows of its A as columns; ldd a multiple of 16). Each
 * work-item moves a block of 16 x 16 through private memory, 16 vector loads and 16 vector
 * stores where the block is whole. Dimension 0 runs along k, 1 along r. */
__kernel void gemm_transpose(uint R, uint K, __global const float *restrict src, uint off,
                             uint rs, __global float *restrict dst, uint ldd) {
    const uint k0 = get_global_id(0) * 16, r0 = get_global_id(1) * 16;
    if (k0 >= K || r0 >= ldd) return;
    float t[16][16];
    for (uint i = 0; i < 16; i++) {
        const __global float *s = src + off + (size_t)(r0 + i) * rs + k0;
        if (r0 + i >= R)
            vstore16((float16)(0.0f), 0, t[i]);
        else if (k0 + 16 <= K)
            vstore16(vload16(0, s), 0, t[i]);
        else
            for (uint j = 0; j < 16; j++) t[i][j] = k0 + j < K ? s[j] : 0.0f;
    }
    for (uint j = 0; j < 16 && k0 + j < K; j++) {
        float c[16];
        for (uint i = 0; i < 16; i++) c[i] = t[i][j];
        vstore16(vload16(0, c), 0, dst + (size_t)(k0 + j) * ldd + r0);
    }
}

__kernel void gemm_tile(uint M, uint N, uint K, float alpha,
                        __global const float *restrict ap, uint a_off, ulong a_bs,
                        __global const float *restrict b, uint b_off, uint b_rs, uint b_ks,
                        ulong b_bs, float beta,
                        __global float *restrict c, uint c_off, uint ldc, ulong c_bs,
                        __local float *restrict bl, uint KC, uint kbase, uint b_ext) {
    const uint jt = get_global_id(0), it = get_global_id(1);
    /* the work-group: np column panels from column g0, nl work-items, this one number lin */
    const uint np = get_local_size(0), g0 = get_group_id(0) * np * NR;
    const uint nl = np * get_local_size(1), lin = get_local_id(1) * np + get_local_id(0);
    const ulong bi = get_global_id(2);
    const uint m0 = it * MR, n0 = jt * NR;
    const __global float *a = ap + a_off + bi * a_bs + (size_t)it * K * MR;
    b += b_off + bi * b_bs;

    float16 acc[MR][NV];
#pragma unroll
    for (int i = 0; i < MR; i++)
#pragma unroll
        for (int v = 0; v < NV; v++) acc[i][v] = (float16)(0.0f);

    for (uint k0 = 0; k0 < K; k0 += KC) {
        const uint kn = min(KC, K - k0);
        /* the work-group copies this block's KC steps of k of its P column panels into bl,
         * each work-item a run of k: along n (whole rows of the group's P * NR columns) when
         * op(B) is contiguous along n, along k when along k */
        const uint ch = (kn + nl - 1) / nl, kb = min(kn, lin * ch), ke = min(kn, kb + ch);
        barrier(CLK_LOCAL_MEM_FENCE);
#if defined(CV_KH) && CV_S == 1 && 2 * CV_P + 1 == CV_KH && 2 * CV_P + 1 == CV_KW
        /* op(B) as the columns of a "same" stride-1 convolution (output the size of its input
         * b; one image, one group): row r = (c * CV_KH + u) * CV_KW + v, column n = i * CV_W + j
         * holds b[c][n + (u - CV_P) * CV_W + v - CV_P] where (i + u - CV_P, j + v - CV_P) is
         * inside the image, else 0. So 16 columns are one vector load from a shifted position
         * and a select; where those 16 floats would reach past the input (b_ext floats from the
         * first image's start), a load per element. kbase is the call's first row. */
        for (uint q = 0; q < np; q++) {
            const int p0 = g0 + q * NR;
            const long lo = -(long)(bi * b_bs), hi = lo + b_ext;
            int16 iv[NV], jv[NV]; /* the columns' (i, j); past N, an i no tap reaches */
#pragma unroll
            for (int v = 0; v < NV; v++) {
                const int16 n = (int16)(p0 + 16 * v) +
                                (int16)(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
                iv[v] = select(n / CV_W, (int16)(1 << 24), n >= (int16)N);
                jv[v] = n % CV_W;
            }
            for (uint k = kb; k < ke; k++) {
                const uint r = kbase + k0 + k;
                const int dj = (int)(r % CV_KW) - CV_P, di = (int)(r / CV_KW % CV_KH) - CV_P;
                const long c0 = (long)(r / (CV_KW * CV_KH)) * CV_H * CV_W;
                const long s0 = c0 + p0 + di * CV_W + dj; /* the first column's source */
                __local float *dst = bl + (q * KC + k) * NR;
#pragma unroll
                for (int v = 0; v < NV; v++) {
                    const int16 ok = as_uint16(iv[v] + di) < (uint16)CV_H &
                                     as_uint16(jv[v] + dj) < (uint16)CV_W;
                    float16 x;
                    if (s0 + 16 * v >= lo && s0 + 16 * v + 16 <= hi) {
                        x = vload16(0, b + s0 + 16 * v);
                    } else {
                        float t[16];
                        for (int l = 0; l < 16; l++) {
                            const int n = p0 + 16 * v + l, i = n / CV_W + di, j = n % CV_W + dj;
                            const int in = n < (int)N && i >= 0 && i < CV_H && j >= 0 && j < CV_W;
                            t[l] = in ? b[c0 + i * CV_W + j] : 0.0f;
                        }
                        x = vload16(0, t);
                    }
                    vstore16(select((float16)(0.0f), x, ok), v, dst);
                }
            }
        }
#elif defined(CV_KH)
        /* op(B) as the columns of a convolution's input b (one image, one group; the col
         * layout of cl/im2col.cl): row r = (c * CV_KH + u) * CV_KW + v, column p = i * CV_OW + j
         * holds b[c][i * CV_S + u - CV_P][j * CV_S + v - CV_P], 0 in the padding; kbase is the
         * call's first row. Each panel's NR columns are runs along output rows, each run a
         * stretch of zeros, a strided copy and zeros, with no test per element. (Written out
         * here, not as a function: its inlined restrict arguments defeat Oclgrind.) */
        for (uint q = 0; q < np; q++) {
            const uint p0 = g0 + q * NR, cols = min((uint)NR, N - min(N, p0));
            const int i0 = p0 / CV_OW, j0 = p0 % CV_OW;
            for (uint k = kb; k < ke; k++) {
                const uint r = kbase + k0 + k;
                const int v = r % CV_KW, u = (r / CV_KW) % CV_KH, d = v - CV_P;
                const __global float *xc = b + (size_t)(r / (CV_KW * CV_KH)) * CV_H * CV_W + d;
                /* output columns j whose input column j * S + d is inside the image: [jl, jh) */
                const int jl = d >= 0 ? 0 : (CV_S - 1 - d) / CV_S;
                const int jh = CV_W - 1 - d < 0 ? 0 : min(CV_OW, (CV_W - 1 - d) / CV_S + 1);
                __local float *dst = bl + (q * KC + k) * NR;
                uint w = 0;
                int i = i0, j = j0;
                while (w < cols) {
                    const int run = min(CV_OW - j, (int)(cols - w));
                    const int yy = i * CV_S + u - CV_P;
                    int lo = run, hi = run;
                    if (yy >= 0 && yy < CV_H) {
                        lo = clamp(jl - j, 0, run);
                        hi = clamp(jh - j, lo, run);
                    }
                    const __global float *xr = xc + yy * CV_W + j * CV_S;
                    int t = 0;
                    for (; t < lo; t++) dst[w + t] = 0.0f;
                    for (; t < hi; t++) dst[w + t] = xr[t * CV_S];
                    for (; t < run; t++) dst[w + t] = 0.0f;
                    w += run;
                    i++;
                    j = 0;
                }
                for (; w < NR; w++) dst[w] = 0.0f;
            }
        }
#else
        if (b_rs == 1) {
            for (uint k = kb; k < ke; k++) {
                const __global float *src = b + (size_t)(k0 + k) * b_ks + g0;
                if (g0 + np * NR <= N) {
                    for (uint q = 0; q < np; q++)
#pragma unroll
                        for (int w = 0; w < NR; w++) bl[(q * KC + k) * NR + w] = src[q * NR + w];
                } else {
                    for (uint q = 0; q < np; q++)
                        for (uint w = 0; w < NR; w++)
                            bl[(q * KC + k) * NR + w] =
                                g0 + q * NR + w < N ? src[q * NR + w] : 0.0f;
                }
            }
        } else {
            for (uint q = 0; q < np; q++)
                for (uint w = 0; w < NR; w++) {
                    const uint n = g0 + q * NR + w;
                    const __global float *src = b + (size_t)min(n, N - 1) * b_rs + k0;
                    const float keep = n < N ? 1.0f : 0.0f;
                    for (uint k = kb; k < ke; k++) bl[(q * KC + k) * NR + w] = keep * src[k];
                }
        }
#endif
        barrier(CLK_LOCAL_MEM_FENCE);
        if (m0 < M && n0 < N) {
            /* the block's own sums, added to acc at its end: they live only between the
             * barriers, so they stay in registers (PoCL keeps values live across a barrier in
             * memory), and a sum over K is a sum of blocks of KC terms, not one long chain
             * (as accurate as the direct kernels' blocks of 512) */
            float16 t[MR][NV];
#pragma unroll
            for (int i = 0; i < MR; i++)
#pragma unroll
                for (int v = 0; v < NV; v++) t[i][v] = (float16)(0.0f);
            const __local float *bp = bl + (size_t)get_local_id(0) * KC * NR;
            for (uint k = 0; k < kn; k++) {
                float16 bv[NV];
#pragma unroll
                for (int v = 0; v < NV; v++) bv[v] = vload16(v, bp);
#pragma unroll
                for (int i = 0; i < MR; i++) {
                    const float16 s = (float16)(a[i]);
#pragma unroll
                    for (int v = 0; v < NV; v++) t[i][v] = fma(s, bv[v], t[i][v]);
                }
#ifdef A_AHEAD
                __builtin_prefetch(a + A_AHEAD * MR);
#endif
                a += MR;
                bp += NR;
            }
#pragma unroll
            for (int i = 0; i < MR; i++)
#pragma unroll
                for (int v = 0; v < NV; v++) acc[i][v] += t[i][v];
        }
    }
    if (m0 >= M || n0 >= N) return;

    c += c_off + bi * c_bs;
    const uint mn = min((uint)MR, M - m0);
#ifdef C_T
    /* C transposed: the tile through private memory, then each of its columns of C as a run
     * of mn floats along a row of the stored matrix */
    float t[MR][NR];
#pragma unroll
    for (int i = 0; i < MR; i++)
#pragma unroll
        for (int v = 0; v < NV; v++) vstore16(acc[i][v], v, t[i]);
    const uint nn = min((uint)NR, N - n0);
    for (uint j = 0; j < nn; j++) {
        __global float *cp = c + (size_t)(n0 + j) * ldc + m0;
        for (uint i = 0; i < mn; i++)
            cp[i] = beta == 0.0f ? alpha * t[i][j] : alpha * t[i][j] + beta * cp[i];
    }
    return;
#endif
    /* the loops over i stay loops (their break keeps the compiler from unrolling them; with
     * `continue` instead, unrolled, a batch-32 forward's Winograd GEMMs took 1.01-1.13x as
     * long) */
    if (n0 + NR <= N) {
        for (uint i = 0; i < MR; i++) {
            if (i >= mn) break;
            __global float *cp = c + (size_t)(m0 + i) * ldc + n0;
#pragma unroll
            for (int v = 0; v < NV; v++) {
                float16 out = alpha * acc[i][v];
                if (beta != 0.0f) out += beta * vload16(v, cp);
#ifdef C_STREAM
                if (beta == 0.0f && ((ulong)(cp + 16 * v) & 63) == 0)
                    __builtin_nontemporal_store(out, (__global float16 *)(cp + 16 * v));
                else
#endif
                    vstore16(out, v, cp);
            }
        }
    } else {
        const uint nn = N - n0;
        for (uint i = 0; i < MR; i++) {
            if (i >= mn) break;
            __global float *cp = c + (size_t)(m0 + i) * ldc + n0;
            float t[NR];
#pragma unroll
            for (int v = 0; v < NV; v++) vstore16(acc[i][v], v, t);
            for (uint j = 0; j < nn; j++)
                cp[j] = beta == 0.0f ? alpha * t[j] : alpha * t[j] + beta * cp[j];
        }
    }
}

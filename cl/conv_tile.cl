/* cl/conv_tile.cl - the convolution's forward as a register-tiled product that reads its input in
 * place, for CPU devices (host/ops/conv_tile.c): no column matrix, no copy of it.
 *
 * y[k][p] = sum over rows r = (c * KH + u) * KW + v of w[k][r] * xp[c][i * S + u][j * S + v],
 * p = i * OW + j, xp the input padded (CV_HP x CV_WP per channel; the input itself when the
 * padding is 0). A work-item holds an MR x NR tile: MR output pixels (a run of one output row)
 * by NR = 16 * NV output channels, MR x NV float16 accumulators. Per row r it loads NV float16 of the packed filters
 * (conv_tile_pack: the NR channels of its panel side by side) and broadcasts each of its MR
 * pixels' input value into NV FMAs: the same instructions as gemm_tile's inner loop, with the
 * pixels read where they lie, at any stride. Sums run in blocks of CV_CB channels (at most 512
 * rows), added to the accumulators at each block's end, as gemm_tile's blocks of KC are.
 *
 * Built with MR, NV and the shape: CV_C input channels, CV_CG of them per group, CV_H, CV_W,
 * CV_P, CV_HP, CV_WP, CV_KH, CV_KW, CV_S, CV_OH, CV_OW, CV_SEGS (runs of MR pixels per output
 * row), CV_CB. */

#ifndef CV_KH /* a 3x3 convolution of 13x13 images, so that the file builds alone (selfcheck) */
#define MR 13
#define NV 2
#define CV_C 8
#define CV_CG 8
#define CV_H 13
#define CV_W 13
#define CV_P 1
#define CV_HP 15
#define CV_WP 15
#define CV_KH 3
#define CV_KW 3
#define CV_S 1
#define CV_OH 13
#define CV_OW 13
#define CV_SEGS 1
#define CV_CB 8
#endif

#define NR (16 * NV)
#define CV_ROWS (CV_CG * CV_KH * CV_KW)

/* wp[(q * CV_ROWS + r) * NR + l] = w[q * NR + l][r] for the M filters of a group (0 past M):
 * gws {CV_ROWS, panels}. */
__kernel void conv_tile_pack(uint M, __global const float *restrict w, uint w_off,
                             __global float *restrict wp, uint wp_off) {
    const uint r = get_global_id(0), q = get_global_id(1);
    if (r >= CV_ROWS) return;
    __global float *dst = wp + wp_off + ((size_t)q * CV_ROWS + r) * NR;
    for (uint l = 0; l < NR; l++) {
        const uint k = q * NR + l;
        dst[l] = k < M ? w[w_off + (size_t)k * CV_ROWS + r] : 0.0f;
    }
}

/* gws {OH * CV_SEGS row segments, channel panels, images}: M output channels of the group;
 * x_bs, y_bs: floats from one image to the next. A work-item's MR pixels are a run of one output
 * row (MR <= OW), so that its input values lie at constant displacements from one pointer; the
 * row's last segment, when MR does not divide OW, starts early and stores only its own pixels. */
__kernel void conv_tile_forward(uint M, __global const float *restrict wp, uint wp_off,
                                __global const float *restrict x, uint x_off, ulong x_bs,
                                __global float *restrict y, uint y_off, ulong y_bs) {
    const uint i = get_global_id(0) / CV_SEGS, seg = get_global_id(0) % CV_SEGS;
    const uint c0 = get_global_id(1) * NR;
    if (i >= CV_OH || c0 >= M) return;
    const int j0 = min((int)(seg * MR), CV_OW - MR), skip = seg * MR - j0;
    const __global float *w = wp + wp_off + (size_t)get_global_id(1) * CV_ROWS * NR;
    const __global float *px = x + x_off + get_global_id(2) * x_bs + i * CV_S * CV_WP + j0 * CV_S;
    float16 acc[MR][NV];
#pragma unroll
    for (int m = 0; m < MR; m++)
#pragma unroll
        for (int q = 0; q < NV; q++) acc[m][q] = (float16)(0.0f);
    for (int cb = 0; cb < CV_CG; cb += CV_CB) {
        float16 t[MR][NV];
#pragma unroll
        for (int m = 0; m < MR; m++)
#pragma unroll
            for (int q = 0; q < NV; q++) t[m][q] = (float16)(0.0f);
        const int ce = min(cb + CV_CB, CV_CG);
        for (int c = cb; c < ce; c++) {
            const __global float *xc = px + c * CV_HP * CV_WP;
            /* taps unrolled (all of them for small kernels): constant displacements from xc */
#if CV_KH * CV_KW <= 32
#pragma unroll
#endif
            for (int u = 0; u < CV_KH; u++) {
#pragma unroll
                for (int v = 0; v < CV_KW; v++) {
                    float16 bv[NV];
#pragma unroll
                    for (int q = 0; q < NV; q++) bv[q] = vload16(q, w);
#pragma unroll
                    for (int m = 0; m < MR; m++) {
                        const float16 s = (float16)(xc[u * CV_WP + v + m * CV_S]);
#pragma unroll
                        for (int q = 0; q < NV; q++) t[m][q] = fma(s, bv[q], t[m][q]);
                    }
                    w += NR;
                }
            }
        }
#pragma unroll
        for (int m = 0; m < MR; m++)
#pragma unroll
            for (int q = 0; q < NV; q++) acc[m][q] += t[m][q];
    }
    y += y_off + get_global_id(2) * y_bs + (size_t)c0 * CV_OH * CV_OW + i * CV_OW + j0;
    const uint cn = min((uint)NR, M - c0);
#pragma unroll
    for (int m = 0; m < MR; m++) {
        if (m < skip) continue;
        float o[NR];
#pragma unroll
        for (int q = 0; q < NV; q++) vstore16(acc[m][q], q, o);
        for (uint l = 0; l < cn; l++) y[(size_t)l * CV_OH * CV_OW + m] = o[l];
    }
}

/* xp[n][c] = x[n][c] with CV_P zeros around (CV_HP x CV_WP): gws {CV_C, images}. */
__kernel void conv_tile_pad(__global const float *restrict x, uint x_off,
                            __global float *restrict xp, uint xp_off) {
    const uint c = get_global_id(0), n = get_global_id(1);
    if (c >= CV_C) return;
    const __global float *src = x + x_off + ((size_t)n * CV_C + c) * CV_H * CV_W;
    __global float *dst = xp + xp_off + ((size_t)n * CV_C + c) * CV_HP * CV_WP;
    for (int i = 0; i < CV_HP; i++, dst += CV_WP) {
        const int yy = i - CV_P;
        if (yy < 0 || yy >= CV_H) {
            for (int j = 0; j < CV_WP; j++) dst[j] = 0.0f;
            continue;
        }
        for (int j = 0; j < CV_P; j++) dst[j] = 0.0f;
        for (int j = 0; j < CV_W; j++) dst[CV_P + j] = src[yy * CV_W + j];
        for (int j = CV_P + CV_W; j < CV_WP; j++) dst[j] = 0.0f;
    }
}

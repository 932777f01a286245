/* cl/conv_tile.cl - the convolution's forward and weight gradient as register-tiled products
 * that read their input in place, for CPU devices (host/ops/conv_tile.c): no column matrix, no
 * copy of it.
 *
 * y[k][p] = sum over rows r = (c * KH + u) * KW + v of w[k][r] * xp[c][i * S + u][j * S + v],
 * p = i * OW + j, xp the input padded (CV_HP x CV_WP per channel; the input itself when the
 * padding is 0). A work-item holds an MR x NR tile: MR output pixels (a run of one output row)
 * by NR = 16 * NV output channels, MR x NV float16 accumulators. Per row r it loads NV float16
 * of the packed filters (conv_tile_pack: the NR channels of its panel side by side) and
 * broadcasts each of its MR pixels' input value into NV FMAs: the same instructions as
 * gemm_tile's inner loop, with the pixels read where they lie, at any stride. Sums run in blocks
 * of CV_CB channels (at most 512 rows), added to the accumulators at each block's end, as
 * gemm_tile's blocks of KC are. The weight gradient (conv_tile_dw) turns the same tile around:
 * a row of taps by NR output channels, summed over the pixels.
 *
 * Built with MR, NV and the shape: CV_C input channels, CV_CG of them per group, CV_H, CV_W,
 * CV_P, CV_HP, CV_WP, CV_KH, CV_KW, CV_S, CV_OH, CV_OW, CV_SEGS (runs of MR pixels per output
 * row), CV_CB. */

#ifndef CV_KH /* a 3x3 convolution of 13x13 images, so that the file builds alone (selfcheck) */
#define MR 7
#define NV 2
#define CV_C 8
#define CV_CG 8
#define CV_K 8
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
#define CV_SEGS 2
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
 * x_bs, y_bs: floats from one image to the next; bias[bias_off + k] added to channel k of the
 * group when has_bias. A work-item's MR pixels are a run of one output row (MR <= OW), so that
 * its input values lie at constant displacements from one pointer; the row's last segment, when
 * MR does not divide OW, starts early and stores only its own pixels. */
__kernel void conv_tile_forward(uint M, __global const float *restrict wp, uint wp_off,
                                __global const float *restrict x, uint x_off, ulong x_bs,
                                __global float *restrict y, uint y_off, ulong y_bs,
                                __global const float *restrict bias, uint bias_off,
                                int has_bias) {
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
        /* one block (conv1's 3 channels): acc = t, so that the compiler need not keep acc's
         * zeros live beside t (0 + t is not t for t = -0): with 8-float vectors they spilled a
         * sum of t to the stack inside the loop */
#pragma unroll
        for (int m = 0; m < MR; m++)
#pragma unroll
            for (int q = 0; q < NV; q++)
                acc[m][q] = CV_CG <= CV_CB ? t[m][q] : acc[m][q] + t[m][q];
    }
    y += y_off + get_global_id(2) * y_bs + (size_t)c0 * CV_OH * CV_OW + i * CV_OW + j0;
    const uint cn = min((uint)NR, M - c0);
    /* the bias added as the stores go, one rounding as a pass of its own would round */
    float b[NR];
    for (uint l = 0; l < cn; l++) b[l] = has_bias ? bias[bias_off + c0 + l] : 0.0f;
#pragma unroll
    for (int m = 0; m < MR; m++) {
        if (m < skip) continue;
        float o[NR];
#pragma unroll
        for (int q = 0; q < NV; q++) vstore16(acc[m][q], q, o);
        for (uint l = 0; l < cn; l++)
            y[(size_t)l * CV_OH * CV_OW + m] = has_bias ? o[l] + b[l] : o[l];
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

/* dyt[n][p][k] = dy[n][k][p] for the images of the launch (K = CV_K output channels, P = CV_OH *
 * CV_OW pixels): the weight gradient's output gradient with its channels side by side. A
 * work-item moves 16 pixels of all K channels, 16 x 16 at a time: 16 vector loads along the
 * pixels, a transpose in registers, 16 vector stores along the channels (a work-item per pixel
 * stored each value on its own and ran 1.2x as long). With has_db it also sums its pixels of
 * each channel into dbp[(n * ceil(P / 16) + block) * K + k], the bias gradient's partial sums
 * (conv_tile_db_sum), so that dy is read once for both. gws {ceil(P / 16), images}. */
#define DYT_SWAP(b, lo, hi)                                                                      \
    _Pragma("unroll") for (int i = 0; i < 16; i++) if (!(i & (b))) {                             \
        const float16 u = r[i], v = r[i + (b)];                                                  \
        r[i] = shuffle2(u, v, (uint16)lo);                                                       \
        r[i + (b)] = shuffle2(u, v, (uint16)hi);                                                 \
    }
__kernel void conv_tile_dy_t(__global const float *restrict dy, uint dy_off,
                             __global float *restrict dyt, uint dyt_off, int has_db,
                             __global float *restrict dbp, uint dbp_off) {
    const uint p0 = get_global_id(0) * 16, n = get_global_id(1);
    const uint P = CV_OH * CV_OW;
    if (p0 >= P) return;
    const uint pn = min(16u, P - p0);
    const __global float *src = dy + dy_off + (size_t)n * CV_K * P + p0;
    __global float *dst = dyt + dyt_off + ((size_t)n * P + p0) * CV_K;
    __global float *db =
        dbp + dbp_off + ((size_t)n * get_global_size(0) + get_global_id(0)) * CV_K;
    for (uint k0 = 0; k0 < CV_K; k0 += 16) {
        if (pn < 16 || k0 + 16 > CV_K) { /* a part block: one value at a time */
            for (uint k = k0; k < min(k0 + 16, (uint)CV_K); k++) {
                float sum = 0.0f;
                for (uint j = 0; j < pn; j++) {
                    const float v = src[(size_t)k * P + j];
                    dst[(size_t)j * CV_K + k] = v;
                    sum += v;
                }
                if (has_db) db[k] = sum;
            }
            continue;
        }
        /* r[i]: channel k0 + i of the 16 pixels; swapping the off-diagonal blocks of side 8,
         * 4, 2 and 1 makes r[j] pixel j's 16 channels */
        float16 r[16];
#pragma unroll
        for (int i = 0; i < 16; i++) r[i] = vload16(0, src + (size_t)(k0 + i) * P);
        DYT_SWAP(8, (0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23),
                 (8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31))
        DYT_SWAP(4, (0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27),
                 (4, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15, 28, 29, 30, 31))
        DYT_SWAP(2, (0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29),
                 (2, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14, 15, 30, 31))
        DYT_SWAP(1, (0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30),
                 (1, 17, 3, 19, 5, 21, 7, 23, 9, 25, 11, 27, 13, 29, 15, 31))
        float16 sum = (float16)(0.0f);
#pragma unroll
        for (int j = 0; j < 16; j++) {
            vstore16(r[j], 0, dst + (size_t)j * CV_K + k0);
            sum += r[j];
        }
        if (has_db) vstore16(sum, 0, db + k0);
    }
}

/* db[k] = beta * db[k] + the sum of the launch's bias partial sums (conv_tile_dy_t), image by
 * image: rows of them per image, `images` images. A work-item sums 16 channels side by side,
 * one vector load per row (a work-item per channel, a load per value, ran 8x as long).
 * gws {ceil(CV_K / 16)}. */
__kernel void conv_tile_db_sum(uint rows, uint images, float beta,
                               __global const float *restrict dbp, uint dbp_off,
                               __global float *restrict db, uint db_off) {
    const uint k0 = get_global_id(0) * 16;
    if (k0 >= CV_K) return;
    const uint kn = min(16u, (uint)CV_K - k0);
    const __global float *p = dbp + dbp_off + k0;
    float16 s = (float16)(0.0f);
    for (uint n = 0; n < images; n++) {
        float16 t = (float16)(0.0f);
        for (uint r = 0; r < rows; r++, p += CV_K) {
            if (kn == 16) {
                t += vload16(0, p);
            } else {
                float v[16];
                for (uint l = 0; l < 16; l++) v[l] = l < kn ? p[l] : 0.0f;
                t += vload16(0, v);
            }
        }
        s += t;
    }
    float o[16];
    vstore16(s, 0, o);
    for (uint l = 0; l < kn; l++)
        db[db_off + k0 + l] = beta == 0.0f ? o[l] : db[db_off + k0 + l] + o[l];
}

/* The weight gradient of a run of images: part[g][k][r] = sum over images n of run g (IPW of
 * them, fewer in the last) and pixels p = i * OW + j of dy[n][k][p] xp[n][c][i * S + u][j * S + v],
 * r = (c * KH + u) * KW + v; conv_tile_dw_sum adds the runs. A work-item holds one row of taps
 * (c, u: its KW values of v) by NR output channels, KW x NV float16 accumulators; per pixel it
 * loads the NV float16 of dyt (conv_tile_dy_t) and broadcasts each tap's input value, at
 * constant displacements from the row's pointer. Sums run per image, added at each image's end.
 * A work-group is tap rows of one channel panel and one run, which read the same dyt rows, from
 * cache after the first. gws {CV_CG * CV_KH tap rows, channel panels, runs}: M output channels
 * of the group, K all of them (dyt's row length), `images` in all. The loads of a part-filled
 * panel read up to NR - 1 floats past a pixel's K channels (the host leaves room after dyt). */
__kernel void conv_tile_dw(uint M, uint K, uint images, uint ipw,
                           __global const float *restrict xp, uint xp_off, ulong x_bs,
                           __global const float *restrict dyt, uint dyt_off,
                           __global float *restrict part, uint part_off) {
    const uint cu = get_global_id(0), c0 = get_global_id(1) * NR, g = get_global_id(2);
    if (cu >= CV_CG * CV_KH || c0 >= M) return;
    const uint c = cu / CV_KH, u = cu % CV_KH;
    float16 acc[CV_KW][NV];
#pragma unroll
    for (int m = 0; m < CV_KW; m++)
#pragma unroll
        for (int q = 0; q < NV; q++) acc[m][q] = (float16)(0.0f);
    const uint ne = min(images, (g + 1) * ipw);
    for (uint n = g * ipw; n < ne; n++) {
        float16 t[CV_KW][NV];
#pragma unroll
        for (int m = 0; m < CV_KW; m++)
#pragma unroll
            for (int q = 0; q < NV; q++) t[m][q] = (float16)(0.0f);
        const __global float *x = xp + xp_off + n * x_bs + (c * CV_HP + u) * CV_WP;
        const __global float *d = dyt + dyt_off + (size_t)n * CV_OH * CV_OW * K + c0;
        for (int i = 0; i < CV_OH; i++, x += CV_S * CV_WP) {
            for (int j = 0; j < CV_OW; j++, d += K) {
                float16 bv[NV];
#pragma unroll
                for (int q = 0; q < NV; q++) bv[q] = vload16(q, d);
#pragma unroll
                for (int m = 0; m < CV_KW; m++) {
                    const float16 s = (float16)(x[j * CV_S + m]);
#pragma unroll
                    for (int q = 0; q < NV; q++) t[m][q] = fma(s, bv[q], t[m][q]);
                }
            }
        }
#pragma unroll
        for (int m = 0; m < CV_KW; m++)
#pragma unroll
            for (int q = 0; q < NV; q++) acc[m][q] += t[m][q];
    }
    const uint cn = min((uint)NR, M - c0);
    __global float *o = part + part_off + ((size_t)g * M + c0) * CV_ROWS + cu * CV_KW;
#pragma unroll
    for (int m = 0; m < CV_KW; m++) {
        float a[NR];
#pragma unroll
        for (int q = 0; q < NV; q++) vstore16(acc[m][q], q, a);
        for (uint l = 0; l < cn; l++) o[(size_t)l * CV_ROWS + m] = a[l];
    }
}

/* dw[e] = beta * dw[e] + the sum over runs g of part[g][e], in order, for the M * CV_ROWS
 * weights of a group: gws {M * CV_ROWS}. */
__kernel void conv_tile_dw_sum(uint M, uint runs, float beta, __global const float *restrict part,
                               uint part_off, __global float *restrict dw, uint dw_off) {
    const uint e = get_global_id(0), n = M * CV_ROWS;
    if (e >= n) return;
    float s = 0.0f;
    for (uint g = 0; g < runs; g++) s += part[part_off + (size_t)g * n + e];
    dw[dw_off + e] = beta == 0.0f ? s : dw[dw_off + e] + s;
}

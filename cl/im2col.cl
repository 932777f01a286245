/* cl/im2col.cl - the data movement around the GEMM-based convolution (host/ops/conv.c):
 * im2col in two layouts, col2im, the NCHW -> CNHW copy of output gradients, the flipped filters
 * of the data gradient computed as a forward, bias add and bias gradient. Shapes arrive as one
 * int16 (cl/common.cl's SH_*); tensors are NCHW float32; each launch covers NB images starting at
 * the given offsets.
 *
 * col    [NB][C*KH*KW][OH*OW]  row r = (c*KH + u)*KW + v, column p = i*OW + j: the input pixel
 *                              under tap (u,v) of output pixel (i,j), 0 in the padding.
 * col_t  [NB*OH*OW][C*KH*KW]   the same numbers, transposed per image and images stacked. */

/* The output columns j of one tap whose input column j*S + d (d = v - P) lies inside the image:
 * [*lo, *hi) (empty when lo == hi). */
static inline void tap_cols(int16 sh, int d, int *lo, int *hi) {
    const int l = d >= 0 ? 0 : (SH_S - 1 - d) / SH_S;
    const int h = SH_W - 1 - d < 0 ? 0 : min(SH_OW, (SH_W - 1 - d) / SH_S + 1);
    *lo = min(l, SH_OW);
    *hi = max(h, *lo);
}

/* One work-item per column row r and image: gws {C*KH*KW, NB}. Each output row is a run of
 * zeros, a copy (contiguous when S == 1) and zeros, with no test per element. */
__kernel void im2col(int16 sh, __global const float *restrict x, uint x_off,
                     __global float *restrict col, uint col_off) {
    const int r = get_global_id(0), n = get_global_id(1);
    const int ckk = SH_C * SH_KH * SH_KW;
    if (r >= ckk) return;
    const int v = r % SH_KW, u = (r / SH_KW) % SH_KH, c = r / (SH_KW * SH_KH);
    const __global float *xp = x + x_off + (size_t)(n * SH_C + c) * SH_H * SH_W;
    __global float *cp = col + col_off + ((size_t)n * ckk + r) * SH_OH * SH_OW;
    const int d = v - SH_P;
    int lo, hi;
    tap_cols(sh, d, &lo, &hi);
    for (int i = 0; i < SH_OH; i++, cp += SH_OW) {
        const int yy = i * SH_S - SH_P + u;
        if (yy < 0 || yy >= SH_H) {
            for (int j = 0; j < SH_OW; j++) cp[j] = 0.0f;
            continue;
        }
        const __global float *xr = xp + yy * SH_W;
        for (int j = 0; j < lo; j++) cp[j] = 0.0f;
        if (SH_S == 1)
            for (int j = lo; j < hi; j++) cp[j] = xr[j + d];
        else
            for (int j = lo; j < hi; j++) cp[j] = xr[j * SH_S + d];
        for (int j = hi; j < SH_OW; j++) cp[j] = 0.0f;
    }
}

/* One work-item per output pixel p and image, writing its row of C*KH*KW: gws {OH*OW, NB}. */
__kernel void im2col_t(int16 sh, __global const float *x, uint x_off, __global float *col,
                       uint col_off) {
    const int p = get_global_id(0), n = get_global_id(1);
    const int ohw = SH_OH * SH_OW, ckk = SH_C * SH_KH * SH_KW;
    if (p >= ohw) return;
    const int y0 = p / SH_OW * SH_S - SH_P, x0 = p % SH_OW * SH_S - SH_P;
    __global float *cp = col + col_off + ((size_t)n * ohw + p) * ckk;
    for (int c = 0; c < SH_C; c++) {
        const __global float *xp = x + x_off + (size_t)(n * SH_C + c) * SH_H * SH_W;
        for (int u = 0; u < SH_KH; u++) {
            const int yy = y0 + u;
            const int in_y = yy >= 0 && yy < SH_H;
            for (int v = 0; v < SH_KW; v++) {
                const int xx = x0 + v;
                *cp++ = in_y && xx >= 0 && xx < SH_W ? xp[yy * SH_W + xx] : 0.0f;
            }
        }
    }
}

/* dx[n][c][y][x] = sum of the col entries that im2col copied from (y,x): taps u with
 * (y + P - u) divisible by S, likewise v. One work-item per input row: gws {H, NB*C}. The row
 * of dx (in L1) gathers tap after tap, each a run of one column row (contiguous when S == 1). */
__kernel void col2im(int16 sh, __global const float *restrict col, uint col_off,
                     __global float *restrict dx, uint dx_off) {
    const int yy = get_global_id(0), nc = get_global_id(1);
    if (yy >= SH_H) return;
    const int n = nc / SH_C, c = nc % SH_C;
    const int ohw = SH_OH * SH_OW, ckk = SH_C * SH_KH * SH_KW;
    const __global float *cp = col + col_off + ((size_t)n * ckk + c * SH_KH * SH_KW) * ohw;
    __global float *dp = dx + dx_off + ((size_t)nc * SH_H + yy) * SH_W;
    for (int xx = 0; xx < SH_W; xx++) dp[xx] = 0.0f;
    /* u runs from the first of (y + P) mod S, + S, ... that leaves i = (y + P - u) / S below
     * OH (both bounds are congruent to y + P mod S) up to min(KH - 1, y + P) (i >= 0) */
    const int ty = yy + SH_P;
    const int u_lo = max(ty % SH_S, ty - (SH_OH - 1) * SH_S), u_hi = min(SH_KH - 1, ty);
    for (int u = u_lo; u <= u_hi; u += SH_S) {
        const int i = (ty - u) / SH_S;
        for (int v = 0; v < SH_KW; v++) {
            const int d = v - SH_P;
            int lo, hi;
            tap_cols(sh, d, &lo, &hi);
            const __global float *row = cp + (size_t)(u * SH_KW + v) * ohw + i * SH_OW;
            if (SH_S == 1)
                for (int j = lo; j < hi; j++) dp[j + d] += row[j];
            else
                for (int j = lo; j < hi; j++) dp[j * SH_S + d] += row[j];
        }
    }
}

/* The filters of the data gradient as a forward convolution of dy (stride 1): per group g,
 * wf[g][c][k][KH-1-u][KW-1-v] = w[g*KG + k][c][u][v], a (C/G) x (KG*KH*KW) matrix: gws {K}. */
__kernel void conv_flip_filters(int16 sh, __global const float *w, uint w_off, __global float *wf,
                                uint wf_off) {
    const int k = get_global_id(0);
    if (k >= SH_K) return;
    const int cg = SH_C / SH_G, kg = SH_K / SH_G, taps = SH_KH * SH_KW;
    const int g = k / kg, kl = k % kg;
    const __global float *src = w + w_off + (size_t)k * cg * taps;
    __global float *dst = wf + wf_off + (size_t)g * cg * kg * taps;
    for (int c = 0; c < cg; c++)
        for (int t = 0; t < taps; t++)
            dst[((size_t)c * kg + kl) * taps + taps - 1 - t] = src[c * taps + t];
}

/* dyp[k][n*OH*OW + p] = dy[n][k][p] for the NB images of the launch: gws {K, NB}. */
__kernel void nchw_to_cnhw(int16 sh, __global const float *dy, uint dy_off, __global float *dyp,
                           uint dyp_off) {
    const int k = get_global_id(0), n = get_global_id(1);
    if (k >= SH_K) return;
    const int ohw = SH_OH * SH_OW;
    const __global float *src = dy + dy_off + ((size_t)n * SH_K + k) * ohw;
    __global float *dst = dyp + dyp_off + ((size_t)k * SH_NB + n) * ohw;
    for (int p = 0; p < ohw; p++) dst[p] = src[p];
}

/* y[n][k][p] += b[k]: gws {K, N}. */
__kernel void conv_bias_add(int16 sh, __global const float *b, uint b_off, __global float *y,
                            uint y_off) {
    const int k = get_global_id(0), n = get_global_id(1);
    if (k >= SH_K) return;
    const int ohw = SH_OH * SH_OW;
    const float bk = b[b_off + k];
    __global float *yp = y + y_off + ((size_t)n * SH_K + k) * ohw;
    for (int p = 0; p < ohw; p++) yp[p] += bk;
}

/* db[k] = sum over images and pixels of dy[n][k][p] (NB = all images). gws {K}. Each plane is
 * summed in eight interleaved partial sums (p = 8q + j into sum j, the tail into sum 0, then
 * added pairwise): eight independent chains the compiler can put in one vector register, where
 * one chain waited on each add (conv1 of alexnet-fmnist has only 12 work-items per tower). */
__kernel void conv_bias_grad(int16 sh, __global const float *dy, uint dy_off, __global float *db,
                             uint db_off) {
    const int k = get_global_id(0);
    if (k >= SH_K) return;
    const int ohw = SH_OH * SH_OW, body = ohw & ~7;
    float s = 0.0f;
    for (int n = 0; n < SH_NB; n++) {
        const __global float *p = dy + dy_off + ((size_t)n * SH_K + k) * ohw;
        float a[8] = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f};
        for (int i = 0; i < body; i += 8)
            for (int j = 0; j < 8; j++) a[j] += p[i + j];
        for (int i = body; i < ohw; i++) a[0] += p[i];
        s += ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
    }
    db[db_off + k] = s;
}

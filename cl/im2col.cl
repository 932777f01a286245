/* cl/im2col.cl - the data movement around the GEMM-based convolution (host/ops/conv.c):
 * im2col in two layouts, col2im, the NCHW -> CNHW copy of output gradients, bias add and bias
 * gradient. Shapes arrive as one int16 (see SH_* below); tensors are NCHW float32; each launch
 * covers NB images starting at the given offsets.
 *
 * col    [NB][C*KH*KW][OH*OW]  row r = (c*KH + u)*KW + v, column p = i*OW + j: the input pixel
 *                              under tap (u,v) of output pixel (i,j), 0 in the padding.
 * col_t  [NB*OH*OW][C*KH*KW]   the same numbers, transposed per image and images stacked. */

#define SH_C sh.s0
#define SH_H sh.s1
#define SH_W sh.s2
#define SH_K sh.s3
#define SH_KH sh.s4
#define SH_KW sh.s5
#define SH_S sh.s6
#define SH_P sh.s7
#define SH_OH sh.s9
#define SH_OW sh.sa
#define SH_NB sh.sb

static inline float im2col_at(int16 sh, __global const float *x, int n, int r, int p) {
    const int v = r % SH_KW, u = (r / SH_KW) % SH_KH, c = r / (SH_KW * SH_KH);
    const int yy = p / SH_OW * SH_S - SH_P + u, xx = p % SH_OW * SH_S - SH_P + v;
    if (yy < 0 || yy >= SH_H || xx < 0 || xx >= SH_W) return 0.0f;
    return x[((n * SH_C + c) * SH_H + yy) * SH_W + xx];
}

/* gws {OH*OW, C*KH*KW, NB} */
__kernel void im2col(int16 sh, __global const float *x, uint x_off, __global float *col,
                     uint col_off) {
    const int p = get_global_id(0), r = get_global_id(1), n = get_global_id(2);
    const int ohw = SH_OH * SH_OW, ckk = SH_C * SH_KH * SH_KW;
    if (p >= ohw || r >= ckk) return;
    col[col_off + ((size_t)n * ckk + r) * ohw + p] = im2col_at(sh, x + x_off, n, r, p);
}

/* gws {C*KH*KW, OH*OW, NB} */
__kernel void im2col_t(int16 sh, __global const float *x, uint x_off, __global float *col,
                       uint col_off) {
    const int r = get_global_id(0), p = get_global_id(1), n = get_global_id(2);
    const int ohw = SH_OH * SH_OW, ckk = SH_C * SH_KH * SH_KW;
    if (p >= ohw || r >= ckk) return;
    col[col_off + ((size_t)n * ohw + p) * ckk + r] = im2col_at(sh, x + x_off, n, r, p);
}

/* dx[n][c][y][x] = sum of the col entries that im2col copied from (y,x). gws {W, H, NB*C} */
__kernel void col2im(int16 sh, __global const float *col, uint col_off, __global float *dx,
                     uint dx_off) {
    const int xx = get_global_id(0), yy = get_global_id(1), nc = get_global_id(2);
    if (xx >= SH_W || yy >= SH_H) return;
    const int n = nc / SH_C, c = nc % SH_C;
    const int ohw = SH_OH * SH_OW, ckk = SH_C * SH_KH * SH_KW;
    const __global float *cp = col + col_off + ((size_t)n * ckk + c * SH_KH * SH_KW) * ohw;
    float s = 0.0f;
    for (int u = 0; u < SH_KH; u++) {
        const int ty = yy + SH_P - u;
        if (ty < 0 || ty % SH_S != 0 || ty / SH_S >= SH_OH) continue;
        const int i = ty / SH_S;
        for (int v = 0; v < SH_KW; v++) {
            const int tx = xx + SH_P - v;
            if (tx < 0 || tx % SH_S != 0 || tx / SH_S >= SH_OW) continue;
            s += cp[(size_t)(u * SH_KW + v) * ohw + i * SH_OW + tx / SH_S];
        }
    }
    dx[dx_off + ((size_t)nc * SH_H + yy) * SH_W + xx] = s;
}

/* dyp[k][n*OH*OW + p] = dy[n][k][p] for the NB images of the launch. gws {OH*OW, K, NB} */
__kernel void nchw_to_cnhw(int16 sh, __global const float *dy, uint dy_off, __global float *dyp,
                           uint dyp_off) {
    const int p = get_global_id(0), k = get_global_id(1), n = get_global_id(2);
    const int ohw = SH_OH * SH_OW;
    if (p >= ohw) return;
    dyp[dyp_off + ((size_t)k * SH_NB + n) * ohw + p] = dy[dy_off + ((size_t)n * SH_K + k) * ohw + p];
}

/* y[n][k][p] += b[k]. gws {OH*OW, K, N} */
__kernel void conv_bias_add(int16 sh, __global const float *b, uint b_off, __global float *y,
                            uint y_off) {
    const int p = get_global_id(0), k = get_global_id(1), n = get_global_id(2);
    const int ohw = SH_OH * SH_OW;
    if (p >= ohw) return;
    y[y_off + ((size_t)n * SH_K + k) * ohw + p] += b[b_off + k];
}

/* db[k] = sum over images and pixels of dy[n][k][p] (NB = all images). gws {K} */
__kernel void conv_bias_grad(int16 sh, __global const float *dy, uint dy_off, __global float *db,
                             uint db_off) {
    const int k = get_global_id(0);
    if (k >= SH_K) return;
    const int ohw = SH_OH * SH_OW;
    float s = 0.0f;
    for (int n = 0; n < SH_NB; n++) {
        const __global float *p = dy + dy_off + ((size_t)n * SH_K + k) * ohw;
        float t = 0.0f;
        for (int i = 0; i < ohw; i++) t += p[i];
        s += t;
    }
    db[db_off + k] = s;
}

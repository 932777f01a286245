/* cl/winograd.cl - the transforms of Winograd convolution F(WM x WM, WR x WR) (Lavin & Gray 2016)
 * around the per-point batched GEMMs of host/ops/conv_winograd.c.
 *
 * WA = WM + WR - 1 is the input tile side. The host computes the transform matrices for its
 * interpolation points and passes them in the options as initialiser lists: WBT (B^T, WA x WA),
 * WG (G, WA x WR) and WAT (A^T, WM x WA), row-major. Per tile, with d an input tile and g a filter:
 *   y = A^T [(G g G^T) .* (B^T d B)] A.
 * Transform-domain tensors are [point][channel][tile] (or [point][k][c] for filters), point
 * xi = a * WA + b, so that each point's products are one GEMM. A tile index p runs over the
 * chunk's images: p = (image * th + tile row) * tw + tile column.
 * Shape argument d (int8), per kernel as documented there.
 *
 * PoCL runs a kernel fast only when it can vectorise it across work-items, which it cannot once
 * the compiler has turned parts of one work-item's code into short vectors of its own. Hence the
 * loads below read from an address always inside the buffer and select the value afterwards,
 * instead of loading under a condition, and the input tile's bounds take the roundabout form
 * they have: the plain forms of the test were vectorised within the work-item and left the
 * kernel scalar (wino_input 2.2x, wino_filter 8-11x, wino_dy 3x slower on PoCL, measured with
 * `alexnet bench --kernels`). */

#ifndef WM
#define WM 2
#define WR 3
#define WBT 1.0f, 0.0f, -1.0f, 0.0f, 0.0f, 1.0f, 1.0f, 0.0f, 0.0f, -1.0f, 1.0f, 0.0f, 0.0f, 1.0f, \
            0.0f, -1.0f
#define WG 1.0f, 0.0f, 0.0f, 0.5f, 0.5f, 0.5f, 0.5f, -0.5f, 0.5f, 0.0f, 0.0f, 1.0f
#define WAT 1.0f, 1.0f, 1.0f, 0.0f, 0.0f, 1.0f, -1.0f, -1.0f
#endif
#ifndef WEXACT
#define WEXACT 0 /* 1: the tiles cover the output exactly (OH, OW multiples of WM) */
#endif
#define WA (WM + WR - 1)

__constant float BT[WA * WA] = {WBT};
__constant float GM[WA * WR] = {WG};
__constant float AT[WM * WA] = {WAT};

/* v[xi][c][p] = (B^T d B)[xi] of the WA x WA input tile of image n, channel c, starting at row
 * ty * WM - pad, column tx * WM - pad (zeros outside the image; pad may be negative).
 * d: s0 channels C, s1 height H, s2 width W, s3 pad, s4 tiles across tw, s5 tiles down th,
 * s6 tiles of the chunk P. Global size (P, C). */
__kernel void wino_input(int8 d, __global const float *x, uint x_off, __global float *v,
                         uint v_off) {
    int p = get_global_id(0), c = get_global_id(1);
    int nc = d.s0, h = d.s1, w = d.s2, tw = d.s4, tpi = d.s4 * d.s5, np = d.s6;
    int n = p / tpi, t = p % tpi;
    int y0 = (t / tw) * WM - d.s3, x0 = (t % tw) * WM - d.s3;
    __global const float *xp = x + x_off + ((uint)n * nc + c) * (uint)(h * w);
    float in[WA][WA], t1[WA][WA];
    int ry[WA], cx[WA]; /* the tile's rows and columns, -1 or h (w) when outside */
#pragma unroll
    for (int i = 0; i < WA; i++) {
        ry[i] = clamp(y0 + i, -1, h);
        cx[i] = clamp(x0 + i, -1, w);
    }
#pragma unroll
    for (int i = 0; i < WA; i++)
#pragma unroll
        for (int j = 0; j < WA; j++) {
            int ok = ry[i] >= 0 && ry[i] < h && cx[j] >= 0 && cx[j] < w;
            float v = xp[clamp(ry[i], 0, h - 1) * w + clamp(cx[j], 0, w - 1)];
            in[i][j] = ok ? v : 0.0f;
        }
#pragma unroll
    for (int i = 0; i < WA; i++)
#pragma unroll
        for (int j = 0; j < WA; j++) {
            float s = 0.0f;
#pragma unroll
            for (int l = 0; l < WA; l++) s += BT[i * WA + l] * in[l][j];
            t1[i][j] = s;
        }
    __global float *vp = v + v_off + (uint)c * np + p;
    uint step = (uint)nc * np;
#pragma unroll
    for (int i = 0; i < WA; i++)
#pragma unroll
        for (int j = 0; j < WA; j++) {
            float s = 0.0f;
#pragma unroll
            for (int l = 0; l < WA; l++) s += t1[i][l] * BT[j * WA + l];
            vp[(uint)(i * WA + j) * step] = s;
        }
}

/* The transformed filters u = G g G^T of w [K][CG][WR][WR]. flip == 0: g = w[k][ci], written to
 * u[xi][k][ci] (the forward's and the weight gradient's layout). flip != 0: g = w[k][ci] turned
 * by 180 degrees, written to u[xi][c][k % KG] with c = (k / KG) * CG + ci: the filters of the
 * input gradient, a convolution from K to C channels.
 * d: s0 K, s1 CG, s2 KG, s3 C, s4 flip. Global size (CG, K), or (K, CG) with flip: neighbouring
 * work-items write neighbouring elements of u. */
__kernel void wino_filter(int8 d, __global const float *w, uint w_off, __global float *u,
                          uint u_off) {
    int nk = d.s0, cg = d.s1, kg = d.s2, flip = d.s4;
    int k = get_global_id(flip ? 0 : 1), ci = get_global_id(flip ? 1 : 0);
    __global const float *wp = w + w_off + ((uint)k * cg + ci) * (WR * WR);
    float g[WR][WR], t1[WA][WR];
#pragma unroll
    for (int i = 0; i < WR; i++)
#pragma unroll
        for (int j = 0; j < WR; j++)
            g[i][j] = wp[flip ? (WR - 1 - i) * WR + WR - 1 - j : i * WR + j];
#pragma unroll
    for (int a = 0; a < WA; a++)
#pragma unroll
        for (int j = 0; j < WR; j++) {
            float s = 0.0f;
#pragma unroll
            for (int i = 0; i < WR; i++) s += GM[a * WR + i] * g[i][j];
            t1[a][j] = s;
        }
    uint at = flip ? (uint)((k / kg) * cg + ci) * kg + k % kg : (uint)k * cg + ci;
    uint step = flip ? (uint)d.s3 * kg : (uint)nk * cg;
    __global float *up = u + u_off + at;
#pragma unroll
    for (int a = 0; a < WA; a++)
#pragma unroll
        for (int b = 0; b < WA; b++) {
            float s = 0.0f;
#pragma unroll
            for (int j = 0; j < WR; j++) s += t1[a][j] * GM[b * WR + j];
            up[(uint)(a * WA + b) * step] = s;
        }
}

/* y tile = A^T m A of the products m[xi][k][p], plus bias[k] when has_bias, into y [n][K][OH][OW]
 * (the chunk's images; the parts of edge tiles past OH or OW are dropped).
 * d: s0 K, s1 OH, s2 OW, s3 tw, s4 th, s5 P, s6 has_bias. Global size (P, K). */
__kernel void wino_output(int8 d, __global const float *m, uint m_off, __global const float *bias,
                          uint b_off, __global float *y, uint y_off) {
    int p = get_global_id(0), k = get_global_id(1);
    int nk = d.s0, oh = d.s1, ow = d.s2, tw = d.s3, tpi = d.s3 * d.s4, np = d.s5;
    int n = p / tpi, t = p % tpi;
    int y0 = (t / tw) * WM, x0 = (t % tw) * WM;
    __global const float *mp = m + m_off + (uint)k * np + p;
    uint step = (uint)nk * np;
    float in[WA][WA], t1[WM][WA];
#pragma unroll
    for (int a = 0; a < WA; a++)
#pragma unroll
        for (int b = 0; b < WA; b++) in[a][b] = mp[(uint)(a * WA + b) * step];
#pragma unroll
    for (int i = 0; i < WM; i++)
#pragma unroll
        for (int b = 0; b < WA; b++) {
            float s = 0.0f;
#pragma unroll
            for (int a = 0; a < WA; a++) s += AT[i * WA + a] * in[a][b];
            t1[i][b] = s;
        }
    float bv = d.s6 ? bias[b_off + k] : 0.0f;
    __global float *yp = y + y_off + ((uint)n * nk + k) * (uint)(oh * ow);
#pragma unroll
    for (int i = 0; i < WM; i++)
#pragma unroll
        for (int j = 0; j < WM; j++) {
            float s = bv;
#pragma unroll
            for (int b = 0; b < WA; b++) s += t1[i][b] * AT[j * WA + b];
            if (WEXACT || (y0 + i < oh && x0 + j < ow)) yp[(y0 + i) * ow + x0 + j] = s;
        }
}

/* The output gradient's transform for the weight gradient, z[xi][k][p] = (A dy A^T)[xi] of the
 * WM x WM tile of dy [n][K][OH][OW] (zeros past OH or OW): the transpose of wino_output.
 * d: s0 K, s1 OH, s2 OW, s3 tw, s4 th, s5 P. Global size (P, K). */
__kernel void wino_dy(int8 d, __global const float *dy, uint dy_off, __global float *z,
                      uint z_off) {
    int p = get_global_id(0), k = get_global_id(1);
    int nk = d.s0, oh = d.s1, ow = d.s2, tw = d.s3, tpi = d.s3 * d.s4, np = d.s5;
    int n = p / tpi, t = p % tpi;
    int y0 = (t / tw) * WM, x0 = (t % tw) * WM;
    __global const float *dp = dy + dy_off + ((uint)n * nk + k) * (uint)(oh * ow);
    float g[WM][WM], t1[WA][WM];
#pragma unroll
    for (int i = 0; i < WM; i++)
#pragma unroll
        for (int j = 0; j < WM; j++) {
            int ok = WEXACT || (y0 + i < oh && x0 + j < ow);
            float v = dp[ok ? (y0 + i) * ow + x0 + j : 0];
            g[i][j] = ok ? v : 0.0f;
        }
#pragma unroll
    for (int a = 0; a < WA; a++)
#pragma unroll
        for (int j = 0; j < WM; j++) {
            float s = 0.0f;
#pragma unroll
            for (int i = 0; i < WM; i++) s += AT[i * WA + a] * g[i][j];
            t1[a][j] = s;
        }
    __global float *zp = z + z_off + (uint)k * np + p;
    uint step = (uint)nk * np;
#pragma unroll
    for (int a = 0; a < WA; a++)
#pragma unroll
        for (int b = 0; b < WA; b++) {
            float s = 0.0f;
#pragma unroll
            for (int j = 0; j < WM; j++) s += t1[a][j] * AT[j * WA + b];
            zp[(uint)(a * WA + b) * step] = s;
        }
}

/* The weight gradient from its transform: dw[k][ci] = G^T du G of du[xi][k][ci] (the transpose of
 * wino_filter without flip). d: s0 K, s1 CG. Global size (CG, K): neighbouring work-items read
 * neighbouring elements of du. */
__kernel void wino_filter_grad(int8 d, __global const float *du, uint du_off, __global float *dw,
                               uint dw_off) {
    int k = get_global_id(1), ci = get_global_id(0);
    int nk = d.s0, cg = d.s1;
    __global const float *up = du + du_off + (uint)k * cg + ci;
    uint step = (uint)nk * cg;
    float in[WA][WA], t1[WR][WA];
#pragma unroll
    for (int a = 0; a < WA; a++)
#pragma unroll
        for (int b = 0; b < WA; b++) in[a][b] = up[(uint)(a * WA + b) * step];
#pragma unroll
    for (int i = 0; i < WR; i++)
#pragma unroll
        for (int b = 0; b < WA; b++) {
            float s = 0.0f;
#pragma unroll
            for (int a = 0; a < WA; a++) s += GM[a * WR + i] * in[a][b];
            t1[i][b] = s;
        }
    __global float *wp = dw + dw_off + ((uint)k * cg + ci) * (WR * WR);
#pragma unroll
    for (int i = 0; i < WR; i++)
#pragma unroll
        for (int j = 0; j < WR; j++) {
            float s = 0.0f;
#pragma unroll
            for (int b = 0; b < WA; b++) s += t1[i][b] * GM[b * WR + j];
            wp[i * WR + j] = s;
        }
}

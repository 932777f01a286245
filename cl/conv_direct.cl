/* cl/conv_direct.cl - direct convolution: forward, data gradient and weight gradient, each
 * output element computed by one work-item from the definition (no workspace). Shapes arrive as
 * one int16 as in cl/im2col.cl; NCHW tensors, weights [K][C/G][KH][KW]. */

#define SH_C sh.s0
#define SH_H sh.s1
#define SH_W sh.s2
#define SH_K sh.s3
#define SH_KH sh.s4
#define SH_KW sh.s5
#define SH_S sh.s6
#define SH_P sh.s7
#define SH_G sh.s8
#define SH_OH sh.s9
#define SH_OW sh.sa
#define SH_NB sh.sb

/* y[n][o][i][j]. gws {OW, OH, N*K} */
__kernel void conv_direct_forward(int16 sh, int has_bias, __global const float *x, uint x_off,
                                  __global const float *w, uint w_off, __global const float *b,
                                  uint b_off, __global float *y, uint y_off) {
    const int j = get_global_id(0), i = get_global_id(1), nk = get_global_id(2);
    if (j >= SH_OW || i >= SH_OH) return;
    const int n = nk / SH_K, o = nk % SH_K;
    const int cg = SH_C / SH_G, g = o / (SH_K / SH_G);
    const int y0 = i * SH_S - SH_P, x0 = j * SH_S - SH_P;
    const int u0 = max(0, -y0), u1 = min(SH_KH, SH_H - y0);
    const int v0 = max(0, -x0), v1 = min(SH_KW, SH_W - x0);
    float acc = has_bias ? b[b_off + o] : 0.0f;
    for (int ci = 0; ci < cg; ci++) {
        /* index of tap (0,0), which may lie in the padding: only taps inside are read */
        const long xb = (long)x_off + ((long)(n * SH_C + g * cg + ci) * SH_H + y0) * SH_W + x0;
        const __global float *wp = w + w_off + (size_t)(o * cg + ci) * SH_KH * SH_KW;
        for (int u = u0; u < u1; u++)
            for (int v = v0; v < v1; v++) acc = fma(x[xb + u * SH_W + v], wp[u * SH_KW + v], acc);
    }
    y[y_off + ((size_t)nk * SH_OH + i) * SH_OW + j] = acc;
}

/* dx[n][c][y][x] = sum over the outputs (o,i,j) whose window covers (y,x). gws {W, H, N*C} */
__kernel void conv_direct_backward_data(int16 sh, __global const float *dy, uint dy_off,
                                        __global const float *w, uint w_off, __global float *dx,
                                        uint dx_off) {
    const int xx = get_global_id(0), yy = get_global_id(1), nc = get_global_id(2);
    if (xx >= SH_W || yy >= SH_H) return;
    const int n = nc / SH_C, c = nc % SH_C;
    const int cg = SH_C / SH_G, kg = SH_K / SH_G, g = c / cg, ci = c % cg;
    float s = 0.0f;
    for (int u = 0; u < SH_KH; u++) {
        const int ty = yy + SH_P - u;
        if (ty < 0 || ty % SH_S != 0 || ty / SH_S >= SH_OH) continue;
        const int i = ty / SH_S;
        for (int v = 0; v < SH_KW; v++) {
            const int tx = xx + SH_P - v;
            if (tx < 0 || tx % SH_S != 0 || tx / SH_S >= SH_OW) continue;
            const int j = tx / SH_S;
            for (int o = g * kg; o < (g + 1) * kg; o++)
                s = fma(dy[dy_off + ((size_t)(n * SH_K + o) * SH_OH + i) * SH_OW + j],
                        w[w_off + ((size_t)(o * cg + ci) * SH_KH + u) * SH_KW + v], s);
        }
    }
    dx[dx_off + ((size_t)nc * SH_H + yy) * SH_W + xx] = s;
}

/* dw[o][ci][u][v] = sum over images and output pixels. gws {KW*KH*C/G, K}, NB = all images */
__kernel void conv_direct_backward_weights(int16 sh, __global const float *x, uint x_off,
                                           __global const float *dy, uint dy_off,
                                           __global float *dw, uint dw_off) {
    const int cg = SH_C / SH_G;
    const int r = get_global_id(0), o = get_global_id(1);
    if (r >= cg * SH_KH * SH_KW) return;
    const int v = r % SH_KW, u = (r / SH_KW) % SH_KH, ci = r / (SH_KW * SH_KH);
    const int c = o / (SH_K / SH_G) * cg + ci;
    /* output rows/columns whose tap (u,v) falls inside the image */
    const int i0 = max(0, (SH_P - u + SH_S - 1) / SH_S);
    const int i1 = min(SH_OH, (SH_H + SH_P - u + SH_S - 1) / SH_S);
    const int j0 = max(0, (SH_P - v + SH_S - 1) / SH_S);
    const int j1 = min(SH_OW, (SH_W + SH_P - v + SH_S - 1) / SH_S);
    float s = 0.0f;
    for (int n = 0; n < SH_NB; n++) {
        const __global float *xp = x + x_off + (size_t)(n * SH_C + c) * SH_H * SH_W;
        const __global float *dp = dy + dy_off + (size_t)(n * SH_K + o) * SH_OH * SH_OW;
        for (int i = i0; i < i1; i++) {
            const int yy = i * SH_S - SH_P + u;
            for (int j = j0; j < j1; j++)
                s = fma(xp[yy * SH_W + j * SH_S - SH_P + v], dp[i * SH_OW + j], s);
        }
    }
    dw[dw_off + (size_t)o * cg * SH_KH * SH_KW + r] = s;
}

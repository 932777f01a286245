/* cl/conv_direct.cl - direct convolution (no workspace): a register-tiled forward, and data and
 * weight gradients with one work-item per element computed from the definition. Shapes arrive
 * as one int16 (cl/common.cl's SH_*); NCHW tensors, weights [K][C/G][KH][KW]. */

#ifndef OB
#define OB 8 /* output channels per work-item of the forward */
#endif
#define ROWBUF 128 /* floats of the private input row: 15 * stride + KW must fit */

/* y[n][o][i][j]: a work-item computes 16 consecutive outputs of row i (float16) for OB output
 * channels of one group. For each input channel and kernel row it copies the input row segment
 * under its 16 windows (zeros in the padding) into private memory once, then every tap v is a
 * float16 from there times OB broadcast weights. gws {ceil(OW/16), OH, N * G * ceil(K/G/OB)}.
 * Strides with 15 * stride + KW > ROWBUF read the input element by element. */
__kernel void conv_direct_forward(int16 sh, int has_bias, __global const float *x, uint x_off,
                                  __global const float *w, uint w_off, __global const float *b,
                                  uint b_off, __global float *y, uint y_off) {
    const int jb = get_global_id(0) * 16, i = get_global_id(1), z = get_global_id(2);
    if (jb >= SH_OW || i >= SH_OH) return;
    const int kg = SH_K / SH_G, cg = SH_C / SH_G, nob = (kg + OB - 1) / OB;
    const int n = z / (SH_G * nob), g = z / nob % SH_G, o0 = g * kg + z % nob * OB;
    const int khw = SH_KH * SH_KW;
    int wrow[OB];
#pragma unroll
    for (int t = 0; t < OB; t++) wrow[t] = w_off + min(o0 + t, g * kg + kg - 1) * cg * khw;
    float16 acc[OB];
#pragma unroll
    for (int t = 0; t < OB; t++) acc[t] = (float16)(0.0f);

    const int y0 = i * SH_S - SH_P, x0 = jb * SH_S - SH_P;
    const int u0 = max(0, -y0), u1 = min(SH_KH, SH_H - y0);
    const int span = 15 * SH_S + SH_KW; /* input columns x0 .. x0 + span - 1 */
    for (int ci = 0; ci < cg; ci++) {
        const __global float *xp = x + x_off + (size_t)(n * SH_C + g * cg + ci) * SH_H * SH_W;
        for (int u = u0; u < u1; u++) {
            const __global float *xr = xp + (y0 + u) * SH_W;
            float row[ROWBUF];
            if (span <= ROWBUF)
                for (int q = 0; q < span; q++) {
                    const int xx = x0 + q;
                    row[q] = xx >= 0 && xx < SH_W ? xr[xx] : 0.0f;
                }
            const int wu = ci * khw + u * SH_KW;
            for (int v = 0; v < SH_KW; v++) {
                float16 xv;
                if (SH_S == 1 && span <= ROWBUF) {
                    xv = vload16(0, row + v);
                } else {
                    float tmp[16];
                    for (int jj = 0; jj < 16; jj++) {
                        const int q = jj * SH_S + v, xx = x0 + q;
                        tmp[jj] = span <= ROWBUF ? row[q]
                                                 : (xx >= 0 && xx < SH_W ? xr[xx] : 0.0f);
                    }
                    xv = vload16(0, tmp);
                }
#pragma unroll
                for (int t = 0; t < OB; t++)
                    acc[t] = fma((float16)(w[wrow[t] + wu + v]), xv, acc[t]);
            }
        }
    }

    const int on = min(OB, g * kg + kg - o0), jn = min(16, SH_OW - jb);
    for (int t = 0; t < on; t++) {
        float out[16];
        vstore16(acc[t] + (has_bias ? b[b_off + o0 + t] : 0.0f), 0, out);
        __global float *yp = y + y_off + ((size_t)(n * SH_K + o0 + t) * SH_OH + i) * SH_OW + jb;
        for (int jj = 0; jj < jn; jj++) yp[jj] = out[jj];
    }
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

/* cl/conv_fft.cl - the kernels around clFFT's transforms for FFT convolution (host/ops/conv_fft.c):
 * zero-padding planes into FFT-sized real planes, the per-frequency complex products summed over
 * channels (or images), and cropping the wanted region out of the inverse transforms (scaled,
 * plus the bias). Real planes are fh x fw floats; a spectrum plane is nf = fh * (fw / 2 + 1)
 * complex numbers (clFFT's Hermitian-interleaved layout), read with vload2 (float alignment). */

#ifndef TI
#define TI 4 /* rows of the product's output per work-item */
#endif
#ifndef TJ
#define TJ 4 /* columns of the product's output per work-item */
#endif

/* out plane p (fh x fw) = in plane p (h x w) placed at row oy, column ox, zeros elsewhere.
 * Global size (fw, fh, planes). */
__kernel void fft_pad(__global const float *in, uint in_off, __global float *out, uint out_off,
                      int h, int w, int fh, int fw, int oy, int ox) {
    int j = get_global_id(0), i = get_global_id(1), p = get_global_id(2);
    int si = i - oy, sj = j - ox;
    float v = 0.0f;
    if (si >= 0 && si < h && sj >= 0 && sj < w) v = in[in_off + ((uint)p * h + si) * w + sj];
    out[out_off + ((uint)p * fh + i) * fw + j] = v;
}

/* out plane p (oh x ow) = scale * in plane p (fh x fw) from row oy, column ox, plus bias[p % nk]
 * when has_bias. Global size (ow, oh, planes). */
__kernel void fft_crop(__global const float *in, uint in_off, __global float *out, uint out_off,
                       __global const float *bias, uint b_off, int has_bias, int nk, int oh,
                       int ow, int fh, int fw, int oy, int ox, float scale) {
    int j = get_global_id(0), i = get_global_id(1), p = get_global_id(2);
    float v = scale * in[in_off + ((uint)p * fh + i + oy) * fw + j + ox];
    if (has_bias) v += bias[b_off + p % nk];
    out[out_off + ((uint)p * oh + i) * ow + j] = v;
}

/* For each frequency f and group g: O[i][j] (+)= sum over l of A[i][l] * B[l][j], complex, with
 * A conjugated when sa = -1 and B when sb = -1. Operands are spectrum planes indexed by strides
 * in planes: A plane g*ag + i*ai + l*al, B plane g*bg + l*bl + j*bj, O plane g*og + i*oi + j*oj.
 * d: s0 I, s1 J, s2 L, s3 nf, s4 ag, s5 ai, s6 al, s7 bg, s8 bl, s9 bj, s10 og, s11 oi, s12 oj,
 * s13 column blocks (ceil(J / TJ)). accumulate: add to O instead of overwriting it.
 * Global size (nf, ceil(I / TI), groups * column blocks). */
__kernel void fft_cmac(int16 d, float sa, float sb, int accumulate, __global const float *a,
                       uint a_off, __global const float *b, uint b_off, __global float *o,
                       uint o_off) {
    int f = get_global_id(0);
    int ni = d.s0, nj = d.s1, nl = d.s2, nf = d.s3;
    if (f >= nf) return;
    int i0 = get_global_id(1) * TI;
    int g = get_global_id(2) / d.sd, j0 = (get_global_id(2) % d.sd) * TJ;
    __global const float *ap = a + a_off, *bp = b + b_off;
    __global float *op = o + o_off;
    float2 acc[TI][TJ];
    for (int t = 0; t < TI; t++)
        for (int u = 0; u < TJ; u++) acc[t][u] = (float2)(0.0f, 0.0f);
    for (int l = 0; l < nl; l++) {
        float2 av[TI], bv[TJ];
        for (int t = 0; t < TI; t++) {
            int i = min(i0 + t, ni - 1);
            av[t] = vload2((uint)(g * d.s4 + i * d.s5 + l * d.s6) * nf + f, ap);
            av[t].y *= sa;
        }
        for (int u = 0; u < TJ; u++) {
            int j = min(j0 + u, nj - 1);
            bv[u] = vload2((uint)(g * d.s7 + l * d.s8 + j * d.s9) * nf + f, bp);
            bv[u].y *= sb;
        }
        for (int t = 0; t < TI; t++)
            for (int u = 0; u < TJ; u++)
                acc[t][u] += (float2)(av[t].x * bv[u].x - av[t].y * bv[u].y,
                                      av[t].x * bv[u].y + av[t].y * bv[u].x);
    }
    for (int t = 0; t < TI; t++)
        for (int u = 0; u < TJ; u++) {
            int i = i0 + t, j = j0 + u;
            if (i >= ni || j >= nj) continue;
            uint at = (uint)(g * d.sa + i * d.sb + j * d.sc) * nf + f;
            float2 v = acc[t][u];
            if (accumulate) v += vload2(at, op);
            vstore2(v, at, op);
        }
}

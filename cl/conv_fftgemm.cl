/* cl/conv_fftgemm.cl - the transforms of the FFT convolution whose per-frequency products are
 * real GEMMs (host/ops/conv_fftgemm.c): radix-2 FFTs of FN x FN planes, FN a power of two, done
 * in two passes (rows, then columns) with the plane's rows or columns in private arrays, and
 * their inverses.
 *
 * A real plane's spectrum keeps the FH = FN/2 + 1 columns u = 0 .. FN/2 of its FN rows v (the
 * others are conjugates): NF = FN * FH frequencies f = v * FH + u.
 *   Row pass:    t[part][u][r][b][a] = DFT over the columns of row r of plane (a, b) (part 0
 *                real, 1 imaginary: planar, FH FN B A floats apart), two rows per work-item as
 *                the real and imaginary parts of one complex transform.
 *   Column pass: the DFT of t[.][u][.][b][a] over the rows, written per frequency where the
 *                GEMMs read it (fg_cols, fg_cols_t: rows [Zr | Zi] or blocks
 *                [[Zr, Zi], [Zi, -Zr]], channels or images as rows).
 * The inverses run the other way, keep the rows and columns asked for, scale by 1 / FN^2 and
 * add the bias. The filters' spectra, and the weight gradient's inverse (only FKH x FKW values
 * per filter), are GEMMs over the taps or the frequencies with fg_taps' tables (most of a
 * filter's FN x FN plane is zero).
 *
 * PoCL vectorises a kernel across work-items only while each work-item's code is scalar and has
 * no loop of its own left (see winograd.cl): complex values are pairs of floats here, never
 * float2 (with float2 loads the column pass ran scalar, 2x slower), every loop is unrolled (a
 * runtime loop over the frequency columns left a kernel scalar, 3x slower), and loads read
 * from an address inside the buffer and select the value afterwards. Options: FN, FLOG (log2 FN),
 * FKH, FKW (kernel size), FTW (cos, sin of 2 pi m / FN for m = 0 .. FN - 1, as an initialiser
 * list). */

#ifndef FN
#define FN 8
#define FLOG 3
#define FKH 3
#define FKW 3
#define FTW 1.0f, 0.0f, 0.70710678f, 0.70710678f, 0.0f, 1.0f, -0.70710678f, 0.70710678f, -1.0f, \
            0.0f, -0.70710678f, -0.70710678f, 0.0f, -1.0f, 0.70710678f, -0.70710678f
#endif
#define FH (FN / 2 + 1)
#define FSCALE (1.0f / (FN * FN))

__constant float TWF[2 * FN] = {FTW};
#define TWC(m) TWF[2 * (m)]     /* cos 2 pi m / FN */
#define TWS(m) TWF[2 * (m) + 1] /* sin 2 pi m / FN */

/* (re, im) = sum over j of (re, im)[j] e^(sg 2 pi i j k / FN), in place, natural order in and
 * out (radix 2, decimation in time). sg is -1 (forward) or +1 (inverse, unscaled). */
static inline void fft_run(float *re, float *im, float sg) {
    float br[FN], bi[FN];
#pragma unroll
    for (int i = 0; i < FN; i++) {
        int r = 0;
#pragma unroll
        for (int k = 0; k < FLOG; k++) r |= ((i >> k) & 1) << (FLOG - 1 - k);
        br[i] = re[r];
        bi[i] = im[r];
    }
#pragma unroll
    for (int st = 0; st < FLOG; st++)
#pragma unroll
        for (int bf = 0; bf < FN / 2; bf++) {
            int hf = 1 << st, j = bf & (hf - 1), lo = ((bf >> st) << (st + 1)) + j;
            int m = j << (FLOG - 1 - st);
            float wr = TWC(m), wi = sg * TWS(m);
            float tr = br[lo + hf] * wr - bi[lo + hf] * wi;
            float ti = br[lo + hf] * wi + bi[lo + hf] * wr;
            br[lo + hf] = br[lo] - tr;
            bi[lo + hf] = bi[lo] - ti;
            br[lo] += tr;
            bi[lo] += ti;
        }
#pragma unroll
    for (int i = 0; i < FN; i++) {
        re[i] = br[i];
        im[i] = bi[i];
    }
}

/* Row pass. Plane (a, b) is h x w floats at src + (a sa + b sb) h w, placed at row oy, column
 * ox of the FN x FN plane (zeros elsewhere). t[((part FH + u) FN + r) B A + b A + a].
 * d: s0 h, s1 w, s2 oy, s3 ox, s4 sa, s5 sb, s6 A, s7 B. Global size (A, B, FN / 2). */
__kernel void fg_rows(int8 d, __global const float *x, uint x_off, __global float *t,
                      uint t_off) {
    int a = get_global_id(0), b = get_global_id(1), r0 = 2 * (int)get_global_id(2);
    int h = d.s0, w = d.s1, na = d.s6, nb = d.s7;
    __global const float *xp = x + x_off + (uint)(a * d.s4 + b * d.s5) * (uint)(h * w);
    int ya = r0 - d.s2, yb = ya + 1;
    int oka = ya >= 0 && ya < h, okb = yb >= 0 && yb < h;
    int ra = clamp(ya, 0, h - 1) * w, rb = clamp(yb, 0, h - 1) * w;
    float zr[FN], zi[FN];
#pragma unroll
    for (int j = 0; j < FN; j++) {
        int cx = j - d.s3, ok = cx >= 0 && cx < w, c = clamp(cx, 0, w - 1);
        float va = xp[ra + c], vb = xp[rb + c];
        zr[j] = ok && oka ? va : 0.0f;
        zi[j] = ok && okb ? vb : 0.0f;
    }
    fft_run(zr, zi, -1.0f);
    uint row = (uint)nb * na, part = (uint)(FH * FN) * row;
    __global float *tp = t + t_off + (uint)b * na + a;
#pragma unroll
    for (int u = 0; u < FH; u++) {
        int n = (FN - u) & (FN - 1);
        uint at = (uint)(u * FN + r0) * row;
        tp[at] = 0.5f * (zr[u] + zr[n]);                /* row r0: (Z[u] + conj Z[-u]) / 2 */
        tp[at + part] = 0.5f * (zi[u] - zi[n]);
        tp[at + row] = 0.5f * (zi[u] + zi[n]);          /* row r0+1: (Z[u] - conj Z[-u]) / 2i */
        tp[at + row + part] = 0.5f * (zr[n] - zr[u]);
    }
}

/* The column pass's transform of column u of the plane at tp: (zr, zi)[v], v = 0 .. FN - 1. */
static inline void column_of(__global const float *tp, int u, uint row, float *zr, float *zi) {
    uint part = (uint)(FH * FN) * row;
#pragma unroll
    for (int r = 0; r < FN; r++) {
        zr[r] = tp[(uint)(u * FN + r) * row];
        zi[r] = tp[(uint)(u * FN + r) * row + part];
    }
    fft_run(zr, zi, -1.0f);
}

/* The stores of neighbouring work-items must be neighbours in a way the compiler can see (the
 * index plus the work-item's id, no runtime stride or modulo), or PoCL scatters them one float
 * at a time: hence a kernel per layout below. */

/* Column pass into spectra, channels as rows: channel ch = g chg + cc of image a at frequency f
 * goes to s[f fs + ((g nbk + pc) chg + cc) 2 P + pi P + a] for the blocks (pc, pi): with nbk = 1
 * the row [Zr | Zi], with nbk = 2 the matrix [[Zr, Zi], [Zi, -Zr]] (then [Yr | Yi] =
 * [Wr | Wi] times it is conj(W) Z for the real pair (Wr, Wi)). Planes as fg_rows' (a, b) =
 * (image, channel) of the B channels from c0. d: s0 P, s1 B, s2 chg, s3 fs, s4 nbk, s5 c0.
 * Global size (P, B, FH). */
__kernel void fg_cols(int8 d, __global const float *t, uint t_off, __global float *s,
                      uint s_off) {
    int a = get_global_id(0), lc = get_global_id(1), u = get_global_id(2), ch = d.s5 + lc;
    int np = d.s0, chg = d.s2, nbk = d.s4;
    float zr[FN], zi[FN];
    column_of(t + t_off + (uint)lc * np + a, u, (uint)d.s1 * np, zr, zi);
    uint c0 = (uint)((ch / chg) * nbk * chg + ch % chg) * (uint)(2 * np);
    uint c1 = c0 + (uint)(chg * 2 * np);
    __global float *sp = s + s_off + a;
#pragma unroll
    for (int v = 0; v < FN; v++) {
        uint f = (uint)(v * FH + u) * (uint)d.s3;
        sp[f + c0] = zr[v];
        sp[f + c0 + np] = zi[v];
        if (nbk == 2) {
            sp[f + c1] = zi[v];
            sp[f + c1 + np] = -zr[v];
        }
    }
}

/* Column pass into spectra, images as rows: the blocks [[Xr, Xi], [Xi, -Xr]] of channel
 * ch = g cg + cc, image a at s[f fs + (pi P + a) 2 C + (g 2 + pc) cg + cc] (the transpose of
 * fg_cols' layout with nbk = 2). Planes as fg_rows' (a, b) = (channel, image) of the NB images
 * from a0. d: s0 cg, s1 P, s2 C, s3 fs, s4 a0, s5 NB. Global size (cg, NB, FH groups): the
 * third id is u + FH g. */
__kernel void fg_cols_t(int8 d, __global const float *t, uint t_off, __global float *s,
                        uint s_off) {
    int cc = get_global_id(0), la = get_global_id(1), u = get_global_id(2) % FH;
    int g = get_global_id(2) / FH, cg = d.s0, np = d.s1, nc = d.s2, a = d.s4 + la;
    float zr[FN], zi[FN];
    column_of(t + t_off + (uint)la * nc + g * cg + cc, u, (uint)d.s5 * nc, zr, zi);
    uint r0 = (uint)a * 2 * nc, r1 = r0 + (uint)(np * 2 * nc);
    __global float *sp = s + s_off + (uint)(g * 2 * cg) + cc;
#pragma unroll
    for (int v = 0; v < FN; v++) {
        uint f = (uint)(v * FH + u) * (uint)d.s3;
        sp[f + r0] = zr[v];
        sp[f + r0 + cg] = zi[v];
        sp[f + r1] = zi[v];
        sp[f + r1 + cg] = -zr[v];
    }
}

/* The tables that turn a filter's FKH x FKW taps into its spectrum and back, as GEMMs (most of
 * the FN x FN plane is zero): for frequency f = v FH + u and tap t = i FKW + j, with a = 2 pi
 * (v i + u j) / FN, e[f T + t] = cos a, e[(NF + f) T + t] = -sin a (E: the spectrum of tap t at
 * f), and the same times 1 / FN^2, twice for u = 1 .. FN/2 - 1, at 2 NF T and 3 NF T (G: a
 * frequency's share of the inverse at tap t, the half spectrum's missing conjugates counted).
 * T = FKH FKW, NF = FN FH. Global size (NF, T). */
__kernel void fg_taps(__global float *e, uint e_off) {
    int f = get_global_id(0), t = get_global_id(1), v = f / FH, u = f % FH;
    int m = (u * (t % FKW) + v * (t / FKW)) & (FN - 1);
    uint nt = (uint)(FN * FH * FKH * FKW);
    float wt = (u == 0 || u == FN / 2 ? 1.0f : 2.0f) * FSCALE;
    __global float *p = e + e_off + (uint)f * (FKH * FKW) + t;
    p[0] = TWC(m);
    p[nt] = -TWS(m);
    p[2 * nt] = wt * TWC(m);
    p[3 * nt] = -wt * TWS(m);
}

/* The filters w [n][FKH FKW] transposed into o [FKH FKW][n], n = d.s0. Global size (n, FKH FKW). */
__kernel void fg_wt(int4 d, __global const float *w, uint w_off, __global float *o, uint o_off) {
    int i = get_global_id(0), t = get_global_id(1);
    o[o_off + (uint)t * d.s0 + i] = w[w_off + (uint)i * (FKH * FKW) + t];
}

/* Inverse column pass: column u of channel ch's spectrum transformed back over v, rows lo ..
 * hi - 1 written to t (fg_rows' layout, unscaled). The spectrum at f: mode 1, the row
 * [Zr | Zi] at s[f fs + ch 2 A + (0 or A) + a]; mode 2, the blocks [[B00, B01], [B10, B11]] of
 * the rows (g 2 + 0 or 1) chg + cc (ch = g chg + cc), each 2 A long as in mode 1, with
 * Z = (B00 - B11) + i (B01 + B10): M^T [Zr | Zi] for M = [Wr | Wi] gives W Z there.
 * The B channels from c0; t holds their planes only.
 * d: s0 A, s1 B, s2 chg, s3 fs, s4 lo, s5 hi, s6 mode, s7 c0. Global size (A, B, FH). */
__kernel void fg_icols(int8 d, __global const float *s, uint s_off, __global float *t,
                       uint t_off) {
    int a = get_global_id(0), lc = get_global_id(1), u = get_global_id(2), ch = d.s7 + lc;
    int na = d.s0, chg = d.s2, two = d.s6 == 2;
    uint r0 = two ? (uint)((ch / chg) * 2 * chg + ch % chg) : (uint)ch;
    uint q0 = r0 * 2 * na, q1 = two ? q0 + (uint)(chg * 2 * na) : q0; /* the rows, then + a: */
    __global const float *s0 = s + s_off + q0 + a, *s1 = s + s_off + q1 + a; /* vector loads */
    float zr[FN], zi[FN];
#pragma unroll
    for (int v = 0; v < FN; v++) {
        uint f = (uint)(v * FH + u) * (uint)d.s3;
        float b00 = s0[f], b01 = s0[f + na], b10 = s1[f], b11 = s1[f + na];
        zr[v] = two ? b00 - b11 : b00;
        zi[v] = two ? b01 + b10 : b01;
    }
    fft_run(zr, zi, 1.0f);
    uint row = (uint)d.s1 * na, part = (uint)(FH * FN) * row;
    __global float *tp = t + t_off + (uint)lc * na + a;
#pragma unroll
    for (int r = 0; r < FN; r++)
        if (r >= d.s4 && r < d.s5) {
            tp[(uint)(u * FN + r) * row] = zr[r];
            tp[(uint)(u * FN + r) * row + part] = zi[r];
        }
}

/* Inverse row pass: rows oy + 2j and oy + 2j + 1 (the second only below oy + oh) of plane
 * (a, ch) from t, as one complex transform of the two half spectra, scaled by 1 / FN^2; columns
 * ox .. ox + ow - 1 go to y[(a C + ch) oh ow], plus bias[ch] where has_bias; t holds the planes
 * of the B channels from c0 (ch = c0 + the second id) of C.
 * d: s0 A, s1 B, s2 oy, s3 ox, s4 oh, s5 ow, s6 has_bias, s7 c0, s8 C. Global size
 * (A, B, ceil(oh / 2)). */
__kernel void fg_irows(int16 d, __global const float *t, uint t_off, __global const float *bias,
                       uint b_off, __global float *y, uint y_off) {
    int a = get_global_id(0), lc = get_global_id(1), j = get_global_id(2), ch = d.s7 + lc;
    int na = d.s0, oy = d.s2, ox = d.s3, oh = d.s4, ow = d.s5;
    int r0 = oy + 2 * j, second = 2 * j + 1 < oh, r1 = second ? r0 + 1 : r0;
    uint row = (uint)d.s1 * na, part = (uint)(FH * FN) * row;
    __global const float *tp = t + t_off + (uint)lc * na + a;
    float zr[FN], zi[FN];
#pragma unroll
    for (int u = 0; u < FH; u++) {
        float pr = tp[(uint)(u * FN + r0) * row], pi = tp[(uint)(u * FN + r0) * row + part];
        float qr = tp[(uint)(u * FN + r1) * row], qi = tp[(uint)(u * FN + r1) * row + part];
        zr[u] = pr - qi; /* Z = P + i Q, P and Q extended by conjugate symmetry */
        zi[u] = pi + qr;
        if (u > 0 && u < FN / 2) {
            zr[FN - u] = pr + qi;
            zi[FN - u] = qr - pi;
        }
    }
    fft_run(zr, zi, 1.0f);
    float bv = d.s6 ? bias[b_off + ch] : 0.0f;
    __global float *yp = y + y_off + ((uint)a * d.s8 + ch) * (uint)(oh * ow) + 2 * j * ow - ox;
#pragma unroll
    for (int c = 0; c < FN; c++)
        if (c >= ox && c < ox + ow) {
            yp[c] = zr[c] * FSCALE + bv;
            if (second) yp[ow + c] = zi[c] * FSCALE + bv;
        }
}

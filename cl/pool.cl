/* cl/pool.cl - max, average and adaptive average pooling, forward and backward (NCHW float).
 *
 * Forwards: one work-item per output element, 2-D over (position in the oh*ow plane, plane).
 * Backwards: one work-item per input element, 2-D over (position in the h*w plane, plane),
 * gathering from the outputs whose windows hold it, so each work-item writes only its own dx
 * (no races, no atomics, a fixed summation order). `count` is the number of positions in a plane.
 * Windows: kh x kw, strides sh, sw, padding ph, pw; output oy covers input rows
 * [oy*sh - ph, oy*sh - ph + kh). Max pooling keeps the first maximum in row-major scan order of
 * the window (a NaN beats any number; the first NaN wins) and can store its index iy*w + ix
 * within the plane for the backward. Average pooling divides by kh*kw (padding counted).
 * Adaptive bins: [floor(i*len/n), ceil((i+1)*len/n)). */

/* The window's geometry, fixed at build time when the launcher passes -DPOOL_KH=... (which
 * lets the compiler unroll the window loops), else taken from the arguments. */
#ifndef POOL_KH
#define POOL_KH kh
#define POOL_KW kw
#define POOL_SH sh
#define POOL_SW sw
#define POOL_PH ph
#define POOL_PW pw
#endif

/* The first output whose window, starting at o*s - p and k long, reaches input i, and the last. */
inline int first_out(int i, int k, int s, int p) {
    int t = i + p - k + 1;
    return t <= 0 ? 0 : (t + s - 1) / s;
}
inline int last_out(int i, int s, int p, int n_out) { return min(n_out - 1, (i + p) / s); }

__kernel void maxpool_forward(uint count, int h, int w, int oh, int ow, int kh, int kw, int sh,
                              int sw, int ph, int pw, __global const float *x, uint x_off,
                              __global float *y, uint y_off, __global int *argmax,
                              uint argmax_off) {
    uint q = get_global_id(0), plane = get_global_id(1);
    if (q >= count) return;
    int ox = q % ow, oy = q / ow;
    uint o = plane * count + q;
    __global const float *xp = x + x_off + plane * (uint)h * w;
    int ys = oy * POOL_SH - POOL_PH, xs = ox * POOL_SW - POOL_PW;
    int best = max(ys, 0) * w + max(xs, 0);
    float m = xp[best];
    for (int dy = 0; dy < POOL_KH; dy++) {
        int iy = ys + dy;
        if (iy < 0 || iy >= h) continue;
        for (int dx = 0; dx < POOL_KW; dx++) {
            int ix = xs + dx;
            if (ix < 0 || ix >= w) continue;
            float v = xp[iy * w + ix];
            if (!isnan(m) && (v > m || isnan(v))) {
                m = v;
                best = iy * w + ix;
            }
        }
    }
    y[y_off + o] = m;
    if (argmax) argmax[argmax_off + o] = best;
}

__kernel void maxpool_backward(uint count, int h, int w, int oh, int ow, int kh, int kw, int sh,
                               int sw, int ph, int pw, __global const int *argmax,
                               uint argmax_off, __global const float *dy, uint dy_off,
                               __global float *dx, uint dx_off) {
    uint q = get_global_id(0), plane = get_global_id(1);
    if (q >= count) return;
    int ix = q % w, iy = q / w;
    uint i = plane * count + q;
    uint obase = plane * (uint)oh * ow;
    int me = iy * w + ix;
    int oy0 = first_out(iy, POOL_KH, POOL_SH, POOL_PH), oy1 = last_out(iy, POOL_SH, POOL_PH, oh);
    int ox0 = first_out(ix, POOL_KW, POOL_SW, POOL_PW), ox1 = last_out(ix, POOL_SW, POOL_PW, ow);
    float acc = 0.0f;
    for (int oy = oy0; oy <= oy1; oy++) {
        for (int ox = ox0; ox <= ox1; ox++) {
            uint o = obase + oy * ow + ox;
            if (argmax[argmax_off + o] == me) acc += dy[dy_off + o];
        }
    }
    dx[dx_off + i] = acc;
}

/* Max pooling without padding (AlexNet's), built with the shape too (-DPOOL_H, POOL_W, POOL_OH,
 * POOL_OW): a work-item per row, so that the per-item overhead is spread over a row and no index
 * is divided, and no bounds tests (floor mode keeps every window inside). The forward computes
 * one output row; the backward one input row of dx, scattering the dy of the (at most
 * ceil(kh/sh)) output rows whose windows cover it into a private row (window 3 stride 2:
 * gathering them per column, in vectors, below), in the order the general kernel gathers them
 * (output row, then column, ascending), so the sums are bit for bit the same. Same scan order
 * and tie rule as the general forward. */
#ifdef POOL_OW
/* Stride 2 (AlexNet's): V outputs of the row at once, while the loads stay inside the row. For
 * each tap a vector load of 2V inputs from the window's even column at or below it, whose even
 * or odd lanes are that tap of V neighbouring windows; the same scan and tie rule lane by lane
 * (the first tap is compared with itself and never taken). LANES: 0, 2, ..., 2V - 2. */
#define POOL_ROW_BLOCK(V, V2, LANES)                                                             \
    for (; ox + V <= POOL_OW && 2 * ox + ((POOL_KW - 1) & ~1) + 2 * V <= POOL_W; ox += V) {     \
        __global const float *bp = xp + 2 * ox;                                                  \
        float##V m = vload##V2(0, bp).even;                                                      \
        int##V best = (int##V)(row0 + 2 * ox) + LANES;                                           \
        for (int dy = 0; dy < POOL_KH; dy++) {                                                   \
            for (int dx = 0; dx < POOL_KW; dx++) {                                               \
                float##V2 raw = vload##V2(0, bp + dy * POOL_W + (dx & ~1));                      \
                float##V v = (dx & 1) ? raw.odd : raw.even;                                      \
                int##V at = (int##V)(row0 + 2 * ox + dy * POOL_W + dx) + LANES;                  \
                int##V take = ~isnan(m) & ((v > m) | isnan(v));                                  \
                m = select(m, v, take);                                                          \
                best = select(best, at, take);                                                   \
            }                                                                                    \
        }                                                                                        \
        vstore##V(m, 0, yr + ox);                                                                \
        if (ar) vstore##V(best, 0, ar + ox);                                                     \
    }

__kernel void maxpool_forward_rows(uint rows, __global const float *x, uint x_off,
                                   __global float *y, uint y_off, __global int *argmax,
                                   uint argmax_off) {
    uint r = get_global_id(0); /* plane * POOL_OH + oy */
    if (r >= rows) return;
    uint plane = r / POOL_OH;
    int oy = r - plane * POOL_OH;
    __global const float *xp = x + x_off + plane * (POOL_H * POOL_W) + oy * POOL_SH * POOL_W;
    uint o = r * POOL_OW;
    int ox = 0;
#if POOL_SW == 2
    __global float *yr = y + y_off + o;
    __global int *ar = argmax ? argmax + argmax_off + o : 0;
    int row0 = oy * POOL_SH * POOL_W;
    POOL_ROW_BLOCK(8, 16, (int8)(0, 2, 4, 6, 8, 10, 12, 14))
    POOL_ROW_BLOCK(4, 8, (int4)(0, 2, 4, 6))
#endif
    for (; ox < POOL_OW; ox++) {
        __global const float *wp = xp + ox * POOL_SW;
        float m = wp[0];
        int best = 0;
        for (int dy = 0; dy < POOL_KH; dy++) {
            for (int dx = 0; dx < POOL_KW; dx++) {
                float v = wp[dy * POOL_W + dx];
                int take = !isnan(m) && (v > m || isnan(v));
                m = take ? v : m;
                best = take ? dy * POOL_W + dx : best;
            }
        }
        y[y_off + o + ox] = m;
        if (argmax) argmax[argmax_off + o + ox] = oy * POOL_SH * POOL_W + ox * POOL_SW + best;
    }
}

/* Window 3, stride 2 (AlexNet's): input column 2j lies in the windows of outputs j - 1 and j,
 * column 2j + 1 in output j's only. V even and V odd columns at once where those outputs exist
 * and the columns lie in the row: each output row's argmax and dy at j - 1 and j as vector
 * loads, summed per column in the general kernel's order (output row, then column). */
#define POOL_BWD_BLOCK(V, V2, LANES)                                                             \
    for (; j + V <= POOL_OW && 2 * (j + V) <= POOL_W; j += V) {                                  \
        int##V me = (int##V)(lo + 2 * j) + LANES;                                                \
        float##V even = 0.0f, odd = 0.0f, zero = 0.0f;                                           \
        for (int oy = oy0; oy <= oy1; oy++) {                                                    \
            __global const int *ar = ap + oy * POOL_OW + j;                                      \
            __global const float *gr = gp + oy * POOL_OW + j;                                    \
            int##V a1 = vload##V(0, ar - 1), a0 = vload##V(0, ar);                               \
            float##V g1 = vload##V(0, gr - 1), g0 = vload##V(0, gr);                             \
            even += select(zero, g1, a1 == me);                                                  \
            even += select(zero, g0, a0 == me);                                                  \
            odd += select(zero, g0, a0 == me + 1);                                               \
        }                                                                                        \
        float##V2 out;                                                                           \
        out.even = even;                                                                         \
        out.odd = odd;                                                                           \
        vstore##V2(out, 0, dxp + 2 * j);                                                         \
    }

/* dx of input column ix of row iy from the outputs whose windows hold it, as the general
 * kernel sums them. */
inline float pool_column_grad(int ix, int lo, int oy0, int oy1, __global const int *ap,
                              __global const float *gp) {
    int ox0 = first_out(ix, POOL_KW, POOL_SW, 0), ox1 = last_out(ix, POOL_SW, 0, POOL_OW);
    float acc = 0.0f;
    for (int oy = oy0; oy <= oy1; oy++)
        for (int ox = ox0; ox <= ox1; ox++)
            if (ap[oy * POOL_OW + ox] == lo + ix) acc += gp[oy * POOL_OW + ox];
    return acc;
}

__kernel void maxpool_backward_rows(uint rows, __global const int *argmax, uint argmax_off,
                                    __global const float *dy, uint dy_off, __global float *dx,
                                    uint dx_off) {
    uint r = get_global_id(0); /* plane * POOL_H + iy */
    if (r >= rows) return;
    uint plane = r / POOL_H;
    int iy = r - plane * POOL_H;
    int oy0 = first_out(iy, POOL_KH, POOL_SH, 0), oy1 = last_out(iy, POOL_SH, 0, POOL_OH);
    uint obase = plane * (POOL_OH * POOL_OW);
    int lo = iy * POOL_W;
    __global float *dxp = dx + dx_off + r * POOL_W;
#if POOL_SW == 2 && POOL_KW == 3
    __global const int *ap = argmax + argmax_off + obase;
    __global const float *gp = dy + dy_off + obase;
    int j = 1;
    POOL_BWD_BLOCK(8, 16, (int8)(0, 2, 4, 6, 8, 10, 12, 14))
    POOL_BWD_BLOCK(4, 8, (int4)(0, 2, 4, 6))
    for (int ix = 0; ix < 2 && ix < POOL_W; ix++)
        dxp[ix] = pool_column_grad(ix, lo, oy0, oy1, ap, gp);
    for (int ix = 2 * j; ix < POOL_W; ix++) dxp[ix] = pool_column_grad(ix, lo, oy0, oy1, ap, gp);
#else
    int hi = lo + POOL_W;
    float acc[POOL_W];
    for (int ix = 0; ix < POOL_W; ix++) acc[ix] = 0.0f;
    for (int oy = oy0; oy <= oy1; oy++) {
        __global const int *ap = argmax + argmax_off + obase + oy * POOL_OW;
        __global const float *dp = dy + dy_off + obase + oy * POOL_OW;
        for (int ox = 0; ox < POOL_OW; ox++) {
            int a = ap[ox];
            if (a >= lo && a < hi) acc[a - lo] += dp[ox];
        }
    }
    for (int ix = 0; ix < POOL_W; ix++) dxp[ix] = acc[ix];
#endif
}
#endif

__kernel void avgpool_forward(uint count, int h, int w, int oh, int ow, int kh, int kw, int sh,
                              int sw, int ph, int pw, __global const float *x, uint x_off,
                              __global float *y, uint y_off) {
    uint q = get_global_id(0), plane = get_global_id(1);
    if (q >= count) return;
    int ox = q % ow, oy = q / ow;
    uint o = plane * count + q;
    __global const float *xp = x + x_off + plane * (uint)h * w;
    int y0 = max(oy * sh - ph, 0), y1 = min(oy * sh - ph + kh, h);
    int x0 = max(ox * sw - pw, 0), x1 = min(ox * sw - pw + kw, w);
    float sum = 0.0f;
    for (int iy = y0; iy < y1; iy++)
        for (int ix = x0; ix < x1; ix++) sum += xp[iy * w + ix];
    y[y_off + o] = sum / (float)(kh * kw);
}

__kernel void avgpool_backward(uint count, int h, int w, int oh, int ow, int kh, int kw, int sh,
                               int sw, int ph, int pw, __global const float *dy, uint dy_off,
                               __global float *dx, uint dx_off) {
    uint q = get_global_id(0), plane = get_global_id(1);
    if (q >= count) return;
    int ix = q % w, iy = q / w;
    uint i = plane * count + q;
    __global const float *dyp = dy + dy_off + plane * (uint)oh * ow;
    int oy0 = first_out(iy, kh, sh, ph), oy1 = last_out(iy, sh, ph, oh);
    int ox0 = first_out(ix, kw, sw, pw), ox1 = last_out(ix, sw, pw, ow);
    float acc = 0.0f;
    for (int oy = oy0; oy <= oy1; oy++)
        for (int ox = ox0; ox <= ox1; ox++) acc += dyp[oy * ow + ox];
    dx[dx_off + i] = acc / (float)(kh * kw);
}

/* Bin b of n over an extent of len: [floor(b*len/n), ceil((b+1)*len/n)). */
inline int bin_start(int b, int len, int n) { return b * len / n; }
inline int bin_end(int b, int len, int n) { return ((b + 1) * len + n - 1) / n; }

__kernel void adaptive_avgpool_forward(uint count, int h, int w, int oh, int ow,
                                       __global const float *x, uint x_off, __global float *y,
                                       uint y_off) {
    uint q = get_global_id(0), plane = get_global_id(1);
    if (q >= count) return;
    int ox = q % ow, oy = q / ow;
    uint o = plane * count + q;
    __global const float *xp = x + x_off + plane * (uint)h * w;
    int y0 = bin_start(oy, h, oh), y1 = bin_end(oy, h, oh);
    int x0 = bin_start(ox, w, ow), x1 = bin_end(ox, w, ow);
    float sum = 0.0f;
    for (int iy = y0; iy < y1; iy++)
        for (int ix = x0; ix < x1; ix++) sum += xp[iy * w + ix];
    y[y_off + o] = sum / (float)((y1 - y0) * (x1 - x0));
}

__kernel void adaptive_avgpool_backward(uint count, int h, int w, int oh, int ow,
                                        __global const float *dy, uint dy_off,
                                        __global float *dx, uint dx_off) {
    uint q = get_global_id(0), plane = get_global_id(1);
    if (q >= count) return;
    int ix = q % w, iy = q / w;
    uint i = plane * count + q;
    __global const float *dyp = dy + dy_off + plane * (uint)oh * ow;
    /* the bins b with bin_start(b) <= iy < bin_end(b) */
    int oy0 = iy * oh / h, oy1 = min(oh - 1, ((iy + 1) * oh + h - 1) / h - 1);
    int ox0 = ix * ow / w, ox1 = min(ow - 1, ((ix + 1) * ow + w - 1) / w - 1);
    float acc = 0.0f;
    for (int oy = oy0; oy <= oy1; oy++) {
        int ny = bin_end(oy, h, oh) - bin_start(oy, h, oh);
        for (int ox = ox0; ox <= ox1; ox++) {
            int nx = bin_end(ox, w, ow) - bin_start(ox, w, ow);
            acc += dyp[oy * ow + ox] / (float)(ny * nx);
        }
    }
    dx[dx_off + i] = acc;
}

/* cl/pool.cl - max, average and adaptive average pooling, forward and backward (NCHW float).
 *
 * Max pooling: a work-item per row, below. Average pooling, forward: one work-item per output
 * element, 2-D over (position in the oh*ow plane, plane); backward: one work-item per input
 * element, 2-D over (position in the h*w plane, plane), gathering from the outputs whose windows
 * hold it, so each work-item writes only its own dx (no races, no atomics, a fixed summation
 * order). `count` is the number of positions in a plane.
 * Windows: kh x kw, strides sh, sw, padding ph, pw; output oy covers input rows
 * [oy*sh - ph, oy*sh - ph + kh). Average pooling divides by kh*kw (padding counted).
 * Adaptive bins: [floor(i*len/n), ceil((i+1)*len/n)). */

/* The first output whose window, starting at o*s - p and k long, reaches input i, and the last. */
inline int first_out(int i, int k, int s, int p) {
    int t = i + p - k + 1;
    return t <= 0 ? 0 : (t + s - 1) / s;
}
inline int last_out(int i, int s, int p, int n_out) { return min(n_out - 1, (i + p) / s); }

/* Max pooling, built with the window and the shape as constants (-DPOOL_KH ... -DPOOL_PW,
 * -DPOOL_H, POOL_W, POOL_OH, POOL_OW): a work-item per row, so that the per-item overhead is
 * spread over a row and no index is divided by a variable (on PoCL a work-item per output with
 * its index split by the arguments cost pool5 of alexnet-fmnist, 6x6 -> 3x3 padded, more than
 * pool1 with 5 times its data). Without padding (AlexNet's) no bounds tests: floor mode keeps
 * every window inside. The forward computes one output row, keeping the first maximum in
 * row-major scan order of the window's taps inside the image (a NaN beats any number; the first
 * NaN wins) and its index iy*w + ix within the plane for the backward. The backward computes one
 * input row of dx, summing the dy routed to each input from the (at most ceil(kh/sh)) output rows
 * whose windows cover it in a fixed order, output row then column, ascending (scattered into a
 * private row, or for window 3 stride 2 unpadded gathered per column, in vectors, below): no
 * races, no atomics. */
#ifdef POOL_OW
/* Max pooling's forward options: POOL_ARGMAX 0 keeps no index (inference: the index arithmetic
 * is compiled out), POOL_RELU 1 clamps each output at 0 (a NaN passes): max(relu(x)) =
 * relu(max(x)), so a ReLU before the pool costs no pass of its own; POOL_C (the channels) adds
 * bias[plane % POOL_C] to each maximum before that: max(x + b) = max(x) + b, the bias of the
 * convolution before it, whose pass is saved too. POOL_MASK 1 (with the argmax) stores -1 for
 * a window whose maximum is not above 0, which the backward routes nowhere: with a ReLU's output
 * as the input, the backward is then the ReLU's backward too (its gradient is 0 where its
 * output is not above 0, and a window's maximum is the output at its argmax). */
#ifndef POOL_ARGMAX
#define POOL_ARGMAX 1
#endif
#ifndef POOL_MASK
#define POOL_MASK 0
#endif
#if POOL_MASK
#define POOL_MASKED(best, m, V) select((int##V)(-1), best, isgreater(m, (float##V)(0.0f)))
#else
#define POOL_MASKED(best, m, V) (best)
#endif
#ifndef POOL_RELU
#define POOL_RELU 0
#endif
#if POOL_ARGMAX
#define POOL_BEST(stmt) stmt
#define POOL_NAN(stmt)
#else
#define POOL_BEST(stmt)
#define POOL_NAN(stmt) stmt
#endif
/* One tap v into the running maximum m. With argmax: the scan and tie rule below (take says
 * whether v replaces m). Without: a plain maximum (a NaN never replaces m) and any NaN noted in
 * nan, the result made NaN at the end (POOL_FIN): the same numbers and NaN where a window holds
 * one (not necessarily the first NaN's bits), two vector operations fewer per tap. */
#if POOL_ARGMAX
#define POOL_TAKE(m, v) (~isnan(m) & (((v) > (m)) | isnan(v)))
#define POOL_TAKE1(m, v) (!isnan(m) && ((v) > (m) || isnan(v)))
#define POOL_FIN(m) (m)
#else
#define POOL_TAKE(m, v) ((v) > (m))
#define POOL_TAKE1(m, v) ((v) > (m))
#define POOL_FIN(m) select(m, NAN, nan)
#endif
#ifdef POOL_C
#define POOL_ADD(m) ((m) + bv)
#else
#define POOL_ADD(m) (m)
#endif
#if POOL_RELU
#define POOL_OUT(m) select(POOL_ADD(POOL_FIN(m)), 0.0f, isless(POOL_ADD(POOL_FIN(m)), 0.0f))
#else
#define POOL_OUT(m) POOL_ADD(POOL_FIN(m))
#endif

/* Stride 2 unpadded (AlexNet's): V outputs of the row at once, while the loads stay inside the
 * row. Tap dx of V neighbouring windows is every other one of 2V inputs: the even lanes of a
 * vector load at the window's first column for dx = 0, else the odd lanes of one at column
 * dx - 1, so that the loads reach no further than the last window's last tap; the same scan and
 * tie rule lane by lane (the first tap is compared with itself and never taken). LANES: 0, 2,
 * ..., 2V - 2. POOL_ROW_BLOCK runs blocks from ox on while they fit; POOL_ROW_TAIL then runs
 * one last block ending at the row's end, over outputs a block before already stored (the same
 * values again), instead of one output at a time. */
#define POOL_ROW_BODY(V, V2, LANES)                                                              \
    {                                                                                            \
        __global const float *bp = xp + 2 * ox;                                                  \
        float##V m = vload##V2(0, bp).even;                                                      \
        POOL_BEST(int##V best = (int##V)(row0 + 2 * ox) + LANES;)                                \
        POOL_NAN(int##V nan = isnan(m);)                                                         \
        for (int dy = 0; dy < POOL_KH; dy++) {                                                   \
            for (int dx = 0; dx < POOL_KW; dx++) {                                               \
                float##V2 raw = vload##V2(0, bp + dy * POOL_W + (dx == 0 ? 0 : dx - 1));         \
                float##V v = dx == 0 ? raw.even : raw.odd;                                       \
                int##V take = POOL_TAKE(m, v);                                                   \
                POOL_NAN(nan |= isnan(v);)                                                       \
                m = select(m, v, take);                                                          \
                POOL_BEST(best = select(best, (int##V)(row0 + 2 * ox + dy * POOL_W + dx) +       \
                                                  LANES, take);)                                 \
            }                                                                                    \
        }                                                                                        \
        vstore##V(POOL_OUT(m), 0, yr + ox);                                                      \
        POOL_BEST(if (ar) vstore##V(POOL_MASKED(best, m, V), 0, ar + ox);)                       \
    }
/* the end of the inputs that a block of V outputs from o loads (one past its last) */
#define POOL_ROW_END(o, V) (2 * (o) + 2 * (V) + (POOL_KW > 2 ? POOL_KW - 2 : 0))
#define POOL_ROW_BLOCK(V, V2, LANES)                                                             \
    for (; ox + V <= POOL_OW && POOL_ROW_END(ox, V) <= POOL_W; ox += V)                          \
        POOL_ROW_BODY(V, V2, LANES)
#define POOL_ROW_TAIL(V, V2, LANES)                                                              \
    if (ox < POOL_OW && POOL_OW >= V && POOL_ROW_END(POOL_OW - V, V) <= POOL_W) {                \
        ox = POOL_OW - V;                                                                        \
        POOL_ROW_BODY(V, V2, LANES)                                                              \
        ox = POOL_OW;                                                                            \
    }

/* Whether tap (iy, ix) lies inside the image, and its index in the plane (a tap in the padding
 * reads its clamped neighbour and is never taken); without padding every tap is inside. */
#if POOL_PH == 0 && POOL_PW == 0
#define POOL_INSIDE(iy, ix) 1
#define POOL_TAP(iy, ix) ((iy) * POOL_W + (ix))
#else
#define POOL_INSIDE(iy, ix) ((iy) >= 0 && (iy) < POOL_H && (ix) >= 0 && (ix) < POOL_W)
#define POOL_TAP(iy, ix) (clamp(iy, 0, POOL_H - 1) * POOL_W + clamp(ix, 0, POOL_W - 1))
#endif

__kernel void maxpool_forward_rows(uint rows, __global const float *x, uint x_off,
                                   __global float *y, uint y_off, __global int *argmax,
                                   uint argmax_off, __global const float *bias, uint bias_off) {
    uint r = get_global_id(0); /* plane * POOL_OH + oy */
    if (r >= rows) return;
    uint plane = r / POOL_OH;
#ifdef POOL_C
    const float bv = bias[bias_off + plane % POOL_C];
#endif
    int oy = r - plane * POOL_OH;
    __global const float *pp = x + x_off + plane * (POOL_H * POOL_W);
    uint o = r * POOL_OW;
    int ox = 0;
#if POOL_SW == 2 && POOL_PH == 0 && POOL_PW == 0
    __global const float *xp = pp + oy * POOL_SH * POOL_W;
    __global float *yr = y + y_off + o;
    __global int *ar = argmax ? argmax + argmax_off + o : 0;
    int row0 = oy * POOL_SH * POOL_W;
    POOL_ROW_BLOCK(8, 16, (int8)(0, 2, 4, 6, 8, 10, 12, 14))
    POOL_ROW_TAIL(8, 16, (int8)(0, 2, 4, 6, 8, 10, 12, 14))
    POOL_ROW_BLOCK(4, 8, (int4)(0, 2, 4, 6))
    POOL_ROW_TAIL(4, 8, (int4)(0, 2, 4, 6))
#endif
    int ys = oy * POOL_SH - POOL_PH;
    for (; ox < POOL_OW; ox++) {
        int xs = ox * POOL_SW - POOL_PW;
        int best = max(ys, 0) * POOL_W + max(xs, 0); /* the first tap inside the image */
        float m = pp[best];
        POOL_NAN(int nan = isnan(m);)
        for (int dy = 0; dy < POOL_KH; dy++) {
            int iy = ys + dy;
            for (int dx = 0; dx < POOL_KW; dx++) {
                int ix = xs + dx, in = POOL_INSIDE(iy, ix);
                float v = in ? pp[POOL_TAP(iy, ix)] : -INFINITY;
                int take = in && POOL_TAKE1(m, v);
                POOL_NAN(nan |= in && isnan(v);)
                m = take ? v : m;
                best = take ? iy * POOL_W + ix : best;
            }
        }
        y[y_off + o + ox] = POOL_OUT(m);
#if POOL_ARGMAX
        if (argmax) argmax[argmax_off + o + ox] = POOL_MASK && !(m > 0.0f) ? -1 : best;
#endif
    }
}

/* Window 3, stride 2 (AlexNet's): input column 2j lies in the windows of outputs j - 1 and j,
 * column 2j + 1 in output j's only. V even and V odd columns at once where those outputs exist
 * and the columns lie in the row: each output row's argmax and dy at j - 1 and j as vector
 * loads, summed per column in the order above (output row, then column). POOL_BWD_TAIL then
 * runs one last block ending at the last output, over columns a block before already stored
 * (the same sums again), instead of one column at a time. */
#define POOL_BWD_BODY(V, V2, LANES)                                                              \
    {                                                                                            \
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
#define POOL_BWD_BLOCK(V, V2, LANES)                                                             \
    for (; j + V <= POOL_OW && 2 * (j + V) <= POOL_W; j += V)                                    \
        POOL_BWD_BODY(V, V2, LANES)
#define POOL_BWD_TAIL(V, V2, LANES)                                                              \
    if (j < POOL_OW && POOL_OW - V >= 1 && 2 * POOL_OW <= POOL_W) {                              \
        j = POOL_OW - V;                                                                         \
        POOL_BWD_BODY(V, V2, LANES)                                                              \
        j = POOL_OW;                                                                             \
    }

/* dx of input column ix of row iy from the outputs whose windows hold it, in the order above. */
inline float pool_column_grad(int ix, int lo, int oy0, int oy1, __global const int *ap,
                              __global const float *gp) {
    int ox0 = first_out(ix, POOL_KW, POOL_SW, POOL_PW);
    int ox1 = last_out(ix, POOL_SW, POOL_PW, POOL_OW);
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
    int oy0 = first_out(iy, POOL_KH, POOL_SH, POOL_PH);
    int oy1 = last_out(iy, POOL_SH, POOL_PH, POOL_OH);
    uint obase = plane * (POOL_OH * POOL_OW);
    int lo = iy * POOL_W;
    __global float *dxp = dx + dx_off + r * POOL_W;
#if POOL_SW == 2 && POOL_KW == 3 && POOL_PW == 0
    __global const int *ap = argmax + argmax_off + obase;
    __global const float *gp = dy + dy_off + obase;
    int j = 1;
    POOL_BWD_BLOCK(8, 16, (int8)(0, 2, 4, 6, 8, 10, 12, 14))
    POOL_BWD_TAIL(8, 16, (int8)(0, 2, 4, 6, 8, 10, 12, 14))
    POOL_BWD_BLOCK(4, 8, (int4)(0, 2, 4, 6))
    POOL_BWD_TAIL(4, 8, (int4)(0, 2, 4, 6))
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

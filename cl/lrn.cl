/* cl/lrn.cl - local response normalisation across channels, forward and backward (NCHW float).
 *
 * With a = alpha per term (the host folds the convention in) and the window of channel c being
 * [c - size/2, c + (size-1)/2] clipped to the channels that exist:
 *   forward:  scale[c] = k + a * sum_window x[j]^2,  y[c] = x[c] * scale[c]^-beta
 *   backward: dx[j] = dy[j] scale[j]^-beta
 *                     - 2 a beta x[j] sum_{i : j in window(i)} dy[i] y[i] / scale[i]
 * (y[i] / scale[i] = x[i] scale[i]^(-beta-1): reading the forward's y and scale leaves one power
 * per element instead of size + 1).
 *
 * One work-item per LRN_W adjacent pixels of one image (one vector when LRN_W > 1; the plane's
 * last, shorter run one pixel at a time), walking down the channels with the window's values in
 * a shift register: each input is read once, and the per-work-item cost is spread over all the
 * channels. Values outside the channels are zeros, so each sum runs over the window in
 * ascending channel order from 0, as a direct gather would. The backward writes only its own
 * dx: no races. scale > 0 (the host requires k > 0 and alpha >= 0), so the power is
 * exp2(-beta log2 s), or rsqrt(s) sqrt(rsqrt(s)) when built with -DLRN_BETA_3_4=1 (beta = 0.75,
 * the paper's; several times cheaper than pow on CPUs).
 * The host builds with -DLRN_LO, -DLRN_HI (the window's reach, clipped to c - 1: the same
 * windows once clipped to the channels) and -DLRN_W = 1, 4, 8 or 16. */
#ifndef LRN_BETA_3_4
#define LRN_BETA_3_4 0
#endif
#ifndef LRN_LO
#define LRN_LO 2 /* window channels below the centre: size/2, at most c - 1 */
#define LRN_HI 2 /* and above: (size-1)/2, at most c - 1 */
#endif
#define LRN_SIZE (LRN_LO + LRN_HI + 1)
#ifndef LRN_W
#define LRN_W 1
#endif

#define LRN_CAT_(a, b) a##b
#define LRN_CAT(a, b) LRN_CAT_(a, b)

/* The walks down the channels, defined once per element type T (float, or the vector) with its
 * load and store: xp, yp, sp point at channel 0 of the first pixel; sp may be null. */
#define LRN_DEFINE_WALKS(SUF, T, LOAD, STORE)                                                    \
    inline T lrn_neg_pow_##SUF(T s, float beta) { return LRN_POW(s, beta); }                    \
    inline void lrn_forward_walk_##SUF(int hw, int c, float alpha, float beta, float k,         \
                                       __global const float *xp, __global float *yp,            \
                                       __global float *sp) {                                    \
        T r[LRN_SIZE]; /* x at channel ch - LRN_LO + t; filled for ch = -1 */                    \
        for (int t = 0; t < LRN_SIZE; t++) {                                                    \
            int j = t - LRN_LO - 1;                                                             \
            r[t] = j >= 0 && j < c ? LOAD(xp + (uint)j * hw) : (T)0.0f;                         \
        }                                                                                       \
        for (int ch = 0; ch < c; ch++) {                                                        \
            for (int t = 0; t < LRN_SIZE - 1; t++) r[t] = r[t + 1];                             \
            int j = ch + LRN_HI;                                                                \
            r[LRN_SIZE - 1] = j < c ? LOAD(xp + (uint)j * hw) : (T)0.0f;                        \
            T sum = 0.0f;                                                                       \
            for (int t = 0; t < LRN_SIZE; t++) sum = fma(r[t], r[t], sum);                      \
            T s = fma((T)alpha, sum, (T)k);                                                     \
            uint i = (uint)ch * hw;                                                             \
            STORE(r[LRN_LO] * lrn_neg_pow_##SUF(s, beta), yp + i);                              \
            if (sp) STORE(s, sp + i);                                                           \
        }                                                                                       \
    }                                                                                           \
    inline void lrn_backward_walk_##SUF(int hw, int c, float alpha, float beta,                 \
                                        __global const float *xp, __global const float *yp,     \
                                        __global const float *sp, __global const float *gp,     \
                                        __global float *dxp) {                                  \
        /* the channels i whose window holds j: j - LRN_HI <= i <= j + LRN_LO; g[t] = dy[i]     \
         * and q[t] = y[i] / scale[i] for i = j - LRN_HI + t, filled for j = -1 */              \
        T g[LRN_SIZE], q[LRN_SIZE];                                                             \
        for (int t = 0; t < LRN_SIZE; t++) {                                                    \
            int i = t - LRN_HI - 1;                                                             \
            int in = i >= 0 && i < c;                                                           \
            uint e = (uint)i * hw;                                                              \
            g[t] = in ? LOAD(gp + e) : (T)0.0f;                                                 \
            q[t] = in ? LOAD(yp + e) / LOAD(sp + e) : (T)0.0f;                                  \
        }                                                                                       \
        for (int j = 0; j < c; j++) {                                                           \
            for (int t = 0; t < LRN_SIZE - 1; t++) {                                            \
                g[t] = g[t + 1];                                                                \
                q[t] = q[t + 1];                                                                \
            }                                                                                   \
            int i = j + LRN_LO;                                                                 \
            uint e = (uint)i * hw;                                                              \
            g[LRN_SIZE - 1] = i < c ? LOAD(gp + e) : (T)0.0f;                                   \
            q[LRN_SIZE - 1] = i < c ? LOAD(yp + e) / LOAD(sp + e) : (T)0.0f;                    \
            T acc = 0.0f;                                                                       \
            for (int t = 0; t < LRN_SIZE; t++) acc = fma(g[t], q[t], acc);                      \
            uint o = (uint)j * hw;                                                              \
            T direct = g[LRN_HI] * lrn_neg_pow_##SUF(LOAD(sp + o), beta);                       \
            STORE(direct - 2.0f * alpha * beta * LOAD(xp + o) * acc, dxp + o);                  \
        }                                                                                       \
    }

#if LRN_BETA_3_4
#define LRN_POW(s, beta) (rsqrt(s) * sqrt(rsqrt(s)))
#else
#define LRN_POW(s, beta) exp2(-(beta) * log2(s))
#endif

#define LRN_LOAD1(p) (*(p))
#define LRN_STORE1(v, p) (*(p) = (v))
LRN_DEFINE_WALKS(1, float, LRN_LOAD1, LRN_STORE1)
#if LRN_W > 1
#define LRN_LOADW(p) LRN_CAT(vload, LRN_W)(0, p)
#define LRN_STOREW(v, p) LRN_CAT(vstore, LRN_W)(v, 0, p)
LRN_DEFINE_WALKS(w, LRN_CAT(float, LRN_W), LRN_LOADW, LRN_STOREW)
#endif

__kernel void lrn_forward(int hw, int c, float alpha, float beta, float k,
                          __global const float *x, uint x_off, __global float *y, uint y_off,
                          __global float *scale, uint scale_off) {
    uint p = (uint)get_global_id(0) * LRN_W;
    if (p >= (uint)hw) return;
    uint first = (uint)get_global_id(1) * c * hw + p; /* channel 0 of these pixels */
    __global float *sp = scale ? scale + scale_off + first : 0;
#if LRN_W > 1
    if (p + LRN_W <= (uint)hw) {
        lrn_forward_walk_w(hw, c, alpha, beta, k, x + x_off + first, y + y_off + first, sp);
        return;
    }
#endif
    for (uint d = 0; d < LRN_W && p + d < (uint)hw; d++)
        lrn_forward_walk_1(hw, c, alpha, beta, k, x + x_off + first + d, y + y_off + first + d,
                           sp ? sp + d : 0);
}

__kernel void lrn_backward(int hw, int c, float alpha, float beta,
                           __global const float *x, uint x_off, __global const float *y,
                           uint y_off, __global const float *scale, uint scale_off,
                           __global const float *dy, uint dy_off, __global float *dx,
                           uint dx_off) {
    uint p = (uint)get_global_id(0) * LRN_W;
    if (p >= (uint)hw) return;
    uint first = (uint)get_global_id(1) * c * hw + p;
    x += x_off + first;
    y += y_off + first;
    scale += scale_off + first;
    dy += dy_off + first;
    dx += dx_off + first;
#if LRN_W > 1
    if (p + LRN_W <= (uint)hw) {
        lrn_backward_walk_w(hw, c, alpha, beta, x, y, scale, dy, dx);
        return;
    }
#endif
    for (uint d = 0; d < LRN_W && p + d < (uint)hw; d++)
        lrn_backward_walk_1(hw, c, alpha, beta, x + d, y + d, scale + d, dy + d, dx + d);
}

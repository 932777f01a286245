/* cl/lrn.cl - local response normalisation across channels, forward and backward (NCHW float).
 *
 * With a = alpha per term (the host folds the convention in) and the window of channel c being
 * [c - size/2, c + (size-1)/2] clipped to the channels that exist:
 *   forward:  scale[c] = k + a * sum_window x[j]^2,  y[c] = x[c] * scale[c]^-beta
 *   backward: dx[j] = dy[j] scale[j]^-beta
 *                     - 2 a beta x[j] sum_{i : j in window(i)} dy[i] x[i] scale[i]^(-beta-1)
 * The backward recomputes each scale from x (its window sum, in the forward's order: the same
 * float) instead of reading one the forward kept, so the forward writes y only and the backward
 * reads x and dy only (on PoCL the forwards took about half the time, the backwards 10-20 % less:
 * `alexnet bench --kernels --net alexnet-fmnist-wide --batch 64 --train`, old and new kernels
 * alternating). Each scale's power is taken once and kept for the channels that need it: one
 * power per element.
 *
 * One work-item per LRN_W adjacent pixels of one image (one vector when LRN_W > 1, the plane's
 * last, shorter run too), walking down the channels with the window's values in a shift
 * register: each input is read once, and the per-work-item cost is spread over all the
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
 * load and store: xp, yp, gp, dxp point at channel 0 of the first pixel; nv is the number of
 * pixels that exist (only the tail's load and store look at it). */
#define LRN_DEFINE_WALKS(SUF, T, LOAD, STORE)                                                    \
    inline T lrn_neg_pow_##SUF(T s, float beta) { return LRN_POW(s, beta); }                    \
    inline T lrn_window_##SUF(const T *r, float alpha, float k) {                               \
        T sum = 0.0f;                                                                           \
        for (int t = 0; t < LRN_SIZE; t++) sum = fma(r[t], r[t], sum);                          \
        return fma((T)alpha, sum, (T)k);                                                        \
    }                                                                                           \
    inline void lrn_forward_walk_##SUF(int hw, int c, float alpha, float beta, float k,         \
                                       __global const float *xp, __global float *yp, int nv) {  \
        T r[LRN_SIZE]; /* x at channel ch - LRN_LO + t; filled for ch = -1 */                    \
        for (int t = 0; t < LRN_SIZE; t++) {                                                    \
            int j = t - LRN_LO - 1;                                                             \
            r[t] = j >= 0 && j < c ? LOAD(xp + (uint)j * hw) : (T)0.0f;                         \
        }                                                                                       \
        for (int ch = 0; ch < c; ch++) {                                                        \
            for (int t = 0; t < LRN_SIZE - 1; t++) r[t] = r[t + 1];                             \
            int j = ch + LRN_HI;                                                                \
            r[LRN_SIZE - 1] = j < c ? LOAD(xp + (uint)j * hw) : (T)0.0f;                        \
            T s = lrn_window_##SUF(r, alpha, k);                                                \
            STORE(r[LRN_LO] * lrn_neg_pow_##SUF(s, beta), yp + (uint)ch * hw);                  \
        }                                                                                       \
    }                                                                                           \
    inline void lrn_backward_walk_##SUF(int hw, int c, float alpha, float beta, float k,        \
                                        __global const float *xp, __global const float *gp,     \
                                        __global float *dxp, int nv) {                          \
        /* At output channel j: r[t] = x[j + t] (the window of channel j + LRN_LO, the newest   \
         * i), and for the channels i whose window holds j, j - LRN_HI <= i <= j + LRN_LO,      \
         * with i = j - LRN_HI + t: g[t] = dy[i], q[t] = x[i] scale[i]^-beta / scale[i] and     \
         * p[t] = scale[i]^-beta. The walk starts LRN_LO channels early to fill them. */        \
        T r[LRN_SIZE], g[LRN_SIZE], q[LRN_SIZE], p[LRN_SIZE];                                   \
        for (int t = 0; t < LRN_SIZE; t++) {                                                    \
            int j = t - LRN_LO - 1;                                                             \
            r[t] = j >= 0 && j < c ? LOAD(xp + (uint)j * hw) : (T)0.0f;                         \
            g[t] = q[t] = p[t] = (T)0.0f;                                                       \
        }                                                                                       \
        for (int j = -LRN_LO; j < c; j++) {                                                     \
            for (int t = 0; t < LRN_SIZE - 1; t++) {                                            \
                r[t] = r[t + 1];                                                                \
                g[t] = g[t + 1];                                                                \
                q[t] = q[t + 1];                                                                \
                p[t] = p[t + 1];                                                                \
            }                                                                                   \
            int xi = j + LRN_LO + LRN_HI, i = j + LRN_LO;                                       \
            r[LRN_SIZE - 1] = xi < c ? LOAD(xp + (uint)xi * hw) : (T)0.0f;                      \
            T s = lrn_window_##SUF(r, alpha, k), ps = lrn_neg_pow_##SUF(s, beta);               \
            g[LRN_SIZE - 1] = i < c ? LOAD(gp + (uint)i * hw) : (T)0.0f;                        \
            q[LRN_SIZE - 1] = r[LRN_LO] * ps / s;                                               \
            p[LRN_SIZE - 1] = ps;                                                               \
            if (j < 0) continue;                                                                \
            T acc = 0.0f;                                                                       \
            for (int t = 0; t < LRN_SIZE; t++) acc = fma(g[t], q[t], acc);                      \
            T direct = g[LRN_HI] * p[LRN_HI];                                                   \
            STORE(direct - 2.0f * alpha * beta * r[0] * acc, dxp + (uint)j * hw);               \
        }                                                                                       \
    }

#if LRN_BETA_3_4
#define LRN_POW(s, beta) (rsqrt(s) * sqrt(rsqrt(s)))
#else
#define LRN_POW(s, beta) exp2(-(beta) * log2(s))
#endif

#if LRN_W == 1
#define LRN_LOAD1(p) (*(p))
#define LRN_STORE1(v, p) (*(p) = (v))
LRN_DEFINE_WALKS(1, float, LRN_LOAD1, LRN_STORE1)
#else
#define LRN_VEC LRN_CAT(float, LRN_W)
#define LRN_LOADW(p) LRN_CAT(vload, LRN_W)(0, p)
#define LRN_STOREW(v, p) LRN_CAT(vstore, LRN_W)(v, 0, p)
LRN_DEFINE_WALKS(w, LRN_VEC, LRN_LOADW, LRN_STOREW)

/* The plane's last, shorter run of nv pixels: the missing lanes repeat pixel nv - 1 (computed,
 * never stored). One vector walk instead of nv scalar ones, which cost alexnet-fmnist's lrn2
 * (13x13: 10 vectors and 9 single pixels per plane) more than its vectors did. */
inline LRN_VEC lrn_load_tail(__global const float *p, int nv) {
    float t[LRN_W];
    for (int d = 0; d < LRN_W; d++) t[d] = p[min(d, nv - 1)];
    return LRN_CAT(vload, LRN_W)(0, t);
}
inline void lrn_store_tail(LRN_VEC v, __global float *p, int nv) {
    float t[LRN_W];
    LRN_CAT(vstore, LRN_W)(v, 0, t);
    for (int d = 0; d < nv; d++) p[d] = t[d];
}
#define LRN_LOADT(p) lrn_load_tail(p, nv)
#define LRN_STORET(v, p) lrn_store_tail(v, p, nv)
LRN_DEFINE_WALKS(t, LRN_VEC, LRN_LOADT, LRN_STORET)
#endif

__kernel void lrn_forward(int hw, int c, float alpha, float beta, float k,
                          __global const float *x, uint x_off, __global float *y, uint y_off) {
    uint p = (uint)get_global_id(0) * LRN_W;
    if (p >= (uint)hw) return;
    uint first = (uint)get_global_id(1) * c * hw + p; /* channel 0 of these pixels */
    x += x_off + first;
    y += y_off + first;
#if LRN_W == 1
    lrn_forward_walk_1(hw, c, alpha, beta, k, x, y, 1);
#else
    if (p + LRN_W <= (uint)hw)
        lrn_forward_walk_w(hw, c, alpha, beta, k, x, y, LRN_W);
    else
        lrn_forward_walk_t(hw, c, alpha, beta, k, x, y, hw - (int)p);
#endif
}

__kernel void lrn_backward(int hw, int c, float alpha, float beta, float k,
                           __global const float *x, uint x_off, __global const float *dy,
                           uint dy_off, __global float *dx, uint dx_off) {
    uint p = (uint)get_global_id(0) * LRN_W;
    if (p >= (uint)hw) return;
    uint first = (uint)get_global_id(1) * c * hw + p;
    x += x_off + first;
    dy += dy_off + first;
    dx += dx_off + first;
#if LRN_W == 1
    lrn_backward_walk_1(hw, c, alpha, beta, k, x, dy, dx, 1);
#else
    if (p + LRN_W <= (uint)hw)
        lrn_backward_walk_w(hw, c, alpha, beta, k, x, dy, dx, LRN_W);
    else
        lrn_backward_walk_t(hw, c, alpha, beta, k, x, dy, dx, hw - (int)p);
#endif
}

/* cl/lrn.cl - local response normalisation across channels, forward and backward (NCHW float).
 *
 * One work-item per element over a 3-D range (pixel within the plane, channel, image), so that
 * no index needs a division. With a = alpha per term (the host folds the convention in) and the
 * window of channel c being [c - size/2, c + (size-1)/2] clipped to the channels that exist:
 *   forward:  scale[c] = k + a * sum_window x[j]^2,  y[c] = x[c] * scale[c]^-beta
 *   backward: dx[j] = dy[j] scale[j]^-beta
 *                     - 2 a beta x[j] sum_{i : j in window(i)} dy[i] y[i] / scale[i]
 * (y[i] / scale[i] = x[i] scale[i]^(-beta-1): reading the forward's y and scale leaves one power
 * per element instead of size + 1). The backward is a gather: each work-item writes only its own
 * dx, so there are no races. scale > 0 (the host requires k > 0 and alpha >= 0), so the power is
 * exp2(-beta log2 s), or rsqrt(s) sqrt(rsqrt(s)) when built with -DLRN_BETA_3_4=1 (beta = 0.75,
 * the paper's; several times cheaper than pow on CPUs). */
#ifndef LRN_BETA_3_4
#define LRN_BETA_3_4 0
#endif

inline float lrn_neg_pow(float s, float beta) {
#if LRN_BETA_3_4
    float r = rsqrt(s);
    return r * sqrt(r);
#else
    return exp2(-beta * log2(s));
#endif
}

__kernel void lrn_forward(int hw, int c, int size, float alpha, float beta, float k,
                          __global const float *x, uint x_off, __global float *y, uint y_off,
                          __global float *scale, uint scale_off) {
    int p = get_global_id(0);
    if (p >= hw) return;
    int ch = get_global_id(1);
    uint first = (uint)get_global_id(2) * c * hw + p; /* channel 0 of the same pixel */
    uint i = first + (uint)ch * hw;
    int lo = max(ch - size / 2, 0), hi = min(ch + (size - 1) / 2, c - 1);
    float sum = 0.0f;
    for (int j = lo; j <= hi; j++) {
        float v = x[x_off + first + (uint)j * hw];
        sum = fma(v, v, sum);
    }
    float s = fma(alpha, sum, k);
    y[y_off + i] = x[x_off + i] * lrn_neg_pow(s, beta);
    if (scale) scale[scale_off + i] = s;
}

__kernel void lrn_backward(int hw, int c, int size, float alpha, float beta,
                           __global const float *x, uint x_off, __global const float *y,
                           uint y_off, __global const float *scale, uint scale_off,
                           __global const float *dy, uint dy_off, __global float *dx,
                           uint dx_off) {
    int p = get_global_id(0);
    if (p >= hw) return;
    int ch = get_global_id(1);
    uint first = (uint)get_global_id(2) * c * hw + p;
    uint j = first + (uint)ch * hw;
    /* the channels i whose window holds ch: i - size/2 <= ch <= i + (size-1)/2 */
    int lo = max(ch - (size - 1) / 2, 0), hi = min(ch + size / 2, c - 1);
    float acc = 0.0f;
    for (int i = lo; i <= hi; i++) {
        uint e = first + (uint)i * hw;
        acc = fma(dy[dy_off + e], y[y_off + e] / scale[scale_off + e], acc);
    }
    float direct = dy[dy_off + j] * lrn_neg_pow(scale[scale_off + j], beta);
    dx[dx_off + j] = direct - 2.0f * alpha * beta * x[x_off + j] * acc;
}

/* cl/lrn.cl - local response normalisation across channels, forward and backward (NCHW float).
 *
 * One work-item per element, 1-D over n*c*h*w. With a = alpha per term (the host folds the
 * convention in) and the window of channel c being [c - size/2, c + (size-1)/2] clipped to the
 * channels that exist:
 *   forward:  scale[c] = k + a * sum_window x[j]^2,  y[c] = x[c] * scale[c]^-beta
 *   backward: dx[j] = dy[j] scale[j]^-beta
 *                     - 2 a beta x[j] sum_{i : j in window(i)} dy[i] x[i] scale[i]^(-beta-1)
 * The backward reads the forward's scale (kept in a buffer rather than recomputed) and is a
 * gather: each work-item writes only its own dx, so there are no races. */

__kernel void lrn_forward(uint total, int c, uint hw, int size, float alpha, float beta,
                          float k, __global const float *x, uint x_off, __global float *y,
                          uint y_off, __global float *scale, uint scale_off) {
    uint i = get_global_id(0);
    if (i >= total) return;
    int ch = (i / hw) % c;
    uint first = i - ch * hw; /* channel 0 of the same pixel */
    int lo = max(ch - size / 2, 0), hi = min(ch + (size - 1) / 2, c - 1);
    float sum = 0.0f;
    for (int j = lo; j <= hi; j++) {
        float v = x[x_off + first + j * hw];
        sum = fma(v, v, sum);
    }
    float s = fma(alpha, sum, k);
    y[y_off + i] = x[x_off + i] * pow(s, -beta);
    if (scale) scale[scale_off + i] = s;
}

__kernel void lrn_backward(uint total, int c, uint hw, int size, float alpha, float beta,
                           __global const float *x, uint x_off, __global const float *scale,
                           uint scale_off, __global const float *dy, uint dy_off,
                           __global float *dx, uint dx_off) {
    uint j = get_global_id(0);
    if (j >= total) return;
    int ch = (j / hw) % c;
    uint first = j - ch * hw;
    /* the channels i whose window holds ch: i - size/2 <= ch <= i + (size-1)/2 */
    int lo = max(ch - (size - 1) / 2, 0), hi = min(ch + size / 2, c - 1);
    float acc = 0.0f;
    for (int i = lo; i <= hi; i++) {
        uint e = first + i * hw;
        acc = fma(dy[dy_off + e] * x[x_off + e], pow(scale[scale_off + e], -beta - 1.0f), acc);
    }
    float direct = dy[dy_off + j] * pow(scale[scale_off + j], -beta);
    dx[dx_off + j] = direct - 2.0f * alpha * beta * x[x_off + j] * acc;
}

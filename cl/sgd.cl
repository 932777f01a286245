/* cl/sgd.cl - the paper's SGD update with momentum and weight decay, one launch for all tensors.
 *
 * w, g, v share one flat layout holding every parameter tensor of a device. The segment table
 * segs[s] = (start, length, as_uint(lr_mult), as_uint(decay_mult)), sorted by start and not
 * overlapping, gives each tensor its multipliers (Caffe's lr_mult / decay_mult). One work-item
 * per element finds its segment by binary search over the starts (a handful of steps in a table
 * that stays in cache) and applies
 *   e = lr * lr_mult, l = decay * decay_mult:  v <- momentum*v - l*e*w - e*g;  w <- w + v.
 * Elements between segments are left alone. */

__kernel void sgd_step(__global float *w, uint w_off, __global const float *g, uint g_off,
                       __global float *v, uint v_off, __global const uint4 *segs, uint nseg,
                       uint total, float lr, float momentum, float decay) {
    uint i = get_global_id(0);
    if (i >= total) return;
    uint lo = 0, hi = nseg; /* the last segment with start <= i is in [lo, hi) */
    while (hi - lo > 1) {
        uint mid = (lo + hi) / 2;
        if (segs[mid].x <= i) lo = mid;
        else hi = mid;
    }
    uint4 s = segs[lo];
    if (i < s.x || i - s.x >= s.y) return;
    float e = lr * as_float(s.z);
    float l = decay * as_float(s.w);
    float wi = w[w_off + i];
    float vi = momentum * v[v_off + i] - l * e * wi - e * g[g_off + i];
    v[v_off + i] = vi;
    w[w_off + i] = wi + vi;
}

/* cl/sgd.cl - the paper's SGD update with momentum and weight decay over one run of a flat
 * parameter layout: a stretch of tensors that share their multipliers, n floats from `start`.
 *   e = lr * lr_mult, le = (decay * decay_mult) * e:  v <- momentum*v - le*w - e*g;  w <- w + v.
 * Each work-item updates SGD_VEC consecutive floats with vector loads and stores (any alignment:
 * vloadn needs only a float's); the last one of a run that is not a multiple of SGD_VEC finishes
 * element by element. A memory-bound pass: 12 bytes read and 8 written per parameter. */

#ifndef SGD_VEC
#define SGD_VEC 8
#endif

#define SGD_CAT(a, b) a##b
#define SGD_XCAT(a, b) SGD_CAT(a, b)
#define floatv SGD_XCAT(float, SGD_VEC)
#define vloadv SGD_XCAT(vload, SGD_VEC)
#define vstorev SGD_XCAT(vstore, SGD_VEC)

__kernel void sgd_run(__global float *w, uint w_off, __global const float *g, uint g_off,
                      __global float *v, uint v_off, uint start, uint n, float e, float le,
                      float momentum) {
    uint i = get_global_id(0) * SGD_VEC;
    if (i >= n) return;
    __global float *wp = w + w_off + start, *vp = v + v_off + start;
    __global const float *gp = g + g_off + start;
    if (n - i >= SGD_VEC) {
        floatv wi = vloadv(0, wp + i);
        floatv vi = momentum * vloadv(0, vp + i) - le * wi - e * vloadv(0, gp + i);
        vstorev(vi, 0, vp + i);
        vstorev(wi + vi, 0, wp + i);
        return;
    }
    for (; i < n; i++) {
        float wi = wp[i];
        float vi = momentum * vp[i] - le * wi - e * gp[i];
        vp[i] = vi;
        wp[i] = wi + vi;
    }
}

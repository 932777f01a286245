/* cl/common.cl - prepended to every program: shared definitions and the utility kernels the
 * runtime itself uses. Each op's file follows it (see host/runtime/progcache.c). */
#ifndef AN_COMMON_CL
#define AN_COMMON_CL

/* x[off + i] = value for i < n. Used to zero gradients and to poison outputs in tests. */
__kernel void an_fill(__global float *x, uint off, uint n, float value) {
    uint i = get_global_id(0);
    if (i < n) x[off + i] = value;
}

#endif

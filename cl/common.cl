/* cl/common.cl - prepended to every program: shared definitions and the utility kernels the
 * runtime itself uses. Each op's file follows it (see host/runtime/progcache.c). */
#ifndef AN_COMMON_CL
#define AN_COMMON_CL

/* A convolution's shape as one int16 sh (host/ops/conv.c's shape_arg): cl/im2col.cl and
 * cl/conv_direct.cl read its fields through these names. */
#define SH_C sh.s0
#define SH_H sh.s1
#define SH_W sh.s2
#define SH_K sh.s3
#define SH_KH sh.s4
#define SH_KW sh.s5
#define SH_S sh.s6
#define SH_P sh.s7
#define SH_G sh.s8
#define SH_OH sh.s9
#define SH_OW sh.sa
#define SH_NB sh.sb

/* Horizontal sums of a vector, halving it at each step (the GEMM and GEMV kernels' order).
 * Marked unused: PoCL builds with -Dinline=, which turns `static inline` into `static`, and every
 * file that includes these without calling them then warned of an unused function. */
__attribute__((unused)) static inline float an_hsum4(float4 v) {
    float2 c = v.lo + v.hi;
    return c.x + c.y;
}
__attribute__((unused)) static inline float an_hsum8(float8 v) { return an_hsum4(v.lo + v.hi); }
__attribute__((unused)) static inline float an_hsum16(float16 v) {
    return an_hsum8(v.lo + v.hi);
}

/* x[off + i] = value for i < n. Used to zero gradients and to poison outputs in tests. */
__kernel void an_fill(__global float *x, uint off, uint n, float value) {
    uint i = get_global_id(0);
    if (i < n) x[off + i] = value;
}

#endif

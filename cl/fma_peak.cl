/* cl/fma_peak.cl - the device's float FMA rate, for `alexnet bench-gemm`: every work-item runs
 * CHAINS independent chains of float16 FMAs (enough independent work to hide FMA latency).
 * FLOPs = work-items * iters * CHAINS * 16 lanes * 2. The result is stored so nothing is
 * optimised away; values stay finite (x -> x*m + a with m < 1). */

#ifndef CHAINS
#define CHAINS 12
#endif

__kernel void fma_peak(__global float *out, uint iters, float m, float a) {
    const uint gid = get_global_id(0);
    float16 x[CHAINS];
#pragma unroll
    for (int c = 0; c < CHAINS; c++) x[c] = (float16)((float)(gid + c) * 1e-6f);
    const float16 mv = (float16)(m), av = (float16)(a);
    for (uint i = 0; i < iters; i++) {
#pragma unroll
        for (int c = 0; c < CHAINS; c++) x[c] = fma(x[c], mv, av);
    }
    float16 s = x[0];
#pragma unroll
    for (int c = 1; c < CHAINS; c++) s += x[c];
    float8 h = s.lo + s.hi;
    float4 q = h.lo + h.hi;
    out[gid] = q.x + q.y + q.z + q.w;
}

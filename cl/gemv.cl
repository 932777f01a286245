/* cl/gemv.cl - fully connected forward for a few rows (small batches), memory bound on the
 * weights: y[r][o] = act(sum_i x[r][i] * W[o][i] + b[o]) for r < GEMV_N, with W [m][k]
 * row-major, and a copy kernel that measures the device's memory bandwidth.
 *
 * Build options (host/ops/gemv.c sets them):
 *   GEMV_N     rows of x (images), 1..8;
 *   GEMV_ROWS  rows of W (output features) per work-group;
 *   GEMV_WG    work-items per work-group, a power of two: they split the k dimension in
 *              interleaved vectors (neighbouring work-items read neighbouring addresses, as a
 *              GPU wants), then sum their partial results in local memory (no atomics). With
 *              GEMV_WG 1 a work-item streams its rows from start to end, the order a CPU's
 *              prefetcher follows;
 *   GEMV_VW    floats per load: 4, 8 or 16. */

#ifndef GEMV_N
#define GEMV_N 1
#endif
#ifndef GEMV_ROWS
#define GEMV_ROWS 4
#endif
#ifndef GEMV_WG
#define GEMV_WG 64
#endif
#ifndef GEMV_VW
#define GEMV_VW 4
#endif

#if GEMV_VW == 16
typedef float16 gv_t;
#define GV_LOAD vload16
#define gv_sum an_hsum16
#elif GEMV_VW == 8
typedef float8 gv_t;
#define GV_LOAD vload8
#define gv_sum an_hsum8
#else
typedef float4 gv_t;
#define GV_LOAD vload4
#define gv_sum an_hsum4
#endif

/* One work-group per GEMV_ROWS rows of W (dimension 0: groups * GEMV_WG work-items). Rows past m
 * read row m - 1 again and store nothing. x rows are ldx apart, y rows ldy apart; b is read when
 * has_bias, and relu != 0 clamps the result at 0 (a NaN passes, as in cl/activation.cl). */
__kernel __attribute__((reqd_work_group_size(GEMV_WG, 1, 1)))
void gemv_rows(uint m, uint k, __global const float *x, uint x_off, uint ldx,
               __global const float *w, uint w_off, uint ldw, __global const float *b,
               uint b_off, int has_bias, int relu, __global float *y, uint y_off, uint ldy) {
    uint l = get_local_id(0), o0 = get_group_id(0) * GEMV_ROWS;
    __global const float *wr[GEMV_ROWS];
    for (uint q = 0; q < GEMV_ROWS; q++) {
        uint o = o0 + q < m ? o0 + q : m - 1;
        wr[q] = w + w_off + o * ldw;
    }
    __global const float *xr = x + x_off;
    gv_t acc[GEMV_ROWS][GEMV_N];
    for (uint q = 0; q < GEMV_ROWS; q++)
        for (uint r = 0; r < GEMV_N; r++) acc[q][r] = (gv_t)0.0f;
    uint kv = k / GEMV_VW;
    for (uint v = l; v < kv; v += GEMV_WG) {
        gv_t xv[GEMV_N];
        for (uint r = 0; r < GEMV_N; r++) xv[r] = GV_LOAD(v, xr + r * ldx);
        for (uint q = 0; q < GEMV_ROWS; q++) {
            gv_t wv = GV_LOAD(v, wr[q]);
            for (uint r = 0; r < GEMV_N; r++) acc[q][r] = fma(wv, xv[r], acc[q][r]);
        }
    }
    float s[GEMV_ROWS][GEMV_N];
    for (uint q = 0; q < GEMV_ROWS; q++)
        for (uint r = 0; r < GEMV_N; r++) s[q][r] = gv_sum(acc[q][r]);
    for (uint i = kv * GEMV_VW + l; i < k; i += GEMV_WG)
        for (uint q = 0; q < GEMV_ROWS; q++)
            for (uint r = 0; r < GEMV_N; r++) s[q][r] = fma(wr[q][i], xr[r * ldx + i], s[q][r]);
#if GEMV_WG > 1
    __local float part[GEMV_ROWS * GEMV_N][GEMV_WG];
    for (uint q = 0; q < GEMV_ROWS; q++)
        for (uint r = 0; r < GEMV_N; r++) part[q * GEMV_N + r][l] = s[q][r];
    barrier(CLK_LOCAL_MEM_FENCE);
    for (uint h = GEMV_WG / 2; h > 0; h >>= 1) {
        if (l < h)
            for (uint j = 0; j < GEMV_ROWS * GEMV_N; j++) part[j][l] += part[j][l + h];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    for (uint j = l; j < GEMV_ROWS * GEMV_N; j += GEMV_WG) {
        uint q = j / GEMV_N, r = j % GEMV_N, o = o0 + q;
        if (o >= m) continue;
        float v = part[j][0] + (has_bias ? b[b_off + o] : 0.0f);
        y[y_off + r * ldy + o] = relu && v < 0.0f ? 0.0f : v;
    }
#else
    for (uint q = 0; q < GEMV_ROWS; q++) {
        uint o = o0 + q;
        if (o >= m) break;
        float bo = has_bias ? b[b_off + o] : 0.0f;
        for (uint r = 0; r < GEMV_N; r++) {
            float v = s[q][r] + bo;
            y[y_off + r * ldy + o] = relu && v < 0.0f ? 0.0f : v;
        }
    }
#endif
}

/* dst[i] = src[i] for i < n, 16 floats per work-item where all are in range. */
__kernel void copy_floats(__global const float *src, __global float *dst, uint n) {
    uint i = get_global_id(0) * 16;
    if (i >= n) return;
    if (n - i >= 16) {
        vstore16(vload16(0, src + i), 0, dst + i);
        return;
    }
    for (; i < n; i++) dst[i] = src[i];
}

/* cl/activation.cl - ReLU, bias + optional ReLU, and the bias gradient (float, element offsets).
 *
 * Bias kernels see a tensor as [outer][c][inner] with one bias per c: a fully connected output
 * N×F is outer = N, c = F, inner = 1; NCHW is outer = N, c = C, inner = H*W.
 * ReLU is written `x < 0 ? 0 : x` so that a NaN passes through (fmax would hide it). */

#ifndef BIAS_WG
#define BIAS_WG 64 /* work-group size of bias_grad_groups, a power of two */
#endif

/* The element-wise kernels take RELU_VEC consecutive elements per work-item, as one vector where
 * all are in range: on PoCL a work-item per element cost 9x as long (its per-item overhead
 * dominates so small a body; 6.2 M elements, measured with `alexnet bench --kernels`). */
#define RELU_VEC 16

/* y = max(x, 0). */
__kernel void relu_forward(__global const float *x, uint x_off, __global float *y, uint y_off,
                           uint n) {
    uint i = get_global_id(0) * RELU_VEC;
    if (i >= n) return;
    if (n - i >= RELU_VEC) {
        float16 v = vload16(0, x + x_off + i);
        vstore16(select(v, (float16)0.0f, isless(v, (float16)0.0f)), 0, y + y_off + i);
        return;
    }
    for (; i < n; i++) {
        float v = x[x_off + i];
        y[y_off + i] = v < 0.0f ? 0.0f : v;
    }
}

/* dx = dy where the forward's output y > 0, else 0. */
__kernel void relu_backward(__global const float *y, uint y_off, __global const float *dy,
                            uint dy_off, __global float *dx, uint dx_off, uint n) {
    uint i = get_global_id(0) * RELU_VEC;
    if (i >= n) return;
    if (n - i >= RELU_VEC) {
        float16 v = vload16(0, y + y_off + i), g = vload16(0, dy + dy_off + i);
        vstore16(select((float16)0.0f, g, isgreater(v, (float16)0.0f)), 0, dx + dx_off + i);
        return;
    }
    for (; i < n; i++) dx[dx_off + i] = y[y_off + i] > 0.0f ? dy[dy_off + i] : 0.0f;
}

/* FC: y[o][j] = x[o][j] + b[j], then ReLU when relu != 0. 2-D range: dimension 0 over the
 * features j, 1 over the rows o. */
__kernel void bias_relu_rows(__global const float *x, uint x_off, __global const float *b,
                             uint b_off, __global float *y, uint y_off, uint c, int relu) {
    uint j = get_global_id(0), o = get_global_id(1);
    if (j >= c) return;
    uint at = o * c + j;
    float v = x[x_off + at] + b[b_off + j];
    y[y_off + at] = relu && v < 0.0f ? 0.0f : v;
}

/* NCHW: y[o][j][i] = x[o][j][i] + b[j], then ReLU when relu != 0. 2-D range: dimension 0 over
 * the positions i of a plane, 1 over the planes o*c + j (so no division per element). */
__kernel void bias_relu_planes(__global const float *x, uint x_off, __global const float *b,
                               uint b_off, __global float *y, uint y_off, uint c, uint inner,
                               int relu) {
    uint i = get_global_id(0), plane = get_global_id(1);
    if (i >= inner) return;
    uint at = plane * inner + i;
    float v = x[x_off + at] + b[b_off + plane % c];
    y[y_off + at] = relu && v < 0.0f ? 0.0f : v;
}

/* db[j] = sum_o dy[o][j] for inner == 1 (FC layers): one work-item per feature walks the rows,
 * so neighbouring work-items read neighbouring addresses. */
__kernel void bias_grad_rows(__global const float *dy, uint dy_off, __global float *db,
                             uint db_off, uint outer, uint c) {
    uint j = get_global_id(0);
    if (j >= c) return;
    float s = 0.0f;
    for (uint o = 0; o < outer; o++) s += dy[dy_off + o * c + j];
    db[db_off + j] = s;
}

/* db[j] = sum_{o,i} dy[o][j][i]: one work-group of BIAS_WG per channel j, each work-item summing
 * a strided share of every plane, then a tree reduction in local memory. */
__kernel __attribute__((reqd_work_group_size(BIAS_WG, 1, 1)))
void bias_grad_groups(__global const float *dy, uint dy_off, __global float *db, uint db_off,
                      uint outer, uint c, uint inner) {
    __local float part[BIAS_WG];
    uint j = get_group_id(0), l = get_local_id(0);
    float s = 0.0f;
    for (uint o = 0; o < outer; o++) {
        __global const float *plane = dy + dy_off + (o * c + j) * inner;
        for (uint i = l; i < inner; i += BIAS_WG) s += plane[i];
    }
    part[l] = s;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (uint h = BIAS_WG / 2; h > 0; h >>= 1) {
        if (l < h) part[l] += part[l + h];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (l == 0) db[db_off + j] = part[0];
}

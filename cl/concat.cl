/* cl/concat.cl - the strided 2-D copy behind concat and split (channels of NCHW, or features).
 *
 * dst[dst_off + r*dst_pitch + c] = src[src_off + r*src_pitch + c] (+= when accumulate) for
 * r < rows, c < cols. 2-D range: dimension 0 over columns, 1 over rows. */

__kernel void copy2d(__global const float *src, uint src_off, uint src_pitch, __global float *dst,
                     uint dst_off, uint dst_pitch, uint rows, uint cols, int accumulate) {
    uint c = get_global_id(0), r = get_global_id(1);
    if (c >= cols || r >= rows) return;
    float v = src[src_off + r * src_pitch + c];
    __global float *d = dst + dst_off + r * dst_pitch + c;
    *d = accumulate ? *d + v : v;
}

/* cl/dropout.cl - inverted dropout with a Philox4x32-10 mask, forward and backward in one kernel.
 *
 * The keep/drop decision of an element is a pure function of (seed, step, layer, layer-wide
 * element index), with the counter layout of host/ref/philox.h (this file holds a copy of that
 * algorithm in OpenCL C; test_dropout checks that the two give identical masks):
 *   e = (row_offset + row) * layer_cols + col_offset + col, group = e / 4, lane = e % 4,
 *   counter = {lo32(group), hi32(group), step, layer}, key = {lo32(seed), hi32(seed)},
 *   dropped when philox4x32_10(counter, key)[lane] < threshold (= floor(p * 2^32)).
 * dropout_apply computes y = keep ? x * scale : 0 over a rows × cols tile stored densely: the
 * forward with x, y; the backward with dy, dx and the same arguments (the mask is regenerated,
 * not stored). threshold 0 with scale 1 is the identity (inference). */

#define DROPOUT_M0 0xD2511F53u
#define DROPOUT_M1 0xCD9E8D57u
#define DROPOUT_W0 0x9E3779B9u
#define DROPOUT_W1 0xBB67AE85u

/* One round on (c0, c1, c2, c3) with key (k0, k1): scalars, not a uint4, and the rounds
 * unrolled, so that PoCL can run the work-items side by side in vector lanes (with a uint4 or a
 * loop left in, it ran them one at a time: fc6's dropout at batch 128 took 5x as long, `alexnet
 * bench --train --kernels`). */
#define DROPOUT_ROUND(k0, k1)                                                                   \
    do {                                                                                        \
        uint h0 = mul_hi(DROPOUT_M0, c0), l0 = DROPOUT_M0 * c0;                                \
        uint h1 = mul_hi(DROPOUT_M1, c2), l1 = DROPOUT_M1 * c2;                                \
        c0 = h1 ^ c1 ^ (k0);                                                                    \
        c1 = l1;                                                                                \
        c2 = h0 ^ c3 ^ (k1);                                                                    \
        c3 = l0;                                                                                \
    } while (0)

/* 2-D range: dimension 1 over the tile's rows r, dimension 0 over the counter groups g that
 * row's elements fall in (at most cols/4 + 2): each work-item runs the generator once and applies
 * its four outputs to those of elements 4g..4g+3 that belong to the tile row. */
__kernel void dropout_apply(__global const float *x, uint x_off, __global float *y, uint y_off,
                            uint cols, uint layer_cols, uint col_offset, uint seed_lo,
                            uint seed_hi, uint step, uint layer, uint threshold, float scale,
                            uint row_offset) {
    uint r = get_global_id(1);
    /* the row's first element, layer-wide (rows count from the whole batch's first image) */
    ulong e0 = ((ulong)row_offset + r) * layer_cols + col_offset;
    ulong group = (e0 >> 2) + get_global_id(0);
    ulong first = group << 2;
    if (first >= e0 + cols) return;
    uint c0 = (uint)group, c1 = (uint)(group >> 32), c2 = step, c3 = layer;
    if (threshold != 0) { /* 0: everything kept */
        uint k0 = seed_lo, k1 = seed_hi;
#pragma unroll
        for (int i = 0; i < 10; i++) {
            DROPOUT_ROUND(k0, k1);
            k0 += DROPOUT_W0;
            k1 += DROPOUT_W1;
        }
    }
    __global const float *xr = x + x_off + (size_t)r * cols;
    __global float *yr = y + y_off + (size_t)r * cols;
    /* lane l: element first + l, column c + l of the row, stored when inside it */
    long c = (long)(first - e0);
#define DROPOUT_LANE(l, bits)                                                                   \
    if (c + l >= 0 && c + l < (long)cols)                                                       \
        yr[c + l] = threshold != 0 && (bits) < threshold ? 0.0f : xr[c + l] * scale;
    DROPOUT_LANE(0, c0)
    DROPOUT_LANE(1, c1)
    DROPOUT_LANE(2, c2)
    DROPOUT_LANE(3, c3)
#undef DROPOUT_LANE
}

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

/* One round on c[0..3] with key (k0, k1). */
void dropout_philox_round(uint *c, uint k0, uint k1) {
    uint hi0 = mul_hi(DROPOUT_M0, c[0]), lo0 = DROPOUT_M0 * c[0];
    uint hi1 = mul_hi(DROPOUT_M1, c[2]), lo1 = DROPOUT_M1 * c[2];
    uint c1 = c[1], c3 = c[3];
    c[0] = hi1 ^ c1 ^ k0;
    c[1] = lo1;
    c[2] = hi0 ^ c3 ^ k1;
    c[3] = lo0;
}

/* c <- philox4x32_10(c, key), the key bumped before every round but the first. Scalars and a
 * private array rather than uint4: oclgrind 21.10 picks the wrong component when a uint4's
 * components are chosen by a run-time lane. */
void dropout_philox4x32_10(uint *c, uint k0, uint k1) {
    dropout_philox_round(c, k0, k1);
    for (int r = 1; r < 10; r++) {
        k0 += DROPOUT_W0;
        k1 += DROPOUT_W1;
        dropout_philox_round(c, k0, k1);
    }
}

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
    uint bits[4] = {(uint)group, (uint)(group >> 32), step, layer};
    if (threshold != 0) dropout_philox4x32_10(bits, seed_lo, seed_hi); /* 0: everything kept */
    __global const float *xr = x + x_off + (size_t)r * cols;
    __global float *yr = y + y_off + (size_t)r * cols;
    for (uint lane = 0; lane < 4; lane++) {
        ulong e = first + lane;
        if (e < e0 || e >= e0 + cols) continue;
        uint c = (uint)(e - e0);
        float v = threshold != 0 && bits[lane] < threshold ? 0.0f : xr[c];
        yr[c] = v * scale;
    }
}

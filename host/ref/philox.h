/* host/ref/philox.h - Philox4x32-10 (Salmon, Moraes, Dror, Shaw, SC'11) and the dropout stream.
 *
 * A counter-based generator: the 128-bit output is a pure function of a 128-bit counter and a
 * 64-bit key, so any element's random bits can be computed on its own, in any order, on any
 * device. cl/dropout.cl holds a copy of the same algorithm in OpenCL C; test_dropout checks that
 * both give identical masks and test_ref_misc checks this one against the published answers.
 *
 * Dropout's use of it (the one layout, shared by the reference and the kernel):
 *   element index e of a layer (row * layer_cols + col over the whole layer, whichever tower
 *   holds the element; row counts from the whole batch's first image, i.e. row_offset + the
 *   tile's row), group = e / 4, lane = e % 4;
 *   counter = { low32(group), high32(group), step, layer },  key = { low32(seed), high32(seed) };
 *   bits = philox4x32_10(counter, key)[lane];  the element is dropped when bits < threshold,
 *   threshold = floor(p * 2^32), so it is kept with probability 1 - threshold / 2^32 (1 - p to
 *   within 2^-32). */
#ifndef AN_REF_PHILOX_H
#define AN_REF_PHILOX_H

#include <stdint.h>

#define AN_PHILOX_M0 0xD2511F53u
#define AN_PHILOX_M1 0xCD9E8D57u
#define AN_PHILOX_W0 0x9E3779B9u
#define AN_PHILOX_W1 0xBB67AE85u

/* One Philox4x32 round: two 32x32->64 multiplies, the words permuted and mixed with the key. */
static inline void an_philox_round(uint32_t ctr[4], const uint32_t key[2]) {
    uint64_t p0 = (uint64_t)AN_PHILOX_M0 * ctr[0];
    uint64_t p1 = (uint64_t)AN_PHILOX_M1 * ctr[2];
    uint32_t hi0 = (uint32_t)(p0 >> 32), lo0 = (uint32_t)p0;
    uint32_t hi1 = (uint32_t)(p1 >> 32), lo1 = (uint32_t)p1;
    uint32_t c1 = ctr[1], c3 = ctr[3];
    ctr[0] = hi1 ^ c1 ^ key[0];
    ctr[1] = lo1;
    ctr[2] = hi0 ^ c3 ^ key[1];
    ctr[3] = lo0;
}

/* Philox4x32 with 10 rounds: out = f(ctr, key). The key is bumped by the Weyl constants before
 * every round but the first. */
static inline void an_philox4x32_10(const uint32_t ctr_in[4], const uint32_t key_in[2],
                                    uint32_t out[4]) {
    uint32_t key[2] = {key_in[0], key_in[1]};
    for (int i = 0; i < 4; i++) out[i] = ctr_in[i];
    an_philox_round(out, key);
    for (int r = 1; r < 10; r++) {
        key[0] += AN_PHILOX_W0;
        key[1] += AN_PHILOX_W1;
        an_philox_round(out, key);
    }
}

/* Where a dropout mask comes from: the same (seed, step, layer) always gives the same mask. */
typedef struct an_dropout_cfg {
    uint64_t seed;  /* the run's seed */
    uint32_t step;  /* training iteration (a new mask every step) */
    uint32_t layer; /* an id distinct for every dropout layer of the net */
    double p;       /* drop probability, 0 <= p < 1 (the paper: 0.5) */
    uint32_t row_offset; /* the tile's first row in the whole batch (a data-parallel rank's
                            share starts at rank·batch/ranks; 0 otherwise) */
} an_dropout_cfg;

/* floor(p * 2^32) for 0 <= p < 1: an element is dropped when its bits are below this. */
static inline uint32_t an_dropout_threshold(double p) {
    double t = p * 4294967296.0;
    if (!(t > 0)) return 0;
    if (t >= 4294967295.0) return 0xFFFFFFFFu;
    return (uint32_t)t;
}

/* The 32 random bits of element e (the layer-wide index described above). */
static inline uint32_t an_dropout_bits(const an_dropout_cfg *c, uint64_t e) {
    uint64_t group = e >> 2;
    uint32_t ctr[4] = {(uint32_t)group, (uint32_t)(group >> 32), c->step, c->layer};
    uint32_t key[2] = {(uint32_t)c->seed, (uint32_t)(c->seed >> 32)};
    uint32_t out[4];
    an_philox4x32_10(ctr, key, out);
    return out[e & 3];
}

/* 1 when element e is kept. */
static inline int an_dropout_keep(const an_dropout_cfg *c, uint64_t e) {
    return an_dropout_bits(c, e) >= an_dropout_threshold(c->p);
}

#endif

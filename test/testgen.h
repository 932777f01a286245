/* test/testgen.h - a counter-based generator that tools/torch_reference.py reproduces bit for bit,
 * so a test and its Python reference can make the same parameters and inputs without a fixture
 * holding them.
 *
 * Value `index` of stream `stream` under `seed`: bits = mix(key + G·(index+1)) with
 * key = mix(seed + G·(stream+1)), G = 0x9E3779B97F4A7C15 and mix splitmix64's finaliser (all
 * arithmetic mod 2^64). A uniform float in [lo, hi) is lo + (hi−lo)·u with u = (bits >> 11)·2^-53,
 * computed in double and rounded to float32 once; an index in [0, n) is bits mod n. */
#ifndef AN_TEST_TESTGEN_H
#define AN_TEST_TESTGEN_H

#include <stddef.h>
#include <stdint.h>

#define TESTGEN_GOLDEN 0x9E3779B97F4A7C15ull

static inline uint64_t testgen_mix(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static inline uint64_t testgen_key(uint64_t seed, uint64_t stream) {
    return testgen_mix(seed + TESTGEN_GOLDEN * (stream + 1));
}

static inline uint64_t testgen_bits(uint64_t key, uint64_t index) {
    return testgen_mix(key + TESTGEN_GOLDEN * (index + 1));
}

/* x[i] = value i of (seed, stream), uniform in [lo, hi). */
static inline void testgen_uniform(float *x, size_t n, uint64_t seed, uint64_t stream, double lo,
                                   double hi) {
    uint64_t key = testgen_key(seed, stream);
    for (size_t i = 0; i < n; i++) {
        double u = (double)(testgen_bits(key, i) >> 11) * 0x1p-53;
        x[i] = (float)(lo + (hi - lo) * u);
    }
}

/* Index i of (seed, stream) in [0, n). */
static inline size_t testgen_index(uint64_t seed, uint64_t stream, uint64_t i, size_t n) {
    return (size_t)(testgen_bits(testgen_key(seed, stream), i) % (uint64_t)n);
}

#endif

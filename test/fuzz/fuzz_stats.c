/* test/fuzz/fuzz_stats.c - a training split's stats.bin (host/data/shard.h, docs/DATA.md), as
 * `train` and `eval` read it. Property: an accepted file's mean image is size×size×3 floats, all of
 * them readable. */
#include "data/shard.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n) {
    const char *path = fuzz_write("stats.bin", data, n);
    an_data_stats st;
    if (an_data_stats_load(path, &st) != AN_OK) return 0;
    if (st.size <= 0) fuzz_fail("accepted a statistics file of side %d", st.size);
    size_t np = (size_t)st.size * (size_t)st.size * 3;
    volatile float sum = st.mean_image[0] + st.mean_image[np - 1];
    (void)sum;
    an_data_stats_free(&st);
    return 0;
}
